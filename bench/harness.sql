-- harness.sql — timing helpers: each query runs under EXPLAIN (ANALYZE, TIMING OFF) and its
-- "Execution Time" is taken (planning and client transfer excluded); baseline and ours runs are
-- interleaved, after one untimed warm-up run of each, and the medians are compared.
\set ON_ERROR_STOP on

CREATE TABLE bench.result (
    ord         serial PRIMARY KEY,
    measurement text NOT NULL,
    nrows       bigint NOT NULL,
    baseline    text NOT NULL,		-- what the baseline column is
    baseline_ms float8 NOT NULL,
    ours_ms     float8 NOT NULL,
    ratio_kind  text NOT NULL,		-- 'ours/baseline' or 'baseline/ours'
    ratio       float8 NOT NULL,
    goal_op     text,				-- '<=' or '>=', NULL: informational
    goal        float8,
    runs_baseline float8[] NOT NULL,
    runs_ours   float8[] NOT NULL
);

CREATE TABLE bench.check_result (
    ord        serial PRIMARY KEY,
    check_name text NOT NULL,
    nrows      bigint NOT NULL,
    mismatches bigint NOT NULL
);

CREATE FUNCTION bench.exec_ms(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ' || q INTO plan;
    RETURN (plan -> 0 ->> 'Execution Time')::float8;
END
$$;

CREATE FUNCTION bench.median(float8[]) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest($1) AS x
$$;

CREATE PROCEDURE bench.compare(measurement text, nrows bigint, baseline text,
                               baseline_q text, ours_q text, ratio_kind text,
                               goal_op text, goal float8, runs integer)
    LANGUAGE plpgsql AS $$
DECLARE
    a float8[] := '{}';
    o float8[] := '{}';
    ma float8;
    mo float8;
BEGIN
    PERFORM bench.exec_ms(baseline_q);	-- warm-up (buffers, caches, plans)
    PERFORM bench.exec_ms(ours_q);
    FOR r IN 1 .. runs LOOP
        a := a || bench.exec_ms(baseline_q);
        o := o || bench.exec_ms(ours_q);
    END LOOP;
    ma := bench.median(a);
    mo := bench.median(o);
    INSERT INTO bench.result (measurement, nrows, baseline, baseline_ms, ours_ms, ratio_kind, ratio,
                              goal_op, goal, runs_baseline, runs_ours)
    VALUES (measurement, nrows, baseline, ma, mo, ratio_kind,
            CASE ratio_kind WHEN 'ours/baseline' THEN mo / ma ELSE ma / mo END,
            goal_op, goal, a, o);
    RAISE NOTICE '% : baseline % ms, ours % ms', measurement, round(ma::numeric, 1), round(mo::numeric, 1);
END
$$;

CREATE FUNCTION bench.verdict(ratio float8, goal_op text, goal float8) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN goal_op IS NULL THEN 'info'
                WHEN goal_op = '<=' AND ratio <= goal THEN 'PASS'
                WHEN goal_op = '>=' AND ratio >= goal THEN 'PASS'
                ELSE 'FAIL' END
$$;

-- Cold start, in a fresh connection: the first business_add pays for reading and compiling the
-- calendar into the backend's cache; the second one finds it there.  (The library itself is
-- already loaded: the business_interval literal is parsed before execution starts.)
CREATE TABLE bench.cold (calendar text, first_ms float8, second_ms float8);
CREATE FUNCTION bench.cold_probe(calendar text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    q text := format('SELECT sla.business_add(timestamptz %L, %L, %L)',
                     '2025-03-03 10:00 Europe/Berlin', '4 hours', calendar);
    f float8;
BEGIN
    f := bench.exec_ms(q);
    INSERT INTO bench.cold VALUES (calendar, f, bench.exec_ms(q));
END
$$;
