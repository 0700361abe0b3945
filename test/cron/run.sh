#!/usr/bin/env bash
# run.sh — pg_cron drives sla.check_breaches(): a throwaway cluster with pg_cron preloaded, a
# 24/7 level whose first response is due 2 seconds after a ticket is created, and a job that
# checks for breaches every second.  Asserts that the breach is recorded exactly once, prints a
# one-line summary (the figures of docs/escalation.md) and exits non-zero on failure.
#
# pg_cron 1.5 and later take second schedules ('1 seconds'); Debian 12's postgresql-15-cron is
# 1.4.2, which only knows cron syntax: then the job runs every minute and the wait is longer
# (up to ~70 s instead of ~3 s).  Needs postgresql-15-cron (test/install_deps.sh) and sla
# installed (make install).
set -euo pipefail
cd "$(dirname "$0")/../.."

db=sla_cron
if [ "${1:-}" != --inside ]; then
	# extra preloads (SLA_CRON_PRELOAD=pg_cron,sla when the installed sla.so must be preloaded)
	preload=${SLA_CRON_PRELOAD:-pg_cron}
	# background workers: the jobs need no libpq connection (and no password) to the cluster
	exec pg_virtualenv -t -v 15 -o "shared_preload_libraries=$preload" -o "cron.database_name=$db" \
		-o "cron.use_background_workers=on" -o "max_worker_processes=16" "$0" --inside
fi

fail() { echo "not ok - cron: $*" >&2; exit 1; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

started=$(date +%s%N)
createdb "$db"
q -c 'CREATE EXTENSION pg_cron' -c 'CREATE EXTENSION sla'
cron_version=$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'")

q >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT sla.define_calendar('cron_247', 'UTC', '24/7');
SELECT sla.define_level('cron_2s', 'cron_247', first_response => '2 seconds', is_default => true);
CREATE TABLE cron_ticket (id int PRIMARY KEY, st text NOT NULL, created timestamptz NOT NULL);
SELECT sla.attach('cron_ticket', '{"key": "id", "created_at": "created", "status": "st"}');
SELECT sla.map_status('cron_ticket', 'open', 'open');
SQL

# every second if this pg_cron knows seconds, else every minute
if q -c "SELECT cron.schedule('sla-breaches', '1 seconds', \$\$SELECT sla.check_breaches()\$\$)" >/dev/null 2>&1; then
	schedule='1 seconds'; wait_s=8
else
	q -c "SELECT cron.schedule('sla-breaches', '* * * * *', \$\$SELECT sla.check_breaches()\$\$)" >/dev/null
	schedule='* * * * *'; wait_s=75
fi

q -c "INSERT INTO cron_ticket VALUES (1, 'open', now())"
clock=$(q -c "SELECT id FROM sla.clock WHERE ticket_key = '1' AND metric = 'first_response'")
[ -n "$clock" ] || fail "no first_response clock was started"

breaches() { q -c "SELECT count(*) FROM sla.event WHERE clock_id = $clock AND kind = 'breach'"; }
deadline=$(( $(date +%s) + wait_s ))
while [ "$(breaches)" = 0 ]; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "no breach recorded within ${wait_s} s (schedule '$schedule')"
	sleep 0.2
done
# more runs after the breach (or, with a minute schedule, one direct call) record nothing more
if [ "$schedule" = '1 seconds' ]; then
	sleep 2.5
else
	[ "$(q -c 'SELECT sla.check_breaches()')" = 0 ] || fail "a second check recorded something"
fi
n=$(breaches)
[ "$n" = 1 ] || fail "expected exactly one breach event for clock $clock, found $n"

read -r delay runs failed warnings < <(q -F ' ' <<SQL
SELECT round(extract(epoch FROM e.at - c.due_at)::numeric, 2),
       (SELECT count(*) FROM cron.job_run_details d WHERE d.status = 'succeeded'),
       (SELECT count(*) FROM cron.job_run_details d WHERE d.status = 'failed'),
       (SELECT count(*) FROM sla.event w WHERE w.clock_id = c.id AND w.kind = 'warning')
  FROM sla.clock c JOIN sla.event e ON e.clock_id = c.id AND e.kind = 'breach'
 WHERE c.id = $clock
SQL
)
[ "$failed" = 0 ] || fail "$failed job runs failed: $(q -c "SELECT string_agg(DISTINCT return_message, '; ') FROM cron.job_run_details WHERE status = 'failed'")"
q -c "SELECT cron.unschedule('sla-breaches')" >/dev/null
tenths=$(( ($(date +%s%N) - started) / 100000000 ))
total="$((tenths / 10)).$((tenths % 10))"
echo "ok - cron: pg_cron $cron_version, schedule '$schedule': 1 breach event (recorded ${delay} s after due_at), $warnings warning event(s), $runs job runs succeeded, 0 failed, ${total} s"
