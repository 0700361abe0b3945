-- 90_reports_as_of.sql — reports "as of" a past instant give what was known then (issue 12).
--
-- A clock row holds its latest state; its events hold every transition with its instant.  A
-- clock as it stood at an instant is its row read back through its events:
--   * absent when it started after the instant;
--   * its state from its latest state event (paused, resumed, reopened, stopped, cancelled) at
--     or before the instant: running when there is none;
--   * its due date from its latest event that moved it (resumed, reopened, retargeted: their
--     detail has due_at) at or before the instant, else from_due_at of the first one after it,
--     else the row's; its time paused from the latest resume or reopening (paused_for);
--   * its level, target and policy version from its latest retargeted event at or before the
--     instant (to_level, target, to_version), else the first one after it (from_level,
--     from_target, from_version), else the row's;
--   * who held it from the first reassigned event of its ticket after the instant that came
--     while it ran (from_department, from_agent, from_requester), else the row's;
--   * its warning instant is the row's while the due date is the stored one, else NULL.
-- This is exact for every clock whose events carry these members (written since 0.2.0's
-- versioned clocks; docs/policy-versions.md, "As of") and reads a handful of index entries per
-- clock.  The alternative, a replay of the fact log up to the instant under sla.policy_at(),
-- would recompute every clock in memory and give the policy of the instant for the whole
-- history, not what each clock was given when it was given it (an edit re-targets a running
-- clock from its start, a decided clock keeps its due date): not what was known then.
--
-- PL/pgSQL with EXECUTE over the tables of each key type: the events are read by the ticket key
-- in its own type (the primary key's prefix), and on Citus the statements are each a plain
-- query on distributed tables (a parameterized SQL function is not).

CREATE FUNCTION @extschema@.clock_as_of(as_of timestamptz)
    RETURNS TABLE (id bigint, attachment_id integer, ticket_key text, metric @extschema@.metric, cycle integer,
                   level_id integer, calendar_id integer, target @extschema@.business_interval,
                   policy_version integer, started_at timestamptz, due_at timestamptz,
                   paused_since timestamptz, paused_for @extschema@.business_interval,
                   stopped_at timestamptz, state text, business_used @extschema@.business_interval,
                   department text, agent text, requester text, warn_at timestamptz)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kt text;
BEGIN
    IF NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'clock_as_of needs a finite instant, not %', as_of USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        RETURN QUERY EXECUTE format($q$
            SELECT c.id, c.attachment_id, c.ticket_key::text, c.metric, c.cycle,
                   CASE WHEN b.found THEN coalesce(b.level_id, c.level_id) WHEN a.found THEN coalesce(a.level_id, c.level_id)
                        ELSE c.level_id END,
                   c.calendar_id,
                   CASE WHEN b.found THEN coalesce(b.target, c.target) WHEN a.found THEN coalesce(a.target, c.target)
                        ELSE c.target END,
                   CASE WHEN b.found THEN b.version WHEN a.found THEN a.version ELSE c.policy_version END,
                   c.started_at, coalesce(d1.due_at, d2.due_at, c.due_at),
                   CASE WHEN s.state = 'paused' THEN s.at END,
                   coalesce(p1.paused_for, p2.paused_for, '00:00:00'::@extschema@.business_interval),
                   CASE WHEN s.state = ANY (ARRAY['met', 'breached', 'cancelled']) THEN s.at END,
                   s.state,
                   CASE WHEN s.state = ANY (ARRAY['met', 'breached']) THEN s.used END,
                   coalesce(h.department, c.department), coalesce(h.agent, c.agent), coalesce(h.requester, c.requester),
                   CASE WHEN coalesce(d1.due_at, d2.due_at, c.due_at) = c.due_at THEN c.warn_at END
              FROM @extschema@.%1$I c
              -- the state: the latest state event at or before the instant
              CROSS JOIN LATERAL (
                  SELECT coalesce(max(e.at), c.started_at) AS at,
                         coalesce((array_agg(CASE e.kind WHEN 'paused' THEN 'paused' WHEN 'resumed' THEN 'running'
                                                         WHEN 'reopened' THEN coalesce(e.detail ->> 'state', 'running')
                                                         WHEN 'stopped' THEN e.detail ->> 'state'
                                                         ELSE 'cancelled' END ORDER BY e.id DESC))[1], 'running') AS state,
                         ((array_agg(e.detail ->> 'business_used' ORDER BY e.id DESC))[1])::@extschema@.business_interval AS used
                    FROM (SELECT * FROM @extschema@.%2$I e
                           WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                             AND e.kind = ANY (ARRAY['paused', 'resumed', 'reopened', 'stopped', 'cancelled'])
                             AND e.at <= $1
                           ORDER BY e.id DESC LIMIT 1) e) s
              -- the due date: from the latest event that moved it at or before the instant (d1),
              -- else from the first one after it (d2), else the row's; the time paused: from the
              -- latest resume or reopening (p1), else the pauses the resumes name (p2: events
              -- written before paused_for was), else none.  Lateral joins of the statement
              -- itself, each with a FROM: Citus plans no correlated subquery of a subquery
              -- without FROM.
              LEFT JOIN LATERAL (
                  SELECT (e.detail ->> 'due_at')::timestamptz AS due_at FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = ANY (ARRAY['resumed', 'reopened', 'retargeted']) AND e.detail ? 'due_at' AND e.at <= $1
                   ORDER BY e.id DESC LIMIT 1) d1 ON true
              LEFT JOIN LATERAL (
                  SELECT (e.detail ->> 'from_due_at')::timestamptz AS due_at FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = ANY (ARRAY['resumed', 'reopened', 'retargeted']) AND e.at > $1
                   ORDER BY e.id LIMIT 1) d2 ON true
              LEFT JOIN LATERAL (
                  SELECT (e.detail ->> 'paused_for')::@extschema@.business_interval AS paused_for FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = ANY (ARRAY['resumed', 'reopened']) AND e.detail ? 'paused_for' AND e.at <= $1
                   ORDER BY e.id DESC LIMIT 1) p1 ON true
              LEFT JOIN LATERAL (
                  SELECT @extschema@.sum((e.detail ->> 'paused')::@extschema@.business_interval) AS paused_for
                    FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = 'resumed' AND e.at <= $1) p2 ON true
              -- the level, target and version: from the latest re-target at or before the instant
              -- (b), else the first one after it (a), else the row's.  Two lateral joins of the
              -- statement itself: Citus plans no outer join of a subquery without FROM.
              LEFT JOIN LATERAL (
                  SELECT true AS found, (e.detail ->> 'to_level')::integer AS level_id,
                         (e.detail ->> 'target')::@extschema@.business_interval AS target,
                         (e.detail ->> 'to_version')::integer AS version
                    FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = 'retargeted' AND e.at <= $1
                   ORDER BY e.id DESC LIMIT 1) b ON true
              LEFT JOIN LATERAL (
                  SELECT true AS found, (e.detail ->> 'from_level')::integer AS level_id,
                         (e.detail ->> 'from_target')::@extschema@.business_interval AS target,
                         (e.detail ->> 'from_version')::integer AS version
                    FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = 'retargeted' AND e.at > $1
                   ORDER BY e.id LIMIT 1) a ON true
              -- the holder: the first change of it after the instant while the clock ran
              LEFT JOIN LATERAL (
                  SELECT e.detail ->> 'from_department' AS department, e.detail ->> 'from_agent' AS agent,
                         CASE WHEN e.detail ? 'from_requester' THEN e.detail ->> 'from_requester' ELSE c.requester END AS requester
                    FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.kind = 'reassigned'
                     AND e.at > $1 AND e.at <= coalesce(c.stopped_at, 'infinity')
                   ORDER BY e.id LIMIT 1) h ON true
             WHERE c.started_at <= $1$q$, 'clock_' || kt, 'event_' || kt)
            USING as_of;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.clock_as_of(timestamptz) IS
    'every SLA clock as it stood at an instant, read back from its events: clocks started later are absent, clocks decided later are running or paused, due date, level, target, policy version and holder as they were then';

-- The SLA log as of an instant, from sla.clock_as_of: sla_log_at's columns and rules, each clock
-- as it stood then (sla.sla_log_at reads the clocks as they are now).  The level's name is the
-- one in force at the instant (sla.policy_rows_at), so a later rename does not relabel it.
CREATE FUNCTION @extschema@.sla_log_as_of(as_of timestamptz, only_department text DEFAULT NULL,
        from_time timestamptz DEFAULT '-infinity', to_time timestamptz DEFAULT 'infinity')
    RETURNS TABLE (requester text, ticket_table regclass, ticket text, department text, agent text,
                   level text, metric @extschema@.metric, cycle integer, started_at timestamptz,
                   due_at timestamptz, warn_at timestamptz, closed_at timestamptz, state text,
                   used @extschema@.business_interval, remaining @extschema@.business_interval,
                   overdue @extschema@.business_interval, policy_version integer)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'sla_log_as_of needs an instant' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- sla_log_at's past instants come here too: the message names the SLA log, not clock_as_of
    IF NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'the SLA log as of an instant needs a finite instant, not %', as_of
              USING ERRCODE = 'invalid_parameter_value',
                    HINT = 'sla.sla_log_at() and sla.sla_log_as_of() read the clocks as they stood at an instant; for every clock ever started, give now() or a later instant.';
    END IF;
    RETURN QUERY
        WITH named AS (SELECT l.id, l.name FROM @extschema@.policy_rows_at(NULL::@extschema@.level, as_of) l)
        SELECT c.requester, a.ticket_table, c.ticket_key, c.department, c.agent,
               coalesce(n.name, lv.name),
               c.metric, c.cycle, c.started_at, c.due_at, c.warn_at,
               c.stopped_at, c.state,
               CASE WHEN c.business_used IS NOT NULL THEN c.business_used
                    ELSE @extschema@.business_between(c.started_at, greatest(coalesce(c.paused_since, as_of), c.started_at),
                                                      c.calendar_id) OPERATOR(@extschema@.-) c.paused_for END,
               CASE WHEN c.state = ANY (ARRAY['running', 'paused']) AND c.due_at >= as_of
                    THEN @extschema@.business_between(greatest(as_of, c.started_at), c.due_at, c.calendar_id) END,
               CASE WHEN c.state = ANY (ARRAY['running', 'paused']) AND c.due_at < as_of
                    THEN @extschema@.business_between(c.due_at, coalesce(c.paused_since, as_of), c.calendar_id)
                    WHEN c.state = 'breached'
                    THEN @extschema@.business_between(c.due_at, c.stopped_at, c.calendar_id) END,
               c.policy_version
          FROM @extschema@.clock_as_of(as_of) c
          JOIN @extschema@.attachment a ON a.id = c.attachment_id
          LEFT JOIN named n ON n.id = c.level_id
          LEFT JOIN @extschema@.level lv ON lv.id = c.level_id
         WHERE (only_department IS NULL OR c.department = only_department)
           AND c.started_at < to_time
           AND coalesce(c.stopped_at, 'infinity'::timestamptz) >= from_time;
END
$$;
COMMENT ON FUNCTION @extschema@.sla_log_as_of(timestamptz, text, timestamptz, timestamptz) IS
    'the SLA log as it stood at an instant (sla.clock_as_of): clocks not yet started absent, later decisions, re-targets and holder changes undone, level names as then; plus each clock''s policy version then';

-- The SLA log as of an instant.  At the present or later it reads the clocks as they are; for a
-- past instant it is the log as it stood then (sla.sla_log_as_of above: what was known then, not
-- today's states).  No SET search_path (every name and operator in it is qualified): the planner
-- inlines it into the caller's query, so its conditions reach sla.clock and its indexes, and the
-- present's log is computed in parallel; the branch the instant does not choose is cut at
-- execution start by its one-time condition.
CREATE FUNCTION @extschema@.sla_log_at(as_of timestamptz DEFAULT pg_catalog.now(),
        only_department text DEFAULT NULL, from_time timestamptz DEFAULT '-infinity',
        to_time timestamptz DEFAULT 'infinity')
    RETURNS TABLE (requester text, ticket_table regclass, ticket text, department text, agent text,
                   level text, metric @extschema@.metric, cycle integer, started_at timestamptz,
                   due_at timestamptz, warn_at timestamptz, closed_at timestamptz, state text,
                   used @extschema@.business_interval, remaining @extschema@.business_interval,
                   overdue @extschema@.business_interval)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.requester, a.ticket_table, c.ticket_key, c.department, c.agent, l.name, c.metric, c.cycle,
           c.started_at, c.due_at, c.warn_at, c.stopped_at, c.state,
           @extschema@.clock_used(c, as_of),
           CASE WHEN c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])
                     AND c.due_at OPERATOR(pg_catalog.>=) as_of
                THEN @extschema@.business_between(GREATEST(as_of, c.started_at), c.due_at, c.calendar_id) END,
           CASE WHEN c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])
                     AND c.due_at OPERATOR(pg_catalog.<) as_of
                THEN @extschema@.business_between(c.due_at, COALESCE(c.paused_since, as_of), c.calendar_id)
                WHEN c.state OPERATOR(pg_catalog.=) 'breached'
                THEN @extschema@.business_between(c.due_at, c.stopped_at, c.calendar_id) END
      FROM @extschema@.clock c
      JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) c.attachment_id
      JOIN @extschema@.level l ON l.id OPERATOR(pg_catalog.=) c.level_id
     WHERE as_of OPERATOR(pg_catalog.>=) pg_catalog.now()
       AND (only_department IS NULL OR c.department OPERATOR(pg_catalog.=) only_department)
       AND c.started_at OPERATOR(pg_catalog.<) to_time
       AND COALESCE(c.stopped_at, 'infinity'::timestamptz) OPERATOR(pg_catalog.>=) from_time
    UNION ALL
    SELECT p.requester, p.ticket_table, p.ticket, p.department, p.agent, p.level, p.metric, p.cycle,
           p.started_at, p.due_at, p.warn_at, p.closed_at, p.state, p.used, p.remaining, p.overdue
      FROM @extschema@.sla_log_as_of(as_of, only_department, from_time, to_time) p
     WHERE as_of OPERATOR(pg_catalog.<) pg_catalog.now()
$$;
COMMENT ON FUNCTION @extschema@.sla_log_at(timestamptz, text, timestamptz, timestamptz) IS
    'the SLA log as of an instant (as it stood then, for a past one), optionally for one department and the clocks active in [from_time, to_time): remaining business time for clocks not yet due, overdue business time for late ones';
