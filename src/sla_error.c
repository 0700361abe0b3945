/*
 * sla_error.c — maps core status codes to ereport calls so one failure always carries the same
 * SQLSTATE and wording, wherever it is raised from.
 */
#include "postgres.h"

#include "sla_error.h"

void
sla_report_status(sla_status status, const char *what, const char *subject)
{
	const char *s = subject ? subject : "";

	switch (status)
	{
		case SLA_OK:
			return;
		case SLA_ESYNTAX:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for %s: \"%s\"", what, s)));
			break;
		case SLA_ERANGE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value out of range for %s: \"%s\"", what, s)));
			break;
		case SLA_EOVERFLOW:
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("%s out of range", what),
					 subject ? errdetail("The result for \"%s\" does not fit the timestamp range.", s) : 0));
			break;
		case SLA_ENOHOURS:
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("calendar \"%s\" has no open time", s),
					 errdetail("The calendar never opens (again) in the direction of the amount, so no due date exists."),
					 errhint("Give it weekly hours with sla.define_calendar() or special days with sla.set_special_day().")));
			break;
		case SLA_ECONFIG:
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("calendar \"%s\" is inconsistent", s)));
			break;
		case SLA_ENOMEM:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory in %s", what)));
			break;
	}
	elog(ERROR, "unexpected sla status %d", (int) status);
}
