/*
 * fixed_tz.h — time zones for tests of the core: a fixed offset, or a synthetic zone with a
 * yearly DST period defined in UTC (like the EU rules), resolved the way PostgreSQL resolves
 * local times: a nonexistent time is read with the offset before the change (one hour later),
 * an ambiguous one as the later instant.
 */
#ifndef SLA_FIXED_TZ_H
#define SLA_FIXED_TZ_H

#include <stdbool.h>
#include <stdint.h>

#include "tzapi.h"

typedef struct test_zone
{
	int64_t		std_offset;		/* microseconds east of UTC */
	int64_t		dst_offset;
	bool		has_dst;
	int			dst_start_month;	/* DST from the last Sunday of this month, 01:00 UTC ... */
	int			dst_end_month;	/* ... to the last Sunday of this month, 01:00 UTC */
} test_zone;

sla_tz		test_zone_api(test_zone *zone);

#endif
