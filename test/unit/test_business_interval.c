/*
 * test_business_interval.c — unit tests of the pure business_interval core: every accepted
 * input form with its exact value and canonical text, rejected inputs with their status and
 * error offset, round trips (including the extremes), the total order and the arithmetic, and
 * the infinities: their input and output, their reserved pairs, their order and arithmetic.
 */
#include <math.h>
#include <stdint.h>

#include "business_interval.h"
#include "unit.h"

#define H	SLA_USECS_PER_HOUR
#define M	SLA_USECS_PER_MIN
#define S	SLA_USECS_PER_SEC

/* Build a value. */
static sla_business_interval
bi(int32_t days, int64_t usec)
{
	sla_business_interval v = {usec, days, 0};

	return v;
}

/* Parse a NUL-terminated literal. */
static sla_status
parse(const char *text, sla_business_interval *out, size_t *pos)
{
	*pos = (size_t) -1;
	return sla_bi_parse(text, strlen(text), out, pos);
}

/* An accepted literal: its value and canonical text, and the text re-parses to the value. */
static void
accepts(const char *text, int32_t days, int64_t usec, const char *canonical)
{
	sla_business_interval v = {-1, -1, -1};
	sla_business_interval again = {-1, -1, -1};
	size_t		pos;
	char		buf[SLA_BI_FORMAT_MAX];
	sla_status	st = parse(text, &v, &pos);

	if (st != SLA_OK)
	{
		unit_failed++;
		fprintf(stderr, "%s:%d: \"%s\" rejected (status %d at %zu)\n", __FILE__, __LINE__,
				text, (int) st, pos);
		return;
	}
	CHECK_EQ_I64(v.days, days);
	CHECK_EQ_I64(v.usec, usec);
	CHECK_EQ_I64(v.reserved, 0);
	CHECK_EQ_I64(sla_bi_format(v, buf), strlen(canonical));
	CHECK_EQ_STR(buf, canonical);
	CHECK(parse(buf, &again, &pos) == SLA_OK);
	CHECK(again.days == v.days && again.usec == v.usec);
}

/* A rejected literal: its status and error offset. */
static void
rejects(const char *text, sla_status want, size_t want_pos)
{
	sla_business_interval v = {0, 0, 0};
	size_t		pos;
	sla_status	st = parse(text, &v, &pos);

	if (st != want || pos != want_pos)
	{
		unit_failed++;
		fprintf(stderr, "%s:%d: \"%s\": status %d at %zu, want %d at %zu\n", __FILE__,
				__LINE__, text, (int) st, pos, (int) want, want_pos);
	}
	else
		unit_passed++;
}

/* format(v) re-parses to v. */
static void
round_trips(sla_business_interval v)
{
	char		buf[SLA_BI_FORMAT_MAX];
	sla_business_interval again = {-1, -1, -1};
	size_t		pos;
	size_t		n = sla_bi_format(v, buf);

	CHECK(n < SLA_BI_FORMAT_MAX && strlen(buf) == n);
	CHECK(sla_bi_parse(buf, n, &again, &pos) == SLA_OK);
	CHECK(again.days == v.days && again.usec == v.usec);
}

static void
test_accepted(void)
{
	/* The brief's examples. */
	accepts("4 hours", 0, 4 * H, "04:00:00");
	accepts("1 day 2 hours 30 minutes", 1, 2 * H + 30 * M, "1 day 02:30:00");
	accepts("90 min", 0, 90 * M, "01:30:00");
	accepts("5400 seconds", 0, 5400 * S, "01:30:00");
	accepts("0.25 s", 0, 250000, "00:00:00.25");
	accepts("1.5h", 0, 90 * M, "01:30:00");
	accepts("2d 4h", 2, 4 * H, "2 days 04:00:00");
	accepts("01:30:00", 0, 90 * M, "01:30:00");
	accepts("1 day 01:30", 1, 90 * M, "1 day 01:30:00");
	accepts("PT4H30M", 0, 4 * H + 30 * M, "04:30:00");
	accepts("P2DT4H", 2, 4 * H, "2 days 04:00:00");
	accepts("-2 hours", 0, -2 * H, "-02:00:00");
	accepts("0", 0, 0, "00:00:00");
	accepts("-1 day 2 hours", -1, 2 * H, "-1 days +02:00:00");

	/* Every unit spelling, case-insensitively. */
	accepts("1d", 1, 0, "1 day");
	accepts("1 DAY", 1, 0, "1 day");
	accepts("3 Days", 3, 0, "3 days");
	accepts("2h", 0, 2 * H, "02:00:00");
	accepts("2 hr", 0, 2 * H, "02:00:00");
	accepts("2 HRS", 0, 2 * H, "02:00:00");
	accepts("2 hour", 0, 2 * H, "02:00:00");
	accepts("5m", 0, 5 * M, "00:05:00");
	accepts("5 mins", 0, 5 * M, "00:05:00");
	accepts("5 Minute", 0, 5 * M, "00:05:00");
	accepts("5 minutes", 0, 5 * M, "00:05:00");
	accepts("7s", 0, 7 * S, "00:00:07");
	accepts("7 sec", 0, 7 * S, "00:00:07");
	accepts("7 secs", 0, 7 * S, "00:00:07");
	accepts("7 second", 0, 7 * S, "00:00:07");
	accepts("250ms", 0, 250000, "00:00:00.25");
	accepts("250 msec", 0, 250000, "00:00:00.25");
	accepts("250 msecs", 0, 250000, "00:00:00.25");
	accepts("1 millisecond", 0, 1000, "00:00:00.001");
	accepts("2 milliseconds", 0, 2000, "00:00:00.002");
	accepts("3us", 0, 3, "00:00:00.000003");
	accepts("3 usec", 0, 3, "00:00:00.000003");
	accepts("3 USECS", 0, 3, "00:00:00.000003");
	accepts("1 microsecond", 0, 1, "00:00:00.000001");
	accepts("10 microseconds", 0, 10, "00:00:00.00001");

	/* Signs, spacing, combinations. */
	accepts("  \t4 hours\n ", 0, 4 * H, "04:00:00");
	accepts("+4 hours", 0, 4 * H, "04:00:00");
	accepts("1h30m", 0, 90 * M, "01:30:00");
	accepts("1h -30m", 0, 30 * M, "00:30:00");
	accepts("1 day -2 hours", 1, -2 * H, "1 day -02:00:00");
	accepts("-1 day -2 hours", -1, -2 * H, "-1 days -02:00:00");
	accepts("-3 days", -3, 0, "-3 days");
	accepts("1 day 5400", 1, 5400 * S, "1 day 01:30:00");
	accepts("1 h 2 m 3 s 4 ms 5 us", 0, H + 2 * M + 3 * S + 4005, "01:02:03.004005");
	accepts("01:30:00 250 ms", 0, 90 * M + 250000, "01:30:00.25");
	accepts("-01:30", 0, -90 * M, "-01:30:00");
	accepts("+01:30", 0, 90 * M, "01:30:00");
	accepts("1 day +02:00:00", 1, 2 * H, "1 day 02:00:00");
	accepts("30:00:00", 0, 30 * H, "30:00:00");
	accepts("0:05", 0, 5 * M, "00:05:00");
	accepts("100:00:00.5", 0, 100 * H + 500000, "100:00:00.5");
	accepts("00:00:00.000001", 0, 1, "00:00:00.000001");
	accepts("24 hours", 0, 24 * H, "24:00:00");
	accepts("0 days", 0, 0, "00:00:00");
	accepts("1.0 day", 1, 0, "1 day");
	accepts(".5 h", 0, 30 * M, "00:30:00");
	accepts("0005 h", 0, 5 * H, "05:00:00");

	/* ISO 8601. */
	accepts("PT0S", 0, 0, "00:00:00");
	accepts("P1D", 1, 0, "1 day");
	accepts("pt4h30m", 0, 4 * H + 30 * M, "04:30:00");
	accepts("PT90M", 0, 90 * M, "01:30:00");
	accepts("PT1.5H", 0, 90 * M, "01:30:00");
	accepts("PT1H0.5M", 0, H + 30 * S, "01:00:30");
	accepts("PT0.000001S", 0, 1, "00:00:00.000001");
	accepts("P1DT2H3M4.5S", 1, 2 * H + 3 * M + 4500000, "1 day 02:03:04.5");
	accepts("-P1DT2H", -1, -2 * H, "-1 days -02:00:00");
	accepts("+PT1S", 0, S, "00:00:01");
	accepts("  P3D  ", 3, 0, "3 days");
	accepts("P1.0D", 1, 0, "1 day");

	/* Rounding to the microsecond, half away from zero, exactly. */
	accepts("0.0000005 s", 0, 1, "00:00:00.000001");
	accepts("0.00000049999999999999999999 s", 0, 0, "00:00:00");
	accepts("-0.0000005 s", 0, -1, "-00:00:00.000001");
	accepts("-0.0000004 s", 0, 0, "00:00:00");
	accepts("0.5 us", 0, 1, "00:00:00.000001");
	accepts("1.4999 us", 0, 1, "00:00:00.000001");
	accepts("2.5 us", 0, 3, "00:00:00.000003");
	accepts("0.0005 ms", 0, 1, "00:00:00.000001");
	accepts("0.0000001 h", 0, 360, "00:00:00.00036");
	accepts("0.00000000013888888 h", 0, 0, "00:00:00");		/* 0.49999997 us */
	accepts("0.00000000013888889 h", 0, 1, "00:00:00.000001");	/* 0.500000004 us */
	accepts("0.333333333333 m", 0, 20 * S, "00:00:20");
	accepts("00:00:01.9999995", 0, 2 * S, "00:00:02");
	accepts("1.12345678901234567890123456789 s", 0, 1123457, "00:00:01.123457");

	/* The extremes. */
	accepts("2147483647 days", INT32_MAX, 0, "2147483647 days");
	accepts("-2147483648 days", INT32_MIN, 0, "-2147483648 days");
	accepts("9223372036854775807 us", 0, INT64_MAX, "2562047788:00:54.775807");
	accepts("-9223372036854775808 us", 0, INT64_MIN, "-2562047788:00:54.775808");
	accepts("-2562047788:00:54.775808", 0, INT64_MIN, "-2562047788:00:54.775808");
	/* Both parts at the same extreme are the infinities' pairs (see test_infinity). */
	accepts("-2147483648 days -2562047788:00:54.775807", INT32_MIN, INT64_MIN + 1,
			"-2147483648 days -2562047788:00:54.775807");
	accepts("2147483647 days 2562047788:00:54.775806", INT32_MAX, INT64_MAX - 1,
			"2147483647 days 2562047788:00:54.775806");
	accepts("-2147483647 days -2562047788:00:54.775808", INT32_MIN + 1, INT64_MIN,
			"-2147483647 days -2562047788:00:54.775808");
	accepts("2147483646 days 2562047788:00:54.775807", INT32_MAX - 1, INT64_MAX,
			"2147483646 days 2562047788:00:54.775807");
	accepts("-2147483648 days 2562047788:00:54.775807", INT32_MIN, INT64_MAX,
			"-2147483648 days +2562047788:00:54.775807");
	/* Items may overshoot as long as the total fits. */
	accepts("9223372036854775807 us 1 ms -1 s", 0, INT64_MAX - 999000, "2562047788:00:53.776807");
}

static void
test_rejected(void)
{
	/* Syntax errors, at the offending byte. */
	rejects("", SLA_ESYNTAX, 0);
	rejects("   ", SLA_ESYNTAX, 3);
	rejects("abc", SLA_ESYNTAX, 0);
	rejects("hours", SLA_ESYNTAX, 0);
	rejects("h", SLA_ESYNTAX, 0);
	rejects("4 hours x", SLA_ESYNTAX, 8);
	rejects("4 hours,", SLA_ESYNTAX, 7);
	rejects("4 fortnights", SLA_ESYNTAX, 2);
	rejects("4 decades", SLA_ESYNTAX, 2);
	rejects("4 hours ago", SLA_ESYNTAX, 8);
	rejects("-", SLA_ESYNTAX, 1);
	rejects("+", SLA_ESYNTAX, 1);
	rejects("- 4 hours", SLA_ESYNTAX, 1);
	rejects("--4 hours", SLA_ESYNTAX, 1);
	rejects("+-4 hours", SLA_ESYNTAX, 1);
	rejects("1.", SLA_ESYNTAX, 2);
	rejects("1. h", SLA_ESYNTAX, 2);
	rejects(".", SLA_ESYNTAX, 1);
	rejects("1e3 s", SLA_ESYNTAX, 1);
	rejects("1,5 h", SLA_ESYNTAX, 1);
	rejects("0x10 s", SLA_ESYNTAX, 1);
	rejects("4 h\xc3\xa9", SLA_ESYNTAX, 3);

	/* Repeated units, reported at the start of the repeated item. */
	rejects("1 hour 2 hours", SLA_ESYNTAX, 7);
	rejects("1 h 1 hr", SLA_ESYNTAX, 4);
	rejects("1 day 1 d", SLA_ESYNTAX, 6);
	rejects("5 10", SLA_ESYNTAX, 2);
	rejects("01:30 15 s", SLA_ESYNTAX, 6);
	rejects("01:30 1 h", SLA_ESYNTAX, 6);
	rejects("2 minutes 01:30", SLA_ESYNTAX, 10);
	rejects("01:30 -01:30", SLA_ESYNTAX, 6);
	rejects("1.5.5", SLA_ESYNTAX, 3);

	/* Time items. */
	rejects("01:", SLA_ESYNTAX, 3);
	rejects("01:3", SLA_ESYNTAX, 4);
	rejects("01:3x", SLA_ESYNTAX, 4);
	rejects("01:30:", SLA_ESYNTAX, 6);
	rejects("01:30:0", SLA_ESYNTAX, 7);
	rejects("01:30:00.", SLA_ESYNTAX, 9);
	rejects("01:30h", SLA_ESYNTAX, 5);
	rejects("01:30:00:00", SLA_ESYNTAX, 8);
	rejects("1.5:30", SLA_ESYNTAX, 3);
	rejects(":30", SLA_ESYNTAX, 0);
	rejects("01:60", SLA_ERANGE, 3);
	rejects("01:99:00", SLA_ERANGE, 3);
	rejects("01:00:60", SLA_ERANGE, 6);
	rejects("1 day -00:00:75", SLA_ERANGE, 13);

	/* Days, weeks, months, years. */
	rejects("1.5 days", SLA_ERANGE, 4);
	rejects("0.5d", SLA_ERANGE, 3);
	rejects("-.1 DAY", SLA_ERANGE, 4);
	rejects("2 weeks", SLA_ERANGE, 2);
	rejects("2w", SLA_ERANGE, 1);
	rejects("1 wk", SLA_ERANGE, 2);
	rejects("1 mon", SLA_ERANGE, 2);
	rejects("3 months", SLA_ERANGE, 2);
	rejects("1 y", SLA_ERANGE, 2);
	rejects("1 yr", SLA_ERANGE, 2);
	rejects("1 YEARS", SLA_ERANGE, 2);
	rejects("1 day 1 month", SLA_ERANGE, 8);

	/* ISO 8601. */
	rejects("P", SLA_ESYNTAX, 1);
	rejects("PT", SLA_ESYNTAX, 2);
	rejects("P1DT", SLA_ESYNTAX, 4);
	rejects("-P", SLA_ESYNTAX, 2);
	rejects("P1", SLA_ESYNTAX, 2);
	rejects("PT1", SLA_ESYNTAX, 3);
	rejects("P1H", SLA_ESYNTAX, 2);
	rejects("PT1D", SLA_ESYNTAX, 3);
	rejects("P1D2D", SLA_ESYNTAX, 4);
	rejects("PT1H2H", SLA_ESYNTAX, 5);
	rejects("PT1M2H", SLA_ESYNTAX, 5);
	rejects("PT1S1M", SLA_ESYNTAX, 5);
	rejects("PTT1H", SLA_ESYNTAX, 2);
	rejects("PT1HT1M", SLA_ESYNTAX, 4);
	rejects("P-1D", SLA_ESYNTAX, 1);
	rejects("PT-1H", SLA_ESYNTAX, 2);
	rejects("PT.5H", SLA_ESYNTAX, 2);
	rejects("PT1.5H30M", SLA_ESYNTAX, 6);
	rejects("PT1.5H.5M", SLA_ESYNTAX, 6);
	rejects("P1DT1H 2 hours", SLA_ESYNTAX, 7);
	rejects("P 1D", SLA_ESYNTAX, 1);
	rejects("P1D T1H", SLA_ESYNTAX, 4);
	rejects("4 hours P1D", SLA_ESYNTAX, 8);
	rejects("P1W", SLA_ERANGE, 2);
	rejects("P1Y", SLA_ERANGE, 2);
	rejects("P1M", SLA_ERANGE, 2);
	rejects("P1Y2M3DT4H", SLA_ERANGE, 2);
	rejects("P1.5D", SLA_ERANGE, 4);
	rejects("P1.5DT1H", SLA_ERANGE, 4);

	/* Overflow. */
	rejects("2147483648 days", SLA_EOVERFLOW, 0);
	rejects("-2147483649 days", SLA_EOVERFLOW, 0);
	rejects("9223372036854775808 us", SLA_EOVERFLOW, 0);
	rejects("-9223372036854775809 us", SLA_EOVERFLOW, 0);
	rejects("2562047789 hours", SLA_EOVERFLOW, 0);
	rejects("2562047788:00:54.775808", SLA_EOVERFLOW, 0);
	rejects("1 h 99999999999999999999 s", SLA_EOVERFLOW, 4);
	rejects("99999999999999999999 days", SLA_EOVERFLOW, 0);
	rejects("99999999999999999999:00", SLA_EOVERFLOW, 0);
	rejects("PT99999999999999999999H", SLA_EOVERFLOW, 2);
	rejects("P99999999999999999999D", SLA_EOVERFLOW, 1);
	rejects("P2147483648D", SLA_EOVERFLOW, 0);
	accepts("-P2147483648D", INT32_MIN, 0, "-2147483648 days");	/* -2^31 fits */
}

static void
test_embedded_nul(void)
{
	sla_business_interval v;
	size_t		pos = 0;

	/* The parser takes a length, so an embedded NUL is an ordinary bad byte. */
	CHECK(sla_bi_parse("4 hours\0junk", 12, &v, &pos) == SLA_ESYNTAX);
	CHECK_EQ_I64(pos, 7);
	CHECK(sla_bi_parse("4 hours\0junk", 7, &v, &pos) == SLA_OK);
	CHECK_EQ_I64(v.usec, 4 * H);
	/* Only len bytes are read: the first 2 bytes of "12 hours" are a bare number of seconds. */
	CHECK(sla_bi_parse("12 hours", 2, &v, &pos) == SLA_OK);
	CHECK_EQ_I64(v.usec, 12 * S);
	CHECK(sla_bi_parse("P1D", 1, &v, &pos) == SLA_ESYNTAX);
	CHECK_EQ_I64(pos, 1);
}

static void
test_format(void)
{
	char		buf[SLA_BI_FORMAT_MAX];

	CHECK_EQ_I64(sla_bi_format(bi(0, 0), buf), 8);
	CHECK_EQ_STR(buf, "00:00:00");
	sla_bi_format(bi(1, 0), buf);
	CHECK_EQ_STR(buf, "1 day");
	sla_bi_format(bi(-1, 0), buf);
	CHECK_EQ_STR(buf, "-1 days");
	sla_bi_format(bi(2, -1), buf);
	CHECK_EQ_STR(buf, "2 days -00:00:00.000001");
	sla_bi_format(bi(-2, 1), buf);
	CHECK_EQ_STR(buf, "-2 days +00:00:00.000001");
	sla_bi_format(bi(0, 123456789), buf);
	CHECK_EQ_STR(buf, "00:02:03.456789");
	sla_bi_format(bi(0, 100 * H + 100000), buf);
	CHECK_EQ_STR(buf, "100:00:00.1");
	CHECK_EQ_I64(sla_bi_format(bi(INT32_MIN + 1, INT64_MIN), buf), 41);
	CHECK_EQ_STR(buf, "-2147483647 days -2562047788:00:54.775808");
	CHECK(strlen(buf) < SLA_BI_FORMAT_MAX);
	CHECK_EQ_I64(sla_bi_format(bi(INT32_MIN, INT64_MIN + 1), buf), 41);
	CHECK_EQ_STR(buf, "-2147483648 days -2562047788:00:54.775807");
	CHECK_EQ_I64(sla_bi_format(bi(INT32_MIN, INT64_MIN), buf), 9);
	CHECK_EQ_STR(buf, "-infinity");
	CHECK_EQ_I64(sla_bi_format(bi(INT32_MAX, INT64_MAX), buf), 8);
	CHECK_EQ_STR(buf, "infinity");
}

/* A small deterministic generator (xorshift64*) for round-trip sweeps. */
static uint64_t
next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * UINT64_C(2685821657736338717);
}

static void
test_round_trips(void)
{
	static const int32_t days[] = {0, 1, -1, 2, -2, 1000, INT32_MAX, INT32_MIN, INT32_MIN + 1};
	static const int64_t usecs[] = {0, 1, -1, 999999, -999999, S, 59 * S, H, 24 * H, -24 * H,
	25 * H + 1, INT64_MAX, INT64_MIN, INT64_MIN + 1, INT64_MAX - 1};
	uint64_t	state = 0x9e3779b97f4a7c15u;

	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		for (size_t j = 0; j < sizeof(usecs) / sizeof(usecs[0]); j++)
			round_trips(bi(days[i], usecs[j]));
	for (int k = 0; k < 2000; k++)
	{
		uint64_t	r = next_random(&state);
		int			shift = (int) (r % 64);
		int64_t		u = (int64_t) (next_random(&state) >> shift);

		if (r & 64)
			u = -u;
		round_trips(bi((int32_t) (uint32_t) (next_random(&state) >> (r % 40)), u));
	}
}

static void
test_order(void)
{
	CHECK(sla_bi_cmp(bi(1, 0), bi(0, 23 * H)) > 0);
	CHECK(sla_bi_cmp(bi(1, 0), bi(0, 25 * H)) < 0);
	CHECK(sla_bi_cmp(bi(0, 24 * H), bi(1, 0)) < 0);
	CHECK(sla_bi_cmp(bi(1, 0), bi(0, 24 * H)) > 0);
	CHECK(sla_bi_cmp(bi(1, 0), bi(1, 0)) == 0);
	CHECK(sla_bi_cmp(bi(2, -24 * H), bi(1, 0)) > 0);	/* equal totals, more days */
	CHECK(sla_bi_cmp(bi(-1, 0), bi(0, -24 * H)) < 0);
	CHECK(sla_bi_cmp(bi(0, -1), bi(0, 0)) < 0);
	CHECK(sla_bi_cmp(bi(INT32_MIN, INT64_MIN), bi(INT32_MAX, INT64_MAX)) < 0);
	CHECK(sla_bi_cmp(bi(INT32_MAX, INT64_MAX), bi(INT32_MAX, INT64_MAX - 1)) > 0);
	CHECK(sla_bi_cmp(bi(INT32_MIN, INT64_MAX), bi(INT32_MIN + 1, INT64_MIN)) > 0);
	/* Antisymmetry over a small grid. */
	{
		static const int32_t d[] = {-1, 0, 1};
		static const int64_t u[] = {-24 * H, -1, 0, 1, 24 * H};

		for (int a = 0; a < 15; a++)
			for (int b = 0; b < 15; b++)
			{
				sla_business_interval x = bi(d[a / 5], u[a % 5]);
				sla_business_interval y = bi(d[b / 5], u[b % 5]);

				CHECK(sla_bi_cmp(x, y) == -sla_bi_cmp(y, x));
				CHECK((sla_bi_cmp(x, y) == 0) == (a == b));
			}
	}
}

static void
test_add_sub_neg(void)
{
	sla_business_interval r = {0, 0, 7};

	CHECK(sla_bi_add(bi(1, 2 * H), bi(-3, 30 * M), &r) == SLA_OK);
	CHECK(r.days == -2 && r.usec == 2 * H + 30 * M && r.reserved == 0);
	CHECK(sla_bi_sub(bi(1, 0), bi(0, 24 * H), &r) == SLA_OK);
	CHECK(r.days == 1 && r.usec == -24 * H);
	CHECK(sla_bi_neg(bi(1, -5), &r) == SLA_OK);
	CHECK(r.days == -1 && r.usec == 5);

	CHECK(sla_bi_add(bi(INT32_MAX, 0), bi(1, 0), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_add(bi(0, INT64_MAX), bi(0, 1), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_add(bi(INT32_MIN, INT64_MIN + 1), bi(-1, 0), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_add(bi(INT32_MAX, INT64_MAX - 1), bi(INT32_MIN, INT64_MIN + 1), &r) == SLA_OK);
	CHECK(r.days == -1 && r.usec == -1);
	CHECK(sla_bi_sub(bi(INT32_MIN, 0), bi(1, 0), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_sub(bi(0, 0), bi(0, INT64_MIN), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_sub(bi(-1, -1), bi(INT32_MAX, INT64_MAX - 1), &r) == SLA_OK);
	CHECK(r.days == INT32_MIN && r.usec == INT64_MIN + 1);
	CHECK(sla_bi_neg(bi(INT32_MIN, 0), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_neg(bi(0, INT64_MIN), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_neg(bi(INT32_MAX, INT64_MAX - 1), &r) == SLA_OK);
	CHECK(r.days == -INT32_MAX && r.usec == -INT64_MAX + 1);

	CHECK(sla_bi_is_nonnegative(bi(0, 0)));
	CHECK(sla_bi_is_nonnegative(bi(1, 5)));
	CHECK(!sla_bi_is_nonnegative(bi(1, -5)));
	CHECK(!sla_bi_is_nonnegative(bi(-1, 5)));
}

static void
test_mul_div(void)
{
	sla_business_interval r = {0, 0, 7};

	CHECK(sla_bi_mul(bi(3, H), 2.0, &r) == SLA_OK);
	CHECK(r.days == 6 && r.usec == 2 * H && r.reserved == 0);
	CHECK(sla_bi_mul(bi(3, H), 0.5, &r) == SLA_OK);	/* 1.5 days -> 2 days */
	CHECK(r.days == 2 && r.usec == 30 * M);
	CHECK(sla_bi_mul(bi(-3, -1), 0.5, &r) == SLA_OK);	/* -1.5 -> -2, -0.5 us -> -1 us */
	CHECK(r.days == -2 && r.usec == -1);
	CHECK(sla_bi_mul(bi(1, 1), 0.49, &r) == SLA_OK);
	CHECK(r.days == 0 && r.usec == 0);
	CHECK(sla_bi_mul(bi(1, 3), -1.0, &r) == SLA_OK);
	CHECK(r.days == -1 && r.usec == -3);
	CHECK(sla_bi_mul(bi(5, 5), 0.0, &r) == SLA_OK);
	CHECK(r.days == 0 && r.usec == 0);
	CHECK(sla_bi_mul(bi(0, H), 0.1, &r) == SLA_OK);
	CHECK_EQ_I64(r.usec, 6 * M);
	CHECK(sla_bi_mul(bi(0, INT64_MAX), 1.0, &r) == SLA_OK);
	CHECK_EQ_I64(r.usec, INT64_MAX);
	CHECK(sla_bi_mul(bi(0, INT64_MIN), 1.0, &r) == SLA_OK);
	CHECK_EQ_I64(r.usec, INT64_MIN);
	CHECK(sla_bi_mul(bi(INT32_MIN, 0), 1.0, &r) == SLA_OK);
	CHECK_EQ_I64(r.days, INT32_MIN);
	CHECK(sla_bi_mul(bi(0, INT64_MIN), -1.0, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_mul(bi(INT32_MIN, 0), -1.0, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_mul(bi(0, H), 1e300, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_mul(bi(2, 0), 1.5e9, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_mul(bi(0, 0), 1e300, &r) == SLA_OK);
	CHECK(sla_bi_mul(bi(0, H), NAN, &r) == SLA_ERANGE);
	CHECK(sla_bi_mul(bi(0, H), INFINITY, &r) == SLA_ERANGE);
	CHECK(sla_bi_mul(bi(0, 0), -INFINITY, &r) == SLA_ERANGE);

	CHECK(sla_bi_div(bi(3, 3), 2.0, &r) == SLA_OK);	/* 1.5 -> 2 both */
	CHECK(r.days == 2 && r.usec == 2);
	CHECK(sla_bi_div(bi(-3, -3), 2.0, &r) == SLA_OK);
	CHECK(r.days == -2 && r.usec == -2);
	CHECK(sla_bi_div(bi(0, 10 * H), 3.0, &r) == SLA_OK);
	CHECK_EQ_I64(r.usec, 3 * H + 20 * M);
	CHECK(sla_bi_div(bi(0, S), 3.0, &r) == SLA_OK);
	CHECK_EQ_I64(r.usec, 333333);
	CHECK(sla_bi_div(bi(0, 2 * S), 3.0, &r) == SLA_OK);
	CHECK_EQ_I64(r.usec, 666667);
	CHECK(sla_bi_div(bi(1, 0), 0.5, &r) == SLA_OK);
	CHECK(r.days == 2 && r.usec == 0);
	CHECK(sla_bi_div(bi(0, INT64_MAX), 0.5, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_div(bi(0, H), 1e-300, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_div(bi(0, H), 0.0, &r) == SLA_ERANGE);
	CHECK(sla_bi_div(bi(0, H), -0.0, &r) == SLA_ERANGE);
	CHECK(sla_bi_div(bi(0, H), NAN, &r) == SLA_ERANGE);
	CHECK(sla_bi_div(bi(0, H), INFINITY, &r) == SLA_ERANGE);
}

/* True when r is the infinity of the given sign, with reserved 0. */
static bool
is_inf(sla_business_interval r, int sign)
{
	int			s;

	return sla_bi_is_infinite(r, &s) && s == sign && r.reserved == 0;
}

static void
test_infinity(void)
{
	sla_business_interval inf = SLA_BI_INFINITY;
	sla_business_interval ninf = SLA_BI_NEG_INFINITY;
	sla_business_interval r = {0, 0, 7};
	int			sign = 7;

	/* The helpers and the representation. */
	CHECK(inf.days == INT32_MAX && inf.usec == INT64_MAX && inf.reserved == 0);
	CHECK(ninf.days == INT32_MIN && ninf.usec == INT64_MIN && ninf.reserved == 0);
	CHECK(sla_bi_is_infinite(inf, &sign) && sign == 1);
	CHECK(sla_bi_is_infinite(ninf, &sign) && sign == -1);
	CHECK(!sla_bi_is_infinite(bi(0, 0), &sign) && sign == 0);
	CHECK(!sla_bi_is_infinite(bi(INT32_MAX, INT64_MAX - 1), &sign) && sign == 0);
	CHECK(!sla_bi_is_infinite(bi(INT32_MAX, INT64_MIN), NULL));
	CHECK(!sla_bi_is_infinite(bi(INT32_MIN, INT64_MAX), NULL));
	CHECK(sla_bi_is_infinite(inf, NULL));
	CHECK(!sla_bi_is_finite(inf) && !sla_bi_is_finite(ninf));
	CHECK(sla_bi_is_finite(bi(0, 0)) && sla_bi_is_finite(bi(INT32_MIN, INT64_MIN + 1)));
	CHECK(sla_bi_is_nonnegative(inf) && !sla_bi_is_nonnegative(ninf));

	/* Input: the three spellings, any case, surrounded by white space, and nothing else. */
	accepts("infinity", INT32_MAX, INT64_MAX, "infinity");
	accepts("+infinity", INT32_MAX, INT64_MAX, "infinity");
	accepts("-infinity", INT32_MIN, INT64_MIN, "-infinity");
	accepts("INFINITY", INT32_MAX, INT64_MAX, "infinity");
	accepts("-Infinity", INT32_MIN, INT64_MIN, "-infinity");
	accepts("+InFiNiTy", INT32_MAX, INT64_MAX, "infinity");
	accepts(" \t infinity \n", INT32_MAX, INT64_MAX, "infinity");
	accepts("  -infinity  ", INT32_MIN, INT64_MIN, "-infinity");
	rejects("inf", SLA_ESYNTAX, 0);
	rejects("-inf", SLA_ESYNTAX, 1);
	rejects("infinit", SLA_ESYNTAX, 0);
	rejects("infinityy", SLA_ESYNTAX, 0);
	rejects("infinitys", SLA_ESYNTAX, 0);
	rejects("infinity1", SLA_ESYNTAX, 8);
	rejects("infinity 1 h", SLA_ESYNTAX, 9);
	rejects("infinity infinity", SLA_ESYNTAX, 9);
	rejects("infinity-", SLA_ESYNTAX, 8);
	rejects("1 h infinity", SLA_ESYNTAX, 4);
	rejects("- infinity", SLA_ESYNTAX, 1);
	rejects("--infinity", SLA_ESYNTAX, 1);
	rejects("+-infinity", SLA_ESYNTAX, 1);
	rejects("Pinfinity", SLA_ESYNTAX, 1);
	rejects("infinity days", SLA_ESYNTAX, 9);

	/* A finite input with an infinity's pair overflows, and *out names the infinity. */
	{
		sla_business_interval v = {0, 0, 0};
		size_t		pos = 99;

		CHECK(parse("2147483647 days 2562047788:00:54.775807", &v, &pos) == SLA_EOVERFLOW);
		CHECK_EQ_I64(pos, 0);
		CHECK(is_inf(v, 1));
		v = bi(0, 0);
		CHECK(parse("-2147483648 days -2562047788:00:54.775808", &v, &pos) == SLA_EOVERFLOW);
		CHECK_EQ_I64(pos, 0);
		CHECK(is_inf(v, -1));
		v = bi(0, 0);
		CHECK(parse("P2147483647DT9223372036854.775807S", &v, &pos) == SLA_EOVERFLOW);
		CHECK(is_inf(v, 1));
		v = bi(0, 0);
		CHECK(parse("-P2147483648DT9223372036854.775808S", &v, &pos) == SLA_EOVERFLOW);
		CHECK(is_inf(v, -1));
		/* Other overflows leave *out alone. */
		v = bi(5, 5);
		CHECK(parse("2147483648 days", &v, &pos) == SLA_EOVERFLOW);
		CHECK(v.days == 5 && v.usec == 5);
	}

	/* Order: -infinity < every finite value < infinity; each equals only itself. */
	{
		static const int32_t d[] = {INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX - 1, INT32_MAX};
		static const int64_t u[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};

		for (size_t i = 0; i < 7; i++)
			for (size_t j = 0; j < 7; j++)
			{
				sla_business_interval x = bi(d[i], u[j]);

				if (!sla_bi_is_finite(x))
					continue;
				CHECK(sla_bi_cmp(ninf, x) < 0 && sla_bi_cmp(x, ninf) > 0);
				CHECK(sla_bi_cmp(inf, x) > 0 && sla_bi_cmp(x, inf) < 0);
			}
		CHECK(sla_bi_cmp(inf, inf) == 0 && sla_bi_cmp(ninf, ninf) == 0);
		CHECK(sla_bi_cmp(ninf, inf) < 0 && sla_bi_cmp(inf, ninf) > 0);
	}

	/* + and -: infinite operands win; opposite infinities have no sum. */
	CHECK(sla_bi_add(inf, bi(-5, -5), &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_add(bi(INT32_MIN, INT64_MIN + 1), inf, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_add(ninf, bi(5, 5), &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_add(bi(INT32_MAX, 0), ninf, &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_add(inf, inf, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_add(ninf, ninf, &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_add(inf, ninf, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_add(ninf, inf, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_sub(inf, bi(1, 1), &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_sub(bi(1, 1), inf, &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_sub(bi(1, 1), ninf, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_sub(ninf, bi(-1, -1), &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_sub(inf, ninf, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_sub(ninf, inf, &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_sub(inf, inf, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_sub(ninf, ninf, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_neg(inf, &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_neg(ninf, &r) == SLA_OK && is_inf(r, 1));

	/* Finite arithmetic never produces an infinity's pair: that is an overflow. */
	CHECK(sla_bi_add(bi(INT32_MAX, 0), bi(0, INT64_MAX), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_add(bi(INT32_MAX - 1, INT64_MAX - 1), bi(1, 1), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_add(bi(INT32_MIN, -1), bi(0, INT64_MIN + 1), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_add(bi(INT32_MAX, INT64_MAX - 1), bi(0, 0), &r) == SLA_OK);
	CHECK(sla_bi_sub(bi(INT32_MIN, INT64_MIN + 1), bi(0, 1), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_sub(bi(0, 0), bi(INT32_MIN + 1, INT64_MIN + 1), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_neg(bi(INT32_MIN + 1, INT64_MIN + 1), &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_neg(bi(-INT32_MAX, -INT64_MAX + 1), &r) == SLA_OK);
	CHECK(r.days == INT32_MAX && r.usec == INT64_MAX - 1);
	CHECK(sla_bi_mul(bi(INT32_MIN + 1, INT64_MIN + 1), -1.0, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_div(bi(INT32_MIN + 1, INT64_MIN + 1), -1.0, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_mul(bi(INT32_MIN + 1, INT64_MIN + 2), -1.0, &r) == SLA_OK);
	CHECK(r.days == INT32_MAX && r.usec == INT64_MAX - 1);

	/* * and /: like PostgreSQL 17's interval; NaN stays an invalid factor. */
	CHECK(sla_bi_mul(inf, 2.0, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_mul(inf, 1e-300, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_mul(inf, -0.5, &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_mul(ninf, 3.0, &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_mul(ninf, -3.0, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_mul(inf, INFINITY, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_mul(inf, -INFINITY, &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_mul(ninf, -INFINITY, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_mul(inf, 0.0, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_mul(ninf, -0.0, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_mul(inf, NAN, &r) == SLA_ERANGE);
	CHECK(sla_bi_mul(ninf, NAN, &r) == SLA_ERANGE);
	CHECK(sla_bi_mul(bi(0, H), INFINITY, &r) == SLA_ERANGE);	/* finite * Infinity: as before */
	CHECK(sla_bi_div(inf, 2.0, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_div(inf, 1e300, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_div(inf, -2.0, &r) == SLA_OK && is_inf(r, -1));
	CHECK(sla_bi_div(ninf, -1e-300, &r) == SLA_OK && is_inf(r, 1));
	CHECK(sla_bi_div(inf, INFINITY, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_div(ninf, -INFINITY, &r) == SLA_EOVERFLOW);
	CHECK(sla_bi_div(inf, 0.0, &r) == SLA_ERANGE);
	CHECK(sla_bi_div(ninf, -0.0, &r) == SLA_ERANGE);
	CHECK(sla_bi_div(inf, NAN, &r) == SLA_ERANGE);
	CHECK(sla_bi_div(bi(0, H), -INFINITY, &r) == SLA_ERANGE);	/* finite / Infinity: as before */
}

void
test_business_interval(void)
{
	test_accepted();
	test_rejected();
	test_embedded_nul();
	test_format();
	test_round_trips();
	test_order();
	test_add_sub_neg();
	test_mul_div();
	test_infinity();
}
