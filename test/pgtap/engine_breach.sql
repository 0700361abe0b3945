-- engine_breach.sql — warnings and breaches as time passes: warn_at follows the level's
-- warning share and moves with pauses and re-targets; check_breaches() records each crossing
-- once.  Calendar mon-fri 09:00-17:00 UTC; Monday 2026-11-23.
BEGIN;
SELECT plan(17);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('br', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('br_std', 'br', first_response => '4 hours', resolution => '2 days',
                           warning_percent => 75, is_default => true) > 0, 'level');
CREATE TABLE br_ticket (id int PRIMARY KEY, st text, created timestamptz, updated timestamptz);
SELECT ok(sla.attach('br_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}') > 0, 'attached');
SELECT sla.map_status('br_ticket', s, l) FROM (VALUES ('open', 'open'), ('wait', 'paused')) v(s, l);
INSERT INTO br_ticket VALUES (1, 'open', '2026-11-23 10:00+00', '2026-11-23 10:00+00');

-- 75 % of 4 business hours = 3 hours: 13:00; 75 % of 2 days = 12 of 16 business hours:
-- Mon 10:00-17:00 (7) + Tue 09:00 + 5 = Tue 14:00
SELECT is((SELECT string_agg(metric || ' ' || warn_at::text, ', ' ORDER BY id) FROM sla.clock WHERE ticket_key = '1'
            AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'br_ticket'::regclass)),
    'first_response 2026-11-23 13:00:00+00, resolution 2026-11-24 14:00:00+00', 'warning instants');

SELECT is(sla.check_breaches('2026-11-23 12:59+00'), 0, 'nothing crossed before 13:00');
SELECT is(sla.check_breaches('2026-11-23 13:01+00'), 1, 'the first-response warning');
SELECT is(sla.check_breaches('2026-11-23 13:30+00'), 0, 'recorded once');
SELECT is(sla.check_breaches('2026-11-23 14:01+00'), 1, 'the first-response breach');
SELECT is(sla.check_breaches('2026-11-23 15:00+00'), 0, 'recorded once');

-- a pause moves the resolution warning out by the paused business time
UPDATE br_ticket SET st = 'wait', updated = '2026-11-23 16:00+00' WHERE id = 1;
UPDATE br_ticket SET st = 'open', updated = '2026-11-24 10:00+00' WHERE id = 1;   -- paused 1 + 1 = 2 hours
SELECT is((SELECT warn_at FROM sla.clock WHERE metric = 'resolution'
            AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'br_ticket'::regclass)),
    '2026-11-24 16:00+00'::timestamptz, 'a 2-hour pause moves the warning from 14:00 to 16:00');
SELECT is(sla.check_breaches('2026-11-24 15:00+00'), 0, 'no warning before the moved instant');
-- past both the warning and the due time in one step: one event per crossing, warning first
SELECT is(sla.check_breaches('2026-11-26 12:00+00'), 2, 'straight past due: a warning and a breach event');
SELECT is((SELECT string_agg(kind || ':' || (detail ->> 'metric'), ',' ORDER BY id) FROM sla.event
            WHERE kind IN ('warning', 'breach')
              AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'br_ticket'::regclass)),
    'warning:first_response,breach:first_response,warning:resolution,breach:resolution', 'the events');

-- cheap when nothing is due: the pending crossings are found through partial indexes, never by
-- scanning all clocks (the planner is pushed off sequential scans to show the indexes serve)
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    result text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        result := result || line || E'\n';
    END LOOP;
    RETURN result;
END
$$;
SET LOCAL enable_seqscan = off;
SELECT matches(pg_temp.plan_of($$SELECT id FROM sla.clock WHERE state = 'running' AND breach_seen_at IS NULL AND due_at < '2026-11-23'$$),
    'clock_int4_active_due', 'pending breaches are found through the index of active clocks by due time');
SELECT matches(pg_temp.plan_of($$SELECT id FROM sla.clock WHERE state = 'running' AND warned_at IS NULL AND warn_at < '2026-11-23'$$),
    'clock_int4_warning_pending', 'pending warnings are found through the partial index on warn_at');

-- warn_at written by the C engine on insert equals the trigger's formula, also for a share
-- that is not a round fraction (33.333333 % of 3 business hours from 16:20 = 3599.99996 s: Tuesday 09:19:59.999964)
SELECT ok(sla.define_level('br_third', 'br', first_response => '3 hours', warning_percent => 33.333333) > 0, 'a 1/3 level');
INSERT INTO sla.rule (name, position, set_level_id)
     SELECT 'br third', 1, id FROM sla.level WHERE name = 'br_third';
INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
     SELECT id, 1, 'status', 'equals', '"open"' FROM sla.rule WHERE name = 'br third';
INSERT INTO br_ticket VALUES (2, 'open', '2026-11-23 16:20+00', '2026-11-23 16:20+00');
SELECT is((SELECT string_agg(k.warn_at::text || ' = ' || sla.business_add(k.started_at,
              k.paused_for OPERATOR(sla.+) (sla.business_between(k.started_at, k.due_at, k.calendar_id)
                                            OPERATOR(sla.-) k.paused_for)
                             OPERATOR(sla.*) (l.warning_percent / 100)::float8, k.calendar_id)::text, ', ')
             FROM sla.clock k JOIN sla.level l ON l.id = k.level_id
            WHERE k.ticket_key = '2' AND k.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'br_ticket'::regclass)),
    '2026-11-24 09:19:59.999964+00 = 2026-11-24 09:19:59.999964+00', 'warn_at of an engine-started clock matches the formula');

SELECT * FROM finish();
ROLLBACK;
