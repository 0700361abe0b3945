/*
 * ticket_update.c — a ticket row updated in the helpdesk's table: the C trigger sla.attach()
 * puts on it for UPDATE.
 *
 * A lifecycle change pauses, resumes, stops or cancels the ticket's clocks (and a reopened
 * ticket's resolution clock runs on, the time it stood solved not counted); the rules marked
 * on_update run again when an attribute they read changed, and a new level re-targets the
 * running clocks; a new department or agent is copied onto the running clocks.  A ticket from
 * before the attachment is tracked from its creation time on its first update.
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
#include "clock_ops.h"
#include "rule_cache.h"
#include "ticket_engine.h"

#define LC_IS(lc, name) (strcmp((lc), (name)) == 0)
#define LC_STOPPED(lc) (LC_IS(lc, "solved") || LC_IS(lc, "closed"))
#define LC_ACTIVE(lc) (LC_IS(lc, "open") || LC_IS(lc, "paused"))

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
 * changed; current_level (0: none) otherwise or when none sets one.  Records the choice.
 */
static int32
rerun_rules(SlaAttachment *att, const char *key, HeapTuple new_tuple, HeapTuple old_tuple, TupleDesc desc,
			TimestampTz at, int32 current_level)
{
	CompiledRules *cr = sla_current_rules(true);
	sla_value  *new_values,
			   *old_values;
	bool		changed = false;
	SlaLevelChoice choice;
	int			i;

	if (cr->nrules == 0)
		return current_level;
	/* declared attributes are functions of the key: the same for both rows, computed once below */
	new_values = sla_ticket_rule_values(att, cr, new_tuple, desc, key, SLOTS_READ_FROM_ROW);
	old_values = sla_ticket_rule_values(att, cr, old_tuple, desc, key, SLOTS_READ_FROM_ROW);
	for (i = 0; i < cr->attributes->n && !changed; i++)
		changed = !same_value(&new_values[i], &old_values[i]);
	/* a declared attribute may read any column (or none of the mapped ones): any change counts */
	for (i = 0; i < cr->attributes->n && !changed; i++)
		if (cr->reads[i] && OidIsValid(cr->attributes->functions[i]))
			changed = rows_differ(new_tuple, desc, old_tuple, desc);
	if (!changed)
		return current_level;
	new_values = sla_ticket_rule_values(att, cr, new_tuple, desc, key, SLOTS_READ);
	sla_rules_choose(cr, new_values, at, &choice);
	if (choice.level_id == 0)
		return current_level;	/* no update rule set a level: the ticket keeps its own */
	if (choice.level_id != current_level)
		sla_log_level_chosen(att, key, at, &choice);
	return choice.level_id;
}

/* ---------------------------------------------------------------- lifecycle changes */

static void
change_lifecycle(SlaAttachment *att, const char *key, SlaTicketState *cur, const char *lc, TimestampTz at,
				 HeapTuple tuple, TupleDesc desc)
{
	int			n,
				i;
	SlaClock   *clocks = sla_ticket_clocks(att->id, key, &n);
	int32		last_resolution = 0;

	for (i = 0; i < n; i++)
		if (clocks[i].metric == METRIC_RESOLUTION && clocks[i].cycle > last_resolution)
			last_resolution = clocks[i].cycle;
	for (i = 0; i < n; i++)
	{
		SlaClock   *c = &clocks[i];
		bool		stopped_resolution = c->metric == METRIC_RESOLUTION && LC_STOPPED(cur->lifecycle) &&
			(LC_IS(c->state, "met") || LC_IS(c->state, "breached")) && c->cycle == last_resolution;

		if (!SLA_CLOCK_ACTIVE(c) && !stopped_resolution)
			continue;
		if (LC_IS(lc, "deleted"))
			sla_clock_cancel(c, at, "ticket deleted");
		else if (c->metric == METRIC_PERIODIC_UPDATE)
		{
			/* agent updates are owed only while the ticket is open */
			if (LC_STOPPED(lc))
				sla_clock_cancel(c, at, psprintf("ticket %s", lc));
			else if (LC_IS(lc, "paused"))
				sla_clock_pause(c, at);
			else
				sla_clock_resume(c, at);
		}
		else if (c->metric != METRIC_RESOLUTION)
		{
			if (LC_STOPPED(lc))
				sla_clock_cancel(c, at, psprintf("ticket %s before a reply", lc));
		}
		else if (stopped_resolution)
		{
			/* solved -> closed (or back): the stopped clock stays as it was; reopened: it runs on */
			if (LC_ACTIVE(lc))
			{
				sla_clock_reopen(c, at, LC_IS(lc, "paused"));
				/* under the ticket's level, which an on_update rule may have changed meanwhile */
				if (cur->level_id != 0 && c->level_id != cur->level_id && SLA_CLOCK_ACTIVE(c))
					sla_clock_retarget(c, cur->level_id, at);
			}
		}
		else if (LC_IS(lc, "paused"))
			sla_clock_pause(c, at);
		else if (LC_IS(lc, "open"))
			sla_clock_resume(c, at);
		else if (LC_STOPPED(lc))
			sla_clock_stop(c, at);
	}
	sla_ticket_state_set_lifecycle(att->id, key, lc);
	if (LC_STOPPED(cur->lifecycle) && LC_ACTIVE(lc) && cur->level_id != 0)
	{
		SlaSnapshot snapshot;
		SlaClock	started;

		sla_ticket_snapshot(att, tuple, desc, &snapshot);
		if (sla_clock_start(att->id, key, cur->level_id, METRIC_PERIODIC_UPDATE, at, &snapshot, 0, &started) &&
			LC_IS(lc, "paused"))
			sla_clock_pause(&started, at);
		/* a customer message that came while it was solved: next_response runs from it */
		if (cur->customer_waiting)
		{
			(void) sla_clock_start(att->id, key, cur->level_id, METRIC_NEXT_RESPONSE, cur->customer_waiting_since,
								   &snapshot, 0, &started);
			sla_ticket_state_clear_waiting(att->id, key);
		}
	}
}

/* ---------------------------------------------------------------- the trigger */

static bool
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

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
	SlaTicketState cur;
	char	   *department,
			   *agent,
			   *old_department,
			   *old_agent;

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

	/* one writer per ticket at a time: clocks are decided from the ticket's current state.  A
	 * row lock, not an advisory lock: bulk statements would exhaust the lock table. */
	if (!sla_ticket_state_lock(att->id, key, &cur))
	{
		TimestampTz created;

		/* a ticket from before the attachment: tracked from its creation time on first change */
		if (!sla_row_time(&att->ticket[TF_CREATED_AT], new_tuple, desc, att->ticket_table, att->time_zone, &created))
			created = at;
		sla_track_ticket(att, key, new_tuple, desc, lc ? lc : SLA_UNMAPPED_NEW_LIFECYCLE, created);
		SPI_finish();
		return PointerGetDatum(NULL);
	}

	if (lc == NULL)
		lc = cur.lifecycle;		/* an unmapped status (recorded): the ticket keeps its lifecycle */
	if (!LC_IS(lc, cur.lifecycle))
		change_lifecycle(att, key, &cur, lc, at, new_tuple, desc);

	/* escalation: the rules marked on_update run when an attribute they read changed */
	if (!LC_IS(lc, "deleted"))
	{
		int32		level = rerun_rules(att, key, new_tuple, old_tuple, desc, at, cur.level_id);

		if (level != cur.level_id && level != 0 && sla_level_use(level) != NULL)
		{
			sla_ticket_retarget(att->id, key, level, at);
			sla_ticket_state_set_level(att->id, key, level);
		}
	}

	/* running clocks report who holds the ticket now */
	department = sla_row_text(&att->ticket[TF_DEPARTMENT], new_tuple, desc, att->ticket_table);
	agent = sla_row_text(&att->ticket[TF_AGENT], new_tuple, desc, att->ticket_table);
	old_department = sla_row_text(&att->ticket[TF_DEPARTMENT], old_tuple, desc, att->ticket_table);
	old_agent = sla_row_text(&att->ticket[TF_AGENT], old_tuple, desc, att->ticket_table);
	if (!same_text(department, old_department) || !same_text(agent, old_agent))
		sla_ticket_reassign(att->id, key, at, department, agent, old_department, old_agent);
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
	SlaTicketState cur;

	att = sla_trigger_attachment(fcinfo, "ticket_deleted", "sla_ticket_delete", TRIGGER_EVENT_DELETE, "DELETE", false);
	tuple = trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	key = sla_ticket_key(att, tuple, desc);
	if (sla_ticket_state_lock(att->id, key, &cur) && !LC_IS(cur.lifecycle, "deleted"))
		change_lifecycle(att, key, &cur, "deleted", GetCurrentTransactionStartTimestamp(), tuple, desc);
	SPI_finish();
	return PointerGetDatum(NULL);
}
