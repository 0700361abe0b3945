/*
 * policy_draft.c — sla.apply_draft(): a named draft's configuration edits (its SQL) run in the
 * caller's transaction, as the role that wrote the draft; and the what-if switch that keeps the
 * live re-targeting of running clocks from running while a draft is applied only to be rolled
 * back (docs/replay.md).
 *
 * Rights.  A draft's SQL never runs with more rights than its author (the draft's owner) has,
 * nor for a caller who could not run it as that role itself: the caller must be the owner or a
 * member of the owner's role (a superuser is a member of every role, and then the SQL runs as
 * the owner, not as the superuser).  It runs like PostgreSQL's own maintenance code runs a table
 * owner's functions: SetUserIdAndSecContext(owner, SECURITY_LOCAL_USERID_CHANGE |
 * SECURITY_RESTRICTED_OPERATION), so the SQL cannot SET ROLE, RESET ROLE or SET SESSION
 * AUTHORIZATION back to the caller, nor create temporary objects that would outlive it in the
 * caller's session; every setting it changes (search_path, even with a plain SET or
 * set_config(..., false)) is undone when it returns, as after an index build.
 *
 * The what-if switch.  sla.apply_draft(name, for_what_if => true) marks the current
 * subtransaction: until it (or an enclosing one) is rolled back, the configuration-change trigger
 * (sla.retarget_after_config_change) does not re-target live clocks, since that would lock and
 * write live clock rows for an edit that is about to be rolled back.  Such a transaction cannot
 * commit (its edits without their re-targeting would leave running clocks on the old policy):
 * COMMIT fails while the mark is set.  sla.what_if and sla.create_draft roll their subtransaction
 * back; nothing else sets the mark.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "policy_draft.h"

/* the subtransaction a draft was applied in for a what-if; InvalidSubTransactionId: none */
static SubTransactionId what_if_subid = InvalidSubTransactionId;
static bool callbacks_registered = false;

bool
sla_draft_what_if_active(void)
{
	return what_if_subid != InvalidSubTransactionId;
}

static void
what_if_subxact(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg)
{
	if (what_if_subid == InvalidSubTransactionId || mySubid != what_if_subid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		what_if_subid = InvalidSubTransactionId;
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		what_if_subid = parentSubid;	/* released into its parent: still applied */
}

static void
what_if_xact(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (what_if_subid != InvalidSubTransactionId)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
						 errmsg("a transaction that applied a policy for a what-if cannot commit"),
						 errdetail("Running clocks were not re-targeted to the policy applied for the what-if (a draft or a stored version)."),
						 errhint("Roll it back.  To make a draft the live policy, use sla.activate_draft().")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			what_if_subid = InvalidSubTransactionId;
			break;
	}
}

/* Mark the current subtransaction as a what-if (kept if one is marked already). */
static void
mark_what_if(void)
{
	if (what_if_subid != InvalidSubTransactionId)
		return;
	if (!callbacks_registered)
	{
		RegisterXactCallback(what_if_xact, NULL);
		RegisterSubXactCallback(what_if_subxact, NULL);
		callbacks_registered = true;
	}
	what_if_subid = GetCurrentSubTransactionId();
}

/*
 * sla.mark_what_if(): the mark alone, for a what-if that edits the configuration itself (loading
 * a stored policy version, src/sql/94_what_if.sql).  It grants nothing: it only keeps live clocks
 * from being re-targeted and the transaction from committing until the subtransaction rolls back.
 */
PG_FUNCTION_INFO_V1(sla_mark_what_if);
Datum
sla_mark_what_if(PG_FUNCTION_ARGS)
{
	mark_what_if();
	PG_RETURN_VOID();
}

/*
 * sla.apply_draft(name text, for_what_if boolean): see above and src/sql/94_what_if.sql.
 */
PG_FUNCTION_INFO_V1(sla_apply_draft);
Datum
sla_apply_draft(PG_FUNCTION_ARGS)
{
	char	   *name;
	bool		for_what_if;
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		isnull;
	char	   *sql;
	char	   *owner_name;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sla.apply_draft needs a draft name and for_what_if, not NULL")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	for_what_if = PG_GETARG_BOOL(1);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* read as the caller: a draft the caller may not read is a draft it may not apply */
	values[0] = PG_GETARG_DATUM(0);
	if (SPI_execute_with_args("SELECT d.sql, d.owner::pg_catalog.text, d.activated_at IS NOT NULL "
							  "FROM sla.policy_draft d WHERE d.name OPERATOR(pg_catalog.=) $1",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.policy_draft");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("policy draft \"%s\" does not exist", name),
				 errhint("Write one with sla.create_draft(name, sql).")));
	sql = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	owner_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	if (!for_what_if &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("policy draft \"%s\" was activated already", name),
				 errhint("Write a new draft for further edits.")));
	owner = get_role_oid(owner_name, true);
	if (!OidIsValid(owner))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("policy draft \"%s\" was written by role \"%s\", which no longer exists", name, owner_name)));
	if (!is_member_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("policy draft \"%s\" was written by \"%s\": only that role or a member of it may apply it",
						name, owner_name),
				 errdetail("A draft's SQL runs as the role that wrote it.")));

	if (for_what_if)
		mark_what_if();

	/*
	 * The transaction's policy version (its pending row, whose numbering trigger is deferred to
	 * the commit), made now as the caller: a restricted operation may not queue a deferred
	 * trigger.  Its note says which draft made it; sla.activate_draft replaces it.
	 */
	{
		Oid			ntypes[1] = {TEXTOID};
		Datum		nvalues[1] = {CStringGetTextDatum(psprintf("draft \"%s\" applied", name))};

		if (SPI_execute_with_args("SELECT sla.set_policy_note($1)", 1, ntypes, nvalues, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not make the transaction's policy version");
	}

	/* as the owner, restricted; every setting restored afterwards (an error: by the abort) */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	save_nestlevel = NewGUCNestLevel();
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	{
		int			rc = SPI_execute(sql, false, 0);

		if (rc < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("policy draft \"%s\": its SQL cannot run here (%s)", name, SPI_result_code_string(rc)),
					 errhint("A draft holds statements such as INSERT, UPDATE, DELETE and SELECT of the helper functions, without transaction control.")));
	}
	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	SPI_finish();
	PG_RETURN_VOID();
}
