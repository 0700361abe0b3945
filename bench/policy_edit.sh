#!/usr/bin/env bash
# policy_edit.sh — what the versioned policy (issue 12) adds to a configuration edit: an UPDATE of
# one level target, one transaction each (each makes a policy version and a history row), with
# the policy history's triggers enabled and disabled, in interleaved rounds (the order swapped
# every round), against the server in $PGHOST/$PGPORT (a throwaway cluster with sla installed).
#
#   ROUNDS=6 SECONDS_PER_RUN=10 bench/policy_edit.sh
#
# Prints each run's mean latency and transactions per second, then the medians and their ratio.
# Database sla_bench_policy is created and dropped.
set -euo pipefail
ROUNDS=${ROUNDS:-6}
S=${SECONDS_PER_RUN:-10}
db=sla_bench_policy
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }
q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q -d $db >/dev/null <<'SQL'
CREATE EXTENSION sla;
SELECT sla.define_calendar('office', 'Europe/Berlin', 'mon-fri 09:00-17:00');
SELECT sla.define_level('gold', 'office', first_response => '4 hours', next_response => '8 hours',
                        resolution => '2 days', is_default => true);
SELECT sla.define_level('silver', 'office', first_response => '8 hours', resolution => '5 days');
SQL
script=$(mktemp /tmp/policy_edit.XXXXXX.sql)
trap 'rm -f "$script"; psql -qX -d postgres -c "DROP DATABASE IF EXISTS '$db'" >/dev/null 2>&1 || true' EXIT
# every UPDATE changes the target (4 hours <-> 5 hours): an edit that changes nothing makes no version
cat > "$script" <<'SQL'
UPDATE sla.level_target SET target = CASE WHEN target::text = '04:00:00' THEN '5 hours'::sla.business_interval
                                   ELSE '4 hours'::sla.business_interval END
 WHERE level_id = 1 AND metric = 'first_response';
SQL
triggers() {	# enable | disable
	local t
	for t in policy_history_insert policy_history_update policy_history_delete policy_history_truncate; do
		q -d $db -c "ALTER TABLE sla.level_target $1 TRIGGER $t"
	done
}
run() {	# label
	local out lat tps
	out=$(pgbench -n -c 1 -T "$S" -f "$script" $db 2>&1) || { echo "$out" >&2; exit 1; }
	lat=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' <<<"$out")
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
	echo "$1 $lat $tps"
}
results=()
for r in $(seq 1 "$ROUNDS"); do
	if (( r % 2 )); then order="with without"; else order="without with"; fi
	for o in $order; do
		if [ $o = with ]; then triggers ENABLE; else triggers DISABLE; fi
		line=$(run $o)
		echo "round $r: $line ms tps"
		results+=("$line")
	done
done
triggers ENABLE
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
with=$(printf '%s\n' "${results[@]}" | awk '$1=="with"{print $2}' | median)
without=$(printf '%s\n' "${results[@]}" | awk '$1=="without"{print $2}' | median)
echo "median latency: with history $with ms, without $without ms, ratio $(awk -v a="$with" -v b="$without" 'BEGIN{printf "%.2f", a/b}'), difference $(awk -v a="$with" -v b="$without" 'BEGIN{printf "%.3f", a-b}') ms"
echo "versions made: $(q -d $db -c 'SELECT count(*) FROM sla.policy_version'), history rows: $(q -d $db -c 'SELECT count(*) FROM sla.policy_history')"
