-- engine_escalation.sql — escalation actions run by check_breaches() in its own transaction:
-- set_column on the warning, raise_level on the breach (clocks re-targeted), each once; a
-- failing action rolls its crossing back; inactive rows and notify_only do nothing.
-- Calendar mon-fri 09:00-17:00 UTC; Monday 2026-11-23.
BEGIN;
SELECT plan(33);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

-- schema contract
SELECT has_table('sla', 'escalation', 'sla.escalation exists');
SELECT has_function('sla', 'run_escalations', ARRAY['bigint', 'text', 'timestamp with time zone', 'numeric'],
                    'sla.run_escalations(bigint, text, timestamptz, numeric) exists');
SELECT volatility_is('sla', 'run_escalations', ARRAY['bigint', 'text', 'timestamp with time zone', 'numeric'], 'volatile',
                     'run_escalations writes: volatile');
SELECT has_trigger('sla', 'escalation', 'calendar_invalidate', 'escalation edits invalidate the config cache');
SELECT ok((SELECT 'sla.escalation'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'sla'),
          'sla.escalation is dumped by pg_dump (pg_extension_config_dump)');

SELECT ok(sla.define_calendar('es', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('es_std', 'es', first_response => '4 hours', resolution => '2 days',
                           warning_percent => 75, is_default => true) > 0, 'standard level');
SELECT ok(sla.define_level('es_fast', 'es', first_response => '2 hours', resolution => '8 hours',
                           warning_percent => 90) > 0, 'fast level');
CREATE TABLE es_ticket (id int PRIMARY KEY, st text, prio text, created timestamptz, updated timestamptz);
SELECT ok(sla.attach('es_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated",
                                   "status": "st", "priority": "prio"}') > 0, 'attached');
SELECT sla.map_status('es_ticket', 'open', 'open');

-- 'priority' is a mapping key: it names the column prio of es_ticket
INSERT INTO sla.escalation (level_id, metric, on_event, action, column_name, column_value, position)
     SELECT id, 'first_response', 'warning', 'set_column', 'priority', 'high', 1 FROM sla.level WHERE name = 'es_std';
INSERT INTO sla.escalation (level_id, on_event, action, position)
     SELECT id, 'warning', 'notify_only', 2 FROM sla.level WHERE name = 'es_std';
INSERT INTO sla.escalation (level_id, on_event, action, column_name, column_value, position, active)
     SELECT id, 'warning', 'set_column', 'prio', 'ignored', 3, false FROM sla.level WHERE name = 'es_std';
INSERT INTO sla.escalation (level_id, on_event, action, to_level_id)
     SELECT s.id, 'breach', 'raise_level', f.id FROM sla.level s, sla.level f
      WHERE s.name = 'es_std' AND f.name = 'es_fast';

SELECT throws_ok($$INSERT INTO sla.escalation (level_id, on_event, action)
                   SELECT id, 'breach', 'raise_level' FROM sla.level WHERE name = 'es_std'$$,
    '23514', 'new row for relation "escalation" violates check constraint "escalation_to_level"',
    'raise_level without to_level_id');
SELECT throws_ok($$INSERT INTO sla.escalation (level_id, on_event, action, column_name)
                   SELECT id, 'breach', 'set_column', 'prio' FROM sla.level WHERE name = 'es_std'$$,
    '23514', 'new row for relation "escalation" violates check constraint "escalation_column"',
    'set_column without a value');
SELECT throws_ok($$INSERT INTO sla.escalation (level_id, on_event, action, to_level_id)
                   SELECT id, 'breach', 'notify_only', id FROM sla.level WHERE name = 'es_std'$$,
    '23514', 'new row for relation "escalation" violates check constraint "escalation_to_level"',
    'only raise_level has a to_level_id');

INSERT INTO es_ticket VALUES (1, 'open', 'normal', '2026-11-23 10:00+00', '2026-11-23 10:00+00');

-- es_std: first_response warns at 13:00 (75 % of 4 hours), is due at 14:00
SELECT is(sla.check_breaches('2026-11-23 13:01+00'), 1, 'the first-response warning');
SELECT is((SELECT prio FROM es_ticket WHERE id = 1), 'high',
          'warning → set_column: the host row''s priority (mapped column prio) is high, not the inactive row''s value');
SELECT is((SELECT string_agg((detail ->> 'action') || ' ' || (detail ->> 'column') || '=' || (detail ->> 'value')
                             || ' rows ' || (detail ->> 'rows'), ', ')
             FROM sla.event WHERE kind = 'escalated' AND ticket_key = '1'
              AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'es_ticket'::regclass)),
    'set_column prio=high rows 1', 'one escalated event for the set_column (notify_only and the inactive row log none)');

SELECT is(sla.check_breaches('2026-11-23 14:01+00'), 1, 'the first-response breach');
SELECT is((SELECT l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id
            WHERE t.ticket_key = '1'
              AND t.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'es_ticket'::regclass)),
    'es_fast', 'breach → raise_level: the ticket is on the fast level');
-- re-targeted from the start (Mon 10:00) with the fast targets: first_response 2 hours → Mon
-- 12:00; resolution 8 business hours = Mon 10:00-17:00 (7) + Tue 09:00-10:00 (1) → Tue 10:00
SELECT is((SELECT string_agg(c.metric || ' ' || l.name || ' ' || c.due_at::text || ' ' || c.state, ', ' ORDER BY c.id)
             FROM sla.clock c JOIN sla.level l ON l.id = c.level_id
            WHERE c.ticket_key = '1'
              AND c.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'es_ticket'::regclass)),
    'first_response es_fast 2026-11-23 12:00:00+00 running, resolution es_fast 2026-11-24 10:00:00+00 running',
    'running clocks re-targeted to the fast level');
SELECT is((SELECT string_agg(kind || coalesce(':' || (detail ->> 'action'), ':' || (detail ->> 'metric')), ',' ORDER BY id)
             FROM sla.event WHERE ticket_key = '1' AND kind IN ('warning', 'breach', 'escalated', 'retargeted')
              AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'es_ticket'::regclass)),
    'warning:first_response,escalated:set_column,breach:first_response,retargeted:first_response,retargeted:resolution,escalated:raise_level',
    'the events in order: each crossing, then its escalations');
SELECT is((SELECT (detail ->> 'from_level')::int || '->' || (detail ->> 'to_level')::int FROM sla.event
            WHERE kind = 'escalated' AND detail ->> 'action' = 'raise_level'),
    (SELECT s.id || '->' || f.id FROM sla.level s, sla.level f WHERE s.name = 'es_std' AND f.name = 'es_fast'),
    'the escalated event names both levels');

-- es_fast warns at 90 % of 8 hours = 7h12m → Tue 09:12: nothing is pending at 14:30
SELECT is(sla.check_breaches('2026-11-23 14:30+00'), 0, 'a second check records nothing');
SELECT is((SELECT count(*)::int FROM sla.event WHERE kind = 'escalated'), 2, 'and escalates nothing more');

-- a set_column naming a column es_ticket does not have: the action fails alone, recorded
INSERT INTO sla.escalation (level_id, on_event, action, column_name, column_value)
     SELECT id, 'breach', 'set_column', 'no_such_col', 'x' FROM sla.level WHERE name = 'es_fast';
SELECT is(sla.check_breaches('2026-11-24 09:30+00'), 1, 'the resolution warning at the fast level (no warning escalations)');
SELECT is(sla.check_breaches('2026-11-24 10:01+00'), 1, 'a failing action does not fail the breach check');
SELECT is((SELECT count(*)::int FROM sla.event WHERE kind = 'breach' AND detail ->> 'metric' = 'resolution'), 1,
          'the breach is recorded');
SELECT is((SELECT detail ->> 'sqlstate' || ' ' || (detail ->> 'error') FROM sla.event WHERE kind = 'escalation_failed'),
    format('42703 column "no_such_col" of relation public.es_ticket does not exist (escalation %s)',
           (SELECT id FROM sla.escalation WHERE column_name = 'no_such_col')),
    'and the failed action is an escalation_failed event with its SQLSTATE and message');

-- deactivated, the row does nothing: a later crossing escalates nothing
UPDATE sla.escalation SET active = false WHERE column_name = 'no_such_col';
SELECT is(sla.run_escalations((SELECT id FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'
                                 AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'es_ticket'::regclass)),
                              'breach', '2026-11-24 10:01+00'), 0, 'an inactive escalation does nothing');
SELECT is((SELECT count(*)::int FROM sla.event WHERE kind = 'escalated'), 2, 'and logs nothing');

-- the key column is never written, and run_escalations refuses to run inside itself
UPDATE sla.escalation SET column_name = 'key', active = true WHERE column_name = 'no_such_col';
SELECT is(sla.run_escalations((SELECT id FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'
                                 AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'es_ticket'::regclass)),
                              'breach', '2026-11-25 12:00+00'), 0, 'set_column on the mapped key is refused');
SELECT is((SELECT detail ->> 'sqlstate' FROM sla.event WHERE kind = 'escalation_failed' ORDER BY id DESC LIMIT 1), '22023',
    'as an escalation_failed event (22023)');
SET LOCAL sla.escalating = on;
SELECT is(sla.run_escalations((SELECT id FROM sla.clock WHERE ticket_key = '1' AND metric = 'resolution'
                                 AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'es_ticket'::regclass)),
                              'breach', '2026-11-25 12:00+00'),
    0, 'inside an escalation, no escalation runs');
SELECT is((SELECT count(*)::int FROM sla.event WHERE kind = 'escalation_skipped' AND ticket_key = '1'), 1,
          'and the skip is recorded');
SET LOCAL sla.escalating = off;
SELECT throws_ok($$SELECT sla.run_escalations(1, 'stopped', now())$$, '22023',
    'escalations run on a warning, a breach or a step, not on "stopped"', 'unknown crossing kind');

SELECT * FROM finish();
ROLLBACK;
