#!/usr/bin/env bash
# citus_throughput.sh — ticket inserts and messages per second through sla's triggers: one node
# vs a Citus coordinator with two workers, all on this machine's loopback, in the same run
# (docs/scaling.md).  The servers share the machine's cores: the ratio says what distribution
# costs or gains here, not what three machines would do.
#
#   bench/citus_throughput.sh        BENCH_SECONDS=20 BENCH_CLIENTS=4
#
# Uses test/citus/build.sh (Citus 13.2.2 in a private copy of Debian's 15, cached) and
# test/citus/cluster.sh (throwaway servers, ports 57631-57633 and 57641).  pgbench, one row per
# transaction, as a helpdesk application writes: a new ticket (its clocks start), then a
# customer message on a random ticket of those (a next-response clock, or nothing).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${SLA_PG_CACHE:-/var/cache/sla-pg}
seconds=${BENCH_SECONDS:-20}
clients=${BENCH_CLIENTS:-4}
. "$repo/test/lib/pg_installs.sh"
prefix=$("$repo/test/citus/build.sh" | tail -n 1)
os_user=$(cluster_os_user)
work=$(mktemp -d /tmp/sla-citus-bench.XXXXXX)
chmod 755 "$work"
started_nodes=()
. "$repo/test/citus/cluster.sh"
trap 'for n in "${started_nodes[@]}"; do node_stop "$n"; done; rm -rf "$work"' EXIT
install_sla_into "$repo" "$work/sla" "$prefix"
node_start coord 57631 citus,sla
node_start w1 57632 citus,sla
node_start w2 57633 citus,sla
node_start one 57641 sla
for w in w1 w2; do node_psql "$w" -c "CREATE EXTENSION citus" >/dev/null; done
node_psql coord -c "CREATE EXTENSION citus" -c "SELECT citus_set_coordinator_host('localhost', 57631)" \
	-c "SELECT citus_add_node('localhost', 57632)" -c "SELECT citus_add_node('localhost', 57633)" >/dev/null
for n in one coord; do
	node_psql "$n" -c "CREATE EXTENSION sla" >/dev/null
	node_psql "$n" -f "$repo/test/citus/helpdesk.sql" >/dev/null
	node_psql "$n" -c "CREATE SCHEMA bench; CREATE SEQUENCE bench.ticket_id; CREATE SEQUENCE bench.plain_id; CREATE SEQUENCE bench.message_id" >/dev/null
done
node_psql coord -c "SELECT sla.distribute('helpdesk.ticket')" >/dev/null 2>&1
# the same ticket table without sla, for what Citus itself costs here
for n in one coord; do
	node_psql "$n" -c "CREATE TABLE bench.plain (LIKE helpdesk.ticket INCLUDING ALL)" >/dev/null
done
node_psql coord -c "SELECT create_distributed_table('bench.plain', 'id', colocate_with => 'helpdesk.ticket')" >/dev/null

cat >"$work/ticket.pgb" <<'PGB'
INSERT INTO helpdesk.ticket (id, subject, status, priority, channel, department, customer_id, created_at, updated_at)
VALUES (nextval('bench.ticket_id'), 'bench', 'new', 'normal', 'email', 'sales', 1, now(), now());
PGB
port_of() { sed -n 's/^port = //p' "$work/$1/data/postgresql.conf" | tail -n 1; }
tps() {   # node script [-D var=value]
	local node=$1 script=$2
	shift 2
	"$prefix/bin/pgbench" -n -h "$work/$node/sock" -p "$(port_of "$node")" -U postgres -c "$clients" -j 2 \
		-T "$seconds" -f "$script" "$@" postgres 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
sed 's/helpdesk.ticket/bench.plain/; s/bench.ticket_id/bench.plain_id/' "$work/ticket.pgb" >"$work/plain.pgb"
declare -A t m p
for n in one coord; do
	p[$n]=$(tps "$n" "$work/plain.pgb")
	t[$n]=$(tps "$n" "$work/ticket.pgb")
	tickets=$(node_psql "$n" -Atc "SELECT count(*) FROM helpdesk.ticket")
	last=$(node_psql "$n" -Atc "SELECT max(id) FROM helpdesk.ticket")
	cat >"$work/message.$n.pgb" <<PGB
\set t random(1, $last)
INSERT INTO helpdesk.message (ticket_id, id, author_type, is_internal, channel, body, created_at)
VALUES (:t, nextval('bench.message_id'), 'customer', false, 'email', 'bench', now());
PGB
	m[$n]=$(tps "$n" "$work/message.$n.pgb")
	clocks=$(node_psql "$n" -Atc "SELECT count(*) FROM sla.clock")
	echo "$n: ${t[$n]} ticket inserts/s, ${m[$n]} messages/s ($tickets tickets, $clocks clocks); without sla: ${p[$n]} inserts/s"
done
awk -v a="${t[coord]}" -v b="${t[one]}" -v c="${m[coord]}" -v d="${m[one]}" -v e="${p[coord]}" -v f="${p[one]}" 'BEGIN {
	printf "Citus (coordinator + 2 workers, loopback, shared cores) / one node: tickets %.2fx, messages %.2fx; without sla %.2fx\n", a / b, c / d, e / f }'
