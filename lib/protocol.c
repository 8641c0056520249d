/* Formatting and parsing of the module <-> helper reply lines. */
#include "autoconfig.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_frontegg/protocol.h"
#include "pam_frontegg/record.h"

static size_t fit(int n, size_t size)
{
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

size_t pf_reply_check_format(const struct pf_check *c, char *buf, size_t size)
{
	if (c->verdict == PF_VERDICT_HOST_LOCKED)
		return fit(snprintf(buf, size, "host-locked %lld\n", (long long)c->lock_until),
			   size);
	return fit(snprintf(buf, size, "%s\n", pf_verdict_str(c->verdict)), size);
}

/* Splits "word [number]\n" into word and number; false when malformed. */
static bool split_reply(const char *line, char *word, size_t wsize, int64_t *num, bool *has_num)
{
	char copy[PF_REPLY_MAX];
	char *sp;
	size_t len = strcspn(line, "\n");

	if (len == 0 || len >= sizeof(copy) || (line[len] == '\n' && line[len + 1] != '\0'))
		return false;
	memcpy(copy, line, len);
	copy[len] = '\0';
	sp = strchr(copy, ' ');
	*has_num = sp != NULL;
	if (sp) {
		*sp = '\0';
		if (!pf_rec_time(sp + 1, num))
			return false;
	}
	if (strlen(copy) >= wsize)
		return false;
	strcpy(word, copy);
	return true;
}

enum pf_rc pf_reply_check_parse(const char *line, struct pf_check *out)
{
	static const enum pf_verdict plain[] = { PF_VERDICT_ALLOW, PF_VERDICT_CLOUD_LOCKED,
						 PF_VERDICT_CLOUD_STALE, PF_VERDICT_ERROR };
	char word[32];
	int64_t num = 0;
	bool has_num;

	memset(out, 0, sizeof(*out));
	if (!split_reply(line, word, sizeof(word), &num, &has_num))
		return PF_ERR_CORRUPT;
	if (strcmp(word, "host-locked") == 0 && has_num) {
		out->verdict = PF_VERDICT_HOST_LOCKED;
		out->lock_until = num;
		return PF_OK;
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]) && !has_num; i++) {
		if (strcmp(word, pf_verdict_str(plain[i])) == 0) {
			out->verdict = plain[i];
			return PF_OK;
		}
	}
	return PF_ERR_CORRUPT;
}

static const char *const outcome_words[] = { "counted", "locked", "while-locked", "exempt" };

size_t pf_reply_failure_format(const struct pf_failure_result *r, char *buf, size_t size)
{
	long long n = r->outcome == PF_FAIL_LOCKED_NOW ? (long long)r->lock_until
						       : (long long)r->recent_failures;

	if ((unsigned)r->outcome >= sizeof(outcome_words) / sizeof(outcome_words[0]))
		return 0;
	return fit(snprintf(buf, size, "%s %lld\n", outcome_words[r->outcome], n), size);
}

enum pf_rc pf_reply_failure_parse(const char *line, struct pf_failure_result *out)
{
	char word[32];
	int64_t num = 0;
	bool has_num;

	memset(out, 0, sizeof(*out));
	if (!split_reply(line, word, sizeof(word), &num, &has_num) || !has_num)
		return PF_ERR_CORRUPT;
	for (size_t i = 0; i < sizeof(outcome_words) / sizeof(outcome_words[0]); i++) {
		if (strcmp(word, outcome_words[i]) != 0)
			continue;
		out->outcome = (enum pf_failure_outcome)i;
		if (out->outcome == PF_FAIL_LOCKED_NOW)
			out->lock_until = num;
		else if (num <= PF_FAIL_RING)
			out->recent_failures = (unsigned)num;
		else
			return PF_ERR_CORRUPT;
		return PF_OK;
	}
	return PF_ERR_CORRUPT;
}

size_t pf_event_format(const struct pf_auth_event *ev, char *buf, size_t size)
{
	struct pf_failure f;

	pf_field_copy(f.service, sizeof(f.service), ev->service);
	pf_field_copy(f.rhost, sizeof(f.rhost), ev->rhost);
	pf_field_copy(f.tty, sizeof(f.tty), ev->tty);
	return fit(snprintf(buf, size, "service=%s\nrhost=%s\ntty=%s\n", f.service, f.rhost, f.tty),
		   size);
}

/* Copies the value of "key=" from its line into dst (sanitised). */
static bool take_value(const char *text, size_t len, const char *key, char *dst, size_t size)
{
	size_t klen = strlen(key), pos = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		char value[PF_EVENT_MAX];

		pos += n + 1;
		if (n <= klen || strncmp(line, key, klen) != 0 || line[klen] != '=')
			continue;
		n -= klen + 1;
		if (n >= sizeof(value) || memchr(line + klen + 1, '\0', n))
			return false;
		memcpy(value, line + klen + 1, n);
		value[n] = '\0';
		pf_field_copy(dst, size, value);
		return true;
	}
	pf_field_copy(dst, size, "");
	return true;
}

enum pf_rc pf_event_parse(const char *text, size_t len, struct pf_failure *out)
{
	memset(out, 0, sizeof(*out));
	if (len > PF_EVENT_MAX)
		return PF_ERR_TOOBIG;
	if (!take_value(text, len, "service", out->service, sizeof(out->service)) ||
	    !take_value(text, len, "rhost", out->rhost, sizeof(out->rhost)) ||
	    !take_value(text, len, "tty", out->tty, sizeof(out->tty)))
		return PF_ERR_CORRUPT;
	return PF_OK;
}
