-- what_if.sql — named policy drafts: validated when written, compared with what happened by
-- sla.what_if (compliance under the draft beside compliance as it happened) and
-- sla.what_if_changes (the clocks whose outcome would change), without writing or locking any
-- live row, then activated as the next policy version; and the draft's SQL never runs with
-- more rights than the role that wrote it.
-- Calendar mon-fri 09:00-17:00 UTC; Monday 2026-11-23.  The draft tightens first response from
-- 4 to 2 hours and makes Tuesday 24 a holiday.
BEGIN;
SELECT plan(46);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('wi', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('wi_std', 'wi', first_response => '4 hours', resolution => '5 days', is_default => true) > 0, 'level');
CREATE TABLE public.wi_ticket (id int PRIMARY KEY, st text, dept text, agent text, created timestamptz, updated timestamptz);
CREATE TABLE public.wi_msg (id serial PRIMARY KEY, ticket int, kind text, created timestamptz);
SELECT ok(sla.attach('public.wi_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st",
                                          "department": "dept", "agent": "agent"}',
                     'public.wi_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "kind",
                                        "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('public.wi_ticket', s, l) FROM (VALUES ('open', 'open'), ('solved', 'solved')) v (s, l);
-- 1 replied after 1 h, 2 after 3 h (met now, late under 2 hours), 3 after 5 h (late either way),
-- 4 created on Tuesday and replied at noon, 5 created Monday 16:00 and never answered
INSERT INTO public.wi_ticket VALUES (1, 'open', 'billing', 'ann', '2026-11-23 09:00+00', '2026-11-23 09:00+00'),
                                    (2, 'open', 'billing', 'bob', '2026-11-23 09:00+00', '2026-11-23 09:00+00'),
                                    (3, 'open', 'sales', 'ann', '2026-11-23 09:00+00', '2026-11-23 09:00+00'),
                                    (4, 'open', 'sales', 'bob', '2026-11-24 09:00+00', '2026-11-24 09:00+00'),
                                    (5, 'open', 'sales', 'bob', '2026-11-23 16:00+00', '2026-11-23 16:00+00');
INSERT INTO public.wi_msg (ticket, kind, created) VALUES (1, 'agent', '2026-11-23 10:00+00'), (2, 'agent', '2026-11-23 12:00+00'),
                                                        (3, 'agent', '2026-11-23 14:00+00'), (4, 'agent', '2026-11-24 12:00+00');

CREATE ROLE wi_alice NOLOGIN IN ROLE sla_admin;
CREATE ROLE wi_mallory NOLOGIN IN ROLE sla_admin;
GRANT SELECT ON public.wi_ticket TO wi_alice, wi_mallory;

-- Everything live, as text, to compare before and after
CREATE FUNCTION pg_temp.live() RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(E'\n',
        (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.clock_int4 x),
        (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.event_int4 x),
        (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.ticket_int4 x),
        (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.fact_int4 x),
        (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.level_target x),
        (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.calendar_holiday x),
        (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.policy_history x),
        (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.policy_version_pending x),
        (SELECT string_agg(x.ctid::text || x.xmin::text, ',' ORDER BY x.ctid) FROM sla.clock_int4 x))
$$;
-- Rows inserted, updated or deleted in the clock, event and ticket tables by this transaction so
-- far (counted when written, rolled back or not)
CREATE FUNCTION pg_temp.writes() RETURNS bigint LANGUAGE sql AS $$
    SELECT sum(n_tup_ins + n_tup_upd + n_tup_del)::bigint FROM pg_stat_xact_user_tables
     WHERE schemaname = 'sla' AND relname IN ('clock_int4', 'event_int4', 'ticket_int4')
$$;
CREATE TEMP TABLE wi_before AS SELECT pg_temp.live() AS live, pg_temp.writes() AS writes;
GRANT SELECT ON wi_before TO wi_alice;

-- 1. A draft, written by alice and validated
SET LOCAL ROLE wi_alice;
SELECT lives_ok($$SELECT sla.create_draft('tighter',
    $d$UPDATE sla.level_target SET target = '2 hours' WHERE metric = 'first_response'
         AND level_id = (SELECT id FROM sla.level WHERE name = 'wi_std');
       SELECT sla.add_holiday('wi', '2026-11-24', 'draft holiday');$d$,
    'first response in 2 hours, Tuesday off')$$, 'alice writes a draft');
SELECT is((SELECT owner::text || ' ' || (activated_at IS NULL) FROM sla.policy_draft WHERE name = 'tighter'), 'wi_alice true',
    'kept under her name, not activated');
SELECT throws_ok($$SELECT sla.create_draft('bad', $d$UPDATE sla.level_target SET target = '-1 hour'$d$)$$, '23514', NULL,
    'a draft the configuration''s constraints refuse is refused with their SQLSTATE');
SELECT throws_like($$SELECT sla.create_draft('bad', $d$SELECT sla.add_holiday('no such calendar', '2026-11-24')$d$)$$,
    'policy draft "bad" does not apply: %', 'and the message names the draft');
SELECT is((SELECT count(*)::int FROM sla.policy_draft WHERE name = 'bad'), 0, 'a refused draft is not kept');
SELECT throws_ok($$SELECT sla.create_draft('tighter', 'SELECT 1')$$, '42710', 'policy draft "tighter" exists already', 'names are unique');
SELECT throws_ok($$SELECT sla.create_draft('empty', ' ; ')$$, '22023', 'policy draft "empty" holds no SQL', 'an empty draft');
SELECT throws_ok($$SELECT sla.create_draft(NULL, 'SELECT 1')$$, '22004', NULL, 'no name');
SELECT is(pg_temp.live(), (SELECT live FROM wi_before), 'validating drafts left every live row as it was');

-- 2. What-if
SELECT is((SELECT string_agg(concat_ws(' ', metric, met, failed, compliance, stored_met, stored_failed, stored_compliance,
                                       compliance_change, outcomes_changed), '; ' ORDER BY metric)
             FROM sla.what_if('public.wi_ticket', 'tighter', '2026-11-23', '2026-11-30', ARRAY['metric'], '2026-11-26')),
    'first_response 2 3 40.00 3 2 60.00 -20.00 1',
    'what_if: first responses 2 met of 5 under the draft, 3 as it happened, one outcome changed');
SELECT is((SELECT string_agg(concat_ws(' ', period, department, agent, met, failed, stored_met, stored_failed, outcomes_changed),
                             '; ' ORDER BY period, department, agent)
             FROM sla.what_if('public.wi_ticket', 'tighter', '2026-11-23', '2026-11-30',
                              ARRAY['day', 'department', 'agent', 'level', 'metric'], '2026-11-26')
            WHERE metric = 'first_response'),
    '2026-11-23 billing ann 1 0 1 0 0; 2026-11-23 billing bob 0 1 1 0 1; 2026-11-23 sales ann 0 1 0 1 0; '
    '2026-11-24 sales bob 1 0 1 1 0; 2026-11-25 sales bob 0 1 0 0 0',
    'grouped like the compliance report: day, department, agent (ticket 5 is late on Tuesday as it happened, on Wednesday under the draft)');
SELECT is((SELECT string_agg(concat_ws(' ', ticket_key, metric, stored_outcome, '->', outcome, stored_due_at, '->', due_at), '; ')
             FROM sla.what_if_changes('public.wi_ticket', 'tighter', '2026-11-23', '2026-11-30', '2026-11-26')),
    '2 first_response met -> failed 2026-11-23 13:00:00+00 -> 2026-11-23 11:00:00+00',
    'what_if_changes: the clock whose outcome would change, both sides');
SELECT is((SELECT string_agg(concat_ws(' ', level, metric, stored_met, stored_failed, stored_compliance), '; ' ORDER BY level, metric)
             FROM sla.what_if('public.wi_ticket', 'tighter', '2026-11-23', '2026-11-30', as_of => '2026-11-26')),
    (SELECT string_agg(concat_ws(' ', level, metric, met, failed, compliance), '; ' ORDER BY level, metric)
       FROM sla.compliance_report('2026-11-23', '2026-11-30', ARRAY['level', 'metric'], as_of => '2026-11-26')),
    'the "as it happened" side is the compliance report, column for column');
SELECT is(pg_temp.live(), (SELECT live FROM wi_before), 'after the what-ifs every live row is as it was (clocks, events, tickets, facts, configuration, history, even ctid and xmin)');
SELECT is(pg_temp.writes(), (SELECT writes FROM wi_before),
    'and no clock, event or ticket row was written, not even in the rolled-back subtransaction (no live re-targeting)');
SELECT is((SELECT count(*)::int FROM sla.replay('public.wi_ticket') WHERE changed), 0, 'the replay equals the live clocks again');
-- The same edits made by hand in a savepoint give the same comparison (and do re-target live clocks)
SAVEPOINT by_hand;
UPDATE sla.level_target SET target = '2 hours' WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'wi_std');
SELECT sla.add_holiday('wi', '2026-11-24', 'draft holiday');
SELECT jsonb_agg(jsonb_build_array(period, department, agent, level, metric, met, failed, compliance)) AS by_hand
  FROM sla.replay_compliance('public.wi_ticket', '2026-11-23', '2026-11-30', ARRAY['day', 'department', 'agent', 'level', 'metric'], '2026-11-26') x \gset
SELECT ok(pg_temp.writes() > (SELECT writes FROM wi_before), 'the same edits made live re-target the running clocks (rows written)');
ROLLBACK TO SAVEPOINT by_hand;
SELECT is((SELECT jsonb_agg(jsonb_build_array(period, department, agent, level, metric, met, failed, compliance))
             FROM sla.what_if('public.wi_ticket', 'tighter', '2026-11-23', '2026-11-30', ARRAY['day', 'department', 'agent', 'level', 'metric'], '2026-11-26') x),
    :'by_hand'::jsonb, 'what_if gives what replay_compliance gives after the same edits made by hand (the side under the policy: the live side was re-targeted by hand)');
-- bad arguments
SELECT throws_ok($$SELECT * FROM sla.what_if('public.wi_ticket', 'nope', '2026-11-23', '2026-11-30')$$, '42704',
    'policy draft "nope" does not exist', 'an unknown draft');
SELECT throws_ok($$SELECT * FROM sla.what_if('public.wi_ticket', NULL, '2026-11-23', '2026-11-30')$$, '22004', NULL, 'no draft');
SELECT throws_ok($$SELECT * FROM sla.what_if('public.wi_msg', 'tighter', '2026-11-23', '2026-11-30')$$, '42704',
    'table public.wi_msg is not attached', 'a table not attached');
SELECT throws_ok($$SELECT * FROM sla.what_if('public.wi_ticket', 'tighter', '2026-11-30', '2026-11-23')$$, '22023', NULL,
    'a range ending before it starts');
SELECT throws_ok($$SELECT * FROM sla.what_if('public.wi_ticket', 'tighter', '2026-11-23', '2026-11-30', ARRAY['day', 'week'])$$,
    '22023', NULL, 'two periods');
SELECT is(pg_temp.live(), (SELECT live FROM wi_before), 'failed what-ifs leave every live row as it was');
RESET ROLE;

-- 3. Rights: a draft runs as its author, never as whoever applies it
SET LOCAL ROLE wi_mallory;
SELECT throws_ok($$SELECT sla.create_draft('escalate', 'ALTER ROLE wi_mallory SUPERUSER')$$, '42501', NULL,
    'mallory cannot validate a draft that makes him superuser: it runs as him');
-- so he stores them unvalidated, straight into the table, hoping a superuser will run them
INSERT INTO sla.policy_draft (name, sql) VALUES ('escalate', 'ALTER ROLE wi_mallory SUPERUSER'),
    ('reset_role', 'RESET ROLE; ALTER ROLE wi_mallory SUPERUSER'),
    ('set_config_role', $$SELECT set_config('role', 'none', true); ALTER ROLE wi_mallory SUPERUSER$$),
    ('session_auth', 'SET SESSION AUTHORIZATION DEFAULT; ALTER ROLE wi_mallory SUPERUSER'),
    ('trojan_path', $$SELECT set_config('search_path', 'wi_trap, pg_catalog', false); UPDATE sla.level_target SET target = '3 hours' WHERE metric = 'first_response'$$);
SELECT throws_ok($$INSERT INTO sla.policy_draft (name, sql, owner) VALUES ('framed', 'SELECT 1', 'wi_alice')$$, '42501', NULL,
    'he cannot write a draft in alice''s name');
WITH u AS (UPDATE sla.policy_draft SET sql = 'SELECT 1' WHERE name = 'tighter' RETURNING 1)
SELECT is(count(*)::int, 0, 'nor change alice''s draft') FROM u;
SELECT throws_ok($$SELECT * FROM sla.what_if('public.wi_ticket', 'tighter', '2026-11-23', '2026-11-30')$$, '42501',
    'policy draft "tighter" was written by "wi_alice": only that role or a member of it may apply it',
    'nor run it: he is not a member of her role');
RESET ROLE;
SELECT throws_ok($$SELECT * FROM sla.what_if('public.wi_ticket', 'escalate', '2026-11-23', '2026-11-30')$$, '42501', NULL,
    'a superuser''s what-if of his draft runs it as mallory: refused');
SELECT throws_ok($$SELECT * FROM sla.what_if('public.wi_ticket', 'reset_role', '2026-11-23', '2026-11-30')$$, '42501', NULL,
    'RESET ROLE inside a draft is refused');
SELECT throws_ok($$SELECT * FROM sla.what_if('public.wi_ticket', 'set_config_role', '2026-11-23', '2026-11-30')$$, '42501', NULL,
    'set_config(''role'', ...) inside a draft is refused');
SELECT throws_ok($$SELECT sla.activate_draft('session_auth')$$, '42501', NULL,
    'SET SESSION AUTHORIZATION inside a draft is refused, also on activation');
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 'wi_mallory'), false, 'mallory is no superuser');
SAVEPOINT trojan;
SELECT lives_ok($$SELECT sla.activate_draft('trojan_path')$$, 'a superuser activates a draft that sets search_path');
SELECT is(current_setting('search_path'), (SELECT setting FROM pg_settings WHERE name = 'search_path'),
    'the setting did not outlive the draft: the superuser''s search_path is as before');
ROLLBACK TO SAVEPOINT trojan;

-- 4. Commit guard: a draft applied for a what-if cannot be committed (another session)
CREATE FUNCTION pg_temp.connect(conn text) RETURNS text LANGUAGE sql AS $$
    SELECT public.dblink_connect(conn, format('dbname=%s port=%s host=%s user=%s', current_database(),
           current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user))
$$;
SELECT pg_temp.connect('wi_other');
SELECT throws_like($$SELECT public.dblink_exec('wi_other', $q$BEGIN; SELECT sla.create_draft('wi_commit', 'SELECT 1');
                                                        SELECT sla.apply_draft('wi_commit', true); COMMIT;$q$)$$,
    '%a transaction that applied a policy for a what-if cannot commit%', 'COMMIT after apply_draft(..., for_what_if => true) fails');
SELECT is((SELECT x.n FROM public.dblink('wi_other', 'SELECT count(*)::int FROM sla.policy_draft') AS x (n int)), 0,
    'and nothing of it was committed');
SELECT public.dblink_disconnect('wi_other');

-- 5. Activation: the next policy version, noted with the draft's name; running clocks re-targeted
SET LOCAL ROLE wi_alice;
SELECT lives_ok($$SELECT sla.activate_draft('tighter')$$, 'alice activates her draft');
SELECT is((SELECT note FROM sla.policy_version_pending), 'draft "tighter" activated: first response in 2 hours, Tuesday off',
    'the version her transaction makes is noted with the draft''s name');
SELECT is((SELECT due_at FROM sla.clock WHERE ticket_key = '5' AND metric = 'first_response'), '2026-11-25 10:00+00'::timestamptz,
    'the running clock of ticket 5 is re-targeted (2 hours, Tuesday off)');
SELECT is((SELECT activated_by::text FROM sla.policy_draft WHERE name = 'tighter'), 'wi_alice', 'the draft records its activation');
SELECT throws_ok($$SELECT sla.activate_draft('tighter')$$, '55000', 'policy draft "tighter" was activated already', 'once');
SELECT is((SELECT count(*)::int FROM sla.replay('public.wi_ticket') WHERE changed AND state = 'running'), 0,
    'the running clocks now are what the replay under the new policy gives');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
