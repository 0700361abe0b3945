-- engine_config_edit_race.sql — issues 12 and 16: a configuration edit never waits for a
-- ticket's writer.  An agent's reply in progress holds its ticket; an admin tightens the level's
-- target meanwhile: the edit re-targets every other ticket at once and leaves the held one to the
-- breach check, which re-targets it as of the edit once the reply has committed.  Before, the
-- edit waited for the reply (and a writer of two tickets could deadlock with it).  Commits are
-- needed: the writer and the admin are dblink sessions on tables of their own, removed again.
BEGIN;
SELECT plan(12);

CREATE FUNCTION pg_temp.connect(conn text) RETURNS text LANGUAGE sql AS $$
    SELECT public.dblink_connect(conn, format('dbname=%s port=%s host=%s user=%s', current_database(),
           current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user))
$$;
CREATE FUNCTION pg_temp.value(conn text, q text) RETURNS text LANGUAGE sql AS $$
    SELECT x.v FROM public.dblink(conn, q) AS x (v text)
$$;
SELECT pg_temp.connect('cer_w');
SELECT pg_temp.connect('cer_a');
SELECT public.dblink_exec('cer_a', $q$
    DO $$ BEGIN
        PERFORM sla.define_calendar('cer', 'UTC', '24/7');
        PERFORM sla.define_level('cer', 'cer', first_response => '4 hours', resolution => '2 days', is_default => true);
    END $$$q$);
SELECT public.dblink_exec('cer_a', 'CREATE TABLE public.cer_ticket (id int PRIMARY KEY, st text, created timestamptz)');
SELECT public.dblink_exec('cer_a', 'CREATE TABLE public.cer_msg (id serial PRIMARY KEY, ticket int, who text, created timestamptz)');
SELECT public.dblink_exec('cer_a', $q$
    DO $$ BEGIN
        PERFORM sla.attach('public.cer_ticket', '{"key": "id", "created_at": "created", "status": "st"}',
            'public.cer_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "who",
                                "customer_values": ["customer"], "agent_values": ["agent"]}');
        PERFORM sla.map_status('public.cer_ticket', 'open', 'open');
    END $$$q$);
SELECT public.dblink_exec('cer_a', $$INSERT INTO public.cer_ticket VALUES (1, 'open', '2026-11-23 09:00+00'), (2, 'open', '2026-11-23 09:00+00')$$);
CREATE FUNCTION pg_temp.due(key text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.value('cer_a', format($f$SELECT string_agg(metric || ' ' || to_char(due_at AT TIME ZONE 'UTC', 'DD HH24:MI'), ', ' ORDER BY metric)
        FROM sla.clock WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.cer_ticket'::regclass)
         AND ticket_key = %L AND state = 'running'$f$, key))
$$;

-- the writer holds ticket 1: a customer's follow-up note in an open transaction
SELECT public.dblink_exec('cer_w', 'BEGIN');
SELECT public.dblink_exec('cer_w', $$INSERT INTO public.cer_msg (ticket, who, created) VALUES (1, 'customer', '2026-11-23 09:10+00')$$);
-- the admin tightens first_response to 1 hour, with a statement timeout: waiting would fail it
SELECT public.dblink_exec('cer_a', $$SET statement_timeout = '5s'$$);
SELECT lives_ok($$SELECT public.dblink_exec('cer_a', $q$UPDATE sla.level_target SET target = '1 hour'
                   WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'cer')$q$)$$,
    'the edit does not wait for the ticket the writer holds');
SELECT is(pg_temp.due('2'), 'first_response 23 10:00, resolution 25 09:00', 'ticket 2 (free) re-targeted at once');
SELECT is(pg_temp.due('1'), 'first_response 23 13:00, resolution 25 09:00', 'ticket 1 (held) keeps its due date for now');
SELECT is(pg_temp.value('cer_a', $$SELECT count(*)::text FROM sla.policy_retarget_pending
                                    WHERE ticket_key = '1'$$), '1', 'ticket 1 is left to the breach check');
SELECT is(pg_temp.value('cer_a', $$SELECT (p.at = e.at)::text FROM sla.policy_retarget_pending p, sla.event e
                                    WHERE p.ticket_key = '1' AND e.ticket_key = '2' AND e.kind = 'retargeted'
                                      AND e.attachment_id = p.attachment_id LIMIT 1$$), 'true',
    'dated at the edit (the instant ticket 2 was re-targeted at)');
SELECT public.dblink_exec('cer_w', 'COMMIT');
-- a check as a writer role: the ticket re-targeted as of the edit, its row gone
SELECT is(pg_temp.value('cer_w', $$SELECT sla.check_breaches('2026-11-23 09:30+00')::text$$), '1',
    'the next check re-targets ticket 1');
SELECT is(pg_temp.due('1'), 'first_response 23 10:00, resolution 25 09:00', 'ticket 1 now measured by the 1-hour target');
SELECT is(pg_temp.value('cer_a', $$SELECT count(*)::text FROM sla.policy_retarget_pending$$), '0', 'nothing left');
SELECT is(pg_temp.value('cer_a', $$SELECT count(*)::text FROM sla.event WHERE ticket_key = '1' AND kind = 'retargeted'
                                    AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.cer_ticket'::regclass)$$),
    '1', 'one retargeted event for ticket 1');
SELECT is(pg_temp.value('cer_w', $$SELECT sla.check_breaches('2026-11-23 09:31+00')::text$$), '0', 'once');

-- a pending ticket whose ticket row is gone (detached, deleted) only loses its row
SELECT public.dblink_exec('cer_a', $$INSERT INTO sla.policy_retarget_pending VALUES
    ((SELECT id FROM sla.attachment WHERE ticket_table = 'public.cer_ticket'::regclass), '99', '2026-11-23 09:00+00')$$);
SELECT is(pg_temp.value('cer_a', $$SELECT sla.check_breaches('2026-11-23 09:32+00')::text$$), '1', 'an unknown ticket''s row is handled');
SELECT is(pg_temp.value('cer_a', $$SELECT count(*)::text FROM sla.policy_retarget_pending$$), '0', 'and removed');

-- clean up what the sessions committed
SELECT public.dblink_exec('cer_a', $$DELETE FROM sla.attachment WHERE ticket_table = 'public.cer_ticket'::regclass$$);
SELECT public.dblink_exec('cer_a', 'DROP TABLE public.cer_msg, public.cer_ticket');
SELECT public.dblink_exec('cer_a', $$DELETE FROM sla.level WHERE name = 'cer'$$);
SELECT public.dblink_exec('cer_a', $$DELETE FROM sla.calendar WHERE name = 'cer'$$);
SELECT public.dblink_disconnect('cer_w');
SELECT public.dblink_disconnect('cer_a');

SELECT * FROM finish();
ROLLBACK;
