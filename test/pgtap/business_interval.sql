-- business_interval.sql — pgTAP: the schema contract of the business_interval type (type,
-- functions with their volatility and strictness, operators, opclasses, casts, aggregates,
-- comments) and its behaviour, infinities included, with every error pinned to its SQLSTATE and
-- message.
BEGIN;
SET LOCAL search_path = public, sla;
SELECT plan(250);

-- ---------------------------------------------------------------------------------------------
-- Type
-- ---------------------------------------------------------------------------------------------
SELECT has_type('sla', 'business_interval', 'type sla.business_interval exists');
SELECT is((SELECT typlen::int FROM pg_type WHERE oid = 'sla.business_interval'::regtype), 16,
	'business_interval is fixed-length, 16 bytes');
SELECT is((SELECT typbyval FROM pg_type WHERE oid = 'sla.business_interval'::regtype), false,
	'business_interval is passed by reference');
SELECT is((SELECT typalign::text || typstorage::text FROM pg_type
		WHERE oid = 'sla.business_interval'::regtype), 'dp',
	'business_interval is double-aligned with plain storage');

-- ---------------------------------------------------------------------------------------------
-- Functions: IMMUTABLE everywhere; STRICT except the internal-state aggregate helpers.
-- ---------------------------------------------------------------------------------------------
SELECT has_function('sla', 'business_interval_in', ARRAY['cstring']);
SELECT volatility_is('sla', 'business_interval_in', ARRAY['cstring'], 'immutable');
SELECT is_strict('sla', 'business_interval_in', ARRAY['cstring']);
SELECT has_function('sla', 'business_interval_out', ARRAY['business_interval']);
SELECT volatility_is('sla', 'business_interval_out', ARRAY['business_interval'], 'immutable');
SELECT is_strict('sla', 'business_interval_out', ARRAY['business_interval']);
SELECT has_function('sla', 'business_interval_recv', ARRAY['internal']);
SELECT volatility_is('sla', 'business_interval_recv', ARRAY['internal'], 'immutable');
SELECT is_strict('sla', 'business_interval_recv', ARRAY['internal']);
SELECT has_function('sla', 'business_interval_send', ARRAY['business_interval']);
SELECT volatility_is('sla', 'business_interval_send', ARRAY['business_interval'], 'immutable');
SELECT is_strict('sla', 'business_interval_send', ARRAY['business_interval']);

SELECT has_function('sla', f, ARRAY['business_interval', 'business_interval'])
FROM unnest(ARRAY['business_interval_eq', 'business_interval_ne', 'business_interval_lt',
	'business_interval_le', 'business_interval_gt', 'business_interval_ge',
	'business_interval_cmp', 'business_interval_pl', 'business_interval_mi',
	'business_interval_smaller', 'business_interval_larger']) f;
SELECT volatility_is('sla', f, ARRAY['business_interval', 'business_interval'], 'immutable')
FROM unnest(ARRAY['business_interval_eq', 'business_interval_ne', 'business_interval_lt',
	'business_interval_le', 'business_interval_gt', 'business_interval_ge',
	'business_interval_cmp', 'business_interval_pl', 'business_interval_mi',
	'business_interval_smaller', 'business_interval_larger']) f;
SELECT is_strict('sla', f, ARRAY['business_interval', 'business_interval'])
FROM unnest(ARRAY['business_interval_eq', 'business_interval_ne', 'business_interval_lt',
	'business_interval_le', 'business_interval_gt', 'business_interval_ge',
	'business_interval_cmp', 'business_interval_pl', 'business_interval_mi',
	'business_interval_smaller', 'business_interval_larger']) f;

SELECT has_function('sla', f, ARRAY['business_interval'])
FROM unnest(ARRAY['business_interval_hash', 'business_interval_um',
	'business_interval_to_interval', 'business_seconds', 'business_days']) f;
SELECT volatility_is('sla', f, ARRAY['business_interval'], 'immutable')
FROM unnest(ARRAY['business_interval_hash', 'business_interval_um',
	'business_interval_to_interval', 'business_seconds', 'business_days']) f;
SELECT is_strict('sla', f, ARRAY['business_interval'])
FROM unnest(ARRAY['business_interval_hash', 'business_interval_um',
	'business_interval_to_interval', 'business_seconds', 'business_days']) f;

SELECT has_function('sla', 'business_interval_hash_extended', ARRAY['business_interval', 'bigint']);
SELECT volatility_is('sla', 'business_interval_hash_extended', ARRAY['business_interval', 'bigint'], 'immutable');
SELECT is_strict('sla', 'business_interval_hash_extended', ARRAY['business_interval', 'bigint']);
SELECT has_function('sla', 'business_interval_mul', ARRAY['business_interval', 'double precision']);
SELECT volatility_is('sla', 'business_interval_mul', ARRAY['business_interval', 'double precision'], 'immutable');
SELECT is_strict('sla', 'business_interval_mul', ARRAY['business_interval', 'double precision']);
SELECT has_function('sla', 'business_interval_mul_commuted', ARRAY['double precision', 'business_interval']);
SELECT volatility_is('sla', 'business_interval_mul_commuted', ARRAY['double precision', 'business_interval'], 'immutable');
SELECT is_strict('sla', 'business_interval_mul_commuted', ARRAY['double precision', 'business_interval']);
SELECT has_function('sla', 'business_interval_div', ARRAY['business_interval', 'double precision']);
SELECT volatility_is('sla', 'business_interval_div', ARRAY['business_interval', 'double precision'], 'immutable');
SELECT is_strict('sla', 'business_interval_div', ARRAY['business_interval', 'double precision']);
SELECT has_function('sla', 'interval_to_business_interval', ARRAY['interval']);
SELECT volatility_is('sla', 'interval_to_business_interval', ARRAY['interval'], 'immutable');
SELECT is_strict('sla', 'interval_to_business_interval', ARRAY['interval']);
SELECT function_returns('sla', 'business_seconds', ARRAY['business_interval'], 'double precision');
SELECT function_returns('sla', 'business_days', ARRAY['business_interval'], 'integer');
SELECT has_function('sla', 'isfinite', ARRAY['business_interval']);
SELECT volatility_is('sla', 'isfinite', ARRAY['business_interval'], 'immutable');
SELECT is_strict('sla', 'isfinite', ARRAY['business_interval']);
SELECT function_returns('sla', 'isfinite', ARRAY['business_interval'], 'boolean');

-- Aggregate support: the transition and combine functions create their state, so not strict.
SELECT has_function('sla', 'business_interval_accum', ARRAY['internal', 'business_interval']);
SELECT volatility_is('sla', 'business_interval_accum', ARRAY['internal', 'business_interval'], 'immutable');
SELECT isnt_strict('sla', 'business_interval_accum', ARRAY['internal', 'business_interval']);
SELECT has_function('sla', 'business_interval_combine', ARRAY['internal', 'internal']);
SELECT volatility_is('sla', 'business_interval_combine', ARRAY['internal', 'internal'], 'immutable');
SELECT isnt_strict('sla', 'business_interval_combine', ARRAY['internal', 'internal']);
SELECT has_function('sla', f, ARRAY['internal'])
FROM unnest(ARRAY['business_interval_agg_serialize', 'business_interval_sum_final',
	'business_interval_avg_final']) f;
SELECT volatility_is('sla', f, ARRAY['internal'], 'immutable')
FROM unnest(ARRAY['business_interval_agg_serialize', 'business_interval_sum_final',
	'business_interval_avg_final']) f;
SELECT is_strict('sla', f, ARRAY['internal'])
FROM unnest(ARRAY['business_interval_agg_serialize', 'business_interval_sum_final',
	'business_interval_avg_final']) f;
SELECT has_function('sla', 'business_interval_agg_deserialize', ARRAY['bytea', 'internal']);
SELECT volatility_is('sla', 'business_interval_agg_deserialize', ARRAY['bytea', 'internal'], 'immutable');
SELECT is_strict('sla', 'business_interval_agg_deserialize', ARRAY['bytea', 'internal']);

-- Every function of the type is parallel safe and documented.
SELECT is_empty($$
	SELECT p.oid::regprocedure FROM pg_proc p
	WHERE p.pronamespace = 'sla'::regnamespace
	  AND (p.proname LIKE 'business\_interval\_%' OR p.proname LIKE 'interval\_to\_business\_interval'
	       OR p.proname IN ('business_seconds', 'business_days')
	       OR (p.proname IN ('sum', 'avg', 'min', 'max', 'isfinite')
	           AND p.proargtypes[0] = 'sla.business_interval'::regtype))
	  AND (p.proparallel <> 's' OR obj_description(p.oid, 'pg_proc') IS NULL)
$$, 'business_interval functions are all PARALLEL SAFE and commented');
SELECT is((SELECT count(*)::int FROM pg_proc p
	WHERE p.pronamespace = 'sla'::regnamespace
	  AND (p.proname LIKE 'business\_interval\_%' OR p.proname = 'interval_to_business_interval'
	       OR p.proname IN ('business_seconds', 'business_days'))), 31,
	'31 business_interval support functions');
SELECT isnt(obj_description('sla.business_interval'::regtype, 'pg_type'), NULL,
	'business_interval has a comment');

-- ---------------------------------------------------------------------------------------------
-- Operators, opclasses, aggregates, casts
-- ---------------------------------------------------------------------------------------------
SELECT has_operator('business_interval', 'sla', op, 'business_interval', 'boolean',
	format('operator sla.%s(business_interval, business_interval) returns boolean', op))
FROM unnest(ARRAY['=', '<>', '<', '<=', '>', '>=']) op;
SELECT has_operator('business_interval', 'sla', op, 'business_interval', 'business_interval',
	format('operator sla.%s(business_interval, business_interval) returns business_interval', op))
FROM unnest(ARRAY['+', '-']) op;
SELECT has_leftop('sla', '-', 'business_interval', 'business_interval',
	'prefix operator sla.-(business_interval) returns business_interval');
SELECT has_operator('business_interval', 'sla', '*', 'double precision', 'business_interval',
	'operator sla.*(business_interval, double precision) returns business_interval');
SELECT has_operator('double precision', 'sla', '*', 'business_interval', 'business_interval',
	'operator sla.*(double precision, business_interval) returns business_interval');
SELECT has_operator('business_interval', 'sla', '/', 'double precision', 'business_interval',
	'operator sla./(business_interval, double precision) returns business_interval');
SELECT is_empty($$
	SELECT o.oid::regoperator FROM pg_operator o
	WHERE o.oprnamespace = 'sla'::regnamespace
	  AND 'sla.business_interval'::regtype IN (o.oprleft, o.oprright)
	  AND obj_description(o.oid, 'pg_operator') IS NULL
$$, 'every business_interval operator has a comment');
SELECT results_eq($$
	SELECT oprname::text COLLATE "default", oprcom::regoperator::text, oprnegate::regoperator::text,
		oprrest::text, oprjoin::text, oprcanhash, oprcanmerge
	FROM pg_operator
	WHERE oprnamespace = 'sla'::regnamespace AND oprresult = 'boolean'::regtype
	  AND oprleft = 'sla.business_interval'::regtype
	ORDER BY oprname
$$, $$ VALUES
	('<', '>(business_interval,business_interval)', '>=(business_interval,business_interval)',
	 'scalarltsel', 'scalarltjoinsel', false, false),
	('<=', '>=(business_interval,business_interval)', '>(business_interval,business_interval)',
	 'scalarlesel', 'scalarlejoinsel', false, false),
	('<>', '<>(business_interval,business_interval)', '=(business_interval,business_interval)',
	 'neqsel', 'neqjoinsel', false, false),
	('=', '=(business_interval,business_interval)', '<>(business_interval,business_interval)',
	 'eqsel', 'eqjoinsel', true, true),
	('>', '<(business_interval,business_interval)', '<=(business_interval,business_interval)',
	 'scalargtsel', 'scalargtjoinsel', false, false),
	('>=', '<=(business_interval,business_interval)', '<(business_interval,business_interval)',
	 'scalargesel', 'scalargejoinsel', false, false)
$$, 'comparison operators have commutators, negators, estimators, HASHES and MERGES on =');

SELECT has_opclass('sla', 'business_interval_ops', 'btree opclass sla.business_interval_ops exists');
SELECT has_opclass('sla', 'business_interval_hash_ops', 'hash opclass sla.business_interval_hash_ops exists');
SELECT results_eq($$
	SELECT m.amname::text COLLATE "default", c.opcdefault FROM pg_opclass c JOIN pg_am m ON m.oid = c.opcmethod
	WHERE c.opcintype = 'sla.business_interval'::regtype ORDER BY 1
$$, $$ VALUES ('btree', true), ('hash', true) $$, 'default btree and hash opclasses');

SELECT is_aggregate('sla', a, ARRAY['business_interval'])
FROM unnest(ARRAY['sum', 'avg', 'min', 'max']) a;
SELECT results_eq($$
	SELECT p.proname::text COLLATE "default", a.aggsortop::regoperator::text, a.aggcombinefn <> 0,
		a.aggserialfn <> 0, p.proparallel::text
	FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
	WHERE p.pronamespace = 'sla'::regnamespace
	  AND p.proargtypes[0] = 'sla.business_interval'::regtype
	ORDER BY 1
$$, $$ VALUES
	('avg', '0', true, true, 's'),
	('max', '>(business_interval,business_interval)', true, false, 's'),
	('min', '<(business_interval,business_interval)', true, false, 's'),
	('sum', '0', true, true, 's')
$$, 'aggregates: SORTOP on min/max, combine functions, serialisation for sum/avg, parallel safe');

SELECT has_cast('business_interval', 'interval', 'sla', 'business_interval_to_interval',
	'cast business_interval -> interval via sla.business_interval_to_interval');
SELECT has_cast('interval', 'business_interval', 'sla', 'interval_to_business_interval',
	'cast interval -> business_interval via sla.interval_to_business_interval');
SELECT cast_context_is('business_interval', 'interval', 'explicit');
SELECT cast_context_is('interval', 'business_interval', 'explicit');

-- ---------------------------------------------------------------------------------------------
-- Behaviour
-- ---------------------------------------------------------------------------------------------
SELECT is(v::business_interval::text, c, format('%L is read as %L', v, c))
FROM (VALUES
	('4 hours', '04:00:00'), ('1 day 2 hours 30 minutes', '1 day 02:30:00'),
	('90 min', '01:30:00'), ('5400 seconds', '01:30:00'), ('0.25 s', '00:00:00.25'),
	('1.5h', '01:30:00'), ('2d 4h', '2 days 04:00:00'), ('01:30:00', '01:30:00'),
	('1 day 01:30', '1 day 01:30:00'), ('PT4H30M', '04:30:00'), ('P2DT4H', '2 days 04:00:00'),
	('-2 hours', '-02:00:00'), ('0', '00:00:00'), ('-1 day 2 hours', '-1 days +02:00:00'),
	('1 day -02:00:00', '1 day -02:00:00'), ('30:00:00', '30:00:00'), ('PT0S', '00:00:00'),
	('0.0000005 s', '00:00:00.000001'), ('-0.0000005 s', '-00:00:00.000001')
) t(v, c);
SELECT is(v::text::business_interval, v, format('%s round-trips', v))
FROM (VALUES ('2147483647 days 2562047788:00:54.775806'::business_interval),
	('-2147483648 days -2562047788:00:54.775807'), ('-1 days +00:00:00.000001'),
	('infinity'), ('-infinity')) t(v);

SELECT ok('1 day'::business_interval > '23 hours', '1 day > 23 hours');
SELECT ok('1 day'::business_interval < '25 hours', '1 day < 25 hours');
SELECT ok('1 day'::business_interval <> '24 hours', '1 day <> 24 hours');
SELECT ok('24 hours'::business_interval < '1 day', '24 hours < 1 day (ties broken by days)');
SELECT ok('1 day'::business_interval = 'P1D', '1 day = P1D');
SELECT is(business_interval_cmp('2 days -24:00:00', '1 day'), 1, 'equal totals: more days is larger');

SELECT is('1 day 02:00:00'::business_interval + '23 hours', '1 day 25:00:00', 'addition is partwise');
SELECT is('1 day'::business_interval - '2 hours', '1 day -02:00:00', 'subtraction is partwise');
SELECT is(- '1 day -02:00:00'::business_interval, '-1 days +02:00:00', 'negation');
SELECT is('3 days 01:00:00'::business_interval * 0.5, '2 days 00:30:00',
	'multiplication rounds days half away from zero');
SELECT is(0.5 * '-3 days'::business_interval, '-2 days', 'float8 * business_interval');
SELECT is('00:00:00.000003'::business_interval / 2, '00:00:00.000002',
	'division rounds microseconds half away from zero');
SELECT is(business_seconds('1 day 01:30:00'), 5400::float8, 'business_seconds ignores days');
SELECT is(business_days('-3 days 01:30:00'), -3, 'business_days');
SELECT is('1 day 25:00:00'::business_interval::interval, '1 day 25:00:00'::interval,
	'cast to interval keeps days and time apart');
SELECT is('1 day 25:00:00'::interval::business_interval, '1 day 25:00:00',
	'cast from interval keeps days and time apart');

-- Infinities: input and output.
SELECT is(v::business_interval::text, c, format('%L is read as %L', v, c))
FROM (VALUES ('infinity', 'infinity'), ('+infinity', 'infinity'), ('-infinity', '-infinity'),
	('  INFINITY ', 'infinity'), ('-Infinity', '-infinity')) t(v, c);
SELECT is(business_interval_send('infinity'), '\x017fffffff7fffffffffffffff'::bytea,
	'infinity is sent as INT32_MAX days and INT64_MAX microseconds');
SELECT is(business_interval_send('-infinity'), '\x01800000008000000000000000'::bytea,
	'-infinity is sent as INT32_MIN days and INT64_MIN microseconds');
-- Order.
SELECT ok('-infinity'::business_interval < '-2147483648 days -2562047788:00:54.775807',
	'-infinity is below the least finite value');
SELECT ok('infinity'::business_interval > '2147483647 days 2562047788:00:54.775806',
	'infinity is above the greatest finite value');
SELECT ok('infinity'::business_interval = '+infinity', 'infinity = +infinity');
SELECT is(business_interval_cmp('-infinity', 'infinity'), -1, '-infinity < infinity');
-- Arithmetic.
SELECT is('infinity'::business_interval + '-3 days', 'infinity', 'infinity + finite = infinity');
SELECT is('1 day'::business_interval - 'infinity', '-infinity', 'finite - infinity = -infinity');
SELECT is('-infinity'::business_interval + '-infinity', '-infinity', '-infinity + -infinity = -infinity');
SELECT is('infinity'::business_interval - '-infinity', 'infinity', 'infinity - -infinity = infinity');
SELECT is(- 'infinity'::business_interval, '-infinity', 'negation swaps the infinities');
SELECT is('infinity'::business_interval * -0.5, '-infinity', 'infinity * negative = -infinity');
SELECT is('-infinity'::business_interval * 'Infinity'::float8, '-infinity',
	'-infinity * Infinity = -infinity');
SELECT is('-infinity'::business_interval / -2, 'infinity', '-infinity / negative = infinity');
-- Accessors and isfinite.
SELECT is(business_seconds('infinity'), 'Infinity'::float8, 'business_seconds(infinity) = Infinity');
SELECT is(business_seconds('-infinity'), '-Infinity'::float8, 'business_seconds(-infinity) = -Infinity');
SELECT is(isfinite('infinity'::business_interval), false, 'isfinite(infinity) is false');
SELECT is(isfinite('-infinity'::business_interval), false, 'isfinite(-infinity) is false');
SELECT is(isfinite('2147483647 days 2562047788:00:54.775806'::business_interval), true,
	'isfinite of the greatest finite value is true');
-- Aggregates.
SELECT is((SELECT sum(v) FROM (VALUES ('1 day'::business_interval), ('infinity'), ('3 hours')) t(v)),
	'infinity', 'sum with an infinity is infinity');
SELECT is((SELECT avg(v) FROM (VALUES ('1 day'::business_interval), ('-infinity')) t(v)),
	'-infinity', 'avg with a -infinity is -infinity');
SELECT is((SELECT max(v) FROM (VALUES ('1 day'::business_interval), ('infinity'), ('-infinity')) t(v)),
	'infinity', 'max with infinities');
SELECT is((SELECT min(v) FROM (VALUES ('1 day'::business_interval), ('infinity'), ('-infinity')) t(v)),
	'-infinity', 'min with infinities');
-- Casts: interval has infinities from PostgreSQL 17 only.
SELECT CASE WHEN current_setting('server_version_num')::int >= 170000
	THEN results_eq($$SELECT 'infinity'::sla.business_interval::interval::text,
			'-infinity'::sla.business_interval::interval::text$$,
		$$VALUES ('infinity'::text, '-infinity'::text)$$,
		'the infinities cast to interval''s (PostgreSQL 17)')
	ELSE throws_ok($$SELECT 'infinity'::sla.business_interval::interval$$, '22008',
		'cannot convert infinite business_interval to interval',
		'infinity cannot be cast to interval before PostgreSQL 17')
	END;
SELECT CASE WHEN current_setting('server_version_num')::int >= 170000
	THEN results_eq($$SELECT 'infinity'::interval::sla.business_interval::text,
			'-infinity'::interval::sla.business_interval::text$$,
		$$VALUES ('infinity'::text, '-infinity'::text)$$,
		'the interval infinities cast to business_interval''s (PostgreSQL 17)')
	ELSE throws_ok($$SELECT '-infinity'::sla.business_interval::interval$$, '22008',
		'cannot convert infinite business_interval to interval',
		'-infinity cannot be cast to interval before PostgreSQL 17')
	END;

SELECT is((SELECT sum(v) FROM (VALUES ('1 day'::business_interval), ('3 hours'), ('2 days')) t(v)),
	'3 days 03:00:00', 'sum');
SELECT is((SELECT avg(v) FROM (VALUES ('1 day 00:00:00.000001'::business_interval),
	('2 days 00:00:00.000002')) t(v)), '2 days 00:00:00.000002', 'avg rounds each part');
SELECT is((SELECT min(v) FROM (VALUES ('1 day'::business_interval), ('24 hours')) t(v)),
	'24 hours', 'min');
SELECT is((SELECT max(v) FROM (VALUES ('1 day'::business_interval), ('24 hours')) t(v)),
	'1 day', 'max');
SELECT is((SELECT avg(v) FROM (VALUES ('1 day'::business_interval)) t(v) WHERE false), NULL,
	'avg of no rows is NULL');
SELECT is((SELECT sum(v) FROM (VALUES ('1 day'::business_interval)) t(v) WHERE false), NULL,
	'sum of no rows is NULL');

-- Errors: SQLSTATE and message pinned.
SELECT throws_ok($$SELECT ''::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: ""', 'empty input');
SELECT throws_ok($$SELECT 'garbage'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "garbage"', 'garbage');
SELECT throws_ok($$SELECT '4 hours x'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "4 hours x"', 'trailing junk');
SELECT throws_ok($$SELECT 'hours'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "hours"', 'unit without number');
SELECT throws_ok($$SELECT '1 hour 2 hours'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "1 hour 2 hours"', 'repeated unit');
SELECT throws_ok($$SELECT '01:60'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "01:60"', 'minutes >= 60 in a time item');
SELECT throws_ok($$SELECT '1.5 days'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "1.5 days"', 'fractional days');
SELECT throws_ok($$SELECT 'P1.5D'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "P1.5D"', 'fractional ISO days');
SELECT throws_ok($$SELECT '2 weeks'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "2 weeks"', 'weeks');
SELECT throws_ok($$SELECT '1 month'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "1 month"', 'months');
SELECT throws_ok($$SELECT 'P1Y'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "P1Y"', 'ISO years');
SELECT throws_ok($$SELECT 'P'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "P"', 'P alone');
SELECT throws_ok($$SELECT 'PT'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "PT"', 'PT alone');
SELECT throws_ok($$SELECT 'PT1H2H'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "PT1H2H"', 'duplicate ISO designator');
SELECT throws_ok($$SELECT '2147483648 days'::sla.business_interval$$, '22008',
	'business_interval out of range', 'days overflow on input');
SELECT throws_ok($$SELECT '2562047789 hours'::sla.business_interval$$, '22008',
	'business_interval out of range', 'microseconds overflow on input');
SELECT throws_ok($$SELECT '2147483647 days'::sla.business_interval + '1 day'$$, '22008',
	'business_interval out of range', 'addition overflow');
SELECT throws_ok($$SELECT '-2147483648 days'::sla.business_interval - '1 day'$$, '22008',
	'business_interval out of range', 'subtraction overflow');
SELECT throws_ok($$SELECT - '-2562047788:00:54.775808'::sla.business_interval$$, '22008',
	'business_interval out of range', 'negation overflow');
SELECT throws_ok($$SELECT '1 hour'::sla.business_interval * 1e300$$, '22008',
	'business_interval out of range', 'multiplication overflow');
SELECT throws_ok($$SELECT '1 hour'::sla.business_interval / 0$$, '22012',
	'division by zero', 'division by zero');
SELECT throws_ok($$SELECT '1 hour'::sla.business_interval * 'NaN'::float8$$, '22023',
	'value out of range for business_interval factor: "NaN"', 'NaN factor');
SELECT throws_ok($$SELECT '1 hour'::sla.business_interval / '-Infinity'::float8$$, '22023',
	'value out of range for business_interval divisor: "-Infinity"', 'infinite divisor');
SELECT throws_ok($$SELECT sum(v) FROM (VALUES ('2147483647 days'::sla.business_interval), ('1 day')) t(v)$$,
	'22008', 'business_interval out of range', 'sum overflow');
SELECT throws_ok($$SELECT '1 mon'::interval::sla.business_interval$$, '22023',
	'cannot convert interval with months to business_interval', 'cast from interval with months');

-- Errors of the infinities.
SELECT throws_ok($$SELECT 'infinity 1 h'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "infinity 1 h"', 'infinity stands alone');
SELECT throws_ok($$SELECT 'inf'::sla.business_interval$$, '22P02',
	'invalid input syntax for type business_interval: "inf"', 'inf is not infinity');
SELECT throws_ok($$SELECT '2147483647 days 2562047788:00:54.775807'::sla.business_interval$$, '22008',
	'business_interval out of range', 'finite input with the pair of infinity');
SELECT throws_ok($$SELECT '-2147483648 days -2562047788:00:54.775808'::sla.business_interval$$, '22008',
	'business_interval out of range', 'finite input with the pair of -infinity');
SELECT throws_ok($$SELECT '2147483647 days'::sla.business_interval + '2562047788:00:54.775807'$$, '22008',
	'business_interval out of range', 'finite sum with the pair of infinity');
SELECT throws_ok($$SELECT - '-2147483647 days -2562047788:00:54.775807'::sla.business_interval$$, '22008',
	'business_interval out of range', 'finite negation with the pair of infinity');
SELECT throws_ok($$SELECT 'infinity'::sla.business_interval + '-infinity'$$, '22008',
	'business_interval out of range', 'infinity + -infinity');
SELECT throws_ok($$SELECT 'infinity'::sla.business_interval - 'infinity'$$, '22008',
	'business_interval out of range', 'infinity - infinity');
SELECT throws_ok($$SELECT '-infinity'::sla.business_interval * 0$$, '22008',
	'business_interval out of range', '-infinity * 0');
SELECT throws_ok($$SELECT 'infinity'::sla.business_interval / 'Infinity'::float8$$, '22008',
	'business_interval out of range', 'infinity / Infinity');
SELECT throws_ok($$SELECT 'infinity'::sla.business_interval * 'NaN'::float8$$, '22023',
	'value out of range for business_interval factor: "NaN"', 'infinity * NaN');
SELECT throws_ok($$SELECT '-infinity'::sla.business_interval / 0$$, '22012',
	'division by zero', '-infinity / 0');
SELECT throws_ok($$SELECT '1 hour'::sla.business_interval * 'Infinity'::float8$$, '22023',
	'value out of range for business_interval factor: "Infinity"', 'finite * Infinity stays an error');
SELECT throws_ok($$SELECT sla.business_days('infinity')$$, '22008',
	'cannot take business_days of infinite business_interval', 'business_days(infinity)');
SELECT throws_ok($$SELECT sum(v) FROM (VALUES ('infinity'::sla.business_interval), ('-infinity')) t(v)$$,
	'22008', 'business_interval out of range', 'sum of infinities of both signs');
SELECT throws_ok($$SELECT avg(v) FROM (VALUES ('-infinity'::sla.business_interval), ('1 day'), ('infinity')) t(v)$$,
	'22008', 'business_interval out of range', 'avg of infinities of both signs');
SELECT throws_ok($$SELECT '2147483647 days 2562047788:00:54.775807'::interval::sla.business_interval$$,
	'22008', 'business_interval out of range', 'cast from an interval with the pair of infinity');

SELECT * FROM finish();
ROLLBACK;
