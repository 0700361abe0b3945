-- engine_backfill.sql — sla.backfill with a status history source: the paused time before
-- attaching counted from the history, tickets tracked on an update between attach and backfill
-- replayed, the created_after cut-off (kept for later updates), and the history's validation.
-- Calendar mon-fri 09:00-17:00 UTC; Monday 2026-11-23.
BEGIN;
SELECT plan(30);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('bf', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('bf_std', 'bf', first_response => '4 hours', resolution => '16 hours',
                           is_default => true) > 0, 'level: first response 4 business hours, resolution 16');

-- the helpdesk before attaching: tickets, messages, and the status history it keeps
CREATE TABLE bf_ticket (id int PRIMARY KEY, st text, created timestamptz, updated timestamptz);
CREATE TABLE bf_message (ticket int, who text, at timestamptz);
CREATE TABLE bf_status (ticket int, status text, changed timestamptz, seq int);
INSERT INTO bf_ticket VALUES
    (1, 'open', '2026-11-23 10:00+00', '2026-11-24 10:00+00'),   -- on hold Mon 12:00 to Tue 10:00
    (2, 'done', '2026-11-23 10:00+00', '2026-11-23 15:00+00'),   -- created on hold, opened 14:00, solved 15:00
    (3, 'open', '2026-11-23 10:00+00', '2026-11-23 10:00+00'),   -- touched between attach and backfill
    (4, 'open', '2026-11-20 10:00+00', '2026-11-20 10:00+00'),   -- before the cut-off
    (5, 'open', '2026-11-20 11:00+00', '2026-11-20 11:00+00');   -- before the cut-off, touched in between
INSERT INTO bf_message VALUES (1, 'agent', '2026-11-23 11:00+00'), (3, 'agent', '2026-11-23 11:00+00');
INSERT INTO bf_status VALUES
    (1, 'open', '2026-11-23 10:00+00', 1), (1, 'hold', '2026-11-23 12:00+00', 2), (1, 'open', '2026-11-24 10:00+00', 3),
    (2, 'hold', '2026-11-23 10:00+00', 4), (2, 'open', '2026-11-23 14:00+00', 5),
    (3, 'open', '2026-11-23 10:00+00', 6);
SELECT ok(sla.attach('bf_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}',
                     'bf_message', '{"ticket": "ticket", "created_at": "at", "author_kind": "who",
                                     "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('bf_ticket', s, l) FROM (VALUES ('open', 'open'), ('hold', 'paused'), ('done', 'solved')) v (s, l);

-- between attach and backfill the helpdesk puts tickets 3 and 5 on hold: the update trigger
-- tracks them from their creation, with that update's status only (ticket 3's reply unseen)
UPDATE bf_ticket SET st = 'hold', updated = '2026-11-23 13:00+00' WHERE id IN (3, 5);
INSERT INTO bf_status VALUES (3, 'hold', '2026-11-23 13:00+00', 7), (5, 'hold', '2026-11-23 13:00+00', 8);
SELECT is((SELECT string_agg(metric || ':' || state, ',' ORDER BY metric) FROM sla.clock WHERE ticket_key = '3'),
    'first_response:running,resolution:paused', 'tracked on its update: paused since creation, the reply before attaching unknown');

-- history validation, before anything is written
SELECT throws_ok($$SELECT sla.backfill('bf_ticket', 'bf_status')$$, '22023', NULL, 'a history without its mapping: 22023');
SELECT throws_ok($$SELECT sla.backfill('bf_ticket', 'bf_status', '{"ticket": "ticket", "at": "changed", "status": "nope"}')$$,
    '42703', 'column "nope" of relation public.bf_status does not exist (mapping of history status)', 'a missing column: 42703 naming it');
SELECT throws_ok($$SELECT sla.backfill('bf_ticket', 'bf_status', '{"ticket": "ticket", "at": "status", "status": "status"}')$$,
    '42804', 'column "status" of relation public.bf_status has type text, which cannot be mapped as history at', 'a time that is text: 42804');
SELECT throws_ok($$SELECT sla.backfill('bf_ticket', 'bf_status', '{"ticket": "ticket", "at": "changed"}')$$,
    '22023', 'the history mapping must name the status column', 'the status column is required');
SELECT throws_ok($$SELECT sla.backfill('bf_ticket', 'bf_status', '{"ticket": "ticket", "at": "changed", "status": "status", "when": "changed"}')$$,
    '22023', 'unknown history mapping key "when"', 'an unknown key: 22023');
SELECT throws_ok($$SELECT sla.backfill('bf_ticket', 'sla.clock_id_seq', '{"ticket": "ticket", "at": "changed", "status": "status"}')$$,
    '42809', 'status history sla.clock_id_seq must be a table or a view', 'a sequence is no history: 42809');
SELECT is((SELECT count(*)::int FROM sla.ticket WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'bf_ticket'::regclass)),
    2, 'nothing written by the refused calls');

-- the backfill: history given, tickets created before Saturday 21 November left untracked
SELECT is(sla.backfill('bf_ticket', 'bf_status', '{"ticket": "ticket", "at": "changed", "status": "status", "sequence": "seq"}',
                       created_after => '2026-11-21 00:00+00'), 3, 'three tickets started (ticket 3 replayed)');

-- ticket 1: paused Mon 12:00 to Tue 10:00 before attaching, 6 business hours
SELECT is((SELECT format('%s %s %s', state, paused_for, due_at) FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'),
    'running 06:00:00 2026-11-25 16:00:00+00', 'ticket 1: 6 paused hours from the history move resolution to Wed 16:00 (10:00 without them)');
SELECT is((SELECT format('%s %s', state, stopped_at) FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'),
    'met 2026-11-23 11:00:00+00', 'ticket 1: answered at 11:00');
-- ticket 2: created on hold (the history's entry at its creation), open at 14:00, solved at its update
SELECT is((SELECT format('%s %s %s', state, paused_for, stopped_at) FROM sla.clock WHERE ticket_key = '2' AND metric = 'resolution'),
    'met 04:00:00 2026-11-23 15:00:00+00', 'ticket 2: paused from its creation to 14:00, solved at its last update');
SELECT is((SELECT business_used::text FROM sla.clock WHERE ticket_key = '2' AND metric = 'resolution'),
    '01:00:00', 'ticket 2: one business hour used');
-- ticket 3: replayed from the host rows: the reply counts, the hold from 13:00
SELECT is((SELECT string_agg(format('%s %s %s %s', metric, state, coalesce(stopped_at::text, '-'), coalesce(paused_since::text, '-')), ', ' ORDER BY metric)
             FROM sla.clock WHERE ticket_key = '3'),
    'first_response met 2026-11-23 11:00:00+00 -, resolution paused - 2026-11-23 13:00:00+00',
    'ticket 3: its tracking replaced: answered at 11:00, on hold since 13:00');
SELECT is((SELECT detail -> 'replaced' FROM sla.event WHERE ticket_key = '3' AND kind = 'backfilled'),
    '{"clocks": 2, "events": 2}'::jsonb, 'ticket 3: the backfilled event counts what the replay replaced (paused, tracked_on_update)');
SELECT is((SELECT count(*)::int FROM sla.event WHERE ticket_key = '3' AND kind = 'tracked_on_update'), 0,
    'ticket 3: no longer marked as tracked on an update');
-- tickets 4 and 5: before the cut-off, untracked (5's tracking from its update removed)
SELECT is((SELECT count(*)::int FROM sla.ticket WHERE ticket_key IN ('4', '5')), 0, 'tickets 4 and 5 are not tracked');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE ticket_key IN ('4', '5'))
          + (SELECT count(*)::int FROM sla.event WHERE ticket_key IN ('4', '5')), 0, 'nor have clocks or events');
SELECT is((SELECT created_after FROM sla.attachment WHERE ticket_table = 'bf_ticket'::regclass),
    '2026-11-21 00:00+00'::timestamptz, 'the cut-off is kept on the attachment');
UPDATE bf_ticket SET st = 'done', updated = '2026-11-24 09:00+00' WHERE id = 4;
SELECT is((SELECT count(*)::int FROM sla.ticket WHERE ticket_key = '4'), 0, 'a later update leaves a ticket before the cut-off alone');

-- again: nothing left to do
SELECT is(sla.backfill('bf_ticket', 'bf_status', '{"ticket": "ticket", "at": "changed", "status": "status", "sequence": "seq"}'),
    0, 'backfill is idempotent (the cut-off kept)');
SELECT is(sla.backfill('bf_ticket', created_after => '-infinity'), 2, '-infinity removes the cut-off: tickets 4 and 5 start');
SELECT is((SELECT created_after FROM sla.attachment WHERE ticket_table = 'bf_ticket'::regclass), NULL, 'and clears it');

-- a history as a view over an event table (as RT's Transactions and Zammad's histories are),
-- with a status the map lacks: recorded as a mapping problem, the ticket keeps its lifecycle
CREATE TABLE ev_ticket (id int PRIMARY KEY, st text, created timestamptz, updated timestamptz);
CREATE TABLE ev_log (id bigserial PRIMARY KEY, ticket int, field text, new_value text, at timestamptz);
CREATE VIEW ev_status AS SELECT id, ticket, new_value AS status, at FROM ev_log WHERE field = 'status';
INSERT INTO ev_ticket VALUES (9, 'hold', '2026-11-23 10:00+00', '2026-11-23 16:00+00');
INSERT INTO ev_log (ticket, field, new_value, at) VALUES
    (9, 'status', 'open', '2026-11-23 10:00+00'), (9, 'subject', 'x', '2026-11-23 10:30+00'),
    (9, 'status', 'hold', '2026-11-23 11:00+00'), (9, 'status', 'limbo', '2026-11-23 12:00+00'),
    (9, 'status', 'hold', '2026-11-23 16:00+00');
SELECT ok(sla.attach('ev_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}') > 0, 'attached');
SELECT sla.map_status('ev_ticket', s, l) FROM (VALUES ('open', 'open'), ('hold', 'paused')) v (s, l);
SELECT is(sla.backfill('ev_ticket', 'ev_status', '{"ticket": "ticket", "at": "at", "status": "status", "sequence": "id"}'),
    1, 'backfilled from a view');
SELECT is((SELECT format('%s %s', state, paused_since) FROM sla.clock WHERE ticket_key = '9' AND metric = 'resolution'),
    'paused 2026-11-23 11:00:00+00', 'paused since 11:00: the unmapped status at 12:00 changed nothing');
SELECT is((SELECT format('%s %s %s', field, value, last_ticket_key) FROM sla.mapping_problem
            WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'ev_ticket'::regclass)),
    'status limbo 9', 'the unmapped status of the history is a mapping problem');

SELECT * FROM finish();
ROLLBACK;
