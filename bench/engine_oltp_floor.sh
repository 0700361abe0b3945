#!/usr/bin/env bash
# engine_oltp_floor.sh — run inside a throwaway cluster by engine_insert.sh after
# engine_oltp.sh: the floor of issue 11's one-row-per-transaction goals.  The host's row and the
# rows sla writes for it, in one statement with no trigger and no engine logic
# (engine_oltp_floor_ticket.pgb, engine_oltp_floor_message.pgb), what an engine that keeps its
# rows in the writer's transaction cannot go below; beside it the engine itself (the host's
# statement with sla's triggers on) and the host's row alone, interleaved in one run, with 1 and
# 2 clients, committed (synchronous_commit on); every statement prepared (-M prepared), so that
# the floor pays no planning of its one long statement per transaction.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${OLTP_SECONDS:-20}
rounds=${OLTP_ROUNDS:-3}		# host, floor and engine alternate this many times; the mean tps of each
export PGOPTIONS='-c client_min_messages=warning'
psql -X -q -v ON_ERROR_STOP=1 -f engine_oltp_setup.sql >/dev/null
# the first 20,000 tickets' clocks, for the message script to change (the engine was attached
# when engine_oltp_setup.sql inserted them, so they exist already)
read -r att lvl cal < <(psql -X -At -F ' ' -c "SELECT a.id, l.id, l.calendar_id FROM sla.attachment a, sla.level l
    WHERE a.ticket_table = 'bench_ticket'::regclass AND l.name = 'bench_3'")

tps() {	# clients script -> transactions per second
	pgbench -n -M prepared -T "$seconds" -c "$1" -j "$1" -D att="$att" -D lvl="$lvl" -D cal="$cal" -f "$2" 2>/dev/null |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
add() { awk -v a="$1" -v b="$2" 'BEGIN { print a + b }'; }
triggers() {	# ENABLE or DISABLE sla's triggers on the host tables
	psql -X -q -v ON_ERROR_STOP=1 -c "ALTER TABLE bench_ticket $1 TRIGGER USER" \
		-c "ALTER TABLE bench_message $1 TRIGGER USER" >/dev/null
}
printf '%-30s %8s %10s %10s %10s %12s %13s\n' "one row per transaction" clients host_tps floor_tps engine_tps floor_ratio engine_ratio
for clients in 1 2; do
	for what in ticket message; do
		host=0 floor=0 engine=0
		for _ in $(seq "$rounds"); do
			triggers DISABLE
			host=$(add "$host" "$(tps "$clients" "engine_oltp_$what.pgb")")
			floor=$(add "$floor" "$(tps "$clients" "engine_oltp_floor_$what.pgb")")
			triggers ENABLE
			engine=$(add "$engine" "$(tps "$clients" "engine_oltp_$what.pgb")")
		done
		awk -v w="$what insert" -v c="$clients" -v h="$host" -v f="$floor" -v e="$engine" -v r="$rounds" \
			'BEGIN { printf "%-30s %8d %10.0f %10.0f %10.0f %12.2f %13.2f\n", w, c, h / r, f / r, e / r, h / f, h / e }'
	done
done
