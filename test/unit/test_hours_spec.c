/* test_hours_spec.c — the opening-hours notation. */
#include "hours_spec.h"
#include "unit.h"

#define H(x) ((int64_t) (x) * INT64_C(3600000000))
#define M(x) ((int64_t) (x) * INT64_C(60000000))

static sla_status
weekly(const char *s, sla_day_range *r, size_t *n, size_t *pos)
{
	return sla_parse_weekly_hours(s, strlen(s), r, SLA_MAX_RANGES, n, pos);
}

void
test_hours_spec(void)
{
	sla_day_range r[SLA_MAX_RANGES];
	size_t		n,
				pos;

	CHECK(weekly("mon-fri 09:00-17:00; sat 10:00-12:00,13:00-15:00; sun closed", r, &n, &pos) == SLA_OK);
	CHECK_EQ_I64(n, 7);
	CHECK(r[0].weekday == 0 && r[0].start == H(9) && r[0].end == H(17));
	CHECK(r[4].weekday == 4);
	CHECK(r[5].weekday == 5 && r[5].start == H(10) && r[5].end == H(12));
	CHECK(r[6].weekday == 5 && r[6].start == H(13) && r[6].end == H(15));

	CHECK(weekly("24/7", r, &n, &pos) == SLA_OK);
	CHECK(n == 7 && r[6].weekday == 6 && r[6].start == 0 && r[6].end == H(24));

	CHECK(weekly("mon-sun 22:00-06:00", r, &n, &pos) == SLA_OK);
	CHECK(n == 7 && r[0].start == H(22) && r[0].end == H(30));

	CHECK(weekly("  MON,Wed 9-17:30 ;fri-mon 00:00-24:00;", r, &n, &pos) == SLA_ECONFIG);	/* mon twice, overlapping */
	CHECK(weekly("tue,wed 9-17:30; fri-mon 00:00-24:00", r, &n, &pos) == SLA_OK);
	CHECK_EQ_I64(n, 6);
	CHECK(r[0].weekday == 1 && r[0].end == H(17) + M(30));
	CHECK(r[2].weekday == 0 && r[3].weekday == 4 && r[5].weekday == 6);	/* mon, fri, sat, sun */
	CHECK(weekly("monday 08:00:30-09:00", r, &n, &pos) == SLA_OK);
	CHECK(r[0].start == H(8) + 30 * INT64_C(1000000));

	/* overnight ranges collide with the next morning, and Sunday night with Monday */
	CHECK(weekly("mon 22:00-06:00; tue 05:00-09:00", r, &n, &pos) == SLA_ECONFIG);
	CHECK(weekly("sun 22:00-06:00; mon 05:00-09:00", r, &n, &pos) == SLA_ECONFIG);
	CHECK(weekly("sun 22:00-06:00; mon 06:00-09:00", r, &n, &pos) == SLA_OK);
	CHECK(weekly("mon 09:00-12:00,11:00-13:00", r, &n, &pos) == SLA_ECONFIG);
	CHECK(weekly("mon 09:00-17:00; mon closed", r, &n, &pos) == SLA_ECONFIG);

	/* bad notation and bad times */
	CHECK(weekly("", r, &n, &pos) == SLA_ESYNTAX);
	CHECK(weekly("someday 9-17", r, &n, &pos) == SLA_ESYNTAX && pos == 0);
	CHECK(weekly("mon 9-17 tue 9-17", r, &n, &pos) == SLA_ESYNTAX && pos == 9);
	CHECK(weekly("mon 25:00-26:00", r, &n, &pos) == SLA_ERANGE && pos == 4);
	CHECK(weekly("mon 09:60-10:00", r, &n, &pos) == SLA_ERANGE);
	CHECK(weekly("mon 24:00-06:00", r, &n, &pos) == SLA_ERANGE);
	CHECK(weekly("mon 09:00-09:00", r, &n, &pos) == SLA_ERANGE);
	CHECK(weekly("mon 9:0-10", r, &n, &pos) == SLA_ESYNTAX);
	CHECK(weekly("mon 09:00", r, &n, &pos) == SLA_ESYNTAX);
	CHECK(weekly("mon 09:00-", r, &n, &pos) == SLA_ESYNTAX);
	CHECK(weekly("mon-", r, &n, &pos) == SLA_ESYNTAX);
	CHECK(weekly("24/7 mon", r, &n, &pos) == SLA_ESYNTAX);
	CHECK(weekly("mon 123:00-10:00", r, &n, &pos) == SLA_ESYNTAX);

	CHECK(sla_parse_day_hours("09:00-12:00, 13:00-15:00", 24, r, SLA_MAX_RANGES, &n, &pos) == SLA_OK);
	CHECK(n == 2 && r[1].start == H(13) && r[1].end == H(15));
	CHECK(sla_parse_day_hours("Closed", 6, r, SLA_MAX_RANGES, &n, &pos) == SLA_OK && n == 0);
	CHECK(sla_parse_day_hours("22:00-02:00", 11, r, SLA_MAX_RANGES, &n, &pos) == SLA_OK && r[0].end == H(26));
	CHECK(sla_parse_day_hours("09:00-12:00,11:00-13:00", 23, r, SLA_MAX_RANGES, &n, &pos) == SLA_ECONFIG);
	CHECK(sla_parse_day_hours("mon 09:00-12:00", 15, r, SLA_MAX_RANGES, &n, &pos) == SLA_ESYNTAX);
	CHECK(sla_parse_day_hours("", 0, r, SLA_MAX_RANGES, &n, &pos) == SLA_ESYNTAX);
}
