/*
 * new_ticket_batch.h — the new tickets of one INSERT statement on an attached ticket table,
 * queued by its row trigger and written at the statement's end in one statement (their state
 * rows, created facts and clocks), instead of one statement per ticket.
 *
 * The queue is an optimisation with one guarantee: no tracking row is ever read before it is
 * written.  Every other statement the engine runs writes the queue first (clock_store.c's
 * run()); the statement trigger sla_ticket_statement_end writes it at the end of the INSERT; a
 * transaction that would commit with rows still queued fails instead of losing them
 * (statement_queue.h: the rules every such queue follows).
 */
#ifndef SLA_NEW_TICKET_BATCH_H
#define SLA_NEW_TICKET_BATCH_H

#include "postgres.h"

#include "utils/relcache.h"

#include "clock_store.h"

/* Whether rel's INSERT statements end with sla's statement trigger (enabled for this session's
 * replication role): only then may its row trigger queue a new ticket. */
extern bool sla_new_tickets_may_queue(Relation rel);

/*
 * Queue one new open ticket: its state row, its created fact (seq 0: none), its n clocks.
 * false when it cannot be queued here (another attachment's or key type's tickets are queued,
 * or the queue was written in a subtransaction still open): the caller writes it itself.
 * The datums are copied.
 */
typedef struct SlaQueuedClock
{
	Datum		metric;			/* text */
	Datum		target;			/* business_interval */
	TimestampTz due_at;
	TimestampTz warn_at;
} SlaQueuedClock;

extern bool sla_new_ticket_queue(const SlaStoredTicket *st, int32 level_id, int32 calendar_id, TimestampTz at,
								 const SlaFactRow *log, int32 version, const SlaQueuedClock *clocks, int n);

/* Write every queued ticket now (the caller is connected to SPI); nothing when none. */
extern void sla_new_tickets_flush(void);

/* Whether the queue holds as many tickets as one write takes (SLA_QUEUE_TICKETS): the row
 * trigger writes it then, so that a statement of millions of rows keeps its memory bounded. */
#define SLA_QUEUE_TICKETS 10000
extern bool sla_new_tickets_queue_full(void);

/* Whether tickets are queued and not written yet. */
extern bool sla_new_tickets_queued(void);

#endif							/* SLA_NEW_TICKET_BATCH_H */
