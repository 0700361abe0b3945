/*
 * new_ticket_batch.c — the new tickets of one INSERT statement written in one statement at its
 * end (new_ticket_batch.h).
 *
 * Why: a bulk INSERT ... SELECT or COPY of tickets ran one engine statement per ticket, and
 * executor start-up, the clock tables' constraint and generated-column set-up and the BEFORE
 * triggers' per-statement work were most of the engine's cost (docs/benchmarks.md).  The row
 * trigger still reads each row, runs the rules and computes the due dates; only the writing is
 * gathered.
 *
 * The queue lives in the transaction's memory, under the subtransaction rules every statement
 * queue follows (statement_queue.h).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"

#include "new_ticket_batch.h"
#include "statement_queue.h"

/* One column of the queue: its values and nulls, as the statement's array parameter. */
typedef struct QueueColumn
{
	Datum	   *values;
	bool	   *nulls;
} QueueColumn;

/* the statement's array parameters, after $1 (the attachment) */
enum
{
	T_KEY, T_LEVEL, T_DEPARTMENT, T_AGENT, T_REQUESTER,
	F_KEY, F_SEQ, F_AT, F_KIND, F_DETAIL,
	C_KEY, C_METRIC, C_LEVEL, C_CALENDAR, C_TARGET, C_STARTED, C_DUE, C_WARN,
	C_DEPARTMENT, C_AGENT, C_REQUESTER, C_VERSION,
	QUEUE_COLUMNS
};

/* which count each column grows with */
#define IS_TICKET_COLUMN(c) ((c) <= T_REQUESTER)
#define IS_FACT_COLUMN(c) ((c) >= F_KEY && (c) <= F_DETAIL)

static QueueColumn columns[QUEUE_COLUMNS];
static int	facts,
			clocks,
			capacity;			/* of every column: clocks outnumber tickets and facts */
static int32 queued_attachment;
static SlaKeyType queued_key_type;

static void forget_columns(void);

/* its count is the tickets queued */
static SlaStatementQueue queue = {
	.what = "new tickets", .function = "ticket_statement_end", .trigger = "sla_ticket_statement_end",
	.on_forget = forget_columns
};

static void
forget_columns(void)
{
	facts = clocks = capacity = 0;
}

bool
sla_new_tickets_queued(void)
{
	return sla_queue_pending(&queue);
}

bool
sla_new_tickets_queue_full(void)
{
	return sla_new_tickets_queued() && queue.count >= SLA_QUEUE_TICKETS;
}

bool
sla_new_tickets_may_queue(Relation rel)
{
	return sla_statement_end_trigger_fires(&queue, rel);
}

static void
grow(void)
{
	int			c,
				n = capacity == 0 ? 256 : capacity * 2;

	for (c = 0; c < QUEUE_COLUMNS; c++)
	{
		if (capacity == 0)
		{
			columns[c].values = MemoryContextAlloc(queue.context, sizeof(Datum) * n);
			columns[c].nulls = MemoryContextAlloc(queue.context, sizeof(bool) * n);
		}
		else
		{
			columns[c].values = repalloc(columns[c].values, sizeof(Datum) * n);
			columns[c].nulls = repalloc(columns[c].nulls, sizeof(bool) * n);
		}
	}
	capacity = n;
}

static void
put(int column, int row, Datum value, bool isnull)
{
	columns[column].values[row] = value;
	columns[column].nulls[row] = isnull;
}

static void
put_text(int column, int row, const char *value)
{
	put(column, row, value == NULL ? (Datum) 0 : CStringGetTextDatum(value), value == NULL);
}

bool
sla_new_ticket_queue(const SlaStoredTicket *st, int32 level_id, int32 calendar_id, TimestampTz at,
					 const SlaFactRow *log, int32 version, const SlaQueuedClock *queued, int n)
{
	MemoryContext outer;
	int			tickets = queue.count;
	int			i;

	if (!sla_queue_accepts(&queue) ||
		(tickets > 0 && (queued_attachment != st->attachment_id || queued_key_type != st->key_type)))
		return false;
	outer = MemoryContextSwitchTo(sla_queue_memory(&queue));
	if (tickets == 0)
	{
		queued_attachment = st->attachment_id;
		queued_key_type = st->key_type;
	}
	while (clocks + n > capacity || tickets + 1 > capacity || facts + 1 > capacity)
		grow();
	put_text(T_KEY, tickets, st->key);
	put(T_LEVEL, tickets, Int32GetDatum(level_id), false);
	put_text(T_DEPARTMENT, tickets, st->holder.department);
	put_text(T_AGENT, tickets, st->holder.agent);
	put_text(T_REQUESTER, tickets, st->holder.requester);
	if (log != NULL)
	{
		put_text(F_KEY, facts, st->key);
		put(F_SEQ, facts, Int32GetDatum(log->seq), false);
		put(F_AT, facts, TimestampTzGetDatum(log->at), false);
		put_text(F_KIND, facts, log->kind);
		put(F_DETAIL, facts, datumCopy(JsonbPGetDatum(log->detail), false, -1), false);
		facts++;
	}
	for (i = 0; i < n; i++, clocks++)
	{
		put(C_KEY, clocks, columns[T_KEY].values[tickets], false);
		put(C_METRIC, clocks, datumCopy(queued[i].metric, false, -1), false);
		put(C_LEVEL, clocks, Int32GetDatum(level_id), false);
		put(C_CALENDAR, clocks, Int32GetDatum(calendar_id), false);
		put(C_TARGET, clocks, datumCopy(queued[i].target, false, sizeof(sla_business_interval)), false);
		put(C_STARTED, clocks, TimestampTzGetDatum(at), false);
		put(C_DUE, clocks, TimestampTzGetDatum(queued[i].due_at), false);
		put(C_WARN, clocks, TimestampTzGetDatum(queued[i].warn_at), false);
		put(C_DEPARTMENT, clocks, columns[T_DEPARTMENT].values[tickets], columns[T_DEPARTMENT].nulls[tickets]);
		put(C_AGENT, clocks, columns[T_AGENT].values[tickets], columns[T_AGENT].nulls[tickets]);
		put(C_REQUESTER, clocks, columns[T_REQUESTER].values[tickets], columns[T_REQUESTER].nulls[tickets]);
		put(C_VERSION, clocks, Int32GetDatum(version), version == 0);
	}
	queue.count++;
	MemoryContextSwitchTo(outer);
	return true;
}

/* the element type of each column's array */
static void
column_type(int c, Oid bi, Oid *type, int16 *len, bool *byval, char *align)
{
	switch (c)
	{
		case T_LEVEL:
		case F_SEQ:
		case C_LEVEL:
		case C_CALENDAR:
		case C_VERSION:
			*type = INT4OID, *len = 4, *byval = true, *align = TYPALIGN_INT;
			break;
		case F_AT:
		case C_STARTED:
		case C_DUE:
		case C_WARN:
			*type = TIMESTAMPTZOID, *len = 8, *byval = FLOAT8PASSBYVAL, *align = TYPALIGN_DOUBLE;
			break;
		case F_DETAIL:
			*type = JSONBOID, *len = -1, *byval = false, *align = TYPALIGN_INT;
			break;
		case C_TARGET:
			*type = bi, *len = sizeof(sla_business_interval), *byval = false, *align = TYPALIGN_DOUBLE;
			break;
		default:
			*type = TEXTOID, *len = -1, *byval = false, *align = TYPALIGN_INT;
			break;
	}
}

/* An array of the first n values of a clock column. */
static Datum
clock_array(int c, int n, Oid bi)
{
	int			dims[1] = {n};
	int			lbs[1] = {1};
	Oid			type;
	int16		len;
	bool		byval;
	char		align;

	column_type(c, bi, &type, &len, &byval, &align);
	return PointerGetDatum(construct_md_array(columns[c].values, columns[c].nulls, 1, dims, lbs, type, len, byval, align));
}

/*
 * One queued ticket (an INSERT of one row: the helpdesk's usual write) by the statement a new
 * open ticket writes alone (clock_store.c's S_NEW_TICKET), whose plan takes scalars: cheaper than
 * unnesting twenty-two arrays of one element.
 */
static void
write_one(Oid bi)
{
	Datum		v[18];
	char		n[19];

	memset(n, ' ', 18);
	n[18] = '\0';
	v[0] = Int32GetDatum(queued_attachment);
	v[1] = columns[T_KEY].values[0];
	v[2] = columns[T_LEVEL].values[0];
	/* the level's calendar, the start and the version are the clocks' (none: unused) */
	v[3] = clocks > 0 ? columns[C_CALENDAR].values[0] : (Datum) 0;
	v[4] = clocks > 0 ? columns[C_STARTED].values[0] : (Datum) 0;
	if (clocks == 0)
		n[3] = n[4] = 'n';
	v[5] = columns[T_DEPARTMENT].values[0];
	n[5] = columns[T_DEPARTMENT].nulls[0] ? 'n' : ' ';
	v[6] = columns[T_AGENT].values[0];
	n[6] = columns[T_AGENT].nulls[0] ? 'n' : ' ';
	v[7] = columns[T_REQUESTER].values[0];
	n[7] = columns[T_REQUESTER].nulls[0] ? 'n' : ' ';
	v[8] = clock_array(C_METRIC, clocks, bi);
	v[9] = clock_array(C_TARGET, clocks, bi);
	v[10] = clock_array(C_DUE, clocks, bi);
	v[11] = clock_array(C_WARN, clocks, bi);
	n[12] = 'n';				/* the 0.1.0 schema's level_chosen event: never queued */
	if (facts == 1)
	{
		v[13] = columns[F_SEQ].values[0];
		v[14] = columns[F_AT].values[0];
		v[15] = columns[F_KIND].values[0];
		v[16] = columns[F_DETAIL].values[0];
	}
	else
		n[13] = n[14] = n[15] = n[16] = 'n';
	v[17] = clocks > 0 ? columns[C_VERSION].values[0] : (Datum) 0;
	if (clocks == 0 || columns[C_VERSION].nulls[0])
		n[17] = 'n';
	sla_new_ticket_write_one(queued_key_type, v, n);
}

void
sla_new_tickets_flush(void)
{
	Datum		values[1 + QUEUE_COLUMNS];
	char		nulls[1 + QUEUE_COLUMNS + 1];
	Oid			bi;
	int			c;

	if (!sla_new_tickets_queued())
		return;
	bi = sla_business_interval_type();
	/* taken before it is written: the write's own statements find nothing queued */
	sla_queue_take(&queue);
	if (queue.count == 1)
	{
		write_one(bi);
		sla_queue_done(&queue);
		return;
	}
	memset(nulls, ' ', sizeof(nulls));
	nulls[1 + QUEUE_COLUMNS] = '\0';
	values[0] = Int32GetDatum(queued_attachment);
	for (c = 0; c < QUEUE_COLUMNS; c++)
	{
		int			dims[1];
		int			lbs[1] = {1};
		Oid			type;
		int16		len;
		bool		byval;
		char		align;

		dims[0] = IS_TICKET_COLUMN(c) ? queue.count : IS_FACT_COLUMN(c) ? facts : clocks;
		column_type(c, bi, &type, &len, &byval, &align);
		values[1 + c] = PointerGetDatum(construct_md_array(columns[c].values, columns[c].nulls, 1, dims, lbs,
														   type, len, byval, align));
	}
	sla_new_tickets_write(queued_key_type, values, nulls);
	sla_queue_done(&queue);
}

/*
 * AFTER INSERT FOR EACH STATEMENT on an attached ticket table (sla.attach() creates it as
 * sla_ticket_statement_end): the tickets the statement's row triggers queued are written.
 */
PG_FUNCTION_INFO_V1(sla_ticket_statement_end);
Datum
sla_ticket_statement_end(PG_FUNCTION_ARGS)
{
	return sla_statement_end_trigger(fcinfo, &queue, sla_new_tickets_flush);
}
