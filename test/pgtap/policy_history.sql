-- policy_history.sql — the versioned policy (issue 12, 55_policy_history.sql): one version per
-- transaction that edits the configuration, with its instant and roles; the configuration in
-- force at past instants read back (sla.policy_at, sla.policy_rows); differences between
-- versions; TRUNCATE; plain SQL and the helper functions alike; a rolled-back edit, a no-op
-- edit and pg_restore make no version; concurrent editors: the second edits and commits while
-- the first's transaction is open, without waiting, and versions are numbered in commit order;
-- REPEATABLE READ fails at commit; SET CONSTRAINTS ALL IMMEDIATE; nobody but the triggers writes
-- the history.
-- Versions are per committed transaction, and this file runs inside BEGIN ... ROLLBACK: the
-- edits are made by dblink sessions, which commit; at the end they remove their configuration
-- and the versions they made.  Version numbers are counted from the latest version before the
-- test (other files may have committed some).
BEGIN;
SELECT plan(78);

CREATE FUNCTION pg_temp.connect(conn text) RETURNS text LANGUAGE sql AS $$
    SELECT public.dblink_connect(conn, format('dbname=%s port=%s host=%s user=%s', current_database(),
           current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), session_user))
$$;
SELECT is(pg_temp.connect('ph'), 'OK', 'editing session');
SELECT is(pg_temp.connect('ph2'), 'OK', 'second editing session');

-- the version before the test, and the instant each transaction below started
CREATE TEMP TABLE base AS SELECT coalesce(max(version), 0) AS v FROM sla.policy_version;
CREATE TEMP TABLE instant (label text PRIMARY KEY, at timestamptz);
CREATE FUNCTION pg_temp.v(n integer) RETURNS integer LANGUAGE sql AS $$ SELECT v + n FROM base $$;
CREATE FUNCTION pg_temp.at(l text) RETURNS timestamptz LANGUAGE sql AS $$ SELECT at FROM instant WHERE label = l $$;
CREATE FUNCTION pg_temp.versions() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM sla.policy_version WHERE version > (SELECT v FROM base) $$;

-- One transaction in the editing session: its start is recorded under a label; 'ok' or the error.
CREATE FUNCTION pg_temp.tx(label text, q text, conn text DEFAULT 'ph') RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz;
BEGIN
    PERFORM public.dblink_exec(conn, 'BEGIN');
    SELECT t.now INTO started FROM public.dblink(conn, 'SELECT now()') AS t(now timestamptz);
    INSERT INTO pg_temp.instant VALUES (label, started);
    PERFORM public.dblink_exec(conn, q || '; COMMIT');		-- the last command returns no rows
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    PERFORM public.dblink_exec(conn, 'ROLLBACK');
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END
$$;

-- One SELECT of one row in a session's open transaction (no commit): 'ok'
CREATE FUNCTION pg_temp.run(conn text, q text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN count(*) = 1 THEN 'ok' END FROM public.dblink(conn, q) AS t(x text)
$$;

-- ------------------------------------------------------------------ v+1: helpers, as sla_admin
SELECT is(pg_temp.tx('v1', $q$
    SET ROLE sla_admin;
    SELECT sla.define_calendar('ph_office', 'Europe/Berlin', 'mon-fri 09:00-17:00');
    SELECT sla.add_holiday('ph_office', '2025-12-25', 'Christmas');
    SELECT sla.define_level('ph_gold', 'ph_office', first_response => '4 hours', resolution => '2 days');
    SELECT sla.set_policy_note('ph: initial policy');
    RESET ROLE$q$), 'ok', 'helpers: a calendar, a holiday, a level, a note');
SELECT is(pg_temp.versions(), 1::bigint, 'one transaction of four helper calls (a dozen statements) is one version');
SELECT results_eq(
    $$SELECT version, took_effect, session_user_name, current_user_name, note FROM sla.policy_version
       WHERE version > (SELECT v FROM base)$$,
    $$VALUES (pg_temp.v(1), pg_temp.at('v1'), (session_user::text COLLATE "default"), 'sla_admin'::text, 'ph: initial policy'::text)$$,
    'the version: its number, its transaction''s start, the session user and the role (SET ROLE) that made it, the note');
SELECT is((SELECT count(*) FROM sla.policy_history WHERE valid_from = pg_temp.v(1)), 10::bigint,
          'its rows: 1 calendar, 5 weekly ranges, 1 holiday, 1 level, 2 targets');

-- ------------------------------------------------------------------ v+2: plain SQL, three statements
SELECT is(pg_temp.tx('v2', $q$
    UPDATE sla.level_target SET target = '2 hours'
     WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'ph_gold');
    INSERT INTO sla.calendar_holiday (calendar_id, day, name) SELECT id, '2026-01-01', 'New Year' FROM sla.calendar WHERE name = 'ph_office';
    UPDATE sla.level SET warning_percent = 80, name = 'ph_gold_plus' WHERE name = 'ph_gold'$q$), 'ok',
    'plain SQL: a target, a holiday, a level renamed and its warning share');
SELECT is(pg_temp.versions(), 2::bigint, 'three statements in one transaction: one more version');
SELECT results_eq(
    $$SELECT version, took_effect, current_user_name, note FROM sla.policy_version WHERE version = pg_temp.v(2)$$,
    $$VALUES (pg_temp.v(2), pg_temp.at('v2'), (session_user::text COLLATE "default"), NULL::text)$$,
    'made at its transaction''s start by the session user, no note');

SELECT is(sla.policy_version_at(pg_temp.at('v1') - interval '1 microsecond'), nullif(pg_temp.v(0), 0),
          'just before the first edit: the version before the test');
SELECT is(sla.policy_version_at(pg_temp.at('v1')), pg_temp.v(1), 'at the first edit''s instant: its version');
SELECT is(sla.policy_version_at(pg_temp.at('v2') - interval '1 microsecond'), pg_temp.v(1), 'until the second: still the first');
SELECT is(sla.policy_version_at(pg_temp.at('v2')), pg_temp.v(2), 'from the second edit: the second');

-- the policy at past instants
SELECT is(sla.policy_at(pg_temp.at('v1')) -> 'levels' @> '[{"name": "ph_gold", "warning_percent": 75, "calendar": "ph_office",
                                                          "targets": {"first_response": "04:00:00", "resolution": "2 days"}}]',
          true, 'policy_at(first instant): ph_gold with 4 hours and 2 days, warning at 75%');
SELECT is(sla.policy_at(pg_temp.at('v2')) -> 'levels' @> '[{"name": "ph_gold_plus", "warning_percent": 80,
                                                          "targets": {"first_response": "02:00:00", "resolution": "2 days"}}]',
          true, 'policy_at(second instant): renamed, 2 hours, warning at 80%');
SELECT is(jsonb_path_query_array(sla.policy_at(pg_temp.at('v2') - interval '1 microsecond'), '$.levels[*].name ? (@ starts with "ph_")'),
          '["ph_gold"]', 'a microsecond before the second edit: the old name');
SELECT is((SELECT c -> 'holidays' FROM jsonb_array_elements(sla.policy_at(pg_temp.at('v1')) -> 'calendars') c
            WHERE c ->> 'name' = 'ph_office'),
          '[{"day": "2025-12-25", "name": "Christmas", "yearly": false}]', 'the first version''s holidays');
SELECT is((SELECT jsonb_array_length(c -> 'holidays') FROM jsonb_array_elements(sla.policy_at(pg_temp.at('v2')) -> 'calendars') c
            WHERE c ->> 'name' = 'ph_office'), 2, 'the second''s: two');
SELECT is((SELECT c -> 'hours' -> 0 FROM jsonb_array_elements(sla.policy_at(pg_temp.at('v2')) -> 'calendars') c
            WHERE c ->> 'name' = 'ph_office'),
          '{"weekday": 1, "opens": "09:00:00", "closes": "17:00:00"}', 'weekly hours in the document');
SELECT is((sla.policy(pg_temp.v(2)) ->> 'took_effect')::timestamptz, pg_temp.at('v2'), 'sla.policy(version) names its instant');

-- typed rows of one table
SELECT results_eq(
    $$SELECT metric::text, target::text FROM sla.policy_rows_at(NULL::sla.level_target, pg_temp.at('v1'))
       WHERE level_id = (SELECT id FROM sla.level WHERE name = 'ph_gold_plus') ORDER BY 1$$,
    $$VALUES ('first_response', '04:00:00'), ('resolution', '2 days')$$,
    'policy_rows_at(NULL::sla.level_target, first instant): the targets then, typed');
SELECT results_eq(
    $$SELECT name, warning_percent FROM sla.policy_rows(NULL::sla.level, pg_temp.v(2)) WHERE name LIKE 'ph%'$$,
    $$VALUES ('ph_gold_plus'::text, 80::numeric)$$, 'policy_rows(NULL::sla.level, v+2)');
SELECT throws_ok($$SELECT * FROM sla.policy_rows(NULL::sla.clock, 1)$$, '22023', NULL,
                 'a table that is not versioned is refused');

-- the difference between the two versions
SELECT results_eq(
    $$SELECT table_name, change, old_value, new_value FROM sla.policy_diff(pg_temp.v(1), pg_temp.v(2))$$,
    $$SELECT v.* FROM sla.level l CROSS JOIN LATERAL (VALUES
        ('calendar_holiday', 'added', NULL::jsonb,
         jsonb_build_object('calendar_id', (SELECT id FROM sla.calendar WHERE name = 'ph_office'), 'day', '2026-01-01', 'name', 'New Year', 'yearly', false)),
        ('level', 'changed',
         jsonb_build_object('id', l.id, 'name', 'ph_gold', 'calendar_id', l.calendar_id, 'warning_percent', 75, 'is_default', false, 'description', NULL),
         jsonb_build_object('id', l.id, 'name', 'ph_gold_plus', 'calendar_id', l.calendar_id, 'warning_percent', 80, 'is_default', false, 'description', NULL)),
        ('level_target', 'changed',
         jsonb_build_object('level_id', l.id, 'metric', 'first_response', 'target', '04:00:00'),
         jsonb_build_object('level_id', l.id, 'metric', 'first_response', 'target', '02:00:00'))) v(t, c, o, n)
      WHERE l.name = 'ph_gold_plus'$$,
    'policy_diff(v+1, v+2): the holiday added, the level and the target changed, with old and new values');
SELECT is((SELECT key FROM sla.policy_diff(pg_temp.v(1), pg_temp.v(2)) WHERE table_name = 'level_target'),
          jsonb_build_object('level_id', (SELECT id FROM sla.level WHERE name = 'ph_gold_plus'), 'metric', 'first_response'),
          'a row''s key is its primary key');
SELECT is((SELECT array_agg(change ORDER BY table_name) FROM sla.policy_diff(pg_temp.v(2), pg_temp.v(1))),
          '{removed,changed,changed}', 'the other way round: removed instead of added');
SELECT throws_ok($$SELECT * FROM sla.policy_diff(1, 2147483647)$$, '22023', 'policy version 2147483647 does not exist',
                 'an unknown version is refused');

-- ------------------------------------------------------------------ no version
SELECT is(pg_temp.tx('noop', $q$
    UPDATE sla.level SET name = name WHERE name LIKE 'ph%';
    SELECT sla.define_level('ph_gold_plus', 'ph_office', first_response => '2 hours', resolution => '2 days', warning_percent => 80)$q$),
    'ok', 'an UPDATE writing the same values and a define_level repeating the level');
SELECT is(pg_temp.versions(), 2::bigint, 'make no version');
SELECT is(public.dblink_exec('ph', $q$BEGIN; DELETE FROM sla.calendar_holiday WHERE name = 'Christmas'; ROLLBACK$q$), 'ROLLBACK',
          'an edit rolled back');
SELECT is(pg_temp.versions(), 2::bigint, 'makes no version');
SELECT is(pg_temp.tx('restore', $q$
    SET application_name = 'pg_restore';
    INSERT INTO sla.calendar_holiday (calendar_id, day) SELECT id, '2026-05-01' FROM sla.calendar WHERE name = 'ph_office';
    DELETE FROM sla.calendar_holiday WHERE day = '2026-05-01';
    RESET application_name$q$), 'ok', 'rows written by pg_restore (application_name)');
SELECT is(pg_temp.versions(), 2::bigint, 'make no version: they are in the restored history already');

-- ------------------------------------------------------------------ v+3: rules, conditions, attributes; a helper equals plain SQL
SELECT is(pg_temp.tx('v3', $q$
    CREATE FUNCTION public.ph_tier(bigint) RETURNS text LANGUAGE sql STABLE AS 'SELECT ''gold''';
    INSERT INTO sla.attribute (name, type, function) VALUES ('ph_tier', 'text', 'public.ph_tier(bigint)');
    INSERT INTO sla.rule (name, position, set_level_id)
         SELECT 'ph_vip', 1000001, id FROM sla.level WHERE name = 'ph_gold_plus';
    INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
         SELECT id, 1, 'ph_tier', 'equals', '"gold"' FROM sla.rule WHERE name = 'ph_vip';
    SELECT sla.define_level('ph_gold_plus', 'ph_office', first_response => '3 hours', resolution => '2 days', warning_percent => 80)$q$),
    'ok', 'an attribute, a rule with a condition, and a target changed by define_level');
SELECT is(pg_temp.versions(), 3::bigint, 'one version');
SELECT is((SELECT r FROM jsonb_array_elements(sla.policy(pg_temp.v(3)) -> 'rules') r WHERE r ->> 'name' = 'ph_vip')
              - 'id' - 'set_level_id',
          '{"name": "ph_vip", "position": 1000001, "active": true, "on_update": false, "stop_processing": false,
            "set_level": "ph_gold_plus",
            "conditions": [{"group_no": 1, "position": 1, "attribute": "ph_tier", "operator": "equals", "value": "gold"}]}',
          'the rule in the document, with the level it sets and its conditions');
SELECT is((SELECT a FROM jsonb_array_elements(sla.policy(pg_temp.v(3)) -> 'attributes') a WHERE a ->> 'name' = 'ph_tier'),
          '{"name": "ph_tier", "type": "text", "function": "public.ph_tier(bigint)", "description": null}', 'the attribute');
SELECT results_eq(
    $$SELECT table_name, change, old_value ->> 'target', new_value ->> 'target' FROM sla.policy_diff(pg_temp.v(2), pg_temp.v(3))
       WHERE table_name LIKE 'level%'$$,
    $$VALUES ('level_target', 'changed', '02:00:00', '03:00:00')$$,
    'define_level changing one target: the same single change as the UPDATE of v+2, the level itself untouched');

-- ------------------------------------------------------------------ v+4: TRUNCATE
SELECT is(pg_temp.tx('v4', $q$TRUNCATE sla.rule_condition$q$), 'ok', 'TRUNCATE of rule conditions');
SELECT is(pg_temp.versions(), 4::bigint, 'is a version');
SELECT is((SELECT array_agg(table_name || ' ' || change) FROM sla.policy_diff(pg_temp.v(3), pg_temp.v(4))),
          '{"rule_condition removed"}', 'which removed the conditions');
SELECT is((SELECT count(*) FROM sla.policy_history WHERE table_name = 'rule_condition' AND valid_to IS NULL), 0::bigint,
          'no condition is current in the history');

-- ------------------------------------------------------------------ v+5, v+6: concurrent editors
-- ph opens a transaction and edits; ph2 edits and commits while it is open (lock_timeout: a wait
-- fails the test instead of hanging it); ph commits after.  Numbers follow the commits.
SELECT is(public.dblink_exec('ph2', $q$SET lock_timeout = '5s'$q$), 'SET', 'the second editor gives up after 5 s of waiting');
SELECT is(public.dblink_exec('ph', 'BEGIN'), 'BEGIN', 'the first editor opens a transaction');
INSERT INTO instant SELECT 'first', t.now FROM public.dblink('ph', 'SELECT now()') AS t(now timestamptz);
SELECT is(pg_temp.run('ph', $q$SELECT sla.add_holiday('ph_office', '2026-12-24', 'Christmas Eve')$q$), 'ok',
          'and edits: a holiday');
SELECT is(pg_temp.run('ph', $q$SELECT sla.set_policy_note('ph: the first editor')$q$), 'ok', 'and a note');
SELECT is((SELECT n FROM public.dblink('ph', $q$SELECT count(*) FROM sla.policy_history WHERE valid_from < 0$q$) AS t(n bigint)),
          1::bigint, 'inside its transaction, its history row carries a provisional (negative) version');
SELECT is((SELECT n FROM public.dblink('ph', $q$SELECT count(*) FROM sla.policy_version_pending$q$) AS t(n bigint)),
          1::bigint, 'and its version is pending');
SELECT is((SELECT n FROM public.dblink('ph', format($q$SELECT count(*) FROM sla.policy_rows(%s) WHERE data->>'name' = 'Christmas Eve'$q$,
                                                    pg_temp.v(4))) AS t(n bigint)),
          0::bigint, 'a committed version read inside the transaction is as committed: without the pending edit');
SELECT is(pg_temp.tx('second', $q$
    SELECT sla.define_level('ph_silver', 'ph_office', first_response => '8 hours', resolution => '5 days');
    SELECT sla.set_policy_note('ph: the second editor')$q$, 'ph2'), 'ok',
    'the second editor edits and commits while the first''s transaction is open: no wait');
SELECT is(pg_temp.versions(), 5::bigint, 'the second editor''s version is committed');
SELECT is(pg_temp.run('ph', $q$SELECT sla.add_holiday('ph_office', '2026-12-31', 'New Year''s Eve')$q$), 'ok',
          'the first editor edits again after that');
SELECT is(public.dblink_exec('ph', 'COMMIT'), 'COMMIT', 'and commits');
SELECT results_eq(
    $$SELECT version, took_effect, note FROM sla.policy_version WHERE version > pg_temp.v(4) ORDER BY version$$,
    $$VALUES (pg_temp.v(5), pg_temp.at('second'), 'ph: the second editor'::text),
             (pg_temp.v(6), pg_temp.at('second'), 'ph: the first editor'::text)$$,
    'numbered in commit order: the second editor''s is v+5, the first''s v+6, taking effect at the second''s instant (never backwards)');
SELECT ok(pg_temp.at('first') < pg_temp.at('second'), 'although the first editor''s transaction started first');
SELECT results_eq(
    $$SELECT table_name || ' ' || change || ' ' || coalesce(new_value ->> 'name', '') FROM sla.policy_diff(pg_temp.v(4), pg_temp.v(5))
       WHERE table_name IN ('level', 'calendar_holiday')$$,
    $$VALUES ('level added ph_silver')$$, 'v+5 holds the second editor''s level');
SELECT results_eq(
    $$SELECT table_name || ' ' || change || ' ' || (new_value ->> 'name') FROM sla.policy_diff(pg_temp.v(5), pg_temp.v(6))$$,
    $$VALUES ('calendar_holiday added Christmas Eve'), ('calendar_holiday added New Year''s Eve')$$,
    'v+6 the first''s two holidays, made before and after the second''s commit');
SELECT is((SELECT count(*) FROM sla.policy_history WHERE valid_from < 0 OR valid_to < 0), 0::bigint,
          'no provisional number is left in the history');
SELECT is((SELECT count(*) FROM sla.policy_version_pending), 0::bigint, 'nor a pending version');

-- ------------------------------------------------------------------ REPEATABLE READ
SELECT is(public.dblink_exec('ph2', 'BEGIN ISOLATION LEVEL REPEATABLE READ'), 'BEGIN', 'an editor under REPEATABLE READ');
SELECT ok((SELECT n FROM public.dblink('ph2', 'SELECT count(*) FROM sla.policy_version') AS t(n bigint)) >= 6, 'its snapshot taken');
SELECT is(pg_temp.tx('v7', $q$SELECT sla.add_holiday('ph_office', '2027-01-01')$q$), 'ok', 'another edits and commits meanwhile');
SELECT is(pg_temp.run('ph2', $q$SELECT sla.add_holiday('ph_office', '2027-12-31')$q$), 'ok',
          'the first one''s edit does not wait');
SELECT throws_ok($$SELECT public.dblink_exec('ph2', 'COMMIT')$$, '40001', NULL,
                 'its commit is a serialization failure, not a duplicate version');
SELECT is(public.dblink_exec('ph2', 'ROLLBACK'), 'ROLLBACK', 'it rolls back');
SELECT is(pg_temp.versions(), 7::bigint, 'one version more, the committed one''s');
SELECT is((SELECT count(*) FROM sla.calendar_holiday WHERE day = '2027-12-31'), 0::bigint, 'and the failed one''s edit is gone');

-- ------------------------------------------------------------------ v+8: SET CONSTRAINTS ALL IMMEDIATE numbers the version early
SELECT is(pg_temp.tx('v8', $q$
    SELECT sla.add_holiday('ph_office', '2027-05-01');
    SET CONSTRAINTS ALL IMMEDIATE;
    SELECT sla.add_holiday('ph_office', '2027-05-08');
    SELECT sla.set_policy_note('ph: numbered early')$q$), 'ok',
    'an edit, SET CONSTRAINTS ALL IMMEDIATE, another edit and a note');
SELECT results_eq($$SELECT version, note FROM sla.policy_version WHERE version > pg_temp.v(7)$$,
                  $$VALUES (pg_temp.v(8), 'ph: numbered early'::text)$$, 'are still one version, with its note');
SELECT is((SELECT count(*) FROM sla.policy_diff(pg_temp.v(7), pg_temp.v(8))), 2::bigint, 'holding both edits');

-- ------------------------------------------------------------------ cleanup: the configuration and the versions of this file
SELECT is(pg_temp.tx('cleanup', $q$
    DELETE FROM sla.rule WHERE name = 'ph_vip';
    DELETE FROM sla.attribute WHERE name = 'ph_tier';
    DROP FUNCTION public.ph_tier(bigint);
    DELETE FROM sla.level WHERE name LIKE 'ph%';
    DELETE FROM sla.calendar WHERE name = 'ph_office'$q$), 'ok', 'the configuration of this file removed');
SELECT is((SELECT count(*) FROM sla.policy_rows(pg_temp.v(9)) WHERE data::text LIKE '%ph\_%'), 0::bigint,
          'the last version has none of it');
SELECT ok(public.dblink_exec('ph', format($q$
    DELETE FROM sla.policy_history WHERE valid_from > %1$s;
    UPDATE sla.policy_history SET valid_to = NULL WHERE valid_to > %1$s;
    DELETE FROM sla.policy_version WHERE version > %1$s$q$, pg_temp.v(0))) LIKE 'DELETE %',
          'and the versions of this file (as the superuser: no other role may)');
SELECT is(public.dblink_disconnect('ph'), 'OK', 'disconnected');
SELECT is(public.dblink_disconnect('ph2'), 'OK', 'disconnected');

-- ------------------------------------------------------------------ nobody but the triggers writes the history
SET LOCAL ROLE sla_admin;
SELECT throws_ok($$INSERT INTO sla.policy_version VALUES (999999, now(), 'x', 'y', NULL, '1', now())$$, '42501', NULL,
                 'sla_admin cannot insert a version');
SELECT throws_ok($$UPDATE sla.policy_history SET data = '{}'$$, '42501', NULL, 'nor rewrite the history');
SELECT throws_ok($$TRUNCATE sla.policy_history$$, '42501', NULL, 'nor truncate it');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
