-- 96_citus.sql — scale-out with Citus (issue 14, docs/scaling.md): sla.distribute() puts an
-- attached helpdesk and sla's tables on a Citus cluster in the right order.  sla does not need
-- Citus: without the citus extension in the database these functions refuse politely and
-- everything else works as on one node.
--
--   configuration (calendars, levels, targets, rules, attachments, status maps, escalations,
--   contracts)                  reference tables: a copy on every node, written on the coordinator,
--                               read by the triggers on the shards through SPI
--   the helpdesk's ticket table distributed by its key; its message table by its ticket column,
--                               co-located with the tickets
--   tracking tables of the      distributed by ticket_key, co-located with the ticket table: a
--   attachment's key type       ticket's clocks, events and facts live in the shard of its row,
--                               and the shard triggers write them by the ticket key (local)
--   policy history, mapping     stay local tables (each node's own): the history is written by
--   problems                    the coordinator's edits, problems by the node that met them
--
-- Citus requires citus.enable_unsafe_triggers to distribute a table that has triggers; it is
-- set for this transaction only, while the tables are distributed.  sla's own triggers are
-- disabled while Citus copies existing rows into the shards (the copy is no new row), and
-- enabled again.

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

CREATE FUNCTION @extschema@.distribute(ticket_table regclass, shard_count integer DEFAULT NULL)
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
COMMENT ON FUNCTION @extschema@.distribute(regclass, integer) IS
    'on a Citus coordinator: makes sla''s configuration reference tables, distributes the attached ticket table by its key and its message table by ticket, co-located, and the tracking tables of its key type by ticket_key, co-located with them (rows already there are moved to the shards); returns the tables it distributed';

-- The clock tables' late-breach trigger asks citus_worker() as the writer (the helpdesk's
-- application role, or an admin whose edit re-targets clocks); the rest is the owner's.
GRANT EXECUTE ON FUNCTION @extschema@.citus_worker() TO sla_writer, sla_admin;
-- the tracking tables' policy on Citus, evaluated as the reader (as rls_hidden_attachments)
GRANT EXECUTE ON FUNCTION @extschema@.citus_hidden_attachments() TO sla_reader, sla_writer, sla_admin;

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
