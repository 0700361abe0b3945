/*
 * message_trigger.c — a new message in the helpdesk's message table: the C trigger sla.attach()
 * puts on it, and sla.process_message(), the same logic for sla.backfill().
 *
 * A message counts when it becomes published: inserted as published, or published by a later
 * UPDATE of a draft (sla_message_update, made by attach when the mapping tells drafts apart).
 * A public agent reply stops the ticket's running response clocks and starts the next
 * periodic-update cycle; a customer message after an agent reply starts next_response (or
 * chat_response / call_response on those channels); a customer message on a solved or closed
 * ticket is remembered for when it reopens.  Internal notes and system messages move nothing.
 * The ticket's sla.ticket row is locked first, so concurrent messages of one ticket are decided
 * one after the other.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/typcache.h"
#include "utils/regproc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "attachment_cache.h"
#include "calendar_cache.h"
#include "clock_store.h"
#include "host_ticket.h"
#include "mapping_problem.h"
#include "message_batch.h"
#include "rule_cache.h"
#include "rule_recheck.h"
#include "ticket_engine.h"
#include "ticket_flow.h"

typedef enum Author
{
	AUTHOR_UNKNOWN, AUTHOR_CUSTOMER, AUTHOR_AGENT, AUTHOR_SYSTEM
} Author;

/* ---------------------------------------------------------------- reading the message */

static char *
function_text(Oid fn, Datum row, const char *what, bool *isnull)
{
	Oid			rettype,
				output;
	bool		varlena;
	Datum		d = sla_call_function(fn, row, InvalidOid, isnull, &rettype, what);

	if (*isnull)
		return NULL;
	getTypeOutputInfo(rettype, &output, &varlena);
	return OidOutputFunctionCall(output, d);
}

/*
 * An author kind the mapping cannot place (a value in no list, or an author function answering
 * something else): the old error when the attachment is strict, else a mapping problem, and the
 * message counts as written by nobody known (AUTHOR_UNKNOWN: it moves no clock).
 */
static Author
unknown_author(SlaAttachment *att, const char *field, const char *value, const char *key, const char *hint)
{
	if (att->strict)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot tell who wrote a message of ticket %s: author kind \"%s\"", key,
						value ? value : "<NULL>"),
				 errhint("%s", hint)));
	sla_mapping_problem(att, field, value, key);
	return AUTHOR_UNKNOWN;
}

static Author
message_author(SlaAttachment *att, HeapTuple tuple, TupleDesc desc, Datum row, const char *key)
{
	const char *value;
	bool		isnull;

	if (OidIsValid(att->author_function))
		value = function_text(att->author_function, row, "the message mapping's author_function", &isnull);
	else
	{
		RowValue	kind;

		sla_row_value(&att->message[MF_AUTHOR_KIND], tuple, desc, att->message_table, &kind);
		if (sla_value_listed(&att->customer_values, &kind))
			return AUTHOR_CUSTOMER;
		if (sla_value_listed(&att->agent_values, &kind))
			return AUTHOR_AGENT;
		if (sla_value_listed(&att->system_values, &kind))
			return AUTHOR_SYSTEM;
		return unknown_author(att, "author_kind", kind.text, key,
							  "List the value in customer_values, agent_values or system_values of the message mapping.");
	}
	if (value && strcmp(value, "customer") == 0)
		return AUTHOR_CUSTOMER;
	if (value && strcmp(value, "agent") == 0)
		return AUTHOR_AGENT;
	if (value && strcmp(value, "system") == 0)
		return AUTHOR_SYSTEM;
	return unknown_author(att, "author_function", value, key,
						  "The author function must return customer, agent or system.");
}

/* A boolean message column (public, internal): false when NULL; 42804 when no longer boolean. */
static bool
message_flag(MappedColumn *col, HeapTuple tuple, TupleDesc desc, Oid relid, Datum *value)
{
	Oid			type;

	if (!sla_row_datum(col, tuple, desc, relid, value, &type))
		return false;
	if (type != BOOLOID)
		sla_column_type_mismatch(col, relid, type, "a boolean column");
	return true;
}

/* Public unless the mapping says otherwise; an unknown (NULL) answer counts as public. */
static bool
message_public(SlaAttachment *att, HeapTuple tuple, TupleDesc desc, Datum row)
{
	Datum		d;

	if (OidIsValid(att->public_function))
	{
		bool		isnull;
		Oid			rettype;

		d = sla_call_function(att->public_function, row, InvalidOid, &isnull, &rettype,
							  "the message mapping's public_function");
		if (rettype != BOOLOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the message mapping's public_function %s returns %s, not boolean",
							format_procedure(att->public_function), format_type_be(rettype))));
		return isnull || DatumGetBool(d);
	}
	if (att->message[MF_PUBLIC].name)
		return !message_flag(&att->message[MF_PUBLIC], tuple, desc, att->message_table, &d) || DatumGetBool(d);
	if (att->message[MF_INTERNAL].name)
		return !message_flag(&att->message[MF_INTERNAL], tuple, desc, att->message_table, &d) || !DatumGetBool(d);
	return true;
}

/* The response metric of the message's channel: chat_response, call_response, or next_response. */
static sla_metric
message_response_metric(SlaAttachment *att, HeapTuple tuple, TupleDesc desc)
{
	RowValue	channel;

	if (att->message[MF_CHANNEL].name == NULL)
		return SLA_M_NEXT_RESPONSE;
	sla_row_value(&att->message[MF_CHANNEL], tuple, desc, att->message_table, &channel);
	if (sla_value_listed(&att->chat_values, &channel))
		return SLA_M_CHAT_RESPONSE;
	if (sla_value_listed(&att->call_values, &channel))
		return SLA_M_CALL_RESPONSE;
	return SLA_M_NEXT_RESPONSE;
}

/* ---------------------------------------------------------------- drafts */

/* Whether the mapping tells drafts from published messages; without it every message is published. */
static bool
publication_mapped(SlaAttachment *att)
{
	return OidIsValid(att->published_function) || att->message[MF_PUBLISHED].name != NULL;
}

/* The row as a composite Datum for the mapping's functions; 0 when none is mapped. */
static Datum
message_row(SlaAttachment *att, HeapTuple tuple, TupleDesc desc)
{
	if (OidIsValid(att->author_function) || OidIsValid(att->public_function) ||
		OidIsValid(att->published_function))
		return heap_copy_tuple_as_datum(tuple, desc);
	return (Datum) 0;
}

/*
 * Whether the row is a published message rather than a draft.  A NULL answer (column or
 * function) is a draft: a message nobody has sent yet must not stop a response clock.  A value
 * in no published_values list is a draft too, never a mapping problem: draft states are many
 * (draft, autosave, scheduled) and only the sent ones matter.
 */
static bool
message_published(SlaAttachment *att, HeapTuple tuple, TupleDesc desc, Datum row)
{
	Datum		d;

	if (OidIsValid(att->published_function))
	{
		bool		isnull;
		Oid			rettype;
		int			nest = sla_use_engine_search_path();

		d = sla_call_function(att->published_function, row, InvalidOid, &isnull, &rettype,
							  "the message mapping's published_function");
		sla_restore_search_path(nest);
		if (rettype != BOOLOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the message mapping's published_function %s returns %s, not boolean",
							format_procedure(att->published_function), format_type_be(rettype))));
		return !isnull && DatumGetBool(d);
	}
	if (att->message[MF_PUBLISHED].name == NULL)
		return true;
	if (att->published_by_values)
	{
		RowValue	value;

		sla_row_value(&att->message[MF_PUBLISHED], tuple, desc, att->message_table, &value);
		return sla_value_listed(&att->published_values, &value);
	}
	return message_flag(&att->message[MF_PUBLISHED], tuple, desc, att->message_table, &d) && DatumGetBool(d);
}

/*
 * The instant the message became published: its published_at column when mapped and set; else,
 * published by an UPDATE, the message's updated_at column or the transaction's start (now(), as
 * ticket updates are dated); else, published when written, its creation time.
 */
static TimestampTz
message_published_at(SlaAttachment *att, HeapTuple tuple, TupleDesc desc, bool by_update)
{
	TimestampTz at;

	if (sla_row_time(&att->message[MF_PUBLISHED_AT], tuple, desc, att->message_table, att->time_zone, &at))
		return at;
	if (by_update)
	{
		if (sla_row_time(&att->message[MF_UPDATED_AT], tuple, desc, att->message_table, att->time_zone, &at))
			return at;
		return GetCurrentTransactionStartTimestamp();
	}
	if (!sla_row_time(&att->message[MF_CREATED_AT], tuple, desc, att->message_table, att->time_zone, &at))
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("message of %s has no ticket or no creation time", sla_relation_text(att->message_table))));
	return at;
}

/* ---------------------------------------------------------------- what a message does */

/*
 * Whether rules must run after a message (rules_after_message): it is public and some rule
 * reads the conversation or is relative to now.
 */
static bool
message_runs_rules(const sla_fact *fact)
{
	CompiledRules *cr;

	if (!fact->is_public)
		return false;
	cr = sla_current_rules(true);
	return cr->nrules > 0 &&
		(cr->reads[SLOT_LAST_MESSAGE_AUTHOR] || cr->reads[SLOT_LAST_MESSAGE_AT] || cr->relative_to_now);
}

/*
 * The rules marked on_update run again after a public message when some rule reads
 * last_message_author or last_message_at (read from the ticket's fact log): "a
 * customer answered and the ticket is urgent" can change the level without a ticket update.
 * A level they choose is a level fact of the message's instant, after the message.  Rules
 * relative to now ("the customer's last message is older than a day") are scheduled again from
 * the new conversation (src/rule_recheck.c).
 */
static void
rules_after_message(SlaAttachment *att, const char *key, SlaStoredTicket *st, const sla_fact *fact)
{
	TimestampTz at = fact->at;
	CompiledRules *cr = sla_current_rules(true);
	HeapTupleData tuple;
	TupleDesc	desc;
	sla_value  *values;
	SlaLevelChoice choice;
	bool		reads_conversation,
				relative;

	if (!message_runs_rules(fact) || !st->t.tracked || st->t.lifecycle == SLA_LC_DELETED)
		return;
	reads_conversation = cr->reads[SLOT_LAST_MESSAGE_AUTHOR] || cr->reads[SLOT_LAST_MESSAGE_AT];
	relative = cr->relative_to_now;
	if (!sla_host_ticket_row(att, key, &tuple, &desc))
		return;
	if (reads_conversation)
	{
		values = sla_ticket_rule_values(att, cr, &tuple, desc, key, st, SLOTS_READ);
		sla_rules_choose(cr, values, at, &choice);
		(void) sla_apply_level_choice(st, &choice, at);
	}
	if (relative)
		sla_rules_schedule_recheck(att, st, &tuple, desc, at);
	ReleaseTupleDesc(desc);
}

void
sla_message_apply(SlaAttachment *att, const char *key, sla_fact *fact)
{
	SlaStoredTicket st;
	bool		tracked = sla_stored_ticket_load(att->id, key, &st);

	/* a tracked ticket exists (a deleted row is marked deleted by the delete trigger): only an
	 * untracked or deleted one needs the lookup in the helpdesk's table */
	if ((!tracked || st.t.lifecycle == SLA_LC_DELETED) && !sla_host_ticket_exists(att, key))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("message refers to ticket %s which does not exist in %s", key,
						sla_relation_text(att->ticket_table))));
	if (!tracked)
		return;
	sla_ticket_apply(&st, fact, NULL);
	rules_after_message(att, key, &st, fact);
}

/*
 * The clock logic of one published message row, dated at (caller connected to SPI); row: the
 * row as message_row() gives it.  may_queue: it may be applied at the end of the INSERT
 * statement, with the statement's other messages (message_batch.h).
 */
static void
apply_message(SlaAttachment *att, HeapTuple tuple, TupleDesc desc, Datum row, TimestampTz at, bool may_queue)
{
	char	   *key = sla_row_text(&att->message[MF_TICKET], tuple, desc, att->message_table);
	Author		author;
	bool		is_public = true;
	sla_metric	response;
	sla_fact	fact;

	if (key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("message of %s has no ticket or no creation time", sla_relation_text(att->message_table))));
	if (OidIsValid(att->author_function) || OidIsValid(att->public_function))
	{
		int			nest = sla_use_engine_search_path();

		author = message_author(att, tuple, desc, row, key);
		is_public = message_public(att, tuple, desc, row);
		sla_restore_search_path(nest);
	}
	else
	{
		author = message_author(att, tuple, desc, row, key);
		is_public = message_public(att, tuple, desc, row);
	}
	response = message_response_metric(att, tuple, desc);
	/* system messages (and rows about other objects that a message table may hold, which an
	 * author function reports as system) move nothing and need no ticket */
	if (author == AUTHOR_SYSTEM || author == AUTHOR_UNKNOWN)
		return;					/* unknown: recorded as a mapping problem, moves nothing */
	fact = sla_fact_of(SLA_FACT_MESSAGE, at);
	fact.author = author == AUTHOR_AGENT ? SLA_AUTHOR_AGENT : SLA_AUTHOR_CUSTOMER;
	fact.is_public = is_public;
	fact.response = response;
	if (may_queue && sla_message_queue(att, key, &fact, message_runs_rules(&fact)))
		return;
	sla_message_apply(att, key, &fact);
}

/*
 * A message row as it stands (inserted, or replayed by backfill): a draft moves nothing, a
 * published message counts at its published instant.
 */
static void
apply_message_row(SlaAttachment *att, HeapTuple tuple, TupleDesc desc, bool may_queue)
{
	Datum		row = message_row(att, tuple, desc);

	if (publication_mapped(att) && !message_published(att, tuple, desc, row))
		return;
	apply_message(att, tuple, desc, row, message_published_at(att, tuple, desc, false), may_queue);
}

/* AFTER INSERT FOR EACH ROW on an attached message table; argument: the attachment id. */
PG_FUNCTION_INFO_V1(sla_message_added);
Datum
sla_message_added(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	SlaAttachment *att;

	att = sla_trigger_attachment(fcinfo, "message_added", "sla_message", TRIGGER_EVENT_INSERT, "INSERT", true);
	if (!OidIsValid(att->message_table))
		return PointerGetDatum(NULL);	/* attached again without this message table */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	apply_message_row(att, trigdata->tg_trigtuple, trigdata->tg_relation->rd_att,
					  sla_messages_may_queue(trigdata->tg_relation));
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * AFTER UPDATE FOR EACH ROW on an attached message table whose mapping tells drafts from
 * published messages; argument: the attachment id.  The update that publishes a draft is the
 * message's fact; autosaves of a draft and edits of a published message move nothing.  The
 * trigger's WHEN clause (sla.attach) already skips updates that leave a published column as it
 * was, so a draft autosave usually never gets here.
 */
PG_FUNCTION_INFO_V1(sla_message_updated);
Datum
sla_message_updated(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	SlaAttachment *att;
	TupleDesc	desc;
	Datum		new_row;

	att = sla_trigger_attachment(fcinfo, "message_updated", "sla_message_update", TRIGGER_EVENT_UPDATE, "UPDATE", true);
	/* attached again without this message table, or without a published mapping */
	if (!OidIsValid(att->message_table) || !publication_mapped(att))
		return PointerGetDatum(NULL);
	desc = trigdata->tg_relation->rd_att;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* the new row first: an autosave that still is a draft is decided by one look */
	new_row = message_row(att, trigdata->tg_newtuple, desc);
	if (message_published(att, trigdata->tg_newtuple, desc, new_row) &&
		!message_published(att, trigdata->tg_trigtuple, desc, message_row(att, trigdata->tg_trigtuple, desc)))
		apply_message(att, trigdata->tg_newtuple, desc, new_row,
					  message_published_at(att, trigdata->tg_newtuple, desc, true), false);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * sla.process_message(attachment integer, message anyelement): the insert trigger's logic for
 * backfill — a draft moves nothing, a published message counts at its published instant.
 */
PG_FUNCTION_INFO_V1(sla_process_message_sql);
Datum
sla_process_message_sql(PG_FUNCTION_ARGS)
{
	SlaAttachment *att;
	HeapTupleData tuple;
	TupleDesc	desc;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sla.process_message needs an attachment and a message row")));
	sla_engine_use_attachment(PG_GETARG_INT32(0));
	att = sla_attachment_get(PG_GETARG_INT32(0));
	if (!OidIsValid(att->message_table))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attachment %d has no message table", att->id)));
	sla_row_argument(fcinfo, 1, att->message_table, "process_message", &tuple, &desc);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	apply_message_row(att, &tuple, desc, false);
	SPI_finish();
	ReleaseTupleDesc(desc);
	PG_RETURN_VOID();
}

/*
 * sla.message_facts(attachment integer, message anyelement, OUT published boolean, OUT
 * published_at timestamptz): whether the row is a published message and since when, as
 * sla.process_message() reads it, so that backfill replays published messages in the order
 * they were published.  published_at is NULL for a draft.
 */
PG_FUNCTION_INFO_V1(sla_message_facts_sql);
Datum
sla_message_facts_sql(PG_FUNCTION_ARGS)
{
	SlaAttachment *att;
	HeapTupleData tuple;
	TupleDesc	desc;
	TupleDesc	result_desc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	bool		published;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sla.message_facts needs an attachment and a message row")));
	if (get_call_result_type(fcinfo, NULL, &result_desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "sla.message_facts must return a record");
	att = sla_attachment_get(PG_GETARG_INT32(0));
	if (!OidIsValid(att->message_table))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("attachment %d has no message table", att->id)));
	sla_row_argument(fcinfo, 1, att->message_table, "message_facts", &tuple, &desc);
	published = !publication_mapped(att) ||
		message_published(att, &tuple, desc, message_row(att, &tuple, desc));
	values[0] = BoolGetDatum(published);
	if (published)
		values[1] = TimestampTzGetDatum(message_published_at(att, &tuple, desc, false));
	else
		nulls[1] = true;
	ReleaseTupleDesc(desc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(result_desc), values, nulls)));
}
