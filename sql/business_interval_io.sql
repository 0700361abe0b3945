--
-- business_interval_io — text input forms and their canonical output, malformed literals with
-- their SQLSTATE, round trips, binary send/recv through COPY, and the casts to and from interval;
-- for each, the infinities too.
--
\set SHOW_CONTEXT never
SET search_path = public, sla;
SET IntervalStyle = postgres;
SET extra_float_digits = 0;

-- Casts a literal and returns its canonical text, or the error as "SQLSTATE: message" plus the
-- detail and hint lines.
CREATE FUNCTION bi_try(lit text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	msg text;
	det text;
	hin text;
BEGIN
	RETURN lit::sla.business_interval::text;
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT;
	RETURN SQLSTATE || ': ' || msg
		|| CASE WHEN det <> '' THEN E'\nDETAIL: ' || det ELSE '' END
		|| CASE WHEN hin <> '' THEN E'\nHINT: ' || hin ELSE '' END;
END
$$;

-- Accepted forms and their canonical output.
SELECT lit, lit::sla.business_interval AS canonical
FROM (VALUES
	('4 hours'), ('1 day 2 hours 30 minutes'), ('90 min'), ('5400 seconds'), ('0.25 s'),
	('1.5h'), ('2d 4h'), ('01:30:00'), ('1 day 01:30'), ('PT4H30M'), ('P2DT4H'),
	('-2 hours'), ('0'), ('-1 day 2 hours'), ('-1 days +02:00:00'), ('1 day -02:00:00'),
	('30:00:00'), ('24 hours'), ('1 day'), ('-3 days'), ('2 days'), ('0 days'), ('1.0 day'),
	('1d'), ('3 DAYS'), ('2 hr'), ('2 Hrs'), ('2 hour'), ('5m'), ('5 mins'), ('5 minute'),
	('7s'), ('7 sec'), ('7 secs'), ('7 second'), ('250ms'), ('250 msec'), ('250 msecs'),
	('1 millisecond'), ('2 milliseconds'), ('3us'), ('3 usec'), ('3 usecs'),
	('1 microsecond'), ('10 microseconds'), ('  4 hours  '), ('+4 hours'), ('1h30m'),
	('1h -30m'), ('1 day 5400'), ('1 h 2 m 3 s 4 ms 5 us'), ('01:30:00 250 ms'), ('-01:30'),
	('0:05'), ('100:00:00.5'), ('.5 h'), ('PT0S'), ('P1D'), ('pt4h30m'), ('PT90M'),
	('PT1.5H'), ('PT0.000001S'), ('P1DT2H3M4.5S'), ('-P1DT2H'), ('+PT1S'), ('P1.0D'),
	('0.0000005 s'), ('-0.0000005 s'), ('0.0000004 s'), ('2.5 us'), ('00:00:01.9999995'),
	('0.333333333333 m'),
	('2147483647 days 2562047788:00:54.775806'),
	('2147483646 days 2562047788:00:54.775807'),
	('-2147483648 days -2562047788:00:54.775807'),
	('-2147483647 days -2562047788:00:54.775808'),
	('-2147483648 days 2562047788:00:54.775807'),
	('infinity'), ('+infinity'), ('-infinity'), ('INFINITY'), ('+InFiNiTy'), ('  -Infinity  ')
) v(lit);

-- Malformed literals: syntax (22P02) and range (22008) errors.
SELECT lit, bi_try(lit) AS error
FROM (VALUES
	(''), ('   '), ('abc'), ('hours'), ('h'), ('4 hours x'), ('4 hours,'), ('4 fortnights'),
	('4 hours ago'), ('-'), ('- 4 hours'), ('--4 hours'), ('1.'), ('.'), ('1e3 s'),
	('1,5 h'), ('4 hé'), (E'4 hours\t\x01'), ('1 hour 2 hours'), ('5 10'), ('01:30 15 s'),
	('1.5.5'), ('01:'), ('01:3'), ('01:30:'), ('01:30:00.'), ('01:30h'), ('01:30:00:00'),
	(':30'), ('01:60'), ('01:00:60'), ('1 day -00:00:75'), ('1.5 days'), ('0.5d'),
	('P1.5D'), ('2 weeks'), ('2w'), ('1 mon'), ('3 months'), ('1 y'), ('1 year'),
	('P1W'), ('P1Y'), ('P1M'), ('P1Y2M3DT4H'), ('P'), ('PT'), ('-P'), ('P1DT'), ('P1'),
	('P1H'), ('PT1D'), ('P1D2D'), ('PT1H2H'), ('PT1M2H'), ('PTT1H'), ('P-1D'), ('PT.5H'),
	('PT1.5H30M'), ('P1DT1H 2 hours'), ('P 1D'), ('4 hours P1D'),
	('2147483648 days'), ('-2147483649 days'), ('9223372036854775808 us'),
	('2562047789 hours'), ('2562047788:00:54.775808'), ('99999999999999999999 s'),
	('P2147483648D'), ('PT99999999999999999999H')
) v(lit);
-- The infinities are written out and stand alone; a finite input with their days and
-- microseconds is out of range (22008), with a hint to write the infinity.
SELECT lit, bi_try(lit) AS error
FROM (VALUES
	('inf'), ('-inf'), ('infinityy'), ('infinity1'), ('infinity 1 h'), ('1 day infinity'),
	('infinity infinity'), ('- infinity'), ('--infinity'),
	('2147483647 days 2562047788:00:54.775807'), ('-2147483648 days -2562047788:00:54.775808'),
	('P2147483647DT9223372036854.775807S'), ('-P2147483648DT9223372036854.775808S')
) v(lit);

-- Long input is echoed cut to 100 bytes, never inside a character.
SELECT bi_try(repeat('1', 120) || ' parsecs');
SELECT bi_try(repeat('é', 150));

-- The same errors raised directly (not through the helper).
SELECT '1.5 days'::sla.business_interval;
SELECT '3 months'::sla.business_interval;
SELECT 'P'::sla.business_interval;
SELECT '1e400 hours'::sla.business_interval;
SELECT 'infinity 1 h'::sla.business_interval;
SELECT '-2147483648 days -2562047788:00:54.775808'::sla.business_interval;

-- Every canonical form re-parses to the identical value (days and microseconds).  business_days
-- of an infinity is an error (business_interval_ops), so it is only asked of finite values here.
CREATE TABLE bi_io (id serial PRIMARY KEY, v sla.business_interval);
INSERT INTO bi_io (v) VALUES
	('00:00:00'), ('1 day'), ('-1 days'), ('24 hours'), ('1 day -02:00:00'),
	('-1 days +02:00:00'), ('00:00:00.000001'), ('-00:00:00.000001'), ('2 days 00:00:00.5'),
	('2147483647 days 2562047788:00:54.775806'), ('-2147483648 days -2562047788:00:54.775807'),
	('-2147483648 days'), ('2562047788:00:54.775807'), ('-2562047788:00:54.775808'), (NULL),
	('infinity'), ('-infinity'), ('2147483646 days 2562047788:00:54.775807'),
	('-2147483647 days -2562047788:00:54.775808');
SELECT id, v, v::text::sla.business_interval = v AS round_trip, sla.isfinite(v) AS finite,
	CASE WHEN sla.isfinite(v) THEN sla.business_days(v) END AS days,
	sla.business_seconds(v) AS seconds
FROM bi_io ORDER BY id;

-- Binary COPY round trip (send/recv, with its version byte).
COPY bi_io TO '/tmp/sla_business_interval_io.bin' WITH (FORMAT binary);
CREATE TABLE bi_io_copy (LIKE bi_io);
COPY bi_io_copy FROM '/tmp/sla_business_interval_io.bin' WITH (FORMAT binary);
SELECT count(*) AS rows,
	count(*) FILTER (WHERE a.v = b.v OR (a.v IS NULL AND b.v IS NULL)) AS identical
FROM bi_io a JOIN bi_io_copy b USING (id);

-- The binary format is version byte 1, int32 days, int64 microseconds: craft it through bytea.
CREATE TABLE bi_raw (b bytea);
INSERT INTO bi_raw VALUES ('\x01fffffffe0000000000000005');
COPY bi_raw TO '/tmp/sla_business_interval_raw.bin' WITH (FORMAT binary);
CREATE TABLE bi_one (v sla.business_interval);
COPY bi_one FROM '/tmp/sla_business_interval_raw.bin' WITH (FORMAT binary);
SELECT v FROM bi_one;
-- The infinities travel as their days and microseconds: INT32_MAX, INT64_MAX and the minima.
TRUNCATE bi_raw, bi_one;
INSERT INTO bi_raw VALUES ('\x017fffffff7fffffffffffffff'), ('\x01800000008000000000000000'),
	('\x017fffffff7ffffffffffffffe');
COPY bi_raw TO '/tmp/sla_business_interval_raw.bin' WITH (FORMAT binary);
COPY bi_one FROM '/tmp/sla_business_interval_raw.bin' WITH (FORMAT binary);
SELECT v, sla.isfinite(v) AS finite, sla.business_interval_send(v) AS sent FROM bi_one;
-- An unknown version byte is rejected with 22P03.
TRUNCATE bi_raw;
INSERT INTO bi_raw VALUES ('\x02000000010000000000000001');
COPY bi_raw TO '/tmp/sla_business_interval_raw.bin' WITH (FORMAT binary);
\set VERBOSITY sqlstate
COPY bi_one FROM '/tmp/sla_business_interval_raw.bin' WITH (FORMAT binary);
\set VERBOSITY default
COPY bi_one FROM '/tmp/sla_business_interval_raw.bin' WITH (FORMAT binary);
-- Trailing bytes after the value are rejected by COPY.
TRUNCATE bi_raw;
INSERT INTO bi_raw VALUES ('\x0100000001000000000000000100');
COPY bi_raw TO '/tmp/sla_business_interval_raw.bin' WITH (FORMAT binary);
COPY bi_one FROM '/tmp/sla_business_interval_raw.bin' WITH (FORMAT binary);

-- Casts are explicit only.
SELECT '1 day 03:00:00'::sla.business_interval::interval AS to_interval,
	'-1 days +02:00:00.5'::sla.business_interval::interval AS negative_days,
	'24 hours'::sla.business_interval::interval AS not_justified;
SELECT '1 day 25:00:00'::interval::sla.business_interval AS from_interval,
	'-2 days -00:00:00.000001'::interval::sla.business_interval AS negative,
	'0'::interval::sla.business_interval AS zero;
SELECT v, v::interval::sla.business_interval = v AS round_trip FROM bi_io WHERE sla.isfinite(v) ORDER BY id;
SELECT CAST('1 mon'::interval AS sla.business_interval);
SELECT '-1 year 2 days'::interval::sla.business_interval;
-- An interval with the days and time of an infinity's pair is out of range (on every version).
SELECT '2147483647 days 2562047788:00:54.775807'::interval::sla.business_interval;
SELECT ('-2147483648 days -2562047788:00:54.775807'::interval - '00:00:00.000001'::interval)
	::sla.business_interval;
-- The infinities: interval has them from PostgreSQL 17, and there the casts map them to each
-- other; before 17 the cast to interval is 22008 and interval cannot even read 'infinity'.  The
-- query checks the rule of the running version, so its output is the same on all of them.
CREATE FUNCTION bi_outcome(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE stmt INTO r;
	RETURN r;
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT lit,
	bi_outcome(format('SELECT %L::sla.business_interval::interval::text', lit))
		= CASE WHEN current_setting('server_version_num')::int >= 170000 THEN lit
			ELSE '22008: cannot convert infinite business_interval to interval' END
		AS to_interval_as_documented,
	bi_outcome(format('SELECT %L::interval::sla.business_interval::text', lit))
		= CASE WHEN current_setting('server_version_num')::int >= 170000 THEN lit
			ELSE format('22007: invalid input syntax for type interval: "%s"', lit) END
		AS from_interval_as_documented
FROM (VALUES ('infinity'), ('-infinity')) v(lit);
SELECT castcontext, castsource::regtype, casttarget::regtype
FROM pg_cast
WHERE castsource = 'sla.business_interval'::regtype OR casttarget = 'sla.business_interval'::regtype
ORDER BY 2, 3;
-- No implicit or assignment cast: these fail.  (Terse: PostgreSQL 19 words the hint of a
-- missing operator as a detail and a hint.)
\set VERBOSITY terse
SELECT '1 hour'::sla.business_interval + interval '1 hour';
\set VERBOSITY default
INSERT INTO bi_one VALUES (interval '1 hour');

-- Type shape.
SELECT typlen, typbyval, typalign, typstorage FROM pg_type WHERE oid = 'sla.business_interval'::regtype;

DROP TABLE bi_io, bi_io_copy, bi_raw, bi_one;
DROP FUNCTION bi_try(text), bi_outcome(text);
