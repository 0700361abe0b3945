/*
 * mapping_problem.c — recording values the mapping cannot classify (docs/reference.md, "Mapping
 * problems").  A helpdesk must never have its own write refused because an admin added a status
 * or an author kind that nobody mapped yet: the occurrence is counted in sla.mapping_problem, a
 * new problem is announced with NOTIFY sla_events, and the ticket goes on with what is known.
 *
 * The row of a problem is shared by every writer that meets the same value, so it must not become
 * a lock that host writes queue on (or deadlock over, when one transaction meets two problems in
 * the opposite order of another): a row another transaction holds is skipped (SKIP LOCKED), and a
 * new row is only inserted under a try-lock, so a write never waits here.  The price is that an
 * occurrence met while another open transaction holds the problem's row is not counted: `count`
 * is a lower bound under concurrency, exact otherwise.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"

#include "calendar_cache.h"
#include "citus_shard.h"
#include "mapping_problem.h"

/* A value is stored clipped to this many bytes (the unique index limits an entry's size). */
#define PROBLEM_VALUE_MAX_BYTES 1000

static const char *const record_problem_sql =
	"WITH held AS ("
	"  SELECT p.ctid FROM sla.mapping_problem p"
	"   WHERE p.attachment_id OPERATOR(pg_catalog.=) $1 AND p.field OPERATOR(pg_catalog.=) $2"
	"     AND (p.value OPERATOR(pg_catalog.=) $3 OR (p.value IS NULL AND $3 IS NULL))"
	"     FOR UPDATE SKIP LOCKED"
	"), counted AS ("
	"  UPDATE sla.mapping_problem p SET last_ticket_key = $4, last_seen = pg_catalog.now(),"
	"         count = p.count OPERATOR(pg_catalog.+) 1"
	"    FROM held WHERE p.ctid OPERATOR(pg_catalog.=) held.ctid RETURNING 1"
	"), added AS ("
	"  INSERT INTO sla.mapping_problem (attachment_id, field, value, first_ticket_key, last_ticket_key,"
	"                                  first_seen, last_seen, count)"
	"  SELECT $1, $2, $3, $4, $4, pg_catalog.now(), pg_catalog.now(), 1"
	"   WHERE NOT EXISTS (SELECT FROM sla.mapping_problem p"
	"                      WHERE p.attachment_id OPERATOR(pg_catalog.=) $1 AND p.field OPERATOR(pg_catalog.=) $2"
	"                        AND (p.value OPERATOR(pg_catalog.=) $3 OR (p.value IS NULL AND $3 IS NULL)))"
	"     AND pg_catalog.pg_try_advisory_xact_lock($1, pg_catalog.hashtext($2 OPERATOR(pg_catalog.||) ':'"
	"                                              OPERATOR(pg_catalog.||) coalesce($3, '')))"
	"  ON CONFLICT DO NOTHING RETURNING 1"
	") SELECT (SELECT pg_catalog.count(*) FROM added)";

static SPIPlanPtr record_problem_plan = NULL;
static uint64 record_problem_generation = 0;

void
sla_mapping_problem(SlaAttachment *att, const char *field, const char *value, const char *ticket_key)
{
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		isnull;
	bool		added;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (record_problem_plan != NULL && record_problem_generation != sla_calendar_generation)
	{
		SPI_freeplan(record_problem_plan);
		record_problem_plan = NULL;
	}
	if (record_problem_plan == NULL)
	{
		Oid			types[4] = {INT4OID, TEXTOID, TEXTOID, TEXTOID};
		SPIPlanPtr	plan = SPI_prepare(record_problem_sql, 4, types);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the statement recording mapping problems: %s",
				 SPI_result_code_string(SPI_result));
		record_problem_plan = plan;
		record_problem_generation = sla_calendar_generation;
	}
	args[0] = Int32GetDatum(att->id);
	args[1] = CStringGetTextDatum(field);
	if (value != NULL)
		args[2] = PointerGetDatum(cstring_to_text_with_len(value,
														   pg_mbcliplen(value, strlen(value), PROBLEM_VALUE_MAX_BYTES)));
	else
		nulls[2] = 'n';
	if (ticket_key != NULL)
		args[3] = CStringGetTextDatum(ticket_key);
	else
		nulls[3] = 'n';
	if (SPI_execute_plan(record_problem_plan, args, nulls, false, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not record a mapping problem of attachment %d", att->id);
	added = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) > 0;
	SPI_finish();

	/*
	 * Any role may LISTEN, so the payload says which attachment and field, never the value or
	 * the ticket (docs/security.md): listeners read those from sla.mapping_problem with their own
	 * privileges.  Only a new problem is announced; later occurrences only count.
	 */
	if (added && !sla_citus_worker())	/* a Citus worker cannot PREPARE after NOTIFY */
	{
		StringInfoData payload;

		initStringInfo(&payload);
		appendStringInfo(&payload, "{\"event\" : \"mapping_problem\", \"attachment\" : %d, \"field\" : ", att->id);
		escape_json(&payload, field);
		appendStringInfoChar(&payload, '}');
		Async_Notify("sla_events", payload.data);
	}
}
