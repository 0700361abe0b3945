/*
 * mapping_problem.h — values the mapping cannot classify (a status with no lifecycle, an author
 * kind in no value list), recorded in sla.mapping_problem instead of failing the helpdesk's write.
 */
#ifndef SLA_MAPPING_PROBLEM_H
#define SLA_MAPPING_PROBLEM_H

#include "attachment_cache.h"

/*
 * Record one occurrence of an unclassifiable value of a mapping field (status, author_kind,
 * author_function) met on a ticket (key may be NULL), and announce a new problem on sla_events.
 * Never waits for another transaction.  The caller raises its own error instead when the
 * attachment is strict.
 */
extern void sla_mapping_problem(SlaAttachment *att, const char *field, const char *value,
								const char *ticket_key);

#endif
