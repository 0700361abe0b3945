/*
 * civil.h — proleptic Gregorian dates as day numbers, and instants as microseconds.
 *
 * Day numbers count days since 2000-01-01 (day 0, a Saturday) and instants count microseconds
 * since 2000-01-01 00:00 UTC — PostgreSQL's own epoch — so the glue passes TimestampTz and
 * DateADT values through unchanged.
 */
#ifndef SLA_CIVIL_H
#define SLA_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

#define SLA_USECS_PER_DAY_CIVIL INT64_C(86400000000)

/* Valid instants: PostgreSQL's [MIN_TIMESTAMP, END_TIMESTAMP). */
#define SLA_MIN_INSTANT INT64_C(-211813488000000000)
#define SLA_END_INSTANT INT64_C(9223371331200000000)

/* Floor division and modulo for possibly negative numerators (b > 0). */
static inline int64_t
sla_floor_div(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

static inline int64_t
sla_floor_mod(int64_t a, int64_t b)
{
	int64_t		r = a % b;

	return r < 0 ? r + b : r;
}

/* Day number of a proleptic Gregorian date (month 1..12, day 1..31). */
int32_t		sla_days_from_civil(int32_t year, int32_t month, int32_t day);

/* Inverse of sla_days_from_civil. */
void		sla_civil_from_days(int32_t days, int32_t *year, int32_t *month, int32_t *day);

/* ISO weekday of a day number: 0 = Monday ... 6 = Sunday. */
static inline int
sla_weekday(int32_t days)
{
	/* day 0 (2000-01-01) is a Saturday, index 5 */
	return (int) sla_floor_mod((int64_t) days + 5, 7);
}

#endif							/* SLA_CIVIL_H */
