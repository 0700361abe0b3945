-- engine_repeatable_read.sql — two writers of one ticket under REPEATABLE READ: the second, whose
-- snapshot predates the first's commit, fails with 40001 (retry the transaction) instead of
-- writing facts and clocks from a stale state or failing with a duplicate key.
-- Commits are needed, and this file runs inside BEGIN ... ROLLBACK: the writers are two dblink
-- sessions on tables of their own, which they remove again.
BEGIN;
SELECT plan(7);

-- a statement in another session, its error as text (so that a failure cannot skip the cleanup)
CREATE FUNCTION pg_temp.remote(conn text, q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN public.dblink_exec(conn, q);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END
$$;
CREATE FUNCTION pg_temp.connect(conn text) RETURNS text LANGUAGE sql AS $$
    SELECT public.dblink_connect(conn, format('dbname=%s port=%s host=%s user=%s', current_database(),
           current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user))
$$;
SELECT is(pg_temp.connect('rr_a'), 'OK', 'writer A');
SELECT is(pg_temp.connect('rr_b'), 'OK', 'writer B');

SELECT public.dblink_exec('rr_a', $q$
    DO $$ BEGIN
        PERFORM sla.define_calendar('rr', 'UTC', '24/7');
        PERFORM sla.define_level('rr', 'rr', first_response => '4 hours', resolution => '1 day', is_default => true);
    END $$$q$);
SELECT public.dblink_exec('rr_a', 'CREATE TABLE public.rr_ticket (id int PRIMARY KEY, st text, created timestamptz)');
SELECT public.dblink_exec('rr_a', 'CREATE TABLE public.rr_msg (id serial PRIMARY KEY, ticket int, who text, created timestamptz)');
SELECT public.dblink_exec('rr_a', $q$
    DO $$ BEGIN
        PERFORM sla.attach('public.rr_ticket', '{"key": "id", "created_at": "created", "status": "st"}',
            'public.rr_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "who",
                               "customer_values": ["customer"], "agent_values": ["agent"]}');
        PERFORM sla.map_status('public.rr_ticket', 'open', 'open');
    END $$$q$);
SELECT public.dblink_exec('rr_a', $$INSERT INTO public.rr_ticket VALUES (1, 'open', '2026-11-23 09:00+00')$$);

-- An agent replied and the customer answered (next_response runs).  A takes its snapshot; B
-- writes another customer message and commits: a fact, but no clock moves and the ticket's row
-- does not change, so A's row lock finds nothing to refuse.  A's message, applied from A's
-- snapshot, would take the number of B's fact.
SELECT public.dblink_exec('rr_b', $$INSERT INTO public.rr_msg (ticket, who, created) VALUES (1, 'agent', '2026-11-23 09:30+00')$$);
SELECT public.dblink_exec('rr_b', $$INSERT INTO public.rr_msg (ticket, who, created) VALUES (1, 'customer', '2026-11-23 09:40+00')$$);
SELECT public.dblink_exec('rr_a', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT public.dblink_exec('rr_a', 'DO $$ BEGIN PERFORM count(*) FROM public.rr_msg; END $$');
SELECT is(pg_temp.remote('rr_b', $$INSERT INTO public.rr_msg (ticket, who, created) VALUES (1, 'customer', '2026-11-23 10:00+00')$$),
    'INSERT 0 1', 'B writes and commits');
-- (the fact's INSERT ... ON CONFLICT meets B's row, which A's snapshot cannot see: PostgreSQL's
-- own serialization failure; a plain INSERT would fail with 23505, which no client retries)
SELECT is(pg_temp.remote('rr_a', $$INSERT INTO public.rr_msg (ticket, who, created) VALUES (1, 'customer', '2026-11-23 10:30+00')$$),
    'ERROR 40001: could not serialize access due to concurrent update',
    'A, whose snapshot predates B''s fact, fails with 40001: retry');
SELECT public.dblink_exec('rr_a', 'ROLLBACK');
-- retried, A's message applies after B's reply
SELECT is(pg_temp.remote('rr_a', $$INSERT INTO public.rr_msg (ticket, who, created) VALUES (1, 'customer', '2026-11-23 10:30+00')$$),
    'INSERT 0 1', 'the retry succeeds');
SELECT is((SELECT x.v FROM public.dblink('rr_b', $$SELECT string_agg(seq || ' ' || kind, ', ' ORDER BY seq)
                                                   FROM sla.fact WHERE ticket_key = '1'
                                                    AND attachment_id = (SELECT id FROM sla.attachment
                                                                          WHERE ticket_table = 'public.rr_ticket'::regclass)$$) AS x (v text)),
    '1 created, 2 message, 3 message, 4 message, 5 message', 'the ticket''s facts, each once, in order');

-- clean up what the sessions committed
SELECT public.dblink_exec('rr_b', $$DELETE FROM sla.attachment WHERE ticket_table = 'public.rr_ticket'::regclass$$);
SELECT public.dblink_exec('rr_b', 'DROP TABLE public.rr_msg, public.rr_ticket');
SELECT public.dblink_exec('rr_b', $$DELETE FROM sla.level WHERE name = 'rr'$$);
SELECT public.dblink_exec('rr_b', $$DELETE FROM sla.calendar WHERE name = 'rr'$$);
SELECT is((SELECT x.v FROM public.dblink('rr_b', $$SELECT (SELECT count(*) FROM sla.level WHERE name = 'rr')::text$$) AS x (v text)),
    '0', 'nothing left behind');
SELECT public.dblink_disconnect('rr_a');
SELECT public.dblink_disconnect('rr_b');

SELECT * FROM finish();
ROLLBACK;
