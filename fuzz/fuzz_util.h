/*
 * Shared by the libFuzzer targets: the entry point's prototype, an invariant
 * check that aborts (libFuzzer reports the input), a silent logger that
 * still checks every line it is handed, and small copying helpers.
 *
 * Targets (but fuzz_auth, in a private directory) do no file or network
 * I/O, and they free everything they allocate, so
 * LeakSanitizer can run on every input.
 */
#ifndef PF_FUZZ_UTIL_H
#define PF_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_frontegg/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond)                                                                             \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* True when s is only printable ASCII (0x20..0x7e). */
static inline int fz_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* True when s holds no control character (< 0x20, 0x7f); other bytes pass. */
static inline int fz_no_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

/* True when s is printable ASCII without blanks (0x21..0x7e). */
static inline int fz_token(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/*
 * The logger: drops every line, but first checks what pf_log promises: a
 * line is sanitised (no control characters, no non-ASCII) and shorter than
 * PF_LOG_LINE_MAX, so no text from a file or a server can forge a log line.
 */
static inline void fz_emit(void *ctx, int priority, const char *line)
{
	(void)ctx;
	FZ_CHECK(priority >= LOG_EMERG && priority <= LOG_DEBUG);
	FZ_CHECK(strlen(line) < PF_LOG_LINE_MAX);
	FZ_CHECK(fz_printable(line));
}

static const struct pf_logger fz_logger = { fz_emit, NULL, true };

/* A NUL-terminated heap copy of data (embedded NULs end the string early). */
static inline char *fz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
