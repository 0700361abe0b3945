#!/usr/bin/env bash
# compliance_report.sh — `make bench-report`: the compliance report for one month grouped by day
# and department, against the best hand-written aggregate over the same table in the same run,
# at 1,000,000 tickets (about 2.5M clocks) and at 10,000,000 clocks; and the report's cost for
# one month vs three months, and for the same month in a table four times larger.  A throwaway
# cluster (shared_buffers 8GB, so that the 10M-clock table stays in PostgreSQL's cache and a
# larger table does not just mean more buffer misses); figures go to docs/benchmarks.md.  Takes
# about 10 minutes on 2 cores and 24 GB.
#
#   BENCH_TICKETS=1000000   tickets of the first size (their clocks are generated directly)
#   BENCH_CLOCKS=10000000   total clocks of the second size (the rest in earlier years)
#   BENCH_RUNS=7            timed runs per query (median reported)
#   BENCH_NO_INSTALL=1      skip `make install`
#
# Exit status: 0 when the goals hold and the two queries return the same rows, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
if [ "${BENCH_NO_INSTALL:-0}" != 1 ]; then
	make -s PG_CONFIG="$PG_CONFIG" && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
fi
mkdir -p bench/out
set +e
pg_virtualenv -t -v 15 -o 'shared_buffers=8GB' -o 'max_wal_size=8GB' -o 'work_mem=64MB' \
	psql -X -q -v ON_ERROR_STOP=1 -v tickets="${BENCH_TICKETS:-1000000}" \
	-v clocks="${BENCH_CLOCKS:-10000000}" -v runs="${BENCH_RUNS:-7}" \
	-f bench/compliance_report.sql 2>&1 | tee bench/out/compliance_report.log
status=${PIPESTATUS[0]}
set -e
grep -q 'FAIL' bench/out/compliance_report.log && status=1
exit "$status"
