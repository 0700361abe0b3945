/*
 * civil.c — conversions between day numbers and Gregorian dates.
 *
 * Uses the well-known era arithmetic on 400-year cycles (146097 days), which is exact for the
 * whole proleptic Gregorian range PostgreSQL supports.
 */
#include "civil.h"

/* Days from 0000-03-01 to 2000-01-01 in the shifted calendar used below. */
#define DAYS_0000_03_01_TO_2000_01_01 730425

int32_t
sla_days_from_civil(int32_t year, int32_t month, int32_t day)
{
	int64_t		y = (int64_t) year - (month <= 2 ? 1 : 0);
	int64_t		era = sla_floor_div(y, 400);
	int64_t		yoe = y - era * 400;	/* [0, 399] */
	int64_t		mp = (month + 9) % 12;	/* March = 0 */
	int64_t		doy = (153 * mp + 2) / 5 + day - 1;
	int64_t		doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int32_t) (era * 146097 + doe - DAYS_0000_03_01_TO_2000_01_01);
}

void
sla_civil_from_days(int32_t days, int32_t *year, int32_t *month, int32_t *day)
{
	int64_t		z = (int64_t) days + DAYS_0000_03_01_TO_2000_01_01;
	int64_t		era = sla_floor_div(z, 146097);
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;
	int64_t		m = mp < 10 ? mp + 3 : mp - 9;

	*year = (int32_t) (yoe + era * 400 + (m <= 2 ? 1 : 0));
	*month = (int32_t) m;
	*day = (int32_t) (doy - (153 * mp + 2) / 5 + 1);
}
