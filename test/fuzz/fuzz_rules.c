/*
 * fuzz_rules.c — libFuzzer target for SLA rule conditions (rules.h).
 *
 * The input bytes are read as a little program: attribute types, one value per attribute,
 * the evaluation instant, then up to 6 rules of up to 4 conditions each.  Conditions are mostly
 * well typed (so most sets compile) but sometimes random, to exercise every compile error.
 * Texts come from a small alphabet rich in LIKE metacharacters and UTF-8 pieces, or are raw
 * bytes.  Checks:
 *   - a compile error names a rule and condition that are really at fault: the rules before it
 *     compile, and so do the conditions of the rule before the named one, which alone fails;
 *   - the evaluation of a set equals a reference built from single-condition sets: groups by
 *     equal numbers in first-appearance order, lazy AND/OR, override and stop, errors included;
 *   - metamorphic: every condition and its negated operator (equals/not_equals, in/not_in,
 *     contains/not_contains, like/not_like, matches/not_matches, is_empty/is_not_empty) give
 *     opposite results, on non-null and on null attributes; on null attributes the positive
 *     operators are false except is_empty;
 *   - like and contains agree with naive reference matchers;
 *   - sla_rules_read_slot agrees with the definition; every allocation is freed.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#define HOUR INT64_C(3600000000)
#define MAX_ATTR 6
#define MAX_RULES 6
#define MAX_CONDS 4
#define MAX_OPS 3
#define MAX_TEXT 10
#define MAX_ITEMS 3
#define NOPS 18

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort (a finding) unless cond holds. */
static void
require(bool cond)
{
	if (!cond)
		abort();
}

/* ---------------------------------------------------------------- allocator */

static void *
f_alloc(void *ctx, size_t n)
{
	(*(int *) ctx)++;
	return malloc(n);
}

static void
f_free(void *ctx, void *p)
{
	(*(int *) ctx)--;
	free(p);
}

/* ---------------------------------------------------------------- input */

typedef struct input
{
	const uint8_t *data;
	size_t		size;
	size_t		pos;
	char		chars[4096];	/* backing store of every text */
	size_t		used;
	sla_text	items[MAX_ATTR + MAX_RULES * MAX_CONDS * MAX_OPS][MAX_ITEMS];
	size_t		nitems;
} input;

static uint8_t
take(input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static sla_text
take_text(input *in)
{
	static const unsigned char alphabet[8] = {'a', 'b', '%', '_', '\\', 0xC3, 0xA9, '('};
	size_t		len = take(in) % (MAX_TEXT + 1);
	bool		raw = take(in) >= 224;
	sla_text	t;
	size_t		i;

	if (in->used + len > sizeof(in->chars))
		len = 0;
	t.ptr = in->chars + in->used;
	t.len = len;
	for (i = 0; i < len; i++)
	{
		uint8_t		b = take(in);

		in->chars[in->used++] = (char) (raw ? b : alphabet[b % 8]);
	}
	return t;
}

static int64_t
take_time(input *in)
{
	uint8_t		b = take(in);

	if (b == 255)
		return INT64_MAX;
	if (b == 254)
		return INT64_MIN;
	if (b == 253)
		return INT64_MAX - (int64_t) take(in);
	return (int64_t) (int8_t) take(in) * HOUR + (int64_t) (b % 4) - 2;
}

/* A value of type t (null with probability about null_in_256 / 256). */
static sla_value
take_value(input *in, sla_value_type t, int null_in_256)
{
	static const double numbers[16] = {
		-2, -1, 0, 1, 2, 3, 0.5, -0.0, 1e300, -1e300, 1, 2, 0, 3, 0, 1
	};
	sla_value	v;
	uint8_t		b;
	size_t		k;

	memset(&v, 0, sizeof(v));
	v.type = t;
	if (take(in) < null_in_256)
	{
		v.is_null = true;
		return v;
	}
	switch (t)
	{
		case SLA_T_TEXT:
			v.v.text = take_text(in);
			break;
		case SLA_T_NUMBER:
			b = take(in);
			v.v.number = b == 255 ? NAN : b == 254 ? INFINITY : b == 253 ? -INFINITY :
				numbers[b % 16];
			break;
		case SLA_T_TIME:
		case SLA_T_INTERVAL:
			v.v.time = take_time(in);
			break;
		case SLA_T_BOOL:
			v.v.boolean = take(in) & 1;
			break;
		case SLA_T_TEXT_ARRAY:
			{
				sla_text   *items = in->items[in->nitems++];

				v.v.array.n = take(in) % (MAX_ITEMS + 1);
				for (k = 0; k < v.v.array.n; k++)
					items[k] = take_text(in);
				v.v.array.items = items;
			}
			break;
	}
	return v;
}

/* ---------------------------------------------------------------- references */

static size_t
char_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t		n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;

	return n < avail ? n : avail;
}

/* LIKE by plain recursion over characters (inputs here are at most MAX_TEXT bytes). */
static bool
ref_like(const unsigned char *s, size_t n, const unsigned char *p, size_t m)
{
	size_t		sl,
				pl,
				k;

	if (m == 0)
		return n == 0;
	if (p[0] == '%')
	{
		for (k = 0;; k += char_len(s + k, n - k))
		{
			if (ref_like(s + k, n - k, p + 1, m - 1))
				return true;
			if (k >= n)
				return false;
		}
	}
	if (n == 0)
		return false;
	sl = char_len(s, n);
	if (p[0] == '_')
		return ref_like(s + sl, n - sl, p + 1, m - 1);
	if (p[0] == '\\' && m > 1)
	{
		p++;
		m--;
	}
	pl = char_len(p, m);
	return pl == sl && memcmp(p, s, sl) == 0 && ref_like(s + sl, n - sl, p + pl, m - pl);
}

static bool
ref_contains(sla_text hay, sla_text needle)
{
	size_t		i,
				k;

	for (i = 0; i + needle.len <= hay.len; i++)
	{
		for (k = 0; k < needle.len && hay.ptr[i + k] == needle.ptr[k]; k++)
			;
		if (k == needle.len)
			return true;
	}
	return false;
}

/* A fake regex engine: a pattern holding '(' is bad; "^x" = starts with x; else substring. */
static int
fake_regex(void *ctx, sla_text pattern, sla_text subject)
{
	(void) ctx;
	if (pattern.len > 0 && memchr(pattern.ptr, '(', pattern.len))
		return -1;
	if (pattern.len > 0 && pattern.ptr[0] == '^')
	{
		pattern.ptr++;
		pattern.len--;
		return pattern.len <= subject.len &&
			(pattern.len == 0 || memcmp(pattern.ptr, subject.ptr, pattern.len) == 0);
	}
	return ref_contains(subject, pattern);
}

/* ---------------------------------------------------------------- helpers */

static const sla_operator negation[NOPS] = {
	SLA_OP_NE, SLA_OP_EQ, SLA_OP_NOT_IN, SLA_OP_IN, SLA_OP_NOT_CONTAINS, SLA_OP_CONTAINS,
	SLA_OP_NOT_LIKE, SLA_OP_LIKE, SLA_OP_NOT_REGEX, SLA_OP_REGEX,
	SLA_OP_LE, SLA_OP_LT, SLA_OP_GE, SLA_OP_GT,	/* unused: orderings have no twin */
	SLA_OP_OLDER_THAN, SLA_OP_NEWER_THAN, SLA_OP_NOT_EMPTY, SLA_OP_EMPTY
};

static bool
has_twin(sla_operator op)
{
	return op <= SLA_OP_NOT_REGEX || op == SLA_OP_EMPTY || op == SLA_OP_NOT_EMPTY;
}

static bool
is_positive(sla_operator op)
{
	return op == SLA_OP_EQ || op == SLA_OP_IN || op == SLA_OP_CONTAINS || op == SLA_OP_LIKE ||
		op == SLA_OP_REGEX || op == SLA_OP_EMPTY || (op >= SLA_OP_GT && op <= SLA_OP_NEWER_THAN);
}

typedef struct world
{
	sla_value_type types[MAX_ATTR];
	size_t		ntypes;
	sla_value	values[MAX_ATTR];
	int64_t		now;
	sla_allocator alloc;
} world;

/* Compile and evaluate one condition alone: 1 / 0, -1 compile error, -2 evaluation error. */
static int
eval_one(const world *w, sla_condition_def c)
{
	sla_rule_def r = {1, 1, false, &c, 1};
	sla_rule_set *set;
	int64_t		matched[1];
	sla_rules_result res;
	sla_status	st;

	if (sla_rules_compile(&r, 1, w->types, w->ntypes, &w->alloc, &set, NULL, NULL) != SLA_OK)
		return -1;
	res.matched = matched;
	st = sla_rules_evaluate(set, w->values, w->now, fake_regex, NULL, &res);
	sla_rules_free(set);
	if (st != SLA_OK)
	{
		require(st == SLA_ECONFIG && res.nmatched == 0 && res.level_id == 0);
		return -2;
	}
	require(res.nmatched <= 1);
	return (int) res.nmatched;
}

/* Properties of one well-typed condition, against references. */
static void
check_condition(const world *w, const sla_condition_def *c, int got)
{
	const sla_value *a = &w->values[c->slot];

	require(got == 0 || got == 1 || got == -2);
	if (got == -2)
	{
		require(c->op == SLA_OP_REGEX || c->op == SLA_OP_NOT_REGEX);
		return;
	}
	if (has_twin(c->op))
	{
		sla_condition_def n = *c;

		n.op = negation[c->op];
		require(eval_one(w, n) == 1 - got);
	}
	if (a->is_null)
	{
		if (is_positive(c->op))
			require(got == (c->op == SLA_OP_EMPTY));
		return;
	}
	if (c->op == SLA_OP_LIKE)
		require(got == ref_like((const unsigned char *) a->v.text.ptr, a->v.text.len,
								(const unsigned char *) c->operands[0].v.text.ptr,
								c->operands[0].v.text.len));
	if (c->op == SLA_OP_CONTAINS && a->type == SLA_T_TEXT)
		require(got == ref_contains(a->v.text, c->operands[0].v.text));
	if (c->op == SLA_OP_EMPTY && a->type != SLA_T_TEXT && a->type != SLA_T_TEXT_ARRAY)
		require(got == 0);
}

/* ---------------------------------------------------------------- target */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static input in;
	world		w;
	int			live = 0;
	sla_value	operands[MAX_RULES][MAX_CONDS][MAX_OPS];
	sla_condition_def conds[MAX_RULES][MAX_CONDS];
	sla_rule_def rules[MAX_RULES];
	int			truth[MAX_RULES][MAX_CONDS];
	size_t		nrules,
				i,
				j,
				k;
	sla_rule_set *set = NULL;
	size_t		bad_rule = 0,
				bad_cond = 0;
	sla_status	st;

	in.data = data;
	in.size = size;
	in.pos = 0;
	in.used = 0;
	in.nitems = 0;
	memset(&w, 0, sizeof(w));
	w.alloc.alloc = f_alloc;
	w.alloc.free = f_free;
	w.alloc.ctx = &live;

	/* attributes and their values */
	w.ntypes = 1 + take(&in) % MAX_ATTR;
	for (i = 0; i < w.ntypes; i++)
	{
		uint8_t		b = take(&in);

		w.types[i] = (sla_value_type) (b < 250 ? b % 5 : 5);	/* intervals are rare */
		w.values[i] = take_value(&in, w.types[i], 48);
	}
	w.now = take_time(&in);

	/* rules */
	nrules = take(&in) % (MAX_RULES + 1);
	for (i = 0; i < nrules; i++)
	{
		uint8_t		b = take(&in);

		rules[i].id = (int64_t) i + 1;
		rules[i].level_id = b == 255 ? -1 : b % 4;
		rules[i].stop = take(&in) % 5 == 0;
		rules[i].nconditions = take(&in) % (MAX_CONDS + 1);
		rules[i].conditions = conds[i];
		for (j = 0; j < rules[i].nconditions; j++)
		{
			sla_condition_def *c = &conds[i][j];
			uint8_t		mode = take(&in);
			uint8_t		g = take(&in);
			uint8_t		s = take(&in);

			c->group = g >= 250 ? (g == 255 ? INT32_MIN : INT32_MAX) : (int32_t) (g % 3) - 1;
			c->slot = s == 255 ? -1 : (int32_t) (s % (w.ntypes + (s >= 200)));
			c->op = (sla_operator) (take(&in) % (NOPS + (mode == 0)));
			c->operands = operands[i][j];
			if (mode % 8 != 0 && c->slot >= 0 && (size_t) c->slot < w.ntypes)
			{
				/* well typed: an operator fitting the attribute, with the operands it wants */
				sla_value_type t = w.types[c->slot];
				sla_value_type ot;

				while (!sla_operator_fits(c->op, t))
					c->op = (sla_operator) (((int) c->op + 1) % NOPS);
				ot = c->op == SLA_OP_OLDER_THAN || c->op == SLA_OP_NEWER_THAN ?
					SLA_T_INTERVAL : t == SLA_T_TEXT_ARRAY ? SLA_T_TEXT : t;
				c->noperands = c->op == SLA_OP_EMPTY || c->op == SLA_OP_NOT_EMPTY ? 0 :
					c->op == SLA_OP_IN || c->op == SLA_OP_NOT_IN ? 1 + take(&in) % MAX_OPS : 1;
				for (k = 0; k < c->noperands; k++)
					operands[i][j][k] = take_value(&in, ot, 0);
			}
			else
			{
				c->noperands = take(&in) % (MAX_OPS + 1);
				for (k = 0; k < c->noperands; k++)
				{
					uint8_t		t = take(&in);

					operands[i][j][k] = take_value(&in, (sla_value_type) (t % 6), 16);
				}
			}
		}
	}

	st = sla_rules_compile(rules, nrules, w.types, w.ntypes, &w.alloc, &set, &bad_rule, &bad_cond);
	if (st != SLA_OK)
	{
		sla_rule_set *part;

		/* the named rule and condition are the first at fault */
		require(st == SLA_ECONFIG && set == NULL && bad_rule < nrules);
		require(sla_rules_compile(rules, bad_rule, w.types, w.ntypes, &w.alloc, &part, NULL,
								  NULL) == SLA_OK);
		sla_rules_free(part);
		if (bad_cond == SLA_NO_CONDITION)
			require(rules[bad_rule].level_id < 0);
		else
		{
			sla_rule_def r = rules[bad_rule];

			require(bad_cond < r.nconditions && r.level_id >= 0);
			r.nconditions = bad_cond;
			require(sla_rules_compile(&r, 1, w.types, w.ntypes, &w.alloc, &part, NULL,
									  NULL) == SLA_OK);
			sla_rules_free(part);
			require(eval_one(&w, conds[bad_rule][bad_cond]) == -1);
		}
		require(live == 0);
		return 0;
	}

	/* each condition alone, with its properties */
	for (i = 0; i < nrules; i++)
		for (j = 0; j < rules[i].nconditions; j++)
		{
			truth[i][j] = eval_one(&w, conds[i][j]);
			check_condition(&w, &conds[i][j], truth[i][j]);
		}

	/* the whole set against the reference built from them */
	{
		int64_t		matched[MAX_RULES];
		sla_rules_result res;
		sla_status	want_st = SLA_OK;
		int64_t		want_level = 0,
					want_rule = 0,
					want_stop = 0;
		int64_t		want_matched[MAX_RULES];
		size_t		want_n = 0;

		for (i = 0; i < nrules && want_st == SLA_OK && !want_stop; i++)
		{
			const sla_rule_def *r = &rules[i];
			bool		match = r->nconditions == 0;

			for (j = 0; j < r->nconditions && !match && want_st == SLA_OK; j++)
			{
				bool		all = true;
				bool		seen = false;

				for (k = 0; k < j; k++)
					seen = seen || conds[i][k].group == conds[i][j].group;
				if (seen)
					continue;	/* not the first condition of its group */
				for (k = j; k < r->nconditions && all; k++)
				{
					if (conds[i][k].group != conds[i][j].group)
						continue;
					if (truth[i][k] == -2)
						want_st = SLA_ECONFIG;
					all = truth[i][k] == 1;
				}
				match = all;
			}
			if (want_st != SLA_OK || !match)
				continue;
			want_matched[want_n++] = r->id;
			if (r->level_id)
			{
				want_level = r->level_id;
				want_rule = r->id;
			}
			if (r->stop)
				want_stop = r->id;
		}
		res.matched = matched;
		st = sla_rules_evaluate(set, w.values, w.now, fake_regex, NULL, &res);
		require(st == want_st);
		if (st == SLA_OK)
		{
			require(res.nmatched == want_n && res.level_id == want_level &&
					res.level_rule_id == want_rule && res.stopped_by == want_stop);
			require(want_n == 0 || memcmp(matched, want_matched, want_n * sizeof(int64_t)) == 0);
		}
		else
			require(res.nmatched == 0 && res.level_id == 0 && res.stopped_by == 0);

		/* the next change of conditions on age: after now, and nothing changes before it */
		if (st == SLA_OK)
		{
			int64_t		next;

			if (sla_rules_next_change(set, w.values, w.now, fake_regex, NULL, &next))
			{
				sla_rules_result before;
				int64_t		matched_before[64];

				require(next > w.now);
				memset(&before, 0, sizeof(before));
				before.matched = nrules <= 64 ? matched_before : NULL;
				if (sla_rules_evaluate(set, w.values, next - 1, fake_regex, NULL, &before) == SLA_OK)
					require(before.level_id == res.level_id && before.nmatched == res.nmatched &&
							before.stopped_by == res.stopped_by);
			}
		}
	}

	/* read_slot */
	{
		int32_t		slot;

		for (slot = -1; slot <= (int32_t) w.ntypes; slot++)
		{
			bool		reads = false;

			for (i = 0; i < nrules; i++)
				for (j = 0; j < rules[i].nconditions; j++)
					reads = reads || conds[i][j].slot == slot;
			require(sla_rules_read_slot(set, slot) == reads);
		}
	}

	sla_rules_free(set);
	require(live == 0);
	return 0;
}
