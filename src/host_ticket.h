/*
 * host_ticket.h — does a ticket row exist in the helpdesk's own ticket table, as the current
 * user sees it?  One lookup serves the message trigger (a message for a ticket that does not
 * exist is refused) and the row-level security policies of the SLA tables (sla.ticket_visible).
 */
#ifndef SLA_HOST_TICKET_H
#define SLA_HOST_TICKET_H

#include "access/htup.h"
#include "access/tupdesc.h"

#include "attachment_cache.h"

/* Whether the host ticket table has a row with this key that the current user can see (SPI connected). */
extern bool sla_host_ticket_exists(SlaAttachment *att, const char *key);

/*
 * The ticket's row in the host ticket table as the current user sees it (SPI connected): false
 * when it cannot see it; *tuple and *desc (released by the caller) otherwise.
 */
extern bool sla_host_ticket_row(SlaAttachment *att, const char *key, HeapTupleData *tuple, TupleDesc *desc);

/* The same as the table's owner, under SECURITY_RESTRICTED_OPERATION (the breach check reads a
 * row for rules whoever calls it: src/rule_recheck.c). */
extern bool sla_host_ticket_row_as_owner(SlaAttachment *att, const char *key, HeapTupleData *tuple,
										 TupleDesc *desc);

/* The owner of a relation (whose rights sla's work on the host table runs with). */
extern Oid	sla_table_owner(Oid relid);

#endif
