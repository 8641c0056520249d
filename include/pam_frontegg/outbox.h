/*
 * The durable outbox of cloud actions. One entry per user holds the latest
 * intent (lock or unlock), written before anything is attempted and removed
 * only after Frontegg confirmed it. Putting an intent that is already queued
 * changes nothing (coalescing), so replay is idempotent and parallel logins
 * produce one cloud call. Entries are acknowledged by serial, so an entry
 * replaced during a push is never removed by that push.
 */
#ifndef PAM_FRONTEGG_OUTBOX_H
#define PAM_FRONTEGG_OUTBOX_H

#include "state.h"

enum pf_action { PF_ACTION_NONE = 0, PF_ACTION_LOCK, PF_ACTION_UNLOCK };

#define PF_OUTBOX_MAX_SIZE 4096

/*
 * Why an entry waits without being sent: Frontegg's answer or the mapping was
 * ambiguous, and ambiguity is never success (doc/invariants.md, invariant 12).
 * A parked entry is kept, never deleted, and tried again once the user's
 * mapped identity differs from the one it was parked for, or after
 * PF_OUTBOX_PARK_RETRY seconds.
 */
enum pf_park {
	PF_PARK_NONE = 0,
	PF_PARK_NOT_FOUND, /* Frontegg answered 404 for the user */
	PF_PARK_UNMAPPED,  /* the user map is unsafe, unreadable or has no line */
	PF_PARK_REFUSED,   /* Frontegg refused the action (4xx) and the user reads otherwise */
};

#define PF_OUTBOX_PARK_RETRY 3600

struct pf_outbox_entry {
	char user[PF_USER_MAX + 1];
	enum pf_action action;
	int64_t queued_at;
	uint64_t serial;
	/* Optional "parked REASON AT IDENTITY" line; PF_PARK_NONE when absent. */
	enum pf_park parked;
	int64_t parked_at;
	char parked_for[PF_IDENT_MAX + 1]; /* the mapped identity then, "-" when none */
	/*
	 * Optional "delivered AT TENANT" line: Frontegg confirmed the action;
	 * only its audit-trail entry (for tenant TENANT, "-" unknown) waits.
	 */
	int64_t delivered_at; /* 0 = the action itself still waits */
	char audit_tenant[PF_ID_MAX + 1];
};

const char *pf_action_str(enum pf_action a);
/* "not found in Frontegg", "mapping unavailable", ...; "" for PF_PARK_NONE. */
const char *pf_park_str(enum pf_park p);
/* The token of the record: "not-found", "unmapped", "refused". */
const char *pf_park_token(enum pf_park p);

/*
 * Whether a parked entry is due for another try: identity (the user's mapped
 * identity now, "-" when none) differs from the one it was parked for, or the
 * back-off has passed. Always true for an entry that is not parked.
 */
bool pf_outbox_retry_due(const struct pf_outbox_entry *e, const char *identity, int64_t now);

/*
 * Queues action for txn's user (caller holds the user's lock). When the same
 * action is already queued (and not yet delivered) nothing changes and
 * *queued (if non-NULL) is false.
 */
PF_NODISCARD enum pf_rc pf_outbox_put(struct pf_txn *txn, enum pf_action action, int64_t now,
				      bool *queued);
/*
 * Reads user's entry without locking; PF_ERR_NOENT when none. owner: the uid
 * besides root that may own it (the user's, when the setgid helper wrote it).
 */
PF_NODISCARD enum pf_rc pf_outbox_get(struct pf_store *st, const char *user, uid_t owner,
				      struct pf_outbox_entry *out);
/*
 * Marks the entry carrying serial as parked (caller holds the user's lock);
 * PF_ERR_BUSY when it was replaced meanwhile. The entry is kept.
 */
PF_NODISCARD enum pf_rc pf_outbox_park(struct pf_txn *txn, uint64_t serial, enum pf_park why,
				       const char *identity, int64_t now);
/*
 * Marks the entry carrying serial as delivered, its audit entry for tenant
 * still to send (caller holds the user's lock); PF_ERR_BUSY when replaced.
 */
PF_NODISCARD enum pf_rc pf_outbox_mark_delivered(struct pf_txn *txn, uint64_t serial,
						 const char *tenant, int64_t now);
/* Removes the entry if it still carries serial (caller holds the user's lock). */
PF_NODISCARD enum pf_rc pf_outbox_ack(struct pf_txn *txn, uint64_t serial);

typedef int (*pf_outbox_fn)(const struct pf_outbox_entry *e, void *arg);
/* Calls fn for every readable entry; unreadable ones are logged and skipped. */
PF_NODISCARD enum pf_rc pf_outbox_list(struct pf_store *st, pf_outbox_fn fn, void *arg);

PF_NODISCARD enum pf_rc pf_outbox_parse(const char *text, size_t len, struct pf_outbox_entry *out);
size_t pf_outbox_format(const struct pf_outbox_entry *e, char *buf, size_t size);

#endif
