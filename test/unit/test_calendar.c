/*
 * test_calendar.c — business-time math: exact cases, then randomized comparison with a
 * brute-force reference that walks minute by minute and knows nothing of blocks or caches.
 */
#include <stdlib.h>

#include "calendar.h"
#include "civil.h"
#include "fixed_tz.h"
#include "unit.h"

#define MIN_US INT64_C(60000000)
#define HOUR_US (60 * MIN_US)
#define DAY_US (24 * HOUR_US)

static void *
t_alloc(void *ctx, size_t n)
{
	(void) ctx;
	return malloc(n);
}

static void
t_free(void *ctx, void *p)
{
	(void) ctx;
	free(p);
}

static const sla_allocator test_alloc = {t_alloc, t_free, NULL};

/* UTC instant of a civil date and time in a fixed-offset zone (offset in hours east). */
static int64_t
at(int y, int mo, int d, int h, int mi, int offset_hours)
{
	return (int64_t) sla_days_from_civil(y, mo, d) * DAY_US + h * HOUR_US + mi * MIN_US -
		offset_hours * HOUR_US;
}

static sla_calendar *
build(const char *weekly, const int32_t *holidays, size_t nh, const int32_t *yearly, size_t ny,
	  test_zone *zone)
{
	sla_day_range r[SLA_MAX_RANGES];
	size_t		n = 0,
				pos;
	sla_calendar_def def = {0};
	sla_calendar *cal = NULL;

	if (weekly && sla_parse_weekly_hours(weekly, strlen(weekly), r, SLA_MAX_RANGES, &n, &pos) != SLA_OK)
		return NULL;
	def.weekly = r;
	def.nweekly = n;
	def.holidays = holidays;
	def.nholidays = nh;
	def.yearly_holidays = yearly;
	def.nyearly = ny;
	if (sla_calendar_build(&def, test_zone_api(zone), &test_alloc, &cal) != SLA_OK)
		return NULL;
	return cal;
}

static int64_t
add(sla_calendar *cal, int64_t t, int32_t days, int64_t usec)
{
	int64_t		out = 0;
	sla_status	st = sla_calendar_add(cal, t, days, usec, &out);

	return st == SLA_OK ? out : -(int64_t) st;
}

static int64_t
between(sla_calendar *cal, int64_t a, int64_t b)
{
	int64_t		out = 0;

	return sla_calendar_between(cal, a, b, &out) == SLA_OK ? out : INT64_MIN;
}

static void
exact_cases(void)
{
	test_zone	utc = {0};
	test_zone	plus2 = {2 * HOUR_US, 0, false, 0, 0};
	int32_t		hol[] = {sla_days_from_civil(2026, 12, 25), sla_days_from_civil(2026, 11, 26)};
	int32_t		newyear[] = {101};
	sla_calendar *cal = build("mon-fri 09:00-17:00", hol, 2, newyear, 1, &utc);
	sla_calendar *night = build("mon-fri 22:00-06:00", NULL, 0, NULL, 0, &plus2);
	sla_calendar *always = build("24/7", NULL, 0, NULL, 0, &utc);
	sla_calendar *never = build(NULL, NULL, 0, NULL, 0, &utc);
	int64_t		out,
				s,
				e;
	bool		open;

	CHECK(cal && night && always && never);
	if (!cal || !night || !always || !never)
		return;

	/* 2026-11-23 is a Monday */
	CHECK_EQ_I64(add(cal, at(2026, 11, 23, 10, 0, 0), 0, 4 * HOUR_US), at(2026, 11, 23, 14, 0, 0));
	/* used up exactly at closing: lands on the next opening */
	CHECK_EQ_I64(add(cal, at(2026, 11, 23, 10, 0, 0), 0, 7 * HOUR_US), at(2026, 11, 24, 9, 0, 0));
	CHECK_EQ_I64(add(cal, at(2026, 11, 23, 10, 0, 0), 0, 7 * HOUR_US + 1), at(2026, 11, 24, 9, 0, 0) + 1);
	/* before opening, between days, on a weekend */
	CHECK_EQ_I64(add(cal, at(2026, 11, 23, 7, 0, 0), 0, HOUR_US), at(2026, 11, 23, 10, 0, 0));
	CHECK_EQ_I64(add(cal, at(2026, 11, 23, 18, 0, 0), 0, HOUR_US), at(2026, 11, 24, 10, 0, 0));
	CHECK_EQ_I64(add(cal, at(2026, 11, 28, 12, 0, 0), 0, 0), at(2026, 11, 30, 9, 0, 0));
	/* Thursday 26 November is a holiday */
	CHECK_EQ_I64(add(cal, at(2026, 11, 25, 16, 0, 0), 0, 2 * HOUR_US), at(2026, 11, 27, 10, 0, 0));
	/* business days: same local time on the n-th following working day */
	CHECK_EQ_I64(add(cal, at(2026, 11, 25, 11, 0, 0), 1, 0), at(2026, 11, 27, 11, 0, 0));
	CHECK_EQ_I64(add(cal, at(2026, 11, 27, 20, 0, 0), 1, 0), at(2026, 12, 1, 9, 0, 0));
	CHECK_EQ_I64(add(cal, at(2026, 11, 27, 11, 0, 0), 2, 30 * MIN_US), at(2026, 12, 1, 11, 30, 0));
	/* yearly holiday 1 January, and Christmas */
	CHECK_EQ_I64(add(cal, at(2026, 12, 31, 16, 0, 0), 0, 2 * HOUR_US), at(2027, 1, 4, 10, 0, 0));
	CHECK_EQ_I64(add(cal, at(2032, 12, 31, 16, 0, 0), 0, 2 * HOUR_US), at(2033, 1, 3, 10, 0, 0));
	/* negative amounts: the mirror image */
	/* used up exactly at an opening: lands on the previous closing */
	CHECK_EQ_I64(add(cal, at(2026, 11, 24, 10, 0, 0), 0, -HOUR_US), at(2026, 11, 23, 17, 0, 0));
	CHECK_EQ_I64(add(cal, at(2026, 11, 24, 10, 0, 0), 0, -HOUR_US + 1), at(2026, 11, 24, 9, 0, 0) + 1);
	CHECK_EQ_I64(add(cal, at(2026, 11, 24, 10, 0, 0), 0, -2 * HOUR_US), at(2026, 11, 23, 16, 0, 0));
	CHECK_EQ_I64(add(cal, at(2026, 11, 24, 9, 0, 0), 0, -0), at(2026, 11, 24, 9, 0, 0));
	CHECK_EQ_I64(add(cal, at(2026, 11, 24, 8, 0, 0), -1, 0), at(2026, 11, 20, 17, 0, 0));
	CHECK_EQ_I64(add(cal, at(2026, 11, 30, 10, 0, 0), -1, 0), at(2026, 11, 27, 10, 0, 0));
	/* landing exactly on an opening is open: it stays (only closed moments move back) */
	CHECK_EQ_I64(add(cal, at(2026, 11, 24, 9, 0, 0), -1, 0), at(2026, 11, 23, 9, 0, 0));
	CHECK_EQ_I64(add(cal, at(2026, 11, 24, 17, 0, 0), -1, 0), at(2026, 11, 23, 17, 0, 0));
	/* between */
	CHECK_EQ_I64(between(cal, at(2026, 11, 23, 0, 0, 0), at(2026, 11, 30, 0, 0, 0)), 32 * HOUR_US);
	CHECK_EQ_I64(between(cal, at(2026, 11, 30, 0, 0, 0), at(2026, 11, 23, 0, 0, 0)), -32 * HOUR_US);
	CHECK_EQ_I64(between(cal, at(2026, 1, 1, 0, 0, 0), at(2027, 1, 1, 0, 0, 0)),
				 (261 - 3) * 8 * HOUR_US);	/* 261 weekdays less 1 Jan, 26 Nov, 25 Dec */
	/* is_open / next_open / next_close, half-open */
	CHECK(sla_calendar_is_open(cal, at(2026, 11, 23, 9, 0, 0), &open) == SLA_OK && open);
	CHECK(sla_calendar_is_open(cal, at(2026, 11, 23, 17, 0, 0), &open) == SLA_OK && !open);
	CHECK(sla_calendar_next_close(cal, at(2026, 11, 23, 12, 0, 0), &out) == SLA_OK &&
		  out == at(2026, 11, 23, 17, 0, 0));
	CHECK(sla_calendar_next_close(cal, at(2026, 11, 23, 18, 0, 0), &out) == SLA_OK &&
		  out == at(2026, 11, 23, 18, 0, 0));
	CHECK(sla_calendar_next_open(cal, at(2026, 11, 23, 17, 0, 0), &out) == SLA_OK &&
		  out == at(2026, 11, 24, 9, 0, 0));

	/* overnight shifts in UTC+2: Friday's 22:00-06:00 runs into Saturday morning */
	CHECK_EQ_I64(add(night, at(2026, 11, 27, 23, 0, 2), 0, 6 * HOUR_US), at(2026, 11, 28, 5, 0, 2));
	CHECK_EQ_I64(add(night, at(2026, 11, 27, 23, 0, 2), 0, 7 * HOUR_US), at(2026, 11, 30, 22, 0, 2));
	CHECK(sla_calendar_is_open(night, at(2026, 11, 28, 5, 59, 2), &open) == SLA_OK && open);
	CHECK(sla_calendar_is_open(night, at(2026, 11, 23, 5, 0, 2), &open) == SLA_OK && !open);
	/* Tuesday 06:00 closes the Monday shift: one period, not split at midnight */
	CHECK(sla_calendar_next_close(night, at(2026, 11, 23, 23, 0, 2), &out) == SLA_OK &&
		  out == at(2026, 11, 24, 6, 0, 2));
	CHECK(sla_calendar_next_period(night, at(2026, 11, 23, 12, 0, 2), &s, &e) == SLA_OK &&
		  s == at(2026, 11, 23, 22, 0, 2) && e == at(2026, 11, 24, 6, 0, 2));

	/* 24/7 never closes; huge amounts are exact */
	CHECK(sla_calendar_next_close(always, at(2026, 11, 23, 12, 0, 0), &out) == SLA_OK && out == SLA_NEVER);
	CHECK_EQ_I64(add(always, at(2026, 1, 1, 0, 0, 0), 0, 1000 * 365 * DAY_US), at(2026, 1, 1, 0, 0, 0) + 1000 * 365 * DAY_US);
	CHECK_EQ_I64(add(always, at(2026, 1, 1, 0, 0, 0), 0, -3000 * 365 * DAY_US), at(2026, 1, 1, 0, 0, 0) - 3000 * 365 * DAY_US);
	CHECK_EQ_I64(add(always, at(2026, 1, 1, 0, 0, 0), 0, INT64_C(9000000000000000000)),
				 at(2026, 1, 1, 0, 0, 0) + INT64_C(9000000000000000000));
	CHECK_EQ_I64(add(always, at(2026, 1, 1, 0, 0, 0), 0, INT64_C(9223000000000000000)), -SLA_EOVERFLOW);
	CHECK_EQ_I64(add(always, at(2026, 1, 1, 0, 0, 0), 0, INT64_MAX), -SLA_EOVERFLOW);
	CHECK_EQ_I64(add(always, at(2026, 1, 1, 0, 0, 0), 1000000, 0), at(2026, 1, 1, 0, 0, 0) + 1000000 * DAY_US);
	CHECK_EQ_I64(add(cal, at(2026, 11, 23, 12, 0, 0), INT32_MAX, 0), -SLA_EOVERFLOW);
	CHECK_EQ_I64(add(cal, at(2026, 11, 23, 12, 0, 0), INT32_MIN, 0), -SLA_EOVERFLOW);

	/* the first and last nine weeks of time are out of range, never garbage */
	CHECK_EQ_I64(add(always, at(-4713, 11, 24, 10, 0, 0), 0, -11 * HOUR_US), -SLA_EOVERFLOW);
	CHECK_EQ_I64(add(cal, at(-4713, 11, 24, 8, 0, 0), 0, -HOUR_US), -SLA_EOVERFLOW);
	CHECK_EQ_I64(add(cal, at(-4713, 11, 25, 8, 0, 0), -1, 0), -SLA_EOVERFLOW);
	CHECK_EQ_I64(add(always, at(294276, 12, 31, 10, 0, 0), 0, HOUR_US), -SLA_EOVERFLOW);
	CHECK_EQ_I64(add(always, at(-4700, 1, 1, 10, 0, 0), 0, -HOUR_US), at(-4700, 1, 1, 9, 0, 0));
	/* open time beyond int64 microseconds: an error, not a wrapped negative (fuzz_clockflow) */
	CHECK_EQ_I64(between(always, at(-4700, 1, 1, 0, 0, 0), at(285000, 1, 1, 0, 0, 0)), INT64_C(9142048972800000000));
	CHECK_EQ_I64(between(always, at(-4700, 1, 1, 0, 0, 0), at(290000, 1, 1, 0, 0, 0)), INT64_MIN);
	CHECK_EQ_I64(between(always, at(290000, 1, 1, 0, 0, 0), at(-4700, 1, 1, 0, 0, 0)), INT64_MIN);

	/* no open time ever: an error at once, never a loop */
	CHECK_EQ_I64(add(never, at(2026, 1, 1, 0, 0, 0), 0, HOUR_US), -SLA_ENOHOURS);
	CHECK_EQ_I64(add(never, at(2026, 1, 1, 0, 0, 0), 3, 0), -SLA_ENOHOURS);
	CHECK_EQ_I64(between(never, at(2026, 1, 1, 0, 0, 0), at(2027, 1, 1, 0, 0, 0)), 0);

	sla_calendar_free(cal);
	sla_calendar_free(night);
	sla_calendar_free(always);
	sla_calendar_free(never);
}

/* ---- brute-force reference: open iff some shift, mapped through the zone, covers t ---- */

typedef struct ref_calendar
{
	sla_day_range week[SLA_MAX_RANGES];
	size_t		nweek;
	int32_t		holidays[8];
	size_t		nholidays;
	test_zone  *zone;
} ref_calendar;

static bool
ref_is_open(const ref_calendar *rc, int64_t t)
{
	sla_tz		tz = test_zone_api(rc->zone);
	int64_t		day = sla_floor_div(tz.utc_to_local(tz.ctx, t), DAY_US);
	int64_t		d;
	size_t		i,
				h;

	for (d = day - 2; d <= day + 1; d++)
	{
		bool		holiday = false;

		for (h = 0; h < rc->nholidays; h++)
			holiday |= rc->holidays[h] == d;
		if (holiday)
			continue;
		for (i = 0; i < rc->nweek; i++)
		{
			if (rc->week[i].weekday != sla_weekday((int32_t) d))
				continue;
			if (tz.local_to_utc(tz.ctx, d * DAY_US + rc->week[i].start) <= t &&
				t < tz.local_to_utc(tz.ctx, d * DAY_US + rc->week[i].end))
				return true;
		}
	}
	return false;
}

/* Latest u >= t with open minutes in [t, u) <= d: walk minute by minute. */
static int64_t
ref_add(const ref_calendar *rc, int64_t t, int64_t d)
{
	int64_t		acc = 0;

	for (;;)
	{
		if (ref_is_open(rc, t))
		{
			if (acc + MIN_US > d)
				return t + (d - acc);
			acc += MIN_US;
		}
		t += MIN_US;
	}
}

static uint64_t rng_state = 88172645463325252u;

static uint64_t
rnd(uint64_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % n;
}

static void
random_against_reference(void)
{
	test_zone	zones[3] = {
		{0},
		{-5 * HOUR_US, -4 * HOUR_US, true, 3, 10},	/* a New-York-like zone, EU dates */
		{1 * HOUR_US, 2 * HOUR_US, true, 3, 10},	/* a Berlin-like zone */
	};
	int			c,
				k,
				mismatches = 0,
				cases = 0;

	for (c = 0; c < 60; c++)
	{
		ref_calendar rc = {0};
		sla_calendar_def def = {0};
		sla_calendar *cal = NULL;
		int			d;

		rc.zone = &zones[rnd(3)];
		/* random non-overlapping minute-aligned ranges: up to two per weekday */
		for (d = 0; d < 7; d++)
		{
			int64_t		pos = (int64_t) rnd(12 * 60) * MIN_US;
			int			n = (int) rnd(3),
						i;

			for (i = 0; i < n; i++)
			{
				int64_t		len = (int64_t) (1 + rnd(10 * 60)) * MIN_US;

				if (pos >= DAY_US)
					break;
				rc.week[rc.nweek].weekday = d;
				rc.week[rc.nweek].start = pos;
				rc.week[rc.nweek].end = pos + len;
				rc.nweek++;
				pos += len + (int64_t) (1 + rnd(6 * 60)) * MIN_US;
			}
		}
		/* keep Sunday's overnight range clear of Monday's first one */
		{
			size_t		a,
						b;

			while (rc.nweek > 0 && sla_check_week_overlap(rc.week, rc.nweek, &a, &b) != SLA_OK)
				rc.nweek--;
		}
		rc.nholidays = rnd(4);
		for (d = 0; d < (int) rc.nholidays; d++)
			rc.holidays[d] = sla_days_from_civil(2026, 3, 20) + (int32_t) rnd(30);
		def.weekly = rc.week;
		def.nweekly = rc.nweek;
		def.holidays = rc.holidays;
		def.nholidays = rc.nholidays;
		if (sla_calendar_build(&def, test_zone_api(rc.zone), &test_alloc, &cal) != SLA_OK)
		{
			CHECK(!"build failed");
			continue;
		}
		for (k = 0; k < 25 && rc.nweek > 0; k++)
		{
			/* around the March DST change, minute-aligned */
			int64_t		t = at(2026, 3, 18, 0, 0, 0) + (int64_t) rnd(20 * 24 * 60) * MIN_US;
			int64_t		dd = (int64_t) rnd(3 * 24 * 60) * MIN_US;
			int64_t		want = ref_add(&rc, t, dd);
			int64_t		got = add(cal, t, 0, dd);
			bool		open;

			cases++;
			if (got != want || between(cal, t, got) != dd ||
				sla_calendar_is_open(cal, t, &open) != SLA_OK || open != ref_is_open(&rc, t))
			{
				if (mismatches++ < 5)
					fprintf(stderr, "calendar %d case %d: t=%lld d=%lld got %lld want %lld\n",
							c, k, (long long) t, (long long) dd, (long long) got, (long long) want);
			}
			/* backward from the answer returns to the earliest instant with the same P */
			if (dd > 0 && between(cal, add(cal, got, 0, -dd), got) != dd)
				mismatches++;
		}
		sla_calendar_free(cal);
	}
	CHECK(cases > 1000);
	CHECK_EQ_I64(mismatches, 0);
}

/* Far from the cached years, cycles are skipped: check consistency there. */
static void
far_regions(void)
{
	test_zone	berlin = {1 * HOUR_US, 2 * HOUR_US, true, 3, 10};
	int32_t		yearly[] = {101, 1225, 229};
	sla_calendar *cal = build("mon-fri 09:00-17:00; sat 10:00-12:00", NULL, 0, yearly, 3, &berlin);
	int64_t		starts[] = {at(2026, 5, 5, 10, 0, 1), at(1650, 5, 5, 10, 0, 1), at(2600, 7, 1, 3, 0, 1),
	at(-3000, 1, 1, 0, 0, 1)};
	int64_t		amounts[] = {HOUR_US, 42 * HOUR_US * 52, 42 * HOUR_US * 52 * 400 + 7,
	42 * HOUR_US * 52 * 5000, -42 * HOUR_US * 52 * 900, -HOUR_US * 3};
	size_t		i,
				j;

	CHECK(cal != NULL);
	if (!cal)
		return;
	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		for (j = 0; j < sizeof(amounts) / sizeof(amounts[0]); j++)
		{
			int64_t		u = add(cal, starts[i], 0, amounts[j]);

			if (u < 0 && u > -10)
				continue;		/* out of range is allowed only below year -4713 */
			CHECK_EQ_I64(between(cal, starts[i], u), amounts[j]);
		}
	/* a 400-year cycle of this calendar holds the same open time everywhere */
	CHECK_EQ_I64(between(cal, at(2400, 1, 1, 0, 0, 1), at(2800, 1, 1, 0, 0, 1)),
				 between(cal, at(3200, 1, 1, 0, 0, 1), at(3600, 1, 1, 0, 0, 1)));
	CHECK_EQ_I64(between(cal, at(1000, 1, 1, 0, 0, 1), at(1400, 1, 1, 0, 0, 1)),
				 between(cal, at(2400, 1, 1, 0, 0, 1), at(2800, 1, 1, 0, 0, 1)));
	/* business days far away agree with walking */
	CHECK_EQ_I64(add(cal, at(2026, 5, 5, 10, 0, 1), 300000, 0), add(cal, add(cal, at(2026, 5, 5, 10, 0, 1), 150000, 0), 150000, 0));
	sla_calendar_free(cal);
}

void
test_calendar(void)
{
	exact_cases();
	random_against_reference();
	far_regions();
}
