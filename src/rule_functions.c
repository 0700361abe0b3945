/*
 * rule_functions.c — SLA rules in SQL: validation of conditions when written, compilation of
 * the active rules into the core's rule set (cached per backend, invalidated with the rest of
 * the configuration), and the dry run sla.match_rules().
 *
 * Attributes: the built-in names of the attachment mapping (fixed types below), "custom.<key>"
 * for keys of a custom-fields column (text), and attributes declared in sla.attribute.  Every
 * attribute has a slot in the value array the core evaluates; custom keys get slots as the
 * rules mention them.  Operands arrive as JSON and are converted with PostgreSQL's own input
 * functions, so a time or interval literal means exactly what it means in SQL.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "attachment_cache.h"
#include "calendar_cache.h"
#include "jsonb_push.h"
#include "pg_compat.h"
#include "rule_cache.h"
#include "rules.h"
#include "sla_error.h"

typedef struct BuiltinAttribute
{
	const char *name;
	sla_value_type type;
} BuiltinAttribute;

/* Keep in step with the attribute_not_builtin constraint of sla.attribute (50_rule.sql). */
static const BuiltinAttribute builtin_attributes[] = {
	{"status", SLA_T_TEXT}, {"priority", SLA_T_TEXT}, {"channel", SLA_T_TEXT},
	{"department", SLA_T_TEXT}, {"agent", SLA_T_TEXT}, {"requester", SLA_T_TEXT},
	{"tags", SLA_T_TEXT_ARRAY}, {"created_at", SLA_T_TIME}, {"updated_at", SLA_T_TIME},
	{"deleted", SLA_T_BOOL}, {"referrer", SLA_T_TEXT}, {"created_by_invitation", SLA_T_BOOL},
	{"last_message_author", SLA_T_TEXT}, {"last_message_at", SLA_T_TIME},
};
#define NBUILTIN lengthof(builtin_attributes)
#define MAX_SLOTS SLA_MAX_ATTRIBUTE_SLOTS
StaticAssertDecl(lengthof(builtin_attributes) == SLA_NBUILTIN_SLOTS, "builtin slots match SlaBuiltinSlot");

static const char *
type_name(sla_value_type t)
{
	switch (t)
	{
		case SLA_T_TEXT:
			return "text";
		case SLA_T_NUMBER:
			return "number";
		case SLA_T_TIME:
			return "time";
		case SLA_T_BOOL:
			return "boolean";
		case SLA_T_TEXT_ARRAY:
			return "text_array";
		case SLA_T_INTERVAL:
			return "interval";
	}
	return "?";
}

static bool
type_from_name(const char *name, sla_value_type *out)
{
	static const sla_value_type all[] = {SLA_T_TEXT, SLA_T_NUMBER, SLA_T_TIME, SLA_T_BOOL, SLA_T_TEXT_ARRAY};
	int			i;

	for (i = 0; i < (int) lengthof(all); i++)
		if (strcmp(type_name(all[i]), name) == 0)
		{
			*out = all[i];
			return true;
		}
	return false;
}

/* ---------------------------------------------------------------- attribute table */

static void
attributes_init(AttributeSet *set)
{
	int			i;

	set->n = 0;
	for (i = 0; i < (int) NBUILTIN; i++)
	{
		set->names[set->n] = pstrdup(builtin_attributes[i].name);
		set->functions[set->n] = InvalidOid;
		set->types[set->n++] = builtin_attributes[i].type;
	}
}

/*
 * SPI_execute leaves CurrentMemoryContext at SPI's procedure context, which SPI_finish frees;
 * switch back so that what the caller allocates next (SPI_getvalue results included) lives in
 * the caller's context.
 */
static int
spi_select(const char *sql, bool flag)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			argtypes[1] = {BOOLOID};
	Datum		args[1] = {BoolGetDatum(flag)};
	int			rc = SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 0);

	MemoryContextSwitchTo(caller);
	return rc;
}

/* Declared attributes from sla.attribute (caller is connected to SPI). */
static void
attributes_add_declared(AttributeSet *set)
{
	uint64		i;

	if (spi_select("SELECT name, type, function FROM sla.attribute WHERE $1 IS NOT NULL ORDER BY name", false) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.attribute");
	for (i = 0; i < SPI_processed && set->n < MAX_SLOTS; i++)
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		char	   *type = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		char	   *signature = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);

		set->names[set->n] = name;
		set->functions[set->n] = sla_function_oid(signature);
		if (!type_from_name(type, &set->types[set->n]))
			elog(ERROR, "attribute \"%s\" has unknown type \"%s\"", name, type);
		set->n++;
	}
}

/* Slot of an attribute; custom.<key> attributes are added on first mention.  -1: unknown. */
static int
attribute_slot(AttributeSet *set, const char *name)
{
	int			i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->names[i], name) == 0)
			return i;
	if (strncmp(name, "custom.", 7) == 0 && name[7] != '\0' && set->n < MAX_SLOTS)
	{
		set->names[set->n] = pstrdup(name);
		set->types[set->n] = SLA_T_TEXT;
		set->functions[set->n] = InvalidOid;
		return set->n++;
	}
	return -1;
}

/* ---------------------------------------------------------------- operands */

static void
operand_error(const char *attribute, const char *what, Jsonb *value)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid value for attribute \"%s\": %s", attribute, what),
			 errdetail("The value is %s.", value ? JsonbToCString(NULL, &value->root, VARSIZE(value)) : "null")));
}

static text *
jsonb_string(JsonbValue *v)
{
	return cstring_to_text_with_len(v->val.string.val, v->val.string.len);
}

/* Convert one JSON scalar to a value of the given type (errors name the attribute). */
static void
convert_scalar(JsonbValue *jv, sla_value_type type, const char *attribute, Jsonb *whole, sla_value *out)
{
	memset(out, 0, sizeof(*out));
	out->type = type;
	switch (type)
	{
		case SLA_T_TEXT:
		case SLA_T_TEXT_ARRAY:
			if (jv->type != jbvString)
				operand_error(attribute, "expected a string", whole);
			out->type = SLA_T_TEXT;
			out->v.text.ptr = pnstrdup(jv->val.string.val, jv->val.string.len);
			out->v.text.len = jv->val.string.len;
			break;
		case SLA_T_NUMBER:
			if (jv->type != jbvNumeric)
				operand_error(attribute, "expected a number", whole);
			out->v.number = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(jv->val.numeric)));
			break;
		case SLA_T_BOOL:
			if (jv->type != jbvBool)
				operand_error(attribute, "expected true or false", whole);
			out->v.boolean = jv->val.boolean;
			break;
		case SLA_T_TIME:
			if (jv->type != jbvString)
				operand_error(attribute, "expected a timestamp string such as \"2026-11-23 09:00+01\"", whole);
			out->v.time = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
																  CStringGetDatum(text_to_cstring(jsonb_string(jv))),
																  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
			if (TIMESTAMP_NOT_FINITE(out->v.time))
				operand_error(attribute, "expected a finite timestamp", whole);
			break;
		case SLA_T_INTERVAL:
			{
				Interval   *iv;

				if (jv->type != jbvString)
					operand_error(attribute, "expected an interval string such as \"2 hours\"", whole);
				iv = DatumGetIntervalP(DirectFunctionCall3(interval_in,
														   CStringGetDatum(text_to_cstring(jsonb_string(jv))),
														   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
				if (iv->month != 0)
					operand_error(attribute, "an interval without months or years (wall-clock time is meant)", whole);
				out->v.time = iv->time + (int64) iv->day * USECS_PER_DAY;
				out->type = SLA_T_INTERVAL;
				break;
			}
	}
}

/* Operand list of a condition from its JSON value, checked for its operator. */
static sla_value *
convert_operands(Jsonb *value, sla_operator op, sla_value_type attr_type, const char *attribute,
				 size_t *n)
{
	sla_value_type operand_type = attr_type;
	sla_value  *out;
	JsonbValue	jv;

	*n = 0;
	if (op == SLA_OP_EMPTY || op == SLA_OP_NOT_EMPTY)
	{
		if (value != NULL && !(JB_ROOT_IS_SCALAR(value) && JsonbExtractScalar(&value->root, &jv) && jv.type == jbvNull))
			operand_error(attribute, "is_empty and is_not_empty take no value", value);
		return NULL;
	}
	if (value == NULL)
		operand_error(attribute, "a value is required", NULL);
	if (op == SLA_OP_OLDER_THAN || op == SLA_OP_NEWER_THAN)
		operand_type = SLA_T_INTERVAL;
	if (op == SLA_OP_IN || op == SLA_OP_NOT_IN)
	{
		JsonbIterator *it;
		JsonbIteratorToken tok;
		int			count;

		if (!JB_ROOT_IS_ARRAY(value) || JB_ROOT_IS_SCALAR(value))
			operand_error(attribute, "in and not_in take a JSON array", value);
		count = JB_ROOT_COUNT(value);
		if (count == 0)
			operand_error(attribute, "in and not_in take a non-empty array", value);
		out = palloc0(sizeof(sla_value) * count);
		it = JsonbIteratorInit(&value->root);
		while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
			if (tok == WJB_ELEM)
				convert_scalar(&jv, operand_type, attribute, value, &out[(*n)++]);
		return out;
	}
	if (!JB_ROOT_IS_SCALAR(value) || !JsonbExtractScalar(&value->root, &jv) || jv.type == jbvNull)
		operand_error(attribute, "expected a single value", value);
	out = palloc0(sizeof(sla_value));
	convert_scalar(&jv, operand_type, attribute, value, out);
	*n = 1;
	return out;
}

/* ---------------------------------------------------------------- regex through PostgreSQL */

static int
pg_regex_match(void *ctx, sla_text pattern, sla_text subject)
{
	text	   *p = cstring_to_text_with_len(pattern.ptr, pattern.len);
	text	   *t = cstring_to_text_with_len(subject.ptr, subject.len);

	/* C collation: rule results must not depend on the database's locale */
	return DatumGetBool(DirectFunctionCall2Coll(textregexeq, C_COLLATION_OID,
												PointerGetDatum(t), PointerGetDatum(p))) ? 1 : 0;
}

/* ---------------------------------------------------------------- allocation for the core */

static void *
rules_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
rules_free(void *ctx, void *ptr)
{
	pfree(ptr);
}

/* ---------------------------------------------------------------- checking one condition */

static sla_operator
operator_or_error(const char *name)
{
	sla_operator op;

	if (!sla_operator_from_name(name, strlen(name), &op))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown operator \"%s\"", name),
				 errhint("Operators: equals, not_equals, in, not_in, contains, not_contains, like, not_like, "
						 "matches, not_matches, greater, greater_or_equal, less, less_or_equal, older_than, "
						 "newer_than, is_empty, is_not_empty.")));
	return op;
}

static int
slot_or_error(AttributeSet *set, const char *attribute)
{
	int			slot = attribute_slot(set, attribute);

	if (slot < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("attribute \"%s\" does not exist", attribute),
				 errhint("Built-in attributes: status, priority, channel, department, agent, requester, tags, "
						 "created_at, updated_at, deleted, referrer, created_by_invitation, last_message_author, "
						 "last_message_at, and custom.<key>; declare others in sla.attribute.")));
	return slot;
}

/* Validate a regular expression operand by compiling it, so a bad one fails when written. */
static void
check_patterns(sla_operator op, const sla_value *operands, size_t n)
{
	size_t		i;

	if (op != SLA_OP_REGEX && op != SLA_OP_NOT_REGEX)
		return;
	for (i = 0; i < n; i++)
	{
		sla_text	empty = {"", 0};

		(void) pg_regex_match(NULL, operands[i].v.text, empty);
	}
}

PG_FUNCTION_INFO_V1(sla_check_condition);
Datum
sla_check_condition(PG_FUNCTION_ARGS)
{
	AttributeSet *set_attrs = palloc(sizeof(AttributeSet));
	char	   *attribute;
	sla_operator op;
	int			slot;
	sla_value  *operands;
	size_t		n;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a rule condition needs an attribute and an operator")));
	attribute = text_to_cstring(PG_GETARG_TEXT_PP(0));
	op = operator_or_error(text_to_cstring(PG_GETARG_TEXT_PP(1)));

	attributes_init(set_attrs);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	attributes_add_declared(set_attrs);
	slot = slot_or_error(set_attrs, attribute);
	if (!sla_operator_fits(op, set_attrs->types[slot]))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("operator %s does not apply to attribute \"%s\" of type %s",
						sla_operator_name(op), attribute, type_name(set_attrs->types[slot]))));
	operands = convert_operands(PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2), op, set_attrs->types[slot],
								attribute, &n);
	check_patterns(op, operands, n);

	/* finally the compiler's own checks, so nothing accepted here can fail at compile time */
	{
		sla_condition_def cond = {1, slot, op, operands, n};
		sla_rule_def rule = {1, 1, false, &cond, 1};
		sla_allocator alloc = {rules_alloc, rules_free, CurrentMemoryContext};
		sla_rule_set *set = NULL;
		size_t		bad_rule,
					bad_cond;
		sla_status	st = sla_rules_compile(&rule, 1, set_attrs->types, set_attrs->n, &alloc, &set,
										   &bad_rule, &bad_cond);

		if (st == SLA_ECONFIG)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid condition on attribute \"%s\" with operator %s", attribute,
							sla_operator_name(op)),
					 errhint("A LIKE pattern may not end with a lone backslash; numbers may not be NaN.")));
		sla_report_status(st, "rule condition", attribute);
		sla_rules_free(set);
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------- the compiled rule set */

/* [0]: every active rule (new tickets); [1]: the active rules marked on_update (updates). */
static CompiledRules *compiled_rules[2] = {NULL, NULL};

/* Read the active rules and compile them; everything kept lives in a fresh context. */
static CompiledRules *
compile_rules(bool on_update_only)
{
	/* under the transaction until complete, so an error cannot leak it */
	MemoryContext context = AllocSetContextCreate(CurrentMemoryContext, "sla rule cache", ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(context);
	CompiledRules *cr = palloc0(sizeof(CompiledRules));
	sla_rule_def *defs;
	sla_condition_def *conds;
	uint64		nconds,
				i;
	int			r;
	sla_value_type *types;
	sla_allocator alloc = {rules_alloc, rules_free, NULL};
	size_t		bad_rule,
				bad_cond;
	sla_status	st;

	cr->context = context;
	cr->attributes = palloc(sizeof(AttributeSet));
	attributes_init(cr->attributes);
	MemoryContextSwitchTo(old);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(context);
	attributes_add_declared(cr->attributes);

	if (spi_select("SELECT r.id, r.name, r.position, l.name, r.stop_processing, r.set_level_id "
				   "FROM sla.rule r LEFT JOIN sla.level l ON l.id OPERATOR(pg_catalog.=) r.set_level_id "
				   "WHERE r.active AND (r.on_update OR NOT $1) ORDER BY r.position", on_update_only) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.rule");
	cr->nrules = (int) SPI_processed;
	cr->positions = palloc0(sizeof(int32) * (cr->nrules + 1));
	cr->names = palloc0(sizeof(char *) * (cr->nrules + 1));
	cr->level_names = palloc0(sizeof(char *) * (cr->nrules + 1));
	cr->level_ids = palloc0(sizeof(int64) * (cr->nrules + 1));
	cr->rule_ids = palloc0(sizeof(int64) * (cr->nrules + 1));
	cr->stops = palloc0(sizeof(bool) * (cr->nrules + 1));
	defs = palloc0(sizeof(sla_rule_def) * (cr->nrules + 1));
	for (r = 0; r < cr->nrules; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		level;

		cr->rule_ids[r] = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		cr->names[r] = SPI_getvalue(tup, desc, 2);
		cr->positions[r] = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		cr->level_names[r] = SPI_getvalue(tup, desc, 4);
		cr->stops[r] = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
		level = SPI_getbinval(tup, desc, 6, &isnull);
		cr->level_ids[r] = isnull ? 0 : DatumGetInt32(level);
		defs[r].id = cr->rule_ids[r];
		defs[r].level_id = cr->level_ids[r];
		defs[r].stop = cr->stops[r];
	}

	if (spi_select("SELECT c.rule_id, c.group_no, c.attribute, c.operator, c.value "
				   "FROM sla.rule_condition c JOIN sla.rule r ON r.id OPERATOR(pg_catalog.=) c.rule_id "
				   "WHERE r.active AND (r.on_update OR NOT $1) ORDER BY r.position, c.group_no, c.position",
				   on_update_only) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.rule_condition");
	nconds = SPI_processed;
	conds = palloc0(sizeof(sla_condition_def) * (nconds + 1));
	for (i = 0, r = 0; i < nconds; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		bool		value_isnull;	/* its own flag: the group number below is read after it */
		int64		rule_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		char	   *attribute = SPI_getvalue(tup, desc, 3);
		Datum		value = SPI_getbinval(tup, desc, 5, &value_isnull);
		int			slot;

		while (r < cr->nrules && cr->rule_ids[r] != rule_id)
			r++;
		if (r >= cr->nrules)
			elog(ERROR, "rule condition of unknown rule %lld", (long long) rule_id);
		if (defs[r].conditions == NULL)
			defs[r].conditions = &conds[i];
		defs[r].nconditions++;
		conds[i].group = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		conds[i].op = operator_or_error(SPI_getvalue(tup, desc, 4));
		slot = slot_or_error(cr->attributes, attribute);
		conds[i].slot = slot;
		conds[i].operands = convert_operands(value_isnull ? NULL : DatumGetJsonbP(value), conds[i].op,
											 cr->attributes->types[slot], attribute, &conds[i].noperands);
	}

	/* on updates a level changes only when a rule sets one: no fallback to the default */
	if (spi_select("SELECT id, name FROM sla.level WHERE is_default AND NOT $1", on_update_only) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.level");
	if (SPI_processed == 1)
	{
		bool		isnull;

		cr->default_level_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		cr->default_level_name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	}

	types = palloc(sizeof(sla_value_type) * cr->attributes->n);
	memcpy(types, cr->attributes->types, sizeof(sla_value_type) * cr->attributes->n);
	alloc.ctx = context;
	st = sla_rules_compile(defs, cr->nrules, types, cr->attributes->n, &alloc, &cr->set, &bad_rule, &bad_cond);
	if (st == SLA_ECONFIG)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rule \"%s\" is invalid%s",
						bad_rule < (size_t) cr->nrules ? cr->names[bad_rule] : "?",
						bad_cond == SLA_NO_CONDITION ? "" : psprintf(" (condition %d in processing order)", (int) bad_cond + 1))));
	sla_report_status(st, "rules", NULL);
	cr->reads = palloc0(sizeof(bool) * (cr->attributes->n + 1));
	cr->relative_to_now = sla_rules_relative_to_now(cr->set);
	for (r = 0; r < cr->attributes->n; r++)
		cr->reads[r] = sla_rules_read_slot(cr->set, r);
	MemoryContextSwitchTo(old);
	SPI_finish();
	MemoryContextSetParent(context, CacheMemoryContext);
	return cr;
}

CompiledRules *
sla_current_rules(bool on_update_only)
{
	CompiledRules **slot = &compiled_rules[on_update_only ? 1 : 0];

	sla_config_cache_prepare();
	if (*slot && (*slot)->generation == sla_calendar_generation)
		return *slot;
	if (*slot)
	{
		sla_rules_free((*slot)->set);
		MemoryContextDelete((*slot)->context);
		*slot = NULL;
	}
	{
		uint64		generation = sla_calendar_generation;
		CompiledRules *cr = compile_rules(on_update_only);

		cr->generation = generation;
		*slot = cr;
	}
	return *slot;
}

/* ---------------------------------------------------------------- choosing a level */

/* Evaluate the rules and check the status the way every caller must. */
static void
evaluate_or_error(CompiledRules *cr, const sla_value *values, TimestampTz at, sla_rules_result *result)
{
	sla_status	st;

	memset(result, 0, sizeof(*result));
	result->matched = palloc0(sizeof(int64) * (cr->nrules + 1));
	st = sla_rules_evaluate(cr->set, values, at, pg_regex_match, NULL, result);
	if (st == SLA_ECONFIG)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("a rule has an invalid regular expression")));
	sla_report_status(st, "match_rules", NULL);
}

/* The name of the level a run chose: the winning rule's level, else the default. */
static const char *
chosen_level_name(CompiledRules *cr, const sla_rules_result *result)
{
	int			r;

	for (r = 0; r < cr->nrules; r++)
		if (result->level_id != 0 && cr->level_ids[r] == result->level_id)
			return cr->level_names[r];
	return cr->default_level_name;
}

bool
sla_value_json_representable(const sla_value *v)
{
	if (v->is_null)
		return true;
	if (v->type == SLA_T_NUMBER)
		return !isnan(v->v.number) && !isinf(v->v.number);
	if (v->type == SLA_T_TIME || v->type == SLA_T_INTERVAL)
		return !TIMESTAMP_NOT_FINITE(v->v.time);
	return true;
}

/*
 * One value JSON can hold (sla_value_json_representable) as the fact log keeps it, for sla_rules_choose_logged to read back
 * exactly whatever the session's settings: times in ISO 8601 with their offset (not
 * DateStyle's), numbers with 17 significant digits (a double's exact round trip, whatever
 * extra_float_digits says), read as jsonb_in reads a JSON number.
 */
static void
push_logged_value(SlaJsonb *ps, JsonbIteratorToken seq, const sla_value *v)
{
	size_t		i;

	if (v->is_null)
	{
		sla_push_null(ps, seq);
		return;
	}
	switch (v->type)
	{
		case SLA_T_TEXT:
			sla_push_string(ps, seq, v->v.text.ptr, (int) v->v.text.len);
			return;
		case SLA_T_NUMBER:
			{
				char		digits[64];
				JsonbValue	n;

				snprintf(digits, sizeof(digits), "%.17g", v->v.number);
				n.type = jbvNumeric;
				n.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(digits),
																	ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
				sla_jsonb_push(ps, seq, &n);
				return;
			}
		case SLA_T_TIME:
		case SLA_T_INTERVAL:
			{
				char	   *iso = palloc(MAXDATELEN + 1);

				JsonEncodeDateTime(iso, TimestampTzGetDatum(v->v.time), TIMESTAMPTZOID, NULL);
				sla_push_string(ps, seq, iso, (int) strlen(iso));
				return;
			}
		case SLA_T_BOOL:
			sla_push_bool(ps, seq, v->v.boolean);
			return;
		case SLA_T_TEXT_ARRAY:
			sla_jsonb_push(ps, WJB_BEGIN_ARRAY, NULL);
			for (i = 0; i < v->v.array.n; i++)
				sla_push_string(ps, WJB_ELEM, v->v.array.items[i].ptr, (int) v->v.array.items[i].len);
			sla_jsonb_push(ps, WJB_END_ARRAY, NULL);
			return;
	}
}

Jsonb *
sla_level_choice_json(const SlaLevelChoice *choice)
{
	SlaJsonb	ps = {0};
	CompiledRules *cr = choice->rules;
	int			i;

	sla_jsonb_push(&ps, WJB_BEGIN_OBJECT, NULL);
	sla_push_key(&ps, "level");
	sla_push_string(&ps, WJB_VALUE, choice->level_name, (int) strlen(choice->level_name));
	sla_push_key(&ps, "matched_rules");
	sla_jsonb_push(&ps, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < choice->nmatched; i++)
		sla_push_string(&ps, WJB_ELEM, choice->matched_rules[i], (int) strlen(choice->matched_rules[i]));
	sla_jsonb_push(&ps, WJB_END_ARRAY, NULL);
	/* the values the rules read, and the built-ins read anyway when they have a value: a replay
	 * runs another policy's rules over them (issue 12).  One JSON cannot hold is left out, and a
	 * replay keeps the logged level of a ticket whose rules read it */
	sla_push_key(&ps, "attributes");
	sla_jsonb_push(&ps, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < cr->attributes->n; i++)
	{
		const sla_value *v = &choice->values[i];

		if ((!cr->reads[i] && !(sla_slot_always_read(i) && !v->is_null)) || !sla_value_json_representable(v))
			continue;
		sla_push_key(&ps, cr->attributes->names[i]);
		push_logged_value(&ps, WJB_VALUE, v);
	}
	sla_jsonb_push(&ps, WJB_END_OBJECT, NULL);
	return sla_jsonb_finish(&ps, WJB_END_OBJECT);
}

/* A JSON array of strings as a text-array value (match_rules' input, a fact's logged values);
 * false when it is anything else. */
static bool
text_array_from_json(const JsonbValue *jv, sla_value *out)
{
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	elem;
	sla_text   *items;
	size_t		n = 0;

	if (jv->type != jbvBinary || !JsonContainerIsArray(jv->val.binary.data))
		return false;
	items = palloc0(sizeof(sla_text) * (JsonContainerSize(jv->val.binary.data) + 1));
	it = JsonbIteratorInit(jv->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
		{
			if (elem.type != jbvString)
				return false;
			items[n].ptr = pnstrdup(elem.val.string.val, elem.val.string.len);
			items[n++].len = elem.val.string.len;
		}
	out->v.array.items = items;
	out->v.array.n = n;
	return true;
}

/*
 * The values of the slots the rules read from a logged object; false when one is missing or not
 * of the slot's type (then these rules cannot be run over the log).  The conversions are those of
 * sla.match_rules (values_from_json below), without its errors.
 */
static bool
values_from_log(CompiledRules *cr, Jsonb *logged, sla_value **out)
{
	AttributeSet *attrs = cr->attributes;
	sla_value  *values = palloc0(sizeof(sla_value) * (attrs->n + 1));
	int			i;

	if (!JB_ROOT_IS_OBJECT(logged))
		return false;
	for (i = 0; i < attrs->n; i++)
	{
		JsonbValue	jv;

		values[i].type = attrs->types[i];
		values[i].is_null = true;
		if (!cr->reads[i])
			continue;
		/* a built-in read anyway and left out was NULL; any other attribute left out was not
		 * read by the rules of the time */
		if (!getKeyJsonValueFromContainer(&logged->root, attrs->names[i], strlen(attrs->names[i]), &jv))
		{
			if (sla_slot_always_read(i))
				continue;
			return false;
		}
		if (jv.type == jbvNull)
			continue;
		if (attrs->types[i] == SLA_T_TEXT_ARRAY)
		{
			if (!text_array_from_json(&jv, &values[i]))
				return false;
		}
		else
		{
			enum jbvType want = attrs->types[i] == SLA_T_NUMBER ? jbvNumeric :
				attrs->types[i] == SLA_T_BOOL ? jbvBool : jbvString;

			if (jv.type != want)
				return false;
			convert_scalar(&jv, attrs->types[i], attrs->names[i], logged, &values[i]);
			values[i].type = attrs->types[i];
		}
		values[i].is_null = false;
	}
	*out = values;
	return true;
}

bool
sla_rules_choose_logged(CompiledRules *cr, Jsonb *logged, TimestampTz at, int32 *level_id)
{
	sla_value  *values;
	sla_rules_result result;

	if (!values_from_log(cr, logged, &values))
		return false;
	evaluate_or_error(cr, values, at, &result);
	*level_id = (int32) (result.level_id != 0 ? result.level_id : cr->default_level_id);
	return true;
}

void
sla_rules_choose(CompiledRules *cr, const sla_value *values, TimestampTz at, SlaLevelChoice *out)
{
	sla_rules_result result;
	size_t		k;
	int			r;

	evaluate_or_error(cr, values, at, &result);
	out->level_id = (int32) (result.level_id != 0 ? result.level_id : cr->default_level_id);
	out->level_name = chosen_level_name(cr, &result);
	out->matched_rules = palloc(sizeof(const char *) * (result.nmatched + 1));
	/* matched[] lists rule ids in processing order, as cr->rule_ids does: one merge pass */
	for (k = 0, r = 0; k < result.nmatched && r < cr->nrules; r++)
		if (cr->rule_ids[r] == result.matched[k])
			out->matched_rules[k++] = cr->names[r];
	out->nmatched = (int) k;
	out->rules = cr;
	out->values = values;
}

bool
sla_rules_next_change_at(CompiledRules *cr, const sla_value *values, TimestampTz at, TimestampTz *next)
{
	int64		n;

	if (!sla_rules_next_change(cr->set, values, at, pg_regex_match, NULL, &n))
		return false;
	*next = (TimestampTz) n;
	return true;
}

/* ---------------------------------------------------------------- the dry run */

/* Fill the value of each slot from the JSON object (missing keys and JSON null: NULL). */
static sla_value *
values_from_json(AttributeSet *attrs, Jsonb *json)
{
	sla_value  *values = palloc0(sizeof(sla_value) * attrs->n);
	MemoryContext caller_context = CurrentMemoryContext;
	int			i;

	if (!JB_ROOT_IS_OBJECT(json))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("match_rules needs a JSON object of attributes"),
				 errhint("For example '{\"priority\": \"urgent\", \"tags\": [\"vip\"]}'.")));
	for (i = 0; i < attrs->n; i++)
	{
		JsonbValue	jv;

		values[i].type = attrs->types[i];
		values[i].is_null = true;
		if (!getKeyJsonValueFromContainer(&json->root, attrs->names[i], strlen(attrs->names[i]), &jv) ||
			jv.type == jbvNull)
			continue;
		if (attrs->types[i] == SLA_T_TEXT_ARRAY)
		{
			if (!text_array_from_json(&jv, &values[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("attribute \"%s\" must be a JSON array of strings", attrs->names[i])));
		}
		else
		{
			if (jv.type == jbvBinary)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("attribute \"%s\" must be a single %s value", attrs->names[i],
								type_name(attrs->types[i]))));
			/*
			 * The same conversion as a condition's operand, whose bad literals are 22P02; here
			 * the value is an input of the call, so a value of the wrong JSON type or form is
			 * an invalid parameter (22023), as documented.  Re-thrown at once: nothing to undo.
			 */
			PG_TRY();
			{
				convert_scalar(&jv, attrs->types[i], attrs->names[i], json, &values[i]);
			}
			PG_CATCH();
			{
				MemoryContext context = MemoryContextSwitchTo(caller_context);
				ErrorData  *edata = CopyErrorData();

				FlushErrorState();
				if (edata->sqlerrcode == ERRCODE_INVALID_TEXT_REPRESENTATION)
					edata->sqlerrcode = ERRCODE_INVALID_PARAMETER_VALUE;
				MemoryContextSwitchTo(context);
				ReThrowError(edata);
			}
			PG_END_TRY();
			values[i].type = attrs->types[i];
		}
		values[i].is_null = false;
	}
	return values;
}

PG_FUNCTION_INFO_V1(sla_match_rules);
Datum
sla_match_rules(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Jsonb	   *json = PG_GETARG_JSONB_P(0);
	TimestampTz at = PG_GETARG_TIMESTAMPTZ(1);
	CompiledRules *cr = sla_current_rules(PG_GETARG_BOOL(2));
	sla_value  *values = values_from_json(cr->attributes, json);
	sla_rules_result result;
	const char *chosen;
	size_t		next_match;
	int			r;

	evaluate_or_error(cr, values, at, &result);
	chosen = chosen_level_name(cr, &result);
	next_match = 0;

	sla_init_materialized_srf(fcinfo);
	for (r = 0; r < cr->nrules || (r == 0 && cr->nrules == 0); r++)
	{
		Datum		v[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		bool		matched = false;

		if (cr->nrules == 0)
		{
			nulls[0] = nulls[1] = nulls[2] = nulls[3] = nulls[4] = true;
		}
		else
		{
			/* matched[] is in processing order too */
			matched = next_match < result.nmatched && result.matched[next_match] == cr->rule_ids[r];
			if (matched)
				next_match++;
			v[0] = Int32GetDatum(cr->positions[r]);
			v[1] = CStringGetTextDatum(cr->names[r]);
			v[2] = BoolGetDatum(matched);
			if (cr->level_names[r])
				v[3] = CStringGetTextDatum(cr->level_names[r]);
			else
				nulls[3] = true;
			v[4] = BoolGetDatum(cr->stops[r]);
		}
		if (chosen)
			v[5] = CStringGetTextDatum(chosen);
		else
			nulls[5] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
	}
	return (Datum) 0;
}
