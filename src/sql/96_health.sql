-- 96_health.sql — what needs a DBA's attention, one row per item and attachment, with a remedy:
-- the values the mapping could not classify (every node's, on a Citus coordinator:
-- sla.mapping_problems(), 96_citus.sql) and the escalations that failed (85_escalation.sql), one
-- row per attachment and escalation, with the clocks whose failure no later run of it replaced.
-- More kinds of item join as rows of the same shape.  security_invoker: a reader sees the items
-- the policies of the underlying tables let it see.  Defined here, once, after every kind of
-- item it lists.
CREATE VIEW @extschema@.health WITH (security_invoker = true) AS
SELECT p.attachment_id, a.ticket_table, 'mapping_problem'::text AS item, p.field, p.value,
       p.count AS occurrences, p.first_seen, p.last_seen, p.first_ticket_key, p.last_ticket_key,
       CASE p.field
           WHEN 'status' THEN CASE WHEN p.value IS NULL THEN 'the status column was NULL: give the tickets a status'
                                   ELSE pg_catalog.format('SELECT sla.map_status(%L, %L, ''open'');  -- or paused, solved, closed, deleted',
                                                a.ticket_table::text, p.value) END
           WHEN 'author_kind' THEN 'list the value in customer_values, agent_values or system_values: sla.attach(..., replace => true)'
           ELSE 'make the author function return customer, agent or system'
       END AS remedy
  FROM @extschema@.mapping_problems() p
  JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) p.attachment_id
UNION ALL
SELECT f.attachment_id, a.ticket_table, 'escalation_failed'::text, pg_catalog.format('escalation %s', f.escalation),
       (pg_catalog.array_agg(f.error ORDER BY f.id DESC))[1], pg_catalog.count(*), pg_catalog.min(f.at), pg_catalog.max(f.at),
       (pg_catalog.array_agg(f.ticket_key ORDER BY f.id))[1], (pg_catalog.array_agg(f.ticket_key ORDER BY f.id DESC))[1],
       pg_catalog.format('fix the cause, then as a member of sla_writer: SELECT sla.run_escalations(%s, %L, now()%s);  -- for each failed clock (sla.event, kind escalation_failed)',
                         (pg_catalog.array_agg(f.clock_id ORDER BY f.id DESC))[1], (pg_catalog.array_agg(f.on_event ORDER BY f.id DESC))[1],
                         coalesce(', ' OPERATOR(pg_catalog.||) (pg_catalog.array_agg(f.at_percent ORDER BY f.id DESC))[1], ''))
  FROM (SELECT e.id, e.attachment_id, e.ticket_key, e.clock_id, e.at, e.detail OPERATOR(pg_catalog.->>) 'escalation' AS escalation,
               e.detail OPERATOR(pg_catalog.->>) 'on_event' AS on_event, e.detail OPERATOR(pg_catalog.->>) 'at_percent' AS at_percent,
               (e.detail OPERATOR(pg_catalog.->>) 'sqlstate') OPERATOR(pg_catalog.||) ': '
                   OPERATOR(pg_catalog.||) (e.detail OPERATOR(pg_catalog.->>) 'error') AS error
          FROM @extschema@.event e
         WHERE e.kind OPERATOR(pg_catalog.=) ANY (ARRAY['escalated', 'escalation_failed'])
           AND e.kind OPERATOR(pg_catalog.=) 'escalation_failed'
           AND NOT EXISTS (SELECT FROM @extschema@.event l
                            WHERE l.clock_id OPERATOR(pg_catalog.=) e.clock_id
                              AND l.kind OPERATOR(pg_catalog.=) ANY (ARRAY['escalated', 'escalation_failed'])
                              AND l.id OPERATOR(pg_catalog.>) e.id
                              AND (l.detail OPERATOR(pg_catalog.->>) 'escalation') OPERATOR(pg_catalog.=) (e.detail OPERATOR(pg_catalog.->>) 'escalation'))) f
  JOIN @extschema@.attachment a ON a.id OPERATOR(pg_catalog.=) f.attachment_id
 GROUP BY f.attachment_id, a.ticket_table, f.escalation;
COMMENT ON VIEW @extschema@.health IS
    'items needing attention per attachment, with a remedy: mapping problems (values the mapping could not classify) and escalations that failed (until a retry of the escalation on the clock succeeds)';
COMMENT ON COLUMN @extschema@.health.attachment_id IS 'the attachment (sla.attachment.id)';
COMMENT ON COLUMN @extschema@.health.ticket_table IS 'its ticket table';
COMMENT ON COLUMN @extschema@.health.item IS 'the kind of item: mapping_problem or escalation_failed';
COMMENT ON COLUMN @extschema@.health.field IS 'the mapping field concerned (status, author_kind, author_function), or the escalation (escalation <id>)';
COMMENT ON COLUMN @extschema@.health.value IS 'the value that could not be classified (NULL: the column was NULL), or the latest failure (SQLSTATE: message)';
COMMENT ON COLUMN @extschema@.health.occurrences IS 'how often it was met (a lower bound under concurrent writers); for an escalation, the clocks it failed on and was not run again';
COMMENT ON COLUMN @extschema@.health.first_seen IS 'when it was first met';
COMMENT ON COLUMN @extschema@.health.last_seen IS 'when it was last met';
COMMENT ON COLUMN @extschema@.health.first_ticket_key IS 'the ticket it was first met on';
COMMENT ON COLUMN @extschema@.health.last_ticket_key IS 'the ticket it was last met on';
COMMENT ON COLUMN @extschema@.health.remedy IS 'what fixes it';
-- made after 95_report_access.sql's GRANT SELECT ON ALL TABLES: readers and admins read it
GRANT SELECT ON @extschema@.health TO sla_reader, sla_admin;
