/*
 * test_clockflow.c — the clock model: each rule of time on a business-hours calendar with exact
 * instants, and invariants over random fact sequences.
 */
#include <stdlib.h>

#include "calendar.h"
#include "civil.h"
#include "clockflow.h"
#include "fixed_tz.h"
#include "hours_spec.h"
#include "unit.h"

#define MIN_US INT64_C(60000000)
#define HOUR_US (60 * MIN_US)
#define DAY_US (24 * HOUR_US)

static void *
t_alloc(void *ctx, size_t n)
{
	(void) ctx;
	return malloc(n);
}

static void
t_free(void *ctx, void *p)
{
	(void) ctx;
	free(p);
}

static const sla_allocator test_alloc = {t_alloc, t_free, NULL};

/* Instant of a UTC civil date and time. */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return (int64_t) sla_days_from_civil(y, mo, d) * DAY_US + h * HOUR_US + mi * MIN_US;
}

static sla_business_interval
hours(int h)
{
	sla_business_interval v = {h * HOUR_US, 0, 0};

	return v;
}

/* ---------------------------------------------------------------- a test policy */

/* Level 1 "standard": mon-fri 09:00-17:00 UTC, first_response 4h, next_response 2h,
 * periodic_update 8h, chat_response 1h, resolution 16h.  Level 2 "gold": same calendar,
 * first_response 1h, resolution 8h, nothing else.  Level 3 "bare": resolution 4h only. */
typedef struct test_policy
{
	sla_calendar *calendar;
	sla_cf_level levels[3];
} test_policy;

static bool
tp_level(void *ctx, int32_t id, sla_cf_level *out)
{
	test_policy *p = ctx;

	if (id < 1 || id > 3)
		return false;
	*out = p->levels[id - 1];
	return true;
}

static sla_status
tp_add(void *ctx, int32_t calendar_id, int64_t t, sla_business_interval d, int64_t *out)
{
	test_policy *p = ctx;

	(void) calendar_id;
	return sla_calendar_add(p->calendar, t, d.days, d.usec, out);
}

static sla_status
tp_between(void *ctx, int32_t calendar_id, int64_t a, int64_t b, int64_t *out)
{
	test_policy *p = ctx;

	(void) calendar_id;
	return sla_calendar_between(p->calendar, a, b, out);
}

static test_policy policy_data;
static sla_cf_policy policy = {&policy_data, tp_level, tp_add, tp_between};

static void
set_target(sla_cf_level *l, sla_metric m, int h)
{
	l->has_target[m] = true;
	l->target[m] = hours(h);
}

static bool
make_policy(void)
{
	static test_zone zone = {0, 0, false, 0, 0};
	sla_day_range r[SLA_MAX_RANGES];
	size_t		n = 0,
				pos;
	const char *weekly = "mon-fri 09:00-17:00";
	sla_calendar_def def = {0};
	int			i;

	if (sla_parse_weekly_hours(weekly, strlen(weekly), r, SLA_MAX_RANGES, &n, &pos) != SLA_OK)
		return false;
	def.weekly = r;
	def.nweekly = n;
	if (sla_calendar_build(&def, test_zone_api(&zone), &test_alloc, &policy_data.calendar) != SLA_OK)
		return false;
	memset(policy_data.levels, 0, sizeof(policy_data.levels));
	for (i = 0; i < 3; i++)
	{
		policy_data.levels[i].id = i + 1;
		policy_data.levels[i].calendar_id = 7;
	}
	set_target(&policy_data.levels[0], SLA_M_FIRST_RESPONSE, 4);
	set_target(&policy_data.levels[0], SLA_M_NEXT_RESPONSE, 2);
	set_target(&policy_data.levels[0], SLA_M_PERIODIC_UPDATE, 8);
	set_target(&policy_data.levels[0], SLA_M_CHAT_RESPONSE, 1);
	set_target(&policy_data.levels[0], SLA_M_RESOLUTION, 16);
	set_target(&policy_data.levels[1], SLA_M_FIRST_RESPONSE, 1);
	set_target(&policy_data.levels[1], SLA_M_RESOLUTION, 8);
	set_target(&policy_data.levels[2], SLA_M_RESOLUTION, 4);
	return true;
}

/* ---------------------------------------------------------------- helpers */

#define CAP 64

typedef struct test_ticket
{
	sla_cf_ticket t;
	sla_cf_clock clocks[CAP];
	sla_cf_result r;
} test_ticket;

static void
ticket_init(test_ticket *tt)
{
	memset(tt, 0, sizeof(*tt));
	tt->t.clocks = tt->clocks;
	tt->t.capacity = CAP;
}

static sla_status
apply(test_ticket *tt, sla_fact f)
{
	return sla_clockflow_apply(&tt->t, &f, &policy, &tt->r);
}

static sla_fact
created(int64_t at, sla_lifecycle lc, int32_t level)
{
	sla_fact f = {SLA_FACT_CREATED, at, lc, level, SLA_AUTHOR_CUSTOMER, true, SLA_M_NEXT_RESPONSE};

	return f;
}

static sla_fact
message(int64_t at, sla_author author, bool is_public, sla_metric response)
{
	sla_fact f = {SLA_FACT_MESSAGE, at, SLA_LC_OPEN, 0, author, is_public, response};

	return f;
}

static sla_fact
lifecycle(int64_t at, sla_lifecycle lc)
{
	sla_fact f = {SLA_FACT_LIFECYCLE, at, lc, 0, SLA_AUTHOR_CUSTOMER, true, SLA_M_NEXT_RESPONSE};

	return f;
}

static sla_fact
level(int64_t at, int32_t id)
{
	sla_fact f = {SLA_FACT_LEVEL, at, SLA_LC_OPEN, id, SLA_AUTHOR_CUSTOMER, true, SLA_M_NEXT_RESPONSE};

	return f;
}

/* The clock of metric m and cycle, or NULL. */
static const sla_cf_clock *
clock_of(const test_ticket *tt, sla_metric m, int32_t cycle)
{
	int			i;

	for (i = 0; i < tt->t.nclocks; i++)
		if (tt->t.clocks[i].metric == m && tt->t.clocks[i].cycle == cycle)
			return &tt->t.clocks[i];
	return NULL;
}

static const char *
state_of(const test_ticket *tt, sla_metric m, int32_t cycle)
{
	const sla_cf_clock *c = clock_of(tt, m, cycle);

	return c ? sla_clock_state_name(c->state) : "none";
}

/* ---------------------------------------------------------------- exact cases */

/* Monday 2026-11-02 is a Monday. */
static void
test_new_ticket(void)
{
	test_ticket tt;
	const sla_cf_clock *c;

	ticket_init(&tt);
	CHECK(apply(&tt, created(utc(2026, 11, 2, 15, 0), SLA_LC_OPEN, 1)) == SLA_OK);
	CHECK_EQ_I64(tt.t.nclocks, 3);
	CHECK_EQ_I64(tt.r.n, 3);
	CHECK(tt.r.t[0].kind == SLA_TR_START && tt.r.t[0].after.metric == SLA_M_FIRST_RESPONSE);
	CHECK(tt.r.t[1].after.metric == SLA_M_PERIODIC_UPDATE && tt.r.t[2].after.metric == SLA_M_RESOLUTION);
	c = clock_of(&tt, SLA_M_FIRST_RESPONSE, 1);
	/* 15:00 + 4 business hours: 2 on Monday, 2 on Tuesday from 09:00 */
	CHECK_EQ_I64(c->due_at, utc(2026, 11, 3, 11, 0));
	c = clock_of(&tt, SLA_M_RESOLUTION, 1);
	CHECK_EQ_I64(c->due_at, utc(2026, 11, 4, 15, 0));
	CHECK_EQ_STR(state_of(&tt, SLA_M_RESOLUTION, 1), "running");
	CHECK(tt.t.tracked && tt.t.level_id == 1 && tt.t.lifecycle == SLA_LC_OPEN);
	/* a second creation of the same ticket moves nothing */
	CHECK(apply(&tt, created(utc(2026, 11, 2, 16, 0), SLA_LC_OPEN, 2)) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 0);
	CHECK_EQ_I64(tt.t.level_id, 1);
}

static void
test_no_level_and_untracked(void)
{
	test_ticket tt;

	ticket_init(&tt);
	/* facts about an untracked ticket move nothing */
	CHECK(apply(&tt, message(utc(2026, 11, 2, 9, 0), SLA_AUTHOR_AGENT, true, SLA_M_NEXT_RESPONSE)) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 0);
	CHECK(apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_OPEN, 0)) == SLA_OK);
	CHECK(tt.t.tracked);
	CHECK_EQ_I64(tt.t.nclocks, 0);
	CHECK(apply(&tt, message(utc(2026, 11, 2, 10, 0), SLA_AUTHOR_CUSTOMER, true, SLA_M_CHAT_RESPONSE)) == SLA_OK);
	CHECK_EQ_I64(tt.t.nclocks, 0);
	/* a rule gives it a level later: the clocks that level measures start then */
	CHECK(apply(&tt, level(utc(2026, 11, 2, 11, 0), 3)) == SLA_OK);
	CHECK_EQ_I64(tt.t.nclocks, 1);
	CHECK_EQ_I64(clock_of(&tt, SLA_M_RESOLUTION, 1)->started_at, utc(2026, 11, 2, 11, 0));
	CHECK_EQ_I64(clock_of(&tt, SLA_M_RESOLUTION, 1)->due_at, utc(2026, 11, 2, 15, 0));
	CHECK(tt.r.t[0].reason == SLA_R_LEVEL_CHANGED);
}

static void
test_replies(void)
{
	test_ticket tt;
	const sla_cf_clock *c;

	ticket_init(&tt);
	(void) apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_OPEN, 1));
	/* an internal note moves nothing */
	CHECK(apply(&tt, message(utc(2026, 11, 2, 10, 0), SLA_AUTHOR_AGENT, false, SLA_M_NEXT_RESPONSE)) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 0);
	/* the first public agent reply at 14:00: first_response met (due 13:00? no: 9+4 = 13:00 -> breached) */
	CHECK(apply(&tt, message(utc(2026, 11, 2, 14, 0), SLA_AUTHOR_AGENT, true, SLA_M_NEXT_RESPONSE)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_FIRST_RESPONSE, 1), "breached");
	c = clock_of(&tt, SLA_M_FIRST_RESPONSE, 1);
	CHECK_EQ_I64(c->used.usec, 5 * HOUR_US);
	CHECK_EQ_I64(c->stopped_at, utc(2026, 11, 2, 14, 0));
	/* the periodic update cycle 1 met, cycle 2 running from 14:00 */
	CHECK_EQ_STR(state_of(&tt, SLA_M_PERIODIC_UPDATE, 1), "met");
	CHECK_EQ_STR(state_of(&tt, SLA_M_PERIODIC_UPDATE, 2), "running");
	CHECK_EQ_I64(clock_of(&tt, SLA_M_PERIODIC_UPDATE, 2)->started_at, utc(2026, 11, 2, 14, 0));
	CHECK(tt.t.agent_replied && tt.r.conversation_changed);
	/* a customer message: next_response cycle 1 from 16:00, due 2 business hours later */
	CHECK(apply(&tt, message(utc(2026, 11, 2, 16, 0), SLA_AUTHOR_CUSTOMER, true, SLA_M_NEXT_RESPONSE)) == SLA_OK);
	CHECK_EQ_I64(clock_of(&tt, SLA_M_NEXT_RESPONSE, 1)->due_at, utc(2026, 11, 3, 10, 0));
	/* another customer message while one is running starts nothing */
	CHECK(apply(&tt, message(utc(2026, 11, 2, 16, 30), SLA_AUTHOR_CUSTOMER, true, SLA_M_NEXT_RESPONSE)) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 0);
	/* a chat message starts chat_response beside it */
	CHECK(apply(&tt, message(utc(2026, 11, 2, 16, 40), SLA_AUTHOR_CUSTOMER, true, SLA_M_CHAT_RESPONSE)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_CHAT_RESPONSE, 1), "running");
	/* the reply at 09:30 next day: next_response met, chat_response met at its due edge? 16:40 +1h = 09:40 */
	CHECK(apply(&tt, message(utc(2026, 11, 3, 9, 30), SLA_AUTHOR_AGENT, true, SLA_M_NEXT_RESPONSE)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_NEXT_RESPONSE, 1), "met");
	CHECK_EQ_STR(state_of(&tt, SLA_M_CHAT_RESPONSE, 1), "met");
	CHECK_EQ_STR(state_of(&tt, SLA_M_PERIODIC_UPDATE, 3), "running");
	/* stopped exactly at the due date is met */
	(void) apply(&tt, message(utc(2026, 11, 3, 10, 0), SLA_AUTHOR_CUSTOMER, true, SLA_M_NEXT_RESPONSE));
	(void) apply(&tt, message(utc(2026, 11, 3, 12, 0), SLA_AUTHOR_AGENT, true, SLA_M_NEXT_RESPONSE));
	CHECK_EQ_STR(state_of(&tt, SLA_M_NEXT_RESPONSE, 2), "met");
	CHECK_EQ_I64(clock_of(&tt, SLA_M_NEXT_RESPONSE, 2)->due_at, utc(2026, 11, 3, 12, 0));
}

static void
test_pause_and_resolution(void)
{
	test_ticket tt;
	const sla_cf_clock *c;

	ticket_init(&tt);
	(void) apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_OPEN, 1));
	/* paused Monday 11:00 to Tuesday 10:00: 7 business hours */
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 2, 11, 0), SLA_LC_PAUSED)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_RESOLUTION, 1), "paused");
	CHECK_EQ_STR(state_of(&tt, SLA_M_PERIODIC_UPDATE, 1), "paused");
	CHECK_EQ_STR(state_of(&tt, SLA_M_FIRST_RESPONSE, 1), "running");	/* responses do not pause */
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 3, 10, 0), SLA_LC_OPEN)) == SLA_OK);
	c = clock_of(&tt, SLA_M_RESOLUTION, 1);
	CHECK_EQ_I64(c->paused_for.usec, 7 * HOUR_US);
	/* 16h + 7h of 8h days from Monday 09:00: Wednesday 16:00 (2 days = 16h, +7h) */
	CHECK_EQ_I64(c->due_at, utc(2026, 11, 4, 16, 0));
	CHECK(tt.r.t[tt.r.n - 1].kind == SLA_TR_RESUME);
	CHECK_EQ_I64(tt.r.t[tt.r.n - 1].amount.usec, 7 * HOUR_US);
	/* solved: resolution met, first_response cancelled before a reply, periodic update cancelled */
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 3, 12, 0), SLA_LC_SOLVED)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_RESOLUTION, 1), "met");
	CHECK_EQ_STR(state_of(&tt, SLA_M_FIRST_RESPONSE, 1), "cancelled");
	CHECK_EQ_STR(state_of(&tt, SLA_M_PERIODIC_UPDATE, 1), "cancelled");
	CHECK_EQ_I64(clock_of(&tt, SLA_M_RESOLUTION, 1)->used.usec, 4 * HOUR_US);
	/* solved -> closed: nothing moves */
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 3, 13, 0), SLA_LC_CLOSED)) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 0);
	CHECK(tt.r.lifecycle_changed);
	/* reopened Wednesday 09:00: resolution runs on, the 5 business hours it stood closed not
	 * counted; a new periodic update cycle starts */
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 4, 9, 0), SLA_LC_OPEN)) == SLA_OK);
	c = clock_of(&tt, SLA_M_RESOLUTION, 1);
	CHECK_EQ_STR(sla_clock_state_name(c->state), "running");
	CHECK_EQ_I64(c->paused_for.usec, 12 * HOUR_US);
	CHECK_EQ_STR(state_of(&tt, SLA_M_PERIODIC_UPDATE, 2), "running");
}

static void
test_waiting_customer_and_reopen(void)
{
	test_ticket tt;

	ticket_init(&tt);
	(void) apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_OPEN, 1));
	(void) apply(&tt, message(utc(2026, 11, 2, 10, 0), SLA_AUTHOR_AGENT, true, SLA_M_NEXT_RESPONSE));
	(void) apply(&tt, lifecycle(utc(2026, 11, 2, 11, 0), SLA_LC_SOLVED));
	/* the customer writes while it is solved: remembered, nothing starts */
	CHECK(apply(&tt, message(utc(2026, 11, 2, 12, 0), SLA_AUTHOR_CUSTOMER, true, SLA_M_NEXT_RESPONSE)) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 0);
	CHECK(tt.t.customer_waiting && tt.t.customer_waiting_since == utc(2026, 11, 2, 12, 0));
	/* reopened at 12:05: next_response runs from the message */
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 2, 12, 5), SLA_LC_OPEN)) == SLA_OK);
	CHECK_EQ_I64(clock_of(&tt, SLA_M_NEXT_RESPONSE, 1)->started_at, utc(2026, 11, 2, 12, 0));
	CHECK(!tt.t.customer_waiting);
}

static void
test_reopened_unanswered(void)
{
	test_ticket tt;

	ticket_init(&tt);
	(void) apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_OPEN, 1));
	/* solved before any reply: first_response cancelled */
	(void) apply(&tt, lifecycle(utc(2026, 11, 2, 10, 0), SLA_LC_SOLVED));
	CHECK_EQ_STR(state_of(&tt, SLA_M_FIRST_RESPONSE, 1), "cancelled");
	/* the customer was not answered: reopened, a first response is owed again from the reopening */
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 2, 11, 0), SLA_LC_OPEN)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_FIRST_RESPONSE, 2), "running");
	CHECK_EQ_I64(clock_of(&tt, SLA_M_FIRST_RESPONSE, 2)->started_at, utc(2026, 11, 2, 11, 0));
	/* answered before: no first response again */
	(void) apply(&tt, message(utc(2026, 11, 2, 12, 0), SLA_AUTHOR_AGENT, true, SLA_M_NEXT_RESPONSE));
	(void) apply(&tt, lifecycle(utc(2026, 11, 2, 13, 0), SLA_LC_SOLVED));
	(void) apply(&tt, lifecycle(utc(2026, 11, 2, 14, 0), SLA_LC_OPEN));
	CHECK(clock_of(&tt, SLA_M_FIRST_RESPONSE, 3) == NULL);
}

/* A resolution clock reopened after its level's target was edited while it stood decided runs
 * on the target in force at the reopening (re-targeted, with the policy as reason); one whose
 * level lost the target is reopened and cancelled at once. */
static void
test_reopened_under_edited_policy(void)
{
	test_ticket tt;
	const sla_cf_clock *c;
	sla_cf_level saved = policy_data.levels[0];

	ticket_init(&tt);
	(void) apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_OPEN, 1));
	(void) apply(&tt, lifecycle(utc(2026, 11, 2, 11, 0), SLA_LC_SOLVED));
	CHECK_EQ_STR(state_of(&tt, SLA_M_RESOLUTION, 1), "met");
	/* while it is solved, standard's resolution target goes from 16h to 24h */
	set_target(&policy_data.levels[0], SLA_M_RESOLUTION, 24);
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 2, 13, 0), SLA_LC_OPEN)) == SLA_OK);
	c = clock_of(&tt, SLA_M_RESOLUTION, 1);
	CHECK_EQ_STR(sla_clock_state_name(c->state), "running");
	CHECK_EQ_I64(c->target.usec, 24 * HOUR_US);
	CHECK_EQ_I64(c->paused_for.usec, 2 * HOUR_US);
	/* 24h + 2h stood solved, of 8h days from Monday 09:00: Thursday 11:00 */
	CHECK_EQ_I64(c->due_at, utc(2026, 11, 5, 11, 0));
	CHECK(tt.r.t[0].kind == SLA_TR_REOPEN && tt.r.t[1].kind == SLA_TR_RETARGET);
	CHECK(tt.r.t[1].reason == SLA_R_POLICY_CHANGED);
	/* target removed while solved: reopened, then cancelled */
	(void) apply(&tt, lifecycle(utc(2026, 11, 2, 14, 0), SLA_LC_SOLVED));
	policy_data.levels[0].has_target[SLA_M_RESOLUTION] = false;
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 2, 15, 0), SLA_LC_OPEN)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_RESOLUTION, 1), "cancelled");
	CHECK(tt.r.t[0].kind == SLA_TR_REOPEN && tt.r.t[1].kind == SLA_TR_CANCEL);
	CHECK(tt.r.t[1].reason == SLA_R_TARGET_REMOVED);
	/* unchanged policy: a reopening records no re-target */
	policy_data.levels[0] = saved;
	ticket_init(&tt);
	(void) apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_OPEN, 1));
	(void) apply(&tt, lifecycle(utc(2026, 11, 2, 11, 0), SLA_LC_SOLVED));
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 2, 13, 0), SLA_LC_OPEN)) == SLA_OK);
	CHECK(tt.r.t[0].kind == SLA_TR_REOPEN && tt.r.t[1].kind != SLA_TR_RETARGET);
	policy_data.levels[0] = saved;
}

static void
test_solved_at_creation(void)
{
	test_ticket tt;

	ticket_init(&tt);
	CHECK(apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_SOLVED, 1)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_RESOLUTION, 1), "met");
	CHECK_EQ_STR(state_of(&tt, SLA_M_FIRST_RESPONSE, 1), "cancelled");
	CHECK_EQ_STR(state_of(&tt, SLA_M_PERIODIC_UPDATE, 1), "cancelled");
	CHECK(tt.t.lifecycle == SLA_LC_SOLVED);
	ticket_init(&tt);
	CHECK(apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_PAUSED, 1)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_RESOLUTION, 1), "paused");
	CHECK_EQ_STR(state_of(&tt, SLA_M_FIRST_RESPONSE, 1), "running");
}

static void
test_deleted_and_restored(void)
{
	test_ticket tt;

	ticket_init(&tt);
	(void) apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_OPEN, 1));
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 2, 10, 0), SLA_LC_DELETED)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_RESOLUTION, 1), "cancelled");
	CHECK(tt.r.t[0].reason == SLA_R_TICKET_DELETED);
	/* messages on a deleted ticket move nothing */
	CHECK(apply(&tt, message(utc(2026, 11, 2, 10, 30), SLA_AUTHOR_CUSTOMER, true, SLA_M_CHAT_RESPONSE)) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 0);
	/* restored at 11:00: tracked again from the restore */
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 2, 11, 0), SLA_LC_OPEN)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_RESOLUTION, 2), "running");
	CHECK_EQ_STR(state_of(&tt, SLA_M_FIRST_RESPONSE, 2), "running");
	CHECK_EQ_I64(clock_of(&tt, SLA_M_RESOLUTION, 2)->started_at, utc(2026, 11, 2, 11, 0));
	CHECK(tt.r.t[0].reason == SLA_R_TICKET_RESTORED);
	/* created deleted (spam): nothing runs until it is restored */
	ticket_init(&tt);
	CHECK(apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_DELETED, 1)) == SLA_OK);
	CHECK_EQ_I64(tt.t.nclocks, 0);
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 2, 9, 30), SLA_LC_OPEN)) == SLA_OK);
	CHECK_EQ_I64(tt.t.nclocks, 3);
	CHECK_EQ_I64(clock_of(&tt, SLA_M_FIRST_RESPONSE, 1)->started_at, utc(2026, 11, 2, 9, 30));
}

static void
test_level_change(void)
{
	test_ticket tt;
	const sla_cf_clock *c;

	ticket_init(&tt);
	(void) apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_OPEN, 1));
	/* gold: first_response 1h, resolution 8h from the clocks' start; no periodic update */
	CHECK(apply(&tt, level(utc(2026, 11, 2, 9, 30), 2)) == SLA_OK);
	c = clock_of(&tt, SLA_M_FIRST_RESPONSE, 1);
	CHECK_EQ_I64(c->due_at, utc(2026, 11, 2, 10, 0));
	CHECK_EQ_I64(c->level_id, 2);
	CHECK_EQ_STR(state_of(&tt, SLA_M_PERIODIC_UPDATE, 1), "cancelled");
	/* 8 business hours from Monday 09:00: the latest instant with that much open time before it,
	 * Tuesday 09:00 (business_add's definition) */
	CHECK_EQ_I64(clock_of(&tt, SLA_M_RESOLUTION, 1)->due_at, utc(2026, 11, 3, 9, 0));
	CHECK(tt.r.level_changed);
	CHECK(tt.r.t[0].kind == SLA_TR_RETARGET && tt.r.t[0].from_level == 1);
	/* back to standard: the periodic update the old level lacked starts at the change */
	CHECK(apply(&tt, level(utc(2026, 11, 2, 10, 0), 1)) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_PERIODIC_UPDATE, 2), "running");
	CHECK_EQ_I64(clock_of(&tt, SLA_M_PERIODIC_UPDATE, 2)->started_at, utc(2026, 11, 2, 10, 0));
	/* the same level again moves nothing */
	CHECK(apply(&tt, level(utc(2026, 11, 2, 11, 0), 1)) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 0);
	CHECK(!tt.r.level_changed);
	/* a level that does not exist moves nothing */
	CHECK(apply(&tt, level(utc(2026, 11, 2, 11, 0), 99)) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 0);
}

static void
test_policy_change(void)
{
	test_ticket tt;
	sla_fact f = {SLA_FACT_POLICY, utc(2026, 11, 2, 10, 0), SLA_LC_OPEN, 0, SLA_AUTHOR_CUSTOMER, true,
	SLA_M_NEXT_RESPONSE};

	ticket_init(&tt);
	(void) apply(&tt, created(utc(2026, 11, 2, 9, 0), SLA_LC_OPEN, 3));
	CHECK(apply(&tt, f) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 0);	/* nothing edited: nothing recorded */
	policy_data.levels[2].target[SLA_M_RESOLUTION] = hours(6);
	CHECK(apply(&tt, f) == SLA_OK);
	CHECK_EQ_I64(tt.r.n, 1);
	CHECK(tt.r.t[0].reason == SLA_R_POLICY_CHANGED);
	CHECK_EQ_I64(clock_of(&tt, SLA_M_RESOLUTION, 1)->due_at, utc(2026, 11, 2, 15, 0));
	/* the target removed: the running clock is cancelled */
	policy_data.levels[2].has_target[SLA_M_RESOLUTION] = false;
	CHECK(apply(&tt, f) == SLA_OK);
	CHECK_EQ_STR(state_of(&tt, SLA_M_RESOLUTION, 1), "cancelled");
	CHECK(tt.r.t[0].reason == SLA_R_TARGET_REMOVED);
	policy_data.levels[2].has_target[SLA_M_RESOLUTION] = true;
	policy_data.levels[2].target[SLA_M_RESOLUTION] = hours(4);
}

static void
test_late_instants_are_clamped(void)
{
	test_ticket tt;

	ticket_init(&tt);
	(void) apply(&tt, created(utc(2026, 11, 2, 12, 0), SLA_LC_OPEN, 1));
	/* a status change dated before the creation (an older transaction committing later) */
	CHECK(apply(&tt, lifecycle(utc(2026, 11, 2, 11, 0), SLA_LC_SOLVED)) == SLA_OK);
	CHECK_EQ_I64(clock_of(&tt, SLA_M_RESOLUTION, 1)->stopped_at, utc(2026, 11, 2, 12, 0));
	CHECK_EQ_I64(clock_of(&tt, SLA_M_RESOLUTION, 1)->used.usec, 0);
}

static void
test_names(void)
{
	int			i;

	for (i = 0; i < SLA_METRIC_COUNT; i++)
		CHECK_EQ_I64(sla_metric_from_text(sla_metric_name((sla_metric) i)), i);
	for (i = 0; i < SLA_LIFECYCLE_COUNT; i++)
		CHECK_EQ_I64(sla_lifecycle_from_text(sla_lifecycle_name((sla_lifecycle) i)), i);
	for (i = 0; i < SLA_CLOCK_STATE_COUNT; i++)
		CHECK_EQ_I64(sla_clock_state_from_text(sla_clock_state_name((sla_clock_state) i)), i);
	CHECK_EQ_I64(sla_metric_from_text("resolution_time"), -1);
	CHECK_EQ_I64(sla_lifecycle_from_text(NULL), -1);
	CHECK_EQ_STR(sla_reason_text(SLA_R_SOLVED_BEFORE_REPLY), "ticket solved before a reply");
	CHECK(sla_reason_text(SLA_R_NONE) == NULL);
	CHECK(sla_fact_rank(SLA_FACT_MESSAGE) < sla_fact_rank(SLA_FACT_LEVEL));
	CHECK(sla_fact_rank(SLA_FACT_LEVEL) < sla_fact_rank(SLA_FACT_LIFECYCLE));
}

/* ---------------------------------------------------------------- invariants, random facts */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t
rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t) (rng_state % n);
}

static void
check_invariants(const test_ticket *tt)
{
	int			active[SLA_METRIC_COUNT] = {0};
	int			i;

	for (i = 0; i < tt->t.nclocks; i++)
	{
		const sla_cf_clock *c = &tt->t.clocks[i];

		if (c->state == SLA_CS_RUNNING || c->state == SLA_CS_PAUSED)
			active[c->metric]++;
		CHECK(c->due_at >= c->started_at);
		CHECK(c->paused == (c->state == SLA_CS_PAUSED));
		CHECK(!c->paused || c->paused_since >= c->started_at);
		CHECK(c->stopped == (c->state == SLA_CS_MET || c->state == SLA_CS_BREACHED || c->state == SLA_CS_CANCELLED));
		CHECK(!c->stopped || c->stopped_at >= c->started_at);
		CHECK(sla_bi_is_nonnegative(c->paused_for));
		CHECK(c->state != SLA_CS_MET || c->stopped_at <= c->due_at);
		CHECK(c->state != SLA_CS_BREACHED || c->stopped_at > c->due_at);
		CHECK(c->state != SLA_CS_MET || sla_bi_is_nonnegative(c->used));
	}
	for (i = 0; i < SLA_METRIC_COUNT; i++)
		CHECK(active[i] <= 1);
	if (tt->t.lifecycle == SLA_LC_DELETED || tt->t.lifecycle == SLA_LC_SOLVED || tt->t.lifecycle == SLA_LC_CLOSED)
		for (i = 0; i < tt->t.nclocks; i++)
			CHECK(tt->t.clocks[i].state != SLA_CS_RUNNING && tt->t.clocks[i].state != SLA_CS_PAUSED);
}

static void
test_random_histories(void)
{
	int			run;
	int			before = unit_failed;

	for (run = 0; run < 2000 && unit_failed == before; run++)
	{
		test_ticket tt;
		int64_t		t = utc(2026, 11, 2, 0, 0) + (int64_t) rnd(7 * 24) * HOUR_US;
		int			k;

		ticket_init(&tt);
		CHECK(apply(&tt, created(t, (sla_lifecycle) rnd(SLA_LIFECYCLE_COUNT), (int32_t) rnd(4))) == SLA_OK);
		for (k = 0; k < 24 && tt.t.nclocks < CAP - SLA_CF_MAX_NEW_CLOCKS; k++)
		{
			sla_fact	f;

			/* sometimes a step back in time: transactions commit out of order */
			t += (int64_t) rnd(20 * 60) * MIN_US - (rnd(8) == 0 ? 90 * MIN_US : 0);
			switch (rnd(4))
			{
				case 0:
					f = lifecycle(t, (sla_lifecycle) rnd(SLA_LIFECYCLE_COUNT));
					break;
				case 1:
					f = level(t, (int32_t) rnd(4));
					break;
				default:
					f = message(t, rnd(2) ? SLA_AUTHOR_AGENT : SLA_AUTHOR_CUSTOMER, rnd(5) != 0,
								rnd(3) == 0 ? SLA_M_CHAT_RESPONSE : SLA_M_NEXT_RESPONSE);
			}
			CHECK(apply(&tt, f) == SLA_OK);
			CHECK(tt.r.n <= SLA_CF_MAX_TRANSITIONS);
			check_invariants(&tt);
		}
	}
}

/* sla_facts_sort_with moves each fact's payload with it (sla.replay_history keeps a fact's
 * logged values and version there): canonical order, stable within a rank. */
static void
test_sort_with_payload(void)
{
	int64_t		t = utc(2026, 11, 2, 9, 0);
	sla_fact	facts[5] = {lifecycle(t, SLA_LC_SOLVED), message(t, SLA_AUTHOR_AGENT, true, SLA_M_NEXT_RESPONSE),
	created(t - 1, SLA_LC_OPEN, 1), level(t, 2), message(t, SLA_AUTHOR_CUSTOMER, true, SLA_M_NEXT_RESPONSE)};
	int			tags[5] = {0, 1, 2, 3, 4};
	void	   *payload[5] = {&tags[0], &tags[1], &tags[2], &tags[3], &tags[4]};
	int			expect[5] = {2, 1, 4, 3, 0};
	int			i;

	sla_facts_sort_with(facts, payload, 5);
	for (i = 0; i < 5; i++)
		CHECK(*(int *) payload[i] == expect[i]);
	CHECK(facts[0].kind == SLA_FACT_CREATED && facts[1].author == SLA_AUTHOR_AGENT &&
		  facts[2].author == SLA_AUTHOR_CUSTOMER && facts[3].kind == SLA_FACT_LEVEL &&
		  facts[4].kind == SLA_FACT_LIFECYCLE);
}

void
test_clockflow(void)
{
	if (!make_policy())
	{
		CHECK(!"test calendar");
		return;
	}
	test_names();
	test_new_ticket();
	test_no_level_and_untracked();
	test_replies();
	test_pause_and_resolution();
	test_waiting_customer_and_reopen();
	test_solved_at_creation();
	test_reopened_unanswered();
	test_reopened_under_edited_policy();
	test_deleted_and_restored();
	test_level_change();
	test_policy_change();
	test_late_instants_are_clamped();
	test_random_histories();
	test_sort_with_payload();
	sla_calendar_free(policy_data.calendar);
}
