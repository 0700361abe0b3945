#!/usr/bin/env bash
# run_all.sh — the README's test command (make test): every suite, from a fresh machine.
#   1. install missing Debian packages      2. build and install the extension
#   3. C unit tests of the core (ASan+UBSan) 4. pg_regress and pgTAP in a throwaway cluster
#   5. a short bounded libFuzzer run
set -euo pipefail
cd "$(dirname "$0")/.."

./test/install_deps.sh
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config

echo "== build and install"
make -s PG_CONFIG="$PG_CONFIG" SLA_WERROR=1
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null

echo "== release metadata (META.json, CHANGELOG.md, LICENSE) against sla.control's version"
perl test/release/check_meta.pl "$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" sla.control)"

echo "== C unit tests"
make -s unitcheck

echo "== pg_regress and pgTAP (throwaway cluster)"
pg_virtualenv -t -v 15 ./test/run_sql_suites.sh

echo "== breach worker: end to end and crash (own clusters)"
./test/worker/run.sh
./test/worker/crash.sh

echo "== a logical replication subscriber computes the same clocks (own cluster, wal_level=logical)"
./test/replication/logical.sh

echo "== pg_cron schedules sla.check_breaches() (own cluster)"
./test/cron/run.sh

echo "== the demo, small (own cluster): it must run end to end and print every report"
./test/demo.sh --tickets 300 > /tmp/sla-demo-smoke.log 2>&1 || { cat /tmp/sla-demo-smoke.log; exit 1; }
./test/demo_check.sh /tmp/sla-demo-smoke.log 300

echo "== libFuzzer smoke run"
make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-15}"

echo "== all suites passed"
