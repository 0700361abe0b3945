/*
 * calendar_cache.h — per-backend cache of compiled calendars, invalidated through the relcache.
 */
#ifndef SLA_CALENDAR_CACHE_H
#define SLA_CALENDAR_CACHE_H

extern void sla_calendar_cache_init(void);

#endif
