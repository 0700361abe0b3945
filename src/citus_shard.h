/*
 * citus_shard.h — sla's triggers on Citus shards (issue 14, docs/scaling.md).
 *
 * Citus copies a distributed or reference table's triggers onto each of its shards: on a
 * worker a trigger made on helpdesk.ticket as "sla_ticket" fires on helpdesk.ticket_102040 as
 * "sla_ticket_102040".  The engine's checks of where a trigger fires accept those names.
 */
#ifndef SLA_CITUS_SHARD_H
#define SLA_CITUS_SHARD_H

#include "postgres.h"
#include "utils/rel.h"

/* whether the citus extension is installed in this database */
extern bool sla_citus_installed(void);

/*
 * Whether this node is a Citus worker (citus installed, and this node's group is not the
 * coordinator's, 0).  A worker's part of a distributed transaction is committed with PREPARE
 * TRANSACTION, which PostgreSQL refuses after NOTIFY: the engine announces nothing there.
 */
extern bool sla_citus_worker(void);

/* name is base, or (Citus installed) base followed by _<shard id> */
extern bool sla_shard_name_matches(const char *name, const char *base);

/* rel is table, or (Citus installed) one of its shards: <table's name>_<shard id> beside it */
extern bool sla_relation_is_or_shard_of(Relation rel, Oid table);

/* the name of the table rel is a shard of (rel's own name when it is no shard) */
extern const char *sla_shard_logical_name(Relation rel);

/*
 * The name (schema-qualified, quoted) of a reference table's shard on this node, when rel is a
 * shard: a trigger on a reference table's shard that reads or locks another reference table
 * reads its local shard (locking the reference table itself from a shard would lock every
 * node's copy, over connections of its own: a distributed deadlock).  Else quoted_name.
 */
extern const char *sla_local_table_name(Relation rel, const char *schema, const char *table);

/* the quoted name of the shard of a distributed table holding a key, or NULL (caller in SPI) */
extern char *sla_local_shard_for_key(Oid table, const char *key);

/* sla's reference table by the name to read it on this node: on a Citus worker, its shard */
extern char *sla_reference_table_here(const char *table);

#endif
