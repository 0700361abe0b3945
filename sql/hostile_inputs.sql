--
-- hostile_inputs — the catalogue of hostile arguments (docs/security.md).  Every function of the
-- schema that SQL can call is called with sane arguments and then, one argument at a time, with
-- each hostile value of that argument's type: NULL, empty and huge text, SQL in text, zero,
-- negative and extreme numbers, infinities and extreme dates, JSON of every shape, tables that
-- are not attached or are sla's own, rows of the wrong table, anonymous rows, non-row values.
-- Each case runs as a superuser (the widest rights) in a subtransaction that is always rolled
-- back, and the SQLSTATE it ends with is listed: 00000 for success, else the deliberate error.
-- The backend must survive every case, and no case may end in XX000 (an internal error).
-- expected/hostile_inputs_1.out is the output on PostgreSQL 17 and later, where an infinite
-- business_interval converts to an infinite interval (15 and 16 have none: 22008); change both.
--
\set SHOW_CONTEXT never
-- a database of its own: the ids the cases name must not depend on the tests run before
SET client_min_messages = warning;
DROP DATABASE IF EXISTS sla_hostile;
CREATE DATABASE sla_hostile;
\set regress_db :DBNAME
\c sla_hostile
CREATE EXTENSION sla;
SET client_min_messages = warning;
SET timezone = 'UTC';
SET statement_timeout = '120s';

-- a small helpdesk for the sane arguments to refer to
SELECT sla.define_calendar('h', 'UTC', 'mon-fri 09:00-17:00') > 0 AS calendar;
SELECT sla.define_level('h', 'h', first_response => '1 hour', next_response => '2 hours', resolution => '1 day', is_default => true) > 0 AS level;
CREATE TABLE public.h_ticket (id int PRIMARY KEY, st text, prio text, tags text[], created timestamptz, updated timestamptz);
CREATE TABLE public.h_msg (id int PRIMARY KEY, ticket int, kind text, created timestamptz);
CREATE FUNCTION public.h_author(m public.h_msg) RETURNS text LANGUAGE sql STABLE AS $$ SELECT m.kind $$;
SELECT sla.attach('public.h_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st", "priority": "prio", "tags": "tags"}',
                  'public.h_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "kind", "customer_values": ["customer"], "agent_values": ["agent"]}') > 0 AS attached;
SELECT sla.map_status('public.h_ticket', s, l) FROM (VALUES ('open', 'open'), ('hold', 'paused'), ('done', 'solved')) v (s, l);
INSERT INTO public.h_ticket VALUES (1, 'open', 'low', '{vip}', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
INSERT INTO public.h_msg VALUES (1, 1, 'agent', '2026-11-23 10:30+00'), (2, 1, 'customer', '2026-11-23 11:00+00');
CREATE TABLE public.h_status (ticket int, at timestamptz, status text);
INSERT INTO public.h_status VALUES (1, '2026-11-23 10:00+00', 'open'), (1, '2026-11-23 10:45+00', 'hold');
INSERT INTO sla.escalation (level_id, on_event, action, column_name, column_value)
     SELECT id, 'breach', 'set_column', 'priority', 'urgent' FROM sla.level WHERE name = 'h';

-- The values: per argument type, a sane one (sane = true) and the hostile ones.
CREATE TEMP TABLE hostile (type regtype, label text, expr text, sane boolean DEFAULT false);
INSERT INTO hostile (type, label, expr, sane) VALUES
    ('integer', 'one', '1', true), ('integer', 'null', 'NULL::integer', false), ('integer', 'zero', '0', false),
    ('integer', 'negative', '-1', false), ('integer', 'max', '2147483647', false),
    ('smallint', 'one', '1::smallint', true), ('smallint', 'null', 'NULL::smallint', false),
    ('smallint', 'negative', '(-1)::smallint', false), ('smallint', 'max', '32767::smallint', false),
    ('bigint', 'one', '1::bigint', true), ('bigint', 'null', 'NULL::bigint', false), ('bigint', 'zero', '0::bigint', false),
    ('bigint', 'negative', '(-1)::bigint', false), ('bigint', 'max', '9223372036854775807::bigint', false),
    ('oid', 'zero', '0::oid', true), ('oid', 'null', 'NULL::oid', false), ('oid', 'text', '25::oid', false),
    ('text', 'word', '''h''', true), ('text', 'null', 'NULL::text', false), ('text', 'empty', '''''', false),
    ('text', 'huge', 'repeat(''x'', 100000)', false),
    ('text', 'sql', $$'x''); DROP TABLE public.h_ticket; --'$$, false),
    ('text', 'format', $$'%s %I %L %%'$$, false), ('text', 'unicode', $$'Zoë ✓ 東京'$$, false),
    ('cstring', 'interval', '''1 hour''::cstring', true), ('cstring', 'null', 'NULL::cstring', false),
    ('cstring', 'empty', '''''::cstring', false), ('cstring', 'junk', '''junk''::cstring', false),
    ('double precision', 'two', '2::float8', true), ('double precision', 'null', 'NULL::float8', false),
    ('double precision', 'nan', '''NaN''::float8', false), ('double precision', 'infinity', '''Infinity''::float8', false),
    ('double precision', 'huge', '1e308::float8', false), ('double precision', 'zero', '0::float8', false),
    ('text[]', 'day', '''{day}''::text[]', true), ('text[]', 'null', 'NULL::text[]', false),
    ('text[]', 'empty', '''{}''::text[]', false), ('text[]', 'null element', '''{NULL}''::text[]', false),
    ('text[]', 'unknown', '''{bogus,day,day}''::text[]', false),
    ('date', 'monday', '''2026-11-23''::date', true), ('date', 'null', 'NULL::date', false),
    ('date', 'infinity', '''infinity''::date', false), ('date', '-infinity', '''-infinity''::date', false),
    ('date', 'earliest', '''4713-01-01 BC''::date', false), ('date', 'latest', '''5874897-12-31''::date', false),
    ('time without time zone', 'nine', '''09:00''::time', true), ('time without time zone', 'null', 'NULL::time', false),
    ('time without time zone', 'midnight end', '''24:00''::time', false),
    ('timestamp with time zone', 'monday', '''2026-11-23 10:00+00''::timestamptz', true),
    ('timestamp with time zone', 'null', 'NULL::timestamptz', false),
    ('timestamp with time zone', 'infinity', '''infinity''::timestamptz', false),
    ('timestamp with time zone', '-infinity', '''-infinity''::timestamptz', false),
    ('timestamp with time zone', 'earliest', '''4714-11-24 00:00+00 BC''::timestamptz', false),
    ('timestamp with time zone', 'latest', '''294276-12-31 23:59:59+00''::timestamptz', false),
    ('interval', 'seconds', '''20 seconds''::interval', true), ('interval', 'null', 'NULL::interval', false),
    ('interval', 'negative', '''-1 day''::interval', false), ('interval', 'huge', '''178000000 years''::interval', false),
    ('numeric', 'seventy-five', '75::numeric', true), ('numeric', 'null', 'NULL::numeric', false),
    ('numeric', 'nan', '''NaN''::numeric', false), ('numeric', 'negative', '(-1)::numeric', false),
    ('numeric', 'huge', '1e1000::numeric', false),
    ('boolean', 'true', 'true', true), ('boolean', 'null', 'NULL::boolean', false),
    ('regprocedure', 'author', '''public.h_author(public.h_msg)''::regprocedure', true),
    ('regprocedure', 'null', 'NULL::regprocedure', false),
    ('regprocedure', 'superuser''s', '''pg_catalog.upper(text)''::regprocedure', false),
    ('regprocedure', 'sla''s own', '''sla.backfill(regclass, regclass, jsonb, timestamptz)''::regprocedure', false),
    ('regclass', 'tickets', '''public.h_ticket''::regclass', true), ('regclass', 'null', 'NULL::regclass', false),
    ('regclass', 'catalog', '''pg_catalog.pg_class''::regclass', false), ('regclass', 'sla.clock', '''sla.clock''::regclass', false),
    ('regclass', 'sla.attachment', '''sla.attachment''::regclass', false), ('regclass', 'messages', '''public.h_msg''::regclass', false),
    ('regclass', 'view', '''sla.sla_log''::regclass', false), ('regclass', 'sequence', '''sla.clock_id_seq''::regclass', false),
    ('jsonb', 'object', '''{}''::jsonb', true), ('jsonb', 'null', 'NULL::jsonb', false), ('jsonb', 'json null', '''null''::jsonb', false),
    ('jsonb', 'array', '''[]''::jsonb', false), ('jsonb', 'string', '''"x"''::jsonb', false), ('jsonb', 'number', '''5''::jsonb', false),
    ('jsonb', 'wrong types', '''{"priority": 5, "tags": "vip", "key": [], "customer_values": "customer", "1": {"2": true}}''::jsonb', false),
    ('jsonb', 'deep', '(repeat(''['', 5000) || repeat('']'', 5000))::jsonb', false),
    ('sla.business_interval', 'hour', '''1 hour''::sla.business_interval', true),
    ('sla.business_interval', 'null', 'NULL::sla.business_interval', false),
    ('sla.business_interval', 'infinity', '''infinity''::sla.business_interval', false),
    ('sla.business_interval', '-infinity', '''-infinity''::sla.business_interval', false),
    ('sla.business_interval', 'zero', '''0''::sla.business_interval', false),
    ('sla.business_interval', 'negative', '''-1 hour''::sla.business_interval', false),
    ('sla.business_interval', 'huge', '''10000000 days''::sla.business_interval', false),
    ('sla.metric', 'resolution', '''resolution''::sla.metric', true), ('sla.metric', 'null', 'NULL::sla.metric', false),
    ('sla.metric[]', 'resolution', '''{resolution}''::sla.metric[]', true), ('sla.metric[]', 'null', 'NULL::sla.metric[]', false),
    ('sla.metric[]', 'empty', '''{}''::sla.metric[]', false), ('sla.metric[]', 'null element', '''{NULL}''::sla.metric[]', false),
    ('anyelement', 'ticket row', '(SELECT t FROM public.h_ticket t WHERE t.id = 1)', true),
    ('anyelement', 'null', 'NULL::public.h_ticket', false), ('anyelement', 'integer', '42', false),
    ('anyelement', 'text', '''x''::text', false), ('anyelement', 'anonymous row', 'ROW(1, ''open'')', false),
    ('anyelement', 'message row', '(SELECT m FROM public.h_msg m WHERE m.id = 2)', false),
    ('anyelement', 'empty row', 'jsonb_populate_record(NULL::public.h_ticket, ''{}'')', false),
    ('sla.attachment', 'attachment', '(SELECT a FROM sla.attachment a LIMIT 1)', true),
    ('sla.attachment', 'null', 'NULL::sla.attachment', false),
    ('sla.attachment', 'empty row', 'jsonb_populate_record(NULL::sla.attachment, ''{}'')', false),
    ('sla.escalation', 'escalation', '(SELECT e FROM sla.escalation e LIMIT 1)', true),
    ('sla.escalation', 'null', 'NULL::sla.escalation', false),
    ('sla.escalation', 'empty row', 'jsonb_populate_record(NULL::sla.escalation, ''{}'')', false),
    ('sla.clock', 'clock', '(SELECT c FROM sla.clock c ORDER BY c.id LIMIT 1)', true),
    ('sla.clock', 'null', 'NULL::sla.clock', false),
    ('sla.clock', 'empty row', 'jsonb_populate_record(NULL::sla.clock, ''{}'')', false);

-- Where the sane value of a type is not sane for one function's argument, its own.
CREATE TEMP TABLE sane_override (name text, arg int, expr text);
INSERT INTO sane_override VALUES
    ('attach', 2, $$'{"key": "id", "created_at": "created", "status": "st", "priority": "prio", "tags": "tags"}'::jsonb$$),
    ('attach', 3, $$'public.h_msg'::regclass$$),
    ('attach', 4, $$'{"ticket": "ticket", "created_at": "created", "author_function": "public.h_author(public.h_msg)"}'::jsonb$$),
    ('attach', 5, $$'UTC'$$),
    ('define_calendar', 2, $$'UTC'$$), ('define_calendar', 3, $$'mon-fri 09:00-17:00'$$),
    ('set_special_day', 3, $$'10:00-12:00'$$), ('parse_weekly_hours', 1, $$'mon-fri 09:00-17:00'$$),
    ('parse_day_hours', 1, $$'09:00-12:00'$$), ('valid_time_zone', 1, $$'UTC'$$),
    ('map_status', 2, $$'open'$$), ('map_status', 3, $$'open'$$),
    ('check_condition', 1, $$'priority'$$), ('check_condition', 2, $$'equals'$$), ('check_condition', 3, $$'"high"'::jsonb$$),
    ('match_rules', 1, $$'{"priority": "high", "tags": ["vip"]}'::jsonb$$),
    ('mapped_column_kind', 2, $$'status'$$), ('mapped_column_kind', 3, $$'st'$$), ('mapped_column_kind', 4, $$'{scalar}'::text[]$$),
    ('log_event', 1, '(SELECT id FROM sla.attachment)'), ('log_event', 2, $$'1'$$),
    ('log_event', 3, '(SELECT min(id) FROM sla.clock)'), ('log_event', 5, $$'note'$$),
    ('apply_lifecycle', 1, '(SELECT id FROM sla.attachment)'), ('apply_lifecycle', 2, $$'1'$$),
    ('apply_lifecycle', 3, $$'paused'$$),
    ('cancel_clock', 1, '(SELECT min(id) FROM sla.clock)'), ('cancel_clock', 3, $$'ticket table truncated'$$),
    ('retarget_clocks', 1, '(SELECT id FROM sla.attachment)'), ('retarget_clocks', 2, $$'1'$$),
    ('retarget_clocks', 3, $$(SELECT id FROM sla.level WHERE name = 'h')$$),
    ('ticket_facts', 1, '(SELECT id FROM sla.attachment)'), ('ticket_attributes', 1, '(SELECT id FROM sla.attachment)'),
    ('track_ticket', 1, '(SELECT id FROM sla.attachment)'), ('track_ticket', 3, $$'open'$$),
    ('process_message', 1, '(SELECT id FROM sla.attachment)'),
    ('process_message', 2, '(SELECT m FROM public.h_msg m WHERE m.id = 2)'),
    ('message_facts', 1, '(SELECT id FROM sla.attachment)'),
    ('message_facts', 2, '(SELECT m FROM public.h_msg m WHERE m.id = 2)'),
    ('explain', 2, $$'1'$$), ('match_ticket', 2, $$'1'$$), ('time_split', 2, $$'1'$$), ('time_split', 3, $$'UTC'$$),
    ('escalation_set_column', 1, '(SELECT id FROM sla.escalation)'), ('escalation_set_column', 2, '(SELECT id FROM sla.attachment)'),
    ('escalation_set_column', 3, $$'1'$$),
    ('run_escalations', 1, '(SELECT min(id) FROM sla.clock)'), ('run_escalations', 2, $$'breach'$$),
    ('run_escalations', 4, 'NULL'),
    ('claim_step', 1, '(SELECT id FROM sla.attachment)'), ('claim_step', 2, $$'1'$$),
    ('claim_step', 3, '(SELECT min(id) FROM sla.clock)'),
    ('ticket_visible', 1, '(SELECT id FROM sla.attachment)'), ('ticket_visible', 2, $$'1'$$),
    ('compliance_report', 4, $$'UTC'$$), ('compliance_report', 5, 'NULL'), ('compliance_report', 6, 'NULL'),
    ('compliance_report', 7, 'NULL'), ('compliance_report_json', 4, $$'UTC'$$),
    ('sla_log_at', 2, 'NULL'), ('sla_log_json', 2, 'NULL'),
    ('contact_center_report', 4, $$'day'$$), ('contact_center_report', 5, $$'UTC'$$),
    ('contact_center_report', 6, 'NULL'), ('contact_center_report', 7, 'NULL'),
    ('contact_center_report_json', 4, $$'day'$$), ('contact_center_report_json', 5, $$'UTC'$$),
    ('contact_center_report_json', 6, 'NULL'), ('contact_center_report_json', 7, 'NULL'),
    ('define_contract', 5, '''{}''::jsonb'), ('define_contract', 6, $$'EUR'$$), ('define_contract', 8, $$'UTC'$$),
    ('define_contract', 11, $$'customer_group'$$),
    ('define_level', 2, $$'h'$$), ('define_level', 10, 'false'),
    ('check_function_registration', 2, $$'a test'$$),
    ('backfill', 2, $$'public.h_status'::regclass$$),
    ('backfill', 3, $$'{"ticket": "ticket", "at": "at", "status": "status"}'::jsonb$$),
    ('history_lifecycle', 1, '(SELECT id FROM sla.attachment)'), ('history_lifecycle', 2, $$'hold'::text$$),
    ('history_lifecycle', 3, $$'1'$$),
    ('instant_expression', 1, $$'created'$$), ('instant_expression', 2, $$'timestamp'$$), ('instant_expression', 3, $$'UTC'$$);

-- Every type an argument of a callable function has, has a sane value (a new type must be added).
SELECT DISTINCT t.type AS argument_type_without_values
  FROM pg_proc p, unnest(p.proargtypes::regtype[]) t (type)
 WHERE p.pronamespace = 'sla'::regnamespace AND p.prokind = 'f'
   AND NOT 'internal'::regtype = ANY (p.proargtypes::regtype[])
   AND NOT EXISTS (SELECT FROM hostile h WHERE h.type = t.type AND h.sane);

-- The cases: all-sane, then one hostile argument at a time.
CREATE TEMP TABLE hostile_case AS
WITH fn AS (
    SELECT p.oid, p.proname::text AS name, p.proargtypes::regtype[] AS types, p.oid::regprocedure::text AS signature
      FROM pg_proc p
     WHERE p.pronamespace = 'sla'::regnamespace AND p.prokind = 'f'
       AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
       AND NOT 'internal'::regtype = ANY (p.proargtypes::regtype[])
), sane AS (
    SELECT fn.oid, array_agg(coalesce(o.expr, h.expr) ORDER BY a.n) AS exprs
      FROM fn LEFT JOIN LATERAL unnest(fn.types) WITH ORDINALITY a (type, n) ON true
      LEFT JOIN hostile h ON h.type = a.type AND h.sane
      LEFT JOIN sane_override o ON o.name = fn.name AND o.arg = a.n
     GROUP BY fn.oid
), variant AS (
    SELECT fn.oid, 0 AS arg, 'all sane' AS label, s.exprs FROM fn JOIN sane s USING (oid)
    UNION ALL
    SELECT fn.oid, a.n::int, a.type::text || ' ' || h.label,
           s.exprs[:a.n - 1] || h.expr || s.exprs[a.n + 1:]
      FROM fn JOIN sane s USING (oid)
      CROSS JOIN LATERAL unnest(fn.types) WITH ORDINALITY a (type, n)
      JOIN hostile h ON h.type = a.type AND NOT h.sane
)
SELECT fn.signature, v.arg, v.label,
       -- the result is read, so that the planner cannot drop the call of a STABLE function
       format('SELECT count(*) FROM (SELECT sla.%I(%s) AS r) x WHERE x.r IS NULL OR x.r IS NOT NULL', fn.name,
              coalesce(array_to_string(v.exprs, ', '), '')) AS sql
  FROM fn JOIN variant v USING (oid)
 -- not hostile, only long: the open periods of 290,000 years (76 million rows, as asked)
 WHERE NOT (fn.name = 'open_periods' AND v.arg = 3 AND v.label LIKE '% latest');

-- Run each case; keep nothing it did.
CREATE TEMP TABLE hostile_result (signature text, arg int, label text, sqlstate text, message text);
DO $$
DECLARE
    c record;
    state text;
    msg text;
BEGIN
    FOR c IN SELECT * FROM hostile_case ORDER BY signature, arg, label LOOP
        BEGIN
            EXECUTE c.sql;
            RAISE EXCEPTION USING ERRCODE = 'ZZ999', MESSAGE = 'rolled back';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
            IF state = 'ZZ999' THEN
                state := '00000';
                msg := NULL;
            END IF;
        END;
        INSERT INTO hostile_result VALUES (c.signature, c.arg, c.label, state, msg);
    END LOOP;
END
$$;

-- The catalogue: each case and the SQLSTATE it ends with.
SELECT signature, arg, label, sqlstate FROM hostile_result ORDER BY signature, arg, label;

-- The figures: cases tried; no internal error; the helpdesk's data intact.
SELECT count(*) AS cases, count(*) FILTER (WHERE sqlstate = '00000') AS succeeded,
       count(*) FILTER (WHERE sqlstate <> '00000') AS refused,
       count(*) FILTER (WHERE sqlstate LIKE 'XX%') AS internal_errors,
       count(DISTINCT signature) AS functions
  FROM hostile_result;
SELECT signature, label, sqlstate, message FROM hostile_result WHERE sqlstate LIKE 'XX%' OR sqlstate = '57014';
SELECT count(*) AS tickets FROM public.h_ticket;

\c :regress_db
DROP DATABASE sla_hostile;
