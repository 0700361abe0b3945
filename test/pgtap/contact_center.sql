-- contact_center.sql — call-centre and chat metrics (sla.attach_interactions,
-- sla.contact_center_report, the view sla.contact_center, the JSON twin) on 15 contacts with
-- hand-computed figures, spread over three host tables: timestamptz columns with mixed-case and
-- reserved-word names, timestamp-without-time-zone columns read in New York, integer epochs.
-- Monday 2025-11-24 and Tuesday 2025-11-25; reports as of Wed 2025-11-26 00:00 UTC unless said.
BEGIN;
SELECT plan(67);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

-- billing, calls and chats (agent in a reserved-word column)
CREATE TABLE "Contact" ("Queue" text, "order" text, "From" timestamptz, "select" timestamptz, "End" timestamptz, "user" text);
INSERT INTO "Contact" VALUES
    -- Monday calls: answered after 10 s, 20 s (exactly the threshold), 45 s; abandoned after
    -- 3 s (short), 31 s, 5 s (exactly short_abandon: not short)
    ('billing', 'call', '2025-11-24 10:00:00+00', '2025-11-24 10:00:10+00', '2025-11-24 10:03:00+00', 'ann'),
    ('billing', 'call', '2025-11-24 10:05:00+00', '2025-11-24 10:05:20+00', '2025-11-24 10:08:00+00', 'ann'),
    ('billing', 'call', '2025-11-24 10:10:00+00', '2025-11-24 10:10:45+00', '2025-11-24 10:12:00+00', 'bob'),
    ('billing', 'call', '2025-11-24 10:15:00+00', NULL, '2025-11-24 10:15:03+00', NULL),
    ('billing', 'call', '2025-11-24 10:20:00+00', NULL, '2025-11-24 10:20:31+00', NULL),
    ('billing', 'call', '2025-11-24 10:25:00+00', NULL, '2025-11-24 10:25:05+00', NULL),
    -- Monday chats: answered after 5 s and 25 s
    ('billing', 'chat', '2025-11-24 11:00:00+00', '2025-11-24 11:00:05+00', '2025-11-24 11:10:00+00', 'cy'),
    ('billing', 'chat', '2025-11-24 11:01:00+00', '2025-11-24 11:01:25+00', '2025-11-24 11:20:00+00', 'cy'),
    -- Tuesday calls: answered after 30 s; at 23:30 UTC (00:30 Wednesday in Berlin) after 8 s
    ('billing', 'call', '2025-11-25 09:00:00+00', '2025-11-25 09:00:30+00', '2025-11-25 09:05:00+00', 'ann'),
    ('billing', 'call', '2025-11-25 23:30:00+00', '2025-11-25 23:30:08+00', '2025-11-25 23:40:00+00', 'bob');
-- sales calls, local New York times (EST, UTC-5): Monday 12:00 UTC answered after 15 s,
-- 12:30 UTC abandoned after 60 s; no channel column (channel 'call' by default)
CREATE TABLE sales_calls (q varchar(20), offered timestamp, answered timestamp, ended timestamp);
INSERT INTO sales_calls VALUES ('sales', '2025-11-24 07:00:00', '2025-11-24 07:00:15', '2025-11-24 07:05:00'),
                               ('sales', '2025-11-24 07:30:00', NULL, '2025-11-24 07:31:00');
-- sales chats, Unix epochs, no ended column: Tuesday 10:00 UTC never answered (still waiting),
-- 23:59:50 never answered (waiting 10 s as of Wed 00:00), 10:05 answered after 12 s
CREATE TABLE sales_chats (q text, offered bigint, answered integer, tags text[]);
INSERT INTO sales_chats VALUES
    ('sales', extract(epoch FROM timestamptz '2025-11-25 10:00:00+00'), NULL, NULL),
    ('sales', extract(epoch FROM timestamptz '2025-11-25 23:59:50+00'), NULL, NULL),
    ('sales', extract(epoch FROM timestamptz '2025-11-25 10:05:00+00'), extract(epoch FROM timestamptz '2025-11-25 10:05:12+00'), NULL);

-- ------------------------------------------------------------------ attaching
SELECT ok(sla.attach_interactions('"Contact"', '{"queue": "Queue", "channel": "order", "offered_at": "From",
                                                 "answered_at": "select", "ended_at": "End", "agent": "user"}') > 0,
    'attach: mixed-case and reserved-word columns');
SELECT ok(sla.attach_interactions('sales_calls', '{"queue": "q", "offered_at": "offered", "answered_at": "answered",
                                                   "ended_at": "ended"}', 'America/New_York') > 0,
    'attach: timestamp columns read in a zone');
SELECT ok(sla.attach_interactions('sales_chats', '{"queue": "q", "channel_value": "chat", "offered_at": "offered",
                                                   "answered_at": "answered"}') > 0,
    'attach: epoch columns, a constant channel, no ended_at');
SELECT is(sla.attach_interactions('"Contact"', '{"queue": "Queue", "channel": "order", "offered_at": "From",
                                                 "answered_at": "select", "ended_at": "End", "agent": "user"}'),
    (SELECT id FROM sla.interaction_source WHERE interaction_table = '"Contact"'::regclass),
    'attaching again replaces the mapping and keeps the id');
SELECT is((SELECT mapping FROM sla.interaction_source WHERE interaction_table = 'sales_chats'::regclass),
    '{"queue": "q", "offered_at": "offered", "answered_at": "answered", "channel_value": "chat",
      "kinds": {"queue": "scalar", "offered_at": "epoch", "answered_at": "epoch"}}'::jsonb,
    'the stored mapping: columns, the constant channel and the detected kinds');
SELECT is((SELECT mapping ->> 'channel_value' FROM sla.interaction_source WHERE interaction_table = 'sales_calls'::regclass),
    'call', 'no channel column and no channel_value: call');
SELECT is((SELECT time_zone FROM sla.interaction_source WHERE interaction_table = 'sales_calls'::regclass),
    'America/New_York', 'the zone of timestamp columns is stored');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid IN ('"Contact"'::regclass, 'sales_calls'::regclass, 'sales_chats'::regclass))
          + (SELECT count(*)::int FROM pg_attribute WHERE attrelid = '"Contact"'::regclass AND attnum > 0), 6,
    'nothing is added to the host tables: no triggers, no columns');

SELECT throws_ok($$SELECT sla.attach_interactions('"Contact"', '{"offered_at": "From", "answered_at": "select"}')$$,
    '22023', 'the interaction mapping must name the queue column', 'queue is required');
SELECT throws_ok($$SELECT sla.attach_interactions('"Contact"', '{"queue": "Queue", "offered_at": "From"}')$$,
    '22023', 'the interaction mapping must name the answered_at column', 'answered_at is required');
SELECT throws_ok($$SELECT sla.attach_interactions('"Contact"', '{"queue": "Queue", "offered_at": "From", "answered_at": "select", "colour": "order"}')$$,
    '22023', 'unknown interaction mapping key "colour"', 'unknown key');
SELECT throws_ok($$SELECT sla.attach_interactions('"Contact"', '{"queue": "Queue", "offered_at": "from", "answered_at": "select"}')$$,
    '42703', 'column "from" of relation public."Contact" does not exist (mapping of offered_at)', 'unknown column (names are case sensitive)');
SELECT throws_ok($$SELECT sla.attach_interactions('"Contact"', '{"queue": "Queue", "offered_at": "order", "answered_at": "select"}')$$,
    '42804', 'column "order" of relation public."Contact" has type text, which cannot be mapped as offered_at', 'a text column as a time');
SELECT throws_ok($$SELECT sla.attach_interactions('sales_chats', '{"queue": "tags", "offered_at": "offered", "answered_at": "answered"}')$$,
    '42804', 'column "tags" of relation public.sales_chats has type text[], which cannot be mapped as queue', 'an array as the queue');
SELECT throws_ok($$SELECT sla.attach_interactions('"Contact"', '{"queue": "Queue", "channel": "order", "channel_value": "chat", "offered_at": "From", "answered_at": "select"}')$$,
    '22023', 'the interaction mapping names both a channel column and a channel_value', 'channel and channel_value exclude each other');
SELECT throws_ok($$SELECT sla.attach_interactions('"Contact"', '{"queue": "Queue", "offered_at": "From", "answered_at": "select"}', 'Nowhere/City')$$,
    '22023', 'time zone "Nowhere/City" not recognized', 'unknown time zone');

-- ------------------------------------------------------------------ the report
-- Monday billing calls: 6 offered, 3 answered (10 s, 20 s, 45 s), 2 within 20 s; 3 abandoned
-- (3 s, 31 s, 5 s), 1 short (< 5 s).  SL = 2 / (6 - 1) = 40 %, ASA = 75 / 3 = 25 s,
-- abandonment = (3 - 1) / (6 - 1) = 40 %, average wait of the abandoned 39 / 3 = 13 s.
-- Monday billing chats: 5 s and 25 s: SL 1/2, ASA 15 s.  Monday sales calls: 15 s and an abandon
-- after 60 s: SL 1/2, abandonment 1/2.  Tuesday billing calls: 30 s and 8 s: SL 1/2, ASA 19 s.
-- Tuesday sales chats as of Wed 00:00: one answered after 12 s, one waiting for 14 hours (a
-- miss), one waiting for 10 s (not decided yet: left out of the base): SL = 1 / (3 - 1) = 50 %.
SELECT results_eq(
    $$SELECT period_start, queue, channel, offered, answered, answered_in_threshold, abandoned, short_abandoned,
             service_level, average_speed_of_answer, max_speed_of_answer, abandonment_rate, average_wait_abandoned,
             waiting, service_level_base
        FROM sla.contact_center_report('2025-11-24', '2025-11-27', as_of => '2025-11-26 00:00+00')$$,
    $$VALUES ('2025-11-24 00:00'::timestamp, 'billing', 'call', 6::bigint, 3::bigint, 2::bigint, 3::bigint, 1::bigint,
              40.00::numeric, '25 s'::interval, '45 s'::interval, 40.00::numeric, '13 s'::interval, 0::bigint, 5::bigint),
             ('2025-11-24 00:00', 'billing', 'chat', 2, 2, 1, 0, 0, 50.00, '15 s', '25 s', 0.00, NULL, 0, 2),
             ('2025-11-24 00:00', 'sales', 'call', 2, 1, 1, 1, 0, 50.00, '15 s', '15 s', 50.00, '60 s', 0, 2),
             ('2025-11-25 00:00', 'billing', 'call', 2, 2, 1, 0, 0, 50.00, '19 s', '30 s', 0.00, NULL, 0, 2),
             ('2025-11-25 00:00', 'sales', 'chat', 3, 1, 1, 0, 0, 50.00, '12 s', '12 s', 0.00, NULL, 2, 2)$$,
    'per UTC day, queue and channel over three sources');
-- the whole range: billing calls 8 offered, 5 answered (10, 20, 45, 30, 8 s), 3 within 20 s,
-- 3 abandoned, 1 short: SL 3/7 = 42.86 %, ASA 113/5 = 22.6 s, abandonment 2/7 = 28.57 %
SELECT results_eq(
    $$SELECT period_start, offered, answered_in_threshold, service_level, average_speed_of_answer, abandonment_rate, service_level_base
        FROM sla.contact_center_report('2025-11-24', '2025-11-27', period => NULL, only_queue => 'billing', only_channel => 'call',
                                       as_of => '2025-11-26 00:00+00')$$,
    $$VALUES (NULL::timestamp, 8::bigint, 3::bigint, 42.86::numeric, '22.6 s'::interval, 28.57::numeric, 7::bigint)$$,
    'period null: the whole range; rates rounded to 2 decimals');
SELECT results_eq(
    $$SELECT queue, channel, offered FROM sla.contact_center_report('2025-11-24', '2025-11-27', period => NULL,
                                                                     only_channel => 'chat', as_of => '2025-11-26 00:00+00')$$,
    $$VALUES ('billing', 'chat', 2::bigint), ('sales', 'chat', 3::bigint)$$,
    'only_channel');
-- in Berlin (UTC+1) the 23:30 UTC call is Wednesday's
SELECT results_eq(
    $$SELECT period_start, offered, answered_in_threshold, service_level
        FROM sla.contact_center_report('2025-11-24 00:00+01', '2025-11-27 00:00+01', time_zone => 'Europe/Berlin',
                                       only_queue => 'billing', only_channel => 'call', as_of => '2025-11-26 00:00+00')$$,
    $$VALUES ('2025-11-24 00:00'::timestamp, 6::bigint, 2::bigint, 40.00::numeric),
             ('2025-11-25 00:00', 1, 0, 0.00), ('2025-11-26 00:00', 1, 1, 100.00)$$,
    'days in a non-UTC zone: a contact near midnight lands on the local day');
SELECT results_eq(
    $$SELECT period_start, offered FROM sla.contact_center_report('2025-11-24', '2025-11-27', period => 'hour',
             time_zone => 'Europe/Berlin', only_channel => 'chat', only_queue => 'billing', as_of => '2025-11-26 00:00+00')$$,
    $$VALUES ('2025-11-24 12:00'::timestamp, 2::bigint)$$,
    'hours in a zone');
SELECT results_eq(
    $$SELECT DISTINCT period_start FROM sla.contact_center_report('2025-11-01', '2025-12-01', period => 'week', as_of => '2025-11-26 00:00+00')$$,
    $$VALUES ('2025-11-24 00:00'::timestamp)$$, 'weeks start on Monday');
SELECT results_eq(
    $$SELECT period_start, sum(offered) FROM sla.contact_center_report('2025-11-01', '2025-12-01', period => 'month', as_of => '2025-11-26 00:00+00')
       GROUP BY 1$$,
    $$VALUES ('2025-11-01 00:00'::timestamp, 15::numeric)$$, 'months: all 15 contacts');
-- thresholds: within 19 s only the 10 s answer; no short abandons: base 6, 3 abandoned of 6;
-- short abandons under 6 s: 3 s and 5 s, base 4, 1 abandoned of 4
SELECT results_eq(
    $$SELECT answered_in_threshold, service_level, short_abandoned, abandonment_rate FROM sla.contact_center_report('2025-11-24', '2025-11-25', '19 seconds',
             only_queue => 'billing', only_channel => 'call', as_of => '2025-11-26 00:00+00')$$,
    $$VALUES (1::bigint, 20.00::numeric, 1::bigint, 40.00::numeric)$$, 'answer_threshold: an answer exactly at it counts, one second less does not');
SELECT results_eq(
    $$SELECT short_abandoned, service_level, abandonment_rate, service_level_base FROM sla.contact_center_report('2025-11-24', '2025-11-25',
             only_queue => 'billing', only_channel => 'call', short_abandon => '0 seconds', as_of => '2025-11-26 00:00+00')$$,
    $$VALUES (0::bigint, 33.33::numeric, 50.00::numeric, 6::bigint)$$, 'short_abandon 0: every abandon counts');
SELECT results_eq(
    $$SELECT short_abandoned, service_level, abandonment_rate, average_wait_abandoned FROM sla.contact_center_report('2025-11-24', '2025-11-25',
             only_queue => 'billing', only_channel => 'call', short_abandon => '6 seconds', as_of => '2025-11-26 00:00+00')$$,
    $$VALUES (2::bigint, 50.00::numeric, 25.00::numeric, '13 s'::interval)$$,
    'short_abandon 6 s: the 5 s abandon is short too; the average wait still covers every abandon');
-- as of Monday 10:05:15: the 10:00 call was answered, the 10:05 call has waited 15 s (its answer
-- at 10:05:20 has not happened yet), later calls are not offered yet
SELECT results_eq(
    $$SELECT offered, answered, waiting, service_level_base, service_level FROM sla.contact_center_report('2025-11-24', '2025-11-25',
             only_queue => 'billing', only_channel => 'call', as_of => '2025-11-24 10:05:15+00')$$,
    $$VALUES (2::bigint, 1::bigint, 1::bigint, 1::bigint, 100.00::numeric)$$,
    'a contact waiting no longer than the threshold is not decided: out of the service level base');
SELECT results_eq(
    $$SELECT offered, waiting, service_level_base, service_level FROM sla.contact_center_report('2025-11-24', '2025-11-25', '10 seconds',
             only_queue => 'billing', only_channel => 'call', as_of => '2025-11-24 10:05:15+00')$$,
    $$VALUES (2::bigint, 1::bigint, 2::bigint, 50.00::numeric)$$,
    'a contact waiting longer than the threshold is a miss');
SELECT results_eq(
    $$SELECT abandoned, waiting, abandonment_rate FROM sla.contact_center_report('2025-11-24', '2025-11-25',
             only_queue => 'billing', only_channel => 'call', as_of => '2025-11-24 10:20:30+00')$$,
    $$VALUES (1::bigint, 1::bigint, 0.00::numeric)$$,
    'a caller who has not hung up yet is waiting, not abandoned; waiting contacts count in the abandonment denominator');
-- range bounds: [from, to) on the instant, whatever the column type
SELECT is((SELECT sum(offered)::int FROM sla.contact_center_report('2025-11-24 12:00+00', '2025-11-24 12:30+00', as_of => '2025-11-26 00:00+00')),
    1, 'range [from, to): timestamp columns read in New York');
SELECT is((SELECT sum(offered)::int FROM sla.contact_center_report('2025-11-25 10:00+00', '2025-11-25 10:05+00', as_of => '2025-11-26 00:00+00')),
    1, 'range [from, to): epoch columns');
SELECT is((SELECT sum(offered)::int FROM sla.contact_center_report('2025-11-25 09:59:59.5+00', '2025-11-25 10:00:00.5+00', as_of => '2025-11-26 00:00+00')),
    1, 'range with fractional bounds: epoch columns');
SELECT is((SELECT sum(offered)::int FROM sla.contact_center_report('2025-11-24 10:00+00', '2025-11-24 10:00+00', as_of => '2025-11-26 00:00+00')),
    NULL, 'an empty range');
SELECT is((SELECT count(*)::int FROM sla.contact_center_report('2025-11-24', '2025-11-27', only_queue => 'nobody')), 0, 'an unknown queue: no rows');

SELECT throws_ok($$SELECT * FROM sla.contact_center_report('2025-11-24', '2025-11-27', period => 'fortnight')$$,
    '22023', 'unknown report period "fortnight"', 'unknown period');
SELECT throws_ok($$SELECT * FROM sla.contact_center_report('2025-11-24', '2025-11-27', '-5 seconds')$$,
    '22023', 'answer_threshold must not be negative', 'negative threshold');
SELECT throws_ok($$SELECT * FROM sla.contact_center_report('2025-11-24', '2025-11-27', short_abandon => '-1 second')$$,
    '22023', 'short_abandon must not be negative', 'negative short_abandon');
SELECT throws_ok($$SELECT * FROM sla.contact_center_report('2025-11-27', '2025-11-24')$$,
    '22023', 'from_time must not be after to_time', 'from_time after to_time');
SELECT throws_ok($$SELECT * FROM sla.contact_center_report('2025-11-24', '2025-11-27', time_zone => 'Mars/Olympus')$$,
    '22023', 'time zone "Mars/Olympus" not recognized', 'unknown report zone');
SELECT throws_ok($$SELECT * FROM sla.contact_center_report(NULL, '2025-11-27')$$,
    '22023', 'from_time and to_time must not be null', 'null bounds');

-- ------------------------------------------------------------------ JSON, the view
SELECT is(sla.contact_center_report_json('2025-11-24', '2025-11-27', period => NULL, only_queue => 'sales', as_of => '2025-11-26 00:00+00'),
    '[{"period_start": null, "queue": "sales", "channel": "call", "offered": 2, "answered": 1, "answered_in_threshold": 1,
       "abandoned": 1, "short_abandoned": 0, "service_level": 50.00, "average_speed_of_answer": "00:00:15",
       "max_speed_of_answer": "00:00:15", "abandonment_rate": 50.00, "average_wait_abandoned": "00:01:00", "waiting": 0,
       "service_level_base": 2},
      {"period_start": null, "queue": "sales", "channel": "chat", "offered": 3, "answered": 1, "answered_in_threshold": 1,
       "abandoned": 0, "short_abandoned": 0, "service_level": 50.00, "average_speed_of_answer": "00:00:12",
       "max_speed_of_answer": "00:00:12", "abandonment_rate": 0.00, "average_wait_abandoned": null, "waiting": 2,
       "service_level_base": 2}]'::jsonb,
    'contact_center_report_json: one object per row');
SELECT is(sla.contact_center_report_json('2020-01-01', '2020-01-02'), '[]'::jsonb, 'contact_center_report_json: empty is []');
SELECT is((sla.contact_center_report_json('2025-11-24', '2025-11-26', as_of => '2025-11-26 00:00+00') -> 0 ->> 'period_start'),
    '2025-11-24T00:00:00', 'JSON: period_start as a local timestamp');

SELECT has_view('sla', 'contact_center', 'the contact_center view');
SELECT results_eq($$SELECT * FROM sla.contact_center$$,
    $$SELECT * FROM sla.contact_center_report('-infinity', 'infinity', '20 seconds', 'day', 'UTC', NULL, NULL, '5 seconds', now())$$,
    'the view: per UTC day over all time, as of now');
-- as of now both Tuesday sales chats have waited for ages: two misses, SL 1/3
SELECT results_eq($$SELECT service_level, waiting, service_level_base FROM sla.contact_center WHERE queue = 'sales' AND channel = 'chat'$$,
    $$VALUES (33.33::numeric, 2::bigint, 3::bigint)$$, 'the view: waiting contacts judged as of now');
SELECT is_empty($$SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'sla.contact_center'::regclass AND a.attnum > 0
                    AND col_description(a.attrelid, a.attnum) IS NULL$$, 'every column of the view has a comment');
SELECT isnt(obj_description('sla.contact_center'::regclass, 'pg_class'), NULL, 'the view has a comment');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = 'sla'::regnamespace
                    AND p.proname IN ('attach_interactions', 'detach_interactions', 'contact_center_report',
                                      'contact_center_report_json', 'interaction_time_sql')
                    AND (obj_description(p.oid, 'pg_proc') IS NULL OR NOT 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig))$$,
    'the functions have comments and a pinned search_path');
SELECT volatility_is('sla', 'contact_center_report',
    ARRAY['timestamp with time zone', 'timestamp with time zone', 'interval', 'text', 'text', 'text', 'text', 'interval', 'timestamp with time zone'], 'stable', 'the report is STABLE');
SELECT volatility_is('sla', 'contact_center_report_json',
    ARRAY['timestamp with time zone', 'timestamp with time zone', 'interval', 'text', 'text', 'text', 'text', 'interval', 'timestamp with time zone'], 'stable', 'the JSON twin is STABLE');
SELECT volatility_is('sla', 'attach_interactions', ARRAY['regclass', 'jsonb', 'text'], 'volatile', 'attach_interactions is VOLATILE');
SELECT ok((SELECT count(*) = 2 FROM pg_extension e, unnest(e.extconfig) c
            WHERE e.extname = 'sla' AND c IN ('sla.interaction_source'::regclass, 'sla.interaction_source_id_seq'::regclass)),
    'interaction_source is dumped by pg_dump');

-- ------------------------------------------------------------------ roles
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    res text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', r);
    EXECUTE q INTO res;
    RESET ROLE;
    RETURN res;
END
$$;
CREATE ROLE cc_read NOLOGIN;
CREATE ROLE cc_blind NOLOGIN;
CREATE ROLE cc_adm NOLOGIN;
GRANT sla_reader TO cc_read, cc_blind;
GRANT sla_admin TO cc_adm;
GRANT SELECT ON "Contact", sales_calls, sales_chats TO cc_read;
SELECT is(pg_temp.as_role('cc_read', 'SELECT count(*) FROM sla.contact_center'), '5', 'reader: the view');
SELECT is(pg_temp.as_role('cc_read', $$SELECT service_level FROM sla.contact_center_report('2025-11-24', '2025-11-27', period => NULL,
          only_queue => 'billing', only_channel => 'call', as_of => '2025-11-26 00:00+00')$$), '42.86', 'reader: the report');
SELECT is(pg_temp.as_role('cc_read', $$SELECT jsonb_array_length(sla.contact_center_report_json('2025-11-24', '2025-11-27'))$$), '5',
    'reader: the JSON twin');
SELECT is(pg_temp.as_role('cc_read', 'SELECT count(*) FROM sla.interaction_source'), '3', 'reader: the mappings');
SELECT throws_ok($$SELECT pg_temp.as_role('cc_read', 'DELETE FROM sla.interaction_source')$$,
    '42501', 'permission denied for table interaction_source', 'reader: cannot change the mappings');
SELECT throws_ok($$SELECT pg_temp.as_role('cc_blind', 'SELECT count(*) FROM sla.contact_center')$$,
    '42501', 'permission denied for table Contact', 'the report reads the host tables as the caller');
SELECT ok(pg_temp.as_role('cc_adm', $$SELECT sla.attach_interactions('sales_chats', '{"queue": "q", "channel_value": "web chat",
          "offered_at": "offered", "answered_at": "answered"}')$$)::int > 0, 'admin: records a mapping');

-- ------------------------------------------------------------------ detaching
SELECT lives_ok($$SELECT sla.detach_interactions('sales_chats')$$, 'detach');
SELECT is((SELECT count(*)::int FROM sla.contact_center_report('2025-11-24', '2025-11-27', as_of => '2025-11-26 00:00+00')), 4,
    'a detached table is no longer read');
SELECT is((SELECT count(*)::int FROM sales_chats), 3, 'detaching leaves the host table alone');
SELECT throws_ok($$SELECT sla.detach_interactions('sales_chats')$$,
    '42704', 'table public.sales_chats is not attached as an interaction source', 'detaching twice');
SELECT lives_ok($$SELECT pg_temp.as_role('cc_adm', 'SELECT sla.detach_interactions(''sales_calls'')')$$, 'admin: detaches');
SELECT is((SELECT count(*)::int FROM sla.interaction_source), 1, 'one source left');
SELECT sla.attach_interactions('sales_calls', '{"queue": "q", "offered_at": "offered", "answered_at": "answered"}');
DROP TABLE sales_calls;
SELECT is((SELECT count(*)::int FROM sla.contact_center_report('2025-11-24', '2025-11-27', as_of => '2025-11-26 00:00+00')), 3,
    'a table dropped after it was attached is skipped');

SELECT * FROM finish();
ROLLBACK;
