/*
 * The rate-limit memory every frontegg-lockout process of the host shares:
 * after a 429, no process asks Frontegg again before the reset time, so a
 * login takes its failmode path at once and a sync skips, instead of each
 * of them spending its own request to learn the same thing.
 *
 *   pam_frontegg-ratelimit 1
 *   until 1764106867000        epoch ms, wall clock
 *   end
 *
 * Written with pf_write_atomic (mode 0600) in the state directory, read
 * through pf_open_checked (regular, root-owned, no group/other access). A
 * missing or unreadable file means "no limit known": it can only ever delay
 * requests, never allow more.
 */
#ifndef PF_FG_RATE_MEMORY_H
#define PF_FG_RATE_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#define FG_RATE_FILE_MAX 128

/* The text of the file for until_ms (0 when buf is too small). */
size_t fg_rate_format(int64_t until_ms, char *buf, size_t size);
/* Parses it; false on anything else. */
bool fg_rate_parse(const char *text, size_t len, int64_t *until_ms);

/* The recorded reset time (epoch ms), or 0 when none is known. */
int64_t fg_rate_recall(int dirfd, const char *name);
/* Records until_ms unless a later one is already there; false when it cannot be written. */
bool fg_rate_remember(int dirfd, const char *name, int64_t until_ms);

#endif
