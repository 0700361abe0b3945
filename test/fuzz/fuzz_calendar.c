/*
 * fuzz_calendar.c — libFuzzer target for the opening-hours parser and the calendar walker.
 *
 * Input layout: byte 0 picks a zone (fixed or synthetic DST), bytes 1..24 give a start instant,
 * two amounts and a count of business days, bytes 25.. up to the first NUL are a weekly hours
 * spec, and what follows are holiday day offsets.  For every calendar that builds it checks the
 * defining identity business_between(t, business_add(t, d)) == d, that walking back by d from
 * the answer and forward again returns the answer, and that next_open/next_close agree with
 * is_open.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "civil.h"
#include "fixed_tz.h"

#define HOUR INT64_C(3600000000)

static void *
f_alloc(void *ctx, size_t n)
{
	(void) ctx;
	return malloc(n);
}

static void
f_free(void *ctx, void *p)
{
	(void) ctx;
	free(p);
}

static int64_t
read_i64(const uint8_t *p)
{
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return (int64_t) v;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static test_zone zones[4] = {
		{0},
		{-5 * HOUR, -4 * HOUR, true, 3, 10},
		{5 * HOUR + HOUR / 2, 0, false, 0, 0},
		{10 * HOUR + HOUR / 2, 11 * HOUR, true, 3, 10},
	};
	sla_day_range ranges[SLA_MAX_RANGES];
	int32_t		holidays[64];
	sla_calendar_def def = {0};
	sla_allocator alloc = {f_alloc, f_free, NULL};
	sla_calendar *cal = NULL;
	size_t		n = 0,
				pos,
				spec_len = 0,
				i;
	int64_t		t,
				d,
				u,
				back,
				between;
	int32_t		days;
	bool		open;

	if (size < 25)
		return 0;
	while (25 + spec_len < size && data[25 + spec_len] != 0)
		spec_len++;
	if (sla_parse_weekly_hours((const char *) data + 25, spec_len, ranges, SLA_MAX_RANGES, &n, &pos) != SLA_OK)
		return 0;
	for (i = 25 + spec_len + 1; i + 1 < size && def.nholidays < 64; i += 2)
		holidays[def.nholidays++] = sla_days_from_civil(2026, 1, 1) + ((data[i] << 8 | data[i + 1]) % 800);
	def.weekly = ranges;
	def.nweekly = n;
	def.holidays = holidays;
	if (sla_calendar_build(&def, test_zone_api(&zones[data[0] % 4]), &alloc, &cal) != SLA_OK)
		abort();

	/* mostly instants around the cached years (1700-2199) with amounts up to ~200 years; one
	 * input in eight goes far out, where 400-year cycles are skipped */
	if (data[19] % 8 != 0)
	{
		t = (int64_t) ((uint64_t) read_i64(data + 1) % (UINT64_C(400) * 365 * 24 * HOUR)) - 200 * 365 * 24 * HOUR;
		d = (int64_t) ((uint64_t) read_i64(data + 9) % (UINT64_C(200) * 365 * 24 * HOUR));
	}
	else
	{
		t = (int64_t) ((uint64_t) read_i64(data + 1) % (UINT64_C(12000) * 365 * 24 * HOUR)) - 6000 * 365 * 24 * HOUR;
		d = (int64_t) ((uint64_t) read_i64(data + 9) % (UINT64_C(3000) * 365 * 24 * HOUR));
	}
	days = (int32_t) ((data[17] << 8 | data[18]) % 20000) - 10000;

	if (sla_calendar_add(cal, t, 0, d, &u) == SLA_OK)
	{
		if (sla_calendar_between(cal, t, u, &between) != SLA_OK || between != d)
			abort();
		if (d > 0 && sla_calendar_add(cal, u, 0, -d, &back) == SLA_OK &&
			sla_calendar_between(cal, back, u, &between) == SLA_OK && between != d)
			abort();
	}
	else if (sla_calendar_has_hours(cal))
	{
		/* only running past the end of time may fail */
		if (sla_calendar_add(cal, t, 0, d, &u) != SLA_EOVERFLOW)
			abort();
	}
	(void) sla_calendar_add(cal, t, days, d % (48 * HOUR), &u);
	if (sla_calendar_is_open(cal, t, &open) == SLA_OK && sla_calendar_has_hours(cal))
	{
		int64_t		next;

		if (sla_calendar_next_open(cal, t, &next) == SLA_OK && open != (next == t))
			abort();
		if (sla_calendar_next_close(cal, t, &next) == SLA_OK && open == (next == t))
			abort();
	}
	sla_calendar_free(cal);
	return 0;
}
