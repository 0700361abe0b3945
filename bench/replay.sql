-- replay.sql — replay and what-if throughput (docs/benchmarks.md, *Replay and what-if*).
-- A helpdesk of :tickets tickets (default 20,000) created over November 2026, each with an agent
-- reply, a customer message, a second reply and a solve (5 facts a ticket, through the
-- triggers), then, 3 rounds each, in the same run:
--   baseline      SELECT of the same fact rows, in replay order (ticket, seq), their detail read
--   replay        SELECT count(*) FROM sla.replay(table): every ticket's log played in memory
--   compliance    sla.replay_compliance over the month, grouped by level and metric
--   what_if       sla.what_if with a draft that tightens a target and adds a holiday
-- prints, for each, the median seconds (wall and the backend's CPU), tickets/s, facts/s and the
-- ratio to the baseline.
--   make bench-replay [TICKETS=n]   (bench/sql_in_cluster.sh: a throwaway cluster)
--   psql -d <a database with sla> -v tickets=20000 -f bench/replay.sql

\if :{?tickets}
\else
\set tickets 20000
\endif
SET client_min_messages = warning;
SET timezone = 'UTC';
SELECT sla.define_calendar('rpb', 'UTC', 'mon-fri 09:00-17:00') > 0 AS calendar;
SELECT sla.define_level('rpb_std', 'rpb', first_response => '4 hours', next_response => '4 hours',
       periodic_update => '1 day', resolution => '3 days', is_default => true) > 0 AS level;
CREATE TABLE public.rpb_ticket (id int PRIMARY KEY, st text, dept text, created timestamptz, updated timestamptz);
CREATE TABLE public.rpb_msg (id bigserial PRIMARY KEY, ticket int, kind text, created timestamptz);
SELECT sla.attach('public.rpb_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st", "department": "dept"}',
                  'public.rpb_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "kind",
                                      "customer_values": ["customer"], "agent_values": ["agent"]}') > 0 AS attached;
SELECT count(*) AS statuses FROM (SELECT sla.map_status('public.rpb_ticket', s, l)
                                    FROM (VALUES ('open', 'open'), ('solved', 'solved')) v (s, l)) m;

\echo setting up :tickets tickets (5 facts each, through the triggers)
SELECT setseed(0.5);
CREATE TEMP TABLE rpb_plan AS
    SELECT i AS id, '2026-11-02 00:00+00'::timestamptz + floor(random() * 26 * 24 * 60) * interval '1 minute' AS created,
           'd' || (i % 5) AS dept,
           (30 + floor(random() * 600)) * interval '1 minute' AS reply_after
      FROM generate_series(1, :tickets) i;
INSERT INTO public.rpb_ticket SELECT id, 'open', dept, created, created FROM rpb_plan ORDER BY id;
INSERT INTO public.rpb_msg (ticket, kind, created)
    SELECT id, k.kind, p.created + k.after
      FROM rpb_plan p, LATERAL (VALUES ('agent', p.reply_after), ('customer', p.reply_after + interval '1 day'),
                                       ('agent', p.reply_after + interval '1 day' + p.reply_after)) k (kind, after)
     ORDER BY id, k.after;
UPDATE public.rpb_ticket t SET st = 'solved', updated = p.created + interval '3 days' FROM rpb_plan p WHERE p.id = t.id;
ANALYZE;
SELECT count(*) AS facts FROM sla.fact WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.rpb_ticket'::regclass) \gset
SELECT :facts AS facts, (SELECT count(*) FROM sla.clock) AS clocks;

SELECT sla.create_draft('rpb_tighter', $d$
    UPDATE sla.level_target SET target = '2 hours'
     WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'rpb_std');
    SELECT sla.add_holiday('rpb', '2026-11-26', 'proposed');$d$);

-- Wall time, and the backend's CPU time (user + system, from /proc/<pid>/stat: Linux, and a
-- superuser's pg_read_file; NULL otherwise), which a machine shared with other work disturbs less.
CREATE TEMP TABLE rpb_run (what text, round int, seconds float8, cpu_seconds float8, result bigint);
CREATE FUNCTION pg_temp.rpb_cpu() RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    f text[];
BEGIN
    f := regexp_split_to_array(split_part(pg_read_file('/proc/' || pg_backend_pid() || '/stat'), ') ', 2), ' ');
    RETURN (f[12]::float8 + f[13]::float8) / 100;   -- utime, stime in clock ticks (USER_HZ = 100)
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END $$;
CREATE FUNCTION pg_temp.rpb_measure(what text, round int, q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    c0 float8 := pg_temp.rpb_cpu();
    n bigint;
BEGIN
    EXECUTE q INTO n;
    INSERT INTO rpb_run VALUES (what, round, extract(epoch FROM clock_timestamp() - t0), pg_temp.rpb_cpu() - c0, n);
END $$;

SELECT pg_temp.rpb_measure(w.what, r.round, w.q)
  FROM generate_series(1, 3) r (round),
       (VALUES (1, 'baseline', $q$SELECT count(*) FILTER (WHERE f.detail::text <> '') FROM (SELECT f.detail FROM sla.fact_int4 f
                                    WHERE f.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.rpb_ticket'::regclass)
                                    ORDER BY f.ticket_key, f.seq) f$q$),
               (2, 'replay', $q$SELECT count(*) FROM sla.replay('public.rpb_ticket')$q$),
               (3, 'compliance', $q$SELECT sum(met + failed) FROM sla.replay_compliance('public.rpb_ticket', '2026-11-01', '2026-12-01', as_of => '2026-12-15')$q$),
               (4, 'what_if', $q$SELECT sum(met + failed) FROM sla.what_if('public.rpb_ticket', 'rpb_tighter', '2026-11-01', '2026-12-01', as_of => '2026-12-15')$q$)) w (ord, what, q)
 ORDER BY r.round, w.ord;

\echo
\echo replay throughput (median of 3 rounds)
SELECT what, round(m::numeric, 3) AS seconds, round(:tickets / m) AS tickets_per_s, round(:facts / m) AS facts_per_s,
       round((m / (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FROM rpb_run WHERE what = 'baseline'))::numeric, 1) AS x_baseline,
       round(cpu::numeric, 2) AS cpu_seconds, round(:tickets / nullif(cpu, 0)) AS tickets_per_cpu_s,
       round(:facts / nullif(cpu, 0)) AS facts_per_cpu_s, max_result AS rows_or_clocks
  FROM (SELECT what, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS m,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY cpu_seconds) AS cpu, max(result) AS max_result
          FROM rpb_run GROUP BY what) s
 ORDER BY CASE what WHEN 'baseline' THEN 1 WHEN 'replay' THEN 2 WHEN 'compliance' THEN 3 ELSE 4 END;
