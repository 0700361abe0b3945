-- engine_key_types.sql — tracking rows keyed like the host's: one helpdesk per key type (integer,
-- bigint, uuid, varchar), each ticket's rows in the tables of its key type with the key in that
-- type, the same clocks whatever the type, the views uniting them, and the functions about one
-- ticket reading by the key.  Calendar 24/7 UTC; Monday 2026-11-23.
BEGIN;
SELECT plan(34);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('kt', 'UTC', '24/7') > 0, 'calendar');
SELECT ok(sla.define_level('kt_std', 'kt', first_response => '2 hours', resolution => '1 day', is_default => true) > 0, 'level');
CREATE DOMAIN kt_positive_bigint AS bigint CHECK (VALUE > 0);
CREATE TABLE kt_int (id int PRIMARY KEY, st text, created timestamptz);
CREATE TABLE kt_int_msg (ticket int, who text, at timestamptz);
CREATE TABLE kt_big (id kt_positive_bigint PRIMARY KEY, st text, created timestamptz);
CREATE TABLE kt_big_msg (ticket bigint, who text, at timestamptz);
CREATE TABLE kt_uuid (id uuid PRIMARY KEY, st text, created timestamptz);
CREATE TABLE kt_uuid_msg (ticket uuid, who text, at timestamptz);
CREATE TABLE kt_code (code varchar(12) PRIMARY KEY, st text, created timestamptz);
CREATE TABLE kt_code_msg (code varchar(12), who text, at timestamptz);
SELECT ok(sla.attach(t, format('{"key": "%s", "created_at": "created", "status": "st"}', k)::jsonb,
                     (t::text || '_msg')::regclass,
                     format('{"ticket": "%s", "created_at": "at", "author_kind": "who", "customer_values": ["customer"], "agent_values": ["agent"]}', mk)::jsonb) > 0,
          'attached ' || t::text)
  FROM (VALUES ('kt_int'::regclass, 'id', 'ticket'), ('kt_big', 'id', 'ticket'), ('kt_uuid', 'id', 'ticket'),
               ('kt_code', 'code', 'code')) v(t, k, mk);
SELECT sla.map_status(t, 'open', 'open'), sla.map_status(t, 'done', 'solved')
  FROM (VALUES ('kt_int'::regclass), ('kt_big'), ('kt_uuid'), ('kt_code')) v(t);
SELECT is((SELECT string_agg(a.ticket_table::text || '=' || a.key_type, ', ' ORDER BY a.ticket_table::text)
             FROM sla.attachment a WHERE a.ticket_table::text LIKE 'kt\_%'),
    'kt_big=int8, kt_code=text, kt_int=int4, kt_uuid=uuid',
    'each attachment''s key type: the key column''s (a domain''s base type), any other type as text');
SELECT is(sla.key_type_of('kt_code', 'code'), 'text', 'a varchar key is stored as text');

-- the same history on each: created 09:00, an agent reply at 10:00, a second ticket unanswered
INSERT INTO kt_int VALUES (1, 'open', '2026-11-23 09:00+00'), (2, 'open', '2026-11-23 09:00+00');
INSERT INTO kt_big VALUES (9000000001, 'open', '2026-11-23 09:00+00'), (9000000002, 'open', '2026-11-23 09:00+00');
INSERT INTO kt_uuid VALUES ('6f1b0f3e-0000-4000-8000-000000000001', 'open', '2026-11-23 09:00+00'),
                           ('6f1b0f3e-0000-4000-8000-000000000002', 'open', '2026-11-23 09:00+00');
INSERT INTO kt_code VALUES ('T-1', 'open', '2026-11-23 09:00+00'), ('T-2', 'open', '2026-11-23 09:00+00');
INSERT INTO kt_int_msg VALUES (1, 'agent', '2026-11-23 10:00+00');
INSERT INTO kt_big_msg VALUES (9000000001, 'agent', '2026-11-23 10:00+00');
INSERT INTO kt_uuid_msg VALUES ('6f1b0f3e-0000-4000-8000-000000000001', 'agent', '2026-11-23 10:00+00');
INSERT INTO kt_code_msg VALUES ('T-1', 'agent', '2026-11-23 10:00+00');

SELECT is((SELECT count(*)::int FROM sla.clock_int4 c JOIN sla.attachment a ON a.id = c.attachment_id WHERE a.ticket_table = 'kt_int'::regclass), 4,
    'the integer helpdesk''s clocks are in sla.clock_int4');
SELECT is((SELECT count(*)::int FROM sla.clock_int8), 4, 'the bigint one''s in sla.clock_int8');
SELECT is((SELECT count(*)::int FROM sla.clock_uuid), 4, 'the uuid one''s in sla.clock_uuid');
SELECT is((SELECT count(*)::int FROM sla.clock_text), 4, 'the varchar one''s in sla.clock_text');
SELECT is((SELECT string_agg(DISTINCT pg_typeof(ticket_key)::text, ',') FROM sla.ticket_uuid), 'uuid',
    'the key is stored in the host key''s own type');
SELECT is((SELECT count(*)::int FROM sla.fact_int8 f JOIN kt_big b ON b.id = f.ticket_key), 3,
    'and joins the host table without a cast (two created facts, one message)');
SELECT is((SELECT ticket_key FROM sla.ticket WHERE ticket_key LIKE '6f1b0f3e%1'), '6f1b0f3e-0000-4000-8000-000000000001',
    'the view sla.ticket has the key as its canonical text');
SELECT is((SELECT string_agg(a.key_type || ':' || c.ticket_key || ':' || c.metric || ':' || c.state, ', '
                             ORDER BY a.key_type, c.ticket_key, c.metric)
             FROM sla.clock c JOIN sla.attachment a ON a.id = c.attachment_id
            WHERE c.ticket_key IN ('1', '9000000001', '6f1b0f3e-0000-4000-8000-000000000001', 'T-1')),
    'int4:1:first_response:met, int4:1:resolution:running, int8:9000000001:first_response:met, int8:9000000001:resolution:running, '
    'text:T-1:first_response:met, text:T-1:resolution:running, uuid:6f1b0f3e-0000-4000-8000-000000000001:first_response:met, '
    'uuid:6f1b0f3e-0000-4000-8000-000000000001:resolution:running',
    'the same clocks whatever the key type');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE metric = 'first_response' AND state = 'running'), 4,
    'the view unites the four sets (one unanswered ticket each)');

-- the functions about one ticket read it by its key in the table of its type
SELECT is((SELECT string_agg(event || ':' || coalesce(metric::text, '-'), ',' ORDER BY at, event)
             FROM sla.explain('kt_uuid', '6f1b0f3e-0000-4000-8000-000000000001')),
    'clock_started:first_response,clock_started:resolution,level_chosen:-,stopped:first_response',
    'explain on a uuid key');
SELECT is((SELECT count(*)::int FROM sla.time_split('kt_code', 'T-1', as_of => '2026-11-23 12:00+00')), 2,
    'time_split on a text key');
SELECT is((SELECT count(*)::int FROM sla.ticket_rows(NULL::sla.clock, (SELECT id FROM sla.attachment WHERE ticket_table = 'kt_big'::regclass), '9000000002')),
    2, 'ticket_rows reads one ticket''s clocks');
SELECT is((SELECT string_agg(lifecycle, ',') FROM sla.ticket_rows(NULL::sla.ticket, (SELECT id FROM sla.attachment WHERE ticket_table = 'kt_int'::regclass), '2')),
    'open', 'and its state row');
SELECT throws_ok($$SELECT * FROM sla.explain('kt_int', 'T-1')$$, '22P02', NULL,
    'a key that is not a value of the attachment''s key type is refused (22P02)');
SELECT is_empty($$SELECT * FROM sla.explain('kt_int', '77')$$, 'an unknown key of the right type has no timeline');

-- a changed key carries its rows along in the key's type
UPDATE kt_uuid SET id = '6f1b0f3e-0000-4000-8000-0000000000ff' WHERE id = '6f1b0f3e-0000-4000-8000-000000000002';
SELECT is((SELECT count(*)::int FROM sla.clock_uuid WHERE ticket_key = '6f1b0f3e-0000-4000-8000-0000000000ff'), 2,
    'a changed uuid key moves the clocks');
SELECT is((SELECT count(*)::int FROM sla.event_uuid WHERE ticket_key = '6f1b0f3e-0000-4000-8000-0000000000ff' AND kind = 'key_changed'), 1,
    'with a key_changed event');

-- the breach check claims crossings in every key type's tables
SELECT is(sla.check_breaches('2026-11-23 12:00+00'), 8, 'warnings and breaches of the four unanswered tickets');
SELECT is((SELECT string_agg(DISTINCT a.key_type, ',' ORDER BY a.key_type) FROM sla.event e JOIN sla.attachment a ON a.id = e.attachment_id
            WHERE e.kind = 'breach'), 'int4,int8,text,uuid', 'breach events in all four');
SELECT is(sla.check_breaches('2026-11-23 12:00+00'), 0, 'each once');

-- an attribute function of an integer key, read by a rule: tickets of other key types get NULL
-- for it (no value of the function's argument type) instead of failing the helpdesk's insert
CREATE FUNCTION kt_vip(ticket integer) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT ticket % 2 = 1 $$;
INSERT INTO sla.attribute (name, type, function) VALUES ('kt_vip', 'boolean', 'kt_vip(integer)');
SELECT ok(sla.define_level('kt_vip', 'kt', first_response => '30 minutes') > 0, 'a vip level');
INSERT INTO sla.rule (name, position, set_level_id) SELECT 'kt vip', 1, id FROM sla.level WHERE name = 'kt_vip';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
SELECT id, 1, 1, 'kt_vip', 'equals', 'true' FROM sla.rule WHERE name = 'kt vip';
SELECT lives_ok($$INSERT INTO kt_uuid VALUES ('6f1b0f3e-0000-4000-8000-000000000003', 'open', '2026-11-23 13:00+00')$$,
    'a uuid ticket is written although the attribute function takes an integer');
SELECT lives_ok($$INSERT INTO kt_big VALUES (9000000003, 'open', '2026-11-23 13:00+00')$$,
    'and a bigint beyond integer');
INSERT INTO kt_int VALUES (3, 'open', '2026-11-23 13:00+00');
SELECT is((SELECT string_agg(t.ticket_key || '=' || l.name, ', ' ORDER BY t.ticket_key)
             FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id
            WHERE t.ticket_key IN ('3', '9000000003', '6f1b0f3e-0000-4000-8000-000000000003')),
    '3=kt_vip, 6f1b0f3e-0000-4000-8000-000000000003=kt_std, 9000000003=kt_std',
    'the integer ticket matches the rule, the others have no value for the attribute and get the default');

-- replacing the mapping with a key of another type would strand the tracked tickets
ALTER TABLE kt_code_msg ALTER COLUMN code TYPE text;
SELECT throws_ok($$SELECT sla.attach('kt_int', '{"key": "st", "created_at": "created", "status": "st"}', replace => true)$$,
    '55000', 'cannot attach public.kt_int again with a text key: its tickets are tracked with int4 keys',
    'a new key type for a tracked attachment is refused (55000)');
SELECT lives_ok($$SELECT sla.attach('kt_int', '{"key": "id", "created_at": "created", "status": "st"}',
                                    'kt_int_msg', '{"ticket": "ticket", "created_at": "at", "author_kind": "who", "customer_values": ["customer"], "agent_values": ["agent"]}',
                                    replace => true)$$,
    'the same key type is fine');

SELECT * FROM finish();
ROLLBACK;
