#!/usr/bin/env bash
# active_views.sh — `make bench-views`: bench/active_views.sql in a throwaway cluster (about a
# minute, most of it loading 1,010,000 clocks).
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
make -s PG_CONFIG="$PG_CONFIG" && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
pg_virtualenv -t -v 15 bash -c '
	psql -qX -d postgres -c "CREATE DATABASE sla_bench_views" >/dev/null
	psql -qX -d sla_bench_views -c "CREATE EXTENSION sla" >/dev/null
	psql -X -q -d sla_bench_views -f bench/active_views.sql'
