-- policy_versions_clocks.sql — issue 12, the engine's side: each clock records the policy
-- version it runs under (sla.clock.policy_version).  A clock started by a ticket write takes the
-- version in force for its transaction (its own provisional one when the same transaction edited
-- the configuration, numbered at commit); a running clock re-targeted by an edit adopts the
-- edit's version, and its retargeted event names the old and new version and what changed; a
-- clock the edit leaves alone keeps its version (its terms did not change); a decided clock keeps
-- outcome, due date and version; removing a target cancels the clocks it measured, with an event
-- naming the versions; a ticket left to the breach check takes the version it is re-targeted to;
-- the SLA log as of a past instant (sla.sla_log_as_of, sla.clock_as_of); escalations and status
-- maps versioned like the rest of the configuration.
-- Versions are numbered at commit: the edits and writes are dblink sessions that commit, on
-- tables of their own, removed at the end.  Version numbers are counted from the latest version
-- after the setup (other files may have committed some).
BEGIN;
SELECT plan(44);

CREATE FUNCTION pg_temp.connect(conn text) RETURNS text LANGUAGE sql AS $$
    SELECT public.dblink_connect(conn, format('dbname=%s port=%s host=%s user=%s', current_database(),
           current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1), current_user))
$$;
CREATE FUNCTION pg_temp.value(conn text, q text) RETURNS text LANGUAGE sql AS $$
    SELECT x.v FROM public.dblink(conn, q) AS x (v text)
$$;
SELECT pg_temp.connect('pvc_w');
SELECT pg_temp.connect('pvc_a');
SELECT public.dblink_exec('pvc_a', $q$
    DO $$ BEGIN
        PERFORM sla.define_calendar('pvc', 'UTC', '24/7');
        PERFORM sla.define_level('pvc', 'pvc', first_response => '4 hours', resolution => '2 days', is_default => true);
    END $$$q$);
SELECT public.dblink_exec('pvc_a', 'CREATE TABLE public.pvc_ticket (id int PRIMARY KEY, st text, created timestamptz, upd timestamptz)');
SELECT public.dblink_exec('pvc_a', 'CREATE TABLE public.pvc_msg (id serial PRIMARY KEY, ticket int, who text, created timestamptz)');
SELECT public.dblink_exec('pvc_a', $q$
    DO $$ BEGIN
        PERFORM sla.attach('public.pvc_ticket', '{"key": "id", "created_at": "created", "updated_at": "upd", "status": "st"}',
            'public.pvc_msg', '{"ticket": "ticket", "created_at": "created", "author_kind": "who",
                                "customer_values": ["customer"], "agent_values": ["agent"]}');
        PERFORM sla.map_status('public.pvc_ticket', 'open', 'open');
        PERFORM sla.map_status('public.pvc_ticket', 'pending', 'paused');
    END $$$q$);
-- B: the version after the setup; pg_temp.v(n) is B + n
CREATE TEMP TABLE base AS SELECT max(version) AS v FROM sla.policy_version;
CREATE FUNCTION pg_temp.v(n integer) RETURNS text LANGUAGE sql AS $$ SELECT (v + n)::text FROM base $$;
-- a ticket's clocks: metric, state, due (UTC, day hour:minute), version relative to B
CREATE FUNCTION pg_temp.clocks(key text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.value('pvc_a', format($f$SELECT string_agg(metric || ' ' || state || ' ' || to_char(due_at AT TIME ZONE 'UTC', 'DD HH24:MI')
               || ' v' || coalesce((policy_version - %s)::text, 'null'), ', ' ORDER BY metric)
          FROM sla.clock WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass)
           AND ticket_key = %L$f$, (SELECT v FROM base), key))
$$;
-- a ticket's events of one kind: metric, reason or change, versions relative to B
CREATE FUNCTION pg_temp.events(key text, kind text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.value('pvc_a', format($f$SELECT string_agg(concat_ws(' ', detail ->> 'metric', detail ->> 'change',
               'v' || ((detail ->> 'from_version')::int - %1$s) || ' -> v' || ((detail ->> 'to_version')::int - %1$s)), ', ' ORDER BY id)
          FROM sla.event WHERE attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass)
           AND ticket_key = %2$L AND kind = %3$L$f$, (SELECT v FROM base), key, kind))
$$;

-- ------------------------------------------------------------------ clocks started by writes
SELECT public.dblink_exec('pvc_w', $$INSERT INTO public.pvc_ticket VALUES (1, 'open', '2026-11-23 09:00+00'), (2, 'open', '2026-11-23 09:00+00')$$);
SELECT is(pg_temp.clocks('1'), 'first_response running 23 13:00 v0, resolution running 25 09:00 v0',
    'a clock started by a ticket write records the latest version');
-- ticket 2 is answered: its first response is decided (met)
SELECT public.dblink_exec('pvc_w', $$INSERT INTO public.pvc_msg (ticket, who, created) VALUES (2, 'agent', '2026-11-23 09:30+00')$$);
SELECT is(pg_temp.clocks('2'), 'first_response met 23 13:00 v0, resolution running 25 09:00 v0', 'ticket 2 answered in time');

-- ------------------------------------------------------------------ v+1: a target changed
SELECT public.dblink_exec('pvc_a', $$UPDATE sla.level_target SET target = '1 hour'
    WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'pvc')$$);
SELECT is(pg_temp.value('pvc_a', 'SELECT max(version)::text FROM sla.policy_version'), pg_temp.v(1), 'the edit is the next version');
SELECT is(pg_temp.clocks('1'), 'first_response running 23 10:00 v1, resolution running 25 09:00 v0',
    'the re-targeted clock adopts the edit''s version, numbered at commit; the clock the edit does not move keeps its own');
SELECT is(pg_temp.events('1', 'retargeted'), 'first_response target changed v0 -> v1',
    'its retargeted event names the old and new version and what changed');
SELECT is(pg_temp.value('pvc_a', $$SELECT detail ->> 'reason' FROM sla.event WHERE kind = 'retargeted' AND ticket_key = '1'
    AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass)$$),
    'policy changed', 'the reason stays "policy changed"');
SELECT is(pg_temp.clocks('2'), 'first_response met 23 13:00 v0, resolution running 25 09:00 v0',
    'a decided clock keeps its outcome, due date and version');
SELECT is(pg_temp.events('2', 'retargeted'), NULL, 'and gets no event');

-- ------------------------------------------------------------------ v+2: a holiday added
SELECT public.dblink_exec('pvc_a', $q$DO $d$ BEGIN PERFORM sla.add_holiday('pvc', '2026-11-24', 'closed'); END $d$$q$);
SELECT is(pg_temp.clocks('1'), 'first_response running 23 10:00 v1, resolution running 26 09:00 v2',
    'a holiday: the resolution clock moves and adopts the version; first_response (due before it) keeps v+1');
SELECT is(pg_temp.events('1', 'retargeted'), 'first_response target changed v0 -> v1, resolution holiday added v0 -> v2',
    'holiday added, from the version the clock ran under');
SELECT is(pg_temp.clocks('2'), 'first_response met 23 13:00 v0, resolution running 26 09:00 v2', 'the decided clock still keeps all');

-- ------------------------------------------------------------------ v+3: an edit and a ticket in one transaction
SELECT public.dblink_exec('pvc_a', $$BEGIN;
    UPDATE sla.level SET warning_percent = 70 WHERE name = 'pvc';
    INSERT INTO public.pvc_ticket VALUES (3, 'open', '2026-11-23 09:00+00');
    COMMIT$$);
SELECT is(pg_temp.clocks('3'), 'first_response running 23 10:00 v3, resolution running 26 09:00 v3',
    'a clock started after its transaction''s own edit records that version, numbered at commit');
SELECT is(pg_temp.value('pvc_a', $$SELECT count(*)::text FROM sla.clock WHERE policy_version < 0$$), '0', 'no provisional number is left on a clock');
SELECT is(pg_temp.clocks('1'), 'first_response running 23 10:00 v1, resolution running 26 09:00 v2',
    'a warning share leaves due dates alone: no re-target, versions kept');

-- ------------------------------------------------------------------ v+4: two edits of one transaction
SELECT public.dblink_exec('pvc_a', $$BEGIN;
    UPDATE sla.level_target SET target = '3 hours' WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'pvc');
    UPDATE sla.level_target SET target = '2 hours' WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'pvc');
    COMMIT$$);
SELECT is(pg_temp.events('3', 'retargeted'), 'first_response target changed v3 -> v4, first_response target changed v4 -> v4',
    'two re-targets in one transaction: both events carry the real number (to_version and from_version)');
SELECT is(pg_temp.value('pvc_a', $$SELECT count(*)::text FROM sla.event WHERE (detail -> 'to_version') < '0'::jsonb
    OR (detail -> 'from_version') < '0'::jsonb$$), '0', 'no provisional number is left in an event');

-- ------------------------------------------------------------------ v+5: a target removed
SELECT public.dblink_exec('pvc_a', $$DELETE FROM sla.level_target WHERE metric = 'resolution'
    AND level_id = (SELECT id FROM sla.level WHERE name = 'pvc')$$);
SELECT is(pg_temp.clocks('1'), 'first_response running 23 11:00 v4, resolution cancelled 26 09:00 v2',
    'removing a target cancels the running clocks it measured; they keep their version and due date');
SELECT is(pg_temp.events('1', 'cancelled'), 'resolution target removed v2 -> v5',
    'the cancelled event names the version the clock ran under, the version without the target and the change');
SELECT is(pg_temp.value('pvc_a', $$SELECT detail ->> 'reason' FROM sla.event WHERE kind = 'cancelled' AND ticket_key = '1'
    AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass)$$),
    'the level no longer has a target for this metric', 'with its reason');

-- ------------------------------------------------------------------ v+6: a ticket left to the breach check
SELECT public.dblink_exec('pvc_w', 'BEGIN');
SELECT public.dblink_exec('pvc_w', $$INSERT INTO public.pvc_msg (ticket, who, created) VALUES (3, 'customer', '2026-11-23 09:10+00')$$);
SELECT public.dblink_exec('pvc_a', $$UPDATE sla.level_target SET target = '5 hours'
    WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'pvc')$$);
SELECT is(pg_temp.clocks('3'), 'first_response running 23 11:00 v4, resolution cancelled 26 09:00 v3',
    'the ticket the writer holds is not re-targeted yet');
SELECT public.dblink_exec('pvc_w', 'COMMIT');
SELECT is(pg_temp.value('pvc_w', $$SELECT sla.check_breaches('2026-11-23 09:30+00')::text$$), '1', 'the breach check re-targets it');
SELECT is(pg_temp.clocks('3'), 'first_response running 23 14:00 v6, resolution cancelled 26 09:00 v3',
    'with the version it is re-targeted to');
SELECT is(pg_temp.value('pvc_a', format($$SELECT concat_ws(' ', (detail ->> 'from_version')::int - %1$s, (detail ->> 'to_version')::int - %1$s,
        (detail ? 'change')::text) FROM sla.event WHERE kind = 'retargeted' AND ticket_key = '3'
    AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass) ORDER BY id DESC LIMIT 1$$,
    (SELECT v FROM base))), '4 6 false', 'its event names both versions (what changed: sla.policy_diff of the two)');
SELECT is(pg_temp.clocks('1'), 'first_response running 23 14:00 v6, resolution cancelled 26 09:00 v2', 'ticket 1 (free) at once');

-- ------------------------------------------------------------------ a rolled-back edit
SELECT public.dblink_exec('pvc_a', $$BEGIN;
    UPDATE sla.level_target SET target = '8 hours' WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'pvc');
    ROLLBACK$$);
SELECT public.dblink_exec('pvc_w', $$INSERT INTO public.pvc_ticket VALUES (4, 'open', '2026-11-23 09:00+00')$$);
SELECT is(pg_temp.clocks('4'), 'first_response running 23 14:00 v6', 'after a rolled-back edit the next clock takes the latest committed version');
SELECT is(pg_temp.clocks('2'), 'first_response met 23 13:00 v0, resolution cancelled 26 09:00 v2',
    'ticket 2''s decided first response kept everything through six versions');

-- ------------------------------------------------------------------ as of a past instant
-- The edits above took effect now (December); the tickets' clocks started on 23 November.
CREATE FUNCTION pg_temp.log_as_of(at timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(ticket || ' ' || metric || ' ' || state || ' ' || to_char(due_at AT TIME ZONE 'UTC', 'DD HH24:MI')
                      || ' v' || coalesce((policy_version - (SELECT v FROM base))::text, 'null') || ' ' || level,
                      ', ' ORDER BY ticket, metric)
      FROM sla.sla_log_as_of(at) WHERE ticket_table = 'public.pvc_ticket'::regclass
$$;
-- the present instant (now() is this test's start, before the sessions' edits took effect)
CREATE TEMP TABLE wall AS SELECT clock_timestamp() AS at;
SELECT is(pg_temp.log_as_of('2026-11-23 08:00+00'), NULL, 'as of before the tickets: no clock had started');
SELECT is(pg_temp.log_as_of('2026-11-23 09:15+00'),
    '1 first_response running 23 13:00 v0 pvc, 1 resolution running 25 09:00 v0 pvc, '
    '2 first_response running 23 13:00 v0 pvc, 2 resolution running 25 09:00 v0 pvc, '
    '3 first_response running 23 10:00 v3 pvc, 3 resolution running 26 09:00 v3 pvc, '
    '4 first_response running 23 14:00 v6 pvc',
    'as of 09:15: ticket 2 not answered yet, due dates, versions and states as then (before the re-targets, the holiday, the removed target)');
SELECT is((SELECT string_agg(ticket || ' ' || metric || ' ' || state || ' ' || due_at || ' ' || coalesce(closed_at::text, '-')
                             || ' ' || used::text || ' ' || coalesce(remaining::text, '-') || ' ' || coalesce(overdue::text, '-'),
                             ', ' ORDER BY ticket, metric)
             FROM sla.sla_log_as_of((SELECT at FROM wall)) WHERE ticket_table = 'public.pvc_ticket'::regclass),
          (SELECT string_agg(ticket || ' ' || metric || ' ' || state || ' ' || due_at || ' ' || coalesce(closed_at::text, '-')
                             || ' ' || used::text || ' ' || coalesce(remaining::text, '-') || ' ' || coalesce(overdue::text, '-'),
                             ', ' ORDER BY ticket, metric)
             FROM sla.sla_log_at((SELECT at FROM wall)) WHERE ticket_table = 'public.pvc_ticket'::regclass),
    'as of the present instant it is the SLA log as it is');
SELECT is((SELECT count(*) FROM sla.clock_as_of('2026-11-23 09:15+00') c
            WHERE c.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass)), 7::bigint,
    'sla.clock_as_of: the seven clocks started by then');
-- sla.sla_log_at itself, asked about a past instant, gives the log as it stood then
SELECT is((SELECT string_agg(ticket || ' ' || metric || ' ' || state || ' ' || to_char(due_at AT TIME ZONE 'UTC', 'DD HH24:MI'), ', '
                             ORDER BY ticket, metric)
             FROM sla.sla_log_at('2026-11-23 09:15+00') WHERE ticket_table = 'public.pvc_ticket'::regclass),
          '1 first_response running 23 13:00, 1 resolution running 25 09:00, 2 first_response running 23 13:00, '
          '2 resolution running 25 09:00, 3 first_response running 23 10:00, 3 resolution running 26 09:00, '
          '4 first_response running 23 14:00',
    'sla_log_at of a past instant: states and due dates as then (ticket 2 not answered yet)');
SELECT throws_ok($$SELECT count(*) FROM sla.sla_log_at('-infinity')$$, '22023',
    'the SLA log as of an instant needs a finite instant, not -infinity',
    'sla_log_at(''-infinity''): 22023 naming the SLA log (not the internal clock_as_of)');
-- a pause: ticket 5 (the resolution target back first: v+7) paused 10:00-12:00
SELECT public.dblink_exec('pvc_a', $$INSERT INTO sla.level_target (level_id, metric, target)
    SELECT id, 'resolution', '1 day' FROM sla.level WHERE name = 'pvc'$$);
SELECT public.dblink_exec('pvc_w', $$INSERT INTO public.pvc_ticket VALUES (5, 'open', '2026-11-23 09:00+00')$$);
SELECT public.dblink_exec('pvc_w', $$UPDATE public.pvc_ticket SET st = 'pending', upd = '2026-11-23 10:00+00' WHERE id = 5$$);
SELECT public.dblink_exec('pvc_w', $$UPDATE public.pvc_ticket SET st = 'open', upd = '2026-11-23 12:00+00' WHERE id = 5$$);
SELECT is(pg_temp.clocks('5'), 'first_response running 23 14:00 v7, resolution running 25 11:00 v7', 'ticket 5: the pause moved its resolution due date');
SELECT is((SELECT string_agg(to_char(at AT TIME ZONE 'UTC', 'HH24:MI') || ' ' || metric || ' ' || state || ' '
                             || to_char(due_at AT TIME ZONE 'UTC', 'DD HH24:MI') || ' ' || coalesce(to_char(paused_since AT TIME ZONE 'UTC', 'HH24:MI'), '-')
                             || ' ' || paused_for::text, ', ' ORDER BY at)
             FROM (VALUES ('2026-11-23 09:30+00'::timestamptz), ('2026-11-23 11:00+00'), ('2026-11-23 13:00+00')) v (at),
                  sla.clock_as_of(v.at) c
            WHERE c.attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass)
              AND c.ticket_key = '5' AND c.metric = 'resolution'),
    '09:30 resolution running 25 09:00 - 00:00:00, 11:00 resolution paused 25 09:00 10:00 00:00:00, 13:00 resolution running 25 11:00 - 02:00:00',
    'as of before, during and after the pause: state, due date, pause as they were');
-- ------------------------------------------------------------------ escalations and status maps are versioned
SELECT is((SELECT string_agg(data ->> 'status' || ' ' || (data ->> 'lifecycle'), ', ' ORDER BY data ->> 'status')
             FROM sla.policy_rows((SELECT max(version) FROM sla.policy_version))
            WHERE table_name = 'status_map'
              AND (key ->> 'attachment_id')::int = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass)),
    'open open, pending paused', 'the status map is in the policy history');
SELECT public.dblink_exec('pvc_a', $$INSERT INTO sla.escalation (level_id, metric, on_event, action)
    SELECT id, 'first_response', 'breach', 'notify_only' FROM sla.level WHERE name = 'pvc'$$);
SELECT is((SELECT string_agg(change || ' ' || table_name || ' ' || coalesce(new_value ->> 'action', ''), ', ')
             FROM sla.policy_diff(pg_temp.v(7)::int, pg_temp.v(8)::int)),
    'added escalation notify_only', 'an escalation added is the next version');
SELECT public.dblink_exec('pvc_a', $$UPDATE sla.status_map SET lifecycle = 'open'
    WHERE status = 'pending' AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass)$$);
SELECT is((SELECT string_agg(change || ' ' || table_name || ' ' || (old_value ->> 'lifecycle') || ' -> ' || (new_value ->> 'lifecycle'), ', ')
             FROM sla.policy_diff(pg_temp.v(8)::int, pg_temp.v(9)::int)),
    'changed status_map paused -> open', 'a status mapping changed is the next version');

-- ------------------------------------------------------------------ v+10: a level renamed
-- A rename changes no due date, but each running clock of the level adopts the version with a
-- retargeted event naming the change, both versions and both names; decided clocks keep theirs.
SELECT public.dblink_exec('pvc_a', $$UPDATE sla.level SET name = name WHERE name = 'pvc'$$);
SELECT public.dblink_exec('pvc_a', $$UPDATE sla.level SET name = 'pvc_gold' WHERE name = 'pvc'$$);
SELECT is(pg_temp.clocks('1'), 'first_response running 23 14:00 v10, resolution cancelled 26 09:00 v2',
    'a rename: the running clock adopts the version, due date unchanged; the cancelled one keeps its own');
SELECT is(pg_temp.value('pvc_a', format($$SELECT string_agg(concat_ws(' ', detail ->> 'metric', detail ->> 'reason', detail ->> 'change',
        detail ->> 'from_level_name', detail ->> 'to_level_name', (detail ->> 'from_version')::int - %1$s, (detail ->> 'to_version')::int - %1$s,
        (detail ->> 'from_level') = (detail ->> 'to_level'), detail ->> 'due_at' = detail ->> 'from_due_at'), ', ' ORDER BY ticket_key, detail ->> 'metric')
      FROM sla.event WHERE kind = 'retargeted' AND detail ->> 'change' = 'level renamed'
       AND attachment_id = (SELECT id FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass)$$, (SELECT v FROM base))),
    'first_response policy changed level renamed pvc pvc_gold 6 10 t t, first_response policy changed level renamed pvc pvc_gold 6 10 t t, '
    'first_response policy changed level renamed pvc pvc_gold 6 10 t t, first_response policy changed level renamed pvc pvc_gold 7 10 t t, '
    'resolution policy changed level renamed pvc pvc_gold 7 10 t t',
    'one retargeted event per running clock of the renamed level (tickets 1, 3, 4, 5): "level renamed", old and new name, versions; an UPDATE that renames nothing writes none');
SELECT is(pg_temp.clocks('5'), 'first_response running 23 14:00 v10, resolution running 25 11:00 v10', 'ticket 5''s two clocks too');
SELECT is((SELECT string_agg(DISTINCT level || ' v' || (policy_version - (SELECT v FROM base)), ', ')
             FROM sla.sla_log_as_of((SELECT at FROM wall)) WHERE ticket_table = 'public.pvc_ticket'::regclass AND ticket = '1' AND metric = 'first_response'),
    'pvc v6', 'as of before the rename: the old name and the version the clock ran under then');
SELECT is((SELECT string_agg(DISTINCT level || ' v' || (policy_version - (SELECT v FROM base)), ', ')
             FROM sla.sla_log_as_of(clock_timestamp()) WHERE ticket_table = 'public.pvc_ticket'::regclass AND ticket = '1' AND metric = 'first_response'),
    'pvc_gold v10', 'as of now: the new name and version');

SELECT throws_ok($$SELECT * FROM sla.clock_as_of('infinity')$$, '22023', NULL, 'an infinite instant is refused');
SELECT throws_ok($$SELECT * FROM sla.sla_log_as_of(NULL)$$, '22004', NULL, 'a NULL instant is refused');

-- clean up what the sessions committed
SELECT public.dblink_exec('pvc_a', $$DELETE FROM sla.attachment WHERE ticket_table = 'public.pvc_ticket'::regclass$$);
SELECT public.dblink_exec('pvc_a', 'DROP TABLE public.pvc_msg, public.pvc_ticket');
SELECT public.dblink_exec('pvc_a', $$DELETE FROM sla.level WHERE name = 'pvc_gold'$$);
SELECT public.dblink_exec('pvc_a', $$DELETE FROM sla.calendar WHERE name = 'pvc'$$);
SELECT public.dblink_disconnect('pvc_w');
SELECT public.dblink_disconnect('pvc_a');

SELECT * FROM finish();
ROLLBACK;
