-- engine_breach_steps.sql — issue 15, breaches never missed: a clock stopped after its due time
-- has one breach event whether or not a check ran in between (escalations by the next check); a
-- re-target that moves the due date past the recorded breach makes a new breach for the new due
-- date; escalation steps at any share of the target, once per clock and due date, in order;
-- failed actions listed in sla.health until a retry succeeds.
-- Calendar mon-fri 09:00-17:00 UTC; Monday 2026-11-23.
BEGIN;
SELECT plan(40);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('bs', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('bs_std', 'bs', first_response => '4 hours', warning_percent => 75, is_default => true) > 0,
          'level (first response only: the counts below are first-response crossings)');
CREATE TABLE bs_ticket (id int PRIMARY KEY, st text, prio text, created timestamptz, updated timestamptz);
CREATE TABLE bs_msg (id serial PRIMARY KEY, ticket int, who text, at timestamptz);
SELECT ok(sla.attach('bs_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st", "priority": "prio"}',
                     'bs_msg', '{"ticket": "ticket", "created_at": "at", "author_kind": "who",
                                 "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('bs_ticket', 'open', 'open');
CREATE FUNCTION pg_temp.att() RETURNS integer LANGUAGE sql AS
    $$SELECT id FROM sla.attachment WHERE ticket_table = 'bs_ticket'::regclass$$;
CREATE FUNCTION pg_temp.events(key text, kinds text[]) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(e.kind || '@' || to_char(e.at, 'DD HH24:MI') || coalesce(' due ' || to_char((e.detail ->> 'due_at')::timestamptz, 'DD HH24:MI'), '')
                      || coalesce(' ' || (e.detail ->> 'percent') || '%', '') || coalesce(' ' || (e.detail ->> 'value'), ''), ', ' ORDER BY e.id)
      FROM sla.event e WHERE e.attachment_id = pg_temp.att() AND e.ticket_key = key AND e.kind = ANY (kinds)
       AND e.clock_id = (SELECT k.id FROM sla.clock k WHERE k.attachment_id = pg_temp.att() AND k.ticket_key = key
                          AND k.metric = 'first_response')
$$;

-- a breach escalation (at 100 %: with the breach itself) writes the priority
INSERT INTO sla.escalation (level_id, metric, on_event, action, column_name, column_value, at_percent)
     SELECT id, 'first_response', 'breach', 'set_column', 'priority', 'late', 100 FROM sla.level WHERE name = 'bs_std';

-- 1. A late stop.  Due at 14:00; checks at 12:00 and 15:05; answered at 15:00.
INSERT INTO bs_ticket VALUES (1, 'open', 'normal', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
SELECT is(sla.check_breaches('2026-11-23 12:00+00'), 0, 'late stop: nothing due at 12:00');
INSERT INTO bs_msg (ticket, who, at) VALUES (1, 'agent', '2026-11-23 15:00+00');
SELECT is(pg_temp.events('1', ARRAY['breach', 'stopped', 'escalated']), 'breach@23 15:00 due 23 14:00, stopped@23 15:00',
    'late stop: the stop records the breach (seen at the stop, due at 14:00), before its stopped event');
SELECT is((SELECT state || ' ' || to_char(breach_seen_at, 'HH24:MI') || ' ' || breach_escalation_pending FROM sla.clock
            WHERE attachment_id = pg_temp.att() AND ticket_key = '1' AND metric = 'first_response'),
    'breached 15:00 true', 'late stop: breach_seen_at is the stop, its escalations wait for the next check');
SELECT is((SELECT prio FROM bs_ticket WHERE id = 1), 'normal', 'late stop: no escalation inside the helpdesk''s write');
SELECT is(sla.check_breaches('2026-11-23 15:05+00'), 1, 'late stop: the check at 15:05 runs its escalations');
SELECT is((SELECT prio FROM bs_ticket WHERE id = 1), 'late', 'late stop: the breach escalation ran');
SELECT is(sla.check_breaches('2026-11-23 15:10+00'), 0, 'late stop: once');
SELECT is(pg_temp.events('1', ARRAY['breach', 'stopped', 'escalated', 'warning']),
    'breach@23 15:00 due 23 14:00, stopped@23 15:00, escalated@23 15:05 late', 'late stop: one breach event, one escalation');

-- a stop after a check recorded the breach: no second breach event
INSERT INTO bs_ticket VALUES (2, 'open', 'normal', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
SELECT is(sla.check_breaches('2026-11-23 14:30+00'), 2, 'ticket 2 checked in time: its warning and breach');
INSERT INTO bs_msg (ticket, who, at) VALUES (2, 'agent', '2026-11-23 15:00+00');
SELECT is(pg_temp.events('2', ARRAY['breach', 'stopped']), 'breach@23 14:30 due 23 14:00, stopped@23 15:00',
    'a stop after the check''s breach adds none');

-- 2. Re-breach after relaxing.  Ticket 3 breached at 14:00 (seen 14:01); the target relaxed to
-- 8 hours moves the due date to Tuesday 10:00, past the recorded breach: pending again.
INSERT INTO bs_ticket VALUES (3, 'open', 'normal', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
SELECT is(sla.check_breaches('2026-11-23 14:01+00'), 2, 'ticket 3: warning and breach');
UPDATE sla.level_target SET target = '8 hours'
 WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'bs_std');
SELECT is((SELECT to_char(due_at, 'DD HH24:MI') || ' ' || coalesce(breach_seen_at::text, 'unseen') || ' ' || coalesce(warned_at::text, 'unwarned')
             FROM sla.clock WHERE attachment_id = pg_temp.att() AND ticket_key = '3' AND metric = 'first_response'),
    '24 10:00 unseen unwarned', 'relaxed: due Tuesday 10:00, the breach and the warning (Monday 16:00 now) pending again');
SELECT is(sla.check_breaches('2026-11-24 10:01+00'), 2, 'the new warning and the new breach');
SELECT is(pg_temp.events('3', ARRAY['breach', 'warning']),
    'warning@23 14:01 due 23 14:00, breach@23 14:01 due 23 14:00, warning@24 10:01 due 24 10:00, breach@24 10:01 due 24 10:00',
    're-breach: a second breach event, for the new due date');
-- tightening back to 4 hours: the due date moves before the recorded breach, which stays
UPDATE sla.level_target SET target = '4 hours'
 WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'bs_std');
SELECT is(sla.check_breaches('2026-11-24 10:05+00'), 0, 'tightened: the breach recorded stays recorded');
INSERT INTO bs_msg (ticket, who, at) VALUES (3, 'agent', '2026-11-24 10:10+00');

-- 3. Steps at 50, 100, 150 and 200 % of first_response (4 business hours from Wednesday 10:00):
-- 12:00, 14:00 (the breach), 16:00, Thursday 10:00
INSERT INTO sla.escalation (level_id, metric, on_event, action, at_percent)
     SELECT id, 'first_response', 'warning', 'notify_only', 50 FROM sla.level WHERE name = 'bs_std';
INSERT INTO sla.escalation (level_id, metric, on_event, action, column_name, column_value, at_percent, position)
     SELECT id, 'first_response', 'breach', 'set_column', 'priority', v, p, p FROM sla.level, (VALUES ('p150a', 150), ('p200', 200)) x (v, p)
      WHERE name = 'bs_std';
INSERT INTO sla.escalation (level_id, metric, on_event, action, column_name, column_value, at_percent, position)
     SELECT id, 'first_response', 'breach', 'set_column', 'priority', 'p150b', 150, 151 FROM sla.level WHERE name = 'bs_std';
SELECT throws_ok($$INSERT INTO sla.escalation (level_id, on_event, action, at_percent)
                   SELECT id, 'warning', 'notify_only', 150 FROM sla.level WHERE name = 'bs_std'$$,
    '23514', 'new row for relation "escalation" violates check constraint "escalation_at_percent"',
    'a warning step is before the due date');
INSERT INTO bs_ticket VALUES (4, 'open', 'normal', '2026-11-25 10:00+00', '2026-11-25 10:00+00');
SELECT is((SELECT to_char(step_at, 'DD HH24:MI') || ' ' || step_percent FROM sla.clock
            WHERE attachment_id = pg_temp.att() AND ticket_key = '4' AND metric = 'first_response'),
    '25 12:00 50', 'a new clock''s next step: 50 % at 12:00');
SELECT is(sla.check_breaches('2026-11-25 12:01+00'), 1, 'the 50 % step');
SELECT is(sla.check_breaches('2026-11-25 12:30+00'), 0, 'once');
SELECT is(sla.check_breaches('2026-11-25 14:01+00'), 2, 'the warning (75 %) and the breach');
SELECT is(sla.check_breaches('2026-11-25 16:01+00'), 1, 'the 150 % step');
SELECT is((SELECT prio FROM bs_ticket WHERE id = 4), 'p150b', 'the 150 % step''s actions in position order');
SELECT is(sla.check_breaches('2026-11-26 10:01+00'), 1, 'the 200 % step');
SELECT is(sla.check_breaches('2026-11-27 10:01+00'), 0, 'no step after the last');
SELECT is(pg_temp.events('4', ARRAY['step', 'warning', 'breach', 'escalated']),
    'step@25 12:01 50%, warning@25 14:01 due 25 14:00, breach@25 14:01 due 25 14:00, escalated@25 14:01 late, '
    'step@25 16:01 150%, escalated@25 16:01 p150a, escalated@25 16:01 p150b, step@26 10:01 200%, escalated@26 10:01 p200',
    'steps at 50, 100, 150 and 200 %, each once, each with its actions in order');

INSERT INTO bs_msg (ticket, who, at) VALUES (4, 'agent', '2026-11-27 10:10+00');

-- 4. A failing action: an escalation event, a health row; the retry clears it
INSERT INTO sla.escalation (level_id, metric, on_event, action, column_name, column_value, at_percent)
     SELECT id, 'first_response', 'breach', 'set_column', 'queue', 'managers', 300 FROM sla.level WHERE name = 'bs_std';
INSERT INTO bs_ticket VALUES (5, 'open', 'normal', '2026-11-30 10:00+00', '2026-11-30 10:00+00');
SELECT is(sla.check_breaches('2026-12-02 10:01+00'), 6, 'ticket 5, in one check: the 50 % step, the warning, the breach, the 150, 200 and 300 % steps');
SELECT is((SELECT item || ' | ' || field || ' | ' || value || ' | ' || occurrences || ' | ' || last_ticket_key FROM sla.health
            WHERE attachment_id = pg_temp.att()),
    'escalation_failed | escalation ' || (SELECT max(id) FROM sla.escalation) || ' | 42703: column "queue" of relation public.bs_ticket does not exist (escalation '
        || (SELECT max(id) FROM sla.escalation) || ') | 1 | 5',
    'the failure is a health row');
ALTER TABLE bs_ticket ADD COLUMN queue text;
SELECT is(sla.run_escalations((SELECT id FROM sla.clock WHERE attachment_id = pg_temp.att() AND ticket_key = '5' AND metric = 'first_response'),
                              'step', now(), 300), 1, 'retried');
SELECT is((SELECT count(*) FROM sla.health WHERE attachment_id = pg_temp.att()), 0::bigint, 'the health row is gone after the retry');

-- 5. The notify and call_function actions, on the warning (no at_percent): in position order
CREATE TABLE public.bs_log (event jsonb, who name);
CREATE FUNCTION public.bs_hook(e jsonb) RETURNS void LANGUAGE sql AS $$INSERT INTO public.bs_log VALUES (e, current_user)$$;
CREATE FUNCTION public.bs_bad(e integer) RETURNS void LANGUAGE sql AS $$SELECT$$;
INSERT INTO sla.escalation (level_id, metric, on_event, action, channel, payload, position)
     SELECT id, 'first_response', 'warning', 'notify', 'bs_alerts', '{"team": "night"}', 1 FROM sla.level WHERE name = 'bs_std';
INSERT INTO sla.escalation (level_id, metric, on_event, action, function_name, position)
     SELECT id, 'first_response', 'warning', 'call_function', 'bs_hook(jsonb)', 2 FROM sla.level WHERE name = 'bs_std';
SELECT is((SELECT function_name FROM sla.escalation WHERE action = 'call_function'), 'public.bs_hook(jsonb)',
    'the function is stored schema-qualified');
SELECT throws_ok($$INSERT INTO sla.escalation (level_id, on_event, action) SELECT id, 'warning', 'notify' FROM sla.level WHERE name = 'bs_std'$$,
    '23514', 'new row for relation "escalation" violates check constraint "escalation_notify"', 'notify needs a channel');
SELECT throws_ok($$INSERT INTO sla.escalation (level_id, on_event, action, function_name) SELECT id, 'warning', 'call_function', 'bs_nope(jsonb)' FROM sla.level WHERE name = 'bs_std'$$,
    '42883', NULL, 'call_function needs an existing function');
INSERT INTO bs_ticket VALUES (6, 'open', 'normal', '2026-12-07 10:00+00', '2026-12-07 10:00+00');
SELECT is(sla.check_breaches('2026-12-07 13:01+00'), 2, 'ticket 6: the 50 % step and the warning');
SELECT is((SELECT string_agg((detail ->> 'action') || coalesce(' ' || (detail ->> 'channel'), '') || coalesce(' ' || (detail ->> 'function'), ''), ', ' ORDER BY id)
             FROM sla.event WHERE attachment_id = pg_temp.att() AND ticket_key = '6' AND kind = 'escalated'),
    'notify bs_alerts, call_function public.bs_hook(jsonb)', 'warning: notify, then call_function');
SELECT is((SELECT (event ->> 'event') || ' ' || (event ->> 'ticket_key') || ' ' || (event ->> 'metric') || ' ' || who FROM bs_log),
    'warning 6 first_response ' || (SELECT proowner::regrole::text FROM pg_proc WHERE proname = 'bs_hook'),
    'the function got the event and ran as its owner');
-- a registrant without the privileges of the function's owner: the call fails, isolated
CREATE ROLE bs_nobody;
UPDATE sla.escalation SET registered_by = 'bs_nobody' WHERE action = 'call_function';
INSERT INTO bs_ticket VALUES (7, 'open', 'normal', '2026-12-07 10:00+00', '2026-12-07 10:00+00');
SELECT is(sla.check_breaches('2026-12-07 13:02+00'), 2, 'ticket 7: the 50 % step and the warning');
SELECT is((SELECT string_agg(kind || ' ' || coalesce(detail ->> 'sqlstate', detail ->> 'action'), ', ' ORDER BY id)
             FROM sla.event WHERE attachment_id = pg_temp.att() AND ticket_key = '7' AND kind IN ('escalated', 'escalation_failed')),
    'escalated notify, escalation_failed 42501', 'the call refused for the registrant, the notify still done');

SELECT * FROM finish();
ROLLBACK;
