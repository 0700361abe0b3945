-- sla install script (sla--<default_version of sla.control>.sql), assembled from src/sql/*.sql by the Makefile.
\echo Use "CREATE EXTENSION sla" to load this file. \quit


-- =============================================================================================
-- 10_business_interval.sql — the business_interval type: an amount of working time made of whole
-- business days and business microseconds, never normalised into each other, plus 'infinity' and
-- '-infinity' (as PostgreSQL 17's interval).  I/O, total order (btree and hash opclasses),
-- arithmetic, sum/avg/min/max, explicit casts to and from interval, accessors and isfinite.
-- Semantics: src/core/business_interval.c and docs/reference-business_interval.md.
-- =============================================================================================

CREATE TYPE @extschema@.business_interval;

CREATE FUNCTION @extschema@.business_interval_in(pg_catalog.cstring)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_out(@extschema@.business_interval)
	RETURNS pg_catalog.cstring
	AS 'MODULE_PATHNAME', 'business_interval_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_recv(pg_catalog.internal)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_send(@extschema@.business_interval)
	RETURNS pg_catalog.bytea
	AS 'MODULE_PATHNAME', 'business_interval_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.business_interval (
	INPUT = @extschema@.business_interval_in,
	OUTPUT = @extschema@.business_interval_out,
	RECEIVE = @extschema@.business_interval_recv,
	SEND = @extschema@.business_interval_send,
	INTERNALLENGTH = 16,
	ALIGNMENT = double,
	STORAGE = plain
);

COMMENT ON TYPE @extschema@.business_interval IS
	'amount of working time: whole business days plus business microseconds, kept apart; or infinity, -infinity';
COMMENT ON FUNCTION @extschema@.business_interval_in(pg_catalog.cstring) IS
	'business_interval text input';
COMMENT ON FUNCTION @extschema@.business_interval_out(@extschema@.business_interval) IS
	'business_interval canonical text output';
COMMENT ON FUNCTION @extschema@.business_interval_recv(pg_catalog.internal) IS
	'business_interval binary input (version byte, int32 days, int64 microseconds)';
COMMENT ON FUNCTION @extschema@.business_interval_send(@extschema@.business_interval) IS
	'business_interval binary output (version byte, int32 days, int64 microseconds)';

-- ---------------------------------------------------------------------------------------------
-- Comparison: days * 86400e6 + usec, ties broken by days; equality is structural.  The pairs of
-- infinity and -infinity are the greatest and the least, so they sort last and first.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.business_interval_eq(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'business_interval_eq'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION @extschema@.business_interval_ne(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'business_interval_ne'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION @extschema@.business_interval_lt(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'business_interval_lt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION @extschema@.business_interval_le(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'business_interval_le'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION @extschema@.business_interval_gt(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'business_interval_gt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION @extschema@.business_interval_ge(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'business_interval_ge'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION @extschema@.business_interval_cmp(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS pg_catalog.int4
	AS 'MODULE_PATHNAME', 'business_interval_cmp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION @extschema@.business_interval_hash(@extschema@.business_interval)
	RETURNS pg_catalog.int4
	AS 'MODULE_PATHNAME', 'business_interval_hash'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION @extschema@.business_interval_hash_extended(@extschema@.business_interval, pg_catalog.int8)
	RETURNS pg_catalog.int8
	AS 'MODULE_PATHNAME', 'business_interval_hash_extended'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION @extschema@.business_interval_eq(@extschema@.business_interval, @extschema@.business_interval) IS
	'equal: same days and same microseconds';
COMMENT ON FUNCTION @extschema@.business_interval_ne(@extschema@.business_interval, @extschema@.business_interval) IS
	'not equal';
COMMENT ON FUNCTION @extschema@.business_interval_lt(@extschema@.business_interval, @extschema@.business_interval) IS
	'less than';
COMMENT ON FUNCTION @extschema@.business_interval_le(@extschema@.business_interval, @extschema@.business_interval) IS
	'less than or equal';
COMMENT ON FUNCTION @extschema@.business_interval_gt(@extschema@.business_interval, @extschema@.business_interval) IS
	'greater than';
COMMENT ON FUNCTION @extschema@.business_interval_ge(@extschema@.business_interval, @extschema@.business_interval) IS
	'greater than or equal';
COMMENT ON FUNCTION @extschema@.business_interval_cmp(@extschema@.business_interval, @extschema@.business_interval) IS
	'btree support: -1, 0 or 1 by days * 86400 s + time, ties broken by days';
COMMENT ON FUNCTION @extschema@.business_interval_hash(@extschema@.business_interval) IS
	'hash support: hash of days and microseconds';
COMMENT ON FUNCTION @extschema@.business_interval_hash_extended(@extschema@.business_interval, pg_catalog.int8) IS
	'hash support: seeded 64-bit hash of days and microseconds';

CREATE OPERATOR @extschema@.= (
	LEFTARG = @extschema@.business_interval,
	RIGHTARG = @extschema@.business_interval,
	FUNCTION = @extschema@.business_interval_eq,
	COMMUTATOR = OPERATOR(@extschema@.=),
	NEGATOR = OPERATOR(@extschema@.<>),
	RESTRICT = pg_catalog.eqsel,
	JOIN = pg_catalog.eqjoinsel,
	HASHES, MERGES
);

CREATE OPERATOR @extschema@.<> (
	LEFTARG = @extschema@.business_interval,
	RIGHTARG = @extschema@.business_interval,
	FUNCTION = @extschema@.business_interval_ne,
	COMMUTATOR = OPERATOR(@extschema@.<>),
	NEGATOR = OPERATOR(@extschema@.=),
	RESTRICT = pg_catalog.neqsel,
	JOIN = pg_catalog.neqjoinsel
);

CREATE OPERATOR @extschema@.< (
	LEFTARG = @extschema@.business_interval,
	RIGHTARG = @extschema@.business_interval,
	FUNCTION = @extschema@.business_interval_lt,
	COMMUTATOR = OPERATOR(@extschema@.>),
	NEGATOR = OPERATOR(@extschema@.>=),
	RESTRICT = pg_catalog.scalarltsel,
	JOIN = pg_catalog.scalarltjoinsel
);

CREATE OPERATOR @extschema@.<= (
	LEFTARG = @extschema@.business_interval,
	RIGHTARG = @extschema@.business_interval,
	FUNCTION = @extschema@.business_interval_le,
	COMMUTATOR = OPERATOR(@extschema@.>=),
	NEGATOR = OPERATOR(@extschema@.>),
	RESTRICT = pg_catalog.scalarlesel,
	JOIN = pg_catalog.scalarlejoinsel
);

CREATE OPERATOR @extschema@.> (
	LEFTARG = @extschema@.business_interval,
	RIGHTARG = @extschema@.business_interval,
	FUNCTION = @extschema@.business_interval_gt,
	COMMUTATOR = OPERATOR(@extschema@.<),
	NEGATOR = OPERATOR(@extschema@.<=),
	RESTRICT = pg_catalog.scalargtsel,
	JOIN = pg_catalog.scalargtjoinsel
);

CREATE OPERATOR @extschema@.>= (
	LEFTARG = @extschema@.business_interval,
	RIGHTARG = @extschema@.business_interval,
	FUNCTION = @extschema@.business_interval_ge,
	COMMUTATOR = OPERATOR(@extschema@.<=),
	NEGATOR = OPERATOR(@extschema@.<),
	RESTRICT = pg_catalog.scalargesel,
	JOIN = pg_catalog.scalargejoinsel
);

COMMENT ON OPERATOR @extschema@.= (@extschema@.business_interval, @extschema@.business_interval) IS
	'equal: same days and same time (''1 day'' <> ''24 hours'')';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.business_interval, @extschema@.business_interval) IS
	'not equal';
COMMENT ON OPERATOR @extschema@.< (@extschema@.business_interval, @extschema@.business_interval) IS
	'less than (days count as 24 hours, ties broken by days)';
COMMENT ON OPERATOR @extschema@.<= (@extschema@.business_interval, @extschema@.business_interval) IS
	'less than or equal (days count as 24 hours, ties broken by days)';
COMMENT ON OPERATOR @extschema@.> (@extschema@.business_interval, @extschema@.business_interval) IS
	'greater than (days count as 24 hours, ties broken by days)';
COMMENT ON OPERATOR @extschema@.>= (@extschema@.business_interval, @extschema@.business_interval) IS
	'greater than or equal (days count as 24 hours, ties broken by days)';

CREATE OPERATOR CLASS @extschema@.business_interval_ops
	DEFAULT FOR TYPE @extschema@.business_interval USING btree AS
		OPERATOR 1 @extschema@.< ,
		OPERATOR 2 @extschema@.<= ,
		OPERATOR 3 @extschema@.= ,
		OPERATOR 4 @extschema@.>= ,
		OPERATOR 5 @extschema@.> ,
		FUNCTION 1 @extschema@.business_interval_cmp(@extschema@.business_interval, @extschema@.business_interval);

CREATE OPERATOR CLASS @extschema@.business_interval_hash_ops
	DEFAULT FOR TYPE @extschema@.business_interval USING hash AS
		OPERATOR 1 @extschema@.= ,
		FUNCTION 1 @extschema@.business_interval_hash(@extschema@.business_interval),
		FUNCTION 2 @extschema@.business_interval_hash_extended(@extschema@.business_interval, pg_catalog.int8);

COMMENT ON OPERATOR CLASS @extschema@.business_interval_ops USING btree IS
	'default btree operator class for business_interval';
COMMENT ON OPERATOR CLASS @extschema@.business_interval_hash_ops USING hash IS
	'default hash operator class for business_interval';

-- ---------------------------------------------------------------------------------------------
-- Arithmetic: partwise + and -, scaling of each part with rounding half away from zero.
-- Infinities as in PostgreSQL 17: infinity + finite = infinity; infinity - infinity, infinity * 0
-- and infinity / Infinity are errors.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.business_interval_pl(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_pl'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_mi(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_mi'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_um(@extschema@.business_interval)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_um'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_mul(@extschema@.business_interval, pg_catalog.float8)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_mul'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_mul_commuted(pg_catalog.float8, @extschema@.business_interval)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_mul_commuted'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_div(@extschema@.business_interval, pg_catalog.float8)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_div'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.business_interval_pl(@extschema@.business_interval, @extschema@.business_interval) IS
	'add days to days and time to time';
COMMENT ON FUNCTION @extschema@.business_interval_mi(@extschema@.business_interval, @extschema@.business_interval) IS
	'subtract days from days and time from time';
COMMENT ON FUNCTION @extschema@.business_interval_um(@extschema@.business_interval) IS
	'negate both parts';
COMMENT ON FUNCTION @extschema@.business_interval_mul(@extschema@.business_interval, pg_catalog.float8) IS
	'scale each part; days round to whole days, time to microseconds, half away from zero';
COMMENT ON FUNCTION @extschema@.business_interval_mul_commuted(pg_catalog.float8, @extschema@.business_interval) IS
	'scale each part; days round to whole days, time to microseconds, half away from zero';
COMMENT ON FUNCTION @extschema@.business_interval_div(@extschema@.business_interval, pg_catalog.float8) IS
	'divide each part; days round to whole days, time to microseconds, half away from zero';

CREATE OPERATOR @extschema@.+ (
	LEFTARG = @extschema@.business_interval,
	RIGHTARG = @extschema@.business_interval,
	FUNCTION = @extschema@.business_interval_pl,
	COMMUTATOR = OPERATOR(@extschema@.+)
);

CREATE OPERATOR @extschema@.- (
	LEFTARG = @extschema@.business_interval,
	RIGHTARG = @extschema@.business_interval,
	FUNCTION = @extschema@.business_interval_mi
);

CREATE OPERATOR @extschema@.- (
	RIGHTARG = @extschema@.business_interval,
	FUNCTION = @extschema@.business_interval_um
);

CREATE OPERATOR @extschema@.* (
	LEFTARG = @extschema@.business_interval,
	RIGHTARG = pg_catalog.float8,
	FUNCTION = @extschema@.business_interval_mul,
	COMMUTATOR = OPERATOR(@extschema@.*)
);

CREATE OPERATOR @extschema@.* (
	LEFTARG = pg_catalog.float8,
	RIGHTARG = @extschema@.business_interval,
	FUNCTION = @extschema@.business_interval_mul_commuted,
	COMMUTATOR = OPERATOR(@extschema@.*)
);

CREATE OPERATOR @extschema@./ (
	LEFTARG = @extschema@.business_interval,
	RIGHTARG = pg_catalog.float8,
	FUNCTION = @extschema@.business_interval_div
);

COMMENT ON OPERATOR @extschema@.+ (@extschema@.business_interval, @extschema@.business_interval) IS
	'add days to days and time to time';
COMMENT ON OPERATOR @extschema@.- (@extschema@.business_interval, @extschema@.business_interval) IS
	'subtract days from days and time from time';
COMMENT ON OPERATOR @extschema@.- (NONE, @extschema@.business_interval) IS
	'negate both parts';
COMMENT ON OPERATOR @extschema@.* (@extschema@.business_interval, pg_catalog.float8) IS
	'scale each part, rounding half away from zero';
COMMENT ON OPERATOR @extschema@.* (pg_catalog.float8, @extschema@.business_interval) IS
	'scale each part, rounding half away from zero';
COMMENT ON OPERATOR @extschema@./ (@extschema@.business_interval, pg_catalog.float8) IS
	'divide each part, rounding half away from zero';

-- ---------------------------------------------------------------------------------------------
-- Aggregates: sum and avg over exact 128-bit sums (parallel, with serialisation), min and max.
-- sum and avg of inputs containing infinities of one sign are that infinity; of both signs, an
-- error (as PostgreSQL 17's interval_sum and interval_avg).
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.business_interval_smaller(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_smaller'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_larger(@extschema@.business_interval, @extschema@.business_interval)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_larger'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_accum(pg_catalog.internal, @extschema@.business_interval)
	RETURNS pg_catalog.internal
	AS 'MODULE_PATHNAME', 'business_interval_accum'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_combine(pg_catalog.internal, pg_catalog.internal)
	RETURNS pg_catalog.internal
	AS 'MODULE_PATHNAME', 'business_interval_combine'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_agg_serialize(pg_catalog.internal)
	RETURNS pg_catalog.bytea
	AS 'MODULE_PATHNAME', 'business_interval_agg_serialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_agg_deserialize(pg_catalog.bytea, pg_catalog.internal)
	RETURNS pg_catalog.internal
	AS 'MODULE_PATHNAME', 'business_interval_agg_deserialize'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_sum_final(pg_catalog.internal)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_sum_final'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_interval_avg_final(pg_catalog.internal)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'business_interval_avg_final'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.business_interval_smaller(@extschema@.business_interval, @extschema@.business_interval) IS
	'the smaller of two values (min transition)';
COMMENT ON FUNCTION @extschema@.business_interval_larger(@extschema@.business_interval, @extschema@.business_interval) IS
	'the larger of two values (max transition)';
COMMENT ON FUNCTION @extschema@.business_interval_accum(pg_catalog.internal, @extschema@.business_interval) IS
	'sum/avg transition: add a finite value to exact 128-bit sums of days and time, count an infinite one';
COMMENT ON FUNCTION @extschema@.business_interval_combine(pg_catalog.internal, pg_catalog.internal) IS
	'sum/avg combine: merge two partial sums';
COMMENT ON FUNCTION @extschema@.business_interval_agg_serialize(pg_catalog.internal) IS
	'sum/avg state serialisation for parallel aggregation';
COMMENT ON FUNCTION @extschema@.business_interval_agg_deserialize(pg_catalog.bytea, pg_catalog.internal) IS
	'sum/avg state deserialisation for parallel aggregation';
COMMENT ON FUNCTION @extschema@.business_interval_sum_final(pg_catalog.internal) IS
	'sum final: the sums, or an error if they do not fit business_interval; an infinity if one was summed';
COMMENT ON FUNCTION @extschema@.business_interval_avg_final(pg_catalog.internal) IS
	'avg final: each part''s sum divided by the count, rounded half away from zero; an infinity if one was averaged';

CREATE AGGREGATE @extschema@.sum(@extschema@.business_interval) (
	SFUNC = @extschema@.business_interval_accum,
	STYPE = pg_catalog.internal,
	SSPACE = 64,
	FINALFUNC = @extschema@.business_interval_sum_final,
	COMBINEFUNC = @extschema@.business_interval_combine,
	SERIALFUNC = @extschema@.business_interval_agg_serialize,
	DESERIALFUNC = @extschema@.business_interval_agg_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE @extschema@.avg(@extschema@.business_interval) (
	SFUNC = @extschema@.business_interval_accum,
	STYPE = pg_catalog.internal,
	SSPACE = 64,
	FINALFUNC = @extschema@.business_interval_avg_final,
	COMBINEFUNC = @extschema@.business_interval_combine,
	SERIALFUNC = @extschema@.business_interval_agg_serialize,
	DESERIALFUNC = @extschema@.business_interval_agg_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE @extschema@.min(@extschema@.business_interval) (
	SFUNC = @extschema@.business_interval_smaller,
	STYPE = @extschema@.business_interval,
	COMBINEFUNC = @extschema@.business_interval_smaller,
	SORTOP = OPERATOR(@extschema@.<),
	PARALLEL = SAFE
);

CREATE AGGREGATE @extschema@.max(@extschema@.business_interval) (
	SFUNC = @extschema@.business_interval_larger,
	STYPE = @extschema@.business_interval,
	COMBINEFUNC = @extschema@.business_interval_larger,
	SORTOP = OPERATOR(@extschema@.>),
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.sum(@extschema@.business_interval) IS
	'sum of days and sum of time, kept apart; error if a sum does not fit; infinite if an input is';
COMMENT ON AGGREGATE @extschema@.avg(@extschema@.business_interval) IS
	'average of days and of time, each rounded half away from zero; infinite if an input is';
COMMENT ON AGGREGATE @extschema@.min(@extschema@.business_interval) IS
	'smallest business_interval';
COMMENT ON AGGREGATE @extschema@.max(@extschema@.business_interval) IS
	'largest business_interval';

-- ---------------------------------------------------------------------------------------------
-- Explicit casts and accessors.  The infinities cast to and from interval's on PostgreSQL 17 and
-- later; before, casting an infinite business_interval to interval is an error.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.business_interval_to_interval(@extschema@.business_interval)
	RETURNS pg_catalog.interval
	AS 'MODULE_PATHNAME', 'business_interval_to_interval'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.interval_to_business_interval(pg_catalog.interval)
	RETURNS @extschema@.business_interval
	AS 'MODULE_PATHNAME', 'interval_to_business_interval'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (@extschema@.business_interval AS pg_catalog.interval)
	WITH FUNCTION @extschema@.business_interval_to_interval(@extschema@.business_interval);

CREATE CAST (pg_catalog.interval AS @extschema@.business_interval)
	WITH FUNCTION @extschema@.interval_to_business_interval(pg_catalog.interval);

CREATE FUNCTION @extschema@.business_seconds(@extschema@.business_interval)
	RETURNS pg_catalog.float8
	AS 'MODULE_PATHNAME', 'business_interval_seconds'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.business_days(@extschema@.business_interval)
	RETURNS pg_catalog.int4
	AS 'MODULE_PATHNAME', 'business_interval_days'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.business_interval_to_interval(@extschema@.business_interval) IS
	'explicit cast: days become interval days, time becomes the interval time part; infinities need PostgreSQL 17';
COMMENT ON FUNCTION @extschema@.interval_to_business_interval(pg_catalog.interval) IS
	'explicit cast: interval days become days, the time part becomes time; months are an error';
COMMENT ON CAST (@extschema@.business_interval AS pg_catalog.interval) IS
	'explicit only: business time is not wall-clock time';
COMMENT ON CAST (pg_catalog.interval AS @extschema@.business_interval) IS
	'explicit only: business time is not wall-clock time; months are an error';
CREATE FUNCTION @extschema@.isfinite(@extschema@.business_interval)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'business_interval_isfinite'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.business_seconds(@extschema@.business_interval) IS
	'the time part in seconds; the days part is ignored (see business_days); Infinity or -Infinity for the infinities';
COMMENT ON FUNCTION @extschema@.business_days(@extschema@.business_interval) IS
	'the days part; an error for the infinities';
COMMENT ON FUNCTION @extschema@.isfinite(@extschema@.business_interval) IS
	'false for infinity and -infinity, true otherwise';
-- 20_calendar.sql — business-hours calendars: tables, validation, the compact notation, and
-- the statement triggers that invalidate every backend's compiled-calendar cache.

CREATE FUNCTION @extschema@.valid_time_zone(time_zone text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'sla_valid_time_zone'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.valid_time_zone(text) IS
    'true for a time zone name PostgreSQL knows (IANA names such as Europe/Berlin); raises 22023 otherwise';

CREATE SEQUENCE @extschema@.calendar_id_seq AS integer;

CREATE TABLE @extschema@.calendar (
    id        integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.calendar_id_seq'),
    name      text NOT NULL UNIQUE CHECK (name OPERATOR(pg_catalog.<>) ''),
    time_zone text NOT NULL CHECK (@extschema@.valid_time_zone(time_zone))
);
ALTER SEQUENCE @extschema@.calendar_id_seq OWNED BY @extschema@.calendar.id;
COMMENT ON TABLE @extschema@.calendar IS 'business-hours calendars: a name and the time zone its hours are read in';
COMMENT ON COLUMN @extschema@.calendar.time_zone IS 'IANA time zone; opening hours are local wall-clock times there';

CREATE TABLE @extschema@.calendar_hours (
    calendar_id integer NOT NULL REFERENCES @extschema@.calendar (id) ON DELETE CASCADE,
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    opens       time NOT NULL CHECK (opens OPERATOR(pg_catalog.<) '24:00'),
    closes      time NOT NULL,
    PRIMARY KEY (calendar_id, weekday, opens),
    CONSTRAINT calendar_hours_not_empty CHECK (closes OPERATOR(pg_catalog.<>) opens
        AND NOT (opens OPERATOR(pg_catalog.=) '00:00' AND closes OPERATOR(pg_catalog.=) '00:00'))
);
COMMENT ON TABLE @extschema@.calendar_hours IS
    'weekly opening ranges; a range with closes < opens crosses midnight and belongs to its start day';
COMMENT ON COLUMN @extschema@.calendar_hours.weekday IS 'ISO weekday: 1 = Monday .. 7 = Sunday';
COMMENT ON COLUMN @extschema@.calendar_hours.closes IS 'exclusive end; 24:00 allowed; earlier than opens = next day';

CREATE TABLE @extschema@.calendar_holiday (
    calendar_id integer NOT NULL REFERENCES @extschema@.calendar (id) ON DELETE CASCADE,
    day         date NOT NULL CHECK (day BETWEEN '1700-01-01' AND '2199-12-31'),
    name        text,
    yearly      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (calendar_id, day)
);
COMMENT ON TABLE @extschema@.calendar_holiday IS
    'full-day closures: the shifts starting on that local date are cancelled';
COMMENT ON COLUMN @extschema@.calendar_holiday.yearly IS 'true: the same month and day every year (29 February: leap years only)';

CREATE TABLE @extschema@.calendar_special_day (
    calendar_id integer NOT NULL REFERENCES @extschema@.calendar (id) ON DELETE CASCADE,
    day         date NOT NULL CHECK (day BETWEEN '1700-01-01' AND '2199-12-31'),
    name        text,
    PRIMARY KEY (calendar_id, day)
);
COMMENT ON TABLE @extschema@.calendar_special_day IS
    'local dates with their own hours (rows in calendar_special_hours) or none (closed); they win over weekly hours and holidays';

CREATE TABLE @extschema@.calendar_special_hours (
    calendar_id integer NOT NULL,
    day         date NOT NULL,
    opens       time NOT NULL CHECK (opens OPERATOR(pg_catalog.<) '24:00'),
    closes      time NOT NULL,
    PRIMARY KEY (calendar_id, day, opens),
    FOREIGN KEY (calendar_id, day) REFERENCES @extschema@.calendar_special_day (calendar_id, day) ON DELETE CASCADE,
    CONSTRAINT calendar_special_hours_not_empty CHECK (closes OPERATOR(pg_catalog.<>) opens
        AND NOT (opens OPERATOR(pg_catalog.=) '00:00' AND closes OPERATOR(pg_catalog.=) '00:00'))
);
COMMENT ON TABLE @extschema@.calendar_special_hours IS 'opening ranges of a special day (same rules as calendar_hours)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_hours', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_holiday', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_special_day', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_special_hours', '');

-- A range as microseconds of the week, [start, end), end possibly past the week's end.
CREATE FUNCTION @extschema@.week_range(weekday smallint, opens time, closes time) RETURNS int8range
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT pg_catalog.int8range(base OPERATOR(pg_catalog.+) o, base OPERATOR(pg_catalog.+) c
                                OPERATOR(pg_catalog.+) CASE WHEN c OPERATOR(pg_catalog.<=) o
                                                            THEN 86400000000::bigint ELSE 0 END)
      FROM (SELECT ($1 OPERATOR(pg_catalog.-) 1)::bigint OPERATOR(pg_catalog.*) 86400000000::bigint,
                   (pg_catalog.date_part('epoch', $2) OPERATOR(pg_catalog.*) 1000000)::bigint,
                   (pg_catalog.date_part('epoch', $3) OPERATOR(pg_catalog.*) 1000000)::bigint) AS v(base, o, c)
$$;
COMMENT ON FUNCTION @extschema@.week_range(smallint, time, time) IS
    'a weekly opening range as microseconds since Monday 00:00 (internal, for the overlap check)';

-- Overlap check of weekly ranges, including across midnight and from Sunday night into Monday:
-- once per statement, for the calendars it touched.  Their ranges are sorted by start (a range
-- running past Sunday midnight also counts from Monday 00:00) and each is compared with the
-- furthest end before it, so a statement of n ranges costs O(n log n), not a scan per row.
CREATE FUNCTION @extschema@.calendar_hours_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    clash record;
    other record;
BEGIN
    WITH ranges AS (
        SELECT h.calendar_id, h.weekday, h.opens, h.closes,
               @extschema@.week_range(h.weekday, h.opens, h.closes) AS r
          FROM @extschema@.calendar_hours h
         WHERE h.calendar_id IN (SELECT n.calendar_id FROM new_rows n)
    ), pieces AS (
        SELECT x.*, lower(x.r) AS lo, least(upper(x.r), 604800000000) AS hi FROM ranges x
        UNION ALL
        SELECT x.*, 0, upper(x.r) - 604800000000 FROM ranges x WHERE upper(x.r) > 604800000000
    ), ordered AS (
        SELECT p.*, max(p.hi) OVER (PARTITION BY p.calendar_id ORDER BY p.lo, p.hi
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
          FROM pieces p
    )
    SELECT o.calendar_id, o.weekday, o.opens, o.closes, o.lo, o.hi INTO clash
      FROM ordered o WHERE o.lo < o.reach ORDER BY o.calendar_id, o.lo, o.hi LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- the range it runs into, found once; the message names the statement's own range first
    SELECT o.weekday, o.opens, o.closes,
           (o.calendar_id, o.weekday, o.opens) IN (SELECT n.calendar_id, n.weekday, n.opens FROM new_rows n) AS is_new
      INTO other
      FROM @extschema@.calendar_hours o
     WHERE o.calendar_id = clash.calendar_id AND (o.weekday, o.opens) <> (clash.weekday, clash.opens)
       AND EXISTS (SELECT FROM (VALUES (-604800000000::bigint), (0), (604800000000)) AS w(shift)
                    WHERE @extschema@.week_range(o.weekday, o.opens, o.closes)
                          && int8range(clash.lo + w.shift, clash.hi + w.shift))
     ORDER BY 4, o.weekday, o.opens
     LIMIT 1;
    -- the statement's own range first; of two new ones, the one that starts first
    IF other.is_new OR (clash.calendar_id, clash.weekday, clash.opens)
                       NOT IN (SELECT n.calendar_id, n.weekday, n.opens FROM new_rows n) THEN
        SELECT other.weekday AS w1, other.opens AS o1, other.closes AS c1, clash.weekday AS w2, clash.opens AS o2,
               clash.closes AS c2 INTO other;
    ELSE
        SELECT clash.weekday AS w1, clash.opens AS o1, clash.closes AS c1, other.weekday AS w2, other.opens AS o2,
               other.closes AS c2 INTO other;
    END IF;
    RAISE EXCEPTION 'opening range % %-% overlaps % %-% of calendar %',
          other.w1, other.o1, other.c1, other.w2, other.o2, other.c2,
          (SELECT c.name FROM @extschema@.calendar c WHERE c.id = clash.calendar_id)
          USING ERRCODE = 'exclusion_violation',
                HINT = 'A range ending before it starts runs past midnight into the next day.';
END
$$;

CREATE TRIGGER calendar_hours_no_overlap AFTER INSERT ON @extschema@.calendar_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_hours_check();
CREATE TRIGGER calendar_hours_no_overlap_update AFTER UPDATE ON @extschema@.calendar_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_hours_check();

-- The same for the ranges of special days, per day (a range may run past midnight).
CREATE FUNCTION @extschema@.calendar_special_hours_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    clash record;
    other record;
BEGIN
    WITH pieces AS (
        SELECT h.calendar_id, h.day, h.opens, h.closes, lower(r) AS lo, upper(r) AS hi
          FROM @extschema@.calendar_special_hours h
          CROSS JOIN LATERAL (SELECT @extschema@.week_range(1::smallint, h.opens, h.closes)) w (r)
         WHERE (h.calendar_id, h.day) IN (SELECT n.calendar_id, n.day FROM new_rows n)
    ), ordered AS (
        SELECT p.*, max(p.hi) OVER (PARTITION BY p.calendar_id, p.day ORDER BY p.lo, p.hi
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
          FROM pieces p
    )
    SELECT o.calendar_id, o.day, o.opens, o.closes INTO clash
      FROM ordered o WHERE o.lo < o.reach ORDER BY o.calendar_id, o.day, o.lo, o.hi LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT o.opens, o.closes, (o.calendar_id, o.day, o.opens) IN (SELECT n.calendar_id, n.day, n.opens FROM new_rows n) AS is_new
      INTO other
      FROM @extschema@.calendar_special_hours o
     WHERE o.calendar_id = clash.calendar_id AND o.day = clash.day AND o.opens <> clash.opens
       AND @extschema@.week_range(1::smallint, o.opens, o.closes)
           && @extschema@.week_range(1::smallint, clash.opens, clash.closes)
     ORDER BY 3, o.opens
     LIMIT 1;
    -- the statement's own range first; of two new ones, the one that starts first
    IF other.is_new OR (clash.calendar_id, clash.day, clash.opens) NOT IN (SELECT n.calendar_id, n.day, n.opens FROM new_rows n) THEN
        RAISE EXCEPTION 'opening range %-% overlaps %-% on special day %', other.opens, other.closes,
              clash.opens, clash.closes, clash.day USING ERRCODE = 'exclusion_violation';
    END IF;
    RAISE EXCEPTION 'opening range %-% overlaps %-% on special day %', clash.opens, clash.closes,
          other.opens, other.closes, clash.day USING ERRCODE = 'exclusion_violation';
END
$$;

CREATE TRIGGER calendar_special_hours_no_overlap AFTER INSERT ON @extschema@.calendar_special_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_special_hours_check();
CREATE TRIGGER calendar_special_hours_no_overlap_update AFTER UPDATE ON @extschema@.calendar_special_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_special_hours_check();

-- Any change to a calendar table, committed by any session, makes every backend recompile
-- the calendars it uses at its next statement.
CREATE FUNCTION @extschema@.calendar_invalidate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_calendar_invalidate'
    LANGUAGE C;
COMMENT ON FUNCTION @extschema@.calendar_invalidate() IS
    'statement trigger: broadcasts a cache invalidation for compiled calendars';

CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.calendar FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.calendar_hours FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.calendar_holiday FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.calendar_special_day FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.calendar_special_hours FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();

-- The compact notation.
CREATE FUNCTION @extschema@.parse_weekly_hours(weekly_hours text,
        OUT weekday smallint, OUT opens time, OUT closes time) RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'parse_weekly_hours_sql'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.parse_weekly_hours(text) IS
    'parses ''mon-fri 09:00-17:00; sat 10:00-12:00,13:00-15:00; sun closed'' or ''24/7'' into weekly ranges';

CREATE FUNCTION @extschema@.parse_day_hours(hours text, OUT opens time, OUT closes time)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'parse_day_hours_sql'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 3;
COMMENT ON FUNCTION @extschema@.parse_day_hours(text) IS
    'parses one day''s hours, ''09:00-12:00,13:00-15:00'' or ''closed'' (no rows)';

CREATE FUNCTION @extschema@.calendar_id(calendar text) RETURNS integer
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    result integer;
BEGIN
    SELECT c.id INTO result FROM @extschema@.calendar c WHERE c.name = calendar;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'calendar "%" does not exist', calendar USING ERRCODE = 'undefined_object',
              HINT = 'Create it with sla.define_calendar().';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@.calendar_id(text) IS 'id of a calendar by name; 42704 when there is none';

CREATE FUNCTION @extschema@.define_calendar(name text, time_zone text, weekly_hours text)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cal_id integer;
BEGIN
    IF name IS NULL OR time_zone IS NULL OR weekly_hours IS NULL THEN
        RAISE EXCEPTION 'define_calendar: name, time_zone and weekly_hours must not be null'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO @extschema@.calendar AS c (name, time_zone)
         VALUES (define_calendar.name, define_calendar.time_zone)
    ON CONFLICT ON CONSTRAINT calendar_name_key
         DO UPDATE SET time_zone = EXCLUDED.time_zone
    RETURNING c.id INTO cal_id;
    DELETE FROM @extschema@.calendar_hours h WHERE h.calendar_id = cal_id;
    INSERT INTO @extschema@.calendar_hours (calendar_id, weekday, opens, closes)
         SELECT cal_id, p.weekday, p.opens, p.closes
           FROM @extschema@.parse_weekly_hours(weekly_hours) p;
    RETURN cal_id;
END
$$;
COMMENT ON FUNCTION @extschema@.define_calendar(text, text, text) IS
    'creates a calendar or replaces its time zone and weekly hours (holidays and special days stay); returns its id';

CREATE FUNCTION @extschema@.add_holiday(calendar text, day date, name text DEFAULT NULL,
                                        yearly boolean DEFAULT false)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF day IS NULL OR yearly IS NULL THEN
        RAISE EXCEPTION 'add_holiday: day and yearly must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO @extschema@.calendar_holiday AS h (calendar_id, day, name, yearly)
         VALUES (@extschema@.calendar_id(calendar), add_holiday.day, add_holiday.name, add_holiday.yearly)
    ON CONFLICT ON CONSTRAINT calendar_holiday_pkey DO UPDATE SET name = EXCLUDED.name, yearly = EXCLUDED.yearly;
END
$$;
COMMENT ON FUNCTION @extschema@.add_holiday(text, date, text, boolean) IS
    'adds (or updates) a full-day closure; yearly repeats it on the same month and day every year';

CREATE FUNCTION @extschema@.set_special_day(calendar text, day date, hours text, name text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cal_id integer := @extschema@.calendar_id(calendar);
BEGIN
    IF day IS NULL OR hours IS NULL THEN
        RAISE EXCEPTION 'set_special_day: day and hours must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO @extschema@.calendar_special_day AS s (calendar_id, day, name)
         VALUES (cal_id, set_special_day.day, set_special_day.name)
    ON CONFLICT ON CONSTRAINT calendar_special_day_pkey DO UPDATE SET name = COALESCE(EXCLUDED.name, s.name);
    DELETE FROM @extschema@.calendar_special_hours h WHERE h.calendar_id = cal_id AND h.day = set_special_day.day;
    INSERT INTO @extschema@.calendar_special_hours (calendar_id, day, opens, closes)
         SELECT cal_id, set_special_day.day, p.opens, p.closes FROM @extschema@.parse_day_hours(hours) p;
END
$$;
COMMENT ON FUNCTION @extschema@.set_special_day(text, date, text, text) IS
    'gives one local date its own hours (''09:00-12:00,13:00-15:00'') or closes it (''closed''), replacing weekly hours and holidays';
-- 30_business_time.sql — business-time functions over calendars (given by name or by id).
-- STABLE: they read the calendar tables (through the per-backend cache).

CREATE FUNCTION @extschema@.business_add(t timestamptz, d @extschema@.business_interval, calendar text)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_business_add' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.business_add(t timestamptz, d @extschema@.business_interval, calendar integer)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_business_add_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.business_add(timestamptz, @extschema@.business_interval, text) IS
    'for d >= 0 the latest instant u >= t with at most d of open time in [t, u) (so a clock breaches when now() > due); negative d mirrors it';
COMMENT ON FUNCTION @extschema@.business_add(timestamptz, @extschema@.business_interval, integer) IS
    'business_add with the calendar given by id';

CREATE FUNCTION @extschema@.business_between(a timestamptz, b timestamptz, calendar text)
    RETURNS @extschema@.business_interval AS 'MODULE_PATHNAME', 'sla_business_between' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.business_between(a timestamptz, b timestamptz, calendar integer)
    RETURNS @extschema@.business_interval AS 'MODULE_PATHNAME', 'sla_business_between_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.business_between(timestamptz, timestamptz, text) IS
    'open time in [a, b); negative when b < a';
COMMENT ON FUNCTION @extschema@.business_between(timestamptz, timestamptz, integer) IS
    'business_between with the calendar given by id';

CREATE FUNCTION @extschema@.is_open(t timestamptz, calendar text)
    RETURNS boolean AS 'MODULE_PATHNAME', 'sla_is_open' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.is_open(t timestamptz, calendar integer)
    RETURNS boolean AS 'MODULE_PATHNAME', 'sla_is_open_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.is_open(timestamptz, text) IS 'true when t lies in an open period [open, close)';
COMMENT ON FUNCTION @extschema@.is_open(timestamptz, integer) IS 'is_open with the calendar given by id';

CREATE FUNCTION @extschema@.next_open(t timestamptz, calendar text)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_next_open' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.next_open(t timestamptz, calendar integer)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_next_open_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_open(timestamptz, text) IS 't itself when open, else the next opening';
COMMENT ON FUNCTION @extschema@.next_open(timestamptz, integer) IS 'next_open with the calendar given by id';

CREATE FUNCTION @extschema@.next_close(t timestamptz, calendar text)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_next_close' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.next_close(t timestamptz, calendar integer)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_next_close_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_close(timestamptz, text) IS
    't itself when closed, else the end of the open period holding t (infinity if it never closes)';
COMMENT ON FUNCTION @extschema@.next_close(timestamptz, integer) IS 'next_close with the calendar given by id';

CREATE FUNCTION @extschema@.open_periods(calendar text, "from" timestamptz, "to" timestamptz)
    RETURNS SETOF tstzrange AS 'MODULE_PATHNAME', 'sla_open_periods' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 100;
CREATE FUNCTION @extschema@.open_periods(calendar integer, "from" timestamptz, "to" timestamptz)
    RETURNS SETOF tstzrange AS 'MODULE_PATHNAME', 'sla_open_periods_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.open_periods(text, timestamptz, timestamptz) IS
    'the open periods meeting [from, to), clipped to it, touching periods joined (never split at midnight)';
COMMENT ON FUNCTION @extschema@.open_periods(integer, timestamptz, timestamptz) IS
    'open_periods with the calendar given by id';
-- 40_level.sql — SLA levels: named sets of targets per metric on a calendar, with a warning
-- threshold.  Rows a DBA edits with plain SQL; sla.define_level() is a shortcut.

CREATE TYPE @extschema@.metric AS ENUM
    ('first_response', 'next_response', 'periodic_update', 'chat_response', 'call_response', 'resolution');
COMMENT ON TYPE @extschema@.metric IS
    'what an SLA clock measures: first_response (creation to first public agent reply), next_response (customer message to the next public agent reply), periodic_update (an agent update at least every target while open), chat_response, call_response, resolution (creation to solved, pauses excluded)';

CREATE SEQUENCE @extschema@.level_id_seq AS integer;

CREATE TABLE @extschema@.level (
    id              integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.level_id_seq'),
    name            text NOT NULL UNIQUE CONSTRAINT level_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    -- NO ACTION rather than RESTRICT, here and for levels named by rules and escalations: a
    -- RESTRICT violation is 23001 from PostgreSQL 18 on, NO ACTION is 23503 on every major
    calendar_id     integer NOT NULL REFERENCES @extschema@.calendar (id) ON DELETE NO ACTION,
    warning_percent numeric NOT NULL DEFAULT 75
        CONSTRAINT level_warning_percent_range CHECK (warning_percent OPERATOR(pg_catalog.>) 0
                                                      AND warning_percent OPERATOR(pg_catalog.<) 100),
    is_default      boolean NOT NULL DEFAULT false,
    description     text
);
ALTER SEQUENCE @extschema@.level_id_seq OWNED BY @extschema@.level.id;
CREATE UNIQUE INDEX level_only_one_default ON @extschema@.level ((true)) WHERE is_default;
COMMENT ON TABLE @extschema@.level IS 'SLA levels: targets per metric (sla.level_target) measured on a calendar';
COMMENT ON COLUMN @extschema@.level.calendar_id IS 'the business-hours calendar every target of this level is counted on';
COMMENT ON COLUMN @extschema@.level.warning_percent IS 'a running clock is "at risk" once this share of its target is used (0 < p < 100)';
COMMENT ON COLUMN @extschema@.level.is_default IS 'the level a ticket gets when no rule sets one (at most one level)';

CREATE TABLE @extschema@.level_target (
    level_id integer NOT NULL REFERENCES @extschema@.level (id) ON DELETE CASCADE,
    metric   @extschema@.metric NOT NULL,
    target   @extschema@.business_interval NOT NULL
        CONSTRAINT level_target_positive CHECK (CASE WHEN @extschema@.isfinite(target) THEN
            @extschema@.business_days(target) OPERATOR(pg_catalog.>=) 0
            AND @extschema@.business_seconds(target) OPERATOR(pg_catalog.>=) 0
            AND (@extschema@.business_days(target) OPERATOR(pg_catalog.>) 0
                 OR @extschema@.business_seconds(target) OPERATOR(pg_catalog.>) 0)
            ELSE false END),
    PRIMARY KEY (level_id, metric)
);
COMMENT ON TABLE @extschema@.level_target IS 'one target per level and metric; a metric without a row is not measured for that level';
COMMENT ON COLUMN @extschema@.level_target.target IS 'business time allowed: positive, finite, days and time part both >= 0';

-- Clocks read targets from a per-backend level cache (src/clock_ops.c), dropped on any edit.
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.level_target FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.level', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.level_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.level_target', '');

CREATE FUNCTION @extschema@.define_level(
        name text, calendar text,
        first_response @extschema@.business_interval DEFAULT NULL,
        next_response @extschema@.business_interval DEFAULT NULL,
        periodic_update @extschema@.business_interval DEFAULT NULL,
        chat_response @extschema@.business_interval DEFAULT NULL,
        call_response @extschema@.business_interval DEFAULT NULL,
        resolution @extschema@.business_interval DEFAULT NULL,
        warning_percent numeric DEFAULT 75,
        is_default boolean DEFAULT false)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    lvl_id integer;
    cal_id integer := @extschema@.calendar_id(calendar);
BEGIN
    IF name IS NULL OR warning_percent IS NULL OR is_default IS NULL THEN
        RAISE EXCEPTION 'define_level: name, warning_percent and is_default must not be null'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF num_nonnulls(first_response, next_response, periodic_update, chat_response, call_response,
                    resolution) = 0 THEN
        RAISE EXCEPTION 'level "%" has no target', name USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Give at least one of first_response, next_response, periodic_update, chat_response, call_response, resolution.';
    END IF;
    IF is_default THEN
        UPDATE @extschema@.level l SET is_default = false
         WHERE l.is_default AND l.name <> define_level.name;
    END IF;
    INSERT INTO @extschema@.level AS l (name, calendar_id, warning_percent, is_default)
         VALUES (define_level.name, cal_id, define_level.warning_percent, define_level.is_default)
    ON CONFLICT ON CONSTRAINT level_name_key DO UPDATE
         SET calendar_id = EXCLUDED.calendar_id, warning_percent = EXCLUDED.warning_percent,
             is_default = EXCLUDED.is_default
    RETURNING l.id INTO lvl_id;
    DELETE FROM @extschema@.level_target t WHERE t.level_id = lvl_id;
    INSERT INTO @extschema@.level_target (level_id, metric, target)
         SELECT lvl_id, m.metric, m.target
           FROM (VALUES ('first_response'::@extschema@.metric, first_response),
                        ('next_response', next_response), ('periodic_update', periodic_update),
                        ('chat_response', chat_response), ('call_response', call_response),
                        ('resolution', resolution)) AS m(metric, target)
          WHERE m.target IS NOT NULL;
    RETURN lvl_id;
END
$$;
COMMENT ON FUNCTION @extschema@.define_level(text, text, @extschema@.business_interval, @extschema@.business_interval,
    @extschema@.business_interval, @extschema@.business_interval, @extschema@.business_interval,
    @extschema@.business_interval, numeric, boolean) IS
    'creates a level or replaces its calendar, targets, warning threshold and default flag; returns its id';

CREATE FUNCTION @extschema@.level_target_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad boolean := true;
BEGIN
    -- a clearer message than the bare check constraint, naming the level and the value
    IF @extschema@.isfinite(NEW.target) THEN
        bad := @extschema@.business_days(NEW.target) < 0 OR @extschema@.business_seconds(NEW.target) < 0
               OR (@extschema@.business_days(NEW.target) = 0 AND @extschema@.business_seconds(NEW.target) = 0);
    END IF;
    IF bad THEN
        RAISE EXCEPTION 'target % of level "%" must be positive and finite, got "%"', NEW.metric,
              (SELECT l.name FROM @extschema@.level l WHERE l.id = NEW.level_id), NEW.target
              USING ERRCODE = 'check_violation', CONSTRAINT = 'level_target_positive',
                    HINT = 'A target is an amount of business time such as ''4 hours'' or ''2 days''.';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER level_target_check BEFORE INSERT OR UPDATE ON @extschema@.level_target
    FOR EACH ROW EXECUTE FUNCTION @extschema@.level_target_check();
-- 50_rule.sql — SLA rules: ordered, named, active or not; condition groups (OR of ANDs) over
-- ticket attributes; actions "set level" and "stop processing".  Declared attributes reach
-- values outside the ticket row through a SQL function of the ticket key.

CREATE TABLE @extschema@.attribute (
    name        text PRIMARY KEY
        CONSTRAINT attribute_name_syntax CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$'),
    type        text NOT NULL
        CONSTRAINT attribute_type_known CHECK (type OPERATOR(pg_catalog.=) ANY (ARRAY['text', 'number', 'time', 'boolean', 'text_array'])),
    -- the function's signature, stored qualified (attribute_check): configuration names
    -- functions, never by OID or regprocedure (pg_upgrade refuses those, restores renumber them)
    function    text NOT NULL,
    description text,
    CONSTRAINT attribute_not_builtin CHECK (name OPERATOR(pg_catalog.<>) ALL (ARRAY['status', 'priority',
        'channel', 'department', 'agent', 'requester', 'tags', 'created_at', 'updated_at', 'deleted',
        'referrer', 'created_by_invitation', 'last_message_author', 'last_message_at']))
);
COMMENT ON TABLE @extschema@.attribute IS
    'attributes that live outside the ticket row (agent status, customer group, tags in a join table): a SQL function of the ticket key returning the value';
COMMENT ON COLUMN @extschema@.attribute.type IS 'text, number, time (timestamptz), boolean or text_array';

CREATE SEQUENCE @extschema@.rule_id_seq AS integer;

CREATE TABLE @extschema@.rule (
    id              integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.rule_id_seq'),
    name            text NOT NULL UNIQUE CONSTRAINT rule_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    position        integer NOT NULL CONSTRAINT rule_position_unique UNIQUE DEFERRABLE INITIALLY IMMEDIATE,
    active          boolean NOT NULL DEFAULT true,
    on_update       boolean NOT NULL DEFAULT false,
    set_level_id    integer REFERENCES @extschema@.level (id) ON DELETE NO ACTION,
    stop_processing boolean NOT NULL DEFAULT false,
    CONSTRAINT rule_has_action CHECK (set_level_id IS NOT NULL OR stop_processing)
);
ALTER SEQUENCE @extschema@.rule_id_seq OWNED BY @extschema@.rule.id;
COMMENT ON TABLE @extschema@.rule IS
    'SLA rules, run in position order on new tickets (and on updates when on_update): a matching rule sets its level (later matches override) and may stop processing';
COMMENT ON COLUMN @extschema@.rule.on_update IS 'also run when a ticket column the rules read changes (escalation)';

CREATE TABLE @extschema@.rule_condition (
    rule_id   integer NOT NULL REFERENCES @extschema@.rule (id) ON DELETE CASCADE,
    group_no  integer NOT NULL DEFAULT 1,
    position  integer NOT NULL,
    attribute text NOT NULL,
    operator  text NOT NULL,
    value     jsonb,
    PRIMARY KEY (rule_id, group_no, position)
);
COMMENT ON TABLE @extschema@.rule_condition IS
    'conditions of a rule: those with the same group_no must all hold; any group holding makes the rule match';
COMMENT ON COLUMN @extschema@.rule_condition.value IS
    'the operand as JSON: a string, number or boolean; an array for in / not_in; null for is_empty / is_not_empty; times as ISO 8601 strings, intervals (older_than, newer_than) as interval literals';

-- Functions named in the configuration (declared attributes here, a message mapping's
-- author_function and public_function in 60_attachment.sql) run as their owner, whoever writes
-- the ticket (src/ticket_attributes.c).  So naming one needs the privileges of its owner: a
-- role can make the engine run only code that runs with rights it holds itself
-- (docs/security.md).  Raises 42501 otherwise; returns the signature, qualified.
CREATE FUNCTION @extschema@.check_function_registration(fn regprocedure, what text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    owner oid;
BEGIN
    SELECT p.proowner INTO owner FROM pg_proc p WHERE p.oid = fn;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'function % of % does not exist', fn::oid, what USING ERRCODE = 'undefined_function';
    END IF;
    IF NOT pg_has_role(current_user, owner, 'USAGE') THEN
        RAISE EXCEPTION 'role "%" cannot name function % as %: it runs as its owner "%", whose privileges "%" does not have',
              current_user, fn, what, pg_get_userbyid(owner), current_user
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'Name a function you own, or one owned by a role whose privileges you have.';
    END IF;
    IF NOT has_function_privilege(owner, fn, 'EXECUTE') THEN
        RAISE EXCEPTION 'the owner "%" of function % may not execute it', pg_get_userbyid(owner), fn
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN fn::text;		-- schema-qualified: this function's search path is pg_catalog alone
END
$$;

-- No SET search_path: the signature is read with the writer's search path, as a regprocedure
-- literal in its own statement would be ('my_tier(bigint)'); every name below is qualified.
-- It is stored qualified, as the engine resolves it under its own fixed path.
CREATE FUNCTION @extschema@.attribute_check() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.function := @extschema@.check_function_registration(NEW.function::pg_catalog.regprocedure,
                                                            pg_catalog.format('attribute "%s"', NEW.name));
    RETURN NEW;
END
$$;
CREATE TRIGGER attribute_check BEFORE INSERT OR UPDATE OF function ON @extschema@.attribute
    FOR EACH ROW EXECUTE FUNCTION @extschema@.attribute_check();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.attribute', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rule', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rule_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rule_condition', '');

-- Validation shares the compiler's code: an attribute, an operator and an operand are checked
-- exactly as they will be evaluated.
CREATE FUNCTION @extschema@.check_condition(attribute text, operator text, value jsonb)
    RETURNS void AS 'MODULE_PATHNAME', 'sla_check_condition'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_condition(text, text, jsonb) IS
    'raises an error when a rule condition is invalid: unknown attribute (42704), operator unfit for the attribute''s type (22023), bad operand (22P02)';

CREATE FUNCTION @extschema@.rule_condition_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    msg text;
    state text;
    hint text;
BEGIN
    PERFORM @extschema@.check_condition(NEW.attribute, NEW.operator, NEW.value);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE, hint = PG_EXCEPTION_HINT;
    msg := format('rule "%s", condition %s of group %s: %s',
                  (SELECT r.name FROM @extschema@.rule r WHERE r.id = NEW.rule_id), NEW.position, NEW.group_no, msg);
    IF hint <> '' THEN
        RAISE EXCEPTION USING MESSAGE = msg, ERRCODE = state, HINT = hint;
    END IF;
    RAISE EXCEPTION USING MESSAGE = msg, ERRCODE = state;
END
$$;

CREATE CONSTRAINT TRIGGER rule_condition_valid AFTER INSERT OR UPDATE ON @extschema@.rule_condition
    FOR EACH ROW EXECUTE FUNCTION @extschema@.rule_condition_check();

-- Rules are compiled per backend like calendars, and invalidated the same way.
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.attribute FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.rule FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.rule_condition FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.level FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();

-- The dry run: which level would a ticket with these attributes get, and why.
CREATE FUNCTION @extschema@.match_rules(attributes jsonb, at timestamptz DEFAULT pg_catalog.now(),
        on_update boolean DEFAULT false, OUT rule_position integer, OUT rule text, OUT matched boolean, OUT sets_level text,
        OUT stops boolean, OUT chosen_level text)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'sla_match_rules'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.match_rules(jsonb, timestamptz, boolean) IS
    'dry run of the active rules over attributes given as JSON (e.g. {"priority": "urgent", "tags": ["vip"]}): one row per rule in order, whether it matched, the level it sets, whether it stops processing, and the level the ticket ends up with (the default level when no rule sets one); on_update: only the rules marked on_update, as on a ticket update, and no default (the ticket keeps its level)';
-- 60_attachment.sql — attaching sla to a helpdesk's own ticket and message tables, and the SLA
-- clocks their triggers drive.  The row triggers and the clock primitives are C (src/
-- ticket_trigger.c, ticket_update.c, message_trigger.c, clock_ops.c); attaching, detaching and
-- status mapping are PL/pgSQL (docs/engine-design.md).

CREATE SEQUENCE @extschema@.attachment_id_seq AS integer;

CREATE TABLE @extschema@.attachment (
    id              integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.attachment_id_seq'),
    ticket_table    regclass NOT NULL UNIQUE,
    mapping         jsonb NOT NULL,
    message_table   regclass UNIQUE,
    message_mapping jsonb,
    time_zone       text NOT NULL DEFAULT 'UTC' CHECK (@extschema@.valid_time_zone(time_zone)),
    attached        boolean NOT NULL DEFAULT true,
    -- NULL: every sla_writer may write this attachment's tracking rows; else only members of
    -- this role (and of sla_admin): one helpdesk's application cannot touch another's clocks
    writer_role     text
);
ALTER SEQUENCE @extschema@.attachment_id_seq OWNED BY @extschema@.attachment.id;
COMMENT ON TABLE @extschema@.attachment IS
    'helpdesk tables sla is attached to, with the validated column mappings (written by sla.attach)';
COMMENT ON COLUMN @extschema@.attachment.time_zone IS 'zone of timestamp-without-time-zone columns';
COMMENT ON COLUMN @extschema@.attachment.writer_role IS
    'NULL: any member of sla_writer may write this attachment''s tickets, clocks and events; else only members of this role or of sla_admin (docs/security.md)';

CREATE TABLE @extschema@.status_map (
    attachment_id integer NOT NULL REFERENCES @extschema@.attachment (id) ON DELETE CASCADE,
    status        text NOT NULL,
    lifecycle     text NOT NULL CONSTRAINT status_map_lifecycle_known
        CHECK (lifecycle OPERATOR(pg_catalog.=) ANY (ARRAY['open', 'paused', 'solved', 'closed', 'deleted'])),
    PRIMARY KEY (attachment_id, status)
);
COMMENT ON TABLE @extschema@.status_map IS
    'ticket status values and their lifecycle state: open, paused (resolution clock stops counting), solved, closed, deleted';

-- Per-ticket state: the level chosen for it and its lifecycle.
-- The tracking tables (ticket, clock, event) refer to attachments, levels and calendars without
-- foreign keys: the config_guard triggers below keep those references valid (src/config_guard.c).
CREATE TABLE @extschema@.ticket (
    attachment_id integer NOT NULL,
    ticket_key    text NOT NULL,
    level_id      integer,
    lifecycle     text NOT NULL,
    agent_replied boolean NOT NULL DEFAULT false,
    customer_waiting_since timestamptz,
    PRIMARY KEY (attachment_id, ticket_key)
);
COMMENT ON TABLE @extschema@.ticket IS 'the SLA level and lifecycle state of each attached ticket';
COMMENT ON COLUMN @extschema@.ticket.customer_waiting_since IS
    'a customer message that arrived while the ticket was solved or closed: next_response starts from it on reopen';

CREATE SEQUENCE @extschema@.clock_id_seq;
CREATE TABLE @extschema@.clock (
    id            bigint PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.clock_id_seq'),
    attachment_id integer NOT NULL,
    ticket_key    text NOT NULL,
    metric        @extschema@.metric NOT NULL,
    cycle         integer NOT NULL DEFAULT 1,
    level_id      integer NOT NULL,
    calendar_id   integer NOT NULL,
    target        @extschema@.business_interval NOT NULL,
    started_at    timestamptz NOT NULL,
    due_at        timestamptz NOT NULL,
    paused_since  timestamptz,
    paused_for    @extschema@.business_interval NOT NULL DEFAULT '00:00:00',
    stopped_at    timestamptz,
    state         text NOT NULL CONSTRAINT clock_state_known
        CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused', 'met', 'breached', 'cancelled'])),
    business_used @extschema@.business_interval,
    -- when the clock is decided for the reports: its stop, or its due time while it runs
    decided_at    timestamptz GENERATED ALWAYS AS (coalesce(stopped_at, due_at)) STORED,
    warn_at       timestamptz,
    warned_at     timestamptz,
    breach_seen_at timestamptz,
    department    text,
    agent         text,
    requester     text,
    UNIQUE (attachment_id, ticket_key, metric, cycle)
);
ALTER SEQUENCE @extschema@.clock_id_seq OWNED BY @extschema@.clock.id;
-- Never two running (or paused) clocks of one metric for a ticket, whatever the concurrency.
CREATE UNIQUE INDEX clock_one_active ON @extschema@.clock (attachment_id, ticket_key, metric)
    WHERE state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused']);
-- The active clocks by due time: at_risk, breached_now and the queue read it in order (a pause
-- or resume keeps a clock in it), whatever the number of stopped clocks.
CREATE INDEX clock_active_due ON @extschema@.clock (due_at)
    WHERE state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused']);
COMMENT ON TABLE @extschema@.clock IS
    'SLA clocks: one row per ticket, metric and cycle; due_at = business_add(started_at, target + paused_for, calendar)';
COMMENT ON COLUMN @extschema@.clock.paused_for IS 'business time spent paused so far (it moves the due date out)';
COMMENT ON COLUMN @extschema@.clock.business_used IS 'business time counted when the clock stopped (pauses excluded)';
COMMENT ON COLUMN @extschema@.clock.decided_at IS 'coalesce(stopped_at, due_at): the instant the reports count the clock at (a plain column, so reports can use its index under row-level security too)';

CREATE SEQUENCE @extschema@.event_id_seq;
CREATE TABLE @extschema@.event (
    id            bigint PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.event_id_seq'),
    attachment_id integer NOT NULL,
    ticket_key    text NOT NULL,
    clock_id      bigint,
    at            timestamptz NOT NULL,
    kind          text NOT NULL,
    detail        jsonb
);
ALTER SEQUENCE @extschema@.event_id_seq OWNED BY @extschema@.event.id;
CREATE INDEX event_ticket ON @extschema@.event (attachment_id, ticket_key, id);
COMMENT ON TABLE @extschema@.event IS
    'every SLA transition: level_chosen, clock_started, paused, resumed, retargeted, stopped, cancelled';

-- References from the tracking tables, kept without per-row foreign keys: deleting (or
-- renumbering) a level or calendar that clocks use is refused with 23503, deleting an
-- attachment deletes its tracking rows.  The engine's writers and these guards serialize on
-- table locks of the tracking tables (src/config_guard.c).
CREATE FUNCTION @extschema@.config_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_config_guard' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.config_guard() IS
    'keeps the references of sla.ticket, sla.clock and sla.event to levels, calendars and attachments valid (a foreign key''s job, without a check per inserted row)';
CREATE TRIGGER config_guard BEFORE DELETE OR UPDATE OF id ON @extschema@.level
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_guard('level');
CREATE TRIGGER config_guard BEFORE DELETE OR UPDATE OF id ON @extschema@.calendar
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_guard('calendar');
CREATE TRIGGER config_guard BEFORE DELETE OR UPDATE OF id ON @extschema@.attachment
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_guard('attachment');
CREATE TRIGGER config_guard_truncate BEFORE TRUNCATE ON @extschema@.level
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.config_guard('level');
CREATE TRIGGER config_guard_truncate BEFORE TRUNCATE ON @extschema@.calendar
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.config_guard('calendar');
CREATE TRIGGER config_guard_truncate BEFORE TRUNCATE ON @extschema@.attachment
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.config_guard('attachment');

-- The C triggers cache attachments and status maps per backend, dropped with the rest of the
-- configuration whenever either table changes.
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.attachment FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.status_map FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.attachment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.attachment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.status_map', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.ticket', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.clock', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.clock_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.event', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.event_id_seq', '');

-- Validate one mapped column: it exists and its type is of an allowed kind; returns the kind.
CREATE FUNCTION @extschema@.mapped_column_kind(tbl regclass, field text, col text, allowed text[])
    RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    typ oid;
    kind text;
BEGIN
    IF col IS NULL THEN
        RAISE EXCEPTION 'mapping of % to % must name a column', field, tbl USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT a.atttypid INTO typ FROM pg_attribute a
     WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist (mapping of %)', col, tbl, field
              USING ERRCODE = 'undefined_column';
    END IF;
    kind := CASE
        WHEN typ = 'timestamptz'::regtype THEN 'timestamptz'
        WHEN typ = 'timestamp'::regtype THEN 'timestamp'
        WHEN typ IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN 'integer'
        WHEN typ = 'uuid'::regtype THEN 'uuid'
        WHEN typ = 'bool'::regtype THEN 'boolean'
        WHEN typ IN ('text[]'::regtype, 'varchar[]'::regtype) THEN 'text_array'
        WHEN typ IN ('jsonb'::regtype, 'json'::regtype) THEN 'json'
        ELSE 'scalar' END;
    -- integer times are Unix epochs
    IF kind = 'integer' AND 'epoch' = ANY (allowed) AND NOT 'integer' = ANY (allowed) THEN
        kind := 'epoch';
    END IF;
    IF NOT kind = ANY (allowed) AND NOT (kind IN ('integer', 'uuid', 'timestamptz', 'timestamp', 'boolean') AND 'scalar' = ANY (allowed)) THEN
        RAISE EXCEPTION 'column "%" of relation % has type %, which cannot be mapped as %', col, tbl,
              format_type(typ, NULL), field
              USING ERRCODE = 'datatype_mismatch',
                    HINT = format('Map %s to a column of kind %s.', field, array_to_string(allowed, ' or '));
    END IF;
    RETURN kind;
END
$$;

-- ------------------------------------------------------------------ attach, detach, statuses

CREATE FUNCTION @extschema@.attach(ticket_table regclass, mapping jsonb,
        message_table regclass DEFAULT NULL, message_mapping jsonb DEFAULT NULL,
        time_zone text DEFAULT 'UTC')
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ticket_spec constant jsonb := '{
        "key": ["integer", "uuid", "scalar"], "created_at": ["timestamptz", "timestamp", "epoch"],
        "updated_at": ["timestamptz", "timestamp", "epoch"], "status": ["scalar"],
        "priority": ["scalar"], "channel": ["scalar"], "department": ["scalar"], "agent": ["scalar"],
        "requester": ["scalar"], "referrer": ["scalar"], "tags": ["text_array"],
        "custom_fields": ["json"], "deleted": ["boolean", "integer"], "created_by_invitation": ["boolean"]}';
    message_spec constant jsonb := '{
        "ticket": ["integer", "uuid", "scalar"], "created_at": ["timestamptz", "timestamp", "epoch"],
        "author_kind": ["scalar"], "public": ["boolean"], "internal": ["boolean"], "channel": ["scalar"]}';
    message_options constant text[] := ARRAY['customer_values', 'agent_values', 'system_values',
                                             'author_function', 'public_function', 'chat_values',
                                             'call_values'];
    m jsonb := '{}';
    kinds jsonb := '{}';
    mm jsonb := NULL;
    old_message_table regclass;
    k text;
    v jsonb;
    att_id integer;
    fn regprocedure;
BEGIN
    IF ticket_table IS NULL OR mapping IS NULL OR jsonb_typeof(mapping) <> 'object' THEN
        RAISE EXCEPTION 'attach needs a ticket table and a JSON object mapping its columns'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT jsonb_object_keys(mapping) LOOP
        IF NOT ticket_spec ? k THEN
            RAISE EXCEPTION 'unknown ticket mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys: ' || (SELECT string_agg(x, ', ') FROM jsonb_object_keys(ticket_spec) x) || '.';
        END IF;
    END LOOP;
    -- only a helpdesk's own tables: sla's tracking tables would feed the engine its own writes
    -- (every insert recursed until the stack ran out), views and sequences have no rows to track
    FOR k, v IN SELECT 'ticket table', to_jsonb(attach.ticket_table::oid)
                UNION ALL SELECT 'message table', to_jsonb(attach.message_table::oid) WHERE attach.message_table IS NOT NULL LOOP
        IF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = (v #>> '{}')::oid AND c.relkind IN ('r', 'p')) THEN
            RAISE EXCEPTION 'cannot attach %: the % must be a table', (v #>> '{}')::oid::regclass, k
                  USING ERRCODE = 'wrong_object_type';
        END IF;
        IF (SELECT c.relnamespace FROM pg_class c WHERE c.oid = (v #>> '{}')::oid)
           = (SELECT e.extnamespace FROM pg_extension e WHERE e.extname = 'sla') THEN
            RAISE EXCEPTION 'cannot attach %: it belongs to sla itself', (v #>> '{}')::oid::regclass
                  USING ERRCODE = 'wrong_object_type', HINT = 'Attach the helpdesk''s own ticket and message tables.';
        END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['key', 'created_at', 'status'] LOOP
        IF NOT mapping ? k THEN
            RAISE EXCEPTION 'the ticket mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    FOR k, v IN SELECT * FROM jsonb_each(mapping) LOOP
        kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(ticket_table, k, v #>> '{}',
                     ARRAY(SELECT jsonb_array_elements_text(ticket_spec -> k))));
        m := m || jsonb_build_object(k, v #>> '{}');
    END LOOP;
    -- the key's own type, so lookups by key can use the host's index
    m := m || jsonb_build_object('kinds', kinds, 'key_type',
         (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
           WHERE a.attrelid = ticket_table AND a.attname = mapping ->> 'key'));

    IF message_table IS NOT NULL THEN
        IF message_mapping IS NULL OR jsonb_typeof(message_mapping) <> 'object' THEN
            RAISE EXCEPTION 'a message table needs a message mapping' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        mm := '{}';
        kinds := '{}';
        FOR k, v IN SELECT * FROM jsonb_each(message_mapping) LOOP
            IF k LIKE '%\_values' AND k = ANY (message_options) THEN
                -- a value list: strings (or numbers, read as their text), never a lone value
                IF jsonb_typeof(v) <> 'array'
                   OR EXISTS (SELECT FROM jsonb_array_elements(v) x WHERE jsonb_typeof(x) NOT IN ('string', 'number')) THEN
                    RAISE EXCEPTION 'message mapping key "%" must be a JSON array of values, not %', k, v
                          USING ERRCODE = 'invalid_parameter_value',
                                HINT = format('For example "%s": ["customer", "requester"].', k);
                END IF;
                mm := mm || jsonb_build_object(k, (SELECT jsonb_agg(x #>> '{}') FROM jsonb_array_elements(v) x));
            ELSIF k = ANY (message_options) THEN
                IF jsonb_typeof(v) <> 'string' THEN
                    RAISE EXCEPTION 'message mapping key "%" must name a function as a JSON string, not %', k, v
                          USING ERRCODE = 'invalid_parameter_value';
                END IF;
                mm := mm || jsonb_build_object(k, v);
            ELSIF message_spec ? k THEN
                kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(message_table, k, v #>> '{}',
                             ARRAY(SELECT jsonb_array_elements_text(message_spec -> k))));
                mm := mm || jsonb_build_object(k, v #>> '{}');
            ELSE
                RAISE EXCEPTION 'unknown message mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Keys: ticket, created_at, author_kind, customer_values, agent_values, system_values, author_function, public, internal, public_function, channel, chat_values, call_values.';
            END IF;
        END LOOP;
        FOREACH k IN ARRAY ARRAY['ticket', 'created_at'] LOOP
            IF NOT mm ? k THEN
                RAISE EXCEPTION 'the message mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
        IF NOT (mm ? 'author_kind' OR mm ? 'author_function') THEN
            RAISE EXCEPTION 'the message mapping needs author_kind (a column with value lists) or author_function'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- a function signature is read with the message table's schema on the search path, so
        -- its argument may be written unqualified (my_author(desk_message)); it is stored
        -- qualified, as the engine reads it under its own fixed search path
        FOREACH k IN ARRAY ARRAY['author_function', 'public_function'] LOOP
            CONTINUE WHEN NOT mm ? k;
            PERFORM set_config('search_path', format('%I, pg_catalog, pg_temp',
                               (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                 WHERE c.oid = attach.message_table)), true);
            fn := (mm ->> k)::regprocedure;
            PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
            PERFORM @extschema@.check_function_registration(fn, format('the %s of %s', k, message_table));
            mm := mm || jsonb_build_object(k, fn::text);
        END LOOP;
        mm := mm || jsonb_build_object('kinds', kinds);
    END IF;

    -- attaching again replaces the mapping; a message table no longer named loses its trigger
    SELECT a.message_table INTO old_message_table FROM @extschema@.attachment a
     WHERE a.ticket_table = attach.ticket_table;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message') THEN
        EXECUTE format('DROP TRIGGER sla_message ON %s', old_message_table);
    END IF;
    INSERT INTO @extschema@.attachment AS a (ticket_table, mapping, message_table, message_mapping, time_zone)
         VALUES (attach.ticket_table, m, attach.message_table, mm, attach.time_zone)
    ON CONFLICT ON CONSTRAINT attachment_ticket_table_key DO UPDATE
         SET mapping = EXCLUDED.mapping, message_table = EXCLUDED.message_table,
             message_mapping = EXCLUDED.message_mapping, time_zone = EXCLUDED.time_zone, attached = true
    RETURNING a.id INTO att_id;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket') THEN
        EXECUTE format('DROP TRIGGER sla_ticket ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_update') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_update ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_delete') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_delete ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_truncate') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_truncate ON %s', ticket_table);
    END IF;
    EXECUTE format('CREATE TRIGGER sla_ticket_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.ticket_table_truncated(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_inserted(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket_update AFTER UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_changed(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket_delete AFTER DELETE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_deleted(%s)',
                   ticket_table, att_id);
    IF message_table IS NOT NULL THEN
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message') THEN
            EXECUTE format('DROP TRIGGER sla_message ON %s', message_table);
        END IF;
        EXECUTE format('CREATE TRIGGER sla_message AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.message_added(%s)',
                       message_table, att_id);
    END IF;
    RETURN att_id;
END
$$;
COMMENT ON FUNCTION @extschema@.attach(regclass, jsonb, regclass, jsonb, text) IS
    'attaches sla to a helpdesk''s ticket (and message) table through a column mapping; adds row triggers, never columns; returns the attachment id';

CREATE FUNCTION @extschema@.detach(ticket_table regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att @extschema@.attachment;
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = detach.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket') THEN
        EXECUTE format('DROP TRIGGER sla_ticket ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_update') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_update ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_delete') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_delete ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_truncate') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_truncate ON %s', att.ticket_table);
    END IF;
    IF att.message_table IS NOT NULL
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.message_table AND t.tgname = 'sla_message') THEN
        EXECUTE format('DROP TRIGGER sla_message ON %s', att.message_table);
    END IF;
    UPDATE @extschema@.attachment a SET attached = false WHERE a.id = att.id;
END
$$;
COMMENT ON FUNCTION @extschema@.detach(regclass) IS
    'removes the triggers sla added and nothing else: clocks, events and the mapping stay';

CREATE FUNCTION @extschema@.map_status(ticket_table regclass, status text, lifecycle text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
BEGIN
    SELECT a.id INTO att_id FROM @extschema@.attachment a WHERE a.ticket_table = map_status.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    INSERT INTO @extschema@.status_map AS s VALUES (att_id, map_status.status, map_status.lifecycle)
    ON CONFLICT ON CONSTRAINT status_map_pkey DO UPDATE SET lifecycle = EXCLUDED.lifecycle;
END
$$;
COMMENT ON FUNCTION @extschema@.map_status(regclass, text, text) IS
    'maps a ticket status value to open, paused, solved, closed or deleted';

-- ------------------------------------------------------------------ clock primitives

-- The primitives are C (src/clock_ops.c): each changes one clock and appends its event row in
-- one prepared statement.  The triggers call the same code directly; these SQL entry points
-- serve the PL/pgSQL parts (backfill, escalations).
CREATE FUNCTION @extschema@.log_event(att_id integer, key text, clock bigint, at timestamptz,
                                      kind text, detail jsonb DEFAULT NULL) RETURNS void
    AS 'MODULE_PATHNAME', 'sla_log_event_sql' LANGUAGE C;

-- Start a clock of a metric if the level has a target for it (next cycle); returns its id or NULL.
CREATE FUNCTION @extschema@.start_clock(att_id integer, key text, lvl integer, m @extschema@.metric,
                                        at timestamptz, snapshot jsonb) RETURNS bigint
    AS 'MODULE_PATHNAME', 'sla_start_clock_sql' LANGUAGE C;

-- Pause a running clock; NULL clock or instant: nothing to do.
CREATE FUNCTION @extschema@.pause_clock(clock_id bigint, at timestamptz) RETURNS void
    AS 'MODULE_PATHNAME', 'sla_pause_clock_sql' LANGUAGE C;

-- Resume a paused clock: the business time it stood paused moves its due date out.
CREATE FUNCTION @extschema@.resume_clock(clock_id bigint, at timestamptz) RETURNS void
    AS 'MODULE_PATHNAME', 'sla_resume_clock_sql' LANGUAGE C;

-- Stop a running or paused clock: met when it stops by its due time, else breached.
CREATE FUNCTION @extschema@.stop_clock(clock_id bigint, at timestamptz) RETURNS void
    AS 'MODULE_PATHNAME', 'sla_stop_clock_sql' LANGUAGE C;

CREATE FUNCTION @extschema@.cancel_clock(clock_id bigint, at timestamptz, reason text) RETURNS void
    AS 'MODULE_PATHNAME', 'sla_cancel_clock_sql' LANGUAGE C;

-- Re-target active clocks of a ticket to a new level, from their start, keeping paused time;
-- a clock whose metric the new level does not measure is cancelled.
CREATE FUNCTION @extschema@.retarget_clocks(att_id integer, key text, lvl integer, at timestamptz)
    RETURNS void AS 'MODULE_PATHNAME', 'sla_retarget_clocks_sql' LANGUAGE C;

-- ------------------------------------------------------------------ reading the host rows

-- What the engine reads from a ticket row (key, lifecycle with the deleted flag, creation and
-- update instants), for sla.backfill(); C, the triggers' own code.
CREATE FUNCTION @extschema@.ticket_facts(att_id integer, ticket anyelement, OUT key text, OUT lifecycle text,
                                         OUT created_at timestamptz, OUT updated_at timestamptz)
    AS 'MODULE_PATHNAME', 'sla_ticket_facts_sql' LANGUAGE C STABLE;

-- The attributes rules see, as the engine reads them from a ticket row, as the JSON
-- sla.match_rules() takes (the dry run).  C, sharing the triggers' code.
CREATE FUNCTION @extschema@.ticket_attributes(att_id integer, ticket anyelement) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'sla_ticket_attributes_sql' LANGUAGE C STABLE;

-- ------------------------------------------------------------------ the triggers

-- Start tracking a ticket row (of the attached table's row type): choose its level, record the
-- choice, start its first_response, periodic_update and resolution clocks.  C (src/ticket_trigger.c),
-- shared with the INSERT trigger.
CREATE FUNCTION @extschema@.track_ticket(att_id integer, ticket anyelement, lifecycle text, at timestamptz)
    RETURNS void AS 'MODULE_PATHNAME', 'sla_track_ticket_sql' LANGUAGE C;

-- A new ticket (AFTER INSERT row trigger; argument: the attachment id).
CREATE FUNCTION @extschema@.ticket_inserted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_ticket_inserted' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.ticket_inserted() IS
    'row trigger sla.attach() puts on a ticket table for INSERT: chooses the level and starts the clocks (C)';

-- A ticket row deleted outright (AFTER DELETE row trigger): its running clocks are cancelled.
CREATE FUNCTION @extschema@.ticket_deleted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_ticket_deleted' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.ticket_deleted() IS
    'row trigger sla.attach() puts on a ticket table for DELETE: a deleted row cancels its running clocks (C)';

-- An updated ticket (AFTER UPDATE row trigger; argument: the attachment id).
CREATE FUNCTION @extschema@.ticket_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_ticket_updated' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.ticket_changed() IS
    'row trigger sla.attach() puts on a ticket table for UPDATE: pauses, resumes, stops, cancels, reopens and re-targets clocks, and re-runs the on_update rules';

-- What a message does to the clocks (C, src/message_trigger.c): msg is a row of the attached
-- message table.  The message trigger runs the same code; sla.backfill() calls this.
CREATE FUNCTION @extschema@.process_message(att_id integer, msg anyelement) RETURNS void
    AS 'MODULE_PATHNAME', 'sla_process_message_sql' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.process_message(integer, anyelement) IS
    'the clock logic of one message row (used by the message trigger and by backfill)';

CREATE FUNCTION @extschema@.message_added() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_message_added' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.message_added() IS
    'row trigger sla.attach() puts on a message table: a public agent reply stops response clocks, a customer message after a reply starts next_response (chat_response / call_response on those channels)';

-- ------------------------------------------------------------------ truncated or dropped host tables

-- TRUNCATE of an attached ticket table (AFTER TRUNCATE statement trigger made by attach): every
-- ticket is gone at once, so its running and paused clocks are cancelled and its tickets marked
-- deleted, as a DELETE of each row would.  It runs as the truncating role, which needs
-- sla_writer like any writer of the table; without it the TRUNCATE is refused (42501).
CREATE FUNCTION @extschema@.ticket_table_truncated() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
    c record;
BEGIN
    IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'STATEMENT' OR TG_OP <> 'TRUNCATE' OR TG_NARGS <> 1
       OR TG_NAME <> 'sla_ticket_truncate' OR TG_ARGV[0] !~ '^[0-9]{1,9}$' THEN
        RAISE EXCEPTION 'sla.ticket_table_truncated() must be the AFTER TRUNCATE statement trigger "sla_ticket_truncate" with the attachment id as argument'
              USING ERRCODE = 'E0001', HINT = 'Let sla.attach() create it.';
    END IF;
    att_id := TG_ARGV[0]::integer;
    IF NOT EXISTS (SELECT FROM @extschema@.attachment a WHERE a.id = att_id AND a.ticket_table = TG_RELID) THEN
        RAISE EXCEPTION 'trigger "sla_ticket_truncate" on %.% names attachment %, which is not attached to it',
              TG_TABLE_SCHEMA, TG_TABLE_NAME, att_id USING ERRCODE = 'E0001';
    END IF;
    FOR c IN SELECT k.id FROM @extschema@.clock k
              WHERE k.attachment_id = att_id AND k.state IN ('running', 'paused') ORDER BY k.id LOOP
        PERFORM @extschema@.cancel_clock(c.id, now(), 'ticket table truncated');
    END LOOP;
    UPDATE @extschema@.ticket t SET lifecycle = 'deleted' WHERE t.attachment_id = att_id AND t.lifecycle <> 'deleted';
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.ticket_table_truncated() IS
    'statement trigger sla.attach() puts on a ticket table for TRUNCATE: cancels the attachment''s running and paused clocks and marks its tickets deleted';

-- DROP TABLE of an attached table (sql_drop event trigger): the attachment is marked detached,
-- its running and paused clocks are cancelled (a dropped helpdesk answers nobody), and a
-- dropped message table is forgotten.  Clocks, events and the mapping stay for the reports.
-- SECURITY DEFINER because the dropping role (the table's owner) need not hold any sla
-- privilege and its DROP must not fail because of sla; it acts only on the attachments of the
-- tables this very command dropped, which pg_event_trigger_dropped_objects() alone reports.
CREATE FUNCTION @extschema@.host_table_dropped() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a record;
    c record;
BEGIN
    FOR a IN SELECT DISTINCT att.id, att.ticket_table::oid AS ticket_oid, att.message_table::oid AS message_oid, d.objid
               FROM pg_event_trigger_dropped_objects() d
               JOIN @extschema@.attachment att
                 ON d.objid IN (att.ticket_table::oid, att.message_table::oid)
              WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0 LOOP
        IF a.objid = a.ticket_oid THEN
            FOR c IN SELECT k.id FROM @extschema@.clock k
                      WHERE k.attachment_id = a.id AND k.state IN ('running', 'paused') ORDER BY k.id LOOP
                PERFORM @extschema@.cancel_clock(c.id, now(), 'ticket table dropped');
            END LOOP;
            UPDATE @extschema@.attachment att SET attached = false WHERE att.id = a.id;
        ELSE
            UPDATE @extschema@.attachment att SET message_table = NULL WHERE att.id = a.id;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.host_table_dropped() IS
    'sql_drop event trigger: an attached ticket table dropped cancels its running clocks and marks the attachment detached; a dropped message table is forgotten';
CREATE EVENT TRIGGER sla_host_table_dropped ON sql_drop
    WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION @extschema@.host_table_dropped();
-- 70_engine_tools.sql — explaining a ticket's SLA timeline, the dry run on a stored ticket row,
-- and re-targeting running clocks when levels or calendars are edited.

-- A ticket's whole SLA history as rows, oldest first.
CREATE FUNCTION @extschema@.explain(ticket_table regclass, ticket_key text,
        OUT at timestamptz, OUT event text, OUT metric @extschema@.metric, OUT cycle integer,
        OUT level text, OUT detail jsonb, OUT due_at timestamptz, OUT state text,
        OUT business_used @extschema@.business_interval, OUT calendar_time interval)
    RETURNS SETOF record
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.at, e.kind, c.metric, c.cycle, l.name, e.detail, c.due_at, c.state,
           CASE WHEN e.kind OPERATOR(pg_catalog.=) 'stopped' THEN c.business_used END,
           CASE WHEN e.kind OPERATOR(pg_catalog.=) 'stopped' THEN c.stopped_at OPERATOR(pg_catalog.-) c.started_at END
      FROM @extschema@.event e
      JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) e.attachment_id
      LEFT JOIN @extschema@.clock c ON c.id OPERATOR(pg_catalog.=) e.clock_id
      LEFT JOIN @extschema@.level l ON l.id OPERATOR(pg_catalog.=) c.level_id
     WHERE a.ticket_table OPERATOR(pg_catalog.=) explain.ticket_table
       AND e.ticket_key OPERATOR(pg_catalog.=) explain.ticket_key
     ORDER BY e.id
$$;
COMMENT ON FUNCTION @extschema@.explain(regclass, text) IS
    'a ticket''s SLA timeline: which level was chosen and by which rules, every clock start, pause, resume, re-target, stop and cancel, with due dates, states, business and calendar time used';

-- The dry run on a stored ticket: which level would it get now, and why.
CREATE FUNCTION @extschema@.match_ticket(ticket_table regclass, ticket_key text, at timestamptz DEFAULT pg_catalog.now(),
        OUT rule_position integer, OUT rule text, OUT matched boolean, OUT sets_level text,
        OUT stops boolean, OUT chosen_level text)
    RETURNS SETOF record
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att @extschema@.attachment;
    attributes jsonb;
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = match_ticket.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    EXECUTE format('SELECT @extschema@.ticket_attributes($2, t) FROM %s t WHERE %I OPERATOR(pg_catalog.=) $1::%s',
                   att.ticket_table, att.mapping ->> 'key', att.mapping ->> 'key_type')
       INTO attributes USING ticket_key, att.id;
    IF attributes IS NULL THEN
        RAISE EXCEPTION 'ticket % does not exist in %', ticket_key, att.ticket_table USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY SELECT * FROM @extschema@.match_rules(attributes, at);
END
$$;
COMMENT ON FUNCTION @extschema@.match_ticket(regclass, text, timestamptz) IS
    'dry run of the rules on a stored ticket row: the level it would get and why, without writing anything';

-- Editing a level's targets or a calendar re-targets the running clocks that use it, in the
-- same transaction.  Stopped clocks keep the due date they were judged by.
CREATE FUNCTION @extschema@.retarget_after_config_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- each running clock's new due date is computed once, then written only where it changed
    UPDATE @extschema@.clock k
       SET target = x.target, due_at = x.new_due, calendar_id = x.calendar_id
      FROM (SELECT c.id, t.target, l.calendar_id,
                   @extschema@.business_add(c.started_at, t.target OPERATOR(@extschema@.+) c.paused_for,
                                            l.calendar_id) AS new_due
              FROM @extschema@.clock c
              JOIN @extschema@.level_target t ON t.level_id = c.level_id AND t.metric = c.metric
              JOIN @extschema@.level l ON l.id = t.level_id
             WHERE c.state IN ('running', 'paused')
               -- mid-edit (define_calendar deletes, then inserts hours) a calendar may have no hours yet
               AND (EXISTS (SELECT FROM @extschema@.calendar_hours h WHERE h.calendar_id = l.calendar_id)
                    OR EXISTS (SELECT FROM @extschema@.calendar_special_hours s WHERE s.calendar_id = l.calendar_id))
            OFFSET 0) x		-- OFFSET 0: not pulled up, so new_due is computed once per clock
     WHERE k.id = x.id
       AND (k.target OPERATOR(@extschema@.<>) x.target OR k.calendar_id <> x.calendar_id
            OR k.due_at IS DISTINCT FROM x.new_due);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.retarget_after_config_change() IS
    'statement trigger on levels, targets and calendar tables: recomputes due dates of running and paused clocks';

CREATE TRIGGER retarget_clocks AFTER INSERT OR UPDATE OR DELETE ON @extschema@.level_target
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER UPDATE ON @extschema@.level
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER UPDATE ON @extschema@.calendar
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER INSERT OR UPDATE OR DELETE ON @extschema@.calendar_hours
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER INSERT OR UPDATE OR DELETE ON @extschema@.calendar_holiday
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER INSERT OR UPDATE OR DELETE ON @extschema@.calendar_special_day
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER INSERT OR UPDATE OR DELETE ON @extschema@.calendar_special_hours
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();

-- Tickets that existed before attaching: start their clocks from their creation time, replay
-- their messages in order, then apply their current status (the status history is not known:
-- a solved or closed ticket is taken as solved at its last update, a paused one as paused since
-- then).  Returns the number of tickets started.
CREATE FUNCTION @extschema@.backfill(ticket_table regclass) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att @extschema@.attachment;
    m jsonb;
    t record;
    msg record;
    key text;
    lc text;
    created timestamptz;
    last_change timestamptz;
    c @extschema@.clock;
    n integer := 0;
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = backfill.ticket_table AND a.attached;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    m := att.mapping;
    -- the facts through LATERAL: (f(x)).* would call the function once per column
    FOR t IN EXECUTE format('SELECT x AS row, f.* FROM %s x CROSS JOIN LATERAL @extschema@.ticket_facts($1, x) f
                              WHERE NOT EXISTS (SELECT FROM @extschema@.ticket s
                               WHERE s.attachment_id OPERATOR(pg_catalog.=) $1
                                 AND s.ticket_key OPERATOR(pg_catalog.=) x.%I::text) ORDER BY x.%I',
                            att.ticket_table, m ->> 'key', m ->> 'created_at')
             USING att.id LOOP
        key := t.key;
        created := t.created_at;
        CONTINUE WHEN key IS NULL OR created IS NULL;
        lc := t.lifecycle;
        -- track as open, replay the conversation, then apply the status it has now
        PERFORM @extschema@.track_ticket(att.id, t.row, CASE WHEN lc = 'deleted' THEN 'deleted' ELSE 'open' END, created);
        n := n + 1;
        IF att.message_table IS NOT NULL THEN
            FOR msg IN EXECUTE format('SELECT x AS row FROM %s x WHERE x.%I OPERATOR(pg_catalog.=) $1::%s ORDER BY x.%I',
                                      att.message_table, att.message_mapping ->> 'ticket', m ->> 'key_type',
                                      att.message_mapping ->> 'created_at')
                       USING key LOOP
                PERFORM @extschema@.process_message(att.id, msg.row);
            END LOOP;
        END IF;
        IF lc IN ('paused', 'solved', 'closed') THEN
            last_change := coalesce(t.updated_at, created);
            FOR c IN SELECT * FROM @extschema@.clock k
                      WHERE k.attachment_id = att.id AND k.ticket_key = key AND k.state IN ('running', 'paused') LOOP
                IF c.metric = 'resolution' AND lc = 'paused' THEN
                    PERFORM @extschema@.pause_clock(c.id, last_change);
                ELSIF c.metric = 'resolution' THEN
                    PERFORM @extschema@.stop_clock(c.id, last_change);
                ELSIF lc IN ('solved', 'closed') THEN
                    PERFORM @extschema@.cancel_clock(c.id, last_change, 'ticket ' || lc || ' before a reply');
                END IF;
            END LOOP;
            UPDATE @extschema@.ticket s SET lifecycle = lc WHERE s.attachment_id = att.id AND s.ticket_key = key;
        END IF;
        PERFORM @extschema@.log_event(att.id, key, NULL, created, 'backfilled', jsonb_build_object('lifecycle', lc));
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.backfill(regclass) IS
    'computes clocks for tickets that existed before attaching, from their creation time, their message history and their current status; returns how many tickets it started';
-- 80_breach.sql — breaches happen as time passes: the warning instant of every clock, and
-- sla.check_breaches(), which records each warning and breach crossing exactly once as an event
-- and announces it with NOTIFY sla_events.  (Issue 5 adds the scheduler and the worker.)

-- warn_at: the instant the level's warning share of the target is used up.  It is derived from
-- due_at so that pauses and re-targets move it too: used time = pct of the business time the
-- clock may run, counted from its start past the pauses.
CREATE FUNCTION @extschema@.clock_warn_at() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_clock_warn_at_trigger' LANGUAGE C;
-- Inserts from the C engine carry warn_at already; any other insert gets it computed here.
CREATE TRIGGER clock_warn_at_insert BEFORE INSERT ON @extschema@.clock
    FOR EACH ROW WHEN (NEW.warn_at IS NULL) EXECUTE FUNCTION @extschema@.clock_warn_at();
CREATE TRIGGER clock_warn_at BEFORE UPDATE OF due_at, paused_for, started_at, calendar_id, level_id
    ON @extschema@.clock FOR EACH ROW EXECUTE FUNCTION @extschema@.clock_warn_at();

-- Only clocks with a crossing still to record are looked at: checking is cheap when nothing is due.
CREATE INDEX clock_warning_pending ON @extschema@.clock (warn_at)
    WHERE state OPERATOR(pg_catalog.=) 'running' AND warned_at IS NULL;
CREATE INDEX clock_breach_pending ON @extschema@.clock (due_at)
    WHERE state OPERATOR(pg_catalog.=) 'running' AND breach_seen_at IS NULL;

CREATE FUNCTION @extschema@.check_breaches(as_of timestamptz DEFAULT pg_catalog.now(),
                                           max_crossings integer DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    n integer := 0;
    kind text;
    pending boolean;
BEGIN
    IF max_crossings IS NOT NULL AND max_crossings < 1 THEN
        RAISE EXCEPTION 'max_crossings must be positive, not %', max_crossings USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the pending crossings, earliest first, read through the two partial indexes; at most
    -- max_crossings of them (a caller that commits between calls works in bounded batches)
    FOR c IN
        SELECT x.id, x.kind FROM (
            (SELECT k.id, 'warning' AS kind, k.warn_at AS at FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.warned_at IS NULL AND k.warn_at < as_of
              ORDER BY k.warn_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, 'breach', k.due_at FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.breach_seen_at IS NULL AND k.due_at < as_of
              ORDER BY k.due_at LIMIT max_crossings)) x
         -- a clock past both crossings gets its warning, then its breach
         ORDER BY x.at, x.id, x.kind DESC
         LIMIT max_crossings
    LOOP
        kind := c.kind;
        -- one clock by its key, locked or skipped (SKIP LOCKED: concurrent callers share the
        -- work), its flag re-checked after the lock: every crossing is recorded exactly once.
        -- The statements name the clock by id and nothing else: a condition such as
        -- "warned_at IS NULL" would match a pending-crossings partial index, and without table
        -- statistics (after a bulk load or a crash) the planner scanned that whole index for
        -- each clock, quadratic in the backlog
        SELECT CASE WHEN kind = 'warning' THEN k.warned_at IS NULL ELSE k.breach_seen_at IS NULL END
               AND k.state = 'running'
          INTO pending FROM @extschema@.clock k WHERE k.id = c.id FOR UPDATE SKIP LOCKED;
        CONTINUE WHEN NOT coalesce(pending, false);
        IF kind = 'warning' THEN
            UPDATE @extschema@.clock k SET warned_at = as_of WHERE k.id = c.id;
        ELSE
            UPDATE @extschema@.clock k SET breach_seen_at = as_of WHERE k.id = c.id;
        END IF;
        n := n + 1;
        PERFORM @extschema@.log_event(k.attachment_id, k.ticket_key, k.id, as_of, kind,
                                      jsonb_build_object('metric', k.metric, 'due_at', k.due_at))
           FROM @extschema@.clock k WHERE k.id = c.id;
        -- the payload names the clock and nothing else: every session may LISTEN, so what a
        -- listener learns of the ticket it reads from sla.clock, under the host's row security
        PERFORM pg_notify('sla_events', json_build_object('event', kind, 'clock', c.id)::text);
        PERFORM @extschema@.run_escalations(c.id, kind, as_of);
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.check_breaches(timestamptz, integer) IS
    'records every running clock that crossed its warning threshold or its due time since the last call (one warning and one breach event per clock, exactly once even with concurrent callers), earliest first and at most max_crossings of them, and sends NOTIFY sla_events naming the event and the clock; returns how many it recorded';

-- The breach check in bounded batches, each committed: after a long outage (or a crash, with
-- thousands of pending crossings) the work is never one long transaction.  For pg_cron:
-- CALL sla.check_breaches_in_batches().  Returns nothing; each batch is as check_breaches.
CREATE PROCEDURE @extschema@.check_breaches_in_batches(batch_size integer DEFAULT 1000)
    LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    -- no SET search_path (a procedure with one cannot commit): every name and operator is qualified
    IF batch_size IS NULL OR batch_size OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch_size must be positive, not %', batch_size USING ERRCODE = 'invalid_parameter_value';
    END IF;
    LOOP
        n := @extschema@.check_breaches(pg_catalog.now(), batch_size);
        COMMIT;
        EXIT WHEN n OPERATOR(pg_catalog.<) batch_size;
    END LOOP;
END
$$;
COMMENT ON PROCEDURE @extschema@.check_breaches_in_batches(integer) IS
    'runs sla.check_breaches() in batches of batch_size crossings, committing after each, until fewer than a batch are pending';
-- 85_escalation.sql — escalation actions: what happens to a ticket when one of its clocks
-- crosses its warning instant or its due time.  sla.check_breaches() calls
-- sla.run_escalations() for every crossing it records, in its own transaction: an action that
-- fails is undone alone and recorded as an escalation_failed event (docs/escalation.md).

CREATE SEQUENCE @extschema@.escalation_id_seq AS integer;

CREATE TABLE @extschema@.escalation (
    id           integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.escalation_id_seq'),
    level_id     integer NOT NULL REFERENCES @extschema@.level (id) ON DELETE CASCADE,
    metric       @extschema@.metric,
    on_event     text NOT NULL CONSTRAINT escalation_on_event_known
        CHECK (on_event OPERATOR(pg_catalog.=) ANY (ARRAY['warning', 'breach'])),
    action       text NOT NULL CONSTRAINT escalation_action_known
        CHECK (action OPERATOR(pg_catalog.=) ANY (ARRAY['raise_level', 'set_column', 'notify_only'])),
    to_level_id  integer REFERENCES @extschema@.level (id) ON DELETE NO ACTION,
    column_name  text,
    column_value text,
    position     integer NOT NULL DEFAULT 0,
    active       boolean NOT NULL DEFAULT true,
    -- the role whose privileges a set_column action is checked against (escalation_check)
    registered_by text NOT NULL DEFAULT CURRENT_USER,
    -- raise_level needs a level to raise to, and only raise_level has one
    CONSTRAINT escalation_to_level CHECK ((action OPERATOR(pg_catalog.=) 'raise_level')
                                         OPERATOR(pg_catalog.=) (to_level_id IS NOT NULL)),
    CONSTRAINT escalation_to_other_level CHECK (to_level_id OPERATOR(pg_catalog.<>) level_id),
    -- set_column needs a column and a value, and only set_column has them
    CONSTRAINT escalation_column CHECK (CASE WHEN action OPERATOR(pg_catalog.=) 'set_column'
                                             THEN column_name IS NOT NULL AND column_value IS NOT NULL
                                                  AND column_name OPERATOR(pg_catalog.<>) ''
                                             ELSE column_name IS NULL AND column_value IS NULL END)
);
ALTER SEQUENCE @extschema@.escalation_id_seq OWNED BY @extschema@.escalation.id;
CREATE INDEX escalation_level ON @extschema@.escalation (level_id, on_event) WHERE active;
COMMENT ON TABLE @extschema@.escalation IS
    'escalation actions run by sla.check_breaches() when a clock of a level crosses its warning instant or its due time: raise_level, set_column or notify_only, in position order';
COMMENT ON COLUMN @extschema@.escalation.metric IS 'the metric whose clock must cross; NULL: any metric';
COMMENT ON COLUMN @extschema@.escalation.to_level_id IS 'raise_level: the level the ticket gets (its running and paused clocks are re-targeted)';
COMMENT ON COLUMN @extschema@.escalation.column_name IS
    'set_column: a ticket mapping key (priority, status, agent, department, ...: the column it maps to in each attached table), else a column of the attached ticket table itself; checked when the action runs (42703)';
COMMENT ON COLUMN @extschema@.escalation.column_value IS 'set_column: the value, as a literal of the column''s type';

COMMENT ON COLUMN @extschema@.escalation.registered_by IS
    'the role that wrote the action: a set_column action writes only a column this role may update (docs/security.md)';

-- Who registered an action: the current role by default, or a role whose privileges it has (a
-- restore keeps the original).  Changing what an action does makes the editor its registrant.
CREATE FUNCTION @extschema@.escalation_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.registered_by = OLD.registered_by
       AND (NEW.action, NEW.column_name, NEW.column_value, NEW.level_id, NEW.metric, NEW.on_event)
           IS DISTINCT FROM (OLD.action, OLD.column_name, OLD.column_value, OLD.level_id, OLD.metric, OLD.on_event) THEN
        NEW.registered_by := current_user;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles r WHERE r.rolname = NEW.registered_by) THEN
        RAISE EXCEPTION 'role "%" does not exist (registered_by of escalation %)', NEW.registered_by, NEW.id
              USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT pg_has_role(current_user, NEW.registered_by, 'USAGE') THEN
        RAISE EXCEPTION 'role "%" cannot register escalation % in the name of "%"', current_user, NEW.id, NEW.registered_by
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER escalation_check BEFORE INSERT OR UPDATE ON @extschema@.escalation
    FOR EACH ROW EXECUTE FUNCTION @extschema@.escalation_check();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.escalation', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.escalation_id_seq', '');

-- Configuration is cached per backend like calendars and rules, and invalidated the same way.
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.escalation FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();

-- The host column a set_column escalation writes: a mapping key names its mapped column, any
-- other name is a column of the ticket table itself.  Raises 42703 when it does not exist.
CREATE FUNCTION @extschema@.escalation_column(att @extschema@.attachment, esc @extschema@.escalation)
    RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    col text := esc.column_name;
BEGIN
    -- kinds and key_type are sla's own notes in the mapping, not mapped fields
    IF esc.column_name NOT IN ('kinds', 'key_type')
       AND jsonb_typeof(att.mapping -> esc.column_name) = 'string' THEN
        col := att.mapping ->> esc.column_name;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute a
                    WHERE a.attrelid = att.ticket_table AND a.attname = col AND a.attnum > 0
                      AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist (escalation %)', col, att.ticket_table, esc.id
              USING ERRCODE = 'undefined_column',
                    HINT = 'column_name is a ticket mapping key such as priority, or a column of the ticket table.';
    END IF;
    IF col = att.mapping ->> 'key' THEN
        RAISE EXCEPTION 'escalation % cannot change the ticket key column "%" of %', esc.id, col, att.ticket_table
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN col;
END
$$;
COMMENT ON FUNCTION @extschema@.escalation_column(@extschema@.attachment, @extschema@.escalation) IS
    'the ticket-table column a set_column escalation writes (mapping key first, else a column of the table); 42703 when missing';

-- A set_column action's write (src/escalation_action.c): the registrant of the escalation must
-- hold UPDATE on the column (and SELECT on the key); the UPDATE itself runs as the table's
-- owner, never as the role that happens to run the breach check (a superuser's worker would
-- otherwise fire the owner's own triggers as superuser).  Returns the rows updated.
CREATE FUNCTION @extschema@.escalation_set_column(escalation_id integer, att_id integer, ticket_key text)
    RETURNS bigint AS 'MODULE_PATHNAME', 'sla_escalation_set_column' LANGUAGE C STRICT;

-- Run the active escalations of a crossing; returns how many actions ran.
CREATE FUNCTION @extschema@.run_escalations(clock_id bigint, kind text, at timestamptz)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c @extschema@.clock;
    att @extschema@.attachment;
    esc @extschema@.escalation;
    cur_level integer;
    col text;
    n_rows bigint;
    n integer := 0;
    err_state text;
    err_message text;
BEGIN
    IF run_escalations.kind IS NULL OR run_escalations.kind NOT IN ('warning', 'breach') THEN
        RAISE EXCEPTION 'escalations run on a warning or a breach, not on "%"', run_escalations.kind
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO c FROM @extschema@.clock k WHERE k.id = run_escalations.clock_id;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    -- an action's writes fire the host's triggers (and any trigger of the host's own); should one
    -- of them call check_breaches again, its crossings are recorded but escalate nothing, so an
    -- escalation can never start another one inside itself
    IF current_setting('sla.escalating', true) = 'on' THEN
        PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at,
                                      'escalation_skipped',
                                      jsonb_build_object('on_event', run_escalations.kind, 'metric', c.metric,
                                                         'reason', 'inside another escalation'));
        RETURN 0;
    END IF;
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.id = c.attachment_id;
    PERFORM set_config('sla.escalating', 'on', true);

    -- the escalations of the level the clock crossed at, read once: a raise_level action does
    -- not bring the new level's escalations into this crossing
    FOR esc IN SELECT * FROM @extschema@.escalation e
                WHERE e.active AND e.level_id = c.level_id AND e.on_event = run_escalations.kind
                  AND (e.metric IS NULL OR e.metric = c.metric)
                ORDER BY e.position, e.id LOOP
        CONTINUE WHEN esc.action = 'notify_only';		-- check_breaches sends the NOTIFY itself
        -- each action on its own: one that fails (a column gone, a value its type refuses, a
        -- host trigger that raises) is undone alone and recorded, and the crossing, the other
        -- actions and every other clock's crossings go on
        BEGIN
            IF esc.action = 'raise_level' THEN
                SELECT t.level_id INTO cur_level FROM @extschema@.ticket t
                 WHERE t.attachment_id = c.attachment_id AND t.ticket_key = c.ticket_key FOR UPDATE;
                CONTINUE WHEN NOT FOUND OR cur_level IS NOT DISTINCT FROM esc.to_level_id;
                UPDATE @extschema@.ticket t SET level_id = esc.to_level_id
                 WHERE t.attachment_id = c.attachment_id AND t.ticket_key = c.ticket_key;
                PERFORM @extschema@.retarget_clocks(c.attachment_id, c.ticket_key, esc.to_level_id, run_escalations.at);
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalated',
                            jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                               'metric', c.metric, 'from_level', cur_level, 'to_level', esc.to_level_id));
            ELSE
                col := @extschema@.escalation_column(att, esc);
                -- the host's sla trigger fires on this update (on_update rules, lifecycle changes);
                -- C: it runs as the table's owner, after checking the registrant may update the column
                n_rows := @extschema@.escalation_set_column(esc.id, att.id, c.ticket_key);
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalated',
                            jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                               'metric', c.metric, 'column', col, 'value', esc.column_value,
                                               'rows', n_rows));
            END IF;
            n := n + 1;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT;
            PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalation_failed',
                        jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                           'metric', c.metric, 'sqlstate', err_state, 'error', err_message));
            PERFORM pg_notify('sla_events', json_build_object('event', 'escalation_failed', 'clock', c.id)::text);
        END;
    END LOOP;
    PERFORM set_config('sla.escalating', 'off', true);
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.run_escalations(bigint, text, timestamptz) IS
    'runs the active escalations of the clock''s level for a warning or breach crossing (called by sla.check_breaches in its transaction); logs an escalated event per raise_level and set_column action, and an escalation_failed event (with its SQLSTATE and message, and a NOTIFY) for an action that fails, which is undone alone; returns how many actions ran';
-- 90_reports.sql — reports over SLA clocks for SQL clients and BI tools (first part of issue 4):
-- the SLA log, at-risk and breached-now views, and the compliance report.
--
-- When a clock counts: a met or breached clock is decided when it stopped; a running or paused
-- clock already past its due time counts as failed, decided at its due time; a clock not yet
-- due (or cancelled) is not counted.

-- The business time a clock has used as of an instant (pauses excluded).
-- No SET search_path (every name in it is qualified): without one, the planner inlines it into
-- the reports' queries, where it costs what the expression written out would.
CREATE FUNCTION @extschema@.clock_used(c @extschema@.clock, as_of timestamptz)
    RETURNS @extschema@.business_interval
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN c.business_used IS NOT NULL THEN c.business_used
        ELSE @extschema@.business_between(c.started_at,
                 greatest(coalesce(c.paused_since, as_of), c.started_at), c.calendar_id)
             OPERATOR(@extschema@.-) c.paused_for
    END
$$;
COMMENT ON FUNCTION @extschema@.clock_used(@extschema@.clock, timestamptz) IS
    'business time a clock has used as of an instant, pauses excluded (its final figure once stopped)';

-- No SET search_path (every name and operator in it is qualified): the planner inlines it into
-- the views below, so their conditions reach sla.clock and its indexes (at_risk and
-- breached_now read clock_active_due instead of computing the whole log).
CREATE FUNCTION @extschema@.sla_log_at(as_of timestamptz DEFAULT pg_catalog.now(),
        only_department text DEFAULT NULL, from_time timestamptz DEFAULT '-infinity',
        to_time timestamptz DEFAULT 'infinity')
    RETURNS TABLE (requester text, ticket_table regclass, ticket text, department text, agent text,
                   level text, metric @extschema@.metric, cycle integer, started_at timestamptz,
                   due_at timestamptz, warn_at timestamptz, closed_at timestamptz, state text,
                   used @extschema@.business_interval, remaining @extschema@.business_interval,
                   overdue @extschema@.business_interval)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.requester, a.ticket_table, c.ticket_key, c.department, c.agent, l.name, c.metric, c.cycle,
           c.started_at, c.due_at, c.warn_at, c.stopped_at, c.state,
           @extschema@.clock_used(c, as_of),
           CASE WHEN c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])
                     AND c.due_at OPERATOR(pg_catalog.>=) as_of
                THEN @extschema@.business_between(GREATEST(as_of, c.started_at), c.due_at, c.calendar_id) END,
           CASE WHEN c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])
                     AND c.due_at OPERATOR(pg_catalog.<) as_of
                THEN @extschema@.business_between(c.due_at, COALESCE(c.paused_since, as_of), c.calendar_id)
                WHEN c.state OPERATOR(pg_catalog.=) 'breached'
                THEN @extschema@.business_between(c.due_at, c.stopped_at, c.calendar_id) END
      FROM @extschema@.clock c
      JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) c.attachment_id
      JOIN @extschema@.level l ON l.id OPERATOR(pg_catalog.=) c.level_id
     WHERE (only_department IS NULL OR c.department OPERATOR(pg_catalog.=) only_department)
       AND c.started_at OPERATOR(pg_catalog.<) to_time
       AND COALESCE(c.stopped_at, 'infinity'::timestamptz) OPERATOR(pg_catalog.>=) from_time
$$;
COMMENT ON FUNCTION @extschema@.sla_log_at(timestamptz, text, timestamptz, timestamptz) IS
    'the SLA log as of an instant, optionally for one department and the clocks active in [from_time, to_time): remaining business time for clocks not yet due, overdue business time for late ones';

CREATE VIEW @extschema@.sla_log AS SELECT * FROM @extschema@.sla_log_at();
COMMENT ON VIEW @extschema@.sla_log IS 'every SLA clock as of now: who, which ticket, level, metric, started, due, closed, state, business time used, remaining or overdue';
COMMENT ON COLUMN @extschema@.sla_log.requester IS 'the customer of the ticket';
COMMENT ON COLUMN @extschema@.sla_log.ticket_table IS 'the attached helpdesk table';
COMMENT ON COLUMN @extschema@.sla_log.ticket IS 'the ticket key, as text';
COMMENT ON COLUMN @extschema@.sla_log.department IS 'department holding the ticket (now for running clocks, at the stop for stopped ones)';
COMMENT ON COLUMN @extschema@.sla_log.agent IS 'agent holding the ticket (now for running clocks, at the stop for stopped ones)';
COMMENT ON COLUMN @extschema@.sla_log.level IS 'SLA level the clock is measured against';
COMMENT ON COLUMN @extschema@.sla_log.metric IS 'what the clock measures';
COMMENT ON COLUMN @extschema@.sla_log.cycle IS '1 for the first clock of a metric on a ticket, then 2, 3 ... (next response, periodic update)';
COMMENT ON COLUMN @extschema@.sla_log.started_at IS 'when the clock started';
COMMENT ON COLUMN @extschema@.sla_log.due_at IS 'when the target is used up (moved out by pauses)';
COMMENT ON COLUMN @extschema@.sla_log.warn_at IS 'when the level''s warning share of the target is used up';
COMMENT ON COLUMN @extschema@.sla_log.closed_at IS 'when the clock stopped or was cancelled; null while it runs';
COMMENT ON COLUMN @extschema@.sla_log.state IS 'running, paused, met, breached or cancelled';
COMMENT ON COLUMN @extschema@.sla_log.used IS 'business time used, pauses excluded';
COMMENT ON COLUMN @extschema@.sla_log.remaining IS 'business time left before the due time (running clocks not yet due)';
COMMENT ON COLUMN @extschema@.sla_log.overdue IS 'business time past the due time (late running clocks, breached clocks)';

CREATE VIEW @extschema@.at_risk AS
    SELECT * FROM @extschema@.sla_log_at() l
     WHERE l.state = 'running' AND l.warn_at < pg_catalog.now() AND l.due_at >= pg_catalog.now()
     ORDER BY l.due_at;
COMMENT ON VIEW @extschema@.at_risk IS 'running clocks past their warning threshold but not yet due, most urgent first';

CREATE VIEW @extschema@.breached_now AS
    SELECT * FROM @extschema@.sla_log_at() l
     WHERE l.state IN ('running', 'paused') AND l.due_at < pg_catalog.now()
     ORDER BY l.due_at;
COMMENT ON VIEW @extschema@.breached_now IS 'running or paused clocks already past their due time, longest overdue first';

CREATE VIEW @extschema@.queue AS
    SELECT * FROM @extschema@.sla_log_at() l
     WHERE l.state IN ('running', 'paused')
     ORDER BY l.due_at;
COMMENT ON VIEW @extschema@.queue IS 'every running or paused clock, the next due first: the work queue (SELECT ... LIMIT n reads n index entries)';

-- at_risk, breached_now and queue have the SLA log's columns: the same comments, for BI tools.
DO $$
DECLARE
    v text;
    col record;
BEGIN
    FOREACH v IN ARRAY ARRAY['at_risk', 'breached_now', 'queue'] LOOP
        FOR col IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS txt
                     FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid OPERATOR(pg_catalog.=) '@extschema@.sla_log'::pg_catalog.regclass
                      AND a.attnum OPERATOR(pg_catalog.>) 0 LOOP
            EXECUTE pg_catalog.format('COMMENT ON COLUMN @extschema@.%I.%I IS %L', v, col.attname, col.txt);
        END LOOP;
    END LOOP;
END
$$;

-- The instant a clock is decided (decided_at = coalesce(stopped_at, due_at), a generated column):
-- when it stopped, or (running or paused) its due time.  The compliance report and the service
-- credits select clocks by this instant; the index keeps their cost proportional to the clocks
-- of the selected range, not to the table.  A plain column rather than an expression index:
-- under row-level security only leakproof conditions reach an index, and COALESCE is not
-- recognised as one.
CREATE INDEX clock_decided_at ON @extschema@.clock (decided_at);

CREATE FUNCTION @extschema@.compliance_report(from_time timestamptz, to_time timestamptz,
        group_by text[] DEFAULT ARRAY['day', 'department', 'level', 'metric'],
        time_zone text DEFAULT NULL, only_department text DEFAULT NULL, only_agent text DEFAULT NULL,
        only_level text DEFAULT NULL, only_metric @extschema@.metric DEFAULT NULL,
        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (period date, department text, agent text, level text, metric @extschema@.metric,
                   met bigint, met_avg @extschema@.business_interval, met_max @extschema@.business_interval,
                   met_min @extschema@.business_interval, met_avg_calendar interval,
                   failed bigint, failed_avg @extschema@.business_interval,
                   failed_max @extschema@.business_interval, failed_min @extschema@.business_interval,
                   failed_avg_calendar interval, compliance numeric)
    LANGUAGE plpgsql STABLE
    -- Planner settings for this report's one query, measured with make bench-report: clocks
    -- are decided (stopped) in another order than they were written, so reading a range of
    -- decided_at through a bitmap (the heap in physical order) beats an index scan the
    -- planner picks from the column's correlation, by 1.3x to 2x on millions of clocks; and
    -- the query is planned anew on every call, where JIT compilation costs more than it saves.
    -- The groups are aggregated in a hash table, then sorted: the planner estimates the number
    -- of groups from decided_at's distinct values (nearly one per clock), not from the days, and
    -- on large tables chooses to sort every selected clock instead; with sorting disabled, the
    -- only sort left is that of the few result rows (1.4x faster at 10M clocks).
    SET search_path = pg_catalog, pg_temp SET enable_indexscan = off SET jit = off SET enable_sort = off AS $$
DECLARE
    g text;
    trunc text := NULL;
    period_expr text;
    used text;
    cal_used text;
    keys text;
    query text;
BEGIN
    FOREACH g IN ARRAY coalesce(group_by, '{}') LOOP
        IF g IN ('day', 'week', 'month') THEN
            IF trunc IS NOT NULL THEN
                RAISE EXCEPTION 'group_by names more than one period: %', group_by USING ERRCODE = 'invalid_parameter_value';
            END IF;
            trunc := g;
        ELSIF g NOT IN ('department', 'agent', 'level', 'metric') THEN
            RAISE EXCEPTION 'cannot group the compliance report by "%"', g USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Group by day, week or month and any of department, agent, level, metric.';
        END IF;
    END LOOP;
    IF from_time > to_time THEN
        RAISE EXCEPTION 'compliance report from % to %: the range ends before it starts', from_time, to_time
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF time_zone IS NOT NULL THEN
        PERFORM @extschema@.valid_time_zone(time_zone);
    END IF;
    -- The query is built from fixed fragments chosen by the validated group_by keys (nothing the
    -- caller wrote is spliced in; values travel as parameters), so each grouping gets the plan a
    -- hand-written aggregate would: no unused joins, no per-row CASE over the grouping keys.
    period_expr := CASE
        WHEN trunc IS NULL THEN 'NULL::date'
        WHEN time_zone IS NULL THEN format('date_trunc(%L, c.decided_at AT TIME ZONE k.time_zone)::date', trunc)
        ELSE format('date_trunc(%L, c.decided_at AT TIME ZONE $4)::date', trunc) END;
    -- Business time used: the stored figure once stopped; for a late running clock, up to the
    -- report's instant (or the start of its pause).
    used := '@extschema@.clock_used(c, least($3, $2))';
    cal_used := '(coalesce(c.stopped_at, least($3, $2)) - c.started_at)';
    -- group and sort by the chosen keys only (the others are constant NULL columns)
    SELECT CASE WHEN count(*) = 0 THEN 'HAVING count(*) > 0) SELECT * FROM g'  -- one total row, none when nothing counts
                ELSE 'GROUP BY ' || string_agg(k.pos::text, ', ' ORDER BY k.pos)
                     || ') SELECT * FROM g ORDER BY ' || string_agg(k.pos::text, ', ' ORDER BY k.pos) END
      INTO keys
      FROM (VALUES (1, trunc IS NOT NULL), (2, 'department' = ANY (group_by)), (3, 'agent' = ANY (group_by)),
                   (4, 'level' = ANY (group_by)), (5, 'metric' = ANY (group_by))) k(pos, chosen)
     WHERE k.chosen;
    -- a materialized CTE: the grouping is done before, and apart from, the sort of its result
    query := format($q$
        WITH g AS MATERIALIZED (
        SELECT %1$s, %2$s, %3$s, %4$s, %5$s,
               count(*) FILTER (WHERE c.state = 'met'),
               @extschema@.avg(%6$s) FILTER (WHERE c.state = 'met'), @extschema@.max(%6$s) FILTER (WHERE c.state = 'met'),
               @extschema@.min(%6$s) FILTER (WHERE c.state = 'met'), avg(%7$s) FILTER (WHERE c.state = 'met'),
               count(*) FILTER (WHERE c.state <> 'met'),
               @extschema@.avg(%6$s) FILTER (WHERE c.state <> 'met'), @extschema@.max(%6$s) FILTER (WHERE c.state <> 'met'),
               @extschema@.min(%6$s) FILTER (WHERE c.state <> 'met'), avg(%7$s) FILTER (WHERE c.state <> 'met'),
               round(100.0 * count(*) FILTER (WHERE c.state = 'met') / count(*), 2)
          FROM @extschema@.clock c %8$s %9$s
         WHERE c.decided_at >= $1 AND c.decided_at < $2
           AND (c.state IN ('met', 'breached') OR (c.state IN ('running', 'paused') AND c.due_at < least($3, $2)))
           %10$s %11$s %12$s %13$s
         %14$s$q$,
        period_expr,
        CASE WHEN 'department' = ANY (group_by) THEN 'c.department' ELSE 'NULL::text' END,
        CASE WHEN 'agent' = ANY (group_by) THEN 'c.agent' ELSE 'NULL::text' END,
        CASE WHEN 'level' = ANY (group_by) THEN 'l.name' ELSE 'NULL::text' END,
        CASE WHEN 'metric' = ANY (group_by) THEN 'c.metric' ELSE 'NULL::@extschema@.metric' END,
        used, cal_used,
        CASE WHEN 'level' = ANY (group_by) OR only_level IS NOT NULL
             THEN 'JOIN @extschema@.level l ON l.id = c.level_id' ELSE '' END,
        CASE WHEN trunc IS NOT NULL AND time_zone IS NULL
             THEN 'JOIN @extschema@.calendar k ON k.id = c.calendar_id' ELSE '' END,
        CASE WHEN only_department IS NOT NULL THEN 'AND c.department = $5' ELSE '' END,
        CASE WHEN only_agent IS NOT NULL THEN 'AND c.agent = $6' ELSE '' END,
        CASE WHEN only_level IS NOT NULL THEN 'AND l.name = $7' ELSE '' END,
        CASE WHEN only_metric IS NOT NULL THEN 'AND c.metric = $8' ELSE '' END,
        keys);
    RETURN QUERY EXECUTE query
        USING from_time, to_time, as_of, time_zone, only_department, only_agent, only_level, only_metric;
END
$$;
COMMENT ON FUNCTION @extschema@.compliance_report(timestamptz, timestamptz, text[], text, text, text, text, @extschema@.metric, timestamptz) IS
    'SLA compliance for clocks decided in [from_time, to_time): met and failed counts, business time (avg/max/min) and calendar time (avg) used, compliance %, grouped by day/week/month (in time_zone, by default each clock''s calendar zone) and by department, agent, level, metric; a running clock past its due time counts as failed at its due time';

CREATE VIEW @extschema@.compliance AS
    SELECT * FROM @extschema@.compliance_report('-infinity', 'infinity', ARRAY['day', 'department', 'level', 'metric']);
COMMENT ON VIEW @extschema@.compliance IS 'SLA compliance per day (in each clock''s calendar zone), department, level and metric (compliance_report() for other groupings, periods and zones)';
COMMENT ON COLUMN @extschema@.compliance.period IS 'the day the clocks were decided (stopped, or due for late running clocks), in each clock''s calendar zone';
COMMENT ON COLUMN @extschema@.compliance.department IS 'department holding the ticket when the clock was decided';
COMMENT ON COLUMN @extschema@.compliance.agent IS 'not grouped in this view (null); see compliance_report(group_by => ...)';
COMMENT ON COLUMN @extschema@.compliance.level IS 'SLA level the clocks were measured against';
COMMENT ON COLUMN @extschema@.compliance.metric IS 'what the clocks measure';
COMMENT ON COLUMN @extschema@.compliance.met IS 'clocks that stopped by their due time';
COMMENT ON COLUMN @extschema@.compliance.met_avg IS 'average business time used by the met clocks';
COMMENT ON COLUMN @extschema@.compliance.met_max IS 'longest business time used by a met clock';
COMMENT ON COLUMN @extschema@.compliance.met_min IS 'shortest business time used by a met clock';
COMMENT ON COLUMN @extschema@.compliance.met_avg_calendar IS 'average calendar (wall-clock) time from start to stop of the met clocks';
COMMENT ON COLUMN @extschema@.compliance.failed IS 'clocks that stopped after their due time, or still run past it';
COMMENT ON COLUMN @extschema@.compliance.failed_avg IS 'average business time used by the failed clocks (late running ones: up to now)';
COMMENT ON COLUMN @extschema@.compliance.failed_max IS 'longest business time used by a failed clock';
COMMENT ON COLUMN @extschema@.compliance.failed_min IS 'shortest business time used by a failed clock';
COMMENT ON COLUMN @extschema@.compliance.failed_avg_calendar IS 'average calendar (wall-clock) time used by the failed clocks';
COMMENT ON COLUMN @extschema@.compliance.compliance IS 'met * 100 / (met + failed), 2 decimals';
-- 91_contact_center.sql — call-centre and chat metrics (part of issue 4, "Reports"): service
-- level (answered within a threshold), average and maximum speed of answer, abandonment rate,
-- per queue, channel and hour/day/week/month, read from a host table of call/chat interactions
-- through a column mapping (sla.attach_interactions).  Nothing is added to the host table: the
-- report reads it as the caller, one query per attached table (UNION ALL), built with format().
--
-- Per contact, as of an instant as_of (events after it have not happened yet):
--   answered          answered_at <= as_of; speed of answer = answered_at - offered_at (>= 0)
--   abandoned         not answered and ended_at <= as_of; wait = ended_at - offered_at (>= 0)
--   short abandoned   abandoned with wait < short_abandon
--   waiting           neither: still in the queue as of as_of
-- Figures per group:
--   service_level     answered with speed <= answer_threshold * 100 / service_level_base, where
--                     service_level_base = offered - short abandoned - contacts still waiting
--                     whose wait so far is <= answer_threshold (not yet decided)
--   abandonment_rate  (abandoned - short abandoned) * 100 / (offered - short abandoned)

CREATE SEQUENCE @extschema@.interaction_source_id_seq AS integer;

CREATE TABLE @extschema@.interaction_source (
    id                integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.interaction_source_id_seq'),
    interaction_table regclass NOT NULL UNIQUE,
    mapping           jsonb NOT NULL,
    time_zone         text NOT NULL DEFAULT 'UTC' CHECK (@extschema@.valid_time_zone(time_zone))
);
ALTER SEQUENCE @extschema@.interaction_source_id_seq OWNED BY @extschema@.interaction_source.id;
COMMENT ON TABLE @extschema@.interaction_source IS
    'host tables of call/chat interactions the contact-centre report reads, with their validated column mappings (written by sla.attach_interactions)';
COMMENT ON COLUMN @extschema@.interaction_source.id IS 'the source id attach_interactions returns';
COMMENT ON COLUMN @extschema@.interaction_source.interaction_table IS
    'the host table: one row per contact offered to a queue';
COMMENT ON COLUMN @extschema@.interaction_source.mapping IS
    'mapping key -> column name (queue, channel, offered_at, answered_at, ended_at, agent), channel_value when there is no channel column, and "kinds": the detected kind of each mapped column';
COMMENT ON COLUMN @extschema@.interaction_source.time_zone IS 'zone of timestamp-without-time-zone columns';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.interaction_source', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.interaction_source_id_seq', '');

-- Records (or replaces) the mapping of a host table of interactions; returns its source id.
CREATE FUNCTION @extschema@.attach_interactions(interaction_table regclass, mapping jsonb,
        time_zone text DEFAULT 'UTC')
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    spec constant jsonb := '{
        "queue": ["scalar"], "channel": ["scalar"], "offered_at": ["timestamptz", "timestamp", "epoch"],
        "answered_at": ["timestamptz", "timestamp", "epoch"], "ended_at": ["timestamptz", "timestamp", "epoch"],
        "agent": ["scalar"]}';
    m jsonb := '{}';
    kinds jsonb := '{}';
    k text;
    v jsonb;
    src_id integer;
BEGIN
    IF interaction_table IS NULL OR mapping IS NULL OR jsonb_typeof(mapping) <> 'object' THEN
        RAISE EXCEPTION 'attach_interactions needs an interaction table and a JSON object mapping its columns'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT jsonb_object_keys(mapping) LOOP
        IF NOT (spec ? k OR k = 'channel_value') THEN
            RAISE EXCEPTION 'unknown interaction mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys: queue, channel, channel_value, offered_at, answered_at, ended_at, agent.';
        END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['queue', 'offered_at', 'answered_at'] LOOP
        IF NOT mapping ? k THEN
            RAISE EXCEPTION 'the interaction mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF mapping ? 'channel_value' THEN
        IF mapping ? 'channel' THEN
            RAISE EXCEPTION 'the interaction mapping names both a channel column and a channel_value'
                  USING ERRCODE = 'invalid_parameter_value',
                        HINT = 'Map channel to a column, or give channel_value for a table of one channel.';
        END IF;
        IF jsonb_typeof(mapping -> 'channel_value') <> 'string' OR mapping ->> 'channel_value' = '' THEN
            RAISE EXCEPTION 'channel_value must be a non-empty string' USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    IF attach_interactions.time_zone IS NULL THEN
        RAISE EXCEPTION 'the time zone of an interaction table must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM @extschema@.valid_time_zone(attach_interactions.time_zone);
    FOR k, v IN SELECT * FROM jsonb_each(mapping) LOOP
        CONTINUE WHEN k = 'channel_value';
        kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(interaction_table, k, v #>> '{}',
                     ARRAY(SELECT jsonb_array_elements_text(spec -> k))));
        m := m || jsonb_build_object(k, v #>> '{}');
    END LOOP;
    IF NOT m ? 'channel' THEN
        m := m || jsonb_build_object('channel_value', coalesce(mapping ->> 'channel_value', 'call'));
    END IF;
    m := m || jsonb_build_object('kinds', kinds);

    INSERT INTO @extschema@.interaction_source AS s (interaction_table, mapping, time_zone)
         VALUES (attach_interactions.interaction_table, m, attach_interactions.time_zone)
    ON CONFLICT ON CONSTRAINT interaction_source_interaction_table_key DO UPDATE
         SET mapping = EXCLUDED.mapping, time_zone = EXCLUDED.time_zone
    RETURNING s.id INTO src_id;
    RETURN src_id;
END
$$;
COMMENT ON FUNCTION @extschema@.attach_interactions(regclass, jsonb, text) IS
    'records a host table of call/chat interactions (one row per contact offered to a queue) through a column mapping for the contact-centre report; adds nothing to the table; attaching again replaces the mapping; returns the source id';

CREATE FUNCTION @extschema@.detach_interactions(interaction_table regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM @extschema@.interaction_source s WHERE s.interaction_table = detach_interactions.interaction_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached as an interaction source', interaction_table
              USING ERRCODE = 'undefined_object';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.detach_interactions(regclass) IS
    'forgets the mapping of an interaction table (the host table is not touched); the contact-centre report stops reading it';

-- The SQL expression of a mapped time column of alias t as an instant (timestamptz as is,
-- timestamp read in the source's zone, integers as Unix epoch seconds).
CREATE FUNCTION @extschema@.interaction_time_sql(mapping jsonb, field text, zone text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN NOT mapping ? field THEN 'NULL::timestamptz'
        WHEN mapping -> 'kinds' ->> field = 'timestamptz' THEN format('t.%I', mapping ->> field)
        WHEN mapping -> 'kinds' ->> field = 'timestamp' THEN format('(t.%I AT TIME ZONE %L)', mapping ->> field, zone)
        WHEN mapping -> 'kinds' ->> field = 'epoch' THEN format('pg_catalog.to_timestamp(t.%I)', mapping ->> field)
    END
$$;
COMMENT ON FUNCTION @extschema@.interaction_time_sql(jsonb, text, text) IS
    'SQL text of a mapped time column of an interaction table (alias t) as timestamptz, built with format(%I); used by contact_center_report';

CREATE FUNCTION @extschema@.contact_center_report(from_time timestamptz, to_time timestamptz,
        answer_threshold interval DEFAULT '20 seconds', period text DEFAULT 'day',
        time_zone text DEFAULT 'UTC', only_queue text DEFAULT NULL, only_channel text DEFAULT NULL,
        short_abandon interval DEFAULT '5 seconds', as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (period_start timestamp, queue text, channel text, offered bigint, answered bigint,
                   answered_in_threshold bigint, abandoned bigint, short_abandoned bigint,
                   service_level numeric, average_speed_of_answer interval, max_speed_of_answer interval,
                   abandonment_rate numeric, average_wait_abandoned interval, waiting bigint,
                   service_level_base bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    src record;
    m jsonb;
    offered_sql text;
    range_sql text;
    parts text[] := '{}';
    lo_epoch bigint;
    hi_epoch bigint;
BEGIN
    IF from_time IS NULL OR to_time IS NULL THEN
        RAISE EXCEPTION 'from_time and to_time must not be null' USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use ''-infinity'' and ''infinity'' for an open range.';
    END IF;
    IF from_time > to_time THEN
        RAISE EXCEPTION 'from_time must not be after to_time' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF answer_threshold IS NULL THEN
        RAISE EXCEPTION 'answer_threshold must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF answer_threshold < interval '0' THEN
        RAISE EXCEPTION 'answer_threshold must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF short_abandon IS NULL THEN
        RAISE EXCEPTION 'short_abandon must not be null' USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use ''0 seconds'' to count every abandoned contact.';
    END IF;
    IF short_abandon < interval '0' THEN
        RAISE EXCEPTION 'short_abandon must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF period IS NOT NULL AND period NOT IN ('hour', 'day', 'week', 'month') THEN
        RAISE EXCEPTION 'unknown report period "%"', period USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Periods: hour, day, week, month, or null for the whole range.';
    END IF;
    IF contact_center_report.time_zone IS NULL THEN
        RAISE EXCEPTION 'the report time zone must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM @extschema@.valid_time_zone(contact_center_report.time_zone);
    IF as_of IS NULL THEN
        as_of := pg_catalog.now();
    END IF;

    -- integer epoch columns are compared with integer bounds, so an index on them is used:
    -- to_timestamp(c) >= from_time <=> c >= ceil(epoch of from_time), same for to_time
    lo_epoch := CASE WHEN from_time = '-infinity' THEN -9223372036854775808
                     WHEN from_time = 'infinity' THEN 9223372036854775807
                     ELSE ceil(extract(epoch FROM from_time))::bigint END;
    hi_epoch := CASE WHEN to_time = '-infinity' THEN -9223372036854775808
                     WHEN to_time = 'infinity' THEN 9223372036854775807
                     ELSE ceil(extract(epoch FROM to_time))::bigint END;

    -- one query per attached table that still exists; the range condition is on the bare
    -- offered_at column so that an index on it serves the report
    FOR src IN SELECT s.id, s.interaction_table, s.mapping, s.time_zone
                 FROM @extschema@.interaction_source s
                WHERE EXISTS (SELECT FROM pg_class c WHERE c.oid = s.interaction_table)
                ORDER BY s.id LOOP
        m := src.mapping;
        offered_sql := @extschema@.interaction_time_sql(m, 'offered_at', src.time_zone);
        range_sql := CASE m -> 'kinds' ->> 'offered_at'
            WHEN 'timestamptz' THEN format('t.%1$I >= $1 AND t.%1$I < $2', m ->> 'offered_at')
            -- local times: an index-friendly superset (zone offsets differ by less than two
            -- days), then the exact condition on the instant
            WHEN 'timestamp' THEN format('t.%1$I >= ($1 AT TIME ZONE %2$L) - interval ''2 days'''
                                         ' AND t.%1$I < ($2 AT TIME ZONE %2$L) + interval ''2 days'''
                                         ' AND %3$s >= $1 AND %3$s < $2',
                                         m ->> 'offered_at', src.time_zone, offered_sql)
            WHEN 'epoch' THEN format('t.%1$I >= $3 AND t.%1$I < $4', m ->> 'offered_at')
        END;
        parts := parts || format(
            'SELECT t.%1$I::text AS queue, %2$s AS channel, %3$s AS offered, %4$s AS answered, %5$s AS ended'
            ' FROM %6$s AS t WHERE %7$s',
            m ->> 'queue',
            CASE WHEN m ? 'channel' THEN format('t.%I::text', m ->> 'channel')
                 ELSE format('%L::text', m ->> 'channel_value') END,
            offered_sql,
            @extschema@.interaction_time_sql(m, 'answered_at', src.time_zone),
            @extschema@.interaction_time_sql(m, 'ended_at', src.time_zone),
            src.interaction_table, range_sql);
    END LOOP;
    IF cardinality(parts) = 0 THEN
        RETURN;
    END IF;

    -- $5 as_of, $6 answer_threshold, $7 short_abandon, $8 period, $9 zone, $10 queue, $11 channel
    RETURN QUERY EXECUTE format($q$
    WITH contacts AS (
        %s
    ), judged AS (
        SELECT pg_catalog.date_trunc($8, c.offered AT TIME ZONE $9) AS p, c.queue AS q, c.channel AS ch,
               CASE WHEN c.answered <= $5 THEN greatest(c.answered - c.offered, interval '0') END AS speed,
               CASE WHEN c.answered <= $5 THEN NULL
                    WHEN c.ended <= $5 THEN greatest(c.ended - c.offered, interval '0') END AS abandon_wait,
               $5 - c.offered AS waited
          FROM contacts c
         WHERE c.offered <= $5 AND ($10::text IS NULL OR c.queue = $10) AND ($11::text IS NULL OR c.channel = $11)
    ), grouped AS (
        SELECT j.p, j.q, j.ch,
               count(*) AS n_offered,
               count(j.speed) AS n_answered,
               count(*) FILTER (WHERE j.speed <= $6) AS n_in_threshold,
               count(j.abandon_wait) AS n_abandoned,
               count(*) FILTER (WHERE j.abandon_wait < $7) AS n_short,
               count(*) FILTER (WHERE j.speed IS NULL AND j.abandon_wait IS NULL) AS n_waiting,
               count(*) FILTER (WHERE j.speed IS NULL AND j.abandon_wait IS NULL AND j.waited <= $6) AS n_undecided,
               avg(j.speed) AS asa, max(j.speed) AS max_speed, avg(j.abandon_wait) AS avg_abandon_wait
          FROM judged j
         GROUP BY j.p, j.q, j.ch
    )
    SELECT g.p, g.q, g.ch, g.n_offered, g.n_answered, g.n_in_threshold, g.n_abandoned, g.n_short,
           round(100.0 * g.n_in_threshold / nullif(g.n_offered - g.n_short - g.n_undecided, 0), 2),
           g.asa, g.max_speed,
           round(100.0 * (g.n_abandoned - g.n_short) / nullif(g.n_offered - g.n_short, 0), 2),
           g.avg_abandon_wait, g.n_waiting, g.n_offered - g.n_short - g.n_undecided
      FROM grouped g
     ORDER BY g.p, g.q, g.ch
    $q$, array_to_string(parts, E'\n        UNION ALL\n        '))
    USING from_time, to_time, lo_epoch, hi_epoch, as_of, answer_threshold, short_abandon, period,
          contact_center_report.time_zone, only_queue, only_channel;
END
$$;
COMMENT ON FUNCTION @extschema@.contact_center_report(timestamptz, timestamptz, interval, text, text, text, text, interval, timestamptz) IS
    'call-centre and chat metrics for contacts offered in [from_time, to_time) in every attached interaction table, per hour/day/week/month of offered_at in a time zone (null: the whole range), queue and channel: offered, answered, answered within answer_threshold, abandoned, short abandons (< short_abandon, left out of both rates), service level % = in threshold / (offered - short abandons - contacts still waiting no longer than the threshold), average and maximum speed of answer, abandonment rate % = (abandoned - short) / (offered - short), average wait of abandoned contacts; as seen at as_of';

CREATE VIEW @extschema@.contact_center AS
    SELECT * FROM @extschema@.contact_center_report('-infinity', 'infinity');
COMMENT ON VIEW @extschema@.contact_center IS
    'call-centre and chat metrics per UTC day, queue and channel over all time, with a 20-second answer threshold and 5-second short abandons, as of now (contact_center_report() for other thresholds, periods and zones)';
COMMENT ON COLUMN @extschema@.contact_center.period_start IS 'start of the UTC day the contacts were offered in';
COMMENT ON COLUMN @extschema@.contact_center.queue IS 'the queue or department the contacts were offered to';
COMMENT ON COLUMN @extschema@.contact_center.channel IS 'call, chat, ... (the mapped channel column or the source''s channel_value)';
COMMENT ON COLUMN @extschema@.contact_center.offered IS 'contacts offered to the queue (answered, abandoned and still waiting)';
COMMENT ON COLUMN @extschema@.contact_center.answered IS 'contacts an agent answered';
COMMENT ON COLUMN @extschema@.contact_center.answered_in_threshold IS 'contacts answered at most 20 seconds after they were offered';
COMMENT ON COLUMN @extschema@.contact_center.abandoned IS 'contacts that ended without an answer (short abandons included)';
COMMENT ON COLUMN @extschema@.contact_center.short_abandoned IS 'abandoned contacts that waited less than 5 seconds (left out of service level and abandonment rate)';
COMMENT ON COLUMN @extschema@.contact_center.service_level IS 'percent answered within 20 seconds: answered_in_threshold * 100 / service_level_base, 2 decimals; null when the base is 0';
COMMENT ON COLUMN @extschema@.contact_center.average_speed_of_answer IS 'average time from offer to answer over answered contacts (ASA)';
COMMENT ON COLUMN @extschema@.contact_center.max_speed_of_answer IS 'longest time from offer to answer';
COMMENT ON COLUMN @extschema@.contact_center.abandonment_rate IS 'percent abandoned: (abandoned - short_abandoned) * 100 / (offered - short_abandoned), 2 decimals; null when that is 0';
COMMENT ON COLUMN @extschema@.contact_center.average_wait_abandoned IS 'average time from offer to hang-up over abandoned contacts (short abandons included)';
COMMENT ON COLUMN @extschema@.contact_center.waiting IS 'contacts still waiting now: neither answered nor ended';
COMMENT ON COLUMN @extschema@.contact_center.service_level_base IS 'contacts the service level is computed over: offered - short_abandoned - contacts waiting no longer than 20 seconds so far';

CREATE FUNCTION @extschema@.contact_center_report_json(from_time timestamptz, to_time timestamptz,
        answer_threshold interval DEFAULT '20 seconds', period text DEFAULT 'day',
        time_zone text DEFAULT 'UTC', only_queue text DEFAULT NULL, only_channel text DEFAULT NULL,
        short_abandon interval DEFAULT '5 seconds', as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.period_start, r.queue, r.channel), '[]'::jsonb)
      FROM @extschema@.contact_center_report(from_time, to_time, answer_threshold, period, time_zone,
                                             only_queue, only_channel, short_abandon, as_of) r
$$;
COMMENT ON FUNCTION @extschema@.contact_center_report_json(timestamptz, timestamptz, interval, text, text, text, text, interval, timestamptz) IS
    'contact_center_report() as a JSON array (one object per group, keys = its column names, intervals as PostgreSQL interval text), for REST layers such as PostgREST';
-- 92_service_credits.sql — service credits owed under contract terms: a contract per customer
-- group (monthly fee, target compliance, credit tiers) and the credits owed per contract and
-- calendar month.
--
-- Which clocks belong to a customer group: the ticket's value of a declared attribute (by
-- default `customer_group`, sla.attribute: a SQL function of the ticket key, the same mechanism
-- rules use), called with the key as a parameter.  Which clocks count, and as met or failed:
-- exactly as in the compliance report (a met or breached clock at its stop; a running or paused
-- clock past its due time as failed at its due time; cancelled and not-yet-due clocks do not
-- count), in the calendar month of that instant in the contract's time zone.
--
-- Tiers: "if the month's compliance is below X %, credit Y % of the monthly fee".  Below is
-- strict (exactly X % is not below X %), and the deepest tier reached (the smallest X the
-- compliance is below) applies on its own: tiers are not added up.

CREATE SEQUENCE @extschema@.contract_id_seq AS integer;
CREATE TABLE @extschema@.contract (
    id                integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.contract_id_seq'),
    name              text NOT NULL UNIQUE CONSTRAINT contract_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    customer_group    text NOT NULL CONSTRAINT contract_customer_group_not_empty CHECK (customer_group OPERATOR(pg_catalog.<>) ''),
    customer_group_attribute text NOT NULL DEFAULT 'customer_group'
        CONSTRAINT contract_attribute_name CHECK (customer_group_attribute OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$'),
    monthly_fee       numeric(14, 2) NOT NULL CONSTRAINT contract_fee_not_negative CHECK (monthly_fee OPERATOR(pg_catalog.>=) 0),
    currency          text NOT NULL DEFAULT 'EUR' CONSTRAINT contract_currency_iso CHECK (currency OPERATOR(pg_catalog.~) '^[A-Z]{3}$'),
    target_compliance numeric NOT NULL CONSTRAINT contract_target_percent
        CHECK (target_compliance OPERATOR(pg_catalog.>) 0 AND target_compliance OPERATOR(pg_catalog.<=) 100),
    metrics           @extschema@.metric[] CONSTRAINT contract_metrics_not_empty
        CHECK (pg_catalog.cardinality(metrics) OPERATOR(pg_catalog.>) 0 AND pg_catalog.array_position(metrics, NULL) IS NULL),
    time_zone         text NOT NULL DEFAULT 'UTC' CHECK (@extschema@.valid_time_zone(time_zone)),
    valid_from        date NOT NULL DEFAULT '2000-01-01',
    valid_until       date,
    CONSTRAINT contract_validity_ordered CHECK (valid_until IS NULL OR valid_until OPERATOR(pg_catalog.>) valid_from),
    CONSTRAINT contract_validity_finite CHECK (pg_catalog.isfinite(valid_from) AND (valid_until IS NULL OR pg_catalog.isfinite(valid_until)))
);
ALTER SEQUENCE @extschema@.contract_id_seq OWNED BY @extschema@.contract.id;
COMMENT ON TABLE @extschema@.contract IS
    'service contracts: per customer group a monthly fee, a target compliance and credit tiers (contract_tier)';
COMMENT ON COLUMN @extschema@.contract.customer_group IS 'the value of the customer-group attribute whose tickets the contract covers';
COMMENT ON COLUMN @extschema@.contract.customer_group_attribute IS 'the declared attribute (sla.attribute) that gives a ticket''s customer group';
COMMENT ON COLUMN @extschema@.contract.monthly_fee IS 'the fee per calendar month the credits are a share of';
COMMENT ON COLUMN @extschema@.contract.currency IS 'ISO 4217 code of the fee and the credits';
COMMENT ON COLUMN @extschema@.contract.target_compliance IS 'promised compliance in percent of decided clocks met';
COMMENT ON COLUMN @extschema@.contract.metrics IS 'the metrics the contract measures (a non-empty list); null: every metric';
COMMENT ON COLUMN @extschema@.contract.time_zone IS 'the zone whose calendar months the contract is billed in';
COMMENT ON COLUMN @extschema@.contract.valid_from IS 'first day the contract applies (months overlapping its validity are reported, partial months for their covered days)';
COMMENT ON COLUMN @extschema@.contract.valid_until IS 'day the contract ends (exclusive); null: open-ended';

CREATE TABLE @extschema@.contract_tier (
    contract_id      integer NOT NULL REFERENCES @extschema@.contract (id) ON DELETE CASCADE,
    below_compliance numeric NOT NULL CONSTRAINT contract_tier_below_percent
        CHECK (below_compliance OPERATOR(pg_catalog.>) 0 AND below_compliance OPERATOR(pg_catalog.<=) 100),
    credit_percent   numeric NOT NULL CONSTRAINT contract_tier_credit_percent
        CHECK (credit_percent OPERATOR(pg_catalog.>) 0 AND credit_percent OPERATOR(pg_catalog.<=) 100),
    PRIMARY KEY (contract_id, below_compliance)
);
COMMENT ON TABLE @extschema@.contract_tier IS
    'credit tiers: when a month''s compliance is below below_compliance (strictly), credit_percent of the fee is owed; the deepest tier reached applies alone';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.contract', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contract_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contract_tier', '');

-- Upsert a contract and replace its tiers.  Tiers as {"95": 5, "90": 10} or
-- [{"below": 95, "credit_percent": 5}, ...].
CREATE FUNCTION @extschema@.define_contract(name text, customer_group text, monthly_fee numeric,
        target_compliance numeric, tiers jsonb DEFAULT '{}', currency text DEFAULT 'EUR',
        metrics @extschema@.metric[] DEFAULT NULL, time_zone text DEFAULT 'UTC',
        valid_from date DEFAULT '2000-01-01', valid_until date DEFAULT NULL,
        customer_group_attribute text DEFAULT 'customer_group')
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cid integer;
    t record;
BEGIN
    IF tiers IS NULL OR jsonb_typeof(tiers) NOT IN ('object', 'array') THEN
        RAISE EXCEPTION 'tiers of contract "%" must be a JSON object or array, not %', name, coalesce(tiers::text, 'null')
              USING ERRCODE = 'invalid_parameter_value',
                    HINT = 'Write {"95": 5, "90": 10}: below 95 % compliance 5 % of the fee, below 90 % 10 %.';
    END IF;
    INSERT INTO @extschema@.contract AS c (name, customer_group, customer_group_attribute, monthly_fee, currency,
                                           target_compliance, metrics, time_zone, valid_from, valid_until)
         VALUES (define_contract.name, define_contract.customer_group, define_contract.customer_group_attribute,
                 define_contract.monthly_fee, define_contract.currency, define_contract.target_compliance,
                 define_contract.metrics, define_contract.time_zone, define_contract.valid_from, define_contract.valid_until)
    ON CONFLICT ON CONSTRAINT contract_name_key DO UPDATE
        SET customer_group = excluded.customer_group, customer_group_attribute = excluded.customer_group_attribute,
            monthly_fee = excluded.monthly_fee, currency = excluded.currency,
            target_compliance = excluded.target_compliance, metrics = excluded.metrics,
            time_zone = excluded.time_zone, valid_from = excluded.valid_from, valid_until = excluded.valid_until
    RETURNING c.id INTO cid;
    DELETE FROM @extschema@.contract_tier x WHERE x.contract_id = cid;
    FOR t IN SELECT * FROM (
                 SELECT to_jsonb(e.key) AS below, e.value AS credit FROM jsonb_each(CASE WHEN jsonb_typeof(tiers) = 'object' THEN tiers END) e
                 UNION ALL
                 SELECT a -> 'below', a -> 'credit_percent' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(tiers) = 'array' THEN tiers END) a
             ) x LOOP
        BEGIN
            INSERT INTO @extschema@.contract_tier (contract_id, below_compliance, credit_percent)
                 VALUES (cid, (t.below #>> '{}')::numeric, (t.credit #>> '{}')::numeric);
        EXCEPTION WHEN invalid_text_representation OR null_value_not_allowed THEN
            RAISE EXCEPTION 'contract "%": tier % -> % is not a pair of percentages', name, t.below, t.credit
                  USING ERRCODE = 'invalid_text_representation',
                        HINT = 'Write {"95": 5} or [{"below": 95, "credit_percent": 5}].';
        END;
    END LOOP;
    RETURN cid;
END
$$;
COMMENT ON FUNCTION @extschema@.define_contract(text, text, numeric, numeric, jsonb, text, @extschema@.metric[], text, date, date, text) IS
    'creates or replaces a contract by name with its credit tiers ({"95": 5, "90": 10} or [{"below": 95, "credit_percent": 5}]); returns its id';

CREATE FUNCTION @extschema@.service_credits(from_month date, to_month date, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (month date, contract text, customer_group text, covered_from date, covered_until date,
                   clocks bigint, met bigint, failed bigint,
                   compliance numeric, target_compliance numeric, target_met boolean, tier_below numeric,
                   credit_percent numeric, monthly_fee numeric, billed_fee numeric, credit numeric, currency text)
    LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k record;
    fn regproc;
    argtype regtype;
    month_start timestamptz;
    month_end timestamptz;
    cover_from date;
    cover_until date;
    n_met bigint;
    n_all bigint;
BEGIN
    IF NOT isfinite(from_month) OR NOT isfinite(to_month) THEN
        RAISE EXCEPTION 'service credits from % to %: months must be finite', from_month, to_month
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF from_month > to_month THEN
        RAISE EXCEPTION 'service credits from % to %: the range ends before it starts', from_month, to_month
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT c.*, m.m::date AS mon
               FROM @extschema@.contract c
              CROSS JOIN generate_series(date_trunc('month', from_month), date_trunc('month', to_month), interval '1 month') m(m)
              WHERE c.valid_from < (m.m + interval '1 month')::date
                AND (c.valid_until IS NULL OR c.valid_until > m.m::date)
              ORDER BY m.m, c.name LOOP
        SELECT p.oid::regproc, p.proargtypes[0]::regtype INTO fn, argtype
          FROM @extschema@.attribute d JOIN pg_proc p ON p.oid = d.function::regprocedure
         WHERE d.name = k.customer_group_attribute;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'contract "%" reads customer groups from attribute "%", which is not declared', k.name,
                  k.customer_group_attribute
                  USING ERRCODE = 'undefined_object',
                        HINT = 'Declare it: INSERT INTO sla.attribute (name, type, function) VALUES (''customer_group'', ''text'', ''my_group_of(bigint)'');';
        END IF;
        -- a contract that starts or ends within the month covers only its part of it: the clocks
        -- decided then, for the same share of the fee (two contracts of one group that follow
        -- each other mid-month never count a clock twice)
        cover_from := greatest(k.mon, k.valid_from);
        cover_until := least((k.mon + interval '1 month')::date, coalesce(k.valid_until, 'infinity'::date));
        month_start := cover_from::timestamp AT TIME ZONE k.time_zone;
        month_end := cover_until::timestamp AT TIME ZONE k.time_zone;
        -- the attribute function is called by OID with the key as a parameter, once per ticket
        -- with clocks decided in the period; only its name and argument type (from the
        -- catalog) are spliced in
        EXECUTE format($q$
            WITH decided AS (
                SELECT c.ticket_key, c.state OPERATOR(pg_catalog.=) 'met' AS met
                  FROM @extschema@.clock c
                 WHERE c.decided_at >= $1 AND c.decided_at < $2
                   AND (c.state IN ('met', 'breached') OR (c.state IN ('running', 'paused') AND c.due_at < least($3, $2)))
                   AND ($4::@extschema@.metric[] IS NULL OR c.metric = ANY ($4))),
            of_group AS (
                SELECT t.ticket_key FROM (SELECT DISTINCT d.ticket_key FROM decided d) t
                 WHERE %s(t.ticket_key::%s)::text = $5)
            SELECT count(*) FILTER (WHERE d.met), count(*)
              FROM decided d JOIN of_group g ON g.ticket_key = d.ticket_key$q$, fn, argtype)
           INTO n_met, n_all
          USING month_start, month_end, as_of, k.metrics, k.customer_group;
        month := k.mon;
        contract := k.name;
        customer_group := k.customer_group;
        covered_from := cover_from;
        covered_until := cover_until;
        clocks := n_all;
        met := n_met;
        failed := n_all - n_met;
        compliance := CASE WHEN n_all > 0 THEN round(100.0 * n_met / n_all, 2) END;
        target_compliance := k.target_compliance;
        -- the same unrounded figure as the tiers: a month is never both on target and owed a
        -- credit for missing it (2 of 3 met is shown as 66.67 but is below 66.67)
        target_met := CASE WHEN n_all > 0 THEN 100.0 * n_met / n_all >= k.target_compliance END;
        -- the deepest tier reached: the smallest threshold the exact compliance is below
        SELECT t.below_compliance, t.credit_percent INTO tier_below, credit_percent
          FROM @extschema@.contract_tier t
         WHERE t.contract_id = k.id AND n_all > 0 AND 100.0 * n_met / n_all < t.below_compliance
         ORDER BY t.below_compliance LIMIT 1;
        IF NOT FOUND THEN
            tier_below := NULL;
            credit_percent := 0;
        END IF;
        monthly_fee := k.monthly_fee;
        billed_fee := round(k.monthly_fee * (cover_until - cover_from)
                            / ((k.mon + interval '1 month')::date - k.mon), 2);
        credit := round(billed_fee * credit_percent / 100, 2);
        currency := k.currency;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.service_credits(date, date, timestamptz) IS
    'credits owed per contract and calendar month (in the contract''s zone) from from_month to to_month: decided clocks of the contract''s customer group and metrics in the part of the month the contract covers, met, failed, compliance %, the deepest tier reached (strictly below its threshold) and the credit it gives on the fee for the covered days; clocks counted as in compliance_report, as of as_of';

CREATE VIEW @extschema@.service_credit AS
    SELECT * FROM @extschema@.service_credits(
        greatest((SELECT min(c.valid_from) FROM @extschema@.contract c), CURRENT_DATE - 3650), CURRENT_DATE);
COMMENT ON VIEW @extschema@.service_credit IS
    'service credits per contract and month, from the earliest contract start (at most ten years back) to this month, as of now';
COMMENT ON COLUMN @extschema@.service_credit.month IS 'the calendar month (first day), in the contract''s time zone';
COMMENT ON COLUMN @extschema@.service_credit.contract IS 'contract name';
COMMENT ON COLUMN @extschema@.service_credit.customer_group IS 'the customer group the contract covers';
COMMENT ON COLUMN @extschema@.service_credit.covered_from IS 'first day of the month the contract was valid (the month''s first day, or its valid_from)';
COMMENT ON COLUMN @extschema@.service_credit.covered_until IS 'day after the last day of the month the contract was valid (exclusive: the next month''s first day, or its valid_until)';
COMMENT ON COLUMN @extschema@.service_credit.clocks IS 'clocks of the group decided in the covered part of the month (met + failed)';
COMMENT ON COLUMN @extschema@.service_credit.met IS 'clocks that stopped by their due time';
COMMENT ON COLUMN @extschema@.service_credit.failed IS 'clocks that stopped late or still ran past their due time';
COMMENT ON COLUMN @extschema@.service_credit.compliance IS 'met * 100 / clocks, 2 decimals; null for a month without clocks';
COMMENT ON COLUMN @extschema@.service_credit.target_compliance IS 'the compliance the contract promises';
COMMENT ON COLUMN @extschema@.service_credit.target_met IS 'the unrounded compliance (met * 100 / clocks) >= target, the figure the tiers compare too; null for a month without clocks';
COMMENT ON COLUMN @extschema@.service_credit.tier_below IS 'threshold of the deepest credit tier reached; null if none';
COMMENT ON COLUMN @extschema@.service_credit.credit_percent IS 'share of the monthly fee owed, in percent (0 if no tier reached)';
COMMENT ON COLUMN @extschema@.service_credit.monthly_fee IS 'the contract''s monthly fee';
COMMENT ON COLUMN @extschema@.service_credit.billed_fee IS 'the fee for the covered days: monthly_fee * covered days / days of the month, rounded to cents (the monthly fee for a whole month)';
COMMENT ON COLUMN @extschema@.service_credit.credit IS 'the credit owed: billed_fee * credit_percent / 100, rounded to cents';
COMMENT ON COLUMN @extschema@.service_credit.currency IS 'ISO 4217 currency of fee and credit';

CREATE FUNCTION @extschema@.service_credits_json(from_month date, to_month date, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.month, r.contract), '[]'::jsonb)
      FROM @extschema@.service_credits(from_month, to_month, as_of) r
$$;
COMMENT ON FUNCTION @extschema@.service_credits_json(date, date, timestamptz) IS
    'service_credits() as one JSON array (one object per contract and month), for REST layers such as PostgREST';
-- 95_report_access.sql — where a ticket's time went, the reports as JSON for REST layers, and the
-- roles sla_reader, sla_admin and sla_writer (second part of issue 4).

-- Who held a ticket during each clock.  The ticket's holder at an instant is the values of the
-- last 'reassigned' event at or before it.  Before the ticket's first reassignment the holder is
-- the one that reassignment records as replaced (events written since the previous holder is
-- recorded), else the clock's own department/agent when the clock saw no reassignment while it
-- ran (the snapshot taken at its start), else the holder recorded by a clock of the ticket that
-- stopped by the first reassignment, else unknown (null, for events written before the previous
-- holder was recorded).  Paused stretches are not cut out: business_time counts them, paused_time says how
-- much of it the clock spent paused (from a 'paused' or 'stopped' event of the clock to its next
-- 'resumed', 'reopened' or 'cancelled' event).
CREATE FUNCTION @extschema@.time_split(ticket_table regclass, ticket_key text, time_zone text DEFAULT 'UTC',
        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (metric @extschema@.metric, cycle integer, department text, agent text,
                   stretch_start timestamptz, stretch_end timestamptz, local_start timestamp, local_end timestamp,
                   business_time @extschema@.business_interval, paused_time @extschema@.business_interval,
                   calendar_time interval)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
BEGIN
    SELECT a.id INTO att_id FROM @extschema@.attachment a WHERE a.ticket_table = time_split.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM @extschema@.valid_time_zone(time_zone);
    -- an infinite as_of would make open stretches infinite: refused the same on every major
    -- (PostgreSQL 17 has infinite intervals, 15 and 16 report an overflow)
    IF NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'time_split needs a finite as_of, not %', as_of USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH moves AS (
        SELECT e.id, e.at, e.detail ->> 'department' AS dep, e.detail ->> 'agent' AS agt,
               e.detail ->> 'from_department' AS fdep, e.detail ->> 'from_agent' AS fagt,
               e.detail ? 'from_department' AS has_from
          FROM @extschema@.event e
         WHERE e.attachment_id = att_id AND e.ticket_key = time_split.ticket_key AND e.kind = 'reassigned'
    ), origin AS (
        SELECT k.department AS dep, k.agent AS agt
          FROM @extschema@.clock k
         WHERE k.attachment_id = att_id AND k.ticket_key = time_split.ticket_key AND k.stopped_at IS NOT NULL
           AND k.stopped_at <= coalesce((SELECT min(m.at) FROM moves m), 'infinity')
         ORDER BY k.started_at, k.id LIMIT 1
    ), clocks AS (
        SELECT k.*, least(coalesce(k.stopped_at, 'infinity'), as_of) AS till
          FROM @extschema@.clock k
         WHERE k.attachment_id = att_id AND k.ticket_key = time_split.ticket_key AND k.started_at <= as_of
    ), pieces AS (
        SELECT k.id AS clock_id, k.started_at AS s, h.dep, h.agt, 0::bigint AS ord
          FROM clocks k
          CROSS JOIN LATERAL (
              SELECT x.dep, x.agt FROM (
                  SELECT m.dep, m.agt, 1 AS pref, m.at, m.id FROM moves m WHERE m.at <= k.started_at
                  UNION ALL
                  -- the holder a later reassignment records as the one it replaced
                  SELECT f.fdep, f.fagt, 2, NULL, NULL
                    FROM (SELECT m.fdep, m.fagt FROM moves m WHERE m.at > k.started_at AND m.has_from
                           ORDER BY m.at, m.id LIMIT 1) f
                  UNION ALL
                  SELECT k.department, k.agent, 3, NULL, NULL
                   WHERE NOT EXISTS (SELECT FROM moves m WHERE m.at > k.started_at
                                                         AND m.at < coalesce(k.stopped_at, 'infinity'))
                  UNION ALL
                  SELECT o.dep, o.agt, 4, NULL, NULL FROM origin o
                  UNION ALL
                  SELECT NULL, NULL, 5, NULL, NULL) x
               ORDER BY x.pref, x.at DESC, x.id DESC LIMIT 1) h
        UNION ALL
        SELECT k.id, m.at, m.dep, m.agt, m.id
          FROM clocks k JOIN moves m ON m.at > k.started_at AND m.at < k.till
    ), stretches AS (
        SELECT p.clock_id, p.dep, p.agt, p.s,
               coalesce(lead(p.s) OVER (PARTITION BY p.clock_id ORDER BY p.s, p.ord), k.till) AS e
          FROM pieces p JOIN clocks k ON k.id = p.clock_id
    ), pauses AS (
        SELECT p.clock_id, p.at AS ps,
               coalesce((SELECT min(q.at) FROM @extschema@.event q
                          WHERE q.attachment_id = att_id AND q.ticket_key = time_split.ticket_key
                            AND q.clock_id = p.clock_id AND q.kind IN ('resumed', 'reopened', 'cancelled')
                            AND (q.at, q.id) > (p.at, p.id)), 'infinity') AS pe
          FROM @extschema@.event p
         WHERE p.attachment_id = att_id AND p.ticket_key = time_split.ticket_key AND p.kind IN ('paused', 'stopped')
    )
    SELECT k.metric, k.cycle, st.dep, st.agt, st.s, st.e,
           st.s AT TIME ZONE time_split.time_zone, st.e AT TIME ZONE time_split.time_zone,
           @extschema@.business_between(st.s, st.e, k.calendar_id),
           coalesce((SELECT @extschema@.sum(@extschema@.business_between(greatest(pz.ps, st.s), least(pz.pe, st.e),
                                                                          k.calendar_id))
                       FROM pauses pz
                      WHERE pz.clock_id = k.id AND greatest(pz.ps, st.s) < least(pz.pe, st.e)),
                    '00:00:00'::@extschema@.business_interval),
           st.e OPERATOR(pg_catalog.-) st.s
      FROM stretches st JOIN clocks k ON k.id = st.clock_id
     WHERE st.e > st.s
     ORDER BY k.started_at, k.metric, k.cycle, st.s;
END
$$;
COMMENT ON FUNCTION @extschema@.time_split(regclass, text, text, timestamptz) IS
    'where a ticket''s SLA time went: per clock and per stretch in which one department/agent held the ticket, business time (paused time included, paused_time reported apart) and calendar time, clipped to the clock''s start and its stop or as_of';

CREATE FUNCTION @extschema@.sla_log_json(as_of timestamptz DEFAULT pg_catalog.now(), only_department text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.started_at, l.ticket_table::text, l.ticket, l.metric, l.cycle),
                    '[]'::jsonb)
      FROM @extschema@.sla_log_at(as_of, only_department) l
$$;
COMMENT ON FUNCTION @extschema@.sla_log_json(timestamptz, text) IS
    'the SLA log as a JSON array (one object per sla_log_at row, keys = its column names, business intervals as text), for REST layers such as PostgREST';

CREATE FUNCTION @extschema@.compliance_report_json(from_time timestamptz, to_time timestamptz,
        group_by text[] DEFAULT ARRAY['day', 'department', 'level', 'metric'], time_zone text DEFAULT 'UTC',
        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.period, r.department, r.agent, r.level, r.metric), '[]'::jsonb)
      FROM @extschema@.compliance_report(from_time, to_time, group_by, time_zone, as_of => as_of) r
$$;
COMMENT ON FUNCTION @extschema@.compliance_report_json(timestamptz, timestamptz, text[], text, timestamptz) IS
    'compliance_report() as a JSON array (one object per group, keys = its column names, business intervals as text), for REST layers such as PostgREST';

-- ------------------------------------------------------------------ roles
-- Roles belong to the cluster, not to a database: they are created when missing (a second
-- database creating the extension finds them) and DROP EXTENSION leaves them.  The privileges
-- granted here are on the extension's objects and go with them.  Nothing is SECURITY DEFINER:
-- reports and triggers run as the caller, so each role holds the table privileges its functions
-- need.  PostgreSQL grants EXECUTE on functions to PUBLIC; the grants below make the intent
-- explicit, the table and schema privileges are what gate access.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['sla_reader', 'sla_admin', 'sla_writer'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
            BEGIN
                EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object THEN
                NULL;		-- created meanwhile by another database's CREATE EXTENSION
            END;
        END IF;
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA @extschema@ TO sla_reader, sla_admin, sla_writer;

-- sla_reader: reads every table and view of the schema (the reports read clocks, events,
-- attachments, levels and calendars as the caller), changes nothing.
GRANT SELECT ON ALL TABLES IN SCHEMA @extschema@ TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.sla_log_at(timestamptz, text, timestamptz, timestamptz),
    @extschema@.compliance_report(timestamptz, timestamptz, text[], text, text, text, text, @extschema@.metric, timestamptz),
    @extschema@.clock_used(@extschema@.clock, timestamptz),
    @extschema@.time_split(regclass, text, text, timestamptz),
    @extschema@.sla_log_json(timestamptz, text),
    @extschema@.compliance_report_json(timestamptz, timestamptz, text[], text, timestamptz),
    @extschema@.business_add(timestamptz, @extschema@.business_interval, text),
    @extschema@.business_add(timestamptz, @extschema@.business_interval, integer),
    @extschema@.business_between(timestamptz, timestamptz, text),
    @extschema@.business_between(timestamptz, timestamptz, integer),
    @extschema@.is_open(timestamptz, text), @extschema@.is_open(timestamptz, integer),
    @extschema@.next_open(timestamptz, text), @extschema@.next_open(timestamptz, integer),
    @extschema@.next_close(timestamptz, text), @extschema@.next_close(timestamptz, integer),
    @extschema@.open_periods(text, timestamptz, timestamptz), @extschema@.open_periods(integer, timestamptz, timestamptz)
    TO sla_reader, sla_admin;

-- sla_admin: reads everything and edits the configuration: calendars, levels and targets,
-- rules, escalations, status mappings.  Editing a level or calendar re-targets running clocks
-- (a trigger, run as the editor), hence UPDATE on sla.clock.
GRANT INSERT, UPDATE, DELETE ON
    @extschema@.calendar, @extschema@.calendar_hours, @extschema@.calendar_holiday,
    @extschema@.calendar_special_day, @extschema@.calendar_special_hours,
    @extschema@.level, @extschema@.level_target, @extschema@.attribute, @extschema@.rule,
    @extschema@.rule_condition, @extschema@.escalation, @extschema@.status_map
    TO sla_admin;
GRANT UPDATE ON @extschema@.clock TO sla_admin;
GRANT USAGE ON SEQUENCE @extschema@.calendar_id_seq, @extschema@.level_id_seq, @extschema@.rule_id_seq,
    @extschema@.escalation_id_seq TO sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.define_calendar(text, text, text),
    @extschema@.add_holiday(text, date, text, boolean),
    @extschema@.set_special_day(text, date, text, text),
    @extschema@.map_status(regclass, text, text)
    TO sla_admin;
GRANT EXECUTE ON FUNCTION @extschema@.define_level(text, text, @extschema@.business_interval,
    @extschema@.business_interval, @extschema@.business_interval, @extschema@.business_interval,
    @extschema@.business_interval, @extschema@.business_interval, numeric, boolean) TO sla_admin;

-- sla_writer: what the ticket and message triggers need, for a helpdesk application role that
-- writes tickets and messages (the triggers run as that role).
GRANT SELECT, INSERT, UPDATE ON @extschema@.ticket, @extschema@.clock, @extschema@.event TO sla_writer;
GRANT USAGE ON SEQUENCE @extschema@.clock_id_seq, @extschema@.event_id_seq TO sla_writer;
GRANT SELECT ON
    @extschema@.attachment, @extschema@.status_map, @extschema@.calendar, @extschema@.calendar_hours,
    @extschema@.calendar_holiday, @extschema@.calendar_special_day, @extschema@.calendar_special_hours,
    @extschema@.level, @extschema@.level_target, @extschema@.attribute, @extschema@.rule,
    @extschema@.rule_condition, @extschema@.escalation
    TO sla_writer;

-- ------------------------------------------------------------------ contact centre (91_contact_center.sql)
-- Readers read the interaction mappings and run the contact-centre report (it reads the host
-- interaction tables as the caller: grant SELECT on them too); admins also record mappings.
GRANT SELECT ON @extschema@.interaction_source, @extschema@.contact_center TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.contact_center_report(timestamptz, timestamptz, interval, text, text, text, text, interval, timestamptz),
    @extschema@.contact_center_report_json(timestamptz, timestamptz, interval, text, text, text, text, interval, timestamptz),
    @extschema@.interaction_time_sql(jsonb, text, text)
    TO sla_reader, sla_admin;
GRANT INSERT, UPDATE, DELETE ON @extschema@.interaction_source TO sla_admin;
GRANT USAGE ON SEQUENCE @extschema@.interaction_source_id_seq TO sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.attach_interactions(regclass, jsonb, text),
    @extschema@.detach_interactions(regclass)
    TO sla_admin;

-- ------------------------------------------------------------------ service credits (92_service_credits.sql)
-- Readers read contracts and the credits report (SELECT on the tables came with ALL TABLES above);
-- admins also write contracts.
GRANT EXECUTE ON FUNCTION
    @extschema@.service_credits(date, date, timestamptz), @extschema@.service_credits_json(date, date, timestamptz)
    TO sla_reader, sla_admin;
GRANT INSERT, UPDATE, DELETE ON @extschema@.contract, @extschema@.contract_tier TO sla_admin;
GRANT USAGE ON SEQUENCE @extschema@.contract_id_seq TO sla_admin;
GRANT EXECUTE ON FUNCTION @extschema@.define_contract(text, text, numeric, numeric, jsonb, text, @extschema@.metric[], text, date, date, text)
    TO sla_admin;
-- 97_row_security.sql — no report bypasses the host's row-level security.
--
-- Clocks, events and per-ticket state copy a ticket's key, requester, department and agent out
-- of the host table.  When the host table has row-level security that is active for the
-- caller (row_security_active(): RLS enabled, and the caller neither owns the table nor has
-- BYPASSRLS), the caller sees the SLA rows of a ticket only if the host lets it see the
-- ticket row itself.  Every report reads these tables as the caller (nothing is SECURITY
-- DEFINER; the views call functions, which run as the caller), so the reports follow.
--
-- Members of sla_writer and sla_admin see every row: the triggers, running as the helpdesk
-- application's role, must see a ticket's clocks to move them, and an admin's edit of a level or
-- calendar re-targets every running clock that uses it.  Table owners and superusers bypass RLS as
-- always.  When no attached host table has RLS active for the caller, the check costs one small
-- query per statement (an InitPlan) and an empty-array test per row.

-- Attachments whose host table hides rows from the current user.
CREATE FUNCTION @extschema@.rls_hidden_attachments() RETURNS integer[]
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(a.id), '{}') FROM @extschema@.attachment a
     WHERE pg_catalog.row_security_active(a.ticket_table)
$$;
COMMENT ON FUNCTION @extschema@.rls_hidden_attachments() IS
    'ids of attachments whose host ticket table has row-level security active for the current user';

-- Whether the current user can see a ticket row in its host table (host RLS applies: this runs
-- as the caller).  A caller without SELECT on the host table sees none of its tickets.  In C
-- (src/host_ticket.c): the lookup is prepared once per attachment and shared with the message
-- trigger, not planned anew for every row a report reads.
-- PARALLEL SAFE: it only reads, so a reader's report can use parallel workers like the owner's.
CREATE FUNCTION @extschema@.ticket_visible(attachment_id integer, ticket_key text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'sla_ticket_visible' LANGUAGE C STRICT STABLE PARALLEL SAFE
    -- each call is an index lookup in the host table: far dearer than an operator
    COST 100;
COMMENT ON FUNCTION @extschema@.ticket_visible(integer, text) IS
    'whether the current user can see the ticket row in its host table (the host''s row-level security applies)';

-- Whether the current user may see and write the tracking rows of an attachment: always when
-- it has no writer_role, else for members of that role and of sla_admin (src/attachment_access.c).
CREATE FUNCTION @extschema@.may_write_attachment(attachment_id integer) RETURNS boolean
    AS 'MODULE_PATHNAME', 'sla_may_write_attachment' LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.may_write_attachment(integer) IS
    'whether the current user may see and write the tickets, clocks and events of an attachment (its writer_role, docs/security.md)';

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['clock', 'event', 'ticket'] LOOP
        EXECUTE format('ALTER TABLE @extschema@.%I ENABLE ROW LEVEL SECURITY', t);
        -- reading: the engine's and the admin's roles see everything; anyone else what the host shows them
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR SELECT TO sla_writer, sla_admin USING (true)', t || '_engine_and_admin_read', t);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR SELECT USING (attachment_id OPERATOR(pg_catalog.<>) ALL ((SELECT @extschema@.rls_hidden_attachments())::integer[]) OR @extschema@.ticket_visible(attachment_id, ticket_key))',
                       t || '_follows_host', t);
        -- writing is gated by table privileges alone (sla_writer, sla_admin), as before
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR INSERT WITH CHECK (true)', t || '_insert', t);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR UPDATE USING (true)', t || '_update', t);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR DELETE USING (true)', t || '_delete', t);
        -- one helpdesk's application role cannot read, move or forge another's rows
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I AS RESTRICTIVE FOR ALL TO sla_writer
                        USING (@extschema@.may_write_attachment(attachment_id))
                        WITH CHECK (@extschema@.may_write_attachment(attachment_id))', t || '_attachment_writer', t);
    END LOOP;
END
$$;

GRANT EXECUTE ON FUNCTION @extschema@.rls_hidden_attachments(), @extschema@.ticket_visible(integer, text),
    @extschema@.may_write_attachment(integer)
    TO sla_reader, sla_admin, sla_writer;
-- 99_privileges.sql — who may execute which function: the last word of the install script.
--
-- PostgreSQL grants EXECUTE on every new function to PUBLIC.  sla takes that back for all of
-- its functions and grants each one to the roles meant to call it (docs/security.md):
--
--   PUBLIC       the business_interval type (I/O, operators, aggregates, casts) and the pure
--                business-time functions: they read calendars as the caller and change nothing
--   sla_reader   the reports, the dry runs and explain (granted in 95_report_access.sql and here)
--   sla_admin    what sla_reader may, and the configuration helpers
--   sla_writer   the breach check and what it calls (the triggers themselves need no EXECUTE:
--                PostgreSQL checks it when a trigger is created, not when it fires)
--   the owner    everything else: attach, detach, backfill, the clock primitives, the
--                trigger functions
--
-- Internal functions granted to a role are those a documented function of that role calls as
-- the caller (nothing is SECURITY DEFINER); each validates its arguments and does nothing the
-- role could not do with its own table privileges.  test/pgtap/security_functions.sql lists
-- every function of the schema with the roles that may execute it.

REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA @extschema@ FROM PUBLIC;

-- The type and the business-time math: anyone who can use the schema.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
           AND (p.proname OPERATOR(pg_catalog.~) '^business_interval_'
                OR p.proname OPERATOR(pg_catalog.=) ANY (ARRAY[
                    'business_days', 'business_seconds', 'interval_to_business_interval', 'isfinite',
                    'sum', 'avg', 'min', 'max',
                    'business_add', 'business_between', 'is_open', 'next_open', 'next_close', 'open_periods',
                    'calendar_id', 'valid_time_zone', 'parse_day_hours', 'parse_weekly_hours', 'week_range']))
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
    END LOOP;
END
$$;

-- Readers and admins: the dry runs and the timeline (match_ticket reads the row's attributes
-- through ticket_attributes, as the caller).
GRANT EXECUTE ON FUNCTION
    @extschema@.explain(regclass, text),
    @extschema@.match_ticket(regclass, text, timestamptz),
    @extschema@.match_rules(jsonb, timestamptz, boolean),
    @extschema@.ticket_attributes(integer, anyelement),
    @extschema@.check_condition(text, text, jsonb)
    TO sla_reader, sla_admin;

-- Admins: recording interaction mappings validates their columns the way attach does; declaring
-- an attribute checks its function.
GRANT EXECUTE ON FUNCTION
    @extschema@.mapped_column_kind(regclass, text, text, text[]),
    @extschema@.check_function_registration(regprocedure, text)
    TO sla_admin;

-- The breach check (pg_cron runs it as the job's owner, the worker as its role) and the
-- functions it calls as its caller.
GRANT EXECUTE ON FUNCTION
    @extschema@.check_breaches(timestamptz, integer),
    @extschema@.run_escalations(bigint, text, timestamptz),
    @extschema@.escalation_column(@extschema@.attachment, @extschema@.escalation),
    @extschema@.escalation_set_column(integer, integer, text),
    @extschema@.log_event(integer, text, bigint, timestamptz, text, jsonb),
    @extschema@.retarget_clocks(integer, text, integer, timestamptz)
    TO sla_writer;

GRANT EXECUTE ON PROCEDURE @extschema@.check_breaches_in_batches(integer) TO sla_writer;

-- TRUNCATE of an attached table cancels its clocks as the truncating role (60_attachment.sql).
GRANT EXECUTE ON FUNCTION @extschema@.cancel_clock(bigint, timestamptz, text) TO sla_writer;
