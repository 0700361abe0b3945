-- 80_breach.sql — breaches happen as time passes: the warning instant of every clock, and
-- sla.check_breaches(), which records each warning and breach crossing exactly once as an event
-- and announces it with NOTIFY sla_events.  (Issue 5 adds the scheduler and the worker.)

-- warn_at: the instant the level's warning share of the target is used up.  It is derived from
-- due_at so that pauses and re-targets move it too: used time = pct of the business time the
-- clock may run, counted from its start past the pauses.
CREATE FUNCTION @extschema@.clock_warn_at() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_clock_warn_at_trigger' LANGUAGE C;
-- Inserts from the C engine carry warn_at already; any other insert gets it computed here.
CREATE TRIGGER clock_warn_at_insert BEFORE INSERT ON @extschema@.clock
    FOR EACH ROW WHEN (NEW.warn_at IS NULL) EXECUTE FUNCTION @extschema@.clock_warn_at();
CREATE TRIGGER clock_warn_at BEFORE UPDATE OF due_at, paused_for, started_at, calendar_id, level_id
    ON @extschema@.clock FOR EACH ROW EXECUTE FUNCTION @extschema@.clock_warn_at();

-- Only clocks with a crossing still to record are looked at: checking is cheap when nothing is due.
CREATE INDEX clock_warning_pending ON @extschema@.clock (warn_at)
    WHERE state OPERATOR(pg_catalog.=) 'running' AND warned_at IS NULL;
CREATE INDEX clock_breach_pending ON @extschema@.clock (due_at)
    WHERE state OPERATOR(pg_catalog.=) 'running' AND breach_seen_at IS NULL;

CREATE FUNCTION @extschema@.check_breaches(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    n integer := 0;
    kind text;
BEGIN
    -- SKIP LOCKED: concurrent callers share the work, and the IS NULL re-check in the UPDATE
    -- makes every crossing recorded exactly once
    FOR c IN
        SELECT k.id, 'warning' AS kind FROM @extschema@.clock k
         WHERE k.state = 'running' AND k.warned_at IS NULL AND k.warn_at < as_of
        UNION ALL
        SELECT k.id, 'breach' FROM @extschema@.clock k
         WHERE k.state = 'running' AND k.breach_seen_at IS NULL AND k.due_at < as_of
        ORDER BY 1, 2 DESC		-- a clock past both crossings gets its warning, then its breach
    LOOP
        kind := c.kind;
        IF kind = 'warning' THEN
            UPDATE @extschema@.clock k SET warned_at = as_of
             WHERE k.id = c.id AND k.warned_at IS NULL AND k.state = 'running'
               AND k.id IN (SELECT x.id FROM @extschema@.clock x WHERE x.id = c.id FOR UPDATE SKIP LOCKED);
        ELSE
            UPDATE @extschema@.clock k SET breach_seen_at = as_of
             WHERE k.id = c.id AND k.breach_seen_at IS NULL AND k.state = 'running'
               AND k.id IN (SELECT x.id FROM @extschema@.clock x WHERE x.id = c.id FOR UPDATE SKIP LOCKED);
        END IF;
        CONTINUE WHEN NOT FOUND;
        n := n + 1;
        PERFORM @extschema@.log_event(k.attachment_id, k.ticket_key, k.id, as_of, kind,
                                      jsonb_build_object('metric', k.metric, 'due_at', k.due_at))
           FROM @extschema@.clock k WHERE k.id = c.id;
        -- the payload names the clock and nothing else: every session may LISTEN, so what a
        -- listener learns of the ticket it reads from sla.clock, under the host's row security
        PERFORM pg_notify('sla_events', json_build_object('event', kind, 'clock', c.id)::text);
        PERFORM @extschema@.run_escalations(c.id, kind, as_of);
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.check_breaches(timestamptz) IS
    'records every running clock that crossed its warning threshold or its due time since the last call (one warning and one breach event per clock, exactly once even with concurrent callers) and sends NOTIFY sla_events with a JSON payload; returns how many it recorded';
