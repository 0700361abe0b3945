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

-- Issue 15: breaches never missed.
--
-- A late stop: a clock stopped after its due time (state breached) whose breach no check
-- recorded (checks at 12:00 and 15:05, due at 14:00, answered at 15:00) records it itself, in
-- the writer's transaction: the breach event (at the stop, when the breach was seen; detail
-- due_at, when it happened, and stopped_at), its NOTIFY, breach_seen_at.  Exactly once with
-- concurrent checkers: the stop's UPDATE waits for a checker holding the clock (its claim) and
-- this BEFORE trigger then sees the row as that checker committed it (breach_seen_at set: the
-- WHEN condition fails); a checker that comes second skips the locked row or finds it stopped.
-- Its escalations are not run inside the helpdesk's write (a set_column would update the very
-- row being written, a raise_level re-target the ticket in the middle of a fact, a failing
-- action would be the writer's): breach_escalation_pending leaves them to the next breach check.
-- In C (src/late_breach.c): one kept plan for the event's INSERT, not a dynamic statement
-- planned for every late stop.  Its argument: the event table of the clock table's key type.
CREATE FUNCTION @extschema@.clock_late_breach() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_clock_late_breach_trigger' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.clock_late_breach() IS
    'BEFORE trigger on the clock tables: a clock stopped breached whose breach no check recorded records it (event, NOTIFY, breach_seen_at) and leaves its escalations to the next breach check';

-- A re-target (a relaxed target, a resume, a reopening) that moves a crossing past the moment it
-- was recorded makes it pending again: a clock breached, given a later due date and passing that
-- one too gets a second breach event, for the new due date.  Named to fire after clock_warn_at
-- (BEFORE triggers fire in name order), so warn_at is the new one.
CREATE FUNCTION @extschema@.clock_yet_to_cross() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.breach_seen_at < NEW.due_at THEN
        NEW.breach_seen_at := NULL;
    END IF;
    IF NEW.warned_at < NEW.warn_at THEN
        NEW.warned_at := NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION @extschema@.clock_yet_to_cross() IS
    'BEFORE UPDATE trigger on the clock tables: a warning or breach whose instant a re-target moved past the moment it was recorded is pending again';

-- Escalation steps (src/escalation_step.c): the next step of a clock, kept with its due date.
CREATE FUNCTION @extschema@.clock_steps() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_clock_steps_trigger' LANGUAGE C;

DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('CREATE TRIGGER clock_late_breach BEFORE UPDATE ON @extschema@.%I FOR EACH ROW
                        WHEN (NEW.state OPERATOR(pg_catalog.=) ''breached'' AND OLD.state OPERATOR(pg_catalog.<>) ''breached''
                              AND NEW.breach_seen_at IS NULL)
                        EXECUTE FUNCTION @extschema@.clock_late_breach(%L)', 'clock_' || kt, 'event_' || kt);
        EXECUTE format('CREATE TRIGGER clock_late_breach_insert BEFORE INSERT ON @extschema@.%I FOR EACH ROW
                        WHEN (NEW.state OPERATOR(pg_catalog.=) ''breached'' AND NEW.breach_seen_at IS NULL)
                        EXECUTE FUNCTION @extschema@.clock_late_breach(%L)', 'clock_' || kt, 'event_' || kt);
        EXECUTE format('CREATE TRIGGER clock_yet_to_cross BEFORE UPDATE OF due_at, paused_for, started_at, calendar_id, level_id
                        ON @extschema@.%I FOR EACH ROW
                        WHEN (NEW.breach_seen_at OPERATOR(pg_catalog.<) NEW.due_at OR NEW.warned_at OPERATOR(pg_catalog.<) NEW.warn_at)
                        EXECUTE FUNCTION @extschema@.clock_yet_to_cross()', 'clock_' || kt);
        EXECUTE format('CREATE TRIGGER clock_steps BEFORE INSERT OR UPDATE OF due_at, paused_for, started_at, calendar_id,
                        level_id, step_done ON @extschema@.%I FOR EACH ROW EXECUTE FUNCTION @extschema@.clock_steps()', 'clock_' || kt);
        -- the steps due and the late breaches whose escalations wait, each through a small partial index
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (step_at)
                        WHERE state OPERATOR(pg_catalog.=) ''running'' AND step_at IS NOT NULL',
                       'clock_' || kt || '_step_pending', 'clock_' || kt);
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (id) WHERE breach_escalation_pending',
                       'clock_' || kt || '_escalation_pending', 'clock_' || kt);
    END LOOP;
END
$$;

-- One escalation step claimed: the clock locked (or skipped), its step still due, recorded; the
-- share of the target it was at, or NULL.
CREATE FUNCTION @extschema@.claim_step(att_id integer, ticket_key text, clock_id bigint, as_of timestamptz)
    RETURNS numeric AS 'MODULE_PATHNAME', 'sla_claim_step_sql' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.claim_step(integer, text, bigint, timestamptz) IS
    'the breach check''s claim of a clock''s next escalation step due before as_of: records it and returns its share of the target, or NULL when none is due or another checker holds the clock';

-- One crossing claimed: the clock locked (or skipped when another checker holds it), found still
-- pending, and marked; its due time, or NULL when there was nothing to claim.  C: the clock is
-- found by its ticket (attachment and key) in the table of the key's type.
CREATE FUNCTION @extschema@.claim_crossing(att_id integer, ticket_key text, clock_id bigint, kind text,
                                           as_of timestamptz) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'sla_claim_crossing_sql' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.claim_crossing(integer, text, bigint, text, timestamptz) IS
    'the breach check''s claim of one warning or breach crossing: marks the clock crossed and returns its due time, or NULL when it is not pending or another checker holds it';

-- Tickets a configuration edit could not re-target at once because another transaction held
-- them (an agent's reply in progress): the edit never waits for a ticket's writer, and the next
-- breach check applies the policy in force to each, dated at the edit (src/ticket_flow.c).
CREATE TABLE @extschema@.policy_retarget_pending (
    attachment_id integer NOT NULL,
    ticket_key    text NOT NULL,
    at            timestamptz NOT NULL,
    PRIMARY KEY (attachment_id, ticket_key)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.policy_retarget_pending', '');
COMMENT ON TABLE @extschema@.policy_retarget_pending IS
    'tickets whose running clocks a configuration edit could not re-target at once (another transaction held the ticket): sla.check_breaches re-targets them';
COMMENT ON COLUMN @extschema@.policy_retarget_pending.attachment_id IS 'the attachment (sla.attachment.id)';
COMMENT ON COLUMN @extschema@.policy_retarget_pending.ticket_key IS 'the ticket''s key, as text';
COMMENT ON COLUMN @extschema@.policy_retarget_pending.at IS 'the instant of the (first) edit: the re-target is dated at it';

-- One such ticket: locked (or skipped), re-targeted by the policy in force as of the edit, its
-- row removed; whether it was (src/ticket_flow.c).
CREATE FUNCTION @extschema@.retarget_pending(att_id integer, ticket_key text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'sla_retarget_pending_sql' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.retarget_pending(integer, text) IS
    'the breach check''s re-target of a ticket a configuration edit could not lock: true when done, NULL when another transaction holds it still';

-- One ticket whose rules relative to now are due (sla.ticket.rules_recheck_at): locked (or
-- skipped), its rules marked on_update run as of each instant a condition on age changed up to
-- as_of, a level they choose applied as a level fact of that instant, the next instant stored;
-- how many levels it changed, or NULL when there was nothing to claim (src/rule_recheck.c).
CREATE FUNCTION @extschema@.recheck_rules(att_id integer, ticket_key text, as_of timestamptz) RETURNS integer
    AS 'MODULE_PATHNAME', 'sla_recheck_rules_sql' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.recheck_rules(integer, text, timestamptz) IS
    'the breach check''s run of the rules of one ticket whose conditions relative to now (older_than, newer_than) changed by as_of: applies the levels they choose at the instants they changed; the number of level changes, or NULL when the ticket was not due or another transaction holds it';

CREATE FUNCTION @extschema@.check_breaches(as_of timestamptz DEFAULT pg_catalog.now(),
                                           max_crossings integer DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c record;
    n integer := 0;
    kind text;
    due timestamptz;
    pct numeric;
BEGIN
    IF max_crossings IS NOT NULL AND max_crossings < 1 THEN
        RAISE EXCEPTION 'max_crossings must be positive, not %', max_crossings USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- on a Citus coordinator, what the workers recorded and only a check can act on: the tickets
    -- an edit left pending in their sla.policy_retarget_pending, their unannounced mapping
    -- problems (96_citus.sql); nothing on one node
    n := @extschema@.citus_check_workers();
    -- the pending crossings, earliest first, read through the partial indexes; at most
    -- max_crossings of them (a caller that commits between calls works in bounded batches)
    FOR c IN
        SELECT x.id, x.attachment_id, x.ticket_key, x.metric, x.kind, x.at FROM (
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'warning' AS kind, k.warn_at AS at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.warned_at IS NULL AND k.warn_at < as_of
              ORDER BY k.warn_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'breach', k.due_at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.breach_seen_at IS NULL AND k.due_at < as_of
              ORDER BY k.due_at LIMIT max_crossings)
            UNION ALL
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'step', k.step_at
               FROM @extschema@.clock k
              WHERE k.state = 'running' AND k.step_at IS NOT NULL AND k.step_at < as_of
              ORDER BY k.step_at LIMIT max_crossings)
            UNION ALL
            -- breaches recorded by a late stop, whose escalations wait for a check
            (SELECT k.id, k.attachment_id, k.ticket_key, k.metric, 'late_breach', k.stopped_at
               FROM @extschema@.clock k
              WHERE k.breach_escalation_pending
              ORDER BY k.id LIMIT max_crossings)
            UNION ALL
            -- tickets a configuration edit left to re-target: due at once, whatever as_of
            (SELECT NULL::bigint, p.attachment_id, p.ticket_key, NULL::@extschema@.metric, 'policy', p.at
               FROM @extschema@.policy_retarget_pending p
              ORDER BY p.at LIMIT max_crossings)
            UNION ALL
            -- tickets whose rules relative to now may choose another level by now
            (SELECT NULL::bigint, t.attachment_id, t.ticket_key, NULL::@extschema@.metric, 'rules', t.rules_recheck_at
               FROM @extschema@.ticket t
              WHERE t.rules_recheck_at < as_of
              ORDER BY t.rules_recheck_at LIMIT max_crossings)) x
         -- a clock past several crossings of one instant: its warning, its steps, then its breach
         ORDER BY x.at, x.id, x.kind DESC
         LIMIT max_crossings
    LOOP
        kind := c.kind;
        IF kind = 'policy' THEN
            IF @extschema@.retarget_pending(c.attachment_id, c.ticket_key) IS NOT NULL THEN
                n := n + 1;
            END IF;
            CONTINUE;
        END IF;
        IF kind = 'rules' THEN
            -- a level chosen re-targets the ticket's running clocks, so crossings later in this
            -- list are claimed against their new due dates (each claim re-reads its clock)
            IF @extschema@.recheck_rules(c.attachment_id, c.ticket_key, as_of) IS NOT NULL THEN
                n := n + 1;
            END IF;
            CONTINUE;
        END IF;
        IF kind = 'step' THEN
            -- every step of the clock due by now, in order of share, each claimed and recorded once
            LOOP
                pct := @extschema@.claim_step(c.attachment_id, c.ticket_key, c.id, as_of);
                EXIT WHEN pct IS NULL;
                n := n + 1;
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, 'step',
                                              jsonb_build_object('metric', c.metric, 'percent', pct));
                PERFORM pg_notify('sla_events', json_build_object('event', 'step', 'clock', c.id, 'percent', pct)::text);
                PERFORM @extschema@.run_escalations(c.id, 'step', as_of, pct);
            END LOOP;
            CONTINUE;
        END IF;
        -- one clock by its ticket and id, locked or skipped (SKIP LOCKED: concurrent callers
        -- share the work), its flag re-checked after the lock: every crossing is recorded
        -- exactly once.  The claim names no pending condition: "warned_at IS NULL" would match
        -- a pending-crossings partial index, and without table statistics (after a bulk load or
        -- a crash) the planner scanned that whole index for each clock, quadratic in the backlog
        due := @extschema@.claim_crossing(c.attachment_id, c.ticket_key, c.id, kind, as_of);
        CONTINUE WHEN due IS NULL;
        n := n + 1;
        IF kind = 'late_breach' THEN
            -- a stop in a shard on a Citus worker could not NOTIFY: the breach is announced here
            IF @extschema@.citus_on_worker(c.attachment_id, c.ticket_key) THEN
                PERFORM pg_notify('sla_events', json_build_object('event', 'breach', 'clock', c.id)::text);
            END IF;
            -- the stop recorded the breach and sent its NOTIFY; its escalations run here, unless
            -- the stop is history (backfill, a check that did not run for a day): escalating a
            -- ticket long after it was answered helps nobody
            IF c.at < as_of - interval '1 day' THEN
                PERFORM @extschema@.log_event(c.attachment_id, c.ticket_key, c.id, as_of, 'escalation_skipped',
                            jsonb_build_object('on_event', 'breach', 'metric', c.metric,
                                               'reason', 'stopped more than a day before the check'));
            ELSE
                PERFORM @extschema@.run_escalations(c.id, 'breach', as_of);
            END IF;
            CONTINUE;
        END IF;
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
    'records every running clock that crossed its warning threshold, an escalation step or its due time since the last call (one event per crossing, clock and due date, exactly once even with concurrent callers), runs the escalations of breaches recorded by late stops, runs again the rules of tickets whose conditions relative to now (older_than, newer_than) changed, re-targets the tickets a configuration edit could not lock, earliest first and at most max_crossings of them, and sends NOTIFY sla_events naming the event and the clock; on a Citus coordinator also re-targets the tickets left pending on the workers and announces what they recorded; returns how many crossings and tickets it handled';

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
