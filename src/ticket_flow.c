/*
 * ticket_flow.c — one fact applied to one stored ticket: clockflow (src/core) decides, the clock
 * store writes.  Every path that moves clocks comes through sla_ticket_apply(): the ticket and
 * message triggers, backfill, escalations that raise the level, configuration edits.
 *
 * Also here: the policy clockflow reads (levels locked and read through the level cache,
 * business time through the calendar cache) and the engine's SQL-callable functions that apply
 * facts for the PL/pgSQL parts (sla.apply_lifecycle, sla.retarget_clocks, sla.cancel_clock,
 * sla.log_event) and the statement trigger that re-targets running clocks after an edit.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "attachment_cache.h"
#include "calendar_cache.h"
#include "clock_store.h"
#include "sla_error.h"
#include "ticket_flow.h"

/* ---------------------------------------------------------------- the policy in force */

static bool
policy_level(void *ctx, int32_t level_id, sla_cf_level *out)
{
	SlaLevel   *level = sla_level_use(level_id);

	if (level == NULL)
		return false;
	out->id = level->id;
	out->calendar_id = level->calendar_id;
	memcpy(out->has_target, level->has_target, sizeof(out->has_target));
	memcpy(out->target, level->target, sizeof(out->target));
	return true;
}

/* The calendar functions raise their own errors (naming the calendar): nothing to return. */
static sla_status
policy_add(void *ctx, int32_t calendar_id, int64_t t, sla_business_interval d, int64_t *out)
{
	*out = sla_business_add_on(calendar_id, t, d);
	return SLA_OK;
}

static sla_status
policy_between(void *ctx, int32_t calendar_id, int64_t a, int64_t b, int64_t *out)
{
	*out = sla_business_between_on(calendar_id, a, b).usec;
	return SLA_OK;
}

static const sla_cf_policy engine_policy = {NULL, policy_level, policy_add, policy_between};

const sla_cf_policy *
sla_engine_policy(void)
{
	return &engine_policy;
}

/* ---------------------------------------------------------------- applying a fact */

void
sla_ticket_apply(SlaStoredTicket *st, const sla_fact *fact, const char *level_chosen)
{
	sla_cf_result *result = palloc(sizeof(sla_cf_result));
	sla_status	status;

	if (st->t.capacity < st->t.nclocks + SLA_CF_MAX_NEW_CLOCKS)
	{
		st->t.capacity = st->t.nclocks + SLA_CF_MAX_NEW_CLOCKS;
		st->t.clocks = repalloc(st->t.clocks, sizeof(sla_cf_clock) * st->t.capacity);
	}
	status = sla_clockflow_apply(&st->t, fact, sla_engine_policy(), result);
	if (status != SLA_OK)
		sla_report_status(status, "business_interval", NULL);
	sla_stored_ticket_write(st, fact, result, level_chosen);
	pfree(result);
}

sla_fact
sla_fact_of(sla_fact_kind kind, TimestampTz at)
{
	sla_fact	f;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.at = at;
	f.is_public = true;
	f.response = SLA_M_NEXT_RESPONSE;
	return f;
}

/* ---------------------------------------------------------------- SQL-callable */

static void
connect_spi(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/* A lifecycle named by a SQL caller: 22023 for anything but the five. */
static sla_lifecycle
lifecycle_argument(text *name)
{
	char	   *s = text_to_cstring(name);
	int			lc = sla_lifecycle_from_text(s);

	if (lc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a lifecycle", s),
				 errhint("A lifecycle is one of open, paused, solved, closed, deleted.")));
	return (sla_lifecycle) lc;
}

static void
finite_instant(TimestampTz at, const char *function)
{
	if (TIMESTAMP_NOT_FINITE(at))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sla.%s needs a finite instant, not %s", function,
						DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(at))))));
}

/*
 * sla.apply_lifecycle(att_id integer, key text, lifecycle text, at timestamptz): the ticket's
 * lifecycle changed at `at` (backfill applies a ticket's status history with it).  Returns
 * false when the ticket is not tracked.
 */
PG_FUNCTION_INFO_V1(sla_apply_lifecycle_sql);
Datum
sla_apply_lifecycle_sql(PG_FUNCTION_ARGS)
{
	SlaStoredTicket st;
	sla_fact	fact;
	bool		tracked;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sla.apply_lifecycle needs an attachment, a ticket key, a lifecycle and an instant")));
	fact = sla_fact_of(SLA_FACT_LIFECYCLE, PG_GETARG_TIMESTAMPTZ(3));
	fact.lifecycle = lifecycle_argument(PG_GETARG_TEXT_PP(2));
	finite_instant(fact.at, "apply_lifecycle");
	sla_engine_use_attachment(PG_GETARG_INT32(0));
	(void) sla_attachment_get(PG_GETARG_INT32(0));
	connect_spi();
	tracked = sla_stored_ticket_load(PG_GETARG_INT32(0), text_to_cstring(PG_GETARG_TEXT_PP(1)), &st);
	if (tracked)
		sla_ticket_apply(&st, &fact, NULL);
	SPI_finish();
	PG_RETURN_BOOL(tracked);
}

/* sla.retarget_clocks(att_id integer, key text, lvl integer, at timestamptz): the ticket gets
 * another level (an escalation raised it) */
PG_FUNCTION_INFO_V1(sla_retarget_clocks_sql);
Datum
sla_retarget_clocks_sql(PG_FUNCTION_ARGS)
{
	SlaStoredTicket st;
	sla_fact	fact;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_VOID();
	sla_engine_use_attachment(PG_GETARG_INT32(0));
	(void) sla_attachment_get(PG_GETARG_INT32(0));
	if (sla_level_get(PG_GETARG_INT32(2)) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("SLA level %d does not exist", PG_GETARG_INT32(2))));
	finite_instant(PG_GETARG_TIMESTAMPTZ(3), "retarget_clocks");
	fact = sla_fact_of(SLA_FACT_LEVEL, PG_GETARG_TIMESTAMPTZ(3));
	fact.level_id = PG_GETARG_INT32(2);
	connect_spi();
	if (sla_stored_ticket_load(PG_GETARG_INT32(0), text_to_cstring(PG_GETARG_TEXT_PP(1)), &st))
		sla_ticket_apply(&st, &fact, NULL);
	SPI_finish();
	PG_RETURN_VOID();
}

/* sla.cancel_clock(clock_id bigint, at timestamptz, reason text): the ticket table was emptied */
PG_FUNCTION_INFO_V1(sla_cancel_clock_sql);
Datum
sla_cancel_clock_sql(PG_FUNCTION_ARGS)
{
	char	   *reason;
	sla_reason r;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_VOID();
	reason = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (strcmp(reason, sla_reason_text(SLA_R_TABLE_TRUNCATED)) == 0)
		r = SLA_R_TABLE_TRUNCATED;
	else if (strcmp(reason, sla_reason_text(SLA_R_TABLE_DROPPED)) == 0)
		r = SLA_R_TABLE_DROPPED;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a reason to cancel a clock outside its ticket's history", reason),
				 errhint("The reasons are \"%s\" and \"%s\".", sla_reason_text(SLA_R_TABLE_TRUNCATED),
						 sla_reason_text(SLA_R_TABLE_DROPPED))));
	finite_instant(PG_GETARG_TIMESTAMPTZ(1), "cancel_clock");
	connect_spi();
	sla_clock_cancel_by_id(PG_GETARG_INT64(0), PG_GETARG_TIMESTAMPTZ(1), r);
	SPI_finish();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(sla_log_event_sql);
Datum
sla_log_event_sql(PG_FUNCTION_ARGS)
{
	char	   *detail = NULL;

	/* the clock (2) and the detail (5) may be NULL; an event without the rest means nothing */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sla.log_event needs an attachment, a ticket key, an instant and a kind")));
	if (TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMPTZ(3)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an event needs a finite instant, not %s",
						DatumGetCString(DirectFunctionCall1(timestamptz_out, PG_GETARG_DATUM(3))))));
	(void) sla_attachment_get(PG_GETARG_INT32(0));
	if (!PG_ARGISNULL(5))
		detail = DatumGetCString(DirectFunctionCall1(jsonb_out, PG_GETARG_DATUM(5)));
	sla_engine_use_attachment(PG_GETARG_INT32(0));
	connect_spi();
	sla_log_event(PG_GETARG_INT32(0), text_to_cstring(PG_GETARG_TEXT_PP(1)),
				  PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2), PG_GETARG_TIMESTAMPTZ(3),
				  text_to_cstring(PG_GETARG_TEXT_PP(4)), detail);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * AFTER ... FOR EACH STATEMENT on levels, targets and the calendar tables: every ticket with a
 * running or paused clock is measured by the policy as it is now (a policy fact), in the same
 * transaction.  Decided clocks keep the due date they were judged by.  A calendar left without
 * any hours mid-edit (define_calendar deletes, then inserts them) is skipped until it has some.
 */
PG_FUNCTION_INFO_V1(sla_retarget_after_config_change);
Datum
sla_retarget_after_config_change(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	uint64		n,
				i;
	int32	   *attachments;
	char	  **keys;
	sla_fact	fact;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.retarget_after_config_change() must be an AFTER statement trigger")));
	/* the caches read the configuration with the active snapshot, which predates this statement's
	 * own edit: make the edit visible (and its invalidation processed) as a PL/pgSQL trigger's
	 * next statement would see it */
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	connect_spi();
	if (SPI_execute("SELECT DISTINCT c.attachment_id, c.ticket_key FROM sla.clock c "
					"WHERE c.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused']) "
					"AND NOT EXISTS (SELECT FROM sla.clock k JOIN sla.level l ON l.id OPERATOR(pg_catalog.=) k.level_id "
					"WHERE k.attachment_id OPERATOR(pg_catalog.=) c.attachment_id "
					"AND k.ticket_key OPERATOR(pg_catalog.=) c.ticket_key "
					"AND k.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused']) "
					"AND NOT EXISTS (SELECT FROM sla.calendar_hours h WHERE h.calendar_id OPERATOR(pg_catalog.=) l.calendar_id) "
					"AND NOT EXISTS (SELECT FROM sla.calendar_special_hours s "
					"WHERE s.calendar_id OPERATOR(pg_catalog.=) l.calendar_id)) "
					"ORDER BY 1, 2", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the running clocks");
	n = SPI_processed;
	attachments = palloc(sizeof(int32) * (n + 1));
	keys = palloc(sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		attachments[i] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		keys[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
	}
	fact = sla_fact_of(SLA_FACT_POLICY, GetCurrentTransactionStartTimestamp());
	for (i = 0; i < n; i++)
	{
		SlaStoredTicket st;

		if (sla_stored_ticket_load(attachments[i], keys[i], &st))
			sla_ticket_apply(&st, &fact, NULL);
	}
	SPI_finish();
	PopActiveSnapshot();
	return PointerGetDatum(NULL);
}

/*
 * 0.1.0 had SQL functions that moved one clock by hand; the clock model decides now.  The
 * symbols stay so that the 0.1.0 install script still loads with this library (it is installed
 * first, then updated); the 0.2.0 script drops the functions.
 */
static Datum
removed_in_0_2(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("sla.%s was removed in sla 0.2.0", name),
			 errhint("Run ALTER EXTENSION sla UPDATE; clocks move through the ticket and message tables.")));
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(sla_start_clock_sql);
Datum
sla_start_clock_sql(PG_FUNCTION_ARGS)
{
	return removed_in_0_2("start_clock");
}

PG_FUNCTION_INFO_V1(sla_pause_clock_sql);
Datum
sla_pause_clock_sql(PG_FUNCTION_ARGS)
{
	return removed_in_0_2("pause_clock");
}

PG_FUNCTION_INFO_V1(sla_resume_clock_sql);
Datum
sla_resume_clock_sql(PG_FUNCTION_ARGS)
{
	return removed_in_0_2("resume_clock");
}

PG_FUNCTION_INFO_V1(sla_stop_clock_sql);
Datum
sla_stop_clock_sql(PG_FUNCTION_ARGS)
{
	return removed_in_0_2("stop_clock");
}
