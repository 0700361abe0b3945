-- engine_zammad.sql — sla attached to a hand-written mirror of Zammad (test/fixtures/zammad.sql):
-- tickets and ticket_articles with Zammad's integer references (state_id, priority_id,
-- sender_id, type_id), reserved-word columns "from" / "to", timestamp(3) columns holding UTC,
-- pending states that stop the clock, and admin-defined custom fields as real columns.
--
-- Calendar: mon-fri 09:00-17:00 Europe/Berlin.  The ticket lives in late November 2026 (CET,
-- UTC+1: open 08:00-16:00 UTC); 2026-11-23 is a Monday.  Zammad stores UTC in timestamp(3)
-- (without time zone), so the attachment's time_zone is 'UTC'; the session runs in
-- Europe/Berlin on purpose, to show the stored values are not read as local times.
BEGIN;
SELECT plan(42);
SET LOCAL timezone = 'Europe/Berlin';
SET LOCAL client_min_messages = warning;

\ir ../fixtures/zammad.sql

-- ---------------------------------------------------------------- configuration
SELECT ok(sla.define_calendar('zammad_support', 'Europe/Berlin', 'mon-fri 09:00-17:00') IS NOT NULL, 'calendar');
-- Zammad falls back to an SLA without condition: that is sla's default level
SELECT ok(sla.define_level('zammad_standard', 'zammad_support', first_response => '4 hours', next_response => '4 hours',
                           resolution => '2 days', is_default => true) IS NOT NULL, 'standard level (default)');
SELECT ok(sla.define_level('zammad_high', 'zammad_support', first_response => '1 hour', next_response => '2 hours',
                           resolution => '8 hours') IS NOT NULL, 'high level');

-- A custom field is a real column of tickets (here customer_tier): the rules reach it through a
-- declared attribute.  sla calls it with search_path = pg_catalog, pg_temp: qualify names.
CREATE FUNCTION zammad_customer_tier(ticket integer) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT t.customer_tier FROM public.tickets t WHERE t.id = ticket $$;
INSERT INTO sla.attribute (name, type, function, description)
     VALUES ('customer_tier', 'text', 'zammad_customer_tier(integer)', 'Zammad custom field tickets.customer_tier');

-- priority_id 3 ('3 high') or a gold customer: the faster level, also when raised later
INSERT INTO sla.rule (name, position, set_level_id, on_update)
     SELECT 'zammad high', 10, id, true FROM sla.level WHERE name = 'zammad_high';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 1, 1, 'priority', 'equals', '"3"' FROM sla.rule WHERE name = 'zammad high';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 2, 1, 'customer_tier', 'equals', '"gold"' FROM sla.rule WHERE name = 'zammad high';
SELECT is((SELECT string_agg(DISTINCT chosen_level, ',') FROM sla.match_rules('{"priority": "3"}')), 'zammad_high',
    'dry run: priority_id 3 -> zammad_high');

-- An article answers the customer when it is public and of a communication type: a public
-- note (type 10) is not an answer, as in Zammad.
CREATE FUNCTION zammad_article_counts(a public.ticket_articles) RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT NOT a.internal AND coalesce((SELECT t.communication FROM public.ticket_article_types t WHERE t.id = a.type_id), false)
$$;

SELECT lives_ok($$SELECT sla.attach('tickets',
    '{"key": "id", "created_at": "created_at", "updated_at": "updated_at", "status": "state_id",
      "priority": "priority_id", "department": "group_id", "agent": "owner_id", "requester": "customer_id"}',
    'ticket_articles',
    '{"ticket": "ticket_id", "created_at": "created_at",
      "author_kind": "sender_id", "agent_values": ["1"], "customer_values": ["2"], "system_values": ["3"],
      "public_function": "public.zammad_article_counts(public.ticket_articles)"}',
    'UTC')$$, 'attach to tickets and ticket_articles, timestamp(3) in UTC');
SELECT is((SELECT time_zone FROM sla.attachment WHERE ticket_table = 'tickets'::regclass), 'UTC', 'attachment reads naive times as UTC');

-- every state by its state type: pending states pause; merged and removed cancel
SELECT is((SELECT count(*)::int FROM (
    SELECT sla.map_status('tickets', s.id::text,
             CASE st.name WHEN 'new' THEN 'open' WHEN 'open' THEN 'open'
                          WHEN 'pending reminder' THEN 'paused' WHEN 'pending action' THEN 'paused'
                          WHEN 'closed' THEN 'closed' WHEN 'merged' THEN 'deleted' WHEN 'removed' THEN 'deleted' END)
      FROM ticket_states s JOIN ticket_state_types st ON st.id = s.state_type_id) x), 7, 'all seven states mapped by state type');
SELECT is((SELECT string_agg(s.name || '=' || m.lifecycle, ', ' ORDER BY s.id)
             FROM sla.status_map m JOIN ticket_states s ON s.id::text = m.status),
    'new=open, open=open, pending reminder=paused, closed=closed, merged=deleted, removed=deleted, pending close=paused',
    'the state map');
SELECT is((SELECT count(*)::int FROM ticket_states s JOIN sla.status_map m ON m.status = s.id::text
            WHERE s.ignore_escalation AND m.lifecycle = 'open'), 0, 'no ignore_escalation state counts as open');

-- ---------------------------------------------------------------- ticket 1: a life
-- Mon 2026-11-23 08:30 UTC = 09:30 CET: Nicole writes an email to group Users (state new,
-- priority 2 normal, owner 1 = unassigned)
INSERT INTO tickets (id, group_id, priority_id, state_id, organization_id, number, title, owner_id, customer_id,
                     create_article_type_id, create_article_sender_id, article_count, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 1, 2, 1, 1, '26112310001', 'Cannot log in', 1, 2, 1, 2, 1, 2, 2, '2026-11-23 08:30:00.417', '2026-11-23 08:30:00.417');
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, "from", "to", subject, message_id, body, internal,
                             created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 1, 2, 'Nicole Braun <nicole.braun@zammad.org>', 'support@example.com', 'Cannot log in',
             '<a1@zammad.org>', 'My password is refused.', false, 2, 2, '2026-11-23 08:30:00.417', '2026-11-23 08:30:00.417');

SELECT is((SELECT started_at FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'), '2026-11-23 08:30:00.417+00'::timestamptz,
    'created_at timestamp(3) is read as UTC, milliseconds kept, not as Berlin time');
-- first_response 4 business hours from 09:30 CET: 13:30 CET = 12:30:00.417 UTC;
-- resolution 2 days: two business days later at the same wall time, Wed 09:30 CET = 08:30 UTC
SELECT is((SELECT string_agg(metric || ':' || state || ':' || (due_at AT TIME ZONE 'UTC')::text, ', ' ORDER BY id) FROM sla.clock WHERE ticket_key = '1'),
    'first_response:running:2026-11-23 12:30:00.417, resolution:running:2026-11-25 08:30:00.417',
    'creation starts first_response (4h) and resolution (2 days)');
SELECT is((SELECT l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id WHERE t.ticket_key = '1'), 'zammad_standard',
    'priority 2 normal: the default level');
SELECT is((SELECT requester FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'), '2', 'requester is customer_id');

-- 09:00 UTC an internal note, 09:10 a public note, 09:20 the System's auto-reply email
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 10, 1, 'Account locked after 5 attempts?', true, 3, 3, '2026-11-23 09:00:00', '2026-11-23 09:00:00');
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 10, 1, 'Looking into it.', false, 3, 3, '2026-11-23 09:10:00', '2026-11-23 09:10:00');
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, "from", "to", body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 1, 3, 'support@example.com', 'nicole.braun@zammad.org', 'We received your request.', false, 1, 1, '2026-11-23 09:20:00', '2026-11-23 09:20:00');
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'), 'running',
    'internal note, public note (not a communication type) and System auto-reply answer nothing');
-- 10:00 UTC Nicole adds a screenshot
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, "from", body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 1, 2, 'nicole.braun@zammad.org', 'Screenshot attached.', false, 2, 2, '2026-11-23 10:00:00', '2026-11-23 10:00:00');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'), 0,
    'a customer article before the first answer starts nothing');

-- 10:05:00.250 UTC agent 3 takes the ticket and opens it (new -> open: both open)
UPDATE tickets SET owner_id = 3, state_id = 2, updated_by_id = 3, updated_at = '2026-11-23 10:05:00.250' WHERE id = 1;
SELECT is((SELECT string_agg(kind || '@' || (at AT TIME ZONE 'UTC')::text, ',' ORDER BY id) FROM sla.event WHERE ticket_key = '1'),
    'reassigned@2026-11-23 10:05:00.25', 'owner change: one reassigned event at updated_at, milliseconds kept');
SELECT is((SELECT string_agg(agent || '/' || department, ',' ORDER BY id) FROM sla.clock WHERE ticket_key = '1'), '3/1,3/1',
    'running clocks follow owner_id and group_id');

-- 11:00 UTC = 12:00 CET: agent 3 answers by email: 09:30:00.417 to 12:00 CET = 2:30 less the
-- 0.417 s the ticket was created after 09:30 (Zammad counts whole minutes, sla does not round)
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, "from", "to", body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 1, 1, 'Agnes Agent <support@example.com>', 'nicole.braun@zammad.org', 'Unlocked, please retry.', false, 3, 3, '2026-11-23 11:00:00', '2026-11-23 11:00:00');
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'),
    'met 02:29:59.583', 'the first public email by an agent meets first_response');

-- 11:05 UTC = 12:05 CET: pending reminder until tomorrow
UPDATE tickets SET state_id = 3, pending_time = '2026-11-24 08:00:00', updated_at = '2026-11-23 11:05:00' WHERE id = 1;
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'), 'paused', 'pending reminder pauses resolution');

-- Tue 2026-11-24 07:50 UTC = 08:50 CET, before opening: Nicole answers; Zammad's follow-up
-- moves the ticket to its default_follow_up state (open), then stores the article
UPDATE tickets SET state_id = 2, updated_at = '2026-11-24 07:50:00' WHERE id = 1;
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, "from", body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 1, 2, 'nicole.braun@zammad.org', 'Still refused.', false, 2, 2, '2026-11-24 07:50:00', '2026-11-24 07:50:00');
-- paused Mon 12:05-17:00 CET = 4:55 (Tuesday's pause ended before 09:00);
-- due = Wed 09:30 CET + 4:55 = 14:25 CET = 13:25 UTC
SELECT is((SELECT state || ' ' || paused_for::text || ' ' || (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'running 04:55:00 2026-11-25 13:25:00.417', 'the follow-up resumes resolution, 4:55 later');
-- next_response counts from the opening, 09:00 CET: due 13:00 CET = 12:00 UTC
SELECT is((SELECT state || ' ' || (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'),
    'running 2026-11-24 12:00:00', 'the customer''s answer starts next_response');

-- 12:30 UTC = 13:30 CET: agent calls back (phone article, public): 09:00-13:30 = 4:30 > 4h
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 5, 1, 'Called Nicole, reset 2FA.', false, 3, 3, '2026-11-24 12:30:00', '2026-11-24 12:30:00');
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response'),
    'breached 04:30:00', 'a phone article by the agent answers: next_response breached');

-- 14:00 UTC = 15:00 CET: closed.  Mon 09:30-17:00 (7:30) + Tue 09:00-15:00 (6:00) = 13:30, less 4:55
-- (and less the 0.417 s of the creation time)
UPDATE tickets SET state_id = 4, close_at = '2026-11-24 14:00:00', last_close_at = '2026-11-24 14:00:00', updated_at = '2026-11-24 14:00:00' WHERE id = 1;
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'met 08:34:59.583', 'closed: resolution met after 8:35');

-- Wed 2026-11-25 09:00 UTC = 10:00 CET: Nicole writes again, the follow-up reopens the ticket
UPDATE tickets SET state_id = 2, updated_at = '2026-11-25 09:00:00' WHERE id = 1;
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, "from", body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 1, 2, 'nicole.braun@zammad.org', 'It happened again.', false, 2, 2, '2026-11-25 09:00:00', '2026-11-25 09:00:00');
-- closed Tue 15:00-17:00 + Wed 09:00-10:00 CET = 3:00 more, paused_for 7:55;
-- due = Wed 09:30 CET + 7:55: 09:30-17:00 (7:30), Thu 09:00 + 0:25 = 09:25 CET = 08:25 UTC
SELECT is((SELECT state || ' ' || paused_for::text || ' ' || (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'running 07:55:00 2026-11-26 08:25:00.417', 'reopened: resolution continues (unlike Zammad''s close_at, which never re-arms)');
SELECT is((SELECT cycle || ' ' || state || ' ' || (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response' AND state = 'running'),
    '2 running 2026-11-25 13:00:00', 'second next_response cycle, due 14:00 CET');
-- 10:00 UTC = 11:00 CET: agent answers
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (1, 1, 1, 'Fixed for good.', false, 3, 3, '2026-11-25 10:00:00', '2026-11-25 10:00:00');
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '1' AND metric = 'next_response' AND cycle = 2),
    'met 01:00:00', 'second next_response met');

-- 10:30 UTC = 11:30 CET: pending close (type pending action, next state closed) until Thu 08:00 UTC
UPDATE tickets SET state_id = 7, pending_time = '2026-11-26 08:00:00', updated_at = '2026-11-25 10:30:00' WHERE id = 1;
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'), 'paused', 'pending close pauses resolution');
-- Thu 2026-11-26 08:00 UTC = 09:00 CET: Zammad's scheduler moves it to its next state, closed.
-- The pause Wed 11:30-17:00 = 5:30 is added first: paused_for 13:25; business time
-- Mon 7:30 + Tue 8 + Wed 8 = 23:30 less 13:25 = 10:05 (less 0.417 s).  Due Wed 09:30 + 13:25 = Thu 14:55 CET: met.
UPDATE tickets SET state_id = 4, last_close_at = '2026-11-26 08:00:00', updated_at = '2026-11-26 08:00:00' WHERE id = 1;
SELECT is((SELECT state || ' ' || paused_for::text || ' ' || business_used::text || ' ' || (due_at AT TIME ZONE 'UTC')::text
             FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'met 13:25:00 10:04:59.583 2026-11-26 13:55:00.417', 'closed from pending close: the pending time does not count');
-- (the follow-up's article and its reopening share 07:50: the article applies first, the
-- canonical order within an instant, so next_response starts before resolution resumes)
SELECT is((SELECT string_agg(event, ',' ORDER BY n) FROM sla.explain('tickets', '1') WITH ORDINALITY x (at, event, metric, cycle, level, detail, due_at, state, business_used, calendar_time, n)),
    'level_chosen,clock_started,clock_started,reassigned,stopped,paused,clock_started,resumed,breach,stopped,stopped,reopened,clock_started,stopped,paused,resumed,stopped',
    'every transition of ticket 1 is an event');

-- ---------------------------------------------------------------- ticket 2: '3 high' at creation
-- Fri 2026-11-27 15:30 UTC = 16:30 CET, via the web form by Max
INSERT INTO tickets (id, group_id, priority_id, state_id, number, title, owner_id, customer_id, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (2, 2, 3, 1, '26112710002', 'Order stuck', 1, 4, 4, 4, '2026-11-27 15:30:00', '2026-11-27 15:30:00');
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, "from", body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (2, 11, 2, 'Max Kunde', 'Order 4711 has not shipped.', false, 4, 4, '2026-11-27 15:30:00', '2026-11-27 15:30:00');
-- 1 hour: Fri 16:30-17:00 CET, Mon 09:00-09:30 CET = 08:30 UTC; 8 hours: 0:30 Fri + 7:30 Mon = Mon 16:30 CET
SELECT is((SELECT string_agg(metric || ':' || (due_at AT TIME ZONE 'UTC')::text || ':' || (SELECT name FROM sla.level WHERE id = level_id), ', ' ORDER BY id) FROM sla.clock WHERE ticket_key = '2'),
    'first_response:2026-11-30 08:30:00:zammad_high, resolution:2026-11-30 15:30:00:zammad_high', 'priority_id 3 picks zammad_high');
-- Mon 08:15 UTC = 09:15 CET: agent phones Max back: 0:30 + 0:15
INSERT INTO ticket_articles (ticket_id, type_id, sender_id, body, internal, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (2, 5, 1, 'Called: shipped today.', false, 3, 3, '2026-11-30 08:15:00', '2026-11-30 08:15:00');
SELECT is((SELECT state || ' ' || business_used::text FROM sla.clock WHERE ticket_key = '2' AND metric = 'first_response'),
    'met 00:45:00', 'answered within the hour');

-- ---------------------------------------------------------------- ticket 3: raised to '3 high', then merged
-- Mon 2026-11-30 09:00 UTC = 10:00 CET, normal priority: first response 14:00 CET
INSERT INTO tickets (id, group_id, priority_id, state_id, number, title, owner_id, customer_id, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (3, 2, 2, 1, '26113010003', 'Order stuck (again)', 1, 4, 4, 4, '2026-11-30 09:00:00', '2026-11-30 09:00:00');
SELECT is((SELECT (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '3' AND metric = 'first_response'),
    '2026-11-30 13:00:00', 'normal: first response due 14:00 CET');
-- 09:30 UTC the agent raises the priority: re-targeted from the start, 1 hour = 11:00 CET;
-- 8 hours from 10:00 CET = Tue 10:00 CET = 09:00 UTC
UPDATE tickets SET priority_id = 3, updated_at = '2026-11-30 09:30:00' WHERE id = 3;
SELECT is((SELECT string_agg(metric || ':' || (due_at AT TIME ZONE 'UTC')::text, ', ' ORDER BY id) FROM sla.clock WHERE ticket_key = '3'),
    'first_response:2026-11-30 10:00:00, resolution:2026-12-01 09:00:00', 'raising priority_id to 3 re-targets the running clocks');
-- 09:45 UTC merged into ticket 2: the survivor carries the SLA, this one's clocks are cancelled
UPDATE tickets SET state_id = 5, updated_at = '2026-11-30 09:45:00' WHERE id = 3;
SELECT is((SELECT string_agg(metric || ':' || state, ',' ORDER BY id) FROM sla.clock WHERE ticket_key = '3'),
    'first_response:cancelled,resolution:cancelled', 'merged (mapped deleted) cancels the running clocks');

-- ---------------------------------------------------------------- ticket 4: a custom field column
INSERT INTO tickets (id, group_id, priority_id, state_id, number, title, owner_id, customer_id, customer_tier, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (4, 1, 2, 1, '26113010004', 'Invoice copy', 1, 2, 'gold', 2, 2, '2026-11-30 09:00:00', '2026-11-30 09:00:00');
SELECT is((SELECT (SELECT name FROM sla.level WHERE id = level_id) || ' ' || (due_at AT TIME ZONE 'UTC')::text FROM sla.clock WHERE ticket_key = '4' AND metric = 'first_response'),
    'zammad_high 2026-11-30 10:00:00', 'custom field customer_tier = gold (declared attribute) picks zammad_high');
SELECT is((SELECT detail -> 'matched_rules' FROM sla.explain('tickets', '4') WHERE event = 'level_chosen'), '["zammad high"]'::jsonb,
    'the level_chosen event names the rule');

-- ---------------------------------------------------------------- what must be mapped first
-- an admin adds a state; until it is mapped, a ticket moved into it keeps its lifecycle and the
-- state is recorded as a mapping problem (Zammad's own write goes through)
INSERT INTO ticket_states (id, state_type_id, name, ignore_escalation, created_by_id, updated_by_id, created_at, updated_at)
     VALUES (8, 3, 'waiting for customer', true, 1, 1, '2026-11-30 10:00:00', '2026-11-30 10:00:00');
UPDATE tickets SET state_id = 8, updated_at = '2026-11-30 10:00:00' WHERE id = 4;
SELECT is((SELECT p.field || ' ' || p.value || ' ' || p.count || ' ' || p.last_ticket_key || ' ' || k.state
             FROM sla.mapping_problem p
             JOIN sla.clock k ON k.attachment_id = p.attachment_id AND k.ticket_key = '4' AND k.metric = 'resolution'
            WHERE p.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'tickets'::regclass)),
    'status 8 1 4 running', 'a new state nobody mapped: recorded, and the ticket keeps its lifecycle');
SELECT lives_ok($$SELECT sla.map_status('tickets', '8', 'paused')$$, 'map it');
UPDATE tickets SET state_id = 8, updated_at = '2026-11-30 10:00:00' WHERE id = 4;
SELECT is((SELECT state FROM sla.clock WHERE ticket_key = '4' AND metric = 'resolution'), 'paused', 'now it pauses');
-- detach: Zammad's tables are left as they were
SELECT lives_ok($$SELECT sla.detach('tickets')$$, 'detach');
SELECT hasnt_trigger('public', 'ticket_articles', 'sla_message', 'article trigger gone');
SELECT is((SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'ticket_articles'), 21,
    'no column was ever added to ticket_articles');

SELECT * FROM finish();
ROLLBACK;
