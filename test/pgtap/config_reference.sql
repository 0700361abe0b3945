-- config_reference.sql — pgTAP: the references between configuration tables, kept by triggers of
-- sla.config_reference() instead of foreign keys (src/config_reference.c): a foreign key's
-- SQLSTATE, messages, detail and constraint name; cascades and refusals on delete, key changes
-- and truncate; nothing checked on the referencing side while a dump loads (check_function_bodies
-- off); and no foreign key left between sla's configuration tables.
BEGIN;
SET LOCAL search_path = public, sla;
SET LOCAL timezone = 'UTC';
SELECT plan(33);

SELECT lives_ok($$
	SELECT sla.define_calendar('cr_cal', 'UTC', 'mon-fri 09:00-17:00');
	SELECT sla.set_special_day('cr_cal', '2026-12-24', '09:00-12:00', 'eve');
	SELECT sla.define_level('cr_gold', 'cr_cal', first_response => '1 hour', resolution => '1 day');
	SELECT sla.define_level('cr_silver', 'cr_cal', first_response => '2 hours');
	INSERT INTO sla.rule (name, position, set_level_id) SELECT 'cr_rule', 9001, id FROM sla.level WHERE name = 'cr_gold';
	INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
	SELECT id, 1, 1, 'priority', 'equals', '"high"' FROM sla.rule WHERE name = 'cr_rule';
	INSERT INTO sla.escalation (level_id, on_event, action, to_level_id, position)
	SELECT s.id, 'breach', 'raise_level', g.id, 1 FROM sla.level s, sla.level g WHERE s.name = 'cr_silver' AND g.name = 'cr_gold';
	SELECT sla.define_contract('cr_contract', 'cr_group', 100, 95, '{"95": 5, "90": 10}');
$$, 'a calendar with a special day, two levels, a rule with a condition, an escalation, a contract with tiers');

SELECT is((SELECT count(*)::int FROM pg_constraint WHERE contype = 'f' AND connamespace = 'sla'::regnamespace), 0,
	'no foreign key between sla''s tables');
SELECT is((SELECT count(DISTINCT tgargs)::int FROM pg_trigger WHERE tgfoid = 'sla.config_reference()'::regprocedure), 13,
	'13 references kept by sla.config_reference()');

-- ---------------------------------------------------------------- the referencing side
SELECT throws_ok($$INSERT INTO sla.rule (name, position, set_level_id) VALUES ('cr_bad', 9002, -1)$$,
	'23503', 'insert or update on table "rule" violates foreign key constraint "rule_set_level_id_fkey"',
	'a rule setting a level that does not exist');
SELECT lives_ok($$INSERT INTO sla.rule (name, position, stop_processing) VALUES ('cr_stop', 9003, true)$$,
	'a rule without a level refers to nothing (MATCH SIMPLE)');
SELECT throws_ok($$INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value) VALUES (-1, 1, 'priority', 'equals', '"x"')$$,
	'23503', 'insert or update on table "rule_condition" violates foreign key constraint "rule_condition_rule_id_fkey"',
	'a condition of a rule that does not exist');
SELECT throws_ok($$INSERT INTO sla.contract_tier VALUES (-1, 50, 50)$$,
	'23503', 'insert or update on table "contract_tier" violates foreign key constraint "contract_tier_contract_id_fkey"',
	'a tier of a contract that does not exist');
SELECT throws_ok($$INSERT INTO sla.status_map VALUES (-1, 'open', 'open')$$,
	'23503', 'insert or update on table "status_map" violates foreign key constraint "status_map_attachment_id_fkey"',
	'a status map of an attachment that does not exist');
SELECT throws_ok($$UPDATE sla.escalation SET to_level_id = -1 WHERE level_id = (SELECT id FROM sla.level WHERE name = 'cr_silver')$$,
	'23503', 'insert or update on table "escalation" violates foreign key constraint "escalation_to_level_id_fkey"',
	'an escalation raising to a level that does not exist');
SELECT throws_ok($$UPDATE sla.calendar_special_hours SET day = '2026-12-25' WHERE day = '2026-12-24'$$,
	'23503', 'insert or update on table "calendar_special_hours" violates foreign key constraint "calendar_special_hours_calendar_id_day_fkey"',
	'special hours moved to a day that is not special (two-column reference)');
CREATE FUNCTION pg_temp.fk_error(sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	d text; t text; c text; s text;
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN foreign_key_violation THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, t = TABLE_NAME, c = CONSTRAINT_NAME, s = SCHEMA_NAME;
	RETURN format('%s | %s.%s | %s', d, s, t, c);
END
$f$;
SELECT is(pg_temp.fk_error($$INSERT INTO sla.level (name, calendar_id) VALUES ('cr_orphan', -7)$$),
	'Key (calendar_id)=(-7) is not present in table "calendar". | sla.level | level_calendar_id_fkey',
	'the detail, table and constraint name of a foreign key');

-- ---------------------------------------------------------------- the referenced side: refused
SELECT throws_ok($$DELETE FROM sla.level WHERE name = 'cr_gold'$$,
	'23503', 'update or delete on table "level" violates foreign key constraint "escalation_to_level_id_fkey" on table "escalation"',
	'a level an escalation raises to cannot be deleted');
SELECT is(pg_temp.fk_error($$DELETE FROM sla.calendar WHERE name = 'cr_cal'$$),
	format('Key (id)=(%s) is still referenced from table "level". | sla.level | level_calendar_id_fkey',
	       (SELECT id FROM sla.calendar WHERE name = 'cr_cal')),
	'a calendar a level uses cannot be deleted: the detail names the key');
SELECT throws_ok($$UPDATE sla.calendar SET id = -5 WHERE name = 'cr_cal'$$, '23503', NULL,
	'nor renumbered');
SELECT throws_ok($$UPDATE sla.calendar_special_day SET day = '2026-12-31' WHERE day = '2026-12-24'$$,
	'23503', 'update or delete on table "calendar_special_day" violates foreign key constraint "calendar_special_hours_calendar_id_day_fkey" on table "calendar_special_hours"',
	'a special day with hours cannot move');
SELECT throws_ok($$TRUNCATE sla.calendar$$,
	'23503', 'update or delete on table "calendar" violates foreign key constraint "level_calendar_id_fkey" on table "level"',
	'a truncate is refused while levels refer to the calendars');
SELECT lives_ok($$UPDATE sla.level SET name = 'cr_gold' WHERE name = 'cr_gold'$$, 'an update that keeps the key is not checked');

-- ---------------------------------------------------------------- the referenced side: cascades
SELECT lives_ok($$DELETE FROM sla.escalation WHERE level_id = (SELECT id FROM sla.level WHERE name = 'cr_silver');
                  DELETE FROM sla.level WHERE name = 'cr_silver'$$, 'a level nothing refers to is deleted');
SELECT is((SELECT count(*)::int FROM sla.level_target t WHERE NOT EXISTS (SELECT FROM sla.level l WHERE l.id = t.level_id)), 0,
	'its targets went with it');
SELECT lives_ok($$DELETE FROM sla.rule WHERE name = 'cr_rule'$$, 'a rule is deleted');
SELECT is((SELECT count(*)::int FROM sla.rule_condition c WHERE NOT EXISTS (SELECT FROM sla.rule r WHERE r.id = c.rule_id)), 0,
	'its conditions went with it');
SELECT lives_ok($$DELETE FROM sla.contract WHERE name = 'cr_contract'$$, 'a contract is deleted');
SELECT is((SELECT count(*)::int FROM sla.contract_tier), 0, 'its tiers went with it');
SELECT lives_ok($$DELETE FROM sla.calendar_special_day WHERE day = '2026-12-24'$$, 'a special day is deleted');
SELECT is((SELECT count(*)::int FROM sla.calendar_special_hours WHERE day = '2026-12-24'), 0, 'its hours went with it');
SELECT lives_ok($$SELECT sla.set_special_day('cr_cal', '2026-12-24', '09:00-12:00', 'eve')$$, 'the special day again');
SELECT lives_ok($$TRUNCATE sla.calendar_special_day$$, 'special days truncated');
SELECT is((SELECT count(*)::int FROM sla.calendar_special_hours), 0, 'their hours went with them');
SELECT lives_ok($$TRUNCATE sla.calendar, sla.level CASCADE$$, 'calendars truncated with the levels that use them');
SELECT is((SELECT count(*)::int FROM sla.calendar_hours) + (SELECT count(*)::int FROM sla.level_target), 0,
	'hours and targets went with them');

-- ---------------------------------------------------------------- while a dump loads
SET LOCAL check_function_bodies = off;
SELECT lives_ok($$INSERT INTO sla.calendar_hours VALUES (-3, 1, '09:00', '17:00');
                  INSERT INTO sla.level (name, calendar_id) VALUES ('cr_loaded_first', -3);
                  INSERT INTO sla.rule (name, position, set_level_id) VALUES ('cr_loaded', 9004, -9);
                  INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
                  VALUES (-9, 1, 'cr_attribute_loaded_later', 'equals', '"x"')$$,
	'with check_function_bodies off (pg_dump, pg_restore) rows may arrive before the rows they refer to');
RESET check_function_bodies;
SELECT throws_ok($$INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
                  VALUES (-9, 2, 'priority', 'equals', '"x"')$$,
	'23503', NULL, 'and are checked again afterwards');

-- ---------------------------------------------------------------- only on sla's own tables
CREATE TABLE public.cr_fake (id int, calendar_id int);
CREATE TRIGGER level_calendar_id_fkey AFTER INSERT ON public.cr_fake FOR EACH ROW
	EXECUTE FUNCTION sla.config_reference('level_calendar_id_fkey');
SELECT throws_ok($$INSERT INTO public.cr_fake VALUES (1, 1)$$,
	'39P01', 'sla.config_reference(''level_calendar_id_fkey'') does not guard table "cr_fake"',
	'sla.config_reference() guards sla''s own tables only');

SELECT * FROM finish();
ROLLBACK;
