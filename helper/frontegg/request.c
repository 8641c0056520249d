/* The request loop: budget, retries with backoff, one report per failure. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pam_frontegg/safe_file.h"
#include "rate_memory.h"
#include "request.h"
#include "retry.h"

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

static void send_once(struct fg_client *c, const struct fg_call *call, char *auth, int64_t left,
		      struct fg_http_response *resp)
{
	unsigned budget = left > (int64_t)UINT32_MAX ? UINT32_MAX : (unsigned)left;
	struct fg_http_request req = {
		.method = call->method,
		.url = call->url,
		.auth_header = auth,
		.tenant_header = call->tenant_header,
		.body = call->body,
		.body_len = call->body_len,
		.timeout_ms = budget,
		.connect_timeout_ms =
		    budget < c->connect_timeout_ms ? budget : c->connect_timeout_ms,
		.max_body = call->max_body ? call->max_body : c->max_body,
	};

	fg_http_perform(c->http, &req, resp);
	c->stats.requests++;
	if (auth == NULL)
		c->stats.token_requests++;
}

static int64_t backoff_for(struct fg_client *c, enum fg_result r, unsigned attempt)
{
	struct fg_retry_input in = {
		.result = r,
		.attempt = attempt,
		.now_ms = fg_mono(c),
		.deadline_ms = c->deadline,
		.random = next_random(c),
	};

	return fg_retry_delay(&in);
}

/* A 429 this process or another one of the host saw, whose reset has not come. */
static bool rate_limited_now(struct fg_client *c, const struct fg_call *call, unsigned attempt)
{
	int64_t until = fg_rate_recall(c->token_dirfd, c->rate_file), now = fg_wall(c);
	char detail[128];

	if (c->rate_until > until)
		until = c->rate_until;
	if (until <= now)
		return false;
	snprintf(detail, sizeof(detail),
		 "Frontegg asked to wait %lld s more; not asking before then",
		 (long long)((until - now + 999) / 1000));
	fg_fail(c, call->op, call->subject, FG_RATE_LIMITED, NULL, detail, attempt);
	return true;
}

/* No request before the reset time: X-Rate-Limit-Reset, else 60 s plus jitter. */
static void remember_429(struct fg_client *c, const struct fg_http_response *resp)
{
	int64_t until = fg_rate_until(resp->rate_reset, fg_wall(c), next_random(c));

	c->rate_until = until;
	if (c->rate_file != NULL && !fg_rate_remember(c->token_dirfd, c->rate_file, until))
		pf_log(c->log, LOG_WARNING, "frontegg: cannot record the rate limit in %s",
		       c->rate_file);
}

enum fg_result fg_request(struct fg_client *c, const struct fg_call *call, char *auth,
			  struct fg_http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	for (unsigned attempt = 1;; attempt++) {
		int64_t left = c->deadline - fg_mono(c), wait;
		enum fg_result r;

		fg_http_response_clear(resp);
		if (rate_limited_now(c, call, attempt))
			return FG_RATE_LIMITED;
		if (left <= 0) {
			fg_fail(c, call->op, call->subject, FG_TIMEOUT, NULL,
				"time budget used up before the request", attempt);
			return FG_TIMEOUT;
		}
		send_once(c, call, auth, left, resp);
		r = resp->transport == FG_OK ? fg_http_status_result(resp->status)
					     : resp->transport;
		if (call->ambiguous_is_config && (r == FG_NOT_FOUND || r == FG_BAD_RESPONSE))
			r = FG_CONFIG; /* never "no such user" (doc/invariants.md, invariant 12) */
		if (r == FG_OK)
			return FG_OK;
		if (r == FG_RATE_LIMITED)
			remember_429(c, resp); /* and give up: no retry multiplies requests */
		if (r == FG_UNAUTHORIZED && call->may_renew) {
			fg_http_response_clear(resp);
			return r; /* the token layer renews it, quietly */
		}
		wait = backoff_for(c, r, attempt);
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

const char *fg_result_str(enum fg_result r)
{
	switch (r) {
	case FG_OK:
		return "ok";
	case FG_NOT_FOUND:
		return "not found";
	case FG_UNAUTHORIZED:
		return "unauthorized";
	case FG_FORBIDDEN:
		return "forbidden";
	case FG_RATE_LIMITED:
		return "rate limited";
	case FG_CLIENT_ERROR:
		return "request refused";
	case FG_SERVER_ERROR:
		return "server error";
	case FG_NETWORK:
		return "network error";
	case FG_TIMEOUT:
		return "timed out";
	case FG_TLS:
		return "TLS error";
	case FG_BAD_RESPONSE:
		return "bad response";
	case FG_TOO_BIG:
		return "response too large";
	case FG_CONFIG:
		return "configuration error";
	case FG_NOMEM:
		return "out of memory";
	case FG_INVALID:
		return "invalid argument";
	}
	return "unknown result";
}
