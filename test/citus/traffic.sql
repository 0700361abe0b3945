-- traffic.sql — the Citus test's month of traffic (November 2026), deterministic (hashes of the
-- ticket id), played through the helpdesk's own INSERT and UPDATE statements one at a time, as
-- its application would: sim.play_day(d) plays day d's events in order, each in a
-- subtransaction, and records any failure in sim.failure instead of stopping; sim.check(d) runs
-- sla.check_breaches(end of day d) the same way.  The sim schema stays local to the node that
-- plays (the coordinator on Citus): it is not part of the helpdesk.
CREATE SCHEMA sim;
CREATE FUNCTION sim.rnd(k bigint, salt integer) RETURNS float8
    LANGUAGE sql IMMUTABLE AS
$$ SELECT ((hashint8extended(k, salt) >> 11) & 9007199254740991)::float8 / 9007199254740992.0 $$;

CREATE TABLE sim.failure (
    at       timestamptz,
    what     text,
    ticket   bigint,
    sqlstate text,
    message  text
);

-- each ticket's story: created (with the customer's first message), agent replies, a pending
-- spell with the customer's answer, a priority raised to urgent (a rule gives another level
-- on update), solved, closed; a few are spam, a few get a status the mapping does not know
CREATE TABLE sim.plan (
    ticket_id   bigint NOT NULL,
    seq         integer NOT NULL,
    at          timestamptz NOT NULL,
    kind        text NOT NULL,          -- ticket, message, update
    status      text,
    priority    text,
    assignee    text,
    author_type text,
    is_internal boolean,
    channel     text,
    PRIMARY KEY (ticket_id, seq)
);

WITH t AS (
    SELECT i AS id,
           '2026-11-01 00:00+00'::timestamptz + (sim.rnd(i, 1) * 28 * 86400) * interval '1 second' AS created,
           CASE WHEN sim.rnd(i, 2) < 0.2 THEN 'chat' ELSE 'email' END AS channel,
           CASE WHEN sim.rnd(i, 3) < 0.1 THEN 'urgent' WHEN sim.rnd(i, 3) < 0.4 THEN 'high' ELSE 'normal' END AS priority,
           (ARRAY['technical', 'billing', 'sales'])[1 + floor(sim.rnd(i, 4) * 3)::int] AS department,
           (ARRAY['anna', 'jonas', 'lea', 'paul', 'mia'])[1 + floor(sim.rnd(i, 5) * 5)::int] AS agent,
           sim.rnd(i, 6) AS u_reply, sim.rnd(i, 7) AS u_pending, sim.rnd(i, 8) AS u_answer,
           sim.rnd(i, 9) AS u_raise, sim.rnd(i, 10) AS u_solve, sim.rnd(i, 11) AS u_close,
           sim.rnd(i, 12) AS u_odd
      FROM generate_series(1, :tickets) i
), ev AS (
    SELECT id, 1 AS seq, created AS at, 'ticket' AS kind, 'new' AS status, priority, NULL::text AS assignee,
           NULL::text AS author_type, NULL::boolean AS is_internal, channel FROM t
    UNION ALL
    SELECT id, 2, created, 'message', NULL, NULL, NULL, 'customer', false, channel FROM t
    -- the first reply: minutes to a day and a half
    UNION ALL
    SELECT id, 3, created + (5 + u_reply * 2000) * interval '1 minute', 'update', 'open', NULL, agent, NULL, NULL, NULL FROM t
    UNION ALL
    SELECT id, 4, created + (5 + u_reply * 2000) * interval '1 minute', 'message', NULL, NULL, NULL, 'agent',
           u_reply < 0.1, channel FROM t
    -- waiting for the customer, then the customer's answer
    UNION ALL
    SELECT id, 5, created + (10 + u_reply * 2000 + u_pending * 600) * interval '1 minute', 'update', 'pending', NULL, NULL,
           NULL, NULL, NULL FROM t WHERE u_pending < 0.5
    UNION ALL
    SELECT id, 6, created + (10 + u_reply * 2000 + u_pending * 600 + u_answer * 3000) * interval '1 minute', 'message',
           NULL, NULL, NULL, 'customer', false, channel FROM t WHERE u_answer < 0.7
    UNION ALL
    SELECT id, 7, created + (11 + u_reply * 2000 + u_pending * 600 + u_answer * 3000) * interval '1 minute', 'update',
           'open', NULL, NULL, NULL, NULL, NULL FROM t WHERE u_answer < 0.7
    UNION ALL
    SELECT id, 8, created + (20 + u_reply * 2000 + u_pending * 600 + u_answer * 3000 + u_raise * 900) * interval '1 minute',
           'message', NULL, NULL, NULL, 'agent', false, channel FROM t WHERE u_answer < 0.7 AND u_raise > 0.3
    -- the priority raised: a rule (on_update) gives the ticket the premium level
    UNION ALL
    SELECT id, 9, created + (30 + u_raise * 4000) * interval '1 minute', 'update', NULL, 'urgent', NULL, NULL, NULL, NULL
      FROM t WHERE u_raise < 0.12
    -- solved, then closed; spam; a status the mapping does not know
    UNION ALL
    SELECT id, 10, created + (60 + u_solve * 9000) * interval '1 minute', 'update', 'solved', NULL, NULL, NULL, NULL, NULL
      FROM t WHERE u_solve < 0.8
    UNION ALL
    SELECT id, 11, created + (60 + u_solve * 9000 + 1440 + u_close * 2000) * interval '1 minute', 'update', 'closed',
           NULL, NULL, NULL, NULL, NULL FROM t WHERE u_solve < 0.8 AND u_close < 0.5
    UNION ALL
    SELECT id, 12, created + (120 + u_odd * 100000) * interval '1 minute', 'update', 'spam', NULL, NULL, NULL, NULL, NULL
      FROM t WHERE u_odd < 0.03
    UNION ALL
    SELECT id, 13, created + (90 + (u_odd - 0.95) * 100000) * interval '1 minute', 'update', 'escalated-to-vendor', NULL, NULL,
           NULL, NULL, NULL FROM t WHERE u_odd > 0.95
)
INSERT INTO sim.plan
SELECT id, seq, date_trunc('second', at), kind, status, priority, assignee, author_type, is_internal, channel
  FROM ev WHERE at < '2026-12-01 00:00+00';

CREATE SEQUENCE sim.message_id;
CREATE TABLE sim.tickets AS SELECT id,
       CASE WHEN sim.rnd(id, 2) < 0.2 THEN 'chat' ELSE 'email' END AS channel,
       CASE WHEN sim.rnd(id, 3) < 0.1 THEN 'urgent' WHEN sim.rnd(id, 3) < 0.4 THEN 'high' ELSE 'normal' END AS priority,
       (ARRAY['technical', 'billing', 'sales'])[1 + floor(sim.rnd(id, 4) * 3)::int] AS department,
       1 + floor(sim.rnd(id, 13) * 50)::int AS customer_id
  FROM generate_series(1, :tickets) id;

-- day d's events (d = 1 .. 30), in order of time, ticket and step
CREATE FUNCTION sim.play_day(d integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    e record;
    n integer := 0;
    t sim.tickets;
BEGIN
    FOR e IN SELECT * FROM sim.plan
              WHERE at >= '2026-11-01 00:00+00'::timestamptz + (d - 1) * interval '1 day'
                AND at < '2026-11-01 00:00+00'::timestamptz + d * interval '1 day'
              ORDER BY at, ticket_id, seq
    LOOP
        BEGIN
            IF e.kind = 'ticket' THEN
                SELECT * INTO t FROM sim.tickets WHERE id = e.ticket_id;
                INSERT INTO helpdesk.ticket (id, subject, status, priority, channel, department, assignee,
                                             customer_id, created_at, updated_at)
                     VALUES (e.ticket_id, 'ticket ' || e.ticket_id, e.status, e.priority, e.channel,
                             t.department, NULL, t.customer_id, e.at, e.at);
            ELSIF e.kind = 'message' THEN
                INSERT INTO helpdesk.message (ticket_id, id, author_type, is_internal, channel, body, created_at)
                     VALUES (e.ticket_id, e.seq, e.author_type, e.is_internal, e.channel, 'step ' || e.seq, e.at);
            ELSE
                UPDATE helpdesk.ticket
                   SET status = coalesce(e.status, status), priority = coalesce(e.priority, priority),
                       assignee = coalesce(e.assignee, assignee), updated_at = e.at
                 WHERE id = e.ticket_id;
            END IF;
            n := n + 1;
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO sim.failure VALUES (e.at, e.kind || CASE WHEN e.kind = 'update' THEN
                                               ' ' || coalesce(e.status, e.priority) ELSE '' END,
                                            e.ticket_id, SQLSTATE, SQLERRM);
        END;
    END LOOP;
    RETURN n;
END
$$;

-- the breach check at the end of day d, as the breach worker or a pg_cron job would run it
CREATE FUNCTION sim.check(d integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    RETURN sla.check_breaches('2026-11-01 00:00+00'::timestamptz + d * interval '1 day');
EXCEPTION WHEN OTHERS THEN
    INSERT INTO sim.failure VALUES ('2026-11-01 00:00+00'::timestamptz + d * interval '1 day', 'check_breaches',
                                    NULL, SQLSTATE, SQLERRM);
    RETURN NULL;
END
$$;

-- a configuration edit mid-month: the standard level's first response target from 4 to 5 hours
-- (running clocks are re-targeted), made on the coordinator
CREATE FUNCTION sim.edit_policy() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sla.level_target SET target = '5 hours'
     WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'standard');
    RETURN true;
EXCEPTION WHEN OTHERS THEN
    INSERT INTO sim.failure VALUES ('2026-11-15 00:00+00', 'policy edit', NULL, SQLSTATE, SQLERRM);
    RETURN false;
END
$$;

-- a rule added after the month (on the coordinator): billing tickets get the live level; a new
-- billing ticket shows whether the triggers (on the shards) see it
CREATE FUNCTION sim.rule_edit() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r integer;
BEGIN
    INSERT INTO sla.rule (name, position, set_level_id, stop_processing, on_update)
         SELECT 'billing', 30, id, false, false FROM sla.level WHERE name = 'live' RETURNING id INTO r;
    INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
         VALUES (r, 1, 1, 'department', 'equals', '"billing"');
    INSERT INTO helpdesk.ticket (id, subject, status, priority, channel, department, assignee, customer_id,
                                 created_at, updated_at)
         VALUES (100000, 'after the rule edit', 'new', 'normal', 'email', 'billing', NULL, 1,
                 '2026-11-30 20:00+00', '2026-11-30 20:00+00');
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END
$$;
