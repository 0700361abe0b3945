#!/usr/bin/env bash
# demo.sh — the README's main command (make demo): on a fresh Debian 12 machine, install what is
# missing, build and install the extension, start a throwaway cluster and run a month of a
# helpdesk's traffic through sla (test/demo.sql), then print its reports.
#
#   ./test/demo.sh                    10,000 tickets (a few minutes on 2 cores)
#   ./test/demo.sh --tickets 300      a quick smoke run
#   ./test/demo.sh --tickets 1000000  the big run (DEMO_TICKETS=1000000 or make demo TICKETS=1000000)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
	echo "usage: $0 [--tickets N]   (N from 100 to 2000000; default \$DEMO_TICKETS or 10000)" >&2
	exit 2
}

tickets="${DEMO_TICKETS:-10000}"
while [ $# -gt 0 ]; do
	case "$1" in
		--tickets) [ $# -ge 2 ] || usage; tickets="$2"; shift 2 ;;
		--tickets=*) tickets="${1#--tickets=}"; shift ;;
		-h|--help) usage ;;
		*) echo "demo.sh: unknown argument \"$1\"" >&2; usage ;;
	esac
done
if ! [[ "$tickets" =~ ^[0-9]+$ ]] || [ "${#tickets}" -gt 7 ] || [ "$tickets" -lt 100 ] || [ "$tickets" -gt 2000000 ]; then
	echo "demo.sh: --tickets must be a whole number from 100 to 2000000, got \"$tickets\"" >&2
	exit 2
fi
tickets=$((10#$tickets))

start=$(date +%s)
./test/install_deps.sh
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
echo "== building and installing sla"
make -s PG_CONFIG="$PG_CONFIG"
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
echo "== running the demo with $tickets tickets in a throwaway cluster (pg_virtualenv)"
pg_virtualenv -t -v 15 psql -X -q -v ON_ERROR_STOP=1 -v tickets="$tickets" -P pager=off -f test/demo.sql
echo "== demo finished in $(( $(date +%s) - start )) s (build, cluster and demo)"
