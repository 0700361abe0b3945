-- snapshot.sql — one line per object of sla's state: "<what>|<rows>|<md5 of the rows>", taken
-- before and after an upgrade or a restore and compared as text.  Rows are hashed in a fixed
-- order under timezone UTC.  sla.attribute is hashed without its function column (a
-- regprocedure being changed to text; its row count is still compared).
\set ON_ERROR_STOP 1
SET timezone = 'UTC';
SET extra_float_digits = 3;
\pset format unaligned
\pset tuples_only on
WITH rows(what, r) AS (
          SELECT 'calendar', ARRAY(SELECT t::text FROM sla.calendar t)
UNION ALL SELECT 'calendar_hours', ARRAY(SELECT t::text FROM sla.calendar_hours t)
UNION ALL SELECT 'calendar_holiday', ARRAY(SELECT t::text FROM sla.calendar_holiday t)
UNION ALL SELECT 'calendar_special_day', ARRAY(SELECT t::text FROM sla.calendar_special_day t)
UNION ALL SELECT 'calendar_special_hours', ARRAY(SELECT t::text FROM sla.calendar_special_hours t)
UNION ALL SELECT 'level', ARRAY(SELECT t::text FROM sla.level t)
UNION ALL SELECT 'level_target', ARRAY(SELECT t::text FROM sla.level_target t)
UNION ALL SELECT 'attribute', ARRAY(SELECT row(t.name, t.type, t.description)::text FROM sla.attribute t)
UNION ALL SELECT 'rule', ARRAY(SELECT t::text FROM sla.rule t)
UNION ALL SELECT 'rule_condition', ARRAY(SELECT t::text FROM sla.rule_condition t)
UNION ALL SELECT 'escalation', ARRAY(SELECT t::text FROM sla.escalation t)
UNION ALL SELECT 'attachment', ARRAY(SELECT t::text FROM sla.attachment t)
UNION ALL SELECT 'status_map', ARRAY(SELECT t::text FROM sla.status_map t)
UNION ALL SELECT 'ticket', ARRAY(SELECT t::text FROM sla.ticket t)
UNION ALL SELECT 'clock', ARRAY(SELECT t::text FROM sla.clock t)
UNION ALL SELECT 'event', ARRAY(SELECT t::text FROM sla.event t)
UNION ALL SELECT 'sequences', ARRAY(SELECT format('%s %s %s %s', s.last_value, l.last_value, r.last_value, e.last_value)
            FROM sla.calendar_id_seq s, sla.level_id_seq l, sla.clock_id_seq r, sla.event_id_seq e)
UNION ALL SELECT 'host ticket', ARRAY(SELECT t::text FROM helpdesk.ticket t)
UNION ALL SELECT 'host message', ARRAY(SELECT t::text FROM helpdesk.message t)
UNION ALL SELECT 'host triggers', ARRAY(SELECT format('%s %s %s %s', g.tgrelid::regclass, g.tgname, g.tgenabled, pg_get_triggerdef(g.oid))
            FROM pg_trigger g WHERE g.tgrelid IN ('helpdesk.ticket'::regclass, 'helpdesk.message'::regclass) AND NOT g.tgisinternal)
UNION ALL SELECT 'extension', ARRAY(SELECT format('%s %s %s', e.extname, e.extversion, n.nspname)
            FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'sla')
-- the extension's members; row types and array types are left out: pg_upgrade's restore
-- (pg_dump --binary-upgrade) makes them members of their own, CREATE EXTENSION leaves them
-- dependent on their table or element type (52 more members after an upgrade, nothing else)
UNION ALL SELECT 'extension members', ARRAY(SELECT pg_describe_object(d.classid, d.objid, d.objsubid)
            FROM pg_depend d LEFT JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
           WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
             AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'sla')
             AND NOT coalesce(t.typrelid <> 0 OR t.typcategory = 'A', false))
)
SELECT what || '|' || cardinality(r) || '|'
       || md5(array_to_string(ARRAY(SELECT x FROM unnest(r) x ORDER BY x COLLATE "C"), E'\n'))
  FROM rows ORDER BY what;
