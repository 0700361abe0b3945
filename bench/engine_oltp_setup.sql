-- engine_oltp_setup.sql — the helpdesk of engine_oltp.sh: the same levels, rules and tables as
-- engine_insert.sql, with 20,000 tickets already there for messages to refer to.
CREATE EXTENSION IF NOT EXISTS sla;
SELECT sla.define_calendar('bench', 'Europe/Berlin', 'mon-fri 09:00-17:00');
SELECT sla.define_level('bench_' || n, 'bench', first_response => (n || ' hours')::sla.business_interval,
                        next_response => '4 hours', resolution => '3 days', is_default => n = 8)
  FROM generate_series(1, 8) n;
INSERT INTO sla.rule (name, position, set_level_id)
     SELECT 'rule ' || n, n, (SELECT id FROM sla.level WHERE name = 'bench_' || (1 + n % 8)) FROM generate_series(1, 10) n;
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT r.id, 1, 1, 'priority', 'equals', to_jsonb('p' || r.position) FROM sla.rule r;
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT r.id, 1, 2, 'department', 'in', '["sales", "billing", "support"]' FROM sla.rule r;
CREATE TABLE bench_ticket (id bigint PRIMARY KEY, subject text, status text, priority text,
                           department text, agent text, requester text, created timestamptz,
                           updated timestamptz, body text);
CREATE INDEX ON bench_ticket (status, department);
CREATE INDEX ON bench_ticket (agent);
CREATE INDEX ON bench_ticket (requester);
CREATE SEQUENCE bench_ticket_id START 1000000;
CREATE TABLE bench_message (id bigserial PRIMARY KEY, ticket bigint, author text, created timestamptz, body text);
CREATE INDEX ON bench_message (ticket);
SELECT sla.attach('bench_ticket', '{"key": "id", "created_at": "created", "status": "status", "priority": "priority",
                   "department": "department", "agent": "agent", "requester": "requester"}',
                  'bench_message', '{"ticket": "ticket", "created_at": "created", "author_kind": "author",
                   "customer_values": ["customer"], "agent_values": ["agent"]}');
SELECT sla.map_status('bench_ticket', 'open', 'open');
INSERT INTO bench_ticket
SELECT g, 'subject ' || g, 'open', 'p' || (g % 12), (ARRAY['sales', 'billing', 'support', 'other'])[1 + g % 4],
       'agent' || (g % 50), 'customer' || (g % 5000) || '@example.com', now() - interval '1 day', NULL, repeat('x', 200)
  FROM generate_series(1, 20000) g;
VACUUM ANALYZE;
