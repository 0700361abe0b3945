/*
 * clockflow.c — the rules of time of the SLA engine (see clockflow.h), in one place.
 *
 * The semantics are the README's and docs/engine-design.md's: first_response from creation to
 * the first public agent reply; next_response from a customer message (once an agent has
 * replied) to the next public agent reply, one cycle each; chat/call_response from a customer
 * message on that channel; periodic_update while the ticket is open, one cycle per agent update;
 * resolution from creation to solved or closed, paused while paused, continued on reopen with the
 * time it stood solved not counted.  Each transition is dated no earlier than the clock's latest
 * instant (transactions commit in another order than they start, see not_before_clock).
 */
#include "clockflow.h"

#include <stddef.h>
#include <string.h>

/* ---------------------------------------------------------------- names at the edge */

static const char *const metric_names[SLA_METRIC_COUNT] = {
	"first_response", "next_response", "periodic_update", "chat_response", "call_response", "resolution"
};
static const char *const lifecycle_names[SLA_LIFECYCLE_COUNT] = {
	"open", "paused", "solved", "closed", "deleted"
};
static const char *const clock_state_names[SLA_CLOCK_STATE_COUNT] = {
	"running", "paused", "met", "breached", "cancelled"
};

/* Reasons as sla.event details spell them (the cancel reasons are the ones 0.1.0 wrote). */
static const char *const reason_texts[SLA_REASON_COUNT] = {
	[SLA_R_NONE] = NULL,
	[SLA_R_TICKET_CREATED] = "ticket created",
	[SLA_R_CUSTOMER_MESSAGE] = "customer message",
	[SLA_R_CUSTOMER_WAITING] = "customer message while solved",
	[SLA_R_AGENT_REPLY] = "agent reply",
	[SLA_R_AGENT_UPDATE] = "agent update",
	[SLA_R_TICKET_PAUSED] = "ticket paused",
	[SLA_R_TICKET_OPENED] = "ticket opened",
	[SLA_R_TICKET_SOLVED] = "ticket solved",
	[SLA_R_TICKET_CLOSED] = "ticket closed",
	[SLA_R_SOLVED_BEFORE_REPLY] = "ticket solved before a reply",
	[SLA_R_CLOSED_BEFORE_REPLY] = "ticket closed before a reply",
	[SLA_R_TICKET_DELETED] = "ticket deleted",
	[SLA_R_TICKET_REOPENED] = "ticket reopened",
	[SLA_R_TICKET_RESTORED] = "ticket restored",
	[SLA_R_LEVEL_CHANGED] = "level changed",
	[SLA_R_NO_TARGET] = "the new level has no target for this metric",
	[SLA_R_POLICY_CHANGED] = "policy changed",
	[SLA_R_TARGET_REMOVED] = "the level no longer has a target for this metric",
	[SLA_R_TABLE_TRUNCATED] = "ticket table truncated",
	[SLA_R_TABLE_DROPPED] = "ticket table dropped",
};

static int
index_of(const char *const *names, int n, const char *name)
{
	int			i;

	if (name == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *
sla_metric_name(sla_metric m)
{
	return (unsigned) m < SLA_METRIC_COUNT ? metric_names[m] : "?";
}

int
sla_metric_from_text(const char *name)
{
	return index_of(metric_names, SLA_METRIC_COUNT, name);
}

const char *
sla_lifecycle_name(sla_lifecycle lc)
{
	return (unsigned) lc < SLA_LIFECYCLE_COUNT ? lifecycle_names[lc] : "?";
}

int
sla_lifecycle_from_text(const char *name)
{
	return index_of(lifecycle_names, SLA_LIFECYCLE_COUNT, name);
}

const char *
sla_clock_state_name(sla_clock_state s)
{
	return (unsigned) s < SLA_CLOCK_STATE_COUNT ? clock_state_names[s] : "?";
}

int
sla_clock_state_from_text(const char *name)
{
	return index_of(clock_state_names, SLA_CLOCK_STATE_COUNT, name);
}

const char *
sla_transition_event(sla_transition_kind kind)
{
	switch (kind)
	{
		case SLA_TR_START:
			return "clock_started";
		case SLA_TR_PAUSE:
			return "paused";
		case SLA_TR_RESUME:
			return "resumed";
		case SLA_TR_STOP:
			return "stopped";
		case SLA_TR_CANCEL:
			return "cancelled";
		case SLA_TR_REOPEN:
			return "reopened";
		case SLA_TR_RETARGET:
			return "retargeted";
	}
	return "?";
}

const char *
sla_reason_text(sla_reason reason)
{
	return (unsigned) reason < SLA_REASON_COUNT ? reason_texts[reason] : NULL;
}

int
sla_fact_rank(sla_fact_kind kind)
{
	switch (kind)
	{
		case SLA_FACT_CREATED:
			return 0;
		case SLA_FACT_MESSAGE:
			return 1;
		case SLA_FACT_LEVEL:
		case SLA_FACT_POLICY:
			return 2;
		case SLA_FACT_LIFECYCLE:
			return 3;
	}
	return 4;
}

int64_t
sla_clockflow_effective_at(const sla_cf_ticket *ticket, const sla_fact *fact)
{
	if (fact->kind != SLA_FACT_CREATED && ticket->tracked && ticket->has_last_at && fact->at < ticket->last_at)
		return ticket->last_at;
	return fact->at;
}

static bool
fact_before(const sla_fact *a, const sla_fact *b)
{
	return a->at < b->at || (a->at == b->at && sla_fact_rank(a->kind) < sla_fact_rank(b->kind));
}

/* Insertion sort: stable, and a ticket's facts are nearly in order already (only facts of one
 * instant can be out of place). */
void
sla_facts_sort(sla_fact *facts, int n)
{
	sla_facts_sort_with(facts, NULL, n);
}

void
sla_facts_sort_with(sla_fact *facts, void **payload, int n)
{
	int			i;

	for (i = 1; i < n; i++)
	{
		sla_fact	f = facts[i];
		void	   *p = payload ? payload[i] : NULL;
		int			j = i;

		while (j > 0 && fact_before(&f, &facts[j - 1]))
		{
			facts[j] = facts[j - 1];
			if (payload)
				payload[j] = payload[j - 1];
			j--;
		}
		facts[j] = f;
		if (payload)
			payload[j] = p;
	}
}

/* ---------------------------------------------------------------- one call's working state */

typedef struct flow
{
	sla_cf_ticket *ticket;
	const sla_cf_policy *policy;
	sla_cf_result *result;
} flow;

#define IS_ACTIVE(c) ((c)->state == SLA_CS_RUNNING || (c)->state == SLA_CS_PAUSED)
#define IS_STOPPED_LC(lc) ((lc) == SLA_LC_SOLVED || (lc) == SLA_LC_CLOSED)
#define IS_ACTIVE_LC(lc) ((lc) == SLA_LC_OPEN || (lc) == SLA_LC_PAUSED)

#define TRY(expr) \
	do { \
		sla_status s_ = (expr); \
		if (s_ != SLA_OK) \
			return s_; \
	} while (0)

static sla_status
record(flow *f, sla_transition_kind kind, sla_reason reason, int clock, int64_t at)
{
	sla_cf_transition *t;

	/* cannot happen: each clock moves a bounded number of times per fact */
	if (f->result->n >= SLA_CF_MAX_TRANSITIONS)
		return SLA_ECONFIG;
	t = &f->result->t[f->result->n++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->reason = reason;
	t->clock = clock;
	t->at = at;
	t->after = f->ticket->clocks[clock];
	return SLA_OK;
}

static sla_status
due_date(flow *f, const sla_cf_clock *c, int64_t *out)
{
	sla_business_interval allowed;

	TRY(sla_bi_add(c->target, c->paused_for, &allowed));
	return f->policy->business_add(f->policy->ctx, c->calendar_id, c->started_at, allowed, out);
}

static sla_status
business_between(flow *f, const sla_cf_clock *c, int64_t a, int64_t b, sla_business_interval *out)
{
	int64_t		usec;

	TRY(f->policy->business_between(f->policy->ctx, c->calendar_id, a, b, &usec));
	out->days = 0;
	out->usec = usec;
	out->reserved = 0;
	return SLA_OK;
}

/*
 * A transition never predates the state it changes.  Instants come from the host's rows (its
 * updated_at, or the writer's transaction start), and transactions commit in another order than
 * they start: a status change dated before the ticket's creation was committed must not pause or
 * stop a clock before it started (negative business time).  Such an instant is clamped to the
 * clock's latest instant: its start, its pause, its stop (for a reopen).
 */
static int64_t
not_before_clock(const sla_cf_clock *c, int64_t at)
{
	if (at < c->started_at)
		at = c->started_at;
	if (c->paused && at < c->paused_since)
		at = c->paused_since;
	if (c->stopped && at < c->stopped_at)
		at = c->stopped_at;
	return at;
}

static bool
has_active(const sla_cf_ticket *t, sla_metric a, sla_metric b)
{
	int			i;

	for (i = 0; i < t->nclocks; i++)
		if ((t->clocks[i].metric == a || t->clocks[i].metric == b) && IS_ACTIVE(&t->clocks[i]))
			return true;
	return false;
}

static int32_t
next_cycle(const sla_cf_ticket *t, sla_metric m)
{
	int32_t		max = 0;
	int			i;

	for (i = 0; i < t->nclocks; i++)
		if (t->clocks[i].metric == m && t->clocks[i].cycle > max)
			max = t->clocks[i].cycle;
	return max + 1;
}

/* ---------------------------------------------------------------- the clock primitives */

/* Start a clock of metric m under level_id when that level has a target for it; *index is the
 * new clock's index, or -1 when none started. */
static sla_status
start(flow *f, sla_metric m, int32_t level_id, int64_t at, sla_reason reason, int *index)
{
	sla_cf_ticket *t = f->ticket;
	sla_cf_level level;
	sla_cf_clock *c;

	*index = -1;
	if (level_id == 0 || !f->policy->level(f->policy->ctx, level_id, &level) || !level.has_target[m])
		return SLA_OK;
	if (t->nclocks >= t->capacity)
		return SLA_ENOMEM;
	c = &t->clocks[t->nclocks];
	memset(c, 0, sizeof(*c));
	c->metric = m;
	c->cycle = next_cycle(t, m);
	c->level_id = level_id;
	c->calendar_id = level.calendar_id;
	c->target = level.target[m];
	c->started_at = at;
	c->state = SLA_CS_RUNNING;
	TRY(due_date(f, c, &c->due_at));
	*index = t->nclocks++;
	return record(f, SLA_TR_START, reason, *index, at);
}

static sla_status
pause(flow *f, int i, int64_t at, sla_reason reason)
{
	sla_cf_clock *c = &f->ticket->clocks[i];

	if (c->state != SLA_CS_RUNNING)
		return SLA_OK;
	at = not_before_clock(c, at);
	c->state = SLA_CS_PAUSED;
	c->paused = true;
	c->paused_since = at;
	return record(f, SLA_TR_PAUSE, reason, i, at);
}

/* The business time of the pause is added to paused_for: the due date moves out by it. */
static sla_status
resume(flow *f, int i, int64_t at, sla_reason reason)
{
	sla_cf_clock *c = &f->ticket->clocks[i];
	sla_business_interval pause_time;

	if (c->state != SLA_CS_PAUSED)
		return SLA_OK;
	at = not_before_clock(c, at);
	TRY(business_between(f, c, c->paused_since, at, &pause_time));
	TRY(sla_bi_add(c->paused_for, pause_time, &c->paused_for));
	TRY(due_date(f, c, &c->due_at));
	c->state = SLA_CS_RUNNING;
	c->paused = false;
	c->paused_since = 0;
	TRY(record(f, SLA_TR_RESUME, reason, i, at));
	f->result->t[f->result->n - 1].amount = pause_time;
	return SLA_OK;
}

/* Met when stopped at or before the due date, breached after it (a paused clock resumes first). */
static sla_status
stop(flow *f, int i, int64_t at, sla_reason reason)
{
	sla_cf_clock *c = &f->ticket->clocks[i];
	sla_business_interval elapsed;

	TRY(resume(f, i, at, reason));
	if (c->state != SLA_CS_RUNNING)
		return SLA_OK;
	at = not_before_clock(c, at);
	TRY(business_between(f, c, c->started_at, at, &elapsed));
	TRY(sla_bi_sub(elapsed, c->paused_for, &c->used));
	c->state = at > c->due_at ? SLA_CS_BREACHED : SLA_CS_MET;
	c->stopped = true;
	c->stopped_at = at;
	return record(f, SLA_TR_STOP, reason, i, at);
}

static sla_status
cancel(flow *f, int i, int64_t at, sla_reason reason)
{
	sla_cf_clock *c = &f->ticket->clocks[i];

	if (!IS_ACTIVE(c))
		return SLA_OK;
	at = not_before_clock(c, at);
	c->state = SLA_CS_CANCELLED;
	c->paused = false;
	c->paused_since = 0;
	c->stopped = true;
	c->stopped_at = at;
	return record(f, SLA_TR_CANCEL, reason, i, at);
}

static sla_status retarget(flow *f, int i, int32_t level_id, int64_t at, sla_reason reason);

/*
 * A stopped resolution clock of a reopened ticket runs (or stands paused) again; the business
 * time it stood stopped is added to its paused time.  It then runs under the policy in force: an
 * edit made while it stood decided did not touch it (decided clocks keep what they were decided
 * under), so it is re-targeted now, as the edit re-targeted the clocks that were running, or
 * cancelled when its level has no target for it any more.  Otherwise its due date would depend
 * on whether some later edit happened to re-target it.
 */
static sla_status
reopen(flow *f, int i, int64_t at, bool paused)
{
	sla_cf_clock *c = &f->ticket->clocks[i];
	sla_business_interval stood;

	if (c->state != SLA_CS_MET && c->state != SLA_CS_BREACHED)
		return SLA_OK;
	at = not_before_clock(c, at);
	TRY(business_between(f, c, c->stopped_at, at, &stood));
	TRY(sla_bi_add(c->paused_for, stood, &c->paused_for));
	TRY(due_date(f, c, &c->due_at));
	c->state = paused ? SLA_CS_PAUSED : SLA_CS_RUNNING;
	c->paused = paused;
	c->paused_since = paused ? at : 0;
	c->stopped = false;
	c->stopped_at = 0;
	memset(&c->used, 0, sizeof(c->used));
	TRY(record(f, SLA_TR_REOPEN, SLA_R_TICKET_REOPENED, i, at));
	f->result->t[f->result->n - 1].amount = stood;
	return retarget(f, i, c->level_id, at, SLA_R_POLICY_CHANGED);
}

/*
 * An active clock measured against level_id's target from its start, keeping its paused time;
 * cancelled when that level has no target for its metric.  Nothing is recorded when nothing
 * changes (a policy edit that did not touch this clock's target or calendar).
 */
static sla_status
retarget(flow *f, int i, int32_t level_id, int64_t at, sla_reason reason)
{
	sla_cf_clock *c = &f->ticket->clocks[i];
	sla_cf_level level;
	int32_t		from = c->level_id;
	int64_t		due;
	sla_cf_clock next;

	if (!IS_ACTIVE(c))
		return SLA_OK;
	if (!f->policy->level(f->policy->ctx, level_id, &level) || !level.has_target[c->metric])
		return cancel(f, i, at, reason == SLA_R_POLICY_CHANGED ? SLA_R_TARGET_REMOVED : SLA_R_NO_TARGET);
	next = *c;
	next.level_id = level_id;
	next.calendar_id = level.calendar_id;
	next.target = level.target[c->metric];
	TRY(due_date(f, &next, &due));
	next.due_at = due;
	/* the same target written otherwise ('1 day' for '24 hours') is an edit: compare the fields */
	if (next.level_id == c->level_id && next.calendar_id == c->calendar_id && next.due_at == c->due_at &&
		next.target.days == c->target.days && next.target.usec == c->target.usec)
		return SLA_OK;
	*c = next;
	TRY(record(f, SLA_TR_RETARGET, reason, i, not_before_clock(c, at)));
	f->result->t[f->result->n - 1].from_level = from;
	return SLA_OK;
}

/* ---------------------------------------------------------------- the facts */

static sla_status lifecycle_changed(flow *f, sla_lifecycle lc, int64_t at);

/* Start the clocks a ticket in an active lifecycle owes under its level: resolution and
 * periodic_update, and first_response while no agent has replied; paused ones stand paused. */
static sla_status
start_ticket_clocks(flow *f, int64_t at, sla_reason reason, const sla_cf_level *only_new_against)
{
	static const sla_metric owed[] = {SLA_M_FIRST_RESPONSE, SLA_M_PERIODIC_UPDATE, SLA_M_RESOLUTION};
	sla_cf_ticket *t = f->ticket;
	size_t		k;

	for (k = 0; k < sizeof(owed) / sizeof(owed[0]); k++)
	{
		sla_metric	m = owed[k];
		int			i;

		if (m == SLA_M_FIRST_RESPONSE && t->agent_replied)
			continue;
		if (has_active(t, m, m))
			continue;
		/* a level change starts only what the new level measures and the old one did not */
		if (only_new_against != NULL && only_new_against->has_target[m])
			continue;
		TRY(start(f, m, t->level_id, at, reason, &i));
		if (i >= 0 && t->lifecycle == SLA_LC_PAUSED && m != SLA_M_FIRST_RESPONSE)
			TRY(pause(f, i, at, SLA_R_TICKET_PAUSED));
	}
	return SLA_OK;
}

static sla_status
ticket_created(flow *f, const sla_fact *fact)
{
	sla_cf_ticket *t = f->ticket;

	t->tracked = true;
	t->level_id = fact->level_id;
	t->agent_replied = false;
	t->customer_waiting = false;
	t->customer_waiting_since = 0;
	f->result->lifecycle_changed = f->result->level_changed = f->result->conversation_changed = true;
	if (t->level_id == 0 || fact->lifecycle == SLA_LC_DELETED)
	{
		t->lifecycle = fact->lifecycle;
		return SLA_OK;
	}
	/* a ticket that arrives paused, solved or closed: it arrived open and changed at once */
	t->lifecycle = SLA_LC_OPEN;
	TRY(start_ticket_clocks(f, fact->at, SLA_R_TICKET_CREATED, NULL));
	return lifecycle_changed(f, fact->lifecycle, fact->at);
}

static sla_reason
stopped_reason(sla_lifecycle lc, bool before_reply)
{
	if (lc == SLA_LC_SOLVED)
		return before_reply ? SLA_R_SOLVED_BEFORE_REPLY : SLA_R_TICKET_SOLVED;
	return before_reply ? SLA_R_CLOSED_BEFORE_REPLY : SLA_R_TICKET_CLOSED;
}

static sla_status
lifecycle_changed(flow *f, sla_lifecycle lc, int64_t at)
{
	sla_cf_ticket *t = f->ticket;
	sla_lifecycle cur = t->lifecycle;
	int32_t		last_resolution = 0;
	bool		resolution_reopened = false;
	int			n = t->nclocks;
	int			i;

	if (lc == cur)
		return SLA_OK;
	for (i = 0; i < n; i++)
		if (t->clocks[i].metric == SLA_M_RESOLUTION && t->clocks[i].cycle > last_resolution)
			last_resolution = t->clocks[i].cycle;
	for (i = 0; i < n; i++)
	{
		sla_cf_clock *c = &t->clocks[i];
		bool		stopped_resolution = c->metric == SLA_M_RESOLUTION && IS_STOPPED_LC(cur) &&
			(c->state == SLA_CS_MET || c->state == SLA_CS_BREACHED) && c->cycle == last_resolution;

		if (!IS_ACTIVE(c) && !stopped_resolution)
			continue;
		if (lc == SLA_LC_DELETED)
			TRY(cancel(f, i, at, SLA_R_TICKET_DELETED));
		else if (c->metric == SLA_M_PERIODIC_UPDATE)
		{
			/* agent updates are owed only while the ticket is open */
			if (IS_STOPPED_LC(lc))
				TRY(cancel(f, i, at, stopped_reason(lc, false)));
			else if (lc == SLA_LC_PAUSED)
				TRY(pause(f, i, at, SLA_R_TICKET_PAUSED));
			else
				TRY(resume(f, i, at, SLA_R_TICKET_OPENED));
		}
		else if (c->metric != SLA_M_RESOLUTION)
		{
			/* response clocks do not pause: a customer waits for an answer whatever the status */
			if (IS_STOPPED_LC(lc))
				TRY(cancel(f, i, at, stopped_reason(lc, true)));
		}
		else if (stopped_resolution)
		{
			/* solved -> closed (or back): the stopped clock stays as it was; reopened: it runs on,
			 * under the ticket's level, which an on_update rule may have changed meanwhile */
			if (IS_ACTIVE_LC(lc))
			{
				TRY(reopen(f, i, at, lc == SLA_LC_PAUSED));
				resolution_reopened = true;
				if (t->level_id != 0 && c->level_id != t->level_id)
					TRY(retarget(f, i, t->level_id, at, SLA_R_LEVEL_CHANGED));
			}
		}
		else if (lc == SLA_LC_PAUSED)
			TRY(pause(f, i, at, SLA_R_TICKET_PAUSED));
		else if (lc == SLA_LC_OPEN)
			TRY(resume(f, i, at, SLA_R_TICKET_OPENED));
		else
			TRY(stop(f, i, at, stopped_reason(lc, false)));
	}
	t->lifecycle = lc;
	f->result->lifecycle_changed = true;
	if (!IS_ACTIVE_LC(lc) || t->level_id == 0)
		return SLA_OK;
	if (cur == SLA_LC_DELETED)
		/* restored (flag cleared, status back from deleted or spam): tracked again from now */
		return start_ticket_clocks(f, at, SLA_R_TICKET_RESTORED, NULL);
	if (IS_STOPPED_LC(cur))
	{
		int			started;

		TRY(start(f, SLA_M_PERIODIC_UPDATE, t->level_id, at, SLA_R_TICKET_REOPENED, &started));
		if (started >= 0 && lc == SLA_LC_PAUSED)
			TRY(pause(f, started, at, SLA_R_TICKET_PAUSED));
		/* no stopped resolution clock to continue (it was cancelled, or the ticket came back from
		 * deleted as solved): the reopened ticket is measured from now */
		if (!resolution_reopened && !has_active(t, SLA_M_RESOLUTION, SLA_M_RESOLUTION))
		{
			TRY(start(f, SLA_M_RESOLUTION, t->level_id, at, SLA_R_TICKET_REOPENED, &started));
			if (started >= 0 && lc == SLA_LC_PAUSED)
				TRY(pause(f, started, at, SLA_R_TICKET_PAUSED));
		}
		/* never answered: the reopened ticket owes a first response again, from now */
		if (!t->agent_replied && !has_active(t, SLA_M_FIRST_RESPONSE, SLA_M_FIRST_RESPONSE))
			TRY(start(f, SLA_M_FIRST_RESPONSE, t->level_id, at, SLA_R_TICKET_REOPENED, &started));
		/* a customer message that came while it was solved: next_response runs from it */
		if (t->customer_waiting)
		{
			TRY(start(f, SLA_M_NEXT_RESPONSE, t->level_id, t->customer_waiting_since, SLA_R_CUSTOMER_WAITING,
					  &started));
			t->customer_waiting = false;
			t->customer_waiting_since = 0;
			f->result->conversation_changed = true;
		}
	}
	return SLA_OK;
}

static sla_status
agent_replied(flow *f, int64_t at)
{
	sla_cf_ticket *t = f->ticket;
	int			update = -1;
	int			n = t->nclocks;
	int			i;

	for (i = 0; i < n; i++)
	{
		sla_cf_clock *c = &t->clocks[i];

		if (!IS_ACTIVE(c) || c->metric == SLA_M_RESOLUTION)
			continue;
		if (c->metric == SLA_M_PERIODIC_UPDATE)
		{
			if (update < 0)
				update = i;
		}
		else
			TRY(stop(f, i, at, SLA_R_AGENT_REPLY));
	}
	/* an agent update: the periodic-update cycle ends and the next one starts now */
	if (update >= 0)
	{
		int			next;

		TRY(stop(f, update, at, SLA_R_AGENT_UPDATE));
		TRY(start(f, SLA_M_PERIODIC_UPDATE, t->level_id, at, SLA_R_AGENT_UPDATE, &next));
		if (next >= 0 && t->lifecycle == SLA_LC_PAUSED)
			TRY(pause(f, next, at, SLA_R_TICKET_PAUSED));
	}
	if (!t->agent_replied || t->customer_waiting)
	{
		t->agent_replied = true;
		t->customer_waiting = false;
		t->customer_waiting_since = 0;
		f->result->conversation_changed = true;
	}
	return SLA_OK;
}

static sla_status
customer_wrote(flow *f, int64_t at, sla_metric response)
{
	sla_cf_ticket *t = f->ticket;
	int			started;

	/* on a solved or closed ticket it is remembered: helpdesks (RT) record the message first and
	 * reopen the ticket afterwards */
	if (!IS_ACTIVE_LC(t->lifecycle))
	{
		if (t->agent_replied && !t->customer_waiting)
		{
			t->customer_waiting = true;
			t->customer_waiting_since = at;
			f->result->conversation_changed = true;
		}
		return SLA_OK;
	}
	if (response != SLA_M_NEXT_RESPONSE)
	{
		if (!has_active(t, response, response))
			TRY(start(f, response, t->level_id, at, SLA_R_CUSTOMER_MESSAGE, &started));
	}
	else if (t->agent_replied && !has_active(t, SLA_M_FIRST_RESPONSE, SLA_M_NEXT_RESPONSE))
		TRY(start(f, SLA_M_NEXT_RESPONSE, t->level_id, at, SLA_R_CUSTOMER_MESSAGE, &started));
	return SLA_OK;
}

static sla_status
level_changed(flow *f, int32_t level_id, int64_t at)
{
	sla_cf_ticket *t = f->ticket;
	sla_cf_level old_level;
	sla_cf_level new_level;
	bool		had_level;
	int			n = t->nclocks;
	int			i;

	if (level_id == 0 || level_id == t->level_id || !f->policy->level(f->policy->ctx, level_id, &new_level))
		return SLA_OK;
	had_level = t->level_id != 0 && f->policy->level(f->policy->ctx, t->level_id, &old_level);
	t->level_id = level_id;
	f->result->level_changed = true;
	if (t->lifecycle == SLA_LC_DELETED)
		return SLA_OK;
	for (i = 0; i < n; i++)
		TRY(retarget(f, i, level_id, at, SLA_R_LEVEL_CHANGED));
	if (!IS_ACTIVE_LC(t->lifecycle))
		return SLA_OK;
	/* what the new level measures and the old one did not starts now */
	if (!had_level)
		memset(&old_level, 0, sizeof(old_level));
	return start_ticket_clocks(f, at, SLA_R_LEVEL_CHANGED, &old_level);
}

/* The targets or calendars were edited: each active clock is measured by its level as it is now. */
static sla_status
policy_changed(flow *f, int64_t at)
{
	sla_cf_ticket *t = f->ticket;
	int			i;

	for (i = 0; i < t->nclocks; i++)
		TRY(retarget(f, i, t->clocks[i].level_id, at, SLA_R_POLICY_CHANGED));
	return SLA_OK;
}

bool
sla_clockflow_cancel(sla_cf_clock *clock, int64_t at, sla_reason reason, sla_cf_transition *out)
{
	sla_cf_ticket one = {0};
	sla_cf_result result;
	flow		f = {&one, NULL, &result};

	one.clocks = clock;
	one.nclocks = one.capacity = 1;
	result.n = 0;
	if (cancel(&f, 0, at, reason) != SLA_OK || result.n != 1)
		return false;
	*out = result.t[0];
	return true;
}

sla_status
sla_clockflow_apply(sla_cf_ticket *ticket, const sla_fact *fact, const sla_cf_policy *policy,
					sla_cf_result *result)
{
	flow		f = {ticket, policy, result};
	sla_fact	effective = *fact;
	sla_status	status = SLA_OK;

	result->n = 0;
	result->lifecycle_changed = result->level_changed = result->conversation_changed = false;
	result->last_at_changed = false;
	if (ticket->capacity < ticket->nclocks + SLA_CF_MAX_NEW_CLOCKS)
		return SLA_ENOMEM;
	if (fact->kind != SLA_FACT_CREATED && !ticket->tracked)
		return SLA_OK;
	/* never before the latest fact (see has_last_at) */
	effective.at = sla_clockflow_effective_at(ticket, fact);
	switch (fact->kind)
	{
		case SLA_FACT_CREATED:
			if (ticket->tracked)
				return SLA_OK;
			status = ticket_created(&f, &effective);
			break;
		case SLA_FACT_MESSAGE:
			if (ticket->level_id == 0 || ticket->lifecycle == SLA_LC_DELETED || !fact->is_public)
				return SLA_OK;	/* no level, or an internal note: nothing moves */
			if (fact->author == SLA_AUTHOR_AGENT)
				status = agent_replied(&f, effective.at);
			else
				status = customer_wrote(&f, effective.at, fact->response);
			break;
		case SLA_FACT_LIFECYCLE:
			status = lifecycle_changed(&f, fact->lifecycle, effective.at);
			break;
		case SLA_FACT_LEVEL:
			status = level_changed(&f, fact->level_id, effective.at);
			break;
		case SLA_FACT_POLICY:
			/* an edit of the configuration is not a fact of the ticket's own history */
			return policy_changed(&f, effective.at);
	}
	if (status == SLA_OK && (!ticket->has_last_at || effective.at > ticket->last_at))
	{
		ticket->has_last_at = true;
		ticket->last_at = effective.at;
		result->last_at_changed = true;
	}
	return status;
}

bool
sla_facts_replayable(const sla_fact *facts, int n)
{
	return n > 0 && facts[0].kind == SLA_FACT_CREATED;
}

sla_status
sla_clockflow_play(sla_cf_ticket *ticket, sla_fact *facts, int n, const sla_cf_policy *policy,
				   const sla_cf_play *play)
{
	int			i;

	sla_facts_sort(facts, n);
	for (i = 0; i < n; i++)
	{
		sla_status	status;

		if (ticket->capacity < ticket->nclocks + SLA_CF_MAX_NEW_CLOCKS &&
			!play->room(play->ctx, ticket, ticket->nclocks + SLA_CF_MAX_NEW_CLOCKS))
			return SLA_ENOMEM;
		status = sla_clockflow_apply(ticket, &facts[i], policy, play->scratch);
		if (status != SLA_OK)
			return status;
		if (play->each != NULL)
			play->each(play->ctx, &facts[i], play->scratch);
	}
	return SLA_OK;
}
