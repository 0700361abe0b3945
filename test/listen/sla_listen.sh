#!/usr/bin/env bash
# sla_listen.sh — the LISTEN client example: prints the JSON payload of every sla_events
# notification (one per line) as it arrives, for a bounded time.
#
#   sla_listen.sh [-t] [seconds] [psql connection options...]
#
#   seconds   how long to listen (default 10)
#   -t        prefix each payload with its arrival time (epoch seconds, a tab, the payload)
#   the rest  goes to psql, e.g. -d helpdesk; otherwise PGHOST/PGPORT/PGDATABASE/... apply
#
# psql reports a notification only after a statement finishes, so the script feeds it a LISTEN
# and then one short pg_sleep() after another: payloads appear within 0.2 s of their commit.
set -euo pipefail

stamp=false
if [ "${1:-}" = "-t" ]; then stamp=true; shift; fi
seconds=10
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
ticks=$((seconds * 5))

{
	echo 'LISTEN sla_events;'
	for ((i = 0; i < ticks; i++)); do echo 'SELECT pg_sleep(0.2);'; done
} | psql -qXAt -v ON_ERROR_STOP=1 "$@" |
	sed -nu 's/^Asynchronous notification "sla_events" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p' |
	if $stamp; then
		while IFS= read -r payload; do printf '%s\t%s\n' "$EPOCHREALTIME" "$payload"; done
	else
		cat
	fi
