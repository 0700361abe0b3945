-- breach_backlog.sql — check_breaches() over a backlog of 16,000 crossings in a table that was
-- never analyzed (as after a bulk load, or a crash that lost the statistics counters): the
-- 0.1.0 function (its body kept here as bench_old_check_breaches) against today's, interleaved,
-- each run on the same pending crossings.  Prints each run's time and the ratio old / new.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?tickets}
\else
\set tickets 8000
\endif

SET timezone = 'UTC';
SELECT sla.define_calendar('bk', 'UTC', '24/7') > 0;
SELECT sla.define_level('bk', 'bk', first_response => '1 hour', is_default => true, warning_percent => 50) > 0;
CREATE TABLE public.bk_ticket (id int PRIMARY KEY, st text, created timestamptz);
SELECT sla.attach('public.bk_ticket', '{"key": "id", "created_at": "created", "status": "st"}') > 0;
SELECT sla.map_status('public.bk_ticket', 'open', 'open');
-- (bk_ticket's key is an integer: its tracking rows are in the int4 tables)
ALTER TABLE sla.clock_int4 SET (autovacuum_enabled = false);
ALTER TABLE sla.event_int4 SET (autovacuum_enabled = false);
INSERT INTO public.bk_ticket SELECT i, 'open', timestamptz '2026-11-02 09:00+00' + (i % 600) * interval '1 second'
  FROM generate_series(1, :tickets) i;
SELECT reltuples FROM pg_class WHERE oid = 'sla.clock_int4'::regclass;
CREATE FUNCTION public.bench_old_check_breaches(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    n integer := 0;
    kind text;
BEGIN
    -- SKIP LOCKED: concurrent callers share the work, and the IS NULL re-check in the UPDATE
    -- makes every crossing recorded exactly once
    FOR c IN
        SELECT k.id, 'warning' AS kind FROM sla.clock_int4 k
         WHERE k.state = 'running' AND k.warned_at IS NULL AND k.warn_at < as_of
        UNION ALL
        SELECT k.id, 'breach' FROM sla.clock_int4 k
         WHERE k.state = 'running' AND k.breach_seen_at IS NULL AND k.due_at < as_of
        ORDER BY 1, 2 DESC		-- a clock past both crossings gets its warning, then its breach
    LOOP
        kind := c.kind;
        IF kind = 'warning' THEN
            UPDATE sla.clock_int4 k SET warned_at = as_of
             WHERE k.id = c.id AND k.warned_at IS NULL AND k.state = 'running'
               AND k.id IN (SELECT x.id FROM sla.clock_int4 x WHERE x.id = c.id FOR UPDATE SKIP LOCKED);
        ELSE
            UPDATE sla.clock_int4 k SET breach_seen_at = as_of
             WHERE k.id = c.id AND k.breach_seen_at IS NULL AND k.state = 'running'
               AND k.id IN (SELECT x.id FROM sla.clock_int4 x WHERE x.id = c.id FOR UPDATE SKIP LOCKED);
        END IF;
        CONTINUE WHEN NOT FOUND;
        n := n + 1;
        PERFORM sla.log_event(k.attachment_id, k.ticket_key::text, k.id, as_of, kind,
                                      jsonb_build_object('metric', k.metric, 'due_at', k.due_at))
           FROM sla.clock_int4 k WHERE k.id = c.id;
        PERFORM pg_notify('sla_events', json_build_object(
                    'event', kind, 'ticket_table', a.ticket_table::text, 'ticket', k.ticket_key,
                    'metric', k.metric, 'cycle', k.cycle, 'level', l.name, 'due_at', k.due_at,
                    'state', k.state)::text)
           FROM sla.clock_int4 k JOIN sla.attachment a ON a.id = k.attachment_id
           JOIN sla.level l ON l.id = k.level_id
          WHERE k.id = c.id;
        PERFORM sla.run_escalations(c.id, kind, as_of);
    END LOOP;
    RETURN n;
END
$$;
CREATE TABLE public.bench_run (n int, which text, crossings int, ms float8);
-- one timed call, in its own transaction (as the worker and pg_cron make them)
CREATE FUNCTION public.bench_timed(n int, which text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    k int;
BEGIN
    IF which = 'old' THEN
        k := public.bench_old_check_breaches('2026-11-30');
    ELSE
        k := sla.check_breaches('2026-11-30');
    END IF;
    INSERT INTO public.bench_run VALUES (n, which, k, extract(epoch FROM clock_timestamp() - t0) * 1000);
END
$$;
CREATE FUNCTION public.bench_reset() RETURNS void LANGUAGE sql AS $$
    UPDATE sla.clock_int4 SET warned_at = NULL, breach_seen_at = NULL WHERE warned_at IS NOT NULL OR breach_seen_at IS NOT NULL;
    DELETE FROM sla.event_int4 WHERE kind IN ('warning', 'breach');
$$;
-- interleaved, each run starting with another one
SELECT public.bench_reset();
SELECT public.bench_timed(1, 'old');
SELECT public.bench_reset();
SELECT public.bench_timed(1, 'new');
SELECT public.bench_reset();
SELECT public.bench_timed(2, 'new');
SELECT public.bench_reset();
SELECT public.bench_timed(2, 'old');
SELECT public.bench_reset();
SELECT public.bench_timed(3, 'old');
SELECT public.bench_reset();
SELECT public.bench_timed(3, 'new');
SELECT n, which, crossings, round(ms::numeric, 0) AS ms FROM public.bench_run ORDER BY n, which DESC;
SELECT :tickets AS tickets, round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which = 'old'))::numeric, 0) AS old_ms,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which = 'new'))::numeric, 0) AS new_ms,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which = 'old')
            / percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which = 'new'))::numeric, 2) AS old_over_new
  FROM public.bench_run;
