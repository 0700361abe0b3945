# shellcheck shell=bash
# cluster.sh — sourced by test/citus/run.sh and bench/citus_*.sh: throwaway PostgreSQL servers of
# the Citus installation (test/citus/build.sh), each in $work/<name>/ (data, socket directory,
# log), on a Unix socket in its own directory plus TCP on localhost (Citus's nodes talk over
# TCP), trust authentication, run as the OS user postgres (runuser: CI runs as root).
#
# Needs: prefix (the installation), work (a directory the OS user may enter), os_user.

# node_start NAME PORT PRELOAD: initdb and start
node_start() {
	local name=$1 port=$2 preload=$3 d=$work/$1
	mkdir -p "$d/sock" && chown -R "$os_user": "$d"
	runuser -u "$os_user" -- "$prefix/bin/initdb" -D "$d/data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 --no-sync >"$d/initdb.log" 2>&1 || { cat "$d/initdb.log" >&2; return 1; }
	cat >>"$d/data/postgresql.conf" <<CONF
port = $port
listen_addresses = 'localhost'
unix_socket_directories = '$d/sock'
shared_preload_libraries = '$preload'
fsync = off
synchronous_commit = off
full_page_writes = off
max_prepared_transactions = 100
max_connections = 200
timezone = 'UTC'
log_min_messages = warning
# no breach worker: the test runs sla.check_breaches itself, at the end of each simulated day
sla.breach_worker_database = ''
$([ "$preload" != sla ] && echo "citus.node_conninfo = 'sslmode=disable'")
CONF
	# a server of an earlier run stopped just now may still hold the port for a moment
	local try
	for try in 1 2 3 4 5; do
		runuser -u "$os_user" -- "$prefix/bin/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 start \
			>/dev/null 2>&1 && break
		[ $try = 5 ] && { tail -n 30 "$d/server.log" >&2; return 1; }
		sleep 2
	done
	started_nodes+=("$name")
}

# node_stop NAME
node_stop() {
	runuser -u "$os_user" -- "$prefix/bin/pg_ctl" -D "$work/$1/data" -m immediate stop >/dev/null 2>&1 || true
}

# psql on node NAME (port from its config), database $db (default postgres)
node_psql() {
	local name=$1
	shift
	local port
	port=$(sed -n 's/^port = //p' "$work/$name/data/postgresql.conf" | tail -n 1)
	"$prefix/bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$work/$name/sock" -p "$port" -U postgres -d "${db:-postgres}" "$@"
}
