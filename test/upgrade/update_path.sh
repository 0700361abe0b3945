#!/usr/bin/env bash
# update_path.sh — ALTER EXTENSION sla UPDATE from every released version, against the server in
# $PGHOST/$PGPORT (test/run_sql_suites.sh runs it: `make test` on Debian's 15 and the version
# matrix on every major).  The server must have this tree's build installed: the library, the
# install script of sla.control's default_version, the released scripts src/sql/sla--X.Y.Z.sql
# and the upgrade scripts src/sql/sla--X--Y.sql.
#
#   1. the released scripts are as released: their sha256 is in test/upgrade/released.sha256
#      and every src/sql/sla--X.Y.Z.sql is listed there;
#   2. catalog: `CREATE EXTENSION sla` in one database; for each released version V,
#      `CREATE EXTENSION sla VERSION 'V'` (with today's library: every C symbol V's script names
#      must still exist) and `ALTER EXTENSION sla UPDATE` in another; test/upgrade/catalog.sql
#      describes both and any difference fails, with the diff: an SQL change in src/sql/'s parts
#      without its step in the upgrade script;
#   3. data: for each released version V, a database in use at V (test/upgrade/in_use.sql with
#      -v sla_version=V: calendars, levels, rules, escalations, an attached helpdesk, 60 tickets,
#      clocks met, breached and running, events), its rows recorded (test/upgrade/kept_rows.sql),
#      `ALTER EXTENSION sla UPDATE`, the rows compared (every column V had), the triggers on the
#      host tables compared with those of the same helpdesk attached at the current version,
#      then the engine goes on: test/upgrade/engine_check.sql writes new tickets, replies and
#      status changes and checks the clocks they move and the breaches recorded.
# Prints one result line; exits non-zero on failure.  Databases sla_update_* are dropped at the
# end (SLA_KEEP=1 keeps them and the output directory).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here=$repo/test/upgrade
t0=$SECONDS
current=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$repo/sla.control")
name="ALTER EXTENSION sla UPDATE to $current"
fail() { echo "$name: FAIL: $*"; exit 1; }
out=$(mktemp -d /tmp/sla-update-path.XXXXXX)
psql_q() { psql -qX -v ON_ERROR_STOP=1 "$@"; }
databases=()
cleanup() {
	local db
	if [ -n "${SLA_KEEP:-}" ]; then echo "kept $out and databases ${databases[*]}"; return; fi
	for db in "${databases[@]}"; do psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
	rm -rf "$out"
}
trap cleanup EXIT
fresh_db() {   # name: a new empty database
	databases+=("$1")
	psql_q -d postgres -c 'SET client_min_messages = warning' -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
}

# ---- 1. the released scripts ---------------------------------------------------------------
released=()
for f in "$repo"/src/sql/sla--*.sql; do
	v=${f##*/sla--}
	v=${v%.sql}
	[[ $v == *--* ]] && continue
	released+=("$v")
	grep -q " src/sql/sla--$v\.sql\$" "$here/released.sha256" ||
		fail "src/sql/sla--$v.sql is not in test/upgrade/released.sha256 (add its sha256sum when freezing a release)"
done
[ ${#released[@]} -gt 0 ] || fail "no released install script src/sql/sla--X.Y.Z.sql"
(cd "$repo" && sha256sum --quiet -c test/upgrade/released.sha256) >"$out/sha.txt" 2>&1 ||
	{ cat "$out/sha.txt"; fail "a released install script was edited (released scripts are frozen; changes go into the next upgrade script)"; }
mapfile -t released < <(printf '%s\n' "${released[@]}" | sort -V)

# ---- 2. catalog: fresh install vs. updated ---------------------------------------------------
fresh_db sla_update_fresh
psql_q -d sla_update_fresh -c 'CREATE EXTENSION sla' || fail "CREATE EXTENSION sla ($current) failed"
psql_q -d sla_update_fresh -f "$here/catalog.sql" >"$out/fresh.txt" || fail "catalog.sql failed on the fresh install"
grep -q "^extension sla: version $current," "$out/fresh.txt" ||
	fail "the fresh install is not version $current: $(head -n 1 "$out/fresh.txt")"
objects=$(grep -c '^member ' "$out/fresh.txt")
for v in "${released[@]}"; do
	db=sla_update_from_${v//[^0-9]/_}
	fresh_db "$db"
	psql_q -d "$db" -c "CREATE EXTENSION sla VERSION '$v'" >"$out/create-$v.txt" 2>&1 ||
		{ cat "$out/create-$v.txt"; fail "CREATE EXTENSION sla VERSION '$v' fails with this build (is sla--$v.sql installed? does the library still export every symbol it names?)"; }
	psql_q -d "$db" -c 'ALTER EXTENSION sla UPDATE' >"$out/update-$v.txt" 2>&1 ||
		{ cat "$out/update-$v.txt"; fail "ALTER EXTENSION sla UPDATE from $v failed"; }
	psql_q -d "$db" -f "$here/catalog.sql" >"$out/updated-$v.txt" || fail "catalog.sql failed after updating from $v"
	if ! diff -u --label "fresh install of $current" --label "$v updated to $current" \
	        "$out/fresh.txt" "$out/updated-$v.txt" >"$out/catalog-$v.diff"; then
		head -n 300 "$out/catalog-$v.diff"
		fail "$v updated differs from a fresh install of $current in $(grep -c '^[-+][^-+]' "$out/catalog-$v.diff") lines (diff above): mirror the change of src/sql/'s parts in the upgrade script"
	fi
done

# ---- 3. data: a database in use keeps its rows, and the engine goes on -----------------------
# The triggers on the host tables, as attaching them at the current version makes them: an
# updated database must end with the same (an upgrade that changes them recreates them).
host_triggers() {   # database
	psql_q -d "$1" -tA -c "SELECT format('%s %s %s', g.tgrelid::regclass, g.tgenabled, pg_get_triggerdef(g.oid))
	                         FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
	                        WHERE c.relnamespace = 'helpdesk'::regnamespace AND NOT g.tgisinternal ORDER BY 1"
}
fresh_db sla_update_data_current
PGTZ=UTC psql_q -d sla_update_data_current -f "$here/in_use.sql" >"$out/in_use-current.txt" 2>&1 ||
	{ cat "$out/in_use-current.txt"; fail "in_use.sql failed at $current"; }
host_triggers sla_update_data_current >"$out/host-triggers-current.txt"
summaries=()
for v in "${released[@]}"; do
	db=sla_update_data_${v//[^0-9]/_}
	fresh_db "$db"
	PGTZ=UTC psql_q -d "$db" -v sla_version="$v" -f "$here/in_use.sql" >"$out/in_use-$v.txt" 2>&1 ||
		{ cat "$out/in_use-$v.txt"; fail "in_use.sql failed at $v"; }
	psql_q -d "$db" -tA -v phase=before -f "$here/kept_rows.sql" >"$out/before-$v.txt" 2>&1 ||
		{ cat "$out/before-$v.txt"; fail "kept_rows.sql (before) failed at $v"; }
	psql_q -d "$db" -c 'ALTER EXTENSION sla UPDATE' >"$out/update-data-$v.txt" 2>&1 ||
		{ cat "$out/update-data-$v.txt"; fail "ALTER EXTENSION sla UPDATE from $v failed on a database in use"; }
	version=$(psql_q -d "$db" -tA -c "SELECT extversion FROM pg_extension WHERE extname = 'sla'")
	[ "$version" = "$current" ] || fail "after ALTER EXTENSION sla UPDATE from $v the version is $version, not $current"
	kept=$(psql_q -d "$db" -tA -v phase=after -f "$here/kept_rows.sql" 2>&1) ||
		{ echo "$kept"; fail "the update from $v did not keep the database's rows"; }
	host_triggers "$db" >"$out/host-triggers-$v.txt"
	diff -u --label "attached at $current" --label "attached at $v, updated" \
		"$out/host-triggers-current.txt" "$out/host-triggers-$v.txt" ||
		fail "after updating from $v the host tables' triggers are not those attach makes at $current (diff above)"
	engine=$(PGTZ=UTC psql_q -d "$db" -f "$here/engine_check.sql" 2>&1) ||
		{ echo "$engine"; fail "the engine does not work after updating from $v"; }
	[[ $engine == *'engine: new tickets got their clocks'* ]] || { echo "$engine"; fail "engine_check.sql printed no result"; }
	summaries+=("from $v: ${kept##*kept_rows: }")
done

echo "$name: PASS (released: ${released[*]}; catalog of $objects members identical to a fresh install after each update; $(IFS=';'; echo "${summaries[*]}"); engine ok after each; $((SECONDS - t0)) s)"
