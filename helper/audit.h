/*
 * The entry a lock or unlock adds to the user's tenant audit trail in
 * Frontegg (POST /audits/), so security teams see fleet lockouts in the
 * Frontegg portal. Best-effort: it never holds back the lock itself.
 */
#ifndef PF_HELPER_AUDIT_H
#define PF_HELPER_AUDIT_H

#include "pam_frontegg/lockout.h"
#include "pam_frontegg/outbox.h"

/*
 * The JSON body (heap; NULL without memory): severity (High for a lock, Info
 * for an unlock), action, description, host, service, rhost, failures,
 * actor, userId and email. s is the user's record before the delivery;
 * admin names who ran the delivering frontegg-lockout (app.h, actor).
 */
char *audit_entry(const struct pf_lockout *lo, enum pf_action action, const struct pf_user_state *s,
		  const char *frontegg_id, const char *admin);

#endif
