-- 85_escalation.sql — escalation actions: what happens to a ticket when one of its clocks
-- crosses its warning instant or its due time.  sla.check_breaches() calls
-- sla.run_escalations() for every crossing it records, in its own transaction: an action that
-- fails is undone alone and recorded as an escalation_failed event (docs/escalation.md).

CREATE SEQUENCE @extschema@.escalation_id_seq AS integer;

CREATE TABLE @extschema@.escalation (
    id           integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.escalation_id_seq'),
    level_id     integer NOT NULL,   -- sla.level (id), ON DELETE CASCADE (98_config_reference.sql)
    metric       @extschema@.metric,
    on_event     text NOT NULL CONSTRAINT escalation_on_event_known
        CHECK (on_event OPERATOR(pg_catalog.=) ANY (ARRAY['warning', 'breach'])),
    action       text NOT NULL CONSTRAINT escalation_action_known
        CHECK (action OPERATOR(pg_catalog.=) ANY (ARRAY['raise_level', 'set_column', 'notify_only'])),
    to_level_id  integer,   -- sla.level (id), NO ACTION (98_config_reference.sql)
    column_name  text,
    column_value text,
    position     integer NOT NULL DEFAULT 0,
    active       boolean NOT NULL DEFAULT true,
    -- the role whose privileges a set_column action is checked against (escalation_check)
    registered_by text NOT NULL DEFAULT CURRENT_USER,
    -- raise_level needs a level to raise to, and only raise_level has one
    CONSTRAINT escalation_to_level CHECK ((action OPERATOR(pg_catalog.=) 'raise_level')
                                         OPERATOR(pg_catalog.=) (to_level_id IS NOT NULL)),
    CONSTRAINT escalation_to_other_level CHECK (to_level_id OPERATOR(pg_catalog.<>) level_id),
    -- set_column needs a column and a value, and only set_column has them
    CONSTRAINT escalation_column CHECK (CASE WHEN action OPERATOR(pg_catalog.=) 'set_column'
                                             THEN column_name IS NOT NULL AND column_value IS NOT NULL
                                                  AND column_name OPERATOR(pg_catalog.<>) ''
                                             ELSE column_name IS NULL AND column_value IS NULL END)
);
ALTER SEQUENCE @extschema@.escalation_id_seq OWNED BY @extschema@.escalation.id;
CREATE INDEX escalation_level ON @extschema@.escalation (level_id, on_event) WHERE active;
COMMENT ON TABLE @extschema@.escalation IS
    'escalation actions run by sla.check_breaches() when a clock of a level crosses its warning instant or its due time: raise_level, set_column or notify_only, in position order';
COMMENT ON COLUMN @extschema@.escalation.metric IS 'the metric whose clock must cross; NULL: any metric';
COMMENT ON COLUMN @extschema@.escalation.to_level_id IS 'raise_level: the level the ticket gets (its running and paused clocks are re-targeted)';
COMMENT ON COLUMN @extschema@.escalation.column_name IS
    'set_column: a ticket mapping key (priority, status, agent, department, ...: the column it maps to in each attached table), else a column of the attached ticket table itself; checked when the action runs (42703)';
COMMENT ON COLUMN @extschema@.escalation.column_value IS 'set_column: the value, as a literal of the column''s type';

COMMENT ON COLUMN @extschema@.escalation.registered_by IS
    'the role that wrote the action: a set_column action writes only a column this role may update (docs/security.md)';

-- Who registered an action: the current role by default, or a role whose privileges it has (a
-- restore keeps the original).  Changing what an action does makes the editor its registrant.
CREATE FUNCTION @extschema@.escalation_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.registered_by = OLD.registered_by
       AND (NEW.action, NEW.column_name, NEW.column_value, NEW.level_id, NEW.metric, NEW.on_event)
           IS DISTINCT FROM (OLD.action, OLD.column_name, OLD.column_value, OLD.level_id, OLD.metric, OLD.on_event) THEN
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
CREATE TRIGGER escalation_check BEFORE INSERT OR UPDATE ON @extschema@.escalation
    FOR EACH ROW EXECUTE FUNCTION @extschema@.escalation_check();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.escalation', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.escalation_id_seq', '');

-- Configuration is cached per backend like calendars and rules, and invalidated the same way.
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.escalation FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();

-- The host column a set_column escalation writes: a mapping key names its mapped column, any
-- other name is a column of the ticket table itself.  Raises 42703 when it does not exist.
CREATE FUNCTION @extschema@.escalation_column(att @extschema@.attachment, esc @extschema@.escalation)
    RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    col text := esc.column_name;
BEGIN
    -- kinds and key_type are sla's own notes in the mapping, not mapped fields
    IF esc.column_name NOT IN ('kinds', 'key_type')
       AND jsonb_typeof(att.mapping -> esc.column_name) = 'string' THEN
        col := att.mapping ->> esc.column_name;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_attribute a
                    WHERE a.attrelid = att.ticket_table AND a.attname = col AND a.attnum > 0
                      AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist (escalation %)', col, att.ticket_table, esc.id
              USING ERRCODE = 'undefined_column',
                    HINT = 'column_name is a ticket mapping key such as priority, or a column of the ticket table.';
    END IF;
    IF col = att.mapping ->> 'key' THEN
        RAISE EXCEPTION 'escalation % cannot change the ticket key column "%" of %', esc.id, col, att.ticket_table
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN col;
END
$$;
COMMENT ON FUNCTION @extschema@.escalation_column(@extschema@.attachment, @extschema@.escalation) IS
    'the ticket-table column a set_column escalation writes (mapping key first, else a column of the table); 42703 when missing';

-- A set_column action's write (src/escalation_action.c): the registrant of the escalation must
-- hold UPDATE on the column (and SELECT on the key); the UPDATE itself runs as the table's
-- owner, never as the role that happens to run the breach check (a superuser's worker would
-- otherwise fire the owner's own triggers as superuser).  Returns the rows updated.
CREATE FUNCTION @extschema@.escalation_set_column(escalation_id integer, att_id integer, ticket_key text)
    RETURNS bigint AS 'MODULE_PATHNAME', 'sla_escalation_set_column' LANGUAGE C STRICT;

-- Run the active escalations of a crossing; returns how many actions ran.
CREATE FUNCTION @extschema@.run_escalations(clock_id bigint, kind text, at timestamptz)
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
