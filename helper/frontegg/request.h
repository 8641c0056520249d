/*
 * The request layer: one logical request inside the operation's time budget,
 * retried with backoff and jitter on connection errors, timeouts and 5xx;
 * every failure reported once. Knows nothing about tokens: the caller brings
 * the Authorization header.
 */
#ifndef PF_FG_REQUEST_H
#define PF_FG_REQUEST_H

#include "client_internal.h"

/* One logical request. */
struct fg_call {
	const char *op;      /* what we were doing, for the log: "lock user" */
	const char *subject; /* e-mail or id, logged sanitised; may be NULL */
	const char *method;  /* "GET" / "POST" */
	const char *url;
	const char *body; /* POST body or NULL */
	size_t body_len;
	size_t max_body; /* 0 = the client's cap */
	/* A 404 or an answer that is no HTTP result means api_url is wrong (FG_CONFIG). */
	bool ambiguous_is_config;
	/* A 401 is returned quietly: the caller renews the token and tries once more. */
	bool may_renew;
	char *tenant_header; /* "frontegg-tenant-id: ..." or NULL */
};

int64_t fg_mono(struct fg_client *c);
int64_t fg_wall(struct fg_client *c);

/* Starts an operation: a fresh budget and a clean error record. */
void fg_begin(struct fg_client *c);

/*
 * Sends the call with auth ("Authorization: Bearer ...", only read, or NULL
 * for the token request) until a 2xx (FG_OK, body in *resp: clear it afterwards),
 * or fails after logging once. On failure *resp is already cleared.
 */
enum fg_result fg_request(struct fg_client *c, const struct fg_call *call, char *auth,
			  struct fg_http_response *resp);

/*
 * Records and logs one failure: status, errorCode and trace id from resp
 * (may be NULL), detail (may be NULL) instead of the server's message.
 */
void fg_fail(struct fg_client *c, const char *op, const char *subject, enum fg_result r,
	     const struct fg_http_response *resp, const char *detail, unsigned attempts);

#endif
