-- harness.sql — the randomized property test of the engine against the reference model
-- (reference.sql, loaded first).  Random ticket histories are played
--   (a) through host tables attached with sla.attach, one statement per fact, so the engine's
--       triggers move the clocks (event times from the mapped created_at / updated_at columns);
--   (b) into host tables with no triggers (play also writes the status history table the
--       helpdesk would keep), then attached and sla.backfill()ed with that table as its status
--       history source;
--   (c) through sla_model.expected_clocks;
-- and every ticket whose clocks differ from the model's, to the microsecond, is reported with
-- its history.  Everything lives in schema sla_model (run it inside a transaction that rolls
-- back, as the pgTAP file does).
--
-- Classes of histories (sla_model.classes) name what a history exercises, so that a class the
-- engine is known to get wrong can be skipped by name while it is being fixed: property_run's
-- skip_classes ("class" skips the history on every path, "backfill:class" on the backfill path
-- only).

-- ---------------------------------------------------------------- policy
-- Calendar mon-fri 09:00-17:00 in Berlin with a holiday; three levels: model_std (every
-- metric, the default), model_lean (first response and resolution only; priority "lean", at
-- creation) and model_urgent (every metric, shorter; priority "urgent", also on update, which
-- re-targets running clocks).
CREATE FUNCTION sla_model.define_policy() RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sla.define_calendar('model_cal', 'Europe/Berlin', 'mon-fri 09:00-17:00');
    PERFORM sla.add_holiday('model_cal', '2026-11-18', 'a holiday inside the histories');
    PERFORM sla.define_level('model_std', 'model_cal', first_response => '4 hours', next_response => '2 hours',
        periodic_update => '3 hours', chat_response => '10 minutes', call_response => '20 minutes',
        resolution => '2 days', is_default => true);
    PERFORM sla.define_level('model_lean', 'model_cal', first_response => '1 hour', resolution => '8 hours');
    PERFORM sla.define_level('model_urgent', 'model_cal', first_response => '1 hour', next_response => '30 minutes',
        periodic_update => '1 hour 30 minutes', chat_response => '2 minutes', call_response => '5 minutes',
        resolution => '6 hours');
    INSERT INTO sla.rule (name, position, set_level_id, on_update)
         SELECT 'model lean', 9001, id, false FROM sla.level WHERE name = 'model_lean';
    INSERT INTO sla.rule (name, position, set_level_id, on_update)
         SELECT 'model urgent', 9002, id, true FROM sla.level WHERE name = 'model_urgent';
    INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
         SELECT id, 1, 1, 'priority', 'equals', to_jsonb(substr(name, 7)) FROM sla.rule WHERE name IN ('model lean', 'model urgent');
END
$$;

-- The model's policy for a level: its calendar and targets, read from the level tables.
CREATE FUNCTION sla_model.level_targets(level text) RETURNS jsonb
    LANGUAGE sql STABLE AS $$
    SELECT jsonb_object_agg(t.metric::text, t.target::text)
      FROM sla.level l JOIN sla.level_target t ON t.level_id = l.id WHERE l.name = level
$$;

CREATE FUNCTION sla_model.priority_level(priority text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE priority WHEN 'lean' THEN 'model_lean' WHEN 'urgent' THEN 'model_urgent' ELSE 'model_std' END
$$;

-- ---------------------------------------------------------------- random histories
-- One random ticket history.  The creation fact carries the host row's initial priority and
-- department; attribute facts carry the new priority/department and, when the priority change
-- makes the on_update rule choose another level, that level's targets for the model.  Times
-- are over the weeks of November 2026 (nights, weekends and the holiday included), most with
-- a random microsecond part; about one step in six is at the same instant as the previous
-- fact, in a random statement order.
CREATE FUNCTION sla_model.random_history(max_facts integer DEFAULT 12) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    at        timestamptz := '2026-11-02 00:00+01'::timestamptz
                             + floor(random() * 21 * 24 * 60) * interval '1 minute'
                             + CASE WHEN random() < 0.5 THEN floor(random() * 60e6) * interval '1 microsecond' ELSE '0' END;
    priority  text := CASE WHEN random() < 0.15 THEN 'lean' WHEN random() < 0.15 THEN 'urgent' ELSE 'normal' END;
    r         float8 := random();
    lifecycle text := CASE WHEN r < 0.82 THEN 'open' WHEN r < 0.94 THEN 'paused' WHEN r < 0.965 THEN 'solved'
                           WHEN r < 0.99 THEN 'closed' ELSE 'deleted' END;
    facts     jsonb;
    fact      jsonb;
    n         integer := 1 + floor(random() * max_facts);
    next_lc   text;
BEGIN
    facts := jsonb_build_array(jsonb_build_object('kind', 'created', 'at', at, 'lifecycle', lifecycle,
                                                  'priority', priority, 'department', 'd1'));
    FOR i IN 1 .. n LOOP
        r := random();
        at := at + CASE WHEN r < 0.16 THEN interval '0'
                        WHEN r < 0.50 THEN floor(random() * 180 * 60e6) * interval '1 microsecond'
                        WHEN r < 0.80 THEN floor(random() * 24 * 3600) * interval '1 second'
                        ELSE floor(random() * 4 * 24 * 60) * interval '1 minute' END;
        r := random();
        IF r < 0.30 THEN
            fact := jsonb_build_object('kind', 'message', 'author', 'customer', 'public', random() < 0.9);
        ELSIF r < 0.62 THEN
            fact := jsonb_build_object('kind', 'message', 'author', 'agent', 'public', random() < 0.8);
        ELSIF r < 0.65 THEN
            fact := jsonb_build_object('kind', 'message', 'author', 'system', 'public', true);
        ELSIF r < 0.72 THEN
            IF priority <> 'urgent' AND random() < 0.6 THEN
                priority := 'urgent';
                fact := jsonb_build_object('kind', 'attribute', 'priority', priority,
                                           'targets', sla_model.level_targets('model_urgent'));
            ELSE
                fact := jsonb_build_object('kind', 'attribute', 'department', 'd' || (2 + floor(random() * 5))::int);
            END IF;
        ELSE
            r := random();
            next_lc := CASE WHEN r < 0.30 THEN 'open' WHEN r < 0.52 THEN 'paused' WHEN r < 0.78 THEN 'solved'
                            WHEN r < 0.96 THEN 'closed' ELSE 'deleted' END;
            CONTINUE WHEN next_lc = lifecycle OR lifecycle = 'deleted';   -- a deleted ticket stays deleted
            lifecycle := next_lc;
            fact := jsonb_build_object('kind', 'lifecycle', 'lifecycle', lifecycle);
        END IF;
        IF fact ->> 'kind' = 'message' THEN
            r := random();
            fact := fact || jsonb_build_object('channel', CASE WHEN r < 0.6 THEN 'email' WHEN r < 0.8 THEN 'chat' ELSE 'call' END);
        END IF;
        facts := facts || (fact || jsonb_build_object('at', at));
    END LOOP;
    RETURN facts;
END
$$;

-- What a history exercises, by name (see property_run's skip_classes):
--   same_instant_noncanonical  facts of one instant written in another order than the canonical
--                              one (messages, then attribute changes, then lifecycle changes)
--   same_instant               several facts at one instant (any order)
--   level_change               a priority change that makes the on_update rule choose a level
--   reopen                     solved or closed, then open or paused again
--   created_paused             created in a paused lifecycle
--   created_solved             created solved or closed
--   created_deleted            created deleted
--   customer_chat_or_call_after_reply
--                              a public customer message on chat or call after a public agent reply
--   deleted                    ends deleted
--   ends_paused                its last lifecycle is paused
CREATE FUNCTION sla_model.classes(history jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE AS $$
    WITH f AS (SELECT e.fact, e.n, (e.fact ->> 'at')::timestamptz AS at, sla_model.kind_rank(e.fact ->> 'kind') AS rank
                 FROM jsonb_array_elements(history) WITH ORDINALITY e(fact, n))
    SELECT array_remove(ARRAY[
        CASE WHEN EXISTS (SELECT FROM f a JOIN f b ON b.at = a.at AND b.n > a.n AND b.rank < a.rank)
             THEN 'same_instant_noncanonical' END,
        CASE WHEN EXISTS (SELECT FROM f a JOIN f b ON b.at = a.at AND b.n > a.n) THEN 'same_instant' END,
        CASE WHEN EXISTS (SELECT FROM f WHERE fact ? 'targets') THEN 'level_change' END,
        CASE WHEN EXISTS (SELECT FROM f a JOIN f b ON b.n > a.n
                           WHERE a.fact ->> 'lifecycle' IN ('solved', 'closed') AND a.fact ->> 'kind' = 'lifecycle'
                             AND b.fact ->> 'lifecycle' IN ('open', 'paused') AND b.fact ->> 'kind' = 'lifecycle') THEN 'reopen' END,
        CASE WHEN history -> 0 ->> 'lifecycle' = 'paused' THEN 'created_paused' END,
        CASE WHEN history -> 0 ->> 'lifecycle' IN ('solved', 'closed') THEN 'created_solved' END,
        CASE WHEN history -> 0 ->> 'lifecycle' = 'deleted' THEN 'created_deleted' END,
        CASE WHEN EXISTS (SELECT FROM f a JOIN f b ON (b.at, b.rank, b.n) > (a.at, a.rank, a.n)
                           WHERE a.fact ->> 'kind' = 'message' AND a.fact ->> 'author' = 'agent' AND (a.fact ->> 'public')::boolean
                             AND b.fact ->> 'kind' = 'message' AND b.fact ->> 'author' = 'customer' AND (b.fact ->> 'public')::boolean
                             AND b.fact ->> 'channel' IN ('chat', 'call')) THEN 'customer_chat_or_call_after_reply' END,
        CASE WHEN EXISTS (SELECT FROM f WHERE fact ->> 'lifecycle' = 'deleted') THEN 'deleted' END,
        CASE WHEN (SELECT fact ->> 'lifecycle' FROM f WHERE fact ->> 'kind' IN ('created', 'lifecycle')
                    ORDER BY at DESC, rank DESC, n DESC LIMIT 1) = 'paused' THEN 'ends_paused' END], NULL)
$$;

-- ---------------------------------------------------------------- host tables
-- A helpdesk's own tables, as sla.attach sees them: statuses named like the lifecycles.
CREATE FUNCTION sla_model.create_host(prefix text) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE sla_model.%I (id integer PRIMARY KEY, status text NOT NULL, prio text, dept text,
                                              created timestamptz NOT NULL, updated timestamptz NOT NULL)', prefix || '_ticket');
    EXECUTE format('CREATE TABLE sla_model.%I (ticket integer NOT NULL, author text NOT NULL, internal boolean NOT NULL,
                                              channel text, at timestamptz NOT NULL)', prefix || '_message');
    -- the status history the helpdesk keeps, which backfill reads (seq orders one instant's entries)
    EXECUTE format('CREATE TABLE sla_model.%I (ticket integer NOT NULL, status text NOT NULL, at timestamptz NOT NULL,
                                              seq integer NOT NULL)', prefix || '_status_history');
END
$$;

CREATE FUNCTION sla_model.attach_host(prefix text) RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    attachment integer;
BEGIN
    attachment := sla.attach(format('sla_model.%I', prefix || '_ticket'),
        '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "status",
          "priority": "prio", "department": "dept"}',
        format('sla_model.%I', prefix || '_message'),
        '{"ticket": "ticket", "created_at": "at", "author_kind": "author", "customer_values": ["customer"],
          "agent_values": ["agent"], "system_values": ["system"], "internal": "internal", "channel": "channel"}',
        'Europe/Berlin');
    PERFORM sla.map_status(format('sla_model.%I', prefix || '_ticket'), s, s)
       FROM unnest(ARRAY['open', 'paused', 'solved', 'closed', 'deleted']) s;
    RETURN attachment;
END
$$;

-- Path (b)'s backfill: the host rows and their status history.
CREATE FUNCTION sla_model.backfill_host(prefix text) RETURNS integer
    LANGUAGE sql AS $$
    SELECT sla.backfill(format('sla_model.%I', prefix || '_ticket')::regclass,
                        format('sla_model.%I', prefix || '_status_history')::regclass,
                        '{"ticket": "ticket", "at": "at", "status": "status", "sequence": "seq"}')
$$;

-- (a) and (b): one statement per fact, in the history's own (statement) order.  Ticket updates
-- stamp the mapped updated_at column with the fact's time.  With the triggers attached this
-- is path (a); into tables not attached yet it only writes the rows (and the status history)
-- for path (b).
CREATE FUNCTION sla_model.play(prefix text, key integer, history jsonb) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    f   jsonb;
    seq integer := 0;
BEGIN
    FOR f IN SELECT e.fact FROM jsonb_array_elements(history) WITH ORDINALITY e(fact, n) ORDER BY e.n LOOP
        seq := seq + 1;
        CASE f ->> 'kind'
        WHEN 'created' THEN
            EXECUTE format('INSERT INTO sla_model.%I VALUES ($1, $2, $3, $4, $5, $5)', prefix || '_ticket')
              USING key, f ->> 'lifecycle', f ->> 'priority', f ->> 'department', (f ->> 'at')::timestamptz;
            EXECUTE format('INSERT INTO sla_model.%I VALUES ($1, $2, $3, $4)', prefix || '_status_history')
              USING key, f ->> 'lifecycle', (f ->> 'at')::timestamptz, seq;
        WHEN 'message' THEN
            EXECUTE format('INSERT INTO sla_model.%I VALUES ($1, $2, $3, $4, $5)', prefix || '_message')
              USING key, f ->> 'author', NOT (f ->> 'public')::boolean, f ->> 'channel', (f ->> 'at')::timestamptz;
        WHEN 'attribute' THEN
            EXECUTE format('UPDATE sla_model.%I SET prio = coalesce($2, prio), dept = coalesce($3, dept), updated = $4
                             WHERE id = $1', prefix || '_ticket')
              USING key, f ->> 'priority', f ->> 'department', (f ->> 'at')::timestamptz;
        WHEN 'lifecycle' THEN
            EXECUTE format('UPDATE sla_model.%I SET status = $2, updated = $3 WHERE id = $1', prefix || '_ticket')
              USING key, f ->> 'lifecycle', (f ->> 'at')::timestamptz;
            EXECUTE format('INSERT INTO sla_model.%I VALUES ($1, $2, $3, $4)', prefix || '_status_history')
              USING key, f ->> 'lifecycle', (f ->> 'at')::timestamptz, seq;
        END CASE;
    END LOOP;
END
$$;

-- (c) the same histories in bulk: round r writes the r-th fact of every ticket, one statement per
-- kind for all the tickets (their new rows in one INSERT, their messages in one INSERT: the
-- engine's statement batches, src/new_ticket_batch.c and src/message_batch.c; their updates in
-- one UPDATE), so the batches meet every class of history.  A ticket's facts keep their order.
CREATE FUNCTION sla_model.play_rounds(prefix text) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    rounds constant integer := (SELECT max(jsonb_array_length(m.history)) FROM model_history m);
BEGIN
    FOR r IN 0 .. rounds - 1 LOOP
        EXECUTE format('INSERT INTO sla_model.%I SELECT m.key, x.f ->> ''lifecycle'', x.f ->> ''priority'', x.f ->> ''department'',
                               (x.f ->> ''at'')::timestamptz, (x.f ->> ''at'')::timestamptz
                          FROM model_history m, LATERAL (SELECT m.history -> $1) x(f)
                         WHERE x.f ->> ''kind'' = ''created'' ORDER BY m.key', prefix || '_ticket') USING r;
        EXECUTE format('INSERT INTO sla_model.%I SELECT m.key, x.f ->> ''author'', NOT (x.f ->> ''public'')::boolean,
                               x.f ->> ''channel'', (x.f ->> ''at'')::timestamptz
                          FROM model_history m, LATERAL (SELECT m.history -> $1) x(f)
                         WHERE x.f ->> ''kind'' = ''message'' ORDER BY m.key', prefix || '_message') USING r;
        EXECUTE format('UPDATE sla_model.%I t SET prio = coalesce(x.f ->> ''priority'', t.prio),
                               dept = coalesce(x.f ->> ''department'', t.dept), updated = (x.f ->> ''at'')::timestamptz
                          FROM model_history m, LATERAL (SELECT m.history -> $1) x(f)
                         WHERE t.id = m.key AND x.f ->> ''kind'' = ''attribute''', prefix || '_ticket') USING r;
        EXECUTE format('UPDATE sla_model.%I t SET status = x.f ->> ''lifecycle'', updated = (x.f ->> ''at'')::timestamptz
                          FROM model_history m, LATERAL (SELECT m.history -> $1) x(f)
                         WHERE t.id = m.key AND x.f ->> ''kind'' = ''lifecycle''', prefix || '_ticket') USING r;
    END LOOP;
END
$$;

-- ---------------------------------------------------------------- comparing
-- Clock rows as one text per ticket, the same shape for the engine and the model.
CREATE FUNCTION sla_model.clock_text(metric text, cycle integer, state text, started_at timestamptz, due_at timestamptz,
                                     stopped_at timestamptz, paused_for sla.business_interval, paused_since timestamptz)
    RETURNS text LANGUAGE sql STABLE AS $$
    SELECT format('%s#%s %s start %s due %s stop %s paused_for %s paused_since %s', metric, cycle, state,
                  to_char(started_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI:SS.US'), to_char(due_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI:SS.US'),
                  coalesce(to_char(stopped_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI:SS.US'), '-'), paused_for,
                  coalesce(to_char(paused_since AT TIME ZONE 'UTC', 'MM-DD HH24:MI:SS.US'), '-'))
$$;

CREATE FUNCTION sla_model.engine_clocks(prefix text, key integer) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(sla_model.clock_text(c.metric::text, c.cycle, c.state, c.started_at, c.due_at, c.stopped_at,
                                                    c.paused_for, c.paused_since), E'\n' ORDER BY c.metric::text, c.cycle), '')
      FROM sla.clock c JOIN sla.attachment a ON a.id = c.attachment_id
     WHERE a.ticket_table = format('sla_model.%I', prefix || '_ticket')::regclass AND c.ticket_key = key::text
$$;

CREATE FUNCTION sla_model.model_clocks(history jsonb) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(sla_model.clock_text(e.metric, e.cycle, e.state, e.started_at, e.due_at, e.stopped_at,
                                                    e.paused_for, e.paused_since), E'\n' ORDER BY e.metric, e.cycle), '')
      FROM sla_model.expected_clocks(
             jsonb_build_object('calendar', 'model_cal',
                                'targets', sla_model.level_targets(sla_model.priority_level(history -> 0 ->> 'priority'))),
             history) e
$$;

-- The lines of two clock texts that differ: "- " only the model's, "+ " only the engine's.
CREATE FUNCTION sla_model.clock_diff(expected text, actual text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(d, E'\n' ORDER BY d) FROM (
        (SELECT '- ' || l FROM unnest(string_to_array(expected, E'\n')) l EXCEPT ALL
         SELECT '- ' || l FROM unnest(string_to_array(actual, E'\n')) l)
        UNION ALL
        (SELECT '+ ' || l FROM unnest(string_to_array(actual, E'\n')) l EXCEPT ALL
         SELECT '+ ' || l FROM unnest(string_to_array(expected, E'\n')) l)) x(d)
$$;

-- A history as lines a person can replay by hand.
CREATE FUNCTION sla_model.history_text(history jsonb) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT string_agg(format('  %s %s', to_char((e.fact ->> 'at')::timestamptz AT TIME ZONE 'Europe/Berlin', 'Dy YYYY-MM-DD HH24:MI:SS.US'),
                             (e.fact - 'at' - 'targets')::text || CASE WHEN e.fact ? 'targets' THEN ' (level model_urgent)' ELSE '' END),
                      E'\n' ORDER BY e.n)
      FROM jsonb_array_elements(history) WITH ORDINALITY e(fact, n)
$$;

-- ---------------------------------------------------------------- the run
-- tickets random histories from seed; histories of a class in skip_classes are not played.
-- Returns one row per ticket and path whose clocks differ from the model's, and a summary row
-- (path 'summary') with the counts.
CREATE FUNCTION sla_model.property_run(tickets integer, seed float8, skip_classes text[] DEFAULT '{}',
                                       with_backfill boolean DEFAULT true)
    RETURNS TABLE (ticket integer, path text, classes text[], history text, expected text, actual text)
    LANGUAGE plpgsql AS $$
DECLARE
    k          integer;
    h          jsonb;
    cls        text[];
    played     integer := 0;
    skipped    integer := 0;
    facts      integer := 0;
    backfilled integer := 0;
    differing  integer := 0;
    t0         timestamptz := clock_timestamp();
    backfill_skips text[] := ARRAY(SELECT substr(c, 10) FROM unnest(skip_classes) c WHERE c LIKE 'backfill:%');
BEGIN
    IF NOT EXISTS (SELECT FROM sla.calendar WHERE name = 'model_cal') THEN
        PERFORM sla_model.define_policy();
    END IF;
    DROP TABLE IF EXISTS pg_temp.model_history;
    CREATE TEMP TABLE model_history (key integer PRIMARY KEY, history jsonb, classes text[],
                                     through_backfill boolean) ON COMMIT DROP;
    PERFORM setseed(seed);
    FOR k IN 1 .. tickets LOOP
        h := sla_model.random_history();
        cls := sla_model.classes(h);
        IF cls && skip_classes THEN
            skipped := skipped + 1;
            CONTINUE;
        END IF;
        INSERT INTO model_history VALUES (k, h, cls, NOT cls && backfill_skips);   -- else through the triggers only
    END LOOP;

    -- (a) through the triggers
    PERFORM sla_model.create_host('trig');
    PERFORM sla_model.attach_host('trig');
    FOR k, h IN SELECT m.key, m.history FROM model_history m ORDER BY m.key LOOP
        PERFORM sla_model.play('trig', k, h);
        played := played + 1;
        facts := facts + jsonb_array_length(h);
    END LOOP;
    FOR ticket, classes, h IN SELECT m.key, m.classes, m.history FROM model_history m ORDER BY m.key LOOP
        expected := sla_model.model_clocks(h);
        actual := sla_model.engine_clocks('trig', ticket);
        IF expected IS DISTINCT FROM actual THEN
            path := 'triggers';
            history := sla_model.history_text(h);
            differing := differing + 1;
            RETURN NEXT;
        END IF;
    END LOOP;

    -- (c) through the triggers, in bulk
    PERFORM sla_model.create_host('bulk');
    PERFORM sla_model.attach_host('bulk');
    PERFORM sla_model.play_rounds('bulk');
    FOR ticket, classes, h IN SELECT m.key, m.classes, m.history FROM model_history m ORDER BY m.key LOOP
        expected := sla_model.model_clocks(h);
        actual := sla_model.engine_clocks('bulk', ticket);
        IF expected IS DISTINCT FROM actual THEN
            path := 'bulk';
            history := sla_model.history_text(h);
            differing := differing + 1;
            RETURN NEXT;
        END IF;
    END LOOP;

    -- (b) through backfill with the status history
    IF with_backfill THEN
        PERFORM sla_model.create_host('back');
        FOR k, h IN SELECT m.key, m.history FROM model_history m WHERE m.through_backfill ORDER BY m.key LOOP
            PERFORM sla_model.play('back', k, h);
            backfilled := backfilled + 1;
        END LOOP;
        PERFORM sla_model.attach_host('back');
        PERFORM sla_model.backfill_host('back');
        FOR ticket, classes, h IN SELECT m.key, m.classes, m.history FROM model_history m
                                    WHERE m.through_backfill ORDER BY m.key LOOP
            expected := sla_model.model_clocks(h);
            actual := sla_model.engine_clocks('back', ticket);
            IF expected IS DISTINCT FROM actual THEN
                path := 'backfill';
                history := sla_model.history_text(h);
                differing := differing + 1;
                RETURN NEXT;
            END IF;
        END LOOP;
    END IF;

    ticket := NULL; expected := NULL; actual := NULL;
    -- how often each class was played, so that a test can see the run covered them
    path := 'classes';
    classes := ARRAY(SELECT format('%s=%s', c, count(*)) FROM model_history m, unnest(m.classes) c GROUP BY c ORDER BY c);
    history := NULL;
    RETURN NEXT;
    classes := NULL;
    path := 'backfilled';
    ticket := backfilled;
    RETURN NEXT;
    ticket := NULL;
    path := 'summary';
    history := format('%s tickets (%s facts) played through the triggers, one by one and in bulk, %s of them also through backfill, %s skipped by class; %s differing; %s',
                      played, facts, backfilled, skipped, differing, date_trunc('millisecond', clock_timestamp() - t0));
    RETURN NEXT;
END
$$;

-- One history by hand, through the triggers and the model: the differing lines (NULL when
-- they agree).  For reproducing a reported difference:
--   SELECT sla_model.check_history('[{"kind": "created", "at": "2026-11-23 10:00+01", "lifecycle": "open"}, ...]');
CREATE FUNCTION sla_model.check_history(history jsonb) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    key integer;
BEGIN
    IF NOT EXISTS (SELECT FROM sla.calendar WHERE name = 'model_cal') THEN
        PERFORM sla_model.define_policy();
    END IF;
    IF to_regclass('sla_model.one_ticket') IS NULL THEN
        PERFORM sla_model.create_host('one');
        PERFORM sla_model.attach_host('one');
    END IF;
    SELECT coalesce(max(id), 0) + 1 INTO key FROM sla_model.one_ticket;
    PERFORM sla_model.play('one', key, history);
    RETURN sla_model.clock_diff(sla_model.model_clocks(history), sla_model.engine_clocks('one', key));
END
$$;

-- The same through backfill: the history written into fresh tables with no triggers, then
-- attached and backfilled with its status history.
CREATE FUNCTION sla_model.check_backfill(history jsonb) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    prefix text := 'bf' || (SELECT count(*) + 1 FROM pg_class WHERE relname LIKE 'bf%\_ticket'
                                                            AND relnamespace = 'sla_model'::regnamespace);
BEGIN
    IF NOT EXISTS (SELECT FROM sla.calendar WHERE name = 'model_cal') THEN
        PERFORM sla_model.define_policy();
    END IF;
    PERFORM sla_model.create_host(prefix);
    PERFORM sla_model.play(prefix, 1, history);
    PERFORM sla_model.attach_host(prefix);
    PERFORM sla_model.backfill_host(prefix);
    RETURN sla_model.clock_diff(sla_model.model_clocks(history), sla_model.engine_clocks(prefix, 1));
END
$$;
