/*
 * policy_draft.h — named policy drafts (src/policy_draft.c, src/sql/94_what_if.sql).
 */
#ifndef SLA_POLICY_DRAFT_H
#define SLA_POLICY_DRAFT_H

/* Whether a draft is applied for a what-if in this transaction (its subtransaction not rolled
 * back yet): the configuration-change trigger then leaves live clocks alone. */
extern bool sla_draft_what_if_active(void);

#endif
