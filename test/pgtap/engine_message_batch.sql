-- engine_message_batch.sql — the messages of one INSERT are applied together at its end
-- (src/message_batch.c): the same clocks, events (in the same order in each ticket's timeline),
-- facts and ticket rows as one message at a time, whatever the statement holds: several messages
-- of a ticket, late replies (their breach events), internal notes and system messages, a
-- paused ticket, a deleted one, a message older than its ticket's latest fact, a host trigger
-- that changes the ticket in the middle of the statement, a message of no ticket, a statement
-- rolled back.  The helpdesk "one" has the statement trigger disabled: its messages take the
-- row trigger's own path.  Calendar mon-fri 09:00-17:00 UTC; 2026-11-23 is a Monday.
BEGIN;
SELECT plan(21);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('mb', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('mb_std', 'mb', first_response => '1 hour', next_response => '1 hour',
                           periodic_update => '3 hours', chat_response => '10 minutes', resolution => '2 days',
                           is_default => true) > 0, 'level');

CREATE TABLE mb_bulk (id bigint PRIMARY KEY, st text, created timestamptz);
CREATE TABLE mb_one (id bigint PRIMARY KEY, st text, created timestamptz);
CREATE TABLE mb_bulk_msg (id serial PRIMARY KEY, ticket bigint, who text, internal boolean, channel text, created timestamptz);
CREATE TABLE mb_one_msg (LIKE mb_bulk_msg INCLUDING ALL);
SELECT ok(sla.attach(t, '{"key": "id", "created_at": "created", "status": "st"}', m,
                     '{"ticket": "ticket", "created_at": "created", "author_kind": "who", "internal": "internal",
                       "channel": "channel", "customer_values": ["customer"], "agent_values": ["agent"],
                       "system_values": ["bot"]}') > 0, 'attached ' || t)
  FROM (VALUES ('mb_bulk'::regclass, 'mb_bulk_msg'::regclass), ('mb_one', 'mb_one_msg')) a(t, m);
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'mb_bulk_msg'::regclass AND tgname = 'sla_message_statement_end'
             AND NOT tgisinternal AND tgtype = 4 + 0),
    1, 'attach adds the AFTER INSERT statement trigger sla_message_statement_end');
ALTER TABLE mb_one_msg DISABLE TRIGGER sla_message_statement_end;
SELECT sla.map_status(t, s, l) FROM unnest(ARRAY['mb_bulk', 'mb_one']) t,
       (VALUES ('open', 'open'), ('waiting', 'paused'), ('solved', 'solved'), ('gone', 'deleted')) m(s, l);

CREATE FUNCTION pg_temp.att(t regclass) RETURNS int LANGUAGE sql AS $$ SELECT id FROM sla.attachment WHERE ticket_table = t $$;
-- what the tracking rows say, ids and places left out; and each ticket's timeline in order
CREATE FUNCTION pg_temp.tracked(t regclass) RETURNS TABLE (what text) LANGUAGE sql AS $$
    SELECT 'ticket ' || ticket_key || ' ' || lifecycle || ' ' || agent_replied || ' ' || coalesce(customer_waiting_since::text, '-')
      FROM sla.ticket WHERE attachment_id = pg_temp.att(t)
    UNION ALL
    SELECT 'clock ' || ticket_key || ' ' || metric || ' ' || cycle || ' ' || state || ' ' || started_at || ' ' || due_at
           || ' ' || coalesce(stopped_at::text, '-') || ' ' || coalesce(business_used::text, '-') || ' '
           || coalesce(paused_since::text, '-') || ' ' || warn_at || ' ' || coalesce(breach_seen_at::text, '-') || ' '
           || coalesce(breach_escalation_pending::text, '-')
      FROM sla.clock WHERE attachment_id = pg_temp.att(t)
    UNION ALL
    SELECT 'fact ' || ticket_key || ' ' || seq || ' ' || at || ' ' || kind || ' ' || detail::text
      FROM sla.fact WHERE attachment_id = pg_temp.att(t)
    UNION ALL
    SELECT 'timeline ' || k.id || ': ' || string_agg(x.event || ' ' || x.at || ' ' || coalesce(x.metric::text, '-') || ' '
                                                      || coalesce(x.cycle::text, '-') || ' ' || coalesce(x.detail::text, '-'), ' | ')
      FROM (SELECT id FROM mb_bulk) k, sla.explain(t, k.id::text) x
     GROUP BY k.id
$$;

-- 30 tickets, written alike; ticket 10 and 20 wait on the customer (paused), 13 is deleted
INSERT INTO mb_bulk SELECT g, CASE WHEN g % 10 = 0 THEN 'waiting' ELSE 'open' END,
       '2026-11-23 09:00+00'::timestamptz + g * interval '10 minutes' FROM generate_series(1, 30) g;
INSERT INTO mb_one SELECT * FROM mb_bulk;
UPDATE mb_bulk SET st = 'gone' WHERE id = 13;
UPDATE mb_one SET st = 'gone' WHERE id = 13;

-- each ticket's conversation: a customer follow-up, the first reply (late for most: a breach
-- the stop records), an internal note, a customer message (next_response), a reply for even
-- tickets (on the paused ones its clocks resume to stop: one message at a time), a bot message,
-- a chat for every third; ticket 7 gets a message older than its creation, 8 and 9 one of its
-- instant (after the created fact, which sorts first)
CREATE TABLE mb_src AS
SELECT t.id AS ticket, m.who, m.internal, m.channel, t.created + m.after AS created, m.n
  FROM mb_bulk t,
       LATERAL (VALUES (1, 'customer', false, 'email', interval '5 minutes'),
                       (2, 'agent', false, 'email', (t.id % 4) * interval '50 minutes' + interval '10 minutes'),
                       (3, 'agent', true, 'email', interval '215 minutes'),
                       (4, 'customer', false, 'email', interval '220 minutes'),
                       (5, CASE WHEN t.id % 2 = 0 THEN 'agent' END, false, 'email', interval '250 minutes'),
                       (6, 'bot', false, 'email', interval '251 minutes'),
                       (7, CASE WHEN t.id % 3 = 0 THEN 'customer' END, false, 'chat', interval '260 minutes'),
                       (8, CASE WHEN t.id = 7 THEN 'customer' END, false, 'email', interval '-1 minute'),
                       (9, CASE WHEN t.id IN (8, 9) THEN 'customer' END, false, 'email', interval '0')) m(n, who, internal, channel, after)
 WHERE m.who IS NOT NULL;

-- tickets 21 and 22 are solved now, and their only replies saved in the same transaction, after
-- the solving: a reply of that instant sorts before it (the replay decides)
UPDATE mb_bulk SET st = 'solved' WHERE id IN (21, 22);
UPDATE mb_one SET st = 'solved' WHERE id IN (21, 22);
-- 23 and 24 too, with a log that starts at the solving (a ticket tracked by 0.1.0 logs facts from
-- its first one after the update): such a log cannot be replayed, the reply applies after it
UPDATE mb_bulk SET st = 'solved' WHERE id IN (23, 24);
UPDATE mb_one SET st = 'solved' WHERE id IN (23, 24);
DELETE FROM sla.fact_int8 WHERE attachment_id IN (pg_temp.att('mb_bulk'), pg_temp.att('mb_one')) AND ticket_key IN (23, 24)
   AND kind = 'created';
UPDATE sla.fact_int8 SET seq = 1 WHERE attachment_id IN (pg_temp.att('mb_bulk'), pg_temp.att('mb_one')) AND ticket_key IN (23, 24);
DELETE FROM mb_src WHERE ticket IN (21, 22, 23, 24);
INSERT INTO mb_src SELECT id, 'agent', false, 'email', now(), 10 FROM generate_series(21, 24) id;

INSERT INTO mb_bulk_msg (ticket, who, internal, channel, created) SELECT ticket, who, internal, channel, created FROM mb_src ORDER BY created, ticket, n;
INSERT INTO mb_one_msg (ticket, who, internal, channel, created) SELECT ticket, who, internal, channel, created FROM mb_src ORDER BY created, ticket, n;
SELECT set_eq($$SELECT * FROM pg_temp.tracked('mb_one')$$, $$SELECT * FROM pg_temp.tracked('mb_bulk')$$,
    'the messages of one INSERT leave the clocks, events, facts and timelines of one message at a time');
SELECT is((SELECT count(*)::int FROM sla.event WHERE attachment_id = pg_temp.att('mb_bulk') AND kind = 'breach'),
          (SELECT count(*)::int FROM sla.event WHERE attachment_id = pg_temp.att('mb_one') AND kind = 'breach'),
    'as many late breaches recorded');
SELECT cmp_ok((SELECT count(*)::int FROM sla.event WHERE attachment_id = pg_temp.att('mb_bulk') AND kind = 'breach'), '>=', 10,
    'of which there are some');
SELECT is((SELECT count(*)::int FROM sla.fact WHERE attachment_id = pg_temp.att('mb_bulk') AND kind = 'message'),
    (SELECT count(*)::int FROM mb_src WHERE who <> 'bot'), 'a fact per message (the deleted ticket''s too), the bot''s left out');
SELECT is((SELECT count(*)::int FROM (SELECT ticket_key, pg_catalog.count(*) FROM sla.clock
                                        WHERE attachment_id = pg_temp.att('mb_bulk') AND state IN ('running', 'paused')
                                        GROUP BY ticket_key, metric HAVING pg_catalog.count(*) > 1) x),
    0, 'never two active clocks of one metric');

-- ---------------------------------------------------------------- a host trigger in the middle
-- the helpdesk reopens a waiting ticket when its customer writes: the ticket's UPDATE reads the
-- tracking rows while the statement's messages are queued; they are applied first
CREATE FUNCTION pg_temp.reopen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.who = 'customer' THEN
        EXECUTE format('UPDATE %I SET st = ''open'' WHERE id = $1 AND st = ''waiting''', TG_ARGV[0]) USING NEW.ticket;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER zz_reopen AFTER INSERT ON mb_bulk_msg FOR EACH ROW EXECUTE FUNCTION pg_temp.reopen('mb_bulk');
CREATE TRIGGER zz_reopen AFTER INSERT ON mb_one_msg FOR EACH ROW EXECUTE FUNCTION pg_temp.reopen('mb_one');
UPDATE mb_bulk SET st = 'waiting' WHERE id IN (4, 5, 6);
UPDATE mb_one SET st = 'waiting' WHERE id IN (4, 5, 6);
CREATE TEMP TABLE mb_src2 AS
SELECT t.id AS ticket, m.who, false AS internal, 'email' AS channel, '2026-11-24 10:00+00'::timestamptz + t.id * interval '1 minute' + m.after AS created
  FROM generate_series(1, 9) t(id),
       LATERAL (VALUES ('agent', interval '0'), ('customer', interval '30 seconds'), ('agent', interval '20 minutes')) m(who, after);
INSERT INTO mb_bulk_msg (ticket, who, internal, channel, created) SELECT * FROM mb_src2 ORDER BY created;
INSERT INTO mb_one_msg (ticket, who, internal, channel, created) SELECT * FROM mb_src2 ORDER BY created;
SELECT set_eq($$SELECT * FROM pg_temp.tracked('mb_one')$$, $$SELECT * FROM pg_temp.tracked('mb_bulk')$$,
    'a ticket changed by a host trigger in the middle of the INSERT: its messages before it are applied first');
SELECT is((SELECT string_agg(lifecycle, ' ' ORDER BY ticket_key::int) FROM sla.ticket
            WHERE attachment_id = pg_temp.att('mb_bulk') AND ticket_key::int IN (4, 5, 6)),
    'open open open', 'the waiting tickets were reopened by their customers');
DROP TRIGGER zz_reopen ON mb_bulk_msg;
DROP TRIGGER zz_reopen ON mb_one_msg;

-- ---------------------------------------------------------------- errors and rollbacks
SELECT throws_ok($$INSERT INTO mb_bulk_msg (ticket, who, internal, channel, created)
                   VALUES (1, 'customer', false, 'email', '2026-11-25 10:00+00'), (999, 'customer', false, 'email', '2026-11-25 10:00+00')$$,
    '23503', 'message refers to ticket 999 which does not exist in public.mb_bulk',
    'a message of no ticket fails its INSERT, as with one message at a time');
-- an error while the batch applies its messages (a reply dated infinity: business time out of
-- range) fails the INSERT and leaves the engine as it was: the next message is written
SELECT throws_ok($$INSERT INTO mb_bulk_msg (ticket, who, internal, channel, created)
                   VALUES (25, 'agent', false, 'email', '2026-11-25 10:00+00'), (26, 'agent', false, 'email', 'infinity')$$,
    '22008', NULL, 'an error while the batch applies its messages fails the INSERT');
INSERT INTO mb_bulk_msg (ticket, who, internal, channel, created) VALUES (25, 'agent', false, 'email', '2026-11-25 10:00+00');
INSERT INTO mb_one_msg (ticket, who, internal, channel, created) VALUES (25, 'agent', false, 'email', '2026-11-25 10:00+00');
SELECT is((SELECT state FROM sla.clock WHERE attachment_id = pg_temp.att('mb_bulk') AND ticket_key::int = 25
              AND metric = 'next_response' ORDER BY cycle DESC LIMIT 1),
    'breached', 'and the engine writes the next message as it comes: its reply stops the clock');
SAVEPOINT before_bulk;
INSERT INTO mb_bulk_msg (ticket, who, internal, channel, created)
     SELECT g, 'agent', false, 'email', '2026-11-25 11:00+00' FROM generate_series(1, 5) g;
ROLLBACK TO SAVEPOINT before_bulk;
SELECT set_eq($$SELECT * FROM pg_temp.tracked('mb_one')$$, $$SELECT * FROM pg_temp.tracked('mb_bulk')$$,
    'an INSERT rolled back to a savepoint leaves nothing behind');
-- a host trigger whose exception block undoes what it wrote after the engine applied the queue
-- inside it: the messages are applied again at the end of the INSERT
CREATE FUNCTION pg_temp.try_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('UPDATE %I SET st = st WHERE id = $1', TG_ARGV[0]) USING NEW.ticket;
        RAISE EXCEPTION 'undo the touch';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    RETURN NULL;
END $$;
CREATE TRIGGER zz_try AFTER INSERT ON mb_bulk_msg FOR EACH ROW EXECUTE FUNCTION pg_temp.try_touch('mb_bulk');
CREATE TRIGGER zz_try AFTER INSERT ON mb_one_msg FOR EACH ROW EXECUTE FUNCTION pg_temp.try_touch('mb_one');
INSERT INTO mb_bulk_msg (ticket, who, internal, channel, created)
     SELECT g, w, false, 'email', '2026-11-25 12:00+00'::timestamptz + g * interval '1 minute'
       FROM generate_series(14, 19) g, unnest(ARRAY['customer', 'agent']) w;
INSERT INTO mb_one_msg (ticket, who, internal, channel, created)
     SELECT g, w, false, 'email', '2026-11-25 12:00+00'::timestamptz + g * interval '1 minute'
       FROM generate_series(14, 19) g, unnest(ARRAY['customer', 'agent']) w;
SELECT set_eq($$SELECT * FROM pg_temp.tracked('mb_one')$$, $$SELECT * FROM pg_temp.tracked('mb_bulk')$$,
    'messages applied in a subtransaction that rolled back are applied again, once');
DROP TRIGGER zz_try ON mb_bulk_msg;
DROP TRIGGER zz_try ON mb_one_msg;

-- ---------------------------------------------------------------- keys spelt differently
-- a message table whose ticket column is text, for integer ticket keys: '7', '007' and ' 7' name
-- one ticket, which gets one state, its messages applied in the order they came
CREATE TABLE mb_key (id bigint PRIMARY KEY, st text, created timestamptz);
CREATE TABLE mb_key_msg (ticket text, who text, created timestamptz);
CREATE TABLE mb_key1 (LIKE mb_key INCLUDING ALL);
CREATE TABLE mb_key1_msg (LIKE mb_key_msg);
SELECT sla.attach(t, '{"key": "id", "created_at": "created", "status": "st"}', m,
                  '{"ticket": "ticket", "created_at": "created", "author_kind": "who",
                    "customer_values": ["customer"], "agent_values": ["agent"]}') > 0
  FROM (VALUES ('mb_key'::regclass, 'mb_key_msg'::regclass), ('mb_key1', 'mb_key1_msg')) a(t, m);
ALTER TABLE mb_key1_msg DISABLE TRIGGER sla_message_statement_end;
SELECT sla.map_status(t, 'open', 'open') FROM unnest(ARRAY['mb_key', 'mb_key1']) t;
INSERT INTO mb_key VALUES (7, 'open', '2026-11-23 10:00+00'), (8, 'open', '2026-11-23 10:00+00');
INSERT INTO mb_key1 SELECT * FROM mb_key;
INSERT INTO mb_key_msg VALUES ('7', 'agent', '2026-11-23 11:00+00'), ('007', 'customer', '2026-11-23 12:00+00'),
                              ('8', 'agent', '2026-11-23 12:10+00'), (' 7', 'agent', '2026-11-23 12:30+00');
INSERT INTO mb_key1_msg SELECT * FROM mb_key_msg;
SELECT set_eq($$SELECT * FROM pg_temp.tracked('mb_key1') WHERE what !~ '^timeline'$$,
              $$SELECT * FROM pg_temp.tracked('mb_key') WHERE what !~ '^timeline'$$,
    'keys spelt differently for one ticket: one state, the messages applied in order');

-- ---------------------------------------------------------------- misused statement triggers
CREATE TABLE mb_wrong (x int);
CREATE TRIGGER w AFTER INSERT ON mb_wrong FOR EACH ROW EXECUTE FUNCTION sla.message_statement_end();
SELECT throws_ok($$INSERT INTO mb_wrong VALUES (1)$$, '39P01',
    'sla.message_statement_end() must be an AFTER ... FOR EACH STATEMENT trigger', 'the messages'' statement trigger as a row trigger');
DROP TRIGGER w ON mb_wrong;
CREATE TRIGGER w BEFORE INSERT ON mb_wrong FOR EACH STATEMENT EXECUTE FUNCTION sla.ticket_statement_end();
SELECT throws_ok($$INSERT INTO mb_wrong VALUES (1)$$, '39P01',
    'sla.ticket_statement_end() must be an AFTER ... FOR EACH STATEMENT trigger', 'the new tickets'' one as a BEFORE trigger');

-- ---------------------------------------------------------------- detach
SELECT sla.detach('mb_bulk');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'mb_bulk_msg'::regclass AND tgname LIKE 'sla%'),
    0, 'detach drops the message table''s statement trigger with the others');

SELECT * FROM finish();
ROLLBACK;
