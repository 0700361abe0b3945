-- 93_replay.sql — replay and what-if (issue 12, first part): the clocks of a set of tickets
-- recomputed from their fact log under the policy in force in the caller's transaction, and
-- compliance as it would have been beside compliance as it was (docs/replay.md).

-- A replayed clock beside its stored twin: the rows of sla.replay, sla.replay_version and
-- sla.replay_history (one definition for the three).
CREATE TYPE @extschema@.replayed_clock AS (
    ticket_key text, metric @extschema@.metric, cycle integer, level text,
    target @extschema@.business_interval, state text, started_at timestamptz,
    due_at timestamptz, stopped_at timestamptz, business_used @extschema@.business_interval,
    paused_for @extschema@.business_interval, paused_since timestamptz, department text,
    agent text, stored_level text, stored_state text, stored_due_at timestamptz,
    stored_stopped_at timestamptz, stored_business_used @extschema@.business_interval, changed boolean);
COMMENT ON TYPE @extschema@.replayed_clock IS
    'a clock as a replay recomputed it (level, target, state, due and stop, business time used and paused, holder) beside the stored clock of the same ticket, metric and cycle (stored_*; NULL when there is none), and whether the outcome or the terms differ (changed)';

-- In C (src/replay.c): the facts are played by the clock model the triggers use, in memory;
-- nothing is written.  Runs as the caller: the tracking tables' row-level security applies.
CREATE FUNCTION @extschema@.replay(ticket_table regclass, ticket_keys text[] DEFAULT NULL,
        from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
    RETURNS SETOF @extschema@.replayed_clock
    AS 'MODULE_PATHNAME', 'sla_replay_sql' LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.replay(regclass, text[], timestamptz, timestamptz) IS
    'the clocks of the attachment''s tickets (all, the keys given, or those created in [from_time, to_time)) replayed from their fact log under the policy in force in this transaction, beside the stored clocks (stored_*), with changed = they differ; writes nothing (what-if: edit the policy, replay, roll back)';

-- The clocks counted in compliance over [from_time, to_time) on either side: as they would have
-- been (replayed under the policy in force in this transaction) and as they were (the stored
-- clocks), by the compliance report's rule (sla.clock_counts): one row per side and clock, with
-- the clock's outcome on both sides (NULL: not counted there).  Internal: replay_compliance,
-- replay_changes and the what-if functions read it.  Neither STRICT nor SET search_path (every
-- name and operator in it is qualified): the planner inlines it into its callers' queries, so
-- the replay's rows are not materialized a second time (a fifth of replay_compliance's time
-- over 100,000 tickets).
CREATE FUNCTION @extschema@.replay_sides(ticket_table regclass, from_time timestamptz, to_time timestamptz,
        as_of timestamptz)
    RETURNS TABLE (ticket_key text, metric @extschema@.metric, cycle integer, replayed boolean, is_met boolean,
                   decided_at timestamptz, department text, agent text, level text,
                   now_met boolean, was_met boolean, counted_now boolean)
    LANGUAGE sql STABLE AS $$
    -- each row of the replay pairs a replayed clock with its stored twin (same metric and cycle):
    -- the outcome on each side is read from the row itself, then the row is unfolded into a row
    -- per side it counts on
    WITH r AS (
        SELECT r.ticket_key, r.metric, r.cycle, r.department, r.agent, r.level, r.stored_level,
               coalesce(r.stopped_at, r.due_at) AS now_at, coalesce(r.stored_stopped_at, r.stored_due_at) AS was_at,
               CASE WHEN r.state IS NOT NULL
                     AND coalesce(r.stopped_at, r.due_at) OPERATOR(pg_catalog.>=) $2
                     AND coalesce(r.stopped_at, r.due_at) OPERATOR(pg_catalog.<) $3
                     AND @extschema@.clock_counts(r.state, r.due_at, least($4, $3))
                    THEN r.state OPERATOR(pg_catalog.=) 'met' END AS now_met,
               CASE WHEN r.stored_state IS NOT NULL
                     AND coalesce(r.stored_stopped_at, r.stored_due_at) OPERATOR(pg_catalog.>=) $2
                     AND coalesce(r.stored_stopped_at, r.stored_due_at) OPERATOR(pg_catalog.<) $3
                     AND @extschema@.clock_counts(r.stored_state, r.stored_due_at, least($4, $3))
                    THEN r.stored_state OPERATOR(pg_catalog.=) 'met' END AS was_met
          FROM @extschema@.replay($1, NULL, NULL, $3) r
    )
    SELECT r.ticket_key, r.metric, r.cycle, s.replayed, s.is_met, s.decided_at, r.department, r.agent, s.level,
           r.now_met, r.was_met, r.now_met IS NOT NULL
      FROM r
     CROSS JOIN LATERAL (VALUES (true, r.now_met, r.now_at, r.level), (false, r.was_met, r.was_at, r.stored_level))
           s (replayed, is_met, decided_at, level)
     WHERE s.is_met IS NOT NULL
$$;
COMMENT ON FUNCTION @extschema@.replay_sides(regclass, timestamptz, timestamptz, timestamptz) IS
    'internal: the clocks counted in compliance over [from_time, to_time) replayed (replayed = true) and as stored, each with its outcome on both sides';

-- Compliance as it would have been (replayed under the policy in force in this transaction)
-- beside compliance as it was (the stored clocks), for clocks decided in [from_time, to_time),
-- by the compliance report's rule, grouped like the compliance report: by day, week or month (in
-- time_zone, by default each level's calendar zone) and any of department, agent, level, metric.
-- A clock counts in the groups of each side it is counted on (its decided instant, level and
-- outcome may differ); outcomes_changed counts the clocks whose outcome differs (met, failed,
-- not counted) once, in the group of its replayed side if it has one.
CREATE FUNCTION @extschema@.replay_compliance(ticket_table regclass, from_time timestamptz, to_time timestamptz,
        group_by text[] DEFAULT ARRAY['level', 'metric'], as_of timestamptz DEFAULT pg_catalog.now(),
        time_zone text DEFAULT NULL)
    RETURNS TABLE (period date, department text, agent text, level text, metric @extschema@.metric,
                   met bigint, failed bigint, compliance numeric,
                   stored_met bigint, stored_failed bigint, stored_compliance numeric,
                   compliance_change numeric, outcomes_changed bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g text;
    trunc text := NULL;
BEGIN
    IF ticket_table IS NULL OR from_time IS NULL OR to_time IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'replay_compliance needs a ticket table, a range and an as_of instant'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOREACH g IN ARRAY coalesce(group_by, '{}') LOOP
        IF g IN ('day', 'week', 'month') THEN
            IF trunc IS NOT NULL THEN
                RAISE EXCEPTION 'group_by names more than one period: %', group_by USING ERRCODE = 'invalid_parameter_value';
            END IF;
            trunc := g;
        ELSIF g IS NULL OR g NOT IN ('department', 'agent', 'level', 'metric') THEN
            RAISE EXCEPTION 'cannot group replay_compliance by "%"', g USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Group by day, week or month and any of department, agent, level, metric.';
        END IF;
    END LOOP;
    IF from_time > to_time THEN
        RAISE EXCEPTION 'replay_compliance from % to %: the range ends before it starts', from_time, to_time
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF time_zone IS NOT NULL THEN
        PERFORM @extschema@.valid_time_zone(time_zone);
    END IF;
    RETURN QUERY
    WITH keyed AS (
        SELECT CASE WHEN trunc IS NOT NULL
                    THEN date_trunc(trunc, s.decided_at AT TIME ZONE coalesce(replay_compliance.time_zone, k.time_zone, 'UTC'))::date
               END AS p,
               CASE WHEN 'department' = ANY (group_by) THEN s.department END AS d,
               CASE WHEN 'agent' = ANY (group_by) THEN s.agent END AS a,
               CASE WHEN 'level' = ANY (group_by) THEN s.level END AS l,
               CASE WHEN 'metric' = ANY (group_by) THEN s.metric END AS m,
               s.replayed, s.is_met,
               s.now_met IS DISTINCT FROM s.was_met AND (s.replayed OR NOT s.counted_now) AS changed
          FROM @extschema@.replay_sides(replay_compliance.ticket_table, from_time, to_time, as_of) s
          LEFT JOIN @extschema@.level lv ON trunc IS NOT NULL AND lv.name = s.level
          LEFT JOIN @extschema@.calendar k ON k.id = lv.calendar_id
    ), g AS (
        SELECT x.p, x.d, x.a, x.l, x.m,
               count(*) FILTER (WHERE x.replayed AND x.is_met) AS n_met,
               count(*) FILTER (WHERE x.replayed AND NOT x.is_met) AS n_failed,
               count(*) FILTER (WHERE NOT x.replayed AND x.is_met) AS s_met,
               count(*) FILTER (WHERE NOT x.replayed AND NOT x.is_met) AS s_failed,
               count(*) FILTER (WHERE x.changed) AS n_changed
          FROM keyed x
         GROUP BY 1, 2, 3, 4, 5
    )
    SELECT g.p, g.d, g.a, g.l, g.m, g.n_met, g.n_failed,
           round(100.0 * g.n_met / nullif(g.n_met + g.n_failed, 0), 2),
           g.s_met, g.s_failed,
           round(100.0 * g.s_met / nullif(g.s_met + g.s_failed, 0), 2),
           round(100.0 * g.n_met / nullif(g.n_met + g.n_failed, 0), 2)
               - round(100.0 * g.s_met / nullif(g.s_met + g.s_failed, 0), 2),
           g.n_changed
      FROM g
     ORDER BY 1, 2, 3, 4, 5;
END
$$;
COMMENT ON FUNCTION @extschema@.replay_compliance(regclass, timestamptz, timestamptz, text[], timestamptz, text) IS
    'compliance of the clocks decided in [from_time, to_time) as it would have been under the policy in force in this transaction (replayed from the fact log) beside compliance as it was (the stored clocks), grouped by day/week/month (in time_zone, by default each level''s calendar zone) and any of department, agent, level, metric, with the difference and the number of clocks whose outcome differs';

-- The clocks whose outcome in compliance over [from_time, to_time) differs between the replay
-- under the policy in force in this transaction and the stored clocks: met, failed, or not
-- counted (NULL: not decided in the range, or not yet due).
CREATE FUNCTION @extschema@.replay_changes(ticket_table regclass, from_time timestamptz, to_time timestamptz,
        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (ticket_key text, metric @extschema@.metric, cycle integer, outcome text, stored_outcome text,
                   level text, stored_level text, state text, stored_state text, due_at timestamptz,
                   stored_due_at timestamptz, stopped_at timestamptz, stored_stopped_at timestamptz)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ticket_table IS NULL OR from_time IS NULL OR to_time IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'replay_changes needs a ticket table, a range and an as_of instant'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF from_time > to_time THEN
        RAISE EXCEPTION 'replay_changes from % to %: the range ends before it starts', from_time, to_time
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH changed AS (
        SELECT DISTINCT s.ticket_key, s.metric, s.cycle, s.now_met, s.was_met
          FROM @extschema@.replay_sides(replay_changes.ticket_table, from_time, to_time, as_of) s
         WHERE s.now_met IS DISTINCT FROM s.was_met
    )
    SELECT c.ticket_key, c.metric, c.cycle,
           CASE c.now_met WHEN true THEN 'met' WHEN false THEN 'failed' END,
           CASE c.was_met WHEN true THEN 'met' WHEN false THEN 'failed' END,
           r.level, r.stored_level, r.state, r.stored_state, r.due_at, r.stored_due_at, r.stopped_at, r.stored_stopped_at
      FROM changed c
      JOIN @extschema@.replay(replay_changes.ticket_table, coalesce((SELECT array_agg(DISTINCT x.ticket_key) FROM changed x), '{}')) r
        ON r.ticket_key = c.ticket_key AND r.metric = c.metric AND r.cycle = c.cycle
     ORDER BY 1, 2, 3;
END
$$;
COMMENT ON FUNCTION @extschema@.replay_changes(regclass, timestamptz, timestamptz, timestamptz) IS
    'the clocks whose outcome in compliance over [from_time, to_time) (met, failed, not counted) differs between the replay under the policy in force in this transaction and the stored clocks, with both sides'' level, state, due and stop';
