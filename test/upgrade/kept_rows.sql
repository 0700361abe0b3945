-- kept_rows.sql — whether ALTER EXTENSION sla UPDATE kept a database's rows: run with
-- -v phase=before, then update, then with -v phase=after.
--
-- before: records in schema sla_upgrade_check, for every table of the extension and of schema
--   helpdesk (in_use.sql's host tables), its columns and the row count and md5 of its rows
--   (sorted, each row as the text of those columns), and the last value of every sequence.
-- after: computes the same over the columns recorded before (an update may add columns; the
--   rows must keep the values of the old ones) and fails, naming each table that differs, if
--   anything changed: configuration, tickets, clocks (states, due dates, business time used,
--   pause totals), events, sequences, host rows.  Prints one summary line.  (The host tables'
--   triggers are update_path.sh's to compare: with those of a table attached at the new version.)
-- Timestamps are hashed under timezone UTC.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET timezone = 'UTC';
SET extra_float_digits = 3;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = postgres;

\if :{?phase}
\else
\echo 'kept_rows.sql: run with -v phase=before or -v phase=after'
\quit
\endif

SELECT :'phase' = 'before' AS recording \gset
\if :recording
DROP SCHEMA IF EXISTS sla_upgrade_check CASCADE;
CREATE SCHEMA sla_upgrade_check;
CREATE TABLE sla_upgrade_check.kept (what text PRIMARY KEY, columns text[], rows bigint, digest text);
\endif

-- The tables and sequences to compare: the extension's, and the host's; their columns as
-- recorded before (or, before, as they are).
CREATE TEMP VIEW compared AS
SELECT c.oid::regclass::text AS what, c.relkind,
       coalesce(k.columns,
                ARRAY(SELECT quote_ident(a.attname) FROM pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)) AS columns
  FROM pg_class c
  LEFT JOIN sla_upgrade_check.kept k ON k.what = c.oid::regclass::text
 WHERE (c.relkind IN ('r', 'S')
        -- a table an update replaced by a view of the same columns (0.2.0: sla.clock, sla.event,
        -- sla.ticket over the tables of each key type) is compared through the view
        OR (:'phase' = 'after' AND c.relkind = 'v'))
   AND (c.oid IN (SELECT d.objid FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
                   WHERE e.extname = 'sla' AND d.refclassid = 'pg_extension'::regclass
                     AND d.classid = 'pg_class'::regclass AND d.deptype = 'e')
        OR c.relnamespace = 'helpdesk'::regnamespace)
   AND (NOT :'phase' = 'after' OR k.what IS NOT NULL);

-- one row per table or sequence: its row count and digest now, over the compared columns
CREATE TEMP TABLE now_kept (what text PRIMARY KEY, columns text[], rows bigint, digest text);
SELECT CASE c.relkind
       WHEN 'S' THEN format('INSERT INTO now_kept SELECT %L, %L, 1, md5(last_value::text || '' '' || is_called::text) FROM %s',
                            c.what, c.columns, c.what)
       ELSE format($f$INSERT INTO now_kept SELECT %L, %L, count(*), md5(coalesce(string_agg(r, E'\n' ORDER BY r COLLATE "C"), ''))
                        FROM (SELECT ROW(%s)::text AS r FROM %s) s$f$,
                   c.what, c.columns, array_to_string(c.columns, ', '), c.what)
       END
  FROM compared c ORDER BY c.what \gexec

\if :recording
INSERT INTO sla_upgrade_check.kept SELECT * FROM now_kept;
SELECT format('kept_rows: recorded %s tables and sequences (%s rows)', count(*), sum(rows)) FROM now_kept;
\else
SET client_min_messages = notice;
\set VERBOSITY terse
DO $$
DECLARE
    lost text;
    summary text;
BEGIN
    SELECT string_agg(format('%s (%s rows before, %s after%s)', k.what, k.rows, coalesce(n.rows::text, 'gone'),
                             CASE WHEN k.rows = n.rows THEN ', other values' ELSE '' END), '; ' ORDER BY k.what)
      INTO lost
      FROM sla_upgrade_check.kept k LEFT JOIN now_kept n ON n.what = k.what
     WHERE n.digest IS DISTINCT FROM k.digest;
    IF lost IS NOT NULL THEN
        RAISE EXCEPTION 'ALTER EXTENSION sla UPDATE changed rows of: %', lost;
    END IF;
    SELECT format('%s tables and sequences kept (%s rows; clocks: %s)', count(*), sum(k.rows),
                  (SELECT string_agg(format('%s %s', n, state), ', ' ORDER BY state)
                     FROM (SELECT state, count(*) AS n FROM sla.clock GROUP BY state) s))
      INTO summary FROM sla_upgrade_check.kept k;
    RAISE NOTICE 'kept_rows: %', summary;
END
$$;
\endif
