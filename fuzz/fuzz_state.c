/*
 * The state record (users/NAME): pf_state_parse and pf_state_format.
 *
 * 1. The input as a record. When it parses:
 *    - the struct is sane (n_fail <= PF_FAIL_RING, failure times ordered and
 *      not negative, fields non-empty printable tokens, cloud a known value,
 *      frontegg_id an id and identity an e-mail or id, or empty);
 *    - format succeeds and parse(format(s)) == s; format(s) is canonical:
 *      formatting the re-parsed struct gives the same bytes.
 * 2. The input as the bytes of a state the program could write: numbers as
 *    they come, fields through pf_field_copy, id and identity only when lib/
 *    classifies them as such. Then a sequence of policy operations (failures,
 *    expiry, admin lock, clear) driven by the rest of the input. After every
 *    step the record must format and read back unchanged: whatever the
 *    lockout code stores, the store can read again (else a user's record
 *    would turn "corrupt" and be reset, losing a lock). A failure that
 *    neither starts nor ends a lock, appended as a journal line to the
 *    record as it was, must read back as the very state a rewrite stores.
 */
#include "autoconfig.h"

#include <string.h>

#include "fuzz_util.h"
#include "pam_frontegg/policy.h"
#include "pam_frontegg/state.h"
#include "pam_frontegg/usermap.h"

#define NOW_MAX ((int64_t)1 << 40) /* some 35000 years: any clock we will meet */

static char buf[PF_STATE_MAX_SIZE];
static char buf2[PF_STATE_MAX_SIZE];
static char before_text[PF_STATE_MAX_SIZE + 256];

static void check_field(const char *f, size_t size)
{
	size_t n = strnlen(f, size);

	FZ_CHECK(n > 0 && n < size);
	FZ_CHECK(fz_token(f));
}

static void check_sane(const struct pf_user_state *s)
{
	FZ_CHECK(s->n_fail <= PF_FAIL_RING);
	for (unsigned i = 0; i < s->n_fail; i++) {
		const struct pf_failure *f = &s->fail[i];
		FZ_CHECK(f->when >= 0);
		FZ_CHECK(i == 0 || f->when >= s->fail[i - 1].when);
		check_field(f->service, sizeof(f->service));
		check_field(f->rhost, sizeof(f->rhost));
		check_field(f->tty, sizeof(f->tty));
	}
	FZ_CHECK(s->lock_since >= 0 && s->lock_until >= 0 && s->cloud_pushed_at >= 0 &&
		 s->cloud_checked_at >= 0 && s->push_last_at >= 0);
	FZ_CHECK(s->cloud == PF_CLOUD_UNKNOWN || s->cloud == PF_CLOUD_UNLOCKED ||
		 s->cloud == PF_CLOUD_LOCKED || s->cloud == PF_CLOUD_ABSENT);
	FZ_CHECK(strnlen(s->frontegg_id, sizeof(s->frontegg_id)) < sizeof(s->frontegg_id));
	FZ_CHECK(strnlen(s->identity, sizeof(s->identity)) < sizeof(s->identity));
	FZ_CHECK(s->frontegg_id[0] == '\0' || pf_ident_classify(s->frontegg_id) == PF_IDENT_ID);
	FZ_CHECK(s->identity[0] == '\0' || pf_ident_classify(s->identity) != PF_IDENT_NONE);
	/* The id goes into URL paths: never anything that walks them. */
	FZ_CHECK(strpbrk(s->frontegg_id, "/.%?#") == NULL);
}

static void check_equal(const struct pf_user_state *a, const struct pf_user_state *b)
{
	FZ_CHECK(a->failures_total == b->failures_total);
	FZ_CHECK(a->n_fail == b->n_fail);
	for (unsigned i = 0; i < a->n_fail && i < PF_FAIL_RING; i++) {
		FZ_CHECK(a->fail[i].when == b->fail[i].when);
		FZ_CHECK(strcmp(a->fail[i].service, b->fail[i].service) == 0);
		FZ_CHECK(strcmp(a->fail[i].rhost, b->fail[i].rhost) == 0);
		FZ_CHECK(strcmp(a->fail[i].tty, b->fail[i].tty) == 0);
	}
	FZ_CHECK(a->lock_since == b->lock_since && a->lock_until == b->lock_until);
	FZ_CHECK(a->cloud_lock_pushed == b->cloud_lock_pushed);
	FZ_CHECK(a->cloud_pushed_at == b->cloud_pushed_at);
	FZ_CHECK(a->cloud == b->cloud && a->cloud_checked_at == b->cloud_checked_at);
	FZ_CHECK(strcmp(a->frontegg_id, b->frontegg_id) == 0);
	FZ_CHECK(strcmp(a->identity, b->identity) == 0);
	FZ_CHECK(a->push_attempts == b->push_attempts && a->push_last_at == b->push_last_at);
}

/* format -> parse must give s back; returns the formatted length. */
static size_t round_trip(const struct pf_user_state *s)
{
	struct pf_user_state again;
	size_t len = pf_state_format(s, buf2, sizeof(buf2));

	FZ_CHECK(len > 0 && len < sizeof(buf2) && len == strlen(buf2));
	FZ_CHECK(pf_state_parse(buf2, len, &again) == PF_OK);
	check_equal(s, &again);
	return len;
}

static void parse_record(const uint8_t *data, size_t size)
{
	struct pf_user_state s, again;
	enum pf_rc rc = pf_state_parse((const char *)data, size, &s);
	size_t len;

	FZ_CHECK(rc == PF_OK || rc == PF_ERR_CORRUPT || rc == PF_ERR_TOOBIG);
	if (rc != PF_OK) {
		/* A refused record leaves nothing half-filled behind. */
		FZ_CHECK(s.n_fail == 0 && s.failures_total == 0 && s.identity[0] == '\0');
		return;
	}
	FZ_CHECK(size <= PF_STATE_MAX_SIZE);
	check_sane(&s);
	len = pf_state_format(&s, buf, sizeof(buf));
	FZ_CHECK(len > 0);
	FZ_CHECK(pf_state_parse(buf, len, &again) == PF_OK);
	check_equal(&s, &again);
	/* Canonical: the re-read record formats to the very same bytes. */
	FZ_CHECK(round_trip(&again) == len && memcmp(buf, buf2, len) == 0);
}

/* The record as it was, plus the failure just recorded as a journal line. */
static void check_journal(const struct pf_user_state *s, size_t before_len)
{
	struct pf_user_state again;
	size_t n;

	if (before_len == 0 || s->n_fail == 0)
		return;
	n = pf_failure_format(&s->fail[s->n_fail - 1], before_text + before_len,
			      sizeof(before_text) - before_len);
	FZ_CHECK(n > 0);
	if (before_len + n > PF_STATE_MAX_SIZE)
		return; /* the store rewrites instead */
	FZ_CHECK(pf_state_parse(before_text, before_len + n, &again) == PF_OK);
	check_equal(s, &again);
}

/* Consumes the input from the front. */
struct reader {
	const uint8_t *p;
	size_t n;
};

static uint64_t take_u64(struct reader *r, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && r->n > 0; i++, r->p++, r->n--)
		v = v << 8 | *r->p;
	return v;
}

static int64_t take_time(struct reader *r)
{
	return (int64_t)(take_u64(r, 5) % (uint64_t)NOW_MAX);
}

/* A string of up to max bytes (length first); NULs end it early. */
static void take_string(struct reader *r, char *dst, size_t max)
{
	size_t len = (size_t)take_u64(r, 1) % (max + 1);

	if (len > r->n)
		len = r->n;
	memcpy(dst, r->p, len);
	dst[len] = '\0';
	r->p += len;
	r->n -= len;
}

static void build_state(struct reader *r, struct pf_user_state *s)
{
	char text[PF_IDENT_MAX + 1];
	int64_t when = 0;

	memset(s, 0, sizeof(*s));
	s->failures_total = take_u64(r, 8);
	s->lock_since = take_time(r);
	s->lock_until = take_time(r);
	s->cloud = (enum pf_cloud_seen)(take_u64(r, 1) % 4);
	s->cloud_checked_at = take_time(r);
	s->cloud_lock_pushed = take_u64(r, 1) & 1;
	s->cloud_pushed_at = take_time(r);
	s->push_attempts = (unsigned)take_u64(r, 4);
	s->push_last_at = take_time(r);
	/* What lockout.c and the helper store: a value lib/ calls an id / identity. */
	take_string(r, text, PF_ID_MAX);
	if (pf_ident_classify(text) == PF_IDENT_ID)
		memcpy(s->frontegg_id, text, strlen(text) + 1);
	take_string(r, text, PF_IDENT_MAX);
	if (pf_ident_classify(text) != PF_IDENT_NONE)
		memcpy(s->identity, text, strlen(text) + 1);
	s->n_fail = (unsigned)(take_u64(r, 1) % (PF_FAIL_RING + 1));
	for (unsigned i = 0; i < s->n_fail; i++) {
		struct pf_failure *f = &s->fail[i];
		when += (int64_t)take_u64(r, 2);
		f->when = when;
		take_string(r, text, PF_RHOST_MAX + 8);
		pf_field_copy(f->service, sizeof(f->service), text);
		take_string(r, text, PF_RHOST_MAX + 8);
		pf_field_copy(f->rhost, sizeof(f->rhost), text);
		take_string(r, text, PF_RHOST_MAX + 8);
		pf_field_copy(f->tty, sizeof(f->tty), text);
	}
}

static void run_policy(struct reader *r, struct pf_user_state *s)
{
	struct pf_policy p;
	int64_t now = take_time(r);

	p.exempt = take_u64(r, 1) & 1;
	p.deny = 1 + (unsigned)(take_u64(r, 1) % PF_DENY_MAX);
	p.fail_interval = 1 + (unsigned)(take_u64(r, 3) % PF_INTERVAL_MAX);
	p.unlock_time = (unsigned)(take_u64(r, 3) % (PF_INTERVAL_MAX + 1));

	for (unsigned step = 0; step < 64 && r->n > 0; step++) {
		unsigned op = (unsigned)take_u64(r, 1);
		struct pf_failure f;
		char text[PF_RHOST_MAX + 9];

		/* The clock mostly moves on, and sometimes steps back. */
		if (op & 0x80)
			now -= (int64_t)take_u64(r, 2);
		else
			now += (int64_t)take_u64(r, 2);
		if (now < 1)
			now = 1; /* 0 means "never" in the record */
		switch (op & 3) {
		case 0: {
			enum pf_failure_outcome o;
			unsigned before = s->n_fail;
			size_t before_len;
			bool lock_ends;
			memset(&f, 0, sizeof(f));
			f.when = now;
			take_string(r, text, sizeof(text) - 1);
			pf_field_copy(f.service, sizeof(f.service), text);
			take_string(r, text, sizeof(text) - 1);
			pf_field_copy(f.rhost, sizeof(f.rhost), text);
			take_string(r, text, sizeof(text) - 1);
			pf_field_copy(f.tty, sizeof(f.tty), text);
			before_len = pf_state_format(s, before_text, PF_STATE_MAX_SIZE);
			lock_ends = s->lock_since != 0 && !pf_host_locked(s, now);
			o = pf_record_failure(s, &p, &f);
			if (!lock_ends && o != PF_FAIL_LOCKED_NOW)
				check_journal(s, before_len);
			FZ_CHECK(o == PF_FAIL_COUNTED || o == PF_FAIL_LOCKED_NOW ||
				 o == PF_FAIL_WHILE_LOCKED || o == PF_FAIL_EXEMPT);
			FZ_CHECK(s->n_fail >= 1 && s->n_fail <= PF_FAIL_RING);
			FZ_CHECK(s->n_fail <= before + 1);
			if (o == PF_FAIL_LOCKED_NOW)
				FZ_CHECK(pf_host_locked(s, now) && s->lock_since == now);
			if (p.exempt)
				FZ_CHECK(o == PF_FAIL_EXEMPT);
			FZ_CHECK(pf_recent_failures(s, &p, now) <= s->n_fail);
			break;
		}
		case 1:
			if (pf_expire_lock(s, now))
				FZ_CHECK(s->lock_since == 0 && s->n_fail == 0);
			break;
		case 2:
			pf_lock_by_admin(s, now);
			FZ_CHECK(pf_host_locked(s, now));
			break;
		default:
			pf_clear_tally(s);
			FZ_CHECK(!pf_host_locked(s, now) && s->n_fail == 0);
			break;
		}
		check_sane(s);
		round_trip(s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct pf_user_state s;

	parse_record(data, size);

	build_state(&r, &s);
	check_sane(&s);
	round_trip(&s);
	run_policy(&r, &s);
	return 0;
}
