/*
 * calendar_cache.c — loads calendars from the sla.calendar* tables through SPI, compiles them
 * with the core, keeps them in a backend-local memory context, and drops them on invalidation.
 *
 * Invalidation follows pg_cron: a statement trigger on every calendar table calls
 * CacheInvalidateRelcacheByRelid(sla.calendar); the relcache callback registered in _PG_init
 * only bumps a generation counter; the next lookup resets the memory context.  The callback also
 * treats InvalidOid (a full reset) as a change, and forgets the cached relid, because DROP and
 * CREATE EXTENSION give the tables new OIDs.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "pgtime.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "calendar_cache.h"
#include "pg_compat.h"
#include "sla_error.h"

uint64		sla_calendar_generation = 1;

static MemoryContext CalendarCacheContext = NULL;
static SlaCalendar *cached_calendars = NULL;
static uint64 cache_generation = 0;		/* generation the cached list belongs to */
static Oid	calendar_relid = InvalidOid;
static TimestampTz refreshed_for_statement = 0;

/* ---------------------------------------------------------------- invalidation */

static void
calendar_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == calendar_relid)
	{
		sla_calendar_generation++;
		calendar_relid = InvalidOid;
	}
}

/*
 * Between installing this library and ALTER EXTENSION sla UPDATE, the 0.1.0 schema is in place
 * (no sla.fact, sla.attachment without strict): the engine keeps moving
 * clocks with statements that fit it.  Looked up once per transaction, so an update committed by
 * another session is seen by the next one; when the answer changes every cache is dropped.
 */
bool
sla_schema_before_0_2(void)
{
	static LocalTransactionId checked_in = InvalidLocalTransactionId;
	static bool answer = false;

	if (checked_in != SLA_MY_LXID)
	{
		Oid			schema = sla_extension_schema();
		bool		before = OidIsValid(get_relname_relid("ticket", schema)) &&
			!OidIsValid(get_relname_relid("fact", schema));

		if (before != answer)
			sla_calendar_generation++;
		answer = before;
		checked_in = SLA_MY_LXID;
	}
	return answer;
}

void
sla_calendar_cache_init(void)
{
	CacheRegisterRelcacheCallback(calendar_relcache_callback, (Datum) 0);
}

void
sla_calendar_cache_refresh(void)
{
	TimestampTz stmt = GetCurrentStatementStartTimestamp();

	/* once per statement: pick up changes other sessions committed since the last one */
	if (stmt != refreshed_for_statement)
	{
		AcceptInvalidationMessages();
		refreshed_for_statement = stmt;
	}
}

PG_FUNCTION_INFO_V1(sla_calendar_invalidate);
Datum
sla_calendar_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Oid			nsp;
	Oid			relid;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.calendar_invalidate() must be called as a trigger")));
	nsp = RelationGetNamespace(trigdata->tg_relation);
	relid = get_relname_relid("calendar", nsp);
	if (OidIsValid(relid))
		CacheInvalidateRelcacheByRelid(relid);
	return PointerGetDatum(NULL);
}

/* ---------------------------------------------------------------- time zone callbacks */

/* Local wall clock -> UTC, read the way PostgreSQL reads a timestamp in a zone. */
static int64_t
pg_local_to_utc(void *ctx, int64_t local)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			offset;

	if (timestamp2tm((Timestamp) local, NULL, &tm, &fsec, NULL, NULL) != 0)
		return local;
	offset = DetermineTimeZoneOffset(&tm, (pg_tz *) ctx);
	return local + (int64_t) offset * USECS_PER_SEC;
}

static int64_t
pg_utc_to_local(void *ctx, int64_t utc)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			offset;

	if (timestamp2tm((TimestampTz) utc, &offset, &tm, &fsec, NULL, (pg_tz *) ctx) != 0)
		return utc;
	return utc - (int64_t) offset * USECS_PER_SEC;
}

/* ---------------------------------------------------------------- allocation for the core */

static void *
cache_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
cache_free(void *ctx, void *ptr)
{
	pfree(ptr);
}

/* ---------------------------------------------------------------- loading */

/*
 * Schema of the sla extension, or InvalidOid.  sla.control fixes it (schema = sla, not
 * relocatable: CREATE EXTENSION refuses any other), so it is the namespace named sla, found
 * through the syscache.  The clock tables' BEFORE triggers ask once per statement, and a scan of
 * pg_extension there cost 4% of a bulk ticket insert.  A schema named sla left behind after DROP
 * EXTENSION answers too; nothing of sla's can run there to ask.
 */
Oid
sla_extension_schema(void)
{
	return get_namespace_oid("sla", true);
}

static const char *
sla_schema_name(void)
{
	Oid			nsp = sla_extension_schema();

	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"sla\" is not installed in this database")));
	return quote_identifier(get_namespace_name(nsp));
}

static int64
time_usecs(Datum d)
{
	return (int64) DatumGetTimeADT(d);
}

/* Range [opens, closes) of a row: closes <= opens crosses midnight. */
static void
row_range(HeapTuple tup, TupleDesc desc, int opens_col, sla_day_range *r)
{
	bool		isnull;
	int64		opens = time_usecs(SPI_getbinval(tup, desc, opens_col, &isnull));
	int64		closes = time_usecs(SPI_getbinval(tup, desc, opens_col + 1, &isnull));

	r->start = opens;
	r->end = closes <= opens ? closes + USECS_PER_DAY : closes;
}

static SlaCalendar *
load_calendar(const char *name, int len, int32 id, bool by_id)
{
	const char *schema = sla_schema_name();
	StringInfoData q;
	Oid			argtypes[1];
	Datum		args[1];
	SlaCalendar *entry;
	sla_calendar_def def = {0};
	sla_day_range *weekly,
			   *special_ranges;
	int32	   *holidays,
			   *yearly;
	sla_special_day *special;
	uint64		i;
	int32		cal_id;
	char	   *cal_name,
			   *tz_name;
	pg_tz	   *tz;
	sla_allocator alloc;
	sla_tz		tzapi;
	sla_status	st;
	MemoryContext oldcxt;
	bool		isnull;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	initStringInfo(&q);

	/* the calendar row */
	/* every operator is qualified: callers may have anything on their search_path */
	appendStringInfo(&q, "SELECT id, name, time_zone FROM %s.calendar WHERE %s OPERATOR(pg_catalog.=) $1", schema,
					 by_id ? "id" : "name");
	argtypes[0] = by_id ? INT4OID : TEXTOID;
	args[0] = by_id ? Int32GetDatum(id) : PointerGetDatum(cstring_to_text_with_len(name, len));
	if (SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read calendar");
	if (SPI_processed == 0)
	{
		if (by_id)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("calendar %d does not exist", id)));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("calendar \"%s\" does not exist", pnstrdup(name, Min(len, 200))),
				 errhint("Create it with sla.define_calendar().")));
	}
	cal_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	cal_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	tz_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	tz = pg_tzset(tz_name);
	if (!tz)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", tz_name),
				 errdetail("Calendar \"%s\" uses it.", cal_name)));
	args[0] = Int32GetDatum(cal_id);
	argtypes[0] = INT4OID;

	/* weekly hours */
	resetStringInfo(&q);
	appendStringInfo(&q, "SELECT weekday, opens, closes FROM %s.calendar_hours WHERE calendar_id OPERATOR(pg_catalog.=) $1", schema);
	if (SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read calendar hours");
	weekly = palloc(sizeof(sla_day_range) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];

		weekly[i].weekday = DatumGetInt16(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull)) - 1;
		row_range(tup, SPI_tuptable->tupdesc, 2, &weekly[i]);
	}
	def.weekly = weekly;
	def.nweekly = SPI_processed;

	/* holidays */
	resetStringInfo(&q);
	appendStringInfo(&q, "SELECT day, yearly FROM %s.calendar_holiday WHERE calendar_id OPERATOR(pg_catalog.=) $1", schema);
	if (SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read calendar holidays");
	holidays = palloc(sizeof(int32) * (SPI_processed + 1));
	yearly = palloc(sizeof(int32) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		DateADT		day = DatumGetDateADT(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));

		if (DatumGetBool(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull)))
		{
			int			y,
						m,
						d;

			j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
			yearly[def.nyearly++] = m * 100 + d;
		}
		else
			holidays[def.nholidays++] = day;
	}
	def.holidays = holidays;
	def.yearly_holidays = yearly;

	/* special days with their hours (none: closed) */
	resetStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT d.day, h.opens, h.closes FROM %s.calendar_special_day d "
					 "LEFT JOIN %s.calendar_special_hours h ON h.calendar_id OPERATOR(pg_catalog.=) d.calendar_id "
					 "AND h.day OPERATOR(pg_catalog.=) d.day "
					 "WHERE d.calendar_id OPERATOR(pg_catalog.=) $1 ORDER BY d.day, h.opens", schema, schema);
	if (SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read calendar special days");
	special = palloc(sizeof(sla_special_day) * (SPI_processed + 1));
	special_ranges = palloc(sizeof(sla_day_range) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		DateADT		day = DatumGetDateADT(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
		bool		closed;

		(void) SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &closed);
		if (def.nspecial == 0 || special[def.nspecial - 1].day != day)
		{
			special[def.nspecial].day = day;
			special[def.nspecial].first = (uint32) def.nspecial_ranges;
			special[def.nspecial].count = 0;
			def.nspecial++;
		}
		if (!closed)
		{
			special_ranges[def.nspecial_ranges].weekday = 0;
			row_range(tup, SPI_tuptable->tupdesc, 2, &special_ranges[def.nspecial_ranges]);
			def.nspecial_ranges++;
			special[def.nspecial - 1].count++;
		}
	}
	def.special = special;
	def.special_ranges = special_ranges;

	/* compile into the cache context */
	alloc.alloc = cache_alloc;
	alloc.free = cache_free;
	alloc.ctx = CalendarCacheContext;
	tzapi.ctx = tz;
	tzapi.local_to_utc = pg_local_to_utc;
	tzapi.utc_to_local = pg_utc_to_local;

	oldcxt = MemoryContextSwitchTo(CalendarCacheContext);
	entry = palloc0(sizeof(SlaCalendar));
	entry->id = cal_id;
	entry->name = pstrdup(cal_name);
	entry->time_zone = pstrdup(tz_name);
	entry->generation = cache_generation;
	MemoryContextSwitchTo(oldcxt);

	st = sla_calendar_build(&def, tzapi, &alloc, &entry->compiled);
	if (st == SLA_ECONFIG)
		ereport(ERROR,
				(errcode(ERRCODE_EXCLUSION_VIOLATION),
				 errmsg("calendar \"%s\" has overlapping opening ranges", cal_name)));
	if (st == SLA_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calendar \"%s\" has an invalid opening range or date", cal_name)));
	sla_report_status(st, "calendar", cal_name);

	SPI_finish();
	return entry;
}

void
sla_config_cache_prepare(void)
{
	sla_calendar_cache_refresh();
	if (CalendarCacheContext == NULL)
		CalendarCacheContext = AllocSetContextCreate(CacheMemoryContext, "sla calendar cache",
													 ALLOCSET_DEFAULT_SIZES);
	if (cache_generation != sla_calendar_generation)
	{
		MemoryContextReset(CalendarCacheContext);
		cached_calendars = NULL;
		cache_generation = sla_calendar_generation;
	}
	if (!OidIsValid(calendar_relid))
	{
		Oid			nsp = sla_extension_schema();

		if (OidIsValid(nsp))
			calendar_relid = get_relname_relid("calendar", nsp);
	}
}

static SlaCalendar *
remember(SlaCalendar *entry)
{
	/* an invalidation may have arrived while loading: then do not keep the entry */
	if (cache_generation == sla_calendar_generation)
	{
		entry->next = cached_calendars;
		cached_calendars = entry;
	}
	return entry;
}

SlaCalendar *
sla_calendar_by_name(const char *name, int len)
{
	SlaCalendar *c;

	sla_config_cache_prepare();
	for (c = cached_calendars; c; c = c->next)
		if (strncmp(c->name, name, len) == 0 && c->name[len] == '\0')
			return c;
	return remember(load_calendar(name, len, 0, false));
}

SlaCalendar *
sla_calendar_by_id(int32 id)
{
	SlaCalendar *c;

	sla_config_cache_prepare();
	for (c = cached_calendars; c; c = c->next)
		if (c->id == id)
			return c;
	return remember(load_calendar(NULL, 0, id, true));
}
