#!/usr/bin/env bash
# breach_backlog.sh — `make bench-breach`: check_breaches() over a backlog of crossings in a
# table that was never analyzed, 0.1.0's function against today's, interleaved, in a throwaway
# cluster (bench/breach_backlog.sql).  TICKETS=8000 gives 16,000 crossings (a warning and a
# breach per ticket).  Prints the median of three runs of each and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
make -s PG_CONFIG="$PG_CONFIG" && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
pg_virtualenv -t -v 15 bash -c '
	psql -qX -d postgres -c "CREATE DATABASE sla_bench_backlog" >/dev/null
	psql -qX -d sla_bench_backlog -c "CREATE EXTENSION sla" >/dev/null
	psql -X -q -d sla_bench_backlog -v tickets="'"${TICKETS:-8000}"'" -f bench/breach_backlog.sql'
