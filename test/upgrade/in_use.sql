-- in_use.sql — a database where sla is installed and in use, for the upgrade and restore tests:
-- two calendars (weekly hours, dated and yearly holidays, special days with hours and closed),
-- three levels with targets, a declared attribute, rules with conditions on it and on a ticket
-- column, escalations, a helpdesk's own ticket and message tables attached with a status map,
-- 60 tickets of November 2026 with customer messages and agent replies (clocks started,
-- stopped, paused, re-targeted), then check_breaches: warnings and breaches recorded.
-- psql -v sla_version=X.Y.Z installs that version (a released one, for the ALTER EXTENSION
-- UPDATE test); without it, sla.control's default_version.  So this file uses only what every
-- released version has.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET timezone = 'UTC';
\if :{?sla_version}
CREATE EXTENSION sla VERSION :'sla_version';
\else
CREATE EXTENSION sla;
\endif

SELECT sla.define_calendar('berlin', 'Europe/Berlin', 'mon-fri 09:00-17:00; sat 10:00-13:00') > 0 AS ok;
SELECT sla.add_holiday('berlin', '2026-11-18', 'Buß- und Bettag');
SELECT sla.add_holiday('berlin', '2026-12-25', 'Christmas', yearly => true);
SELECT sla.set_special_day('berlin', '2026-11-13', '09:00-12:00', 'staff meeting');
SELECT sla.set_special_day('berlin', '2026-11-27', 'closed', 'office move');
SELECT sla.define_calendar('around-the-clock', 'UTC', '24/7') > 0 AS ok;
SELECT sla.add_holiday('around-the-clock', '2026-01-01', 'New Year', yearly => true);

SELECT sla.define_level('standard', 'berlin', first_response => '4 hours', next_response => '8 hours',
                        resolution => '2 days', is_default => true) > 0 AS ok;
SELECT sla.define_level('gold', 'around-the-clock', first_response => '1 hour', next_response => '2 hours',
                        resolution => '1 day', warning_percent => 60) > 0 AS ok;
SELECT sla.define_level('urgent', 'around-the-clock', first_response => '30 minutes',
                        resolution => '4 hours', warning_percent => 50) > 0 AS ok;

CREATE SCHEMA helpdesk;
CREATE TABLE helpdesk.ticket (
    id          integer PRIMARY KEY,
    status      text NOT NULL DEFAULT 'new',
    priority    text NOT NULL DEFAULT 'normal',
    department  text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE TABLE helpdesk.message (
    id         serial PRIMARY KEY,
    ticket_id  integer NOT NULL REFERENCES helpdesk.ticket (id) ON DELETE CASCADE,
    author     text NOT NULL,
    created_at timestamptz NOT NULL,
    body       text
);
SELECT sla.attach('helpdesk.ticket',
    '{"key": "id", "created_at": "created_at", "updated_at": "updated_at", "status": "status",
      "priority": "priority", "department": "department"}',
    'helpdesk.message',
    '{"ticket": "ticket_id", "created_at": "created_at", "author_kind": "author",
      "customer_values": ["customer"], "agent_values": ["agent"]}') > 0 AS ok;
SELECT count(sla.map_status('helpdesk.ticket', s, l)) FROM (VALUES
    ('new', 'open'), ('open', 'open'), ('pending', 'paused'), ('solved', 'solved'), ('closed', 'closed')) v(s, l);

-- a declared attribute, written the way that suits both a regprocedure and a text column
CREATE FUNCTION public.my_tier(ticket integer) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT CASE WHEN ticket % 5 = 0 THEN 'gold' ELSE 'basic' END $$;
INSERT INTO sla.attribute (name, type, function) VALUES ('tier', 'text', 'public.my_tier(integer)');

INSERT INTO sla.rule (name, position, set_level_id, on_update)
SELECT r.name, r.position, l.id, r.on_update
  FROM (VALUES ('gold customers', 10, 'gold', false), ('urgent priority', 20, 'urgent', true)) r(name, position, level, on_update)
  JOIN sla.level l ON l.name = r.level;
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
SELECT r.id, c.group_no, c.position, c.attribute, c.operator, c.value::jsonb
  FROM (VALUES ('gold customers', 1, 1, 'tier', 'equals', '"gold"'),
               ('gold customers', 2, 1, 'department', 'equals', '"vip-desk"'),
               ('urgent priority', 1, 1, 'priority', 'equals', '"urgent"')) c(rule, group_no, position, attribute, operator, value)
  JOIN sla.rule r ON r.name = c.rule;

INSERT INTO sla.escalation (level_id, metric, on_event, action, to_level_id, column_name, column_value, position)
SELECT l.id, e.metric::sla.metric, e.on_event, e.action, t.id, e.col, e.val, e.position
  FROM (VALUES ('gold', 'first_response', 'breach', 'raise_level', 'urgent', NULL, NULL, 1),
               ('urgent', 'resolution', 'warning', 'set_column', NULL, 'department', 'escalations', 1),
               ('standard', NULL, 'breach', 'notify_only', NULL, NULL, NULL, 1))
       e(level, metric, on_event, action, to_level, col, val, position)
  JOIN sla.level l ON l.name = e.level LEFT JOIN sla.level t ON t.name = e.to_level;

-- 60 tickets, one every 7 hours from Monday 2 November 2026: a customer message at creation,
-- an agent reply for two in three, a follow-up for some, pending for some, solved for a third
INSERT INTO helpdesk.ticket (id, status, priority, department, created_at, updated_at)
SELECT g, 'new', CASE WHEN g % 11 = 0 THEN 'urgent' ELSE 'normal' END,
       CASE WHEN g % 7 = 0 THEN 'vip-desk' ELSE 'support' END,
       t, t
  FROM generate_series(1, 60) g, LATERAL (SELECT timestamptz '2026-11-02 08:00+00' + (g * 7) * interval '1 hour') x(t);
INSERT INTO helpdesk.message (ticket_id, author, created_at, body)
SELECT id, 'customer', created_at, 'help' FROM helpdesk.ticket ORDER BY id;
INSERT INTO helpdesk.message (ticket_id, author, created_at, body)
SELECT id, 'agent', created_at + interval '50 minutes', 'on it' FROM helpdesk.ticket WHERE id % 3 <> 0 ORDER BY id;
INSERT INTO helpdesk.message (ticket_id, author, created_at, body)
SELECT id, 'customer', created_at + interval '3 hours', 'and?' FROM helpdesk.ticket WHERE id % 4 = 0 ORDER BY id;
UPDATE helpdesk.ticket SET status = 'pending', updated_at = created_at + interval '4 hours' WHERE id % 6 = 1;
UPDATE helpdesk.ticket SET status = 'open', updated_at = created_at + interval '20 hours' WHERE id % 12 = 1;
UPDATE helpdesk.ticket SET status = 'solved', updated_at = created_at + interval '1 day' WHERE id % 3 = 2;
UPDATE helpdesk.ticket SET priority = 'urgent', updated_at = created_at + interval '2 hours' WHERE id IN (2, 4, 8);

SELECT 'crossings recorded: ' || sla.check_breaches('2026-12-01 00:00+00') AS result;
