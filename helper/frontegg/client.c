/* The public face of the Frontegg client: set-up and the user operations. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include <curl/curl.h>

#include "json.h"
#include "token.h"
#include "url.h"

#define CRED_MAX 4096

/* ---- the real clock ---------------------------------------------------- */

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_mono(void *ctx)
{
	(void)ctx;
	return clock_ms(CLOCK_MONOTONIC);
}

static int64_t real_wall(void *ctx)
{
	(void)ctx;
	return clock_ms(CLOCK_REALTIME);
}

static void real_sleep(void *ctx, unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	(void)ctx;
	while (nanosleep(&ts, &ts) != 0)
		; /* EINTR: sleep the rest */
}

static const struct fg_clock real_clock = { real_mono, real_wall, real_sleep, NULL };

/* ---- set-up ------------------------------------------------------------- */

static uint64_t seed(void)
{
	uint64_t v = 0;

#ifdef HAVE_GETRANDOM
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v) && v != 0)
		return v;
#endif
	v = (uint64_t)clock_ms(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 40);
	return v != 0 ? v : 1;
}

static const char *bad_option(const struct fg_options *o)
{
	if (fg_url_base_check(o->api_url) != FG_OK)
		return "api_url must be an https:// URL without query, fragment or credentials";
	if (o->environment_id != NULL && !fg_id_valid(o->environment_id))
		return "environment_id must be 1 to 64 letters, digits or dashes";
	if (o->client_id == NULL || o->client_id[0] == '\0' ||
	    strnlen(o->client_id, CRED_MAX + 1) > CRED_MAX)
		return "client_id is missing or too long";
	if (o->secret == NULL || o->secret[0] == '\0' ||
	    strnlen(o->secret, CRED_MAX + 1) > CRED_MAX)
		return "the client secret is missing or too long";
	if (o->token_file != NULL && (o->token_dirfd < 0 || !fg_token_file_name_ok(o->token_file)))
		return "token_file must be a plain file name in an open directory";
	if (o->rate_file != NULL && (o->token_dirfd < 0 || !fg_token_file_name_ok(o->rate_file)))
		return "rate_file must be a plain file name in an open directory";
	return NULL;
}

static bool copy_strings(struct fg_client *c, const struct fg_options *o)
{
	c->api_url = strndup(o->api_url, fg_url_base_len(o->api_url));
	c->client_id = strdup(o->client_id);
	if (c->api_url == NULL || c->client_id == NULL)
		return false;
	if (o->token_file == NULL && o->rate_file == NULL)
		return true;
	c->token_dirfd = o->token_dirfd;
	if (o->rate_file != NULL && (c->rate_file = strdup(o->rate_file)) == NULL)
		return false;
	if (o->token_file == NULL)
		return true;
	c->token_file = strdup(o->token_file);
	return c->token_file != NULL && asprintf(&c->lock_file, "%s.lock", o->token_file) >= 0;
}

static void apply_limits(struct fg_client *c, const struct fg_options *o)
{
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : FG_DEFAULT_TIMEOUT_MS;
	c->connect_timeout_ms =
	    o->connect_timeout_ms ? o->connect_timeout_ms : FG_DEFAULT_CONNECT_TIMEOUT_MS;
	if (c->connect_timeout_ms > c->timeout_ms)
		c->connect_timeout_ms = c->timeout_ms;
	c->max_body = o->max_body ? o->max_body : FG_DEFAULT_MAX_BODY;
}

int fg_client_new(const struct fg_options *opt, struct fg_client **out)
{
	const struct fg_http_config hc = { .ca_file = opt->ca_file,
					   .proxy = opt->proxy,
					   .environment_id = opt->environment_id };
	const char *bad = bad_option(opt);
	char detail[FG_HTTP_DETAIL_MAX] = "out of memory";
	struct fg_client *c;

	*out = NULL;
	if (bad != NULL) {
		pf_log(opt->log, LOG_ERR, "frontegg: bad client configuration: %s", bad);
		return -1;
	}
	/* Only the helper runs this; the PAM module never loads libcurl. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		pf_log(opt->log, LOG_ERR, "frontegg: libcurl initialisation failed");
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		curl_global_cleanup();
		pf_log(opt->log, LOG_ERR, "frontegg: out of memory");
		return -1;
	}
	c->token_dirfd = -1;
	c->log = opt->log;
	c->secret = opt->secret;
	c->clock = opt->clock ? *opt->clock : real_clock;
	c->rng = seed();
	apply_limits(c, opt);
	if (!copy_strings(c, opt) || fg_http_new(&hc, &c->http, detail, sizeof(detail)) != 0) {
		pf_log(opt->log, LOG_ERR, "frontegg: cannot create the client: %s", detail);
		fg_client_free(c);
		return -1;
	}
	c->token_key = fg_token_key(c->client_id, c->api_url);
	*out = c;
	return 0;
}

void fg_client_free(struct fg_client *c)
{
	if (c == NULL)
		return;
	fg_token_clear(&c->token);
	fg_http_free(c->http);
	free(c->api_url);
	free(c->client_id);
	free(c->token_file);
	free(c->lock_file);
	free(c->rate_file);
	free(c);
	curl_global_cleanup(); /* balances the init in fg_client_new */
}

/* ---- operations --------------------------------------------------------- */

static enum fg_result refuse(struct fg_client *c, const char *op, const char *subject,
			     const char *why)
{
	fg_fail(c, op, subject, FG_INVALID, NULL, why, 1);
	return FG_INVALID;
}

/* GET a user object; expect names the id or e-mail it must carry (case-insensitive). */
static enum fg_result get_user(struct fg_client *c, const char *op, const char *subject,
			       const char *url, bool by_email, struct fg_user *user)
{
	struct fg_call call = { .op = op, .subject = subject, .method = "GET", .url = url };
	struct fg_http_response resp;
	enum fg_result r = fg_call_authed(c, &call, &resp);

	if (r != FG_OK)
		return r;
	r = fg_json_user(resp.body, resp.len, user);
	if (r != FG_OK) {
		fg_fail(c, op, subject, r, &resp, "the answer is not a user object", 1);
	} else if (strcasecmp(by_email ? user->email : user->id, subject) != 0) {
		/* Never act on a different user than the one asked for. */
		r = FG_BAD_RESPONSE;
		fg_fail(c, op, subject, r, &resp, "the answer is about another user", 1);
	}
	fg_http_response_clear(&resp);
	return r;
}

enum fg_result fg_user_by_email(struct fg_client *c, const char *email, struct fg_user *user)
{
	static const char op[] = "look up user by e-mail";
	char url[FG_URL_MAX];

	fg_begin(c);
	if (fg_url_user_by_email(url, sizeof(url), c->api_url, email) != FG_OK)
		return refuse(c, op, email ? email : "(null)", "not a usable e-mail address");
	return get_user(c, op, email, url, true, user);
}

enum fg_result fg_user_by_id(struct fg_client *c, const char *id, struct fg_user *user)
{
	static const char op[] = "get user";
	char url[FG_URL_MAX];

	fg_begin(c);
	if (fg_url_user_by_id(url, sizeof(url), c->api_url, id) != FG_OK)
		return refuse(c, op, id ? id : "(null)", "not a valid Frontegg id");
	return get_user(c, op, id, url, false, user);
}

/* A POST on a user; on FG_OK the response (body) is left in resp. */
static enum fg_result post_action(struct fg_client *c, const char *op, const char *id,
				  enum fg_user_action action, struct fg_http_response *resp)
{
	char url[FG_URL_MAX];
	struct fg_call call = { .op = op, .subject = id, .method = "POST", .url = url };

	memset(resp, 0, sizeof(*resp));
	if (fg_url_user_action(url, sizeof(url), c->api_url, id, action) != FG_OK)
		return refuse(c, op, id ? id : "(null)", "not a valid Frontegg id");
	return fg_call_authed(c, &call, resp);
}

/*
 * A refused repeat (already locked, already unlocked) must not leave the
 * intent queued, nor may it be resent: one read of the user tells.
 */
static enum fg_result resolve_refusal(struct fg_client *c, const char *id, bool lock)
{
	const char *op = lock ? "lock user" : "unlock user";
	char url[FG_URL_MAX];
	struct fg_user u;
	enum fg_result r;

	/* Within what is left of the action's budget: every wait is bounded. */
	if (fg_url_user_by_id(url, sizeof(url), c->api_url, id) != FG_OK)
		return FG_CLIENT_ERROR;
	r = get_user(c,
		     lock ? "read user after a refused lock" : "read user after a refused unlock",
		     id, url, false, &u);
	if (r != FG_OK)
		return r;
	if (u.locked == lock) {
		pf_log(c->log, LOG_INFO, "frontegg: user %s already %s", id,
		       lock ? "locked" : "unlocked");
		return FG_OK;
	}
	fg_fail(c, op, id, FG_CLIENT_ERROR, NULL,
		lock ? "Frontegg refused the lock and the user reads as unlocked"
		     : "Frontegg refused the unlock and the user reads as locked",
		1);
	return FG_CLIENT_ERROR;
}

/* Frontegg's 2xx is the confirmation; later reads refresh the cache. */
static enum fg_result set_lock(struct fg_client *c, const char *id, bool lock)
{
	struct fg_http_response resp;
	enum fg_result r;

	fg_begin(c);
	r = post_action(c, lock ? "lock user" : "unlock user", id,
			lock ? FG_ACTION_LOCK : FG_ACTION_UNLOCK, &resp);
	fg_http_response_clear(&resp);
	if (r == FG_CLIENT_ERROR)
		return resolve_refusal(c, id, lock);
	if (r == FG_OK)
		pf_log(c->log, LOG_INFO, "frontegg: %sed user %s", lock ? "lock" : "unlock", id);
	return r;
}

enum fg_result fg_lock(struct fg_client *c, const char *id)
{
	return set_lock(c, id, true);
}

enum fg_result fg_unlock(struct fg_client *c, const char *id)
{
	return set_lock(c, id, false);
}

enum fg_result fg_audit(struct fg_client *c, const char *tenant_id, const char *body)
{
	static const char op[] = "add audit entry for tenant";
	char url[FG_URL_MAX], header[sizeof("frontegg-tenant-id: ") + PF_ID_MAX];
	struct fg_call call = { .op = op,
				.subject = tenant_id,
				.method = "POST",
				.url = url,
				.body = body,
				.body_len = body ? strlen(body) : 0,
				.tenant_header = header };
	struct fg_http_response resp;
	enum fg_result r;

	fg_begin(c);
	if (tenant_id == NULL || !fg_id_valid(tenant_id) || body == NULL ||
	    fg_url_audits(url, sizeof(url), c->api_url) != FG_OK)
		return refuse(c, op, tenant_id ? tenant_id : "(null)", "no valid tenant id");
	snprintf(header, sizeof(header), "frontegg-tenant-id: %s", tenant_id);
	r = fg_call_authed(c, &call, &resp);
	fg_http_response_clear(&resp);
	return r;
}

enum fg_result fg_reset_link(struct fg_client *c, const char *id, char *link, size_t size)
{
	static const char op[] = "generate password reset link for user";
	struct fg_http_response resp;
	enum fg_result r;

	fg_begin(c);
	if (size > 0)
		link[0] = '\0';
	r = post_action(c, op, id, FG_ACTION_RESET_LINK, &resp);
	if (r == FG_OK) {
		r = fg_json_reset_link(resp.body, resp.len, link, size);
		if (r != FG_OK)
			fg_fail(c, op, id, r, &resp,
				r == FG_TOO_BIG ? "the link does not fit the buffer"
						: "the answer carries no https link",
				1);
	}
	fg_http_response_clear(&resp);
	return r;
}

/* ---- accessors ------------------------------------------------------------ */

const struct fg_error *fg_last_error(const struct fg_client *c)
{
	return &c->err;
}

const struct fg_stats *fg_client_stats(const struct fg_client *c)
{
	return &c->stats;
}
