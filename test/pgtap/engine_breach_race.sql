-- engine_breach_race.sql — issue 15: a late stop and two breach checkers at once record one
-- breach event per clock, whoever locks the clock first.  Commits are needed, and this file runs
-- inside BEGIN ... ROLLBACK: the writer and the checkers are dblink sessions on tables of their
-- own, which they remove again.
BEGIN;
SELECT plan(24);

CREATE FUNCTION pg_temp.connect(conn text) RETURNS text LANGUAGE sql AS $$
    SELECT public.dblink_connect(conn, format('dbname=%s port=%s host=%s user=%s', current_database(),
           current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user))
$$;
CREATE FUNCTION pg_temp.value(conn text, q text) RETURNS text LANGUAGE sql AS $$
    SELECT x.v FROM public.dblink(conn, q) AS x (v text)
$$;
-- wait (up to 10 s, or tries × 10 ms) until the session with this pid waits for a lock
CREATE FUNCTION pg_temp.waits_for_lock(pid integer, tries integer DEFAULT 1000) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. tries LOOP
        IF EXISTS (SELECT FROM pg_stat_activity a WHERE a.pid = waits_for_lock.pid AND a.wait_event_type = 'Lock') THEN
            RETURN true;
        END IF;
        PERFORM pg_sleep(0.01);
        PERFORM pg_stat_clear_snapshot();
    END LOOP;
    RETURN false;
END
$$;
SELECT pg_temp.connect('race_w');
SELECT pg_temp.connect('race_c1');
SELECT pg_temp.connect('race_c2');

SELECT public.dblink_exec('race_w', $q$
    DO $$ BEGIN
        PERFORM sla.define_calendar('race', 'UTC', '24/7');
        PERFORM sla.define_level('race', 'race', first_response => '1 hour', is_default => true);
    END $$$q$);
SELECT public.dblink_exec('race_w', 'CREATE TABLE public.race_ticket (id int PRIMARY KEY, st text, created timestamptz)');
SELECT public.dblink_exec('race_w', 'CREATE TABLE public.race_msg (id serial PRIMARY KEY, ticket int, who text, created timestamptz)');
SELECT public.dblink_exec('race_w', $q$
    DO $$ BEGIN
        PERFORM sla.attach('public.race_ticket', '{"key": "id", "created_at": "created", "status": "st"}',
            'public.race_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "who",
                                 "customer_values": ["customer"], "agent_values": ["agent"]}');
        PERFORM sla.map_status('public.race_ticket', 'open', 'open');
    END $$$q$);
-- both warn at 09:45 and are due at 10:00
SELECT public.dblink_exec('race_w', $$INSERT INTO public.race_ticket VALUES (1, 'open', '2026-11-23 09:00+00'), (2, 'open', '2026-11-23 09:00+00')$$);
CREATE TEMP TABLE race_pid AS SELECT pg_temp.value('race_w', 'SELECT pg_backend_pid()::text')::integer AS pid;

-- A checker first: it holds ticket 1's clock (its claim, not committed); the writer's late stop
-- waits for it, the second checker skips it; the check commits, the stop finds the breach seen.
SELECT public.dblink_exec('race_c1', 'BEGIN');
SELECT is(pg_temp.value('race_c1', $$SELECT sla.check_breaches('2026-11-23 10:30+00', 3)::text$$), '3',
    'checker 1 claims the two warnings and ticket 1''s breach, the earliest three (uncommitted)');
SELECT is(public.dblink_send_query('race_w', $$INSERT INTO public.race_msg (ticket, who, created) VALUES (1, 'agent', '2026-11-23 10:45+00')$$),
    1, 'the writer answers ticket 1 late');
SELECT ok(pg_temp.waits_for_lock((SELECT pid FROM race_pid)), 'the writer''s stop waits for the checker''s claim');
SELECT is(pg_temp.value('race_c2', $$SELECT sla.check_breaches('2026-11-23 10:50+00', 3)::text$$), '0',
    'checker 2 skips the clocks checker 1 holds');
SELECT public.dblink_exec('race_c1', 'COMMIT');
SELECT is((SELECT x.s FROM public.dblink_get_result('race_w') AS x (s text)), 'INSERT 0 1', 'the writer goes on');
SELECT is((SELECT x.s FROM public.dblink_get_result('race_w') AS x (s text)), NULL, 'and is done');

-- The writer first: its late stop holds ticket 2's clock; both checkers skip it; the stop
-- records the breach and commits; the next check runs its escalations and records nothing else.
SELECT public.dblink_exec('race_w', 'BEGIN');
SELECT public.dblink_exec('race_w', $$INSERT INTO public.race_msg (ticket, who, created) VALUES (2, 'agent', '2026-11-23 10:45+00')$$);
SELECT is(pg_temp.value('race_c1', $$SELECT sla.check_breaches('2026-11-23 10:50+00')::text$$), '0',
    'checker 1 skips the clock the writer holds');
SELECT is(pg_temp.value('race_c2', $$SELECT sla.check_breaches('2026-11-23 10:50+00')::text$$), '0', 'so does checker 2');
SELECT public.dblink_exec('race_w', 'COMMIT');
SELECT is(pg_temp.value('race_c1', $$SELECT sla.check_breaches('2026-11-23 10:55+00')::text$$), '1',
    'the next check takes the late breach''s escalations');
SELECT is(pg_temp.value('race_c2', $$SELECT sla.check_breaches('2026-11-23 10:56+00')::text$$), '0', 'once');

SELECT is(pg_temp.value('race_c2', $$SELECT string_agg(c.ticket_key || ' ' || c.state || ' ' || to_char(e.at, 'HH24:MI')
                                                       || ' ' || (SELECT count(*) FROM sla.event x WHERE x.clock_id = c.id AND x.kind = 'breach'),
                                                       ', ' ORDER BY c.ticket_key)
                                        FROM sla.clock c JOIN sla.event e ON e.clock_id = c.id AND e.kind = 'breach'
                                       WHERE c.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.race_ticket'::regclass)$$),
    '1 breached 10:30 1, 2 breached 10:45 1',
    'one breach event per clock: ticket 1''s by the check at 10:30, ticket 2''s by its late stop at 10:45');
SELECT is(pg_temp.value('race_c2', $$SELECT (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(e.detail) k) || ' '
                                               || (e.detail ->> 'metric') || ' '
                                               || ((e.detail ->> 'due_at')::timestamptz = c.due_at) || ' '
                                               || ((e.detail ->> 'stopped_at')::timestamptz = c.stopped_at) || ' '
                                               || (c.breach_seen_at = c.stopped_at)
                                        FROM sla.clock c JOIN sla.event e ON e.clock_id = c.id AND e.kind = 'breach'
                                       WHERE c.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.race_ticket'::regclass)
                                         AND c.ticket_key = '2'$$),
    'due_at,metric,stopped_at first_response true true true',
    'the late stop''s breach event names the metric, the due date and the stop; the breach is seen at the stop');

-- A checker never waits for a ticket's writer.  Ticket 3's first response (due 10:00) raises its
-- level on breach; a writer holds ticket 3 (a customer's message, uncommitted) when the check
-- runs.  Before, the check claimed the clock, then waited for the ticket to raise its level, and
-- the writer's reply (stopping that clock) waited for the check: a deadlock, and the helpdesk's
-- write failed.  Now the check skips the held ticket; the writer's late stop records the breach.
SELECT public.dblink_exec('race_w', $q$
    DO $$ BEGIN
        PERFORM sla.define_level('race_hot', 'race', first_response => '2 hours');
        INSERT INTO sla.escalation (level_id, metric, on_event, action, to_level_id)
             SELECT l.id, 'first_response', 'breach', 'raise_level', h.id FROM sla.level l, sla.level h
              WHERE l.name = 'race' AND h.name = 'race_hot';
    END $$$q$);
SELECT public.dblink_exec('race_w', $$INSERT INTO public.race_ticket VALUES (3, 'open', '2026-11-23 09:00+00')$$);
SELECT public.dblink_exec('race_w', 'BEGIN');
SELECT public.dblink_exec('race_w', $$INSERT INTO public.race_msg (ticket, who, created) VALUES (3, 'customer', '2026-11-23 10:40+00')$$);
-- (a timeout, so that the old behaviour fails this test instead of hanging it)
SELECT public.dblink_exec('race_c1', $$SET statement_timeout = '5s'$$);
CREATE TEMP TABLE race_c1_pid AS SELECT pg_temp.value('race_c1', 'SELECT pg_backend_pid()::text')::integer AS pid;
SELECT is(public.dblink_send_query('race_c1', $$SELECT sla.check_breaches('2026-11-23 10:50+00')::text$$), 1,
    'a check while the writer holds ticket 3');
SELECT ok(NOT pg_temp.waits_for_lock((SELECT pid FROM race_c1_pid), 100),
    'the check does not wait for the writer''s ticket');
SELECT is((SELECT x.s FROM public.dblink_get_result('race_c1') AS x (s text)), '0',
    'it records nothing of ticket 3: its claims skip the held ticket (the next check takes them)');
SELECT is((SELECT x.s FROM public.dblink_get_result('race_c1') AS x (s text)), NULL, 'and is done');
SELECT public.dblink_exec('race_w', $$INSERT INTO public.race_msg (ticket, who, created) VALUES (3, 'agent', '2026-11-23 10:45+00')$$);
SELECT public.dblink_exec('race_w', 'COMMIT');
SELECT is(pg_temp.value('race_c2', $$SELECT sla.check_breaches('2026-11-23 10:55+00')::text$$), '1',
    'the next check takes the late breach''s escalations');
SELECT is(pg_temp.value('race_c2', $$SELECT l.name || ' ' || (SELECT count(*) FROM sla.event e WHERE e.ticket_key = '3' AND e.kind = 'breach'
                                                    AND e.attachment_id = t.attachment_id)
                                        FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id
                                       WHERE t.ticket_key = '3'
                                         AND t.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.race_ticket'::regclass)$$),
    'race_hot 1', 'one breach, and the level raised');

-- Nor for a host row: a set_column escalation finds ticket 4's row locked by another session
-- (SELECT ... FOR UPDATE, no SLA lock).  It fails alone with 55P03 (listed in sla.health, to be
-- run again) instead of waiting: a writer of several rows holds them before its triggers take
-- their SLA rows, so waiting could deadlock with the helpdesk's own write.
SELECT public.dblink_exec('race_w', 'ALTER TABLE public.race_ticket ADD COLUMN flag text');
SELECT public.dblink_exec('race_w', $$INSERT INTO sla.escalation (level_id, metric, on_event, action, column_name, column_value)
    SELECT id, 'first_response', 'breach', 'set_column', 'flag', 'late' FROM sla.level WHERE name = 'race'$$);
SELECT public.dblink_exec('race_w', $$INSERT INTO public.race_ticket VALUES (4, 'open', '2026-11-23 09:00+00')$$);
SELECT public.dblink_exec('race_w', 'BEGIN');
SELECT is(pg_temp.value('race_w', 'SELECT id::text FROM public.race_ticket WHERE id = 4 FOR UPDATE'), '4', 'another session holds ticket 4''s row');
SELECT is(public.dblink_send_query('race_c1', $$SELECT sla.check_breaches('2026-11-23 11:00+00')::text$$), 1, 'a check');
SELECT ok(NOT pg_temp.waits_for_lock((SELECT pid FROM race_c1_pid), 100), 'the check does not wait for the row');
SELECT is((SELECT x.s FROM public.dblink_get_result('race_c1') AS x (s text)), '2', 'ticket 4''s warning and breach recorded');
SELECT is((SELECT x.s FROM public.dblink_get_result('race_c1') AS x (s text)), NULL, 'and done');
SELECT public.dblink_exec('race_w', 'ROLLBACK');
SELECT is(pg_temp.value('race_c2', $$SELECT string_agg(e.kind || coalesce(' ' || (e.detail ->> 'action'), '') || coalesce(' ' || (e.detail ->> 'sqlstate'), ''), ', ' ORDER BY e.id)
                                        FROM sla.event e WHERE e.ticket_key = '4' AND e.kind IN ('escalated', 'escalation_failed')
                                         AND e.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.race_ticket'::regclass)$$),
    'escalated raise_level, escalation_failed set_column 55P03', 'the level raised; the column write failed alone, with 55P03');

-- clean up what the sessions committed
SELECT public.dblink_exec('race_w', $$DELETE FROM sla.attachment WHERE ticket_table = 'public.race_ticket'::regclass$$);
SELECT public.dblink_exec('race_w', 'DROP TABLE public.race_msg, public.race_ticket');
SELECT public.dblink_exec('race_w', $$DELETE FROM sla.escalation WHERE level_id = (SELECT id FROM sla.level WHERE name = 'race')$$);
SELECT public.dblink_exec('race_w', $$DELETE FROM sla.level WHERE name IN ('race', 'race_hot')$$);
SELECT public.dblink_exec('race_w', $$DELETE FROM sla.calendar WHERE name = 'race'$$);
SELECT public.dblink_disconnect('race_w');
SELECT public.dblink_disconnect('race_c1');
SELECT public.dblink_disconnect('race_c2');

SELECT * FROM finish();
ROLLBACK;
