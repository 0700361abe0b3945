/*
 * clockflow.h — the one clock model of the SLA engine, free of PostgreSQL.
 *
 * Given a ticket's state (its lifecycle, level, who spoke last, and its clocks), one fact about
 * the ticket and the policy in force (levels with their targets and calendars, reached through
 * callbacks), sla_clockflow_apply() moves the clocks and returns the transitions it made, each
 * with its reason.  Every path of the engine calls it — the ticket and message triggers, backfill,
 * re-targeting after configuration edits, escalations — so the rules of time exist once.
 *
 * Everything is decided here: which clocks start, pause, resume, stop (met or breached), are
 * cancelled, reopened or re-targeted, their due dates and the business time they used.  The glue
 * only persists the transitions (src/ticket_flow.c applies a fact, src/clock_store.c writes) and adds what is not about time (the
 * department and agent snapshot on each clock).
 *
 * Instants are microseconds since 2000-01-01 UTC, as everywhere in the core.  Enums inside,
 * names at the edge: sla_clockflow_*_name() give the text the SQL surface uses.
 */
#ifndef SLA_CLOCKFLOW_H
#define SLA_CLOCKFLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "business_interval.h"
#include "sla_status.h"

/* The metrics, in the order of the sla.metric enum. */
typedef enum sla_metric
{
	SLA_M_FIRST_RESPONSE,
	SLA_M_NEXT_RESPONSE,
	SLA_M_PERIODIC_UPDATE,
	SLA_M_CHAT_RESPONSE,
	SLA_M_CALL_RESPONSE,
	SLA_M_RESOLUTION,
	SLA_METRIC_COUNT
} sla_metric;

/* A ticket's lifecycle, the value sla.status_map maps a status to. */
typedef enum sla_lifecycle
{
	SLA_LC_OPEN,
	SLA_LC_PAUSED,
	SLA_LC_SOLVED,
	SLA_LC_CLOSED,
	SLA_LC_DELETED,
	SLA_LIFECYCLE_COUNT
} sla_lifecycle;

typedef enum sla_clock_state
{
	SLA_CS_RUNNING,
	SLA_CS_PAUSED,
	SLA_CS_MET,
	SLA_CS_BREACHED,
	SLA_CS_CANCELLED,
	SLA_CLOCK_STATE_COUNT
} sla_clock_state;

typedef enum sla_author
{
	SLA_AUTHOR_CUSTOMER,
	SLA_AUTHOR_AGENT
} sla_author;

/* A level as the clocks need it (a copy: the caller's caches may be reset meanwhile). */
typedef struct sla_cf_level
{
	int32_t		id;
	int32_t		calendar_id;
	bool		has_target[SLA_METRIC_COUNT];
	sla_business_interval target[SLA_METRIC_COUNT];
} sla_cf_level;

/*
 * The policy in force.  Each callback returns SLA_OK or a status the caller reports; level()
 * returns false when the level no longer exists (its clocks are then left as they are by a fact
 * naming it, see SLA_FACT_LEVEL).  The glue's callbacks may raise errors instead of returning
 * them: clockflow holds nothing that needs releasing.
 */
typedef struct sla_cf_policy
{
	void	   *ctx;
	bool		(*level) (void *ctx, int32_t level_id, sla_cf_level *out);
	sla_status	(*business_add) (void *ctx, int32_t calendar_id, int64_t t, sla_business_interval d,
								 int64_t *out);
	sla_status	(*business_between) (void *ctx, int32_t calendar_id, int64_t a, int64_t b,
									 int64_t *out);
} sla_cf_policy;

/* One clock: a row of sla.clock. */
typedef struct sla_cf_clock
{
	int64_t		id;				/* the glue's; 0 for a clock started by this call */
	sla_metric	metric;
	int32_t		cycle;			/* 1, 2, ... per ticket and metric */
	int32_t		level_id;
	int32_t		calendar_id;
	sla_business_interval target;
	int64_t		started_at;
	int64_t		due_at;			/* business_add(started_at, target + paused_for) */
	bool		paused;			/* paused_since is set */
	int64_t		paused_since;
	sla_business_interval paused_for;	/* business time it stood paused (or solved) */
	bool		stopped;		/* stopped_at is set */
	int64_t		stopped_at;
	sla_business_interval used;	/* met / breached: business time used */
	sla_clock_state state;
	/* The glue's, like id: the policy version the clock's terms (level, calendar, target) were
	 * set under (sla.clock.policy_version; 0: not known).  clockflow copies it untouched, so a
	 * re-targeted clock still carries the version it ran under until the glue writes the new one;
	 * a clock started by this call has 0. */
	int32_t		policy_version;
	/* The glue's too: the due date and target as last written to the row, so that the event of
	 * a transition that moves them can name the values before (as-of reports read them). */
	int64_t		stored_due_at;
	sla_business_interval stored_target;
} sla_cf_clock;

/* Room clockflow needs beyond a ticket's clocks for the clocks one fact may start. */
#define SLA_CF_MAX_NEW_CLOCKS (2 * SLA_METRIC_COUNT)

/* A ticket as the clocks see it: a row of sla.ticket and its clocks, oldest first. */
typedef struct sla_cf_ticket
{
	bool		tracked;		/* false until a SLA_FACT_CREATED */
	int32_t		level_id;		/* 0: no level (nothing is measured) */
	sla_lifecycle lifecycle;
	bool		agent_replied;	/* a public agent message has been seen */
	bool		customer_waiting;	/* a customer wrote while it was solved or closed */
	int64_t		customer_waiting_since;
	/* The instant of the latest fact applied: a later fact dated earlier (its transaction began
	 * first but committed last) takes effect at this instant instead, so no clock ever moves
	 * back in time.  has_last_at is false for a ticket tracked before 0.2.0. */
	bool		has_last_at;
	int64_t		last_at;
	int			nclocks;
	int			capacity;		/* of clocks: nclocks + SLA_CF_MAX_NEW_CLOCKS at least */
	sla_cf_clock *clocks;
} sla_cf_ticket;

typedef enum sla_fact_kind
{
	SLA_FACT_CREATED,			/* the ticket appears: at, lifecycle, level_id (0: none) */
	SLA_FACT_MESSAGE,			/* a published message: at, author, is_public, response */
	SLA_FACT_LIFECYCLE,			/* the lifecycle changes: at, lifecycle */
	SLA_FACT_LEVEL,				/* the rules or an escalation give another level: at, level_id */
	SLA_FACT_POLICY				/* the level's targets or calendar were edited: at */
} sla_fact_kind;

typedef struct sla_fact
{
	sla_fact_kind kind;
	int64_t		at;
	sla_lifecycle lifecycle;
	int32_t		level_id;
	sla_author	author;
	bool		is_public;
	/* which clock a customer message starts: next_response, or chat/call_response by channel */
	sla_metric	response;
} sla_fact;

/*
 * Facts with the same instant apply in this order, whatever order the helpdesk wrote them in:
 * messages, then attribute (level) changes, then lifecycle changes.  A reply saved in the same
 * transaction as the close counts as the reply.
 */
int			sla_fact_rank(sla_fact_kind kind);

/* The instant a fact takes effect on a ticket: its own, or the ticket's latest fact's when that
 * is later (see has_last_at). */
int64_t		sla_clockflow_effective_at(const sla_cf_ticket *ticket, const sla_fact *fact);

/* Sort facts into the order they apply: by instant, then rank, then the order given (stable). */
void		sla_facts_sort(sla_fact *facts, int n);

/* The same, moving payload[i] (the caller's, one per fact; NULL: none) along with facts[i]. */
void		sla_facts_sort_with(sla_fact *facts, void **payload, int n);

typedef enum sla_transition_kind
{
	SLA_TR_START,
	SLA_TR_PAUSE,
	SLA_TR_RESUME,
	SLA_TR_STOP,				/* met or breached: the clock's state says which */
	SLA_TR_CANCEL,
	SLA_TR_REOPEN,				/* a stopped resolution clock runs (or stands paused) again */
	SLA_TR_RETARGET				/* another level's target (or the edited one) from its start */
} sla_transition_kind;

typedef enum sla_reason
{
	SLA_R_NONE,
	SLA_R_TICKET_CREATED,
	SLA_R_CUSTOMER_MESSAGE,
	SLA_R_CUSTOMER_WAITING,		/* next_response from a message written while solved */
	SLA_R_AGENT_REPLY,
	SLA_R_AGENT_UPDATE,			/* periodic_update: the next cycle after an agent update */
	SLA_R_TICKET_PAUSED,
	SLA_R_TICKET_OPENED,
	SLA_R_TICKET_SOLVED,
	SLA_R_TICKET_CLOSED,
	SLA_R_SOLVED_BEFORE_REPLY,
	SLA_R_CLOSED_BEFORE_REPLY,
	SLA_R_TICKET_DELETED,
	SLA_R_TICKET_REOPENED,
	SLA_R_TICKET_RESTORED,		/* back from deleted */
	SLA_R_LEVEL_CHANGED,
	SLA_R_NO_TARGET,			/* the level in force has no target for the clock's metric */
	SLA_R_POLICY_CHANGED,
	SLA_R_TARGET_REMOVED,		/* the clock's level no longer has a target for its metric */
	SLA_R_TABLE_TRUNCATED,		/* administrative cancels (sla_clockflow_cancel) */
	SLA_R_TABLE_DROPPED,
	SLA_REASON_COUNT
} sla_reason;

typedef struct sla_cf_transition
{
	sla_transition_kind kind;
	sla_reason	reason;
	int			clock;			/* index into the ticket's clocks */
	int64_t		at;				/* the instant it took effect (never before the clock's last one) */
	int32_t		from_level;		/* SLA_TR_RETARGET: the level it ran under before */
	sla_business_interval amount;	/* RESUME: the pause; REOPEN: the time it stood stopped */
	sla_cf_clock after;			/* the clock as this transition left it */
} sla_cf_transition;

#define SLA_CF_MAX_TRANSITIONS (4 * SLA_METRIC_COUNT + 8)

typedef struct sla_cf_result
{
	int			n;
	sla_cf_transition t[SLA_CF_MAX_TRANSITIONS];
	/* which fields of the ticket the fact changed (the glue writes only those) */
	bool		lifecycle_changed;
	bool		level_changed;
	bool		conversation_changed;	/* agent_replied, customer_waiting(_since) */
	bool		last_at_changed;
} sla_cf_result;

/*
 * Apply one fact.  ticket->clocks must have room for SLA_CF_MAX_NEW_CLOCKS more clocks (new
 * clocks are appended).  On SLA_OK the ticket and its clocks are the state after the fact and
 * *result lists the transitions in the order they happened.  A fact that changes nothing
 * returns SLA_OK with no transitions.  Other statuses come from the policy's callbacks (a due
 * date beyond the timestamp range: SLA_EOVERFLOW); the ticket is then in an unspecified state.
 */
sla_status	sla_clockflow_apply(sla_cf_ticket *ticket, const sla_fact *fact, const sla_cf_policy *policy,
								sla_cf_result *result);

/*
 * Replay: a ticket's logged facts played again from nothing, in canonical order, under the policy
 * given — the clocks they give under that policy, held in memory and written nowhere.  The
 * ticket and message triggers' out-of-order path (src/ticket_flow.c) and sla.replay
 * (src/replay.c) both play a log this way, so a replay is the live engine's arithmetic.
 */

/* Whether a log (in arrival order) holds a ticket's whole history: it begins with the ticket's
 * created fact.  A ticket tracked before 0.2.0 has no log, or one that begins later. */
bool		sla_facts_replayable(const sla_fact *facts, int n);

typedef struct sla_cf_play
{
	void	   *ctx;
	/* ticket->clocks must have room for need clocks: grow it (false: SLA_ENOMEM) */
	bool		(*room) (void *ctx, sla_cf_ticket *ticket, int need);
	/* when not NULL: the transitions of each fact, as it is applied */
	void		(*each) (void *ctx, const sla_fact *fact, const sla_cf_result *result);
	sla_cf_result *scratch;		/* room for one fact's result */
} sla_cf_play;

/*
 * Sort the facts (in place) and apply them in that order to *ticket, which must be untracked
 * and without clocks (zeroed but for clocks and capacity).  SLA_OK, or the first failing status
 * of clockflow or the policy's callbacks.
 */
sla_status	sla_clockflow_play(sla_cf_ticket *ticket, sla_fact *facts, int n, const sla_cf_policy *policy,
							   const sla_cf_play *play);

/*
 * Cancel one active clock outside any ticket history (its table was truncated or dropped): the
 * transition in *out, dated no earlier than the clock's latest instant.  False when the clock is
 * not running or paused.
 */
bool		sla_clockflow_cancel(sla_cf_clock *clock, int64_t at, sla_reason reason, sla_cf_transition *out);

/* Text at the edge: the SQL names of the enums, and back (-1: unknown name). */
const char *sla_metric_name(sla_metric m);
int			sla_metric_from_text(const char *name);
const char *sla_lifecycle_name(sla_lifecycle lc);
int			sla_lifecycle_from_text(const char *name);
const char *sla_clock_state_name(sla_clock_state s);
int			sla_clock_state_from_text(const char *name);
const char *sla_transition_event(sla_transition_kind kind);	/* sla.event kind */
const char *sla_reason_text(sla_reason reason);		/* NULL for SLA_R_NONE */

#endif							/* SLA_CLOCKFLOW_H */
