/* Sanitised logging through a caller-supplied sink. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pam_frontegg/log.h"

const char *pf_rc_str(enum pf_rc rc)
{
	switch (rc) {
	case PF_OK:
		return "ok";
	case PF_ERR_NOENT:
		return "not found";
	case PF_ERR_CORRUPT:
		return "corrupt";
	case PF_ERR_PERM:
		return "unsafe file or permission denied";
	case PF_ERR_IO:
		return "I/O error";
	case PF_ERR_INVAL:
		return "invalid value";
	case PF_ERR_NOMEM:
		return "out of memory";
	case PF_ERR_TOOBIG:
		return "too large";
	case PF_ERR_BUSY:
		return "busy";
	case PF_ERR_TIMEOUT:
		return "another process holds the user's lock";
	}
	return "unknown error";
}

char *pf_sanitize(char *dst, size_t dstsize, const char *src)
{
	size_t i = 0;

	if (dstsize == 0)
		return dst;
	for (; src && src[i] != '\0' && i + 1 < dstsize; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	dst[i] = '\0';
	return dst;
}

void pf_vlog(const struct pf_logger *log, int priority, const char *fmt, va_list ap)
{
	char raw[PF_LOG_LINE_MAX];
	char clean[PF_LOG_LINE_MAX];

	if (log == NULL || log->emit == NULL)
		return;
	if (priority == LOG_DEBUG && !log->debug)
		return;
	if (vsnprintf(raw, sizeof(raw), fmt, ap) < 0)
		return;
	log->emit(log->ctx, priority, pf_sanitize(clean, sizeof(clean), raw));
}

void pf_log(const struct pf_logger *log, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pf_vlog(log, priority, fmt, ap);
	va_end(ap);
}

const char *pf_iso8601(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "-");
	return buf;
}
