/*
 * The line-based record format shared by state and outbox files: a magic
 * first line, "key value..." lines of single-space separated printable
 * tokens, and a final "end" line, so truncation is always detected.
 * Private to core/.
 */
#ifndef PAM_FRONTEGG_CORE_RECORD_H
#define PAM_FRONTEGG_CORE_RECORD_H

#include "pam_frontegg/common.h"

#define PF_REC_MAX_TOKENS 6

struct pf_record_writer {
	char *buf;
	size_t size;
	size_t used;
	bool ok; /* false once anything did not fit */
};

void pf_rec_printf(struct pf_record_writer *w, const char *fmt, ...) PF_PRINTF(2, 3);

bool pf_rec_time(const char *tok, int64_t *out); /* decimal, 0..INT64_MAX */
bool pf_rec_u64(const char *tok, uint64_t *out);
bool pf_rec_uint(const char *tok, unsigned *out);
bool pf_rec_hex64(const char *tok, uint64_t *out); /* exactly 16 lowercase hex digits */

typedef bool (*pf_rec_line_fn)(char **tokens, size_t n, void *arg);

/*
 * Checks the frame (size, magic, "end") and hands each body line, split into
 * tokens, to fn. PF_ERR_TOOBIG over max, PF_ERR_CORRUPT on any defect.
 */
enum pf_rc pf_rec_parse(const char *text, size_t len, const char *magic, size_t max,
			pf_rec_line_fn fn, void *arg);

#endif
