/*
 * business_interval_glue.h — fmgr accessors for the business_interval SQL type, for glue code
 * (type functions and calendar functions) that receives or returns it.
 *
 * The type is fixed-length (16 bytes), passed by reference, double-aligned; its storage is the
 * core struct sla_business_interval itself.
 */
#ifndef SLA_BUSINESS_INTERVAL_GLUE_H
#define SLA_BUSINESS_INTERVAL_GLUE_H

#include "postgres.h"

#include "fmgr.h"

#include "business_interval.h"

StaticAssertDecl(sizeof(sla_business_interval) == 16,
				 "business_interval is declared INTERNALLENGTH = 16");

#define DatumGetBusinessIntervalP(X)		((sla_business_interval *) DatumGetPointer(X))
#define BusinessIntervalPGetDatum(X)		PointerGetDatum(X)
#define PG_GETARG_BUSINESS_INTERVAL_P(n)	DatumGetBusinessIntervalP(PG_GETARG_DATUM(n))
#define PG_RETURN_BUSINESS_INTERVAL_P(x)	return BusinessIntervalPGetDatum(x)

#endif							/* SLA_BUSINESS_INTERVAL_GLUE_H */
