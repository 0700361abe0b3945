/*
 * breach_worker.h — the optional background worker that calls sla.check_breaches() on a
 * schedule (docs/breach-worker.md).
 */
#ifndef SLA_BREACH_WORKER_H
#define SLA_BREACH_WORKER_H

#include "postgres.h"

#include "fmgr.h"

/*
 * Called from _PG_init in every process that loads the library: defines the
 * sla.breach_worker_* settings, and registers the worker when the library is being loaded
 * through shared_preload_libraries and sla.breach_worker_database is not empty.
 */
extern void sla_breach_worker_init(void);

/* The worker's entry point (named in bgw_function_name, so it must stay exported). */
extern PGDLLEXPORT void sla_breach_worker_main(Datum main_arg);

#endif
