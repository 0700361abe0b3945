#!/usr/bin/env bash
# replies_and_checks.sh — a load test, run by hand (not in make test: its outcome is timing-
# dependent; test/pgtap/engine_breach_race.sql holds the same case deterministically).
# 3,000 tickets whose first responses fall due together, a raise_level escalation on breach,
# and 6 clients for 20 s: five in six transactions an agent's reply, one in six a breach check.
# Prints pgbench's failed and deadlock counts: a reply must never fail because of sla (before
# the claims locked the ticket first, 2 of 5 runs had a deadlock failure).
# Runs against the server in $PGHOST/$PGPORT, e.g. pg_virtualenv -t -v 15 test/concurrency/replies_and_checks.sh
set -euo pipefail
cd "$(dirname "$0")"
db=sla_replies_checks
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -qX -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION sla;
SELECT sla.define_calendar('rc', 'UTC', '24/7');
SELECT sla.define_level('rc', 'rc', first_response => '1 hour', next_response => '1 hour', resolution => '1 day', is_default => true);
SELECT sla.define_level('rc_hot', 'rc', first_response => '2 hours', next_response => '2 hours', resolution => '2 days');
CREATE TABLE rc_ticket (id int PRIMARY KEY, status text NOT NULL, created timestamptz NOT NULL);
CREATE TABLE rc_msg (ticket int NOT NULL, author text NOT NULL, created timestamptz NOT NULL DEFAULT clock_timestamp());
SELECT sla.attach('rc_ticket', '{"key": "id", "created_at": "created", "status": "status"}',
                  'rc_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "author",
                              "customer_values": ["customer"], "agent_values": ["agent"]}');
SELECT sla.map_status('rc_ticket', 'open', 'open');
INSERT INTO sla.escalation (level_id, metric, on_event, action, to_level_id)
     SELECT l.id, 'first_response', 'breach', 'raise_level', h.id FROM sla.level l, sla.level h WHERE l.name = 'rc' AND h.name = 'rc_hot';
-- due 10 s from now
INSERT INTO rc_ticket SELECT g, 'open', now() - interval '59 minutes 50 seconds' FROM generate_series(1, 3000) g;
SQL
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "\\set t random(1, 3000)
INSERT INTO rc_msg (ticket, author) VALUES (:t, 'agent');" > "$work/reply.pgbench"
echo "SELECT sla.check_breaches(now(), 50);" > "$work/check.pgbench"
sleep 9
"${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}" -n -c 6 -j 2 -T 20 --failures-detailed \
	-f "$work/reply.pgbench@5" -f "$work/check.pgbench@1" "$db" > "$work/out" 2>&1
failed=$(grep -o 'number of failed transactions: [0-9]*' "$work/out" | head -1 | grep -o '[0-9]*$')
deadlocks=$(grep -o 'number of deadlock failures: [0-9]*' "$work/out" | head -1 | grep -o '[0-9]*$')
breaches=$(psql -qXAt -d "$db" -c "SELECT count(*) FROM sla.event WHERE kind = 'breach'")
echo "replies and checks: ${failed:-?} failed transactions (${deadlocks:-?} deadlocks), $breaches breach events"
[ "${failed:-1}" = 0 ]
