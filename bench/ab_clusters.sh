# shellcheck shell=bash
# ab_clusters.sh — sourced by the benchmarks that compare two builds of sla (bulk_cpu_ab.sh,
# cpu_per_ticket_builds.sh): each build ("a", "b") installed into a private copy of Debian's
# PostgreSQL 15 of its own (/var/cache/sla-pg/ab-a and ab-b; Debian's own directories are never
# written), with a throwaway cluster each, stopped and removed when the script exits.
#
#   ab_init                                   a temporary directory ($ab_tmp) and the cleanup
#   ab_setup SIDE TREE PORT [SERVER OPTIONS]  build TREE into SIDE's copy, start its cluster;
#                                             then $ab_tmp/SIDE/sock is its socket directory and
#                                             $ab_tmp/SIDE.prefix names its installation
. "$(dirname "${BASH_SOURCE[0]}")/../test/lib/pg_installs.sh"

ab_init() {
	ab_tmp=$(mktemp -d); chown postgres: "$ab_tmp"
	trap 'for s in a b; do [ -f "$ab_tmp/$s/data/postmaster.pid" ] && runuser -u postgres -- "$(cat "$ab_tmp/$s.prefix")/bin/pg_ctl" -D "$ab_tmp/$s/data" -m immediate stop >/dev/null; done; rm -rf "$ab_tmp"' EXIT
}

ab_setup() {
	local side=$1 tree=$2 port=$3 options=${4:-} prefix
	mkdir -p "/var/cache/sla-pg/ab-$side"
	prefix=$(CACHE=/var/cache/sla-pg/ab-$side copy_debian_15)
	echo "$prefix" > "$ab_tmp/$side.prefix"
	(cd "$tree" && make -s PG_CONFIG="$prefix/bin/pg_config" >/dev/null && make -s PG_CONFIG="$prefix/bin/pg_config" install >/dev/null)
	mkdir -p "$ab_tmp/$side/sock"; chown -R postgres: "$ab_tmp/$side"
	runuser -u postgres -- "$prefix/bin/initdb" -D "$ab_tmp/$side/data" -U postgres -A trust --no-sync >/dev/null
	runuser -u postgres -- "$prefix/bin/pg_ctl" -D "$ab_tmp/$side/data" -l "$ab_tmp/$side/log" -w \
		-o "-p $port -k $ab_tmp/$side/sock -c listen_addresses= $options" start >/dev/null
}
