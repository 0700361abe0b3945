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

/* Longest text sla_bi_format can produce, including the terminating NUL. */
#define SLA_BI_FORMAT_MAX 64

/*
 * Parse len bytes of text (not NUL-terminated necessarily).  On failure *err_pos is the byte
 * offset where parsing stopped.  Returns SLA_ESYNTAX, SLA_ERANGE or SLA_EOVERFLOW on failure.
 */
sla_status	sla_bi_parse(const char *text, size_t len, sla_business_interval *out, size_t *err_pos);

/* Write the canonical form into buf (at least SLA_BI_FORMAT_MAX bytes); returns its length. */
size_t		sla_bi_format(sla_business_interval v, char *buf);

/* Total order: -1, 0, 1.  See business_interval.c for the definition. */
int			sla_bi_cmp(sla_business_interval a, sla_business_interval b);

sla_status	sla_bi_add(sla_business_interval a, sla_business_interval b, sla_business_interval *out);
sla_status	sla_bi_sub(sla_business_interval a, sla_business_interval b, sla_business_interval *out);
sla_status	sla_bi_neg(sla_business_interval a, sla_business_interval *out);
sla_status	sla_bi_mul(sla_business_interval a, double factor, sla_business_interval *out);
sla_status	sla_bi_div(sla_business_interval a, double divisor, sla_business_interval *out);

/* True when both parts are >= 0 (what "d >= 0" means for business_add). */
bool		sla_bi_is_nonnegative(sla_business_interval a);

#endif							/* SLA_BUSINESS_INTERVAL_H */
