/*
 * message_batch.h — the published messages of one INSERT statement on an attached message
 * table: classified by the row trigger (author, public, channel, instant: mapping problems and
 * strict mode stay per row), queued, and applied at the statement's end by the statement trigger
 * sla_message_statement_end, for all their tickets at once: the tickets locked and read in three
 * statements, the clock model applied to each ticket's messages in order in memory, what they did
 * written in one statement per table (clock_store.h, "writes gathered").
 *
 * A ticket is applied message by message, as the row trigger alone would, when the batch cannot
 * know enough: it is not tracked or deleted (the host-row check), a message is not later than
 * the ticket's latest fact (the replay decides), the rules read the conversation (they run after
 * each public message), or its messages did anything but start and stop clocks.
 *
 * The queue follows statement_queue.h's rules: every other statement of the engine applies it
 * first, so no tracking row is read before the messages queued ahead of it are applied.
 */
#ifndef SLA_MESSAGE_BATCH_H
#define SLA_MESSAGE_BATCH_H

#include "postgres.h"

#include "utils/relcache.h"

#include "attachment_cache.h"
#include "clockflow.h"

/* Whether rel's INSERT statements end with sla_message_statement_end (enabled for this session's
 * replication role), under READ COMMITTED: only then may its row trigger queue a message. */
extern bool sla_messages_may_queue(Relation rel);

/*
 * Queue the message fact of ticket key; false when it cannot be queued here (another
 * attachment's messages are queued, or the queue was applied in a subtransaction still open):
 * the caller applies it itself.  runs_rules: rules must run after it (sla_message_apply).
 */
extern bool sla_message_queue(SlaAttachment *att, const char *key, const sla_fact *fact, bool runs_rules);

/* Whether messages are queued and not applied yet; apply them now (the caller is connected to
 * SPI). */
extern bool sla_messages_queued(void);
extern void sla_messages_flush(void);

/* How many messages the row trigger queues before it applies them itself: a statement of
 * millions of rows keeps its memory bounded. */
#define SLA_QUEUE_MESSAGES 10000

#endif							/* SLA_MESSAGE_BATCH_H */
