/*
 * Logging without knowing where the lines go: the module hands in pam_syslog,
 * the helper stderr and syslog. Every line is sanitised here, once, so text
 * from users, files or servers can never forge a log line.
 */
#ifndef PAM_FRONTEGG_LOG_H
#define PAM_FRONTEGG_LOG_H

#include <stdarg.h>
#include <syslog.h>

#include "common.h"

/* Longest log line; longer ones are cut, never split. */
#define PF_LOG_LINE_MAX 1024

struct pf_logger {
	void (*emit)(void *ctx, int priority, const char *line);
	void *ctx;
	bool debug; /* LOG_DEBUG lines are dropped unless set */
};

void pf_log(const struct pf_logger *log, int priority, const char *fmt, ...) PF_PRINTF(3, 4);
void pf_vlog(const struct pf_logger *log, int priority, const char *fmt, va_list ap)
    PF_PRINTF(3, 0);

/*
 * Formats t (seconds since the epoch) as ISO 8601 UTC, "2026-11-25T21:40:07Z",
 * the one time format of log lines and admin output; "-" for 0. Returns buf
 * (size >= 21 for a time).
 */
const char *pf_iso8601(int64_t t, char *buf, size_t size);

/*
 * Copies src into dst (size > 0), replacing control characters and non-ASCII
 * bytes with '?', cutting at dstsize - 1. Returns dst.
 */
char *pf_sanitize(char *dst, size_t dstsize, const char *src);

#endif
