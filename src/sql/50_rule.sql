-- 50_rule.sql — SLA rules: ordered, named, active or not; condition groups (OR of ANDs) over
-- ticket attributes; actions "set level" and "stop processing".  Declared attributes reach
-- values outside the ticket row through a SQL function of the ticket key.

CREATE TABLE @extschema@.attribute (
    name        text PRIMARY KEY
        CONSTRAINT attribute_name_syntax CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$'),
    type        text NOT NULL
        CONSTRAINT attribute_type_known CHECK (type OPERATOR(pg_catalog.=) ANY (ARRAY['text', 'number', 'time', 'boolean', 'text_array'])),
    -- the function's signature, stored qualified (attribute_check): configuration names
    -- functions, never by OID or regprocedure (pg_upgrade refuses those, restores renumber them)
    function    text NOT NULL,
    description text,
    CONSTRAINT attribute_not_builtin CHECK (name OPERATOR(pg_catalog.<>) ALL (ARRAY['status', 'priority',
        'channel', 'department', 'agent', 'requester', 'tags', 'created_at', 'updated_at', 'deleted',
        'referrer', 'created_by_invitation', 'last_message_author', 'last_message_at']))
);
COMMENT ON TABLE @extschema@.attribute IS
    'attributes that live outside the ticket row (agent status, customer group, tags in a join table): a SQL function of the ticket key returning the value';
COMMENT ON COLUMN @extschema@.attribute.type IS 'text, number, time (timestamptz), boolean or text_array';

CREATE SEQUENCE @extschema@.rule_id_seq AS integer;

CREATE TABLE @extschema@.rule (
    id              integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.rule_id_seq'),
    name            text NOT NULL UNIQUE CONSTRAINT rule_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    position        integer NOT NULL CONSTRAINT rule_position_unique UNIQUE DEFERRABLE INITIALLY IMMEDIATE,
    active          boolean NOT NULL DEFAULT true,
    on_update       boolean NOT NULL DEFAULT false,
    set_level_id    integer,   -- sla.level (id), NO ACTION (98_config_reference.sql)
    stop_processing boolean NOT NULL DEFAULT false,
    CONSTRAINT rule_has_action CHECK (set_level_id IS NOT NULL OR stop_processing)
);
ALTER SEQUENCE @extschema@.rule_id_seq OWNED BY @extschema@.rule.id;
COMMENT ON TABLE @extschema@.rule IS
    'SLA rules, run in position order on new tickets (and on updates when on_update): a matching rule sets its level (later matches override) and may stop processing';
COMMENT ON COLUMN @extschema@.rule.on_update IS 'also run when a ticket column the rules read changes (escalation)';

CREATE TABLE @extschema@.rule_condition (
    rule_id   integer NOT NULL,   -- sla.rule (id), ON DELETE CASCADE (98_config_reference.sql)
    group_no  integer NOT NULL DEFAULT 1,
    position  integer NOT NULL,
    attribute text NOT NULL,
    operator  text NOT NULL,
    value     jsonb,
    PRIMARY KEY (rule_id, group_no, position)
);
COMMENT ON TABLE @extschema@.rule_condition IS
    'conditions of a rule: those with the same group_no must all hold; any group holding makes the rule match';
COMMENT ON COLUMN @extschema@.rule_condition.value IS
    'the operand as JSON: a string, number or boolean; an array for in / not_in; null for is_empty / is_not_empty; times as ISO 8601 strings, intervals (older_than, newer_than) as interval literals';

-- Functions named in the configuration (declared attributes here, a message mapping's
-- author_function and public_function in 60_attachment.sql) run as their owner, whoever writes
-- the ticket (src/ticket_attributes.c).  So naming one needs the privileges of its owner: a
-- role can make the engine run only code that runs with rights it holds itself
-- (docs/security.md).  Raises 42501 otherwise; returns the signature, qualified.
CREATE FUNCTION @extschema@.check_function_registration(fn regprocedure, what text) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    owner oid;
BEGIN
    SELECT p.proowner INTO owner FROM pg_proc p WHERE p.oid = fn;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'function % of % does not exist', fn::oid, what USING ERRCODE = 'undefined_function';
    END IF;
    IF NOT pg_has_role(current_user, owner, 'USAGE') THEN
        RAISE EXCEPTION 'role "%" cannot name function % as %: it runs as its owner "%", whose privileges "%" does not have',
              current_user, fn, what, pg_get_userbyid(owner), current_user
              USING ERRCODE = 'insufficient_privilege',
                    HINT = 'Name a function you own, or one owned by a role whose privileges you have.';
    END IF;
    IF NOT has_function_privilege(owner, fn, 'EXECUTE') THEN
        RAISE EXCEPTION 'the owner "%" of function % may not execute it', pg_get_userbyid(owner), fn
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN fn::text;		-- schema-qualified: this function's search path is pg_catalog alone
END
$$;

-- No SET search_path: the signature is read with the writer's search path, as a regprocedure
-- literal in its own statement would be ('my_tier(bigint)'); every name below is qualified.
-- It is stored qualified, as the engine resolves it under its own fixed path.
CREATE FUNCTION @extschema@.attribute_check() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.function := @extschema@.check_function_registration(NEW.function::pg_catalog.regprocedure,
                                                            pg_catalog.format('attribute "%s"', NEW.name));
    RETURN NEW;
END
$$;
CREATE TRIGGER attribute_check BEFORE INSERT OR UPDATE OF function ON @extschema@.attribute
    FOR EACH ROW EXECUTE FUNCTION @extschema@.attribute_check();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.attribute', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rule', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rule_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.rule_condition', '');

-- Validation shares the compiler's code: an attribute, an operator and an operand are checked
-- exactly as they will be evaluated.
CREATE FUNCTION @extschema@.check_condition(attribute text, operator text, value jsonb)
    RETURNS void AS 'MODULE_PATHNAME', 'sla_check_condition'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_condition(text, text, jsonb) IS
    'raises an error when a rule condition is invalid: unknown attribute (42704), operator unfit for the attribute''s type (22023), bad operand (22P02)';

CREATE FUNCTION @extschema@.rule_condition_check() RETURNS trigger
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

CREATE CONSTRAINT TRIGGER rule_condition_valid AFTER INSERT OR UPDATE ON @extschema@.rule_condition
    FOR EACH ROW EXECUTE FUNCTION @extschema@.rule_condition_check();

-- Rules are compiled per backend like calendars, and invalidated the same way.
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.attribute FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.rule FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.rule_condition FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.level FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();

-- The dry run: which level would a ticket with these attributes get, and why.
CREATE FUNCTION @extschema@.match_rules(attributes jsonb, at timestamptz DEFAULT pg_catalog.now(),
        on_update boolean DEFAULT false, OUT rule_position integer, OUT rule text, OUT matched boolean, OUT sets_level text,
        OUT stops boolean, OUT chosen_level text)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'sla_match_rules'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.match_rules(jsonb, timestamptz, boolean) IS
    'dry run of the active rules over attributes given as JSON (e.g. {"priority": "urgent", "tags": ["vip"]}): one row per rule in order, whether it matched, the level it sets, whether it stops processing, and the level the ticket ends up with (the default level when no rule sets one); on_update: only the rules marked on_update, as on a ticket update, and no default (the ticket keeps its level)';
