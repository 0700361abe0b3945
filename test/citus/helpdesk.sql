-- helpdesk.sql — the Citus test's helpdesk, as it existed before sla: tickets keyed by bigint,
-- messages keyed by (ticket, id) so that Citus can distribute them by ticket; then sla's
-- configuration (calendars, levels, rules) and the attachment.  Run on one node and on the
-- Citus coordinator alike (test/citus/run.sh).
CREATE SCHEMA helpdesk;
CREATE TABLE helpdesk.ticket (
    id          bigint PRIMARY KEY,
    subject     text NOT NULL,
    status      text NOT NULL,
    priority    text NOT NULL,
    channel     text NOT NULL,
    department  text NOT NULL,
    assignee    text,
    customer_id integer NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE TABLE helpdesk.message (
    ticket_id   bigint NOT NULL,
    id          bigint NOT NULL,
    author_type text NOT NULL,
    is_internal boolean NOT NULL DEFAULT false,
    channel     text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (ticket_id, id)
);

SELECT sla.define_calendar('berlin-office', 'Europe/Berlin', 'mon-fri 08:00-18:00') > 0 AS ok \gset
SELECT sla.add_holiday('berlin-office', '2026-11-18', 'Buss- und Bettag (test)') IS NOT NULL AS ok \gset
SELECT sla.define_calendar('premium-24x7', 'UTC', '24/7') > 0 AS ok \gset
SELECT sla.define_level('standard', 'berlin-office', first_response => '4 hours', next_response => '8 hours',
                        resolution => '3 days', warning_percent => 75, is_default => true) > 0 AS ok \gset
SELECT sla.define_level('live', 'berlin-office', first_response => '1 hour', next_response => '2 hours',
                        chat_response => '10 minutes', resolution => '1 day', warning_percent => 70) > 0 AS ok \gset
SELECT sla.define_level('premium', 'premium-24x7', first_response => '1 hour', next_response => '2 hours',
                        periodic_update => '1 day', resolution => '1 day', warning_percent => 60) > 0 AS ok \gset

SELECT sla.attach('helpdesk.ticket',
    '{"key": "id", "created_at": "created_at", "updated_at": "updated_at", "status": "status",
      "priority": "priority", "channel": "channel", "department": "department", "agent": "assignee",
      "requester": "customer_id"}',
    'helpdesk.message',
    '{"ticket": "ticket_id", "created_at": "created_at", "author_kind": "author_type",
      "customer_values": ["customer"], "agent_values": ["agent"], "system_values": ["system"],
      "internal": "is_internal", "channel": "channel", "chat_values": ["chat"]}',
    'UTC') > 0 AS ok \gset
SELECT count(sla.map_status('helpdesk.ticket', s, l)) AS n FROM (VALUES
    ('new', 'open'), ('open', 'open'), ('pending', 'paused'), ('solved', 'solved'), ('closed', 'closed'),
    ('spam', 'deleted')) v(s, l) \gset

INSERT INTO sla.rule (name, position, set_level_id, stop_processing, on_update)
SELECT r.name, r.position, l.id, false, r.on_update
  FROM (VALUES ('chat', 10, 'live', false), ('urgent priority', 20, 'premium', true)) r(name, position, level, on_update)
  JOIN sla.level l ON l.name = r.level;
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
SELECT r.id, 1, 1, c.attribute, c.operator, c.value::jsonb
  FROM (VALUES ('chat', 'channel', 'equals', '"chat"'),
               ('urgent priority', 'priority', 'equals', '"urgent"')) c(rule, attribute, operator, value)
  JOIN sla.rule r ON r.name = c.rule;
