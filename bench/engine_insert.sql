-- engine_insert.sql — cost of the engine's triggers on ticket and message inserts, measured
-- against the same inserts into the same tables with the extension detached, in one run.
-- Run by bench/engine_insert.sh inside a throwaway cluster.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
SET timezone = 'UTC';
-- the issue's sizes by default; engine_insert.sh passes ENGINE_TICKETS / ENGINE_MESSAGES
\if :{?tickets}
\else
\set tickets 100000
\endif
\if :{?messages}
\else
\set messages 300000
\endif
CREATE EXTENSION IF NOT EXISTS sla;

\ir engine_helpdesk.sql

CREATE TEMP TABLE result (what text, rows int, detached_ms numeric, attached_ms numeric);

CREATE FUNCTION pg_temp.talk(first bigint, n int, tickets int) RETURNS void LANGUAGE sql AS $$
    INSERT INTO bench_message (ticket, author, created, body)
    SELECT first + (g % tickets), CASE WHEN (g / tickets) % 2 = 0 THEN 'customer' ELSE 'agent' END,
           '2026-11-20 08:00+00'::timestamptz + g * interval '1 second', repeat('y', 200)
      FROM generate_series(0, n - 1) g
$$;

-- detached: plain inserts
\timing on
SELECT pg_temp.host_tickets(1, :tickets);
\timing off
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT pg_temp.host_tickets(1000001, :tickets);
SELECT (extract(epoch FROM clock_timestamp()) - :t0) * 1000 AS detached_tickets \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT pg_temp.talk(1000001, :messages, :tickets);
SELECT (extract(epoch FROM clock_timestamp()) - :t0) * 1000 AS detached_messages \gset

-- attached
SELECT sla.attach('bench_ticket', '{"key": "id", "created_at": "created", "status": "status", "priority": "priority",
                   "department": "department", "agent": "agent", "requester": "requester"}',
                  'bench_message', '{"ticket": "ticket", "created_at": "created", "author_kind": "author",
                   "customer_values": ["customer"], "agent_values": ["agent"]}') > 0 AS attached;
SELECT sla.map_status('bench_ticket', 'open', 'open');
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT pg_temp.host_tickets(2000001, :tickets);
SELECT (extract(epoch FROM clock_timestamp()) - :t0) * 1000 AS attached_tickets \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT pg_temp.talk(2000001, :messages, :tickets);
SELECT (extract(epoch FROM clock_timestamp()) - :t0) * 1000 AS attached_messages \gset

SELECT 'ticket inserts' AS measurement, :tickets AS rows, round(:detached_tickets::numeric, 1) AS detached_ms,
       round(:attached_tickets::numeric, 1) AS attached_ms,
       round(:attached_tickets::numeric / :detached_tickets::numeric, 2) AS ratio, '<= 1.5' AS goal
UNION ALL
SELECT 'message inserts', :messages, round(:detached_messages::numeric, 1), round(:attached_messages::numeric, 1),
       round(:attached_messages::numeric / :detached_messages::numeric, 2), '<= 1.5';
SELECT count(*) AS clocks, count(*) FILTER (WHERE metric = 'next_response') AS next_response_clocks FROM sla.clock;
