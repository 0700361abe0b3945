#!/usr/bin/env bash
# engine_oltp.sh — run inside a throwaway cluster by engine_insert.sh: tickets and messages
# written the way a helpdesk application writes them, one row per transaction and committed
# (synchronous_commit on), by pgbench with 1 and 2 clients; throughput with the engine detached
# vs attached in the same run.  Prints one line per case with the ratio detached / attached.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${OLTP_SECONDS:-20}
export PGOPTIONS='-c client_min_messages=warning'
psql -X -q -v ON_ERROR_STOP=1 -f engine_oltp_setup.sql >/dev/null

tps() {	# clients script -> transactions per second
	pgbench -n -T "$seconds" -c "$1" -j "$1" -f "$2" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
attach() {
	psql -X -q -At -c "SELECT sla.attach('bench_ticket', '{\"key\": \"id\", \"created_at\": \"created\", \"status\": \"status\",
	  \"priority\": \"priority\", \"department\": \"department\", \"agent\": \"agent\", \"requester\": \"requester\"}',
	  'bench_message', '{\"ticket\": \"ticket\", \"created_at\": \"created\", \"author_kind\": \"author\",
	  \"customer_values\": [\"customer\"], \"agent_values\": [\"agent\"]}')" >/dev/null
	psql -X -q -At -c "SELECT sla.map_status('bench_ticket', 'open', 'open')" >/dev/null
}

printf '%-34s %8s %12s %12s %7s\n' "one row per transaction" clients detached_tps attached_tps ratio
for clients in 1 2; do
	psql -X -q -At -c "SELECT sla.detach('bench_ticket')" >/dev/null 2>&1 || true
	t_det=$(tps "$clients" engine_oltp_ticket.pgb)
	m_det=$(tps "$clients" engine_oltp_message.pgb)
	attach
	t_att=$(tps "$clients" engine_oltp_ticket.pgb)
	m_att=$(tps "$clients" engine_oltp_message.pgb)
	awk -v c="$clients" -v d="$t_det" -v a="$t_att" 'BEGIN { printf "%-34s %8d %12.0f %12.0f %7.2f\n", "ticket insert", c, d, a, d / a }'
	awk -v c="$clients" -v d="$m_det" -v a="$m_att" 'BEGIN { printf "%-34s %8d %12.0f %12.0f %7.2f\n", "message insert", c, d, a, d / a }'
done
psql -X -q -At -c "SELECT 'invariant: running clocks of one metric per ticket at most 1: ' ||
    coalesce(max(n), 0) FROM (SELECT count(*) n FROM sla.clock WHERE state IN ('running', 'paused')
    GROUP BY attachment_id, ticket_key, metric) x"
