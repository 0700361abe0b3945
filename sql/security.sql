--
-- security — objects a user plants in a schema ahead of pg_catalog on the search_path must not
-- be called by the extension's functions (they pin search_path and qualify every name).
--
\set SHOW_CONTEXT never
CREATE SCHEMA attacker;
CREATE FUNCTION attacker.lower(anyrange) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'attacker.lower was called'; END $$;
CREATE FUNCTION attacker.int8range(bigint, bigint) RETURNS int8range LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'attacker.int8range was called'; END $$;
CREATE FUNCTION attacker.date_part(text, time) RETURNS double precision LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'attacker.date_part was called'; END $$;
CREATE FUNCTION attacker.nextval(regclass) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'attacker.nextval was called'; END $$;
CREATE FUNCTION attacker.text_eq_trap(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'attacker operator was called'; END $$;
CREATE OPERATOR attacker.= (LEFTARG = text, RIGHTARG = text, FUNCTION = attacker.text_eq_trap);
SET search_path = attacker, pg_catalog, public;

SELECT sla.define_calendar('safe', 'Europe/Berlin', 'mon-fri 09:00-17:00; sun 22:00-06:00') IS NOT NULL AS defined;
SELECT sla.add_holiday('safe', '2026-12-25', 'Christmas');
SELECT sla.set_special_day('safe', '2026-12-24', '09:00-12:00');
SELECT sla.business_add('2026-11-23 10:00+01', '4 hours', 'safe') AS due;
SELECT sla.calendar_id('safe') > 0 AS has_id;

RESET search_path;
DELETE FROM sla.calendar;
DROP SCHEMA attacker CASCADE;
