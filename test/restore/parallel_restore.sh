#!/usr/bin/env bash
# parallel_restore.sh — pg_dump -Fd and a plain pg_restore -j 4 (no other option) of a database
# where sla is in use, against the server in $PGHOST/$PGPORT (test/run_sql_suites.sh calls it;
# pg_dump and pg_restore from $PG_CONFIG's bindir, the server's own major):
#   1. database sla_restore_src: test/upgrade/in_use.sql, then test/restore/in_use_more.sql —
#      every configuration table of sla has rows (calendars with hours, holidays and special days,
#      levels and targets, declared attributes, rules with conditions, two attachments with
#      status maps and a mapping problem, escalations, an interaction source, contracts with
#      tiers) and so do the tracking tables (tickets, clocks, events, facts);
#   2. pg_dump -Fd, then pg_restore -j 4 into sla_restore_dst: no error at all;
#   3. test/restore/compare.sql: every table of sla and of the host schema, row by row (EXCEPT ALL
#      both ways, through dblink), and sla's sequences, identical;
#   4. the restored database keeps working: test/upgrade/engine_check.sql (new tickets, replies,
#      breaches, an escalation, the tickets from before) and test/restore/after_restore.sql
#      (references checked again, configuration edited, new tickets of the second helpdesk).
# Prints one result line; exits non-zero on failure (with pg_restore's errors or the difference).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bindir=$("$PG_CONFIG" --bindir)
JOBS=4
t0=$SECONDS
name="pg_restore -j $JOBS of a database with sla in use (PostgreSQL $("$PG_CONFIG" --version | sed 's/^PostgreSQL //'))"
fail() { echo "$name: FAIL: $*"; exit 1; }
work=$(mktemp -d /tmp/sla-parallel-restore.XXXXXX)
trap 'rm -rf "$work"' EXIT
q() { PGTZ=UTC psql -qX -v ON_ERROR_STOP=1 "$@"; }

q -d postgres -c 'DROP DATABASE IF EXISTS sla_restore_src' -c 'DROP DATABASE IF EXISTS sla_restore_dst' \
	-c 'CREATE DATABASE sla_restore_src' -c 'CREATE DATABASE sla_restore_dst'
q -d sla_restore_src -f "$repo/test/upgrade/in_use.sql" >"$work/in_use.out" 2>&1 &&
q -d sla_restore_src -f "$repo/test/restore/in_use_more.sql" >>"$work/in_use.out" 2>&1 ||
	{ cat "$work/in_use.out"; fail "the database in use could not be built"; }

"$bindir/pg_dump" -d sla_restore_src -Fd -f "$work/dump" >"$work/dump.log" 2>&1 ||
	{ cat "$work/dump.log"; fail "pg_dump failed"; }
t_restore=$SECONDS
if ! "$bindir/pg_restore" -d sla_restore_dst -j $JOBS "$work/dump" >"$work/restore.log" 2>&1 || [ -s "$work/restore.log" ]; then
	cat "$work/restore.log"
	fail "pg_restore -j $JOBS reported errors (above)"
fi
t_restore=$((SECONDS - t_restore))

# dblink connects from the server, over its own Unix socket (trust there under pg_virtualenv and
# the matrix; over TCP pg_virtualenv wants the password only the client has)
src="dbname=sla_restore_src port=$PGPORT user=$(q -d postgres -tA -c 'SELECT current_user')"
src="$src host=$(q -d postgres -tA -c "SELECT split_part(current_setting('unix_socket_directories'), ',', 1)")"
compare=$(q -d sla_restore_dst -v src="$src" -f "$repo/test/restore/compare.sql" 2>&1) ||
	{ echo "$compare"; fail "the restored database differs (above)"; }
echo "$compare" | grep 'DIFFERS' && fail "compare.sql printed differences"
echo "$compare" | grep -q 'relations identical, none empty' || { echo "$compare"; fail "compare.sql printed no result"; }
relations=$(echo "$compare" | grep -c '^restore compare: \(table\|sequence\)')
rows=$(echo "$compare" | awk '/^restore compare: table/ { n += $5 } END { print n + 0 }')

engine=$(q -d sla_restore_dst -f "$repo/test/upgrade/engine_check.sql" 2>&1) ||
	{ echo "$engine"; fail "the engine does not work after the restore"; }
[[ $engine == *'engine: tickets from before moved their clocks'* ]] || { echo "$engine"; fail "engine_check.sql printed no result"; }
after=$(q -d sla_restore_dst -f "$repo/test/restore/after_restore.sql" 2>&1) ||
	{ echo "$after"; fail "the restored database cannot be edited or written (above)"; }
[[ $after == *'after restore: references checked again'* ]] || { echo "$after"; fail "after_restore.sql printed no result"; }

q -d postgres -c 'DROP DATABASE sla_restore_src' -c 'DROP DATABASE sla_restore_dst'
echo "$name: PASS ($relations tables and sequences, $rows rows, identical row by row; restored in ${t_restore} s; then new tickets, replies, breaches, configuration edits and references checked again; $((SECONDS - t0)) s in all)"
