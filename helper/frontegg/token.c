/*
 * The vendor token: memory first, then the cache file, then POST /auth/vendor.
 *
 * Renewal at 80 % of expiresIn, and after a 401 (fg_token_reject). A 404 or
 * an answer that is not a token is a configuration error (FG_CONFIG), never
 * "no such user": it usually means api_url points at the wrong place. Fetching
 * is serialised across processes with flock on "<token_file>.lock"; after
 * taking the lock the cache is read again, so when N helpers start together
 * one fetches and the others adopt its token. The lock is waited for at most
 * half of the remaining budget; after that we fetch anyway, because a second
 * token is cheaper than a failed operation.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "json.h"
#include "pam_frontegg/safe_file.h"
#include "token.h"
#include "token_cache.h"
#include "url.h"

#define OP_TOKEN      "get vendor token"
#define BEARER        "Authorization: Bearer "
#define LOCK_POLL_MS  10
#define CLOCK_SKEW_MS 60000 /* a cache "issued" further in the future: the clock jumped */

static bool cache_enabled(const struct fg_client *c)
{
	return c->token_dirfd >= 0 && c->token_file != NULL;
}

static uint64_t token_hash(const char *tok)
{
	return fg_fnv1a(tok, strlen(tok), FG_FNV_OFFSET);
}

static bool usable(const struct fg_client *c, const struct fg_token *t, int64_t now)
{
	return t->value != NULL && now >= t->issued_ms - CLOCK_SKEW_MS && now < t->renew_ms &&
	       (c->rejected == 0 || token_hash(t->value) != c->rejected);
}

/* Takes a usable token from the cache file into memory. */
static bool adopt_cached(struct fg_client *c)
{
	struct fg_token t;
	char why[160] = "";
	enum pf_rc rc =
	    fg_token_cache_load(c->token_dirfd, c->token_file, c->token_key, &t, why, sizeof(why));

	if (rc != PF_OK) {
		if (rc != PF_ERR_NOENT && !c->cache_warned)
			pf_log(c->log, LOG_WARNING,
			       "frontegg: token cache %s %s; fetching a new token and replacing it",
			       c->token_file, why);
		c->cache_warned = c->cache_warned || rc != PF_ERR_NOENT;
		return false;
	}
	if (!usable(c, &t, fg_wall(c))) {
		fg_token_clear(&t);
		return false;
	}
	fg_token_clear(&c->token);
	c->token = t;
	return true;
}

static void unlock_cache(int fd)
{
	if (fd >= 0)
		close(fd); /* closing releases the flock */
}

/* Returns the locked descriptor, or -1 to go ahead without the lock. */
static int lock_cache(struct fg_client *c)
{
	char why[160] = "";
	int fd = fg_token_lock_open(c->token_dirfd, c->lock_file, why, sizeof(why));
	int64_t give_up;

	if (fd < 0) {
		pf_log(c->log, LOG_WARNING, "frontegg: token lock %s %s; fetching without it",
		       c->lock_file, why);
		return -1;
	}
	give_up = fg_mono(c) + (c->deadline - fg_mono(c)) / 2;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || fg_mono(c) >= give_up) {
			pf_log(c->log, LOG_WARNING,
			       "frontegg: token lock %s busy; fetching without it", c->lock_file);
			close(fd);
			return -1;
		}
		c->clock.sleep_ms(c->clock.ctx, LOCK_POLL_MS);
	}
	return fd;
}

static enum fg_result parse_token(struct fg_client *c, const struct fg_http_response *resp)
{
	int64_t expires_in = 0, now = fg_wall(c);
	char *tok = NULL;
	enum fg_result r = fg_json_token(resp->body, resp->len, &tok, &expires_in);

	if (r != FG_OK) {
		/* Whatever answered is not Frontegg's token endpoint: a wrong api_url. */
		r = r == FG_NOMEM ? r : FG_CONFIG;
		fg_fail(c, OP_TOKEN, NULL, r, resp, "the answer is not a token: check api_url", 1);
		return r;
	}
	fg_token_clear(&c->token);
	c->token.value = tok;
	c->token.issued_ms = now;
	c->token.expires_ms = now + expires_in * 1000;
	c->token.renew_ms = now + expires_in * 800; /* 80 % of its life */
	return FG_OK;
}

static enum fg_result fetch(struct fg_client *c)
{
	char url[FG_URL_MAX];
	struct fg_http_response resp;
	struct fg_call call = {
		.op = OP_TOKEN, .method = "POST", .url = url, .ambiguous_is_config = true
	};
	char *body = NULL;
	size_t len = 0;
	enum fg_result r;

	if (fg_url_token(url, sizeof(url), c->api_url) != FG_OK) {
		fg_fail(c, OP_TOKEN, NULL, FG_INVALID, NULL, "bad api_url", 1);
		return FG_INVALID;
	}
	r = fg_json_token_request(c->client_id, c->secret, &body, &len);
	if (r != FG_OK) {
		fg_fail(c, OP_TOKEN, NULL, r, NULL, "cannot build the request", 1);
		return r;
	}
	call.body = body;
	call.body_len = len;
	r = fg_request(c, &call, NULL, &resp);
	pf_wipe(body, len);
	free(body);
	if (r == FG_OK)
		r = parse_token(c, &resp);
	fg_http_response_clear(&resp);
	return r;
}

static void store(struct fg_client *c)
{
	enum pf_rc rc =
	    fg_token_cache_store(c->token_dirfd, c->token_file, c->token_key, &c->token);

	if (rc != PF_OK)
		pf_log(c->log, LOG_WARNING, "frontegg: cannot write token cache %s: %s",
		       c->token_file, pf_rc_str(rc));
}

/* Memory was not good enough: the cache, or a fetch under the lock. */
static enum fg_result refresh(struct fg_client *c)
{
	enum fg_result r;
	int lockfd;

	if (!cache_enabled(c))
		return fetch(c);
	if (adopt_cached(c))
		return FG_OK;
	lockfd = lock_cache(c);
	/* Someone may have fetched while we waited for the lock. */
	if (lockfd >= 0 && adopt_cached(c)) {
		unlock_cache(lockfd);
		return FG_OK;
	}
	r = fetch(c);
	if (r == FG_OK)
		store(c);
	unlock_cache(lockfd);
	return r;
}

static enum fg_result token_get(struct fg_client *c, const char **token)
{
	*token = NULL;
	if (!usable(c, &c->token, fg_wall(c))) {
		enum fg_result r;

		fg_token_clear(&c->token);
		r = refresh(c);
		if (r != FG_OK)
			return r;
	}
	*token = c->token.value;
	return FG_OK;
}

/* Frontegg answered 401 with the current token: never use it again. */
static void token_reject(struct fg_client *c)
{
	if (c->token.value != NULL)
		c->rejected = token_hash(c->token.value);
	fg_token_clear(&c->token);
}

/* "Authorization: Bearer <token>" in a buffer the caller wipes; failures are reported. */
static enum fg_result auth_header(struct fg_client *c, const struct fg_call *call, char **out)
{
	const char *token;
	enum fg_result r = token_get(c, &token);
	size_t n;

	*out = NULL;
	if (r != FG_OK)
		return r;
	n = sizeof(BEARER) + strlen(token);
	*out = malloc(n);
	if (*out == NULL) {
		fg_fail(c, call->op, call->subject, FG_NOMEM, NULL, NULL, 1);
		return FG_NOMEM;
	}
	snprintf(*out, n, BEARER "%s", token);
	return FG_OK;
}

static void free_secret(char **p)
{
	if (*p != NULL) {
		pf_wipe(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

enum fg_result fg_call_authed(struct fg_client *c, const struct fg_call *call,
			      struct fg_http_response *resp)
{
	struct fg_call once = *call;
	enum fg_result r;

	memset(resp, 0, sizeof(*resp));
	for (once.may_renew = true;; once.may_renew = false) {
		char *auth = NULL;

		r = auth_header(c, &once, &auth);
		if (r != FG_OK)
			return r; /* no token: a 401 here means bad credentials */
		r = fg_request(c, &once, auth, resp);
		free_secret(&auth);
		if (r != FG_UNAUTHORIZED || !once.may_renew)
			return r;
		/* Expired or revoked early: one fresh token, one more try. */
		c->stats.renewals++;
		token_reject(c);
		pf_log(c->log, LOG_DEBUG, "frontegg: %s: token refused, renewing it", call->op);
	}
}
