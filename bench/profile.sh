#!/usr/bin/env bash
# profile.sh — where a benchmark query spends its time: loads the benchmark data into a throwaway
# cluster and samples the backend with `perf record -e cpu-clock` (a software event, so it works
# in VMs without hardware counters, where `perf stat -e instructions true` says "not supported")
# while the query runs 10 times.  Needs perf (Debian: linux-perf) and an installed extension.
#
#   ./bench/profile.sh ["SELECT count(sla.business_add(ts, d, 'cal')) FROM bench.t"]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != --inside ]; then
	exec pg_virtualenv -t -v 15 -o 'shared_buffers=512MB' "$0" --inside "$@"
fi
shift
query=${1:-"SELECT count(sla.business_add(ts, d, 'cal')) FROM bench.t"}
mkdir -p bench/out
psql -Xq -d postgres -c 'CREATE DATABASE sla_profile'
export PGDATABASE=sla_profile
psql -Xq -v ON_ERROR_STOP=1 -v rows="${BENCH_ROWS:-1000000}" -v sample=2000 -f bench/setup.sql >/dev/null

coproc PSQL { psql -XAtq -v ON_ERROR_STOP=1; }
echo "SET max_parallel_workers_per_gather = 0; SET jit = off; SELECT pg_backend_pid();" >&"${PSQL[1]}"
read -r pid <&"${PSQL[0]}"
echo "$query;" >&"${PSQL[1]}"		# warm-up: calendar cache, buffers
read -r _ <&"${PSQL[0]}"
perf record -q -e cpu-clock -F 2000 -g -o bench/out/perf.data -p "$pid" &
perf_pid=$!
sleep 1
for _ in $(seq 10); do
	echo "$query;" >&"${PSQL[1]}"
	read -r _ <&"${PSQL[0]}"
done
kill -INT "$perf_pid"
wait "$perf_pid" || true
echo "== $query (backend $pid; full data in bench/out/perf.data)"
set +o pipefail
perf report -i bench/out/perf.data --no-children --sort symbol --stdio 2>/dev/null \
	| grep -E '^ +[0-9.]+%' | head -25
