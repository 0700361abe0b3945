/*
 * attachment_cache.h — the attachments of sla.attachment as the C triggers read them: which
 * host column holds each mapped field, the status map, the message value lists and functions.
 *
 * Loaded once per backend and attachment, dropped with the rest of the configuration when any
 * session edits sla.attachment or sla.status_map (the calendar cache's generation).  Columns are
 * found by attribute number and re-checked by name against each row's descriptor, so a host
 * column that was dropped or renamed after attaching gives an error naming it, never a wrong value.
 */
#ifndef SLA_ATTACHMENT_CACHE_H
#define SLA_ATTACHMENT_CACHE_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/timestamp.h"

/* Fields of the ticket mapping (the keys sla.attach() accepts). */
typedef enum TicketField
{
	TF_KEY, TF_CREATED_AT, TF_UPDATED_AT, TF_STATUS, TF_PRIORITY, TF_CHANNEL, TF_DEPARTMENT,
	TF_AGENT, TF_REQUESTER, TF_REFERRER, TF_TAGS, TF_CUSTOM_FIELDS, TF_DELETED,
	TF_CREATED_BY_INVITATION,
	TF_COUNT
} TicketField;

/* Fields of the message mapping that name columns. */
typedef enum MessageField
{
	MF_TICKET, MF_CREATED_AT, MF_AUTHOR_KIND, MF_PUBLIC, MF_INTERNAL, MF_CHANNEL,
	MF_UPDATED_AT, MF_PUBLISHED, MF_PUBLISHED_AT,
	MF_COUNT
} MessageField;

typedef struct MappedColumn
{
	const char *field;			/* the mapping key, for messages */
	char	   *name;			/* host column; NULL when the field is not mapped */
	AttrNumber	attnum;			/* last seen position (re-checked by name) */
} MappedColumn;

/*
 * Values of a value list (customer_values, chat_values, ...) or of the status map.  An entry that
 * reads as a decimal number (a JSON number of the mapping, or a string of digits) also keeps that
 * number: a numeric host column (Znuny's state_id, a smallint flag) is compared with it as a
 * number, so 3 matches 3, 3.0 and 03; a text column is compared as text.
 */
typedef struct ValueList
{
	int			n;
	char	  **values;
	Datum	   *numbers;		/* numeric Datum, or 0 when the entry is not a decimal number */
} ValueList;

/* A mapped column's value in one row, as value lists compare it. */
typedef struct RowValue
{
	char	   *text;			/* NULL for SQL NULL (or an unmapped column) */
	Datum		number;			/* numeric Datum when the column has a numeric type, else 0 */
} RowValue;

typedef struct SlaAttachment
{
	int32		id;
	uint64		generation;
	Oid			ticket_table;
	Oid			message_table;
	char	   *time_zone;		/* of timestamp-without-time-zone columns */
	char	   *writer_role;	/* NULL: any sla_writer; else the role whose members may write */
	MappedColumn ticket[TF_COUNT];
	MappedColumn message[MF_COUNT];
	ValueList	customer_values,
				agent_values,
				system_values,
				chat_values,
				call_values;
	Oid			author_function;	/* InvalidOid: author_kind with value lists */
	Oid			public_function;

	/*
	 * Drafts: a message counts when it becomes published.  Neither the published column nor
	 * the function mapped: every message is published when inserted (the 0.1.0 behaviour).
	 * With published_values the column's value must be listed; without, it is a boolean.
	 */
	Oid			published_function;
	bool		published_by_values;
	ValueList	published_values;
	bool		strict;			/* an unclassifiable value fails the write instead of being recorded */
	/* sla.backfill's cut-off: a ticket created before it is never tracked from before the attachment */
	bool		has_created_after;
	TimestampTz created_after;
	ValueList	status;			/* host status values of the status map ... */
	char	  **lifecycle;		/* ... and their lifecycle states */
	struct SlaAttachment *next;
} SlaAttachment;

/* The attachment with this id (trigger argument); ERROR when it does not exist. */
extern SlaAttachment *sla_attachment_get(int32 id);
/* The same, NULL when it does not exist. */
extern SlaAttachment *sla_attachment_find(int32 id);

/* A mapped column's value in a row: NULL pointer / false result when unmapped or SQL NULL. */
extern bool sla_row_datum(MappedColumn *col, HeapTuple tuple, TupleDesc desc, Oid relid,
						  Datum *value, Oid *type);

/* The value as text, the way to_jsonb(row) ->> column reads it (booleans as true / false). */
extern char *sla_row_text(MappedColumn *col, HeapTuple tuple, TupleDesc desc, Oid relid);

/* Whether a mapped column names a column of the row (false, not an error, when it does not:
 * for values read only to be logged, ticket_attributes.c). */
extern bool sla_row_has_column(MappedColumn *col, TupleDesc desc);

/* A mapped time column as an instant: timestamptz, timestamp in the zone, or epoch seconds. */
extern bool sla_row_time(MappedColumn *col, HeapTuple tuple, TupleDesc desc, Oid relid,
						 const char *zone, TimestampTz *out);

/* The lifecycle the status map gives the row's status; NULL when it has none (*status: the value). */
extern const char *sla_row_lifecycle(SlaAttachment *att, HeapTuple tuple, TupleDesc desc, char **status);

/* The lifecycle the status map gives a status value (a status history's); NULL when it has none. */
extern const char *sla_value_lifecycle(SlaAttachment *att, const RowValue *status);

/* ERROR 22023 naming an unmapped status value, with the map_status call that fixes it. */
extern void sla_unmapped_status_error(SlaAttachment *att, const char *status);

/* Whether a row counts as deleted: the deleted column is true, or a non-zero integer flag. */
extern bool sla_row_deleted(SlaAttachment *att, HeapTuple tuple, TupleDesc desc);

/* A function named in the configuration by its signature, resolved under the engine's search path. */
extern Oid	sla_function_oid(const char *signature);

/* A table as regclass prints it, for messages. */
extern char *sla_relation_text(Oid relid);

/* ERROR 42804: the column's current type does not fit its field (expected: what would). */
extern void sla_column_type_mismatch(MappedColumn *col, Oid relid, Oid type, const char *expected);

/* The row's value of a mapped column, for sla_value_listed. */
extern void sla_row_value(MappedColumn *col, HeapTuple tuple, TupleDesc desc, Oid relid, RowValue *out);
/* out->number for an integer or numeric value of that type (value lists compare numbers as
 * numbers); left as it is for any other type. */
extern void sla_value_number(Datum value, Oid type, RowValue *out);

/* Whether the value is in the list: as a number on numeric columns, else as text. */
extern bool sla_value_listed(const ValueList *list, const RowValue *value);

/*
 * Run user functions (declared attributes, author and public functions) under the search path
 * the engine's SQL functions use, pg_catalog then pg_temp: what they see cannot depend on the
 * writer's search_path.  Returns the GUC nest level to pass to sla_restore_search_path.
 */
extern int	sla_use_engine_search_path(void);
extern void sla_restore_search_path(int nest_level);

#endif
