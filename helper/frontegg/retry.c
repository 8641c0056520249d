/* Retry and backoff decisions (pure). */
#include "autoconfig.h"

#include <string.h>

#include "retry.h"
#include "rfc3339.h"

bool fg_retry_retryable(enum fg_result r)
{
	return r == FG_NETWORK || r == FG_TIMEOUT || r == FG_SERVER_ERROR;
}

static int64_t backoff(unsigned attempt, uint32_t random)
{
	int64_t d = FG_RETRY_BASE_MS;

	for (unsigned i = 1; i < attempt && d < FG_RETRY_CAP_MS; i++)
		d *= 2;
	if (d > FG_RETRY_CAP_MS)
		d = FG_RETRY_CAP_MS;
	return d / 2 + (int64_t)(random % (uint32_t)(d / 2 + 1));
}

int64_t fg_rate_until(const char *header, int64_t now_wall_ms, uint32_t random)
{
	int64_t until;

	if (!fg_rate_reset_parse(header, now_wall_ms, &until) || until <= now_wall_ms)
		until = now_wall_ms + FG_RETRY_429_DEFAULT_MS +
			(int64_t)(random % (FG_RETRY_429_JITTER_MS + 1));
	else /* the jitter keeps a fleet from returning in the same millisecond */
		until += (int64_t)(random % (FG_RETRY_RESET_JITTER_MS + 1));
	if (until > now_wall_ms + FG_RETRY_429_MAX_MS)
		until = now_wall_ms + FG_RETRY_429_MAX_MS;
	return until;
}

int64_t fg_retry_delay(const struct fg_retry_input *in)
{
	int64_t wait;

	if (!fg_retry_retryable(in->result) || in->attempt == 0 ||
	    in->attempt >= FG_RETRY_MAX_ATTEMPTS)
		return -1;
	wait = backoff(in->attempt, in->random);
	if (in->now_ms + wait + FG_RETRY_MIN_WINDOW_MS > in->deadline_ms)
		return -1;
	return wait;
}

static bool all_digits(const char *s, size_t max)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= max && s[n] == '\0';
}

bool fg_rate_reset_parse(const char *value, int64_t now_wall_ms, int64_t *reset_wall_ms)
{
	int64_t secs = 0;

	if (value == NULL || value[0] == '\0')
		return false;
	if (fg_rfc3339_parse(value, reset_wall_ms))
		return true;
	if (!all_digits(value, 12))
		return false;
	for (const char *p = value; *p != '\0'; p++)
		secs = secs * 10 + (*p - '0');
	*reset_wall_ms = secs >= 1000000000 ? secs * 1000 : now_wall_ms + secs * 1000;
	return true;
}
