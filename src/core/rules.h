/*
 * rules.h — SLA rule conditions and their evaluation, free of PostgreSQL.
 *
 * A rule set is an ordered list of rules.  A rule matches when any of its condition groups
 * matches; a group matches when all of its conditions do (OR of ANDs).  Rules run in order:
 * every matching rule with a level sets the level (a later match overrides an earlier one), and
 * a matching rule marked stop ends the run.  When no rule sets a level, the default applies.
 *
 * A condition compares one ticket attribute (a slot in an array of values the caller fills
 * from the ticket row and from declared attribute functions) with an operand using an operator
 * fitting the attribute's type.  Rules are checked when compiled: an operator that does not fit
 * the attribute's type, or an operand of the wrong type, is rejected with the rule and
 * condition named (the glue turns that into an error message).
 *
 * Memory: the caller owns everything; sla_rules_compile copies what it keeps through the
 * allocator (calendar.h's sla_allocator).  Regular expressions are matched through a callback,
 * so the glue can use PostgreSQL's own regex engine and its semantics.
 */
#ifndef SLA_RULES_H
#define SLA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calendar.h"			/* sla_allocator */
#include "sla_status.h"

typedef enum sla_value_type
{
	SLA_T_TEXT,					/* UTF-8 bytes */
	SLA_T_NUMBER,				/* double */
	SLA_T_TIME,					/* instant, microseconds since 2000-01-01 UTC */
	SLA_T_BOOL,
	SLA_T_TEXT_ARRAY,			/* tags: a list of UTF-8 strings */
	SLA_T_INTERVAL				/* an amount of wall-clock time in microseconds (operands of
								 * older_than / newer_than only) */
} sla_value_type;

typedef struct sla_text
{
	const char *ptr;
	size_t		len;
} sla_text;

typedef struct sla_value
{
	sla_value_type type;
	bool		is_null;
	union
	{
		sla_text	text;
		double		number;
		int64_t		time;		/* SLA_T_TIME and SLA_T_INTERVAL */
		bool		boolean;
		struct
		{
			const sla_text *items;
			size_t		n;
		}			array;
	}			v;
} sla_value;

typedef enum sla_operator
{
	SLA_OP_EQ,					/* all types but arrays: equal (text: byte-exact) */
	SLA_OP_NE,
	SLA_OP_IN,					/* operand is a list; array attribute: shares an element */
	SLA_OP_NOT_IN,
	SLA_OP_CONTAINS,			/* text: substring; array: has the element */
	SLA_OP_NOT_CONTAINS,
	SLA_OP_LIKE,				/* text: SQL LIKE pattern, % and _ (UTF-8 aware), \ escapes */
	SLA_OP_NOT_LIKE,
	SLA_OP_REGEX,				/* text: regular expression via the callback */
	SLA_OP_NOT_REGEX,
	SLA_OP_GT,					/* number, time */
	SLA_OP_GE,
	SLA_OP_LT,
	SLA_OP_LE,
	SLA_OP_OLDER_THAN,			/* time attribute, interval operand: now - attr > operand */
	SLA_OP_NEWER_THAN,			/* now - attr < operand */
	SLA_OP_EMPTY,				/* null, '' or an empty array; no operand */
	SLA_OP_NOT_EMPTY
} sla_operator;

/* Operator names as written in rule tables: 'equals', 'not_equals', 'in', 'not_in', 'contains',
 * 'not_contains', 'like', 'not_like', 'matches', 'not_matches', 'greater', 'greater_or_equal',
 * 'less', 'less_or_equal', 'older_than', 'newer_than', 'is_empty', 'is_not_empty'. */
bool		sla_operator_from_name(const char *name, size_t len, sla_operator *out);
const char *sla_operator_name(sla_operator op);	/* NULL for a value outside the enum */

/* Whether op may be applied to an attribute of type t (and what operand type it needs). */
bool		sla_operator_fits(sla_operator op, sla_value_type attribute_type);

typedef struct sla_condition_def
{
	int32_t		group;			/* conditions with the same group number are ANDed */
	int32_t		slot;			/* attribute slot in the evaluation input */
	sla_operator op;
	const sla_value *operands;	/* one operand; a list for in / not_in; none for emptiness */
	size_t		noperands;
} sla_condition_def;

typedef struct sla_rule_def
{
	int64_t		id;
	int64_t		level_id;		/* 0: the rule sets no level */
	bool		stop;			/* stop processing further rules when this one matches */
	const sla_condition_def *conditions;	/* no conditions: the rule always matches */
	size_t		nconditions;
} sla_rule_def;

typedef struct sla_rule_set sla_rule_set;

/* Regex callback: 1 match, 0 no match, -1 bad pattern.  ctx is the caller's. */
typedef int (*sla_regex_fn) (void *ctx, sla_text pattern, sla_text subject);

/*
 * Compile rules (already in processing order) over attributes of the given types.
 * On SLA_ECONFIG, *bad_rule and *bad_condition index the offending rule and condition;
 * *bad_condition is SLA_NO_CONDITION when the rule itself is at fault (a negative level).
 */
#define SLA_NO_CONDITION SIZE_MAX

sla_status	sla_rules_compile(const sla_rule_def *rules, size_t nrules,
							  const sla_value_type *attribute_types, size_t nattributes,
							  const sla_allocator *alloc, sla_rule_set **out,
							  size_t *bad_rule, size_t *bad_condition);
void		sla_rules_free(sla_rule_set *set);

/* Which slots the rules read (for "run on UPDATE only when a column they read changed"). */
bool		sla_rules_read_slot(const sla_rule_set *set, int32_t slot);

typedef struct sla_rules_result
{
	int64_t		level_id;		/* 0 when no rule set a level */
	int64_t		level_rule_id;	/* the rule whose level won, 0 if none */
	int64_t		stopped_by;		/* the rule that stopped processing, 0 if none */
	size_t		nmatched;		/* rules that matched, in order, ids in matched[] */
	int64_t    *matched;		/* caller-provided array of at least nrules entries
								 * (NULL: matches are only counted) */
} sla_rules_result;

/* Evaluate against values[0..nattributes) at instant now. */
sla_status	sla_rules_evaluate(const sla_rule_set *set, const sla_value *values, int64_t now,
							   sla_regex_fn regex, void *regex_ctx, sla_rules_result *result);

/*
 * Conditions relative to now (older_than, newer_than) make a ticket's rules choose another level
 * as time passes, with no change of its values.  sla_rules_next_change gives the earliest
 * instant after now at which one of them turns true or false for these values (*next), false
 * when none ever will; between now and *next every condition, and so the result of
 * sla_rules_evaluate, stays as it is at now.  Only groups whose other conditions hold count: the
 * others cannot match until the values change.  The boundary of "now - t > amount" is
 * t + amount + 1 µs (older_than turns true); of "now - t < amount", t + amount (newer_than
 * turns false).  A boundary beyond the range of int64 is never reached.
 */
bool		sla_rules_next_change(const sla_rule_set *set, const sla_value *values, int64_t now,
								  sla_regex_fn regex, void *regex_ctx, int64_t *next);

/* Whether some condition of the set is relative to now (older_than, newer_than). */
bool		sla_rules_relative_to_now(const sla_rule_set *set);

#endif							/* SLA_RULES_H */
