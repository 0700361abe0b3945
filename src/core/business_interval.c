/*
 * business_interval.c — parsing, canonical formatting, total order and arithmetic of
 * sla_business_interval, the pure-C11 core of the business_interval SQL type.
 *
 * Semantics
 * ---------
 * A value is a pair (days, usec): whole business days (int32) and business microseconds
 * (int64).  The parts are never normalised into each other: '24 hours' stays 24 hours and
 * '1 day' stays one day, because a business day means "the same local time on the next working
 * day" and has no fixed length.  Each part carries its own sign ('-1 day 2 hours' is minus one
 * day plus two hours).
 *
 * Input (ASCII, case-insensitive, leading/trailing white space ignored):
 *   - a sequence of items, optionally separated by white space, each with its own sign:
 *       [+-]<number>[ ]<unit>   number = digits[.digits] | .digits
 *       units: d day days | h hr hrs hour hours | m min mins minute minutes
 *              | s sec secs second seconds | ms msec msecs millisecond milliseconds
 *              | us usec usecs microsecond microseconds
 *       [+-]<number>            a bare number means seconds
 *       [+-]H+:MM[:SS[.f+]]     a time item; hours may exceed 24, MM and SS are two digits < 60
 *     Each unit may appear once; a time item counts as hours, minutes and seconds, a bare
 *     number as seconds.  Days must be whole ('1.0 day' is accepted, '1.5 days' is not).
 *     Weeks, months and years ('w', 'week', 'mon', 'month', 'y', 'year', ...) are rejected.
 *   - or 'infinity', '+infinity' or '-infinity', alone (see Infinities below; 'inf' is not
 *     accepted, as PostgreSQL's interval does not accept it either);
 *   - or an ISO 8601 duration [+-]P[nD][T[nH][nM][nS]] (designators in this order, each at
 *     most once, unsigned numbers, a decimal fraction only on the last component, which
 *     cannot be D).  'P' or 'PT' with no component is an error; W, Y and M before T are
 *     rejected.  The leading sign applies to every component.
 *   Fractions are converted exactly and rounded to the microsecond, half away from zero.
 *
 * Parse failures return, with *err_pos set to a byte offset into the input:
 *   SLA_ESYNTAX    malformed text; err_pos is where the unexpected byte (or the end) was met,
 *                  or the start of a duplicated item.
 *   SLA_ERANGE     well-formed but outside the type's domain; err_pos points at
 *                    - a digit: minutes or seconds >= 60 inside a time item;
 *                    - a day unit or ISO 'D': a fractional number of days;
 *                    - a 'w', 'm' or 'y' word or ISO designator: weeks, months or years.
 *                  (The glue reports all three as invalid input syntax, with a hint.)
 *   SLA_EOVERFLOW  days do not fit int32 or microseconds do not fit int64; err_pos is the
 *                  start of the offending item, or 0 when only the total overflows.  A total
 *                  that is exactly the pair of +infinity or -infinity is also SLA_EOVERFLOW
 *                  (err_pos 0), and then *out is set to that infinity so callers can say why.
 *
 * Canonical output (PostgreSQL interval style, re-parses to the identical value):
 *   [N day|N days][ ][+|-]HH:MM:SS[.ffffff]
 *   The days part appears only when days != 0 ("day" only for exactly 1, as PostgreSQL does).
 *   The time part appears when usec != 0 or days == 0; hours have at least two digits and may
 *   exceed 24; the fraction has its trailing zeros removed.  The time part is signed '-' when
 *   negative, and '+' when positive while days are negative ('-1 days +02:00:00').
 *   The infinities are written 'infinity' and '-infinity'.
 *
 * Infinities (as PostgreSQL 17 added them to interval): +infinity is the pair (INT32_MAX days,
 *   INT64_MAX usec) and -infinity the pair (INT32_MIN, INT64_MIN).  Both pairs are reserved: a
 *   finite input, sum, difference, negation, product or quotient that would be exactly one of
 *   them is SLA_EOVERFLOW, so every value with those parts really is an infinity.
 *
 * Total order: compare days * 86400e6 + usec (exactly, in 128 bits); ties are broken by days.
 *   So '23 hours' < '1 day' < '25 hours', and '24 hours' < '1 day' although their totals tie.
 *   Equality is structural (same days and usec), which is consistent with the order.
 *   The pair of +infinity has the greatest total of all pairs and -infinity the least, each
 *   reached by no other pair, so -infinity < every finite value < +infinity needs no special case.
 *
 * Arithmetic: + and - work partwise and fail with SLA_EOVERFLOW if either part overflows.
 *   Multiplication and division by a float scale each part separately; days are rounded to a
 *   whole day and microseconds to the microsecond, both half away from zero.  A factor or
 *   divisor that is NaN or infinite, or a divisor of 0, returns SLA_ERANGE; a result that does
 *   not fit returns SLA_EOVERFLOW.
 *   With an infinite operand, as PostgreSQL 17 does for interval (the type has no NaN, so the
 *   forms without a value are SLA_EOVERFLOW, like any result the type cannot hold):
 *     inf + finite = inf, inf + inf = inf, inf + -inf = SLA_EOVERFLOW; a - b is a + (-b);
 *     -(inf) = -inf;
 *     inf * f = inf for f > 0 (+Infinity included), -inf for f < 0; inf * 0 = SLA_EOVERFLOW;
 *     inf / f = inf for finite f > 0, -inf for finite f < 0; inf / +-Infinity = SLA_EOVERFLOW;
 *     a NaN factor or divisor, and a divisor of 0, stay SLA_ERANGE.
 *   A finite operand with an infinite factor or divisor stays SLA_ERANGE (PostgreSQL 17 gives an
 *   infinite interval for finite * Infinity; this type keeps treating that factor as invalid).
 *
 * No allocation, no globals, no locale: the byte classification below is plain ASCII.
 */
#include <math.h>
#include <string.h>

#include "business_interval.h"

__extension__ typedef __int128 bi_int128;
__extension__ typedef unsigned __int128 bi_uint128;

/* Unit classes, used both as multipliers and to reject repeated units. */
enum
{
	BI_DAY = 1 << 0,
	BI_HOUR = 1 << 1,
	BI_MIN = 1 << 2,
	BI_SEC = 1 << 3,
	BI_MSEC = 1 << 4,
	BI_USEC = 1 << 5,
	BI_NOUNIT = 1 << 6			/* weeks, months, years: recognised only to be rejected */
};

typedef struct bi_unit_name
{
	const char *name;
	int			unit;
} bi_unit_name;

static const bi_unit_name bi_units[] = {
	{"d", BI_DAY}, {"day", BI_DAY}, {"days", BI_DAY},
	{"h", BI_HOUR}, {"hr", BI_HOUR}, {"hrs", BI_HOUR}, {"hour", BI_HOUR}, {"hours", BI_HOUR},
	{"m", BI_MIN}, {"min", BI_MIN}, {"mins", BI_MIN}, {"minute", BI_MIN}, {"minutes", BI_MIN},
	{"s", BI_SEC}, {"sec", BI_SEC}, {"secs", BI_SEC}, {"second", BI_SEC}, {"seconds", BI_SEC},
	{"ms", BI_MSEC}, {"msec", BI_MSEC}, {"msecs", BI_MSEC},
	{"millisecond", BI_MSEC}, {"milliseconds", BI_MSEC},
	{"us", BI_USEC}, {"usec", BI_USEC}, {"usecs", BI_USEC},
	{"microsecond", BI_USEC}, {"microseconds", BI_USEC},
	{"w", BI_NOUNIT}, {"wk", BI_NOUNIT}, {"wks", BI_NOUNIT}, {"week", BI_NOUNIT},
	{"weeks", BI_NOUNIT},
	{"mon", BI_NOUNIT}, {"mons", BI_NOUNIT}, {"month", BI_NOUNIT}, {"months", BI_NOUNIT},
	{"y", BI_NOUNIT}, {"yr", BI_NOUNIT}, {"yrs", BI_NOUNIT}, {"year", BI_NOUNIT},
	{"years", BI_NOUNIT},
};

/* Parsing cursor over a length-delimited buffer. */
typedef struct bi_scan
{
	const char *s;
	size_t		len;
	size_t		pos;
} bi_scan;

/* A scanned unsigned decimal number: integer part plus the span of its fraction digits. */
typedef struct bi_number
{
	uint64_t	int_part;
	bool		int_overflow;	/* integer part exceeded uint64 */
	size_t		frac_start;
	size_t		frac_len;		/* 0 when there is no fraction */
} bi_number;

/* ASCII white space, as in the C locale. */
static bool
bi_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ASCII decimal digit. */
static bool
bi_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII letter. */
static bool
bi_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ASCII lower-casing; other bytes pass through. */
static char
bi_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* True when the cursor is at the end of the input. */
static bool
bi_at_end(const bi_scan *sc)
{
	return sc->pos >= sc->len;
}

/* The byte under the cursor, or NUL at the end. */
static char
bi_peek(const bi_scan *sc)
{
	return sc->pos < sc->len ? sc->s[sc->pos] : '\0';
}

/* Advance over white space. */
static void
bi_skip_space(bi_scan *sc)
{
	while (sc->pos < sc->len && bi_is_space(sc->s[sc->pos]))
		sc->pos++;
}

/* Scan a run of digits into *value, flagging overflow of uint64; returns the digit count. */
static size_t
bi_scan_digits(bi_scan *sc, uint64_t *value, bool *overflow)
{
	size_t		n = 0;

	*value = 0;
	while (sc->pos < sc->len && bi_is_digit(sc->s[sc->pos]))
	{
		uint64_t	d = (uint64_t) (sc->s[sc->pos] - '0');

		if (*value > (UINT64_MAX - d) / 10)
			*overflow = true;
		else
			*value = *value * 10 + d;
		sc->pos++;
		n++;
	}
	return n;
}

/*
 * Scan digits[.digits] or .digits.  Returns false with the cursor at the offending byte when
 * there is no digit before the point or none after it.
 */
static bool
bi_scan_number(bi_scan *sc, bi_number *num)
{
	size_t		int_digits;

	num->int_overflow = false;
	num->frac_len = 0;
	num->frac_start = 0;
	int_digits = bi_scan_digits(sc, &num->int_part, &num->int_overflow);
	if (bi_peek(sc) == '.')
	{
		sc->pos++;
		num->frac_start = sc->pos;
		while (sc->pos < sc->len && bi_is_digit(sc->s[sc->pos]))
			sc->pos++;
		num->frac_len = sc->pos - num->frac_start;
		if (num->frac_len == 0)
			return false;
	}
	return int_digits > 0 || num->frac_len > 0;
}

/* True when every fraction digit of num is 0 (or there are none). */
static bool
bi_frac_is_zero(const bi_scan *sc, const bi_number *num)
{
	for (size_t i = 0; i < num->frac_len; i++)
		if (sc->s[num->frac_start + i] != '0')
			return false;
	return true;
}

/*
 * round(0.<digits> * unit), half away from zero, computed exactly for any number of digits.
 *
 * Scanning the digits from the last to the first, c = floor((M * d + c) / 10) yields
 * floor(M * 0.<digits>) exactly (the carry never loses a unit).  With M = 2 * unit this gives
 * floor(2x); x rounds up exactly when that is odd.
 */
static uint64_t
bi_round_fraction(const char *digits, size_t n, uint64_t unit)
{
	uint64_t	m = 2 * unit;
	uint64_t	c = 0;

	for (size_t i = n; i > 0; i--)
		c = (m * (uint64_t) (digits[i - 1] - '0') + c) / 10;
	return c / 2 + (c & 1);
}

/* Magnitude of num * unit microseconds (rounded); SLA_EOVERFLOW if the integer part overflowed. */
static sla_status
bi_scale_number(const bi_scan *sc, const bi_number *num, uint64_t unit, bi_uint128 *mag)
{
	if (num->int_overflow)
		return SLA_EOVERFLOW;
	*mag = (bi_uint128) num->int_part * unit;
	if (num->frac_len > 0)
		*mag += bi_round_fraction(sc->s + num->frac_start, num->frac_len, unit);
	return SLA_OK;
}

/* Microseconds per unit class (days are counted, not converted). */
static uint64_t
bi_unit_usecs(int unit)
{
	switch (unit)
	{
		case BI_HOUR:
			return (uint64_t) SLA_USECS_PER_HOUR;
		case BI_MIN:
			return (uint64_t) SLA_USECS_PER_MIN;
		case BI_SEC:
			return (uint64_t) SLA_USECS_PER_SEC;
		case BI_MSEC:
			return 1000;
		default:
			return 1;
	}
}

/* Look up a unit word of n bytes, case-insensitively; 0 when unknown. */
static int
bi_lookup_unit(const char *word, size_t n)
{
	for (size_t i = 0; i < sizeof(bi_units) / sizeof(bi_units[0]); i++)
	{
		const char *name = bi_units[i].name;
		size_t		k;

		if (strlen(name) != n)
			continue;
		for (k = 0; k < n; k++)
			if (bi_lower(word[k]) != name[k])
				break;
		if (k == n)
			return bi_units[i].unit;
	}
	return 0;
}

/* Parse exactly two digits into *v; false (cursor at the fault) otherwise. */
static bool
bi_scan_two_digits(bi_scan *sc, int *v)
{
	if (sc->pos + 2 > sc->len || !bi_is_digit(sc->s[sc->pos]) ||
		!bi_is_digit(sc->s[sc->pos + 1]))
	{
		if (sc->pos < sc->len && bi_is_digit(sc->s[sc->pos]))
			sc->pos++;
		return false;
	}
	*v = (sc->s[sc->pos] - '0') * 10 + (sc->s[sc->pos + 1] - '0');
	sc->pos += 2;
	return true;
}

/*
 * Parse a time item H+:MM[:SS[.f+]] at the cursor (sign already consumed) into a magnitude in
 * microseconds.
 */
static sla_status
bi_parse_time_item(bi_scan *sc, size_t item_start, bi_uint128 *mag, size_t *err_pos)
{
	uint64_t	hours;
	bool		overflow = false;
	int			mm;
	int			ss = 0;
	bi_number	frac = {0, false, 0, 0};

	(void) bi_scan_digits(sc, &hours, &overflow);
	if (overflow)
	{
		*err_pos = item_start;
		return SLA_EOVERFLOW;
	}
	sc->pos++;					/* the ':' the caller saw */
	*err_pos = sc->pos;
	if (!bi_scan_two_digits(sc, &mm))
	{
		*err_pos = sc->pos;
		return SLA_ESYNTAX;
	}
	if (mm >= 60)
		return SLA_ERANGE;
	if (bi_peek(sc) == ':')
	{
		sc->pos++;
		*err_pos = sc->pos;
		if (!bi_scan_two_digits(sc, &ss))
		{
			*err_pos = sc->pos;
			return SLA_ESYNTAX;
		}
		if (ss >= 60)
			return SLA_ERANGE;
		if (bi_peek(sc) == '.')
		{
			sc->pos++;
			frac.frac_start = sc->pos;
			while (sc->pos < sc->len && bi_is_digit(sc->s[sc->pos]))
				sc->pos++;
			frac.frac_len = sc->pos - frac.frac_start;
			if (frac.frac_len == 0)
			{
				*err_pos = sc->pos;
				return SLA_ESYNTAX;
			}
		}
	}
	*mag = (bi_uint128) hours * (uint64_t) SLA_USECS_PER_HOUR
		+ (bi_uint128) mm * (uint64_t) SLA_USECS_PER_MIN
		+ (bi_uint128) ss * (uint64_t) SLA_USECS_PER_SEC;
	if (frac.frac_len > 0)
		*mag += bi_round_fraction(sc->s + frac.frac_start, frac.frac_len,
								  (uint64_t) SLA_USECS_PER_SEC);
	return SLA_OK;
}

/* True when the cursor is at a time item: digits immediately followed by ':'. */
static bool
bi_at_time_item(const bi_scan *sc)
{
	size_t		p = sc->pos;

	while (p < sc->len && bi_is_digit(sc->s[p]))
		p++;
	return p > sc->pos && p < sc->len && sc->s[p] == ':';
}

/* Parse the item sequence form.  Totals are accumulated in 128 bits and checked by the caller. */
static sla_status
bi_parse_items(bi_scan *sc, bi_int128 *days, bi_int128 *usec, size_t *err_pos)
{
	int			seen = 0;

	for (;;)
	{
		size_t		item_start = sc->pos;
		bool		negative = false;
		int			unit;
		bi_uint128	mag = 0;
		sla_status	st;

		if (bi_peek(sc) == '+' || bi_peek(sc) == '-')
		{
			negative = bi_peek(sc) == '-';
			sc->pos++;
		}

		if (bi_at_time_item(sc))
		{
			st = bi_parse_time_item(sc, item_start, &mag, err_pos);
			if (st != SLA_OK)
				return st;
			unit = BI_HOUR | BI_MIN | BI_SEC;
		}
		else
		{
			bi_number	num;
			size_t		after_number;

			if (!bi_scan_number(sc, &num))
			{
				*err_pos = sc->pos;
				return SLA_ESYNTAX;
			}
			after_number = sc->pos;
			bi_skip_space(sc);
			if (!bi_at_end(sc) && bi_is_alpha(bi_peek(sc)))
			{
				size_t		word = sc->pos;

				while (sc->pos < sc->len && bi_is_alpha(sc->s[sc->pos]))
					sc->pos++;
				unit = bi_lookup_unit(sc->s + word, sc->pos - word);
				if (unit == 0)
				{
					*err_pos = word;
					return SLA_ESYNTAX;
				}
				if (unit == BI_NOUNIT || (unit == BI_DAY && !bi_frac_is_zero(sc, &num)))
				{
					*err_pos = word;
					return SLA_ERANGE;
				}
			}
			else
			{
				sc->pos = after_number;
				unit = BI_SEC;
			}
			if (unit == BI_DAY)
			{
				if (num.int_overflow)
				{
					*err_pos = item_start;
					return SLA_EOVERFLOW;
				}
				mag = num.int_part;
			}
			else if (bi_scale_number(sc, &num, bi_unit_usecs(unit), &mag) != SLA_OK)
			{
				*err_pos = item_start;
				return SLA_EOVERFLOW;
			}
		}

		if (seen & unit)
		{
			*err_pos = item_start;
			return SLA_ESYNTAX;
		}
		seen |= unit;

		/* mag < 2^64 * 2^32, so these sums of at most six items cannot overflow 128 bits. */
		if (unit == BI_DAY)
			*days += negative ? -(bi_int128) mag : (bi_int128) mag;
		else
			*usec += negative ? -(bi_int128) mag : (bi_int128) mag;

		bi_skip_space(sc);
		if (bi_at_end(sc))
			return SLA_OK;
	}
}

/* Parse the ISO 8601 form; the cursor is on the 'P'. */
static sla_status
bi_parse_iso(bi_scan *sc, bool negative, bi_int128 *days, bi_int128 *usec, size_t *err_pos)
{
	bool		in_time = false;
	bool		any = false;
	bool		time_any = false;
	bool		had_fraction = false;
	int			last_time = 0;	/* 0, then 1 = H, 2 = M, 3 = S */
	bool		had_days = false;
	bi_int128	d = 0;
	bi_int128	u = 0;

	sc->pos++;
	while (!bi_at_end(sc) && !bi_is_space(bi_peek(sc)))
	{
		bi_number	num;
		size_t		num_start;
		char		des;

		if (bi_lower(bi_peek(sc)) == 't')
		{
			if (in_time)
			{
				*err_pos = sc->pos;
				return SLA_ESYNTAX;
			}
			in_time = true;
			sc->pos++;
			continue;
		}
		num_start = sc->pos;
		if (had_fraction || !bi_is_digit(bi_peek(sc)) || !bi_scan_number(sc, &num))
		{
			*err_pos = had_fraction ? num_start : sc->pos;
			return SLA_ESYNTAX;
		}
		if (bi_at_end(sc))
		{
			*err_pos = sc->pos;
			return SLA_ESYNTAX;
		}
		des = bi_lower(bi_peek(sc));
		if (!in_time)
		{
			if (des == 'w' || des == 'm' || des == 'y')
			{
				*err_pos = sc->pos;
				return SLA_ERANGE;
			}
			if (des != 'd' || had_days)
			{
				*err_pos = sc->pos;
				return SLA_ESYNTAX;
			}
			if (!bi_frac_is_zero(sc, &num))
			{
				*err_pos = sc->pos;
				return SLA_ERANGE;
			}
			if (num.int_overflow)
			{
				*err_pos = num_start;
				return SLA_EOVERFLOW;
			}
			had_days = true;
			d = num.int_part;
		}
		else
		{
			int			order = des == 'h' ? 1 : des == 'm' ? 2 : des == 's' ? 3 : 0;
			int			unit = order == 1 ? BI_HOUR : order == 2 ? BI_MIN : BI_SEC;
			bi_uint128	mag;

			if (order == 0 || order <= last_time)
			{
				*err_pos = sc->pos;
				return SLA_ESYNTAX;
			}
			last_time = order;
			if (bi_scale_number(sc, &num, bi_unit_usecs(unit), &mag) != SLA_OK)
			{
				*err_pos = num_start;
				return SLA_EOVERFLOW;
			}
			u += (bi_int128) mag;
			time_any = true;
		}
		if (num.frac_len > 0)
			had_fraction = true;
		any = true;
		sc->pos++;
	}
	if (!any || (in_time && !time_any))
	{
		*err_pos = sc->pos;
		return SLA_ESYNTAX;
	}
	bi_skip_space(sc);
	if (!bi_at_end(sc))
	{
		*err_pos = sc->pos;
		return SLA_ESYNTAX;
	}
	*days = negative ? -d : d;
	*usec = negative ? -u : u;
	return SLA_OK;
}

/* True when the parts (days, usec) are the reserved pair of +infinity or -infinity. */
static bool
bi_is_reserved(bi_int128 days, bi_int128 usec)
{
	return (days == INT32_MAX && usec == INT64_MAX) || (days == INT32_MIN && usec == INT64_MIN);
}

/* Store a finite result's 128-bit parts into *out if both fit and are not an infinity's pair. */
static sla_status
bi_store(bi_int128 days, bi_int128 usec, sla_business_interval *out)
{
	if (days < INT32_MIN || days > INT32_MAX || usec < INT64_MIN || usec > INT64_MAX)
		return SLA_EOVERFLOW;
	if (bi_is_reserved(days, usec))
		return SLA_EOVERFLOW;
	out->days = (int32_t) days;
	out->usec = (int64_t) usec;
	out->reserved = 0;
	return SLA_OK;
}

/* Store the infinity of the given sign (1 or -1). */
static sla_status
bi_store_infinite(int sign, sla_business_interval *out)
{
	*out = sign > 0 ? SLA_BI_INFINITY : SLA_BI_NEG_INFINITY;
	return SLA_OK;
}

/*
 * At the cursor: an optional sign and the word 'infinity' (any case) not followed by a letter.
 * When found, sets *sign, moves the cursor past the word and returns true; otherwise leaves the
 * cursor alone.
 */
static bool
bi_match_infinity(bi_scan *sc, int *sign)
{
	static const char word[] = "infinity";
	size_t		n = sizeof(word) - 1;
	size_t		p = sc->pos;

	*sign = 1;
	if (p < sc->len && (sc->s[p] == '+' || sc->s[p] == '-'))
	{
		*sign = sc->s[p] == '-' ? -1 : 1;
		p++;
	}
	if (sc->len - p < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (bi_lower(sc->s[p + i]) != word[i])
			return false;
	if (p + n < sc->len && bi_is_alpha(sc->s[p + n]))
		return false;
	sc->pos = p + n;
	return true;
}

/* Parse len bytes of text; see the header comment of this file for the grammar. */
sla_status
sla_bi_parse(const char *text, size_t len, sla_business_interval *out, size_t *err_pos)
{
	bi_scan		sc = {text, len, 0};
	bi_int128	days = 0;
	bi_int128	usec = 0;
	sla_status	st;
	size_t		pos = 0;

	bi_skip_space(&sc);
	if (bi_at_end(&sc))
	{
		*err_pos = sc.pos;
		return SLA_ESYNTAX;
	}

	/* 'infinity', '+infinity', '-infinity', with nothing else but white space. */
	{
		int			sign;

		if (bi_match_infinity(&sc, &sign))
		{
			bi_skip_space(&sc);
			if (!bi_at_end(&sc))
			{
				*err_pos = sc.pos;
				return SLA_ESYNTAX;
			}
			return bi_store_infinite(sign, out);
		}
	}

	/* ISO 8601 starts with P (after an optional sign); the item form never has a leading letter. */
	{
		size_t		p = sc.pos;
		bool		negative = false;

		if (p < len && (text[p] == '+' || text[p] == '-'))
		{
			negative = text[p] == '-';
			p++;
		}
		if (p < len && bi_lower(text[p]) == 'p')
		{
			sc.pos = p;
			st = bi_parse_iso(&sc, negative, &days, &usec, &pos);
		}
		else
			st = bi_parse_items(&sc, &days, &usec, &pos);
	}
	if (st != SLA_OK)
	{
		*err_pos = pos;
		return st;
	}
	if (bi_store(days, usec, out) != SLA_OK)
	{
		/* A finite total equal to an infinity's pair: report which one (see the header). */
		if (bi_is_reserved(days, usec))
			(void) bi_store_infinite(days > 0 ? 1 : -1, out);
		*err_pos = 0;
		return SLA_EOVERFLOW;
	}
	return SLA_OK;
}

/* Write v in decimal with at least min_digits digits; returns the number of bytes written. */
static size_t
bi_put_u64(char *buf, uint64_t v, int min_digits)
{
	char		tmp[24];
	int			n = 0;

	do
	{
		tmp[n++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n < min_digits)
		tmp[n++] = '0';
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return (size_t) n;
}

/* Write the canonical text of v into buf (SLA_BI_FORMAT_MAX bytes); returns its length. */
size_t
sla_bi_format(sla_business_interval v, char *buf)
{
	size_t		n = 0;
	int			sign;

	if (sla_bi_is_infinite(v, &sign))
	{
		const char *word = sign > 0 ? "infinity" : "-infinity";

		n = strlen(word);
		memcpy(buf, word, n + 1);
		return n;
	}
	if (v.days != 0)
	{
		uint32_t	mag = v.days < 0 ? 0u - (uint32_t) v.days : (uint32_t) v.days;

		if (v.days < 0)
			buf[n++] = '-';
		n += bi_put_u64(buf + n, mag, 1);
		memcpy(buf + n, v.days == 1 ? " day" : " days", v.days == 1 ? 4 : 5);
		n += v.days == 1 ? 4 : 5;
	}
	if (v.usec != 0 || v.days == 0)
	{
		uint64_t	mag = v.usec < 0 ? 0u - (uint64_t) v.usec : (uint64_t) v.usec;
		uint64_t	frac = mag % (uint64_t) SLA_USECS_PER_SEC;
		uint64_t	secs = mag / (uint64_t) SLA_USECS_PER_SEC;

		if (v.days != 0)
			buf[n++] = ' ';
		if (v.usec < 0)
			buf[n++] = '-';
		else if (v.days < 0 && v.usec > 0)
			buf[n++] = '+';
		n += bi_put_u64(buf + n, secs / 3600, 2);
		buf[n++] = ':';
		n += bi_put_u64(buf + n, secs / 60 % 60, 2);
		buf[n++] = ':';
		n += bi_put_u64(buf + n, secs % 60, 2);
		if (frac != 0)
		{
			int			digits = 6;

			while (frac % 10 == 0)
			{
				frac /= 10;
				digits--;
			}
			buf[n++] = '.';
			n += bi_put_u64(buf + n, frac, digits);
		}
	}
	buf[n] = '\0';
	return n;
}

/* Total order: days * 86400e6 + usec, ties broken by days. */
int
sla_bi_cmp(sla_business_interval a, sla_business_interval b)
{
	bi_int128	ta = (bi_int128) a.days * SLA_USECS_PER_DAY + a.usec;
	bi_int128	tb = (bi_int128) b.days * SLA_USECS_PER_DAY + b.usec;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	if (a.days != b.days)
		return a.days < b.days ? -1 : 1;
	return 0;
}

/*
 * The sum of two values of which at least one is infinite, given their signs (1, -1, or 0 for a
 * finite value): infinities of opposite signs have no sum.
 */
static sla_status
bi_infinite_sum(int sign_a, int sign_b, sla_business_interval *out)
{
	if (sign_a != 0 && sign_b != 0 && sign_a != sign_b)
		return SLA_EOVERFLOW;
	return bi_store_infinite(sign_a != 0 ? sign_a : sign_b, out);
}

/* a + b, partwise. */
sla_status
sla_bi_add(sla_business_interval a, sla_business_interval b, sla_business_interval *out)
{
	int			sa;
	int			sb;
	bool		a_inf = sla_bi_is_infinite(a, &sa);
	bool		b_inf = sla_bi_is_infinite(b, &sb);

	if (a_inf || b_inf)
		return bi_infinite_sum(sa, sb, out);
	return bi_store((bi_int128) a.days + b.days, (bi_int128) a.usec + b.usec, out);
}

/* a - b, partwise. */
sla_status
sla_bi_sub(sla_business_interval a, sla_business_interval b, sla_business_interval *out)
{
	int			sa;
	int			sb;
	bool		a_inf = sla_bi_is_infinite(a, &sa);
	bool		b_inf = sla_bi_is_infinite(b, &sb);

	if (a_inf || b_inf)
		return bi_infinite_sum(sa, -sb, out);
	return bi_store((bi_int128) a.days - b.days, (bi_int128) a.usec - b.usec, out);
}

/* -a, partwise; the infinities swap. */
sla_status
sla_bi_neg(sla_business_interval a, sla_business_interval *out)
{
	int			sign;

	if (sla_bi_is_infinite(a, &sign))
		return bi_store_infinite(-sign, out);
	return bi_store(-(bi_int128) a.days, -(bi_int128) a.usec, out);
}

/* Scale both parts by factor (or 1/divisor), rounding each half away from zero. */
static sla_status
bi_scale(sla_business_interval a, double f, bool divide, sla_business_interval *out)
{
	long double d;
	long double u;
	int			sign;

	if (isnan(f) || (divide && f == 0.0))
		return SLA_ERANGE;
	if (sla_bi_is_infinite(a, &sign))
	{
		/* infinity * 0 and infinity / infinity have no value. */
		if (divide ? isinf(f) : f == 0.0)
			return SLA_EOVERFLOW;
		return bi_store_infinite(f < 0.0 ? -sign : sign, out);
	}
	if (isinf(f))
		return SLA_ERANGE;
	d = divide ? (long double) a.days / f : (long double) a.days * f;
	u = divide ? (long double) a.usec / f : (long double) a.usec * f;
	d = roundl(d);
	u = roundl(u);
	/* Written so that NaN or infinity (impossible here, but cheap to exclude) also fails. */
	if (!(d >= (long double) INT32_MIN && d <= (long double) INT32_MAX))
		return SLA_EOVERFLOW;
	if (!(u >= -0x1p63L && u < 0x1p63L))
		return SLA_EOVERFLOW;
	if (bi_is_reserved((bi_int128) d, (bi_int128) u))
		return SLA_EOVERFLOW;
	out->days = (int32_t) d;
	out->usec = (int64_t) u;
	out->reserved = 0;
	return SLA_OK;
}

/* a * factor. */
sla_status
sla_bi_mul(sla_business_interval a, double factor, sla_business_interval *out)
{
	return bi_scale(a, factor, false, out);
}

/* a / divisor. */
sla_status
sla_bi_div(sla_business_interval a, double divisor, sla_business_interval *out)
{
	return bi_scale(a, divisor, true, out);
}

/* True when both parts are >= 0 (so for +infinity, not for -infinity). */
bool
sla_bi_is_nonnegative(sla_business_interval a)
{
	return a.days >= 0 && a.usec >= 0;
}
