-- calendar_math.sql — pgTAP: exact business-time results on hand-checked calendars.
--
-- Every expected value below was worked out by hand from the definitions (DESIGN.md,
-- "business-time math"); the comment before each case gives the reasoning.  All calendars here
-- are in UTC, so local wall-clock times equal the UTC instants written as '...+00'.
-- Calendar of the reference week: 2026-01-05 is a Monday, 2026-01-10 a Saturday,
-- 2026-01-11 a Sunday, 2026-01-12 the next Monday.  2026-01-01 is a Thursday.
BEGIN;
SET LOCAL search_path = public, sla;
SET LOCAL timezone = 'UTC';
SELECT plan(189);

SELECT lives_ok($$
	SELECT sla.define_calendar('tm_office', 'UTC', 'mon-fri 09:00-17:00');
	SELECT sla.define_calendar('tm_split', 'UTC', 'mon-fri 09:00-12:00,13:00-17:00; sat 10:00-12:00');
	SELECT sla.define_calendar('tm_night', 'UTC', 'mon-fri 22:00-06:00');
	SELECT sla.define_calendar('tm_night_h', 'UTC', 'mon-fri 22:00-06:00');
	SELECT sla.add_holiday('tm_night_h', '2026-01-07', 'on the shift''s start day (Wed)');
	SELECT sla.add_holiday('tm_night_h', '2026-01-10', 'the morning after Friday''s shift (Sat)');
	SELECT sla.define_calendar('tm_hol', 'UTC', 'mon-fri 09:00-17:00');
	SELECT sla.add_holiday('tm_hol', '2026-01-07', 'open day (Wed)');
	SELECT sla.add_holiday('tm_hol', '2026-01-10', 'closed day (Sat)');
	SELECT sla.define_calendar('tm_year', 'UTC', 'mon-fri 09:00-17:00');
	SELECT sla.add_holiday('tm_year', '2026-01-01', 'New Year (Thu)');
	SELECT sla.add_holiday('tm_year', '2026-05-01', 'Labour Day (Fri)');
	SELECT sla.add_holiday('tm_year', '2026-07-04', 'Independence Day (Sat)');
	SELECT sla.add_holiday('tm_year', '2026-12-25', 'Christmas (Fri)');
	SELECT sla.define_calendar('tm_yearly', 'UTC', '24/7');
	SELECT sla.add_holiday('tm_yearly', '2024-12-25', 'Christmas', true);
	SELECT sla.add_holiday('tm_yearly', '2024-02-29', 'Leap day', true);
	SELECT sla.add_holiday('tm_yearly', '2027-07-01', 'once');
	SELECT sla.define_calendar('tm_spec', 'UTC', 'mon-fri 09:00-17:00');
	SELECT sla.add_holiday('tm_spec', '2026-01-06', 'holiday under a special day (Tue)');
	SELECT sla.set_special_day('tm_spec', '2026-01-06', '12:00-14:00', 'special over holiday');
	SELECT sla.set_special_day('tm_spec', '2026-01-07', '20:00-02:00', 'overnight special (Wed)');
	SELECT sla.set_special_day('tm_spec', '2026-01-08', 'closed', 'closed day (Thu)');
	SELECT sla.set_special_day('tm_spec', '2026-01-09', '09:00-13:00', 'half day (Fri)');
	SELECT sla.set_special_day('tm_spec', '2026-01-11', '10:00-14:00', 'Sunday opening');
	SELECT sla.define_calendar('tm_247', 'UTC', '24/7');
	SELECT sla.define_calendar('tm_247h', 'UTC', '24/7');
	SELECT sla.add_holiday('tm_247h', '2026-01-07');
	SELECT sla.define_calendar('tm_days', 'UTC', 'mon-fri 00:00-24:00');
$$, 'the test calendars are defined');

-- =============================================================================================
-- tm_office: mon-fri 09:00-17:00
-- =============================================================================================

-- before opening: Mon 07:00 is closed, the clock starts at 09:00; 09:00 + 2h
SELECT is(business_add('2026-01-05 07:00+00', '2 hours', 'tm_office'), '2026-01-05 11:00+00',
	'add: starts before the open range');
-- inside: Mon 10:00 + 2h stays inside 09-17
SELECT is(business_add('2026-01-05 10:00+00', '2 hours', 'tm_office'), '2026-01-05 12:00+00',
	'add: starts inside an open range');
-- inside, crossing the close: Mon 16:00-17:00 is 1h, the other 1h on Tue 09:00-10:00
SELECT is(business_add('2026-01-05 16:00+00', '2 hours', 'tm_office'), '2026-01-06 10:00+00',
	'add: crosses a closing time');
-- between ranges: Mon 18:00 is closed until Tue 09:00; + 2h
SELECT is(business_add('2026-01-05 18:00+00', '2 hours', 'tm_office'), '2026-01-06 11:00+00',
	'add: starts between open ranges');
-- after the week's last range: Fri 18:00 waits for Mon 09:00; + 2h
SELECT is(business_add('2026-01-09 18:00+00', '2 hours', 'tm_office'), '2026-01-12 11:00+00',
	'add: starts after the last range of the week');
-- weekend: Sat 12:00 waits for Mon 09:00; + 1h
SELECT is(business_add('2026-01-10 12:00+00', '1 hour', 'tm_office'), '2026-01-12 10:00+00',
	'add: starts on a closed weekend day');
-- used up exactly at a close: Mon 10:00 + 7h = Mon 17:00, a closing time; every u in
-- [17:00, Tue 09:00] still has 7h of open time in [t, u), the latest is Tue 09:00
SELECT is(business_add('2026-01-05 10:00+00', '7 hours', 'tm_office'), '2026-01-06 09:00+00',
	'add: amount used up exactly at a closing time lands on the next opening');
-- same over a weekend: Fri 09:00 + 8h = Fri 17:00, the next opening is Mon 09:00
SELECT is(business_add('2026-01-09 09:00+00', '8 hours', 'tm_office'), '2026-01-12 09:00+00',
	'add: used up at Friday''s close lands on Monday''s opening');
-- to the microsecond: Mon 16:59:59.999999 + 1us = 17:00 close -> Tue 09:00
SELECT is(business_add('2026-01-05 16:59:59.999999+00', '1 us', 'tm_office'), '2026-01-06 09:00+00',
	'add: the last microsecond of a range, used up at the close, lands on the next opening');
-- 1us short of the close stays before it
SELECT is(business_add('2026-01-05 16:00+00', '00:59:59.999999', 'tm_office'), '2026-01-05 16:59:59.999999+00',
	'add: one microsecond short of the close stays in the range');
-- d = 0 is next_open(t)
SELECT is(business_add('2026-01-05 10:00+00', '0', 'tm_office'), '2026-01-05 10:00+00',
	'add 0 when open: t itself');
SELECT is(business_add('2026-01-05 09:00+00', '0', 'tm_office'), '2026-01-05 09:00+00',
	'add 0 exactly at an opening: t itself');
-- 17:00 is not in [09:00, 17:00)
SELECT is(business_add('2026-01-05 17:00+00', '0', 'tm_office'), '2026-01-06 09:00+00',
	'add 0 exactly at a closing: the next opening');
SELECT is(business_add('2026-01-10 12:00+00', '0', 'tm_office'), '2026-01-12 09:00+00',
	'add 0 on a weekend: Monday''s opening');
-- negative: Mon 12:00 - 2h stays inside
SELECT is(business_add('2026-01-05 12:00+00', '-2 hours', 'tm_office'), '2026-01-05 10:00+00',
	'add negative: inside a range');
-- Mon 10:00 - 2h: 1h back to Mon 09:00, 1h more from Fri 17:00 back
SELECT is(business_add('2026-01-05 10:00+00', '-2 hours', 'tm_office'), '2026-01-02 16:00+00',
	'add negative: crosses back over a weekend');
-- Mon 10:00 - 1h is used up exactly at the 09:00 opening; every u in [Fri 17:00, Mon 09:00]
-- has 1h in [u, t): the earliest is Friday's close
SELECT is(business_add('2026-01-05 10:00+00', '-1 hour', 'tm_office'), '2026-01-02 17:00+00',
	'add negative: used up exactly at an opening lands on the previous closing');
-- Tue 09:00 - 8h: Mon 09-17 is the 8h, used up at Mon 09:00 (an opening) -> Fri 17:00
SELECT is(business_add('2026-01-06 09:00+00', '-8 hours', 'tm_office'), '2026-01-02 17:00+00',
	'add negative: a whole day back lands on the previous closing');
-- Sat 12:00 - 1h: the last open hour was Fri 16:00-17:00
SELECT is(business_add('2026-01-10 12:00+00', '-1 hour', 'tm_office'), '2026-01-09 16:00+00',
	'add negative: starts on a closed day');
-- huge: 100000h = 2500 weeks of 40h; Mon 10:00 + 40h = next Mon 10:00 (inside a range)
SELECT is(business_add('2026-01-05 10:00+00', '100000 hours', 'tm_office'),
	'2026-01-05 10:00+00'::timestamptz + interval '17500 days',
	'add 100000 hours = 2500 weeks later (2073-12-04 10:00)');
SELECT is(business_add('2026-01-05 10:00+00', '-100000 hours', 'tm_office'),
	'2026-01-05 10:00+00'::timestamptz - interval '17500 days',
	'add -100000 hours = 2500 weeks earlier (1978-02-06 10:00)');
-- 10000 working days of 5 per week = 2000 weeks, landing on a Monday 10:00 (open)
SELECT is(business_add('2026-01-05 10:00+00', '10000 days', 'tm_office'),
	'2026-01-05 10:00+00'::timestamptz + interval '14000 days',
	'add 10000 days = 2000 weeks later (2064-05-05 10:00)');
SELECT is(business_add('2026-01-05 10:00+00', '-10000 days', 'tm_office'),
	'2026-01-05 10:00+00'::timestamptz - interval '14000 days',
	'add -10000 days = 2000 weeks earlier');

-- is_open / next_open / next_close at and around the bounds
SELECT is(is_open('2026-01-05 09:00+00', 'tm_office'), true, 'is_open at the opening instant');
SELECT is(is_open('2026-01-05 16:59:59.999999+00', 'tm_office'), true, 'is_open one microsecond before the close');
SELECT is(is_open('2026-01-05 17:00+00', 'tm_office'), false, 'is_open false at the closing instant');
SELECT is(is_open('2026-01-10 12:00+00', 'tm_office'), false, 'is_open false on Saturday');
SELECT is(next_open('2026-01-05 10:00+00', 'tm_office'), '2026-01-05 10:00+00', 'next_open of an open instant is itself');
SELECT is(next_open('2026-01-05 17:00+00', 'tm_office'), '2026-01-06 09:00+00', 'next_open at the close: next morning');
SELECT is(next_open('2026-01-09 17:30+00', 'tm_office'), '2026-01-12 09:00+00', 'next_open Friday evening: Monday');
SELECT is(next_close('2026-01-05 10:00+00', 'tm_office'), '2026-01-05 17:00+00', 'next_close inside a range: its end');
SELECT is(next_close('2026-01-05 09:00+00', 'tm_office'), '2026-01-05 17:00+00', 'next_close at the opening: its end');
SELECT is(next_close('2026-01-05 18:00+00', 'tm_office'), '2026-01-05 18:00+00', 'next_close of a closed instant is itself');
SELECT is(next_close('2026-01-05 17:00+00', 'tm_office'), '2026-01-05 17:00+00', 'next_close at the closing instant is itself');

-- between: Mon 10:00 -> Tue 11:00 = 7h + 2h
SELECT is(business_between('2026-01-05 10:00+00', '2026-01-06 11:00+00', 'tm_office'), '9 hours',
	'between over a night');
SELECT is(business_between('2026-01-06 11:00+00', '2026-01-05 10:00+00', 'tm_office'), '-9 hours',
	'between is negative when b < a');
SELECT is(business_between('2026-01-05 00:00+00', '2026-01-12 00:00+00', 'tm_office'), '40 hours',
	'between over a week: 5 x 8h');
SELECT is(business_between('2026-01-10 00:00+00', '2026-01-11 12:00+00', 'tm_office'), '0',
	'between over a weekend: nothing');
SELECT is(business_between('2026-01-05 10:00+00', '2026-01-05 10:00+00', 'tm_office'), '0',
	'between an instant and itself: zero');

-- open_periods: clipped to [from, to)
SELECT results_eq(
	$$SELECT p FROM open_periods('tm_office', '2026-01-05 10:00+00', '2026-01-06 12:00+00') p$$,
	$$VALUES (tstzrange('2026-01-05 10:00+00', '2026-01-05 17:00+00')),
	         (tstzrange('2026-01-06 09:00+00', '2026-01-06 12:00+00'))$$,
	'open_periods clips the first and last period to [from, to)');
SELECT results_eq(
	$$SELECT p FROM open_periods('tm_office', '2026-01-09 12:00+00', '2026-01-13 00:00+00') p$$,
	$$VALUES (tstzrange('2026-01-09 12:00+00', '2026-01-09 17:00+00')),
	         (tstzrange('2026-01-12 09:00+00', '2026-01-12 17:00+00'))$$,
	'open_periods over a weekend');
SELECT is_empty(
	$$SELECT p FROM open_periods('tm_office', '2026-01-10 00:00+00', '2026-01-12 00:00+00') p$$,
	'open_periods of a closed weekend: no rows');
SELECT is_empty(
	$$SELECT p FROM open_periods('tm_office', '2026-01-05 17:00+00', '2026-01-05 17:00+00') p$$,
	'open_periods of an empty window: no rows');

-- infinite timestamps
SELECT is(business_add('infinity', '2 hours', 'tm_office'), 'infinity', 'add to infinity: infinity');
SELECT is(business_add('-infinity', '2 hours', 'tm_office'), '-infinity', 'add to -infinity: -infinity');
SELECT is(business_add('infinity', '-1 day -2 hours', 'tm_office'), 'infinity', 'add negative to infinity: infinity');
SELECT is(business_add('-infinity', '1 day', 'tm_office'), '-infinity', 'add days to -infinity: -infinity');
SELECT is(next_open('infinity', 'tm_office'), 'infinity', 'next_open(infinity)');
SELECT is(next_open('-infinity', 'tm_office'), '-infinity', 'next_open(-infinity)');
SELECT is(next_close('infinity', 'tm_office'), 'infinity', 'next_close(infinity)');
SELECT is(next_close('-infinity', 'tm_office'), '-infinity', 'next_close(-infinity)');
SELECT is(is_open('infinity', 'tm_247'), false, 'is_open(infinity) is false even on 24/7');
SELECT is(is_open('-infinity', 'tm_247'), false, 'is_open(-infinity) is false even on 24/7');

-- =============================================================================================
-- tm_split: mon-fri 09:00-12:00,13:00-17:00; sat 10:00-12:00 (several ranges per day)
-- =============================================================================================

-- Mon 11:00 + 2h: 11-12 is 1h, lunch is closed, 13-14 the other 1h
SELECT is(business_add('2026-01-05 11:00+00', '2 hours', 'tm_split'), '2026-01-05 14:00+00',
	'split: add across the lunch break');
-- Mon 11:00 + 1h used up at the 12:00 close -> the 13:00 opening
SELECT is(business_add('2026-01-05 11:00+00', '1 hour', 'tm_split'), '2026-01-05 13:00+00',
	'split: used up at the lunch close lands on the afternoon opening');
-- Mon 14:00 - 1h used up at the 13:00 opening -> the 12:00 close
SELECT is(business_add('2026-01-05 14:00+00', '-1 hour', 'tm_split'), '2026-01-05 12:00+00',
	'split: negative used up at the afternoon opening lands on the lunch close');
-- Mon 13:00 - 1h: [11:00, 13:00) has 1h (11-12); earlier than 11:00 has more
SELECT is(business_add('2026-01-05 13:00+00', '-1 hour', 'tm_split'), '2026-01-05 11:00+00',
	'split: negative from an opening reaches into the morning');
-- Fri 16:00 + 3h: Fri 16-17 1h, Sat 10-12 2h used up at Sat's close -> Mon 09:00
SELECT is(business_add('2026-01-09 16:00+00', '3 hours', 'tm_split'), '2026-01-12 09:00+00',
	'split: through Saturday''s short range, used up at its close');
-- Fri 16:00 + 2h: Fri 1h, then Sat 10:00 + 1h
SELECT is(business_add('2026-01-09 16:00+00', '2 hours', 'tm_split'), '2026-01-10 11:00+00',
	'split: into Saturday''s range');
-- Mon 10:00 -> Mon 15:00: 10-12 2h + 13-15 2h
SELECT is(business_between('2026-01-05 10:00+00', '2026-01-05 15:00+00', 'tm_split'), '4 hours',
	'split: between skips the lunch break');
-- a week: 5 x 7h + 2h on Saturday
SELECT is(business_between('2026-01-05 00:00+00', '2026-01-12 00:00+00', 'tm_split'), '37 hours',
	'split: a week is 37 hours');
SELECT is(next_close('2026-01-05 10:00+00', 'tm_split'), '2026-01-05 12:00+00', 'split: next_close is the lunch break');
SELECT is(next_open('2026-01-05 12:30+00', 'tm_split'), '2026-01-05 13:00+00', 'split: next_open after lunch');
SELECT is(is_open('2026-01-05 12:00+00', 'tm_split'), false, 'split: closed at 12:00');
SELECT results_eq(
	$$SELECT p FROM open_periods('tm_split', '2026-01-09 00:00+00', '2026-01-12 00:00+00') p$$,
	$$VALUES (tstzrange('2026-01-09 09:00+00', '2026-01-09 12:00+00')),
	         (tstzrange('2026-01-09 13:00+00', '2026-01-09 17:00+00')),
	         (tstzrange('2026-01-10 10:00+00', '2026-01-10 12:00+00'))$$,
	'split: open_periods lists each range');

-- =============================================================================================
-- tm_night: mon-fri 22:00-06:00 (overnight shifts belong to their start day)
-- =============================================================================================

-- five shifts, each one period crossing midnight, Friday's ending Saturday 06:00
SELECT results_eq(
	$$SELECT p FROM open_periods('tm_night', '2026-01-05 00:00+00', '2026-01-12 00:00+00') p$$,
	$$VALUES (tstzrange('2026-01-05 22:00+00', '2026-01-06 06:00+00')),
	         (tstzrange('2026-01-06 22:00+00', '2026-01-07 06:00+00')),
	         (tstzrange('2026-01-07 22:00+00', '2026-01-08 06:00+00')),
	         (tstzrange('2026-01-08 22:00+00', '2026-01-09 06:00+00')),
	         (tstzrange('2026-01-09 22:00+00', '2026-01-10 06:00+00'))$$,
	'night: overnight periods are not split at midnight');
-- Monday 03:00 would belong to a Sunday shift: there is none
SELECT is(is_open('2026-01-05 03:00+00', 'tm_night'), false, 'night: Monday early morning is closed (no Sunday shift)');
SELECT is(is_open('2026-01-10 05:00+00', 'tm_night'), true, 'night: Saturday early morning is open (Friday''s shift)');
SELECT is(is_open('2026-01-06 00:00+00', 'tm_night'), true, 'night: open at midnight');
SELECT is(next_close('2026-01-05 23:00+00', 'tm_night'), '2026-01-06 06:00+00', 'night: next_close runs past midnight');
SELECT is(next_open('2026-01-06 07:00+00', 'tm_night'), '2026-01-06 22:00+00', 'night: next_open in the evening');
-- Mon 23:00 + 8h: 7h to Tue 06:00, 1h from Tue 22:00
SELECT is(business_add('2026-01-05 23:00+00', '8 hours', 'tm_night'), '2026-01-06 23:00+00',
	'night: add over the day break');
-- Mon 22:00 + 8h used up at Tue 06:00 close -> Tue 22:00
SELECT is(business_add('2026-01-05 22:00+00', '8 hours', 'tm_night'), '2026-01-06 22:00+00',
	'night: a whole shift used up at the morning close lands on the next evening');
-- Fri 23:00 + 8h: 7h to Sat 06:00, then Mon 22:00 + 1h
SELECT is(business_add('2026-01-09 23:00+00', '8 hours', 'tm_night'), '2026-01-12 23:00+00',
	'night: add over the weekend');
-- Tue 01:00 - 2h: Mon 23:00 (inside Monday's shift)
SELECT is(business_add('2026-01-06 01:00+00', '-2 hours', 'tm_night'), '2026-01-05 23:00+00',
	'night: negative back over midnight');
-- Tue 00:00 -> Tue 23:00: Tue 00-06 6h + 22-23 1h
SELECT is(business_between('2026-01-06 00:00+00', '2026-01-06 23:00+00', 'tm_night'), '7 hours',
	'night: between within one calendar day');
SELECT is(business_between('2026-01-05 00:00+00', '2026-01-12 00:00+00', 'tm_night'), '40 hours',
	'night: a week is 5 x 8h');

-- tm_night_h: holidays on Wednesday 2026-01-07 (a shift start day) and Saturday 2026-01-10
-- (the morning after Friday's shift)
SELECT results_eq(
	$$SELECT p FROM open_periods('tm_night_h', '2026-01-05 00:00+00', '2026-01-12 00:00+00') p$$,
	$$VALUES (tstzrange('2026-01-05 22:00+00', '2026-01-06 06:00+00')),
	         (tstzrange('2026-01-06 22:00+00', '2026-01-07 06:00+00')),
	         (tstzrange('2026-01-08 22:00+00', '2026-01-09 06:00+00')),
	         (tstzrange('2026-01-09 22:00+00', '2026-01-10 06:00+00'))$$,
	'night + holidays: Wednesday''s shift is cancelled, Tuesday''s and Friday''s run into the holiday mornings');
SELECT is(is_open('2026-01-07 03:00+00', 'tm_night_h'), true,
	'night + holiday: Tuesday''s shift still runs into the holiday morning');
SELECT is(is_open('2026-01-07 23:00+00', 'tm_night_h'), false, 'night + holiday: the holiday''s own shift is cancelled');
SELECT is(is_open('2026-01-08 03:00+00', 'tm_night_h'), false, 'night + holiday: ... including its morning part');
SELECT is(is_open('2026-01-10 05:00+00', 'tm_night_h'), true,
	'night + holiday on the morning after: Friday''s shift runs');
-- Wed 05:00 + 2h: 1h to Wed 06:00; Wed's shift is cancelled; Thu 22:00 + 1h
SELECT is(business_add('2026-01-07 05:00+00', '2 hours', 'tm_night_h'), '2026-01-08 23:00+00',
	'night + holiday: add skips the cancelled shift');
-- working days are the dates with a shift: Wed is not one. Tue 23:00 + 1 day -> Thu 23:00 (open)
SELECT is(business_add('2026-01-06 23:00+00', '1 day', 'tm_night_h'), '2026-01-08 23:00+00',
	'night + holiday: 1 business day skips the holiday');
-- Tue 03:00 + 1 day -> Thu 03:00, closed (Wed's shift cancelled) -> next open Thu 22:00
SELECT is(business_add('2026-01-06 03:00+00', '1 day', 'tm_night_h'), '2026-01-08 22:00+00',
	'night + holiday: 1 business day landing on a closed morning moves to the next opening');

-- =============================================================================================
-- tm_hol: mon-fri 09:00-17:00, holidays Wed 2026-01-07 (open day) and Sat 2026-01-10 (closed day)
-- =============================================================================================

SELECT is(is_open('2026-01-07 12:00+00', 'tm_hol'), false, 'holiday on an open day: closed');
SELECT is(next_open('2026-01-07 10:00+00', 'tm_hol'), '2026-01-08 09:00+00', 'holiday: next_open is the next morning');
-- Tue 16:00 + 2h: Tue 1h, Wed holiday, Thu 09:00 + 1h
SELECT is(business_add('2026-01-06 16:00+00', '2 hours', 'tm_hol'), '2026-01-08 10:00+00',
	'holiday: add skips it');
-- Tue 10:00 + 7h used up at Tue 17:00 -> next opening is Thu 09:00
SELECT is(business_add('2026-01-06 10:00+00', '7 hours', 'tm_hol'), '2026-01-08 09:00+00',
	'holiday: used up at the close before a holiday lands after it');
-- Thu 10:00 - 2h: 1h to Thu 09:00, then Tue 17:00 - 1h
SELECT is(business_add('2026-01-08 10:00+00', '-2 hours', 'tm_hol'), '2026-01-06 16:00+00',
	'holiday: negative add skips it');
-- week: 4 x 8h; the Saturday holiday changes nothing
SELECT is(business_between('2026-01-05 00:00+00', '2026-01-12 00:00+00', 'tm_hol'), '32 hours',
	'holidays: a week with one on Wednesday and one on Saturday is 32 hours');
SELECT is(business_between('2026-01-10 00:00+00', '2026-01-11 00:00+00', 'tm_hol'), '0',
	'holiday on a closed day: still nothing');
-- Tue 10:00 + 1 day: Wed is not a working day -> Thu 10:00
SELECT is(business_add('2026-01-06 10:00+00', '1 day', 'tm_hol'), '2026-01-08 10:00+00',
	'holiday: business days skip it');
SELECT is(business_add('2026-01-08 10:00+00', '-1 day', 'tm_hol'), '2026-01-06 10:00+00',
	'holiday: negative business days skip it');
-- Fri 10:00 + 1 day: Sat (holiday or not) is not a working day -> Mon 10:00
SELECT is(business_add('2026-01-09 10:00+00', '1 day', 'tm_hol'), '2026-01-12 10:00+00',
	'holiday on Saturday: business days unchanged');

-- tm_year: mon-fri 09-17 with holidays on Thu 2026-01-01, Fri 2026-05-01, Sat 2026-07-04,
-- Fri 2026-12-25.  2026 has 365 days starting on a Thursday: 52 weeks + one Thursday
-- = 261 weekdays; three holidays fall on weekdays -> 258 x 8h = 2064h.
SELECT is(business_between('2026-01-01 00:00+00', '2027-01-01 00:00+00', 'tm_year'), '2064 hours',
	'between over a year with holidays: 258 working days of 8h');
SELECT is(business_between('2027-01-01 00:00+00', '2026-01-01 00:00+00', 'tm_year'), '-2064 hours',
	'between over a year, reversed: negative');
-- adding the year's hours back from New Year 2026 00:00: the first open moment is Fri 01-02
-- 09:00; 2064h later is used up at the last close of 2026, Thu 12-31 17:00, and lands on the
-- next opening, Fri 2027-01-01 09:00
SELECT is(business_add('2026-01-01 00:00+00', '2064 hours', 'tm_year'), '2027-01-01 09:00+00',
	'add a year''s hours: used up at the last close lands on the next opening');

-- =============================================================================================
-- tm_yearly: 24/7, yearly holidays 12-25 and 02-29, a one-off holiday 2027-07-01
-- =============================================================================================

SELECT is(is_open('2026-12-25 12:00+00', 'tm_yearly'), false, 'yearly holiday: 2026');
SELECT is(is_open('2027-12-25 12:00+00', 'tm_yearly'), false, 'yearly holiday: 2027');
SELECT is(is_open('2031-12-25 00:00+00', 'tm_yearly'), false, 'yearly holiday: 2031');
SELECT is(is_open('2020-12-25 23:59:59.999999+00', 'tm_yearly'), false, 'yearly holiday: also before the year it was entered');
SELECT is(is_open('2026-12-26 00:00+00', 'tm_yearly'), true, 'yearly holiday: the day after is open');
SELECT is(is_open('2028-02-29 12:00+00', 'tm_yearly'), false, 'yearly 29 February: closed in leap year 2028');
SELECT is(is_open('2000-02-29 12:00+00', 'tm_yearly'), false, 'yearly 29 February: closed in leap year 2000');
SELECT is(is_open('2027-02-28 12:00+00', 'tm_yearly'), true, 'yearly 29 February: 28 Feb of a common year stays open');
SELECT is(is_open('2027-03-01 12:00+00', 'tm_yearly'), true, 'yearly 29 February: 1 Mar of a common year stays open');
SELECT is(is_open('2100-03-01 12:00+00', 'tm_yearly'), true, 'yearly 29 February: 2100 is not a leap year');
SELECT is(is_open('2027-07-01 12:00+00', 'tm_yearly'), false, 'one-off holiday: closed that year');
SELECT is(is_open('2028-07-01 12:00+00', 'tm_yearly'), true, 'one-off holiday: open the next year');
SELECT results_eq(
	$$SELECT p FROM open_periods('tm_yearly', '2028-02-28 00:00+00', '2028-03-02 00:00+00') p$$,
	$$VALUES (tstzrange('2028-02-28 00:00+00', '2028-02-29 00:00+00')),
	         (tstzrange('2028-03-01 00:00+00', '2028-03-02 00:00+00'))$$,
	'yearly 29 February: open_periods around it in 2028');
-- 2024..2028: 366 + 365 + 365 + 365 + 366 = 1827 days, minus 5 Christmases, 2 leap days
-- (2024, 2028) and the one-off 2027-07-01 = 1819 days x 24h
SELECT is(business_between('2024-01-01 00:00+00', '2029-01-01 00:00+00', 'tm_yearly'), '43656 hours',
	'yearly holidays across five years: 1819 days of 24h');
-- 24/7 with a holiday: 2028-02-28 12:00 + 24h: 12h to 02-29 00:00, then 03-01 00:00 + 12h
SELECT is(business_add('2028-02-28 12:00+00', '24 hours', 'tm_yearly'), '2028-03-01 12:00+00',
	'add across a yearly 29 February');
SELECT is(next_close('2028-02-28 12:00+00', 'tm_yearly'), '2028-02-29 00:00+00',
	'next_close on a 24/7 calendar: the next holiday');

-- =============================================================================================
-- tm_spec: mon-fri 09:00-17:00 with special days in the reference week:
--   Tue 01-06 holiday and special 12:00-14:00 (the special day wins)
--   Wed 01-07 special 20:00-02:00 (overnight, replaces 09-17)
--   Thu 01-08 special closed
--   Fri 01-09 special 09:00-13:00 (half day)
--   Sun 01-11 special 10:00-14:00
-- =============================================================================================

SELECT results_eq(
	$$SELECT p FROM open_periods('tm_spec', '2026-01-05 00:00+00', '2026-01-13 00:00+00') p$$,
	$$VALUES (tstzrange('2026-01-05 09:00+00', '2026-01-05 17:00+00')),
	         (tstzrange('2026-01-06 12:00+00', '2026-01-06 14:00+00')),
	         (tstzrange('2026-01-07 20:00+00', '2026-01-08 02:00+00')),
	         (tstzrange('2026-01-09 09:00+00', '2026-01-09 13:00+00')),
	         (tstzrange('2026-01-11 10:00+00', '2026-01-11 14:00+00')),
	         (tstzrange('2026-01-12 09:00+00', '2026-01-12 17:00+00'))$$,
	'special days: open_periods of the week');
SELECT is(is_open('2026-01-06 10:00+00', 'tm_spec'), false, 'special over holiday: closed outside the special hours');
SELECT is(is_open('2026-01-06 13:00+00', 'tm_spec'), true, 'special over holiday: open in the special hours');
SELECT is(is_open('2026-01-07 12:00+00', 'tm_spec'), false, 'special day: weekly hours are replaced');
SELECT is(is_open('2026-01-08 01:00+00', 'tm_spec'), true,
	'special overnight range runs into the next (closed) special day');
SELECT is(is_open('2026-01-08 10:00+00', 'tm_spec'), false, 'special closed day: closed');
SELECT is(is_open('2026-01-09 14:00+00', 'tm_spec'), false, 'half day: closed in the afternoon');
SELECT is(is_open('2026-01-11 11:00+00', 'tm_spec'), true, 'special day on a Sunday: open');
SELECT is(next_close('2026-01-07 21:00+00', 'tm_spec'), '2026-01-08 02:00+00', 'special overnight: next_close past midnight');
-- Mon 16:00 + 3h: Mon 1h, Tue 12-14 2h used up at Tue 14:00 (a close) -> Wed 20:00
SELECT is(business_add('2026-01-05 16:00+00', '3 hours', 'tm_spec'), '2026-01-07 20:00+00',
	'special days: add through the special-over-holiday, used up at its close');
-- Fri 12:00 + 2h: 1h to the half day's 13:00 close, Sun 10:00 + 1h
SELECT is(business_add('2026-01-09 12:00+00', '2 hours', 'tm_spec'), '2026-01-11 11:00+00',
	'special days: half day then the Sunday opening');
-- Sat 12:00 + 5h: Sun 10-14 4h, Mon 09:00 + 1h
SELECT is(business_add('2026-01-10 12:00+00', '5 hours', 'tm_spec'), '2026-01-12 10:00+00',
	'special days: through the Sunday special');
-- Wed 12:00 + 1h: closed until Wed 20:00 -> 21:00
SELECT is(business_add('2026-01-07 12:00+00', '1 hour', 'tm_spec'), '2026-01-07 21:00+00',
	'special days: add waits for the overnight special range');
-- Mon 05 00:00 -> Tue 13 00:00: 8 + 2 + 6 + 0 + 4 + 4 + 8
SELECT is(business_between('2026-01-05 00:00+00', '2026-01-13 00:00+00', 'tm_spec'), '32 hours',
	'special days: between over the week');
-- business days: a special day with hours is a working day, a closed one is not
-- Mon 10:00 + 1 day -> Tue 10:00, closed (special 12-14) -> 12:00
SELECT is(business_add('2026-01-05 10:00+00', '1 day', 'tm_spec'), '2026-01-06 12:00+00',
	'special days: 1 business day lands on the special day''s closed morning, moves to its opening');
-- Mon 10:00 + 3 days: Tue (1), Wed (2), Thu closed, Fri (3) -> Fri 10:00 (open)
SELECT is(business_add('2026-01-05 10:00+00', '3 days', 'tm_spec'), '2026-01-09 10:00+00',
	'special days: the closed special day is not a working day');
-- Fri 10:00 + 1 day: Sat none, Sun special -> Sun 10:00 (open)
SELECT is(business_add('2026-01-09 10:00+00', '1 day', 'tm_spec'), '2026-01-11 10:00+00',
	'special days: the Sunday special day is a working day');
-- Fri 09 10:00 - 3 days: Thu closed, Wed (1), Tue (2), Mon (3) -> Mon 10:00 (open)
SELECT is(business_add('2026-01-09 10:00+00', '-3 days', 'tm_spec'), '2026-01-05 10:00+00',
	'special days: negative business days skip the closed special day');

-- =============================================================================================
-- 24/7 (tm_247), 24/7 with a holiday on Wed 2026-01-07 (tm_247h), mon-fri 00:00-24:00 (tm_days)
-- =============================================================================================

SELECT is(next_close('2026-01-05 10:00+00', 'tm_247'), 'infinity', '24/7: next_close is infinity');
SELECT is(next_open('2026-01-05 10:00+00', 'tm_247'), '2026-01-05 10:00+00', '24/7: next_open is t');
SELECT is(business_add('2026-01-05 10:00+00', '1000000 hours', 'tm_247'),
	'2026-01-05 10:00+00'::timestamptz + interval '1000000 hours', '24/7: add 1000000 hours = t + interval');
SELECT is(business_add('2026-01-05 10:00+00', '-1000000 hours', 'tm_247'),
	'2026-01-05 10:00+00'::timestamptz - interval '1000000 hours', '24/7: add -1000000 hours = t - interval');
SELECT is(business_add('2026-01-05 10:00:00.5+00', '1 us', 'tm_247'), '2026-01-05 10:00:00.500001+00',
	'24/7: add one microsecond');
-- every day is a working day: t's local time on the next day
SELECT is(business_add('2026-01-05 10:00+00', '3 days 1 hour', 'tm_247'), '2026-01-08 11:00+00',
	'24/7: days then hours');
SELECT is(business_between('2026-01-05 00:00+00', '2026-01-12 00:00+00', 'tm_247'), '168 hours',
	'24/7: a week is 168 hours');
SELECT results_eq(
	$$SELECT p FROM open_periods('tm_247', '2026-01-05 10:00+00', '2026-02-05 10:00+00') p$$,
	$$VALUES (tstzrange('2026-01-05 10:00+00', '2026-02-05 10:00+00'))$$,
	'24/7: open_periods is one row, never split at midnight');
SELECT is(next_close('2026-01-05 10:00+00', 'tm_247h'), '2026-01-07 00:00+00', '24/7 + holiday: next_close at the holiday');
SELECT is(next_open('2026-01-07 12:00+00', 'tm_247h'), '2026-01-08 00:00+00', '24/7 + holiday: next_open after it');
-- Tue 12:00 + 24h: 12h to Wed 00:00, holiday, Thu 00:00 + 12h
SELECT is(business_add('2026-01-06 12:00+00', '24 hours', 'tm_247h'), '2026-01-08 12:00+00',
	'24/7 + holiday: add skips the holiday');
-- Tue 12:00 + 12h is used up at Wed 00:00, the holiday's start -> Thu 00:00
SELECT is(business_add('2026-01-06 12:00+00', '12 hours', 'tm_247h'), '2026-01-08 00:00+00',
	'24/7 + holiday: used up at the holiday lands after it');
-- Thu 00:00 - 1h: [Wed 00:00, Thu 00:00) is the holiday (no open time), [Tue 23:00, Thu 00:00)
-- has 1h, and any earlier u more -> Tue 23:00
SELECT is(business_add('2026-01-08 00:00+00', '-1 hour', 'tm_247h'), '2026-01-06 23:00+00',
	'24/7 + holiday: negative add skips the holiday');
-- Thu 12:00 - 12h is used up at Thu 00:00 (an opening) -> the previous close, Wed 00:00
SELECT is(business_add('2026-01-08 12:00+00', '-12 hours', 'tm_247h'), '2026-01-07 00:00+00',
	'24/7 + holiday: negative used up at the opening lands on the holiday''s start');
SELECT results_eq(
	$$SELECT p FROM open_periods('tm_247h', '2026-01-05 00:00+00', '2026-01-10 00:00+00') p$$,
	$$VALUES (tstzrange('2026-01-05 00:00+00', '2026-01-07 00:00+00')),
	         (tstzrange('2026-01-08 00:00+00', '2026-01-10 00:00+00'))$$,
	'24/7 + holiday: two periods');
SELECT is(next_close('2026-01-05 10:00+00', 'tm_days'), '2026-01-10 00:00+00',
	'mon-fri 00:00-24:00: the days join, next_close is Saturday 00:00');
SELECT results_eq(
	$$SELECT p FROM open_periods('tm_days', '2026-01-04 00:00+00', '2026-01-14 00:00+00') p$$,
	$$VALUES (tstzrange('2026-01-05 00:00+00', '2026-01-10 00:00+00')),
	         (tstzrange('2026-01-12 00:00+00', '2026-01-14 00:00+00'))$$,
	'mon-fri 00:00-24:00: one period per working week');

-- =============================================================================================
-- Business days on tm_office (mon-fri 09:00-17:00)
-- =============================================================================================

SELECT is(business_add('2026-01-05 10:00+00', '2 days', 'tm_office'), '2026-01-07 10:00+00',
	'days: Mon + 2 days = Wed, same time');
SELECT is(business_add('2026-01-09 10:00+00', '1 day', 'tm_office'), '2026-01-12 10:00+00',
	'days: Fri + 1 day = Mon');
-- t's local date is Saturday; the first working day after it is Monday
SELECT is(business_add('2026-01-10 12:00+00', '1 day', 'tm_office'), '2026-01-12 12:00+00',
	'days: from Saturday, 1 day = Monday at the same time');
SELECT is(business_add('2026-01-10 12:00+00', '0 days', 'tm_office'), '2026-01-12 09:00+00',
	'days: 0 days is next_open');
-- Mon 18:00 + 1 day = Tue 18:00, closed -> Wed 09:00
SELECT is(business_add('2026-01-05 18:00+00', '1 day', 'tm_office'), '2026-01-07 09:00+00',
	'days: landing after the close moves to the next opening');
-- Mon 07:00 + 1 day = Tue 07:00, closed -> Tue 09:00
SELECT is(business_add('2026-01-05 07:00+00', '1 day', 'tm_office'), '2026-01-06 09:00+00',
	'days: landing before the opening moves to it');
-- exactly at the close: Mon 17:00 + 1 day = Tue 17:00, closed -> Wed 09:00
SELECT is(business_add('2026-01-05 17:00+00', '1 day', 'tm_office'), '2026-01-07 09:00+00',
	'days: landing exactly on a close moves to the next opening');
SELECT is(business_add('2026-01-05 09:00+00', '5 days', 'tm_office'), '2026-01-12 09:00+00',
	'days: 5 days = one week');
-- Mon 16:00 + 1 day = Tue 16:00, + 2h: 1h Tue, 1h Wed from 09:00
SELECT is(business_add('2026-01-05 16:00+00', '1 day 2 hours', 'tm_office'), '2026-01-07 10:00+00',
	'days + hours: the hours continue into the next day');
-- Mon 18:00 + 1 day = Tue 18:00 closed -> Wed 09:00, + 2h
SELECT is(business_add('2026-01-05 18:00+00', '1 day 2 hours', 'tm_office'), '2026-01-07 11:00+00',
	'days + hours from a closed moment');
-- Mon 10:00 + 1 day = Tue 10:00, then + 7h used up at Tue 17:00 -> Wed 09:00
SELECT is(business_add('2026-01-05 10:00+00', '1 day 7 hours', 'tm_office'), '2026-01-07 09:00+00',
	'days + hours used up at a close');
SELECT is(business_add('2026-01-07 10:00+00', '-1 day', 'tm_office'), '2026-01-06 10:00+00',
	'days negative: Wed - 1 day = Tue');
SELECT is(business_add('2026-01-05 10:00+00', '-1 day', 'tm_office'), '2026-01-02 10:00+00',
	'days negative: Mon - 1 day = Fri');
-- Tue 07:00 - 1 day = Mon 07:00, closed -> back to the previous close, Fri 17:00
SELECT is(business_add('2026-01-06 07:00+00', '-1 day', 'tm_office'), '2026-01-02 17:00+00',
	'days negative: landing before the opening moves back to the previous close');
-- Tue 18:00 - 1 day = Mon 18:00, closed -> Mon 17:00
SELECT is(business_add('2026-01-06 18:00+00', '-1 day', 'tm_office'), '2026-01-05 17:00+00',
	'days negative: landing after the close moves back to it');
-- Tue 17:00 - 1 day = Mon 17:00, closed; the previous close is Mon 17:00 itself
SELECT is(business_add('2026-01-06 17:00+00', '-1 day', 'tm_office'), '2026-01-05 17:00+00',
	'days negative: landing exactly on a close stays there');
-- Tue 09:00 - 1 day = Mon 09:00, which is open (periods are [open, close)), so nothing moves
SELECT is(business_add('2026-01-06 09:00+00', '-1 day', 'tm_office'), '2026-01-05 09:00+00',
	'days negative: landing exactly on an opening (an open moment) stays there');
-- Sun 12:00 - 1 day: the first working day before Sunday is Friday; Fri 12:00 is open
SELECT is(business_add('2026-01-11 12:00+00', '-1 day', 'tm_office'), '2026-01-09 12:00+00',
	'days negative: from Sunday');
-- Tue 10:00 - 1 day = Mon 10:00, then -2h: 1h to Mon 09:00, Fri 17:00 - 1h
SELECT is(business_add('2026-01-06 10:00+00', '-1 day -2 hours', 'tm_office'), '2026-01-02 16:00+00',
	'days + hours negative');
-- mixed signs: Mon 10:00 + 1 day = Tue 10:00, then -2h: 1h to Tue 09:00, Mon 17:00 - 1h
SELECT is(business_add('2026-01-05 10:00+00', '1 day -2 hours', 'tm_office'), '2026-01-05 16:00+00',
	'days positive, hours negative');

-- tm_split business days: Mon 12:30 + 1 day = Tue 12:30, in the lunch break -> 13:00
SELECT is(business_add('2026-01-05 12:30+00', '1 day', 'tm_split'), '2026-01-06 13:00+00',
	'days: landing in a break moves to the next opening');
-- Fri 11:00 + 1 day: Saturday has a range, so it is a working day; Sat 11:00 is open
SELECT is(business_add('2026-01-09 11:00+00', '1 day', 'tm_split'), '2026-01-10 11:00+00',
	'days: a short Saturday is a working day');
-- Mon 12:30 - 1 day: Sat 12:30 is closed -> back to Sat's 12:00 close
SELECT is(business_add('2026-01-12 12:30+00', '-1 day', 'tm_split'), '2026-01-10 12:00+00',
	'days negative: landing in a closed part of the day moves back to the previous close');

-- =============================================================================================
-- Overloads by id give the same answers as by name
-- =============================================================================================

SELECT is(business_add(c.t, c.d::business_interval, calendar_id(c.cal)),
	business_add(c.t, c.d::business_interval, c.cal),
	format('by id = by name: business_add(%s, %s, %s)', c.t, c.d, c.cal))
FROM (VALUES ('2026-01-05 16:00+00'::timestamptz, '2 hours', 'tm_office'),
             ('2026-01-05 10:00+00', '-1 hour', 'tm_office'),
             ('2026-01-05 18:00+00', '1 day 2 hours', 'tm_office'),
             ('2026-01-05 16:00+00', '3 hours', 'tm_spec'),
             ('2026-01-07 05:00+00', '2 hours', 'tm_night_h'),
             ('2026-01-06 12:00+00', '24 hours', 'tm_247h')) c(t, d, cal);
SELECT is(business_between(c.a, c.b, calendar_id(c.cal)), business_between(c.a, c.b, c.cal),
	format('by id = by name: business_between(%s, %s, %s)', c.a, c.b, c.cal))
FROM (VALUES ('2026-01-05 00:00+00'::timestamptz, '2026-01-13 00:00+00'::timestamptz, 'tm_spec'),
             ('2027-01-01 00:00+00', '2026-01-01 00:00+00', 'tm_year'),
             ('2026-01-06 00:00+00', '2026-01-06 23:00+00', 'tm_night')) c(a, b, cal);
SELECT is(is_open(c.t, calendar_id(c.cal)), is_open(c.t, c.cal),
	format('by id = by name: is_open(%s, %s)', c.t, c.cal))
FROM (VALUES ('2026-01-08 01:00+00'::timestamptz, 'tm_spec'), ('2026-01-07 23:00+00', 'tm_night_h')) c(t, cal);
SELECT is(next_open(c.t, calendar_id(c.cal)), next_open(c.t, c.cal),
	format('by id = by name: next_open(%s, %s)', c.t, c.cal))
FROM (VALUES ('2026-01-07 12:00+00'::timestamptz, 'tm_247h'), ('2026-01-09 17:30+00', 'tm_office')) c(t, cal);
SELECT is(next_close(c.t, calendar_id(c.cal)), next_close(c.t, c.cal),
	format('by id = by name: next_close(%s, %s)', c.t, c.cal))
FROM (VALUES ('2026-01-05 10:00+00'::timestamptz, 'tm_247'), ('2026-01-05 10:00+00', 'tm_days')) c(t, cal);
SELECT results_eq(
	$$SELECT p FROM open_periods(calendar_id('tm_spec'), '2026-01-05 00:00+00', '2026-01-13 00:00+00') p$$,
	$$SELECT p FROM open_periods('tm_spec', '2026-01-05 00:00+00', '2026-01-13 00:00+00') p$$,
	'by id = by name: open_periods');

SELECT * FROM finish();
ROLLBACK;
