--
-- replay_version — replay and what-if under a stored policy version (issue 12, docs/replay.md):
-- versions are numbered when their transactions commit, so this runs statement by statement in
-- a database of its own.  Version 2 has a 4-hour first response; version 3 tightens it to 2
-- hours and version 4 adds a holiday on Tuesday 24 November 2026.  Replaying under version 2
-- gives back the clocks decided under it; the live configuration and the version history are
-- the same afterwards.
--
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP DATABASE IF EXISTS sla_replay_version;
CREATE DATABASE sla_replay_version;
\set regress_db :DBNAME
\c sla_replay_version
CREATE EXTENSION sla;
SET client_min_messages = warning;
SET timezone = 'UTC';

SELECT sla.define_calendar('rv', 'UTC', 'mon-fri 09:00-17:00') > 0 AS calendar;
-- version 2: the level, the attachment's status map (versioned too) in one transaction
BEGIN;
SELECT sla.define_level('rv_std', 'rv', first_response => '4 hours', resolution => '5 days', is_default => true) > 0 AS level;
CREATE TABLE public.rv_ticket (id int PRIMARY KEY, st text, created timestamptz, updated timestamptz);
CREATE TABLE public.rv_msg (id serial PRIMARY KEY, ticket int, kind text, created timestamptz);
SELECT sla.attach('public.rv_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st"}',
                  'public.rv_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "kind",
                                     "customer_values": ["customer"], "agent_values": ["agent"]}') > 0 AS attached;
SELECT sla.map_status('public.rv_ticket', 'open', 'open');
COMMIT;
-- replied after 1 h, after 3 h, never (created Monday 16:00)
INSERT INTO public.rv_ticket VALUES (1, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00'),
                                    (2, 'open', '2026-11-23 09:00+00', '2026-11-23 09:00+00'),
                                    (3, 'open', '2026-11-23 16:00+00', '2026-11-23 16:00+00');
INSERT INTO public.rv_msg (ticket, kind, created) VALUES (1, 'agent', '2026-11-23 10:00+00'), (2, 'agent', '2026-11-23 12:00+00');
SELECT version, note IS NULL AS no_note FROM sla.policy_version ORDER BY version;

-- version 3: 2 hours (ticket 3's running clock is re-targeted); version 4: a holiday
UPDATE sla.level_target SET target = '2 hours' WHERE metric = 'first_response';
SELECT sla.add_holiday('rv', '2026-11-24', 'a holiday');
SELECT max(version) AS versions FROM sla.policy_version;
SELECT ticket_key, state, due_at FROM sla.clock WHERE metric = 'first_response' ORDER BY ticket_key;

CREATE TEMP TABLE rv_before AS
    SELECT (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.clock_int4 x) AS clocks,
           (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.event_int4 x) AS events,
           sla.policy((SELECT max(version) FROM sla.policy_version)) - 'took_effect' AS policy,
           (SELECT count(*) FROM sla.policy_version) AS versions;

-- under the live policy (version 4): the decided clocks were judged by 4 hours, so they differ
SELECT ticket_key, level, target, state, due_at, stored_state, stored_due_at, changed
  FROM sla.replay('public.rv_ticket') WHERE metric = 'first_response' ORDER BY ticket_key;
-- under version 2: the decided clocks as they were; the running one as version 2 would have it
SELECT ticket_key, level, target, state, due_at, stored_state, stored_due_at, changed
  FROM sla.replay_version('public.rv_ticket', 2) WHERE metric = 'first_response' ORDER BY ticket_key;
-- under version 3: 2 hours without the holiday
SELECT ticket_key, target, state, due_at
  FROM sla.replay_version('public.rv_ticket', 3, ARRAY['3']) WHERE metric = 'first_response';
-- compliance as of Thursday under version 2 and as it happened
SELECT metric, met, failed, stored_met, stored_failed, outcomes_changed
  FROM sla.what_if_version('public.rv_ticket', 2, '2026-11-23', '2026-11-30', ARRAY['metric'], '2026-11-26');
SELECT metric, met, failed, stored_met, stored_failed, outcomes_changed
  FROM sla.what_if_version('public.rv_ticket', 1, '2026-11-23', '2026-11-30', ARRAY['metric'], '2026-11-26');

-- nothing live moved, no version was made
SELECT (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.clock_int4 x) = clocks AS clocks_same,
       (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM sla.event_int4 x) = events AS events_same,
       sla.policy((SELECT max(version) FROM sla.policy_version)) - 'took_effect' = policy AS configuration_same,
       (SELECT count(*) FROM sla.policy_version) = versions AS versions_same
  FROM rv_before;
SELECT count(*) FILTER (WHERE changed) AS changed FROM sla.replay('public.rv_ticket') WHERE metric = 'first_response' AND stored_state = 'running';

-- bad arguments
SELECT * FROM sla.replay_version('public.rv_ticket', 99);
SELECT * FROM sla.replay_version('public.rv_ticket', NULL);
SELECT * FROM sla.what_if_version('public.rv_ticket', NULL, '2026-11-23', '2026-11-30');
-- the loader alone leaves a transaction that cannot commit
BEGIN;
SELECT sla.load_policy_version(2);
COMMIT;
SELECT target FROM sla.level_target WHERE metric = 'first_response';

-- the rules of a stored version (issue 12): version 5 adds a 1-hour level and a rule that
-- chooses it for open tickets, version 6 removes the rule.  The created facts logged the status
-- the rules read, so a replay runs each version's rules over them: vip under version 5 only
BEGIN;
SELECT sla.define_level('rv_vip', 'rv', first_response => '1 hour', resolution => '5 days') > 0 AS vip;
INSERT INTO sla.rule (name, position, set_level_id) SELECT 'rv_open', 1, id FROM sla.level WHERE name = 'rv_vip';
INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
    SELECT id, 1, 'status', 'equals', '"open"' FROM sla.rule WHERE name = 'rv_open';
COMMIT;
DELETE FROM sla.rule;
SELECT max(version) AS versions FROM sla.policy_version;
SELECT ticket_key, level, target, state FROM sla.replay_version('public.rv_ticket', 5) WHERE metric = 'first_response' ORDER BY ticket_key;
SELECT ticket_key, level, target, state FROM sla.replay_version('public.rv_ticket', 4) WHERE metric = 'first_response' ORDER BY ticket_key;
SELECT ticket_key, level, target, state, changed FROM sla.replay('public.rv_ticket') WHERE metric = 'first_response' ORDER BY ticket_key;
SELECT count(*) AS live_rules FROM sla.rule;

\c :regress_db
DROP DATABASE sla_replay_version;
