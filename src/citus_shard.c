/*
 * citus_shard.c — sla's triggers on Citus shards: see citus_shard.h.
 *
 * A shard is recognised by its name (<table>_<shard id>, digits only, in the schema of its
 * table, which exists beside it) once the citus extension is installed: Citus names its shards
 * so, and looking them up in pg_dist_shard would cost a query in every trigger.  Names Citus
 * had to shorten (a table name near NAMEDATALEN) are not recognised: the trigger then refuses,
 * as on a look-alike table.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "storage/proc.h"
#include "fmgr.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "commands/extension.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "citus_shard.h"
#include "pg_compat.h"

bool
sla_citus_installed(void)
{
	return OidIsValid(get_extension_oid("citus", true));
}

/* the answer, once known (a node's group does not change while sla's library is loaded in a
 * backend, except when the node is added to a cluster: a backend started before that answers
 * "coordinator" until it ends) */
static int	worker_known = -1;
static LocalTransactionId not_worker_in = InvalidLocalTransactionId;

bool
sla_citus_worker(void)
{
	/* "no" holds for the transaction (row-level security asks for every row) */
	if (worker_known < 0 && not_worker_in == SLA_MY_LXID)
		return false;
	if (worker_known < 0)
	{
		bool		worker = false;

		if (sla_citus_installed())
		{
			bool		isnull;

			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			if (SPI_execute("SELECT groupid OPERATOR(pg_catalog.<>) 0 FROM pg_catalog.pg_dist_local_group", true, 1) == SPI_OK_SELECT &&
				SPI_processed == 1)
				worker = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) && !isnull;
			SPI_finish();
			/* a node not yet in a cluster has group 0 too: ask again in the next transaction */
			if (!worker)
			{
				not_worker_in = SLA_MY_LXID;
				return false;
			}
		}
		else
		{
			not_worker_in = SLA_MY_LXID;
			return false;
		}
		worker_known = worker ? 1 : 0;
	}
	return worker_known == 1;
}

PG_FUNCTION_INFO_V1(sla_citus_worker_sql);
Datum
sla_citus_worker_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(sla_citus_worker());
}

/* the length of base when name is base_<digits>, else -1 */
static int
shard_base_length(const char *name)
{
	int			n = (int) strlen(name);
	int			i = n;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i == n || i < 2 || name[i - 1] != '_')
		return -1;
	return i - 1;
}

bool
sla_shard_name_matches(const char *name, const char *base)
{
	int			len;

	if (strcmp(name, base) == 0)
		return true;
	len = shard_base_length(name);
	return len > 0 && (size_t) len == strlen(base) && strncmp(name, base, len) == 0 && sla_citus_installed();
}

bool
sla_relation_is_or_shard_of(Relation rel, Oid table)
{
	char	   *name;

	if (RelationGetRelid(rel) == table)
		return true;
	if (!OidIsValid(table) || get_rel_namespace(table) != RelationGetNamespace(rel))
		return false;
	name = get_rel_name(table);
	return name != NULL && sla_shard_name_matches(RelationGetRelationName(rel), name);
}

const char *
sla_shard_logical_name(Relation rel)
{
	const char *name = RelationGetRelationName(rel);
	int			len = shard_base_length(name);
	char	   *base;

	if (len <= 0)
		return name;
	base = pnstrdup(name, len);
	if (!OidIsValid(get_relname_relid(base, RelationGetNamespace(rel))) || !sla_citus_installed())
		return name;
	return base;
}

const char *
sla_local_table_name(Relation rel, const char *schema, const char *table)
{
	const char *quoted = quote_qualified_identifier(schema, table);
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	MemoryContext caller = CurrentMemoryContext;
	char	   *shard = NULL;

	if (strcmp(sla_shard_logical_name(rel), RelationGetRelationName(rel)) == 0)
		return quoted;			/* no shard: the table itself */
	args[0] = CStringGetTextDatum(quoted);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT s.shardid::pg_catalog.text FROM pg_catalog.pg_dist_shard s "
							  "WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
							  1, argtypes, args, NULL, true, 2) == SPI_OK_SELECT && SPI_processed == 1)
	{
		char	   *id = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		shard = MemoryContextStrdup(caller, psprintf("%s_%s", table, id));
	}
	SPI_finish();
	return shard == NULL ? quoted : quote_qualified_identifier(schema, shard);
}

/*
 * The name of the shard of a distributed table on this node that holds a key (schema-qualified,
 * quoted), or NULL: Citus's get_shard_id_for_distribution_column reads only its metadata.
 * (Caller connected to SPI; the result lives in the caller's context.)
 */
char *
sla_local_shard_for_key(Oid table, const char *key)
{
	Oid			argtypes[2] = {REGCLASSOID, TEXTOID};
	Datum		args[2] = {ObjectIdGetDatum(table), CStringGetTextDatum(key)};
	MemoryContext caller = CurrentMemoryContext;
	char	   *shard = NULL;

	if (SPI_execute_with_args("SELECT pg_catalog.get_shard_id_for_distribution_column($1, $2)::pg_catalog.text",
							  2, argtypes, args, NULL, true, 1) == SPI_OK_SELECT && SPI_processed == 1)
	{
		char	   *id = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (id != NULL)
			shard = MemoryContextStrdup(caller,
										quote_qualified_identifier(get_namespace_name(get_rel_namespace(table)),
																   psprintf("%s_%s", get_rel_name(table), id)));
	}
	return shard;
}

/*
 * sla.citus_hidden_attachments(): sla.rls_hidden_attachments() for the policies sla.distribute
 * puts on the distributed tracking tables.  Those run on the workers, inside a task of the
 * coordinator's query, where reading the reference table sla.attachment is a distributed query
 * (refused): a worker reads its own copy (the reference table's shard).
 */
PG_FUNCTION_INFO_V1(sla_citus_hidden_attachments);
Datum
sla_citus_hidden_attachments(PG_FUNCTION_ARGS)
{
	Datum		result;
	bool		isnull;
	const char *table = "sla.attachment";
	char	   *sql;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (sla_citus_worker() &&
		SPI_execute("SELECT pg_catalog.format('sla.%I', 'attachment_' OPERATOR(pg_catalog.||) s.shardid) "
					"FROM pg_catalog.pg_dist_shard s WHERE s.logicalrelid OPERATOR(pg_catalog.=) 'sla.attachment'::pg_catalog.regclass",
					true, 1) == SPI_OK_SELECT && SPI_processed == 1)
		table = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	sql = psprintf("SELECT coalesce(pg_catalog.array_agg(a.id), '{}') FROM %s a "
				   "WHERE pg_catalog.row_security_active(a.ticket_table)", table);
	if (SPI_execute(sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the attachments");
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	result = SPI_datumTransfer(result, false, -1);
	SPI_finish();
	PG_RETURN_DATUM(result);
}

/*
 * The name to read one of sla's reference tables by on this node: on a Citus worker its shard
 * (sla.attachment_102008: a plain table here, readable inside a task of the coordinator's query,
 * where the reference table itself would be a distributed query), else the table
 * ("sla.attachment").  Caller connected to SPI; the result lives in the caller's context.
 */
char *
sla_reference_table_here(const char *table)
{
	MemoryContext caller = CurrentMemoryContext;
	char	   *name = NULL;

	if (sla_citus_worker())
	{
		Oid			argtypes[1] = {TEXTOID};
		Datum		args[1] = {CStringGetTextDatum(psprintf("sla.%s", table))};

		if (SPI_execute_with_args("SELECT s.shardid::pg_catalog.text FROM pg_catalog.pg_dist_shard s "
								  "WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
								  1, argtypes, args, NULL, true, 2) == SPI_OK_SELECT && SPI_processed == 1)
			name = MemoryContextStrdup(caller, psprintf("sla.%s",
														quote_identifier(psprintf("%s_%s", table,
																				  SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)))));
	}
	return name != NULL ? name : psprintf("sla.%s", table);
}
