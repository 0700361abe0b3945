-- report_indexes.sql — at_risk, breached_now and queue read the index of active clocks by due
-- time, not every clock: with 40,000 stopped clocks and 400 active ones, their plans are index
-- scans on clock_active_due (the SLA log function is inlined into the views), and they return
-- exactly what the same conditions over sla.clock return.
BEGIN;
SELECT plan(8);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('ri', 'UTC', '24/7') > 0, 'calendar');
SELECT ok(sla.define_level('ri', 'ri', first_response => '4 hours', is_default => true) > 0, 'level');
CREATE TABLE ri_ticket (id int PRIMARY KEY, st text, created timestamptz);
CREATE TEMP TABLE ri AS
    SELECT sla.attach('ri_ticket', '{"key": "id", "created_at": "created", "status": "st"}') AS att,
           (SELECT id FROM sla.level WHERE name = 'ri') AS lvl, sla.calendar_id('ri') AS cal;
-- stopped clocks of the past, and active ones due around now (some late, some at risk, some not)
INSERT INTO sla.clock_int4 (attachment_id, ticket_key, metric, level_id, calendar_id, target, started_at, due_at,
                       stopped_at, state, business_used)
     SELECT ri.att, 100000 + g, 'first_response', ri.lvl, ri.cal, '4 hours', now() - interval '30 days',
            now() - interval '30 days' + interval '4 hours', now() - interval '30 days' + interval '1 hour', 'met', '1 hour'
       FROM ri, generate_series(1, 40000) g;
INSERT INTO sla.clock_int4 (attachment_id, ticket_key, metric, level_id, calendar_id, target, started_at, due_at, state)
     SELECT ri.att, g, 'first_response', ri.lvl, ri.cal, '4 hours', now() - g * interval '1 minute',
            now() - g * interval '1 minute' + interval '4 hours', CASE WHEN g % 10 = 0 THEN 'paused' ELSE 'running' END
       FROM ri, generate_series(1, 400) g;
ANALYZE sla.clock_int4;

CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    result text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        result := result || line || E'\n';
    END LOOP;
    RETURN result;
END
$$;

SELECT matches(pg_temp.plan('SELECT * FROM sla.at_risk'), 'Index Scan using clock_int4_active_due',
    'at_risk reads the index of active clocks by due time');
SELECT matches(pg_temp.plan('SELECT * FROM sla.breached_now'), 'Index Scan using clock_int4_active_due',
    'breached_now too');
SELECT matches(pg_temp.plan('SELECT * FROM sla.queue LIMIT 20'), 'Index Scan using clock_int4_active_due',
    'and the queue, in due order');
SELECT is((SELECT count(*)::int FROM sla.at_risk WHERE ticket::int <= 400),
          (SELECT count(*)::int FROM sla.clock WHERE state = 'running' AND warn_at < now() AND due_at >= now()
              AND ticket_key::int <= 400),
    'at_risk returns the running clocks past their warning, not yet due');
SELECT is((SELECT count(*)::int FROM sla.breached_now WHERE ticket::int <= 400),
          (SELECT count(*)::int FROM sla.clock WHERE state IN ('running', 'paused') AND due_at < now()
              AND ticket_key::int <= 400),
    'breached_now returns the active clocks past due (160 of them)');
SELECT is((SELECT string_agg(ticket, ',') FROM (SELECT ticket FROM sla.queue WHERE ticket::int <= 400 LIMIT 3) q),
    '400,399,398', 'the queue starts with the clock due first');

SELECT * FROM finish();
ROLLBACK;
