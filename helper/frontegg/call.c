/* The request loop: token, budget, retries with backoff, one report per failure. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "json.h"
#include "pam_frontegg/safe_file.h"
#include "retry.h"

#define BEARER "Authorization: Bearer "

int64_t fg_mono(struct fg_client *c)
{
	return c->clock.mono_ms(c->clock.ctx);
}

int64_t fg_wall(struct fg_client *c)
{
	return c->clock.wall_ms(c->clock.ctx);
}

void fg_begin(struct fg_client *c)
{
	c->deadline = fg_mono(c) + (int64_t)c->timeout_ms;
	memset(&c->err, 0, sizeof(c->err));
}

static uint32_t next_random(struct fg_client *c)
{
	/* xorshift64: jitter only needs to differ between hosts, not to be secret. */
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return (uint32_t)(c->rng >> 32);
}

static void fill_error(struct fg_client *c, const struct fg_http_response *resp)
{
	c->err.http_status = resp->status;
	snprintf(c->err.trace_id, sizeof(c->err.trace_id), "%s", resp->trace_id);
	if (resp->transport != FG_OK) {
		pf_sanitize(c->err.message, sizeof(c->err.message), resp->detail);
		return;
	}
	if (resp->status < 200 || resp->status > 299)
		fg_json_error(resp->body, resp->len, &c->err);
}

void fg_fail(struct fg_client *c, const char *op, const char *subject, enum fg_result r,
	     const struct fg_http_response *resp, const char *detail, unsigned attempts)
{
	char http[200] = "", tries[40] = "";
	int prio = r == FG_NOT_FOUND ? LOG_WARNING : LOG_ERR;

	memset(&c->err, 0, sizeof(c->err));
	if (resp != NULL)
		fill_error(c, resp);
	if (detail != NULL)
		pf_sanitize(c->err.message, sizeof(c->err.message), detail);
	if (c->err.http_status != 0 || c->err.trace_id[0] != '\0')
		snprintf(http, sizeof(http), " (HTTP %ld%s%s%s%s)", c->err.http_status,
			 c->err.error_code[0] ? ", errorCode " : "", c->err.error_code,
			 c->err.trace_id[0] ? ", Frontegg-Trace-Id " : "", c->err.trace_id);
	if (attempts > 1)
		snprintf(tries, sizeof(tries), " after %u attempts", attempts);
	/* Server text only ever travels as an argument, never as the format. */
	pf_log(c->log, prio, "frontegg: %s%s%s failed%s: %s%s%s%s", op, subject ? " " : "",
	       subject ? subject : "", tries, fg_result_str(r), http, c->err.message[0] ? ": " : "",
	       c->err.message);
}

/* "Authorization: Bearer <token>" in a buffer the caller wipes; failures are reported. */
static enum fg_result auth_header(struct fg_client *c, const struct fg_call *call, char **out)
{
	const char *token;
	enum fg_result r = fg_token_get(c, &token);
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

static void send_once(struct fg_client *c, const struct fg_call *call, char *auth, int64_t left,
		      struct fg_http_response *resp)
{
	unsigned budget = left > (int64_t)UINT32_MAX ? UINT32_MAX : (unsigned)left;
	struct fg_http_request req = {
		.method = call->method,
		.url = call->url,
		.auth_header = auth,
		.body = call->body,
		.body_len = call->body_len,
		.timeout_ms = budget,
		.connect_timeout_ms =
		    budget < c->connect_timeout_ms ? budget : c->connect_timeout_ms,
		.max_body = call->max_body ? call->max_body : c->max_body,
	};

	fg_http_perform(c->http, &req, resp);
	c->stats.requests++;
	if (!call->auth)
		c->stats.token_requests++;
}

static int64_t backoff_for(struct fg_client *c, enum fg_result r, unsigned attempt,
			   const struct fg_http_response *resp)
{
	struct fg_retry_input in = {
		.result = r,
		.attempt = attempt,
		.now_ms = fg_mono(c),
		.deadline_ms = c->deadline,
		.now_wall_ms = fg_wall(c),
		.random = next_random(c),
	};

	if (r == FG_RATE_LIMITED &&
	    !fg_rate_reset_parse(resp->rate_reset, in.now_wall_ms, &in.rate_reset_wall_ms))
		in.rate_reset_wall_ms = 0;
	return fg_retry_delay(&in);
}

enum fg_result fg_call(struct fg_client *c, const struct fg_call *call,
		       struct fg_http_response *resp)
{
	bool renewed = false;

	memset(resp, 0, sizeof(*resp));
	for (unsigned attempt = 1;; attempt++) {
		char *auth = NULL;
		enum fg_result r;
		int64_t left, wait;

		fg_http_response_clear(resp);
		if (call->auth && (r = auth_header(c, call, &auth)) != FG_OK)
			return r;
		left = c->deadline - fg_mono(c);
		if (left <= 0) {
			free_secret(&auth);
			fg_fail(c, call->op, call->subject, FG_TIMEOUT, NULL,
				"time budget used up before the request", attempt);
			return FG_TIMEOUT;
		}
		send_once(c, call, auth, left, resp);
		free_secret(&auth);
		r = resp->transport == FG_OK ? fg_http_status_result(resp->status)
					     : resp->transport;
		if (call->ambiguous_is_config && (r == FG_NOT_FOUND || r == FG_BAD_RESPONSE))
			r = FG_CONFIG; /* never "no such user" (doc/invariants.md, invariant 12) */
		if (r == FG_OK)
			return FG_OK;
		if (r == FG_UNAUTHORIZED && call->auth && !renewed) {
			/* Expired or revoked early: one fresh token, one more try. */
			renewed = true;
			c->stats.renewals++;
			fg_token_reject(c);
			pf_log(c->log, LOG_DEBUG, "frontegg: %s: token refused, renewing it",
			       call->op);
			continue;
		}
		wait = backoff_for(c, r, attempt, resp);
		if (wait < 0) {
			fg_fail(c, call->op, call->subject, r, resp, NULL, attempt);
			fg_http_response_clear(resp);
			return r;
		}
		c->stats.retries++;
		pf_log(c->log, LOG_DEBUG, "frontegg: %s: %s (HTTP %ld), retrying in %lld ms",
		       call->op, fg_result_str(r), resp->status, (long long)wait);
		c->clock.sleep_ms(c->clock.ctx, (unsigned)wait);
	}
}
