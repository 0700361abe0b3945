--
-- calendar_math — the business-time functions on a realistic calendar, their edge cases
-- (closing times, holidays, overnight shifts, DST, infinities) and their errors with SQLSTATEs.
--
\set SHOW_CONTEXT never
SET timezone = 'Europe/Berlin';

CREATE FUNCTION math_try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	EXECUTE stmt INTO result;
	RETURN result;
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

SELECT sla.define_calendar('office', 'Europe/Berlin', 'mon-fri 09:00-17:00') AS office \gset
SELECT sla.add_holiday('office', '2026-12-25', 'Christmas');
SELECT sla.add_holiday('office', '2026-12-26', 'Boxing Day');	-- a Saturday: changes nothing
SELECT sla.add_holiday('office', '2026-01-01', 'New Year', true);
SELECT sla.set_special_day('office', '2026-12-24', '09:00-12:00', 'Christmas Eve');

-- Due dates from Monday 2026-11-23.
SELECT t, d, sla.business_add(t::timestamptz, d::sla.business_interval, 'office') AS due
FROM (VALUES
	('2026-11-23 10:00', '4 hours'),	-- inside: same day
	('2026-11-23 10:00', '7 hours'),	-- used up exactly at 17:00: next opening
	('2026-11-23 10:00', '7 hours 1 second'),
	('2026-11-23 07:00', '1 hour'),		-- before opening
	('2026-11-23 17:00', '0'),			-- d = 0 is next_open
	('2026-11-23 12:00', '0'),
	('2026-11-28 12:00', '30 min'),		-- Saturday
	('2026-11-23 10:00', '40 hours'),	-- one business week
	('2026-11-23 10:00', '-1 hour'),	-- used up exactly at 09:00: previous closing
	('2026-11-23 10:00', '-2 hours'),
	('2026-11-23 10:00', '1 day'),		-- same time next working day
	('2026-11-27 11:00', '1 day'),		-- Friday: Monday
	('2026-11-27 18:00', '1 day'),		-- closed at 18:00 Monday: Tuesday 09:00
	('2026-11-23 10:00', '2 days 3 hours'),
	('2026-11-23 10:00', '-1 day'),
	('2026-12-23 16:00', '2 hours'),	-- Christmas Eve is a half day
	('2026-12-23 16:00', '5 hours'),	-- 1 + 3 on the 24th, 25th holiday, weekend: Monday 10:00
	('2026-12-31 16:00', '2 hours'),	-- 1 January is a holiday every year
	('2030-12-31 16:00', '2 hours'),
	('2026-11-23 10:00', '100000 hours'),	-- far future: cycles are skipped, result exact
	('infinity', '1 hour'),
	('-infinity', '1 hour')
) AS v(t, d);

SELECT sla.business_between('2026-11-23', '2026-11-30', 'office') AS week,
	sla.business_between('2026-11-30', '2026-11-23', 'office') AS backwards,
	sla.business_between('2026-01-01', '2027-01-01', 'office') AS year_2026,
	sla.business_between('2026-11-23 16:30', '2026-11-24 09:30', 'office') AS overnight;

SELECT sla.business_between('2026-11-23', 'infinity', 'office') AS to_infinity,
	sla.business_between('infinity', '2026-11-23', 'office') AS from_infinity,
	sla.business_between('infinity', 'infinity', 'office') AS same_infinity,
	sla.business_add('2026-11-23', 'infinity', 'office') AS infinite_amount,
	sla.business_add('2026-11-23', '-infinity', 'office') AS negative_infinite_amount;

SELECT t, sla.is_open(t, 'office'), sla.next_open(t, 'office'), sla.next_close(t, 'office')
FROM (VALUES ('2026-11-23 08:59:59.999999'::timestamptz), ('2026-11-23 09:00'), ('2026-11-23 16:59:59'),
	('2026-11-23 17:00'), ('2026-12-24 12:00'), ('2026-12-25 10:00'), ('infinity')) AS v(t);

SELECT * FROM sla.open_periods('office', '2026-12-23 12:00', '2026-12-29 10:00');

-- The id overloads agree with the name ones.
SELECT sla.business_add('2026-11-23 10:00', '7 hours', :office) = sla.business_add('2026-11-23 10:00', '7 hours', 'office') AS add_same,
	sla.business_between('2026-11-01', '2026-12-01', :office)::text = sla.business_between('2026-11-01', '2026-12-01', 'office')::text AS between_same,
	sla.is_open('2026-11-23 10:00', :office), sla.next_open('2026-11-23 18:00', :office),
	sla.next_close('2026-11-23 10:00', :office),
	(SELECT count(*) FROM sla.open_periods(:office, '2026-11-01', '2026-12-01')) AS periods;

-- Overnight shifts stay one period across midnight; a holiday cancels the shift starting on it.
SELECT sla.define_calendar('nights', 'America/New_York', 'mon-fri 22:00-06:00') IS NOT NULL AS nights;
SELECT sla.add_holiday('nights', '2026-11-26', 'Thanksgiving');
SET timezone = 'America/New_York';
SELECT * FROM sla.open_periods('nights', '2026-11-24 12:00', '2026-11-28 12:00');
SELECT sla.business_add('2026-11-25 23:00', '7 hours', 'nights') AS wed_night_to_friday_night;

-- DST in New York: the Saturday night of the fall-back change has 9 hours, of spring-forward 7.
SELECT sla.define_calendar('weekend-nights', 'America/New_York', 'sat 22:00-06:00') IS NOT NULL AS weekend_nights;
SELECT sla.business_between('2026-10-31 12:00', '2026-11-01 12:00', 'weekend-nights') AS fall_back_night,
	sla.business_between('2026-03-07 12:00', '2026-03-08 12:00', 'weekend-nights') AS spring_forward_night,
	sla.business_add('2026-03-07 23:00', '6 hours', 'weekend-nights') AS spring_due;
SELECT sla.define_calendar('ny-24x7', 'America/New_York', '24/7') IS NOT NULL AS ny;
SELECT sla.business_between('2026-03-08 00:00', '2026-03-09 00:00', 'ny-24x7') AS spring_day,
	sla.business_between('2026-11-01 00:00', '2026-11-02 00:00', 'ny-24x7') AS fall_day,
	sla.next_close('2026-03-08 12:00', 'ny-24x7') AS never_closes;
-- Kolkata (+05:30): 09:00-17:00 local is 03:30-11:30 UTC.
SELECT sla.define_calendar('kolkata', 'Asia/Kolkata', 'mon-sat 09:00-17:00') IS NOT NULL AS kolkata;
SET timezone = 'UTC';
SELECT * FROM sla.open_periods('kolkata', '2026-11-23', '2026-11-24 06:00');

-- Errors.
SELECT math_try($$SELECT sla.business_add('2026-11-23', '1 hour', 'nowhere')::text$$);
SELECT math_try($$SELECT sla.business_add('2026-11-23', '1 hour', 424242)::text$$);
SELECT sla.define_calendar('closed', 'UTC', 'mon closed') IS NOT NULL AS closed;
SELECT math_try($$SELECT sla.business_add('2026-11-23', '1 hour', 'closed')::text$$);
SELECT math_try($$SELECT sla.business_add('2026-11-23', '2 days', 'closed')::text$$);
SELECT math_try($$SELECT sla.business_between('2026-11-23', '2026-12-23', 'closed')::text$$);
SELECT math_try($$SELECT sla.business_add('294276-12-01', '1000 hours', 'office')::text$$);
SELECT math_try($$SELECT count(*)::text FROM sla.open_periods('office', '2026-11-23', 'infinity')$$);
SELECT math_try($$SELECT count(*)::text FROM sla.open_periods('office', '2026-11-30', '2026-11-23')$$);
DROP FUNCTION math_try(text);
DELETE FROM sla.calendar;
