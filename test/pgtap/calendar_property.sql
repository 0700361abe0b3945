-- calendar_property.sql — pgTAP: the C business-time math against a slow, plain-SQL reference
-- on random (calendar, t, d) cases.
--
-- The reference reads the calendar tables directly and follows the model literally:
--   * every local date gets its shifts: the special day's ranges if it is a special day, none if
--     it is a holiday (dated, or yearly: same month and day), else its weekday's ranges;
--   * a shift [opens, closes) of date D becomes [(D + opens) AT TIME ZONE zone,
--     (D (+ 1 day when closes <= opens) + closes) AT TIME ZONE zone): PostgreSQL's reading of
--     local times, so DST gaps and overlaps are handled exactly as PostgreSQL handles them;
--   * the open time is the union of those ranges (range_agg joins overlapping and touching ones).
-- Open periods are computed once per calendar over a window around 2025-2027 and stored with
-- P = the cumulative open time before each period, so
--   P(t)                 = P(period holding or preceding t) + the part of it before t
--   between(a, b)        = P(b) - P(a)
--   add(t, d >= 0)       = the latest u with P(u) <= P(t) + d: with x = P(t) + d, the first period
--                          whose cumulative end exceeds x holds it, at start + (x - P(start)).
--                          (If x is exactly a period's cumulative end, that period does not
--                          qualify and the answer is the next period's start: an amount used up at
--                          a closing time lands on the next opening.)
--   add(t, d < 0)        = the earliest u with P(u) >= P(t) + d: the last period whose cumulative
--                          start is below x holds it (used up at an opening -> the previous close).
-- Instants and amounts are handled as bigint microseconds since 1970 to stay exact.
BEGIN;
SET LOCAL search_path = public, sla;
SET LOCAL timezone = 'UTC';
SELECT plan(20);

-- ---------------------------------------------------------------------------------------------
-- Calendars: zones with and without DST (incl. Lord Howe's 30 minutes), overnight ranges,
-- several ranges a day, touching ranges, dated and yearly holidays (incl. 29 February), special
-- days (closed, shorter, overnight, on a Sunday, over a holiday, on a DST day).
-- ---------------------------------------------------------------------------------------------
SELECT lives_ok($$
	SELECT sla.define_calendar('tp_office_ny', 'America/New_York', 'mon-fri 09:00-17:00');
	SELECT sla.add_holiday('tp_office_ny', '2026-07-03', 'Independence Day observed');
	SELECT sla.add_holiday('tp_office_ny', '2025-12-25', 'Christmas', true);
	SELECT sla.add_holiday('tp_office_ny', '2026-11-26', 'Thanksgiving');
	SELECT sla.set_special_day('tp_office_ny', '2026-12-24', '09:00-13:00', 'Christmas Eve');

	SELECT sla.define_calendar('tp_split_be', 'Europe/Berlin', 'mon-fri 08:00-12:00,13:00-17:30; sat 10:00-14:00');
	SELECT sla.add_holiday('tp_split_be', '2025-01-01', 'New Year', true);
	SELECT sla.add_holiday('tp_split_be', '2026-05-01', 'Labour Day');
	SELECT sla.set_special_day('tp_split_be', '2026-03-29', '01:00-04:00', 'on the spring-forward Sunday');
	SELECT sla.set_special_day('tp_split_be', '2026-10-25', '01:00-04:00', 'on the fall-back Sunday');

	SELECT sla.define_calendar('tp_night_ny', 'America/New_York', 'mon-fri 22:00-06:00; sat 23:00-01:30');
	SELECT sla.add_holiday('tp_night_ny', '2026-03-06', 'a Friday: its night shift is cancelled');
	SELECT sla.add_holiday('tp_night_ny', '2026-11-02', 'the Monday after fall back');

	SELECT sla.define_calendar('tp_247_be', 'Europe/Berlin', '24/7');
	SELECT sla.add_holiday('tp_247_be', '2025-12-25', 'Christmas', true);
	SELECT sla.add_holiday('tp_247_be', '2025-01-01', 'New Year', true);
	SELECT sla.add_holiday('tp_247_be', '2026-03-29', 'the spring-forward day');

	SELECT sla.define_calendar('tp_lord_howe', 'Australia/Lord_Howe', 'mon-fri 01:00-03:00,08:00-18:00; sun 01:45-02:45');

	SELECT sla.define_calendar('tp_kolkata', 'Asia/Kolkata', 'mon-sat 09:30-18:00');
	SELECT sla.add_holiday('tp_kolkata', '2025-01-26', 'Republic Day', true);
	SELECT sla.add_holiday('tp_kolkata', '2025-08-15', 'Independence Day', true);
	SELECT sla.set_special_day('tp_kolkata', '2026-10-20', 'closed', 'Diwali');
	SELECT sla.set_special_day('tp_kolkata', '2027-01-26', '20:00-02:00', 'special over a yearly holiday');

	SELECT sla.define_calendar('tp_sparse_utc', 'UTC', 'wed 10:00-10:30');
	SELECT sla.add_holiday('tp_sparse_utc', '2026-01-07');
	SELECT sla.add_holiday('tp_sparse_utc', '2026-01-14');
	SELECT sla.set_special_day('tp_sparse_utc', '2026-06-14', '00:00-24:00', 'a whole Sunday');

	SELECT sla.define_calendar('tp_touch_utc', 'UTC', 'mon-fri 00:00-12:00,12:00-24:00; sat 22:00-24:00; sun 00:00-02:00,20:00-24:00');
	SELECT sla.add_holiday('tp_touch_utc', '2024-02-29', 'leap day', true);

	SELECT sla.define_calendar('tp_dst_ny', 'America/New_York', 'mon-sun 01:30-02:30,12:00-13:00; sat 23:00-01:00');
	SELECT sla.set_special_day('tp_dst_ny', '2027-03-14', '00:00-24:00', 'a whole spring-forward day');

	SELECT sla.define_calendar('tp_special_be', 'Europe/Berlin', 'mon-fri 09:00-17:00');
	SELECT sla.add_holiday('tp_special_be', '2026-04-03', 'Good Friday');
	SELECT sla.set_special_day('tp_special_be', '2026-04-03', '10:00-12:00', 'special over the holiday');
	SELECT sla.set_special_day('tp_special_be', '2026-04-05', '11:00-15:00', 'Easter Sunday opening');
	SELECT sla.set_special_day('tp_special_be', '2026-04-06', 'closed', 'Easter Monday');
	SELECT sla.set_special_day('tp_special_be', '2026-04-08', '20:00-02:00', 'overnight special');
	SELECT sla.add_holiday('tp_special_be', '2026-04-09', 'the morning after the overnight special');

	SELECT sla.define_calendar('tp_weekend_sy', 'Australia/Sydney', 'sat-sun 08:00-20:00; fri 18:00-02:00');
	SELECT sla.add_holiday('tp_weekend_sy', '2026-04-04', 'a Saturday on the fall-back weekend');
$$, 'the property-test calendars are defined');

-- ---------------------------------------------------------------------------------------------
-- The reference
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION pg_temp.us(t timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;
CREATE FUNCTION pg_temp.ts(us bigint) RETURNS timestamptz LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT '1970-01-01 00:00+00'::timestamptz + us * interval '1 microsecond' $$;
CREATE FUNCTION pg_temp.bi(days integer, us bigint) RETURNS sla.business_interval LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT (days * interval '1 day' + us * interval '1 microsecond')::sla.business_interval $$;
CREATE FUNCTION pg_temp.bi_us(d sla.business_interval) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT (extract(epoch FROM d::interval) * 1000000)::bigint $$;

-- The shifts starting on each local date of [first_day, last_day], as instants.
CREATE FUNCTION pg_temp.ref_shifts(cal integer, first_day date, last_day date)
	RETURNS TABLE (day date, lo timestamptz, hi timestamptz) LANGUAGE sql STABLE AS $$
	WITH zone AS (SELECT c.time_zone FROM sla.calendar c WHERE c.id = cal),
	days AS (SELECT g::date AS day FROM generate_series(first_day, last_day, interval '1 day') g),
	shifts AS (
		-- a special day: its own ranges (none when it is closed)
		SELECT d.day, h.opens, h.closes
		  FROM days d JOIN sla.calendar_special_hours h ON h.calendar_id = cal AND h.day = d.day
		UNION ALL
		-- any other day: its weekday's ranges, unless it is a holiday
		SELECT d.day, h.opens, h.closes
		  FROM days d JOIN sla.calendar_hours h
		       ON h.calendar_id = cal AND h.weekday = extract(isodow FROM d.day)
		 WHERE NOT EXISTS (SELECT FROM sla.calendar_special_day s WHERE s.calendar_id = cal AND s.day = d.day)
		   AND NOT EXISTS (SELECT FROM sla.calendar_holiday ho
		                    WHERE ho.calendar_id = cal
		                      AND (ho.day = d.day
		                           OR (ho.yearly AND to_char(ho.day, 'MM-DD') = to_char(d.day, 'MM-DD'))))
	)
	SELECT s.day,
	       (s.day + s.opens) AT TIME ZONE z.time_zone,
	       (s.day + CASE WHEN s.closes <= s.opens THEN 1 ELSE 0 END + s.closes) AT TIME ZONE z.time_zone
	  FROM shifts s, zone z
$$;

-- The open periods: the union of the shifts' (non-empty) ranges.
CREATE FUNCTION pg_temp.ref_open_periods(cal integer, first_day date, last_day date)
	RETURNS SETOF tstzrange LANGUAGE sql STABLE AS $$
	SELECT p FROM (SELECT unnest(range_agg(tstzrange(s.lo, s.hi, '[)'))) AS p
	                 FROM pg_temp.ref_shifts(cal, first_day, last_day) s WHERE s.hi > s.lo) x
	 ORDER BY p
$$;

-- The window: t lies in 2025-2027; amounts reach a few weeks (or, on the sparse calendar,
-- a few months) away from it.
CREATE TEMP TABLE tp_cal AS
SELECT c.id AS cal, c.name, c.time_zone FROM sla.calendar c WHERE c.name LIKE 'tp\_%' ORDER BY c.id;

CREATE TEMP TABLE tp_period AS
SELECT cal, lo, hi, (sum(hi - lo) OVER w - (hi - lo))::bigint AS p_lo, (sum(hi - lo) OVER w)::bigint AS p_hi
  FROM (SELECT c.cal, pg_temp.us(lower(p)) AS lo, pg_temp.us(upper(p)) AS hi
          FROM tp_cal c, pg_temp.ref_open_periods(c.cal, '2024-07-01', '2028-07-01') p) x
WINDOW w AS (PARTITION BY cal ORDER BY lo);
CREATE INDEX ON tp_period (cal, lo);
CREATE INDEX ON tp_period (cal, p_hi);
CREATE INDEX ON tp_period (cal, p_lo);
CREATE TEMP TABLE tp_workday AS
SELECT DISTINCT c.cal, s.day FROM tp_cal c, pg_temp.ref_shifts(c.cal, '2024-07-01', '2028-07-01') s;
CREATE INDEX ON tp_workday (cal, day);
ANALYZE tp_period;
ANALYZE tp_workday;

-- P(t)
CREATE FUNCTION pg_temp.ref_p(c integer, t bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT p.p_lo + least(greatest(t - p.lo, 0), p.hi - p.lo)
	                   FROM tp_period p WHERE p.cal = c AND p.lo <= t ORDER BY p.lo DESC LIMIT 1), 0)
$$;
CREATE FUNCTION pg_temp.ref_between(c integer, a bigint, b bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT pg_temp.ref_p(c, b) - pg_temp.ref_p(c, a)
$$;
-- add d microseconds of open time; forward decides the direction when d = 0
CREATE FUNCTION pg_temp.ref_add(c integer, t bigint, d bigint, forward boolean) RETURNS bigint
	LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN forward
	            THEN (SELECT p.lo + (x.x - p.p_lo) FROM tp_period p
	                   WHERE p.cal = c AND p.p_hi > x.x ORDER BY p.p_hi LIMIT 1)
	            ELSE (SELECT p.lo + (x.x - p.p_lo) FROM tp_period p
	                   WHERE p.cal = c AND p.p_lo < x.x ORDER BY p.p_lo DESC LIMIT 1)
	       END
	  FROM (SELECT pg_temp.ref_p(c, t) + d AS x) x
$$;
CREATE FUNCTION pg_temp.ref_is_open(c integer, t bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT FROM tp_period p WHERE p.cal = c AND p.lo <= t AND t < p.hi)
$$;
CREATE FUNCTION pg_temp.ref_next_open(c integer, t bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN pg_temp.ref_is_open(c, t) THEN t
	            ELSE (SELECT min(p.lo) FROM tp_period p WHERE p.cal = c AND p.lo > t) END
$$;
CREATE FUNCTION pg_temp.ref_next_close(c integer, t bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT coalesce((SELECT p.hi FROM tp_period p WHERE p.cal = c AND p.lo <= t AND t < p.hi), t)
$$;
CREATE FUNCTION pg_temp.ref_prev_close(c integer, t bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN pg_temp.ref_is_open(c, t) THEN t
	            ELSE (SELECT max(p.hi) FROM tp_period p WHERE p.cal = c AND p.hi <= t) END
$$;
-- business days: the n-th working day (a date with at least one shift) after / before t's
-- local date, at t's local time of day; if closed, to the next opening (n > 0) or back to the
-- previous close (n < 0); then the time part
CREATE FUNCTION pg_temp.ref_add_days(c integer, t bigint, n integer, d bigint) RETURNS bigint
	LANGUAGE sql STABLE AS $$
	WITH l AS (SELECT pg_temp.ts(t) AT TIME ZONE k.time_zone AS local, k.time_zone FROM tp_cal k WHERE k.cal = c),
	w AS (SELECT CASE WHEN n > 0
	                  THEN (SELECT day FROM tp_workday x WHERE x.cal = c AND x.day > l.local::date ORDER BY day OFFSET n - 1 LIMIT 1)
	                  ELSE (SELECT day FROM tp_workday x WHERE x.cal = c AND x.day < l.local::date ORDER BY day DESC OFFSET -n - 1 LIMIT 1)
	             END AS day, l.local::time AS tod, l.time_zone FROM l),
	m AS (SELECT pg_temp.us((w.day + w.tod) AT TIME ZONE w.time_zone) AS landed FROM w),
	mv AS (SELECT CASE WHEN n > 0 THEN pg_temp.ref_next_open(c, m.landed) ELSE pg_temp.ref_prev_close(c, m.landed) END AS moved,
	              m.landed FROM m)
	SELECT CASE WHEN d = 0 THEN mv.moved ELSE pg_temp.ref_add(c, mv.moved, d, d > 0) END FROM mv
$$;

-- The reference agrees with hand-checked values (so it is not wrong the same way as the engine)
SELECT is(
	(SELECT array_agg(pg_temp.ts(x) ORDER BY ord) FROM (VALUES
		(1, pg_temp.ref_add((SELECT cal FROM tp_cal WHERE name = 'tp_office_ny'), pg_temp.us('2026-01-05 16:00-05'), 7200000000, true)),
		(2, pg_temp.ref_add((SELECT cal FROM tp_cal WHERE name = 'tp_office_ny'), pg_temp.us('2026-01-05 10:00-05'), 25200000000, true)),
		(3, pg_temp.ref_add((SELECT cal FROM tp_cal WHERE name = 'tp_office_ny'), pg_temp.us('2026-01-05 10:00-05'), -3600000000, false)),
		(4, pg_temp.ref_add_days((SELECT cal FROM tp_cal WHERE name = 'tp_office_ny'), pg_temp.us('2026-01-09 11:00-05'), 1, 0)),
		(5, pg_temp.ref_next_close((SELECT cal FROM tp_cal WHERE name = 'tp_247_be'), pg_temp.us('2026-03-28 12:00+01')))
	) v(ord, x)),
	ARRAY['2026-01-06 10:00-05', '2026-01-06 09:00-05', '2026-01-02 17:00-05', '2026-01-12 11:00-05',
	      '2026-03-29 00:00+01']::timestamptz[],
	'the reference gives the hand-checked answers');
SELECT is(
	(SELECT pg_temp.ref_between(cal, pg_temp.us('2026-03-29 00:00+01'), pg_temp.us('2026-03-30 00:00+02'))
	   FROM tp_cal WHERE name = 'tp_split_be'),
	2 * 3600000000::bigint,
	'the reference: a special 01:00-04:00 on the Berlin spring-forward day lasts 2 hours');

-- ---------------------------------------------------------------------------------------------
-- Random cases
-- ---------------------------------------------------------------------------------------------

SELECT setseed(0.3141592653);
-- typical weekly open time of each calendar, to scale the amounts (up to two weeks' worth)
CREATE TEMP TABLE tp_scale AS
SELECT c.cal, greatest(pg_temp.ref_between(c.cal, pg_temp.us('2025-01-01'), pg_temp.us('2028-01-01')) / 156, 1) AS week
  FROM tp_cal c;

CREATE TEMP TABLE tp_case AS
WITH raw AS (
	SELECT g AS n,
	       (SELECT array_agg(cal ORDER BY cal) FROM tp_cal) AS cals,
	       random() AS r_cal, random() AS r_t, random() AS r_kind, random() AS r_d, random() AS r_sign,
	       random() AS r_k
	  FROM generate_series(1, 12000) g
),
base AS (
	SELECT r.n, r.cals[1 + floor(r.r_cal * array_length(r.cals, 1))::int] AS cal,
	       pg_temp.us('2025-01-01 00:00+00') + floor(r.r_t * 94608000000000)::bigint AS t0,
	       r.r_kind, r.r_d, r.r_sign < 0.3 AS negative, r.r_sign, floor(r.r_k * 8)::int AS k
	  FROM raw r
),
timed AS (
	-- 20% of the cases start exactly at an opening or a closing
	SELECT b.*, CASE WHEN b.r_kind >= 0.8
	                 THEN (SELECT CASE WHEN b.r_sign < 0.5 OR b.r_sign >= 0.8 THEN p.lo ELSE p.hi END
	                         FROM tp_period p WHERE p.cal = b.cal AND p.lo >= b.t0 ORDER BY p.lo LIMIT 1)
	                 ELSE b.t0 END AS t
	  FROM base b
)
SELECT x.n, x.cal, c.name, x.t,
       CASE
         -- 55%: any amount up to two weeks' worth of open time
         WHEN x.r_kind < 0.55 OR x.r_kind >= 0.8
           THEN (CASE WHEN x.negative THEN -1 ELSE 1 END) * floor(x.r_d * 2 * s.week)::bigint
         -- 15%: exactly up to the k-th closing ahead (forward) or the k-th opening behind (backward)
         --      (among the periods well inside the window; the nearest one if there are fewer)
         WHEN x.r_kind < 0.70 AND NOT x.negative
           THEN (SELECT p.p_hi FROM tp_period p WHERE p.cal = x.cal AND p.p_hi > pg_temp.ref_p(x.cal, x.t)
                    AND p.hi < pg_temp.us('2028-04-01')
                  ORDER BY p.p_hi LIMIT 1 OFFSET greatest(0, least(x.k, (SELECT count(*) - 1 FROM tp_period q
                    WHERE q.cal = x.cal AND q.p_hi > pg_temp.ref_p(x.cal, x.t) AND q.hi < pg_temp.us('2028-04-01')))))
                - pg_temp.ref_p(x.cal, x.t)
         WHEN x.r_kind < 0.70
           THEN (SELECT p.p_lo FROM tp_period p WHERE p.cal = x.cal AND p.p_lo < pg_temp.ref_p(x.cal, x.t)
                    AND p.lo > pg_temp.us('2024-10-01')
                  ORDER BY p.p_lo DESC LIMIT 1 OFFSET greatest(0, least(x.k, (SELECT count(*) - 1 FROM tp_period q
                    WHERE q.cal = x.cal AND q.p_lo < pg_temp.ref_p(x.cal, x.t) AND q.lo > pg_temp.us('2024-10-01')))))
                - pg_temp.ref_p(x.cal, x.t)
         -- 5%: zero
         WHEN x.r_kind < 0.75 THEN 0
         -- 5%: a few microseconds to a minute
         ELSE (CASE WHEN x.negative THEN -1 ELSE 1 END) * (1 + floor(x.r_d * x.r_d * x.r_d * 60000000))::bigint
       END AS d
  FROM timed x JOIN tp_cal c USING (cal) JOIN tp_scale s USING (cal);

-- Between: from t to another random instant up to three weeks either side
CREATE TEMP TABLE tp_between AS
SELECT n, cal, name, t, t + floor((random() * 2 - 1) * 1814400000000)::bigint AS b FROM tp_case;

-- Business days: 1 to 5 days either way, with no, a random, or a negative time part
CREATE TEMP TABLE tp_dcase AS
SELECT n, cal, name, t,
       (CASE WHEN random() < 0.4 THEN -1 ELSE 1 END) * (1 + floor(random() * 5))::int AS days,
       CASE WHEN n % 3 = 0 THEN 0::bigint
            WHEN n % 3 = 1 THEN floor(random() * (SELECT week FROM tp_scale s WHERE s.cal = c.cal))::bigint
            ELSE -floor(random() * (SELECT week FROM tp_scale s WHERE s.cal = c.cal))::bigint END AS d
  FROM tp_case c WHERE n <= 3000;

SELECT cmp_ok((SELECT count(*)::int FROM tp_case), '>=', 10000, 'at least 10000 random (calendar, t, d) cases');
SELECT diag(format('case outside the window: %s', row_to_json(x))) FROM (SELECT * FROM tp_case WHERE d IS NULL OR t IS NULL LIMIT 5) x;
SELECT cmp_ok((SELECT count(*)::int FROM tp_case WHERE d IS NULL OR t IS NULL), '=', 0, 'every case is inside the reference window');
SELECT cmp_ok((SELECT count(DISTINCT cal)::int FROM tp_case), '=', (SELECT count(*)::int FROM tp_cal),
	'every calendar has cases');

-- the engine's answers (by name, and by id for comparison), next to the reference's
CREATE TEMP TABLE tp_result AS
SELECT c.*,
       pg_temp.us(sla.business_add(pg_temp.ts(c.t), pg_temp.bi(0, c.d), c.name)) AS got,
       pg_temp.us(sla.business_add(pg_temp.ts(c.t), pg_temp.bi(0, c.d), c.cal)) AS got_by_id,
       pg_temp.ref_add(c.cal, c.t, c.d, c.d >= 0) AS want
  FROM tp_case c;
ALTER TABLE tp_result ADD COLUMN back bigint;
UPDATE tp_result SET back = pg_temp.bi_us(sla.business_between(pg_temp.ts(t), pg_temp.ts(got), name))
 WHERE got IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Properties
-- ---------------------------------------------------------------------------------------------

SELECT diag(format('business_add mismatch: %s t=%s d=%s got=%s want=%s', name, pg_temp.ts(t),
	pg_temp.bi(0, d), pg_temp.ts(got), pg_temp.ts(want)))
  FROM (SELECT * FROM tp_result WHERE got IS DISTINCT FROM want ORDER BY n LIMIT 20) x;
SELECT is((SELECT count(*)::int FROM tp_result WHERE got IS DISTINCT FROM want), 0,
	'business_add = the reference on every case');
SELECT is((SELECT count(*)::int FROM tp_result WHERE got IS DISTINCT FROM want AND d > 0 AND want IN (SELECT lo FROM tp_period p WHERE p.cal = tp_result.cal)), 0,
	'... including every amount used up exactly at a closing time (lands on the next opening)');
SELECT cmp_ok((SELECT count(*)::int FROM tp_result WHERE d > 0 AND want IN (SELECT lo FROM tp_period p WHERE p.cal = tp_result.cal)), '>', 500,
	'... of which there are many');
SELECT is((SELECT count(*)::int FROM tp_result WHERE got_by_id IS DISTINCT FROM got), 0,
	'business_add by id = by name on every case');

SELECT diag(format('round trip mismatch: %s t=%s d=%s add=%s between=%s', name, pg_temp.ts(t),
	pg_temp.bi(0, d), pg_temp.ts(got), pg_temp.bi(0, back)))
  FROM (SELECT * FROM tp_result WHERE back IS DISTINCT FROM d ORDER BY n LIMIT 20) x;
SELECT is((SELECT count(*)::int FROM tp_result WHERE back IS DISTINCT FROM d), 0,
	'business_between(t, business_add(t, d)) = d on every case');

CREATE TEMP TABLE tp_between_result AS
SELECT b.*,
       pg_temp.bi_us(sla.business_between(pg_temp.ts(b.t), pg_temp.ts(b.b), b.name)) AS got,
       pg_temp.bi_us(sla.business_between(pg_temp.ts(b.t), pg_temp.ts(b.b), b.cal)) AS got_by_id,
       pg_temp.ref_between(b.cal, b.t, b.b) AS want
  FROM tp_between b;
SELECT diag(format('business_between mismatch: %s a=%s b=%s got=%s want=%s', name, pg_temp.ts(t),
	pg_temp.ts(b), pg_temp.bi(0, got), pg_temp.bi(0, want)))
  FROM (SELECT * FROM tp_between_result WHERE got IS DISTINCT FROM want ORDER BY n LIMIT 20) x;
SELECT is((SELECT count(*)::int FROM tp_between_result WHERE got IS DISTINCT FROM want), 0,
	'business_between = the reference on every case');
SELECT is((SELECT count(*)::int FROM tp_between_result WHERE got_by_id IS DISTINCT FROM got), 0,
	'business_between by id = by name on every case');

CREATE TEMP TABLE tp_point_result AS
SELECT c.n, c.name, c.t,
       sla.is_open(pg_temp.ts(c.t), c.name) AS open_got, pg_temp.ref_is_open(c.cal, c.t) AS open_want,
       pg_temp.us(sla.next_open(pg_temp.ts(c.t), c.name)) AS next_open_got, pg_temp.ref_next_open(c.cal, c.t) AS next_open_want,
       pg_temp.us(sla.next_close(pg_temp.ts(c.t), c.name)) AS next_close_got, pg_temp.ref_next_close(c.cal, c.t) AS next_close_want
  FROM tp_case c;
SELECT diag(format('point mismatch: %s t=%s is_open %s/%s next_open %s/%s next_close %s/%s', name, pg_temp.ts(t),
	open_got, open_want, pg_temp.ts(next_open_got), pg_temp.ts(next_open_want),
	pg_temp.ts(next_close_got), pg_temp.ts(next_close_want)))
  FROM (SELECT * FROM tp_point_result
         WHERE open_got IS DISTINCT FROM open_want OR next_open_got IS DISTINCT FROM next_open_want
            OR next_close_got IS DISTINCT FROM next_close_want ORDER BY n LIMIT 20) x;
SELECT is((SELECT count(*)::int FROM tp_point_result WHERE open_got IS DISTINCT FROM open_want), 0,
	'is_open = the reference on every case');
SELECT is((SELECT count(*)::int FROM tp_point_result WHERE next_open_got IS DISTINCT FROM next_open_want), 0,
	'next_open = the reference on every case');
SELECT is((SELECT count(*)::int FROM tp_point_result WHERE next_close_got IS DISTINCT FROM next_close_want), 0,
	'next_close = the reference on every case (touching periods joined, never split)');

-- open_periods over a random two-month window per calendar, row for row
CREATE TEMP TABLE tp_window AS
SELECT cal, name, pg_temp.ts(pg_temp.us('2025-01-01 00:00+00') + floor(random() * 88416000000000)::bigint) AS f
  FROM tp_cal;
SELECT is(
	(SELECT count(*)::int FROM tp_window w
	  WHERE ARRAY(SELECT p FROM sla.open_periods(w.name, w.f, w.f + interval '61 days') p)
	        IS DISTINCT FROM
	        ARRAY(SELECT tstzrange(greatest(pg_temp.ts(p.lo), w.f), least(pg_temp.ts(p.hi), w.f + interval '61 days'))
	                FROM tp_period p WHERE p.cal = w.cal AND p.hi > pg_temp.us(w.f)
	                 AND p.lo < pg_temp.us(w.f + interval '61 days') ORDER BY p.lo)),
	0, 'open_periods = the reference periods over a random two-month window of every calendar');

-- business days
CREATE TEMP TABLE tp_dresult AS
SELECT c.*,
       pg_temp.us(sla.business_add(pg_temp.ts(c.t), pg_temp.bi(c.days, c.d), c.name)) AS got,
       pg_temp.ref_add_days(c.cal, c.t, c.days, c.d) AS want,
       -- the instant the days part lands on, before any move (for the report below)
       (SELECT pg_temp.us((w.day + (pg_temp.ts(c.t) AT TIME ZONE k.time_zone)::time) AT TIME ZONE k.time_zone)
          FROM tp_cal k,
               LATERAL (SELECT x.day FROM tp_workday x
                         WHERE x.cal = c.cal AND x.day < (pg_temp.ts(c.t) AT TIME ZONE k.time_zone)::date
                         ORDER BY x.day DESC OFFSET -c.days - 1 LIMIT 1) w
         WHERE k.cal = c.cal AND c.days < 0) AS landed_back
  FROM tp_dcase c;
-- Negative days with no time part that land exactly on an opening: that moment is open, so it
-- should stay; the engine moves back to the previous close (see calendar_math.sql).  Kept apart
-- so every other business-day case is checked strictly.
ALTER TABLE tp_dresult ADD COLUMN on_opening boolean;
UPDATE tp_dresult r SET on_opening = r.days < 0 AND r.d = 0
	AND EXISTS (SELECT FROM tp_period p WHERE p.cal = r.cal AND p.lo = r.landed_back);
SELECT diag(format('business days mismatch: %s t=%s d=%s got=%s want=%s', name, pg_temp.ts(t),
	pg_temp.bi(days, d), pg_temp.ts(got), pg_temp.ts(want)))
  FROM (SELECT * FROM tp_dresult WHERE got IS DISTINCT FROM want AND NOT on_opening ORDER BY n LIMIT 20) x;
SELECT is((SELECT count(*)::int FROM tp_dresult WHERE got IS DISTINCT FROM want AND NOT on_opening), 0,
	'business_add with business days = the reference on every case');
SELECT is((SELECT count(*)::int FROM tp_dresult WHERE got IS DISTINCT FROM want AND on_opening), 0,
	'business_add with negative business days landing exactly on an opening = the reference');
SELECT cmp_ok((SELECT count(*)::int FROM tp_dresult), '>=', 3000, '3000 business-day cases');

SELECT * FROM finish();
ROLLBACK;
