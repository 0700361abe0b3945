-- in_use_more.sql — after test/upgrade/in_use.sql: the rest of sla's configuration in use, so
-- that every configuration table has rows for the restore test (test/restore/parallel_restore.sh):
-- a contract with credit tiers on a declared customer-group attribute, an interaction source
-- with calls, a mapping problem (a status the status map does not know), a disabled rule and a
-- special day with two ranges, and a second attachment with its own status map and tickets.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET timezone = 'UTC';

CREATE FUNCTION public.customer_group_of(ticket integer) RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT CASE WHEN ticket % 2 = 0 THEN 'acme' ELSE 'globex' END $$;
INSERT INTO sla.attribute (name, type, function) VALUES ('customer_group', 'text', 'public.customer_group_of(integer)');
SELECT sla.define_contract('acme support', 'acme', 1200.00, 95, '{"95": 5, "90": 10, "80": 25}') > 0 AS ok;
SELECT sla.define_contract('globex support', 'globex', 800.00, 90, '[{"below": 90, "credit_percent": 10}]',
                           currency => 'USD', time_zone => 'Europe/Berlin') > 0 AS ok;

CREATE TABLE helpdesk.call (
    id          serial PRIMARY KEY,
    queue       text NOT NULL,
    offered_at  timestamptz NOT NULL,
    answered_at timestamptz,
    ended_at    timestamptz,
    agent       text
);
INSERT INTO helpdesk.call (queue, offered_at, answered_at, ended_at, agent)
SELECT CASE WHEN g % 3 = 0 THEN 'billing' ELSE 'support' END, t,
       CASE WHEN g % 5 <> 0 THEN t + (g % 7) * interval '10 seconds' END, t + interval '5 minutes', 'agent' || g % 4
  FROM generate_series(1, 40) g, LATERAL (SELECT timestamptz '2026-11-02 08:00+00' + g * interval '17 minutes') x(t);
SELECT sla.attach_interactions('helpdesk.call', '{"queue": "queue", "channel_value": "phone", "offered_at": "offered_at",
    "answered_at": "answered_at", "ended_at": "ended_at", "agent": "agent"}') > 0 AS ok;

SELECT sla.set_special_day('berlin', '2026-12-24', '09:00-12:00, 13:00-15:00', 'Christmas Eve');
INSERT INTO sla.rule (name, position, active, set_level_id)
SELECT 'retired rule', 30, false, l.id FROM sla.level l WHERE l.name = 'standard';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
SELECT r.id, 1, 1, 'customer_group', 'equals', '"acme"' FROM sla.rule r WHERE r.name = 'retired rule';

-- a second helpdesk, attached with its own status map; one of its statuses is not mapped
CREATE TABLE helpdesk.issue (
    key        integer PRIMARY KEY,
    state      text NOT NULL,
    opened     timestamptz NOT NULL,
    changed    timestamptz NOT NULL
);
SELECT sla.attach('helpdesk.issue', '{"key": "key", "created_at": "opened", "updated_at": "changed", "status": "state"}') > 0 AS ok;
SELECT count(sla.map_status('helpdesk.issue', s, l)) FROM (VALUES ('todo', 'open'), ('waiting', 'paused'), ('done', 'solved')) v(s, l);
INSERT INTO helpdesk.issue (key, state, opened, changed)
SELECT 5000 + g, CASE WHEN g % 4 = 0 THEN 'waiting' ELSE 'todo' END, t, t
  FROM generate_series(1, 12) g, LATERAL (SELECT timestamptz '2026-11-03 09:00+00' + g * interval '5 hours') x(t);
UPDATE helpdesk.issue SET state = 'done', changed = opened + interval '1 day' WHERE key IN (5001, 5002);
UPDATE helpdesk.issue SET state = 'triage', changed = opened + interval '2 hours' WHERE key = 5003;

-- three more helpdesks, one per other key type: their tracking rows fill sla.*_int8,
-- sla.*_uuid and sla.*_text (the keys in the host key's own type)
CREATE TABLE helpdesk.case_big (id bigint PRIMARY KEY, state text NOT NULL, opened timestamptz NOT NULL);
CREATE TABLE helpdesk.case_big_note (case_id bigint, who text, at timestamptz);
CREATE TABLE helpdesk.case_uuid (id uuid PRIMARY KEY, state text NOT NULL, opened timestamptz NOT NULL);
CREATE TABLE helpdesk.case_uuid_note (case_id uuid, who text, at timestamptz);
CREATE TABLE helpdesk.case_code (code varchar(20) PRIMARY KEY, state text NOT NULL, opened timestamptz NOT NULL);
CREATE TABLE helpdesk.case_code_note (code varchar(20), who text, at timestamptz);
SELECT sla.attach(format('helpdesk.%s', t)::regclass, format('{"key": "%s", "created_at": "opened", "status": "state"}', k)::jsonb,
                  format('helpdesk.%s_note', t)::regclass,
                  format('{"ticket": "%s", "created_at": "at", "author_kind": "who", "customer_values": ["customer"], "agent_values": ["agent"]}', nk)::jsonb) > 0 AS ok
  FROM (VALUES ('case_big', 'id', 'case_id'), ('case_uuid', 'id', 'case_id'), ('case_code', 'code', 'code')) v(t, k, nk);
SELECT string_agg(a.key_type, ',' ORDER BY a.key_type) AS key_types FROM sla.attachment a
 WHERE a.ticket_table::text LIKE 'helpdesk.case%';
SELECT count(sla.map_status(t, 'open', 'open')) FROM (VALUES ('helpdesk.case_big'::regclass), ('helpdesk.case_uuid'), ('helpdesk.case_code')) v(t);
INSERT INTO helpdesk.case_big SELECT 700000 + g, 'open', timestamptz '2026-11-04 09:00+00' + g * interval '3 hours' FROM generate_series(1, 5) g;
INSERT INTO helpdesk.case_uuid SELECT ('00000000-0000-4000-8000-00000000000' || g)::uuid, 'open', timestamptz '2026-11-04 09:00+00' + g * interval '3 hours' FROM generate_series(1, 5) g;
INSERT INTO helpdesk.case_code SELECT 'CASE-' || g, 'open', timestamptz '2026-11-04 09:00+00' + g * interval '3 hours' FROM generate_series(1, 5) g;
INSERT INTO helpdesk.case_big_note SELECT id, 'agent', opened + interval '1 hour' FROM helpdesk.case_big WHERE id % 2 = 1;
INSERT INTO helpdesk.case_uuid_note SELECT id, 'agent', opened + interval '1 hour' FROM helpdesk.case_uuid;
INSERT INTO helpdesk.case_code_note SELECT code, 'agent', opened + interval '30 minutes' FROM helpdesk.case_code WHERE code <> 'CASE-1';

SELECT 'crossings recorded: ' || sla.check_breaches('2026-12-01 00:00+00') AS result;

-- a ticket a configuration edit could not lock (its writer held it), left to the next breach check
INSERT INTO sla.policy_retarget_pending
     SELECT a.id, '700001', timestamptz '2026-12-01 00:00+00' FROM sla.attachment a
      WHERE a.ticket_table = 'helpdesk.case_big'::regclass;

-- a policy draft (issue 12, docs/replay.md): kept apart from the configuration, dumped with it
SELECT sla.create_draft('restore draft', $d$SELECT sla.add_holiday((SELECT name FROM sla.calendar ORDER BY id LIMIT 1), '2026-12-24', 'proposed')$d$,
                        'a holiday, proposed') IS NULL AS draft;
