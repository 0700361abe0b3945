
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
