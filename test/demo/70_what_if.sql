-- 70_what_if.sql — replay and what-if (docs/replay.md): the month replayed from the fact log
-- under the live policy gives the live clocks; a draft that tightens the enterprise first
-- response to 1 hour and closes the Berlin office on Friday 20 November is compared with what
-- happened, without touching a live row, and is then left unactivated.

\echo
\echo '== Replay of November from the fact log under the live policy: clocks that differ from the live ones'
SELECT count(*) AS clocks_replayed, count(*) FILTER (WHERE changed) AS differing
  FROM sla.replay('helpdesk.ticket');

SELECT sla.create_draft('enterprise-1h', $d$
    UPDATE sla.level_target SET target = '1 hour'
     WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'enterprise');
    SELECT sla.add_holiday('berlin-office', '2026-11-20', 'proposed closing day');$d$,
    'enterprise first response in 1 hour; Berlin closed on 20 November') IS NULL AS ok \gset

\echo
\echo '== What-if: the draft "enterprise-1h" beside November as it happened (first responses, by week and level)'
SELECT period AS week, level, met, failed, compliance AS "compliance %", stored_met AS "met then",
       stored_failed AS "failed then", stored_compliance AS "then %", compliance_change AS "change", outcomes_changed AS "outcomes changed"
  FROM sla.what_if('helpdesk.ticket', 'enterprise-1h', '2026-11-01', '2026-12-01', ARRAY['week', 'level', 'metric'],
                   '2026-12-01 00:00+00')
 WHERE metric = 'first_response';

\echo
\echo '== What-if: the first clocks whose outcome would change'
SELECT ticket_key AS ticket, metric, stored_outcome AS "then", outcome AS "under the draft", stored_due_at AS "due then",
       due_at AS "due under the draft"
  FROM sla.what_if_changes('helpdesk.ticket', 'enterprise-1h', '2026-11-01', '2026-12-01', '2026-12-01 00:00+00')
 ORDER BY ticket_key::bigint, metric, cycle
 LIMIT 5;
