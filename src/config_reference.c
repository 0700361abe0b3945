/*
 * config_reference.c — the references between sla's configuration tables (a level's calendar,
 * a rule's level, a target's level, a holiday's calendar, ...), kept by triggers instead of
 * foreign keys so that a dump loads in any order.
 *
 * Why: the configuration tables are extension configuration tables (pg_extension_config_dump).
 * CREATE EXTENSION creates them, with their constraints, before pg_restore loads their data, and
 * pg_restore -j loads the data of several tables at once in an order of its own (largest first):
 * pg_dump sorts extension tables' data by their foreign keys in the archive but records no
 * dependency between the data items, so a level could arrive before its calendar and a foreign
 * key refused it (and the whole table's COPY with it).  PostgreSQL has no way to defer a foreign
 * key past the end of another session's transaction.
 *
 * Each former foreign key is one entry of references[] below, under its former name, with two
 * triggers of sla.config_reference('<name>'):
 *  - on the referencing table, AFTER INSERT OR UPDATE OF its columns, FOR EACH ROW: the row it
 *    refers to must exist (locked FOR KEY SHARE until the transaction ends, as a foreign key
 *    does), else 23503 with a foreign key's message, detail and constraint name.  Not checked
 *    while a dump is loaded: check_function_bodies off, as pg_dump's scripts and every pg_restore
 *    session set it — the setting PostgreSQL provides for loading objects that refer forward;
 *  - on the referenced table, AFTER DELETE OR UPDATE OF its key, FOR EACH ROW: ON DELETE CASCADE
 *    deletes the referencing rows, NO ACTION (and any change of a referenced key) refuses with
 *    23503 and a foreign key's message; and on TRUNCATE: the referencing rows go before it
 *    (CASCADE), or after it the truncate is refused while some remain (NO ACTION).
 * The statements run as the owner of the table they read (as a foreign key's do) and, under
 * REPEATABLE READ, see rows other sessions committed meanwhile (as config_guard.c does): no
 * orphan is left by a concurrent writer.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "calendar_cache.h"
#include "citus_shard.h"
#include "config_reference.h"

typedef struct ConfigReference
{
	const char *name;			/* the foreign key it replaces */
	const char *child;			/* the referencing table */
	const char *child_cols[2];
	const char *parent;			/* the referenced table */
	const char *parent_cols[2];
	int			ncols;
	bool		cascade;		/* ON DELETE CASCADE; else NO ACTION */
} ConfigReference;

static const ConfigReference references[] = {
	{"calendar_hours_calendar_id_fkey", "calendar_hours", {"calendar_id"}, "calendar", {"id"}, 1, true},
	{"calendar_holiday_calendar_id_fkey", "calendar_holiday", {"calendar_id"}, "calendar", {"id"}, 1, true},
	{"calendar_special_day_calendar_id_fkey", "calendar_special_day", {"calendar_id"}, "calendar", {"id"}, 1, true},
	{"calendar_special_hours_calendar_id_day_fkey", "calendar_special_hours", {"calendar_id", "day"},
	"calendar_special_day", {"calendar_id", "day"}, 2, true},
	{"level_calendar_id_fkey", "level", {"calendar_id"}, "calendar", {"id"}, 1, false},
	{"level_target_level_id_fkey", "level_target", {"level_id"}, "level", {"id"}, 1, true},
	{"rule_set_level_id_fkey", "rule", {"set_level_id"}, "level", {"id"}, 1, false},
	{"rule_condition_rule_id_fkey", "rule_condition", {"rule_id"}, "rule", {"id"}, 1, true},
	{"status_map_attachment_id_fkey", "status_map", {"attachment_id"}, "attachment", {"id"}, 1, true},
	{"mapping_problem_attachment_id_fkey", "mapping_problem", {"attachment_id"}, "attachment", {"id"}, 1, true},
	{"escalation_level_id_fkey", "escalation", {"level_id"}, "level", {"id"}, 1, true},
	{"escalation_to_level_id_fkey", "escalation", {"to_level_id"}, "level", {"id"}, 1, false},
	{"contract_tier_contract_id_fkey", "contract_tier", {"contract_id"}, "contract", {"id"}, 1, true},
};

/* Whether a dump is being loaded: pg_dump's scripts and pg_restore turn check_function_bodies off. */
bool
sla_loading_dump(void)
{
	return !check_function_bodies;
}

/* "a, b" and "1, 2026-11-13" of a row's key columns; false when one of them is null */
static bool
key_text(HeapTuple tuple, TupleDesc desc, const char *const *cols, int ncols,
		 Datum *values, Oid *types, StringInfo names, StringInfo texts)
{
	int			i;

	for (i = 0; i < ncols; i++)
	{
		int			attno = SPI_fnumber(desc, cols[i]);
		bool		isnull;

		if (attno <= 0)
			elog(ERROR, "column %s is missing", cols[i]);
		values[i] = SPI_getbinval(tuple, desc, attno, &isnull);
		if (isnull)
			return false;
		types[i] = SPI_gettypeid(desc, attno);
		if (names)
		{
			appendStringInfo(names, "%s%s", i ? ", " : "", quote_identifier(cols[i]));
			appendStringInfo(texts, "%s%s", i ? ", " : "", SPI_getvalue(tuple, desc, attno));
		}
	}
	return true;
}

static bool
key_changed(TriggerData *trigdata, const char *const *cols, int ncols)
{
	TupleDesc	desc = trigdata->tg_relation->rd_att;
	int			i;

	for (i = 0; i < ncols; i++)
	{
		int			attno = SPI_fnumber(desc, cols[i]);
		bool		oldnull,
					newnull;
		Datum		o = SPI_getbinval(trigdata->tg_trigtuple, desc, attno, &oldnull);
		Datum		n = SPI_getbinval(trigdata->tg_newtuple, desc, attno, &newnull);
		Form_pg_attribute att = TupleDescAttr(desc, attno - 1);

		if (oldnull != newnull || (!oldnull && !datumIsEqual(o, n, att->attbyval, att->attlen)))
			return true;
	}
	return false;
}

/* "table.col OPERATOR(pg_catalog.=) $1 AND ..." */
static void
key_condition(StringInfo sql, const char *const *cols, int ncols)
{
	int			i;

	for (i = 0; i < ncols; i++)
		appendStringInfo(sql, "%s x.%s OPERATOR(pg_catalog.=) $%d", i ? " AND" : "", quote_identifier(cols[i]), i + 1);
}

static Oid
owner_of(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * Runs sql as the owner of relid; with the latest snapshot when latest (sees what others
 * committed).  The AFTER triggers of a cascaded DELETE fire at its own end: left to the outer
 * statement, as a foreign key's are, they would open relations a TRUNCATE never closes.
 */
static uint64
run_as_owner(Oid relid, const char *sql, int nargs, Oid *types, Datum *values, bool latest, int expect)
{
	Oid			save_user;
	int			save_sec;
	int			rc;
	SPIPlanPtr	plan;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(owner_of(relid),
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	plan = SPI_prepare(sql, nargs, types);
	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	rc = latest
		? SPI_execute_snapshot(plan, values, NULL, GetLatestSnapshot(), InvalidSnapshot, false, true, 0)
		: SPI_execute_plan(plan, values, NULL, false, 1);
	if (rc != expect)
		elog(ERROR, "\"%s\" failed: %s", sql, SPI_result_code_string(rc));
	SetUserIdAndSecContext(save_user, save_sec);
	return SPI_processed;
}

static const ConfigReference *
reference_named(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(references); i++)
		if (strcmp(references[i].name, name) == 0)
			return &references[i];
	return NULL;
}

/*
 * sla.config_reference('<former foreign key>'): AFTER INSERT OR UPDATE on the referencing
 * table, AFTER DELETE OR UPDATE and AFTER TRUNCATE on the referenced one.
 */
PG_FUNCTION_INFO_V1(sla_config_reference);
Datum
sla_config_reference(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const ConfigReference *ref;
	Relation	rel;
	Oid			nsp;
	const char *relname;
	char	   *schema;
	bool		on_child;
	StringInfoData sql;
	Datum		values[2];
	Oid			types[2];

	if (!CALLED_AS_TRIGGER(fcinfo) || trigdata->tg_trigger->tgnargs != 1 ||
		(!TRIGGER_FIRED_AFTER(trigdata->tg_event) && !TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.config_reference() must be an AFTER trigger (or a TRUNCATE trigger) with a reference's name as argument")));
	rel = trigdata->tg_relation;
	relname = sla_shard_logical_name(rel);	/* on Citus, a reference table's shard: its table */
	nsp = RelationGetNamespace(rel);
	ref = reference_named(trigdata->tg_trigger->tgargs[0]);
	if (ref == NULL || nsp != sla_extension_schema() ||
		(strcmp(relname, ref->child) != 0 && strcmp(relname, ref->parent) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.config_reference('%s') does not guard table \"%s\"", trigdata->tg_trigger->tgargs[0], relname),
				 errhint("It keeps the references between sla's own configuration tables.")));
	on_child = strcmp(relname, ref->child) == 0;
	schema = get_namespace_name(nsp);
	initStringInfo(&sql);

	if (on_child)
	{
		StringInfoData names,
					texts;
		Oid			parent;
		HeapTuple	row;

		if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("sla.config_reference() on the referencing table must fire on INSERT or UPDATE, for each row")));
		row = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
		/* a dump loads the rows in any order: they were consistent when dumped */
		if (sla_loading_dump())
			return PointerGetDatum(NULL);
		if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && !key_changed(trigdata, ref->child_cols, ref->ncols))
			return PointerGetDatum(NULL);
		initStringInfo(&names);
		initStringInfo(&texts);
		if (!key_text(row, rel->rd_att, ref->child_cols, ref->ncols, values, types, &names, &texts))
			return PointerGetDatum(NULL);	/* a null reference refers to nothing (MATCH SIMPLE) */
		parent = get_relname_relid(ref->parent, nsp);
		/* on Citus, from a reference table's shard: the parent's shard on this node */
		appendStringInfo(&sql, "SELECT 1 FROM ONLY %s x WHERE", sla_local_table_name(rel, schema, ref->parent));
		key_condition(&sql, ref->parent_cols, ref->ncols);
		appendStringInfoString(&sql, " FOR KEY SHARE OF x");
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (run_as_owner(parent, sql.data, ref->ncols, types, values, false, SPI_OK_SELECT) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("insert or update on table \"%s\" violates foreign key constraint \"%s\"",
							relname, ref->name),
					 errdetail("Key (%s)=(%s) is not present in table \"%s\".", names.data, texts.data, ref->parent),
					 errtableconstraint(rel, ref->name)));
		SPI_finish();
		return PointerGetDatum(NULL);
	}

	/* the referenced table: a row deleted or its key changed, or the table truncated */
	{
		Oid			child = get_relname_relid(ref->child, nsp);
		const char *qchild = sla_local_table_name(rel, schema, ref->child);	/* on Citus: its shard here */
		bool		truncate = TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event);
		bool		delete = truncate || TRIGGER_FIRED_BY_DELETE(trigdata->tg_event);
		StringInfoData names,
					texts;
		int			i;

		/*
		 * A truncate's cascade runs before it, the NO ACTION check after it, when every table
		 * the statement names is empty.
		 */
		if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
			(truncate && ref->cascade != TRIGGER_FIRED_BEFORE(trigdata->tg_event)))
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("sla.config_reference('%s') on the referenced table must fire on DELETE or UPDATE, or %s TRUNCATE",
							ref->name, ref->cascade ? "BEFORE" : "AFTER")));
		if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) && !key_changed(trigdata, ref->parent_cols, ref->ncols))
			return PointerGetDatum(NULL);
		initStringInfo(&names);
		initStringInfo(&texts);
		if (!truncate &&
			!key_text(trigdata->tg_trigtuple, rel->rd_att, ref->parent_cols, ref->ncols, values, types, &names, &texts))
			return PointerGetDatum(NULL);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (delete && ref->cascade)
		{
			appendStringInfo(&sql, "DELETE FROM ONLY %s x WHERE", qchild);
			if (truncate)
				for (i = 0; i < ref->ncols; i++)
					appendStringInfo(&sql, "%s x.%s IS NOT NULL", i ? " AND" : "", quote_identifier(ref->child_cols[i]));
			else
				key_condition(&sql, ref->child_cols, ref->ncols);
			(void) run_as_owner(child, sql.data, truncate ? 0 : ref->ncols, types, values, true, SPI_OK_DELETE);
		}
		else
		{
			appendStringInfo(&sql, "SELECT 1 FROM ONLY %s x WHERE", qchild);
			if (truncate)
				for (i = 0; i < ref->ncols; i++)
					appendStringInfo(&sql, "%s x.%s IS NOT NULL", i ? " AND" : "", quote_identifier(ref->child_cols[i]));
			else
				key_condition(&sql, ref->child_cols, ref->ncols);
			appendStringInfoString(&sql, " LIMIT 1");
			if (run_as_owner(child, sql.data, truncate ? 0 : ref->ncols, types, values, true, SPI_OK_SELECT) > 0)
				ereport(ERROR,
						(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
						 errmsg("update or delete on table \"%s\" violates foreign key constraint \"%s\" on table \"%s\"",
								relname, ref->name, ref->child),
						 truncate
						 ? errdetail("Table \"%s\" still refers to rows of \"%s\".", ref->child, relname)
						 : errdetail("Key (%s)=(%s) is still referenced from table \"%s\".", names.data, texts.data, ref->child),
						 err_generic_string(PG_DIAG_SCHEMA_NAME, schema),
						 err_generic_string(PG_DIAG_TABLE_NAME, ref->child),
						 err_generic_string(PG_DIAG_CONSTRAINT_NAME, ref->name)));
		}
		SPI_finish();
	}
	return PointerGetDatum(NULL);
}
