/*
 * ticket_attributes.c — the attributes the rules read, taken from a ticket row: built-in ones by
 * attribute number from the mapped columns, custom.<key> from the custom-fields column, and
 * declared ones through their functions (called by OID, under the engine's search path, with the
 * writer's privileges, their FmgrInfo kept per backend).  Also the dry run's JSON of them.
 */
#include "postgres.h"

#include <ctype.h>
#include <errno.h>
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
#include "attachment_cache.h"
#include "clock_store.h"
#include "jsonb_push.h"
#include "pg_compat.h"
#include "rule_cache.h"
#include "calendar_cache.h"
#include "ticket_engine.h"

/* ---------------------------------------------------------------- attribute values */

static Oid
get_func_signature_first_arg(Oid fn)
{
	HeapTuple	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	Oid			result = InvalidOid;

	if (HeapTupleIsValid(proc))
	{
		Form_pg_proc form = (Form_pg_proc) GETSTRUCT(proc);

		if (form->pronargs >= 1)
			result = form->proargtypes.values[0];
		ReleaseSysCache(proc);
	}
	return result;
}

static void
set_text(sla_value *v, char *s)
{
	v->is_null = (s == NULL);
	if (s)
	{
		v->v.text.ptr = s;
		v->v.text.len = strlen(s);
	}
}

static void
set_text_array(sla_value *v, Datum array, const char *attribute)
{
	ArrayType  *a = DatumGetArrayTypeP(array);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	sla_text   *items;
	size_t		count = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Oid			output;
	bool		varlena;

	get_typlenbyvalalign(ARR_ELEMTYPE(a), &typlen, &typbyval, &typalign);
	getTypeOutputInfo(ARR_ELEMTYPE(a), &output, &varlena);
	deconstruct_array(a, ARR_ELEMTYPE(a), typlen, typbyval, typalign, &elems, &nulls, &n);
	items = palloc0(sizeof(sla_text) * (n + 1));
	for (i = 0; i < n; i++)
		if (!nulls[i])
		{
			char	   *s = OidOutputFunctionCall(output, elems[i]);

			items[count].ptr = s;
			items[count++].len = strlen(s);
		}
	v->v.array.items = items;
	v->v.array.n = count;
	v->is_null = false;
}

static void
value_type_error(const char *attribute, sla_value_type type, Oid got)
{
	static const char *const names[] = {"text", "number", "time", "boolean", "text_array", "interval"};

	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("attribute \"%s\" is declared %s but its value has type %s", attribute,
					names[type], format_type_be(got)),
			 errhint("Make the attribute function return a value of the declared type.")));
}

/* A datum of any type as the slot's type: the conversions SQL casts would make. */
static void
set_from_datum(sla_value *v, Datum d, Oid type, const char *attribute)
{
	Oid			output;
	bool		varlena;

	v->is_null = false;
	switch (v->type)
	{
		case SLA_T_TEXT:
			if (type == BOOLOID)
				set_text(v, pstrdup(DatumGetBool(d) ? "true" : "false"));
			else
			{
				getTypeOutputInfo(type, &output, &varlena);
				set_text(v, OidOutputFunctionCall(output, d));
			}
			return;
		case SLA_T_NUMBER:
			switch (type)
			{
				case INT2OID:
					v->v.number = DatumGetInt16(d);
					return;
				case INT4OID:
					v->v.number = DatumGetInt32(d);
					return;
				case INT8OID:
					v->v.number = (double) DatumGetInt64(d);
					return;
				case FLOAT4OID:
					v->v.number = DatumGetFloat4(d);
					return;
				case FLOAT8OID:
					v->v.number = DatumGetFloat8(d);
					return;
				case NUMERICOID:
					v->v.number = DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
					return;
			}
			break;
		case SLA_T_TIME:
			switch (type)
			{
				case TIMESTAMPTZOID:
					v->v.time = DatumGetTimestampTz(d);
					return;
				case TIMESTAMPOID:
					v->v.time = DatumGetTimestampTz(DirectFunctionCall1(timestamp_timestamptz, d));
					return;
				case DATEOID:
					v->v.time = DatumGetTimestampTz(DirectFunctionCall1(date_timestamptz, d));
					return;
			}
			break;
		case SLA_T_BOOL:
			switch (type)
			{
				case BOOLOID:
					v->v.boolean = DatumGetBool(d);
					return;
				case INT2OID:
					v->v.boolean = DatumGetInt16(d) != 0;
					return;
				case INT4OID:
					v->v.boolean = DatumGetInt32(d) != 0;
					return;
				case INT8OID:
					v->v.boolean = DatumGetInt64(d) != 0;
					return;
			}
			break;
		case SLA_T_TEXT_ARRAY:
			if (type_is_array(type))
			{
				set_text_array(v, d, attribute);
				return;
			}
			break;
		case SLA_T_INTERVAL:
			break;
	}
	value_type_error(attribute, v->type, type);
}

/* custom.<key>: a key of the custom-fields object; strings, numbers and booleans as text. */
static void
set_custom(sla_value *v, Jsonb *fields, const char *attribute)
{
	const char *key = attribute + strlen("custom.");
	JsonbValue	jv;

	v->is_null = true;
	if (fields == NULL || !JB_ROOT_IS_OBJECT(fields) ||
		!getKeyJsonValueFromContainer(&fields->root, key, strlen(key), &jv))
		return;
	switch (jv.type)
	{
		case jbvNull:
			return;
		case jbvString:
			set_text(v, pnstrdup(jv.val.string.val, jv.val.string.len));
			return;
		case jbvNumeric:
			set_text(v, DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(jv.val.numeric))));
			return;
		case jbvBool:
			set_text(v, pstrdup(jv.val.boolean ? "true" : "false"));
			return;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("attribute \"%s\" must be a single text value", attribute),
					 errdetail("The custom field \"%s\" holds a JSON object or array.", key)));
	}
}

/* The custom-fields column as jsonb (a json column is converted), or NULL. */
static Jsonb *
custom_fields(SlaAttachment *att, HeapTuple tuple, TupleDesc desc)
{
	Datum		d;
	Oid			type;

	if (!sla_row_datum(&att->ticket[TF_CUSTOM_FIELDS], tuple, desc, att->ticket_table, &d, &type))
		return NULL;
	if (type == JSONBOID)
		return DatumGetJsonbP(d);
	if (type != JSONOID)
		sla_column_type_mismatch(&att->ticket[TF_CUSTOM_FIELDS], att->ticket_table, type, "a jsonb or json column");
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
											  CStringGetDatum(sla_row_text(&att->ticket[TF_CUSTOM_FIELDS], tuple, desc,
																		   att->ticket_table))));
}

/*
 * Functions the engine calls (declared attributes, author and public functions), looked up once
 * per backend and configuration generation: a kept FmgrInfo lets SQL and PL/pgSQL functions keep
 * their parsed bodies and plans across the rows of a statement.
 */
typedef struct CachedFunction
{
	Oid			fn;
	Oid			rettype;
	Oid			owner;			/* the role it runs as */
	FmgrInfo	flinfo;
	struct CachedFunction *next;
} CachedFunction;

static MemoryContext FunctionContext = NULL;
static CachedFunction *cached_functions = NULL;
static uint64 functions_generation = 0;

/* Any change to pg_proc (CREATE OR REPLACE, ALTER, DROP): look every function up again. */
static void
functions_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	functions_generation = 0;
}

static Oid
function_owner(Oid fn)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fn);
	owner = ((Form_pg_proc) GETSTRUCT(tup))->proowner;
	ReleaseSysCache(tup);
	return owner;
}

static CachedFunction *
cached_function(Oid fn)
{
	CachedFunction *cf;

	if (FunctionContext == NULL)
	{
		FunctionContext = AllocSetContextCreate(CacheMemoryContext, "sla function cache", ALLOCSET_SMALL_SIZES);
		CacheRegisterSyscacheCallback(PROCOID, functions_invalidate, (Datum) 0);
	}
	if (functions_generation != sla_calendar_generation)
	{
		MemoryContextReset(FunctionContext);
		cached_functions = NULL;
		functions_generation = sla_calendar_generation;
	}
	for (cf = cached_functions; cf; cf = cf->next)
		if (cf->fn == fn)
			return cf;
	cf = MemoryContextAllocZero(FunctionContext, sizeof(CachedFunction));
	cf->fn = fn;
	cf->rettype = get_func_rettype(fn);
	cf->owner = function_owner(fn);
	fmgr_info_cxt(fn, &cf->flinfo, FunctionContext);
	cf->next = cached_functions;
	cached_functions = cf;
	return cf;
}

Datum
sla_call_function(Oid fn, Datum arg, Oid argcollation, bool *isnull, Oid *rettype, const char *what)
{
	CachedFunction *cf;
	LOCAL_FCINFO(fcinfo, 1);
	AclResult	acl;
	Datum		result;
	Oid			save_userid;
	int			save_sec_context;

	if (!SearchSysCacheExists1(PROCOID, ObjectIdGetDatum(fn)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("the function of %s does not exist", what)));
	cf = cached_function(fn);

	/*
	 * It runs as its owner, as a SECURITY DEFINER function would, whoever writes the ticket: a
	 * superuser's INSERT never runs a function that a less privileged role wrote or can replace.
	 * Registering it required the privileges of that owner (docs/security.md), so it never runs
	 * with more rights than the role that named it in the configuration either.
	 */
	acl = sla_proc_aclcheck(fn, cf->owner);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_FUNCTION, get_func_name(fn));
	*rettype = cf->rettype;
	InitFunctionCallInfoData(*fcinfo, &cf->flinfo, 1, argcollation, NULL, NULL);
	fcinfo->args[0].value = arg;
	fcinfo->args[0].isnull = false;

	/*
	 * As a query of its own, like SPI runs one: the function sees the row that fired the trigger
	 * (the statement's snapshot predates it) and the engine's writes so far.
	 */
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(cf->owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		result = FunctionCallInvoke(fcinfo);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
		PopActiveSnapshot();
	}
	PG_END_TRY();
	*isnull = fcinfo->isnull;
	return result;
}

/*
 * Whether a ticket key (its text) is a value of an integer or uuid argument type.  One attribute
 * function serves every attachment, and their keys may be of other types (a uuid key, a bigint
 * beyond integer): such a key has no value of the function's, so the attribute is unknown (NULL)
 * for that ticket, instead of failing the helpdesk's write on the conversion.  Other argument
 * types (text, numeric...) take the key's text as their input does.
 */
static bool
key_fits(Oid argtype, const char *key)
{
	const char *p = key;
	int			digits = 0;

	switch (argtype)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			{
				char	   *end;
				long long	n;

				while (*p == ' ')
					p++;
				if (*p == '-' || *p == '+')
					p++;
				for (; *p >= '0' && *p <= '9'; p++)
					digits++;
				while (*p == ' ')
					p++;
				if (digits == 0 || *p != '\0' || digits > 19)
					return false;
				errno = 0;
				n = strtoll(key, &end, 10);
				if (errno == ERANGE)
					return false;
				return argtype == INT8OID ||
					(argtype == INT4OID ? n >= PG_INT32_MIN && n <= PG_INT32_MAX : n >= PG_INT16_MIN && n <= PG_INT16_MAX);
			}
		case UUIDOID:
			/* what uuid_in takes: 32 hex digits, optionally braced, dashes after any group of four */
			if (*p == '{')
				p++;
			for (; *p && *p != '}'; p++)
			{
				if (isxdigit((unsigned char) *p))
					digits++;
				else if (*p != '-' || digits % 4 != 0 || digits == 0)
					return false;
			}
			return digits == 32 && (*p == '\0' || (*key == '{' && p[0] == '}' && p[1] == '\0'));
		default:
			return true;
	}
}

/* A declared attribute: its function of the ticket key, called by OID with the key's type. */
static void
set_declared(sla_value *v, Oid fn, const char *key, const char *attribute)
{
	Oid			argtype = get_func_signature_first_arg(fn);
	Oid			input,
				ioparam,
				rettype;
	bool		isnull;
	Datum		result;

	if (!OidIsValid(argtype))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("the function of attribute \"%s\" must take one argument, the ticket key", attribute)));
	if (!key_fits(argtype, key))
	{
		v->is_null = true;		/* a key of another attachment's type: unknown here */
		return;
	}
	getTypeInputInfo(argtype, &input, &ioparam);
	result = sla_call_function(fn, OidInputFunctionCall(input, (char *) key, ioparam, -1),
							   type_is_collatable(argtype) ? DEFAULT_COLLATION_OID : InvalidOid,
							   &isnull, &rettype, psprintf("attribute \"%s\"", attribute));
	if (isnull)
	{
		v->is_null = true;
		return;
	}
	set_from_datum(v, result, rettype, attribute);
}

/* The mapped ticket field of each built-in slot read from the row (-1: none). */
static const int logged_fields[SLA_NBUILTIN_SLOTS] = {
	[SLOT_STATUS] = TF_STATUS, [SLOT_PRIORITY] = TF_PRIORITY, [SLOT_CHANNEL] = TF_CHANNEL,
	[SLOT_DEPARTMENT] = TF_DEPARTMENT, [SLOT_AGENT] = TF_AGENT, [SLOT_REQUESTER] = TF_REQUESTER,
	[SLOT_TAGS] = TF_TAGS, [SLOT_CREATED_AT] = TF_CREATED_AT, [SLOT_UPDATED_AT] = TF_UPDATED_AT,
	[SLOT_DELETED] = TF_DELETED, [SLOT_REFERRER] = TF_REFERRER,
	[SLOT_CREATED_BY_INVITATION] = TF_CREATED_BY_INVITATION,
	[SLOT_LAST_MESSAGE_AUTHOR] = -1, [SLOT_LAST_MESSAGE_AT] = -1,
};

sla_value *
sla_ticket_rule_values(SlaAttachment *att, CompiledRules *cr, HeapTuple tuple, TupleDesc desc,
					   const char *key, const SlaStoredTicket *tracked, SlotMode mode)
{
	AttributeSet *attrs = cr->attributes;
	sla_value  *values = palloc0(sizeof(sla_value) * (attrs->n + 1));
	Oid			relid = att->ticket_table;
	Jsonb	   *fields = NULL;
	bool		fields_read = false;
	int			nest = -1;
	int			i;

	for (i = 0; i < attrs->n; i++)
	{
		sla_value  *v = &values[i];
		Datum		d;
		Oid			type;
		TimestampTz t;

		v->type = attrs->types[i];
		v->is_null = true;
		/* no rule reads it: not even a declared function is called.  The plain built-in columns
		 * are read all the same when the rules run (SLOTS_READ): the fact log keeps them, so that
		 * a replay can run other rules (a draft's, a stored version's) over them (issue 12) */
		if (!cr->reads[i] && mode != SLOTS_ALL && !(mode == SLOTS_READ && sla_slot_always_read(i)))
			continue;
		/* read only for the log: a mapping that no longer names a column of the row (renamed
		 * since attaching) leaves it NULL rather than failing the helpdesk's write over a value
		 * no rule reads */
		if (!cr->reads[i] && mode == SLOTS_READ && i < (int) lengthof(logged_fields) && logged_fields[i] >= 0 &&
			!sla_row_has_column(&att->ticket[logged_fields[i]], desc))
			continue;
		switch (i)
		{
			case SLOT_STATUS:
				set_text(v, sla_row_text(&att->ticket[TF_STATUS], tuple, desc, relid));
				continue;
			case SLOT_PRIORITY:
				set_text(v, sla_row_text(&att->ticket[TF_PRIORITY], tuple, desc, relid));
				continue;
			case SLOT_CHANNEL:
				set_text(v, sla_row_text(&att->ticket[TF_CHANNEL], tuple, desc, relid));
				continue;
			case SLOT_DEPARTMENT:
				set_text(v, sla_row_text(&att->ticket[TF_DEPARTMENT], tuple, desc, relid));
				continue;
			case SLOT_AGENT:
				set_text(v, sla_row_text(&att->ticket[TF_AGENT], tuple, desc, relid));
				continue;
			case SLOT_REQUESTER:
				set_text(v, sla_row_text(&att->ticket[TF_REQUESTER], tuple, desc, relid));
				continue;
			case SLOT_REFERRER:
				set_text(v, sla_row_text(&att->ticket[TF_REFERRER], tuple, desc, relid));
				continue;
			case SLOT_TAGS:
				if (sla_row_datum(&att->ticket[TF_TAGS], tuple, desc, relid, &d, &type))
				{
					if (!type_is_array(type))
						sla_column_type_mismatch(&att->ticket[TF_TAGS], relid, type, "an array column such as text[]");
					set_text_array(v, d, attrs->names[i]);
				}
				continue;
			case SLOT_CREATED_AT:
			case SLOT_UPDATED_AT:
				if (sla_row_time(&att->ticket[i == SLOT_CREATED_AT ? TF_CREATED_AT : TF_UPDATED_AT],
								 tuple, desc, relid, att->time_zone, &t))
				{
					v->is_null = false;
					v->v.time = t;
				}
				continue;
			case SLOT_DELETED:
				if (att->ticket[TF_DELETED].name &&
					sla_row_datum(&att->ticket[TF_DELETED], tuple, desc, relid, &d, &type))
				{
					v->is_null = false;
					v->v.boolean = sla_row_deleted(att, tuple, desc);
				}
				continue;
			case SLOT_CREATED_BY_INVITATION:
				if (sla_row_datum(&att->ticket[TF_CREATED_BY_INVITATION], tuple, desc, relid, &d, &type))
					set_from_datum(v, d, type, attrs->names[i]);
				continue;
			case SLOT_LAST_MESSAGE_AUTHOR:
				/* not on the ticket row: the engine keeps them from the message facts */
				if (tracked != NULL && tracked->last_message_author != NULL)
					set_text(v, pstrdup(tracked->last_message_author));
				continue;
			case SLOT_LAST_MESSAGE_AT:
				if (tracked != NULL && tracked->has_last_message_at)
				{
					v->is_null = false;
					v->v.time = tracked->last_message_at;
				}
				continue;
		}
		if (OidIsValid(attrs->functions[i]))
		{
			if (mode == SLOTS_READ_FROM_ROW)
				continue;
			if (nest < 0)
				nest = sla_use_engine_search_path();
			set_declared(v, attrs->functions[i], key, attrs->names[i]);
		}
		else
		{
			if (!fields_read)
			{
				fields = custom_fields(att, tuple, desc);
				fields_read = true;
			}
			set_custom(v, fields, attrs->names[i]);
		}
	}
	if (nest >= 0)
		sla_restore_search_path(nest);
	return values;
}

/* ---------------------------------------------------------------- the dry run */

/* One attribute value (JSON can hold it) as sla.match_rules() reads it back: times as the
 * session shows them, numbers in their shortest exact form. */
static void
push_value_json(SlaJsonb *ps, const sla_value *v)
{
	size_t		i;
	char	   *s;

	switch (v->type)
	{
		case SLA_T_TEXT:
			sla_push_string(ps, WJB_VALUE, v->v.text.ptr, (int) v->v.text.len);
			return;
		case SLA_T_NUMBER:
			{
				JsonbValue	n;

				n.type = jbvNumeric;
				n.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(float8out_internal(v->v.number)),
																	ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
				sla_jsonb_push(ps, WJB_VALUE, &n);
				return;
			}
		case SLA_T_TIME:
		case SLA_T_INTERVAL:
			s = DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(v->v.time)));
			sla_push_string(ps, WJB_VALUE, s, (int) strlen(s));
			return;
		case SLA_T_BOOL:
			sla_push_bool(ps, WJB_VALUE, v->v.boolean);
			return;
		case SLA_T_TEXT_ARRAY:
			sla_jsonb_push(ps, WJB_BEGIN_ARRAY, NULL);
			for (i = 0; i < v->v.array.n; i++)
				sla_push_string(ps, WJB_ELEM, v->v.array.items[i].ptr, (int) v->v.array.items[i].len);
			sla_jsonb_push(ps, WJB_END_ARRAY, NULL);
			return;
	}
}

/*
 * sla.ticket_attributes(attachment integer, ticket anyelement) RETURNS jsonb: every attribute
 * the rules can read, as the engine reads it from this row (for the dry run sla.match_ticket).
 */
PG_FUNCTION_INFO_V1(sla_ticket_attributes_sql);
Datum
sla_ticket_attributes_sql(PG_FUNCTION_ARGS)
{
	SlaAttachment *att;
	CompiledRules *cr;
	HeapTupleData tuple;
	TupleDesc	desc;
	sla_value  *values;
	SlaJsonb	ps = {0};
	Jsonb	   *result;
	MemoryContext caller = CurrentMemoryContext;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	att = sla_attachment_get(PG_GETARG_INT32(0));
	cr = sla_current_rules(false);
	sla_row_argument(fcinfo, 1, att->ticket_table, "ticket_attributes", &tuple, &desc);
	{
		char	   *key = sla_ticket_key(att, &tuple, desc);
		SlaStoredTicket st;
		bool		tracked;

		/* what the engine keeps of the conversation (last_message_*), read without a lock */
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		tracked = sla_stored_ticket_peek(att->id, key, &st);
		values = sla_ticket_rule_values(att, cr, &tuple, desc, key, tracked ? &st : NULL, SLOTS_ALL);
		/* the JSON in the caller's memory, before SPI_finish frees the values.  NULL ones are
		 * left out, and those JSON cannot hold (NaN, infinities), as the fact log does */
		MemoryContextSwitchTo(caller);
		sla_jsonb_push(&ps, WJB_BEGIN_OBJECT, NULL);
		for (i = 0; i < cr->attributes->n; i++)
		{
			if (values[i].is_null || !sla_value_json_representable(&values[i]))
				continue;
			sla_push_key(&ps, cr->attributes->names[i]);
			push_value_json(&ps, &values[i]);
		}
		result = sla_jsonb_finish(&ps, WJB_END_OBJECT);
		SPI_finish();
	}
	ReleaseTupleDesc(desc);
	PG_RETURN_JSONB_P(result);
}

