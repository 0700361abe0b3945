-- compare.sql — run in the restored database with -v src='<connection string of the dumped one>':
-- every table of the schemas sla and helpdesk compared row by row with the dumped database's
-- (its rows as text under timezone UTC, EXCEPT ALL both ways, through dblink), and every
-- sequence of sla by last_value and is_called.  Prints one line per relation; fails (ON_ERROR_STOP)
-- when a relation differs, is missing, or is empty in the dump (the test would prove nothing).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET timezone = 'UTC';
SET extra_float_digits = 3;
CREATE EXTENSION IF NOT EXISTS dblink;
\o /dev/null
SELECT public.dblink_connect('restore_src', :'src');
SELECT public.dblink_exec('restore_src', 'SET timezone = ''UTC''');
SELECT public.dblink_exec('restore_src', 'SET extra_float_digits = 3');
\o

CREATE TEMP TABLE restore_compare (relation text PRIMARY KEY, kind text, dumped bigint, restored bigint,
                                   missing bigint, extra bigint);
DO $$
DECLARE
    r record;
    rows_sql text;
    res record;
BEGIN
    -- the dumped database's relations: a relation the restore lacks is an error below
    FOR r IN SELECT * FROM public.dblink('restore_src', $q$
                 SELECT format('%I.%I', n.nspname, c.relname), c.relkind::text
                   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname IN ('sla', 'helpdesk') AND c.relkind IN ('r', 'p', 'S')
                  ORDER BY 1 $q$) AS s(relation text, relkind text)
    LOOP
        IF to_regclass(r.relation) IS NULL THEN
            RAISE EXCEPTION 'the restored database has no %', r.relation;
        END IF;
        rows_sql := CASE r.relkind WHEN 'S' THEN format('SELECT format(%L, t.last_value, t.is_called) FROM %s t', '%s %s', r.relation)
                                   ELSE format('SELECT t::text FROM %s t', r.relation) END;
        EXECUTE format($q$
            WITH dumped AS (SELECT s.row FROM public.dblink('restore_src', %1$L) AS s("row" text)),
                 restored AS (%2$s)
            SELECT (SELECT count(*) FROM dumped) AS dumped, (SELECT count(*) FROM restored) AS restored,
                   (SELECT count(*) FROM (SELECT "row" FROM dumped EXCEPT ALL SELECT * FROM restored) m) AS missing,
                   (SELECT count(*) FROM (SELECT * FROM restored EXCEPT ALL SELECT "row" FROM dumped) e) AS extra
            $q$, rows_sql, rows_sql) INTO res;
        INSERT INTO restore_compare VALUES (r.relation, CASE r.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END,
                                            res.dumped, res.restored, res.missing, res.extra);
    END LOOP;
END
$$;
\o /dev/null
SELECT public.dblink_disconnect('restore_src');
\o

\pset format unaligned
\pset tuples_only on
SELECT format('restore compare: %s %s: %s rows dumped, %s restored, %s missing, %s extra%s', kind, relation, dumped,
              restored, missing, extra, CASE WHEN missing + extra > 0 THEN '  <-- DIFFERS' ELSE '' END)
  FROM restore_compare ORDER BY kind DESC, relation;
SET client_min_messages = notice;
DO $$
DECLARE
    bad text;
    empty text;
    n integer;
BEGIN
    SELECT string_agg(relation, ', ' ORDER BY relation) INTO bad FROM restore_compare WHERE missing + extra > 0;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'the restored database differs from the dumped one in: %', bad;
    END IF;
    -- every table of sla's must have had rows, or its comparison proved nothing; except
    -- sla.policy_version_pending, empty whenever no editing transaction is open (its rows live only
    -- inside their transaction, docs/policy-versions.md)
    SELECT string_agg(relation, ', ' ORDER BY relation) INTO empty FROM restore_compare
     WHERE kind = 'table' AND dumped = 0 AND relation <> 'sla.policy_version_pending';
    IF empty IS NOT NULL THEN
        RAISE EXCEPTION 'the dumped database had no rows in: % (test/restore/in_use_more.sql must fill them)', empty;
    END IF;
    SELECT count(*) INTO n FROM restore_compare;
    RAISE NOTICE 'restore compare: % relations identical, none empty', n;
END
$$;
