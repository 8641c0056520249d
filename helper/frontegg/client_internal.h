/* What the client's files share: the client itself and the request loop. */
#ifndef PF_FG_CLIENT_INTERNAL_H
#define PF_FG_CLIENT_INTERNAL_H

#include "frontegg.h"
#include "http.h"
#include "token_cache.h"

struct fg_client {
	char *api_url; /* without trailing slashes */
	char *client_id;
	const char *secret; /* borrowed */
	unsigned timeout_ms;
	unsigned connect_timeout_ms;
	size_t max_body;
	int token_dirfd;  /* -1: token kept in memory only */
	char *token_file; /* NULL with token_dirfd -1 */
	char *lock_file;  /* token_file + ".lock" */
	const struct pf_logger *log;
	struct fg_clock clock;
	uint64_t rng; /* xorshift state for jitter */
	struct fg_http *http;
	struct fg_token token; /* the token in use (wall-clock times) */
	uint64_t token_key;    /* fg_token_key(client_id, api_url) */
	uint64_t rejected;     /* FNV-1a of the last token answered with 401; 0 = none */
	bool cache_warned;     /* a bad cache file is reported once per client */
	int64_t deadline;      /* monotonic ms: end of the running operation's budget */
	struct fg_error err;
	struct fg_stats stats;
};

/* One logical request; fg_call adds the token, retries and reports failures. */
struct fg_call {
	const char *op;      /* what we were doing, for the log: "lock user" */
	const char *subject; /* e-mail or id, logged sanitised; may be NULL */
	const char *method;  /* "GET" / "POST" */
	const char *url;
	const char *body; /* POST body or NULL */
	size_t body_len;
	size_t max_body; /* 0 = the client's cap */
	bool auth;       /* send the vendor token (false only for the token request itself) */
	/* A 404 or an answer that is no HTTP result means api_url is wrong (FG_CONFIG). */
	bool ambiguous_is_config;
};

int64_t fg_mono(struct fg_client *c);
int64_t fg_wall(struct fg_client *c);

/* Starts an operation: a fresh budget and a clean error record. */
void fg_begin(struct fg_client *c);

/*
 * Runs the call until a 2xx (FG_OK, body in *resp: clear it afterwards), or
 * fails after logging once. On failure *resp is already cleared.
 */
enum fg_result fg_call(struct fg_client *c, const struct fg_call *call,
		       struct fg_http_response *resp);

/*
 * Records and logs one failure: status, errorCode and trace id from resp
 * (may be NULL), detail (may be NULL) instead of the server's message.
 */
void fg_fail(struct fg_client *c, const char *op, const char *subject, enum fg_result r,
	     const struct fg_http_response *resp, const char *detail, unsigned attempts);

/* The token to send now (borrowed from c), or the failure, already logged. */
enum fg_result fg_token_get(struct fg_client *c, const char **token);
/* Frontegg answered 401 with the current token: never use it again. */
void fg_token_reject(struct fg_client *c);

#endif
