/*
 * rule_recheck.h — rules relative to now (older_than, newer_than): a ticket's level may change
 * as time passes, with no write of the ticket.  When the rules marked on_update run for a
 * ticket, the instant they may next choose otherwise is stored with it (sla.ticket_*.
 * rules_recheck_at); the breach check runs them again then (sla.recheck_rules).
 */
#ifndef SLA_RULE_RECHECK_H
#define SLA_RULE_RECHECK_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/timestamp.h"

#include "attachment_cache.h"
#include "clock_store.h"

/*
 * After a fact of the ticket at instant at (SPI connected): store when its rules marked
 * on_update may next choose another level, from the ticket row as it now is (tuple, desc), or
 * clear it (no such rule, a deleted ticket).  Computes the rules' values only when some rule
 * marked on_update has a condition relative to now.
 */
extern void sla_rules_schedule_recheck(SlaAttachment *att, SlaStoredTicket *st, HeapTuple tuple,
									   TupleDesc desc, TimestampTz at);

#endif
