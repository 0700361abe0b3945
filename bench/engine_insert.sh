#!/usr/bin/env bash
# engine_insert.sh — `make bench-engine`: ticket and message inserts with the engine attached vs
# detached, in a throwaway cluster; prints the ratios (figures in docs/benchmarks.md).
#   ENGINE_TICKETS=100000 ENGINE_MESSAGES=300000   bulk sizes (the issue's)
#   OLTP_SECONDS=20                                 length of each pgbench run
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
if [ "${BENCH_NO_INSTALL:-0}" != 1 ]; then
	make -s PG_CONFIG="$PG_CONFIG" && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
fi
pg_virtualenv -t -v 15 -o 'shared_buffers=512MB' \
	psql -X -q -v tickets="${ENGINE_TICKETS:-100000}" -v messages="${ENGINE_MESSAGES:-300000}" -f bench/engine_insert.sql
# the same engine as a helpdesk application drives it: one ticket or message per transaction
pg_virtualenv -t -v 15 -o 'shared_buffers=512MB' ./bench/engine_oltp.sh
# the floor of one row per transaction: the host's row and its SLA rows in one prepared statement,
# beside the engine, interleaved
pg_virtualenv -t -v 15 -o 'shared_buffers=512MB' ./bench/engine_oltp_floor.sh
# the floor: the same SLA rows written set-based with no engine logic at all
pg_virtualenv -t -v 15 -o 'shared_buffers=512MB' psql -X -q -f bench/engine_floor.sql
# rule evaluation: linear in the conditions, flat in the table size
pg_virtualenv -t -v 15 -o 'shared_buffers=512MB' psql -X -q -f bench/rules_scaling.sql
