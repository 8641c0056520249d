/*
 * frontegg-lockout sync, in four passes over the users with state:
 *   1. end expired host locks (doc/invariants.md, invariant 5 queues a cloud
 *      unlock when configured) and re-queue host locks whose cloud lock never
 *      made it to the outbox;
 *   2. deliver the outbox (idempotent; parked entries only when due); the
 *      first sign that Frontegg is down or rate-limiting ends the pass, and
 *      the timer (with its jitter) paces retries;
 *   3. refresh, by a direct read each, only the users whose host state an
 *      answer could change: host-locked, cached LOCKED, or locked by this
 *      host (invariants 2 and 3). Nobody else costs a request, so a quiet
 *      host's sync sends none at all (invariant 9), and nothing is ever
 *      cleared because a user is missing from a listing;
 *   4. record the run in sync-status and, if asked, the metrics file.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sync_status.h"
#include "pam_frontegg/usermap.h"
#include "sync.h"

/*
 * One host user in the run. The array of members grows and is sorted, so a
 * member keeps no pointer into itself: lockout_of() builds the view each
 * time it is needed. A sync holds one per user with state (10,000 and
 * more), so the key, mostly short, is allocated to its length.
 */
struct member {
	char name[PF_USER_MAX + 1];
	uid_t uid;
	bool root_like;
	bool ask;   /* an answer from Frontegg could change this user's host state */
	bool fresh; /* Frontegg confirmed an action for this user in this run */
	bool busy;  /* another process held the user's lock: pass 1 retried at the end */
};

struct run {
	struct app *a;
	struct cloud cloud;
	bool have_cloud;
	struct member *m;
	size_t n, cap;
	struct sync_report rep;
	size_t busy; /* members whose lock was held when pass 1 reached them */
	bool tty;
};

static struct pf_lockout lockout_of(const struct run *r, const struct member *m)
{
	return (
	    struct pf_lockout){ &r->a->cfg, &r->a->st, m->name, m->uid, m->root_like, &r->a->log };
}

static void progress(struct run *r, const char *what, size_t done, size_t total)
{
	if (!r->tty)
		return;
	fprintf(stderr, "\rsync: %-22s %zu/%zu", what, done, total);
	if (done == total)
		fputc('\n', stderr);
}

static void count_error(struct run *r, enum fg_result res)
{
	if (res != FG_OK && res != FG_NOT_FOUND && (unsigned)res <= FG_INVALID) {
		r->rep.errors[res]++;
		r->rep.cloud_ok = false;
	}
}

static void free_members(struct run *r)
{
	free(r->m);
	r->m = NULL;
	r->n = r->cap = 0;
}

static int collect(const char *name, void *arg)
{
	struct run *r = arg;
	struct pf_account acct;
	struct member *m;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct member *bigger = realloc(r->m, cap * sizeof(*r->m));
		if (bigger == NULL)
			return 1;
		r->m = bigger;
		r->cap = cap;
	}
	m = &r->m[r->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	if (pf_account_lookup(&r->a->cfg, name, &acct) != PF_OK)
		acct = (struct pf_account){ .uid = (uid_t)-1 };
	m->uid = acct.uid;
	m->root_like = acct.root_like;
	return 0;
}

/*
 * Whose host state an answer could change: a host lock (Frontegg's unlock
 * clears the one this host pushed), a cached LOCKED (it stays until a fresh
 * answer lifts it). Everyone else is asked at login, within cloud_cache_ttl.
 */
static bool worth_asking(const struct pf_user_state *s, bool host_locked)
{
	return host_locked || s->cloud_lock_pushed || s->cloud == PF_CLOUD_LOCKED;
}

/* A user this run could not handle: logged, and the run's exit status says so. */
static void state_error(struct run *r, const char *user, const char *what, enum pf_rc rc)
{
	if (rc == PF_ERR_TIMEOUT || rc == PF_ERR_NOENT)
		return; /* busy: retried at the end; gone: nothing to do */
	r->rep.state_errors++;
	pf_log(&r->a->log, LOG_ERR, "sync: %s %s: %s", what, user, pf_rc_str(rc));
}

/*
 * Pass 1 for one user: expire, then make sure a host lock reaches the
 * outbox. A user whose lock another process holds is marked busy and left
 * for the retry at the end of the run.
 */
static void settle_host(struct run *r, struct member *m)
{
	int64_t now = pf_now();
	struct pf_outbox_entry e;
	struct pf_policy p;
	struct pf_txn txn;
	bool changed, locked;

	struct pf_lockout lo = lockout_of(r, m);

	enum pf_rc rc = pf_store_begin(&r->a->st, m->name, m->uid, &txn);

	m->busy = rc == PF_ERR_TIMEOUT;
	if (rc != PF_OK) {
		state_error(r, m->name, "cannot update the record of", rc);
		return;
	}
	changed = pf_lockout_expire(&txn, &r->a->cfg, now, NULL);
	r->rep.expired += changed;
	r->rep.requeued += pf_lockout_requeue_unlock(&txn, &r->a->cfg, now);
	pf_policy_for(&r->a->cfg, m->root_like, &p);
	locked = !p.exempt && pf_host_locked(&txn.state, now);
	if (locked && !txn.state.cloud_lock_pushed && pf_lockout_pushes(&lo) &&
	    pf_outbox_get(&r->a->st, m->name, m->uid, &e) == PF_ERR_NOENT) {
		bool queued = false;
		if (pf_outbox_put(&txn, PF_ACTION_LOCK, now, &queued) == PF_OK && queued)
			r->rep.requeued++;
	}
	rc = changed ? pf_store_commit(&txn) : PF_OK;
	if (rc != PF_OK)
		state_error(r, m->name, "cannot end the expired lock of", rc);
	pf_store_end(&txn);
	m->ask = pf_lockout_cloud_applies(&lo) && worth_asking(&txn.state, locked);
}

/* A failure of the service or its set-up: every other user would fail alike. */
static bool service_down(enum fg_result res)
{
	return res == FG_NETWORK || res == FG_TIMEOUT || res == FG_TLS || res == FG_SERVER_ERROR ||
	       res == FG_RATE_LIMITED || res == FG_UNAUTHORIZED || res == FG_FORBIDDEN ||
	       res == FG_CONFIG;
}

/* Pass 2: deliver every entry; stop at the first sign Frontegg is down or busy. */
static void flush_outbox(struct run *r)
{
	for (size_t i = 0; i < r->n && r->have_cloud; i++) {
		struct member *m = &r->m[i];
		struct pf_outbox_entry e;
		enum cloud_push_outcome out;
		enum fg_result res;

		struct pf_lockout lo = lockout_of(r, m);

		if (m->busy || pf_outbox_get(&r->a->st, m->name, m->uid, &e) != PF_OK)
			continue;
		res = cloud_push(&r->cloud, &lo, &out);
		if (out != CLOUD_PUSH_PARKED)
			count_error(r, res);
		m->fresh = out == CLOUD_PUSH_DELIVERED;
		r->rep.delivered += m->fresh;
		if (service_down(res))
			break;
		progress(r, "delivering", i + 1, r->n);
	}
}

/* Pass 3: one direct read per user worth asking (none for a quiet host). */
static void refresh_cloud(struct run *r)
{
	for (size_t i = 0; i < r->n && r->have_cloud; i++) {
		enum fg_result res;
		bool cleared = false;
		if (!r->m[i].ask || r->m[i].fresh)
			continue;
		struct pf_lockout lo = lockout_of(r, &r->m[i]);

		res = cloud_refresh(&r->cloud, &lo, &cleared);
		count_error(r, res);
		r->rep.refreshed += res == FG_OK || res == FG_NOT_FOUND;
		r->rep.cleared += cleared;
		if (service_down(res))
			break;
		progress(r, "refreshing", i + 1, r->n);
	}
}

static int count_entry(const struct pf_outbox_entry *e, void *arg)
{
	struct sync_report *rep = arg;

	if (e->delivered_at != 0)
		return 0; /* the action went out: only its audit entry waits */
	rep->outbox_left++;
	rep->parked += e->parked != PF_PARK_NONE;
	return 0;
}

static void tally(struct run *r)
{
	int64_t now = pf_now();

	r->rep.users = (unsigned)r->n;
	if (pf_outbox_list(&r->a->st, count_entry, &r->rep) != PF_OK)
		pf_log(&r->a->log, LOG_ERR, "cannot read the outbox");
	for (size_t i = 0; i < r->n; i++) {
		struct pf_user_state s;
		struct pf_policy p;
		bool locked;
		if (pf_store_read(&r->a->st, r->m[i].name, r->m[i].uid, &s) != PF_OK)
			continue;
		pf_policy_for(&r->a->cfg, r->m[i].root_like, &p);
		locked = !p.exempt && pf_host_locked(&s, now);
		r->rep.host_locked += locked && r->a->cfg.enforce;
		r->rep.would_lock += locked && !r->a->cfg.enforce;
		r->rep.cloud_locked += s.cloud == PF_CLOUD_LOCKED;
	}
}

static int finish(struct run *r, int64_t started)
{
	struct pf_sync_status st;
	unsigned errors = 0;

	for (size_t k = 0; k <= FG_INVALID; k++)
		errors += r->rep.errors[k];
	if (counters_fold(&r->a->st, &r->rep.totals) != PF_OK) {
		r->rep.state_errors++;
		pf_log(&r->a->log, LOG_ERR, "cannot fold %s/events into the counters",
		       r->a->cfg.state_dir);
	}
	if (pf_sync_status_read(&r->a->st, &st) != PF_OK)
		memset(&st, 0, sizeof(st));
	st.last_attempt = started;
	if (r->rep.cloud_ok)
		st.last_success = started;
	st.users = r->rep.users;
	st.delivered = r->rep.delivered;
	st.errors = errors;
	if (pf_sync_status_write(&r->a->st, &st) != PF_OK) {
		r->rep.state_errors++;
		pf_log(&r->a->log, LOG_ERR, "cannot write %s/sync-status", r->a->cfg.state_dir);
	}
	if (r->a->metrics_file &&
	    sync_write_metrics(r->a->metrics_file, &r->rep, st.last_success) != 0) {
		r->rep.metrics_failed = true;
		pf_log(&r->a->log, LOG_ERR, "cannot write the metrics file %s", r->a->metrics_file);
	}
	pf_log(&r->a->log, LOG_INFO,
	       "sync: %u users, %u delivered, %u waiting (%u parked), %u refreshed, %u expired, "
	       "%u cleared by Frontegg, %u API errors",
	       r->rep.users, r->rep.delivered, r->rep.outbox_left, r->rep.parked, r->rep.refreshed,
	       r->rep.expired, r->rep.cleared, errors);
	if (r->rep.parked > 0)
		pf_log(
		    &r->a->log, LOG_WARNING,
		    "sync: %u outbox entries parked (not delivered): see frontegg-lockout status",
		    r->rep.parked);
	/* The unit must fail when a user was not handled or nothing reached Frontegg. */
	if (r->rep.state_errors > 0)
		return PF_EXIT_STATE;
	if (r->rep.metrics_failed)
		return PF_EXIT_FAILURE;
	return errors == 0 && r->rep.cloud_ok && r->rep.parked == 0 ? PF_EXIT_OK : PF_EXIT_CLOUD;
}

/*
 * Pass 1 once more for the users who were busy, sharing one `timeout`
 * between them: the run stays bounded however many lock holders are
 * stopped. Returns how many are still busy, each named in the log.
 */
static size_t retry_busy(struct run *r)
{
	unsigned budget_ms = r->a->cfg.timeout_ms;
	int64_t deadline = pf_mono_ms() + budget_ms;
	size_t still = 0;

	for (size_t i = 0; i < r->n; i++) {
		struct member *m = &r->m[i];
		int64_t left = deadline - pf_mono_ms();

		if (!m->busy)
			continue;
		r->a->st.lock_wait_ms = left > 0 ? (unsigned)left : 0;
		settle_host(r, m);
		if (m->busy) {
			pf_log(&r->a->log, LOG_ERR,
			       "sync: %s is busy (another process holds its lock)", m->name);
			still++;
		}
	}
	r->a->st.lock_wait_ms = budget_ms;
	return still;
}

/* Housekeeping: the temporary files of writers killed between create and rename. */
static void sweep_tmp(struct run *r)
{
	unsigned removed = 0;

	if (pf_store_sweep_tmp(&r->a->st, PF_TMP_MAX_AGE, &removed) != PF_OK)
		pf_log(&r->a->log, LOG_WARNING, "sync: cannot remove every stale temporary file");
	if (removed > 0)
		pf_log(&r->a->log, LOG_INFO, "sync: removed %u stale temporary files", removed);
}

/* Pass 1 over everyone, without waiting for a lock another process holds. */
static void settle_all(struct run *r)
{
	unsigned wait = r->a->st.lock_wait_ms;

	r->a->st.lock_wait_ms = 0;
	for (size_t i = 0; i < r->n; i++) {
		settle_host(r, &r->m[i]);
		r->busy += r->m[i].busy;
	}
	r->a->st.lock_wait_ms = wait;
}

int verb_sync(struct app *a, int argc, char **argv)
{
	struct run r = { .a = a };
	int64_t started = pf_now();
	size_t busy;
	int rc;

	(void)argc;
	(void)argv;
	if (a->metrics_file && a->metrics_file[0] != '/')
		return app_fail(a, PF_EXIT_USAGE, "--metrics-file must be an absolute path");
	r.rep.cloud_ok = true;
	r.tty = a->progress && isatty(STDERR_FILENO);
	if (pf_store_list(&a->st, collect, &r) != PF_OK) {
		free_members(&r);
		return app_fail(a, PF_EXIT_STATE, "cannot list %s/users", a->cfg.state_dir);
	}
	if (pf_config_cloud_configured(&a->cfg))
		r.have_cloud = cloud_open(a, &r.cloud) == PF_EXIT_OK;
	r.rep.cloud_ok = r.have_cloud || !pf_config_cloud_configured(&a->cfg);
	settle_all(&r);
	flush_outbox(&r);
	refresh_cloud(&r);
	if (r.have_cloud)
		cloud_close(&r.cloud);
	busy = r.busy > 0 ? retry_busy(&r) : 0;
	sweep_tmp(&r);
	tally(&r);
	rc = finish(&r, started);
	free_members(&r);
	/* A user left busy is a user this run did not settle: the unit must say so. */
	return rc == PF_EXIT_OK && busy > 0 ? PF_EXIT_STATE : rc;
}
