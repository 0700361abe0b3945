/*
 * escalation_step.c — escalation steps at any share of a clock's target (issue 15).
 *
 * An escalation row with an at_percent (other than a breach row's 100) is a step: it fires when
 * the clock has used that share of the business time it may run (50 %, 150 %, 200 % ...), once
 * per clock and due date.  Each clock keeps its next step (step_at, step_percent) so that the
 * breach check finds the steps due through a partial index, and the largest share recorded for
 * its due date (step_done, when: step_seen_at).  The trigger clock_steps keeps them in step:
 *
 *   - a new clock: its first step;
 *   - a changed due date, pause, level or calendar (a re-target, a resume, a reopening): the
 *     shares recorded stay recorded as long as their new instant is not after the moment the
 *     last one was recorded; a share whose instant moved past it is pending again;
 *   - a step recorded (the check sets step_done and step_seen_at): the next share;
 *   - the escalations edited (80_breach.sql touches step_done of the active clocks): the same.
 *
 * The steps of each level and metric are read from sla.escalation once per configuration
 * generation (an escalation edit invalidates the caches like a calendar edit does).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "attachment_cache.h"
#include "business_interval_glue.h"
#include "calendar_cache.h"
#include "citus_shard.h"
#include "clock_store.h"

#define MAX_SHARES 64

typedef struct Step
{
	int32		level_id;
	int			metric;			/* sla_metric, or -1: any metric */
	double		percent;
} Step;

static MemoryContext StepContext = NULL;
static Step *steps = NULL;
static int	nsteps = 0;
static uint64 steps_generation = 0;
static bool steps_loaded = false;

static void
load_steps(void)
{
	uint64		generation = sla_calendar_generation;
	uint64		i;

	if (StepContext == NULL)
		StepContext = AllocSetContextCreate(CacheMemoryContext, "sla escalation steps", ALLOCSET_SMALL_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT e.level_id, e.metric::text, e.at_percent::pg_catalog.float8 FROM sla.escalation e "
					"WHERE e.active AND e.at_percent IS NOT NULL "
					"AND NOT (e.on_event OPERATOR(pg_catalog.=) 'breach' AND e.at_percent OPERATOR(pg_catalog.=) 100) "
					"ORDER BY 1, 3", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.escalation");
	MemoryContextReset(StepContext);
	steps = MemoryContextAlloc(StepContext, sizeof(Step) * (SPI_processed + 1));
	nsteps = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *metric = SPI_getvalue(tup, desc, 2);
		Step	   *s = &steps[nsteps++];

		s->level_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		s->metric = metric ? sla_metric_from_text(metric) : -1;
		s->percent = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &isnull));
	}
	SPI_finish();
	steps_generation = generation;
	steps_loaded = true;
}

/* The distinct shares of the steps of a level and metric, ascending; how many. */
static int
shares_of(int32 level_id, int metric, double *out)
{
	int			i,
				n = 0;

	sla_config_cache_prepare();
	if (!steps_loaded || steps_generation != sla_calendar_generation)
		load_steps();
	for (i = 0; i < nsteps && n < MAX_SHARES; i++)
	{
		const Step *s = &steps[i];
		int			j;

		if (s->level_id != level_id || (s->metric != -1 && s->metric != metric))
			continue;
		/* sorted by level and share: insert in order, once */
		for (j = 0; j < n && out[j] < s->percent; j++)
			;
		if (j < n && out[j] == s->percent)
			continue;
		memmove(&out[j + 1], &out[j], sizeof(double) * (n - j));
		out[j] = s->percent;
		n++;
	}
	return n;
}

typedef struct StepColumns
{
	int			level_id,
				metric,
				started_at,
				due_at,
				calendar_id,
				paused_for,
				step_at,
				step_percent,
				step_done,
				step_seen_at;
} StepColumns;

static int
column_number(TupleDesc desc, const char *name)
{
	int			n = SPI_fnumber(desc, name);

	if (n <= 0)
		elog(ERROR, "sla clock table has no column \"%s\"", name);
	return n;
}

static const StepColumns *
step_columns(FunctionCallInfo fcinfo, Relation rel)
{
	StepColumns *cols = (StepColumns *) fcinfo->flinfo->fn_extra;
	TupleDesc	desc = RelationGetDescr(rel);
	const char *name = sla_shard_logical_name(rel);	/* on Citus, a shard: its table's */
	bool		clock_table = false;
	int			k;

	if (cols != NULL)
		return cols;
	for (k = 0; k < SLA_KEY_TYPES; k++)
		clock_table |= strncmp(name, "clock_", 6) == 0 && strcmp(name + 6, sla_key_type_names[k]) == 0;
	/* the columns are trusted by name and type below: only sla's clock tables have the right ones */
	if (!clock_table || RelationGetNamespace(rel) != sla_extension_schema())
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.clock_steps() fires on sla's clock tables only, not on %s",
						sla_relation_text(RelationGetRelid(rel)))));
	cols = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(StepColumns));
	cols->level_id = column_number(desc, "level_id");
	cols->metric = column_number(desc, "metric");
	cols->started_at = column_number(desc, "started_at");
	cols->due_at = column_number(desc, "due_at");
	cols->calendar_id = column_number(desc, "calendar_id");
	cols->paused_for = column_number(desc, "paused_for");
	cols->step_at = column_number(desc, "step_at");
	cols->step_percent = column_number(desc, "step_percent");
	cols->step_done = column_number(desc, "step_done");
	cols->step_seen_at = column_number(desc, "step_seen_at");
	fcinfo->flinfo->fn_extra = cols;
	return cols;
}

static Datum
numeric_of(double v)
{
	return DirectFunctionCall1(float8_numeric, Float8GetDatum(v));
}

/*
 * BEFORE INSERT OR UPDATE OF due_at, paused_for, started_at, calendar_id, level_id, step_done
 * ON sla.clock_<type> FOR EACH ROW: the clock's next escalation step.
 */
PG_FUNCTION_INFO_V1(sla_clock_steps_trigger);
Datum
sla_clock_steps_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	const StepColumns *cols;
	double		shares[MAX_SHARES];
	int			n,
				i;
	bool		isnull;
	Datum		d;
	int32		level_id;
	int			metric;
	bool		had_any;
	TimestampTz started,
				due,
				seen = 0;
	int32		calendar_id;
	sla_business_interval paused_for;
	double		done = -1,
				kept = -1;
	int			next = -1;
	int			changed[4];
	Datum		values[4];
	bool		nulls[4];

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.clock_steps() must be a BEFORE ROW trigger")));
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;
	cols = step_columns(fcinfo, trigdata->tg_relation);

	d = heap_getattr(tuple, cols->level_id, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);	/* the NOT NULL constraint reports it */
	level_id = DatumGetInt32(d);
	d = heap_getattr(tuple, cols->metric, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	metric = sla_metric_from_text(DatumGetCString(DirectFunctionCall1(enum_out, d)));
	n = shares_of(level_id, metric, shares);

	had_any = !heap_attisnull(tuple, cols->step_at, desc) || !heap_attisnull(tuple, cols->step_done, desc);
	if (n == 0 && !had_any)
		return PointerGetDatum(tuple);	/* no steps: the usual case, nothing to compute */

	d = heap_getattr(tuple, cols->started_at, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	started = DatumGetTimestampTz(d);
	d = heap_getattr(tuple, cols->due_at, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	due = DatumGetTimestampTz(d);
	d = heap_getattr(tuple, cols->calendar_id, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	calendar_id = DatumGetInt32(d);
	d = heap_getattr(tuple, cols->paused_for, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	paused_for = *DatumGetBusinessIntervalP(d);
	if (TIMESTAMP_NOT_FINITE(started) || TIMESTAMP_NOT_FINITE(due))
		return PointerGetDatum(tuple);

	d = heap_getattr(tuple, cols->step_done, desc, &isnull);
	if (!isnull)
	{
		done = DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
		d = heap_getattr(tuple, cols->step_seen_at, desc, &isnull);
		if (isnull)
			done = -1;
		else
			seen = DatumGetTimestampTz(d);
	}

	/*
	 * The shares recorded stay recorded while their instant (for the due date as it is now) is
	 * not after the moment the last one was recorded: instants grow with the share, so they are
	 * the shares up to some point.  The next step is the first share after them.
	 */
	for (i = 0; i < n; i++)
	{
		if (shares[i] <= done &&
			sla_clock_warn_at(started, due, paused_for, calendar_id, shares[i] / 100.0) <= seen)
			kept = shares[i];
		else
			break;
	}
	next = i < n ? i : -1;

	changed[0] = cols->step_at;
	changed[1] = cols->step_percent;
	changed[2] = cols->step_done;
	changed[3] = cols->step_seen_at;
	nulls[0] = nulls[1] = next < 0;
	values[0] = next < 0 ? (Datum) 0 :
		TimestampTzGetDatum(sla_clock_warn_at(started, due, paused_for, calendar_id, shares[next] / 100.0));
	values[1] = next < 0 ? (Datum) 0 : numeric_of(shares[next]);
	nulls[2] = nulls[3] = kept < 0;
	values[2] = kept < 0 ? (Datum) 0 : numeric_of(kept);
	values[3] = kept < 0 ? (Datum) 0 : TimestampTzGetDatum(seen);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 4, changed, values, nulls));
}
