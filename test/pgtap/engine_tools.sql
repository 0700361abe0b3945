-- engine_tools.sql — explain, the dry run on a stored ticket, and re-targeting running clocks
-- when a level's targets or a calendar change.  Calendar mon-fri 09:00-17:00 UTC; Monday
-- 2026-11-23.
BEGIN;
SELECT plan(19);
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
UPDATE sla.clock_int4 SET state = 'met', stopped_at = '2026-11-23 11:00+00' WHERE ticket_key = 7001 AND metric = 'first_response';
UPDATE sla.level_target SET target = '3 hours' WHERE metric = 'first_response'
   AND level_id = (SELECT id FROM sla.level WHERE name = 'tools_std');
SELECT is((SELECT due_at FROM sla.clock WHERE ticket_key = '7001' AND metric = 'first_response'),
    '2026-11-23 11:30+00'::timestamptz, 'a stopped clock is not re-targeted');

-- explain: the timeline as rows
-- (each configuration edit that moved a running clock is a retargeted event, at the edit)
SELECT is((SELECT string_agg(event || coalesce(':' || metric::text, ''), ',' ORDER BY at, event, metric) FROM sla.explain('tools_ticket', '7001')),
    'clock_started:first_response,clock_started:resolution,level_chosen,'
    'retargeted:first_response,retargeted:first_response,retargeted:resolution,retargeted:resolution',
    'explain lists every event');
SELECT is((SELECT detail ->> 'level' FROM sla.explain('tools_ticket', '7001') WHERE event = 'level_chosen'),
    'tools_std', 'explain names the chosen level');

-- the dry run on a stored row, without writing anything
SELECT is((SELECT DISTINCT chosen_level FROM sla.match_ticket('tools_ticket', '7001')), 'tools_std', 'match_ticket');
SELECT throws_ok($$SELECT * FROM sla.match_ticket('tools_ticket', '42')$$, 'P0002',
    'ticket 42 does not exist in public.tools_ticket', 'match_ticket on a missing ticket');

-- backfill: rows from before the attachment get clocks from their timestamps and messages
CREATE TABLE old_ticket (id int PRIMARY KEY, st text, created timestamptz, updated timestamptz);
CREATE TABLE old_message (ticket int, who text, at timestamptz);
INSERT INTO old_ticket VALUES (1, 'open', '2026-11-23 10:00+00', '2026-11-23 10:00+00'),
                              (2, 'done', '2026-11-23 10:00+00', '2026-11-24 12:00+00');
INSERT INTO old_message VALUES (1, 'agent', '2026-11-23 11:00+00'), (1, 'customer', '2026-11-23 12:00+00'),
                               (2, 'customer', '2026-11-23 10:30+00');
SELECT ok(sla.attach('old_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}',
                     'old_message', '{"ticket": "ticket", "created_at": "at", "author_kind": "who",
                                      "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached late');
SELECT sla.map_status('old_ticket', 'open', 'open');
SELECT sla.map_status('old_ticket', 'done', 'solved');
SELECT is(sla.backfill('old_ticket'), 2, 'backfill starts both tickets');
SELECT is((SELECT string_agg(ticket_key || ':' || metric || ':' || state, ',' ORDER BY ticket_key, id) FROM sla.clock
            WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'old_ticket'::regclass)),
    '1:first_response:met,1:resolution:running,2:first_response:cancelled,2:resolution:met',
    'replayed: ticket 1 answered after an hour; ticket 2 solved at its last update, before any reply');
SELECT is(sla.backfill('old_ticket'), 0, 'backfill is idempotent');

-- periodic_update: an agent update is owed every 2 business hours while the ticket is open
SELECT ok(sla.define_level('tools_pu', 'tools', periodic_update => '2 hours') > 0, 'periodic level');
CREATE TABLE pu_ticket (id int PRIMARY KEY, st text, lvl text, created timestamptz, updated timestamptz);
CREATE TABLE pu_message (ticket int, who text, at timestamptz);
INSERT INTO sla.rule (name, position, set_level_id) SELECT 'pu rule', 77, id FROM sla.level WHERE name = 'tools_pu';
INSERT INTO sla.rule_condition SELECT id, 1, 1, 'priority', 'equals', '"pu"' FROM sla.rule WHERE name = 'pu rule';
SELECT ok(sla.attach('pu_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st", "priority": "lvl"}',
                     'pu_message', '{"ticket": "ticket", "created_at": "at", "author_kind": "who",
                                     "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('pu_ticket', s, l) FROM (VALUES ('open', 'open'), ('wait', 'paused'), ('done', 'solved')) v(s, l);
-- Monday 10:30 (the calendar now opens at 10:30): due 12:30
INSERT INTO pu_ticket VALUES (1, 'open', 'pu', '2026-11-23 10:30+00', '2026-11-23 10:30+00');
INSERT INTO pu_message VALUES (1, 'agent', '2026-11-23 12:00+00');   -- cycle 1 met, cycle 2 due 14:00
UPDATE pu_ticket SET st = 'wait', updated = '2026-11-23 13:00+00' WHERE id = 1;
-- paused Mon 13:00-17:00 = 4h (Tuesday 24th is the holiday added above): cycle 2 due
-- Mon 12:00 + 2h + 4h = Mon 17:00 (5h) + Wed 10:30 + 1h = Wed 11:30
UPDATE pu_ticket SET st = 'open', updated = '2026-11-24 11:30+00' WHERE id = 1;
INSERT INTO pu_message VALUES (1, 'agent', '2026-11-24 12:30+00');   -- on the holiday: cycle 2 met, cycle 3 due Wed 12:30
UPDATE pu_ticket SET st = 'done', updated = '2026-11-24 13:00+00' WHERE id = 1;
SELECT is((SELECT string_agg(cycle || ':' || state || ':' || due_at::text, ', ' ORDER BY cycle) FROM sla.clock
            WHERE metric = 'periodic_update' AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'pu_ticket'::regclass)),
    '1:met:2026-11-23 12:30:00+00, 2:met:2026-11-25 11:30:00+00, 3:cancelled:2026-11-25 12:30:00+00',
    'periodic updates: a cycle per agent update, paused while waiting, cancelled when solved');

SELECT * FROM finish();
ROLLBACK;
