-- 99_privileges.sql — who may execute which function: the last word of the install script.
--
-- PostgreSQL grants EXECUTE on every new function to PUBLIC.  sla takes that back for all of
-- its functions and grants each one to the roles meant to call it (docs/security.md):
--
--   PUBLIC       the business_interval type (I/O, operators, aggregates, casts) and the pure
--                business-time functions: they read calendars as the caller and change nothing
--   sla_reader   the reports, the dry runs and explain (granted in 95_report_access.sql and here)
--   sla_admin    what sla_reader may, and the configuration helpers
--   sla_writer   the breach check and what it calls (the triggers themselves need no EXECUTE:
--                PostgreSQL checks it when a trigger is created, not when it fires)
--   the owner    everything else: attach, detach, backfill, the clock primitives, the
--                trigger functions
--
-- Internal functions granted to a role are those a documented function of that role calls as
-- the caller; each validates its arguments and does nothing the role could not do with its own
-- table privileges.  SECURITY DEFINER: the policy history's triggers (recording, numbering) and sla.set_policy_note
-- (55_policy_history.sql), since no role may write the history itself.  test/pgtap/security_functions.sql lists
-- every function of the schema with the roles that may execute it.

REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA @extschema@ FROM PUBLIC;

-- The type and the business-time math: anyone who can use the schema.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
         WHERE p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
           AND (p.proname OPERATOR(pg_catalog.~) '^business_interval_'
                OR p.proname OPERATOR(pg_catalog.=) ANY (ARRAY[
                    'business_days', 'business_seconds', 'interval_to_business_interval', 'isfinite',
                    'sum', 'avg', 'min', 'max',
                    'business_add', 'business_between', 'is_open', 'next_open', 'next_close', 'open_periods',
                    'calendar_id', 'valid_time_zone', 'parse_day_hours', 'parse_weekly_hours', 'week_range']))
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f);
    END LOOP;
END
$$;

-- Readers and admins: the dry runs and the timeline (match_ticket reads the row's attributes
-- through ticket_attributes, as the caller).
GRANT EXECUTE ON FUNCTION
    @extschema@.explain(regclass, text),
    @extschema@.match_ticket(regclass, text, timestamptz),
    @extschema@.match_rules(jsonb, timestamptz, boolean),
    @extschema@.ticket_attributes(integer, anyelement),
    @extschema@.check_condition(text, text, jsonb)
    TO sla_reader, sla_admin;

-- Replay and what-if (93_replay.sql): readers and admins replay what they may read (the
-- tracking tables' row-level security applies); the compliance rule both reports inline.
GRANT EXECUTE ON FUNCTION
    @extschema@.replay(regclass, text[], timestamptz, timestamptz),
    @extschema@.replay_compliance(regclass, timestamptz, timestamptz, text[], timestamptz, text),
    @extschema@.replay_changes(regclass, timestamptz, timestamptz, timestamptz),
    @extschema@.replay_sides(regclass, timestamptz, timestamptz, timestamptz),
    @extschema@.clock_counts(text, timestamptz, timestamptz)
    TO sla_reader, sla_admin;

-- Policy drafts and what-if (94_what_if.sql): admins write drafts (as themselves: the table's
-- row-level security), validate, compare and activate them; apply_draft runs a draft's SQL as
-- its owner and only for that role or its members, so what_if and activate_draft, which call it
-- as the caller, give nobody rights the draft's owner or the caller lack.
GRANT EXECUTE ON FUNCTION
    @extschema@.apply_draft(text, boolean),
    @extschema@.create_draft(text, text, text),
    @extschema@.drop_draft(text),
    @extschema@.what_if(regclass, text, timestamptz, timestamptz, text[], timestamptz, text),
    @extschema@.what_if_changes(regclass, text, timestamptz, timestamptz, timestamptz),
    @extschema@.activate_draft(text),
    @extschema@.mark_what_if(),
    @extschema@.load_policy_version(integer),
    @extschema@.replay_version(regclass, integer, text[], timestamptz, timestamptz),
    @extschema@.replay_history(regclass, text[], timestamptz, timestamptz),
    @extschema@.what_if_version(regclass, integer, timestamptz, timestamptz, text[], timestamptz, text)
    TO sla_admin;
GRANT INSERT, UPDATE, DELETE ON @extschema@.policy_draft TO sla_admin;

-- The policy history (55_policy_history.sql): read by readers and admins (SELECT on its tables
-- comes with ALL TABLES in 95_report_access.sql), written by its trigger only; admins may note
-- the version their transaction makes.
GRANT SELECT ON @extschema@.policy_version, @extschema@.policy_history, @extschema@.policy_version_pending
    TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.policy_table_key(text),
    @extschema@.policy_version_at(timestamptz),
    @extschema@.policy_rows(integer),
    @extschema@.policy_rows(anyelement, integer),
    @extschema@.policy_rows_at(anyelement, timestamptz),
    @extschema@.policy(integer),
    @extschema@.policy_at(timestamptz),
    @extschema@.policy_diff(integer, integer)
    TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION @extschema@.set_policy_note(text) TO sla_admin;
-- Reports as of a past instant (90_reports_as_of.sql): read as the caller, like the SLA log.
GRANT EXECUTE ON FUNCTION
    @extschema@.clock_as_of(timestamptz),
    @extschema@.sla_log_as_of(timestamptz, text, timestamptz, timestamptz)
    TO sla_reader, sla_admin;
-- The engine records on each clock the policy version it runs under (issue 12): the ticket and
-- message triggers, running as the helpdesk's writer, read the latest version (and their own
-- transaction's pending one, when it edited the configuration too).
GRANT SELECT ON @extschema@.policy_version, @extschema@.policy_version_pending TO sla_writer;

-- Admins: recording interaction mappings validates their columns the way attach does; declaring
-- an attribute checks its function.
GRANT EXECUTE ON FUNCTION
    @extschema@.mapped_column_kind(regclass, text, text, text[]),
    @extschema@.check_function_registration(regprocedure, text)
    TO sla_admin;

-- The breach check (pg_cron runs it as the job's owner, the worker as its role) and the
-- functions it calls as its caller.
GRANT EXECUTE ON FUNCTION
    @extschema@.check_breaches(timestamptz, integer),
    @extschema@.run_escalations(bigint, text, timestamptz, numeric),
    @extschema@.escalation_column(@extschema@.attachment, @extschema@.escalation),
    @extschema@.escalation_set_column(integer, integer, text),
    @extschema@.escalation_call_function(integer, jsonb),
    @extschema@.log_event(integer, text, bigint, timestamptz, text, jsonb),
    @extschema@.retarget_clocks(integer, text, integer, timestamptz),
    @extschema@.claim_crossing(integer, text, bigint, text, timestamptz),
    @extschema@.claim_step(integer, text, bigint, timestamptz),
    @extschema@.recheck_rules(integer, text, timestamptz),
    @extschema@.retarget_pending(integer, text)
    TO sla_writer;

-- One ticket's tracking rows (explain, time_split, the escalations) and the names of the
-- tracking tables (the TRUNCATE trigger): they read as the caller, under its rights and the
-- tables' row-level security.
GRANT EXECUTE ON FUNCTION
    @extschema@.ticket_rows(anyelement, integer, text),
    @extschema@.tracking_table(text, text)
    TO sla_reader, sla_admin, sla_writer;

GRANT EXECUTE ON PROCEDURE @extschema@.check_breaches_in_batches(integer) TO sla_writer;

-- TRUNCATE of an attached table cancels its clocks as the truncating role (60_attachment.sql).
GRANT EXECUTE ON FUNCTION @extschema@.cancel_clock(bigint, timestamptz, text) TO sla_writer;
