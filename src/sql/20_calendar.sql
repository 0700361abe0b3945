-- 20_calendar.sql — business-hours calendars: tables, validation, the compact notation, and
-- the statement triggers that invalidate every backend's compiled-calendar cache.

CREATE FUNCTION @extschema@.valid_time_zone(time_zone text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'sla_valid_time_zone'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.valid_time_zone(text) IS
    'true for a time zone name PostgreSQL knows (IANA names such as Europe/Berlin); raises 22023 otherwise';

CREATE SEQUENCE @extschema@.calendar_id_seq AS integer;

CREATE TABLE @extschema@.calendar (
    id        integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.calendar_id_seq'),
    name      text NOT NULL UNIQUE CHECK (name OPERATOR(pg_catalog.<>) ''),
    time_zone text NOT NULL CHECK (@extschema@.valid_time_zone(time_zone))
);
ALTER SEQUENCE @extschema@.calendar_id_seq OWNED BY @extschema@.calendar.id;
COMMENT ON TABLE @extschema@.calendar IS 'business-hours calendars: a name and the time zone its hours are read in';
COMMENT ON COLUMN @extschema@.calendar.time_zone IS 'IANA time zone; opening hours are local wall-clock times there';

CREATE TABLE @extschema@.calendar_hours (
    calendar_id integer NOT NULL,   -- sla.calendar (id), ON DELETE CASCADE (98_config_reference.sql)
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    opens       time NOT NULL CHECK (opens OPERATOR(pg_catalog.<) '24:00'),
    closes      time NOT NULL,
    PRIMARY KEY (calendar_id, weekday, opens),
    CONSTRAINT calendar_hours_not_empty CHECK (closes OPERATOR(pg_catalog.<>) opens
        AND NOT (opens OPERATOR(pg_catalog.=) '00:00' AND closes OPERATOR(pg_catalog.=) '00:00'))
);
COMMENT ON TABLE @extschema@.calendar_hours IS
    'weekly opening ranges; a range with closes < opens crosses midnight and belongs to its start day';
COMMENT ON COLUMN @extschema@.calendar_hours.weekday IS 'ISO weekday: 1 = Monday .. 7 = Sunday';
COMMENT ON COLUMN @extschema@.calendar_hours.closes IS 'exclusive end; 24:00 allowed; earlier than opens = next day';

CREATE TABLE @extschema@.calendar_holiday (
    calendar_id integer NOT NULL,   -- sla.calendar (id), ON DELETE CASCADE (98_config_reference.sql)
    day         date NOT NULL CHECK (day BETWEEN '1700-01-01' AND '2199-12-31'),
    name        text,
    yearly      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (calendar_id, day)
);
COMMENT ON TABLE @extschema@.calendar_holiday IS
    'full-day closures: the shifts starting on that local date are cancelled';
COMMENT ON COLUMN @extschema@.calendar_holiday.yearly IS 'true: the same month and day every year (29 February: leap years only)';

CREATE TABLE @extschema@.calendar_special_day (
    calendar_id integer NOT NULL,   -- sla.calendar (id), ON DELETE CASCADE (98_config_reference.sql)
    day         date NOT NULL CHECK (day BETWEEN '1700-01-01' AND '2199-12-31'),
    name        text,
    PRIMARY KEY (calendar_id, day)
);
COMMENT ON TABLE @extschema@.calendar_special_day IS
    'local dates with their own hours (rows in calendar_special_hours) or none (closed); they win over weekly hours and holidays';

CREATE TABLE @extschema@.calendar_special_hours (
    -- sla.calendar_special_day (calendar_id, day), ON DELETE CASCADE (98_config_reference.sql)
    calendar_id integer NOT NULL,
    day         date NOT NULL,
    opens       time NOT NULL CHECK (opens OPERATOR(pg_catalog.<) '24:00'),
    closes      time NOT NULL,
    PRIMARY KEY (calendar_id, day, opens),
    CONSTRAINT calendar_special_hours_not_empty CHECK (closes OPERATOR(pg_catalog.<>) opens
        AND NOT (opens OPERATOR(pg_catalog.=) '00:00' AND closes OPERATOR(pg_catalog.=) '00:00'))
);
COMMENT ON TABLE @extschema@.calendar_special_hours IS 'opening ranges of a special day (same rules as calendar_hours)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_hours', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_holiday', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_special_day', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calendar_special_hours', '');

-- A range as microseconds of the week, [start, end), end possibly past the week's end.
CREATE FUNCTION @extschema@.week_range(weekday smallint, opens time, closes time) RETURNS int8range
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT pg_catalog.int8range(base OPERATOR(pg_catalog.+) o, base OPERATOR(pg_catalog.+) c
                                OPERATOR(pg_catalog.+) CASE WHEN c OPERATOR(pg_catalog.<=) o
                                                            THEN 86400000000::bigint ELSE 0 END)
      FROM (SELECT ($1 OPERATOR(pg_catalog.-) 1)::bigint OPERATOR(pg_catalog.*) 86400000000::bigint,
                   (pg_catalog.date_part('epoch', $2) OPERATOR(pg_catalog.*) 1000000)::bigint,
                   (pg_catalog.date_part('epoch', $3) OPERATOR(pg_catalog.*) 1000000)::bigint) AS v(base, o, c)
$$;
COMMENT ON FUNCTION @extschema@.week_range(smallint, time, time) IS
    'a weekly opening range as microseconds since Monday 00:00 (internal, for the overlap check)';

-- Overlap check of weekly ranges, including across midnight and from Sunday night into Monday:
-- once per statement, for the calendars it touched.  Their ranges are sorted by start (a range
-- running past Sunday midnight also counts from Monday 00:00) and each is compared with the
-- furthest end before it, so a statement of n ranges costs O(n log n), not a scan per row.
CREATE FUNCTION @extschema@.calendar_hours_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    clash record;
    other record;
BEGIN
    WITH ranges AS (
        SELECT h.calendar_id, h.weekday, h.opens, h.closes,
               @extschema@.week_range(h.weekday, h.opens, h.closes) AS r
          FROM @extschema@.calendar_hours h
         WHERE h.calendar_id IN (SELECT n.calendar_id FROM new_rows n)
    ), pieces AS (
        SELECT x.*, lower(x.r) AS lo, least(upper(x.r), 604800000000) AS hi FROM ranges x
        UNION ALL
        SELECT x.*, 0, upper(x.r) - 604800000000 FROM ranges x WHERE upper(x.r) > 604800000000
    ), ordered AS (
        SELECT p.*, max(p.hi) OVER (PARTITION BY p.calendar_id ORDER BY p.lo, p.hi
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
          FROM pieces p
    )
    SELECT o.calendar_id, o.weekday, o.opens, o.closes, o.lo, o.hi INTO clash
      FROM ordered o WHERE o.lo < o.reach ORDER BY o.calendar_id, o.lo, o.hi LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    -- the range it runs into, found once; the message names the statement's own range first
    SELECT o.weekday, o.opens, o.closes,
           (o.calendar_id, o.weekday, o.opens) IN (SELECT n.calendar_id, n.weekday, n.opens FROM new_rows n) AS is_new
      INTO other
      FROM @extschema@.calendar_hours o
     WHERE o.calendar_id = clash.calendar_id AND (o.weekday, o.opens) <> (clash.weekday, clash.opens)
       AND EXISTS (SELECT FROM (VALUES (-604800000000::bigint), (0), (604800000000)) AS w(shift)
                    WHERE @extschema@.week_range(o.weekday, o.opens, o.closes)
                          && int8range(clash.lo + w.shift, clash.hi + w.shift))
     ORDER BY 4, o.weekday, o.opens
     LIMIT 1;
    -- the statement's own range first; of two new ones, the one that starts first
    IF other.is_new OR (clash.calendar_id, clash.weekday, clash.opens)
                       NOT IN (SELECT n.calendar_id, n.weekday, n.opens FROM new_rows n) THEN
        SELECT other.weekday AS w1, other.opens AS o1, other.closes AS c1, clash.weekday AS w2, clash.opens AS o2,
               clash.closes AS c2 INTO other;
    ELSE
        SELECT clash.weekday AS w1, clash.opens AS o1, clash.closes AS c1, other.weekday AS w2, other.opens AS o2,
               other.closes AS c2 INTO other;
    END IF;
    RAISE EXCEPTION 'opening range % %-% overlaps % %-% of calendar %',
          other.w1, other.o1, other.c1, other.w2, other.o2, other.c2,
          (SELECT c.name FROM @extschema@.calendar c WHERE c.id = clash.calendar_id)
          USING ERRCODE = 'exclusion_violation',
                HINT = 'A range ending before it starts runs past midnight into the next day.';
END
$$;

CREATE TRIGGER calendar_hours_no_overlap AFTER INSERT ON @extschema@.calendar_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_hours_check();
CREATE TRIGGER calendar_hours_no_overlap_update AFTER UPDATE ON @extschema@.calendar_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_hours_check();

-- The same for the ranges of special days, per day (a range may run past midnight).
CREATE FUNCTION @extschema@.calendar_special_hours_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    clash record;
    other record;
BEGIN
    WITH pieces AS (
        SELECT h.calendar_id, h.day, h.opens, h.closes, lower(r) AS lo, upper(r) AS hi
          FROM @extschema@.calendar_special_hours h
          CROSS JOIN LATERAL (SELECT @extschema@.week_range(1::smallint, h.opens, h.closes)) w (r)
         WHERE (h.calendar_id, h.day) IN (SELECT n.calendar_id, n.day FROM new_rows n)
    ), ordered AS (
        SELECT p.*, max(p.hi) OVER (PARTITION BY p.calendar_id, p.day ORDER BY p.lo, p.hi
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
          FROM pieces p
    )
    SELECT o.calendar_id, o.day, o.opens, o.closes INTO clash
      FROM ordered o WHERE o.lo < o.reach ORDER BY o.calendar_id, o.day, o.lo, o.hi LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT o.opens, o.closes, (o.calendar_id, o.day, o.opens) IN (SELECT n.calendar_id, n.day, n.opens FROM new_rows n) AS is_new
      INTO other
      FROM @extschema@.calendar_special_hours o
     WHERE o.calendar_id = clash.calendar_id AND o.day = clash.day AND o.opens <> clash.opens
       AND @extschema@.week_range(1::smallint, o.opens, o.closes)
           && @extschema@.week_range(1::smallint, clash.opens, clash.closes)
     ORDER BY 3, o.opens
     LIMIT 1;
    -- the statement's own range first; of two new ones, the one that starts first
    IF other.is_new OR (clash.calendar_id, clash.day, clash.opens) NOT IN (SELECT n.calendar_id, n.day, n.opens FROM new_rows n) THEN
        RAISE EXCEPTION 'opening range %-% overlaps %-% on special day %', other.opens, other.closes,
              clash.opens, clash.closes, clash.day USING ERRCODE = 'exclusion_violation';
    END IF;
    RAISE EXCEPTION 'opening range %-% overlaps %-% on special day %', clash.opens, clash.closes,
          other.opens, other.closes, clash.day USING ERRCODE = 'exclusion_violation';
END
$$;

CREATE TRIGGER calendar_special_hours_no_overlap AFTER INSERT ON @extschema@.calendar_special_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_special_hours_check();
CREATE TRIGGER calendar_special_hours_no_overlap_update AFTER UPDATE ON @extschema@.calendar_special_hours
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_special_hours_check();

-- Any change to a calendar table, committed by any session, makes every backend recompile
-- the calendars it uses at its next statement.
CREATE FUNCTION @extschema@.calendar_invalidate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'sla_calendar_invalidate'
    LANGUAGE C;
COMMENT ON FUNCTION @extschema@.calendar_invalidate() IS
    'statement trigger: broadcasts a cache invalidation for compiled calendars';

CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.calendar FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.calendar_hours FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.calendar_holiday FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.calendar_special_day FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();
CREATE TRIGGER calendar_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON @extschema@.calendar_special_hours FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.calendar_invalidate();

-- The compact notation.
CREATE FUNCTION @extschema@.parse_weekly_hours(weekly_hours text,
        OUT weekday smallint, OUT opens time, OUT closes time) RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'parse_weekly_hours_sql'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.parse_weekly_hours(text) IS
    'parses ''mon-fri 09:00-17:00; sat 10:00-12:00,13:00-15:00; sun closed'' or ''24/7'' into weekly ranges';

CREATE FUNCTION @extschema@.parse_day_hours(hours text, OUT opens time, OUT closes time)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'parse_day_hours_sql'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 3;
COMMENT ON FUNCTION @extschema@.parse_day_hours(text) IS
    'parses one day''s hours, ''09:00-12:00,13:00-15:00'' or ''closed'' (no rows)';

CREATE FUNCTION @extschema@.calendar_id(calendar text) RETURNS integer
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    result integer;
BEGIN
    SELECT c.id INTO result FROM @extschema@.calendar c WHERE c.name = calendar;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'calendar "%" does not exist', calendar USING ERRCODE = 'undefined_object',
              HINT = 'Create it with sla.define_calendar().';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@.calendar_id(text) IS 'id of a calendar by name; 42704 when there is none';

CREATE FUNCTION @extschema@.define_calendar(name text, time_zone text, weekly_hours text)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cal_id integer;
BEGIN
    IF name IS NULL OR time_zone IS NULL OR weekly_hours IS NULL THEN
        RAISE EXCEPTION 'define_calendar: name, time_zone and weekly_hours must not be null'
              USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO @extschema@.calendar AS c (name, time_zone)
         VALUES (define_calendar.name, define_calendar.time_zone)
    ON CONFLICT ON CONSTRAINT calendar_name_key
         DO UPDATE SET time_zone = EXCLUDED.time_zone
    RETURNING c.id INTO cal_id;
    DELETE FROM @extschema@.calendar_hours h WHERE h.calendar_id = cal_id;
    INSERT INTO @extschema@.calendar_hours (calendar_id, weekday, opens, closes)
         SELECT cal_id, p.weekday, p.opens, p.closes
           FROM @extschema@.parse_weekly_hours(weekly_hours) p;
    RETURN cal_id;
END
$$;
COMMENT ON FUNCTION @extschema@.define_calendar(text, text, text) IS
    'creates a calendar or replaces its time zone and weekly hours (holidays and special days stay); returns its id';

CREATE FUNCTION @extschema@.add_holiday(calendar text, day date, name text DEFAULT NULL,
                                        yearly boolean DEFAULT false)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF day IS NULL OR yearly IS NULL THEN
        RAISE EXCEPTION 'add_holiday: day and yearly must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- an UPDATE, else an INSERT, rather than INSERT ... ON CONFLICT DO UPDATE: an upsert fires
    -- the UPDATE statement triggers too, before the INSERT ones, and the re-targeted clocks'
    -- events would say "holiday changed" for a holiday added (docs/policy-versions.md)
    UPDATE @extschema@.calendar_holiday h SET name = add_holiday.name, yearly = add_holiday.yearly
     WHERE h.calendar_id = @extschema@.calendar_id(calendar) AND h.day = add_holiday.day;
    IF NOT FOUND THEN
        BEGIN
            INSERT INTO @extschema@.calendar_holiday (calendar_id, day, name, yearly)
                 VALUES (@extschema@.calendar_id(calendar), add_holiday.day, add_holiday.name, add_holiday.yearly);
        EXCEPTION WHEN unique_violation THEN	-- added meanwhile by another transaction
            UPDATE @extschema@.calendar_holiday h SET name = add_holiday.name, yearly = add_holiday.yearly
             WHERE h.calendar_id = @extschema@.calendar_id(calendar) AND h.day = add_holiday.day;
        END;
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.add_holiday(text, date, text, boolean) IS
    'adds (or updates) a full-day closure; yearly repeats it on the same month and day every year';

CREATE FUNCTION @extschema@.set_special_day(calendar text, day date, hours text, name text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cal_id integer := @extschema@.calendar_id(calendar);
BEGIN
    IF day IS NULL OR hours IS NULL THEN
        RAISE EXCEPTION 'set_special_day: day and hours must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- an UPDATE, else an INSERT: see add_holiday
    UPDATE @extschema@.calendar_special_day s SET name = COALESCE(set_special_day.name, s.name)
     WHERE s.calendar_id = cal_id AND s.day = set_special_day.day;
    IF NOT FOUND THEN
        BEGIN
            INSERT INTO @extschema@.calendar_special_day (calendar_id, day, name)
                 VALUES (cal_id, set_special_day.day, set_special_day.name);
        EXCEPTION WHEN unique_violation THEN	-- added meanwhile by another transaction
            UPDATE @extschema@.calendar_special_day s SET name = COALESCE(set_special_day.name, s.name)
             WHERE s.calendar_id = cal_id AND s.day = set_special_day.day;
        END;
    END IF;
    DELETE FROM @extschema@.calendar_special_hours h WHERE h.calendar_id = cal_id AND h.day = set_special_day.day;
    INSERT INTO @extschema@.calendar_special_hours (calendar_id, day, opens, closes)
         SELECT cal_id, set_special_day.day, p.opens, p.closes FROM @extschema@.parse_day_hours(hours) p;
END
$$;
COMMENT ON FUNCTION @extschema@.set_special_day(text, date, text, text) IS
    'gives one local date its own hours (''09:00-12:00,13:00-15:00'') or closes it (''closed''), replacing weekly hours and holidays';
