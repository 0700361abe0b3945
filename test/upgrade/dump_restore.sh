#!/usr/bin/env bash
# dump_restore.sh — pg_dump -Fd and pg_restore -j 4 of a database where sla is in use, on one
# major (default: the private copy of Debian's 15 in the cache; SLA_RESTORE_MAJOR=16|17|18|19beta2
# for a cached source build).
#
#   1. builds sla from a scratch copy of the work tree and installs it into that installation
#      (never into Debian's own directories);
#   2. a throwaway cluster (port 55432, Unix socket in a private directory, as the OS user
#      postgres): test/upgrade/in_use.sql in database helpdesk, then test/upgrade/snapshot.sql
#      (row count and md5 of every configuration and tracking table, the sequences, the host
#      tables, their triggers, the extension's members);
#   3. pg_dump -Fd as a backup role with pg_read_all_data and no superuser (and BYPASSRLS: sla's
#      tracking tables have row-level security, which pg_dump refuses to dump through);
#   4. a plain pg_restore -j 4 (no other option) into a fresh database: no error, the same
#      snapshot (configuration, tracking rows, the triggers sla_ticket, sla_ticket_update,
#      sla_ticket_delete, sla_ticket_truncate, sla_ticket_statement_end, sla_message,
#      sla_message_statement_end on the host tables), and
#      test/upgrade/engine_check.sql: new tickets get their clocks, a reply meets first_response,
#      check_breaches records a breach and escalates.  (test/restore/parallel_restore.sh, in every
#      SQL suite run, compares every table row by row; this one adds the backup role.)
# Prints one result line; exits non-zero on failure.  SLA_KEEP=1 keeps the scratch directory.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/test/upgrade
SOURCES=$(cd "${SLA_PG_SOURCES:-$repo/../shared/sources}" && pwd)
CACHE=${SLA_PG_CACHE:-/var/cache/sla-pg}
. "$repo/test/lib/pg_installs.sh"
MAJOR=${SLA_RESTORE_MAJOR:-15}
JOBS=4
port=55432
t0=$SECONDS
name="pg_dump -Fd / pg_restore -j $JOBS on PostgreSQL $MAJOR with sla in use"
log() { printf '%s [restore] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { echo "$name: FAIL: $*"; exit 1; }

os_user=$(cluster_os_user)

prefix=$(pg_prefix "$MAJOR") || fail "no PostgreSQL $MAJOR"
work=$(mktemp -d /tmp/sla-restore.XXXXXX)
chmod 755 "$work"
pg=$work/pg
mkdir -p "$pg/sock"
as_pg() { runuser -u "$os_user" -- "$@"; }
cleanup() {
	[ -f "$pg/data/postmaster.pid" ] && as_pg "$prefix/bin/pg_ctl" -D "$pg/data" -m immediate stop >/dev/null 2>&1
	[ -n "${SLA_KEEP:-}" ] && { echo "kept $work"; return; }
	rm -rf "$work"
}
trap cleanup EXIT

log "building sla for PostgreSQL $MAJOR (scratch copy in $work)"
install_sla_into "$repo" "$work/sla" "$prefix" || fail "sla does not build or install"
cp "$here"/*.sql "$pg/"
chown -R "$os_user": "$pg"
cd "$pg"
as_pg "$prefix/bin/initdb" -D "$pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
	>"$pg/initdb.log" 2>&1 || { cat "$pg/initdb.log"; fail "initdb"; }
as_pg "$prefix/bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w \
	-o "-p $port -k $pg/sock -c listen_addresses= -c fsync=off" start >/dev/null ||
	{ tail -n 30 "$pg/server.log"; fail "the server does not start"; }
export PGHOST=$pg/sock PGPORT=$port PGTZ=UTC
q() { as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" PGTZ=UTC "$prefix/bin/psql" -qX -v ON_ERROR_STOP=1 -U postgres "$@"; }

log "sla in use (test/upgrade/in_use.sql)"
q -d postgres -c 'CREATE DATABASE helpdesk'
q -d helpdesk -f "$pg/in_use.sql" > "$pg/in_use.out" 2>&1 || { cat "$pg/in_use.out"; fail "in_use.sql failed"; }
q -d helpdesk -f "$pg/snapshot.sql" > "$pg/before.txt" || fail "snapshot.sql failed"
get() { awk -F'|' -v w="$1" '$1 == w { print $2 }' "$pg/before.txt"; }
[ "$(get clock)" -gt 0 ] && [ "$(get event)" -gt 0 ] && [ "$(get rule_condition)" -gt 0 ] ||
	{ cat "$pg/before.txt"; fail "in_use.sql left no clocks, events or rules"; }

log "pg_dump -Fd as a backup role (pg_read_all_data)"
q -d postgres -c 'CREATE ROLE sla_backup LOGIN NOSUPERUSER BYPASSRLS IN ROLE pg_read_all_data'
t_dump=$SECONDS
as_pg "$prefix/bin/pg_dump" -U sla_backup -d helpdesk -Fd -f "$pg/dump" > "$pg/dump.log" 2>&1 ||
	{ cat "$pg/dump.log"; fail "pg_dump as a role with pg_read_all_data failed (output above)"; }
t_dump=$((SECONDS - t_dump))

# A restore into a fresh database: the same snapshot, the five triggers on the host tables, and
# the engine working.  Prints nothing and returns 0 when it is all there, else says what is not.
verify() {   # database
	local db=$1 t engine
	q -d "$db" -f "$pg/snapshot.sql" > "$pg/after-$db.txt" || { echo "snapshot.sql failed on $db"; return 1; }
	if ! diff -u "$pg/before.txt" "$pg/after-$db.txt" > "$pg/diff-$db.txt"; then
		echo "differs from the dumped database in: $(join -t'|' "$pg/before.txt" "$pg/after-$db.txt" |
			awk -F'|' '$3 != $5 { printf "%s%s (%s rows, %s dumped)", sep, $1, $4, $2; sep = ", " }')"
		return 1
	fi
	for t in sla_ticket sla_ticket_update sla_ticket_delete sla_ticket_truncate sla_ticket_statement_end sla_message sla_message_statement_end; do
		[ "$(q -d "$db" -tA -c "SELECT count(*) FROM pg_trigger WHERE tgname = '$t' AND tgrelid IN ('helpdesk.ticket'::regclass, 'helpdesk.message'::regclass)")" = 1 ] ||
			{ echo "trigger $t is missing on the host tables"; return 1; }
	done
	engine=$(q -d "$db" -f "$pg/engine_check.sql" 2>&1) || { echo "the engine fails: $engine"; return 1; }
	[[ $engine == *'engine: new tickets got their clocks'* ]] || { echo "engine_check.sql printed no result: $engine"; return 1; }
}

log "pg_restore -j $JOBS into a fresh database"
q -d postgres -c 'CREATE DATABASE restored'
t_restore=$SECONDS
if ! as_pg "$prefix/bin/pg_restore" -U postgres -d restored -j $JOBS "$pg/dump" > "$pg/restore.log" 2>&1 ||
   [ -s "$pg/restore.log" ]; then
	cat "$pg/restore.log"
	fail "pg_restore -j $JOBS reported errors (above)"
fi
t_restore=$((SECONDS - t_restore))
why=$(verify restored) || fail "after pg_restore -j $JOBS the restored database $why"
as_pg "$prefix/bin/pg_ctl" -D "$pg/data" -m fast stop >/dev/null

counts="$(wc -l < "$pg/before.txt") objects compared: $(get calendar) calendars, $(get calendar_hours) hours, $(get calendar_holiday) holidays, $(get calendar_special_day) special days, $(get level) levels, $(get level_target) targets, $(get rule) rules, $(get rule_condition) conditions, $(get attribute) attribute, $(get escalation) escalations, $(get status_map) status maps, $(get attachment) attachment, $(get ticket) tickets, $(get clock) clocks, $(get event) events, 5 host triggers"
echo "$name: PASS (identical after a plain pg_restore -j $JOBS: $counts; engine ok; dumped by a pg_read_all_data role in ${t_dump} s, restored in ${t_restore} s; $((SECONDS - t0)) s in all)"
