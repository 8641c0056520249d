/* Reading and writing the framed line records of state and outbox files. */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam_frontegg/safe_file.h"
#include "pam_frontegg/record.h"

void pf_rec_printf(struct pf_record_writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!w->ok)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->used, w->size - w->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->size - w->used)
		w->ok = false;
	else
		w->used += (size_t)n;
}

static bool all_digits(const char *tok, size_t maxlen)
{
	size_t len = strlen(tok);

	if (len == 0 || len > maxlen || (len > 1 && tok[0] == '0'))
		return false;
	return strspn(tok, "0123456789") == len;
}

bool pf_rec_u64(const char *tok, uint64_t *out)
{
	unsigned long long v;

	if (!all_digits(tok, 20))
		return false;
	errno = 0;
	v = strtoull(tok, NULL, 10);
	if (errno != 0)
		return false;
	*out = (uint64_t)v;
	return true;
}

bool pf_rec_time(const char *tok, int64_t *out)
{
	uint64_t v;

	if (!pf_rec_u64(tok, &v) || v > (uint64_t)INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

bool pf_rec_uint(const char *tok, unsigned *out)
{
	uint64_t v;

	if (!pf_rec_u64(tok, &v) || v > 0xffffffffu)
		return false;
	*out = (unsigned)v;
	return true;
}

bool pf_rec_hex64(const char *tok, uint64_t *out)
{
	if (strlen(tok) != 16 || strspn(tok, "0123456789abcdef") != 16)
		return false;
	*out = (uint64_t)strtoull(tok, NULL, 16);
	return true;
}

/* Splits line (modified in place) at single spaces; false on empty tokens. */
static bool tokenize(char *line, char **tokens, size_t *n)
{
	*n = 0;
	for (char *p = line;;) {
		char *sp = strchr(p, ' ');
		if (*n == PF_REC_MAX_TOKENS)
			return false;
		tokens[(*n)++] = p;
		if (sp == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	for (size_t i = 0; i < *n; i++) {
		if (tokens[i][0] == '\0')
			return false;
		for (const char *c = tokens[i]; *c; c++)
			if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
				return false;
	}
	return true;
}

bool pf_rec_once(unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return false;
	*seen |= bit;
	return true;
}

typedef bool (*pf_line_fn)(char **tokens, size_t n, void *ctx);

/* Hands every line of text[0..len) (each ends in '\n') to fn, tokenized. */
static enum pf_rc each_line(const char *text, size_t len, pf_line_fn fn, void *ctx)
{
	char *copy, *line;
	enum pf_rc rc = PF_ERR_CORRUPT;

	if (len == 0)
		return PF_OK;
	copy = strndup(text, len);
	if (copy == NULL)
		return PF_ERR_NOMEM;
	for (line = copy; line < copy + len;) {
		char *tokens[PF_REC_MAX_TOKENS];
		char *nl = strchr(line, '\n');
		size_t n;

		*nl = '\0';
		if (!tokenize(line, tokens, &n) || !fn(tokens, n, ctx))
			goto out;
		line = nl + 1;
	}
	rc = PF_OK;
out:
	free(copy);
	return rc;
}

struct decode_ctx {
	const struct pf_rec_kind *kind;
	void *out;
	unsigned seen;
};

static bool body_line(char **tokens, size_t n, void *ctx)
{
	struct decode_ctx *c = ctx;

	return c->kind->line(tokens, n, c->out, &c->seen);
}

static bool journal_line(char **tokens, size_t n, void *ctx)
{
	struct decode_ctx *c = ctx;

	return c->kind->journal(tokens, n, c->out);
}

/* Where the record's "end" line ends, or 0 when the frame is wrong. */
static size_t frame_end(const struct pf_rec_kind *k, const char *text, size_t len)
{
	size_t mlen = strlen(k->magic);
	const char *end;

	if (len < mlen + 5 || strncmp(text, k->magic, mlen) != 0 || text[mlen] != '\n')
		return 0;
	end = memmem(text + mlen, len - mlen, "\nend\n", 5);
	return end ? (size_t)(end - text) + 5 : 0;
}

/* The length of the journal's whole lines: a last line without '\n' was cut short. */
static size_t whole_lines(const char *text, size_t len)
{
	const char *nl = len ? memrchr(text, '\n', len) : NULL;

	return nl ? (size_t)(nl - text) + 1 : 0;
}

static enum pf_rc decode_frame(const struct pf_rec_kind *k, const char *text, size_t len, void *out)
{
	struct decode_ctx ctx = { k, out, 0 };
	size_t body = strlen(k->magic) + 1, base = frame_end(k, text, len), journal;
	enum pf_rc rc;

	if (base == 0 || (base < len && k->journal == NULL))
		return PF_ERR_CORRUPT;
	journal = whole_lines(text + base, len - base);
	if (memchr(text, '\0', base + journal))
		return PF_ERR_CORRUPT;
	rc = each_line(text + body, base - 4 - body, body_line, &ctx);
	if (rc == PF_OK && ctx.seen != k->all_keys)
		rc = PF_ERR_CORRUPT;
	if (rc == PF_OK)
		rc = each_line(text + base, journal, journal_line, &ctx);
	if (rc == PF_OK && base + journal < len)
		k->torn(out);
	return rc;
}

enum pf_rc pf_rec_decode(const struct pf_rec_kind *k, const char *text, size_t len, void *out)
{
	enum pf_rc rc;

	memset(out, 0, k->zero_size);
	rc = len > k->max ? PF_ERR_TOOBIG : decode_frame(k, text, len, out);
	if (rc != PF_OK)
		memset(out, 0, k->zero_size); /* half a record is no record */
	return rc;
}

enum pf_rc pf_rec_read_fd(const struct pf_rec_kind *k, int fd, void *out, char *why, size_t whysize)
{
	char *text = NULL;
	size_t len = 0;
	enum pf_rc rc = pf_read_fd(fd, k->max, &text, &len);

	if (rc != PF_OK) {
		memset(out, 0, k->zero_size); /* pf_rec_decode zeroes on every other path */
		if (why != NULL && rc == PF_ERR_TOOBIG)
			snprintf(why, whysize, "larger than %zu bytes", k->max);
		else if (why != NULL)
			snprintf(why, whysize, "read failed: %s", pf_rc_str(rc));
		return rc == PF_ERR_TOOBIG ? PF_ERR_CORRUPT : rc;
	}
	rc = pf_rec_decode(k, text, len, out);
	free(text);
	if (rc != PF_OK && why != NULL)
		snprintf(why, whysize, "corrupt");
	return rc;
}

enum pf_rc pf_rec_load(const struct pf_rec_kind *k, int dirfd, const char *name, uid_t owner,
		       void *out, char *why, size_t whysize)
{
	struct pf_file_rules rules = { 0007, owner, k->max, NULL };
	enum pf_rc rc;
	int fd;

	/* dirfd < 0: its directory could not be opened (logged there). */
	rc = dirfd < 0 ? PF_ERR_IO : pf_open_checked(dirfd, name, &rules, &fd, why, whysize);
	if (rc != PF_OK) {
		memset(out, 0, k->zero_size);
		return rc == PF_ERR_TOOBIG ? PF_ERR_CORRUPT : rc;
	}
	rc = pf_rec_read_fd(k, fd, out, why, whysize);
	close(fd);
	return rc;
}
