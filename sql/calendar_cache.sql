--
-- calendar_cache — the per-backend cache of compiled calendars follows every change made in
-- this session (same transaction, rollback, DROP/CREATE EXTENSION).  The two-session case is
-- in test/pgtap/calendar_cache.sql (it needs a second connection).
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SELECT sla.define_calendar('cached', 'UTC', 'mon-fri 09:00-17:00') IS NOT NULL AS defined;
SELECT sla.business_add('2026-11-23 10:00', '8 hours', 'cached') AS before_change;

-- A change is visible to the next statement of the same transaction ...
BEGIN;
SELECT sla.define_calendar('cached', 'UTC', 'mon-fri 09:00-19:00') IS NOT NULL AS redefined;
SELECT sla.business_add('2026-11-23 10:00', '8 hours', 'cached') AS inside_transaction;
-- ... and gone again after a rollback.
ROLLBACK;
SELECT sla.business_add('2026-11-23 10:00', '8 hours', 'cached') AS after_rollback;

-- Holidays, special days and time-zone changes invalidate too.
SELECT sla.add_holiday('cached', '2026-11-24');
SELECT sla.business_add('2026-11-23 10:00', '8 hours', 'cached') AS with_holiday;
SELECT sla.set_special_day('cached', '2026-11-25', '12:00-13:00');
SELECT sla.business_add('2026-11-23 10:00', '8 hours', 'cached') AS with_special_day;
UPDATE sla.calendar SET time_zone = 'Asia/Tokyo' WHERE name = 'cached';
SELECT sla.business_add('2026-11-23 10:00', '8 hours', 'cached') AS in_tokyo;
TRUNCATE sla.calendar_special_day CASCADE;
SELECT sla.business_add('2026-11-23 10:00', '8 hours', 'cached') AS after_truncate;

-- A prepared statement keeps its plan but not a stale calendar.
PREPARE due(timestamptz) AS SELECT sla.business_add($1, '8 hours', 'cached');
EXECUTE due('2026-11-23 10:00');
SELECT sla.define_calendar('cached', 'UTC', '24/7') IS NOT NULL AS now_24x7;
EXECUTE due('2026-11-23 10:00');
DEALLOCATE due;

-- The calendar's tables get new OIDs when the extension is dropped and created again.
DROP EXTENSION sla;
CREATE EXTENSION sla;
SELECT sla.business_add('2026-11-23 10:00', '8 hours', 'cached');
SELECT sla.define_calendar('cached', 'UTC', 'mon-fri 08:00-12:00') IS NOT NULL AS recreated;
SELECT sla.business_add('2026-11-23 10:00', '8 hours', 'cached') AS after_recreate;
DELETE FROM sla.calendar;
