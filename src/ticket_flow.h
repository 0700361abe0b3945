/*
 * ticket_flow.h — applying one fact to one stored ticket (clockflow decides, the clock store
 * writes): the one way the engine moves clocks.
 */
#ifndef SLA_TICKET_FLOW_H
#define SLA_TICKET_FLOW_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "clock_store.h"

/* Apply the fact and write what it did; level_chosen: the rules' choice as JSON, or NULL. */
extern void sla_ticket_apply(SlaStoredTicket *st, const sla_fact *fact, Jsonb *level_chosen);
/* The same for a fact the caller knows sorts after every fact the ticket has logged (a message
 * later than its latest fact, or after other messages only: message_batch.c), so no replay. */
extern void sla_ticket_apply_in_order(SlaStoredTicket *st, const sla_fact *fact);

/* The lifecycle text of the mapping or a SQL caller as the clock model's enum (22023 for
 * anything but open, paused, solved, closed, deleted). */
extern sla_lifecycle sla_lifecycle_of(const char *lifecycle);

/* A fact of this kind at this instant, every other field at its neutral value. */
extern sla_fact sla_fact_of(sla_fact_kind kind, TimestampTz at);

/* A row of the fact log (kind, instant, detail as JSON text) as a fact; false for a row this
 * version cannot read. */
extern bool sla_fact_from_log(const char *kind, TimestampTz at, const char *detail, sla_fact *out);
/* The same with the detail as read from the log's jsonb column (replay reads many: no text round trip). */
extern bool sla_fact_from_log_jsonb(const char *kind, TimestampTz at, Jsonb *detail, sla_fact *out);

/* sla_cf_play's room callback: grow a ticket's palloc'd clocks (NULL: none yet). */
extern bool sla_clocks_room(void *ctx, sla_cf_ticket *t, int need);

#endif
