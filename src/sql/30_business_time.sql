-- 30_business_time.sql — business-time functions over calendars (given by name or by id).
-- STABLE: they read the calendar tables (through the per-backend cache).

CREATE FUNCTION @extschema@.business_add(t timestamptz, d @extschema@.business_interval, calendar text)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_business_add' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.business_add(t timestamptz, d @extschema@.business_interval, calendar integer)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_business_add_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.business_add(timestamptz, @extschema@.business_interval, text) IS
    'for d >= 0 the latest instant u >= t with at most d of open time in [t, u) (so a clock breaches when now() > due); negative d mirrors it';
COMMENT ON FUNCTION @extschema@.business_add(timestamptz, @extschema@.business_interval, integer) IS
    'business_add with the calendar given by id';

CREATE FUNCTION @extschema@.business_between(a timestamptz, b timestamptz, calendar text)
    RETURNS @extschema@.business_interval AS 'MODULE_PATHNAME', 'sla_business_between' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.business_between(a timestamptz, b timestamptz, calendar integer)
    RETURNS @extschema@.business_interval AS 'MODULE_PATHNAME', 'sla_business_between_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.business_between(timestamptz, timestamptz, text) IS
    'open time in [a, b); negative when b < a';
COMMENT ON FUNCTION @extschema@.business_between(timestamptz, timestamptz, integer) IS
    'business_between with the calendar given by id';

CREATE FUNCTION @extschema@.is_open(t timestamptz, calendar text)
    RETURNS boolean AS 'MODULE_PATHNAME', 'sla_is_open' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.is_open(t timestamptz, calendar integer)
    RETURNS boolean AS 'MODULE_PATHNAME', 'sla_is_open_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.is_open(timestamptz, text) IS 'true when t lies in an open period [open, close)';
COMMENT ON FUNCTION @extschema@.is_open(timestamptz, integer) IS 'is_open with the calendar given by id';

CREATE FUNCTION @extschema@.next_open(t timestamptz, calendar text)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_next_open' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.next_open(t timestamptz, calendar integer)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_next_open_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_open(timestamptz, text) IS 't itself when open, else the next opening';
COMMENT ON FUNCTION @extschema@.next_open(timestamptz, integer) IS 'next_open with the calendar given by id';

CREATE FUNCTION @extschema@.next_close(t timestamptz, calendar text)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_next_close' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.next_close(t timestamptz, calendar integer)
    RETURNS timestamptz AS 'MODULE_PATHNAME', 'sla_next_close_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.next_close(timestamptz, text) IS
    't itself when closed, else the end of the open period holding t (infinity if it never closes)';
COMMENT ON FUNCTION @extschema@.next_close(timestamptz, integer) IS 'next_close with the calendar given by id';

CREATE FUNCTION @extschema@.open_periods(calendar text, "from" timestamptz, "to" timestamptz)
    RETURNS SETOF tstzrange AS 'MODULE_PATHNAME', 'sla_open_periods' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 100;
CREATE FUNCTION @extschema@.open_periods(calendar integer, "from" timestamptz, "to" timestamptz)
    RETURNS SETOF tstzrange AS 'MODULE_PATHNAME', 'sla_open_periods_by_id' LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.open_periods(text, timestamptz, timestamptz) IS
    'the open periods meeting [from, to), clipped to it, touching periods joined (never split at midnight)';
COMMENT ON FUNCTION @extschema@.open_periods(integer, timestamptz, timestamptz) IS
    'open_periods with the calendar given by id';
