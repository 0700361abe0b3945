-- model_property.sql — the engine against an independent reference model of the clock
-- semantics (test/model/reference.sql): hand-checked histories for the model itself, then
-- random ticket histories played through the host tables' triggers (a statement per fact, and in
-- bulk: a statement per round of facts for all tickets) and through backfill,
-- compared with the model to the microsecond (test/model/harness.sql).  Every differing ticket
-- is printed (diag) with its history and the differing clock lines ("- " the model's, "+ " the
-- engine's).
--
-- Bounded here (make test): SLA_MODEL_TICKETS histories (default 1500) from SLA_MODEL_SEED
-- (default 0.4242).  A longer run: test/model/run.sh (see there).
--
-- SLA_MODEL_SKIP (default below) names classes of histories not played (sla_model.classes; a
-- "backfill:" prefix skips the backfill path only), for an engine known to differ from the
-- documented semantics on them; remove a name once the engine handles it:
--   backfill:level_change  backfill knows a ticket's attributes as they are now, not their
--                          history: a priority raised later gives the ticket the urgent level
--                          from its creation (the model: from the raise)
-- Settled since the model was written (the engine's clock model, src/core/clockflow.c): facts
-- of one instant in any statement order (canonical order, by replay), a ticket created solved
-- (two facts), a chat or call message waits on its own clock only (the model follows the
-- engine: one clock per message), a ticket created deleted has no clocks until restored (the
-- model follows the engine: spam is never measured), a restored ticket is tracked again, and
-- backfill replays the status history (so a ticket deleted since gets its clocks, cancelled).
BEGIN;
SELECT plan(8);
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';

\ir ../model/reference.sql
\ir ../model/harness.sql

\getenv model_tickets SLA_MODEL_TICKETS
\if :{?model_tickets}
\else
\set model_tickets 1500
\endif
\getenv model_seed SLA_MODEL_SEED
\if :{?model_seed}
\else
\set model_seed 0.4242
\endif
\getenv model_skip SLA_MODEL_SKIP
\if :{?model_skip}
\else
\set model_skip '{backfill:level_change}'
\endif

SELECT sla_model.define_policy();

-- ---------------------------------------------------------------- the model by hand
-- model_std: first response 4h, next response 2h, periodic update 3h, resolution 2 days, on
-- mon-fri 09:00-17:00 Berlin (UTC+1 in November).  Mon 23 November 10:00 created; a reply at
-- 14:00 (exactly the first-response due time: met; the 13:00 update: breached; the next update
-- due 17:00, which is the next opening, Tue 09:00); paused Mon 15:00 to Tue 10:00 (3 business
-- hours); a customer message Tue 11:00; solved Tue 12:30; a customer message on the solved
-- ticket Wed 09:30; reopened Wed 10:00 (4.5 + 1 solved hours added to resolution's pause).
SELECT is((SELECT string_agg(sla_model.clock_text(metric, cycle, state, started_at, due_at, stopped_at, paused_for, paused_since),
                             E'\n' ORDER BY metric, cycle)
             FROM sla_model.expected_clocks(jsonb_build_object('calendar', 'model_cal', 'targets', sla_model.level_targets('model_std')),
                  '[{"kind": "created", "at": "2026-11-23 10:00+01", "lifecycle": "open"},
                    {"kind": "message", "at": "2026-11-23 14:00+01", "author": "agent", "public": true, "channel": "email"},
                    {"kind": "lifecycle", "at": "2026-11-23 15:00+01", "lifecycle": "paused"},
                    {"kind": "lifecycle", "at": "2026-11-24 10:00+01", "lifecycle": "open"},
                    {"kind": "message", "at": "2026-11-24 11:00+01", "author": "customer", "public": true, "channel": "email"},
                    {"kind": "lifecycle", "at": "2026-11-24 12:30+01", "lifecycle": "solved"},
                    {"kind": "message", "at": "2026-11-25 09:30+01", "author": "customer", "public": true, "channel": "email"},
                    {"kind": "lifecycle", "at": "2026-11-25 10:00+01", "lifecycle": "open"}]')),
    $$first_response#1 met start 11-23 09:00:00.000000 due 11-23 13:00:00.000000 stop 11-23 13:00:00.000000 paused_for 00:00:00 paused_since -
next_response#1 cancelled start 11-24 10:00:00.000000 due 11-24 12:00:00.000000 stop 11-24 11:30:00.000000 paused_for 00:00:00 paused_since -
next_response#2 running start 11-25 08:30:00.000000 due 11-25 10:30:00.000000 stop - paused_for 00:00:00 paused_since -
periodic_update#1 breached start 11-23 09:00:00.000000 due 11-23 12:00:00.000000 stop 11-23 13:00:00.000000 paused_for 00:00:00 paused_since -
periodic_update#2 cancelled start 11-23 13:00:00.000000 due 11-24 11:00:00.000000 stop 11-24 11:30:00.000000 paused_for 03:00:00 paused_since -
periodic_update#3 running start 11-25 09:00:00.000000 due 11-25 12:00:00.000000 stop - paused_for 00:00:00 paused_since -
resolution#1 running start 11-23 09:00:00.000000 due 11-26 09:30:00.000000 stop - paused_for 08:30:00 paused_since -$$,
    'the model, by hand: met at exactly the due time, pauses, a solved stretch, a message remembered while solved');

-- Canonical order within an instant: a reply saved with the close counts as the reply, in
-- whichever order the statements came; internal notes and system messages move nothing.
SELECT is((SELECT string_agg(metric || '#' || cycle || ' ' || state, ', ' ORDER BY metric, cycle)
             FROM sla_model.expected_clocks(jsonb_build_object('calendar', 'model_cal', 'targets', sla_model.level_targets('model_lean')),
                  '[{"kind": "created", "at": "2026-11-23 10:00+01", "lifecycle": "open"},
                    {"kind": "message", "at": "2026-11-23 10:10+01", "author": "agent", "public": false, "channel": "email"},
                    {"kind": "message", "at": "2026-11-23 10:20+01", "author": "system", "public": true, "channel": "email"},
                    {"kind": "lifecycle", "at": "2026-11-23 10:30+01", "lifecycle": "closed"},
                    {"kind": "message", "at": "2026-11-23 10:30+01", "author": "agent", "public": true, "channel": "email"}]')),
    'first_response#1 met, resolution#1 met', 'the model: messages of an instant before its lifecycle change');

SELECT is(sla_model.classes('[{"kind": "created", "at": "2026-11-23 10:00+01", "lifecycle": "open"},
                              {"kind": "lifecycle", "at": "2026-11-23 10:30+01", "lifecycle": "closed"},
                              {"kind": "message", "at": "2026-11-23 10:30+01", "author": "agent", "public": true, "channel": "email"}]'),
    '{same_instant_noncanonical,same_instant}',
    'a close written before the reply of the same instant is classed as such');

-- ---------------------------------------------------------------- engine against model
CREATE TEMP TABLE model_result AS
    SELECT * FROM sla_model.property_run(:model_tickets, :model_seed, :'model_skip'::text[]);

SELECT diag(format(E'%s differs from the model for ticket %s %s:\n%s\n%s', path, ticket, classes, history,
                   sla_model.clock_diff(expected, actual)))
  FROM model_result WHERE path IN ('triggers', 'bulk', 'backfill') ORDER BY path DESC, ticket;
SELECT diag(history) FROM model_result WHERE path = 'summary';
SELECT diag('classes played: ' || array_to_string(classes, ', ')) FROM model_result WHERE path = 'classes';

SELECT is((SELECT count(*)::int FROM model_result WHERE path = 'triggers'), 0,
    'random histories through the triggers: the engine''s clocks are the model''s, to the microsecond');
SELECT is((SELECT count(*)::int FROM model_result WHERE path = 'bulk'), 0,
    'the same histories in bulk (each round''s new tickets, messages and updates one statement for all tickets): the same clocks');
SELECT is((SELECT count(*)::int FROM model_result WHERE path = 'backfill'), 0,
    'the same histories through sla.backfill with their status history: the same clocks');
SELECT ok((SELECT array_agg(split_part(c, '=', 1)) FROM model_result, unnest(classes) c WHERE path = 'classes')
          @> '{same_instant,level_change,reopen,created_paused,deleted,ends_paused}',
    'the run covered reopenings, pauses from creation, level changes, deletions and same-instant facts');
SELECT ok((SELECT ticket FROM model_result WHERE path = 'backfilled') >= :model_tickets / 3,
    'and backfilled at least a third of them (all but the level changes)');

SELECT * FROM finish();
ROLLBACK;
