/*
 * ticket_engine.h — what the ticket and message triggers share: reading a ticket row for the
 * rules and for the clocks' snapshot, tracking a new ticket, and calling the helpdesk's own
 * functions (declared attributes, author and public functions) by OID.
 */
#ifndef SLA_TICKET_ENGINE_H
#define SLA_TICKET_ENGINE_H

#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "fmgr.h"

#include "attachment_cache.h"
#include "clock_store.h"
#include "rule_cache.h"

/* Which attribute slots to fill from a ticket row (the others are left NULL). */
typedef enum SlotMode
{
	SLOTS_READ,					/* those the rules read, declared attributes included, and the
								 * plain built-ins (sla_slot_always_read) for the fact log */
	SLOTS_READ_FROM_ROW,		/* those the rules read, without calling declared functions */
	SLOTS_ALL					/* every slot (the dry run) */
} SlotMode;

/* tracked: the ticket's stored state (last_message_author, last_message_at), or NULL */
extern sla_value *sla_ticket_rule_values(SlaAttachment *att, CompiledRules *cr, HeapTuple tuple,
										 TupleDesc desc, const char *key, const SlaStoredTicket *tracked,
										 SlotMode mode);

extern void sla_ticket_snapshot(SlaAttachment *att, HeapTuple tuple, TupleDesc desc, SlaSnapshot *s);

/* Choose a new ticket's level, record it, start its clocks (caller connected to SPI).  may_queue:
 * the rows of a new open ticket may wait for the end of the INSERT statement (new_ticket_batch.h). */
extern void sla_track_ticket(SlaAttachment *att, const char *key, HeapTuple tuple, TupleDesc desc,
							 const char *lifecycle, TimestampTz at, bool may_queue);

/*
 * The key of a ticket row (ERROR 23502 when null) and its lifecycle (deleted flag included).  The
 * lifecycle is NULL when the status has no mapping (recorded as a mapping problem; strict
 * attachments raise 22023 instead): an update keeps the ticket's lifecycle, and a ticket not
 * tracked yet gets SLA_UNMAPPED_NEW_LIFECYCLE.
 */
extern char *sla_ticket_key(SlaAttachment *att, HeapTuple tuple, TupleDesc desc);
extern const char *sla_ticket_lifecycle(SlaAttachment *att, HeapTuple tuple, TupleDesc desc);

/*
 * A new ticket whose status nobody mapped is open: its clocks run, so a breach is reported
 * rather than hidden (a paused or solved guess could hide it); mapping the status later and
 * updating the ticket moves it to its real lifecycle.
 */
#define SLA_UNMAPPED_NEW_LIFECYCLE "open"

/*
 * The clock logic of one published message of ticket key, classified as fact (caller connected
 * to SPI): the ticket locked and the fact applied, then the rules that follow a public message;
 * 23503 when the ticket is in neither the tracking tables nor the helpdesk's table.
 */
extern void sla_message_apply(SlaAttachment *att, const char *key, sla_fact *fact);

/* The attachment a row trigger made by sla.attach() serves (ERROR 39P01 when misused). */
extern SlaAttachment *sla_trigger_attachment(FunctionCallInfo fcinfo, const char *function,
											 const char *trigger_name, TriggerEvent event,
											 const char *event_name, bool on_message_table);
extern int32 sla_parse_attachment_id(const char *arg, const char *function);

/* A level the rules chose after the ticket's creation, applied as a level fact of instant at
 * when it is another level that still exists; whether it was applied. */
extern bool sla_apply_level_choice(SlaStoredTicket *st, SlaLevelChoice *choice, TimestampTz at);

/* A row of table relid passed to a SQL function (ERROR 42804 for any other value). */
extern void sla_row_argument(FunctionCallInfo fcinfo, int argno, Oid relid, const char *function,
							 HeapTupleData *tuple, TupleDesc *desc);

/* Call a one-argument function by OID after checking EXECUTE; *isnull reports a NULL result. */
extern Datum sla_call_function(Oid fn, Datum arg, Oid argcollation, bool *isnull, Oid *rettype,
							   const char *what);

#endif
