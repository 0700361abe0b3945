/* calendar_cache.c — placeholder, being written. */
#include "postgres.h"
#include "calendar_cache.h"

void
sla_calendar_cache_init(void)
{
}
