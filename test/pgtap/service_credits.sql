-- service_credits.sql — contracts per customer group and the credits owed per month, with
-- hand-computed figures.  A 24/7 UTC calendar and a one-hour first-response target, so each
-- clock is met or breached by its reply alone.
BEGIN;
SELECT plan(35);
SET LOCAL timezone = 'UTC';
SET LOCAL client_min_messages = warning;

SELECT ok(sla.define_calendar('sc', 'UTC', '24/7') > 0, 'calendar');
SELECT ok(sla.define_level('sc_std', 'sc', first_response => '1 hour', is_default => true) > 0, 'level');
CREATE TABLE sc_customer (email text PRIMARY KEY, grp text);
CREATE TABLE sc_ticket (id int PRIMARY KEY, st text, who text, created timestamptz);
CREATE TABLE sc_msg (ticket int, author text, at timestamptz);
INSERT INTO sc_customer VALUES ('a@acme', 'acme'), ('b@beta', 'beta');
-- schema-qualified: the engine calls it with search_path = pg_catalog, pg_temp
CREATE FUNCTION sc_group_of(int) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT c.grp FROM public.sc_ticket t JOIN public.sc_customer c ON c.email = t.who WHERE t.id = $1
$$;
SELECT ok(sla.attach('sc_ticket', '{"key": "id", "created_at": "created", "status": "st", "requester": "who"}',
                     'sc_msg', '{"ticket": "ticket", "created_at": "at", "author_kind": "author",
                                 "customer_values": ["customer"], "agent_values": ["agent"]}') > 0, 'attached');
SELECT sla.map_status('sc_ticket', 'open', 'open');

-- No contract reads an undeclared attribute quietly.
SELECT ok(sla.define_contract('Acme', 'acme', 1000, 95, '{"90": 5, "80": 10, "70": 25}', customer_group_attribute => 'org') > 0,
    'a contract naming an attribute not declared yet');
SELECT throws_ok($$SELECT * FROM sla.service_credits('2026-10-01', '2026-10-01', '2026-12-05')$$, '42704',
    'contract "Acme" reads customer groups from attribute "org", which is not declared', 'undeclared customer-group attribute');
INSERT INTO sla.attribute (name, type, function) VALUES ('customer_group', 'text', 'sc_group_of(integer)');
SELECT ok(sla.define_contract('Acme', 'acme', 1000, 95, '{"90": 5, "80": 10, "70": 25}') > 0, 'redefined: the default attribute');
SELECT ok(sla.define_contract('Beta', 'beta', 500, 99, '[{"below": 99, "credit_percent": 10}]', 'USD', time_zone => 'Asia/Tokyo',
                              valid_from => '2026-10-01', valid_until => '2026-12-01') > 0, 'tiers as an array; Tokyo months');
SELECT is((SELECT count(*)::int FROM sla.contract_tier), 4, 'redefining replaced the tiers');

-- Acme, October: T1-T4 answered in 30 minutes (met), T5 after two hours (breached): 80.00 %.
INSERT INTO sc_ticket SELECT g, 'open', 'a@acme', '2026-10-05 10:00+00'::timestamptz + g * interval '1 day' FROM generate_series(1, 5) g;
INSERT INTO sc_msg SELECT g, 'agent', '2026-10-05 10:30+00'::timestamptz + g * interval '1 day' FROM generate_series(1, 4) g;
INSERT INTO sc_msg VALUES (5, 'agent', '2026-10-10 12:00+00');
-- Acme, November: T6 met.  T7 arrives Nov 30 23:30, never answered: due Dec 1 00:30, so it is
-- decided (failed) in December.
INSERT INTO sc_ticket VALUES (6, 'open', 'a@acme', '2026-11-10 10:00+00'), (7, 'open', 'a@acme', '2026-11-30 23:30+00');
INSERT INTO sc_msg VALUES (6, 'agent', '2026-11-10 10:20+00');
-- Beta: T8 breached on Oct 10; T9 breached on Oct 31 15:30 UTC, which is Nov 1 00:30 in Tokyo.
INSERT INTO sc_ticket VALUES (8, 'open', 'b@beta', '2026-10-10 10:00+00'), (9, 'open', 'b@beta', '2026-10-31 14:00+00');
INSERT INTO sc_msg VALUES (8, 'agent', '2026-10-10 12:00+00'), (9, 'agent', '2026-10-31 15:30+00');

SELECT results_eq(
    $$SELECT month, contract, customer_group, clocks, met, failed, compliance, target_met, tier_below, credit_percent, credit, currency
        FROM sla.service_credits('2026-10-01', '2026-12-01', '2026-12-05 00:00+00')$$,
    $$VALUES ('2026-10-01'::date, 'Acme', 'acme', 5::bigint, 4::bigint, 1::bigint, 80.00::numeric, false, 90::numeric, 5::numeric, 50.00::numeric, 'EUR'),
             ('2026-10-01', 'Beta', 'beta', 1, 0, 1, 0.00, false, 99, 10, 50.00, 'USD'),
             ('2026-11-01', 'Acme', 'acme', 1, 1, 0, 100.00, true, NULL, 0, 0.00, 'EUR'),
             ('2026-11-01', 'Beta', 'beta', 1, 0, 1, 0.00, false, 99, 10, 50.00, 'USD'),
             ('2026-12-01', 'Acme', 'acme', 1, 0, 1, 0.00, false, 70, 25, 250.00, 'EUR')$$,
    'credits per contract and month: exactly 80 % is not below 80 (the 90 tier applies, 5 %); the deepest tier alone (70: 25 %); Tokyo months; Beta ends with November');
SELECT results_eq(
    $$SELECT clocks, compliance, target_met, credit FROM sla.service_credits('2026-12-01', '2026-12-01', '2026-12-01 00:00+00')$$,
    $$VALUES (0::bigint, NULL::numeric, NULL::boolean, 0.00::numeric)$$,
    'as of midnight T7 is not due yet: a month without clocks owes nothing');
SELECT is((SELECT sum(clocks)::int FROM sla.service_credits('2026-10-01', '2026-10-01', '2026-12-05 00:00+00')),
          (SELECT (met + failed)::int FROM sla.compliance_report('2026-10-01', '2026-11-01', '{}', 'UTC', as_of => '2026-12-05 00:00+00'))
          - 1,
    'the same clocks as the compliance report (less T9, which Tokyo bills in November)');
SELECT ok(sla.define_contract('Acme resolution', 'acme', 100, 90, '{"90": 10}', metrics => '{resolution}') > 0, 'a contract on resolution only');
SELECT is((SELECT clocks || '/' || coalesce(compliance::text, 'null') FROM sla.service_credits('2026-10-01', '2026-10-01', '2026-12-05')
            WHERE contract = 'Acme resolution'), '0/null', 'the metric filter: the level has no resolution target');
SELECT is(jsonb_array_length(sla.service_credits_json('2026-10-01', '2026-12-01', '2026-12-05')), 8, 'the JSON twin: one object per row');
SELECT is(sla.service_credits_json('2026-10-01', '2026-10-01', '2026-12-05') -> 0 ->> 'credit', '50.00', 'JSON keys are the column names');
SELECT ok((SELECT count(*) FROM sla.service_credit) >= 8, 'the view: every month since the first contract started');

-- Bad input.
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', 100, 0)$$, '23514', NULL, 'target compliance must be a percentage above 0');
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', -1, 95)$$, '23514', NULL, 'no negative fee');
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', 100, 95, currency => 'eur')$$, '23514', NULL, 'currency as an ISO code');
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', 100, 95, '{"90": 0}')$$, '23514', NULL, 'a tier credits more than 0 %');
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', 100, 95, '{"ninety": 5}')$$, '22P02',
    'contract "x": tier "ninety" -> 5 is not a pair of percentages', 'a tier that is no number');
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', 100, 95, '5')$$, '22023',
    'tiers of contract "x" must be a JSON object or array, not 5', 'tiers that are neither object nor array');
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', 100, 95, time_zone => 'Mars/Olympus')$$, '22023', NULL, 'unknown time zone');
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', 100, 95, valid_from => '2026-10-01', valid_until => '2026-10-01')$$, '23514', NULL,
    'a contract ends after it starts');
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', 100, 95, metrics => '{}')$$, '23514', NULL,
    'metrics: null (every metric) or a non-empty list');
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', 100, 95, metrics => '{first_response,NULL}')$$, '23514', NULL,
    'metrics: no null element');
SELECT throws_ok($$SELECT sla.define_contract('x', '', 100, 95)$$, '23514', NULL, 'a customer group is not empty');
SELECT throws_ok($$SELECT sla.define_contract('x', 'g', 100, 95, customer_group_attribute => 'Customer Group')$$, '23514', NULL,
    'the customer-group attribute is an attribute name');
SELECT throws_ok($$SELECT * FROM sla.service_credits('2026-12-01', '2026-10-01')$$, '22023',
    'service credits from 2026-12-01 to 2026-10-01: the range ends before it starts', 'a range that ends before it starts');

-- Gamma, October: T10-T12, two met and one breached: 66.666... %, shown as 66.67.  It is below
-- the 66.67 tier, so it is not on a 66.67 target either.
INSERT INTO sc_customer VALUES ('c@gamma', 'gamma');
SELECT ok(sla.define_contract('Gamma', 'gamma', 300, 66.67, '{"66.67": 10}', valid_from => '2026-10-01', valid_until => '2026-11-01') > 0,
    'a contract with a target and tier of 66.67 %');
INSERT INTO sc_ticket SELECT g, 'open', 'c@gamma', '2026-10-20 10:00+00'::timestamptz + (g - 10) * interval '1 day' FROM generate_series(10, 12) g;
INSERT INTO sc_msg VALUES (10, 'agent', '2026-10-20 10:10+00'), (11, 'agent', '2026-10-21 10:10+00'), (12, 'agent', '2026-10-22 12:00+00');
SELECT results_eq(
    $$SELECT clocks, met, compliance, target_met, tier_below, credit FROM sla.service_credits('2026-10-01', '2026-10-01', '2026-12-05')
       WHERE contract = 'Gamma'$$,
    $$VALUES (3::bigint, 2::bigint, 66.67::numeric, false, 66.67::numeric, 30.00::numeric)$$,
    'target_met and the tiers compare the same unrounded compliance');

-- Delta renews on November 16 with new terms: each contract covers only its half of the month,
-- its clocks and its share of the fee (15 of 30 days).  T13 (Nov 10) breached, T14 (Nov 20) met.
INSERT INTO sc_customer VALUES ('d@delta', 'delta');
SELECT ok(sla.define_contract('Delta 1', 'delta', 600, 95, '{"95": 20}', valid_from => '2026-10-01', valid_until => '2026-11-16') > 0
      AND sla.define_contract('Delta 2', 'delta', 900, 95, '{"95": 20}', valid_from => '2026-11-16') > 0,
    'a contract renewed mid-month');
INSERT INTO sc_ticket VALUES (13, 'open', 'd@delta', '2026-11-10 10:00+00'), (14, 'open', 'd@delta', '2026-11-20 10:00+00');
INSERT INTO sc_msg VALUES (13, 'agent', '2026-11-10 13:00+00'), (14, 'agent', '2026-11-20 10:05+00');
SELECT results_eq(
    $$SELECT contract, covered_from, covered_until, clocks, met, credit_percent, billed_fee, credit
        FROM sla.service_credits('2026-11-01', '2026-11-01', '2026-12-05') WHERE customer_group = 'delta' ORDER BY contract$$,
    $$VALUES ('Delta 1', '2026-11-01'::date, '2026-11-16'::date, 1::bigint, 0::bigint, 20::numeric, 300.00::numeric, 60.00::numeric),
             ('Delta 2', '2026-11-16', '2026-12-01', 1, 1, 0, 450.00, 0.00)$$,
    'each contract counts only the clocks of the days it covers, on the fee for those days');

-- Roles: a reader reads the credits, only an admin writes contracts.
CREATE ROLE sc_read NOLOGIN IN ROLE sla_reader;
GRANT SELECT ON sc_ticket, sc_customer TO sc_read;	-- the attribute function reads them as the caller
SET LOCAL ROLE sc_read;
SELECT is((SELECT sum(credit) FROM sla.service_credits('2026-10-01', '2026-12-01', '2026-12-05')), 490.00, 'a reader reads the credits (430 above, 60 for Delta 1)');
SELECT throws_ok($$SELECT sla.define_contract('y', 'g', 100, 95)$$, '42501', NULL, 'a reader defines no contract');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
