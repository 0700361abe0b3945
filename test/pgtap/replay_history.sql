-- replay_history.sql — issue 12: a replay of the recorded history as it happened.  Each fact logs
-- the policy version it was applied under ("v"); sla.replay_history plays it under that version
-- (loaded in a rolled-back subtransaction, as replay_version does) and hands each ticket every
-- edit in between as the policy fact the re-targeting trigger handed it, at the instant the edit
-- took effect.  So across edits the replay equals the live clocks column for column, where a
-- replay of the live policy differs for the clocks decided before an edit.
-- Versions are numbered at commit: the edits and writes are dblink sessions that commit, on
-- tables of their own, removed at the end.  The tickets are dated 23 November (backdated: the
-- edits take effect now), calendar 24/7.
BEGIN;
SELECT plan(9);

CREATE FUNCTION pg_temp.connect(conn text) RETURNS text LANGUAGE sql AS $$
    SELECT public.dblink_connect(conn, format('dbname=%s port=%s host=%s user=%s', current_database(),
           current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user))
$$;
SELECT pg_temp.connect('rh_w');
SELECT pg_temp.connect('rh_a');
SELECT public.dblink_exec('rh_a', $q$
    DO $$ BEGIN
        PERFORM sla.define_calendar('rh', 'UTC', '24/7');
        PERFORM sla.define_level('rh', 'rh', first_response => '4 hours', resolution => '2 days', is_default => true);
    END $$$q$);
SELECT public.dblink_exec('rh_a', 'CREATE TABLE public.rh_ticket (id int PRIMARY KEY, st text, created timestamptz, upd timestamptz)');
SELECT public.dblink_exec('rh_a', 'CREATE TABLE public.rh_msg (id serial PRIMARY KEY, ticket int, who text, created timestamptz)');
SELECT public.dblink_exec('rh_a', $q$
    DO $$ BEGIN
        PERFORM sla.attach('public.rh_ticket', '{"key": "id", "created_at": "created", "updated_at": "upd", "status": "st"}',
            'public.rh_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "who",
                               "customer_values": ["customer"], "agent_values": ["agent"]}');
        PERFORM sla.map_status('public.rh_ticket', 'open', 'open');
    END $$$q$);

-- 1, 2, 3 created at 09:00; 1 answered at 10:00 (met under 4 hours)
SELECT public.dblink_exec('rh_w', $$INSERT INTO public.rh_ticket VALUES (1, 'open', '2026-11-23 09:00+00'), (2, 'open', '2026-11-23 09:00+00'),
                                                                        (3, 'open', '2026-11-23 09:00+00')$$);
SELECT public.dblink_exec('rh_w', $$INSERT INTO public.rh_msg (ticket, who, created) VALUES (1, 'agent', '2026-11-23 10:00+00')$$);
-- an edit: 1 hour (2 and 3 re-targeted to 10:00; 1, decided, keeps 13:00)
SELECT public.dblink_exec('rh_a', $$UPDATE sla.level_target SET target = '1 hour' WHERE metric = 'first_response'
    AND level_id = (SELECT id FROM sla.level WHERE name = 'rh')$$);
-- 2 answered at 09:45 (met), under the new version
SELECT public.dblink_exec('rh_w', $$INSERT INTO public.rh_msg (ticket, who, created) VALUES (2, 'agent', '2026-11-23 09:45+00')$$);
-- an edit: the resolution target removed (the running resolution clocks cancelled now)
SELECT public.dblink_exec('rh_a', $$DELETE FROM sla.level_target WHERE metric = 'resolution'
    AND level_id = (SELECT id FROM sla.level WHERE name = 'rh')$$);
-- 4 created under it (no resolution clock); 3 answered at 12:00 (late under 1 hour)
SELECT public.dblink_exec('rh_w', $$INSERT INTO public.rh_ticket VALUES (4, 'open', '2026-11-23 09:00+00')$$);
SELECT public.dblink_exec('rh_w', $$INSERT INTO public.rh_msg (ticket, who, created) VALUES (3, 'agent', '2026-11-23 12:00+00')$$);

CREATE TEMP TABLE rh_live AS
    SELECT (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.clock_int4 x) AS clocks,
           (SELECT count(*) FROM sla.policy_version) AS versions,
           sla.policy((SELECT max(version) FROM sla.policy_version)) - 'took_effect' AS policy;
CREATE FUNCTION pg_temp.rows(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE format($f$SELECT string_agg(concat_ws(' ', ticket_key, metric, state, to_char(due_at AT TIME ZONE 'UTC', 'DD HH24:MI'),
                          coalesce(to_char(stopped_at AT TIME ZONE 'UTC', 'DD HH24:MI'), '-'), changed), ', ' ORDER BY ticket_key, metric)
                     FROM (%s) x$f$, q) INTO r;
    RETURN r;
END $$;

SELECT is(pg_temp.rows($$SELECT * FROM sla.replay_history('public.rh_ticket') WHERE state <> 'cancelled'$$),
    '1 first_response met 23 13:00 23 10:00 f, 2 first_response met 23 10:00 23 09:45 f, '
    '3 first_response breached 23 10:00 23 12:00 f, 4 first_response running 23 10:00 - f',
    'replay_history: ticket 1 judged by the 4 hours in force when it was answered, 2 and 3 by the edited hour');
SELECT is((SELECT count(*)::int FROM sla.replay_history('public.rh_ticket') WHERE changed), 0,
    'replay_history equals the live clocks, column for column, across the two edits');
SELECT is((SELECT count(*)::int FROM sla.replay_history('public.rh_ticket')),
          (SELECT count(*)::int FROM sla.clock WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.rh_ticket'::regclass)),
    'one row per live clock');
SELECT is((SELECT string_agg(ticket_key || ' ' || (stopped_at = stored_stopped_at), ', ' ORDER BY ticket_key)
             FROM sla.replay_history('public.rh_ticket') WHERE metric = 'resolution'),
    '1 true, 2 true, 3 true', 'the resolution clocks cancelled when the target was removed, at the instant of that edit');
SELECT is((SELECT string_agg(ticket_key || ' ' || metric, ', ' ORDER BY ticket_key, metric) FROM sla.replay('public.rh_ticket') WHERE changed),
    '1 first_response, 1 resolution, 2 resolution, 3 resolution',
    'a replay of the live policy differs: ticket 1 under 1 hour, and no resolution clocks at all');
SELECT is((SELECT count(*)::int FROM sla.replay_history('public.rh_ticket', ARRAY['3'])), 2, 'the keys given');
SELECT is((SELECT (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.clock_int4 x) = clocks
                  AND (SELECT count(*) FROM sla.policy_version) = versions
                  AND sla.policy((SELECT max(version) FROM sla.policy_version)) - 'took_effect' = policy FROM rh_live), true,
    'nothing live moved: clocks, versions, configuration');
SELECT throws_ok($$SELECT * FROM sla.replay_history(NULL)$$, '22004', NULL, 'no table');
SET LOCAL ROLE sla_reader;
SELECT throws_ok($$SELECT * FROM sla.replay_history('public.rh_ticket')$$, '42501', NULL,
    'sla_reader may not (the versions are loaded into the configuration tables, then rolled back)');
RESET ROLE;

-- clean up what the sessions committed
SELECT public.dblink_exec('rh_a', $$DELETE FROM sla.attachment WHERE ticket_table = 'public.rh_ticket'::regclass$$);
SELECT public.dblink_exec('rh_a', 'DROP TABLE public.rh_msg, public.rh_ticket');
SELECT public.dblink_exec('rh_a', $$DELETE FROM sla.level WHERE name = 'rh'$$);
SELECT public.dblink_exec('rh_a', $$DELETE FROM sla.calendar WHERE name = 'rh'$$);
SELECT public.dblink_disconnect('rh_w');
SELECT public.dblink_disconnect('rh_a');

SELECT * FROM finish();
ROLLBACK;
