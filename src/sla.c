/*
 * sla.c — module entry point: the magic block and _PG_init, which registers the calendar cache's
 * invalidation callback once per backend, defines the configuration parameters and reserves
 * their "sla." prefix.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "breach_worker.h"
#include "calendar_cache.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * sla.breach_worker_database and sla.breach_worker_role are server-start settings, which only a
 * preloaded library may define (breach_worker.c does, in the postmaster).  A backend that loads
 * sla later defines them here, with no effect (no worker exists then), so that reserving the
 * prefix neither drops the values set for them nor refuses ALTER SYSTEM SET for them.
 */
static char *unpreloaded_worker_database = NULL;
static char *unpreloaded_worker_role = NULL;

/* sla.run_escalations (src/sql/85_escalation.sql) sets this while an escalation's actions run. */
static bool escalating = false;

void
_PG_init(void)
{
	sla_calendar_cache_init();
	sla_breach_worker_init();

	if (!process_shared_preload_libraries_in_progress)
	{
		DefineCustomStringVariable("sla.breach_worker_database",
								   "Database in which the SLA breach worker calls sla.check_breaches().",
								   "Read at server start, and only when sla is in shared_preload_libraries.",
								   &unpreloaded_worker_database, "postgres", PGC_SIGHUP, 0,
								   NULL, NULL, NULL);
		DefineCustomStringVariable("sla.breach_worker_role",
								   "Role as which the SLA breach worker connects.",
								   "Read at server start, and only when sla is in shared_preload_libraries.",
								   &unpreloaded_worker_role, NULL, PGC_SIGHUP, 0,
								   NULL, NULL, NULL);
	}

	DefineCustomBoolVariable("sla.escalating",
							 "Whether an escalation's actions are running (set by sla.run_escalations).",
							 "A check_breaches() called from inside an escalation escalates nothing.",
							 &escalating, false, PGC_USERSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);

	/* every sla.* parameter is defined now: any other name with the prefix is a typo */
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("sla");
#else
	EmitWarningsOnPlaceholders("sla");
#endif
}
