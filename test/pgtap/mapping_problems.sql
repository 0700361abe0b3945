-- mapping_problems.sql — a value the mapping cannot classify never fails the helpdesk's own write:
-- it is counted in sla.mapping_problem, announced on sla_events, listed in sla.health, and the
-- ticket goes on with what is known; a strict attachment raises the old errors instead.  Also:
-- attaching a table twice (42710, or replace => true) and value lists with JSON numbers.
--
-- Notifications are delivered at commit, and this file runs inside BEGIN ... ROLLBACK: the part
-- that needs commits runs in two dblink sessions on tables of their own, which they drop again
-- at the end (and at the start, in case an earlier run was interrupted).
-- Calendar 24/7 UTC; 2026-11-23 is a Monday.
BEGIN;
SELECT plan(51);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('mp', 'UTC', '24/7') > 0, 'calendar');
SELECT ok(sla.define_level('mp_std', 'mp', first_response => '4 hours', chat_response => '10 min',
                           resolution => '2 days', is_default => true) > 0, 'default level');

CREATE TABLE mp_ticket (id int PRIMARY KEY, st text, created timestamptz, updated timestamptz);
CREATE TABLE mp_msg (ticket int, who text, created timestamptz);
CREATE FUNCTION pg_temp.att(t regclass) RETURNS integer LANGUAGE sql AS $$
    SELECT id FROM sla.attachment WHERE ticket_table = t
$$;
-- a problem row as one line: field value count first last
CREATE FUNCTION pg_temp.problems(t regclass) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(p.field || ' ' || coalesce(p.value, '<NULL>') || ' ' || p.count || ' ' ||
                      coalesce(p.first_ticket_key, '-') || ' ' || coalesce(p.last_ticket_key, '-'), '; '
                      ORDER BY p.field, p.value)
      FROM sla.mapping_problem p WHERE p.attachment_id = pg_temp.att(t)
$$;
CREATE FUNCTION pg_temp.clocks(t regclass, key text) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(k.metric || ':' || k.state, ', ' ORDER BY k.id)
      FROM sla.clock k WHERE k.attachment_id = pg_temp.att(t) AND k.ticket_key = key
$$;

SELECT ok(sla.attach('mp_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}',
                     'mp_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "who",
                                 "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('mp_ticket', s, l) FROM (VALUES ('open', 'open'), ('done', 'solved')) v (s, l);
SELECT is((SELECT strict FROM sla.attachment WHERE id = pg_temp.att('mp_ticket')), false, 'not strict by default');

-- ---------------------------------------------------------------- unmapped status
SELECT lives_ok($$INSERT INTO mp_ticket VALUES (1, 'limbo', '2026-11-23 10:00', '2026-11-23 10:00')$$,
    'a new ticket with an unmapped status is written');
SELECT is((SELECT lifecycle FROM sla.ticket WHERE attachment_id = pg_temp.att('mp_ticket') AND ticket_key = '1'),
    'open', 'a new ticket with an unmapped status is open');
SELECT is(pg_temp.clocks('mp_ticket', '1'), 'first_response:running, resolution:running', 'and its clocks run');
SELECT is(pg_temp.problems('mp_ticket'), 'status limbo 1 1 1', 'the value is recorded with its ticket');
INSERT INTO mp_ticket VALUES (2, 'limbo', '2026-11-23 10:00', '2026-11-23 10:00');
SELECT is(pg_temp.problems('mp_ticket'), 'status limbo 2 1 2', 'met again: counted, last ticket updated');
SELECT ok((SELECT first_seen <= last_seen FROM sla.mapping_problem WHERE attachment_id = pg_temp.att('mp_ticket')),
    'first_seen <= last_seen');

UPDATE mp_ticket SET st = 'done', updated = '2026-11-23 11:00' WHERE id = 1;
SELECT lives_ok($$UPDATE mp_ticket SET st = 'limbo', updated = '2026-11-23 12:00' WHERE id = 1$$,
    'an update to an unmapped status is written');
SELECT is((SELECT lifecycle FROM sla.ticket WHERE attachment_id = pg_temp.att('mp_ticket') AND ticket_key = '1'),
    'solved', 'an update to an unmapped status keeps the ticket''s lifecycle');
SELECT is(pg_temp.clocks('mp_ticket', '1'), 'first_response:cancelled, resolution:met', 'and its clocks as they were');
SELECT is(pg_temp.problems('mp_ticket'), 'status limbo 3 1 1', 'the update is counted');

INSERT INTO mp_ticket VALUES (3, NULL, '2026-11-23 10:00', '2026-11-23 10:00');
INSERT INTO mp_ticket VALUES (4, NULL, '2026-11-23 10:00', '2026-11-23 10:00');
SELECT is(pg_temp.problems('mp_ticket'), 'status limbo 3 1 1; status <NULL> 2 3 4', 'a NULL status is one problem');

-- ---------------------------------------------------------------- unknown author kind
SELECT lives_ok($$INSERT INTO mp_msg VALUES (2, 'robot', '2026-11-23 10:30')$$, 'a message by an unknown author kind is written');
SELECT is(pg_temp.clocks('mp_ticket', '2'), 'first_response:running, resolution:running', 'it moves no clock');
SELECT is((SELECT count(*)::int FROM sla.mapping_problem WHERE attachment_id = pg_temp.att('mp_ticket') AND field = 'author_kind'
              AND value = 'robot' AND count = 1 AND first_ticket_key = '2'), 1, 'the author kind is recorded with its ticket');

-- ---------------------------------------------------------------- health and clearing
SELECT is((SELECT item || ' | ' || field || ' | ' || value || ' | ' || occurrences || ' | ' || remedy
             FROM sla.health WHERE ticket_table = 'mp_ticket'::regclass AND value = 'limbo'),
    'mapping_problem | status | limbo | 3 | SELECT sla.map_status(''mp_ticket'', ''limbo'', ''open'');  -- or paused, solved, closed, deleted',
    'sla.health lists the problem with its remedy');
SELECT is(sla.clear_mapping_problems('mp_ticket', 'status', 'limbo'), 1, 'one problem cleared');
SELECT is(sla.clear_mapping_problems('mp_ticket', 'author_kind'), 1, 'the author kinds cleared');
SELECT is(pg_temp.problems('mp_ticket'), 'status <NULL> 2 3 4', 'the others stay');
INSERT INTO mp_ticket VALUES (5, 'limbo', '2026-11-23 10:00', '2026-11-23 10:00');
SELECT is(pg_temp.problems('mp_ticket'), 'status limbo 1 5 5; status <NULL> 2 3 4', 'a cleared value met again counts from one');
SELECT throws_ok($$SELECT sla.clear_mapping_problems('pg_class')$$, '42704', 'table pg_class is not attached',
    'clearing the problems of a table that is not attached');

-- ---------------------------------------------------------------- backfill reads an unmapped status as open
CREATE TABLE mp_old (id int PRIMARY KEY, st text, created timestamptz);
INSERT INTO mp_old VALUES (1, 'archived', '2026-11-23 08:00');
SELECT ok(sla.attach('mp_old', '{"key": "id", "created_at": "created", "status": "st"}') > 0, 'a table with a ticket attached');
SELECT is(sla.backfill('mp_old'), 1, 'backfill tracks the ticket with the unmapped status');
SELECT is(pg_temp.problems('mp_old') || ' / ' || pg_temp.clocks('mp_old', '1'),
    'status archived 1 1 1 / first_response:running, resolution:running', 'as open, with the status recorded');

-- ---------------------------------------------------------------- attaching again
SELECT throws_ok($$SELECT sla.attach('mp_ticket', '{"key": "id", "created_at": "created", "status": "st"}')$$,
    '42710', format('table public.mp_ticket is already attached (attachment %s)', pg_temp.att('mp_ticket')),
    'attaching an attached table again is refused');
SELECT throws_ok($$SELECT sla.attach('mp_old', '{"key": "id", "created_at": "created", "status": "st"}', 'mp_msg',
                                     '{"ticket": "ticket", "created_at": "created", "author_kind": "who"}', replace => true)$$,
    '42710', 'message table public.mp_msg is already attached to public.mp_ticket', 'a message table serves one ticket table');
SELECT is(sla.attach('mp_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}',
                     'mp_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "who",
                                 "customer_values": ["customer"], "agent_values": ["agent"]}',
                     strict => true, replace => true),
    pg_temp.att('mp_ticket'), 'replace => true replaces the mapping of the same attachment');
SELECT is((SELECT string_agg(tgname, ', ' ORDER BY tgname) FROM pg_trigger WHERE tgrelid IN ('mp_ticket'::regclass, 'mp_msg'::regclass)),
    'sla_message, sla_message_statement_end, sla_ticket, sla_ticket_delete, sla_ticket_statement_end, sla_ticket_truncate, sla_ticket_update', 'with every trigger it needs');
SELECT is((SELECT strict FROM sla.attachment WHERE id = pg_temp.att('mp_ticket')), true, 'now strict');
SELECT is((SELECT count(*)::int FROM sla.status_map WHERE attachment_id = pg_temp.att('mp_ticket')), 2, 'the status map stays');
SELECT lives_ok($$SELECT sla.detach('mp_old')$$, 'detach');
SELECT ok(sla.attach('mp_old', '{"key": "id", "created_at": "created", "status": "st"}') = pg_temp.att('mp_old'),
    'a detached table is attached again without replace');

-- ---------------------------------------------------------------- strict: the old errors
SELECT throws_ok($$INSERT INTO mp_ticket VALUES (10, 'weird', '2026-11-23 10:00', '2026-11-23 10:00')$$,
    '22023', 'status "weird" of public.mp_ticket has no lifecycle mapping', 'strict: an unmapped status fails the write');
SELECT throws_ok($$UPDATE mp_ticket SET st = 'weird' WHERE id = 2$$,
    '22023', 'status "weird" of public.mp_ticket has no lifecycle mapping', 'strict: also on update');
SELECT throws_ok($$INSERT INTO mp_msg VALUES (2, 'Robot', '2026-11-23 10:00')$$,
    '22023', 'cannot tell who wrote a message of ticket 2: author kind "Robot"', 'strict: an unknown author kind fails the write');
SELECT is(pg_temp.problems('mp_ticket'), 'status limbo 1 5 5; status <NULL> 2 3 4', 'strict: nothing recorded');

-- ---------------------------------------------------------------- value lists with numbers
-- Znuny-like codes: a smallint state, an integer sender type, a numeric channel; JSON numbers in
-- the value lists mean those numbers (3.0 matches 3), strings stay text for text columns
CREATE TABLE mp_num (id int PRIMARY KEY, state_id smallint, created timestamptz);
CREATE TABLE mp_num_msg (ticket int, sender_type_id int, channel_id numeric, author_code text, created timestamptz);
SELECT ok(sla.attach('mp_num', '{"key": "id", "created_at": "created", "status": "state_id"}',
                     'mp_num_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "sender_type_id",
                                     "customer_values": [3], "agent_values": [1.0, 2], "system_values": ["7"],
                                     "channel": "channel_id", "chat_values": [4]}') > 0, 'attached with numeric value lists');
SELECT sla.map_status('mp_num', s, l) FROM (VALUES ('1', 'open'), ('2.0', 'solved')) v (s, l);
INSERT INTO mp_num VALUES (1, 1, '2026-11-23 10:00'), (2, 2, '2026-11-23 10:00');
SELECT is(pg_temp.clocks('mp_num', '1') || ' / ' || pg_temp.clocks('mp_num', '2'),
    'first_response:running, resolution:running / first_response:cancelled, resolution:met',
    'a status map entry 2.0 matches state 2 of a smallint column (created solved: no reply owed)');
INSERT INTO mp_num_msg VALUES (1, 3, 4.00, NULL, '2026-11-23 10:05');
SELECT is(pg_temp.clocks('mp_num', '1'), 'first_response:running, resolution:running, chat_response:running',
    'customer 3 on channel 4.00: chat_response');
INSERT INTO mp_num_msg VALUES (1, 1, 4, NULL, '2026-11-23 10:06'), (1, 7, 4, NULL, '2026-11-23 10:07');
SELECT is(pg_temp.clocks('mp_num', '1'), 'first_response:met, resolution:running, chat_response:met',
    'agent 1 (listed as 1.0) replies; "7" is a system value');
SELECT is(pg_temp.problems('mp_num'), NULL, 'no problem');
INSERT INTO mp_num VALUES (3, 5, '2026-11-23 10:00');
INSERT INTO mp_num_msg VALUES (1, 9, 1, NULL, '2026-11-23 10:08');
SELECT is(pg_temp.problems('mp_num'), 'author_kind 9 1 1 1; status 5 1 3 3', 'unknown codes are recorded as problems');

-- ---------------------------------------------------------------- NOTIFY, and writes never wait
-- a statement in another session, its error as text (so that a failure cannot skip the cleanup)
CREATE FUNCTION pg_temp.remote(conn text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN public.dblink_exec(conn, q);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT is(public.dblink_connect('mp_listener', format('dbname=%s port=%s host=%s user=%s', current_database(),
        current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user)),
    'OK', 'a listening session');
SELECT is(public.dblink_connect('mp_writer', format('dbname=%s port=%s host=%s user=%s', current_database(),
        current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user)),
    'OK', 'a writing session');
SELECT public.dblink_connect('mp_other', format('dbname=%s port=%s host=%s user=%s', current_database(),
        current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user));
SELECT public.dblink_exec('mp_writer', $$DELETE FROM sla.attachment WHERE ticket_table = to_regclass('public.mp_live')$$);
SELECT public.dblink_exec('mp_writer', 'DROP TABLE IF EXISTS public.mp_live');
SELECT public.dblink_exec('mp_writer', 'CREATE TABLE public.mp_live (id int PRIMARY KEY, st text, created timestamptz)');
SELECT v > 0 FROM public.dblink('mp_writer', $$SELECT sla.attach('public.mp_live', '{"key": "id", "created_at": "created", "status": "st"}')$$) AS x (v int);
SELECT public.dblink_exec('mp_listener', 'LISTEN sla_events');
SELECT public.dblink_exec('mp_writer', $$INSERT INTO public.mp_live VALUES (1, 'secret-status', now())$$);
SELECT public.dblink_exec('mp_listener', 'SET application_name = ''mp_listener''');
SELECT is((SELECT string_agg(notify_name || ' ' || extra, '; ') FROM public.dblink_get_notify('mp_listener')),
    (SELECT format('sla_events {"event" : "mapping_problem", "attachment" : %s, "field" : "status"}', v)
       FROM public.dblink('mp_writer', $$SELECT id FROM sla.attachment WHERE ticket_table = 'public.mp_live'::regclass$$) AS x (v int)),
    'a new problem is announced on sla_events, without the value or the ticket');
SELECT public.dblink_exec('mp_writer', $$INSERT INTO public.mp_live VALUES (2, 'secret-status', now())$$);
SELECT public.dblink_exec('mp_listener', 'SET application_name = ''mp_listener''');
SELECT is((SELECT count(*)::int FROM public.dblink_get_notify('mp_listener')), 0, 'a known problem is counted, not announced again');
-- one open transaction holds the problem's row; another writer meeting the same value goes on
SELECT public.dblink_exec('mp_writer', 'BEGIN');
SELECT public.dblink_exec('mp_writer', $$INSERT INTO public.mp_live VALUES (3, 'secret-status', now())$$);
SELECT public.dblink_exec('mp_other', 'SET lock_timeout = ''2s''');
SELECT is(pg_temp.remote('mp_other', $$INSERT INTO public.mp_live VALUES (4, 'secret-status', now()), (5, 'new-status', now())$$),
    'INSERT 0 2', 'a writer meeting a problem another open transaction holds does not wait');
SELECT public.dblink_exec('mp_writer', 'COMMIT');
SELECT is((SELECT v FROM public.dblink('mp_writer', $$SELECT string_agg(value || ' ' || count, ', ' ORDER BY value) FROM sla.mapping_problem
                                                       WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.mp_live'::regclass)$$) AS x (v text)),
    'new-status 1, secret-status 3', 'the held occurrence is not counted');
-- cleanup: the attachment and its table
SELECT public.dblink_exec('mp_writer', $$DELETE FROM sla.attachment WHERE ticket_table = 'public.mp_live'::regclass$$);
SELECT public.dblink_exec('mp_writer', 'DROP TABLE public.mp_live');
SELECT public.dblink_disconnect('mp_listener');
SELECT public.dblink_disconnect('mp_writer');
SELECT public.dblink_disconnect('mp_other');

SELECT * FROM finish();
ROLLBACK;
