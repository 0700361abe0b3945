-- setup.sql — benchmark data and calendars (run by bench/run_in_cluster.sh; psql variables
-- :rows and :sample).  Deterministic: setseed() fixes the random data.
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS sla;
CREATE SCHEMA bench;

-- Calendars, all Europe/Berlin, mon-fri 09:00-17:00:
--   cal    30 holidays (German public holidays 2024 - March 2027)
--   h0     no holidays
--   h1000  1000 holidays spread evenly over 2020-2060 (one every ~15 days, some on weekends)
SELECT sla.define_calendar(c, 'Europe/Berlin', 'mon-fri 09:00-17:00') FROM unnest(ARRAY['cal', 'h0', 'h1000']) AS c;

CREATE TABLE bench.holiday_list (calendar text NOT NULL, day date NOT NULL, PRIMARY KEY (calendar, day));
INSERT INTO bench.holiday_list
SELECT 'cal', d::date FROM unnest(ARRAY[
    '2024-01-01', '2024-03-29', '2024-04-01', '2024-05-01', '2024-05-09', '2024-05-20', '2024-10-03', '2024-12-25', '2024-12-26',
    '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-01', '2025-05-29', '2025-06-09', '2025-10-03', '2025-12-25', '2025-12-26',
    '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-05-14', '2026-05-25', '2026-10-03', '2026-12-25', '2026-12-26',
    '2027-01-01', '2027-03-26', '2027-03-29']) AS d;
INSERT INTO bench.holiday_list
SELECT 'h1000', date '2020-01-01' + (g * 14975 / 1000) FROM generate_series(0, 999) AS g;
SELECT count(sla.add_holiday(calendar, day, 'bench')) AS holidays_added
  FROM (SELECT * FROM bench.holiday_list ORDER BY calendar, day) AS h;
SELECT c.name, count(h.day) AS holidays, min(h.day), max(h.day)
  FROM sla.calendar c LEFT JOIN sla.calendar_holiday h ON h.calendar_id = c.id
 GROUP BY c.name ORDER BY c.name;

-- :rows random instants in [2024-01-01, 2028-01-01) Berlin time and random durations in
-- [0, 40 h], both at microsecond precision.  The same duration is kept three ways: us (bigint),
-- i (interval, time part only) and d (sla.business_interval).  b = ts + up to 14 days (wall),
-- the second instant for business_between.
SELECT setseed(0.20240101) AS seed \gset
CREATE TABLE bench.t (
    id integer PRIMARY KEY,
    ts timestamptz NOT NULL,
    us bigint NOT NULL,
    i  interval NOT NULL,
    d  sla.business_interval NOT NULL,
    b  timestamptz NOT NULL
);
INSERT INTO bench.t (id, ts, us, i, d, b)
SELECT id, ts, us, i, i::sla.business_interval, b
  FROM (SELECT g AS id,
               timestamptz '2024-01-01 00:00:00 Europe/Berlin'
                   + (random() * 126230400e6)::bigint * interval '1 microsecond' AS ts,
               (random() * 144000e6)::bigint AS us,
               (random() * 1209600e6)::bigint AS wall
          FROM generate_series(1, :rows) AS g) AS r,
       LATERAL (SELECT r.us * interval '1 microsecond' AS i) AS x,
       LATERAL (SELECT r.ts + r.wall * interval '1 microsecond' AS b) AS y;

-- The sample for the PL/pgSQL baseline: a random subset of the same rows.
CREATE TABLE bench.sample AS SELECT * FROM bench.t ORDER BY random() LIMIT :sample;

-- Boundary cases for the correctness check: instants at, just before and just after opening
-- and closing, at night, around the 2025 DST changes, Easter and Christmas holidays, crossed
-- with amounts that end exactly at a closing time, just before or just after it.
CREATE TABLE bench.edge AS
SELECT row_number() OVER ()::integer AS id, (day::date + tod) AT TIME ZONE 'Europe/Berlin' AS ts,
       x.i, x.i::sla.business_interval AS d
  FROM (SELECT generate_series(date '2025-03-27', date '2025-04-02', interval '1 day')
       UNION ALL SELECT generate_series(date '2025-04-16', date '2025-04-22', interval '1 day')
       UNION ALL SELECT generate_series(date '2025-10-23', date '2025-10-28', interval '1 day')
       UNION ALL SELECT generate_series(date '2025-12-22', date '2025-12-29', interval '1 day')
  ) AS days(day)
  CROSS JOIN unnest(ARRAY['00:00', '02:30', '08:59:59.999999', '09:00', '12:00', '16:59:59.999999',
                          '17:00', '17:00:00.000001', '23:59:59.999999']::time[]) AS tod
  CROSS JOIN unnest(ARRAY['0', '1 microsecond', '1 hour', '07:59:59.999999', '8 hours',
                          '08:00:00.000001', '3 hours', '5 hours', '16 hours', '40 hours']::interval[]) AS x(i);

VACUUM (FREEZE, ANALYZE) bench.t;
VACUUM (FREEZE, ANALYZE) bench.sample;

SELECT pg_size_pretty(pg_table_size('bench.t')) AS table_size, count(*) AS sample_rows FROM bench.sample;
