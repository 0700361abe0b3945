/*
 * attachment_cache.c — per-backend cache of sla.attachment and sla.status_map for the C
 * triggers, and reading mapped values out of host rows (see attachment_cache.h).
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/regproc.h"
#include "utils/timestamp.h"

#include "attachment_cache.h"
#include "citus_shard.h"
#include "calendar_cache.h"

static const char *const ticket_field_names[TF_COUNT] = {
	"key", "created_at", "updated_at", "status", "priority", "channel", "department", "agent",
	"requester", "referrer", "tags", "custom_fields", "deleted", "created_by_invitation",
};
static const char *const message_field_names[MF_COUNT] = {
	"ticket", "created_at", "author_kind", "public", "internal", "channel",
	"updated_at", "published", "published_at",
};

static MemoryContext AttachmentContext = NULL;
static SlaAttachment *attachments = NULL;
static uint64 attachments_generation = 0;

/* ---------------------------------------------------------------- search path for user code */

int
sla_use_engine_search_path(void)
{
	int			nest = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nest;
}

void
sla_restore_search_path(int nest_level)
{
	AtEOXact_GUC(true, nest_level);
}

/* ---------------------------------------------------------------- loading */

static char *
json_text(Jsonb *json, const char *key)
{
	JsonbValue	v;

	if (json == NULL || !getKeyJsonValueFromContainer(&json->root, key, strlen(key), &v) ||
		v.type != jbvString)
		return NULL;
	return pnstrdup(v.val.string.val, v.val.string.len);
}

/*
 * The number an entry of a value list stands for, when it reads as a plain decimal number
 * ([+-]digits[.digits], as the mapping stores a JSON number): a numeric Datum, else 0.  Checked
 * before numeric_in so that no entry can make loading the attachment fail.
 */
static Datum
entry_number(const char *value)
{
	const char *p = value;
	size_t		len = strlen(value);

	if (len == 0 || len > 1000)
		return (Datum) 0;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char) *p))
		return (Datum) 0;
	while (isdigit((unsigned char) *p))
		p++;
	if (*p == '.')
	{
		p++;
		if (!isdigit((unsigned char) *p))
			return (Datum) 0;
		while (isdigit((unsigned char) *p))
			p++;
	}
	if (*p != '\0')
		return (Datum) 0;
	return DirectFunctionCall3(numeric_in, CStringGetDatum(value), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

static void
list_append(ValueList *list, char *value)
{
	list->values[list->n] = value;
	list->numbers[list->n] = entry_number(value);
	list->n++;
}

static void
list_allocate(ValueList *list, int capacity)
{
	list->values = palloc(sizeof(char *) * (capacity + 1));
	list->numbers = palloc(sizeof(Datum) * (capacity + 1));
}

/*
 * A JSON array of values under key (strings, or numbers: the mapping stores a JSON number as its
 * text), or the default list when the key is absent.
 */
static ValueList
json_list(Jsonb *json, const char *key, const char *default_value)
{
	ValueList	list = {0, NULL, NULL};
	JsonbValue	v;

	if (json == NULL || !getKeyJsonValueFromContainer(&json->root, key, strlen(key), &v))
	{
		list_allocate(&list, 1);
		if (default_value)
			list_append(&list, pstrdup(default_value));
		return list;
	}
	if (v.type == jbvBinary && JsonContainerIsArray(v.val.binary.data))
	{
		JsonbIterator *it = JsonbIteratorInit(v.val.binary.data);
		JsonbIteratorToken tok;
		JsonbValue	elem;

		list_allocate(&list, JsonContainerSize(v.val.binary.data));
		while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (elem.type == jbvString)
				list_append(&list, pnstrdup(elem.val.string.val, elem.val.string.len));
			else if (elem.type == jbvNumeric)
				list_append(&list, DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(elem.val.numeric))));
		}
	}
	else
		list_allocate(&list, 0);
	return list;
}

/*
 * A function named in the configuration by its signature (configuration stores names, never
 * OIDs: they change across dump and restore, and pg_upgrade refuses regprocedure columns),
 * resolved as it was validated: under the engine's search path.  42883 when it is gone.
 *
 * The name is looked up as the bootstrap superuser: the writer of a ticket need not see the
 * schema of a function that runs as its owner (ticket_attributes.c).  A lookup runs nothing.
 */
Oid
sla_function_oid(const char *signature)
{
	volatile Oid result = InvalidOid;
	Oid			save_userid;
	int			save_sec_context;
	int			nest;

	nest = sla_use_engine_search_path();
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		result = DatumGetObjectId(DirectFunctionCall1(regprocedurein, CStringGetDatum(signature)));
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
	sla_restore_search_path(nest);
	return result;
}

static Oid
function_oid(Jsonb *json, const char *key)
{
	char	   *signature = json_text(json, key);

	return signature == NULL ? InvalidOid : sla_function_oid(signature);
}

static SlaAttachment *
load_attachment(int32 id)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			argtypes[1] = {INT4OID};
	Datum		args[1] = {Int32GetDatum(id)};
	SlaAttachment *att;
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	Jsonb	   *mapping;
	Jsonb	   *message_mapping;
	Datum		d;
	JsonbValue	published_values;
	uint64		i;
	int			f;
	char	   *attachment_table;
	char	   *status_map_table;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* a 0.1.0 schema (before ALTER EXTENSION sla UPDATE) has no strict column (it behaved
	 * strictly) and no cut-off (every ticket was tracked) */
	/* on a Citus worker, this node's copy (the reference table's shard): the cache may be
	 * loaded inside a task of the coordinator's query (row-level security), where reading the
	 * reference table is a distributed query, which Citus refuses there */
	attachment_table = sla_reference_table_here("attachment");
	status_map_table = sla_reference_table_here("status_map");
	if (SPI_execute_with_args(psprintf(sla_schema_before_0_2() ?
									   "SELECT ticket_table::oid, message_table::oid, time_zone, mapping, message_mapping, writer_role, true, "
									   "NULL::timestamptz FROM %s WHERE id OPERATOR(pg_catalog.=) $1" :
									   "SELECT ticket_table::oid, message_table::oid, time_zone, mapping, message_mapping, writer_role, strict, "
									   "created_after FROM %s WHERE id OPERATOR(pg_catalog.=) $1", attachment_table),
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.attachment");
	if (SPI_processed != 1)
	{
		SPI_finish();
		return NULL;
	}
	MemoryContextSwitchTo(AttachmentContext);
	att = palloc0(sizeof(SlaAttachment));
	att->id = id;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	att->ticket_table = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
	d = SPI_getbinval(tup, desc, 2, &isnull);
	att->message_table = isnull ? InvalidOid : DatumGetObjectId(d);
	att->time_zone = SPI_getvalue(tup, desc, 3);
	mapping = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 4, &isnull));
	d = SPI_getbinval(tup, desc, 5, &isnull);
	message_mapping = isnull ? NULL : DatumGetJsonbPCopy(d);
	att->writer_role = SPI_getvalue(tup, desc, 6);	/* NULL when SQL NULL */
	att->strict = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
	d = SPI_getbinval(tup, desc, 8, &isnull);
	att->has_created_after = !isnull;
	att->created_after = isnull ? 0 : DatumGetTimestampTz(d);

	for (f = 0; f < TF_COUNT; f++)
	{
		att->ticket[f].field = ticket_field_names[f];
		att->ticket[f].name = json_text(mapping, ticket_field_names[f]);
	}
	for (f = 0; f < MF_COUNT; f++)
	{
		att->message[f].field = message_field_names[f];
		att->message[f].name = json_text(message_mapping, message_field_names[f]);
	}
	att->customer_values = json_list(message_mapping, "customer_values", NULL);
	att->agent_values = json_list(message_mapping, "agent_values", NULL);
	att->system_values = json_list(message_mapping, "system_values", NULL);
	att->chat_values = json_list(message_mapping, "chat_values", "chat");
	att->call_values = json_list(message_mapping, "call_values", "call");
	att->author_function = function_oid(message_mapping, "author_function");
	att->public_function = function_oid(message_mapping, "public_function");
	att->published_function = function_oid(message_mapping, "published_function");
	att->published_by_values = message_mapping != NULL &&
		getKeyJsonValueFromContainer(&message_mapping->root, "published_values",
									 strlen("published_values"), &published_values);
	att->published_values = json_list(message_mapping, "published_values", NULL);

	MemoryContextSwitchTo(caller);
	if (SPI_execute_with_args(psprintf("SELECT status, lifecycle FROM %s WHERE attachment_id OPERATOR(pg_catalog.=) $1",
									   status_map_table),
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.status_map");
	MemoryContextSwitchTo(AttachmentContext);
	list_allocate(&att->status, (int) SPI_processed);
	att->lifecycle = palloc(sizeof(char *) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		att->lifecycle[att->status.n] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		list_append(&att->status, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	}
	MemoryContextSwitchTo(caller);
	SPI_finish();
	return att;
}

SlaAttachment *
sla_attachment_find(int32 id)
{
	SlaAttachment *att;
	uint64		generation;

	sla_config_cache_prepare();
	if (AttachmentContext == NULL)
		AttachmentContext = AllocSetContextCreate(CacheMemoryContext, "sla attachment cache",
												  ALLOCSET_SMALL_SIZES);
	if (attachments_generation != sla_calendar_generation)
	{
		MemoryContextReset(AttachmentContext);
		attachments = NULL;
		attachments_generation = sla_calendar_generation;
	}
	for (att = attachments; att; att = att->next)
		if (att->id == id)
			return att;
	generation = sla_calendar_generation;
	att = load_attachment(id);
	/* an invalidation that arrived while loading: use the entry once, keep it only if current */
	if (att != NULL && generation == sla_calendar_generation && attachments_generation == generation)
	{
		att->next = attachments;
		attachments = att;
	}
	return att;
}

SlaAttachment *
sla_attachment_get(int32 id)
{
	SlaAttachment *att = sla_attachment_find(id);

	if (att == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("sla attachment %d does not exist", id),
				 errhint("The trigger was left behind by a removed attachment: attach the table again, or drop the trigger.")));
	return att;
}

/* ---------------------------------------------------------------- reading host rows */

/* A table by its qualified, quoted name, as the engine's SQL functions print a regclass. */
char *
sla_relation_text(Oid relid)
{
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		return psprintf("%u", relid);
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name);
}

static AttrNumber
column_attnum(MappedColumn *col, TupleDesc desc, Oid relid)
{
	AttrNumber	a = col->attnum;
	int			i;

	if (a > 0 && a <= desc->natts && !TupleDescAttr(desc, a - 1)->attisdropped &&
		strcmp(NameStr(TupleDescAttr(desc, a - 1)->attname), col->name) == 0)
		return a;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, i);

		if (!attr->attisdropped && strcmp(NameStr(attr->attname), col->name) == 0)
		{
			col->attnum = i + 1;
			return col->attnum;
		}
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("column \"%s\" of relation %s does not exist (mapping of %s)", col->name,
					sla_relation_text(relid), col->field),
			 errhint("Attach the table again with a mapping that names its current columns.")));
	return InvalidAttrNumber;	/* keep compiler quiet */
}

bool
sla_row_has_column(MappedColumn *col, TupleDesc desc)
{
	int			i;

	if (col->name == NULL)
		return false;
	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped && strcmp(NameStr(TupleDescAttr(desc, i)->attname), col->name) == 0)
			return true;
	return false;
}

bool
sla_row_datum(MappedColumn *col, HeapTuple tuple, TupleDesc desc, Oid relid, Datum *value, Oid *type)
{
	AttrNumber	a;
	bool		isnull;

	if (col->name == NULL)
		return false;
	a = column_attnum(col, desc, relid);
	*value = heap_getattr(tuple, a, desc, &isnull);
	*type = TupleDescAttr(desc, a - 1)->atttypid;
	return !isnull;
}

char *
sla_row_text(MappedColumn *col, HeapTuple tuple, TupleDesc desc, Oid relid)
{
	Datum		value;
	Oid			type;
	Oid			output;
	bool		varlena;

	if (!sla_row_datum(col, tuple, desc, relid, &value, &type))
		return NULL;
	switch (type)
	{
		case TEXTOID:
		case VARCHAROID:
			return TextDatumGetCString(value);
		case BOOLOID:
			return pstrdup(DatumGetBool(value) ? "true" : "false");
		default:
			getTypeOutputInfo(type, &output, &varlena);
			return OidOutputFunctionCall(output, value);
	}
}

bool
sla_row_time(MappedColumn *col, HeapTuple tuple, TupleDesc desc, Oid relid, const char *zone,
			 TimestampTz *out)
{
	Datum		value;
	Oid			type;

	if (!sla_row_datum(col, tuple, desc, relid, &value, &type))
		return false;
	switch (type)
	{
		case TIMESTAMPTZOID:
			*out = DatumGetTimestampTz(value);
			return true;
		case TIMESTAMPOID:
			*out = DatumGetTimestampTz(DirectFunctionCall2(timestamp_zone, CStringGetTextDatum(zone), value));
			return true;
		case INT2OID:
			*out = DatumGetTimestampTz(DirectFunctionCall1(float8_timestamptz, Float8GetDatum((double) DatumGetInt16(value))));
			return true;
		case INT4OID:
			*out = DatumGetTimestampTz(DirectFunctionCall1(float8_timestamptz, Float8GetDatum((double) DatumGetInt32(value))));
			return true;
		case INT8OID:
			*out = DatumGetTimestampTz(DirectFunctionCall1(float8_timestamptz, Float8GetDatum((double) DatumGetInt64(value))));
			return true;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of relation %s has type %s, which cannot be mapped as %s",
							col->name, sla_relation_text(relid), format_type_be(type), col->field),
					 errhint("Attach the table again with a time column (timestamptz, timestamp or an integer epoch).")));
	}
	return false;				/* keep compiler quiet */
}

/* Index of the value in the list, or -1. */
static int
value_index(const ValueList *list, const RowValue *value)
{
	int			i;

	if (value->text == NULL)
		return -1;
	for (i = 0; i < list->n; i++)
	{
		if (value->number != (Datum) 0 && list->numbers[i] != (Datum) 0)
		{
			if (DatumGetBool(DirectFunctionCall2(numeric_eq, value->number, list->numbers[i])))
				return i;
		}
		else if (strcmp(list->values[i], value->text) == 0)
			return i;
	}
	return -1;
}

const char *
sla_value_lifecycle(SlaAttachment *att, const RowValue *status)
{
	int			i = value_index(&att->status, status);

	return i < 0 ? NULL : att->lifecycle[i];
}

const char *
sla_row_lifecycle(SlaAttachment *att, HeapTuple tuple, TupleDesc desc, char **status)
{
	RowValue	value;
	int			i;

	sla_row_value(&att->ticket[TF_STATUS], tuple, desc, att->ticket_table, &value);
	*status = value.text;
	i = value_index(&att->status, &value);
	return i < 0 ? NULL : att->lifecycle[i];
}

void
sla_unmapped_status_error(SlaAttachment *att, const char *status)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("status \"%s\" of %s has no lifecycle mapping", status ? status : "<NULL>",
					sla_relation_text(att->ticket_table)),
			 errhint("Map it first: SELECT sla.map_status(%s, %s, 'open');",
					 quote_literal_cstr(sla_relation_text(att->ticket_table)),
					 status ? quote_literal_cstr(status) : "NULL")));
}

bool
sla_row_deleted(SlaAttachment *att, HeapTuple tuple, TupleDesc desc)
{
	Datum		value;
	Oid			type;

	if (!sla_row_datum(&att->ticket[TF_DELETED], tuple, desc, att->ticket_table, &value, &type))
		return false;
	switch (type)
	{
		case BOOLOID:
			return DatumGetBool(value);
		case INT2OID:
			return DatumGetInt16(value) != 0;
		case INT4OID:
			return DatumGetInt32(value) != 0;
		case INT8OID:
			return DatumGetInt64(value) != 0;
		default:
			{
				char	   *text = sla_row_text(&att->ticket[TF_DELETED], tuple, desc, att->ticket_table);

				return strcmp(text, "false") != 0 && strcmp(text, "0") != 0;
			}
	}
}

/*
 * A mapped column whose type no longer fits its field (changed by ALTER TABLE after attaching):
 * refused with 42804 naming it, before its value is read as the wrong type.
 */
void
sla_column_type_mismatch(MappedColumn *col, Oid relid, Oid type, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("column \"%s\" of relation %s has type %s, which cannot be mapped as %s",
					col->name, sla_relation_text(relid), format_type_be(type), col->field),
			 errhint("Map %s to %s: attach the table again, or change the column back.", col->field, expected)));
}

void
sla_row_value(MappedColumn *col, HeapTuple tuple, TupleDesc desc, Oid relid, RowValue *out)
{
	Datum		value;
	Oid			type;

	out->text = NULL;
	out->number = (Datum) 0;
	if (!sla_row_datum(col, tuple, desc, relid, &value, &type))
		return;
	out->text = sla_row_text(col, tuple, desc, relid);
	sla_value_number(value, type, out);
}

void
sla_value_number(Datum value, Oid type, RowValue *out)
{
	switch (type)
	{
		case INT2OID:
			out->number = DirectFunctionCall1(int2_numeric, value);
			break;
		case INT4OID:
			out->number = DirectFunctionCall1(int4_numeric, value);
			break;
		case INT8OID:
			out->number = DirectFunctionCall1(int8_numeric, value);
			break;
		case NUMERICOID:
			out->number = value;
			break;
		default:
			break;				/* text-like: compared as text */
	}
}

bool
sla_value_listed(const ValueList *list, const RowValue *value)
{
	return value_index(list, value) >= 0;
}
