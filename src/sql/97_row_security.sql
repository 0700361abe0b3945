-- 97_row_security.sql — no report bypasses the host's row-level security.
--
-- Clocks, events and per-ticket state copy a ticket's key, requester, department and agent out
-- of the host table.  When the host table has row-level security that is active for the
-- caller (row_security_active(): RLS enabled, and the caller neither owns the table nor has
-- BYPASSRLS), the caller sees the SLA rows of a ticket only if the host lets it see the
-- ticket row itself.  Every report reads these tables as the caller (nothing is SECURITY
-- DEFINER; the views call functions, which run as the caller), so the reports follow.
--
-- Members of sla_writer and sla_admin see every row: the triggers, running as the helpdesk
-- application's role, must see a ticket's clocks to move them, and an admin's edit of a level or
-- calendar re-targets every running clock that uses it.  Table owners and superusers bypass RLS as
-- always.  When no attached host table has RLS active for the caller, the check costs one small
-- query per statement (an InitPlan) and an empty-array test per row.

-- Attachments whose host table hides rows from the current user.
CREATE FUNCTION @extschema@.rls_hidden_attachments() RETURNS integer[]
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(a.id), '{}') FROM @extschema@.attachment a
     WHERE pg_catalog.row_security_active(a.ticket_table)
$$;
COMMENT ON FUNCTION @extschema@.rls_hidden_attachments() IS
    'ids of attachments whose host ticket table has row-level security active for the current user';

-- Whether the current user can see a ticket row in its host table (host RLS applies: this runs
-- as the caller).  A caller without SELECT on the host table sees none of its tickets.  In C
-- (src/host_ticket.c): the lookup is prepared once per attachment and shared with the message
-- trigger, not planned anew for every row a report reads.
-- PARALLEL SAFE: it only reads, so a reader's report can use parallel workers like the owner's.
CREATE FUNCTION @extschema@.ticket_visible(attachment_id integer, ticket_key text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'sla_ticket_visible' LANGUAGE C STRICT STABLE PARALLEL SAFE
    -- each call is an index lookup in the host table: far dearer than an operator
    COST 100;
COMMENT ON FUNCTION @extschema@.ticket_visible(integer, text) IS
    'whether the current user can see the ticket row in its host table (the host''s row-level security applies)';

-- Whether the current user may see and write the tracking rows of an attachment: always when
-- it has no writer_role, else for members of that role and of sla_admin (src/attachment_access.c).
CREATE FUNCTION @extschema@.may_write_attachment(attachment_id integer) RETURNS boolean
    AS 'MODULE_PATHNAME', 'sla_may_write_attachment' LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.may_write_attachment(integer) IS
    'whether the current user may see and write the tickets, clocks and events of an attachment (its writer_role, docs/security.md)';

DO $$
DECLARE
    t text;
BEGIN
    -- the tables of every key type (the views sla.clock etc. read them as the caller)
    FOR t IN SELECT kinds.kind || '_' || types.kt
               FROM unnest(ARRAY['clock', 'event', 'ticket', 'fact']) WITH ORDINALITY kinds(kind, i),
                    unnest(ARRAY['int4', 'int8', 'uuid', 'text']) WITH ORDINALITY types(kt, j)
              ORDER BY kinds.i, types.j LOOP
        EXECUTE format('ALTER TABLE @extschema@.%I ENABLE ROW LEVEL SECURITY', t);
        -- reading: the engine's and the admin's roles see everything; anyone else what the host shows them
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR SELECT TO sla_writer, sla_admin USING (true)', t || '_engine_and_admin_read', t);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR SELECT USING (attachment_id OPERATOR(pg_catalog.<>) ALL ((SELECT @extschema@.rls_hidden_attachments())::integer[]) OR @extschema@.ticket_visible(attachment_id, ticket_key::pg_catalog.text))',
                       t || '_follows_host', t);
        -- writing is gated by table privileges alone (sla_writer, sla_admin), as before
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR INSERT WITH CHECK (true)', t || '_insert', t);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR UPDATE USING (true)', t || '_update', t);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR DELETE USING (true)', t || '_delete', t);
        -- one helpdesk's application role cannot read, move or forge another's rows
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I AS RESTRICTIVE FOR ALL TO sla_writer
                        USING (@extschema@.may_write_attachment(attachment_id))
                        WITH CHECK (@extschema@.may_write_attachment(attachment_id))', t || '_attachment_writer', t);
    END LOOP;
END
$$;

-- Mapping problems name a value and two tickets of the host table: a reader sees a problem when
-- the host table hides no rows from it, or when it can see both tickets; the engine's and the
-- admin's roles see all (a writer only its own attachments', as for the tracking tables).
ALTER TABLE @extschema@.mapping_problem ENABLE ROW LEVEL SECURITY;
CREATE POLICY mapping_problem_engine_and_admin_read ON @extschema@.mapping_problem FOR SELECT TO sla_writer, sla_admin
    USING (true);
CREATE POLICY mapping_problem_follows_host ON @extschema@.mapping_problem FOR SELECT
    USING (attachment_id OPERATOR(pg_catalog.<>) ALL ((SELECT @extschema@.rls_hidden_attachments())::integer[])
           OR ((first_ticket_key IS NULL OR @extschema@.ticket_visible(attachment_id, first_ticket_key))
               AND (last_ticket_key IS NULL OR @extschema@.ticket_visible(attachment_id, last_ticket_key))));
CREATE POLICY mapping_problem_insert ON @extschema@.mapping_problem FOR INSERT WITH CHECK (true);
CREATE POLICY mapping_problem_update ON @extschema@.mapping_problem FOR UPDATE USING (true);
CREATE POLICY mapping_problem_delete ON @extschema@.mapping_problem FOR DELETE USING (true);
CREATE POLICY mapping_problem_attachment_writer ON @extschema@.mapping_problem AS RESTRICTIVE FOR ALL TO sla_writer
    USING (@extschema@.may_write_attachment(attachment_id))
    WITH CHECK (@extschema@.may_write_attachment(attachment_id));

-- Tickets a configuration edit left to re-target name host tickets: readers see those the host
-- table shows them, as for the tracking tables; a writer only its own attachments'.
ALTER TABLE @extschema@.policy_retarget_pending ENABLE ROW LEVEL SECURITY;
CREATE POLICY policy_retarget_pending_engine_and_admin_read ON @extschema@.policy_retarget_pending FOR SELECT
    TO sla_writer, sla_admin USING (true);
CREATE POLICY policy_retarget_pending_follows_host ON @extschema@.policy_retarget_pending FOR SELECT
    USING (attachment_id OPERATOR(pg_catalog.<>) ALL ((SELECT @extschema@.rls_hidden_attachments())::integer[])
           OR @extschema@.ticket_visible(attachment_id, ticket_key));
CREATE POLICY policy_retarget_pending_insert ON @extschema@.policy_retarget_pending FOR INSERT WITH CHECK (true);
CREATE POLICY policy_retarget_pending_delete ON @extschema@.policy_retarget_pending FOR DELETE USING (true);
CREATE POLICY policy_retarget_pending_attachment_writer ON @extschema@.policy_retarget_pending AS RESTRICTIVE FOR ALL
    TO sla_writer USING (@extschema@.may_write_attachment(attachment_id))
    WITH CHECK (@extschema@.may_write_attachment(attachment_id));

GRANT EXECUTE ON FUNCTION @extschema@.rls_hidden_attachments(), @extschema@.ticket_visible(integer, text),
    @extschema@.may_write_attachment(integer)
    TO sla_reader, sla_admin, sla_writer;
