/* The shared rate-limit memory (rate_memory.h). */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam_frontegg/safe_file.h"
#include "rate_memory.h"

#define RATE_MAGIC "pam_frontegg-ratelimit 1"

size_t fg_rate_format(int64_t until_ms, char *buf, size_t size)
{
	int n = snprintf(buf, size, RATE_MAGIC "\nuntil %" PRId64 "\nend\n", until_ms);

	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

bool fg_rate_parse(const char *text, size_t len, int64_t *until_ms)
{
	char copy[FG_RATE_FILE_MAX], again[FG_RATE_FILE_MAX];
	long long v;
	int end = 0;

	if (len == 0 || len >= sizeof(copy) || memchr(text, '\0', len) != NULL)
		return false;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (sscanf(copy, RATE_MAGIC "\nuntil %lld\nend\n%n", &v, &end) != 1 || v <= 0)
		return false;
	/* Only the canonical form: what fg_rate_format writes, byte for byte. */
	if (fg_rate_format((int64_t)v, again, sizeof(again)) != len ||
	    memcmp(again, copy, len) != 0)
		return false;
	*until_ms = (int64_t)v;
	return true;
}

int64_t fg_rate_recall(int dirfd, const char *name)
{
	const struct pf_file_rules rules = { .forbidden_mode = 077,
					     .extra_owner = geteuid(),
					     .max_size = FG_RATE_FILE_MAX };
	char why[160];
	char *text = NULL;
	size_t len = 0;
	int64_t until = 0;

	if (dirfd < 0 || name == NULL ||
	    pf_read_file_checked(dirfd, name, &rules, &text, &len, why, sizeof(why)) != PF_OK)
		return 0;
	if (!fg_rate_parse(text, len, &until))
		until = 0;
	free(text);
	return until;
}

bool fg_rate_remember(int dirfd, const char *name, int64_t until_ms)
{
	char buf[FG_RATE_FILE_MAX];
	size_t len;

	if (dirfd < 0 || name == NULL)
		return false;
	if (fg_rate_recall(dirfd, name) >= until_ms)
		return true; /* another process knows a later reset */
	len = fg_rate_format(until_ms, buf, sizeof(buf));
	return len > 0 && pf_write_atomic(dirfd, name, buf, len, 0600) == PF_OK;
}
