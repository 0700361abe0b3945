-- 70_engine_tools.sql — explaining a ticket's SLA timeline, the dry run on a stored ticket row,
-- and re-targeting running clocks when levels or calendars are edited.

-- A ticket's whole SLA history as rows, oldest first.
CREATE FUNCTION @extschema@.explain(ticket_table regclass, ticket_key text,
        OUT at timestamptz, OUT event text, OUT metric @extschema@.metric, OUT cycle integer,
        OUT level text, OUT detail jsonb, OUT due_at timestamptz, OUT state text,
        OUT business_used @extschema@.business_interval, OUT calendar_time interval)
    RETURNS SETOF record
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.at, e.kind, c.metric, c.cycle, l.name, e.detail, c.due_at, c.state,
           CASE WHEN e.kind OPERATOR(pg_catalog.=) 'stopped' THEN c.business_used END,
           CASE WHEN e.kind OPERATOR(pg_catalog.=) 'stopped' THEN c.stopped_at OPERATOR(pg_catalog.-) c.started_at END
      FROM @extschema@.event e
      JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) e.attachment_id
      LEFT JOIN @extschema@.clock c ON c.id OPERATOR(pg_catalog.=) e.clock_id
      LEFT JOIN @extschema@.level l ON l.id OPERATOR(pg_catalog.=) c.level_id
     WHERE a.ticket_table OPERATOR(pg_catalog.=) explain.ticket_table
       AND e.ticket_key OPERATOR(pg_catalog.=) explain.ticket_key
     ORDER BY e.id
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
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = match_ticket.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    EXECUTE format('SELECT @extschema@.ticket_attributes($2, t) FROM %s t WHERE %I OPERATOR(pg_catalog.=) $1::%s',
                   att.ticket_table, att.mapping ->> 'key', att.mapping ->> 'key_type')
       INTO attributes USING ticket_key, att.id;
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
CREATE TRIGGER retarget_clocks AFTER UPDATE ON @extschema@.level
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

-- Tickets that existed before attaching: start their clocks from their creation time, replay
-- their published messages in the order they were published (drafts move nothing), then apply their current status (the status history is not known:
-- a solved or closed ticket is taken as solved at its last update, a paused one as paused since
-- then).  Returns the number of tickets started.
CREATE FUNCTION @extschema@.backfill(ticket_table regclass) RETURNS integer
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
            -- published messages only (drafts never counted), in the order they were published
            FOR msg IN EXECUTE format('SELECT x AS row FROM %s x CROSS JOIN LATERAL @extschema@.message_facts($2, x) f
                                        WHERE x.%I OPERATOR(pg_catalog.=) $1::%s AND f.published
                                        ORDER BY f.published_at, x.%I',
                                      att.message_table, att.message_mapping ->> 'ticket', m ->> 'key_type',
                                      att.message_mapping ->> 'created_at')
                       USING key, att.id LOOP
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
COMMENT ON FUNCTION @extschema@.backfill(regclass) IS
    'computes clocks for tickets that existed before attaching, from their creation time, their message history and their current status; returns how many tickets it started';
