-- 80_breach.sql — breaches happen as time passes: the warning instant of every clock, and
-- sla.check_breaches(), which records each warning and breach crossing exactly once as an event
-- and announces it with NOTIFY sla_events.  (Issue 5 adds the scheduler and the worker.)

-- warn_at: the instant the level's warning share of the target is used up.  It is derived from
-- due_at so that pauses and re-targets move it too: used time = pct of the business time the
-- clock may run, counted from its start past the pauses.
CREATE FUNCTION @extschema@.clock_warn_at() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_clock_warn_at_trigger' LANGUAGE C;
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        -- Inserts from the C engine carry warn_at already; any other insert gets it computed here.
        EXECUTE format('CREATE TRIGGER clock_warn_at_insert BEFORE INSERT ON @extschema@.%I
                        FOR EACH ROW WHEN (NEW.warn_at IS NULL) EXECUTE FUNCTION @extschema@.clock_warn_at()', 'clock_' || kt);
        EXECUTE format('CREATE TRIGGER clock_warn_at BEFORE UPDATE OF due_at, paused_for, started_at, calendar_id, level_id
                        ON @extschema@.%I FOR EACH ROW EXECUTE FUNCTION @extschema@.clock_warn_at()', 'clock_' || kt);
        -- Only clocks with a warning still to record are looked at: checking is cheap when
        -- nothing is due.  Pending breaches are read from the index of active clocks by due time
        -- (clock_<type>_active_due, 60_attachment.sql), skipping those already recorded: one
        -- index entry less for every clock, for a scan over the clocks overdue and still open
        -- (a few thousand entries at most, in order, each check).
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (warn_at)
                        WHERE state OPERATOR(pg_catalog.=) ''running'' AND warned_at IS NULL',
                       'clock_' || kt || '_warning_pending', 'clock_' || kt);
    END LOOP;
END
$$;

-- One crossing claimed: the clock locked (or skipped when another checker holds it), found still
-- pending, and marked; its due time, or NULL when there was nothing to claim.  C: the clock is
-- found by its ticket (attachment and key) in the table of the key's type.
CREATE FUNCTION @extschema@.claim_crossing(att_id integer, ticket_key text, clock_id bigint, kind text,
                                           as_of timestamptz) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'sla_claim_crossing_sql' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.claim_crossing(integer, text, bigint, text, timestamptz) IS
    'the breach check''s claim of one warning or breach crossing: marks the clock crossed and returns its due time, or NULL when it is not pending or another checker holds it';

CREATE FUNCTION @extschema@.check_breaches(as_of timestamptz DEFAULT pg_catalog.now(),
                                           max_crossings integer DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    n integer := 0;
    kind text;
    due timestamptz;
BEGIN
    IF max_crossings IS NOT NULL AND max_crossings < 1 THEN
        RAISE EXCEPTION 'max_crossings must be positive, not %', max_crossings USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the pending crossings, earliest first, read through the two partial indexes; at most
    -- max_crossings of them (a caller that commits between calls works in bounded batches)
    FOR c IN
        SELECT x.id, x.attachment_id, x.ticket_key, x.metric, x.kind FROM (
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'warning' AS kind, k.warn_at AS at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.warned_at IS NULL AND k.warn_at < as_of
              ORDER BY k.warn_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'breach', k.due_at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.breach_seen_at IS NULL AND k.due_at < as_of
              ORDER BY k.due_at LIMIT max_crossings)) x
         -- a clock past both crossings gets its warning, then its breach
         ORDER BY x.at, x.id, x.kind DESC
         LIMIT max_crossings
    LOOP
        kind := c.kind;
        -- one clock by its ticket and id, locked or skipped (SKIP LOCKED: concurrent callers
        -- share the work), its flag re-checked after the lock: every crossing is recorded
        -- exactly once.  The claim names no pending condition: "warned_at IS NULL" would match
        -- a pending-crossings partial index, and without table statistics (after a bulk load or
        -- a crash) the planner scanned that whole index for each clock, quadratic in the backlog
        due := @extschema@.claim_crossing(c.attachment_id, c.ticket_key, c.id, kind, as_of);
        CONTINUE WHEN due IS NULL;
        n := n + 1;
        PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, kind,
                                      jsonb_build_object('metric', c.metric, 'due_at', due));
        -- the payload names the clock and nothing else: every session may LISTEN, so what a
        -- listener learns of the ticket it reads from sla.clock, under the host's row security
        PERFORM pg_notify('sla_events', json_build_object('event', kind, 'clock', c.id)::text);
        PERFORM @extschema@.run_escalations(c.id, kind, as_of);
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.check_breaches(timestamptz, integer) IS
    'records every running clock that crossed its warning threshold or its due time since the last call (one warning and one breach event per clock, exactly once even with concurrent callers), earliest first and at most max_crossings of them, and sends NOTIFY sla_events naming the event and the clock; returns how many it recorded';

-- The breach check in bounded batches, each committed: after a long outage (or a crash, with
-- thousands of pending crossings) the work is never one long transaction.  For pg_cron:
-- CALL sla.check_breaches_in_batches().  Returns nothing; each batch is as check_breaches.
CREATE PROCEDURE @extschema@.check_breaches_in_batches(batch_size integer DEFAULT 1000)
    LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    -- no SET search_path (a procedure with one cannot commit): every name and operator is qualified
    IF batch_size IS NULL OR batch_size OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch_size must be positive, not %', batch_size USING ERRCODE = 'invalid_parameter_value';
    END IF;
    LOOP
        n := @extschema@.check_breaches(pg_catalog.now(), batch_size);
        COMMIT;
        EXIT WHEN n OPERATOR(pg_catalog.<) batch_size;
    END LOOP;
END
$$;
COMMENT ON PROCEDURE @extschema@.check_breaches_in_batches(integer) IS
    'runs sla.check_breaches() in batches of batch_size crossings, committing after each, until fewer than a batch are pending';
