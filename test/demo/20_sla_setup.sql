-- 20_sla_setup.sql — what the support team configures in sla: calendars with holidays, levels,
-- the attachment to the helpdesk's own tables, a declared attribute, rules and escalations.

\echo
\echo '== Calendars: the Berlin office (German holidays, a half day), the New York desk (Thanksgiving), a 24/7 premium line'
SELECT sla.define_calendar('berlin-office', 'Europe/Berlin', 'mon-fri 08:00-18:00') > 0 AS ok \gset
SELECT count(sla.add_holiday('berlin-office', d, n)) AS n FROM (VALUES
    ('2026-04-03'::date, 'Karfreitag'), ('2026-04-06', 'Ostermontag'), ('2026-05-14', 'Christi Himmelfahrt'),
    ('2026-05-25', 'Pfingstmontag')) h(d, n) \gset
SELECT count(sla.add_holiday('berlin-office', d, n, yearly => true)) AS n FROM (VALUES
    ('2026-01-01'::date, 'Neujahr'), ('2026-05-01', 'Tag der Arbeit'), ('2026-10-03', 'Tag der Deutschen Einheit'),
    ('2026-12-25', '1. Weihnachtstag'), ('2026-12-26', '2. Weihnachtstag')) h(d, n) \gset
SELECT count(sla.set_special_day('berlin-office', d, h, n)) AS n FROM (VALUES
    ('2026-11-13'::date, '08:00-13:00', 'Betriebsversammlung (staff meeting)'),
    ('2026-12-24', '08:00-12:00', 'Heiligabend'), ('2026-12-31', '08:00-12:00', 'Silvester')) s(d, h, n) \gset
SELECT sla.define_calendar('us-desk', 'America/New_York', 'mon-fri 09:00-18:00') > 0 AS ok \gset
SELECT count(sla.add_holiday('us-desk', d, n)) AS n FROM (VALUES
    ('2026-05-25'::date, 'Memorial Day'), ('2026-09-07', 'Labor Day'), ('2026-11-26', 'Thanksgiving')) h(d, n) \gset
SELECT count(sla.add_holiday('us-desk', d, n, yearly => true)) AS n FROM (VALUES
    ('2026-01-01'::date, 'New Year''s Day'), ('2026-07-04', 'Independence Day'), ('2026-12-25', 'Christmas Day')) h(d, n) \gset
SELECT sla.set_special_day('us-desk', '2026-11-27', '09:00-13:00', 'Day after Thanksgiving') IS NULL AS ok \gset
SELECT sla.define_calendar('premium-24x7', 'UTC', '24/7') > 0 AS ok \gset

SELECT c.name AS calendar, c.time_zone,
       (SELECT string_agg(DISTINCT format('%s-%s', to_char(h.opens, 'HH24:MI'), replace(to_char(h.closes, 'HH24:MI'), '00:00', '24:00')), ', ') FROM sla.calendar_hours h
         WHERE h.calendar_id = c.id) AS hours,
       (SELECT string_agg(format('%s %s', to_char(x.day, 'Mon DD'), x.name), ', ' ORDER BY x.day)
          FROM (SELECT d.day, d.name FROM sla.calendar_holiday d WHERE d.calendar_id = c.id
                   AND (d.day BETWEEN '2026-11-01' AND '2026-11-30' OR (d.yearly AND to_char(d.day, 'MM') = '11'))
                UNION ALL
                SELECT s.day, s.name || ' (' || (SELECT string_agg(format('%s-%s', to_char(sh.opens, 'HH24:MI'), to_char(sh.closes, 'HH24:MI')), ' ')
                                                   FROM sla.calendar_special_hours sh
                                                  WHERE sh.calendar_id = c.id AND sh.day = s.day) || ')'
                  FROM sla.calendar_special_day s
                 WHERE s.calendar_id = c.id AND s.day BETWEEN '2026-11-01' AND '2026-11-30') x) AS "closed or short in November",
       sla.business_between('2026-11-01 00:00+00', '2026-12-01 00:00+00', c.id) AS "business time in November"
  FROM sla.calendar c ORDER BY c.id;

\echo
\echo '== SLA levels: targets in business time on a calendar; a running clock is at risk after warning_percent of its target'
SELECT sla.define_level('standard', 'berlin-office', first_response => '8 hours', next_response => '8 hours',
                        resolution => '3 days', warning_percent => 75, is_default => true) > 0 AS ok \gset
SELECT sla.define_level('us-business', 'us-desk', first_response => '4 hours', next_response => '8 hours',
                        resolution => '3 days', warning_percent => 75) > 0 AS ok \gset
SELECT sla.define_level('enterprise', 'berlin-office', first_response => '2 hours', next_response => '4 hours',
                        periodic_update => '1 day', resolution => '2 days', warning_percent => 80) > 0 AS ok \gset
SELECT sla.define_level('live', 'berlin-office', first_response => '1 hour', next_response => '2 hours',
                        chat_response => '5 minutes', call_response => '30 minutes', resolution => '1 day',
                        warning_percent => 70) > 0 AS ok \gset
SELECT sla.define_level('premium', 'premium-24x7', first_response => '1 hour', next_response => '2 hours',
                        chat_response => '2 minutes', call_response => '15 minutes', resolution => '1 day',
                        warning_percent => 60) > 0 AS ok \gset
SELECT l.name AS level, c.name AS calendar, l.warning_percent AS "warn %", l.is_default AS "default",
       max(t.target::text) FILTER (WHERE t.metric = 'first_response') AS first_response,
       max(t.target::text) FILTER (WHERE t.metric = 'next_response') AS next_response,
       max(t.target::text) FILTER (WHERE t.metric = 'periodic_update') AS periodic_update,
       max(t.target::text) FILTER (WHERE t.metric = 'chat_response') AS chat_response,
       max(t.target::text) FILTER (WHERE t.metric = 'call_response') AS call_response,
       max(t.target::text) FILTER (WHERE t.metric = 'resolution') AS resolution
  FROM sla.level l JOIN sla.calendar c ON c.id = l.calendar_id JOIN sla.level_target t ON t.level_id = l.id
 GROUP BY l.id, l.name, c.name, l.warning_percent, l.is_default ORDER BY l.id;

\echo
\echo '== Attaching sla to helpdesk.ticket and helpdesk.message through a column mapping (triggers, no new columns)'
SELECT sla.attach('helpdesk.ticket',
    '{"key": "id", "created_at": "created_at", "updated_at": "updated_at", "status": "status",
      "priority": "priority", "channel": "channel", "department": "department", "agent": "assignee",
      "requester": "customer_id", "tags": "tags", "custom_fields": "custom", "deleted": "is_spam"}',
    'helpdesk.message',
    '{"ticket": "ticket_id", "created_at": "created_at", "author_kind": "author_type",
      "customer_values": ["customer"], "agent_values": ["agent"], "system_values": ["system"],
      "internal": "is_internal", "channel": "channel", "chat_values": ["chat"], "call_values": ["call"]}',
    'UTC') > 0 AS ok \gset
-- pending waits for the customer (the resolution clock pauses); on-hold waits for a third party,
-- which is our problem, so the clock keeps running; closed is a solved ticket that is locked
SELECT count(sla.map_status('helpdesk.ticket', s, l)) AS n FROM (VALUES
    ('new', 'open'), ('open', 'open'), ('pending', 'paused'), ('on-hold', 'open'),
    ('solved', 'solved'), ('closed', 'closed')) v(s, l) \gset
SELECT s.status, s.lifecycle FROM sla.status_map s ORDER BY array_position('{new,open,pending,on-hold,solved,closed}', s.status);

-- the customer group lives on the organisation, two joins away from the ticket
CREATE FUNCTION helpdesk.customer_group(ticket bigint) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT o.customer_group FROM helpdesk.ticket t
      JOIN helpdesk.customer c ON c.id = t.customer_id
      JOIN helpdesk.organisation o ON o.id = c.organisation_id
     WHERE t.id = ticket $$;
INSERT INTO sla.attribute (name, type, function, description)
     VALUES ('customer_group', 'text', 'helpdesk.customer_group(bigint)', 'vip, enterprise, business or free (organisation)');

\echo
\echo '== Rules, in order: a later match overrides an earlier one; on_update rules also run when a ticket changes (escalation)'
INSERT INTO sla.rule (name, position, set_level_id, stop_processing, on_update)
SELECT r.name, r.position, l.id, r.stop, r.on_update
  FROM (VALUES ('pre-sales questions', 5, 'standard', true, true),
               ('US desk', 10, 'us-business', false, false),
               ('chat and phone', 20, 'live', false, false),
               ('enterprise customers', 30, 'enterprise', false, false),
               ('security reports', 40, 'enterprise', false, false),
               ('Payments API severity 1', 50, 'premium', false, false),
               ('VIP customers', 60, 'premium', false, false),
               ('urgent priority', 70, 'premium', false, true)) r(name, position, level, stop, on_update)
  JOIN sla.level l ON l.name = r.level;
INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
SELECT r.id, c.group_no, c.position, c.attribute, c.operator, c.value::jsonb
  FROM (VALUES ('pre-sales questions', 1, 1, 'department', 'equals', '"sales"'),
               ('US desk', 1, 1, 'department', 'equals', '"us-support"'),
               ('chat and phone', 1, 1, 'channel', 'in', '["chat", "call"]'),
               ('enterprise customers', 1, 1, 'customer_group', 'equals', '"enterprise"'),
               ('security reports', 1, 1, 'tags', 'contains', '"security"'),
               ('security reports', 2, 1, 'tags', 'contains', '"gdpr"'),
               ('Payments API severity 1', 1, 1, 'custom.product', 'equals', '"Payments API"'),
               ('Payments API severity 1', 1, 2, 'custom.severity', 'equals', '"S1"'),
               ('VIP customers', 1, 1, 'customer_group', 'equals', '"vip"'),
               ('urgent priority', 1, 1, 'priority', 'equals', '"urgent"')) c(rule, group_no, position, attribute, operator, value)
  JOIN sla.rule r ON r.name = c.rule;
SELECT r.position AS pos, r.name AS rule,
       (SELECT string_agg(g.conds, ' OR ' ORDER BY g.group_no)
          FROM (SELECT x.group_no, string_agg(format('%s %s %s', x.attribute, x.operator, x.value), ' AND ' ORDER BY x.position) AS conds
                  FROM sla.rule_condition x WHERE x.rule_id = r.id GROUP BY x.group_no) g) AS conditions,
       l.name AS sets_level, r.stop_processing AS stops, r.on_update
  FROM sla.rule r LEFT JOIN sla.level l ON l.id = r.set_level_id ORDER BY r.position;

\echo
\echo '== Escalations, run by sla.check_breaches() when a clock crosses its warning instant or its due time'
INSERT INTO sla.escalation (level_id, metric, on_event, action, to_level_id, column_name, column_value, position)
SELECT l.id, e.metric::sla.metric, e.on_event, e.action, t.id, e.col, e.val, e.position
  FROM (VALUES ('enterprise', 'first_response', 'breach', 'raise_level', 'premium', NULL, NULL, 1),
               ('premium', 'resolution', 'warning', 'set_column', NULL, 'escalated', 'true', 1),
               ('standard', NULL, 'breach', 'notify_only', NULL, NULL, NULL, 1),
               ('us-business', NULL, 'breach', 'notify_only', NULL, NULL, NULL, 1))
       e(level, metric, on_event, action, to_level, col, val, position)
  JOIN sla.level l ON l.name = e.level LEFT JOIN sla.level t ON t.name = e.to_level;
SELECT l.name AS level, coalesce(e.metric::text, 'any') AS metric, e.on_event, e.action,
       coalesce(t.name, e.column_name || ' := ' || e.column_value, '(NOTIFY sla_events)') AS what
  FROM sla.escalation e JOIN sla.level l ON l.id = e.level_id LEFT JOIN sla.level t ON t.id = e.to_level_id
 ORDER BY e.id;
