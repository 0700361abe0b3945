/*
 * ticket_update.c — a ticket row updated in the helpdesk's table: the C trigger sla.attach()
 * puts on it for UPDATE.
 *
 * The update becomes facts for the clock model (src/core/clockflow.c), in its canonical order: a
 * new holder (department, agent, requester) is copied onto the ticket and its running clocks;
 * the rules marked on_update run again when an attribute they read changed, and a new level is
 * a level fact; then a lifecycle change is a lifecycle fact.  A ticket from before the
 * attachment is tracked from its creation time on its first update (marked for sla.backfill to
 * replay), unless created before backfill's cut-off.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/timestamp.h"

#include "attachment_cache.h"
#include "clock_store.h"
#include "rule_cache.h"
#include "rule_recheck.h"
#include "ticket_engine.h"
#include "ticket_flow.h"

/* ---------------------------------------------------------------- did a read attribute change */

static bool
same_value(const sla_value *a, const sla_value *b)
{
	size_t		i;

	if (a->is_null || b->is_null)
		return a->is_null == b->is_null;
	switch (a->type)
	{
		case SLA_T_TEXT:
			return a->v.text.len == b->v.text.len && memcmp(a->v.text.ptr, b->v.text.ptr, a->v.text.len) == 0;
		case SLA_T_NUMBER:
			return a->v.number == b->v.number;
		case SLA_T_TIME:
		case SLA_T_INTERVAL:
			return a->v.time == b->v.time;
		case SLA_T_BOOL:
			return a->v.boolean == b->v.boolean;
		case SLA_T_TEXT_ARRAY:
			if (a->v.array.n != b->v.array.n)
				return false;
			for (i = 0; i < a->v.array.n; i++)
				if (a->v.array.items[i].len != b->v.array.items[i].len ||
					memcmp(a->v.array.items[i].ptr, b->v.array.items[i].ptr, a->v.array.items[i].len) != 0)
					return false;
			return true;
	}
	return false;
}

/* Whether any column of two rows of one table differs (binary comparison, NULLs equal). */
static bool
rows_differ(HeapTuple a, TupleDesc adesc, HeapTuple b, TupleDesc bdesc)
{
	int			i;

	if (adesc->natts != bdesc->natts)
		return true;
	for (i = 0; i < adesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(adesc, i);
		bool		anull,
					bnull;
		Datum		av,
					bv;

		if (attr->attisdropped)
			continue;
		av = heap_getattr(a, i + 1, adesc, &anull);
		bv = heap_getattr(b, i + 1, bdesc, &bnull);
		if (anull != bnull || (!anull && !datumIsEqual(av, bv, attr->attbyval, attr->attlen)))
			return true;
	}
	return false;
}

/*
 * The level the rules marked on_update choose for the updated row, when an attribute they read
 * changed; current_level (0: none) otherwise or when none sets one.  *chosen: the choice as JSON
 * when it is another level (the level fact carries it).
 */
static int32
rerun_rules(SlaAttachment *att, const char *key, HeapTuple new_tuple, HeapTuple old_tuple, TupleDesc desc,
			TimestampTz at, const SlaStoredTicket *st, Jsonb **chosen)
{
	int32		current_level = st->t.level_id;
	CompiledRules *cr = sla_current_rules(true);
	sla_value  *new_values,
			   *old_values;
	bool		changed = false;
	SlaLevelChoice choice;
	int			i;

	if (cr->nrules == 0)
		return current_level;
	/* declared attributes are functions of the key: the same for both rows, computed once below */
	new_values = sla_ticket_rule_values(att, cr, new_tuple, desc, key, st, SLOTS_READ_FROM_ROW);
	old_values = sla_ticket_rule_values(att, cr, old_tuple, desc, key, st, SLOTS_READ_FROM_ROW);
	for (i = 0; i < cr->attributes->n && !changed; i++)
		changed = !same_value(&new_values[i], &old_values[i]);
	/* a declared attribute may read any column (or none of the mapped ones): any change counts */
	for (i = 0; i < cr->attributes->n && !changed; i++)
		if (cr->reads[i] && OidIsValid(cr->attributes->functions[i]))
			changed = rows_differ(new_tuple, desc, old_tuple, desc);
	if (!changed)
		return current_level;
	new_values = sla_ticket_rule_values(att, cr, new_tuple, desc, key, st, SLOTS_READ);
	sla_rules_choose(cr, new_values, at, &choice);
	if (choice.level_id == 0)
		return current_level;	/* no update rule set a level: the ticket keeps its own */
	if (choice.level_id != current_level)
		*chosen = sla_level_choice_json(&choice);
	return choice.level_id;
}

/* ---------------------------------------------------------------- the trigger */

/* AFTER UPDATE FOR EACH ROW on an attached ticket table; argument: the attachment id. */
PG_FUNCTION_INFO_V1(sla_ticket_updated);
Datum
sla_ticket_updated(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	SlaAttachment *att;
	HeapTuple	new_tuple,
				old_tuple;
	TupleDesc	desc;
	char	   *key;
	const char *lc;
	TimestampTz at;
	SlaStoredTicket st;
	SlaSnapshot holder;
	sla_fact	fact;

	att = sla_trigger_attachment(fcinfo, "ticket_changed", "sla_ticket_update", TRIGGER_EVENT_UPDATE, "UPDATE", false);
	new_tuple = trigdata->tg_newtuple;
	old_tuple = trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	key = sla_ticket_key(att, new_tuple, desc);
	lc = sla_ticket_lifecycle(att, new_tuple, desc);
	if (!sla_row_time(&att->ticket[TF_UPDATED_AT], new_tuple, desc, att->ticket_table, att->time_zone, &at))
		at = GetCurrentTransactionStartTimestamp();		/* now() */

	/* a changed key carries the ticket's tracking rows along: never two sets of clocks */
	{
		char	   *old_key = sla_ticket_key(att, old_tuple, desc);

		if (strcmp(old_key, key) != 0)
			(void) sla_stored_ticket_rekey(att->id, old_key, key, at);
	}

	/* one writer per ticket at a time: clocks are decided from the ticket's current state.  A
	 * row lock, not an advisory lock: bulk statements would exhaust the lock table. */
	if (!sla_stored_ticket_load(att->id, key, &st))
	{
		TimestampTz created;

		/* a ticket from before the attachment: tracked from its creation time on first change */
		if (!sla_row_time(&att->ticket[TF_CREATED_AT], new_tuple, desc, att->ticket_table, att->time_zone, &created))
			created = at;
		/* unless older than backfill's cut-off: it stays untracked, as backfill left it */
		if (att->has_created_after && created < att->created_after)
		{
			SPI_finish();
			return PointerGetDatum(NULL);
		}
		sla_track_ticket(att, key, new_tuple, desc, lc ? lc : SLA_UNMAPPED_NEW_LIFECYCLE, created, false);
		/* its messages and statuses before this update are unknown here: the mark lets
		 * sla.backfill() replay the ticket from the host rows */
		sla_log_event(att->id, key, 0, at, "tracked_on_update", NULL);
		SPI_finish();
		return PointerGetDatum(NULL);
	}

	/* an unmapped status (recorded as a mapping problem): the ticket keeps its lifecycle */
	if (lc == NULL)
		lc = sla_lifecycle_name(st.t.lifecycle);

	/* One update may change attributes and the lifecycle at once: attribute changes apply first
	 * (clockflow.h's canonical order), so a ticket taken and solved in one update is solved by
	 * its new holder, under the level its new attributes give it. */
	sla_ticket_snapshot(att, new_tuple, desc, &holder);
	sla_stored_ticket_reassign(&st, at, &holder);
	{
		/* escalation: the rules marked on_update run when an attribute they read changed (on a
		 * deleted ticket too: the level is its state, and an attribute change of the instant of
		 * its deletion applies before it) */
		Jsonb	   *chosen = NULL;
		int32		level = rerun_rules(att, key, new_tuple, old_tuple, desc, at, &st, &chosen);

		if (level != st.t.level_id && level != 0 && sla_level_use(level) != NULL)
		{
			fact = sla_fact_of(SLA_FACT_LEVEL, at);
			fact.level_id = level;
			sla_ticket_apply(&st, &fact, chosen);
		}
	}
	fact = sla_fact_of(SLA_FACT_LIFECYCLE, at);
	fact.lifecycle = sla_lifecycle_of(lc);
	if (fact.lifecycle != st.t.lifecycle)
		sla_ticket_apply(&st, &fact, NULL);
	/* the row as it now is: when rules relative to now may next choose another level (none
	 * for a deleted ticket) */
	sla_rules_schedule_recheck(att, &st, new_tuple, desc, at);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * AFTER DELETE FOR EACH ROW on an attached ticket table: a ticket row deleted outright cancels
 * its running clocks, as the deleted lifecycle does; its stopped clocks stay for the reports.
 */
PG_FUNCTION_INFO_V1(sla_ticket_deleted);
Datum
sla_ticket_deleted(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	SlaAttachment *att;
	HeapTuple	tuple;
	TupleDesc	desc;
	char	   *key;
	SlaStoredTicket st;

	att = sla_trigger_attachment(fcinfo, "ticket_deleted", "sla_ticket_delete", TRIGGER_EVENT_DELETE, "DELETE", false);
	tuple = trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	key = sla_ticket_key(att, tuple, desc);
	if (sla_stored_ticket_load(att->id, key, &st) && st.t.lifecycle != SLA_LC_DELETED)
	{
		sla_fact	fact = sla_fact_of(SLA_FACT_LIFECYCLE, GetCurrentTransactionStartTimestamp());

		fact.lifecycle = SLA_LC_DELETED;
		sla_ticket_apply(&st, &fact, NULL);
		sla_rules_schedule_recheck(att, &st, tuple, desc, fact.at);	/* clears it */
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
