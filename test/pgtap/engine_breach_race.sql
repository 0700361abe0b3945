-- engine_breach_race.sql — issue 15: a late stop and two breach checkers at once record one
-- breach event per clock, whoever locks the clock first.  Commits are needed, and this file runs
-- inside BEGIN ... ROLLBACK: the writer and the checkers are dblink sessions on tables of their
-- own, which they remove again.
BEGIN;
SELECT plan(11);

CREATE FUNCTION pg_temp.connect(conn text) RETURNS text LANGUAGE sql AS $$
    SELECT public.dblink_connect(conn, format('dbname=%s port=%s host=%s user=%s', current_database(),
           current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user))
$$;
CREATE FUNCTION pg_temp.value(conn text, q text) RETURNS text LANGUAGE sql AS $$
    SELECT x.v FROM public.dblink(conn, q) AS x (v text)
$$;
-- wait (up to 10 s) until the session with this pid waits for a lock
CREATE FUNCTION pg_temp.waits_for_lock(pid integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. 1000 LOOP
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

-- clean up what the sessions committed
SELECT public.dblink_exec('race_w', $$DELETE FROM sla.attachment WHERE ticket_table = 'public.race_ticket'::regclass$$);
SELECT public.dblink_exec('race_w', 'DROP TABLE public.race_msg, public.race_ticket');
SELECT public.dblink_exec('race_w', $$DELETE FROM sla.level WHERE name = 'race'$$);
SELECT public.dblink_exec('race_w', $$DELETE FROM sla.calendar WHERE name = 'race'$$);
SELECT public.dblink_disconnect('race_w');
SELECT public.dblink_disconnect('race_c1');
SELECT public.dblink_disconnect('race_c2');

SELECT * FROM finish();
ROLLBACK;
