--
-- business_interval_ops — comparison and the day/hour tie rules, sorting, hashing (DISTINCT,
-- GROUP BY, hash joins, hash index), btree index use, arithmetic and its errors, aggregates;
-- for each, the infinities too.
--
\set SHOW_CONTEXT never
SET search_path = public, sla;
SET IntervalStyle = postgres;
SET extra_float_digits = 0;

-- Runs a statement and returns "SQLSTATE: message", or 'ok' when it succeeds.
CREATE FUNCTION bi_err(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Evaluates a single-value query and returns its result as text, or "SQLSTATE: message".
CREATE FUNCTION bi_val(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE query INTO r;
	RETURN r;
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- The six comparisons, including the rule that a day weighs 24 hours with ties broken by days.
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
	business_interval_cmp(a, b) AS cmp
FROM (VALUES
	('1 day'::business_interval, '23 hours'::business_interval),
	('1 day', '25 hours'),
	('1 day', '24 hours'),
	('24 hours', '1 day'),
	('1 day', '1 day'),
	('1 day', 'P1D'),
	('2 days -24:00:00', '1 day'),
	('-1 days', '-24:00:00'),
	('00:00:00', '-00:00:00.000001'),
	('1 day -00:00:00.000001', '24:00:00'),
	('01:30:00', '90 minutes'),
	('-2147483648 days -2562047788:00:54.775807', '2147483647 days 2562047788:00:54.775806')
) v(a, b);
-- -infinity < every finite value < infinity, even the extreme ones; each equals only itself.
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
	business_interval_cmp(a, b) AS cmp
FROM (VALUES
	('-infinity'::business_interval, '-2147483648 days -2562047788:00:54.775807'::business_interval),
	('-infinity', '-2147483647 days -2562047788:00:54.775808'),
	('infinity', '2147483647 days 2562047788:00:54.775806'),
	('infinity', '2147483646 days 2562047788:00:54.775807'),
	('infinity', '00:00:00'),
	('infinity', 'infinity'),
	('-infinity', '-infinity'),
	('-infinity', 'infinity')
) v(a, b);

-- Sorting follows the same order; equal-total values sort with fewer days first.
CREATE TABLE bi_ops (id int PRIMARY KEY, v business_interval);
INSERT INTO bi_ops VALUES
	(1, '1 day'), (2, '24 hours'), (3, '23:59:59.999999'), (4, '24:00:00.000001'),
	(5, '2 days -24:00:00'), (6, '-1 days'), (7, '-24 hours'), (8, '00:00:00'), (9, '1 day'),
	(10, '-2147483648 days -2562047788:00:54.775807'), (11, '2147483647 days 2562047788:00:54.775806'),
	(12, '3 days -48:00:00'), (13, NULL), (14, '90 minutes'), (15, '01:30:00'),
	(16, 'infinity'), (17, '-infinity'), (18, 'infinity');
SELECT id, v FROM bi_ops ORDER BY v, id;
SELECT id, v FROM bi_ops ORDER BY v DESC NULLS LAST, id;

-- DISTINCT and GROUP BY through hashing: structurally equal values collapse, '1 day' and
-- '24 hours' stay apart.
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT DISTINCT v FROM bi_ops;
SELECT v, count(*) FROM bi_ops GROUP BY v ORDER BY v;
RESET enable_sort;
SELECT count(DISTINCT v) AS distinct_values FROM bi_ops;
-- Equal values hash equally; the extended hash with seed 0 agrees in its low 32 bits.
SELECT bool_and(business_interval_hash(a.v) = business_interval_hash(b.v)) AS equal_hashes
FROM bi_ops a JOIN bi_ops b ON a.v = b.v;
SELECT bool_and((business_interval_hash_extended(v, 0) & 4294967295)
		= (business_interval_hash(v)::int8 & 4294967295)) AS seed0_agrees,
	count(DISTINCT business_interval_hash_extended(v, 1)) AS seeded_hashes
FROM bi_ops WHERE v IS NOT NULL;

-- Hash join and merge join.
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM bi_ops a JOIN bi_ops b ON a.v = b.v;
SELECT a.id, b.id FROM bi_ops a JOIN bi_ops b ON a.v = b.v WHERE a.id < b.id ORDER BY 1, 2;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM bi_ops a JOIN bi_ops b ON a.v = b.v;
SELECT a.id, b.id FROM bi_ops a JOIN bi_ops b ON a.v = b.v WHERE a.id < b.id ORDER BY 1, 2;
RESET enable_hashjoin;
RESET enable_nestloop;

-- btree index: index scans for ranges and equality, and min/max through the index (SORTOP).
CREATE INDEX bi_ops_v ON bi_ops (v);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM bi_ops WHERE v < '1 day' ORDER BY v;
SELECT id, v FROM bi_ops WHERE v < '1 day' AND v >= '00:00:00' ORDER BY v, id;
EXPLAIN (COSTS OFF) SELECT id FROM bi_ops WHERE v = '1 day';
SELECT id FROM bi_ops WHERE v = '1 day' ORDER BY id;
SELECT id, v FROM bi_ops WHERE v > '1000 days' ORDER BY v, id;
SELECT id FROM bi_ops WHERE v = 'infinity' ORDER BY id;
-- min and max each read one end of the index, with no aggregate over a scan.  (Counted, not
-- printed: the plan's text differs between majors, "InitPlan 1 (returns $0)" before 17,
-- "InitPlan minmax_1" and a "Replaces: MinMaxAggregate" line from 19.)
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || q;
END $$;
SELECT count(*) FILTER (WHERE p ~ 'Index Only Scan using bi_ops_v') AS forward_index_scans,
	count(*) FILTER (WHERE p ~ 'Index Only Scan Backward using bi_ops_v') AS backward_index_scans,
	count(*) FILTER (WHERE p ~ '^\s*(->\s*)?(Finalize |Partial )?Aggregate') AS aggregate_nodes
FROM pg_temp.plan_of('SELECT min(v), max(v) FROM bi_ops') AS p;
SELECT min(v), max(v) FROM bi_ops;
SELECT min(v), max(v) FROM bi_ops WHERE sla.isfinite(v);
-- A hash index answers equality too.
DROP INDEX bi_ops_v;
CREATE INDEX bi_ops_vh ON bi_ops USING hash (v);
EXPLAIN (COSTS OFF) SELECT id FROM bi_ops WHERE v = '24 hours';
SELECT id FROM bi_ops WHERE v = '24 hours' ORDER BY id;
SELECT id FROM bi_ops WHERE v = '-infinity' ORDER BY id;
RESET enable_seqscan;
RESET enable_bitmapscan;
-- A unique btree index rejects a structural duplicate but accepts '24 hours' beside '1 day'.
CREATE TABLE bi_uniq (v business_interval UNIQUE);
INSERT INTO bi_uniq VALUES ('1 day'), ('24 hours');
SELECT bi_err($$INSERT INTO bi_uniq VALUES ('P1D')$$);
INSERT INTO bi_uniq VALUES ('infinity'), ('-infinity');
SELECT bi_err($$INSERT INTO bi_uniq VALUES ('+Infinity')$$);

-- Arithmetic: days and time are added, subtracted and scaled separately.
SELECT '1 day 02:00:00'::business_interval + '23 hours' AS plus,
	'1 day'::business_interval - '2 hours' AS minus,
	- '1 day -02:00:00'::business_interval AS negated,
	'3 days 01:00:00'::business_interval * 2 AS times_two,
	2 * '3 days 01:00:00'::business_interval AS two_times,
	'3 days 01:00:00'::business_interval * 0.5 AS half,
	'3 days 01:00:00'::business_interval / 2 AS halved;
-- Rounding: days to the nearest whole day, time to the microsecond, half away from zero.
SELECT v, f, v * f AS product, v / f AS quotient
FROM (VALUES
	('1 day'::business_interval, 0.5::float8), ('-1 days', 0.5), ('1 day', 0.49),
	('3 days', 0.5), ('-3 days', 0.5), ('00:00:00.000001', 0.5), ('-00:00:00.000001', 0.5),
	('00:00:00.000003', 2), ('00:00:00.000003', -2), ('01:00:00', 3), ('00:00:01', 3),
	('2 days 10:00:00', -1), ('5 days', 0)
) v(v, f)
WHERE f <> 0
UNION ALL
SELECT '5 days', 0, '5 days'::business_interval * 0, NULL;
-- Arithmetic errors, with their SQLSTATEs.
SELECT stmt, bi_err(stmt) AS result
FROM (VALUES
	($$SELECT '2147483647 days'::sla.business_interval + '1 day'$$),
	($$SELECT '2562047788:00:54.775807'::sla.business_interval + '00:00:00.000001'$$),
	($$SELECT '-2147483648 days'::sla.business_interval - '1 day'$$),
	($$SELECT '00:00:00'::sla.business_interval - '-2562047788:00:54.775808'$$),
	($$SELECT - '-2147483648 days'::sla.business_interval$$),
	($$SELECT - '-2562047788:00:54.775808'::sla.business_interval$$),
	($$SELECT '2 days'::sla.business_interval * 2e9$$),
	($$SELECT '1 hour'::sla.business_interval * 1e300$$),
	($$SELECT '1 hour'::sla.business_interval / 1e-300$$),
	($$SELECT '1 hour'::sla.business_interval / 0$$),
	($$SELECT '1 hour'::sla.business_interval / -0.0$$),
	($$SELECT '1 hour'::sla.business_interval * 'NaN'$$),
	($$SELECT 'NaN' * '1 hour'::sla.business_interval$$),
	($$SELECT '1 hour'::sla.business_interval * 'Infinity'$$),
	($$SELECT '00:00:00'::sla.business_interval * '-Infinity'$$),
	($$SELECT '1 hour'::sla.business_interval / 'NaN'$$),
	($$SELECT '1 hour'::sla.business_interval / 'Infinity'$$),
	($$SELECT '2147483647 days'::sla.business_interval + '-1 days'$$)
) v(stmt);
-- Finite results that would be an infinity's days and microseconds are out of range.
SELECT stmt, bi_err(stmt) AS result
FROM (VALUES
	($$SELECT '2147483647 days'::sla.business_interval + '2562047788:00:54.775807'$$),
	($$SELECT '-2147483648 days'::sla.business_interval - '2562047788:00:54.775807' - '00:00:00.000001'$$),
	($$SELECT - '-2147483647 days -2562047788:00:54.775807'::sla.business_interval$$),
	($$SELECT '-2147483647 days -2562047788:00:54.775807'::sla.business_interval * -1$$),
	($$SELECT '-2147483647 days -2562047788:00:54.775807'::sla.business_interval / -1$$)
) v(stmt);

-- Infinities, as PostgreSQL 17's interval: an infinite operand gives an infinite result;
-- infinity - infinity has no value (22008).
SELECT a, b,
	bi_val(format('SELECT %L::sla.business_interval + %L::sla.business_interval', a, b)) AS plus,
	bi_val(format('SELECT %L::sla.business_interval - %L::sla.business_interval', a, b)) AS minus
FROM (VALUES
	('infinity', '1 day'), ('1 day', 'infinity'), ('-infinity', '1 day'), ('1 day', '-infinity'),
	('infinity', '-2147483648 days -2562047788:00:54.775807'),
	('-infinity', '2147483647 days 2562047788:00:54.775806'),
	('infinity', 'infinity'), ('infinity', '-infinity'), ('-infinity', 'infinity'),
	('-infinity', '-infinity')
) v(a, b);
SELECT - 'infinity'::business_interval AS neg_inf, - '-infinity'::business_interval AS neg_neg_inf;
-- * and /: the sign of the factor decides; infinity * 0 and infinity / Infinity have no value
-- (22008); a NaN factor stays invalid (22023); dividing by zero stays 22012.
SELECT v, f,
	bi_val(format('SELECT %L::sla.business_interval * %L::float8', v, f)) AS product,
	bi_val(format('SELECT %L::float8 * %L::sla.business_interval', f, v)) AS commuted,
	bi_val(format('SELECT %L::sla.business_interval / %L::float8', v, f)) AS quotient
FROM (VALUES ('infinity'), ('-infinity')) a(v),
	(VALUES ('2'), ('0.5'), ('-1'), ('1e-300'), ('-1e300'), ('Infinity'), ('-Infinity'), ('0'),
		('-0'), ('NaN')) b(f);
-- The same errors raised directly, with their details.
SELECT 'infinity'::business_interval + '-infinity';
SELECT '-infinity'::business_interval - '-infinity';
SELECT 'infinity'::business_interval * 0;
SELECT '-infinity'::business_interval / '-Infinity'::float8;
SELECT 'infinity'::business_interval * 'NaN'::float8;
SELECT 'infinity'::business_interval / 0;
-- Accessors: business_seconds ignores the days part.
SELECT v, business_days(v), business_seconds(v), isfinite(v)
FROM (VALUES ('1 day 01:30:00'::business_interval), ('-1 days +00:00:00.5'), ('24 hours'),
	('2147483647 days 2562047788:00:54.775806')) t(v);
-- The infinities: business_seconds is +-Infinity, isfinite false, business_days an error.
SELECT v, business_seconds(v), isfinite(v)
FROM (VALUES ('infinity'::business_interval), ('-infinity')) t(v);
SELECT business_days('infinity');
SELECT bi_err($$SELECT sla.business_days('-infinity')$$);
SELECT isfinite(NULL::business_interval) IS NULL AS isfinite_strict;

-- Aggregates.
SELECT sum(v), avg(v), min(v), max(v), count(v)
FROM (VALUES ('1 day'::business_interval), ('3 hours'), ('2 days 00:00:00.000001'), (NULL)) t(v);
-- sum and avg keep days and time apart; avg rounds each part half away from zero.
SELECT sum(v), avg(v)
FROM (VALUES ('1 day 00:00:00.000001'::business_interval), ('2 days 00:00:00.000002')) t(v);
SELECT sum(v), avg(v)
FROM (VALUES ('-1 days -00:00:00.000001'::business_interval), ('-2 days -00:00:00.000002')) t(v);
SELECT avg(v) FROM (VALUES ('1 day'::business_interval), ('0'), ('0')) t(v);
SELECT avg(v) FROM (VALUES ('2 days'::business_interval), ('0'), ('0')) t(v);
-- min and max use the total order: '24 hours' < '1 day'.
SELECT min(v), max(v) FROM (VALUES ('1 day'::business_interval), ('24 hours')) t(v);
-- No rows, or only NULLs: every aggregate is NULL.
SELECT sum(v) IS NULL AS sum_null, avg(v) IS NULL AS avg_null, min(v) IS NULL AS min_null,
	max(v) IS NULL AS max_null
FROM bi_ops WHERE false;
SELECT sum(v) IS NULL AS sum_null, avg(v) IS NULL AS avg_null
FROM (VALUES (NULL::business_interval)) t(v);
-- Sums are exact: intermediate totals beyond the range are fine if the result fits ...
SELECT sum(v), avg(v)
FROM (VALUES ('2562047788:00:54.775807'::business_interval), ('2562047788:00:54.775807'),
	('-2562047788:00:54.775807'), ('2147483647 days'), ('2147483646 days'), ('-2147483647 days')) t(v);
SELECT avg(v)
FROM (VALUES ('2562047788:00:54.775807'::business_interval), ('2562047788:00:54.775807')) t(v);
-- ... but a sum that does not fit is an error.
SELECT bi_err($$SELECT sum(v) FROM (VALUES ('2562047788:00:54.775807'::sla.business_interval), ('00:00:00.000001')) t(v)$$);
SELECT bi_err($$SELECT sum(v) FROM (VALUES ('2147483647 days'::sla.business_interval), ('1 day')) t(v)$$);
SELECT bi_err($$SELECT sum(v) FROM (VALUES ('-2147483648 days'::sla.business_interval), ('-1 days')) t(v)$$);
-- ... and so is a sum that is exactly an infinity's days and microseconds.
SELECT bi_err($$SELECT sum(v) FROM (VALUES ('2562047788:00:54.775807'::sla.business_interval), ('2562047788:00:54.775807'),
	('-2562047788:00:54.775807'), ('2147483647 days'), ('2147483647 days'), ('-2147483647 days')) t(v)$$);
-- Infinities, as PostgreSQL 17's interval_sum and interval_avg: any infinity makes sum and avg
-- that infinity (the finite values do not matter, even if their sum would not fit); infinities
-- of both signs are 22008.  min and max follow the order.
SELECT sum(v), avg(v), min(v), max(v), count(v)
FROM (VALUES ('1 day'::business_interval), ('infinity'), ('02:00:00'), (NULL)) t(v);
SELECT sum(v), avg(v), min(v), max(v), count(v)
FROM (VALUES ('1 day'::business_interval), ('-infinity'), ('-infinity')) t(v);
SELECT sum(v), avg(v), min(v), max(v)
FROM (VALUES ('infinity'::business_interval), (NULL)) t(v);
SELECT sum(v), avg(v)
FROM (VALUES ('2147483647 days'::business_interval), ('2147483647 days'), ('infinity')) t(v);
SELECT min(v), max(v) FROM (VALUES ('infinity'::business_interval), ('-infinity')) t(v);
SELECT bi_err($$SELECT sum(v) FROM (VALUES ('infinity'::sla.business_interval), ('1 day'), ('-infinity')) t(v)$$);
SELECT bi_err($$SELECT avg(v) FROM (VALUES ('-infinity'::sla.business_interval), ('infinity')) t(v)$$);
SELECT sum(v), avg(v) FROM (VALUES ('infinity'::business_interval)) t(v) WHERE false;
-- Window use (moving sums run the transition function per frame).
SELECT id, v, sum(v) OVER (ORDER BY id ROWS 1 PRECEDING) AS moving_sum
FROM bi_ops WHERE id BETWEEN 1 AND 6 ORDER BY id;

-- Parallel aggregation (partial states are serialised and combined) gives the serial results.
CREATE TABLE bi_big AS
	SELECT i, ('1 second'::business_interval * i) + ('1 day'::business_interval * (i % 7)) AS v
	FROM generate_series(1, 20000) i;
ANALYZE bi_big;
SELECT sum(v), avg(v), min(v), max(v) FROM bi_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT sum(v), avg(v), min(v), max(v) FROM bi_big;
SELECT sum(v), avg(v), min(v), max(v) FROM bi_big;
-- Partial states carry the infinity counts through serialisation and combination (with the
-- leader not scanning, every row goes through a worker's serialised state).
SET parallel_leader_participation = off;
INSERT INTO bi_big SELECT 0, 'infinity' FROM generate_series(1, 3);
SELECT sum(v), avg(v), min(v), max(v) FROM bi_big;
INSERT INTO bi_big VALUES (0, '-infinity');
SELECT bi_err($$SELECT sum(v) FROM bi_big$$);
SELECT min(v), max(v), count(*) FILTER (WHERE NOT isfinite(v)) AS infinities FROM bi_big;
RESET parallel_leader_participation;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- Operator properties in the catalog.
SELECT oprname, oprleft::regtype, oprright::regtype, oprresult::regtype, oprcanhash, oprcanmerge,
	oprcom::regoperator AS commutator, oprnegate::regoperator AS negator, oprrest, oprjoin
FROM pg_operator
WHERE oprnamespace = 'sla'::regnamespace
  AND oprleft IN (0, 'sla.business_interval'::regtype, 'float8'::regtype)
  AND oprright IN ('sla.business_interval'::regtype, 'float8'::regtype)
ORDER BY oprname, oprleft, oprright;

DROP TABLE bi_ops, bi_uniq, bi_big;
DROP FUNCTION bi_err(text), bi_val(text);
