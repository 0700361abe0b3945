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
    ADD COLUMN last_fact_at timestamptz,
    ADD COLUMN department text,
    ADD COLUMN agent text,
    ADD COLUMN requester text;
COMMENT ON COLUMN @extschema@.ticket.last_fact_at IS
    'the instant of the latest fact applied: a later fact dated earlier takes effect at this instant';
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
            FOR msg IN EXECUTE format('SELECT x AS row FROM %s x WHERE x.%I OPERATOR(pg_catalog.=) $1::%s ORDER BY x.%I',
                                      att.message_table, att.message_mapping ->> 'ticket', m ->> 'key_type',
                                      att.message_mapping ->> 'created_at')
                       USING key LOOP
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
