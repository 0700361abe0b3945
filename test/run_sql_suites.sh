#!/usr/bin/env bash
# run_sql_suites.sh — pg_regress, pg_prove, the upgrade path from every released version, the
# docs' examples, the concurrency check and a parallel restore against the server in
# $PGHOST/$PGPORT (pg_virtualenv or test/matrix/run.sh provides one).  Prints regression.diffs when pg_regress fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}

if ! make -s PG_CONFIG="$PG_CONFIG" installcheck; then
	[ -f regression.diffs ] && cat regression.diffs
	exit 1
fi

db=sla_pgtap
psql -qX -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -qX -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION sla' \
	-c 'CREATE EXTENSION dblink'
PGDATABASE=$db pg_prove --ext .sql -r test/pgtap

# ALTER EXTENSION sla UPDATE from every released version: the same catalog as a fresh install,
# a database in use keeps its rows, and the engine goes on (test/upgrade/update_path.sh).
./test/upgrade/update_path.sh

# The docs' SQL examples, each file in a fresh database with sla on the search path.
for doc in README.md docs/*.md; do
	grep -q '^```sql' "$doc" || continue
	psql -qX -d postgres -c "DROP DATABASE IF EXISTS sla_docs" -c "CREATE DATABASE sla_docs"
	psql -qX -d sla_docs -c 'CREATE EXTENSION sla'
	PGDATABASE=sla_docs PGOPTIONS="-c search_path=public,sla" perl test/doc_examples.pl "$doc"
done

# Concurrent writers on the same tickets never produce two running clocks of one metric.
./test/concurrency/run.sh

# pg_dump -Fd and a plain pg_restore -j 4 of a database in use: every table identical row by
# row, and the restored database keeps working (test/restore/parallel_restore.sh).
PG_CONFIG="$PG_CONFIG" ./test/restore/parallel_restore.sh
