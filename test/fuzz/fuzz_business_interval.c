/*
 * fuzz_business_interval.c — libFuzzer target for the business_interval core.
 *
 * Parses arbitrary bytes.  Whatever is accepted must format to canonical text that re-parses to
 * the identical value and formats identically again; the error offset of a rejection must lie
 * within the input.  Accepted values also drive cmp, add, sub, neg, mul and div so the
 * sanitizers can catch undefined behaviour there, and the infinity rules are checked: finite
 * operands never give an infinity, infinite ones give the documented infinity or an error, and
 * -infinity < every finite value < infinity.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "business_interval.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort (a finding) unless cond holds. */
static void
require(int cond)
{
	if (!cond)
		abort();
}

/* Status codes the arithmetic may legitimately return. */
static void
require_arith(sla_status st, sla_business_interval r)
{
	require(st == SLA_OK || st == SLA_EOVERFLOW || st == SLA_ERANGE);
	if (st == SLA_OK)
		require(r.reserved == 0);
}

/* True when data holds the word infinity, in any case (the only way to input an infinity). */
static bool
mentions_infinity(const uint8_t *data, size_t size)
{
	static const char word[] = "infinity";

	for (size_t i = 0; i + 8 <= size; i++)
	{
		size_t		k = 0;

		while (k < 8 && (data[i + k] | 0x20) == (uint8_t) word[k])
			k++;
		if (k == 8)
			return true;
	}
	return false;
}

/* An operation on finite operands (and a finite factor) either fails or gives a finite value. */
static void
require_finite_result(sla_status st, sla_business_interval r)
{
	require_arith(st, r);
	if (st == SLA_OK)
		require(sla_bi_is_finite(r));
}

/* An operation that must give the infinity of the given sign. */
static void
require_infinite(sla_status st, sla_business_interval r, int sign)
{
	int			s;

	require(st == SLA_OK && sla_bi_is_infinite(r, &s) && s == sign && r.reserved == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sla_business_interval v;
	sla_business_interval again;
	sla_business_interval r;
	char		text[SLA_BI_FORMAT_MAX];
	char		text2[SLA_BI_FORMAT_MAX];
	size_t		pos = 0;
	size_t		n;
	sla_status	st;
	static const double factors[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-9, 3.0, -1e300, 1e300};
	const sla_business_interval inf = SLA_BI_INFINITY;
	const sla_business_interval ninf = SLA_BI_NEG_INFINITY;
	int			sign;
	bool		finite;

	st = sla_bi_parse((const char *) data, size, &v, &pos);
	if (st != SLA_OK)
	{
		require(st == SLA_ESYNTAX || st == SLA_ERANGE || st == SLA_EOVERFLOW);
		require(pos <= size);
		return 0;
	}
	require(v.reserved == 0);
	finite = !sla_bi_is_infinite(v, &sign);
	/* Finite input never parses to an infinity's reserved pair. */
	require(finite || mentions_infinity(data, size));

	n = sla_bi_format(v, text);
	require(n > 0 && n < SLA_BI_FORMAT_MAX && strlen(text) == n);
	require(sla_bi_parse(text, n, &again, &pos) == SLA_OK);
	require(again.days == v.days && again.usec == v.usec);
	require(sla_bi_format(again, text2) == n && memcmp(text, text2, n + 1) == 0);
	require(sla_bi_cmp(v, again) == 0);
	require(finite == (strcmp(text, "infinity") != 0 && strcmp(text, "-infinity") != 0));

	/* -infinity < every finite value < infinity. */
	if (finite)
		require(sla_bi_cmp(ninf, v) < 0 && sla_bi_cmp(v, inf) < 0);

	/* Order: consistent with structural equality and antisymmetric against a few values. */
	{
		sla_business_interval probes[6] = {
			{0, 0, 0}, {SLA_USECS_PER_DAY, 0, 0}, {0, 1, 0}, {INT64_MIN, INT32_MAX, 0},
			SLA_BI_INFINITY, SLA_BI_NEG_INFINITY
		};

		for (int i = 0; i < 6; i++)
		{
			int			c = sla_bi_cmp(v, probes[i]);

			require(c == -sla_bi_cmp(probes[i], v));
			require((c == 0) == (v.days == probes[i].days && v.usec == probes[i].usec));
		}
	}

	st = sla_bi_add(v, v, &r);
	if (finite)
		require_finite_result(st, r);
	else
		require_infinite(st, r, sign);
	st = sla_bi_sub(v, again, &r);
	if (finite)
		require(st == SLA_OK && r.days == 0 && r.usec == 0);
	else
		require(st == SLA_EOVERFLOW);	/* infinity - infinity has no value */
	st = sla_bi_neg(v, &r);
	if (finite)
		require_finite_result(st, r);
	else
		require_infinite(st, r, -sign);
	if (st == SLA_OK)
	{
		sla_business_interval back;

		require(sla_bi_neg(r, &back) == SLA_OK && back.days == v.days && back.usec == v.usec);
	}

	/* Against the infinities: an infinite operand wins, opposite infinities have no sum. */
	st = sla_bi_add(v, inf, &r);
	if (finite || sign > 0)
		require_infinite(st, r, 1);
	else
		require(st == SLA_EOVERFLOW);
	st = sla_bi_sub(v, inf, &r);
	if (finite || sign < 0)
		require_infinite(st, r, -1);
	else
		require(st == SLA_EOVERFLOW);
	st = sla_bi_add(ninf, v, &r);
	if (finite || sign < 0)
		require_infinite(st, r, -1);
	else
		require(st == SLA_EOVERFLOW);

	for (size_t i = 0; i < sizeof(factors) / sizeof(factors[0]); i++)
	{
		st = sla_bi_mul(v, factors[i], &r);
		if (finite)
			require_finite_result(st, r);
		else if (factors[i] == 0.0)
			require(st == SLA_EOVERFLOW);	/* infinity * 0 has no value */
		else
			require_infinite(st, r, factors[i] < 0 ? -sign : sign);
		st = sla_bi_div(v, factors[i], &r);
		if (finite)
			require_finite_result(st, r);
		else if (factors[i] != 0.0)
			require_infinite(st, r, factors[i] < 0 ? -sign : sign);
		if (factors[i] == 0.0)
			require(st == SLA_ERANGE);
	}
	st = sla_bi_mul(v, 1.0, &r);
	/* Multiplying by 1 is exact wherever long double holds an int64. */
	if (st == SLA_OK && sizeof(long double) > sizeof(double))
		require(r.days == v.days && r.usec == v.usec);
	(void) sla_bi_is_nonnegative(v);
	return 0;
}
