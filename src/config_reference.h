/* config_reference.h — the references between sla's configuration tables (config_reference.c) */
#ifndef SLA_CONFIG_REFERENCE_H
#define SLA_CONFIG_REFERENCE_H

/* Whether this session is loading a dump (check_function_bodies off, as pg_dump and pg_restore set it). */
extern bool sla_loading_dump(void);

#endif
