/* Reading and writing the framed line records of state and outbox files. */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_frontegg/safe_file.h"
#include "record.h"

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

static enum pf_rc decode_lines(const struct pf_rec_kind *k, const char *text, size_t len, void *out,
			       unsigned *seen)
{
	const char *magic = k->magic;
	size_t mlen = strlen(magic), max = k->max, pos;
	char *copy, *line;
	enum pf_rc rc = PF_ERR_CORRUPT;

	if (len > max)
		return PF_ERR_TOOBIG;
	if (len < mlen + 5 || memchr(text, '\0', len) || strncmp(text, magic, mlen) != 0 ||
	    text[mlen] != '\n' || strncmp(text + len - 5, "\nend\n", 5) != 0)
		return PF_ERR_CORRUPT;
	if (len == mlen + 5)
		return PF_OK; /* no body lines */
	copy = strndup(text + mlen + 1, len - mlen - 6);
	if (copy == NULL)
		return PF_ERR_NOMEM;
	for (pos = 0, line = copy;; line = copy + pos) {
		char *tokens[PF_REC_MAX_TOKENS];
		char *nl = strchr(line, '\n');
		size_t n;

		if (nl)
			*nl = '\0';
		if (!tokenize(line, tokens, &n) || !k->line(tokens, n, out, seen))
			goto out;
		if (nl == NULL)
			break;
		pos = (size_t)(nl - copy) + 1;
	}
	rc = PF_OK;
out:
	free(copy);
	return rc;
}

enum pf_rc pf_rec_decode(const struct pf_rec_kind *k, const char *text, size_t len, void *out)
{
	unsigned seen = 0;
	enum pf_rc rc;

	memset(out, 0, k->zero_size);
	rc = decode_lines(k, text, len, out, &seen);
	if (rc == PF_OK && seen != k->all_keys)
		rc = PF_ERR_CORRUPT;
	if (rc != PF_OK)
		memset(out, 0, k->zero_size); /* half a record is no record */
	return rc;
}

enum pf_rc pf_rec_load(const struct pf_rec_kind *k, int dirfd, const char *name, uid_t owner,
		       void *out, char *why, size_t whysize)
{
	struct pf_file_rules rules = { 0007, owner, k->max };
	char *text = NULL;
	size_t len = 0;
	enum pf_rc rc;

	/* dirfd < 0: its directory could not be opened (logged there). */
	rc = dirfd < 0 ? PF_ERR_IO
		       : pf_read_file_checked(dirfd, name, &rules, &text, &len, why, whysize);
	if (rc != PF_OK) {
		memset(out, 0, k->zero_size); /* pf_rec_decode zeroes on every other path */
		return rc == PF_ERR_TOOBIG ? PF_ERR_CORRUPT : rc;
	}
	rc = pf_rec_decode(k, text, len, out);
	free(text);
	if (rc != PF_OK && why != NULL)
		snprintf(why, whysize, "corrupt");
	return rc;
}
