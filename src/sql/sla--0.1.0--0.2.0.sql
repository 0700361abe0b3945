-- sla--0.1.0--0.2.0.sql — ALTER EXTENSION sla UPDATE from 0.1.0 (the released script
-- src/sql/sla--0.1.0.sql) to 0.2.0 (the install script assembled from src/sql/[0-9][0-9]_*.sql).
--
-- The rule: every change to the parts while 0.2.0 is open is mirrored here in the same commit,
-- so that an updated 0.1.0 installation ends with the same objects as a fresh 0.2.0 install,
-- and keeps its rows (configuration, tickets, clocks, events).  test/upgrade/update_path.sh
-- (run by test/run_sql_suites.sh, so by `make test` and the version matrix) compares the two
-- catalogs and fails with a diff on any difference, then updates a 0.1.0 database in use and
-- checks that its state survives and the engine still moves clocks.
--
-- How to mirror a change:
--   - a new object: the same CREATE here; functions come with the grants and comments of
--     99_privileges.sql and the parts (REVOKE FROM PUBLIC first, as the install script does).
--   - a changed function body or marking: CREATE OR REPLACE FUNCTION here (only here: the install
--     script never uses OR REPLACE); a changed signature or return type: DROP FUNCTION, then
--     CREATE, then its grants again (views that use it may have to be dropped and recreated).
--   - a new column: ALTER TABLE ... ADD COLUMN, and in the part add it at the end of the table,
--     since the test compares column order (row types, SELECT * and the snapshots depend on it);
--     fill it for existing rows here if its default does not fit them.
--   - a new configuration table or sequence: pg_extension_config_dump here too.
--   - a changed view: CREATE OR REPLACE VIEW when only columns are appended, otherwise DROP VIEW
--     and CREATE VIEW, with its grants and comment.
--   - an enum label: ALTER TYPE ... ADD VALUE ... BEFORE/AFTER so the order matches the part.
-- Refer to extension objects as @extschema@.x and to built-ins as pg_catalog.x, as the parts do.
--
-- The new library (the shared object $libdir/sla) must keep exporting every C symbol that
-- sla--0.1.0.sql names (AS 'MODULE_PATHNAME', 'symbol'), even for functions this script drops:
-- CREATE EXTENSION sla VERSION '0.1.0', which the test runs, needs all of them.  A symbol that
-- goes away keeps a stub that raises an error.
--
-- Once 0.2.0 is released this file is frozen, like sla--0.1.0.sql.
\echo Use "ALTER EXTENSION sla UPDATE" to load this file. \quit

-- ------------------------------------------------------------------ engine v2, step 1
-- The clock model moved into the core (src/core/clockflow.c): the ticket row keeps the instant
-- of the latest fact and who holds the ticket; the functions that moved one clock by hand are
-- gone; configuration edits, backfill and escalations go through the model.

ALTER TABLE @extschema@.ticket
    ADD COLUMN department text,
    ADD COLUMN agent text,
    ADD COLUMN requester text;
COMMENT ON COLUMN @extschema@.ticket.department IS
    'who holds the ticket (department, agent, requester), copied onto the clocks it starts';
-- who holds each ticket: what its latest clock says (0.1.0 kept it on the clocks only)
UPDATE @extschema@.ticket t
   SET department = c.department, agent = c.agent, requester = c.requester
  FROM (SELECT DISTINCT ON (k.attachment_id, k.ticket_key) k.attachment_id, k.ticket_key,
               k.department, k.agent, k.requester
          FROM @extschema@.clock k ORDER BY k.attachment_id, k.ticket_key, k.id DESC) c
 WHERE c.attachment_id = t.attachment_id AND c.ticket_key = t.ticket_key;

DROP FUNCTION @extschema@.start_clock(integer, text, integer, @extschema@.metric, timestamptz, jsonb);
DROP FUNCTION @extschema@.pause_clock(bigint, timestamptz);
DROP FUNCTION @extschema@.resume_clock(bigint, timestamptz);
DROP FUNCTION @extschema@.stop_clock(bigint, timestamptz);

CREATE FUNCTION @extschema@.apply_lifecycle(att_id integer, key text, lifecycle text, at timestamptz)
    RETURNS boolean AS 'MODULE_PATHNAME', 'sla_apply_lifecycle_sql' LANGUAGE C;
REVOKE EXECUTE ON FUNCTION @extschema@.apply_lifecycle(integer, text, text, timestamptz) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.retarget_after_config_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_retarget_after_config_change' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.retarget_after_config_change() IS
    'statement trigger on levels, targets and calendar tables: running and paused clocks measured by the policy as it is now';

CREATE OR REPLACE FUNCTION @extschema@.backfill(ticket_table regclass) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att @extschema@.attachment;
    m jsonb;
    t record;
    msg record;
    key text;
    lc text;
    created timestamptz;
    n integer := 0;
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = backfill.ticket_table AND a.attached;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    m := att.mapping;
    -- the facts through LATERAL: (f(x)).* would call the function once per column
    FOR t IN EXECUTE format('SELECT x AS row, f.* FROM %s x CROSS JOIN LATERAL @extschema@.ticket_facts($1, x) f
                              WHERE NOT EXISTS (SELECT FROM @extschema@.ticket s
                               WHERE s.attachment_id OPERATOR(pg_catalog.=) $1
                                 AND s.ticket_key OPERATOR(pg_catalog.=) x.%I::text) ORDER BY x.%I',
                            att.ticket_table, m ->> 'key', m ->> 'created_at')
             USING att.id LOOP
        key := t.key;
        created := t.created_at;
        CONTINUE WHEN key IS NULL OR created IS NULL;
        lc := t.lifecycle;
        -- track as open, replay the conversation, then apply the status it has now
        -- EXECUTE: a PERFORM's plan would keep the row type of the first table backfilled in the session
        EXECUTE 'SELECT @extschema@.track_ticket($1, $2, $3, $4)'
          USING att.id, t.row, CASE WHEN lc = 'deleted' THEN 'deleted' ELSE 'open' END, created;
        n := n + 1;
        IF att.message_table IS NOT NULL THEN
            -- published messages only (drafts never counted), in the order they were published
            FOR msg IN EXECUTE format('SELECT x AS row FROM %s x CROSS JOIN LATERAL @extschema@.message_facts($2, x) f
                                        WHERE x.%I OPERATOR(pg_catalog.=) $1::%s AND f.published
                                        ORDER BY f.published_at, x.%I',
                                      att.message_table, att.message_mapping ->> 'ticket', m ->> 'key_type',
                                      att.message_mapping ->> 'created_at')
                       USING key, att.id LOOP
                EXECUTE 'SELECT @extschema@.process_message($1, $2)' USING att.id, msg.row;
            END LOOP;
        END IF;
        IF lc IN ('paused', 'solved', 'closed') THEN
            PERFORM @extschema@.apply_lifecycle(att.id, key, lc, coalesce(t.updated_at, created));
        END IF;
        PERFORM @extschema@.log_event(att.id, key, NULL, created, 'backfilled', jsonb_build_object('lifecycle', lc));
    END LOOP;
    RETURN n;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.define_level(
        name text, calendar text,
        first_response @extschema@.business_interval DEFAULT NULL,
        next_response @extschema@.business_interval DEFAULT NULL,
        periodic_update @extschema@.business_interval DEFAULT NULL,
        chat_response @extschema@.business_interval DEFAULT NULL,
        call_response @extschema@.business_interval DEFAULT NULL,
        resolution @extschema@.business_interval DEFAULT NULL,
        warning_percent numeric DEFAULT 75,
        is_default boolean DEFAULT false)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    lvl_id integer;
    cal_id integer := @extschema@.calendar_id(calendar);
BEGIN
    IF name IS NULL OR warning_percent IS NULL OR is_default IS NULL THEN
        RAISE EXCEPTION 'define_level: name, warning_percent and is_default must not be null'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF num_nonnulls(first_response, next_response, periodic_update, chat_response, call_response,
                    resolution) = 0 THEN
        RAISE EXCEPTION 'level "%" has no target', name USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Give at least one of first_response, next_response, periodic_update, chat_response, call_response, resolution.';
    END IF;
    IF is_default THEN
        UPDATE @extschema@.level l SET is_default = false
         WHERE l.is_default AND l.name <> define_level.name;
    END IF;
    INSERT INTO @extschema@.level AS l (name, calendar_id, warning_percent, is_default)
         VALUES (define_level.name, cal_id, define_level.warning_percent, define_level.is_default)
    ON CONFLICT ON CONSTRAINT level_name_key DO UPDATE
         SET calendar_id = EXCLUDED.calendar_id, warning_percent = EXCLUDED.warning_percent,
             is_default = EXCLUDED.is_default
    RETURNING l.id INTO lvl_id;
    -- targets kept, changed or added first, then the ones no longer given removed: running clocks
    -- are re-targeted after each statement, and a removed target cancels the clocks it measured
    INSERT INTO @extschema@.level_target AS t (level_id, metric, target)
         SELECT lvl_id, m.metric, m.target
           FROM (VALUES ('first_response'::@extschema@.metric, first_response),
                        ('next_response', next_response), ('periodic_update', periodic_update),
                        ('chat_response', chat_response), ('call_response', call_response),
                        ('resolution', resolution)) AS m(metric, target)
          WHERE m.target IS NOT NULL
    ON CONFLICT (level_id, metric) DO UPDATE SET target = EXCLUDED.target
          WHERE t.target::text IS DISTINCT FROM EXCLUDED.target::text;
    DELETE FROM @extschema@.level_target t
     WHERE t.level_id = lvl_id
       AND CASE t.metric WHEN 'first_response' THEN first_response WHEN 'next_response' THEN next_response
                         WHEN 'periodic_update' THEN periodic_update WHEN 'chat_response' THEN chat_response
                         WHEN 'call_response' THEN call_response ELSE resolution END IS NULL;
    RETURN lvl_id;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.run_escalations(clock_id bigint, kind text, at timestamptz)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c @extschema@.clock;
    att @extschema@.attachment;
    esc @extschema@.escalation;
    cur_level integer;
    col text;
    n_rows bigint;
    n integer := 0;
    err_state text;
    err_message text;
BEGIN
    IF run_escalations.kind IS NULL OR run_escalations.kind NOT IN ('warning', 'breach') THEN
        RAISE EXCEPTION 'escalations run on a warning or a breach, not on "%"', run_escalations.kind
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO c FROM @extschema@.clock k WHERE k.id = run_escalations.clock_id;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    -- an action's writes fire the host's triggers (and any trigger of the host's own); should one
    -- of them call check_breaches again, its crossings are recorded but escalate nothing, so an
    -- escalation can never start another one inside itself
    IF current_setting('sla.escalating', true) = 'on' THEN
        PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at,
                                      'escalation_skipped',
                                      jsonb_build_object('on_event', run_escalations.kind, 'metric', c.metric,
                                                         'reason', 'inside another escalation'));
        RETURN 0;
    END IF;
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.id = c.attachment_id;
    PERFORM set_config('sla.escalating', 'on', true);

    -- the escalations of the level the clock crossed at, read once: a raise_level action does
    -- not bring the new level's escalations into this crossing
    FOR esc IN SELECT * FROM @extschema@.escalation e
                WHERE e.active AND e.level_id = c.level_id AND e.on_event = run_escalations.kind
                  AND (e.metric IS NULL OR e.metric = c.metric)
                ORDER BY e.position, e.id LOOP
        CONTINUE WHEN esc.action = 'notify_only';		-- check_breaches sends the NOTIFY itself
        -- each action on its own: one that fails (a column gone, a value its type refuses, a
        -- host trigger that raises) is undone alone and recorded, and the crossing, the other
        -- actions and every other clock's crossings go on
        BEGIN
            IF esc.action = 'raise_level' THEN
                SELECT t.level_id INTO cur_level FROM @extschema@.ticket t
                 WHERE t.attachment_id = c.attachment_id AND t.ticket_key = c.ticket_key FOR UPDATE;
                CONTINUE WHEN NOT FOUND OR cur_level IS NOT DISTINCT FROM esc.to_level_id;
                -- a level fact: the ticket's level, its running clocks and the clocks the new level adds
                PERFORM @extschema@.retarget_clocks(c.attachment_id, c.ticket_key, esc.to_level_id, run_escalations.at);
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalated',
                            jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                               'metric', c.metric, 'from_level', cur_level, 'to_level', esc.to_level_id));
            ELSE
                col := @extschema@.escalation_column(att, esc);
                -- the host's sla trigger fires on this update (on_update rules, lifecycle changes);
                -- C: it runs as the table's owner, after checking the registrant may update the column
                n_rows := @extschema@.escalation_set_column(esc.id, att.id, c.ticket_key);
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalated',
                            jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                               'metric', c.metric, 'column', col, 'value', esc.column_value,
                                               'rows', n_rows));
            END IF;
            n := n + 1;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT;
            PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalation_failed',
                        jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                           'metric', c.metric, 'sqlstate', err_state, 'error', err_message));
            PERFORM pg_notify('sla_events', json_build_object('event', 'escalation_failed', 'clock', c.id)::text);
        END;
    END LOOP;
    PERFORM set_config('sla.escalating', 'off', true);
    RETURN n;
END
$$;

GRANT UPDATE ON @extschema@.ticket TO sla_admin;
GRANT INSERT ON @extschema@.event TO sla_admin;
GRANT USAGE ON SEQUENCE @extschema@.event_id_seq TO sla_admin;

-- ------------------------------------------------------------------ mapping problems
-- A value the mapping cannot classify is recorded instead of failing the helpdesk's write
-- (unless the attachment is strict); attaching an attached table again needs replace => true.

ALTER TABLE @extschema@.attachment ADD COLUMN strict boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN @extschema@.attachment.strict IS
    'true: an unmapped status or unknown author kind fails the helpdesk''s write (22023); false (default): it is recorded in sla.mapping_problem';

CREATE TABLE @extschema@.mapping_problem (
    attachment_id    integer NOT NULL REFERENCES @extschema@.attachment (id) ON DELETE CASCADE,
    field            text NOT NULL,
    value            text,
    first_ticket_key text,
    last_ticket_key  text,
    first_seen       timestamptz NOT NULL,
    last_seen        timestamptz NOT NULL,
    count            bigint NOT NULL,
    CONSTRAINT mapping_problem_value_key UNIQUE NULLS NOT DISTINCT (attachment_id, field, value)
);
COMMENT ON TABLE @extschema@.mapping_problem IS
    'values the mapping could not classify (status without lifecycle, unknown author kind): where, how often, first and last ticket; cleared with sla.clear_mapping_problems';
COMMENT ON COLUMN @extschema@.mapping_problem.field IS
    'the mapping field: status, author_kind (a value in no value list) or author_function (an answer other than customer, agent, system)';
COMMENT ON COLUMN @extschema@.mapping_problem.value IS 'the value as text (its first 1,000 bytes); NULL: the column was NULL';
COMMENT ON COLUMN @extschema@.mapping_problem.count IS
    'occurrences recorded; one met while another open transaction holds this row is not counted (writes never wait here)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.mapping_problem', '');

DROP FUNCTION @extschema@.attach(regclass, jsonb, regclass, jsonb, text);
CREATE FUNCTION @extschema@.attach(ticket_table regclass, mapping jsonb,
        message_table regclass DEFAULT NULL, message_mapping jsonb DEFAULT NULL,
        time_zone text DEFAULT 'UTC', strict boolean DEFAULT false, replace boolean DEFAULT false)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ticket_spec constant jsonb := '{
        "key": ["integer", "uuid", "scalar"], "created_at": ["timestamptz", "timestamp", "epoch"],
        "updated_at": ["timestamptz", "timestamp", "epoch"], "status": ["scalar"],
        "priority": ["scalar"], "channel": ["scalar"], "department": ["scalar"], "agent": ["scalar"],
        "requester": ["scalar"], "referrer": ["scalar"], "tags": ["text_array"],
        "custom_fields": ["json"], "deleted": ["boolean", "integer"], "created_by_invitation": ["boolean"]}';
    message_spec constant jsonb := '{
        "ticket": ["integer", "uuid", "scalar"], "created_at": ["timestamptz", "timestamp", "epoch"],
        "author_kind": ["scalar"], "public": ["boolean"], "internal": ["boolean"], "channel": ["scalar"],
        "updated_at": ["timestamptz", "timestamp", "epoch"], "published": ["boolean", "scalar"],
        "published_at": ["timestamptz", "timestamp", "epoch"]}';
    message_options constant text[] := ARRAY['customer_values', 'agent_values', 'system_values',
                                             'author_function', 'public_function', 'chat_values',
                                             'call_values', 'published_values', 'published_function'];
    m jsonb := '{}';
    kinds jsonb := '{}';
    mm jsonb := NULL;
    old_message_table regclass;
    k text;
    v jsonb;
    att_id integer;
    fn regprocedure;
    existing @extschema@.attachment;
    publish_when text;
BEGIN
    IF ticket_table IS NULL OR mapping IS NULL OR jsonb_typeof(mapping) <> 'object' THEN
        RAISE EXCEPTION 'attach needs a ticket table and a JSON object mapping its columns'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF attach.strict IS NULL OR attach.replace IS NULL THEN
        RAISE EXCEPTION 'attach: strict and replace must be true or false, not NULL'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOR k IN SELECT jsonb_object_keys(mapping) LOOP
        IF NOT ticket_spec ? k THEN
            RAISE EXCEPTION 'unknown ticket mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys: ' || (SELECT string_agg(x, ', ') FROM jsonb_object_keys(ticket_spec) x) || '.';
        END IF;
    END LOOP;
    -- only a helpdesk's own tables: sla's tracking tables would feed the engine its own writes
    -- (every insert recursed until the stack ran out), views and sequences have no rows to track
    FOR k, v IN SELECT 'ticket table', to_jsonb(attach.ticket_table::oid)
                UNION ALL SELECT 'message table', to_jsonb(attach.message_table::oid) WHERE attach.message_table IS NOT NULL LOOP
        IF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = (v #>> '{}')::oid AND c.relkind IN ('r', 'p')) THEN
            RAISE EXCEPTION 'cannot attach %: the % must be a table', (v #>> '{}')::oid::regclass, k
                  USING ERRCODE = 'wrong_object_type';
        END IF;
        IF (SELECT c.relnamespace FROM pg_class c WHERE c.oid = (v #>> '{}')::oid)
           = (SELECT e.extnamespace FROM pg_extension e WHERE e.extname = 'sla') THEN
            RAISE EXCEPTION 'cannot attach %: it belongs to sla itself', (v #>> '{}')::oid::regclass
                  USING ERRCODE = 'wrong_object_type', HINT = 'Attach the helpdesk''s own ticket and message tables.';
        END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['key', 'created_at', 'status'] LOOP
        IF NOT mapping ? k THEN
            RAISE EXCEPTION 'the ticket mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    FOR k, v IN SELECT * FROM jsonb_each(mapping) LOOP
        kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(ticket_table, k, v #>> '{}',
                     ARRAY(SELECT jsonb_array_elements_text(ticket_spec -> k))));
        m := m || jsonb_build_object(k, v #>> '{}');
    END LOOP;
    -- the key's own type, so lookups by key can use the host's index
    m := m || jsonb_build_object('kinds', kinds, 'key_type',
         (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
           WHERE a.attrelid = ticket_table AND a.attname = mapping ->> 'key'));

    IF message_table IS NOT NULL THEN
        IF message_mapping IS NULL OR jsonb_typeof(message_mapping) <> 'object' THEN
            RAISE EXCEPTION 'a message table needs a message mapping' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        mm := '{}';
        kinds := '{}';
        FOR k, v IN SELECT * FROM jsonb_each(message_mapping) LOOP
            IF k LIKE '%\_values' AND k = ANY (message_options) THEN
                -- a value list: strings (or numbers, read as their text), never a lone value
                IF jsonb_typeof(v) <> 'array'
                   OR EXISTS (SELECT FROM jsonb_array_elements(v) x WHERE jsonb_typeof(x) NOT IN ('string', 'number')) THEN
                    RAISE EXCEPTION 'message mapping key "%" must be a JSON array of values, not %', k, v
                          USING ERRCODE = 'invalid_parameter_value',
                                HINT = format('For example "%s": ["customer", "requester"].', k);
                END IF;
                mm := mm || jsonb_build_object(k, (SELECT jsonb_agg(x #>> '{}') FROM jsonb_array_elements(v) x));
            ELSIF k = ANY (message_options) THEN
                IF jsonb_typeof(v) <> 'string' THEN
                    RAISE EXCEPTION 'message mapping key "%" must name a function as a JSON string, not %', k, v
                          USING ERRCODE = 'invalid_parameter_value';
                END IF;
                mm := mm || jsonb_build_object(k, v);
            ELSIF message_spec ? k THEN
                kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(message_table, k, v #>> '{}',
                             ARRAY(SELECT jsonb_array_elements_text(message_spec -> k))));
                mm := mm || jsonb_build_object(k, v #>> '{}');
            ELSE
                RAISE EXCEPTION 'unknown message mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Keys: ticket, created_at, updated_at, author_kind, customer_values, agent_values, system_values, author_function, public, internal, public_function, channel, chat_values, call_values, published, published_values, published_function, published_at.';
            END IF;
        END LOOP;
        FOREACH k IN ARRAY ARRAY['ticket', 'created_at'] LOOP
            IF NOT mm ? k THEN
                RAISE EXCEPTION 'the message mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
        IF NOT (mm ? 'author_kind' OR mm ? 'author_function') THEN
            RAISE EXCEPTION 'the message mapping needs author_kind (a column with value lists) or author_function'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- drafts: published is a boolean column, or any column with the values meaning "sent",
        -- or a function of the row; published_at only dates what one of them publishes
        IF mm ? 'published' AND mm ? 'published_function' THEN
            RAISE EXCEPTION 'the message mapping names both published (column "%") and published_function: one tells drafts from published messages',
                  mm ->> 'published' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mm ? 'published_values' AND NOT mm ? 'published' THEN
            RAISE EXCEPTION 'the message mapping has published_values but no published column'
                  USING ERRCODE = 'invalid_parameter_value',
                        HINT = 'For example "published": "status", "published_values": ["sent"].';
        END IF;
        IF message_mapping -> 'published_values' = '[]' THEN
            RAISE EXCEPTION 'published_values of column "%" is empty: no message would ever count', mm ->> 'published'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mm ? 'published' AND kinds ->> 'published' <> 'boolean' AND NOT mm ? 'published_values' THEN
            RAISE EXCEPTION 'column "%" of relation % has type %, which cannot be mapped as published without published_values',
                  mm ->> 'published', message_table,
                  (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                    WHERE a.attrelid = attach.message_table AND a.attname = mm ->> 'published')
                  USING ERRCODE = 'datatype_mismatch',
                        HINT = 'Map a boolean column, or list the values meaning published: "published_values": ["sent"].';
        END IF;
        IF mm ? 'published_at' AND NOT (mm ? 'published' OR mm ? 'published_function') THEN
            RAISE EXCEPTION 'the message mapping has published_at (column "%") but neither published nor published_function',
                  mm ->> 'published_at' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- a function signature is read with the message table's schema on the search path, so
        -- its argument may be written unqualified (my_author(desk_message)); it is stored
        -- qualified, as the engine reads it under its own fixed search path
        FOREACH k IN ARRAY ARRAY['author_function', 'public_function', 'published_function'] LOOP
            CONTINUE WHEN NOT mm ? k;
            PERFORM set_config('search_path', format('%I, pg_catalog, pg_temp',
                               (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                 WHERE c.oid = attach.message_table)), true);
            fn := (mm ->> k)::regprocedure;
            PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
            PERFORM @extschema@.check_function_registration(fn, format('the %s of %s', k, message_table));
            IF k = 'published_function' AND (SELECT p.prorettype FROM pg_proc p WHERE p.oid = fn) <> 'boolean'::regtype THEN
                RAISE EXCEPTION 'the published_function % of % returns %, not boolean', fn, message_table,
                      format_type((SELECT p.prorettype FROM pg_proc p WHERE p.oid = fn), NULL)
                      USING ERRCODE = 'datatype_mismatch';
            END IF;
            mm := mm || jsonb_build_object(k, fn::text);
        END LOOP;
        mm := mm || jsonb_build_object('kinds', kinds);
    END IF;

    -- a second attach of a live table would silently swap the mapping the helpdesk's writes are
    -- read with (a setup script run twice): only on request.  A detached table is attached again.
    SELECT * INTO existing FROM @extschema@.attachment a WHERE a.ticket_table = attach.ticket_table FOR UPDATE;
    IF FOUND AND existing.attached AND NOT attach.replace THEN
        RAISE EXCEPTION 'table % is already attached (attachment %)', ticket_table, existing.id
              USING ERRCODE = 'duplicate_object',
                    HINT = 'To replace its mapping, call sla.attach(..., replace => true); its clocks, status map and problems stay.';
    END IF;
    IF message_table IS NOT NULL THEN
        SELECT * INTO existing FROM @extschema@.attachment a
         WHERE a.message_table = attach.message_table AND a.ticket_table <> attach.ticket_table;
        IF FOUND THEN
            RAISE EXCEPTION 'message table % is already attached to %', message_table, existing.ticket_table
                  USING ERRCODE = 'duplicate_object',
                        HINT = 'A message table serves one ticket table: attach that one again without it first.';
        END IF;
    END IF;
    -- replacing the mapping: a message table no longer named loses its trigger; the triggers of
    -- the ticket table are made again below, so every one of them exists afterwards
    SELECT a.message_table INTO old_message_table FROM @extschema@.attachment a
     WHERE a.ticket_table = attach.ticket_table;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message') THEN
        EXECUTE format('DROP TRIGGER sla_message ON %s', old_message_table);
    END IF;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message_update') THEN
        EXECUTE format('DROP TRIGGER sla_message_update ON %s', old_message_table);
    END IF;
    INSERT INTO @extschema@.attachment AS a (ticket_table, mapping, message_table, message_mapping, time_zone, strict)
         VALUES (attach.ticket_table, m, attach.message_table, mm, attach.time_zone, attach.strict)
    ON CONFLICT ON CONSTRAINT attachment_ticket_table_key DO UPDATE
         SET mapping = EXCLUDED.mapping, message_table = EXCLUDED.message_table,
             message_mapping = EXCLUDED.message_mapping, time_zone = EXCLUDED.time_zone,
             strict = EXCLUDED.strict, attached = true
    RETURNING a.id INTO att_id;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket') THEN
        EXECUTE format('DROP TRIGGER sla_ticket ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_update') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_update ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_delete') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_delete ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_truncate') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_truncate ON %s', ticket_table);
    END IF;
    EXECUTE format('CREATE TRIGGER sla_ticket_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.ticket_table_truncated(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_inserted(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket_update AFTER UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_changed(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket_delete AFTER DELETE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_deleted(%s)',
                   ticket_table, att_id);
    IF message_table IS NOT NULL THEN
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message') THEN
            EXECUTE format('DROP TRIGGER sla_message ON %s', message_table);
        END IF;
        EXECUTE format('CREATE TRIGGER sla_message AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.message_added(%s)',
                       message_table, att_id);
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message_update') THEN
            EXECUTE format('DROP TRIGGER sla_message_update ON %s', message_table);
        END IF;
        -- the update that publishes a draft counts; the WHEN clause keeps the helpdesk's draft
        -- autosaves out of C: a boolean column exactly (only the update that sets it true), a
        -- value list by any change of the column (C compares the values, numerically on numeric
        -- columns).  A published_function runs as its owner in C, so it gets no WHEN clause: a
        -- WHEN clause would run it as the writer.
        publish_when := CASE
            WHEN mm ? 'published' AND NOT mm ? 'published_values'
                THEN format('WHEN (NEW.%I IS TRUE AND OLD.%I IS NOT TRUE) ', mm ->> 'published', mm ->> 'published')
            WHEN mm ? 'published'
                THEN format('WHEN (OLD.%I::pg_catalog.text IS DISTINCT FROM NEW.%I::pg_catalog.text) ', mm ->> 'published', mm ->> 'published')
            ELSE '' END;
        IF mm ? 'published' OR mm ? 'published_function' THEN
            EXECUTE format('CREATE TRIGGER sla_message_update AFTER UPDATE ON %s FOR EACH ROW %sEXECUTE FUNCTION @extschema@.message_updated(%s)',
                           message_table, publish_when, att_id);
        END IF;
    END IF;
    RETURN att_id;
END
$$;
COMMENT ON FUNCTION @extschema@.attach(regclass, jsonb, regclass, jsonb, text, boolean, boolean) IS
    'attaches sla to a helpdesk''s ticket (and message) table through a column mapping; adds row triggers, never columns; returns the attachment id.  strict: unclassifiable values fail the write; replace: an attached table gets the new mapping (else 42710)';
REVOKE EXECUTE ON FUNCTION @extschema@.attach(regclass, jsonb, regclass, jsonb, text, boolean, boolean) FROM PUBLIC;

CREATE VIEW @extschema@.health WITH (security_invoker = true) AS
SELECT p.attachment_id, a.ticket_table, 'mapping_problem'::text AS item, p.field, p.value,
       p.count AS occurrences, p.first_seen, p.last_seen, p.first_ticket_key, p.last_ticket_key,
       CASE p.field
           WHEN 'status' THEN CASE WHEN p.value IS NULL THEN 'the status column was NULL: give the tickets a status'
                                   ELSE pg_catalog.format('SELECT sla.map_status(%L, %L, ''open'');  -- or paused, solved, closed, deleted',
                                                a.ticket_table::text, p.value) END
           WHEN 'author_kind' THEN 'list the value in customer_values, agent_values or system_values: sla.attach(..., replace => true)'
           ELSE 'make the author function return customer, agent or system'
       END AS remedy
  FROM @extschema@.mapping_problem p
  JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) p.attachment_id;
COMMENT ON VIEW @extschema@.health IS
    'items needing attention per attachment (mapping problems: values the mapping could not classify), with a remedy';
COMMENT ON COLUMN @extschema@.health.attachment_id IS 'the attachment (sla.attachment.id)';
COMMENT ON COLUMN @extschema@.health.ticket_table IS 'its ticket table';
COMMENT ON COLUMN @extschema@.health.item IS 'the kind of item: mapping_problem';
COMMENT ON COLUMN @extschema@.health.field IS 'the mapping field concerned: status, author_kind, author_function';
COMMENT ON COLUMN @extschema@.health.value IS 'the value that could not be classified (NULL: the column was NULL)';
COMMENT ON COLUMN @extschema@.health.occurrences IS 'how often it was met (a lower bound under concurrent writers)';
COMMENT ON COLUMN @extschema@.health.first_seen IS 'when it was first met';
COMMENT ON COLUMN @extschema@.health.last_seen IS 'when it was last met';
COMMENT ON COLUMN @extschema@.health.first_ticket_key IS 'the ticket it was first met on';
COMMENT ON COLUMN @extschema@.health.last_ticket_key IS 'the ticket it was last met on';
COMMENT ON COLUMN @extschema@.health.remedy IS 'what fixes it';

CREATE FUNCTION @extschema@.clear_mapping_problems(ticket_table regclass, field text DEFAULT NULL,
        value text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
    n integer;
BEGIN
    SELECT a.id INTO att_id FROM @extschema@.attachment a WHERE a.ticket_table = clear_mapping_problems.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    DELETE FROM @extschema@.mapping_problem p
     WHERE p.attachment_id = att_id
       AND (clear_mapping_problems.field IS NULL OR p.field = clear_mapping_problems.field)
       AND (clear_mapping_problems.value IS NULL OR p.value = clear_mapping_problems.value);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.clear_mapping_problems(regclass, text, text) IS
    'deletes the mapping problems of an attachment (of one field, of one value); returns how many';
REVOKE EXECUTE ON FUNCTION @extschema@.clear_mapping_problems(regclass, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.clear_mapping_problems(regclass, text, text) TO sla_admin;
GRANT SELECT ON @extschema@.mapping_problem, @extschema@.health TO sla_reader, sla_admin;
GRANT SELECT, INSERT, UPDATE ON @extschema@.mapping_problem TO sla_writer;
GRANT DELETE ON @extschema@.mapping_problem TO sla_admin;

ALTER TABLE @extschema@.mapping_problem ENABLE ROW LEVEL SECURITY;
CREATE POLICY mapping_problem_engine_and_admin_read ON @extschema@.mapping_problem FOR SELECT TO sla_writer, sla_admin
    USING (true);
CREATE POLICY mapping_problem_follows_host ON @extschema@.mapping_problem FOR SELECT
    USING (attachment_id OPERATOR(pg_catalog.<>) ALL ((SELECT @extschema@.rls_hidden_attachments())::integer[])
           OR ((first_ticket_key IS NULL OR @extschema@.ticket_visible(attachment_id, first_ticket_key))
               AND (last_ticket_key IS NULL OR @extschema@.ticket_visible(attachment_id, last_ticket_key))));
CREATE POLICY mapping_problem_insert ON @extschema@.mapping_problem FOR INSERT WITH CHECK (true);
CREATE POLICY mapping_problem_update ON @extschema@.mapping_problem FOR UPDATE USING (true);
CREATE POLICY mapping_problem_delete ON @extschema@.mapping_problem FOR DELETE USING (true);
CREATE POLICY mapping_problem_attachment_writer ON @extschema@.mapping_problem AS RESTRICTIVE FOR ALL TO sla_writer
    USING (@extschema@.may_write_attachment(attachment_id))
    WITH CHECK (@extschema@.may_write_attachment(attachment_id));

-- ------------------------------------------------------------------ the fact log
-- Every fact the clock model applies is logged per ticket; a fact out of canonical order within
-- an instant is applied by replaying the ticket (src/ticket_flow.c).


CREATE TABLE @extschema@.fact (
    attachment_id integer NOT NULL,
    ticket_key    text NOT NULL,
    seq           integer NOT NULL,
    at            timestamptz NOT NULL,
    kind          text NOT NULL,
    detail        jsonb NOT NULL,
    PRIMARY KEY (attachment_id, ticket_key, seq)
);
COMMENT ON TABLE @extschema@.fact IS
    'the facts the clock model applied, per ticket in arrival order (seq): created, message, level, lifecycle';
COMMENT ON COLUMN @extschema@.fact.at IS
    'the instant it took effect (never before the ticket''s previous fact: a fact dated earlier takes effect then)';
COMMENT ON COLUMN @extschema@.fact.detail IS
    'what the clock model read: created {lifecycle, level}, message {author, public, response}, level {level}, lifecycle {lifecycle}';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.fact', '');
GRANT SELECT ON @extschema@.fact TO sla_reader, sla_admin;
GRANT SELECT, INSERT ON @extschema@.fact TO sla_writer;
GRANT DELETE ON @extschema@.clock, @extschema@.event TO sla_writer;
ALTER TABLE @extschema@.fact ENABLE ROW LEVEL SECURITY;
CREATE POLICY fact_engine_and_admin_read ON @extschema@.fact FOR SELECT TO sla_writer, sla_admin USING (true);
CREATE POLICY fact_follows_host ON @extschema@.fact FOR SELECT
    USING (attachment_id OPERATOR(pg_catalog.<>) ALL ((SELECT @extschema@.rls_hidden_attachments())::integer[])
           OR @extschema@.ticket_visible(attachment_id, ticket_key));
CREATE POLICY fact_insert ON @extschema@.fact FOR INSERT WITH CHECK (true);
CREATE POLICY fact_update ON @extschema@.fact FOR UPDATE USING (true);
CREATE POLICY fact_delete ON @extschema@.fact FOR DELETE USING (true);
CREATE POLICY fact_attachment_writer ON @extschema@.fact AS RESTRICTIVE FOR ALL TO sla_writer
    USING (@extschema@.may_write_attachment(attachment_id))
    WITH CHECK (@extschema@.may_write_attachment(attachment_id));

-- ------------------------------------------------------------------ drafts
-- A message counts when it becomes published: the message mapping may tell drafts from
-- published messages (published, published_values, published_function, published_at,
-- updated_at); attach adds the UPDATE trigger sla_message_update, detach drops it, backfill
-- replays only published messages, in the order they were published.

CREATE OR REPLACE FUNCTION @extschema@.detach(ticket_table regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att @extschema@.attachment;
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = detach.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket') THEN
        EXECUTE format('DROP TRIGGER sla_ticket ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_update') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_update ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_delete') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_delete ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_truncate') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_truncate ON %s', att.ticket_table);
    END IF;
    IF att.message_table IS NOT NULL
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.message_table AND t.tgname = 'sla_message') THEN
        EXECUTE format('DROP TRIGGER sla_message ON %s', att.message_table);
    END IF;
    IF att.message_table IS NOT NULL
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.message_table AND t.tgname = 'sla_message_update') THEN
        EXECUTE format('DROP TRIGGER sla_message_update ON %s', att.message_table);
    END IF;
    UPDATE @extschema@.attachment a SET attached = false WHERE a.id = att.id;
END
$$;

-- A draft published by an UPDATE (AFTER UPDATE row trigger sla_message_update, made by attach
-- only when the message mapping has published or published_function; argument: the attachment
-- id): the update that publishes is the message's fact, as an insert of a published message is.
CREATE FUNCTION @extschema@.message_updated() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_message_updated' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.message_updated() IS
    'row trigger sla.attach() puts on a message table with drafts: the update that publishes a draft counts as the message, dated by published_at, updated_at or now(); autosaves and edits of published messages move nothing';

-- Whether a message row is published and since when, as the triggers read it (C), for
-- sla.backfill(): it replays published messages in the order they were published.
CREATE FUNCTION @extschema@.message_facts(att_id integer, msg anyelement, OUT published boolean,
                                          OUT published_at timestamptz)
    AS 'MODULE_PATHNAME', 'sla_message_facts_sql' LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.message_facts(integer, anyelement) IS
    'whether a message row is published (not a draft) and its published instant (published_at, else created_at), as the engine reads it; used by backfill';
REVOKE EXECUTE ON FUNCTION @extschema@.message_updated() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.message_facts(integer, anyelement) FROM PUBLIC;


-- ------------------------------------------------------------------ backfill with a status history
-- sla.backfill reads an optional status history (a table or view of ticket, time, status), replays
-- tickets tracked on an update since attaching (the update trigger marks them tracked_on_update)
-- and takes a created_after cut-off, kept on the attachment for the update trigger.

ALTER TABLE @extschema@.attachment ADD COLUMN created_after timestamptz;
COMMENT ON COLUMN @extschema@.attachment.created_after IS
    'the cut-off of sla.backfill: a ticket created before it is never tracked from before the attachment (neither by backfill nor by its later updates); NULL: no cut-off';

-- The lifecycle the status map gives one status of a ticket's status history, for sla.backfill():
-- compared as the ticket table's status column would be; NULL for a value the map lacks (recorded
-- as a mapping problem, or 22023 when the attachment is strict).  C (src/status_history.c).
CREATE FUNCTION @extschema@.history_lifecycle(att_id integer, status anyelement, ticket_key text)
    RETURNS text AS 'MODULE_PATHNAME', 'sla_history_lifecycle' LANGUAGE C;

-- A mapped time column of a host table or view (alias x) as a timestamptz expression: a
-- timestamp is in the attachment's zone, an integer is Unix seconds (as the C code reads them).
CREATE FUNCTION @extschema@.instant_expression(col text, kind text, time_zone text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE kind
        WHEN 'timestamp' THEN pg_catalog.format('pg_catalog.timezone(%L, x.%I)', time_zone, col)
        WHEN 'epoch' THEN pg_catalog.format('pg_catalog.to_timestamp(x.%I::pg_catalog.float8)', col)
        ELSE pg_catalog.format('x.%I', col) END
$$;
REVOKE EXECUTE ON FUNCTION @extschema@.history_lifecycle(integer, anyelement, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.instant_expression(text, text, text) FROM PUBLIC;

DROP FUNCTION @extschema@.backfill(regclass);
-- Tickets that existed before attaching get the clocks they would have had had sla been attached
-- from the start, as far as the helpdesk's rows tell.  Per ticket, in time order (and within an
-- instant: messages, then lifecycle changes, as clockflow's canonical order): created (in the
-- lifecycle of the status history's entry at its creation, else open), its messages, its status
-- changes from the history; then its current status at its last update when that differs.
-- Without a status history only the current status is known: a solved or closed ticket is taken
-- as solved at its last update, a paused one as paused since then.
--
-- Which tickets: those not tracked yet, and those tracked on an update since attaching (the
-- update trigger marks them tracked_on_update: tracked from their creation with only that
-- update's status, their earlier messages never seen), whose tracking rows are replaced by the
-- replay.  Tickets tracked by the insert trigger, or backfilled already, are left as they are:
-- backfill is idempotent.  Each ticket replayed is locked in the host table first, so that a
-- helpdesk update of it waits for the commit instead of tracking it a second time.
--
-- created_after: tickets created before it stay untracked (their tracking rows, if an update
-- made some, are removed), and it is kept on the attachment so that their later updates leave
-- them alone too; NULL keeps the attachment's cut-off, '-infinity' removes it.
--
-- Returns the number of tickets started (replays included).
CREATE FUNCTION @extschema@.backfill(ticket_table regclass, status_history regclass DEFAULT NULL,
        history_mapping jsonb DEFAULT NULL, created_after timestamptz DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    history_spec constant jsonb := '{"ticket": ["integer", "uuid", "scalar"],
        "at": ["timestamptz", "timestamp", "epoch"], "status": ["scalar"], "sequence": ["scalar"]}';
    att @extschema@.attachment;
    m jsonb;
    mm jsonb;
    k text;
    v jsonb;
    history_kinds jsonb := '{}';
    cutoff timestamptz;
    steps_sql text;       -- one ticket's replay: its messages and status history, in order
    tracked_sql text;     -- track_ticket on the host row of one key
    facts_sql text;       -- the host row of one key, locked, as the engine reads it
    candidate record;
    host record;
    step record;
    started boolean;
    marked boolean;
    lc text;
    replaced jsonb;
    n integer := 0;
    n_replayed integer := 0;
    n_cut integer := 0;
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = backfill.ticket_table AND a.attached
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    m := att.mapping;
    mm := att.message_mapping;

    -- ---------------------------------------------------------------- the status history source
    IF (status_history IS NULL) <> (history_mapping IS NULL) THEN
        RAISE EXCEPTION 'backfill: a status history needs a history mapping and the other way round (got %, %)',
              coalesce(status_history::text, 'NULL'), coalesce(history_mapping::text, 'NULL')
              USING ERRCODE = 'invalid_parameter_value',
                    HINT = 'For example sla.backfill(''tickets'', ''ticket_status_history'', ''{"ticket": "ticket_id", "at": "changed_at", "status": "status"}'').';
    END IF;
    IF status_history IS NOT NULL THEN
        IF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = status_history AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) THEN
            RAISE EXCEPTION 'status history % must be a table or a view', status_history
                  USING ERRCODE = 'wrong_object_type';
        END IF;
        IF jsonb_typeof(history_mapping) <> 'object' THEN
            RAISE EXCEPTION 'the history mapping must be a JSON object naming columns, not %', history_mapping
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOR k, v IN SELECT * FROM jsonb_each(history_mapping) LOOP
            IF NOT history_spec ? k THEN
                RAISE EXCEPTION 'unknown history mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Keys: ticket, at, status (required) and sequence (orders the entries of one instant).';
            END IF;
            IF jsonb_typeof(v) <> 'string' THEN
                RAISE EXCEPTION 'history mapping key "%" must name a column as a JSON string, not %', k, v
                      USING ERRCODE = 'invalid_parameter_value';
            END IF;
            history_kinds := history_kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(status_history,
                                 'history ' || k, v #>> '{}', ARRAY(SELECT jsonb_array_elements_text(history_spec -> k))));
        END LOOP;
        FOREACH k IN ARRAY ARRAY['ticket', 'at', 'status'] LOOP
            IF NOT history_mapping ? k THEN
                RAISE EXCEPTION 'the history mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
    END IF;

    -- ---------------------------------------------------------------- the cut-off
    IF created_after IS NOT NULL THEN
        UPDATE @extschema@.attachment a SET created_after = nullif(backfill.created_after, '-infinity')
         WHERE a.id = att.id;
    END IF;
    cutoff := CASE WHEN created_after IS NULL THEN att.created_after ELSE nullif(created_after, '-infinity') END;

    -- ---------------------------------------------------------------- the statements, once
    facts_sql := format('SELECT f.* FROM %s x CROSS JOIN LATERAL @extschema@.ticket_facts($1, x) f
                          WHERE x.%I OPERATOR(pg_catalog.=) $2::%s LIMIT 1 FOR NO KEY UPDATE OF x',
                        att.ticket_table, m ->> 'key', m ->> 'key_type');
    tracked_sql := format('SELECT @extschema@.track_ticket($1, x, $3, $4) FROM %s x
                            WHERE x.%I OPERATOR(pg_catalog.=) $2::%s LIMIT 1',
                          att.ticket_table, m ->> 'key', m ->> 'key_type');
    -- steps: (creation, at, message, lifecycle); the history's first entry, when it is at or
    -- before the creation, comes first (creation true: the lifecycle the ticket was created in).
    -- Messages: the published ones (drafts never counted), at the instant they were published.
    -- Messages travel as text, cast back to the table's row type: a record field of the row
    -- type would pin the first table's type in this function's cached plans.
    steps_sql := 'SELECT false AS creation, NULL::timestamptz AS at, 0 AS rank, 0::bigint AS ord, NULL::text AS message, NULL::text AS lifecycle WHERE false';
    IF att.message_table IS NOT NULL THEN
        steps_sql := steps_sql || format('
            UNION ALL
            SELECT false, msg.at, 0, pg_catalog.row_number() OVER (ORDER BY msg.at, msg.tid), msg.message, NULL
              FROM (SELECT f.published_at AS at, x.ctid AS tid, x::text AS message
                      FROM %s x CROSS JOIN LATERAL @extschema@.message_facts($2, x) f
                     WHERE x.%I OPERATOR(pg_catalog.=) $1::%s AND f.published) msg',
            att.message_table, mm ->> 'ticket', m ->> 'key_type');
    END IF;
    IF status_history IS NOT NULL THEN
        steps_sql := steps_sql || format('
            UNION ALL
            SELECT h.ord OPERATOR(pg_catalog.=) 1 AND h.at OPERATOR(pg_catalog.<=) $3, h.at, 2, h.ord, NULL,
                   @extschema@.history_lifecycle($2, h.status, $1)
              FROM (SELECT %1$s AS at, x.%2$I AS status,
                           pg_catalog.row_number() OVER (ORDER BY %1$s, %3$s) AS ord
                      FROM %4$s x WHERE x.%5$I OPERATOR(pg_catalog.=) $1::%6$s AND %1$s IS NOT NULL) h',
            @extschema@.instant_expression(history_mapping ->> 'at', history_kinds ->> 'at', att.time_zone),
            history_mapping ->> 'status',
            CASE WHEN history_mapping ? 'sequence' THEN format('x.%I', history_mapping ->> 'sequence') ELSE '1' END,
            status_history, history_mapping ->> 'ticket',
            (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
              WHERE a.attrelid = status_history AND a.attname = history_mapping ->> 'ticket'));
    END IF;
    steps_sql := steps_sql || ' ORDER BY creation DESC, at, rank, ord';

    -- ---------------------------------------------------------------- the tickets
    -- not tracked, or tracked on an update since attaching: oldest first
    -- (those created before the cut-off only to remove what an update tracked)
    FOR candidate IN EXECUTE format('SELECT x.%1$I::text AS key FROM %2$s x
                              WHERE (NOT EXISTS (SELECT FROM @extschema@.ticket s
                                                  WHERE s.attachment_id OPERATOR(pg_catalog.=) $1
                                                    AND s.ticket_key OPERATOR(pg_catalog.=) x.%1$I::text)
                                     AND ($2 IS NULL OR %3$s OPERATOR(pg_catalog.>=) $2))
                                 OR EXISTS (SELECT FROM @extschema@.event e
                                             WHERE e.attachment_id OPERATOR(pg_catalog.=) $1
                                               AND e.ticket_key OPERATOR(pg_catalog.=) x.%1$I::text
                                               AND e.kind OPERATOR(pg_catalog.=) ''tracked_on_update'')
                              ORDER BY %3$s',
                            m ->> 'key', att.ticket_table,
                            @extschema@.instant_expression(m ->> 'created_at', m -> 'kinds' ->> 'created_at', att.time_zone))
             USING att.id, cutoff LOOP
        CONTINUE WHEN candidate.key IS NULL;
        -- the row locked, then read again: a helpdesk update committed meanwhile is in it, and
        -- its trigger may have tracked the ticket
        EXECUTE facts_sql INTO host USING att.id, candidate.key;
        CONTINUE WHEN host.key IS NULL OR host.created_at IS NULL;
        marked := EXISTS (SELECT FROM @extschema@.event e WHERE e.attachment_id = att.id AND e.ticket_key = host.key
                                                             AND e.kind = 'tracked_on_update');
        CONTINUE WHEN NOT marked AND EXISTS (SELECT FROM @extschema@.ticket s
                                              WHERE s.attachment_id = att.id AND s.ticket_key = host.key);
        replaced := NULL;
        IF marked THEN
            -- its tracking from that update is replaced (or, before the cut-off, removed)
            WITH c AS (DELETE FROM @extschema@.clock c WHERE c.attachment_id = att.id AND c.ticket_key = host.key RETURNING 1),
                 ev AS (DELETE FROM @extschema@.event e WHERE e.attachment_id = att.id AND e.ticket_key = host.key RETURNING 1)
            SELECT jsonb_build_object('clocks', (SELECT count(*) FROM c), 'events', (SELECT count(*) FROM ev)) INTO replaced;
            DELETE FROM @extschema@.fact f WHERE f.attachment_id = att.id AND f.ticket_key = host.key;
            DELETE FROM @extschema@.ticket s WHERE s.attachment_id = att.id AND s.ticket_key = host.key;
        END IF;
        IF host.created_at < cutoff THEN
            n_cut := n_cut + 1;
            CONTINUE;
        END IF;

        -- the replay
        started := false;
        FOR step IN EXECUTE steps_sql USING host.key, att.id, host.created_at LOOP
            IF NOT started THEN
                -- without a history entry at its creation: open (deleted stays deleted when only
                -- the current status is known, as before the history source existed)
                EXECUTE tracked_sql USING att.id, host.key,
                    CASE WHEN step.creation THEN coalesce(step.lifecycle, 'open')
                         WHEN status_history IS NULL AND host.lifecycle = 'deleted' THEN 'deleted' ELSE 'open' END,
                    host.created_at;
                started := true;
                CONTINUE WHEN step.creation;
            END IF;
            IF step.message IS NOT NULL THEN
                EXECUTE format('SELECT @extschema@.process_message($1, $2::%s)', att.message_table)
                  USING att.id, step.message;
            ELSIF step.lifecycle IS NOT NULL THEN
                -- a status the map lacks (recorded as a problem) keeps the ticket's lifecycle
                PERFORM @extschema@.apply_lifecycle(att.id, host.key, step.lifecycle, step.at);
            END IF;
        END LOOP;
        IF NOT started THEN
            EXECUTE tracked_sql USING att.id, host.key,
                CASE WHEN status_history IS NULL AND host.lifecycle = 'deleted' THEN 'deleted' ELSE 'open' END, host.created_at;
        END IF;
        -- the current status, when the history does not end with it (or there is none)
        SELECT s.lifecycle INTO lc FROM @extschema@.ticket s WHERE s.attachment_id = att.id AND s.ticket_key = host.key;
        IF lc IS DISTINCT FROM host.lifecycle THEN
            PERFORM @extschema@.apply_lifecycle(att.id, host.key, host.lifecycle, coalesce(host.updated_at, host.created_at));
        END IF;
        PERFORM @extschema@.log_event(att.id, host.key, NULL, host.created_at, 'backfilled',
            jsonb_strip_nulls(jsonb_build_object('lifecycle', host.lifecycle, 'status_history', status_history::text,
                                                 'replaced', replaced)));
        n := n + 1;
        n_replayed := n_replayed + (marked)::int;
    END LOOP;
    IF n_replayed > 0 OR n_cut > 0 THEN
        RAISE NOTICE 'backfill of %: % tickets started, % of them replayed (tracked on an update since attaching), % tracked on an update removed (created before the cut-off %)',
              att.ticket_table, n, n_replayed, n_cut, cutoff;
    END IF;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.backfill(regclass, regclass, jsonb, timestamptz) IS
    'computes clocks for tickets that existed before attaching (and replays those tracked on an update since): creation, messages, the status changes of an optional status history (a table or view of ticket, at, status), the current status; created_after leaves older tickets untracked; returns how many tickets it started';
REVOKE EXECUTE ON FUNCTION @extschema@.backfill(regclass, regclass, jsonb, timestamptz) FROM PUBLIC;

-- ------------------------------------------------------------------ comments
COMMENT ON TABLE @extschema@.event IS
    'what happened to a ticket''s SLA: level_chosen, clock_started, paused, resumed, retargeted, stopped, cancelled, reopened, reassigned, backfilled, tracked_on_update, warning, breach, escalated, escalation_failed';

-- every fact updates the ticket's row: room for heap-only updates
ALTER TABLE @extschema@.ticket SET (fillfactor = 80);


-- ------------------------------------------------------------------ fewer rows per ticket
ALTER TABLE @extschema@.clock ADD COLUMN started_pos bigint;

-- No clock_started or level_chosen rows: the clock rows and the created/level facts hold them,
-- and sla.explain shows them (tickets tracked by 0.1.0 keep theirs as events).
CREATE OR REPLACE FUNCTION @extschema@.explain(ticket_table regclass, ticket_key text,
        OUT at timestamptz, OUT event text, OUT metric @extschema@.metric, OUT cycle integer,
        OUT level text, OUT detail jsonb, OUT due_at timestamptz, OUT state text,
        OUT business_used @extschema@.business_interval, OUT calendar_time interval)
    RETURNS SETOF record
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH att AS (
        SELECT a.id FROM @extschema@.attachment a WHERE a.ticket_table OPERATOR(pg_catalog.=) explain.ticket_table
    ), ev AS (
        SELECT e.* FROM @extschema@.event e, att
         WHERE e.attachment_id OPERATOR(pg_catalog.=) att.id AND e.ticket_key OPERATOR(pg_catalog.=) explain.ticket_key
    ), timeline AS (
        SELECT e.at, e.kind, e.clock_id, e.detail, e.id::numeric AS pos FROM ev e
        UNION ALL
        SELECT c.started_at, 'clock_started', c.id,
               pg_catalog.jsonb_build_object('metric', c.metric, 'cycle', c.cycle, 'target', c.target::text),
               -- its place when it started (a number from sla.event's sequence)
               coalesce(c.started_pos::numeric,
                        coalesce((SELECT pg_catalog.max(x.id) FROM ev x WHERE x.at OPERATOR(pg_catalog.<=) c.started_at), 0)
                            OPERATOR(pg_catalog.+) 0.5)
          FROM @extschema@.clock c, att
         WHERE c.attachment_id OPERATOR(pg_catalog.=) att.id AND c.ticket_key OPERATOR(pg_catalog.=) explain.ticket_key
           AND NOT EXISTS (SELECT FROM ev x WHERE x.clock_id OPERATOR(pg_catalog.=) c.id
                                              AND x.kind OPERATOR(pg_catalog.=) 'clock_started')
        UNION ALL
        SELECT f.at, 'level_chosen', NULL, (f.detail OPERATOR(pg_catalog.->) 'chosen') OPERATOR(pg_catalog.-) 'pos',
               -- first for the created fact; a level fact's choice has its place (pos) in it
               CASE WHEN f.kind OPERATOR(pg_catalog.=) 'created' THEN -1
                    ELSE coalesce((f.detail OPERATOR(pg_catalog.->) 'chosen' OPERATOR(pg_catalog.->>) 'pos')::numeric,
                                  coalesce((SELECT pg_catalog.max(x.id) FROM ev x WHERE x.at OPERATOR(pg_catalog.<=) f.at), 0)
                                      OPERATOR(pg_catalog.+) 0.25) END
          FROM @extschema@.fact f, att
         WHERE f.attachment_id OPERATOR(pg_catalog.=) att.id AND f.ticket_key OPERATOR(pg_catalog.=) explain.ticket_key
           AND f.detail OPERATOR(pg_catalog.?) 'chosen'
    )
    SELECT t.at, t.kind, c.metric, c.cycle, l.name, t.detail, c.due_at, c.state,
           CASE WHEN t.kind OPERATOR(pg_catalog.=) 'stopped' THEN c.business_used END,
           CASE WHEN t.kind OPERATOR(pg_catalog.=) 'stopped' THEN c.stopped_at OPERATOR(pg_catalog.-) c.started_at END
      FROM timeline t
      LEFT JOIN @extschema@.clock c ON c.id OPERATOR(pg_catalog.=) t.clock_id
      LEFT JOIN @extschema@.level l ON l.id OPERATOR(pg_catalog.=) c.level_id
     ORDER BY t.pos, t.clock_id
$$;

-- ------------------------------------------------------------------ tracking rows keyed like the host's
-- The tracking rows move into one set of tables per key type (sla.ticket_int8, sla.clock_int8,
-- sla.event_int8, sla.fact_int8; int4, uuid, text likewise), keyed by the ticket key in the
-- host key's own type; sla.ticket, sla.clock, sla.event and sla.fact become views uniting them,
-- with the same columns.  Each attachment's rows go to the tables of its key column's type.
-- (Generated parts: the same text as the install script's, so both end with the same objects.)

ALTER TABLE @extschema@.attachment ADD COLUMN key_type text NOT NULL DEFAULT 'text'
    CHECK (key_type OPERATOR(pg_catalog.=) ANY (ARRAY['int4', 'int8', 'uuid', 'text']));
-- The tracking tables' key type for a host key column: its own type (a domain's base type) when
-- int4, int8 or uuid, else text.
CREATE FUNCTION @extschema@.key_type_of(tbl regclass, col text) RETURNS text
    LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE CASE WHEN t.typbasetype OPERATOR(pg_catalog.<>) 0 THEN t.typbasetype ELSE t.oid END
               WHEN 'pg_catalog.int4'::pg_catalog.regtype THEN 'int4'
               WHEN 'pg_catalog.int8'::pg_catalog.regtype THEN 'int8'
               WHEN 'pg_catalog.uuid'::pg_catalog.regtype THEN 'uuid'
               ELSE 'text' END
      FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
     WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attname OPERATOR(pg_catalog.=) col AND NOT a.attisdropped
$$;
COMMENT ON FUNCTION @extschema@.key_type_of(regclass, text) IS
    'the type sla stores the keys of a host key column in: int4, int8 or uuid when it is one (or a domain over one), else text';

UPDATE @extschema@.attachment a
   SET key_type = coalesce(@extschema@.key_type_of(a.ticket_table, a.mapping OPERATOR(pg_catalog.->>) 'key'), 'text');

-- the sequences outlive the tables that owned them
ALTER SEQUENCE @extschema@.clock_id_seq OWNED BY NONE;
ALTER SEQUENCE @extschema@.event_id_seq OWNED BY NONE;

-- The names of the tables of one kind (ticket, clock, event, fact) for one key type.
CREATE FUNCTION @extschema@.tracking_table(kind text, key_type text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format('@extschema@.%I', kind OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) key_type)
     WHERE kind OPERATOR(pg_catalog.=) ANY (ARRAY['ticket', 'clock', 'event', 'fact'])
       AND key_type OPERATOR(pg_catalog.=) ANY (ARRAY['int4', 'int8', 'uuid', 'text'])
$$;
COMMENT ON FUNCTION @extschema@.tracking_table(text, text) IS
    'the tracking table of a kind (ticket, clock, event, fact) for a key type (int4, int8, uuid, text), e.g. sla.clock_int8; NULL for anything else';

DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        -- Per-ticket state: the level chosen for it, its lifecycle and who holds it.  Its updates
        -- (lifecycle, level, holder) change no indexed column: room on the page keeps them
        -- heap-only, so they write no index entry.  What changes with every fact (how many there
        -- are, the latest instant, the latest message) is read from the fact log, not written here.
        EXECUTE format($t$
            CREATE TABLE @extschema@.%1$I (
                attachment_id integer NOT NULL,
                ticket_key    pg_catalog.%2$s NOT NULL,
                level_id      integer,
                lifecycle     text NOT NULL,
                agent_replied boolean NOT NULL DEFAULT false,
                customer_waiting_since timestamptz,
                department    text,
                agent         text,
                requester     text,
                PRIMARY KEY (attachment_id, ticket_key)
            ) WITH (fillfactor = 80)$t$, 'ticket_' || kt, kt);
        EXECUTE format($t$
            CREATE TABLE @extschema@.%1$I (
                id            bigint NOT NULL DEFAULT pg_catalog.nextval('@extschema@.clock_id_seq'),
                attachment_id integer NOT NULL,
                ticket_key    pg_catalog.%2$s NOT NULL,
                metric        @extschema@.metric NOT NULL,
                cycle         integer NOT NULL DEFAULT 1,
                level_id      integer NOT NULL,
                calendar_id   integer NOT NULL,
                target        @extschema@.business_interval NOT NULL,
                started_at    timestamptz NOT NULL,
                due_at        timestamptz NOT NULL,
                paused_since  timestamptz,
                paused_for    @extschema@.business_interval NOT NULL DEFAULT '00:00:00',
                stopped_at    timestamptz,
                state         text NOT NULL CONSTRAINT %3$I
                    CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused', 'met', 'breached', 'cancelled'])),
                business_used @extschema@.business_interval,
                decided_at    timestamptz GENERATED ALWAYS AS (coalesce(stopped_at, due_at)) STORED,
                warn_at       timestamptz,
                warned_at     timestamptz,
                breach_seen_at timestamptz,
                department    text,
                agent         text,
                requester     text,
                started_pos   bigint,
                PRIMARY KEY (attachment_id, ticket_key, metric, cycle)
            )$t$, 'clock_' || kt, kt, 'clock_' || kt || '_state_known');
        -- the clock an id names (a NOTIFY payload, sla.cancel_clock): found without the ticket key
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (id)', 'clock_' || kt || '_id', 'clock_' || kt);
        -- Never two running (or paused) clocks of one metric for a ticket, whatever the concurrency.
        EXECUTE format('CREATE UNIQUE INDEX %I ON @extschema@.%I (attachment_id, ticket_key, metric)
                        WHERE state OPERATOR(pg_catalog.=) ANY (ARRAY[''running'', ''paused''])',
                       'clock_' || kt || '_one_active', 'clock_' || kt);
        -- The active clocks by due time: at_risk, breached_now and the queue read it in order (a
        -- pause or resume keeps a clock in it), whatever the number of stopped clocks.
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (due_at)
                        WHERE state OPERATOR(pg_catalog.=) ANY (ARRAY[''running'', ''paused''])',
                       'clock_' || kt || '_active_due', 'clock_' || kt);
        EXECUTE format($t$
            CREATE TABLE @extschema@.%1$I (
                id            bigint NOT NULL DEFAULT pg_catalog.nextval('@extschema@.event_id_seq'),
                attachment_id integer NOT NULL,
                ticket_key    pg_catalog.%2$s NOT NULL,
                clock_id      bigint,
                at            timestamptz NOT NULL,
                kind          text NOT NULL,
                detail        jsonb,
                PRIMARY KEY (attachment_id, ticket_key, id)
            )$t$, 'event_' || kt, kt);
        -- The fact log: per ticket and in the order they arrived, the facts the clock model
        -- applied (src/core/clockflow.h), with what the model read of them.  A fact that
        -- arrives after a fact of the same instant it sorts before (a reply saved after the
        -- close in one transaction) is applied by replaying the ticket's facts in canonical
        -- order (src/ticket_flow.c).  Keyed by the ticket and a number per ticket.
        EXECUTE format($t$
            CREATE TABLE @extschema@.%1$I (
                attachment_id integer NOT NULL,
                ticket_key    pg_catalog.%2$s NOT NULL,
                seq           integer NOT NULL,
                at            timestamptz NOT NULL,
                kind          text NOT NULL,
                detail        jsonb NOT NULL,
                PRIMARY KEY (attachment_id, ticket_key, seq)
            )$t$, 'fact_' || kt, kt);
        -- one call per table: each rewrites the extension's catalog row
        PERFORM pg_catalog.pg_extension_config_dump(format('@extschema@.%I', 'ticket_' || kt), '');
        PERFORM pg_catalog.pg_extension_config_dump(format('@extschema@.%I', 'clock_' || kt), '');
        PERFORM pg_catalog.pg_extension_config_dump(format('@extschema@.%I', 'event_' || kt), '');
        PERFORM pg_catalog.pg_extension_config_dump(format('@extschema@.%I', 'fact_' || kt), '');
        EXECUTE format('COMMENT ON TABLE @extschema@.%I IS %L', 'ticket_' || kt,
                       format('the SLA level, lifecycle and holder of each attached ticket whose key is %s (all key types: the view sla.ticket)', kt));
        EXECUTE format('COMMENT ON TABLE @extschema@.%I IS %L', 'clock_' || kt,
                       format('SLA clocks of tickets whose key is %s, one row per ticket, metric and cycle (all key types: the view sla.clock)', kt));
        EXECUTE format('COMMENT ON TABLE @extschema@.%I IS %L', 'event_' || kt,
                       format('SLA events of tickets whose key is %s (all key types: the view sla.event)', kt));
        EXECUTE format('COMMENT ON TABLE @extschema@.%I IS %L', 'fact_' || kt,
                       format('the fact log of tickets whose key is %s (all key types: the view sla.fact)', kt));
    END LOOP;
END
$$;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.clock_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.event_id_seq', '');

-- the rows, each attachment's to the tables of its key type (no trigger fires: the clocks keep
-- their warn_at)
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('INSERT INTO @extschema@.%I (attachment_id, ticket_key, level_id, lifecycle, agent_replied,
                            customer_waiting_since, department, agent, requester)
                        SELECT t.attachment_id, t.ticket_key::pg_catalog.%s, t.level_id, t.lifecycle, t.agent_replied,
                               t.customer_waiting_since, t.department, t.agent, t.requester
                          FROM @extschema@.ticket t JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) t.attachment_id
                         WHERE a.key_type OPERATOR(pg_catalog.=) %L', 'ticket_' || kt, kt, kt);
        EXECUTE format('INSERT INTO @extschema@.%I (id, attachment_id, ticket_key, metric, cycle, level_id, calendar_id,
                            target, started_at, due_at, paused_since, paused_for, stopped_at, state, business_used,
                            warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos)
                        SELECT c.id, c.attachment_id, c.ticket_key::pg_catalog.%s, c.metric, c.cycle, c.level_id, c.calendar_id,
                               c.target, c.started_at, c.due_at, c.paused_since, c.paused_for, c.stopped_at, c.state,
                               c.business_used, c.warn_at, c.warned_at, c.breach_seen_at, c.department, c.agent,
                               c.requester, c.started_pos
                          FROM @extschema@.clock c JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) c.attachment_id
                         WHERE a.key_type OPERATOR(pg_catalog.=) %L', 'clock_' || kt, kt, kt);
        EXECUTE format('INSERT INTO @extschema@.%I (id, attachment_id, ticket_key, clock_id, at, kind, detail)
                        SELECT e.id, e.attachment_id, e.ticket_key::pg_catalog.%s, e.clock_id, e.at, e.kind, e.detail
                          FROM @extschema@.event e JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) e.attachment_id
                         WHERE a.key_type OPERATOR(pg_catalog.=) %L', 'event_' || kt, kt, kt);
        EXECUTE format('INSERT INTO @extschema@.%I (attachment_id, ticket_key, seq, at, kind, detail)
                        SELECT f.attachment_id, f.ticket_key::pg_catalog.%s, f.seq, f.at, f.kind, f.detail
                          FROM @extschema@.fact f JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) f.attachment_id
                         WHERE a.key_type OPERATOR(pg_catalog.=) %L', 'fact_' || kt, kt, kt);
    END LOOP;
END
$$;

-- the old tables go (their policies and triggers with them); clock_used takes the view's row type
DROP FUNCTION @extschema@.clock_used(@extschema@.clock, timestamptz);
-- out of the extension first: that also takes them out of its configuration tables (pg_dump)
ALTER EXTENSION sla DROP TABLE @extschema@.ticket;
ALTER EXTENSION sla DROP TABLE @extschema@.clock;
ALTER EXTENSION sla DROP TABLE @extschema@.event;
ALTER EXTENSION sla DROP TABLE @extschema@.fact;
DROP TABLE @extschema@.ticket, @extschema@.clock, @extschema@.event, @extschema@.fact;

-- The views over every key type.  security_invoker: the caller's rights and the tables'
-- row-level security apply (97_row_security.sql), as they did on the tables of 0.1.0.
CREATE VIEW @extschema@.ticket WITH (security_invoker = true) AS
    SELECT attachment_id, ticket_key::text AS ticket_key, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester FROM @extschema@.ticket_int4
    UNION ALL
    SELECT attachment_id, ticket_key::text, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester FROM @extschema@.ticket_int8
    UNION ALL
    SELECT attachment_id, ticket_key::text, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester FROM @extschema@.ticket_uuid
    UNION ALL
    SELECT attachment_id, ticket_key, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester FROM @extschema@.ticket_text;
COMMENT ON VIEW @extschema@.ticket IS 'the SLA level and lifecycle state of each attached ticket (the key as text)';
COMMENT ON COLUMN @extschema@.ticket.customer_waiting_since IS
    'a customer message that arrived while the ticket was solved or closed: next_response starts from it on reopen';
COMMENT ON COLUMN @extschema@.ticket.attachment_id IS 'the attachment (sla.attachment.id) whose host table holds the ticket';
COMMENT ON COLUMN @extschema@.ticket.ticket_key IS 'the ticket''s key in its host table, as text (stored in the host key''s own type)';
COMMENT ON COLUMN @extschema@.ticket.level_id IS 'the SLA level the rules chose (sla.level.id); NULL: no level, no clocks';
COMMENT ON COLUMN @extschema@.ticket.lifecycle IS 'open, paused, solved, closed or deleted, from the host status through the status map';
COMMENT ON COLUMN @extschema@.ticket.agent_replied IS 'an agent has replied since the customer''s latest message';
COMMENT ON COLUMN @extschema@.ticket.agent IS 'the agent holding the ticket';
COMMENT ON COLUMN @extschema@.ticket.requester IS 'the customer who asked';
COMMENT ON COLUMN @extschema@.ticket.department IS
    'who holds the ticket (department, agent, requester), copied onto the clocks it starts';

CREATE VIEW @extschema@.clock WITH (security_invoker = true) AS
    SELECT id, attachment_id, ticket_key::text AS ticket_key, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos
      FROM @extschema@.clock_int4
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos
      FROM @extschema@.clock_int8
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos
      FROM @extschema@.clock_uuid
    UNION ALL
    SELECT id, attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos
      FROM @extschema@.clock_text;
COMMENT ON VIEW @extschema@.clock IS
    'SLA clocks: one row per ticket, metric and cycle; due_at = business_add(started_at, target + paused_for, calendar)';
COMMENT ON COLUMN @extschema@.clock.paused_for IS 'business time spent paused so far (it moves the due date out)';
COMMENT ON COLUMN @extschema@.clock.business_used IS 'business time counted when the clock stopped (pauses excluded)';
COMMENT ON COLUMN @extschema@.clock.decided_at IS 'coalesce(stopped_at, due_at): the instant the reports count the clock at (a plain column, so reports can use its index under row-level security too)';
COMMENT ON COLUMN @extschema@.clock.id IS 'a label naming the clock in events, NOTIFY payloads and sla.cancel_clock (drawn from a sequence; the key is attachment, ticket, metric, cycle)';
COMMENT ON COLUMN @extschema@.clock.attachment_id IS 'the attachment (sla.attachment.id)';
COMMENT ON COLUMN @extschema@.clock.ticket_key IS 'the ticket''s key in its host table, as text';
COMMENT ON COLUMN @extschema@.clock.metric IS 'first_response, next_response, resolution, periodic_update or any metric of the level';
COMMENT ON COLUMN @extschema@.clock.cycle IS '1 for the first clock of its metric on the ticket, then 2, 3... (next_response after each customer message)';
COMMENT ON COLUMN @extschema@.clock.level_id IS 'the SLA level whose target it measures (sla.level.id)';
COMMENT ON COLUMN @extschema@.clock.calendar_id IS 'the business-hours calendar it counts in (sla.calendar.id)';
COMMENT ON COLUMN @extschema@.clock.target IS 'the business time allowed';
COMMENT ON COLUMN @extschema@.clock.started_at IS 'when it started';
COMMENT ON COLUMN @extschema@.clock.due_at IS 'when it falls due: started_at plus target plus paused_for, in business time';
COMMENT ON COLUMN @extschema@.clock.paused_since IS 'when its current pause began; NULL while not paused';
COMMENT ON COLUMN @extschema@.clock.stopped_at IS 'when it stopped (met, breached) or was cancelled';
COMMENT ON COLUMN @extschema@.clock.state IS 'running, paused, met, breached or cancelled';
COMMENT ON COLUMN @extschema@.clock.warn_at IS 'when the level''s warning share of the target is used up';
COMMENT ON COLUMN @extschema@.clock.warned_at IS 'when sla.check_breaches recorded its warning; NULL: not yet';
COMMENT ON COLUMN @extschema@.clock.breach_seen_at IS 'when sla.check_breaches recorded its breach; NULL: not yet';
COMMENT ON COLUMN @extschema@.clock.department IS 'the department holding the ticket while the clock ran (its latest, once reassigned)';
COMMENT ON COLUMN @extschema@.clock.agent IS 'the agent holding the ticket while the clock ran';
COMMENT ON COLUMN @extschema@.clock.requester IS 'the customer who asked';
COMMENT ON COLUMN @extschema@.clock.started_pos IS
    'the clock''s start in the ticket''s timeline: a number drawn from sla.event''s sequence when it started (0.2.0 writes no clock_started row; sla.explain shows one there)';

CREATE VIEW @extschema@.event WITH (security_invoker = true) AS
    SELECT id, attachment_id, ticket_key::text AS ticket_key, clock_id, at, kind, detail FROM @extschema@.event_int4
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, clock_id, at, kind, detail FROM @extschema@.event_int8
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, clock_id, at, kind, detail FROM @extschema@.event_uuid
    UNION ALL
    SELECT id, attachment_id, ticket_key, clock_id, at, kind, detail FROM @extschema@.event_text;
COMMENT ON COLUMN @extschema@.event.id IS 'orders the ticket''s events (drawn from a sequence)';
COMMENT ON COLUMN @extschema@.event.attachment_id IS 'the attachment (sla.attachment.id)';
COMMENT ON COLUMN @extschema@.event.ticket_key IS 'the ticket''s key in its host table, as text';
COMMENT ON COLUMN @extschema@.event.clock_id IS 'the clock it concerns (sla.clock.id); NULL for an event of the ticket';
COMMENT ON COLUMN @extschema@.event.at IS 'when it happened';
COMMENT ON COLUMN @extschema@.event.kind IS 'what happened: paused, resumed, stopped, cancelled, reopened, retargeted, reassigned, warning, breach, escalated...';
COMMENT ON COLUMN @extschema@.event.detail IS 'its particulars as JSON (metric, reason, levels, targets...)';
COMMENT ON VIEW @extschema@.event IS
    'what happened to a ticket''s SLA: level_chosen, clock_started, paused, resumed, retargeted, stopped, cancelled, reopened, reassigned, backfilled, tracked_on_update, key_changed, warning, breach, escalated, escalation_failed';

CREATE VIEW @extschema@.fact WITH (security_invoker = true) AS
    SELECT attachment_id, ticket_key::text AS ticket_key, seq, at, kind, detail FROM @extschema@.fact_int4
    UNION ALL
    SELECT attachment_id, ticket_key::text, seq, at, kind, detail FROM @extschema@.fact_int8
    UNION ALL
    SELECT attachment_id, ticket_key::text, seq, at, kind, detail FROM @extschema@.fact_uuid
    UNION ALL
    SELECT attachment_id, ticket_key, seq, at, kind, detail FROM @extschema@.fact_text;
COMMENT ON VIEW @extschema@.fact IS
    'the facts the clock model applied, per ticket in arrival order (seq): created, message, level, lifecycle';
COMMENT ON COLUMN @extschema@.fact.attachment_id IS 'the attachment (sla.attachment.id)';
COMMENT ON COLUMN @extschema@.fact.ticket_key IS 'the ticket''s key in its host table, as text';
COMMENT ON COLUMN @extschema@.fact.seq IS 'its number in the ticket''s log: 1, 2, 3... in arrival order';
COMMENT ON COLUMN @extschema@.fact.kind IS 'created, message, level or lifecycle';
COMMENT ON COLUMN @extschema@.fact.at IS
    'the instant it took effect (never before the ticket''s previous fact: a fact dated earlier takes effect then)';
COMMENT ON COLUMN @extschema@.fact.detail IS
    'what the clock model read: created {lifecycle, level}, message {author, public, response}, level {level}, lifecycle {lifecycle}';

-- A ticket's rows of one view (sla.ticket, sla.clock, sla.event or sla.fact: pass NULL::sla.clock
-- etc.), read from the table of its attachment's key type by the key: an index lookup, where a
-- condition on the views' text key would read all the attachment's rows.  Runs as the caller
-- (row-level security applies).  Used by explain, time_split and backfill.
CREATE FUNCTION @extschema@.ticket_rows(kind anyelement, att_id integer, ticket_key text)
    RETURNS SETOF anyelement
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kt text;
    view_name text := pg_catalog.pg_typeof(kind)::text;
    tbl text;
BEGIN
    SELECT a.key_type INTO kt FROM @extschema@.attachment a WHERE a.id OPERATOR(pg_catalog.=) att_id;
    tbl := @extschema@.tracking_table(pg_catalog.regexp_replace(view_name, '^.*\.', ''), kt);
    IF tbl IS NULL OR view_name NOT IN ('@extschema@.ticket', '@extschema@.clock', '@extschema@.event', '@extschema@.fact') THEN
        RETURN;
    END IF;
    -- the view's columns in its order; the key back to text
    RETURN QUERY EXECUTE pg_catalog.format(
        'SELECT %s FROM %s x WHERE x.attachment_id OPERATOR(pg_catalog.=) $1 AND x.ticket_key OPERATOR(pg_catalog.=) $2::pg_catalog.%s',
        (SELECT pg_catalog.string_agg(CASE WHEN a.attname OPERATOR(pg_catalog.=) 'ticket_key' THEN 'x.ticket_key::pg_catalog.text'
                                           ELSE 'x.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(a.attname) END, ', ' ORDER BY a.attnum)
           FROM pg_catalog.pg_attribute a
          WHERE a.attrelid OPERATOR(pg_catalog.=) view_name::pg_catalog.regclass AND a.attnum OPERATOR(pg_catalog.>) 0
            AND NOT a.attisdropped),
        tbl, kt)
        USING att_id, ticket_key;
END
$$;
COMMENT ON FUNCTION @extschema@.ticket_rows(anyelement, integer, text) IS
    'one ticket''s rows of sla.ticket, sla.clock, sla.event or sla.fact (pass NULL::sla.clock etc.), read by the key from the table of its key type';

CREATE OR REPLACE FUNCTION @extschema@.attach(ticket_table regclass, mapping jsonb,
        message_table regclass DEFAULT NULL, message_mapping jsonb DEFAULT NULL,
        time_zone text DEFAULT 'UTC', strict boolean DEFAULT false, replace boolean DEFAULT false)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ticket_spec constant jsonb := '{
        "key": ["integer", "uuid", "scalar"], "created_at": ["timestamptz", "timestamp", "epoch"],
        "updated_at": ["timestamptz", "timestamp", "epoch"], "status": ["scalar"],
        "priority": ["scalar"], "channel": ["scalar"], "department": ["scalar"], "agent": ["scalar"],
        "requester": ["scalar"], "referrer": ["scalar"], "tags": ["text_array"],
        "custom_fields": ["json"], "deleted": ["boolean", "integer"], "created_by_invitation": ["boolean"]}';
    message_spec constant jsonb := '{
        "ticket": ["integer", "uuid", "scalar"], "created_at": ["timestamptz", "timestamp", "epoch"],
        "author_kind": ["scalar"], "public": ["boolean"], "internal": ["boolean"], "channel": ["scalar"],
        "updated_at": ["timestamptz", "timestamp", "epoch"], "published": ["boolean", "scalar"],
        "published_at": ["timestamptz", "timestamp", "epoch"]}';
    message_options constant text[] := ARRAY['customer_values', 'agent_values', 'system_values',
                                             'author_function', 'public_function', 'chat_values',
                                             'call_values', 'published_values', 'published_function'];
    m jsonb := '{}';
    kinds jsonb := '{}';
    mm jsonb := NULL;
    old_message_table regclass;
    k text;
    v jsonb;
    att_id integer;
    fn regprocedure;
    existing @extschema@.attachment;
    publish_when text;
    tracked_as text;
    has_rows boolean;
BEGIN
    IF ticket_table IS NULL OR mapping IS NULL OR jsonb_typeof(mapping) <> 'object' THEN
        RAISE EXCEPTION 'attach needs a ticket table and a JSON object mapping its columns'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF attach.strict IS NULL OR attach.replace IS NULL THEN
        RAISE EXCEPTION 'attach: strict and replace must be true or false, not NULL'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOR k IN SELECT jsonb_object_keys(mapping) LOOP
        IF NOT ticket_spec ? k THEN
            RAISE EXCEPTION 'unknown ticket mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys: ' || (SELECT string_agg(x, ', ') FROM jsonb_object_keys(ticket_spec) x) || '.';
        END IF;
    END LOOP;
    -- only a helpdesk's own tables: sla's tracking tables would feed the engine its own writes
    -- (every insert recursed until the stack ran out), views and sequences have no rows to track
    FOR k, v IN SELECT 'ticket table', to_jsonb(attach.ticket_table::oid)
                UNION ALL SELECT 'message table', to_jsonb(attach.message_table::oid) WHERE attach.message_table IS NOT NULL LOOP
        IF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = (v #>> '{}')::oid AND c.relkind IN ('r', 'p')) THEN
            RAISE EXCEPTION 'cannot attach %: the % must be a table', (v #>> '{}')::oid::regclass, k
                  USING ERRCODE = 'wrong_object_type';
        END IF;
        IF (SELECT c.relnamespace FROM pg_class c WHERE c.oid = (v #>> '{}')::oid)
           = (SELECT e.extnamespace FROM pg_extension e WHERE e.extname = 'sla') THEN
            RAISE EXCEPTION 'cannot attach %: it belongs to sla itself', (v #>> '{}')::oid::regclass
                  USING ERRCODE = 'wrong_object_type', HINT = 'Attach the helpdesk''s own ticket and message tables.';
        END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['key', 'created_at', 'status'] LOOP
        IF NOT mapping ? k THEN
            RAISE EXCEPTION 'the ticket mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    FOR k, v IN SELECT * FROM jsonb_each(mapping) LOOP
        kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(ticket_table, k, v #>> '{}',
                     ARRAY(SELECT jsonb_array_elements_text(ticket_spec -> k))));
        m := m || jsonb_build_object(k, v #>> '{}');
    END LOOP;
    -- the key's own type, so lookups by key can use the host's index
    m := m || jsonb_build_object('kinds', kinds, 'key_type',
         (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
           WHERE a.attrelid = ticket_table AND a.attname = mapping ->> 'key'));
    -- and the tracking tables that store keys of that type
    tracked_as := @extschema@.key_type_of(ticket_table, mapping ->> 'key');

    IF message_table IS NOT NULL THEN
        IF message_mapping IS NULL OR jsonb_typeof(message_mapping) <> 'object' THEN
            RAISE EXCEPTION 'a message table needs a message mapping' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        mm := '{}';
        kinds := '{}';
        FOR k, v IN SELECT * FROM jsonb_each(message_mapping) LOOP
            IF k LIKE '%\_values' AND k = ANY (message_options) THEN
                -- a value list: strings (or numbers, read as their text), never a lone value
                IF jsonb_typeof(v) <> 'array'
                   OR EXISTS (SELECT FROM jsonb_array_elements(v) x WHERE jsonb_typeof(x) NOT IN ('string', 'number')) THEN
                    RAISE EXCEPTION 'message mapping key "%" must be a JSON array of values, not %', k, v
                          USING ERRCODE = 'invalid_parameter_value',
                                HINT = format('For example "%s": ["customer", "requester"].', k);
                END IF;
                mm := mm || jsonb_build_object(k, (SELECT jsonb_agg(x #>> '{}') FROM jsonb_array_elements(v) x));
            ELSIF k = ANY (message_options) THEN
                IF jsonb_typeof(v) <> 'string' THEN
                    RAISE EXCEPTION 'message mapping key "%" must name a function as a JSON string, not %', k, v
                          USING ERRCODE = 'invalid_parameter_value';
                END IF;
                mm := mm || jsonb_build_object(k, v);
            ELSIF message_spec ? k THEN
                kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(message_table, k, v #>> '{}',
                             ARRAY(SELECT jsonb_array_elements_text(message_spec -> k))));
                mm := mm || jsonb_build_object(k, v #>> '{}');
            ELSE
                RAISE EXCEPTION 'unknown message mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Keys: ticket, created_at, updated_at, author_kind, customer_values, agent_values, system_values, author_function, public, internal, public_function, channel, chat_values, call_values, published, published_values, published_function, published_at.';
            END IF;
        END LOOP;
        FOREACH k IN ARRAY ARRAY['ticket', 'created_at'] LOOP
            IF NOT mm ? k THEN
                RAISE EXCEPTION 'the message mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
        IF NOT (mm ? 'author_kind' OR mm ? 'author_function') THEN
            RAISE EXCEPTION 'the message mapping needs author_kind (a column with value lists) or author_function'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- drafts: published is a boolean column, or any column with the values meaning "sent",
        -- or a function of the row; published_at only dates what one of them publishes
        IF mm ? 'published' AND mm ? 'published_function' THEN
            RAISE EXCEPTION 'the message mapping names both published (column "%") and published_function: one tells drafts from published messages',
                  mm ->> 'published' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mm ? 'published_values' AND NOT mm ? 'published' THEN
            RAISE EXCEPTION 'the message mapping has published_values but no published column'
                  USING ERRCODE = 'invalid_parameter_value',
                        HINT = 'For example "published": "status", "published_values": ["sent"].';
        END IF;
        IF message_mapping -> 'published_values' = '[]' THEN
            RAISE EXCEPTION 'published_values of column "%" is empty: no message would ever count', mm ->> 'published'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mm ? 'published' AND kinds ->> 'published' <> 'boolean' AND NOT mm ? 'published_values' THEN
            RAISE EXCEPTION 'column "%" of relation % has type %, which cannot be mapped as published without published_values',
                  mm ->> 'published', message_table,
                  (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                    WHERE a.attrelid = attach.message_table AND a.attname = mm ->> 'published')
                  USING ERRCODE = 'datatype_mismatch',
                        HINT = 'Map a boolean column, or list the values meaning published: "published_values": ["sent"].';
        END IF;
        IF mm ? 'published_at' AND NOT (mm ? 'published' OR mm ? 'published_function') THEN
            RAISE EXCEPTION 'the message mapping has published_at (column "%") but neither published nor published_function',
                  mm ->> 'published_at' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- a function signature is read with the message table's schema on the search path, so
        -- its argument may be written unqualified (my_author(desk_message)); it is stored
        -- qualified, as the engine reads it under its own fixed search path
        FOREACH k IN ARRAY ARRAY['author_function', 'public_function', 'published_function'] LOOP
            CONTINUE WHEN NOT mm ? k;
            PERFORM set_config('search_path', format('%I, pg_catalog, pg_temp',
                               (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                 WHERE c.oid = attach.message_table)), true);
            fn := (mm ->> k)::regprocedure;
            PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
            PERFORM @extschema@.check_function_registration(fn, format('the %s of %s', k, message_table));
            IF k = 'published_function' AND (SELECT p.prorettype FROM pg_proc p WHERE p.oid = fn) <> 'boolean'::regtype THEN
                RAISE EXCEPTION 'the published_function % of % returns %, not boolean', fn, message_table,
                      format_type((SELECT p.prorettype FROM pg_proc p WHERE p.oid = fn), NULL)
                      USING ERRCODE = 'datatype_mismatch';
            END IF;
            mm := mm || jsonb_build_object(k, fn::text);
        END LOOP;
        mm := mm || jsonb_build_object('kinds', kinds);
    END IF;

    -- a second attach of a live table would silently swap the mapping the helpdesk's writes are
    -- read with (a setup script run twice): only on request.  A detached table is attached again.
    SELECT * INTO existing FROM @extschema@.attachment a WHERE a.ticket_table = attach.ticket_table FOR UPDATE;
    IF FOUND AND existing.attached AND NOT attach.replace THEN
        RAISE EXCEPTION 'table % is already attached (attachment %)', ticket_table, existing.id
              USING ERRCODE = 'duplicate_object',
                    HINT = 'To replace its mapping, call sla.attach(..., replace => true); its clocks, status map and problems stay.';
    END IF;
    -- the tickets tracked so far are stored with keys of the old type: a new key type would
    -- leave them where the engine no longer looks
    IF FOUND AND existing.key_type <> tracked_as THEN
        EXECUTE format('SELECT EXISTS (SELECT FROM %s t WHERE t.attachment_id OPERATOR(pg_catalog.=) $1)',
                       @extschema@.tracking_table('ticket', existing.key_type))
           INTO has_rows USING existing.id;
        IF has_rows THEN
            RAISE EXCEPTION 'cannot attach % again with a % key: its tickets are tracked with % keys', ticket_table,
                  tracked_as, existing.key_type
                  USING ERRCODE = 'object_not_in_prerequisite_state',
                        HINT = 'Keep the key column''s type, or delete the attachment''s tracking rows first (DELETE FROM sla.attachment drops them with it).';
        END IF;
    END IF;
    IF message_table IS NOT NULL THEN
        SELECT * INTO existing FROM @extschema@.attachment a
         WHERE a.message_table = attach.message_table AND a.ticket_table <> attach.ticket_table;
        IF FOUND THEN
            RAISE EXCEPTION 'message table % is already attached to %', message_table, existing.ticket_table
                  USING ERRCODE = 'duplicate_object',
                        HINT = 'A message table serves one ticket table: attach that one again without it first.';
        END IF;
    END IF;
    -- replacing the mapping: a message table no longer named loses its trigger; the triggers of
    -- the ticket table are made again below, so every one of them exists afterwards
    SELECT a.message_table INTO old_message_table FROM @extschema@.attachment a
     WHERE a.ticket_table = attach.ticket_table;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message') THEN
        EXECUTE format('DROP TRIGGER sla_message ON %s', old_message_table);
    END IF;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message_update') THEN
        EXECUTE format('DROP TRIGGER sla_message_update ON %s', old_message_table);
    END IF;
    INSERT INTO @extschema@.attachment AS a (ticket_table, mapping, message_table, message_mapping, time_zone, strict, key_type)
         VALUES (attach.ticket_table, m, attach.message_table, mm, attach.time_zone, attach.strict, tracked_as)
    ON CONFLICT ON CONSTRAINT attachment_ticket_table_key DO UPDATE
         SET mapping = EXCLUDED.mapping, message_table = EXCLUDED.message_table,
             message_mapping = EXCLUDED.message_mapping, time_zone = EXCLUDED.time_zone,
             strict = EXCLUDED.strict, attached = true, key_type = EXCLUDED.key_type
    RETURNING a.id INTO att_id;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket') THEN
        EXECUTE format('DROP TRIGGER sla_ticket ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_update') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_update ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_delete') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_delete ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_truncate') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_truncate ON %s', ticket_table);
    END IF;
    EXECUTE format('CREATE TRIGGER sla_ticket_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.ticket_table_truncated(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_inserted(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket_update AFTER UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_changed(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket_delete AFTER DELETE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_deleted(%s)',
                   ticket_table, att_id);
    IF message_table IS NOT NULL THEN
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message') THEN
            EXECUTE format('DROP TRIGGER sla_message ON %s', message_table);
        END IF;
        EXECUTE format('CREATE TRIGGER sla_message AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.message_added(%s)',
                       message_table, att_id);
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message_update') THEN
            EXECUTE format('DROP TRIGGER sla_message_update ON %s', message_table);
        END IF;
        -- the update that publishes a draft counts; the WHEN clause keeps the helpdesk's draft
        -- autosaves out of C: a boolean column exactly (only the update that sets it true), a
        -- value list by any change of the column (C compares the values, numerically on numeric
        -- columns).  A published_function runs as its owner in C, so it gets no WHEN clause: a
        -- WHEN clause would run it as the writer.
        publish_when := CASE
            WHEN mm ? 'published' AND NOT mm ? 'published_values'
                THEN format('WHEN (NEW.%I IS TRUE AND OLD.%I IS NOT TRUE) ', mm ->> 'published', mm ->> 'published')
            WHEN mm ? 'published'
                THEN format('WHEN (OLD.%I::pg_catalog.text IS DISTINCT FROM NEW.%I::pg_catalog.text) ', mm ->> 'published', mm ->> 'published')
            ELSE '' END;
        IF mm ? 'published' OR mm ? 'published_function' THEN
            EXECUTE format('CREATE TRIGGER sla_message_update AFTER UPDATE ON %s FOR EACH ROW %sEXECUTE FUNCTION @extschema@.message_updated(%s)',
                           message_table, publish_when, att_id);
        END IF;
    END IF;
    RETURN att_id;
END
$$;
COMMENT ON FUNCTION @extschema@.attach(regclass, jsonb, regclass, jsonb, text, boolean, boolean) IS
    'attaches sla to a helpdesk''s ticket (and message) table through a column mapping; adds row triggers, never columns; returns the attachment id.  strict: unclassifiable values fail the write; replace: an attached table gets the new mapping (else 42710)';
CREATE OR REPLACE FUNCTION @extschema@.ticket_table_truncated() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
    c record;
BEGIN
    IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'STATEMENT' OR TG_OP <> 'TRUNCATE' OR TG_NARGS <> 1
       OR TG_NAME <> 'sla_ticket_truncate' OR TG_ARGV[0] !~ '^[0-9]{1,9}$' THEN
        RAISE EXCEPTION 'sla.ticket_table_truncated() must be the AFTER TRUNCATE statement trigger "sla_ticket_truncate" with the attachment id as argument'
              USING ERRCODE = 'E0001', HINT = 'Let sla.attach() create it.';
    END IF;
    att_id := TG_ARGV[0]::integer;
    IF NOT EXISTS (SELECT FROM @extschema@.attachment a WHERE a.id = att_id AND a.ticket_table = TG_RELID) THEN
        RAISE EXCEPTION 'trigger "sla_ticket_truncate" on %.% names attachment %, which is not attached to it',
              TG_TABLE_SCHEMA, TG_TABLE_NAME, att_id USING ERRCODE = 'E0001';
    END IF;
    FOR c IN SELECT k.id FROM @extschema@.clock k
              WHERE k.attachment_id = att_id AND k.state IN ('running', 'paused') ORDER BY k.id LOOP
        PERFORM @extschema@.cancel_clock(c.id, now(), 'ticket table truncated');
    END LOOP;
    EXECUTE format('UPDATE %s t SET lifecycle = ''deleted'' WHERE t.attachment_id OPERATOR(pg_catalog.=) $1
                    AND t.lifecycle OPERATOR(pg_catalog.<>) ''deleted''',
                   @extschema@.tracking_table('ticket', (SELECT a.key_type FROM @extschema@.attachment a WHERE a.id = att_id)))
       USING att_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.ticket_table_truncated() IS
    'statement trigger sla.attach() puts on a ticket table for TRUNCATE: cancels the attachment''s running and paused clocks and marks its tickets deleted';

DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        -- Inserts from the C engine carry warn_at already; any other insert gets it computed here.
        EXECUTE format('CREATE TRIGGER clock_warn_at_insert BEFORE INSERT ON @extschema@.%I
                        FOR EACH ROW WHEN (NEW.warn_at IS NULL) EXECUTE FUNCTION @extschema@.clock_warn_at()', 'clock_' || kt);
        EXECUTE format('CREATE TRIGGER clock_warn_at BEFORE UPDATE OF due_at, paused_for, started_at, calendar_id, level_id
                        ON @extschema@.%I FOR EACH ROW EXECUTE FUNCTION @extschema@.clock_warn_at()', 'clock_' || kt);
        -- Only clocks with a warning still to record are looked at: checking is cheap when
        -- nothing is due.  Pending breaches are read from the index of active clocks by due time
        -- (clock_<type>_active_due, 60_attachment.sql), skipping those already recorded: one
        -- index entry less for every clock, for a scan over the clocks overdue and still open
        -- (a few thousand entries at most, in order, each check).
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (warn_at)
                        WHERE state OPERATOR(pg_catalog.=) ''running'' AND warned_at IS NULL',
                       'clock_' || kt || '_warning_pending', 'clock_' || kt);
    END LOOP;
END
$$;

-- One crossing claimed: the clock locked (or skipped when another checker holds it), found still
-- pending, and marked; its due time, or NULL when there was nothing to claim.  C: the clock is
-- found by its ticket (attachment and key) in the table of the key's type.
CREATE FUNCTION @extschema@.claim_crossing(att_id integer, ticket_key text, clock_id bigint, kind text,
                                           as_of timestamptz) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'sla_claim_crossing_sql' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.claim_crossing(integer, text, bigint, text, timestamptz) IS
    'the breach check''s claim of one warning or breach crossing: marks the clock crossed and returns its due time, or NULL when it is not pending or another checker holds it';

CREATE OR REPLACE FUNCTION @extschema@.check_breaches(as_of timestamptz DEFAULT pg_catalog.now(),
                                           max_crossings integer DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    n integer := 0;
    kind text;
    due timestamptz;
BEGIN
    IF max_crossings IS NOT NULL AND max_crossings < 1 THEN
        RAISE EXCEPTION 'max_crossings must be positive, not %', max_crossings USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the pending crossings, earliest first, read through the two partial indexes; at most
    -- max_crossings of them (a caller that commits between calls works in bounded batches)
    FOR c IN
        SELECT x.id, x.attachment_id, x.ticket_key, x.metric, x.kind FROM (
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'warning' AS kind, k.warn_at AS at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.warned_at IS NULL AND k.warn_at < as_of
              ORDER BY k.warn_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'breach', k.due_at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.breach_seen_at IS NULL AND k.due_at < as_of
              ORDER BY k.due_at LIMIT max_crossings)) x
         -- a clock past both crossings gets its warning, then its breach
         ORDER BY x.at, x.id, x.kind DESC
         LIMIT max_crossings
    LOOP
        kind := c.kind;
        -- one clock by its ticket and id, locked or skipped (SKIP LOCKED: concurrent callers
        -- share the work), its flag re-checked after the lock: every crossing is recorded
        -- exactly once.  The claim names no pending condition: "warned_at IS NULL" would match
        -- a pending-crossings partial index, and without table statistics (after a bulk load or
        -- a crash) the planner scanned that whole index for each clock, quadratic in the backlog
        due := @extschema@.claim_crossing(c.attachment_id, c.ticket_key, c.id, kind, as_of);
        CONTINUE WHEN due IS NULL;
        n := n + 1;
        PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, kind,
                                      jsonb_build_object('metric', c.metric, 'due_at', due));
        -- the payload names the clock and nothing else: every session may LISTEN, so what a
        -- listener learns of the ticket it reads from sla.clock, under the host's row security
        PERFORM pg_notify('sla_events', json_build_object('event', kind, 'clock', c.id)::text);
        PERFORM @extschema@.run_escalations(c.id, kind, as_of);
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.check_breaches(timestamptz, integer) IS
    'records every running clock that crossed its warning threshold or its due time since the last call (one warning and one breach event per clock, exactly once even with concurrent callers), earliest first and at most max_crossings of them, and sends NOTIFY sla_events naming the event and the clock; returns how many it recorded';
CREATE OR REPLACE FUNCTION @extschema@.run_escalations(clock_id bigint, kind text, at timestamptz)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c @extschema@.clock;
    att @extschema@.attachment;
    esc @extschema@.escalation;
    cur_level integer;
    col text;
    n_rows bigint;
    n integer := 0;
    err_state text;
    err_message text;
BEGIN
    IF run_escalations.kind IS NULL OR run_escalations.kind NOT IN ('warning', 'breach') THEN
        RAISE EXCEPTION 'escalations run on a warning or a breach, not on "%"', run_escalations.kind
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO c FROM @extschema@.clock k WHERE k.id = run_escalations.clock_id;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    -- an action's writes fire the host's triggers (and any trigger of the host's own); should one
    -- of them call check_breaches again, its crossings are recorded but escalate nothing, so an
    -- escalation can never start another one inside itself
    IF current_setting('sla.escalating', true) = 'on' THEN
        PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at,
                                      'escalation_skipped',
                                      jsonb_build_object('on_event', run_escalations.kind, 'metric', c.metric,
                                                         'reason', 'inside another escalation'));
        RETURN 0;
    END IF;
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.id = c.attachment_id;
    PERFORM set_config('sla.escalating', 'on', true);

    -- the escalations of the level the clock crossed at, read once: a raise_level action does
    -- not bring the new level's escalations into this crossing
    FOR esc IN SELECT * FROM @extschema@.escalation e
                WHERE e.active AND e.level_id = c.level_id AND e.on_event = run_escalations.kind
                  AND (e.metric IS NULL OR e.metric = c.metric)
                ORDER BY e.position, e.id LOOP
        CONTINUE WHEN esc.action = 'notify_only';		-- check_breaches sends the NOTIFY itself
        -- each action on its own: one that fails (a column gone, a value its type refuses, a
        -- host trigger that raises) is undone alone and recorded, and the crossing, the other
        -- actions and every other clock's crossings go on
        BEGIN
            IF esc.action = 'raise_level' THEN
                -- (read without a lock: the level fact below locks the ticket and applies the
                -- level whatever it is by then; this value only names the level it leaves)
                SELECT t.level_id INTO cur_level
                  FROM @extschema@.ticket_rows(NULL::@extschema@.ticket, c.attachment_id, c.ticket_key) t;
                CONTINUE WHEN NOT FOUND OR cur_level IS NOT DISTINCT FROM esc.to_level_id;
                -- a level fact: the ticket's level, its running clocks and the clocks the new level adds
                PERFORM @extschema@.retarget_clocks(c.attachment_id, c.ticket_key, esc.to_level_id, run_escalations.at);
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalated',
                            jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                               'metric', c.metric, 'from_level', cur_level, 'to_level', esc.to_level_id));
            ELSE
                col := @extschema@.escalation_column(att, esc);
                -- the host's sla trigger fires on this update (on_update rules, lifecycle changes);
                -- C: it runs as the table's owner, after checking the registrant may update the column
                n_rows := @extschema@.escalation_set_column(esc.id, att.id, c.ticket_key);
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalated',
                            jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                               'metric', c.metric, 'column', col, 'value', esc.column_value,
                                               'rows', n_rows));
            END IF;
            n := n + 1;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT;
            PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalation_failed',
                        jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                           'metric', c.metric, 'sqlstate', err_state, 'error', err_message));
            PERFORM pg_notify('sla_events', json_build_object('event', 'escalation_failed', 'clock', c.id)::text);
        END;
    END LOOP;
    PERFORM set_config('sla.escalating', 'off', true);
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.run_escalations(bigint, text, timestamptz) IS
    'runs the active escalations of the clock''s level for a warning or breach crossing (called by sla.check_breaches in its transaction); logs an escalated event per raise_level and set_column action, and an escalation_failed event (with its SQLSTATE and message, and a NOTIFY) for an action that fails, which is undone alone; returns how many actions ran';
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (decided_at)', 'clock_' || kt || '_decided_at', 'clock_' || kt);
    END LOOP;
END
$$;
CREATE FUNCTION @extschema@.clock_used(c @extschema@.clock, as_of timestamptz)
    RETURNS @extschema@.business_interval
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN c.business_used IS NOT NULL THEN c.business_used
        ELSE @extschema@.business_between(c.started_at,
                 greatest(coalesce(c.paused_since, as_of), c.started_at), c.calendar_id)
             OPERATOR(@extschema@.-) c.paused_for
    END
$$;
COMMENT ON FUNCTION @extschema@.clock_used(@extschema@.clock, timestamptz) IS
    'business time a clock has used as of an instant, pauses excluded (its final figure once stopped)';
CREATE OR REPLACE FUNCTION @extschema@.explain(ticket_table regclass, ticket_key text,
        OUT at timestamptz, OUT event text, OUT metric @extschema@.metric, OUT cycle integer,
        OUT level text, OUT detail jsonb, OUT due_at timestamptz, OUT state text,
        OUT business_used @extschema@.business_interval, OUT calendar_time interval)
    RETURNS SETOF record
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH att AS (
        SELECT a.id FROM @extschema@.attachment a WHERE a.ticket_table OPERATOR(pg_catalog.=) explain.ticket_table
    ), ev AS (
        SELECT e.* FROM att, @extschema@.ticket_rows(NULL::@extschema@.event, att.id, explain.ticket_key) e
    ), clocks AS (
        SELECT c.* FROM att, @extschema@.ticket_rows(NULL::@extschema@.clock, att.id, explain.ticket_key) c
    ), timeline AS (
        SELECT e.at, e.kind, e.clock_id, e.detail, e.id::numeric AS pos FROM ev e
        UNION ALL
        SELECT c.started_at, 'clock_started', c.id,
               pg_catalog.jsonb_build_object('metric', c.metric, 'cycle', c.cycle, 'target', c.target::text),
               -- its place when it started (a number from sla.event's sequence)
               coalesce(c.started_pos::numeric,
                        coalesce((SELECT pg_catalog.max(x.id) FROM ev x WHERE x.at OPERATOR(pg_catalog.<=) c.started_at), 0)
                            OPERATOR(pg_catalog.+) 0.5)
          FROM clocks c
         WHERE NOT EXISTS (SELECT FROM ev x WHERE x.clock_id OPERATOR(pg_catalog.=) c.id
                                              AND x.kind OPERATOR(pg_catalog.=) 'clock_started')
        UNION ALL
        SELECT f.at, 'level_chosen', NULL, (f.detail OPERATOR(pg_catalog.->) 'chosen') OPERATOR(pg_catalog.-) 'pos',
               -- first for the created fact; a level fact's choice has its place (pos) in it
               CASE WHEN f.kind OPERATOR(pg_catalog.=) 'created' THEN -1
                    ELSE coalesce((f.detail OPERATOR(pg_catalog.->) 'chosen' OPERATOR(pg_catalog.->>) 'pos')::numeric,
                                  coalesce((SELECT pg_catalog.max(x.id) FROM ev x WHERE x.at OPERATOR(pg_catalog.<=) f.at), 0)
                                      OPERATOR(pg_catalog.+) 0.25) END
          FROM att, @extschema@.ticket_rows(NULL::@extschema@.fact, att.id, explain.ticket_key) f
         WHERE f.detail OPERATOR(pg_catalog.?) 'chosen'
    )
    SELECT t.at, t.kind, c.metric, c.cycle, l.name, t.detail, c.due_at, c.state,
           CASE WHEN t.kind OPERATOR(pg_catalog.=) 'stopped' THEN c.business_used END,
           CASE WHEN t.kind OPERATOR(pg_catalog.=) 'stopped' THEN c.stopped_at OPERATOR(pg_catalog.-) c.started_at END
      FROM timeline t
      LEFT JOIN clocks c ON c.id OPERATOR(pg_catalog.=) t.clock_id
      LEFT JOIN @extschema@.level l ON l.id OPERATOR(pg_catalog.=) c.level_id
     ORDER BY t.pos, t.clock_id
$$;
COMMENT ON FUNCTION @extschema@.explain(regclass, text) IS
    'a ticket''s SLA timeline: which level was chosen and by which rules, every clock start, pause, resume, re-target, stop and cancel, with due dates, states, business and calendar time used';
CREATE OR REPLACE FUNCTION @extschema@.backfill(ticket_table regclass, status_history regclass DEFAULT NULL,
        history_mapping jsonb DEFAULT NULL, created_after timestamptz DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    history_spec constant jsonb := '{"ticket": ["integer", "uuid", "scalar"],
        "at": ["timestamptz", "timestamp", "epoch"], "status": ["scalar"], "sequence": ["scalar"]}';
    att @extschema@.attachment;
    m jsonb;
    mm jsonb;
    k text;
    v jsonb;
    history_kinds jsonb := '{}';
    cutoff timestamptz;
    steps_sql text;       -- one ticket's replay: its messages and status history, in order
    tracked_sql text;     -- track_ticket on the host row of one key
    facts_sql text;       -- the host row of one key, locked, as the engine reads it
    candidate record;
    host record;
    step record;
    started boolean;
    marked boolean;
    tracked boolean;
    lc text;
    replaced jsonb;
    n integer := 0;
    n_replayed integer := 0;
    n_cut integer := 0;
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = backfill.ticket_table AND a.attached
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    m := att.mapping;
    mm := att.message_mapping;

    -- ---------------------------------------------------------------- the status history source
    IF (status_history IS NULL) <> (history_mapping IS NULL) THEN
        RAISE EXCEPTION 'backfill: a status history needs a history mapping and the other way round (got %, %)',
              coalesce(status_history::text, 'NULL'), coalesce(history_mapping::text, 'NULL')
              USING ERRCODE = 'invalid_parameter_value',
                    HINT = 'For example sla.backfill(''tickets'', ''ticket_status_history'', ''{"ticket": "ticket_id", "at": "changed_at", "status": "status"}'').';
    END IF;
    IF status_history IS NOT NULL THEN
        IF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = status_history AND c.relkind IN ('r', 'p', 'v', 'm', 'f')) THEN
            RAISE EXCEPTION 'status history % must be a table or a view', status_history
                  USING ERRCODE = 'wrong_object_type';
        END IF;
        IF jsonb_typeof(history_mapping) <> 'object' THEN
            RAISE EXCEPTION 'the history mapping must be a JSON object naming columns, not %', history_mapping
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        FOR k, v IN SELECT * FROM jsonb_each(history_mapping) LOOP
            IF NOT history_spec ? k THEN
                RAISE EXCEPTION 'unknown history mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Keys: ticket, at, status (required) and sequence (orders the entries of one instant).';
            END IF;
            IF jsonb_typeof(v) <> 'string' THEN
                RAISE EXCEPTION 'history mapping key "%" must name a column as a JSON string, not %', k, v
                      USING ERRCODE = 'invalid_parameter_value';
            END IF;
            history_kinds := history_kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(status_history,
                                 'history ' || k, v #>> '{}', ARRAY(SELECT jsonb_array_elements_text(history_spec -> k))));
        END LOOP;
        FOREACH k IN ARRAY ARRAY['ticket', 'at', 'status'] LOOP
            IF NOT history_mapping ? k THEN
                RAISE EXCEPTION 'the history mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
    END IF;

    -- ---------------------------------------------------------------- the cut-off
    IF created_after IS NOT NULL THEN
        UPDATE @extschema@.attachment a SET created_after = nullif(backfill.created_after, '-infinity')
         WHERE a.id = att.id;
    END IF;
    cutoff := CASE WHEN created_after IS NULL THEN att.created_after ELSE nullif(created_after, '-infinity') END;

    -- ---------------------------------------------------------------- the statements, once
    facts_sql := format('SELECT f.* FROM %s x CROSS JOIN LATERAL @extschema@.ticket_facts($1, x) f
                          WHERE x.%I OPERATOR(pg_catalog.=) $2::%s LIMIT 1 FOR NO KEY UPDATE OF x',
                        att.ticket_table, m ->> 'key', m ->> 'key_type');
    tracked_sql := format('SELECT @extschema@.track_ticket($1, x, $3, $4) FROM %s x
                            WHERE x.%I OPERATOR(pg_catalog.=) $2::%s LIMIT 1',
                          att.ticket_table, m ->> 'key', m ->> 'key_type');
    -- steps: (creation, at, message, lifecycle); the history's first entry, when it is at or
    -- before the creation, comes first (creation true: the lifecycle the ticket was created in).
    -- Messages: the published ones (drafts never counted), at the instant they were published.
    -- Messages travel as text, cast back to the table's row type: a record field of the row
    -- type would pin the first table's type in this function's cached plans.
    steps_sql := 'SELECT false AS creation, NULL::timestamptz AS at, 0 AS rank, 0::bigint AS ord, NULL::text AS message, NULL::text AS lifecycle WHERE false';
    IF att.message_table IS NOT NULL THEN
        steps_sql := steps_sql || format('
            UNION ALL
            SELECT false, msg.at, 0, pg_catalog.row_number() OVER (ORDER BY msg.at, msg.tid), msg.message, NULL
              FROM (SELECT f.published_at AS at, x.ctid AS tid, x::text AS message
                      FROM %s x CROSS JOIN LATERAL @extschema@.message_facts($2, x) f
                     WHERE x.%I OPERATOR(pg_catalog.=) $1::%s AND f.published) msg',
            att.message_table, mm ->> 'ticket', m ->> 'key_type');
    END IF;
    IF status_history IS NOT NULL THEN
        steps_sql := steps_sql || format('
            UNION ALL
            SELECT h.ord OPERATOR(pg_catalog.=) 1 AND h.at OPERATOR(pg_catalog.<=) $3, h.at, 2, h.ord, NULL,
                   @extschema@.history_lifecycle($2, h.status, $1)
              FROM (SELECT %1$s AS at, x.%2$I AS status,
                           pg_catalog.row_number() OVER (ORDER BY %1$s, %3$s) AS ord
                      FROM %4$s x WHERE x.%5$I OPERATOR(pg_catalog.=) $1::%6$s AND %1$s IS NOT NULL) h',
            @extschema@.instant_expression(history_mapping ->> 'at', history_kinds ->> 'at', att.time_zone),
            history_mapping ->> 'status',
            CASE WHEN history_mapping ? 'sequence' THEN format('x.%I', history_mapping ->> 'sequence') ELSE '1' END,
            status_history, history_mapping ->> 'ticket',
            (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
              WHERE a.attrelid = status_history AND a.attname = history_mapping ->> 'ticket'));
    END IF;
    steps_sql := steps_sql || ' ORDER BY creation DESC, at, rank, ord';

    -- ---------------------------------------------------------------- the tickets
    -- not tracked, or tracked on an update since attaching: oldest first
    -- (those created before the cut-off only to remove what an update tracked)
    -- (the tracking tables of the attachment's key type, compared in that type: index lookups)
    FOR candidate IN EXECUTE format('SELECT x.%1$I::text AS key FROM %2$s x
                              WHERE (NOT EXISTS (SELECT FROM %4$s s
                                                  WHERE s.attachment_id OPERATOR(pg_catalog.=) $1
                                                    AND s.ticket_key OPERATOR(pg_catalog.=) x.%1$I::pg_catalog.%6$s)
                                     AND ($2 IS NULL OR %3$s OPERATOR(pg_catalog.>=) $2))
                                 OR EXISTS (SELECT FROM %5$s e
                                             WHERE e.attachment_id OPERATOR(pg_catalog.=) $1
                                               AND e.ticket_key OPERATOR(pg_catalog.=) x.%1$I::pg_catalog.%6$s
                                               AND e.kind OPERATOR(pg_catalog.=) ''tracked_on_update'')
                              ORDER BY %3$s',
                            m ->> 'key', att.ticket_table,
                            @extschema@.instant_expression(m ->> 'created_at', m -> 'kinds' ->> 'created_at', att.time_zone),
                            @extschema@.tracking_table('ticket', att.key_type),
                            @extschema@.tracking_table('event', att.key_type), att.key_type)
             USING att.id, cutoff LOOP
        CONTINUE WHEN candidate.key IS NULL;
        -- the row locked, then read again: a helpdesk update committed meanwhile is in it, and
        -- its trigger may have tracked the ticket
        EXECUTE facts_sql INTO host USING att.id, candidate.key;
        CONTINUE WHEN host.key IS NULL OR host.created_at IS NULL;
        EXECUTE format('SELECT EXISTS (SELECT FROM %s e WHERE e.attachment_id OPERATOR(pg_catalog.=) $1
                                          AND e.ticket_key OPERATOR(pg_catalog.=) $2::pg_catalog.%s
                                          AND e.kind OPERATOR(pg_catalog.=) ''tracked_on_update''),
                               EXISTS (SELECT FROM %s s WHERE s.attachment_id OPERATOR(pg_catalog.=) $1
                                          AND s.ticket_key OPERATOR(pg_catalog.=) $2::pg_catalog.%s)',
                       @extschema@.tracking_table('event', att.key_type), att.key_type,
                       @extschema@.tracking_table('ticket', att.key_type), att.key_type)
           INTO marked, tracked USING att.id, host.key;
        CONTINUE WHEN NOT marked AND tracked;
        replaced := NULL;
        IF marked THEN
            -- its tracking from that update is replaced (or, before the cut-off, removed)
            EXECUTE format('WITH c AS (DELETE FROM %1$s c WHERE c.attachment_id OPERATOR(pg_catalog.=) $1
                                          AND c.ticket_key OPERATOR(pg_catalog.=) $2::pg_catalog.%5$s RETURNING 1),
                                 ev AS (DELETE FROM %2$s e WHERE e.attachment_id OPERATOR(pg_catalog.=) $1
                                          AND e.ticket_key OPERATOR(pg_catalog.=) $2::pg_catalog.%5$s RETURNING 1),
                                 f AS (DELETE FROM %3$s f WHERE f.attachment_id OPERATOR(pg_catalog.=) $1
                                          AND f.ticket_key OPERATOR(pg_catalog.=) $2::pg_catalog.%5$s RETURNING 1),
                                 s AS (DELETE FROM %4$s s WHERE s.attachment_id OPERATOR(pg_catalog.=) $1
                                          AND s.ticket_key OPERATOR(pg_catalog.=) $2::pg_catalog.%5$s RETURNING 1)
                            SELECT pg_catalog.jsonb_build_object(''clocks'', (SELECT pg_catalog.count(*) FROM c),
                                                                 ''events'', (SELECT pg_catalog.count(*) FROM ev))
                             WHERE (SELECT pg_catalog.count(*) FROM f) OPERATOR(pg_catalog.>=) 0
                               AND (SELECT pg_catalog.count(*) FROM s) OPERATOR(pg_catalog.>=) 0',
                           @extschema@.tracking_table('clock', att.key_type), @extschema@.tracking_table('event', att.key_type),
                           @extschema@.tracking_table('fact', att.key_type), @extschema@.tracking_table('ticket', att.key_type),
                           att.key_type)
               INTO replaced USING att.id, host.key;
        END IF;
        IF host.created_at < cutoff THEN
            n_cut := n_cut + 1;
            CONTINUE;
        END IF;

        -- the replay
        started := false;
        FOR step IN EXECUTE steps_sql USING host.key, att.id, host.created_at LOOP
            IF NOT started THEN
                -- without a history entry at its creation: open (deleted stays deleted when only
                -- the current status is known, as before the history source existed)
                EXECUTE tracked_sql USING att.id, host.key,
                    CASE WHEN step.creation THEN coalesce(step.lifecycle, 'open')
                         WHEN status_history IS NULL AND host.lifecycle = 'deleted' THEN 'deleted' ELSE 'open' END,
                    host.created_at;
                started := true;
                CONTINUE WHEN step.creation;
            END IF;
            IF step.message IS NOT NULL THEN
                EXECUTE format('SELECT @extschema@.process_message($1, $2::%s)', att.message_table)
                  USING att.id, step.message;
            ELSIF step.lifecycle IS NOT NULL THEN
                -- a status the map lacks (recorded as a problem) keeps the ticket's lifecycle
                PERFORM @extschema@.apply_lifecycle(att.id, host.key, step.lifecycle, step.at);
            END IF;
        END LOOP;
        IF NOT started THEN
            EXECUTE tracked_sql USING att.id, host.key,
                CASE WHEN status_history IS NULL AND host.lifecycle = 'deleted' THEN 'deleted' ELSE 'open' END, host.created_at;
        END IF;
        -- the current status, when the history does not end with it (or there is none)
        SELECT s.lifecycle INTO lc FROM @extschema@.ticket_rows(NULL::@extschema@.ticket, att.id, host.key) s;
        IF lc IS DISTINCT FROM host.lifecycle THEN
            PERFORM @extschema@.apply_lifecycle(att.id, host.key, host.lifecycle, coalesce(host.updated_at, host.created_at));
        END IF;
        PERFORM @extschema@.log_event(att.id, host.key, NULL, host.created_at, 'backfilled',
            jsonb_strip_nulls(jsonb_build_object('lifecycle', host.lifecycle, 'status_history', status_history::text,
                                                 'replaced', replaced)));
        n := n + 1;
        n_replayed := n_replayed + (marked)::int;
    END LOOP;
    IF n_replayed > 0 OR n_cut > 0 THEN
        RAISE NOTICE 'backfill of %: % tickets started, % of them replayed (tracked on an update since attaching), % tracked on an update removed (created before the cut-off %)',
              att.ticket_table, n, n_replayed, n_cut, cutoff;
    END IF;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.backfill(regclass, regclass, jsonb, timestamptz) IS
    'computes clocks for tickets that existed before attaching (and replays those tracked on an update since): creation, messages, the status changes of an optional status history (a table or view of ticket, at, status), the current status; created_after leaves older tickets untracked; returns how many tickets it started';
CREATE OR REPLACE FUNCTION @extschema@.time_split(ticket_table regclass, ticket_key text, time_zone text DEFAULT 'UTC',
        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (metric @extschema@.metric, cycle integer, department text, agent text,
                   stretch_start timestamptz, stretch_end timestamptz, local_start timestamp, local_end timestamp,
                   business_time @extschema@.business_interval, paused_time @extschema@.business_interval,
                   calendar_time interval)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
BEGIN
    SELECT a.id INTO att_id FROM @extschema@.attachment a WHERE a.ticket_table = time_split.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM @extschema@.valid_time_zone(time_zone);
    -- an infinite as_of would make open stretches infinite: refused the same on every major
    -- (PostgreSQL 17 has infinite intervals, 15 and 16 report an overflow)
    IF NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'time_split needs a finite as_of, not %', as_of USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH events AS MATERIALIZED (
        SELECT e.* FROM @extschema@.ticket_rows(NULL::@extschema@.event, att_id, time_split.ticket_key) e
    ), ticket_clocks AS MATERIALIZED (
        SELECT k.* FROM @extschema@.ticket_rows(NULL::@extschema@.clock, att_id, time_split.ticket_key) k
    ), moves AS (
        SELECT e.id, e.at, e.detail ->> 'department' AS dep, e.detail ->> 'agent' AS agt,
               e.detail ->> 'from_department' AS fdep, e.detail ->> 'from_agent' AS fagt,
               e.detail ? 'from_department' AS has_from
          FROM events e
         WHERE e.kind = 'reassigned'
    ), origin AS (
        SELECT k.department AS dep, k.agent AS agt
          FROM ticket_clocks k
         WHERE k.stopped_at IS NOT NULL
           AND k.stopped_at <= coalesce((SELECT min(m.at) FROM moves m), 'infinity')
         ORDER BY k.started_at, k.id LIMIT 1
    ), clocks AS (
        SELECT k.*, least(coalesce(k.stopped_at, 'infinity'), as_of) AS till
          FROM ticket_clocks k
         WHERE k.started_at <= as_of
    ), pieces AS (
        SELECT k.id AS clock_id, k.started_at AS s, h.dep, h.agt, 0::bigint AS ord
          FROM clocks k
          CROSS JOIN LATERAL (
              SELECT x.dep, x.agt FROM (
                  SELECT m.dep, m.agt, 1 AS pref, m.at, m.id FROM moves m WHERE m.at <= k.started_at
                  UNION ALL
                  -- the holder a later reassignment records as the one it replaced
                  SELECT f.fdep, f.fagt, 2, NULL, NULL
                    FROM (SELECT m.fdep, m.fagt FROM moves m WHERE m.at > k.started_at AND m.has_from
                           ORDER BY m.at, m.id LIMIT 1) f
                  UNION ALL
                  SELECT k.department, k.agent, 3, NULL, NULL
                   WHERE NOT EXISTS (SELECT FROM moves m WHERE m.at > k.started_at
                                                         AND m.at < coalesce(k.stopped_at, 'infinity'))
                  UNION ALL
                  SELECT o.dep, o.agt, 4, NULL, NULL FROM origin o
                  UNION ALL
                  SELECT NULL, NULL, 5, NULL, NULL) x
               ORDER BY x.pref, x.at DESC, x.id DESC LIMIT 1) h
        UNION ALL
        SELECT k.id, m.at, m.dep, m.agt, m.id
          FROM clocks k JOIN moves m ON m.at > k.started_at AND m.at < k.till
    ), stretches AS (
        SELECT p.clock_id, p.dep, p.agt, p.s,
               coalesce(lead(p.s) OVER (PARTITION BY p.clock_id ORDER BY p.s, p.ord), k.till) AS e
          FROM pieces p JOIN clocks k ON k.id = p.clock_id
    ), pauses AS (
        SELECT p.clock_id, p.at AS ps,
               coalesce((SELECT min(q.at) FROM events q
                          WHERE q.clock_id = p.clock_id AND q.kind IN ('resumed', 'reopened', 'cancelled')
                            AND (q.at, q.id) > (p.at, p.id)), 'infinity') AS pe
          FROM events p
         WHERE p.kind IN ('paused', 'stopped')
    )
    SELECT k.metric, k.cycle, st.dep, st.agt, st.s, st.e,
           st.s AT TIME ZONE time_split.time_zone, st.e AT TIME ZONE time_split.time_zone,
           @extschema@.business_between(st.s, st.e, k.calendar_id),
           coalesce((SELECT @extschema@.sum(@extschema@.business_between(greatest(pz.ps, st.s), least(pz.pe, st.e),
                                                                          k.calendar_id))
                       FROM pauses pz
                      WHERE pz.clock_id = k.id AND greatest(pz.ps, st.s) < least(pz.pe, st.e)),
                    '00:00:00'::@extschema@.business_interval),
           st.e OPERATOR(pg_catalog.-) st.s
      FROM stretches st JOIN clocks k ON k.id = st.clock_id
     WHERE st.e > st.s
     ORDER BY k.started_at, k.metric, k.cycle, st.s;
END
$$;
COMMENT ON FUNCTION @extschema@.time_split(regclass, text, text, timestamptz) IS
    'where a ticket''s SLA time went: per clock and per stretch in which one department/agent held the ticket, business time (paused time included, paused_time reported apart) and calendar time, clipped to the clock''s start and its stop or as_of';
DO $$
DECLARE
    t text;
BEGIN
    -- the tables of every key type (the views sla.clock etc. read them as the caller)
    FOR t IN SELECT kinds.kind || '_' || types.kt
               FROM unnest(ARRAY['clock', 'event', 'ticket', 'fact']) WITH ORDINALITY kinds(kind, i),
                    unnest(ARRAY['int4', 'int8', 'uuid', 'text']) WITH ORDINALITY types(kt, j)
              ORDER BY kinds.i, types.j LOOP
        EXECUTE format('ALTER TABLE @extschema@.%I ENABLE ROW LEVEL SECURITY', t);
        -- reading: the engine's and the admin's roles see everything; anyone else what the host shows them
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR SELECT TO sla_writer, sla_admin USING (true)', t || '_engine_and_admin_read', t);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR SELECT USING (attachment_id OPERATOR(pg_catalog.<>) ALL ((SELECT @extschema@.rls_hidden_attachments())::integer[]) OR @extschema@.ticket_visible(attachment_id, ticket_key::pg_catalog.text))',
                       t || '_follows_host', t);
        -- writing is gated by table privileges alone (sla_writer, sla_admin), as before
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR INSERT WITH CHECK (true)', t || '_insert', t);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR UPDATE USING (true)', t || '_update', t);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR DELETE USING (true)', t || '_delete', t);
        -- one helpdesk's application role cannot read, move or forge another's rows
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I AS RESTRICTIVE FOR ALL TO sla_writer
                        USING (@extschema@.may_write_attachment(attachment_id))
                        WITH CHECK (@extschema@.may_write_attachment(attachment_id))', t || '_attachment_writer', t);
    END LOOP;
END
$$;

-- privileges: the tables of every key type as the old tables had them, the views to read
GRANT SELECT ON ALL TABLES IN SCHEMA @extschema@ TO sla_reader, sla_admin;
GRANT SELECT ON @extschema@.ticket, @extschema@.clock, @extschema@.event, @extschema@.fact TO sla_writer;
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('GRANT UPDATE ON @extschema@.%I, @extschema@.%I TO sla_admin', 'ticket_' || kt, 'clock_' || kt);
        EXECUTE format('GRANT INSERT ON @extschema@.%I TO sla_admin', 'event_' || kt);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON @extschema@.%I, @extschema@.%I, @extschema@.%I TO sla_writer',
                       'ticket_' || kt, 'clock_' || kt, 'event_' || kt);
        EXECUTE format('GRANT SELECT, INSERT ON @extschema@.%I TO sla_writer', 'fact_' || kt);
        EXECUTE format('GRANT DELETE ON @extschema@.%I, @extschema@.%I TO sla_writer', 'clock_' || kt, 'event_' || kt);
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION @extschema@.key_type_of(regclass, text), @extschema@.tracking_table(text, text),
    @extschema@.ticket_rows(anyelement, integer, text), @extschema@.clock_used(@extschema@.clock, timestamptz),
    @extschema@.claim_crossing(integer, text, bigint, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.clock_used(@extschema@.clock, timestamptz) TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION @extschema@.claim_crossing(integer, text, bigint, text, timestamptz) TO sla_writer;
GRANT EXECUTE ON FUNCTION
    @extschema@.ticket_rows(anyelement, integer, text),
    @extschema@.tracking_table(text, text)
    TO sla_reader, sla_admin, sla_writer;
-- ============================================================================================
-- issue 13: restore in any order
-- The foreign keys between configuration tables become triggers of sla.config_reference()
-- under the same names (src/sql/98_config_reference.sql, src/config_reference.c), and a rule
-- condition is not validated while a dump is loaded (src/sql/50_rule.sql): pg_restore -j loads
-- the configuration tables' data in any order.
-- ============================================================================================
ALTER TABLE @extschema@.calendar_hours DROP CONSTRAINT calendar_hours_calendar_id_fkey;
ALTER TABLE @extschema@.calendar_holiday DROP CONSTRAINT calendar_holiday_calendar_id_fkey;
ALTER TABLE @extschema@.calendar_special_day DROP CONSTRAINT calendar_special_day_calendar_id_fkey;
ALTER TABLE @extschema@.calendar_special_hours DROP CONSTRAINT calendar_special_hours_calendar_id_day_fkey;
ALTER TABLE @extschema@.level DROP CONSTRAINT level_calendar_id_fkey;
ALTER TABLE @extschema@.level_target DROP CONSTRAINT level_target_level_id_fkey;
ALTER TABLE @extschema@.rule DROP CONSTRAINT rule_set_level_id_fkey;
ALTER TABLE @extschema@.rule_condition DROP CONSTRAINT rule_condition_rule_id_fkey;
ALTER TABLE @extschema@.status_map DROP CONSTRAINT status_map_attachment_id_fkey;
ALTER TABLE @extschema@.mapping_problem DROP CONSTRAINT mapping_problem_attachment_id_fkey;
ALTER TABLE @extschema@.escalation DROP CONSTRAINT escalation_level_id_fkey;
ALTER TABLE @extschema@.escalation DROP CONSTRAINT escalation_to_level_id_fkey;
ALTER TABLE @extschema@.contract_tier DROP CONSTRAINT contract_tier_contract_id_fkey;

CREATE FUNCTION @extschema@.config_reference() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_config_reference' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.config_reference() IS
    'trigger keeping a reference between two sla configuration tables (argument: the former foreign key''s name): the referenced row must exist; deleting it cascades or is refused (23503)';

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
        -- name, referencing table and columns, referenced table and columns, ON DELETE (the
        -- same as src/config_reference.c's list, which checks it)
        ('calendar_hours_calendar_id_fkey', 'calendar_hours', 'calendar_id', 'calendar', 'id', 'cascade'),
        ('calendar_holiday_calendar_id_fkey', 'calendar_holiday', 'calendar_id', 'calendar', 'id', 'cascade'),
        ('calendar_special_day_calendar_id_fkey', 'calendar_special_day', 'calendar_id', 'calendar', 'id', 'cascade'),
        ('calendar_special_hours_calendar_id_day_fkey', 'calendar_special_hours', 'calendar_id, day',
         'calendar_special_day', 'calendar_id, day', 'cascade'),
        ('level_calendar_id_fkey', 'level', 'calendar_id', 'calendar', 'id', 'no action'),
        ('level_target_level_id_fkey', 'level_target', 'level_id', 'level', 'id', 'cascade'),
        ('rule_set_level_id_fkey', 'rule', 'set_level_id', 'level', 'id', 'no action'),
        ('rule_condition_rule_id_fkey', 'rule_condition', 'rule_id', 'rule', 'id', 'cascade'),
        ('status_map_attachment_id_fkey', 'status_map', 'attachment_id', 'attachment', 'id', 'cascade'),
        ('mapping_problem_attachment_id_fkey', 'mapping_problem', 'attachment_id', 'attachment', 'id', 'cascade'),
        ('escalation_level_id_fkey', 'escalation', 'level_id', 'level', 'id', 'cascade'),
        ('escalation_to_level_id_fkey', 'escalation', 'to_level_id', 'level', 'id', 'no action'),
        ('contract_tier_contract_id_fkey', 'contract_tier', 'contract_id', 'contract', 'id', 'cascade')
    ) v(name, child, child_cols, parent, parent_cols, on_delete) LOOP
        EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OF %s ON @extschema@.%I '
                                  'FOR EACH ROW EXECUTE FUNCTION @extschema@.config_reference(%L)',
                                  r.name, r.child_cols, r.child, r.name);
        EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER DELETE OR UPDATE OF %s ON @extschema@.%I '
                                  'FOR EACH ROW EXECUTE FUNCTION @extschema@.config_reference(%L)',
                                  r.name, r.parent_cols, r.parent, r.name);
        -- a truncate's cascade runs before it, the NO ACTION check after it
        EXECUTE pg_catalog.format('CREATE TRIGGER %I %s TRUNCATE ON @extschema@.%I '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.config_reference(%L)',
                                  r.name || '_truncate', CASE r.on_delete WHEN 'cascade' THEN 'BEFORE' ELSE 'AFTER' END,
                                  r.parent, r.name);
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION @extschema@.config_reference() FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.rule_condition_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    msg text;
    state text;
    hint text;
BEGIN
    -- a dump loads the conditions perhaps before the declared attributes they name: they were
    -- valid when dumped (check_function_bodies off, as with function bodies: 98_config_reference.sql)
    IF pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off' THEN
        RETURN NULL;
    END IF;
    PERFORM @extschema@.check_condition(NEW.attribute, NEW.operator, NEW.value);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE, hint = PG_EXCEPTION_HINT;
    msg := format('rule "%s", condition %s of group %s: %s',
                  (SELECT r.name FROM @extschema@.rule r WHERE r.id = NEW.rule_id), NEW.position, NEW.group_no, msg);
    IF hint <> '' THEN
        RAISE EXCEPTION USING MESSAGE = msg, ERRCODE = state, HINT = hint;
    END IF;
    RAISE EXCEPTION USING MESSAGE = msg, ERRCODE = state;
END
$$;
-- ============================================================================================
-- end of issue 13: restore in any order


-- ================================================================== issue 12: versioned policy
-- Mirrors src/sql/55_policy_history.sql (and its grants in 99_privileges.sql): the policy
-- version table, the history of every configuration row, the statement triggers that keep it,
-- and the functions that read it (docs/policy-versions.md).  Then version 1: the configuration
-- as it is at the update, the start of the history of an existing installation.

-- The versioned tables and the columns of their primary keys: a history row's key is these
-- columns of the row, as a JSON object.  No SET search_path, so that it is inlined (it is read
-- by the history's check constraint and by the trigger): its only operator is qualified.
CREATE FUNCTION @extschema@.policy_table_key(table_name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN $1 OPERATOR(pg_catalog.=) 'calendar' THEN ARRAY['id']
        WHEN $1 OPERATOR(pg_catalog.=) 'calendar_hours' THEN ARRAY['calendar_id', 'weekday', 'opens']
        WHEN $1 OPERATOR(pg_catalog.=) 'calendar_holiday' THEN ARRAY['calendar_id', 'day']
        WHEN $1 OPERATOR(pg_catalog.=) 'calendar_special_day' THEN ARRAY['calendar_id', 'day']
        WHEN $1 OPERATOR(pg_catalog.=) 'calendar_special_hours' THEN ARRAY['calendar_id', 'day', 'opens']
        WHEN $1 OPERATOR(pg_catalog.=) 'level' THEN ARRAY['id']
        WHEN $1 OPERATOR(pg_catalog.=) 'level_target' THEN ARRAY['level_id', 'metric']
        WHEN $1 OPERATOR(pg_catalog.=) 'attribute' THEN ARRAY['name']
        WHEN $1 OPERATOR(pg_catalog.=) 'rule' THEN ARRAY['id']
        WHEN $1 OPERATOR(pg_catalog.=) 'rule_condition' THEN ARRAY['rule_id', 'group_no', 'position']
    END
$$;
COMMENT ON FUNCTION @extschema@.policy_table_key(text) IS
    'the primary-key columns of a versioned configuration table (NULL for any other name): a history row''s key';

CREATE TABLE @extschema@.policy_version (
    version           integer PRIMARY KEY CONSTRAINT policy_version_positive CHECK (version OPERATOR(pg_catalog.>) 0),
    took_effect       timestamptz NOT NULL,
    session_user_name text NOT NULL,
    current_user_name text NOT NULL,
    note              text,
    transaction_id    pg_catalog.xid8 NOT NULL,
    transaction_start timestamptz NOT NULL
);
CREATE INDEX policy_version_took_effect ON @extschema@.policy_version (took_effect);
COMMENT ON TABLE @extschema@.policy_version IS
    'one row per transaction that edited the configuration: the policy version it made, when it took effect and who made it';
COMMENT ON COLUMN @extschema@.policy_version.took_effect IS
    'the start of the editing transaction (transaction_timestamp()), or the previous version''s instant when that is later (transactions that overlapped): never decreasing';
COMMENT ON COLUMN @extschema@.policy_version.session_user_name IS 'session_user of the editing session';
COMMENT ON COLUMN @extschema@.policy_version.current_user_name IS 'the role the edit was made as (current_user of the editing statement, SET ROLE included)';
COMMENT ON COLUMN @extschema@.policy_version.note IS 'free text, set by sla.set_policy_note() in the editing transaction';
COMMENT ON COLUMN @extschema@.policy_version.transaction_id IS 'the editing transaction (meaningful only in the cluster where it ran)';

CREATE TABLE @extschema@.policy_history (
    table_name text NOT NULL
        CONSTRAINT policy_history_table_known CHECK (@extschema@.policy_table_key(table_name) IS NOT NULL),
    key        jsonb NOT NULL,
    valid_from integer NOT NULL,
    -- a provisional (negative) valid_to, or valid_from, exists only inside the editing transaction
    valid_to   integer CONSTRAINT policy_history_range CHECK (valid_to OPERATOR(pg_catalog.>) valid_from
                   OR (valid_to OPERATOR(pg_catalog.<) 0 AND valid_from OPERATOR(pg_catalog.>) 0)),
    data       jsonb NOT NULL,
    PRIMARY KEY (table_name, key, valid_from)
);
CREATE UNIQUE INDEX policy_history_current ON @extschema@.policy_history (table_name, key) WHERE valid_to IS NULL;
-- the rows carrying a provisional number, found when it is rewritten at commit (empty otherwise)
CREATE INDEX policy_history_provisional_from ON @extschema@.policy_history (valid_from)
    WHERE valid_from OPERATOR(pg_catalog.<) 0;
CREATE INDEX policy_history_provisional_to ON @extschema@.policy_history (valid_to)
    WHERE valid_to OPERATOR(pg_catalog.<) 0;
COMMENT ON TABLE @extschema@.policy_history IS
    'every row the versioned configuration tables ever held: in force from version valid_from up to (not including) valid_to, NULL while current';
COMMENT ON COLUMN @extschema@.policy_history.key IS 'the row''s primary key as a JSON object, e.g. {"level_id": 1, "metric": "first_response"}';
COMMENT ON COLUMN @extschema@.policy_history.data IS 'the whole row, to_jsonb(row)';

-- The version an open transaction is making, under its provisional number: inserted at its first
-- edit, turned into a policy_version row and deleted when it commits (so always empty to any
-- other transaction, and not dumped).
CREATE TABLE @extschema@.policy_version_pending (
    provisional       integer PRIMARY KEY CONSTRAINT policy_version_pending_negative CHECK (provisional OPERATOR(pg_catalog.<) 0),
    transaction_id    pg_catalog.xid8 NOT NULL,
    transaction_start timestamptz NOT NULL,
    session_user_name text NOT NULL,
    current_user_name text NOT NULL,
    note              text
);
COMMENT ON TABLE @extschema@.policy_version_pending IS
    'the policy version of each open editing transaction, under its provisional (negative) number until its commit numbers it (internal)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.policy_version', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.policy_history', '');

-- The version of the current transaction, made at its first configuration edit (made: by this
-- call): its provisional number until the commit numbers it (or the real number, when the
-- transaction ran SET CONSTRAINTS ... IMMEDIATE after its first edit, which numbers it early).
-- The provisional number is -1 - (transaction id mod 2^31 - 1): distinct for every two open
-- transactions (their ids are less than 2^31 apart), and not settable by the caller.  No lock:
-- editors do not wait for each other here.  Called by the SECURITY DEFINER functions below only
-- (nobody is granted EXECUTE).
CREATE FUNCTION @extschema@.policy_version_of_transaction(OUT version integer, OUT made boolean)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    xid xid8 := pg_current_xact_id();
    prov integer := -1 - (xid::text::bigint % 2147483647)::integer;
    latest record;
BEGIN
    IF EXISTS (SELECT FROM @extschema@.policy_version_pending q
                WHERE q.provisional = prov AND q.transaction_id = xid) THEN
        version := prov;
        made := false;
        RETURN;
    END IF;
    -- numbered already (SET CONSTRAINTS ALL IMMEDIATE): the latest version, and this transaction
    -- holds the numbering lock.  The id alone could repeat after a restore into another cluster.
    SELECT p.version, p.transaction_id, p.transaction_start INTO latest
      FROM @extschema@.policy_version p ORDER BY p.version DESC LIMIT 1;
    IF latest.transaction_id = xid AND latest.transaction_start = transaction_timestamp() THEN
        version := latest.version;
        made := false;
        RETURN;
    END IF;
    INSERT INTO @extschema@.policy_version_pending (provisional, transaction_id, transaction_start,
                                                    session_user_name, current_user_name)
         VALUES (prov, xid, transaction_timestamp(), session_user,
                 -- current_user here is this function's owner: the role of the statement is the
                 -- outer one, SET ROLE's (which SECURITY DEFINER does not change)
                 CASE current_setting('role') WHEN 'none' THEN session_user ELSE current_setting('role') END);
    version := prov;
    made := true;
END
$$;
COMMENT ON FUNCTION @extschema@.policy_version_of_transaction() IS
    'the policy version of the current transaction (provisional until its commit), made on first use (internal)';

-- The numbering, at commit: a deferred constraint trigger on policy_version_pending, so it runs
-- when the transaction commits, after its last edit.  The lock on policy_version (SHARE ROW
-- EXCLUSIVE: readers, the engine and pg_dump do not wait; no editor holds it before its commit)
-- is held from here to the end of the commit, so the next numbering sees this version committed:
-- versions are numbered in commit order.  took_effect is the transaction's start, or the previous
-- version's when that is later (a transaction that started before the previous one committed).
-- Under REPEATABLE READ or SERIALIZABLE a transaction whose snapshot does not see a version
-- committed meanwhile cannot take the next number: 40001 at its COMMIT (ON CONFLICT on a row the
-- snapshot does not see).
CREATE FUNCTION @extschema@.policy_version_number() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    q record;
    latest record;
    v integer;
BEGIN
    IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'ROW' OR TG_OP <> 'INSERT' OR TG_TABLE_SCHEMA <> '@extschema@'
       OR TG_TABLE_NAME <> 'policy_version_pending' THEN
        RAISE EXCEPTION 'sla.policy_version_number() must be the constraint trigger on sla.policy_version_pending, not on %.%',
              TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'trigger_protocol_violated';
    END IF;
    -- the row as it is now (NEW is the row as inserted: without a note set later)
    DELETE FROM @extschema@.policy_version_pending p WHERE p.provisional = NEW.provisional RETURNING p.* INTO q;
    IF q.provisional IS NULL THEN
        RETURN NULL;
    END IF;
    LOCK TABLE @extschema@.policy_version IN SHARE ROW EXCLUSIVE MODE;
    SELECT p.version, p.took_effect INTO latest
      FROM @extschema@.policy_version p ORDER BY p.version DESC LIMIT 1;
    INSERT INTO @extschema@.policy_version AS p (version, took_effect, session_user_name, current_user_name, note,
                                                 transaction_id, transaction_start)
         VALUES (coalesce(latest.version, 0) + 1, greatest(q.transaction_start, latest.took_effect),
                 q.session_user_name, q.current_user_name, q.note, q.transaction_id, q.transaction_start)
    ON CONFLICT ON CONSTRAINT policy_version_pkey DO NOTHING
    RETURNING p.version INTO v;
    IF v IS NULL THEN
        RAISE EXCEPTION 'could not serialize access: another transaction made policy version % meanwhile',
              coalesce(latest.version, 0) + 1 USING ERRCODE = 'serialization_failure';
    END IF;
    UPDATE @extschema@.policy_history h SET valid_from = v
     WHERE h.valid_from = q.provisional AND h.valid_from < 0;
    UPDATE @extschema@.policy_history h SET valid_to = v
     WHERE h.valid_to = q.provisional AND h.valid_to < 0;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.policy_version_number() IS
    'deferred constraint trigger on sla.policy_version_pending: numbers the version of the committing transaction (internal)';

CREATE CONSTRAINT TRIGGER policy_version_number AFTER INSERT ON @extschema@.policy_version_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION @extschema@.policy_version_number();

-- The statement trigger of every versioned table.  Rows a statement left as they were (an
-- UPDATE that rewrote the same values) make no change and, when nothing changed, no version.  A
-- row removed and written again with the same values in one transaction keeps its history row.
-- pg_restore loads rows that are already in the restored history: it is left alone (as the
-- re-targeting trigger leaves it alone, application_name = 'pg_restore').  Keys are matched with
-- = ANY (arrays): index scans of the primary key whatever the planner thinks of the statement's
-- size.
CREATE FUNCTION @extschema@.policy_history_record() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    keys text[] := @extschema@.policy_table_key(TG_TABLE_NAME);
    touched jsonb[];		-- keys whose row in force ends (replaced or removed)
    new_keys jsonb[];		-- keys and rows written (parallel arrays)
    new_data jsonb[];
    v record;
BEGIN
    IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'STATEMENT' OR TG_TABLE_SCHEMA <> '@extschema@' OR keys IS NULL THEN
        RAISE EXCEPTION 'sla.policy_history_record() must be an AFTER statement trigger on a versioned sla table, not on %.%',
              TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'trigger_protocol_violated';
    END IF;
    IF current_setting('application_name') = 'pg_restore' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        IF NOT EXISTS (SELECT FROM @extschema@.policy_history h
                        WHERE h.table_name = TG_TABLE_NAME AND h.valid_to IS NULL) THEN
            RETURN NULL;
        END IF;
        v := @extschema@.policy_version_of_transaction();
        DELETE FROM @extschema@.policy_history h
         WHERE h.table_name = TG_TABLE_NAME AND h.valid_to IS NULL AND h.valid_from = v.version;
        UPDATE @extschema@.policy_history h SET valid_to = v.version
         WHERE h.table_name = TG_TABLE_NAME AND h.valid_to IS NULL;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(x.key), array_agg(x.key), array_agg(x.d) INTO touched, new_keys, new_data
          FROM (SELECT (SELECT jsonb_object_agg(k, n.d -> k) FROM unnest(keys) k) AS key, n.d
                  FROM (SELECT to_jsonb(r) AS d FROM new_rows r) n) x;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg((SELECT jsonb_object_agg(k, o.d -> k) FROM unnest(keys) k)) INTO touched
          FROM (SELECT to_jsonb(r) AS d FROM old_rows r) o;
    ELSE
        WITH o AS (SELECT (SELECT jsonb_object_agg(k, x.d -> k) FROM unnest(keys) k) AS key, x.d
                     FROM (SELECT to_jsonb(r) AS d FROM old_rows r) x),
             n AS (SELECT (SELECT jsonb_object_agg(k, x.d -> k) FROM unnest(keys) k) AS key, x.d
                     FROM (SELECT to_jsonb(r) AS d FROM new_rows r) x)
        SELECT array_agg(coalesce(n.key, o.key)), array_agg(n.key) FILTER (WHERE n.d IS NOT NULL),
               array_agg(n.d) FILTER (WHERE n.d IS NOT NULL)
          INTO touched, new_keys, new_data
          FROM o FULL JOIN n ON n.key = o.key
         WHERE n.d IS DISTINCT FROM o.d;
    END IF;
    IF touched IS NULL THEN
        RETURN NULL;		-- no row, or no row changed
    END IF;
    v := @extschema@.policy_version_of_transaction();
    -- the rows in force for these keys end with this version (one this version wrote goes)
    IF NOT v.made THEN
        DELETE FROM @extschema@.policy_history h
         WHERE h.table_name = TG_TABLE_NAME AND h.key = ANY (touched) AND h.valid_to IS NULL AND h.valid_from = v.version;
    END IF;
    UPDATE @extschema@.policy_history h SET valid_to = v.version
     WHERE h.table_name = TG_TABLE_NAME AND h.key = ANY (touched) AND h.valid_to IS NULL;
    IF new_keys IS NULL THEN
        RETURN NULL;
    END IF;
    -- the rows written: the one this version just ended when it is the same again (a row holds
    -- its key, so equal rows have equal keys), else a new one
    IF NOT v.made THEN
        UPDATE @extschema@.policy_history h SET valid_to = NULL
         WHERE h.table_name = TG_TABLE_NAME AND h.key = ANY (new_keys) AND h.valid_to = v.version
           AND h.data = ANY (new_data);
    END IF;
    INSERT INTO @extschema@.policy_history (table_name, key, valid_from, data)
         SELECT TG_TABLE_NAME, u.key, v.version, u.data
           FROM unnest(new_keys, new_data) AS u(key, data)
          WHERE v.made
             OR NOT EXISTS (SELECT FROM @extschema@.policy_history h
                             WHERE h.table_name = TG_TABLE_NAME AND h.key = u.key AND h.valid_to IS NULL);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.policy_history_record() IS
    'statement trigger on the versioned configuration tables: records the statement''s changes under the transaction''s policy version';

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['calendar', 'calendar_hours', 'calendar_holiday', 'calendar_special_day',
                             'calendar_special_hours', 'level', 'level_target', 'attribute', 'rule',
                             'rule_condition'] LOOP
        EXECUTE pg_catalog.format('CREATE TRIGGER policy_history_insert AFTER INSERT ON @extschema@.%I '
                                  'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
                                  'EXECUTE FUNCTION @extschema@.policy_history_record()', t);
        EXECUTE pg_catalog.format('CREATE TRIGGER policy_history_update AFTER UPDATE ON @extschema@.%I '
                                  'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT '
                                  'EXECUTE FUNCTION @extschema@.policy_history_record()', t);
        EXECUTE pg_catalog.format('CREATE TRIGGER policy_history_delete AFTER DELETE ON @extschema@.%I '
                                  'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT '
                                  'EXECUTE FUNCTION @extschema@.policy_history_record()', t);
        EXECUTE pg_catalog.format('CREATE TRIGGER policy_history_truncate AFTER TRUNCATE ON @extschema@.%I '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.policy_history_record()', t);
    END LOOP;
END
$$;

-- A note on the current transaction's version (made now if the transaction has edited nothing
-- yet: call it before or after the edits, in their transaction).  SECURITY DEFINER for the same
-- reason as the trigger; it touches only the caller's own transaction's version.  The version's
-- number is known once the transaction commits.
CREATE FUNCTION @extschema@.set_policy_note(note text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v integer := (@extschema@.policy_version_of_transaction()).version;
BEGIN
    IF v < 0 THEN
        UPDATE @extschema@.policy_version_pending p SET note = set_policy_note.note WHERE p.provisional = v;
    ELSE
        UPDATE @extschema@.policy_version p SET note = set_policy_note.note WHERE p.version = v;
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.set_policy_note(text) IS
    'sets the note of the policy version the current transaction makes (numbered at its commit)';

-- Reading the history.
CREATE FUNCTION @extschema@.policy_version_at(at timestamptz) RETURNS integer
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT max(p.version) FROM @extschema@.policy_version p WHERE p.took_effect <= $1
$$;
COMMENT ON FUNCTION @extschema@.policy_version_at(timestamptz) IS
    'the policy version in force at an instant (the latest that took effect at or before it); NULL before the first';

CREATE FUNCTION @extschema@.policy_rows(version integer, OUT table_name text, OUT key jsonb, OUT data jsonb)
    RETURNS SETOF record
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT h.table_name, h.key, h.data FROM @extschema@.policy_history h
     WHERE h.valid_from <= $1 AND h.valid_from > 0 AND (h.valid_to IS NULL OR h.valid_to > $1 OR h.valid_to < 0)
$$;
COMMENT ON FUNCTION @extschema@.policy_rows(integer) IS
    'every configuration row in force in a policy version, as (table name, key, row) in JSON';

-- One table's rows at a version or instant, typed: SELECT * FROM sla.policy_rows(NULL::sla.level_target, 3).
CREATE FUNCTION @extschema@.policy_rows(row_type anyelement, version integer) RETURNS SETOF anyelement
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tbl text;
BEGIN
    SELECT c.relname INTO tbl FROM pg_class c JOIN pg_type t ON t.typrelid = c.oid
     WHERE t.oid = pg_typeof(row_type) AND c.relnamespace = '@extschema@'::regnamespace;
    IF @extschema@.policy_table_key(tbl) IS NULL THEN
        RAISE EXCEPTION 'type % is not the row type of a versioned sla configuration table', pg_typeof(row_type)
              USING ERRCODE = 'invalid_parameter_value',
                    HINT = 'Pass NULL::sla.level_target, NULL::sla.calendar_hours, ...';
    END IF;
    RETURN QUERY
        SELECT (jsonb_populate_record(row_type, h.data)).*
          FROM @extschema@.policy_history h
         WHERE h.table_name = tbl AND h.valid_from <= version AND h.valid_from > 0
           AND (h.valid_to IS NULL OR h.valid_to > version OR h.valid_to < 0)
         ORDER BY h.key;
END
$$;
COMMENT ON FUNCTION @extschema@.policy_rows(anyelement, integer) IS
    'the rows of one versioned table in force in a policy version, typed like the table: policy_rows(NULL::sla.level_target, 3)';

CREATE FUNCTION @extschema@.policy_rows_at(row_type anyelement, at timestamptz) RETURNS SETOF anyelement
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT * FROM @extschema@.policy_rows($1, @extschema@.policy_version_at($2))
$$;
COMMENT ON FUNCTION @extschema@.policy_rows_at(anyelement, timestamptz) IS
    'the rows of one versioned table in force at an instant: policy_rows_at(NULL::sla.level_target, ''2025-03-01'')';

-- The whole policy of a version as one document: calendars with their hours, holidays and
-- special days, levels with their targets, declared attributes, rules (in position order) with
-- their conditions.  Levels and rules name the calendar and level they use.
CREATE FUNCTION @extschema@.policy(version integer) RETURNS jsonb
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    WITH r AS (SELECT * FROM @extschema@.policy_rows($1))
    SELECT jsonb_build_object(
        'version', p.version,
        'took_effect', p.took_effect,
        'calendars', coalesce((
            SELECT jsonb_agg(c.data || jsonb_build_object(
                       'hours', coalesce((SELECT jsonb_agg(h.data - 'calendar_id' ORDER BY (h.data ->> 'weekday')::integer, h.data ->> 'opens') FROM r h
                                           WHERE h.table_name = 'calendar_hours' AND h.data -> 'calendar_id' = c.data -> 'id'), '[]'),
                       'holidays', coalesce((SELECT jsonb_agg(h.data - 'calendar_id' ORDER BY h.data ->> 'day') FROM r h
                                              WHERE h.table_name = 'calendar_holiday' AND h.data -> 'calendar_id' = c.data -> 'id'), '[]'),
                       'special_days', coalesce((
                           SELECT jsonb_agg((s.data - 'calendar_id') || jsonb_build_object('hours', coalesce((
                                      SELECT jsonb_agg(h.data - 'calendar_id' - 'day' ORDER BY h.data ->> 'opens') FROM r h
                                       WHERE h.table_name = 'calendar_special_hours'
                                         AND h.data -> 'calendar_id' = s.data -> 'calendar_id'
                                         AND h.data -> 'day' = s.data -> 'day'), '[]')) ORDER BY s.data ->> 'day')
                             FROM r s
                            WHERE s.table_name = 'calendar_special_day' AND s.data -> 'calendar_id' = c.data -> 'id'), '[]'))
                   ORDER BY c.data ->> 'name')
              FROM r c WHERE c.table_name = 'calendar'), '[]'),
        'levels', coalesce((
            SELECT jsonb_agg(l.data || jsonb_build_object(
                       'calendar', (SELECT c.data -> 'name' FROM r c WHERE c.table_name = 'calendar' AND c.data -> 'id' = l.data -> 'calendar_id'),
                       'targets', coalesce((SELECT jsonb_object_agg(t.data ->> 'metric', t.data -> 'target') FROM r t
                                             WHERE t.table_name = 'level_target' AND t.data -> 'level_id' = l.data -> 'id'), '{}'))
                   ORDER BY l.data ->> 'name')
              FROM r l WHERE l.table_name = 'level'), '[]'),
        'attributes', coalesce((SELECT jsonb_agg(a.data ORDER BY a.data ->> 'name') FROM r a WHERE a.table_name = 'attribute'), '[]'),
        'rules', coalesce((
            SELECT jsonb_agg(u.data || jsonb_build_object(
                       'set_level', (SELECT l.data -> 'name' FROM r l WHERE l.table_name = 'level' AND l.data -> 'id' = u.data -> 'set_level_id'),
                       'conditions', coalesce((SELECT jsonb_agg(k.data - 'rule_id' ORDER BY (k.data ->> 'group_no')::integer, (k.data ->> 'position')::integer) FROM r k
                                                WHERE k.table_name = 'rule_condition' AND k.data -> 'rule_id' = u.data -> 'id'), '[]'))
                   ORDER BY (u.data ->> 'position')::integer)
              FROM r u WHERE u.table_name = 'rule'), '[]'))
      FROM @extschema@.policy_version p WHERE p.version = $1
$$;
COMMENT ON FUNCTION @extschema@.policy(integer) IS
    'the whole policy of a version as JSON (calendars with hours, holidays and special days; levels with targets; attributes; rules with conditions); NULL for an unknown version';

CREATE FUNCTION @extschema@.policy_at(at timestamptz) RETURNS jsonb
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT @extschema@.policy(@extschema@.policy_version_at($1))
$$;
COMMENT ON FUNCTION @extschema@.policy_at(timestamptz) IS
    'the whole policy in force at an instant, as sla.policy(version) gives it; NULL before the first version';

-- What changed from one version to another (either order; 0 is the empty policy before version 1).
CREATE FUNCTION @extschema@.policy_diff(from_version integer, to_version integer,
        OUT table_name text, OUT key jsonb, OUT change text, OUT old_value jsonb, OUT new_value jsonb)
    RETURNS SETOF record
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v integer;
BEGIN
    FOREACH v IN ARRAY ARRAY[from_version, to_version] LOOP
        IF v IS NULL OR (v <> 0 AND NOT EXISTS (SELECT FROM @extschema@.policy_version p WHERE p.version = v)) THEN
            RAISE EXCEPTION 'policy version % does not exist', coalesce(v::text, 'NULL')
                  USING ERRCODE = 'invalid_parameter_value',
                        HINT = 'Versions are listed in sla.policy_version; 0 is the empty policy before the first.';
        END IF;
    END LOOP;
    RETURN QUERY
        SELECT coalesce(a.table_name, b.table_name), coalesce(a.key, b.key),
               CASE WHEN a.data IS NULL THEN 'added' WHEN b.data IS NULL THEN 'removed' ELSE 'changed' END,
               a.data, b.data
          FROM @extschema@.policy_rows(from_version) a
          FULL JOIN @extschema@.policy_rows(to_version) b ON b.table_name = a.table_name AND b.key = a.key
         WHERE a.data IS DISTINCT FROM b.data
         ORDER BY 1, 2;
END
$$;
COMMENT ON FUNCTION @extschema@.policy_diff(integer, integer) IS
    'the configuration rows added, removed or changed from one policy version to another, with their old and new values';

REVOKE EXECUTE ON FUNCTION
    @extschema@.policy_table_key(text),
    @extschema@.policy_version_of_transaction(),
    @extschema@.policy_version_number(),
    @extschema@.policy_history_record(),
    @extschema@.set_policy_note(text),
    @extschema@.policy_version_at(timestamptz),
    @extschema@.policy_rows(integer),
    @extschema@.policy_rows(anyelement, integer),
    @extschema@.policy_rows_at(anyelement, timestamptz),
    @extschema@.policy(integer),
    @extschema@.policy_at(timestamptz),
    @extschema@.policy_diff(integer, integer)
    FROM PUBLIC;
GRANT SELECT ON @extschema@.policy_version, @extschema@.policy_history, @extschema@.policy_version_pending
    TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.policy_table_key(text),
    @extschema@.policy_version_at(timestamptz),
    @extschema@.policy_rows(integer),
    @extschema@.policy_rows(anyelement, integer),
    @extschema@.policy_rows_at(anyelement, timestamptz),
    @extschema@.policy(integer),
    @extschema@.policy_at(timestamptz),
    @extschema@.policy_diff(integer, integer)
    TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION @extschema@.set_policy_note(text) TO sla_admin;

-- Version 1: the configuration in force when versioning began, made by the role running the
-- update, at its transaction's start.
INSERT INTO @extschema@.policy_version (version, took_effect, session_user_name, current_user_name, note,
                                        transaction_id, transaction_start)
     VALUES (1, pg_catalog.transaction_timestamp(), session_user, current_user,
             'the configuration when sla was updated to 0.2.0 (the history begins here)',
             pg_catalog.pg_current_xact_id(), pg_catalog.transaction_timestamp());
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['calendar', 'calendar_hours', 'calendar_holiday', 'calendar_special_day',
                             'calendar_special_hours', 'level', 'level_target', 'attribute', 'rule',
                             'rule_condition'] LOOP
        EXECUTE pg_catalog.format(
            'INSERT INTO @extschema@.policy_history (table_name, key, valid_from, data) '
            'SELECT %L, (SELECT pg_catalog.jsonb_object_agg(k, x.d OPERATOR(pg_catalog.->) k) '
            '              FROM pg_catalog.unnest(@extschema@.policy_table_key(%L)) k), 1, x.d '
            '  FROM (SELECT pg_catalog.to_jsonb(r) AS d FROM @extschema@.%I r) x', t, t, t);
    END LOOP;
END
$$;
-- ================================================================== end of issue 12: versioned policy

-- ============================================================================================
-- issue 15: breaches never missed
-- A late stop records its breach; a re-target past a recorded crossing makes it pending again;
-- escalation steps at any share of the target; notify and call_function actions; failed
-- escalations in sla.health.
-- ============================================================================================
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('ALTER TABLE @extschema@.%I ADD COLUMN breach_escalation_pending boolean,
                        ADD COLUMN step_at timestamptz, ADD COLUMN step_percent numeric,
                        ADD COLUMN step_done numeric, ADD COLUMN step_seen_at timestamptz', 'clock_' || kt);
    END LOOP;
END
$$;
CREATE OR REPLACE VIEW @extschema@.clock WITH (security_invoker = true) AS
    SELECT id, attachment_id, ticket_key::text AS ticket_key, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at
      FROM @extschema@.clock_int4
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at
      FROM @extschema@.clock_int8
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at
      FROM @extschema@.clock_uuid
    UNION ALL
    SELECT id, attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at
      FROM @extschema@.clock_text;
COMMENT ON COLUMN @extschema@.clock.breach_seen_at IS 'when sla.check_breaches (or a late stop) recorded its breach; NULL: not yet, or a re-target moved the due date past it';
COMMENT ON COLUMN @extschema@.clock.breach_escalation_pending IS 'true: a late stop recorded its breach, whose escalations the next sla.check_breaches runs';
COMMENT ON COLUMN @extschema@.clock.step_at IS 'when its next escalation step falls due (sla.escalation.at_percent); NULL: none';
COMMENT ON COLUMN @extschema@.clock.step_percent IS 'the share of the target of its next escalation step';
COMMENT ON COLUMN @extschema@.clock.step_done IS 'the largest share whose escalation step was recorded for the current due date';
COMMENT ON COLUMN @extschema@.clock.step_seen_at IS 'when that step was recorded';

ALTER TABLE @extschema@.escalation DROP CONSTRAINT escalation_action_known,
    ADD CONSTRAINT escalation_action_known
        CHECK (action OPERATOR(pg_catalog.=) ANY (ARRAY['raise_level', 'set_column', 'notify_only', 'notify', 'call_function'])),
    ADD COLUMN at_percent numeric,
    ADD CONSTRAINT escalation_at_percent CHECK (at_percent IS NULL OR
        (at_percent OPERATOR(pg_catalog.>) 0 AND at_percent OPERATOR(pg_catalog.<=) 10000
         AND (on_event OPERATOR(pg_catalog.=) 'breach') OPERATOR(pg_catalog.=) (at_percent OPERATOR(pg_catalog.>=) 100))),
    ADD COLUMN channel text,
    ADD COLUMN payload jsonb,
    ADD COLUMN function_name text,
    ADD CONSTRAINT escalation_notify CHECK ((action OPERATOR(pg_catalog.=) 'notify') OPERATOR(pg_catalog.=) (channel IS NOT NULL)
        AND (payload IS NULL OR (action OPERATOR(pg_catalog.=) 'notify' AND pg_catalog.jsonb_typeof(payload) OPERATOR(pg_catalog.=) 'object'))),
    ADD CONSTRAINT escalation_function CHECK ((action OPERATOR(pg_catalog.=) 'call_function') OPERATOR(pg_catalog.=) (function_name IS NOT NULL));
COMMENT ON TABLE @extschema@.escalation IS
    'escalation actions run by sla.check_breaches() when a clock of a level crosses its warning instant, its due time or a step at at_percent of its target: raise_level, set_column, notify, call_function or notify_only, in position order';
COMMENT ON COLUMN @extschema@.escalation.at_percent IS
    'a step at this share of the target (50: half the business time used; 150: half of it again past the due date), recorded once per clock and due date as a step event; NULL (and 100 on a breach row): with the warning or breach crossing itself';
CREATE OR REPLACE FUNCTION @extschema@.escalation_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.registered_by = OLD.registered_by
       AND (NEW.action, NEW.column_name, NEW.column_value, NEW.level_id, NEW.metric, NEW.on_event, NEW.function_name)
           IS DISTINCT FROM (OLD.action, OLD.column_name, OLD.column_value, OLD.level_id, OLD.metric, OLD.on_event, OLD.function_name) THEN
        NEW.registered_by := current_user;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles r WHERE r.rolname = NEW.registered_by) THEN
        RAISE EXCEPTION 'role "%" does not exist (registered_by of escalation %)', NEW.registered_by, NEW.id
              USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT pg_has_role(current_user, NEW.registered_by, 'USAGE') THEN
        RAISE EXCEPTION 'role "%" cannot register escalation % in the name of "%"', current_user, NEW.id, NEW.registered_by
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
-- A call_function action's function runs as its owner (src/escalation_action.c): naming it needs
-- the privileges of that owner, checked here (as for declared attributes, 50_rule.sql) and again,
-- against the registrant, when it runs.  No SET search_path: the name is read with the writer's
-- search path, as a regprocedure literal would be, and stored qualified.
CREATE FUNCTION @extschema@.escalation_function_check() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.function_name IS NOT NULL THEN
        NEW.function_name := @extschema@.check_function_registration(NEW.function_name::pg_catalog.regprocedure,
                                                                     pg_catalog.format('escalation %s', NEW.id));
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER escalation_function_check BEFORE INSERT OR UPDATE OF function_name ON @extschema@.escalation
    FOR EACH ROW EXECUTE FUNCTION @extschema@.escalation_function_check();
COMMENT ON COLUMN @extschema@.escalation.channel IS 'notify: the channel of the NOTIFY';
COMMENT ON COLUMN @extschema@.escalation.payload IS
    'notify: a JSON object the payload starts from; event, clock, escalation (and percent for a step) are added';
COMMENT ON COLUMN @extschema@.escalation.function_name IS
    'call_function: a function(event jsonb), run as its owner; naming it needs that owner''s privileges (checked again, against registered_by, when it runs)';

-- Issue 15: breaches never missed.
--
-- A late stop: a clock stopped after its due time (state breached) whose breach no check
-- recorded (checks at 12:00 and 15:05, due at 14:00, answered at 15:00) records it itself, in
-- the writer's transaction: the breach event (at the stop, when the breach was seen; detail
-- due_at, when it happened, and stopped_at), its NOTIFY, breach_seen_at.  Exactly once with
-- concurrent checkers: the stop's UPDATE waits for a checker holding the clock (its claim) and
-- this BEFORE trigger then sees the row as that checker committed it (breach_seen_at set: the
-- WHEN condition fails); a checker that comes second skips the locked row or finds it stopped.
-- Its escalations are not run inside the helpdesk's write (a set_column would update the very
-- row being written, a raise_level re-target the ticket in the middle of a fact, a failing
-- action would be the writer's): breach_escalation_pending leaves them to the next breach check.
CREATE FUNCTION @extschema@.clock_late_breach() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    seen constant timestamptz := coalesce(NEW.stopped_at, now());
BEGIN
    NEW.breach_seen_at := seen;
    NEW.breach_escalation_pending := true;
    -- TG_ARGV[0]: the event table of the clock table's key type
    EXECUTE format('INSERT INTO @extschema@.%I (attachment_id, ticket_key, clock_id, at, kind, detail)
                    VALUES ($1, $2, $3, $4, ''breach'', $5)', TG_ARGV[0])
      USING NEW.attachment_id, NEW.ticket_key, NEW.id, seen,
            jsonb_build_object('metric', NEW.metric, 'due_at', NEW.due_at, 'stopped_at', NEW.stopped_at);
    PERFORM pg_notify('sla_events', json_build_object('event', 'breach', 'clock', NEW.id)::text);
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION @extschema@.clock_late_breach() IS
    'BEFORE trigger on the clock tables: a clock stopped breached whose breach no check recorded records it (event, NOTIFY, breach_seen_at) and leaves its escalations to the next breach check';

-- A re-target (a relaxed target, a resume, a reopening) that moves a crossing past the moment it
-- was recorded makes it pending again: a clock breached, given a later due date and passing that
-- one too gets a second breach event, for the new due date.  Named to fire after clock_warn_at
-- (BEFORE triggers fire in name order), so warn_at is the new one.
CREATE FUNCTION @extschema@.clock_yet_to_cross() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.breach_seen_at < NEW.due_at THEN
        NEW.breach_seen_at := NULL;
    END IF;
    IF NEW.warned_at < NEW.warn_at THEN
        NEW.warned_at := NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION @extschema@.clock_yet_to_cross() IS
    'BEFORE UPDATE trigger on the clock tables: a warning or breach whose instant a re-target moved past the moment it was recorded is pending again';

-- Escalation steps (src/escalation_step.c): the next step of a clock, kept with its due date.
CREATE FUNCTION @extschema@.clock_steps() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_clock_steps_trigger' LANGUAGE C;

DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('CREATE TRIGGER clock_late_breach BEFORE UPDATE ON @extschema@.%I FOR EACH ROW
                        WHEN (NEW.state OPERATOR(pg_catalog.=) ''breached'' AND OLD.state OPERATOR(pg_catalog.<>) ''breached''
                              AND NEW.breach_seen_at IS NULL)
                        EXECUTE FUNCTION @extschema@.clock_late_breach(%L)', 'clock_' || kt, 'event_' || kt);
        EXECUTE format('CREATE TRIGGER clock_late_breach_insert BEFORE INSERT ON @extschema@.%I FOR EACH ROW
                        WHEN (NEW.state OPERATOR(pg_catalog.=) ''breached'' AND NEW.breach_seen_at IS NULL)
                        EXECUTE FUNCTION @extschema@.clock_late_breach(%L)', 'clock_' || kt, 'event_' || kt);
        EXECUTE format('CREATE TRIGGER clock_yet_to_cross BEFORE UPDATE OF due_at, paused_for, started_at, calendar_id, level_id
                        ON @extschema@.%I FOR EACH ROW
                        WHEN (NEW.breach_seen_at OPERATOR(pg_catalog.<) NEW.due_at OR NEW.warned_at OPERATOR(pg_catalog.<) NEW.warn_at)
                        EXECUTE FUNCTION @extschema@.clock_yet_to_cross()', 'clock_' || kt);
        EXECUTE format('CREATE TRIGGER clock_steps BEFORE INSERT OR UPDATE OF due_at, paused_for, started_at, calendar_id,
                        level_id, step_done ON @extschema@.%I FOR EACH ROW EXECUTE FUNCTION @extschema@.clock_steps()', 'clock_' || kt);
        -- the steps due and the late breaches whose escalations wait, each through a small partial index
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (step_at)
                        WHERE state OPERATOR(pg_catalog.=) ''running'' AND step_at IS NOT NULL',
                       'clock_' || kt || '_step_pending', 'clock_' || kt);
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (id) WHERE breach_escalation_pending',
                       'clock_' || kt || '_escalation_pending', 'clock_' || kt);
    END LOOP;
END
$$;

-- One escalation step claimed: the clock locked (or skipped), its step still due, recorded; the
-- share of the target it was at, or NULL.
CREATE FUNCTION @extschema@.claim_step(att_id integer, ticket_key text, clock_id bigint, as_of timestamptz)
    RETURNS numeric AS 'MODULE_PATHNAME', 'sla_claim_step_sql' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.claim_step(integer, text, bigint, timestamptz) IS
    'the breach check''s claim of a clock''s next escalation step due before as_of: records it and returns its share of the target, or NULL when none is due or another checker holds the clock';

CREATE OR REPLACE FUNCTION @extschema@.check_breaches(as_of timestamptz DEFAULT pg_catalog.now(),
                                           max_crossings integer DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    n integer := 0;
    kind text;
    due timestamptz;
    pct numeric;
BEGIN
    IF max_crossings IS NOT NULL AND max_crossings < 1 THEN
        RAISE EXCEPTION 'max_crossings must be positive, not %', max_crossings USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the pending crossings, earliest first, read through the partial indexes; at most
    -- max_crossings of them (a caller that commits between calls works in bounded batches)
    FOR c IN
        SELECT x.id, x.attachment_id, x.ticket_key, x.metric, x.kind, x.at FROM (
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'warning' AS kind, k.warn_at AS at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.warned_at IS NULL AND k.warn_at < as_of
              ORDER BY k.warn_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'breach', k.due_at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.breach_seen_at IS NULL AND k.due_at < as_of
              ORDER BY k.due_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'step', k.step_at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.step_at IS NOT NULL AND k.step_at < as_of
              ORDER BY k.step_at LIMIT max_crossings)
            UNION ALL
            -- breaches recorded by a late stop, whose escalations wait for a check
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'late_breach', k.stopped_at
               FROM @extschema@.clock k
              WHERE k.breach_escalation_pending
              ORDER BY k.id LIMIT max_crossings)) x
         -- a clock past several crossings of one instant: its warning, its steps, then its breach
         ORDER BY x.at, x.id, x.kind DESC
         LIMIT max_crossings
    LOOP
        kind := c.kind;
        IF kind = 'step' THEN
            -- every step of the clock due by now, in order of share, each claimed and recorded once
            LOOP
                pct := @extschema@.claim_step(c.attachment_id, c.ticket_key, c.id, as_of);
                EXIT WHEN pct IS NULL;
                n := n + 1;
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, 'step',
                                              jsonb_build_object('metric', c.metric, 'percent', pct));
                PERFORM pg_notify('sla_events', json_build_object('event', 'step', 'clock', c.id, 'percent', pct)::text);
                PERFORM @extschema@.run_escalations(c.id, 'step', as_of, pct);
            END LOOP;
            CONTINUE;
        END IF;
        -- one clock by its ticket and id, locked or skipped (SKIP LOCKED: concurrent callers
        -- share the work), its flag re-checked after the lock: every crossing is recorded
        -- exactly once.  The claim names no pending condition: "warned_at IS NULL" would match
        -- a pending-crossings partial index, and without table statistics (after a bulk load or
        -- a crash) the planner scanned that whole index for each clock, quadratic in the backlog
        due := @extschema@.claim_crossing(c.attachment_id, c.ticket_key, c.id, kind, as_of);
        CONTINUE WHEN due IS NULL;
        n := n + 1;
        IF kind = 'late_breach' THEN
            -- the stop recorded the breach and sent its NOTIFY; its escalations run here, unless
            -- the stop is history (backfill, a check that did not run for a day): escalating a
            -- ticket long after it was answered helps nobody
            IF c.at < as_of - interval '1 day' THEN
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, 'escalation_skipped',
                            jsonb_build_object('on_event', 'breach', 'metric', c.metric,
                                               'reason', 'stopped more than a day before the check'));
            ELSE
                PERFORM @extschema@.run_escalations(c.id, 'breach', as_of);
            END IF;
            CONTINUE;
        END IF;
        PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, kind,
                                      jsonb_build_object('metric', c.metric, 'due_at', due));
        -- the payload names the clock and nothing else: every session may LISTEN, so what a
        -- listener learns of the ticket it reads from sla.clock, under the host's row security
        PERFORM pg_notify('sla_events', json_build_object('event', kind, 'clock', c.id)::text);
        PERFORM @extschema@.run_escalations(c.id, kind, as_of);
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.check_breaches(timestamptz, integer) IS
    'records every running clock that crossed its warning threshold, an escalation step or its due time since the last call (one event per crossing, clock and due date, exactly once even with concurrent callers), runs the escalations of breaches recorded by late stops, earliest first and at most max_crossings of them, and sends NOTIFY sla_events naming the event and the clock; returns how many it recorded';

DROP FUNCTION @extschema@.run_escalations(bigint, text, timestamptz);
-- A call_function action's call (src/escalation_action.c): the function named by the escalation,
-- of one jsonb argument, run as its owner, after checking the registrant has that owner's
-- privileges (42501 otherwise).
CREATE FUNCTION @extschema@.escalation_call_function(escalation_id integer, event jsonb)
    RETURNS void AS 'MODULE_PATHNAME', 'sla_escalation_call_function' LANGUAGE C STRICT;

-- Run the active escalations of a crossing; returns how many actions ran.
CREATE FUNCTION @extschema@.run_escalations(clock_id bigint, kind text, at timestamptz, at_percent numeric DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c @extschema@.clock;
    att @extschema@.attachment;
    esc @extschema@.escalation;
    cur_level integer;
    col text;
    n_rows bigint;
    n integer := 0;
    err_state text;
    err_message text;
BEGIN
    IF run_escalations.kind IS NULL OR run_escalations.kind NOT IN ('warning', 'breach', 'step') THEN
        RAISE EXCEPTION 'escalations run on a warning, a breach or a step, not on "%"', run_escalations.kind
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (run_escalations.kind = 'step') <> (run_escalations.at_percent IS NOT NULL) THEN
        RAISE EXCEPTION 'a step names its share of the target (at_percent), a warning or a breach does not'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO c FROM @extschema@.clock k WHERE k.id = run_escalations.clock_id;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    -- an action's writes fire the host's triggers (and any trigger of the host's own); should one
    -- of them call check_breaches again, its crossings are recorded but escalate nothing, so an
    -- escalation can never start another one inside itself
    IF current_setting('sla.escalating', true) = 'on' THEN
        PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at,
                                      'escalation_skipped',
                                      jsonb_strip_nulls(jsonb_build_object('on_event', run_escalations.kind, 'metric', c.metric,
                                                         'at_percent', run_escalations.at_percent,
                                                         'reason', 'inside another escalation')));
        RETURN 0;
    END IF;
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.id = c.attachment_id;
    PERFORM set_config('sla.escalating', 'on', true);

    -- the escalations of the level the clock crossed at, read once: a raise_level action does
    -- not bring the new level's escalations into this crossing
    -- a warning runs the rows of its crossing (no at_percent), a breach those at 100 % or
    -- without a share, a step those at its share
    FOR esc IN SELECT * FROM @extschema@.escalation e
                WHERE e.active AND e.level_id = c.level_id AND (e.metric IS NULL OR e.metric = c.metric)
                  AND CASE run_escalations.kind
                          WHEN 'warning' THEN e.on_event = 'warning' AND e.at_percent IS NULL
                          WHEN 'breach' THEN e.on_event = 'breach' AND coalesce(e.at_percent, 100) = 100
                          ELSE e.at_percent = run_escalations.at_percent
                               AND NOT (e.on_event = 'breach' AND e.at_percent = 100) END
                ORDER BY e.position, e.id LOOP
        CONTINUE WHEN esc.action = 'notify_only';		-- check_breaches sends the NOTIFY itself
        -- each action on its own: one that fails (a column gone, a value its type refuses, a
        -- host trigger that raises) is undone alone and recorded, and the crossing, the other
        -- actions and every other clock's crossings go on
        BEGIN
            IF esc.action = 'raise_level' THEN
                -- (read without a lock: the level fact below locks the ticket and applies the
                -- level whatever it is by then; this value only names the level it leaves)
                SELECT t.level_id INTO cur_level
                  FROM @extschema@.ticket_rows(NULL::@extschema@.ticket, c.attachment_id, c.ticket_key) t;
                CONTINUE WHEN NOT FOUND OR cur_level IS NOT DISTINCT FROM esc.to_level_id;
                -- a level fact: the ticket's level, its running clocks and the clocks the new level adds
                PERFORM @extschema@.retarget_clocks(c.attachment_id, c.ticket_key, esc.to_level_id, run_escalations.at);
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalated',
                            jsonb_strip_nulls(jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                               'at_percent', run_escalations.at_percent,
                                               'metric', c.metric, 'from_level', cur_level, 'to_level', esc.to_level_id)));
            ELSIF esc.action = 'notify' THEN
                -- the payload names the clock, the event and the escalation (and what the DBA
                -- put in it): every session may LISTEN
                PERFORM pg_notify(esc.channel, (coalesce(esc.payload, '{}') || jsonb_strip_nulls(jsonb_build_object(
                            'event', run_escalations.kind, 'clock', c.id, 'escalation', esc.id,
                            'percent', run_escalations.at_percent)))::text);
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalated',
                            jsonb_strip_nulls(jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                               'at_percent', run_escalations.at_percent,
                                               'metric', c.metric, 'channel', esc.channel)));
            ELSIF esc.action = 'call_function' THEN
                PERFORM @extschema@.escalation_call_function(esc.id, jsonb_strip_nulls(jsonb_build_object(
                            'event', run_escalations.kind, 'at', run_escalations.at, 'percent', run_escalations.at_percent,
                            'escalation', esc.id, 'clock', c.id, 'attachment', c.attachment_id,
                            'ticket_table', att.ticket_table::text, 'ticket_key', c.ticket_key, 'metric', c.metric,
                            'level', c.level_id, 'due_at', c.due_at)));
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalated',
                            jsonb_strip_nulls(jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                               'at_percent', run_escalations.at_percent,
                                               'metric', c.metric, 'function', esc.function_name)));
            ELSE
                col := @extschema@.escalation_column(att, esc);
                -- the host's sla trigger fires on this update (on_update rules, lifecycle changes);
                -- C: it runs as the table's owner, after checking the registrant may update the column
                n_rows := @extschema@.escalation_set_column(esc.id, att.id, c.ticket_key);
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalated',
                            jsonb_strip_nulls(jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                               'at_percent', run_escalations.at_percent,
                                               'metric', c.metric, 'column', col, 'value', esc.column_value,
                                               'rows', n_rows)));
            END IF;
            n := n + 1;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT;
            PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, run_escalations.at, 'escalation_failed',
                        jsonb_strip_nulls(jsonb_build_object('escalation', esc.id, 'action', esc.action, 'on_event', run_escalations.kind,
                                           'at_percent', run_escalations.at_percent,
                                           'metric', c.metric, 'sqlstate', err_state, 'error', err_message)));
            PERFORM pg_notify('sla_events', json_build_object('event', 'escalation_failed', 'clock', c.id,
                                                              'escalation', esc.id)::text);
        END;
    END LOOP;
    PERFORM set_config('sla.escalating', 'off', true);
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.run_escalations(bigint, text, timestamptz, numeric) IS
    'runs the active escalations of the clock''s level for a warning or breach crossing or a step at a share of the target (called by sla.check_breaches in its transaction); logs an escalated event per raise_level and set_column action, and an escalation_failed event (with its SQLSTATE and message, and a NOTIFY) for an action that fails, which is undone alone; returns how many actions ran';
-- Issue 15: the escalations edited, the active clocks find their next step again (the trigger
-- clock_steps, src/escalation_step.c, fires on step_done).  A statement trigger, after
-- calendar_invalidate (name order): the step cache is read again.
CREATE FUNCTION @extschema@.escalation_steps_refresh() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('UPDATE @extschema@.%I k SET step_done = k.step_done
                         WHERE k.state = ANY (ARRAY[''running'', ''paused''])', 'clock_' || kt);
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER escalation_steps_refresh AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.escalation FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.escalation_steps_refresh();

-- Escalation outcomes per clock, for the health view: a failure stays listed until a later run
-- of the same escalation on the clock (a retry) succeeds or fails anew.
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (clock_id, id)
                        WHERE kind OPERATOR(pg_catalog.=) ANY (ARRAY[''escalated'', ''escalation_failed''])',
                       'event_' || kt || '_escalation', 'event_' || kt);
    END LOOP;
END
$$;

-- The health view (60_attachment.sql) lists the escalations that failed too: one row per
-- attachment and escalation, with the clocks whose failure no later run of it replaced.
CREATE OR REPLACE VIEW @extschema@.health WITH (security_invoker = true) AS
SELECT p.attachment_id, a.ticket_table, 'mapping_problem'::text AS item, p.field, p.value,
       p.count AS occurrences, p.first_seen, p.last_seen, p.first_ticket_key, p.last_ticket_key,
       CASE p.field
           WHEN 'status' THEN CASE WHEN p.value IS NULL THEN 'the status column was NULL: give the tickets a status'
                                   ELSE pg_catalog.format('SELECT sla.map_status(%L, %L, ''open'');  -- or paused, solved, closed, deleted',
                                                a.ticket_table::text, p.value) END
           WHEN 'author_kind' THEN 'list the value in customer_values, agent_values or system_values: sla.attach(..., replace => true)'
           ELSE 'make the author function return customer, agent or system'
       END AS remedy
  FROM @extschema@.mapping_problem p
  JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) p.attachment_id
UNION ALL
SELECT f.attachment_id, a.ticket_table, 'escalation_failed'::text, pg_catalog.format('escalation %s', f.escalation),
       (pg_catalog.array_agg(f.error ORDER BY f.id DESC))[1], pg_catalog.count(*), pg_catalog.min(f.at), pg_catalog.max(f.at),
       (pg_catalog.array_agg(f.ticket_key ORDER BY f.id))[1], (pg_catalog.array_agg(f.ticket_key ORDER BY f.id DESC))[1],
       pg_catalog.format('fix the cause, then as a member of sla_writer: SELECT sla.run_escalations(%s, %L, now()%s);  -- for each failed clock (sla.event, kind escalation_failed)',
                         (pg_catalog.array_agg(f.clock_id ORDER BY f.id DESC))[1], (pg_catalog.array_agg(f.on_event ORDER BY f.id DESC))[1],
                         coalesce(', ' OPERATOR(pg_catalog.||) (pg_catalog.array_agg(f.at_percent ORDER BY f.id DESC))[1], ''))
  FROM (SELECT e.id, e.attachment_id, e.ticket_key, e.clock_id, e.at, e.detail OPERATOR(pg_catalog.->>) 'escalation' AS escalation,
               e.detail OPERATOR(pg_catalog.->>) 'on_event' AS on_event, e.detail OPERATOR(pg_catalog.->>) 'at_percent' AS at_percent,
               (e.detail OPERATOR(pg_catalog.->>) 'sqlstate') OPERATOR(pg_catalog.||) ': '
                   OPERATOR(pg_catalog.||) (e.detail OPERATOR(pg_catalog.->>) 'error') AS error
          FROM @extschema@.event e
         WHERE e.kind OPERATOR(pg_catalog.=) ANY (ARRAY['escalated', 'escalation_failed'])
           AND e.kind OPERATOR(pg_catalog.=) 'escalation_failed'
           AND NOT EXISTS (SELECT FROM @extschema@.event l
                            WHERE l.clock_id OPERATOR(pg_catalog.=) e.clock_id
                              AND l.kind OPERATOR(pg_catalog.=) ANY (ARRAY['escalated', 'escalation_failed'])
                              AND l.id OPERATOR(pg_catalog.>) e.id
                              AND (l.detail OPERATOR(pg_catalog.->>) 'escalation') OPERATOR(pg_catalog.=) (e.detail OPERATOR(pg_catalog.->>) 'escalation'))) f
  JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) f.attachment_id
 GROUP BY f.attachment_id, a.ticket_table, f.escalation;
COMMENT ON VIEW @extschema@.health IS
    'items needing attention per attachment, with a remedy: mapping problems (values the mapping could not classify) and escalations that failed (until a retry of the escalation on the clock succeeds)';
COMMENT ON COLUMN @extschema@.health.item IS 'the kind of item: mapping_problem or escalation_failed';
COMMENT ON COLUMN @extschema@.health.field IS 'the mapping field concerned (status, author_kind, author_function), or the escalation (escalation <id>)';
COMMENT ON COLUMN @extschema@.health.value IS 'the value that could not be classified (NULL: the column was NULL), or the latest failure (SQLSTATE: message)';
COMMENT ON COLUMN @extschema@.health.occurrences IS 'how often it was met (a lower bound under concurrent writers); for an escalation, the clocks it failed on and was not run again';

REVOKE EXECUTE ON FUNCTION @extschema@.clock_late_breach(), @extschema@.clock_yet_to_cross(), @extschema@.clock_steps(),
    @extschema@.claim_step(integer, text, bigint, timestamptz), @extschema@.escalation_steps_refresh(),
    @extschema@.escalation_function_check(), @extschema@.escalation_call_function(integer, jsonb),
    @extschema@.run_escalations(bigint, text, timestamptz, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.run_escalations(bigint, text, timestamptz, numeric),
    @extschema@.escalation_call_function(integer, jsonb),
    @extschema@.claim_step(integer, text, bigint, timestamptz) TO sla_writer;
-- ============================================================================================
-- end of issue 15: breaches never missed

-- ============================================================================================
-- issue 15: rules relative to now (older_than, newer_than) run again by the breach check
-- (src/rule_recheck.c): when a ticket's rules may next choose another level, indexed per table.
-- Issue 16/12: configuration edits never wait for a ticket's writer (policy_retarget_pending).
-- ============================================================================================
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('ALTER TABLE @extschema@.%I ADD COLUMN rules_recheck_at timestamptz', 'ticket_' || kt);
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (rules_recheck_at) WHERE rules_recheck_at IS NOT NULL',
                       'ticket_' || kt || '_rules_recheck', 'ticket_' || kt);
    END LOOP;
END
$$;
CREATE OR REPLACE VIEW @extschema@.ticket WITH (security_invoker = true) AS
    SELECT attachment_id, ticket_key::text AS ticket_key, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester, rules_recheck_at FROM @extschema@.ticket_int4
    UNION ALL
    SELECT attachment_id, ticket_key::text, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester, rules_recheck_at FROM @extschema@.ticket_int8
    UNION ALL
    SELECT attachment_id, ticket_key::text, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester, rules_recheck_at FROM @extschema@.ticket_uuid
    UNION ALL
    SELECT attachment_id, ticket_key, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester, rules_recheck_at FROM @extschema@.ticket_text;
COMMENT ON COLUMN @extschema@.ticket.rules_recheck_at IS
    'when a rule marked on_update with a condition relative to now (older_than, newer_than) may next choose another level: sla.check_breaches runs the ticket''s rules then; NULL: never';

-- Tickets a configuration edit could not re-target at once because another transaction held
-- them (an agent's reply in progress): the edit never waits for a ticket's writer, and the next
-- breach check applies the policy in force to each, dated at the edit (src/ticket_flow.c).
CREATE TABLE @extschema@.policy_retarget_pending (
    attachment_id integer NOT NULL,
    ticket_key    text NOT NULL,
    at            timestamptz NOT NULL,
    PRIMARY KEY (attachment_id, ticket_key)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.policy_retarget_pending', '');
COMMENT ON TABLE @extschema@.policy_retarget_pending IS
    'tickets whose running clocks a configuration edit could not re-target at once (another transaction held the ticket): sla.check_breaches re-targets them';
COMMENT ON COLUMN @extschema@.policy_retarget_pending.attachment_id IS 'the attachment (sla.attachment.id)';
COMMENT ON COLUMN @extschema@.policy_retarget_pending.ticket_key IS 'the ticket''s key, as text';
COMMENT ON COLUMN @extschema@.policy_retarget_pending.at IS 'the instant of the (first) edit: the re-target is dated at it';

-- One such ticket: locked (or skipped), re-targeted by the policy in force as of the edit, its
-- row removed; whether it was (src/ticket_flow.c).
CREATE FUNCTION @extschema@.retarget_pending(att_id integer, ticket_key text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'sla_retarget_pending_sql' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.retarget_pending(integer, text) IS
    'the breach check''s re-target of a ticket a configuration edit could not lock: true when done, NULL when another transaction holds it still';

-- One ticket whose rules relative to now are due (sla.ticket.rules_recheck_at): locked (or
-- skipped), its rules marked on_update run as of each instant a condition on age changed up to
-- as_of, a level they choose applied as a level fact of that instant, the next instant stored;
-- how many levels it changed, or NULL when there was nothing to claim (src/rule_recheck.c).
CREATE FUNCTION @extschema@.recheck_rules(att_id integer, ticket_key text, as_of timestamptz) RETURNS integer
    AS 'MODULE_PATHNAME', 'sla_recheck_rules_sql' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.recheck_rules(integer, text, timestamptz) IS
    'the breach check''s run of the rules of one ticket whose conditions relative to now (older_than, newer_than) changed by as_of: applies the levels they choose at the instants they changed; the number of level changes, or NULL when the ticket was not due or another transaction holds it';

CREATE OR REPLACE FUNCTION @extschema@.check_breaches(as_of timestamptz DEFAULT pg_catalog.now(),
                                           max_crossings integer DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    n integer := 0;
    kind text;
    due timestamptz;
    pct numeric;
BEGIN
    IF max_crossings IS NOT NULL AND max_crossings < 1 THEN
        RAISE EXCEPTION 'max_crossings must be positive, not %', max_crossings USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the pending crossings, earliest first, read through the partial indexes; at most
    -- max_crossings of them (a caller that commits between calls works in bounded batches)
    FOR c IN
        SELECT x.id, x.attachment_id, x.ticket_key, x.metric, x.kind, x.at FROM (
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'warning' AS kind, k.warn_at AS at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.warned_at IS NULL AND k.warn_at < as_of
              ORDER BY k.warn_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'breach', k.due_at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.breach_seen_at IS NULL AND k.due_at < as_of
              ORDER BY k.due_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'step', k.step_at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.step_at IS NOT NULL AND k.step_at < as_of
              ORDER BY k.step_at LIMIT max_crossings)
            UNION ALL
            -- breaches recorded by a late stop, whose escalations wait for a check
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'late_breach', k.stopped_at
               FROM @extschema@.clock k
              WHERE k.breach_escalation_pending
              ORDER BY k.id LIMIT max_crossings)
            UNION ALL
            -- tickets a configuration edit left to re-target: due at once, whatever as_of
            (SELECT NULL::bigint, p.attachment_id, p.ticket_key, NULL::@extschema@.metric, 'policy', p.at
               FROM @extschema@.policy_retarget_pending p
              ORDER BY p.at LIMIT max_crossings)
            UNION ALL
            -- tickets whose rules relative to now may choose another level by now
            (SELECT NULL::bigint, t.attachment_id, t.ticket_key, NULL::@extschema@.metric, 'rules', t.rules_recheck_at
               FROM @extschema@.ticket t
              WHERE t.rules_recheck_at < as_of
              ORDER BY t.rules_recheck_at LIMIT max_crossings)) x
         -- a clock past several crossings of one instant: its warning, its steps, then its breach
         ORDER BY x.at, x.id, x.kind DESC
         LIMIT max_crossings
    LOOP
        kind := c.kind;
        IF kind = 'policy' THEN
            IF @extschema@.retarget_pending(c.attachment_id, c.ticket_key) IS NOT NULL THEN
                n := n + 1;
            END IF;
            CONTINUE;
        END IF;
        IF kind = 'rules' THEN
            -- a level chosen re-targets the ticket's running clocks, so crossings later in this
            -- list are claimed against their new due dates (each claim re-reads its clock)
            IF @extschema@.recheck_rules(c.attachment_id, c.ticket_key, as_of) IS NOT NULL THEN
                n := n + 1;
            END IF;
            CONTINUE;
        END IF;
        IF kind = 'step' THEN
            -- every step of the clock due by now, in order of share, each claimed and recorded once
            LOOP
                pct := @extschema@.claim_step(c.attachment_id, c.ticket_key, c.id, as_of);
                EXIT WHEN pct IS NULL;
                n := n + 1;
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, 'step',
                                              jsonb_build_object('metric', c.metric, 'percent', pct));
                PERFORM pg_notify('sla_events', json_build_object('event', 'step', 'clock', c.id, 'percent', pct)::text);
                PERFORM @extschema@.run_escalations(c.id, 'step', as_of, pct);
            END LOOP;
            CONTINUE;
        END IF;
        -- one clock by its ticket and id, locked or skipped (SKIP LOCKED: concurrent callers
        -- share the work), its flag re-checked after the lock: every crossing is recorded
        -- exactly once.  The claim names no pending condition: "warned_at IS NULL" would match
        -- a pending-crossings partial index, and without table statistics (after a bulk load or
        -- a crash) the planner scanned that whole index for each clock, quadratic in the backlog
        due := @extschema@.claim_crossing(c.attachment_id, c.ticket_key, c.id, kind, as_of);
        CONTINUE WHEN due IS NULL;
        n := n + 1;
        IF kind = 'late_breach' THEN
            -- the stop recorded the breach and sent its NOTIFY; its escalations run here, unless
            -- the stop is history (backfill, a check that did not run for a day): escalating a
            -- ticket long after it was answered helps nobody
            IF c.at < as_of - interval '1 day' THEN
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, 'escalation_skipped',
                            jsonb_build_object('on_event', 'breach', 'metric', c.metric,
                                               'reason', 'stopped more than a day before the check'));
            ELSE
                PERFORM @extschema@.run_escalations(c.id, 'breach', as_of);
            END IF;
            CONTINUE;
        END IF;
        PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, kind,
                                      jsonb_build_object('metric', c.metric, 'due_at', due));
        -- the payload names the clock and nothing else: every session may LISTEN, so what a
        -- listener learns of the ticket it reads from sla.clock, under the host's row security
        PERFORM pg_notify('sla_events', json_build_object('event', kind, 'clock', c.id)::text);
        PERFORM @extschema@.run_escalations(c.id, kind, as_of);
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.check_breaches(timestamptz, integer) IS
    'records every running clock that crossed its warning threshold, an escalation step or its due time since the last call (one event per crossing, clock and due date, exactly once even with concurrent callers), runs the escalations of breaches recorded by late stops, runs again the rules of tickets whose conditions relative to now (older_than, newer_than) changed, re-targets the tickets a configuration edit could not lock, earliest first and at most max_crossings of them, and sends NOTIFY sla_events naming the event and the clock; returns how many crossings and tickets it handled';

REVOKE EXECUTE ON FUNCTION @extschema@.recheck_rules(integer, text, timestamptz),
    @extschema@.retarget_pending(integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.recheck_rules(integer, text, timestamptz),
    @extschema@.retarget_pending(integer, text) TO sla_writer;
GRANT SELECT ON @extschema@.policy_retarget_pending TO sla_reader, sla_admin;
GRANT INSERT ON @extschema@.policy_retarget_pending TO sla_admin;
GRANT SELECT, DELETE ON @extschema@.policy_retarget_pending TO sla_writer;
-- Tickets a configuration edit left to re-target name host tickets: readers see those the host
-- table shows them, as for the tracking tables; a writer only its own attachments'.
ALTER TABLE @extschema@.policy_retarget_pending ENABLE ROW LEVEL SECURITY;
CREATE POLICY policy_retarget_pending_engine_and_admin_read ON @extschema@.policy_retarget_pending FOR SELECT
    TO sla_writer, sla_admin USING (true);
CREATE POLICY policy_retarget_pending_follows_host ON @extschema@.policy_retarget_pending FOR SELECT
    USING (attachment_id OPERATOR(pg_catalog.<>) ALL ((SELECT @extschema@.rls_hidden_attachments())::integer[])
           OR @extschema@.ticket_visible(attachment_id, ticket_key));
CREATE POLICY policy_retarget_pending_insert ON @extschema@.policy_retarget_pending FOR INSERT WITH CHECK (true);
CREATE POLICY policy_retarget_pending_delete ON @extschema@.policy_retarget_pending FOR DELETE USING (true);
CREATE POLICY policy_retarget_pending_attachment_writer ON @extschema@.policy_retarget_pending AS RESTRICTIVE FOR ALL
    TO sla_writer USING (@extschema@.may_write_attachment(attachment_id))
    WITH CHECK (@extschema@.may_write_attachment(attachment_id));

-- ============================================================================================
-- end of issue 15: rules relative to now
-- ============================================================================================
-- ============================================================================================
-- issue 12: replay, policy drafts and what-if
-- ============================================================================================
-- The compliance rule, written once (90_reports.sql): the compliance report, the service
-- credits and sla.replay_compliance call it.
CREATE FUNCTION @extschema@.clock_counts(state text, due_at timestamptz, as_of timestamptz)
    RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT state OPERATOR(pg_catalog.=) ANY (ARRAY['met', 'breached'])
        OR (state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused']) AND due_at OPERATOR(pg_catalog.<) as_of)
$$;
COMMENT ON FUNCTION @extschema@.clock_counts(text, timestamptz, timestamptz) IS
    'whether a clock in this state with this due time counts in compliance as of an instant: met, breached, or running or paused past its due time (counted at coalesce(stopped_at, due_at), met only when its state is met)';

CREATE OR REPLACE FUNCTION @extschema@.compliance_report(from_time timestamptz, to_time timestamptz,
        group_by text[] DEFAULT ARRAY['day', 'department', 'level', 'metric'],
        time_zone text DEFAULT NULL, only_department text DEFAULT NULL, only_agent text DEFAULT NULL,
        only_level text DEFAULT NULL, only_metric @extschema@.metric DEFAULT NULL,
        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (period date, department text, agent text, level text, metric @extschema@.metric,
                   met bigint, met_avg @extschema@.business_interval, met_max @extschema@.business_interval,
                   met_min @extschema@.business_interval, met_avg_calendar interval,
                   failed bigint, failed_avg @extschema@.business_interval,
                   failed_max @extschema@.business_interval, failed_min @extschema@.business_interval,
                   failed_avg_calendar interval, compliance numeric)
    LANGUAGE plpgsql STABLE
    -- Planner settings for this report's one query, measured with make bench-report: clocks
    -- are decided (stopped) in another order than they were written, so reading a range of
    -- decided_at through a bitmap (the heap in physical order) beats an index scan the
    -- planner picks from the column's correlation, by 1.3x to 2x on millions of clocks; and
    -- the query is planned anew on every call, where JIT compilation costs more than it saves.
    -- The groups are aggregated in a hash table, then sorted: the planner estimates the number
    -- of groups from decided_at's distinct values (nearly one per clock), not from the days, and
    -- on large tables chooses to sort every selected clock instead; with sorting disabled, the
    -- only sort left is that of the few result rows (1.4x faster at 10M clocks).
    SET search_path = pg_catalog, pg_temp SET enable_indexscan = off SET jit = off SET enable_sort = off AS $$
DECLARE
    g text;
    trunc text := NULL;
    period_expr text;
    used text;
    cal_used text;
    keys text;
    query text;
BEGIN
    FOREACH g IN ARRAY coalesce(group_by, '{}') LOOP
        IF g IN ('day', 'week', 'month') THEN
            IF trunc IS NOT NULL THEN
                RAISE EXCEPTION 'group_by names more than one period: %', group_by USING ERRCODE = 'invalid_parameter_value';
            END IF;
            trunc := g;
        ELSIF g NOT IN ('department', 'agent', 'level', 'metric') THEN
            RAISE EXCEPTION 'cannot group the compliance report by "%"', g USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Group by day, week or month and any of department, agent, level, metric.';
        END IF;
    END LOOP;
    IF from_time > to_time THEN
        RAISE EXCEPTION 'compliance report from % to %: the range ends before it starts', from_time, to_time
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF time_zone IS NOT NULL THEN
        PERFORM @extschema@.valid_time_zone(time_zone);
    END IF;
    -- The query is built from fixed fragments chosen by the validated group_by keys (nothing the
    -- caller wrote is spliced in; values travel as parameters), so each grouping gets the plan a
    -- hand-written aggregate would: no unused joins, no per-row CASE over the grouping keys.
    period_expr := CASE
        WHEN trunc IS NULL THEN 'NULL::date'
        WHEN time_zone IS NULL THEN format('date_trunc(%L, c.decided_at AT TIME ZONE k.time_zone)::date', trunc)
        ELSE format('date_trunc(%L, c.decided_at AT TIME ZONE $4)::date', trunc) END;
    -- Business time used: the stored figure once stopped; for a late running clock, up to the
    -- report's instant (or the start of its pause).
    used := '@extschema@.clock_used(c, least($3, $2))';
    cal_used := '(coalesce(c.stopped_at, least($3, $2)) - c.started_at)';
    -- group and sort by the chosen keys only (the others are constant NULL columns)
    SELECT CASE WHEN count(*) = 0 THEN 'HAVING count(*) > 0) SELECT * FROM g'  -- one total row, none when nothing counts
                ELSE 'GROUP BY ' || string_agg(k.pos::text, ', ' ORDER BY k.pos)
                     || ') SELECT * FROM g ORDER BY ' || string_agg(k.pos::text, ', ' ORDER BY k.pos) END
      INTO keys
      FROM (VALUES (1, trunc IS NOT NULL), (2, 'department' = ANY (group_by)), (3, 'agent' = ANY (group_by)),
                   (4, 'level' = ANY (group_by)), (5, 'metric' = ANY (group_by))) k(pos, chosen)
     WHERE k.chosen;
    -- a materialized CTE: the grouping is done before, and apart from, the sort of its result
    query := format($q$
        WITH g AS MATERIALIZED (
        SELECT %1$s, %2$s, %3$s, %4$s, %5$s,
               count(*) FILTER (WHERE c.state = 'met'),
               @extschema@.avg(%6$s) FILTER (WHERE c.state = 'met'), @extschema@.max(%6$s) FILTER (WHERE c.state = 'met'),
               @extschema@.min(%6$s) FILTER (WHERE c.state = 'met'), avg(%7$s) FILTER (WHERE c.state = 'met'),
               count(*) FILTER (WHERE c.state <> 'met'),
               @extschema@.avg(%6$s) FILTER (WHERE c.state <> 'met'), @extschema@.max(%6$s) FILTER (WHERE c.state <> 'met'),
               @extschema@.min(%6$s) FILTER (WHERE c.state <> 'met'), avg(%7$s) FILTER (WHERE c.state <> 'met'),
               round(100.0 * count(*) FILTER (WHERE c.state = 'met') / count(*), 2)
          FROM @extschema@.clock c %8$s %9$s
         WHERE c.decided_at >= $1 AND c.decided_at < $2
           AND @extschema@.clock_counts(c.state, c.due_at, least($3, $2))
           %10$s %11$s %12$s %13$s
         %14$s$q$,
        period_expr,
        CASE WHEN 'department' = ANY (group_by) THEN 'c.department' ELSE 'NULL::text' END,
        CASE WHEN 'agent' = ANY (group_by) THEN 'c.agent' ELSE 'NULL::text' END,
        CASE WHEN 'level' = ANY (group_by) THEN 'l.name' ELSE 'NULL::text' END,
        CASE WHEN 'metric' = ANY (group_by) THEN 'c.metric' ELSE 'NULL::@extschema@.metric' END,
        used, cal_used,
        CASE WHEN 'level' = ANY (group_by) OR only_level IS NOT NULL
             THEN 'JOIN @extschema@.level l ON l.id = c.level_id' ELSE '' END,
        CASE WHEN trunc IS NOT NULL AND time_zone IS NULL
             THEN 'JOIN @extschema@.calendar k ON k.id = c.calendar_id' ELSE '' END,
        CASE WHEN only_department IS NOT NULL THEN 'AND c.department = $5' ELSE '' END,
        CASE WHEN only_agent IS NOT NULL THEN 'AND c.agent = $6' ELSE '' END,
        CASE WHEN only_level IS NOT NULL THEN 'AND l.name = $7' ELSE '' END,
        CASE WHEN only_metric IS NOT NULL THEN 'AND c.metric = $8' ELSE '' END,
        keys);
    RETURN QUERY EXECUTE query
        USING from_time, to_time, as_of, time_zone, only_department, only_agent, only_level, only_metric;
END
$$;
COMMENT ON FUNCTION @extschema@.compliance_report(timestamptz, timestamptz, text[], text, text, text, text, @extschema@.metric, timestamptz) IS
    'SLA compliance for clocks decided in [from_time, to_time): met and failed counts, business time (avg/max/min) and calendar time (avg) used, compliance %, grouped by day/week/month (in time_zone, by default each clock''s calendar zone) and by department, agent, level, metric; a running clock past its due time counts as failed at its due time';

CREATE OR REPLACE FUNCTION @extschema@.service_credits(from_month date, to_month date, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (month date, contract text, customer_group text, covered_from date, covered_until date,
                   clocks bigint, met bigint, failed bigint,
                   compliance numeric, target_compliance numeric, target_met boolean, tier_below numeric,
                   credit_percent numeric, monthly_fee numeric, billed_fee numeric, credit numeric, currency text)
    LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k record;
    fn regproc;
    argtype regtype;
    month_start timestamptz;
    month_end timestamptz;
    cover_from date;
    cover_until date;
    n_met bigint;
    n_all bigint;
BEGIN
    IF NOT isfinite(from_month) OR NOT isfinite(to_month) THEN
        RAISE EXCEPTION 'service credits from % to %: months must be finite', from_month, to_month
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF from_month > to_month THEN
        RAISE EXCEPTION 'service credits from % to %: the range ends before it starts', from_month, to_month
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT c.*, m.m::date AS mon
               FROM @extschema@.contract c
              CROSS JOIN generate_series(date_trunc('month', from_month), date_trunc('month', to_month), interval '1 month') m(m)
              WHERE c.valid_from < (m.m + interval '1 month')::date
                AND (c.valid_until IS NULL OR c.valid_until > m.m::date)
              ORDER BY m.m, c.name LOOP
        SELECT p.oid::regproc, p.proargtypes[0]::regtype INTO fn, argtype
          FROM @extschema@.attribute d JOIN pg_proc p ON p.oid = d.function::regprocedure
         WHERE d.name = k.customer_group_attribute;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'contract "%" reads customer groups from attribute "%", which is not declared', k.name,
                  k.customer_group_attribute
                  USING ERRCODE = 'undefined_object',
                        HINT = 'Declare it: INSERT INTO sla.attribute (name, type, function) VALUES (''customer_group'', ''text'', ''my_group_of(bigint)'');';
        END IF;
        -- a contract that starts or ends within the month covers only its part of it: the clocks
        -- decided then, for the same share of the fee (two contracts of one group that follow
        -- each other mid-month never count a clock twice)
        cover_from := greatest(k.mon, k.valid_from);
        cover_until := least((k.mon + interval '1 month')::date, coalesce(k.valid_until, 'infinity'::date));
        month_start := cover_from::timestamp AT TIME ZONE k.time_zone;
        month_end := cover_until::timestamp AT TIME ZONE k.time_zone;
        -- the attribute function is called by OID with the key as a parameter, once per ticket
        -- with clocks decided in the period; only its name and argument type (from the
        -- catalog) are spliced in
        EXECUTE format($q$
            WITH decided AS (
                SELECT c.ticket_key, c.state OPERATOR(pg_catalog.=) 'met' AS met
                  FROM @extschema@.clock c
                 WHERE c.decided_at >= $1 AND c.decided_at < $2
                   AND @extschema@.clock_counts(c.state, c.due_at, least($3, $2))
                   AND ($4::@extschema@.metric[] IS NULL OR c.metric = ANY ($4))),
            of_group AS (
                SELECT t.ticket_key FROM (SELECT DISTINCT d.ticket_key FROM decided d) t
                 WHERE %s(t.ticket_key::%s)::text = $5)
            SELECT count(*) FILTER (WHERE d.met), count(*)
              FROM decided d JOIN of_group g ON g.ticket_key = d.ticket_key$q$, fn, argtype)
           INTO n_met, n_all
          USING month_start, month_end, as_of, k.metrics, k.customer_group;
        month := k.mon;
        contract := k.name;
        customer_group := k.customer_group;
        covered_from := cover_from;
        covered_until := cover_until;
        clocks := n_all;
        met := n_met;
        failed := n_all - n_met;
        compliance := CASE WHEN n_all > 0 THEN round(100.0 * n_met / n_all, 2) END;
        target_compliance := k.target_compliance;
        -- the same unrounded figure as the tiers: a month is never both on target and owed a
        -- credit for missing it (2 of 3 met is shown as 66.67 but is below 66.67)
        target_met := CASE WHEN n_all > 0 THEN 100.0 * n_met / n_all >= k.target_compliance END;
        -- the deepest tier reached: the smallest threshold the exact compliance is below
        SELECT t.below_compliance, t.credit_percent INTO tier_below, credit_percent
          FROM @extschema@.contract_tier t
         WHERE t.contract_id = k.id AND n_all > 0 AND 100.0 * n_met / n_all < t.below_compliance
         ORDER BY t.below_compliance LIMIT 1;
        IF NOT FOUND THEN
            tier_below := NULL;
            credit_percent := 0;
        END IF;
        monthly_fee := k.monthly_fee;
        billed_fee := round(k.monthly_fee * (cover_until - cover_from)
                            / ((k.mon + interval '1 month')::date - k.mon), 2);
        credit := round(billed_fee * credit_percent / 100, 2);
        currency := k.currency;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.service_credits(date, date, timestamptz) IS
    'credits owed per contract and calendar month (in the contract''s zone) from from_month to to_month: decided clocks of the contract''s customer group and metrics in the part of the month the contract covers, met, failed, compliance %, the deepest tier reached (strictly below its threshold) and the credit it gives on the fee for the covered days; clocks counted as in compliance_report, as of as_of';

-- A replayed clock beside its stored twin: the rows of sla.replay, sla.replay_version and
-- sla.replay_history (one definition for the three).
CREATE TYPE @extschema@.replayed_clock AS (
    ticket_key text, metric @extschema@.metric, cycle integer, level text,
    target @extschema@.business_interval, state text, started_at timestamptz,
    due_at timestamptz, stopped_at timestamptz, business_used @extschema@.business_interval,
    paused_for @extschema@.business_interval, paused_since timestamptz, department text,
    agent text, stored_level text, stored_state text, stored_due_at timestamptz,
    stored_stopped_at timestamptz, stored_business_used @extschema@.business_interval, changed boolean);
COMMENT ON TYPE @extschema@.replayed_clock IS
    'a clock as a replay recomputed it (level, target, state, due and stop, business time used and paused, holder) beside the stored clock of the same ticket, metric and cycle (stored_*; NULL when there is none), and whether the outcome or the terms differ (changed)';

-- Replay (93_replay.sql).
-- In C (src/replay.c): the facts are played by the clock model the triggers use, in memory;
-- nothing is written.  Runs as the caller: the tracking tables' row-level security applies.
CREATE FUNCTION @extschema@.replay(ticket_table regclass, ticket_keys text[] DEFAULT NULL,
        from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
    RETURNS SETOF @extschema@.replayed_clock
    AS 'MODULE_PATHNAME', 'sla_replay_sql' LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.replay(regclass, text[], timestamptz, timestamptz) IS
    'the clocks of the attachment''s tickets (all, the keys given, or those created in [from_time, to_time)) replayed from their fact log under the policy in force in this transaction, beside the stored clocks (stored_*), with changed = they differ; writes nothing (what-if: edit the policy, replay, roll back)';

-- The clocks counted in compliance over [from_time, to_time) on either side: as they would have
-- been (replayed under the policy in force in this transaction) and as they were (the stored
-- clocks), by the compliance report's rule (sla.clock_counts): one row per side and clock, with
-- the clock's outcome on both sides (NULL: not counted there).  Internal: replay_compliance,
-- replay_changes and the what-if functions read it.  Neither STRICT nor SET search_path (every
-- name and operator in it is qualified): the planner inlines it into its callers' queries, so
-- the replay's rows are not materialized a second time (a fifth of replay_compliance's time
-- over 100,000 tickets).
CREATE FUNCTION @extschema@.replay_sides(ticket_table regclass, from_time timestamptz, to_time timestamptz,
        as_of timestamptz)
    RETURNS TABLE (ticket_key text, metric @extschema@.metric, cycle integer, replayed boolean, is_met boolean,
                   decided_at timestamptz, department text, agent text, level text,
                   now_met boolean, was_met boolean, counted_now boolean)
    LANGUAGE sql STABLE AS $$
    -- each row of the replay pairs a replayed clock with its stored twin (same metric and cycle):
    -- the outcome on each side is read from the row itself, then the row is unfolded into a row
    -- per side it counts on
    WITH r AS (
        SELECT r.ticket_key, r.metric, r.cycle, r.department, r.agent, r.level, r.stored_level,
               coalesce(r.stopped_at, r.due_at) AS now_at, coalesce(r.stored_stopped_at, r.stored_due_at) AS was_at,
               CASE WHEN r.state IS NOT NULL
                     AND coalesce(r.stopped_at, r.due_at) OPERATOR(pg_catalog.>=) $2
                     AND coalesce(r.stopped_at, r.due_at) OPERATOR(pg_catalog.<) $3
                     AND @extschema@.clock_counts(r.state, r.due_at, least($4, $3))
                    THEN r.state OPERATOR(pg_catalog.=) 'met' END AS now_met,
               CASE WHEN r.stored_state IS NOT NULL
                     AND coalesce(r.stored_stopped_at, r.stored_due_at) OPERATOR(pg_catalog.>=) $2
                     AND coalesce(r.stored_stopped_at, r.stored_due_at) OPERATOR(pg_catalog.<) $3
                     AND @extschema@.clock_counts(r.stored_state, r.stored_due_at, least($4, $3))
                    THEN r.stored_state OPERATOR(pg_catalog.=) 'met' END AS was_met
          FROM @extschema@.replay($1, NULL, NULL, $3) r
    )
    SELECT r.ticket_key, r.metric, r.cycle, s.replayed, s.is_met, s.decided_at, r.department, r.agent, s.level,
           r.now_met, r.was_met, r.now_met IS NOT NULL
      FROM r
     CROSS JOIN LATERAL (VALUES (true, r.now_met, r.now_at, r.level), (false, r.was_met, r.was_at, r.stored_level))
           s (replayed, is_met, decided_at, level)
     WHERE s.is_met IS NOT NULL
$$;
COMMENT ON FUNCTION @extschema@.replay_sides(regclass, timestamptz, timestamptz, timestamptz) IS
    'internal: the clocks counted in compliance over [from_time, to_time) replayed (replayed = true) and as stored, each with its outcome on both sides';

-- Compliance as it would have been (replayed under the policy in force in this transaction)
-- beside compliance as it was (the stored clocks), for clocks decided in [from_time, to_time),
-- by the compliance report's rule, grouped like the compliance report: by day, week or month (in
-- time_zone, by default each level's calendar zone) and any of department, agent, level, metric.
-- A clock counts in the groups of each side it is counted on (its decided instant, level and
-- outcome may differ); outcomes_changed counts the clocks whose outcome differs (met, failed,
-- not counted) once, in the group of its replayed side if it has one.
CREATE FUNCTION @extschema@.replay_compliance(ticket_table regclass, from_time timestamptz, to_time timestamptz,
        group_by text[] DEFAULT ARRAY['level', 'metric'], as_of timestamptz DEFAULT pg_catalog.now(),
        time_zone text DEFAULT NULL)
    RETURNS TABLE (period date, department text, agent text, level text, metric @extschema@.metric,
                   met bigint, failed bigint, compliance numeric,
                   stored_met bigint, stored_failed bigint, stored_compliance numeric,
                   compliance_change numeric, outcomes_changed bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g text;
    trunc text := NULL;
BEGIN
    IF ticket_table IS NULL OR from_time IS NULL OR to_time IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'replay_compliance needs a ticket table, a range and an as_of instant'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOREACH g IN ARRAY coalesce(group_by, '{}') LOOP
        IF g IN ('day', 'week', 'month') THEN
            IF trunc IS NOT NULL THEN
                RAISE EXCEPTION 'group_by names more than one period: %', group_by USING ERRCODE = 'invalid_parameter_value';
            END IF;
            trunc := g;
        ELSIF g IS NULL OR g NOT IN ('department', 'agent', 'level', 'metric') THEN
            RAISE EXCEPTION 'cannot group replay_compliance by "%"', g USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Group by day, week or month and any of department, agent, level, metric.';
        END IF;
    END LOOP;
    IF from_time > to_time THEN
        RAISE EXCEPTION 'replay_compliance from % to %: the range ends before it starts', from_time, to_time
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF time_zone IS NOT NULL THEN
        PERFORM @extschema@.valid_time_zone(time_zone);
    END IF;
    RETURN QUERY
    WITH keyed AS (
        SELECT CASE WHEN trunc IS NOT NULL
                    THEN date_trunc(trunc, s.decided_at AT TIME ZONE coalesce(replay_compliance.time_zone, k.time_zone, 'UTC'))::date
               END AS p,
               CASE WHEN 'department' = ANY (group_by) THEN s.department END AS d,
               CASE WHEN 'agent' = ANY (group_by) THEN s.agent END AS a,
               CASE WHEN 'level' = ANY (group_by) THEN s.level END AS l,
               CASE WHEN 'metric' = ANY (group_by) THEN s.metric END AS m,
               s.replayed, s.is_met,
               s.now_met IS DISTINCT FROM s.was_met AND (s.replayed OR NOT s.counted_now) AS changed
          FROM @extschema@.replay_sides(replay_compliance.ticket_table, from_time, to_time, as_of) s
          LEFT JOIN @extschema@.level lv ON trunc IS NOT NULL AND lv.name = s.level
          LEFT JOIN @extschema@.calendar k ON k.id = lv.calendar_id
    ), g AS (
        SELECT x.p, x.d, x.a, x.l, x.m,
               count(*) FILTER (WHERE x.replayed AND x.is_met) AS n_met,
               count(*) FILTER (WHERE x.replayed AND NOT x.is_met) AS n_failed,
               count(*) FILTER (WHERE NOT x.replayed AND x.is_met) AS s_met,
               count(*) FILTER (WHERE NOT x.replayed AND NOT x.is_met) AS s_failed,
               count(*) FILTER (WHERE x.changed) AS n_changed
          FROM keyed x
         GROUP BY 1, 2, 3, 4, 5
    )
    SELECT g.p, g.d, g.a, g.l, g.m, g.n_met, g.n_failed,
           round(100.0 * g.n_met / nullif(g.n_met + g.n_failed, 0), 2),
           g.s_met, g.s_failed,
           round(100.0 * g.s_met / nullif(g.s_met + g.s_failed, 0), 2),
           round(100.0 * g.n_met / nullif(g.n_met + g.n_failed, 0), 2)
               - round(100.0 * g.s_met / nullif(g.s_met + g.s_failed, 0), 2),
           g.n_changed
      FROM g
     ORDER BY 1, 2, 3, 4, 5;
END
$$;
COMMENT ON FUNCTION @extschema@.replay_compliance(regclass, timestamptz, timestamptz, text[], timestamptz, text) IS
    'compliance of the clocks decided in [from_time, to_time) as it would have been under the policy in force in this transaction (replayed from the fact log) beside compliance as it was (the stored clocks), grouped by day/week/month (in time_zone, by default each level''s calendar zone) and any of department, agent, level, metric, with the difference and the number of clocks whose outcome differs';

-- The clocks whose outcome in compliance over [from_time, to_time) differs between the replay
-- under the policy in force in this transaction and the stored clocks: met, failed, or not
-- counted (NULL: not decided in the range, or not yet due).
CREATE FUNCTION @extschema@.replay_changes(ticket_table regclass, from_time timestamptz, to_time timestamptz,
        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (ticket_key text, metric @extschema@.metric, cycle integer, outcome text, stored_outcome text,
                   level text, stored_level text, state text, stored_state text, due_at timestamptz,
                   stored_due_at timestamptz, stopped_at timestamptz, stored_stopped_at timestamptz)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ticket_table IS NULL OR from_time IS NULL OR to_time IS NULL OR as_of IS NULL THEN
        RAISE EXCEPTION 'replay_changes needs a ticket table, a range and an as_of instant'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF from_time > to_time THEN
        RAISE EXCEPTION 'replay_changes from % to %: the range ends before it starts', from_time, to_time
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH changed AS (
        SELECT DISTINCT s.ticket_key, s.metric, s.cycle, s.now_met, s.was_met
          FROM @extschema@.replay_sides(replay_changes.ticket_table, from_time, to_time, as_of) s
         WHERE s.now_met IS DISTINCT FROM s.was_met
    )
    SELECT c.ticket_key, c.metric, c.cycle,
           CASE c.now_met WHEN true THEN 'met' WHEN false THEN 'failed' END,
           CASE c.was_met WHEN true THEN 'met' WHEN false THEN 'failed' END,
           r.level, r.stored_level, r.state, r.stored_state, r.due_at, r.stored_due_at, r.stopped_at, r.stored_stopped_at
      FROM changed c
      JOIN @extschema@.replay(replay_changes.ticket_table, coalesce((SELECT array_agg(DISTINCT x.ticket_key) FROM changed x), '{}')) r
        ON r.ticket_key = c.ticket_key AND r.metric = c.metric AND r.cycle = c.cycle
     ORDER BY 1, 2, 3;
END
$$;
COMMENT ON FUNCTION @extschema@.replay_changes(regclass, timestamptz, timestamptz, timestamptz) IS
    'the clocks whose outcome in compliance over [from_time, to_time) (met, failed, not counted) differs between the replay under the policy in force in this transaction and the stored clocks, with both sides'' level, state, due and stop';

-- Policy drafts and what-if (94_what_if.sql).
CREATE TABLE @extschema@.policy_draft (
    name         text PRIMARY KEY CONSTRAINT policy_draft_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    sql          text NOT NULL,
    note         text,
    owner        name NOT NULL DEFAULT CURRENT_USER,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    activated_at timestamptz,
    activated_by name
);
COMMENT ON TABLE @extschema@.policy_draft IS
    'named policy drafts: configuration edits as SQL, run as their owner by sla.what_if (rolled back) and sla.activate_draft (the next policy version)';
COMMENT ON COLUMN @extschema@.policy_draft.sql IS 'the edits, as a DBA would run them on the live configuration: helper function calls (sla.define_level, sla.add_holiday, ...) or INSERT, UPDATE, DELETE of the configuration tables';
COMMENT ON COLUMN @extschema@.policy_draft.owner IS 'the role that wrote the draft: its SQL always runs as this role, whoever applies it';
COMMENT ON COLUMN @extschema@.policy_draft.activated_at IS 'when sla.activate_draft applied it for real (the start of that transaction, the version''s took_effect)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.policy_draft', '');

-- Who may write which draft: anyone granted the table writes drafts as itself; a draft is
-- changed or deleted only by its owner's role (or a member of it).
ALTER TABLE @extschema@.policy_draft ENABLE ROW LEVEL SECURITY;
CREATE POLICY policy_draft_read ON @extschema@.policy_draft FOR SELECT USING (true);
CREATE POLICY policy_draft_insert ON @extschema@.policy_draft FOR INSERT
    WITH CHECK (owner OPERATOR(pg_catalog.=) CURRENT_USER);
CREATE POLICY policy_draft_update ON @extschema@.policy_draft FOR UPDATE
    USING (EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner
                      AND pg_catalog.pg_has_role(r.oid, 'MEMBER')))
    WITH CHECK (EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner
                           AND pg_catalog.pg_has_role(r.oid, 'MEMBER')));
CREATE POLICY policy_draft_delete ON @extschema@.policy_draft FOR DELETE
    USING (EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) owner
                      AND pg_catalog.pg_has_role(r.oid, 'MEMBER')));

-- In C (src/policy_draft.c): run a draft's SQL in the caller's transaction as the draft's owner
-- (the caller must be that role or a member of it), restricted (no SET ROLE back, no temporary
-- objects, settings restored).  for_what_if: the live re-targeting of running clocks is switched
-- off until the current subtransaction rolls back, and the transaction cannot commit before.
CREATE FUNCTION @extschema@.apply_draft(name text, for_what_if boolean)
    RETURNS void
    AS 'MODULE_PATHNAME', 'sla_apply_draft' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.apply_draft(text, boolean) IS
    'runs a policy draft''s SQL in this transaction as the draft''s owner; for_what_if: without re-targeting live clocks, and the transaction must roll it back (sla.what_if, sla.create_draft)';

-- A new draft, validated: its SQL is run (as the caller, its owner) in a subtransaction that is
-- rolled back, so the configuration's constraints and triggers check it as they would check the
-- edits made live.  An error in it is raised with its own SQLSTATE, naming the draft.
CREATE FUNCTION @extschema@.create_draft(name text, sql text, note text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    msg text;
    code text;
    dtl text;
BEGIN
    IF create_draft.name IS NULL OR create_draft.sql IS NULL THEN
        RAISE EXCEPTION 'create_draft needs a name and the SQL of the edits' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF btrim(create_draft.sql, E' \t\r\n;') = '' THEN
        RAISE EXCEPTION 'policy draft "%" holds no SQL', create_draft.name USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
        INSERT INTO @extschema@.policy_draft (name, sql, note) VALUES (create_draft.name, create_draft.sql, create_draft.note);
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'policy draft "%" exists already', create_draft.name USING ERRCODE = 'duplicate_object',
              HINT = 'Drop it first (sla.drop_draft) or choose another name.';
    END;
    BEGIN
        PERFORM @extschema@.apply_draft(create_draft.name, true);
        RAISE EXCEPTION 'rolled back' USING ERRCODE = 'SLAW1';   -- the validation run's rollback
    EXCEPTION
        WHEN SQLSTATE 'SLAW1' THEN NULL;
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, code = RETURNED_SQLSTATE, dtl = PG_EXCEPTION_DETAIL;
            RAISE EXCEPTION 'policy draft "%" does not apply: %', create_draft.name, msg
                  USING ERRCODE = code, DETAIL = coalesce(dtl, '');
    END;
END
$$;
COMMENT ON FUNCTION @extschema@.create_draft(text, text, text) IS
    'stores a named policy draft (configuration edits as SQL, owned by the caller) after running it in a rolled-back subtransaction, so that the configuration''s constraints and triggers validate it';

CREATE FUNCTION @extschema@.drop_draft(name text)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM @extschema@.policy_draft d WHERE d.name = drop_draft.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'policy draft "%" does not exist, or was written by a role you are not a member of', drop_draft.name
              USING ERRCODE = 'undefined_object';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_draft(text) IS 'deletes a policy draft (its owner''s role only)';

-- What-if: compliance under the draft beside compliance as it happened.  The draft is applied
-- in a subtransaction (as its owner, without re-targeting live clocks), the clocks are replayed
-- under it and the figures kept, then the subtransaction is rolled back: nothing of the
-- configuration, the clocks or the events changes.
CREATE FUNCTION @extschema@.what_if(ticket_table regclass, draft text, from_time timestamptz, to_time timestamptz,
        group_by text[] DEFAULT ARRAY['level', 'metric'], as_of timestamptz DEFAULT pg_catalog.now(),
        time_zone text DEFAULT NULL)
    RETURNS TABLE (period date, department text, agent text, level text, metric @extschema@.metric,
                   met bigint, failed bigint, compliance numeric,
                   stored_met bigint, stored_failed bigint, stored_compliance numeric,
                   compliance_change numeric, outcomes_changed bigint)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    result jsonb;
BEGIN
    IF draft IS NULL THEN
        RAISE EXCEPTION 'what_if needs a draft name' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    BEGIN
        PERFORM @extschema@.apply_draft(draft, true);
        SELECT jsonb_agg(to_jsonb(x)) INTO result
          FROM @extschema@.replay_compliance(what_if.ticket_table, from_time, to_time, group_by, as_of, time_zone) x;
        RAISE EXCEPTION 'rolled back' USING ERRCODE = 'SLAW1';
    EXCEPTION WHEN SQLSTATE 'SLAW1' THEN NULL;
    END;
    RETURN QUERY
    SELECT * FROM jsonb_to_recordset(coalesce(result, '[]')) AS x(period date, department text, agent text, level text,
               metric @extschema@.metric, met bigint, failed bigint, compliance numeric, stored_met bigint,
               stored_failed bigint, stored_compliance numeric, compliance_change numeric, outcomes_changed bigint)
     ORDER BY 1, 2, 3, 4, 5;
END
$$;
COMMENT ON FUNCTION @extschema@.what_if(regclass, text, timestamptz, timestamptz, text[], timestamptz, text) IS
    'compliance of the clocks decided in [from_time, to_time) under a policy draft (applied as its owner in a rolled-back subtransaction, replayed from the fact log) beside compliance as it happened, grouped like the compliance report, with the difference; writes nothing';

CREATE FUNCTION @extschema@.what_if_changes(ticket_table regclass, draft text, from_time timestamptz,
        to_time timestamptz, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (ticket_key text, metric @extschema@.metric, cycle integer, outcome text, stored_outcome text,
                   level text, stored_level text, state text, stored_state text, due_at timestamptz,
                   stored_due_at timestamptz, stopped_at timestamptz, stored_stopped_at timestamptz)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    result jsonb;
BEGIN
    IF draft IS NULL THEN
        RAISE EXCEPTION 'what_if_changes needs a draft name' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    BEGIN
        PERFORM @extschema@.apply_draft(draft, true);
        SELECT jsonb_agg(to_jsonb(x)) INTO result
          FROM @extschema@.replay_changes(what_if_changes.ticket_table, from_time, to_time, as_of) x;
        RAISE EXCEPTION 'rolled back' USING ERRCODE = 'SLAW1';
    EXCEPTION WHEN SQLSTATE 'SLAW1' THEN NULL;
    END;
    RETURN QUERY
    SELECT * FROM jsonb_to_recordset(coalesce(result, '[]')) AS x(ticket_key text, metric @extschema@.metric,
               cycle integer, outcome text, stored_outcome text, level text, stored_level text, state text,
               stored_state text, due_at timestamptz, stored_due_at timestamptz, stopped_at timestamptz,
               stored_stopped_at timestamptz)
     ORDER BY 1, 2, 3;
END
$$;
COMMENT ON FUNCTION @extschema@.what_if_changes(regclass, text, timestamptz, timestamptz, timestamptz) IS
    'the clocks whose outcome in compliance over [from_time, to_time) would differ under a policy draft (met, failed, not counted), both sides; writes nothing';

-- Activation: the draft's SQL run for real, as its owner, in the caller's transaction: the
-- next policy version when it commits (its note names the draft), running clocks re-targeted
-- as after any edit.
CREATE FUNCTION @extschema@.activate_draft(name text)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d @extschema@.policy_draft;
BEGIN
    IF activate_draft.name IS NULL THEN
        RAISE EXCEPTION 'activate_draft needs a draft name' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM @extschema@.apply_draft(activate_draft.name, false);
    SELECT * INTO d FROM @extschema@.policy_draft p WHERE p.name = activate_draft.name;
    PERFORM @extschema@.set_policy_note(format('draft "%s" activated', d.name) || coalesce(': ' || d.note, ''));
    UPDATE @extschema@.policy_draft p SET activated_at = transaction_timestamp(), activated_by = CURRENT_USER
     WHERE p.name = activate_draft.name;
END
$$;
COMMENT ON FUNCTION @extschema@.activate_draft(text) IS
    'applies a policy draft for real, as its owner, in this transaction: the next policy version at commit, noted with the draft''s name';

-- ---------------------------------------------------------------- a stored policy version
-- The what-if mark alone (C, src/policy_draft.c): live clocks are not re-targeted and the
-- transaction cannot commit until the current subtransaction rolls back.
CREATE FUNCTION @extschema@.mark_what_if()
    RETURNS void
    AS 'MODULE_PATHNAME', 'sla_mark_what_if' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.mark_what_if() IS
    'internal: marks the current subtransaction as a what-if (no live re-targeting; the transaction cannot commit until it is rolled back)';

-- Internal: the configuration the clocks read (calendars with their hours, holidays and special
-- days; levels with their targets) replaced, in the current subtransaction, by the rows in force
-- in a committed policy version (sla.policy_rows), under the what-if mark.  Rules and attributes
-- are not loaded: a replay does not run them (each ticket's log holds the level they chose).
-- Levels and calendars made after that version stay, renamed out of the way and not default.
CREATE FUNCTION @extschema@.load_policy_version(version integer)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
    cols text;
    sets text;
BEGIN
    IF version IS NULL THEN
        RAISE EXCEPTION 'load_policy_version needs a version' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.policy_version p WHERE p.version = load_policy_version.version) THEN
        RAISE EXCEPTION 'policy version % does not exist', version USING ERRCODE = 'invalid_parameter_value',
              HINT = 'The committed versions are in sla.policy_version.';
    END IF;
    PERFORM @extschema@.mark_what_if();
    -- the children go, the parents step aside (names and the default are unique)
    DELETE FROM @extschema@.level_target;
    DELETE FROM @extschema@.calendar_special_hours;
    DELETE FROM @extschema@.calendar_special_day;
    DELETE FROM @extschema@.calendar_holiday;
    DELETE FROM @extschema@.calendar_hours;
    UPDATE @extschema@.level l SET name = l.name || ' (live ' || l.id || ')', is_default = false;
    UPDATE @extschema@.calendar c SET name = c.name || ' (live ' || c.id || ')';
    -- the version's rows, parents first
    FOREACH t IN ARRAY ARRAY['calendar', 'calendar_hours', 'calendar_holiday', 'calendar_special_day',
                             'calendar_special_hours', 'level', 'level_target'] LOOP
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
               string_agg(format('%1$I = EXCLUDED.%1$I', a.attname), ', ' ORDER BY a.attnum)
                   FILTER (WHERE a.attname <> ALL (@extschema@.policy_table_key(t)))
          INTO cols, sets
          FROM pg_attribute a
         WHERE a.attrelid = format('@extschema@.%I', t)::regclass AND a.attnum > 0 AND NOT a.attisdropped
           AND a.attgenerated = '';
        EXECUTE format('INSERT INTO @extschema@.%1$I (%2$s) SELECT %2$s FROM @extschema@.policy_rows(NULL::@extschema@.%1$I, $1) '
                       'ON CONFLICT (%3$s) DO %4$s',
                       t, cols, array_to_string(@extschema@.policy_table_key(t), ', '),
                       CASE WHEN sets IS NULL THEN 'NOTHING' ELSE 'UPDATE SET ' || sets END)
          USING version;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.load_policy_version(integer) IS
    'internal: replaces the calendars and levels by those of a committed policy version in the current subtransaction, under the what-if mark (sla.replay_version, sla.what_if_version roll it back)';

-- Replay under a stored policy version: sla.replay's rows with the version's calendars, levels
-- and targets loaded in a subtransaction that is rolled back.
CREATE FUNCTION @extschema@.replay_version(ticket_table regclass, version integer, ticket_keys text[] DEFAULT NULL,
        from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
    RETURNS SETOF @extschema@.replayed_clock
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    result jsonb;
BEGIN
    IF ticket_table IS NULL OR version IS NULL THEN
        RAISE EXCEPTION 'replay_version needs a ticket table and a policy version' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    BEGIN
        PERFORM @extschema@.load_policy_version(version);
        SELECT jsonb_agg(to_jsonb(x)) INTO result
          FROM @extschema@.replay(replay_version.ticket_table, ticket_keys, from_time, to_time) x;
        RAISE EXCEPTION 'rolled back' USING ERRCODE = 'SLAW1';
    EXCEPTION WHEN SQLSTATE 'SLAW1' THEN NULL;
    END;
    RETURN QUERY
    SELECT * FROM jsonb_populate_recordset(NULL::@extschema@.replayed_clock, coalesce(result, '[]'));
END
$$;
COMMENT ON FUNCTION @extschema@.replay_version(regclass, integer, text[], timestamptz, timestamptz) IS
    'sla.replay under a committed policy version (its calendars, levels and targets loaded in a rolled-back subtransaction); writes nothing';

CREATE FUNCTION @extschema@.what_if_version(ticket_table regclass, version integer, from_time timestamptz,
        to_time timestamptz, group_by text[] DEFAULT ARRAY['level', 'metric'], as_of timestamptz DEFAULT pg_catalog.now(),
        time_zone text DEFAULT NULL)
    RETURNS TABLE (period date, department text, agent text, level text, metric @extschema@.metric,
                   met bigint, failed bigint, compliance numeric,
                   stored_met bigint, stored_failed bigint, stored_compliance numeric,
                   compliance_change numeric, outcomes_changed bigint)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    result jsonb;
BEGIN
    IF version IS NULL THEN
        RAISE EXCEPTION 'what_if_version needs a policy version' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    BEGIN
        PERFORM @extschema@.load_policy_version(version);
        SELECT jsonb_agg(to_jsonb(x)) INTO result
          FROM @extschema@.replay_compliance(what_if_version.ticket_table, from_time, to_time, group_by, as_of, time_zone) x;
        RAISE EXCEPTION 'rolled back' USING ERRCODE = 'SLAW1';
    EXCEPTION WHEN SQLSTATE 'SLAW1' THEN NULL;
    END;
    RETURN QUERY
    SELECT * FROM jsonb_to_recordset(coalesce(result, '[]')) AS x(period date, department text, agent text, level text,
               metric @extschema@.metric, met bigint, failed bigint, compliance numeric, stored_met bigint,
               stored_failed bigint, stored_compliance numeric, compliance_change numeric, outcomes_changed bigint)
     ORDER BY 1, 2, 3, 4, 5;
END
$$;
COMMENT ON FUNCTION @extschema@.what_if_version(regclass, integer, timestamptz, timestamptz, text[], timestamptz, text) IS
    'compliance of the clocks decided in [from_time, to_time) under a committed policy version (replayed) beside compliance as it happened, grouped like the compliance report; writes nothing';

REVOKE EXECUTE ON FUNCTION
    @extschema@.clock_counts(text, timestamptz, timestamptz),
    @extschema@.replay(regclass, text[], timestamptz, timestamptz),
    @extschema@.replay_sides(regclass, timestamptz, timestamptz, timestamptz),
    @extschema@.replay_compliance(regclass, timestamptz, timestamptz, text[], timestamptz, text),
    @extschema@.replay_changes(regclass, timestamptz, timestamptz, timestamptz),
    @extschema@.apply_draft(text, boolean),
    @extschema@.create_draft(text, text, text),
    @extschema@.drop_draft(text),
    @extschema@.what_if(regclass, text, timestamptz, timestamptz, text[], timestamptz, text),
    @extschema@.what_if_changes(regclass, text, timestamptz, timestamptz, timestamptz),
    @extschema@.activate_draft(text),
    @extschema@.mark_what_if(),
    @extschema@.load_policy_version(integer),
    @extschema@.replay_version(regclass, integer, text[], timestamptz, timestamptz),
    @extschema@.what_if_version(regclass, integer, timestamptz, timestamptz, text[], timestamptz, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.clock_counts(text, timestamptz, timestamptz),
    @extschema@.replay(regclass, text[], timestamptz, timestamptz),
    @extschema@.replay_sides(regclass, timestamptz, timestamptz, timestamptz),
    @extschema@.replay_compliance(regclass, timestamptz, timestamptz, text[], timestamptz, text),
    @extschema@.replay_changes(regclass, timestamptz, timestamptz, timestamptz)
    TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.apply_draft(text, boolean),
    @extschema@.create_draft(text, text, text),
    @extschema@.drop_draft(text),
    @extschema@.what_if(regclass, text, timestamptz, timestamptz, text[], timestamptz, text),
    @extschema@.what_if_changes(regclass, text, timestamptz, timestamptz, timestamptz),
    @extschema@.activate_draft(text),
    @extschema@.mark_what_if(),
    @extschema@.load_policy_version(integer),
    @extschema@.replay_version(regclass, integer, text[], timestamptz, timestamptz),
    @extschema@.what_if_version(regclass, integer, timestamptz, timestamptz, text[], timestamptz, text)
    TO sla_admin;
GRANT SELECT ON @extschema@.policy_draft TO sla_reader, sla_admin;
GRANT INSERT, UPDATE, DELETE ON @extschema@.policy_draft TO sla_admin;
-- ============================================================================================
-- end of issue 12: replay, policy drafts and what-if
-- ============================================================================================
-- ============================================================================================
-- issue 14: scale-out with Citus (src/sql/96_citus.sql, docs/scaling.md).  The policy history's
-- trigger, match_ticket and the late-breach trigger as in 55_policy_history.sql,
-- 70_engine_tools.sql and 80_breach.sql; then 96_citus.sql as it is; the SLA log's views as in
-- 90_reports.sql.
CREATE OR REPLACE FUNCTION @extschema@.policy_history_record() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- on Citus the trigger fires on each node's shard of the reference table (level_102008):
    -- the history is kept under the table's own name, in each node's local history tables
    tname constant text := CASE WHEN @extschema@.policy_table_key(TG_TABLE_NAME) IS NULL
                                     AND TG_TABLE_NAME ~ '_[0-9]+$' AND @extschema@.citus_installed()
                                THEN regexp_replace(TG_TABLE_NAME, '_[0-9]+$', '') ELSE TG_TABLE_NAME END;
    keys text[] := @extschema@.policy_table_key(tname);
    touched jsonb[];		-- keys whose row in force ends (replaced or removed)
    new_keys jsonb[];		-- keys and rows written (parallel arrays)
    new_data jsonb[];
    v record;
BEGIN
    IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'STATEMENT' OR TG_TABLE_SCHEMA <> '@extschema@' OR keys IS NULL THEN
        RAISE EXCEPTION 'sla.policy_history_record() must be an AFTER statement trigger on a versioned sla table, not on %.%',
              TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'trigger_protocol_violated';
    END IF;
    IF current_setting('application_name') = 'pg_restore' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        IF NOT EXISTS (SELECT FROM @extschema@.policy_history h
                        WHERE h.table_name = tname AND h.valid_to IS NULL) THEN
            RETURN NULL;
        END IF;
        v := @extschema@.policy_version_of_transaction();
        DELETE FROM @extschema@.policy_history h
         WHERE h.table_name = tname AND h.valid_to IS NULL AND h.valid_from = v.version;
        UPDATE @extschema@.policy_history h SET valid_to = v.version
         WHERE h.table_name = tname AND h.valid_to IS NULL;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(x.key), array_agg(x.key), array_agg(x.d) INTO touched, new_keys, new_data
          FROM (SELECT (SELECT jsonb_object_agg(k, n.d -> k) FROM unnest(keys) k) AS key, n.d
                  FROM (SELECT to_jsonb(r) AS d FROM new_rows r) n) x;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg((SELECT jsonb_object_agg(k, o.d -> k) FROM unnest(keys) k)) INTO touched
          FROM (SELECT to_jsonb(r) AS d FROM old_rows r) o;
    ELSE
        WITH o AS (SELECT (SELECT jsonb_object_agg(k, x.d -> k) FROM unnest(keys) k) AS key, x.d
                     FROM (SELECT to_jsonb(r) AS d FROM old_rows r) x),
             n AS (SELECT (SELECT jsonb_object_agg(k, x.d -> k) FROM unnest(keys) k) AS key, x.d
                     FROM (SELECT to_jsonb(r) AS d FROM new_rows r) x)
        SELECT array_agg(coalesce(n.key, o.key)), array_agg(n.key) FILTER (WHERE n.d IS NOT NULL),
               array_agg(n.d) FILTER (WHERE n.d IS NOT NULL)
          INTO touched, new_keys, new_data
          FROM o FULL JOIN n ON n.key = o.key
         WHERE n.d IS DISTINCT FROM o.d;
    END IF;
    IF touched IS NULL THEN
        RETURN NULL;		-- no row, or no row changed
    END IF;
    v := @extschema@.policy_version_of_transaction();
    -- the rows in force for these keys end with this version (one this version wrote goes)
    IF NOT v.made THEN
        DELETE FROM @extschema@.policy_history h
         WHERE h.table_name = tname AND h.key = ANY (touched) AND h.valid_to IS NULL AND h.valid_from = v.version;
    END IF;
    UPDATE @extschema@.policy_history h SET valid_to = v.version
     WHERE h.table_name = tname AND h.key = ANY (touched) AND h.valid_to IS NULL;
    IF new_keys IS NULL THEN
        RETURN NULL;
    END IF;
    -- the rows written: the one this version just ended when it is the same again (a row holds
    -- its key, so equal rows have equal keys), else a new one
    IF NOT v.made THEN
        UPDATE @extschema@.policy_history h SET valid_to = NULL
         WHERE h.table_name = tname AND h.key = ANY (new_keys) AND h.valid_to = v.version
           AND h.data = ANY (new_data);
    END IF;
    INSERT INTO @extschema@.policy_history (table_name, key, valid_from, data)
         SELECT tname, u.key, v.version, u.data
           FROM unnest(new_keys, new_data) AS u(key, data)
          WHERE v.made
             OR NOT EXISTS (SELECT FROM @extschema@.policy_history h
                             WHERE h.table_name = tname AND h.key = u.key AND h.valid_to IS NULL);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION @extschema@.match_ticket(ticket_table regclass, ticket_key text, at timestamptz DEFAULT pg_catalog.now(),
        OUT rule_position integer, OUT rule text, OUT matched boolean, OUT sets_level text,
        OUT stops boolean, OUT chosen_level text)
    RETURNS SETOF record
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att @extschema@.attachment;
    attributes jsonb;
    row_json jsonb;
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = match_ticket.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    -- the row first (as JSON), then its attributes from it: on Citus a function of the row in the
    -- query that reads it would be pushed to the worker with it, where it cannot read the
    -- configuration (a distributed query from a query on a shard)
    EXECUTE format('SELECT pg_catalog.to_jsonb(t) FROM %s t WHERE t.%I OPERATOR(pg_catalog.=) $1::%s',
                   att.ticket_table, att.mapping ->> 'key', att.mapping ->> 'key_type')
       INTO row_json USING ticket_key;
    IF row_json IS NOT NULL THEN
        EXECUTE format('SELECT @extschema@.ticket_attributes($1, pg_catalog.jsonb_populate_record(NULL::%s, $2))',
                       att.ticket_table)
           INTO attributes USING att.id, row_json;
    END IF;
    IF attributes IS NULL THEN
        RAISE EXCEPTION 'ticket % does not exist in %', ticket_key, att.ticket_table USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY SELECT * FROM @extschema@.match_rules(attributes, at);
END
$$;
CREATE OR REPLACE FUNCTION @extschema@.clock_late_breach() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    seen constant timestamptz := coalesce(NEW.stopped_at, now());
BEGIN
    NEW.breach_seen_at := seen;
    NEW.breach_escalation_pending := true;
    -- TG_ARGV[0]: the event table of the clock table's key type
    EXECUTE format('INSERT INTO @extschema@.%I (attachment_id, ticket_key, clock_id, at, kind, detail)
                    VALUES ($1, $2, $3, $4, ''breach'', $5)', TG_ARGV[0])
      USING NEW.attachment_id, NEW.ticket_key, NEW.id, seen,
            jsonb_build_object('metric', NEW.metric, 'due_at', NEW.due_at, 'stopped_at', NEW.stopped_at);
    -- on a Citus worker the transaction ends with PREPARE TRANSACTION, which NOTIFY forbids: the
    -- breach is announced by nobody there (docs/scaling.md)
    IF NOT @extschema@.citus_worker() THEN
        PERFORM pg_notify('sla_events', json_build_object('event', 'breach', 'clock', NEW.id)::text);
    END IF;
    RETURN NEW;
END
$$;

-- Whether the citus extension is installed in this database (checked at run time: sla installs
-- and works without it).
CREATE FUNCTION @extschema@.citus_installed() RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus')
$$;
COMMENT ON FUNCTION @extschema@.citus_installed() IS
    'whether the citus extension is installed in this database (sla works with and without it)';

-- Whether this node is a Citus worker (src/citus_shard.c): its part of a distributed transaction
-- ends with PREPARE TRANSACTION, which NOTIFY forbids, so the engine announces nothing there.
CREATE FUNCTION @extschema@.citus_worker() RETURNS boolean
    AS 'MODULE_PATHNAME', 'sla_citus_worker_sql' LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.citus_worker() IS
    'whether this node is a Citus worker (citus installed, group other than the coordinator''s)';

-- The attachments whose host table hides rows from the current user, as
-- rls_hidden_attachments() (97_row_security.sql), also inside a worker's task (src/citus_shard.c).
CREATE FUNCTION @extschema@.citus_hidden_attachments() RETURNS integer[]
    AS 'MODULE_PATHNAME', 'sla_citus_hidden_attachments' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.citus_hidden_attachments() IS
    'the attachments whose host table has row-level security active for the current user (sla.rls_hidden_attachments), read from this node''s copy of sla.attachment on a Citus worker';

-- The configuration tables that become reference tables, in an order where a table comes after
-- those it refers to (no foreign keys: the order only keeps the copies consistent).
CREATE FUNCTION @extschema@.citus_reference_tables() RETURNS SETOF regclass
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.to_regclass('@extschema@.' OPERATOR(pg_catalog.||) t)
      FROM unnest(ARRAY['calendar', 'calendar_hours', 'calendar_holiday', 'calendar_special_day',
                        'calendar_special_hours', 'level', 'level_target', 'attribute', 'rule',
                        'rule_condition', 'attachment', 'status_map', 'escalation',
                        'interaction_source', 'contract', 'contract_tier']) WITH ORDINALITY AS x(t, n)
     WHERE pg_catalog.to_regclass('@extschema@.' OPERATOR(pg_catalog.||) t) IS NOT NULL
     ORDER BY n
$$;

-- Distributes (or makes a reference table of) one table, sla's triggers on it disabled while
-- Citus copies its rows.  kind: 'reference' or 'distributed' (then column and colocate_with).
CREATE FUNCTION @extschema@.citus_distribute_table(tbl regclass, kind text, col text DEFAULT NULL,
        colocate_with regclass DEFAULT NULL) RETURNS boolean
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    trig text;
    disabled text[] := '{}';
BEGIN
    IF EXISTS (SELECT FROM pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) tbl) THEN
        RETURN false;
    END IF;
    -- sla's triggers: on sla's own tables all of them, on the helpdesk's those attach created
    FOR trig IN
        SELECT t.tgname FROM pg_catalog.pg_trigger t
         WHERE t.tgrelid OPERATOR(pg_catalog.=) tbl AND NOT t.tgisinternal AND t.tgenabled OPERATOR(pg_catalog.<>) 'D'
           AND ((SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) tbl) OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
                OR t.tgname OPERATOR(pg_catalog.~) '^sla_')
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE TRIGGER %I', tbl, trig);
        disabled := disabled OPERATOR(pg_catalog.||) trig;
    END LOOP;
    -- Citus refuses subqueries in the policies of distributed tables: the tracking tables'
    -- "follows the host" policy calls citus_hidden_attachments() per row instead of
    -- rls_hidden_attachments() once (an InitPlan): the same attachments, read on a worker from
    -- its own copy of sla.attachment (the policy runs there, inside the coordinator's query)
    IF EXISTS (SELECT FROM pg_catalog.pg_policy p WHERE p.polrelid OPERATOR(pg_catalog.=) tbl
                  AND p.polname OPERATOR(pg_catalog.~) '_follows_host$') THEN
        EXECUTE pg_catalog.format('DROP POLICY %I ON %s',
                                  (SELECT p.polname FROM pg_catalog.pg_policy p WHERE p.polrelid OPERATOR(pg_catalog.=) tbl
                                      AND p.polname OPERATOR(pg_catalog.~) '_follows_host$'), tbl);
        EXECUTE pg_catalog.format('CREATE POLICY %I ON %s FOR SELECT USING (attachment_id OPERATOR(pg_catalog.<>) ALL (@extschema@.citus_hidden_attachments()) OR @extschema@.ticket_visible(attachment_id, ticket_key::pg_catalog.text))',
                                  (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) tbl) OPERATOR(pg_catalog.||) '_follows_host', tbl);
    END IF;
    IF kind OPERATOR(pg_catalog.=) 'reference' THEN
        PERFORM create_reference_table(tbl);
    ELSE
        PERFORM create_distributed_table(tbl, col, colocate_with => coalesce(colocate_with::text, 'default'));
    END IF;
    -- the rows copied to the shards: the coordinator's local copies go
    PERFORM truncate_local_data_after_distributing_table(tbl);
    FOREACH trig IN ARRAY disabled LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE TRIGGER %I', tbl, trig);
    END LOOP;
    RETURN true;
END
$$;

-- On Citus, an event's id is drawn on the node that holds the ticket's shard, whoever writes it:
-- the breach check writes events from the coordinator, whose sequence is not the workers' (their
-- ids would sort before the ticket's earlier events).  A BEFORE INSERT trigger that sla.distribute
-- puts on the event tables it distributes; it fires on the shards only (a distributed table's
-- own triggers do not fire on the coordinator).
CREATE FUNCTION @extschema@.event_id_here() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.id := pg_catalog.nextval('@extschema@.event_id_seq');
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION @extschema@.event_id_here() IS
    'BEFORE INSERT trigger on the event tables of a Citus cluster (sla.distribute): the event''s id drawn on the node holding the ticket''s shard, so that a ticket''s events sort in the order they were written';

CREATE FUNCTION @extschema@.distribute(ticket_table regclass, shard_count integer DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a record;
    tbl regclass;
    kind text;
    done text[] := '{}';
BEGIN
    IF NOT @extschema@.citus_installed() THEN
        RAISE EXCEPTION 'sla.distribute needs the citus extension in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'CREATE EXTENSION citus on every node, register the workers, then call sla.distribute on the coordinator.';
    END IF;
    SELECT t.id, t.ticket_table, t.mapping OPERATOR(pg_catalog.->>) 'key' AS key_column, t.message_table,
           t.message_mapping OPERATOR(pg_catalog.->>) 'ticket' AS ticket_column, t.key_type
      INTO a FROM @extschema@.attachment t WHERE t.ticket_table OPERATOR(pg_catalog.=) distribute.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'sla is not attached to %', ticket_table
            USING ERRCODE = 'undefined_object', HINT = 'Attach it first: sla.attach().';
    END IF;
    -- only while distributing: Citus refuses tables with triggers otherwise
    SET LOCAL citus.enable_unsafe_triggers = on;
    IF shard_count IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL citus.shard_count = %s', shard_count);
    END IF;

    -- 1. configuration: reference tables
    FOR tbl IN SELECT * FROM @extschema@.citus_reference_tables() LOOP
        IF @extschema@.citus_distribute_table(tbl, 'reference') THEN
            done := done OPERATOR(pg_catalog.||) tbl::text;
        END IF;
    END LOOP;

    -- 2. the helpdesk's tables: tickets by their key, messages by their ticket, co-located
    IF @extschema@.citus_distribute_table(a.ticket_table, 'distributed', a.key_column) THEN
        done := done OPERATOR(pg_catalog.||) a.ticket_table::text;
    END IF;
    IF a.message_table IS NOT NULL
       AND @extschema@.citus_distribute_table(a.message_table, 'distributed', a.ticket_column, a.ticket_table) THEN
        done := done OPERATOR(pg_catalog.||) a.message_table::text;
    END IF;

    -- 3. the tracking tables of the attachment's key type, co-located with the tickets
    FOREACH kind IN ARRAY ARRAY['ticket', 'clock', 'event', 'fact'] LOOP
        tbl := @extschema@.tracking_table(kind, a.key_type)::regclass;
        IF @extschema@.citus_distribute_table(tbl, 'distributed', 'ticket_key', a.ticket_table) THEN
            done := done OPERATOR(pg_catalog.||) tbl::text;
        ELSIF NOT EXISTS (SELECT FROM pg_dist_partition p, pg_dist_partition h
                           WHERE p.logicalrelid OPERATOR(pg_catalog.=) tbl
                             AND h.logicalrelid OPERATOR(pg_catalog.=) a.ticket_table
                             AND p.colocationid OPERATOR(pg_catalog.=) h.colocationid) THEN
            RAISE EXCEPTION '% is distributed but not co-located with %', tbl, a.ticket_table
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'The tracking tables of one key type serve every attachment of that key type: its ticket tables must be co-located with each other.';
        END IF;
    END LOOP;

    -- the event ids, drawn where the ticket's shard is (Citus creates the trigger on every shard:
    -- citus.enable_unsafe_triggers is on)
    tbl := @extschema@.tracking_table('event', a.key_type)::regclass;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid OPERATOR(pg_catalog.=) tbl
                      AND t.tgname OPERATOR(pg_catalog.=) 'event_id_here') THEN
        EXECUTE pg_catalog.format('CREATE TRIGGER event_id_here BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.event_id_here()', tbl);
    END IF;

    -- 4. the attachments' table references, written again by name: create_reference_table
    -- copied the coordinator's OIDs, which name nothing (or another table) on the workers; an
    -- UPDATE with the name as a constant is resolved by each node
    FOR a IN SELECT t.id, t.ticket_table::text AS tt, t.message_table::text AS mt FROM @extschema@.attachment t LOOP
        EXECUTE pg_catalog.format('UPDATE @extschema@.attachment SET ticket_table = %L::pg_catalog.regclass, message_table = %L::pg_catalog.regclass WHERE id = %s',
                                  a.tt, a.mt, a.id);
    END LOOP;
    -- 5. clock and event ids: each node draws them from its own sequences; a worker's start at
    -- its group id << 48 (as Citus does for the sequences of distributed tables), so that no two
    -- nodes hand out the same id.  Called again after adding a node, it gives that node its range.
    PERFORM run_command_on_workers(pg_catalog.format(
        'SELECT pg_catalog.setval(%L, greatest(s.last_value, (SELECT groupid FROM pg_catalog.pg_dist_local_group)::bigint << 48)) FROM %s s',
        q.seq, q.seq))
       FROM unnest(ARRAY['@extschema@.clock_id_seq', '@extschema@.event_id_seq']) q(seq);
    RETURN pg_catalog.array_to_string(done, ', ');
END
$$;
COMMENT ON FUNCTION @extschema@.distribute(regclass, integer) IS
    'on a Citus coordinator: makes sla''s configuration reference tables, distributes the attached ticket table by its key and its message table by ticket, co-located, and the tracking tables of its key type by ticket_key, co-located with them (rows already there are moved to the shards); returns the tables it distributed';

-- The clock tables' late-breach trigger asks citus_worker() as the writer (the helpdesk's
-- application role, or an admin whose edit re-targets clocks); the rest is the owner's.
GRANT EXECUTE ON FUNCTION @extschema@.citus_worker() TO sla_writer, sla_admin;
-- the tracking tables' policy on Citus, evaluated as the reader (as rls_hidden_attachments)
GRANT EXECUTE ON FUNCTION @extschema@.citus_hidden_attachments() TO sla_reader, sla_writer, sla_admin;

REVOKE EXECUTE ON FUNCTION @extschema@.citus_installed(),
    @extschema@.citus_worker(),
    @extschema@.citus_hidden_attachments(),
    @extschema@.citus_reference_tables(),
    @extschema@.citus_distribute_table(regclass, text, text, regclass),
    @extschema@.event_id_here(),
    @extschema@.distribute(regclass, integer) FROM PUBLIC;

-- the SLA log and its views written out over sla.clock (90_reports.sql): on Citus a call of
-- sla_log_at() hid the distributed tables from its planner
CREATE OR REPLACE VIEW @extschema@.sla_log WITH (security_invoker = true) AS
    SELECT c.requester, a.ticket_table, c.ticket_key AS ticket, c.department, c.agent, l.name AS level, c.metric, c.cycle,
           c.started_at, c.due_at, c.warn_at, c.stopped_at AS closed_at, c.state,
           @extschema@.clock_used(c, pg_catalog.now()) AS used,
           CASE WHEN c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])
                     AND c.due_at OPERATOR(pg_catalog.>=) pg_catalog.now()
                THEN @extschema@.business_between(GREATEST(pg_catalog.now(), c.started_at), c.due_at, c.calendar_id) END AS remaining,
           CASE WHEN c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])
                     AND c.due_at OPERATOR(pg_catalog.<) pg_catalog.now()
                THEN @extschema@.business_between(c.due_at, COALESCE(c.paused_since, pg_catalog.now()), c.calendar_id)
                WHEN c.state OPERATOR(pg_catalog.=) 'breached'
                THEN @extschema@.business_between(c.due_at, c.stopped_at, c.calendar_id) END AS overdue
      FROM @extschema@.clock c
      JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) c.attachment_id
      JOIN @extschema@.level l ON l.id OPERATOR(pg_catalog.=) c.level_id;
CREATE OR REPLACE VIEW @extschema@.at_risk WITH (security_invoker = true) AS
    SELECT * FROM @extschema@.sla_log l
     WHERE l.state = 'running' AND l.warn_at < pg_catalog.now() AND l.due_at >= pg_catalog.now()
     ORDER BY l.due_at;
CREATE OR REPLACE VIEW @extschema@.breached_now WITH (security_invoker = true) AS
    SELECT * FROM @extschema@.sla_log l
     WHERE l.state IN ('running', 'paused') AND l.due_at < pg_catalog.now()
     ORDER BY l.due_at;
CREATE OR REPLACE VIEW @extschema@.queue WITH (security_invoker = true) AS
    SELECT * FROM @extschema@.sla_log l
     WHERE l.state IN ('running', 'paused')
     ORDER BY l.due_at;
-- ============================================================================================
-- end of issue 14

-- ============================================================================================
-- issue 12, the engine's side: each clock records the policy version it runs under
-- (clock_<type>.policy_version, in the sla.clock view); the numbering at commit rewrites the
-- clocks and events carrying a provisional number (partial indexes, empty otherwise); the
-- writer reads the versions.  Clocks tracked before this keep a NULL version.
-- ============================================================================================
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('ALTER TABLE @extschema@.%I ADD COLUMN policy_version integer', 'clock_' || kt);
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (policy_version) WHERE policy_version OPERATOR(pg_catalog.<) 0',
                       'clock_' || kt || '_provisional_version', 'clock_' || kt);
        EXECUTE format($i$CREATE INDEX %I ON @extschema@.%I ((detail OPERATOR(pg_catalog.->) 'to_version'))
                          WHERE kind OPERATOR(pg_catalog.=) ANY (ARRAY['retargeted', 'cancelled'])
                            AND (detail OPERATOR(pg_catalog.->) 'to_version') OPERATOR(pg_catalog.<) '0'::pg_catalog.jsonb$i$,
                       'event_' || kt || '_provisional_version', 'event_' || kt);
    END LOOP;
END
$$;
CREATE OR REPLACE VIEW @extschema@.clock WITH (security_invoker = true) AS
    SELECT id, attachment_id, ticket_key::text AS ticket_key, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at, policy_version
      FROM @extschema@.clock_int4
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at, policy_version
      FROM @extschema@.clock_int8
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at, policy_version
      FROM @extschema@.clock_uuid
    UNION ALL
    SELECT id, attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at, policy_version
      FROM @extschema@.clock_text;
COMMENT ON COLUMN @extschema@.clock.policy_version IS 'the policy version (sla.policy_version) the clock''s level, calendar and target come from: the version in force when it started or was last re-targeted; kept when it is decided; NULL: started before any version';

CREATE OR REPLACE FUNCTION @extschema@.policy_version_number() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    q record;
    latest record;
    v integer;
    kt text;
    part text;
BEGIN
    IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'ROW' OR TG_OP <> 'INSERT' OR TG_TABLE_SCHEMA <> '@extschema@'
       OR TG_TABLE_NAME <> 'policy_version_pending' THEN
        RAISE EXCEPTION 'sla.policy_version_number() must be the constraint trigger on sla.policy_version_pending, not on %.%',
              TG_TABLE_SCHEMA, TG_TABLE_NAME USING ERRCODE = 'trigger_protocol_violated';
    END IF;
    -- the row as it is now (NEW is the row as inserted: without a note set later)
    DELETE FROM @extschema@.policy_version_pending p WHERE p.provisional = NEW.provisional RETURNING p.* INTO q;
    IF q.provisional IS NULL THEN
        RETURN NULL;
    END IF;
    LOCK TABLE @extschema@.policy_version IN SHARE ROW EXCLUSIVE MODE;
    SELECT p.version, p.took_effect INTO latest
      FROM @extschema@.policy_version p ORDER BY p.version DESC LIMIT 1;
    INSERT INTO @extschema@.policy_version AS p (version, took_effect, session_user_name, current_user_name, note,
                                                 transaction_id, transaction_start)
         VALUES (coalesce(latest.version, 0) + 1, greatest(q.transaction_start, latest.took_effect),
                 q.session_user_name, q.current_user_name, q.note, q.transaction_id, q.transaction_start)
    ON CONFLICT ON CONSTRAINT policy_version_pkey DO NOTHING
    RETURNING p.version INTO v;
    IF v IS NULL THEN
        RAISE EXCEPTION 'could not serialize access: another transaction made policy version % meanwhile',
              coalesce(latest.version, 0) + 1 USING ERRCODE = 'serialization_failure';
    END IF;
    UPDATE @extschema@.policy_history h SET valid_from = v
     WHERE h.valid_from = q.provisional AND h.valid_from < 0;
    UPDATE @extschema@.policy_history h SET valid_to = v
     WHERE h.valid_to = q.provisional AND h.valid_to < 0;
    -- the clocks this transaction re-targeted (or started after its edit) and their events carry
    -- the provisional number too (60_attachment.sql; partial indexes, empty otherwise).  The
    -- tracking tables exist from 60_attachment.sql on: a version made while the extension is
    -- being created or updated, before them, has none to fix.  On a Citus worker, which numbers
    -- the versions of its own copy of the configuration, the clocks its triggers re-targeted
    -- are in its shards: those are updated (a distributed statement from a worker's
    -- transaction is refused), elsewhere the tables (citus_local_parts, 96_citus.sql).
    IF to_regclass('@extschema@.clock_text') IS NOT NULL THEN
        FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
            FOR part IN SELECT * FROM @extschema@.citus_local_parts(format('@extschema@.%I', 'clock_' || kt)::regclass) LOOP
                EXECUTE format('UPDATE %s c SET policy_version = $2
                                 WHERE c.policy_version = $1 AND c.policy_version < 0', part)
                  USING q.provisional, v;
            END LOOP;
            -- from_version too: a clock started after its transaction's edit, re-targeted by a
            -- second edit of the same transaction
            -- (the JSON values made here, not in the statement: on Citus an UPDATE of a
            -- distributed table takes no function but immutable ones in a CASE)
            FOR part IN SELECT * FROM @extschema@.citus_local_parts(format('@extschema@.%I', 'event_' || kt)::regclass) LOOP
                EXECUTE format($u$UPDATE %s e
                                     SET detail = e.detail || $2
                                                  || CASE WHEN e.detail -> 'from_version' = $1 THEN $3 ELSE '{}'::jsonb END
                                   WHERE e.kind = ANY (ARRAY['retargeted', 'cancelled'])
                                     AND (e.detail -> 'to_version') < '0'::jsonb
                                     AND e.detail -> 'to_version' = $1$u$, part)
                  USING to_jsonb(q.provisional), jsonb_build_object('to_version', v), jsonb_build_object('from_version', v);
            END LOOP;
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;
GRANT SELECT ON @extschema@.policy_version, @extschema@.policy_version_pending TO sla_writer;
-- the helpers add a holiday or special day by INSERT, not by an upsert (whose UPDATE triggers
-- fire first): the re-targeted clocks' events say what changed
CREATE OR REPLACE FUNCTION @extschema@.add_holiday(calendar text, day date, name text DEFAULT NULL,
                                        yearly boolean DEFAULT false)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF day IS NULL OR yearly IS NULL THEN
        RAISE EXCEPTION 'add_holiday: day and yearly must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- an UPDATE, else an INSERT, rather than INSERT ... ON CONFLICT DO UPDATE: an upsert fires
    -- the UPDATE statement triggers too, before the INSERT ones, and the re-targeted clocks'
    -- events would say "holiday changed" for a holiday added (docs/policy-versions.md)
    UPDATE @extschema@.calendar_holiday h SET name = add_holiday.name, yearly = add_holiday.yearly
     WHERE h.calendar_id = @extschema@.calendar_id(calendar) AND h.day = add_holiday.day;
    IF NOT FOUND THEN
        BEGIN
            INSERT INTO @extschema@.calendar_holiday (calendar_id, day, name, yearly)
                 VALUES (@extschema@.calendar_id(calendar), add_holiday.day, add_holiday.name, add_holiday.yearly);
        EXCEPTION WHEN unique_violation THEN	-- added meanwhile by another transaction
            UPDATE @extschema@.calendar_holiday h SET name = add_holiday.name, yearly = add_holiday.yearly
             WHERE h.calendar_id = @extschema@.calendar_id(calendar) AND h.day = add_holiday.day;
        END;
    END IF;
END
$$;
CREATE OR REPLACE FUNCTION @extschema@.set_special_day(calendar text, day date, hours text, name text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cal_id integer := @extschema@.calendar_id(calendar);
BEGIN
    IF day IS NULL OR hours IS NULL THEN
        RAISE EXCEPTION 'set_special_day: day and hours must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- an UPDATE, else an INSERT: see add_holiday
    UPDATE @extschema@.calendar_special_day s SET name = COALESCE(set_special_day.name, s.name)
     WHERE s.calendar_id = cal_id AND s.day = set_special_day.day;
    IF NOT FOUND THEN
        BEGIN
            INSERT INTO @extschema@.calendar_special_day (calendar_id, day, name)
                 VALUES (cal_id, set_special_day.day, set_special_day.name);
        EXCEPTION WHEN unique_violation THEN	-- added meanwhile by another transaction
            UPDATE @extschema@.calendar_special_day s SET name = COALESCE(set_special_day.name, s.name)
             WHERE s.calendar_id = cal_id AND s.day = set_special_day.day;
        END;
    END IF;
    DELETE FROM @extschema@.calendar_special_hours h WHERE h.calendar_id = cal_id AND h.day = set_special_day.day;
    INSERT INTO @extschema@.calendar_special_hours (calendar_id, day, opens, closes)
         SELECT cal_id, set_special_day.day, p.opens, p.closes FROM @extschema@.parse_day_hours(hours) p;
END
$$;
-- ============================================================================================
-- end of issue 12, the engine's side

-- ============================================================================================
-- issue 12: reports as of a past instant (90_reports_as_of.sql): each clock as it stood then,
-- read back from its events
-- ============================================================================================
CREATE FUNCTION @extschema@.clock_as_of(as_of timestamptz)
    RETURNS TABLE (id bigint, attachment_id integer, ticket_key text, metric @extschema@.metric, cycle integer,
                   level_id integer, calendar_id integer, target @extschema@.business_interval,
                   policy_version integer, started_at timestamptz, due_at timestamptz,
                   paused_since timestamptz, paused_for @extschema@.business_interval,
                   stopped_at timestamptz, state text, business_used @extschema@.business_interval,
                   department text, agent text, requester text, warn_at timestamptz)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kt text;
BEGIN
    IF NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'clock_as_of needs a finite instant, not %', as_of USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        RETURN QUERY EXECUTE format($q$
            SELECT c.id, c.attachment_id, c.ticket_key::text, c.metric, c.cycle,
                   CASE WHEN b.found THEN coalesce(b.level_id, c.level_id) WHEN a.found THEN coalesce(a.level_id, c.level_id)
                        ELSE c.level_id END,
                   c.calendar_id,
                   CASE WHEN b.found THEN coalesce(b.target, c.target) WHEN a.found THEN coalesce(a.target, c.target)
                        ELSE c.target END,
                   CASE WHEN b.found THEN b.version WHEN a.found THEN a.version ELSE c.policy_version END,
                   c.started_at, coalesce(d1.due_at, d2.due_at, c.due_at),
                   CASE WHEN s.state = 'paused' THEN s.at END,
                   coalesce(p1.paused_for, p2.paused_for, '00:00:00'::@extschema@.business_interval),
                   CASE WHEN s.state = ANY (ARRAY['met', 'breached', 'cancelled']) THEN s.at END,
                   s.state,
                   CASE WHEN s.state = ANY (ARRAY['met', 'breached']) THEN s.used END,
                   coalesce(h.department, c.department), coalesce(h.agent, c.agent), coalesce(h.requester, c.requester),
                   CASE WHEN coalesce(d1.due_at, d2.due_at, c.due_at) = c.due_at THEN c.warn_at END
              FROM @extschema@.%1$I c
              -- the state: the latest state event at or before the instant
              CROSS JOIN LATERAL (
                  SELECT coalesce(max(e.at), c.started_at) AS at,
                         coalesce((array_agg(CASE e.kind WHEN 'paused' THEN 'paused' WHEN 'resumed' THEN 'running'
                                                         WHEN 'reopened' THEN coalesce(e.detail ->> 'state', 'running')
                                                         WHEN 'stopped' THEN e.detail ->> 'state'
                                                         ELSE 'cancelled' END ORDER BY e.id DESC))[1], 'running') AS state,
                         ((array_agg(e.detail ->> 'business_used' ORDER BY e.id DESC))[1])::@extschema@.business_interval AS used
                    FROM (SELECT * FROM @extschema@.%2$I e
                           WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                             AND e.kind = ANY (ARRAY['paused', 'resumed', 'reopened', 'stopped', 'cancelled'])
                             AND e.at <= $1
                           ORDER BY e.id DESC LIMIT 1) e) s
              -- the due date: from the latest event that moved it at or before the instant (d1),
              -- else from the first one after it (d2), else the row's; the time paused: from the
              -- latest resume or reopening (p1), else the pauses the resumes name (p2: events
              -- written before paused_for was), else none.  Lateral joins of the statement
              -- itself, each with a FROM: Citus plans no correlated subquery of a subquery
              -- without FROM.
              LEFT JOIN LATERAL (
                  SELECT (e.detail ->> 'due_at')::timestamptz AS due_at FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = ANY (ARRAY['resumed', 'reopened', 'retargeted']) AND e.detail ? 'due_at' AND e.at <= $1
                   ORDER BY e.id DESC LIMIT 1) d1 ON true
              LEFT JOIN LATERAL (
                  SELECT (e.detail ->> 'from_due_at')::timestamptz AS due_at FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = ANY (ARRAY['resumed', 'reopened', 'retargeted']) AND e.at > $1
                   ORDER BY e.id LIMIT 1) d2 ON true
              LEFT JOIN LATERAL (
                  SELECT (e.detail ->> 'paused_for')::@extschema@.business_interval AS paused_for FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = ANY (ARRAY['resumed', 'reopened']) AND e.detail ? 'paused_for' AND e.at <= $1
                   ORDER BY e.id DESC LIMIT 1) p1 ON true
              LEFT JOIN LATERAL (
                  SELECT @extschema@.sum((e.detail ->> 'paused')::@extschema@.business_interval) AS paused_for
                    FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = 'resumed' AND e.at <= $1) p2 ON true
              -- the level, target and version: from the latest re-target at or before the instant
              -- (b), else the first one after it (a), else the row's.  Two lateral joins of the
              -- statement itself: Citus plans no outer join of a subquery without FROM.
              LEFT JOIN LATERAL (
                  SELECT true AS found, (e.detail ->> 'to_level')::integer AS level_id,
                         (e.detail ->> 'target')::@extschema@.business_interval AS target,
                         (e.detail ->> 'to_version')::integer AS version
                    FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = 'retargeted' AND e.at <= $1
                   ORDER BY e.id DESC LIMIT 1) b ON true
              LEFT JOIN LATERAL (
                  SELECT true AS found, (e.detail ->> 'from_level')::integer AS level_id,
                         (e.detail ->> 'from_target')::@extschema@.business_interval AS target,
                         (e.detail ->> 'from_version')::integer AS version
                    FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.clock_id = c.id
                     AND e.kind = 'retargeted' AND e.at > $1
                   ORDER BY e.id LIMIT 1) a ON true
              -- the holder: the first change of it after the instant while the clock ran
              LEFT JOIN LATERAL (
                  SELECT e.detail ->> 'from_department' AS department, e.detail ->> 'from_agent' AS agent,
                         CASE WHEN e.detail ? 'from_requester' THEN e.detail ->> 'from_requester' ELSE c.requester END AS requester
                    FROM @extschema@.%2$I e
                   WHERE e.attachment_id = c.attachment_id AND e.ticket_key = c.ticket_key AND e.kind = 'reassigned'
                     AND e.at > $1 AND e.at <= coalesce(c.stopped_at, 'infinity')
                   ORDER BY e.id LIMIT 1) h ON true
             WHERE c.started_at <= $1$q$, 'clock_' || kt, 'event_' || kt)
            USING as_of;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.clock_as_of(timestamptz) IS
    'every SLA clock as it stood at an instant, read back from its events: clocks started later are absent, clocks decided later are running or paused, due date, level, target, policy version and holder as they were then';

-- The SLA log as of an instant, from sla.clock_as_of: sla_log_at's columns and rules, each clock
-- as it stood then (sla.sla_log_at reads the clocks as they are now).  The level's name is the
-- one in force at the instant (sla.policy_rows_at), so a later rename does not relabel it.
CREATE FUNCTION @extschema@.sla_log_as_of(as_of timestamptz, only_department text DEFAULT NULL,
        from_time timestamptz DEFAULT '-infinity', to_time timestamptz DEFAULT 'infinity')
    RETURNS TABLE (requester text, ticket_table regclass, ticket text, department text, agent text,
                   level text, metric @extschema@.metric, cycle integer, started_at timestamptz,
                   due_at timestamptz, warn_at timestamptz, closed_at timestamptz, state text,
                   used @extschema@.business_interval, remaining @extschema@.business_interval,
                   overdue @extschema@.business_interval, policy_version integer)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'sla_log_as_of needs an instant' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- sla_log_at's past instants come here too: the message names the SLA log, not clock_as_of
    IF NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'the SLA log as of an instant needs a finite instant, not %', as_of
              USING ERRCODE = 'invalid_parameter_value',
                    HINT = 'sla.sla_log_at() and sla.sla_log_as_of() read the clocks as they stood at an instant; for every clock ever started, give now() or a later instant.';
    END IF;
    RETURN QUERY
        WITH named AS (SELECT l.id, l.name FROM @extschema@.policy_rows_at(NULL::@extschema@.level, as_of) l)
        SELECT c.requester, a.ticket_table, c.ticket_key, c.department, c.agent,
               coalesce(n.name, lv.name),
               c.metric, c.cycle, c.started_at, c.due_at, c.warn_at,
               c.stopped_at, c.state,
               CASE WHEN c.business_used IS NOT NULL THEN c.business_used
                    ELSE @extschema@.business_between(c.started_at, greatest(coalesce(c.paused_since, as_of), c.started_at),
                                                      c.calendar_id) OPERATOR(@extschema@.-) c.paused_for END,
               CASE WHEN c.state = ANY (ARRAY['running', 'paused']) AND c.due_at >= as_of
                    THEN @extschema@.business_between(greatest(as_of, c.started_at), c.due_at, c.calendar_id) END,
               CASE WHEN c.state = ANY (ARRAY['running', 'paused']) AND c.due_at < as_of
                    THEN @extschema@.business_between(c.due_at, coalesce(c.paused_since, as_of), c.calendar_id)
                    WHEN c.state = 'breached'
                    THEN @extschema@.business_between(c.due_at, c.stopped_at, c.calendar_id) END,
               c.policy_version
          FROM @extschema@.clock_as_of(as_of) c
          JOIN @extschema@.attachment a ON a.id = c.attachment_id
          LEFT JOIN named n ON n.id = c.level_id
          LEFT JOIN @extschema@.level lv ON lv.id = c.level_id
         WHERE (only_department IS NULL OR c.department = only_department)
           AND c.started_at < to_time
           AND coalesce(c.stopped_at, 'infinity'::timestamptz) >= from_time;
END
$$;
COMMENT ON FUNCTION @extschema@.sla_log_as_of(timestamptz, text, timestamptz, timestamptz) IS
    'the SLA log as it stood at an instant (sla.clock_as_of): clocks not yet started absent, later decisions, re-targets and holder changes undone, level names as then; plus each clock''s policy version then';
REVOKE EXECUTE ON FUNCTION
    @extschema@.clock_as_of(timestamptz),
    @extschema@.sla_log_as_of(timestamptz, text, timestamptz, timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.clock_as_of(timestamptz),
    @extschema@.sla_log_as_of(timestamptz, text, timestamptz, timestamptz)
    TO sla_reader, sla_admin;
-- ============================================================================================
-- end of issue 12: reports as of a past instant

-- ============================================================================================
-- issue 12: escalations and status maps versioned like the rest of the configuration.  Their
-- rows at the update belong to version 1, with the rest of the configuration when sla was
-- updated to 0.2.0.
-- ============================================================================================
CREATE OR REPLACE FUNCTION @extschema@.policy_table_key(table_name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN $1 OPERATOR(pg_catalog.=) 'calendar' THEN ARRAY['id']
        WHEN $1 OPERATOR(pg_catalog.=) 'calendar_hours' THEN ARRAY['calendar_id', 'weekday', 'opens']
        WHEN $1 OPERATOR(pg_catalog.=) 'calendar_holiday' THEN ARRAY['calendar_id', 'day']
        WHEN $1 OPERATOR(pg_catalog.=) 'calendar_special_day' THEN ARRAY['calendar_id', 'day']
        WHEN $1 OPERATOR(pg_catalog.=) 'calendar_special_hours' THEN ARRAY['calendar_id', 'day', 'opens']
        WHEN $1 OPERATOR(pg_catalog.=) 'level' THEN ARRAY['id']
        WHEN $1 OPERATOR(pg_catalog.=) 'level_target' THEN ARRAY['level_id', 'metric']
        WHEN $1 OPERATOR(pg_catalog.=) 'attribute' THEN ARRAY['name']
        WHEN $1 OPERATOR(pg_catalog.=) 'rule' THEN ARRAY['id']
        WHEN $1 OPERATOR(pg_catalog.=) 'rule_condition' THEN ARRAY['rule_id', 'group_no', 'position']
        -- created later (60_attachment.sql, 85_escalation.sql), their triggers at the end of 85
        WHEN $1 OPERATOR(pg_catalog.=) 'escalation' THEN ARRAY['id']
        WHEN $1 OPERATOR(pg_catalog.=) 'status_map' THEN ARRAY['attachment_id', 'status']
    END
$$;
-- Escalations and status maps are versioned like the rest of the configuration (issue 12,
-- 55_policy_history.sql): the same four statement triggers, created here, once both tables exist.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['escalation', 'status_map'] LOOP
        EXECUTE pg_catalog.format('CREATE TRIGGER policy_history_insert AFTER INSERT ON @extschema@.%I '
                                  'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
                                  'EXECUTE FUNCTION @extschema@.policy_history_record()', t);
        EXECUTE pg_catalog.format('CREATE TRIGGER policy_history_update AFTER UPDATE ON @extschema@.%I '
                                  'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT '
                                  'EXECUTE FUNCTION @extschema@.policy_history_record()', t);
        EXECUTE pg_catalog.format('CREATE TRIGGER policy_history_delete AFTER DELETE ON @extschema@.%I '
                                  'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT '
                                  'EXECUTE FUNCTION @extschema@.policy_history_record()', t);
        EXECUTE pg_catalog.format('CREATE TRIGGER policy_history_truncate AFTER TRUNCATE ON @extschema@.%I '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.policy_history_record()', t);
    END LOOP;
END
$$;
INSERT INTO @extschema@.policy_history (table_name, key, valid_from, data)
    SELECT 'escalation', pg_catalog.jsonb_build_object('id', x.d OPERATOR(pg_catalog.->) 'id'), 1, x.d
      FROM (SELECT pg_catalog.to_jsonb(r) AS d FROM @extschema@.escalation r) x;
INSERT INTO @extschema@.policy_history (table_name, key, valid_from, data)
    SELECT 'status_map', pg_catalog.jsonb_build_object('attachment_id', x.d OPERATOR(pg_catalog.->) 'attachment_id',
                                                       'status', x.d OPERATOR(pg_catalog.->) 'status'), 1, x.d
      FROM (SELECT pg_catalog.to_jsonb(r) AS d FROM @extschema@.status_map r) x;
-- ============================================================================================
-- end of issue 12: escalations and status maps versioned

-- ------------------------------------------------------------------ issue 12: sla_log_at as of a past instant
-- The SLA log as of an instant.  At the present or later it reads the clocks as they are; for a
-- past instant it is the log as it stood then (sla.sla_log_as_of above: what was known then, not
-- today's states).  No SET search_path (every name and operator in it is qualified): the planner
-- inlines it into the caller's query, so its conditions reach sla.clock and its indexes, and the
-- present's log is computed in parallel; the branch the instant does not choose is cut at
-- execution start by its one-time condition.
CREATE OR REPLACE FUNCTION @extschema@.sla_log_at(as_of timestamptz DEFAULT pg_catalog.now(),
        only_department text DEFAULT NULL, from_time timestamptz DEFAULT '-infinity',
        to_time timestamptz DEFAULT 'infinity')
    RETURNS TABLE (requester text, ticket_table regclass, ticket text, department text, agent text,
                   level text, metric @extschema@.metric, cycle integer, started_at timestamptz,
                   due_at timestamptz, warn_at timestamptz, closed_at timestamptz, state text,
                   used @extschema@.business_interval, remaining @extschema@.business_interval,
                   overdue @extschema@.business_interval)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.requester, a.ticket_table, c.ticket_key, c.department, c.agent, l.name, c.metric, c.cycle,
           c.started_at, c.due_at, c.warn_at, c.stopped_at, c.state,
           @extschema@.clock_used(c, as_of),
           CASE WHEN c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])
                     AND c.due_at OPERATOR(pg_catalog.>=) as_of
                THEN @extschema@.business_between(GREATEST(as_of, c.started_at), c.due_at, c.calendar_id) END,
           CASE WHEN c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])
                     AND c.due_at OPERATOR(pg_catalog.<) as_of
                THEN @extschema@.business_between(c.due_at, COALESCE(c.paused_since, as_of), c.calendar_id)
                WHEN c.state OPERATOR(pg_catalog.=) 'breached'
                THEN @extschema@.business_between(c.due_at, c.stopped_at, c.calendar_id) END
      FROM @extschema@.clock c
      JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) c.attachment_id
      JOIN @extschema@.level l ON l.id OPERATOR(pg_catalog.=) c.level_id
     WHERE as_of OPERATOR(pg_catalog.>=) pg_catalog.now()
       AND (only_department IS NULL OR c.department OPERATOR(pg_catalog.=) only_department)
       AND c.started_at OPERATOR(pg_catalog.<) to_time
       AND COALESCE(c.stopped_at, 'infinity'::timestamptz) OPERATOR(pg_catalog.>=) from_time
    UNION ALL
    SELECT p.requester, p.ticket_table, p.ticket, p.department, p.agent, p.level, p.metric, p.cycle,
           p.started_at, p.due_at, p.warn_at, p.closed_at, p.state, p.used, p.remaining, p.overdue
      FROM @extschema@.sla_log_as_of(as_of, only_department, from_time, to_time) p
     WHERE as_of OPERATOR(pg_catalog.<) pg_catalog.now()
$$;
COMMENT ON FUNCTION @extschema@.sla_log_at(timestamptz, text, timestamptz, timestamptz) IS
    'the SLA log as of an instant (as it stood then, for a past one), optionally for one department and the clocks active in [from_time, to_time): remaining business time for clocks not yet due, overdue business time for late ones';

-- ============================================================================================
-- issue 14, continued: the SLA log and what the workers record, from the coordinator
-- (src/sql/60_attachment.sql, 80_breach.sql, 96_citus.sql; docs/scaling.md)
-- --------------------------------------------------------------------------------------------
-- The SLA log for a Citus coordinator: sla_log_at (90_reports_as_of.sql) is an SQL function so that
-- PostgreSQL's planner inlines it into the caller's query (on one node its conditions reach the
-- indexes, and the log is computed in parallel: about 2.5x faster than a PL/pgSQL function on
-- this machine's two cores).  Citus's planner sees the query before the inlining, no distributed
-- table in it, and refuses it after ("parameterized queries for SQL functions referencing
-- distributed tables are not supported").  A query run by PL/pgSQL reaches Citus's planner
-- whole, with its parameters' values: sla.distribute makes sla_log_at call this one instead.
CREATE FUNCTION @extschema@.sla_log_at_citus(as_of timestamptz DEFAULT pg_catalog.now(),
        only_department text DEFAULT NULL, from_time timestamptz DEFAULT '-infinity',
        to_time timestamptz DEFAULT 'infinity')
    RETURNS TABLE (requester text, ticket_table regclass, ticket text, department text, agent text,
                   level text, metric @extschema@.metric, cycle integer, started_at timestamptz,
                   due_at timestamptz, warn_at timestamptz, closed_at timestamptz, state text,
                   used @extschema@.business_interval, remaining @extschema@.business_interval,
                   overdue @extschema@.business_interval)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    -- a past instant: the log as it stood then, as sla_log_at gives it (90_reports_as_of.sql)
    IF as_of < pg_catalog.now() THEN
        RETURN QUERY SELECT p.requester, p.ticket_table, p.ticket, p.department, p.agent, p.level, p.metric,
                            p.cycle, p.started_at, p.due_at, p.warn_at, p.closed_at, p.state, p.used,
                            p.remaining, p.overdue
                       FROM @extschema@.sla_log_as_of(as_of, only_department, from_time, to_time) p;
        RETURN;
    END IF;
    -- sla_log_at's query with its arguments as parameters, planned for them on every call (the
    -- department condition only when one is given)
    RETURN QUERY EXECUTE pg_catalog.format($q$
    SELECT c.requester, a.ticket_table, c.ticket_key, c.department, c.agent, l.name, c.metric, c.cycle,
           c.started_at, c.due_at, c.warn_at, c.stopped_at, c.state,
           @extschema@.clock_used(c, $1),
           CASE WHEN c.state = ANY (ARRAY['running', 'paused']) AND c.due_at >= $1
                THEN @extschema@.business_between(GREATEST($1, c.started_at), c.due_at, c.calendar_id) END,
           CASE WHEN c.state = ANY (ARRAY['running', 'paused']) AND c.due_at < $1
                THEN @extschema@.business_between(c.due_at, COALESCE(c.paused_since, $1), c.calendar_id)
                WHEN c.state = 'breached'
                THEN @extschema@.business_between(c.due_at, c.stopped_at, c.calendar_id) END
      FROM @extschema@.clock c
      JOIN @extschema@.attachment a ON a.id = c.attachment_id
      JOIN @extschema@.level l ON l.id = c.level_id
     WHERE c.started_at < $4
       AND COALESCE(c.stopped_at, 'infinity'::timestamptz) >= $3 %s$q$,
        CASE WHEN only_department IS NOT NULL THEN 'AND c.department = $2' ELSE '' END)
    USING as_of, only_department, from_time, to_time;
END
$f$;
COMMENT ON FUNCTION @extschema@.sla_log_at_citus(timestamptz, text, timestamptz, timestamptz) IS
    'sla_log_at run by PL/pgSQL, which Citus can plan: on a Citus coordinator sla.distribute makes sla_log_at call it';

-- distribute: step 6, sla_log_at on the coordinator calls sla_log_at_citus
CREATE OR REPLACE FUNCTION @extschema@.distribute(ticket_table regclass, shard_count integer DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a record;
    tbl regclass;
    kind text;
    done text[] := '{}';
    prev text;
BEGIN
    IF NOT @extschema@.citus_installed() THEN
        RAISE EXCEPTION 'sla.distribute needs the citus extension in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'CREATE EXTENSION citus on every node, register the workers, then call sla.distribute on the coordinator.';
    END IF;
    SELECT t.id, t.ticket_table, t.mapping OPERATOR(pg_catalog.->>) 'key' AS key_column, t.message_table,
           t.message_mapping OPERATOR(pg_catalog.->>) 'ticket' AS ticket_column, t.key_type
      INTO a FROM @extschema@.attachment t WHERE t.ticket_table OPERATOR(pg_catalog.=) distribute.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'sla is not attached to %', ticket_table
            USING ERRCODE = 'undefined_object', HINT = 'Attach it first: sla.attach().';
    END IF;
    -- only while distributing: Citus refuses tables with triggers otherwise
    SET LOCAL citus.enable_unsafe_triggers = on;
    IF shard_count IS NOT NULL THEN
        EXECUTE pg_catalog.format('SET LOCAL citus.shard_count = %s', shard_count);
    END IF;

    -- 1. configuration: reference tables
    FOR tbl IN SELECT * FROM @extschema@.citus_reference_tables() LOOP
        IF @extschema@.citus_distribute_table(tbl, 'reference') THEN
            done := done OPERATOR(pg_catalog.||) tbl::text;
        END IF;
    END LOOP;

    -- 2. the helpdesk's tables: tickets by their key, messages by their ticket, co-located
    IF @extschema@.citus_distribute_table(a.ticket_table, 'distributed', a.key_column) THEN
        done := done OPERATOR(pg_catalog.||) a.ticket_table::text;
    END IF;
    IF a.message_table IS NOT NULL
       AND @extschema@.citus_distribute_table(a.message_table, 'distributed', a.ticket_column, a.ticket_table) THEN
        done := done OPERATOR(pg_catalog.||) a.message_table::text;
    END IF;

    -- 3. the tracking tables of the attachment's key type, co-located with the tickets
    FOREACH kind IN ARRAY ARRAY['ticket', 'clock', 'event', 'fact'] LOOP
        tbl := @extschema@.tracking_table(kind, a.key_type)::regclass;
        IF @extschema@.citus_distribute_table(tbl, 'distributed', 'ticket_key', a.ticket_table) THEN
            done := done OPERATOR(pg_catalog.||) tbl::text;
        ELSIF NOT EXISTS (SELECT FROM pg_dist_partition p, pg_dist_partition h
                           WHERE p.logicalrelid OPERATOR(pg_catalog.=) tbl
                             AND h.logicalrelid OPERATOR(pg_catalog.=) a.ticket_table
                             AND p.colocationid OPERATOR(pg_catalog.=) h.colocationid) THEN
            RAISE EXCEPTION '% is distributed but not co-located with %', tbl, a.ticket_table
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'The tracking tables of one key type serve every attachment of that key type: its ticket tables must be co-located with each other.';
        END IF;
    END LOOP;

    -- the event ids, drawn where the ticket's shard is (Citus creates the trigger on every shard:
    -- citus.enable_unsafe_triggers is on)
    tbl := @extschema@.tracking_table('event', a.key_type)::regclass;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid OPERATOR(pg_catalog.=) tbl
                      AND t.tgname OPERATOR(pg_catalog.=) 'event_id_here') THEN
        EXECUTE pg_catalog.format('CREATE TRIGGER event_id_here BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.event_id_here()', tbl);
    END IF;

    -- 4. the attachments' table references, written again by name: create_reference_table
    -- copied the coordinator's OIDs, which name nothing (or another table) on the workers; an
    -- UPDATE with the name as a constant is resolved by each node
    FOR a IN SELECT t.id, t.ticket_table::text AS tt, t.message_table::text AS mt FROM @extschema@.attachment t LOOP
        EXECUTE pg_catalog.format('UPDATE @extschema@.attachment SET ticket_table = %L::pg_catalog.regclass, message_table = %L::pg_catalog.regclass WHERE id = %s',
                                  a.tt, a.mt, a.id);
    END LOOP;
    -- 5. clock and event ids: each node draws them from its own sequences; a worker's start at
    -- its group id << 48 (as Citus does for the sequences of distributed tables), so that no two
    -- nodes hand out the same id.  Called again after adding a node, it gives that node its range.
    PERFORM run_command_on_workers(pg_catalog.format(
        'SELECT pg_catalog.setval(%L, greatest(s.last_value, (SELECT groupid FROM pg_catalog.pg_dist_local_group)::bigint << 48)) FROM %s s',
        q.seq, q.seq))
       FROM unnest(ARRAY['@extschema@.clock_id_seq', '@extschema@.event_id_seq']) q(seq);
    -- 6. the SLA log: sla_log_at calls its PL/pgSQL form (sla_log_at_citus), which Citus plans;
    -- the SQL function, inlined, it refused.  Reports run on the coordinator: only its copy.
    -- (ALTER EXTENSION sla UPDATE or a restore of the extension puts back the SQL function:
    -- sla.distribute again, which changes nothing else then.)
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_proc p
                    WHERE p.oid OPERATOR(pg_catalog.=) '@extschema@.sla_log_at(timestamptz, text, timestamptz, timestamptz)'::regprocedure
                      AND p.prosrc OPERATOR(pg_catalog.~) 'sla_log_at_citus') THEN
        -- same arguments, defaults and columns; not inlined (SET search_path).  Citus sends
        -- no statement on an extension's function to the workers, but first checks that it
        -- could, which it refuses after this transaction distributed tables in parallel
        -- ("cannot run function command because there was a parallel operation on a
        -- distributed table"): object propagation is off for this statement only
        prev := pg_catalog.current_setting('citus.enable_metadata_sync');
        PERFORM pg_catalog.set_config('citus.enable_metadata_sync', 'off', true);
        EXECUTE $d$CREATE OR REPLACE FUNCTION @extschema@.sla_log_at(as_of timestamptz DEFAULT pg_catalog.now(),
                only_department text DEFAULT NULL, from_time timestamptz DEFAULT '-infinity',
                to_time timestamptz DEFAULT 'infinity')
            RETURNS TABLE (requester text, ticket_table regclass, ticket text, department text, agent text,
                           level text, metric @extschema@.metric, cycle integer, started_at timestamptz,
                           due_at timestamptz, warn_at timestamptz, closed_at timestamptz, state text,
                           used @extschema@.business_interval, remaining @extschema@.business_interval,
                           overdue @extschema@.business_interval)
            LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $b$
            SELECT * FROM @extschema@.sla_log_at_citus(as_of, only_department, from_time, to_time)
        $b$ $d$;
        PERFORM pg_catalog.set_config('citus.enable_metadata_sync', prev, true);
    END IF;
    -- 7. the policy history: each node numbers the versions of the edits its copy of the
    -- configuration receives (55_policy_history.sql), all in the coordinator's order; the
    -- workers start from the coordinator's history, so that their numbers are its numbers
    -- (a clock started on a worker records the same version as on one node)
    PERFORM @extschema@.citus_worker_rows(pg_catalog.format(
        'INSERT INTO @extschema@.policy_version SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::@extschema@.policy_version, %L) '
        'ON CONFLICT DO NOTHING RETURNING version',
        (SELECT pg_catalog.jsonb_agg(p) FROM @extschema@.policy_version p)));
    PERFORM @extschema@.citus_worker_rows(pg_catalog.format(
        'INSERT INTO @extschema@.policy_history SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::@extschema@.policy_history, %L) '
        'ON CONFLICT DO NOTHING RETURNING valid_from',
        (SELECT pg_catalog.jsonb_agg(h) FROM @extschema@.policy_history h)));
    RETURN pg_catalog.array_to_string(done, ', ');
END
$$;

-- ------------------------------------------------------------------ what the workers record
-- A shard trigger may write its own node's local tables and the shards co-located with its row,
-- nothing else, and cannot NOTIFY (the worker's part of the transaction ends with PREPARE
-- TRANSACTION).  So the tables a trigger writes that are not keyed by ticket stay each node's
-- own: sla.mapping_problem (problems met there) and sla.policy_retarget_pending (tickets an edit
-- could not lock there).  The coordinator reads them, and acts on them, through Citus's
-- run_command_on_workers: sla.mapping_problems() and sla.health gather every node's problems,
-- sla.check_breaches() re-targets the workers' pending tickets on the workers and announces
-- what they recorded without a NOTIFY (docs/scaling.md, "What the workers record").

-- A mapping problem met on a worker is announced by the coordinator's next breach check: a
-- row written on a worker starts unannounced (the writer's NOTIFY was not sent there).
ALTER TABLE @extschema@.mapping_problem ADD COLUMN announced boolean NOT NULL
    DEFAULT (NOT @extschema@.citus_worker());
COMMENT ON COLUMN @extschema@.mapping_problem.announced IS
    'whether NOTIFY sla_events announced the problem: false for one met on a Citus worker until the coordinator''s breach check announces it';

-- The rows a query gives on every Citus worker (not the coordinator), as jsonb, one per row; none
-- without Citus or on a worker.  The query may be an UPDATE or DELETE ... RETURNING (it becomes
-- a CTE on the worker) and runs there in a transaction of its own, as the current user (with its
-- row-level security).  A worker that cannot be reached is an error: the coordinator's answer
-- is never a part of the cluster's passed off as the whole.
CREATE FUNCTION @extschema@.citus_worker_rows(query text) RETURNS SETOF jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    IF NOT @extschema@.citus_installed() OR @extschema@.citus_worker() THEN
        RETURN;
    END IF;
    -- EXECUTE: run_command_on_workers exists only where Citus is installed
    FOR r IN EXECUTE 'SELECT w.nodename, w.nodeport, w.success, w.result FROM pg_catalog.run_command_on_workers($1) w'
               USING pg_catalog.format('WITH x AS (%s) SELECT coalesce(pg_catalog.json_agg(x), ''[]'') FROM x', query)
    LOOP
        IF NOT r.success THEN
            RAISE EXCEPTION 'could not read the Citus worker %:%: %', r.nodename, r.nodeport, r.result
                USING ERRCODE = 'connection_failure';
        END IF;
        RETURN QUERY SELECT j FROM pg_catalog.jsonb_array_elements(r.result::jsonb) j;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.citus_worker_rows(text) IS
    'on a Citus coordinator: the rows a query gives on every worker, as jsonb (run_command_on_workers); none without Citus';

-- Every node's mapping problems as one table: on one node (or a worker) its own rows; on a Citus
-- coordinator its own and the workers', one row per attachment, field and value (occurrences
-- added up, the first and last ticket of the earliest and latest sighting).
CREATE FUNCTION @extschema@.mapping_problems() RETURNS SETOF @extschema@.mapping_problem
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT @extschema@.citus_installed() OR @extschema@.citus_worker() THEN
        RETURN QUERY SELECT * FROM @extschema@.mapping_problem;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT p.attachment_id, p.field, p.value,
           (pg_catalog.array_agg(p.first_ticket_key ORDER BY p.first_seen, p.node))[1],
           (pg_catalog.array_agg(p.last_ticket_key ORDER BY p.last_seen DESC, p.node DESC))[1],
           pg_catalog.min(p.first_seen), pg_catalog.max(p.last_seen), pg_catalog.sum(p.count)::bigint,
           pg_catalog.bool_and(p.announced)
      FROM (SELECT m.*, 0 AS node FROM @extschema@.mapping_problem m
            UNION ALL
            SELECT r.*, 1 FROM @extschema@.citus_worker_rows('SELECT * FROM @extschema@.mapping_problem') w,
                               pg_catalog.jsonb_populate_record(NULL::@extschema@.mapping_problem, w) r) p
     GROUP BY p.attachment_id, p.field, p.value;
END
$$;
COMMENT ON FUNCTION @extschema@.mapping_problems() IS
    'the mapping problems of every node: this node''s sla.mapping_problem, and on a Citus coordinator the workers'' too, one row per attachment, field and value';

-- sla.health (60_attachment.sql, 85_escalation.sql) reads every node's mapping problems.
CREATE OR REPLACE VIEW @extschema@.health WITH (security_invoker = true) AS
SELECT p.attachment_id, a.ticket_table, 'mapping_problem'::text AS item, p.field, p.value,
       p.count AS occurrences, p.first_seen, p.last_seen, p.first_ticket_key, p.last_ticket_key,
       CASE p.field
           WHEN 'status' THEN CASE WHEN p.value IS NULL THEN 'the status column was NULL: give the tickets a status'
                                   ELSE pg_catalog.format('SELECT sla.map_status(%L, %L, ''open'');  -- or paused, solved, closed, deleted',
                                                a.ticket_table::text, p.value) END
           WHEN 'author_kind' THEN 'list the value in customer_values, agent_values or system_values: sla.attach(..., replace => true)'
           ELSE 'make the author function return customer, agent or system'
       END AS remedy
  FROM @extschema@.mapping_problems() p
  JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) p.attachment_id
UNION ALL
SELECT f.attachment_id, a.ticket_table, 'escalation_failed'::text, pg_catalog.format('escalation %s', f.escalation),
       (pg_catalog.array_agg(f.error ORDER BY f.id DESC))[1], pg_catalog.count(*), pg_catalog.min(f.at), pg_catalog.max(f.at),
       (pg_catalog.array_agg(f.ticket_key ORDER BY f.id))[1], (pg_catalog.array_agg(f.ticket_key ORDER BY f.id DESC))[1],
       pg_catalog.format('fix the cause, then as a member of sla_writer: SELECT sla.run_escalations(%s, %L, now()%s);  -- for each failed clock (sla.event, kind escalation_failed)',
                         (pg_catalog.array_agg(f.clock_id ORDER BY f.id DESC))[1], (pg_catalog.array_agg(f.on_event ORDER BY f.id DESC))[1],
                         coalesce(', ' OPERATOR(pg_catalog.||) (pg_catalog.array_agg(f.at_percent ORDER BY f.id DESC))[1], ''))
  FROM (SELECT e.id, e.attachment_id, e.ticket_key, e.clock_id, e.at, e.detail OPERATOR(pg_catalog.->>) 'escalation' AS escalation,
               e.detail OPERATOR(pg_catalog.->>) 'on_event' AS on_event, e.detail OPERATOR(pg_catalog.->>) 'at_percent' AS at_percent,
               (e.detail OPERATOR(pg_catalog.->>) 'sqlstate') OPERATOR(pg_catalog.||) ': '
                   OPERATOR(pg_catalog.||) (e.detail OPERATOR(pg_catalog.->>) 'error') AS error
          FROM @extschema@.event e
         WHERE e.kind OPERATOR(pg_catalog.=) ANY (ARRAY['escalated', 'escalation_failed'])
           AND e.kind OPERATOR(pg_catalog.=) 'escalation_failed'
           AND NOT EXISTS (SELECT FROM @extschema@.event l
                            WHERE l.clock_id OPERATOR(pg_catalog.=) e.clock_id
                              AND l.kind OPERATOR(pg_catalog.=) ANY (ARRAY['escalated', 'escalation_failed'])
                              AND l.id OPERATOR(pg_catalog.>) e.id
                              AND (l.detail OPERATOR(pg_catalog.->>) 'escalation') OPERATOR(pg_catalog.=) (e.detail OPERATOR(pg_catalog.->>) 'escalation'))) f
  JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) f.attachment_id
 GROUP BY f.attachment_id, a.ticket_table, f.escalation;

-- Whether a ticket's tracking rows live in a shard on a Citus worker, where the engine's
-- triggers fire and cannot NOTIFY (Citus's metadata, read on the coordinator); false without
-- Citus, for tables not distributed and for shards on the coordinator.
CREATE FUNCTION @extschema@.citus_on_worker(att_id integer, ticket_key text) RETURNS boolean
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    tbl regclass;
    here boolean;
BEGIN
    IF NOT @extschema@.citus_installed() THEN
        RETURN false;
    END IF;
    SELECT @extschema@.tracking_table('clock', a.key_type)::regclass INTO tbl
      FROM @extschema@.attachment a WHERE a.id = att_id;
    IF tbl IS NULL OR NOT EXISTS (SELECT FROM pg_dist_partition p WHERE p.logicalrelid = tbl) THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_placement pl
                             WHERE pl.shardid = pg_catalog.get_shard_id_for_distribution_column($1, $2)
                               AND pl.groupid <> 0)'
       INTO here USING tbl, ticket_key;
    RETURN here;
END
$$;
COMMENT ON FUNCTION @extschema@.citus_on_worker(integer, text) IS
    'whether a ticket''s tracking rows are in a shard on a Citus worker (where sla''s triggers cannot NOTIFY); false without Citus';

-- The coordinator's breach check, its part for the workers (sla.check_breaches calls it first):
-- the tickets a configuration edit left pending on each worker, re-targeted there (each worker's
-- re-target and the removal of its row commit together, in the worker's own transaction); the
-- mapping problems met there, announced here (marked announced on the worker, then NOTIFY with
-- this transaction).  How many tickets were re-targeted.
CREATE FUNCTION @extschema@.citus_check_workers() RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    IF NOT @extschema@.citus_installed() OR @extschema@.citus_worker() THEN
        RETURN 0;
    END IF;
    SELECT coalesce(pg_catalog.sum((w OPERATOR(pg_catalog.->>) 'done')::integer), 0) INTO n
      FROM @extschema@.citus_worker_rows(
               'SELECT pg_catalog.count(*) FILTER (WHERE @extschema@.retarget_pending(p.attachment_id, p.ticket_key)) AS done
                  FROM @extschema@.policy_retarget_pending p') w;
    -- the payload the writer's NOTIFY would have had (src/mapping_problem.c)
    PERFORM pg_catalog.pg_notify('sla_events', pg_catalog.json_build_object('event', 'mapping_problem',
                'attachment', (w OPERATOR(pg_catalog.->>) 'attachment_id')::integer, 'field', w OPERATOR(pg_catalog.->>) 'field')::text)
       FROM @extschema@.citus_worker_rows(
               'UPDATE @extschema@.mapping_problem SET announced = true WHERE NOT announced RETURNING attachment_id, field') w;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.citus_check_workers() IS
    'on a Citus coordinator, called by sla.check_breaches: re-targets the tickets a configuration edit left pending on the workers (on each worker) and announces the mapping problems met there; how many tickets it re-targeted';

-- clear_mapping_problems clears the workers' problems too
CREATE OR REPLACE FUNCTION @extschema@.clear_mapping_problems(ticket_table regclass, field text DEFAULT NULL,
        value text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
    n integer;
BEGIN
    SELECT a.id INTO att_id FROM @extschema@.attachment a WHERE a.ticket_table = clear_mapping_problems.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    DELETE FROM @extschema@.mapping_problem p
     WHERE p.attachment_id = att_id
       AND (clear_mapping_problems.field IS NULL OR p.field = clear_mapping_problems.field)
       AND (clear_mapping_problems.value IS NULL OR p.value = clear_mapping_problems.value);
    GET DIAGNOSTICS n = ROW_COUNT;
    -- on a Citus coordinator the workers' problems too (each node records those it met;
    -- 96_citus.sql): deleted there in the workers' own transactions
    SELECT n + pg_catalog.count(*) INTO n
      FROM @extschema@.citus_worker_rows(pg_catalog.format(
               'DELETE FROM @extschema@.mapping_problem p WHERE p.attachment_id = %s AND (%L::text IS NULL OR p.field = %L) AND (%L::text IS NULL OR p.value = %L) RETURNING 1',
               att_id, clear_mapping_problems.field, clear_mapping_problems.field,
               clear_mapping_problems.value, clear_mapping_problems.value));
    RETURN n;
END
$$;

-- check_breaches: the workers' part first (citus_check_workers), late breaches of shards on
-- workers announced
CREATE OR REPLACE FUNCTION @extschema@.check_breaches(as_of timestamptz DEFAULT pg_catalog.now(),
                                           max_crossings integer DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    n integer := 0;
    kind text;
    due timestamptz;
    pct numeric;
BEGIN
    IF max_crossings IS NOT NULL AND max_crossings < 1 THEN
        RAISE EXCEPTION 'max_crossings must be positive, not %', max_crossings USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- on a Citus coordinator, what the workers recorded and only a check can act on: the tickets
    -- an edit left pending in their sla.policy_retarget_pending, their unannounced mapping
    -- problems (96_citus.sql); nothing on one node
    n := @extschema@.citus_check_workers();
    -- the pending crossings, earliest first, read through the partial indexes; at most
    -- max_crossings of them (a caller that commits between calls works in bounded batches)
    FOR c IN
        SELECT x.id, x.attachment_id, x.ticket_key, x.metric, x.kind, x.at FROM (
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'warning' AS kind, k.warn_at AS at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.warned_at IS NULL AND k.warn_at < as_of
              ORDER BY k.warn_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'breach', k.due_at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.breach_seen_at IS NULL AND k.due_at < as_of
              ORDER BY k.due_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'step', k.step_at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.step_at IS NOT NULL AND k.step_at < as_of
              ORDER BY k.step_at LIMIT max_crossings)
            UNION ALL
            -- breaches recorded by a late stop, whose escalations wait for a check
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'late_breach', k.stopped_at
               FROM @extschema@.clock k
              WHERE k.breach_escalation_pending
              ORDER BY k.id LIMIT max_crossings)
            UNION ALL
            -- tickets a configuration edit left to re-target: due at once, whatever as_of
            (SELECT NULL::bigint, p.attachment_id, p.ticket_key, NULL::@extschema@.metric, 'policy', p.at
               FROM @extschema@.policy_retarget_pending p
              ORDER BY p.at LIMIT max_crossings)
            UNION ALL
            -- tickets whose rules relative to now may choose another level by now
            (SELECT NULL::bigint, t.attachment_id, t.ticket_key, NULL::@extschema@.metric, 'rules', t.rules_recheck_at
               FROM @extschema@.ticket t
              WHERE t.rules_recheck_at < as_of
              ORDER BY t.rules_recheck_at LIMIT max_crossings)) x
         -- a clock past several crossings of one instant: its warning, its steps, then its breach
         ORDER BY x.at, x.id, x.kind DESC
         LIMIT max_crossings
    LOOP
        kind := c.kind;
        IF kind = 'policy' THEN
            IF @extschema@.retarget_pending(c.attachment_id, c.ticket_key) IS NOT NULL THEN
                n := n + 1;
            END IF;
            CONTINUE;
        END IF;
        IF kind = 'rules' THEN
            -- a level chosen re-targets the ticket's running clocks, so crossings later in this
            -- list are claimed against their new due dates (each claim re-reads its clock)
            IF @extschema@.recheck_rules(c.attachment_id, c.ticket_key, as_of) IS NOT NULL THEN
                n := n + 1;
            END IF;
            CONTINUE;
        END IF;
        IF kind = 'step' THEN
            -- every step of the clock due by now, in order of share, each claimed and recorded once
            LOOP
                pct := @extschema@.claim_step(c.attachment_id, c.ticket_key, c.id, as_of);
                EXIT WHEN pct IS NULL;
                n := n + 1;
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, 'step',
                                              jsonb_build_object('metric', c.metric, 'percent', pct));
                PERFORM pg_notify('sla_events', json_build_object('event', 'step', 'clock', c.id, 'percent', pct)::text);
                PERFORM @extschema@.run_escalations(c.id, 'step', as_of, pct);
            END LOOP;
            CONTINUE;
        END IF;
        -- one clock by its ticket and id, locked or skipped (SKIP LOCKED: concurrent callers
        -- share the work), its flag re-checked after the lock: every crossing is recorded
        -- exactly once.  The claim names no pending condition: "warned_at IS NULL" would match
        -- a pending-crossings partial index, and without table statistics (after a bulk load or
        -- a crash) the planner scanned that whole index for each clock, quadratic in the backlog
        due := @extschema@.claim_crossing(c.attachment_id, c.ticket_key, c.id, kind, as_of);
        CONTINUE WHEN due IS NULL;
        n := n + 1;
        IF kind = 'late_breach' THEN
            -- a stop in a shard on a Citus worker could not NOTIFY: the breach is announced here
            IF @extschema@.citus_on_worker(c.attachment_id, c.ticket_key) THEN
                PERFORM pg_notify('sla_events', json_build_object('event', 'breach', 'clock', c.id)::text);
            END IF;
            -- the stop recorded the breach and sent its NOTIFY; its escalations run here, unless
            -- the stop is history (backfill, a check that did not run for a day): escalating a
            -- ticket long after it was answered helps nobody
            IF c.at < as_of - interval '1 day' THEN
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, 'escalation_skipped',
                            jsonb_build_object('on_event', 'breach', 'metric', c.metric,
                                               'reason', 'stopped more than a day before the check'));
            ELSE
                PERFORM @extschema@.run_escalations(c.id, 'breach', as_of);
            END IF;
            CONTINUE;
        END IF;
        PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, kind,
                                      jsonb_build_object('metric', c.metric, 'due_at', due));
        -- the payload names the clock and nothing else: every session may LISTEN, so what a
        -- listener learns of the ticket it reads from sla.clock, under the host's row security
        PERFORM pg_notify('sla_events', json_build_object('event', kind, 'clock', c.id)::text);
        PERFORM @extschema@.run_escalations(c.id, kind, as_of);
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.check_breaches(timestamptz, integer) IS
    'records every running clock that crossed its warning threshold, an escalation step or its due time since the last call (one event per crossing, clock and due date, exactly once even with concurrent callers), runs the escalations of breaches recorded by late stops, runs again the rules of tickets whose conditions relative to now (older_than, newer_than) changed, re-targets the tickets a configuration edit could not lock, earliest first and at most max_crossings of them, and sends NOTIFY sla_events naming the event and the clock; on a Citus coordinator also re-targets the tickets left pending on the workers and announces what they recorded; returns how many crossings and tickets it handled';

-- the new functions: no EXECUTE for PUBLIC (99_privileges.sql), granted as in 96_citus.sql
REVOKE EXECUTE ON FUNCTION @extschema@.sla_log_at_citus(timestamptz, text, timestamptz, timestamptz),
    @extschema@.citus_worker_rows(text), @extschema@.mapping_problems(),
    @extschema@.citus_on_worker(integer, text), @extschema@.citus_check_workers() FROM PUBLIC;
-- sla.health (read by every role) gathers the workers' problems as the reader; the breach check
-- acts on the workers as its caller; clearing problems clears them on the workers too.
GRANT EXECUTE ON FUNCTION @extschema@.sla_log_at_citus(timestamptz, text, timestamptz, timestamptz)
    TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.mapping_problems(),
    @extschema@.citus_worker_rows(text),
    @extschema@.citus_installed()
    TO sla_reader, sla_writer, sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.citus_check_workers(),
    @extschema@.citus_on_worker(integer, text)
    TO sla_writer;
-- ============================================================================================
-- end of issue 14, continued

-- ------------------------------------------------------------------ issue 12 on Citus: a worker numbers its versions in its own shards

-- The parts of a table this node writes: the table itself, or on a Citus worker, for a
-- distributed table, its shards placed here (a worker's own transaction may write its shards,
-- not run a distributed statement).  For policy_version_number() (55_policy_history.sql).
CREATE FUNCTION @extschema@.citus_local_parts(tbl regclass) RETURNS SETOF text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT @extschema@.citus_installed() OR NOT @extschema@.citus_worker() THEN
        RETURN NEXT tbl::text;
        RETURN;
    END IF;
    -- EXECUTE: Citus's catalogs exist only where Citus is installed
    RETURN QUERY EXECUTE 'SELECT pg_catalog.shard_name($1, s.shardid) FROM pg_catalog.pg_dist_shard s
                            JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid
                           WHERE s.logicalrelid = $1
                             AND p.groupid = (SELECT g.groupid FROM pg_catalog.pg_dist_local_group g)
                          UNION ALL
                          SELECT $1::text WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition d WHERE d.logicalrelid = $1)'
        USING tbl;
END
$$;
COMMENT ON FUNCTION @extschema@.citus_local_parts(regclass) IS
    'the parts of a table this node writes: the table, or on a Citus worker the shards of a distributed table placed there (internal)';
REVOKE ALL ON FUNCTION @extschema@.citus_local_parts(regclass) FROM PUBLIC;


-- ------------------------------------------------------------------ issue 11: the new tickets of one INSERT written at its end

CREATE FUNCTION @extschema@.ticket_statement_end() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_ticket_statement_end' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.ticket_statement_end() IS
    'statement trigger sla.attach() puts on a ticket table for INSERT: writes the tracking rows of the new tickets the statement''s row trigger queued (C)';
REVOKE EXECUTE ON FUNCTION @extschema@.ticket_statement_end() FROM PUBLIC;
-- the attachments made before: their INSERT statements end with it too, as attach makes them
DO $$
DECLARE
    a record;
BEGIN
    FOR a IN SELECT t.ticket_table FROM @extschema@.attachment t
              WHERE t.attached AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger g WHERE g.tgrelid OPERATOR(pg_catalog.=) t.ticket_table
                                                  AND g.tgname OPERATOR(pg_catalog.=) 'sla_ticket_statement_end') LOOP
        EXECUTE pg_catalog.format('CREATE TRIGGER sla_ticket_statement_end AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.ticket_statement_end()',
                                  a.ticket_table);
    END LOOP;
END
$$;

-- ------------------------------------------------------------------ issue 11: the messages of one INSERT applied at its end

CREATE FUNCTION @extschema@.message_statement_end() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_message_statement_end' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.message_statement_end() IS
    'statement trigger sla.attach() puts on a message table for INSERT: applies the messages the statement''s row trigger queued, all their tickets at once (C)';
REVOKE EXECUTE ON FUNCTION @extschema@.message_statement_end() FROM PUBLIC;
-- the attachments made before: their message tables' INSERT statements end with it too
DO $$
DECLARE
    a record;
BEGIN
    FOR a IN SELECT t.message_table FROM @extschema@.attachment t
              WHERE t.attached AND t.message_table IS NOT NULL
                AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger g WHERE g.tgrelid OPERATOR(pg_catalog.=) t.message_table
                                   AND g.tgname OPERATOR(pg_catalog.=) 'sla_message_statement_end') LOOP
        EXECUTE pg_catalog.format('CREATE TRIGGER sla_message_statement_end AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.message_statement_end()',
                                  a.message_table);
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.attach(ticket_table regclass, mapping jsonb,
        message_table regclass DEFAULT NULL, message_mapping jsonb DEFAULT NULL,
        time_zone text DEFAULT 'UTC', strict boolean DEFAULT false, replace boolean DEFAULT false)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ticket_spec constant jsonb := '{
        "key": ["integer", "uuid", "scalar"], "created_at": ["timestamptz", "timestamp", "epoch"],
        "updated_at": ["timestamptz", "timestamp", "epoch"], "status": ["scalar"],
        "priority": ["scalar"], "channel": ["scalar"], "department": ["scalar"], "agent": ["scalar"],
        "requester": ["scalar"], "referrer": ["scalar"], "tags": ["text_array"],
        "custom_fields": ["json"], "deleted": ["boolean", "integer"], "created_by_invitation": ["boolean"]}';
    message_spec constant jsonb := '{
        "ticket": ["integer", "uuid", "scalar"], "created_at": ["timestamptz", "timestamp", "epoch"],
        "author_kind": ["scalar"], "public": ["boolean"], "internal": ["boolean"], "channel": ["scalar"],
        "updated_at": ["timestamptz", "timestamp", "epoch"], "published": ["boolean", "scalar"],
        "published_at": ["timestamptz", "timestamp", "epoch"]}';
    message_options constant text[] := ARRAY['customer_values', 'agent_values', 'system_values',
                                             'author_function', 'public_function', 'chat_values',
                                             'call_values', 'published_values', 'published_function'];
    m jsonb := '{}';
    kinds jsonb := '{}';
    mm jsonb := NULL;
    old_message_table regclass;
    k text;
    v jsonb;
    att_id integer;
    fn regprocedure;
    existing @extschema@.attachment;
    publish_when text;
    tracked_as text;
    has_rows boolean;
BEGIN
    IF ticket_table IS NULL OR mapping IS NULL OR jsonb_typeof(mapping) <> 'object' THEN
        RAISE EXCEPTION 'attach needs a ticket table and a JSON object mapping its columns'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF attach.strict IS NULL OR attach.replace IS NULL THEN
        RAISE EXCEPTION 'attach: strict and replace must be true or false, not NULL'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOR k IN SELECT jsonb_object_keys(mapping) LOOP
        IF NOT ticket_spec ? k THEN
            RAISE EXCEPTION 'unknown ticket mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys: ' || (SELECT string_agg(x, ', ') FROM jsonb_object_keys(ticket_spec) x) || '.';
        END IF;
    END LOOP;
    -- only a helpdesk's own tables: sla's tracking tables would feed the engine its own writes
    -- (every insert recursed until the stack ran out), views and sequences have no rows to track
    FOR k, v IN SELECT 'ticket table', to_jsonb(attach.ticket_table::oid)
                UNION ALL SELECT 'message table', to_jsonb(attach.message_table::oid) WHERE attach.message_table IS NOT NULL LOOP
        IF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = (v #>> '{}')::oid AND c.relkind IN ('r', 'p')) THEN
            RAISE EXCEPTION 'cannot attach %: the % must be a table', (v #>> '{}')::oid::regclass, k
                  USING ERRCODE = 'wrong_object_type';
        END IF;
        IF (SELECT c.relnamespace FROM pg_class c WHERE c.oid = (v #>> '{}')::oid)
           = (SELECT e.extnamespace FROM pg_extension e WHERE e.extname = 'sla') THEN
            RAISE EXCEPTION 'cannot attach %: it belongs to sla itself', (v #>> '{}')::oid::regclass
                  USING ERRCODE = 'wrong_object_type', HINT = 'Attach the helpdesk''s own ticket and message tables.';
        END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['key', 'created_at', 'status'] LOOP
        IF NOT mapping ? k THEN
            RAISE EXCEPTION 'the ticket mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    FOR k, v IN SELECT * FROM jsonb_each(mapping) LOOP
        kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(ticket_table, k, v #>> '{}',
                     ARRAY(SELECT jsonb_array_elements_text(ticket_spec -> k))));
        m := m || jsonb_build_object(k, v #>> '{}');
    END LOOP;
    -- the key's own type, so lookups by key can use the host's index
    m := m || jsonb_build_object('kinds', kinds, 'key_type',
         (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
           WHERE a.attrelid = ticket_table AND a.attname = mapping ->> 'key'));
    -- and the tracking tables that store keys of that type
    tracked_as := @extschema@.key_type_of(ticket_table, mapping ->> 'key');

    IF message_table IS NOT NULL THEN
        IF message_mapping IS NULL OR jsonb_typeof(message_mapping) <> 'object' THEN
            RAISE EXCEPTION 'a message table needs a message mapping' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        mm := '{}';
        kinds := '{}';
        FOR k, v IN SELECT * FROM jsonb_each(message_mapping) LOOP
            IF k LIKE '%\_values' AND k = ANY (message_options) THEN
                -- a value list: strings (or numbers, read as their text), never a lone value
                IF jsonb_typeof(v) <> 'array'
                   OR EXISTS (SELECT FROM jsonb_array_elements(v) x WHERE jsonb_typeof(x) NOT IN ('string', 'number')) THEN
                    RAISE EXCEPTION 'message mapping key "%" must be a JSON array of values, not %', k, v
                          USING ERRCODE = 'invalid_parameter_value',
                                HINT = format('For example "%s": ["customer", "requester"].', k);
                END IF;
                mm := mm || jsonb_build_object(k, (SELECT jsonb_agg(x #>> '{}') FROM jsonb_array_elements(v) x));
            ELSIF k = ANY (message_options) THEN
                IF jsonb_typeof(v) <> 'string' THEN
                    RAISE EXCEPTION 'message mapping key "%" must name a function as a JSON string, not %', k, v
                          USING ERRCODE = 'invalid_parameter_value';
                END IF;
                mm := mm || jsonb_build_object(k, v);
            ELSIF message_spec ? k THEN
                kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(message_table, k, v #>> '{}',
                             ARRAY(SELECT jsonb_array_elements_text(message_spec -> k))));
                mm := mm || jsonb_build_object(k, v #>> '{}');
            ELSE
                RAISE EXCEPTION 'unknown message mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Keys: ticket, created_at, updated_at, author_kind, customer_values, agent_values, system_values, author_function, public, internal, public_function, channel, chat_values, call_values, published, published_values, published_function, published_at.';
            END IF;
        END LOOP;
        FOREACH k IN ARRAY ARRAY['ticket', 'created_at'] LOOP
            IF NOT mm ? k THEN
                RAISE EXCEPTION 'the message mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
        IF NOT (mm ? 'author_kind' OR mm ? 'author_function') THEN
            RAISE EXCEPTION 'the message mapping needs author_kind (a column with value lists) or author_function'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- drafts: published is a boolean column, or any column with the values meaning "sent",
        -- or a function of the row; published_at only dates what one of them publishes
        IF mm ? 'published' AND mm ? 'published_function' THEN
            RAISE EXCEPTION 'the message mapping names both published (column "%") and published_function: one tells drafts from published messages',
                  mm ->> 'published' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mm ? 'published_values' AND NOT mm ? 'published' THEN
            RAISE EXCEPTION 'the message mapping has published_values but no published column'
                  USING ERRCODE = 'invalid_parameter_value',
                        HINT = 'For example "published": "status", "published_values": ["sent"].';
        END IF;
        IF message_mapping -> 'published_values' = '[]' THEN
            RAISE EXCEPTION 'published_values of column "%" is empty: no message would ever count', mm ->> 'published'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mm ? 'published' AND kinds ->> 'published' <> 'boolean' AND NOT mm ? 'published_values' THEN
            RAISE EXCEPTION 'column "%" of relation % has type %, which cannot be mapped as published without published_values',
                  mm ->> 'published', message_table,
                  (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                    WHERE a.attrelid = attach.message_table AND a.attname = mm ->> 'published')
                  USING ERRCODE = 'datatype_mismatch',
                        HINT = 'Map a boolean column, or list the values meaning published: "published_values": ["sent"].';
        END IF;
        IF mm ? 'published_at' AND NOT (mm ? 'published' OR mm ? 'published_function') THEN
            RAISE EXCEPTION 'the message mapping has published_at (column "%") but neither published nor published_function',
                  mm ->> 'published_at' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- a function signature is read with the message table's schema on the search path, so
        -- its argument may be written unqualified (my_author(desk_message)); it is stored
        -- qualified, as the engine reads it under its own fixed search path
        FOREACH k IN ARRAY ARRAY['author_function', 'public_function', 'published_function'] LOOP
            CONTINUE WHEN NOT mm ? k;
            PERFORM set_config('search_path', format('%I, pg_catalog, pg_temp',
                               (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                 WHERE c.oid = attach.message_table)), true);
            fn := (mm ->> k)::regprocedure;
            PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
            PERFORM @extschema@.check_function_registration(fn, format('the %s of %s', k, message_table));
            IF k = 'published_function' AND (SELECT p.prorettype FROM pg_proc p WHERE p.oid = fn) <> 'boolean'::regtype THEN
                RAISE EXCEPTION 'the published_function % of % returns %, not boolean', fn, message_table,
                      format_type((SELECT p.prorettype FROM pg_proc p WHERE p.oid = fn), NULL)
                      USING ERRCODE = 'datatype_mismatch';
            END IF;
            mm := mm || jsonb_build_object(k, fn::text);
        END LOOP;
        mm := mm || jsonb_build_object('kinds', kinds);
    END IF;

    -- a second attach of a live table would silently swap the mapping the helpdesk's writes are
    -- read with (a setup script run twice): only on request.  A detached table is attached again.
    SELECT * INTO existing FROM @extschema@.attachment a WHERE a.ticket_table = attach.ticket_table FOR UPDATE;
    IF FOUND AND existing.attached AND NOT attach.replace THEN
        RAISE EXCEPTION 'table % is already attached (attachment %)', ticket_table, existing.id
              USING ERRCODE = 'duplicate_object',
                    HINT = 'To replace its mapping, call sla.attach(..., replace => true); its clocks, status map and problems stay.';
    END IF;
    -- the tickets tracked so far are stored with keys of the old type: a new key type would
    -- leave them where the engine no longer looks
    IF FOUND AND existing.key_type <> tracked_as THEN
        EXECUTE format('SELECT EXISTS (SELECT FROM %s t WHERE t.attachment_id OPERATOR(pg_catalog.=) $1)',
                       @extschema@.tracking_table('ticket', existing.key_type))
           INTO has_rows USING existing.id;
        IF has_rows THEN
            RAISE EXCEPTION 'cannot attach % again with a % key: its tickets are tracked with % keys', ticket_table,
                  tracked_as, existing.key_type
                  USING ERRCODE = 'object_not_in_prerequisite_state',
                        HINT = 'Keep the key column''s type, or delete the attachment''s tracking rows first (DELETE FROM sla.attachment drops them with it).';
        END IF;
    END IF;
    IF message_table IS NOT NULL THEN
        SELECT * INTO existing FROM @extschema@.attachment a
         WHERE a.message_table = attach.message_table AND a.ticket_table <> attach.ticket_table;
        IF FOUND THEN
            RAISE EXCEPTION 'message table % is already attached to %', message_table, existing.ticket_table
                  USING ERRCODE = 'duplicate_object',
                        HINT = 'A message table serves one ticket table: attach that one again without it first.';
        END IF;
    END IF;
    -- replacing the mapping: a message table no longer named loses its trigger; the triggers of
    -- the ticket table are made again below, so every one of them exists afterwards
    SELECT a.message_table INTO old_message_table FROM @extschema@.attachment a
     WHERE a.ticket_table = attach.ticket_table;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message') THEN
        EXECUTE format('DROP TRIGGER sla_message ON %s', old_message_table);
    END IF;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message_update') THEN
        EXECUTE format('DROP TRIGGER sla_message_update ON %s', old_message_table);
    END IF;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message_statement_end') THEN
        EXECUTE format('DROP TRIGGER sla_message_statement_end ON %s', old_message_table);
    END IF;
    INSERT INTO @extschema@.attachment AS a (ticket_table, mapping, message_table, message_mapping, time_zone, strict, key_type)
         VALUES (attach.ticket_table, m, attach.message_table, mm, attach.time_zone, attach.strict, tracked_as)
    ON CONFLICT ON CONSTRAINT attachment_ticket_table_key DO UPDATE
         SET mapping = EXCLUDED.mapping, message_table = EXCLUDED.message_table,
             message_mapping = EXCLUDED.message_mapping, time_zone = EXCLUDED.time_zone,
             strict = EXCLUDED.strict, attached = true, key_type = EXCLUDED.key_type
    RETURNING a.id INTO att_id;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket') THEN
        EXECUTE format('DROP TRIGGER sla_ticket ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_update') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_update ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_delete') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_delete ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_truncate') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_truncate ON %s', ticket_table);
    END IF;
    EXECUTE format('CREATE TRIGGER sla_ticket_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.ticket_table_truncated(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_inserted(%s)',
                   ticket_table, att_id);
    -- the new tickets of one INSERT are written together when it ends (src/new_ticket_batch.c)
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_statement_end') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_statement_end ON %s', ticket_table);
    END IF;
    EXECUTE format('CREATE TRIGGER sla_ticket_statement_end AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.ticket_statement_end()',
                   ticket_table);
    EXECUTE format('CREATE TRIGGER sla_ticket_update AFTER UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_changed(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket_delete AFTER DELETE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_deleted(%s)',
                   ticket_table, att_id);
    IF message_table IS NOT NULL THEN
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message') THEN
            EXECUTE format('DROP TRIGGER sla_message ON %s', message_table);
        END IF;
        EXECUTE format('CREATE TRIGGER sla_message AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.message_added(%s)',
                       message_table, att_id);
        -- the messages of one INSERT are applied together when it ends (src/message_batch.c)
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message_statement_end') THEN
            EXECUTE format('DROP TRIGGER sla_message_statement_end ON %s', message_table);
        END IF;
        EXECUTE format('CREATE TRIGGER sla_message_statement_end AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.message_statement_end()',
                       message_table);
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message_update') THEN
            EXECUTE format('DROP TRIGGER sla_message_update ON %s', message_table);
        END IF;
        -- the update that publishes a draft counts; the WHEN clause keeps the helpdesk's draft
        -- autosaves out of C: a boolean column exactly (only the update that sets it true), a
        -- value list by any change of the column (C compares the values, numerically on numeric
        -- columns).  A published_function runs as its owner in C, so it gets no WHEN clause: a
        -- WHEN clause would run it as the writer.
        publish_when := CASE
            WHEN mm ? 'published' AND NOT mm ? 'published_values'
                THEN format('WHEN (NEW.%I IS TRUE AND OLD.%I IS NOT TRUE) ', mm ->> 'published', mm ->> 'published')
            WHEN mm ? 'published'
                THEN format('WHEN (OLD.%I::pg_catalog.text IS DISTINCT FROM NEW.%I::pg_catalog.text) ', mm ->> 'published', mm ->> 'published')
            ELSE '' END;
        IF mm ? 'published' OR mm ? 'published_function' THEN
            EXECUTE format('CREATE TRIGGER sla_message_update AFTER UPDATE ON %s FOR EACH ROW %sEXECUTE FUNCTION @extschema@.message_updated(%s)',
                           message_table, publish_when, att_id);
        END IF;
    END IF;
    RETURN att_id;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.detach(ticket_table regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att @extschema@.attachment;
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = detach.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket') THEN
        EXECUTE format('DROP TRIGGER sla_ticket ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_update') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_update ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_delete') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_delete ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_truncate') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_truncate ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_statement_end') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_statement_end ON %s', att.ticket_table);
    END IF;
    IF att.message_table IS NOT NULL
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.message_table AND t.tgname = 'sla_message') THEN
        EXECUTE format('DROP TRIGGER sla_message ON %s', att.message_table);
    END IF;
    IF att.message_table IS NOT NULL
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.message_table AND t.tgname = 'sla_message_update') THEN
        EXECUTE format('DROP TRIGGER sla_message_update ON %s', att.message_table);
    END IF;
    IF att.message_table IS NOT NULL
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.message_table AND t.tgname = 'sla_message_statement_end') THEN
        EXECUTE format('DROP TRIGGER sla_message_statement_end ON %s', att.message_table);
    END IF;
    UPDATE @extschema@.attachment a SET attached = false WHERE a.id = att.id;
END
$$;

-- ------------------------------------------------------------------ issue 11: the late breach's trigger in C

-- In C (src/late_breach.c): one kept plan for the event's INSERT, not a dynamic statement
-- planned for every late stop.  Its argument: the event table of the clock table's key type.
CREATE OR REPLACE FUNCTION @extschema@.clock_late_breach() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_clock_late_breach_trigger' LANGUAGE C;

-- ------------------------------------------------------------------ issue 12, the rest: rules in a what-if, a level rename's event

-- A rename of a level gives its running clocks a retargeted event ("change": "level renamed"):
-- the re-targeting trigger on sla.level reads the old and new names from transition tables.
DROP TRIGGER retarget_clocks ON @extschema@.level;
CREATE TRIGGER retarget_clocks AFTER UPDATE ON @extschema@.level
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();

-- A replay under a stored version runs that version's rules: load_policy_version loads them too.
CREATE OR REPLACE FUNCTION @extschema@.load_policy_version(version integer)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t text;
    cols text;
    sets text;
BEGIN
    IF version IS NULL THEN
        RAISE EXCEPTION 'load_policy_version needs a version' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM @extschema@.policy_version p WHERE p.version = load_policy_version.version) THEN
        RAISE EXCEPTION 'policy version % does not exist', version USING ERRCODE = 'invalid_parameter_value',
              HINT = 'The committed versions are in sla.policy_version.';
    END IF;
    PERFORM @extschema@.mark_what_if();
    -- the children go, the parents step aside (names and the default are unique); the rules go
    -- (a replay runs the version's rules over the values the facts logged)
    DELETE FROM @extschema@.rule_condition;
    DELETE FROM @extschema@.rule;
    DELETE FROM @extschema@.level_target;
    DELETE FROM @extschema@.calendar_special_hours;
    DELETE FROM @extschema@.calendar_special_day;
    DELETE FROM @extschema@.calendar_holiday;
    DELETE FROM @extschema@.calendar_hours;
    UPDATE @extschema@.level l SET name = l.name || ' (live ' || l.id || ')', is_default = false;
    UPDATE @extschema@.calendar c SET name = c.name || ' (live ' || c.id || ')';
    -- the version's rows, parents first
    FOREACH t IN ARRAY ARRAY['calendar', 'calendar_hours', 'calendar_holiday', 'calendar_special_day',
                             'calendar_special_hours', 'level', 'level_target', 'rule', 'rule_condition'] LOOP
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
               string_agg(format('%1$I = EXCLUDED.%1$I', a.attname), ', ' ORDER BY a.attnum)
                   FILTER (WHERE a.attname <> ALL (@extschema@.policy_table_key(t)))
          INTO cols, sets
          FROM pg_attribute a
         WHERE a.attrelid = format('@extschema@.%I', t)::regclass AND a.attnum > 0 AND NOT a.attisdropped
           AND a.attgenerated = '';
        EXECUTE format('INSERT INTO @extschema@.%1$I (%2$s) SELECT %2$s FROM @extschema@.policy_rows(NULL::@extschema@.%1$I, $1) '
                       'ON CONFLICT (%3$s) DO %4$s',
                       t, cols, array_to_string(@extschema@.policy_table_key(t), ', '),
                       CASE WHEN sets IS NULL THEN 'NOTHING' ELSE 'UPDATE SET ' || sets END)
          USING version;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.load_policy_version(integer) IS
    'internal: replaces the calendars, levels and rules by those of a committed policy version in the current subtransaction, under the what-if mark (sla.replay_version, sla.what_if_version roll it back)';

-- Replay as it happened (src/replay.c): each committed policy version in force from the instant
-- it took effect, its edit handed to the running clocks as a policy fact at that instant (the
-- re-targeting trigger's), the versions' configuration loaded in rolled-back subtransactions as
-- replay_version does; the latest is the configuration in this transaction.  So a replay of the
-- recorded history gives the live clocks across edits, decided clocks with the terms they were
-- judged by.  Writes nothing (the loads are rolled back).
CREATE FUNCTION @extschema@.replay_history(ticket_table regclass, ticket_keys text[] DEFAULT NULL,
        from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
    RETURNS SETOF @extschema@.replayed_clock
    AS 'MODULE_PATHNAME', 'sla_replay_history_sql' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.replay_history(regclass, text[], timestamptz, timestamptz) IS
    'sla.replay as it happened: each committed policy version (calendars, levels, targets, rules) in force from the instant it took effect, its edit re-targeting the running clocks then; writes nothing';
REVOKE ALL ON FUNCTION @extschema@.replay_history(regclass, text[], timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.replay_history(regclass, text[], timestamptz, timestamptz) TO sla_admin;

-- Events and facts are read by ticket, never chosen by their detail's value: no statistics on
-- it (60_attachment.sql).
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('ALTER TABLE @extschema@.%I ALTER COLUMN detail SET STATISTICS 0', 'event_' || kt);
        EXECUTE format('ALTER TABLE @extschema@.%I ALTER COLUMN detail SET STATISTICS 0', 'fact_' || kt);
    END LOOP;
END
$$;
