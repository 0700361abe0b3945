/*
 * clock_ops.c — SLA clock primitives in C (see clock_ops.h), their SQL wrappers, the level
 * cache they read targets from, and the trigger that keeps sla.clock.warn_at in step.
 *
 * Each primitive is one prepared statement that changes the clock row and appends its event
 * row (a data-modifying WITH), so a transition costs one executor run.  Plans are kept per
 * backend and prepared again whenever the configuration generation moves on (an edit, or the
 * extension dropped and created again, which gives its types new OIDs).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "attachment_cache.h"
#include "business_interval_glue.h"
#include "calendar_cache.h"
#include "clock_ops.h"
#include "sla_error.h"

const char *const sla_metric_names[METRIC_COUNT] = {
	"first_response", "next_response", "periodic_update", "chat_response", "call_response", "resolution",
};

SlaMetric
sla_metric_from_name(const char *name)
{
	int			m;

	for (m = 0; m < METRIC_COUNT; m++)
		if (strcmp(sla_metric_names[m], name) == 0)
			return (SlaMetric) m;
	elog(ERROR, "unknown metric \"%s\"", name);
	return METRIC_FIRST_RESPONSE;	/* keep compiler quiet */
}

/* ---------------------------------------------------------------- calendar arithmetic */

TimestampTz
sla_business_add_on(int32 calendar_id, TimestampTz t, sla_business_interval d)
{
	SlaCalendar *cal = sla_calendar_by_id(calendar_id);
	int64_t		out;
	sla_status	st = sla_calendar_add(cal->compiled, t, d.days, d.usec, &out);

	if (st != SLA_OK)
		sla_report_calendar_status(st, "business_add", cal);
	return out;
}

sla_business_interval
sla_business_between_on(int32 calendar_id, TimestampTz a, TimestampTz b)
{
	SlaCalendar *cal = sla_calendar_by_id(calendar_id);
	sla_business_interval result = {0, 0, 0};
	int64_t		out;
	sla_status	st = sla_calendar_between(cal->compiled, a, b, &out);

	if (st != SLA_OK)
		sla_report_calendar_status(st, "business_between", cal);
	result.usec = out;
	return result;
}

static sla_business_interval
bi_add(sla_business_interval a, sla_business_interval b)
{
	sla_business_interval out;

	sla_report_status(sla_bi_add(a, b, &out), "business_interval", NULL);
	return out;
}

TimestampTz
sla_clock_warn_at(TimestampTz started_at, TimestampTz due_at, sla_business_interval paused_for,
				  int32 calendar_id, double warning_fraction)
{
	sla_business_interval allowed;
	sla_business_interval share;

	sla_report_status(sla_bi_sub(sla_business_between_on(calendar_id, started_at, due_at), paused_for, &allowed),
					  "business_interval", NULL);
	sla_report_status(sla_bi_mul(allowed, warning_fraction, &share), "business_interval", NULL);
	return sla_business_add_on(calendar_id, started_at, bi_add(paused_for, share));
}

static char *
bi_text(sla_business_interval v)
{
	char		buf[SLA_BI_FORMAT_MAX];

	sla_bi_format(v, buf);
	return pstrdup(buf);
}

/* ---------------------------------------------------------------- the level cache */

static MemoryContext LevelContext = NULL;
static SlaLevel *levels = NULL;
static int	nlevels = 0;
static uint64 levels_generation = 0;

static void
load_levels(void)
{
	MemoryContext caller = CurrentMemoryContext;
	uint64		i;
	uint64		generation = sla_calendar_generation;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT l.id, l.calendar_id, (l.warning_percent OPERATOR(pg_catalog./) 100)::pg_catalog.float8, "
					"t.metric::text, t.target FROM sla.level l LEFT JOIN sla.level_target t "
					"ON t.level_id OPERATOR(pg_catalog.=) l.id ORDER BY l.id", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.level");
	MemoryContextReset(LevelContext);
	levels = MemoryContextAllocZero(LevelContext, sizeof(SlaLevel) * (SPI_processed + 1));
	nlevels = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		Datum		target;
		SlaLevel   *l;

		if (nlevels == 0 || levels[nlevels - 1].id != id)
		{
			l = &levels[nlevels++];
			l->id = id;
			l->calendar_id = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
			l->warning_fraction = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &isnull));
		}
		l = &levels[nlevels - 1];
		target = SPI_getbinval(tup, desc, 5, &isnull);
		if (!isnull)
		{
			SlaMetric	m = sla_metric_from_name(SPI_getvalue(tup, desc, 4));

			l->has_target[m] = true;
			l->target[m] = *DatumGetBusinessIntervalP(target);
		}
	}
	MemoryContextSwitchTo(caller);
	SPI_finish();
	/* an invalidation while loading: the next lookup loads again */
	levels_generation = generation;
}

SlaLevel *
sla_level_get(int32 id)
{
	int			i;

	sla_config_cache_prepare();
	if (LevelContext == NULL)
		LevelContext = AllocSetContextCreate(CacheMemoryContext, "sla level cache", ALLOCSET_SMALL_SIZES);
	if (levels == NULL || levels_generation != sla_calendar_generation)
		load_levels();
	for (i = 0; i < nlevels; i++)
		if (levels[i].id == id)
			return &levels[i];
	return NULL;
}

SlaLevel *
sla_level_use(int32 id)
{
	for (;;)
	{
		SlaLevel   *level;
		uint64		generation;

		sla_engine_use_level(id);
		level = sla_level_get(id);	/* after the lock: a committed change has arrived */
		if (level == NULL)
			return NULL;
		generation = sla_calendar_generation;
		sla_engine_use_calendar(level->calendar_id);
		sla_config_cache_prepare();
		if (generation == sla_calendar_generation)
			return level;
		/* the configuration changed while we waited for the calendar: read the level again */
	}
}

/* ---------------------------------------------------------------- prepared statements */

typedef enum Statement
{
	S_START, S_NEXT_CYCLE, S_PAUSE, S_RESUME, S_STOP, S_CANCEL, S_EVENT, S_TICKET_CLOCKS, S_CLOCK_BY_ID,
	S_TICKET_INSERT, S_TICKET_LOCK, S_TICKET_REPLIED, S_TICKET_WAITING,
	S_REOPEN, S_RETARGET, S_TICKET_LIFECYCLE, S_TICKET_LEVEL, S_REASSIGN, S_NEW_TICKET,
	S_COUNT
} Statement;

#define CLOCK_COLUMNS "id, attachment_id, ticket_key, metric::text, cycle, level_id, calendar_id, target, " \
	"started_at, due_at, paused_since, paused_for, stopped_at, state, department, agent, requester"

/*
 * Every SQL text is schema-qualified down to its operators: the writer's search_path is theirs.
 * Statements on one clock name it by id alone: the caller has checked its state under the
 * ticket's row lock, and a state condition would let a generic plan made while sla.clock was
 * small prefer a partial index on running clocks, then scan all of them for every row.
 */
static const char *const statement_sql[S_COUNT] = {
	[S_START] = "WITH c AS (INSERT INTO sla.clock (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, "
	"target, started_at, due_at, state, department, agent, requester, warn_at) "
	"VALUES ($1, $2, $3::sla.metric, $4, $5, $6, $7, $8, $9, 'running', $10, $11, $12, $14) RETURNING id) "
	"INSERT INTO sla.event (attachment_id, ticket_key, clock_id, at, kind, detail) "
	"SELECT $1, $2, c.id, $8, 'clock_started', $13 FROM c RETURNING clock_id",
	[S_NEXT_CYCLE] = "SELECT coalesce(pg_catalog.max(cycle), 0) OPERATOR(pg_catalog.+) 1 FROM sla.clock "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2 "
	"AND metric OPERATOR(pg_catalog.=) $3::sla.metric",
	[S_PAUSE] = "WITH c AS (UPDATE sla.clock k SET state = 'paused', paused_since = $2 "
	"WHERE k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	"INSERT INTO sla.event (attachment_id, ticket_key, clock_id, at, kind, detail) "
	"SELECT $3, $4, c.id, $2, 'paused', $5 FROM c RETURNING clock_id",
	[S_RESUME] = "WITH c AS (UPDATE sla.clock k SET state = 'running', paused_since = NULL, paused_for = $3, due_at = $4 "
	"WHERE k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	"INSERT INTO sla.event (attachment_id, ticket_key, clock_id, at, kind, detail) "
	"SELECT $5, $6, c.id, $2, 'resumed', $7 FROM c RETURNING clock_id",
	[S_STOP] = "WITH c AS (UPDATE sla.clock k SET stopped_at = $2, state = $3, business_used = $4 "
	"WHERE k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	"INSERT INTO sla.event (attachment_id, ticket_key, clock_id, at, kind, detail) "
	"SELECT $5, $6, c.id, $2, 'stopped', $7 FROM c RETURNING clock_id",
	[S_CANCEL] = "WITH c AS (UPDATE sla.clock k SET state = 'cancelled', stopped_at = $2, paused_since = NULL "
	"WHERE k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	"INSERT INTO sla.event (attachment_id, ticket_key, clock_id, at, kind, detail) "
	"SELECT $3, $4, c.id, $2, 'cancelled', $5 FROM c RETURNING clock_id",
	[S_EVENT] = "INSERT INTO sla.event (attachment_id, ticket_key, clock_id, at, kind, detail) "
	"VALUES ($1, $2, $3, $4, $5, $6)",
	[S_TICKET_CLOCKS] = "SELECT " CLOCK_COLUMNS " FROM sla.clock WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2 ORDER BY id",
	[S_CLOCK_BY_ID] = "SELECT " CLOCK_COLUMNS " FROM sla.clock WHERE id OPERATOR(pg_catalog.=) $1",
	[S_TICKET_INSERT] = "INSERT INTO sla.ticket (attachment_id, ticket_key, level_id, lifecycle) VALUES ($1, $2, $3, $4)",
	/* a new open ticket in one statement: its state row, its clocks, then its events in order
	 * (level_chosen first, then clock_started by clock id, as the single steps would write them) */
	[S_NEW_TICKET] = "WITH t AS (INSERT INTO sla.ticket (attachment_id, ticket_key, level_id, lifecycle) "
	"VALUES ($1, $2, $3, 'open')), "
	"c AS (INSERT INTO sla.clock (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target, "
	"started_at, due_at, state, warn_at, department, agent, requester) "
	"SELECT $1, $2, m.metric::sla.metric, 1, $3, $4, m.target, $5, m.due, 'running', m.warn, $6, $7, $8 "
	"FROM unnest($9::text[], $10, $11::timestamptz[], $12::timestamptz[]) WITH ORDINALITY AS m(metric, target, due, warn, n) "
	"ORDER BY m.n RETURNING id, metric, target) "
	"INSERT INTO sla.event (attachment_id, ticket_key, clock_id, at, kind, detail) "
	"SELECT $1, $2, e.clock_id, $5, e.kind, e.detail FROM ("
	"SELECT 0::bigint AS ord, NULL::bigint AS clock_id, 'level_chosen' AS kind, $13::jsonb AS detail "
	"UNION ALL SELECT c.id, c.id, 'clock_started', pg_catalog.jsonb_build_object('metric', c.metric, 'cycle', 1, "
	"'target', c.target::text) FROM c) e ORDER BY e.ord",
	[S_TICKET_LOCK] = "SELECT level_id, lifecycle, agent_replied, customer_waiting_since FROM sla.ticket "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2 FOR UPDATE",
	[S_TICKET_REPLIED] = "UPDATE sla.ticket SET agent_replied = true, customer_waiting_since = NULL "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2",
	[S_TICKET_WAITING] = "UPDATE sla.ticket SET customer_waiting_since = $3 "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2",
	[S_REOPEN] = "WITH c AS (UPDATE sla.clock k SET state = $3, paused_since = $4, paused_for = $5, due_at = $6, "
	"stopped_at = NULL, business_used = NULL "
	"WHERE k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	"INSERT INTO sla.event (attachment_id, ticket_key, clock_id, at, kind, detail) "
	"SELECT $7, $8, c.id, $2, 'reopened', $9 FROM c RETURNING clock_id",
	[S_RETARGET] = "WITH c AS (UPDATE sla.clock k SET level_id = $3, calendar_id = $4, target = $5, due_at = $6 "
	"WHERE k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	"INSERT INTO sla.event (attachment_id, ticket_key, clock_id, at, kind, detail) "
	"SELECT $7, $8, c.id, $2, 'retargeted', $9 FROM c RETURNING clock_id",
	[S_TICKET_LIFECYCLE] = "UPDATE sla.ticket SET lifecycle = $3 "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2",
	[S_TICKET_LEVEL] = "UPDATE sla.ticket SET level_id = $3 "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2",
	[S_REASSIGN] = "WITH c AS (UPDATE sla.clock k SET department = $4, agent = $5 "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 AND k.ticket_key OPERATOR(pg_catalog.=) $2 "
	"AND k.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused']) RETURNING k.id) "
	"INSERT INTO sla.event (attachment_id, ticket_key, clock_id, at, kind, detail) VALUES ($1, $2, NULL, $3, 'reassigned', $6)",
};

static SPIPlanPtr plans[S_COUNT];
static uint32 plan_uses[S_COUNT];
static uint64 plans_generation = 0;

/*
 * A kept plan is made again after this many executions: a generic plan chosen while the tables
 * were small (or never analyzed, inside one long transaction that fills them) must not outlive
 * their growth.  Planning anew costs a few custom plans per 10,000 rows.
 */
#define PLAN_REUSES 10000

static Oid
business_interval_oid(void)
{
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("business_interval"),
						   ObjectIdGetDatum(get_namespace_oid("sla", false)));
}

static void
argument_types(Statement s, Oid *types, int *n)
{
	Oid			bi = business_interval_oid();

	switch (s)
	{
		case S_START:
			{
				Oid			t[] = {INT4OID, TEXTOID, TEXTOID, INT4OID, INT4OID, INT4OID, bi,
					TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, TIMESTAMPTZOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_NEXT_CYCLE:
			{
				Oid			t[] = {INT4OID, TEXTOID, TEXTOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_PAUSE:
		case S_CANCEL:
			{
				Oid			t[] = {INT8OID, TIMESTAMPTZOID, INT4OID, TEXTOID, JSONBOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_RESUME:
			{
				Oid			t[] = {INT8OID, TIMESTAMPTZOID, bi, TIMESTAMPTZOID, INT4OID, TEXTOID, JSONBOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_STOP:
			{
				Oid			t[] = {INT8OID, TIMESTAMPTZOID, TEXTOID, bi, INT4OID, TEXTOID, JSONBOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_EVENT:
			{
				Oid			t[] = {INT4OID, TEXTOID, INT8OID, TIMESTAMPTZOID, TEXTOID, JSONBOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_TICKET_INSERT:
			{
				Oid			t[] = {INT4OID, TEXTOID, INT4OID, TEXTOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_REOPEN:
			{
				Oid			t[] = {INT8OID, TIMESTAMPTZOID, TEXTOID, TIMESTAMPTZOID, bi, TIMESTAMPTZOID, INT4OID, TEXTOID, JSONBOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_RETARGET:
			{
				Oid			t[] = {INT8OID, TIMESTAMPTZOID, INT4OID, INT4OID, bi, TIMESTAMPTZOID, INT4OID, TEXTOID, JSONBOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_TICKET_LIFECYCLE:
			{
				Oid			t[] = {INT4OID, TEXTOID, TEXTOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_TICKET_LEVEL:
			{
				Oid			t[] = {INT4OID, TEXTOID, INT4OID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_NEW_TICKET:
			{
				Oid			t[] = {INT4OID, TEXTOID, INT4OID, INT4OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID,
					TEXTARRAYOID, get_array_type(bi), TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, JSONBOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_REASSIGN:
			{
				Oid			t[] = {INT4OID, TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, JSONBOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_TICKET_WAITING:
			{
				Oid			t[] = {INT4OID, TEXTOID, TIMESTAMPTZOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_TICKET_LOCK:
		case S_TICKET_REPLIED:
		case S_TICKET_CLOCKS:
			{
				Oid			t[] = {INT4OID, TEXTOID};

				*n = lengthof(t);
				memcpy(types, t, sizeof(t));
				break;
			}
		case S_CLOCK_BY_ID:
			types[0] = INT8OID;
			*n = 1;
			break;
		case S_COUNT:
			elog(ERROR, "no such statement");
	}
}

/* Execute a statement (the caller is connected to SPI); returns SPI_processed. */
static uint64
run(Statement s, Datum *values, const char *nulls)
{
	int			rc;

	sla_config_cache_prepare();
	if (plans_generation != sla_calendar_generation)
	{
		int			i;

		for (i = 0; i < S_COUNT; i++)
			if (plans[i])
			{
				SPI_freeplan(plans[i]);
				plans[i] = NULL;
			}
		plans_generation = sla_calendar_generation;
	}
	if (plans[s] != NULL && ++plan_uses[s] >= PLAN_REUSES)
	{
		SPI_freeplan(plans[s]);
		plans[s] = NULL;
	}
	if (plans[s] == NULL)
	{
		Oid			types[16];
		int			n;
		SPIPlanPtr	plan;

		argument_types(s, types, &n);
		plan = SPI_prepare(statement_sql[s], n, types);
		if (plan == NULL)
			elog(ERROR, "could not prepare an sla statement: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "could not keep an sla statement");
		plans[s] = plan;
		plan_uses[s] = 0;
	}
	rc = SPI_execute_plan(plans[s], values, nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "sla statement failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

static Datum
jsonb_datum(const char *json)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

static Datum
text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/* {"metric": "...", <extra>} as JSON text; extra pairs are already-escaped JSON members. */
static char *
metric_detail(SlaMetric metric, const char *extra)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"metric\": ");
	escape_json(&buf, sla_metric_names[metric]);
	if (extra)
		appendStringInfo(&buf, ", %s", extra);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static char *
json_string(const char *value)
{
	StringInfoData buf;

	initStringInfo(&buf);
	escape_json(&buf, value);
	return buf.data;
}

static char *
json_member(const char *key, const char *value)
{
	StringInfoData buf;

	initStringInfo(&buf);
	escape_json(&buf, key);
	appendStringInfoString(&buf, ": ");
	escape_json(&buf, value);
	return buf.data;
}

/* ---------------------------------------------------------------- primitives */

void
sla_log_event(int32 attachment_id, const char *key, int64 clock_id, TimestampTz at, const char *kind,
			  const char *detail)
{
	Datum		v[6];
	char		n[7] = "      ";

	v[0] = Int32GetDatum(attachment_id);
	v[1] = CStringGetTextDatum(key);
	v[2] = Int64GetDatum(clock_id);
	if (clock_id == 0)
		n[2] = 'n';
	v[3] = TimestampTzGetDatum(at);
	v[4] = CStringGetTextDatum(kind);
	v[5] = detail ? jsonb_datum(detail) : (Datum) 0;
	if (detail == NULL)
		n[5] = 'n';
	run(S_EVENT, v, n);
}

static int32
next_cycle(int32 attachment_id, const char *key, SlaMetric metric)
{
	Datum		v[3] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key), CStringGetTextDatum(sla_metric_names[metric])};
	bool		isnull;

	run(S_NEXT_CYCLE, v, "   ");
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

bool
sla_clock_start(int32 attachment_id, const char *key, int32 level_id, SlaMetric metric, TimestampTz at,
				const SlaSnapshot *snapshot, int32 cycle, SlaClock *out)
{
	SlaLevel   *level = sla_level_use(level_id);
	Datum		v[14];
	char		n[15] = "              ";
	bool		isnull;
	char		members[SLA_BI_FORMAT_MAX + 64];

	if (level == NULL || !level->has_target[metric])
		return false;
	memset(out, 0, sizeof(*out));
	out->attachment_id = attachment_id;
	out->ticket_key = pstrdup(key);
	out->metric = metric;
	out->cycle = cycle > 0 ? cycle : next_cycle(attachment_id, key, metric);
	out->level_id = level_id;
	out->calendar_id = level->calendar_id;
	out->target = level->target[metric];
	out->started_at = at;
	out->due_at = sla_business_add_on(level->calendar_id, at, out->target);
	strlcpy(out->state, "running", sizeof(out->state));
	if (snapshot)
	{
		out->snapshot.department = snapshot->department ? pstrdup(snapshot->department) : NULL;
		out->snapshot.agent = snapshot->agent ? pstrdup(snapshot->agent) : NULL;
		out->snapshot.requester = snapshot->requester ? pstrdup(snapshot->requester) : NULL;
	}

	v[0] = Int32GetDatum(attachment_id);
	v[1] = CStringGetTextDatum(key);
	v[2] = CStringGetTextDatum(sla_metric_names[metric]);
	v[3] = Int32GetDatum(out->cycle);
	v[4] = Int32GetDatum(level_id);
	v[5] = Int32GetDatum(level->calendar_id);
	v[6] = BusinessIntervalPGetDatum(&out->target);
	v[7] = TimestampTzGetDatum(at);
	v[8] = TimestampTzGetDatum(out->due_at);
	v[9] = text_or_null(out->snapshot.department, &n[9]);
	v[10] = text_or_null(out->snapshot.agent, &n[10]);
	v[11] = text_or_null(out->snapshot.requester, &n[11]);
	snprintf(members, sizeof(members), "\"cycle\": %d, %s", out->cycle, json_member("target", bi_text(out->target)));
	v[12] = jsonb_datum(metric_detail(metric, members));
	/* computed here, so the insert skips the warn_at trigger (it fires only when warn_at is null) */
	v[13] = TimestampTzGetDatum(sla_clock_warn_at(at, out->due_at, out->paused_for, level->calendar_id,
												  level->warning_fraction));
	run(S_START, v, n);
	out->id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return true;
}

/*
 * A transition never predates the state it changes.  Instants come from the host's rows (its
 * updated_at, or the writer's transaction start), and transactions commit in another order than
 * they start: a status change dated before the ticket's creation was committed must not pause
 * or stop a clock before it started (negative business time).  Such an instant is clamped to
 * the clock's latest instant: its start, its pause, its stop (for a reopen).
 */
static TimestampTz
not_before_clock(const SlaClock *c, TimestampTz at)
{
	if (at < c->started_at)
		at = c->started_at;
	if (c->paused && at < c->paused_since)
		at = c->paused_since;
	if (c->stopped && at < c->stopped_at)
		at = c->stopped_at;
	return at;
}

void
sla_clock_pause(SlaClock *c, TimestampTz at)
{
	Datum		v[5];

	if (strcmp(c->state, "running") != 0)
		return;
	at = not_before_clock(c, at);
	v[0] = Int64GetDatum(c->id);
	v[1] = TimestampTzGetDatum(at);
	v[2] = Int32GetDatum(c->attachment_id);
	v[3] = CStringGetTextDatum(c->ticket_key);
	v[4] = jsonb_datum(metric_detail(c->metric, NULL));
	if (run(S_PAUSE, v, "     ") == 0)
		return;
	strlcpy(c->state, "paused", sizeof(c->state));
	c->paused = true;
	c->paused_since = at;
}

void
sla_clock_resume(SlaClock *c, TimestampTz at)
{
	sla_business_interval pause;
	sla_business_interval paused_for;
	TimestampTz due;
	Datum		v[7];

	if (strcmp(c->state, "paused") != 0)
		return;
	at = not_before_clock(c, at);
	pause = sla_business_between_on(c->calendar_id, c->paused_since, at);
	paused_for = bi_add(c->paused_for, pause);
	due = sla_business_add_on(c->calendar_id, c->started_at, bi_add(c->target, paused_for));
	v[0] = Int64GetDatum(c->id);
	v[1] = TimestampTzGetDatum(at);
	v[2] = BusinessIntervalPGetDatum(&paused_for);
	v[3] = TimestampTzGetDatum(due);
	v[4] = Int32GetDatum(c->attachment_id);
	v[5] = CStringGetTextDatum(c->ticket_key);
	v[6] = jsonb_datum(metric_detail(c->metric, json_member("paused", bi_text(pause))));
	if (run(S_RESUME, v, "       ") == 0)
		return;
	strlcpy(c->state, "running", sizeof(c->state));
	c->paused = false;
	c->paused_for = paused_for;
	c->due_at = due;
}

void
sla_clock_stop(SlaClock *c, TimestampTz at)
{
	sla_business_interval used;
	const char *state;
	StringInfoData members;
	Datum		v[7];

	sla_clock_resume(c, at);
	if (strcmp(c->state, "running") != 0)
		return;
	at = not_before_clock(c, at);
	state = at > c->due_at ? "breached" : "met";
	sla_report_status(sla_bi_sub(sla_business_between_on(c->calendar_id, c->started_at, Max(at, c->started_at)),
								 c->paused_for, &used), "business_interval", NULL);
	initStringInfo(&members);
	appendStringInfo(&members, "%s, %s", json_member("state", state), json_member("business_used", bi_text(used)));
	v[0] = Int64GetDatum(c->id);
	v[1] = TimestampTzGetDatum(at);
	v[2] = CStringGetTextDatum(state);
	v[3] = BusinessIntervalPGetDatum(&used);
	v[4] = Int32GetDatum(c->attachment_id);
	v[5] = CStringGetTextDatum(c->ticket_key);
	v[6] = jsonb_datum(metric_detail(c->metric, members.data));
	if (run(S_STOP, v, "       ") == 0)
		return;
	strlcpy(c->state, state, sizeof(c->state));
	c->stopped = true;
	c->stopped_at = at;
}

void
sla_clock_cancel(SlaClock *c, TimestampTz at, const char *reason)
{
	Datum		v[5];

	if (!SLA_CLOCK_ACTIVE(c))
		return;
	at = not_before_clock(c, at);
	v[0] = Int64GetDatum(c->id);
	v[1] = TimestampTzGetDatum(at);
	v[2] = Int32GetDatum(c->attachment_id);
	v[3] = CStringGetTextDatum(c->ticket_key);
	v[4] = jsonb_datum(metric_detail(c->metric, reason ? json_member("reason", reason) : "\"reason\": null"));
	if (run(S_CANCEL, v, "     ") == 0)
		return;
	strlcpy(c->state, "cancelled", sizeof(c->state));
	c->paused = false;
	c->stopped = true;
	c->stopped_at = at;
}

void
sla_clock_reopen(SlaClock *c, TimestampTz at, bool paused)
{
	sla_business_interval stood;
	sla_business_interval paused_for;
	TimestampTz due;
	Datum		v[9];
	char		n[10] = "         ";

	if (strcmp(c->state, "met") != 0 && strcmp(c->state, "breached") != 0)
		return;
	at = not_before_clock(c, at);
	/* the time it stood solved does not count */
	stood = sla_business_between_on(c->calendar_id, c->stopped_at, at);
	paused_for = bi_add(c->paused_for, stood);
	due = sla_business_add_on(c->calendar_id, c->started_at, bi_add(c->target, paused_for));
	v[0] = Int64GetDatum(c->id);
	v[1] = TimestampTzGetDatum(at);
	v[2] = CStringGetTextDatum(paused ? "paused" : "running");
	v[3] = TimestampTzGetDatum(at);
	if (!paused)
		n[3] = 'n';
	v[4] = BusinessIntervalPGetDatum(&paused_for);
	v[5] = TimestampTzGetDatum(due);
	v[6] = Int32GetDatum(c->attachment_id);
	v[7] = CStringGetTextDatum(c->ticket_key);
	v[8] = jsonb_datum(metric_detail(c->metric, NULL));
	if (run(S_REOPEN, v, n) == 0)
		return;
	strlcpy(c->state, paused ? "paused" : "running", sizeof(c->state));
	c->paused = paused;
	c->paused_since = at;
	c->paused_for = paused_for;
	c->due_at = due;
	c->stopped = false;
}

void
sla_clock_retarget(SlaClock *c, int32 level_id, TimestampTz at)
{
	SlaLevel   *level = sla_level_use(level_id);
	int32		calendar_id;
	sla_business_interval target;
	TimestampTz due;
	StringInfoData members;
	Datum		v[9];

	if (!SLA_CLOCK_ACTIVE(c))
		return;
	if (level == NULL || !level->has_target[c->metric])
	{
		sla_clock_cancel(c, at, "the new level has no target for this metric");
		return;
	}
	/* copied: the statement below runs the warn_at trigger, which may reload the level cache */
	calendar_id = level->calendar_id;
	target = level->target[c->metric];
	due = sla_business_add_on(calendar_id, c->started_at, bi_add(target, c->paused_for));
	initStringInfo(&members);
	appendStringInfo(&members, "\"from_level\": %d, \"to_level\": %d, %s", c->level_id, level_id,
					 json_member("target", bi_text(target)));
	v[0] = Int64GetDatum(c->id);
	v[1] = TimestampTzGetDatum(at);
	v[2] = Int32GetDatum(level_id);
	v[3] = Int32GetDatum(calendar_id);
	v[4] = BusinessIntervalPGetDatum(&target);
	v[5] = TimestampTzGetDatum(due);
	v[6] = Int32GetDatum(c->attachment_id);
	v[7] = CStringGetTextDatum(c->ticket_key);
	v[8] = jsonb_datum(metric_detail(c->metric, members.data));
	if (run(S_RETARGET, v, "         ") == 0)
		return;
	c->level_id = level_id;
	c->calendar_id = calendar_id;
	c->target = target;
	c->due_at = due;
}

void
sla_ticket_retarget(int32 attachment_id, const char *key, int32 level_id, TimestampTz at)
{
	int			n,
				i;
	SlaClock   *clocks = sla_ticket_clocks(attachment_id, key, &n);

	for (i = 0; i < n; i++)
		sla_clock_retarget(&clocks[i], level_id, at);
}

void
sla_ticket_reassign(int32 attachment_id, const char *key, TimestampTz at, const char *department,
					const char *agent, const char *from_department, const char *from_agent)
{
	StringInfoData detail;
	Datum		v[6];
	char		n[7] = "      ";

	initStringInfo(&detail);
	appendStringInfo(&detail, "{\"department\": %s, \"agent\": %s, \"from_department\": %s, \"from_agent\": %s}",
					 department ? json_string(department) : "null", agent ? json_string(agent) : "null",
					 from_department ? json_string(from_department) : "null", from_agent ? json_string(from_agent) : "null");
	v[0] = Int32GetDatum(attachment_id);
	v[1] = CStringGetTextDatum(key);
	v[2] = TimestampTzGetDatum(at);
	v[3] = text_or_null(department, &n[3]);
	v[4] = text_or_null(agent, &n[4]);
	v[5] = jsonb_datum(detail.data);
	run(S_REASSIGN, v, n);
}

void
sla_ticket_state_set_lifecycle(int32 attachment_id, const char *key, const char *lifecycle)
{
	Datum		v[3] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key), CStringGetTextDatum(lifecycle)};

	run(S_TICKET_LIFECYCLE, v, "   ");
}

void
sla_ticket_state_set_level(int32 attachment_id, const char *key, int32 level_id)
{
	Datum		v[3] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key), Int32GetDatum(level_id)};

	run(S_TICKET_LEVEL, v, "   ");
}

/* ---------------------------------------------------------------- reading clocks */

static char *
getstr(HeapTuple tup, TupleDesc desc, int col)
{
	return SPI_getvalue(tup, desc, col);	/* NULL for SQL NULL */
}

static void
clock_from_tuple(HeapTuple tup, TupleDesc desc, SlaClock *c)
{
	bool		isnull;
	Datum		d;

	memset(c, 0, sizeof(*c));
	c->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	c->attachment_id = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
	c->ticket_key = getstr(tup, desc, 3);
	c->metric = sla_metric_from_name(getstr(tup, desc, 4));
	c->cycle = DatumGetInt32(SPI_getbinval(tup, desc, 5, &isnull));
	c->level_id = DatumGetInt32(SPI_getbinval(tup, desc, 6, &isnull));
	c->calendar_id = DatumGetInt32(SPI_getbinval(tup, desc, 7, &isnull));
	c->target = *DatumGetBusinessIntervalP(SPI_getbinval(tup, desc, 8, &isnull));
	c->started_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 9, &isnull));
	c->due_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 10, &isnull));
	d = SPI_getbinval(tup, desc, 11, &isnull);
	c->paused = !isnull;
	c->paused_since = isnull ? 0 : DatumGetTimestampTz(d);
	c->paused_for = *DatumGetBusinessIntervalP(SPI_getbinval(tup, desc, 12, &isnull));
	d = SPI_getbinval(tup, desc, 13, &isnull);
	c->stopped = !isnull;
	c->stopped_at = isnull ? 0 : DatumGetTimestampTz(d);
	strlcpy(c->state, getstr(tup, desc, 14), sizeof(c->state));
	c->snapshot.department = getstr(tup, desc, 15);
	c->snapshot.agent = getstr(tup, desc, 16);
	c->snapshot.requester = getstr(tup, desc, 17);
}

SlaClock *
sla_ticket_clocks(int32 attachment_id, const char *key, int *n)
{
	Datum		v[2] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key)};
	uint64		rows = run(S_TICKET_CLOCKS, v, "  ");
	SlaClock   *clocks = palloc0(sizeof(SlaClock) * (rows + 1));
	uint64		i;

	for (i = 0; i < rows; i++)
		clock_from_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, &clocks[i]);
	*n = (int) rows;
	return clocks;
}

static bool
clock_by_id(int64 id, SlaClock *c)
{
	Datum		v[1] = {Int64GetDatum(id)};

	if (run(S_CLOCK_BY_ID, v, " ") != 1)
		return false;
	clock_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, c);
	return true;
}

/* ---------------------------------------------------------------- ticket state */

void
sla_ticket_start_open(int32 attachment_id, const char *key, SlaLevel *level, TimestampTz at,
					  const SlaSnapshot *snapshot, const char *level_chosen)
{
	static const SlaMetric starting[] = {METRIC_FIRST_RESPONSE, METRIC_PERIODIC_UPDATE, METRIC_RESOLUTION};
	Datum		metrics[lengthof(starting)],
				targets[lengthof(starting)],
				dues[lengthof(starting)],
				warns[lengthof(starting)];
	Datum		v[13];
	char		n[14] = "             ";
	int			count = 0;
	int			i;

	for (i = 0; i < (int) lengthof(starting); i++)
	{
		SlaMetric	m = starting[i];
		TimestampTz due;

		if (!level->has_target[m])
			continue;
		due = sla_business_add_on(level->calendar_id, at, level->target[m]);
		metrics[count] = CStringGetTextDatum(sla_metric_names[m]);
		targets[count] = BusinessIntervalPGetDatum(&level->target[m]);
		dues[count] = TimestampTzGetDatum(due);
		warns[count] = TimestampTzGetDatum(sla_clock_warn_at(at, due, (sla_business_interval) {0, 0, 0},
															 level->calendar_id, level->warning_fraction));
		count++;
	}
	v[0] = Int32GetDatum(attachment_id);
	v[1] = CStringGetTextDatum(key);
	v[2] = Int32GetDatum(level->id);
	v[3] = Int32GetDatum(level->calendar_id);
	v[4] = TimestampTzGetDatum(at);
	v[5] = text_or_null(snapshot->department, &n[5]);
	v[6] = text_or_null(snapshot->agent, &n[6]);
	v[7] = text_or_null(snapshot->requester, &n[7]);
	v[8] = PointerGetDatum(construct_array(metrics, count, TEXTOID, -1, false, TYPALIGN_INT));
	v[9] = PointerGetDatum(construct_array(targets, count, business_interval_oid(), sizeof(sla_business_interval),
										   false, TYPALIGN_DOUBLE));
	v[10] = PointerGetDatum(construct_array(dues, count, TIMESTAMPTZOID, sizeof(TimestampTz), FLOAT8PASSBYVAL,
											TYPALIGN_DOUBLE));
	v[11] = PointerGetDatum(construct_array(warns, count, TIMESTAMPTZOID, sizeof(TimestampTz), FLOAT8PASSBYVAL,
											TYPALIGN_DOUBLE));
	v[12] = jsonb_datum(level_chosen);
	run(S_NEW_TICKET, v, n);
}

void
sla_ticket_state_insert(int32 attachment_id, const char *key, int32 level_id, const char *lifecycle)
{
	Datum		v[4] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key), Int32GetDatum(level_id),
	CStringGetTextDatum(lifecycle)};

	run(S_TICKET_INSERT, v, level_id == 0 ? "  n " : "    ");
}

bool
sla_ticket_state_lock(int32 attachment_id, const char *key, SlaTicketState *out)
{
	Datum		v[2] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key)};
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	Datum		d;

	if (run(S_TICKET_LOCK, v, "  ") == 0)
		return false;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	d = SPI_getbinval(tup, desc, 1, &isnull);
	out->level_id = isnull ? 0 : DatumGetInt32(d);
	strlcpy(out->lifecycle, SPI_getvalue(tup, desc, 2), sizeof(out->lifecycle));
	out->agent_replied = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
	d = SPI_getbinval(tup, desc, 4, &isnull);
	out->customer_waiting = !isnull;
	out->customer_waiting_since = isnull ? 0 : DatumGetTimestampTz(d);
	return true;
}

void
sla_ticket_state_replied(int32 attachment_id, const char *key)
{
	Datum		v[2] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key)};

	run(S_TICKET_REPLIED, v, "  ");
}

void
sla_ticket_state_waiting(int32 attachment_id, const char *key, TimestampTz since)
{
	Datum		v[3] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key), TimestampTzGetDatum(since)};

	run(S_TICKET_WAITING, v, "   ");
}

void
sla_ticket_state_clear_waiting(int32 attachment_id, const char *key)
{
	Datum		v[3] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key), (Datum) 0};

	run(S_TICKET_WAITING, v, "  n");
}

/* ---------------------------------------------------------------- SQL wrappers */

static void
connect_spi(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/* A snapshot from JSON {"department": ..., "agent": ..., "requester": ...}. */
static void
snapshot_from_json(Jsonb *json, SlaSnapshot *s)
{
	static const char *const keys[3] = {"department", "agent", "requester"};
	char	  **slots[3] = {&s->department, &s->agent, &s->requester};
	int			i;

	memset(s, 0, sizeof(*s));
	if (json == NULL)
		return;
	for (i = 0; i < 3; i++)
	{
		JsonbValue	v;

		if (getKeyJsonValueFromContainer(&json->root, keys[i], strlen(keys[i]), &v) && v.type == jbvString)
			*slots[i] = pnstrdup(v.val.string.val, v.val.string.len);
	}
}

/* A level named by a SQL caller: 42704 when there is none (never a silent cancel). */
static void
require_level(int32 level_id)
{
	if (sla_level_get(level_id) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("SLA level %d does not exist", level_id)));
}

PG_FUNCTION_INFO_V1(sla_start_clock_sql);
Datum
sla_start_clock_sql(PG_FUNCTION_ARGS)
{
	SlaSnapshot snapshot;
	SlaClock	c;
	bool		started;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	snapshot_from_json(PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5), &snapshot);
	sla_engine_use_attachment(PG_GETARG_INT32(0));
	(void) sla_attachment_get(PG_GETARG_INT32(0));
	require_level(PG_GETARG_INT32(2));
	connect_spi();
	started = sla_clock_start(PG_GETARG_INT32(0), text_to_cstring(PG_GETARG_TEXT_PP(1)), PG_GETARG_INT32(2),
							  sla_metric_from_name(DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(3)))),
							  PG_GETARG_TIMESTAMPTZ(4), &snapshot, 0, &c);
	SPI_finish();
	if (!started)
		PG_RETURN_NULL();
	PG_RETURN_INT64(c.id);
}

typedef enum ClockAction
{
	ACT_PAUSE, ACT_RESUME, ACT_STOP, ACT_CANCEL
} ClockAction;

static Datum
clock_action(FunctionCallInfo fcinfo, ClockAction action)
{
	SlaClock	c;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_VOID();		/* no such clock (the level has no target), or no instant */
	connect_spi();
	if (clock_by_id(PG_GETARG_INT64(0), &c))
	{
		TimestampTz at = PG_GETARG_TIMESTAMPTZ(1);

		switch (action)
		{
			case ACT_PAUSE:
				sla_clock_pause(&c, at);
				break;
			case ACT_RESUME:
				sla_clock_resume(&c, at);
				break;
			case ACT_STOP:
				sla_clock_stop(&c, at);
				break;
			case ACT_CANCEL:
				sla_clock_cancel(&c, at, PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)));
				break;
		}
	}
	SPI_finish();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(sla_pause_clock_sql);
Datum
sla_pause_clock_sql(PG_FUNCTION_ARGS)
{
	return clock_action(fcinfo, ACT_PAUSE);
}

PG_FUNCTION_INFO_V1(sla_resume_clock_sql);
Datum
sla_resume_clock_sql(PG_FUNCTION_ARGS)
{
	return clock_action(fcinfo, ACT_RESUME);
}

PG_FUNCTION_INFO_V1(sla_stop_clock_sql);
Datum
sla_stop_clock_sql(PG_FUNCTION_ARGS)
{
	return clock_action(fcinfo, ACT_STOP);
}

PG_FUNCTION_INFO_V1(sla_cancel_clock_sql);
Datum
sla_cancel_clock_sql(PG_FUNCTION_ARGS)
{
	return clock_action(fcinfo, ACT_CANCEL);
}

/* sla.retarget_clocks(att_id integer, key text, lvl integer, at timestamptz) */
PG_FUNCTION_INFO_V1(sla_retarget_clocks_sql);
Datum
sla_retarget_clocks_sql(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_VOID();
	sla_engine_use_attachment(PG_GETARG_INT32(0));
	(void) sla_attachment_get(PG_GETARG_INT32(0));
	require_level(PG_GETARG_INT32(2));
	connect_spi();
	sla_ticket_retarget(PG_GETARG_INT32(0), text_to_cstring(PG_GETARG_TEXT_PP(1)), PG_GETARG_INT32(2),
						PG_GETARG_TIMESTAMPTZ(3));
	SPI_finish();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(sla_log_event_sql);
Datum
sla_log_event_sql(PG_FUNCTION_ARGS)
{
	char	   *detail = NULL;

	/* the clock (2) and the detail (5) may be NULL; an event without the rest means nothing */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sla.log_event needs an attachment, a ticket key, an instant and a kind")));
	if (TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(3)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an event needs a finite instant, not %s",
						DatumGetCString(DirectFunctionCall1(timestamptz_out, PG_GETARG_DATUM(3))))));
	(void) sla_attachment_get(PG_GETARG_INT32(0));
	if (!PG_ARGISNULL(5))
		detail = DatumGetCString(DirectFunctionCall1(jsonb_out, PG_GETARG_DATUM(5)));
	sla_engine_use_attachment(PG_GETARG_INT32(0));
	connect_spi();
	sla_log_event(PG_GETARG_INT32(0), text_to_cstring(PG_GETARG_TEXT_PP(1)),
				  PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2), PG_GETARG_TIMESTAMPTZ(3),
				  text_to_cstring(PG_GETARG_TEXT_PP(4)), detail);
	SPI_finish();
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------- warn_at */

/* Where sla.clock keeps the columns the warn_at trigger reads and writes. */
typedef struct WarnAtColumns
{
	int			level_id;
	int			started_at;
	int			due_at;
	int			calendar_id;
	int			paused_for;
	int			warn_at;
} WarnAtColumns;

static int
column_number(TupleDesc desc, const char *name)
{
	int			n = SPI_fnumber(desc, name);

	if (n <= 0)
		elog(ERROR, "sla.clock has no column \"%s\"", name);
	return n;
}

/*
 * Looked up by name once per query (fn_extra lives as long as the trigger's FmgrInfo, and the
 * table's columns cannot change while a query runs), not on every row.
 */
static const WarnAtColumns *
warn_at_columns(FunctionCallInfo fcinfo, TupleDesc desc)
{
	WarnAtColumns *cols = (WarnAtColumns *) fcinfo->flinfo->fn_extra;

	if (cols == NULL)
	{
		TriggerData *trigdata = (TriggerData *) fcinfo->context;
		Oid			clock_table = get_relname_relid("clock", sla_extension_schema());

		/* the columns are trusted by name and type below: only sla.clock has the right ones */
		if (!OidIsValid(clock_table) || RelationGetRelid(trigdata->tg_relation) != clock_table)
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("sla.clock_warn_at() fires on sla.clock only, not on %s",
							sla_relation_text(RelationGetRelid(trigdata->tg_relation)))));
		cols = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(WarnAtColumns));
		cols->level_id = column_number(desc, "level_id");
		cols->started_at = column_number(desc, "started_at");
		cols->due_at = column_number(desc, "due_at");
		cols->calendar_id = column_number(desc, "calendar_id");
		cols->paused_for = column_number(desc, "paused_for");
		cols->warn_at = column_number(desc, "warn_at");
		fcinfo->flinfo->fn_extra = cols;
	}
	return cols;
}

/* BEFORE INSERT OR UPDATE OF due_at, paused_for, started_at, calendar_id, level_id ON sla.clock */
PG_FUNCTION_INFO_V1(sla_clock_warn_at_trigger);
Datum
sla_clock_warn_at_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	SlaLevel   *level;
	TimestampTz started,
				due,
				warn;
	int32		calendar_id;
	sla_business_interval paused_for;
	const WarnAtColumns *cols;
	int			warn_col;
	Datum		value;
	bool		null = false;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.clock_warn_at() must be a BEFORE ROW trigger")));
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;
	cols = warn_at_columns(fcinfo, desc);
	value = heap_getattr(tuple, cols->level_id, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);	/* the NOT NULL constraint reports it */
	level = sla_level_get(DatumGetInt32(value));
	if (level == NULL)
		return PointerGetDatum(tuple);	/* the config guard reports it */
	/* any NULL here is reported by the table's NOT NULL constraints after this trigger */
	value = heap_getattr(tuple, cols->started_at, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	started = DatumGetTimestampTz(value);
	value = heap_getattr(tuple, cols->due_at, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	due = DatumGetTimestampTz(value);
	value = heap_getattr(tuple, cols->calendar_id, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	calendar_id = DatumGetInt32(value);
	value = heap_getattr(tuple, cols->paused_for, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	paused_for = *DatumGetBusinessIntervalP(value);
	if (TIMESTAMP_NOT_FINITE(started) || TIMESTAMP_NOT_FINITE(due))
		return PointerGetDatum(tuple);
	warn = sla_clock_warn_at(started, due, paused_for, calendar_id, level->warning_fraction);
	warn_col = cols->warn_at;
	value = TimestampTzGetDatum(warn);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 1, &warn_col, &value, &null));
}
