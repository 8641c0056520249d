/* Between the state store and Frontegg: the client, id resolution, refreshes. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

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
	const struct pf_file_rules rules = { 077, (uid_t)-1, 0, NULL };
	int dirfd = pf_store_dir(lo->st, PF_DIR_CLAIMS), fd;
	char name[PF_USER_MAX + sizeof(":refresh")];

	snprintf(name, sizeof(name), "%s:refresh", lo->user);
	fd = dirfd < 0
		 ? -1
		 : openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 || pf_check_fd(fd, &rules, NULL, NULL, 0) != PF_OK) {
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
