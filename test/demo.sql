-- demo.sql — sla on a month of a helpdesk's traffic (make demo, ./test/demo.sh --tickets N).
--
-- An example helpdesk with its own tables (departments, agents, customers and organisations,
-- tickets with tags and custom fields, messages on email, chat and phone) is attached to sla;
-- calendars, levels, rules and escalations are defined like a real support team would; then
-- November 2026 is played through the helpdesk's own INSERT and UPDATE statements, and the
-- reports are printed as of the month end.  The parts are in test/demo/.
--
--   psql -v tickets=10000 -f test/demo.sql     (in a database where sla can be created)
\if :{?tickets}
\else
\set tickets 10000
\endif
\set ON_ERROR_STOP 1
\pset footer off
\pset null ''
SET client_min_messages = warning;
SET timezone = 'UTC';
SELECT clock_timestamp() AS demo_started \gset
CREATE EXTENSION sla;
-- the type's operators live in schema sla, like its functions
SET search_path = public, sla;

\ir demo/10_helpdesk.sql
\ir demo/20_sla_setup.sql
\ir demo/30_traffic.sql
\ir demo/40_reports.sql
\ir demo/50_contact_center.sql
\ir demo/60_service_credits.sql
\ir demo/70_what_if.sql

\echo
SELECT format('== Done: %s tickets in %s s (setup, traffic, breach checks and reports)', to_char(:tickets, 'FM9,999,999'),
              round(extract(epoch FROM clock_timestamp() - :'demo_started'::timestamptz), 1)) AS line \gset
\echo :line
