-- reference.sql — an independent reference model of the SLA clock semantics, for the tests only
-- (schema sla_model, never part of the extension).  Written from the documented semantics
-- (docs/engine-design.md "Clocks and events", the cookbooks' caveats, ../shared/DESIGN.md's
-- canonical order within an instant), not from the engine's C code, so that a disagreement
-- between the two means one of them misreads the docs.  Small and slow on purpose: one ticket's
-- facts are walked one by one, and every due date is recomputed from scratch as
--     due_at = business_add(started_at, target + paused_for, calendar)
-- with the trusted foundation functions.
--
-- A policy is {"calendar": name, "targets": {metric: business_interval text, ...}}; a metric
-- without a target gets no clock.  A history is a jsonb array of facts, each with "at":
--   {"kind": "created",   "at": t, "lifecycle": "open" | "paused" | "solved" | "closed" | "deleted"}
--                         (the first fact of the array)
--   {"kind": "message",   "at": t, "author": "customer" | "agent" | "system", "public": bool,
--                         "channel": "email" | "chat" | "call"}
--   {"kind": "attribute", "at": t, "targets": {...}}   (targets absent: a change no rule reads)
--   {"kind": "lifecycle", "at": t, "lifecycle": "open" | "paused" | "solved" | "closed" | "deleted"}
-- Facts of one instant apply in the canonical order created, messages, attribute changes,
-- lifecycle changes, and in the array's order within a kind.

CREATE SCHEMA sla_model;

CREATE TYPE sla_model.clock AS (
    metric       text,
    cycle        integer,
    state        text,          -- running, paused, met, breached, cancelled
    started_at   timestamptz,
    due_at       timestamptz,
    stopped_at   timestamptz,
    paused_for   sla.business_interval,
    paused_since timestamptz,
    target       sla.business_interval
);

-- The rank of a fact kind within one instant (DESIGN.md, "Canonical order within an instant").
CREATE FUNCTION sla_model.kind_rank(kind text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE kind WHEN 'created' THEN 0 WHEN 'message' THEN 1 WHEN 'attribute' THEN 2
                     WHEN 'lifecycle' THEN 3 END
$$;

-- due_at from the clock's start, its target and the business time it did not run.
CREATE FUNCTION sla_model.with_due(c sla_model.clock, calendar text) RETURNS sla_model.clock
    LANGUAGE plpgsql STABLE SET search_path = sla, pg_catalog AS $$
BEGIN
    c.due_at := sla.business_add(c.started_at, c.target + c.paused_for, calendar);
    RETURN c;
END
$$;

-- A paused clock's pause ends at "at": the business time paused is added to paused_for.
CREATE FUNCTION sla_model.unpaused(c sla_model.clock, at timestamptz, calendar text) RETURNS sla_model.clock
    LANGUAGE plpgsql STABLE SET search_path = sla, pg_catalog AS $$
BEGIN
    IF c.paused_since IS NOT NULL THEN
        c.paused_for := c.paused_for + sla.business_between(c.paused_since, at, calendar);
        c.paused_since := NULL;
        c := sla_model.with_due(c, calendar);
    END IF;
    c.state := 'running';
    RETURN c;
END
$$;

-- Stopped by the event it waits for: met when stopped at or before its due time (a clock is
-- breached exactly when now() > due_at, README "Due dates").
CREATE FUNCTION sla_model.stopped(c sla_model.clock, at timestamptz, calendar text) RETURNS sla_model.clock
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    c := sla_model.unpaused(c, at, calendar);
    c.stopped_at := at;
    c.state := CASE WHEN at <= c.due_at THEN 'met' ELSE 'breached' END;
    RETURN c;
END
$$;

-- Cancelled: the clock just ends; a pause it was in is not added to paused_for (it is never
-- judged, so its due date stays the one it had).
CREATE FUNCTION sla_model.cancelled(c sla_model.clock, at timestamptz) RETURNS sla_model.clock
    LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    c.paused_since := NULL;
    c.stopped_at := at;
    c.state := 'cancelled';
    RETURN c;
END
$$;

CREATE FUNCTION sla_model.paused(c sla_model.clock, at timestamptz) RETURNS sla_model.clock
    LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    c.state := 'paused';
    c.paused_since := at;
    RETURN c;
END
$$;

CREATE FUNCTION sla_model.is_active(c sla_model.clock) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS $$ SELECT c.state IN ('running', 'paused') $$;

-- The expected clocks of one ticket.
CREATE FUNCTION sla_model.expected_clocks(policy jsonb, history jsonb)
    RETURNS TABLE (metric text, cycle integer, state text, started_at timestamptz, due_at timestamptz,
                   stopped_at timestamptz, paused_for sla.business_interval, paused_since timestamptz)
    LANGUAGE plpgsql STABLE SET search_path = sla_model, sla, pg_catalog AS $$
DECLARE
    calendar   text := policy ->> 'calendar';
    targets    jsonb := policy -> 'targets';
    was_targets jsonb;
    clocks     sla_model.clock[] := '{}';
    c          sla_model.clock;
    f          jsonb;
    at         timestamptz;
    lifecycle  text;            -- NULL until created
    was        text;
    replied    boolean := false;   -- a public agent reply has been written
    remembered timestamptz;     -- an unanswered customer message on a solved or closed ticket
    i          integer;
    m          text;
BEGIN
    -- A ticket created solved, closed or deleted is created open and changes its lifecycle at
    -- the same instant (after that instant's messages, like any lifecycle change).
    -- A ticket created deleted (spam, a merge) is never measured: no clocks until it is restored.
    IF history -> 0 ->> 'lifecycle' NOT IN ('open', 'paused', 'deleted') THEN
        history := jsonb_insert(jsonb_set(history, '{0,lifecycle}', '"open"'), '{1}',
                                jsonb_build_object('kind', 'lifecycle', 'at', history -> 0 -> 'at',
                                                   'lifecycle', history -> 0 -> 'lifecycle'));
    END IF;
    FOR f IN SELECT e.fact FROM jsonb_array_elements(history) WITH ORDINALITY AS e(fact, n)
              ORDER BY (e.fact ->> 'at')::timestamptz, sla_model.kind_rank(e.fact ->> 'kind'), e.n
    LOOP
        at := (f ->> 'at')::timestamptz;
        CASE f ->> 'kind'
        WHEN 'created' THEN
            lifecycle := f ->> 'lifecycle';
            CONTINUE WHEN lifecycle = 'deleted';
            FOREACH m IN ARRAY ARRAY['first_response', 'periodic_update', 'resolution'] LOOP
                CONTINUE WHEN targets ->> m IS NULL;
                c := sla_model.with_due(ROW(m, 1, 'running', at, NULL, NULL, '0', NULL,
                                            (targets ->> m)::business_interval)::sla_model.clock, calendar);
                IF lifecycle = 'paused' AND m <> 'first_response' THEN
                    c := sla_model.paused(c, at);
                END IF;
                clocks := clocks || c;
            END LOOP;

        WHEN 'message' THEN
            CONTINUE WHEN lifecycle = 'deleted' OR NOT (f ->> 'public')::boolean;
            IF f ->> 'author' = 'agent' THEN
                -- the reply answers every waiting response clock and ends the update cycle
                FOR i IN 1 .. coalesce(array_length(clocks, 1), 0) LOOP
                    CONTINUE WHEN NOT sla_model.is_active(clocks[i]);
                    IF clocks[i].metric IN ('first_response', 'next_response', 'chat_response', 'call_response') THEN
                        clocks[i] := sla_model.stopped(clocks[i], at, calendar);
                    ELSIF clocks[i].metric = 'periodic_update' THEN
                        clocks[i] := sla_model.stopped(clocks[i], at, calendar);
                        c := sla_model.with_due(ROW('periodic_update', clocks[i].cycle + 1, 'running', at, NULL, NULL,
                                                    '0', NULL, (targets ->> 'periodic_update')::business_interval)::sla_model.clock,
                                                calendar);
                        IF lifecycle = 'paused' THEN
                            c := sla_model.paused(c, at);
                        END IF;
                        clocks := clocks || c;
                    END IF;
                END LOOP;
                replied := true;
                remembered := NULL;
            ELSIF f ->> 'author' = 'customer' THEN
                -- a chat or a call waits for an answer on its own clock
                m := CASE f ->> 'channel' WHEN 'chat' THEN 'chat_response' WHEN 'call' THEN 'call_response' END;
                IF m IS NOT NULL AND targets ->> m IS NOT NULL AND lifecycle IN ('open', 'paused')
                   AND NOT EXISTS (SELECT FROM unnest(clocks) k WHERE k.metric = m AND sla_model.is_active(k)) THEN
                    clocks := clocks || sla_model.with_due(ROW(m, 1 + (SELECT count(*) FROM unnest(clocks) k WHERE k.metric = m),
                                                               'running', at, NULL, NULL, '0', NULL,
                                                               (targets ->> m)::business_interval)::sla_model.clock, calendar);
                END IF;
                -- after a reply, the customer waits for the next one (a chat or a call waits on
                -- its own clock instead: docs/engine-design.md, one clock per message); on a
                -- solved ticket the message is remembered whatever the level, which may change
                -- before it reopens
                IF replied AND NOT EXISTS (SELECT FROM unnest(clocks) k
                                            WHERE k.metric IN ('first_response', 'next_response') AND sla_model.is_active(k)) THEN
                    IF lifecycle IN ('open', 'paused') AND m IS NULL AND targets ->> 'next_response' IS NOT NULL THEN
                        clocks := clocks || sla_model.with_due(ROW('next_response',
                                        1 + (SELECT count(*) FROM unnest(clocks) k WHERE k.metric = 'next_response'),
                                        'running', at, NULL, NULL, '0', NULL,
                                        (targets ->> 'next_response')::business_interval)::sla_model.clock, calendar);
                    ELSIF lifecycle IN ('solved', 'closed') THEN
                        remembered := coalesce(remembered, at);
                    END IF;
                END IF;
            END IF;

        WHEN 'attribute' THEN
            CONTINUE WHEN lifecycle = 'deleted' OR f -> 'targets' IS NULL;
            -- a new level re-targets running clocks from their start; decided clocks keep theirs
            was_targets := targets;
            targets := f -> 'targets';
            FOR i IN 1 .. coalesce(array_length(clocks, 1), 0) LOOP
                CONTINUE WHEN NOT sla_model.is_active(clocks[i]) OR targets ->> clocks[i].metric IS NULL;
                c := clocks[i];
                c.target := (targets ->> c.metric)::business_interval;
                clocks[i] := sla_model.with_due(c, calendar);
            END LOOP;
            -- and what the new level measures and the old one did not starts at the change
            -- (issue 11: "starts the clocks the new level has and the old one had not")
            CONTINUE WHEN lifecycle NOT IN ('open', 'paused');
            FOREACH m IN ARRAY ARRAY['first_response', 'periodic_update', 'resolution'] LOOP
                CONTINUE WHEN targets ->> m IS NULL OR was_targets ->> m IS NOT NULL
                           OR (m = 'first_response' AND replied)
                           OR EXISTS (SELECT FROM unnest(clocks) k WHERE k.metric = m AND sla_model.is_active(k));
                c := sla_model.with_due(ROW(m, 1 + (SELECT count(*) FROM unnest(clocks) k WHERE k.metric = m),
                                            'running', at, NULL, NULL, '0', NULL,
                                            (targets ->> m)::business_interval)::sla_model.clock, calendar);
                IF lifecycle = 'paused' AND m <> 'first_response' THEN
                    c := sla_model.paused(c, at);
                END IF;
                clocks := clocks || c;
            END LOOP;

        WHEN 'lifecycle' THEN
            was := lifecycle;
            lifecycle := f ->> 'lifecycle';
            CONTINUE WHEN was = lifecycle;
            IF was = 'deleted' THEN
                -- restored (flag cleared, status back from spam): tracked again from now
                CONTINUE WHEN lifecycle NOT IN ('open', 'paused');
                FOREACH m IN ARRAY ARRAY['first_response', 'periodic_update', 'resolution'] LOOP
                    CONTINUE WHEN targets ->> m IS NULL OR (m = 'first_response' AND replied)
                               OR EXISTS (SELECT FROM unnest(clocks) k WHERE k.metric = m AND sla_model.is_active(k));
                    c := sla_model.with_due(ROW(m, 1 + (SELECT count(*) FROM unnest(clocks) k WHERE k.metric = m),
                                                'running', at, NULL, NULL, '0', NULL,
                                                (targets ->> m)::business_interval)::sla_model.clock, calendar);
                    IF lifecycle = 'paused' AND m <> 'first_response' THEN
                        c := sla_model.paused(c, at);
                    END IF;
                    clocks := clocks || c;
                END LOOP;
            ELSIF lifecycle = 'deleted' THEN
                FOR i IN 1 .. coalesce(array_length(clocks, 1), 0) LOOP
                    IF sla_model.is_active(clocks[i]) THEN
                        clocks[i] := sla_model.cancelled(clocks[i], at);
                    END IF;
                END LOOP;
            ELSIF was IN ('open', 'paused') AND lifecycle IN ('solved', 'closed') THEN
                FOR i IN 1 .. coalesce(array_length(clocks, 1), 0) LOOP
                    CONTINUE WHEN NOT sla_model.is_active(clocks[i]);
                    clocks[i] := CASE WHEN clocks[i].metric = 'resolution' THEN sla_model.stopped(clocks[i], at, calendar)
                                      ELSE sla_model.cancelled(clocks[i], at) END;
                END LOOP;
            ELSIF was IN ('solved', 'closed') AND lifecycle IN ('open', 'paused') THEN
                -- reopened: resolution goes on, the solved stretch added to the time it did not run
                FOR i IN 1 .. coalesce(array_length(clocks, 1), 0) LOOP
                    CONTINUE WHEN clocks[i].metric <> 'resolution' OR clocks[i].state NOT IN ('met', 'breached');
                    -- running again, it runs under the ticket's level of now (a decided clock kept
                    -- its own target; a running one adopts the current level)
                    c := clocks[i];
                    c.target := coalesce((targets ->> 'resolution')::business_interval, c.target);
                    c.paused_for := c.paused_for + sla.business_between(c.stopped_at, at, calendar);
                    c.stopped_at := NULL;
                    c.state := 'running';
                    c := sla_model.with_due(c, calendar);
                    IF lifecycle = 'paused' THEN
                        c := sla_model.paused(c, at);
                    END IF;
                    clocks[i] := c;
                END LOOP;
                -- never answered: a first response is owed again, from the reopening
                IF NOT replied AND targets ->> 'first_response' IS NOT NULL AND NOT EXISTS (SELECT FROM unnest(clocks) k
                        WHERE k.metric = 'first_response' AND sla_model.is_active(k)) THEN
                    clocks := clocks || sla_model.with_due(ROW('first_response',
                                    1 + (SELECT count(*) FROM unnest(clocks) k WHERE k.metric = 'first_response'),
                                    'running', at, NULL, NULL, '0', NULL,
                                    (targets ->> 'first_response')::business_interval)::sla_model.clock, calendar);
                END IF;
                -- no stopped resolution clock to go on with (it was cancelled): measured from now
                IF targets ->> 'resolution' IS NOT NULL AND NOT EXISTS (SELECT FROM unnest(clocks) k
                        WHERE k.metric = 'resolution' AND sla_model.is_active(k)) THEN
                    c := sla_model.with_due(ROW('resolution',
                                1 + (SELECT count(*) FROM unnest(clocks) k WHERE k.metric = 'resolution'),
                                'running', at, NULL, NULL, '0', NULL,
                                (targets ->> 'resolution')::business_interval)::sla_model.clock, calendar);
                    IF lifecycle = 'paused' THEN
                        c := sla_model.paused(c, at);
                    END IF;
                    clocks := clocks || c;
                END IF;
                IF targets ->> 'periodic_update' IS NOT NULL THEN
                    c := sla_model.with_due(ROW('periodic_update',
                                1 + (SELECT count(*) FROM unnest(clocks) k WHERE k.metric = 'periodic_update'),
                                'running', at, NULL, NULL, '0', NULL,
                                (targets ->> 'periodic_update')::business_interval)::sla_model.clock, calendar);
                    IF lifecycle = 'paused' THEN
                        c := sla_model.paused(c, at);
                    END IF;
                    clocks := clocks || c;
                END IF;
                -- the customer's message written while it was solved now waits for an answer
                IF remembered IS NOT NULL AND targets ->> 'next_response' IS NOT NULL THEN
                    clocks := clocks || sla_model.with_due(ROW('next_response',
                                    1 + (SELECT count(*) FROM unnest(clocks) k WHERE k.metric = 'next_response'),
                                    'running', remembered, NULL, NULL, '0', NULL,
                                    (targets ->> 'next_response')::business_interval)::sla_model.clock, calendar);
                END IF;
                remembered := NULL;
            ELSIF was = 'open' AND lifecycle = 'paused' THEN
                FOR i IN 1 .. coalesce(array_length(clocks, 1), 0) LOOP
                    IF clocks[i].metric IN ('resolution', 'periodic_update') AND clocks[i].state = 'running' THEN
                        clocks[i] := sla_model.paused(clocks[i], at);
                    END IF;
                END LOOP;
            ELSIF was = 'paused' AND lifecycle = 'open' THEN
                FOR i IN 1 .. coalesce(array_length(clocks, 1), 0) LOOP
                    IF clocks[i].state = 'paused' THEN
                        clocks[i] := sla_model.unpaused(clocks[i], at, calendar);
                    END IF;
                END LOOP;
            END IF;
            -- solved <-> closed moves nothing
        END CASE;
    END LOOP;

    RETURN QUERY SELECT k.metric, k.cycle, k.state, k.started_at, k.due_at, k.stopped_at, k.paused_for, k.paused_since
                   FROM unnest(clocks) k ORDER BY k.metric, k.cycle;
END
$$;
