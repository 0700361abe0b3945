-- calendar_cache.sql — pgTAP: the per-backend calendar cache is invalidated by changes committed
-- in another session (seen by this session's next statement) and by this session's own changes.
--
-- The "other session" is a dblink connection to the same database.  This test runs inside
-- BEGIN ... ROLLBACK, so what the other session creates is committed by it, and it deletes its
-- calendars again at the end (and at the start, in case an earlier run was interrupted).
-- Every call that could fail goes through pg_temp.try(), which returns the value as text or the
-- error as 'ERROR <sqlstate>: <message>', so no error can stop the suite before the cleanup.
-- Timestamps print in UTC in both sessions.
BEGIN;
SET LOCAL search_path = public, sla;
SET LOCAL timezone = 'UTC';
SELECT plan(48);

CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE q INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END
$$;
-- the other session runs a statement (autocommit there); a SELECT's one-column result is dropped
CREATE FUNCTION pg_temp.other(q text) RETURNS text LANGUAGE sql AS $$
	SELECT CASE WHEN q ~* '^\s*select'
	            THEN (SELECT count(*)::text FROM public.dblink('tc_other', q) AS x(v text))
	            ELSE public.dblink_exec('tc_other', q) END
$$;
-- the other session's answer to a one-value query, as text
CREATE FUNCTION pg_temp.other_value(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	SELECT v INTO r FROM public.dblink('tc_other', q) AS x(v text);
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END
$$;
-- a PL/pgSQL simple expression keeps its expression state (and the functions' cached calendar)
-- across statements of the transaction: the cache must still notice changes
CREATE FUNCTION pg_temp.due_by_name(t timestamptz) RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN
	RETURN sla.business_add(t, '3 hours', 'tc_shared');
END
$$;
CREATE FUNCTION pg_temp.due_by_id(t timestamptz, cal integer) RETURNS timestamptz LANGUAGE plpgsql AS $$
BEGIN
	RETURN sla.business_add(t, '3 hours', cal);
END
$$;

-- socket directory, port and user are given so this also works in clusters on another port
SELECT is(public.dblink_connect('tc_other', format('dbname=%s port=%s host=%s user=%s', current_database(),
		current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user)),
	'OK', 'the other session is connected');
SELECT lives_ok($$
	SELECT pg_temp.other('SET search_path = public, sla');
	SELECT pg_temp.other('SET timezone = ''UTC''');
	SELECT pg_temp.other('DELETE FROM sla.calendar WHERE name LIKE ''tc\_%''');
	SELECT pg_temp.other('SELECT sla.define_calendar(''tc_shared'', ''UTC'', ''mon-fri 09:00-17:00'')');
$$, 'the other session creates and commits calendar tc_shared (mon-fri 09:00-17:00, UTC)');

-- ---------------------------------------------------------------------------------------------
-- Changes committed by the other session are seen by this session's next statement
-- ---------------------------------------------------------------------------------------------

-- Mon 16:00 + 3h: 1h Monday, Tue 09:00 + 2h
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')$$),
	'2026-01-06 11:00:00+00', 'this session computes a due date (and caches the calendar)');
SELECT is(pg_temp.try($$SELECT pg_temp.due_by_name('2026-01-05 16:00+00')$$), '2026-01-06 11:00:00+00',
	'... also from a PL/pgSQL expression that keeps its state');
SELECT is(pg_temp.try($$SELECT pg_temp.due_by_id('2026-01-05 16:00+00', sla.calendar_id('tc_shared'))$$), '2026-01-06 11:00:00+00',
	'... and by id');
SELECT is(pg_temp.other_value($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')::text$$),
	'2026-01-06 11:00:00+00', 'the other session computes the same');

-- the other session widens the hours to 08:00-18:00: Mon 16-18 2h, Tue 08:00 + 1h
SELECT lives_ok($$SELECT pg_temp.other('SELECT sla.define_calendar(''tc_shared'', ''UTC'', ''mon-fri 08:00-18:00'')')$$,
	'the other session changes the weekly hours');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')$$),
	'2026-01-06 09:00:00+00', 'changed hours: seen by the next statement');
SELECT is(pg_temp.try($$SELECT pg_temp.due_by_name('2026-01-05 16:00+00')$$), '2026-01-06 09:00:00+00',
	'changed hours: seen by the PL/pgSQL expression');
SELECT is(pg_temp.try($$SELECT pg_temp.due_by_id('2026-01-05 16:00+00', sla.calendar_id('tc_shared'))$$), '2026-01-06 09:00:00+00',
	'changed hours: seen by id');
SELECT is(pg_temp.try($$SELECT sla.next_close('2026-01-05 16:00+00', 'tc_shared')$$), '2026-01-05 18:00:00+00',
	'changed hours: next_close');

-- the other session adds a holiday on Tue 2026-01-06: Mon 2h, Wed 08:00 + 1h
SELECT lives_ok($$SELECT pg_temp.other('SELECT sla.add_holiday(''tc_shared'', ''2026-01-06'', ''added elsewhere'')')$$,
	'the other session adds a holiday');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')$$),
	'2026-01-07 09:00:00+00', 'added holiday: seen by the next statement');
SELECT is(pg_temp.try($$SELECT pg_temp.due_by_name('2026-01-05 16:00+00')$$), '2026-01-07 09:00:00+00',
	'added holiday: seen by the PL/pgSQL expression');
SELECT is(pg_temp.try($$SELECT sla.is_open('2026-01-06 12:00+00', 'tc_shared')$$), 'false',
	'added holiday: is_open');

-- the other session moves the calendar to New York: Mon 16:00Z = 11:00 EST, 08:00-18:00 EST
-- is 13:00Z-23:00Z, so 3h are used by 14:00 EST = 19:00Z
SELECT lives_ok($$SELECT pg_temp.other('UPDATE sla.calendar SET time_zone = ''America/New_York'' WHERE name = ''tc_shared''')$$,
	'the other session changes the time zone');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')$$),
	'2026-01-05 19:00:00+00', 'changed time zone: seen by the next statement');
SELECT is(pg_temp.try($$SELECT pg_temp.due_by_id('2026-01-05 16:00+00', sla.calendar_id('tc_shared'))$$), '2026-01-05 19:00:00+00',
	'changed time zone: seen by id');
SELECT is(pg_temp.try($$SELECT sla.next_open('2026-01-05 12:00+00', 'tc_shared')$$), '2026-01-05 13:00:00+00',
	'changed time zone: next_open is 08:00 EST');

-- the other session closes Monday with a special day: Tue is the holiday, so Wed 08:00 EST
-- (13:00Z) + 3h = 16:00Z
SELECT lives_ok($$SELECT pg_temp.other('SELECT sla.set_special_day(''tc_shared'', ''2026-01-05'', ''closed'')')$$,
	'the other session adds a special day');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')$$),
	'2026-01-07 16:00:00+00', 'added special day: seen by the next statement');
SELECT is(pg_temp.try($$SELECT pg_temp.due_by_name('2026-01-05 16:00+00')$$), '2026-01-07 16:00:00+00',
	'added special day: seen by the PL/pgSQL expression');

-- ... and replaces it with hours 15:00-16:00 EST (20:00Z-21:00Z) by editing the table directly
SELECT lives_ok($$SELECT pg_temp.other(format('INSERT INTO sla.calendar_special_hours VALUES (%s, ''2026-01-05'', ''15:00'', ''16:00'')',
		sla.calendar_id('tc_shared')))$$,
	'the other session inserts special hours directly into the table');
-- Mon 20:00Z-21:00Z 1h, Tue holiday, Wed 13:00Z + 2h
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')$$),
	'2026-01-07 15:00:00+00', 'special hours inserted directly: seen by the next statement');
-- removing the holiday row directly: Mon 1h, Tue 08:00 EST (13:00Z) + 2h
SELECT lives_ok($$SELECT pg_temp.other('DELETE FROM sla.calendar_holiday WHERE calendar_id = sla.calendar_id(''tc_shared'')')$$,
	'the other session deletes the holiday row');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')$$),
	'2026-01-06 15:00:00+00', 'deleted holiday: seen by the next statement');

-- several changes in one transaction of the other session are seen together
SELECT lives_ok($$SELECT pg_temp.other('BEGIN; '
		'UPDATE sla.calendar SET time_zone = ''UTC'' WHERE name = ''tc_shared''; '
		'DELETE FROM sla.calendar_special_day WHERE calendar_id = sla.calendar_id(''tc_shared''); '
		'UPDATE sla.calendar_hours SET opens = ''09:00'', closes = ''17:00'' WHERE calendar_id = sla.calendar_id(''tc_shared''); '
		'COMMIT')$$,
	'the other session commits three changes in one transaction');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')$$),
	'2026-01-06 11:00:00+00', 'a multi-statement transaction: all of it seen by the next statement');
SELECT results_eq(
	$$SELECT p FROM sla.open_periods('tc_shared', '2026-01-05 00:00+00', '2026-01-07 00:00+00') p$$,
	$$VALUES (tstzrange('2026-01-05 09:00+00', '2026-01-05 17:00+00')),
	         (tstzrange('2026-01-06 09:00+00', '2026-01-06 17:00+00'))$$,
	'a multi-statement transaction: open_periods');

-- ---------------------------------------------------------------------------------------------
-- Dropped and re-created elsewhere under the same name
-- ---------------------------------------------------------------------------------------------

CREATE TEMP TABLE tc_old AS SELECT id FROM sla.calendar WHERE name = 'tc_shared';
SELECT lives_ok($$SELECT pg_temp.other('DELETE FROM sla.calendar WHERE name = ''tc_shared''')$$,
	'the other session drops tc_shared');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')$$),
	'ERROR 42704: calendar "tc_shared" does not exist', 'dropped elsewhere: unknown by name at once');
SELECT is(pg_temp.try(format('SELECT sla.business_add(%L, %L, %s)', '2026-01-05 16:00+00', '3 hours', (SELECT id FROM tc_old))),
	format('ERROR 42704: calendar %s does not exist', (SELECT id FROM tc_old)), 'dropped elsewhere: unknown by id at once');
SELECT lives_ok($$SELECT pg_temp.other('SELECT sla.define_calendar(''tc_shared'', ''UTC'', ''24/7'')')$$,
	'the other session re-creates tc_shared as 24/7');
SELECT isnt(pg_temp.try($$SELECT sla.calendar_id('tc_shared')$$), (SELECT id::text FROM tc_old), 're-created: a new id');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_shared')$$),
	'2026-01-05 19:00:00+00', 're-created: this session uses the new definition by name');
SELECT is(pg_temp.try($$SELECT pg_temp.due_by_name('2026-01-05 16:00+00')$$), '2026-01-05 19:00:00+00',
	're-created: ... also from the PL/pgSQL expression');
SELECT is(pg_temp.try(format('SELECT sla.business_add(%L, %L, %s)', '2026-01-05 16:00+00', '3 hours', (SELECT id FROM tc_old))),
	format('ERROR 42704: calendar %s does not exist', (SELECT id FROM tc_old)), 're-created: the old id stays unknown');
SELECT is(pg_temp.try($$SELECT sla.next_close('2026-01-05 16:00+00', 'tc_shared')$$), 'infinity',
	're-created: next_close of the 24/7 calendar');

-- ---------------------------------------------------------------------------------------------
-- This session's own (uncommitted) changes
-- ---------------------------------------------------------------------------------------------

SELECT is(pg_temp.try($$SELECT sla.define_calendar('tc_local', 'UTC', 'mon-fri 09:00-17:00') > 0$$), 'true',
	'this session defines tc_local in its transaction');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_local')$$),
	'2026-01-06 11:00:00+00', 'own new calendar: usable at once');
SELECT is(pg_temp.try($$SELECT sla.define_calendar('tc_local', 'UTC', 'mon-fri 08:00-18:00') > 0$$), 'true',
	'this session redefines tc_local''s hours');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_local')$$),
	'2026-01-06 09:00:00+00', 'own new hours: seen by the next statement of the same transaction');
SELECT is(pg_temp.try($$SELECT sla.add_holiday('tc_local', '2026-01-06')::text$$), '',
	'this session adds a holiday to tc_local');
SELECT is(pg_temp.try($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_local')$$),
	'2026-01-07 09:00:00+00', 'own holiday: seen by the next statement');
SELECT is(pg_temp.other_value($$SELECT sla.business_add('2026-01-05 16:00+00', '3 hours', 'tc_local')::text$$),
	'ERROR 42704: calendar "tc_local" does not exist', 'the other session does not see the uncommitted calendar');

-- ---------------------------------------------------------------------------------------------
-- Cleanup: the other session deletes what it committed
-- ---------------------------------------------------------------------------------------------

SELECT lives_ok($$SELECT pg_temp.other('DELETE FROM sla.calendar WHERE name LIKE ''tc\_%''')$$,
	'the other session deletes its calendars');
SELECT is(pg_temp.other_value($$SELECT count(*)::text FROM sla.calendar WHERE name LIKE 'tc\_%'$$), '0',
	'nothing of the other session is left');
SELECT is(public.dblink_disconnect('tc_other'), 'OK', 'the other session is disconnected');

SELECT * FROM finish();
ROLLBACK;
