-- demo.sql — what sla does today: calendars, due dates, elapsed business time.
\pset footer off
SET timezone = 'Europe/Berlin';
CREATE EXTENSION sla;
-- the type's operators live in schema sla, like its functions
SET search_path = public, sla;

\echo
\echo '== Calendars: a Berlin office, a New York night desk, a 24/7 premium line'
SELECT sla.define_calendar('berlin-office', 'Europe/Berlin',
       'mon-fri 09:00-17:00; sat 10:00-13:00') AS berlin_id \gset
SELECT sla.add_holiday('berlin-office', d, n)
  FROM (VALUES ('2026-12-25'::date, 'Christmas Day'), ('2026-12-26', 'Boxing Day'),
               ('2026-10-03', 'German Unity Day')) AS h(d, n);
SELECT sla.add_holiday('berlin-office', '2026-01-01', 'New Year', yearly => true);
SELECT sla.set_special_day('berlin-office', '2026-12-24', '09:00-12:00', 'Christmas Eve');
SELECT sla.define_calendar('ny-nights', 'America/New_York', 'mon-fri 22:00-06:00') IS NOT NULL AS ny_nights;
SELECT sla.define_calendar('premium-24x7', 'UTC', '24/7') IS NOT NULL AS premium;
SELECT c.name, c.time_zone, string_agg(format('%s %s-%s', h.weekday, h.opens, h.closes), ', '
       ORDER BY h.weekday, h.opens) AS weekly_hours
  FROM sla.calendar c JOIN sla.calendar_hours h ON h.calendar_id = c.id GROUP BY c.name, c.time_zone ORDER BY 1;

\echo
\echo '== Tickets of a small helpdesk and their first-response due dates'
CREATE TABLE ticket (id int PRIMARY KEY, subject text, priority text, calendar text,
                     created_at timestamptz, answered_at timestamptz);
INSERT INTO ticket VALUES
  (101, 'Cannot log in',             'urgent', 'premium-24x7',  '2026-12-23 23:40', '2026-12-24 00:35'),
  (102, 'Invoice has wrong address', 'normal', 'berlin-office', '2026-12-23 15:10', '2026-12-28 09:20'),
  (103, 'Export to CSV is slow',     'low',    'berlin-office', '2026-12-24 11:30', NULL),
  (104, 'Password reset mail',       'high',   'berlin-office', '2026-12-27 08:00', '2026-12-28 09:45'),
  (105, 'Night shift handover',      'normal', 'ny-nights',     '2026-11-25 23:00-05', '2026-11-27 05:00-05'),
  (106, 'DST question',              'normal', 'ny-nights',     '2026-10-30 23:00-04', NULL);
CREATE TABLE target (priority text PRIMARY KEY, first_response sla.business_interval);
INSERT INTO target VALUES ('urgent', '30 minutes'), ('high', '2 hours'), ('normal', '4 hours'),
                          ('low', '1 day');
SELECT t.id, t.subject, t.calendar, f.first_response AS target,
       t.created_at, sla.business_add(t.created_at, f.first_response, t.calendar) AS due_at,
       t.answered_at,
       sla.business_between(t.created_at, coalesce(t.answered_at, '2026-12-28 12:00'), t.calendar) AS business_time_used,
       CASE WHEN t.answered_at IS NULL THEN 'open'
            WHEN t.answered_at <= sla.business_add(t.created_at, f.first_response, t.calendar) THEN 'met'
            ELSE 'breached' END AS state
  FROM ticket t JOIN target f USING (priority) ORDER BY t.id;

\echo
\echo '== Is the Berlin office open, and when does it open or close next?'
SELECT t AS at, sla.is_open(t, 'berlin-office') AS open,
       sla.next_open(t, 'berlin-office') AS next_open, sla.next_close(t, 'berlin-office') AS next_close
  FROM unnest(ARRAY['2026-12-24 10:00', '2026-12-24 12:30', '2026-12-26 11:00',
                    '2026-12-28 08:00']::timestamptz[]) AS t;

\echo
\echo '== Open periods around Christmas (half day on the 24th, holidays on the 25th and 26th)'
SELECT * FROM sla.open_periods('berlin-office', '2026-12-23', '2026-12-30');

\echo
\echo '== The New York night desk over the fall-back night (the 1st of November has 25 hours)'
SET timezone = 'America/New_York';
SELECT * FROM sla.open_periods('ny-nights', '2026-10-29 12:00', '2026-11-04 12:00');
SELECT sla.business_between('2026-10-30 12:00', '2026-11-03 12:00', 'ny-nights') AS business_time;

\echo
\echo '== business_interval arithmetic'
SELECT '1 day 2 hours'::sla.business_interval AS parsed, 'PT4H30M'::sla.business_interval AS iso,
       '90 min'::sla.business_interval * 3 AS tripled,
       (SELECT sla.avg(x) FROM unnest(ARRAY['1h', '2h', '4h 30min']::sla.business_interval[]) AS x) AS average;
