/*
 * unit.h — a tiny assertion harness for the core's C unit tests (no dependencies).
 * Each CHECK counts one assertion; main.c prints "N passed, N failed" and exits non-zero on
 * any failure.
 */
#ifndef SLA_UNIT_H
#define SLA_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern int	unit_passed;
extern int	unit_failed;

#define CHECK(cond) \
	do { \
		if (cond) unit_passed++; \
		else { unit_failed++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
	} while (0)

#define CHECK_EQ_I64(got, want) \
	do { \
		int64_t g_ = (int64_t) (got), w_ = (int64_t) (want); \
		if (g_ == w_) unit_passed++; \
		else { unit_failed++; fprintf(stderr, "%s:%d: %s = %" PRId64 ", want %" PRId64 "\n", \
									  __FILE__, __LINE__, #got, g_, w_); } \
	} while (0)

#define CHECK_EQ_STR(got, want) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		if (strcmp(g_, w_) == 0) unit_passed++; \
		else { unit_failed++; fprintf(stderr, "%s:%d: %s = \"%s\", want \"%s\"\n", \
									  __FILE__, __LINE__, #got, g_, w_); } \
	} while (0)

/* Suites, one per core file. */
void		test_business_interval(void);
void		test_civil(void);
void		test_hours_spec(void);
void		test_calendar(void);
void		test_rules(void);
void		test_clockflow(void);

#endif
