-- calendar_dst.sql — pgTAP: business time across daylight-saving changes.
--
-- Opening hours are local wall-clock times; each shift's start and end become instants through
-- the calendar's zone the way PostgreSQL reads '<local timestamp>' AT TIME ZONE zone (a
-- nonexistent local time: with the offset before the change, i.e. one hour later in New York
-- and Berlin, 30 minutes later in Lord Howe; an ambiguous one: the later instant), so a shift
-- spanning a change lasts the real elapsed time.  Expected values are written as UTC instants
-- ('...Z' = '+00') computed by hand from the offsets:
--   America/New_York    EST -05, EDT -04; 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z),
--                       2026-11-01 02:00 EDT -> 01:00 EST (06:00Z)
--   Europe/Berlin       CET +01, CEST +02; 2026-03-29 02:00 -> 03:00 (01:00Z),
--                       2026-10-25 03:00 -> 02:00 (01:00Z)
--   Australia/Lord_Howe +10:30 standard, +11 summer; 2026-04-05 02:00 (+11) -> 01:30 (+10:30)
--                       (15:00Z on 04-04), 2026-10-04 02:00 (+10:30) -> 02:30 (+11) (15:30Z on 10-03)
--   Asia/Kolkata        +05:30, no DST
-- The first tests confirm these dates and offsets from PostgreSQL's own time-zone data.
BEGIN;
SET LOCAL search_path = public, sla;
SET LOCAL timezone = 'UTC';
SELECT plan(85);

-- ---------------------------------------------------------------------------------------------
-- The zone data behind the expectations
-- ---------------------------------------------------------------------------------------------
SELECT is(('2026-03-09 00:00'::timestamp AT TIME ZONE 'America/New_York')
          - ('2026-03-08 00:00'::timestamp AT TIME ZONE 'America/New_York'), interval '23 hours',
	'zone data: New York springs forward on 2026-03-08');
SELECT is(('2026-11-02 00:00'::timestamp AT TIME ZONE 'America/New_York')
          - ('2026-11-01 00:00'::timestamp AT TIME ZONE 'America/New_York'), interval '25 hours',
	'zone data: New York falls back on 2026-11-01');
SELECT is(('2026-03-30 00:00'::timestamp AT TIME ZONE 'Europe/Berlin')
          - ('2026-03-29 00:00'::timestamp AT TIME ZONE 'Europe/Berlin'), interval '23 hours',
	'zone data: Berlin springs forward on 2026-03-29');
SELECT is(('2026-10-26 00:00'::timestamp AT TIME ZONE 'Europe/Berlin')
          - ('2026-10-25 00:00'::timestamp AT TIME ZONE 'Europe/Berlin'), interval '25 hours',
	'zone data: Berlin falls back on 2026-10-25');
SELECT is(('2026-04-06 00:00'::timestamp AT TIME ZONE 'Australia/Lord_Howe')
          - ('2026-04-05 00:00'::timestamp AT TIME ZONE 'Australia/Lord_Howe'), interval '24 hours 30 minutes',
	'zone data: Lord Howe falls back 30 minutes on 2026-04-05');
SELECT is(('2026-10-05 00:00'::timestamp AT TIME ZONE 'Australia/Lord_Howe')
          - ('2026-10-04 00:00'::timestamp AT TIME ZONE 'Australia/Lord_Howe'), interval '23 hours 30 minutes',
	'zone data: Lord Howe springs forward 30 minutes on 2026-10-04');
SELECT is('2026-03-08 02:30'::timestamp AT TIME ZONE 'America/New_York', '2026-03-08 07:30Z',
	'zone data: PostgreSQL reads nonexistent 02:30 in New York as 03:30 EDT');
SELECT is('2026-11-01 01:30'::timestamp AT TIME ZONE 'America/New_York', '2026-11-01 06:30Z',
	'zone data: PostgreSQL reads ambiguous 01:30 in New York as the later instant, 01:30 EST');
SELECT is('2026-10-04 02:15'::timestamp AT TIME ZONE 'Australia/Lord_Howe', '2026-10-03 15:45Z',
	'zone data: PostgreSQL reads nonexistent 02:15 in Lord Howe as 02:45 +11');

SELECT lives_ok($$
	SELECT sla.define_calendar('dst_ny247', 'America/New_York', '24/7');
	SELECT sla.define_calendar('dst_nyday', 'America/New_York', 'mon-sun 00:00-24:00');
	SELECT sla.define_calendar('dst_ny0103', 'America/New_York', 'sun 01:00-03:00');
	SELECT sla.define_calendar('dst_ny0002', 'America/New_York', 'sun 00:00-02:00');
	SELECT sla.define_calendar('dst_nygap', 'America/New_York', 'sun 02:30-04:00');
	SELECT sla.define_calendar('dst_nyrev', 'America/New_York', 'sun 02:30-03:00');
	SELECT sla.define_calendar('dst_nyamb', 'America/New_York', 'sun 01:30-03:00');
	SELECT sla.define_calendar('dst_nynight', 'America/New_York', 'sat 22:00-06:00');
	SELECT sla.define_calendar('dst_nyoffice', 'America/New_York', 'mon-fri 09:00-17:00');
	SELECT sla.define_calendar('dst_be247', 'Europe/Berlin', '24/7');
	SELECT sla.define_calendar('dst_beoffice', 'Europe/Berlin', 'mon-fri 09:00-17:00');
	SELECT sla.define_calendar('dst_be0104', 'Europe/Berlin', 'sun 01:00-04:00');
	SELECT sla.define_calendar('dst_lh247', 'Australia/Lord_Howe', '24/7');
	SELECT sla.define_calendar('dst_lhday', 'Australia/Lord_Howe', 'mon-sun 00:00-24:00');
	SELECT sla.define_calendar('dst_lh0103', 'Australia/Lord_Howe', 'sun 01:00-03:00');
	SELECT sla.define_calendar('dst_lhgap', 'Australia/Lord_Howe', 'sun 02:15-04:00');
	SELECT sla.define_calendar('dst_ko247', 'Asia/Kolkata', '24/7');
	SELECT sla.define_calendar('dst_kooffice', 'Asia/Kolkata', 'mon-fri 09:00-17:00');
$$, 'the test calendars are defined');

-- ---------------------------------------------------------------------------------------------
-- New York
-- ---------------------------------------------------------------------------------------------

-- local midnight to local midnight: 03-08 00:00 EST = 05:00Z, 03-09 00:00 EDT = 04:00Z
SELECT is(business_between('2026-03-08 05:00Z', '2026-03-09 04:00Z', 'dst_ny247'), '23 hours',
	'New York 24/7: the spring-forward day has 23 hours');
SELECT is(business_between('2026-03-08 05:00Z', '2026-03-09 04:00Z', 'dst_nyday'), '23 hours',
	'New York 00:00-24:00: the spring-forward day has 23 hours');
-- 11-01 00:00 EDT = 04:00Z, 11-02 00:00 EST = 05:00Z
SELECT is(business_between('2026-11-01 04:00Z', '2026-11-02 05:00Z', 'dst_ny247'), '25 hours',
	'New York 24/7: the fall-back day has 25 hours');
SELECT is(business_between('2026-11-01 04:00Z', '2026-11-02 05:00Z', 'dst_nyday'), '25 hours',
	'New York 00:00-24:00: the fall-back day has 25 hours');
-- a week of 00:00-24:00 is one period, whatever the offsets
SELECT results_eq(
	$$SELECT p FROM open_periods('dst_nyday', '2026-03-07 00:00Z', '2026-03-10 00:00Z') p$$,
	$$VALUES (tstzrange('2026-03-07 00:00Z', '2026-03-10 00:00Z'))$$,
	'New York 00:00-24:00: one period across the change');
SELECT is(next_close('2026-03-08 06:00Z', 'dst_nyday'), 'infinity',
	'New York 00:00-24:00 every day never closes');
-- sun 01:00-03:00 on 03-08: 01:00 EST = 06:00Z, 03:00 EDT = 07:00Z
SELECT results_eq(
	$$SELECT p FROM open_periods('dst_ny0103', '2026-03-07 00:00Z', '2026-03-16 00:00Z') p$$,
	$$VALUES (tstzrange('2026-03-08 06:00Z', '2026-03-08 07:00Z')),
	         (tstzrange('2026-03-15 05:00Z', '2026-03-15 07:00Z'))$$,
	'New York 01:00-03:00: 1 hour on the spring-forward Sunday, 2 hours a week later');
SELECT is(business_between('2026-03-08 00:00Z', '2026-03-09 00:00Z', 'dst_ny0103'), '1 hour',
	'New York 01:00-03:00 on the spring-forward day lasts 1 hour');
-- on 11-01: 01:00 is ambiguous, read as 01:00 EST = 06:00Z; 03:00 EST = 08:00Z
SELECT is(business_between('2026-11-01 00:00Z', '2026-11-02 00:00Z', 'dst_ny0103'), '2 hours',
	'New York 01:00-03:00 on the fall-back day: from the later 01:00, 2 hours');
-- sun 00:00-02:00 on 11-01: 00:00 EDT = 04:00Z, 02:00 EST = 07:00Z
SELECT is(business_between('2026-11-01 00:00Z', '2026-11-02 00:00Z', 'dst_ny0002'), '3 hours',
	'New York 00:00-02:00 on the fall-back day lasts 3 hours');
SELECT results_eq(
	$$SELECT p FROM open_periods('dst_ny0002', '2026-10-31 00:00Z', '2026-11-02 00:00Z') p$$,
	$$VALUES (tstzrange('2026-11-01 04:00Z', '2026-11-01 07:00Z'))$$,
	'New York 00:00-02:00 on the fall-back day: [04:00Z, 07:00Z)');
-- on 03-08: 00:00 EST = 05:00Z, nonexistent 02:00 = 03:00 EDT = 07:00Z
SELECT is(business_between('2026-03-08 00:00Z', '2026-03-09 00:00Z', 'dst_ny0002'), '2 hours',
	'New York 00:00-02:00 on the spring-forward day: 2 hours (02:00 reads as 03:00 EDT)');
-- 00:00 EDT + 2h = 06:00Z = the second 01:00 (EST)
SELECT is(business_add('2026-11-01 04:00Z', '2 hours', 'dst_ny0002'), '2026-11-01 06:00Z',
	'New York: business_add through the repeated hour counts real time');
-- + 3h is used up at the 07:00Z close -> next Sunday 00:00 EST = 11-08 05:00Z
SELECT is(business_add('2026-11-01 04:00Z', '3 hours', 'dst_ny0002'), '2026-11-08 05:00Z',
	'New York: the fall-back shift''s 3 hours used up at its close land on the next opening');

-- opening in the gap: sun 02:30-04:00 on 03-08 opens at 03:30 EDT = 07:30Z, closes 04:00 EDT = 08:00Z
SELECT is(next_open('2026-03-08 05:00Z', 'dst_nygap'),
	'2026-03-08 02:30'::timestamp AT TIME ZONE 'America/New_York',
	'New York: an opening in the gap is PostgreSQL''s reading of the local time');
SELECT is(next_open('2026-03-08 05:00Z', 'dst_nygap'), '2026-03-08 07:30Z',
	'New York: an opening at nonexistent 02:30 is 03:30 EDT');
SELECT is(next_close('2026-03-08 07:30Z', 'dst_nygap'), '2026-03-08 08:00Z',
	'New York: ... and the shift closes at 04:00 EDT');
SELECT is(is_open('2026-03-08 07:15Z', 'dst_nygap'), false,
	'New York: 03:15 EDT is before the gap opening');
SELECT is(business_between('2026-03-08 00:00Z', '2026-03-09 00:00Z', 'dst_nygap'), '30 minutes',
	'New York: sun 02:30-04:00 lasts 30 minutes on the spring-forward day');
SELECT is(business_between('2026-03-15 00:00Z', '2026-03-16 00:00Z', 'dst_nygap'), '90 minutes',
	'New York: sun 02:30-04:00 lasts 90 minutes a week later');
-- a shift wholly inside the gap whose start reads later than its end: 02:30 -> 07:30Z,
-- 03:00 EDT -> 07:00Z, the half-open [07:30Z, 07:00Z) is empty
SELECT is(business_between('2026-03-08 00:00Z', '2026-03-09 00:00Z', 'dst_nyrev'), '0',
	'New York: sun 02:30-03:00 has no open time on the spring-forward day');
SELECT is(next_open('2026-03-08 00:00Z', 'dst_nyrev'), '2026-03-15 06:30Z',
	'New York: ... next_open skips it to the next Sunday 02:30 EDT');
-- opening in the repeated hour: sun 01:30-03:00 on 11-01 opens at the later 01:30 (EST) = 06:30Z
SELECT is(next_open('2026-11-01 04:00Z', 'dst_nyamb'), '2026-11-01 06:30Z',
	'New York: an ambiguous opening is the later instant');
SELECT is(is_open('2026-11-01 05:45Z', 'dst_nyamb'), false,
	'New York: the first 01:45 (EDT) is before an ambiguous 01:30 opening');
SELECT is(is_open('2026-11-01 06:45Z', 'dst_nyamb'), true,
	'New York: the second 01:45 (EST) is after it');
SELECT is(business_between('2026-11-01 00:00Z', '2026-11-02 00:00Z', 'dst_nyamb'), '90 minutes',
	'New York: sun 01:30-03:00 on the fall-back day lasts 90 minutes');

-- an overnight shift spanning the change: sat 22:00-06:00
-- 03-07 22:00 EST = 03-08 03:00Z .. 03-08 06:00 EDT = 10:00Z: 7 hours
SELECT results_eq(
	$$SELECT p FROM open_periods('dst_nynight', '2026-03-07 00:00Z', '2026-03-09 00:00Z') p$$,
	$$VALUES (tstzrange('2026-03-08 03:00Z', '2026-03-08 10:00Z'))$$,
	'New York: the overnight shift into the spring-forward day is [03:00Z, 10:00Z)');
-- 10-31 22:00 EDT = 11-01 02:00Z .. 11-01 06:00 EST = 11:00Z: 9 hours
SELECT is(business_between('2026-10-31 00:00Z', '2026-11-02 00:00Z', 'dst_nynight'), '9 hours',
	'New York: the overnight shift into the fall-back day lasts 9 hours');
-- Sat 22:00 EST + 6h = 09:00Z = 05:00 EDT
SELECT is(business_add('2026-03-08 03:00Z', '6 hours', 'dst_nynight'), '2026-03-08 09:00Z',
	'New York: business_add across spring forward inside a shift');
-- + 7h is used up at the close -> next Sat 22:00 EDT = 03-15 02:00Z
SELECT is(business_add('2026-03-08 03:00Z', '7 hours', 'dst_nynight'), '2026-03-15 02:00Z',
	'New York: the whole (7 h) spring shift used up at its close lands on the next opening');
SELECT is(business_add('2026-11-01 11:00Z', '-9 hours', 'dst_nynight'), '2026-10-25 10:00Z',
	'New York: minus the whole (9 h) fall shift, used up at its opening, lands on the previous close (Sun 06:00 EDT)');

-- 24/7 across the change: real hours
SELECT is(business_add('2026-03-07 17:00Z', '24 hours', 'dst_ny247'), '2026-03-08 17:00Z',
	'New York 24/7: 24 hours from Sat 12:00 EST is Sun 13:00 EDT');
SELECT is(business_add('2026-11-01 04:00Z', '2 hours', 'dst_ny247'), '2026-11-01 06:00Z',
	'New York 24/7: 2 hours from 00:00 EDT is the second 01:00');
-- business days keep the local time of day: Sat 12:00 EST + 1 day = Sun 12:00 EDT = 16:00Z
SELECT is(business_add('2026-03-07 17:00Z', '1 day', 'dst_ny247'), '2026-03-08 16:00Z',
	'New York 24/7: 1 business day over spring forward keeps 12:00 local (23 h later)');
SELECT is(business_add('2026-10-31 16:00Z', '1 day', 'dst_ny247'), '2026-11-01 17:00Z',
	'New York 24/7: 1 business day over fall back keeps 12:00 local (25 h later)');
-- 03-07 02:30 EST + 1 day = nonexistent 03-08 02:30, read as 03:30 EDT = 07:30Z
SELECT is(business_add('2026-03-07 07:30Z', '1 day', 'dst_ny247'),
	'2026-03-08 02:30'::timestamp AT TIME ZONE 'America/New_York',
	'New York 24/7: 1 business day landing in the gap is PostgreSQL''s reading of it');
-- 10-31 01:30 EDT + 1 day = ambiguous 11-01 01:30, the later one (EST) = 06:30Z
SELECT is(business_add('2026-10-31 05:30Z', '1 day', 'dst_ny247'), '2026-11-01 06:30Z',
	'New York 24/7: 1 business day landing in the repeated hour takes the later instant');
-- office hours: Fri 03-06 10:00 EST (15:00Z) + 1 day = Mon 03-09 10:00 EDT (14:00Z)
SELECT is(business_add('2026-03-06 15:00Z', '1 day', 'dst_nyoffice'), '2026-03-09 14:00Z',
	'New York office: 1 business day over the weekend change keeps 10:00 local');
-- Fri 16:00 EST (21:00Z) + 2h: 1h Fri, Mon 09:00 EDT (13:00Z) + 1h
SELECT is(business_add('2026-03-06 21:00Z', '2 hours', 'dst_nyoffice'), '2026-03-09 14:00Z',
	'New York office: business_add over the weekend change');
SELECT results_eq(
	$$SELECT p FROM open_periods('dst_nyoffice', '2026-03-06 00:00Z', '2026-03-10 00:00Z') p$$,
	$$VALUES (tstzrange('2026-03-06 14:00Z', '2026-03-06 22:00Z')),
	         (tstzrange('2026-03-09 13:00Z', '2026-03-09 21:00Z'))$$,
	'New York office: 09:00-17:00 is 14-22Z before the change and 13-21Z after it');

-- ---------------------------------------------------------------------------------------------
-- Berlin
-- ---------------------------------------------------------------------------------------------

-- 03-29 00:00 CET = 03-28 23:00Z, 03-30 00:00 CEST = 03-29 22:00Z
SELECT is(business_between('2026-03-28 23:00Z', '2026-03-29 22:00Z', 'dst_be247'), '23 hours',
	'Berlin 24/7: the spring-forward day has 23 hours');
-- 10-25 00:00 CEST = 10-24 22:00Z, 10-26 00:00 CET = 10-25 23:00Z
SELECT is(business_between('2026-10-24 22:00Z', '2026-10-25 23:00Z', 'dst_be247'), '25 hours',
	'Berlin 24/7: the fall-back day has 25 hours');
-- sun 01:00-04:00: 03-29 01:00 CET = 00:00Z .. 04:00 CEST = 02:00Z
SELECT is(business_between('2026-03-28 00:00Z', '2026-03-30 00:00Z', 'dst_be0104'), '2 hours',
	'Berlin sun 01:00-04:00 lasts 2 hours on the spring-forward day');
-- 10-25 01:00 CEST = 10-24 23:00Z .. 04:00 CET = 03:00Z
SELECT results_eq(
	$$SELECT p FROM open_periods('dst_be0104', '2026-10-24 00:00Z', '2026-10-26 00:00Z') p$$,
	$$VALUES (tstzrange('2026-10-24 23:00Z', '2026-10-25 03:00Z'))$$,
	'Berlin sun 01:00-04:00 lasts 4 hours on the fall-back day');
-- office: Fri 03-27 09-17 CET = 08-16Z, Mon 03-30 09-17 CEST = 07-15Z
SELECT is(business_add('2026-03-27 15:00Z', '2 hours', 'dst_beoffice'), '2026-03-30 08:00Z',
	'Berlin office: Fri 16:00 CET + 2h = Mon 10:00 CEST');
SELECT is(business_between('2026-03-27 00:00Z', '2026-03-31 00:00Z', 'dst_beoffice'), '16 hours',
	'Berlin office: two 8-hour days across the change');
SELECT is(next_open('2026-03-28 12:00Z', 'dst_beoffice'), '2026-03-30 07:00Z',
	'Berlin office: next_open after the change is 09:00 CEST');
-- Mon 10-26 10:00 CET = 09:00Z; - 1h is used up at the 09:00 CET opening -> Fri 10-23 17:00 CEST = 15:00Z
SELECT is(business_add('2026-10-26 09:00Z', '-1 hour', 'dst_beoffice'), '2026-10-23 15:00Z',
	'Berlin office: negative add back over the fall-back weekend');

-- ---------------------------------------------------------------------------------------------
-- Lord Howe (30-minute DST)
-- ---------------------------------------------------------------------------------------------

-- 04-05 00:00 +11 = 04-04 13:00Z, 04-06 00:00 +10:30 = 04-05 13:30Z
SELECT is(business_between('2026-04-04 13:00Z', '2026-04-05 13:30Z', 'dst_lh247'), '24 hours 30 minutes',
	'Lord Howe 24/7: the fall-back day has 24.5 hours');
SELECT is(business_between('2026-04-04 13:00Z', '2026-04-05 13:30Z', 'dst_lhday'), '24 hours 30 minutes',
	'Lord Howe 00:00-24:00: the fall-back day has 24.5 hours');
-- 10-04 00:00 +10:30 = 10-03 13:30Z, 10-05 00:00 +11 = 10-04 13:00Z
SELECT is(business_between('2026-10-03 13:30Z', '2026-10-04 13:00Z', 'dst_lh247'), '23 hours 30 minutes',
	'Lord Howe 24/7: the spring-forward day has 23.5 hours');
SELECT is(business_between('2026-10-03 13:30Z', '2026-10-04 13:00Z', 'dst_lhday'), '23 hours 30 minutes',
	'Lord Howe 00:00-24:00: the spring-forward day has 23.5 hours');
-- sun 01:00-03:00 on 10-04: 01:00 +10:30 = 10-03 14:30Z .. 03:00 +11 = 16:00Z
SELECT is(business_between('2026-10-03 00:00Z', '2026-10-05 00:00Z', 'dst_lh0103'), '90 minutes',
	'Lord Howe sun 01:00-03:00 lasts 1.5 hours on the spring-forward day');
-- on 04-05: 01:00 +11 = 04-04 14:00Z .. 03:00 +10:30 = 16:30Z
SELECT results_eq(
	$$SELECT p FROM open_periods('dst_lh0103', '2026-04-04 00:00Z', '2026-04-06 00:00Z') p$$,
	$$VALUES (tstzrange('2026-04-04 14:00Z', '2026-04-04 16:30Z'))$$,
	'Lord Howe sun 01:00-03:00 lasts 2.5 hours on the fall-back day');
-- 14:00Z + 2h = 16:00Z = 02:30 +10:30
SELECT is(business_add('2026-04-04 14:00Z', '2 hours', 'dst_lh0103'), '2026-04-04 16:00Z',
	'Lord Howe: business_add through the repeated half hour counts real time');
-- an opening in the 30-minute gap: 02:15 on 10-04 reads as 02:45 +11 = 10-03 15:45Z
SELECT is(next_open('2026-10-03 13:30Z', 'dst_lhgap'),
	'2026-10-04 02:15'::timestamp AT TIME ZONE 'Australia/Lord_Howe',
	'Lord Howe: an opening in the gap is PostgreSQL''s reading of the local time');
SELECT is(next_open('2026-10-03 13:30Z', 'dst_lhgap'), '2026-10-03 15:45Z',
	'Lord Howe: nonexistent 02:15 opens at 02:45 +11');
-- ... until 04:00 +11 = 17:00Z
SELECT is(business_between('2026-10-03 00:00Z', '2026-10-05 00:00Z', 'dst_lhgap'), '75 minutes',
	'Lord Howe: sun 02:15-04:00 lasts 75 minutes on the spring-forward day');
-- 1 business day from Sat 10-03 12:00 +10:30 (01:30Z) = Sun 12:00 +11 = 01:00Z on 10-04
SELECT is(business_add('2026-10-03 01:30Z', '1 day', 'dst_lh247'), '2026-10-04 01:00Z',
	'Lord Howe 24/7: 1 business day over the change keeps the local time (23.5 h later)');

-- ---------------------------------------------------------------------------------------------
-- Kolkata (+05:30, no DST)
-- ---------------------------------------------------------------------------------------------

-- mon-fri 09:00-17:00 IST = 03:30Z-11:30Z
SELECT results_eq(
	$$SELECT p FROM open_periods('dst_kooffice', '2026-01-05 00:00Z', '2026-01-07 00:00Z') p$$,
	$$VALUES (tstzrange('2026-01-05 03:30Z', '2026-01-05 11:30Z')),
	         (tstzrange('2026-01-06 03:30Z', '2026-01-06 11:30Z'))$$,
	'Kolkata: 09:00-17:00 maps to 03:30Z-11:30Z');
SELECT is(is_open('2026-01-05 03:30Z', 'dst_kooffice'), true, 'Kolkata: open at 03:30Z');
SELECT is(is_open('2026-01-05 03:29:59.999999Z', 'dst_kooffice'), false, 'Kolkata: closed just before 03:30Z');
SELECT is(next_open('2026-01-05 00:00Z', 'dst_kooffice'), '2026-01-05 03:30Z', 'Kolkata: next_open at a :30 instant');
SELECT is(next_close('2026-01-05 04:00Z', 'dst_kooffice'), '2026-01-05 11:30Z', 'Kolkata: next_close at a :30 instant');
-- Mon 11:00Z + 1h: 30 min to 11:30Z, Tue 03:30Z + 30 min
SELECT is(business_add('2026-01-05 11:00Z', '1 hour', 'dst_kooffice'), '2026-01-06 04:00Z',
	'Kolkata: business_add across the night');
-- Friday 2026-01-09 17:00 IST = 11:30Z + 1 day: Saturday is closed; the next working day
-- after Friday's local date is Monday 01-12, at 17:00 IST = 11:30Z, a close -> Tue 03:30Z
SELECT is(business_add('2026-01-09 11:30Z', '1 day', 'dst_kooffice'), '2026-01-13 03:30Z',
	'Kolkata: business days use the local date and time of day');
-- Sun 2026-01-11 20:00Z is already Monday 01:30 IST: Monday is t's local date, + 1 day = Tue 01:30 IST
-- (Mon 20:00Z), closed -> Tue 09:00 IST = 03:30Z
SELECT is(business_add('2026-01-11 20:00Z', '1 day', 'dst_kooffice'), '2026-01-13 03:30Z',
	'Kolkata: t''s local date, not its UTC date, counts');
-- a year without DST has 8760 hours; the spring and fall dates of other zones are plain days
SELECT is(business_between('2025-12-31 18:30Z', '2026-12-31 18:30Z', 'dst_ko247'), '8760 hours',
	'Kolkata 24/7: 2026 has 8760 hours');
SELECT is(business_between('2026-03-07 18:30Z', '2026-03-08 18:30Z', 'dst_ko247'), '24 hours',
	'Kolkata 24/7: 2026-03-08 has 24 hours');
SELECT is(business_add('2026-01-05 10:00Z', '1000 hours', 'dst_ko247'), '2026-01-05 10:00Z'::timestamptz + interval '1000 hours',
	'Kolkata 24/7: add = t + interval');

-- A whole year of each 24/7 calendar: 8760 hours everywhere (DST moves hours, it does not add them)
SELECT is(business_between(('2026-01-01'::timestamp AT TIME ZONE z), ('2027-01-01'::timestamp AT TIME ZONE z), c),
	'8760 hours', format('%s: 2026 has 8760 hours between local new years', c))
FROM (VALUES ('dst_ny247', 'America/New_York'), ('dst_be247', 'Europe/Berlin'),
             ('dst_lh247', 'Australia/Lord_Howe')) v(c, z);

-- Days of a 00:00-24:00 calendar equal the zone's own day lengths, for every day of 2026
SELECT is(
	(SELECT count(*)::int FROM generate_series('2026-01-01'::date, '2026-12-31'::date, '1 day') g(d)
	  WHERE business_between((g.d::date::timestamp AT TIME ZONE z), ((g.d::date + 1)::timestamp AT TIME ZONE z), c)::interval
	        <> ((g.d::date + 1)::timestamp AT TIME ZONE z) - (g.d::date::timestamp AT TIME ZONE z)),
	0, format('%s: every day of 2026 has the zone''s own length', c))
FROM (VALUES ('dst_nyday', 'America/New_York'), ('dst_lhday', 'Australia/Lord_Howe')) v(c, z);

SELECT * FROM finish();
ROLLBACK;
