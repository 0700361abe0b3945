/*
 * hours_spec.c — parser of the opening-hours notation (see hours_spec.h) and the week overlap
 * rule.  Hand-written recursive descent over ASCII; no locale, no allocation.
 */
#include <stdbool.h>
#include <string.h>

#include "hours_spec.h"

#define USECS_PER_SEC INT64_C(1000000)
#define USECS_PER_DAY (INT64_C(86400) * USECS_PER_SEC)
#define USECS_PER_WEEK (7 * USECS_PER_DAY)

typedef struct cursor
{
	const char *s;
	size_t		len;
	size_t		pos;
} cursor;

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

static void
skip_spaces(cursor *c)
{
	while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t' ||
							   c->s[c->pos] == '\n' || c->s[c->pos] == '\r'))
		c->pos++;
}

static bool
at_end(cursor *c)
{
	skip_spaces(c);
	return c->pos >= c->len;
}

static bool
accept_char(cursor *c, char ch)
{
	skip_spaces(c);
	if (c->pos < c->len && c->s[c->pos] == ch)
	{
		c->pos++;
		return true;
	}
	return false;
}

/* Accept a case-insensitive keyword that is not followed by another letter. */
static bool
accept_word(cursor *c, const char *word)
{
	size_t		n = strlen(word);
	size_t		i;

	skip_spaces(c);
	if (c->len - c->pos < n)
		return false;
	for (i = 0; i < n; i++)
		if (lower(c->s[c->pos + i]) != word[i])
			return false;
	if (c->pos + n < c->len && lower(c->s[c->pos + n]) >= 'a' && lower(c->s[c->pos + n]) <= 'z')
		return false;
	c->pos += n;
	return true;
}

static const char *const day_names[7][2] = {
	{"monday", "mon"}, {"tuesday", "tue"}, {"wednesday", "wed"}, {"thursday", "thu"},
	{"friday", "fri"}, {"saturday", "sat"}, {"sunday", "sun"}
};

static int
accept_day(cursor *c)
{
	int			d;

	for (d = 0; d < 7; d++)
		if (accept_word(c, day_names[d][0]) || accept_word(c, day_names[d][1]))
			return d;
	return -1;
}

/* Digits: at most max_digits of them; returns -1 when none. */
static int64_t
accept_number(cursor *c, int max_digits)
{
	int64_t		v = 0;
	int			n = 0;

	while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9' && n < max_digits)
	{
		v = v * 10 + (c->s[c->pos] - '0');
		c->pos++;
		n++;
	}
	return n == 0 ? -1 : v;
}

/* H[H][:MM[:SS]] -> microseconds after midnight, 0..24:00 inclusive. */
static sla_status
parse_time(cursor *c, int64_t *out, size_t *err_pos)
{
	int64_t		h,
				m = 0,
				s = 0;
	size_t		start;

	skip_spaces(c);
	start = c->pos;
	h = accept_number(c, 2);
	if (h < 0)
	{
		*err_pos = c->pos;
		return SLA_ESYNTAX;
	}
	if (c->pos < c->len && c->s[c->pos] == ':')
	{
		c->pos++;
		if (c->len - c->pos < 2 || (m = accept_number(c, 2)) < 0 || c->pos - start < 4)
		{
			*err_pos = c->pos;
			return SLA_ESYNTAX;
		}
		if (c->pos < c->len && c->s[c->pos] == ':')
		{
			size_t		sec_start;

			c->pos++;
			sec_start = c->pos;
			s = accept_number(c, 2);
			if (s < 0 || c->pos - sec_start != 2)
			{
				*err_pos = c->pos;
				return SLA_ESYNTAX;
			}
		}
	}
	if (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9')
	{
		*err_pos = c->pos;
		return SLA_ESYNTAX;
	}
	if (h > 24 || m > 59 || s > 59 || (h == 24 && (m != 0 || s != 0)))
	{
		*err_pos = start;
		return SLA_ERANGE;
	}
	*out = ((h * 60 + m) * 60 + s) * USECS_PER_SEC;
	return SLA_OK;
}

/* A comma-separated list of ranges, or the word closed (giving no ranges). */
static sla_status
parse_ranges(cursor *c, const bool days[7], sla_day_range *out, size_t cap, size_t *n,
			 bool *closed, size_t *err_pos)
{
	*closed = false;
	if (accept_word(c, "closed"))
	{
		*closed = true;
		return SLA_OK;
	}
	for (;;)
	{
		int64_t		start,
					end;
		size_t		range_pos;
		sla_status	st;
		int			d;

		skip_spaces(c);
		range_pos = c->pos;
		if ((st = parse_time(c, &start, err_pos)) != SLA_OK)
			return st;
		if (!accept_char(c, '-'))
		{
			*err_pos = c->pos;
			return SLA_ESYNTAX;
		}
		if ((st = parse_time(c, &end, err_pos)) != SLA_OK)
			return st;
		if (start == 24 * 3600 * USECS_PER_SEC || start == end)
		{
			/* 24:00 only ends a range; a range from a time to itself is empty */
			*err_pos = range_pos;
			return SLA_ERANGE;
		}
		if (end < start)
			end += USECS_PER_DAY;	/* crosses midnight, belongs to its start day */
		for (d = 0; d < 7; d++)
		{
			if (!days[d])
				continue;
			if (*n >= cap)
			{
				*err_pos = range_pos;
				return SLA_ERANGE;
			}
			out[*n].weekday = d;
			out[*n].start = start;
			out[*n].end = end;
			(*n)++;
		}
		if (!accept_char(c, ','))
			return SLA_OK;
	}
}

sla_status
sla_parse_weekly_hours(const char *text, size_t len, sla_day_range *out, size_t cap,
					   size_t *n, size_t *err_pos)
{
	cursor		c = {text, len, 0};
	bool		closed_days[7] = {false};
	bool		open_days[7] = {false};
	size_t		i,
				j;

	*n = 0;
	*err_pos = 0;
	skip_spaces(&c);
	if (c.len - c.pos >= 4 && memcmp(c.s + c.pos, "24/7", 4) == 0)
	{
		c.pos += 4;
		if (!at_end(&c))
		{
			*err_pos = c.pos;
			return SLA_ESYNTAX;
		}
		if (cap < 7)
			return SLA_ERANGE;
		for (i = 0; i < 7; i++)
		{
			out[i].weekday = (int32_t) i;
			out[i].start = 0;
			out[i].end = USECS_PER_DAY;
		}
		*n = 7;
		return SLA_OK;
	}
	if (at_end(&c))
	{
		*err_pos = c.pos;
		return SLA_ESYNTAX;
	}
	for (;;)
	{
		bool		days[7] = {false};
		bool		closed;
		sla_status	st;

		/* day list: mon | mon-fri | fri-mon (wraps), separated by commas */
		do
		{
			int			from,
						to;

			skip_spaces(&c);
			*err_pos = c.pos;
			if ((from = accept_day(&c)) < 0)
				return SLA_ESYNTAX;
			to = from;
			if (accept_char(&c, '-'))
			{
				*err_pos = c.pos;
				if ((to = accept_day(&c)) < 0)
					return SLA_ESYNTAX;
			}
			for (i = (size_t) from;; i = (i + 1) % 7)
			{
				days[i] = true;
				if (i == (size_t) to)
					break;
			}
		} while (accept_char(&c, ','));

		if ((st = parse_ranges(&c, days, out, cap, n, &closed, err_pos)) != SLA_OK)
			return st;
		for (i = 0; i < 7; i++)
		{
			if (!days[i])
				continue;
			if ((closed && open_days[i]) || (!closed && closed_days[i]))
			{
				*err_pos = c.pos;
				return SLA_ECONFIG;
			}
			if (closed)
				closed_days[i] = true;
			else
				open_days[i] = true;
		}
		if (at_end(&c))
			break;
		if (!accept_char(&c, ';'))
		{
			*err_pos = c.pos;
			return SLA_ESYNTAX;
		}
		if (at_end(&c))
			break;				/* a trailing semicolon is harmless */
	}
	if (sla_check_week_overlap(out, *n, &i, &j) != SLA_OK)
	{
		*err_pos = 0;
		return SLA_ECONFIG;
	}
	return SLA_OK;
}

sla_status
sla_parse_day_hours(const char *text, size_t len, sla_day_range *out, size_t cap,
					size_t *n, size_t *err_pos)
{
	cursor		c = {text, len, 0};
	bool		days[7] = {true, false, false, false, false, false, false};
	bool		closed;
	sla_status	st;
	size_t		i,
				j;

	*n = 0;
	*err_pos = 0;
	if (at_end(&c))
		return SLA_ESYNTAX;
	if ((st = parse_ranges(&c, days, out, cap, n, &closed, err_pos)) != SLA_OK)
		return st;
	if (!at_end(&c))
	{
		*err_pos = c.pos;
		return SLA_ESYNTAX;
	}
	/* ranges of one day may not overlap each other, nor wrap into themselves */
	for (i = 0; i < *n; i++)
		for (j = i + 1; j < *n; j++)
			if (out[i].start < out[j].end && out[j].start < out[i].end)
			{
				*err_pos = 0;
				return SLA_ECONFIG;
			}
	return SLA_OK;
}

/* Do [a, b) and [c, d), taken modulo one week, intersect?  Each is shorter than a week. */
static bool
week_overlap(int64_t a, int64_t b, int64_t c, int64_t d)
{
	int			k;

	for (k = -1; k <= 1; k++)
	{
		int64_t		cs = c + k * USECS_PER_WEEK;
		int64_t		ds = d + k * USECS_PER_WEEK;

		if (a < ds && cs < b)
			return true;
	}
	return false;
}

sla_status
sla_check_week_overlap(const sla_day_range *r, size_t n, size_t *first, size_t *second)
{
	size_t		i,
				j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
		{
			int64_t		a = r[i].weekday * USECS_PER_DAY + r[i].start;
			int64_t		b = r[i].weekday * USECS_PER_DAY + r[i].end;
			int64_t		c = r[j].weekday * USECS_PER_DAY + r[j].start;
			int64_t		d = r[j].weekday * USECS_PER_DAY + r[j].end;

			if (week_overlap(a, b, c, d))
			{
				*first = i;
				*second = j;
				return SLA_ECONFIG;
			}
		}
	return SLA_OK;
}
