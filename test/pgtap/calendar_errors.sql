-- calendar_errors.sql — pgTAP: every calendar error with its SQLSTATE and exact message, the
-- table constraints, and the schema contract of the calendar tables and functions.
BEGIN;
SET LOCAL search_path = public, sla;
SET LOCAL timezone = 'UTC';
SELECT plan(188);

SELECT lives_ok($$
	SELECT sla.define_calendar('te_office', 'UTC', 'mon-fri 09:00-17:00');
	SELECT sla.define_calendar('te_247', 'UTC', '24/7');
	SELECT sla.define_calendar('te_closed', 'UTC', 'mon-sun closed');
	SELECT sla.define_calendar('te_once', 'UTC', 'mon-sun closed');
	SELECT sla.set_special_day('te_once', '2026-01-05', '09:00-17:00', 'the only open day');
$$, 'the test calendars are defined');

-- =============================================================================================
-- Schema contract
-- =============================================================================================

SELECT has_table('sla', t, format('table sla.%s exists', t))
FROM unnest(ARRAY['calendar', 'calendar_hours', 'calendar_holiday', 'calendar_special_day',
	'calendar_special_hours']) t;

-- every calendar table (and the id sequence) is registered for pg_dump
SELECT ok((SELECT format('sla.%I', t)::regclass::oid = ANY (e.extconfig)
           FROM pg_extension e WHERE e.extname = 'sla'),
	format('pg_extension_config_dump registered sla.%s', t))
FROM unnest(ARRAY['calendar', 'calendar_hours', 'calendar_holiday', 'calendar_special_day',
	'calendar_special_hours', 'calendar_id_seq']) t;

SELECT trigger_is('sla', t, 'calendar_invalidate', 'sla', 'calendar_invalidate',
	format('sla.%s has the calendar_invalidate trigger', t))
FROM unnest(ARRAY['calendar', 'calendar_hours', 'calendar_holiday', 'calendar_special_day',
	'calendar_special_hours']) t;
-- statement-level, after INSERT, UPDATE, DELETE and TRUNCATE (tgtype bits: 1 row, 2 before,
-- 4 insert, 8 delete, 16 update, 32 truncate)
SELECT is((SELECT tgtype::int FROM pg_trigger
            WHERE tgrelid = format('sla.%I', t)::regclass AND tgname = 'calendar_invalidate'),
	4 | 8 | 16 | 32, format('sla.%s: calendar_invalidate is AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE FOR EACH STATEMENT', t))
FROM unnest(ARRAY['calendar', 'calendar_hours', 'calendar_holiday', 'calendar_special_day',
	'calendar_special_hours']) t;

-- business-time functions: by name and by id, STABLE and STRICT
SELECT has_function('sla', f.name, f.args, format('sla.%s(%s) exists', f.name, array_to_string(f.args, ', ')))
FROM (VALUES
	('business_add', ARRAY['timestamp with time zone', 'business_interval', 'text']),
	('business_add', ARRAY['timestamp with time zone', 'business_interval', 'integer']),
	('business_between', ARRAY['timestamp with time zone', 'timestamp with time zone', 'text']),
	('business_between', ARRAY['timestamp with time zone', 'timestamp with time zone', 'integer']),
	('is_open', ARRAY['timestamp with time zone', 'text']),
	('is_open', ARRAY['timestamp with time zone', 'integer']),
	('next_open', ARRAY['timestamp with time zone', 'text']),
	('next_open', ARRAY['timestamp with time zone', 'integer']),
	('next_close', ARRAY['timestamp with time zone', 'text']),
	('next_close', ARRAY['timestamp with time zone', 'integer']),
	('open_periods', ARRAY['text', 'timestamp with time zone', 'timestamp with time zone']),
	('open_periods', ARRAY['integer', 'timestamp with time zone', 'timestamp with time zone'])) f(name, args);
SELECT volatility_is('sla', f.name, f.args, 'stable', format('sla.%s(%s) is STABLE', f.name, array_to_string(f.args, ', ')))
FROM (VALUES
	('business_add', ARRAY['timestamp with time zone', 'business_interval', 'text']),
	('business_add', ARRAY['timestamp with time zone', 'business_interval', 'integer']),
	('business_between', ARRAY['timestamp with time zone', 'timestamp with time zone', 'text']),
	('business_between', ARRAY['timestamp with time zone', 'timestamp with time zone', 'integer']),
	('is_open', ARRAY['timestamp with time zone', 'text']),
	('is_open', ARRAY['timestamp with time zone', 'integer']),
	('next_open', ARRAY['timestamp with time zone', 'text']),
	('next_open', ARRAY['timestamp with time zone', 'integer']),
	('next_close', ARRAY['timestamp with time zone', 'text']),
	('next_close', ARRAY['timestamp with time zone', 'integer']),
	('open_periods', ARRAY['text', 'timestamp with time zone', 'timestamp with time zone']),
	('open_periods', ARRAY['integer', 'timestamp with time zone', 'timestamp with time zone'])) f(name, args);
SELECT is_strict('sla', f.name, f.args, format('sla.%s(%s) is STRICT', f.name, array_to_string(f.args, ', ')))
FROM (VALUES
	('business_add', ARRAY['timestamp with time zone', 'business_interval', 'text']),
	('business_add', ARRAY['timestamp with time zone', 'business_interval', 'integer']),
	('business_between', ARRAY['timestamp with time zone', 'timestamp with time zone', 'text']),
	('business_between', ARRAY['timestamp with time zone', 'timestamp with time zone', 'integer']),
	('is_open', ARRAY['timestamp with time zone', 'text']),
	('is_open', ARRAY['timestamp with time zone', 'integer']),
	('next_open', ARRAY['timestamp with time zone', 'text']),
	('next_open', ARRAY['timestamp with time zone', 'integer']),
	('next_close', ARRAY['timestamp with time zone', 'text']),
	('next_close', ARRAY['timestamp with time zone', 'integer']),
	('open_periods', ARRAY['text', 'timestamp with time zone', 'timestamp with time zone']),
	('open_periods', ARRAY['integer', 'timestamp with time zone', 'timestamp with time zone'])) f(name, args);
SELECT function_returns('sla', 'business_add', ARRAY['timestamp with time zone', 'business_interval', 'text'],
	'timestamp with time zone');
SELECT function_returns('sla', 'business_between', ARRAY['timestamp with time zone', 'timestamp with time zone', 'text'],
	'business_interval');
SELECT function_returns('sla', 'is_open', ARRAY['timestamp with time zone', 'text'], 'boolean');
SELECT function_returns('sla', 'open_periods', ARRAY['text', 'timestamp with time zone', 'timestamp with time zone'],
	'setof tstzrange');

-- the notation parsers: IMMUTABLE and STRICT
SELECT has_function('sla', 'parse_weekly_hours', ARRAY['text']);
SELECT volatility_is('sla', 'parse_weekly_hours', ARRAY['text'], 'immutable');
SELECT is_strict('sla', 'parse_weekly_hours', ARRAY['text']);
SELECT has_function('sla', 'parse_day_hours', ARRAY['text']);
SELECT volatility_is('sla', 'parse_day_hours', ARRAY['text'], 'immutable');
SELECT is_strict('sla', 'parse_day_hours', ARRAY['text']);

-- helpers
SELECT has_function('sla', 'define_calendar', ARRAY['text', 'text', 'text']);
SELECT function_returns('sla', 'define_calendar', ARRAY['text', 'text', 'text'], 'integer');
SELECT has_function('sla', 'add_holiday', ARRAY['text', 'date', 'text', 'boolean']);
SELECT has_function('sla', 'set_special_day', ARRAY['text', 'date', 'text', 'text']);
SELECT has_function('sla', 'calendar_id', ARRAY['text']);

-- =============================================================================================
-- Unknown calendar: 42704
-- =============================================================================================

SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '1 hour', 'no_such_cal')$$,
	'42704', 'calendar "no_such_cal" does not exist', 'business_add: unknown calendar name');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '1 hour', 2147483647)$$,
	'42704', 'calendar 2147483647 does not exist', 'business_add: unknown calendar id');
SELECT throws_ok($$SELECT sla.business_between('2026-01-05', '2026-01-06', 'no_such_cal')$$,
	'42704', 'calendar "no_such_cal" does not exist', 'business_between: unknown calendar name');
SELECT throws_ok($$SELECT sla.business_between('2026-01-05', '2026-01-06', 2147483647)$$,
	'42704', 'calendar 2147483647 does not exist', 'business_between: unknown calendar id');
SELECT throws_ok($$SELECT sla.is_open('2026-01-05', 'no_such_cal')$$,
	'42704', 'calendar "no_such_cal" does not exist', 'is_open: unknown calendar name');
SELECT throws_ok($$SELECT sla.is_open('2026-01-05', 2147483647)$$,
	'42704', 'calendar 2147483647 does not exist', 'is_open: unknown calendar id');
SELECT throws_ok($$SELECT sla.next_open('2026-01-05', 'no_such_cal')$$,
	'42704', 'calendar "no_such_cal" does not exist', 'next_open: unknown calendar name');
SELECT throws_ok($$SELECT sla.next_open('2026-01-05', 2147483647)$$,
	'42704', 'calendar 2147483647 does not exist', 'next_open: unknown calendar id');
SELECT throws_ok($$SELECT sla.next_close('2026-01-05', 'no_such_cal')$$,
	'42704', 'calendar "no_such_cal" does not exist', 'next_close: unknown calendar name');
SELECT throws_ok($$SELECT sla.next_close('2026-01-05', 2147483647)$$,
	'42704', 'calendar 2147483647 does not exist', 'next_close: unknown calendar id');
SELECT throws_ok($$SELECT * FROM sla.open_periods('no_such_cal', '2026-01-05', '2026-01-06')$$,
	'42704', 'calendar "no_such_cal" does not exist', 'open_periods: unknown calendar name');
SELECT throws_ok($$SELECT * FROM sla.open_periods(2147483647, '2026-01-05', '2026-01-06')$$,
	'42704', 'calendar 2147483647 does not exist', 'open_periods: unknown calendar id');
SELECT throws_ok($$SELECT sla.calendar_id('no_such_cal')$$,
	'42704', 'calendar "no_such_cal" does not exist', 'calendar_id: unknown calendar');
SELECT throws_ok($$SELECT sla.add_holiday('no_such_cal', '2026-01-01')$$,
	'42704', 'calendar "no_such_cal" does not exist', 'add_holiday: unknown calendar');
SELECT throws_ok($$SELECT sla.set_special_day('no_such_cal', '2026-01-01', 'closed')$$,
	'42704', 'calendar "no_such_cal" does not exist', 'set_special_day: unknown calendar');
-- names are exact: no case folding, no trimming
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '1 hour', 'TE_OFFICE')$$,
	'42704', 'calendar "TE_OFFICE" does not exist', 'calendar names are case-sensitive');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '1 hour', 'te_office ')$$,
	'42704', 'calendar "te_office " does not exist', 'calendar names are not trimmed');
-- a calendar deleted in this transaction is unknown at once, by name and by id
SELECT lives_ok($$
	SELECT sla.define_calendar('te_gone', 'UTC', '24/7');
	SELECT sla.business_add('2026-01-05', '1 hour', 'te_gone');
	CREATE TEMP TABLE te_gone_id ON COMMIT DROP AS SELECT sla.calendar_id('te_gone') AS id;
	DELETE FROM sla.calendar WHERE name = 'te_gone';
$$, 'a calendar used, then deleted');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05', '1 hour', 'te_gone')$$,
	'42704', 'calendar "te_gone" does not exist', 'a deleted calendar is unknown by name');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05', '1 hour', id) FROM te_gone_id$$,
	'42704', format('calendar %s does not exist', (SELECT id FROM te_gone_id)), 'a deleted calendar is unknown by id');
SELECT is((SELECT count(*)::int FROM sla.calendar_hours WHERE calendar_id = (SELECT id FROM te_gone_id)), 0,
	'deleting a calendar deletes its hours');

-- =============================================================================================
-- No open time: 55000
-- =============================================================================================

SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '1 hour', 'te_closed')$$,
	'55000', 'calendar "te_closed" has no open time', 'business_add hours on a calendar that never opens');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '1 hour', sla.calendar_id('te_closed'))$$,
	'55000', 'calendar "te_closed" has no open time', 'business_add by id on a calendar that never opens');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '1 day', 'te_closed')$$,
	'55000', 'calendar "te_closed" has no open time', 'business_add days on a calendar that never opens');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '1 us', 'te_closed')$$,
	'55000', 'calendar "te_closed" has no open time', 'business_add one microsecond on a calendar that never opens');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '-1 hour', 'te_closed')$$,
	'55000', 'calendar "te_closed" has no open time', 'business_add negative on a calendar that never opens');
-- asking what needs no open time works
SELECT is(sla.is_open('2026-01-05 10:00+00', 'te_closed'), false, 'is_open on a calendar that never opens: false');
SELECT is(sla.next_close('2026-01-05 10:00+00', 'te_closed'), '2026-01-05 10:00+00',
	'next_close on a calendar that never opens: t (it is closed)');
SELECT is(sla.business_between('2026-01-01', '2027-01-01', 'te_closed'), '0',
	'business_between on a calendar that never opens: 0');
SELECT is_empty($$SELECT * FROM sla.open_periods('te_closed', '2026-01-01', '2027-01-01')$$,
	'open_periods on a calendar that never opens: no rows');
SELECT is(sla.business_add('infinity', '1 hour', 'te_closed'), 'infinity',
	'business_add to infinity on a calendar that never opens: infinity');
-- a calendar whose only open time is one special day: before it fine, after it no further open time
SELECT is(sla.business_add('2026-01-01 00:00+00', '1 hour', 'te_once'), '2026-01-05 10:00+00',
	'one open day: business_add before it works');
SELECT is(sla.business_add('2026-02-01 00:00+00', '-1 hour', 'te_once'), '2026-01-05 16:00+00',
	'one open day: negative business_add after it works');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '8 hours', 'te_once')$$,
	'55000', 'calendar "te_once" has no open time', 'one open day: more than is left fails');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 16:00+00', '1 hour', 'te_once')$$,
	'55000', 'calendar "te_once" has no open time',
	'one open day: used up at its last close, no next opening to land on');
SELECT throws_ok($$SELECT sla.business_add('2026-02-01 00:00+00', '1 hour', 'te_once')$$,
	'55000', 'calendar "te_once" has no open time', 'one open day: after it there is no further open time');
SELECT throws_ok($$SELECT sla.business_add('2026-01-01 00:00+00', '-1 hour', 'te_once')$$,
	'55000', 'calendar "te_once" has no open time', 'one open day: before it there is no earlier open time');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '1 day', 'te_once')$$,
	'55000', 'calendar "te_once" has no open time', 'one open day: no next working day');

-- =============================================================================================
-- Time zones: 22023
-- =============================================================================================

SELECT throws_ok($$SELECT sla.define_calendar('te_mars', 'Mars/Base', '24/7')$$,
	'22023', 'time zone "Mars/Base" not recognized', 'define_calendar: unknown time zone');
SELECT throws_ok($$SELECT sla.define_calendar('te_office', 'Mars/Base', '24/7')$$,
	'22023', 'time zone "Mars/Base" not recognized', 'define_calendar: unknown time zone on an existing calendar');
SELECT throws_ok($$SELECT sla.define_calendar('te_mars', '', '24/7')$$,
	'22023', 'time zone "" not recognized', 'define_calendar: empty time zone');
SELECT throws_ok($$INSERT INTO sla.calendar (name, time_zone) VALUES ('te_mars', 'Mars/Base')$$,
	'22023', 'time zone "Mars/Base" not recognized', 'sla.calendar rejects an unknown time zone');
SELECT throws_ok($$UPDATE sla.calendar SET time_zone = 'Mars/Base' WHERE name = 'te_office'$$,
	'22023', 'time zone "Mars/Base" not recognized', 'sla.calendar rejects an update to an unknown time zone');
SELECT is((SELECT time_zone FROM sla.calendar WHERE name = 'te_office'), 'UTC',
	'a failed define_calendar leaves the calendar as it was');

-- =============================================================================================
-- Opening-hours notation: 22007, overlaps: 23P01
-- =============================================================================================

SELECT throws_ok(format('SELECT sla.define_calendar(%L, %L, %L)', 'te_bad', 'UTC', h), '22007',
	format('invalid opening hours "%s"', h), format('define_calendar rejects %L', h))
FROM unnest(ARRAY['mon 25:00-26:00', 'mon 09:60-17:00', 'mon 24:00-06:00', 'mon 09:00-09:00',
	'', 'monday-funday 09:00-17:00', 'mon 09:00-', 'mon 9-17 sat', '25/8']) h;
SELECT throws_ok(format('SELECT * FROM sla.parse_weekly_hours(%L)', 'mon 25:00-26:00'), '22007',
	'invalid opening hours "mon 25:00-26:00"', 'parse_weekly_hours rejects a bad time');
SELECT throws_ok(format('SELECT sla.set_special_day(%L, %L, %L)', 'te_office', '2026-01-05', h), '22007',
	format('invalid opening hours "%s"', h), format('set_special_day rejects %L', h))
FROM unnest(ARRAY['9-25', '09:00-09:00', '09:00-', 'mon 09:00-17:00', 'shut']) h;
SELECT throws_ok(format('SELECT * FROM sla.parse_day_hours(%L)', '24:00-01:00'), '22007',
	'invalid opening hours "24:00-01:00"', 'parse_day_hours rejects 24:00 as a start');

SELECT throws_ok(format('SELECT sla.define_calendar(%L, %L, %L)', 'te_bad', 'UTC', h), '23P01',
	format('opening hours "%s" overlap', h), format('define_calendar rejects overlapping %L', h))
FROM unnest(ARRAY['mon 09:00-17:00,16:00-18:00', 'sun 22:00-06:00; mon 05:00-07:00',
	'mon 22:00-06:00; tue 00:00-01:00', 'mon-fri 09:00-17:00; wed 12:00-13:00']) h;
SELECT throws_ok(format('SELECT sla.set_special_day(%L, %L, %L)', 'te_office', '2026-01-05', '09:00-12:00,11:00-13:00'),
	'23P01', 'opening hours "09:00-12:00,11:00-13:00" overlap', 'set_special_day rejects overlapping ranges');
-- nothing of a rejected definition is stored
SELECT is((SELECT count(*)::int FROM sla.calendar WHERE name = 'te_bad'), 0, 'rejected definitions leave no calendar');

-- =============================================================================================
-- Table constraints
-- =============================================================================================

SELECT throws_ok(format('INSERT INTO sla.calendar_hours VALUES (%s, 8, %L, %L)', sla.calendar_id('te_office'), '09:00', '10:00'),
	'23514', 'new row for relation "calendar_hours" violates check constraint "calendar_hours_weekday_check"',
	'calendar_hours: weekday 8');
SELECT throws_ok(format('INSERT INTO sla.calendar_hours VALUES (%s, 0, %L, %L)', sla.calendar_id('te_office'), '09:00', '10:00'),
	'23514', 'new row for relation "calendar_hours" violates check constraint "calendar_hours_weekday_check"',
	'calendar_hours: weekday 0');
SELECT throws_ok(format('INSERT INTO sla.calendar_hours VALUES (%s, 6, %L, %L)', sla.calendar_id('te_office'), '09:00', '09:00'),
	'23514', 'new row for relation "calendar_hours" violates check constraint "calendar_hours_not_empty"',
	'calendar_hours: empty range opens = closes');
SELECT throws_ok(format('INSERT INTO sla.calendar_hours VALUES (%s, 6, %L, %L)', sla.calendar_id('te_office'), '00:00', '00:00'),
	'23514', 'new row for relation "calendar_hours" violates check constraint "calendar_hours_not_empty"',
	'calendar_hours: 00:00-00:00 (write 00:00-24:00 for a whole day)');
SELECT lives_ok(format('INSERT INTO sla.calendar_hours VALUES (%s, 6, %L, %L)', sla.calendar_id('te_office'), '00:00', '24:00'),
	'calendar_hours: 00:00-24:00 is a whole day');
SELECT throws_ok(format('INSERT INTO sla.calendar_hours VALUES (%s, 6, %L, %L)', sla.calendar_id('te_office'), '24:00', '01:00'),
	'23514', 'new row for relation "calendar_hours" violates check constraint "calendar_hours_opens_check"',
	'calendar_hours: opens at 24:00');
SELECT throws_ok(format('INSERT INTO sla.calendar_hours VALUES (%s, 1, %L, %L)', sla.calendar_id('te_office'), '10:00', '11:00'),
	'23P01', 'opening range 1 10:00:00-11:00:00 overlaps 1 09:00:00-17:00:00 of calendar te_office',
	'calendar_hours: a row overlapping another one');
SELECT throws_ok(format('INSERT INTO sla.calendar_hours VALUES (%s, 7, %L, %L)', sla.calendar_id('te_office'), '22:00', '09:30'),
	'23P01', 'opening range 7 22:00:00-09:30:00 overlaps 1 09:00:00-17:00:00 of calendar te_office',
	'calendar_hours: a Sunday overnight row overlapping Monday');
SELECT throws_ok(format('UPDATE sla.calendar_hours SET opens = %L, closes = %L WHERE calendar_id = %s AND weekday = 1',
		'10:00', '09:30', sla.calendar_id('te_office')),
	'23P01', 'opening range 1 10:00:00-09:30:00 overlaps 2 09:00:00-17:00:00 of calendar te_office',
	'calendar_hours: an update making a row run overnight into the next day''s');
SELECT throws_ok(format('INSERT INTO sla.calendar_holiday VALUES (%s, %L)', sla.calendar_id('te_office'), '1699-12-31'),
	'23514', 'new row for relation "calendar_holiday" violates check constraint "calendar_holiday_day_check"',
	'calendar_holiday: a date before 1700');
SELECT throws_ok(format('INSERT INTO sla.calendar_holiday VALUES (%s, %L)', sla.calendar_id('te_office'), '2200-01-01'),
	'23514', 'new row for relation "calendar_holiday" violates check constraint "calendar_holiday_day_check"',
	'calendar_holiday: a date after 2199');
SELECT throws_ok($$SELECT sla.add_holiday('te_office', '2300-01-01')$$,
	'23514', 'new row for relation "calendar_holiday" violates check constraint "calendar_holiday_day_check"',
	'add_holiday: a date after 2199');
SELECT lives_ok(format('INSERT INTO sla.calendar_holiday VALUES (%s, %L), (%s, %L)',
		sla.calendar_id('te_office'), '1700-01-01', sla.calendar_id('te_office'), '2199-12-31'),
	'calendar_holiday: 1700-01-01 and 2199-12-31 are accepted');
SELECT throws_ok(format('INSERT INTO sla.calendar_special_day VALUES (%s, %L)', sla.calendar_id('te_office'), '2200-01-01'),
	'23514', 'new row for relation "calendar_special_day" violates check constraint "calendar_special_day_day_check"',
	'calendar_special_day: a date after 2199');
SELECT throws_ok($$SELECT sla.set_special_day('te_office', '1600-01-01', 'closed')$$,
	'23514', 'new row for relation "calendar_special_day" violates check constraint "calendar_special_day_day_check"',
	'set_special_day: a date before 1700');
SELECT throws_ok(format('INSERT INTO sla.calendar_special_day VALUES (%s, %L); '
		'INSERT INTO sla.calendar_special_hours VALUES (%s, %L, %L, %L), (%s, %L, %L, %L)',
		sla.calendar_id('te_office'), '2026-01-05',
		sla.calendar_id('te_office'), '2026-01-05', '09:00', '12:00',
		sla.calendar_id('te_office'), '2026-01-05', '11:00', '13:00'),
	'23P01', 'opening range 09:00:00-12:00:00 overlaps 11:00:00-13:00:00 on special day 2026-01-05',
	'calendar_special_hours: overlapping rows');
SELECT throws_ok(format('INSERT INTO sla.calendar_special_hours VALUES (%s, %L, %L, %L)',
		sla.calendar_id('te_office'), '2026-01-06', '09:00', '10:00'),
	'23503', 'insert or update on table "calendar_special_hours" violates foreign key constraint "calendar_special_hours_calendar_id_day_fkey"',
	'calendar_special_hours: needs its special day');
SELECT throws_ok($$INSERT INTO sla.calendar_hours VALUES (2147483647, 1, '09:00', '10:00')$$,
	'23503', 'insert or update on table "calendar_hours" violates foreign key constraint "calendar_hours_calendar_id_fkey"',
	'calendar_hours: FK to an unknown calendar');
SELECT throws_ok($$INSERT INTO sla.calendar_holiday VALUES (2147483647, '2026-01-01')$$,
	'23503', 'insert or update on table "calendar_holiday" violates foreign key constraint "calendar_holiday_calendar_id_fkey"',
	'calendar_holiday: FK to an unknown calendar');
SELECT throws_ok($$INSERT INTO sla.calendar_special_day VALUES (2147483647, '2026-01-01')$$,
	'23503', 'insert or update on table "calendar_special_day" violates foreign key constraint "calendar_special_day_calendar_id_fkey"',
	'calendar_special_day: FK to an unknown calendar');
SELECT throws_ok($$INSERT INTO sla.calendar (name, time_zone) VALUES ('te_office', 'UTC')$$,
	'23505', 'duplicate key value violates unique constraint "calendar_name_key"',
	'calendar: duplicate name');
SELECT throws_ok($$INSERT INTO sla.calendar (name, time_zone) VALUES ('', 'UTC')$$,
	'23514', 'new row for relation "calendar" violates check constraint "calendar_name_check"',
	'calendar: empty name');
SELECT throws_ok($$SELECT sla.define_calendar('', 'UTC', '24/7')$$,
	'23514', 'new row for relation "calendar" violates check constraint "calendar_name_check"',
	'define_calendar: empty name');

-- NULL arguments to the helpers: 22004
SELECT throws_ok($$SELECT sla.define_calendar(NULL, 'UTC', '24/7')$$,
	'22004', 'define_calendar: name, time_zone and weekly_hours must not be null', 'define_calendar: NULL name');
SELECT throws_ok($$SELECT sla.define_calendar('te_x', 'UTC', NULL)$$,
	'22004', 'define_calendar: name, time_zone and weekly_hours must not be null', 'define_calendar: NULL hours');
SELECT throws_ok($$SELECT sla.add_holiday('te_office', NULL)$$,
	'22004', 'add_holiday: day and yearly must not be null', 'add_holiday: NULL day');
SELECT throws_ok($$SELECT sla.set_special_day('te_office', '2026-01-05', NULL)$$,
	'22004', 'set_special_day: day and hours must not be null', 'set_special_day: NULL hours');
-- the business-time functions are STRICT
SELECT is(sla.business_add(NULL, '1 hour', 'te_office'), NULL, 'business_add(NULL, ...) is NULL');
SELECT is(sla.business_add('2026-01-05', NULL, 'te_office'), NULL, 'business_add(t, NULL, ...) is NULL');
SELECT is(sla.next_open('2026-01-05', NULL::text), NULL, 'next_open(t, NULL) is NULL');

-- =============================================================================================
-- Infinite and out-of-range timestamps
-- =============================================================================================

SELECT throws_ok($$SELECT * FROM sla.open_periods('te_office', '-infinity', '2026-01-01 00:00+00')$$,
	'22023', 'open_periods needs a finite range, got [-infinity, 2026-01-01 00:00:00+00)',
	'open_periods: -infinity as from');
SELECT throws_ok($$SELECT * FROM sla.open_periods('te_office', '2026-01-01 00:00+00', 'infinity')$$,
	'22023', 'open_periods needs a finite range, got [2026-01-01 00:00:00+00, infinity)',
	'open_periods: infinity as to');
SELECT throws_ok($$SELECT * FROM sla.open_periods(sla.calendar_id('te_office'), '2026-01-01 00:00+00', 'infinity')$$,
	'22023', 'open_periods needs a finite range, got [2026-01-01 00:00:00+00, infinity)',
	'open_periods by id: infinity as to');
SELECT is(sla.business_between('infinity', 'infinity', 'te_office'), '0', 'business_between(infinity, infinity) is 0');

-- results beyond the timestamp range (the last instant is 294276-12-31 23:59:59.999999 UTC)
SELECT throws_ok($$SELECT sla.business_add('294276-12-31 23:00:00+00', '2 hours', 'te_247')$$,
	'22008', 'timestamp out of range', 'business_add past the end of the timestamp range');
-- 24/7 never closes: the latest u with 1h in [t, u) would be the first instant after the range
SELECT throws_ok($$SELECT sla.business_add('294276-12-31 23:00:00+00', '1 hour', 'te_247')$$,
	'22008', 'timestamp out of range', 'business_add landing exactly at the end of the range');
-- the last nine weeks of the range are out of range for calendar math (see below)
SELECT throws_ok($$SELECT sla.business_add('294276-12-31 23:00:00+00', '00:59:59.999999', 'te_247')$$,
	'22008', 'timestamp out of range', 'business_add in the last nine weeks of the range');
SELECT is(sla.business_add('294276-06-01 23:00:00+00', '00:59:59.999999', 'te_247'), '294276-06-01 23:59:59.999999+00',
	'business_add far in the future');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '1000000000 days', 'te_office')$$,
	'22008', 'timestamp out of range', 'business_add of a billion business days');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '2000000000 hours', 'te_office')$$,
	'22008', 'timestamp out of range', 'business_add of two billion business hours');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '-1000000000 days', 'te_office')$$,
	'22008', 'timestamp out of range', 'business_add of minus a billion business days');
SELECT throws_ok($$SELECT sla.business_add('2026-01-05 10:00+00', '-2000000000 hours', 'te_office')$$,
	'22008', 'timestamp out of range', 'business_add of minus two billion business hours');
-- Calendar math covers the timestamp range except its first and last nine weeks (one block of
-- 63 days at each end, where the range cuts the calendar's 400-year pattern short): there it
-- is 22008, never a wrong instant.
SELECT is(sla.business_add('4700-01-01 10:00:00+00 BC', '-9 hours', 'te_247'), '4700-01-01 01:00:00+00 BC',
	'business_add far back in time');
SELECT throws_ok($$SELECT sla.business_add('4714-11-24 10:00:00+00 BC', '-9 hours', 'te_247')$$,
	'22008', 'timestamp out of range', 'business_add in the first nine weeks of the timestamp range');
SELECT throws_ok($$SELECT sla.business_add('4714-11-24 10:00:00+00 BC', '-11 hours', 'te_247')$$,
	'22008', 'timestamp out of range', 'business_add before the start of the timestamp range');
SELECT throws_ok($$SELECT sla.business_add('4714-11-24 08:00:00+00 BC', '-1 hour', 'te_office')$$,
	'22008', 'timestamp out of range', 'negative business_add with no open time left in the range');
SELECT throws_ok($$SELECT sla.business_add('4714-11-25 08:00:00+00 BC', '-1 day', 'te_office')$$,
	'22008', 'timestamp out of range', 'negative business days moving back to a close before the range');
-- 24/7: [4714-11-24 00:00 BC, t) holds exactly 10 hours, and no earlier instant exists
-- (through a wrapper that turns an error into text, so a wrong error cannot abort the suite)
CREATE FUNCTION pg_temp.try_add(t timestamptz, d sla.business_interval, cal text) RETURNS text
	LANGUAGE plpgsql AS $$
BEGIN
	RETURN sla.business_add(t, d, cal)::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT is(pg_temp.try_add('4714-11-24 10:00:00+00 BC', '-10 hours', 'te_247'), '22008: timestamp out of range',
	'business_add back to the first instant of the range');

-- calendar_invalidate() is a trigger function only
SELECT throws_ok($$SELECT sla.calendar_invalidate()$$,
	'39P01', 'sla.calendar_invalidate() must be called as a trigger', 'calendar_invalidate() outside a trigger');

SELECT * FROM finish();
ROLLBACK;
