-- 92_service_credits.sql — service credits owed under contract terms: a contract per customer
-- group (monthly fee, target compliance, credit tiers) and the credits owed per contract and
-- calendar month.
--
-- Which clocks belong to a customer group: the ticket's value of a declared attribute (by
-- default `customer_group`, sla.attribute: a SQL function of the ticket key, the same mechanism
-- rules use), called with the key as a parameter.  Which clocks count, and as met or failed:
-- exactly as in the compliance report (a met or breached clock at its stop; a running or paused
-- clock past its due time as failed at its due time; cancelled and not-yet-due clocks do not
-- count), in the calendar month of that instant in the contract's time zone.
--
-- Tiers: "if the month's compliance is below X %, credit Y % of the monthly fee".  Below is
-- strict (exactly X % is not below X %), and the deepest tier reached (the smallest X the
-- compliance is below) applies on its own: tiers are not added up.

CREATE SEQUENCE @extschema@.contract_id_seq AS integer;
CREATE TABLE @extschema@.contract (
    id                integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.contract_id_seq'),
    name              text NOT NULL UNIQUE CONSTRAINT contract_name_not_empty CHECK (name OPERATOR(pg_catalog.<>) ''),
    customer_group    text NOT NULL CONSTRAINT contract_customer_group_not_empty CHECK (customer_group OPERATOR(pg_catalog.<>) ''),
    customer_group_attribute text NOT NULL DEFAULT 'customer_group'
        CONSTRAINT contract_attribute_name CHECK (customer_group_attribute OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$'),
    monthly_fee       numeric(14, 2) NOT NULL CONSTRAINT contract_fee_not_negative CHECK (monthly_fee OPERATOR(pg_catalog.>=) 0),
    currency          text NOT NULL DEFAULT 'EUR' CONSTRAINT contract_currency_iso CHECK (currency OPERATOR(pg_catalog.~) '^[A-Z]{3}$'),
    target_compliance numeric NOT NULL CONSTRAINT contract_target_percent
        CHECK (target_compliance OPERATOR(pg_catalog.>) 0 AND target_compliance OPERATOR(pg_catalog.<=) 100),
    metrics           @extschema@.metric[] CONSTRAINT contract_metrics_not_empty
        CHECK (pg_catalog.cardinality(metrics) OPERATOR(pg_catalog.>) 0 AND pg_catalog.array_position(metrics, NULL) IS NULL),
    time_zone         text NOT NULL DEFAULT 'UTC' CHECK (@extschema@.valid_time_zone(time_zone)),
    valid_from        date NOT NULL DEFAULT '2000-01-01',
    valid_until       date,
    CONSTRAINT contract_validity_ordered CHECK (valid_until IS NULL OR valid_until OPERATOR(pg_catalog.>) valid_from),
    CONSTRAINT contract_validity_finite CHECK (pg_catalog.isfinite(valid_from) AND (valid_until IS NULL OR pg_catalog.isfinite(valid_until)))
);
ALTER SEQUENCE @extschema@.contract_id_seq OWNED BY @extschema@.contract.id;
COMMENT ON TABLE @extschema@.contract IS
    'service contracts: per customer group a monthly fee, a target compliance and credit tiers (contract_tier)';
COMMENT ON COLUMN @extschema@.contract.customer_group IS 'the value of the customer-group attribute whose tickets the contract covers';
COMMENT ON COLUMN @extschema@.contract.customer_group_attribute IS 'the declared attribute (sla.attribute) that gives a ticket''s customer group';
COMMENT ON COLUMN @extschema@.contract.monthly_fee IS 'the fee per calendar month the credits are a share of';
COMMENT ON COLUMN @extschema@.contract.currency IS 'ISO 4217 code of the fee and the credits';
COMMENT ON COLUMN @extschema@.contract.target_compliance IS 'promised compliance in percent of decided clocks met';
COMMENT ON COLUMN @extschema@.contract.metrics IS 'the metrics the contract measures (a non-empty list); null: every metric';
COMMENT ON COLUMN @extschema@.contract.time_zone IS 'the zone whose calendar months the contract is billed in';
COMMENT ON COLUMN @extschema@.contract.valid_from IS 'first day the contract applies (months overlapping its validity are reported, partial months for their covered days)';
COMMENT ON COLUMN @extschema@.contract.valid_until IS 'day the contract ends (exclusive); null: open-ended';

CREATE TABLE @extschema@.contract_tier (
    contract_id      integer NOT NULL,   -- sla.contract (id), ON DELETE CASCADE (98_config_reference.sql)
    below_compliance numeric NOT NULL CONSTRAINT contract_tier_below_percent
        CHECK (below_compliance OPERATOR(pg_catalog.>) 0 AND below_compliance OPERATOR(pg_catalog.<=) 100),
    credit_percent   numeric NOT NULL CONSTRAINT contract_tier_credit_percent
        CHECK (credit_percent OPERATOR(pg_catalog.>) 0 AND credit_percent OPERATOR(pg_catalog.<=) 100),
    PRIMARY KEY (contract_id, below_compliance)
);
COMMENT ON TABLE @extschema@.contract_tier IS
    'credit tiers: when a month''s compliance is below below_compliance (strictly), credit_percent of the fee is owed; the deepest tier reached applies alone';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.contract', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contract_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.contract_tier', '');

-- Upsert a contract and replace its tiers.  Tiers as {"95": 5, "90": 10} or
-- [{"below": 95, "credit_percent": 5}, ...].
CREATE FUNCTION @extschema@.define_contract(name text, customer_group text, monthly_fee numeric,
        target_compliance numeric, tiers jsonb DEFAULT '{}', currency text DEFAULT 'EUR',
        metrics @extschema@.metric[] DEFAULT NULL, time_zone text DEFAULT 'UTC',
        valid_from date DEFAULT '2000-01-01', valid_until date DEFAULT NULL,
        customer_group_attribute text DEFAULT 'customer_group')
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cid integer;
    t record;
BEGIN
    IF tiers IS NULL OR jsonb_typeof(tiers) NOT IN ('object', 'array') THEN
        RAISE EXCEPTION 'tiers of contract "%" must be a JSON object or array, not %', name, coalesce(tiers::text, 'null')
              USING ERRCODE = 'invalid_parameter_value',
                    HINT = 'Write {"95": 5, "90": 10}: below 95 % compliance 5 % of the fee, below 90 % 10 %.';
    END IF;
    INSERT INTO @extschema@.contract AS c (name, customer_group, customer_group_attribute, monthly_fee, currency,
                                           target_compliance, metrics, time_zone, valid_from, valid_until)
         VALUES (define_contract.name, define_contract.customer_group, define_contract.customer_group_attribute,
                 define_contract.monthly_fee, define_contract.currency, define_contract.target_compliance,
                 define_contract.metrics, define_contract.time_zone, define_contract.valid_from, define_contract.valid_until)
    ON CONFLICT ON CONSTRAINT contract_name_key DO UPDATE
        SET customer_group = excluded.customer_group, customer_group_attribute = excluded.customer_group_attribute,
            monthly_fee = excluded.monthly_fee, currency = excluded.currency,
            target_compliance = excluded.target_compliance, metrics = excluded.metrics,
            time_zone = excluded.time_zone, valid_from = excluded.valid_from, valid_until = excluded.valid_until
    RETURNING c.id INTO cid;
    DELETE FROM @extschema@.contract_tier x WHERE x.contract_id = cid;
    FOR t IN SELECT * FROM (
                 SELECT to_jsonb(e.key) AS below, e.value AS credit FROM jsonb_each(CASE WHEN jsonb_typeof(tiers) = 'object' THEN tiers END) e
                 UNION ALL
                 SELECT a -> 'below', a -> 'credit_percent' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(tiers) = 'array' THEN tiers END) a
             ) x LOOP
        BEGIN
            INSERT INTO @extschema@.contract_tier (contract_id, below_compliance, credit_percent)
                 VALUES (cid, (t.below #>> '{}')::numeric, (t.credit #>> '{}')::numeric);
        EXCEPTION WHEN invalid_text_representation OR null_value_not_allowed THEN
            RAISE EXCEPTION 'contract "%": tier % -> % is not a pair of percentages', name, t.below, t.credit
                  USING ERRCODE = 'invalid_text_representation',
                        HINT = 'Write {"95": 5} or [{"below": 95, "credit_percent": 5}].';
        END;
    END LOOP;
    RETURN cid;
END
$$;
COMMENT ON FUNCTION @extschema@.define_contract(text, text, numeric, numeric, jsonb, text, @extschema@.metric[], text, date, date, text) IS
    'creates or replaces a contract by name with its credit tiers ({"95": 5, "90": 10} or [{"below": 95, "credit_percent": 5}]); returns its id';

CREATE FUNCTION @extschema@.service_credits(from_month date, to_month date, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS TABLE (month date, contract text, customer_group text, covered_from date, covered_until date,
                   clocks bigint, met bigint, failed bigint,
                   compliance numeric, target_compliance numeric, target_met boolean, tier_below numeric,
                   credit_percent numeric, monthly_fee numeric, billed_fee numeric, credit numeric, currency text)
    LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k record;
    fn regproc;
    argtype regtype;
    month_start timestamptz;
    month_end timestamptz;
    cover_from date;
    cover_until date;
    n_met bigint;
    n_all bigint;
BEGIN
    IF NOT isfinite(from_month) OR NOT isfinite(to_month) THEN
        RAISE EXCEPTION 'service credits from % to %: months must be finite', from_month, to_month
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF from_month > to_month THEN
        RAISE EXCEPTION 'service credits from % to %: the range ends before it starts', from_month, to_month
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT c.*, m.m::date AS mon
               FROM @extschema@.contract c
              CROSS JOIN generate_series(date_trunc('month', from_month), date_trunc('month', to_month), interval '1 month') m(m)
              WHERE c.valid_from < (m.m + interval '1 month')::date
                AND (c.valid_until IS NULL OR c.valid_until > m.m::date)
              ORDER BY m.m, c.name LOOP
        SELECT p.oid::regproc, p.proargtypes[0]::regtype INTO fn, argtype
          FROM @extschema@.attribute d JOIN pg_proc p ON p.oid = d.function::regprocedure
         WHERE d.name = k.customer_group_attribute;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'contract "%" reads customer groups from attribute "%", which is not declared', k.name,
                  k.customer_group_attribute
                  USING ERRCODE = 'undefined_object',
                        HINT = 'Declare it: INSERT INTO sla.attribute (name, type, function) VALUES (''customer_group'', ''text'', ''my_group_of(bigint)'');';
        END IF;
        -- a contract that starts or ends within the month covers only its part of it: the clocks
        -- decided then, for the same share of the fee (two contracts of one group that follow
        -- each other mid-month never count a clock twice)
        cover_from := greatest(k.mon, k.valid_from);
        cover_until := least((k.mon + interval '1 month')::date, coalesce(k.valid_until, 'infinity'::date));
        month_start := cover_from::timestamp AT TIME ZONE k.time_zone;
        month_end := cover_until::timestamp AT TIME ZONE k.time_zone;
        -- the attribute function is called by OID with the key as a parameter, once per ticket
        -- with clocks decided in the period; only its name and argument type (from the
        -- catalog) are spliced in
        EXECUTE format($q$
            WITH decided AS (
                SELECT c.ticket_key, c.state OPERATOR(pg_catalog.=) 'met' AS met
                  FROM @extschema@.clock c
                 WHERE c.decided_at >= $1 AND c.decided_at < $2
                   AND @extschema@.clock_counts(c.state, c.due_at, least($3, $2))
                   AND ($4::@extschema@.metric[] IS NULL OR c.metric = ANY ($4))),
            of_group AS (
                SELECT t.ticket_key FROM (SELECT DISTINCT d.ticket_key FROM decided d) t
                 WHERE %s(t.ticket_key::%s)::text = $5)
            SELECT count(*) FILTER (WHERE d.met), count(*)
              FROM decided d JOIN of_group g ON g.ticket_key = d.ticket_key$q$, fn, argtype)
           INTO n_met, n_all
          USING month_start, month_end, as_of, k.metrics, k.customer_group;
        month := k.mon;
        contract := k.name;
        customer_group := k.customer_group;
        covered_from := cover_from;
        covered_until := cover_until;
        clocks := n_all;
        met := n_met;
        failed := n_all - n_met;
        compliance := CASE WHEN n_all > 0 THEN round(100.0 * n_met / n_all, 2) END;
        target_compliance := k.target_compliance;
        -- the same unrounded figure as the tiers: a month is never both on target and owed a
        -- credit for missing it (2 of 3 met is shown as 66.67 but is below 66.67)
        target_met := CASE WHEN n_all > 0 THEN 100.0 * n_met / n_all >= k.target_compliance END;
        -- the deepest tier reached: the smallest threshold the exact compliance is below
        SELECT t.below_compliance, t.credit_percent INTO tier_below, credit_percent
          FROM @extschema@.contract_tier t
         WHERE t.contract_id = k.id AND n_all > 0 AND 100.0 * n_met / n_all < t.below_compliance
         ORDER BY t.below_compliance LIMIT 1;
        IF NOT FOUND THEN
            tier_below := NULL;
            credit_percent := 0;
        END IF;
        monthly_fee := k.monthly_fee;
        billed_fee := round(k.monthly_fee * (cover_until - cover_from)
                            / ((k.mon + interval '1 month')::date - k.mon), 2);
        credit := round(billed_fee * credit_percent / 100, 2);
        currency := k.currency;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.service_credits(date, date, timestamptz) IS
    'credits owed per contract and calendar month (in the contract''s zone) from from_month to to_month: decided clocks of the contract''s customer group and metrics in the part of the month the contract covers, met, failed, compliance %, the deepest tier reached (strictly below its threshold) and the credit it gives on the fee for the covered days; clocks counted as in compliance_report, as of as_of';

CREATE VIEW @extschema@.service_credit AS
    SELECT * FROM @extschema@.service_credits(
        greatest((SELECT min(c.valid_from) FROM @extschema@.contract c), CURRENT_DATE - 3650), CURRENT_DATE);
COMMENT ON VIEW @extschema@.service_credit IS
    'service credits per contract and month, from the earliest contract start (at most ten years back) to this month, as of now';
COMMENT ON COLUMN @extschema@.service_credit.month IS 'the calendar month (first day), in the contract''s time zone';
COMMENT ON COLUMN @extschema@.service_credit.contract IS 'contract name';
COMMENT ON COLUMN @extschema@.service_credit.customer_group IS 'the customer group the contract covers';
COMMENT ON COLUMN @extschema@.service_credit.covered_from IS 'first day of the month the contract was valid (the month''s first day, or its valid_from)';
COMMENT ON COLUMN @extschema@.service_credit.covered_until IS 'day after the last day of the month the contract was valid (exclusive: the next month''s first day, or its valid_until)';
COMMENT ON COLUMN @extschema@.service_credit.clocks IS 'clocks of the group decided in the covered part of the month (met + failed)';
COMMENT ON COLUMN @extschema@.service_credit.met IS 'clocks that stopped by their due time';
COMMENT ON COLUMN @extschema@.service_credit.failed IS 'clocks that stopped late or still ran past their due time';
COMMENT ON COLUMN @extschema@.service_credit.compliance IS 'met * 100 / clocks, 2 decimals; null for a month without clocks';
COMMENT ON COLUMN @extschema@.service_credit.target_compliance IS 'the compliance the contract promises';
COMMENT ON COLUMN @extschema@.service_credit.target_met IS 'the unrounded compliance (met * 100 / clocks) >= target, the figure the tiers compare too; null for a month without clocks';
COMMENT ON COLUMN @extschema@.service_credit.tier_below IS 'threshold of the deepest credit tier reached; null if none';
COMMENT ON COLUMN @extschema@.service_credit.credit_percent IS 'share of the monthly fee owed, in percent (0 if no tier reached)';
COMMENT ON COLUMN @extschema@.service_credit.monthly_fee IS 'the contract''s monthly fee';
COMMENT ON COLUMN @extschema@.service_credit.billed_fee IS 'the fee for the covered days: monthly_fee * covered days / days of the month, rounded to cents (the monthly fee for a whole month)';
COMMENT ON COLUMN @extschema@.service_credit.credit IS 'the credit owed: billed_fee * credit_percent / 100, rounded to cents';
COMMENT ON COLUMN @extschema@.service_credit.currency IS 'ISO 4217 currency of fee and credit';

CREATE FUNCTION @extschema@.service_credits_json(from_month date, to_month date, as_of timestamptz DEFAULT pg_catalog.now())
    RETURNS jsonb
    LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.month, r.contract), '[]'::jsonb)
      FROM @extschema@.service_credits(from_month, to_month, as_of) r
$$;
COMMENT ON FUNCTION @extschema@.service_credits_json(date, date, timestamptz) IS
    'service_credits() as one JSON array (one object per contract and month), for REST layers such as PostgREST';
