-- report_access.sql — where the time went (time_split), the JSON reports, CSV export and the
-- roles sla_reader, sla_admin, sla_writer.  Calendar mon-fri 09:00-17:00 UTC; Monday 2026-11-23.
BEGIN;
SELECT plan(32);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('ra', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('ra_std', 'ra', first_response => '4 hours', resolution => '2 days', is_default => true) > 0, 'level');
CREATE TABLE ra_ticket (id int PRIMARY KEY, st text, dept text, agent text, who text, created timestamptz, updated timestamptz);
CREATE TABLE ra_msg (ticket int, author text, at timestamptz);
SELECT ok(sla.attach('ra_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st",
                                    "department": "dept", "agent": "agent", "requester": "who"}',
                     'ra_msg', '{"ticket": "ticket", "created_at": "at", "author_kind": "author",
                                 "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('ra_ticket', s, l) FROM (VALUES ('open', 'open'), ('wait', 'paused'), ('done', 'solved')) v(s, l);

-- T1: created Mon 10:00 billing/ann; reply Mon 11:00; to sales/bob Mon 12:00; waiting on the
-- customer Mon 15:00-16:00; to support/cy Tue 10:00; solved Tue 12:00.
INSERT INTO ra_ticket VALUES (1, 'open', 'billing', 'ann', 'a@x', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
INSERT INTO ra_msg VALUES (1, 'agent', '2026-11-23 11:00+00');
UPDATE ra_ticket SET dept = 'sales', agent = 'bob', updated = '2026-11-23 12:00+00' WHERE id = 1;
UPDATE ra_ticket SET st = 'wait', updated = '2026-11-23 15:00+00' WHERE id = 1;
UPDATE ra_ticket SET st = 'open', updated = '2026-11-23 16:00+00' WHERE id = 1;
UPDATE ra_ticket SET dept = 'support', agent = 'cy', updated = '2026-11-24 10:00+00' WHERE id = 1;
UPDATE ra_ticket SET st = 'done', updated = '2026-11-24 12:00+00' WHERE id = 1;
-- T2: created Mon 10:00 billing/ann, never answered; to sales/bob Mon 12:00, to support/cy Mon 14:00.
INSERT INTO ra_ticket VALUES (2, 'open', 'billing', 'ann', 'b@x', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
UPDATE ra_ticket SET dept = 'sales', agent = 'bob', updated = '2026-11-23 12:00+00' WHERE id = 2;
UPDATE ra_ticket SET dept = 'support', agent = 'cy', updated = '2026-11-23 14:00+00' WHERE id = 2;

-- T1 first_response ran Mon 10:00-11:00 and stopped before any reassignment: one stretch, 1h.
-- T1 resolution Mon 10:00 - Tue 12:00: its holder before the first reassignment is the one the
-- first_response clock stopped with (billing/ann): Mon 10-12 = 2h; sales/bob Mon 12:00 - Tue
-- 10:00 = Mon 12-17 (5h) + Tue 09-10 (1h) = 6h, of which Mon 15-16 paused (1h), 22h of calendar
-- time; support/cy Tue 10-12 = 2h.
SELECT results_eq(
    $$SELECT metric::text, cycle, department, agent, stretch_start, stretch_end, business_time::text,
             paused_time::text, calendar_time
        FROM sla.time_split('ra_ticket', '1', as_of => '2026-11-25 10:00+00')$$,
    $$VALUES ('first_response', 1, 'billing', 'ann', '2026-11-23 10:00+00'::timestamptz, '2026-11-23 11:00+00'::timestamptz,
              '01:00:00', '00:00:00', '01:00:00'::interval),
             ('resolution', 1, 'billing', 'ann', '2026-11-23 10:00+00', '2026-11-23 12:00+00', '02:00:00', '00:00:00', '02:00:00'),
             ('resolution', 1, 'sales', 'bob', '2026-11-23 12:00+00', '2026-11-24 10:00+00', '06:00:00', '01:00:00', '22:00:00'),
             ('resolution', 1, 'support', 'cy', '2026-11-24 10:00+00', '2026-11-24 12:00+00', '02:00:00', '00:00:00', '02:00:00')$$,
    'time_split: one row per clock and holder, paused time reported apart');
SELECT is((SELECT (sla.sum(business_time) OPERATOR(sla.-) sla.sum(paused_time))::text FROM sla.time_split('ra_ticket', '1', as_of => '2026-11-25 10:00+00')
            WHERE metric = 'resolution'),
    (SELECT used::text FROM sla.sla_log_at('2026-11-25 10:00+00') WHERE ticket = '1' AND metric = 'resolution'),
    'business time minus paused time adds up to the clock''s used time (2 + 6 + 2 - 1 = 9h)');
-- T2 as of Mon 16:00: the first reassignment records the holder it replaced (billing/ann,
-- Mon 10-12); then sales/bob Mon 12-14 and support/cy Mon 14-16.
SELECT results_eq(
    $$SELECT department, agent, stretch_start, stretch_end, business_time::text, calendar_time
        FROM sla.time_split('ra_ticket', '2', as_of => '2026-11-23 16:00+00') WHERE metric = 'first_response'$$,
    $$VALUES ('billing', 'ann', '2026-11-23 10:00+00'::timestamptz, '2026-11-23 12:00+00'::timestamptz, '02:00:00', '02:00:00'::interval),
             ('sales', 'bob', '2026-11-23 12:00+00', '2026-11-23 14:00+00', '02:00:00', '02:00:00'),
             ('support', 'cy', '2026-11-23 14:00+00', '2026-11-23 16:00+00', '02:00:00', '02:00:00')$$,
    'time_split of running clocks: clipped at as_of; the first holder from the first reassignment');
SELECT is((SELECT count(*)::int FROM sla.time_split('ra_ticket', '2', as_of => '2026-11-23 16:00+00')), 6,
    'time_split: both clocks of T2');
SELECT is((SELECT local_start FROM sla.time_split('ra_ticket', '1', 'Europe/Paris', '2026-11-25 10:00+00') LIMIT 1),
    '2026-11-23 11:00'::timestamp, 'time_split: local times in the given zone');
SELECT throws_ok($$SELECT * FROM sla.time_split('ra_msg', '1')$$, '42704', 'table public.ra_msg is not attached',
    'time_split of a table that is not attached');

-- JSON: as of Tue 13:00 there are four clocks; billing holds one (T1 first_response).
SELECT is(jsonb_array_length(sla.sla_log_json('2026-11-24 13:00+00')), 4, 'sla_log_json: one element per clock');
SELECT is(sla.sla_log_json('2026-11-24 13:00+00', 'billing'),
    '[{"agent": "ann", "cycle": 1, "level": "ra_std", "state": "met", "used": "01:00:00", "due_at": "2026-11-23T14:00:00+00:00",
       "metric": "first_response", "ticket": "1", "overdue": null, "warn_at": "2026-11-23T13:00:00+00:00",
       "closed_at": "2026-11-23T11:00:00+00:00", "remaining": null, "requester": "a@x", "department": "billing",
       "started_at": "2026-11-23T10:00:00+00:00", "ticket_table": "public.ra_ticket"}]'::jsonb,
    'sla_log_json: keys are the column names, business intervals their text');
-- decided by Tue 13:00: T1 first_response met, T1 resolution met (9h), T2 first_response failed
-- (due Mon 14:00, running: Mon 10-17 + Tue 09-13 = 11h used, 27 calendar hours); T2 resolution
-- is not due yet.  Business intervals are text, calendar intervals PostgreSQL's interval text.
SELECT is(sla.compliance_report_json('2026-11-23', '2026-11-26', ARRAY['metric'], as_of => '2026-11-24 13:00+00'),
    '[{"met": 1, "agent": null, "level": null, "failed": 1, "metric": "first_response", "period": null, "met_avg": "01:00:00",
       "met_max": "01:00:00", "met_min": "01:00:00", "compliance": 50.00, "department": null, "failed_avg": "11:00:00",
       "failed_max": "11:00:00", "failed_min": "11:00:00", "met_avg_calendar": "01:00:00",
       "failed_avg_calendar": "1 day 03:00:00"},
      {"met": 1, "agent": null, "level": null, "failed": 0, "metric": "resolution", "period": null, "met_avg": "09:00:00",
       "met_max": "09:00:00", "met_min": "09:00:00", "compliance": 100.00, "department": null, "failed_avg": null,
       "failed_max": null, "failed_min": null, "met_avg_calendar": "1 day 02:00:00", "failed_avg_calendar": null}]'::jsonb,
    'compliance_report_json: one object per group');
SELECT is(sla.compliance_report_json('2020-01-01', '2020-01-02'), '[]'::jsonb, 'compliance_report_json: empty is []');

-- CSV: the header line of the SLA log exported with COPY
COPY (SELECT * FROM sla.sla_log_at('2026-11-24 13:00+00')) TO '/tmp/sla_log_test.csv' WITH (FORMAT csv, HEADER);
SELECT is(split_part(pg_read_file('/tmp/sla_log_test.csv'), E'\n', 1),
    'requester,ticket_table,ticket,department,agent,level,metric,cycle,started_at,due_at,warn_at,closed_at,state,used,remaining,overdue',
    'CSV header');
SELECT is(array_length(string_to_array(rtrim(pg_read_file('/tmp/sla_log_test.csv'), E'\n'), E'\n'), 1), 5, 'CSV: header and four rows');
-- every other report exports the same way: the header is exactly its columns
COPY (SELECT * FROM sla.compliance_report('2026-11-23', '2026-11-26', ARRAY['week', 'department'], as_of => '2026-11-24 13:00+00'))
    TO '/tmp/sla_compliance_test.csv' WITH (FORMAT csv, HEADER);
SELECT is(pg_read_file('/tmp/sla_compliance_test.csv'),
    E'period,department,agent,level,metric,met,met_avg,met_max,met_min,met_avg_calendar,failed,failed_avg,failed_max,failed_min,failed_avg_calendar,compliance\n'
    '2026-11-23,billing,,,,1,01:00:00,01:00:00,01:00:00,01:00:00,0,,,,,100.00\n'
    '2026-11-23,support,,,,1,09:00:00,09:00:00,09:00:00,1 day 02:00:00,1,11:00:00,11:00:00,11:00:00,1 day 03:00:00,50.00\n',
    'CSV of the compliance report by week and department, exactly (T1 first reply 1h in billing; T1 solved after 9h and T2 unanswered for 11h, both with support)');
COPY (SELECT * FROM sla.time_split('ra_ticket', '1', as_of => '2026-11-25 10:00+00') LIMIT 0) TO '/tmp/sla_split_test.csv' WITH (FORMAT csv, HEADER);
SELECT is(pg_read_file('/tmp/sla_split_test.csv'),
    E'metric,cycle,department,agent,stretch_start,stretch_end,local_start,local_end,business_time,paused_time,calendar_time\n',
    'CSV header of time_split');
COPY (SELECT * FROM sla.contact_center_report('2026-11-23', '2026-11-24') LIMIT 0) TO '/tmp/sla_cc_test.csv' WITH (FORMAT csv, HEADER);
SELECT is(pg_read_file('/tmp/sla_cc_test.csv'),
    E'period_start,queue,channel,offered,answered,answered_in_threshold,abandoned,short_abandoned,service_level,average_speed_of_answer,max_speed_of_answer,abandonment_rate,average_wait_abandoned,waiting,service_level_base\n',
    'CSV header of the contact-centre report');
COPY (SELECT * FROM sla.at_risk LIMIT 0) TO '/tmp/sla_risk_test.csv' WITH (FORMAT csv, HEADER);
SELECT is(pg_read_file('/tmp/sla_risk_test.csv'), split_part(pg_read_file('/tmp/sla_log_test.csv'), E'\n', 1) || E'\n',
    'CSV header of at_risk: the SLA log''s columns');

-- Roles.  as_role runs one statement as another role and returns its first value as text.
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    res text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', r);
    EXECUTE q INTO res;
    RESET ROLE;
    RETURN res;
END
$$;
CREATE ROLE ra_read NOLOGIN;
CREATE ROLE ra_adm NOLOGIN;
CREATE ROLE ra_app NOLOGIN;
CREATE ROLE ra_none NOLOGIN;
GRANT sla_reader TO ra_read;
GRANT sla_admin TO ra_adm;
GRANT sla_writer TO ra_app;
GRANT SELECT, INSERT, UPDATE ON ra_ticket TO ra_app, ra_none;

SELECT is(pg_temp.as_role('ra_read', 'SELECT count(*) FROM sla.sla_log'), '4', 'reader: the SLA log');
SELECT ok(pg_temp.as_role('ra_read', 'SELECT count(*) FROM sla.at_risk') IS NOT NULL
          AND pg_temp.as_role('ra_read', 'SELECT count(*) FROM sla.breached_now') IS NOT NULL
          AND pg_temp.as_role('ra_read', 'SELECT count(*) FROM sla.compliance') IS NOT NULL, 'reader: the other views');
SELECT is(pg_temp.as_role('ra_read', $$SELECT count(*) FROM sla.compliance_report('2026-11-23', '2026-11-26', ARRAY['metric'], as_of => '2026-11-24 13:00+00')$$),
    '2', 'reader: compliance_report');
SELECT is(pg_temp.as_role('ra_read', $$SELECT count(*) FROM sla.time_split('ra_ticket', '1', as_of => '2026-11-25 10:00+00')$$), '4', 'reader: time_split');
SELECT is(pg_temp.as_role('ra_read', $$SELECT jsonb_array_length(sla.sla_log_json())$$), '4', 'reader: sla_log_json');
SELECT throws_ok($$SELECT pg_temp.as_role('ra_read', 'INSERT INTO sla.level (name, calendar_id) VALUES (''x'', 1)')$$,
    '42501', 'permission denied for table level', 'reader: cannot change levels');
SELECT ok(pg_temp.as_role('ra_adm', $$SELECT sla.define_level('ra_gold', 'ra', first_response => '1 hour')$$)::int > 0,
    'admin: defines a level');
SELECT ok(pg_temp.as_role('ra_adm', $$SELECT sla.define_calendar('ra2', 'UTC', 'mon-fri 08:00-16:00')$$)::int > 0,
    'admin: defines a calendar');
SELECT throws_ok($$SELECT pg_temp.as_role('ra_adm', 'DELETE FROM sla.clock_int4')$$,
    '42501', 'permission denied for table clock_int4', 'admin: cannot delete clocks');
SELECT lives_ok($$SELECT pg_temp.as_role('ra_app', $q$INSERT INTO ra_ticket VALUES (3, 'open', 'billing', 'ann', 'c@x',
                   '2026-11-23 10:00+00', '2026-11-23 10:00+00') RETURNING id$q$)$$, 'writer: inserts a ticket');
SELECT is((SELECT string_agg(metric::text || ':' || state, ',' ORDER BY metric) FROM sla.clock WHERE ticket_key = '3'),
    'first_response:running,resolution:running', 'writer: the ticket''s clocks were started');
SELECT lives_ok($$SELECT pg_temp.as_role('ra_app', $q$UPDATE ra_ticket SET dept = 'sales', st = 'done',
                   updated = '2026-11-23 11:00+00' WHERE id = 3 RETURNING id$q$)$$, 'writer: updates a ticket');
-- the message names the schema sla in a fresh session, the table attachment once the trigger's
-- plan is cached (as here): only the SQLSTATE is pinned
SELECT throws_ok($$SELECT pg_temp.as_role('ra_none', $q$INSERT INTO ra_ticket VALUES (4, 'open', 'billing', 'ann', 'd@x',
                   '2026-11-23 10:00+00', '2026-11-23 10:00+00')$q$)$$,
    '42501', NULL, 'no sla role: the trigger cannot track the ticket');

SELECT * FROM finish();
ROLLBACK;
