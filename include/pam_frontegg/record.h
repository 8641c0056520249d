/*
 * The line-based record format shared by state and outbox files: a magic
 * first line, "key value..." lines of single-space separated printable
 * tokens, and an "end" line, so truncation is always detected.
 *
 * A kind may allow a journal after "end": lines appended in place (one
 * write each) by later updates. A journal line is taken only when its
 * newline is there; a last line without one is an append cut short (a crash
 * or a full disk) and is left out, and reported through torn().
 * Private to lib/.
 */
#ifndef PAM_FRONTEGG_RECORD_H
#define PAM_FRONTEGG_RECORD_H

#include <sys/types.h>

#include "common.h"

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

/*
 * One kind of record. line() takes one body line into out and sets the bit
 * of its key in *seen (false when the line is wrong or its key repeats); a
 * record is whole when *seen == all_keys.
 */
struct pf_rec_kind {
	const char *magic;
	size_t max;
	unsigned all_keys;
	size_t out_size;
	size_t zero_size; /* the leading bytes of out a decode starts from zero */
	bool (*line)(char **tokens, size_t n, void *out, unsigned *seen);
	/* NULL: nothing may follow "end". Otherwise takes one journal line. */
	bool (*journal)(char **tokens, size_t n, void *out);
	void (*torn)(void *out); /* the journal's last line was cut short */
};

/* Marks key bit in *seen; false when it was already there. */
bool pf_rec_once(unsigned *seen, unsigned bit);

/*
 * Checks the frame (size, magic, "end"), decodes every line into out,
 * checks every key was there, then applies the journal, if the kind has one. PF_ERR_TOOBIG over max, PF_ERR_CORRUPT on any
 * defect; out is zeroed unless PF_OK.
 */
enum pf_rc pf_rec_decode(const struct pf_rec_kind *k, const char *text, size_t len, void *out);

/*
 * Reads dirfd/name safely (regular, not a link, owner root or owner, no
 * access for others) and decodes it. PF_ERR_NOENT when absent; otherwise
 * why says what is wrong.
 */
enum pf_rc pf_rec_load(const struct pf_rec_kind *k, int dirfd, const char *name, uid_t owner,
		       void *out, char *why, size_t whysize);

/*
 * The reading half of pf_rec_load, for a descriptor the caller opened and
 * checked itself: reads fd from its current offset and decodes it.
 */
enum pf_rc pf_rec_read_fd(const struct pf_rec_kind *k, int fd, void *out, char *why,
			  size_t whysize);

#endif
