/*
 * sla_error.h — the one place that turns core status codes into PostgreSQL errors.
 */
#ifndef SLA_ERROR_H
#define SLA_ERROR_H

#include "postgres.h"
#include "sla_status.h"

/*
 * Report a failed core call.  what names the operation or type ("business_interval",
 * "business_add"), subject the value or calendar involved (may be NULL).  Never returns for
 * status != SLA_OK.
 */
extern void sla_report_status(sla_status status, const char *what, const char *subject);

#endif
