/*
 * tzapi.h — the two time-zone questions the core asks, as callbacks.
 *
 * All DST handling is behind these two functions: the PostgreSQL glue answers them with pg_tz
 * (so a nonexistent local time means what PostgreSQL says it means: the instant one hour later,
 * and an ambiguous one the later instant), the unit tests with fixed and synthetic-DST zones.
 * Both work on microseconds since 2000-01-01 (local wall clock or UTC).
 * local_to_utc must be monotone non-decreasing.
 */
#ifndef SLA_TZAPI_H
#define SLA_TZAPI_H

#include <stdint.h>

typedef struct sla_tz
{
	void	   *ctx;
	int64_t		(*local_to_utc) (void *ctx, int64_t local_usec);
	int64_t		(*utc_to_local) (void *ctx, int64_t utc_usec);
} sla_tz;

#endif							/* SLA_TZAPI_H */
