-- engine_rt.sql — sla attached to a hand-written mirror of Request Tracker (test/fixtures/rt.sql):
-- lowercase real names of MixedCase tables, naive UTC timestamps, the Transactions table as the
-- message table (it also holds every non-message event), and "who is the customer" answered by
-- the ticket's Requestor role group, as RT's own IsInbound does.
--
-- Calendar: mon-fri 09:00-17:00 America/New_York.  The first ticket lives across the end of US
-- daylight saving time (Sunday 2026-11-01): Friday 2026-10-30 is EDT (UTC-4, open 13:00-21:00
-- UTC), from Monday 2026-11-02 it is EST (UTC-5, open 14:00-22:00 UTC).  RT stores UTC in
-- `timestamp without time zone`, so the attachment's time_zone is 'UTC'; the session runs in
-- another zone on purpose, to show the stored values are not read in the session's zone.
BEGIN;
SELECT plan(50);
SET LOCAL timezone = 'America/New_York';
SET LOCAL client_min_messages = warning;

\ir ../fixtures/rt.sql

-- ---------------------------------------------------------------- configuration
SELECT ok(sla.define_calendar('rt_support', 'America/New_York', 'mon-fri 09:00-17:00') IS NOT NULL, 'calendar');
SELECT ok(sla.define_level('rt_standard', 'rt_support', first_response => '4 hours', next_response => '4 hours',
                           resolution => '3 days') IS NOT NULL, 'standard level (no default level: see reminders)');
SELECT ok(sla.define_level('rt_vip', 'rt_support', first_response => '1 hour', next_response => '2 hours',
                           resolution => '1 day') IS NOT NULL, 'VIP level');

-- RT keeps the ticket type and the queue name outside what the mapping reads as text:
-- declared attributes, SQL functions of the ticket key.  sla calls them (and the author and
-- public functions below) with search_path = pg_catalog, pg_temp: qualify every name.
CREATE FUNCTION rt_ticket_type(ticket integer) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT t.type FROM public.tickets t WHERE t.id = ticket $$;
CREATE FUNCTION rt_queue_name(ticket integer) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT q.name FROM public.tickets t JOIN public.queues q ON q.id = t.queue WHERE t.id = ticket $$;
INSERT INTO sla.attribute (name, type, function, description) VALUES
    ('rt_type', 'text', 'rt_ticket_type(integer)', 'Tickets.Type: ticket, reminder or approval'),
    ('rt_queue', 'text', 'rt_queue_name(integer)', 'the name of the ticket''s queue');

-- Only real tickets get a level (reminders and approvals share the table); VIP queue overrides.
INSERT INTO sla.rule (name, position, set_level_id, on_update)
     SELECT 'rt tickets', 10, id, true FROM sla.level WHERE name = 'rt_standard';
INSERT INTO sla.rule (name, position, set_level_id, on_update, stop_processing)
     SELECT 'rt vip queue', 20, id, true, true FROM sla.level WHERE name = 'rt_vip';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 1, 1, 'rt_type', 'equals', '"ticket"' FROM sla.rule WHERE name IN ('rt tickets', 'rt vip queue');
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 1, 2, 'rt_queue', 'equals', '"VIP"' FROM sla.rule WHERE name = 'rt vip queue';
SELECT is((SELECT string_agg(coalesce(chosen_level, '-'), ',') FROM (
             SELECT DISTINCT chosen_level FROM sla.match_rules('{"rt_type": "ticket", "rt_queue": "VIP"}')
           UNION ALL SELECT DISTINCT chosen_level FROM sla.match_rules('{"rt_type": "reminder", "rt_queue": "General"}')) x),
    'rt_vip,-', 'dry run: a VIP ticket gets rt_vip, a reminder gets no level');

-- Who wrote a transaction.  A customer is a requestor of the ticket (RT's IsInbound);
-- a Correspond or Comment by anyone else is an agent; a Create by a non-requestor (an agent
-- opening a ticket for a customer) answers nobody, and every non-message transaction (Status,
-- Set, Take, AddReminder, other object types) is 'system', so it moves nothing.
CREATE FUNCTION rt_author_kind(tx public.transactions) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN tx.objecttype <> 'RT::Ticket' OR tx.type NOT IN ('Create', 'Correspond', 'Comment') THEN 'system'
        WHEN EXISTS (SELECT FROM public.cachedgroupmembers m JOIN public.groups g ON g.id = m.groupid
                      WHERE g.domain = 'RT::Ticket-Role' AND g.name = 'Requestor'
                        AND g.instance = tx.objectid AND m.memberid = tx.creator AND m.disabled = 0) THEN 'customer'
        WHEN tx.type = 'Create' THEN 'system'
        ELSE 'agent' END
$$;
-- Comment is RT's internal note; Correspond and Create are public.
CREATE FUNCTION rt_is_public(tx public.transactions) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS $$ SELECT tx.type IS DISTINCT FROM 'Comment' $$;

SELECT lives_ok($$SELECT sla.attach('tickets',
    '{"key": "id", "created_at": "created", "updated_at": "lastupdated", "status": "status",
      "priority": "priority", "department": "queue", "agent": "owner"}',
    'transactions',
    '{"ticket": "objectid", "created_at": "created",
      "author_function": "public.rt_author_kind(public.transactions)", "public_function": "public.rt_is_public(public.transactions)"}',
    'UTC')$$, 'attach to tickets and transactions, naive times in UTC');
SELECT is((SELECT time_zone FROM sla.attachment WHERE ticket_table = 'tickets'::regclass), 'UTC', 'attachment reads naive times as UTC');
-- RT's default lifecycle: initial new; active open, stalled; inactive resolved, rejected, deleted
SELECT is((SELECT count(*)::int FROM (SELECT sla.map_status('tickets', s, l)
  FROM (VALUES ('new', 'open'), ('open', 'open'), ('stalled', 'paused'), ('resolved', 'solved'),
               ('rejected', 'closed'), ('deleted', 'deleted')) AS v(s, l)) x), 6, 'default lifecycle mapped');

-- ---------------------------------------------------------------- ticket 1: a life in the General queue
-- Fri 2026-10-30 19:00 UTC = 15:00 EDT: alice writes in.  RT inserts the ticket, its role
-- groups (as principals), alice as Requestor, Nobody as Owner, then the Create transaction.
INSERT INTO tickets (id, effectiveid, queue, type, owner, subject, status, lastupdatedby, lastupdated, creator, created)
     VALUES (1, 1, 1, 'ticket', 6, 'printer on fire', 'new', 30, '2026-10-30 19:00:00', 30, '2026-10-30 19:00:00');
INSERT INTO principals (id, principaltype) VALUES (101, 'Group'), (102, 'Group'), (103, 'Group'), (104, 'Group');
INSERT INTO groups (id, name, domain, instance, creator, created) VALUES
    (101, 'Requestor', 'RT::Ticket-Role', 1, 30, '2026-10-30 19:00:00'),
    (102, 'Cc', 'RT::Ticket-Role', 1, 30, '2026-10-30 19:00:00'),
    (103, 'AdminCc', 'RT::Ticket-Role', 1, 30, '2026-10-30 19:00:00'),
    (104, 'Owner', 'RT::Ticket-Role', 1, 30, '2026-10-30 19:00:00');
INSERT INTO groupmembers (groupid, memberid, creator, created) VALUES (101, 30, 30, '2026-10-30 19:00:00'), (104, 6, 30, '2026-10-30 19:00:00');
INSERT INTO cachedgroupmembers (id, groupid, memberid, via, immediateparentid) VALUES
    (101, 101, 101, 101, 101), (102, 102, 102, 102, 102), (103, 103, 103, 103, 103), (104, 104, 104, 104, 104),
    (105, 101, 30, 105, 101), (106, 104, 6, 106, 104);
INSERT INTO transactions (objecttype, objectid, type, data, creator, created)
     VALUES ('RT::Ticket', 1, 'Create', 'printer on fire', 30, '2026-10-30 19:00:00');
INSERT INTO attachments (transactionid, subject, contenttype, content, headers, creator, created)
     VALUES (currval('transactions_id_seq'), 'printer on fire', 'text/plain', 'It smokes.', E'X-RT-Interface: Email\nFrom: alice@customer.example', 30, '2026-10-30 19:00:00');

SELECT is((SELECT started_at FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'), '2026-10-30 19:00:00+00'::timestamptz,
    'Created is read as UTC, not in the session''s America/New_York');
-- first_response 4 business hours: Fri 15:00-17:00 EDT (2h), then Mon 09:00-11:00 EST (2h);
-- 11:00 EST is 16:00 UTC (it would be 15:00 UTC had the zone not changed over the weekend).
-- resolution 3 days: days first, three business days later at the same wall time: Wed
-- 2026-11-04 15:00 EST = 20:00 UTC.
SELECT is((SELECT string_agg(metric || ':' || state || ':' || (due_at AT TIME ZONE 'UTC')::text, ', ' ORDER BY id) FROM sla.clock WHERE ticket_key = '1'),
    'first_response:running:2026-11-02 16:00:00, resolution:running:2026-11-04 20:00:00',
    'creation starts first_response (4h, across the DST change) and resolution (3 days)');
SELECT is((SELECT l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id WHERE t.ticket_key = '1'), 'rt_standard',
    'a General queue ticket gets rt_standard');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key = '1'), 2, 'the requestor''s Create transaction starts nothing more');

-- 19:30 bob comments (internal note)
INSERT INTO transactions (objecttype, objectid, type, creator, created) VALUES ('RT::Ticket', 1, 'Comment', 20, '2026-10-30 19:30:00');
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'), 'running', 'a Comment does not answer');
SELECT is(rt_author_kind(x), 'agent', 'the Comment is by an agent, just not public') FROM transactions x WHERE x.type = 'Comment';

-- 19:35 bob takes the ticket: a Take transaction (system) and the Owner change
INSERT INTO transactions (objecttype, objectid, type, field, oldvalue, newvalue, creator, created)
     VALUES ('RT::Ticket', 1, 'Take', 'Owner', '6', '20', 20, '2026-10-30 19:35:00');
UPDATE cachedgroupmembers SET memberid = 20 WHERE id = 106;
UPDATE groupmembers SET memberid = 20 WHERE groupid = 104;
UPDATE tickets SET owner = 20, lastupdatedby = 20, lastupdated = '2026-10-30 19:35:00' WHERE id = 1;
SELECT is((SELECT string_agg(metric || ':' || agent || '/' || department, ',' ORDER BY id) FROM sla.clock WHERE ticket_key = '1'),
    'first_response:20/1,resolution:20/1', 'running clocks follow Owner (user id) and Queue (queue id)');
SELECT is((SELECT string_agg(state, ',' ORDER BY id) FROM sla.clock WHERE ticket_key = '1'), 'running,running',
    'the Take transaction moves no clock');

-- Sat 2026-10-31 14:00: alice adds to it before anyone answered
INSERT INTO transactions (objecttype, objectid, type, creator, created) VALUES ('RT::Ticket', 1, 'Correspond', 30, '2026-10-31 14:00:00');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'), 0,
    'a requestor''s Correspond before the first reply starts nothing');

-- Mon 2026-11-02 15:00 UTC = 10:00 EST: bob answers; RT opens the ticket (a Status transaction
-- and the row update, which also stamps Started and Told)
INSERT INTO transactions (objecttype, objectid, type, data, creator, created) VALUES ('RT::Ticket', 1, 'Correspond', 're: printer on fire', 20, '2026-11-02 15:00:00');
INSERT INTO transactions (objecttype, objectid, type, field, oldvalue, newvalue, creator, created)
     VALUES ('RT::Ticket', 1, 'Status', 'Status', 'new', 'open', 20, '2026-11-02 15:00:00');
UPDATE tickets SET status = 'open', started = '2026-11-02 15:00:00', told = '2026-11-02 15:00:00',
                   lastupdatedby = 20, lastupdated = '2026-11-02 15:00:00' WHERE id = 1;
-- business time used: Fri 15:00-17:00 EDT (2h) + Mon 09:00-10:00 EST (1h) = 3h, due 11:00 EST
SELECT is((SELECT state || ' ' || business_used::text || ' ' || (stopped_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'),
    'met 03:00:00 2026-11-02 15:00:00', 'first agent Correspond: first_response met after 3 business hours');
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'), 'running', 'new -> open: both open, resolution runs on');

-- 15:10 UTC = 10:10 EST: bob stalls the ticket
INSERT INTO transactions (objecttype, objectid, type, field, oldvalue, newvalue, creator, created)
     VALUES ('RT::Ticket', 1, 'Status', 'Status', 'open', 'stalled', 20, '2026-11-02 15:10:00');
UPDATE tickets SET status = 'stalled', lastupdatedby = 20, lastupdated = '2026-11-02 15:10:00' WHERE id = 1;
SELECT is((SELECT state || ' ' || (paused_since AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'paused 2026-11-02 15:10:00', 'stalled pauses resolution');

-- Tue 2026-11-03 14:30 UTC = 09:30 EST: alice answers; the ticket goes back to open
INSERT INTO transactions (objecttype, objectid, type, creator, created) VALUES ('RT::Ticket', 1, 'Correspond', 30, '2026-11-03 14:30:00');
-- next_response 4h from 09:30 EST: 13:30 EST = 18:30 UTC
SELECT is((SELECT state || ' ' || (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'),
    'running 2026-11-03 18:30:00', 'the requestor''s answer after bob''s reply starts next_response (even while stalled)');
INSERT INTO transactions (objecttype, objectid, type, field, oldvalue, newvalue, creator, created)
     VALUES ('RT::Ticket', 1, 'Status', 'Status', 'stalled', 'open', 1, '2026-11-03 14:30:00');
UPDATE tickets SET status = 'open', lastupdatedby = 1, lastupdated = '2026-11-03 14:30:00' WHERE id = 1;
-- paused Mon 10:10-17:00 (6:50) + Tue 09:00-09:30 (0:30) = 7:20 business hours;
-- due = Wed 15:00 EST (the 3 days) + 7:20: Wed 15:00-17:00 (2:00), Thu 09:00 + 5:20 = 14:20 EST = 19:20 UTC
SELECT is((SELECT state || ' ' || paused_for::text || ' ' || (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'running 07:20:00 2026-11-05 19:20:00', 'reopening from stalled moves resolution out by the 7:20 paused');

-- 19:00 UTC = 14:00 EST: bob answers, 4:30 after alice (target 4h)
INSERT INTO transactions (objecttype, objectid, type, creator, created) VALUES ('RT::Ticket', 1, 'Correspond', 20, '2026-11-03 19:00:00');
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'),
    'breached 04:30:00', 'next_response breached: 09:30 to 14:00 EST');

-- 20:00 UTC = 15:00 EST: resolved (RT stamps Resolved)
INSERT INTO transactions (objecttype, objectid, type, field, oldvalue, newvalue, creator, created)
     VALUES ('RT::Ticket', 1, 'Status', 'Status', 'open', 'resolved', 20, '2026-11-03 20:00:00');
UPDATE tickets SET status = 'resolved', resolved = '2026-11-03 20:00:00', lastupdatedby = 20, lastupdated = '2026-11-03 20:00:00' WHERE id = 1;
-- Fri 15:00-17:00 (2) + Mon (8) + Tue 09:00-15:00 (6) = 16:00, less 7:20 paused = 8:40
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'met 08:40:00', 'resolved: resolution met after 8:40 business hours');

-- Wed 2026-11-04 14:00 UTC = 09:00 EST: alice writes again.  RT records her Correspond first;
-- its scrip then reopens the ticket (Status resolved -> open).
INSERT INTO transactions (objecttype, objectid, type, creator, created) VALUES ('RT::Ticket', 1, 'Correspond', 30, '2026-11-04 14:00:00');
INSERT INTO transactions (objecttype, objectid, type, field, oldvalue, newvalue, creator, created)
     VALUES ('RT::Ticket', 1, 'Status', 'Status', 'resolved', 'open', 1, '2026-11-04 14:00:00');
UPDATE tickets SET status = 'open', lastupdatedby = 1, lastupdated = '2026-11-04 14:00:00' WHERE id = 1;
-- solved Tue 15:00 to Wed 09:00 EST = 2:00 business, so paused_for 9:20;
-- due = Wed 15:00 EST + 9:20: Wed 15:00-17:00 (2:00), Thu 09:00 + 7:20 = 16:20 EST = 21:20 UTC
SELECT is((SELECT state || ' ' || paused_for::text || ' ' || (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'running 09:20:00 2026-11-05 21:20:00', 'reopened: resolution continues, the solved stretch does not count');
-- next_response cycle 2 from 09:00 EST, 4h: 13:00 EST = 18:00 UTC
SELECT is((SELECT state || ' ' || (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response' AND cycle = 2),
    'running 2026-11-04 18:00:00', 'the Correspond that reopens a resolved ticket starts next_response');
SELECT is((SELECT customer_waiting_since FROM sla.ticket WHERE ticket_key = '1'), NULL,
    'the reopening used up the waiting customer: a later reopening starts no second next_response from it');

-- 15:00 UTC = 10:00 EST: bob answers; 16:00 UTC = 11:00 EST resolved again
INSERT INTO transactions (objecttype, objectid, type, creator, created) VALUES ('RT::Ticket', 1, 'Correspond', 20, '2026-11-04 15:00:00');
INSERT INTO transactions (objecttype, objectid, type, field, oldvalue, newvalue, creator, created)
     VALUES ('RT::Ticket', 1, 'Status', 'Status', 'open', 'resolved', 20, '2026-11-04 16:00:00');
UPDATE tickets SET status = 'resolved', resolved = '2026-11-04 16:00:00', lastupdatedby = 20, lastupdated = '2026-11-04 16:00:00' WHERE id = 1;
-- Fri 2 + Mon 8 + Tue 8 + Wed 09:00-11:00 2 = 20:00, less 9:20 = 10:40; due Thu 16:20 EST: met
SELECT is((SELECT state || ' ' || business_used::text || ' ' || cycle FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'met 10:40:00 1', 'resolved again: one resolution clock, met after 10:40');
SELECT is((SELECT string_agg(event, ',' ORDER BY n) FROM sla.explain('tickets', '1') WITH ORDINALITY x (at, event, metric, cycle, level, detail, due_at, state, business_used, calendar_time, n)),
    'level_chosen,clock_started,clock_started,reassigned,stopped,paused,clock_started,resumed,breach,stopped,stopped,reopened,clock_started,stopped,stopped',
    'every transition of ticket 1 is an event; no Status/Take/Comment transaction made one');
SELECT is((SELECT count(*)::int FROM sla.event WHERE ticket_key = '1' AND at <> date_trunc('minute', at)), 0,
    'event times come from Created / LastUpdated');

-- ---------------------------------------------------------------- ticket 2: VIP, opened by an agent
-- Mon 2026-11-02 21:30 UTC = 16:30 EST: bob opens a ticket in VIP for carol (phone call)
INSERT INTO tickets (id, effectiveid, queue, type, owner, subject, status, lastupdatedby, lastupdated, creator, created)
     VALUES (2, 2, 2, 'ticket', 20, 'quarterly report missing', 'open', 20, '2026-11-02 21:30:00', 20, '2026-11-02 21:30:00');
INSERT INTO principals (id, principaltype) VALUES (201, 'Group'), (202, 'Group'), (203, 'Group'), (204, 'Group');
INSERT INTO groups (id, name, domain, instance, creator, created) VALUES
    (201, 'Requestor', 'RT::Ticket-Role', 2, 20, '2026-11-02 21:30:00'), (202, 'Cc', 'RT::Ticket-Role', 2, 20, '2026-11-02 21:30:00'),
    (203, 'AdminCc', 'RT::Ticket-Role', 2, 20, '2026-11-02 21:30:00'), (204, 'Owner', 'RT::Ticket-Role', 2, 20, '2026-11-02 21:30:00');
INSERT INTO cachedgroupmembers (id, groupid, memberid, via, immediateparentid) VALUES
    (201, 201, 201, 201, 201), (202, 202, 202, 202, 202), (203, 203, 203, 203, 203), (204, 204, 204, 204, 204),
    (205, 201, 31, 205, 201), (206, 204, 20, 206, 204);
INSERT INTO transactions (objecttype, objectid, type, creator, created) VALUES ('RT::Ticket', 2, 'Create', 20, '2026-11-02 21:30:00');
SELECT is((SELECT l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id WHERE t.ticket_key = '2'), 'rt_vip',
    'the VIP queue rule (a declared attribute) picks rt_vip');
-- 1 hour from 16:30 EST: 16:30-17:00, then Tue 09:00-09:30 EST = 14:30 UTC; resolution 1 day: Tue 16:30 EST = 21:30 UTC
SELECT is((SELECT string_agg(metric || ':' || state || ':' || (due_at AT TIME ZONE 'UTC')::text, ', ' ORDER BY id) FROM sla.clock WHERE ticket_key = '2'),
    'first_response:running:2026-11-03 14:30:00, resolution:running:2026-11-03 21:30:00',
    'an agent''s Create is not a reply: first_response keeps running');
-- Tue 15:00 UTC = 10:00 EST: bob writes to carol; 0:30 Mon + 1:00 Tue = 1:30 > 1h
INSERT INTO transactions (objecttype, objectid, type, creator, created) VALUES ('RT::Ticket', 2, 'Correspond', 20, '2026-11-03 15:00:00');
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '2' AND metric = 'first_response'),
    'breached 01:30:00', 'VIP first response breached after 1:30');
-- 15:30 UTC: rejected (inactive, mapped closed): resolution stops, 2:00 used of 1 day
UPDATE tickets SET status = 'rejected', resolved = '2026-11-03 15:30:00', lastupdated = '2026-11-03 15:30:00' WHERE id = 2;
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '2' AND metric = 'resolution'),
    'met 02:00:00', 'rejected stops resolution');

-- ---------------------------------------------------------------- ticket 4: moved into the VIP queue
-- Tue 2026-11-03 14:00 UTC = 09:00 EST: alice writes to General (rt_standard: first response 13:00 EST)
INSERT INTO tickets (id, effectiveid, queue, type, owner, subject, status, lastupdated, creator, created)
     VALUES (4, 4, 1, 'ticket', 6, 'invoice wrong', 'new', '2026-11-03 14:00:00', 30, '2026-11-03 14:00:00');
SELECT is((SELECT (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '4' AND metric = 'first_response'),
    '2026-11-03 18:00:00', 'General: first response due 13:00 EST');
-- 14:30 UTC: dave moves it to VIP (a Set transaction and the Queue change)
INSERT INTO transactions (objecttype, objectid, type, field, oldvalue, newvalue, creator, created)
     VALUES ('RT::Ticket', 4, 'Set', 'Queue', '1', '2', 21, '2026-11-03 14:30:00');
UPDATE tickets SET queue = 2, lastupdatedby = 21, lastupdated = '2026-11-03 14:30:00' WHERE id = 4;
-- re-targeted from the start: 1 hour from 09:00 EST = 15:00 UTC; 1 day: Wed 09:00 EST = 14:00 UTC
SELECT is((SELECT string_agg(metric || ':' || (due_at AT TIME ZONE 'UTC')::text || ':' || department, ', ' ORDER BY id) FROM sla.clock WHERE ticket_key = '4'),
    'first_response:2026-11-03 15:00:00:2, resolution:2026-11-04 14:00:00:2', 'moving to the VIP queue re-targets the running clocks');
SELECT is((SELECT string_agg(event, ',' ORDER BY n) FROM sla.explain('tickets', '4') WITH ORDINALITY x (at, event, metric, cycle, level, detail, due_at, state, business_used, calendar_time, n)),
    'level_chosen,clock_started,clock_started,reassigned,level_chosen,retargeted,retargeted',
    'queue move: the new holder, then the level and the re-targets (attribute changes in canonical order)');

-- ---------------------------------------------------------------- reminders and other objects' transactions
-- Mon 2026-11-02 15:20 UTC: bob sets a reminder on ticket 1: a row of type 'reminder' in
-- Tickets, its Create transaction and an AddReminder transaction on ticket 1
INSERT INTO tickets (id, effectiveid, queue, type, owner, subject, status, lastupdated, creator, created)
     VALUES (3, 3, 1, 'reminder', 20, 'call alice back', 'open', '2026-11-02 15:20:00', 20, '2026-11-02 15:20:00');
INSERT INTO transactions (objecttype, objectid, type, creator, created) VALUES ('RT::Ticket', 3, 'Create', 20, '2026-11-02 15:20:00');
INSERT INTO transactions (objecttype, objectid, type, field, newreference, creator, created)
     VALUES ('RT::Ticket', 1, 'AddReminder', 'RT::Ticket', 3, 20, '2026-11-02 15:20:00');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key = '3'), 0, 'a reminder gets no clock');
SELECT is((SELECT level_id FROM sla.ticket WHERE ticket_key = '3'), NULL, 'a reminder has no level (no rule matches, no default)');
UPDATE tickets SET status = 'resolved', lastupdated = '2026-11-02 16:00:00' WHERE id = 3;
SELECT is((SELECT count(*)::int FROM sla.event WHERE ticket_key = '3'), 0, 'resolving the reminder makes no event');
SELECT is((SELECT count(*)::int FROM sla.event WHERE ticket_key = '1' AND at = '2026-11-02 15:20:00+00'), 0,
    'AddReminder on ticket 1 moves nothing');

-- a transaction of another object type whose id happens to be a ticket's id: 'system'
SELECT lives_ok($$INSERT INTO transactions (objecttype, objectid, type, field, oldvalue, newvalue, creator, created)
     VALUES ('RT::Queue', 1, 'Set', 'SLADisabled', '1', '0', 14, '2026-11-05 12:00:00')$$, 'a queue transaction is accepted');
SELECT is((SELECT count(*)::int FROM sla.event WHERE at = '2026-11-05 12:00:00+00'), 0, 'and moves nothing');
-- the same where no ticket has that id (a user created: ObjectId = the user's id)
SELECT lives_ok($$INSERT INTO transactions (objecttype, objectid, type, creator, created)
     VALUES ('RT::User', 31, 'Create', 1, '2026-11-05 12:05:00')$$,
    'a transaction of another object (RT::User 31, no ticket 31) does not make RT''s insert fail');

-- ---------------------------------------------------------------- the mapping's limits
-- The messages a DBA would count: author and visibility as the functions answer them
SELECT is((SELECT string_agg(x.id || ':' || x.type || ':' || rt_author_kind(x) || ':' || rt_is_public(x), ', ' ORDER BY x.id)
             FROM transactions x WHERE x.objectid = 1 AND x.objecttype = 'RT::Ticket' AND x.id <= 6),
    '1:Create:customer:true, 2:Comment:agent:false, 3:Take:system:true, 4:Correspond:customer:true, 5:Correspond:agent:true, 6:Status:system:true',
    'classification of ticket 1''s first transactions');
SAVEPOINT unmapped;
INSERT INTO tickets (id, effectiveid, queue, type, status, created, lastupdated) VALUES (9, 9, 1, 'ticket', 'triage', '2026-11-05 12:00', '2026-11-05 12:00');
SELECT is((SELECT p.value || ' ' || p.count || ' ' || p.first_ticket_key FROM sla.mapping_problem p
            WHERE p.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'tickets'::regclass)),
    'triage 1 9', 'a status of a custom lifecycle nobody mapped is recorded as a mapping problem');
ROLLBACK TO SAVEPOINT unmapped;
-- an integer flag serves as deleted (anything but 0); replacing the mapping by one without the
-- message table removes the trigger sla put on it
SELECT lives_ok($$SELECT sla.attach('tickets', '{"key": "id", "created_at": "created", "status": "status", "deleted": "ismerged"}', replace => true)$$,
    'IsMerged (smallint) serves as the deleted flag');

-- detach: RT's tables are left as they were
SELECT lives_ok($$SELECT sla.detach('tickets')$$, 'detach');
SELECT hasnt_trigger('public', 'tickets', 'sla_ticket', 'ticket trigger gone');
SELECT hasnt_trigger('public', 'transactions', 'sla_message', 'transaction trigger gone');
SELECT is((SELECT count(*)::int FROM information_schema.columns WHERE table_name IN ('tickets', 'transactions')), 41,
    'no column was ever added to Tickets or Transactions');

SELECT * FROM finish();
ROLLBACK;
