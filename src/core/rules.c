/*
 * rules.c — compiling and evaluating SLA rule conditions (contract: rules.h).
 *
 * Operator semantics.  "Positive" operators are equals, in, contains, like, matches,
 * is_empty and the orderings; not_equals, not_in, not_contains, not_like, not_matches and
 * is_not_empty are exactly the negation of their positive twin, on every input.
 *
 *   NULL attribute   every positive operator is false except is_empty, which is true; so the
 *                    negated ones are true ("is not X" holds for a missing value) except
 *                    is_not_empty, which is false.  The orderings, older_than and newer_than
 *                    are false.
 *   equals           text: same bytes; number: == (IEEE: a NaN attribute equals nothing);
 *                    time and bool: ==.  Not for text arrays (use contains).
 *   in               text, number: equals one of the operands (a list of the attribute's type);
 *                    text array: shares at least one element with the list.
 *   contains         text: the operand is a byte-wise substring ('' is in every text);
 *                    text array: has an element equal to the operand text.
 *   like             SQL LIKE on text, case-sensitive, whole-string: % any sequence of
 *                    characters, _ exactly one character, \ makes the next character literal.
 *                    Characters are UTF-8 sequences delimited by their lead byte (a byte that
 *                    cannot lead a sequence, or a sequence cut short by the end, counts as one
 *                    character), in the pattern and in the subject alike; literal characters
 *                    compare byte-exact.  A pattern ending in a lone \ is rejected when
 *                    compiled, as PostgreSQL rejects it.  Matching is the greedy scan that
 *                    backtracks only to the last %: O(len(text) * len(pattern)) at worst, no
 *                    recursion.
 *   matches          the regex callback decides (pattern = operand, subject = attribute);
 *                    -1 (bad pattern), or no callback at all, makes the evaluation return
 *                    SLA_ECONFIG.  Conditions are evaluated lazily (AND stops at the first false
 *                    condition, OR at the first true group, rules at a stop), so a bad pattern
 *                    is reported only when it is reached; the glue validates patterns when rules
 *                    are written.
 *   greater ...      number, time; the operand has the attribute's type.  NaN is unordered.
 *   older_than       time attribute, interval operand: now - attr > operand; newer_than:
 *                    now - attr < operand.  The difference is compared exactly, also when it
 *                    does not fit in 64 bits.
 *   is_empty         null; text ''; an empty array.  A number, time, bool (or interval) value
 *                    is empty only when null.  No operands.
 *
 * Compile-time checks (SLA_ECONFIG, *bad_rule / *bad_condition set), in order per rule: a
 * negative level_id (or conditions missing) names the rule with SLA_NO_CONDITION; then per
 * condition: slot outside [0, nattributes); an operator not fitting the attribute's type;
 * a wrong operand count (in / not_in >= 1, emptiness 0, others 1); an operand that is null, of
 * the wrong type (number for number, time for time, bool for bool, text for text and text
 * arrays, interval for older_than / newer_than), a NaN number, a text operand with a length but
 * no pointer, or a like pattern ending in the escape character.  An interval attribute takes
 * only is_empty / is_not_empty.  Regex patterns cannot be checked here (no callback).
 *
 * At evaluation a non-null value whose type differs from the declared attribute type is a
 * caller bug and returns SLA_ECONFIG (the union would otherwise be read as the wrong member).
 *
 * Memory.  A compiled set is one allocation holding the rules, their condition groups, the
 * conditions (ordered group by group), copies of the operands and of their texts.  Groups keep
 * the order in which their number first appears in the rule, and conditions their order
 * within the group.  Grouping is quadratic in a rule's condition count, which is small.
 */
#include <math.h>
#include <string.h>

#include "rules.h"

typedef struct condition
{
	int32_t		slot;
	sla_operator op;
	sla_value_type type;		/* the attribute's declared type */
	const sla_value *operands;	/* copies; texts point into the set's own memory */
	size_t		noperands;
} condition;

typedef struct group
{
	size_t		first;			/* conditions[first .. first + n), ANDed */
	size_t		n;
} group;

typedef struct rule
{
	int64_t		id;
	int64_t		level_id;
	bool		stop;
	size_t		first;			/* groups[first .. first + n), ORed; n == 0: always matches */
	size_t		n;
} rule;

struct sla_rule_set
{
	sla_allocator alloc;
	const rule *rules;
	size_t		nrules;
	const group *groups;
	const condition *conditions;
	size_t		nconditions;
};

#define NOPERATORS ((int) SLA_OP_NOT_EMPTY + 1)

static const char *const operator_names[NOPERATORS] = {
	"equals", "not_equals", "in", "not_in", "contains", "not_contains", "like", "not_like",
	"matches", "not_matches", "greater", "greater_or_equal", "less", "less_or_equal",
	"older_than", "newer_than", "is_empty", "is_not_empty"
};

/* ---------------------------------------------------------------- operators */

bool
sla_operator_from_name(const char *name, size_t len, sla_operator *out)
{
	int			i;

	for (i = 0; i < NOPERATORS; i++)
	{
		if (strlen(operator_names[i]) == len && memcmp(operator_names[i], name, len) == 0)
		{
			*out = (sla_operator) i;
			return true;
		}
	}
	return false;
}

const char *
sla_operator_name(sla_operator op)
{
	if ((int) op < 0 || (int) op >= NOPERATORS)
		return NULL;
	return operator_names[op];
}

bool
sla_operator_fits(sla_operator op, sla_value_type t)
{
	bool		scalar = t == SLA_T_TEXT || t == SLA_T_NUMBER || t == SLA_T_TIME ||
		t == SLA_T_BOOL;

	switch (op)
	{
		case SLA_OP_EQ:
		case SLA_OP_NE:
			return scalar;
		case SLA_OP_IN:
		case SLA_OP_NOT_IN:
			return t == SLA_T_TEXT || t == SLA_T_NUMBER || t == SLA_T_TEXT_ARRAY;
		case SLA_OP_CONTAINS:
		case SLA_OP_NOT_CONTAINS:
			return t == SLA_T_TEXT || t == SLA_T_TEXT_ARRAY;
		case SLA_OP_LIKE:
		case SLA_OP_NOT_LIKE:
		case SLA_OP_REGEX:
		case SLA_OP_NOT_REGEX:
			return t == SLA_T_TEXT;
		case SLA_OP_GT:
		case SLA_OP_GE:
		case SLA_OP_LT:
		case SLA_OP_LE:
			return t == SLA_T_NUMBER || t == SLA_T_TIME;
		case SLA_OP_OLDER_THAN:
		case SLA_OP_NEWER_THAN:
			return t == SLA_T_TIME;
		case SLA_OP_EMPTY:
		case SLA_OP_NOT_EMPTY:
			return scalar || t == SLA_T_TEXT_ARRAY || t == SLA_T_INTERVAL;
	}
	return false;
}

/* The operand type op needs on an attribute of type t (op fits t). */
static sla_value_type
operand_type(sla_operator op, sla_value_type t)
{
	if (op == SLA_OP_OLDER_THAN || op == SLA_OP_NEWER_THAN)
		return SLA_T_INTERVAL;
	if (t == SLA_T_TEXT_ARRAY)
		return SLA_T_TEXT;
	return t;
}

static bool
operand_count_ok(sla_operator op, size_t n)
{
	if (op == SLA_OP_IN || op == SLA_OP_NOT_IN)
		return n >= 1;
	if (op == SLA_OP_EMPTY || op == SLA_OP_NOT_EMPTY)
		return n == 0;
	return n == 1;
}

/* The positive twin of a negated operator, or op itself. */
static sla_operator
positive_of(sla_operator op, bool *negated)
{
	*negated = true;
	switch (op)
	{
		case SLA_OP_NE:
			return SLA_OP_EQ;
		case SLA_OP_NOT_IN:
			return SLA_OP_IN;
		case SLA_OP_NOT_CONTAINS:
			return SLA_OP_CONTAINS;
		case SLA_OP_NOT_LIKE:
			return SLA_OP_LIKE;
		case SLA_OP_NOT_REGEX:
			return SLA_OP_REGEX;
		case SLA_OP_NOT_EMPTY:
			return SLA_OP_EMPTY;
		default:
			*negated = false;
			return op;
	}
}

/* ---------------------------------------------------------------- text helpers */

static bool
text_eq(sla_text a, sla_text b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Whether needle occurs in hay, byte-wise. */
static bool
text_contains(sla_text hay, sla_text needle)
{
	const char *p = hay.ptr;
	const char *last;

	if (needle.len == 0)
		return true;
	if (needle.len > hay.len)
		return false;
	last = hay.ptr + (hay.len - needle.len);
	while (p <= last)
	{
		p = memchr(p, needle.ptr[0], (size_t) (last - p) + 1);
		if (!p)
			return false;
		if (memcmp(p, needle.ptr, needle.len) == 0)
			return true;
		p++;
	}
	return false;
}

/* Length of the character at s[0 .. avail), avail > 0: by its UTF-8 lead byte, cut at avail. */
static size_t
char_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t		n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;

	return n < avail ? n : avail;
}

/*
 * SQL LIKE (see the top of the file).  The classic wildcard scan: on a mismatch, let the last
 * % absorb one more character and retry what follows it.  Earlier % never need revisiting,
 * since the part between two % matched at its leftmost place leaves the most text to the rest.
 */
static bool
like_match(sla_text text, sla_text pattern)
{
	const unsigned char *s = (const unsigned char *) text.ptr;
	const unsigned char *p = (const unsigned char *) pattern.ptr;
	size_t		n = text.len,
				m = pattern.len;
	size_t		si = 0,
				pi = 0;
	size_t		star_p = 0,
				star_s = 0;
	bool		have_star = false;

	while (si < n)
	{
		if (pi < m && p[pi] == '%')
		{
			while (pi < m && p[pi] == '%')
				pi++;
			if (pi == m)
				return true;
			have_star = true;
			star_p = pi;
			star_s = si;
			continue;
		}
		if (pi < m)
		{
			size_t		sl = char_len(s + si, n - si);

			if (p[pi] == '_')
			{
				si += sl;
				pi++;
				continue;
			}
			else
			{
				size_t		lit = (p[pi] == '\\' && pi + 1 < m) ? pi + 1 : pi;
				size_t		pl = char_len(p + lit, m - lit);

				if (pl == sl && memcmp(p + lit, s + si, sl) == 0)
				{
					si += sl;
					pi = lit + pl;
					continue;
				}
			}
		}
		if (!have_star)
			return false;
		star_s += char_len(s + star_s, n - star_s);
		si = star_s;
		pi = star_p;
	}
	while (pi < m && p[pi] == '%')
		pi++;
	return pi == m;
}

/* Whether a like pattern ends with an unescaped escape character (read as like_match does). */
static bool
ends_in_escape(sla_text pattern)
{
	const unsigned char *p = (const unsigned char *) pattern.ptr;
	size_t		i = 0;

	while (i < pattern.len)
	{
		if (p[i] == '\\')
		{
			if (i + 1 == pattern.len)
				return true;
			i++;
		}
		i += char_len(p + i, pattern.len - i);
	}
	return false;
}

/* Sign of (now - t) - amount, computed without overflow. */
static int
elapsed_cmp(int64_t now, int64_t t, int64_t amount)
{
	int64_t		d;

	if (t < 0 && now > INT64_MAX + t)
		return 1;				/* now - t > INT64_MAX >= amount */
	if (t >= 0 && now < INT64_MIN + t)
		return -1;				/* now - t < INT64_MIN <= amount */
	d = now - t;
	return d > amount ? 1 : d < amount ? -1 : 0;
}

/* ---------------------------------------------------------------- compile */

/* The alignment of every section of a compiled set. */
typedef union align_probe
{
	int64_t		i;
	double		d;
	void	   *p;
	size_t		z;
} align_probe;

#define SECTION_ALIGN _Alignof(align_probe)

/* *total += count * elem rounded up to SECTION_ALIGN; false on overflow. */
static bool
add_section(size_t *total, size_t count, size_t elem)
{
	size_t		bytes;

	if (elem != 0 && count > SIZE_MAX / elem)
		return false;
	bytes = count * elem;
	if (bytes > SIZE_MAX - (SECTION_ALIGN - 1))
		return false;
	bytes = (bytes + SECTION_ALIGN - 1) / SECTION_ALIGN * SECTION_ALIGN;
	if (bytes > SIZE_MAX - *total)
		return false;
	*total += bytes;
	return true;
}

static sla_status
reject(size_t *bad_rule, size_t *bad_condition, size_t r, size_t c)
{
	if (bad_rule)
		*bad_rule = r;
	if (bad_condition)
		*bad_condition = c;
	return SLA_ECONFIG;
}

static bool
valid_condition(const sla_condition_def *c, const sla_value_type *types, size_t ntypes)
{
	sla_value_type t;
	sla_value_type want;
	size_t		k;

	if (c->slot < 0 || (size_t) c->slot >= ntypes)
		return false;
	t = types[c->slot];
	if (!sla_operator_fits(c->op, t) || !operand_count_ok(c->op, c->noperands))
		return false;
	if (c->noperands > 0 && !c->operands)
		return false;
	want = operand_type(c->op, t);
	for (k = 0; k < c->noperands; k++)
	{
		const sla_value *o = &c->operands[k];

		if (o->is_null || o->type != want)
			return false;
		if (want == SLA_T_NUMBER && isnan(o->v.number))
			return false;
		if (want == SLA_T_TEXT && o->v.text.len > 0 && !o->v.text.ptr)
			return false;
		if ((c->op == SLA_OP_LIKE || c->op == SLA_OP_NOT_LIKE) && ends_in_escape(o->v.text))
			return false;
	}
	return true;
}

/* Whether a condition before index j of the rule has group number g. */
static bool
group_seen(const sla_condition_def *conds, size_t j, int32_t g)
{
	size_t		k;

	for (k = 0; k < j; k++)
		if (conds[k].group == g)
			return true;
	return false;
}

sla_status
sla_rules_compile(const sla_rule_def *rules, size_t nrules,
				  const sla_value_type *attribute_types, size_t nattributes,
				  const sla_allocator *alloc, sla_rule_set **out,
				  size_t *bad_rule, size_t *bad_condition)
{
	size_t		ncond = 0,
				nops = 0,
				nchars = 0,
				size = 0;
	size_t		i,
				j,
				k;
	size_t		gi = 0,
				ci = 0,
				oi = 0,
				chars_used = 0;
	char	   *base;
	sla_rule_set *set;
	rule	   *out_rules;
	group	   *out_groups;
	condition  *out_conds;
	sla_value  *out_ops;
	char	   *out_chars;

	*out = NULL;
	if (nrules > 0 && !rules)
		return reject(bad_rule, bad_condition, 0, SLA_NO_CONDITION);

	/* validate, and count what to copy */
	for (i = 0; i < nrules; i++)
	{
		const sla_rule_def *r = &rules[i];

		if (r->level_id < 0 || (r->nconditions > 0 && !r->conditions))
			return reject(bad_rule, bad_condition, i, SLA_NO_CONDITION);
		for (j = 0; j < r->nconditions; j++)
		{
			const sla_condition_def *c = &r->conditions[j];

			if (!valid_condition(c, attribute_types, nattributes))
				return reject(bad_rule, bad_condition, i, j);
			if (c->noperands > SIZE_MAX - nops)
				return SLA_ENOMEM;
			nops += c->noperands;
			for (k = 0; k < c->noperands; k++)
			{
				if (c->operands[k].type != SLA_T_TEXT)
					continue;
				if (c->operands[k].v.text.len > SIZE_MAX - nchars)
					return SLA_ENOMEM;
				nchars += c->operands[k].v.text.len;
			}
		}
		if (r->nconditions > SIZE_MAX - ncond)
			return SLA_ENOMEM;
		ncond += r->nconditions;
	}

	if (!add_section(&size, 1, sizeof(sla_rule_set)) ||
		!add_section(&size, nrules, sizeof(rule)) ||
		!add_section(&size, ncond, sizeof(group)) ||
		!add_section(&size, ncond, sizeof(condition)) ||
		!add_section(&size, nops, sizeof(sla_value)) ||
		!add_section(&size, nchars, 1))
		return SLA_ENOMEM;
	base = alloc->alloc(alloc->ctx, size);
	if (!base)
		return SLA_ENOMEM;

	/* carve the sections */
	size = 0;
	set = (sla_rule_set *) base;
	add_section(&size, 1, sizeof(sla_rule_set));
	out_rules = (rule *) (base + size);
	add_section(&size, nrules, sizeof(rule));
	out_groups = (group *) (base + size);
	add_section(&size, ncond, sizeof(group));
	out_conds = (condition *) (base + size);
	add_section(&size, ncond, sizeof(condition));
	out_ops = (sla_value *) (base + size);
	add_section(&size, nops, sizeof(sla_value));
	out_chars = base + size;

	set->alloc = *alloc;
	set->rules = out_rules;
	set->nrules = nrules;
	set->groups = out_groups;
	set->conditions = out_conds;
	set->nconditions = ncond;

	for (i = 0; i < nrules; i++)
	{
		const sla_rule_def *r = &rules[i];

		out_rules[i].id = r->id;
		out_rules[i].level_id = r->level_id;
		out_rules[i].stop = r->stop;
		out_rules[i].first = gi;
		for (j = 0; j < r->nconditions; j++)
		{
			int32_t		g = r->conditions[j].group;

			if (group_seen(r->conditions, j, g))
				continue;
			out_groups[gi].first = ci;
			for (k = j; k < r->nconditions; k++)
			{
				const sla_condition_def *c = &r->conditions[k];
				condition  *d = &out_conds[ci];
				size_t		o;

				if (c->group != g)
					continue;
				d->slot = c->slot;
				d->op = c->op;
				d->type = attribute_types[c->slot];
				d->operands = out_ops + oi;
				d->noperands = c->noperands;
				for (o = 0; o < c->noperands; o++)
				{
					sla_value  *v = &out_ops[oi++];

					*v = c->operands[o];
					if (v->type == SLA_T_TEXT)
					{
						if (v->v.text.len > 0)
							memcpy(out_chars + chars_used, v->v.text.ptr, v->v.text.len);
						v->v.text.ptr = out_chars + chars_used;
						chars_used += v->v.text.len;
					}
				}
				ci++;
			}
			out_groups[gi].n = ci - out_groups[gi].first;
			gi++;
		}
		out_rules[i].n = gi - out_rules[i].first;
	}
	*out = set;
	return SLA_OK;
}

void
sla_rules_free(sla_rule_set *set)
{
	if (set)
		set->alloc.free(set->alloc.ctx, set);
}

bool
sla_rules_read_slot(const sla_rule_set *set, int32_t slot)
{
	size_t		i;

	if (!set)
		return false;
	for (i = 0; i < set->nconditions; i++)
		if (set->conditions[i].slot == slot)
			return true;
	return false;
}

/* ---------------------------------------------------------------- evaluate */

/* Whether the non-null value a satisfies the positive operator op of condition c. */
static sla_status
eval_positive(const condition *c, sla_operator op, const sla_value *a, int64_t now,
			  sla_regex_fn regex, void *regex_ctx, bool *out)
{
	const sla_value *ops = c->operands;
	size_t		k,
				e;
	int			r;

	*out = false;
	switch (op)
	{
		case SLA_OP_EQ:
			if (a->type == SLA_T_TEXT)
				*out = text_eq(a->v.text, ops[0].v.text);
			else if (a->type == SLA_T_NUMBER)
				*out = a->v.number == ops[0].v.number;
			else if (a->type == SLA_T_TIME)
				*out = a->v.time == ops[0].v.time;
			else if (a->type == SLA_T_BOOL)
				*out = a->v.boolean == ops[0].v.boolean;
			break;
		case SLA_OP_IN:
			for (k = 0; k < c->noperands && !*out; k++)
			{
				if (a->type == SLA_T_TEXT)
					*out = text_eq(a->v.text, ops[k].v.text);
				else if (a->type == SLA_T_NUMBER)
					*out = a->v.number == ops[k].v.number;
				else if (a->type == SLA_T_TEXT_ARRAY)
					for (e = 0; e < a->v.array.n && !*out; e++)
						*out = text_eq(a->v.array.items[e], ops[k].v.text);
			}
			break;
		case SLA_OP_CONTAINS:
			if (a->type == SLA_T_TEXT)
				*out = text_contains(a->v.text, ops[0].v.text);
			else if (a->type == SLA_T_TEXT_ARRAY)
				for (e = 0; e < a->v.array.n && !*out; e++)
					*out = text_eq(a->v.array.items[e], ops[0].v.text);
			break;
		case SLA_OP_LIKE:
			*out = like_match(a->v.text, ops[0].v.text);
			break;
		case SLA_OP_REGEX:
			if (!regex)
				return SLA_ECONFIG;
			r = regex(regex_ctx, ops[0].v.text, a->v.text);
			if (r < 0)
				return SLA_ECONFIG;
			*out = r > 0;
			break;
		case SLA_OP_GT:
		case SLA_OP_GE:
		case SLA_OP_LT:
		case SLA_OP_LE:
			{
				/* -2: unordered (NaN) */
				int			cmp;

				if (a->type == SLA_T_NUMBER)
				{
					double		x = a->v.number,
								y = ops[0].v.number;

					cmp = x < y ? -1 : x > y ? 1 : x == y ? 0 : -2;
				}
				else
					cmp = a->v.time < ops[0].v.time ? -1 : a->v.time > ops[0].v.time ? 1 : 0;
				if (cmp == -2)
					break;
				*out = op == SLA_OP_GT ? cmp > 0 : op == SLA_OP_GE ? cmp >= 0 :
					op == SLA_OP_LT ? cmp < 0 : cmp <= 0;
			}
			break;
		case SLA_OP_OLDER_THAN:
			*out = elapsed_cmp(now, a->v.time, ops[0].v.time) > 0;
			break;
		case SLA_OP_NEWER_THAN:
			*out = elapsed_cmp(now, a->v.time, ops[0].v.time) < 0;
			break;
		case SLA_OP_EMPTY:
			if (a->type == SLA_T_TEXT)
				*out = a->v.text.len == 0;
			else if (a->type == SLA_T_TEXT_ARRAY)
				*out = a->v.array.n == 0;
			break;
		default:
			/* negated operators never get here */
			break;
	}
	return SLA_OK;
}

static sla_status
eval_condition(const condition *c, const sla_value *values, int64_t now,
			   sla_regex_fn regex, void *regex_ctx, bool *out)
{
	const sla_value *a = &values[c->slot];
	bool		negated;
	sla_operator op = positive_of(c->op, &negated);
	bool		positive;
	sla_status	st;

	if (a->is_null)
		positive = op == SLA_OP_EMPTY;
	else
	{
		if (a->type != c->type)
			return SLA_ECONFIG;
		st = eval_positive(c, op, a, now, regex, regex_ctx, &positive);
		if (st != SLA_OK)
			return st;
	}
	*out = negated ? !positive : positive;
	return SLA_OK;
}

/* Whether any group of rule r has all of its conditions true. */
static sla_status
rule_matches(const sla_rule_set *set, const rule *r, const sla_value *values, int64_t now,
			 sla_regex_fn regex, void *regex_ctx, bool *out)
{
	size_t		g,
				k;

	*out = r->n == 0;
	for (g = r->first; g < r->first + r->n && !*out; g++)
	{
		const group *grp = &set->groups[g];
		bool		all = true;

		for (k = grp->first; k < grp->first + grp->n && all; k++)
		{
			sla_status	st = eval_condition(&set->conditions[k], values, now, regex,
											regex_ctx, &all);

			if (st != SLA_OK)
				return st;
		}
		*out = all;
	}
	return SLA_OK;
}

sla_status
sla_rules_evaluate(const sla_rule_set *set, const sla_value *values, int64_t now,
				   sla_regex_fn regex, void *regex_ctx, sla_rules_result *result)
{
	size_t		i;

	result->level_id = 0;
	result->level_rule_id = 0;
	result->stopped_by = 0;
	result->nmatched = 0;
	for (i = 0; i < set->nrules; i++)
	{
		const rule *r = &set->rules[i];
		bool		match;
		sla_status	st = rule_matches(set, r, values, now, regex, regex_ctx, &match);

		if (st != SLA_OK)
		{
			/* no partial answer */
			result->level_id = 0;
			result->level_rule_id = 0;
			result->stopped_by = 0;
			result->nmatched = 0;
			return st;
		}
		if (!match)
			continue;
		if (result->matched)
			result->matched[result->nmatched] = r->id;
		result->nmatched++;
		if (r->level_id != 0)
		{
			result->level_id = r->level_id;
			result->level_rule_id = r->id;
		}
		if (r->stop)
		{
			result->stopped_by = r->id;
			break;
		}
	}
	return SLA_OK;
}

/* ---------------------------------------------------------------- conditions relative to now */

/* Whether a condition depends on now. */
static bool
relative_to_now(const condition *c)
{
	return c->op == SLA_OP_OLDER_THAN || c->op == SLA_OP_NEWER_THAN;
}

bool
sla_rules_relative_to_now(const sla_rule_set *set)
{
	size_t		i;

	if (!set)
		return false;
	for (i = 0; i < set->nconditions; i++)
		if (relative_to_now(&set->conditions[i]))
			return true;
	return false;
}

/* The instant a condition on age changes its truth: *at, false when beyond int64. */
static bool
age_boundary(sla_operator op, int64_t t, int64_t amount, int64_t *at)
{
	int64_t		b;

	/* t + amount, then + 1 µs for the strict "older than": the first instant it holds */
	if ((amount > 0 && t > INT64_MAX - amount) || (amount < 0 && t < INT64_MIN - amount))
		return false;
	b = t + amount;
	if (op == SLA_OP_OLDER_THAN)
	{
		if (b == INT64_MAX)
			return false;
		b++;
	}
	*at = b;
	return true;
}

bool
sla_rules_next_change(const sla_rule_set *set, const sla_value *values, int64_t now,
					  sla_regex_fn regex, void *regex_ctx, int64_t *next)
{
	bool		found = false;
	size_t		r,
				g,
				k;

	if (!set)
		return false;
	for (r = 0; r < set->nrules; r++)
	{
		for (g = set->rules[r].first; g < set->rules[r].first + set->rules[r].n; g++)
		{
			const group *grp = &set->groups[g];
			bool		can_match = true;

			/* a group one of whose other conditions is false cannot match before the values
			 * change (they do not change with time): its conditions on age change nothing */
			for (k = grp->first; k < grp->first + grp->n && can_match; k++)
			{
				const condition *c = &set->conditions[k];
				bool		truth;

				if (!relative_to_now(c) && eval_condition(c, values, now, regex, regex_ctx, &truth) == SLA_OK)
					can_match = truth;
			}
			if (!can_match)
				continue;
			for (k = grp->first; k < grp->first + grp->n; k++)
			{
				const condition *c = &set->conditions[k];
				const sla_value *a = &values[c->slot];
				int64_t		at;

				if (!relative_to_now(c))
					continue;
				/* a null or mistyped value makes the condition false (or the evaluation fail) at every instant */
				if (a->is_null || a->type != c->type || c->noperands != 1)
					continue;
				if (!age_boundary(c->op, a->v.time, c->operands[0].v.time, &at) || at <= now)
					continue;
				if (!found || at < *next)
					*next = at;
				found = true;
			}
		}
	}
	return found;
}
