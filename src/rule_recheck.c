/*
 * rule_recheck.c — rules relative to now: "open and older than 2 days: urgent" changes a
 * ticket's level two days after it was created, though nothing writes the ticket then.
 *
 * Only the rules marked on_update run after a ticket's creation (docs/engine-design.md), so only
 * theirs are rechecked.  Whenever they run for a ticket — its creation, an update, a public
 * message — the core (sla_rules_next_change) gives the first instant at which one of their
 * conditions on age turns true or false for the ticket's values; the ticket's row keeps it in
 * rules_recheck_at, indexed where set.  sla.check_breaches() hands each ticket whose instant
 * has passed to sla.recheck_rules(), which runs the rules as they would have run at that
 * instant, applies a level they choose as a level fact of that instant (the clock model clamps
 * it to the ticket's latest fact when a later one was applied meanwhile), and stores the next
 * instant: a check that ran late catches up on every change in between, in order.
 *
 * The breach check may run as anyone (a pg_cron job's owner, the breach worker): the host row
 * is read as the table's owner under SECURITY_RESTRICTED_OPERATION, as the set_column
 * escalation writes it (src/escalation_action.c), so a caller learns nothing of the row and the
 * row's owner's rights never leave this read.  Declared attributes are computed as for any
 * other run of the rules.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/typcache.h"

#include "host_ticket.h"
#include "rule_cache.h"
#include "rule_recheck.h"
#include "ticket_engine.h"
#include "ticket_flow.h"

void
sla_rules_schedule_recheck(SlaAttachment *att, SlaStoredTicket *st, HeapTuple tuple, TupleDesc desc,
						   TimestampTz at)
{
	CompiledRules *cr = sla_current_rules(true);
	sla_value  *values;
	TimestampTz next = 0;
	bool		has;

	if (!st->log_facts)
		return;					/* a 0.1.0 schema awaiting its update: no column */
	if (cr->nrules == 0 || !cr->relative_to_now || !st->t.tracked ||
		st->t.lifecycle == SLA_LC_DELETED)
	{
		sla_stored_ticket_set_recheck(st, false, 0);
		return;
	}
	values = sla_ticket_rule_values(att, cr, tuple, desc, st->key, st, SLOTS_READ);
	has = sla_rules_next_change_at(cr, values, at, &next);
	sla_stored_ticket_set_recheck(st, has, next);
}

/*
 * sla.recheck_rules(attachment, key, as_of): the breach check's run of one ticket's rules
 * whose instant has passed (src/sql/80_breach.sql); how many level changes it applied, or NULL
 * when there was nothing to claim (not due, or another transaction holds the ticket).
 */
PG_FUNCTION_INFO_V1(sla_recheck_rules_sql);
Datum
sla_recheck_rules_sql(PG_FUNCTION_ARGS)
{
	int32		attachment_id = PG_GETARG_INT32(0);
	char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(1));
	TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(2);
	SlaAttachment *att;
	SlaStoredTicket st;
	TimestampTz at;
	HeapTupleData tuple;
	TupleDesc	desc;
	CompiledRules *cr;
	int			changes = 0;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	att = sla_attachment_find(attachment_id);
	if (att == NULL || !sla_ticket_claim_recheck(attachment_id, key, as_of, &at))
	{
		SPI_finish();
		PG_RETURN_NULL();
	}
	if (!sla_stored_ticket_load(attachment_id, key, &st))
	{
		SPI_finish();
		PG_RETURN_NULL();
	}
	if (!sla_host_ticket_row_as_owner(att, key, &tuple, &desc))
	{
		/* the row is gone, or hidden from its own table's owner (FORCE ROW LEVEL SECURITY):
		 * nothing can run the rules on it; an update of the row schedules them again */
		sla_stored_ticket_set_recheck(&st, false, 0);
		SPI_finish();
		PG_RETURN_INT32(0);
	}
	cr = sla_current_rules(true);
	for (;;)
	{
		sla_value  *values;
		SlaLevelChoice choice;
		TimestampTz next;

		if (cr->nrules == 0 || !cr->relative_to_now || st.t.lifecycle == SLA_LC_DELETED)
		{
			sla_stored_ticket_set_recheck(&st, false, 0);
			break;
		}
		values = sla_ticket_rule_values(att, cr, &tuple, desc, key, &st, SLOTS_READ);
		sla_rules_choose(cr, values, at, &choice);
		if (sla_apply_level_choice(&st, &choice, at))
			changes++;
		if (!sla_rules_next_change_at(cr, values, at, &next))
		{
			sla_stored_ticket_set_recheck(&st, false, 0);
			break;
		}
		/* each condition on age has one boundary for the row's values: the loop ends after one
		 * turn per condition at most */
		if (next > as_of)
		{
			sla_stored_ticket_set_recheck(&st, true, next);
			break;
		}
		at = next;
	}
	ReleaseTupleDesc(desc);
	SPI_finish();
	PG_RETURN_INT32(changes);
}
