/*
 * calendar_functions.c — SQL-callable business-time functions and the opening-hours parsers.
 *
 * Each function exists twice in SQL (calendar by name and by id) and once per form here.  The
 * calendar is resolved once per query and kept in fn_extra together with the cache generation
 * it belongs to, so the per-row cost is a comparison and a call into the core.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "miscadmin.h"
#include "utils/typcache.h"
#include "utils/tuplestore.h"

#include "business_interval_glue.h"
#include "calendar_cache.h"
#include "hours_spec.h"
#include "pg_compat.h"
#include "sla_error.h"

StaticAssertDecl(SLA_END_INSTANT == END_TIMESTAMP, "core and PostgreSQL agree on the timestamp range");
StaticAssertDecl(SLA_MIN_INSTANT == MIN_TIMESTAMP, "core and PostgreSQL agree on the timestamp range");
StaticAssertDecl(SLA_NEVER == DT_NOEND, "core's never is PostgreSQL's infinity");

/* ---------------------------------------------------------------- calendar argument */

typedef struct CalendarArg
{
	bool		initialized;
	bool		arg_is_constant;	/* the calendar argument cannot change within the query */
	uint64		generation;
	SlaCalendar *calendar;
	int32		id;
	int			len;
	char	   *name;			/* in fn_mcxt */
	int			name_cap;
} CalendarArg;

static CalendarArg *
calendar_arg_cache(FunctionCallInfo fcinfo, int argno)
{
	CalendarArg *ca = (CalendarArg *) fcinfo->flinfo->fn_extra;

	if (ca == NULL)
	{
		ca = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CalendarArg));
		ca->arg_is_constant = get_fn_expr_arg_stable(fcinfo->flinfo, argno);
		fcinfo->flinfo->fn_extra = ca;
	}
	return ca;
}

static bool
still_valid(CalendarArg *ca)
{
	sla_calendar_cache_refresh();
	return ca->calendar != NULL && ca->generation == sla_calendar_generation;
}

static SlaCalendar *
calendar_by_name_arg(FunctionCallInfo fcinfo, int argno)
{
	CalendarArg *ca = calendar_arg_cache(fcinfo, argno);
	text	   *name;
	int			len;

	/* a constant name (the usual case) is compared once per query, not once per row */
	if (ca->arg_is_constant && ca->initialized && still_valid(ca))
		return ca->calendar;
	name = PG_GETARG_TEXT_PP(argno);
	len = VARSIZE_ANY_EXHDR(name);
	if (still_valid(ca) && ca->len == len && memcmp(ca->name, VARDATA_ANY(name), len) == 0)
		return ca->calendar;
	ca->calendar = sla_calendar_by_name(VARDATA_ANY(name), len);
	ca->generation = ca->calendar->generation;
	if (ca->name_cap < len + 1)
	{
		ca->name = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len + 1);
		ca->name_cap = len + 1;
	}
	memcpy(ca->name, VARDATA_ANY(name), len);
	ca->name[len] = '\0';
	ca->len = len;
	ca->initialized = true;
	return ca->calendar;
}

static SlaCalendar *
calendar_by_id_arg(FunctionCallInfo fcinfo, int argno)
{
	CalendarArg *ca = calendar_arg_cache(fcinfo, argno);
	int32		id = PG_GETARG_INT32(argno);

	if (still_valid(ca) && ca->id == id)
		return ca->calendar;
	ca->calendar = sla_calendar_by_id(id);
	ca->generation = ca->calendar->generation;
	ca->id = id;
	return ca->calendar;
}

/* Every SQL function has a by-name and a by-id entry point that share one implementation. */
#define CALENDAR_ENTRY_POINTS(sqlname, impl, argno) \
	PG_FUNCTION_INFO_V1(sqlname); \
	Datum sqlname(PG_FUNCTION_ARGS) \
	{ \
		return impl(fcinfo, calendar_by_name_arg(fcinfo, argno)); \
	} \
	PG_FUNCTION_INFO_V1(sqlname##_by_id); \
	Datum sqlname##_by_id(PG_FUNCTION_ARGS) \
	{ \
		return impl(fcinfo, calendar_by_id_arg(fcinfo, argno)); \
	}

void
sla_report_calendar_status(sla_status st, const char *what, SlaCalendar *cal)
{
	if (st == SLA_EOVERFLOW)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range"),
				 errdetail("The result of %s on calendar \"%s\" lies outside the timestamp range.",
						   what, cal->name)));
	sla_report_status(st, what, cal->name);
}

/* ---------------------------------------------------------------- business_add */

static Datum
business_add_impl(FunctionCallInfo fcinfo, SlaCalendar *cal)
{
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(0);
	sla_business_interval *d = PG_GETARG_BUSINESS_INTERVAL_P(1);
	int64_t		out;
	int			sign;
	sla_status	st;

	if (TIMESTAMP_NOT_FINITE(t))
		PG_RETURN_TIMESTAMPTZ(t);
	if (sla_bi_is_infinite(*d, &sign))
		PG_RETURN_TIMESTAMPTZ(sign > 0 ? DT_NOEND : DT_NOBEGIN);
	st = sla_calendar_add(cal->compiled, t, d->days, d->usec, &out);
	if (st != SLA_OK)
		sla_report_calendar_status(st, "business_add", cal);
	PG_RETURN_TIMESTAMPTZ(out);
}

CALENDAR_ENTRY_POINTS(sla_business_add, business_add_impl, 2)

/* ---------------------------------------------------------------- business_between */

static Datum
business_between_impl(FunctionCallInfo fcinfo, SlaCalendar *cal)
{
	TimestampTz a = PG_GETARG_TIMESTAMPTZ(0);
	TimestampTz b = PG_GETARG_TIMESTAMPTZ(1);
	sla_business_interval *result = palloc0(sizeof(sla_business_interval));
	int64_t		out;
	sla_status	st;

	if (TIMESTAMP_NOT_FINITE(a) || TIMESTAMP_NOT_FINITE(b))
	{
		/* an open calendar has unbounded open time towards either end of time */
		if (a != b && sla_calendar_has_hours(cal->compiled))
			*result = a < b ? SLA_BI_INFINITY : SLA_BI_NEG_INFINITY;
		PG_RETURN_BUSINESS_INTERVAL_P(result);
	}
	st = sla_calendar_between(cal->compiled, a, b, &out);
	if (st != SLA_OK)
		sla_report_calendar_status(st, "business_between", cal);
	result->usec = out;
	PG_RETURN_BUSINESS_INTERVAL_P(result);
}

CALENDAR_ENTRY_POINTS(sla_business_between, business_between_impl, 2)

/* ---------------------------------------------------------------- is_open, next_open, next_close */

static Datum
is_open_impl(FunctionCallInfo fcinfo, SlaCalendar *cal)
{
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(0);
	bool		open;
	sla_status	st;

	if (TIMESTAMP_NOT_FINITE(t))
		PG_RETURN_BOOL(false);
	st = sla_calendar_is_open(cal->compiled, t, &open);
	if (st != SLA_OK)
		sla_report_calendar_status(st, "is_open", cal);
	PG_RETURN_BOOL(open);
}

CALENDAR_ENTRY_POINTS(sla_is_open, is_open_impl, 1)

/* next_open and next_close: an instant in, an instant out, infinities passed through. */
static Datum
instant_impl(FunctionCallInfo fcinfo, SlaCalendar *cal, const char *what,
			 sla_status (*fn) (sla_calendar *, int64_t, int64_t *))
{
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(0);
	int64_t		out;
	sla_status	st;

	if (TIMESTAMP_NOT_FINITE(t))
		PG_RETURN_TIMESTAMPTZ(t);
	st = fn(cal->compiled, t, &out);
	if (st != SLA_OK)
		sla_report_calendar_status(st, what, cal);
	PG_RETURN_TIMESTAMPTZ(out);
}

static Datum
next_open_impl(FunctionCallInfo fcinfo, SlaCalendar *cal)
{
	return instant_impl(fcinfo, cal, "next_open", sla_calendar_next_open);
}

CALENDAR_ENTRY_POINTS(sla_next_open, next_open_impl, 1)

static Datum
next_close_impl(FunctionCallInfo fcinfo, SlaCalendar *cal)
{
	return instant_impl(fcinfo, cal, "next_close", sla_calendar_next_close);
}

CALENDAR_ENTRY_POINTS(sla_next_close, next_close_impl, 1)

/* ---------------------------------------------------------------- open_periods */

typedef struct PeriodsState
{
	SlaCalendar *calendar;
	uint64		generation;
	int64_t		cursor;
	int64_t		to;
	TypeCacheEntry *range_type;
} PeriodsState;

/* Value-per-call, so open_periods(cal, now(), 'infinity') LIMIT 10 works.  fn_extra belongs
 * to the SRF machinery here, so the calendar is resolved on the first call only. */
static Datum
open_periods_impl(FunctionCallInfo fcinfo, bool by_id)
{
	SlaCalendar *cal;
	FuncCallContext *funcctx;
	PeriodsState *state;
	int64_t		start,
				end;
	sla_status	st;
	RangeBound	lower,
				upper;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext oldcxt;
		TimestampTz from = PG_GETARG_TIMESTAMPTZ(1);
		TimestampTz to = PG_GETARG_TIMESTAMPTZ(2);

		if (TIMESTAMP_IS_NOEND(to) || TIMESTAMP_IS_NOBEGIN(from))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("open_periods needs a finite range, got [%s, %s)",
							pstrdup(timestamptz_to_str(from)), pstrdup(timestamptz_to_str(to))),
					 errhint("Give finite bounds; use sla.next_open() and sla.next_close() to step through open time.")));
		sla_calendar_cache_refresh();
		if (by_id)
			cal = sla_calendar_by_id(PG_GETARG_INT32(0));
		else
		{
			text	   *name = PG_GETARG_TEXT_PP(0);

			cal = sla_calendar_by_name(VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name));
		}
		funcctx = SRF_FIRSTCALL_INIT();
		oldcxt = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		state = palloc0(sizeof(PeriodsState));
		state->calendar = cal;
		state->generation = cal->generation;
		state->cursor = from;
		state->to = to;
		state->range_type = lookup_type_cache(TSTZRANGEOID, TYPECACHE_RANGE_INFO);
		if (TIMESTAMP_IS_NOEND(from))
			state->cursor = state->to;	/* empty */
		funcctx->user_fctx = state;
		MemoryContextSwitchTo(oldcxt);
	}
	funcctx = SRF_PERCALL_SETUP();
	state = funcctx->user_fctx;
	if (state->cursor >= state->to)
		SRF_RETURN_DONE(funcctx);
	CHECK_FOR_INTERRUPTS();

	/* the calendar can change under a long scan only if this very query edits it */
	if (state->generation != sla_calendar_generation)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("calendar \"%s\" changed while its open periods were being listed",
						state->calendar->name)));
	cal = state->calendar;
	st = sla_calendar_next_period(cal->compiled, state->cursor, &start, &end);
	if (st == SLA_ENOHOURS || (st == SLA_OK && start >= state->to))
		SRF_RETURN_DONE(funcctx);
	if (st != SLA_OK)
		sla_report_calendar_status(st, "open_periods", cal);
	if (end > state->to)
		end = state->to;
	state->cursor = end;

	lower.val = TimestampTzGetDatum(start);
	lower.infinite = false;
	lower.inclusive = true;
	lower.lower = true;
	upper.val = TimestampTzGetDatum(end);
	upper.infinite = false;
	upper.inclusive = false;
	upper.lower = false;
	SRF_RETURN_NEXT(funcctx, RangeTypePGetDatum(make_range(state->range_type, &lower, &upper, false
#if PG_VERSION_NUM >= 160000
														   , NULL
#endif
														   )));
}

PG_FUNCTION_INFO_V1(sla_open_periods);
Datum
sla_open_periods(PG_FUNCTION_ARGS)
{
	return open_periods_impl(fcinfo, false);
}

PG_FUNCTION_INFO_V1(sla_open_periods_by_id);
Datum
sla_open_periods_by_id(PG_FUNCTION_ARGS)
{
	return open_periods_impl(fcinfo, true);
}

/* ---------------------------------------------------------------- time zones */

PG_FUNCTION_INFO_V1(sla_valid_time_zone);
Datum
sla_valid_time_zone(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (strlen(name) == 0 || strlen(name) >= TZ_STRLEN_MAX || pg_tzset(name) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", pnstrdup(name, 100)),
				 errhint("Use an IANA time zone name such as \"Europe/Berlin\" or \"America/New_York\"; "
						 "see pg_timezone_names.")));
	PG_RETURN_BOOL(true);
}

/* ---------------------------------------------------------------- opening-hours notation */

static void
hours_error(sla_status st, const char *text, size_t pos, bool weekly)
{
	const char *example = weekly
		? "Write for example 'mon-fri 09:00-17:00; sat 10:00-12:00,13:00-15:00; sun closed' or '24/7'."
		: "Write for example '09:00-12:00,13:00-15:00' or 'closed'.";
	char	   *shown = pnstrdup(text, 200);

	switch (st)
	{
		case SLA_ESYNTAX:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
					 errmsg("invalid opening hours \"%s\"", shown),
					 errdetail("Unexpected text at position %d: \"%s\".", (int) pos + 1,
							   pnstrdup(text + pos, 20)),
					 errhint("%s", example)));
			break;
		case SLA_ERANGE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
					 errmsg("invalid opening hours \"%s\"", shown),
					 errdetail("Time or range out of range at position %d: \"%s\".", (int) pos + 1,
							   pnstrdup(text + pos, 20)),
					 errhint("Times run from 00:00 to 24:00; 24:00 only ends a range; a range may not be empty.")));
			break;
		case SLA_ECONFIG:
			ereport(ERROR,
					(errcode(ERRCODE_EXCLUSION_VIOLATION),
					 errmsg("opening hours \"%s\" overlap", shown),
					 errdetail("Two ranges cover the same time, or a day is both open and closed."),
					 errhint("A range ending before it starts runs past midnight into the next day.")));
			break;
		default:
			sla_report_status(st, "opening hours", shown);
	}
}

static Datum
time_datum(int64 usec)
{
	return TimeADTGetDatum(usec % USECS_PER_DAY == 0 && usec > 0 ? USECS_PER_DAY : usec % USECS_PER_DAY);
}

/* Materialise parsed ranges as (weekday, opens, closes) or (opens, closes) rows. */
static Datum
ranges_srf(FunctionCallInfo fcinfo, bool weekly)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *arg = PG_GETARG_TEXT_PP(0);
	const char *chars = VARDATA_ANY(arg);
	size_t		len = VARSIZE_ANY_EXHDR(arg);
	sla_day_range *ranges;
	size_t		cap = 7,
				n,
				pos,
				i;
	sla_status	st;

	/* every range has its '-' and gives at most one range a weekday: room for all of them */
	for (i = 0; i < len; i++)
		if (chars[i] == '-')
			cap += 7;
	cap = Min(cap, SLA_MAX_RANGES);
	ranges = palloc(sizeof(sla_day_range) * cap);
	st = weekly
		? sla_parse_weekly_hours(chars, len, ranges, cap, &n, &pos)
		: sla_parse_day_hours(chars, len, ranges, cap, &n, &pos);
	if (st == SLA_ERANGE && n == SLA_MAX_RANGES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("opening hours \"%s\" have more than %d ranges", text_to_cstring(arg), SLA_MAX_RANGES),
				 errhint("A week has %d minutes: merge ranges that touch.", SLA_MAX_RANGES)));
	if (st != SLA_OK)
		hours_error(st, text_to_cstring(arg), pos, weekly);

	sla_init_materialized_srf(fcinfo);
	for (i = 0; i < n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		int			k = 0;
		int64		closes = ranges[i].end > USECS_PER_DAY ? ranges[i].end - USECS_PER_DAY : ranges[i].end;

		if (weekly)
			values[k++] = Int16GetDatum((int16) (ranges[i].weekday + 1));
		values[k++] = TimeADTGetDatum(ranges[i].start);
		/* a range ending at midnight after crossing it is stored as ending 00:00 */
		values[k++] = ranges[i].end > USECS_PER_DAY ? TimeADTGetDatum(closes) : time_datum(closes);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(parse_weekly_hours_sql);
Datum
parse_weekly_hours_sql(PG_FUNCTION_ARGS)
{
	return ranges_srf(fcinfo, true);
}

PG_FUNCTION_INFO_V1(parse_day_hours_sql);
Datum
parse_day_hours_sql(PG_FUNCTION_ARGS)
{
	return ranges_srf(fcinfo, false);
}
