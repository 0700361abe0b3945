-- 91_contact_center.sql — call-centre and chat metrics (part of issue 4, "Reports"): service
-- level (answered within a threshold), average and maximum speed of answer, abandonment rate,
-- per queue, channel and hour/day/week/month, read from a host table of call/chat interactions
-- through a column mapping (sla.attach_interactions).  Nothing is added to the host table: the
-- report reads it as the caller, one query per attached table (UNION ALL), built with format().
--
-- Per contact, as of an instant as_of (events after it have not happened yet):
--   answered          answered_at <= as_of; speed of answer = answered_at - offered_at (>= 0)
--   abandoned         not answered and ended_at <= as_of; wait = ended_at - offered_at (>= 0)
--   short abandoned   abandoned with wait < short_abandon
--   waiting           neither: still in the queue as of as_of
-- Figures per group:
--   service_level     answered with speed <= answer_threshold * 100 / service_level_base, where
--                     service_level_base = offered - short abandoned - contacts still waiting
--                     whose wait so far is <= answer_threshold (not yet decided)
--   abandonment_rate  (abandoned - short abandoned) * 100 / (offered - short abandoned)

CREATE SEQUENCE @extschema@.interaction_source_id_seq AS integer;

CREATE TABLE @extschema@.interaction_source (
    id                integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.interaction_source_id_seq'),
    interaction_table regclass NOT NULL UNIQUE,
    mapping           jsonb NOT NULL,
    time_zone         text NOT NULL DEFAULT 'UTC' CHECK (@extschema@.valid_time_zone(time_zone))
);
ALTER SEQUENCE @extschema@.interaction_source_id_seq OWNED BY @extschema@.interaction_source.id;
COMMENT ON TABLE @extschema@.interaction_source IS
    'host tables of call/chat interactions the contact-centre report reads, with their validated column mappings (written by sla.attach_interactions)';
COMMENT ON COLUMN @extschema@.interaction_source.id IS 'the source id attach_interactions returns';
COMMENT ON COLUMN @extschema@.interaction_source.interaction_table IS
    'the host table: one row per contact offered to a queue';
COMMENT ON COLUMN @extschema@.interaction_source.mapping IS
    'mapping key -> column name (queue, channel, offered_at, answered_at, ended_at, agent), channel_value when there is no channel column, and "kinds": the detected kind of each mapped column';
COMMENT ON COLUMN @extschema@.interaction_source.time_zone IS 'zone of timestamp-without-time-zone columns';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.interaction_source', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.interaction_source_id_seq', '');

-- Records (or replaces) the mapping of a host table of interactions; returns its source id.
CREATE FUNCTION @extschema@.attach_interactions(interaction_table regclass, mapping jsonb,
        time_zone text DEFAULT 'UTC')
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    spec constant jsonb := '{
        "queue": ["scalar"], "channel": ["scalar"], "offered_at": ["timestamptz", "timestamp", "epoch"],
        "answered_at": ["timestamptz", "timestamp", "epoch"], "ended_at": ["timestamptz", "timestamp", "epoch"],
        "agent": ["scalar"]}';
    m jsonb := '{}';
    kinds jsonb := '{}';
    k text;
    v jsonb;
    src_id integer;
BEGIN
    IF interaction_table IS NULL OR mapping IS NULL OR jsonb_typeof(mapping) <> 'object' THEN
        RAISE EXCEPTION 'attach_interactions needs an interaction table and a JSON object mapping its columns'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT jsonb_object_keys(mapping) LOOP
        IF NOT (spec ? k OR k = 'channel_value') THEN
            RAISE EXCEPTION 'unknown interaction mapping key "%"', k USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Keys: queue, channel, channel_value, offered_at, answered_at, ended_at, agent.';
        END IF;
    END LOOP;
    FOREACH k IN ARRAY ARRAY['queue', 'offered_at', 'answered_at'] LOOP
        IF NOT mapping ? k THEN
            RAISE EXCEPTION 'the interaction mapping must name the % column', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF mapping ? 'channel_value' THEN
        IF mapping ? 'channel' THEN
            RAISE EXCEPTION 'the interaction mapping names both a channel column and a channel_value'
                  USING ERRCODE = 'invalid_parameter_value',
                        HINT = 'Map channel to a column, or give channel_value for a table of one channel.';
        END IF;
        IF jsonb_typeof(mapping -> 'channel_value') <> 'string' OR mapping ->> 'channel_value' = '' THEN
            RAISE EXCEPTION 'channel_value must be a non-empty string' USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    IF attach_interactions.time_zone IS NULL THEN
        RAISE EXCEPTION 'the time zone of an interaction table must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM @extschema@.valid_time_zone(attach_interactions.time_zone);
    FOR k, v IN SELECT * FROM jsonb_each(mapping) LOOP
        CONTINUE WHEN k = 'channel_value';
        kinds := kinds || jsonb_build_object(k, @extschema@.mapped_column_kind(interaction_table, k, v #>> '{}',
                     ARRAY(SELECT jsonb_array_elements_text(spec -> k))));
        m := m || jsonb_build_object(k, v #>> '{}');
    END LOOP;
    IF NOT m ? 'channel' THEN
        m := m || jsonb_build_object('channel_value', coalesce(mapping ->> 'channel_value', 'call'));
    END IF;
    m := m || jsonb_build_object('kinds', kinds);

    INSERT INTO @extschema@.interaction_source AS s (interaction_table, mapping, time_zone)
         VALUES (attach_interactions.interaction_table, m, attach_interactions.time_zone)
    ON CONFLICT ON CONSTRAINT interaction_source_interaction_table_key DO UPDATE
         SET mapping = EXCLUDED.mapping, time_zone = EXCLUDED.time_zone
    RETURNING s.id INTO src_id;
    RETURN src_id;
END
$$;
COMMENT ON FUNCTION @extschema@.attach_interactions(regclass, jsonb, text) IS
    'records a host table of call/chat interactions (one row per contact offered to a queue) through a column mapping for the contact-centre report; adds nothing to the table; attaching again replaces the mapping; returns the source id';

CREATE FUNCTION @extschema@.detach_interactions(interaction_table regclass) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM @extschema@.interaction_source s WHERE s.interaction_table = detach_interactions.interaction_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not attached as an interaction source', interaction_table
              USING ERRCODE = 'undefined_object';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.detach_interactions(regclass) IS
    'forgets the mapping of an interaction table (the host table is not touched); the contact-centre report stops reading it';

-- The SQL expression of a mapped time column of alias t as an instant (timestamptz as is,
-- timestamp read in the source's zone, integers as Unix epoch seconds).
CREATE FUNCTION @extschema@.interaction_time_sql(mapping jsonb, field text, zone text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN NOT mapping ? field THEN 'NULL::timestamptz'
        WHEN mapping -> 'kinds' ->> field = 'timestamptz' THEN format('t.%I', mapping ->> field)
        WHEN mapping -> 'kinds' ->> field = 'timestamp' THEN format('(t.%I AT TIME ZONE %L)', mapping ->> field, zone)
        WHEN mapping -> 'kinds' ->> field = 'epoch' THEN format('pg_catalog.to_timestamp(t.%I)', mapping ->> field)
    END
$$;
COMMENT ON FUNCTION @extschema@.interaction_time_sql(jsonb, text, text) IS
    'SQL text of a mapped time column of an interaction table (alias t) as timestamptz, built with format(%I); used by contact_center_report';

CREATE FUNCTION @extschema@.contact_center_report(from_time timestamptz, to_time timestamptz,
        answer_threshold interval DEFAULT '20 seconds', period text DEFAULT 'day',
        time_zone text DEFAULT 'UTC', only_queue text DEFAULT NULL, only_channel text DEFAULT NULL,
        short_abandon interval DEFAULT '5 seconds', as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (period_start timestamp, queue text, channel text, offered bigint, answered bigint,
                   answered_in_threshold bigint, abandoned bigint, short_abandoned bigint,
                   service_level numeric, average_speed_of_answer interval, max_speed_of_answer interval,
                   abandonment_rate numeric, average_wait_abandoned interval, waiting bigint,
                   service_level_base bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    src record;
    m jsonb;
    offered_sql text;
    range_sql text;
    parts text[] := '{}';
    lo_epoch bigint;
    hi_epoch bigint;
BEGIN
    IF from_time IS NULL OR to_time IS NULL THEN
        RAISE EXCEPTION 'from_time and to_time must not be null' USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use ''-infinity'' and ''infinity'' for an open range.';
    END IF;
    IF from_time > to_time THEN
        RAISE EXCEPTION 'from_time must not be after to_time' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF answer_threshold IS NULL THEN
        RAISE EXCEPTION 'answer_threshold must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF answer_threshold < interval '0' THEN
        RAISE EXCEPTION 'answer_threshold must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF short_abandon IS NULL THEN
        RAISE EXCEPTION 'short_abandon must not be null' USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use ''0 seconds'' to count every abandoned contact.';
    END IF;
    IF short_abandon < interval '0' THEN
        RAISE EXCEPTION 'short_abandon must not be negative' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF period IS NOT NULL AND period NOT IN ('hour', 'day', 'week', 'month') THEN
        RAISE EXCEPTION 'unknown report period "%"', period USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Periods: hour, day, week, month, or null for the whole range.';
    END IF;
    IF contact_center_report.time_zone IS NULL THEN
        RAISE EXCEPTION 'the report time zone must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM @extschema@.valid_time_zone(contact_center_report.time_zone);
    IF as_of IS NULL THEN
        as_of := pg_catalog.now();
    END IF;

    -- integer epoch columns are compared with integer bounds, so an index on them is used:
    -- to_timestamp(c) >= from_time <=> c >= ceil(epoch of from_time), same for to_time
    lo_epoch := CASE WHEN from_time = '-infinity' THEN -9223372036854775808
                     WHEN from_time = 'infinity' THEN 9223372036854775807
                     ELSE ceil(extract(epoch FROM from_time))::bigint END;
    hi_epoch := CASE WHEN to_time = '-infinity' THEN -9223372036854775808
                     WHEN to_time = 'infinity' THEN 9223372036854775807
                     ELSE ceil(extract(epoch FROM to_time))::bigint END;

    -- one query per attached table that still exists; the range condition is on the bare
    -- offered_at column so that an index on it serves the report
    FOR src IN SELECT s.id, s.interaction_table, s.mapping, s.time_zone
                 FROM @extschema@.interaction_source s
                WHERE EXISTS (SELECT FROM pg_class c WHERE c.oid = s.interaction_table)
                ORDER BY s.id LOOP
        m := src.mapping;
        offered_sql := @extschema@.interaction_time_sql(m, 'offered_at', src.time_zone);
        range_sql := CASE m -> 'kinds' ->> 'offered_at'
            WHEN 'timestamptz' THEN format('t.%1$I >= $1 AND t.%1$I < $2', m ->> 'offered_at')
            -- local times: an index-friendly superset (zone offsets differ by less than two
            -- days), then the exact condition on the instant
            WHEN 'timestamp' THEN format('t.%1$I >= ($1 AT TIME ZONE %2$L) - interval ''2 days'''
                                         ' AND t.%1$I < ($2 AT TIME ZONE %2$L) + interval ''2 days'''
                                         ' AND %3$s >= $1 AND %3$s < $2',
                                         m ->> 'offered_at', src.time_zone, offered_sql)
            WHEN 'epoch' THEN format('t.%1$I >= $3 AND t.%1$I < $4', m ->> 'offered_at')
        END;
        parts := parts || format(
            'SELECT t.%1$I::text AS queue, %2$s AS channel, %3$s AS offered, %4$s AS answered, %5$s AS ended'
            ' FROM %6$s AS t WHERE %7$s',
            m ->> 'queue',
            CASE WHEN m ? 'channel' THEN format('t.%I::text', m ->> 'channel')
                 ELSE format('%L::text', m ->> 'channel_value') END,
            offered_sql,
            @extschema@.interaction_time_sql(m, 'answered_at', src.time_zone),
            @extschema@.interaction_time_sql(m, 'ended_at', src.time_zone),
            src.interaction_table, range_sql);
    END LOOP;
    IF cardinality(parts) = 0 THEN
        RETURN;
    END IF;

    -- $5 as_of, $6 answer_threshold, $7 short_abandon, $8 period, $9 zone, $10 queue, $11 channel
    RETURN QUERY EXECUTE format($q$
    WITH contacts AS (
        %s
    ), judged AS (
        SELECT pg_catalog.date_trunc($8, c.offered AT TIME ZONE $9) AS p, c.queue AS q, c.channel AS ch,
               CASE WHEN c.answered <= $5 THEN greatest(c.answered - c.offered, interval '0') END AS speed,
               CASE WHEN c.answered <= $5 THEN NULL
                    WHEN c.ended <= $5 THEN greatest(c.ended - c.offered, interval '0') END AS abandon_wait,
               $5 - c.offered AS waited
          FROM contacts c
         WHERE c.offered <= $5 AND ($10::text IS NULL OR c.queue = $10) AND ($11::text IS NULL OR c.channel = $11)
    ), grouped AS (
        SELECT j.p, j.q, j.ch,
               count(*) AS n_offered,
               count(j.speed) AS n_answered,
               count(*) FILTER (WHERE j.speed <= $6) AS n_in_threshold,
               count(j.abandon_wait) AS n_abandoned,
               count(*) FILTER (WHERE j.abandon_wait < $7) AS n_short,
               count(*) FILTER (WHERE j.speed IS NULL AND j.abandon_wait IS NULL) AS n_waiting,
               count(*) FILTER (WHERE j.speed IS NULL AND j.abandon_wait IS NULL AND j.waited <= $6) AS n_undecided,
               avg(j.speed) AS asa, max(j.speed) AS max_speed, avg(j.abandon_wait) AS avg_abandon_wait
          FROM judged j
         GROUP BY j.p, j.q, j.ch
    )
    SELECT g.p, g.q, g.ch, g.n_offered, g.n_answered, g.n_in_threshold, g.n_abandoned, g.n_short,
           round(100.0 * g.n_in_threshold / nullif(g.n_offered - g.n_short - g.n_undecided, 0), 2),
           g.asa, g.max_speed,
           round(100.0 * (g.n_abandoned - g.n_short) / nullif(g.n_offered - g.n_short, 0), 2),
           g.avg_abandon_wait, g.n_waiting, g.n_offered - g.n_short - g.n_undecided
      FROM grouped g
     ORDER BY g.p, g.q, g.ch
    $q$, array_to_string(parts, E'\n        UNION ALL\n        '))
    USING from_time, to_time, lo_epoch, hi_epoch, as_of, answer_threshold, short_abandon, period,
          contact_center_report.time_zone, only_queue, only_channel;
END
$$;
COMMENT ON FUNCTION @extschema@.contact_center_report(timestamptz, timestamptz, interval, text, text, text, text, interval, timestamptz) IS
    'call-centre and chat metrics for contacts offered in [from_time, to_time) in every attached interaction table, per hour/day/week/month of offered_at in a time zone (null: the whole range), queue and channel: offered, answered, answered within answer_threshold, abandoned, short abandons (< short_abandon, left out of both rates), service level % = in threshold / (offered - short abandons - contacts still waiting no longer than the threshold), average and maximum speed of answer, abandonment rate % = (abandoned - short) / (offered - short), average wait of abandoned contacts; as seen at as_of';

CREATE VIEW @extschema@.contact_center AS
    SELECT * FROM @extschema@.contact_center_report('-infinity', 'infinity');
COMMENT ON VIEW @extschema@.contact_center IS
    'call-centre and chat metrics per UTC day, queue and channel over all time, with a 20-second answer threshold and 5-second short abandons, as of now (contact_center_report() for other thresholds, periods and zones)';
COMMENT ON COLUMN @extschema@.contact_center.period_start IS 'start of the UTC day the contacts were offered in';
COMMENT ON COLUMN @extschema@.contact_center.queue IS 'the queue or department the contacts were offered to';
COMMENT ON COLUMN @extschema@.contact_center.channel IS 'call, chat, ... (the mapped channel column or the source''s channel_value)';
COMMENT ON COLUMN @extschema@.contact_center.offered IS 'contacts offered to the queue (answered, abandoned and still waiting)';
COMMENT ON COLUMN @extschema@.contact_center.answered IS 'contacts an agent answered';
COMMENT ON COLUMN @extschema@.contact_center.answered_in_threshold IS 'contacts answered at most 20 seconds after they were offered';
COMMENT ON COLUMN @extschema@.contact_center.abandoned IS 'contacts that ended without an answer (short abandons included)';
COMMENT ON COLUMN @extschema@.contact_center.short_abandoned IS 'abandoned contacts that waited less than 5 seconds (left out of service level and abandonment rate)';
COMMENT ON COLUMN @extschema@.contact_center.service_level IS 'percent answered within 20 seconds: answered_in_threshold * 100 / service_level_base, 2 decimals; null when the base is 0';
COMMENT ON COLUMN @extschema@.contact_center.average_speed_of_answer IS 'average time from offer to answer over answered contacts (ASA)';
COMMENT ON COLUMN @extschema@.contact_center.max_speed_of_answer IS 'longest time from offer to answer';
COMMENT ON COLUMN @extschema@.contact_center.abandonment_rate IS 'percent abandoned: (abandoned - short_abandoned) * 100 / (offered - short_abandoned), 2 decimals; null when that is 0';
COMMENT ON COLUMN @extschema@.contact_center.average_wait_abandoned IS 'average time from offer to hang-up over abandoned contacts (short abandons included)';
COMMENT ON COLUMN @extschema@.contact_center.waiting IS 'contacts still waiting now: neither answered nor ended';
COMMENT ON COLUMN @extschema@.contact_center.service_level_base IS 'contacts the service level is computed over: offered - short_abandoned - contacts waiting no longer than 20 seconds so far';

CREATE FUNCTION @extschema@.contact_center_report_json(from_time timestamptz, to_time timestamptz,
        answer_threshold interval DEFAULT '20 seconds', period text DEFAULT 'day',
        time_zone text DEFAULT 'UTC', only_queue text DEFAULT NULL, only_channel text DEFAULT NULL,
        short_abandon interval DEFAULT '5 seconds', as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.period_start, r.queue, r.channel), '[]'::jsonb)
      FROM @extschema@.contact_center_report(from_time, to_time, answer_threshold, period, time_zone,
                                             only_queue, only_channel, short_abandon, as_of) r
$$;
COMMENT ON FUNCTION @extschema@.contact_center_report_json(timestamptz, timestamptz, interval, text, text, text, text, interval, timestamptz) IS
    'contact_center_report() as a JSON array (one object per group, keys = its column names, intervals as PostgreSQL interval text), for REST layers such as PostgREST';
