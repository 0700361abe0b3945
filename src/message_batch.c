/*
 * message_batch.c — the messages of one INSERT statement applied at its end, all their tickets
 * at once (message_batch.h).
 *
 * Why: a bulk INSERT ... SELECT or COPY of messages ran five to seven engine statements per
 * message (the ticket's lock, the log's tail, its clocks, a statement per clock transition, the
 * fact with the ticket's row): about 150 µs a message where the host's insert is 5 to 7
 * (docs/benchmarks.md).  Classifying a message stays in its row trigger; the reading and the
 * writing are gathered: three statements read every ticket of the statement, one draws the new
 * clocks' ids and the timeline's places, one per table writes what their messages did.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/memutils.h"

#include "clock_store.h"
#include "message_batch.h"
#include "statement_queue.h"
#include "ticket_engine.h"
#include "ticket_flow.h"

typedef struct QueuedMessage
{
	char	   *key;
	sla_fact	fact;
	bool		runs_rules;
} QueuedMessage;

static QueuedMessage *messages;
static int	room;
static int32 queued_attachment;

static void
forget_messages(void)
{
	messages = NULL;			/* in the queue's memory, gone with it */
	room = 0;
}

/* its count is the messages queued */
static SlaStatementQueue queue = {
	.what = "messages", .function = "message_statement_end", .trigger = "sla_message_statement_end",
	.on_forget = forget_messages
};

bool
sla_messages_may_queue(Relation rel)
{
	/* under REPEATABLE READ a fact's number is checked against concurrent writers one by one
	 * (clock_store.c's S_FACT_INSERT) */
	return !IsolationUsesXactSnapshot() && sla_statement_end_trigger_fires(&queue, rel);
}

bool
sla_messages_queued(void)
{
	return sla_queue_pending(&queue);
}

bool
sla_message_queue(SlaAttachment *att, const char *key, const sla_fact *fact, bool runs_rules)
{
	MemoryContext outer;
	QueuedMessage *m;

	if (!sla_queue_accepts(&queue) || (queue.count > 0 && queued_attachment != att->id))
		return false;
	outer = MemoryContextSwitchTo(sla_queue_memory(&queue));
	if (queue.count == 0)
		queued_attachment = att->id;
	if (queue.count == room)
	{
		room = room == 0 ? 64 : 2 * room;
		messages = messages == NULL ? palloc(sizeof(QueuedMessage) * room)
			: repalloc(messages, sizeof(QueuedMessage) * room);
	}
	m = &messages[queue.count++];
	m->key = pstrdup(key);
	m->fact = *fact;
	m->runs_rules = runs_rules;
	MemoryContextSwitchTo(outer);
	if (queue.count >= SLA_QUEUE_MESSAGES)
		sla_messages_flush();
	return true;
}

/* the queued messages by ticket (key), each ticket's in the order they came */
static int
compare_by_ticket(const void *a, const void *b)
{
	int			x = *(const int *) a,
				y = *(const int *) b;
	int			c = strcmp(messages[x].key, messages[y].key);

	return c != 0 ? c : (x > y) - (x < y);
}

/*
 * Whether the ticket's messages can be applied in memory: tracked and not deleted, none that
 * the rules must follow, the first later than the ticket's latest fact (one of the same instant
 * may sort before it: sla_ticket_apply replays then), or the ticket's log one fact long (its
 * creation, which sorts first; or the first fact logged since 0.2.0 of a ticket tracked before,
 * whose log cannot be replayed: its facts apply in arrival order either way); the ones after it
 * are messages too, so none sorts before another.
 */
static bool
applies_in_memory(const SlaStoredTicket *st, bool tracked, const int *order, int first, int n)
{
	int			i;

	if (!tracked || st->t.lifecycle == SLA_LC_DELETED)
		return false;
	for (i = first; i < first + n; i++)
		if (messages[order[i]].runs_rules)
			return false;
	return !st->t.has_last_at || st->facts <= 1 || messages[order[first]].fact.at > st->t.last_at;
}

static int
compare_stored_keys(const void *a, const void *b, void *arg)
{
	const SlaStoredTicket *tickets = arg;

	return strcmp(tickets[*(const int *) a].key, tickets[*(const int *) b].key);
}

/*
 * Keys spelt differently that name one ticket ("7" and "007" in a text column of messages for
 * an integer key): their messages are applied one at a time (as not tracked here), in the order
 * they came, so that one ticket never has two states in memory.
 */
static void
one_state_per_ticket(SlaStoredTicket *tickets, bool *tracked, int nkeys)
{
	int		   *by_key = palloc(sizeof(int) * nkeys);
	int			n = 0,
				i;

	for (i = 0; i < nkeys; i++)
		if (tracked[i])
			by_key[n++] = i;
	qsort_arg(by_key, n, sizeof(int), compare_stored_keys, tickets);
	for (i = 1; i < n; i++)
		if (strcmp(tickets[by_key[i]].key, tickets[by_key[i - 1]].key) == 0)
			tracked[by_key[i]] = tracked[by_key[i - 1]] = false;
}

/* Apply one ticket's queued messages in memory, the store gathering; those it cannot gather are
 * marked to be applied alone (alone[message]). */
static void
gather_ticket(SlaStoredTicket *st, bool tracked, const int *order, int first, int n, bool *alone)
{
	SlaWritesMark mark;
	int			i;

	if (applies_in_memory(st, tracked, order, first, n))
	{
		sla_writes_mark(&mark);
		for (i = first; i < first + n; i++)
		{
			sla_writes_rank(order[i]);
			sla_ticket_apply_in_order(st, &messages[order[i]].fact);
		}
		if (sla_writes_gathered_since(&mark))
			return;
		sla_writes_rewind(&mark);
	}
	for (i = first; i < first + n; i++)
		alone[order[i]] = true;
}

/*
 * The tickets' messages applied in memory and what they did written; those that could not be
 * gathered are marked alone.  An error must not leave the store gathering (the session's next
 * write would be kept and never written) nor its late breaches' places behind.
 */
static void
gather_and_write(SlaAttachment *att, SlaStoredTicket *tickets, const bool *tracked, const int *order,
				 const int *first, int nkeys, bool *alone)
{
	sla_writes_gather(att->id, tickets[0].key_type);
	PG_TRY();
	{
		int			k;

		for (k = 0; k < nkeys; k++)
			gather_ticket(&tickets[k], tracked[k], order, first[k], first[k + 1] - first[k], alone);
		sla_writes_flush();
	}
	PG_CATCH();
	{
		sla_writes_abandon();
		PG_RE_THROW();
	}
	PG_END_TRY();
}

void
sla_messages_flush(void)
{
	SlaAttachment *att;
	int			n = queue.count,
				nkeys = 0,
				i;
	int		   *order,
			   *first;
	char	  **keys;
	SlaStoredTicket *tickets;
	bool	   *tracked,
			   *alone;

	if (!sla_queue_pending(&queue))
		return;
	/* taken first: the statements below find nothing queued */
	sla_queue_take(&queue);
	att = sla_attachment_get(queued_attachment);
	alone = palloc0(sizeof(bool) * n);
	/* one message (the helpdesk's usual write) or tables the batch cannot write: one by one */
	if (n == 1 || !sla_stored_tickets_batchable())
	{
		for (i = 0; i < n; i++)
			sla_message_apply(att, messages[i].key, &messages[i].fact);
		sla_queue_done(&queue);
		return;
	}

	order = palloc(sizeof(int) * n);
	for (i = 0; i < n; i++)
		order[i] = i;
	qsort(order, n, sizeof(int), compare_by_ticket);
	first = palloc(sizeof(int) * (n + 1));
	keys = palloc(sizeof(char *) * n);
	for (i = 0; i < n; i++)
	{
		if (i == 0 || strcmp(messages[order[i]].key, messages[order[i - 1]].key) != 0)
		{
			first[nkeys] = i;
			keys[nkeys++] = messages[order[i]].key;
		}
	}
	first[nkeys] = n;
	tickets = palloc(sizeof(SlaStoredTicket) * nkeys);
	tracked = palloc(sizeof(bool) * nkeys);
	sla_stored_tickets_lock(att->id, keys, nkeys, tickets, tracked);
	one_state_per_ticket(tickets, tracked, nkeys);

	gather_and_write(att, tickets, tracked, order, first, nkeys, alone);
	/* the others as the row trigger applies them, in the order they came */
	for (i = 0; i < n; i++)
		if (alone[i])
			sla_message_apply(att, messages[i].key, &messages[i].fact);
	sla_queue_done(&queue);
}

/*
 * AFTER INSERT FOR EACH STATEMENT on an attached message table (sla.attach() creates it as
 * sla_message_statement_end): the messages the statement's row triggers queued are applied.
 */
PG_FUNCTION_INFO_V1(sla_message_statement_end);
Datum
sla_message_statement_end(PG_FUNCTION_ARGS)
{
	return sla_statement_end_trigger(fcinfo, &queue, sla_messages_flush);
}
