/*
 * sla_status.h — status codes returned by every fallible function of the pure core.
 *
 * The core never reports errors itself; it returns one of these codes (and, where it parses
 * text, the offset of the offending character).  The PostgreSQL glue maps each code to exactly
 * one SQLSTATE in src/sla_error.c so that the same failure always looks the same to users.
 */
#ifndef SLA_STATUS_H
#define SLA_STATUS_H

typedef enum sla_status
{
	SLA_OK = 0,
	SLA_ESYNTAX,				/* text could not be parsed */
	SLA_ERANGE,					/* a field value is outside its domain (e.g. 25:00) */
	SLA_EOVERFLOW,				/* a result does not fit its type or the timestamp range */
	SLA_ENOHOURS,				/* the calendar has no (further) open time */
	SLA_ECONFIG,				/* the calendar definition is inconsistent (overlaps, ...) */
	SLA_ENOMEM					/* the allocator returned NULL */
} sla_status;

#endif							/* SLA_STATUS_H */
