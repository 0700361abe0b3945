-- engine_statement_batch.sql — the new tickets of one INSERT are written together at its end
-- (src/new_ticket_batch.c): the same rows as one statement per ticket, in the same order, and
-- never read before they are written: by a host trigger of the same statement, in a
-- subtransaction that rolls back, on another attachment, with the statement trigger disabled.
-- Calendar mon-fri 09:00-17:00 UTC; 2026-11-23 is a Monday.
BEGIN;
SELECT plan(24);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('sb', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('sb_std', 'sb', first_response => '4 hours', resolution => '2 days', is_default => true) > 0,
    'default level');
SELECT ok(sla.define_level('sb_gold', 'sb', first_response => '1 hour', resolution => '1 day') > 0, 'gold level');
INSERT INTO sla.rule (name, position, set_level_id) SELECT 'sb gold', 1, id FROM sla.level WHERE name = 'sb_gold';
INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
     SELECT id, 1, 'priority', 'equals', '"high"' FROM sla.rule WHERE name = 'sb gold';

-- two helpdesks of the same shape: one written a row per statement, one in bulk
CREATE TABLE sb_one (id bigint PRIMARY KEY, st text, prio text, dept text, created timestamptz);
CREATE TABLE sb_bulk (id bigint PRIMARY KEY, st text, prio text, dept text, created timestamptz);
CREATE TABLE sb_msg (id serial PRIMARY KEY, ticket bigint, who text, created timestamptz);
SELECT ok(sla.attach('sb_one', '{"key": "id", "created_at": "created", "status": "st", "priority": "prio", "department": "dept"}') > 0,
    'one-by-one helpdesk attached');
SELECT ok(sla.attach('sb_bulk', '{"key": "id", "created_at": "created", "status": "st", "priority": "prio", "department": "dept"}',
                     'sb_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "who",
                                 "customer_values": ["customer"], "agent_values": ["agent"]}') > 0,
    'bulk helpdesk attached');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'sb_bulk'::regclass AND tgname = 'sla_ticket_statement_end'
             AND NOT tgisinternal AND tgtype = 4 + 0),
    1, 'attach adds the AFTER INSERT statement trigger sla_ticket_statement_end');
SELECT sla.map_status(t, s, l) FROM unnest(ARRAY['sb_one', 'sb_bulk']) t,
       (VALUES ('open', 'open'), ('solved', 'solved'), ('waiting', 'paused')) m(s, l);

CREATE FUNCTION pg_temp.att(t regclass) RETURNS int LANGUAGE sql AS $$ SELECT id FROM sla.attachment WHERE ticket_table = t $$;
-- what a ticket's tracking rows say, ids and positions left out (they are drawn in order)
CREATE FUNCTION pg_temp.tracked(t regclass) RETURNS TABLE (what text) LANGUAGE sql AS $$
    SELECT 'ticket ' || ticket_key || ' ' || coalesce(level_id::text, '-') || ' ' || lifecycle || ' ' || coalesce(department, '-')
      FROM sla.ticket WHERE attachment_id = pg_temp.att(t)
    UNION ALL
    SELECT 'clock ' || ticket_key || ' ' || metric || ' ' || cycle || ' ' || level_id || ' ' || state || ' ' || started_at
           || ' ' || due_at || ' ' || coalesce(stopped_at::text, '-') || ' ' || coalesce(warn_at::text, '-') || ' '
           || coalesce(department, '-') || ' ' || coalesce(policy_version::text, '-')
      FROM sla.clock WHERE attachment_id = pg_temp.att(t)
    UNION ALL
    SELECT 'fact ' || ticket_key || ' ' || seq || ' ' || at || ' ' || kind || ' ' || detail::text
      FROM sla.fact WHERE attachment_id = pg_temp.att(t)
$$;

-- ---------------------------------------------------------------- the same rows, in order
-- open, high priority (gold), paused, solved at once: written one per statement, then in one
INSERT INTO sb_one SELECT g, (ARRAY['open', 'open', 'waiting', 'solved'])[1 + g % 4], CASE WHEN g % 3 = 0 THEN 'high' ELSE 'low' END,
       'd' || (g % 5), '2026-11-23 09:00+00'::timestamptz + g * interval '7 minutes'
  FROM generate_series(1, 40) g;
INSERT INTO sb_bulk SELECT * FROM sb_one ORDER BY id;
DO $$ BEGIN FOR i IN 41..60 LOOP
    INSERT INTO sb_one VALUES (i, 'open', 'low', 'd1', '2026-11-23 09:00+00'::timestamptz + i * interval '7 minutes');
END LOOP; END $$;
INSERT INTO sb_bulk SELECT * FROM sb_one WHERE id > 40;
SELECT set_eq($$SELECT * FROM pg_temp.tracked('sb_one')$$, $$SELECT * FROM pg_temp.tracked('sb_bulk')$$,
    'tickets, clocks and facts written in bulk are those written one by one');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE attachment_id = pg_temp.att('sb_bulk')), 120,
    '120 clocks for 60 tickets');
SELECT is((SELECT count(*)::int FROM (SELECT ticket_key::bigint < lag(ticket_key::bigint) OVER (ORDER BY id) AS back
                                       FROM sla.clock WHERE attachment_id = pg_temp.att('sb_bulk')) x WHERE back),
    0, 'the clocks take their ids in the order of the rows');
SELECT is((SELECT count(*)::int FROM (SELECT ticket_key::bigint < lag(ticket_key::bigint) OVER (ORDER BY started_pos) AS back
                                       FROM sla.clock WHERE attachment_id = pg_temp.att('sb_bulk')) x WHERE back),
    0, 'and their places in the timeline');

-- ---------------------------------------------------------------- read in the same statement
-- an auto-acknowledgement: the helpdesk's own row trigger answers high-priority tickets at once;
-- the message's trigger reads the ticket before the INSERT has ended
CREATE FUNCTION pg_temp.acknowledge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.prio = 'high' THEN
        INSERT INTO sb_msg (ticket, who, created) VALUES (NEW.id, 'agent', NEW.created + interval '1 minute');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER zz_acknowledge AFTER INSERT ON sb_bulk FOR EACH ROW EXECUTE FUNCTION pg_temp.acknowledge();
INSERT INTO sb_bulk SELECT g, 'open', CASE WHEN g % 2 = 0 THEN 'high' ELSE 'low' END, 'd1',
       '2026-11-24 10:00+00'::timestamptz + g * interval '1 minute' FROM generate_series(101, 110) g;
SELECT is((SELECT string_agg(ticket_key || ':' || state, ' ' ORDER BY ticket_key::bigint) FROM sla.clock
            WHERE attachment_id = pg_temp.att('sb_bulk') AND ticket_key::bigint BETWEEN 101 AND 106 AND metric = 'first_response'),
    '101:running 102:met 103:running 104:met 105:running 106:met',
    'a reply written by a host trigger of the same INSERT finds its ticket and stops its first response');
SELECT is((SELECT count(*)::int FROM sla.ticket WHERE attachment_id = pg_temp.att('sb_bulk') AND ticket_key::bigint BETWEEN 101 AND 110),
    10, 'every ticket of that INSERT is tracked once');
DROP TRIGGER zz_acknowledge ON sb_bulk;

-- ---------------------------------------------------------------- a subtransaction rolled back
-- the host trigger's message is undone by its exception block after the engine wrote the queued
-- tickets inside it: they are written again at the end of the INSERT
CREATE FUNCTION pg_temp.try_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        INSERT INTO sb_msg (ticket, who, created) VALUES (NEW.id, 'customer', NEW.created);
        RAISE EXCEPTION 'undo the note';
    EXCEPTION WHEN raise_exception THEN
        NULL;
    END;
    RETURN NULL;
END $$;
CREATE TRIGGER zz_try_note AFTER INSERT ON sb_bulk FOR EACH ROW EXECUTE FUNCTION pg_temp.try_note();
INSERT INTO sb_bulk SELECT g, 'open', 'low', 'd2', '2026-11-24 11:00+00'::timestamptz + g * interval '1 minute'
  FROM generate_series(201, 208) g;
DROP TRIGGER zz_try_note ON sb_bulk;
SELECT is((SELECT count(*)::int FROM sla.ticket WHERE attachment_id = pg_temp.att('sb_bulk') AND ticket_key::bigint BETWEEN 201 AND 208),
    8, 'tickets written in a subtransaction that rolled back are written again');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE attachment_id = pg_temp.att('sb_bulk') AND ticket_key::bigint BETWEEN 201 AND 208),
    16, 'with their clocks, once');
SELECT is((SELECT count(*)::int FROM sla.fact WHERE attachment_id = pg_temp.att('sb_bulk') AND ticket_key::bigint BETWEEN 201 AND 208),
    8, 'and their created facts only (the undone notes left none)');

-- ---------------------------------------------------------------- another attachment meanwhile
CREATE FUNCTION pg_temp.mirror() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sb_one VALUES (NEW.id, NEW.st, NEW.prio, NEW.dept, NEW.created);
    RETURN NULL;
END $$;
CREATE TRIGGER zz_mirror AFTER INSERT ON sb_bulk FOR EACH ROW EXECUTE FUNCTION pg_temp.mirror();
INSERT INTO sb_bulk SELECT g, 'open', 'high', 'd3', '2026-11-24 12:00+00'::timestamptz + g * interval '1 minute'
  FROM generate_series(301, 306) g;
DROP TRIGGER zz_mirror ON sb_bulk;
SELECT set_eq($$SELECT * FROM pg_temp.tracked('sb_one') WHERE what ~ '^\w+ 30[1-6] '$$,
              $$SELECT * FROM pg_temp.tracked('sb_bulk') WHERE what ~ '^\w+ 30[1-6] '$$,
    'tickets of two attachments written in one statement are both tracked, alike');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE attachment_id = pg_temp.att('sb_one') AND ticket_key::bigint BETWEEN 301 AND 306),
    12, 'the other attachment''s clocks');

-- ---------------------------------------------------------------- without the statement trigger
ALTER TABLE sb_bulk DISABLE TRIGGER sla_ticket_statement_end;
INSERT INTO sb_bulk SELECT g, 'open', 'low', 'd4', '2026-11-24 13:00+00'::timestamptz + g * interval '1 minute'
  FROM generate_series(401, 405) g;
SELECT is((SELECT count(*)::int FROM sla.clock WHERE attachment_id = pg_temp.att('sb_bulk') AND ticket_key::bigint BETWEEN 401 AND 405),
    10, 'with the statement trigger disabled, each ticket is written by its row trigger');
ALTER TABLE sb_bulk ENABLE TRIGGER sla_ticket_statement_end;

-- ---------------------------------------------------------------- statements that fail or roll back
-- a host trigger failing on the fifth row, after the engine queued four tickets
CREATE FUNCTION pg_temp.refuse_505() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = 505 THEN
        RAISE EXCEPTION 'ticket 505 refused' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER zz_refuse AFTER INSERT ON sb_bulk FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_505();
SAVEPOINT before_failure;
SELECT throws_ok($$INSERT INTO sb_bulk SELECT g, 'open', 'low', 'd5', '2026-11-24 14:00+00'::timestamptz
                     FROM generate_series(501, 510) g$$,
    '23514', 'ticket 505 refused', 'an INSERT failing after some of its tickets were queued');
ROLLBACK TO SAVEPOINT before_failure;
DROP TRIGGER zz_refuse ON sb_bulk;
INSERT INTO sb_bulk VALUES (520, 'open', 'low', 'd5', '2026-11-24 14:30+00');
SELECT is((SELECT string_agg(ticket_key, ' ' ORDER BY ticket_key) FROM sla.ticket
            WHERE attachment_id = pg_temp.att('sb_bulk') AND ticket_key::bigint BETWEEN 501 AND 520),
    '520', 'leaves nothing queued for the next statement to write');
SAVEPOINT before_rollback;
INSERT INTO sb_bulk SELECT g, 'open', 'low', 'd6', '2026-11-24 15:00+00'::timestamptz FROM generate_series(601, 605) g;
ROLLBACK TO SAVEPOINT before_rollback;
SELECT is((SELECT count(*)::int FROM sla.ticket WHERE attachment_id = pg_temp.att('sb_bulk') AND ticket_key::bigint BETWEEN 601 AND 605),
    0, 'a rolled-back INSERT leaves no tracking rows');
INSERT INTO sb_bulk SELECT g, 'open', 'low', 'd7', '2026-11-24 16:00+00'::timestamptz FROM generate_series(701, 704) g
    ON CONFLICT DO NOTHING;
INSERT INTO sb_bulk SELECT g, 'open', 'low', 'd7', '2026-11-24 16:00+00'::timestamptz FROM generate_series(701, 706) g
    ON CONFLICT DO NOTHING;
SELECT is((SELECT count(*)::int FROM sla.clock WHERE attachment_id = pg_temp.att('sb_bulk') AND ticket_key::bigint BETWEEN 701 AND 706),
    12, 'INSERT ... ON CONFLICT DO NOTHING tracks the rows it inserted, once');

-- ---------------------------------------------------------------- memory bounded
-- a queue of 10,000 tickets is written at once by the row trigger: a statement of millions of
-- rows never holds them all; a host trigger on the 10,001st row sees the first 10,000 written
CREATE TEMP TABLE sb_seen (tracked int);
CREATE FUNCTION pg_temp.count_at_10001() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = 810001 THEN
        INSERT INTO sb_seen SELECT count(*) FROM sla.ticket_int8 WHERE ticket_key BETWEEN 800001 AND 899999;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER zz_count AFTER INSERT ON sb_bulk FOR EACH ROW EXECUTE FUNCTION pg_temp.count_at_10001();
INSERT INTO sb_bulk SELECT g, 'open', 'low', 'd8', '2026-11-25 09:00+00'::timestamptz FROM generate_series(800001, 810003) g;
DROP TRIGGER zz_count ON sb_bulk;
SELECT is((SELECT tracked FROM sb_seen), 10000, 'the queue is written every 10,000 tickets, within the statement');
SELECT is((SELECT count(*)::int FROM sla.clock WHERE attachment_id = pg_temp.att('sb_bulk') AND ticket_key::bigint BETWEEN 800001 AND 899999),
    20006, 'and the rest at its end');

SELECT * FROM finish();
ROLLBACK;
