/*
 * business_interval.c — PostgreSQL glue of the business_interval type: text and binary I/O,
 * comparison and hash support, arithmetic, aggregate support, casts and accessors.
 *
 * The meaning of every operation is defined by the pure core (src/core/business_interval.c);
 * this file only moves values in and out of Datums and turns core status codes into errors.
 * What the core cannot decide lives here: sum/avg over infinities, the casts from and to
 * interval (whose infinities exist from PostgreSQL 17 only), and the accessors of infinities.
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/timestamp.h"

#include "business_interval_glue.h"
#include "pg_compat.h"
#include "sla_error.h"

#ifndef HAVE_INT128
#error "business_interval aggregates need a 128-bit integer type"
#endif

/* Version byte leading the binary representation. */
#define BI_BINARY_VERSION 1

/* At most this many bytes of bad input (never a partial character) are echoed in errors. */
#define BI_ECHO_BYTES 100

/* Soft errors (errsave) exist from PostgreSQL 16; before that, input errors are hard. */
#if PG_VERSION_NUM >= 160000
#define BiErrSave(escontext, ...) errsave(escontext, __VA_ARGS__)
#else
#define BiErrSave(escontext, ...) ereport(ERROR, __VA_ARGS__)
#endif

/*
 * Transition state of sum() and avg(): exact 128-bit sums of each part of the finite values,
 * and how many +infinity and -infinity inputs were seen (as PostgreSQL 17's interval_sum/avg
 * count them apart).  SSPACE in src/sql/10_business_interval.sql is sizeof(BiAggState).
 */
typedef struct BiAggState
{
	int128		days;
	int128		usec;
	int64		count;			/* finite inputs */
	int64		pinf;			/* +infinity inputs */
	int64		ninf;			/* -infinity inputs */
} BiAggState;

PG_FUNCTION_INFO_V1(business_interval_in);
PG_FUNCTION_INFO_V1(business_interval_out);
PG_FUNCTION_INFO_V1(business_interval_recv);
PG_FUNCTION_INFO_V1(business_interval_send);
PG_FUNCTION_INFO_V1(business_interval_eq);
PG_FUNCTION_INFO_V1(business_interval_ne);
PG_FUNCTION_INFO_V1(business_interval_lt);
PG_FUNCTION_INFO_V1(business_interval_le);
PG_FUNCTION_INFO_V1(business_interval_gt);
PG_FUNCTION_INFO_V1(business_interval_ge);
PG_FUNCTION_INFO_V1(business_interval_cmp);
PG_FUNCTION_INFO_V1(business_interval_hash);
PG_FUNCTION_INFO_V1(business_interval_hash_extended);
PG_FUNCTION_INFO_V1(business_interval_pl);
PG_FUNCTION_INFO_V1(business_interval_mi);
PG_FUNCTION_INFO_V1(business_interval_um);
PG_FUNCTION_INFO_V1(business_interval_mul);
PG_FUNCTION_INFO_V1(business_interval_mul_commuted);
PG_FUNCTION_INFO_V1(business_interval_div);
PG_FUNCTION_INFO_V1(business_interval_smaller);
PG_FUNCTION_INFO_V1(business_interval_larger);
PG_FUNCTION_INFO_V1(business_interval_accum);
PG_FUNCTION_INFO_V1(business_interval_combine);
PG_FUNCTION_INFO_V1(business_interval_agg_serialize);
PG_FUNCTION_INFO_V1(business_interval_agg_deserialize);
PG_FUNCTION_INFO_V1(business_interval_sum_final);
PG_FUNCTION_INFO_V1(business_interval_avg_final);
PG_FUNCTION_INFO_V1(business_interval_to_interval);
PG_FUNCTION_INFO_V1(interval_to_business_interval);
PG_FUNCTION_INFO_V1(business_interval_seconds);
PG_FUNCTION_INFO_V1(business_interval_days);
PG_FUNCTION_INFO_V1(business_interval_isfinite);

/* palloc a copy of v as a Datum-ready pointer. */
static sla_business_interval *
NewBusinessInterval(sla_business_interval v)
{
	sla_business_interval *result = palloc(sizeof(sla_business_interval));

	*result = v;
	result->reserved = 0;
	return result;
}

/* The input, cut to BI_ECHO_BYTES bytes (with "..." when cut), for error messages. */
static char *
EchoInput(const char *text)
{
	int			len = strlen(text);
	int			clip = pg_mbcliplen(text, len, BI_ECHO_BYTES);

	if (clip >= len)
		return pstrdup(text);
	return psprintf("%.*s...", clip, text);
}

/* ASCII white space, exactly as the core's parser skips it. */
static bool
IsAsciiSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ASCII letter, independent of the locale. */
static bool
IsAsciiAlpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* True when the text, after white space and an optional sign, starts with the word infinity. */
static bool
IsInfinityForm(const char *text)
{
	while (*text && IsAsciiSpace(*text))
		text++;
	if (*text == '+' || *text == '-')
		text++;
	return pg_strncasecmp(text, "infinity", 8) == 0 && !IsAsciiAlpha((unsigned char) text[8]);
}

/* True when the text, after white space and an optional sign, starts an ISO 8601 duration. */
static bool
IsIsoForm(const char *text)
{
	while (*text && IsAsciiSpace(*text))
		text++;
	if (*text == '+' || *text == '-')
		text++;
	return *text == 'P' || *text == 'p';
}

/* A printable description of the token starting at text[pos], for errdetail. */
static char *
DescribeToken(const char *text, size_t len, size_t pos)
{
	unsigned char c = (unsigned char) text[pos];

	if (IsAsciiAlpha(c))
	{
		size_t		end = pos;

		while (end < len && end - pos < 20 && IsAsciiAlpha((unsigned char) text[end]))
			end++;
		return psprintf("\"%.*s\"", (int) (end - pos), text + pos);
	}
	if (c >= 0x80)
	{
		int			n = Min((size_t) pg_mblen(text + pos), len - pos);

		return psprintf("\"%.*s\"", n, text + pos);
	}
	if (c < 0x20 || c == 0x7f)
		return psprintf("byte 0x%02x", c);
	return psprintf("\"%c\"", c);
}

/*
 * Explain a parse failure: an errdetail sentence and, where there is advice, an errhint.
 * Relies on the err_pos conventions documented in src/core/business_interval.c.
 */
static void
ExplainParseError(const char *text, sla_status status, size_t pos,
				  char **detail, const char **hint)
{
	size_t		len = strlen(text);
	int			charpos = pg_mbstrlen_with_len(text, (int) Min(pos, len)) + 1;
	bool		iso = IsIsoForm(text);
	char		c = pos < len ? text[pos] : '\0';

	*hint = NULL;
	if (status == SLA_ERANGE)
	{
		if (c >= '0' && c <= '9')
			*detail = psprintf("Minutes and seconds of a time item must be less than 60 (character %d).",
							   charpos);
		else if (c == 'd' || c == 'D')
		{
			*detail = pstrdup("A business day has no fixed length, so days must be a whole number.");
			*hint = "Use hours for a fraction of a day, for example 36 hours instead of 1.5 days.";
		}
		else
		{
			if (iso)
				*detail = psprintf("ISO 8601 designator \"%c\" is not supported.", c);
			else
				*detail = psprintf("Unit %s is not supported.", DescribeToken(text, len, pos));
			*hint = "business_interval has no weeks, months or years; use days or hours.";
		}
		return;
	}

	{
		size_t		i = 0;

		while (i < len && IsAsciiSpace(text[i]))
			i++;
		if (i == len)
		{
			*detail = pstrdup("The input is empty.");
			return;
		}
	}
	if (pos >= len)
	{
		*detail = pstrdup("The input ended unexpectedly.");
		return;
	}
	if (IsInfinityForm(text))
	{
		*detail = psprintf("Unexpected %s at character %d: infinity cannot be combined with other items.",
						   DescribeToken(text, len, pos), charpos);
		return;
	}
	if (iso && c >= '0' && c <= '9' && pos > 0 && IsAsciiAlpha((unsigned char) text[pos - 1]))
	{
		*detail = psprintf("Only the last component of an ISO 8601 duration may have a fraction (character %d).",
						   charpos);
		return;
	}
	if (!iso && ((c >= '0' && c <= '9') || c == '.' || c == '+' || c == '-') &&
		!(pos > 0 && (text[pos - 1] == '+' || text[pos - 1] == '-')))
	{
		*detail = psprintf("A unit is repeated at character %d; a time item counts as hours, minutes and seconds, a bare number as seconds.",
						   charpos);
		return;
	}
	*detail = psprintf("Unexpected %s at character %d.", DescribeToken(text, len, pos), charpos);
}

/*
 * Report a failed sla_bi_parse of text, softly through escontext where PostgreSQL supports it.
 */
static void
ReportParseError(const char *text, sla_status status, size_t pos,
				 const sla_business_interval *parsed, Node *escontext)
{
	int			sign;

	if (status == SLA_EOVERFLOW && sla_bi_is_infinite(*parsed, &sign))
	{
		/* The core sets *out to the infinity whose pair a finite input would have been. */
		BiErrSave(escontext,
				  errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				  errmsg("business_interval out of range"),
				  errdetail("Input \"%s\" has the days and microseconds that represent %s.",
							EchoInput(text), sign > 0 ? "infinity" : "-infinity"),
				  errhint("Write '%s' for an infinite business_interval.",
						  sign > 0 ? "infinity" : "-infinity"));
	}
	else if (status == SLA_EOVERFLOW)
	{
		BiErrSave(escontext,
				  errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				  errmsg("business_interval out of range"),
				  errdetail("Input \"%s\" needs more than 32 bits for days or 64 bits for microseconds.",
							EchoInput(text)));
	}
	else
	{
		char	   *detail;
		const char *hint;

		ExplainParseError(text, status, pos, &detail, &hint);
		BiErrSave(escontext,
				  errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				  errmsg("invalid input syntax for type %s: \"%s\"",
						 "business_interval", EchoInput(text)),
				  errdetail_internal("%s", detail),
				  hint ? errhint("%s", hint) : 0);
	}
}

/* Raise 22008 for an arithmetic form on infinities that has no value (detail names it). */
static void
ReportUndefined(const char *form)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("business_interval out of range"),
			 errdetail("%s has no value.", form)));
}

/* Raise the error for a failed arithmetic core call. */
static void
ReportArithmeticError(sla_status status, const char *what, double operand)
{
	if (status == SLA_ERANGE)
	{
		sla_report_status(SLA_ERANGE, what, float8out_internal(operand));
	}
	sla_report_status(status, "business_interval", NULL);
}

/* business_interval_in(cstring) -> business_interval */
Datum
business_interval_in(PG_FUNCTION_ARGS)
{
	char	   *text = PG_GETARG_CSTRING(0);
	sla_business_interval v = {0, 0, 0};
	size_t		pos = 0;
	sla_status	st;

	st = sla_bi_parse(text, strlen(text), &v, &pos);
	if (st != SLA_OK)
	{
		ReportParseError(text, st, pos, &v, fcinfo->context);
		PG_RETURN_NULL();
	}
	PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(v));
}

/* business_interval_out(business_interval) -> cstring */
Datum
business_interval_out(PG_FUNCTION_ARGS)
{
	sla_business_interval *v = PG_GETARG_BUSINESS_INTERVAL_P(0);
	char	   *buf = palloc(SLA_BI_FORMAT_MAX);

	sla_bi_format(*v, buf);
	PG_RETURN_CSTRING(buf);
}

/*
 * business_interval_recv(internal) -> business_interval: version byte, int32 days, int64 usec.
 * The infinities travel as their pairs, so the format needs no change for them.
 */
Datum
business_interval_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	sla_business_interval v;
	int			version = pq_getmsgbyte(buf);

	if (version != BI_BINARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported binary format version %d for type business_interval",
						version),
				 errdetail("Only version %d is understood.", BI_BINARY_VERSION)));
	v.days = (int32) pq_getmsgint(buf, 4);
	v.usec = pq_getmsgint64(buf);
	v.reserved = 0;
	PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(v));
}

/* business_interval_send(business_interval) -> bytea */
Datum
business_interval_send(PG_FUNCTION_ARGS)
{
	sla_business_interval *v = PG_GETARG_BUSINESS_INTERVAL_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, BI_BINARY_VERSION);
	pq_sendint32(&buf, v->days);
	pq_sendint64(&buf, v->usec);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* sla_bi_cmp of the two arguments. */
static int
CompareArgs(FunctionCallInfo fcinfo)
{
	return sla_bi_cmp(*PG_GETARG_BUSINESS_INTERVAL_P(0), *PG_GETARG_BUSINESS_INTERVAL_P(1));
}

/* business_interval = business_interval (structural equality) */
Datum
business_interval_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) == 0);
}

/* business_interval <> business_interval */
Datum
business_interval_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) != 0);
}

/* business_interval < business_interval */
Datum
business_interval_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) < 0);
}

/* business_interval <= business_interval */
Datum
business_interval_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) <= 0);
}

/* business_interval > business_interval */
Datum
business_interval_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) > 0);
}

/* business_interval >= business_interval */
Datum
business_interval_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) >= 0);
}

/* btree support: -1, 0 or 1 */
Datum
business_interval_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(CompareArgs(fcinfo));
}

/* Hash of both parts, independent of byte order; seed 0 gives the 32-bit hash in its low bits. */
static uint64
HashParts(const sla_business_interval *v, uint64 seed)
{
	uint64		u = (uint64) v->usec;
	uint64		h;

	h = DatumGetUInt64(hash_uint32_extended((uint32) v->days, seed));
	h = hash_combine64(h, DatumGetUInt64(hash_uint32_extended((uint32) u, seed)));
	h = hash_combine64(h, DatumGetUInt64(hash_uint32_extended((uint32) (u >> 32), seed)));
	return h;
}

/* hash support: agrees with structural equality */
Datum
business_interval_hash(PG_FUNCTION_ARGS)
{
	PG_RETURN_UINT32((uint32) HashParts(PG_GETARG_BUSINESS_INTERVAL_P(0), 0));
}

/* extended hash support (hash partitioning) */
Datum
business_interval_hash_extended(PG_FUNCTION_ARGS)
{
	PG_RETURN_UINT64(HashParts(PG_GETARG_BUSINESS_INTERVAL_P(0), (uint64) PG_GETARG_INT64(1)));
}

/* business_interval + business_interval, partwise; infinity + -infinity is an error */
Datum
business_interval_pl(PG_FUNCTION_ARGS)
{
	sla_business_interval *a = PG_GETARG_BUSINESS_INTERVAL_P(0);
	sla_business_interval *b = PG_GETARG_BUSINESS_INTERVAL_P(1);
	sla_business_interval r;
	sla_status	st = sla_bi_add(*a, *b, &r);

	if (st == SLA_EOVERFLOW && !sla_bi_is_finite(*a) && !sla_bi_is_finite(*b))
		ReportUndefined("The sum of infinity and -infinity");
	if (st != SLA_OK)
		sla_report_status(st, "business_interval", NULL);
	PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(r));
}

/* business_interval - business_interval, partwise; infinity - infinity is an error */
Datum
business_interval_mi(PG_FUNCTION_ARGS)
{
	sla_business_interval *a = PG_GETARG_BUSINESS_INTERVAL_P(0);
	sla_business_interval *b = PG_GETARG_BUSINESS_INTERVAL_P(1);
	sla_business_interval r;
	sla_status	st = sla_bi_sub(*a, *b, &r);

	if (st == SLA_EOVERFLOW && !sla_bi_is_finite(*a) && !sla_bi_is_finite(*b))
		ReportUndefined("The difference of two infinities of the same sign");
	if (st != SLA_OK)
		sla_report_status(st, "business_interval", NULL);
	PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(r));
}

/* - business_interval (the infinities swap) */
Datum
business_interval_um(PG_FUNCTION_ARGS)
{
	sla_business_interval r;
	sla_status	st = sla_bi_neg(*PG_GETARG_BUSINESS_INTERVAL_P(0), &r);

	if (st != SLA_OK)
		sla_report_status(st, "business_interval", NULL);
	PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(r));
}

/* a * factor, each part rounded half away from zero; infinity * 0 is an error */
static Datum
Multiply(const sla_business_interval *a, double factor)
{
	sla_business_interval r;
	sla_status	st = sla_bi_mul(*a, factor, &r);

	if (st == SLA_EOVERFLOW && !sla_bi_is_finite(*a))
		ReportUndefined("An infinite business_interval times zero");
	if (st != SLA_OK)
		ReportArithmeticError(st, "business_interval factor", factor);
	PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(r));
}

/* business_interval * float8 */
Datum
business_interval_mul(PG_FUNCTION_ARGS)
{
	return Multiply(PG_GETARG_BUSINESS_INTERVAL_P(0), PG_GETARG_FLOAT8(1));
}

/* float8 * business_interval */
Datum
business_interval_mul_commuted(PG_FUNCTION_ARGS)
{
	return Multiply(PG_GETARG_BUSINESS_INTERVAL_P(1), PG_GETARG_FLOAT8(0));
}

/* business_interval / float8, each part rounded half away from zero; infinity / Infinity errs */
Datum
business_interval_div(PG_FUNCTION_ARGS)
{
	sla_business_interval *a = PG_GETARG_BUSINESS_INTERVAL_P(0);
	double		divisor = PG_GETARG_FLOAT8(1);
	sla_business_interval r;
	sla_status	st;

	if (divisor == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("division by zero")));
	st = sla_bi_div(*a, divisor, &r);
	if (st == SLA_EOVERFLOW && !sla_bi_is_finite(*a))
		ReportUndefined("An infinite business_interval divided by an infinite divisor");
	if (st != SLA_OK)
		ReportArithmeticError(st, "business_interval divisor", divisor);
	PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(r));
}

/* the smaller argument (min() transition) */
Datum
business_interval_smaller(PG_FUNCTION_ARGS)
{
	sla_business_interval *a = PG_GETARG_BUSINESS_INTERVAL_P(0);
	sla_business_interval *b = PG_GETARG_BUSINESS_INTERVAL_P(1);

	PG_RETURN_BUSINESS_INTERVAL_P(sla_bi_cmp(*a, *b) <= 0 ? a : b);
}

/* the larger argument (max() transition) */
Datum
business_interval_larger(PG_FUNCTION_ARGS)
{
	sla_business_interval *a = PG_GETARG_BUSINESS_INTERVAL_P(0);
	sla_business_interval *b = PG_GETARG_BUSINESS_INTERVAL_P(1);

	PG_RETURN_BUSINESS_INTERVAL_P(sla_bi_cmp(*a, *b) >= 0 ? a : b);
}

/* The aggregate memory context, or an error when not called as an aggregate. */
static MemoryContext
AggContext(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "%s called in non-aggregate context", fname);
	return aggcontext;
}

/*
 * sum/avg transition: add one finite value to the 128-bit sums, or count an infinite one (state
 * created on the first value)
 */
Datum
business_interval_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = AggContext(fcinfo, "business_interval_accum");
	BiAggState *state = PG_ARGISNULL(0) ? NULL : (BiAggState *) PG_GETARG_POINTER(0);

	if (!PG_ARGISNULL(1))
	{
		sla_business_interval *v = PG_GETARG_BUSINESS_INTERVAL_P(1);

		int			sign;

		if (state == NULL)
			state = MemoryContextAllocZero(aggcontext, sizeof(BiAggState));
		if (sla_bi_is_infinite(*v, &sign))
		{
			if (sign > 0)
				state->pinf++;
			else
				state->ninf++;
		}
		else
		{
			state->count++;
			state->days += v->days;
			state->usec += v->usec;
		}
	}
	if (state == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(state);
}

/* sum/avg combine: merge two partial states */
Datum
business_interval_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = AggContext(fcinfo, "business_interval_combine");
	BiAggState *s1 = PG_ARGISNULL(0) ? NULL : (BiAggState *) PG_GETARG_POINTER(0);
	BiAggState *s2 = PG_ARGISNULL(1) ? NULL : (BiAggState *) PG_GETARG_POINTER(1);

	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
	{
		s1 = MemoryContextAlloc(aggcontext, sizeof(BiAggState));
		*s1 = *s2;
		PG_RETURN_POINTER(s1);
	}
	s1->count += s2->count;
	s1->pinf += s2->pinf;
	s1->ninf += s2->ninf;
	s1->days += s2->days;
	s1->usec += s2->usec;
	PG_RETURN_POINTER(s1);
}

/* Append a 128-bit integer as two int64 halves (high first). */
static void
SendInt128(StringInfo buf, int128 v)
{
	pq_sendint64(buf, (int64) (v >> 64));
	pq_sendint64(buf, (int64) (uint64) v);
}

/* Read what SendInt128 wrote. */
static int128
GetInt128(StringInfo buf)
{
	int64		hi = pq_getmsgint64(buf);
	uint64		lo = (uint64) pq_getmsgint64(buf);

	return (int128) (((uint128) hi << 64) | lo);
}

/* sum/avg serialize: state -> bytea (for parallel aggregation) */
Datum
business_interval_agg_serialize(PG_FUNCTION_ARGS)
{
	BiAggState *state;
	StringInfoData buf;

	(void) AggContext(fcinfo, "business_interval_agg_serialize");
	state = (BiAggState *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	pq_sendint64(&buf, state->count);
	pq_sendint64(&buf, state->pinf);
	pq_sendint64(&buf, state->ninf);
	SendInt128(&buf, state->days);
	SendInt128(&buf, state->usec);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* sum/avg deserialize: bytea -> state */
Datum
business_interval_agg_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	BiAggState *state;

	(void) AggContext(fcinfo, "business_interval_agg_deserialize");
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data));
	state = palloc(sizeof(BiAggState));
	state->count = pq_getmsgint64(&buf);
	state->pinf = pq_getmsgint64(&buf);
	state->ninf = pq_getmsgint64(&buf);
	state->days = GetInt128(&buf);
	state->usec = GetInt128(&buf);
	pq_getmsgend(&buf);
	pfree(buf.data);
	PG_RETURN_POINTER(state);
}

/*
 * The result of sum or avg when infinities were aggregated, as PostgreSQL 17's interval_sum and
 * interval_avg do: infinities of one sign give that infinity, whatever the finite values;
 * infinities of both signs are 22008.  NULL when there was no infinite input.
 */
static sla_business_interval *
InfiniteAggResult(const BiAggState *state)
{
	if (state->pinf > 0 && state->ninf > 0)
		ReportUndefined("The sum of infinity and -infinity");
	if (state->pinf > 0)
		return NewBusinessInterval(SLA_BI_INFINITY);
	if (state->ninf > 0)
		return NewBusinessInterval(SLA_BI_NEG_INFINITY);
	return NULL;
}

/* True when the state holds no input at all (only NULLs, or no rows). */
static bool
AggStateEmpty(const BiAggState *state)
{
	return state == NULL || (state->count == 0 && state->pinf == 0 && state->ninf == 0);
}

/* sum final: an infinity if any input was infinite, else the exact sums (22008 if they do not fit) */
Datum
business_interval_sum_final(PG_FUNCTION_ARGS)
{
	BiAggState *state = PG_ARGISNULL(0) ? NULL : (BiAggState *) PG_GETARG_POINTER(0);
	sla_business_interval *inf;
	sla_business_interval r;

	if (AggStateEmpty(state))
		PG_RETURN_NULL();
	if ((inf = InfiniteAggResult(state)) != NULL)
		PG_RETURN_BUSINESS_INTERVAL_P(inf);
	/* A finite sum that is exactly an infinity's pair does not fit either. */
	if (state->days < PG_INT32_MIN || state->days > PG_INT32_MAX ||
		state->usec < PG_INT64_MIN || state->usec > PG_INT64_MAX)
		sla_report_status(SLA_EOVERFLOW, "business_interval", NULL);
	r.days = (int32) state->days;
	r.usec = (int64) state->usec;
	r.reserved = 0;
	if (!sla_bi_is_finite(r))
		sla_report_status(SLA_EOVERFLOW, "business_interval", NULL);
	PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(r));
}

/* sum / count rounded half away from zero, exactly. */
static int128
DivRoundHalfAway(int128 sum, int64 count)
{
	int128		q = sum / count;
	int128		r = sum % count;
	int128		twice = (r < 0 ? -r : r) * 2;

	if (twice >= count)
		q += sum < 0 ? -1 : 1;
	return q;
}

/*
 * avg final: an infinity if any input was infinite, else each part's sum / count of the finite
 * values, rounded half away from zero
 */
Datum
business_interval_avg_final(PG_FUNCTION_ARGS)
{
	BiAggState *state = PG_ARGISNULL(0) ? NULL : (BiAggState *) PG_GETARG_POINTER(0);
	sla_business_interval *inf;
	sla_business_interval r;

	if (AggStateEmpty(state))
		PG_RETURN_NULL();
	if ((inf = InfiniteAggResult(state)) != NULL)
		PG_RETURN_BUSINESS_INTERVAL_P(inf);
	/*
	 * An average of in-range values is in range, and so is its rounding.  It is not an
	 * infinity's pair either: a part reaches its extreme only if every value has it there, and no
	 * finite value has both parts at the same extreme.
	 */
	r.days = (int32) DivRoundHalfAway(state->days, state->count);
	r.usec = (int64) DivRoundHalfAway(state->usec, state->count);
	r.reserved = 0;
	Assert(sla_bi_is_finite(r));
	PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(r));
}

/*
 * explicit cast business_interval -> interval: days to interval days, usec to the time part.
 * The infinities become interval's from PostgreSQL 17; before, interval has none (22008).
 */
Datum
business_interval_to_interval(PG_FUNCTION_ARGS)
{
	sla_business_interval *v = PG_GETARG_BUSINESS_INTERVAL_P(0);
	Interval   *result = palloc(sizeof(Interval));
	int			sign;

	if (sla_bi_is_infinite(*v, &sign))
	{
#if PG_VERSION_NUM >= 170000
		if (sign > 0)
			INTERVAL_NOEND(result);
		else
			INTERVAL_NOBEGIN(result);
		PG_RETURN_INTERVAL_P(result);
#else
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cannot convert infinite business_interval to interval"),
				 errdetail("Type interval has no infinity before PostgreSQL 17.")));
#endif
	}
	result->month = 0;
	result->day = v->days;
	result->time = v->usec;
	PG_RETURN_INTERVAL_P(result);
}

/*
 * explicit cast interval -> business_interval: months must be 0.  From PostgreSQL 17 the interval
 * infinities become business_interval's.
 */
Datum
interval_to_business_interval(PG_FUNCTION_ARGS)
{
	Interval   *iv = PG_GETARG_INTERVAL_P(0);
	sla_business_interval v;

#if PG_VERSION_NUM >= 170000
	if (INTERVAL_IS_NOEND(iv))
		PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(SLA_BI_INFINITY));
	if (INTERVAL_IS_NOBEGIN(iv))
		PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(SLA_BI_NEG_INFINITY));
#endif
	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot convert interval with months to business_interval"),
				 errdetail("The interval has a months part of %d.", iv->month),
				 errhint("business_interval has no weeks, months or years; use days or hours.")));
	v.days = iv->day;
	v.usec = iv->time;
	v.reserved = 0;
	if (!sla_bi_is_finite(v))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("business_interval out of range"),
				 errdetail("The interval's days and time are the pair that represents %s.",
						   v.days > 0 ? "infinity" : "-infinity")));
	PG_RETURN_BUSINESS_INTERVAL_P(NewBusinessInterval(v));
}

/* business_seconds(business_interval) -> float8: the time part only, in seconds; +-Infinity */
Datum
business_interval_seconds(PG_FUNCTION_ARGS)
{
	sla_business_interval *v = PG_GETARG_BUSINESS_INTERVAL_P(0);
	int			sign;

	if (sla_bi_is_infinite(*v, &sign))
		PG_RETURN_FLOAT8(sign > 0 ? get_float8_infinity() : -get_float8_infinity());
	PG_RETURN_FLOAT8((double) v->usec / 1000000.0);
}

/*
 * business_days(business_interval) -> integer: the days part.  An integer has no infinity, and
 * a sentinel (INT32_MAX) would pass for a real count, so infinities are an error (22008).
 */
Datum
business_interval_days(PG_FUNCTION_ARGS)
{
	sla_business_interval *v = PG_GETARG_BUSINESS_INTERVAL_P(0);

	if (!sla_bi_is_finite(*v))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cannot take business_days of infinite business_interval"),
				 errhint("Test with sla.isfinite() first; sla.business_seconds() returns Infinity or -Infinity.")));
	PG_RETURN_INT32(v->days);
}

/* isfinite(business_interval) -> boolean: false for infinity and -infinity */
Datum
business_interval_isfinite(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(sla_bi_is_finite(*PG_GETARG_BUSINESS_INTERVAL_P(0)));
}
