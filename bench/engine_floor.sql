-- engine_floor.sql — the least any engine that keeps SLA rows in the writer's transaction pays
-- per new ticket, beside what this engine pays, in one run: the rows the engine writes for
-- 40,000 new tickets (a ticket row, a first_response and a resolution clock, the created fact
-- with the rules' choice and the values they read), written set-based by plain INSERT ...
-- SELECT statements with no trigger, no rule and no calendar arithmetic; then the same number
-- of tickets inserted with the engine attached.  Two rounds, floor and engine alternated (this
-- VM's speed drifts), into the same tables.
--
-- The engine's own cost is its insert minus the host's rows alone; issue 11 asks for at most
-- 1.3 times the floor of the SLA rows.  Run by bench/engine_insert.sh (make bench-engine) inside
-- a throwaway cluster.
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
SELECT sla.attach('bench_ticket', '{"key": "id", "created_at": "created", "status": "status", "priority": "priority",
                   "department": "department", "agent": "agent", "requester": "requester"}') > 0 AS attached;
SELECT sla.map_status('bench_ticket', 'open', 'open') IS NOT NULL AS mapped;
SELECT a.id AS att, l.id AS lvl, l.calendar_id AS cal, (SELECT max(version) FROM sla.policy_version) AS version
  FROM sla.attachment a, sla.level l WHERE l.name = 'bench_3' \gset

CREATE FUNCTION pg_temp.ms_since(t0 timestamptz) RETURNS numeric LANGUAGE sql AS $$
    SELECT (extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric
$$;
CREATE TEMP TABLE result (round int, measurement text, rows_written bigint, ms numeric);

\set round 1
\ir engine_floor_round.sql
\set round 2
\ir engine_floor_round.sql

\echo '== per new ticket, floor and engine alternated:' :tickets 'tickets a round'
SELECT round, measurement, rows_written, round(ms, 1) AS ms, round(1000 * ms / :tickets, 1) AS us_per_ticket
  FROM result ORDER BY round, measurement;

\echo '== the engine''s own cost (attached insert minus the host''s rows) against the floor of its rows'
SELECT r.round,
       round(1000 * h.ms / :tickets, 1) AS host_us,
       round(1000 * f.ms / :tickets, 1) AS sla_rows_floor_us,
       round(1000 * e.ms / :tickets, 1) AS engine_us,
       round((e.ms - h.ms) / f.ms, 2) AS engine_own_over_floor,
       '<= 1.3' AS goal
  FROM (SELECT DISTINCT round FROM result) r
  JOIN result h ON h.round = r.round AND h.measurement = 'host ticket rows (the baseline)'
  JOIN (SELECT round, sum(ms) AS ms FROM result WHERE measurement LIKE 'sla.%' GROUP BY round) f ON f.round = r.round
  JOIN result e ON e.round = r.round AND e.measurement = 'engine: host rows with the triggers'
 ORDER BY r.round;
