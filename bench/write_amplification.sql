-- write_amplification.sql — what the engine writes per new ticket and per message: row versions
-- (inserts and updates) and index entries of its own tables, against the host's own rows.
-- Works on any version of the engine (the tables it finds are counted), so the same script
-- measures before and after a change.  Run by bench/sql_in_cluster.sh (make bench-writes).
--
-- Row versions come from the statistics collector; index entries from the B-tree leaf pages
-- (pageinspect): every entry ever written, since nothing is vacuumed in between.
\set ON_ERROR_STOP 1
\pset footer off
\pset tuples_only off
SET client_min_messages = warning;
SET timezone = 'UTC';
\if :{?tickets}
\else
\set tickets 2000
\endif
CREATE EXTENSION IF NOT EXISTS sla;
CREATE EXTENSION IF NOT EXISTS pageinspect;
\ir engine_helpdesk.sql
SELECT sla.attach('bench_ticket', '{"key": "id", "created_at": "created", "status": "status", "priority": "priority",
                   "department": "department", "agent": "agent", "requester": "requester"}',
                  'bench_message', '{"ticket": "ticket", "created_at": "created", "author_kind": "author",
                   "customer_values": ["customer"], "agent_values": ["agent"]}') > 0 AS attached;
SELECT sla.map_status('bench_ticket', 'open', 'open');

-- index entries of a B-tree: the heap pointers in its leaf pages (a deduplicated posting list
-- counts each of its pointers), less the high key of every leaf page but the last
CREATE FUNCTION pg_temp.index_entries(ix regclass) RETURNS bigint LANGUAGE sql AS $$
    SELECT coalesce(sum(coalesce(pg_catalog.array_length(i.tids, 1), 1)), 0)
      FROM generate_series(1, (pg_relation_size(ix) / current_setting('block_size')::int)::int - 1) b,
           LATERAL bt_page_stats(ix::text, b) s,
           LATERAL bt_page_items(ix::text, b) i
     WHERE s.type = 'l' AND NOT (s.btpo_next <> 0 AND i.itemoffset = 1)
$$;
CREATE FUNCTION pg_temp.snapshot(phase text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pg_temp.counts
    SELECT phase, c.relname, s.n_tup_ins + s.n_tup_upd,
           (SELECT coalesce(sum(pg_temp.index_entries(i.indexrelid)), 0) FROM pg_index i
              JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am a ON a.oid = x.relam AND a.amname = 'btree'
             WHERE i.indrelid = c.oid),
           (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid)
      FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
     -- the tracking tables of every key type (the helpdesk's key is bigint: the int8 ones fill)
     WHERE (c.relnamespace = 'sla'::regnamespace AND c.relname ~ '^(ticket|clock|event|fact)_(int4|int8|uuid|text)$')
        OR c.relname IN ('bench_ticket', 'bench_message');
END
$$;
CREATE TEMP TABLE counts (phase text, tab text, row_versions bigint, index_entries bigint, indexes int);

-- the statistics of a transaction are reported when it ends: the flush is asked for first
SELECT pg_stat_force_next_flush();
SELECT pg_temp.snapshot('before');
-- new tickets, open, one statement (the same rows one at a time write the same)
INSERT INTO bench_ticket
SELECT g, 'subject ' || g, 'open', 'p' || (g % 12), (ARRAY['sales', 'billing', 'support', 'other'])[1 + g % 4],
       'agent' || (g % 50), 'customer' || (g % 5000) || '@example.com',
       '2026-11-02 08:00+00'::timestamptz + g * interval '1 minute', NULL, repeat('x', 200)
  FROM generate_series(1, :tickets) g;
SELECT pg_stat_force_next_flush();
SELECT pg_temp.snapshot('tickets');
-- three messages per ticket: an agent reply, the customer's answer, the agent's next reply
INSERT INTO bench_message (ticket, author, created, body)
SELECT t.id, m.author, t.created + m.after, repeat('y', 200)
  FROM bench_ticket t
 CROSS JOIN (VALUES ('agent', interval '1 hour'), ('customer', interval '2 hours'), ('agent', interval '3 hours')) m(author, after)
 ORDER BY t.created + m.after;
SELECT pg_stat_force_next_flush();
SELECT pg_temp.snapshot('messages');

\echo
\echo Per new ticket and per message: row versions (inserts + updates) and B-tree index entries written
SELECT n.tab AS "table", n.indexes,
       round((t.row_versions - b.row_versions)::numeric / :tickets, 2) AS "rows/ticket",
       round((t.index_entries - b.index_entries)::numeric / :tickets, 2) AS "index entries/ticket",
       round((n.row_versions - t.row_versions)::numeric / (3 * :tickets), 2) AS "rows/message",
       round((n.index_entries - t.index_entries)::numeric / (3 * :tickets), 2) AS "index entries/message"
  FROM counts n JOIN counts t ON t.tab = n.tab AND t.phase = 'tickets' JOIN counts b ON b.tab = n.tab AND b.phase = 'before'
 WHERE n.phase = 'messages'
 ORDER BY n.tab LIKE 'bench%' DESC, n.tab;
SELECT 'sla, all tables' AS "table",
       round(sum(t.row_versions - b.row_versions)::numeric / :tickets, 2) AS "rows/ticket",
       round(sum(t.index_entries - b.index_entries)::numeric / :tickets, 2) AS "index entries/ticket",
       round(sum(n.row_versions - t.row_versions)::numeric / (3 * :tickets), 2) AS "rows/message",
       round(sum(n.index_entries - t.index_entries)::numeric / (3 * :tickets), 2) AS "index entries/message"
  FROM counts n JOIN counts t ON t.tab = n.tab AND t.phase = 'tickets' JOIN counts b ON b.tab = n.tab AND b.phase = 'before'
 WHERE n.phase = 'messages' AND n.tab NOT LIKE 'bench%';
