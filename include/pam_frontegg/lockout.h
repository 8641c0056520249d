/*
 * The lockout operations shared by the module (when it runs as root) and the
 * helper (its machine verbs and sync): check, record a failure, record a
 * success, apply what Frontegg said. Each is one short transaction on the
 * user's record; none touches the network.
 */
#ifndef PAM_FRONTEGG_LOCKOUT_H
#define PAM_FRONTEGG_LOCKOUT_H

#include <sys/types.h>

#include "config.h"
#include "outbox.h"
#include "policy.h"
#include "state.h"

/* One user, as the operations see them. */
struct pf_lockout {
	const struct pf_config *cfg;
	struct pf_store *st;
	const char *user; /* validated */
	uid_t uid;        /* the user's uid: may own records the setgid helper wrote */
	bool root_like;   /* uid 0 or a member of admin_group */
	const struct pf_logger *log;
};

enum pf_verdict {
	PF_VERDICT_ALLOW,
	PF_VERDICT_HOST_LOCKED,  /* locked on this host */
	PF_VERDICT_CLOUD_LOCKED, /* Frontegg said locked (a stale LOCKED stays locked) */
	PF_VERDICT_CLOUD_STALE,  /* host fine, cloud state unknown or older than the ttl */
	PF_VERDICT_ERROR,        /* the record cannot be read: failmode decides */
};

struct pf_check {
	enum pf_verdict verdict;
	int64_t lock_until; /* HOST_LOCKED: 0 = until an administrator unlocks */
	unsigned recent_failures;
	bool tally_clean;  /* no failure and no lock recorded: a success has nothing to clear */
	bool cloud_stale;  /* CLOUD_LOCKED from a cache older than the ttl: worth a refresh */
	bool lock_expired; /* a host lock has ended and no one has written that down yet */
};

const char *pf_verdict_str(enum pf_verdict v);

/*
 * True when the cloud state matters for this user: cloud_check on, a client
 * id configured and the user mapped to a Frontegg identity.
 */
bool pf_lockout_cloud_applies(const struct pf_lockout *lo);

/* True when host locks of this user go to Frontegg: cloud_lock on, client id, mapped. */
bool pf_lockout_pushes(const struct pf_lockout *lo);

/* Read-only: the record is not locked or written. cloud: consult the cloud cache. */
enum pf_rc pf_lockout_check(const struct pf_lockout *lo, int64_t now, bool cloud,
			    struct pf_check *out);

struct pf_auth_event {
	const char *service;
	const char *rhost;
	const char *tty;
	int64_t now;
};

struct pf_failure_result {
	enum pf_failure_outcome outcome;
	unsigned recent_failures;
	int64_t lock_until;
	bool push_queued; /* a cloud lock, or the unlock of an expiry, waits: start a push */
};

/* Records a failed authentication; queues a cloud lock on the lock transition. */
enum pf_rc pf_lockout_record_failure(const struct pf_lockout *lo, const struct pf_auth_event *ev,
				     struct pf_failure_result *out);

/*
 * Counts an attempt before the password is checked (doc/invariants.md,
 * invariant 15): appends it unsettled, so a process killed or stopped by a
 * limit before it records the outcome still pays for it. When the failures
 * and the attempts left unsettled by earlier processes already reach deny,
 * the host lock starts instead (outcome PF_FAIL_LOCKED_NOW, cloud lock
 * queued) and nothing is recorded; WHILE_LOCKED and EXEMPT record nothing.
 */
enum pf_rc pf_lockout_record_attempt(const struct pf_lockout *lo, const struct pf_auth_event *ev,
				     struct pf_failure_result *out);
/*
 * preauth in one transaction: the verdict (as pf_lockout_check, but read
 * under the user's lock; a corrupt record is PF_VERDICT_ERROR, never started
 * afresh) and, unless it refuses (a lock, with enforce), the attempt as
 * pf_lockout_record_attempt counts it. One read instead of two.
 */
enum pf_rc pf_lockout_preauth(const struct pf_lockout *lo, const struct pf_auth_event *ev,
			      bool cloud, struct pf_check *check, struct pf_failure_result *out);
/*
 * The account phase after a password in the same handle, in one
 * transaction: the verdict (read under the user's lock; a corrupt record is
 * PF_VERDICT_ERROR) and, when it allows, the success that settles the
 * attempt made at `attempt` (*settled). One read instead of two.
 */
enum pf_rc pf_lockout_account(const struct pf_lockout *lo, int64_t now, bool cloud, int64_t attempt,
			      struct pf_check *check, bool *settled);
/* record_failure that also settles the attempt made at `attempt` (0: none) into it. */
enum pf_rc pf_lockout_settle_failure(const struct pf_lockout *lo, const struct pf_auth_event *ev,
				     int64_t attempt, struct pf_failure_result *out);

/*
 * A successful authentication: clears the tally unless the user is locked
 * (returns PF_ERR_BUSY then). Writes nothing when there is nothing to clear.
 */
enum pf_rc pf_lockout_record_success(const struct pf_lockout *lo, int64_t now);
/* record_success that also settles away the attempt made at `attempt` (0: none). */
enum pf_rc pf_lockout_settle_success(const struct pf_lockout *lo, int64_t now, int64_t attempt);

/* What Frontegg said about a user. */
struct pf_cloud_answer {
	enum pf_cloud_seen seen;
	const char *id;       /* Frontegg id, or NULL to keep the cached one ("" clears it) */
	const char *identity; /* the e-mail or id it was resolved from, or NULL */
};

/*
 * Applies a fresh answer from Frontegg to the record (doc/invariants.md, invariant 3: an unlock in
 * Frontegg of a lock this host pushed clears the host tally). *cleared tells
 * whether the host tally was cleared.
 */
enum pf_rc pf_lockout_apply_cloud(const struct pf_lockout *lo, const struct pf_cloud_answer *ans,
				  int64_t now, bool *cleared);

/*
 * Ends an expired host lock inside a transaction (doc/invariants.md,
 * invariant 5). With cloud_unlock_on_expiry (the default) it queues the
 * cloud unlock when Frontegg holds a lock this host pushed and, as far as
 * the host can tell, nobody locked again since (an unlock seen in Frontegg
 * clears cloud_lock_pushed), and drops a lock this host queued but never
 * delivered. Returns true when a lock ended; *unlock_queued (may be NULL)
 * tells whether an unlock now waits for a push.
 */
bool pf_lockout_expire(struct pf_txn *txn, const struct pf_config *cfg, int64_t now,
		       bool *unlock_queued);

/*
 * Repairs a lost unlock (sync): with cloud_unlock_on_expiry, a cloud lock
 * this host pushed whose host lock is gone and for which no action waits
 * (a crash between the expiry and its unlock, or a lock delivered while its
 * expiry dropped it) gets its unlock queued. Returns true when it did.
 */
bool pf_lockout_requeue_unlock(struct pf_txn *txn, const struct pf_config *cfg, int64_t now);

#endif
