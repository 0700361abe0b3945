/*
 * replay.c — sla.replay(): the clocks of a set of tickets recomputed from their fact log under
 * the policy in force in the caller's transaction, beside the clocks stored, written nowhere.
 *
 * The facts are played by sla_clockflow_play() (src/core/clockflow.c), the function the
 * triggers' out-of-order path plays a log with, through the same calendar arithmetic; only the
 * levels are read without the engine's configuration locks (a replay references nothing, and a
 * read-only transaction could not take them).  Everything is read as the caller, through the
 * tracking tables of the attachment's key type and their row-level security: a caller the host
 * table hides a ticket from replays none of it.  The configuration caches see the caller's own
 * uncommitted edits, which makes a what-if of BEGIN; edit; SELECT sla.replay(...); ROLLBACK
 * (docs/replay.md).  A re-target of live clocks that such an edit makes changes nothing here:
 * replay reads facts, never the clocks it reports beside them.
 *
 * Tickets are read in batches, so memory stays proportional to a batch, not to the attachment.
 * Their facts and clocks come from two ordered scans of the whole attachment merged with the
 * ordered ticket list by key when nearly every ticket is replayed (no keys, no start of range:
 * 1.4x less CPU than probing by key), else from one keyed statement each per batch.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/jsonb.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "business_interval_glue.h"
#include "calendar_cache.h"
#include "clock_store.h"
#include "pg_compat.h"
#include "rule_cache.h"
#include "sla_error.h"
#include "ticket_flow.h"

#define REPLAY_BATCH 1000
#define REPLAY_COLUMNS 20
/* the keys of skipped tickets a notice names */
#define REPLAY_NAMED_SKIPS 5

/* ---------------------------------------------------------------- the policy, read only */

static bool
replay_level(void *ctx, int32_t level_id, sla_cf_level *out)
{
	SlaLevel   *level = sla_level_get(level_id);

	if (level == NULL)
		return false;
	out->id = level->id;
	out->calendar_id = level->calendar_id;
	memcpy(out->has_target, level->has_target, sizeof(out->has_target));
	memcpy(out->target, level->target, sizeof(out->target));
	return true;
}

static sla_status
replay_add(void *ctx, int32_t calendar_id, int64_t t, sla_business_interval d, int64_t *out)
{
	*out = sla_business_add_on(calendar_id, t, d);
	return SLA_OK;
}

static sla_status
replay_between(void *ctx, int32_t calendar_id, int64_t a, int64_t b, int64_t *out)
{
	*out = sla_business_between_on(calendar_id, a, b).usec;
	return SLA_OK;
}

static const sla_cf_policy replay_policy = {NULL, replay_level, replay_add, replay_between};

/* ---------------------------------------------------------------- what is read */

/* A stored clock, as the result shows it beside the replayed one. */
typedef struct StoredClock
{
	sla_metric	metric;
	int32		cycle;
	int32		level_id;
	TimestampTz started_at;
	TimestampTz due_at;
	bool		stopped;
	TimestampTz stopped_at;
	sla_clock_state state;
	bool		has_used;
	sla_business_interval used;
	sla_business_interval paused_for;
	bool		paused;
	TimestampTz paused_since;
	char	   *department;
	char	   *agent;
	bool		matched;
} StoredClock;

/* What a logged fact holds beside what the clock model reads (moved with it when sorted). */
typedef struct FactExtra
{
	Jsonb	   *logged;			/* the attribute values the rules read, or NULL */
	int32		version;		/* the policy version it was applied under; 0: not known */
	int			segment;		/* sla.replay_history: the index of the version it plays under */
} FactExtra;

typedef struct BatchTicket
{
	char	   *key;
	Datum		key_datum;		/* in the key type (streaming) */
	char	   *department;		/* the ticket's holder now (clocks without a stored twin) */
	char	   *agent;
	int			nfacts;
	int			facts_capacity;
	sla_fact   *facts;
	FactExtra **extra;			/* per fact: what the clock model does not read */
	bool		readable;		/* every logged fact could be read */
	int			nclocks;
	int			clocks_capacity;
	StoredClock *clocks;
} BatchTicket;

typedef struct LevelName
{
	int32		id;
	char	   *name;
} LevelName;

typedef struct ReplayState
{
	int32		attachment_id;
	SlaKeyType	key_type;
	TupleDesc	desc;
	Tuplestorestate *out;
	Datum		metric_datum[SLA_METRIC_COUNT];
	int			nlevels;
	LevelName  *levels;
	/* sla.replay_history: the committed versions, in order, and when each took effect (none:
	 * one policy, the one in force in this transaction) */
	int			nversions;
	int32	   *versions;
	TimestampTz *took_effect;
	SPIPlanPtr	facts_plan;
	SPIPlanPtr	clocks_plan;
	FmgrInfo	key_cmp;		/* the key type's btree order (streaming) */
	Oid			key_collation;
	int64		skipped;
	StringInfoData skipped_keys;
} ReplayState;

static void
connect_spi(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

static const char *
level_name(ReplayState *rs, int32 id)
{
	int			i;

	for (i = 0; i < rs->nlevels; i++)
		if (rs->levels[i].id == id)
			return rs->levels[i].name;
	return NULL;
}

/* The attachment of a ticket table (42704 when it has none), its key type and the level names. */
static void
replay_prepare(ReplayState *rs, Oid ticket_table)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(ticket_table)};
	uint64		i;
	bool		isnull;

	if (SPI_execute_with_args("SELECT a.id, a.key_type FROM sla.attachment a "
							  "WHERE a.ticket_table OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.attachment");
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("table %s is not attached",
						DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(ticket_table)))),
				 errhint("sla.replay replays the tickets of a table attached with sla.attach().")));
	rs->attachment_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	{
		char	   *kt = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		int			k;

		rs->key_type = SLA_KEY_TEXT;
		for (k = 0; k < SLA_KEY_TYPES; k++)
			if (strcmp(kt, sla_key_type_names[k]) == 0)
				rs->key_type = (SlaKeyType) k;
	}
	if (SPI_execute("SELECT l.id, l.name FROM sla.level l", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read sla.level");
	rs->levels = palloc(sizeof(LevelName) * (SPI_processed + 1));
	rs->nlevels = (int) SPI_processed;
	for (i = 0; i < SPI_processed; i++)
	{
		rs->levels[i].id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		rs->levels[i].name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
	}
}

/* A statement over a batch of keys ($2, text[]) of the attachment ($1), for the key type. */
static SPIPlanPtr
batch_plan(ReplayState *rs, const char *template)
{
	const char *kt = sla_key_type_names[rs->key_type];
	Oid			types[2] = {INT4OID, TEXTARRAYOID};
	char	   *sql = psprintf(template, kt, kt);
	SPIPlanPtr	plan = SPI_prepare(sql, 2, types);

	if (plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
	return plan;
}

/* ---------------------------------------------------------------- a batch */

/* A row of the fact log (at, kind, detail from column col on) appended to a ticket's facts. */
static void
add_fact(BatchTicket *t, HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;

	Jsonb	   *detail;
	JsonbValue	chosen;
	JsonbValue	values;

	if (t->nfacts == t->facts_capacity)
	{
		t->facts_capacity = Max(8, 2 * t->facts_capacity);
		t->facts = t->facts ? repalloc(t->facts, sizeof(sla_fact) * t->facts_capacity)
			: palloc(sizeof(sla_fact) * t->facts_capacity);
		t->extra = t->extra ? repalloc(t->extra, sizeof(FactExtra *) * t->facts_capacity)
			: palloc(sizeof(FactExtra *) * t->facts_capacity);
	}
	detail = DatumGetJsonbP(SPI_getbinval(tup, desc, col + 2, &isnull));
	if (!sla_fact_from_log_jsonb(SPI_getvalue(tup, desc, col + 1), DatumGetTimestampTz(SPI_getbinval(tup, desc, col, &isnull)),
								 detail, &t->facts[t->nfacts]))
		t->readable = false;
	/* the values the rules read when they chose the level (detail.chosen.attributes): absent
	 * from facts logged before they were kept, and from level facts not chosen by the rules (an
	 * escalation's) */
	t->extra[t->nfacts] = palloc0(sizeof(FactExtra));
	if (getKeyJsonValueFromContainer(&detail->root, "v", 1, &values) != NULL && values.type == jbvNumeric)
		t->extra[t->nfacts]->version = DatumGetInt32(DirectFunctionCall1(numeric_int4, NumericGetDatum(values.val.numeric)));
	if ((t->facts[t->nfacts].kind == SLA_FACT_CREATED || t->facts[t->nfacts].kind == SLA_FACT_LEVEL) &&
		getKeyJsonValueFromContainer(&detail->root, "chosen", strlen("chosen"), &chosen) != NULL &&
		chosen.type == jbvBinary && JsonContainerIsObject(chosen.val.binary.data) &&
		getKeyJsonValueFromContainer(chosen.val.binary.data, "attributes", strlen("attributes"), &values) != NULL &&
		values.type == jbvBinary && JsonContainerIsObject(values.val.binary.data))
		t->extra[t->nfacts]->logged = JsonbValueToJsonb(&values);
	t->nfacts++;
}

/* A stored clock (metric ... agent, 12 columns from column 2 on) appended to a ticket's clocks. */
static void
add_clock(BatchTicket *t, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	StoredClock *c;
	Datum		d;
	int			v;

	if (t->nclocks == t->clocks_capacity)
	{
		t->clocks_capacity = Max(8, 2 * t->clocks_capacity);
		t->clocks = t->clocks ? repalloc(t->clocks, sizeof(StoredClock) * t->clocks_capacity)
			: palloc(sizeof(StoredClock) * t->clocks_capacity);
	}
	c = &t->clocks[t->nclocks++];
	memset(c, 0, sizeof(*c));
	v = sla_metric_from_text(SPI_getvalue(tup, desc, 2));
	c->metric = v < 0 ? SLA_M_FIRST_RESPONSE : (sla_metric) v;
	c->cycle = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
	c->level_id = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
	c->started_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &isnull));
	c->due_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 6, &isnull));
	d = SPI_getbinval(tup, desc, 7, &isnull);
	c->stopped = !isnull;
	c->stopped_at = isnull ? 0 : DatumGetTimestampTz(d);
	v = sla_clock_state_from_text(SPI_getvalue(tup, desc, 8));	/* a CHECK admits only the five */
	c->state = v < 0 ? SLA_CS_RUNNING : (sla_clock_state) v;
	d = SPI_getbinval(tup, desc, 9, &isnull);
	c->has_used = !isnull;
	if (!isnull)
		c->used = *DatumGetBusinessIntervalP(d);
	c->department = SPI_getvalue(tup, desc, 10);
	d = SPI_getbinval(tup, desc, 11, &isnull);
	if (!isnull)
		c->paused_for = *DatumGetBusinessIntervalP(d);
	d = SPI_getbinval(tup, desc, 12, &isnull);
	c->paused = !isnull;
	c->paused_since = isnull ? 0 : DatumGetTimestampTz(d);
	c->agent = SPI_getvalue(tup, desc, 13);
}

static void
read_facts(ReplayState *rs, BatchTicket *batch, Datum *args)
{
	uint64		i;

	if (SPI_execute_plan(rs->facts_plan, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the fact log");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		add_fact(&batch[DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)) - 1],
				 SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
	}
	SPI_freetuptable(SPI_tuptable);
}

static void
read_clocks(ReplayState *rs, BatchTicket *batch, Datum *args)
{
	uint64		i;

	if (SPI_execute_plan(rs->clocks_plan, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the clocks");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		add_clock(&batch[DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)) - 1],
				  SPI_tuptable->vals[i], SPI_tuptable->tupdesc);
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * Streaming: with no keys and no start of range given, nearly every ticket of the attachment is
 * replayed, and its facts and clocks are read in two ordered scans of the whole attachment
 * (ticket key, then seq / metric and cycle: the primary keys' order), merged with the ordered
 * ticket list by key, instead of two keyed statements per batch.
 */
typedef struct Stream
{
	Portal		portal;
	SPITupleTable *tt;
	uint64		pos;
	bool		done;
} Stream;

/* The stream's current row (NULL at its end), fetching the next chunk when needed. */
static HeapTuple
stream_peek(Stream *st)
{
	if (st->done)
		return NULL;
	if (st->tt == NULL || st->pos >= st->tt->numvals)
	{
		if (st->tt != NULL)
			SPI_freetuptable(st->tt);
		SPI_cursor_fetch(st->portal, true, 10 * REPLAY_BATCH);
		st->tt = SPI_tuptable;
		st->pos = 0;
		if (SPI_processed == 0)
		{
			SPI_freetuptable(st->tt);
			st->tt = NULL;
			st->done = true;
			return NULL;
		}
	}
	return st->tt->vals[st->pos];
}

static int
key_cmp(ReplayState *rs, Datum a, Datum b)
{
	return DatumGetInt32(FunctionCall2Coll(&rs->key_cmp, rs->key_collation, a, b));
}

/* Hand the stream's rows of the batch's tickets to them (rows of other tickets are skipped). */
static void
merge_stream(ReplayState *rs, Stream *st, BatchTicket *batch, int n, bool facts)
{
	HeapTuple	tup;
	int			i = 0;

	while ((tup = stream_peek(st)) != NULL)
	{
		bool		isnull;
		Datum		key = SPI_getbinval(tup, st->tt->tupdesc, 1, &isnull);
		int			c;

		while (i < n && (c = key_cmp(rs, batch[i].key_datum, key)) < 0)
			i++;
		if (i >= n)
			return;				/* a later batch's */
		if (c == 0)
		{
			if (facts)
				add_fact(&batch[i], tup, st->tt->tupdesc, 2);
			else
				add_clock(&batch[i], tup, st->tt->tupdesc);
		}
		st->pos++;
	}
}

static Datum
time_or_null(bool set, TimestampTz t, bool *isnull)
{
	*isnull = !set;
	return set ? TimestampTzGetDatum(t) : (Datum) 0;
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = s == NULL;
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

static bool
used_of(const sla_cf_clock *c, sla_business_interval *out)
{
	if (c->state != SLA_CS_MET && c->state != SLA_CS_BREACHED)
		return false;
	*out = c->used;
	return true;
}

/* One result row: a replayed clock (or NULL) beside the stored one (or NULL). */
static void
emit(ReplayState *rs, const BatchTicket *t, const sla_cf_clock *r, const StoredClock *s)
{
	Datum		v[REPLAY_COLUMNS];
	bool		n[REPLAY_COLUMNS];
	sla_business_interval used;
	bool		has_used = r != NULL && used_of(r, &used);
	bool		changed;

	memset(n, true, sizeof(n));
	v[0] = CStringGetTextDatum(t->key);
	n[0] = false;
	v[1] = rs->metric_datum[r ? r->metric : s->metric];
	n[1] = false;
	v[2] = Int32GetDatum(r ? r->cycle : s->cycle);
	n[2] = false;
	if (r != NULL)
	{
		v[3] = text_or_null(level_name(rs, r->level_id), &n[3]);
		v[4] = BusinessIntervalPGetDatum(&r->target);
		n[4] = false;
		v[5] = CStringGetTextDatum(sla_clock_state_name(r->state));
		n[5] = false;
		v[6] = TimestampTzGetDatum(r->started_at);
		n[6] = false;
		v[7] = TimestampTzGetDatum(r->due_at);
		n[7] = false;
		v[8] = time_or_null(r->stopped, r->stopped_at, &n[8]);
		if (has_used)
		{
			v[9] = BusinessIntervalPGetDatum(&used);
			n[9] = false;
		}
		v[10] = BusinessIntervalPGetDatum(&r->paused_for);
		n[10] = false;
		v[11] = time_or_null(r->paused, r->paused_since, &n[11]);
	}
	/* the holder: the stored clock's (who held the ticket then), else the ticket's now */
	v[12] = text_or_null(s ? s->department : t->department, &n[12]);
	v[13] = text_or_null(s ? s->agent : t->agent, &n[13]);
	if (s != NULL)
	{
		v[14] = text_or_null(level_name(rs, s->level_id), &n[14]);
		v[15] = CStringGetTextDatum(sla_clock_state_name(s->state));
		n[15] = false;
		v[16] = TimestampTzGetDatum(s->due_at);
		n[16] = false;
		v[17] = time_or_null(s->stopped, s->stopped_at, &n[17]);
		if (s->has_used)
		{
			v[18] = BusinessIntervalPGetDatum(&s->used);
			n[18] = false;
		}
	}
	changed = r == NULL || s == NULL || r->level_id != s->level_id || r->state != s->state ||
		r->started_at != s->started_at || r->due_at != s->due_at || r->stopped != s->stopped ||
		(r->stopped && r->stopped_at != s->stopped_at) || has_used != s->has_used ||
		(has_used && sla_bi_cmp(used, s->used) != 0) || sla_bi_cmp(r->paused_for, s->paused_for) != 0 ||
		r->paused != s->paused || (r->paused && r->paused_since != s->paused_since);
	v[19] = BoolGetDatum(changed);
	n[19] = false;
	tuplestore_putvalues(rs->out, rs->desc, v, n);
}

/* Whether a ticket's log can be replayed; a notice names the first few that cannot. */
static bool
replayable(ReplayState *rs, BatchTicket *t)
{
	if (t->readable && sla_facts_replayable(t->facts, t->nfacts))
		return true;
	if (rs->skipped < REPLAY_NAMED_SKIPS)
		appendStringInfo(&rs->skipped_keys, "%s%s", rs->skipped ? ", " : "", t->key);
	rs->skipped++;
	return false;
}

/*
 * The rules of the policy replayed (the configuration in force: live, a draft's, a loaded
 * version's), run again over the values a created or level fact logged, at the fact's instant
 * (older_than / newer_than as they stood then), by the code the triggers run them with: a
 * draft or version whose rules differ moves the ticket to the level they choose.  A created fact
 * takes every rule's choice (else the default level), a level fact the choice of the rules
 * marked on_update, and none of them keeps the level the ticket has (level 0 changes nothing).
 * A fact without logged values (logged before they were kept, an escalation's), or whose values
 * lack one the rules read, keeps its level.
 */
typedef struct ReplayRules
{
	CompiledRules *all;			/* every active rule: a created fact's */
	CompiledRules *update;		/* those marked on_update: a level fact's */
} ReplayRules;

/* The rules in force (fetched once per ticket or version: a fact log holds many facts). */
static ReplayRules
replay_rules(void)
{
	ReplayRules r;

	r.all = sla_current_rules(false);
	r.update = sla_current_rules(true);
	return r;
}

static void
rechoose_level(BatchTicket *t, int i, const ReplayRules *rules)
{
	int32		level_id;

	if (t->extra[i]->logged != NULL &&
		sla_rules_choose_logged(t->facts[i].kind == SLA_FACT_CREATED ? rules->all : rules->update,
								t->extra[i]->logged, t->facts[i].at, &level_id))
		t->facts[i].level_id = level_id;
}

/* The result rows of a replayed ticket: its replayed clocks beside the stored ones. */
static void
emit_ticket(ReplayState *rs, BatchTicket *t, sla_cf_ticket *r)
{
	int			i,
				j;

	for (i = 0; i < r->nclocks; i++)
	{
		StoredClock *s = NULL;

		for (j = 0; j < t->nclocks; j++)
			if (!t->clocks[j].matched && t->clocks[j].metric == r->clocks[i].metric &&
				t->clocks[j].cycle == r->clocks[i].cycle)
			{
				s = &t->clocks[j];
				s->matched = true;
				break;
			}
		emit(rs, t, &r->clocks[i], s);
	}
	/* stored clocks the facts do not give (cancelled outside the ticket's history: its table was
	 * truncated or dropped) */
	for (j = 0; j < t->nclocks; j++)
		if (!t->clocks[j].matched)
			emit(rs, t, NULL, &t->clocks[j]);
}

static void
replay_ticket(ReplayState *rs, BatchTicket *t, sla_cf_result *scratch)
{
	sla_cf_ticket r;
	sla_cf_play play = {NULL, sla_clocks_room, NULL, scratch};
	sla_status	status;
	int			i;
	ReplayRules rules;

	if (!replayable(rs, t))
		return;
	rules = replay_rules();
	for (i = 0; i < t->nfacts; i++)
		rechoose_level(t, i, &rules);
	memset(&r, 0, sizeof(r));
	status = sla_clockflow_play(&r, t->facts, t->nfacts, &replay_policy, &play);
	if (status != SLA_OK)
		sla_report_status(status, "business_interval", t->key);
	emit_ticket(rs, t, &r);
}

/*
 * As it happened (sla.replay_history): each fact played under the policy version it was applied
 * under (its "v"; else the version in force at its instant), each edit in between handed to the
 * ticket as the policy fact the live re-targeting trigger handed it, at the instant the version
 * took effect (running clocks re-targeted, removed targets cancelled, decided clocks kept).  The
 * batch's tickets are played together, version by version: each version's configuration is
 * loaded in a subtransaction that is rolled back (sla.load_policy_version, as
 * sla.replay_version does; the latest is the configuration in this transaction, not loaded), and
 * under it every ticket takes the version's edit, then its facts of that version, the version's
 * rules choosing their levels.  Versions before the batch's first fact are not loaded.
 */
/*
 * The index of the version a fact plays under in sla.replay_history: the version it names, else
 * the one in force at its instant (the first before any took effect).  Binary searches: the
 * versions and their instants ascend (this transaction's own, negative, comes last).
 */
static int
history_segment(ReplayState *rs, int32 version, TimestampTz at)
{
	int			lo = 0,
				hi = rs->nversions - 1;

	if (version < 0 && rs->versions[rs->nversions - 1] == version)
		return rs->nversions - 1;
	if (version > 0)
	{
		while (lo <= hi)
		{
			int			mid = lo + (hi - lo) / 2;

			if (rs->versions[mid] == version)
				return mid;
			if (rs->versions[mid] < 0 || rs->versions[mid] > version)
				hi = mid - 1;
			else
				lo = mid + 1;
		}
	}
	/* the last version that took effect at or before the instant */
	lo = 0;
	hi = rs->nversions - 1;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo + 1) / 2;

		if (rs->took_effect[mid] <= at)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void
replay_batch_history(ReplayState *rs, BatchTicket *batch, int n, sla_cf_result *scratch)
{
	sla_cf_ticket *state = palloc0(sizeof(sla_cf_ticket) * (n + 1));
	int		   *next = palloc0(sizeof(int) * (n + 1));
	bool	   *ok = palloc0(sizeof(bool) * (n + 1));
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	int			first = rs->nversions - 1;
	ReplayRules rules;
	int			i,
				k;

	for (i = 0; i < n; i++)
	{
		BatchTicket *t = &batch[i];
		int			j;

		if (!(ok[i] = replayable(rs, t)))
			continue;
		sla_facts_sort_with(t->facts, (void **) t->extra, t->nfacts);
		/* the version each fact was applied under: the one it logged, else (logged before
		 * facts named it, or in the editing transaction itself) the one in force at its
		 * instant; never an earlier one than the fact before it */
		for (j = 0; j < t->nfacts; j++)
		{
			FactExtra  *x = t->extra[j];
			int			seg = history_segment(rs, x->version, t->facts[j].at);

			x->segment = j > 0 ? Max(seg, t->extra[j - 1]->segment) : seg;
		}
		first = Min(first, t->extra[0]->segment);
	}
	for (k = first; k < rs->nversions; k++)
	{
		bool		load = k + 1 < rs->nversions;

		if (load)
		{
			Oid			types[1] = {INT4OID};
			Datum		v[1] = {Int32GetDatum(rs->versions[k])};

			BeginInternalSubTransaction(NULL);
			MemoryContextSwitchTo(context);
			if (SPI_execute_with_args("SELECT sla.load_policy_version($1)", 1, types, v, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not load policy version %d", rs->versions[k]);
			/* the caches read the configuration with the active snapshot, which predates the
			 * load: make it visible (and its invalidation processed), as the next statement of
			 * sla.replay_version's PL/pgSQL would see it */
			CommandCounterIncrement();
			PushCopiedSnapshot(GetActiveSnapshot());
			UpdateActiveSnapshotCommandId();
		}
		rules = replay_rules();
		for (i = 0; i < n; i++)
		{
			BatchTicket *t = &batch[i];
			sla_cf_ticket *r = &state[i];
			sla_status	status = SLA_OK;

			if (!ok[i])
				continue;
			/* the edit that made this version, as the live trigger handed it to the ticket */
			if (k > first && r->tracked)
			{
				sla_fact	edit = sla_fact_of(SLA_FACT_POLICY, rs->took_effect[k]);

				if (r->capacity < r->nclocks + SLA_CF_MAX_NEW_CLOCKS)
					sla_clocks_room(NULL, r, r->nclocks + SLA_CF_MAX_NEW_CLOCKS);
				status = sla_clockflow_apply(r, &edit, &replay_policy, scratch);
			}
			for (; status == SLA_OK && next[i] < t->nfacts && t->extra[next[i]]->segment == k; next[i]++)
			{
				rechoose_level(t, next[i], &rules);
				if (r->capacity < r->nclocks + SLA_CF_MAX_NEW_CLOCKS)
					sla_clocks_room(NULL, r, r->nclocks + SLA_CF_MAX_NEW_CLOCKS);
				status = sla_clockflow_apply(r, &t->facts[next[i]], &replay_policy, scratch);
			}
			if (status != SLA_OK)
				sla_report_status(status, "business_interval", t->key);
		}
		if (load)
		{
			PopActiveSnapshot();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(context);
			CurrentResourceOwner = owner;
		}
	}
	for (i = 0; i < n; i++)
		if (ok[i])
			emit_ticket(rs, &batch[i], &state[i]);
}

/* A batch of tickets: their facts and clocks from the streams, or read by key. */
static void
replay_batch(ReplayState *rs, BatchTicket *batch, int n, sla_cf_result *scratch, Stream *facts, Stream *clocks)
{
	int			i;

	if (facts != NULL)
	{
		merge_stream(rs, facts, batch, n, true);
		merge_stream(rs, clocks, batch, n, false);
	}
	else
	{
		Datum	   *keys = palloc(sizeof(Datum) * n);
		Datum		args[2];

		for (i = 0; i < n; i++)
			keys[i] = CStringGetTextDatum(batch[i].key);
		args[0] = Int32GetDatum(rs->attachment_id);
		args[1] = PointerGetDatum(construct_array(keys, n, TEXTOID, -1, false, TYPALIGN_INT));
		read_facts(rs, batch, args);
		read_clocks(rs, batch, args);
	}
	if (rs->nversions > 0)
		replay_batch_history(rs, batch, n, scratch);
	else
		for (i = 0; i < n; i++)
			replay_ticket(rs, &batch[i], scratch);
}

/* ---------------------------------------------------------------- sla.replay */

/*
 * sla.replay(ticket_table regclass, ticket_keys text[], from_time timestamptz, to_time
 * timestamptz): see src/sql/93_replay.sql and docs/replay.md.
 */
static Datum
replay_common(FunctionCallInfo fcinfo, bool history)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ReplayState rs;
	const char *kt;
	char	   *sql;
	char	   *created;
	Oid			types[4] = {INT4OID, TEXTARRAYOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[4];
	char		nulls[4] = "    ";
	Portal		portal;
	MemoryContext batch_context;
	MemoryContext outer;
	BatchTicket *batch;
	sla_cf_result *scratch;
	int			m;
	bool		streaming;
	Stream		facts;
	Stream		clocks;
	Oid			key_type = InvalidOid;
	int16		key_len = 0;
	bool		key_byval = false;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sla.replay needs a ticket table, not NULL")));
	if (!PG_ARGISNULL(2) && !PG_ARGISNULL(3) && PG_GETARG_TIMESTAMPTZ(2) > PG_GETARG_TIMESTAMPTZ(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sla.replay from %s to %s: the range ends before it starts",
						DatumGetCString(DirectFunctionCall1(timestamptz_out, PG_GETARG_DATUM(2))),
						DatumGetCString(DirectFunctionCall1(timestamptz_out, PG_GETARG_DATUM(3))))));
	if (!PG_ARGISNULL(1) && array_contains_nulls(PG_GETARG_ARRAYTYPE_P(1)))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sla.replay's ticket_keys hold a NULL key")));
	if (sla_schema_before_0_2())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("sla.replay needs the 0.2.0 schema and its fact log"),
				 errhint("Run ALTER EXTENSION sla UPDATE.")));

	sla_init_materialized_srf(fcinfo);
	memset(&rs, 0, sizeof(rs));
	rs.out = rsinfo->setResult;
	rs.desc = rsinfo->setDesc;
	for (m = 0; m < SLA_METRIC_COUNT; m++)
		rs.metric_datum[m] = OidInputFunctionCall(F_ENUM_IN, (char *) sla_metric_name((sla_metric) m),
												  TupleDescAttr(rs.desc, 1)->atttypid, -1);
	initStringInfo(&rs.skipped_keys);

	connect_spi();
	replay_prepare(&rs, PG_GETARG_OID(0));
	if (history)
	{
		uint64		i;

		if (SPI_execute("SELECT v.version, v.took_effect FROM sla.policy_version v ORDER BY v.version", true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read sla.policy_version");
		rs.nversions = (int) SPI_processed;
		rs.versions = palloc(sizeof(int32) * (rs.nversions + 1));
		rs.took_effect = palloc(sizeof(TimestampTz) * (rs.nversions + 1));
		for (i = 0; i < SPI_processed; i++)
		{
			bool		isnull;

			rs.versions[i] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
			rs.took_effect[i] = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		}
		/* this transaction's own edits, not numbered before its commit: the last version, the
		 * configuration as it is here (facts this transaction wrote name its provisional number) */
		{
			int32		own = sla_policy_version_in_force();

			if (own < 0)
			{
				rs.versions = repalloc(rs.versions, sizeof(int32) * (rs.nversions + 2));
				rs.took_effect = repalloc(rs.took_effect, sizeof(TimestampTz) * (rs.nversions + 2));
				rs.versions[rs.nversions] = own;
				rs.took_effect[rs.nversions] = rs.nversions > 0 ?
					Max(GetCurrentTransactionStartTimestamp(), rs.took_effect[rs.nversions - 1]) :
					GetCurrentTransactionStartTimestamp();
				rs.nversions++;
			}
		}
	}
	kt = sla_key_type_names[rs.key_type];
	/* the keys given: in the key's own type (22P02 for one it cannot hold), so the primary key is used */
	rs.facts_plan = batch_plan(&rs, "SELECT k.i, f.at, f.kind, f.detail "
							   "FROM pg_catalog.unnest($2::pg_catalog.text[]) WITH ORDINALITY k(key, i) "
							   "JOIN sla.fact_%s f ON f.attachment_id OPERATOR(pg_catalog.=) $1 "
							   "AND f.ticket_key OPERATOR(pg_catalog.=) k.key::pg_catalog.%s "
							   "ORDER BY k.i, f.seq");
	rs.clocks_plan = batch_plan(&rs, "SELECT k.i, c.metric::pg_catalog.text, c.cycle, c.level_id, c.started_at, "
								"c.due_at, c.stopped_at, c.state, c.business_used, c.department, c.paused_for, c.paused_since, c.agent "
								"FROM pg_catalog.unnest($2::pg_catalog.text[]) WITH ORDINALITY k(key, i) "
								"JOIN sla.clock_%s c ON c.attachment_id OPERATOR(pg_catalog.=) $1 "
								"AND c.ticket_key OPERATOR(pg_catalog.=) k.key::pg_catalog.%s "
								"ORDER BY k.i, c.metric, c.cycle");

	/*
	 * The tickets: all the attachment's tracked tickets, the keys given, those created in
	 * [from_time, to_time) (a ticket tracked before 0.2.0, whose log has no created fact: its
	 * first clock's start).  Read as the caller: row-level security applies.  The created fact
	 * is a LEFT JOIN (removed by the planner when no time range is given: the fact's primary
	 * key makes it unique) and the first clock a correlated subquery in WHERE, both on the
	 * ticket key: Citus pushes that down to the shards (a LATERAL subquery without FROM around
	 * them it refused: "correlated subqueries are not supported when the FROM clause contains a
	 * subquery without FROM").
	 */
	created = psprintf("coalesce(f.at, (SELECT pg_catalog.min(k.started_at) FROM sla.clock_%s k "
					   "WHERE k.attachment_id OPERATOR(pg_catalog.=) t.attachment_id "
					   "AND k.ticket_key OPERATOR(pg_catalog.=) t.ticket_key))", kt);
	sql = psprintf("SELECT t.ticket_key::pg_catalog.text, t.department, t.agent, t.ticket_key FROM sla.ticket_%s t "
				   "LEFT JOIN sla.fact_%s f ON f.attachment_id OPERATOR(pg_catalog.=) t.attachment_id "
				   "AND f.ticket_key OPERATOR(pg_catalog.=) t.ticket_key AND f.seq OPERATOR(pg_catalog.=) 1 "
				   "WHERE t.attachment_id OPERATOR(pg_catalog.=) $1 "
				   "AND ($2::pg_catalog.text[] IS NULL OR t.ticket_key OPERATOR(pg_catalog.=) ANY ($2::pg_catalog.text[]::pg_catalog.%s[])) "
				   "AND ($3::pg_catalog.timestamptz IS NULL OR %s OPERATOR(pg_catalog.>=) $3) "
				   "AND ($4::pg_catalog.timestamptz IS NULL OR %s OPERATOR(pg_catalog.<) $4) "
				   "ORDER BY t.ticket_key", kt, kt, kt, created, created);
	values[0] = Int32GetDatum(rs.attachment_id);
	for (m = 1; m < 4; m++)
	{
		values[m] = PG_ARGISNULL(m) ? (Datum) 0 : PG_GETARG_DATUM(m);
		nulls[m] = PG_ARGISNULL(m) ? 'n' : ' ';
	}
	portal = SPI_cursor_open_with_args(NULL, sql, 4, types, values, nulls, true, 0);
	streaming = PG_ARGISNULL(1) && PG_ARGISNULL(2);
	if (streaming)
	{
		Oid			stypes[1] = {INT4OID};

		memset(&facts, 0, sizeof(facts));
		memset(&clocks, 0, sizeof(clocks));
		facts.portal = SPI_cursor_open_with_args(NULL, psprintf("SELECT f.ticket_key, f.at, f.kind, f.detail FROM sla.fact_%s f "
																"WHERE f.attachment_id OPERATOR(pg_catalog.=) $1 "
																"ORDER BY f.ticket_key, f.seq", kt),
												 1, stypes, values, NULL, true, 0);
		clocks.portal = SPI_cursor_open_with_args(NULL, psprintf("SELECT c.ticket_key, c.metric::pg_catalog.text, c.cycle, c.level_id, "
																 "c.started_at, c.due_at, c.stopped_at, c.state, c.business_used, "
																 "c.department, c.paused_for, c.paused_since, c.agent FROM sla.clock_%s c "
																 "WHERE c.attachment_id OPERATOR(pg_catalog.=) $1 "
																 "ORDER BY c.ticket_key, c.metric, c.cycle", kt),
												  1, stypes, values, NULL, true, 0);
	}

	batch_context = AllocSetContextCreate(CurrentMemoryContext, "sla replay batch", ALLOCSET_DEFAULT_SIZES);
	scratch = palloc(sizeof(sla_cf_result));
	for (;;)
	{
		uint64		i,
					n;
		SPITupleTable *keys;

		SPI_cursor_fetch(portal, true, REPLAY_BATCH);
		n = SPI_processed;
		if (n == 0)
			break;
		keys = SPI_tuptable;
		if (streaming && !OidIsValid(key_type))
		{
			/* the key type's order, as ORDER BY ticket_key sorts it (its default btree class) */
			TypeCacheEntry *tc;

			key_type = TupleDescAttr(keys->tupdesc, 3)->atttypid;
			rs.key_collation = TupleDescAttr(keys->tupdesc, 3)->attcollation;
			tc = lookup_type_cache(key_type, TYPECACHE_CMP_PROC_FINFO);
			if (!OidIsValid(tc->cmp_proc_finfo.fn_oid))
				elog(ERROR, "ticket key type %u has no btree comparison", key_type);
			fmgr_info_copy(&rs.key_cmp, &tc->cmp_proc_finfo, fcinfo->flinfo->fn_mcxt);
			get_typlenbyval(key_type, &key_len, &key_byval);
		}
		MemoryContextReset(batch_context);
		outer = MemoryContextSwitchTo(batch_context);
		batch = palloc0(sizeof(BatchTicket) * n);
		for (i = 0; i < n; i++)
		{
			bool		isnull;

			batch[i].key = SPI_getvalue(keys->vals[i], keys->tupdesc, 1);
			batch[i].department = SPI_getvalue(keys->vals[i], keys->tupdesc, 2);
			batch[i].agent = SPI_getvalue(keys->vals[i], keys->tupdesc, 3);
			if (streaming)
				batch[i].key_datum = datumCopy(SPI_getbinval(keys->vals[i], keys->tupdesc, 4, &isnull), key_byval, key_len);
			batch[i].readable = true;
		}
		SPI_freetuptable(keys);
		replay_batch(&rs, batch, (int) n, scratch, streaming ? &facts : NULL, streaming ? &clocks : NULL);
		MemoryContextSwitchTo(outer);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	if (streaming)
	{
		if (facts.tt != NULL)
			SPI_freetuptable(facts.tt);
		if (clocks.tt != NULL)
			SPI_freetuptable(clocks.tt);
		SPI_cursor_close(facts.portal);
		SPI_cursor_close(clocks.portal);
	}
	MemoryContextDelete(batch_context);
	SPI_finish();

	if (rs.skipped > 0)
		ereport(NOTICE,
				(errmsg("sla.replay skipped " INT64_FORMAT " ticket%s of %s whose fact log does not hold its whole history: %s%s",
						rs.skipped, rs.skipped == 1 ? "" : "s",
						DatumGetCString(DirectFunctionCall1(regclassout, PG_GETARG_DATUM(0))),
						rs.skipped_keys.data, rs.skipped > REPLAY_NAMED_SKIPS ? ", ..." : ""),
				 errdetail("Tickets tracked before sla 0.2.0 have no log of their facts from creation on."),
				 errhint("Their stored clocks are in sla.clock.")));
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(sla_replay_sql);
Datum
sla_replay_sql(PG_FUNCTION_ARGS)
{
	return replay_common(fcinfo, false);
}

/*
 * sla.replay_history(ticket_table, ticket_keys, from_time, to_time): sla.replay as it happened,
 * each committed policy version in force from the instant it took effect (replay_batch_history).
 */
PG_FUNCTION_INFO_V1(sla_replay_history_sql);
Datum
sla_replay_history_sql(PG_FUNCTION_ARGS)
{
	return replay_common(fcinfo, true);
}
