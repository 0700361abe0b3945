/* fixed_tz.c — the test time zones of fixed_tz.h. */
#include "fixed_tz.h"
#include "civil.h"

#define HOUR INT64_C(3600000000)
#define DAY_US (24 * HOUR)

/* 01:00 UTC on the last Sunday of a month. */
static int64_t
last_sunday_0100(int32_t year, int month)
{
	int32_t		next = month == 12 ? sla_days_from_civil(year + 1, 1, 1)
		: sla_days_from_civil(year, month + 1, 1);
	int32_t		d = next - 1;

	while (sla_weekday(d) != 6)
		d--;
	/* the calendar asks for local times up to the end of time: a change past the last
	 * representable instant never comes (the fuzzers reach the timestamp limits) */
	if (d >= INT64_MAX / DAY_US)
		return INT64_MAX;
	return (int64_t) d * DAY_US + HOUR;
}

static bool
in_dst(const test_zone *z, int64_t utc)
{
	int32_t		y,
				m,
				d;

	if (!z->has_dst)
		return false;
	sla_civil_from_days((int32_t) sla_floor_div(utc, DAY_US), &y, &m, &d);
	return utc >= last_sunday_0100(y, z->dst_start_month) && utc < last_sunday_0100(y, z->dst_end_month);
}

static int64_t
zone_utc_to_local(void *ctx, int64_t utc)
{
	const test_zone *z = ctx;

	return utc + (in_dst(z, utc) ? z->dst_offset : z->std_offset);
}

static int64_t
zone_local_to_utc(void *ctx, int64_t local)
{
	const test_zone *z = ctx;
	int64_t		as_std = local - z->std_offset;
	int64_t		as_dst = local - z->dst_offset;
	bool		std_ok = zone_utc_to_local(ctx, as_std) == local;
	bool		dst_ok = z->has_dst && zone_utc_to_local(ctx, as_dst) == local;

	if (std_ok && dst_ok)
		return as_std > as_dst ? as_std : as_dst;	/* ambiguous: the later instant */
	if (dst_ok)
		return as_dst;
	/* valid standard time, or a gap: read with the offset before the change */
	return as_std;
}

sla_tz
test_zone_api(test_zone *zone)
{
	sla_tz		tz = {zone, zone_local_to_utc, zone_utc_to_local};

	return tz;
}
