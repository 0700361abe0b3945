-- 60_attachment.sql — attaching sla to a helpdesk's own ticket and message tables, and the SLA
-- clocks their triggers drive.  The row triggers and the clock primitives are C (src/
-- ticket_trigger.c, ticket_update.c, message_trigger.c, clock_store.c); attaching, detaching and
-- status mapping are PL/pgSQL (docs/engine-design.md).

CREATE SEQUENCE @extschema@.attachment_id_seq AS integer;

CREATE TABLE @extschema@.attachment (
    id              integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.attachment_id_seq'),
    ticket_table    regclass NOT NULL UNIQUE,
    mapping         jsonb NOT NULL,
    message_table   regclass UNIQUE,
    message_mapping jsonb,
    time_zone       text NOT NULL DEFAULT 'UTC' CHECK (@extschema@.valid_time_zone(time_zone)),
    attached        boolean NOT NULL DEFAULT true,
    -- NULL: every sla_writer may write this attachment's tracking rows; else only members of
    -- this role (and of sla_admin): one helpdesk's application cannot touch another's clocks
    writer_role     text,
    -- false: a value the mapping cannot classify is recorded in sla.mapping_problem and the
    -- helpdesk's write goes on; true: the write fails with the error naming the value
    strict          boolean NOT NULL DEFAULT false,
    -- set by sla.backfill(created_after => ...): tickets created before it are left untracked,
    -- by backfill and by their later updates alike; NULL: every ticket is tracked
    created_after   timestamptz,
    -- the type the tracking tables store its ticket keys in: the host key's type (int4, int8,
    -- uuid), any other type as text; set by attach from the key column
    key_type        text NOT NULL DEFAULT 'text'
        CHECK (key_type OPERATOR(pg_catalog.=) ANY (ARRAY['int4', 'int8', 'uuid', 'text']))
);
ALTER SEQUENCE @extschema@.attachment_id_seq OWNED BY @extschema@.attachment.id;
COMMENT ON TABLE @extschema@.attachment IS
    'helpdesk tables sla is attached to, with the validated column mappings (written by sla.attach)';
COMMENT ON COLUMN @extschema@.attachment.time_zone IS 'zone of timestamp-without-time-zone columns';
COMMENT ON COLUMN @extschema@.attachment.strict IS
    'true: an unmapped status or unknown author kind fails the helpdesk''s write (22023); false (default): it is recorded in sla.mapping_problem';
COMMENT ON COLUMN @extschema@.attachment.created_after IS
    'the cut-off of sla.backfill: a ticket created before it is never tracked from before the attachment (neither by backfill nor by its later updates); NULL: no cut-off';
COMMENT ON COLUMN @extschema@.attachment.writer_role IS
    'NULL: any member of sla_writer may write this attachment''s tickets, clocks and events; else only members of this role or of sla_admin (docs/security.md)';

CREATE TABLE @extschema@.status_map (
    attachment_id integer NOT NULL,   -- sla.attachment (id), ON DELETE CASCADE (98_config_reference.sql)
    status        text NOT NULL,
    lifecycle     text NOT NULL CONSTRAINT status_map_lifecycle_known
        CHECK (lifecycle OPERATOR(pg_catalog.=) ANY (ARRAY['open', 'paused', 'solved', 'closed', 'deleted'])),
    PRIMARY KEY (attachment_id, status)
);
COMMENT ON TABLE @extschema@.status_map IS
    'ticket status values and their lifecycle state: open, paused (resolution clock stops counting), solved, closed, deleted';

-- Values the mapping could not classify (src/mapping_problem.c): one row per attachment, field
-- and value, counted by the triggers instead of failing the helpdesk's write (unless the
-- attachment is strict).  A value NULL is the SQL NULL the column held.
CREATE TABLE @extschema@.mapping_problem (
    attachment_id    integer NOT NULL,   -- sla.attachment (id), ON DELETE CASCADE (98_config_reference.sql)
    field            text NOT NULL,
    value            text,
    first_ticket_key text,
    last_ticket_key  text,
    first_seen       timestamptz NOT NULL,
    last_seen        timestamptz NOT NULL,
    count            bigint NOT NULL,
    CONSTRAINT mapping_problem_value_key UNIQUE NULLS NOT DISTINCT (attachment_id, field, value)
);
COMMENT ON TABLE @extschema@.mapping_problem IS
    'values the mapping could not classify (status without lifecycle, unknown author kind): where, how often, first and last ticket; cleared with sla.clear_mapping_problems';
COMMENT ON COLUMN @extschema@.mapping_problem.field IS
    'the mapping field: status, author_kind (a value in no value list) or author_function (an answer other than customer, agent, system)';
COMMENT ON COLUMN @extschema@.mapping_problem.value IS 'the value as text (its first 1,000 bytes); NULL: the column was NULL';
COMMENT ON COLUMN @extschema@.mapping_problem.count IS
    'occurrences recorded; one met while another open transaction holds this row is not counted (writes never wait here)';

-- The tracking rows: per ticket its state (sla.ticket_*), its clocks (sla.clock_*), its events
-- (sla.event_*) and its fact log (sla.fact_*), kept beside the host rows: the ticket key is
-- stored in the host key's own type, one set of tables per key type (int4, int8, uuid; any
-- other type as text), so they can be joined with the host table without casts and
-- distributed with it by the key (Citus).  Every key starts with (attachment, ticket key):
-- a ticket's clock is (metric, cycle) within it, a fact its number within it.  The views
-- sla.ticket, sla.clock, sla.event and sla.fact unite the sets for the reports and for the
-- queries users run, with the key as text (its canonical text form, as 0.1.0 stored it).
-- The engine (src/clock_store.c) writes the table of the attachment's key type
-- (sla.attachment.key_type), naming the ticket key in every statement.
--
-- Clock and event ids are labels drawn from two sequences: an event id orders a ticket's
-- events, a clock id names a clock in events, NOTIFY payloads and admin calls; neither is used
-- without the ticket key by the engine.
-- The tracking tables refer to attachments, levels and calendars without foreign keys: the
-- config_guard triggers below keep those references valid (src/config_guard.c).
CREATE SEQUENCE @extschema@.clock_id_seq;
CREATE SEQUENCE @extschema@.event_id_seq;

-- The names of the tables of one kind (ticket, clock, event, fact) for one key type.
CREATE FUNCTION @extschema@.tracking_table(kind text, key_type text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.format('@extschema@.%I', kind OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) key_type)
     WHERE kind OPERATOR(pg_catalog.=) ANY (ARRAY['ticket', 'clock', 'event', 'fact'])
       AND key_type OPERATOR(pg_catalog.=) ANY (ARRAY['int4', 'int8', 'uuid', 'text'])
$$;
COMMENT ON FUNCTION @extschema@.tracking_table(text, text) IS
    'the tracking table of a kind (ticket, clock, event, fact) for a key type (int4, int8, uuid, text), e.g. sla.clock_int8; NULL for anything else';

DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        -- Per-ticket state: the level chosen for it, its lifecycle and who holds it.  Its updates
        -- (lifecycle, level, holder) change no indexed column: room on the page keeps them
        -- heap-only, so they write no index entry.  What changes with every fact (how many there
        -- are, the latest instant, the latest message) is read from the fact log, not written here.
        EXECUTE format($t$
            CREATE TABLE @extschema@.%1$I (
                attachment_id integer NOT NULL,
                ticket_key    pg_catalog.%2$s NOT NULL,
                level_id      integer,
                lifecycle     text NOT NULL,
                agent_replied boolean NOT NULL DEFAULT false,
                customer_waiting_since timestamptz,
                department    text,
                agent         text,
                requester     text,
                -- when a rule relative to now (older_than, newer_than) may next choose another
                -- level for the ticket: the breach check runs its rules then (src/rule_recheck.c)
                rules_recheck_at timestamptz,
                PRIMARY KEY (attachment_id, ticket_key)
            ) WITH (fillfactor = 80)$t$, 'ticket_' || kt, kt);
        -- the tickets whose rules are due to run again, earliest first (only tickets under such
        -- rules have an entry: setting it is the one indexed change of a ticket's row)
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (rules_recheck_at) WHERE rules_recheck_at IS NOT NULL',
                       'ticket_' || kt || '_rules_recheck', 'ticket_' || kt);
        EXECUTE format($t$
            CREATE TABLE @extschema@.%1$I (
                id            bigint NOT NULL DEFAULT pg_catalog.nextval('@extschema@.clock_id_seq'),
                attachment_id integer NOT NULL,
                ticket_key    pg_catalog.%2$s NOT NULL,
                metric        @extschema@.metric NOT NULL,
                cycle         integer NOT NULL DEFAULT 1,
                level_id      integer NOT NULL,
                calendar_id   integer NOT NULL,
                target        @extschema@.business_interval NOT NULL,
                started_at    timestamptz NOT NULL,
                due_at        timestamptz NOT NULL,
                paused_since  timestamptz,
                paused_for    @extschema@.business_interval NOT NULL DEFAULT '00:00:00',
                stopped_at    timestamptz,
                state         text NOT NULL CONSTRAINT %3$I
                    CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused', 'met', 'breached', 'cancelled'])),
                business_used @extschema@.business_interval,
                decided_at    timestamptz GENERATED ALWAYS AS (coalesce(stopped_at, due_at)) STORED,
                warn_at       timestamptz,
                warned_at     timestamptz,
                breach_seen_at timestamptz,
                department    text,
                agent         text,
                requester     text,
                started_pos   bigint,
                -- issue 15 (80_breach.sql): a breach a late stop recorded, its escalations left to
                -- the next breach check; the next escalation step (its instant and share of the
                -- target), and the largest share recorded for the due date, with when
                breach_escalation_pending boolean,
                step_at       timestamptz,
                step_percent  numeric,
                step_done     numeric,
                step_seen_at  timestamptz,
                -- issue 12: the policy version the clock's terms (level, calendar, target) were
                -- set under; negative (provisional) only inside the editing transaction
                policy_version integer,
                PRIMARY KEY (attachment_id, ticket_key, metric, cycle)
            )$t$, 'clock_' || kt, kt, 'clock_' || kt || '_state_known');
        -- the clock an id names (a NOTIFY payload, sla.cancel_clock): found without the ticket key
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (id)', 'clock_' || kt || '_id', 'clock_' || kt);
        -- the clocks an editing transaction re-targeted under its provisional version, found when
        -- its commit numbers it (55_policy_history.sql); empty outside that transaction
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (policy_version) WHERE policy_version OPERATOR(pg_catalog.<) 0',
                       'clock_' || kt || '_provisional_version', 'clock_' || kt);
        -- Never two running (or paused) clocks of one metric for a ticket, whatever the concurrency.
        EXECUTE format('CREATE UNIQUE INDEX %I ON @extschema@.%I (attachment_id, ticket_key, metric)
                        WHERE state OPERATOR(pg_catalog.=) ANY (ARRAY[''running'', ''paused''])',
                       'clock_' || kt || '_one_active', 'clock_' || kt);
        -- The active clocks by due time: at_risk, breached_now and the queue read it in order (a
        -- pause or resume keeps a clock in it), whatever the number of stopped clocks.
        EXECUTE format('CREATE INDEX %I ON @extschema@.%I (due_at)
                        WHERE state OPERATOR(pg_catalog.=) ANY (ARRAY[''running'', ''paused''])',
                       'clock_' || kt || '_active_due', 'clock_' || kt);
        EXECUTE format($t$
            CREATE TABLE @extschema@.%1$I (
                id            bigint NOT NULL DEFAULT pg_catalog.nextval('@extschema@.event_id_seq'),
                attachment_id integer NOT NULL,
                ticket_key    pg_catalog.%2$s NOT NULL,
                clock_id      bigint,
                at            timestamptz NOT NULL,
                kind          text NOT NULL,
                detail        jsonb,
                PRIMARY KEY (attachment_id, ticket_key, id)
            )$t$, 'event_' || kt, kt);
        -- the events naming an editing transaction's provisional version (to_version), rewritten
        -- when its commit numbers it; empty outside that transaction.  No cast in the predicate:
        -- an event logged by hand may hold anything under that name.
        EXECUTE format($i$CREATE INDEX %I ON @extschema@.%I ((detail OPERATOR(pg_catalog.->) 'to_version'))
                          WHERE kind OPERATOR(pg_catalog.=) ANY (ARRAY['retargeted', 'cancelled'])
                            AND (detail OPERATOR(pg_catalog.->) 'to_version') OPERATOR(pg_catalog.<) '0'::pg_catalog.jsonb$i$,
                       'event_' || kt || '_provisional_version', 'event_' || kt);
        -- The fact log: per ticket and in the order they arrived, the facts the clock model
        -- applied (src/core/clockflow.h), with what the model read of them.  A fact that
        -- arrives after a fact of the same instant it sorts before (a reply saved after the
        -- close in one transaction) is applied by replaying the ticket's facts in canonical
        -- order (src/ticket_flow.c).  Keyed by the ticket and a number per ticket.
        EXECUTE format($t$
            CREATE TABLE @extschema@.%1$I (
                attachment_id integer NOT NULL,
                ticket_key    pg_catalog.%2$s NOT NULL,
                seq           integer NOT NULL,
                at            timestamptz NOT NULL,
                kind          text NOT NULL,
                detail        jsonb NOT NULL,
                PRIMARY KEY (attachment_id, ticket_key, seq)
            )$t$, 'fact_' || kt, kt);
        -- Events and facts are read by ticket, never chosen by their detail's value: statistics
        -- on it would only cost each ANALYZE (autovacuum's too) a sort of its sample of jsonb
        -- values, on the largest tables.
        EXECUTE format('ALTER TABLE @extschema@.%I ALTER COLUMN detail SET STATISTICS 0', 'event_' || kt);
        EXECUTE format('ALTER TABLE @extschema@.%I ALTER COLUMN detail SET STATISTICS 0', 'fact_' || kt);
        -- one call per table: each rewrites the extension's catalog row
        PERFORM pg_catalog.pg_extension_config_dump(format('@extschema@.%I', 'ticket_' || kt), '');
        PERFORM pg_catalog.pg_extension_config_dump(format('@extschema@.%I', 'clock_' || kt), '');
        PERFORM pg_catalog.pg_extension_config_dump(format('@extschema@.%I', 'event_' || kt), '');
        PERFORM pg_catalog.pg_extension_config_dump(format('@extschema@.%I', 'fact_' || kt), '');
        EXECUTE format('COMMENT ON TABLE @extschema@.%I IS %L', 'ticket_' || kt,
                       format('the SLA level, lifecycle and holder of each attached ticket whose key is %s (all key types: the view sla.ticket)', kt));
        EXECUTE format('COMMENT ON TABLE @extschema@.%I IS %L', 'clock_' || kt,
                       format('SLA clocks of tickets whose key is %s, one row per ticket, metric and cycle (all key types: the view sla.clock)', kt));
        EXECUTE format('COMMENT ON TABLE @extschema@.%I IS %L', 'event_' || kt,
                       format('SLA events of tickets whose key is %s (all key types: the view sla.event)', kt));
        EXECUTE format('COMMENT ON TABLE @extschema@.%I IS %L', 'fact_' || kt,
                       format('the fact log of tickets whose key is %s (all key types: the view sla.fact)', kt));
    END LOOP;
END
$$;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.clock_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.event_id_seq', '');

-- The views over every key type.  security_invoker: the caller's rights and the tables'
-- row-level security apply (97_row_security.sql), as they did on the tables of 0.1.0.
CREATE VIEW @extschema@.ticket WITH (security_invoker = true) AS
    SELECT attachment_id, ticket_key::text AS ticket_key, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester, rules_recheck_at FROM @extschema@.ticket_int4
    UNION ALL
    SELECT attachment_id, ticket_key::text, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester, rules_recheck_at FROM @extschema@.ticket_int8
    UNION ALL
    SELECT attachment_id, ticket_key::text, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester, rules_recheck_at FROM @extschema@.ticket_uuid
    UNION ALL
    SELECT attachment_id, ticket_key, level_id, lifecycle, agent_replied,
           customer_waiting_since, department, agent, requester, rules_recheck_at FROM @extschema@.ticket_text;
COMMENT ON VIEW @extschema@.ticket IS 'the SLA level and lifecycle state of each attached ticket (the key as text)';
COMMENT ON COLUMN @extschema@.ticket.customer_waiting_since IS
    'a customer message that arrived while the ticket was solved or closed: next_response starts from it on reopen';
COMMENT ON COLUMN @extschema@.ticket.attachment_id IS 'the attachment (sla.attachment.id) whose host table holds the ticket';
COMMENT ON COLUMN @extschema@.ticket.ticket_key IS 'the ticket''s key in its host table, as text (stored in the host key''s own type)';
COMMENT ON COLUMN @extschema@.ticket.level_id IS 'the SLA level the rules chose (sla.level.id); NULL: no level, no clocks';
COMMENT ON COLUMN @extschema@.ticket.lifecycle IS 'open, paused, solved, closed or deleted, from the host status through the status map';
COMMENT ON COLUMN @extschema@.ticket.agent_replied IS 'an agent has replied since the customer''s latest message';
COMMENT ON COLUMN @extschema@.ticket.agent IS 'the agent holding the ticket';
COMMENT ON COLUMN @extschema@.ticket.requester IS 'the customer who asked';
COMMENT ON COLUMN @extschema@.ticket.department IS
    'who holds the ticket (department, agent, requester), copied onto the clocks it starts';
COMMENT ON COLUMN @extschema@.ticket.rules_recheck_at IS
    'when a rule marked on_update with a condition relative to now (older_than, newer_than) may next choose another level: sla.check_breaches runs the ticket''s rules then; NULL: never';

CREATE VIEW @extschema@.clock WITH (security_invoker = true) AS
    SELECT id, attachment_id, ticket_key::text AS ticket_key, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at, policy_version
      FROM @extschema@.clock_int4
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at, policy_version
      FROM @extschema@.clock_int8
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at, policy_version
      FROM @extschema@.clock_uuid
    UNION ALL
    SELECT id, attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target,
           started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, decided_at,
           warn_at, warned_at, breach_seen_at, department, agent, requester, started_pos,
           breach_escalation_pending, step_at, step_percent, step_done, step_seen_at, policy_version
      FROM @extschema@.clock_text;
COMMENT ON VIEW @extschema@.clock IS
    'SLA clocks: one row per ticket, metric and cycle; due_at = business_add(started_at, target + paused_for, calendar)';
COMMENT ON COLUMN @extschema@.clock.paused_for IS 'business time spent paused so far (it moves the due date out)';
COMMENT ON COLUMN @extschema@.clock.business_used IS 'business time counted when the clock stopped (pauses excluded)';
COMMENT ON COLUMN @extschema@.clock.decided_at IS 'coalesce(stopped_at, due_at): the instant the reports count the clock at (a plain column, so reports can use its index under row-level security too)';
COMMENT ON COLUMN @extschema@.clock.id IS 'a label naming the clock in events, NOTIFY payloads and sla.cancel_clock (drawn from a sequence; the key is attachment, ticket, metric, cycle)';
COMMENT ON COLUMN @extschema@.clock.attachment_id IS 'the attachment (sla.attachment.id)';
COMMENT ON COLUMN @extschema@.clock.ticket_key IS 'the ticket''s key in its host table, as text';
COMMENT ON COLUMN @extschema@.clock.metric IS 'first_response, next_response, resolution, periodic_update or any metric of the level';
COMMENT ON COLUMN @extschema@.clock.cycle IS '1 for the first clock of its metric on the ticket, then 2, 3... (next_response after each customer message)';
COMMENT ON COLUMN @extschema@.clock.level_id IS 'the SLA level whose target it measures (sla.level.id)';
COMMENT ON COLUMN @extschema@.clock.calendar_id IS 'the business-hours calendar it counts in (sla.calendar.id)';
COMMENT ON COLUMN @extschema@.clock.target IS 'the business time allowed';
COMMENT ON COLUMN @extschema@.clock.started_at IS 'when it started';
COMMENT ON COLUMN @extschema@.clock.due_at IS 'when it falls due: started_at plus target plus paused_for, in business time';
COMMENT ON COLUMN @extschema@.clock.paused_since IS 'when its current pause began; NULL while not paused';
COMMENT ON COLUMN @extschema@.clock.stopped_at IS 'when it stopped (met, breached) or was cancelled';
COMMENT ON COLUMN @extschema@.clock.state IS 'running, paused, met, breached or cancelled';
COMMENT ON COLUMN @extschema@.clock.warn_at IS 'when the level''s warning share of the target is used up';
COMMENT ON COLUMN @extschema@.clock.warned_at IS 'when sla.check_breaches recorded its warning; NULL: not yet';
COMMENT ON COLUMN @extschema@.clock.breach_seen_at IS 'when sla.check_breaches (or a late stop) recorded its breach; NULL: not yet, or a re-target moved the due date past it';
COMMENT ON COLUMN @extschema@.clock.breach_escalation_pending IS 'true: a late stop recorded its breach, whose escalations the next sla.check_breaches runs';
COMMENT ON COLUMN @extschema@.clock.step_at IS 'when its next escalation step falls due (sla.escalation.at_percent); NULL: none';
COMMENT ON COLUMN @extschema@.clock.step_percent IS 'the share of the target of its next escalation step';
COMMENT ON COLUMN @extschema@.clock.policy_version IS 'the policy version (sla.policy_version) the clock''s level, calendar and target come from: the version in force when it started or was last re-targeted; kept when it is decided; NULL: started before any version';
COMMENT ON COLUMN @extschema@.clock.step_done IS 'the largest share whose escalation step was recorded for the current due date';
COMMENT ON COLUMN @extschema@.clock.step_seen_at IS 'when that step was recorded';
COMMENT ON COLUMN @extschema@.clock.department IS 'the department holding the ticket while the clock ran (its latest, once reassigned)';
COMMENT ON COLUMN @extschema@.clock.agent IS 'the agent holding the ticket while the clock ran';
COMMENT ON COLUMN @extschema@.clock.requester IS 'the customer who asked';
COMMENT ON COLUMN @extschema@.clock.started_pos IS
    'the clock''s start in the ticket''s timeline: a number drawn from sla.event''s sequence when it started (0.2.0 writes no clock_started row; sla.explain shows one there)';

CREATE VIEW @extschema@.event WITH (security_invoker = true) AS
    SELECT id, attachment_id, ticket_key::text AS ticket_key, clock_id, at, kind, detail FROM @extschema@.event_int4
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, clock_id, at, kind, detail FROM @extschema@.event_int8
    UNION ALL
    SELECT id, attachment_id, ticket_key::text, clock_id, at, kind, detail FROM @extschema@.event_uuid
    UNION ALL
    SELECT id, attachment_id, ticket_key, clock_id, at, kind, detail FROM @extschema@.event_text;
COMMENT ON COLUMN @extschema@.event.id IS 'orders the ticket''s events (drawn from a sequence)';
COMMENT ON COLUMN @extschema@.event.attachment_id IS 'the attachment (sla.attachment.id)';
COMMENT ON COLUMN @extschema@.event.ticket_key IS 'the ticket''s key in its host table, as text';
COMMENT ON COLUMN @extschema@.event.clock_id IS 'the clock it concerns (sla.clock.id); NULL for an event of the ticket';
COMMENT ON COLUMN @extschema@.event.at IS 'when it happened';
COMMENT ON COLUMN @extschema@.event.kind IS 'what happened: paused, resumed, stopped, cancelled, reopened, retargeted, reassigned, warning, breach, escalated...';
COMMENT ON COLUMN @extschema@.event.detail IS 'its particulars as JSON (metric, reason, levels, targets...)';
COMMENT ON VIEW @extschema@.event IS
    'what happened to a ticket''s SLA: level_chosen, clock_started, paused, resumed, retargeted, stopped, cancelled, reopened, reassigned, backfilled, tracked_on_update, key_changed, warning, breach, escalated, escalation_failed';

CREATE VIEW @extschema@.fact WITH (security_invoker = true) AS
    SELECT attachment_id, ticket_key::text AS ticket_key, seq, at, kind, detail FROM @extschema@.fact_int4
    UNION ALL
    SELECT attachment_id, ticket_key::text, seq, at, kind, detail FROM @extschema@.fact_int8
    UNION ALL
    SELECT attachment_id, ticket_key::text, seq, at, kind, detail FROM @extschema@.fact_uuid
    UNION ALL
    SELECT attachment_id, ticket_key, seq, at, kind, detail FROM @extschema@.fact_text;
COMMENT ON VIEW @extschema@.fact IS
    'the facts the clock model applied, per ticket in arrival order (seq): created, message, level, lifecycle';
COMMENT ON COLUMN @extschema@.fact.attachment_id IS 'the attachment (sla.attachment.id)';
COMMENT ON COLUMN @extschema@.fact.ticket_key IS 'the ticket''s key in its host table, as text';
COMMENT ON COLUMN @extschema@.fact.seq IS 'its number in the ticket''s log: 1, 2, 3... in arrival order';
COMMENT ON COLUMN @extschema@.fact.kind IS 'created, message, level or lifecycle';
COMMENT ON COLUMN @extschema@.fact.at IS
    'the instant it took effect (never before the ticket''s previous fact: a fact dated earlier takes effect then)';
COMMENT ON COLUMN @extschema@.fact.detail IS
    'what the clock model read: created {lifecycle, level}, message {author, public, response}, level {level}, lifecycle {lifecycle}';

-- A ticket's rows of one view (sla.ticket, sla.clock, sla.event or sla.fact: pass NULL::sla.clock
-- etc.), read from the table of its attachment's key type by the key: an index lookup, where a
-- condition on the views' text key would read all the attachment's rows.  Runs as the caller
-- (row-level security applies).  Used by explain, time_split and backfill.
CREATE FUNCTION @extschema@.ticket_rows(kind anyelement, att_id integer, ticket_key text)
    RETURNS SETOF anyelement
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    kt text;
    view_name text := pg_catalog.pg_typeof(kind)::text;
    tbl text;
BEGIN
    SELECT a.key_type INTO kt FROM @extschema@.attachment a WHERE a.id OPERATOR(pg_catalog.=) att_id;
    tbl := @extschema@.tracking_table(pg_catalog.regexp_replace(view_name, '^.*\.', ''), kt);
    IF tbl IS NULL OR view_name NOT IN ('@extschema@.ticket', '@extschema@.clock', '@extschema@.event', '@extschema@.fact') THEN
        RETURN;
    END IF;
    -- the view's columns in its order; the key back to text
    RETURN QUERY EXECUTE pg_catalog.format(
        'SELECT %s FROM %s x WHERE x.attachment_id OPERATOR(pg_catalog.=) $1 AND x.ticket_key OPERATOR(pg_catalog.=) $2::pg_catalog.%s',
        (SELECT pg_catalog.string_agg(CASE WHEN a.attname OPERATOR(pg_catalog.=) 'ticket_key' THEN 'x.ticket_key::pg_catalog.text'
                                           ELSE 'x.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(a.attname) END, ', ' ORDER BY a.attnum)
           FROM pg_catalog.pg_attribute a
          WHERE a.attrelid OPERATOR(pg_catalog.=) view_name::pg_catalog.regclass AND a.attnum OPERATOR(pg_catalog.>) 0
            AND NOT a.attisdropped),
        tbl, kt)
        USING att_id, ticket_key;
END
$$;
COMMENT ON FUNCTION @extschema@.ticket_rows(anyelement, integer, text) IS
    'one ticket''s rows of sla.ticket, sla.clock, sla.event or sla.fact (pass NULL::sla.clock etc.), read by the key from the table of its key type';

-- References from the tracking tables, kept without per-row foreign keys: deleting (or
-- renumbering) a level or calendar that clocks use is refused with 23503, deleting an
-- attachment deletes its tracking rows.  The engine's writers and these guards serialize on
-- table locks of the tracking tables (src/config_guard.c).
CREATE FUNCTION @extschema@.config_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_config_guard' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.config_guard() IS
    'keeps the references of sla.ticket, sla.clock and sla.event to levels, calendars and attachments valid (a foreign key''s job, without a check per inserted row)';
CREATE TRIGGER config_guard BEFORE DELETE OR UPDATE OF id ON @extschema@.level
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_guard('level');
CREATE TRIGGER config_guard BEFORE DELETE OR UPDATE OF id ON @extschema@.calendar
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_guard('calendar');
CREATE TRIGGER config_guard BEFORE DELETE OR UPDATE OF id ON @extschema@.attachment
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_guard('attachment');
CREATE TRIGGER config_guard_truncate BEFORE TRUNCATE ON @extschema@.level
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.config_guard('level');
CREATE TRIGGER config_guard_truncate BEFORE TRUNCATE ON @extschema@.calendar
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.config_guard('calendar');
CREATE TRIGGER config_guard_truncate BEFORE TRUNCATE ON @extschema@.attachment
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.config_guard('attachment');

-- The C triggers cache attachments and status maps per backend, dropped with the rest of the
-- configuration whenever either table changes.
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.attachment FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.status_map FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.attachment', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.attachment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.status_map', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.mapping_problem', '');

-- Validate one mapped column: it exists and its type is of an allowed kind; returns the kind.
CREATE FUNCTION @extschema@.mapped_column_kind(tbl regclass, field text, col text, allowed text[])
    RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    typ oid;
    kind text;
BEGIN
    IF col IS NULL THEN
        RAISE EXCEPTION 'mapping of % to % must name a column', field, tbl USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT a.atttypid INTO typ FROM pg_attribute a
     WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of relation % does not exist (mapping of %)', col, tbl, field
              USING ERRCODE = 'undefined_column';
    END IF;
    kind := CASE
        WHEN typ = 'timestamptz'::regtype THEN 'timestamptz'
        WHEN typ = 'timestamp'::regtype THEN 'timestamp'
        WHEN typ IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN 'integer'
        WHEN typ = 'uuid'::regtype THEN 'uuid'
        WHEN typ = 'bool'::regtype THEN 'boolean'
        WHEN typ IN ('text[]'::regtype, 'varchar[]'::regtype) THEN 'text_array'
        WHEN typ IN ('jsonb'::regtype, 'json'::regtype) THEN 'json'
        ELSE 'scalar' END;
    -- integer times are Unix epochs
    IF kind = 'integer' AND 'epoch' = ANY (allowed) AND NOT 'integer' = ANY (allowed) THEN
        kind := 'epoch';
    END IF;
    IF NOT kind = ANY (allowed) AND NOT (kind IN ('integer', 'uuid', 'timestamptz', 'timestamp', 'boolean') AND 'scalar' = ANY (allowed)) THEN
        RAISE EXCEPTION 'column "%" of relation % has type %, which cannot be mapped as %', col, tbl,
              format_type(typ, NULL), field
              USING ERRCODE = 'datatype_mismatch',
                    HINT = format('Map %s to a column of kind %s.', field, array_to_string(allowed, ' or '));
    END IF;
    RETURN kind;
END
$$;

-- ------------------------------------------------------------------ attach, detach, statuses

-- The tracking tables' key type for a host key column: its own type (a domain's base type) when
-- int4, int8 or uuid, else text.
CREATE FUNCTION @extschema@.key_type_of(tbl regclass, col text) RETURNS text
    LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE CASE WHEN t.typbasetype OPERATOR(pg_catalog.<>) 0 THEN t.typbasetype ELSE t.oid END
               WHEN 'pg_catalog.int4'::pg_catalog.regtype THEN 'int4'
               WHEN 'pg_catalog.int8'::pg_catalog.regtype THEN 'int8'
               WHEN 'pg_catalog.uuid'::pg_catalog.regtype THEN 'uuid'
               ELSE 'text' END
      FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
     WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attname OPERATOR(pg_catalog.=) col AND NOT a.attisdropped
$$;
COMMENT ON FUNCTION @extschema@.key_type_of(regclass, text) IS
    'the type sla stores the keys of a host key column in: int4, int8 or uuid when it is one (or a domain over one), else text';

CREATE FUNCTION @extschema@.attach(ticket_table regclass, mapping jsonb,
        message_table regclass DEFAULT NULL, message_mapping jsonb DEFAULT NULL,
        time_zone text DEFAULT 'UTC', strict boolean DEFAULT false, replace boolean DEFAULT false)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ticket_spec constant jsonb := '{
        "key": ["integer", "uuid", "scalar"], "created_at": ["timestamptz", "timestamp", "epoch"],
        "updated_at": ["timestamptz", "timestamp", "epoch"], "status": ["scalar"],
        "priority": ["scalar"], "channel": ["scalar"], "department": ["scalar"], "agent": ["scalar"],
        "requester": ["scalar"], "referrer": ["scalar"], "tags": ["text_array"],
        "custom_fields": ["json"], "deleted": ["boolean", "integer"], "created_by_invitation": ["boolean"]}';
    message_spec constant jsonb := '{
        "ticket": ["integer", "uuid", "scalar"], "created_at": ["timestamptz", "timestamp", "epoch"],
        "author_kind": ["scalar"], "public": ["boolean"], "internal": ["boolean"], "channel": ["scalar"],
        "updated_at": ["timestamptz", "timestamp", "epoch"], "published": ["boolean", "scalar"],
        "published_at": ["timestamptz", "timestamp", "epoch"]}';
    message_options constant text[] := ARRAY['customer_values', 'agent_values', 'system_values',
                                             'author_function', 'public_function', 'chat_values',
                                             'call_values', 'published_values', 'published_function'];
    m jsonb := '{}';
    kinds jsonb := '{}';
    mm jsonb := NULL;
    old_message_table regclass;
    k text;
    v jsonb;
    att_id integer;
    fn regprocedure;
    existing @extschema@.attachment;
    publish_when text;
    tracked_as text;
    has_rows boolean;
BEGIN
    IF ticket_table IS NULL OR mapping IS NULL OR jsonb_typeof(mapping) <> 'object' THEN
        RAISE EXCEPTION 'attach needs a ticket table and a JSON object mapping its columns'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF attach.strict IS NULL OR attach.replace IS NULL THEN
        RAISE EXCEPTION 'attach: strict and replace must be true or false, not NULL'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOR k IN SELECT jsonb_object_keys(mapping) LOOP
        IF NOT ticket_spec ? k THEN
            RAISE EXCEPTION 'unknown ticket mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys: ' || (SELECT string_agg(x, ', ') FROM jsonb_object_keys(ticket_spec) x) || '.';
        END IF;
    END LOOP;
    -- only a helpdesk's own tables: sla's tracking tables would feed the engine its own writes
    -- (every insert recursed until the stack ran out), views and sequences have no rows to track
    FOR k, v IN SELECT 'ticket table', to_jsonb(attach.ticket_table::oid)
                UNION ALL SELECT 'message table', to_jsonb(attach.message_table::oid) WHERE attach.message_table IS NOT NULL LOOP
        IF NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = (v #>> '{}')::oid AND c.relkind IN ('r', 'p')) THEN
            RAISE EXCEPTION 'cannot attach %: the % must be a table', (v #>> '{}')::oid::regclass, k
                  USING ERRCODE = 'wrong_object_type';
        END IF;
        IF (SELECT c.relnamespace FROM pg_class c WHERE c.oid = (v #>> '{}')::oid)
           = (SELECT e.extnamespace FROM pg_extension e WHERE e.extname = 'sla') THEN
            RAISE EXCEPTION 'cannot attach %: it belongs to sla itself', (v #>> '{}')::oid::regclass
                  USING ERRCODE = 'wrong_object_type', HINT = 'Attach the helpdesk''s own ticket and message tables.';
        END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['key', 'created_at', 'status'] LOOP
        IF NOT mapping ? k THEN
            RAISE EXCEPTION 'the ticket mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    FOR k, v IN SELECT * FROM jsonb_each(mapping) LOOP
        kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(ticket_table, k, v #>> '{}',
                     ARRAY(SELECT jsonb_array_elements_text(ticket_spec -> k))));
        m := m || jsonb_build_object(k, v #>> '{}');
    END LOOP;
    -- the key's own type, so lookups by key can use the host's index
    m := m || jsonb_build_object('kinds', kinds, 'key_type',
         (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
           WHERE a.attrelid = ticket_table AND a.attname = mapping ->> 'key'));
    -- and the tracking tables that store keys of that type
    tracked_as := @extschema@.key_type_of(ticket_table, mapping ->> 'key');

    IF message_table IS NOT NULL THEN
        IF message_mapping IS NULL OR jsonb_typeof(message_mapping) <> 'object' THEN
            RAISE EXCEPTION 'a message table needs a message mapping' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        mm := '{}';
        kinds := '{}';
        FOR k, v IN SELECT * FROM jsonb_each(message_mapping) LOOP
            IF k LIKE '%\_values' AND k = ANY (message_options) THEN
                -- a value list: strings (or numbers, read as their text), never a lone value
                IF jsonb_typeof(v) <> 'array'
                   OR EXISTS (SELECT FROM jsonb_array_elements(v) x WHERE jsonb_typeof(x) NOT IN ('string', 'number')) THEN
                    RAISE EXCEPTION 'message mapping key "%" must be a JSON array of values, not %', k, v
                          USING ERRCODE = 'invalid_parameter_value',
                                HINT = format('For example "%s": ["customer", "requester"].', k);
                END IF;
                mm := mm || jsonb_build_object(k, (SELECT jsonb_agg(x #>> '{}') FROM jsonb_array_elements(v) x));
            ELSIF k = ANY (message_options) THEN
                IF jsonb_typeof(v) <> 'string' THEN
                    RAISE EXCEPTION 'message mapping key "%" must name a function as a JSON string, not %', k, v
                          USING ERRCODE = 'invalid_parameter_value';
                END IF;
                mm := mm || jsonb_build_object(k, v);
            ELSIF message_spec ? k THEN
                kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(message_table, k, v #>> '{}',
                             ARRAY(SELECT jsonb_array_elements_text(message_spec -> k))));
                mm := mm || jsonb_build_object(k, v #>> '{}');
            ELSE
                RAISE EXCEPTION 'unknown message mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Keys: ticket, created_at, updated_at, author_kind, customer_values, agent_values, system_values, author_function, public, internal, public_function, channel, chat_values, call_values, published, published_values, published_function, published_at.';
            END IF;
        END LOOP;
        FOREACH k IN ARRAY ARRAY['ticket', 'created_at'] LOOP
            IF NOT mm ? k THEN
                RAISE EXCEPTION 'the message mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
            END IF;
        END LOOP;
        IF NOT (mm ? 'author_kind' OR mm ? 'author_function') THEN
            RAISE EXCEPTION 'the message mapping needs author_kind (a column with value lists) or author_function'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- drafts: published is a boolean column, or any column with the values meaning "sent",
        -- or a function of the row; published_at only dates what one of them publishes
        IF mm ? 'published' AND mm ? 'published_function' THEN
            RAISE EXCEPTION 'the message mapping names both published (column "%") and published_function: one tells drafts from published messages',
                  mm ->> 'published' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mm ? 'published_values' AND NOT mm ? 'published' THEN
            RAISE EXCEPTION 'the message mapping has published_values but no published column'
                  USING ERRCODE = 'invalid_parameter_value',
                        HINT = 'For example "published": "status", "published_values": ["sent"].';
        END IF;
        IF message_mapping -> 'published_values' = '[]' THEN
            RAISE EXCEPTION 'published_values of column "%" is empty: no message would ever count', mm ->> 'published'
                  USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mm ? 'published' AND kinds ->> 'published' <> 'boolean' AND NOT mm ? 'published_values' THEN
            RAISE EXCEPTION 'column "%" of relation % has type %, which cannot be mapped as published without published_values',
                  mm ->> 'published', message_table,
                  (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                    WHERE a.attrelid = attach.message_table AND a.attname = mm ->> 'published')
                  USING ERRCODE = 'datatype_mismatch',
                        HINT = 'Map a boolean column, or list the values meaning published: "published_values": ["sent"].';
        END IF;
        IF mm ? 'published_at' AND NOT (mm ? 'published' OR mm ? 'published_function') THEN
            RAISE EXCEPTION 'the message mapping has published_at (column "%") but neither published nor published_function',
                  mm ->> 'published_at' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- a function signature is read with the message table's schema on the search path, so
        -- its argument may be written unqualified (my_author(desk_message)); it is stored
        -- qualified, as the engine reads it under its own fixed search path
        FOREACH k IN ARRAY ARRAY['author_function', 'public_function', 'published_function'] LOOP
            CONTINUE WHEN NOT mm ? k;
            PERFORM set_config('search_path', format('%I, pg_catalog, pg_temp',
                               (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                 WHERE c.oid = attach.message_table)), true);
            fn := (mm ->> k)::regprocedure;
            PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
            PERFORM @extschema@.check_function_registration(fn, format('the %s of %s', k, message_table));
            IF k = 'published_function' AND (SELECT p.prorettype FROM pg_proc p WHERE p.oid = fn) <> 'boolean'::regtype THEN
                RAISE EXCEPTION 'the published_function % of % returns %, not boolean', fn, message_table,
                      format_type((SELECT p.prorettype FROM pg_proc p WHERE p.oid = fn), NULL)
                      USING ERRCODE = 'datatype_mismatch';
            END IF;
            mm := mm || jsonb_build_object(k, fn::text);
        END LOOP;
        mm := mm || jsonb_build_object('kinds', kinds);
    END IF;

    -- a second attach of a live table would silently swap the mapping the helpdesk's writes are
    -- read with (a setup script run twice): only on request.  A detached table is attached again.
    SELECT * INTO existing FROM @extschema@.attachment a WHERE a.ticket_table = attach.ticket_table FOR UPDATE;
    IF FOUND AND existing.attached AND NOT attach.replace THEN
        RAISE EXCEPTION 'table % is already attached (attachment %)', ticket_table, existing.id
              USING ERRCODE = 'duplicate_object',
                    HINT = 'To replace its mapping, call sla.attach(..., replace => true); its clocks, status map and problems stay.';
    END IF;
    -- the tickets tracked so far are stored with keys of the old type: a new key type would
    -- leave them where the engine no longer looks
    IF FOUND AND existing.key_type <> tracked_as THEN
        EXECUTE format('SELECT EXISTS (SELECT FROM %s t WHERE t.attachment_id OPERATOR(pg_catalog.=) $1)',
                       @extschema@.tracking_table('ticket', existing.key_type))
           INTO has_rows USING existing.id;
        IF has_rows THEN
            RAISE EXCEPTION 'cannot attach % again with a % key: its tickets are tracked with % keys', ticket_table,
                  tracked_as, existing.key_type
                  USING ERRCODE = 'object_not_in_prerequisite_state',
                        HINT = 'Keep the key column''s type, or delete the attachment''s tracking rows first (DELETE FROM sla.attachment drops them with it).';
        END IF;
    END IF;
    IF message_table IS NOT NULL THEN
        SELECT * INTO existing FROM @extschema@.attachment a
         WHERE a.message_table = attach.message_table AND a.ticket_table <> attach.ticket_table;
        IF FOUND THEN
            RAISE EXCEPTION 'message table % is already attached to %', message_table, existing.ticket_table
                  USING ERRCODE = 'duplicate_object',
                        HINT = 'A message table serves one ticket table: attach that one again without it first.';
        END IF;
    END IF;
    -- replacing the mapping: a message table no longer named loses its trigger; the triggers of
    -- the ticket table are made again below, so every one of them exists afterwards
    SELECT a.message_table INTO old_message_table FROM @extschema@.attachment a
     WHERE a.ticket_table = attach.ticket_table;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message') THEN
        EXECUTE format('DROP TRIGGER sla_message ON %s', old_message_table);
    END IF;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message_update') THEN
        EXECUTE format('DROP TRIGGER sla_message_update ON %s', old_message_table);
    END IF;
    IF old_message_table IS NOT NULL AND old_message_table IS DISTINCT FROM message_table
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = old_message_table AND t.tgname = 'sla_message_statement_end') THEN
        EXECUTE format('DROP TRIGGER sla_message_statement_end ON %s', old_message_table);
    END IF;
    INSERT INTO @extschema@.attachment AS a (ticket_table, mapping, message_table, message_mapping, time_zone, strict, key_type)
         VALUES (attach.ticket_table, m, attach.message_table, mm, attach.time_zone, attach.strict, tracked_as)
    ON CONFLICT ON CONSTRAINT attachment_ticket_table_key DO UPDATE
         SET mapping = EXCLUDED.mapping, message_table = EXCLUDED.message_table,
             message_mapping = EXCLUDED.message_mapping, time_zone = EXCLUDED.time_zone,
             strict = EXCLUDED.strict, attached = true, key_type = EXCLUDED.key_type
    RETURNING a.id INTO att_id;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket') THEN
        EXECUTE format('DROP TRIGGER sla_ticket ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_update') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_update ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_delete') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_delete ON %s', ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_truncate') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_truncate ON %s', ticket_table);
    END IF;
    EXECUTE format('CREATE TRIGGER sla_ticket_truncate AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.ticket_table_truncated(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_inserted(%s)',
                   ticket_table, att_id);
    -- the new tickets of one INSERT are written together when it ends (src/new_ticket_batch.c)
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.ticket_table AND t.tgname = 'sla_ticket_statement_end') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_statement_end ON %s', ticket_table);
    END IF;
    EXECUTE format('CREATE TRIGGER sla_ticket_statement_end AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.ticket_statement_end()',
                   ticket_table);
    EXECUTE format('CREATE TRIGGER sla_ticket_update AFTER UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_changed(%s)',
                   ticket_table, att_id);
    EXECUTE format('CREATE TRIGGER sla_ticket_delete AFTER DELETE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.ticket_deleted(%s)',
                   ticket_table, att_id);
    IF message_table IS NOT NULL THEN
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message') THEN
            EXECUTE format('DROP TRIGGER sla_message ON %s', message_table);
        END IF;
        EXECUTE format('CREATE TRIGGER sla_message AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.message_added(%s)',
                       message_table, att_id);
        -- the messages of one INSERT are applied together when it ends (src/message_batch.c)
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message_statement_end') THEN
            EXECUTE format('DROP TRIGGER sla_message_statement_end ON %s', message_table);
        END IF;
        EXECUTE format('CREATE TRIGGER sla_message_statement_end AFTER INSERT ON %s FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.message_statement_end()',
                       message_table);
        IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = attach.message_table AND t.tgname = 'sla_message_update') THEN
            EXECUTE format('DROP TRIGGER sla_message_update ON %s', message_table);
        END IF;
        -- the update that publishes a draft counts; the WHEN clause keeps the helpdesk's draft
        -- autosaves out of C: a boolean column exactly (only the update that sets it true), a
        -- value list by any change of the column (C compares the values, numerically on numeric
        -- columns).  A published_function runs as its owner in C, so it gets no WHEN clause: a
        -- WHEN clause would run it as the writer.
        publish_when := CASE
            WHEN mm ? 'published' AND NOT mm ? 'published_values'
                THEN format('WHEN (NEW.%I IS TRUE AND OLD.%I IS NOT TRUE) ', mm ->> 'published', mm ->> 'published')
            WHEN mm ? 'published'
                THEN format('WHEN (OLD.%I::pg_catalog.text IS DISTINCT FROM NEW.%I::pg_catalog.text) ', mm ->> 'published', mm ->> 'published')
            ELSE '' END;
        IF mm ? 'published' OR mm ? 'published_function' THEN
            EXECUTE format('CREATE TRIGGER sla_message_update AFTER UPDATE ON %s FOR EACH ROW %sEXECUTE FUNCTION @extschema@.message_updated(%s)',
                           message_table, publish_when, att_id);
        END IF;
    END IF;
    RETURN att_id;
END
$$;
COMMENT ON FUNCTION @extschema@.attach(regclass, jsonb, regclass, jsonb, text, boolean, boolean) IS
    'attaches sla to a helpdesk''s ticket (and message) table through a column mapping; adds row triggers, never columns; returns the attachment id.  strict: unclassifiable values fail the write; replace: an attached table gets the new mapping (else 42710)';

CREATE FUNCTION @extschema@.detach(ticket_table regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att @extschema@.attachment;
BEGIN
    SELECT * INTO att FROM @extschema@.attachment a WHERE a.ticket_table = detach.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket') THEN
        EXECUTE format('DROP TRIGGER sla_ticket ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_update') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_update ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_delete') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_delete ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_truncate') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_truncate ON %s', att.ticket_table);
    END IF;
    IF EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.ticket_table AND t.tgname = 'sla_ticket_statement_end') THEN
        EXECUTE format('DROP TRIGGER sla_ticket_statement_end ON %s', att.ticket_table);
    END IF;
    IF att.message_table IS NOT NULL
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.message_table AND t.tgname = 'sla_message') THEN
        EXECUTE format('DROP TRIGGER sla_message ON %s', att.message_table);
    END IF;
    IF att.message_table IS NOT NULL
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.message_table AND t.tgname = 'sla_message_update') THEN
        EXECUTE format('DROP TRIGGER sla_message_update ON %s', att.message_table);
    END IF;
    IF att.message_table IS NOT NULL
       AND EXISTS (SELECT FROM pg_trigger t WHERE t.tgrelid = att.message_table AND t.tgname = 'sla_message_statement_end') THEN
        EXECUTE format('DROP TRIGGER sla_message_statement_end ON %s', att.message_table);
    END IF;
    UPDATE @extschema@.attachment a SET attached = false WHERE a.id = att.id;
END
$$;
COMMENT ON FUNCTION @extschema@.detach(regclass) IS
    'removes the triggers sla added and nothing else: clocks, events and the mapping stay';

CREATE FUNCTION @extschema@.map_status(ticket_table regclass, status text, lifecycle text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
BEGIN
    SELECT a.id INTO att_id FROM @extschema@.attachment a WHERE a.ticket_table = map_status.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    INSERT INTO @extschema@.status_map AS s VALUES (att_id, map_status.status, map_status.lifecycle)
    ON CONFLICT ON CONSTRAINT status_map_pkey DO UPDATE SET lifecycle = EXCLUDED.lifecycle;
END
$$;
COMMENT ON FUNCTION @extschema@.map_status(regclass, text, text) IS
    'maps a ticket status value to open, paused, solved, closed or deleted';

-- ------------------------------------------------------------------ health

-- The health view (what needs a DBA's attention) is in 96_health.sql, once every kind of item
-- it lists exists.

-- Clearing problems once fixed (or judged harmless): a value met again is recorded and announced
-- again, counted from one.
CREATE FUNCTION @extschema@.clear_mapping_problems(ticket_table regclass, field text DEFAULT NULL,
        value text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
    n integer;
BEGIN
    SELECT a.id INTO att_id FROM @extschema@.attachment a WHERE a.ticket_table = clear_mapping_problems.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    DELETE FROM @extschema@.mapping_problem p
     WHERE p.attachment_id = att_id
       AND (clear_mapping_problems.field IS NULL OR p.field = clear_mapping_problems.field)
       AND (clear_mapping_problems.value IS NULL OR p.value = clear_mapping_problems.value);
    GET DIAGNOSTICS n = ROW_COUNT;
    -- on a Citus coordinator the workers' problems too (each node records those it met;
    -- 96_citus.sql): deleted there in the workers' own transactions
    SELECT n + pg_catalog.count(*) INTO n
      FROM @extschema@.citus_worker_rows(pg_catalog.format(
               'DELETE FROM @extschema@.mapping_problem p WHERE p.attachment_id = %s AND (%L::text IS NULL OR p.field = %L) AND (%L::text IS NULL OR p.value = %L) RETURNING 1',
               att_id, clear_mapping_problems.field, clear_mapping_problems.field,
               clear_mapping_problems.value, clear_mapping_problems.value));
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.clear_mapping_problems(regclass, text, text) IS
    'deletes the mapping problems of an attachment (of one field, of one value); returns how many';

-- ------------------------------------------------------------------ clock primitives

-- The clock model is C (src/core/clockflow.c, applied by src/ticket_flow.c): the triggers call
-- it directly; these SQL entry points serve the PL/pgSQL parts (backfill, escalations, the
-- TRUNCATE and DROP triggers).
CREATE FUNCTION @extschema@.log_event(att_id integer, key text, clock bigint, at timestamptz,
                                      kind text, detail jsonb DEFAULT NULL) RETURNS void
    AS 'MODULE_PATHNAME', 'sla_log_event_sql' LANGUAGE C;

-- The ticket's lifecycle changed at `at` (a lifecycle fact); false when it is not tracked.
CREATE FUNCTION @extschema@.apply_lifecycle(att_id integer, key text, lifecycle text, at timestamptz)
    RETURNS boolean AS 'MODULE_PATHNAME', 'sla_apply_lifecycle_sql' LANGUAGE C;

-- Cancel one running or paused clock outside its ticket's history: its ticket table was
-- truncated or dropped (the reason says which).
CREATE FUNCTION @extschema@.cancel_clock(clock_id bigint, at timestamptz, reason text) RETURNS void
    AS 'MODULE_PATHNAME', 'sla_cancel_clock_sql' LANGUAGE C;

-- The ticket gets another level (a level fact): active clocks are re-targeted from their start,
-- keeping paused time, a clock whose metric the new level does not measure is cancelled, and
-- what the new level measures and the old one did not starts.
CREATE FUNCTION @extschema@.retarget_clocks(att_id integer, key text, lvl integer, at timestamptz)
    RETURNS void AS 'MODULE_PATHNAME', 'sla_retarget_clocks_sql' LANGUAGE C;

-- ------------------------------------------------------------------ reading the host rows

-- What the engine reads from a ticket row (key, lifecycle with the deleted flag, creation and
-- update instants), for sla.backfill(); C, the triggers' own code.
CREATE FUNCTION @extschema@.ticket_facts(att_id integer, ticket anyelement, OUT key text, OUT lifecycle text,
                                         OUT created_at timestamptz, OUT updated_at timestamptz)
    AS 'MODULE_PATHNAME', 'sla_ticket_facts_sql' LANGUAGE C STABLE;

-- The lifecycle the status map gives one status of a ticket's status history, for sla.backfill():
-- compared as the ticket table's status column would be; NULL for a value the map lacks (recorded
-- as a mapping problem, or 22023 when the attachment is strict).  C (src/status_history.c).
CREATE FUNCTION @extschema@.history_lifecycle(att_id integer, status anyelement, ticket_key text)
    RETURNS text AS 'MODULE_PATHNAME', 'sla_history_lifecycle' LANGUAGE C;

-- A mapped time column of a host table or view (alias x) as a timestamptz expression: a
-- timestamp is in the attachment's zone, an integer is Unix seconds (as the C code reads them).
CREATE FUNCTION @extschema@.instant_expression(col text, kind text, time_zone text) RETURNS text
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE kind
        WHEN 'timestamp' THEN pg_catalog.format('pg_catalog.timezone(%L, x.%I)', time_zone, col)
        WHEN 'epoch' THEN pg_catalog.format('pg_catalog.to_timestamp(x.%I::pg_catalog.float8)', col)
        ELSE pg_catalog.format('x.%I', col) END
$$;

-- The attributes rules see, as the engine reads them from a ticket row, as the JSON
-- sla.match_rules() takes (the dry run).  C, sharing the triggers' code.
CREATE FUNCTION @extschema@.ticket_attributes(att_id integer, ticket anyelement) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'sla_ticket_attributes_sql' LANGUAGE C STABLE;

-- ------------------------------------------------------------------ the triggers

-- Start tracking a ticket row (of the attached table's row type): choose its level, record the
-- choice, start its first_response, periodic_update and resolution clocks.  C (src/ticket_trigger.c),
-- shared with the INSERT trigger.
CREATE FUNCTION @extschema@.track_ticket(att_id integer, ticket anyelement, lifecycle text, at timestamptz)
    RETURNS void AS 'MODULE_PATHNAME', 'sla_track_ticket_sql' LANGUAGE C;

-- A new ticket (AFTER INSERT row trigger; argument: the attachment id).
CREATE FUNCTION @extschema@.ticket_inserted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_ticket_inserted' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.ticket_inserted() IS
    'row trigger sla.attach() puts on a ticket table for INSERT: chooses the level and starts the clocks (C)';

-- The end of an INSERT on a ticket table (AFTER INSERT statement trigger): the new tickets its
-- row trigger queued are written in one statement (src/new_ticket_batch.c).
CREATE FUNCTION @extschema@.ticket_statement_end() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_ticket_statement_end' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.ticket_statement_end() IS
    'statement trigger sla.attach() puts on a ticket table for INSERT: writes the tracking rows of the new tickets the statement''s row trigger queued (C)';

-- The end of an INSERT on a message table (AFTER INSERT statement trigger): the messages its
-- row trigger queued are applied for all their tickets at once (src/message_batch.c).
CREATE FUNCTION @extschema@.message_statement_end() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_message_statement_end' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.message_statement_end() IS
    'statement trigger sla.attach() puts on a message table for INSERT: applies the messages the statement''s row trigger queued, all their tickets at once (C)';

-- A ticket row deleted outright (AFTER DELETE row trigger): its running clocks are cancelled.
CREATE FUNCTION @extschema@.ticket_deleted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_ticket_deleted' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.ticket_deleted() IS
    'row trigger sla.attach() puts on a ticket table for DELETE: a deleted row cancels its running clocks (C)';

-- An updated ticket (AFTER UPDATE row trigger; argument: the attachment id).
CREATE FUNCTION @extschema@.ticket_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_ticket_updated' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.ticket_changed() IS
    'row trigger sla.attach() puts on a ticket table for UPDATE: pauses, resumes, stops, cancels, reopens and re-targets clocks, and re-runs the on_update rules';

-- What a message does to the clocks (C, src/message_trigger.c): msg is a row of the attached
-- message table.  The message trigger runs the same code; sla.backfill() calls this.
CREATE FUNCTION @extschema@.process_message(att_id integer, msg anyelement) RETURNS void
    AS 'MODULE_PATHNAME', 'sla_process_message_sql' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.process_message(integer, anyelement) IS
    'the clock logic of one message row (used by the message trigger and by backfill)';

CREATE FUNCTION @extschema@.message_added() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_message_added' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.message_added() IS
    'row trigger sla.attach() puts on a message table: a public agent reply stops response clocks, a customer message after a reply starts next_response (chat_response / call_response on those channels)';

-- A draft published by an UPDATE (AFTER UPDATE row trigger sla_message_update, made by attach
-- only when the message mapping has published or published_function; argument: the attachment
-- id): the update that publishes is the message's fact, as an insert of a published message is.
CREATE FUNCTION @extschema@.message_updated() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_message_updated' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.message_updated() IS
    'row trigger sla.attach() puts on a message table with drafts: the update that publishes a draft counts as the message, dated by published_at, updated_at or now(); autosaves and edits of published messages move nothing';

-- Whether a message row is published and since when, as the triggers read it (C), for
-- sla.backfill(): it replays published messages in the order they were published.
CREATE FUNCTION @extschema@.message_facts(att_id integer, msg anyelement, OUT published boolean,
                                          OUT published_at timestamptz)
    AS 'MODULE_PATHNAME', 'sla_message_facts_sql' LANGUAGE C STABLE;
COMMENT ON FUNCTION @extschema@.message_facts(integer, anyelement) IS
    'whether a message row is published (not a draft) and its published instant (published_at, else created_at), as the engine reads it; used by backfill';

-- ------------------------------------------------------------------ truncated or dropped host tables

-- TRUNCATE of an attached ticket table (AFTER TRUNCATE statement trigger made by attach): every
-- ticket is gone at once, so its running and paused clocks are cancelled and its tickets marked
-- deleted, as a DELETE of each row would.  It runs as the truncating role, which needs
-- sla_writer like any writer of the table; without it the TRUNCATE is refused (42501).
CREATE FUNCTION @extschema@.ticket_table_truncated() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
    c record;
BEGIN
    IF TG_WHEN <> 'AFTER' OR TG_LEVEL <> 'STATEMENT' OR TG_OP <> 'TRUNCATE' OR TG_NARGS <> 1
       OR TG_NAME <> 'sla_ticket_truncate' OR TG_ARGV[0] !~ '^[0-9]{1,9}$' THEN
        RAISE EXCEPTION 'sla.ticket_table_truncated() must be the AFTER TRUNCATE statement trigger "sla_ticket_truncate" with the attachment id as argument'
              USING ERRCODE = 'E0001', HINT = 'Let sla.attach() create it.';
    END IF;
    att_id := TG_ARGV[0]::integer;
    IF NOT EXISTS (SELECT FROM @extschema@.attachment a WHERE a.id = att_id AND a.ticket_table = TG_RELID) THEN
        RAISE EXCEPTION 'trigger "sla_ticket_truncate" on %.% names attachment %, which is not attached to it',
              TG_TABLE_SCHEMA, TG_TABLE_NAME, att_id USING ERRCODE = 'E0001';
    END IF;
    FOR c IN SELECT k.id FROM @extschema@.clock k
              WHERE k.attachment_id = att_id AND k.state IN ('running', 'paused') ORDER BY k.id LOOP
        PERFORM @extschema@.cancel_clock(c.id, now(), 'ticket table truncated');
    END LOOP;
    EXECUTE format('UPDATE %s t SET lifecycle = ''deleted'' WHERE t.attachment_id OPERATOR(pg_catalog.=) $1
                    AND t.lifecycle OPERATOR(pg_catalog.<>) ''deleted''',
                   @extschema@.tracking_table('ticket', (SELECT a.key_type FROM @extschema@.attachment a WHERE a.id = att_id)))
       USING att_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.ticket_table_truncated() IS
    'statement trigger sla.attach() puts on a ticket table for TRUNCATE: cancels the attachment''s running and paused clocks and marks its tickets deleted';

-- DROP TABLE of an attached table (sql_drop event trigger): the attachment is marked detached,
-- its running and paused clocks are cancelled (a dropped helpdesk answers nobody), and a
-- dropped message table is forgotten.  Clocks, events and the mapping stay for the reports.
-- SECURITY DEFINER because the dropping role (the table's owner) need not hold any sla
-- privilege and its DROP must not fail because of sla; it acts only on the attachments of the
-- tables this very command dropped, which pg_event_trigger_dropped_objects() alone reports.
CREATE FUNCTION @extschema@.host_table_dropped() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a record;
    c record;
BEGIN
    FOR a IN SELECT DISTINCT att.id, att.ticket_table::oid AS ticket_oid, att.message_table::oid AS message_oid, d.objid
               FROM pg_event_trigger_dropped_objects() d
               JOIN @extschema@.attachment att
                 ON d.objid IN (att.ticket_table::oid, att.message_table::oid)
              WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0 LOOP
        IF a.objid = a.ticket_oid THEN
            FOR c IN SELECT k.id FROM @extschema@.clock k
                      WHERE k.attachment_id = a.id AND k.state IN ('running', 'paused') ORDER BY k.id LOOP
                PERFORM @extschema@.cancel_clock(c.id, now(), 'ticket table dropped');
            END LOOP;
            UPDATE @extschema@.attachment att SET attached = false WHERE att.id = a.id;
        ELSE
            UPDATE @extschema@.attachment att SET message_table = NULL WHERE att.id = a.id;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.host_table_dropped() IS
    'sql_drop event trigger: an attached ticket table dropped cancels its running clocks and marks the attachment detached; a dropped message table is forgotten';
CREATE EVENT TRIGGER sla_host_table_dropped ON sql_drop
    WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION @extschema@.host_table_dropped();
