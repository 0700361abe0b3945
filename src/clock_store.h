/*
 * clock_store.h — where the clock model's state lives: a ticket's sla.ticket row and its
 * sla.clock rows read into clockflow's structures, and clockflow's transitions written back
 * (each clock change with its sla.event row in one prepared statement); the level cache the
 * policy is read from.
 *
 * Nothing here decides anything about time: src/core/clockflow.c does.  The caller is connected
 * to SPI; loading a ticket takes its sla.ticket row lock.
 */
#ifndef SLA_CLOCK_STORE_H
#define SLA_CLOCK_STORE_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "business_interval.h"
#include "clockflow.h"

/*
 * Before the engine writes a reference to an attachment, level or calendar: a shared lock on
 * that configuration row until the transaction ends, taken before the row is read from the
 * cache (config_guard.c explains how that keeps the references valid without foreign keys).
 */
extern void sla_engine_use_attachment(int32 id);
extern void sla_engine_use_level(int32 id);
extern void sla_engine_use_calendar(int32 id);

/* A level as clocks need it: calendar, warning share, the target of each metric it measures. */
typedef struct SlaLevel
{
	int32		id;
	int32		calendar_id;
	double		warning_fraction;	/* warning_percent / 100 */
	bool		has_target[SLA_METRIC_COUNT];
	sla_business_interval target[SLA_METRIC_COUNT];
} SlaLevel;

/* The level with this id, or NULL (for reading). */
extern SlaLevel *sla_level_get(int32 id);

/* The level with this id, locked with its calendar for the rest of the transaction (to write
 * references to them), as it is now; NULL when it no longer exists. */
extern SlaLevel *sla_level_use(int32 id);

/*
 * The policy version the levels above belong to (issue 12): the latest version this
 * transaction sees, or its own provisional (negative) number when it edited the configuration
 * itself (the numbering at commit rewrites the clocks and events carrying it).  0 before the
 * first version (or on the 0.1.0 schema).  Read with the level cache, so it costs nothing per
 * ticket: the configuration's invalidation reloads both.
 */
extern int32 sla_policy_version_in_force(void);

/* What the configuration edit being applied changed ("holiday added"), for the events of the
 * clocks it moves; NULL when not known.  Set and cleared by the re-targeting trigger. */
extern void sla_set_policy_change(const char *change);

/* Who holds the ticket, kept on sla.ticket and copied onto its clocks for the reports. */
typedef struct SlaSnapshot
{
	char	   *department;
	char	   *agent;
	char	   *requester;
} SlaSnapshot;

/*
 * A ticket's tracking state as stored: its sla.ticket row, its clocks (the core's model) and
 * who holds it.  clocks has room for the clocks one fact may start (clockflow.h).
 */
/*
 * The type the tracking tables store an attachment's ticket keys in (sla.attachment.key_type):
 * the host key's own type for int4, int8 and uuid, text for any other.  Each has its own set of
 * tables (sla.ticket_int8, sla.clock_int8, ...); SLA_KEY_TEXT also serves a 0.1.0 schema.
 */
typedef enum SlaKeyType
{
	SLA_KEY_INT4, SLA_KEY_INT8, SLA_KEY_UUID, SLA_KEY_TEXT,
	SLA_KEY_TYPES
} SlaKeyType;

/* "int4", "int8", "uuid", "text": the tables' suffix and the SQL type name */
extern const char *const sla_key_type_names[SLA_KEY_TYPES];

typedef struct SlaStoredTicket
{
	int32		attachment_id;
	char	   *key;
	SlaKeyType	key_type;		/* the attachment's: which tracking tables hold the ticket */
	sla_cf_ticket t;
	SlaSnapshot holder;
	bool		log_facts;		/* sla.fact exists (not a 0.1.0 schema awaiting its update) */
	int32		facts;			/* how many facts the log holds (the last one's seq) */
	/* the latest public message: the rules' last_message_author (customer, agent) and _at */
	char	   *last_message_author;
	bool		has_last_message_at;
	TimestampTz last_message_at;
	/* when its rules relative to now may next choose another level (src/rule_recheck.c) */
	bool		has_rules_recheck;
	TimestampTz rules_recheck_at;
	/* a new open ticket's rows may be written at the end of the INSERT statement, with the
	 * statement's other new tickets (new_ticket_batch.h); its clocks have no id until then */
	bool		may_queue;
} SlaStoredTicket;

/* Store when the ticket's rules are next due to run (has false: never), if that changed. */
extern void sla_stored_ticket_set_recheck(SlaStoredTicket *st, bool has, TimestampTz at);

/*
 * The breach check's claim of a ticket whose rules are due: its row locked, or false when
 * another transaction holds it (the next check retries), it is not tracked, or its rules are not
 * due by as_of; *at: the instant they were due.
 */
extern bool sla_ticket_claim_recheck(int32 attachment_id, const char *key, TimestampTz as_of, TimestampTz *at);

/* A ticket not tracked yet (its created fact comes next). */
extern void sla_stored_ticket_new(int32 attachment_id, const char *key, SlaStoredTicket *out);

/* The ticket's stored conversation (last_message_*), read without a lock; false when untracked. */
extern bool sla_stored_ticket_peek(int32 attachment_id, const char *key, SlaStoredTicket *out);

/* Lock the ticket's sla.ticket row (one writer per ticket at a time) and read it with its
 * clocks; false when the ticket is not tracked (then *out is an untracked ticket, ready for a
 * created fact). */
extern bool sla_stored_ticket_load(int32 attachment_id, const char *key, SlaStoredTicket *out);

/* The same without a lock: a look at the ticket's state (which a writer may be changing). */
extern bool sla_stored_ticket_read(int32 attachment_id, const char *key, SlaStoredTicket *out);

/* The same with the lock, unless another transaction holds it: never waits. */
typedef enum SlaTryLoad
{
	SLA_TICKET_LOCKED,			/* locked and read into *out */
	SLA_TICKET_BUSY,			/* another transaction holds it (*out: its state as last committed) */
	SLA_TICKET_ABSENT			/* not tracked */
} SlaTryLoad;
extern SlaTryLoad sla_stored_ticket_try_load(int32 attachment_id, const char *key, SlaStoredTicket *out);

/* A ticket a configuration edit could not lock: re-targeted by the next breach check
 * (sla.policy_retarget_pending; the earliest edit's instant is kept). */
extern void sla_policy_retarget_later(int32 attachment_id, const char *key, TimestampTz at);

/*
 * Write what one fact did: the transitions clockflow returned (each clock change with its
 * sla.event row, one statement each) and the ticket's row.  A new open ticket is one statement
 * for its row, its clocks and their events.  level_chosen: the rules' choice as JSON for the
 * level_chosen event, or NULL.
 */
/* A fact's row of the log (sla.fact), for the writer that can insert it along with its effects. */
typedef struct SlaFactRow
{
	int32		seq;
	TimestampTz at;
	const char *kind;
	Jsonb	   *detail;
} SlaFactRow;

/*
 * Write what applying a fact did: the transitions, the ticket row.  log: the fact's row of the
 * log, or NULL; returns whether it was written here (a new open ticket writes it in the same
 * statement as its state row and clocks), else the caller appends it (sla_fact_append).
 */
extern bool sla_stored_ticket_write(SlaStoredTicket *st, const sla_fact *fact, const sla_cf_result *result,
									Jsonb *level_chosen, const SlaFactRow *log);

/*
 * The messages of one statement, applied together (message_batch.c).  Whether the tracking
 * tables take statements on many tickets at once (not on Citus shards, nor on the 0.1.0 schema);
 * the tickets locked in key order and read in three statements (found[i]: keys[i] is tracked;
 * out[i].key is then its key as stored, which two keys of other spellings may share; such a
 * ticket knows no last message).
 */
extern bool sla_stored_tickets_batchable(void);
extern void sla_stored_tickets_lock(int32 attachment_id, char **keys, int n, SlaStoredTicket *out, bool *found);

/*
 * While writes are gathered, applying a message fact writes nothing: its clock starts and stops,
 * their events, the fact and the ticket's row are kept, and sla_writes_flush() writes them, one
 * statement per table.  Anything else a fact does is ungathered: the caller rewinds to the mark
 * it took before the ticket and applies that ticket's facts alone after the flush.
 * sla_writes_rank(place): the place in the statement of the fact applied next (the timeline's
 * order across tickets).
 */
typedef struct SlaWritesMark
{
	int			starts,
				stops,
				events,
				facts,
				tickets,
				ungathered;
} SlaWritesMark;
extern void sla_writes_gather(int32 attachment_id, SlaKeyType kt);
extern void sla_writes_rank(int64 place);
extern void sla_writes_mark(SlaWritesMark *mark);
extern bool sla_writes_gathered_since(const SlaWritesMark *mark);
extern void sla_writes_rewind(const SlaWritesMark *mark);
extern void sla_writes_flush(void);
/* Gathering (or its flush) ends without writing more: on an error, which rolls back what was. */
extern void sla_writes_abandon(void);
/*
 * While the gathered stops are written, the clocks' trigger (src/late_breach.c) leaves the event
 * of a late breach it records at at to the gathered writes: true when they will write it, in the
 * place kept before the stop's event (as when a stop is written alone), after the clocks.
 */
extern bool sla_late_breach_gathered(int64 clock_id, TimestampTz at);
/* A late breach's event detail, as SQL of its metric, due time and stop (both writers use it). */
#define SLA_LATE_BREACH_DETAIL(metric, due_at, stopped_at) \
	"pg_catalog.jsonb_build_object('metric', " metric ", 'due_at', " due_at ", 'stopped_at', " stopped_at ")"

/* Write the new tickets an INSERT statement queued (new_ticket_batch.c builds the arrays), or
 * the one it queued, by the statement a new open ticket writes alone. */
extern void sla_new_tickets_write(SlaKeyType kt, Datum *values, const char *nulls);
extern void sla_new_ticket_write_one(SlaKeyType kt, Datum *values, const char *nulls);

/* The OID of sla.business_interval. */
extern Oid	sla_business_interval_type(void);

/* A ticket's key changed in the host table: its tracking rows follow (a key_changed event);
 * false when it was not tracked.  23505 when the new key is tracked already. */
extern bool sla_stored_ticket_rekey(int32 attachment_id, const char *from, const char *to, TimestampTz at);

/* The fact log (sla.fact). */
extern void sla_fact_append(SlaStoredTicket *st, int32 seq, TimestampTz at, const char *kind, Jsonb *detail);
/* Each logged fact of the ticket in seq order: kinds[i], instants[i], details[i] (JSON text). */
extern int	sla_facts_load(SlaStoredTicket *st, char ***kinds, TimestampTz **instants, char ***details);
/* The kinds of the facts logged at instant at. */
extern int	sla_fact_kinds_at(SlaStoredTicket *st, TimestampTz at, char ***kinds);

/* Replay's reconciling writes: a clock's model columns set as given (by id), a clock inserted
 * with them (returns its id), a clock removed with its events, the model's events of an instant
 * removed, and a transition's event written alone. */
extern void sla_clock_replace(SlaStoredTicket *st, const sla_cf_clock *stored, sla_cf_clock *c);
extern int64 sla_clock_insert(SlaStoredTicket *st, sla_cf_clock *c);
extern void sla_clock_delete(SlaStoredTicket *st, int64 id);
extern void sla_events_delete_at(SlaStoredTicket *st, TimestampTz at);
extern void sla_transition_event_write(SlaStoredTicket *st, const sla_cf_transition *tr, int64 clock_id,
									   int32 from_version);
/* A clock's start takes its place in the timeline now (clock.started_pos); a place for an entry
 * sla.explain derives (the rules' choice): a number from sla.event's sequence. */
extern void sla_clock_started_here(SlaStoredTicket *st, int64 clock_id);
extern int64 sla_timeline_position(void);
/* The ticket's row as it is in st (after a replay). */
extern void sla_stored_ticket_write_row(SlaStoredTicket *st);

/* The ticket's holder changed: its row and its running clocks say so; logs 'reassigned'. */
extern void sla_stored_ticket_reassign(SlaStoredTicket *st, TimestampTz at, const SlaSnapshot *now);

/* An administrative cancel of one clock by id (TRUNCATE or DROP of the ticket table). */
/* What the breach check claims of a clock (src/sql/80_breach.sql). */
typedef enum SlaCrossing
{
	SLA_CROSS_WARNING,			/* its warning instant passed: warned_at */
	SLA_CROSS_BREACH,			/* its due time passed: breach_seen_at */
	SLA_CROSS_LATE_BREACH		/* a late stop recorded its breach: its escalations are pending */
} SlaCrossing;

/*
 * The breach check's claim of a crossing of one clock: true, with its due time, when this
 * transaction locked it and marked it crossed as of as_of (for a late breach: its escalations
 * taken); false when it is gone, not running, marked already, or locked by another checker
 * (skipped, not waited for).
 */
extern bool sla_clock_claim_crossing(int32 attachment_id, const char *key, int64 clock_id, SlaCrossing kind,
									 TimestampTz as_of, TimestampTz *due_at);
/*
 * The breach check's claim of the next escalation step of one running clock whose step instant
 * is before as_of: true, with its share of the target (numeric), when this transaction locked it
 * and recorded the step (the clock's trigger then finds the next one); false otherwise.
 */
extern bool sla_clock_claim_step(int32 attachment_id, const char *key, int64 clock_id, TimestampTz as_of,
								 Datum *percent);
extern void sla_clock_cancel_by_id(int64 clock_id, TimestampTz at, sla_reason reason);

/* Append an sla.event row; detail is JSON text or NULL. */
extern void sla_log_event(int32 attachment_id, const char *key, int64 clock_id, TimestampTz at,
						  const char *kind, const char *detail);

/* The policy in force, for clockflow: levels through sla_level_use, calendars by id. */
extern const sla_cf_policy *sla_engine_policy(void);

/* The instant the level's warning share of the clock's allowed business time is used up. */
extern TimestampTz sla_clock_warn_at(TimestampTz started_at, TimestampTz due_at,
									 sla_business_interval paused_for, int32 calendar_id,
									 double warning_fraction);

/* Calendar arithmetic on a calendar id, with the SQL functions' errors. */
extern TimestampTz sla_business_add_on(int32 calendar_id, TimestampTz t, sla_business_interval d);
extern sla_business_interval sla_business_between_on(int32 calendar_id, TimestampTz a, TimestampTz b);

#endif
