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
-- same transaction.  Stopped clocks keep the due date they were judged by.
CREATE FUNCTION @extschema@.retarget_after_config_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- each running clock's new due date is computed once, then written only where it changed
    UPDATE @extschema@.clock k
       SET target = x.target, due_at = x.new_due, calendar_id = x.calendar_id
      FROM (SELECT c.id, t.target, l.calendar_id,
                   @extschema@.business_add(c.started_at, t.target OPERATOR(@extschema@.+) c.paused_for,
                                            l.calendar_id) AS new_due
              FROM @extschema@.clock c
              JOIN @extschema@.level_target t ON t.level_id = c.level_id AND t.metric = c.metric
              JOIN @extschema@.level l ON l.id = t.level_id
             WHERE c.state IN ('running', 'paused')
               -- mid-edit (define_calendar deletes, then inserts hours) a calendar may have no hours yet
               AND (EXISTS (SELECT FROM @extschema@.calendar_hours h WHERE h.calendar_id = l.calendar_id)
                    OR EXISTS (SELECT FROM @extschema@.calendar_special_hours s WHERE s.calendar_id = l.calendar_id))
            OFFSET 0) x		-- OFFSET 0: not pulled up, so new_due is computed once per clock
     WHERE k.id = x.id
       AND (k.target OPERATOR(@extschema@.<>) x.target OR k.calendar_id <> x.calendar_id
            OR k.due_at IS DISTINCT FROM x.new_due);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.retarget_after_config_change() IS
    'statement trigger on levels, targets and calendar tables: recomputes due dates of running and paused clocks';

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
-- their messages in order, then apply their current status (the status history is not known:
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
    last_change timestamptz;
    c @extschema@.clock;
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
        PERFORM @extschema@.track_ticket(att.id, t.row, CASE WHEN lc = 'deleted' THEN 'deleted' ELSE 'open' END, created);
        n := n + 1;
        IF att.message_table IS NOT NULL THEN
            FOR msg IN EXECUTE format('SELECT x AS row FROM %s x WHERE x.%I OPERATOR(pg_catalog.=) $1::%s ORDER BY x.%I',
                                      att.message_table, att.message_mapping ->> 'ticket', m ->> 'key_type',
                                      att.message_mapping ->> 'created_at')
                       USING key LOOP
                PERFORM @extschema@.process_message(att.id, msg.row);
            END LOOP;
        END IF;
        IF lc IN ('paused', 'solved', 'closed') THEN
            last_change := coalesce(t.updated_at, created);
            FOR c IN SELECT * FROM @extschema@.clock k
                      WHERE k.attachment_id = att.id AND k.ticket_key = key AND k.state IN ('running', 'paused') LOOP
                IF c.metric = 'resolution' AND lc = 'paused' THEN
                    PERFORM @extschema@.pause_clock(c.id, last_change);
                ELSIF c.metric = 'resolution' THEN
                    PERFORM @extschema@.stop_clock(c.id, last_change);
                ELSIF lc IN ('solved', 'closed') THEN
                    PERFORM @extschema@.cancel_clock(c.id, last_change, 'ticket ' || lc || ' before a reply');
                END IF;
            END LOOP;
            UPDATE @extschema@.ticket s SET lifecycle = lc WHERE s.attachment_id = att.id AND s.ticket_key = key;
        END IF;
        PERFORM @extschema@.log_event(att.id, key, NULL, created, 'backfilled', jsonb_build_object('lifecycle', lc));
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.backfill(regclass) IS
    'computes clocks for tickets that existed before attaching, from their creation time, their message history and their current status; returns how many tickets it started';
