--
-- rule — SLA rules: validation when written (attribute, operator, operand, each error naming
-- the rule and the condition), and the dry run sla.match_rules() over every operator family.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
CREATE FUNCTION rule_try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	msg text;
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
	RETURN SQLSTATE || ': ' || msg;
END
$$;

SELECT sla.define_calendar('support', 'UTC', 'mon-fri 09:00-17:00') > 0 AS calendar;
SELECT sla.define_level('standard', 'support', first_response => '4 hours', is_default => true) > 0 AS standard;
SELECT sla.define_level('gold', 'support', first_response => '1 hour') > 0 AS gold;
SELECT sla.define_level('urgent', 'support', first_response => '15 min') > 0 AS urgent;

-- An agent's status lives in another table: a declared attribute reaches it.
CREATE FUNCTION agent_status(ticket bigint) RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'online' $$;
INSERT INTO sla.attribute VALUES ('agent_status', 'text', 'agent_status(bigint)', 'from the agents table');

INSERT INTO sla.rule (name, position, stop_processing) VALUES ('ignore spam', 5, true);
INSERT INTO sla.rule (name, position, set_level_id) SELECT 'vip or enterprise', 10, id FROM sla.level WHERE name = 'gold';
INSERT INTO sla.rule (name, position, set_level_id, stop_processing)
	SELECT 'urgent by email', 20, id, true FROM sla.level WHERE name = 'urgent';
INSERT INTO sla.rule (name, position, set_level_id, active)
	SELECT 'inactive rule', 30, id, false FROM sla.level WHERE name = 'gold';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
SELECT r.id, c.g, c.p, c.attribute, c.operator, c.value::jsonb
  FROM (VALUES
	('ignore spam', 1, 1, 'referrer', 'matches', '"^https?://spam\\."'),
	('ignore spam', 2, 1, 'requester', 'like', '"%@spam.example"'),
	('vip or enterprise', 1, 1, 'tags', 'contains', '"vip"'),
	('vip or enterprise', 2, 1, 'custom.plan', 'in', '["enterprise", "premium"]'),
	('vip or enterprise', 2, 2, 'agent_status', 'not_equals', '"away"'),
	('urgent by email', 1, 1, 'priority', 'equals', '"urgent"'),
	('urgent by email', 1, 2, 'channel', 'in', '["email", "web"]'),
	('urgent by email', 1, 3, 'created_at', 'newer_than', '"1 day"'),
	('inactive rule', 1, 1, 'deleted', 'is_empty', NULL)
  ) AS c(rule, g, p, attribute, operator, value) JOIN sla.rule r ON r.name = c.rule;

SELECT r.position, r.name, c.group_no, c.position, c.attribute, c.operator, c.value
  FROM sla.rule r JOIN sla.rule_condition c ON c.rule_id = r.id ORDER BY 1, 3, 4;

-- Dry runs.
SELECT * FROM sla.match_rules('{"priority": "urgent", "channel": "email", "tags": ["vip"], "created_at": "2026-11-23 10:00+00"}', '2026-11-23 12:00+00');
SELECT * FROM sla.match_rules('{"custom.plan": "premium", "agent_status": "online"}');
SELECT * FROM sla.match_rules('{"custom.plan": "premium", "agent_status": "away"}');
SELECT * FROM sla.match_rules('{"referrer": "https://spam.example/x", "priority": "urgent", "channel": "email"}');
SELECT * FROM sla.match_rules('{"requester": "bot@spam.example"}');
SELECT * FROM sla.match_rules('{"priority": "urgent", "channel": "email", "created_at": "2026-11-20 10:00+00"}', '2026-11-23 12:00+00');
SELECT chosen_level FROM sla.match_rules('{}') LIMIT 1;

-- Deactivating a rule takes effect at once (the compiled rules are invalidated).
UPDATE sla.rule SET active = false WHERE name = 'urgent by email';
SELECT rule, matched, chosen_level FROM sla.match_rules('{"priority": "urgent", "channel": "email", "tags": ["vip"]}');
UPDATE sla.rule SET active = true WHERE name = 'urgent by email';

-- Every bad condition is rejected when written, naming rule and condition.
SELECT cond, rule_try(format('INSERT INTO sla.rule_condition VALUES (%s, 9, 1, %s)',
	(SELECT id FROM sla.rule WHERE name = 'ignore spam'), cond))
  FROM (VALUES
	($$'nonsense', 'equals', '"x"'$$),
	($$'priority', 'frobs', '"x"'$$),
	($$'created_at', 'like', '"x"'$$),
	($$'tags', 'equals', '"vip"'$$),
	($$'deleted', 'greater', 'true'$$),
	($$'priority', 'equals', '42'$$),
	($$'priority', 'equals', 'null'$$),
	($$'priority', 'in', '"urgent"'$$),
	($$'priority', 'in', '[]'$$),
	($$'priority', 'in', '["a", 1]'$$),
	($$'created_at', 'greater', '"yesterday at noon"'$$),
	($$'created_at', 'older_than', '"1 month"'$$),
	($$'created_at', 'older_than', '5'$$),
	($$'referrer', 'matches', '"(unclosed"'$$),
	($$'priority', 'is_empty', '"x"'$$),
	($$'agent_status', 'greater', '"x"'$$),
	($$'priority', 'like', to_jsonb('ends with \'::text)$$)
  ) AS t(cond);

-- Rules need an action; positions are unique.
SELECT rule_try($$INSERT INTO sla.rule (name, position) VALUES ('does nothing', 40)$$);
SELECT rule_try($$INSERT INTO sla.rule (name, position, stop_processing) VALUES ('same place', 10, true)$$);
SELECT rule_try($$INSERT INTO sla.attribute VALUES ('priority', 'text', 'agent_status(bigint)')$$);
SELECT rule_try($$INSERT INTO sla.attribute VALUES ('plan', 'decimal', 'agent_status(bigint)')$$);
SELECT rule_try($$SELECT * FROM sla.match_rules('{"tags": "vip"}')$$);
SELECT rule_try($$SELECT * FROM sla.match_rules('[1, 2]')$$);
SELECT rule_try($$SELECT * FROM sla.match_rules('{"created_at": "soon"}')$$);

DELETE FROM sla.rule;
DELETE FROM sla.attribute;
DROP FUNCTION agent_status(bigint);
DELETE FROM sla.level;
DELETE FROM sla.calendar;
DROP FUNCTION rule_try(text);
