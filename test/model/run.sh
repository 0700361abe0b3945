#!/usr/bin/env bash
# run.sh — the model property test (test/pgtap/model_property.sql) at any size, against the
# server in $PGHOST/$PGPORT, in a scratch database with pgtap and sla (dropped afterwards).
#   test/model/run.sh [tickets [seed [skip-classes]]]
#   test/model/run.sh 20000 0.31                       # a longer run, about 30 s per 10,000
#   test/model/run.sh 2000 0.5 '{}'                     # nothing skipped: every known difference
# The defaults are the bounded run of make test.  Prints the TAP output, differing tickets included.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${SLA_MODEL_DB:-sla_model_run}
export SLA_MODEL_TICKETS=${1:-${SLA_MODEL_TICKETS:-1500}}
[ $# -ge 2 ] && export SLA_MODEL_SEED=$2
[ $# -ge 3 ] && export SLA_MODEL_SKIP=$3
psql -qX -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
trap 'psql -qX -d postgres -c "DROP DATABASE IF EXISTS $db"' EXIT
psql -qX -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION sla'
psql -qXAt -v ON_ERROR_STOP=1 -d "$db" -f test/pgtap/model_property.sql
