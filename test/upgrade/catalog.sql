-- catalog.sql — a normalized, complete description of the extension sla as installed in the
-- current database, one block per object, for test/upgrade/update_path.sh to compare between a
-- fresh install and an updated older version (any difference means an upgrade script lacks a
-- step).  Names instead of OIDs everywhere; the owner of an object shown as "extension owner"
-- when it is the extension's; ACLs expanded from their defaults when NULL, with the owner named
-- "owner", so that equal privileges print equally however they came about; output independent
-- of the session's settings (search_path, DateStyle, time zone, messages' language).
--
-- What it describes: the extension (version, schema, relocatable, configuration tables with
-- their conditions), every member by pg_identify_object (so a member of a class not described
-- below still counts), the extension's schema (owner, ACL), functions and procedures (pg_get_functiondef, language,
-- volatility, strictness, parallel safety, SECURITY DEFINER, leakproof, cost, rows, settings,
-- support function, owner, ACL), aggregates (every pg_aggregate field), types (base type
-- fields, enum labels in order, domain constraints, composite attributes, ranges), relations
-- (kind, persistence, options, row-level security, replica identity, owner, ACL, inheritance,
-- partitioning), columns in order (type, collation, not null, default, identity, generated,
-- storage, options, ACL), constraints (pg_get_constraintdef and their flags), indexes
-- (pg_get_indexdef), view definitions (pg_get_viewdef), triggers (pg_get_triggerdef, enabled),
-- rules, policies, sequences (their parameters and OWNED BY), extended statistics, operators,
-- operator classes and families with their members, casts, event triggers, comments, initial
-- privileges (pg_init_privs) and default privileges in the schema.
--
-- Run with psql -X -v ON_ERROR_STOP=1 -f; needs no privilege beyond reading the catalogs.
\set ON_ERROR_STOP 1
SET search_path = pg_catalog;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = postgres;
SET TimeZone = 'UTC';
SET extra_float_digits = 1;
SET bytea_output = hex;
SET client_min_messages = warning;
\pset format unaligned
\pset tuples_only on
\pset footer off

-- An ACL as a sorted list of grantee:grantor:privilege(* when grantable), with NULL (the
-- default privileges) expanded and the object's owner written "owner".
CREATE FUNCTION pg_temp.acl_text(acl aclitem[], owner oid, kind text) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(x, ' ' ORDER BY x COLLATE "C"), '(none)')
      FROM (SELECT format('%s:%s:%s%s',
                          CASE a.grantee WHEN 0 THEN 'PUBLIC' WHEN owner THEN 'owner' ELSE a.grantee::regrole::text END,
                          CASE a.grantor WHEN owner THEN 'owner' ELSE a.grantor::regrole::text END,
                          a.privilege_type, CASE WHEN a.is_grantable THEN '*' ELSE '' END) AS x
              FROM aclexplode(coalesce(acl, acldefault(kind::"char", owner))) a) s
$$;
-- A role, written "extension owner" when it owns the extension.
CREATE FUNCTION pg_temp.owner_text(role oid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN role = e.extowner THEN 'extension owner' ELSE role::regrole::text END
      FROM pg_extension e WHERE e.extname = 'sla'
$$;
-- The extension's members: (class, object)
CREATE TEMP VIEW member AS
SELECT d.classid, d.objid
  FROM pg_depend d JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
 WHERE e.extname = 'sla' AND d.deptype = 'e';
CREATE TEMP VIEW member_rel AS
SELECT c.* FROM pg_class c JOIN member m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid;

-- ---- the extension ---------------------------------------------------------------------------
SELECT format(E'extension %s: version %s, schema %s, relocatable %s\n  configuration tables: %s',
              e.extname, e.extversion, e.extnamespace::regnamespace, e.extrelocatable,
              coalesce((SELECT string_agg(format('%s [%s]', c.rel::regclass, c.cond), ', ' ORDER BY c.rel::regclass::text COLLATE "C")
                          FROM unnest(e.extconfig, e.extcondition) c(rel, cond)), '(none)'))
  FROM pg_extension e WHERE e.extname = 'sla';

SELECT format('member %s %s', o.type, o.identity)
  FROM member m, pg_identify_object(m.classid, m.objid, 0) o
 ORDER BY 1;

-- ---- schemas ---------------------------------------------------------------------------------
-- the extension's schema (CREATE EXTENSION creates it from sla.control without making it a
-- member) and any member schema
CREATE TEMP VIEW ext_schema AS
SELECT n.* FROM pg_namespace n
 WHERE n.oid = (SELECT extnamespace FROM pg_extension WHERE extname = 'sla')
    OR n.oid IN (SELECT objid FROM member WHERE classid = 'pg_namespace'::regclass);
SELECT format('schema %s: owner %s, acl %s', n.nspname, pg_temp.owner_text(n.nspowner),
              pg_temp.acl_text(n.nspacl, n.nspowner, 'n'))
  FROM ext_schema n
 ORDER BY 1;

-- ---- functions, procedures, aggregates -------------------------------------------------------
SELECT format(E'function %s: kind %s, language %s, volatility %s, strict %s, parallel %s, security definer %s, leakproof %s, cost %s, rows %s, config %s, support %s, owner %s, acl %s\n%s',
              p.oid::regprocedure, p.prokind, l.lanname, p.provolatile, p.proisstrict, p.proparallel,
              p.prosecdef, p.proleakproof, p.procost, p.prorows, coalesce(array_to_string(p.proconfig, ', '), '(none)'),
              p.prosupport, pg_temp.owner_text(p.proowner), pg_temp.acl_text(p.proacl, p.proowner, 'f'),
              CASE WHEN p.prokind = 'a'
                   THEN format('  arguments (%s) returns %s', pg_get_function_arguments(p.oid), pg_get_function_result(p.oid))
                   ELSE pg_get_functiondef(p.oid) END)
  FROM pg_proc p JOIN member m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
  JOIN pg_language l ON l.oid = p.prolang
 ORDER BY 1;

SELECT format('aggregate %s: kind %s, direct args %s, transfn %s, finalfn %s, combinefn %s, serialfn %s, deserialfn %s, mtransfn %s, minvtransfn %s, mfinalfn %s, finalextra %s, mfinalextra %s, finalmodify %s, mfinalmodify %s, sortop %s, transtype %s, transspace %s, mtranstype %s, mtransspace %s, initval %s, minitval %s',
              a.aggfnoid::regprocedure, a.aggkind, a.aggnumdirectargs, a.aggtransfn::regprocedure,
              a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn,
              a.aggmfinalfn, a.aggfinalextra, a.aggmfinalextra, a.aggfinalmodify, a.aggmfinalmodify,
              a.aggsortop::regoperator, a.aggtranstype::regtype, a.aggtransspace, a.aggmtranstype::regtype,
              a.aggmtransspace, coalesce(a.agginitval, '(null)'), coalesce(a.aggminitval, '(null)'))
  FROM pg_aggregate a JOIN member m ON m.classid = 'pg_proc'::regclass AND m.objid = a.aggfnoid
 ORDER BY 1;

-- ---- types -----------------------------------------------------------------------------------
SELECT format('type %s: kind %s, length %s, by value %s, category %s, preferred %s, delimiter %s, input %s, output %s, receive %s, send %s, typmod in %s, typmod out %s, analyze %s, align %s, storage %s, not null %s, base type %s, typmod %s, dims %s, collation %s, default %s, array type %s, owner %s, acl %s%s',
              t.oid::regtype, t.typtype, t.typlen, t.typbyval, t.typcategory, t.typispreferred, t.typdelim,
              t.typinput, t.typoutput, t.typreceive, t.typsend, t.typmodin, t.typmodout, t.typanalyze,
              t.typalign, t.typstorage, t.typnotnull, nullif(t.typbasetype, 0)::regtype, t.typtypmod, t.typndims,
              (SELECT c.collname FROM pg_collation c WHERE c.oid = t.typcollation),
              coalesce(pg_get_expr(t.typdefaultbin, 0), t.typdefault, '(none)'), nullif(t.typarray, 0)::regtype,
              pg_temp.owner_text(t.typowner), pg_temp.acl_text(t.typacl, t.typowner, 'T'),
              CASE t.typtype
                  WHEN 'e' THEN E'\n  labels: ' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                                                       FROM pg_enum e WHERE e.enumtypid = t.oid)
                  WHEN 'r' THEN (SELECT format(E'\n  range: subtype %s, collation %s, opclass %s, canonical %s, subdiff %s, multirange %s',
                                              r.rngsubtype::regtype, r.rngcollation, r.rngsubopc, r.rngcanonical,
                                              r.rngsubdiff, r.rngmultitypid::regtype)
                                   FROM pg_range r WHERE r.rngtypid = t.oid)
                  ELSE '' END)
  FROM pg_type t JOIN member m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
 ORDER BY 1;

-- ---- relations -------------------------------------------------------------------------------
SELECT format('relation %s: kind %s, persistence %s, options %s, row security %s, forced %s, replica identity %s, owner %s, acl %s, inherits %s, partition key %s, partition bound %s',
              c.oid::regclass, c.relkind, c.relpersistence, coalesce(array_to_string(c.reloptions, ', '), '(none)'),
              c.relrowsecurity, c.relforcerowsecurity, c.relreplident, pg_temp.owner_text(c.relowner),
              pg_temp.acl_text(c.relacl, c.relowner, CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END),
              coalesce((SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno)
                          FROM pg_inherits i WHERE i.inhrelid = c.oid), '(none)'),
              CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) ELSE '(none)' END,
              coalesce(pg_get_expr(c.relpartbound, c.oid), '(none)'))
  FROM member_rel c
 ORDER BY 1;

-- columns in their order (position among the live columns), also those of composite types; some
-- servers attach an option pg_attver=<number> of their own to every column, different in every
-- table, which is no setting of sla's and is left out; statistics: the column's target (-1, or
-- NULL from 17 on: the default)
SELECT format('column %s.%s #%s: type %s, collation %s, not null %s, default %s, identity %s, generated %s, storage %s, statistics %s, options %s, acl %s',
              c.oid::regclass, quote_ident(a.attname),
              rank() OVER (PARTITION BY c.oid ORDER BY a.attnum), format_type(a.atttypid, a.atttypmod),
              coalesce((SELECT co.collname FROM pg_collation co WHERE co.oid = a.attcollation), '(none)'),
              a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), '(none)'), a.attidentity, a.attgenerated,
              a.attstorage, coalesce(a.attstattarget::integer, -1),
              coalesce(nullif(array_to_string(ARRAY(SELECT o FROM unnest(a.attoptions) o
                                                     WHERE o NOT LIKE 'pg\_attver=%'), ', '), ''), '(none)'),
              CASE WHEN a.attacl IS NULL THEN '(none)' ELSE pg_temp.acl_text(a.attacl, c.relowner, 'r') END)
  FROM (SELECT * FROM member_rel
        UNION ALL
        SELECT c.* FROM pg_class c JOIN pg_type t ON t.typrelid = c.oid
          JOIN member m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid) c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 ORDER BY c.oid::regclass::text COLLATE "C", a.attnum;

-- constraints of the member relations and of member domains
SELECT format('constraint %s on %s: type %s, deferrable %s, deferred %s, validated %s, no inherit %s, %s',
              quote_ident(k.conname), coalesce(k.conrelid::regclass::text, k.contypid::regtype::text),
              k.contype, k.condeferrable, k.condeferred, k.convalidated, k.connoinherit, pg_get_constraintdef(k.oid))
  FROM pg_constraint k
 WHERE k.conrelid IN (SELECT oid FROM member_rel)
    OR k.contypid IN (SELECT objid FROM member WHERE classid = 'pg_type'::regclass)
 ORDER BY 1;

SELECT format('index %s: %s, clustered %s, replica identity %s, valid %s', i.indexrelid::regclass,
              pg_get_indexdef(i.indexrelid), i.indisclustered, i.indisreplident, i.indisvalid)
  FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM member_rel)
 ORDER BY 1;

SELECT format(E'view %s: check option %s\n%s', c.oid::regclass,
              coalesce((SELECT o FROM unnest(c.reloptions) o WHERE o LIKE 'check_option=%'), '(none)'),
              pg_get_viewdef(c.oid))
  FROM member_rel c WHERE c.relkind IN ('v', 'm')
 ORDER BY 1;

SELECT format('trigger %s on %s: enabled %s, %s', quote_ident(g.tgname), g.tgrelid::regclass, g.tgenabled,
              pg_get_triggerdef(g.oid))
  FROM pg_trigger g WHERE g.tgrelid IN (SELECT oid FROM member_rel) AND NOT g.tgisinternal
 ORDER BY 1;

SELECT format('rule %s on %s: enabled %s, %s', quote_ident(r.rulename), r.ev_class::regclass, r.ev_enabled,
              pg_get_ruledef(r.oid))
  FROM pg_rewrite r WHERE r.ev_class IN (SELECT oid FROM member_rel) AND r.rulename <> '_RETURN'
 ORDER BY 1;

SELECT format('policy %s on %s: command %s, permissive %s, roles %s, using %s, with check %s',
              quote_ident(p.polname), p.polrelid::regclass, p.polcmd, p.polpermissive,
              (SELECT string_agg(n, ', ' ORDER BY n COLLATE "C")
                 FROM (SELECT CASE r WHEN 0 THEN 'PUBLIC' ELSE r::regrole::text END FROM unnest(p.polroles) r) s(n)),
              coalesce(pg_get_expr(p.polqual, p.polrelid), '(none)'),
              coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '(none)'))
  FROM pg_policy p WHERE p.polrelid IN (SELECT oid FROM member_rel)
 ORDER BY 1;

SELECT format('sequence %s: type %s, start %s, increment %s, min %s, max %s, cache %s, cycle %s, owned by %s',
              s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
              s.seqcache, s.seqcycle,
              coalesce((SELECT format('%s.%s', d.refobjid::regclass, quote_ident(a.attname))
                          FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '(none)'))
  FROM pg_sequence s WHERE s.seqrelid IN (SELECT oid FROM member_rel)
 ORDER BY 1;

SELECT format('statistics %s.%s on %s: %s', x.stxnamespace::regnamespace, quote_ident(x.stxname), x.stxrelid::regclass, pg_get_statisticsobjdef(x.oid))
  FROM pg_statistic_ext x
 WHERE x.stxrelid IN (SELECT oid FROM member_rel)
    OR x.oid IN (SELECT objid FROM member WHERE classid = 'pg_statistic_ext'::regclass)
 ORDER BY 1;

-- ---- operators, operator classes and families, casts -----------------------------------------
SELECT format('operator %s: kind %s, result %s, commutator %s, negator %s, function %s, restrict %s, join %s, merges %s, hashes %s, owner %s',
              o.oid::regoperator, o.oprkind, o.oprresult::regtype, nullif(o.oprcom, 0)::regoperator,
              nullif(o.oprnegate, 0)::regoperator, o.oprcode, o.oprrest, o.oprjoin, o.oprcanmerge, o.oprcanhash,
              pg_temp.owner_text(o.oprowner))
  FROM pg_operator o JOIN member m ON m.classid = 'pg_operator'::regclass AND m.objid = o.oid
 ORDER BY 1;

SELECT format('operator class %s using %s: family %s, input type %s, default %s, storage %s, owner %s',
              c.opcnamespace::regnamespace || '.' || quote_ident(c.opcname), am.amname,
              f.opfnamespace::regnamespace || '.' || quote_ident(f.opfname), c.opcintype::regtype, c.opcdefault,
              nullif(c.opckeytype, 0)::regtype, pg_temp.owner_text(c.opcowner))
  FROM pg_opclass c JOIN member m ON m.classid = 'pg_opclass'::regclass AND m.objid = c.oid
  JOIN pg_am am ON am.oid = c.opcmethod JOIN pg_opfamily f ON f.oid = c.opcfamily
 ORDER BY 1;

-- families: those that are members and those of member classes (CREATE OPERATOR CLASS makes
-- its family implicitly), with every operator and function in them
SELECT format(E'operator family %s using %s: owner %s\n%s', f.opfnamespace::regnamespace || '.' || quote_ident(f.opfname),
              am.amname, pg_temp.owner_text(f.opfowner),
              coalesce((SELECT string_agg(x, E'\n' ORDER BY x COLLATE "C") FROM (
                  SELECT format('  operator %s (%s, %s) %s %s order by %s', o.amopstrategy, o.amoplefttype::regtype,
                                o.amoprighttype::regtype, o.amopopr::regoperator, o.amoppurpose,
                                nullif(o.amopsortfamily, 0)) AS x
                    FROM pg_amop o WHERE o.amopfamily = f.oid
                  UNION ALL
                  SELECT format('  function %s (%s, %s) %s', p.amprocnum, p.amproclefttype::regtype,
                                p.amprocrighttype::regtype, p.amproc::regprocedure)
                    FROM pg_amproc p WHERE p.amprocfamily = f.oid) s), '  (empty)'))
  FROM pg_opfamily f JOIN pg_am am ON am.oid = f.opfmethod
 WHERE f.oid IN (SELECT objid FROM member WHERE classid = 'pg_opfamily'::regclass)
    OR f.oid IN (SELECT c.opcfamily FROM pg_opclass c JOIN member m ON m.classid = 'pg_opclass'::regclass AND m.objid = c.oid)
 ORDER BY 1;

SELECT format('cast (%s AS %s): function %s, context %s, method %s', c.castsource::regtype, c.casttarget::regtype,
              nullif(c.castfunc, 0)::regprocedure, c.castcontext, c.castmethod)
  FROM pg_cast c JOIN member m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid
 ORDER BY 1;

-- ---- event triggers --------------------------------------------------------------------------
SELECT format('event trigger %s: event %s, function %s, enabled %s, tags %s, owner %s', quote_ident(t.evtname),
              t.evtevent, t.evtfoid::regprocedure, t.evtenabled, coalesce(array_to_string(t.evttags, ', '), '(all)'),
              pg_temp.owner_text(t.evtowner))
  FROM pg_event_trigger t JOIN member m ON m.classid = 'pg_event_trigger'::regclass AND m.objid = t.oid
 ORDER BY 1;

-- ---- comments, initial and default privileges ------------------------------------------------
-- Everything sla made: its members and the objects that belong to its relations, domains and
-- operator families (columns are members' sub-objects).
CREATE TEMP VIEW owned AS
SELECT classid, objid FROM member
UNION ALL SELECT 'pg_namespace'::regclass, n.oid FROM ext_schema n
UNION ALL SELECT 'pg_constraint'::regclass, k.oid FROM pg_constraint k
 WHERE k.conrelid IN (SELECT oid FROM member_rel) OR k.contypid IN (SELECT objid FROM member WHERE classid = 'pg_type'::regclass)
UNION ALL SELECT 'pg_class'::regclass, i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM member_rel)
UNION ALL SELECT 'pg_trigger'::regclass, g.oid FROM pg_trigger g WHERE g.tgrelid IN (SELECT oid FROM member_rel)
UNION ALL SELECT 'pg_policy'::regclass, p.oid FROM pg_policy p WHERE p.polrelid IN (SELECT oid FROM member_rel)
UNION ALL SELECT 'pg_rewrite'::regclass, r.oid FROM pg_rewrite r WHERE r.ev_class IN (SELECT oid FROM member_rel);

SELECT format('comment on %s %s: %s', o.type, o.identity, quote_literal(d.description))
  FROM pg_description d JOIN owned w ON w.classid = d.classoid AND w.objid = d.objoid,
       pg_identify_object(d.classoid, d.objoid, d.objsubid) o
 ORDER BY 1;

SELECT format('initial privileges of %s %s (%s): %s', o.type, o.identity, i.privtype,
              pg_temp.acl_text(i.initprivs, pg_temp_owner.owner, pg_temp_owner.kind))
  FROM pg_init_privs i JOIN owned w ON w.classid = i.classoid AND w.objid = i.objoid
  CROSS JOIN LATERAL (
      SELECT CASE i.classoid
                 WHEN 'pg_proc'::regclass THEN (SELECT proowner FROM pg_proc WHERE oid = i.objoid)
                 WHEN 'pg_class'::regclass THEN (SELECT relowner FROM pg_class WHERE oid = i.objoid)
                 WHEN 'pg_type'::regclass THEN (SELECT typowner FROM pg_type WHERE oid = i.objoid)
                 WHEN 'pg_namespace'::regclass THEN (SELECT nspowner FROM pg_namespace WHERE oid = i.objoid)
             END AS owner,
             CASE i.classoid
                 WHEN 'pg_proc'::regclass THEN 'f'
                 WHEN 'pg_type'::regclass THEN 'T'
                 WHEN 'pg_namespace'::regclass THEN 'n'
                 ELSE CASE WHEN (SELECT relkind FROM pg_class WHERE oid = i.objoid) = 'S' THEN 's' ELSE 'r' END
             END AS kind) pg_temp_owner,
       pg_identify_object(i.classoid, i.objoid, i.objsubid) o
 ORDER BY 1;

SELECT format('default privileges of %s in schema %s for %s: %s', pg_temp.owner_text(a.defaclrole),
              a.defaclnamespace::regnamespace, a.defaclobjtype, pg_temp.acl_text(a.defaclacl, a.defaclrole, a.defaclobjtype))
  FROM pg_default_acl a
 WHERE a.defaclnamespace IN (SELECT oid FROM ext_schema)
 ORDER BY 1;
