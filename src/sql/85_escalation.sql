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
        CHECK (action OPERATOR(pg_catalog.=) ANY (ARRAY['raise_level', 'set_column', 'notify_only', 'notify', 'call_function'])),
    to_level_id  integer,   -- sla.level (id), NO ACTION (98_config_reference.sql)
    column_name  text,
    column_value text,
    position     integer NOT NULL DEFAULT 0,
    active       boolean NOT NULL DEFAULT true,
    -- the role whose privileges a set_column action is checked against (escalation_check)
    registered_by text NOT NULL DEFAULT CURRENT_USER,
    -- issue 15: a step at this share of the target (NULL: with the on_event crossing itself)
    at_percent   numeric,
    -- a step before the due date is a warning step, one at or after it a breach step
    CONSTRAINT escalation_at_percent CHECK (at_percent IS NULL OR
        (at_percent OPERATOR(pg_catalog.>) 0 AND at_percent OPERATOR(pg_catalog.<=) 10000
         AND (on_event OPERATOR(pg_catalog.=) 'breach') OPERATOR(pg_catalog.=) (at_percent OPERATOR(pg_catalog.>=) 100))),
    -- notify: a channel and, optionally, a JSON object the payload starts from
    channel      text,
    payload      jsonb,
    -- call_function: a DBA-declared function(event jsonb), stored schema-qualified
    function_name text,
    CONSTRAINT escalation_notify CHECK ((action OPERATOR(pg_catalog.=) 'notify') OPERATOR(pg_catalog.=) (channel IS NOT NULL)
        AND (payload IS NULL OR (action OPERATOR(pg_catalog.=) 'notify' AND pg_catalog.jsonb_typeof(payload) OPERATOR(pg_catalog.=) 'object'))),
    CONSTRAINT escalation_function CHECK ((action OPERATOR(pg_catalog.=) 'call_function') OPERATOR(pg_catalog.=) (function_name IS NOT NULL)),
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
    'escalation actions run by sla.check_breaches() when a clock of a level crosses its warning instant, its due time or a step at at_percent of its target: raise_level, set_column, notify, call_function or notify_only, in position order';
COMMENT ON COLUMN @extschema@.escalation.metric IS 'the metric whose clock must cross; NULL: any metric';
COMMENT ON COLUMN @extschema@.escalation.to_level_id IS 'raise_level: the level the ticket gets (its running and paused clocks are re-targeted)';
COMMENT ON COLUMN @extschema@.escalation.column_name IS
    'set_column: a ticket mapping key (priority, status, agent, department, ...: the column it maps to in each attached table), else a column of the attached ticket table itself; checked when the action runs (42703)';
COMMENT ON COLUMN @extschema@.escalation.column_value IS 'set_column: the value, as a literal of the column''s type';

COMMENT ON COLUMN @extschema@.escalation.at_percent IS
    'a step at this share of the target (50: half the business time used; 150: half of it again past the due date), recorded once per clock and due date as a step event; NULL (and 100 on a breach row): with the warning or breach crossing itself';
COMMENT ON COLUMN @extschema@.escalation.registered_by IS
    'the role that wrote the action: a set_column action writes only a column this role may update (docs/security.md)';

-- Who registered an action: the current role by default, or a role whose privileges it has (a
-- restore keeps the original).  Changing what an action does makes the editor its registrant.
CREATE FUNCTION @extschema@.escalation_check() RETURNS trigger
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
CREATE TRIGGER escalation_check BEFORE INSERT OR UPDATE ON @extschema@.escalation
    FOR EACH ROW EXECUTE FUNCTION @extschema@.escalation_check();

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
