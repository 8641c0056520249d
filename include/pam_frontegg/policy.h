/*
 * The lock policy: pure functions of a user's state, the configuration and
 * the time, so every rule is tested with an injected clock.
 */
#ifndef PAM_FRONTEGG_POLICY_H
#define PAM_FRONTEGG_POLICY_H

#include "config.h"
#include "state.h"

/* The rules that apply to one user. */
struct pf_policy {
	bool exempt; /* root or admin_group without even_deny_root */
	unsigned deny;
	unsigned fail_interval;
	unsigned unlock_time; /* 0 = only an administrator unlocks */
};

/* root_like: uid 0 or a member of admin_group. */
void pf_policy_for(const struct pf_config *cfg, bool root_like, struct pf_policy *out);

/* True while a host lock holds at now. */
bool pf_host_locked(const struct pf_user_state *s, int64_t now);

/* Failures that count at now (inside fail_interval, after the last reset). */
unsigned pf_recent_failures(const struct pf_user_state *s, const struct pf_policy *p, int64_t now);
/* Unsettled attempts inside fail_interval: failures unless settled by a success. */
unsigned pf_pending_attempts(const struct pf_user_state *s, const struct pf_policy *p, int64_t now);

/* Adds an unsettled attempt; a full list turns its oldest into a failure. */
void pf_push_attempt(struct pf_user_state *s, const struct pf_failure *f);
/* Settles (removes) one unsettled attempt made at when; false when there is none. */
bool pf_settle_attempt(struct pf_user_state *s, int64_t when);
/* The same, handing the attempt it removed to *out. */
bool pf_take_attempt(struct pf_user_state *s, int64_t when, struct pf_failure *out);
/*
 * An attempt about to be made at now: starts the host lock when the
 * failures and the attempts still unsettled already reach deny (they are
 * failures whose processes never came back). PF_FAIL_LOCKED_NOW then, else
 * PF_FAIL_COUNTED (or PF_FAIL_EXEMPT, PF_FAIL_WHILE_LOCKED): nothing recorded.
 */
enum pf_failure_outcome pf_attempt_outcome(struct pf_user_state *s, const struct pf_policy *p,
					   int64_t now);

enum pf_failure_outcome {
	PF_FAIL_COUNTED,      /* recorded, still below deny */
	PF_FAIL_LOCKED_NOW,   /* recorded and the host lock started: push a cloud lock */
	PF_FAIL_WHILE_LOCKED, /* recorded, the user was already locked */
	PF_FAIL_EXEMPT,       /* recorded, the policy never locks this user */
};

/*
 * Adds f to the failure ring (the oldest leaves a full ring) and counts it;
 * f->when is raised to the last record's if the clock stepped back.
 */
void pf_push_failure(struct pf_user_state *s, const struct pf_failure *f);

/* Records f (f->when is "now") and applies the lock rule. */
enum pf_failure_outcome pf_record_failure(struct pf_user_state *s, const struct pf_policy *p,
					  const struct pf_failure *f);

/* Clears failures and any host lock (success, or an administrator's unlock). */
void pf_clear_tally(struct pf_user_state *s);

/* Starts an administrator's host lock (no expiry). */
void pf_lock_by_admin(struct pf_user_state *s, int64_t now);

/*
 * Ends a host lock whose time has passed. Returns true when one ended; the
 * failures before it then stop counting.
 */
bool pf_expire_lock(struct pf_user_state *s, int64_t now);

/* True when the cached cloud state is younger than ttl. */
bool pf_cloud_fresh(const struct pf_user_state *s, unsigned ttl, int64_t now);

/* The wall clock, in seconds. The only place lib/ reads the time. */
int64_t pf_now(void);
/* A monotonic clock in milliseconds, for deadlines (never faked by the tests). */
int64_t pf_mono_ms(void);

#endif
