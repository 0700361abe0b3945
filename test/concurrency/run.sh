#!/usr/bin/env bash
# run.sh — concurrent writers on the same tickets (pgbench, 8 clients) must never produce two
# running clocks of one metric; prints the invariants and fails if any is violated.
# Runs against the server in $PGHOST/$PGPORT (test/run_sql_suites.sh calls it).
set -euo pipefail
cd "$(dirname "$0")"
db=sla_concurrency
psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -qX -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION sla' -f setup.sql >/dev/null
/usr/lib/postgresql/15/bin/pgbench -n -c 8 -j 2 -t 100 -f messages.pgbench "$db" > pgbench.out 2>&1 || {
	cat pgbench.out; echo "not ok - pgbench failed"; exit 1; }
read -r two gaps msgs < <(psql -qXAt -F ' ' -d "$db" -c "
	SELECT (SELECT count(*) FROM (SELECT 1 FROM sla.clock WHERE state IN ('running', 'paused')
	                               GROUP BY ticket_key, metric HAVING count(*) > 1) x),
	       (SELECT count(*) FROM (SELECT 1 FROM sla.clock GROUP BY ticket_key, metric
	                               HAVING max(cycle) <> count(*)) y),
	       (SELECT count(*) FROM conc_message)")
rm -f pgbench.out
echo "concurrency: 800 messages from 8 clients on 5 tickets: $msgs stored, $two tickets with two active clocks, $gaps cycle gaps"
[ "$two" = 0 ] && [ "$gaps" = 0 ] && [ "$msgs" = 800 ]
