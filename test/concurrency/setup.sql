-- A small helpdesk for the concurrency test: five tickets, messages written by many clients.
SET client_min_messages = warning;
SELECT sla.define_calendar('conc', 'UTC', '24/7') > 0;
SELECT sla.define_level('conc', 'conc', first_response => '1 hour', next_response => '1 hour',
                        resolution => '1 day', is_default => true) > 0;
CREATE TABLE conc_ticket (id int PRIMARY KEY, status text NOT NULL, created timestamptz NOT NULL);
CREATE TABLE conc_message (ticket int NOT NULL, author text NOT NULL, created timestamptz NOT NULL DEFAULT clock_timestamp());
SELECT sla.attach('conc_ticket', '{"key": "id", "created_at": "created", "status": "status"}',
                  'conc_message', '{"ticket": "ticket", "created_at": "created", "author_kind": "author",
                                    "customer_values": ["customer"], "agent_values": ["agent"]}') > 0;
SELECT sla.map_status('conc_ticket', 'open', 'open');
INSERT INTO conc_ticket SELECT g, 'open', now() - interval '1 hour' FROM generate_series(1, 5) g;

-- Tickets whose status changes arrive out of order (order.pgbench): dated by their
-- transaction's start, applied in commit order.
CREATE TABLE conc_order (id int PRIMARY KEY, status text NOT NULL, created timestamptz NOT NULL);
SELECT sla.attach('conc_order', '{"key": "id", "created_at": "created", "status": "status"}') > 0;
SELECT sla.map_status('conc_order', s, l) FROM (VALUES ('open', 'open'), ('hold', 'paused'), ('done', 'solved')) v (s, l);

-- Configuration edits under load (edits.pgbench, replies.pgbench): a level of its own, twenty
-- tickets answered two at a time.
SELECT sla.define_level('conc_edit', 'conc', first_response => '1 hour', next_response => '1 hour') > 0;
CREATE TABLE conc_edit_ticket (id int PRIMARY KEY, status text NOT NULL, created timestamptz NOT NULL);
CREATE TABLE conc_edit_msg (ticket int NOT NULL, author text NOT NULL, created timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO sla.rule (name, position, set_level_id) SELECT 'conc edit', 100, id FROM sla.level WHERE name = 'conc_edit';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 1, 1, 'priority', 'equals', '"edit"'::jsonb FROM sla.rule WHERE name = 'conc edit';
ALTER TABLE conc_edit_ticket ADD COLUMN prio text NOT NULL DEFAULT 'edit';
SELECT sla.attach('conc_edit_ticket', '{"key": "id", "created_at": "created", "status": "status", "priority": "prio"}',
                  'conc_edit_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "author",
                                     "customer_values": ["customer"], "agent_values": ["agent"]}') > 0;
SELECT sla.map_status('conc_edit_ticket', 'open', 'open');
INSERT INTO conc_edit_ticket (id, status, created) SELECT g, 'open', now() - interval '10 minutes' FROM generate_series(2001, 2020) g;
