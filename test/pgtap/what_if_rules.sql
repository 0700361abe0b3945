-- what_if_rules.sql — issue 12: the rules in a replay.  The created and level facts log the
-- attribute values the rules read (and the plain built-in columns), and a replay runs the rules
-- of the policy replayed — live, a draft, a stored version — over them, at each fact's instant,
-- with the code the triggers use (src/core/rules.c): a draft that changes a rule moves tickets
-- between levels and changes their outcomes.  A fact logged without values keeps its level.
-- Calendar mon-fri 09:00-17:00 UTC; Monday 2026-11-23.  wr_std answers in 4 hours, wr_vip in 1.
-- The live rule (on_update): priority in ["urgent"] -> wr_vip.
BEGIN;
SELECT plan(19);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('wr', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('wr_std', 'wr', first_response => '4 hours', resolution => '5 days', is_default => true) > 0, 'default level');
SELECT ok(sla.define_level('wr_vip', 'wr', first_response => '1 hour', resolution => '5 days') > 0, 'vip level');
INSERT INTO sla.rule (name, position, on_update, set_level_id) SELECT 'wr_urgent', 9101, true, id FROM sla.level WHERE name = 'wr_vip';
INSERT INTO sla.rule_condition (rule_id, position, attribute, operator, value)
    SELECT id, 1, 'priority', 'in', '["urgent"]' FROM sla.rule WHERE name = 'wr_urgent';
CREATE TABLE public.wr_ticket (id int PRIMARY KEY, st text, prio text, created timestamptz, updated timestamptz);
CREATE TABLE public.wr_msg (id serial PRIMARY KEY, ticket int, kind text, created timestamptz);
SELECT ok(sla.attach('public.wr_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st", "priority": "prio"}',
                     'public.wr_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "kind",
                                        "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('public.wr_ticket', 'open', 'open');
-- 1 high, replied after 2 h; 2 low, after 2 h; 3 urgent, after 30 min; 4 low, made urgent at
-- 09:30 (a level fact), replied at 11:00; 5 high, replied after 2 h, its log stripped below
INSERT INTO public.wr_ticket VALUES (1, 'open', 'high', '2026-11-23 09:00+00', '2026-11-23 09:00+00'),
                                    (2, 'open', 'low', '2026-11-23 09:00+00', '2026-11-23 09:00+00'),
                                    (3, 'open', 'urgent', '2026-11-23 09:00+00', '2026-11-23 09:00+00'),
                                    (4, 'open', 'low', '2026-11-23 09:00+00', '2026-11-23 09:00+00'),
                                    (5, 'open', 'high', '2026-11-23 09:00+00', '2026-11-23 09:00+00');
UPDATE public.wr_ticket SET prio = 'urgent', updated = '2026-11-23 09:30+00' WHERE id = 4;
INSERT INTO public.wr_msg (ticket, kind, created) VALUES (1, 'agent', '2026-11-23 11:00+00'), (2, 'agent', '2026-11-23 11:00+00'),
                                                        (3, 'agent', '2026-11-23 09:30+00'), (4, 'agent', '2026-11-23 11:00+00'),
                                                        (5, 'agent', '2026-11-23 11:00+00');

CREATE FUNCTION pg_temp.fr(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE format('SELECT string_agg(concat_ws('' '', ticket_key, level, state), '', '' ORDER BY ticket_key) FROM (%s) x WHERE metric = ''first_response''', q) INTO r;
    RETURN r;
END $$;

-- 1. What the log keeps
SELECT is((SELECT string_agg(concat_ws(' ', ticket_key, kind, detail -> 'chosen' -> 'attributes' ->> 'priority',
                                       detail -> 'chosen' -> 'attributes' ->> 'status',
                                       (detail -> 'chosen' -> 'attributes' ->> 'updated_at')::timestamptz), ', ' ORDER BY ticket_key, seq)
             FROM sla.fact_int4 WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.wr_ticket'::regclass)
              AND kind IN ('created', 'level')),
    '1 created high open 2026-11-23 09:00:00+00, 2 created low open 2026-11-23 09:00:00+00, 3 created urgent open 2026-11-23 09:00:00+00, '
    '4 created low open 2026-11-23 09:00:00+00, 4 level urgent open 2026-11-23 09:30:00+00, 5 created high open 2026-11-23 09:00:00+00',
    'created and level facts log the values the rules read and the plain built-in columns (ISO times)');
SELECT is(pg_temp.fr($$SELECT c.ticket_key, l.name AS level, c.state, c.metric FROM sla.clock c JOIN sla.level l ON l.id = c.level_id
                        WHERE c.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.wr_ticket'::regclass)$$),
    '1 wr_std met, 2 wr_std met, 3 wr_vip met, 4 wr_vip breached, 5 wr_std met',
    'live: the urgent tickets are vip (4 from 09:30, its 1-hour first response late at 11:00)');
SELECT is((SELECT count(*)::int FROM sla.replay('public.wr_ticket') WHERE changed), 0,
    'the replay of the live policy, rules run again over the logged values, equals the live clocks');

-- a fact logged before the values were kept: ticket 5's created fact without them
UPDATE sla.fact_int4 SET detail = jsonb_set(detail, '{chosen}', (detail -> 'chosen') - 'attributes')
 WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.wr_ticket'::regclass) AND ticket_key = 5 AND kind = 'created';

-- 2. A draft that changes the rule: high is vip, urgent no longer
SELECT lives_ok($$SELECT sla.create_draft('wr_high', $d$UPDATE sla.rule_condition SET value = '["high"]'
    WHERE rule_id = (SELECT id FROM sla.rule WHERE name = 'wr_urgent')$d$, 'high is vip, urgent is not')$$, 'the draft');
SELECT is((SELECT string_agg(concat_ws(' ', ticket_key, metric, stored_level, '->', level, stored_outcome, '->', outcome), '; ' ORDER BY ticket_key)
             FROM sla.what_if_changes('public.wr_ticket', 'wr_high', '2026-11-23', '2026-11-30', '2026-11-26')),
    '1 first_response wr_std -> wr_vip met -> failed; 4 first_response wr_vip -> wr_std failed -> met',
    'what_if_changes: ticket 1 (high) moves to vip and its 2-hour reply fails; ticket 4''s level fact no longer raises it, its reply is in time; ticket 5 (high too) keeps its logged level: its created fact holds no values');
SELECT is((SELECT string_agg(concat_ws(' ', level, met, failed, stored_met, stored_failed, outcomes_changed), '; ' ORDER BY level)
             FROM sla.what_if('public.wr_ticket', 'wr_high', '2026-11-23', '2026-11-30', ARRAY['level', 'metric'], '2026-11-26')
            WHERE metric = 'first_response'),
    'wr_std 4 0 3 0 1; wr_vip 0 1 1 1 1',
    'what_if by level: ticket 3 (urgent) counts under wr_std now, met either way; tickets 1 and 4 change sides');
-- 3. Rules relative to now run at the fact's instant: created_at newer than an hour holds for
-- every ticket when it was created (not now, in December)
SELECT lives_ok($$SELECT sla.create_draft('wr_fresh', $d$UPDATE sla.rule_condition SET attribute = 'created_at', operator = 'newer_than', value = '"1 hour"'
    WHERE rule_id = (SELECT id FROM sla.rule WHERE name = 'wr_urgent')$d$)$$, 'a draft with a rule relative to now');
SELECT is((SELECT string_agg(concat_ws(' ', ticket_key, stored_level, '->', level), ', ' ORDER BY ticket_key)
             FROM sla.what_if_changes('public.wr_ticket', 'wr_fresh', '2026-11-23', '2026-11-30', '2026-11-26')),
    '1 wr_std -> wr_vip, 2 wr_std -> wr_vip',
    'newer_than evaluated at the created fact''s instant: tickets 1 and 2 become vip and fail (5 keeps its logged level)');

-- 4. Nothing live moved, and the live replay still equals the live clocks
SELECT is((SELECT count(*)::int FROM sla.replay('public.wr_ticket') WHERE changed), 0, 'after the what-ifs: replay == live');
SELECT is((SELECT string_agg(value::text, ',') FROM sla.rule_condition WHERE rule_id = (SELECT id FROM sla.rule WHERE name = 'wr_urgent')),
    '["urgent"]', 'the live rule is as it was');

-- 5. A live edit of the rule: the replay of the live policy runs the new rule over the old facts
UPDATE sla.rule_condition SET value = '["high"]' WHERE rule_id = (SELECT id FROM sla.rule WHERE name = 'wr_urgent');
SELECT is(pg_temp.fr($$SELECT * FROM sla.replay('public.wr_ticket')$$),
    '1 wr_vip breached, 2 wr_std met, 3 wr_std met, 4 wr_std met, 5 wr_std met',
    'replay under the edited live rule: high is vip, urgent is not (ticket 5 keeps its logged level)');
SELECT is((SELECT string_agg(ticket_key, ', ' ORDER BY ticket_key) FROM sla.replay('public.wr_ticket') WHERE changed AND metric = 'first_response'),
    '1, 3, 4', 'changed marks the clocks the new rule would have given another level');
-- and sla.match_rules, the dry run, agrees with the level the replay chose for ticket 1
SELECT is((SELECT DISTINCT chosen_level FROM sla.match_rules('{"priority": "high"}', '2026-11-23 09:00+00')), 'wr_vip',
    'the dry run chooses the same level for the logged values');

-- 6. A built-in read only for the log never fails the helpdesk's write: its column renamed since
-- attaching (no rule reads the channel) leaves it out of the log
CREATE TABLE public.wr2_ticket (id int PRIMARY KEY, st text, chan text, created timestamptz);
SELECT sla.attach('public.wr2_ticket', '{"key": "id", "created_at": "created", "status": "st", "channel": "chan"}') > 0;
SELECT sla.map_status('public.wr2_ticket', 'open', 'open');
ALTER TABLE public.wr2_ticket RENAME COLUMN chan TO channel_name;
SELECT lives_ok($$INSERT INTO public.wr2_ticket VALUES (1, 'open', 'email', '2026-11-23 09:00+00')$$,
    'a ticket whose unread channel column was renamed is written');
SELECT is((SELECT (detail -> 'chosen' -> 'attributes' ? 'channel')::text || ' ' || (detail -> 'chosen' -> 'attributes' ->> 'status')
             FROM sla.fact_int4 WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.wr2_ticket'::regclass) AND kind = 'created'),
    'false open', 'its created fact logs the other values, not the channel');

SELECT * FROM finish();
ROLLBACK;
