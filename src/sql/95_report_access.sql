-- 95_report_access.sql — where a ticket's time went, the reports as JSON for REST layers, and the
-- roles sla_reader, sla_admin and sla_writer (second part of issue 4).

-- Who held a ticket during each clock.  The ticket's holder at an instant is the values of the
-- last 'reassigned' event at or before it.  Before the ticket's first reassignment the holder is
-- the one that reassignment records as replaced (events written since the previous holder is
-- recorded), else the clock's own department/agent when the clock saw no reassignment while it
-- ran (the snapshot taken at its start), else the holder recorded by a clock of the ticket that
-- stopped by the first reassignment, else unknown (null, for events written before the previous
-- holder was recorded).  Paused stretches are not cut out: business_time counts them, paused_time says how
-- much of it the clock spent paused (from a 'paused' or 'stopped' event of the clock to its next
-- 'resumed', 'reopened' or 'cancelled' event).
CREATE FUNCTION @extschema@.time_split(ticket_table regclass, ticket_key text, time_zone text DEFAULT 'UTC',
        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (metric @extschema@.metric, cycle integer, department text, agent text,
                   stretch_start timestamptz, stretch_end timestamptz, local_start timestamp, local_end timestamp,
                   business_time @extschema@.business_interval, paused_time @extschema@.business_interval,
                   calendar_time interval)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    att_id integer;
BEGIN
    SELECT a.id INTO att_id FROM @extschema@.attachment a WHERE a.ticket_table = time_split.ticket_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached', ticket_table USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM @extschema@.valid_time_zone(time_zone);
    -- an infinite as_of would make open stretches infinite: refused the same on every major
    -- (PostgreSQL 17 has infinite intervals, 15 and 16 report an overflow)
    IF NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'time_split needs a finite as_of, not %', as_of USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH events AS MATERIALIZED (
        SELECT e.* FROM @extschema@.ticket_rows(NULL::@extschema@.event, att_id, time_split.ticket_key) e
    ), ticket_clocks AS MATERIALIZED (
        SELECT k.* FROM @extschema@.ticket_rows(NULL::@extschema@.clock, att_id, time_split.ticket_key) k
    ), moves AS (
        SELECT e.id, e.at, e.detail ->> 'department' AS dep, e.detail ->> 'agent' AS agt,
               e.detail ->> 'from_department' AS fdep, e.detail ->> 'from_agent' AS fagt,
               e.detail ? 'from_department' AS has_from
          FROM events e
         WHERE e.kind = 'reassigned'
    ), origin AS (
        SELECT k.department AS dep, k.agent AS agt
          FROM ticket_clocks k
         WHERE k.stopped_at IS NOT NULL
           AND k.stopped_at <= coalesce((SELECT min(m.at) FROM moves m), 'infinity')
         ORDER BY k.started_at, k.id LIMIT 1
    ), clocks AS (
        SELECT k.*, least(coalesce(k.stopped_at, 'infinity'), as_of) AS till
          FROM ticket_clocks k
         WHERE k.started_at <= as_of
    ), pieces AS (
        SELECT k.id AS clock_id, k.started_at AS s, h.dep, h.agt, 0::bigint AS ord
          FROM clocks k
          CROSS JOIN LATERAL (
              SELECT x.dep, x.agt FROM (
                  SELECT m.dep, m.agt, 1 AS pref, m.at, m.id FROM moves m WHERE m.at <= k.started_at
                  UNION ALL
                  -- the holder a later reassignment records as the one it replaced
                  SELECT f.fdep, f.fagt, 2, NULL, NULL
                    FROM (SELECT m.fdep, m.fagt FROM moves m WHERE m.at > k.started_at AND m.has_from
                           ORDER BY m.at, m.id LIMIT 1) f
                  UNION ALL
                  SELECT k.department, k.agent, 3, NULL, NULL
                   WHERE NOT EXISTS (SELECT FROM moves m WHERE m.at > k.started_at
                                                         AND m.at < coalesce(k.stopped_at, 'infinity'))
                  UNION ALL
                  SELECT o.dep, o.agt, 4, NULL, NULL FROM origin o
                  UNION ALL
                  SELECT NULL, NULL, 5, NULL, NULL) x
               ORDER BY x.pref, x.at DESC, x.id DESC LIMIT 1) h
        UNION ALL
        SELECT k.id, m.at, m.dep, m.agt, m.id
          FROM clocks k JOIN moves m ON m.at > k.started_at AND m.at < k.till
    ), stretches AS (
        SELECT p.clock_id, p.dep, p.agt, p.s,
               coalesce(lead(p.s) OVER (PARTITION BY p.clock_id ORDER BY p.s, p.ord), k.till) AS e
          FROM pieces p JOIN clocks k ON k.id = p.clock_id
    ), pauses AS (
        SELECT p.clock_id, p.at AS ps,
               coalesce((SELECT min(q.at) FROM events q
                          WHERE q.clock_id = p.clock_id AND q.kind IN ('resumed', 'reopened', 'cancelled')
                            AND (q.at, q.id) > (p.at, p.id)), 'infinity') AS pe
          FROM events p
         WHERE p.kind IN ('paused', 'stopped')
    )
    SELECT k.metric, k.cycle, st.dep, st.agt, st.s, st.e,
           st.s AT TIME ZONE time_split.time_zone, st.e AT TIME ZONE time_split.time_zone,
           @extschema@.business_between(st.s, st.e, k.calendar_id),
           coalesce((SELECT @extschema@.sum(@extschema@.business_between(greatest(pz.ps, st.s), least(pz.pe, st.e),
                                                                          k.calendar_id))
                       FROM pauses pz
                      WHERE pz.clock_id = k.id AND greatest(pz.ps, st.s) < least(pz.pe, st.e)),
                    '00:00:00'::@extschema@.business_interval),
           st.e OPERATOR(pg_catalog.-) st.s
      FROM stretches st JOIN clocks k ON k.id = st.clock_id
     WHERE st.e > st.s
     ORDER BY k.started_at, k.metric, k.cycle, st.s;
END
$$;
COMMENT ON FUNCTION @extschema@.time_split(regclass, text, text, timestamptz) IS
    'where a ticket''s SLA time went: per clock and per stretch in which one department/agent held the ticket, business time (paused time included, paused_time reported apart) and calendar time, clipped to the clock''s start and its stop or as_of';

CREATE FUNCTION @extschema@.sla_log_json(as_of timestamptz DEFAULT pg_catalog.now(), only_department text DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.started_at, l.ticket_table::text, l.ticket, l.metric, l.cycle),
                    '[]'::jsonb)
      FROM @extschema@.sla_log_at(as_of, only_department) l
$$;
COMMENT ON FUNCTION @extschema@.sla_log_json(timestamptz, text) IS
    'the SLA log as a JSON array (one object per sla_log_at row, keys = its column names, business intervals as text), for REST layers such as PostgREST';

CREATE FUNCTION @extschema@.compliance_report_json(from_time timestamptz, to_time timestamptz,
        group_by text[] DEFAULT ARRAY['day', 'department', 'level', 'metric'], time_zone text DEFAULT 'UTC',
        as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.period, r.department, r.agent, r.level, r.metric), '[]'::jsonb)
      FROM @extschema@.compliance_report(from_time, to_time, group_by, time_zone, as_of => as_of) r
$$;
COMMENT ON FUNCTION @extschema@.compliance_report_json(timestamptz, timestamptz, text[], text, timestamptz) IS
    'compliance_report() as a JSON array (one object per group, keys = its column names, business intervals as text), for REST layers such as PostgREST';

-- ------------------------------------------------------------------ roles
-- Roles belong to the cluster, not to a database: they are created when missing (a second
-- database creating the extension finds them) and DROP EXTENSION leaves them.  The privileges
-- granted here are on the extension's objects and go with them.  Nothing is SECURITY DEFINER:
-- reports and triggers run as the caller, so each role holds the table privileges its functions
-- need.  PostgreSQL grants EXECUTE on functions to PUBLIC; the grants below make the intent
-- explicit, the table and schema privileges are what gate access.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['sla_reader', 'sla_admin', 'sla_writer'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
            BEGIN
                EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object THEN
                NULL;		-- created meanwhile by another database's CREATE EXTENSION
            END;
        END IF;
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA @extschema@ TO sla_reader, sla_admin, sla_writer;

-- sla_reader: reads every table and view of the schema (the reports read clocks, events,
-- attachments, levels and calendars as the caller), changes nothing.
GRANT SELECT ON ALL TABLES IN SCHEMA @extschema@ TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.sla_log_at(timestamptz, text, timestamptz, timestamptz),
    @extschema@.compliance_report(timestamptz, timestamptz, text[], text, text, text, text, @extschema@.metric, timestamptz),
    @extschema@.clock_used(@extschema@.clock, timestamptz),
    @extschema@.time_split(regclass, text, text, timestamptz),
    @extschema@.sla_log_json(timestamptz, text),
    @extschema@.compliance_report_json(timestamptz, timestamptz, text[], text, timestamptz),
    @extschema@.business_add(timestamptz, @extschema@.business_interval, text),
    @extschema@.business_add(timestamptz, @extschema@.business_interval, integer),
    @extschema@.business_between(timestamptz, timestamptz, text),
    @extschema@.business_between(timestamptz, timestamptz, integer),
    @extschema@.is_open(timestamptz, text), @extschema@.is_open(timestamptz, integer),
    @extschema@.next_open(timestamptz, text), @extschema@.next_open(timestamptz, integer),
    @extschema@.next_close(timestamptz, text), @extschema@.next_close(timestamptz, integer),
    @extschema@.open_periods(text, timestamptz, timestamptz), @extschema@.open_periods(integer, timestamptz, timestamptz)
    TO sla_reader, sla_admin;

-- sla_admin: reads everything and edits the configuration: calendars, levels and targets,
-- rules, escalations, status mappings.  Editing a level or calendar re-targets running clocks
-- (a trigger, run as the editor: it locks each ticket's row, moves its clocks and records a
-- retargeted event), hence UPDATE on sla.ticket and sla.clock and INSERT on sla.event.
GRANT INSERT, UPDATE, DELETE ON
    @extschema@.calendar, @extschema@.calendar_hours, @extschema@.calendar_holiday,
    @extschema@.calendar_special_day, @extschema@.calendar_special_hours,
    @extschema@.level, @extschema@.level_target, @extschema@.attribute, @extschema@.rule,
    @extschema@.rule_condition, @extschema@.escalation, @extschema@.status_map
    TO sla_admin;
GRANT USAGE ON SEQUENCE @extschema@.event_id_seq TO sla_admin;
GRANT USAGE ON SEQUENCE @extschema@.calendar_id_seq, @extschema@.level_id_seq, @extschema@.rule_id_seq,
    @extschema@.escalation_id_seq TO sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.define_calendar(text, text, text),
    @extschema@.add_holiday(text, date, text, boolean),
    @extschema@.set_special_day(text, date, text, text),
    @extschema@.map_status(regclass, text, text),
    @extschema@.clear_mapping_problems(regclass, text, text)
    TO sla_admin;
GRANT EXECUTE ON FUNCTION @extschema@.define_level(text, text, @extschema@.business_interval,
    @extschema@.business_interval, @extschema@.business_interval, @extschema@.business_interval,
    @extschema@.business_interval, @extschema@.business_interval, numeric, boolean) TO sla_admin;

-- sla_writer: what the ticket and message triggers need, for a helpdesk application role that
-- writes tickets and messages (the triggers run as that role).
-- The tracking tables of every key type, as 0.1.0 granted its single set (the views read them
-- with the caller's rights).  The fact log: a fact applied out of canonical order replays the
-- ticket, which may remove the clocks and events of that instant that no longer happen.
GRANT SELECT ON @extschema@.ticket, @extschema@.clock, @extschema@.event, @extschema@.fact TO sla_writer;
DO $$
DECLARE
    kt text;
BEGIN
    FOREACH kt IN ARRAY ARRAY['int4', 'int8', 'uuid', 'text'] LOOP
        EXECUTE format('GRANT UPDATE ON @extschema@.%I, @extschema@.%I TO sla_admin', 'ticket_' || kt, 'clock_' || kt);
        EXECUTE format('GRANT INSERT ON @extschema@.%I TO sla_admin', 'event_' || kt);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON @extschema@.%I, @extschema@.%I, @extschema@.%I TO sla_writer',
                       'ticket_' || kt, 'clock_' || kt, 'event_' || kt);
        EXECUTE format('GRANT SELECT, INSERT ON @extschema@.%I TO sla_writer', 'fact_' || kt);
        EXECUTE format('GRANT DELETE ON @extschema@.%I, @extschema@.%I TO sla_writer', 'clock_' || kt, 'event_' || kt);
    END LOOP;
END
$$;
-- a configuration edit (an admin's) leaves the tickets it could not lock to the breach check
GRANT INSERT ON @extschema@.policy_retarget_pending TO sla_admin;
GRANT SELECT, DELETE ON @extschema@.policy_retarget_pending TO sla_writer;
-- the triggers count the values the mapping cannot classify as the writing role
GRANT SELECT, INSERT, UPDATE ON @extschema@.mapping_problem TO sla_writer;
-- admins clear them once fixed
GRANT DELETE ON @extschema@.mapping_problem TO sla_admin;
GRANT USAGE ON SEQUENCE @extschema@.clock_id_seq, @extschema@.event_id_seq TO sla_writer;
GRANT SELECT ON
    @extschema@.attachment, @extschema@.status_map, @extschema@.calendar, @extschema@.calendar_hours,
    @extschema@.calendar_holiday, @extschema@.calendar_special_day, @extschema@.calendar_special_hours,
    @extschema@.level, @extschema@.level_target, @extschema@.attribute, @extschema@.rule,
    @extschema@.rule_condition, @extschema@.escalation
    TO sla_writer;

-- ------------------------------------------------------------------ contact centre (91_contact_center.sql)
-- Readers read the interaction mappings and run the contact-centre report (it reads the host
-- interaction tables as the caller: grant SELECT on them too); admins also record mappings.
GRANT SELECT ON @extschema@.interaction_source, @extschema@.contact_center TO sla_reader, sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.contact_center_report(timestamptz, timestamptz, interval, text, text, text, text, interval, timestamptz),
    @extschema@.contact_center_report_json(timestamptz, timestamptz, interval, text, text, text, text, interval, timestamptz),
    @extschema@.interaction_time_sql(jsonb, text, text)
    TO sla_reader, sla_admin;
GRANT INSERT, UPDATE, DELETE ON @extschema@.interaction_source TO sla_admin;
GRANT USAGE ON SEQUENCE @extschema@.interaction_source_id_seq TO sla_admin;
GRANT EXECUTE ON FUNCTION
    @extschema@.attach_interactions(regclass, jsonb, text),
    @extschema@.detach_interactions(regclass)
    TO sla_admin;

-- ------------------------------------------------------------------ service credits (92_service_credits.sql)
-- Readers read contracts and the credits report (SELECT on the tables came with ALL TABLES above);
-- admins also write contracts.
GRANT EXECUTE ON FUNCTION
    @extschema@.service_credits(date, date, timestamptz), @extschema@.service_credits_json(date, date, timestamptz)
    TO sla_reader, sla_admin;
GRANT INSERT, UPDATE, DELETE ON @extschema@.contract, @extschema@.contract_tier TO sla_admin;
GRANT USAGE ON SEQUENCE @extschema@.contract_id_seq TO sla_admin;
GRANT EXECUTE ON FUNCTION @extschema@.define_contract(text, text, numeric, numeric, jsonb, text, @extschema@.metric[], text, date, date, text)
    TO sla_admin;
