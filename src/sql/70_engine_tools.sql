-- 70_engine_tools.sql — explaining a ticket's SLA timeline, the dry run on a stored ticket row,
-- and re-targeting running clocks when levels or calendars are edited.

-- A ticket's whole SLA history as rows, oldest first: its stored events, and the two kinds 0.2.0
-- no longer stores as rows of their own (the facts and clocks hold them): the rules' choice of a
-- level (level_chosen, kept with the created or level fact) and a clock's start (clock_started,
-- the clock row; shown just before the clock's first event).  A ticket tracked by 0.1.0 has
-- both as events, and they are not shown twice.
CREATE FUNCTION @extschema@.explain(ticket_table regclass, ticket_key text,
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

-- The dry run on a stored ticket: which level would it get now, and why.
CREATE FUNCTION @extschema@.match_ticket(ticket_table regclass, ticket_key text, at timestamptz DEFAULT pg_catalog.now(),
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
COMMENT ON FUNCTION @extschema@.match_ticket(regclass, text, timestamptz) IS
    'dry run of the rules on a stored ticket row: the level it would get and why, without writing anything';

-- Editing a level's targets or a calendar re-targets the running clocks that use it, in the
-- same transaction (a policy fact for each ticket with a running clock, src/ticket_flow.c).
-- Stopped clocks keep the due date they were judged by; a removed target cancels its clocks.
CREATE FUNCTION @extschema@.retarget_after_config_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_retarget_after_config_change' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.retarget_after_config_change() IS
    'statement trigger on levels, targets and calendar tables: running and paused clocks measured by the policy as it is now';

CREATE TRIGGER retarget_clocks AFTER INSERT OR UPDATE OR DELETE ON @extschema@.level_target
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
-- sla.level's with the old and new rows: a rename gives its running clocks an event (issue 12)
CREATE TRIGGER retarget_clocks AFTER UPDATE ON @extschema@.level
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER UPDATE ON @extschema@.calendar
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER INSERT OR UPDATE OR DELETE ON @extschema@.calendar_hours
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER INSERT OR UPDATE OR DELETE ON @extschema@.calendar_holiday
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER INSERT OR UPDATE OR DELETE ON @extschema@.calendar_special_day
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();
CREATE TRIGGER retarget_clocks AFTER INSERT OR UPDATE OR DELETE ON @extschema@.calendar_special_hours
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.retarget_after_config_change();

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
