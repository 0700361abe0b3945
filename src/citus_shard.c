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
#include "fmgr.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "commands/extension.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "citus_shard.h"

bool
sla_citus_installed(void)
{
	return OidIsValid(get_extension_oid("citus", true));
}

/* the answer, once known (a node's group does not change while sla's library is loaded in a
 * backend, except when the node is added to a cluster: a backend started before that answers
 * "coordinator" until it ends) */
static int	worker_known = -1;

bool
sla_citus_worker(void)
{
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
			/* a node not yet in a cluster has group 0 too: ask again later */
			if (!worker)
				return false;
		}
		else
			return false;
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
