/* test_civil.c — day numbers, dates and weekdays. */
#include "civil.h"
#include "unit.h"

void
test_civil(void)
{
	int32_t		y,
				m,
				d,
				n;

	CHECK_EQ_I64(sla_days_from_civil(2000, 1, 1), 0);
	CHECK_EQ_I64(sla_days_from_civil(1970, 1, 1), -10957);
	CHECK_EQ_I64(sla_days_from_civil(2000, 3, 1), 60);	/* 2000 is a leap year */
	CHECK_EQ_I64(sla_days_from_civil(2100, 3, 1) - sla_days_from_civil(2100, 2, 28), 1);
	CHECK_EQ_I64(sla_days_from_civil(2400, 1, 1) - sla_days_from_civil(2000, 1, 1), 146097);
	CHECK_EQ_I64(sla_weekday(0), 5);	/* Saturday */
	CHECK_EQ_I64(sla_weekday(sla_days_from_civil(2026, 11, 23)), 0);	/* a Monday */
	CHECK_EQ_I64(sla_weekday(sla_days_from_civil(1969, 12, 31)), 2);	/* a Wednesday */
	CHECK_EQ_I64(sla_weekday(sla_days_from_civil(-4713, 11, 24)), 0);	/* Julian day 0 */
	for (n = -3000000; n <= 3000000; n += 997)
	{
		sla_civil_from_days(n, &y, &m, &d);
		if (sla_days_from_civil(y, m, d) != n || m < 1 || m > 12 || d < 1 || d > 31)
		{
			CHECK(!"civil round trip");
			break;
		}
	}
	CHECK(n > 3000000);
	sla_civil_from_days(sla_days_from_civil(2024, 2, 29), &y, &m, &d);
	CHECK(y == 2024 && m == 2 && d == 29);
	CHECK_EQ_I64(sla_floor_div(-1, 63), -1);
	CHECK_EQ_I64(sla_floor_div(-63, 63), -1);
	CHECK_EQ_I64(sla_floor_div(-64, 63), -2);
	CHECK_EQ_I64(sla_floor_mod(-1, 7), 6);
}
