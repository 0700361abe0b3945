-- after_restore.sql — in the restored database, after test/upgrade/engine_check.sql: the
-- references between configuration rows are checked again (the restore's sessions alone skipped
-- them), the configuration can be edited, and both helpdesks keep writing tickets that get
-- their clocks.  Fails (ON_ERROR_STOP) with the reason; prints one summary line.
\set ON_ERROR_STOP 1
SET client_min_messages = notice;
SET timezone = 'UTC';
\set VERBOSITY terse
DO $$
DECLARE
    state text;
    msg text;
    got text;
BEGIN
    BEGIN
        INSERT INTO sla.level (name, calendar_id) VALUES ('orphan', 424242);
        RAISE EXCEPTION 'a level on a calendar that does not exist was accepted after the restore';
    EXCEPTION WHEN foreign_key_violation THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        IF msg <> 'insert or update on table "level" violates foreign key constraint "level_calendar_id_fkey"' THEN
            RAISE EXCEPTION 'unexpected message: %', msg;
        END IF;
    END;
    BEGIN
        DELETE FROM sla.calendar WHERE name = 'around-the-clock';
        RAISE EXCEPTION 'a calendar in use was deleted after the restore';
    EXCEPTION WHEN foreign_key_violation THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
    END;
    -- edits: a new calendar and level, a rule choosing it, a contract's tiers replaced
    PERFORM sla.define_calendar('restored desk', 'Europe/Paris', 'mon-fri 08:00-18:00');
    PERFORM sla.define_level('restored', 'restored desk', first_response => '2 hours', resolution => '3 days');
    INSERT INTO sla.rule (name, position, set_level_id)
    SELECT 'issues after restore', 40, id FROM sla.level WHERE name = 'restored';
    INSERT INTO sla.rule_condition (rule_id, group_no, position, attribute, operator, value)
    SELECT id, 1, 1, 'customer_group', 'equals', '"globex"' FROM sla.rule WHERE name = 'issues after restore';
    PERFORM sla.define_contract('acme support', 'acme', 1300.00, 95, '{"95": 5}');
    IF (SELECT count(*) FROM sla.contract_tier t JOIN sla.contract c ON c.id = t.contract_id WHERE c.name = 'acme support') <> 1 THEN
        RAISE EXCEPTION 'define_contract did not replace the tiers after the restore';
    END IF;
    -- the second helpdesk writes new tickets: clocks at the levels the rules give
    INSERT INTO helpdesk.issue (key, state, opened, changed)
    SELECT 6000 + g, 'todo', timestamptz '2026-12-02 09:00+00' + g * interval '1 hour',
           timestamptz '2026-12-02 09:00+00' + g * interval '1 hour'
      FROM generate_series(1, 20) g;
    UPDATE helpdesk.issue SET state = 'done', changed = '2026-12-03 10:00+00' WHERE key IN (6001, 6002);
    SELECT string_agg(format('%s %s', l.name, n), ', ' ORDER BY l.name) INTO got
      FROM (SELECT c.level_id, count(*) n FROM sla.clock c JOIN sla.attachment a ON a.id = c.attachment_id
             WHERE a.ticket_table = 'helpdesk.issue'::regclass AND c.ticket_key::integer > 6000 AND c.metric = 'resolution'
             GROUP BY c.level_id) x JOIN sla.level l ON l.id = x.level_id;
    -- odd keys are globex's (the rule added here, last in position order), keys divisible by
    -- 5 the gold tier's (in_use.sql's declared attribute), the rest the default level
    IF got IS DISTINCT FROM 'gold 2, restored 10, standard 8' THEN
        RAISE EXCEPTION 'new issues after the restore: expected resolution clocks gold 2, restored 10, standard 8, got %', got;
    END IF;
    SELECT string_agg(c.state, ',' ORDER BY c.ticket_key) INTO got FROM sla.clock c
     WHERE c.ticket_key IN ('6001', '6002') AND c.metric = 'resolution';
    IF got IS DISTINCT FROM 'met,met' THEN
        RAISE EXCEPTION 'solved issues after the restore: expected their resolution met, got %', got;
    END IF;
    RAISE NOTICE 'after restore: references checked again (%), configuration edited, 20 new issues with their clocks', state;
END
$$;
