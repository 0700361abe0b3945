#!/usr/bin/env bash
# cpu_per_ticket_builds.sh — backend CPU per one-ticket transaction for two builds of sla ("a"
# and "b": two work trees), each in a private copy of Debian's PostgreSQL 15 with a throwaway
# cluster set up by bench/engine_oltp_setup.sql, then bench/cpu_per_ticket_ab.sh's alternated
# rounds.  With DETACH_B=1 build b's cluster detaches the ticket table after the setup: b is
# then the baseline without the engine (give the same tree twice).
#
#   bench/cpu_per_ticket_builds.sh A_TREE B_TREE [ROUNDS=9] [N=8000]
#
# Debian's own directories are never written (copies under /var/cache/sla-pg/ab-a and ab-b, as
# bench/bulk_cpu_ab.sh keeps them); ports 58220 and 58221.  Prints one line per round and build,
# then each build's median and mean.
set -euo pipefail
a_tree=$(cd "$1" && pwd); b_tree=$(cd "$2" && pwd)
rounds=${3:-9}; n=${4:-8000}
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/bench/ab_clusters.sh"
ab_init
tmp=$ab_tmp

setup() {   # side tree port
	local side=$1 tree=$2 port=$3
	ab_setup "$side" "$tree" "$port" "-c shared_buffers=256MB"
	(cd "$repo/bench" && PGHOST=$tmp/$side/sock PGPORT=$port PGUSER=postgres "$(cat "$tmp/$side.prefix")/bin/psql" -X -q -d postgres \
		-v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f engine_oltp_setup.sql >/dev/null)
	if [ "$side" = b ] && [ "${DETACH_B:-0}" = 1 ]; then
		PGHOST=$tmp/$side/sock PGPORT=$port PGUSER=postgres "$(cat "$tmp/$side.prefix")/bin/psql" -X -q -d postgres \
			-c "SELECT sla.detach('bench_ticket')" >/dev/null
	fi
}
setup a "$a_tree" 58220
setup b "$b_tree" 58221
echo "a: $a_tree ($(git -C "$a_tree" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "b: $b_tree ($(git -C "$b_tree" rev-parse --short HEAD 2>/dev/null || echo '?'))$([ "${DETACH_B:-0}" = 1 ] && echo ', detached')"
A_HOST=$tmp/a/sock A_PORT=58220 B_HOST=$tmp/b/sock B_PORT=58221 ROUNDS=$rounds N=$n PGUSER=postgres \
	PATH="$(cat "$tmp/a.prefix")/bin:$PATH" bash "$repo/bench/cpu_per_ticket_ab.sh" | tee "$tmp/rounds"
for side in A B; do
	grep " $side cpu" "$tmp/rounds" | sed 's/.*=//' | sort -n |
		awk -v s="$side" '{ v[NR] = $1; sum += $1 } END { printf "%s: median %.1f µs, mean %.1f µs over %d rounds\n", s, v[int((NR + 1) / 2)], sum / NR, NR }'
done
