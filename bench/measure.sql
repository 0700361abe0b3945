-- measure.sql — the measurements (run by bench/run_in_cluster.sh; psql variables :runs, :rows,
-- :sample).  One session: every calendar is compiled into this backend's cache by the warm-up
-- below before anything is timed.
\set ON_ERROR_STOP on
SET max_parallel_workers_per_gather = 0;	-- one process: stable, comparable numbers
SET jit = off;								-- no JIT compile time in the 1M-row runs
SET client_min_messages = notice;

-- Warm-up: compile the three calendars into the per-backend cache, read the table into buffers.
SELECT sla.business_add(now(), '1 hour', c) IS NOT NULL AS warm FROM unnest(ARRAY['cal', 'h0', 'h1000']) AS c;
SELECT count(*) FROM bench.t;

-- 1. business_add vs plain timestamptz + interval, same 1M (ts, duration).
CALL bench.compare('1. business_add vs ts + interval', :rows, 'ts + i',
    'SELECT count(ts + i) FROM bench.t',
    'SELECT count(sla.business_add(ts, d, ''cal'')) FROM bench.t',
    'ours/baseline', '<=', 2.0, :runs);

-- 1b. the same with the calendar given by id (no goal: shows what the by-name lookup costs).
SELECT sla.calendar_id('cal') AS cal_id \gset
CALL bench.compare('1b. business_add by calendar id vs ts + interval', :rows, 'ts + i',
    'SELECT count(ts + i) FROM bench.t',
    'SELECT count(sla.business_add(ts, d, ' || :cal_id || ')) FROM bench.t',
    'ours/baseline', NULL, NULL, :runs);

-- 2. PL/pgSQL generate_series baseline vs ours, on the same sample.
CALL bench.compare('2. PL/pgSQL baseline vs business_add', :sample, 'PL/pgSQL',
    'SELECT count(bench.baseline_business_add(ts, i, ''cal'')) FROM bench.sample',
    'SELECT count(sla.business_add(ts, d, ''cal'')) FROM bench.sample',
    'baseline/ours', '>=', 100, :runs);

-- 3. one year of business time vs one hour, same 1M instants.
CALL bench.compare('3. business_add 2080 hours vs 1 hour', :rows, 'add 1 hour',
    'SELECT count(sla.business_add(ts, ''1 hour'', ''cal'')) FROM bench.t',
    'SELECT count(sla.business_add(ts, ''2080 hours'', ''cal'')) FROM bench.t',
    'ours/baseline', '<=', 2.0, :runs);

-- 4. 1000 holidays vs none, same 1M (ts, d).
CALL bench.compare('4. 1000 holidays vs none', :rows, 'no holidays',
    'SELECT count(sla.business_add(ts, d, ''h0'')) FROM bench.t',
    'SELECT count(sla.business_add(ts, d, ''h1000'')) FROM bench.t',
    'ours/baseline', '<=', 1.2, :runs);

-- 5. business_between vs b - a (informational).
CALL bench.compare('5. business_between vs b - a', :rows, 'b - a',
    'SELECT count(b - ts) FROM bench.t',
    'SELECT count(sla.business_between(ts, b, ''cal'')) FROM bench.t',
    'ours/baseline', NULL, NULL, :runs);

-- Correctness.  The data: the three forms of each duration agree.
INSERT INTO bench.check_result (check_name, nrows, mismatches)
SELECT 'data: us = i = d for every duration', count(*),
       count(*) FILTER (WHERE extract(epoch FROM i) * 1000000 <> us OR d::interval <> i
                           OR sla.business_days(d) <> 0)
  FROM bench.t;
-- The baseline and ours must agree on the sample (d up to 40 h, both calendars
-- with holidays), and on a smaller sample for '2080 hours'; over all rows,
-- business_between(t, business_add(t, d)) = d must hold.
INSERT INTO bench.check_result (check_name, nrows, mismatches)
SELECT 'business_add = PL/pgSQL baseline, cal, sample', count(*),
       count(*) FILTER (WHERE sla.business_add(ts, d, 'cal') IS DISTINCT FROM bench.baseline_business_add(ts, i, 'cal'))
  FROM bench.sample;
INSERT INTO bench.check_result (check_name, nrows, mismatches)
SELECT 'business_add = PL/pgSQL baseline, h1000, sample', count(*),
       count(*) FILTER (WHERE sla.business_add(ts, d, 'h1000') IS DISTINCT FROM bench.baseline_business_add(ts, i, 'h1000'))
  FROM bench.sample;
INSERT INTO bench.check_result (check_name, nrows, mismatches)
SELECT 'business_add 2080 hours = PL/pgSQL baseline, cal, 100 rows', count(*),
       count(*) FILTER (WHERE sla.business_add(ts, '2080 hours', 'cal')
                              IS DISTINCT FROM bench.baseline_business_add(ts, '2080 hours', 'cal'))
  FROM (SELECT * FROM bench.sample ORDER BY id LIMIT 100) AS s;
INSERT INTO bench.check_result (check_name, nrows, mismatches)
SELECT 'business_add = PL/pgSQL baseline, cal, boundary cases', count(*),
       count(*) FILTER (WHERE sla.business_add(ts, d, 'cal') IS DISTINCT FROM bench.baseline_business_add(ts, i, 'cal'))
  FROM bench.edge;
INSERT INTO bench.check_result (check_name, nrows, mismatches)
SELECT 'business_between(t, business_add(t, d)) = d, cal, all rows', count(*),
       count(*) FILTER (WHERE sla.business_between(ts, sla.business_add(ts, d, 'cal'), 'cal') OPERATOR(sla.<>) d)
  FROM bench.t;

-- The first few disagreements with the baseline, if any, for diagnosis.
\echo 'disagreements with the baseline (calendar cal; none expected):'
SELECT s.src, s.id, s.ts, s.d, sla.business_add(s.ts, s.d, 'cal') AS ours,
       bench.baseline_business_add(s.ts, s.i, 'cal') AS baseline
  FROM (SELECT 'sample' AS src, id, ts, i, d FROM bench.sample
        UNION ALL SELECT 'boundary', id, ts, i, d FROM bench.edge) AS s
 WHERE sla.business_add(s.ts, s.d, 'cal') IS DISTINCT FROM bench.baseline_business_add(s.ts, s.i, 'cal')
 ORDER BY s.src, s.id LIMIT 10;
