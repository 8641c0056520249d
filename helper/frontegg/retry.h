/*
 * The retry policy, as a pure function: what happened, how often, how much
 * time is left -> wait this long, or give up. No clock and no sleeping here;
 * the caller supplies the times and the random number, so tests can pin
 * every decision.
 */
#ifndef PF_FG_RETRY_H
#define PF_FG_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "frontegg.h"

#define FG_RETRY_BASE_MS         200              /* first backoff */
#define FG_RETRY_CAP_MS          5000             /* backoff never grows beyond this */
#define FG_RETRY_MAX_ATTEMPTS    8                /* even with a generous budget */
#define FG_RETRY_429_DEFAULT_MS  60000            /* 429 without X-Rate-Limit-Reset */
#define FG_RETRY_429_MAX_MS      (15 * 60 * 1000) /* a later reset is not believed */
#define FG_RETRY_429_JITTER_MS   5000             /* spread added to that default */
#define FG_RETRY_RESET_JITTER_MS 250              /* spread after a known reset time */
#define FG_RETRY_MIN_WINDOW_MS   50               /* time an attempt needs after the wait */

struct fg_retry_input {
	enum fg_result result; /* how the attempt ended (FG_SERVER_ERROR for 5xx...) */
	unsigned attempt;      /* attempts made so far, >= 1 */
	int64_t now_ms;        /* monotonic */
	int64_t deadline_ms;   /* monotonic end of the operation's budget */
	uint32_t random;       /* any random value, for the jitter */
};

/*
 * Connection errors, timeouts and 5xx; never a 4xx. A 429 is not retried:
 * its reset time is remembered for the whole host instead (fg_rate_until).
 */
bool fg_retry_retryable(enum fg_result r);

/*
 * Milliseconds to wait before the next attempt, or -1 to give up (not
 * retryable, too many attempts, or the wait plus FG_RETRY_MIN_WINDOW_MS
 * would cross the deadline).
 *
 * Backoff: d = min(CAP, BASE * 2^(attempt-1)), waited as d/2 + random % (d/2+1)
 * ("equal jitter": never less than half, never more than d).
 */
int64_t fg_retry_delay(const struct fg_retry_input *in);

/*
 * X-Rate-Limit-Reset -> epoch ms. Frontegg sends an RFC 3339 time; a bare
 * number is tolerated as seconds (a Unix time when >= 10^9, else relative to
 * now_wall_ms). False when the value is unusable.
 */
bool fg_rate_reset_parse(const char *value, int64_t now_wall_ms, int64_t *reset_wall_ms);

/*
 * Until when (epoch ms) no request may go out after a 429: the reset time of
 * header plus up to RESET_JITTER; without a usable one (or one already
 * passed) 60 s plus up to 5 s; never more than FG_RETRY_429_MAX_MS ahead.
 */
int64_t fg_rate_until(const char *header, int64_t now_wall_ms, uint32_t random);

#endif
