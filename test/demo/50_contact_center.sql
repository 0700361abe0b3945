-- 40_contact_center.sql — the helpdesk's own log of chat and phone contacts (one row per contact
-- offered to a queue), about three per chat or call ticket, and the call-centre metrics sla reads
-- from it through sla.attach_interactions.

CREATE TABLE helpdesk.call (
    id          bigserial PRIMARY KEY,
    ticket_id   bigint REFERENCES helpdesk.ticket,
    queue       text NOT NULL,
    channel     text NOT NULL CHECK (channel IN ('call', 'chat')),
    offered_at  timestamptz NOT NULL,
    answered_at timestamptz,		-- null: nobody answered
    ended_at    timestamptz,		-- hang-up; unanswered and ended = abandoned
    agent       text REFERENCES helpdesk.agent
);
CREATE INDEX ON helpdesk.call (offered_at);

-- Contacts: the one that opened the ticket and the customer's later chat messages and calls,
-- plus retries.  Waits are exponential with a mean that grows with the queue's load in the
-- desk's local hour; callers give up after an exponential patience (some within seconds).
INSERT INTO helpdesk.call (ticket_id, queue, channel, offered_at, answered_at, ended_at, agent)
SELECT c.ticket_id, c.queue, c.channel, c.offered_at,
       CASE WHEN c.patience >= c.wait THEN c.offered_at + c.wait END,
       CASE WHEN c.patience >= c.wait THEN c.offered_at + c.wait + c.talk ELSE c.offered_at + c.patience END,
       CASE WHEN c.patience >= c.wait THEN c.agent END
  FROM (SELECT x.ticket_id, x.queue, x.channel, x.offered_at, x.agent,
               date_trunc('second', -ln(1 - sim.rnd(x.k, 61)) * x.mean_wait * interval '1 second') AS wait,
               date_trunc('second', -ln(1 - sim.rnd(x.k, 62)) * CASE x.channel WHEN 'call' THEN 150 ELSE 300 END
                                    * interval '1 second') AS patience,
               date_trunc('second', exp(ln(CASE x.channel WHEN 'call' THEN 360 ELSE 720 END) + 0.5 * sim.rnorm(x.k, 63))
                                    * interval '1 second') AS talk
          FROM (SELECT y.*, y.ticket_id * 16 + y.n AS k,
                       CASE y.channel WHEN 'call' THEN 10 ELSE 8 END
                       * CASE WHEN extract(hour FROM y.offered_at AT TIME ZONE
                                       CASE y.queue WHEN 'us-support' THEN 'America/New_York' ELSE 'Europe/Berlin' END)
                                   IN (9, 10, 11, 14, 15) THEN 1.6 ELSE 0.8 END
                       * CASE WHEN extract(isodow FROM y.offered_at) = 1 THEN 1.3 ELSE 1 END AS mean_wait
                  FROM (SELECT m.ticket_id, t.department AS queue, m.channel, m.created_at AS offered_at,
                               row_number() OVER (PARTITION BY m.ticket_id ORDER BY m.id)::integer AS n,
                               coalesce(t.assignee, (SELECT a.agents[1 + (m.id % cardinality(a.agents))::integer]
                                                       FROM sim.dept_agents a WHERE a.department = t.department)) AS agent
                          FROM helpdesk.message m JOIN helpdesk.ticket t ON t.id = m.ticket_id
                         WHERE m.author_type = 'customer' AND m.channel IN ('chat', 'call')
                        UNION ALL
                        -- retries: a contact a few minutes before, about one per ticket
                        SELECT t.id, t.department, t.channel,
                               t.created_at - (1 + sim.rnd(t.id, 64) * 20) * interval '1 minute', 8 + r, NULL
                          FROM helpdesk.ticket t, generate_series(1, 2) r
                         WHERE t.channel IN ('chat', 'call') AND sim.rnd(t.id, 64 + r) < 0.55) y) x) c
 WHERE c.offered_at >= '2026-11-01 00:00+00' AND c.offered_at < '2026-12-01 00:00+00'
 ORDER BY c.offered_at, c.ticket_id;
-- the retries got no agent of their own: the one of the first contact, or the queue's
UPDATE helpdesk.call c SET agent = (SELECT a.agents[1 + (c.id % cardinality(a.agents))::integer]
                                      FROM sim.dept_agents a WHERE a.department = c.queue)
 WHERE c.agent IS NULL AND c.answered_at IS NOT NULL;

\echo
\echo '== Call-centre metrics for November per week, queue and channel: service level 80/20 (80 % answered within 20 s)'
SELECT sla.attach_interactions('helpdesk.call',
    '{"queue": "queue", "channel": "channel", "offered_at": "offered_at", "answered_at": "answered_at",
      "ended_at": "ended_at", "agent": "agent"}') > 0 AS ok \gset
SELECT to_char(r.period_start, 'Mon DD') AS "week of", r.queue, r.channel, r.offered, r.answered,
       r.answered_in_threshold AS "in 20 s", r.abandoned, r.short_abandoned AS "short (<5 s)",
       r.service_level AS "service level %", CASE WHEN r.service_level >= 80 THEN 'met' ELSE 'missed' END AS "80/20",
       to_char(r.average_speed_of_answer, 'MI:SS') AS asa, to_char(r.max_speed_of_answer, 'MI:SS') AS "max wait",
       r.abandonment_rate AS "abandoned %", to_char(r.average_wait_abandoned, 'MI:SS') AS "avg wait abandoned"
  FROM sla.contact_center_report('2026-11-01 00:00+00', '2026-12-01 00:00+00', answer_threshold => '20 seconds',
                                 period => 'week', time_zone => 'UTC', short_abandon => '5 seconds',
                                 as_of => '2026-12-01 00:00+00') r
 ORDER BY r.period_start, r.queue, r.channel;
\echo
\echo '== The whole month per queue and channel'
SELECT r.queue, r.channel, r.offered, r.answered, r.abandoned, r.service_level AS "service level %",
       CASE WHEN r.service_level >= 80 THEN 'met' ELSE 'missed' END AS "80/20",
       to_char(r.average_speed_of_answer, 'MI:SS') AS asa, r.abandonment_rate AS "abandoned %"
  FROM sla.contact_center_report('2026-11-01 00:00+00', '2026-12-01 00:00+00', period => NULL,
                                 as_of => '2026-12-01 00:00+00') r
 ORDER BY r.queue, r.channel;
