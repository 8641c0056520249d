/*
 * The Frontegg REST client of frontegg-lockout (doc/frontegg.md).
 *
 * One client = one reused libcurl handle, one vendor token, one error record.
 * Not thread-safe; meant for the single-threaded helper, never the PAM module.
 *
 * Every call runs inside a time budget (fg_options.timeout_ms, retries and
 * token fetching included), retries only connection errors, timeouts and
 * 5xx, gives up at once on a 429 and remembers its reset time for every
 * process of the host (rate_memory.h), renews the token once after a 401, and
 * logs each failure exactly once through the pf_logger: operation, HTTP
 * status, errorCode, Frontegg-Trace-Id and the server's message, sanitised.
 * The client secret and the token are never logged and are wiped when freed.
 *
 * Include as "frontegg/frontegg.h" with -I$(top_srcdir)/helper.
 */
#ifndef PF_FG_FRONTEGG_H
#define PF_FG_FRONTEGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pam_frontegg/common.h"
#include "pam_frontegg/log.h"

#define FG_DEFAULT_TIMEOUT_MS         3000
#define FG_DEFAULT_CONNECT_TIMEOUT_MS 2000
#define FG_DEFAULT_MAX_BODY           (1024 * 1024)

/*
 * Time as the client sees it; tests inject a fake one so nothing really waits.
 * mono_ms runs budgets and backoff; wall_ms (Unix epoch, ms) compares with
 * X-Rate-Limit-Reset and token expiry, which other processes share.
 */
struct fg_clock {
	int64_t (*mono_ms)(void *ctx);
	int64_t (*wall_ms)(void *ctx);
	void (*sleep_ms)(void *ctx, unsigned ms);
	void *ctx;
};

struct fg_options {
	const char *api_url;         /* https://... ; trailing slashes tolerated */
	const char *client_id;       /* copied */
	const char *environment_id;  /* frontegg-environment-id on every request; NULL = none */
	const char *secret;          /* borrowed: must outlive the client; caller wipes it */
	const char *ca_file;         /* NULL = system CA store; set = trust only this file */
	const char *proxy;           /* NULL/"" = direct; the environment is never consulted */
	unsigned timeout_ms;         /* whole budget of one operation; 0 = default */
	unsigned connect_timeout_ms; /* per connection attempt; 0 = default */
	size_t max_body;             /* response cap; 0 = FG_DEFAULT_MAX_BODY */
	int token_dirfd;             /* directory of the token cache (with token_file) */
	const char *token_file;      /* its name (lock: name + ".lock"); NULL = memory only */
	const char *rate_file;       /* with token_dirfd: the shared 429 memory; NULL = none */
	const struct pf_logger *log;
	const struct fg_clock *clock; /* NULL = the real clocks */
};

enum fg_result {
	FG_OK = 0,
	FG_NOT_FOUND,    /* 404: no such user */
	FG_UNAUTHORIZED, /* 401 even after renewing the token, or bad client credentials */
	FG_FORBIDDEN,    /* 403 */
	FG_RATE_LIMITED, /* 429, or a 429's reset time (remembered) has not come yet */
	FG_CLIENT_ERROR, /* any other 4xx */
	FG_SERVER_ERROR, /* 5xx after the retries the budget allowed */
	FG_NETWORK,      /* could not connect, connection dropped */
	FG_TIMEOUT,      /* the budget ran out */
	FG_TLS,          /* certificate or handshake failure (never retried) */
	FG_BAD_RESPONSE, /* unexpected status or a body that is not what the API documents */
	FG_TOO_BIG,      /* response over the size cap (the rest is never read) */
	FG_CONFIG,       /* the token endpoint answered 404 or no token: api_url is wrong */
	FG_NOMEM,
	FG_INVALID, /* bad argument or option (nothing was sent) */
};

struct fg_user {
	char id[PF_ID_MAX + 1];
	char email[PF_IDENT_MAX + 1];
	bool locked;                   /* isLocked; a missing field means false */
	char tenant_id[PF_ID_MAX + 1]; /* tenantId; "" when absent or not id-shaped */
};

/* Details of the last failure (all "" / 0 when not applicable). */
struct fg_error {
	long http_status;
	char error_code[32]; /* Frontegg's errorCode, e.g. "ER-01017" */
	char trace_id[64];   /* the Frontegg-Trace-Id response header */
	char message[160];   /* server message or transport error, sanitised */
};

struct fg_stats {
	unsigned requests;       /* HTTP requests sent, token requests included */
	unsigned token_requests; /* POST /auth/vendor */
	unsigned retries;        /* attempts repeated after a backoff */
	unsigned renewals;       /* tokens renewed because of a 401 */
};

struct fg_client;

/* Returns 0, or -1 with the reason logged (bad option, no memory, libcurl failure). */
int fg_client_new(const struct fg_options *opt, struct fg_client **out);
void fg_client_free(struct fg_client *c);

/* GET /identity/resources/users/v1/email?email=... (FG_NOT_FOUND: no such user). */
enum fg_result fg_user_by_email(struct fg_client *c, const char *email, struct fg_user *user);
/* GET /identity/resources/vendor-only/users/v1/{id}. */
enum fg_result fg_user_by_id(struct fg_client *c, const char *id, struct fg_user *user);
/*
 * POST .../{id}/lock (unlock). A 2xx is the confirmation: no read follows.
 * A 4xx other than 401/403/404/429 (a repeated lock may answer so) is
 * resolved by reading the user: FG_OK when it already reads as wanted, else
 * FG_CLIENT_ERROR. The action is never sent a second time.
 */
enum fg_result fg_lock(struct fg_client *c, const char *id);
enum fg_result fg_unlock(struct fg_client *c, const char *id);
/*
 * POST /audits/ with frontegg-tenant-id: adds body (a JSON object carrying
 * "severity") to that tenant's audit trail. Frontegg answers 202.
 */
enum fg_result fg_audit(struct fg_client *c, const char *tenant_id, const char *body);

/*
 * POST .../{id}/links/generate-password-reset-token (Frontegg answers 201).
 * Copies the https:// link into link; FG_TOO_BIG when it does not fit.
 */
enum fg_result fg_reset_link(struct fg_client *c, const char *id, char *link, size_t size);

const struct fg_error *fg_last_error(const struct fg_client *c);
const struct fg_stats *fg_client_stats(const struct fg_client *c);
const char *fg_result_str(enum fg_result r);

/* A Frontegg id we will put in a URL: 1..PF_ID_MAX of [A-Za-z0-9-]. */
bool fg_id_valid(const char *id);

#endif
