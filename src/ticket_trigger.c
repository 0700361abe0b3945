/*
 * ticket_trigger.c — a new ticket in the helpdesk's table: the C trigger sla.attach() puts on
 * it for INSERT, and sla.track_ticket(), the same logic for rows the PL/pgSQL parts hand over
 * (a ticket from before the attachment, backfill).
 *
 * Tracking a ticket: read the attributes the rules read straight from the row (by attribute
 * number, no JSON), choose its level with the compiled rules, record the choice, and start its
 * first_response, periodic_update and resolution clocks, paused or stopped at once when the
 * ticket arrives paused, solved or closed.  Everything goes through the writer's own
 * transaction; nothing is written when the statement rolls back.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "attachment_cache.h"
#include "citus_shard.h"
#include "clock_store.h"
#include "mapping_problem.h"
#include "new_ticket_batch.h"
#include "pg_compat.h"
#include "rule_cache.h"
#include "calendar_cache.h"
#include "rule_recheck.h"
#include "ticket_engine.h"
#include "ticket_flow.h"

/* ---------------------------------------------------------------- tracking a new ticket */

bool
sla_apply_level_choice(SlaStoredTicket *st, SlaLevelChoice *choice, TimestampTz at)
{
	sla_fact	fact;

	if (choice->level_id == 0 || choice->level_id == st->t.level_id || sla_level_use(choice->level_id) == NULL)
		return false;
	fact = sla_fact_of(SLA_FACT_LEVEL, at);
	fact.level_id = choice->level_id;
	sla_ticket_apply(st, &fact, sla_level_choice_json(choice));
	return true;
}

void
sla_ticket_snapshot(SlaAttachment *att, HeapTuple tuple, TupleDesc desc, SlaSnapshot *s)
{
	s->department = sla_row_text(&att->ticket[TF_DEPARTMENT], tuple, desc, att->ticket_table);
	s->agent = sla_row_text(&att->ticket[TF_AGENT], tuple, desc, att->ticket_table);
	s->requester = sla_row_text(&att->ticket[TF_REQUESTER], tuple, desc, att->ticket_table);
}

void
sla_track_ticket(SlaAttachment *att, const char *key, HeapTuple tuple, TupleDesc desc,
				 const char *lifecycle, TimestampTz at, bool may_queue)
{
	CompiledRules *cr;
	sla_value  *values;
	int			attempt;
	SlaLevelChoice choice;
	SlaStoredTicket st;
	sla_fact	fact;

	/* a level deleted while we waited for its lock: the rules that chose it are gone too */
	for (attempt = 0;; attempt++)
	{
		cr = sla_current_rules(false);
		values = sla_ticket_rule_values(att, cr, tuple, desc, key, NULL, SLOTS_READ);
		sla_rules_choose(cr, values, at, &choice);
		if (choice.level_id == 0 || sla_level_use(choice.level_id) != NULL)
			break;
		if (attempt >= 3)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("the SLA level chosen for ticket %s was deleted while the ticket was written", key),
					 errhint("Retry the transaction.")));
	}
	sla_stored_ticket_new(att->id, key, &st);
	sla_ticket_snapshot(att, tuple, desc, &st.holder);
	fact = sla_fact_of(SLA_FACT_CREATED, at);
	fact.lifecycle = sla_lifecycle_of(lifecycle);
	fact.level_id = choice.level_id;
	if (fact.lifecycle == SLA_LC_SOLVED || fact.lifecycle == SLA_LC_CLOSED)
	{
		/* created open and solved at once: two facts, so that a message of the same instant
		 * written afterwards still applies before the solving (the canonical order) */
		sla_fact	solved = sla_fact_of(SLA_FACT_LIFECYCLE, at);

		solved.lifecycle = fact.lifecycle;
		fact.lifecycle = SLA_LC_OPEN;
		sla_ticket_apply(&st, &fact, choice.level_id != 0 ? sla_level_choice_json(&choice) : NULL);
		sla_ticket_apply(&st, &solved, NULL);
	}
	else
	{
		/* one fact: nothing reads the clocks' ids before the statement's end */
		st.may_queue = may_queue;
		sla_ticket_apply(&st, &fact, choice.level_id != 0 ? sla_level_choice_json(&choice) : NULL);
	}
	/* rules relative to now may choose another level later, without an update */
	sla_rules_schedule_recheck(att, &st, tuple, desc, at);
}

/* Key, lifecycle and creation time of a ticket row, with the errors for missing ones. */
char *
sla_ticket_key(SlaAttachment *att, HeapTuple tuple, TupleDesc desc)
{
	char	   *key = sla_row_text(&att->ticket[TF_KEY], tuple, desc, att->ticket_table);

	if (key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("ticket key column \"%s\" of %s is null", att->ticket[TF_KEY].name,
						sla_relation_text(att->ticket_table))));
	return key;
}

/*
 * The row's lifecycle: the status map's, or "deleted" when the deleted flag says so.  A status
 * the map does not know fails the write only when the attachment is strict; otherwise it is
 * recorded as a mapping problem and NULL is returned (unless the row is deleted): the caller keeps
 * the ticket's current lifecycle, or SLA_UNMAPPED_NEW_LIFECYCLE for a ticket not tracked yet.
 */
const char *
sla_ticket_lifecycle(SlaAttachment *att, HeapTuple tuple, TupleDesc desc)
{
	char	   *status;
	const char *lc = sla_row_lifecycle(att, tuple, desc, &status);

	if (lc == NULL)
	{
		if (att->strict)
			sla_unmapped_status_error(att, status);
		sla_mapping_problem(att, "status", status,
							sla_row_text(&att->ticket[TF_KEY], tuple, desc, att->ticket_table));
	}
	/* a boolean, or an integer flag such as RT's ismerged: anything but false / 0 means deleted */
	if (sla_row_deleted(att, tuple, desc))
		lc = "deleted";
	return lc;
}

/*
 * The attachment a row trigger made by sla.attach() serves, after checking that it fires as
 * made: AFTER, FOR EACH ROW, on the expected event, under the name attach gave it, with the
 * attachment id as its argument, and on the attachment's own table (a trigger copied onto a
 * look-alike table would make the engine read that table's columns as the mapping's).  The
 * attachment is locked for the transaction first (config_guard.c), then read from the cache.
 */
SlaAttachment *
sla_trigger_attachment(FunctionCallInfo fcinfo, const char *function, const char *trigger_name,
					   TriggerEvent event, const char *event_name, bool on_message_table)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	SlaAttachment *att;
	Oid			expected;
	int32		id;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		(trigdata->tg_event & TRIGGER_EVENT_OPMASK) != event || trigdata->tg_trigger->tgnargs != 1 ||
		!sla_shard_name_matches(trigdata->tg_trigger->tgname, trigger_name))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.%s() must be the AFTER %s row trigger \"%s\" with the attachment id as argument",
						function, event_name, trigger_name),
				 errhint("Let sla.attach() create it.")));
	id = sla_parse_attachment_id(trigdata->tg_trigger->tgargs[0], function);
	sla_engine_use_attachment(id);
	att = sla_attachment_get(id);
	expected = on_message_table ? att->message_table : att->ticket_table;
	/* on Citus: the table's shard, where the trigger was copied to (citus_shard.h) */
	if (!sla_relation_is_or_shard_of(trigdata->tg_relation, expected))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" on %s names attachment %d, which is attached to %s",
						trigger_name, sla_relation_text(RelationGetRelid(trigdata->tg_relation)), id,
						OidIsValid(expected) ? sla_relation_text(expected) : "no message table"),
				 errhint("Let sla.attach() create it.")));
	return att;
}

/* A trigger argument that must be an attachment id (39P01 when it is not a number). */
int32
sla_parse_attachment_id(const char *arg, const char *function)
{
	char	   *end;
	long		id;

	errno = 0;
	id = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || id <= 0 || id > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.%s() got \"%s\" as its argument, not an attachment id", function, arg),
				 errhint("Let sla.attach() create it.")));
	return (int32) id;
}

/* AFTER INSERT FOR EACH ROW on an attached ticket table; argument: the attachment id. */
PG_FUNCTION_INFO_V1(sla_ticket_inserted);
Datum
sla_ticket_inserted(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	SlaAttachment *att;
	HeapTuple	tuple;
	TupleDesc	desc;
	char	   *key;
	const char *lc;
	TimestampTz at;

	att = sla_trigger_attachment(fcinfo, "ticket_inserted", "sla_ticket", TRIGGER_EVENT_INSERT, "INSERT", false);
	tuple = trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	key = sla_ticket_key(att, tuple, desc);
	lc = sla_ticket_lifecycle(att, tuple, desc);
	if (lc == NULL)
		lc = SLA_UNMAPPED_NEW_LIFECYCLE;
	if (!sla_row_time(&att->ticket[TF_CREATED_AT], tuple, desc, att->ticket_table, att->time_zone, &at))
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("ticket %s of %s has no creation time (column \"%s\" is null)", key,
						sla_relation_text(att->ticket_table), att->ticket[TF_CREATED_AT].name)));
	sla_track_ticket(att, key, tuple, desc, lc, at, sla_new_tickets_may_queue(trigdata->tg_relation));
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * Argument argno of a SQL-callable function, which must be a row of the table relid (the
 * attachment's ticket or message table): its tuple and descriptor (release the descriptor).
 * The argument is declared anyelement, so anything can be passed; the engine reads columns by
 * the table's layout, so a value of any other type is refused (42804) before it is touched.
 */
void
sla_row_argument(FunctionCallInfo fcinfo, int argno, Oid relid, const char *function,
				 HeapTupleData *tuple, TupleDesc *desc)
{
	Oid			given = get_fn_expr_argtype(fcinfo->flinfo, argno);
	Oid			wanted = get_rel_type_id(relid);
	HeapTupleHeader header;

	if (!OidIsValid(wanted) || given != wanted)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("sla.%s expects a row of %s, not a value of type %s", function,
						sla_relation_text(relid), OidIsValid(given) ? format_type_be(given) : "unknown"),
				 errhint("Pass the table's own row, for example: SELECT sla.%s(attachment_id, t) FROM %s t.",
						 function, sla_relation_text(relid))));
	header = PG_GETARG_HEAPTUPLEHEADER(argno);
	if (HeapTupleHeaderGetTypeId(header) != wanted)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("sla.%s expects a row of %s", function, sla_relation_text(relid))));
	*desc = lookup_rowtype_tupdesc(wanted, -1);
	tuple->t_len = HeapTupleHeaderGetDatumLength(header);
	ItemPointerSetInvalid(&tuple->t_self);
	tuple->t_tableOid = InvalidOid;
	tuple->t_data = header;
}

/* sla.track_ticket(attachment integer, ticket anyelement, lifecycle text, at timestamptz) */
PG_FUNCTION_INFO_V1(sla_track_ticket_sql);
Datum
sla_track_ticket_sql(PG_FUNCTION_ARGS)
{
	SlaAttachment *att;
	HeapTupleData tuple;
	TupleDesc	desc;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sla.track_ticket needs an attachment, a ticket row, a lifecycle and an instant")));
	sla_engine_use_attachment(PG_GETARG_INT32(0));
	att = sla_attachment_get(PG_GETARG_INT32(0));
	sla_row_argument(fcinfo, 1, att->ticket_table, "track_ticket", &tuple, &desc);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	sla_track_ticket(att, sla_ticket_key(att, &tuple, desc), &tuple, desc,
					 text_to_cstring(PG_GETARG_TEXT_PP(2)), PG_GETARG_TIMESTAMPTZ(3), false);
	SPI_finish();
	ReleaseTupleDesc(desc);
	PG_RETURN_VOID();
}

/*
 * sla.ticket_facts(attachment integer, ticket anyelement, OUT key text, OUT lifecycle text,
 * OUT created_at timestamptz, OUT updated_at timestamptz): what the engine reads from a ticket
 * row, for sla.backfill().  A missing key or time is NULL here (backfill skips such rows); an
 * unmapped status is recorded as a mapping problem and reads as open (strict: the usual error).
 */
PG_FUNCTION_INFO_V1(sla_ticket_facts_sql);
Datum
sla_ticket_facts_sql(PG_FUNCTION_ARGS)
{
	SlaAttachment *att;
	HeapTupleData tuple;
	TupleDesc	desc;
	TupleDesc	result_desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	char	   *key;
	const char *lc;
	TimestampTz t;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sla.ticket_facts must return a row");
	att = sla_attachment_get(PG_GETARG_INT32(0));
	sla_row_argument(fcinfo, 1, att->ticket_table, "ticket_facts", &tuple, &desc);
	key = sla_row_text(&att->ticket[TF_KEY], &tuple, desc, att->ticket_table);
	values[0] = key ? CStringGetTextDatum(key) : (Datum) 0;
	nulls[0] = key == NULL;
	lc = sla_ticket_lifecycle(att, &tuple, desc);
	values[1] = CStringGetTextDatum(lc ? lc : SLA_UNMAPPED_NEW_LIFECYCLE);
	nulls[2] = !sla_row_time(&att->ticket[TF_CREATED_AT], &tuple, desc, att->ticket_table, att->time_zone, &t);
	values[2] = TimestampTzGetDatum(t);
	nulls[3] = !sla_row_time(&att->ticket[TF_UPDATED_AT], &tuple, desc, att->ticket_table, att->time_zone, &t);
	values[3] = TimestampTzGetDatum(t);
	ReleaseTupleDesc(desc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(result_desc), values, nulls)));
}
