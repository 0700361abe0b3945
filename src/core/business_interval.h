/*
 * business_interval.h — an amount of working time: whole business days plus microseconds.
 *
 * The two parts are kept apart because a business day is not a fixed number of hours: it means
 * "the same local time on the next working day" and only a calendar can turn it into instants.
 * Parsing, canonical formatting, the total order and arithmetic live here, free of PostgreSQL.
 */
#ifndef SLA_BUSINESS_INTERVAL_H
#define SLA_BUSINESS_INTERVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sla_status.h"

typedef struct sla_business_interval
{
	int64_t		usec;			/* business microseconds */
	int32_t		days;			/* business days */
	int32_t		reserved;		/* always 0; keeps the struct 16 bytes and room to grow */
} sla_business_interval;

#define SLA_USECS_PER_SEC	INT64_C(1000000)
#define SLA_USECS_PER_MIN	(INT64_C(60) * SLA_USECS_PER_SEC)
#define SLA_USECS_PER_HOUR	(INT64_C(60) * SLA_USECS_PER_MIN)
#define SLA_USECS_PER_DAY	(INT64_C(24) * SLA_USECS_PER_HOUR)

/*
 * Infinities.  +infinity is the pair (INT32_MAX days, INT64_MAX usec) and -infinity the pair
 * (INT32_MIN days, INT64_MIN usec): the greatest and the least pair of the total order, so they
 * order after and before every finite value without a special case.  These two pairs are
 * reserved: no finite parse or arithmetic produces them (that is SLA_EOVERFLOW instead).
 */
#define SLA_BI_INFINITY		((sla_business_interval) {INT64_MAX, INT32_MAX, 0})
#define SLA_BI_NEG_INFINITY	((sla_business_interval) {INT64_MIN, INT32_MIN, 0})

/* True when v is +infinity or -infinity; *sign (when sign is not NULL) gets 1, -1, or 0 if finite. */
static inline bool
sla_bi_is_infinite(sla_business_interval v, int *sign)
{
	int			s = 0;

	if (v.days == INT32_MAX && v.usec == INT64_MAX)
		s = 1;
	else if (v.days == INT32_MIN && v.usec == INT64_MIN)
		s = -1;
	if (sign != NULL)
		*sign = s;
	return s != 0;
}

/* True when v is neither +infinity nor -infinity. */
static inline bool
sla_bi_is_finite(sla_business_interval v)
{
	return !sla_bi_is_infinite(v, NULL);
}

/* Longest text sla_bi_format can produce, including the terminating NUL. */
#define SLA_BI_FORMAT_MAX 64

/*
 * Parse len bytes of text (not NUL-terminated necessarily).  On failure *err_pos is the byte
 * offset where parsing stopped.  Returns SLA_ESYNTAX, SLA_ERANGE or SLA_EOVERFLOW on failure.
 * 'infinity', '+infinity' and '-infinity' give the infinities.  A finite input whose total is
 * exactly an infinity's pair is SLA_EOVERFLOW with *out set to that infinity (so callers can
 * explain why); on every other failure *out is left untouched.
 */
sla_status	sla_bi_parse(const char *text, size_t len, sla_business_interval *out, size_t *err_pos);

/* Write the canonical form into buf (at least SLA_BI_FORMAT_MAX bytes); returns its length. */
size_t		sla_bi_format(sla_business_interval v, char *buf);

/* Total order: -1, 0, 1.  See business_interval.c for the definition. */
int			sla_bi_cmp(sla_business_interval a, sla_business_interval b);

/*
 * Arithmetic.  Infinities follow PostgreSQL 17's interval: an infinite operand gives an infinite
 * result, and forms with no value (infinity - infinity, infinity * 0, infinity / infinity) are
 * SLA_EOVERFLOW.  See business_interval.c for the details.
 */
sla_status	sla_bi_add(sla_business_interval a, sla_business_interval b, sla_business_interval *out);
sla_status	sla_bi_sub(sla_business_interval a, sla_business_interval b, sla_business_interval *out);
sla_status	sla_bi_neg(sla_business_interval a, sla_business_interval *out);
sla_status	sla_bi_mul(sla_business_interval a, double factor, sla_business_interval *out);
sla_status	sla_bi_div(sla_business_interval a, double divisor, sla_business_interval *out);

/*
 * True when both parts are >= 0 (what "d >= 0" means for business_add): true for +infinity,
 * false for -infinity.
 */
bool		sla_bi_is_nonnegative(sla_business_interval a);

#endif							/* SLA_BUSINESS_INTERVAL_H */
