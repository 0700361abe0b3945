--
-- calendar_config — the calendar tables, the compact opening-hours notation, the helper
-- functions that write calendars, and every configuration error with its SQLSTATE.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';

-- Runs a statement and reports "SQLSTATE: message" instead of failing.
CREATE FUNCTION cal_try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	msg text;
	det text;
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || msg || CASE WHEN det <> '' THEN ' | ' || det ELSE '' END;
END
$$;

-- The notation, as rows: ISO weekday, opens, closes (closes < opens crosses midnight).
SELECT * FROM sla.parse_weekly_hours('mon-fri 09:00-17:00; sat 10:00-12:00,13:00-15:00; sun closed');
SELECT * FROM sla.parse_weekly_hours('24/7');
SELECT * FROM sla.parse_weekly_hours('mon-sun 22:00-06:00');
SELECT * FROM sla.parse_weekly_hours('Fri-Mon 8-12:30; wed 00:00:30-24:00');
SELECT * FROM sla.parse_day_hours('09:00-12:00, 13:00-15:00');
SELECT count(*) FROM sla.parse_day_hours('closed');

-- Malformed notation: 22007, overlaps: 23P01.
SELECT spec, cal_try(format('SELECT * FROM sla.parse_weekly_hours(%L)', spec))
FROM (VALUES (''), ('monday to friday'), ('mon 9-17 tue 9-17'), ('mon 25:00-26:00'),
	('mon 09:60-10:00'), ('mon 24:00-06:00'), ('mon 09:00-09:00'), ('mon 09:00'), ('xyz 9-17'),
	('24/7 mon'), ('mon 9-17; mon 12-13'), ('mon 22:00-06:00; tue 05:00-09:00'),
	('sun 22:00-06:00; mon 05:00-09:00'), ('mon 09:00-17:00; mon closed')) AS s(spec);
SELECT cal_try($$SELECT * FROM sla.parse_day_hours('9-12,11-13')$$);
SELECT cal_try($$SELECT * FROM sla.parse_day_hours('mon 9-12')$$);

-- define_calendar creates, then replaces weekly hours; ids are stable.
SELECT sla.define_calendar('support', 'Europe/Berlin', 'mon-fri 09:00-17:00') AS id \gset
SELECT sla.define_calendar('support', 'Europe/Berlin', 'mon-fri 08:00-18:00; sat 10:00-14:00') = :id AS same_id;
SELECT c.name, c.time_zone, h.weekday, h.opens, h.closes
  FROM sla.calendar c JOIN sla.calendar_hours h ON h.calendar_id = c.id
 WHERE c.name = 'support' ORDER BY h.weekday, h.opens;
SELECT sla.add_holiday('support', '2026-12-25', 'Christmas Day');
SELECT sla.add_holiday('support', '2026-01-01', 'New Year', yearly => true);
SELECT sla.add_holiday('support', '2026-12-25', 'Christmas');	-- updates the name
SELECT sla.set_special_day('support', '2026-12-24', '09:00-12:00', 'Christmas Eve');
SELECT sla.set_special_day('support', '2026-12-31', 'closed');
SELECT sla.set_special_day('support', '2026-12-24', '08:00-11:00,11:30-13:00');	-- replaces
SELECT day, name, yearly FROM sla.calendar_holiday WHERE calendar_id = :id ORDER BY day;
SELECT d.day, d.name, h.opens, h.closes
  FROM sla.calendar_special_day d LEFT JOIN sla.calendar_special_hours h USING (calendar_id, day)
 WHERE d.calendar_id = :id ORDER BY d.day, h.opens;

-- Errors from the helpers and the tables, each with its SQLSTATE.
SELECT cal_try($$SELECT sla.define_calendar('mars', 'Mars/Olympus_Mons', '24/7')$$);
SELECT cal_try($$SELECT sla.define_calendar('x', 'UTC', 'mon 9-17; mon 10-11')$$);
SELECT cal_try($$SELECT sla.define_calendar(NULL, 'UTC', '24/7')$$);
SELECT cal_try($$SELECT sla.add_holiday('nowhere', '2026-12-25')$$);
SELECT cal_try($$SELECT sla.add_holiday('support', '2300-01-01')$$);
SELECT cal_try($$SELECT sla.set_special_day('support', '2026-12-24', '13:00-12:00,11:00-14:00')$$);
SELECT cal_try($$SELECT sla.set_special_day('nowhere', '2026-12-24', 'closed')$$);
SELECT cal_try(format('INSERT INTO sla.calendar_hours VALUES (%s, 8, %L, %L)', :id, '09:00', '10:00'));
SELECT cal_try(format('INSERT INTO sla.calendar_hours VALUES (%s, 7, %L, %L)', :id, '09:00', '09:00'));
SELECT cal_try(format('INSERT INTO sla.calendar_hours VALUES (%s, 7, %L, %L)', :id, '24:00', '09:00'));
SELECT cal_try(format('INSERT INTO sla.calendar_hours VALUES (%s, 1, %L, %L)', :id, '17:30', '19:00'));
SELECT cal_try(format('INSERT INTO sla.calendar_hours VALUES (%s, 7, %L, %L)', :id, '23:00', '08:30'));
SELECT cal_try(format('INSERT INTO sla.calendar_hours VALUES (%s, 7, %L, %L)', :id, '23:00', '08:00'));
SELECT cal_try('INSERT INTO sla.calendar_hours VALUES (999999, 1, ''09:00'', ''10:00'')');
SELECT cal_try('INSERT INTO sla.calendar (name, time_zone) VALUES (''support'', ''UTC'')');
SELECT cal_try('INSERT INTO sla.calendar (name, time_zone) VALUES ('''', ''UTC'')');
SELECT cal_try('UPDATE sla.calendar SET time_zone = ''Nowhere/Town'' WHERE name = ''support''');

-- Sunday 23:00 to Monday 08:00 was accepted above: the week wraps around.
SELECT weekday, opens, closes FROM sla.calendar_hours WHERE calendar_id = :id AND weekday = 7;

-- pg_dump keeps the configuration: every calendar table is a configuration table.
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) AS cfg(oid) JOIN pg_class c ON c.oid = cfg.oid
 WHERE e.extname = 'sla' AND c.relname LIKE 'calendar%' ORDER BY 1;

-- Deleting a calendar removes its hours, holidays and special days.
DELETE FROM sla.calendar WHERE name = 'support';
SELECT (SELECT count(*) FROM sla.calendar_hours) + (SELECT count(*) FROM sla.calendar_holiday)
	+ (SELECT count(*) FROM sla.calendar_special_day) + (SELECT count(*) FROM sla.calendar_special_hours) AS leftovers;
DROP FUNCTION cal_try(text);
