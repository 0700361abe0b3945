-- reports.sql — the SLA log and the compliance report on three tickets with hand-computed
-- figures.  Calendar mon-fri 09:00-17:00 UTC; Monday 2026-11-23; reports as of Wed 10:00.
BEGIN;
SELECT plan(24);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('rep', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('rep_std', 'rep', first_response => '4 hours', resolution => '2 days', is_default => true) > 0, 'level');
CREATE TABLE rep_ticket (id int PRIMARY KEY, st text, dept text, who text, created timestamptz, updated timestamptz);
CREATE TABLE rep_msg (ticket int, author text, at timestamptz);
SELECT ok(sla.attach('rep_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st",
                                     "department": "dept", "requester": "who"}',
                     'rep_msg', '{"ticket": "ticket", "created_at": "at", "author_kind": "author",
                                  "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('rep_ticket', s, l) FROM (VALUES ('open', 'open'), ('done', 'solved')) v(s, l);

-- T1 billing: reply Mon 13:00 (3h, met), solved Tue 12:00 (7 + 3 = 10h, met)
INSERT INTO rep_ticket VALUES (1, 'open', 'billing', 'a@x', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
INSERT INTO rep_msg VALUES (1, 'agent', '2026-11-23 13:00+00');
UPDATE rep_ticket SET st = 'done', updated = '2026-11-24 12:00+00' WHERE id = 1;
-- T2 sales: reply Tue 10:00 (due Mon 14:00: 7 + 1 = 8h used, breached, 3 + 1 = 4h overdue)
INSERT INTO rep_ticket VALUES (2, 'open', 'sales', 'b@x', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
INSERT INTO rep_msg VALUES (2, 'agent', '2026-11-24 10:00+00');
-- T3 billing: no reply; first response due Tue 12:00; by Wed 10:00 1 + 8 + 1 = 10h used, 5 + 1 = 6h overdue
INSERT INTO rep_ticket VALUES (3, 'open', 'billing', 'c@x', '2026-11-23 16:00+00', '2026-11-23 16:00+00');

SELECT is((SELECT overdue::text || ' ' || used::text FROM sla.sla_log_at('2026-11-25 10:00+00') WHERE ticket = '3' AND metric = 'first_response'),
    '06:00:00 10:00:00', 'a late running clock: overdue and used business time');
SELECT is((SELECT remaining::text FROM sla.sla_log_at('2026-11-25 10:00+00') WHERE ticket = '3' AND metric = 'resolution'),
    '06:00:00', 'a running clock: remaining business time (due Wed 16:00)');
SELECT is((SELECT overdue::text || ' ' || state FROM sla.sla_log_at('2026-11-25 10:00+00') WHERE ticket = '2' AND metric = 'first_response'),
    '04:00:00 breached', 'a breached clock: how late it stopped');
SELECT is((SELECT count(*)::int FROM sla.sla_log_at('2026-11-25 10:00+00', only_department => 'billing')), 4,
    'filtered by department');

SELECT results_eq(
    $$SELECT department, metric::text, met, failed, met_avg::text, failed_avg::text, compliance
        FROM sla.compliance_report('2026-11-23', '2026-11-26', ARRAY['department', 'metric'], 'UTC',
                                   as_of => '2026-11-25 10:00+00')$$,
    $$VALUES ('billing', 'first_response', 1::bigint, 1::bigint, '03:00:00', '10:00:00', 50.00::numeric),
             ('billing', 'resolution', 1, 0, '10:00:00', NULL, 100.00),
             ('sales', 'first_response', 0, 1, NULL, '08:00:00', 0.00)$$,
    'compliance by department and metric; a late running clock counts as failed');
SELECT results_eq(
    $$SELECT period, metric::text, met, failed FROM sla.compliance_report('2026-11-23', '2026-11-26', ARRAY['day', 'metric'],
                                                                          as_of => '2026-11-25 10:00+00')$$,
    $$VALUES ('2026-11-23'::date, 'first_response', 1::bigint, 0::bigint), ('2026-11-24', 'first_response', 0, 2),
             ('2026-11-24', 'resolution', 1, 0)$$,
    'by day: a clock counts on the day it was decided (stopped, or due for late running ones)');
-- the groups are hashed, then sorted: rows come out in the order of the grouping keys
SELECT is((SELECT array_agg(period::text || ' ' || metric::text ORDER BY n)
             FROM sla.compliance_report('2026-11-20', '2026-11-27', ARRAY['day', 'metric'], as_of => '2026-11-25 10:00+00')
                  WITH ORDINALITY r(period, department, agent, level, metric, met, met_avg, met_max, met_min, met_avg_calendar,
                                    failed, failed_avg, failed_max, failed_min, failed_avg_calendar, compliance, n)),
          (SELECT array_agg(period::text || ' ' || metric::text ORDER BY period, metric)
             FROM sla.compliance_report('2026-11-20', '2026-11-27', ARRAY['day', 'metric'], as_of => '2026-11-25 10:00+00')),
          'compliance rows are sorted by their grouping keys (day, then metric)');
SELECT is((SELECT met_avg_calendar FROM sla.compliance_report('2026-11-23', '2026-11-26', ARRAY['metric'], only_metric => 'resolution',
                                                              as_of => '2026-11-25 10:00+00')),
    '26:00:00'::interval, 'calendar-time twin: Mon 10:00 to Tue 12:00');
SELECT is((SELECT count(*)::int FROM sla.compliance_report('2026-11-23', '2026-11-24', ARRAY['day'], as_of => '2026-11-25 10:00+00')), 1,
    'the period bounds the decision time');
SELECT throws_ok($$SELECT * FROM sla.compliance_report('2026-11-23', '2026-11-26', ARRAY['colour'])$$, '22023',
    'cannot group the compliance report by "colour"', 'unknown grouping key');
SELECT throws_ok($$SELECT * FROM sla.compliance_report('2026-11-23', '2026-11-26', ARRAY['day', 'week'])$$, '22023',
    'group_by names more than one period: {day,week}', 'two periods');
SELECT throws_ok($$SELECT * FROM sla.compliance_report('2026-11-26', '2026-11-23')$$, '22023', NULL, 'a range that ends before it starts');
SELECT results_eq(
    $$SELECT period, department, level, met, failed, compliance FROM sla.compliance_report('2026-11-23', '2026-11-26', '{}', as_of => '2026-11-25 10:00+00')$$,
    $$VALUES (NULL::date, NULL::text, NULL::text, 2::bigint, 2::bigint, 50.00::numeric)$$,
    'no grouping: one total row');
SELECT is_empty($$SELECT * FROM sla.compliance_report('2020-01-01', '2020-02-01', '{}')$$, 'no grouping and nothing decided: no row');
SELECT results_eq(
    $$SELECT level, met, failed FROM sla.compliance_report('2026-11-23', '2026-11-26', ARRAY['level'], only_level => 'rep_std',
                                                           as_of => '2026-11-25 10:00+00')$$,
    $$VALUES ('rep_std', 2::bigint, 2::bigint)$$, 'grouped and filtered by level');
SELECT is_empty($$SELECT * FROM sla.compliance_report('2026-11-23', '2026-11-26', only_agent => 'nobody')$$, 'filtered by agent');

-- The day of a clock is taken in its calendar's zone unless the report names one: a clock of a
-- Tokyo calendar stopped Tue 16:00 UTC is decided on Wednesday 01:00 in Tokyo.
SELECT sla.define_calendar('rep_tokyo', 'Asia/Tokyo', '24/7');
INSERT INTO sla.clock_int4 (attachment_id, ticket_key, metric, level_id, calendar_id, target, started_at, due_at, stopped_at, state, business_used)
SELECT a.id, 99, 'first_response', l.id, k.id, '1 hour', '2026-11-24 15:30+00', '2026-11-24 16:30+00', '2026-11-24 16:00+00', 'met', '00:30:00'
  FROM sla.attachment a, sla.level l, sla.calendar k WHERE a.ticket_table = 'rep_ticket'::regclass AND l.name = 'rep_std' AND k.name = 'rep_tokyo';
SELECT results_eq(
    $$SELECT period, met, failed FROM sla.compliance_report('2026-11-24 12:00+00', '2026-11-24 20:00+00', ARRAY['day'], as_of => '2026-11-25 10:00+00')$$,
    $$VALUES ('2026-11-24'::date, 1::bigint, 1::bigint), ('2026-11-25', 1, 0)$$,
    'by default each clock''s day is in its calendar''s zone');
SELECT results_eq(
    $$SELECT period, met, failed FROM sla.compliance_report('2026-11-24 12:00+00', '2026-11-24 20:00+00', ARRAY['day'], 'UTC', as_of => '2026-11-25 10:00+00')$$,
    $$VALUES ('2026-11-24'::date, 2::bigint, 1::bigint)$$,
    'a named zone puts every clock''s day in that zone');
SELECT has_view('sla', 'sla_log', 'the SLA log view');
-- BI tools show comments: every table and view of the schema has one, every view column too
SELECT is_empty($$SELECT c.relname || '.' || a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
                   WHERE n.nspname = 'sla' AND c.relkind = 'v' AND col_description(c.oid, a.attnum) IS NULL$$,
    'every column of every view has a comment');
SELECT is_empty($$SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'sla' AND c.relkind IN ('r', 'v') AND obj_description(c.oid, 'pg_class') IS NULL$$,
    'every table and view has a comment');

SELECT * FROM finish();
ROLLBACK;
