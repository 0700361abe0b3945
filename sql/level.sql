--
-- level — SLA levels and their targets: define_level, the tables, and every error.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
CREATE FUNCTION lvl_try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	msg text;
	hin text;
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, hin = PG_EXCEPTION_HINT;
	RETURN SQLSTATE || ': ' || msg || CASE WHEN hin <> '' THEN ' | ' || hin ELSE '' END;
END
$$;

SELECT sla.define_calendar('support', 'Europe/Berlin', 'mon-fri 09:00-17:00') IS NOT NULL AS calendar;
SELECT sla.define_level('gold', 'support', first_response => '1 hour', next_response => '2 hours',
	resolution => '2 days', warning_percent => 80) AS gold \gset
SELECT sla.define_level('standard', 'support', first_response => '4 hours', resolution => '5 days',
	is_default => true) AS standard \gset
SELECT sla.define_level('chat', 'support', chat_response => '90 seconds', call_response => '20 s') IS NOT NULL AS chat;
SELECT l.name, c.name AS calendar, l.warning_percent, l.is_default, t.metric, t.target
  FROM sla.level l JOIN sla.calendar c ON c.id = l.calendar_id JOIN sla.level_target t ON t.level_id = l.id
 ORDER BY l.name, t.metric;

-- Redefining replaces targets and keeps the id; a new default takes the flag over.
SELECT sla.define_level('gold', 'support', first_response => '30 min', resolution => '1 day',
	is_default => true) = :gold AS same_id;
SELECT name, is_default FROM sla.level ORDER BY name;
SELECT metric, target FROM sla.level_target WHERE level_id = :gold ORDER BY metric;

-- Errors.
SELECT lvl_try($$SELECT sla.define_level('x', 'nowhere', first_response => '1 hour')$$);
SELECT lvl_try($$SELECT sla.define_level('x', 'support')$$);
SELECT lvl_try($$SELECT sla.define_level('x', 'support', first_response => '0')$$);
SELECT lvl_try($$SELECT sla.define_level('x', 'support', first_response => '-1 hour')$$);
SELECT lvl_try($$SELECT sla.define_level('x', 'support', resolution => '1 day -1 hour')$$);
SELECT lvl_try($$SELECT sla.define_level('x', 'support', resolution => 'infinity')$$);
SELECT lvl_try($$SELECT sla.define_level('x', 'support', first_response => '1 hour', warning_percent => 100)$$);
SELECT lvl_try($$SELECT sla.define_level(NULL, 'support', first_response => '1 hour')$$);
SELECT lvl_try(format('INSERT INTO sla.level_target VALUES (%s, %L, %L)', :gold, 'first_reply', '1 hour'));
SELECT lvl_try(format('INSERT INTO sla.level_target VALUES (%s, %L, %L)', :gold, 'next_response', '-5 min'));
SELECT lvl_try(format('UPDATE sla.level_target SET target = %L WHERE level_id = %s', '00:00:00', :gold));
SELECT lvl_try('INSERT INTO sla.level (name, calendar_id) VALUES (''orphan'', 424242)');
SELECT lvl_try('INSERT INTO sla.level (name, calendar_id) VALUES (''gold'', ' || (SELECT id FROM sla.calendar WHERE name = 'support') || ')');
SELECT lvl_try('UPDATE sla.level SET is_default = true');
SELECT lvl_try('DELETE FROM sla.calendar WHERE name = ''support''');

-- Nothing was changed by the failed statements.
SELECT count(*) AS levels, (SELECT count(*) FROM sla.level_target) AS targets FROM sla.level;

-- pg_dump keeps levels.
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) AS cfg(oid) JOIN pg_class c ON c.oid = cfg.oid
 WHERE e.extname = 'sla' AND c.relname LIKE 'level%' ORDER BY 1;

DELETE FROM sla.level;
DELETE FROM sla.calendar;
DROP FUNCTION lvl_try(text);
