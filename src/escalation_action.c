/*
 * escalation_action.c — the host-table write of a set_column escalation.
 *
 * The breach check runs as whoever calls it: a pg_cron job's owner, the breach worker (often
 * the bootstrap superuser), an application role.  Writing the host table as that role would let
 * the table's owner run its own triggers as a superuser, and let the escalation's author write
 * columns it may not write itself.  So the write is checked against the escalation's registrant
 * (UPDATE on the column, SELECT on the key) and runs as the table's owner, under
 * SECURITY_RESTRICTED_OPERATION like PostgreSQL's own maintenance code that runs a table owner's
 * functions: every trigger it fires runs with rights the owner already has.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "attachment_cache.h"
#include "calendar_cache.h"
#include "clock_store.h"
#include "host_ticket.h"
#include "ticket_engine.h"

/* Whether role may do mode on the column: a grant on the table or on the column itself. */
static bool
column_allowed(Oid relid, AttrNumber attnum, Oid role, AclMode mode)
{
	return pg_class_aclcheck(relid, role, mode) == ACLCHECK_OK ||
		pg_attribute_aclcheck(relid, attnum, role, mode) == ACLCHECK_OK;
}

/*
 * sla.escalation_set_column(escalation_id integer, att_id integer, ticket_key text) RETURNS
 * bigint: the rows updated.  The column and the value come from the escalation row (through
 * sla.escalation_column, which resolves a mapping key), never from the caller.
 */
PG_FUNCTION_INFO_V1(sla_escalation_set_column);
Datum
sla_escalation_set_column(PG_FUNCTION_ARGS)
{
	int32		escalation_id = PG_GETARG_INT32(0);
	int32		attachment_id = PG_GETARG_INT32(1);
	char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(2));
	SlaAttachment *att;
	Oid			argtypes[2] = {INT4OID, INT4OID};
	Datum		args[2] = {Int32GetDatum(escalation_id), Int32GetDatum(attachment_id)};
	char	   *column;
	char	   *value;
	char	   *registrant;
	Oid			registrant_id;
	AttrNumber	column_attnum;
	AttrNumber	key_attnum;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	StringInfoData sql,
				lock;
	uint64		rows = 0;

	sla_engine_use_attachment(attachment_id);
	att = sla_attachment_get(attachment_id);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/*
	 * The rows passed as ROW(x.*) cast to sla's types: on Citus the configuration tables are
	 * reference tables, and Citus runs this query on a shard (locally too), where a bare row is
	 * of the shard's own type ("function sla.escalation_column(sla.attachment_102018,
	 * sla.escalation_102020) does not exist").
	 */
	if (SPI_execute_with_args("SELECT sla.escalation_column(ROW(a.*)::sla.attachment, ROW(e.*)::sla.escalation),"
							  "       e.column_value, e.registered_by"
							  "  FROM sla.escalation e, sla.attachment a"
							  " WHERE e.id OPERATOR(pg_catalog.=) $1 AND a.id OPERATOR(pg_catalog.=) $2"
							  "   AND e.action OPERATOR(pg_catalog.=) 'set_column'",
							  2, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading escalation %d failed", escalation_id);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("escalation %d is not a set_column action", escalation_id)));
	column = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	registrant = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);

	registrant_id = get_role_oid(registrant, false);
	column_attnum = get_attnum(att->ticket_table, column);
	key_attnum = get_attnum(att->ticket_table, att->ticket[TF_KEY].name);
	if (column_attnum == InvalidAttrNumber || key_attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation %s does not exist (escalation %d)",
						column_attnum == InvalidAttrNumber ? column : att->ticket[TF_KEY].name,
						sla_relation_text(att->ticket_table), escalation_id)));
	if (!column_allowed(att->ticket_table, column_attnum, registrant_id, ACL_UPDATE) ||
		!column_allowed(att->ticket_table, key_attnum, registrant_id, ACL_SELECT))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("escalation %d was registered by \"%s\", who may not update column \"%s\" of %s",
						escalation_id, registrant, column, sla_relation_text(att->ticket_table)),
				 errhint("GRANT UPDATE (%s) and SELECT (%s) ON %s to that role, or register the escalation as a role that has them.",
						 quote_identifier(column), quote_identifier(att->ticket[TF_KEY].name),
						 sla_relation_text(att->ticket_table))));

	initStringInfo(&sql);
	appendStringInfo(&sql, "UPDATE %s SET %s = %s WHERE %s OPERATOR(pg_catalog.=) %s",
					 sla_relation_text(att->ticket_table), quote_identifier(column), quote_literal_cstr(value),
					 quote_identifier(att->ticket[TF_KEY].name), quote_literal_cstr(key));
	initStringInfo(&lock);
	appendStringInfo(&lock, "SELECT 1 FROM %s WHERE %s OPERATOR(pg_catalog.=) %s FOR NO KEY UPDATE NOWAIT",
					 sla_relation_text(att->ticket_table), quote_identifier(att->ticket[TF_KEY].name),
					 quote_literal_cstr(key));
	owner = sla_table_owner(att->ticket_table);
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		/*
		 * The row first, without waiting (55P03 when a writer holds it): the check holds the
		 * ticket's SLA row, which that writer's trigger will want, so waiting here could
		 * deadlock with the helpdesk's own write.  The escalation fails alone and is listed in
		 * sla.health, to be run again.
		 */
		if (SPI_execute(lock.data, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "escalation %d: the row of %s could not be locked", escalation_id,
				 sla_relation_text(att->ticket_table));
		if (SPI_execute(sql.data, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "escalation %d: the update of %s failed", escalation_id,
				 sla_relation_text(att->ticket_table));
		rows = SPI_processed;
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_INT64((int64) rows);
}

/*
 * sla.escalation_call_function(escalation_id integer, event jsonb) RETURNS void: a call_function
 * action.  The function is the one the escalation names (stored schema-qualified when it was
 * registered), of one jsonb argument; it runs as its owner under SECURITY_RESTRICTED_OPERATION,
 * like a declared attribute's function (sla_call_function), and only if the escalation's
 * registrant has that owner's privileges: it never runs with more rights than the role that named
 * it could use itself, whoever runs the breach check.
 */
PG_FUNCTION_INFO_V1(sla_escalation_call_function);
Datum
sla_escalation_call_function(PG_FUNCTION_ARGS)
{
	int32		escalation_id = PG_GETARG_INT32(0);
	Datum		event = PG_GETARG_DATUM(1);
	Oid			argtypes[1] = {INT4OID};
	Datum		args[1] = {Int32GetDatum(escalation_id)};
	char	   *name;
	char	   *registrant;
	Oid			fn;
	Oid			owner;
	Oid			rettype;
	bool		isnull;
	char		what[64];
	HeapTuple	tup;
	MemoryContext caller = CurrentMemoryContext;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT e.function_name, e.registered_by FROM sla.escalation e"
							  " WHERE e.id OPERATOR(pg_catalog.=) $1 AND e.action OPERATOR(pg_catalog.=) 'call_function'",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "reading escalation %d failed", escalation_id);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("escalation %d is not a call_function action", escalation_id)));
	/* kept past SPI_finish, which frees SPI's memory */
	name = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	registrant = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));
	/* resolved under the caller's path (run_escalations: pg_catalog, pg_temp): the name is qualified */
	fn = DatumGetObjectId(DirectFunctionCall1(to_regprocedure, CStringGetTextDatum(name)));
	SPI_finish();
	if (!OidIsValid(fn))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function %s of escalation %d does not exist", name, escalation_id)));
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fn);
	owner = ((Form_pg_proc) GETSTRUCT(tup))->proowner;
	if (((Form_pg_proc) GETSTRUCT(tup))->pronargs != 1 ||
		((Form_pg_proc) GETSTRUCT(tup))->proargtypes.values[0] != JSONBOID ||
		((Form_pg_proc) GETSTRUCT(tup))->prokind != PROKIND_FUNCTION)
	{
		ReleaseSysCache(tup);
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("function %s of escalation %d must be a function of one jsonb argument", name, escalation_id)));
	}
	ReleaseSysCache(tup);
	if (!has_privs_of_role(get_role_oid(registrant, false), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("escalation %d was registered by \"%s\", who lacks the privileges of \"%s\", the owner of %s",
						escalation_id, registrant, GetUserNameFromId(owner, false), name)));
	snprintf(what, sizeof(what), "escalation %d", escalation_id);
	(void) sla_call_function(fn, event, InvalidOid, &isnull, &rettype, what);
	PG_RETURN_VOID();
}
