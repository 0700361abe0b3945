-- sla_log_as_of.sql — the SLA log as of a past instant (sla.sla_log_at with a past as_of: each
-- clock read back from its events, 90_reports_as_of.sql) beside the log of the present (the
-- clocks as they are, inlined and in parallel), in the same run (docs/benchmarks.md, *The SLA log
-- as of a past instant*).  :tickets tickets (default 200,000) created over the last 200,000
-- minutes, a third of them answered and a sixth solved, 24/7 calendar; 3 rounds, alternated;
-- prints the median milliseconds of each and the ratio.
--   make bench-as-of [TICKETS=n]   (bench/sql_in_cluster.sh: a throwaway cluster)
\if :{?tickets}
\else
\set tickets 200000
\endif
SET client_min_messages = warning;
SELECT sla.define_calendar('aof', 'UTC', '24/7') > 0 AS calendar;
SELECT sla.define_level('aof_std', 'aof', first_response => '8 hours', resolution => '1 day', is_default => true) > 0 AS level;
CREATE TABLE public.aof_ticket (id int PRIMARY KEY, st text, created timestamptz, updated timestamptz);
CREATE TABLE public.aof_msg (id bigserial PRIMARY KEY, ticket int, kind text, created timestamptz);
SELECT sla.attach('public.aof_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}',
                  'public.aof_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "kind",
                                     "customer_values": ["customer"], "agent_values": ["agent"]}') > 0 AS attached;
SELECT count(*) AS statuses FROM (SELECT sla.map_status('public.aof_ticket', s, l)
                                    FROM (VALUES ('open', 'open'), ('solved', 'solved')) v (s, l)) m;
INSERT INTO public.aof_ticket
     SELECT g, 'open', now() - g * interval '1 minute', now() - g * interval '1 minute' FROM generate_series(1, :tickets) g;
INSERT INTO public.aof_msg (ticket, kind, created)
     SELECT g, 'agent', now() - g * interval '1 minute' + interval '30 minutes' FROM generate_series(3, :tickets, 3) g;
UPDATE public.aof_ticket SET st = 'solved', updated = created + interval '2 hours' WHERE id % 6 = 0;
ANALYZE;

CREATE TEMP TABLE timing (what text, round int, ms numeric);
CREATE FUNCTION pg_temp.run(label text, instant timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM sla.sla_log_at(instant);
    INSERT INTO timing SELECT label, coalesce(max(t.round), 0) + 1,
                              extract(epoch FROM clock_timestamp() - t0) * 1000 FROM timing t WHERE t.what = label;
END
$$;
-- alternated: present, past, present, past, ...
SELECT pg_temp.run('present', now()), pg_temp.run('an hour ago', now() - interval '1 hour') FROM generate_series(1, 3);

\pset footer off
SELECT (SELECT count(*) FROM sla.clock) AS clocks,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM timing WHERE what = 'present')::numeric(10, 1) AS present_ms,
       (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM timing WHERE what = 'an hour ago')::numeric(10, 1) AS past_ms,
       ((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM timing WHERE what = 'an hour ago')
        / (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM timing WHERE what = 'present'))::numeric(10, 1) AS ratio;
