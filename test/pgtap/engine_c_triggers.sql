-- engine_c_triggers.sql — what the C triggers add to the engine's contract: configuration
-- caches that see edits at once (same transaction), host columns re-checked by name, declared
-- attribute functions called only when a rule reads them, under a fixed search path and with
-- its owner's privileges, and clear errors for triggers not made by sla.attach().
-- Calendar mon-fri 09:00-17:00 UTC; 2026-11-23 is a Monday.
BEGIN;
SELECT plan(34);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('ct', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('ct_std', 'ct', first_response => '4 hours', resolution => '2 days', is_default => true) > 0,
    'default level');
SELECT ok(sla.define_level('ct_gold', 'ct', first_response => '1 hour', resolution => '1 day') > 0, 'gold level');
CREATE TABLE ct_ticket (id int PRIMARY KEY, st text, prio text, created timestamptz);
CREATE TABLE public.ct_customer (ticket int, tier text);
SELECT ok(sla.attach('ct_ticket', '{"key": "id", "created_at": "created", "status": "st", "priority": "prio"}') > 0, 'attached');
SELECT sla.map_status('ct_ticket', 'open', 'open');

CREATE FUNCTION pg_temp.clocks(key text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(k.metric || ' ' || l.name || ' ' || to_char(k.due_at, 'MM-DD HH24:MI'), ', ' ORDER BY k.id)
      FROM sla.clock k JOIN sla.level l ON l.id = k.level_id
     WHERE k.ticket_key = key AND k.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.ct_ticket'::regclass)
$$;

-- ---------------------------------------------------------------- caches see edits at once
SAVEPOINT unmapped;
INSERT INTO ct_ticket VALUES (1, 'waiting', 'low', '2026-11-23 10:00+00');
SELECT is((SELECT p.value || ' ' || p.count FROM sla.mapping_problem p
            WHERE p.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'ct_ticket'::regclass)),
    'waiting 1', 'an unmapped status, with the cache warm, is recorded as a mapping problem');
ROLLBACK TO SAVEPOINT unmapped;
SELECT sla.map_status('ct_ticket', 'waiting', 'paused');
INSERT INTO ct_ticket VALUES (1, 'waiting', 'low', '2026-11-23 10:00+00');
SELECT is((SELECT string_agg(metric || ':' || state, ',' ORDER BY id) FROM sla.clock WHERE ticket_key = '1'
            AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'ct_ticket'::regclass)),
    'first_response:running,resolution:paused', 'a status mapped in the same transaction is used by the next insert');

UPDATE sla.level_target SET target = '2 hours' WHERE metric = 'first_response'
   AND level_id = (SELECT id FROM sla.level WHERE name = 'ct_std');
INSERT INTO ct_ticket VALUES (2, 'open', 'low', '2026-11-23 10:00+00');
SELECT is(pg_temp.clocks('2'), 'first_response ct_std 11-23 12:00, resolution ct_std 11-25 10:00',
    'an edited target is used by the next insert');

INSERT INTO sla.rule (name, position, set_level_id) SELECT 'ct gold', 1, id FROM sla.level WHERE name = 'ct_gold';
INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
     SELECT id, 1, 'priority', 'equals', '"high"' FROM sla.rule WHERE name = 'ct gold';
INSERT INTO ct_ticket VALUES (3, 'open', 'high', '2026-11-23 10:00+00');
SELECT is(pg_temp.clocks('3'), 'first_response ct_gold 11-23 11:00, resolution ct_gold 11-24 10:00',
    'a rule added in the same transaction chooses the level');

-- ---------------------------------------------------------------- host columns by name
ALTER TABLE ct_ticket RENAME COLUMN prio TO urgency;
SELECT throws_ok($$INSERT INTO ct_ticket VALUES (4, 'open', 'high', '2026-11-23 10:00+00')$$,
    '42703', 'column "prio" of relation public.ct_ticket does not exist (mapping of priority)',
    'a mapped column renamed after attaching is an error naming it, not a wrong value');
SELECT ok(sla.attach('ct_ticket', '{"key": "id", "created_at": "created", "status": "st", "priority": "urgency"}', replace => true) > 0,
    'attached again with the new name');
INSERT INTO ct_ticket VALUES (4, 'open', 'high', '2026-11-23 10:00+00');
SELECT is(pg_temp.clocks('4'), 'first_response ct_gold 11-23 11:00, resolution ct_gold 11-24 10:00',
    'the new mapping is used at once');

-- ---------------------------------------------------------------- declared attribute functions
-- declared but read by no rule: never called (it would fail)
CREATE FUNCTION public.ct_tier(ticket int) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT c.tier FROM ct_customer c WHERE c.ticket = ct_tier.ticket);   -- unqualified on purpose
END
$$;
INSERT INTO sla.attribute (name, type, function) VALUES ('tier', 'text', 'public.ct_tier(int)');
INSERT INTO ct_ticket VALUES (5, 'open', 'low', '2026-11-23 10:00+00');
SELECT is(pg_temp.clocks('5'), 'first_response ct_std 11-23 12:00, resolution ct_std 11-25 10:00',
    'an attribute no rule reads is not computed');
-- read by a rule: called under search_path pg_catalog, pg_temp whatever the writer's path is
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 2, 1, 'tier', 'equals', '"gold"' FROM sla.rule WHERE name = 'ct gold';
SET LOCAL search_path = public, sla;
SELECT throws_ok($$INSERT INTO ct_ticket VALUES (6, 'open', 'low', '2026-11-23 10:00+00')$$,
    '42P01', 'relation "ct_customer" does not exist',
    'attribute functions run under the engine''s search path, not the writer''s: tables must be schema-qualified');
RESET search_path;
CREATE OR REPLACE FUNCTION public.ct_tier(ticket int) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT c.tier FROM public.ct_customer c WHERE c.ticket = ct_tier.ticket
$$;
INSERT INTO public.ct_customer VALUES (6, 'gold');
INSERT INTO ct_ticket VALUES (6, 'open', 'low', '2026-11-23 10:00+00');
SELECT is(pg_temp.clocks('6'), 'first_response ct_gold 11-23 11:00, resolution ct_gold 11-24 10:00',
    'a qualified attribute function picks the level');
-- it runs as its owner whoever writes the ticket (docs/security.md): the writer needs neither
-- EXECUTE on it nor SELECT on what it reads
CREATE ROLE ct_writer;
GRANT sla_writer TO ct_writer;
GRANT INSERT, SELECT ON ct_ticket TO ct_writer;
REVOKE EXECUTE ON FUNCTION public.ct_tier(int) FROM PUBLIC;
INSERT INTO public.ct_customer VALUES (7, 'gold');
SET LOCAL ROLE ct_writer;
INSERT INTO ct_ticket VALUES (7, 'open', 'low', '2026-11-23 10:00+00');
RESET ROLE;
SELECT is(pg_temp.clocks('7'), 'first_response ct_gold 11-23 11:00, resolution ct_gold 11-24 10:00',
    'an attribute function runs as its owner, not as the writer');

-- ---------------------------------------------------------------- updates and the dry run
-- an on_update rule re-runs when a column it reads changes, not on any update
DELETE FROM sla.rule_condition WHERE attribute = 'tier';
UPDATE sla.rule SET on_update = true WHERE name = 'ct gold';
ALTER TABLE ct_ticket ADD COLUMN note text;
UPDATE ct_ticket SET note = 'called the customer' WHERE id = 2;
SELECT is((SELECT string_agg(event, ',' ORDER BY n) FROM sla.explain('ct_ticket', '2') WITH ORDINALITY x (at, event, metric, cycle, level, detail, due_at, state, business_used, calendar_time, n)),
    'level_chosen,clock_started,clock_started', 'a change no on_update rule reads runs no rule');
UPDATE ct_ticket SET urgency = 'high' WHERE id = 2;
SELECT is((SELECT string_agg(event, ',' ORDER BY n) FROM sla.explain('ct_ticket', '2') WITH ORDINALITY x (at, event, metric, cycle, level, detail, due_at, state, business_used, calendar_time, n)),
    'level_chosen,clock_started,clock_started,level_chosen,retargeted,retargeted', 'a change of a column it reads re-runs it');
SELECT is((SELECT sla.ticket_attributes((SELECT id FROM sla.attachment WHERE ticket_table = 'ct_ticket'::regclass), t)
             FROM ct_ticket t WHERE id = 2),
    '{"status": "open", "priority": "high", "created_at": "2026-11-23 10:00:00+00"}'::jsonb,
    'the attributes of a row as the engine reads them (null ones left out)');
SELECT is((SELECT chosen_level FROM sla.match_ticket('ct_ticket', '2') LIMIT 1), 'ct_gold', 'the dry run on a stored ticket');

-- ---------------------------------------------------------------- emptiness conditions (no operand)
-- a condition without a value is compiled with no operand (this once crashed the backend)
INSERT INTO sla.rule (name, position, set_level_id) SELECT 'ct no priority', 5, id FROM sla.level WHERE name = 'ct_gold';
INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
     SELECT id, 1, 'priority', 'is_empty', NULL FROM sla.rule WHERE name = 'ct no priority';
INSERT INTO ct_ticket (id, st, urgency, created) VALUES (8, 'open', NULL, '2026-11-23 10:00+00');
SELECT is(pg_temp.clocks('8'), 'first_response ct_gold 11-23 11:00, resolution ct_gold 11-24 10:00',
    'is_empty holds for a ticket without priority');

-- ---------------------------------------------------------------- a ticket row deleted outright
DELETE FROM ct_ticket WHERE id = 3;
SELECT is((SELECT string_agg(c.metric || ':' || c.state || ':' || (e.detail ->> 'reason'), ',' ORDER BY c.id)
             FROM sla.clock c JOIN sla.event e ON e.clock_id = c.id AND e.kind = 'cancelled'
            WHERE c.ticket_key = '3' AND c.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'ct_ticket'::regclass)),
    'first_response:cancelled:ticket deleted,resolution:cancelled:ticket deleted', 'deleting a ticket row cancels its running clocks');
SELECT is((SELECT lifecycle FROM sla.ticket WHERE ticket_key = '3'
            AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'ct_ticket'::regclass)),
    'deleted', 'and marks it deleted');

-- ---------------------------------------------------------------- references without foreign keys
SELECT throws_like($$DELETE FROM sla.level WHERE name = 'ct_std'$$,
    'level % is still referenced by SLA clocks', 'a level clocks were measured with cannot be deleted (23503)');
SELECT throws_ok($$UPDATE sla.level SET id = 99999 WHERE name = 'ct_gold'$$, '23503', NULL, 'nor renumbered');
SELECT throws_like($$DELETE FROM sla.calendar WHERE name = 'ct'$$,
    'calendar % is still referenced by SLA clocks', 'nor the calendar they ran on');
SELECT throws_ok($$TRUNCATE sla.level CASCADE$$, '23503', 'cannot truncate sla.level: SLA clocks refer to its rows',
    'nor all levels at once');
SELECT throws_like($$UPDATE sla.attachment SET id = 99999 WHERE ticket_table = 'ct_ticket'::regclass$$,
    'attachment % is still referenced by SLA tickets', 'nor an attachment renumbered (its rows stay, refused)');
CREATE TABLE ct_gone (id int PRIMARY KEY, st text, created timestamptz);
SELECT sla.map_status('ct_gone', 'open', 'open') FROM (SELECT sla.attach('ct_gone', '{"key": "id", "created_at": "created", "status": "st"}')) a;
INSERT INTO ct_gone VALUES (1, 'open', '2026-11-23 10:00+00');
DELETE FROM sla.attachment WHERE ticket_table = 'ct_gone'::regclass;
SELECT is((SELECT count(*)::int FROM sla.clock c WHERE NOT EXISTS (SELECT FROM sla.attachment a WHERE a.id = c.attachment_id))
        + (SELECT count(*)::int FROM sla.event e WHERE NOT EXISTS (SELECT FROM sla.attachment a WHERE a.id = e.attachment_id))
        + (SELECT count(*)::int FROM sla.ticket t WHERE NOT EXISTS (SELECT FROM sla.attachment a WHERE a.id = t.attachment_id)),
    0, 'deleting an attachment deletes its tickets, clocks and events');
SELECT ok((SELECT count(*) FROM sla.clock) > 0, 'and only those');

-- ---------------------------------------------------------------- misuse
CREATE TABLE ct_other (id int);
CREATE TRIGGER by_hand AFTER INSERT ON ct_other FOR EACH ROW EXECUTE FUNCTION sla.ticket_inserted();
SELECT throws_ok($$INSERT INTO ct_other VALUES (1)$$,
    '39P01', 'sla.ticket_inserted() must be the AFTER INSERT row trigger "sla_ticket" with the attachment id as argument',
    'a trigger made by hand without the attachment id');
DROP TRIGGER by_hand ON ct_other;
CREATE TRIGGER sla_message AFTER INSERT ON ct_other FOR EACH ROW EXECUTE FUNCTION sla.message_added(99999);
SELECT throws_ok($$INSERT INTO ct_other VALUES (1)$$,
    '42704', 'sla attachment 99999 does not exist', 'a trigger left behind by a removed attachment');

-- ---------------------------------------------------------------- values JSON cannot hold
-- a declared number attribute answering NaN or Infinity: the dry run once failed on it with
-- 22P02 (its JSON, built as text, held the bare token NaN); it now leaves them out, as the fact
-- log does, so sla.ticket_attributes and sla.match_ticket answer
ALTER TABLE ct_ticket ADD COLUMN score float8;
CREATE FUNCTION public.ct_score(k integer) RETURNS float8 LANGUAGE sql STABLE AS $$ SELECT score FROM public.ct_ticket WHERE id = k $$;
INSERT INTO sla.attribute (name, type, function) VALUES ('ct_score', 'number', 'public.ct_score(integer)');
INSERT INTO ct_ticket (id, st, urgency, created, score) VALUES
    (71, 'open', 'low', '2026-11-23 10:00+00', 'NaN'), (72, 'open', 'low', '2026-11-23 10:00+00', '-Infinity'),
    (73, 'open', 'low', '2026-11-23 10:00+00', 0.1);
SELECT is((SELECT string_agg(t.id || ': ' || coalesce(sla.ticket_attributes((SELECT id FROM sla.attachment WHERE ticket_table = 'ct_ticket'::regclass), t) ->> 'ct_score', '-'), ', ' ORDER BY t.id)
             FROM ct_ticket t WHERE t.id > 70),
    '71: -, 72: -, 73: 0.1', 'sla.ticket_attributes leaves out a NaN and an infinite number (0.1 in its shortest form)');
SELECT is((SELECT count(*)::int FROM sla.match_ticket('ct_ticket', '71')) > 0, true,
    'the dry run of a ticket whose attribute is NaN answers');
SELECT is((SELECT count(*)::int FROM sla.fact WHERE ticket_key IN ('71', '72') AND kind = 'created'), 2,
    'and the engine tracked both tickets');

SELECT * FROM finish();
ROLLBACK;
