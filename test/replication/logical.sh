#!/usr/bin/env bash
# logical.sh — sla on a logical replication subscriber: a helpdesk's tables replicated from
# database lr_pub into lr_sub (same cluster, wal_level=logical), attached in lr_sub with sla's row
# triggers enabled for replicas (ALTER TABLE ... ENABLE ALWAYS TRIGGER: an apply worker runs as
# session_replication_role = replica, which fires no ordinary trigger).  An apply worker fires
# row triggers only, never statement triggers, so the engine must not queue new tickets for the
# statement's end there (src/new_ticket_batch.c): the test replicates a bulk INSERT of tickets,
# then replies and a status change, and checks every clock against the same rows written into a
# third database, lr_ref, attached the ordinary way.  Prints one result line; exits non-zero on
# failure.
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD

if [ -z "${SLA_LOGICAL_TEST_INSIDE:-}" ]; then
	export SLA_LOGICAL_TEST_INSIDE=1
	exec pg_virtualenv -t -v 15 -o wal_level=logical -o max_replication_slots=4 -o max_wal_senders=4 \
		-o max_logical_replication_workers=4 "$here/logical.sh" "$@"
fi

name="logical replication subscriber"
# the cluster's server log, for the apply worker's errors: pg_virtualenv's, or the version
# matrix's (SLA_CLUSTER_*: test/lib/cluster.sh)
. "$here/../lib/cluster.sh"
cluster_init || true
fail() { echo "not ok - $name: $*"; [ -n "${cluster_log:-}" ] && grep -m 5 'ERROR' "$cluster_log"; exit 1; }
q() { local db=$1; shift; psql -qXAt -v ON_ERROR_STOP=1 -d "$db" "$@"; }
t0=$SECONDS

[ "$(q postgres -c 'SHOW wal_level')" = logical ] || fail "the cluster must run with wal_level = logical"
psql -qX -d postgres -c 'DROP DATABASE IF EXISTS lr_pub' -c 'DROP DATABASE IF EXISTS lr_sub' \
	-c 'DROP DATABASE IF EXISTS lr_ref' -c 'CREATE DATABASE lr_pub' -c 'CREATE DATABASE lr_sub' -c 'CREATE DATABASE lr_ref'
cleanup() {
	psql -qX -d lr_sub -c 'DROP SUBSCRIPTION IF EXISTS lr' >/dev/null 2>&1 || true
	psql -qX -d postgres -c 'DROP DATABASE IF EXISTS lr_pub' -c 'DROP DATABASE IF EXISTS lr_sub' \
		-c 'DROP DATABASE IF EXISTS lr_ref' >/dev/null 2>&1 || true
}
trap cleanup EXIT

tables="CREATE TABLE ticket (id bigint PRIMARY KEY, status text NOT NULL, priority text, created timestamptz NOT NULL,
                             updated timestamptz NOT NULL);
        CREATE TABLE message (id bigint PRIMARY KEY, ticket bigint NOT NULL, author text NOT NULL, created timestamptz NOT NULL);"
setup="SET client_min_messages = warning;
       CREATE EXTENSION sla;
       SELECT sla.define_calendar('lr', 'UTC', 'mon-fri 09:00-17:00');
       SELECT sla.define_level('lr_std', 'lr', first_response => '4 hours', next_response => '8 hours',
                               resolution => '3 days', is_default => true);
       SELECT sla.define_level('lr_high', 'lr', first_response => '1 hour', resolution => '1 day');
       INSERT INTO sla.rule (name, position, set_level_id) SELECT 'high', 1, id FROM sla.level WHERE name = 'lr_high';
       INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
            SELECT id, 1, 1, 'priority', 'equals', '\"high\"' FROM sla.rule WHERE name = 'high';
       SELECT sla.attach('ticket', '{\"key\": \"id\", \"created_at\": \"created\", \"updated_at\": \"updated\",
                          \"status\": \"status\", \"priority\": \"priority\"}',
                         'message', '{\"ticket\": \"ticket\", \"created_at\": \"created\", \"author_kind\": \"author\",
                                      \"customer_values\": [\"customer\"], \"agent_values\": [\"agent\"]}') > 0;
       SELECT sla.map_status('ticket', 'open', 'open');
       SELECT sla.map_status('ticket', 'solved', 'solved');"
q lr_pub -c "$tables" -c 'CREATE PUBLICATION lr FOR TABLE ticket, message' >/dev/null
for db in lr_sub lr_ref; do q "$db" -c "$tables" -c "$setup" >/dev/null; done
# the apply worker fires only the triggers enabled for replicas: sla's row triggers, as a DBA
# who computes SLAs on a replica sets them (the statement trigger too: it still never fires)
q lr_sub -c "$(q lr_sub -c "SELECT string_agg(format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', tgrelid::regclass, tgname), '; ')
                              FROM pg_trigger WHERE tgname LIKE 'sla\_%' AND tgrelid IN ('ticket'::regclass, 'message'::regclass)")"
# a subscription to a database of the same cluster: its slot made beforehand (CREATE
# SUBSCRIPTION would wait for its own transaction to make it)
q lr_pub -c "SELECT pg_create_logical_replication_slot('lr', 'pgoutput')" >/dev/null
# (the apply worker connects with this string alone: pg_virtualenv's password goes in it)
q lr_sub -c "CREATE SUBSCRIPTION lr CONNECTION 'host=$PGHOST port=${PGPORT:-5432} dbname=lr_pub user=${PGUSER:-postgres}${PGPASSWORD:+ password=$PGPASSWORD}'
             PUBLICATION lr WITH (create_slot = false, slot_name = 'lr', copy_data = false)" >/dev/null

# the traffic, the same rows in lr_pub (replicated to lr_sub) and in lr_ref: 500 tickets in one
# INSERT, in a transaction of their own (a message's statement would write queued tickets first),
# then a customer message and an agent reply on most, a second customer message on half
# (next_response), then a third of them solved
tickets="INSERT INTO ticket SELECT g, 'open', CASE WHEN g % 5 = 0 THEN 'high' ELSE 'normal' END, t, t
           FROM generate_series(1, 500) g, LATERAL (SELECT '2026-11-23 09:00+00'::timestamptz + g * interval '1 minute') x(t)"
traffic="INSERT INTO message SELECT g, g, 'customer', '2026-11-23 09:30+00'::timestamptz + g * interval '1 minute'
           FROM generate_series(1, 500) g WHERE g % 7 <> 0;
         INSERT INTO message SELECT 1000 + g, g, 'agent', '2026-11-23 11:00+00'::timestamptz + g * interval '2 minutes'
           FROM generate_series(1, 500) g WHERE g % 4 <> 0;
         INSERT INTO message SELECT 2000 + g, g, 'customer', '2026-11-24 10:00+00'::timestamptz + g * interval '1 minute'
           FROM generate_series(1, 500) g WHERE g % 2 = 0;
         UPDATE ticket SET status = 'solved', updated = '2026-11-25 12:00+00' WHERE id % 3 = 0;"
# the tickets in a transaction of their own: nothing else of the engine runs in it before its commit
for db in lr_pub lr_ref; do q "$db" -c "$tickets" -c "$traffic" >/dev/null; done

# replicated: the subscription has applied everything the publisher wrote
lsn=$(q lr_pub -c 'SELECT pg_current_wal_lsn()')
for _ in $(seq 1 300); do
	[ "$(q lr_pub -c "SELECT coalesce(confirmed_flush_lsn >= '$lsn', false) FROM pg_replication_slots WHERE slot_name = 'lr'")" = t ] && break
	sleep 0.1
done
[ "$(q lr_sub -c 'SELECT count(*) FROM ticket')" = 500 ] ||
	fail "the subscriber has $(q lr_sub -c 'SELECT count(*) FROM ticket') of 500 tickets (the server log's errors below)"

# every clock of the subscriber as the reference computed it
clocks="SELECT string_agg(format('%s %s#%s %s %s %s %s', ticket_key, metric, cycle, state, due_at, stopped_at, business_used),
                          E'\n' ORDER BY ticket_key::bigint, metric, cycle) FROM sla.clock"
sub=$(q lr_sub -c "$clocks")
ref=$(q lr_ref -c "$clocks")
n=$(q lr_ref -c 'SELECT count(*) FROM sla.clock')
[ "$n" -gt 1000 ] || fail "the reference has only $n clocks"
[ "$sub" = "$ref" ] || { diff <(echo "$ref") <(echo "$sub") | head -20; fail "the subscriber's clocks differ from the reference's (above)"; }
facts_sub=$(q lr_sub -c 'SELECT count(*) FROM sla.fact')
facts_ref=$(q lr_ref -c 'SELECT count(*) FROM sla.fact')
[ "$facts_sub" = "$facts_ref" ] || fail "the subscriber logged $facts_sub facts, the reference $facts_ref"
echo "ok - $name: 500 tickets inserted in one statement and replicated, their messages and status changes: $n clocks and $facts_ref facts equal to the same rows written directly ($((SECONDS - t0)) s)"
