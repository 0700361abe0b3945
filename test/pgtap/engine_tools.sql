-- engine_tools.sql — explain, the dry run on a stored ticket, and re-targeting running clocks
-- when a level's targets or a calendar change.  Calendar mon-fri 09:00-17:00 UTC; Monday
-- 2026-11-23.
BEGIN;
SELECT plan(12);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('tools', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('tools_std', 'tools', first_response => '4 hours', resolution => '2 days',
                           is_default => true) > 0, 'level');
CREATE TABLE tools_ticket (id int PRIMARY KEY, st text, prio text, created timestamptz);
SELECT ok(sla.attach('tools_ticket', '{"key": "id", "created_at": "created", "status": "st", "priority": "prio"}') > 0, 'attached');
SELECT sla.map_status('tools_ticket', 'open', 'open');
INSERT INTO tools_ticket VALUES (7001, 'open', 'low', '2026-11-23 10:00+00');

-- a target edit re-targets running clocks from their start, in the same transaction
UPDATE sla.level_target SET target = '1 hour' WHERE metric = 'first_response'
   AND level_id = (SELECT id FROM sla.level WHERE name = 'tools_std');
SELECT is((SELECT target::text || ' ' || due_at::text FROM sla.clock WHERE ticket_key = '7001' AND metric = 'first_response'),
    '01:00:00 2026-11-23 11:00:00+00', 'a shorter target moves the due date in');
-- a new holiday moves business-day due dates out
SELECT sla.add_holiday('tools', '2026-11-24');
SELECT is((SELECT due_at FROM sla.clock WHERE ticket_key = '7001' AND metric = 'resolution'),
    '2026-11-26 10:00+00'::timestamptz, 'a holiday on Tuesday moves a 2-day resolution to Thursday');
-- new weekly hours re-target too (define_calendar deletes, then inserts the hours)
SELECT ok(sla.define_calendar('tools', 'UTC', 'mon-fri 10:30-17:00') > 0, 'hours changed');
SELECT is((SELECT due_at FROM sla.clock WHERE ticket_key = '7001' AND metric = 'first_response'),
    '2026-11-23 11:30+00'::timestamptz, 'a 10:30 opening moves the 1-hour due date to 11:30');
-- stopped clocks keep the due date they were judged by
UPDATE sla.clock SET state = 'met', stopped_at = '2026-11-23 11:00+00' WHERE ticket_key = '7001' AND metric = 'first_response';
UPDATE sla.level_target SET target = '3 hours' WHERE metric = 'first_response'
   AND level_id = (SELECT id FROM sla.level WHERE name = 'tools_std');
SELECT is((SELECT due_at FROM sla.clock WHERE ticket_key = '7001' AND metric = 'first_response'),
    '2026-11-23 11:30+00'::timestamptz, 'a stopped clock is not re-targeted');

-- explain: the timeline as rows
SELECT is((SELECT string_agg(event || coalesce(':' || metric::text, ''), ',' ORDER BY at, event) FROM sla.explain('tools_ticket', '7001')),
    'clock_started:first_response,clock_started:resolution,level_chosen', 'explain lists every event');
SELECT is((SELECT detail ->> 'level' FROM sla.explain('tools_ticket', '7001') WHERE event = 'level_chosen'),
    'tools_std', 'explain names the chosen level');

-- the dry run on a stored row, without writing anything
SELECT is((SELECT DISTINCT chosen_level FROM sla.match_ticket('tools_ticket', '7001')), 'tools_std', 'match_ticket');
SELECT throws_ok($$SELECT * FROM sla.match_ticket('tools_ticket', '42')$$, 'P0002',
    'ticket 42 does not exist in public.tools_ticket', 'match_ticket on a missing ticket');

SELECT * FROM finish();
ROLLBACK;
