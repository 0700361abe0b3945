/*
 * attachment_access.c — which roles may write an attachment's tracking rows.
 *
 * sla_writer is the set of table privileges every helpdesk application needs on sla.ticket,
 * sla.clock and sla.event.  Two helpdesks in one database would each need it, and then each
 * could read, move and forge the other's clocks.  An attachment with a writer_role is closed to
 * them: a restrictive row-level security policy for sla_writer (97_row_security.sql) lets its
 * members see and write only the rows of attachments without a writer_role or whose writer_role
 * they have the privileges of.  Members of sla_admin keep every row (re-targeting after a level
 * or calendar edit writes clocks of every attachment).  Table owners and superusers bypass row
 * security as always.  Called once per row a writer touches: the attachment comes from the
 * per-backend cache, the role checks from PostgreSQL's role cache.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"

#include "attachment_cache.h"

/* sla.may_write_attachment(attachment_id integer) RETURNS boolean */
PG_FUNCTION_INFO_V1(sla_may_write_attachment);
Datum
sla_may_write_attachment(PG_FUNCTION_ARGS)
{
	SlaAttachment *att = sla_attachment_find(PG_GETARG_INT32(0));
	Oid			writer;
	Oid			admin;

	if (att == NULL)
		PG_RETURN_BOOL(false);	/* rows of no attachment: nobody's to write */
	if (att->writer_role == NULL)
		PG_RETURN_BOOL(true);
	writer = get_role_oid(att->writer_role, true);
	if (!OidIsValid(writer))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\", the writer_role of attachment %d, does not exist", att->writer_role, att->id),
				 errhint("Create the role, or set sla.attachment.writer_role to an existing role or NULL.")));
	if (has_privs_of_role(GetUserId(), writer))
		PG_RETURN_BOOL(true);
	admin = get_role_oid("sla_admin", true);
	PG_RETURN_BOOL(OidIsValid(admin) && has_privs_of_role(GetUserId(), admin));
}
