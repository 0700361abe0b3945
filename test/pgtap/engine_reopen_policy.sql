-- engine_reopen_policy.sql — a resolution clock that stood met while its level's target was
-- edited runs, once the ticket reopens, under the target in force at the reopening (docs/
-- engine-design.md, change 16): the triggers write the re-target the clock model decides, with
-- its event, and a reopening under an unchanged policy writes none.  Calendar 24/7 UTC.
BEGIN;
SELECT plan(9);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('ro', 'UTC', '24/7') > 0, 'calendar');
SELECT ok(sla.define_level('ro_std', 'ro', first_response => '8 hours', resolution => '1 day', is_default => true) > 0,
          'level');
CREATE TABLE ro_ticket (id int PRIMARY KEY, st text, created timestamptz, updated timestamptz);
SELECT ok(sla.attach('ro_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}') > 0,
          'attached');
SELECT sla.map_status('ro_ticket', 'open', 'open');
SELECT sla.map_status('ro_ticket', 'solved', 'solved');
CREATE FUNCTION pg_temp.resolution(key text) RETURNS text LANGUAGE sql AS $$
    SELECT k.state || ' target ' || k.target::text || ' due ' || to_char(k.due_at, 'MM-DD HH24:MI')
      FROM sla.clock k JOIN sla.attachment a ON a.id = k.attachment_id
     WHERE a.ticket_table = 'ro_ticket'::regclass AND k.ticket_key = key AND k.metric = 'resolution'
$$;
CREATE FUNCTION pg_temp.events(key text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(e.kind || coalesce(' ' || (e.detail ->> 'reason'), ''), ', ' ORDER BY e.id)
      FROM sla.event e JOIN sla.clock k ON k.id = e.clock_id AND k.metric = 'resolution'
      JOIN sla.attachment a ON a.id = e.attachment_id
     WHERE a.ticket_table = 'ro_ticket'::regclass AND e.ticket_key = key AND e.kind IN ('reopened', 'retargeted', 'cancelled')
$$;

-- ticket 1: created Monday 08:00, solved 10:00 (resolution met, 2 hours used)
INSERT INTO ro_ticket VALUES (1, 'open', '2026-11-23 08:00', '2026-11-23 08:00'),
                             (2, 'open', '2026-11-23 08:00', '2026-11-23 08:00');
UPDATE ro_ticket SET st = 'solved', updated = '2026-11-23 10:00' WHERE id = 1;
SELECT is(pg_temp.resolution('1'), 'met target 1 day due 11-24 08:00', 'solved: resolution met against 1 day');
-- while it stands solved the target goes from 1 day to 2 days
UPDATE sla.level_target SET target = '2 days'
 WHERE metric = 'resolution' AND level_id = (SELECT id FROM sla.level WHERE name = 'ro_std');
SELECT is(pg_temp.resolution('1'), 'met target 1 day due 11-24 08:00', 'a decided clock keeps its target and due date');
-- ticket 2 was running: re-targeted by the edit, then solved at 11:00
UPDATE ro_ticket SET st = 'solved', updated = '2026-11-23 11:00' WHERE id = 2;
-- reopened Monday 12:00: the 2 hours it stood solved do not count; 2 days from 08:00 plus 2 hours
UPDATE ro_ticket SET st = 'open', updated = '2026-11-23 12:00' WHERE id = 1;
SELECT is(pg_temp.resolution('1'), 'running target 2 days due 11-25 10:00',
          'reopened: the resolution clock runs against the target in force');
SELECT is(pg_temp.events('1'), 'reopened, retargeted policy changed', 'a reopened event, then a retargeted one naming the policy');
-- ticket 2 reopens under the policy it stopped under: no re-target at the reopening
UPDATE ro_ticket SET st = 'open', updated = '2026-11-23 12:00' WHERE id = 2;
SELECT is(pg_temp.events('2'), 'retargeted policy changed, reopened', 'an unchanged policy: no retargeted event at the reopening');
-- the target removed while ticket 1 stands solved (13:00 to 14:00, one more hour stood): the
-- reopening cancels the clock
UPDATE ro_ticket SET st = 'solved', updated = '2026-11-23 13:00' WHERE id = 1;
DELETE FROM sla.level_target WHERE metric = 'resolution' AND level_id = (SELECT id FROM sla.level WHERE name = 'ro_std');
UPDATE ro_ticket SET st = 'open', updated = '2026-11-23 14:00' WHERE id = 1;
SELECT is(pg_temp.resolution('1'), 'cancelled target 2 days due 11-25 11:00', 'no target any more: reopened and cancelled');

SELECT * FROM finish();
ROLLBACK;
