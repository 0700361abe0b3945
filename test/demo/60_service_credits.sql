-- 60_service_credits.sql — service credits owed under contract terms: two contracts, for the
-- enterprise and the VIP customer groups, and what November's compliance costs.

\echo
\echo '== Service credits for November 2026: the monthly fee share owed when compliance falls below the contract''s tiers'
SELECT sla.define_contract('Enterprise support', 'enterprise', 2500, 95,
           '[{"below": 95, "credit_percent": 5}, {"below": 90, "credit_percent": 10}, {"below": 80, "credit_percent": 25}]')
       IS NOT NULL AS ok \gset
SELECT sla.define_contract('Premium 24/7', 'vip', 9000, 99,
           '[{"below": 99, "credit_percent": 10}, {"below": 97, "credit_percent": 20}, {"below": 95, "credit_percent": 35}]')
       IS NOT NULL AS ok \gset
SELECT contract, customer_group AS "group", clocks, met, failed, compliance AS "compliance %",
       target_compliance AS "target %", tier_below AS "tier (below %)", credit_percent AS "credit %",
       monthly_fee AS fee, credit, currency
  FROM sla.service_credits('2026-11-01', '2026-11-01', '2026-12-01 00:00+00');
