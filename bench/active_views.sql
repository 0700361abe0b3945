-- active_views.sql — at_risk, breached_now and queue LIMIT 50 over 1,000,000 stopped clocks and
-- 10,000 active ones: today's (the SLA log inlined, the index of active clocks read) against the
-- 0.1.0 form (the log function computed for every clock, then filtered), median of three each.

SET client_min_messages = warning;
SET timezone = 'UTC';
SELECT sla.define_calendar('ri', 'UTC', '24/7') > 0;
SELECT sla.define_level('ri', 'ri', first_response => '4 hours', is_default => true) > 0;
CREATE TABLE ri_ticket (id int PRIMARY KEY, st text, created timestamptz);
CREATE TABLE ri AS SELECT sla.attach('ri_ticket', '{"key": "id", "created_at": "created", "status": "st"}') AS att, (SELECT id FROM sla.level WHERE name = 'ri') AS lvl, sla.calendar_id('ri') AS cal;
INSERT INTO sla.clock_int4 (attachment_id, ticket_key, metric, level_id, calendar_id, target, started_at, due_at, stopped_at, state, business_used, warn_at)
     SELECT ri.att, 100000000 + g, 'first_response', ri.lvl, ri.cal, '4 hours', now() - interval '30 days', now() - interval '30 days' + interval '4 hours', now() - interval '30 days' + interval '1 hour', 'met', '1 hour', now() - interval '30 days' + interval '3 hours'
       FROM ri, generate_series(1, 1000000) g;
INSERT INTO sla.clock_int4 (attachment_id, ticket_key, metric, level_id, calendar_id, target, started_at, due_at, state)
     SELECT ri.att, g, 'first_response', ri.lvl, ri.cal, '4 hours', now() - (g % 600) * interval '1 minute', now() - (g % 600) * interval '1 minute' + interval '4 hours', CASE WHEN g % 10 = 0 THEN 'paused' ELSE 'running' END
       FROM ri, generate_series(1, 10000) g;
VACUUM ANALYZE sla.clock_int4;
CREATE TABLE t (which text, q text, ms float8);
CREATE FUNCTION timed(which text, q text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; n bigint;
BEGIN
  t0 := clock_timestamp(); EXECUTE 'SELECT count(*) FROM (' || q || ') x' INTO n;
  INSERT INTO t VALUES (which, q, extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;
-- interleaved: each round times today's form, then the 0.1.0 form (the log function given back
-- its SET search_path, which keeps the planner from inlining it), starting with another one
DO $$ BEGIN FOR i IN 1..3 LOOP
  IF i % 2 = 0 THEN
    ALTER FUNCTION sla.sla_log_at(timestamptz, text, timestamptz, timestamptz) SET search_path = pg_catalog, pg_temp;
    PERFORM timed('old', 'SELECT * FROM sla.at_risk'); PERFORM timed('old', 'SELECT * FROM sla.breached_now'); PERFORM timed('old', 'SELECT * FROM sla.queue LIMIT 50');
  END IF;
  ALTER FUNCTION sla.sla_log_at(timestamptz, text, timestamptz, timestamptz) RESET search_path;
  PERFORM timed('new', 'SELECT * FROM sla.at_risk'); PERFORM timed('new', 'SELECT * FROM sla.breached_now'); PERFORM timed('new', 'SELECT * FROM sla.queue LIMIT 50');
  IF i % 2 = 1 THEN
    ALTER FUNCTION sla.sla_log_at(timestamptz, text, timestamptz, timestamptz) SET search_path = pg_catalog, pg_temp;
    PERFORM timed('old', 'SELECT * FROM sla.at_risk'); PERFORM timed('old', 'SELECT * FROM sla.breached_now'); PERFORM timed('old', 'SELECT * FROM sla.queue LIMIT 50');
  END IF;
END LOOP; END $$;
SELECT q, round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which='old'))::numeric, 1) AS old_ms,
          round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which='new'))::numeric, 1) AS new_ms,
          round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which='old')
               / percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE which='new'))::numeric, 0) AS old_over_new
  FROM t GROUP BY q ORDER BY q;
