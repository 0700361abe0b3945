-- guc_prefix.sql — the "sla." prefix of configuration parameters is reserved once the library is
-- loaded: a misspelt setting is refused (42602) instead of being kept as a silent placeholder;
-- the real parameters, the worker's server-start ones included, stay known.
BEGIN;
SELECT plan(8);

LOAD 'sla';
SELECT throws_ok($$SET sla.breach_worker_intreval = '5s'$$, '42602',
	'invalid configuration parameter name "sla.breach_worker_intreval"',
	'SET of a misspelt sla parameter fails');
SELECT throws_ok($$SELECT set_config('sla.no_such_setting', 'x', true)$$, '42602', NULL,
	'set_config of an unknown sla parameter fails');
SELECT is(current_setting('sla.no_such_setting', true), NULL, 'and no placeholder is left');
SELECT is(current_setting('sla.breach_worker_interval'), '1s', 'sla.breach_worker_interval is known');
SELECT is(current_setting('sla.breach_worker_database'), 'postgres',
	'sla.breach_worker_database is known without preloading');
SELECT ok(EXISTS (SELECT FROM pg_settings WHERE name = 'sla.breach_worker_role'),
	'sla.breach_worker_role is known without preloading');
SELECT lives_ok($$SELECT set_config('sla.escalating', 'on', true)$$,
	'sla.escalating, the guard of escalations, is a parameter of its own');
SELECT is(current_setting('sla.escalating'), 'on', 'and reads back');

SELECT * FROM finish();
ROLLBACK;
