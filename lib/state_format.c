/*
 * The state record's text form. Strict on input: a record that is not
 * exactly what pf_state_format writes is corrupt, never half-trusted.
 *
 *   pam_frontegg-state 1
 *   failures 4
 *   lock 1700000000 1700000600
 *   cloud locked 1700000050
 *   pushed 1 1700000001
 *   id 6b3f...
 *   identity alice@example.com
 *   push 0 0
 *   fail 1700000000 sshd 192.0.2.7 ssh
 *   attempt 1700000020 sshd 192.0.2.7 ssh   (an attempt not settled yet)
 *   end
 *   fail 1700000030 sshd 192.0.2.7 ssh      (journal: appended later)
 *   cloud unlocked 1700000300               (journal)
 *   attempt 1700000040 sshd 192.0.2.7 ssh   (journal: counted before the password)
 *   settle 1700000040                       (journal: that attempt settled)
 */
#include "autoconfig.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_frontegg/policy.h"
#include "pam_frontegg/state.h"
#include "pam_frontegg/usermap.h"
#include "internal.h"
#include "pam_frontegg/record.h"

#define STATE_MAGIC "pam_frontegg-state 1"

static const char *const cloud_names[] = { "unknown", "unlocked", "locked", "absent" };

void pf_field_copy(char *dst, size_t size, const char *src)
{
	size_t i = 0;

	for (; src && src[i] && i + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = (c <= 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	if (i == 0 && size > 1)
		dst[i++] = '-';
	dst[i] = '\0';
}

static const char *or_dash(const char *s)
{
	return s[0] ? s : "-";
}

static void print_cloud(struct pf_record_writer *w, const struct pf_user_state *s)
{
	pf_rec_printf(w, "cloud %s %lld\n", cloud_names[s->cloud], (long long)s->cloud_checked_at);
}

static void print_event(struct pf_record_writer *w, const char *key, const struct pf_failure *f)
{
	pf_rec_printf(w, "%s %lld %s %s %s\n", key, (long long)f->when, f->service, f->rhost,
		      f->tty);
}

static void print_failure(struct pf_record_writer *w, const struct pf_failure *f)
{
	print_event(w, "fail", f);
}

size_t pf_state_format(const struct pf_user_state *s, char *buf, size_t size)
{
	struct pf_record_writer w = { buf, size, 0, true };

	pf_rec_printf(&w, "%s\n", STATE_MAGIC);
	pf_rec_printf(&w, "failures %llu\n", (unsigned long long)s->failures_total);
	pf_rec_printf(&w, "lock %lld %lld\n", (long long)s->lock_since, (long long)s->lock_until);
	print_cloud(&w, s);
	pf_rec_printf(&w, "pushed %d %lld\n", s->cloud_lock_pushed ? 1 : 0,
		      (long long)s->cloud_pushed_at);
	pf_rec_printf(&w, "id %s\n", or_dash(s->frontegg_id));
	pf_rec_printf(&w, "identity %s\n", or_dash(s->identity));
	pf_rec_printf(&w, "push %u %lld\n", s->push_attempts, (long long)s->push_last_at);
	for (unsigned i = 0; i < s->n_fail && i < PF_FAIL_RING; i++)
		print_failure(&w, &s->fail[i]);
	for (unsigned i = 0; i < s->n_attempt && i < PF_ATTEMPT_MAX; i++)
		print_event(&w, "attempt", &s->attempt[i]);
	pf_rec_printf(&w, "end\n");
	return w.ok ? w.used : 0;
}

size_t pf_cloud_format(const struct pf_user_state *s, char *buf, size_t size)
{
	struct pf_record_writer w = { buf, size, 0, true };

	print_cloud(&w, s);
	return w.ok ? w.used : 0;
}

size_t pf_failure_format(const struct pf_failure *f, char *buf, size_t size)
{
	struct pf_record_writer w = { buf, size, 0, true };

	print_failure(&w, f);
	return w.ok ? w.used : 0;
}

size_t pf_attempt_format(const struct pf_failure *f, char *buf, size_t size)
{
	struct pf_record_writer w = { buf, size, 0, true };

	print_event(&w, "attempt", f);
	return w.ok ? w.used : 0;
}

size_t pf_settle_format(int64_t when, char *buf, size_t size)
{
	struct pf_record_writer w = { buf, size, 0, true };

	pf_rec_printf(&w, "settle %lld\n", (long long)when);
	return w.ok ? w.used : 0;
}

/* Copies a printable, blank-free token of at most size - 1 bytes. */
static bool take_field(char *dst, size_t size, const char *tok)
{
	size_t len = strlen(tok);

	if (len == 0 || len >= size)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)tok[i] <= 0x20 || (unsigned char)tok[i] >= 0x7f)
			return false;
	memcpy(dst, tok, len + 1);
	return true;
}

static bool take_ident(char *dst, size_t size, const char *tok, enum pf_ident_kind want)
{
	if (strcmp(tok, "-") == 0) {
		dst[0] = '\0';
		return true;
	}
	if (!take_field(dst, size, tok))
		return false;
	return want == PF_IDENT_NONE ? pf_ident_classify(dst) != PF_IDENT_NONE
				     : pf_ident_classify(dst) == want;
}

static bool take_cloud(const char *tok, enum pf_cloud_seen *out)
{
	for (size_t i = 0; i < sizeof(cloud_names) / sizeof(cloud_names[0]); i++) {
		if (strcmp(tok, cloud_names[i]) == 0) {
			*out = (enum pf_cloud_seen)i;
			return true;
		}
	}
	return false;
}

static bool take_failure(char **t, size_t n, struct pf_failure *f)
{
	memset(f, 0, sizeof(*f));
	return n == 5 && pf_rec_time(t[1], &f->when) &&
	       take_field(f->service, sizeof(f->service), t[2]) &&
	       take_field(f->rhost, sizeof(f->rhost), t[3]) &&
	       take_field(f->tty, sizeof(f->tty), t[4]);
}

static bool in_order(const struct pf_user_state *s, const struct pf_failure *f)
{
	return s->n_fail == 0 || f->when >= s->fail[s->n_fail - 1].when;
}

/* A "fail" line in the record: the ring as written, so never over-full. */
static bool parse_fail(struct pf_user_state *s, char **t, size_t n)
{
	if (s->n_fail >= PF_FAIL_RING || !take_failure(t, n, &s->fail[s->n_fail]) ||
	    !in_order(s, &s->fail[s->n_fail]))
		return false;
	s->n_fail++;
	return true;
}

/* An "attempt" line in the record: the list as written, so never over-full. */
static bool parse_attempt(struct pf_user_state *s, char **t, size_t n)
{
	if (s->n_attempt >= PF_ATTEMPT_MAX || !take_failure(t, n, &s->attempt[s->n_attempt]))
		return false;
	s->n_attempt++;
	return true;
}

/* The journal's attempt bookkeeping: a new attempt, or one settled. */
static bool parse_attempt_journal(struct pf_user_state *s, char **t, size_t n)
{
	struct pf_failure f;
	int64_t when;

	if (strcmp(t[0], "settle") == 0) {
		if (n != 2 || !pf_rec_time(t[1], &when))
			return false;
		pf_settle_attempt(s, when); /* none left: a rewrite already folded it */
		return true;
	}
	if (!take_failure(t, n, &f))
		return false;
	pf_push_attempt(s, &f);
	return true;
}

/*
 * A journal line: a failure that happened after the record was written, an
 * attempt or its settlement, or a newer answer from Frontegg (a cache
 * update: the last one wins).
 */
static bool parse_journal_line(char **t, size_t n, void *out)
{
	struct pf_user_state *s = out;
	struct pf_failure f;

	if (s->journal_lines >= PF_JOURNAL_MAX)
		return false;
	if (strcmp(t[0], "attempt") == 0 || strcmp(t[0], "settle") == 0) {
		if (!parse_attempt_journal(s, t, n))
			return false;
	} else if (strcmp(t[0], "cloud") == 0) {
		if (n != 3 || !take_cloud(t[1], &s->cloud) ||
		    !pf_rec_time(t[2], &s->cloud_checked_at))
			return false;
	} else if (strcmp(t[0], "fail") != 0 || !take_failure(t, n, &f) || !in_order(s, &f)) {
		return false;
	} else {
		pf_push_failure(s, &f);
	}
	s->journal_lines++;
	return true;
}

static void journal_torn(void *out)
{
	((struct pf_user_state *)out)->journal_torn = true;
}

/* One line of a record: every key but "fail" exactly once. */
static bool parse_line(char **t, size_t n, void *out, unsigned *seen)
{
	static const char *const once[] = { "failures", "lock",     "cloud", "pushed",
					    "id",       "identity", "push" };
	struct pf_user_state *s = out;
	size_t k;

	if (strcmp(t[0], "fail") == 0)
		return parse_fail(s, t, n);
	if (strcmp(t[0], "attempt") == 0)
		return parse_attempt(s, t, n);
	for (k = 0; k < sizeof(once) / sizeof(once[0]); k++)
		if (strcmp(t[0], once[k]) == 0)
			break;
	if (k == sizeof(once) / sizeof(once[0]) || !pf_rec_once(seen, 1u << k))
		return false;
	switch (k) {
	case 0:
		return n == 2 && pf_rec_u64(t[1], &s->failures_total);
	case 1:
		return n == 3 && pf_rec_time(t[1], &s->lock_since) &&
		       pf_rec_time(t[2], &s->lock_until);
	case 2:
		return n == 3 && take_cloud(t[1], &s->cloud) &&
		       pf_rec_time(t[2], &s->cloud_checked_at);
	case 3:
		if (n != 3 || (strcmp(t[1], "0") != 0 && strcmp(t[1], "1") != 0))
			return false;
		s->cloud_lock_pushed = t[1][0] == '1';
		return pf_rec_time(t[2], &s->cloud_pushed_at);
	case 4:
		return n == 2 &&
		       take_ident(s->frontegg_id, sizeof(s->frontegg_id), t[1], PF_IDENT_ID);
	case 5:
		return n == 2 && take_ident(s->identity, sizeof(s->identity), t[1], PF_IDENT_NONE);
	default:
		return n == 3 && pf_rec_uint(t[1], &s->push_attempts) &&
		       pf_rec_time(t[2], &s->push_last_at);
	}
}

/* The failure ring (9 KiB) is filled as far as the record goes, never zeroed. */
const struct pf_rec_kind pf_state_kind = {
	.magic = STATE_MAGIC,
	.max = PF_STATE_MAX_SIZE,
	.all_keys = 0x7fu,
	.out_size = sizeof(struct pf_user_state),
	.zero_size = offsetof(struct pf_user_state, fail),
	.line = parse_line,
	.journal = parse_journal_line,
	.torn = journal_torn,
};

enum pf_rc pf_state_parse(const char *text, size_t len, struct pf_user_state *out)
{
	return pf_rec_decode(&pf_state_kind, text, len, out);
}
