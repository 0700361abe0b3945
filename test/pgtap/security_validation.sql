-- security_validation.sql — configuration that used to be accepted and then broke every write,
-- or was refused with the wrong SQLSTATE or a limit nobody documented (docs/security.md).
BEGIN;
SELECT plan(18);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

-- ---------------------------------------------------------------- opening hours at scale
-- 300 ranges a day, all week: 2,100 ranges (the notation stopped at 256 with "out of range")
SELECT is((SELECT count(*)::int FROM sla.parse_weekly_hours(
              'mon-sun ' || (SELECT string_agg(to_char(t, 'HH24:MI') || '-' || to_char(t + interval '2 minutes', 'HH24:MI'), ', ' ORDER BY t)
                               FROM generate_series(timestamp '2026-01-01 00:00', timestamp '2026-01-01 00:00' + interval '897 minutes',
                                                    interval '3 minutes') t))),
    2100, 'a weekly spec of 2,100 ranges parses');
SELECT ok(sla.define_calendar('sv_many', 'UTC',
              'mon-sun ' || (SELECT string_agg(to_char(t, 'HH24:MI') || '-' || to_char(t + interval '2 minutes', 'HH24:MI'), ', ' ORDER BY t)
                               FROM generate_series(timestamp '2026-01-01 00:00', timestamp '2026-01-01 00:00' + interval '897 minutes',
                                                    interval '3 minutes') t)) > 0,
    'and defines a calendar');
SELECT is(sla.business_between('2026-11-23 00:00+00', '2026-11-24 00:00+00', 'sv_many')::text, '10:00:00',
    'whose 300 two-minute ranges a day add up to ten hours');
SELECT throws_ok($$SELECT count(*) FROM sla.parse_weekly_hours('mon-sun ' || (SELECT string_agg(to_char(t, 'HH24:MI:SS') || '-' || to_char(t + interval '20 seconds', 'HH24:MI:SS'), ', ' ORDER BY t)
                     FROM generate_series(timestamp '2026-01-01 00:00', timestamp '2026-01-01 00:00' + interval '2000 minutes', interval '30 seconds') t))$$,
    '54000', NULL, 'more than one range a minute all week is a stated limit (54000), not "out of range"');
-- 2,000 rows written straight into calendar_hours in one statement: checked once, sorted
SELECT ok(sla.define_calendar('sv_rows', 'UTC', 'mon 09:00-10:00') > 0, 'a calendar');
SELECT lives_ok($$INSERT INTO sla.calendar_hours (calendar_id, weekday, opens, closes)
                  SELECT sla.calendar_id('sv_rows'), 1 + (i / 286)::smallint, time '00:00' + (i % 286) * interval '5 minutes',
                         time '00:00' + (i % 286) * interval '5 minutes' + interval '4 minutes'
                    FROM generate_series(0, 1999) i WHERE NOT (i / 286 = 0 AND (i % 286) * 5 BETWEEN 536 AND 604)$$,
    'about 2,000 rows in one INSERT are checked for overlaps in one sorted pass');
SELECT throws_ok(format($$INSERT INTO sla.calendar_hours VALUES (%s, 7, '23:58', '00:03')$$, sla.calendar_id('sv_rows')),
    '23P01', 'opening range 7 23:58:00-00:03:00 overlaps 1 00:00:00-00:04:00 of calendar sv_rows',
    'an overnight Sunday range running into Monday''s first one is still found');

-- ---------------------------------------------------------------- attach refuses what it cannot serve
CREATE TABLE public.sv_ticket (id int PRIMARY KEY, st text, created timestamptz);
CREATE TABLE public.sv_msg (id int PRIMARY KEY, ticket int, kind text, created timestamptz);
SELECT throws_ok($$SELECT sla.attach('sla.clock_int8', '{"key": "id", "created_at": "started_at", "status": "state"}')$$,
    '42809', 'cannot attach sla.clock_int8: it belongs to sla itself',
    'sla''s own tables cannot be attached (every insert then recursed until the stack ran out)');
SELECT throws_ok($$SELECT sla.attach('sla.sla_log', '{"key": "ticket_key", "created_at": "started_at", "status": "state"}')$$,
    '42809', 'cannot attach sla.sla_log: the ticket table must be a table', 'nor a view');
SELECT throws_ok($$SELECT sla.attach('public.sv_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'public.sv_msg',
                   '{"ticket": "ticket", "created_at": "created", "author_kind": "kind", "customer_values": "customer"}')$$,
    '22023', 'message mapping key "customer_values" must be a JSON array of values, not "customer"',
    'a value list that is a lone string is refused (every message insert failed after it)');
SELECT throws_ok($$SELECT sla.attach('public.sv_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'public.sv_msg',
                   '{"ticket": "ticket", "created_at": "created", "author_function": 42}')$$,
    '22023', 'message mapping key "author_function" must name a function as a JSON string, not 42', 'so is a function that is not a name');
-- an author function whose argument type is written without its schema, as a DBA writes it
CREATE FUNCTION public.sv_author(m public.sv_msg) RETURNS text LANGUAGE sql STABLE AS $$ SELECT m.kind $$;
SELECT ok(sla.attach('public.sv_ticket', '{"key": "id", "created_at": "created", "status": "st"}', 'public.sv_msg',
                     '{"ticket": "ticket", "created_at": "created", "author_function": "sv_author(sv_msg)",
                       "customer_values": ["customer", 7]}') > 0,
    'an author function named with an unqualified argument type is found (it failed with 42704)');
SELECT is((SELECT message_mapping ->> 'author_function' FROM sla.attachment WHERE ticket_table = 'public.sv_ticket'::regclass),
    'public.sv_author(public.sv_msg)', 'and stored qualified, as the engine reads it under its own search path');
SELECT is((SELECT message_mapping -> 'customer_values' FROM sla.attachment WHERE ticket_table = 'public.sv_ticket'::regclass),
    '["customer", "7"]'::jsonb, 'a number in a value list is kept as its text');

-- ---------------------------------------------------------------- the dry run's input
SELECT throws_ok($$SELECT * FROM sla.match_rules('{"priority": 5}')$$, '22023', NULL,
    'an attribute of the wrong JSON type is an invalid parameter, as documented (it was 22P02)');
SELECT throws_ok($$SELECT * FROM sla.match_rules('{"created_at": "soon"}')$$, '22007',
    'invalid input syntax for type timestamp with time zone: "soon"', 'a time string that is not a time keeps the date/time syntax SQLSTATE');

-- ---------------------------------------------------------------- configuration names, never OIDs
SELECT is((SELECT count(*)::int FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.relnamespace = 'sla'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
              AND a.atttypid IN ('regproc'::regtype, 'regprocedure'::regtype, 'regoper'::regtype, 'regoperator'::regtype,
                                 'regconfig'::regtype, 'regdictionary'::regtype, 'regnamespace'::regtype, 'regcollation'::regtype)),
    0, 'no column of sla''s tables has a reg* type that pg_upgrade refuses (sla.attribute.function was regprocedure)');
CREATE FUNCTION public.sv_tier(ticket int) RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'gold' $$;
SET LOCAL search_path = public;
INSERT INTO sla.attribute (name, type, function) VALUES ('sv_tier', 'text', 'sv_tier(int)');
RESET search_path;
SELECT is((SELECT function FROM sla.attribute WHERE name = 'sv_tier'), 'public.sv_tier(integer)',
    'an attribute function named as the writer''s search path finds it is stored qualified, by name');

SELECT * FROM finish();
ROLLBACK;
