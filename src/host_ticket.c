/*
 * host_ticket.c — the lookup of a ticket row in the helpdesk's ticket table by its key.
 *
 * The key is compared in the host column's own type, so the host's index on it serves the
 * lookup; the statement is prepared once per attachment and made again after configuration edits
 * (and every 10,000 uses, like the engine's own plans).  It runs as the current user, so the
 * host's row-level security decides what exists: the message trigger refuses a message whose
 * ticket the writer cannot see, and sla.ticket_visible() hides the SLA rows of tickets a report
 * reader cannot see.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "calendar_cache.h"
#include "citus_shard.h"
#include "host_ticket.h"

/* One prepared lookup of the host ticket table per attachment, prepared again after edits. */
typedef struct HostLookup
{
	int32		attachment_id;
	SPIPlanPtr	plan;
	uint32		uses;			/* made again after 10,000, as the engine's own plans are */
	struct HostLookup *next;
} HostLookup;

static HostLookup *host_lookups = NULL;
static uint64 host_lookups_generation = 0;

bool
sla_host_ticket_exists(SlaAttachment *att, const char *key)
{
	HostLookup *h;
	Datum		v[1] = {CStringGetTextDatum(key)};
	bool		isnull;

	if (host_lookups_generation != sla_calendar_generation)
	{
		while (host_lookups)
		{
			h = host_lookups->next;
			if (host_lookups->plan)
				SPI_freeplan(host_lookups->plan);
			pfree(host_lookups);
			host_lookups = h;
		}
		host_lookups_generation = sla_calendar_generation;
	}
	for (h = host_lookups; h; h = h->next)
		if (h->attachment_id == att->id)
			break;
	if (h != NULL && ++h->uses >= 10000)
	{
		SPI_freeplan(h->plan);
		h->plan = NULL;
	}
	if (h == NULL || h->plan == NULL)
	{
		Oid			argtypes[1] = {TEXTOID};
		Oid			keytype = get_atttype(att->ticket_table, get_attnum(att->ticket_table, att->ticket[TF_KEY].name));
		char	   *sql;
		SPIPlanPtr	plan;

		if (!OidIsValid(keytype))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation %s does not exist (mapping of key)",
							att->ticket[TF_KEY].name, sla_relation_text(att->ticket_table))));
		/* the key compared in its own type, so the host's index on it serves the lookup */
		sql = psprintf("SELECT EXISTS (SELECT FROM %s WHERE %s OPERATOR(pg_catalog.=) $1::%s)",
					   sla_relation_text(att->ticket_table), quote_identifier(att->ticket[TF_KEY].name),
					   format_type_be_qualified(keytype));
		plan = SPI_prepare(sql, 1, argtypes);
		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the ticket lookup of %s", sla_relation_text(att->ticket_table));
		if (h == NULL)
		{
			h = MemoryContextAlloc(TopMemoryContext, sizeof(HostLookup));
			h->attachment_id = att->id;
			h->next = host_lookups;
			host_lookups = h;
		}
		h->plan = plan;
		h->uses = 0;
	}
	if (SPI_execute_plan(h->plan, v, " ", true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look up ticket %s", key);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * sla.ticket_visible(attachment_id integer, ticket_key text) RETURNS boolean: whether the current
 * user can see the ticket's row in its host table (the policies of sla.clock, sla.event and
 * sla.ticket call it for host tables with row-level security).  A caller without SELECT on the
 * host table sees none of its tickets; an unknown attachment has none.
 */
PG_FUNCTION_INFO_V1(sla_ticket_visible);
Datum
sla_ticket_visible(PG_FUNCTION_ARGS)
{
	int32		attachment_id = PG_GETARG_INT32(0);
	char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(1));
	SlaAttachment *att;
	bool		visible;

	att = sla_attachment_find(attachment_id);
	if (att == NULL || pg_class_aclcheck(att->ticket_table, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		PG_RETURN_BOOL(false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (sla_citus_worker())
	{
		/*
		 * On a Citus worker this runs in the policy of a tracking shard, inside a task of the
		 * coordinator's query: the host table is read in its shard on this node that holds
		 * the key (co-located with the tracking shard), as the caller (the host's policies are
		 * on the shards too).  Reading the distributed table would be a distributed query
		 * from a query on a shard (refused).
		 */
		char	   *shard = sla_local_shard_for_key(att->ticket_table, key);
		Oid			keytype = get_atttype(att->ticket_table, get_attnum(att->ticket_table, att->ticket[TF_KEY].name));
		Oid			argtypes[1] = {TEXTOID};
		Datum		args[1] = {CStringGetTextDatum(key)};
		bool		isnull;

		visible = false;
		if (shard != NULL && OidIsValid(keytype) &&
			SPI_execute_with_args(psprintf("SELECT EXISTS (SELECT FROM %s WHERE %s OPERATOR(pg_catalog.=) $1::%s)", shard,
										   quote_identifier(att->ticket[TF_KEY].name), format_type_be_qualified(keytype)),
								  1, argtypes, args, NULL, true, 1) == SPI_OK_SELECT && SPI_processed == 1)
			visible = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	else
		visible = sla_host_ticket_exists(att, key);
	SPI_finish();
	PG_RETURN_BOOL(visible);
}

/*
 * The ticket's row in the helpdesk's table, read as the current user (its row-level security
 * applies): false when it cannot see it.  The tuple lives until SPI_finish.
 */
bool
sla_host_ticket_row(SlaAttachment *att, const char *key, HeapTupleData *tuple, TupleDesc *desc)
{
	Oid			keytype = get_atttype(att->ticket_table, get_attnum(att->ticket_table, att->ticket[TF_KEY].name));
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(key)};
	char	   *sql;
	bool		isnull;
	Datum		d;
	HeapTupleHeader h;

	if (!OidIsValid(keytype) || pg_class_aclcheck(att->ticket_table, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		return false;
	sql = psprintf("SELECT x FROM %s x WHERE x.%s OPERATOR(pg_catalog.=) $1::%s",
				   sla_relation_text(att->ticket_table), quote_identifier(att->ticket[TF_KEY].name),
				   format_type_be_qualified(keytype));
	if (SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		return false;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return false;
	h = DatumGetHeapTupleHeader(datumCopy(d, false, -1));
	*desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(h), HeapTupleHeaderGetTypMod(h));
	tuple->t_len = HeapTupleHeaderGetDatumLength(h);
	ItemPointerSetInvalid(&tuple->t_self);
	tuple->t_tableOid = att->ticket_table;
	tuple->t_data = h;
	return true;
}

Oid
sla_table_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

bool
sla_host_ticket_row_as_owner(SlaAttachment *att, const char *key, HeapTupleData *tuple, TupleDesc *desc)
{
	Oid			save_userid;
	int			save_sec_context;
	volatile bool found = false;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(sla_table_owner(att->ticket_table),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		found = sla_host_ticket_row(att, key, tuple, desc);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
	return found;
}
