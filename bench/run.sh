#!/usr/bin/env bash
# run.sh — `make bench`: build and install the extension, then run the business-time benchmarks
# in a throwaway PostgreSQL 15 cluster (pg_virtualenv) and print a table of ratios measured in
# this run.  Not part of `make test`.  Takes a few minutes; the full log goes to bench/out/.
#
#   BENCH_RUNS=7          timed runs per query (median reported)
#   BENCH_ROWS=1000000    rows of random (timestamp, duration) pairs
#   BENCH_SAMPLE=2000     rows of the sample the PL/pgSQL baseline runs on
#   BENCH_NO_INSTALL=1    skip `make install` (use the extension already installed)
#
# Exit status: 0 when every goal and every correctness check passes, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

if [ "${BENCH_NO_INSTALL:-0}" != 1 ]; then
	echo "== build and install"
	make -s PG_CONFIG="$PG_CONFIG"
	make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
fi

mkdir -p bench/out
echo "== benchmarks (throwaway cluster; log in bench/out/last.log)"
# -t: a private temporary cluster directory even as root (no clash with `make test`).
# shared_buffers large enough that the 1M-row table stays in memory during every timed run.
set +e
pg_virtualenv -t -v 15 -o 'shared_buffers=512MB' ./bench/run_in_cluster.sh 2>&1 | tee bench/out/last.log
status=${PIPESTATUS[0]}
set -e
exit "$status"
