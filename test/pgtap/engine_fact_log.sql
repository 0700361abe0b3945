-- engine_fact_log.sql — the fact log and the canonical order within an instant: facts of one
-- instant apply as messages, then attribute changes, then lifecycle changes, whatever order the
-- helpdesk wrote them in.  Calendar mon-fri 09:00-17:00 UTC; Monday 2026-11-23.
BEGIN;
SELECT plan(33);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('fl', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('fl_std', 'fl', first_response => '4 hours', periodic_update => '8 hours',
                           chat_response => '1 hour', resolution => '2 days', is_default => true) > 0, 'level');
CREATE TABLE fl_ticket (id int PRIMARY KEY, st text, created timestamptz, updated timestamptz);
CREATE TABLE fl_msg (id serial PRIMARY KEY, ticket int, kind text, channel text, created timestamptz);
SELECT ok(sla.attach('fl_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}',
                     'fl_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "kind",
                                 "customer_values": ["customer"], "agent_values": ["agent"],
                                 "channel": "channel", "chat_values": ["chat"]}') > 0, 'attached');
SELECT sla.map_status('fl_ticket', s, l) FROM (VALUES ('open', 'open'), ('pending', 'paused'), ('solved', 'solved')) v (s, l);

CREATE FUNCTION pg_temp.clocks(k text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(metric || '#' || cycle || ':' || state, ', ' ORDER BY metric, cycle)
      FROM sla.clock WHERE ticket_key = k $$;
CREATE FUNCTION pg_temp.events(k text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(x.event || coalesce(':' || x.metric || '#' || x.cycle, ''), ',' ORDER BY x.n)
      FROM sla.explain('fl_ticket', k) WITH ORDINALITY x (at, event, metric, cycle, level, detail, due_at, state,
                                                          business_used, calendar_time, n) $$;

-- 1. The close written first, the reply at the same instant afterwards (one transaction): the
--    reply counts, so first_response is met, not cancelled before a reply.
INSERT INTO fl_ticket VALUES (1, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
UPDATE fl_ticket SET st = 'solved', updated = '2026-11-23 11:00+00' WHERE id = 1;
INSERT INTO fl_msg (ticket, kind, channel, created) VALUES (1, 'agent', 'email', '2026-11-23 11:00+00');
SELECT is(pg_temp.clocks('1'),
    'first_response#1:met, periodic_update#1:met, periodic_update#2:cancelled, resolution#1:met',
    'a reply saved after the close at the same instant counts as the reply');
-- the same history written in the canonical order gives the same clocks
INSERT INTO fl_ticket VALUES (2, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
INSERT INTO fl_msg (ticket, kind, channel, created) VALUES (2, 'agent', 'email', '2026-11-23 11:00+00');
UPDATE fl_ticket SET st = 'solved', updated = '2026-11-23 11:00+00' WHERE id = 2;
SELECT is(pg_temp.clocks('2'), pg_temp.clocks('1'), 'the order the helpdesk wrote them in does not matter');
SELECT is(pg_temp.events('1'), pg_temp.events('2'), 'and the events are those of the canonical order');
SELECT is((SELECT state || ' ' || business_used::text || ' ' || stopped_at::text FROM sla.clock
            WHERE ticket_key = '1' AND metric = 'first_response'),
    'met 02:00:00 2026-11-23 11:00:00+00', 'first_response stopped at the reply');

-- 2. The log: arrival order, what the model read, the row counts them
SELECT is((SELECT string_agg(seq || ' ' || kind || ' ' || (detail - 'chosen' - 'v')::text, ' | ' ORDER BY seq) FROM sla.fact WHERE ticket_key = '1'),
    '1 created {"level": ' || (SELECT id FROM sla.level WHERE name = 'fl_std') || ', "lifecycle": "open"} | '
    '2 lifecycle {"lifecycle": "solved"} | '
    '3 message {"author": "agent", "public": true, "response": "next_response"}',
    'the fact log keeps each fact in arrival order with what the clock model read');
SELECT is((SELECT string_agg(DISTINCT (detail ->> 'v')::int::text, ',') FROM sla.fact WHERE ticket_key = '1'),
          (SELECT max(policy_version)::text FROM sla.clock WHERE ticket_key = '1'),
    'each fact names the policy version it was applied under ("v", the clocks'' version; sla.replay_history reads it)');
SELECT is((SELECT max(seq) || ' ' || max(at)::text FROM sla.fact WHERE ticket_key = '1'),
    '3 2026-11-23 11:00:00+00', 'the log numbers the facts and holds the latest instant');

-- 3. Zammad's follow-up: the ticket reopened, then the customer's article at the same instant
INSERT INTO fl_ticket VALUES (3, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
UPDATE fl_ticket SET st = 'pending', updated = '2026-11-23 10:00+00' WHERE id = 3;
UPDATE fl_ticket SET st = 'open', updated = '2026-11-23 12:00+00' WHERE id = 3;
INSERT INTO fl_msg (ticket, kind, channel, created) VALUES (3, 'customer', 'chat', '2026-11-23 12:00+00');
SELECT is(pg_temp.events('3'),
    'level_chosen,clock_started:first_response#1,clock_started:periodic_update#1,clock_started:resolution#1,'
    'paused:periodic_update#1,paused:resolution#1,clock_started:chat_response#1,resumed:periodic_update#1,resumed:resolution#1',
    'the article applies before the reopening: its clock starts first');
SELECT is((SELECT paused_for::text || ' ' || due_at::text FROM sla.clock WHERE ticket_key = '3' AND metric = 'resolution'),
    '02:00:00 2026-11-25 11:00:00+00', 'resolution resumed with the two paused hours added');

-- 4. A ticket created solved, then a chat message of the creation instant: the message applies
--    first (the ticket arrives open and is solved at once), so its clock starts and is cancelled
INSERT INTO fl_ticket VALUES (4, 'solved', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
INSERT INTO fl_msg (ticket, kind, channel, created) VALUES (4, 'customer', 'chat', '2026-11-23 09:00+00');
SELECT is(pg_temp.clocks('4'),
    'first_response#1:cancelled, periodic_update#1:cancelled, chat_response#1:cancelled, resolution#1:met',
    'a message of the creation instant of a ticket created solved applies before the solving');

-- 5. A fact dated before the latest one takes effect at the latest instant: no replay
INSERT INTO fl_ticket VALUES (5, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
UPDATE fl_ticket SET st = 'pending', updated = '2026-11-23 12:00+00' WHERE id = 5;
INSERT INTO fl_msg (ticket, kind, channel, created) VALUES (5, 'agent', 'email', '2026-11-23 10:00+00');
SELECT is((SELECT at::text FROM sla.fact WHERE ticket_key = '5' AND seq = 3), '2026-11-23 12:00:00+00',
    'a reply dated before the latest fact is logged at the latest instant');
SELECT is((SELECT stopped_at::text FROM sla.clock WHERE ticket_key = '5' AND metric = 'first_response'),
    '2026-11-23 12:00:00+00', 'and stops first_response there');

-- 6. A ticket without its history in the log (tracked before 0.2.0): arrival order, as 0.1.0 did
INSERT INTO fl_ticket VALUES (6, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
DELETE FROM sla.fact_int4 WHERE ticket_key = 6;
UPDATE fl_ticket SET st = 'solved', updated = '2026-11-23 11:00+00' WHERE id = 6;
INSERT INTO fl_msg (ticket, kind, channel, created) VALUES (6, 'agent', 'email', '2026-11-23 11:00+00');
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '6' AND metric = 'first_response'), 'cancelled',
    'without the ticket''s whole history in the log, facts apply in arrival order');

-- 7. A changed ticket key carries the tracking rows along: never two sets of clocks
INSERT INTO fl_ticket VALUES (7, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
UPDATE fl_ticket SET id = 70, updated = '2026-11-23 10:00+00' WHERE id = 7;
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key = '7') + (SELECT count(*)::int FROM sla.fact WHERE ticket_key = '7')
          + (SELECT count(*)::int FROM sla.event WHERE ticket_key = '7') + (SELECT count(*)::int FROM sla.ticket WHERE ticket_key = '7'),
    0, 'no tracking row is left under the old key');
SELECT is(pg_temp.clocks('70'), 'first_response#1:running, periodic_update#1:running, resolution#1:running',
    'the clocks go on under the new key, not started again');
SELECT is((SELECT detail::text FROM sla.event WHERE ticket_key = '70' AND kind = 'key_changed'),
    '{"to": "70", "from": "7"}', 'a key_changed event names both keys');
INSERT INTO fl_msg (ticket, kind, channel, created) VALUES (70, 'agent', 'email', '2026-11-23 11:00+00');
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '70' AND metric = 'first_response'), 'met',
    'a reply to the ticket under its new key stops its clock');
-- the new key is the key of a ticket deleted before, whose history sla keeps: refused
DELETE FROM fl_ticket WHERE id = 6;
SELECT throws_ok($$UPDATE fl_ticket SET id = 6 WHERE id = 70$$, '23505',
    'ticket key 70 changed to 6, which sla tracks already', 'a key taken by another ticket''s history is refused');

-- 8. last_message_author / last_message_at: kept from the message facts, read by the rules
SELECT ok(sla.define_level('fl_hot', 'fl', first_response => '1 hour', resolution => '4 hours') > 0, 'a second level');
INSERT INTO sla.rule (name, position, active, on_update, set_level_id)
     VALUES ('customer waiting', 10, true, true, (SELECT id FROM sla.level WHERE name = 'fl_hot'));
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     VALUES ((SELECT id FROM sla.rule WHERE name = 'customer waiting'), 1, 1, 'last_message_author', 'equals', '"customer"');
INSERT INTO fl_ticket VALUES (8, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
SELECT is((SELECT l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id WHERE t.ticket_key = '8'), 'fl_std',
    'a new ticket without messages: the rule reading last_message_author does not match');
INSERT INTO fl_msg (ticket, kind, channel, created) VALUES (8, 'customer', 'email', '2026-11-23 09:30+00');
SELECT is((SELECT (detail ->> 'author') || ' ' || at::text FROM sla.fact WHERE ticket_key = '8' AND kind = 'message'),
    'customer 2026-11-23 09:30:00+00', 'the log holds who wrote last and when');
SELECT is((SELECT l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id WHERE t.ticket_key = '8'), 'fl_hot',
    'a customer message makes the on_update rule choose its level without a ticket update');
SELECT is((SELECT due_at::text FROM sla.clock WHERE ticket_key = '8' AND metric = 'first_response'),
    '2026-11-23 10:00:00+00', 'and the running clocks are re-targeted to it from their start');
SELECT is((SELECT string_agg(kind, ',' ORDER BY seq) FROM sla.fact WHERE ticket_key = '8'), 'created,message,level',
    'the level change is a fact after the message');
-- the latest public message further back than the last 16 facts (the tail read first): twenty
-- status changes after the customer's message, each re-evaluating the rule
INSERT INTO fl_ticket VALUES (80, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
INSERT INTO fl_msg (ticket, kind, channel, created) VALUES (80, 'customer', 'email', '2026-11-23 09:30+00');
-- (a rule after it for tickets without a message: the level shows which one matched)
SELECT ok(sla.define_level('fl_quiet', 'fl', first_response => '8 hours') > 0, 'a level for tickets without messages');
INSERT INTO sla.rule (name, position, active, on_update, set_level_id)
     VALUES ('nobody wrote', 20, true, true, (SELECT id FROM sla.level WHERE name = 'fl_quiet'));
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     VALUES ((SELECT id FROM sla.rule WHERE name = 'nobody wrote'), 1, 1, 'last_message_author', 'is_empty', NULL),
            -- (reading the status: a status change re-evaluates the rules)
            ((SELECT id FROM sla.rule WHERE name = 'nobody wrote'), 1, 2, 'status', 'not_equals', '"closed"');
UPDATE fl_ticket SET st = CASE WHEN g % 2 = 1 THEN 'pending' ELSE 'open' END,
                     updated = '2026-11-23 10:00+00'::timestamptz + g * interval '1 minute'
  FROM generate_series(1, 20) g WHERE id = 80 AND g = 1;
DO $$ BEGIN FOR g IN 2..20 LOOP
    UPDATE fl_ticket SET st = CASE WHEN g % 2 = 1 THEN 'pending' ELSE 'open' END,
                         updated = '2026-11-23 10:00+00'::timestamptz + g * interval '1 minute' WHERE id = 80;
END LOOP; END $$;
SELECT is((SELECT count(*)::int FROM sla.fact WHERE ticket_key = '80' AND seq > (SELECT seq FROM sla.fact WHERE ticket_key = '80' AND kind = 'message')),
    21, 'the message is followed by 21 facts (its level, twenty status changes)');
SELECT is((SELECT l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id WHERE t.ticket_key = '80'), 'fl_hot',
    'the rule still reads the customer as the last author');
DELETE FROM sla.rule WHERE name = 'nobody wrote';

-- 9. Two facts out of order in one trigger: the customer's message after the hold of the same
--    instant (a replay), then the level its rule chooses (another replay, from the first one's state)
INSERT INTO fl_ticket VALUES (9, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
UPDATE fl_ticket SET st = 'pending', updated = '2026-11-23 10:00+00' WHERE id = 9;
INSERT INTO fl_msg (ticket, kind, channel, created) VALUES (9, 'customer', 'email', '2026-11-23 10:00+00');
SELECT is((SELECT string_agg(kind, ',' ORDER BY seq) FROM sla.fact WHERE ticket_key = '9'), 'created,lifecycle,message,level',
    'the log keeps the arrival order');
SELECT is(pg_temp.clocks('9') || ' / ' || (SELECT target::text || ' ' || paused_since::text FROM sla.clock
                                            WHERE ticket_key = '9' AND metric = 'resolution'),
    'first_response#1:running, periodic_update#1:cancelled, resolution#1:paused / 04:00:00 2026-11-23 10:00:00+00',
    'message, level, then hold: the hot level''s clocks, resolution on hold with its target');

-- no statement chooses events or facts by their detail: ANALYZE keeps no statistics on it (a
-- sort of jsonb samples of the largest tables, for no plan)
SELECT is((SELECT string_agg(c.relname || '.' || a.attname || '=' || coalesce(a.attstattarget::integer, -1), ', '
                             ORDER BY c.relname)
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.relnamespace = 'sla'::regnamespace AND c.relkind = 'r' AND a.attname = 'detail'
              AND (c.relname LIKE 'event\_%' OR c.relname LIKE 'fact\_%')),
          'event_int4.detail=0, event_int8.detail=0, event_text.detail=0, event_uuid.detail=0, '
          'fact_int4.detail=0, fact_int8.detail=0, fact_text.detail=0, fact_uuid.detail=0',
          'the events'' and facts'' detail columns keep no statistics');

SELECT * FROM finish();
ROLLBACK;
