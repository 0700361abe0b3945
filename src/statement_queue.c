/*
 * statement_queue.c — the bookkeeping every queue of work for a statement's end shares
 * (statement_queue.h): which subtransaction owns it, where it was done, the commit-time check,
 * and whether the statement trigger that does it will fire.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "replication/logicalworker.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "calendar_cache.h"
#include "statement_queue.h"

static SlaStatementQueue *queues = NULL;	/* every queue used in this backend */

static void
forget(SlaStatementQueue *q)
{
	if (q->context != NULL)
		MemoryContextDelete(q->context);
	q->context = NULL;
	q->count = 0;
	q->owner = q->done_in = InvalidSubTransactionId;
	q->on_forget();
}

static void
queues_xact_callback(XactEvent event, void *arg)
{
	SlaStatementQueue *q;

	for (q = queues; q != NULL; q = q->next)
		switch (event)
		{
			case XACT_EVENT_PRE_COMMIT:
			case XACT_EVENT_PARALLEL_PRE_COMMIT:
			case XACT_EVENT_PRE_PREPARE:
				/* a statement trigger that never fired (it cannot happen with the triggers
				 * sla.attach() creates): fail the commit rather than lose the clocks */
				if (sla_queue_pending(q))
					ereport(ERROR,
							(errcode(ERRCODE_INTERNAL_ERROR),
							 errmsg("the SLA tracking rows of %d %s were never written", q->count, q->what),
							 errhint("The INSERT's statement trigger %s did not run; "
									 "re-create the attachment's triggers with sla.attach(..., replace => true).",
									 q->trigger)));
				break;
			case XACT_EVENT_COMMIT:
			case XACT_EVENT_PARALLEL_COMMIT:
			case XACT_EVENT_ABORT:
			case XACT_EVENT_PARALLEL_ABORT:
			case XACT_EVENT_PREPARE:
				/* the memory went with the transaction's */
				q->context = NULL;
				forget(q);
				break;
		}
}

static void
queues_subxact_callback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg)
{
	SlaStatementQueue *q;

	for (q = queues; q != NULL; q = q->next)
	{
		if (q->count == 0)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
		{
			if (q->owner == mySubid)
				forget(q);		/* the host rows are rolled back too */
			else if (q->done_in == mySubid)
				q->done_in = InvalidSubTransactionId;	/* do it again */
		}
		else if (event == SUBXACT_EVENT_COMMIT_SUB)
		{
			if (q->done_in == mySubid)
				q->done_in = parentSubid;
			if (q->owner == mySubid)
				q->owner = parentSubid;
			if (q->done_in != InvalidSubTransactionId && q->done_in == q->owner)
				forget(q);
		}
	}
}

bool
sla_queue_pending(const SlaStatementQueue *q)
{
	return q->count > 0 && q->done_in == InvalidSubTransactionId;
}

bool
sla_queue_accepts(const SlaStatementQueue *q)
{
	return q->count == 0 || (q->owner == GetCurrentSubTransactionId() && q->done_in == InvalidSubTransactionId);
}

static void
register_queue(SlaStatementQueue *q)
{
	SlaStatementQueue *r;

	if (queues == NULL)
	{
		RegisterXactCallback(queues_xact_callback, NULL);
		RegisterSubXactCallback(queues_subxact_callback, NULL);
	}
	for (r = queues; r != NULL; r = r->next)
		if (r == q)
			return;
	q->next = queues;
	queues = q;
}

MemoryContext
sla_queue_memory(SlaStatementQueue *q)
{
	register_queue(q);
	if (q->context == NULL)
		q->context = AllocSetContextCreate(TopTransactionContext, "sla statement queue", ALLOCSET_DEFAULT_SIZES);
	if (q->count == 0)
		q->owner = GetCurrentSubTransactionId();
	return q->context;
}

void
sla_queue_take(SlaStatementQueue *q)
{
	q->done_in = GetCurrentSubTransactionId();
}

void
sla_queue_done(SlaStatementQueue *q)
{
	if (q->done_in == q->owner)
		forget(q);
}

bool
sla_statement_end_trigger_fires(SlaStatementQueue *q, Relation rel)
{
	TriggerDesc *td = rel->trigdesc;
	int			i;

	/* a logical replication worker fires row triggers only (PostgreSQL's documentation,
	 * "Logical Replication", Triggers): the queue would never be done */
	if (td == NULL || !td->trig_insert_after_statement || IsLogicalWorker())
		return false;
	if (q->function_generation != sla_calendar_generation || !OidIsValid(q->function_oid))
	{
		Oid			schema = sla_extension_schema();

		q->function_oid = OidIsValid(schema)
			? LookupFuncName(list_make2(makeString(get_namespace_name(schema)), makeString(pstrdup(q->function))),
							 0, NULL, true)
			: InvalidOid;
		q->function_generation = sla_calendar_generation;
	}
	if (!OidIsValid(q->function_oid))
		return false;
	for (i = 0; i < td->numtriggers; i++)
	{
		Trigger    *t = &td->triggers[i];

		if (t->tgfoid != q->function_oid || TRIGGER_FOR_ROW(t->tgtype) ||
			!TRIGGER_FOR_AFTER(t->tgtype) || !TRIGGER_FOR_INSERT(t->tgtype) || t->tgqual != NULL)
			continue;
		/* fires in this session, as ExecASInsertTriggers decides */
		if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA
			? (t->tgenabled == TRIGGER_FIRES_ON_REPLICA || t->tgenabled == TRIGGER_FIRES_ALWAYS)
			: (t->tgenabled == TRIGGER_FIRES_ON_ORIGIN || t->tgenabled == TRIGGER_FIRES_ALWAYS))
			return true;
	}
	return false;
}

Datum
sla_statement_end_trigger(FunctionCallInfo fcinfo, SlaStatementQueue *q, void (*flush) (void))
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.%s() must be an AFTER ... FOR EACH STATEMENT trigger", q->function),
				 errhint("Let sla.attach() create it.")));
	if (!sla_queue_pending(q))
		return PointerGetDatum(NULL);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	flush();
	SPI_finish();
	return PointerGetDatum(NULL);
}
