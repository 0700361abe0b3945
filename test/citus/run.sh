#!/usr/bin/env bash
# run.sh — sla on a Citus cluster gives the same clocks, events, breaches and reports as on one
# node (issue 14).
#
#   test/citus/run.sh            SLA_KEEP=1 keeps the nodes running and their directory;
#                                SLA_CITUS_TICKETS=300: the month's tickets
#
# 1. Citus 13.2.2 in a private copy of Debian's PostgreSQL 15 (test/citus/build.sh, cached under
#    /var/cache/sla-pg); sla built from a scratch copy of the work tree and installed into it
#    (test/lib/pg_installs.sh: never into Debian's own directories);
# 2. a coordinator (port 57601) and two workers (57602, 57603) with
#    shared_preload_libraries = 'citus,sla', and one node without Citus (57611, 'sla'), all on
#    loopback, throwaway data directories under /tmp, as the OS user postgres;
# 3. on both: the helpdesk (test/citus/helpdesk.sql: bigint ticket keys, messages, a business-
#    hours calendar, three levels, two rules), the month's plan (test/citus/traffic.sql); days
#    1-7 are played before the helpdesk is distributed (a helpdesk with sla attached and rows),
#    then sla.distribute('helpdesk.ticket') on the coordinator, then days 8-30, with a policy edit
#    before day 15 and sla.check_breaches at the end of every day;
# 4. compares the two row by row (clocks, events, facts, breaches, reports...), one line per check:
#    "ok N - ..." or "not ok N - ..." with the difference or the error; a summary line; exits
#    non-zero when a check failed.  The clusters are stopped and removed on exit.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${SLA_PG_CACHE:-/var/cache/sla-pg}
SOURCES=${SLA_PG_SOURCES:-$repo/../shared/sources}
tickets=${SLA_CITUS_TICKETS:-300}
t0=$SECONDS
log() { printf '%s [citus] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
. "$repo/test/lib/pg_installs.sh"

prefix=$(SLA_PG_CACHE=$CACHE SLA_PG_SOURCES=$SOURCES "$repo/test/citus/build.sh" | tail -n 1) || { echo "citus: FAIL: Citus does not build"; exit 1; }
os_user=$(cluster_os_user)
work=$(mktemp -d /tmp/sla-citus.XXXXXX)
chmod 755 "$work"
started_nodes=()
. "$repo/test/citus/cluster.sh"
cleanup() {
	local n
	if [ -n "${SLA_KEEP:-}" ]; then
		echo "kept $work, nodes running: ${started_nodes[*]} (stop: pg_ctl -D $work/<node>/data stop)"
		return
	fi
	for n in "${started_nodes[@]}"; do node_stop "$n"; done
	rm -rf "$work"
}
trap cleanup EXIT

log "installing sla into $prefix"
install_sla_into "$repo" "$work/sla" "$prefix" || { echo "citus: FAIL: sla does not build"; exit 1; }
log "starting a coordinator, two workers and one node without Citus"
node_start coord 57601 citus,sla || exit 1
node_start w1 57602 citus,sla || exit 1
node_start w2 57603 citus,sla || exit 1
node_start one 57611 sla || exit 1

n=0
failed=0
results=()
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -n "${3:-8}" | sed 's/^/#   /'
	return 0
}
# check NAME COMMAND...: ok when the command succeeds
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}
# one NODE SQL: the single value of a query
one() { node_psql "$1" -Atc "$2" 2>&1; }
# expect NAME NODE SQL VALUE
expect() {
	local got
	got=$(one "$2" "$3")
	if [ "$got" = "$4" ]; then ok "$1"; else not_ok "$1" "expected: $4
got: $got"; fi
}
# same NAME SQL: the query's rows (ORDER BY in it) on one node and on the coordinator, compared
same() {
	local name=$1 sql=$2 a b k=$((n + 1))
	a=$work/one.$k.out
	b=$work/citus.$k.out
	local pre=(-c "RESET ROLE")
	[ -n "${as_role:-}" ] && pre=(-c "SET ROLE $as_role")
	if ! node_psql one "${pre[@]}" -c "COPY ($sql) TO STDOUT" >"$a" 2>&1; then
		not_ok "$name (one node: error)" "$(cat "$a")"; return
	fi
	if ! node_psql coord "${pre[@]}" -c "COPY ($sql) TO STDOUT" >"$b" 2>&1; then
		not_ok "$name (Citus: error)" "$(cat "$b")"; return
	fi
	if [ ! -s "$a" ]; then
		not_ok "$name (no rows on one node: the check checks nothing)"; return
	fi
	if cmp -s "$a" "$b"; then
		ok "$name ($(wc -l <"$a") rows)"
	else
		not_ok "$name ($(wc -l <"$a") rows on one node, $(wc -l <"$b") on Citus; diff one citus:)" \
			"$(diff "$a" "$b" | head -n 12)" 12
	fi
}

# ---- the cluster ---------------------------------------------------------------------------
log "creating the extensions, registering the workers"
for w in w1 w2; do
	check "CREATE EXTENSION citus on worker $w" node_psql "$w" -c "CREATE EXTENSION citus"
done
check "citus on the coordinator, two workers registered" node_psql coord -c "CREATE EXTENSION citus" \
	-c "SELECT citus_set_coordinator_host('localhost', 57601)" \
	-c "SELECT citus_add_node('localhost', 57602)" -c "SELECT citus_add_node('localhost', 57603)"
expect "two active workers" coord "SELECT count(*) FROM citus_get_active_worker_nodes()" 2
check "CREATE EXTENSION sla on the coordinator" node_psql coord -c "CREATE EXTENSION sla"
check "CREATE EXTENSION sla on one node (without Citus)" node_psql one -c "CREATE EXTENSION sla"
for w in w1 w2; do
	expect "sla installed on worker $w" "$w" "SELECT extversion FROM pg_extension WHERE extname = 'sla'" \
		"$(one coord "SELECT extversion FROM pg_extension WHERE extname = 'sla'")"
done

# ---- the helpdesk, a week of traffic, distributed, three more weeks ------------------------
for node in one coord; do
	check "helpdesk, configuration and attachment ($node)" node_psql "$node" -f "$repo/test/citus/helpdesk.sql"
	check "the month's plan ($node)" node_psql "$node" -v tickets="$tickets" -f "$repo/test/citus/traffic.sql"
done
play() {   # first last
	local d node
	for ((d = $1; d <= $2; d++)); do
		for node in one coord; do
			node_psql "$node" -Atc "SELECT sim.play_day($d), sim.check($d)" >/dev/null 2>>"$work/play.err"
		done
	done
}
log "days 1-7 before distributing"
play 1 7
log "sla.distribute('helpdesk.ticket')"
check "sla.distribute('helpdesk.ticket') on a helpdesk with sla attached and a week of rows" \
	node_psql coord -c "SELECT sla.distribute('helpdesk.ticket')"
expect "helpdesk.ticket distributed by id" coord \
	"SELECT column_to_column_name(logicalrelid, partkey) FROM pg_dist_partition WHERE logicalrelid = 'helpdesk.ticket'::regclass AND partmethod = 'h'" id
expect "helpdesk.message distributed by ticket_id, co-located with helpdesk.ticket" coord \
	"SELECT column_to_column_name(m.logicalrelid, m.partkey) FROM pg_dist_partition m, pg_dist_partition t WHERE m.logicalrelid = 'helpdesk.message'::regclass AND t.logicalrelid = 'helpdesk.ticket'::regclass AND m.colocationid = t.colocationid" ticket_id
expect "tracking tables of bigint keys distributed by ticket_key, co-located with helpdesk.ticket" coord \
	"SELECT string_agg(p.logicalrelid::text || ':' || column_to_column_name(p.logicalrelid, p.partkey), ' ' ORDER BY p.logicalrelid::text) FROM pg_dist_partition p, pg_dist_partition t WHERE p.logicalrelid::text LIKE 'sla.%_int8' AND t.logicalrelid = 'helpdesk.ticket'::regclass AND p.colocationid = t.colocationid" \
	"sla.clock_int8:ticket_key sla.event_int8:ticket_key sla.fact_int8:ticket_key sla.ticket_int8:ticket_key"
expect "configuration tables are reference tables" coord \
	"SELECT string_agg(x, ' ' ORDER BY x) FROM unnest(ARRAY['sla.calendar', 'sla.calendar_hours', 'sla.calendar_holiday', 'sla.level', 'sla.level_target', 'sla.rule', 'sla.rule_condition', 'sla.attachment', 'sla.status_map']) x WHERE NOT EXISTS (SELECT FROM pg_dist_partition p WHERE p.logicalrelid::text = x AND p.partmethod = 'n' AND p.repmodel = 't')" ""
expect "tracking rows of the first week moved to the shards (none left on the coordinator's shell tables)" coord \
	"SELECT pg_relation_size('sla.clock_int8') + pg_relation_size('sla.ticket_int8') + pg_relation_size('helpdesk.ticket')" 0
expect "citus.enable_unsafe_triggers is off again after distributing" coord "SHOW citus.enable_unsafe_triggers" off

log "days 8-14"
play 8 14
log "days 15-30"
play 15 30

# ---- the helpdesk's writes -----------------------------------------------------------------
for what in "ticket" "message" "update" "check_breaches"; do
	same "no failed $what (the helpdesk's writes never fail because of sla)" \
		"SELECT coalesce(string_agg(DISTINCT sqlstate || ' ' || message, '; '), 'none') || ' (' || count(*) || ')' FROM sim.failure WHERE what = '$what' OR what LIKE '$what %'"
done
same "helpdesk tickets" "SELECT id, status, priority, assignee FROM helpdesk.ticket ORDER BY id"
same "helpdesk messages" "SELECT ticket_id, id, author_type FROM helpdesk.message ORDER BY ticket_id, id"

# an event's instant; those at the time of the run (a late stop's breach, the policy edit) as "now"
at="CASE WHEN e.at > '2026-12-02' THEN 'now' ELSE e.at::text END"
# ---- tracking rows, row by row -------------------------------------------------------------
same "tracked tickets (sla.ticket)" \
	"SELECT attachment_id, ticket_key::bigint, level_id, lifecycle, agent_replied, customer_waiting_since, department, agent, requester FROM sla.ticket ORDER BY 1, 2"
same "clocks (sla.clock, natural key and every column but the id labels)" \
	"SELECT attachment_id, ticket_key::bigint, metric, cycle, level_id, calendar_id, target, started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at, warn_at, warned_at, breach_seen_at, department, agent, requester, breach_escalation_pending, step_at, step_percent, step_done FROM sla.clock ORDER BY 1, 2, 3, 4"
same "clock states" "SELECT metric, state, count(*) FROM sla.clock GROUP BY 1, 2 ORDER BY 1, 2"
# (a fact's chosen.pos is a number from a sequence: where the level was chosen among the ticket's events)
same "fact log (sla.fact)" "SELECT attachment_id, ticket_key::bigint, seq, at, kind, detail #- '{chosen,pos}' FROM sla.fact ORDER BY 1, 2, 3"
same "events as a set per ticket (kind, instant, detail, the clock by metric and cycle)" \
	"SELECT e.attachment_id, e.ticket_key::bigint, $at, e.kind, c.metric, c.cycle, (e.detail - 'clock' - 'clock_id')::text FROM sla.event e LEFT JOIN sla.clock c ON c.attachment_id = e.attachment_id AND c.ticket_key = e.ticket_key AND c.id = e.clock_id ORDER BY 1, 2, 3, 4, 5, 6, 7"
same "events in each ticket's order (by id)" \
	"SELECT e.attachment_id, e.ticket_key::bigint, row_number() OVER (PARTITION BY e.attachment_id, e.ticket_key ORDER BY e.id), e.kind, $at FROM sla.event e ORDER BY 1, 2, 3"
same "every event's clock is a clock of its own ticket" \
	"SELECT count(*) FILTER (WHERE c.id IS NULL), count(*) FROM sla.event e LEFT JOIN sla.clock c ON c.attachment_id = e.attachment_id AND c.ticket_key = e.ticket_key AND c.id = e.clock_id WHERE e.clock_id IS NOT NULL"
expect "no two clocks share an id on Citus" coord "SELECT count(*) FROM (SELECT id FROM sla.clock GROUP BY id HAVING count(*) > 1) x" 0
same "warnings and breaches (kind, ticket, metric, cycle, due date)" \
	"SELECT e.kind, e.ticket_key::bigint, c.metric, c.cycle, $at, e.detail->>'due_at' FROM sla.event e JOIN sla.clock c ON c.attachment_id = e.attachment_id AND c.ticket_key = e.ticket_key AND c.id = e.clock_id WHERE e.kind IN ('warning', 'breach') ORDER BY 2, 3, 4, 1, 5"
expect "every breach recorded exactly once on Citus" coord \
	"SELECT count(*) FROM (SELECT e.ticket_key, e.clock_id, e.detail->>'due_at' FROM sla.event e WHERE e.kind = 'breach' GROUP BY 1, 2, 3 HAVING count(*) > 1) x" 0
same "level changes through rules (premium after the priority raise)" \
	"SELECT t.ticket_key::bigint, l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id ORDER BY 1"
same "mapping problems (an unknown status, recorded, not failing the write; every node's: sla.mapping_problems())" \
	"SELECT field, value, count FROM sla.mapping_problems() ORDER BY 1, 2"
same "sla.health (mapping problems seen on the shards, read on the coordinator)" "SELECT attachment_id, ticket_table, item, field, value, occurrences, first_ticket_key, last_ticket_key, remedy FROM sla.health ORDER BY 1, 4, 5"

# ---- reports from the coordinator ----------------------------------------------------------
same "compliance report" \
	"SELECT * FROM sla.compliance_report('2026-11-01', '2026-12-01', as_of => '2026-12-01') ORDER BY 1, 2, 3, 4, 5"
same "compliance report by agent" \
	"SELECT * FROM sla.compliance_report('2026-11-01', '2026-12-01', ARRAY['agent', 'metric'], as_of => '2026-12-01') ORDER BY 1, 2, 3, 4, 5"
same "SLA log as of the month's end" \
	"SELECT ticket::bigint, metric, cycle, level, state, used, remaining, overdue FROM sla.sla_log_at('2026-12-01') ORDER BY 1, 2, 3"
same "SLA log of one department as of mid-month (remaining and overdue)" \
	"SELECT ticket::bigint, metric, cycle, state, remaining, overdue FROM sla.sla_log_at('2026-11-20', 'billing') ORDER BY 1, 2, 3"
same "breached-now view" "SELECT ticket::bigint, metric, cycle FROM sla.breached_now ORDER BY 1, 2, 3"
same "SLA log view (as of now)" "SELECT ticket::bigint, metric, cycle, level, state, due_at, closed_at, overdue IS NULL FROM sla.sla_log ORDER BY 1, 2, 3"
same "queue view" "SELECT ticket::bigint, metric, cycle, due_at FROM sla.queue ORDER BY 1, 2, 3"
same "sla.avg over the clocks" "SELECT metric, sla.avg(business_used), sla.sum(business_used) FROM sla.clock WHERE state = 'met' GROUP BY 1 ORDER BY 1"
same "SLA log as JSON (sla_log_json, as of the month's end)" \
	"SELECT jsonb_array_length(j), md5(j::text) FROM sla.sla_log_json('2026-12-01') j"
same "SLA log of the clocks active in the month's second half (from_time, to_time)" \
	"SELECT ticket::bigint, metric, cycle, state, used FROM sla.sla_log_at('2026-12-01', NULL, '2026-11-16', '2026-12-01') ORDER BY 1, 2, 3"
same "at-risk view (as of now)" "SELECT count(*) FROM sla.at_risk"
same "explain of ticket 7" "SELECT * FROM sla.explain('helpdesk.ticket', '7')"
same "time split of ticket 7" "SELECT * FROM sla.time_split('helpdesk.ticket', '7') ORDER BY 1::text"
same "match_ticket of ticket 7" "SELECT * FROM sla.match_ticket('helpdesk.ticket', '7', '2026-11-10')"

same "replay of every ticket (clocks recomputed from the fact log, beside the stored ones)" \
	"SELECT ticket_key::bigint, metric, cycle, level, state, due_at, stopped_at, business_used, changed FROM sla.replay('helpdesk.ticket') ORDER BY 1, 2, 3"
same "replay of the tickets created in the month's second half" \
	"SELECT ticket_key::bigint, metric, cycle, state, changed FROM sla.replay('helpdesk.ticket', NULL, '2026-11-16', '2026-12-01') ORDER BY 1, 2, 3"
same "replay_compliance (compliance replayed beside compliance stored)" \
	"SELECT * FROM sla.replay_compliance('helpdesk.ticket', '2026-11-01', '2026-12-01', as_of => '2026-12-01') ORDER BY 1, 2, 3, 4, 5"
same "replay_changes (clocks whose outcome a replay changes)" \
	"SELECT count(*) FROM sla.replay_changes('helpdesk.ticket', '2026-11-01', '2026-12-01', '2026-12-01')"

# ---- configuration from the coordinator ----------------------------------------------------
# (after the month: a policy edit takes effect at the edit's real time, which must be the same
# "now" on both sides of the comparison for the clocks to match)
for node in one coord; do node_psql "$node" -Atc "SELECT sim.edit_policy()" >/dev/null 2>>"$work/play.err"; done
same "no failed policy edit" \
	"SELECT coalesce(string_agg(DISTINCT sqlstate || ' ' || message, '; '), 'none') || ' (' || count(*) || ')' FROM sim.failure WHERE what = 'policy edit'"
same "re-targeted clocks (the policy edit re-targets running clocks on every shard)" \
	"SELECT e.ticket_key::bigint, $at, (e.detail - 'clock' - 'clock_id')::text FROM sla.event e WHERE e.kind = 'retargeted' ORDER BY 1, 2, 3"
same "running clocks after the policy edit" \
	"SELECT ticket_key::bigint, metric, cycle, target, due_at, warn_at FROM sla.clock WHERE state IN ('running', 'paused') ORDER BY 1, 2, 3"
for node in one coord; do node_psql "$node" -Atc "SELECT sim.rule_edit()" >"$work/rule_edit.$node" 2>&1; done
if [ "$(cat "$work/rule_edit.coord")" = "$(cat "$work/rule_edit.one")" ]; then ok "a rule added on the coordinator, a ticket inserted after it"
else not_ok "a rule added on the coordinator, a ticket inserted after it" "one node: $(cat "$work/rule_edit.one")
Citus: $(cat "$work/rule_edit.coord")"; fi
same "the rule edit reaches the shards' triggers (the new ticket's level)" \
	"SELECT t.ticket_key, l.name FROM sla.ticket t JOIN sla.level l ON l.id = t.level_id WHERE t.ticket_key = '100000'"

# ---- a ticket held during a configuration edit: left pending, re-targeted by the breach check --
# (on Citus the edit's trigger runs on the worker holding the ticket's shard and leaves it in that
# worker's sla.policy_retarget_pending; the coordinator's check_breaches re-targets it there)
held=$(one one "SELECT min(c.ticket_key::bigint) FROM sla.clock c JOIN sla.level l ON l.id = c.level_id WHERE c.state = 'running' AND c.metric = 'resolution' AND l.name = 'standard'")
pending_everywhere="SELECT (SELECT count(*) FROM sla.policy_retarget_pending) + coalesce((SELECT sum((w->>'n')::int) FROM sla.citus_worker_rows('SELECT count(*) AS n FROM sla.policy_retarget_pending') w), 0)"
for node in one coord; do
	node_psql "$node" >"$work/hold.$node" 2>&1 <<SQL &
BEGIN;
SELECT 1 FROM sla.ticket_int8 WHERE attachment_id = 1 AND ticket_key = $held FOR UPDATE;
SELECT pg_sleep(4);
COMMIT;
SQL
	sleep 1.5
	node_psql "$node" -Atc "UPDATE sla.level_target SET target = '4 days' WHERE metric = 'resolution' AND level_id = (SELECT id FROM sla.level WHERE name = 'standard')" >"$work/held_edit.$node" 2>&1
	wait
done
expect "the held ticket $held is left pending by the edit (one node)" one "$pending_everywhere" 1
expect "the held ticket $held is left pending by the edit (Citus: in a worker's table)" coord "$pending_everywhere" 1
for node in one coord; do node_psql "$node" -Atc "SELECT sla.check_breaches('2026-12-01')" >"$work/held_check.$node" 2>&1; done
expect "check_breaches on the coordinator re-targets the ticket left pending on a worker (none left)" coord "$pending_everywhere" 0
same "the held ticket's re-target (events and due dates)" \
	"SELECT e.ticket_key::bigint, e.kind, (e.detail - 'clock' - 'clock_id')::text FROM sla.event e WHERE e.kind = 'retargeted' AND e.ticket_key = '$held' ORDER BY 1, 2, 3"
same "running clocks after the held ticket's re-target" \
	"SELECT ticket_key::bigint, metric, cycle, target, due_at, warn_at FROM sla.clock WHERE state IN ('running', 'paused') ORDER BY 1, 2, 3"

# ---- the host's row-level security holds in sla's rows and reports -------------------------
for node in one coord; do
	node_psql "$node" -c "CREATE ROLE agent_sales LOGIN" -c "GRANT sla_reader TO agent_sales" \
		-c "GRANT USAGE ON SCHEMA helpdesk TO agent_sales" -c "GRANT SELECT ON helpdesk.ticket TO agent_sales" \
		-c "ALTER TABLE helpdesk.ticket ENABLE ROW LEVEL SECURITY" \
		-c "CREATE POLICY sales_only ON helpdesk.ticket FOR SELECT TO agent_sales USING (department = 'sales')" \
		>"$work/rls.$node" 2>&1 || cat "$work/rls.$node"
done
as_role=agent_sales same "host row-level security: a sales agent sees the clocks of sales tickets only" \
	"SELECT ticket_key::bigint, metric, cycle, state FROM sla.clock ORDER BY 1, 2, 3"
as_role=agent_sales same "host row-level security: the compliance report of a sales agent" \
	"SELECT * FROM sla.compliance_report('2026-11-01', '2026-12-01', ARRAY['department', 'metric'], as_of => '2026-12-01') ORDER BY 1, 2, 3, 4, 5"

# ---- escalations, run by the coordinator's breach check -------------------------------------
# (a standard ticket's first-response warning sets its priority, its breach raises its level;
# the actions write the host row and re-target the clocks in the ticket's shard)
for node in one coord; do
	node_psql "$node" >"$work/escalate.$node" 2>&1 <<'SQL'
INSERT INTO sla.escalation (level_id, metric, on_event, action, column_name, column_value)
     SELECT id, 'first_response', 'warning', 'set_column', 'priority', 'high' FROM sla.level WHERE name = 'standard';
INSERT INTO sla.escalation (level_id, metric, on_event, action, to_level_id)
     SELECT s.id, 'first_response', 'breach', 'raise_level', p.id FROM sla.level s, sla.level p
      WHERE s.name = 'standard' AND p.name = 'premium';
INSERT INTO helpdesk.ticket (id, subject, status, priority, channel, department, assignee, customer_id, created_at, updated_at)
     VALUES (100010, 'escalated', 'new', 'normal', 'email', 'sales', 'anna', 7, '2026-11-30 20:00+00', '2026-11-30 20:00+00');
SELECT sla.check_breaches('2026-12-01 12:30+00');
SQL
done
same "escalations: the breach check's result and no escalation failed" \
	"SELECT kind, count(*) FROM sla.event WHERE kind IN ('escalated', 'escalation_failed') GROUP BY 1 ORDER BY 1"
same "escalations: ticket 100010's events in order (warning, set_column, breach, raise_level, re-targets)" \
	"SELECT row_number() OVER (ORDER BY e.id), e.kind, c.metric, c.cycle, (e.detail - 'clock' - 'clock_id')::text FROM sla.event e LEFT JOIN sla.clock c ON c.attachment_id = e.attachment_id AND c.ticket_key = e.ticket_key AND c.id = e.clock_id WHERE e.ticket_key = '100010' AND e.kind <> 'created' ORDER BY 1"
same "escalations: ticket 100010 after them (the priority set, the level raised, the clocks re-targeted)" \
	"SELECT t.priority, l.name, c.metric, c.state, c.target, c.due_at FROM helpdesk.ticket t JOIN sla.ticket s ON s.ticket_key = '100010' JOIN sla.level l ON l.id = s.level_id JOIN sla.clock c ON c.ticket_key = '100010' WHERE t.id = 100010 ORDER BY c.metric, c.cycle"

# ---- a second helpdesk, keyed by int4, attached after the first was distributed --------------
# (on the cluster the way docs/scaling.md gives for a helpdesk whose table is distributed before
# sla is attached: sla.attachment is a reference table by now, and its regclass names a table
# on every node)
for node in one coord; do
	dist=""
	[ "$node" = coord ] && dist="SELECT create_distributed_table('desk4.ticket', 'id'); SET citus.enable_unsafe_triggers = on;"
	node_psql "$node" >"$work/desk4.$node" 2>&1 <<SQL
CREATE SCHEMA desk4;
CREATE TABLE desk4.ticket (id integer PRIMARY KEY, status text NOT NULL, created timestamptz NOT NULL, department text);
$dist
SELECT sla.attach('desk4.ticket', '{"key": "id", "created_at": "created", "status": "status", "department": "department"}') > 0 AS ok;
RESET citus.enable_unsafe_triggers;
SELECT count(sla.map_status('desk4.ticket', s, l)) FROM (VALUES ('open', 'open'), ('solved', 'solved')) v(s, l);
SQL
done
check "sla.distribute('desk4.ticket'): an int4-keyed helpdesk without a message table, distributed, then attached" \
	node_psql coord -c "SELECT sla.distribute('desk4.ticket')"
expect "int4 tracking tables distributed by ticket_key, co-located with desk4.ticket" coord \
	"SELECT string_agg(p.logicalrelid::text, ' ' ORDER BY p.logicalrelid::text) FROM pg_dist_partition p, pg_dist_partition t WHERE p.logicalrelid::text LIKE 'sla.%_int4' AND t.logicalrelid = 'desk4.ticket'::regclass AND p.colocationid = t.colocationid" \
	"sla.clock_int4 sla.event_int4 sla.fact_int4 sla.ticket_int4"
for node in one coord; do
	node_psql "$node" >>"$work/desk4.$node" 2>&1 <<'SQL'
INSERT INTO desk4.ticket SELECT g, 'open', '2026-11-02 07:00+00'::timestamptz + g * interval '97 minutes', CASE WHEN g % 2 = 0 THEN 'sales' END
  FROM generate_series(1, 200) g;
UPDATE desk4.ticket SET status = 'solved' WHERE id % 3 = 0;
SELECT sla.check_breaches('2026-12-01');
SQL
done
same "int4 helpdesk: clocks" \
	"SELECT c.ticket_key::integer, c.metric, c.cycle, c.state, c.due_at, c.warned_at IS NOT NULL, c.breach_seen_at IS NOT NULL FROM sla.clock c JOIN sla.attachment a ON a.id = c.attachment_id WHERE a.ticket_table = 'desk4.ticket'::regclass ORDER BY 1, 2, 3"
same "int4 helpdesk: events (kind, ticket, instant)" \
	"SELECT e.ticket_key::integer, e.kind, $at FROM sla.event e JOIN sla.attachment a ON a.id = e.attachment_id WHERE a.ticket_table = 'desk4.ticket'::regclass ORDER BY 1, 2, 3"

# ---- a third helpdesk, keyed by uuid, the same way ----------------------------------------------
for node in one coord; do
	dist=""
	[ "$node" = coord ] && dist="SELECT create_distributed_table('desku.ticket', 'id'); SET citus.enable_unsafe_triggers = on;"
	node_psql "$node" >"$work/desku.$node" 2>&1 <<SQL
CREATE SCHEMA desku;
CREATE TABLE desku.ticket (id uuid PRIMARY KEY, status text NOT NULL, created timestamptz NOT NULL, agent text);
$dist
SELECT sla.attach('desku.ticket', '{"key": "id", "created_at": "created", "status": "status", "agent": "agent"}') > 0 AS ok;
RESET citus.enable_unsafe_triggers;
SELECT count(sla.map_status('desku.ticket', s, l)) FROM (VALUES ('open', 'open'), ('solved', 'solved')) v(s, l);
SQL
done
check "sla.distribute('desku.ticket'): a uuid-keyed helpdesk, distributed, then attached" \
	node_psql coord -c "SELECT sla.distribute('desku.ticket')"
for node in one coord; do
	node_psql "$node" >>"$work/desku.$node" 2>&1 <<'SQL'
INSERT INTO desku.ticket SELECT md5(g::text)::uuid, 'open', '2026-11-03 06:00+00'::timestamptz + g * interval '131 minutes', CASE WHEN g % 3 = 0 THEN 'lea' END
  FROM generate_series(1, 150) g;
UPDATE desku.ticket SET status = 'solved' WHERE created < '2026-11-10';
SELECT sla.check_breaches('2026-12-01');
SQL
done
same "uuid helpdesk: clocks" \
	"SELECT c.ticket_key, c.metric, c.cycle, c.state, c.due_at, c.agent, c.warned_at IS NOT NULL, c.breach_seen_at IS NOT NULL FROM sla.clock c JOIN sla.attachment a ON a.id = c.attachment_id WHERE a.ticket_table = 'desku.ticket'::regclass ORDER BY 1, 2, 3"
# (the UPDATE to solved stops clocks at the real time of the run: their figures as "now")
same "uuid helpdesk: SLA log as of the month's end" \
	"SELECT l.ticket, l.metric, l.cycle, l.state, CASE WHEN l.closed_at > '2026-12-02' THEN 'now' ELSE l.used::text || ' ' || coalesce(l.overdue::text, '-') END FROM sla.sla_log_at('2026-12-01') l WHERE l.ticket_table = 'desku.ticket'::regclass ORDER BY 1, 2, 3"

# ---- announcements: what the workers record, announced by the coordinator's breach check ------
# (a worker cannot NOTIFY: its part of the transaction ends with PREPARE TRANSACTION; on Citus
# only, after the comparisons: a new ticket with an unmapped status, then a late agent reply)
node_psql coord >"$work/announce.out" 2>&1 <<'SQL'
LISTEN sla_events;
INSERT INTO helpdesk.ticket (id, subject, status, priority, channel, department, assignee, customer_id, created_at, updated_at)
     VALUES (100001, 'announced', 'waiting-on-vendor', 'normal', 'email', 'billing', NULL, 1, '2026-11-30 20:00+00', '2026-11-30 20:00+00');
SELECT sla.check_breaches('2026-12-01') AS n \gset
INSERT INTO helpdesk.message (ticket_id, id, author_type, channel, body, created_at)
     VALUES (100001, 1, 'agent', 'email', 'a late first answer', now());
SELECT sla.check_breaches('2026-12-01') AS n \gset
SQL
expect "a mapping problem met on a worker: recorded there, announced by the coordinator's check" coord \
	"SELECT count FROM sla.mapping_problems() WHERE value = 'waiting-on-vendor' AND announced" 1
check "... its NOTIFY sla_events (mapping_problem) sent by the coordinator's check" \
	grep -q '"event" : "mapping_problem", "attachment" : 1, "field" : "status"' "$work/announce.out"
check "a breach recorded by a late stop on a worker: announced by the coordinator's check (NOTIFY sla_events, breach)" \
	grep -q "\"event\" : \"breach\", \"clock\" : $(one coord "SELECT id FROM sla.clock WHERE ticket_key = '100001' AND metric = 'first_response'")}" "$work/announce.out"
echo
log "done in $((SECONDS - t0)) s"
if [ -s "$work/play.err" ]; then echo "# errors while playing (first lines):"; sort "$work/play.err" | uniq -c | sort -rn | head -n 5 | sed 's/^/#   /'; fi
if [ $failed -eq 0 ]; then
	echo "citus: PASS: all $n checks passed (one node and a coordinator with two workers, $tickets tickets; $((SECONDS - t0)) s)"
else
	echo "citus: FAIL: $((n - failed)) of $n checks passed (one node and a coordinator with two workers, $tickets tickets; $((SECONDS - t0)) s)"
	exit 1
fi
