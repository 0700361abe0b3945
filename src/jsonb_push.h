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

/* A string (len bytes, not copied: it must outlive the parse state) as a key or a value. */
static inline void
sla_push_string(JsonbParseState **ps, JsonbIteratorToken seq, const char *s, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = len;
	(void) pushJsonbValue(ps, seq, &v);
}

static inline void
sla_push_key(JsonbParseState **ps, const char *key)
{
	sla_push_string(ps, WJB_KEY, key, (int) strlen(key));
}

static inline void
sla_push_int(JsonbParseState **ps, JsonbIteratorToken seq, int64 n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(n);
	(void) pushJsonbValue(ps, seq, &v);
}

static inline void
sla_push_bool(JsonbParseState **ps, JsonbIteratorToken seq, bool b)
{
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = b;
	(void) pushJsonbValue(ps, seq, &v);
}

static inline void
sla_push_null(JsonbParseState **ps, JsonbIteratorToken seq)
{
	JsonbValue	v;

	v.type = jbvNull;
	(void) pushJsonbValue(ps, seq, &v);
}

/* A jsonb value (its containers unpacked) as a value of the object or array being built. */
static inline void
sla_push_jsonb(JsonbParseState **ps, JsonbIteratorToken seq, Jsonb *j)
{
	JsonbValue	v;

	v.type = jbvBinary;
	v.val.binary.data = &j->root;
	v.val.binary.len = VARSIZE(j) - VARHDRSZ;
	(void) pushJsonbValue(ps, seq, &v);
}

#endif
