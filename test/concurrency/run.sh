#!/usr/bin/env bash
# run.sh — concurrent writers on the same tickets (pgbench, 8 clients) must never produce two
# running clocks of one metric; prints the invariants and fails if any is violated.
# Runs against the server in $PGHOST/$PGPORT (test/run_sql_suites.sh calls it).
set -euo pipefail
cd "$(dirname "$0")"
db=sla_concurrency
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -qX -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION sla' -f setup.sql >/dev/null
"${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}" -n -c 8 -j 2 -t 100 -f messages.pgbench "$db" > pgbench.out 2>&1 || {
	cat pgbench.out; echo "not ok - pgbench failed"; exit 1; }
read -r two gaps msgs < <(psql -qXAt -F ' ' -d "$db" -c "
	SELECT (SELECT count(*) FROM (SELECT 1 FROM sla.clock WHERE state IN ('running', 'paused')
	                               GROUP BY ticket_key, metric HAVING count(*) > 1) x),
	       (SELECT count(*) FROM (SELECT 1 FROM sla.clock GROUP BY ticket_key, metric
	                               HAVING max(cycle) <> count(*)) y),
	       (SELECT count(*) FROM conc_message)")
rm -f pgbench.out
echo "concurrency: 800 messages from 8 clients on 5 tickets: $msgs stored, $two tickets with two active clocks, $gaps cycle gaps"
[ "$two" = 0 ] && [ "$gaps" = 0 ] && [ "$msgs" = 800 ] || exit 1

# Many callers of check_breaches() at once record every crossing exactly once.
psql -qX -v ON_ERROR_STOP=1 -d "$db" \
	-c "INSERT INTO conc_ticket SELECT g, 'open', now() - interval '3 days' FROM generate_series(100, 399) g" >/dev/null
"${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}" -n -c 8 -j 2 -t 10 -f breaches.pgbench "$db" > pgbench.out 2>&1 || {
	cat pgbench.out; echo "not ok - pgbench failed"; exit 1; }
read -r crossings events distinct_clocks < <(psql -qXAt -F ' ' -d "$db" -c "
	SELECT (SELECT count(*) FROM sla.clock WHERE breach_seen_at IS NOT NULL),
	       (SELECT count(*) FROM sla.event WHERE kind = 'breach'),
	       (SELECT count(DISTINCT clock_id) FROM sla.event WHERE kind = 'breach')")
rm -f pgbench.out
echo "concurrency: 80 concurrent check_breaches() calls: $crossings breached clocks, $events breach events, $distinct_clocks distinct"
[ "$crossings" -ge 600 ] && [ "$events" = "$crossings" ] && [ "$distinct_clocks" = "$crossings" ]

# References without foreign keys (src/config_guard.c): deleting a level waits for the writers
# that are using it, then refuses because of their clocks; writers using other levels are not held
# up by it.  A writer keeps its transaction open for 3 s with a new ticket of level 'conc'.
psql -qX -v ON_ERROR_STOP=1 -d "$db" -c "SELECT sla.define_level('conc_spare', 'conc', first_response => '2 hours') > 0" >/dev/null
psql -qX -d "$db" -c "BEGIN" -c "INSERT INTO conc_ticket VALUES (1000, 'open', now())" -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null &
writer=$!
sleep 1
waited=$(psql -qXAt -d "$db" -c "SET lock_timeout = '500ms'" -c "DELETE FROM sla.level WHERE name = 'conc'" 2>&1 || true)
spare=$(psql -qXAt -d "$db" -c "BEGIN" -c "DELETE FROM sla.level WHERE name = 'conc_spare'" \
        -c "SELECT count(*) FROM sla.level WHERE name = 'conc_spare'" -c "ROLLBACK" 2>&1 || true)
wait "$writer"
refused=$(psql -qXAt -d "$db" -c "DELETE FROM sla.level WHERE name = 'conc'" 2>&1 || true)
orphans=$(psql -qXAt -d "$db" -c "SELECT count(*) FROM sla.clock c WHERE NOT EXISTS (SELECT FROM sla.level l WHERE l.id = c.level_id)
                                    OR NOT EXISTS (SELECT FROM sla.calendar k WHERE k.id = c.calendar_id)
                                    OR NOT EXISTS (SELECT FROM sla.attachment a WHERE a.id = c.attachment_id)")
waited=${waited##*ERROR:  }; refused=${refused##*ERROR:  }
echo "concurrency: deleting a level in use while a writer uses it: ${waited%%$'\n'*}"
echo "concurrency: deleting another level meanwhile: not blocked (rows left in the transaction: $spare)"
echo "concurrency: deleting it after the writer committed: ${refused%%$'\n'*}; clocks with a dangling reference: $orphans"
case "$waited" in *"canceling statement due to lock timeout"*) ;; *) echo "not ok - the delete did not wait"; exit 1 ;; esac
case "$refused" in *"is still referenced by SLA clocks"*) ;; *) echo "not ok - a level in use was deleted"; exit 1 ;; esac
[ "$spare" = 0 ] && [ "$orphans" = 0 ] || exit 1
