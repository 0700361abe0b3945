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
