-- security_attacks.sql — the attacks of docs/security.md, each written as it was tried, each
-- held: hostile arguments to internal functions, triggers copied onto look-alike tables, a
-- column retyped under the mapping, configuration that would run code as a superuser.
-- Calendar mon-fri 09:00-17:00 UTC; 2026-11-23 is a Monday.
BEGIN;
SELECT plan(51);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('sa', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('sa_std', 'sa', first_response => '1 hour', resolution => '2 days', is_default => true) > 0, 'level');
SELECT ok(sla.define_level('sa_gold', 'sa', first_response => '30 minutes', resolution => '1 day') > 0, 'gold level');

-- the helpdesk's table belongs to a role of its own, not to a superuser
-- (it writes tickets through its own application role, so it holds sla_writer)
CREATE ROLE sa_owner IN ROLE sla_writer;
CREATE ROLE sa_admin IN ROLE sla_admin;
CREATE ROLE sa_reader IN ROLE sla_reader;
CREATE TABLE public.sa_ticket (id int PRIMARY KEY, st text, prio text, note text, tags text[], created timestamptz);
ALTER TABLE public.sa_ticket OWNER TO sa_owner;
SELECT ok(sla.attach('public.sa_ticket', '{"key": "id", "created_at": "created", "status": "st", "priority": "prio", "tags": "tags"}') > 0,
    'attached');
SELECT sla.map_status('public.sa_ticket', 'open', 'open');
CREATE FUNCTION pg_temp.att() RETURNS int LANGUAGE sql AS $$
    SELECT id FROM sla.attachment WHERE ticket_table = 'public.sa_ticket'::regclass
$$;
INSERT INTO public.sa_ticket VALUES (1, 'open', 'low', NULL, '{}', '2026-11-23 10:00+00');

-- ---------------------------------------------------------------- internal functions
SET LOCAL ROLE sa_reader;
SELECT throws_ok($$SELECT sla.ticket_facts(1, 42)$$, '42501', 'permission denied for function ticket_facts',
    'a reader cannot call the engine''s row functions');
SELECT throws_ok($$SELECT sla.log_event(NULL, NULL, NULL, NULL, NULL)$$, '42501', 'permission denied for function log_event',
    'nor forge events');
SELECT throws_ok($$SELECT sla.retarget_clocks(1, '1', 1, now())$$, '42501', 'permission denied for function retarget_clocks',
    'nor move clocks');
RESET ROLE;
SELECT throws_ok($$SELECT sla.ticket_facts(pg_temp.att(), 42)$$, '42804',
    'sla.ticket_facts expects a row of public.sa_ticket, not a value of type integer',
    'a non-row value is refused before it is read as a row (it crashed the server)');
SELECT throws_ok($$SELECT sla.ticket_attributes(pg_temp.att(), ROW(1, 'open'))$$, '42804',
    'sla.ticket_attributes expects a row of public.sa_ticket, not a value of type record',
    'an anonymous row is refused');
SELECT throws_ok($$SELECT sla.track_ticket(pg_temp.att(), a, 'open', now()) FROM sla.attachment a$$, '42804',
    'sla.track_ticket expects a row of public.sa_ticket, not a value of type sla.attachment',
    'a row of another table is refused');
SELECT throws_ok($$SELECT sla.process_message(pg_temp.att(), 1)$$, '22023', 'attachment ' || pg_temp.att() || ' has no message table',
    'a message for an attachment without messages');
SELECT throws_ok($$SELECT sla.log_event(NULL, NULL, NULL, NULL, NULL)$$, '22004',
    'sla.log_event needs an attachment, a ticket key, an instant and a kind', 'NULLs are refused, not dereferenced');
SELECT throws_ok($$SELECT sla.log_event(pg_temp.att(), '1', NULL, 'infinity', 'x')$$, '22023',
    'an event needs a finite instant, not infinity', 'an infinite instant is refused');
SELECT throws_ok($$SELECT sla.retarget_clocks(pg_temp.att(), '1', 999999, now())$$, '42704',
    'SLA level 999999 does not exist', 'an unknown level is an error, not a silent cancel of the ticket''s clocks');
SELECT is((SELECT string_agg(state, ',' ORDER BY id) FROM sla.clock WHERE attachment_id = pg_temp.att() AND ticket_key = '1'),
    'running,running', 'and the clocks still run');

-- ---------------------------------------------------------------- triggers where they do not belong
CREATE TABLE public.sa_lookalike (id int, st text, prio text, note text, tags int, created timestamptz);
SELECT lives_ok(format('CREATE TRIGGER sla_ticket AFTER INSERT ON public.sa_lookalike FOR EACH ROW EXECUTE FUNCTION sla.ticket_inserted(%s)', pg_temp.att()),
    'a superuser can copy the engine''s trigger onto a look-alike table');
SELECT throws_ok($$INSERT INTO public.sa_lookalike VALUES (1, 'open', 'low', NULL, 7, now())$$, '39P01',
    format('trigger "sla_ticket" on public.sa_lookalike names attachment %s, which is attached to public.sa_ticket', pg_temp.att()),
    'but it refuses to read another table''s row by the attachment''s mapping (it crashed on tags int)');
CREATE TABLE public.sa_fake_clock (level_id int, started_at timestamptz, due_at timestamptz, calendar_id int,
                                   paused_for bigint, warn_at timestamptz);
CREATE TRIGGER warn BEFORE INSERT ON public.sa_fake_clock FOR EACH ROW EXECUTE FUNCTION sla.clock_warn_at();
SELECT throws_ok($$INSERT INTO public.sa_fake_clock VALUES (1, now(), now(), 1, 5, NULL)$$, '39P01',
    'sla.clock_warn_at() fires on sla''s clock tables only, not on public.sa_fake_clock',
    'clock_warn_at reads columns by name only on sla''s clock tables (a bigint paused_for crashed it)');
CREATE TABLE public.sa_fake_clock2 (id bigint, attachment_id int, ticket_key int, metric text, due_at timestamptz,
                                    stopped_at timestamptz, breach_seen_at timestamptz, breach_escalation_pending boolean);
CREATE TRIGGER late BEFORE INSERT ON public.sa_fake_clock2 FOR EACH ROW EXECUTE FUNCTION sla.clock_late_breach('event_int8');
SELECT throws_ok($$INSERT INTO public.sa_fake_clock2 VALUES (1, 1, 7, 'first_response', now(), now(), NULL, NULL)$$, '39P01',
    'sla.clock_late_breach() fires on sla''s clock tables only, with the event table of the same key type as its argument',
    'clock_late_breach keeps plans by key type: a look-alike table''s int key never reaches the bigint plan');
CREATE TABLE public.sa_level (id int);
CREATE TRIGGER guard BEFORE DELETE ON public.sa_level FOR EACH ROW EXECUTE FUNCTION sla.config_guard('bogus');
INSERT INTO public.sa_level VALUES (1);
SELECT throws_ok($$DELETE FROM public.sa_level$$, '39P01', 'sla.config_guard(''bogus'') does not guard public.sa_level',
    'config_guard guards sla''s own tables only');
GRANT CREATE ON SCHEMA public TO sa_reader;
SET LOCAL ROLE sa_reader;
CREATE TABLE public.sa_mine (id int);
SELECT throws_ok($$CREATE TRIGGER t AFTER INSERT ON public.sa_mine FOR EACH ROW EXECUTE FUNCTION sla.ticket_inserted(1)$$,
    '42501', 'permission denied for function sla.ticket_inserted', 'a reader cannot put the engine''s triggers on a table of its own');
SELECT throws_ok($$CREATE TRIGGER t AFTER INSERT ON public.sa_mine FOR EACH STATEMENT EXECUTE FUNCTION sla.ticket_statement_end()$$,
    '42501', 'permission denied for function sla.ticket_statement_end', 'nor the statement trigger that writes queued tickets');
SELECT throws_ok($$CREATE TRIGGER t AFTER INSERT ON public.sa_mine FOR EACH STATEMENT EXECUTE FUNCTION sla.message_statement_end()$$,
    '42501', 'permission denied for function sla.message_statement_end', 'nor the one that applies queued messages');
RESET ROLE;

-- ---------------------------------------------------------------- a column retyped under the mapping
ALTER TABLE public.sa_ticket ALTER COLUMN tags TYPE text USING array_to_string(tags, ',');
INSERT INTO sla.rule (name, position, set_level_id) SELECT 'sa vip', 1, id FROM sla.level WHERE name = 'sa_gold';
INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
     SELECT id, 1, 'tags', 'contains', '"vip"' FROM sla.rule WHERE name = 'sa vip';
SELECT throws_ok($$INSERT INTO public.sa_ticket VALUES (2, 'open', 'low', NULL, 'vip', '2026-11-23 10:00+00')$$, '42804',
    'column "tags" of relation public.sa_ticket has type text, which cannot be mapped as tags',
    'a mapped column whose type changed is an error naming it (it was XX000 "cache lookup failed for type 0")');
ALTER TABLE public.sa_ticket ALTER COLUMN tags TYPE text[] USING string_to_array(tags, ',');
DELETE FROM sla.rule WHERE name = 'sa vip';

-- ---------------------------------------------------------------- attribute functions run as their owner
CREATE SCHEMA sa_evil AUTHORIZATION sa_admin;
SET LOCAL ROLE sa_admin;
CREATE FUNCTION sa_evil.power(ticket int) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r.rolsuper THEN 'superuser' ELSE 'plain ' || current_user END FROM pg_catalog.pg_roles r
     WHERE r.rolname = current_user
$$;
SELECT lives_ok($$INSERT INTO sla.attribute (name, type, function) VALUES ('power', 'text', 'sa_evil.power(int)')$$,
    'an admin declares an attribute with a function of its own');
SELECT throws_ok($$INSERT INTO sla.attribute (name, type, function) VALUES ('sneaky', 'text', 'pg_catalog.upper(text)')$$,
    '42501', 'role "sa_admin" cannot name function upper(text) as attribute "sneaky": it runs as its owner "'
             || (SELECT rolname FROM pg_roles WHERE oid = 10) || '", whose privileges "sa_admin" does not have',
    'but not a function that would run as a superuser');
INSERT INTO sla.rule (name, position, set_level_id) SELECT 'sa power', 1, id FROM sla.level WHERE name = 'sa_gold';
INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
     SELECT id, 1, 'power', 'equals', '"superuser"' FROM sla.rule WHERE name = 'sa power';
RESET ROLE;
-- a superuser writes a ticket: the admin's function runs as the admin
INSERT INTO public.sa_ticket VALUES (3, 'open', 'low', NULL, '{}', '2026-11-23 10:00+00');
SELECT is((SELECT l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id
            WHERE t.attachment_id = pg_temp.att() AND t.ticket_key = '3'), 'sa_std',
    'a superuser''s insert does not run an admin''s attribute function as superuser');
SELECT is((SELECT sla.ticket_attributes(pg_temp.att(), t) ->> 'power' FROM public.sa_ticket t WHERE id = 3),
    'plain sa_admin', 'it runs as its owner');
DELETE FROM sla.rule WHERE name = 'sa power';

-- ---------------------------------------------------------------- set_column escalations
-- the table owner's own trigger sees who writes its table
CREATE TABLE public.sa_writes (who text, super boolean);
ALTER TABLE public.sa_writes OWNER TO sa_owner;
GRANT CREATE ON SCHEMA public TO sa_owner;
SET LOCAL ROLE sa_owner;
CREATE FUNCTION public.sa_spy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.sa_writes SELECT current_user, r.rolsuper FROM pg_roles r WHERE r.rolname = current_user;
    RETURN NEW;
END
$$;
CREATE TRIGGER spy BEFORE UPDATE ON public.sa_ticket FOR EACH ROW EXECUTE FUNCTION public.sa_spy();
RESET ROLE;
INSERT INTO sla.escalation (level_id, on_event, action, column_name, column_value)
     SELECT id, 'breach', 'set_column', 'priority', 'urgent' FROM sla.level WHERE name = 'sa_std';
SELECT is(sla.check_breaches('2026-11-23 12:00+00') >= 1, true, 'a superuser runs the breach check');
SELECT is((SELECT prio FROM public.sa_ticket WHERE id = 1), 'urgent', 'the escalation set the column');
SELECT is((SELECT string_agg(DISTINCT who || ' ' || super, ',') FROM public.sa_writes), 'sa_owner false',
    'as the table''s owner: the owner''s trigger never runs as the superuser running the check');
-- an admin's escalation writes only what the admin may write
DELETE FROM sla.escalation;
SET LOCAL ROLE sa_admin;
INSERT INTO sla.escalation (level_id, on_event, action, column_name, column_value)
     SELECT id, 'warning', 'set_column', 'note', 'escalated by sa_admin' FROM sla.level WHERE name = 'sa_std';
RESET ROLE;
INSERT INTO public.sa_ticket VALUES (4, 'open', 'low', NULL, '{}', '2026-11-24 10:00+00');
SELECT sla.check_breaches('2026-11-24 10:50+00');
SELECT matches((SELECT detail ->> 'sqlstate' || ' ' || (detail ->> 'error') FROM sla.event
                 WHERE kind = 'escalation_failed' AND ticket_key = '4' AND attachment_id = pg_temp.att()),
    '^42501 escalation [0-9]+ was registered by "sa_admin", who may not update column "note" of public.sa_ticket$',
    'an admin cannot write a host column it may not update itself, through the worker or anyone (the action fails, 42501)');
SET LOCAL ROLE sa_admin;
SELECT throws_like($$INSERT INTO sla.escalation (level_id, on_event, action, registered_by)
                     SELECT id, 'breach', 'notify_only', (SELECT rolname FROM pg_roles WHERE oid = 10) FROM sla.level WHERE name = 'sa_std'$$,
    'role "sa_admin" cannot register escalation % in the name of %', 'nor register an action in a superuser''s name');
RESET ROLE;

-- ---------------------------------------------------------------- instants out of order
-- a status change dated before the ticket's creation (a transaction that started earlier and
-- committed later) never pauses or stops a clock before it started
CREATE TABLE public.sa_late (id int PRIMARY KEY, st text, created timestamptz, updated timestamptz);
SELECT sla.map_status('public.sa_late', x.st, x.lc)
  FROM (SELECT sla.attach('public.sa_late', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}')) a,
       (VALUES ('open', 'open'), ('hold', 'paused'), ('done', 'solved')) x (st, lc);
INSERT INTO public.sa_late VALUES (1, 'open', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
UPDATE public.sa_late SET st = 'hold', updated = '2026-11-23 09:30+00' WHERE id = 1;
UPDATE public.sa_late SET st = 'done', updated = '2026-11-23 09:45+00' WHERE id = 1;
SELECT is((SELECT string_agg(metric || ' ' || state || ' ' || to_char(stopped_at, 'HH24:MI') || ' '
                             || coalesce(sla.business_seconds(business_used)::text, '-'), ', ' ORDER BY id)
             FROM sla.clock WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.sa_late'::regclass)),
    'first_response cancelled 10:00 -, resolution met 10:00 0',
    'stops dated before the start are clamped to it: no negative business time');
SELECT is((SELECT count(*)::int FROM sla.event WHERE at < '2026-11-23 10:00+00'
              AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.sa_late'::regclass)),
    0, 'no event precedes the ticket''s creation');

-- ---------------------------------------------------------------- truncated and dropped host tables
DELETE FROM sla.escalation;
CREATE TABLE public.sa_gone (id int PRIMARY KEY, st text, prio text, created timestamptz);
CREATE TEMP TABLE sa_ids AS
    SELECT sla.attach('public.sa_gone', '{"key": "id", "created_at": "created", "status": "st", "priority": "prio"}') AS gone;
SELECT sla.map_status('public.sa_gone', 'open', 'open');
INSERT INTO public.sa_gone VALUES (1, 'open', 'low', '2026-11-25 10:00+00'), (2, 'open', 'low', '2026-11-25 10:00+00');
TRUNCATE public.sa_gone;
SELECT is((SELECT string_agg(DISTINCT state || ' ' || (SELECT e.detail ->> 'reason' FROM sla.event e WHERE e.clock_id = k.id AND e.kind = 'cancelled'), ',')
             FROM sla.clock k WHERE k.attachment_id = (SELECT gone FROM sa_ids)),
    'cancelled ticket table truncated', 'TRUNCATE of an attached table cancels its running clocks');
SELECT is((SELECT string_agg(DISTINCT lifecycle, ',') FROM sla.ticket WHERE attachment_id = (SELECT gone FROM sa_ids)),
    'deleted', 'and marks its tickets deleted');
INSERT INTO public.sa_gone VALUES (3, 'open', 'low', '2026-11-25 10:00+00');
INSERT INTO sla.escalation (level_id, on_event, action, column_name, column_value)
     SELECT id, 'breach', 'set_column', 'priority', 'urgent' FROM sla.level WHERE name = 'sa_std';
DROP TABLE public.sa_gone;
SELECT is((SELECT attached FROM sla.attachment WHERE id = (SELECT gone FROM sa_ids)), false,
    'DROP TABLE of an attached table marks its attachment detached');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE attachment_id = (SELECT gone FROM sa_ids) AND state IN ('running', 'paused')),
    0, 'and cancels its running clocks');
SELECT lives_ok($$SELECT sla.check_breaches('2026-12-31')$$,
    'so a set_column escalation on its level no longer stops the breach check of every other helpdesk');

-- ---------------------------------------------------------------- a level changed while solved
CREATE TABLE public.sa_lvl (id int PRIMARY KEY, st text, prio text, created timestamptz, updated timestamptz);
CREATE TEMP TABLE sa_lvl_att AS
    SELECT sla.attach('public.sa_lvl', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st", "priority": "prio"}') AS id;
SELECT sla.map_status('public.sa_lvl', x.st, x.lc) FROM (VALUES ('open', 'open'), ('done', 'solved')) x (st, lc);
INSERT INTO sla.rule (name, position, on_update, set_level_id) SELECT 'sa urgent', 1, true, id FROM sla.level WHERE name = 'sa_gold';
INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
     SELECT id, 1, 'priority', 'equals', '"urgent"' FROM sla.rule WHERE name = 'sa urgent';
INSERT INTO public.sa_lvl VALUES (1, 'open', 'low', '2026-11-23 10:00+00', '2026-11-23 10:00+00');
UPDATE public.sa_lvl SET st = 'done', updated = '2026-11-23 11:00+00' WHERE id = 1;
UPDATE public.sa_lvl SET prio = 'urgent', updated = '2026-11-23 11:30+00' WHERE id = 1;
UPDATE public.sa_lvl SET st = 'open', updated = '2026-11-23 12:00+00' WHERE id = 1;
SELECT is((SELECT string_agg(l.name || ' ' || k.state, ', ' ORDER BY k.id) FROM sla.clock k JOIN sla.level l ON l.id = k.level_id
            WHERE k.attachment_id = (SELECT id FROM sa_lvl_att) AND k.metric = 'resolution'),
    'sa_gold running',
    'reopened after an on_update rule changed its level while it stood solved, the resolution clock runs under the new level');

-- ---------------------------------------------------------------- helpdesks apart from each other's writers
CREATE ROLE sa_app_a IN ROLE sla_writer;
CREATE ROLE sa_app_b IN ROLE sla_writer;
CREATE TABLE public.sa_desk_a (id int PRIMARY KEY, st text, created timestamptz);
CREATE TABLE public.sa_desk_b (id int PRIMARY KEY, st text, created timestamptz);
GRANT SELECT, INSERT, UPDATE ON public.sa_desk_a, public.sa_desk_b TO sa_app_a, sa_app_b;
CREATE TEMP TABLE sa_desks AS
    SELECT sla.attach('public.sa_desk_a', '{"key": "id", "created_at": "created", "status": "st"}') AS a,
           sla.attach('public.sa_desk_b', '{"key": "id", "created_at": "created", "status": "st"}') AS b;
GRANT SELECT ON sa_desks TO PUBLIC;
SELECT sla.map_status(t, 'open', 'open') FROM (VALUES ('public.sa_desk_a'::regclass), ('public.sa_desk_b')) v (t);
UPDATE sla.attachment SET writer_role = 'sa_app_a' WHERE id = (SELECT a FROM sa_desks);
UPDATE sla.attachment SET writer_role = 'sa_app_b' WHERE id = (SELECT b FROM sa_desks);
SET LOCAL ROLE sa_app_a;
SELECT lives_ok($$INSERT INTO public.sa_desk_a VALUES (1, 'open', '2026-11-23 10:00+00')$$, 'helpdesk A''s application writes its tickets');
RESET ROLE;
SET LOCAL ROLE sa_app_b;
INSERT INTO public.sa_desk_b VALUES (1, 'open', '2026-11-23 10:00+00');
RESET ROLE;
SET LOCAL ROLE sa_app_a;
SELECT is((SELECT string_agg(DISTINCT (attachment_id = (SELECT a FROM sa_desks))::text, ',') FROM sla.clock
            WHERE attachment_id IN ((SELECT a FROM sa_desks), (SELECT b FROM sa_desks))), 'true',
    'it sees only its own helpdesk''s clocks');
UPDATE sla.clock_int4 SET state = 'cancelled' WHERE attachment_id = (SELECT b FROM sa_desks);
RESET ROLE;
SELECT is((SELECT count(*)::int FROM sla.clock WHERE attachment_id = (SELECT b FROM sa_desks) AND state = 'cancelled'), 0,
    'it cannot cancel the other helpdesk''s clocks');
SET LOCAL ROLE sa_app_a;
SELECT throws_like($$INSERT INTO sla.event_int4 (attachment_id, ticket_key, at, kind) SELECT b, 1, now(), 'breach' FROM sa_desks$$,
    '%row-level security policy%', 'nor forge its events');
SELECT throws_like($$INSERT INTO public.sa_desk_b VALUES (2, 'open', '2026-11-23 10:00+00')$$,
    '%row-level security policy%', 'and even where the host lets it write the other helpdesk''s table, sla does not track for it');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM sla.clock WHERE attachment_id = (SELECT b FROM sa_desks) AND state = 'running'), 2,
    'the other helpdesk''s clocks run on');

UPDATE sla.attachment SET writer_role = 'sa_no_such_role' WHERE id = (SELECT a FROM sa_desks);
SET LOCAL ROLE sa_app_a;
SELECT throws_ok($$INSERT INTO public.sa_desk_a VALUES (3, 'open', '2026-11-23 10:00+00')$$, '42704',
    format('role "sa_no_such_role", the writer_role of attachment %s, does not exist', (SELECT a FROM sa_desks)),
    'a writer_role naming no role closes the attachment, with an error naming it');
RESET ROLE;

-- ---------------------------------------------------------------- who registered an escalation
INSERT INTO sla.escalation (level_id, on_event, action) SELECT id, 'breach', 'notify_only' FROM sla.level WHERE name = 'sa_gold';
SET LOCAL ROLE sa_admin;
UPDATE sla.escalation SET on_event = 'warning'
 WHERE level_id = (SELECT id FROM sla.level WHERE name = 'sa_gold') AND action = 'notify_only';
RESET ROLE;
SELECT is((SELECT registered_by FROM sla.escalation
            WHERE level_id = (SELECT id FROM sla.level WHERE name = 'sa_gold') AND action = 'notify_only'),
    'sa_admin', 'changing what an action does makes the editor its registrant');

-- ---------------------------------------------------------------- a message table retyped, then dropped
CREATE TABLE public.sa_mt (id int PRIMARY KEY, st text, created timestamptz);
CREATE TABLE public.sa_mm (id int PRIMARY KEY, ticket int, kind text, pub boolean, created timestamptz);
CREATE TEMP TABLE sa_mt_att AS
    SELECT sla.attach('public.sa_mt', '{"key": "id", "created_at": "created", "status": "st"}', 'public.sa_mm',
                      '{"ticket": "ticket", "created_at": "created", "author_kind": "kind", "public": "pub",
                        "customer_values": ["customer"], "agent_values": ["agent"]}') AS id;
SELECT sla.map_status('public.sa_mt', 'open', 'open');
INSERT INTO public.sa_mt VALUES (1, 'open', '2026-11-23 10:00+00');
ALTER TABLE public.sa_mm ALTER COLUMN pub TYPE text;
SELECT throws_ok($$INSERT INTO public.sa_mm VALUES (1, 1, 'agent', 'yes', '2026-11-23 10:30+00')$$, '42804',
    'column "pub" of relation public.sa_mm has type text, which cannot be mapped as public',
    'a public flag retyped under the mapping is an error naming it, not a value read as the old type');
DROP TABLE public.sa_mm;
SELECT is((SELECT message_table IS NULL AND attached FROM sla.attachment WHERE id = (SELECT id FROM sa_mt_att)), true,
    'a dropped message table is forgotten; its ticket table stays attached');

SELECT * FROM finish();
ROLLBACK;
