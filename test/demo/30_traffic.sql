-- 30_traffic.sql — a month of traffic, November 2026 (UTC), through the helpdesk's own INSERT and
-- UPDATE statements: sla's triggers do all the SLA work.
--
-- 1. sim.seed: the tickets' attributes, drawn from hashes of the ticket id (reproducible).
-- 2. sim.plan: each ticket's story as a list of events in its own order (creation, messages,
--    assignment, pending, on-hold, priority raise, solved, reopened, closed, spam), timed with
--    sla.business_add on the calendar of the level the rules give the ticket (agents work the
--    level's hours) and cut at the month end.
-- 3. sim.replay(): plays the events hour by hour; inside an hour, a ticket's events in their
--    order.  After every hour sla.check_breaches(end of the hour) records the warnings and
--    breaches, as the breach worker or a pg_cron job would, and runs the escalations.  One
--    transaction per hour.

-- when tickets come in: weight per UTC hour of November, by local weekday and hour of the desk
CREATE TABLE sim.hour_bucket AS
WITH hours AS (
    SELECT z.desk, z.cal, z.zone, h AS hour_start, (h AT TIME ZONE z.zone) AS local
      FROM generate_series('2026-11-01 00:00+00'::timestamptz, '2026-11-30 23:00+00', '1 hour') h,
           (VALUES ('berlin', 'berlin-office', 'Europe/Berlin'), ('us', 'us-desk', 'America/New_York')) z(desk, cal, zone)
), weighted AS (
    SELECT desk, hour_start,
           (ARRAY[1.25, 1.15, 1.1, 1.05, 0.95, 0.35, 0.3])[extract(isodow FROM local)]
           * (ARRAY[0.12, 0.08, 0.06, 0.06, 0.08, 0.15, 0.3, 0.6, 1.1, 1.6, 1.7, 1.5, 1.1, 1.4, 1.5, 1.4,
                    1.2, 0.9, 0.6, 0.5, 0.45, 0.4, 0.3, 0.2])[1 + extract(hour FROM local)::int]
           -- fewer tickets on a desk's holidays and half days
           * CASE WHEN extract(isodow FROM local) > 5 THEN 1.0
                  ELSE 0.4 + 0.6 * sla.business_seconds(sla.business_between(
                           date_trunc('day', local) AT TIME ZONE zone,
                           (date_trunc('day', local) + interval '1 day') AT TIME ZONE zone, cal)) / 36000.0 END AS w
      FROM hours
)
SELECT desk, hour_start, sum(w) OVER (PARTITION BY desk ORDER BY hour_start) / sum(w) OVER (PARTITION BY desk) AS cum_hi
  FROM weighted;
CREATE INDEX ON sim.hour_bucket (desk, cum_hi);

-- the targets and calendar of each level, and the agents of each department
CREATE TABLE sim.level_info AS
SELECT l.name AS level, l.calendar_id,
       max(t.target) FILTER (WHERE t.metric = 'first_response') AS t_first,
       max(t.target) FILTER (WHERE t.metric = 'next_response') AS t_next,
       max(t.target) FILTER (WHERE t.metric = 'chat_response') AS t_chat,
       max(t.target) FILTER (WHERE t.metric = 'call_response') AS t_call
  FROM sla.level l JOIN sla.level_target t ON t.level_id = l.id GROUP BY l.name, l.calendar_id;
CREATE TABLE sim.dept_agents AS
SELECT a.department, array_agg(a.login ORDER BY a.login) AS agents
  FROM helpdesk.agent a JOIN helpdesk.agent_status s ON s.agent = a.login
 WHERE s.status <> 'on-leave' GROUP BY a.department;

\echo
\echo '== Generating the month''s traffic plan (tickets, then each ticket''s events in order)'
SELECT clock_timestamp() AS plan_started \gset
CREATE TABLE sim.seed AS
WITH t AS (
    SELECT i AS id,
           1 + floor((SELECT count(*) FROM helpdesk.customer) * power(sim.rnd(i, 1), 1.4))::int AS customer_id
      FROM generate_series(1, :tickets) i
), t2 AS (
    SELECT t.id, t.customer_id, o.customer_group, o.country,
           CASE WHEN o.country = 'US' AND sim.rnd(t.id, 2) < 0.92 THEN 'us-support'
                ELSE sim.pick(sim.rnd(t.id, 3), '{technical,billing,sales}', '{58,27,15}') END AS department,
           CASE WHEN o.customer_group = 'free' THEN sim.pick(sim.rnd(t.id, 4), '{email,chat}', '{85,15}')
                ELSE sim.pick(sim.rnd(t.id, 4), '{email,chat,call}', '{58,27,15}') END AS channel,
           sim.pick(sim.rnd(t.id, 5), '{low,normal,high,urgent}', '{15,63,18,4}') AS priority,
           sim.pick(sim.rnd(t.id, 8), '{Payments API,Web Shop,Mobile App,Analytics,Hosting}', '{25,25,20,15,15}') AS product
      FROM t JOIN helpdesk.customer c ON c.id = t.customer_id JOIN helpdesk.organisation o ON o.id = c.organisation_id
), t3 AS (
    SELECT t2.*,
           CASE WHEN department IN ('technical', 'us-support')
                     AND sim.rnd(id, 9) < 0.85 THEN sim.pick(sim.rnd(id, 10),
                     '{login,api,performance,bug,mobile,outage,security,feature-request,invoice}', '{16,18,12,22,10,6,4,10,2}')
                WHEN department = 'billing' THEN sim.pick(sim.rnd(id, 10), '{invoice,refund,payment-method,gdpr}', '{50,25,17,8}')
                WHEN department = 'sales' THEN sim.pick(sim.rnd(id, 10), '{pricing,upgrade,trial}', '{40,35,25}')
                ELSE 'question' END AS topic,
           CASE WHEN department IN ('technical', 'us-support')
                THEN sim.pick(sim.rnd(id, 11), '{S1,S2,S3,S4}', '{3,12,52,33}') END AS severity
      FROM t2
)
SELECT id, customer_id, customer_group, department, channel, priority, product, severity,
       ARRAY[topic] || CASE WHEN sim.rnd(id, 12) < 0.2 THEN ARRAY[sim.pick(sim.rnd(id, 13),
                                 '{follow-up,beta,windows,macos,android}', '{30,15,20,15,20}')] ELSE '{}' END AS tags,
       jsonb_strip_nulls(jsonb_build_object('product', product, 'severity', severity,
           'contract', CASE WHEN customer_group IN ('vip', 'enterprise') THEN 'C-2026-' || lpad((customer_id % 997)::text, 4, '0') END,
           'browser', CASE WHEN product = 'Web Shop' THEN sim.pick(sim.rnd(id, 14), '{Firefox,Chrome,Safari,Edge}', '{25,45,20,10}') END)) AS custom,
       format('%s: %s', product, CASE topic
           WHEN 'login' THEN 'cannot log in since this morning' WHEN 'api' THEN 'API returns 502 for some requests'
           WHEN 'performance' THEN 'pages load very slowly' WHEN 'bug' THEN 'wrong totals in the report'
           WHEN 'mobile' THEN 'app crashes on start' WHEN 'outage' THEN 'service unavailable'
           WHEN 'security' THEN 'suspicious logins on our account' WHEN 'feature-request' THEN 'export to CSV?'
           WHEN 'invoice' THEN 'invoice shows the wrong VAT' WHEN 'refund' THEN 'refund for a double charge'
           WHEN 'payment-method' THEN 'change our credit card' WHEN 'gdpr' THEN 'data export request (GDPR)'
           WHEN 'pricing' THEN 'pricing for 50 seats' WHEN 'upgrade' THEN 'upgrade to the business plan'
           WHEN 'trial' THEN 'extend our trial' ELSE 'question' END) AS subject,
       (SELECT date_trunc('second', b.hour_start + sim.rnd(id, 7) * interval '1 hour')
          FROM sim.hour_bucket b
         WHERE b.desk = CASE WHEN department = 'us-support' THEN 'us' ELSE 'berlin' END AND b.cum_hi > sim.rnd(id, 6)
         ORDER BY b.cum_hi LIMIT 1) AS created_at,
       NULL::text AS level
  FROM t3;
-- the level the rules will give each ticket (the same dry run the trigger does), so that the
-- generator can time the agents' work against the level's targets and calendar
UPDATE sim.seed s SET level = (SELECT m.chosen_level FROM sla.match_rules(jsonb_strip_nulls(jsonb_build_object(
        'priority', s.priority, 'channel', s.channel, 'department', s.department, 'tags', to_jsonb(s.tags),
        'customer_group', s.customer_group, 'custom.product', s.product, 'custom.severity', s.severity)),
        s.created_at) m LIMIT 1);
ALTER TABLE sim.seed ADD PRIMARY KEY (id);

CREATE TABLE sim.plan (
    ticket_id   bigint NOT NULL,
    seq         integer NOT NULL,
    at          timestamptz NOT NULL,
    kind        "char" NOT NULL,	-- t: new ticket, m: message, u: ticket update
    status      text,
    priority    text,
    department  text,
    assignee    text,
    is_spam     boolean,
    author_type text,
    author      text,
    is_internal boolean,
    channel     text,
    body        text,
    hour        integer		-- hours since the month start: the replay's unit
);

-- One ticket's story.  Every event is at or after the previous one.
CREATE FUNCTION sim.ticket_events(s sim.seed) RETURNS SETOF sim.plan
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    e sim.plan;
    li sim.level_info;
    t timestamptz := s.created_at;		-- time of the latest event
    cand timestamptz;
    reply_at timestamptz;
    raise_at timestamptz;
    dept text := s.department;
    agent text;
    chan text := s.channel;
    mu float8;
    f float8;
    n_cycles integer;
    pending boolean;
    cust_chan text;
    solved boolean;
    k integer;
BEGIN
    SELECT * INTO li FROM sim.level_info WHERE level = s.level;
    e.ticket_id := s.id;
    e.seq := 0;
    -- team speed: log-normal reply times around a share of the target; weekend and night tickets
    -- wait for the Monday (or morning) backlog
    mu := CASE dept WHEN 'billing' THEN -1.15 WHEN 'sales' THEN -0.7 WHEN 'us-support' THEN -0.85 ELSE -0.95 END
          + CASE WHEN sla.is_open(s.created_at, li.calendar_id) THEN 0 ELSE 0.3 END;

    -- the ticket arrives with the customer's first message (a voicemail for a call-back request)
    e.seq := e.seq + 1; e.at := t; e.kind := 't'; RETURN NEXT e; e.kind := NULL;
    e.seq := e.seq + 1; e.kind := 'm'; e.author_type := 'customer'; e.author := s.customer_id::text;
    e.is_internal := false; e.channel := chan;
    e.body := CASE chan WHEN 'call' THEN 'Voicemail: please call me back about ' || s.subject
                        WHEN 'chat' THEN 'Hi, ' || s.subject ELSE s.subject END;
    RETURN NEXT e;
    IF chan = 'email' THEN
        t := t + interval '2 seconds';
        e.seq := e.seq + 1; e.at := t; e.author_type := 'system'; e.author := 'autoresponder';
        e.body := 'We received your request and will answer soon.'; RETURN NEXT e;
    END IF;

    -- spam: marked within half an hour, nothing else happens
    IF chan = 'email' AND s.customer_group = 'free' AND sim.rnd(s.id, 20) < 0.04 THEN
        e := ROW(s.id, e.seq + 1, t + sim.rnd(s.id, 21) * interval '30 minutes', 'u');
        e.is_spam := true; RETURN NEXT e;
        RETURN;
    END IF;

    -- the first reply: chat and call-back requests are answered on their channel's target
    f := least(exp(mu + 0.8 * sim.rnorm(s.id, 22)), 6);
    reply_at := sla.business_add(t, coalesce(CASE chan WHEN 'chat' THEN li.t_chat WHEN 'call' THEN li.t_call END, li.t_first)
                                      OPERATOR(sla.*) f, li.calendar_id);
    -- some tickets are raised to urgent before anyone answered: the on_update rule moves them to
    -- the premium level (re-targeted from their start), and the premium desk answers quickly
    IF s.priority <> 'urgent' AND dept <> 'sales' AND sim.rnd(s.id, 23) < 0.03 THEN
        raise_at := date_trunc('second', t + (reply_at - t) * (0.2 + 0.6 * sim.rnd(s.id, 24)));
        IF raise_at > t THEN
            t := raise_at;
            e := ROW(s.id, e.seq + 1, t, 'u'); e.priority := 'urgent'; RETURN NEXT e;
            SELECT * INTO li FROM sim.level_info WHERE level = 'premium';
            reply_at := least(reply_at, sla.business_add(t, li.t_first OPERATOR(sla.*) least(exp(-0.9 + 0.7 * sim.rnorm(s.id, 25)), 4),
                                                         li.calendar_id));
        END IF;
    END IF;
    reply_at := greatest(date_trunc('second', reply_at), t + interval '2 seconds');

    -- triage: assigned shortly before the reply; 8 % are moved to another department first
    IF dept IN ('technical', 'billing', 'sales') AND sim.rnd(s.id, 26) < 0.08 THEN
        dept := CASE dept WHEN 'technical' THEN 'billing' ELSE 'technical' END;
        e := ROW(s.id, e.seq + 1, NULL, 'u'); e.department := dept;
    ELSE
        e := ROW(s.id, e.seq + 1, NULL, 'u');
    END IF;
    SELECT a.agents[1 + floor(sim.rnd(s.id, 27) * cardinality(a.agents))::int] INTO agent
      FROM sim.dept_agents a WHERE a.department = dept;
    t := greatest(t + interval '1 second', reply_at - least(interval '10 minutes', (reply_at - t) / 2));
    e.at := date_trunc('second', t); e.status := 'open'; e.assignee := agent; RETURN NEXT e;
    -- an internal note: nothing moves
    IF sim.rnd(s.id, 28) < 0.25 THEN
        e := ROW(s.id, e.seq + 1, t, 'm');
        e.author_type := 'agent'; e.author := agent; e.is_internal := true; e.channel := 'note';
        e.body := 'Checked the logs, looks like a known issue.'; RETURN NEXT e;
    END IF;
    t := greatest(reply_at, t + interval '1 second');
    e := ROW(s.id, e.seq + 1, t, 'm');
    e.author_type := 'agent'; e.author := agent; e.is_internal := false; e.channel := chan;
    e.body := 'Thanks for reaching out, we are looking into it.'; RETURN NEXT e;

    -- follow-ups: the customer answers, the agent replies (next_response; chat_response in a chat)
    n_cycles := sim.pick(sim.rnd(s.id, 30), '{0,1,2,3}', '{38,34,18,10}')::integer;
    FOR k IN 1 .. n_cycles LOOP
        pending := k = 1 AND sim.rnd(s.id, 31) < 0.25;
        IF pending THEN
            t := t + interval '1 minute';
            e := ROW(s.id, e.seq + 1, t, 'u'); e.status := 'pending'; RETURN NEXT e;
            IF sim.rnd(s.id, 32) < 0.3 THEN
                -- the customer never answers: solved automatically after four days, closed four later
                t := t + interval '4 days';
                e := ROW(s.id, e.seq + 1, t, 'u'); e.status := 'solved'; RETURN NEXT e;
                e := ROW(s.id, e.seq + 1, t + interval '4 days', 'u'); e.status := 'closed'; RETURN NEXT e;
                RETURN;
            END IF;
        END IF;
        cust_chan := CASE WHEN chan = 'chat' AND sim.rnd(s.id, 33 + 10 * k) < 0.7 THEN 'chat' ELSE 'email' END;
        cand := t + CASE cust_chan WHEN 'chat' THEN least(exp(ln(120) + 0.8 * sim.rnorm(s.id, 34 + 10 * k)), 1800) * interval '1 second'
                                  ELSE least(exp(ln(5 * 3600) + 1.1 * sim.rnorm(s.id, 34 + 10 * k)), 8 * 86400) * interval '1 second' END;
        t := date_trunc('second', cand) + interval '1 second';
        IF pending THEN
            e := ROW(s.id, e.seq + 1, t, 'u'); e.status := 'open'; RETURN NEXT e;
        END IF;
        e := ROW(s.id, e.seq + 1, t, 'm');
        e.author_type := 'customer'; e.author := s.customer_id::text; e.is_internal := false; e.channel := cust_chan;
        e.body := 'Still happening, see the attached screenshot.'; RETURN NEXT e;
        f := least(exp(mu + 0.8 * sim.rnorm(s.id, 35 + 10 * k)), 6);
        reply_at := sla.business_add(t, CASE WHEN cust_chan = 'chat' THEN coalesce(li.t_chat, li.t_next) ELSE li.t_next END
                                         OPERATOR(sla.*) f, li.calendar_id);
        -- on hold while engineering looks at it (the clocks keep running)
        IF k = 1 AND sim.rnd(s.id, 36) < 0.06 THEN
            t := t + interval '5 minutes';
            e := ROW(s.id, e.seq + 1, t, 'u'); e.status := 'on-hold'; RETURN NEXT e;
            t := date_trunc('second', t + least(exp(ln(86400) + 0.5 * sim.rnorm(s.id, 37)), 5 * 86400) * interval '1 second');
            e := ROW(s.id, e.seq + 1, t, 'u'); e.status := 'open'; RETURN NEXT e;
        END IF;
        t := greatest(date_trunc('second', reply_at), t + interval '1 second');
        e := ROW(s.id, e.seq + 1, t, 'm');
        e.author_type := 'agent'; e.author := agent; e.is_internal := false;
        e.channel := CASE WHEN cust_chan = 'chat' THEN 'chat' ELSE 'email' END;
        e.body := 'Here is what we found.'; RETURN NEXT e;
    END LOOP;

    -- solved (most; the backlog of the last week less so, and a few are forgotten), sometimes
    -- reopened by the customer, closed four days later (about half)
    solved := sim.rnd(s.id, 40) < CASE WHEN s.created_at > '2026-11-23' THEN 0.85 ELSE 0.985 END;
    IF NOT solved THEN
        RETURN;
    END IF;
    t := CASE WHEN sim.rnd(s.id, 41) < 0.6 THEN t + interval '1 minute'
              ELSE date_trunc('second', sla.business_add(t, '3 hours'::sla.business_interval
                       OPERATOR(sla.*) least(exp(0.8 * sim.rnorm(s.id, 42)), 8), li.calendar_id)) + interval '1 second' END;
    e := ROW(s.id, e.seq + 1, t, 'u'); e.status := 'solved'; RETURN NEXT e;
    IF sim.rnd(s.id, 43) < 0.06 THEN
        -- the customer writes again: the message first, then the helpdesk reopens the ticket
        t := date_trunc('second', t + least(exp(ln(86400) + 0.7 * sim.rnorm(s.id, 44)), 6 * 86400) * interval '1 second');
        e := ROW(s.id, e.seq + 1, t, 'm');
        e.author_type := 'customer'; e.author := s.customer_id::text; e.is_internal := false; e.channel := 'email';
        e.body := 'Sorry, the problem is back.'; RETURN NEXT e;
        t := t + interval '1 second';
        e := ROW(s.id, e.seq + 1, t, 'u'); e.status := 'open'; RETURN NEXT e;
        t := greatest(date_trunc('second', sla.business_add(t, li.t_next OPERATOR(sla.*) least(exp(mu + 0.8 * sim.rnorm(s.id, 45)), 6),
                                                            li.calendar_id)), t + interval '1 second');
        e := ROW(s.id, e.seq + 1, t, 'm');
        e.author_type := 'agent'; e.author := agent; e.is_internal := false; e.channel := 'email';
        e.body := 'Fixed for good now.'; RETURN NEXT e;
        t := t + interval '1 minute';
        e := ROW(s.id, e.seq + 1, t, 'u'); e.status := 'solved'; RETURN NEXT e;
    END IF;
    IF sim.rnd(s.id, 46) < 0.55 THEN
        e := ROW(s.id, e.seq + 1, t + interval '4 days', 'u'); e.status := 'closed'; RETURN NEXT e;
    END IF;
END
$$;

INSERT INTO sim.plan
SELECT e.ticket_id, e.seq, e.at, e.kind, e.status, e.priority, e.department, e.assignee, e.is_spam, e.author_type,
       e.author, e.is_internal, e.channel, e.body, floor(extract(epoch FROM e.at - '2026-11-01 00:00+00') / 3600)
  FROM sim.seed s, LATERAL sim.ticket_events(s) e WHERE e.at < '2026-12-01 00:00+00';
CREATE INDEX ON sim.plan (hour, seq, kind);
ANALYZE sim.seed, sim.plan;
SELECT format('   %s tickets, %s events planned (%s messages, %s ticket updates) in %s s',
              to_char(:tickets, 'FM9,999,999'), to_char(count(*), 'FM99,999,999'),
              to_char(count(*) FILTER (WHERE kind = 'm'), 'FM99,999,999'),
              to_char(count(*) FILTER (WHERE kind = 'u'), 'FM99,999,999'),
              round(extract(epoch FROM clock_timestamp() - :'plan_started'::timestamptz), 1)) AS line FROM sim.plan \gset
\echo :line

-- Progress of the replay, kept across its calls.
CREATE TABLE sim.progress AS
SELECT clock_timestamp() AS started, 0::bigint AS done, 0::bigint AS tickets_done, 0::bigint AS analyzed_at_done,
       count(*) AS total, count(*) FILTER (WHERE kind = 't') AS total_tickets
  FROM sim.plan;

-- The helpdesk's tables and sla's tracking tables of its key type (sla.clock, sla.event,
-- sla.ticket and sla.fact are views over every key type's tables, which ANALYZE skips).
CREATE PROCEDURE sim.analyze() LANGUAGE plpgsql AS $$
DECLARE
    kt text := (SELECT a.key_type FROM sla.attachment a WHERE a.ticket_table = 'helpdesk.ticket'::regclass);
BEGIN
    EXECUTE format('ANALYZE helpdesk.ticket, helpdesk.message, %s, %s, %s, %s',
                   sla.tracking_table('clock', kt), sla.tracking_table('event', kt),
                   sla.tracking_table('ticket', kt), sla.tracking_table('fact', kt));
END $$;

-- Plays the hours [first_hour, last_hour] of the plan through the helpdesk's own statements,
-- one transaction per hour; returns a progress line.
CREATE PROCEDURE sim.replay(first_hour integer, last_hour integer, INOUT progress text DEFAULT NULL)
    LANGUAGE plpgsql AS $$
DECLARE
    month_start constant timestamptz := '2026-11-01 00:00+00';
    n_done bigint := 0;
    n_tickets bigint := 0;
    n bigint;
    st record;
    prog sim.progress;
    done_before constant bigint := (SELECT x.done FROM sim.progress x);
    analyzed_at bigint := (SELECT x.analyzed_at_done FROM sim.progress x);
BEGIN
    FOR h IN first_hour .. last_hour LOOP
        -- a helpdesk's autovacuum keeps statistics current: it analyzes a table once a tenth of
        -- it has changed, at most once a minute (autovacuum_analyze_scale_factor and naptime).
        -- Inside this long procedure it cannot (the backend never goes idle to report its
        -- changes), so the replay analyzes once the events played have grown by half since the
        -- last time (a simulated hour takes a fraction of a second): plans made for small tables
        -- do not last into large ones, and the large ones are not analyzed every simulated day
        IF done_before + n_done >= analyzed_at * 1.5 + 1000 THEN
            CALL sim.analyze();
            analyzed_at := done_before + n_done;
            UPDATE sim.progress SET analyzed_at_done = analyzed_at;
        END IF;
        FOR st IN SELECT p.seq, bool_or(p.kind = 't') AS has_t, bool_or(p.kind = 'm') AS has_m, bool_or(p.kind = 'u') AS has_u
                    FROM sim.plan p WHERE p.hour = h GROUP BY p.seq ORDER BY p.seq LOOP
            IF st.has_t THEN
                INSERT INTO helpdesk.ticket (id, subject, status, priority, channel, department, assignee, customer_id,
                                             tags, custom, created_at, updated_at)
                SELECT s.id, s.subject, 'new', s.priority, s.channel, s.department, NULL, s.customer_id, s.tags, s.custom,
                       p.at, p.at
                  FROM sim.plan p JOIN sim.seed s ON s.id = p.ticket_id
                 WHERE p.hour = h AND p.seq = st.seq AND p.kind = 't' ORDER BY p.ticket_id;
                GET DIAGNOSTICS n = ROW_COUNT;
                n_done := n_done + n;
                n_tickets := n_tickets + n;
            END IF;
            IF st.has_m THEN
                INSERT INTO helpdesk.message (ticket_id, author_type, author, is_internal, channel, body, created_at)
                SELECT p.ticket_id, p.author_type, p.author, p.is_internal, p.channel, p.body, p.at
                  FROM sim.plan p WHERE p.hour = h AND p.seq = st.seq AND p.kind = 'm' ORDER BY p.ticket_id;
                GET DIAGNOSTICS n = ROW_COUNT;
                n_done := n_done + n;
            END IF;
            IF st.has_u THEN
                UPDATE helpdesk.ticket t
                   SET status = coalesce(p.status, t.status), priority = coalesce(p.priority, t.priority),
                       department = coalesce(p.department, t.department), assignee = coalesce(p.assignee, t.assignee),
                       is_spam = coalesce(p.is_spam, t.is_spam),
                       solved_at = CASE WHEN p.status = 'solved' THEN p.at
                                        WHEN p.status IN ('open', 'pending', 'on-hold') THEN NULL ELSE t.solved_at END,
                       updated_at = p.at
                  FROM sim.plan p
                 WHERE p.hour = h AND p.seq = st.seq AND p.kind = 'u' AND t.id = p.ticket_id;
                GET DIAGNOSTICS n = ROW_COUNT;
                n_done := n_done + n;
            END IF;
        END LOOP;
        -- the breach check as of the end of this hour: warnings, breaches, escalations
        PERFORM sla.check_breaches(month_start + (h + 1) * interval '1 hour');
        IF h = last_hour THEN
            UPDATE sim.progress x SET done = x.done + n_done, tickets_done = x.tickets_done + n_tickets
            RETURNING * INTO prog;
        END IF;
        COMMIT;
    END LOOP;
    progress := format('   up to %s  %s/%s tickets  %s/%s events (%s%%)  %s s',
        to_char(month_start + (last_hour + 1) * interval '1 hour', 'Mon DD HH24:MI'),
        lpad(to_char(prog.tickets_done, 'FM9,999,999'), length(to_char(prog.total_tickets, 'FM9,999,999'))),
        to_char(prog.total_tickets, 'FM9,999,999'),
        lpad(to_char(prog.done, 'FM99,999,999'), length(to_char(prog.total, 'FM99,999,999'))),
        to_char(prog.total, 'FM99,999,999'), lpad((prog.done * 100 / greatest(prog.total, 1))::text, 3),
        to_char(extract(epoch FROM clock_timestamp() - prog.started), 'FM99990.0'));
END
$$;

\echo
\echo '== Playing November 2026 hour by hour, 3 days per line (the triggers move the clocks; sla.check_breaches() runs after every hour)'
UPDATE sim.progress SET started = clock_timestamp();
\pset tuples_only on
\pset format unaligned
SELECT format('CALL sim.replay(%s, %s)', d * 72, d * 72 + 71) FROM generate_series(0, 9) d ORDER BY d \gexec
\pset tuples_only off
\pset format aligned
SELECT format('   replayed in %s s: %s ticket inserts and %s messages (%s ms per event, breach checks included)',
              round(extract(epoch FROM clock_timestamp() - started), 1), to_char(tickets_done, 'FM9,999,999'),
              to_char((SELECT count(*) FROM helpdesk.message), 'FM99,999,999'),
              round(1000 * extract(epoch FROM clock_timestamp() - started) / greatest(done, 1), 3)) AS line
  FROM sim.progress \gset
\echo :line
CALL sim.analyze();
