/*
 * calendar.h — a compiled business-hours calendar and the business-time math over it.
 *
 * Model.  Every local date has "shifts": the weekly ranges of its weekday, or, for a special
 * day, that day's own ranges; a holiday has none.  A shift belongs to the date it starts on
 * (a 22:00-06:00 shift on a holiday is cancelled; the one that started the evening before still
 * runs into the holiday morning).  A shift's local start and end become instants through the
 * calendar's time zone, so a shift spanning a DST change lasts the real elapsed time.  The union
 * of all shifts, as half-open UTC periods [start, end), is the calendar's open time; touching
 * periods form one period.
 *
 * Everything else follows from one function, P(t) = open time between a fixed origin and t.
 *   business_between(a, b)  = P(b) - P(a)
 *   business_add(t, d >= 0) = the latest u with P(u) <= P(t) + d  (a clock breaches at u + 1us)
 *   business_add(t, d < 0)  = the earliest u with P(u) >= P(t) + d
 * P is evaluated in O(log n): periods are generated per block of 63 local days (9 weeks) and
 * cached with their cumulative open time.  Between 1700 and 2200 blocks are cached; outside,
 * the calendar repeats every 400 Gregorian years (146097 days = 2319 blocks = 20871 weeks), so
 * whole cycles are skipped arithmetically and cost does not grow with the amount.
 */
#ifndef SLA_CALENDAR_H
#define SLA_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "civil.h"
#include "hours_spec.h"
#include "sla_status.h"
#include "tzapi.h"

/* Memory comes from the caller (the glue uses a MemoryContext). */
typedef struct sla_allocator
{
	void	   *(*alloc) (void *ctx, size_t size);	/* NULL on failure */
	void		(*free) (void *ctx, void *ptr);
	void	   *ctx;
} sla_allocator;

/* A special day: ranges special_ranges[first .. first + count); count 0 means closed. */
typedef struct sla_special_day
{
	int32_t		day;			/* day number, see civil.h */
	uint32_t	first;
	uint32_t	count;
} sla_special_day;

typedef struct sla_calendar_def
{
	const sla_day_range *weekly;
	size_t		nweekly;
	const int32_t *holidays;	/* dated holidays, day numbers, any order, duplicates allowed */
	size_t		nholidays;
	const int32_t *yearly_holidays; /* month * 100 + day of holidays repeating every year */
	size_t		nyearly;
	const sla_special_day *special;
	size_t		nspecial;
	const sla_day_range *special_ranges;	/* weekday ignored */
	size_t		nspecial_ranges;
} sla_calendar_def;

/* Dated holidays and special days must fall in [SLA_FIRST_DATED_YEAR, SLA_LAST_DATED_YEAR]. */
#define SLA_FIRST_DATED_YEAR 1700
#define SLA_LAST_DATED_YEAR 2199

/* next_close of a calendar that never closes again. */
#define SLA_NEVER INT64_MAX

typedef struct sla_calendar sla_calendar;

/* Validate and compile; SLA_ERANGE for dated days outside the supported years, SLA_ECONFIG for
 * overlapping weekly ranges or a special day listed twice. */
sla_status	sla_calendar_build(const sla_calendar_def *def, sla_tz tz, const sla_allocator *alloc,
							   sla_calendar **out);
void		sla_calendar_free(sla_calendar *cal);

/* True when the calendar has any open time at all. */
bool		sla_calendar_has_hours(const sla_calendar *cal);

/*
 * business_add: move days business days (the days-th working day after/before t's local date,
 * at t's local time of day, then to the next/previous open instant), then usec of open time.
 * Instants are microseconds since 2000-01-01 UTC within [SLA_MIN_INSTANT, SLA_END_INSTANT).
 */
sla_status	sla_calendar_add(sla_calendar *cal, int64_t t, int32_t days, int64_t usec,
							 int64_t *out);

/* Open time in [a, b), negative when b < a. */
sla_status	sla_calendar_between(sla_calendar *cal, int64_t a, int64_t b, int64_t *out);

sla_status	sla_calendar_is_open(sla_calendar *cal, int64_t t, bool *out);

/* t itself when open, else the start of the next period. */
sla_status	sla_calendar_next_open(sla_calendar *cal, int64_t t, int64_t *out);

/* t itself when closed, else the end of the period containing t (SLA_NEVER if none). */
sla_status	sla_calendar_next_close(sla_calendar *cal, int64_t t, int64_t *out);

/* The open period holding t, or else the next one, as [max(t, its start), end) with touching
 * periods joined.
 * SLA_ENOHOURS when there is none; *end is SLA_NEVER for a period that never ends. */
sla_status	sla_calendar_next_period(sla_calendar *cal, int64_t t, int64_t *start, int64_t *end);

#endif							/* SLA_CALENDAR_H */
