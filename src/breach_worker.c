/*
 * breach_worker.c — an optional background worker that calls sla.check_breaches() every
 * sla.breach_worker_interval milliseconds in one database, so that warnings and breaches are
 * recorded (and announced with NOTIFY sla_events) without an external scheduler.
 *
 * The worker exists only when the library is loaded through shared_preload_libraries and
 * sla.breach_worker_database is not empty.  Its life, in short (docs/breach-worker.md has the
 * long form):
 *
 *  - one transaction per run: the extension's schema is looked up in pg_extension, then
 *    <schema>.check_breaches() is called through SPI and the transaction is committed, so a
 *    run's events and notifications are delivered together;
 *  - the extension not installed (yet): logged once at LOG level, looked for again every
 *    interval;
 *  - an error in a run: reported to the server log, the transaction rolled back, and the next
 *    run waits at least SLA_WORKER_ERROR_PAUSE_MS — the worker itself keeps running;
 *  - a missing database or role: the connection fails with FATAL and the postmaster starts the
 *    worker again after bgw_restart_time (SLA_WORKER_RESTART_S);
 *  - SIGTERM (shutdown, pg_terminate_backend): handled by die(), so even a run in progress is
 *    interrupted at its next CHECK_FOR_INTERRUPTS and rolled back; SIGHUP re-reads the
 *    configuration (the interval); postmaster death ends the wait at once.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#if PG_VERSION_NUM >= 140000
#include "utils/backend_status.h"
#include "utils/wait_event.h"
#endif

#include "breach_worker.h"

#define SLA_WORKER_NAME "sla breach worker"

/* Seconds before the postmaster starts the worker again after it exited with an error. */
#define SLA_WORKER_RESTART_S 5

/* After a failed run, wait at least this long before the next one (no tight error loop). */
#define SLA_WORKER_ERROR_PAUSE_MS 5000

/* Crossings recorded per transaction: after an outage the backlog is committed in such steps. */
#define SLA_WORKER_BATCH 1000

static char *breach_worker_database = NULL;
static int	breach_worker_interval = 1000;
static char *breach_worker_role = NULL;

void
sla_breach_worker_init(void)
{
	BackgroundWorker worker;

	DefineCustomIntVariable("sla.breach_worker_interval",
							"Time between two runs of sla.check_breaches() by the SLA breach worker.",
							"Warnings and breaches are recorded at most this long after they happen.",
							&breach_worker_interval,
							1000,
							100,
							60 * 60 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	/* PGC_POSTMASTER settings can only be created while the postmaster preloads the library */
	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomStringVariable("sla.breach_worker_database",
							   "Database in which the SLA breach worker calls sla.check_breaches().",
							   "An empty string disables the worker.  The worker exists only when "
							   "sla is in shared_preload_libraries.",
							   &breach_worker_database,
							   "postgres",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("sla.breach_worker_role",
							   "Role as which the SLA breach worker connects.",
							   "Unset or empty: the bootstrap superuser.",
							   &breach_worker_role,
							   NULL,
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
	if (breach_worker_database == NULL || breach_worker_database[0] == '\0')
	{
		ereport(LOG,
				(errmsg("sla breach worker disabled: sla.breach_worker_database is empty")));
		return;
	}

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = SLA_WORKER_RESTART_S;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "sla");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "sla_breach_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, SLA_WORKER_NAME);
	snprintf(worker.bgw_type, BGW_MAXLEN, SLA_WORKER_NAME);
	worker.bgw_main_arg = (Datum) 0;
	worker.bgw_notify_pid = 0;
	RegisterBackgroundWorker(&worker);
}

/*
 * One run in its own transaction.  Returns false when the run failed (the error has been
 * reported and the transaction rolled back).  *missing_logged remembers that "not installed"
 * has been logged, so that it is logged once per absence, not once per interval.
 */
static bool
breach_worker_run(bool *missing_logged, int32 *recorded_out)
{
	volatile bool ok = true;

	*recorded_out = 0;

	SetCurrentStatementStartTimestamp();	/* now() in check_breaches() is this run's start */
	StartTransactionCommand();
	PG_TRY();
	{
		int			ret;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "SELECT sla.check_breaches()");

		ret = SPI_execute("SELECT n.nspname FROM pg_catalog.pg_extension e "
						  "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
						  "WHERE e.extname = 'sla'", true, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "looking up extension sla failed: %s", SPI_result_code_string(ret));

		if (SPI_processed == 0)
		{
			if (!*missing_logged)
				ereport(LOG,
						(errmsg("sla breach worker: extension \"sla\" is not installed in database \"%s\", waiting for it",
								breach_worker_database)));
			*missing_logged = true;
		}
		else
		{
			char	   *schema = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
			/* at most a batch per transaction: a backlog is worked off in committed steps */
			char	   *query = psprintf("SELECT %s.check_breaches(pg_catalog.now(), %d)",
										 quote_identifier(schema), SLA_WORKER_BATCH);
			bool		isnull;
			int32		recorded;

			if (*missing_logged)
				ereport(LOG,
						(errmsg("sla breach worker: extension \"sla\" found in database \"%s\", checking every %d ms",
								breach_worker_database, breach_worker_interval)));
			*missing_logged = false;

			pgstat_report_activity(STATE_RUNNING, query);
			ret = SPI_execute(query, false, 1);
			if (ret != SPI_OK_SELECT || SPI_processed != 1)
				elog(ERROR, "%s failed: %s", query, SPI_result_code_string(ret));
			recorded = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 1, &isnull));
			if (!isnull && recorded > 0)
				elog(DEBUG1, "sla breach worker: %d warnings and breaches recorded", recorded);
			if (!isnull)
				*recorded_out = recorded;
		}

		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		/* What PostgresMain does after an error, for this worker's one transaction. */
		HOLD_INTERRUPTS();
		EmitErrorReport();
		AbortCurrentTransaction();
		MemoryContextSwitchTo(TopMemoryContext);
		FlushErrorState();
		RESUME_INTERRUPTS();
		ok = false;
	}
	PG_END_TRY();

	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	return ok;
}

void
sla_breach_worker_main(Datum main_arg)
{
	const char *role;
	bool		missing_logged = false;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	role = (breach_worker_role != NULL && breach_worker_role[0] != '\0') ? breach_worker_role : NULL;
	BackgroundWorkerInitializeConnection(breach_worker_database, role, 0);
	pgstat_report_appname(SLA_WORKER_NAME);
	ereport(LOG,
			(errmsg("sla breach worker started in database \"%s\", checking every %d ms",
					breach_worker_database, breach_worker_interval)));

	for (;;)
	{
		long		wait_ms;
		int32		recorded;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		wait_ms = breach_worker_interval;
		if (!breach_worker_run(&missing_logged, &recorded) && wait_ms < SLA_WORKER_ERROR_PAUSE_MS)
			wait_ms = SLA_WORKER_ERROR_PAUSE_MS;
		else if (recorded >= SLA_WORKER_BATCH)
			wait_ms = 0;		/* a full batch: more are pending, go on at once */

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 wait_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
