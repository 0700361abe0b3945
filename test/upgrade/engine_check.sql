-- engine_check.sql — after an upgrade or a restore, the engine still works on the helpdesk of
-- in_use.sql: a new ticket gets its clocks at the level its rules give it (a gold one through
-- the declared attribute), an agent's reply stops first_response, check_breaches records a
-- breach; and the tickets from before move their clocks: a reply stops an overdue first
-- response, reopening a pending ticket resumes its resolution clock, solving one stops it.
-- Fails (ON_ERROR_STOP) with the reason; prints one summary line.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET timezone = 'UTC';
INSERT INTO helpdesk.ticket (id, created_at, updated_at) VALUES
    (1000, '2026-12-01 10:00+00', '2026-12-01 10:00+00'),   -- gold (id % 5 = 0): the attribute's function
    (1001, '2026-12-01 10:00+00', '2026-12-01 10:00+00');   -- standard (the default level)
INSERT INTO helpdesk.message (ticket_id, author, created_at) VALUES (1000, 'customer', '2026-12-01 10:00+00'),
    (1001, 'customer', '2026-12-01 10:00+00'), (1001, 'agent', '2026-12-01 10:20+00');
SET client_min_messages = notice;
\set VERBOSITY terse
DO $$
DECLARE
    got text;
    n integer;
BEGIN
    SELECT string_agg(format('%s %s %s %s', k.ticket_key, l.name, k.metric, k.state), ', ' ORDER BY k.ticket_key, k.metric)
      INTO got FROM sla.clock k JOIN sla.level l ON l.id = k.level_id WHERE k.ticket_key IN ('1000', '1001');
    IF got IS DISTINCT FROM '1000 gold first_response running, 1000 gold resolution running, '
                            '1001 standard first_response met, 1001 standard resolution running' THEN
        RAISE EXCEPTION 'new tickets: expected gold clocks for 1000 and a met first response for 1001, got: %', got;
    END IF;
    n := sla.check_breaches('2026-12-01 11:30+00');
    SELECT string_agg(e.kind || ' ' || (e.detail ->> 'metric'), ', ' ORDER BY e.id) INTO got
      FROM sla.event e WHERE e.ticket_key = '1000' AND e.kind IN ('warning', 'breach');
    IF n < 1 OR got IS DISTINCT FROM 'warning first_response, breach first_response' THEN
        RAISE EXCEPTION 'check_breaches: % crossings, ticket 1000''s: %', n, got;
    END IF;
    -- the gold breach escalation raised ticket 1000 to urgent
    SELECT string_agg(DISTINCT l.name, ',') INTO got FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id
     WHERE t.ticket_key = '1000';
    IF got IS DISTINCT FROM 'urgent' THEN
        RAISE EXCEPTION 'escalation: ticket 1000 is at level %, not urgent', got;
    END IF;
    RAISE NOTICE 'engine: new tickets got their clocks, a reply met first_response, check_breaches recorded % crossings (a breach escalated to urgent)', n;
END
$$;

-- tickets written before: 3 (standard, no reply, first response overdue since November),
-- 7 (pending: resolution paused), 10 (gold, open: resolution running, overdue)
SET client_min_messages = warning;
INSERT INTO helpdesk.message (ticket_id, author, created_at) VALUES (3, 'agent', '2026-12-01 12:00+00');
UPDATE helpdesk.ticket SET status = 'open', updated_at = '2026-12-01 12:00+00' WHERE id = 7;
UPDATE helpdesk.ticket SET status = 'solved', updated_at = '2026-12-01 12:00+00' WHERE id = 10;
SET client_min_messages = notice;
DO $$
DECLARE
    got text;
BEGIN
    SELECT string_agg(format('%s %s %s', k.ticket_key, k.metric, k.state), ', ' ORDER BY k.ticket_key, k.metric)
      INTO got FROM sla.clock k
     WHERE (k.ticket_key, k.metric) IN (('3', 'first_response'), ('7', 'resolution'), ('10', 'resolution'))
       AND k.cycle = (SELECT max(c.cycle) FROM sla.clock c WHERE c.attachment_id = k.attachment_id
                                                             AND c.ticket_key = k.ticket_key AND c.metric = k.metric);
    IF got IS DISTINCT FROM '10 resolution breached, 3 first_response breached, 7 resolution running' THEN
        RAISE EXCEPTION 'tickets from before: expected 3''s first response and 10''s resolution stopped (breached), 7''s resolution running again, got: %', got;
    END IF;
    RAISE NOTICE 'engine: tickets from before moved their clocks (a late reply, a reopening, a solve)';
END
$$;
