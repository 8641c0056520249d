/*
 * The client's state, shared by its three layers (each includes only the
 * one below it):
 *
 *   client.c   the user operations (lookup, lock, unlock, reset link)
 *   token.c    the vendor token: cache, renewal at 80 %, once after a 401,
 *              404 / non-JSON = configuration error
 *   request.c  one request: budget, retries with backoff and jitter, 429
 *              and the shared rate-limit memory, failure reports
 */
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
	int token_dirfd;    /* -1: token kept in memory only */
	char *token_file;   /* NULL with token_dirfd -1 */
	char *lock_file;    /* token_file + ".lock" */
	char *rate_file;    /* the shared rate-limit memory in token_dirfd; NULL = none */
	int64_t rate_until; /* epoch ms: no request before (a 429 this process saw) */
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

#endif
