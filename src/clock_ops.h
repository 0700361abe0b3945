/*
 * clock_ops.h — the engine's writes in C: the SLA clock primitives (start, pause, resume, stop,
 * cancel a clock, each writing its sla.clock change and its sla.event row in one prepared
 * statement) and the per-ticket state row of sla.ticket.
 *
 * The triggers call them directly; the SQL functions sla.start_clock, sla.pause_clock, ... wrap
 * them for the PL/pgSQL parts of the engine (ticket updates, backfill, escalations), so every
 * path moves clocks the same way.  The caller is connected to SPI and holds the ticket's
 * sla.ticket row lock (or has just inserted that row).
 */
#ifndef SLA_CLOCK_OPS_H
#define SLA_CLOCK_OPS_H

#include "postgres.h"

#include "utils/timestamp.h"

#include "business_interval.h"

/*
 * Before the engine writes a reference to an attachment, level or calendar: a shared lock on
 * that configuration row until the transaction ends, taken before the row is read from the
 * cache (config_guard.c explains how that keeps the references valid without foreign keys).
 */
extern void sla_engine_use_attachment(int32 id);
extern void sla_engine_use_level(int32 id);
extern void sla_engine_use_calendar(int32 id);

/* The values of the sla.metric enum, in its order. */
typedef enum SlaMetric
{
	METRIC_FIRST_RESPONSE, METRIC_NEXT_RESPONSE, METRIC_PERIODIC_UPDATE, METRIC_CHAT_RESPONSE,
	METRIC_CALL_RESPONSE, METRIC_RESOLUTION,
	METRIC_COUNT
} SlaMetric;

extern const char *const sla_metric_names[METRIC_COUNT];
extern SlaMetric sla_metric_from_name(const char *name);

/* A level as clocks need it: calendar, warning share, the target of each metric it measures. */
typedef struct SlaLevel
{
	int32		id;
	int32		calendar_id;
	double		warning_fraction;	/* warning_percent / 100 */
	bool		has_target[METRIC_COUNT];
	sla_business_interval target[METRIC_COUNT];
} SlaLevel;

/* The level with this id, or NULL (for reading). */
extern SlaLevel *sla_level_get(int32 id);

/* The level with this id, locked with its calendar for the rest of the transaction (to write
 * references to them), as it is now; NULL when it no longer exists. */
extern SlaLevel *sla_level_use(int32 id);

/* Who holds the ticket, copied onto its clocks for the reports. */
typedef struct SlaSnapshot
{
	char	   *department;
	char	   *agent;
	char	   *requester;
} SlaSnapshot;

/* One sla.clock row. */
typedef struct SlaClock
{
	int64		id;
	int32		attachment_id;
	char	   *ticket_key;
	SlaMetric	metric;
	int32		cycle;
	int32		level_id;
	int32		calendar_id;
	sla_business_interval target;
	TimestampTz started_at;
	TimestampTz due_at;
	bool		paused;			/* paused_since is set */
	TimestampTz paused_since;
	sla_business_interval paused_for;
	bool		stopped;		/* stopped_at is set */
	TimestampTz stopped_at;
	char		state[16];		/* running, paused, met, breached, cancelled */
	SlaSnapshot snapshot;
} SlaClock;

#define SLA_CLOCK_ACTIVE(c) (strcmp((c)->state, "running") == 0 || strcmp((c)->state, "paused") == 0)

/*
 * Start a clock of a metric when the level has a target for it: fills *out and returns true.
 * cycle 0: the next cycle after the ticket's last clock of that metric.
 */
extern bool sla_clock_start(int32 attachment_id, const char *key, int32 level_id, SlaMetric metric,
							TimestampTz at, const SlaSnapshot *snapshot, int32 cycle, SlaClock *out);

/* Each does nothing when the clock is not in a state it applies to (as its SQL twin). */
extern void sla_clock_pause(SlaClock *clock, TimestampTz at);
extern void sla_clock_resume(SlaClock *clock, TimestampTz at);
extern void sla_clock_stop(SlaClock *clock, TimestampTz at);	/* resumes first if paused */
extern void sla_clock_cancel(SlaClock *clock, TimestampTz at, const char *reason);
/* A stopped resolution clock of a reopened ticket runs (or stands paused) again; the business
 * time it stood stopped is added to its paused time. */
extern void sla_clock_reopen(SlaClock *clock, TimestampTz at, bool paused);
/* Move an active clock to another level's target, from its start, keeping its paused time;
 * cancelled when that level has no target for its metric. */
extern void sla_clock_retarget(SlaClock *clock, int32 level_id, TimestampTz at);
extern void sla_ticket_retarget(int32 attachment_id, const char *key, int32 level_id, TimestampTz at);
/* Running clocks follow the ticket's new department and agent; logs 'reassigned'. */
extern void sla_ticket_reassign(int32 attachment_id, const char *key, TimestampTz at, const char *department,
								const char *agent, const char *from_department, const char *from_agent);

/* The clocks of a ticket, oldest first (count in *n). */
extern SlaClock *sla_ticket_clocks(int32 attachment_id, const char *key, int *n);

/* Append an sla.event row; detail is JSON text or NULL. */
extern void sla_log_event(int32 attachment_id, const char *key, int64 clock_id, TimestampTz at,
						  const char *kind, const char *detail);

/* A ticket's row in sla.ticket. */
typedef struct SlaTicketState
{
	int32		level_id;		/* 0: none */
	char		lifecycle[16];
	bool		agent_replied;
	bool		customer_waiting;
	TimestampTz customer_waiting_since;
} SlaTicketState;

/*
 * A new ticket arriving open, in one statement: its sla.ticket row, its first_response,
 * periodic_update and resolution clocks (those the level measures) and its level_chosen and
 * clock_started events.  level is locked (sla_level_use); level_chosen is the event's JSON.
 */
extern void sla_ticket_start_open(int32 attachment_id, const char *key, SlaLevel *level, TimestampTz at,
								  const SlaSnapshot *snapshot, const char *level_chosen);

extern void sla_ticket_state_insert(int32 attachment_id, const char *key, int32 level_id, const char *lifecycle);
/* Lock the ticket's row (one writer per ticket at a time) and read it; false when untracked. */
extern bool sla_ticket_state_lock(int32 attachment_id, const char *key, SlaTicketState *out);
extern void sla_ticket_state_replied(int32 attachment_id, const char *key);
/* A customer has been waiting for an answer since `since` while the ticket was solved or closed. */
extern void sla_ticket_state_waiting(int32 attachment_id, const char *key, TimestampTz since);
/* Nobody is waiting any more. */
extern void sla_ticket_state_clear_waiting(int32 attachment_id, const char *key);
extern void sla_ticket_state_set_lifecycle(int32 attachment_id, const char *key, const char *lifecycle);
extern void sla_ticket_state_set_level(int32 attachment_id, const char *key, int32 level_id);

/* The instant the level's warning share of the clock's allowed business time is used up. */
extern TimestampTz sla_clock_warn_at(TimestampTz started_at, TimestampTz due_at,
									 sla_business_interval paused_for, int32 calendar_id,
									 double warning_fraction);

/* Calendar arithmetic on a calendar id, with the SQL functions' errors. */
extern TimestampTz sla_business_add_on(int32 calendar_id, TimestampTz t, sla_business_interval d);
extern sla_business_interval sla_business_between_on(int32 calendar_id, TimestampTz a, TimestampTz b);

#endif
