--
-- breach_batches — the breach check works in bounded batches: check_breaches(as_of,
-- max_crossings) records at most that many crossings, earliest first, and the procedure
-- check_breaches_in_batches() commits after each batch until the backlog is gone.
--
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET client_min_messages = warning;
SELECT sla.define_calendar('bb', 'UTC', '24/7') > 0 AS calendar;
SELECT sla.define_level('bb', 'bb', first_response => '1 hour', is_default => true, warning_percent => 50) > 0 AS level;
CREATE TABLE public.bb_ticket (id int PRIMARY KEY, st text, created timestamptz);
SELECT sla.attach('public.bb_ticket', '{"key": "id", "created_at": "created", "status": "st"}') > 0 AS attached;
SELECT sla.map_status('public.bb_ticket', 'open', 'open');
-- ten tickets, one a minute: ten warnings and ten breaches pending at 12:00
INSERT INTO public.bb_ticket SELECT i, 'open', timestamptz '2026-11-23 09:00+00' + i * interval '1 minute'
  FROM generate_series(1, 10) i;

SELECT sla.check_breaches('2026-11-23 12:00+00', 3) AS first_batch;
-- the earliest crossings first: the warnings of tickets 1 to 3
SELECT k.ticket_key, e.kind FROM sla.event e JOIN sla.clock k ON k.id = e.clock_id
 WHERE e.kind IN ('warning', 'breach') ORDER BY e.id;
SELECT sla.check_breaches('2026-11-23 12:00+00', 0);
SELECT sla.check_breaches('2026-11-23 12:00+00', -1);

-- the procedure: the rest in batches of 4, each committed
CALL sla.check_breaches_in_batches(4);
SELECT count(*) FILTER (WHERE kind = 'warning') AS warnings, count(*) FILTER (WHERE kind = 'breach') AS breaches,
       count(DISTINCT (clock_id, kind)) AS distinct_crossings
  FROM sla.event WHERE kind IN ('warning', 'breach');
CALL sla.check_breaches_in_batches(0);
-- it commits, so it cannot run inside a transaction block
BEGIN;
CALL sla.check_breaches_in_batches(4);
ROLLBACK;

SELECT sla.detach('public.bb_ticket');
DROP TABLE public.bb_ticket;
DELETE FROM sla.attachment;
DELETE FROM sla.level;
DELETE FROM sla.calendar;
