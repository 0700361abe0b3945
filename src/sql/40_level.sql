-- 40_level.sql — SLA levels: named sets of targets per metric on a calendar, with a warning
-- threshold.  Rows a DBA edits with plain SQL; sla.define_level() is a shortcut.

CREATE TYPE @extschema@.metric AS ENUM
    ('first_response', 'next_response', 'periodic_update', 'chat_response', 'call_response', 'resolution');
COMMENT ON TYPE @extschema@.metric IS
    'what an SLA clock measures: first_response (creation to first public agent reply), next_response (customer message to the next public agent reply), periodic_update (an agent update at least every target while open), chat_response, call_response, resolution (creation to solved, pauses excluded)';

CREATE SEQUENCE @extschema@.level_id_seq AS integer;

CREATE TABLE @extschema@.level (
    id              integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.level_id_seq'),
    name            text NOT NULL UNIQUE CONSTRAINT level_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    -- sla.calendar (id): deleting a calendar a level uses is refused, 23503 (98_config_reference.sql)
    calendar_id     integer NOT NULL,
    warning_percent numeric NOT NULL DEFAULT 75
        CONSTRAINT level_warning_percent_range CHECK (warning_percent OPERATOR(pg_catalog.>) 0
                                                      AND warning_percent OPERATOR(pg_catalog.<) 100),
    is_default      boolean NOT NULL DEFAULT false,
    description     text
);
ALTER SEQUENCE @extschema@.level_id_seq OWNED BY @extschema@.level.id;
CREATE UNIQUE INDEX level_only_one_default ON @extschema@.level ((true)) WHERE is_default;
COMMENT ON TABLE @extschema@.level IS 'SLA levels: targets per metric (sla.level_target) measured on a calendar';
COMMENT ON COLUMN @extschema@.level.calendar_id IS 'the business-hours calendar every target of this level is counted on';
COMMENT ON COLUMN @extschema@.level.warning_percent IS 'a running clock is "at risk" once this share of its target is used (0 < p < 100)';
COMMENT ON COLUMN @extschema@.level.is_default IS 'the level a ticket gets when no rule sets one (at most one level)';

CREATE TABLE @extschema@.level_target (
    level_id integer NOT NULL,   -- sla.level (id), ON DELETE CASCADE (98_config_reference.sql)
    metric   @extschema@.metric NOT NULL,
    target   @extschema@.business_interval NOT NULL
        CONSTRAINT level_target_positive CHECK (CASE WHEN @extschema@.isfinite(target) THEN
            @extschema@.business_days(target) OPERATOR(pg_catalog.>=) 0
            AND @extschema@.business_seconds(target) OPERATOR(pg_catalog.>=) 0
            AND (@extschema@.business_days(target) OPERATOR(pg_catalog.>) 0
                 OR @extschema@.business_seconds(target) OPERATOR(pg_catalog.>) 0)
            ELSE false END),
    PRIMARY KEY (level_id, metric)
);
COMMENT ON TABLE @extschema@.level_target IS 'one target per level and metric; a metric without a row is not measured for that level';
COMMENT ON COLUMN @extschema@.level_target.target IS 'business time allowed: positive, finite, days and time part both >= 0';

-- Clocks read targets from a per-backend level cache (src/clock_store.c), dropped on any edit.
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.level_target FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.level', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.level_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.level_target', '');

CREATE FUNCTION @extschema@.define_level(
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
COMMENT ON FUNCTION @extschema@.define_level(text, text, @extschema@.business_interval, @extschema@.business_interval,
    @extschema@.business_interval, @extschema@.business_interval, @extschema@.business_interval,
    @extschema@.business_interval, numeric, boolean) IS
    'creates a level or replaces its calendar, targets, warning threshold and default flag; returns its id';

CREATE FUNCTION @extschema@.level_target_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad boolean := true;
BEGIN
    -- a clearer message than the bare check constraint, naming the level and the value
    IF @extschema@.isfinite(NEW.target) THEN
        bad := @extschema@.business_days(NEW.target) < 0 OR @extschema@.business_seconds(NEW.target) < 0
               OR (@extschema@.business_days(NEW.target) = 0 AND @extschema@.business_seconds(NEW.target) = 0);
    END IF;
    IF bad THEN
        RAISE EXCEPTION 'target % of level "%" must be positive and finite, got "%"', NEW.metric,
              (SELECT l.name FROM @extschema@.level l WHERE l.id = NEW.level_id), NEW.target
              USING ERRCODE = 'check_violation', CONSTRAINT = 'level_target_positive',
                    HINT = 'A target is an amount of business time such as ''4 hours'' or ''2 days''.';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER level_target_check BEFORE INSERT OR UPDATE ON @extschema@.level_target
    FOR EACH ROW EXECUTE FUNCTION @extschema@.level_target_check();
