-- 90_reports.sql — reports over SLA clocks for SQL clients and BI tools (first part of issue 4):
-- the SLA log, at-risk and breached-now views, and the compliance report.
--
-- When a clock counts: a met or breached clock is decided when it stopped; a running or paused
-- clock already past its due time counts as failed, decided at its due time; a clock not yet
-- due (or cancelled) is not counted.

-- When a clock counts in compliance, as of an instant (the rule above, written once): met or
-- breached, or still running or paused past its due time.  A counted clock is met when its state
-- is 'met', failed otherwise, and is counted at its decided instant, coalesce(stopped_at, due_at).
-- The compliance report and sla.replay_compliance (93_replay.sql) both call it.  No SET
-- search_path (every operator in it is qualified): the planner inlines it, so the report's
-- condition is the expression written out.
CREATE FUNCTION @extschema@.clock_counts(state text, due_at timestamptz, as_of timestamptz)
    RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT state OPERATOR(pg_catalog.=) ANY (ARRAY['met', 'breached'])
        OR (state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused']) AND due_at OPERATOR(pg_catalog.<) as_of)
$$;
COMMENT ON FUNCTION @extschema@.clock_counts(text, timestamptz, timestamptz) IS
    'whether a clock in this state with this due time counts in compliance as of an instant: met, breached, or running or paused past its due time (counted at coalesce(stopped_at, due_at), met only when its state is met)';

-- The business time a clock has used as of an instant (pauses excluded).
-- No SET search_path (every name in it is qualified): without one, the planner inlines it into
-- the reports' queries, where it costs what the expression written out would.
CREATE FUNCTION @extschema@.clock_used(c @extschema@.clock, as_of timestamptz)
    RETURNS @extschema@.business_interval
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN c.business_used IS NOT NULL THEN c.business_used
        ELSE @extschema@.business_between(c.started_at,
                 greatest(coalesce(c.paused_since, as_of), c.started_at), c.calendar_id)
             OPERATOR(@extschema@.-) c.paused_for
    END
$$;
COMMENT ON FUNCTION @extschema@.clock_used(@extschema@.clock, timestamptz) IS
    'business time a clock has used as of an instant, pauses excluded (its final figure once stopped)';

-- No SET search_path (every name and operator in it is qualified): the planner inlines it into
-- the views below, so their conditions reach sla.clock and its indexes (at_risk and
-- breached_now read clock_active_due instead of computing the whole log).
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
     WHERE (only_department IS NULL OR c.department OPERATOR(pg_catalog.=) only_department)
       AND c.started_at OPERATOR(pg_catalog.<) to_time
       AND COALESCE(c.stopped_at, 'infinity'::timestamptz) OPERATOR(pg_catalog.>=) from_time
$$;
COMMENT ON FUNCTION @extschema@.sla_log_at(timestamptz, text, timestamptz, timestamptz) IS
    'the SLA log as of an instant, optionally for one department and the clocks active in [from_time, to_time): remaining business time for clocks not yet due, overdue business time for late ones';

-- The views are sla_log_at() as of now written out, not a call of it: the planner inlined the
-- call anyway, and on Citus a function call hides the distributed tables from Citus's planner
-- (the views read the coordinator's empty local tables; docs/scaling.md).  security_invoker:
-- the tables are read as the caller, as the function read them (row-level security holds).
CREATE VIEW @extschema@.sla_log WITH (security_invoker = true) AS
    SELECT c.requester, a.ticket_table, c.ticket_key AS ticket, c.department, c.agent, l.name AS level, c.metric, c.cycle,
           c.started_at, c.due_at, c.warn_at, c.stopped_at AS closed_at, c.state,
           @extschema@.clock_used(c, pg_catalog.now()) AS used,
           CASE WHEN c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])
                     AND c.due_at OPERATOR(pg_catalog.>=) pg_catalog.now()
                THEN @extschema@.business_between(GREATEST(pg_catalog.now(), c.started_at), c.due_at, c.calendar_id) END AS remaining,
           CASE WHEN c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])
                     AND c.due_at OPERATOR(pg_catalog.<) pg_catalog.now()
                THEN @extschema@.business_between(c.due_at, COALESCE(c.paused_since, pg_catalog.now()), c.calendar_id)
                WHEN c.state OPERATOR(pg_catalog.=) 'breached'
                THEN @extschema@.business_between(c.due_at, c.stopped_at, c.calendar_id) END AS overdue
      FROM @extschema@.clock c
      JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) c.attachment_id
      JOIN @extschema@.level l ON l.id OPERATOR(pg_catalog.=) c.level_id;
COMMENT ON VIEW @extschema@.sla_log IS 'every SLA clock as of now: who, which ticket, level, metric, started, due, closed, state, business time used, remaining or overdue';
COMMENT ON COLUMN @extschema@.sla_log.requester IS 'the customer of the ticket';
COMMENT ON COLUMN @extschema@.sla_log.ticket_table IS 'the attached helpdesk table';
COMMENT ON COLUMN @extschema@.sla_log.ticket IS 'the ticket key, as text';
COMMENT ON COLUMN @extschema@.sla_log.department IS 'department holding the ticket (now for running clocks, at the stop for stopped ones)';
COMMENT ON COLUMN @extschema@.sla_log.agent IS 'agent holding the ticket (now for running clocks, at the stop for stopped ones)';
COMMENT ON COLUMN @extschema@.sla_log.level IS 'SLA level the clock is measured against';
COMMENT ON COLUMN @extschema@.sla_log.metric IS 'what the clock measures';
COMMENT ON COLUMN @extschema@.sla_log.cycle IS '1 for the first clock of a metric on a ticket, then 2, 3 ... (next response, periodic update)';
COMMENT ON COLUMN @extschema@.sla_log.started_at IS 'when the clock started';
COMMENT ON COLUMN @extschema@.sla_log.due_at IS 'when the target is used up (moved out by pauses)';
COMMENT ON COLUMN @extschema@.sla_log.warn_at IS 'when the level''s warning share of the target is used up';
COMMENT ON COLUMN @extschema@.sla_log.closed_at IS 'when the clock stopped or was cancelled; null while it runs';
COMMENT ON COLUMN @extschema@.sla_log.state IS 'running, paused, met, breached or cancelled';
COMMENT ON COLUMN @extschema@.sla_log.used IS 'business time used, pauses excluded';
COMMENT ON COLUMN @extschema@.sla_log.remaining IS 'business time left before the due time (running clocks not yet due)';
COMMENT ON COLUMN @extschema@.sla_log.overdue IS 'business time past the due time (late running clocks, breached clocks)';

CREATE VIEW @extschema@.at_risk WITH (security_invoker = true) AS
    SELECT * FROM @extschema@.sla_log l
     WHERE l.state = 'running' AND l.warn_at < pg_catalog.now() AND l.due_at >= pg_catalog.now()
     ORDER BY l.due_at;
COMMENT ON VIEW @extschema@.at_risk IS 'running clocks past their warning threshold but not yet due, most urgent first';

CREATE VIEW @extschema@.breached_now WITH (security_invoker = true) AS
    SELECT * FROM @extschema@.sla_log l
     WHERE l.state IN ('running', 'paused') AND l.due_at < pg_catalog.now()
     ORDER BY l.due_at;
COMMENT ON VIEW @extschema@.breached_now IS 'running or paused clocks already past their due time, longest overdue first';

CREATE VIEW @extschema@.queue WITH (security_invoker = true) AS
    SELECT * FROM @extschema@.sla_log l
     WHERE l.state IN ('running', 'paused')
     ORDER BY l.due_at;
COMMENT ON VIEW @extschema@.queue IS 'every running or paused clock, the next due first: the work queue (SELECT ... LIMIT n reads n index entries)';

-- at_risk, breached_now and queue have the SLA log's columns: the same comments, for BI tools.
DO $$
DECLARE
    v text;
    col record;
BEGIN
    FOREACH v IN ARRAY ARRAY['at_risk', 'breached_now', 'queue'] LOOP
        FOR col IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS txt
                     FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid OPERATOR(pg_catalog.=) '@extschema@.sla_log'::pg_catalog.regclass
                      AND a.attnum OPERATOR(pg_catalog.>) 0 LOOP
            EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.%I IS %L', v, col.attname, col.txt);
        END LOOP;
    END LOOP;
END
$$;

-- The instant a clock is decided (decided_at = coalesce(stopped_at, due_at), a generated column):
-- when it stopped, or (running or paused) its due time.  The compliance report and the service
-- credits select clocks by this instant; the index keeps their cost proportional to the clocks
-- of the selected range, not to the table.  A plain column rather than an expression index:
-- under row-level security only leakproof conditions reach an index, and COALESCE is not
-- recognised as one.
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (decided_at)', 'clock_' || kt || '_decided_at', 'clock_' || kt);
    END LOOP;
END
$$;

CREATE FUNCTION @extschema@.compliance_report(from_time timestamptz, to_time timestamptz,
        group_by text[] DEFAULT ARRAY['day', 'department', 'level', 'metric'],
        time_zone text DEFAULT NULL, only_department text DEFAULT NULL, only_agent text DEFAULT NULL,
        only_level text DEFAULT NULL, only_metric @extschema@.metric DEFAULT NULL,
        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (period date, department text, agent text, level text, metric @extschema@.metric,
                   met bigint, met_avg @extschema@.business_interval, met_max @extschema@.business_interval,
                   met_min @extschema@.business_interval, met_avg_calendar interval,
                   failed bigint, failed_avg @extschema@.business_interval,
                   failed_max @extschema@.business_interval, failed_min @extschema@.business_interval,
                   failed_avg_calendar interval, compliance numeric)
    LANGUAGE plpgsql STABLE
    -- Planner settings for this report's one query, measured with make bench-report: clocks
    -- are decided (stopped) in another order than they were written, so reading a range of
    -- decided_at through a bitmap (the heap in physical order) beats an index scan the
    -- planner picks from the column's correlation, by 1.3x to 2x on millions of clocks; and
    -- the query is planned anew on every call, where JIT compilation costs more than it saves.
    -- The groups are aggregated in a hash table, then sorted: the planner estimates the number
    -- of groups from decided_at's distinct values (nearly one per clock), not from the days, and
    -- on large tables chooses to sort every selected clock instead; with sorting disabled, the
    -- only sort left is that of the few result rows (1.4x faster at 10M clocks).
    SET search_path = pg_catalog, pg_temp SET enable_indexscan = off SET jit = off SET enable_sort = off AS $$
DECLARE
    g text;
    trunc text := NULL;
    period_expr text;
    used text;
    cal_used text;
    keys text;
    query text;
BEGIN
    FOREACH g IN ARRAY coalesce(group_by, '{}') LOOP
        IF g IN ('day', 'week', 'month') THEN
            IF trunc IS NOT NULL THEN
                RAISE EXCEPTION 'group_by names more than one period: %', group_by USING ERRCODE = 'invalid_parameter_value';
            END IF;
            trunc := g;
        ELSIF g NOT IN ('department', 'agent', 'level', 'metric') THEN
            RAISE EXCEPTION 'cannot group the compliance report by "%"', g USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Group by day, week or month and any of department, agent, level, metric.';
        END IF;
    END LOOP;
    IF from_time > to_time THEN
        RAISE EXCEPTION 'compliance report from % to %: the range ends before it starts', from_time, to_time
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF time_zone IS NOT NULL THEN
        PERFORM @extschema@.valid_time_zone(time_zone);
    END IF;
    -- The query is built from fixed fragments chosen by the validated group_by keys (nothing the
    -- caller wrote is spliced in; values travel as parameters), so each grouping gets the plan a
    -- hand-written aggregate would: no unused joins, no per-row CASE over the grouping keys.
    period_expr := CASE
        WHEN trunc IS NULL THEN 'NULL::date'
        WHEN time_zone IS NULL THEN format('date_trunc(%L, c.decided_at AT TIME ZONE k.time_zone)::date', trunc)
        ELSE format('date_trunc(%L, c.decided_at AT TIME ZONE $4)::date', trunc) END;
    -- Business time used: the stored figure once stopped; for a late running clock, up to the
    -- report's instant (or the start of its pause).
    used := '@extschema@.clock_used(c, least($3, $2))';
    cal_used := '(coalesce(c.stopped_at, least($3, $2)) - c.started_at)';
    -- group and sort by the chosen keys only (the others are constant NULL columns)
    SELECT CASE WHEN count(*) = 0 THEN 'HAVING count(*) > 0) SELECT * FROM g'  -- one total row, none when nothing counts
                ELSE 'GROUP BY ' || string_agg(k.pos::text, ', ' ORDER BY k.pos)
                     || ') SELECT * FROM g ORDER BY ' || string_agg(k.pos::text, ', ' ORDER BY k.pos) END
      INTO keys
      FROM (VALUES (1, trunc IS NOT NULL), (2, 'department' = ANY (group_by)), (3, 'agent' = ANY (group_by)),
                   (4, 'level' = ANY (group_by)), (5, 'metric' = ANY (group_by))) k(pos, chosen)
     WHERE k.chosen;
    -- a materialized CTE: the grouping is done before, and apart from, the sort of its result
    query := format($q$
        WITH g AS MATERIALIZED (
        SELECT %1$s, %2$s, %3$s, %4$s, %5$s,
               count(*) FILTER (WHERE c.state = 'met'),
               @extschema@.avg(%6$s) FILTER (WHERE c.state = 'met'), @extschema@.max(%6$s) FILTER (WHERE c.state = 'met'),
               @extschema@.min(%6$s) FILTER (WHERE c.state = 'met'), avg(%7$s) FILTER (WHERE c.state = 'met'),
               count(*) FILTER (WHERE c.state <> 'met'),
               @extschema@.avg(%6$s) FILTER (WHERE c.state <> 'met'), @extschema@.max(%6$s) FILTER (WHERE c.state <> 'met'),
               @extschema@.min(%6$s) FILTER (WHERE c.state <> 'met'), avg(%7$s) FILTER (WHERE c.state <> 'met'),
               round(100.0 * count(*) FILTER (WHERE c.state = 'met') / count(*), 2)
          FROM @extschema@.clock c %8$s %9$s
         WHERE c.decided_at >= $1 AND c.decided_at < $2
           AND @extschema@.clock_counts(c.state, c.due_at, least($3, $2))
           %10$s %11$s %12$s %13$s
         %14$s$q$,
        period_expr,
        CASE WHEN 'department' = ANY (group_by) THEN 'c.department' ELSE 'NULL::text' END,
        CASE WHEN 'agent' = ANY (group_by) THEN 'c.agent' ELSE 'NULL::text' END,
        CASE WHEN 'level' = ANY (group_by) THEN 'l.name' ELSE 'NULL::text' END,
        CASE WHEN 'metric' = ANY (group_by) THEN 'c.metric' ELSE 'NULL::@extschema@.metric' END,
        used, cal_used,
        CASE WHEN 'level' = ANY (group_by) OR only_level IS NOT NULL
             THEN 'JOIN @extschema@.level l ON l.id = c.level_id' ELSE '' END,
        CASE WHEN trunc IS NOT NULL AND time_zone IS NULL
             THEN 'JOIN @extschema@.calendar k ON k.id = c.calendar_id' ELSE '' END,
        CASE WHEN only_department IS NOT NULL THEN 'AND c.department = $5' ELSE '' END,
        CASE WHEN only_agent IS NOT NULL THEN 'AND c.agent = $6' ELSE '' END,
        CASE WHEN only_level IS NOT NULL THEN 'AND l.name = $7' ELSE '' END,
        CASE WHEN only_metric IS NOT NULL THEN 'AND c.metric = $8' ELSE '' END,
        keys);
    RETURN QUERY EXECUTE query
        USING from_time, to_time, as_of, time_zone, only_department, only_agent, only_level, only_metric;
END
$$;
COMMENT ON FUNCTION @extschema@.compliance_report(timestamptz, timestamptz, text[], text, text, text, text, @extschema@.metric, timestamptz) IS
    'SLA compliance for clocks decided in [from_time, to_time): met and failed counts, business time (avg/max/min) and calendar time (avg) used, compliance %, grouped by day/week/month (in time_zone, by default each clock''s calendar zone) and by department, agent, level, metric; a running clock past its due time counts as failed at its due time';

CREATE VIEW @extschema@.compliance AS
    SELECT * FROM @extschema@.compliance_report('-infinity', 'infinity', ARRAY['day', 'department', 'level', 'metric']);
COMMENT ON VIEW @extschema@.compliance IS 'SLA compliance per day (in each clock''s calendar zone), department, level and metric (compliance_report() for other groupings, periods and zones)';
COMMENT ON COLUMN @extschema@.compliance.period IS 'the day the clocks were decided (stopped, or due for late running clocks), in each clock''s calendar zone';
COMMENT ON COLUMN @extschema@.compliance.department IS 'department holding the ticket when the clock was decided';
COMMENT ON COLUMN @extschema@.compliance.agent IS 'not grouped in this view (null); see compliance_report(group_by => ...)';
COMMENT ON COLUMN @extschema@.compliance.level IS 'SLA level the clocks were measured against';
COMMENT ON COLUMN @extschema@.compliance.metric IS 'what the clocks measure';
COMMENT ON COLUMN @extschema@.compliance.met IS 'clocks that stopped by their due time';
COMMENT ON COLUMN @extschema@.compliance.met_avg IS 'average business time used by the met clocks';
COMMENT ON COLUMN @extschema@.compliance.met_max IS 'longest business time used by a met clock';
COMMENT ON COLUMN @extschema@.compliance.met_min IS 'shortest business time used by a met clock';
COMMENT ON COLUMN @extschema@.compliance.met_avg_calendar IS 'average calendar (wall-clock) time from start to stop of the met clocks';
COMMENT ON COLUMN @extschema@.compliance.failed IS 'clocks that stopped after their due time, or still run past it';
COMMENT ON COLUMN @extschema@.compliance.failed_avg IS 'average business time used by the failed clocks (late running ones: up to now)';
COMMENT ON COLUMN @extschema@.compliance.failed_max IS 'longest business time used by a failed clock';
COMMENT ON COLUMN @extschema@.compliance.failed_min IS 'shortest business time used by a failed clock';
COMMENT ON COLUMN @extschema@.compliance.failed_avg_calendar IS 'average calendar (wall-clock) time used by the failed clocks';
COMMENT ON COLUMN @extschema@.compliance.compliance IS 'met * 100 / (met + failed), 2 decimals';
