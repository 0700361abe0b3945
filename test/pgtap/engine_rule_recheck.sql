-- engine_rule_recheck.sql — issue 15: rules relative to now (older_than, newer_than) change a
-- ticket's level without a ticket update.  The breach check runs a ticket's rules marked
-- on_update again at the instant one of their conditions on age changes, applies the level
-- they choose as a level fact of that instant, and re-targets the running clocks from there.
-- Calendar 24/7 UTC; Monday 2026-11-23.
BEGIN;
SELECT plan(35);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('rr', 'UTC', '24/7') > 0, 'calendar');
SELECT ok(sla.define_level('rr_normal', 'rr', first_response => '8 hours', resolution => '2 days', is_default => true) > 0,
          'default level');
SELECT ok(sla.define_level('rr_high', 'rr', first_response => '4 hours', resolution => '1 day') > 0, 'high level');
SELECT ok(sla.define_level('rr_urgent', 'rr', first_response => '1 hour', resolution => '4 hours') > 0, 'urgent level');
-- "an open high-priority ticket older than 2 hours is urgent"; "a customer waiting more than a
-- day since their last message is high"
INSERT INTO sla.rule (name, position, set_level_id, on_update)
     SELECT 'aging high', 10, id, true FROM sla.level WHERE name = 'rr_urgent';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 1, 1, 'priority', 'equals', '"high"'::jsonb FROM sla.rule WHERE name = 'aging high'
     UNION ALL
     SELECT id, 1, 2, 'created_at', 'older_than', '"2 hours"' FROM sla.rule WHERE name = 'aging high';
INSERT INTO sla.rule (name, position, set_level_id, on_update)
     SELECT 'customer waiting', 5, id, true FROM sla.level WHERE name = 'rr_high';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 1, 1, 'last_message_author', 'equals', '"customer"'::jsonb FROM sla.rule WHERE name = 'customer waiting'
     UNION ALL
     SELECT id, 1, 2, 'last_message_at', 'older_than', '"1 day"' FROM sla.rule WHERE name = 'customer waiting';

CREATE TABLE rr_ticket (id int PRIMARY KEY, st text, prio text, created timestamptz, updated timestamptz);
CREATE TABLE rr_msg (id serial PRIMARY KEY, ticket int, who text, at timestamptz);
SELECT ok(sla.attach('rr_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st", "priority": "prio"}',
                     'rr_msg', '{"ticket": "ticket", "created_at": "at", "author_kind": "who",
                                 "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('rr_ticket', 'open', 'open');
SELECT sla.map_status('rr_ticket', 'solved', 'solved');
CREATE FUNCTION pg_temp.att() RETURNS integer LANGUAGE sql AS
    $$SELECT id FROM sla.attachment WHERE ticket_table = 'rr_ticket'::regclass$$;
CREATE FUNCTION pg_temp.level(key text) RETURNS text LANGUAGE sql AS $$
    SELECT l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id
     WHERE t.attachment_id = pg_temp.att() AND t.ticket_key = key
$$;
CREATE FUNCTION pg_temp.recheck(key text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(to_char(rules_recheck_at, 'DD HH24:MI:SS.US'), 'never') FROM sla.ticket
     WHERE attachment_id = pg_temp.att() AND ticket_key = key
$$;
CREATE FUNCTION pg_temp.clocks(key text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(k.metric || ' ' || l.name || ' ' || k.state || ' due ' || to_char(k.due_at, 'DD HH24:MI:SS.US'), ', ' ORDER BY k.metric)
      FROM sla.clock k JOIN sla.level l ON l.id = k.level_id
     WHERE k.attachment_id = pg_temp.att() AND k.ticket_key = key
$$;
CREATE FUNCTION pg_temp.retargets(key text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(DISTINCT to_char(e.at, 'DD HH24:MI:SS.US') || ' ' || f.name || '->' || t.name, ', ')
      FROM sla.event e
      JOIN sla.level f ON f.id = (e.detail ->> 'from_level')::int
      JOIN sla.level t ON t.id = (e.detail ->> 'to_level')::int
     WHERE e.attachment_id = pg_temp.att() AND e.ticket_key = key AND e.kind = 'retargeted'
$$;

-- 1. A high-priority ticket created at 10:00 becomes urgent 2 hours (and 1 µs: older_than is
-- strict) later, with no update.
INSERT INTO rr_ticket VALUES (1, 'open', 'high', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
SELECT is(pg_temp.level('1'), 'rr_normal', 'created: the aging rule does not hold yet');
SELECT is(pg_temp.recheck('1'), '23 12:00:00.000001', 'its rules are due again when the ticket is older than 2 hours');
SELECT is(sla.check_breaches('2026-11-23 11:59'), 0, 'a check before that changes nothing');
SELECT is(pg_temp.level('1'), 'rr_normal', 'still normal at 11:59');
SELECT is(sla.check_breaches('2026-11-23 12:30'), 1, 'the check at 12:30 runs the ticket''s rules');
SELECT is(pg_temp.level('1'), 'rr_urgent', 'urgent, without a ticket update');
SELECT is(pg_temp.retargets('1'), '23 12:00:00.000001 rr_normal->rr_urgent',
    'the clocks were re-targeted at the instant the rule began to hold, not at the check');
SELECT is(pg_temp.clocks('1'),
    'first_response rr_urgent running due 23 11:00:00.000000, resolution rr_urgent running due 23 14:00:00.000000',
    'the clocks measure the urgent targets from the ticket''s creation');
SELECT is(pg_temp.recheck('1'), 'never', 'no condition on age can change again: nothing scheduled');
SELECT is(sla.check_breaches('2026-11-23 12:31'), 2, 'the next check records the warning and the breach the new target made');
SELECT is((SELECT count(*)::int FROM sla.event WHERE attachment_id = pg_temp.att() AND ticket_key = '1' AND kind = 'breach'), 1,
    'one breach event');
SELECT is(sla.check_breaches('2026-11-23 12:32'), 0, 'and nothing more');

-- 2. A ticket whose other conditions cannot hold is never rechecked: a low-priority ticket.
INSERT INTO rr_ticket VALUES (2, 'open', 'low', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
SELECT is(pg_temp.recheck('2'), 'never', 'low priority: the aging rule cannot hold, nothing scheduled');
-- raising the priority schedules it (the update runs the rules at its own instant: 11:00)
UPDATE rr_ticket SET prio = 'high', updated = '2026-11-23 11:00+00' WHERE id = 2;
SELECT is(pg_temp.recheck('2'), '23 12:00:00.000001', 'raised to high at 11:00: due again at 12:00');
-- raising it after the boundary: the update's own run of the rules decides, nothing is left
INSERT INTO rr_ticket VALUES (3, 'open', 'low', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
UPDATE rr_ticket SET prio = 'high', updated = '2026-11-23 13:00+00' WHERE id = 3;
SELECT is(pg_temp.level('3') || ' ' || pg_temp.recheck('3'), 'rr_urgent never', 'raised at 13:00: urgent at once, nothing scheduled');

-- 3. The conversation: a customer message starts the day of waiting, an agent's reply ends it.
INSERT INTO rr_ticket VALUES (4, 'open', 'low', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
INSERT INTO rr_msg (ticket, who, at) VALUES (4, 'customer', '2026-11-23 10:30+00');
SELECT is(pg_temp.recheck('4'), '24 10:30:00.000001', 'a customer message: due again a day after it');
INSERT INTO rr_msg (ticket, who, at) VALUES (4, 'agent', '2026-11-23 11:00+00');
SELECT is(pg_temp.recheck('4'), 'never', 'an agent reply: the customer is not waiting, nothing scheduled');
INSERT INTO rr_msg (ticket, who, at) VALUES (4, 'customer', '2026-11-23 15:00+00');
SELECT is(pg_temp.recheck('4'), '24 15:00:00.000001', 'the customer writes again: a day after that');
SELECT is(sla.check_breaches('2026-11-24 14:00') >= 1, true, 'a check on Tuesday 14:00 (other tickets'' crossings)');
SELECT is(pg_temp.level('4'), 'rr_normal', 'not yet a day of waiting');
SELECT is(sla.check_breaches('2026-11-24 15:10') >= 1, true, 'the check at 15:10 runs its rules');
SELECT is(pg_temp.level('4') || ' ' || pg_temp.retargets('4'), 'rr_high 24 15:00:00.000001 rr_normal->rr_high',
    'a day of waiting: high, from the instant the day was over');

-- 4. A check that ran late catches up on every change in order: two rules on the same ticket,
-- older than 1 hour gives high, older than 3 hours urgent (later position: it overrides)
INSERT INTO sla.rule (name, position, set_level_id, on_update)
     SELECT 'one hour', 20, id, true FROM sla.level WHERE name = 'rr_high';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 1, 1, 'priority', 'equals', '"mid"'::jsonb FROM sla.rule WHERE name = 'one hour'
     UNION ALL SELECT id, 1, 2, 'created_at', 'older_than', '"1 hour"' FROM sla.rule WHERE name = 'one hour';
INSERT INTO sla.rule (name, position, set_level_id, on_update)
     SELECT 'three hours', 30, id, true FROM sla.level WHERE name = 'rr_urgent';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 1, 1, 'priority', 'equals', '"mid"'::jsonb FROM sla.rule WHERE name = 'three hours'
     UNION ALL SELECT id, 1, 2, 'created_at', 'older_than', '"3 hours"' FROM sla.rule WHERE name = 'three hours';
INSERT INTO rr_ticket VALUES (5, 'open', 'mid', '2026-11-25 10:00+00', '2026-11-25 10:00+00');
SELECT is(pg_temp.recheck('5'), '25 11:00:00.000001', 'the first boundary: 1 hour');
SELECT is(sla.check_breaches('2026-11-25 14:00') >= 1, true, 'one check, four hours later');
SELECT is(pg_temp.retargets('5'), '25 11:00:00.000001 rr_normal->rr_high, 25 13:00:00.000001 rr_high->rr_urgent',
    'both changes, each at its own instant');
SELECT is(pg_temp.level('5') || ' ' || pg_temp.recheck('5'), 'rr_urgent never', 'urgent, nothing left to schedule');

-- 5. The breach check's caller need not see the host table: the rules read the row as its owner.
INSERT INTO rr_ticket VALUES (6, 'open', 'high', '2026-11-26 10:00+00', '2026-11-26 10:00+00');
CREATE ROLE rr_checker IN ROLE sla_writer;
SET LOCAL ROLE rr_checker;
SELECT throws_ok('SELECT count(*) FROM rr_ticket', '42501', NULL, 'the checker cannot read the helpdesk''s tickets');
SELECT is(sla.check_breaches('2026-11-26 12:30') >= 1, true, 'its check runs the rules all the same');
RESET ROLE;
SELECT is(pg_temp.level('6'), 'rr_urgent', 'ticket 6 urgent');

-- 6. A deleted ticket is not rechecked
INSERT INTO rr_ticket VALUES (7, 'open', 'high', '2026-11-27 10:00+00', '2026-11-27 10:00+00');
DELETE FROM rr_ticket WHERE id = 7;
SELECT is(pg_temp.recheck('7'), 'never', 'deleted: nothing scheduled');

SELECT * FROM finish();
ROLLBACK;
