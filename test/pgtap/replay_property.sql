-- replay_property.sql — sla.replay against the live engine over random ticket histories (the
-- generator of test/model/harness.sql, as model_property.sql uses it):
--   1. the histories are played through the host tables' triggers; replaying them under the
--      live policy gives every stored clock, column by column, to the microsecond (level,
--      target, state, start, due, stop, business time used, paused time and pause), no clock
--      more or less, and no row marked changed;
--   2. what-if: in a savepoint the policy is edited (tighter targets, another holiday, a
--      calendar's hours); the replay of the first host's facts under the edit equals the clocks
--      the triggers give the same histories played afresh into a second host under the edit;
--      rolled back, the live clocks are as before, byte for byte.
-- Bounded here (make test): SLA_REPLAY_TICKETS histories (default 400) from SLA_REPLAY_SEED
-- (default 0.2718).  Every differing clock is printed (diag).
BEGIN;
SELECT plan(8);
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';

\ir ../model/reference.sql
\ir ../model/harness.sql

\getenv replay_tickets SLA_REPLAY_TICKETS
\if :{?replay_tickets}
\else
\set replay_tickets 400
\endif
\getenv replay_seed SLA_REPLAY_SEED
\if :{?replay_seed}
\else
\set replay_seed 0.2718
\endif

SELECT sla_model.define_policy();
SELECT setseed(:replay_seed);
CREATE TEMP TABLE rp_history AS SELECT k, sla_model.random_history() AS h FROM generate_series(1, :replay_tickets) k;

-- The clocks of a host: stored, or replayed (one comparable row per clock).
CREATE FUNCTION pg_temp.stored_clocks(host text)
    RETURNS TABLE (ticket_key text, metric sla.metric, cycle integer, level text, target sla.business_interval,
                   state text, started_at timestamptz, due_at timestamptz, stopped_at timestamptz,
                   business_used sla.business_interval, paused_for sla.business_interval, paused_since timestamptz)
    LANGUAGE sql AS $$
    SELECT c.ticket_key, c.metric, c.cycle, l.name, c.target, c.state, c.started_at, c.due_at, c.stopped_at,
           c.business_used, c.paused_for, c.paused_since
      FROM sla.clock c JOIN sla.level l ON l.id = c.level_id JOIN sla.attachment a ON a.id = c.attachment_id
     WHERE a.ticket_table = format('sla_model.%I', host || '_ticket')::regclass $$;
CREATE FUNCTION pg_temp.replayed_clocks(host text)
    RETURNS TABLE (ticket_key text, metric sla.metric, cycle integer, level text, target sla.business_interval,
                   state text, started_at timestamptz, due_at timestamptz, stopped_at timestamptz,
                   business_used sla.business_interval, paused_for sla.business_interval, paused_since timestamptz)
    LANGUAGE sql AS $$
    SELECT r.ticket_key, r.metric, r.cycle, r.level, r.target, r.state, r.started_at, r.due_at, r.stopped_at,
           r.business_used, r.paused_for, r.paused_since
      FROM sla.replay(format('sla_model.%I', host || '_ticket')::regclass) r WHERE r.state IS NOT NULL $$;
-- The rows of a and b that differ, "- " only in a, "+ " only in b.
CREATE FUNCTION pg_temp.clock_diff(a text, b text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        (SELECT '- ' || x::text FROM (SELECT * FROM %1$s EXCEPT ALL SELECT * FROM %2$s) x)
        UNION ALL
        (SELECT '+ ' || x::text FROM (SELECT * FROM %2$s EXCEPT ALL SELECT * FROM %1$s) x)
        ORDER BY 1$q$, a, b);
END $$;

-- 1. Live policy: replay == live
SELECT sla_model.create_host('rpa');
SELECT sla_model.attach_host('rpa');
SELECT count(*) FROM (SELECT sla_model.play('rpa', k, h) FROM rp_history ORDER BY k) p;
CREATE TEMP TABLE rp_stored AS SELECT * FROM pg_temp.stored_clocks('rpa');
CREATE TEMP TABLE rp_replayed AS SELECT * FROM pg_temp.replayed_clocks('rpa');
CREATE TEMP TABLE rp_live_before AS SELECT * FROM sla.clock;
SELECT diag(format('%s random histories, %s facts logged, %s clocks stored, %s replayed',
                   :replay_tickets, (SELECT count(*) FROM sla.fact f JOIN sla.attachment a ON a.id = f.attachment_id
                                      WHERE a.ticket_table = 'sla_model.rpa_ticket'::regclass),
                   (SELECT count(*) FROM rp_stored), (SELECT count(*) FROM rp_replayed)));
SELECT diag('replay vs live: ' || d) FROM pg_temp.clock_diff('rp_replayed', 'rp_stored') d LIMIT 20;
SELECT is((SELECT count(*)::int FROM pg_temp.clock_diff('rp_replayed', 'rp_stored')), 0,
    'random histories: the replay under the live policy gives every stored clock, to the microsecond');
SELECT ok((SELECT count(*) FROM rp_stored) >= :replay_tickets
          AND (SELECT count(DISTINCT state) FROM rp_stored) = 5,
    'the histories gave clocks in all five states');
SELECT is((SELECT count(*)::int FROM sla.replay('sla_model.rpa_ticket') WHERE changed), 0, 'no replayed row is marked changed');
SELECT is((SELECT count(*)::int FROM sla.replay_history('sla_model.rpa_ticket') WHERE changed), 0,
    'replay_history (each fact under the version it was applied under: here this transaction''s own) gives them too');

-- 2. What-if: replay under an edit == the triggers under the same edit
SAVEPOINT what_if;
UPDATE sla.level_target SET target = '2 hours'
 WHERE metric = 'first_response' AND level_id = (SELECT id FROM sla.level WHERE name = 'model_std');
UPDATE sla.level_target SET target = '1 day'
 WHERE metric = 'resolution' AND level_id = (SELECT id FROM sla.level WHERE name = 'model_std');
SELECT sla.add_holiday('model_cal', '2026-11-10', 'a holiday the what-if adds');
SELECT sla.set_special_day('model_cal', '2026-11-13', '10:00-12:00');
CREATE TEMP TABLE rp_whatif AS SELECT * FROM pg_temp.replayed_clocks('rpa');
SELECT sla_model.create_host('rpb');
SELECT sla_model.attach_host('rpb');
SELECT count(*) FROM (SELECT sla_model.play('rpb', k, h) FROM rp_history ORDER BY k) p;
CREATE TEMP TABLE rp_fresh AS SELECT * FROM pg_temp.stored_clocks('rpb');
SELECT diag('what-if replay vs fresh play: ' || d) FROM pg_temp.clock_diff('rp_whatif', 'rp_fresh') d LIMIT 20;
SELECT is((SELECT count(*)::int FROM pg_temp.clock_diff('rp_whatif', 'rp_fresh')), 0,
    'under an edited policy the replay gives what the triggers give the same histories played under it');
SELECT ok((SELECT count(*) FROM pg_temp.clock_diff('rp_whatif', 'rp_stored')) > 0
          AND (SELECT count(*) FROM sla.replay('sla_model.rpa_ticket') WHERE state IS DISTINCT FROM stored_state) > 0,
    'and the edit changes clocks and outcomes');
ROLLBACK TO SAVEPOINT what_if;
SELECT is((SELECT count(*)::int FROM (SELECT * FROM sla.clock EXCEPT ALL SELECT * FROM rp_live_before) d)
          + (SELECT count(*)::int FROM (SELECT * FROM rp_live_before EXCEPT ALL SELECT * FROM sla.clock) d), 0,
    'rolled back: the live clocks are as before');
SELECT is((SELECT count(*)::int FROM pg_temp.clock_diff('rp_replayed', 'rp_stored')), 0, 'and the replay equals them again');

SELECT * FROM finish();
ROLLBACK;
