#!/usr/bin/env bash
# run_in_cluster.sh — the benchmark body, run by bench/run.sh inside `pg_virtualenv -v 15`
# (PGHOST/PGPORT/PGUSER point at a throwaway cluster).  Creates a database, loads the data
# (setup.sql), the PL/pgSQL baseline and the timing harness, runs measure.sql in one session,
# probes the cold-start cost in fresh connections, and prints report.sql.
set -euo pipefail
cd "$(dirname "$0")"

RUNS=${BENCH_RUNS:-7}
ROWS=${BENCH_ROWS:-1000000}
SAMPLE=${BENCH_SAMPLE:-2000}
COLD=${BENCH_COLD:-5}		# fresh connections per cold-start probe
db=sla_bench

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
psql -XAtq -d postgres -c 'SELECT version()'
psql -Xq -v ON_ERROR_STOP=1 -d postgres -c 'SET client_min_messages = warning' -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
export PGDATABASE=$db
P=(psql -X -v ON_ERROR_STOP=1 -v rows="$ROWS" -v sample="$SAMPLE" -v runs="$RUNS")

echo "== setup: $ROWS rows, sample of $SAMPLE"
start=$SECONDS
"${P[@]}" -q -f setup.sql -f baseline_plpgsql.sql -f harness.sql
echo "(setup took $((SECONDS - start)) s)"

echo "== measurements: $RUNS timed runs per query, interleaved, after a warm-up run"
start=$SECONDS
"${P[@]}" -q -f measure.sql
echo "(measurements took $((SECONDS - start)) s)"

echo "== cold start: $COLD fresh connections per calendar"
for cal in cal h1000; do
	for _ in $(seq "$COLD"); do
		"${P[@]}" -qAt -c "SELECT bench.cold_probe('$cal')" >/dev/null
	done
done
# Wall clock (psql \timing) of the very first statement of a connection, library load included.
q="SELECT sla.business_add(timestamptz '2025-03-03 10:00 Europe/Berlin', '4 hours', 'cal')"
for _ in $(seq "$COLD"); do
	times=$("${P[@]}" -qAt -c '\timing on' -c "$q" -c "$q" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tr '\n' ' ')
	read -r first second <<<"$times"
	"${P[@]}" -qAt -c "INSERT INTO bench.cold VALUES ('cal, wall clock incl. library load', $first, $second)"
done

"${P[@]}" -q -f report.sql

failed=$("${P[@]}" -qAt -c "SELECT (SELECT count(*) FROM bench.result WHERE bench.verdict(ratio, goal_op, goal) = 'FAIL')
                                 + (SELECT count(*) FROM bench.check_result WHERE mismatches <> 0)")
if [ "$failed" != 0 ]; then
	echo "== $failed goal(s) or check(s) FAILED"
	exit 1
fi
echo "== all goals and checks passed"
