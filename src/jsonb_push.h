/*
 * jsonb_push.h — building a jsonb value member by member (pushJsonbValue), for the details the
 * engine writes on every fact: the text form would be parsed again by jsonb_in, which was a
 * tenth of a bulk ticket insert.
 */
#ifndef SLA_JSONB_PUSH_H
#define SLA_JSONB_PUSH_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/numeric.h"

/*
 * A value being built: start from {0}, push tokens, then sla_jsonb_finish with the last one.
 * PostgreSQL 19 keeps the parse state and the result in a JsonbInState; before, pushJsonbValue
 * took the state's address and returned each level's value, the outermost one at the end.
 */
typedef struct SlaJsonb
{
#if PG_VERSION_NUM >= 190000
	JsonbInState state;
#else
	JsonbParseState *state;
	JsonbValue *result;
#endif
} SlaJsonb;

static inline void
sla_jsonb_push(SlaJsonb *b, JsonbIteratorToken seq, JsonbValue *v)
{
#if PG_VERSION_NUM >= 190000
	pushJsonbValue(&b->state, seq, v);
#else
	b->result = pushJsonbValue(&b->state, seq, v);
#endif
}

/* The last token (the outermost container's end), and the value as jsonb. */
static inline Jsonb *
sla_jsonb_finish(SlaJsonb *b, JsonbIteratorToken seq)
{
	sla_jsonb_push(b, seq, NULL);
#if PG_VERSION_NUM >= 190000
	return JsonbValueToJsonb(b->state.result);
#else
	return JsonbValueToJsonb(b->result);
#endif
}

/* A string (len bytes, not copied: it must outlive the parse state) as a key or a value. */
static inline void
sla_push_string(SlaJsonb *ps, JsonbIteratorToken seq, const char *s, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = len;
	sla_jsonb_push(ps, seq, &v);
}

static inline void
sla_push_key(SlaJsonb *ps, const char *key)
{
	sla_push_string(ps, WJB_KEY, key, (int) strlen(key));
}

static inline void
sla_push_int(SlaJsonb *ps, JsonbIteratorToken seq, int64 n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(n);
	sla_jsonb_push(ps, seq, &v);
}

static inline void
sla_push_bool(SlaJsonb *ps, JsonbIteratorToken seq, bool b)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = b;
	sla_jsonb_push(ps, seq, &v);
}

static inline void
sla_push_null(SlaJsonb *ps, JsonbIteratorToken seq)
{
	JsonbValue	v;

	v.type = jbvNull;
	sla_jsonb_push(ps, seq, &v);
}

/* A jsonb value (its containers unpacked) as a value of the object or array being built. */
static inline void
sla_push_jsonb(SlaJsonb *ps, JsonbIteratorToken seq, Jsonb *j)
{
	JsonbValue	v;

	v.type = jbvBinary;
	v.val.binary.data = &j->root;
	v.val.binary.len = VARSIZE(j) - VARHDRSZ;
	sla_jsonb_push(ps, seq, &v);
}

#endif
