/*
 * calendar_cache.h — per-backend cache of compiled calendars.
 *
 * Calendars are read from the sla.calendar* tables once and compiled by the core; any change
 * to those tables (in any session) fires a statement trigger that broadcasts a relcache
 * invalidation of sla.calendar, and every backend drops its compiled calendars before its next
 * statement uses them.
 */
#ifndef SLA_CALENDAR_CACHE_H
#define SLA_CALENDAR_CACHE_H

#include "postgres.h"

#include "calendar.h"

typedef struct SlaCalendar
{
	int32		id;
	char	   *name;
	char	   *time_zone;
	sla_calendar *compiled;
	uint64		generation;		/* valid while this equals sla_calendar_generation */
	struct SlaCalendar *next;
} SlaCalendar;

/* Bumped whenever cached calendars are dropped; holders of SlaCalendar pointers compare it. */
extern uint64 sla_calendar_generation;

extern void sla_calendar_cache_init(void);

/* Look a calendar up (loading it if needed); ERROR 42704 when it does not exist. */
extern SlaCalendar *sla_calendar_by_name(const char *name, int len);
extern SlaCalendar *sla_calendar_by_id(int32 id);

/*
 * Before reading any compiled configuration (calendars, rules): accept invalidations once per
 * statement, drop stale calendars, and make sure invalidations of the configuration reach this
 * backend.  Other caches compare their own generation with sla_calendar_generation.
 */
extern void sla_config_cache_prepare(void);

/* Whether the installed schema is still 0.1.0's (see calendar_cache.c). */
extern bool sla_schema_before_0_2(void);

/* Make this backend see committed calendar changes before the current statement reads any. */
extern void sla_calendar_cache_refresh(void);

/* Report a failed calendar computation (overflow as 22008, naming the calendar). */
extern void sla_report_calendar_status(sla_status st, const char *what, SlaCalendar *cal);

/* The schema the sla extension is installed in, or InvalidOid (a catalog scan: cache it). */
extern Oid	sla_extension_schema(void);

#endif
