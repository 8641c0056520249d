/*
 * Delivering outbox entries to Frontegg: resolve the id, lock or unlock (a
 * 2xx is the confirmation), record what Frontegg confirmed, then remove the
 * entry, park it when the answer was ambiguous, or keep it for the next try;
 * and the audit-trail entry that follows a confirmed action.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cloud.h"
#include "pam_frontegg/usermap.h"

/* What Frontegg confirmed, in the user's record. */
static void record_confirmed(struct pf_user_state *s, enum pf_action action, const char *id,
			     int64_t now)
{
	bool locked = action == PF_ACTION_LOCK;

	s->cloud_lock_pushed = locked;
	s->cloud_pushed_at = locked ? now : s->cloud_pushed_at;
	s->cloud = locked ? PF_CLOUD_LOCKED : PF_CLOUD_UNLOCKED;
	s->cloud_checked_at = now;
	snprintf(s->frontegg_id, sizeof(s->frontegg_id), "%s", id);
	s->push_attempts = 0;
	s->push_last_at = 0;
}

/* A 404 says nothing about a lock: remember it, and resolve the id afresh next time. */
static void record_not_found(struct pf_user_state *s, const char *identity, int64_t now)
{
	s->cloud = PF_CLOUD_ABSENT;
	s->cloud_checked_at = now;
	s->frontegg_id[0] = '\0';
	snprintf(s->identity, sizeof(s->identity), "%s", identity);
}

/* Is e still the user's latest intent (not replaced while it was delivered)? */
static bool still_current(const struct pf_txn *txn, const struct pf_outbox_entry *e)
{
	struct pf_outbox_entry cur;

	return pf_outbox_get(txn->st, txn->user, txn->owner, &cur) == PF_OK &&
	       cur.serial == e->serial;
}

/* How one delivery ended, for settle(). */
struct delivery {
	enum fg_result r;
	enum pf_park park; /* PF_PARK_NONE unless the answer was ambiguous */
	const char *id;    /* the Frontegg id acted on ("" when none) */
	const char *identity;
	const char *tenant; /* the user's tenantId when known, for the audit entry */
};

/* Applies a delivery to txn's record; returns whether the entry may go. */
static bool settle_state(struct pf_txn *txn, const struct pf_outbox_entry *e,
			 const struct delivery *d, bool current, int64_t now)
{
	if (d->r == FG_OK) {
		record_confirmed(&txn->state, e->action, d->id, now);
		if (current && e->action == PF_ACTION_UNLOCK)
			pf_clear_tally(&txn->state);
		return true;
	}
	if (d->park == PF_PARK_NOT_FOUND)
		record_not_found(&txn->state, d->identity, now);
	txn->state.push_attempts++;
	txn->state.push_last_at = now;
	return false;
}

/*
 * Records the outcome of a delivery: a confirmed one removes the entry, an
 * ambiguous one parks it (kept, never deleted: doc/invariants.md, invariant
 * 12). A confirmed unlock also clears the host tally: whoever queued it (an
 * administrator's unlock, an expiry) wanted the user let in, and a crash
 * between queueing and clearing must not leave the host locked alone.
 */
static enum pf_rc settle(const struct pf_lockout *lo, const struct pf_outbox_entry *e,
			 const struct delivery *d)
{
	int64_t now = pf_now();
	struct pf_txn txn;
	bool current, confirmed;
	enum pf_rc rc = pf_store_begin(lo->st, lo->user, lo->uid, &txn);

	if (rc != PF_OK && rc != PF_ERR_CORRUPT)
		return rc;
	current = still_current(&txn, e);
	confirmed = settle_state(&txn, e, d, current, now);
	rc = pf_store_commit(&txn);
	/* The state says what Frontegg confirmed before the entry goes away. */
	if (rc == PF_OK && confirmed && current && lo->cfg->cloud_audit)
		rc = pf_outbox_mark_delivered(&txn, e->serial, d->tenant, now); /* audit next */
	else if (rc == PF_OK && confirmed && current)
		rc = pf_outbox_ack(&txn, e->serial);
	else if (rc == PF_OK && d->park != PF_PARK_NONE && current)
		rc = pf_outbox_park(&txn, e->serial, d->park, d->identity, now);
	pf_store_end(&txn);
	return rc;
}

/* Which answers park an entry instead of leaving it to the next try. */
static enum pf_park park_reason(enum fg_result r)
{
	switch (r) {
	case FG_NOT_FOUND:
		return PF_PARK_NOT_FOUND;
	case FG_INVALID:
		return PF_PARK_UNMAPPED; /* no usable mapping, or an id we will not send */
	case FG_CLIENT_ERROR:
		return PF_PARK_REFUSED;
	default:
		return PF_PARK_NONE;
	}
}

static void log_delivery(struct cloud *c, const struct pf_lockout *lo,
			 const struct pf_outbox_entry *e, const struct delivery *d)
{
	if (d->r == FG_OK && e->action == PF_ACTION_LOCK)
		pf_store_count(lo->st, "cloud-lock-pushed");
	if (d->r == FG_OK)
		pf_log(&c->app->log, LOG_NOTICE, "Frontegg confirmed the %s of %s (%s)",
		       pf_action_str(e->action), lo->user, d->id);
	else if (d->park != PF_PARK_NONE)
		pf_log(&c->app->log, LOG_WARNING,
		       "%s of %s parked: %s; kept in the outbox and retried when the mapping "
		       "changes or after %d s",
		       pf_action_str(e->action), lo->user, pf_park_str(d->park),
		       PF_OUTBOX_PARK_RETRY);
}

/* The identity the user maps to now ("" when the mapping is unavailable). */
static void current_identity(const struct pf_lockout *lo, char *out, size_t size)
{
	struct pf_identity ident;

	if (pf_map_account(lo->cfg, lo->user, lo->uid, lo->root_like, &ident, NULL) == PF_OK)
		snprintf(out, size, "%s", ident.value);
	else if (size > 0)
		out[0] = '\0';
}

/* Removes the entry carrying serial (its audit entry went out, or never will). */
static void ack_entry(const struct pf_lockout *lo, uint64_t serial)
{
	struct pf_txn txn;

	if (pf_store_begin(lo->st, lo->user, lo->uid, &txn) != PF_OK)
		return;
	if (pf_outbox_ack(&txn, serial) != PF_OK)
		pf_log(lo->log, LOG_WARNING, "cannot remove the outbox entry of %s", lo->user);
	pf_store_end(&txn);
}

/* The tenant for the audit entry: recorded with the entry, else one read of the user. */
static enum fg_result audit_tenant(struct cloud *c, const struct pf_outbox_entry *e, const char *id,
				   char *tenant, size_t size)
{
	struct fg_user u;
	enum fg_result r;

	if (strcmp(e->audit_tenant, "-") != 0 && e->audit_tenant[0] != '\0') {
		snprintf(tenant, size, "%s", e->audit_tenant);
		return FG_OK;
	}
	r = fg_user_by_id(c->fg, id, &u);
	if (r == FG_OK)
		snprintf(tenant, size, "%s", u.tenant_id);
	return r;
}

/*
 * Sends the audit entry of a delivered action (best-effort): kept for the
 * next try when Frontegg cannot take it now, dropped with a warning when it
 * refuses it or the user has no tenant.
 */
static enum fg_result send_audit(struct cloud *c, const struct pf_lockout *lo,
				 const struct pf_outbox_entry *e, const struct pf_user_state *s)
{
	char tenant[PF_ID_MAX + 1] = "", *body = NULL;
	enum fg_result r = audit_tenant(c, e, s->frontegg_id, tenant, sizeof(tenant));

	if (r == FG_OK && tenant[0] == '\0')
		r = FG_INVALID; /* no tenant to file it under */
	if (r == FG_OK)
		body = audit_entry(lo, e->action, s, s->frontegg_id, c->app->actor);
	if (r == FG_OK)
		r = body ? fg_audit(c->fg, tenant, body) : FG_NOMEM;
	free(body);
	if (r == FG_OK || r == FG_CLIENT_ERROR || r == FG_FORBIDDEN || r == FG_NOT_FOUND ||
	    r == FG_INVALID) {
		if (r != FG_OK)
			pf_log(&c->app->log, LOG_WARNING,
			       "audit entry for the %s of %s dropped: %s", pf_action_str(e->action),
			       lo->user, fg_result_str(r));
		ack_entry(lo, e->serial);
	}
	return r;
}

/* Right after a confirmed action: its audit entry, from the record as it was. */
static void audit_now(struct cloud *c, const struct pf_lockout *lo,
		      const struct pf_user_state *before, const char *id)
{
	struct pf_outbox_entry e;
	struct pf_user_state s = *before;

	if (!lo->cfg->cloud_audit || pf_outbox_get(lo->st, lo->user, lo->uid, &e) != PF_OK ||
	    e.delivered_at == 0)
		return;
	snprintf(s.frontegg_id, sizeof(s.frontegg_id), "%s", id);
	send_audit(c, lo, &e, &s);
}

static void read_state(const struct pf_lockout *lo, struct pf_user_state *s)
{
	if (pf_store_read(lo->st, lo->user, lo->uid, s) != PF_OK)
		memset(s, 0, sizeof(*s));
}

static enum fg_result deliver(struct cloud *c, const struct pf_lockout *lo,
			      const struct pf_outbox_entry *e, enum cloud_push_outcome *out)
{
	char id[PF_ID_MAX + 1] = "", identity[PF_IDENT_MAX + 1], tenant[PF_ID_MAX + 1] = "";
	struct delivery d = { FG_OK, PF_PARK_NONE, id, identity, tenant };
	struct pf_user_state before;

	read_state(lo, &before);
	if (e->delivered_at != 0) { /* the action went out; only its audit entry waits */
		d.r = send_audit(c, lo, e, &before);
		*out = d.r == FG_OK ? CLOUD_PUSH_AUDITED : CLOUD_PUSH_FAILED;
		return d.r;
	}
	current_identity(lo, identity, sizeof(identity));
	if (!pf_outbox_retry_due(e, identity, pf_now())) {
		*out = CLOUD_PUSH_PARKED; /* same mapping, same answer: no request */
		return FG_OK;
	}
	d.r = cloud_resolve_id(c, lo, id, sizeof(id), tenant, sizeof(tenant));
	if (d.r == FG_OK)
		d.r = e->action == PF_ACTION_LOCK ? fg_lock(c->fg, id) : fg_unlock(c->fg, id);
	d.park = park_reason(d.r);
	log_delivery(c, lo, e, &d);
	if (settle(lo, e, &d) != PF_OK) {
		*out = CLOUD_PUSH_FAILED; /* kept: a repeat is idempotent */
		return d.r;
	}
	if (d.r == FG_OK)
		audit_now(c, lo, &before, id);
	*out = d.r == FG_OK             ? CLOUD_PUSH_DELIVERED
	       : d.park != PF_PARK_NONE ? CLOUD_PUSH_PARKED
					: CLOUD_PUSH_FAILED;
	return d.r;
}

enum fg_result cloud_push(struct cloud *c, const struct pf_lockout *lo,
			  enum cloud_push_outcome *out)
{
	struct pf_outbox_entry e;
	enum fg_result r = FG_OK;
	int claim = -1;
	enum pf_rc rc;

	*out = CLOUD_PUSH_NOTHING;
	rc = pf_store_claim(lo->st, lo->user, &claim);
	if (rc == PF_ERR_BUSY)
		return FG_OK; /* another process is delivering it */
	if (rc != PF_OK) {
		*out = CLOUD_PUSH_FAILED;
		return FG_INVALID;
	}
	/* Read after claiming, so an entry delivered meanwhile is not sent twice. */
	if (pf_outbox_get(lo->st, lo->user, lo->uid, &e) == PF_OK)
		r = deliver(c, lo, &e, out);
	pf_store_release_claim(claim);
	return r;
}
