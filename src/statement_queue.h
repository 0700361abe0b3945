/*
 * statement_queue.h — work a row trigger queues for its statement's end, where a statement
 * trigger does it for all the rows at once: the new tickets of one INSERT (new_ticket_batch.c),
 * the messages of one INSERT (message_batch.c).
 *
 * Every queue keeps one guarantee: no tracking row is read before the work queued ahead of it is
 * done.  The engine's statements do the queued work first (clock_store.c's run()); the
 * statement trigger does it at the end of the statement; a transaction that would commit with
 * work still queued fails instead of losing it.
 *
 * The subtransaction rules, the same for every queue: the entries were queued in one
 * subtransaction (the owner), the one their host rows were written in.  When the engine needs
 * the tracking tables in a deeper subtransaction (a host trigger with an exception block that
 * writes a message), the queue is done there, and kept: if that subtransaction rolls back, the
 * work is done again by the owner's statement trigger; once it belongs to the owner's
 * subtransaction (done there, or committed up into it) the queue is emptied.  A rolled back
 * owner drops its queue with its host rows.
 */
#ifndef SLA_STATEMENT_QUEUE_H
#define SLA_STATEMENT_QUEUE_H

#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "utils/relcache.h"

typedef struct SlaStatementQueue
{
	/* set once, by the queue's module */
	const char *what;			/* "new tickets", "messages": for the commit-time error */
	const char *function;		/* the statement trigger's function in sla's schema */
	const char *trigger;		/* the trigger's name, as sla.attach() creates it */
	void		(*on_forget) (void);	/* reset the module's own arrays */

	/* kept by statement_queue.c */
	int			count;			/* entries queued */
	SubTransactionId owner;
	SubTransactionId done_in;	/* InvalidSubTransactionId: not done yet */
	MemoryContext context;		/* the entries' memory, in the transaction's */
	Oid			function_oid;
	uint64		function_generation;
	struct SlaStatementQueue *next;
} SlaStatementQueue;

/* Whether entries wait to be done. */
extern bool sla_queue_pending(const SlaStatementQueue *q);

/*
 * Whether one more entry can join the queue here: it is empty, or it was queued in this
 * subtransaction and not done yet.  (Otherwise the caller does its work itself, after the queue:
 * clock_store.c's run() does the queue first.)
 */
extern bool sla_queue_accepts(const SlaStatementQueue *q);

/* Before adding an entry: the memory to put it in (the queue's owner is set by the first). */
extern MemoryContext sla_queue_memory(SlaStatementQueue *q);

/* The queue is being done in this subtransaction: taken first, so that the statements doing it
 * find nothing queued. */
extern void sla_queue_take(SlaStatementQueue *q);

/* Done: emptied when that was the owner's subtransaction (else kept until it is). */
extern void sla_queue_done(SlaStatementQueue *q);

/*
 * Whether rel's INSERT statements end with the queue's statement trigger, enabled for this
 * session's replication role: only then may its row trigger queue work.
 */
extern bool sla_statement_end_trigger_fires(SlaStatementQueue *q, Relation rel);

/*
 * The body of a queue's AFTER ... FOR EACH STATEMENT trigger function: checks how it was called
 * (39P01 otherwise, naming q->function), then does the queue if work waits (connected to SPI).
 */
extern Datum sla_statement_end_trigger(FunctionCallInfo fcinfo, SlaStatementQueue *q, void (*flush) (void));

#endif							/* SLA_STATEMENT_QUEUE_H */
