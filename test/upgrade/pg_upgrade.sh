#!/usr/bin/env bash
# pg_upgrade.sh — pg_upgrade of a cluster where sla is installed and in use, from PostgreSQL 16 to
# 18 (both the cached source builds of test/matrix/run.sh; SLA_UPGRADE_FROM / SLA_UPGRADE_TO for
# others; Debian's 15.20 cannot go to a stock 18, see issue 13).
#
#   1. builds sla from a scratch copy of the work tree against both majors and installs it into
#      their cached installations (never into Debian's);
#   2. a throwaway old cluster (port 55430, Unix socket in a private directory, as the OS user
#      postgres): test/upgrade/in_use.sql (calendars, levels, rules on a declared attribute,
#      escalations, an attached ticket and message table, 60 tickets with messages, breaches
#      recorded), then test/upgrade/snapshot.sql: row count and md5 of every configuration and
#      tracking table, the sequences, the host tables, their triggers, the extension's members;
#   3. pg_upgrade --check (its report is printed when it refuses), then pg_upgrade (copy mode;
#      SLA_UPGRADE_MODE=--link for link mode) into a new cluster (port 55431);
#   4. on the new cluster: the snapshot is the same, ALTER EXTENSION sla UPDATE changes nothing
#      (same version, same snapshot), and test/upgrade/engine_check.sql: new tickets get their
#      clocks, a reply meets first_response, check_breaches records a breach and escalates.
# Prints one result line; exits non-zero on failure.  Keeps nothing (SLA_KEEP=1 keeps the
# scratch directory and stops the clusters instead of removing them).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/test/upgrade
SOURCES=$(cd "${SLA_PG_SOURCES:-$repo/../shared/sources}" && pwd)
CACHE=${SLA_PG_CACHE:-/var/cache/sla-pg}
. "$repo/test/lib/pg_installs.sh"
FROM=${SLA_UPGRADE_FROM:-16}
TO=${SLA_UPGRADE_TO:-18}
MODE=${SLA_UPGRADE_MODE:-}
port_old=55430
port_new=55431
t0=$SECONDS
name="pg_upgrade $FROM -> $TO with sla in use"
log() { printf '%s [upgrade] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { echo "$name: FAIL: $*"; exit 1; }

os_user=$(cluster_os_user)

old=$(pg_prefix "$FROM") || fail "no PostgreSQL $FROM"
new=$(pg_prefix "$TO") || fail "no PostgreSQL $TO"
work=$(mktemp -d /tmp/sla-upgrade.XXXXXX)
chmod 755 "$work"
pg=$work/pg
mkdir -p "$pg/sock"
as_pg() { runuser -u "$os_user" -- "$@"; }
stop() { [ -f "$2/postmaster.pid" ] && as_pg "$1/bin/pg_ctl" -D "$2" -m "${3:-immediate}" stop >/dev/null 2>&1 || true; }
cleanup() {
	stop "$old" "$pg/old"
	stop "$new" "$pg/new"
	[ -n "${SLA_KEEP:-}" ] && { echo "kept $work"; return; }
	rm -rf "$work"
}
trap cleanup EXIT

log "building sla for PostgreSQL $FROM and $TO (scratch copies in $work)"
install_sla_into "$repo" "$work/sla-$FROM" "$old" || fail "sla does not build or install on $FROM"
install_sla_into "$repo" "$work/sla-$TO" "$new" || fail "sla does not build or install on $TO"
cp "$here"/*.sql "$pg/"
chown -R "$os_user": "$pg"
cd "$pg"   # pg_upgrade writes its logs into the current directory on older majors

start() {   # prefix datadir port
	as_pg "$1/bin/pg_ctl" -D "$2" -l "$2.log" -w \
		-o "-p $3 -k $pg/sock -c listen_addresses= -c fsync=off" start >/dev/null ||
		{ tail -n 30 "$2.log"; fail "the server in $2 does not start"; }
}
q() {   # prefix port psql-arguments...
	local p=$1 port=$2
	shift 2
	as_pg env PGTZ=UTC "$p/bin/psql" -qX -v ON_ERROR_STOP=1 -h "$pg/sock" -p "$port" -U postgres -d helpdesk "$@"
}
snapshot() { q "$1" "$2" -f "$pg/snapshot.sql" > "$3" || fail "snapshot.sql failed on port $2"; }

# both clusters with data checksums (18's initdb default)
for c in old:$old new:$new; do
	as_pg "${c#*:}/bin/initdb" -D "$pg/${c%%:*}" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
		--data-checksums --no-sync >"$pg/initdb-${c%%:*}.log" 2>&1 || { cat "$pg/initdb-${c%%:*}.log"; fail "initdb"; }
done

log "PostgreSQL $FROM: sla in use (test/upgrade/in_use.sql)"
start "$old" "$pg/old" $port_old
as_pg "$old/bin/createdb" -h "$pg/sock" -p $port_old -U postgres helpdesk
q "$old" $port_old -f "$pg/in_use.sql" > "$pg/in_use.out" 2>&1 || { cat "$pg/in_use.out"; fail "in_use.sql failed on $FROM"; }
crossings=$(sed -n 's/^ *crossings recorded: \([0-9]*\)$/\1/p' "$pg/in_use.out")
snapshot "$old" $port_old "$pg/before.txt"
get() { awk -F'|' -v w="$1" '$1 == w { print $2 }' "$pg/before.txt"; }
[ "$(get clock)" -gt 0 ] && [ "$(get event)" -gt 0 ] && [ "$(get rule_condition)" -gt 0 ] ||
	{ cat "$pg/before.txt"; fail "in_use.sql left no clocks, events or rules"; }
q "$old" $port_old -tA -c "SELECT count(*) FROM sla.event WHERE kind = 'breach'" > "$pg/breaches.txt"
[ "$(cat "$pg/breaches.txt")" -gt 0 ] || fail "in_use.sql recorded no breach"
stop "$old" "$pg/old" fast

upgrade() {
	as_pg "$new/bin/pg_upgrade" -b "$old/bin" -B "$new/bin" -d "$pg/old" -D "$pg/new" \
		-p $port_old -P $port_new -s "$pg/sock" -U postgres $MODE "$@"
}
show_reports() {   # the report files pg_upgrade writes about a refusal (under the new data directory)
	find "$pg/new" -path '*pg_upgrade_output.d*' -name '*.txt' 2>/dev/null |
		while read -r f; do echo "--- $f"; cat "$f"; done
}
log "pg_upgrade --check"
t_check=$SECONDS
if ! upgrade --check > "$pg/check.out" 2>&1; then
	cat "$pg/check.out"
	show_reports
	reg=$(find "$pg" -name 'tables_using_reg*.txt' -exec sed -n 's/^ \{2,\}\([^ ].*\)$/\1/p' {} + | sort -u | paste -sd, - | sed 's/,/, /g')
	fail "pg_upgrade --check refuses the cluster${reg:+: reg* columns in user tables: $reg} (report above)"
fi
t_check=$((SECONDS - t_check))
log "pg_upgrade${MODE:+ $MODE}"
t_up=$SECONDS
if ! upgrade > "$pg/upgrade.out" 2>&1; then
	cat "$pg/upgrade.out"
	show_reports
	find "$pg/new" -path '*pg_upgrade_output.d*' -name '*.log' -exec tail -n 40 {} \; 2>/dev/null
	fail "pg_upgrade failed (output above)"
fi
t_up=$((SECONDS - t_up))

log "PostgreSQL $TO: the same state, ALTER EXTENSION sla UPDATE, the engine"
start "$new" "$pg/new" $port_new
snapshot "$new" $port_new "$pg/after.txt"
diff -u "$pg/before.txt" "$pg/after.txt" || fail "the state differs after pg_upgrade (diff above: what|rows|md5)"
update=$(q "$new" $port_new -c 'ALTER EXTENSION sla UPDATE' 2>&1) || fail "ALTER EXTENSION sla UPDATE: $update"
[[ $update == *'already installed'* ]] || fail "ALTER EXTENSION sla UPDATE was not a no-op: ${update:-no message}"
snapshot "$new" $port_new "$pg/after_update.txt"
diff -u "$pg/before.txt" "$pg/after_update.txt" || fail "ALTER EXTENSION sla UPDATE changed the state (diff above)"
engine=$(q "$new" $port_new -f "$pg/engine_check.sql" 2>&1) || { echo "$engine"; fail "the engine does not work after the upgrade"; }
[[ $engine == *'engine: new tickets got their clocks'* ]] || { echo "$engine"; fail "engine_check.sql printed no result"; }
stop "$new" "$pg/new" fast

echo "$name: PASS ($(wc -l < "$pg/before.txt") objects identical after the upgrade and after ALTER EXTENSION sla UPDATE: $(get calendar) calendars, $(get level) levels, $(get rule) rules, $(get rule_condition) conditions, $(get escalation) escalations, $(get ticket) tickets, $(get clock) clocks, $(get event) events ($(cat "$pg/breaches.txt") breaches, ${crossings:-?} crossings recorded on $FROM); sla $(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$repo/sla.control") still; engine ok on $TO; --check ${t_check} s, upgrade ${t_up} s, $((SECONDS - t0)) s in all)"
