-- 55_policy_history.sql — versioned policy (issue 12, configuration side): every transaction
-- that edits the configuration (calendars and their hours, holidays and special days, levels
-- and targets, declared attributes, rules and conditions) becomes one policy version, and every
-- row those tables ever held is kept with the versions it was in force for, so that the policy
-- in force at any past instant, and the difference between two versions, can be read back.
-- docs/policy-versions.md explains the model.
--
-- How: one statement-level AFTER trigger per table and event (INSERT, UPDATE, DELETE with
-- transition tables; TRUNCATE), no row trigger.  The triggers are SECURITY DEFINER because
-- nobody but them may write the history (no role is granted INSERT, UPDATE or DELETE on it);
-- they run with search_path = pg_catalog, pg_temp and act only on the tables listed in
-- policy_table_key().
--
-- Numbering: while the editing transaction runs, its history rows carry a provisional, negative
-- version number of its own (derived from its transaction id); editors never wait for each
-- other's transactions.  A deferred constraint trigger numbers the version when the transaction
-- commits: under a lock on policy_version held only from that step to the end of the commit, it
-- takes the latest version + 1 and rewrites the provisional number in the history rows the
-- transaction wrote.  So versions are numbered in commit order, with no gap.

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
        -- created later (60_attachment.sql, 85_escalation.sql), their triggers at the end of 85
        WHEN $1 OPERATOR(pg_catalog.=) 'escalation' THEN ARRAY['id']
        WHEN $1 OPERATOR(pg_catalog.=) 'status_map' THEN ARRAY['attachment_id', 'status']
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
