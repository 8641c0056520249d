/*
 * The Frontegg client's response parsers (helper/frontegg/json.h) and the
 * RFC 3339 parser for X-Rate-Limit-Reset (helper/frontegg/rfc3339.h). A
 * hostile network or a compromised cloud controls these bytes.
 *
 * Every input is handed to every parser, as the body of each response kind:
 *  - token: a token that parses is 1..FG_TOKEN_MAX header-safe characters,
 *    expiresIn in 0..FG_EXPIRES_MAX; on failure no token is returned;
 *  - user: the id passes
 *    fg_id_valid, lib/ classifies it as an id, and it survives the state
 *    record (frontegg_id is stored there) unchanged; the e-mail is 1..
 *    PF_IDENT_MAX bytes without control characters, or "" when it has none;
 *  - error body: errorCode and message are terminated, fit and are
 *    printable (they go to logs);
 *  - reset link: https://, no control characters, fits the buffer; a
 *    buffer too small gives FG_TOO_BIG and an empty string;
 *  - RFC 3339: the input as a C string; when it parses, the result equals
 *    timegm() of the same fields (a differential check), and the date
 *    really exists.
 * The body is passed without a terminating NUL, so ASan catches any read
 * past its end.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "frontegg/json.h"
#include "frontegg/rfc3339.h"
#include "fuzz_util.h"
#include "pam_frontegg/safe_file.h"
#include "pam_frontegg/state.h"
#include "pam_frontegg/usermap.h"

static void check_user(const struct fg_user *u)
{
	struct pf_user_state s, again;
	static char buf[PF_STATE_MAX_SIZE];
	size_t idlen = strnlen(u->id, sizeof(u->id)), elen = strnlen(u->email, sizeof(u->email));
	size_t len;

	FZ_CHECK(idlen >= 1 && idlen <= PF_ID_MAX);
	FZ_CHECK(fg_id_valid(u->id));
	FZ_CHECK(elen <= PF_IDENT_MAX && fz_no_control(u->email)); /* "" when it has none */
	/* Core agrees it is an id ... */
	FZ_CHECK(pf_ident_classify(u->id) == PF_IDENT_ID);
	/* ... and the state record keeps it as the helper stores it. */
	memset(&s, 0, sizeof(s));
	memcpy(s.frontegg_id, u->id, idlen + 1);
	len = pf_state_format(&s, buf, sizeof(buf));
	FZ_CHECK(len > 0);
	FZ_CHECK(pf_state_parse(buf, len, &again) == PF_OK);
	FZ_CHECK(strcmp(again.frontegg_id, u->id) == 0);
}

static void check_token(const uint8_t *data, size_t size)
{
	static char sentinel;
	char *token = &sentinel;
	int64_t exp = -1;
	enum fg_result r = fg_json_token((const char *)data, size, &token, &exp);

	if (r != FG_OK) {
		FZ_CHECK(r == FG_BAD_RESPONSE);
		FZ_CHECK(token == NULL);
		return;
	}
	FZ_CHECK(token != NULL && fg_token_chars_ok(token));
	FZ_CHECK(strlen(token) <= FG_TOKEN_MAX);
	FZ_CHECK(exp >= 0 && exp <= FG_EXPIRES_MAX);
	pf_wipe(token, strlen(token));
	free(token);
}

static void check_single_user(const uint8_t *data, size_t size)
{
	struct fg_user u;

	memset(&u, 'X', sizeof(u));
	if (fg_json_user((const char *)data, size, &u) == FG_OK)
		check_user(&u);
}

static void check_error(const uint8_t *data, size_t size)
{
	struct fg_error err;

	memset(&err, 'X', sizeof(err));
	err.http_status = 429;
	fg_json_error((const char *)data, size, &err);
	FZ_CHECK(err.http_status == 429);
	FZ_CHECK(memchr(err.error_code, '\0', sizeof(err.error_code)) != NULL);
	FZ_CHECK(memchr(err.message, '\0', sizeof(err.message)) != NULL);
	FZ_CHECK(fz_printable(err.error_code) && fz_printable(err.message));
	/* The caller's trace id (from a header) is left alone. */
	FZ_CHECK(err.trace_id[0] == 'X' && err.trace_id[sizeof(err.trace_id) - 1] == 'X');
}

static void check_reset_link(const uint8_t *data, size_t size)
{
	char big[2048], small[32];
	enum fg_result rb = fg_json_reset_link((const char *)data, size, big, sizeof(big));
	enum fg_result rs = fg_json_reset_link((const char *)data, size, small, sizeof(small));

	FZ_CHECK(rb == FG_OK || rb == FG_BAD_RESPONSE || rb == FG_TOO_BIG);
	if (rb != FG_OK)
		FZ_CHECK(big[0] == '\0');
	if (rs != FG_OK)
		FZ_CHECK(small[0] == '\0');
	if (rb == FG_BAD_RESPONSE)
		FZ_CHECK(rs == FG_BAD_RESPONSE);
	if (rb == FG_OK) {
		size_t n = strlen(big);
		FZ_CHECK(n < sizeof(big) && strncasecmp(big, "https://", 8) == 0);
		FZ_CHECK(fz_no_control(big));
		FZ_CHECK(n < sizeof(small) ? rs == FG_OK && strcmp(small, big) == 0
					   : rs == FG_TOO_BIG);
	}
}

static bool digit_at(const char *s, size_t i, size_t n)
{
	for (size_t k = i; k < i + n; k++)
		if (s[k] < '0' || s[k] > '9')
			return false;
	return true;
}

static unsigned num_at(const char *s, size_t i, size_t n)
{
	unsigned v = 0;

	for (size_t k = i; k < i + n; k++)
		v = v * 10 + (unsigned)(s[k] - '0');
	return v;
}

/* When fg_rfc3339_parse accepted s: does it hold up against timegm()? */
static void check_rfc3339(const uint8_t *data, size_t size)
{
	char *s = fz_cstr(data, size);
	int64_t ms = -1, expect;
	const char *p;
	struct tm tm, back;
	time_t t;
	unsigned frac = 0, nfrac = 0;
	int off = 0;

	if (!fg_rfc3339_parse(s, &ms)) {
		free(s);
		return;
	}
	/* The shape: YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+hh:mm|-hh:mm) */
	FZ_CHECK(strlen(s) >= 20);
	FZ_CHECK(digit_at(s, 0, 4) && s[4] == '-' && digit_at(s, 5, 2) && s[7] == '-' &&
		 digit_at(s, 8, 2) && (s[10] == 'T' || s[10] == 't') && digit_at(s, 11, 2) &&
		 s[13] == ':' && digit_at(s, 14, 2) && s[16] == ':' && digit_at(s, 17, 2));
	p = s + 19;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nfrac++)
			if (nfrac < 3)
				frac = frac * 10 + (unsigned)(*p - '0');
		FZ_CHECK(nfrac >= 1 && nfrac <= 9);
		for (unsigned i = nfrac; i < 3; i++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		FZ_CHECK(p[1] == '\0');
	} else {
		FZ_CHECK((*p == '+' || *p == '-') && strlen(p) == 6 && digit_at(p, 1, 2) &&
			 p[3] == ':' && digit_at(p, 4, 2));
		FZ_CHECK(num_at(p, 1, 2) <= 23 && num_at(p, 4, 2) <= 59);
		off = (int)(num_at(p, 1, 2) * 60 + num_at(p, 4, 2)) * (*p == '-' ? -1 : 1);
	}

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)num_at(s, 0, 4) - 1900;
	tm.tm_mon = (int)num_at(s, 5, 2) - 1;
	tm.tm_mday = (int)num_at(s, 8, 2);
	tm.tm_hour = (int)num_at(s, 11, 2);
	tm.tm_min = (int)num_at(s, 14, 2);
	tm.tm_sec = (int)num_at(s, 17, 2);
	FZ_CHECK(tm.tm_mon >= 0 && tm.tm_mon <= 11 && tm.tm_mday >= 1 && tm.tm_hour <= 23 &&
		 tm.tm_min <= 59 && tm.tm_sec <= 60);
	back = tm;
	t = timegm(&back);
	/* timegm normalises Feb 30 into March: the fields must survive. */
	if (tm.tm_sec < 60)
		FZ_CHECK(back.tm_year == tm.tm_year && back.tm_mon == tm.tm_mon &&
			 back.tm_mday == tm.tm_mday && back.tm_hour == tm.tm_hour &&
			 back.tm_min == tm.tm_min && back.tm_sec == tm.tm_sec);
	expect = ((int64_t)t - (int64_t)off * 60) * 1000 + (int64_t)frac;
	if (expect != ms) {
		fprintf(stderr, "rfc3339 \"%s\": parsed %lld, timegm says %lld\n", s, (long long)ms,
			(long long)expect);
		FZ_CHECK(expect == ms);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_token(data, size);
	check_single_user(data, size);
	check_error(data, size);
	check_reset_link(data, size);
	check_rfc3339(data, size);
	return 0;
}
