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
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "attachment_cache.h"
#include "calendar_cache.h"
#include "citus_shard.h"
#include "clock_store.h"
#include "jsonb_push.h"
#include "sla_error.h"
#include "ticket_flow.h"
#include "policy_draft.h"

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

/* ---------------------------------------------------------------- the fact log */

static const char *const fact_kind_names[] = {
	[SLA_FACT_CREATED] = "created", [SLA_FACT_MESSAGE] = "message", [SLA_FACT_LIFECYCLE] = "lifecycle",
	[SLA_FACT_LEVEL] = "level", [SLA_FACT_POLICY] = "policy"
};

static void
push_text_member(SlaJsonb *ps, const char *key, const char *value)
{
	sla_push_key(ps, key);
	sla_push_string(ps, WJB_VALUE, value, (int) strlen(value));
}

/*
 * What the clock model reads of a fact, as sla.fact.detail; chosen: the rules' choice of the
 * level (sla_level_choice_json) that a created or level fact carries, or NULL.  sla.explain
 * shows it as the level_chosen event.
 */
static Jsonb *
fact_detail(const sla_fact *f, Jsonb *chosen)
{
	SlaJsonb	ps = {0};
	int32		version;

	sla_jsonb_push(&ps, WJB_BEGIN_OBJECT, NULL);
	switch (f->kind)
	{
		case SLA_FACT_CREATED:
			push_text_member(&ps, "lifecycle", sla_lifecycle_name(f->lifecycle));
			sla_push_key(&ps, "level");
			if (f->level_id != 0)
				sla_push_int(&ps, WJB_VALUE, f->level_id);
			else
				sla_push_null(&ps, WJB_VALUE);
			break;
		case SLA_FACT_MESSAGE:
			push_text_member(&ps, "author", f->author == SLA_AUTHOR_AGENT ? "agent" : "customer");
			sla_push_key(&ps, "public");
			sla_push_bool(&ps, WJB_VALUE, f->is_public);
			push_text_member(&ps, "response", sla_metric_name(f->response));
			break;
		case SLA_FACT_LIFECYCLE:
			push_text_member(&ps, "lifecycle", sla_lifecycle_name(f->lifecycle));
			break;
		case SLA_FACT_LEVEL:
			sla_push_key(&ps, "level");
			sla_push_int(&ps, WJB_VALUE, f->level_id);
			break;
		case SLA_FACT_POLICY:
			break;
	}
	if (chosen != NULL && (f->kind == SLA_FACT_CREATED || f->kind == SLA_FACT_LEVEL))
	{
		sla_push_key(&ps, "chosen");
		sla_push_jsonb(&ps, WJB_VALUE, chosen);
	}
	/*
	 * The policy version the fact was applied under ("v"; none before the first version): a
	 * replay of the history as it happened (sla.replay_history) plays each fact under it, and
	 * each edit between two facts as the policy fact the re-targeting trigger handed the
	 * ticket.  A fact written in the editing transaction itself carries that transaction's
	 * provisional (negative) number, which the numbering at commit does not rewrite here: the
	 * replay then takes the version in force at the fact's instant.
	 */
	version = sla_policy_version_in_force();
	if (version != 0)
	{
		sla_push_key(&ps, "v");
		sla_push_int(&ps, WJB_VALUE, version);
	}
	return sla_jsonb_finish(&ps, WJB_END_OBJECT);
}

/* The rules' choice with its place in the timeline ("pos"), for a level fact. */
static Jsonb *
chosen_with_position(Jsonb *chosen, int64 pos)
{
	SlaJsonb	ps = {0};
	JsonbIterator *it = JsonbIteratorInit(&chosen->root);
	JsonbIteratorToken tok;
	JsonbValue	v;
	int			depth = 0;

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_END_OBJECT && depth == 1)
		{
			sla_push_key(&ps, "pos");
			sla_push_int(&ps, WJB_VALUE, pos);
			return sla_jsonb_finish(&ps, tok);
		}
		depth += (tok == WJB_BEGIN_OBJECT || tok == WJB_BEGIN_ARRAY) - (tok == WJB_END_OBJECT || tok == WJB_END_ARRAY);
		sla_jsonb_push(&ps, tok, tok < WJB_BEGIN_ARRAY ? &v : NULL);
	}
	elog(ERROR, "the rules' choice is not a JSON object");
	return NULL;				/* keep the compiler quiet */
}

static bool
detail_member(Jsonb *j, const char *key, JsonbValue *out)
{
	return getKeyJsonValueFromContainer(&j->root, key, strlen(key), out) != NULL;
}

static char *
detail_text(Jsonb *j, const char *key)
{
	JsonbValue	v;

	if (!detail_member(j, key, &v) || v.type != jbvString)
		return NULL;
	return pnstrdup(v.val.string.val, v.val.string.len);
}

static int32
detail_int(Jsonb *j, const char *key)
{
	JsonbValue	v;

	if (!detail_member(j, key, &v) || v.type != jbvNumeric)
		return 0;
	return DatumGetInt32(DirectFunctionCall1(numeric_int4, NumericGetDatum(v.val.numeric)));
}

/* A logged fact read back; false for a row this version cannot read (then nothing is replayed). */
bool
sla_fact_from_log(const char *kind, TimestampTz at, const char *detail, sla_fact *out)
{
	return sla_fact_from_log_jsonb(kind, at, DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(detail))), out);
}

bool
sla_fact_from_log_jsonb(const char *kind, TimestampTz at, Jsonb *j, sla_fact *out)
{
	int			k;
	int			v;
	JsonbValue	b;

	for (k = 0; k < (int) lengthof(fact_kind_names); k++)
		if (strcmp(fact_kind_names[k], kind) == 0)
			break;
	if (k >= (int) lengthof(fact_kind_names))
		return false;
	*out = sla_fact_of((sla_fact_kind) k, at);
	switch (out->kind)
	{
		case SLA_FACT_CREATED:
		case SLA_FACT_LIFECYCLE:
			if ((v = sla_lifecycle_from_text(detail_text(j, "lifecycle"))) < 0)
				return false;
			out->lifecycle = (sla_lifecycle) v;
			out->level_id = detail_int(j, "level");
			break;
		case SLA_FACT_MESSAGE:
			out->author = strcmp(detail_text(j, "author") ? detail_text(j, "author") : "", "agent") == 0
				? SLA_AUTHOR_AGENT : SLA_AUTHOR_CUSTOMER;
			out->is_public = !detail_member(j, "public", &b) || b.type != jbvBool || b.val.boolean;
			if ((v = sla_metric_from_text(detail_text(j, "response"))) < 0)
				return false;
			out->response = (sla_metric) v;
			break;
		case SLA_FACT_LEVEL:
			out->level_id = detail_int(j, "level");
			break;
		case SLA_FACT_POLICY:
			break;
	}
	return true;
}

/*
 * Whether a fact must be applied by replay: it takes effect at the instant of the ticket's latest
 * fact and sorts before a fact already applied at that instant (a reply saved after the close in
 * the same transaction: clockflow.h's canonical order).
 */
static bool
arrives_out_of_order(SlaStoredTicket *st, const sla_fact *fact)
{
	char	  **kinds;
	int			n,
				i;
	int			rank = sla_fact_rank(fact->kind);

	if (!st->log_facts || !st->t.tracked || st->facts == 0 || !st->t.has_last_at ||
		fact->kind == SLA_FACT_CREATED || fact->kind == SLA_FACT_POLICY ||
		sla_clockflow_effective_at(&st->t, fact) != st->t.last_at)
		return false;
	n = sla_fact_kinds_at(st, st->t.last_at, &kinds);
	for (i = 0; i < n; i++)
	{
		int			k;

		for (k = 0; k < (int) lengthof(fact_kind_names); k++)
			if (strcmp(fact_kind_names[k], kinds[i]) == 0 && sla_fact_rank((sla_fact_kind) k) > rank)
				return true;
	}
	return false;
}

/* ---------------------------------------------------------------- replay */

/* Room for need clocks (palloc'd clocks grow in the current memory context). */
bool
sla_clocks_room(void *ctx, sla_cf_ticket *t, int need)
{
	int			capacity = Max(need, 2 * t->capacity);

	if (t->clocks == NULL)
		t->clocks = palloc0(sizeof(sla_cf_clock) * capacity);
	else
		t->clocks = repalloc(t->clocks, sizeof(sla_cf_clock) * capacity);
	t->capacity = capacity;
	return true;
}

/* The transitions of the facts of one instant, as a replay makes them. */
typedef struct KeptTransitions
{
	TimestampTz at;
	int			n;
	sla_cf_transition *t;
} KeptTransitions;

static void
keep_instant(void *ctx, const sla_fact *fact, const sla_cf_result *result)
{
	KeptTransitions *keep = ctx;
	int			j;

	if (fact->at == keep->at)
		for (j = 0; j < result->n; j++)
			keep->t[keep->n++] = result->t[j];
}

/*
 * Apply a fact out of canonical order: the ticket's facts, this one among them in its place, are
 * played again from the start under the policy in force, and what differs at the fact's instant
 * is written.  Clocks decided before that instant are left as they are (a later policy edit does
 * not reopen history); the model's events of that instant are written again.  Returns false when
 * the log does not hold the ticket's whole history (a ticket tracked before 0.2.0): the fact is
 * then applied in arrival order.
 */
static bool
replay_with(SlaStoredTicket *st, const sla_fact *fact, Jsonb *level_chosen)
{
	char	  **kinds;
	char	  **details;
	TimestampTz *instants;
	int			n = sla_facts_load(st, &kinds, &instants, &details);
	sla_fact   *facts = palloc(sizeof(sla_fact) * (n + 1));
	TimestampTz at = sla_clockflow_effective_at(&st->t, fact);
	sla_cf_ticket r;
	sla_cf_result *result = palloc(sizeof(sla_cf_result));
	sla_cf_transition *kept;
	int			nkept;
	KeptTransitions keep;
	sla_cf_play play;
	sla_status	status;
	int64	   *ids;
	int32	   *versions;
	bool	   *matched;
	int			i,
				j;

	for (i = 0; i < n; i++)
		if (!sla_fact_from_log(kinds[i], instants[i], details[i], &facts[i]))
			return false;
	if (!sla_facts_replayable(facts, n))
		return false;
	facts[n] = *fact;
	facts[n].at = at;

	/* play them all from nothing, keeping the transitions of the instant */
	memset(&r, 0, sizeof(r));
	r.capacity = 4 * (n + 1) + SLA_CF_MAX_NEW_CLOCKS;
	r.clocks = palloc0(sizeof(sla_cf_clock) * r.capacity);
	keep.at = at;
	keep.n = 0;
	keep.t = palloc(sizeof(sla_cf_transition) * SLA_CF_MAX_TRANSITIONS * (n + 1));
	play.ctx = &keep;
	play.room = sla_clocks_room;
	play.each = keep_instant;
	play.scratch = result;
	status = sla_clockflow_play(&r, facts, n + 1, sla_engine_policy(), &play);
	if (status != SLA_OK)
		sla_report_status(status, "business_interval", NULL);
	kept = keep.t;
	nkept = keep.n;

	/* reconcile the clocks by (metric, cycle) */
	ids = palloc0(sizeof(int64) * (r.nclocks + 1));
	/* the version each replayed clock's stored twin ran under (a re-target's from_version) */
	versions = palloc0(sizeof(int32) * (r.nclocks + 1));
	matched = palloc0(sizeof(bool) * (st->t.nclocks + 1));
	for (i = 0; i < r.nclocks; i++)
	{
		sla_cf_clock *c = &r.clocks[i];

		for (j = 0; j < st->t.nclocks; j++)
		{
			sla_cf_clock *s = &st->t.clocks[j];

			if (s->metric != c->metric || s->cycle != c->cycle)
				continue;
			matched[j] = true;
			ids[i] = s->id;
			versions[i] = s->policy_version;
			if (s->stopped && s->stopped_at < at)
			{
				*c = *s;		/* decided before the instant: history stays, as stored */
				break;
			}
			if (memcmp(&s->target, &c->target, sizeof(c->target)) != 0 || s->level_id != c->level_id ||
				s->calendar_id != c->calendar_id || s->started_at != c->started_at || s->due_at != c->due_at ||
				s->paused != c->paused || (c->paused && s->paused_since != c->paused_since) ||
				memcmp(&s->paused_for, &c->paused_for, sizeof(c->paused_for)) != 0 || s->stopped != c->stopped ||
				(c->stopped && s->stopped_at != c->stopped_at) || s->state != c->state ||
				memcmp(&s->used, &c->used, sizeof(c->used)) != 0)
				sla_clock_replace(st, s, c);
			else
				c->policy_version = s->policy_version;
			break;
		}
		if (ids[i] == 0)
			ids[i] = sla_clock_insert(st, c);
	}
	/* a clock the canonical order does not have goes, unless it was decided before the instant
	 * (history; a clock started by a fact of the instant may date from before it: next_response
	 * from a message written while the ticket was solved) */
	for (j = 0; j < st->t.nclocks; j++)
		if (!matched[j] && !(st->t.clocks[j].stopped && st->t.clocks[j].stopped_at < at))
			sla_clock_delete(st, st->t.clocks[j].id);

	/* the model's events of the instant, as the canonical order has them (a clock's start is its
	 * row: no event) */
	sla_events_delete_at(st, at);
	for (i = 0; i < nkept; i++)
		if (kept[i].kind != SLA_TR_START)
			sla_transition_event_write(st, &kept[i], ids[kept[i].clock], versions[kept[i].clock]);
		else
			sla_clock_started_here(st, ids[kept[i].clock]);

	/* the ticket as stored now: the replayed clocks with their ids (a fact applied next to this
	 * one, in the same trigger, starts from them), its row with the replayed state */
	for (i = 0; i < r.nclocks; i++)
	{
		r.clocks[i].id = ids[i];
		r.clocks[i].stored_due_at = r.clocks[i].due_at;
		r.clocks[i].stored_target = r.clocks[i].target;
	}
	st->t.clocks = r.clocks;
	st->t.nclocks = r.nclocks;
	st->t.capacity = r.capacity;
	st->t.level_id = r.level_id;
	st->t.lifecycle = r.lifecycle;
	st->t.agent_replied = r.agent_replied;
	st->t.customer_waiting = r.customer_waiting;
	st->t.customer_waiting_since = r.customer_waiting_since;
	st->t.has_last_at = r.has_last_at;
	st->t.last_at = r.last_at;
	st->facts++;
	sla_stored_ticket_write_row(st);
	sla_fact_append(st, st->facts, at, fact_kind_names[fact->kind], fact_detail(fact, level_chosen));
	return true;
}

/* ---------------------------------------------------------------- applying a fact */

static void
ticket_apply(SlaStoredTicket *st, const sla_fact *fact, Jsonb *level_chosen, bool may_arrive_out_of_order)
{
	sla_cf_result *result;
	sla_status	status;
	TimestampTz at;
	bool		logged;

	/* the rules' choice of a new level takes its place in the timeline before what it moves */
	if (level_chosen != NULL && fact->kind == SLA_FACT_LEVEL && st->log_facts)
		level_chosen = chosen_with_position(level_chosen, sla_timeline_position());
	if (may_arrive_out_of_order && arrives_out_of_order(st, fact) && replay_with(st, fact, level_chosen))
	{
		/* a message that sorts before the facts of its instant is still the latest message (for
		 * the rules run after it; the log holds it) */
		if (fact->kind == SLA_FACT_MESSAGE && fact->is_public)
		{
			st->last_message_author = fact->author == SLA_AUTHOR_AGENT ? "agent" : "customer";
			st->has_last_message_at = true;
			st->last_message_at = st->t.last_at;
		}
		return;
	}
	result = palloc(sizeof(sla_cf_result));
	if (st->t.capacity < st->t.nclocks + SLA_CF_MAX_NEW_CLOCKS)
	{
		st->t.capacity = st->t.nclocks + SLA_CF_MAX_NEW_CLOCKS;
		st->t.clocks = repalloc(st->t.clocks, sizeof(sla_cf_clock) * st->t.capacity);
	}
	at = sla_clockflow_effective_at(&st->t, fact);
	/* the latest public message: the rules' last_message_author and last_message_at (for the
	 * rules run after it; the log holds it) */
	if (fact->kind == SLA_FACT_MESSAGE && fact->is_public && st->t.tracked)
	{
		st->last_message_author = fact->author == SLA_AUTHOR_AGENT ? "agent" : "customer";
		st->has_last_message_at = true;
		st->last_message_at = at;
	}
	/* a fact of the ticket's own history is logged (a policy edit is not; a created fact of a
	 * ticket already tracked changes nothing) */
	logged = st->log_facts && fact->kind != SLA_FACT_POLICY &&
		(fact->kind != SLA_FACT_CREATED || !st->t.tracked) && (fact->kind == SLA_FACT_CREATED || st->t.tracked);

	if (logged)
		st->facts++;
	status = sla_clockflow_apply(&st->t, fact, sla_engine_policy(), result);
	if (status != SLA_OK)
		sla_report_status(status, "business_interval", NULL);
	if (logged)
	{
		SlaFactRow	row = {st->facts, at, fact_kind_names[fact->kind], fact_detail(fact, level_chosen)};

		if (!sla_stored_ticket_write(st, fact, result, level_chosen, &row))
			sla_fact_append(st, row.seq, row.at, row.kind, row.detail);
	}
	else
		(void) sla_stored_ticket_write(st, fact, result, level_chosen, NULL);
	pfree(result);
}

void
sla_ticket_apply(SlaStoredTicket *st, const sla_fact *fact, Jsonb *level_chosen)
{
	ticket_apply(st, fact, level_chosen, true);
}

void
sla_ticket_apply_in_order(SlaStoredTicket *st, const sla_fact *fact)
{
	ticket_apply(st, fact, NULL, false);
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

/* A lifecycle named by the mapping or a SQL caller: 22023 for anything but the five. */
sla_lifecycle
sla_lifecycle_of(const char *lifecycle)
{
	int			lc = sla_lifecycle_from_text(lifecycle);

	if (lc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a lifecycle", lifecycle),
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
	fact.lifecycle = sla_lifecycle_of(text_to_cstring(PG_GETARG_TEXT_PP(2)));
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
 * sla.claim_crossing(attachment, key, clock, kind, as_of): the breach check's claim of one
 * crossing (src/sql/80_breach.sql): the clock's due time when this call marked it, else NULL.
 * kind: warning, breach, or late_breach (the escalations of a breach a late stop recorded).
 */
PG_FUNCTION_INFO_V1(sla_claim_crossing_sql);
Datum
sla_claim_crossing_sql(PG_FUNCTION_ARGS)
{
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(3));
	TimestampTz due_at = 0;
	SlaCrossing crossing;
	bool		claimed;

	if (strcmp(kind, "warning") == 0)
		crossing = SLA_CROSS_WARNING;
	else if (strcmp(kind, "breach") == 0)
		crossing = SLA_CROSS_BREACH;
	else if (strcmp(kind, "late_breach") == 0)
		crossing = SLA_CROSS_LATE_BREACH;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a crossing is a warning, a breach or a late_breach, not \"%s\"", kind)));
	connect_spi();
	claimed = sla_clock_claim_crossing(PG_GETARG_INT32(0), text_to_cstring(PG_GETARG_TEXT_PP(1)), PG_GETARG_INT64(2),
									   crossing, PG_GETARG_TIMESTAMPTZ(4), &due_at);
	SPI_finish();
	if (!claimed)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(due_at);
}

/*
 * sla.claim_step(attachment, key, clock, as_of): the breach check's claim of the clock's next
 * escalation step due before as_of: its share of the target when this call recorded it, else
 * NULL (src/sql/80_breach.sql).
 */
PG_FUNCTION_INFO_V1(sla_claim_step_sql);
Datum
sla_claim_step_sql(PG_FUNCTION_ARGS)
{
	Datum		percent = (Datum) 0;
	bool		claimed;

	connect_spi();
	claimed = sla_clock_claim_step(PG_GETARG_INT32(0), text_to_cstring(PG_GETARG_TEXT_PP(1)), PG_GETARG_INT64(2),
								   PG_GETARG_TIMESTAMPTZ(3), &percent);
	SPI_finish();
	if (!claimed)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(percent);
}

/*
 * What a statement on a configuration table changed, in the words of the retargeted events'
 * "change" (docs/policy-versions.md): the table and the operation.  A level's UPDATE may be
 * its calendar or its warning share; a calendar's, its time zone.
 */
static const char *
policy_change_of(TriggerData *trigdata)
{
	const char *table = sla_shard_logical_name(trigdata->tg_relation);
	int			op = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ? 0 :
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) ? 1 : 2;
	static const struct
	{
		const char *table;
		const char *change[3];	/* insert, delete, update */
	}			changes[] = {
		{"level_target", {"target added", "target removed", "target changed"}},
		{"level", {"level changed", "level changed", "level changed"}},
		{"calendar", {"calendar changed", "calendar changed", "calendar changed"}},
		{"calendar_hours", {"calendar hours changed", "calendar hours changed", "calendar hours changed"}},
		{"calendar_holiday", {"holiday added", "holiday removed", "holiday changed"}},
		{"calendar_special_day", {"special day added", "special day removed", "special day changed"}},
		{"calendar_special_hours", {"special day hours changed", "special day hours changed", "special day hours changed"}},
	};
	int			i;

	for (i = 0; i < (int) lengthof(changes); i++)
		if (strcmp(table, changes[i].table) == 0)
			return changes[i].change[op];
	return NULL;
}

/* ---------------------------------------------------------------- a level renamed */

/* A level whose name an UPDATE of sla.level changed (read from the statement's transition tables). */
typedef struct LevelRename
{
	int32		level_id;
	char	   *from_name;
	char	   *to_name;
} LevelRename;

/*
 * The levels the statement renamed: an UPDATE of sla.level whose trigger has the old and new rows
 * (REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows, 70_engine_tools.sql); none for any
 * other statement.  Caller connected to SPI.
 */
static pg_noinline int
levels_renamed(TriggerData *trigdata, LevelRename **out)
{
	uint64		i;
	int			n;

	*out = NULL;
	if (!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) || trigdata->tg_oldtable == NULL ||
		trigdata->tg_newtable == NULL || strcmp(sla_shard_logical_name(trigdata->tg_relation), "level") != 0)
		return 0;
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "could not register the transition tables of sla.level");
	if (SPI_execute("SELECT n.id, o.name, n.name FROM old_rows o JOIN new_rows n ON n.id OPERATOR(pg_catalog.=) o.id "
					"WHERE o.name OPERATOR(pg_catalog.<>) n.name ORDER BY n.id", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the renamed levels");
	n = (int) SPI_processed;
	*out = palloc(sizeof(LevelRename) * (n + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		(*out)[i].level_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		(*out)[i].from_name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		(*out)[i].to_name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
	}
	return n;
}

static char *
json_text(const char *s)
{
	StringInfoData b;

	initStringInfo(&b);
	escape_json(&b, s);
	return b.data;
}

/*
 * A rename changes no term of a running clock (its level id, calendar and target stay), so the
 * policy fact moves nothing; but issue 12 asks that a running clock adopt the version of every
 * edit of its level with an event naming both versions and the reason.  Each running or paused
 * clock of a renamed level (after the policy fact was applied: a calendar changed by the same
 * statement has re-targeted it already) gets a retargeted event with "change": "level renamed",
 * the old and new names, and the members as-of reads look for (to_level, target, due_at,
 * to_version...: sla.clock_as_of, 90_reports_as_of.sql), and takes the edit's version.
 */
static void
write_renames(SlaStoredTicket *st, const sla_fact *fact, const LevelRename *renames, int nrenames)
{
	int32		to_version = sla_policy_version_in_force();
	TimestampTz at = sla_clockflow_effective_at(&st->t, fact);
	const char *kt = sla_key_type_names[st->key_type];
	int			i,
				r;

	for (i = 0; i < st->t.nclocks; i++)
	{
		sla_cf_clock *c = &st->t.clocks[i];
		char		target[SLA_BI_FORMAT_MAX];
		char		due[MAXDATELEN + 1];
		StringInfoData d;

		if (c->state != SLA_CS_RUNNING && c->state != SLA_CS_PAUSED)
			continue;
		for (r = 0; r < nrenames && renames[r].level_id != c->level_id; r++)
			;
		if (r == nrenames)
			continue;
		sla_bi_format(c->target, target);
		JsonEncodeDateTime(due, TimestampTzGetDatum(c->due_at), TIMESTAMPTZOID, NULL);
		initStringInfo(&d);
		appendStringInfo(&d, "{\"metric\": \"%s\", \"from_level\": %d, \"to_level\": %d, \"target\": %s, "
						 "\"reason\": %s, \"change\": \"level renamed\", \"from_level_name\": %s, "
						 "\"to_level_name\": %s, \"from_version\": %s, \"to_version\": %s, "
						 "\"due_at\": %s, \"from_due_at\": %s, \"from_target\": %s}",
						 sla_metric_name(c->metric), c->level_id, c->level_id, json_text(target),
						 json_text(sla_reason_text(SLA_R_POLICY_CHANGED)), json_text(renames[r].from_name),
						 json_text(renames[r].to_name),
						 c->policy_version != 0 ? psprintf("%d", c->policy_version) : "null",
						 to_version != 0 ? psprintf("%d", to_version) : "null",
						 json_text(due), json_text(due), json_text(target));
		sla_log_event(st->attachment_id, st->key, c->id, at, "retargeted", d.data);
		if (to_version != 0 && c->policy_version != to_version)
		{
			Oid			types[4] = {INT4OID, INT4OID, TEXTOID, INT8OID};
			Datum		v[4] = {Int32GetDatum(to_version), Int32GetDatum(st->attachment_id),
			CStringGetTextDatum(st->key), Int64GetDatum(c->id)};

			if (SPI_execute_with_args(psprintf("UPDATE sla.clock_%s k SET policy_version = $1 "
											   "WHERE k.attachment_id OPERATOR(pg_catalog.=) $2 "
											   "AND k.ticket_key OPERATOR(pg_catalog.=) $3::pg_catalog.%s "
											   "AND k.id OPERATOR(pg_catalog.=) $4", kt, kt),
									  4, types, v, NULL, false, 0) != SPI_OK_UPDATE)
				elog(ERROR, "could not write the version of a clock of a renamed level");
			c->policy_version = to_version;
		}
	}
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
	LevelRename *renames;
	int			nrenames;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.retarget_after_config_change() must be an AFTER statement trigger")));

	/*
	 * pg_restore loads configuration that was consistent with the tracking rows it restores, in
	 * an order of its own (a level before its targets): re-targeting half-loaded configuration
	 * would cancel clocks and write events the dumped database never had.
	 */
	{
		const char *application = GetConfigOption("application_name", true, false);

		if (application != NULL && strcmp(application, "pg_restore") == 0)
			return PointerGetDatum(NULL);
	}
	/* a draft applied for a what-if is rolled back: re-targeting would lock and write live
	 * clocks for nothing (and the replay reads facts, not clocks) — src/policy_draft.c */
	if (sla_draft_what_if_active())
		return PointerGetDatum(NULL);
	/* the caches read the configuration with the active snapshot, which predates this statement's
	 * own edit: make the edit visible (and its invalidation processed) as a PL/pgSQL trigger's
	 * next statement would see it */
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	connect_spi();
	/*
	 * On Citus the configuration tables are reference tables: the trigger fires on each node's
	 * copy (a shard, level_target_102014), where a query over all the clocks would be a
	 * distributed query from a query on a shard (refused).  Each node re-targets the clocks of
	 * the tracking shards it holds; the statements below name each ticket, so they stay local.
	 */
	if (strcmp(sla_shard_logical_name(trigdata->tg_relation), RelationGetRelationName(trigdata->tg_relation)) != 0)
	{
		if (SPI_execute("SELECT pg_catalog.format('SELECT DISTINCT c.attachment_id, c.ticket_key::pg_catalog.text "
						"FROM sla.%I c WHERE c.state OPERATOR(pg_catalog.=) ANY (ARRAY[''running'', ''paused''])', "
						"(SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) s.logicalrelid) "
						"OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) s.shardid) "
						"FROM pg_catalog.pg_dist_shard s JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid "
						"WHERE p.groupid OPERATOR(pg_catalog.=) (SELECT groupid FROM pg_catalog.pg_dist_local_group) "
						"AND s.logicalrelid OPERATOR(pg_catalog.=) ANY (ARRAY['sla.clock_int4'::pg_catalog.regclass, "
						"'sla.clock_int8', 'sla.clock_uuid', 'sla.clock_text'])", true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not list the clock shards of this node");
		n = SPI_processed;
		{
			char	  **queries = palloc(sizeof(char *) * (n + 1));
			int			nq = (int) n;
			int			q;
			uint64		cap = 16;

			for (i = 0; i < n; i++)
				queries[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
			attachments = palloc(sizeof(int32) * cap);
			keys = palloc(sizeof(char *) * cap);
			n = 0;
			for (q = 0; q < nq; q++)
			{
				if (SPI_execute(queries[q], true, 0) != SPI_OK_SELECT)
					elog(ERROR, "could not list the running clocks");
				for (i = 0; i < SPI_processed; i++)
				{
					bool		isnull;

					if (n == cap)
					{
						cap *= 2;
						attachments = repalloc(attachments, sizeof(int32) * cap);
						keys = repalloc(keys, sizeof(char *) * cap);
					}
					attachments[n] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
					keys[n] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
					n++;
				}
			}
		}
		goto apply;
	}
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
apply:
	fact = sla_fact_of(SLA_FACT_POLICY, GetCurrentTransactionStartTimestamp());
	nrenames = levels_renamed(trigdata, &renames);
	/* the events of the clocks this statement moves say what it changed */
	sla_set_policy_change(policy_change_of(trigdata));
	PG_TRY();
	{
		for (i = 0; i < n; i++)
		{
			SlaStoredTicket st;

			/* never wait for a ticket's writer (an agent's reply in progress): the edit would
			 * wait for it, and a writer of two tickets waiting for the edit's lock on the other
			 * would deadlock with it.  A held ticket is left to the next breach check. */
			switch (sla_stored_ticket_try_load(attachments[i], keys[i], &st))
			{
				case SLA_TICKET_LOCKED:
					sla_ticket_apply(&st, &fact, NULL);
					if (nrenames > 0)
						write_renames(&st, &fact, renames, nrenames);
					break;
				case SLA_TICKET_BUSY:
					sla_policy_retarget_later(attachments[i], keys[i], fact.at);
					break;
				case SLA_TICKET_ABSENT:
					break;
			}
		}
	}
	PG_FINALLY();
	{
		sla_set_policy_change(NULL);
	}
	PG_END_TRY();
	SPI_finish();
	PopActiveSnapshot();
	return PointerGetDatum(NULL);
}

/*
 * sla.retarget_pending(attachment, key): the breach check's re-target of a ticket a
 * configuration edit could not lock (sla.policy_retarget_pending): the policy in force applied
 * as of the edit, the row removed; true when done, NULL when another transaction still holds
 * the ticket (the next check tries again).  A ticket gone meanwhile only loses its row.
 */
PG_FUNCTION_INFO_V1(sla_retarget_pending_sql);
Datum
sla_retarget_pending_sql(PG_FUNCTION_ARGS)
{
	int32		attachment_id = PG_GETARG_INT32(0);
	char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Datum		v[2] = {Int32GetDatum(attachment_id), PG_GETARG_DATUM(1)};
	Oid			types[2] = {INT4OID, TEXTOID};
	SlaStoredTicket st;
	SlaTryLoad	loaded;
	bool		isnull;
	sla_fact	fact;

	connect_spi();
	loaded = sla_stored_ticket_try_load(attachment_id, key, &st);
	if (loaded == SLA_TICKET_BUSY)
	{
		SPI_finish();
		PG_RETURN_NULL();
	}
	/* the row, removed by whoever holds the ticket: a concurrent check finds none */
	if (SPI_execute_with_args("DELETE FROM sla.policy_retarget_pending WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
							  "AND ticket_key OPERATOR(pg_catalog.=) $2 RETURNING at",
							  2, types, v, NULL, false, 1) != SPI_OK_DELETE_RETURNING)
		elog(ERROR, "could not read sla.policy_retarget_pending");
	if (SPI_processed == 0)
	{
		SPI_finish();
		PG_RETURN_NULL();
	}
	fact = sla_fact_of(SLA_FACT_POLICY,
					   DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)));
	if (loaded == SLA_TICKET_LOCKED)
		sla_ticket_apply(&st, &fact, NULL);
	SPI_finish();
	PG_RETURN_BOOL(true);
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
