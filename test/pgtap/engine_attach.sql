-- engine_attach.sql — attaching sla to a helpdesk's own tables (mixed-case names, reserved
-- words, naive timestamps) and the clocks its triggers drive, with exact due dates.
-- Calendar: mon-fri 09:00-17:00 UTC; 2026-11-23 is a Monday.
BEGIN;
SELECT plan(61);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('eng', 'UTC', 'mon-fri 09:00-17:00') IS NOT NULL, 'calendar');
SELECT ok(sla.define_level('eng_standard', 'eng', first_response => '4 hours', next_response => '2 hours',
                        resolution => '2 days', is_default => true) IS NOT NULL, 'default level');
SELECT ok(sla.define_level('eng_urgent', 'eng', first_response => '1 hour', next_response => '1 hour',
                        resolution => '8 hours', chat_response => '5 min') IS NOT NULL, 'urgent level');
INSERT INTO sla.rule (name, position, set_level_id, on_update)
     SELECT 'eng urgent', 10, id, true FROM sla.level WHERE name = 'eng_urgent';
INSERT INTO sla.rule_condition SELECT id, 1, 1, 'priority', 'equals', '"urgent"' FROM sla.rule WHERE name = 'eng urgent';

CREATE TABLE "Ticket" ("Id" bigint PRIMARY KEY, "from" text, status text, "Prio" text, team text,
                       owner text, created timestamp, modified timestamp, gone boolean DEFAULT false);
CREATE TABLE "Article" ("ticket" bigint, sender text, internal boolean, "to" text, created timestamp);

-- ---------------------------------------------------------------- attach errors
SELECT throws_ok($$SELECT sla.attach('"Ticket"', '{"key": "Id", "created_at": "created"}')$$,
    '22023', 'the ticket mapping must name the status column', 'status is required');
SELECT throws_ok($$SELECT sla.attach('"Ticket"', '{"key": "Id", "created_at": "created", "status": "state"}')$$,
    '42703', 'column "state" of relation public."Ticket" does not exist (mapping of status)', 'unknown column');
SELECT throws_ok($$SELECT sla.attach('"Ticket"', '{"key": "Id", "created_at": "team", "status": "status"}')$$,
    '42804', 'column "team" of relation public."Ticket" has type text, which cannot be mapped as created_at', 'wrong type');
SELECT throws_ok($$SELECT sla.attach('"Ticket"', '{"key": "Id", "created_at": "created", "status": "status", "colour": "team"}')$$,
    '22023', 'unknown ticket mapping key "colour"', 'unknown key');
SELECT throws_ok($$SELECT sla.attach('"Ticket"', '{"key": "Id", "created_at": "created", "status": "status"}', '"Article"', '{"ticket": "ticket", "created_at": "created"}')$$,
    '22023', 'the message mapping needs author_kind (a column with value lists) or author_function', 'author needed');

SELECT lives_ok($$SELECT sla.attach('"Ticket"',
    '{"key": "Id", "created_at": "created", "updated_at": "modified", "status": "status", "priority": "Prio",
      "department": "team", "agent": "owner", "requester": "from", "deleted": "gone"}',
    '"Article"', '{"ticket": "ticket", "created_at": "created", "author_kind": "sender",
      "customer_values": ["Customer"], "agent_values": ["Agent"], "system_values": ["System"],
      "internal": "internal", "channel": "to"}')$$, 'attach with mixed-case and reserved-word columns');
SELECT trigger_is('public', 'Ticket', 'sla_ticket', 'sla', 'ticket_inserted', 'ticket insert trigger added');
SELECT trigger_is('public', 'Ticket', 'sla_ticket_update', 'sla', 'ticket_changed', 'ticket update trigger added');
SELECT trigger_is('public', 'Ticket', 'sla_ticket_delete', 'sla', 'ticket_deleted', 'ticket delete trigger added');
SELECT trigger_is('public', 'Article', 'sla_message', 'sla', 'message_added', 'message trigger added');
SELECT is((SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'Ticket'), 9, 'no column added');
SELECT is((SELECT count(*)::int FROM (SELECT sla.map_status('"Ticket"', s, l)
  FROM (VALUES ('new', 'open'), ('open', 'open'), ('pending', 'paused'), ('solved', 'solved'),
               ('closed', 'closed')) AS v(s, l)) x), 5, 'statuses mapped');

-- ---------------------------------------------------------------- a ticket's life
INSERT INTO "Ticket" VALUES (1, 'ann@example', 'new', 'normal', 'billing', 'bob', '2026-11-23 10:00', '2026-11-23 10:00');
SELECT is((SELECT string_agg(metric || ':' || state || ':' || due_at::text, ', ' ORDER BY id) FROM sla.clock WHERE ticket_key = '1'),
    'first_response:running:2026-11-23 14:00:00+00, resolution:running:2026-11-25 10:00:00+00',
    'creation starts first_response (4h) and resolution (2 days)');
SELECT is((SELECT level_id FROM sla.ticket WHERE ticket_key = '1'), (SELECT id FROM sla.level WHERE name = 'eng_standard'),
    'default level chosen');

INSERT INTO "Article" VALUES (1, 'Agent', true, NULL, '2026-11-23 11:00');
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'), 'running', 'an internal note does nothing');
INSERT INTO "Article" VALUES (1, 'System', false, NULL, '2026-11-23 11:05');
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'), 'running', 'a system message does nothing');
INSERT INTO "Article" VALUES (1, 'Customer', false, NULL, '2026-11-23 11:10');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'), 0,
    'a customer message before the first reply starts nothing');
INSERT INTO "Article" VALUES (1, 'Agent', false, NULL, '2026-11-23 15:00');
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'),
    'breached 05:00:00', 'first public reply after 5 business hours: breached');

INSERT INTO "Article" VALUES (1, 'Customer', false, NULL, '2026-11-24 09:30');
SELECT is((SELECT state || ' ' || due_at::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'),
    'running 2026-11-24 11:30:00+00', 'a customer message after a reply starts next_response');
INSERT INTO "Article" VALUES (1, 'Customer', false, NULL, '2026-11-24 09:45');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'), 1,
    'a second customer message does not start a second clock');

UPDATE "Ticket" SET status = 'pending', modified = '2026-11-24 10:00' WHERE "Id" = 1;
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'), 'paused', 'pending pauses resolution');
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'), 'running', 'pending does not pause responses');
UPDATE "Ticket" SET status = 'open', modified = '2026-11-25 10:00' WHERE "Id" = 1;
SELECT is((SELECT paused_for::text || ' ' || due_at::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    '08:00:00 2026-11-26 10:00:00+00', 'resuming moves the due date out by the 8 business hours paused');

INSERT INTO "Article" VALUES (1, 'Agent', false, NULL, '2026-11-25 10:15');
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'),
    'breached 08:45:00', 'next_response stopped by the reply');

UPDATE "Ticket" SET "Prio" = 'urgent', modified = '2026-11-25 11:00' WHERE "Id" = 1;
SELECT is((SELECT (SELECT name FROM sla.level WHERE id = level_id) || ' ' || target::text || ' ' || due_at::text
             FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'eng_urgent 08:00:00 2026-11-25 10:00:00+00', 'escalation re-targets the running clock from its start, keeping paused time');
SELECT is((SELECT level_id FROM sla.ticket WHERE ticket_key = '1'), (SELECT id FROM sla.level WHERE name = 'eng_urgent'),
    'the ticket has the new level');
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'), 'breached',
    'stopped clocks keep their level and state');

UPDATE "Ticket" SET team = 'sales', owner = 'carol', modified = '2026-11-25 12:00' WHERE "Id" = 1;
SELECT is((SELECT department || '/' || agent FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'sales/carol', 'running clocks follow the holder');
SELECT is((SELECT department || '/' || agent FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'),
    'billing/bob', 'stopped clocks keep who held the ticket');

UPDATE "Ticket" SET status = 'solved', modified = '2026-11-26 12:00' WHERE "Id" = 1;
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'breached 18:00:00', 'solving stops resolution: 26 business hours less 8 paused');
UPDATE "Ticket" SET status = 'open', modified = '2026-11-27 10:00' WHERE "Id" = 1;
SELECT is((SELECT state || ' ' || paused_for::text || ' ' || due_at::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'running 14:00:00 2026-11-25 16:00:00+00', 'reopening continues resolution; the 6 solved hours do not count');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'), 1, 'no second resolution clock');
UPDATE "Ticket" SET status = 'closed', modified = '2026-11-27 11:00' WHERE "Id" = 1;

SELECT is((SELECT string_agg(event, ',' ORDER BY n) FROM sla.explain('"Ticket"', '1') WITH ORDINALITY x (at, event, metric, cycle, level, detail, due_at, state, business_used, calendar_time, n)),
    'level_chosen,clock_started,clock_started,breach,stopped,clock_started,paused,resumed,breach,stopped,level_chosen,retargeted,reassigned,breach,stopped,reopened,stopped',
    'every transition is an event');
-- closed -> solved -> closed is no reopening: the stopped resolution clock stays as it was
UPDATE "Ticket" SET status = 'solved', modified = '2026-11-30 11:00' WHERE "Id" = 1;
UPDATE "Ticket" SET status = 'closed', modified = '2026-12-03 11:00' WHERE "Id" = 1;
SELECT is((SELECT state || ' ' || stopped_at::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'breached 2026-11-27 11:00:00+00', 'moving between solved and closed leaves the stopped clock alone');
SELECT is((SELECT count(*)::int FROM sla.event WHERE ticket_key = '1' AND at > '2026-11-27 11:00'), 0, 'and records nothing');

-- ---------------------------------------------------------------- other paths
-- created urgent: rules run on insert
INSERT INTO "Ticket" VALUES (2, 'dan@example', 'new', 'urgent', 'billing', 'bob', '2026-11-23 16:30', '2026-11-23 16:30');
SELECT is((SELECT due_at FROM sla.clock WHERE ticket_key = '2' AND metric = 'first_response'), '2026-11-24 09:30+00'::timestamptz,
    'urgent at creation: 1 hour, half of it the next morning');
-- chat channel
INSERT INTO "Article" VALUES (2, 'Customer', false, 'chat', '2026-11-23 16:40');
SELECT is((SELECT due_at FROM sla.clock WHERE ticket_key = '2' AND metric = 'chat_response'), '2026-11-23 16:45+00'::timestamptz,
    'a customer chat message starts chat_response');
INSERT INTO "Article" VALUES (2, 'Agent', false, 'chat', '2026-11-23 16:44');
SELECT is((SELECT string_agg(metric || ':' || state, ',' ORDER BY id) FROM sla.clock WHERE ticket_key = '2' AND metric <> 'resolution'),
    'first_response:met,chat_response:met', 'an agent reply answers chat and first response');
-- deleted
UPDATE "Ticket" SET gone = true, modified = '2026-11-24 10:00' WHERE "Id" = 2;
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '2' AND metric = 'resolution'), 'cancelled', 'deleting cancels running clocks');
-- a ticket created paused and one created solved
INSERT INTO "Ticket" VALUES (3, 'eve@example', 'pending', 'normal', 'billing', 'bob', '2026-11-23 10:00', '2026-11-23 10:00');
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '3' AND metric = 'resolution'), 'paused', 'created pending: paused from the start');
-- solved before any reply cancels the response clock
UPDATE "Ticket" SET status = 'solved', modified = '2026-11-23 12:00' WHERE "Id" = 3;
SELECT is((SELECT string_agg(metric || ':' || state, ',' ORDER BY id) FROM sla.clock WHERE ticket_key = '3'),
    'first_response:cancelled,resolution:met', 'solved before a reply: response cancelled, resolution met');

-- on updates only the rules marked on_update run, and a level is never taken back to the default
INSERT INTO "Ticket" VALUES (6, 'fay@example', 'new', 'urgent', 'billing', 'bob', '2026-11-23 10:00', '2026-11-23 10:00');
UPDATE "Ticket" SET "Prio" = 'normal', modified = '2026-11-23 10:05' WHERE "Id" = 6;
SELECT is((SELECT l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id WHERE t.ticket_key = '6'), 'eng_urgent',
    'lowering the priority matches no update rule: the ticket keeps its level');

-- bulk paths fire the same logic
INSERT INTO "Ticket" SELECT 100 + g, 'bulk@example', 'new', 'normal', 'billing', 'bob', '2026-11-23 09:00', '2026-11-23 09:00'
  FROM generate_series(1, 50) g;
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key::int BETWEEN 101 AND 150), 100, 'INSERT ... SELECT: two clocks per ticket');
COPY "Ticket" ("Id", "from", status, "Prio", team, owner, created, modified) FROM stdin;
200	copy@example	new	normal	billing	bob	2026-11-23 09:00:00	2026-11-23 09:00:00
201	copy@example	new	urgent	billing	bob	2026-11-23 09:00:00	2026-11-23 09:00:00
\.
SELECT is((SELECT string_agg(ticket_key || ':' || due_at::text, ',' ORDER BY ticket_key) FROM sla.clock WHERE ticket_key IN ('200', '201') AND metric = 'first_response'),
    '200:2026-11-23 13:00:00+00,201:2026-11-23 10:00:00+00', 'COPY fires the same logic');

-- a large multi-row insert (more tickets than the lock table holds: no per-ticket lock is kept)
INSERT INTO "Ticket" SELECT 10000 + g, 'bulk@example', 'new', 'normal', 'billing', 'bob', '2026-11-23 09:00', '2026-11-23 09:00'
  FROM generate_series(1, 8000) g;
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key::int > 10000), 16000, 'an 8000-row INSERT ... SELECT');

-- a rolled-back ticket leaves nothing
SAVEPOINT before_rollback;
INSERT INTO "Ticket" VALUES (300, 'x@example', 'new', 'normal', 'billing', 'bob', '2026-11-23 10:00', '2026-11-23 10:00');
ROLLBACK TO SAVEPOINT before_rollback;
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key = '300') + (SELECT count(*)::int FROM sla.event WHERE ticket_key = '300'),
    0, 'a rolled-back ticket leaves no clock and no event');

-- bad input
-- an unmapped status does not fail the helpdesk's write (test/pgtap/mapping_problems.sql has the details)
SAVEPOINT unmapped;
INSERT INTO "Ticket" VALUES (4, 'x', 'weird', 'normal', 'billing', 'bob', '2026-11-23 10:00', '2026-11-23 10:00');
SELECT is((SELECT p.value || ' ' || p.count || ' ' || p.first_ticket_key || ' ' || t.lifecycle
             FROM sla.mapping_problem p JOIN sla.ticket t ON t.attachment_id = p.attachment_id AND t.ticket_key = '4'
            WHERE p.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = '"Ticket"'::regclass)),
    'weird 1 4 open', 'an unmapped status is recorded as a problem, the new ticket is open');
ROLLBACK TO SAVEPOINT unmapped;
SELECT throws_ok($$INSERT INTO "Ticket" VALUES (5, 'x', 'new', 'normal', 'billing', 'bob', NULL, NULL)$$,
    '23502', 'ticket 5 of public."Ticket" has no creation time (column "created" is null)', 'a NULL creation time is an error');
SELECT throws_ok($$INSERT INTO "Article" VALUES (999, 'Agent', false, NULL, '2026-11-23 10:00')$$,
    '23503', 'message refers to ticket 999 which does not exist in public."Ticket"', 'a message for a missing ticket is an error');
SAVEPOINT unknown_author;
INSERT INTO "Article" VALUES (1, 'Robot', false, NULL, '2026-11-23 10:00');
SELECT is((SELECT p.field || ' ' || p.value || ' ' || p.count FROM sla.mapping_problem p
            WHERE p.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = '"Ticket"'::regclass)),
    'author_kind Robot 1', 'an unknown author kind is recorded as a problem');
ROLLBACK TO SAVEPOINT unknown_author;

-- the partial unique index is the last line of defence against two running clocks
SELECT throws_ok($$INSERT INTO sla.clock_int8 (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target, started_at, due_at, state)
    SELECT attachment_id, ticket_key, metric, 9, level_id, calendar_id, target, started_at, due_at, 'running'
      FROM sla.clock_int8 WHERE ticket_key = 101 AND metric = 'resolution'$$,
    '23505', NULL, 'two running clocks of one metric are impossible');

-- detaching removes the triggers and nothing else
SELECT lives_ok($$SELECT sla.detach('"Ticket"')$$, 'detach');
SELECT hasnt_trigger('public', 'Ticket', 'sla_ticket', 'ticket trigger gone');
SELECT hasnt_trigger('public', 'Ticket', 'sla_ticket_update', 'ticket update trigger gone');
SELECT hasnt_trigger('public', 'Ticket', 'sla_ticket_delete', 'ticket delete trigger gone');
SELECT hasnt_trigger('public', 'Article', 'sla_message', 'message trigger gone');
SELECT ok((SELECT count(*) FROM sla.clock) > 100, 'clocks stay after detach');
INSERT INTO "Ticket" VALUES (400, 'x', 'new', 'normal', 'billing', 'bob', '2026-11-23 10:00', '2026-11-23 10:00');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key = '400'), 0, 'a detached table moves no clock');

SELECT * FROM finish();
ROLLBACK;
