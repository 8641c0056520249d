/* Between the state store and Frontegg. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cloud.h"
#include "pam_frontegg/safe_file.h"
#include "pam_frontegg/usermap.h"

#define TOKEN_FILE "token"

static int open_client(struct app *a, struct cloud *c, bool cached_token);

int cloud_open(struct app *a, struct cloud *c)
{
	return open_client(a, c, true);
}

int cloud_open_fresh(struct app *a, struct cloud *c)
{
	return open_client(a, c, false);
}

static int open_client(struct app *a, struct cloud *c, bool cached_token)
{
	struct fg_options opt;

	memset(c, 0, sizeof(*c));
	c->app = a;
	if (!pf_config_cloud_configured(&a->cfg))
		return app_fail(a, PF_EXIT_CONFIG,
				"no client_id configured: Frontegg is not in use");
	if (app_read_secret(&a->cfg, &c->secret, &a->log) != PF_OK)
		return PF_EXIT_CONFIG;
	memset(&opt, 0, sizeof(opt));
	opt.api_url = a->cfg.api_url;
	opt.client_id = a->cfg.client_id;
	opt.environment_id = a->cfg.environment_id;
	opt.secret = c->secret;
	opt.ca_file = a->cfg.ca_file;
	opt.proxy = a->cfg.proxy;
	opt.timeout_ms = a->cfg.timeout_ms;
	opt.token_dirfd = a->st.dirfd;
	opt.token_file = cached_token ? TOKEN_FILE : NULL;
	opt.rate_file = CLOUD_RATE_FILE;
	opt.log = &a->log;
	if (fg_client_new(&opt, &c->fg) != 0) {
		cloud_close(c);
		return PF_EXIT_CLOUD;
	}
	return PF_EXIT_OK;
}

int cloud_open_for(struct app *a, const char *name, struct app_user *u, struct cloud *c)
{
	int rc = app_user(a, name, u);

	return rc == PF_EXIT_OK ? cloud_open(a, c) : rc;
}

void cloud_close(struct cloud *c)
{
	fg_client_free(c->fg);
	c->fg = NULL;
	if (c->secret != NULL) {
		pf_wipe(c->secret, strlen(c->secret));
		free(c->secret);
		c->secret = NULL;
	}
}

/* Returns true when the answer cleared the host lock (doc/invariants.md, invariant 3). */
static bool store(struct cloud *c, const struct pf_lockout *lo, enum pf_cloud_seen seen,
		  const char *id, const char *identity)
{
	struct pf_cloud_answer ans = { seen, id, identity };
	bool cleared = false;

	if (pf_lockout_apply_cloud(lo, &ans, pf_now(), &cleared) != PF_OK)
		return false;
	if (cleared)
		pf_log(&c->app->log, LOG_NOTICE,
		       "%s was unlocked in Frontegg: host lock and failures cleared", lo->user);
	return cleared;
}

/* Asks Frontegg about the user behind ident, by cached id when there is one. */
static enum fg_result fetch(struct cloud *c, const struct pf_user_state *s,
			    const struct pf_identity *ident, struct fg_user *u)
{
	bool same_identity = strcmp(s->identity, ident->value) == 0;

	if (same_identity && s->frontegg_id[0] != '\0')
		return fg_user_by_id(c->fg, s->frontegg_id, u);
	if (ident->kind == PF_IDENT_ID)
		return fg_user_by_id(c->fg, ident->value, u);
	return fg_user_by_email(c->fg, ident->value, u);
}

static bool negative_cache_hit(const struct pf_user_state *s, const struct pf_identity *ident,
			       int64_t now)
{
	return s->cloud == PF_CLOUD_ABSENT && strcmp(s->identity, ident->value) == 0 &&
	       now - s->cloud_checked_at < CLOUD_NEGATIVE_TTL && now >= s->cloud_checked_at;
}

/* The mapping and the cached record of one user. */
static enum fg_result load_user(struct cloud *c, const struct pf_lockout *lo,
				struct pf_identity *ident, struct pf_user_state *s)
{
	enum pf_rc rc = pf_map_account(lo->cfg, lo->user, lo->uid, lo->root_like, ident, lo->log);

	if (rc != PF_OK) {
		pf_log(&c->app->log, LOG_WARNING,
		       "no Frontegg identity for %s: mapping unavailable", lo->user);
		return FG_INVALID;
	}
	/* The record only caches the id: without it, resolve from the mapping. */
	if (pf_store_read(lo->st, lo->user, lo->uid, s) != PF_OK)
		memset(s, 0, sizeof(*s));
	return FG_OK;
}

enum fg_result cloud_refresh(struct cloud *c, const struct pf_lockout *lo, bool *cleared)
{
	struct pf_identity ident;
	struct pf_user_state s;
	struct fg_user u;
	enum fg_result r = load_user(c, lo, &ident, &s);
	bool dummy;

	if (cleared == NULL)
		cleared = &dummy;
	*cleared = false;
	if (r != FG_OK)
		return r;
	if (negative_cache_hit(&s, &ident, pf_now()))
		return FG_NOT_FOUND;
	r = fetch(c, &s, &ident, &u);
	if (r == FG_OK)
		*cleared =
		    store(c, lo, u.locked ? PF_CLOUD_LOCKED : PF_CLOUD_UNLOCKED, u.id, ident.value);
	else if (r == FG_NOT_FOUND && s.cloud == PF_CLOUD_LOCKED)
		/* Only a read that shows the user unlocked lifts a Frontegg lock. */
		pf_log(&c->app->log, LOG_WARNING,
		       "Frontegg answered 404 for %s, known as locked there: kept locked",
		       lo->user);
	else if (r == FG_NOT_FOUND)
		*cleared = store(c, lo, PF_CLOUD_ABSENT, "", ident.value);
	return r;
}

/* ---- single-flight refresh ------------------------------------------------ */

#define CLAIM_POLL_MS 10

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * claims/NAME:refresh (':' is never part of a user name, so it cannot be
 * another user's push claim), locked with flock. Waits at most until
 * give_up (monotonic ms); -1 when the claim stayed busy or cannot be made.
 */
static int claim_refresh(const struct pf_lockout *lo, int64_t give_up)
{
	const struct pf_file_rules rules = { 077, (uid_t)-1, 0 };
	int dirfd = pf_store_dir(lo->st, PF_DIR_CLAIMS), fd;
	char name[PF_USER_MAX + sizeof(":refresh")];

	snprintf(name, sizeof(name), "%s:refresh", lo->user);
	fd = dirfd < 0
		 ? -1
		 : openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 || pf_check_fd(fd, &rules, NULL, 0) != PF_OK) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		const struct timespec poll = { 0, CLAIM_POLL_MS * 1000000L };

		if ((errno != EWOULDBLOCK && errno != EINTR) || mono_ms() >= give_up) {
			close(fd);
			return -1;
		}
		nanosleep(&poll, NULL);
	}
	return fd;
}

/*
 * The cached answer is younger than cloud_cache_ttl: another login got it
 * (perhaps while we waited for the claim), and it is ours too.
 */
static bool answered_recently(const struct pf_lockout *lo)
{
	struct pf_user_state s;

	return pf_store_read(lo->st, lo->user, lo->uid, &s) == PF_OK &&
	       (s.cloud == PF_CLOUD_LOCKED || s.cloud == PF_CLOUD_UNLOCKED) &&
	       pf_cloud_fresh(&s, lo->cfg->cloud_cache_ttl, pf_now());
}

enum fg_result cloud_refresh_shared(struct cloud *c, const struct pf_lockout *lo)
{
	int fd = claim_refresh(lo, mono_ms() + (int64_t)lo->cfg->timeout_ms);
	enum fg_result r;

	if (fd < 0) {
		pf_log(&c->app->log, LOG_WARNING,
		       "refresh of %s: another refresh did not finish within timeout", lo->user);
		return FG_TIMEOUT;
	}
	r = answered_recently(lo) ? FG_OK : cloud_refresh(c, lo, NULL);
	close(fd); /* releases the claim */
	return r;
}

/* ---- delivery ---------------------------------------------------------------- */

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

enum fg_result cloud_resolve_id(struct cloud *c, const struct pf_lockout *lo, char *id, size_t size,
				char *tenant, size_t tenant_size)
{
	struct pf_identity ident;
	struct pf_user_state s;
	struct fg_user u;
	enum fg_result r = load_user(c, lo, &ident, &s);

	if (r != FG_OK)
		return r;
	if (strcmp(s.identity, ident.value) == 0 && s.frontegg_id[0] != '\0') {
		snprintf(id, size, "%s", s.frontegg_id);
		return FG_OK;
	}
	if (ident.kind == PF_IDENT_ID) {
		snprintf(id, size, "%s", ident.value);
		return FG_OK;
	}
	r = fg_user_by_email(c->fg, ident.value, &u);
	if (r == FG_OK) {
		store(c, lo, u.locked ? PF_CLOUD_LOCKED : PF_CLOUD_UNLOCKED, u.id, ident.value);
		snprintf(id, size, "%s", u.id);
		if (tenant != NULL)
			snprintf(tenant, tenant_size, "%s", u.tenant_id);
	}
	return r;
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
		body = audit_entry(lo, e->action, s, s->frontegg_id);
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
