-- report.sql — prints the results (aligned, then as a Markdown table for docs/benchmarks.md).
\set ON_ERROR_STOP on
\pset footer off
\echo
\echo '== results (median of the timed runs; EXPLAIN ANALYZE execution time, TIMING OFF)'
SELECT measurement, nrows AS rows, baseline,
       round(baseline_ms::numeric, 2) AS baseline_ms, round(ours_ms::numeric, 2) AS ours_ms,
       round(ratio::numeric, 2) || CASE ratio_kind WHEN 'baseline/ours' THEN 'x faster' ELSE '' END AS ratio,
       coalesce(goal_op || ' ' || goal, '-') AS goal,
       bench.verdict(ratio, goal_op, goal) AS result
  FROM bench.result ORDER BY ord;

\echo '== per-row cost (microseconds; rows as above)'
SELECT measurement, round((1000 * baseline_ms / nrows)::numeric, 3) AS baseline_us_per_row,
       round((1000 * ours_ms / nrows)::numeric, 3) AS ours_us_per_row,
       round((1000 * (ours_ms - baseline_ms) / nrows)::numeric, 3) AS difference_us_per_row
  FROM bench.result ORDER BY ord;

\echo '== all timed runs (ms)'
SELECT measurement, runs_baseline::numeric(10,1)[] AS baseline_runs, runs_ours::numeric(10,1)[] AS ours_runs
  FROM bench.result ORDER BY ord;

\echo '== cold start: first business_add in a fresh connection (calendar read + compiled) vs the second'
SELECT calendar, count(*) AS connections,
       round(bench.median(array_agg(first_ms))::numeric, 3) AS first_call_ms,
       round(bench.median(array_agg(second_ms))::numeric, 3) AS second_call_ms
  FROM bench.cold GROUP BY calendar ORDER BY calendar;

\echo '== correctness'
SELECT check_name, nrows AS rows, mismatches, CASE WHEN mismatches = 0 THEN 'PASS' ELSE 'FAIL' END AS result
  FROM bench.check_result ORDER BY ord;

\echo '== Markdown'
\pset format unaligned
\pset tuples_only on
SELECT '| measurement | rows | baseline | baseline ms | ours ms | ratio | goal | result |';
SELECT '|---|---:|---|---:|---:|---:|---|---|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s |', measurement, nrows, baseline,
              round(baseline_ms::numeric, 2), round(ours_ms::numeric, 2),
              round(ratio::numeric, 2) || CASE ratio_kind WHEN 'baseline/ours' THEN 'x faster' ELSE '' END,
              coalesce(goal_op || ' ' || goal, '—'), bench.verdict(ratio, goal_op, goal))
  FROM bench.result ORDER BY ord;
\pset tuples_only off
\pset format aligned
