#!/usr/bin/env bash
# bulk_cpu_ab.sh — the backend's CPU time for a bulk INSERT ... SELECT of tickets, then of
# messages (3 per ticket, customer and agent turns), engine attached, for two builds of sla
# ("a" and "b", two git revisions or work trees), alternated round by round.  CPU time (utime +
# stime from /proc/<pid>/stat) is what other jobs on shared cores disturb least.
#
#   bench/bulk_cpu_ab.sh A_TREE B_TREE [ROUNDS=3] [TICKETS=20000]
#
# Each build goes into a private copy of Debian's PostgreSQL 15 of its own (under
# /var/cache/sla-pg/ab-a and ab-b; Debian's own directories are never written), with a
# throwaway cluster each (ports 57981 and 57982).  Prints one line per round and build.
set -euo pipefail
a_tree=$(cd "$1" && pwd); b_tree=$(cd "$2" && pwd)
rounds=${3:-3}; tickets=${4:-20000}
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/bench/ab_clusters.sh"
ab_init
tmp=$ab_tmp
round() {   # side port: prints "tickets N ms  messages M ms"
	local side=$1 port=$2
	PGHOST=$tmp/$side/sock PGPORT=$port PGUSER=postgres "$(cat "$tmp/$side.prefix")/bin/psql" -X -q -At -d postgres \
		-v n="$tickets" -v bench="$repo/bench" -v cpu="$tmp/$side.cpu" <<'SQL' | tail -1
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS sla CASCADE;
DROP TABLE IF EXISTS bench_ticket, bench_message CASCADE;
CREATE EXTENSION sla;
\ir :bench/engine_helpdesk.sql
SELECT sla.attach('bench_ticket', '{"key": "id", "created_at": "created", "status": "status", "priority": "priority",
                   "department": "department", "agent": "agent", "requester": "requester"}',
                  'bench_message', '{"ticket": "ticket", "created_at": "created", "author_kind": "author",
                   "customer_values": ["customer"], "agent_values": ["agent"]}') > 0 AS attached \gset
SELECT sla.map_status('bench_ticket', 'open', 'open') \gset
SELECT pg_backend_pid() AS pid \gset
\setenv BPID :pid
\setenv CPU :cpu
\! awk '{print $14 + $15}' /proc/$BPID/stat > $CPU.0
INSERT INTO bench_ticket
SELECT g, 'subject ' || g, 'open', 'p' || (g % 12), (ARRAY['sales', 'billing', 'support', 'other'])[1 + g % 4],
       'agent' || (g % 50), 'customer' || (g % 5000) || '@example.com',
       '2026-11-02 08:00+00'::timestamptz + (g % 20000) * interval '1 minute', NULL, repeat('x', 200)
  FROM generate_series(1, :n) g;
\! awk '{print $14 + $15}' /proc/$BPID/stat > $CPU.1
INSERT INTO bench_message (ticket, author, created, body)
SELECT 1 + (g % :n), CASE WHEN (g / :n) % 2 = 0 THEN 'customer' ELSE 'agent' END,
       '2026-11-20 08:00+00'::timestamptz + g * interval '1 second', repeat('y', 200)
  FROM generate_series(0, 3 * :n - 1) g;
\! awk '{print $14 + $15}' /proc/$BPID/stat > $CPU.2
\! tick=$(getconf CLK_TCK); echo "tickets $(( ($(cat $CPU.1) - $(cat $CPU.0)) * 1000 / tick )) ms  messages $(( ($(cat $CPU.2) - $(cat $CPU.1)) * 1000 / tick )) ms"
SQL
}
ab_setup a "$a_tree" 57981 "-c shared_buffers=512MB -c fsync=off"
ab_setup b "$b_tree" 57982 "-c shared_buffers=512MB -c fsync=off"
echo "a: $a_tree ($(git -C "$a_tree" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "b: $b_tree ($(git -C "$b_tree" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "$tickets tickets, then $((3 * tickets)) messages, backend CPU:"
for r in $(seq 1 "$rounds"); do
	echo "round $r a: $(round a 57981)"
	echo "round $r b: $(round b 57982)"
done
