--
-- function_privileges — every function of the schema and who may execute it (99_privileges.sql,
-- docs/security.md).  A new function is executable by its owner only until it is listed here
-- and granted on purpose: PUBLIC's default EXECUTE is revoked for all of them.
--
SELECT p.oid::regprocedure::text AS function,
       pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE') AS public,
       pg_catalog.has_function_privilege('sla_reader', p.oid, 'EXECUTE') AS reader,
       pg_catalog.has_function_privilege('sla_writer', p.oid, 'EXECUTE') AS writer,
       pg_catalog.has_function_privilege('sla_admin', p.oid, 'EXECUTE') AS admin
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace = 'sla'::regnamespace
 ORDER BY 1;

-- Counts, for the issue note: how many each role may call.
SELECT count(*) AS functions,
       count(*) FILTER (WHERE pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE')) AS public,
       count(*) FILTER (WHERE pg_catalog.has_function_privilege('sla_reader', p.oid, 'EXECUTE')) AS reader,
       count(*) FILTER (WHERE pg_catalog.has_function_privilege('sla_writer', p.oid, 'EXECUTE')) AS writer,
       count(*) FILTER (WHERE pg_catalog.has_function_privilege('sla_admin', p.oid, 'EXECUTE')) AS admin
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace = 'sla'::regnamespace;
