/*
 * sla.c — module entry point: the magic block and _PG_init, which registers the calendar cache's
 * invalidation callback once per backend.
 */
#include "postgres.h"

#include "fmgr.h"

#include "breach_worker.h"
#include "calendar_cache.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	sla_calendar_cache_init();
	sla_breach_worker_init();
}
