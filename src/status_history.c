/*
 * status_history.c — a helpdesk's status history read through the attachment's status map, for
 * sla.backfill() (src/sql/70_engine_tools.sql).
 *
 * A history value is classified exactly as the same value in the ticket table's status column
 * would be: numbers compared as numbers, anything else as text.  A value the map does not know is
 * what the triggers make of it too: recorded in sla.mapping_problem (backfill then skips the
 * entry, the ticket keeping its lifecycle, as an update does), or the error when the attachment
 * is strict.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "attachment_cache.h"
#include "clock_store.h"
#include "mapping_problem.h"

/* A status value of any type as the status map compares it (sla_row_value's reading). */
static void
status_value(FunctionCallInfo fcinfo, int argno, RowValue *out)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, argno);
	Datum		value = PG_GETARG_DATUM(argno);
	Oid			output;
	bool		varlena;

	out->text = NULL;
	out->number = (Datum) 0;
	if (PG_ARGISNULL(argno))
		return;
	if (!OidIsValid(type))
		ereport(ERROR,
				(errcode(ERRCODE_INDETERMINATE_DATATYPE),
				 errmsg("sla.history_lifecycle needs a status of a known type")));
	switch (type)
	{
		case BOOLOID:			/* as to_jsonb reads it, like the ticket table's column */
			out->text = pstrdup(DatumGetBool(value) ? "true" : "false");
			return;
		default:
			sla_value_number(value, type, out);
			break;
	}
	getTypeOutputInfo(type, &output, &varlena);
	out->text = OidOutputFunctionCall(output, value);
}

/*
 * sla.history_lifecycle(att_id integer, status anyelement, ticket_key text) RETURNS text: the
 * lifecycle the attachment's status map gives one status of a ticket's history; NULL when it
 * has none (recorded as a mapping problem; 22023 when the attachment is strict).
 */
PG_FUNCTION_INFO_V1(sla_history_lifecycle);
Datum
sla_history_lifecycle(PG_FUNCTION_ARGS)
{
	SlaAttachment *att;
	RowValue	status;
	const char *lc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sla.history_lifecycle needs an attachment")));
	sla_engine_use_attachment(PG_GETARG_INT32(0));
	att = sla_attachment_get(PG_GETARG_INT32(0));
	status_value(fcinfo, 1, &status);
	lc = sla_value_lifecycle(att, &status);
	if (lc != NULL)
		PG_RETURN_TEXT_P(cstring_to_text(lc));
	if (att->strict)
		sla_unmapped_status_error(att, status.text);
	sla_mapping_problem(att, "status", status.text, PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2)));
	PG_RETURN_NULL();
}
