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

\echo
\echo '== The SLA engine: levels, a rule, and a helpdesk''s own tables attached'
SET timezone = 'Europe/Berlin';
SELECT sla.define_level('standard', 'berlin-office', first_response => '4 hours', next_response => '4 hours',
                        resolution => '3 days', is_default => true) AS standard_level,
       sla.define_level('vip', 'berlin-office', first_response => '1 hour', next_response => '2 hours',
                        resolution => '1 day') AS vip_level;
INSERT INTO sla.rule (name, position, set_level_id, on_update) SELECT 'vip customers', 10, id, true FROM sla.level WHERE name = 'vip';
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
     SELECT id, 1, 1, 'tags', 'contains', '"vip"' FROM sla.rule WHERE name = 'vip customers';
CREATE TABLE support_ticket (id int PRIMARY KEY, subject text, status text, tags text[], team text,
                             owner text, customer text, created timestamp, modified timestamp);
CREATE TABLE support_message (ticket_id int, author_role text, is_note boolean, created timestamp);
SET client_min_messages = warning;
SELECT sla.attach('support_ticket',
    '{"key": "id", "created_at": "created", "updated_at": "modified", "status": "status", "tags": "tags",
      "department": "team", "agent": "owner", "requester": "customer"}',
    'support_message',
    '{"ticket": "ticket_id", "created_at": "created", "author_kind": "author_role", "customer_values": ["customer"],
      "agent_values": ["agent"], "system_values": ["bot"], "internal": "is_note"}', 'Europe/Berlin') AS attachment;
SELECT count(*) AS statuses_mapped FROM (SELECT sla.map_status('support_ticket', s, l)
  FROM (VALUES ('new', 'open'), ('open', 'open'), ('waiting', 'paused'), ('solved', 'solved')) v(s, l)) x;
INSERT INTO support_ticket VALUES
  (1, 'Printer on fire',        'new', '{}',          'hardware', 'bob',   'ann@example.com', '2026-12-21 10:00', '2026-12-21 10:00'),
  (2, 'Invoice question',       'new', '{vip}',       'billing',  'carol', 'ceo@bigco.com',   '2026-12-21 16:30', '2026-12-21 16:30'),
  (3, 'Feature request',        'new', '{}',          'product',  'dave',  'eve@example.com', '2026-12-22 09:15', '2026-12-22 09:15');
INSERT INTO support_message VALUES
  (1, 'agent', true,  '2026-12-21 10:30'),   -- an internal note: nothing moves
  (1, 'agent', false, '2026-12-21 13:00'),   -- first reply after 3 hours: met
  (1, 'customer', false, '2026-12-22 09:00'), -- the customer answers: next_response starts
  (2, 'agent', false, '2026-12-22 09:45');   -- VIP: 30 min on Monday + 45 on Tuesday > 1 hour: breached
UPDATE support_ticket SET status = 'waiting', modified = '2026-12-22 10:00' WHERE id = 1;
UPDATE support_ticket SET status = 'solved', modified = '2026-12-23 11:00' WHERE id = 2;
SELECT c.ticket_key AS ticket, c.metric, c.cycle, l.name AS level, c.target, c.started_at, c.due_at,
       c.state, c.business_used, c.department, c.agent
  FROM sla.clock c JOIN sla.level l ON l.id = c.level_id
 WHERE c.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'support_ticket'::regclass)
 ORDER BY c.ticket_key::int, c.id;

\echo
\echo '== Why ticket 2 got the VIP level, and its timeline'
SELECT rule, matched, sets_level, chosen_level FROM sla.match_ticket('support_ticket', '2');
SELECT at, event, metric, level, state, business_used FROM sla.explain('support_ticket', '2');
