-- baseline_plpgsql.sql — the common way to add business hours in plain PostgreSQL, as a
-- baseline for sla.business_add: walk the calendar day by day with generate_series over dates;
-- for each weekday that is not a holiday (a lookup in a holiday table), intersect that day's
-- opening hours, turned into instants with AT TIME ZONE, with [t, ...) and use up the amount.
--
-- Same definition as sla.business_add for d >= 0: the latest u >= t with at most d of open
-- time in [t, u); an amount used up exactly at a closing time lands on the next opening
-- (hence "remaining < available" below, never "<=").  One opening range per weekday, no
-- ranges across midnight, no special days: enough for 'mon-fri 09:00-17:00'.
\set ON_ERROR_STOP on

CREATE FUNCTION bench.baseline_business_add(t timestamptz, d interval, p_calendar text,
                                            tz text DEFAULT 'Europe/Berlin',
                                            opens time DEFAULT '09:00',
                                            closes time DEFAULT '17:00')
    RETURNS timestamptz
    LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    remaining  interval := d;
    chunk      date := (t AT TIME ZONE tz)::date;	-- t's local date
    local_day  date;
    day_open   timestamptz;
    day_close  timestamptz;
    start_at   timestamptz;
    available  interval;
BEGIN
    IF d < interval '0' THEN
        RAISE EXCEPTION 'baseline_business_add: negative amounts are not supported';
    END IF;
    LOOP	-- in chunks of 31 days, so that long amounts work too
        FOR local_day IN
            SELECT g::date FROM generate_series(chunk, chunk + 30, interval '1 day') AS g
        LOOP
            CONTINUE WHEN extract(isodow FROM local_day) > 5;
            CONTINUE WHEN EXISTS (SELECT 1 FROM bench.holiday_list h
                                   WHERE h.calendar = p_calendar AND h.day = local_day);
            day_open  := (local_day + opens) AT TIME ZONE tz;
            day_close := (local_day + closes) AT TIME ZONE tz;
            start_at  := greatest(day_open, t);
            CONTINUE WHEN start_at >= day_close;
            available := day_close - start_at;
            IF remaining < available THEN
                RETURN start_at + remaining;
            END IF;
            remaining := remaining - available;
        END LOOP;
        chunk := chunk + 31;
    END LOOP;
END
$$;
COMMENT ON FUNCTION bench.baseline_business_add(timestamptz, interval, text, text, time, time) IS
    'benchmark baseline: business_add by walking dates with generate_series (PL/pgSQL)';
