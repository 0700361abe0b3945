-- engine_helpdesk.sql — the helpdesk the engine benchmarks use (engine_insert.sql, engine_floor.sql,
-- engine_oltp_setup.sql): one calendar, 8 levels, 10 active rules of two conditions each, a
-- ticket table of realistic width with the indexes such a table has, and a message table.
SELECT sla.define_calendar('bench', 'Europe/Berlin', 'mon-fri 09:00-17:00');
SELECT sla.define_level('bench_' || n, 'bench', first_response => (n || ' hours')::sla.business_interval,
                        next_response => '4 hours', resolution => '3 days', is_default => n = 8)
  FROM generate_series(1, 8) n;
-- ten active rules of realistic shapes
INSERT INTO sla.rule (name, position, set_level_id)
     SELECT 'rule ' || n, n, (SELECT id FROM sla.level WHERE name = 'bench_' || (1 + n % 8)) FROM generate_series(1, 10) n;
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT r.id, 1, 1, 'priority', 'equals', to_jsonb('p' || r.position) FROM sla.rule r;
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT r.id, 1, 2, 'department', 'in', '["sales", "billing", "support"]' FROM sla.rule r;

-- a helpdesk ticket table of realistic width, with the indexes such a table has
CREATE TABLE bench_ticket (id bigint PRIMARY KEY, subject text, status text, priority text,
                           department text, agent text, requester text, created timestamptz,
                           updated timestamptz, body text);
CREATE INDEX ON bench_ticket (status, department);
CREATE INDEX ON bench_ticket (agent);
CREATE INDEX ON bench_ticket (requester);
CREATE TABLE bench_message (id bigserial PRIMARY KEY, ticket bigint, author text, created timestamptz, body text);
CREATE INDEX ON bench_message (ticket);
-- the host's own insert of tickets first .. first + n - 1, as every engine benchmark writes them
-- (2026-11-02 onwards, one a minute over a fortnight, 12 priorities, 4 departments, 50 agents)
CREATE FUNCTION pg_temp.host_tickets(first bigint, n int) RETURNS void LANGUAGE sql AS $$
    INSERT INTO bench_ticket
    SELECT g, 'subject ' || g, 'open', 'p' || (g % 12), (ARRAY['sales', 'billing', 'support', 'other'])[1 + g % 4],
           'agent' || (g % 50), 'customer' || (g % 5000) || '@example.com',
           '2026-11-02 08:00+00'::timestamptz + (g % 20000) * interval '1 minute', NULL, repeat('x', 200)
      FROM generate_series(first, first + n - 1) g
$$;
