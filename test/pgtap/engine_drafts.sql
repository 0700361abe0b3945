-- engine_drafts.sql — a message counts when it becomes published: drafts inserted and autosaved
-- move nothing, the UPDATE that publishes is the message's fact (dated by published_at, the
-- message's updated_at, or now()), edits of published messages move nothing; the published
-- mapping as a boolean column, a column with a value list and a function of the row; attach
-- validation, detach and attach replace; backfill replays published messages only, in the order
-- they were published.
-- Calendar: mon-fri 09:00-17:00 UTC; 2026-11-23 is a Monday.
BEGIN;
SELECT plan(59);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('drafts', 'UTC', 'mon-fri 09:00-17:00') IS NOT NULL, 'calendar');
SELECT ok(sla.define_level('drafts_std', 'drafts', first_response => '4 hours', next_response => '2 hours',
                           is_default => true) IS NOT NULL, 'default level');

-- The response clocks of a ticket: metric:cycle:state:started:stopped, in a fixed order.
CREATE FUNCTION pg_temp.clocks(tbl regclass, key text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(k.metric || ':' || k.cycle || ':' || k.state || ':' || k.started_at::text
                               || ':' || coalesce(k.stopped_at::text, '-'), ', ' ORDER BY k.metric, k.cycle), '')
      FROM sla.clock k JOIN sla.attachment a ON a.id = k.attachment_id
     WHERE a.ticket_table = tbl AND k.ticket_key = key
$$;
-- Events written for a ticket so far (nothing moved: the count stays).
-- the ticket's timeline as sla.explain shows it (the rules' choice and the clocks' starts are
-- derived from the fact log and the clock rows, the rest are sla.event rows)
CREATE FUNCTION pg_temp.events(tbl regclass, key text) RETURNS integer LANGUAGE sql AS $$
    SELECT count(*)::int FROM sla.explain(tbl, key)
$$;

-- ================================================================ a boolean column + published_at
CREATE TABLE d_ticket (id int PRIMARY KEY, st text, created timestamp);
CREATE TABLE d_msg (id int PRIMARY KEY, ticket int, sender text, is_sent boolean, body text,
                    created timestamp, sent_at timestamp, note text);

-- ---------------------------------------------------------------- attach validation
SELECT throws_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published": "nope"}')$$,
    '42703', 'column "nope" of relation public.d_msg does not exist (mapping of published)', 'published: unknown column');
SELECT throws_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published": "body"}')$$,
    '42804', 'column "body" of relation public.d_msg has type text, which cannot be mapped as published without published_values',
    'published: a text column needs published_values');
SELECT throws_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published": "is_sent", "published_at": "body"}')$$,
    '42804', 'column "body" of relation public.d_msg has type text, which cannot be mapped as published_at',
    'published_at: a time column');
SELECT throws_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published_values": ["sent"]}')$$,
    '22023', 'the message mapping has published_values but no published column', 'published_values alone');
SELECT throws_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published": "body", "published_values": []}')$$,
    '22023', 'published_values of column "body" is empty: no message would ever count', 'published_values empty');
SELECT throws_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published": "body", "published_values": "sent"}')$$,
    '22023', 'message mapping key "published_values" must be a JSON array of values, not "sent"', 'published_values a lone value');
SELECT throws_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published_at": "sent_at"}')$$,
    '22023', 'the message mapping has published_at (column "sent_at") but neither published nor published_function',
    'published_at alone');
CREATE FUNCTION d_msg_text(d_msg) RETURNS text LANGUAGE sql AS $$ SELECT $1.body $$;
CREATE FUNCTION d_msg_sent(d_msg) RETURNS boolean LANGUAGE sql AS $$ SELECT $1.is_sent $$;
SELECT throws_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published": "is_sent", "published_function": "d_msg_sent(d_msg)"}')$$,
    '22023', 'the message mapping names both published (column "is_sent") and published_function: one tells drafts from published messages',
    'published and published_function');
SELECT throws_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published_function": "d_msg_text(d_msg)"}')$$,
    '42804', 'the published_function public.d_msg_text(public.d_msg) of public.d_msg returns text, not boolean',
    'published_function must return boolean');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'd_msg'::regclass), 0, 'failed attaches left no trigger');

SELECT lives_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published": "is_sent", "published_at": "sent_at"}')$$, 'attach with a boolean published column');
SELECT trigger_is('public', 'd_msg', 'sla_message_update', 'sla', 'message_updated', 'the UPDATE trigger is added');
SELECT is((SELECT pg_get_triggerdef(oid) ~ 'WHEN \(\(\(new\.is_sent IS TRUE\) AND \(old\.is_sent IS NOT TRUE\)\)\)'
             FROM pg_trigger WHERE tgrelid = 'd_msg'::regclass AND tgname = 'sla_message_update'), true,
    'its WHEN clause lets only the update that sets the flag reach C');
SELECT sla.map_status('d_ticket', 'open', 'open');

-- ---------------------------------------------------------------- drafts, autosaves, publishing
INSERT INTO d_ticket VALUES (1, 'open', '2026-11-23 10:00');
SELECT is(pg_temp.clocks('d_ticket', '1'), 'first_response:1:running:2026-11-23 10:00:00+00:-', 'ticket 1: first_response runs');
SELECT is(pg_temp.events('d_ticket', '1'), 2, 'ticket 1: level chosen, clock started');
INSERT INTO d_msg VALUES (1, 1, 'a', false, 'Dear', '2026-11-23 10:30', NULL);
SELECT is(pg_temp.clocks('d_ticket', '1'), 'first_response:1:running:2026-11-23 10:00:00+00:-', 'an agent draft inserted moves nothing');
UPDATE d_msg SET body = 'Dear customer' WHERE id = 1;
UPDATE d_msg SET body = 'Dear customer, we' WHERE id = 1;
UPDATE d_msg SET body = 'Dear customer, we fixed it', note = 'autosave' WHERE id = 1;
SELECT is(pg_temp.clocks('d_ticket', '1'), 'first_response:1:running:2026-11-23 10:00:00+00:-', 'autosaves of the draft move nothing');
SELECT is(pg_temp.events('d_ticket', '1'), 2, 'no event from the draft or its autosaves');
UPDATE d_msg SET is_sent = true, sent_at = '2026-11-23 11:15' WHERE id = 1;
SELECT is(pg_temp.clocks('d_ticket', '1'), 'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 11:15:00+00',
    'the update that publishes stops first_response at the published instant');

-- a customer's draft, published later: next_response starts then
INSERT INTO d_msg VALUES (2, 1, 'c', false, 'Still', '2026-11-23 12:00', NULL);
UPDATE d_msg SET body = 'Still broken' WHERE id = 2;
SELECT is(pg_temp.events('d_ticket', '1'), 3, 'a customer draft and its autosave move nothing');
UPDATE d_msg SET is_sent = true, sent_at = '2026-11-23 13:00' WHERE id = 2;
SELECT is(pg_temp.clocks('d_ticket', '1'),
    'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 11:15:00+00, next_response:1:running:2026-11-23 13:00:00+00:-',
    'the customer draft published starts next_response at its published instant');
SELECT is((SELECT due_at FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'
             AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'd_ticket'::regclass)),
    '2026-11-23 15:00+00'::timestamptz, 'next_response due two business hours after publishing');

-- published messages edited: nothing
UPDATE d_msg SET body = 'Dear customer, we fixed it (typo)', sent_at = '2026-11-23 13:30' WHERE id = 1;
UPDATE d_msg SET is_sent = true WHERE id = 2;
SELECT is(pg_temp.events('d_ticket', '1'), 4, 'editing published messages moves nothing');

-- inserted as published: counts at published_at, else at its creation
INSERT INTO d_msg VALUES (3, 1, 'a', true, 'Done', '2026-11-23 14:00', NULL);
SELECT is(pg_temp.clocks('d_ticket', '1'),
    'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 11:15:00+00, next_response:1:met:2026-11-23 13:00:00+00:2026-11-23 14:00:00+00',
    'a message inserted published without published_at counts at its creation');
INSERT INTO d_ticket VALUES (2, 'open', '2026-11-23 10:00');
INSERT INTO d_msg VALUES (4, 2, 'a', true, 'Hi', '2026-11-23 10:05', '2026-11-23 10:45');
SELECT is(pg_temp.clocks('d_ticket', '2'), 'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 10:45:00+00',
    'a message inserted published counts at its published_at');

-- a NULL flag is a draft
INSERT INTO d_ticket VALUES (3, 'open', '2026-11-23 10:00');
INSERT INTO d_msg VALUES (5, 3, 'a', NULL, 'Hi', '2026-11-23 10:05', NULL);
UPDATE d_msg SET is_sent = false WHERE id = 5;
SELECT is(pg_temp.clocks('d_ticket', '3'), 'first_response:1:running:2026-11-23 10:00:00+00:-', 'a NULL or false flag is a draft');
-- published without published_at, and no updated_at mapped: now()
UPDATE d_msg SET is_sent = true WHERE id = 5;
SELECT is((SELECT stopped_at FROM sla.clock k JOIN sla.attachment a ON a.id = k.attachment_id
            WHERE a.ticket_table = 'd_ticket'::regclass AND k.ticket_key = '3' AND k.metric = 'first_response'),
    now(), 'published by an update without published_at or updated_at: at the transaction''s start');

-- ---------------------------------------------------------------- attach replace, detach
SELECT lives_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published": "is_sent", "published_at": "sent_at"}', replace => true)$$, 'attach replace');
SELECT trigger_is('public', 'd_msg', 'sla_message_update', 'sla', 'message_updated', 'attach replace keeps the UPDATE trigger');
INSERT INTO d_ticket VALUES (4, 'open', '2026-11-23 10:00');
INSERT INTO d_msg VALUES (6, 4, 'a', false, 'Hi', '2026-11-23 10:05', NULL);
UPDATE d_msg SET is_sent = true, sent_at = '2026-11-23 10:50' WHERE id = 6;
SELECT is(pg_temp.clocks('d_ticket', '4'), 'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 10:50:00+00',
    'after attach replace a publishing update still counts');
SELECT sla.detach('d_ticket');
SELECT hasnt_trigger('public', 'd_msg', 'sla_message_update', 'detach drops the UPDATE trigger');
SELECT hasnt_trigger('public', 'd_msg', 'sla_message', 'detach drops the INSERT trigger');
SELECT lives_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"]}')$$,
    'attached again without a published mapping');
SELECT hasnt_trigger('public', 'd_msg', 'sla_message_update', 'no published mapping: no UPDATE trigger');
INSERT INTO d_ticket VALUES (5, 'open', '2026-11-23 10:00');
INSERT INTO d_msg VALUES (7, 5, 'a', false, 'Hi', '2026-11-23 10:20', '2026-11-23 10:40');
SELECT is(pg_temp.clocks('d_ticket', '5'), 'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 10:20:00+00',
    'without a published mapping every inserted message counts, at its creation (as in 0.1.0)');
-- the published mapping added by replace: the trigger appears; removed by replace: it goes
SELECT lives_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published": "is_sent"}', replace => true)$$, 'attach replace adding published');
SELECT has_trigger('public', 'd_msg', 'sla_message_update', 'attach replace adding published adds the UPDATE trigger');
SELECT lives_ok($$SELECT sla.attach('d_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'd_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"]}',
    replace => true)$$, 'attach replace without published');
SELECT hasnt_trigger('public', 'd_msg', 'sla_message_update', 'attach replace without published drops the UPDATE trigger');

-- ================================================================ a status column with a value list
CREATE TABLE v_ticket (id int PRIMARY KEY, st text, created timestamp);
CREATE TABLE v_msg (id int PRIMARY KEY, ticket int, sender text, status text, body text,
                    created timestamp, modified timestamp);
SELECT lives_ok($$SELECT sla.attach('v_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'v_msg',
    '{"ticket": "ticket", "created_at": "created", "updated_at": "modified", "author_kind": "sender",
      "customer_values": ["c"], "agent_values": ["a"], "published": "status", "published_values": ["sent", "delivered"]}')$$,
    'attach with a status column and published_values');
SELECT is((SELECT pg_get_triggerdef(oid) ~ 'WHEN \(\(old\.status IS DISTINCT FROM new\.status\)\)'
             FROM pg_trigger WHERE tgrelid = 'v_msg'::regclass AND tgname = 'sla_message_update'), true,
    'its WHEN clause skips updates that leave the status as it was');
SELECT sla.map_status('v_ticket', 'open', 'open');
INSERT INTO v_ticket VALUES (1, 'open', '2026-11-23 10:00');
INSERT INTO v_msg VALUES (1, 1, 'a', 'draft', 'x', '2026-11-23 10:10', '2026-11-23 10:10');
UPDATE v_msg SET body = 'xy', modified = '2026-11-23 10:20' WHERE id = 1;
UPDATE v_msg SET status = 'scheduled', modified = '2026-11-23 10:30' WHERE id = 1;
UPDATE v_msg SET status = NULL, modified = '2026-11-23 10:35' WHERE id = 1;
SELECT is(pg_temp.clocks('v_ticket', '1'), 'first_response:1:running:2026-11-23 10:00:00+00:-',
    'value list: draft, autosave, other unlisted states and NULL move nothing');
SELECT is((SELECT count(*)::int FROM sla.mapping_problem p JOIN sla.attachment a ON a.id = p.attachment_id
            WHERE a.ticket_table = 'v_ticket'::regclass), 0, 'an unlisted state is a draft, not a mapping problem');
UPDATE v_msg SET status = 'sent', modified = '2026-11-23 11:20' WHERE id = 1;
SELECT is(pg_temp.clocks('v_ticket', '1'), 'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 11:20:00+00',
    'value list: the update to a listed value counts, dated by the message''s updated_at');
INSERT INTO v_msg VALUES (2, 1, 'c', 'draft', 'q', '2026-11-23 12:00', '2026-11-23 12:00');
UPDATE v_msg SET status = 'sent', modified = '2026-11-23 12:40' WHERE id = 2;
SELECT is(pg_temp.clocks('v_ticket', '1'),
    'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 11:20:00+00, next_response:1:running:2026-11-23 12:40:00+00:-',
    'value list: a customer draft sent starts next_response when sent');
-- the agent's published reply moved to another published state: no second reply
UPDATE v_msg SET status = 'delivered', modified = '2026-11-23 13:00' WHERE id = 1;
SELECT is(pg_temp.clocks('v_ticket', '1'),
    'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 11:20:00+00, next_response:1:running:2026-11-23 12:40:00+00:-',
    'value list: from one published value to another moves nothing');

-- ================================================================ a function of the row
CREATE TABLE f_ticket (id int PRIMARY KEY, st text, created timestamp);
CREATE TABLE f_msg (id int PRIMARY KEY, ticket int, sender text, state smallint, body text, created timestamp);
CREATE FUNCTION f_msg_published(m f_msg) RETURNS boolean LANGUAGE sql AS $$ SELECT m.state >= 2 $$;
SELECT lives_ok($$SELECT sla.attach('f_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'f_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender",
      "customer_values": ["c"], "agent_values": ["a"], "published_function": "f_msg_published(f_msg)"}')$$,
    'attach with a published_function');
SELECT is((SELECT tgqual IS NULL FROM pg_trigger WHERE tgrelid = 'f_msg'::regclass AND tgname = 'sla_message_update'), true,
    'a published_function gets no WHEN clause (it runs as its owner, in C)');
SELECT sla.map_status('f_ticket', 'open', 'open');
INSERT INTO f_ticket VALUES (1, 'open', '2026-11-23 10:00');
INSERT INTO f_msg VALUES (1, 1, 'a', 0, 'x', '2026-11-23 10:10');
UPDATE f_msg SET body = 'xy', state = 1 WHERE id = 1;
SELECT is(pg_temp.clocks('f_ticket', '1'), 'first_response:1:running:2026-11-23 10:00:00+00:-',
    'function: drafts and autosaves move nothing');
UPDATE f_msg SET state = 2 WHERE id = 1;
SELECT is(pg_temp.clocks('f_ticket', '1'), 'first_response:1:breached:2026-11-23 10:00:00+00:' || now()::text,
    'function: the publishing update counts, at the transaction''s start without published_at');
INSERT INTO f_msg VALUES (3, 1, 'c', 2, 'more', '2026-11-23 10:20');
-- (5 events: the first response stopped late, at the transaction's start, records its breach)
SELECT is(pg_temp.events('f_ticket', '1'), 5, 'function: a customer message inserted published starts next_response');
UPDATE f_msg SET state = 3, body = 'edited' WHERE id = 1;
SELECT is(pg_temp.events('f_ticket', '1'), 5, 'function: editing the agent''s published message moves nothing');
INSERT INTO f_ticket VALUES (2, 'open', '2026-11-23 10:00');
INSERT INTO f_msg VALUES (2, 2, 'a', 2, 'x', '2026-11-23 10:10');
SELECT is(pg_temp.clocks('f_ticket', '2'), 'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 10:10:00+00',
    'function: inserted published, it counts at its creation');

-- ================================================================ backfill
CREATE TABLE b_ticket (id int PRIMARY KEY, st text, created timestamp);
CREATE TABLE b_msg (id int PRIMARY KEY, ticket int, sender text, is_sent boolean, created timestamp, sent_at timestamp);
INSERT INTO b_ticket VALUES (1, 'open', '2026-11-23 10:00');
-- written before attaching: a customer message drafted first and sent last, an agent reply
-- sent in between, an agent draft never sent
INSERT INTO b_msg VALUES (1, 1, 'c', true, '2026-11-23 10:05', '2026-11-23 12:00'),
                         (2, 1, 'a', true, '2026-11-23 10:30', '2026-11-23 11:00'),
                         (3, 1, 'a', false, '2026-11-23 10:40', NULL);
SELECT lives_ok($$SELECT sla.attach('b_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'b_msg',
    '{"ticket": "ticket", "created_at": "created", "author_kind": "sender", "customer_values": ["c"], "agent_values": ["a"],
      "published": "is_sent", "published_at": "sent_at"}')$$, 'attach the backfill tables');
SELECT sla.map_status('b_ticket', 'open', 'open');
SELECT is(sla.backfill('b_ticket'), 1, 'backfill starts the ticket');
SELECT is(pg_temp.clocks('b_ticket', '1'),
    'first_response:1:met:2026-11-23 10:00:00+00:2026-11-23 11:00:00+00, next_response:1:running:2026-11-23 12:00:00+00:-',
    'backfill replays published messages only, in the order they were published');
SELECT is((SELECT published::text || ' ' || coalesce(published_at::text, '-')
             FROM b_msg m, sla.message_facts((SELECT id FROM sla.attachment WHERE ticket_table = 'b_ticket'::regclass), m)
            WHERE m.id = 3), 'false -', 'message_facts: a draft has no published instant');

SELECT * FROM finish();
ROLLBACK;
