/*
 * pg_compat.h — small shims over differences between the PostgreSQL versions the glue
 * targets (13 to 19; tested on 15 to 19).
 */
#ifndef SLA_PG_COMPAT_H
#define SLA_PG_COMPAT_H

#include "postgres.h"

#include "catalog/pg_proc.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/tuplestore.h"

/* VARDATA_ANY, VARSIZE_ANY_EXHDR and the other varlena macros moved to varatt.h in 16. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/* This backend's local transaction id (PGPROC's lxid moved into vxid in 17). */
#if PG_VERSION_NUM >= 170000
#define SLA_MY_LXID (MyProc->vxid.lxid)
#else
#define SLA_MY_LXID (MyProc->lxid)
#endif

/* Set up a materialized set-returning function's tuplestore (InitMaterializedSRF in 15+). */
static inline void
sla_init_materialized_srf(FunctionCallInfo fcinfo)
{
#if PG_VERSION_NUM >= 150000
	InitMaterializedSRF(fcinfo, 0);
#else
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	TupleDesc	desc;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(desc);
	MemoryContextSwitchTo(oldcxt);
#endif
}

/* EXECUTE privilege on a function (object_aclcheck in 16+). */
static inline AclResult
sla_proc_aclcheck(Oid fn, Oid role)
{
#if PG_VERSION_NUM >= 160000
	return object_aclcheck(ProcedureRelationId, fn, role, ACL_EXECUTE);
#else
	return pg_proc_aclcheck(fn, role, ACL_EXECUTE);
#endif
}

#endif
