#!/usr/bin/env bash
# demo_check.sh LOG — whether a demo run's output (test/demo.sql) went end to end: every report's
# heading and the closing line for the given ticket count are in LOG.  Used by test/run_all.sh
# (Debian's 15) and test/matrix/run.sh (the other majors).  Prints the log and fails otherwise.
set -euo pipefail
log=$1
tickets=${2:-300}
for heading in 'Compliance for November by week and department' 'Call-centre metrics' 'Enterprise support' 'What-if: the draft' "== Done: $tickets tickets"; do
	grep -q "$heading" "$log" || { echo "demo output lacks \"$heading\""; cat "$log"; exit 1; }
done
