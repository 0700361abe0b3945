-- engine_floor_round.sql — one round of engine_floor.sql (variables: round, tickets, att, lvl,
-- cal, version): the floor, then the engine, each on tickets of their own.
ALTER TABLE bench_ticket DISABLE TRIGGER USER;
SELECT clock_timestamp() AS t0 \gset
SELECT pg_temp.host_tickets(:round * 10000000, :tickets);
INSERT INTO result SELECT :round, 'host ticket rows (the baseline)', :tickets, pg_temp.ms_since(:'t0');

-- the rows' values, computed before the clock runs: the floor is the writing of the rows
CREATE TEMP TABLE src AS
    SELECT id, created, department, agent, requester,
           -- the created fact's detail as the engine logs it: the rules' choice, the values read
           jsonb_build_object('lifecycle', 'open', 'level', :lvl, 'v', :version,
                              'chosen', jsonb_build_object('level', 'bench_3', 'matched_rules', '["rule 2"]'::jsonb,
                                                           'attributes', jsonb_build_object(
                                                               'agent', agent, 'status', status, 'priority', priority,
                                                               'requester', requester, 'created_at', created,
                                                               'department', department))) AS detail
      FROM bench_ticket
     WHERE id >= :round * 10000000 AND id < :round * 10000000 + 5000000;
VACUUM ANALYZE src;

-- the rows 0.2.0's engine writes for a new open ticket, as it writes them
SELECT clock_timestamp() AS t0 \gset
INSERT INTO sla.ticket_int8 (attachment_id, ticket_key, level_id, lifecycle, department, agent, requester)
SELECT :att, s.id, :lvl, 'open', s.department, s.agent, s.requester FROM src s;
INSERT INTO result SELECT :round, 'sla.ticket_int8 rows', :tickets, pg_temp.ms_since(:'t0');

SELECT clock_timestamp() AS t0 \gset
INSERT INTO sla.clock_int8 (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target, started_at, due_at,
                            state, warn_at, department, agent, requester, started_pos, policy_version)
SELECT :att, s.id, m.metric::sla.metric, 1, :lvl, :cal, m.target::sla.business_interval, s.created,
       s.created + interval '1 day', 'running', s.created + interval '18 hours', s.department, s.agent, s.requester,
       nextval('sla.event_id_seq'), :version
  FROM src s CROSS JOIN (VALUES ('first_response', '3 hours'), ('resolution', '3 days')) m(metric, target);
INSERT INTO result SELECT :round, 'sla.clock_int8 rows (2 a ticket, 5 indexes)', 2 * :tickets, pg_temp.ms_since(:'t0');

SELECT clock_timestamp() AS t0 \gset
INSERT INTO sla.fact_int8 (attachment_id, ticket_key, seq, at, kind, detail)
SELECT :att, s.id, 1, s.created, 'created', s.detail FROM src s;
INSERT INTO result SELECT :round, 'sla.fact_int8 rows', :tickets, pg_temp.ms_since(:'t0');
DROP TABLE src;

-- the engine: the same host insert with the triggers
ALTER TABLE bench_ticket ENABLE TRIGGER USER;
SELECT clock_timestamp() AS t0 \gset
SELECT pg_temp.host_tickets(:round * 10000000 + 5000000, :tickets);
INSERT INTO result SELECT :round, 'engine: host rows with the triggers', :tickets, pg_temp.ms_since(:'t0');
