/* Lockout operations shared by the module and the helper. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "pam_frontegg/lockout.h"
#include "pam_frontegg/usermap.h"

const char *pf_verdict_str(enum pf_verdict v)
{
	switch (v) {
	case PF_VERDICT_ALLOW:
		return "allow";
	case PF_VERDICT_HOST_LOCKED:
		return "host-locked";
	case PF_VERDICT_CLOUD_LOCKED:
		return "cloud-locked";
	case PF_VERDICT_CLOUD_STALE:
		return "cloud-stale";
	case PF_VERDICT_ERROR:
		break;
	}
	return "error";
}

static bool mapped(const struct pf_lockout *lo)
{
	struct pf_identity ident;

	return pf_map_account(lo->cfg, lo->user, lo->uid, lo->root_like, &ident, lo->log) == PF_OK;
}

bool pf_lockout_cloud_applies(const struct pf_lockout *lo)
{
	return lo->cfg->cloud_check && pf_config_cloud_configured(lo->cfg) && mapped(lo);
}

bool pf_lockout_pushes(const struct pf_lockout *lo)
{
	/* Audit-only mode (enforce = no) sends no lock anywhere. */
	return lo->cfg->cloud_lock && lo->cfg->enforce && pf_config_cloud_configured(lo->cfg) &&
	       mapped(lo);
}

static void policy_of(const struct pf_lockout *lo, struct pf_policy *p)
{
	pf_policy_for(lo->cfg, lo->root_like, p);
}

static bool nothing_to_clear(const struct pf_user_state *s)
{
	return s->n_fail == 0 && s->failures_total == 0 && s->lock_since == 0 && s->n_attempt == 0;
}

/*
 * Frontegg's lock is the one this host pushed and the host lock behind it is
 * over: with cloud_unlock_on_expiry its unlock is queued (or is about to be,
 * by whoever writes the expiry down), so it refuses nobody here while the
 * push runs; other hosts refuse until Frontegg confirms the unlock
 * (doc/invariants.md, invariant 5).
 */
static bool own_cloud_lock_ending(const struct pf_config *cfg, const struct pf_user_state *s,
				  int64_t now)
{
	return cfg->cloud_unlock_on_expiry && s->cloud_lock_pushed && !pf_host_locked(s, now);
}

/* The verdict on a record as read (s zeroed: no record). */
static void judge(const struct pf_lockout *lo, const struct pf_user_state *s, int64_t now,
		  bool cloud, struct pf_check *out)
{
	struct pf_policy p;

	policy_of(lo, &p);
	out->recent_failures = pf_recent_failures(s, &p, now);
	out->tally_clean = nothing_to_clear(s);
	out->lock_expired = s->lock_since != 0 && !pf_host_locked(s, now);
	cloud = cloud && !own_cloud_lock_ending(lo->cfg, s, now);
	if (!p.exempt && pf_host_locked(s, now)) {
		out->verdict = PF_VERDICT_HOST_LOCKED;
		out->lock_until = s->lock_until;
	} else if (cloud && s->cloud == PF_CLOUD_LOCKED) {
		/* Stale or not: only a fresh answer unlocks (doc/invariants.md, invariant 2). */
		out->verdict = PF_VERDICT_CLOUD_LOCKED;
		out->cloud_stale = !pf_cloud_fresh(s, lo->cfg->cloud_cache_ttl, now);
	} else if (cloud && !pf_cloud_fresh(s, lo->cfg->cloud_cache_ttl, now)) {
		out->verdict = PF_VERDICT_CLOUD_STALE;
	} else {
		out->verdict = PF_VERDICT_ALLOW;
	}
}

enum pf_rc pf_lockout_check(const struct pf_lockout *lo, int64_t now, bool cloud,
			    struct pf_check *out)
{
	struct pf_user_state s;
	enum pf_rc rc = pf_store_read(lo->st, lo->user, lo->uid, &s);

	memset(out, 0, sizeof(*out));
	if (rc != PF_OK && rc != PF_ERR_NOENT) {
		out->verdict = PF_VERDICT_ERROR;
		return rc;
	}
	judge(lo, &s, now, cloud, out);
	return PF_OK;
}

/* Begins a transaction; a corrupt record is logged (by the store) and replaced. */
static enum pf_rc begin(const struct pf_lockout *lo, struct pf_txn *txn)
{
	enum pf_rc rc = pf_store_begin(lo->st, lo->user, lo->uid, txn);

	if (rc == PF_ERR_CORRUPT) {
		pf_log(lo->log, LOG_WARNING, "starting a fresh record for %s", lo->user);
		rc = PF_OK;
	}
	return rc;
}

bool pf_lockout_requeue_unlock(struct pf_txn *txn, const struct pf_config *cfg, int64_t now)
{
	struct pf_outbox_entry e;
	bool queued = false;

	if (!cfg->cloud_unlock_on_expiry || !txn->state.cloud_lock_pushed ||
	    txn->state.lock_since != 0 ||
	    pf_outbox_get(txn->st, txn->user, txn->owner, &e) != PF_ERR_NOENT)
		return false;
	if (pf_outbox_put(txn, PF_ACTION_UNLOCK, now, &queued) != PF_OK)
		pf_log(txn->st->log, LOG_ERR, "cannot queue the cloud unlock of %s", txn->user);
	return queued;
}

/* A lock this host queued and never delivered has no reason to go out any more. */
static void drop_unsent_lock(struct pf_txn *txn)
{
	struct pf_outbox_entry e;

	if (pf_outbox_get(txn->st, txn->user, txn->owner, &e) == PF_OK &&
	    e.action == PF_ACTION_LOCK && pf_outbox_ack(txn, e.serial) != PF_OK)
		pf_log(txn->st->log, LOG_ERR, "cannot drop the queued cloud lock of %s", txn->user);
}

bool pf_lockout_expire(struct pf_txn *txn, const struct pf_config *cfg, int64_t now,
		       bool *unlock_queued)
{
	struct pf_user_state *s = &txn->state;
	bool queued = false;

	if (unlock_queued)
		*unlock_queued = false;
	if (!pf_expire_lock(s, now))
		return false;
	if (!cfg->cloud_unlock_on_expiry)
		return true;
	if (!s->cloud_lock_pushed)
		drop_unsent_lock(txn);
	else if (pf_outbox_put(txn, PF_ACTION_UNLOCK, now, &queued) != PF_OK)
		pf_log(txn->st->log, LOG_ERR, "cannot queue the cloud unlock of %s", txn->user);
	else
		pf_log(txn->st->log, LOG_NOTICE,
		       "host lock expired: user=%s cloud unlock queued (cloud_unlock_on_expiry)",
		       txn->user);
	if (unlock_queued)
		*unlock_queued = queued;
	return true;
}

static void fill_failure(struct pf_failure *f, const struct pf_auth_event *ev)
{
	memset(f, 0, sizeof(*f));
	f->when = ev->now;
	pf_field_copy(f->service, sizeof(f->service), ev->service);
	pf_field_copy(f->rhost, sizeof(f->rhost), ev->rhost);
	pf_field_copy(f->tty, sizeof(f->tty), ev->tty);
}

/*
 * Writes a recorded failure: a failure that changed nothing else is appended
 * (cheap, like pam_faillock), with the settlement of its attempt in the same
 * write; a lock starting or ending is a durable rewrite.
 */
static enum pf_rc store_failure(struct pf_txn *txn, bool lock_changed, int64_t settled)
{
	const struct pf_failure *f = &txn->state.fail[txn->state.n_fail - 1];
	enum pf_rc rc = PF_ERR_INVAL;

	/* The append refuses a record it may not extend; then the rewrite folds it. */
	if (!lock_changed)
		rc = settled ? pf_store_append_settle(txn, settled, f)
			     : pf_store_append_failure(txn, f);
	return rc == PF_OK ? PF_OK : pf_store_commit(txn);
}

/* A host lock just started: state first, then the one cloud lock (invariant 1). */
static enum pf_rc queue_cloud_lock(const struct pf_lockout *lo, struct pf_txn *txn, int64_t now,
				   struct pf_failure_result *out)
{
	/* A crash before the outbox write is repaired by sync. */
	if (out->outcome != PF_FAIL_LOCKED_NOW || !pf_lockout_pushes(lo))
		return PF_OK;
	return pf_outbox_put(txn, PF_ACTION_LOCK, now, &out->push_queued);
}

static void report(struct pf_failure_result *out, const struct pf_txn *txn,
		   const struct pf_policy *p, int64_t now)
{
	out->recent_failures = pf_recent_failures(&txn->state, p, now);
	out->lock_until = txn->state.lock_until;
}

/* What an auth event's transaction starts from: its record locked, an expired lock ended. */
struct event_txn {
	struct pf_txn txn;
	struct pf_policy p;
	struct pf_failure f;
	bool expired;
};

static enum pf_rc begin_event(const struct pf_lockout *lo, const struct pf_auth_event *ev,
			      struct event_txn *e, struct pf_failure_result *out)
{
	enum pf_rc rc;

	memset(out, 0, sizeof(*out));
	rc = begin(lo, &e->txn);
	if (rc != PF_OK)
		return rc;
	policy_of(lo, &e->p);
	fill_failure(&e->f, ev);
	e->expired = pf_lockout_expire(&e->txn, lo->cfg, ev->now, &out->push_queued);
	return PF_OK;
}

/* For the metrics: a lock (or audit-only would-be lock) that started. */
static void count_lock(const struct pf_lockout *lo, enum pf_failure_outcome outcome)
{
	if (outcome == PF_FAIL_LOCKED_NOW)
		pf_store_count(lo->st, lo->cfg->enforce ? "host-lock" : "would-lock");
}

/* For the metrics: a failure on record, and a lock it started. */
static void count_failure(const struct pf_lockout *lo, enum pf_failure_outcome outcome)
{
	pf_store_count(lo->st, "failure");
	count_lock(lo, outcome);
}

/* The attempt of ev, in the transaction begin_event started, which it ends. */
static enum pf_rc attempt_in(const struct pf_lockout *lo, const struct pf_auth_event *ev,
			     struct event_txn *e, struct pf_failure_result *out)
{
	struct pf_txn *txn = &e->txn;
	enum pf_rc rc = PF_OK;

	out->outcome = pf_attempt_outcome(&txn->state, &e->p, ev->now);
	report(out, txn, &e->p, ev->now);
	if (out->outcome == PF_FAIL_COUNTED) {
		pf_push_attempt(&txn->state, &e->f);
		if (e->expired || pf_store_append_attempt(txn, &e->f) != PF_OK)
			rc = pf_store_commit(txn);
	} else if (e->expired || out->outcome == PF_FAIL_LOCKED_NOW) {
		rc = pf_store_commit(txn);
	}
	if (rc == PF_OK)
		rc = queue_cloud_lock(lo, txn, ev->now, out);
	pf_store_end(txn);
	if (rc == PF_OK)
		count_lock(lo, out->outcome); /* attempts that never came back reached deny */
	return rc;
}

enum pf_rc pf_lockout_record_attempt(const struct pf_lockout *lo, const struct pf_auth_event *ev,
				     struct pf_failure_result *out)
{
	struct event_txn e;
	enum pf_rc rc = begin_event(lo, ev, &e, out);

	return rc == PF_OK ? attempt_in(lo, ev, &e, out) : rc;
}

enum pf_rc pf_lockout_preauth(const struct pf_lockout *lo, const struct pf_auth_event *ev,
			      bool cloud, struct pf_check *check, struct pf_failure_result *out)
{
	struct event_txn e;
	enum pf_rc rc;

	memset(check, 0, sizeof(*check));
	memset(out, 0, sizeof(*out));
	out->outcome = PF_FAIL_WHILE_LOCKED;
	/* Strict: a corrupt record refuses here (invariant 11), it is not started afresh. */
	rc = pf_store_begin(lo->st, lo->user, lo->uid, &e.txn);
	if (rc != PF_OK) {
		if (rc == PF_ERR_CORRUPT)
			pf_store_end(&e.txn);
		check->verdict = PF_VERDICT_ERROR;
		return rc;
	}
	judge(lo, &e.txn.state, ev->now, cloud, check);
	if ((check->verdict == PF_VERDICT_HOST_LOCKED ||
	     check->verdict == PF_VERDICT_CLOUD_LOCKED) &&
	    lo->cfg->enforce) {
		pf_store_end(&e.txn); /* refused before the password: nothing to count */
		return PF_OK;
	}
	policy_of(lo, &e.p);
	fill_failure(&e.f, ev);
	e.expired = pf_lockout_expire(&e.txn, lo->cfg, ev->now, &out->push_queued);
	return attempt_in(lo, ev, &e, out);
}

enum pf_rc pf_lockout_settle_failure(const struct pf_lockout *lo, const struct pf_auth_event *ev,
				     int64_t attempt, struct pf_failure_result *out)
{
	struct event_txn e;
	struct pf_txn *txn = &e.txn;
	enum pf_rc rc = begin_event(lo, ev, &e, out);

	if (rc != PF_OK)
		return rc;
	/* The attempt becomes this failure: it must not count twice. */
	if (attempt != 0 && !pf_settle_attempt(&txn->state, attempt))
		attempt = 0;
	out->outcome = pf_record_failure(&txn->state, &e.p, &e.f);
	report(out, txn, &e.p, ev->now);
	rc = store_failure(txn, e.expired || out->outcome == PF_FAIL_LOCKED_NOW, attempt);
	if (rc == PF_OK)
		count_failure(lo, out->outcome);
	if (rc == PF_OK)
		rc = queue_cloud_lock(lo, txn, ev->now, out);
	pf_store_end(txn);
	return rc;
}

enum pf_rc pf_lockout_record_failure(const struct pf_lockout *lo, const struct pf_auth_event *ev,
				     struct pf_failure_result *out)
{
	return pf_lockout_settle_failure(lo, ev, 0, out);
}

/*
 * Writes the settlement of attempt a (when 0: none): its line taken back when
 * it is still the last one (the usual login: nothing left behind), else a
 * "settle" line appended, else a rewrite.
 */
static enum pf_rc store_settlement(struct pf_txn *txn, int64_t settled, const struct pf_failure *a)
{
	if (settled == 0 || pf_store_retract_attempt(txn, a) == PF_OK ||
	    pf_store_append_settle(txn, settled, NULL) == PF_OK)
		return PF_OK;
	return pf_store_commit(txn);
}

/* Writes a success: a settlement alone is appended, anything else clears by a rewrite. */
static enum pf_rc store_success(struct pf_txn *txn, bool expired, int64_t settled,
				const struct pf_failure *a)
{
	if (expired || !nothing_to_clear(&txn->state) || !txn->existed) {
		pf_clear_tally(&txn->state);
		return pf_store_commit(txn);
	}
	return store_settlement(txn, settled, a);
}

enum pf_rc pf_lockout_settle_success(const struct pf_lockout *lo, int64_t now, int64_t attempt)
{
	struct pf_user_state peek;
	struct pf_policy p;
	struct pf_failure taken = { 0 };
	struct pf_txn txn;
	bool expired;
	enum pf_rc rc;

	/* Without an attempt to settle, the common case costs one read and no lock. */
	if (attempt == 0) {
		rc = pf_store_read(lo->st, lo->user, lo->uid, &peek);
		if (rc == PF_ERR_NOENT || (rc == PF_OK && nothing_to_clear(&peek)))
			return PF_OK;
	}
	rc = begin(lo, &txn);
	if (rc != PF_OK)
		return rc;
	policy_of(lo, &p);
	if (attempt != 0 && !pf_take_attempt(&txn.state, attempt, &taken))
		attempt = 0;
	/* An expired lock is cleared by the expiry itself: that too must be written. */
	expired = pf_lockout_expire(&txn, lo->cfg, now, NULL);
	if (!p.exempt && pf_host_locked(&txn.state, now))
		/* Audit only: the would-be lock stays on record until it ends, for status. */
		rc = lo->cfg->enforce ? PF_ERR_BUSY : store_settlement(&txn, attempt, &taken);
	else
		rc = store_success(&txn, expired, attempt, &taken);
	pf_store_end(&txn);
	return rc;
}

enum pf_rc pf_lockout_account(const struct pf_lockout *lo, int64_t now, bool cloud, int64_t attempt,
			      struct pf_check *check, bool *settled)
{
	struct pf_failure taken = { 0 };
	struct pf_txn txn;
	enum pf_rc rc;
	bool expired;

	memset(check, 0, sizeof(*check));
	*settled = false;
	/* Strict: a corrupt record refuses (invariant 11), it is not started afresh. */
	rc = pf_store_begin(lo->st, lo->user, lo->uid, &txn);
	if (rc != PF_OK) {
		if (rc == PF_ERR_CORRUPT)
			pf_store_end(&txn);
		check->verdict = PF_VERDICT_ERROR;
		return rc;
	}
	judge(lo, &txn.state, now, cloud, check);
	if (check->verdict == PF_VERDICT_ALLOW) {
		if (!pf_take_attempt(&txn.state, attempt, &taken))
			attempt = 0;
		expired = pf_lockout_expire(&txn, lo->cfg, now, NULL);
		rc = store_success(&txn, expired, attempt, &taken);
		*settled = rc == PF_OK;
	}
	pf_store_end(&txn);
	return rc;
}

enum pf_rc pf_lockout_record_success(const struct pf_lockout *lo, int64_t now)
{
	return pf_lockout_settle_success(lo, now, 0);
}

static bool same_or_unset(const char *known, const char *answer)
{
	return answer == NULL || strcmp(known, answer) == 0;
}

/* Whether applying ans changes nothing in s but the cached cloud state and its time. */
static bool only_the_cache_changes(const struct pf_user_state *s, const struct pf_cloud_answer *ans)
{
	return same_or_unset(s->frontegg_id, ans->id) &&
	       same_or_unset(s->identity, ans->identity) &&
	       !(s->cloud_lock_pushed && ans->seen == PF_CLOUD_UNLOCKED);
}

enum pf_rc pf_lockout_apply_cloud(const struct pf_lockout *lo, const struct pf_cloud_answer *ans,
				  int64_t now, bool *cleared)
{
	struct pf_txn txn;
	enum pf_rc rc;

	*cleared = false;
	rc = begin(lo, &txn);
	if (rc != PF_OK)
		return rc;
	txn.state.cloud = ans->seen;
	txn.state.cloud_checked_at = now;
	/* A mere cache refresh, the usual answer of every sync, costs an append. */
	if (only_the_cache_changes(&txn.state, ans) && pf_store_append_cloud(&txn) == PF_OK) {
		pf_store_end(&txn);
		return PF_OK;
	}
	if (ans->id != NULL)
		snprintf(txn.state.frontegg_id, sizeof(txn.state.frontegg_id), "%s", ans->id);
	if (ans->identity != NULL)
		snprintf(txn.state.identity, sizeof(txn.state.identity), "%s", ans->identity);
	if (txn.state.cloud_lock_pushed && ans->seen == PF_CLOUD_UNLOCKED) {
		/*
		 * Someone unlocked in Frontegg what this host locked: the admin
		 * wins. Only a read that shows the user unlocked says so; a 404
		 * is ambiguous and clears nothing (doc/invariants.md, 3 and 12).
		 */
		txn.state.cloud_lock_pushed = false;
		if (txn.state.lock_since != 0) {
			pf_clear_tally(&txn.state);
			*cleared = true;
		}
	}
	rc = pf_store_commit(&txn);
	pf_store_end(&txn);
	return rc;
}
