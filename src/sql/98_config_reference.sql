-- 98_config_reference.sql — the references between sla's configuration tables, kept by triggers
-- rather than foreign keys, so that a dump is restorable in any order (pg_restore -j loads the
-- data of extension configuration tables in parallel, in an order of its own; a foreign key,
-- created with the table by CREATE EXTENSION, refused a level whose calendar was not loaded yet).
-- src/config_reference.c has the why and the how; each reference keeps its former foreign key's
-- name, SQLSTATE (23503) and messages.  While a dump is loaded (check_function_bodies off, as
-- pg_dump's scripts and pg_restore set it) the referencing side is not checked; deletes, key
-- changes and truncates of the referenced side always are.

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
