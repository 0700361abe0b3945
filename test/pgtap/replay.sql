-- replay.sql — sla.replay recomputes clocks from the fact log with the triggers' clock model:
-- under the unchanged policy it gives the stored clocks exactly; under an edit made in the
-- caller's transaction (a what-if rolled back) it gives what the edit would have given, while
-- the live clocks come back unchanged; it hides what the host hides; it refuses bad input.
-- Calendar mon-fri 09:00-17:00 UTC; Monday 2026-11-23.
BEGIN;
SELECT plan(38);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('rp', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('rp_std', 'rp', first_response => '4 hours', next_response => '4 hours',
                           periodic_update => '8 hours', chat_response => '1 hour', resolution => '2 days',
                           is_default => true) > 0, 'default level');
SELECT ok(sla.define_level('rp_gold', 'rp', first_response => '1 hour', next_response => '2 hours',
                           resolution => '1 day') > 0, 'gold level');
CREATE TABLE rp_ticket (id int PRIMARY KEY, st text, prio text, dept text, created timestamptz, updated timestamptz);
CREATE TABLE rp_msg (id serial PRIMARY KEY, ticket int, kind text, channel text, created timestamptz);
SELECT ok(sla.attach('rp_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st",
                                    "priority": "prio", "department": "dept"}',
                     'rp_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "kind",
                                 "customer_values": ["customer"], "agent_values": ["agent"],
                                 "channel": "channel", "chat_values": ["chat"]}') > 0, 'attached');
SELECT sla.map_status('rp_ticket', s, l)
  FROM (VALUES ('open', 'open'), ('pending', 'paused'), ('solved', 'solved'), ('closed', 'closed')) v (s, l);
INSERT INTO sla.rule (name, position, active, on_update, set_level_id)
     VALUES ('rp gold', 10, true, true, (SELECT id FROM sla.level WHERE name = 'rp_gold'));
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 1, 1, 'priority', 'equals', '"high"' FROM sla.rule WHERE name = 'rp gold';

-- Varied histories.
-- 1: replied in time, solved
INSERT INTO rp_ticket VALUES (1, 'open', 'low', 'billing', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
INSERT INTO rp_msg (ticket, kind, channel, created) VALUES (1, 'agent', 'email', '2026-11-23 10:00+00');
UPDATE rp_ticket SET st = 'solved', updated = '2026-11-23 12:00+00' WHERE id = 1;
-- 2: a pause, then a late first reply (due 13:00, replied 14:00): breached; a customer message, a reply
INSERT INTO rp_ticket VALUES (2, 'open', 'low', 'sales', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
UPDATE rp_ticket SET st = 'pending', updated = '2026-11-23 10:00+00' WHERE id = 2;
UPDATE rp_ticket SET st = 'open', updated = '2026-11-23 12:00+00' WHERE id = 2;
INSERT INTO rp_msg (ticket, kind, channel, created) VALUES (2, 'agent', 'email', '2026-11-23 14:00+00'),
                                                           (2, 'customer', 'email', '2026-11-23 15:00+00'),
                                                           (2, 'agent', 'email', '2026-11-24 10:00+00');
-- 3: solved, a customer writes while it is solved, reopened
INSERT INTO rp_ticket VALUES (3, 'open', 'low', 'billing', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
INSERT INTO rp_msg (ticket, kind, channel, created) VALUES (3, 'agent', 'email', '2026-11-23 09:30+00');
UPDATE rp_ticket SET st = 'solved', updated = '2026-11-23 11:00+00' WHERE id = 3;
INSERT INTO rp_msg (ticket, kind, channel, created) VALUES (3, 'customer', 'email', '2026-11-23 13:00+00');
UPDATE rp_ticket SET st = 'open', updated = '2026-11-23 14:00+00' WHERE id = 3;
-- 4: the level changes (priority high: gold), a chat
INSERT INTO rp_ticket VALUES (4, 'open', 'low', 'sales', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
UPDATE rp_ticket SET prio = 'high', updated = '2026-11-23 09:30+00' WHERE id = 4;
INSERT INTO rp_msg (ticket, kind, channel, created) VALUES (4, 'customer', 'chat', '2026-11-23 11:00+00'),
                                                           (4, 'agent', 'chat', '2026-11-23 11:20+00');
-- 5: same-instant facts written out of canonical order: the close, then the reply of that instant
INSERT INTO rp_ticket VALUES (5, 'open', 'low', 'billing', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
UPDATE rp_ticket SET st = 'solved', updated = '2026-11-23 11:00+00' WHERE id = 5;
INSERT INTO rp_msg (ticket, kind, channel, created) VALUES (5, 'agent', 'email', '2026-11-23 11:00+00');
-- 6: nobody answered: first_response still runs, past its due time (13:00)
INSERT INTO rp_ticket VALUES (6, 'open', 'low', 'sales', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
-- 7: a ticket tracked before 0.2.0: no log of its history
INSERT INTO rp_ticket VALUES (7, 'open', 'low', 'sales', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
DELETE FROM sla.fact_int4 WHERE ticket_key = 7;
-- 8: created on Tuesday
INSERT INTO rp_ticket VALUES (8, 'open', 'low', 'sales', '2026-11-24 09:00+00', '2026-11-24 09:00+00');

-- The stored clocks, and the replay's, as comparable text
CREATE FUNCTION pg_temp.stored(keys text[] DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(concat_ws(' ', c.ticket_key, c.metric, c.cycle, l.name, c.target, c.state, c.started_at, c.due_at,
                                c.stopped_at, c.business_used), E'\n' ORDER BY c.ticket_key, c.metric, c.cycle)
      FROM sla.clock c JOIN sla.level l ON l.id = c.level_id
     WHERE c.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'rp_ticket'::regclass)
       AND (keys IS NULL OR c.ticket_key = ANY (keys)) $$;
CREATE FUNCTION pg_temp.replayed(keys text[] DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(concat_ws(' ', r.ticket_key, r.metric, r.cycle, r.level, r.target, r.state, r.started_at, r.due_at,
                                r.stopped_at, r.business_used), E'\n' ORDER BY r.ticket_key, r.metric, r.cycle)
      FROM sla.replay('rp_ticket', keys) r $$;
CREATE TEMP TABLE live_before AS SELECT * FROM sla.clock;

-- 1. Under the unchanged policy: the stored clocks, exactly
SELECT is(pg_temp.replayed(), pg_temp.stored(ARRAY['1', '2', '3', '4', '5', '6', '8']),
    'the replay of every ticket with its history equals its stored clocks, column by column');
SELECT is((SELECT count(*)::int FROM sla.replay('rp_ticket') WHERE changed), 0, 'and no row is marked changed');
SELECT is((SELECT string_agg(metric || '#' || cycle || ':' || state || '/' || stored_state, ', ' ORDER BY metric, cycle)
             FROM sla.replay('rp_ticket', ARRAY['2'])),
    'first_response#1:breached/breached, next_response#1:met/met, periodic_update#1:met/met, periodic_update#2:met/met, periodic_update#3:running/running, resolution#1:running/running',
    'ticket 2 (a pause, a late reply, a next response): each clock beside its stored twin');
SELECT is((SELECT string_agg(metric || '#' || cycle || ':' || state, ', ' ORDER BY metric, cycle)
             FROM sla.replay('rp_ticket', ARRAY['3'])),
    'first_response#1:met, next_response#1:running, periodic_update#1:met, periodic_update#2:cancelled, periodic_update#3:running, resolution#1:running',
    'ticket 3 (a message while solved, reopened): next_response from the message, resolution reopened');
SELECT is((SELECT string_agg(metric || ':' || level || ' ' || target || ' ' || state, ', ' ORDER BY metric)
             FROM sla.replay('rp_ticket', ARRAY['4'])),
    'first_response:rp_gold 01:00:00 breached, periodic_update:rp_std 08:00:00 cancelled, resolution:rp_gold 1 day running',
    'ticket 4 (the level changed): the gold targets, the periodic update gold does not measure cancelled, no chat clock');
SELECT is((SELECT state || ' ' || stopped_at FROM sla.replay('rp_ticket', ARRAY['5']) WHERE metric = 'first_response'),
    'met 2026-11-23 11:00:00+00', 'ticket 5 (the close and the reply of one instant): the reply counts');
SELECT is((SELECT count(*)::int FROM sla.replay('rp_ticket', ARRAY['7'])), 0,
    'a ticket without its history in the log (tracked before 0.2.0) is skipped (with a notice)');
SELECT is((SELECT string_agg(DISTINCT ticket_key, ',') FROM sla.replay('rp_ticket', from_time => '2026-11-24 00:00+00')),
    '8', 'from_time: the tickets created since');
SELECT is((SELECT string_agg(DISTINCT ticket_key, ',' ORDER BY ticket_key) FROM sla.replay('rp_ticket', to_time => '2026-11-24 00:00+00')),
    '1,2,3,4,5,6', 'to_time: the tickets created before (the one without a log is skipped)');
SELECT is((SELECT count(*)::int FROM sla.replay('rp_ticket', ARRAY['99', '8'])), 3, 'a key sla does not track gives nothing');
SELECT is((SELECT department FROM sla.replay('rp_ticket', ARRAY['1']) WHERE metric = 'first_response'), 'billing',
    'the department the stored clock recorded');

-- 2. What-if by rollback: a relaxed first response target (6 hours)
SAVEPOINT what_if;
UPDATE sla.level_target SET target = '6 hours'
 WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'rp_std');
SELECT is((SELECT state || ' ' || due_at || ' / ' || stored_state || ' ' || stored_due_at || ' ' || changed
             FROM sla.replay('rp_ticket', ARRAY['2']) WHERE metric = 'first_response'),
    'met 2026-11-23 15:00:00+00 / breached 2026-11-23 13:00:00+00 true',
    'the late reply would have been in time: met, beside the breach that was');
SELECT is((SELECT state || ' ' || due_at FROM sla.replay('rp_ticket', ARRAY['6']) WHERE metric = 'first_response'),
    'running 2026-11-23 15:00:00+00', 'the running clock replays to the relaxed due time');
SELECT is((SELECT met || '/' || failed || ' ' || stored_met || '/' || stored_failed || ' ' || compliance_change || ' ' || outcomes_changed
             FROM sla.replay_compliance('rp_ticket', '2026-11-23', '2026-11-30', ARRAY['metric'], '2026-12-01')
            WHERE metric = 'first_response'),
    '4/3 3/4 14.28 1', 'replay_compliance: first responses 4 met of 7 instead of 3, one outcome changed');
SELECT is((SELECT string_agg(ticket_key || ':' || metric || ' ' || stored_state || ' -> ' || state, ', ' ORDER BY ticket_key, metric)
             FROM sla.replay('rp_ticket') WHERE state IS DISTINCT FROM stored_state),
    '2:first_response breached -> met', 'the list of clocks whose outcome changes: the late reply only');
-- the configuration-change trigger re-targeted the live running clock in this transaction; the
-- replay reads facts, not clocks: a clock moved by hand changes nothing in it
UPDATE sla.clock_int4 SET due_at = '2030-01-01' WHERE ticket_key = 6 AND metric = 'first_response';
SELECT is((SELECT due_at || ' ' || stored_due_at FROM sla.replay('rp_ticket', ARRAY['6']) WHERE metric = 'first_response'),
    '2026-11-23 15:00:00+00 2030-01-01 00:00:00+00', 'the replay ignores the live clock it shows beside it');
SELECT is((SELECT string_agg(ticket_key || ':' || metric, ', ' ORDER BY ticket_key, metric) FROM sla.replay('rp_ticket')
            WHERE changed AND stored_state IN ('met', 'breached', 'cancelled')),
    '1:first_response, 2:first_response, 3:first_response, 5:first_response',
    'changed marks the decided first responses: their due times moved (and one outcome)');
ROLLBACK TO SAVEPOINT what_if;
SELECT is((SELECT count(*)::int FROM (SELECT * FROM sla.clock EXCEPT SELECT * FROM live_before) d)
          + (SELECT count(*)::int FROM (SELECT * FROM live_before EXCEPT SELECT * FROM sla.clock) d), 0,
    'after the rollback the live clocks are as they were');
SELECT is((SELECT count(*)::int FROM sla.replay('rp_ticket') WHERE changed), 0, 'and the replay equals them again');

-- 3. replay_compliance under the unchanged policy: as it was, no difference
SELECT is((SELECT string_agg(concat_ws(' ', level, metric, met, failed, compliance, stored_met, stored_failed, compliance_change,
                                       outcomes_changed), '; ' ORDER BY level, metric)
             FROM sla.replay_compliance('rp_ticket', '2026-11-23', '2026-11-30', as_of => '2026-12-01')),
    'rp_gold first_response 0 1 0.00 0 1 0.00 0; rp_gold resolution 0 1 0.00 0 1 0.00 0; '
    'rp_std first_response 3 3 50.00 3 3 0.00 0; rp_std next_response 1 1 50.00 1 1 0.00 0; '
    'rp_std periodic_update 5 4 55.56 5 4 0.00 0; rp_std resolution 2 4 33.33 2 4 0.00 0',
    'compliance as it would have been equals compliance as it was');
-- (the compliance report counts ticket 7's three late running clocks too)
SELECT is((SELECT sum(met) || '/' || sum(failed) FROM sla.replay_compliance('rp_ticket', '2026-11-23', '2026-11-30', ARRAY[]::text[], '2026-12-01')),
    (SELECT sum(met) || '/' || (sum(failed) - 3) FROM sla.compliance_report('2026-11-23', '2026-11-30', ARRAY[]::text[], as_of => '2026-12-01')),
    'its stored side counts what the compliance report counts, ticket 7 aside');

-- 4. Row-level security: a reader the host shows billing tickets replays billing tickets only
CREATE ROLE rp_billing NOLOGIN IN ROLE sla_reader;
GRANT SELECT ON rp_ticket TO rp_billing;
ALTER TABLE rp_ticket ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_department ON rp_ticket USING ('rp_' || dept = current_user);
SET LOCAL ROLE rp_billing;
SELECT is((SELECT string_agg(DISTINCT ticket_key, ',' ORDER BY ticket_key) FROM sla.replay('rp_ticket')), '1,3,5',
    'a billing reader replays the billing tickets only');
SELECT is((SELECT count(*)::int FROM sla.replay('rp_ticket', ARRAY['2', '6'])), 0, 'a sales ticket asked by key: nothing');
RESET ROLE;
CREATE ROLE rp_nobody NOLOGIN;
SET LOCAL ROLE rp_nobody;
SELECT throws_ok($$SELECT * FROM sla.replay('rp_ticket')$$, '42501', NULL, 'a role outside sla''s roles may not replay');
RESET ROLE;

-- 4b. Other key types: bigint, uuid and varchar keys (the tracking tables of each key type)
CREATE TABLE rp_big (id bigint PRIMARY KEY, st text, created timestamptz);
CREATE TABLE rp_uuid (id uuid PRIMARY KEY, st text, created timestamptz);
CREATE TABLE rp_code (code varchar(20) PRIMARY KEY, st text, created timestamptz);
SELECT sla.attach(t, format('{"key": "%s", "created_at": "created", "status": "st"}', k)::jsonb) > 0
  FROM (VALUES ('rp_big'::regclass, 'id'), ('rp_uuid', 'id'), ('rp_code', 'code')) v (t, k);
SELECT sla.map_status(t, 'open', 'open') FROM (VALUES ('rp_big'::regclass), ('rp_uuid'), ('rp_code')) v (t);
INSERT INTO rp_big VALUES (9000000001, 'open', '2026-11-23 09:00+00'), (9000000002, 'open', '2026-11-23 10:00+00');
INSERT INTO rp_uuid VALUES ('00000000-0000-4000-8000-000000000001', 'open', '2026-11-23 09:00+00'),
                           ('00000000-0000-4000-8000-000000000002', 'open', '2026-11-23 10:00+00');
INSERT INTO rp_code VALUES ('CASE-1', 'open', '2026-11-23 09:00+00'), ('case 2', 'open', '2026-11-23 10:00+00');
UPDATE rp_big SET st = 'solved' WHERE id = 9000000002;
SELECT is((SELECT string_agg(t || ':' || n, ', ' ORDER BY t)
             FROM (SELECT t::text AS t, (SELECT count(*) FROM sla.replay(t) WHERE NOT changed) || '/' ||
                                          (SELECT count(*) FROM sla.clock c JOIN sla.attachment a ON a.id = c.attachment_id
                                            WHERE a.ticket_table = t) AS n
                     FROM (VALUES ('rp_big'::regclass), ('rp_uuid'), ('rp_code')) v (t)) x),
    'rp_big:6/6, rp_code:6/6, rp_uuid:6/6', 'bigint, uuid and varchar keys: every stored clock replayed unchanged');
SELECT is((SELECT string_agg(DISTINCT ticket_key, ',') FROM sla.replay('rp_code', ARRAY['case 2'])), 'case 2',
    'a varchar key given by its text');
SELECT is((SELECT string_agg(DISTINCT ticket_key, ',') FROM sla.replay('rp_uuid', ARRAY['00000000-0000-4000-8000-000000000002'])),
    '00000000-0000-4000-8000-000000000002', 'a uuid key given by its text');
SELECT throws_ok($$SELECT * FROM sla.replay('rp_uuid', ARRAY['not a uuid'])$$, '22P02', NULL, 'a uuid key that is none');

-- 5. Bad input
SELECT throws_ok($$SELECT * FROM sla.replay(NULL)$$, '22004', 'sla.replay needs a ticket table, not NULL', 'no table');
SELECT throws_ok($$SELECT * FROM sla.replay('rp_msg')$$, '42704', 'table rp_msg is not attached', 'a table not attached');
SELECT throws_ok($$SELECT * FROM sla.replay('rp_ticket', ARRAY['x'])$$, '22P02', NULL, 'a key the key type cannot hold');
SELECT throws_ok($$SELECT * FROM sla.replay('rp_ticket', ARRAY['1', NULL])$$, '22004', 'sla.replay''s ticket_keys hold a NULL key',
    'a NULL key');
SELECT throws_ok($$SELECT * FROM sla.replay('rp_ticket', NULL, '2026-11-24', '2026-11-23')$$, '22023',
    'sla.replay from 2026-11-24 00:00:00+00 to 2026-11-23 00:00:00+00: the range ends before it starts', 'a range ending before it starts');
SELECT throws_ok($$SELECT * FROM sla.replay_compliance('rp_ticket', '2026-11-23', '2026-11-30', ARRAY['ticket'])$$, '22023',
    'cannot group replay_compliance by "ticket"', 'replay_compliance groups by a period and department, agent, level, metric');

SELECT * FROM finish();
ROLLBACK;
