/* main.c — runs every unit-test suite of the pure core and prints the totals. */
#include "unit.h"

int			unit_passed = 0;
int			unit_failed = 0;

int
main(void)
{
	test_business_interval();
	test_civil();
	test_hours_spec();
	test_calendar();
	test_rules();
	test_clockflow();
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}
