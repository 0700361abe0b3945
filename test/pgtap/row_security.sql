-- row_security.sql — no report bypasses the host table's row-level security: a reader whom
-- the host shows only billing tickets sees only their clocks, events and compliance figures;
-- the engine's role and admins see everything; a host without RLS hides nothing.
BEGIN;
SELECT plan(26);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('rs', 'UTC', 'mon-fri 09:00-17:00') > 0, 'calendar');
SELECT ok(sla.define_level('rs_std', 'rs', first_response => '4 hours', resolution => '2 days', is_default => true) > 0, 'level');
CREATE TABLE rs_ticket (id int PRIMARY KEY, st text, dept text, created timestamptz, updated timestamptz);
CREATE TABLE rs_msg (ticket int, author text, at timestamptz);
SELECT ok(sla.attach('rs_ticket', '{"key": "id", "created_at": "created", "updated_at": "updated", "status": "st", "department": "dept"}',
                     'rs_msg', '{"ticket": "ticket", "created_at": "at", "author_kind": "author",
                                 "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('rs_ticket', 'open', 'open');
-- a second helpdesk table without row-level security
CREATE TABLE rs_open_ticket (id int PRIMARY KEY, st text, created timestamptz);
SELECT ok(sla.attach('rs_open_ticket', '{"key": "id", "created_at": "created", "status": "st"}') > 0, 'second table attached');
SELECT sla.map_status('rs_open_ticket', 'open', 'open');

-- The host shows a role the tickets of the department named after it (rs_billing: billing);
-- the application's role sees every ticket.
CREATE ROLE rs_billing NOLOGIN IN ROLE sla_reader;
CREATE ROLE rs_blind NOLOGIN IN ROLE sla_reader;	-- no SELECT on rs_ticket at all
CREATE ROLE rs_app NOLOGIN IN ROLE sla_writer;
CREATE ROLE rs_adm NOLOGIN IN ROLE sla_admin;
GRANT SELECT ON rs_ticket TO rs_billing, rs_adm;
GRANT SELECT, INSERT, UPDATE ON rs_ticket, rs_msg TO rs_app;
ALTER TABLE rs_ticket ENABLE ROW LEVEL SECURITY;
CREATE POLICY by_department ON rs_ticket USING ('rs_' || dept = current_user OR current_user = 'rs_app');

INSERT INTO rs_ticket VALUES (1, 'open', 'billing', '2026-11-23 10:00+00', '2026-11-23 10:00+00'),
                             (2, 'open', 'sales',   '2026-11-23 10:00+00', '2026-11-23 10:00+00'),
                             (3, 'open', 'billing', '2026-11-23 11:00+00', '2026-11-23 11:00+00');
INSERT INTO rs_msg VALUES (1, 'agent', '2026-11-23 12:00+00'), (2, 'agent', '2026-11-24 12:00+00');
INSERT INTO rs_open_ticket VALUES (7, 'open', '2026-11-23 10:00+00');

CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    res text;
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', r);
    EXECUTE q INTO res;
    RESET ROLE;
    RETURN res;
END
$$;
GRANT EXECUTE ON FUNCTION pg_temp.as_role(text, text) TO PUBLIC;

SELECT is((SELECT count(*)::int FROM sla.clock), 8, 'the owner sees every clock (4 tickets, first response and resolution)');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT string_agg(DISTINCT ticket_key, ',' ORDER BY ticket_key) FROM sla.clock c
                                           JOIN sla.attachment a ON a.id = c.attachment_id WHERE a.ticket_table = 'rs_ticket'::regclass$$),
    '1,3', 'a billing reader sees the clocks of billing tickets only');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT string_agg(DISTINCT ticket, ',' ORDER BY ticket) FROM sla.sla_log$$),
    '1,3,7', 'the SLA log: billing tickets, and every ticket of the table without RLS');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT count(*) FROM sla.sla_log_at('2026-11-25 10:00+00') WHERE department = 'sales'$$),
    '0', 'no sales row in the SLA log');
-- (0.2.0 writes no event for a clock's start: the events are those of tickets where more happened)
SELECT is(pg_temp.as_role('rs_billing', $$SELECT string_agg(DISTINCT ticket_key, ',' ORDER BY ticket_key) FROM sla.event$$),
    (SELECT string_agg(DISTINCT ticket_key, ',' ORDER BY ticket_key) FROM sla.event WHERE ticket_key IN ('1', '3', '7')),
    'events follow the host too');
SELECT cmp_ok((SELECT count(DISTINCT ticket_key)::int FROM sla.event WHERE ticket_key NOT IN ('1', '3', '7')), '>', 0,
    'and the owner sees events of the tickets hidden from the reader');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT string_agg(DISTINCT ticket_key, ',' ORDER BY ticket_key) FROM sla.fact$$),
    '1,3,7', 'the fact log follows the host too');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT count(*) FROM sla.ticket$$), '3', 'per-ticket state follows the host too');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT string_agg(department || ':' || met || '/' || failed, ',')
                                           FROM sla.compliance_report('2026-11-23', '2026-11-26', ARRAY['department'], 'UTC',
                                                                      only_metric => 'first_response', as_of => '2026-11-25 10:00+00')$$),
    'billing:1/1', 'compliance counts only the visible tickets (T1 met, T3 late)');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT count(*) FROM sla.time_split('rs_ticket', '2', as_of => '2026-11-25 10:00+00')$$),
    '0', 'where the time went: nothing for a hidden ticket');
SELECT is(pg_temp.as_role('rs_blind', $$SELECT string_agg(DISTINCT ticket, ',' ORDER BY ticket) FROM sla.sla_log$$),
    '7', 'a reader without SELECT on an RLS host table sees none of its tickets');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT jsonb_array_length(sla.sla_log_json('2026-11-25 10:00+00'))$$), '6',
    'the JSON log: 3 visible tickets x 2 clocks');

-- The engine's role and the admin see everything (the triggers must move every clock; an
-- admin's level edit re-targets every running clock).
SELECT is(pg_temp.as_role('rs_app', $$SELECT count(*) FROM sla.clock$$), '8', 'sla_writer sees every clock');
SELECT is(pg_temp.as_role('rs_adm', $$SELECT count(*) FROM sla.clock$$), '8', 'sla_admin sees every clock');
SELECT lives_ok($$SELECT pg_temp.as_role('rs_app', $q$INSERT INTO rs_msg VALUES (3, 'agent', '2026-11-23 12:30+00') RETURNING 1$q$)$$,
    'the application writes a reply');
SELECT is((SELECT state FROM sla.clock c JOIN sla.attachment a ON a.id = c.attachment_id
            WHERE a.ticket_table = 'rs_ticket'::regclass AND c.ticket_key = '3' AND c.metric = 'first_response'),
    'met', 'the reply written as the application stopped the clock');
SELECT is((SELECT count(*)::int FROM pg_policies WHERE schemaname = 'sla'), 111,
    'six policies on each tracking table (clock, event, ticket, fact for each of the four key types) and on mapping_problem (the sixth keeps each helpdesk''s writer to its own rows), five on policy_retarget_pending (never updated), four on policy_draft (a draft is written and changed by its owner''s role only)');

-- sla.ticket_visible() (the policies' test) asks the host as the current user, whoever asked before
-- in the session: its prepared lookup is planned again for another role's policies.
CREATE ROLE rs_sales NOLOGIN IN ROLE sla_reader;
GRANT SELECT ON rs_ticket TO rs_sales;
CREATE POLICY sales_desk ON rs_ticket TO rs_sales USING (dept = 'sales');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT sla.ticket_visible(a.id, '1')::text || sla.ticket_visible(a.id, '2')::text
                                             FROM sla.attachment a WHERE a.ticket_table = 'rs_ticket'::regclass$$),
          'truefalse', 'ticket_visible: rs_billing sees billing ticket 1, not sales ticket 2');
SELECT is(pg_temp.as_role('rs_sales', $$SELECT sla.ticket_visible(a.id, '1')::text || sla.ticket_visible(a.id, '2')::text
                                           FROM sla.attachment a WHERE a.ticket_table = 'rs_ticket'::regclass$$),
          'falsetrue', 'ticket_visible: the same session as rs_sales sees sales ticket 2 through its own policy');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT sla.ticket_visible(a.id, '2')::text
                                             FROM sla.attachment a WHERE a.ticket_table = 'rs_ticket'::regclass$$),
          'false', 'ticket_visible: back as rs_billing, ticket 2 is hidden again');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT sla.ticket_visible(-1, '1')::text$$), 'false',
          'ticket_visible: an attachment that does not exist has no visible tickets');
SELECT is(pg_temp.as_role('rs_billing', $$SELECT sla.ticket_visible(a.id, '99')::text
                                             FROM sla.attachment a WHERE a.ticket_table = 'rs_ticket'::regclass$$),
          'false', 'ticket_visible: a key the host table does not have');

SELECT * FROM finish();
ROLLBACK;
