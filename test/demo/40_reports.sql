-- 40_reports.sql — the reports, as of the month end (2026-12-01 00:00 UTC).

-- business time rounded to the minute for reading: '2d 03:15' (2 business days and 3:15 hours)
CREATE FUNCTION sim.hm(x sla.business_interval) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN sla.business_days(x) <> 0 THEN sla.business_days(x) || 'd ' ELSE '' END
           || to_char(round(sla.business_seconds(x) / 60) * interval '1 minute', 'HH24:MI') $$;

\echo
\echo '== The month in numbers: tickets by status, messages by kind'
SELECT count(*) AS tickets,
       count(*) FILTER (WHERE status = 'new') AS new, count(*) FILTER (WHERE status = 'open') AS open,
       count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'on-hold') AS "on-hold",
       count(*) FILTER (WHERE status = 'solved') AS solved, count(*) FILTER (WHERE status = 'closed') AS closed,
       count(*) FILTER (WHERE is_spam) AS spam, count(*) FILTER (WHERE priority = 'urgent') AS urgent,
       count(*) FILTER (WHERE escalated) AS "flagged escalated",
       (SELECT count(*) FROM helpdesk.message) AS messages,
       (SELECT count(*) FROM helpdesk.message WHERE author_type = 'customer') AS "from customers",
       (SELECT count(*) FROM helpdesk.message WHERE author_type = 'agent' AND NOT is_internal) AS "agent replies",
       (SELECT count(*) FROM helpdesk.message WHERE is_internal) AS "internal notes",
       (SELECT count(*) FROM helpdesk.message WHERE author_type = 'system') AS system
  FROM helpdesk.ticket;

\echo
\echo '== SLA clocks by metric and state at the month end (running/paused ones past due are late)'
SELECT coalesce(metric::text, 'all') AS metric, count(*) FILTER (WHERE state = 'met') AS met,
       count(*) FILTER (WHERE state = 'breached') AS breached,
       count(*) FILTER (WHERE state = 'running') AS running, count(*) FILTER (WHERE state = 'paused') AS paused,
       count(*) FILTER (WHERE state IN ('running', 'paused') AND due_at < '2026-12-01 00:00+00') AS "late (open)",
       count(*) FILTER (WHERE state = 'cancelled') AS cancelled, count(*) AS total
  FROM sla.clock GROUP BY ROLLUP (metric) ORDER BY metric NULLS LAST;

\echo
\echo '== What sla.check_breaches() recorded during the month, and the escalations it ran'
SELECT e.kind AS event, coalesce(e.detail ->> 'action', '') AS action, count(*) AS n
  FROM sla.event e WHERE e.kind IN ('warning', 'breach', 'escalated', 'escalation_skipped')
 GROUP BY 1, 2 ORDER BY array_position('{warning,breach,escalated,escalation_skipped}', e.kind), 2;

\echo
\echo '== Compliance for November by week and department (a clock counts when it is decided: met, breached, or past due)'
SELECT to_char(period, 'Mon DD') AS "week of", department, met, failed, compliance AS "compliance %",
       sim.hm(met_avg) AS "avg met (business)", sim.hm(failed_avg) AS "avg failed (business)"
  FROM sla.compliance_report('2026-11-01 00:00+00', '2026-12-01 00:00+00', ARRAY['week', 'department'],
                             'UTC', as_of => '2026-12-01 00:00+00')
 ORDER BY period, department;

\echo
\echo '== Compliance for November by level and metric'
SELECT level, metric, met, failed, compliance AS "compliance %", sim.hm(met_avg) AS "avg met",
       sim.hm(met_max) AS "max met", sim.hm(failed_avg) AS "avg failed", sim.hm(failed_max) AS "max failed",
       to_char(justify_hours(met_avg_calendar), 'FMDD"d" HH24:MI') AS "avg met (wall clock)"
  FROM sla.compliance_report('2026-11-01 00:00+00', '2026-12-01 00:00+00', ARRAY['level', 'metric'],
                             as_of => '2026-12-01 00:00+00')
 ORDER BY (SELECT l.id FROM sla.level l WHERE l.name = level), metric;

\echo
\echo '== The SLA log as of the month end: the 15 clocks most overdue (business time past due)'
SELECT l.ticket, o.name AS organisation, o.customer_group AS "group", l.department, l.agent, l.level, l.metric,
       l.cycle, to_char(l.started_at, 'Mon DD HH24:MI') AS started, to_char(l.due_at, 'Mon DD HH24:MI') AS due,
       l.state, sim.hm(l.used) AS used, sim.hm(l.overdue) AS overdue
  FROM sla.sla_log_at('2026-12-01 00:00+00', NULL, '2026-11-01 00:00+00', '2026-12-01 00:00+00') l
  LEFT JOIN helpdesk.customer c ON c.id = l.requester::integer
  LEFT JOIN helpdesk.organisation o ON o.id = c.organisation_id
 ORDER BY l.overdue DESC NULLS LAST, l.ticket::bigint, l.metric
 LIMIT 15;

\echo
\echo '== At risk (past the warning share, not yet due) and breached now (running or paused past due), as of the month end'
SELECT coalesce(department, 'all') AS department,
       count(*) FILTER (WHERE state = 'running' AND warn_at < '2026-12-01 00:00+00' AND due_at >= '2026-12-01 00:00+00') AS at_risk,
       count(*) FILTER (WHERE state IN ('running', 'paused') AND due_at < '2026-12-01 00:00+00') AS breached_now,
       count(*) FILTER (WHERE state IN ('running', 'paused')) AS open_clocks,
       sim.hm(sla.min(remaining) FILTER (WHERE state = 'running' AND warn_at < '2026-12-01 00:00+00')) AS "least time left",
       sim.hm(sla.max(overdue) FILTER (WHERE state IN ('running', 'paused'))) AS "most overdue"
  FROM sla.sla_log_at('2026-12-01 00:00+00')
 WHERE state IN ('running', 'paused')
 GROUP BY ROLLUP (department) ORDER BY department NULLS LAST;

-- an escalated ticket with the richest story: raised to premium by the breach check
SELECT coalesce((SELECT e.ticket_key
  FROM sla.event e
 WHERE e.ticket_key IN (SELECT x.ticket_key FROM sla.event x WHERE x.kind = 'escalated' AND x.detail ->> 'action' = 'raise_level')
 GROUP BY e.ticket_key
 ORDER BY count(DISTINCT e.kind) DESC, count(*) DESC, e.ticket_key::bigint LIMIT 1), '') AS esc_ticket \gset
SELECT :'esc_ticket' <> '' AS has_esc \gset
\if :has_esc
\echo
SELECT format('== sla.explain: the timeline of ticket %s, escalated by the breach check', :'esc_ticket') AS line \gset
\echo :line
SELECT t.id AS ticket, t.subject, t.channel, t.priority, t.department, t.status, o.name AS organisation,
       o.customer_group AS "group", array_to_string(t.tags, ',') AS tags, t.custom
  FROM helpdesk.ticket t JOIN helpdesk.customer c ON c.id = t.customer_id JOIN helpdesk.organisation o ON o.id = c.organisation_id
 WHERE t.id = :'esc_ticket'::bigint;
SELECT to_char(x.at, 'Mon DD HH24:MI:SS') AS at, x.event, x.metric, x.cycle, x.level,
       to_char(x.due_at, 'Mon DD HH24:MI') AS due_now, x.state AS state_now, sim.hm(x.business_used) AS used,
       left((SELECT string_agg(format('%s=%s', d.key, d.value), ' ' ORDER BY d.key)
               FROM jsonb_each_text(x.detail - 'metric' - 'cycle' - 'escalation' - 'rows' - 'from_agent' - 'from_department') d
              WHERE d.value IS NOT NULL), 80) AS detail
  FROM sla.explain('helpdesk.ticket', :'esc_ticket') x;
\else
\echo '(no ticket was escalated by the breach check in this run)'
\endif
