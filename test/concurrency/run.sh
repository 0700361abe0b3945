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

# The same with six messages per INSERT, applied at the statement's end for all their tickets at
# once: nothing lost (a message fact per message), no deadlock, the same invariants.
"${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}" -n -c 8 -j 2 -t 100 -f bulk_messages.pgbench "$db" > pgbench.out 2>&1 || {
	cat pgbench.out; echo "not ok - pgbench failed"; exit 1; }
read -r two gaps msgs facts < <(psql -qXAt -F ' ' -d "$db" -c "
	SELECT (SELECT count(*) FROM (SELECT 1 FROM sla.clock WHERE state IN ('running', 'paused')
	                               GROUP BY ticket_key, metric HAVING count(*) > 1) x),
	       (SELECT count(*) FROM (SELECT 1 FROM sla.clock GROUP BY ticket_key, metric
	                               HAVING max(cycle) <> count(*)) y),
	       (SELECT count(*) FROM conc_message),
	       (SELECT count(*) FROM sla.fact f JOIN sla.attachment a ON a.id = f.attachment_id
	         WHERE a.ticket_table = 'conc_ticket'::regclass AND f.kind = 'message')")
rm -f pgbench.out
echo "concurrency: 4,800 messages more in INSERTs of six from 8 clients on 5 tickets: $msgs stored, $facts message facts, $two tickets with two active clocks, $gaps cycle gaps"
[ "$two" = 0 ] && [ "$gaps" = 0 ] && [ "$msgs" = 5600 ] && [ "$facts" = 5600 ] || exit 1

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

# Instants out of order: status changes are dated by their transaction's start (now()) but
# applied in commit order, so a change dated before the ticket's creation committed reaches the
# engine after it.  8 clients create, pause, solve and reopen 40 tickets in transactions that
# nap before they write: no clock may pause or stop before it started, none may have negative
# business time, no event may precede its clock's start.
"${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}" -n -c 8 -j 2 -t 150 -f order.pgbench "$db" > pgbench.out 2>&1 || {
	cat pgbench.out; echo "not ok - pgbench failed"; exit 1; }
read -r early negative early_events clocks < <(psql -qXAt -F ' ' -d "$db" -c "
	SELECT (SELECT count(*) FROM sla.clock WHERE attachment_id = a.id
	           AND (stopped_at < started_at OR paused_since < started_at)),
	       (SELECT count(*) FROM sla.clock WHERE attachment_id = a.id
	           AND (paused_for OPERATOR(sla.<) '0'::sla.business_interval OR business_used OPERATOR(sla.<) '0'::sla.business_interval)),
	       (SELECT count(*) FROM sla.event e JOIN sla.clock k ON k.id = e.clock_id
	         WHERE e.attachment_id = a.id AND e.at < k.started_at),
	       (SELECT count(*) FROM sla.clock WHERE attachment_id = a.id)
	  FROM sla.attachment a WHERE a.ticket_table = 'conc_order'::regclass")
rm -f pgbench.out
echo "concurrency: 1,200 status changes from 8 clients on 40 tickets, out of order: $clocks clocks, $early paused or stopped before they started, $negative with negative time, $early_events events before their clock's start"
[ "$early" = 0 ] && [ "$negative" = 0 ] && [ "$early_events" = 0 ] && [ "$clocks" -gt 40 ] || exit 1

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

# Configuration edits under load: 8 clients, each transaction either an agent answering two
# tickets (the higher key first) or an admin changing the level's target.  An edit never waits
# for a ticket's writer (it leaves a held ticket to the breach check), so no transaction fails
# with a deadlock; after the check every running clock of the level measures its final target.
"${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}" -n -c 8 -j 2 -t 60 -f replies.pgbench@6 -f edits.pgbench@1 "$db" > pgbench.out 2>&1 || {
	cat pgbench.out; echo "not ok - pgbench failed (a deadlock or another error in a reply or an edit)"; exit 1; }
failed=$(grep -o 'number of failed transactions: [0-9]*' pgbench.out | head -1 | grep -o '[0-9]*$' || echo 0)
rm -f pgbench.out
handled=$(psql -qXAt -d "$db" -c "SELECT sla.check_breaches(now() - interval '1 day')")
read -r stale edits pending < <(psql -qXAt -F ' ' -d "$db" -c "
	SELECT (SELECT count(*) FROM sla.clock k JOIN sla.level_target t ON t.level_id = k.level_id AND t.metric = k.metric
	         WHERE k.state IN ('running', 'paused') AND k.target OPERATOR(sla.<>) t.target
	           AND k.level_id = (SELECT id FROM sla.level WHERE name = 'conc_edit')),
	       (SELECT count(*) FROM sla.policy_version),
	       (SELECT count(*) FROM sla.policy_retarget_pending)")
echo "concurrency: 480 transactions of replies to two tickets and target edits from 8 clients: ${failed:-0} failed, $edits policy versions, $handled tickets left to the check by an edit, $stale running clocks on a stale target after it, $pending left"
[ "${failed:-0}" = 0 ] && [ "$stale" = 0 ] && [ "$pending" = 0 ] || exit 1
