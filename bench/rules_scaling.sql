-- rules_scaling.sql — issue 3's scaling goals for rule evaluation, measured through the ticket
-- trigger in one throwaway cluster (bench/engine_insert.sh runs it):
--   1. the cost of a new ticket grows linearly with the number of conditions evaluated:
--      3,000 tickets with 0, 400, 4,000 and 40,000 conditions (10 rules of 40, 400 or 4,000 conditions
--      that all hold, none stopping, so every condition is evaluated and every rule matches);
--      the cost per condition should be the same at every size;
--   2. and not with the tickets already in the table: 3,000 tickets into an empty table, then
--      3,000 more after 200,000 tickets (with their clocks and events) are there.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS sla;
SELECT sla.define_calendar('scale', 'UTC', 'mon-fri 09:00-17:00') > 0 AS calendar;
SELECT sla.define_level('scale', 'scale', first_response => '4 hours', resolution => '2 days', is_default => true) > 0 AS level;
CREATE TABLE scale_ticket (id bigint PRIMARY KEY, status text, priority text, department text,
                           requester text, created timestamptz);
SELECT sla.attach('scale_ticket', '{"key": "id", "created_at": "created", "status": "status", "priority": "priority",
                   "department": "department", "requester": "requester"}') > 0 AS attached;
SELECT sla.map_status('scale_ticket', 'open', 'open');

CREATE FUNCTION pg_temp.set_rules(n_rules int, per_rule int) RETURNS void LANGUAGE sql AS $$
    DELETE FROM sla.rule;
    INSERT INTO sla.rule (name, position, set_level_id)
         SELECT 'scale ' || g, g, (SELECT id FROM sla.level WHERE name = 'scale') FROM generate_series(1, n_rules) g;
    -- per_rule conditions per rule, cycling through four kinds that hold for every ticket below
    INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
         SELECT r.id, 1, p, c.attribute, c.operator, c.value::jsonb
           FROM sla.rule r, generate_series(1, per_rule) p,
                (VALUES (0, 'priority', 'is_not_empty', NULL),
                        (1, 'department', 'in', '["sales", "billing", "support", "other"]'),
                        (2, 'requester', 'like', '"%@example.com"'),
                        (3, 'created_at', 'newer_than', '"3650 days"')) c(kind, attribute, operator, value)
          WHERE c.kind = p % 4;
$$;
-- milliseconds for n new tickets from id first on
CREATE FUNCTION pg_temp.insert_ms(first bigint, n int) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
BEGIN
    INSERT INTO scale_ticket
    SELECT g, 'open', 'p' || (g % 5), (ARRAY['sales', 'billing', 'support', 'other'])[1 + g % 4],
           'customer' || (g % 5000) || '@example.com', now() - interval '1 hour'
      FROM generate_series(first, first + n - 1) g;
    RETURN round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 1);
END
$$;

CREATE TEMP TABLE by_conditions (conditions int, ms numeric);
SELECT pg_temp.set_rules(10, 4);
SELECT pg_temp.insert_ms(1, 3000) AS warm_up \gset
SELECT pg_temp.set_rules(0, 0);
INSERT INTO by_conditions SELECT 0, pg_temp.insert_ms(100001, 3000);
SELECT pg_temp.set_rules(10, 40);
INSERT INTO by_conditions SELECT 400, pg_temp.insert_ms(200001, 3000);
SELECT pg_temp.set_rules(10, 400);
INSERT INTO by_conditions SELECT 4000, pg_temp.insert_ms(300001, 3000);
SELECT pg_temp.set_rules(10, 4000);
INSERT INTO by_conditions SELECT 40000, pg_temp.insert_ms(400001, 3000);
SELECT b.conditions, b.ms AS ms_per_3000_tickets, round(b.ms / 3, 1) AS us_per_ticket,
       CASE WHEN b.conditions > 0
            THEN round((b.ms - z.ms) * 1000 / 3000 / b.conditions, 3) END AS us_per_condition
  FROM by_conditions b, (SELECT ms FROM by_conditions WHERE conditions = 0) z
 ORDER BY b.conditions;
-- a condition costs a few hundredths of a microsecond: only thousands of them stand out from
-- the noise of a ticket insert, so the check compares 4,000 and 40,000
SELECT round(max(per) / min(per), 2) AS per_condition_max_over_min, '<= 1.5 (linear)' AS goal
  FROM (SELECT (b.ms - z.ms) / b.conditions AS per FROM by_conditions b, (SELECT ms FROM by_conditions WHERE conditions = 0) z
         WHERE b.conditions >= 4000) x;

-- the same rules, an empty table against one with 200,000 tickets
SELECT pg_temp.set_rules(10, 4);
TRUNCATE scale_ticket;
DELETE FROM sla.event_int8; DELETE FROM sla.clock_int8; DELETE FROM sla.ticket_int8; DELETE FROM sla.fact_int8;
VACUUM ANALYZE scale_ticket, sla.clock_int8, sla.event_int8, sla.ticket_int8, sla.fact_int8;
SELECT pg_temp.insert_ms(1000001, 3000) AS empty_ms \gset
SELECT pg_temp.insert_ms(2000001, 200000) AS load_ms \gset
VACUUM ANALYZE scale_ticket, sla.clock_int8, sla.event_int8, sla.ticket_int8, sla.fact_int8;
SELECT pg_temp.insert_ms(3000001, 3000) AS full_ms \gset
SELECT :empty_ms AS ms_3000_into_empty, :full_ms AS ms_3000_after_200000,
       round(:full_ms / :empty_ms, 2) AS ratio, '<= 1.3 (no growth with the table)' AS goal;
