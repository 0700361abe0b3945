/*
 * clock_store.c — SLA clock primitives in C (see clock_store.h), their SQL wrappers, the level
 * cache they read targets from, and the trigger that keeps sla.clock.warn_at in step.
 *
 * Each primitive is one prepared statement that changes the clock row and appends its event
 * row (a data-modifying WITH), so a transition costs one executor run.  Plans are kept per
 * backend and prepared again whenever the configuration generation moves on (an edit, or the
 * extension dropped and created again, which gives its types new OIDs).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "storage/proc.h"

#include "pg_compat.h"

#include "attachment_cache.h"
#include "business_interval_glue.h"
#include "calendar_cache.h"
#include "citus_shard.h"
#include "clock_store.h"
#include "message_batch.h"
#include "new_ticket_batch.h"
#include "sla_error.h"

/* The core's enum of a name read from sla's own tables (which only hold valid names). */
static int
enum_value(int value, const char *what, const char *name)
{
	if (value < 0)
		elog(ERROR, "sla: unknown %s \"%s\"", what, name ? name : "(null)");
	return value;
}

#define METRIC_OF(name) ((sla_metric) enum_value(sla_metric_from_text(name), "metric", (name)))
#define LIFECYCLE_OF(name) ((sla_lifecycle) enum_value(sla_lifecycle_from_text(name), "lifecycle", (name)))
#define CLOCK_STATE_OF(name) ((sla_clock_state) enum_value(sla_clock_state_from_text(name), "clock state", (name)))

/* ---------------------------------------------------------------- calendar arithmetic */

TimestampTz
sla_business_add_on(int32 calendar_id, TimestampTz t, sla_business_interval d)
{
	SlaCalendar *cal = sla_calendar_by_id(calendar_id);
	int64_t		out;
	sla_status	st = sla_calendar_add(cal->compiled, t, d.days, d.usec, &out);

	if (st != SLA_OK)
		sla_report_calendar_status(st, "business_add", cal);
	return out;
}

sla_business_interval
sla_business_between_on(int32 calendar_id, TimestampTz a, TimestampTz b)
{
	SlaCalendar *cal = sla_calendar_by_id(calendar_id);
	sla_business_interval result = {0, 0, 0};
	int64_t		out;
	sla_status	st = sla_calendar_between(cal->compiled, a, b, &out);

	if (st != SLA_OK)
		sla_report_calendar_status(st, "business_between", cal);
	result.usec = out;
	return result;
}

static sla_business_interval
bi_add(sla_business_interval a, sla_business_interval b)
{
	sla_business_interval out;

	sla_report_status(sla_bi_add(a, b, &out), "business_interval", NULL);
	return out;
}

TimestampTz
sla_clock_warn_at(TimestampTz started_at, TimestampTz due_at, sla_business_interval paused_for,
				  int32 calendar_id, double warning_fraction)
{
	sla_business_interval allowed;
	sla_business_interval share;

	sla_report_status(sla_bi_sub(sla_business_between_on(calendar_id, started_at, due_at), paused_for, &allowed),
					  "business_interval", NULL);
	sla_report_status(sla_bi_mul(allowed, warning_fraction, &share), "business_interval", NULL);
	return sla_business_add_on(calendar_id, started_at, bi_add(paused_for, share));
}

static char *
bi_text(sla_business_interval v)
{
	char		buf[SLA_BI_FORMAT_MAX];

	sla_bi_format(v, buf);
	return pstrdup(buf);
}

/* ---------------------------------------------------------------- the level cache */

static MemoryContext LevelContext = NULL;
static SlaLevel *levels = NULL;
static int	nlevels = 0;
static uint64 levels_generation = 0;

/*
 * The policy version of the cached levels (sla_policy_version_in_force).  A provisional number
 * belongs to the transaction that made it (levels_version_xid): any other transaction reads the
 * levels again, whether or not this backend saw its own commit's invalidation yet.
 */
static int32 levels_version = 0;
static bool levels_version_own = false;	/* this transaction's own (pending or numbered early) */
static TransactionId levels_version_xid = InvalidTransactionId;

/* The version a configuration edit re-targets clocks to, for the length of the re-targeting
 * trigger's work (sla_set_policy_change); 0 otherwise. */
static int32 edit_version = 0;

static void
load_levels(void)
{
	MemoryContext caller = CurrentMemoryContext;
	uint64		i;
	uint64		generation = sla_calendar_generation;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT l.id, l.calendar_id, (l.warning_percent OPERATOR(pg_catalog./) 100)::pg_catalog.float8, "
					"t.metric::text, t.target FROM sla.level l LEFT JOIN sla.level_target t "
					"ON t.level_id OPERATOR(pg_catalog.=) l.id ORDER BY l.id", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.level");
	MemoryContextReset(LevelContext);
	levels = MemoryContextAllocZero(LevelContext, sizeof(SlaLevel) * (SPI_processed + 1));
	nlevels = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		Datum		target;
		SlaLevel   *l;

		if (nlevels == 0 || levels[nlevels - 1].id != id)
		{
			l = &levels[nlevels++];
			l->id = id;
			l->calendar_id = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
			l->warning_fraction = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &isnull));
		}
		l = &levels[nlevels - 1];
		target = SPI_getbinval(tup, desc, 5, &isnull);
		if (!isnull)
		{
			sla_metric	m = METRIC_OF(SPI_getvalue(tup, desc, 4));

			l->has_target[m] = true;
			l->target[m] = *DatumGetBusinessIntervalP(target);
		}
	}
	MemoryContextSwitchTo(caller);
	/*
	 * The version these levels are: this transaction's own pending version (only the editing
	 * transaction sees its row), else the latest committed one.  The 0.1.0 schema has none.
	 */
	levels_version = 0;
	levels_version_own = false;
	levels_version_xid = InvalidTransactionId;
	if (!sla_schema_before_0_2())
	{
		/* the pending row first; then the latest version, and whether this transaction made it
		 * (SET CONSTRAINTS ALL IMMEDIATE numbers a version before the commit) */
		if (SPI_execute("SELECT v.version, v.own FROM (SELECT p.provisional AS version, true AS own, 1 AS o "
						"FROM sla.policy_version_pending p UNION ALL "
						"SELECT x.version, x.transaction_id OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id_if_assigned() "
						"AND x.transaction_start OPERATOR(pg_catalog.=) pg_catalog.transaction_timestamp(), 2 "
						"FROM (SELECT * FROM sla.policy_version ORDER BY version DESC LIMIT 1) x) v ORDER BY v.o LIMIT 1",
						true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read sla.policy_version");
		if (SPI_processed == 1)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			levels_version = isnull ? 0 : DatumGetInt32(d);
			d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
			levels_version_own = !isnull && DatumGetBool(d);
		}
		if (levels_version_own)
			levels_version_xid = GetTopTransactionIdIfAny();
	}
	SPI_finish();
	/* an invalidation while loading: the next lookup loads again */
	levels_generation = generation;
}

/* A provisional version cached by another transaction than this one (its own, committed or
 * rolled back since): stale whatever the invalidations say. */
static bool
levels_version_stale(void)
{
	return levels_version_own && levels_version_xid != GetTopTransactionIdIfAny();
}

SlaLevel *
sla_level_get(int32 id)
{
	int			i;

	sla_config_cache_prepare();
	if (LevelContext == NULL)
		LevelContext = AllocSetContextCreate(CacheMemoryContext, "sla level cache", ALLOCSET_SMALL_SIZES);
	if (levels == NULL || levels_generation != sla_calendar_generation || levels_version_stale())
		load_levels();
	for (i = 0; i < nlevels; i++)
		if (levels[i].id == id)
			return &levels[i];
	return NULL;
}

int32
sla_policy_version_in_force(void)
{
	if (edit_version != 0)
		return edit_version;
	(void) sla_level_get(0);	/* the cache, loaded or refreshed (no level has id 0) */
	return levels_version;
}

/*
 * The version the current transaction's configuration edit makes: its pending (or early
 * numbered) version when it exists already, else the provisional number its history trigger
 * will give it.  The statement triggers of an INSERT ... ON CONFLICT DO UPDATE (add_holiday by
 * hand) fire for the UPDATE before the INSERT: the re-targeting may run before the history has
 * recorded the version.  The number is 55_policy_history.sql's policy_version_of_transaction():
 * -1 - (the transaction's full id mod 2^31 - 1).
 */
static int32
policy_version_of_edit(void)
{
	(void) sla_level_get(0);
	if (levels_version_own)
		return levels_version;
	return (int32) (-1 - (int64) (U64FromFullTransactionId(GetTopFullTransactionId()) % INT64CONST(2147483647)));
}

SlaLevel *
sla_level_use(int32 id)
{
	for (;;)
	{
		SlaLevel   *level;
		uint64		generation;

		sla_engine_use_level(id);
		level = sla_level_get(id);	/* after the lock: a committed change has arrived */
		if (level == NULL)
			return NULL;
		generation = sla_calendar_generation;
		sla_engine_use_calendar(level->calendar_id);
		sla_config_cache_prepare();
		if (generation == sla_calendar_generation)
			return level;
		/* the configuration changed while we waited for the calendar: read the level again */
	}
}

/* ---------------------------------------------------------------- prepared statements */

typedef enum Statement
{
	S_START, S_PAUSE, S_RESUME, S_STOP, S_CANCEL, S_EVENT, S_TICKET_CLOCKS, S_CLOCK_BY_ID,
	S_TICKET_INSERT, S_TICKET_LOCK, S_TICKET_UPDATE, S_TICKET_UPDATE_AND_FACT,
	S_REOPEN, S_RETARGET, S_REASSIGN, S_NEW_TICKET, S_NEW_TICKETS,
	S_FACT_INSERT, S_FACTS, S_FACT_KINDS_AT, S_CLOCK_REPLACE, S_CLOCK_INSERT, S_CLOCK_DELETE, S_EVENTS_DELETE_AT,
	S_REKEY, S_TICKET_PEEK, S_CLOCK_STARTED_POS, S_POSITION, S_TICKET_TAIL, S_LAST_MESSAGE, S_FACT_APPEND,
	S_CLAIM_LOCK, S_CLAIM_WARNING, S_CLAIM_BREACH,
	S_CLAIM_LATE_LOCK, S_CLAIM_LATE, S_CLAIM_STEP_LOCK, S_CLAIM_STEP,
	S_RECHECK_SET, S_RECHECK_CLAIM, S_TICKET_READ, S_TICKET_TRYLOCK, S_POLICY_PENDING, S_CLAIM_TICKET,
	S_TICKET_EXISTS,
	/* the messages of one statement (message_batch.c): their tickets read, what they did written */
	S_TICKETS_LOCK, S_TICKETS_TAIL, S_TICKETS_CLOCKS, S_DRAW_IDS, S_CLOCKS_START, S_CLOCKS_STOP,
	S_EVENTS_WRITE, S_BREACHES_WRITE, S_FACTS_WRITE, S_TICKETS_UPDATE,
	S_COUNT
} Statement;


#define CLOCK_COLUMNS "id, attachment_id, ticket_key::pg_catalog.text, metric::text, cycle, level_id, calendar_id, target, " \
	"started_at, due_at, paused_since, paused_for, stopped_at, state, department, agent, requester, business_used, " \
	"policy_version"
/* the 0.1.0 schema's clocks have no policy version */
#define CLOCK_COLUMNS_0_1 "id, attachment_id, ticket_key::pg_catalog.text, metric::text, cycle, level_id, calendar_id, target, " \
	"started_at, due_at, paused_since, paused_for, stopped_at, state, department, agent, requester, business_used, " \
	"NULL::integer"

/* the ticket's latest public message in its fact log ($1, $2: attachment, key) */
#define LAST_MESSAGE_SQL "SELECT x.detail OPERATOR(pg_catalog.->>) 'author' AS author, x.at FROM sla.fact{T} x " \
	"WHERE x.attachment_id OPERATOR(pg_catalog.=) $1 AND x.ticket_key OPERATOR(pg_catalog.=) $2{K} " \
	"AND x.kind OPERATOR(pg_catalog.=) 'message' AND x.detail OPERATOR(pg_catalog.@>) '{\"public\": true}' " \
	"ORDER BY x.seq DESC LIMIT 1"

#define EVENT_INSERT "INSERT INTO sla.event{T} (attachment_id, ticket_key, clock_id, at, kind, detail) "

/* a ticket's state row ($1, $2: attachment, key), read with the lock each caller adds */
#define TICKET_STATE_SQL "SELECT level_id, lifecycle, agent_replied, customer_waiting_since, " \
	"department, agent, requester, rules_recheck_at FROM sla.ticket{T} " \
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2{K}"

/* the tickets of $2 (text[]) joined with their rows in table{T} AS t ($1: the attachment), as
 * k(key, n): n is the ticket's place in $2 */
#define TICKETS_JOIN(table, alias) "FROM pg_catalog.unnest($2::text[]) WITH ORDINALITY AS k(key, n) JOIN sla." table "{T} " alias \
	" ON " alias ".attachment_id OPERATOR(pg_catalog.=) $1 AND " alias ".ticket_key OPERATOR(pg_catalog.=) k.key{K} "

/* how many of a ticket's latest facts S_TICKET_TAIL reads */
#define TAIL_FACTS 16

/*
 * Every SQL text is schema-qualified down to its operators: the writer's search_path is theirs.
 * Each is a template for the tables of one key type: {T} is the tables' suffix ("_int8"), {K}
 * the cast of a key parameter (text, as the engine carries keys) to the key type
 * ("::pg_catalog.int8"), so the key compares in its own type and the primary keys serve.
 * Every statement names the ticket (attachment and key); one on one clock adds its id and no
 * state condition: the caller has read it under the ticket's row lock, and a state condition
 * would let a generic plan made while the table was small prefer a partial index on running
 * clocks, then scan all of them for every row.
 */
static const char *const statement_sql[S_COUNT] = {
	/* the clock row is its start: no clock_started event (sla.explain shows one, derived; $13,
	 * the detail, serves the 0.1.0 schema's statement below) */
	[S_START] = "INSERT INTO sla.clock{T} (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, "
	"target, started_at, due_at, state, department, agent, requester, warn_at, started_pos, policy_version) "
	"VALUES ($1, $2{K}, $3::sla.metric, $4, $5, $6, $7, $8, $9, 'running', $10, $11, $12, $14, "
	"pg_catalog.nextval('sla.event_id_seq'), $15) RETURNING id",
	[S_PAUSE] = "WITH c AS (UPDATE sla.clock{T} k SET state = 'paused', paused_since = $2 "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $3 AND k.ticket_key OPERATOR(pg_catalog.=) $4{K} "
	"AND k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	EVENT_INSERT "SELECT $3, $4{K}, c.id, $2, 'paused', $5 FROM c RETURNING clock_id",
	[S_RESUME] = "WITH c AS (UPDATE sla.clock{T} k SET state = 'running', paused_since = NULL, paused_for = $3, due_at = $4 "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $5 AND k.ticket_key OPERATOR(pg_catalog.=) $6{K} "
	"AND k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	EVENT_INSERT "SELECT $5, $6{K}, c.id, $2, 'resumed', $7 FROM c RETURNING clock_id",
	[S_STOP] = "WITH c AS (UPDATE sla.clock{T} k SET stopped_at = $2, state = $3, business_used = $4 "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $5 AND k.ticket_key OPERATOR(pg_catalog.=) $6{K} "
	"AND k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	EVENT_INSERT "SELECT $5, $6{K}, c.id, $2, 'stopped', $7 FROM c RETURNING clock_id",
	[S_CANCEL] = "WITH c AS (UPDATE sla.clock{T} k SET state = 'cancelled', stopped_at = $2, paused_since = NULL "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $3 AND k.ticket_key OPERATOR(pg_catalog.=) $4{K} "
	"AND k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	EVENT_INSERT "SELECT $3, $4{K}, c.id, $2, 'cancelled', $5 FROM c RETURNING clock_id",
	[S_EVENT] = EVENT_INSERT "VALUES ($1, $2{K}, $3, $4, $5, $6)",
	[S_TICKET_CLOCKS] = "SELECT " CLOCK_COLUMNS " FROM sla.clock{T} WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2{K}",
	[S_CLOCK_BY_ID] = "SELECT " CLOCK_COLUMNS " FROM sla.clock WHERE id OPERATOR(pg_catalog.=) $1",
	[S_TICKET_INSERT] = "INSERT INTO sla.ticket{T} (attachment_id, ticket_key, level_id, lifecycle, agent_replied, "
	"customer_waiting_since, department, agent, requester) VALUES ($1, $2{K}, $3, $4, $5, $6, $7, $8, $9)",
	/* a new open ticket in one statement: its state row, its clocks, then its events in order
	 * (level_chosen first, then clock_started by clock id, as the single steps would write them) */
	/* a new open ticket in one statement: its state row and its clocks (the rules' choice is in
	 * its created fact, the clocks' starts are the clock rows: no event; $13, the choice, serves
	 * the 0.1.0 schema's statement below) */
	[S_NEW_TICKET] = "WITH t AS (INSERT INTO sla.ticket{T} (attachment_id, ticket_key, level_id, lifecycle, "
	"department, agent, requester) VALUES ($1, $2{K}, $3, 'open', $6, $7, $8)), "
	/* its created fact (the 0.1.0 schema's statement has no log: $14-$17 unused there) */
	"f AS (INSERT INTO sla.fact{T} (attachment_id, ticket_key, seq, at, kind, detail) "
	"SELECT $1, $2{K}, $14, $15, $16, $17 WHERE $14 IS NOT NULL) "
	"INSERT INTO sla.clock{T} (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target, "
	"started_at, due_at, state, warn_at, department, agent, requester, started_pos, policy_version) "
	"SELECT $1, $2{K}, m.metric::sla.metric, 1, $3, $4, m.target, $5, m.due, 'running', m.warn, $6, $7, $8, "
	"pg_catalog.nextval('sla.event_id_seq'), $18 "
	"FROM unnest($9::text[], $10, $11::timestamptz[], $12::timestamptz[]) WITH ORDINALITY AS m(metric, target, due, warn, n) "
	"ORDER BY m.n RETURNING id",
	/* the new open tickets an INSERT statement queued (new_ticket_batch.c), as S_NEW_TICKET
	 * writes one: their state rows, their created facts, their clocks in the order queued */
	[S_NEW_TICKETS] = "WITH t AS (INSERT INTO sla.ticket{T} (attachment_id, ticket_key, level_id, lifecycle, "
	"department, agent, requester) SELECT $1, x.key{K}, x.level, 'open', x.department, x.agent, x.requester "
	"FROM unnest($2::text[], $3::int4[], $4::text[], $5::text[], $6::text[]) AS x(key, level, department, agent, requester)), "
	"f AS (INSERT INTO sla.fact{T} (attachment_id, ticket_key, seq, at, kind, detail) "
	"SELECT $1, x.key{K}, x.seq, x.at, x.kind, x.detail "
	"FROM unnest($7::text[], $8::int4[], $9::timestamptz[], $10::text[], $11::jsonb[]) AS x(key, seq, at, kind, detail)) "
	"INSERT INTO sla.clock{T} (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target, "
	"started_at, due_at, state, warn_at, department, agent, requester, started_pos, policy_version) "
	"SELECT $1, m.key{K}, m.metric::sla.metric, 1, m.level, m.calendar, m.target, m.started, m.due, 'running', m.warn, "
	"m.department, m.agent, m.requester, pg_catalog.nextval('sla.event_id_seq'), m.version "
	"FROM unnest($12::text[], $13::text[], $14::int4[], $15::int4[], $16, $17::timestamptz[], $18::timestamptz[], "
	"$19::timestamptz[], $20::text[], $21::text[], $22::text[], $23::int4[]) WITH ORDINALITY "
	"AS m(key, metric, level, calendar, target, started, due, warn, department, agent, requester, version, n) "
	"ORDER BY m.n",
	[S_TICKET_LOCK] = TICKET_STATE_SQL " FOR UPDATE",
	/*
	 * From the fact log, read after the lock (a statement of its own: its snapshot sees what the
	 * writer that held the lock committed): its latest facts, newest first, in one backward
	 * scan of the primary key: the first is the latest fact (how many, when); the first public
	 * message among them is the rules' last_message_author and last_message_at.  A ticket whose
	 * TAIL_FACTS latest facts hold no public message asks S_LAST_MESSAGE.
	 */
	[S_TICKET_TAIL] = "SELECT x.seq, x.at, x.kind OPERATOR(pg_catalog.=) 'message' "
	"AND x.detail OPERATOR(pg_catalog.@>) '{\"public\": true}', x.detail OPERATOR(pg_catalog.->>) 'author' "
	"FROM sla.fact{T} x WHERE x.attachment_id OPERATOR(pg_catalog.=) $1 AND x.ticket_key OPERATOR(pg_catalog.=) $2{K} "
	"ORDER BY x.seq DESC LIMIT " CppAsString2(TAIL_FACTS),
	[S_LAST_MESSAGE] = LAST_MESSAGE_SQL,
	[S_TICKET_UPDATE] = "UPDATE sla.ticket{T} SET level_id = $3, lifecycle = $4, agent_replied = $5, "
	"customer_waiting_since = $6 "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2{K}",
	/* the ticket's row and the fact that changed it, in one statement (READ COMMITTED: see
	 * S_FACT_APPEND) */
	[S_TICKET_UPDATE_AND_FACT] = "WITH f AS (INSERT INTO sla.fact{T} (attachment_id, ticket_key, seq, at, kind, detail) "
	"VALUES ($1, $2{K}, $7, $8, $9, $10)) "
	"UPDATE sla.ticket{T} SET level_id = $3, lifecycle = $4, agent_replied = $5, customer_waiting_since = $6 "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2{K}",
	[S_REOPEN] = "WITH c AS (UPDATE sla.clock{T} k SET state = $3, paused_since = $4, paused_for = $5, due_at = $6, "
	"stopped_at = NULL, business_used = NULL "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $7 AND k.ticket_key OPERATOR(pg_catalog.=) $8{K} "
	"AND k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	EVENT_INSERT "SELECT $7, $8{K}, c.id, $2, 'reopened', $9 FROM c RETURNING clock_id",
	[S_RETARGET] = "WITH c AS (UPDATE sla.clock{T} k SET level_id = $3, calendar_id = $4, target = $5, due_at = $6, "
	"policy_version = $10 "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $7 AND k.ticket_key OPERATOR(pg_catalog.=) $8{K} "
	"AND k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	EVENT_INSERT "SELECT $7, $8{K}, c.id, $2, 'retargeted', $9 FROM c RETURNING clock_id",
	[S_REASSIGN] = "WITH t AS (UPDATE sla.ticket{T} SET department = $4, agent = $5, requester = $7 "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2{K}), "
	"c AS (UPDATE sla.clock{T} k SET department = $4, agent = $5, requester = $7 "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 AND k.ticket_key OPERATOR(pg_catalog.=) $2{K} "
	"AND k.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused']) RETURNING k.id) "
	EVENT_INSERT "VALUES ($1, $2{K}, NULL, $3, 'reassigned', $6)",
	/* A fact of that number written meanwhile: under REPEATABLE READ, when this transaction's
	 * snapshot predates it, PostgreSQL raises a serialization failure (40001) itself; under READ
	 * COMMITTED the tail is read after the ticket's lock and no conflict is possible, so no row
	 * (the conflict seen) is a safety net reported the same way. */
	[S_FACT_INSERT] = "INSERT INTO sla.fact{T} (attachment_id, ticket_key, seq, at, kind, detail) VALUES ($1, $2{K}, $3, $4, $5, $6) "
	"ON CONFLICT DO NOTHING RETURNING seq",
	/* under READ COMMITTED, where the tail was read after the ticket's lock: a plain insert */
	[S_FACT_APPEND] = "INSERT INTO sla.fact{T} (attachment_id, ticket_key, seq, at, kind, detail) "
	"VALUES ($1, $2{K}, $3, $4, $5, $6)",
	[S_FACTS] = "SELECT seq, at, kind, detail::text FROM sla.fact{T} WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2{K} ORDER BY seq",
	[S_FACT_KINDS_AT] = "SELECT kind FROM sla.fact{T} WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2{K} AND at OPERATOR(pg_catalog.=) $3",
	[S_CLOCK_REPLACE] = "UPDATE sla.clock{T} SET level_id = $2, calendar_id = $3, target = $4, started_at = $5, due_at = $6, "
	"paused_since = $7, paused_for = $8, stopped_at = $9, state = $10, business_used = $11, policy_version = $14 "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $12 AND ticket_key OPERATOR(pg_catalog.=) $13{K} "
	"AND id OPERATOR(pg_catalog.=) $1",
	[S_CLOCK_INSERT] = "INSERT INTO sla.clock{T} (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target, "
	"started_at, due_at, paused_since, paused_for, stopped_at, state, business_used, department, agent, requester, warn_at, "
	"policy_version) "
	"VALUES ($1, $2{K}, $3::sla.metric, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
	[S_CLOCK_DELETE] = "WITH e AS (DELETE FROM sla.event{T} WHERE attachment_id OPERATOR(pg_catalog.=) $2 "
	"AND ticket_key OPERATOR(pg_catalog.=) $3{K} AND clock_id OPERATOR(pg_catalog.=) $1) "
	"DELETE FROM sla.clock{T} WHERE attachment_id OPERATOR(pg_catalog.=) $2 "
	"AND ticket_key OPERATOR(pg_catalog.=) $3{K} AND id OPERATOR(pg_catalog.=) $1",
	[S_EVENTS_DELETE_AT] = "DELETE FROM sla.event{T} WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2{K} AND at OPERATOR(pg_catalog.=) $3 AND kind OPERATOR(pg_catalog.=) ANY "
	"(ARRAY['clock_started', 'paused', 'resumed', 'stopped', 'cancelled', 'reopened', 'retargeted'])",
	/* the position drawn first ($4): Citus refuses volatile functions in an UPDATE of a distributed table */
	[S_CLOCK_STARTED_POS] = "UPDATE sla.clock{T} SET started_pos = $4 "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $2 AND ticket_key OPERATOR(pg_catalog.=) $3{K} "
	"AND id OPERATOR(pg_catalog.=) $1",
	[S_POSITION] = "SELECT pg_catalog.nextval('sla.event_id_seq')",
	[S_TICKET_PEEK] = "SELECT m.author, m.at FROM sla.ticket{T} t LEFT JOIN LATERAL (" LAST_MESSAGE_SQL ") m ON true "
	"WHERE t.attachment_id OPERATOR(pg_catalog.=) $1 AND t.ticket_key OPERATOR(pg_catalog.=) $2{K}",
	/*
	 * A crossing of the breach check: the clock locked or skipped (SKIP LOCKED: concurrent
	 * checkers share the work), whether it is still pending read after the lock, then marked.
	 */
	[S_CLAIM_LOCK] = "SELECT CASE WHEN $4 OPERATOR(pg_catalog.=) 'warning' THEN k.warned_at IS NULL "
	"ELSE k.breach_seen_at IS NULL END AND k.state OPERATOR(pg_catalog.=) 'running', k.due_at "
	"FROM sla.clock{T} k WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 AND k.ticket_key OPERATOR(pg_catalog.=) $2{K} "
	"AND k.id OPERATOR(pg_catalog.=) $3 FOR UPDATE SKIP LOCKED",
	[S_CLAIM_WARNING] = "UPDATE sla.clock{T} k SET warned_at = $4 WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND k.ticket_key OPERATOR(pg_catalog.=) $2{K} AND k.id OPERATOR(pg_catalog.=) $3",
	[S_CLAIM_BREACH] = "UPDATE sla.clock{T} k SET breach_seen_at = $4 WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND k.ticket_key OPERATOR(pg_catalog.=) $2{K} AND k.id OPERATOR(pg_catalog.=) $3",
	/*
	 * The escalations of a breach that a late stop recorded (the clock's trigger
	 * clock_late_breach, 80_breach.sql), taken by one breach check: locked or skipped as above.
	 */
	[S_CLAIM_LATE_LOCK] = "SELECT k.breach_escalation_pending IS TRUE, k.due_at "
	"FROM sla.clock{T} k WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 AND k.ticket_key OPERATOR(pg_catalog.=) $2{K} "
	"AND k.id OPERATOR(pg_catalog.=) $3 FOR UPDATE SKIP LOCKED",
	[S_CLAIM_LATE] = "UPDATE sla.clock{T} k SET breach_escalation_pending = NULL WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND k.ticket_key OPERATOR(pg_catalog.=) $2{K} AND k.id OPERATOR(pg_catalog.=) $3",
	/*
	 * An escalation step: the clock locked or skipped, its pending step read after the lock; the
	 * step recorded (step_done, step_seen_at), and the clock's trigger clock_steps finds the next.
	 */
	[S_CLAIM_STEP_LOCK] = "SELECT k.state OPERATOR(pg_catalog.=) 'running' AND k.step_at OPERATOR(pg_catalog.<) $4, "
	"k.step_percent FROM sla.clock{T} k WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND k.ticket_key OPERATOR(pg_catalog.=) $2{K} AND k.id OPERATOR(pg_catalog.=) $3 FOR UPDATE SKIP LOCKED",
	[S_CLAIM_STEP] = "UPDATE sla.clock{T} k SET step_done = k.step_percent, step_seen_at = $4 "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 AND k.ticket_key OPERATOR(pg_catalog.=) $2{K} "
	"AND k.id OPERATOR(pg_catalog.=) $3",
	/* the ticket's state without a lock (a configuration edit's look at what it would move),
	 * and with the lock unless another transaction holds it */
	[S_TICKET_READ] = TICKET_STATE_SQL,
	[S_TICKET_TRYLOCK] = TICKET_STATE_SQL " FOR UPDATE SKIP LOCKED",
	/* the breach check's claims lock the ticket before its clock, as every writer does (never
	 * the clock alone: a checker holding a clock and waiting for its ticket, for a raise_level
	 * escalation, deadlocked with a writer holding the ticket and stopping that clock) */
	[S_CLAIM_TICKET] = "SELECT 1 FROM sla.ticket{T} "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2{K} FOR UPDATE SKIP LOCKED",
	[S_TICKET_EXISTS] = "SELECT 1 FROM sla.ticket{T} "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2{K}",
	/*
	 * The messages of one statement (message_batch.c).  The tickets locked in key order (two
	 * such statements lock their common tickets in the same order), each with its state as
	 * TICKET_STATE_SQL reads it after its place in $2; then their latest facts and their clocks,
	 * each statement after the lock's (READ COMMITTED: it sees what the last holder committed).
	 */
	[S_TICKETS_LOCK] = "SELECT k.n::pg_catalog.int4, t.level_id, t.lifecycle, t.agent_replied, t.customer_waiting_since, "
	"t.department, t.agent, t.requester, t.rules_recheck_at, t.ticket_key::pg_catalog.text " TICKETS_JOIN("ticket", "t")
	"ORDER BY t.ticket_key FOR UPDATE OF t",
	[S_TICKETS_TAIL] = "SELECT k.n::pg_catalog.int4, x.seq, x.at FROM pg_catalog.unnest($2::text[]) WITH ORDINALITY AS k(key, n) "
	"CROSS JOIN LATERAL (SELECT f.seq, f.at FROM sla.fact{T} f WHERE f.attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND f.ticket_key OPERATOR(pg_catalog.=) k.key{K} ORDER BY f.seq DESC LIMIT 1) x",
	[S_TICKETS_CLOCKS] = "SELECT k.n::pg_catalog.int4, " CLOCK_COLUMNS " " TICKETS_JOIN("clock", "c"),
	/* ids for the new clocks ($1) and places in the timeline ($2: events and clock starts), in
	 * the sequences' order */
	[S_DRAW_IDS] = "SELECT ARRAY(SELECT pg_catalog.nextval('sla.clock_id_seq') FROM pg_catalog.generate_series(1, $1)), "
	"ARRAY(SELECT pg_catalog.nextval('sla.event_id_seq') FROM pg_catalog.generate_series(1, $2))",
	/* the clocks started, as S_START writes one, with the ids and places drawn; one the same
	 * statement's messages stopped is written stopped (its late breach recorded by the insert's
	 * trigger, clock_late_breach_insert) */
	[S_CLOCKS_START] = "INSERT INTO sla.clock{T} (id, attachment_id, ticket_key, metric, cycle, level_id, calendar_id, "
	"target, started_at, due_at, state, department, agent, requester, warn_at, started_pos, policy_version, "
	"stopped_at, business_used) "
	"SELECT m.id, $1, m.key{K}, m.metric::sla.metric, m.cycle, m.level, m.calendar, m.target, m.started, m.due, m.state, "
	"m.department, m.agent, m.requester, m.warn, m.pos, m.version, m.stopped, m.used "
	"FROM unnest($2::int8[], $3::text[], $4::text[], $5::int4[], $6::int4[], $7::int4[], $8, $9::timestamptz[], "
	"$10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::int8[], $16::int4[], "
	"$17::text[], $18::timestamptz[], $19) "
	"AS m(id, key, metric, cycle, level, calendar, target, started, due, department, agent, requester, warn, pos, version, "
	"state, stopped, used)",
	/* the clocks stopped, as S_STOP changes one (their events are S_EVENTS_WRITE's) */
	[S_CLOCKS_STOP] = "UPDATE sla.clock{T} k SET stopped_at = u.at, state = u.state, business_used = u.used "
	"FROM unnest($2::int8[], $3::text[], $4::timestamptz[], $5::text[], $6) AS u(id, key, at, state, used) "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 AND k.ticket_key OPERATOR(pg_catalog.=) u.key{K} "
	"AND k.id OPERATOR(pg_catalog.=) u.id",
	[S_EVENTS_WRITE] = "INSERT INTO sla.event{T} (id, attachment_id, ticket_key, clock_id, at, kind, detail) "
	"SELECT e.id, $1, e.key{K}, e.clock, e.at, e.kind, e.detail FROM unnest($2::int8[], $3::text[], $4::int8[], "
	"$5::timestamptz[], $6::text[], $7::jsonb[]) AS e(id, key, clock, at, kind, detail)",
	/* the late breaches the clocks' trigger recorded while the stops were written (late_breach.c),
	 * each in the place kept for it, as that trigger writes one */
	[S_BREACHES_WRITE] = "INSERT INTO sla.event{T} (id, attachment_id, ticket_key, clock_id, at, kind, detail) "
	"SELECT b.id, $1, b.key{K}, b.clock, b.at, 'breach', " SLA_LATE_BREACH_DETAIL("b.metric::sla.metric", "b.due", "b.at") " "
	"FROM unnest($2::int8[], $3::text[], $4::int8[], $5::timestamptz[], $6::text[], $7::timestamptz[]) "
	"AS b(id, key, clock, at, metric, due)",
	[S_FACTS_WRITE] = "INSERT INTO sla.fact{T} (attachment_id, ticket_key, seq, at, kind, detail) "
	"SELECT $1, f.key{K}, f.seq, f.at, f.kind, f.detail FROM unnest($2::text[], $3::int4[], $4::timestamptz[], "
	"$5::text[], $6::jsonb[]) AS f(key, seq, at, kind, detail)",
	/* each ticket once: its state after the statement's messages, as S_TICKET_UPDATE writes it */
	[S_TICKETS_UPDATE] = "UPDATE sla.ticket{T} t SET level_id = u.level, lifecycle = u.lifecycle, agent_replied = u.replied, "
	"customer_waiting_since = u.waiting FROM unnest($2::text[], $3::int4[], $4::text[], $5::bool[], "
	"$6::timestamptz[]) AS u(key, level, lifecycle, replied, waiting) "
	"WHERE t.attachment_id OPERATOR(pg_catalog.=) $1 AND t.ticket_key OPERATOR(pg_catalog.=) u.key{K}",
	/* a ticket a configuration edit could not lock: the breach check re-targets it */
	[S_POLICY_PENDING] = "INSERT INTO sla.policy_retarget_pending (attachment_id, ticket_key, at) "
	"VALUES ($1, $2, $3) ON CONFLICT (attachment_id, ticket_key) DO NOTHING",
	/* when the ticket's rules relative to now may next choose another level (src/rule_recheck.c) */
	[S_RECHECK_SET] = "UPDATE sla.ticket{T} SET rules_recheck_at = $3 "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2{K}",
	/* the breach check's claim of a ticket whose rules are due: locked or skipped (another
	 * checker or a writer of the ticket holds it), the instant compared by the caller (no
	 * condition on it here: see the claims of clocks above) */
	[S_RECHECK_CLAIM] = "SELECT rules_recheck_at FROM sla.ticket{T} "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2{K} FOR UPDATE SKIP LOCKED",
	/* a changed ticket key: every tracking row follows, and an event says so */
	[S_REKEY] = "WITH t AS (UPDATE sla.ticket{T} SET ticket_key = $3{K} WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2{K} RETURNING 1), "
	"c AS (UPDATE sla.clock{T} SET ticket_key = $3{K} WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2{K} RETURNING 1), "
	"e AS (UPDATE sla.event{T} SET ticket_key = $3{K} WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2{K} RETURNING 1), "
	"f AS (UPDATE sla.fact{T} SET ticket_key = $3{K} WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2{K} RETURNING 1) "
	EVENT_INSERT "SELECT $1, $3{K}, NULL, $4, 'key_changed', $5 FROM t "
	"WHERE (SELECT pg_catalog.count(*) FROM c) OPERATOR(pg_catalog.>=) 0 "
	"AND (SELECT pg_catalog.count(*) FROM e) OPERATOR(pg_catalog.>=) 0 "
	"AND (SELECT pg_catalog.count(*) FROM f) OPERATOR(pg_catalog.>=) 0",
};

/*
 * The same statements for the 0.1.0 schema, which has no sla.ticket.last_fact_at and no holder
 * on sla.ticket: between installing this library and ALTER EXTENSION sla UPDATE the helpdesk's
 * writes go on (the clocks move as before; the new columns are filled from the update on).
 */
static const char *const statement_sql_0_1[S_COUNT] = {
	[S_TICKET_CLOCKS] = "SELECT " CLOCK_COLUMNS_0_1 " FROM sla.clock WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2",
	[S_CLOCK_BY_ID] = "SELECT " CLOCK_COLUMNS_0_1 " FROM sla.clock WHERE id OPERATOR(pg_catalog.=) $1",
	[S_START] = "WITH c AS (INSERT INTO sla.clock (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, "
	"target, started_at, due_at, state, department, agent, requester, warn_at) "
	"VALUES ($1, $2, $3::sla.metric, $4, $5, $6, $7, $8, $9, 'running', $10, $11, $12, $14) RETURNING id) "
	EVENT_INSERT "SELECT $1, $2, c.id, $8, 'clock_started', $13 FROM c RETURNING clock_id",
	[S_TICKET_INSERT] = "INSERT INTO sla.ticket (attachment_id, ticket_key, level_id, lifecycle, agent_replied, "
	"customer_waiting_since) VALUES ($1, $2, $3, $4, $5, $6)",
	[S_NEW_TICKET] = "WITH t AS (INSERT INTO sla.ticket (attachment_id, ticket_key, level_id, lifecycle) "
	"VALUES ($1, $2, $3, 'open')), "
	"c AS (INSERT INTO sla.clock (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target, "
	"started_at, due_at, state, warn_at, department, agent, requester) "
	"SELECT $1, $2, m.metric::sla.metric, 1, $3, $4, m.target, $5, m.due, 'running', m.warn, $6, $7, $8 "
	"FROM unnest($9::text[], $10, $11::timestamptz[], $12::timestamptz[]) WITH ORDINALITY AS m(metric, target, due, warn, n) "
	"ORDER BY m.n RETURNING id, metric, target) "
	EVENT_INSERT "SELECT $1, $2, e.clock_id, $5, e.kind, e.detail FROM ("
	"SELECT 0::bigint AS ord, NULL::bigint AS clock_id, 'level_chosen' AS kind, $13::jsonb AS detail "
	"UNION ALL SELECT c.id, c.id, 'clock_started', pg_catalog.jsonb_build_object('metric', c.metric, 'cycle', 1, "
	"'target', c.target::text) FROM c) e ORDER BY e.ord RETURNING clock_id",
	[S_TICKET_LOCK] = "SELECT level_id, lifecycle, agent_replied, customer_waiting_since, "
	"c.department, c.agent, c.requester, NULL::timestamptz FROM sla.ticket t LEFT JOIN LATERAL (SELECT k.department, k.agent, "
	"k.requester FROM sla.clock k WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND k.ticket_key OPERATOR(pg_catalog.=) $2 ORDER BY k.id DESC LIMIT 1) c ON true "
	"WHERE t.attachment_id OPERATOR(pg_catalog.=) $1 AND t.ticket_key OPERATOR(pg_catalog.=) $2 FOR UPDATE OF t",
	[S_TICKET_UPDATE] = "UPDATE sla.ticket SET level_id = $3, lifecycle = $4, agent_replied = $5, "
	"customer_waiting_since = $6 "
	"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2",
	[S_REKEY] = "WITH t AS (UPDATE sla.ticket SET ticket_key = $3 WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2 RETURNING 1), "
	"c AS (UPDATE sla.clock SET ticket_key = $3 WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2 RETURNING 1), "
	"e AS (UPDATE sla.event SET ticket_key = $3 WHERE attachment_id OPERATOR(pg_catalog.=) $1 "
	"AND ticket_key OPERATOR(pg_catalog.=) $2 RETURNING 1) "
	EVENT_INSERT "SELECT $1, $3, NULL, $4, 'key_changed', $5 FROM t "
	"WHERE (SELECT pg_catalog.count(*) FROM c) OPERATOR(pg_catalog.>=) 0 "
	"AND (SELECT pg_catalog.count(*) FROM e) OPERATOR(pg_catalog.>=) 0",
	[S_RETARGET] = "WITH c AS (UPDATE sla.clock k SET level_id = $3, calendar_id = $4, target = $5, due_at = $6 "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $7 AND k.ticket_key OPERATOR(pg_catalog.=) $8 "
	"AND k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id) "
	EVENT_INSERT "SELECT $7, $8, c.id, $2, 'retargeted', $9 FROM c RETURNING clock_id",
	[S_REASSIGN] = "WITH c AS (UPDATE sla.clock k SET department = $4, agent = $5, requester = $7 "
	"WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 AND k.ticket_key OPERATOR(pg_catalog.=) $2 "
	"AND k.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused']) RETURNING k.id) "
	EVENT_INSERT "VALUES ($1, $2, NULL, $3, 'reassigned', $6)",
};

/*
 * On Citus the statements that are data-modifying CTEs run as their parts, one after the
 * other with the same parameters: inside a shard trigger Citus plans such a CTE through
 * intermediate results (files written and read back for every row), its parts each as a local
 * router statement.  A part starting with '?' runs only when the part before it touched a row
 * (the CTE's "SELECT ... FROM c").  The last part's result is the statement's.
 */
#define CITUS_PARTS 3
#define CLOCK_UPDATE_WHERE(att, key) "WHERE k.attachment_id OPERATOR(pg_catalog.=) " att " AND k.ticket_key OPERATOR(pg_catalog.=) " key "{K} " \
	"AND k.id OPERATOR(pg_catalog.=) $1 RETURNING k.id"
#define CLOCK_EVENT(att, key, kind, detail) "?" EVENT_INSERT "VALUES (" att ", " key "{K}, $1, $2, '" kind "', " detail ") RETURNING clock_id"
static const char *const statement_sql_citus[S_COUNT][CITUS_PARTS] = {
	[S_PAUSE] = {"UPDATE sla.clock{T} k SET state = 'paused', paused_since = $2 " CLOCK_UPDATE_WHERE("$3", "$4"),
	CLOCK_EVENT("$3", "$4", "paused", "$5")},
	[S_RESUME] = {"UPDATE sla.clock{T} k SET state = 'running', paused_since = NULL, paused_for = $3, due_at = $4 "
		CLOCK_UPDATE_WHERE("$5", "$6"), CLOCK_EVENT("$5", "$6", "resumed", "$7")},
	[S_STOP] = {"UPDATE sla.clock{T} k SET stopped_at = $2, state = $3, business_used = $4 " CLOCK_UPDATE_WHERE("$5", "$6"),
	CLOCK_EVENT("$5", "$6", "stopped", "$7")},
	[S_CANCEL] = {"UPDATE sla.clock{T} k SET state = 'cancelled', stopped_at = $2, paused_since = NULL "
		CLOCK_UPDATE_WHERE("$3", "$4"), CLOCK_EVENT("$3", "$4", "cancelled", "$5")},
	[S_REOPEN] = {"UPDATE sla.clock{T} k SET state = $3, paused_since = $4, paused_for = $5, due_at = $6, "
		"stopped_at = NULL, business_used = NULL " CLOCK_UPDATE_WHERE("$7", "$8"), CLOCK_EVENT("$7", "$8", "reopened", "$9")},
	[S_RETARGET] = {"UPDATE sla.clock{T} k SET level_id = $3, calendar_id = $4, target = $5, due_at = $6, policy_version = $10 "
		CLOCK_UPDATE_WHERE("$7", "$8"), CLOCK_EVENT("$7", "$8", "retargeted", "$9")},
	[S_REASSIGN] = {"UPDATE sla.ticket{T} SET department = $4, agent = $5, requester = $7 "
		"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2{K}",
		"UPDATE sla.clock{T} k SET department = $4, agent = $5, requester = $7 "
		"WHERE k.attachment_id OPERATOR(pg_catalog.=) $1 AND k.ticket_key OPERATOR(pg_catalog.=) $2{K} "
		"AND k.state OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'paused'])",
	EVENT_INSERT "VALUES ($1, $2{K}, NULL, $3, 'reassigned', $6)"},
	[S_TICKET_UPDATE_AND_FACT] = {"INSERT INTO sla.fact{T} (attachment_id, ticket_key, seq, at, kind, detail) "
		"VALUES ($1, $2{K}, $7, $8, $9, $10)",
		"UPDATE sla.ticket{T} SET level_id = $3, lifecycle = $4, agent_replied = $5, customer_waiting_since = $6 "
		"WHERE attachment_id OPERATOR(pg_catalog.=) $1 AND ticket_key OPERATOR(pg_catalog.=) $2{K}"},
	[S_NEW_TICKET] = {"INSERT INTO sla.ticket{T} (attachment_id, ticket_key, level_id, lifecycle, "
		"department, agent, requester) VALUES ($1, $2{K}, $3, 'open', $6, $7, $8)",
		"INSERT INTO sla.fact{T} (attachment_id, ticket_key, seq, at, kind, detail) "
		"SELECT $1, $2{K}, $14, $15, $16, $17 WHERE $14 IS NOT NULL",
		"INSERT INTO sla.clock{T} (attachment_id, ticket_key, metric, cycle, level_id, calendar_id, target, "
		"started_at, due_at, state, warn_at, department, agent, requester, started_pos, policy_version) "
		"SELECT $1, $2{K}, m.metric::sla.metric, 1, $3, $4, m.target, $5, m.due, 'running', m.warn, $6, $7, $8, "
		"pg_catalog.nextval('sla.event_id_seq'), $18 "
		"FROM unnest($9::text[], $10, $11::timestamptz[], $12::timestamptz[]) WITH ORDINALITY AS m(metric, target, due, warn, n) "
		"ORDER BY m.n RETURNING id"},
};

static SPIPlanPtr plans[SLA_KEY_TYPES][S_COUNT];
static SPIPlanPtr citus_plans[SLA_KEY_TYPES][S_COUNT][CITUS_PARTS];
static bool plans_for_citus = false;
static bool plans_for_0_1 = false;
static uint32 plan_uses[SLA_KEY_TYPES][S_COUNT];
static uint64 plans_generation = 0;

/* A statement's text for the tables of one key type (the 0.1.0 schema: one set, text keys). */
static char *
template_text(const char *template, SlaKeyType kt)
{
	StringInfoData buf;
	const char *p;

	initStringInfo(&buf);
	for (p = template; *p; p++)
	{
		if (strncmp(p, "{T}", 3) == 0)
		{
			if (!plans_for_0_1)
				appendStringInfo(&buf, "_%s", sla_key_type_names[kt]);
			p += 2;
		}
		else if (strncmp(p, "{K}", 3) == 0)
		{
			if (!plans_for_0_1 && kt != SLA_KEY_TEXT)
				appendStringInfo(&buf, "::pg_catalog.%s", sla_key_type_names[kt]);
			p += 2;
		}
		else
			appendStringInfoChar(&buf, *p);
	}
	return buf.data;
}

static char *
statement_text(Statement s, SlaKeyType kt)
{
	return template_text(plans_for_0_1 && statement_sql_0_1[s] ? statement_sql_0_1[s] : statement_sql[s], kt);
}

/*
 * A kept plan is made again after this many executions: a generic plan chosen while the tables
 * were small (or never analyzed, inside one long transaction that fills them) must not outlive
 * their growth.  Planning anew costs a few custom plans per 10,000 rows.
 */
#define PLAN_REUSES 10000

Oid
sla_business_interval_type(void)
{
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("business_interval"),
						   ObjectIdGetDatum(get_namespace_oid("sla", false)));
}

#define TYPES(...) \
	do { \
		Oid t_[] = {__VA_ARGS__}; \
		*n = lengthof(t_); \
		memcpy(types, t_, sizeof(t_)); \
	} while (0)

static void
argument_types(Statement s, Oid *types, int *n)
{
	Oid			bi = sla_business_interval_type();

	switch (s)
	{
		case S_START:
			TYPES(INT4OID, TEXTOID, TEXTOID, INT4OID, INT4OID, INT4OID, bi, TIMESTAMPTZOID, TIMESTAMPTZOID,
				  TEXTOID, TEXTOID, TEXTOID, JSONBOID, TIMESTAMPTZOID, INT4OID);
			break;
		case S_PAUSE:
		case S_CANCEL:
			TYPES(INT8OID, TIMESTAMPTZOID, INT4OID, TEXTOID, JSONBOID);
			break;
		case S_RESUME:
			TYPES(INT8OID, TIMESTAMPTZOID, bi, TIMESTAMPTZOID, INT4OID, TEXTOID, JSONBOID);
			break;
		case S_STOP:
			TYPES(INT8OID, TIMESTAMPTZOID, TEXTOID, bi, INT4OID, TEXTOID, JSONBOID);
			break;
		case S_EVENT:
			TYPES(INT4OID, TEXTOID, INT8OID, TIMESTAMPTZOID, TEXTOID, JSONBOID);
			break;
		case S_TICKET_INSERT:
			TYPES(INT4OID, TEXTOID, INT4OID, TEXTOID, BOOLOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID);
			break;
		case S_TICKET_UPDATE:
			TYPES(INT4OID, TEXTOID, INT4OID, TEXTOID, BOOLOID, TIMESTAMPTZOID);
			break;
		case S_TICKET_UPDATE_AND_FACT:
			TYPES(INT4OID, TEXTOID, INT4OID, TEXTOID, BOOLOID, TIMESTAMPTZOID, INT4OID, TIMESTAMPTZOID, TEXTOID, JSONBOID);
			break;
		case S_FACT_INSERT:
		case S_FACT_APPEND:
			TYPES(INT4OID, TEXTOID, INT4OID, TIMESTAMPTZOID, TEXTOID, JSONBOID);
			break;
		case S_FACT_KINDS_AT:
			TYPES(INT4OID, TEXTOID, TIMESTAMPTZOID);
			break;
		case S_FACTS:
			TYPES(INT4OID, TEXTOID);
			break;
		case S_CLOCK_REPLACE:
			TYPES(INT8OID, INT4OID, INT4OID, bi, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, bi, TIMESTAMPTZOID,
				  TEXTOID, bi, INT4OID, TEXTOID, INT4OID);
			break;
		case S_CLOCK_INSERT:
			TYPES(INT4OID, TEXTOID, TEXTOID, INT4OID, INT4OID, INT4OID, bi, TIMESTAMPTZOID, TIMESTAMPTZOID,
				  TIMESTAMPTZOID, bi, TIMESTAMPTZOID, TEXTOID, bi, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, INT4OID);
			break;
		case S_CLOCK_DELETE:
			TYPES(INT8OID, INT4OID, TEXTOID);
			break;
		case S_CLOCK_STARTED_POS:
			TYPES(INT8OID, INT4OID, TEXTOID, INT8OID);
			break;
		case S_POSITION:
			*n = 0;
			break;
		case S_EVENTS_DELETE_AT:
			TYPES(INT4OID, TEXTOID, TIMESTAMPTZOID);
			break;
		case S_REKEY:
			TYPES(INT4OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, JSONBOID);
			break;
		case S_REOPEN:
			TYPES(INT8OID, TIMESTAMPTZOID, TEXTOID, TIMESTAMPTZOID, bi, TIMESTAMPTZOID, INT4OID, TEXTOID, JSONBOID);
			break;
		case S_RETARGET:
			TYPES(INT8OID, TIMESTAMPTZOID, INT4OID, INT4OID, bi, TIMESTAMPTZOID, INT4OID, TEXTOID, JSONBOID, INT4OID);
			break;
		case S_NEW_TICKET:
			TYPES(INT4OID, TEXTOID, INT4OID, INT4OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID,
				  TEXTARRAYOID, get_array_type(bi), TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, JSONBOID,
				  INT4OID, TIMESTAMPTZOID, TEXTOID, JSONBOID, INT4OID);
			break;
		case S_NEW_TICKETS:
			TYPES(INT4OID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
				  TEXTARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, get_array_type(JSONBOID),
				  TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, INT4ARRAYOID, get_array_type(bi), TIMESTAMPTZARRAYOID,
				  TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID);
			break;
		case S_REASSIGN:
			TYPES(INT4OID, TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, JSONBOID, TEXTOID);
			break;
		case S_TICKET_LOCK:
		case S_TICKET_TAIL:
		case S_LAST_MESSAGE:
		case S_TICKET_PEEK:
		case S_TICKET_CLOCKS:
			TYPES(INT4OID, TEXTOID);
			break;
		case S_CLOCK_BY_ID:
			TYPES(INT8OID);
			break;
		case S_CLAIM_LOCK:
			TYPES(INT4OID, TEXTOID, INT8OID, TEXTOID);
			break;
		case S_CLAIM_WARNING:
		case S_CLAIM_BREACH:
		case S_CLAIM_STEP_LOCK:
		case S_CLAIM_STEP:
			TYPES(INT4OID, TEXTOID, INT8OID, TIMESTAMPTZOID);
			break;
		case S_CLAIM_LATE_LOCK:
		case S_CLAIM_LATE:
			TYPES(INT4OID, TEXTOID, INT8OID);
			break;
		case S_RECHECK_SET:
			TYPES(INT4OID, TEXTOID, TIMESTAMPTZOID);
			break;
		case S_RECHECK_CLAIM:
		case S_TICKET_READ:
		case S_TICKET_TRYLOCK:
		case S_CLAIM_TICKET:
		case S_TICKET_EXISTS:
			TYPES(INT4OID, TEXTOID);
			break;
		case S_POLICY_PENDING:
			TYPES(INT4OID, TEXTOID, TIMESTAMPTZOID);
			break;
		case S_TICKETS_LOCK:
		case S_TICKETS_TAIL:
		case S_TICKETS_CLOCKS:
			TYPES(INT4OID, TEXTARRAYOID);
			break;
		case S_DRAW_IDS:
			TYPES(INT4OID, INT4OID);
			break;
		case S_CLOCKS_START:
			TYPES(INT4OID, INT8ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, INT4ARRAYOID, INT4ARRAYOID,
				  get_array_type(bi), TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
				  TEXTARRAYOID, TIMESTAMPTZARRAYOID, INT8ARRAYOID, INT4ARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID,
				  get_array_type(bi));
			break;
		case S_CLOCKS_STOP:
			TYPES(INT4OID, INT8ARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, get_array_type(bi));
			break;
		case S_EVENTS_WRITE:
			TYPES(INT4OID, INT8ARRAYOID, TEXTARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID,
				  get_array_type(JSONBOID));
			break;
		case S_FACTS_WRITE:
			TYPES(INT4OID, TEXTARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID, get_array_type(JSONBOID));
			break;
		case S_BREACHES_WRITE:
			TYPES(INT4OID, INT8ARRAYOID, TEXTARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID,
				  TIMESTAMPTZARRAYOID);
			break;
		case S_TICKETS_UPDATE:
			TYPES(INT4OID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID, BOOLARRAYOID, TIMESTAMPTZARRAYOID);
			break;
		case S_COUNT:
			elog(ERROR, "no such statement");
	}
}

/* The kept plans, made again after a configuration change or an update of the schema. */
static void
refresh_plans(void)
{
	sla_config_cache_prepare();
	if (plans_generation != sla_calendar_generation || plans_for_0_1 != sla_schema_before_0_2())
	{
		int			i,
					k;

		for (k = 0; k < SLA_KEY_TYPES; k++)
			for (i = 0; i < S_COUNT; i++)
			{
				int			j;

				if (plans[k][i])
				{
					SPI_freeplan(plans[k][i]);
					plans[k][i] = NULL;
				}
				for (j = 0; j < CITUS_PARTS; j++)
					if (citus_plans[k][i][j])
					{
						SPI_freeplan(citus_plans[k][i][j]);
						citus_plans[k][i][j] = NULL;
					}
			}
		plans_generation = sla_calendar_generation;
		plans_for_0_1 = sla_schema_before_0_2();
		plans_for_citus = !plans_for_0_1 && sla_citus_installed();
	}
}

/*
 * Execute a statement on the tables of a key type (the caller is connected to SPI); returns
 * SPI_processed.
 */
static uint64
run(Statement s, SlaKeyType kt, Datum *values, const char *nulls)
{
	int			rc;

	/* no tracking row is read or changed before the work queued ahead of it is done: the new
	 * tickets written, then the messages applied (each queue is taken before it is done, so its
	 * own statements find it empty; the new tickets' write leaves the messages queued after them) */
	if (s != S_NEW_TICKETS)
	{
		if (sla_new_tickets_queued())
			sla_new_tickets_flush();
		if (sla_messages_queued())
			sla_messages_flush();
	}
	refresh_plans();
	if (plans_for_0_1)
		kt = SLA_KEY_TEXT;
	if (plans_for_citus && statement_sql_citus[s][0] != NULL)
	{
		uint64		processed = 0;
		int			j;

		for (j = 0; j < CITUS_PARTS && statement_sql_citus[s][j] != NULL; j++)
		{
			const char *part = statement_sql_citus[s][j];

			if (part[0] == '?')
			{
				if (processed == 0)
					break;
				part++;
			}
			if (citus_plans[kt][s][j] == NULL)
			{
				Oid			types[24];
				int			n;
				SPIPlanPtr	plan;

				argument_types(s, types, &n);
				plan = SPI_prepare(template_text(part, kt), n, types);
				if (plan == NULL)
					elog(ERROR, "could not prepare an sla statement: %s", SPI_result_code_string(SPI_result));
				if (SPI_keepplan(plan) != 0)
					elog(ERROR, "could not keep an sla statement");
				citus_plans[kt][s][j] = plan;
			}
			rc = SPI_execute_plan(citus_plans[kt][s][j], values, nulls, false, 0);
			if (rc < 0)
				elog(ERROR, "sla statement failed: %s", SPI_result_code_string(rc));
			processed = SPI_processed;
		}
		return processed;
	}
	if (plans[kt][s] != NULL && ++plan_uses[kt][s] >= PLAN_REUSES)
	{
		SPI_freeplan(plans[kt][s]);
		plans[kt][s] = NULL;
	}
	if (plans[kt][s] == NULL)
	{
		Oid			types[24];
		int			n = 0;
		SPIPlanPtr	plan;

		argument_types(s, types, &n);
		plan = SPI_prepare(statement_text(s, kt), n, types);
		if (plan == NULL)
			elog(ERROR, "could not prepare an sla statement: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "could not keep an sla statement");
		plans[kt][s] = plan;
		plan_uses[kt][s] = 0;
	}
	rc = SPI_execute_plan(plans[kt][s], values, nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "sla statement failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

static Datum
jsonb_datum(const char *json)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(json));
}

static Datum
text_or_null(const char *s, char *null)
{
	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

static Datum
time_or_null(bool set, int64 t, char *null)
{
	*null = set ? ' ' : 'n';
	return set ? TimestampTzGetDatum(t) : (Datum) 0;
}

/* a policy version for sla.clock.policy_version: 0 (none known) is NULL */
static Datum
version_or_null(int32 version, char *null)
{
	*null = version != 0 ? ' ' : 'n';
	return Int32GetDatum(version);
}

/* a policy version in an event's detail: 0 (none known) is null */
static char *
version_json(int32 version)
{
	return version != 0 ? psprintf("%d", version) : "null";
}

/*
 * What a configuration edit changed, for the events of the clocks it re-targets or cancels
 * ("holiday added", "target changed"...): set by the re-targeting trigger for the length of its
 * work (sla_set_policy_change), NULL otherwise (a re-target left to the breach check: the
 * event's from_version and to_version tell, through sla.policy_diff).
 */
static const char *policy_change = NULL;

void
sla_set_policy_change(const char *change)
{
	/* the version first: a failure leaves both as they were */
	int32		version = change != NULL && !sla_schema_before_0_2() ? policy_version_of_edit() : 0;

	policy_change = change;
	edit_version = version;
}

/* {"metric": "...", <extra>} as JSON text; extra pairs are already-escaped JSON members. */
static char *
metric_detail(sla_metric metric, const char *extra)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"metric\": ");
	escape_json(&buf, sla_metric_name(metric));
	if (extra)
		appendStringInfo(&buf, ", %s", extra);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static char *
json_string(const char *value)
{
	StringInfoData buf;

	initStringInfo(&buf);
	escape_json(&buf, value);
	return buf.data;
}

static char *
json_member(const char *key, const char *value)
{
	StringInfoData buf;

	initStringInfo(&buf);
	escape_json(&buf, key);
	appendStringInfoString(&buf, ": ");
	escape_json(&buf, value);
	return buf.data;
}

static char *
json_string_or_null(const char *value)
{
	return value ? json_string(value) : "null";
}

const char *const sla_key_type_names[SLA_KEY_TYPES] = {"int4", "int8", "uuid", "text"};

/*
 * Where an attachment's tracking rows are: sla.attachment.key_type, cached per configuration
 * generation.  A cache of its own, holding no pointer anyone keeps: the attachment cache may be
 * reset while a trigger still uses its entry, and this is read in the middle of the trigger's
 * work.
 */
static struct
{
	int32		attachment_id;
	SlaKeyType	key_type;
}			key_types[64];
static int	nkey_types = 0;
static uint64 key_types_generation = 0;

static SlaKeyType
attachment_key_type(int32 attachment_id)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		args[1] = {Int32GetDatum(attachment_id)};
	SlaKeyType	kt = SLA_KEY_TEXT;
	int			i;

	sla_config_cache_prepare();
	if (key_types_generation != sla_calendar_generation)
	{
		nkey_types = 0;
		key_types_generation = sla_calendar_generation;
	}
	for (i = 0; i < nkey_types; i++)
		if (key_types[i].attachment_id == attachment_id)
			return key_types[i].key_type;
	if (sla_schema_before_0_2())
		return SLA_KEY_TEXT;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT key_type FROM sla.attachment WHERE id OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.attachment");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("sla attachment %d does not exist", attachment_id)));
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		/* the column's CHECK admits only these */
		for (i = 0; i < SLA_KEY_TYPES; i++)
			if (strcmp(name, sla_key_type_names[i]) == 0)
				kt = (SlaKeyType) i;
	}
	SPI_finish();
	if (nkey_types < (int) lengthof(key_types) && key_types_generation == sla_calendar_generation)
	{
		key_types[nkey_types].attachment_id = attachment_id;
		key_types[nkey_types].key_type = kt;
		nkey_types++;
	}
	return kt;
}

/* ---------------------------------------------------------------- events */

void
sla_log_event(int32 attachment_id, const char *key, int64 clock_id, TimestampTz at, const char *kind,
			  const char *detail)
{
	Datum		v[6];
	char		n[7] = "      ";

	v[0] = Int32GetDatum(attachment_id);
	v[1] = CStringGetTextDatum(key);
	v[2] = Int64GetDatum(clock_id);
	if (clock_id == 0)
		n[2] = 'n';
	v[3] = TimestampTzGetDatum(at);
	v[4] = CStringGetTextDatum(kind);
	v[5] = detail ? jsonb_datum(detail) : (Datum) 0;
	if (detail == NULL)
		n[5] = 'n';
	run(S_EVENT, attachment_key_type(attachment_id), v, n);
}

/* ---------------------------------------------------------------- reading a ticket */

/* A clock from CLOCK_COLUMNS read from column first on. */
static void
clock_from_tuple(HeapTuple tup, TupleDesc desc, int first, sla_cf_clock *c)
{
	bool		isnull;
	Datum		d;

	memset(c, 0, sizeof(*c));
	c->id = DatumGetInt64(SPI_getbinval(tup, desc, first, &isnull));
	c->metric = METRIC_OF(SPI_getvalue(tup, desc, first + 3));
	c->cycle = DatumGetInt32(SPI_getbinval(tup, desc, first + 4, &isnull));
	c->level_id = DatumGetInt32(SPI_getbinval(tup, desc, first + 5, &isnull));
	c->calendar_id = DatumGetInt32(SPI_getbinval(tup, desc, first + 6, &isnull));
	c->target = *DatumGetBusinessIntervalP(SPI_getbinval(tup, desc, first + 7, &isnull));
	c->started_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, first + 8, &isnull));
	c->due_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, first + 9, &isnull));
	d = SPI_getbinval(tup, desc, first + 10, &isnull);
	c->paused = !isnull;
	c->paused_since = isnull ? 0 : DatumGetTimestampTz(d);
	c->paused_for = *DatumGetBusinessIntervalP(SPI_getbinval(tup, desc, first + 11, &isnull));
	d = SPI_getbinval(tup, desc, first + 12, &isnull);
	c->stopped = !isnull;
	c->stopped_at = isnull ? 0 : DatumGetTimestampTz(d);
	c->state = CLOCK_STATE_OF(SPI_getvalue(tup, desc, first + 13));
	d = SPI_getbinval(tup, desc, first + 17, &isnull);
	if (!isnull)
		c->used = *DatumGetBusinessIntervalP(d);
	d = SPI_getbinval(tup, desc, first + 18, &isnull);
	c->policy_version = isnull ? 0 : DatumGetInt32(d);
	c->stored_due_at = c->due_at;
	c->stored_target = c->target;
}

static char *
text_column(HeapTuple tup, TupleDesc desc, int col)
{
	return SPI_getvalue(tup, desc, col);	/* NULL for SQL NULL */
}

/* A ticket's state row as TICKET_STATE_SQL reads it, from column first on: it is tracked. */
static void
ticket_state_from_tuple(HeapTuple tup, TupleDesc desc, int first, SlaStoredTicket *out)
{
	bool		isnull;
	Datum		d;

	out->t.tracked = true;
	d = SPI_getbinval(tup, desc, first, &isnull);
	out->t.level_id = isnull ? 0 : DatumGetInt32(d);
	out->t.lifecycle = LIFECYCLE_OF(SPI_getvalue(tup, desc, first + 1));
	out->t.agent_replied = DatumGetBool(SPI_getbinval(tup, desc, first + 2, &isnull));
	d = SPI_getbinval(tup, desc, first + 3, &isnull);
	out->t.customer_waiting = !isnull;
	out->t.customer_waiting_since = isnull ? 0 : DatumGetTimestampTz(d);
	out->holder.department = text_column(tup, desc, first + 4);
	out->holder.agent = text_column(tup, desc, first + 5);
	out->holder.requester = text_column(tup, desc, first + 6);
	d = SPI_getbinval(tup, desc, first + 7, &isnull);
	out->has_rules_recheck = !isnull;
	out->rules_recheck_at = isnull ? 0 : DatumGetTimestampTz(d);
}

static int
compare_clock_ids(const void *a, const void *b)
{
	int64		x = ((const sla_cf_clock *) a)->id,
				y = ((const sla_cf_clock *) b)->id;

	return x < y ? -1 : x > y;
}

void
sla_stored_ticket_new(int32 attachment_id, const char *key, SlaStoredTicket *out)
{
	memset(out, 0, sizeof(*out));
	out->attachment_id = attachment_id;
	out->key = pstrdup(key);
	out->t.lifecycle = SLA_LC_OPEN;
	out->t.capacity = SLA_CF_MAX_NEW_CLOCKS;
	out->t.clocks = palloc0(sizeof(sla_cf_clock) * out->t.capacity);
	out->log_facts = !sla_schema_before_0_2();
	out->key_type = attachment_key_type(attachment_id);
}

bool
sla_stored_ticket_peek(int32 attachment_id, const char *key, SlaStoredTicket *out)
{
	Datum		v[2] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key)};
	bool		isnull;
	Datum		d;

	sla_stored_ticket_new(attachment_id, key, out);
	if (!out->log_facts || run(S_TICKET_PEEK, out->key_type, v, "  ") == 0)
		return false;
	out->t.tracked = true;
	out->last_message_author = text_column(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	out->has_last_message_at = !isnull;
	out->last_message_at = isnull ? 0 : DatumGetTimestampTz(d);
	return true;
}

/* The ticket's row read by statement s (locking it or not) with its clocks; false when absent. */
static bool
stored_ticket_read(int32 attachment_id, const char *key, SlaStoredTicket *out, Statement s)
{
	Datum		v[2] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key)};
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	Datum		d;
	uint64		rows,
				i;

	sla_stored_ticket_new(attachment_id, key, out);
	/* the 0.1.0 schema awaiting its update has the locking statement only */
	if (!out->log_facts)
		s = S_TICKET_LOCK;
	if (run(s, out->key_type, v, "  ") == 0)
		return false;
	ticket_state_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, out);
	if (out->log_facts && (rows = run(S_TICKET_TAIL, out->key_type, v, "  ")) > 0)
	{
		bool		found = false;

		desc = SPI_tuptable->tupdesc;
		tup = SPI_tuptable->vals[0];
		out->facts = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		out->t.has_last_at = true;
		out->t.last_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &isnull));
		for (i = 0; i < rows && !found; i++)
		{
			tup = SPI_tuptable->vals[i];
			d = SPI_getbinval(tup, desc, 3, &isnull);
			if (isnull || !DatumGetBool(d))
				continue;
			found = true;
			out->last_message_author = text_column(tup, desc, 4);
			out->has_last_message_at = true;
			out->last_message_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &isnull));
		}
		/* older than the facts read: look further back */
		if (!found && rows == TAIL_FACTS && run(S_LAST_MESSAGE, out->key_type, v, "  ") == 1)
		{
			tup = SPI_tuptable->vals[0];
			desc = SPI_tuptable->tupdesc;
			out->last_message_author = text_column(tup, desc, 1);
			d = SPI_getbinval(tup, desc, 2, &isnull);
			out->has_last_message_at = !isnull;
			out->last_message_at = isnull ? 0 : DatumGetTimestampTz(d);
		}
	}

	rows = run(S_TICKET_CLOCKS, out->key_type, v, "  ");
	out->t.capacity = (int) rows + SLA_CF_MAX_NEW_CLOCKS;
	out->t.clocks = repalloc(out->t.clocks, sizeof(sla_cf_clock) * out->t.capacity);
	for (i = 0; i < rows; i++)
		clock_from_tuple(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &out->t.clocks[i]);
	out->t.nclocks = (int) rows;
	/* in the order they started (the ids' order): read unordered, so no sort node is started */
	qsort(out->t.clocks, out->t.nclocks, sizeof(sla_cf_clock), compare_clock_ids);
	return true;
}

bool
sla_stored_ticket_load(int32 attachment_id, const char *key, SlaStoredTicket *out)
{
	return stored_ticket_read(attachment_id, key, out, S_TICKET_LOCK);
}

bool
sla_stored_ticket_read(int32 attachment_id, const char *key, SlaStoredTicket *out)
{
	return stored_ticket_read(attachment_id, key, out, S_TICKET_READ);
}

SlaTryLoad
sla_stored_ticket_try_load(int32 attachment_id, const char *key, SlaStoredTicket *out)
{
	/* SKIP LOCKED returns nothing for a held row and for a missing one alike: tell them apart */
	if (stored_ticket_read(attachment_id, key, out, S_TICKET_TRYLOCK))
		return SLA_TICKET_LOCKED;
	return sla_stored_ticket_read(attachment_id, key, out) ? SLA_TICKET_BUSY : SLA_TICKET_ABSENT;
}

/*
 * The tickets of the messages of one statement: locked in key order and read with their latest
 * fact and their clocks, in three statements for them all.  found[i]: keys[i] is tracked (then
 * out[i] holds it, its key as stored, else an untracked ticket).  A ticket read this way knows
 * no last message (the rules that read it are run with the message alone: message_batch.c).
 */
bool
sla_stored_tickets_batchable(void)
{
	refresh_plans();
	return !plans_for_citus && !plans_for_0_1;
}

void
sla_stored_tickets_lock(int32 attachment_id, char **keys, int n, SlaStoredTicket *out, bool *found)
{
	Datum	   *key_datums = palloc(sizeof(Datum) * n);
	Datum		v[2];
	SlaKeyType	kt = attachment_key_type(attachment_id);
	uint64		rows,
				r;
	int			i;
	int		   *nclocks = palloc0(sizeof(int) * n);

	for (i = 0; i < n; i++)
	{
		sla_stored_ticket_new(attachment_id, keys[i], &out[i]);
		key_datums[i] = CStringGetTextDatum(keys[i]);
		found[i] = false;
	}
	v[0] = Int32GetDatum(attachment_id);
	v[1] = PointerGetDatum(construct_array(key_datums, n, TEXTOID, -1, false, TYPALIGN_INT));

	rows = run(S_TICKETS_LOCK, kt, v, "  ");
	for (r = 0; r < rows; r++)
	{
		bool		isnull;

		i = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull)) - 1;
		ticket_state_from_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &out[i]);
		/* the key as stored ("7" for a message's "007"): two keys may name one ticket */
		out[i].key = text_column(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 10);
		found[i] = true;
	}
	rows = run(S_TICKETS_TAIL, kt, v, "  ");
	for (r = 0; r < rows; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		i = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull)) - 1;
		out[i].facts = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		out[i].t.has_last_at = true;
		out[i].t.last_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 3, &isnull));
	}
	rows = run(S_TICKETS_CLOCKS, kt, v, "  ");
	/* room first (a ticket's clocks may come in any order), then each in its place */
	for (r = 0; r < rows; r++)
	{
		bool		isnull;

		nclocks[DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull)) - 1]++;
	}
	for (i = 0; i < n; i++)
		if (nclocks[i] + SLA_CF_MAX_NEW_CLOCKS > out[i].t.capacity)
		{
			out[i].t.capacity = nclocks[i] + SLA_CF_MAX_NEW_CLOCKS;
			out[i].t.clocks = repalloc(out[i].t.clocks, sizeof(sla_cf_clock) * out[i].t.capacity);
		}
	for (r = 0; r < rows; r++)
	{
		bool		isnull;

		i = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull)) - 1;
		clock_from_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &out[i].t.clocks[out[i].t.nclocks++]);
	}
	/* in the order they started (the ids' order), as stored_ticket_read gives them */
	for (i = 0; i < n; i++)
		qsort(out[i].t.clocks, out[i].t.nclocks, sizeof(sla_cf_clock), compare_clock_ids);
}

void
sla_policy_retarget_later(int32 attachment_id, const char *key, TimestampTz at)
{
	Datum		v[3] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key), TimestampTzGetDatum(at)};

	run(S_POLICY_PENDING, attachment_key_type(attachment_id), v, "   ");
}

void
sla_stored_ticket_set_recheck(SlaStoredTicket *st, bool has, TimestampTz at)
{
	Datum		v[3] = {Int32GetDatum(st->attachment_id), CStringGetTextDatum(st->key), TimestampTzGetDatum(at)};

	if (!st->log_facts || (has == st->has_rules_recheck && (!has || at == st->rules_recheck_at)))
		return;
	run(S_RECHECK_SET, st->key_type, v, has ? "   " : "  n");
	st->has_rules_recheck = has;
	st->rules_recheck_at = has ? at : 0;
}

bool
sla_ticket_claim_recheck(int32 attachment_id, const char *key, TimestampTz as_of, TimestampTz *at)
{
	Datum		v[2] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key)};
	bool		isnull;
	Datum		d;

	if (sla_schema_before_0_2() || run(S_RECHECK_CLAIM, attachment_key_type(attachment_id), v, "  ") == 0)
		return false;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull || DatumGetTimestampTz(d) > as_of)
		return false;
	*at = DatumGetTimestampTz(d);
	return true;
}

/* ---------------------------------------------------------------- writing transitions */

static char *
bi_json_member(const char *key, sla_business_interval v)
{
	return json_member(key, bi_text(v));
}

static int64
write_start(SlaStoredTicket *st, const sla_cf_clock *c)
{
	SlaLevel   *level = sla_level_get(c->level_id);
	Datum		v[15];
	char		n[16] = "               ";
	bool		isnull;
	char		members[SLA_BI_FORMAT_MAX + 64];

	if (level == NULL)			/* cannot happen: clockflow read it under its lock */
		elog(ERROR, "SLA level %d vanished", c->level_id);
	v[0] = Int32GetDatum(st->attachment_id);
	v[1] = CStringGetTextDatum(st->key);
	v[2] = CStringGetTextDatum(sla_metric_name(c->metric));
	v[3] = Int32GetDatum(c->cycle);
	v[4] = Int32GetDatum(c->level_id);
	v[5] = Int32GetDatum(c->calendar_id);
	v[6] = BusinessIntervalPGetDatum(&c->target);
	v[7] = TimestampTzGetDatum(c->started_at);
	v[8] = TimestampTzGetDatum(c->due_at);
	v[9] = text_or_null(st->holder.department, &n[9]);
	v[10] = text_or_null(st->holder.agent, &n[10]);
	v[11] = text_or_null(st->holder.requester, &n[11]);
	/* the clock_started event's detail: only the 0.1.0 schema's statement writes one */
	if (st->log_facts)
		n[12] = 'n';
	else
	{
		snprintf(members, sizeof(members), "\"cycle\": %d, %s", c->cycle, bi_json_member("target", c->target));
		v[12] = jsonb_datum(metric_detail(c->metric, members));
	}
	/* computed here, so the insert skips the warn_at trigger (it fires only when warn_at is null) */
	v[13] = TimestampTzGetDatum(sla_clock_warn_at(c->started_at, c->due_at, c->paused_for, c->calendar_id,
												  level->warning_fraction));
	/* the version in force for this transaction: the one whose terms the clock was given */
	v[14] = version_or_null(sla_policy_version_in_force(), &n[14]);
	run(S_START, st->key_type, v, n);
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* The sla.event detail of a transition (its kind is sla_transition_event()). */
/* "key": "<instant>", as to_jsonb(timestamptz) writes it */
static char *
time_json_member(const char *key, int64 t)
{
	char		buf[MAXDATELEN + 1];

	JsonEncodeDateTime(buf, TimestampTzGetDatum(t), TIMESTAMPTZOID, NULL);
	return json_member(key, buf);
}

/*
 * The due date a transition leaves and the one before (before: the stored clock's, when known),
 * so that the clock as it stood at any past instant can be read from its events
 * (sla.clock_as_of, 90_reports.sql).
 */
static void
append_due(StringInfo members, const sla_cf_clock *c, const sla_cf_clock *before)
{
	appendStringInfo(members, ", %s", time_json_member("due_at", c->due_at));
	/* a resume or a reopening adds to the time paused (a re-target keeps it) */
	if (c->paused_for.days != 0 || c->paused_for.usec != 0)
		appendStringInfo(members, ", %s", bi_json_member("paused_for", c->paused_for));
	if (before != NULL && before->stored_due_at != 0)
		appendStringInfo(members, ", %s", time_json_member("from_due_at", before->stored_due_at));
}

/* The sla.event detail of a transition; before: the clock as stored before it, when known. */
static char *
transition_detail(const sla_cf_transition *tr, const sla_cf_clock *before, int32 from_version, int32 to_version)
{
	const sla_cf_clock *c = &tr->after;
	const char *reason = sla_reason_text(tr->reason);
	StringInfoData members;

	initStringInfo(&members);
	switch (tr->kind)
	{
		case SLA_TR_START:
			appendStringInfo(&members, "\"cycle\": %d, %s", c->cycle, bi_json_member("target", c->target));
			break;
		case SLA_TR_PAUSE:
			return metric_detail(c->metric, NULL);
		case SLA_TR_REOPEN:
			appendStringInfoString(&members, json_member("state", sla_clock_state_name(c->state)));
			append_due(&members, c, before);
			break;
		case SLA_TR_RESUME:
			appendStringInfoString(&members, bi_json_member("paused", tr->amount));
			append_due(&members, c, before);
			break;
		case SLA_TR_STOP:
			appendStringInfo(&members, "%s, %s", json_member("state", sla_clock_state_name(c->state)),
							 bi_json_member("business_used", c->used));
			break;
		case SLA_TR_CANCEL:
			appendStringInfoString(&members, reason ? json_member("reason", reason) : "\"reason\": null");
			/* a target removed by an edit: the clock keeps its version (decided), the event
			 * names the version that has no target */
			if (tr->reason == SLA_R_TARGET_REMOVED)
			{
				appendStringInfo(&members, ", \"from_version\": %s, \"to_version\": %s",
								 version_json(from_version), version_json(to_version));
				if (policy_change != NULL)
					appendStringInfo(&members, ", %s", json_member("change", policy_change));
			}
			break;
		case SLA_TR_RETARGET:
			appendStringInfo(&members, "\"from_level\": %d, \"to_level\": %d, %s", tr->from_level, c->level_id,
							 bi_json_member("target", c->target));
			/* a policy edit says so; a level change is told by from_level and to_level */
			if (tr->reason == SLA_R_POLICY_CHANGED)
			{
				appendStringInfo(&members, ", %s", json_member("reason", reason));
				if (policy_change != NULL)
					appendStringInfo(&members, ", %s", json_member("change", policy_change));
			}
			/* the versions the clock ran under before and after (issue 12) */
			appendStringInfo(&members, ", \"from_version\": %s, \"to_version\": %s",
							 version_json(from_version), version_json(to_version));
			append_due(&members, c, before);
			if (before != NULL && before->stored_due_at != 0)
				appendStringInfo(&members, ", %s", bi_json_member("from_target", before->stored_target));
			break;
	}
	return metric_detail(c->metric, members.data);
}

static void
write_transition(SlaStoredTicket *st, const sla_cf_transition *tr)
{
	sla_cf_clock *clock = &st->t.clocks[tr->clock];
	const sla_cf_clock *c = &tr->after;
	Datum		v[10];
	char		n[11] = "          ";
	Datum		detail;
	int32		to_version = 0;

	if (tr->kind == SLA_TR_START)
	{
		clock->id = write_start(st, c);
		clock->policy_version = sla_policy_version_in_force();
		clock->stored_due_at = c->due_at;
		clock->stored_target = c->target;
		return;
	}
	if (tr->kind == SLA_TR_RETARGET || (tr->kind == SLA_TR_CANCEL && tr->reason == SLA_R_TARGET_REMOVED))
		to_version = sla_policy_version_in_force();
	detail = jsonb_datum(transition_detail(tr, clock, clock->policy_version, to_version));
	/* what the row holds from now on: the next transition's "before" */
	clock->stored_due_at = c->due_at;
	clock->stored_target = c->target;
	v[0] = Int64GetDatum(clock->id);
	v[1] = TimestampTzGetDatum(tr->at);
	switch (tr->kind)
	{
		case SLA_TR_START:
			break;
		case SLA_TR_PAUSE:
		case SLA_TR_CANCEL:
			v[2] = Int32GetDatum(st->attachment_id);
			v[3] = CStringGetTextDatum(st->key);
			v[4] = detail;
			run(tr->kind == SLA_TR_PAUSE ? S_PAUSE : S_CANCEL, st->key_type, v, n);
			break;
		case SLA_TR_RESUME:
			v[2] = BusinessIntervalPGetDatum(&c->paused_for);
			v[3] = TimestampTzGetDatum(c->due_at);
			v[4] = Int32GetDatum(st->attachment_id);
			v[5] = CStringGetTextDatum(st->key);
			v[6] = detail;
			run(S_RESUME, st->key_type, v, n);
			break;
		case SLA_TR_STOP:
			v[2] = CStringGetTextDatum(sla_clock_state_name(c->state));
			v[3] = BusinessIntervalPGetDatum(&c->used);
			v[4] = Int32GetDatum(st->attachment_id);
			v[5] = CStringGetTextDatum(st->key);
			v[6] = detail;
			run(S_STOP, st->key_type, v, n);
			break;
		case SLA_TR_REOPEN:
			v[2] = CStringGetTextDatum(sla_clock_state_name(c->state));
			v[3] = time_or_null(c->paused, c->paused_since, &n[3]);
			v[4] = BusinessIntervalPGetDatum(&c->paused_for);
			v[5] = TimestampTzGetDatum(c->due_at);
			v[6] = Int32GetDatum(st->attachment_id);
			v[7] = CStringGetTextDatum(st->key);
			v[8] = detail;
			run(S_REOPEN, st->key_type, v, n);
			break;
		case SLA_TR_RETARGET:
			v[2] = Int32GetDatum(c->level_id);
			v[3] = Int32GetDatum(c->calendar_id);
			v[4] = BusinessIntervalPGetDatum(&c->target);
			v[5] = TimestampTzGetDatum(c->due_at);
			v[6] = Int32GetDatum(st->attachment_id);
			v[7] = CStringGetTextDatum(st->key);
			v[8] = detail;
			v[9] = version_or_null(to_version, &n[9]);
			run(S_RETARGET, st->key_type, v, n);
			clock->policy_version = to_version;
			break;
	}
}

static int
compare_ids(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/* A new open ticket whose clocks all just started: one statement. */
static bool
write_new_open_ticket(SlaStoredTicket *st, const sla_fact *fact, const sla_cf_result *result,
					  Jsonb *level_chosen, const SlaFactRow *log)
{
	SlaLevel   *level;
	Datum		metrics[SLA_METRIC_COUNT],
				targets[SLA_METRIC_COUNT],
				dues[SLA_METRIC_COUNT],
				warns[SLA_METRIC_COUNT];
	Datum		v[18];
	char		n[19] = "                  ";
	int			i;
	int32		version;

	if (st->t.lifecycle != SLA_LC_OPEN || st->t.level_id == 0 || level_chosen == NULL ||
		result->n > SLA_METRIC_COUNT)
		return false;
	for (i = 0; i < result->n; i++)
		if (result->t[i].kind != SLA_TR_START || result->t[i].after.cycle != 1 ||
			result->t[i].after.started_at != fact->at || result->t[i].after.level_id != st->t.level_id)
			return false;
	level = sla_level_get(st->t.level_id);
	if (level == NULL)
		return false;
	for (i = 0; i < result->n; i++)
	{
		const sla_cf_clock *c = &result->t[i].after;

		metrics[i] = CStringGetTextDatum(sla_metric_name(c->metric));
		targets[i] = BusinessIntervalPGetDatum(&st->t.clocks[result->t[i].clock].target);
		dues[i] = TimestampTzGetDatum(c->due_at);
		warns[i] = TimestampTzGetDatum(sla_clock_warn_at(c->started_at, c->due_at, c->paused_for,
														 c->calendar_id, level->warning_fraction));
	}
	version = sla_policy_version_in_force();
	/* queued for the end of the statement when its trigger will write it, before this
	 * statement's own parameters are built (the fact's JSON parsed once, by the queue) (not on
	 * Citus, where each shard's statement is planned apart, nor on the 0.1.0 schema) */
	refresh_plans();
	if (st->may_queue && log != NULL && st->log_facts && !plans_for_citus && !plans_for_0_1)
	{
		SlaQueuedClock queued[SLA_METRIC_COUNT];

		for (i = 0; i < result->n; i++)
		{
			queued[i].metric = metrics[i];
			queued[i].target = targets[i];
			queued[i].due_at = DatumGetTimestampTz(dues[i]);
			queued[i].warn_at = DatumGetTimestampTz(warns[i]);
		}
		if (sla_new_ticket_queue(st, st->t.level_id, level->calendar_id, fact->at, log, version, queued, result->n))
		{
			/* no id yet: nothing reads one before the statement's end writes the clocks */
			for (i = 0; i < result->n; i++)
			{
				sla_cf_clock *c = &st->t.clocks[result->t[i].clock];

				c->id = 0;
				c->policy_version = version;
				c->stored_due_at = c->due_at;
				c->stored_target = c->target;
			}
			if (sla_new_tickets_queue_full())
				sla_new_tickets_flush();
			return true;
		}
	}
	v[0] = Int32GetDatum(st->attachment_id);
	v[1] = CStringGetTextDatum(st->key);
	v[2] = Int32GetDatum(st->t.level_id);
	v[3] = Int32GetDatum(level->calendar_id);
	v[4] = TimestampTzGetDatum(fact->at);
	v[5] = text_or_null(st->holder.department, &n[5]);
	v[6] = text_or_null(st->holder.agent, &n[6]);
	v[7] = text_or_null(st->holder.requester, &n[7]);
	v[8] = PointerGetDatum(construct_array(metrics, result->n, TEXTOID, -1, false, TYPALIGN_INT));
	v[9] = PointerGetDatum(construct_array(targets, result->n, sla_business_interval_type(),
										   sizeof(sla_business_interval), false, TYPALIGN_DOUBLE));
	v[10] = PointerGetDatum(construct_array(dues, result->n, TIMESTAMPTZOID, sizeof(TimestampTz),
											FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	v[11] = PointerGetDatum(construct_array(warns, result->n, TIMESTAMPTZOID, sizeof(TimestampTz),
											FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	/* the level_chosen event: only the 0.1.0 schema's statement writes one (the fact holds it) */
	if (st->log_facts)
		n[12] = 'n';
	else
		v[12] = JsonbPGetDatum(level_chosen);
	/* the created fact in the same statement (a new ticket: no concurrent writer can have
	 * logged a fact of it, under any isolation level) */
	if (log != NULL && st->log_facts)
	{
		v[13] = Int32GetDatum(log->seq);
		v[14] = TimestampTzGetDatum(log->at);
		v[15] = CStringGetTextDatum(log->kind);
		v[16] = JsonbPGetDatum(log->detail);
	}
	else
		n[13] = n[14] = n[15] = n[16] = 'n';
	v[17] = version_or_null(version, &n[17]);
	run(S_NEW_TICKET, st->key_type, v, n);
	/* the clocks' ids, for the facts that follow at once (a ticket created solved): the clocks
	 * were inserted in the order of the arrays, so their ids ascend with it */
	{
		int64	   *ids = palloc(sizeof(int64) * (result->n + 1));
		int			found = 0;
		uint64		row;

		for (row = 0; row < SPI_processed; row++)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 1, &isnull);

			if (!isnull && found < result->n)
				ids[found++] = DatumGetInt64(d);
		}
		qsort(ids, found, sizeof(int64), compare_ids);
		for (i = 0; i < found; i++)
		{
			st->t.clocks[result->t[i].clock].id = ids[i];
			st->t.clocks[result->t[i].clock].policy_version = version;
			st->t.clocks[result->t[i].clock].stored_due_at = st->t.clocks[result->t[i].clock].due_at;
			st->t.clocks[result->t[i].clock].stored_target = st->t.clocks[result->t[i].clock].target;
		}
	}
	return true;
}

void
sla_new_tickets_write(SlaKeyType kt, Datum *values, const char *nulls)
{
	run(S_NEW_TICKETS, kt, values, nulls);
}

void
sla_new_ticket_write_one(SlaKeyType kt, Datum *values, const char *nulls)
{
	run(S_NEW_TICKET, kt, values, nulls);
}

/* $1-$6 of the statements that write a ticket's row: attachment, key, level, lifecycle,
 * agent_replied, customer_waiting_since */
static void
ticket_row_values(const SlaStoredTicket *st, Datum *v, char *n)
{
	v[0] = Int32GetDatum(st->attachment_id);
	v[1] = CStringGetTextDatum(st->key);
	v[2] = Int32GetDatum(st->t.level_id);
	if (st->t.level_id == 0)
		n[2] = 'n';
	v[3] = CStringGetTextDatum(sla_lifecycle_name(st->t.lifecycle));
	v[4] = BoolGetDatum(st->t.agent_replied);
	v[5] = time_or_null(st->t.customer_waiting, st->t.customer_waiting_since, &n[5]);
}

static void
write_ticket_row(SlaStoredTicket *st, bool insert)
{
	Datum		v[9];
	char		n[10] = "         ";

	ticket_row_values(st, v, n);
	if (!insert)
	{
		run(S_TICKET_UPDATE, st->key_type, v, n);
		return;
	}
	v[6] = text_or_null(st->holder.department, &n[6]);
	v[7] = text_or_null(st->holder.agent, &n[7]);
	v[8] = text_or_null(st->holder.requester, &n[8]);
	run(S_TICKET_INSERT, st->key_type, v, n);
}

/* The ticket's row and the fact that changed it, in one statement. */
static void
write_ticket_row_and_fact(SlaStoredTicket *st, const SlaFactRow *log)
{
	Datum		v[10];
	char		n[11] = "          ";

	ticket_row_values(st, v, n);
	v[6] = Int32GetDatum(log->seq);
	v[7] = TimestampTzGetDatum(log->at);
	v[8] = CStringGetTextDatum(log->kind);
	v[9] = JsonbPGetDatum(log->detail);
	run(S_TICKET_UPDATE_AND_FACT, st->key_type, v, n);
}

/* ---------------------------------------------------------------- writes gathered for a statement */

/*
 * What the messages of one statement do, gathered while their tickets' facts are applied in
 * memory and written by sla_writes_flush() in one statement per table (message_batch.c).  Only
 * what a message does to a ticket in the common case is gathered: a clock started, a clock
 * stopped with its event, the fact, the ticket's row.  Anything else (a pause, a level's
 * choice) counts as ungathered: the caller rewinds that ticket to its mark and applies its
 * facts alone.
 *
 * The timeline's order is kept: each clock start and event takes a rank (the fact's place in
 * the statement, then its place among what the fact did), and the places drawn from
 * sla.event_id_seq are handed out in rank order; a stop that breaches keeps the place before its
 * event for the breach event the clock's trigger records (clock_late_breach), as when the stop is
 * written alone.
 */
typedef struct GatheredStart
{
	const char *key;
	const SlaSnapshot *holder;
	sla_cf_clock clock;			/* as started, stopped when a later message stopped it */
	TimestampTz warn_at;
	int32		version;
	int64		rank;
} GatheredStart;

typedef struct GatheredStop
{
	const char *key;
	int64		clock_id;		/* a stored clock's (one this statement started is inserted
								 * stopped) */
	TimestampTz at;
	sla_clock_state state;
	sla_business_interval used;
} GatheredStop;

typedef struct GatheredEvent
{
	const char *key;
	int64		clock_id;		/* negative: the start gathered as -clock_id */
	const char *kind;			/* sla_transition_event() */
	TimestampTz at;
	Datum		detail;			/* jsonb; (Datum) 0: a place kept for a late breach's event */
	int64		rank;
	sla_metric	metric;			/* a late breach's: what its event names */
	TimestampTz due_at;
} GatheredEvent;

typedef struct GatheredFact
{
	const char *key;
	int32		seq;
	TimestampTz at;
	const char *kind;
	Jsonb	   *detail;
} GatheredFact;

typedef struct GatheredTicket
{
	const SlaStoredTicket *st;	/* its state when written: the last fact's */
	int32		level_id;
	sla_lifecycle lifecycle;
	bool		agent_replied;
	bool		customer_waiting;
	TimestampTz customer_waiting_since;
} GatheredTicket;

/* a place kept for a late breach's event: its clock, the place, what the event says; recorded:
 * the clock's trigger found the breach unrecorded, at: when (the stop) */
typedef struct BreachPlace
{
	int64		clock_id;
	int64		place;
	const char *key;
	sla_metric	metric;
	TimestampTz due_at;
	bool		recorded;
	TimestampTz at;
} BreachPlace;

static int
compare_breach_clocks(const void *a, const void *b)
{
	int64		x = ((const BreachPlace *) a)->clock_id,
				y = ((const BreachPlace *) b)->clock_id;

	return x < y ? -1 : x > y;
}

#define GATHER(array, n, capacity) \
	do { \
		if ((n) == (capacity)) \
		{ \
			(capacity) = (capacity) == 0 ? 64 : 2 * (capacity); \
			(array) = (array) == NULL ? MemoryContextAlloc(gathered.memory, sizeof(*(array)) * (capacity)) \
				: repalloc((array), sizeof(*(array)) * (capacity)); \
		} \
	} while (0)

static struct
{
	bool		active;
	int32		attachment_id;
	SlaKeyType	key_type;
	MemoryContext memory;
	GatheredStart *starts;
	GatheredStop *stops;
	GatheredEvent *events;
	GatheredFact *facts;
	GatheredTicket *tickets;
	int			nstarts,
				nstops,
				nevents,
				nfacts,
				ntickets;
	int			starts_room,
				stops_room,
				events_room,
				facts_room,
				tickets_room;
	int			ungathered;
	int64		rank;
	/* while the clocks are written: the places kept for late breaches, by clock id */
	BreachPlace *breaches;
	int			nbreaches;
}			gathered;

void
sla_writes_gather(int32 attachment_id, SlaKeyType kt)
{
	memset(&gathered, 0, sizeof(gathered));
	gathered.memory = AllocSetContextCreate(CurrentMemoryContext, "sla gathered writes", ALLOCSET_DEFAULT_SIZES);
	gathered.attachment_id = attachment_id;
	gathered.key_type = kt;
	gathered.active = true;
}

void
sla_writes_abandon(void)
{
	if (gathered.memory != NULL)
		MemoryContextDelete(gathered.memory);
	memset(&gathered, 0, sizeof(gathered));
}

void
sla_writes_mark(SlaWritesMark *mark)
{
	mark->starts = gathered.nstarts;
	mark->stops = gathered.nstops;
	mark->events = gathered.nevents;
	mark->facts = gathered.nfacts;
	mark->tickets = gathered.ntickets;
	mark->ungathered = gathered.ungathered;
}

bool
sla_writes_gathered_since(const SlaWritesMark *mark)
{
	return gathered.ungathered == mark->ungathered;
}

void
sla_writes_rewind(const SlaWritesMark *mark)
{
	gathered.nstarts = mark->starts;
	gathered.nstops = mark->stops;
	gathered.nevents = mark->events;
	gathered.nfacts = mark->facts;
	gathered.ntickets = mark->tickets;
	gathered.ungathered = mark->ungathered;
}

void
sla_writes_rank(int64 place)
{
	/* room for what one fact does (a few transitions) below each place */
	gathered.rank = place << 8;
}

static void
gather_event(const SlaStoredTicket *st, int64 clock_id, const char *kind, TimestampTz at, Datum detail)
{
	GatheredEvent *e;

	GATHER(gathered.events, gathered.nevents, gathered.events_room);
	e = &gathered.events[gathered.nevents++];
	e->key = st->key;
	e->clock_id = clock_id;
	e->kind = kind;
	e->at = at;
	e->detail = detail;
	e->rank = gathered.rank++;
}

static void
gather_transition(SlaStoredTicket *st, const sla_cf_transition *tr)
{
	sla_cf_clock *clock = &st->t.clocks[tr->clock];
	const sla_cf_clock *c = &tr->after;

	if (tr->kind == SLA_TR_START)
	{
		SlaLevel   *level = sla_level_get(c->level_id);
		GatheredStart *g;

		if (level == NULL)		/* cannot happen: clockflow read it under its lock */
			elog(ERROR, "SLA level %d vanished", c->level_id);
		GATHER(gathered.starts, gathered.nstarts, gathered.starts_room);
		g = &gathered.starts[gathered.nstarts++];
		g->key = st->key;
		g->holder = &st->holder;
		g->clock = *c;
		g->warn_at = sla_clock_warn_at(c->started_at, c->due_at, c->paused_for, c->calendar_id,
									   level->warning_fraction);
		g->version = sla_policy_version_in_force();
		g->rank = gathered.rank++;
		clock->id = -(int64) gathered.nstarts;
		clock->policy_version = g->version;
	}
	else if (tr->kind == SLA_TR_STOP)
	{
		Datum		detail = jsonb_datum(transition_detail(tr, clock, clock->policy_version, 0));

		if (clock->id < 0)
		{
			/* started by this statement: inserted stopped */
			sla_cf_clock *started = &gathered.starts[-clock->id - 1].clock;

			started->stopped = true;
			started->stopped_at = tr->at;
			started->state = c->state;
			started->used = c->used;
		}
		else
		{
			GatheredStop *g;

			GATHER(gathered.stops, gathered.nstops, gathered.stops_room);
			g = &gathered.stops[gathered.nstops++];
			g->key = st->key;
			g->clock_id = clock->id;
			g->at = tr->at;
			g->state = c->state;
			g->used = c->used;
		}
		if (c->state == SLA_CS_BREACHED)
		{
			gather_event(st, clock->id, NULL, tr->at, (Datum) 0);
			gathered.events[gathered.nevents - 1].metric = c->metric;
			gathered.events[gathered.nevents - 1].due_at = c->due_at;
		}
		gather_event(st, clock->id, "stopped", tr->at, detail);
	}
	else
	{
		gathered.ungathered++;
		return;
	}
	/* what the row holds from now on: the next transition's "before" */
	clock->stored_due_at = c->due_at;
	clock->stored_target = c->target;
}

static void
gather_fact(const SlaStoredTicket *st, int32 seq, TimestampTz at, const char *kind, Jsonb *detail)
{
	GatheredFact *f;

	GATHER(gathered.facts, gathered.nfacts, gathered.facts_room);
	f = &gathered.facts[gathered.nfacts++];
	f->key = st->key;
	f->seq = seq;
	f->at = at;
	f->kind = kind;
	f->detail = detail;
}

/* sla_stored_ticket_write while writes are gathered */
static bool
gather_write(SlaStoredTicket *st, const sla_fact *fact, const sla_cf_result *result, Jsonb *level_chosen,
			 const SlaFactRow *log)
{
	int			i;

	if (fact->kind != SLA_FACT_MESSAGE || level_chosen != NULL || !st->log_facts)
	{
		gathered.ungathered++;
		return true;			/* nothing is written: the ticket is applied again alone */
	}
	for (i = 0; i < result->n; i++)
		gather_transition(st, &result->t[i]);
	if (result->lifecycle_changed || result->level_changed || result->conversation_changed)
	{
		GatheredTicket *t;

		/* one row per ticket: its facts are applied one after the other */
		if (gathered.ntickets == 0 || gathered.tickets[gathered.ntickets - 1].st != st)
		{
			GATHER(gathered.tickets, gathered.ntickets, gathered.tickets_room);
			gathered.ntickets++;
		}
		t = &gathered.tickets[gathered.ntickets - 1];
		t->st = st;
		t->level_id = st->t.level_id;
		t->lifecycle = st->t.lifecycle;
		t->agent_replied = st->t.agent_replied;
		t->customer_waiting = st->t.customer_waiting;
		t->customer_waiting_since = st->t.customer_waiting_since;
	}
	if (log != NULL)
		gather_fact(st, log->seq, log->at, log->kind, log->detail);
	return true;
}

/* a place in the timeline to hand out: what takes it (a start, else an event) and its rank */
typedef struct RankedPlace
{
	int64		rank;
	int			slot;			/* starts first, then events */
} RankedPlace;

static int
compare_ranks(const void *a, const void *b)
{
	int64		x = ((const RankedPlace *) a)->rank,
				y = ((const RankedPlace *) b)->rank;

	return x < y ? -1 : x > y;
}

/* A gathered clock id: a start's placeholder (-k) is the k-th id drawn. */
static int64
drawn_clock_id(int64 id, const int64 *clock_ids)
{
	return id < 0 ? clock_ids[-id - 1] : id;
}

/* an array of n datums of a type, nulls where isnull[i] (isnull NULL: none) */
static Datum
datum_array(Datum *values, bool *isnull, int n, Oid type, int16 len, bool byval, char align)
{
	int			dims[1] = {n};
	int			lbs[1] = {1};

	return PointerGetDatum(construct_md_array(values, isnull, 1, dims, lbs, type, len, byval, align));
}

#define TEXT_ARRAY(v, nulls, n) datum_array((v), (nulls), (n), TEXTOID, -1, false, TYPALIGN_INT)
#define INT4_ARRAY(v, nulls, n) datum_array((v), (nulls), (n), INT4OID, 4, true, TYPALIGN_INT)
#define INT8_ARRAY(v, n) datum_array((v), NULL, (n), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)
#define TIME_ARRAY(v, nulls, n) datum_array((v), (nulls), (n), TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)
#define BI_ARRAY(v, n) datum_array((v), NULL, (n), sla_business_interval_type(), sizeof(sla_business_interval), false, TYPALIGN_DOUBLE)
#define JSONB_ARRAY(v, n) datum_array((v), NULL, (n), JSONBOID, -1, false, TYPALIGN_INT)

static Datum
key_or_null(const char *s, bool *isnull)
{
	*isnull = s == NULL;
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

static void
write_gathered_starts(const int64 *clock_ids, const int64 *places)
{
	int			n = gathered.nstarts,
				i;
	Datum		v[19];
	Datum	   *a[18];
	bool	   *dept_nulls = palloc(sizeof(bool) * n),
			   *agent_nulls = palloc(sizeof(bool) * n),
			   *requester_nulls = palloc(sizeof(bool) * n),
			   *version_nulls = palloc(sizeof(bool) * n),
			   *stop_nulls = palloc(sizeof(bool) * n);

	for (i = 0; i < 18; i++)
		a[i] = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		GatheredStart *g = &gathered.starts[i];

		a[0][i] = Int64GetDatum(clock_ids[i]);
		a[1][i] = CStringGetTextDatum(g->key);
		a[2][i] = CStringGetTextDatum(sla_metric_name(g->clock.metric));
		a[3][i] = Int32GetDatum(g->clock.cycle);
		a[4][i] = Int32GetDatum(g->clock.level_id);
		a[5][i] = Int32GetDatum(g->clock.calendar_id);
		a[6][i] = BusinessIntervalPGetDatum(&g->clock.target);
		a[7][i] = TimestampTzGetDatum(g->clock.started_at);
		a[8][i] = TimestampTzGetDatum(g->clock.due_at);
		a[9][i] = key_or_null(g->holder->department, &dept_nulls[i]);
		a[10][i] = key_or_null(g->holder->agent, &agent_nulls[i]);
		a[11][i] = key_or_null(g->holder->requester, &requester_nulls[i]);
		a[12][i] = TimestampTzGetDatum(g->warn_at);
		a[13][i] = Int64GetDatum(places[i]);
		a[14][i] = Int32GetDatum(g->version);
		version_nulls[i] = g->version == 0;
		a[15][i] = CStringGetTextDatum(sla_clock_state_name(g->clock.state));
		a[16][i] = TimestampTzGetDatum(g->clock.stopped_at);
		a[17][i] = BusinessIntervalPGetDatum(&g->clock.used);
		stop_nulls[i] = !g->clock.stopped;
	}
	v[0] = Int32GetDatum(gathered.attachment_id);
	v[1] = INT8_ARRAY(a[0], n);
	v[2] = TEXT_ARRAY(a[1], NULL, n);
	v[3] = TEXT_ARRAY(a[2], NULL, n);
	v[4] = INT4_ARRAY(a[3], NULL, n);
	v[5] = INT4_ARRAY(a[4], NULL, n);
	v[6] = INT4_ARRAY(a[5], NULL, n);
	v[7] = BI_ARRAY(a[6], n);
	v[8] = TIME_ARRAY(a[7], NULL, n);
	v[9] = TIME_ARRAY(a[8], NULL, n);
	v[10] = TEXT_ARRAY(a[9], dept_nulls, n);
	v[11] = TEXT_ARRAY(a[10], agent_nulls, n);
	v[12] = TEXT_ARRAY(a[11], requester_nulls, n);
	v[13] = TIME_ARRAY(a[12], NULL, n);
	v[14] = INT8_ARRAY(a[13], n);
	v[15] = INT4_ARRAY(a[14], version_nulls, n);
	v[16] = TEXT_ARRAY(a[15], NULL, n);
	v[17] = TIME_ARRAY(a[16], stop_nulls, n);
	v[18] = datum_array(a[17], stop_nulls, n, sla_business_interval_type(), sizeof(sla_business_interval), false,
						TYPALIGN_DOUBLE);
	run(S_CLOCKS_START, gathered.key_type, v, "                   ");
}

static void
write_gathered_stops(const int64 *clock_ids)
{
	int			n = gathered.nstops,
				i;
	Datum		v[6];
	Datum	   *a[5];

	for (i = 0; i < 5; i++)
		a[i] = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		GatheredStop *g = &gathered.stops[i];

		a[0][i] = Int64GetDatum(drawn_clock_id(g->clock_id, clock_ids));
		a[1][i] = CStringGetTextDatum(g->key);
		a[2][i] = TimestampTzGetDatum(g->at);
		a[3][i] = CStringGetTextDatum(sla_clock_state_name(g->state));
		a[4][i] = BusinessIntervalPGetDatum(&g->used);
	}
	v[0] = Int32GetDatum(gathered.attachment_id);
	v[1] = INT8_ARRAY(a[0], n);
	v[2] = TEXT_ARRAY(a[1], NULL, n);
	v[3] = TIME_ARRAY(a[2], NULL, n);
	v[4] = TEXT_ARRAY(a[3], NULL, n);
	v[5] = BI_ARRAY(a[4], n);
	run(S_CLOCKS_STOP, gathered.key_type, v, "      ");
}

/* the events, but the places kept for late breaches (the clock's trigger writes those) */
static void
write_gathered_events(const int64 *clock_ids, const int64 *places)
{
	int			n = 0,
				i;
	Datum		v[7];
	Datum	   *a[6];

	for (i = 0; i < 6; i++)
		a[i] = palloc(sizeof(Datum) * gathered.nevents);
	gathered.breaches = palloc(sizeof(BreachPlace) * gathered.nevents);
	for (i = 0; i < gathered.nevents; i++)
	{
		GatheredEvent *e = &gathered.events[i];
		int64		clock_id = drawn_clock_id(e->clock_id, clock_ids);

		if (e->detail == (Datum) 0)
		{
			BreachPlace *b = &gathered.breaches[gathered.nbreaches++];

			b->clock_id = clock_id;
			b->place = places[gathered.nstarts + i];
			b->key = e->key;
			b->metric = e->metric;
			b->due_at = e->due_at;
			b->recorded = false;
			continue;
		}
		a[0][n] = Int64GetDatum(places[gathered.nstarts + i]);
		a[1][n] = CStringGetTextDatum(e->key);
		a[2][n] = Int64GetDatum(clock_id);
		a[3][n] = TimestampTzGetDatum(e->at);
		a[4][n] = CStringGetTextDatum(e->kind);
		a[5][n] = e->detail;
		n++;
	}
	qsort(gathered.breaches, gathered.nbreaches, sizeof(BreachPlace), compare_breach_clocks);
	if (n == 0)
		return;
	v[0] = Int32GetDatum(gathered.attachment_id);
	v[1] = INT8_ARRAY(a[0], n);
	v[2] = TEXT_ARRAY(a[1], NULL, n);
	v[3] = INT8_ARRAY(a[2], n);
	v[4] = TIME_ARRAY(a[3], NULL, n);
	v[5] = TEXT_ARRAY(a[4], NULL, n);
	v[6] = JSONB_ARRAY(a[5], n);
	run(S_EVENTS_WRITE, gathered.key_type, v, "       ");
}

static void
write_gathered_facts(void)
{
	int			n = gathered.nfacts,
				i;
	Datum		v[6];
	Datum	   *a[5];

	for (i = 0; i < 5; i++)
		a[i] = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		GatheredFact *f = &gathered.facts[i];

		a[0][i] = CStringGetTextDatum(f->key);
		a[1][i] = Int32GetDatum(f->seq);
		a[2][i] = TimestampTzGetDatum(f->at);
		a[3][i] = CStringGetTextDatum(f->kind);
		a[4][i] = JsonbPGetDatum(f->detail);
	}
	v[0] = Int32GetDatum(gathered.attachment_id);
	v[1] = TEXT_ARRAY(a[0], NULL, n);
	v[2] = INT4_ARRAY(a[1], NULL, n);
	v[3] = TIME_ARRAY(a[2], NULL, n);
	v[4] = TEXT_ARRAY(a[3], NULL, n);
	v[5] = JSONB_ARRAY(a[4], n);
	run(S_FACTS_WRITE, gathered.key_type, v, "      ");
}

static void
write_gathered_tickets(void)
{
	int			n = gathered.ntickets,
				i;
	Datum		v[6];
	Datum	   *a[5];
	bool	   *level_nulls = palloc(sizeof(bool) * n),
			   *waiting_nulls = palloc(sizeof(bool) * n);

	for (i = 0; i < 5; i++)
		a[i] = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		GatheredTicket *t = &gathered.tickets[i];

		a[0][i] = CStringGetTextDatum(t->st->key);
		a[1][i] = Int32GetDatum(t->level_id);
		level_nulls[i] = t->level_id == 0;
		a[2][i] = CStringGetTextDatum(sla_lifecycle_name(t->lifecycle));
		a[3][i] = BoolGetDatum(t->agent_replied);
		a[4][i] = TimestampTzGetDatum(t->customer_waiting_since);
		waiting_nulls[i] = !t->customer_waiting;
	}
	v[0] = Int32GetDatum(gathered.attachment_id);
	v[1] = TEXT_ARRAY(a[0], NULL, n);
	v[2] = INT4_ARRAY(a[1], level_nulls, n);
	v[3] = TEXT_ARRAY(a[2], NULL, n);
	v[4] = datum_array(a[3], NULL, n, BOOLOID, 1, true, TYPALIGN_CHAR);
	v[5] = TIME_ARRAY(a[4], waiting_nulls, n);
	run(S_TICKETS_UPDATE, gathered.key_type, v, "      ");
}

bool
sla_late_breach_gathered(int64 clock_id, TimestampTz at)
{
	BreachPlace key = {.clock_id = clock_id};
	BreachPlace *found;

	if (gathered.nbreaches == 0)
		return false;
	found = bsearch(&key, gathered.breaches, gathered.nbreaches, sizeof(BreachPlace), compare_breach_clocks);
	if (found == NULL)
		return false;
	found->recorded = true;
	found->at = at;
	return true;
}

/* the breach events the clocks' trigger left to the gathered writes, in the places kept */
static void
write_gathered_breaches(void)
{
	int			n = 0,
				i;
	Datum		v[7];
	Datum	   *a[6];

	for (i = 0; i < 6; i++)
		a[i] = palloc(sizeof(Datum) * gathered.nbreaches);
	for (i = 0; i < gathered.nbreaches; i++)
	{
		BreachPlace *b = &gathered.breaches[i];

		if (!b->recorded)
			continue;
		a[0][n] = Int64GetDatum(b->place);
		a[1][n] = CStringGetTextDatum(b->key);
		a[2][n] = Int64GetDatum(b->clock_id);
		a[3][n] = TimestampTzGetDatum(b->at);
		a[4][n] = CStringGetTextDatum(sla_metric_name(b->metric));
		a[5][n] = TimestampTzGetDatum(b->due_at);
		n++;
	}
	if (n == 0)
		return;
	v[0] = Int32GetDatum(gathered.attachment_id);
	v[1] = INT8_ARRAY(a[0], n);
	v[2] = TEXT_ARRAY(a[1], NULL, n);
	v[3] = INT8_ARRAY(a[2], n);
	v[4] = TIME_ARRAY(a[3], NULL, n);
	v[5] = TEXT_ARRAY(a[4], NULL, n);
	v[6] = TIME_ARRAY(a[5], NULL, n);
	run(S_BREACHES_WRITE, gathered.key_type, v, "       ");
}

void
sla_writes_flush(void)
{
	int			nplaces = gathered.nstarts + gathered.nevents;
	int64	   *clock_ids = NULL,
			   *drawn = NULL,
			   *places = NULL;
	RankedPlace *ranked;
	int			i;

	Assert(gathered.active);
	/* what follows runs statements: gathering ends here */
	gathered.active = false;
	if (nplaces > 0)
	{
		Datum		v[2] = {Int32GetDatum(gathered.nstarts), Int32GetDatum(nplaces)};
		bool		isnull;
		ArrayType  *ids,
				   *positions;
		Datum	   *elems;
		int			nelems;

		run(S_DRAW_IDS, gathered.key_type, v, "  ");
		ids = DatumGetArrayTypeP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		positions = DatumGetArrayTypeP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		clock_ids = palloc(sizeof(int64) * (gathered.nstarts + 1));
		deconstruct_array(ids, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, NULL, &nelems);
		for (i = 0; i < nelems && i < gathered.nstarts; i++)
			clock_ids[i] = DatumGetInt64(elems[i]);
		drawn = palloc(sizeof(int64) * nplaces);
		deconstruct_array(positions, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, NULL, &nelems);
		for (i = 0; i < nelems && i < nplaces; i++)
			drawn[i] = DatumGetInt64(elems[i]);
		/* the places drawn, in rank order: places[] has the starts' first, then the events' */
		ranked = palloc(sizeof(RankedPlace) * nplaces);
		for (i = 0; i < nplaces; i++)
		{
			ranked[i].slot = i;
			ranked[i].rank = i < gathered.nstarts ? gathered.starts[i].rank : gathered.events[i - gathered.nstarts].rank;
		}
		qsort(ranked, nplaces, sizeof(RankedPlace), compare_ranks);
		places = palloc(sizeof(int64) * nplaces);
		for (i = 0; i < nplaces; i++)
			places[ranked[i].slot] = drawn[i];
	}
	/* the events first: they keep the places of the late breaches the clocks' trigger records
	 * while the stops are written (their events written after them); the stopped clocks before the
	 * new ones (never two running clocks of a metric) */
	if (gathered.nevents > 0)
		write_gathered_events(clock_ids, places);
	if (gathered.nstops > 0)
		write_gathered_stops(clock_ids);
	if (gathered.nstarts > 0)
		write_gathered_starts(clock_ids, places);
	write_gathered_breaches();
	gathered.nbreaches = 0;
	if (gathered.nfacts > 0)
		write_gathered_facts();
	if (gathered.ntickets > 0)
		write_gathered_tickets();
	MemoryContextDelete(gathered.memory);
	memset(&gathered, 0, sizeof(gathered));
}

bool
sla_stored_ticket_write(SlaStoredTicket *st, const sla_fact *fact, const sla_cf_result *result,
						Jsonb *level_chosen, const SlaFactRow *log)
{
	int			i;

	if (gathered.active)
		return gather_write(st, fact, result, level_chosen, log);

	if (fact->kind == SLA_FACT_CREATED && result->lifecycle_changed)
	{
		if (write_new_open_ticket(st, fact, result, level_chosen, log))
			return log != NULL && st->log_facts;
		/* the rules' choice: kept with the created fact (the 0.1.0 schema has no fact log) */
		if (level_chosen != NULL && st->t.level_id != 0 && !st->log_facts)
			sla_log_event(st->attachment_id, st->key, 0, fact->at, "level_chosen",
						  JsonbToCString(NULL, &level_chosen->root, VARSIZE(level_chosen)));
		write_ticket_row(st, true);
	}
	else if (level_chosen != NULL && !st->log_facts)
		sla_log_event(st->attachment_id, st->key, 0, fact->at, "level_chosen",
					  JsonbToCString(NULL, &level_chosen->root, VARSIZE(level_chosen)));
	for (i = 0; i < result->n; i++)
		write_transition(st, &result->t[i]);
	/* the latest instant is the fact log's (sla.fact); the 0.1.0 schema keeps nothing of it */
	if (fact->kind != SLA_FACT_CREATED &&
		(result->lifecycle_changed || result->level_changed || result->conversation_changed))
	{
		/* with its fact, under READ COMMITTED (sla_fact_append says why not otherwise) */
		if (log != NULL && st->log_facts && !IsolationUsesXactSnapshot())
		{
			write_ticket_row_and_fact(st, log);
			return true;
		}
		write_ticket_row(st, false);
	}
	return false;
}

static bool
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

void
sla_stored_ticket_reassign(SlaStoredTicket *st, TimestampTz at, const SlaSnapshot *now)
{
	StringInfoData detail;
	Datum		v[7];
	char		n[8] = "       ";

	if (same_text(now->department, st->holder.department) && same_text(now->agent, st->holder.agent) &&
		same_text(now->requester, st->holder.requester))
		return;
	initStringInfo(&detail);
	appendStringInfo(&detail, "{\"department\": %s, \"agent\": %s, \"from_department\": %s, \"from_agent\": %s",
					 json_string_or_null(now->department), json_string_or_null(now->agent),
					 json_string_or_null(st->holder.department), json_string_or_null(st->holder.agent));
	if (!same_text(now->requester, st->holder.requester))
		appendStringInfo(&detail, ", \"requester\": %s, \"from_requester\": %s",
						 json_string_or_null(now->requester), json_string_or_null(st->holder.requester));
	appendStringInfoChar(&detail, '}');
	v[0] = Int32GetDatum(st->attachment_id);
	v[1] = CStringGetTextDatum(st->key);
	v[2] = TimestampTzGetDatum(at);
	v[3] = text_or_null(now->department, &n[3]);
	v[4] = text_or_null(now->agent, &n[4]);
	v[5] = jsonb_datum(detail.data);
	v[6] = text_or_null(now->requester, &n[6]);
	run(S_REASSIGN, st->key_type, v, n);
	st->holder = *now;
}

void
sla_clock_cancel_by_id(int64 clock_id, TimestampTz at, sla_reason reason)
{
	Datum		v[1] = {Int64GetDatum(clock_id)};
	SlaStoredTicket st;
	sla_cf_transition tr;
	sla_cf_clock clock;
	HeapTuple	tup;
	TupleDesc	desc;

	if (run(S_CLOCK_BY_ID, SLA_KEY_TEXT, v, " ") != 1)
		return;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	clock_from_tuple(tup, desc, 1, &clock);
	memset(&st, 0, sizeof(st));
	st.attachment_id = DatumGetInt32(SPI_getbinval(tup, desc, 2, &(bool) {false}));
	st.key = text_column(tup, desc, 3);
	st.key_type = attachment_key_type(st.attachment_id);
	st.t.clocks = &clock;
	st.t.nclocks = st.t.capacity = 1;
	if (!sla_clockflow_cancel(&clock, at, reason, &tr))
		return;
	tr.clock = 0;
	write_transition(&st, &tr);
}

/* ---------------------------------------------------------------- the breach check */

/*
 * The claim's lock on the clock's ticket, taken first: false when another transaction holds it
 * (a writer or another checker: the crossing waits for the next check, or the writer's own late
 * stop records it).  A clock without a ticket row (none is left by 0.2.0, but a claim must never
 * skip a crossing forever) is claimed by its own lock alone.
 */
static bool
claim_ticket(SlaKeyType kt, int32 attachment_id, const char *key)
{
	Datum		v[2] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key)};

	if (run(S_CLAIM_TICKET, kt, v, "  ") == 1)
		return true;
	return run(S_TICKET_EXISTS, kt, v, "  ") == 0;
}

bool
sla_clock_claim_crossing(int32 attachment_id, const char *key, int64 clock_id, SlaCrossing kind, TimestampTz as_of,
						 TimestampTz *due_at)
{
	SlaKeyType	kt = attachment_key_type(attachment_id);
	Datum		v[4] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key), Int64GetDatum(clock_id),
	CStringGetTextDatum(kind == SLA_CROSS_WARNING ? "warning" : "breach")};
	bool		isnull;
	Datum		pending;

	if (!claim_ticket(kt, attachment_id, key) ||
		run(kind == SLA_CROSS_LATE_BREACH ? S_CLAIM_LATE_LOCK : S_CLAIM_LOCK, kt, v, "    ") != 1)
		return false;
	pending = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull || !DatumGetBool(pending))
		return false;
	*due_at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	v[3] = TimestampTzGetDatum(as_of);
	run(kind == SLA_CROSS_WARNING ? S_CLAIM_WARNING : kind == SLA_CROSS_BREACH ? S_CLAIM_BREACH : S_CLAIM_LATE,
		kt, v, "    ");
	return true;
}

bool
sla_clock_claim_step(int32 attachment_id, const char *key, int64 clock_id, TimestampTz as_of, Datum *percent)
{
	SlaKeyType	kt = attachment_key_type(attachment_id);
	Datum		v[4] = {Int32GetDatum(attachment_id), CStringGetTextDatum(key), Int64GetDatum(clock_id),
	TimestampTzGetDatum(as_of)};
	bool		isnull;
	Datum		pending;

	if (!claim_ticket(kt, attachment_id, key) || run(S_CLAIM_STEP_LOCK, kt, v, "    ") != 1)
		return false;
	pending = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull || !DatumGetBool(pending))
		return false;
	/* copied out of SPI's memory: the caller finishes SPI before returning it */
	*percent = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	if (isnull)
		return false;
	*percent = SPI_datumTransfer(*percent, false, -1);
	run(S_CLAIM_STEP, kt, v, "    ");
	return true;
}

/* ---------------------------------------------------------------- a changed key */

bool
sla_stored_ticket_rekey(int32 attachment_id, const char *from, const char *to, TimestampTz at)
{
	Datum		probe[2] = {Int32GetDatum(attachment_id), CStringGetTextDatum(to)};
	Datum		v[5];
	SlaKeyType	kt = attachment_key_type(attachment_id);
	StringInfoData detail;

	/* the new key tracked already (a ticket deleted from the host keeps its history): the two
	 * histories would become one */
	if (run(S_TICKET_LOCK, kt, probe, "  ") > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("ticket key %s changed to %s, which sla tracks already", from, to),
				 errdetail("A ticket with key %s existed before; its SLA history is kept under that key.", to),
				 errhint("Give the ticket another key, or remove the old history first: "
						 "DELETE FROM sla.ticket, sla.clock, sla.event, sla.fact rows with ticket_key %s.",
						 quote_literal_cstr(to))));
	initStringInfo(&detail);
	appendStringInfo(&detail, "{\"from\": %s, \"to\": %s}", json_string(from), json_string(to));
	v[0] = Int32GetDatum(attachment_id);
	v[1] = CStringGetTextDatum(from);
	v[2] = CStringGetTextDatum(to);
	v[3] = TimestampTzGetDatum(at);
	v[4] = jsonb_datum(detail.data);
	return run(S_REKEY, kt, v, "     ") > 0;
}

/* ---------------------------------------------------------------- the fact log */

void
sla_fact_append(SlaStoredTicket *st, int32 seq, TimestampTz at, const char *kind, Jsonb *detail)
{
	Datum		v[6] = {Int32GetDatum(st->attachment_id), CStringGetTextDatum(st->key), Int32GetDatum(seq),
	TimestampTzGetDatum(at), CStringGetTextDatum(kind), JsonbPGetDatum(detail)};

	if (gathered.active)
	{
		gather_fact(st, seq, at, kind, detail);
		return;
	}
	/* under READ COMMITTED no conflict is possible (the tail was read after the ticket's lock):
	 * a plain insert, without the speculative insertion of ON CONFLICT */
	if (!IsolationUsesXactSnapshot())
		run(S_FACT_APPEND, st->key_type, v, "      ");
	else if (run(S_FACT_INSERT, st->key_type, v, "      ") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access to the SLA state of ticket %s", st->key),
				 errdetail("A concurrent transaction applied a fact to the ticket after this transaction's snapshot."),
				 errhint("Retry the transaction.")));
}

int
sla_facts_load(SlaStoredTicket *st, char ***kinds, TimestampTz **instants, char ***details)
{
	Datum		v[2] = {Int32GetDatum(st->attachment_id), CStringGetTextDatum(st->key)};
	uint64		rows = run(S_FACTS, st->key_type, v, "  ");
	uint64		i;

	*kinds = palloc(sizeof(char *) * (rows + 1));
	*instants = palloc(sizeof(TimestampTz) * (rows + 1));
	*details = palloc(sizeof(char *) * (rows + 1));
	for (i = 0; i < rows; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		(*instants)[i] = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &isnull));
		(*kinds)[i] = text_column(tup, desc, 3);
		(*details)[i] = text_column(tup, desc, 4);
	}
	return (int) rows;
}

int
sla_fact_kinds_at(SlaStoredTicket *st, TimestampTz at, char ***kinds)
{
	Datum		v[3] = {Int32GetDatum(st->attachment_id), CStringGetTextDatum(st->key), TimestampTzGetDatum(at)};
	uint64		rows = run(S_FACT_KINDS_AT, st->key_type, v, "   ");
	uint64		i;

	*kinds = palloc(sizeof(char *) * (rows + 1));
	for (i = 0; i < rows; i++)
		(*kinds)[i] = text_column(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	return (int) rows;
}

/* ---------------------------------------------------------------- replay's writes */

/* The clock model's columns of a clock, in the order S_CLOCK_REPLACE and S_CLOCK_INSERT take
 * them: level, calendar, target, start, due, pause, time paused, stop, state, time used. */
static void
clock_model_values(const sla_cf_clock *c, Datum *v, char *n)
{
	v[0] = Int32GetDatum(c->level_id);
	v[1] = Int32GetDatum(c->calendar_id);
	v[2] = BusinessIntervalPGetDatum(&c->target);
	v[3] = TimestampTzGetDatum(c->started_at);
	v[4] = TimestampTzGetDatum(c->due_at);
	v[5] = time_or_null(c->paused, c->paused_since, &n[5]);
	v[6] = BusinessIntervalPGetDatum(&c->paused_for);
	v[7] = time_or_null(c->stopped, c->stopped_at, &n[7]);
	v[8] = CStringGetTextDatum(sla_clock_state_name(c->state));
	v[9] = BusinessIntervalPGetDatum(&c->used);
	n[9] = c->state == SLA_CS_MET || c->state == SLA_CS_BREACHED ? ' ' : 'n';
}

/*
 * A stored clock rewritten by the replay (under the policy in force): it keeps its version when
 * its terms (level, calendar, target) are the stored ones, else takes the version in force.
 */
void
sla_clock_replace(SlaStoredTicket *st, const sla_cf_clock *stored, sla_cf_clock *c)
{
	Datum		v[14];
	char		n[15] = "              ";

	c->policy_version = stored->level_id == c->level_id && stored->calendar_id == c->calendar_id &&
		memcmp(&stored->target, &c->target, sizeof(c->target)) == 0 ?
		stored->policy_version : sla_policy_version_in_force();
	v[0] = Int64GetDatum(stored->id);
	clock_model_values(c, &v[1], &n[1]);
	v[11] = Int32GetDatum(st->attachment_id);
	v[12] = CStringGetTextDatum(st->key);
	v[13] = version_or_null(c->policy_version, &n[13]);
	run(S_CLOCK_REPLACE, st->key_type, v, n);
}

int64
sla_clock_insert(SlaStoredTicket *st, sla_cf_clock *c)
{
	SlaLevel   *level = sla_level_get(c->level_id);
	Datum		v[19];
	char		n[20] = "                   ";
	bool		isnull;

	if (level == NULL)			/* cannot happen: clockflow read it under its lock */
		elog(ERROR, "SLA level %d vanished", c->level_id);
	v[0] = Int32GetDatum(st->attachment_id);
	v[1] = CStringGetTextDatum(st->key);
	v[2] = CStringGetTextDatum(sla_metric_name(c->metric));
	v[3] = Int32GetDatum(c->cycle);
	clock_model_values(c, &v[4], &n[4]);
	v[14] = text_or_null(st->holder.department, &n[14]);
	v[15] = text_or_null(st->holder.agent, &n[15]);
	v[16] = text_or_null(st->holder.requester, &n[16]);
	v[17] = TimestampTzGetDatum(sla_clock_warn_at(c->started_at, c->due_at, c->paused_for, c->calendar_id,
												  level->warning_fraction));
	c->policy_version = sla_policy_version_in_force();
	v[18] = version_or_null(c->policy_version, &n[18]);
	run(S_CLOCK_INSERT, st->key_type, v, n);
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

void
sla_clock_delete(SlaStoredTicket *st, int64 id)
{
	Datum		v[3] = {Int64GetDatum(id), Int32GetDatum(st->attachment_id), CStringGetTextDatum(st->key)};

	run(S_CLOCK_DELETE, st->key_type, v, "   ");
}

void
sla_events_delete_at(SlaStoredTicket *st, TimestampTz at)
{
	Datum		v[3] = {Int32GetDatum(st->attachment_id), CStringGetTextDatum(st->key), TimestampTzGetDatum(at)};

	run(S_EVENTS_DELETE_AT, st->key_type, v, "   ");
}

void
sla_clock_started_here(SlaStoredTicket *st, int64 clock_id)
{
	int64		position = sla_timeline_position();
	Datum		v[4] = {Int64GetDatum(clock_id), Int32GetDatum(st->attachment_id), CStringGetTextDatum(st->key),
	Int64GetDatum(position)};

	run(S_CLOCK_STARTED_POS, st->key_type, v, "    ");
}

int64
sla_timeline_position(void)
{
	bool		isnull;

	run(S_POSITION, SLA_KEY_TEXT, NULL, "");
	return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

void
sla_transition_event_write(SlaStoredTicket *st, const sla_cf_transition *tr, int64 clock_id, int32 from_version)
{
	sla_log_event(st->attachment_id, st->key, clock_id, tr->at, sla_transition_event(tr->kind),
				  transition_detail(tr, NULL, from_version, sla_policy_version_in_force()));
}

void
sla_stored_ticket_write_row(SlaStoredTicket *st)
{
	write_ticket_row(st, false);
}

/* ---------------------------------------------------------------- warn_at */

/* Where sla.clock keeps the columns the warn_at trigger reads and writes. */
typedef struct WarnAtColumns
{
	int			level_id;
	int			started_at;
	int			due_at;
	int			calendar_id;
	int			paused_for;
	int			warn_at;
} WarnAtColumns;

static int
column_number(TupleDesc desc, const char *name)
{
	int			n = SPI_fnumber(desc, name);

	if (n <= 0)
		elog(ERROR, "sla.clock has no column \"%s\"", name);
	return n;
}

/*
 * Looked up by name once per query (fn_extra lives as long as the trigger's FmgrInfo, and the
 * table's columns cannot change while a query runs), not on every row.
 */
static const WarnAtColumns *
warn_at_columns(FunctionCallInfo fcinfo, TupleDesc desc)
{
	WarnAtColumns *cols = (WarnAtColumns *) fcinfo->flinfo->fn_extra;

	if (cols == NULL)
	{
		TriggerData *trigdata = (TriggerData *) fcinfo->context;
		const char *name = sla_shard_logical_name(trigdata->tg_relation);	/* on Citus: its table's */
		bool		clock_table = strcmp(name, "clock") == 0;	/* a 0.1.0 schema's */
		int			k;

		for (k = 0; k < SLA_KEY_TYPES; k++)
			clock_table |= strncmp(name, "clock_", 6) == 0 && strcmp(name + 6, sla_key_type_names[k]) == 0;
		/* the columns are trusted by name and type below: only sla's clock tables have the right ones */
		if (!clock_table || RelationGetNamespace(trigdata->tg_relation) != sla_extension_schema() ||
			trigdata->tg_relation->rd_rel->relkind != RELKIND_RELATION)
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("sla.clock_warn_at() fires on sla's clock tables only, not on %s",
							sla_relation_text(RelationGetRelid(trigdata->tg_relation)))));
		cols = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(WarnAtColumns));
		cols->level_id = column_number(desc, "level_id");
		cols->started_at = column_number(desc, "started_at");
		cols->due_at = column_number(desc, "due_at");
		cols->calendar_id = column_number(desc, "calendar_id");
		cols->paused_for = column_number(desc, "paused_for");
		cols->warn_at = column_number(desc, "warn_at");
		fcinfo->flinfo->fn_extra = cols;
	}
	return cols;
}

/* BEFORE INSERT OR UPDATE OF due_at, paused_for, started_at, calendar_id, level_id ON sla.clock */
PG_FUNCTION_INFO_V1(sla_clock_warn_at_trigger);
Datum
sla_clock_warn_at_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	SlaLevel   *level;
	TimestampTz started,
				due,
				warn;
	int32		calendar_id;
	sla_business_interval paused_for;
	const WarnAtColumns *cols;
	int			warn_col;
	Datum		value;
	bool		null = false;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("sla.clock_warn_at() must be a BEFORE ROW trigger")));
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;
	cols = warn_at_columns(fcinfo, desc);
	value = heap_getattr(tuple, cols->level_id, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);	/* the NOT NULL constraint reports it */
	level = sla_level_get(DatumGetInt32(value));
	if (level == NULL)
		return PointerGetDatum(tuple);	/* the config guard reports it */
	/* any NULL here is reported by the table's NOT NULL constraints after this trigger */
	value = heap_getattr(tuple, cols->started_at, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	started = DatumGetTimestampTz(value);
	value = heap_getattr(tuple, cols->due_at, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	due = DatumGetTimestampTz(value);
	value = heap_getattr(tuple, cols->calendar_id, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	calendar_id = DatumGetInt32(value);
	value = heap_getattr(tuple, cols->paused_for, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	paused_for = *DatumGetBusinessIntervalP(value);
	if (TIMESTAMP_NOT_FINITE(started) || TIMESTAMP_NOT_FINITE(due))
		return PointerGetDatum(tuple);
	warn = sla_clock_warn_at(started, due, paused_for, calendar_id, level->warning_fraction);
	warn_col = cols->warn_at;
	value = TimestampTzGetDatum(warn);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 1, &warn_col, &value, &null));
}
