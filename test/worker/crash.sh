#!/usr/bin/env bash
# crash.sh — the breach worker under load survives a crash of the server with every crossing
# recorded exactly once.  Own throwaway cluster (sla preloaded, worker in database postgres,
# 100 ms interval).  Two rounds, each with 2,000 tickets whose 1-second targets (first response
# and resolution: 4,000 clocks) come due while the worker is recording them (the first 500
# tickets recorded and committed before the crash, the rest in flight):
#   1. kill -9 of the postmaster and all its processes at once while a run is in progress,
#      then a restart of the cluster (crash recovery);
#   2. kill -9 of the worker alone while a run is in progress (the postmaster's own crash
#      restart resets every backend).
# After each round, once the restarted worker has caught up: no running clock past due without
# breach_seen_at, exactly one breach event per breached clock, no clock with two breach or two
# warning events.  Prints one summary line; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD

if [ -z "${SLA_CRASH_TEST_INSIDE:-}" ]; then
	export SLA_CRASH_TEST_INSIDE=1
	exec pg_virtualenv -t -v 15 -o shared_preload_libraries=sla -o sla.breach_worker_database=postgres \
		-o sla.breach_worker_interval=100 "$here/crash.sh" "$@"
fi

export PGDATABASE=postgres PGCONNECT_TIMEOUT=2
# the cluster: pg_virtualenv's, or the version matrix's (SLA_CLUSTER_*: test/lib/cluster.sh)
. "$here/../lib/cluster.sh"
cluster_init
pgdata=$cluster_pgdata
log=$cluster_log
fail() { echo "not ok - crash: $*"; tail -n 30 "$log"; exit 1; }
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
# a query that may meet a server in crash recovery: retried until it answers
qwait() { local out; for _ in $(seq 1 300); do out=$(q -c "$1" 2>/dev/null) && { echo "$out"; return 0; }; sleep 0.1; done; return 1; }

q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION sla;
SELECT sla.define_calendar('c247', 'UTC', '24/7');
SELECT sla.define_level('one_second', 'c247', first_response => '1 second', resolution => '1 second',
                        is_default => true);
CREATE TABLE crash_ticket (id int PRIMARY KEY, st text NOT NULL, created timestamptz NOT NULL);
SELECT sla.attach('crash_ticket', '{"key": "id", "created_at": "created", "status": "st"}');
SELECT sla.map_status('crash_ticket', 'open', 'open');
SQL

# 2,000 tickets in four statements: the first 500 are left to be recorded (their 1,000 breaches
# committed), then 1,500 more come due and the function waits until the worker is in the
# middle of a run (active for at least 0.05 s: a run records at most 1,000 crossings, a fifth of
# a second's work, and the next starts at once while a backlog remains) with breaches still to
# record; prints
# "<worker pid> <breach events committed so far>"
load_and_wait_for_run() {
	local first=$1 b pid pending committed
	insert() { echo "INSERT INTO crash_ticket SELECT g, 'open', now() FROM generate_series($1, $(($1 + 499))) g;"; }
	insert "$first" | q || { echo "not ok - crash: inserting tickets $first.. failed" >&2; return 1; }
	for _ in $(seq 1 200); do
		[ "$(q -c "SELECT count(*) FROM sla.clock WHERE ticket_key::int >= $first AND breach_seen_at IS NOT NULL")" = 1000 ] && break
		sleep 0.05
	done
	for b in 1 2 3; do insert $((first + b * 500)); done | q || { echo "not ok - crash: inserting tickets $first.. failed" >&2; return 1; }
	for _ in $(seq 1 200); do
		read -r pid pending committed < <(q -F ' ' -c "
			SELECT a.pid,
			       (SELECT count(*) FROM sla.clock WHERE state = 'running' AND breach_seen_at IS NULL
			           AND due_at < now()),
			       (SELECT count(*) FROM sla.event WHERE kind = 'breach')
			  FROM pg_stat_activity a
			 WHERE a.backend_type = 'sla breach worker' AND a.state = 'active'
			   AND a.query_start < clock_timestamp() - interval '0.05 seconds'") || true
		if [ -n "${pid:-}" ] && [ "${pending:-0}" -gt 0 ]; then echo "$pid $committed"; return 0; fi
		sleep 0.05
	done
	return 1
}

# wait for the restarted worker to record every breach: all the test's clocks come due within a
# second of their ticket, so this waits for every running clock (counting only those already
# due would let a check run before the last tickets' clocks fall due, after a fast restart)
catch_up() {
	local t=$1 left
	for _ in $(seq 1 300); do
		left=$(q -c "SELECT count(*) FROM sla.clock WHERE state = 'running' AND breach_seen_at IS NULL" 2>/dev/null) || left=x
		[ "$left" = 0 ] && { since "$t"; return 0; }
		sleep 0.1
	done
	return 1
}

check_invariants() {
	local round=$1 expected=$2
	read -r late not_once doubled dwarn breached events < <(q -F ' ' -c "
		SELECT (SELECT count(*) FROM sla.clock WHERE state = 'running' AND due_at < now() AND breach_seen_at IS NULL),
		       (SELECT count(*) FROM sla.clock k WHERE k.breach_seen_at IS NOT NULL
		           AND (SELECT count(*) FROM sla.event e WHERE e.clock_id = k.id AND e.kind = 'breach') <> 1),
		       (SELECT count(*) FROM (SELECT clock_id FROM sla.event WHERE kind = 'breach'
		                               GROUP BY clock_id HAVING count(*) > 1) d),
		       (SELECT count(*) FROM (SELECT clock_id FROM sla.event WHERE kind = 'warning'
		                               GROUP BY clock_id HAVING count(*) > 1) w),
		       (SELECT count(*) FROM sla.clock WHERE breach_seen_at IS NOT NULL),
		       (SELECT count(*) FROM sla.event WHERE kind = 'breach')")
	[ "$late" = 0 ] || fail "round $round: $late running clocks past due without breach_seen_at"
	[ "$not_once" = 0 ] || fail "round $round: $not_once breached clocks without exactly one breach event"
	[ "$doubled" = 0 ] && [ "$dwarn" = 0 ] || fail "round $round: $doubled clocks with two breach events, $dwarn with two warnings"
	[ "$breached" = "$expected" ] && [ "$events" = "$expected" ] ||
		fail "round $round: $breached breached clocks and $events breach events, expected $expected ($(q -c "
			SELECT format('%s tickets; clocks by state: %s', (SELECT count(*) FROM crash_ticket),
			              (SELECT string_agg(state || ' ' || n, ', ') FROM (SELECT state, count(*) n FROM sla.clock GROUP BY state) s))" 2>&1))"
}

# Round 1: kill -9 the whole server during a run, restart it
read -r wpid before1 < <(load_and_wait_for_run 1) || fail "round 1: the worker never got busy"
pm=$(head -1 "$pgdata/postmaster.pid")
procs=$(ps -o pid= --ppid "$pm" | tr -d ' ' | tr '\n' ' ')
# shellcheck disable=SC2086  # one pid per word
kill -9 "$pm" $procs
for p in $pm $procs; do
	for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$p" 2>/dev/null && fail "round 1: process $p survived kill -9"
done
t=$(now)
cluster_start || fail "round 1: the cluster did not start again"
up1=$(since "$t")
grep -q 'database system was interrupted' "$log" || fail "round 1: no crash recovery in the log"
caught1=$(catch_up "$t") || fail "round 1: the restarted worker did not record every breach within 30 s"
check_invariants 1 4000

# Round 2: kill -9 the worker alone during a run; the postmaster resets and restarts everything
read -r wpid before2 < <(load_and_wait_for_run 2001) || fail "round 2: the worker never got busy"
t=$(now)
kill -9 "$wpid"
qwait "SELECT 1" >/dev/null || fail "round 2: the server did not come back"
grep -q "was terminated by signal 9" "$log" || fail "round 2: no crash restart in the log"
caught2=$(catch_up "$t") || fail "round 2: the restarted worker did not record every breach within 30 s"
check_invariants 2 8000

echo "crash: 2 x 2,000 tickets (4,000 clocks) due under load; kill -9 of the server mid-run with $before1/4000 breaches committed: restarted in ${up1} s, all recorded ${caught1} s after the restart; kill -9 of the worker mid-run with $((before2 - 4000))/4000 committed: all recorded ${caught2} s after; 8,000 breached clocks, 8,000 breach events, none twice, none missing"
