/*
 * fuzz_clockflow.c — libFuzzer target for the clock model (clockflow.h).
 *
 * The input bytes are read as a little program (missing bytes read as 0):
 *   - two calendars, each a weekly-hours notation picked from a list (24/7, office hours,
 *     overnight shifts, one minute a week, none at all) in one of the test zones of fixed_tz.h;
 *   - 1 to 4 levels, each on one of the calendars, with a target per metric or none, from one
 *     business minute to amounts that run past the end of time, business days included;
 *   - a starting instant (mostly 2026, sometimes next to either end of the timestamp range or
 *     infinite, as a host row may hold);
 *   - facts until the input ends: created, message (author, public or not, which response
 *     metric), lifecycle, level (ids 0..5, 5 never exists), or a policy edit (a target changed
 *     or removed, a level's calendar swapped, a calendar's hours replaced, a level deleted or
 *     restored, or nothing) followed by SLA_FACT_POLICY; each fact moves time forward or
 *     backward by a byte-decoded amount, up to jumps to the ends of the range.
 * After each fact it checks what clockflow.h promises, and the rules of time the engine's
 * tables rely on (docs/engine-design.md, "The clock model"); a failed check is __builtin_trap().  The clocks
 * array is reallocated to exactly nclocks + SLA_CF_MAX_NEW_CLOCKS before each fact, so that
 * AddressSanitizer sees a clock written past the room clockflow was promised.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "civil.h"
#include "clockflow.h"
#include "fixed_tz.h"
#include "hours_spec.h"

#define MIN_US INT64_C(60000000)
#define HOUR_US (60 * MIN_US)
#define DAY_US (24 * HOUR_US)
#define YEAR_US (365 * DAY_US)
#define NLEVELS 4
#define NCALENDARS 2

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding: the trap stops libFuzzer at the failed check, with the stack in its report. */
static void
require(bool cond)
{
	if (!cond)
		__builtin_trap();
}

/* ---------------------------------------------------------------- input */

typedef struct input
{
	const uint8_t *data;
	size_t		size;
	size_t		pos;
} input;

static uint8_t
take(input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static uint32_t
take16(input *in)
{
	uint32_t	hi = take(in);

	return hi << 8 | take(in);
}

static uint64_t
take32(input *in)
{
	uint64_t	hi = take16(in);

	return hi << 16 | take16(in);
}

/* ---------------------------------------------------------------- the policy */

static void *
f_alloc(void *ctx, size_t n)
{
	(void) ctx;
	return malloc(n);
}

static void
f_free(void *ctx, void *p)
{
	(void) ctx;
	free(p);
}

/* From always open to never open: sparse calendars make due dates land weeks or centuries out,
 * and the last one makes every business_add fail with SLA_ENOHOURS. */
static const char *const weekly_specs[] = {
	"24/7",
	"mon-fri 09:00-17:00",
	"mon-sun 22:00-06:00",
	"sun 23:59-24:00",
	"mon 00:00-00:01; thu 12:00-12:01",
	"mon-fri 08:00-12:00,13:00-17:00; sat 10:00-12:00",
	"sat-sun 00:00-24:00",
	"tue 09:00-09:30; fri 23:00-03:00",
	"mon-sun 00:00-12:00,12:00-24:00",
	"wed 02:00-03:00",
	"mon-fri 00:00-24:00",
	"mon-sun closed",
};
#define NSPECS (sizeof(weekly_specs) / sizeof(weekly_specs[0]))

typedef struct fuzz_policy
{
	sla_calendar *calendar[NCALENDARS];
	sla_cf_level levels[NLEVELS];
	bool		exists[NLEVELS];
	int			nlevels;
	sla_status	callback_failed;	/* the last non-OK status a callback returned, or SLA_OK */
} fuzz_policy;

/*
 * Calendars are built once per notation and zone and kept for the life of the process: a
 * calendar fills its cache of blocks (1700 to 2200) as instants reach out, and doing that again
 * for every input made the target some 50 times slower.  Answers do not depend on what is
 * cached (fuzz_calendar checks the calendar itself), so inputs still replay the same.
 */
static sla_calendar *
calendar_for(uint8_t choice)
{
	static test_zone zones[4] = {
		{0},
		{-5 * HOUR_US, -4 * HOUR_US, true, 3, 10},
		{5 * HOUR_US + HOUR_US / 2, 0, false, 0, 0},
		{10 * HOUR_US + HOUR_US / 2, 11 * HOUR_US, true, 3, 10},
	};
	static sla_calendar *built[NSPECS][4];
	static sla_day_range ranges[SLA_MAX_RANGES];
	size_t		spec_index = (choice & 0x0f) % NSPECS;
	int			zone = (choice >> 4) % 4;
	const char *spec = weekly_specs[spec_index];
	sla_calendar_def def = {0};
	sla_allocator alloc = {f_alloc, f_free, NULL};
	size_t		n = 0,
				pos;

	if (built[spec_index][zone] != NULL)
		return built[spec_index][zone];
	/* the specs are fixed and valid: failing here is a bug of the fuzzer or of the core */
	require(sla_parse_weekly_hours(spec, strlen(spec), ranges, SLA_MAX_RANGES, &n, &pos) == SLA_OK);
	def.weekly = ranges;
	def.nweekly = n;
	require(sla_calendar_build(&def, test_zone_api(&zones[zone]), &alloc, &built[spec_index][zone]) == SLA_OK);
	return built[spec_index][zone];
}

/* A target as sla.level_target admits it: finite, both parts >= 0, not both zero. */
static sla_business_interval
take_target(input *in)
{
	uint8_t		kind = take(in);
	uint32_t	v = take16(in);
	sla_business_interval t = {0, 0, 0};

	switch (kind % 8)
	{
		case 0:
			t.usec = 1 + v % 1000;	/* under a millisecond */
			break;
		case 1:
		case 2:
			t.usec = (int64_t) (1 + v % 600) * MIN_US;
			break;
		case 3:
			t.usec = (int64_t) (1 + v % 200) * HOUR_US;
			break;
		case 4:
			t.days = (int32_t) (1 + v % 30);
			t.usec = (int64_t) (v >> 8) * HOUR_US / 4;
			break;
		case 5:
			t.days = (int32_t) (v % 4);
			t.usec = (int64_t) (1 + v) * 7 * DAY_US;	/* up to 1200 years of open time */
			break;
		case 6:
			/* past the end of time on any calendar: due dates fail with SLA_EOVERFLOW */
			t.days = (int32_t) (INT32_MAX - 1 - (v & 0xff));
			t.usec = INT64_MAX - 1 - (int64_t) (v >> 8);
			break;
		default:
			/* up to 2000 business days: the calendar walks business days one by one, so that
			 * more made the target crawl (40 years of a one-day-a-week calendar is plenty) */
			t.days = (int32_t) (1 + v % 2000);
			break;
	}
	return t;
}

static void
take_level(input *in, fuzz_policy *p, int k)
{
	sla_cf_level *l = &p->levels[k];
	uint8_t		mask;
	int			m;

	memset(l, 0, sizeof(*l));
	l->id = k + 1;
	l->calendar_id = 1 + take(in) % NCALENDARS;
	mask = take(in);
	for (m = 0; m < SLA_METRIC_COUNT; m++)
		if (mask & (1u << m))
		{
			l->has_target[m] = true;
			l->target[m] = take_target(in);
		}
	p->exists[k] = true;
}

static bool
fp_level(void *ctx, int32_t id, sla_cf_level *out)
{
	fuzz_policy *p = ctx;

	if (id < 1 || id > p->nlevels || !p->exists[id - 1])
		return false;
	*out = p->levels[id - 1];
	return true;
}

/* Callbacks report their failures to the checks: apply may return them and nothing else. */
static sla_status
fp_add(void *ctx, int32_t calendar_id, int64_t t, sla_business_interval d, int64_t *out)
{
	fuzz_policy *p = ctx;
	sla_status	st;

	require(calendar_id >= 1 && calendar_id <= NCALENDARS);
	require(sla_bi_is_nonnegative(d));
	st = sla_calendar_add(p->calendar[calendar_id - 1], t, d.days, d.usec, out);
	if (st != SLA_OK)
		p->callback_failed = st;
	return st;
}

static sla_status
fp_between(void *ctx, int32_t calendar_id, int64_t a, int64_t b, int64_t *out)
{
	fuzz_policy *p = ctx;
	sla_status	st;

	require(calendar_id >= 1 && calendar_id <= NCALENDARS);
	st = sla_calendar_between(p->calendar[calendar_id - 1], a, b, out);
	if (st != SLA_OK)
		p->callback_failed = st;
	return st;
}

/* ---------------------------------------------------------------- time */

static int64_t
clamp_instant(int64_t t)
{
	if (t < SLA_MIN_INSTANT)
		return SLA_MIN_INSTANT;
	if (t >= SLA_END_INSTANT)
		return SLA_END_INSTANT - 1;
	return t;
}

/* t + d kept inside the range (an instant beyond it is what SLA_FACT timestamps never are,
 * except the infinities take_step adds on purpose) */
static int64_t
shift(int64_t t, int64_t d)
{
	int64_t		u;

	if (__builtin_add_overflow(t, d, &u))
		return d > 0 ? SLA_END_INSTANT - 1 : SLA_MIN_INSTANT;
	return clamp_instant(u);
}

static int64_t
take_start(input *in)
{
	uint8_t		kind = take(in);
	int64_t		v = (int64_t) take32(in);

	switch (kind % 16)
	{
		case 0:
			return SLA_MIN_INSTANT + v * MIN_US;
		case 1:
			return SLA_END_INSTANT - 1 - v * MIN_US;
		case 2:
			/* a host's timestamptz may be infinite */
			return (kind & 0x10) ? INT64_MAX : INT64_MIN;
		case 3:
			return (v % (4000 * 365 * 24)) * HOUR_US - 2000 * YEAR_US;	/* years 0 to 4000 */
		default:
			return (int64_t) sla_days_from_civil(2026, 1, 1) * DAY_US + (v % (800 * 24 * 60)) * MIN_US;
	}
}

/* The next fact's instant: mostly minutes to days later, sometimes earlier (transactions commit
 * out of order), sometimes years away or at an end of the range. */
static int64_t
take_step(input *in, int64_t t)
{
	uint8_t		kind = take(in);
	int64_t		v = take(in);

	if (t == INT64_MAX || t == INT64_MIN)
		t = clamp_instant(t);
	switch (kind % 16)
	{
		case 0:
			return t;
		case 1:
		case 2:
		case 3:
		case 4:
			return shift(t, v * MIN_US);
		case 5:
		case 6:
			return shift(t, v * HOUR_US);
		case 7:
			return shift(t, v * DAY_US);
		case 8:
			return shift(t, -(v * MIN_US));
		case 9:
			return shift(t, -(v * HOUR_US));
		case 10:
			return shift(t, v * 100 * YEAR_US);
		case 11:
			return shift(t, -(v * 100 * YEAR_US));
		case 12:
			return SLA_END_INSTANT - 1 - v * MIN_US;
		case 13:
			return SLA_MIN_INSTANT + v * MIN_US;
		case 14:
			return shift(t, 1);
		default:
			return (kind & 0x10) ? INT64_MAX : shift(t, v);
	}
}

/* ---------------------------------------------------------------- the checks */

static bool
is_active(const sla_cf_clock *c)
{
	return c->state == SLA_CS_RUNNING || c->state == SLA_CS_PAUSED;
}

static bool
is_decided(const sla_cf_clock *c)
{
	return c->state == SLA_CS_MET || c->state == SLA_CS_BREACHED || c->state == SLA_CS_CANCELLED;
}

static bool
same_bi(sla_business_interval a, sla_business_interval b)
{
	return a.days == b.days && a.usec == b.usec && a.reserved == b.reserved;
}

/* Field by field: struct copies need not copy padding. */
static bool
same_clock(const sla_cf_clock *a, const sla_cf_clock *b)
{
	return a->id == b->id && a->metric == b->metric && a->cycle == b->cycle &&
		a->level_id == b->level_id && a->calendar_id == b->calendar_id && same_bi(a->target, b->target) &&
		a->started_at == b->started_at && a->due_at == b->due_at && a->paused == b->paused &&
		a->paused_since == b->paused_since && same_bi(a->paused_for, b->paused_for) &&
		a->stopped == b->stopped && a->stopped_at == b->stopped_at && same_bi(a->used, b->used) &&
		a->state == b->state;
}

/* The clock's latest instant, the one no transition may predate (clockflow.h, transition.at). */
static int64_t
latest_instant(const sla_cf_clock *c)
{
	int64_t		at = c->started_at;

	if (c->paused && c->paused_since > at)
		at = c->paused_since;
	if (c->stopped && c->stopped_at > at)
		at = c->stopped_at;
	return at;
}

static void
check_clock(const sla_cf_clock *c, bool calendar_stable)
{
	require((unsigned) c->metric < SLA_METRIC_COUNT);
	require((unsigned) c->state < SLA_CLOCK_STATE_COUNT);
	require(c->cycle >= 1);
	require(c->due_at >= c->started_at);
	require(c->paused == (c->state == SLA_CS_PAUSED));
	require(!c->paused || c->paused_since >= c->started_at);
	require(c->stopped == is_decided(c));
	require(!c->stopped || c->stopped_at >= c->started_at);
	require(sla_bi_is_nonnegative(c->paused_for));
	require(c->state != SLA_CS_MET || c->stopped_at <= c->due_at);
	require(c->state != SLA_CS_BREACHED || c->stopped_at > c->due_at);
	/* used = open time from start to stop less the pauses, all inside it: never negative while
	 * one calendar measured the clock all along (a calendar edit or a level on another calendar
	 * mixes pauses measured on one with a span measured on another) */
	require(c->state != SLA_CS_MET || !calendar_stable || sla_bi_is_nonnegative(c->used));
}

/* What the harness remembers of a ticket between facts. */
typedef struct run
{
	fuzz_policy policy;
	sla_cf_ticket ticket;
	sla_cf_clock *before;		/* the clocks before the fact */
	bool	   *stable;			/* per clock: measured on one unchanged calendar all along */
	int		   *first_tr;		/* per clock: its first transition in this fact's result, or -1 */
	int			room;			/* of before, stable and first_tr */
	bool		policy_edited;	/* an edit since the last SLA_FACT_POLICY */
} run;

static void
make_room(run *r)
{
	int			need = r->ticket.nclocks + SLA_CF_MAX_NEW_CLOCKS;

	/* exactly the promised room, so ASan traps a write past it */
	r->ticket.clocks = realloc(r->ticket.clocks, (size_t) need * sizeof(sla_cf_clock));
	require(r->ticket.clocks != NULL);
	r->ticket.capacity = need;
	if (need > r->room)
	{
		r->before = realloc(r->before, (size_t) need * sizeof(sla_cf_clock));
		r->stable = realloc(r->stable, (size_t) need * sizeof(bool));
		r->first_tr = realloc(r->first_tr, (size_t) need * sizeof(int));
		require(r->before != NULL && r->stable != NULL && r->first_tr != NULL);
		r->room = need;
	}
}

static void
check_after(run *r, const sla_fact *fact, const sla_cf_ticket *old, const sla_cf_result *res)
{
	const sla_cf_ticket *t = &r->ticket;
	int			active[SLA_METRIC_COUNT] = {0};
	int		   *first_tr = r->first_tr;
	int			last_tr_index;
	int			i,
				k;

	require(res->n >= 0 && res->n <= SLA_CF_MAX_TRANSITIONS);
	require(t->nclocks >= old->nclocks && t->nclocks <= old->nclocks + SLA_CF_MAX_NEW_CLOCKS);
	require(t->clocks == old->clocks && t->capacity == old->capacity);
	/* nothing happens to an untracked ticket but its creation */
	if (!old->tracked && fact->kind != SLA_FACT_CREATED)
		require(res->n == 0 && !t->tracked && t->nclocks == 0);
	if (fact->kind == SLA_FACT_CREATED)
		require(t->tracked);
	/* a tracked ticket is created once */
	if (old->tracked && fact->kind == SLA_FACT_CREATED)
		require(res->n == 0 && t->nclocks == old->nclocks);
	/* an internal note, or a ticket without a level, moves nothing */
	if (fact->kind == SLA_FACT_MESSAGE && (!fact->is_public || old->level_id == 0))
		require(res->n == 0);
	/* last_at never moves back, and last_at_changed says whether it moved */
	if (old->has_last_at)
		require(t->has_last_at && t->last_at >= old->last_at);
	require(res->last_at_changed == (t->has_last_at != old->has_last_at || t->last_at != old->last_at));
	/* a configuration edit is not a fact of the ticket's history */
	if (fact->kind == SLA_FACT_POLICY)
		require(!res->last_at_changed && !res->lifecycle_changed && !res->level_changed &&
				!res->conversation_changed && t->lifecycle == old->lifecycle && t->level_id == old->level_id);
	require(res->lifecycle_changed || t->lifecycle == old->lifecycle);
	require(res->level_changed || t->level_id == old->level_id);
	require(res->conversation_changed ||
			(t->agent_replied == old->agent_replied && t->customer_waiting == old->customer_waiting &&
			 t->customer_waiting_since == old->customer_waiting_since));

	for (i = 0; i < t->nclocks; i++)
		first_tr[i] = -1;
	for (k = 0; k < res->n; k++)
	{
		const sla_cf_transition *tr = &res->t[k];
		int			c = tr->clock;
		const sla_cf_clock *prev;

		require(c >= 0 && c < t->nclocks);
		require(tr->after.metric == t->clocks[c].metric && tr->after.cycle == t->clocks[c].cycle);
		if (first_tr[c] < 0)
		{
			first_tr[c] = k;
			prev = c < old->nclocks ? &r->before[c] : NULL;
		}
		else
		{
			int			j;

			prev = NULL;
			for (j = k - 1; j >= 0; j--)
				if (res->t[j].clock == c)
				{
					prev = &res->t[j].after;
					break;
				}
		}
		/* a new clock's first transition is its start, and only new clocks start */
		require((prev == NULL) == (tr->kind == SLA_TR_START));
		if (prev == NULL)
			require(c >= old->nclocks && tr->at == tr->after.started_at && tr->after.state == SLA_CS_RUNNING);
		else
		{
			/*
			 * never before the clock's latest instant (its start, pause or stop).  Not checked:
			 * that it follows the clock's previous transition; a RETARGET of a policy fact dated
			 * later than the ticket's next fact precedes it (policy facts leave last_at alone),
			 * see test/fuzz/crashes-clockflow/README.
			 */
			require(tr->at >= latest_instant(prev));
			/* a decided clock changes again only when the ticket reopens its resolution */
			if (is_decided(prev))
				require(tr->kind == SLA_TR_REOPEN && prev->metric == SLA_M_RESOLUTION &&
						prev->state != SLA_CS_CANCELLED);
			require(tr->after.started_at == prev->started_at && tr->after.id == prev->id);
		}
		/* no transition predates the previous fact, but the next_response a customer message
		 * written while the ticket was solved started at that message */
		if (old->has_last_at && old->tracked)
		{
			if (tr->kind == SLA_TR_START && tr->reason == SLA_R_CUSTOMER_WAITING)
				require(old->customer_waiting && tr->at == old->customer_waiting_since);
			else
				require(tr->at >= old->last_at);
		}
		switch (tr->kind)
		{
			case SLA_TR_PAUSE:
				require(tr->after.state == SLA_CS_PAUSED && tr->after.paused_since == tr->at);
				break;
			case SLA_TR_RESUME:
				require(tr->after.state == SLA_CS_RUNNING && sla_bi_is_nonnegative(tr->amount));
				break;
			case SLA_TR_STOP:
				require((tr->after.state == SLA_CS_MET || tr->after.state == SLA_CS_BREACHED) &&
						tr->after.stopped_at == tr->at);
				break;
			case SLA_TR_CANCEL:
				require(tr->after.state == SLA_CS_CANCELLED && tr->after.stopped_at == tr->at);
				break;
			case SLA_TR_REOPEN:
				require(is_active(&tr->after) && sla_bi_is_nonnegative(tr->amount) &&
						tr->reason == SLA_R_TICKET_REOPENED);
				break;
			case SLA_TR_RETARGET:
				require(is_active(&tr->after) && tr->from_level == prev->level_id);
				break;
			case SLA_TR_START:
				break;
		}
		require(sla_reason_text(tr->reason) != NULL);
		check_clock(&tr->after, c >= old->nclocks ||
					(r->stable[c] && tr->after.calendar_id == r->before[c].calendar_id));
	}

	last_tr_index = -1;
	for (i = 0; i < t->nclocks; i++)
	{
		const sla_cf_clock *c = &t->clocks[i];

		if (i >= old->nclocks)
		{
			/* appended clocks start now, with the next cycle of their metric */
			require(first_tr[i] >= 0 && c->id == 0);
			r->stable[i] = true;
		}
		else if (first_tr[i] < 0)
			/* the glue writes only what the transitions name: a clock without one is unchanged */
			require(same_clock(c, &r->before[i]));
		else if (c->calendar_id != r->before[i].calendar_id)
			r->stable[i] = false;
		if (first_tr[i] >= 0)
		{
			/* the last transition of a clock shows it as it is now */
			for (k = res->n - 1; k >= 0; k--)
				if (res->t[k].clock == i)
					break;
			require(same_clock(&res->t[k].after, c));
			if (k > last_tr_index)
				last_tr_index = k;
		}
		require(c->metric == (i < old->nclocks ? r->before[i].metric : c->metric));
		check_clock(c, r->stable[i]);
		if (is_active(c))
			active[c->metric]++;
		/* solved, closed or deleted: nothing runs; open: nothing stands paused */
		if (t->lifecycle != SLA_LC_OPEN && t->lifecycle != SLA_LC_PAUSED)
			require(!is_active(c));
		if (t->lifecycle == SLA_LC_OPEN)
			require(c->state != SLA_CS_PAUSED);
	}
	for (i = 0; i < SLA_METRIC_COUNT; i++)
		require(active[i] <= 1);
	/* cycles of a metric are 1, 2, ... in the order the clocks were appended */
	for (i = old->nclocks; i < t->nclocks; i++)
	{
		int32_t		max = 0;
		int			j;

		for (j = 0; j < i; j++)
			if (t->clocks[j].metric == t->clocks[i].metric && t->clocks[j].cycle > max)
				max = t->clocks[j].cycle;
		require(t->clocks[i].cycle == max + 1);
	}
	/* a policy fact with nothing edited since the last one changes nothing */
	if (fact->kind == SLA_FACT_POLICY && !r->policy_edited)
		require(res->n == 0);
	/* no clocks without a level */
	if (t->level_id == 0 && old->level_id == 0)
		require(res->n == 0);
}

/* sla_clockflow_cancel on a copy of one clock (the ticket is left alone). */
static void
check_cancel(const sla_cf_clock *clock, int64_t at, bool dropped)
{
	sla_cf_clock c = *clock;
	sla_cf_transition out;
	sla_reason	reason = dropped ? SLA_R_TABLE_DROPPED : SLA_R_TABLE_TRUNCATED;
	bool		done = sla_clockflow_cancel(&c, at, reason, &out);

	require(done == is_active(clock));
	if (!done)
	{
		require(same_clock(&c, clock));
		return;
	}
	require(out.kind == SLA_TR_CANCEL && out.reason == reason && out.clock == 0);
	require(out.at >= latest_instant(clock) && out.at >= at);
	require(c.state == SLA_CS_CANCELLED && c.stopped && c.stopped_at == out.at && !c.paused);
	require(same_clock(&out.after, &c));
	require(c.started_at == clock->started_at && c.due_at == clock->due_at);
	check_clock(&c, false);
}

/* ---------------------------------------------------------------- tracing */

/* FUZZ_TRACE=1 prints each fact and its transitions: how a crash input is read back as a story
 * (./test/fuzz/fuzz_clockflow crash-file with the variable set). */
static bool trace;

static void
trace_fact(const sla_fact *f, sla_status st, const sla_cf_ticket *t, const sla_cf_result *res)
{
	static const char *const kinds[] = {"created", "message", "lifecycle", "level", "policy"};
	int			k;

	fprintf(stderr, "fact %s at=%lld lc=%s level=%d %s %s resp=%s -> status %d, lifecycle %s, last_at %lld\n",
			kinds[f->kind], (long long) f->at, sla_lifecycle_name(f->lifecycle), (int) f->level_id,
			f->author == SLA_AUTHOR_AGENT ? "agent" : "customer", f->is_public ? "public" : "internal",
			sla_metric_name(f->response), (int) st, sla_lifecycle_name(t->lifecycle), (long long) t->last_at);
	for (k = 0; st == SLA_OK && k < res->n; k++)
	{
		const sla_cf_transition *tr = &res->t[k];

		fprintf(stderr, "  %s clock %d (%s #%d) at=%lld reason=%s -> %s started=%lld due=%lld stopped=%lld level=%d\n",
				sla_transition_event(tr->kind), tr->clock, sla_metric_name(tr->after.metric),
				(int) tr->after.cycle, (long long) tr->at, sla_reason_text(tr->reason),
				sla_clock_state_name(tr->after.state), (long long) tr->after.started_at,
				(long long) tr->after.due_at, (long long) tr->after.stopped_at, (int) tr->after.level_id);
	}
}

/* ---------------------------------------------------------------- one input */

/* A policy edit. */
static void
edit_policy(input *in, run *r, uint8_t what)
{
	fuzz_policy *p = &r->policy;
	int			k = take(in) % p->nlevels;
	int			m = (what >> 3) % SLA_METRIC_COUNT;
	int			i;

	switch (what % 8)
	{
		case 0:
		case 1:
			p->levels[k].has_target[m] = true;
			p->levels[k].target[m] = take_target(in);
			break;
		case 2:
			p->levels[k].has_target[m] = false;
			break;
		case 3:
			p->levels[k].calendar_id = 1 + p->levels[k].calendar_id % NCALENDARS;
			break;
		case 4:
			{
				int			cal = k % NCALENDARS;

				p->calendar[cal] = calendar_for(take(in));
				for (i = 0; i < r->ticket.nclocks; i++)
					if (r->ticket.clocks[i].calendar_id == cal + 1)
						r->stable[i] = false;
				break;
			}
		case 5:
			p->exists[k] = !p->exists[k];
			break;
		default:
			/* a policy fact with nothing edited */
			return;
	}
	r->policy_edited = true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input		in = {data, size, 0};
	run			r;
	int64_t		t;
	int			k,
				nfacts = 0;

	trace = getenv("FUZZ_TRACE") != NULL;
	memset(&r, 0, sizeof(r));
	r.policy.nlevels = 1 + take(&in) % NLEVELS;
	for (k = 0; k < NCALENDARS; k++)
		r.policy.calendar[k] = calendar_for(take(&in));
	for (k = 0; k < r.policy.nlevels; k++)
		take_level(&in, &r.policy, k);
	t = take_start(&in);

	/* bounded so that one input stays fast whatever its length */
	while (in.pos < in.size && nfacts++ < 200)
	{
		sla_cf_policy policy = {&r.policy, fp_level, fp_add, fp_between};
		sla_cf_ticket old;
		sla_cf_result res;
		sla_fact	fact;
		uint8_t		kind = take(&in);
		uint8_t		arg = take(&in);
		sla_status	st;
		int64_t		cancel_at;
		int			i;

		make_room(&r);
		t = take_step(&in, t);
		memset(&fact, 0, sizeof(fact));
		fact.at = t;
		switch (kind % 8)
		{
			case 0:
				fact.kind = SLA_FACT_CREATED;
				fact.lifecycle = (sla_lifecycle) ((arg & 0x0f) % SLA_LIFECYCLE_COUNT);
				fact.level_id = (arg >> 4) % (NLEVELS + 2);
				break;
			case 1:
			case 2:
			case 3:
				fact.kind = SLA_FACT_MESSAGE;
				fact.author = (arg & 1) ? SLA_AUTHOR_AGENT : SLA_AUTHOR_CUSTOMER;
				fact.is_public = (arg & 6) != 0;
				fact.response = (arg >> 3) % 4 == 1 ? SLA_M_CHAT_RESPONSE
					: (arg >> 3) % 4 == 2 ? SLA_M_CALL_RESPONSE : SLA_M_NEXT_RESPONSE;
				break;
			case 4:
			case 5:
				fact.kind = SLA_FACT_LIFECYCLE;
				fact.lifecycle = (sla_lifecycle) (arg % SLA_LIFECYCLE_COUNT);
				break;
			case 6:
				fact.kind = SLA_FACT_LEVEL;
				fact.level_id = arg % (NLEVELS + 2);
				break;
			default:
				fact.kind = SLA_FACT_POLICY;
				edit_policy(&in, &r, arg);
				break;
		}

		for (i = 0; i < r.ticket.nclocks; i++)
		{
			/* the glue's ids: every clock it has persisted has one */
			if (r.ticket.clocks[i].id == 0)
				r.ticket.clocks[i].id = i + 1;
			r.before[i] = r.ticket.clocks[i];
		}
		old = r.ticket;
		r.policy.callback_failed = SLA_OK;
		st = sla_clockflow_apply(&r.ticket, &fact, &policy, &res);
		if (trace)
			trace_fact(&fact, st, &r.ticket, &res);
		if (st != SLA_OK)
		{
			/* a callback's failure, or a due date past the end of time; the ticket is then in
			 * an unspecified state, so the run ends */
			require(st == r.policy.callback_failed ||
					(r.policy.callback_failed == SLA_OK && st == SLA_EOVERFLOW));
			break;
		}
		require(r.policy.callback_failed == SLA_OK);
		check_after(&r, &fact, &old, &res);
		if (fact.kind == SLA_FACT_POLICY)
			r.policy_edited = false;
		/* an administrative cancel of one clock, on a copy (its instant is read whether or not
		 * there is a clock, so that the layout of the input does not depend on the model) */
		cancel_at = take_step(&in, t);
		if (r.ticket.nclocks > 0)
			check_cancel(&r.ticket.clocks[arg % r.ticket.nclocks], cancel_at, arg & 0x80);
	}
	free(r.ticket.clocks);
	free(r.before);
	free(r.stable);
	free(r.first_tr);
	return 0;
}
