/*
 * hours_spec.h — the compact opening-hours notation used by sla.define_calendar() and
 * sla.set_special_day(), parsed into ranges, plus the overlap rule shared with the tables.
 *
 *   weekly:  'mon-fri 09:00-17:00; sat 10:00-12:00,13:00-15:00; sun closed'
 *            '24/7'      'mon-sun 22:00-06:00'
 *   one day: '09:00-12:00,13:00-15:00'     'closed'
 *
 * A range whose end is earlier than its start crosses midnight and belongs to its start day;
 * 24:00 is allowed as an end only.  Days not mentioned are closed.
 */
#ifndef SLA_HOURS_SPEC_H
#define SLA_HOURS_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "sla_status.h"

/* One opening range of a weekday (0 = Monday .. 6 = Sunday), in microseconds after the local
 * midnight that starts that day: 0 <= start < 24h and start < end <= start + 24h. */
typedef struct sla_day_range
{
	int32_t		weekday;
	int64_t		start;
	int64_t		end;
} sla_day_range;

/*
 * The most ranges a spec may have: one a minute all week long.  Non-overlapping ranges of whole
 * minutes cannot be more, and the overlap check, which compares every pair, stays well under a
 * second at this size.
 */
#define SLA_MAX_RANGES (7 * 24 * 60)

/*
 * Parse a weekly spec into out[0..*n).  On error *err_pos is the offset of the offending text.
 * SLA_ESYNTAX: bad notation; SLA_ERANGE: a time outside 00:00..24:00 or an empty range;
 * SLA_ECONFIG: ranges that overlap (including across midnight and Sunday to Monday), or a day
 * both closed and open.
 */
sla_status	sla_parse_weekly_hours(const char *text, size_t len, sla_day_range *out, size_t cap,
								   size_t *n, size_t *err_pos);

/* Parse one day's hours ('closed' gives *n = 0); weekday of the results is set to 0. */
sla_status	sla_parse_day_hours(const char *text, size_t len, sla_day_range *out, size_t cap,
								size_t *n, size_t *err_pos);

/* SLA_OK when no two ranges of a week overlap, else SLA_ECONFIG and the indexes of a clash. */
sla_status	sla_check_week_overlap(const sla_day_range *r, size_t n, size_t *first, size_t *second);

#endif							/* SLA_HOURS_SPEC_H */
