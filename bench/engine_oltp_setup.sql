-- engine_oltp_setup.sql — the helpdesk of engine_oltp.sh: the same levels, rules and tables as
-- engine_insert.sql, with 20,000 tickets already there for messages to refer to.
CREATE EXTENSION IF NOT EXISTS sla;
\ir engine_helpdesk.sql
CREATE SEQUENCE bench_ticket_id START 1000000;
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
