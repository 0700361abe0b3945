/*
 * config_guard.c — the references from tracking rows (sla.ticket_*, sla.clock_*, sla.event_*) to the
 * configuration (sla.attachment, sla.level, sla.calendar), kept without per-row foreign keys.
 *
 * Why: a foreign-key check is one SPI query per referenced row, and it locks the referenced row
 * (FOR KEY SHARE).  Every new ticket referenced the same few level, calendar and attachment rows
 * about fifteen times; the checks were half of an insert's cost, and concurrent writers turned
 * those hot rows into multixacts.
 *
 * The protocol instead, with heavyweight locks on the configuration rows as objects (the lock
 * manager's memory, not the rows: no tuple lock, no WAL, no multixact):
 *  - the engine takes a shared lock on each attachment, level and calendar it is about to refer
 *    to, once per transaction, and then reads it again from the configuration cache (a change
 *    committed while it waited arrives with the lock), so what it writes refers to rows that
 *    exist and cannot go away before it commits (sla_engine_use_*);
 *  - deleting a level or a calendar, or changing its id, takes the exclusive lock on it (waiting
 *    for the writers that use it, and only those) and then looks for references with the latest
 *    snapshot, so also under REPEATABLE READ; a referenced row is an error, 23503, as with a
 *    foreign key;
 *  - deleting an attachment deletes its tracking rows the same way (ON DELETE CASCADE before);
 *  - TRUNCATE of a configuration table locks the tracking tables themselves.
 * Configuration deletes scan sla.clock (no index on level_id or calendar_id: they are rare,
 * inserts are not).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "attachment_cache.h"
#include "calendar_cache.h"
#include "clock_store.h"

static const char *const tracking_kinds[] = {"ticket", "clock", "event", "fact"};

/*
 * The tracking tables of one kind: one per key type (sla.clock_int4 ... sla.clock_text), or in a
 * 0.1.0 schema the kind's own table (sla.clock; no sla.fact there).
 */
static int
tracking_tables_of(const char *kind, const char **names)
{
	int			k;

	if (sla_schema_before_0_2())
	{
		names[0] = psprintf("sla.%s", kind);
		return strcmp(kind, "fact") == 0 ? 0 : 1;
	}
	for (k = 0; k < SLA_KEY_TYPES; k++)
		names[k] = psprintf("sla.%s_%s", kind, sla_key_type_names[k]);
	return SLA_KEY_TYPES;
}

static void
lock_tracking_tables(Oid nsp, LOCKMODE mode)
{
	int			i,
				k,
				n;
	const char *names[SLA_KEY_TYPES];

	for (i = 0; i < (int) lengthof(tracking_kinds); i++)
	{
		n = tracking_tables_of(tracking_kinds[i], names);
		for (k = 0; k < n; k++)
		{
			Oid			relid = get_relname_relid(strchr(names[k], '.') + 1, nsp);

			if (OidIsValid(relid))
				LockRelationOid(relid, mode);
		}
	}
}

/*
 * One statement over every table of a kind: the format (with one %s for the table) for each,
 * joined by UNION ALL (a query; a LIMIT applies to the whole) or run one by one (a DELETE).
 */
static char *
over_tables(const char *kind, const char *format, const char *joiner)
{
	const char *names[SLA_KEY_TYPES];
	int			n = tracking_tables_of(kind, names);
	int			k;
	StringInfoData buf;

	initStringInfo(&buf);
	for (k = 0; k < n; k++)
	{
		if (k > 0)
			appendStringInfoString(&buf, joiner);
		appendStringInfoChar(&buf, '(');
		appendStringInfo(&buf, format, names[k]);
		appendStringInfoChar(&buf, ')');
	}
	return n > 0 ? buf.data : NULL;
}

typedef enum ConfigTable
{
	CONFIG_ATTACHMENT, CONFIG_LEVEL, CONFIG_CALENDAR,
	CONFIG_COUNT
} ConfigTable;

static const char *const config_tables[CONFIG_COUNT] = {"attachment", "level", "calendar"};

/* The tables' OIDs, looked up once per configuration generation: these locks are on every row's path. */
static Oid	config_relids[CONFIG_COUNT];
static uint64 config_relids_generation = 0;

/* The lock tag of a configuration row: the database, its table and its id. */
static void
lock_config_row(ConfigTable table, int32 id, LOCKMODE mode)
{
	if (config_relids_generation != sla_calendar_generation || !OidIsValid(config_relids[table]))
	{
		Oid			nsp = get_namespace_oid("sla", true);
		int			i;

		for (i = 0; i < CONFIG_COUNT; i++)
			config_relids[i] = OidIsValid(nsp) ? get_relname_relid(config_tables[i], nsp) : InvalidOid;
		config_relids_generation = sla_calendar_generation;
	}
	if (OidIsValid(config_relids[table]))
		LockDatabaseObject(config_relids[table], (Oid) id, 0, mode);
}

void
sla_engine_use_attachment(int32 id)
{
	lock_config_row(CONFIG_ATTACHMENT, id, AccessShareLock);
}

void
sla_engine_use_level(int32 id)
{
	lock_config_row(CONFIG_LEVEL, id, AccessShareLock);
}

void
sla_engine_use_calendar(int32 id)
{
	lock_config_row(CONFIG_CALENDAR, id, AccessShareLock);
}

/* Run a statement on the id with the latest snapshot; returns the first column of the first row. */
static char *
latest(const char *sql, int32 id, bool *found)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		args[1] = {Int32GetDatum(id)};
	SPIPlanPtr	plan = SPI_prepare(sql, 1, argtypes);

	if (plan == NULL)
		elog(ERROR, "could not prepare a configuration guard: %s", SPI_result_code_string(SPI_result));
	if (SPI_execute_snapshot(plan, args, NULL, GetLatestSnapshot(), InvalidSnapshot, false, false, 0) < 0)
		elog(ERROR, "configuration guard failed");
	*found = SPI_processed > 0 && SPI_tuptable != NULL;
	return *found ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL;
}

/* Delete the tracking rows a condition on $1 (an attachment id) selects, with the latest snapshot. */
static void
delete_tracking_rows(const char *condition, int32 id)
{
	int			i,
				k,
				n;
	const char *names[SLA_KEY_TYPES];
	bool		found;

	/* events and facts before clocks and tickets, as a cascade would */
	static const char *const order[] = {"fact", "event", "clock", "ticket"};

	for (i = 0; i < (int) lengthof(order); i++)
	{
		n = tracking_tables_of(order[i], names);
		for (k = 0; k < n; k++)
			(void) latest(psprintf("DELETE FROM %s WHERE %s", names[k], condition), id, &found);
	}
}

/* BEFORE TRUNCATE: an attachment takes every tracking row with it; levels and calendars in use stay. */
static Datum
truncate_guard(TriggerData *trigdata, const char *what)
{
	bool		found;

	lock_tracking_tables(RelationGetNamespace(trigdata->tg_relation), ShareLock);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (strcmp(what, "attachment") == 0)
		delete_tracking_rows("$1 IS NOT NULL", 0);
	else
	{
		(void) latest(psprintf("%s UNION ALL %s LIMIT 1",
							   over_tables("clock", "SELECT 1 FROM %s WHERE $1 IS NOT NULL LIMIT 1", " UNION ALL "),
							   over_tables("ticket", "SELECT 1 FROM %s LIMIT 1", " UNION ALL ")), 0, &found);
		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("cannot truncate sla.%s: SLA clocks refer to its rows", what),
					 errhint("Delete the attachments first (their clocks go with them).")));
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * BEFORE DELETE OR UPDATE OF id, FOR EACH ROW, on sla.level ('level'), sla.calendar
 * ('calendar') and sla.attachment ('attachment'; DELETE only).
 */
PG_FUNCTION_INFO_V1(sla_config_guard);
Datum
sla_config_guard(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	const char *what;
	HeapTuple	result;
	int32		id;
	bool		isnull;
	bool		found;
	int			idcol;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		trigdata->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.config_guard() must be a BEFORE trigger with the table's kind as argument")));
	what = trigdata->tg_trigger->tgargs[0];
	/* it guards sla's own level, calendar and attachment tables, each under its own name only */
	if ((strcmp(what, "level") != 0 && strcmp(what, "calendar") != 0 && strcmp(what, "attachment") != 0) ||
		strcmp(RelationGetRelationName(trigdata->tg_relation), what) != 0 ||
		RelationGetNamespace(trigdata->tg_relation) != sla_extension_schema())
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.config_guard('%s') does not guard %s", what,
						sla_relation_text(RelationGetRelid(trigdata->tg_relation))),
				 errhint("It guards sla.level, sla.calendar and sla.attachment, each with its own name as argument.")));
	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		return truncate_guard(trigdata, what);
	desc = trigdata->tg_relation->rd_att;
	idcol = SPI_fnumber(desc, "id");
	id = DatumGetInt32(heap_getattr(trigdata->tg_trigtuple, idcol, desc, &isnull));
	result = trigdata->tg_trigtuple;
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		result = trigdata->tg_newtuple;
		if (DatumGetInt32(heap_getattr(result, idcol, desc, &isnull)) == id && !isnull)
			return PointerGetDatum(result);		/* the id stays: nothing refers to anything else */
	}

	/* wait for the writers that refer to this row; keep new ones off until this transaction ends */
	LockDatabaseObject(RelationGetRelid(trigdata->tg_relation), (Oid) id, 0, AccessExclusiveLock);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (strcmp(what, "attachment") == 0 && TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
	{
		/* the attachment's tracking rows go with it */
		delete_tracking_rows("attachment_id OPERATOR(pg_catalog.=) $1", id);
	}
	else
	{
		/* a level or calendar deleted or renumbered, an attachment renumbered: refused while used */
		const char *sql = strcmp(what, "level") == 0
			? psprintf("%s UNION ALL %s LIMIT 1",
					   over_tables("clock", "SELECT 'clocks' FROM %s WHERE level_id OPERATOR(pg_catalog.=) $1 LIMIT 1",
								   " UNION ALL "),
					   over_tables("ticket", "SELECT 'tickets' FROM %s WHERE level_id OPERATOR(pg_catalog.=) $1 LIMIT 1",
								   " UNION ALL "))
			: strcmp(what, "calendar") == 0
			? psprintf("%s LIMIT 1",
					   over_tables("clock", "SELECT 'clocks' FROM %s WHERE calendar_id OPERATOR(pg_catalog.=) $1 LIMIT 1",
								   " UNION ALL "))
			: psprintf("%s UNION ALL %s LIMIT 1",
					   over_tables("ticket", "SELECT 'tickets' FROM %s WHERE attachment_id OPERATOR(pg_catalog.=) $1 LIMIT 1",
								   " UNION ALL "),
					   over_tables("event", "SELECT 'events' FROM %s WHERE attachment_id OPERATOR(pg_catalog.=) $1 LIMIT 1",
								   " UNION ALL "));
		char	   *user = latest(sql, id, &found);

		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("%s %d is still referenced by SLA %s", what, id, user),
					 errdetail("Clocks keep the attachment, level and calendar they were measured with, for the reports."),
					 errhint(strcmp(what, "level") == 0
							 ? "Stop choosing it instead: deactivate or change the rules that set it."
							 : strcmp(what, "calendar") == 0
							 ? "Keep it, or move its levels to another calendar and keep it for the clocks already measured."
							 : "Keep the attachment's id; delete the attachment to delete its SLA rows with it.")));
	}
	SPI_finish();
	return PointerGetDatum(result);
}
