-- 93_replay.sql — replay and what-if (issue 12, first part): the clocks of a set of tickets
-- recomputed from their fact log under the policy in force in the caller's transaction, and
-- compliance as it would have been beside compliance as it was (docs/replay.md).

-- In C (src/replay.c): the facts are played by the clock model the triggers use, in memory;
-- nothing is written.  Runs as the caller: the tracking tables' row-level security applies.
CREATE FUNCTION @extschema@.replay(ticket_table regclass, ticket_keys text[] DEFAULT NULL,
        from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
    RETURNS TABLE (ticket_key text, metric @extschema@.metric, cycle integer, level text,
                   target @extschema@.business_interval, state text, started_at timestamptz,
                   due_at timestamptz, stopped_at timestamptz, business_used @extschema@.business_interval,
                   paused_for @extschema@.business_interval, paused_since timestamptz, department text,
                   stored_level text, stored_state text, stored_due_at timestamptz,
                   stored_stopped_at timestamptz, stored_business_used @extschema@.business_interval, changed boolean)
    AS 'MODULE_PATHNAME', 'sla_replay_sql' LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.replay(regclass, text[], timestamptz, timestamptz) IS
    'the clocks of the attachment''s tickets (all, the keys given, or those created in [from_time, to_time)) replayed from their fact log under the policy in force in this transaction, beside the stored clocks (stored_*), with changed = they differ; writes nothing (what-if: edit the policy, replay, roll back)';

-- Compliance as it would have been (replayed under the policy in force in this transaction)
-- beside compliance as it was (the stored clocks), for clocks decided in [from_time, to_time),
-- by the compliance report's rule (sla.clock_counts), grouped by any of department, level,
-- metric.  Tickets created before to_time are replayed.
CREATE FUNCTION @extschema@.replay_compliance(ticket_table regclass, from_time timestamptz, to_time timestamptz,
        group_by text[] DEFAULT ARRAY['level', 'metric'], as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (department text, level text, metric @extschema@.metric,
                   met bigint, failed bigint, compliance numeric,
                   stored_met bigint, stored_failed bigint, stored_compliance numeric,
                   compliance_change numeric, outcomes_changed bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g text;
BEGIN
    IF ticket_table IS NULL OR from_time IS NULL OR to_time IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'replay_compliance needs a ticket table, a range and an as_of instant'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOREACH g IN ARRAY coalesce(group_by, '{}') LOOP
        IF g IS NULL OR g NOT IN ('department', 'level', 'metric') THEN
            RAISE EXCEPTION 'cannot group replay_compliance by "%"', g USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Group by any of department, level, metric.';
        END IF;
    END LOOP;
    IF from_time > to_time THEN
        RAISE EXCEPTION 'replay_compliance from % to %: the range ends before it starts', from_time, to_time
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH r AS MATERIALIZED (
        SELECT * FROM @extschema@.replay(replay_compliance.ticket_table, NULL, NULL, to_time)
    ), sides AS (
        -- as it would have been
        SELECT r.ticket_key, r.metric, r.cycle, r.department, r.level AS lvl, true AS replayed,
               r.state = 'met' AS is_met
          FROM r
         WHERE r.state IS NOT NULL
           AND coalesce(r.stopped_at, r.due_at) >= from_time AND coalesce(r.stopped_at, r.due_at) < to_time
           AND @extschema@.clock_counts(r.state, r.due_at, least(as_of, to_time))
        UNION ALL
        -- as it was
        SELECT r.ticket_key, r.metric, r.cycle, r.department, r.stored_level, false, r.stored_state = 'met'
          FROM r
         WHERE r.stored_state IS NOT NULL
           AND coalesce(r.stored_stopped_at, r.stored_due_at) >= from_time
           AND coalesce(r.stored_stopped_at, r.stored_due_at) < to_time
           AND @extschema@.clock_counts(r.stored_state, r.stored_due_at, least(as_of, to_time))
    ), per_clock AS (
        -- one row per clock counted on either side: its outcome on each (NULL: not counted there)
        SELECT s.ticket_key, s.metric, s.cycle,
               CASE WHEN 'department' = ANY (group_by) THEN max(s.department) END AS dep,
               CASE WHEN 'level' = ANY (group_by) THEN coalesce(max(s.lvl) FILTER (WHERE s.replayed), max(s.lvl)) END AS lvl,
               bool_or(s.is_met) FILTER (WHERE s.replayed) AS now_met,
               bool_or(s.is_met) FILTER (WHERE NOT s.replayed) AS was_met
          FROM sides s
         GROUP BY s.ticket_key, s.metric, s.cycle
    ), g AS (
        SELECT p.dep, p.lvl, CASE WHEN 'metric' = ANY (group_by) THEN p.metric END AS m,
               count(*) FILTER (WHERE p.now_met) AS n_met, count(*) FILTER (WHERE NOT p.now_met) AS n_failed,
               count(*) FILTER (WHERE p.was_met) AS s_met, count(*) FILTER (WHERE NOT p.was_met) AS s_failed,
               count(*) FILTER (WHERE p.now_met IS DISTINCT FROM p.was_met) AS n_changed
          FROM per_clock p
         GROUP BY 1, 2, 3
    )
    SELECT g.dep, g.lvl, g.m, g.n_met, g.n_failed,
           round(100.0 * g.n_met / nullif(g.n_met + g.n_failed, 0), 2),
           g.s_met, g.s_failed,
           round(100.0 * g.s_met / nullif(g.s_met + g.s_failed, 0), 2),
           round(100.0 * g.n_met / nullif(g.n_met + g.n_failed, 0), 2)
               - round(100.0 * g.s_met / nullif(g.s_met + g.s_failed, 0), 2),
           g.n_changed
      FROM g
     ORDER BY g.dep, g.lvl, g.m;
END
$$;
COMMENT ON FUNCTION @extschema@.replay_compliance(regclass, timestamptz, timestamptz, text[], timestamptz) IS
    'compliance of the clocks decided in [from_time, to_time) as it would have been under the policy in force in this transaction (replayed from the fact log) beside compliance as it was (the stored clocks), grouped by any of department, level, metric, with the difference and the number of clocks whose outcome differs';
