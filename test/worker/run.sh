#!/usr/bin/env bash
# run.sh — end-to-end test of the breach worker in its own throwaway cluster (sla preloaded,
# worker in database sla_worker, 200 ms interval):
#   1. the worker waits for a database and an extension created after the server started;
#   2. it shows in pg_stat_activity as backend_type 'sla breach worker';
#   3. a ticket with a 2-second first-response target gets its warning and its breach
#      announced on sla_events (test/listen/sla_listen.sh) — the delay after due_at is printed —
#      and exactly one breach event is recorded for the clock;
#   4. a run that fails (cancelled while it waits for a lock) is logged and the same worker
#      process goes on recording breaches; a configuration reload keeps it running;
#   5. a fast shutdown stops it (SIGTERM) and the server stops cleanly.
# Prints one summary line; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD

if [ -z "${SLA_WORKER_TEST_INSIDE:-}" ]; then
	export SLA_WORKER_TEST_INSIDE=1
	exec pg_virtualenv -t -v 15 -o shared_preload_libraries=sla -o sla.breach_worker_database=sla_worker \
		-o sla.breach_worker_interval=200 "$here/run.sh" "$@"
fi

db=sla_worker
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "not ok - worker: $*"; [ -n "${log:-}" ] && tail -n 20 "$log"; exit 1; }
q() { psql -qXAt -v ON_ERROR_STOP=1 -d "$db" "$@"; }
# the cluster: pg_virtualenv's, or the version matrix's (SLA_CLUSTER_*: test/lib/cluster.sh)
. "$here/../lib/cluster.sh"
cluster_init
log=$cluster_log

t0=$EPOCHREALTIME
psql -qX -d postgres -c "CREATE DATABASE $db"
q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION sla;
SELECT sla.define_calendar('w247', 'UTC', '24/7');
SELECT sla.define_level('w2s', 'w247', first_response => '2 seconds', resolution => '1 day',
                        warning_percent => 50, is_default => true);
CREATE TABLE w_ticket (id int PRIMARY KEY, st text NOT NULL, created timestamptz NOT NULL);
SELECT sla.attach('w_ticket', '{"key": "id", "created_at": "created", "status": "st"}');
SELECT sla.map_status('w_ticket', 'open', 'open');
SQL

# 1, 2: the worker was started before the database existed; it retries (restart after 5 s)
worker_pid=
for _ in $(seq 1 100); do
	worker_pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'sla breach worker' AND datname = '$db'")
	[ -n "$worker_pid" ] && break
	sleep 0.2
done
[ -n "$worker_pid" ] || fail "no 'sla breach worker' in pg_stat_activity for $db"
up=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.1f", a - b }')

# 3: a ticket due 2 seconds from now, watched by the LISTEN client
../listen/sla_listen.sh -t 7 -d "$db" > "$work/listen.out" &
listener=$!
sleep 0.5
q -c "INSERT INTO w_ticket VALUES (1, 'open', now())"
read -r due clock < <(q -F ' ' -c "SELECT extract(epoch FROM due_at), id FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'")
wait "$listener" || fail "sla_listen.sh failed"
breach_line=$(grep -E '"event" ?: ?"breach"' "$work/listen.out" | grep -E "\"clock\" ?: ?$clock\\b" || true)
warning_line=$(grep -E '"event" ?: ?"warning"' "$work/listen.out" | grep -E "\"clock\" ?: ?$clock\\b" || true)
[ -n "$breach_line" ] || { cat "$work/listen.out"; fail "no breach notification for ticket 1 within 7 s"; }
[ -n "$warning_line" ] || { cat "$work/listen.out"; fail "no warning notification for ticket 1 within 7 s"; }
[ "$(echo "$breach_line" | wc -l)" = 1 ] || fail "more than one breach notification for ticket 1"
delay=$(awk -v a="${breach_line%%$'\t'*}" -v b="$due" 'BEGIN { printf "%.3f", a - b }')
awk -v d="$delay" 'BEGIN { exit !(d >= 0 && d < 1.5) }' || fail "breach notified ${delay}s after due_at (expected < 1.5 s)"
read -r events seen < <(q -F ' ' -c "SELECT (SELECT count(*) FROM sla.event e WHERE e.kind = 'breach' AND e.clock_id = k.id),
                                            k.breach_seen_at IS NOT NULL
                                       FROM sla.clock k WHERE ticket_key = '1' AND metric = 'first_response'")
[ "$events" = 1 ] && [ "$seen" = t ] || fail "clock of ticket 1: $events breach events, breach_seen_at set: $seen"

# 4: a failing run does not end the worker; a reload neither
psql -qX -d "$db" -c "BEGIN" -c "LOCK sla.clock" -c "SELECT pg_sleep(2)" -c "COMMIT" >/dev/null &
locker=$!
waited=
for _ in $(seq 1 50); do
	waited=$(q -c "SELECT 1 FROM pg_stat_activity WHERE pid = $worker_pid AND wait_event_type = 'Lock'")
	[ -n "$waited" ] && break
	sleep 0.1
done
[ -n "$waited" ] || fail "the worker never waited for the locked clock table"
q -c "SELECT pg_cancel_backend($worker_pid)" >/dev/null
wait "$locker"
q -c "ALTER SYSTEM SET sla.breach_worker_interval = '300ms'" -c "SELECT pg_reload_conf()" >/dev/null
q -c "INSERT INTO w_ticket VALUES (2, 'open', now() - interval '1 minute')"
recorded=
for _ in $(seq 1 80); do    # the run after a failure waits 5 s
	recorded=$(q -c "SELECT 1 FROM sla.clock WHERE ticket_key = '2' AND metric = 'first_response' AND breach_seen_at IS NOT NULL")
	[ -n "$recorded" ] && break
	sleep 0.1
done
[ -n "$recorded" ] || fail "no breach recorded after a failed run"
[ "$(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'sla breach worker'")" = "$worker_pid" ] ||
	fail "the worker process changed after a failed run or a reload"
grep -q 'canceling statement due to user request' "$log" || fail "the failed run was not logged"
interval=$(q -c "SHOW sla.breach_worker_interval")

# 5: a fast shutdown sends SIGTERM; the worker ends and the server stops cleanly
s0=$EPOCHREALTIME
cluster_stop || fail "the server did not stop"
stop=$(awk -v a="$EPOCHREALTIME" -v b="$s0" 'BEGIN { printf "%.2f", a - b }')
kill -0 "$worker_pid" 2>/dev/null && fail "worker process $worker_pid still alive after shutdown"
grep -q 'terminating background worker "sla breach worker" due to administrator command' "$log" ||
	fail "the worker did not report its SIGTERM"
grep -q 'database system is shut down' "$log" || fail "no clean shutdown in the log"
missing_logs=$(grep -c 'extension "sla" is not installed' "$log" || true)

echo "worker: up ${up} s after its database was created ($missing_logs \"not installed\" log lines); warning and breach notified, the breach ${delay} s after due_at (interval 200 ms); 1 breach event; survived a failed run and a reload (interval now $interval); fast shutdown in ${stop} s"
