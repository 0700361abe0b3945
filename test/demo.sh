#!/usr/bin/env bash
# demo.sh — the README's quick start (make demo): on a fresh Debian 12 machine, install what is
# missing, build and install the extension, start a throwaway cluster and show business-hours
# calendars, due dates and elapsed business time on a small helpdesk.
set -euo pipefail
cd "$(dirname "$0")/.."

./test/install_deps.sh
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
echo "== building and installing sla"
make -s PG_CONFIG="$PG_CONFIG"
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
echo "== running the demo in a throwaway cluster"
pg_virtualenv -t -v 15 psql -X -q -v ON_ERROR_STOP=1 -P pager=off -f test/demo.sql
