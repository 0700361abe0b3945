#!/usr/bin/env bash
# sql_in_cluster.sh FILE.sql [psql -v NAME=VALUE ...] — build and install sla, then run one
# benchmark script in a fresh database of a throwaway PostgreSQL 15 cluster (pg_virtualenv).
# The self-contained benchmarks (make bench-breach, bench-views, bench-writer) use it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
file=$1
shift
make -s PG_CONFIG="$PG_CONFIG" && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
pg_virtualenv -t -v 15 bash -c '
	psql -qX -d postgres -c "CREATE DATABASE sla_bench" >/dev/null
	psql -qX -d sla_bench -c "CREATE EXTENSION sla" >/dev/null
	psql -X -q -d sla_bench -v ON_ERROR_STOP=1 "$@"' sla-bench "$@" -f "$file"
