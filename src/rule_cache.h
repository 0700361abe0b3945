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
	char	   *matched_rules;	/* JSON array of the names of the rules that matched, in order */
} SlaLevelChoice;

/* Evaluate the rules on values (one per slot of cr->attributes) at an instant. */
extern void sla_rules_choose(CompiledRules *cr, const sla_value *values, TimestampTz at,
							 SlaLevelChoice *out);

/* When a condition relative to now may next change what the rules choose for values, after at
 * (rules.h's sla_rules_next_change); false: never. */
extern bool sla_rules_next_change_at(CompiledRules *cr, const sla_value *values, TimestampTz at,
									 TimestampTz *next);

#endif
