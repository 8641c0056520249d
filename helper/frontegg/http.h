/*
 * One HTTPS exchange over a reused libcurl easy handle. Knows nothing about
 * Frontegg: the caller brings the URL, headers and time budget and gets the
 * status, a capped body and the two response headers we care about.
 *
 * Fixed for every request: HTTPS only (also for redirects, which are not
 * followed), peer and host verification on, TLS >= 1.2, proxy only from the
 * configuration (the *_proxy environment variables are ignored), no signals
 * (CURLOPT_NOSIGNAL), a fixed User-Agent, no cookies, no .netrc.
 */
#ifndef PF_FG_HTTP_H
#define PF_FG_HTTP_H

#include <stddef.h>

#include "frontegg.h"

#define FG_HTTP_DETAIL_MAX 256

struct fg_http;

struct fg_http_config {
	const char *ca_file; /* NULL = system store; set = only this file is trusted */
	const char *proxy;   /* NULL or "" = no proxy at all */
	/* Sent as "frontegg-environment-id" on every request; NULL = none (copied). */
	const char *environment_id;
};

struct fg_http_request {
	const char *method;  /* "GET" or "POST" */
	const char *url;     /* https://... */
	char *auth_header;   /* "Authorization: Bearer ..." or NULL (curl only reads it) */
	char *tenant_header; /* "frontegg-tenant-id: ..." or NULL (curl only reads it) */
	const char *body;    /* POST body (JSON) or NULL for none */
	size_t body_len;
	unsigned timeout_ms;         /* whole exchange, >= 1 */
	unsigned connect_timeout_ms; /* connection set-up, >= 1 */
	size_t max_body;             /* the response body cap, >= 1 */
};

struct fg_http_response {
	enum fg_result transport; /* FG_OK: a complete response arrived (any status) */
	long status;              /* HTTP status, 0 when none arrived */
	char *body;               /* NUL-terminated (may be NULL when empty) */
	size_t len;
	char trace_id[64];               /* Frontegg-Trace-Id, sanitised */
	char rate_reset[64];             /* X-Rate-Limit-Reset, sanitised */
	char detail[FG_HTTP_DETAIL_MAX]; /* transport failure text (libcurl) */
};

/* 0, or -1 when libcurl cannot be set up (the reason goes to detail, if non-NULL). */
int fg_http_new(const struct fg_http_config *cfg, struct fg_http **out, char *detail,
		size_t detail_size);
void fg_http_free(struct fg_http *h);

/*
 * Sends the request and fills resp (cleared first). A body over max_body is
 * cut off as soon as it is seen (FG_TOO_BIG), so it is never buffered.
 */
void fg_http_perform(struct fg_http *h, const struct fg_http_request *req,
		     struct fg_http_response *resp);

/* Wipes and frees the body: it may hold a token or a reset link. */
void fg_http_response_clear(struct fg_http_response *resp);

/* 2xx -> FG_OK, 401/403/404/429/other 4xx/5xx -> their result, else FG_BAD_RESPONSE. */
enum fg_result fg_http_status_result(long status);

#endif
