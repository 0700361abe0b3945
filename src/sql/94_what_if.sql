-- 94_what_if.sql — named policy drafts and what-if (issue 12; docs/replay.md): a proposed
-- policy written as the configuration edits a DBA would run on the live configuration (the
-- helper functions or plain SQL), kept apart under a name, validated by running it in a
-- subtransaction that is rolled back, compared with what happened by replaying under it (then
-- rolled back), and activated later as the next policy version in one call.

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
