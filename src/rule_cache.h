/*
 * rule_cache.h — the active rules, compiled once per backend (rule_functions.c), as the engine's
 * triggers use them: the attribute slots the rules read and the level they choose.
 *
 * A CompiledRules pointer stays valid until the configuration generation moves on (any edit
 * of rules, levels, attributes or calendars); callers fetch it once per row.
 */
#ifndef SLA_RULE_CACHE_H
#define SLA_RULE_CACHE_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "rules.h"

#define SLA_MAX_ATTRIBUTE_SLOTS 1024

/* Built-in attributes take the first slots, in this order (rule_functions.c lists their types). */
typedef enum SlaBuiltinSlot
{
	SLOT_STATUS, SLOT_PRIORITY, SLOT_CHANNEL, SLOT_DEPARTMENT, SLOT_AGENT, SLOT_REQUESTER,
	SLOT_TAGS, SLOT_CREATED_AT, SLOT_UPDATED_AT, SLOT_DELETED, SLOT_REFERRER,
	SLOT_CREATED_BY_INVITATION, SLOT_LAST_MESSAGE_AUTHOR, SLOT_LAST_MESSAGE_AT,
	SLA_NBUILTIN_SLOTS
} SlaBuiltinSlot;

/*
 * The built-in attributes the engine reads from every ticket row it runs the rules on, read by a
 * rule or not (sla_ticket_rule_values, SLOTS_READ): plain columns, cheap and free of errors, so
 * the fact log can keep them for a replay under other rules (a NULL one is left out of the log).
 * Tags and created_by_invitation are read only when a rule reads them (their column's type is
 * checked then).
 */
static inline bool
sla_slot_always_read(int slot)
{
	return slot < SLA_NBUILTIN_SLOTS && slot != SLOT_TAGS && slot != SLOT_CREATED_BY_INVITATION;
}

typedef struct AttributeSet
{
	int			n;
	char	   *names[SLA_MAX_ATTRIBUTE_SLOTS];
	sla_value_type types[SLA_MAX_ATTRIBUTE_SLOTS];
	Oid			functions[SLA_MAX_ATTRIBUTE_SLOTS];	/* declared attributes: the function */
} AttributeSet;

typedef struct CompiledRules
{
	uint64		generation;
	MemoryContext context;
	AttributeSet *attributes;
	sla_rule_set *set;
	int			nrules;
	int32	   *positions;
	char	  **names;
	char	  **level_names;	/* the level a rule sets, or NULL */
	int64	   *rule_ids;
	bool	   *stops;
	int64		default_level_id;
	char	   *default_level_name;
	int64	   *level_ids;		/* of all levels named above, parallel to level_names */
	bool	   *reads;			/* per attribute slot: some condition reads it */
	bool		relative_to_now;	/* some condition is older_than / newer_than */
} CompiledRules;

/* The active rules ([on_update_only]: only those marked on_update, and no default level). */
extern CompiledRules *sla_current_rules(bool on_update_only);

/* What the rules chose for one ticket. */
typedef struct SlaLevelChoice
{
	int32		level_id;		/* 0: no rule set a level and there is no default */
	const char *level_name;
	const char **matched_rules; /* the names of the rules that matched, in order */
	int			nmatched;
	/* the rules and the values they were run on (one per slot of rules->attributes): the
	 * created and level facts log the values read, so that a replay can run other rules.  The
	 * rules are the cache's: build the JSON (sla_level_choice_json) before the next call of
	 * sla_current_rules, which frees rules an edit made stale */
	CompiledRules *rules;
	const sla_value *values;
} SlaLevelChoice;

/* Evaluate the rules on values (one per slot of cr->attributes) at an instant. */
extern void sla_rules_choose(CompiledRules *cr, const sla_value *values, TimestampTz at,
							 SlaLevelChoice *out);

/*
 * The choice as the JSON a created or level fact carries (detail.chosen; sla.explain shows it as
 * the level_chosen event): the level's name, the rules that matched, and the values the rules
 * read (SlaLevelChoice.values; the built-ins read anyway when not NULL) that JSON can hold.
 */
extern Jsonb *sla_level_choice_json(const SlaLevelChoice *choice);

/* Whether JSON can hold a value: not a NaN or infinite number, nor an infinite time.  The fact
 * log and the dry run (sla.ticket_attributes) leave out the others, as if NULL. */
extern bool sla_value_json_representable(const sla_value *v);

/*
 * The level the rules choose for values logged by an earlier choice (sla_level_choice_json)
 * at an instant, as sla_rules_choose would (the default when no rule sets a level; 0 when there
 * is none, and always for the rules marked on_update).  False when the log lacks a value the
 * rules read, or holds one they cannot read as the attribute's type: the logged level stands.
 */
extern bool sla_rules_choose_logged(CompiledRules *cr, Jsonb *logged, TimestampTz at, int32 *level_id);

/* When a condition relative to now may next change what the rules choose for values, after at
 * (rules.h's sla_rules_next_change); false: never. */
extern bool sla_rules_next_change_at(CompiledRules *cr, const sla_value *values, TimestampTz at,
									 TimestampTz *next);

#endif
