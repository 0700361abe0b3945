-- breach_burst.sql — a burst: :tickets clocks (default 10,000) falling due in the same second,
-- recorded and notified by CALL sla.check_breaches_in_batches(1000) started right after that
-- second, as the breach worker does (check_breaches(now(), 1000) per transaction, the next one at
-- once while a batch is full).  Prints how long after the due time the last batch committed
-- (its notifications are delivered at that commit), the batches' rate, and checks that every
-- clock has exactly one breach event.  Runs in the database it is given (make bench-burst:
-- a throwaway cluster); the tables it makes are dropped at the end.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\if :{?tickets}
\else
\set tickets 10000
\endif

SET timezone = 'UTC';
SELECT sla.define_calendar('burst', 'UTC', '24/7') > 0 AS calendar;
SELECT sla.define_level('burst', 'burst', first_response => '1 hour', is_default => true, warning_percent => 50) > 0 AS level;
CREATE TABLE public.burst_ticket (id int PRIMARY KEY, st text, created timestamptz);
SELECT sla.attach('public.burst_ticket', '{"key": "id", "created_at": "created", "status": "st"}') > 0 AS attached;
SELECT sla.map_status('public.burst_ticket', 'open', 'open');

-- every first-response clock due in the same second, 8 s from now
SELECT date_trunc('second', clock_timestamp()) + interval '8 seconds' AS due \gset
INSERT INTO public.burst_ticket
     SELECT i, 'open', :'due'::timestamptz - interval '1 hour' FROM generate_series(1, :tickets) i;
ANALYZE sla.clock_int4;
-- their warnings (half an hour ago) first, so that the burst is the breaches alone
CALL sla.check_breaches_in_batches(1000);
SELECT count(*) AS clocks_due_in_that_second FROM sla.clock_int4 k
 WHERE k.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.burst_ticket'::regclass)
   AND k.due_at = :'due'::timestamptz;
SELECT pg_sleep(extract(epoch FROM (:'due'::timestamptz - clock_timestamp())) + 0.001) AS waited_for_the_due_second;

-- the burst: batches of 1,000 committed one after the other
SELECT clock_timestamp() AS started \gset
CALL sla.check_breaches_in_batches(1000);
SELECT clock_timestamp() AS finished \gset

SELECT round(extract(epoch FROM (:'started'::timestamptz - :'due'::timestamptz))::numeric, 3) AS first_batch_after_due_s,
       round(extract(epoch FROM (:'finished'::timestamptz - :'due'::timestamptz))::numeric, 3) AS all_committed_after_due_s,
       round((:tickets / extract(epoch FROM (:'finished'::timestamptz - :'started'::timestamptz)))::numeric) AS breaches_per_s;
SELECT count(*) AS breach_events, count(DISTINCT e.clock_id) AS clocks,
       count(*) FILTER (WHERE e.at - (e.detail ->> 'due_at')::timestamptz > interval '5 seconds') AS later_than_5_s
  FROM sla.event e
 WHERE e.kind = 'breach'
   AND e.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.burst_ticket'::regclass);

DELETE FROM sla.attachment WHERE ticket_table = 'public.burst_ticket'::regclass;
DROP TABLE public.burst_ticket;
DELETE FROM sla.level WHERE name = 'burst';
DELETE FROM sla.calendar WHERE name = 'burst';
