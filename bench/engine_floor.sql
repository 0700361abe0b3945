-- engine_floor.sql — the least any engine that keeps SLA rows in the writer's transaction pays
-- per new ticket: the rows the engine writes for 40,000 new tickets (a sla.ticket row, a
-- first_response and a resolution clock, a level_chosen and two clock_started events), written
-- set-based by three plain INSERT ... SELECT statements with no trigger, no rule and no
-- calendar arithmetic, against the host's own insert of the same tickets, in one run.
-- Run by bench/engine_insert.sh (make bench-engine) inside a throwaway cluster.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
SET timezone = 'UTC';
\if :{?tickets}
\else
\set tickets 40000
\endif
CREATE EXTENSION IF NOT EXISTS sla;

\ir engine_helpdesk.sql
-- attached, so that the rows below are the ones the engine would write; its triggers are off
SELECT sla.attach('bench_ticket', '{"key": "id", "created_at": "created", "status": "status", "priority": "priority",
                   "department": "department", "agent": "agent", "requester": "requester"}') > 0 AS attached;
ALTER TABLE bench_ticket DISABLE TRIGGER USER;
SELECT a.id AS att, l.id AS lvl, l.calendar_id AS cal
  FROM sla.attachment a, sla.level l WHERE l.name = 'bench_3' \gset

CREATE FUNCTION pg_temp.ms_since(t0 timestamptz) RETURNS numeric LANGUAGE sql AS $$
    SELECT (extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric
$$;
CREATE TEMP TABLE result (measurement text, rows_written bigint, ms numeric);

SELECT clock_timestamp() AS t0 \gset
INSERT INTO bench_ticket
SELECT g, 'subject ' || g, 'open', 'p' || (g % 12), (ARRAY['sales', 'billing', 'support', 'other'])[1 + g % 4],
       'agent' || (g % 50), 'customer' || (g % 5000) || '@example.com',
       '2026-11-02 08:00+00'::timestamptz + (g % 20000) * interval '1 minute', NULL, repeat('x', 200)
  FROM generate_series(1, :tickets) g;
INSERT INTO result SELECT 'host ticket rows (the baseline)', :tickets, pg_temp.ms_since(:'t0');

CREATE TEMP TABLE src AS SELECT id, created, department, agent, requester FROM bench_ticket;
VACUUM ANALYZE src;

SELECT clock_timestamp() AS t0 \gset
INSERT INTO sla.ticket_int8 (attachment_id, ticket_key, level_id, lifecycle)
SELECT :att, s.id, :lvl, 'open' FROM src s;
INSERT INTO result SELECT 'sla.ticket_int8 rows', :tickets, pg_temp.ms_since(:'t0');

SELECT clock_timestamp() AS t0 \gset
INSERT INTO sla.clock_int8 (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target, started_at, due_at,
                       state, warn_at, department, agent, requester)
SELECT :att, s.id, m.metric::sla.metric, 1, :lvl, :cal, m.target::sla.business_interval, s.created,
       s.created + interval '1 day', 'running', s.created + interval '18 hours', s.department, s.agent, s.requester
  FROM src s CROSS JOIN (VALUES ('first_response', '3 hours'), ('resolution', '3 days')) m(metric, target);
INSERT INTO result SELECT 'sla.clock_int8 rows (7 indexes)', 2 * :tickets, pg_temp.ms_since(:'t0');

SELECT clock_timestamp() AS t0 \gset
INSERT INTO sla.event_int8 (attachment_id, ticket_key, clock_id, at, kind, detail)
SELECT :att, c.ticket_key, CASE WHEN k.kind = 'clock_started' THEN c.id END, c.started_at, k.kind,
       CASE WHEN k.kind = 'clock_started'
            THEN jsonb_build_object('metric', c.metric, 'cycle', 1, 'target', c.target::text)
            ELSE '{"level": "bench_3", "rule": "rule 2", "conditions": []}' END
  FROM sla.clock_int8 c
 CROSS JOIN LATERAL (VALUES ('level_chosen'), ('clock_started')) k(kind)
 WHERE k.kind = 'clock_started' OR c.metric = 'first_response';
INSERT INTO result SELECT 'sla.event_int8 rows', 3 * :tickets, pg_temp.ms_since(:'t0');

\echo '== the SLA rows of' :tickets 'new tickets written set-based, without any engine logic'
SELECT measurement, rows_written, round(ms, 1) AS ms, round(1000 * ms / :tickets, 1) AS us_per_ticket,
       round(ms / (SELECT ms FROM result WHERE measurement LIKE 'host%'), 2) AS times_the_host_insert
  FROM result
UNION ALL
SELECT 'all SLA rows', sum(rows_written), round(sum(ms), 1), round(1000 * sum(ms) / :tickets, 1),
       round(sum(ms) / (SELECT ms FROM result WHERE measurement LIKE 'host%'), 2)
  FROM result WHERE measurement NOT LIKE 'host%';
