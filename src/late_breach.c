/*
 * late_breach.c — sla.clock_late_breach(), the BEFORE trigger of the clock tables by which a
 * clock stopped breached that no breach check recorded records its breach itself (issue 15;
 * the rule and why in src/sql/80_breach.sql): the breach event, its NOTIFY, breach_seen_at, and
 * breach_escalation_pending for the next check.
 *
 * In C with one kept plan per event table: a bulk of late replies (an import, a backlog
 * answered after the check last ran) made the PL/pgSQL version plan its dynamic INSERT for
 * every clock, a fifth of a bulk message insert (docs/benchmarks.md).  The stops of a
 * statement's messages, written together (clock_store.h, "writes gathered"), take the event
 * from the trigger and write theirs in one statement.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "calendar_cache.h"
#include "citus_shard.h"
#include "clock_store.h"

/* The clock table's columns the trigger reads and writes, and the kept INSERT of its event. */
typedef struct LateBreachPlan
{
	int			id;
	int			attachment_id;
	int			ticket_key;
	int			metric;
	int			due_at;
	int			stopped_at;
	int			breach_seen_at;
	int			breach_escalation_pending;
	SPIPlanPtr	insert;
} LateBreachPlan;

static int
clock_column(TupleDesc desc, const char *name)
{
	int			n = SPI_fnumber(desc, name);

	if (n <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.clock_late_breach() fires on sla's clock tables, which have a column \"%s\"", name)));
	return n;
}

/* The key type of the event table the trigger names (its argument, one of sla's). */
static SlaKeyType
event_key_type(TriggerData *trigdata)
{
	Trigger    *t = trigdata->tg_trigger;
	const char *table = sla_shard_logical_name(trigdata->tg_relation);	/* on Citus: its table's */
	int			k;

	/* the plan's parameters take the clock table's key type: only sla's clock table of the
	 * argument's key type fires it */
	if (t->tgnargs == 1 && RelationGetNamespace(trigdata->tg_relation) == sla_extension_schema())
		for (k = 0; k < SLA_KEY_TYPES; k++)
			if (strncmp(t->tgargs[0], "event_", 6) == 0 && strcmp(t->tgargs[0] + 6, sla_key_type_names[k]) == 0 &&
				strncmp(table, "clock_", 6) == 0 && strcmp(table + 6, sla_key_type_names[k]) == 0)
				return (SlaKeyType) k;
	ereport(ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("sla.clock_late_breach() fires on sla's clock tables only, with the event table of the same key type as its argument"),
			 errhint("The install script creates these triggers.")));
	return SLA_KEY_TEXT;		/* not reached */
}

/*
 * The event's INSERT for each event table, kept for the backend's life: the trigger's FmgrInfo
 * lives only as long as the statement that fired it, one late stop's UPDATE (the plan cache
 * re-plans a kept plan after DDL on the tables it names).
 */
static SPIPlanPtr insert_plans[SLA_KEY_TYPES];

/* The columns, looked up once per statement (fn_extra lives as long as the trigger's FmgrInfo,
 * and a table's columns cannot change while a statement runs), and the kept INSERT. */
static LateBreachPlan *
late_breach_plan(FunctionCallInfo fcinfo, TriggerData *trigdata)
{
	LateBreachPlan *p = (LateBreachPlan *) fcinfo->flinfo->fn_extra;
	TupleDesc	desc = trigdata->tg_relation->rd_att;
	Oid			types[7];
	SPIPlanPtr	plan;
	SlaKeyType	kt;

	if (p != NULL)
		return p;
	p = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(LateBreachPlan));
	p->id = clock_column(desc, "id");
	p->attachment_id = clock_column(desc, "attachment_id");
	p->ticket_key = clock_column(desc, "ticket_key");
	p->metric = clock_column(desc, "metric");
	p->due_at = clock_column(desc, "due_at");
	p->stopped_at = clock_column(desc, "stopped_at");
	p->breach_seen_at = clock_column(desc, "breach_seen_at");
	p->breach_escalation_pending = clock_column(desc, "breach_escalation_pending");
	kt = event_key_type(trigdata);
	if (insert_plans[kt] == NULL)
	{
		types[0] = INT4OID;
		types[1] = SPI_gettypeid(desc, p->ticket_key);
		types[2] = INT8OID;
		types[3] = TIMESTAMPTZOID;
		types[4] = SPI_gettypeid(desc, p->metric);
		types[5] = TIMESTAMPTZOID;
		types[6] = TIMESTAMPTZOID;
		plan = SPI_prepare(psprintf("INSERT INTO sla.event_%s (attachment_id, ticket_key, clock_id, at, kind, detail) "
									"VALUES ($1, $2, $3, $4, 'breach', " SLA_LATE_BREACH_DETAIL("$5", "$6", "$7") ")",
									sla_key_type_names[kt]),
						   7, types);
		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the late breach's event: %s", SPI_result_code_string(SPI_result));
		insert_plans[kt] = plan;
	}
	p->insert = insert_plans[kt];
	fcinfo->flinfo->fn_extra = p;
	return p;
}

/* BEFORE INSERT OR UPDATE ON sla.clock_<key type>, WHEN the clock is breached and unrecorded
 * (80_breach.sql); argument: the event table of the same key type. */
PG_FUNCTION_INFO_V1(sla_clock_late_breach_trigger);
Datum
sla_clock_late_breach_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	LateBreachPlan *p;
	Datum		args[7];
	char		nulls[8] = "       ";
	bool		isnull;
	TimestampTz seen;
	int			cols[2];
	Datum		values[2];
	bool		value_nulls[2] = {false, false};
	int64		clock_id;
	int			rc;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.clock_late_breach() must be a BEFORE INSERT or UPDATE row trigger")));
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	p = late_breach_plan(fcinfo, trigdata);

	/* seen when it stopped (the stop is when the breach became known), else now */
	args[6] = heap_getattr(tuple, p->stopped_at, desc, &isnull);
	if (isnull)
		nulls[6] = 'n';
	seen = isnull ? GetCurrentTransactionStartTimestamp() : DatumGetTimestampTz(args[6]);
	args[2] = heap_getattr(tuple, p->id, desc, &isnull);
	nulls[2] = isnull ? 'n' : ' ';
	clock_id = isnull ? 0 : DatumGetInt64(args[2]);
	/* a stop the gathered writes of a statement's messages make: they write the event (in the
	 * place kept for it), with the others, after the clocks; else it is written here */
	if (!sla_late_breach_gathered(clock_id, seen))
	{
		args[0] = heap_getattr(tuple, p->attachment_id, desc, &isnull);
		nulls[0] = isnull ? 'n' : ' ';
		args[1] = heap_getattr(tuple, p->ticket_key, desc, &isnull);
		nulls[1] = isnull ? 'n' : ' ';
		args[3] = TimestampTzGetDatum(seen);
		args[4] = heap_getattr(tuple, p->metric, desc, &isnull);
		nulls[4] = isnull ? 'n' : ' ';
		args[5] = heap_getattr(tuple, p->due_at, desc, &isnull);
		nulls[5] = isnull ? 'n' : ' ';
		rc = SPI_execute_plan(p->insert, args, nulls, false, 0);
		if (rc != SPI_OK_INSERT)
			elog(ERROR, "could not record the late breach's event: %s", SPI_result_code_string(rc));
	}
	/* on a Citus worker the transaction ends with PREPARE TRANSACTION, which NOTIFY forbids: the
	 * breach is announced by the coordinator's next check there (docs/scaling.md) */
	if (!sla_citus_worker())
		Async_Notify("sla_events", psprintf("{\"event\" : \"breach\", \"clock\" : " INT64_FORMAT "}", clock_id));
	SPI_finish();

	cols[0] = p->breach_seen_at;
	values[0] = TimestampTzGetDatum(seen);
	cols[1] = p->breach_escalation_pending;
	values[1] = BoolGetDatum(true);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 2, cols, values, value_nulls));
}
