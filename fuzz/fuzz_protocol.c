/*
 * The module <-> helper protocol (protocol.h): the reply lines the module
 * reads from the helper's stdout (pf_reply_check_parse,
 * pf_reply_failure_parse) and the failure event the helper reads on stdin
 * (pf_event_parse). The helper may be run by anyone and its output may be
 * garbage (a crashed or fake helper), so these must hold:
 *
 *  - a reply that parses has a known verdict/outcome, a lock time that is
 *    not negative, recent_failures <= PF_FAIL_RING; formatting it gives a
 *    line that parses to the same struct;
 *  - an event that parses has three non-empty blank-free printable fields
 *    (they go into the state record); formatting them as an event and
 *    parsing again gives the same fields.
 */
#include "autoconfig.h"

#include <string.h>

#include "fuzz_util.h"
#include "pam_frontegg/protocol.h"

static void check_reply(const char *line)
{
	struct pf_check c, c2;
	struct pf_failure_result r, r2;
	char buf[PF_REPLY_MAX];
	size_t n;

	if (pf_reply_check_parse(line, &c) == PF_OK) {
		FZ_CHECK(c.verdict == PF_VERDICT_ALLOW || c.verdict == PF_VERDICT_HOST_LOCKED ||
			 c.verdict == PF_VERDICT_CLOUD_LOCKED ||
			 c.verdict == PF_VERDICT_CLOUD_STALE || c.verdict == PF_VERDICT_ERROR);
		FZ_CHECK(c.lock_until >= 0);
		FZ_CHECK(c.verdict == PF_VERDICT_HOST_LOCKED || c.lock_until == 0);
		n = pf_reply_check_format(&c, buf, sizeof(buf));
		FZ_CHECK(n > 0 && buf[n - 1] == '\n');
		FZ_CHECK(pf_reply_check_parse(buf, &c2) == PF_OK);
		FZ_CHECK(c2.verdict == c.verdict && c2.lock_until == c.lock_until &&
			 c2.recent_failures == c.recent_failures);
	} else {
		FZ_CHECK(c.verdict == PF_VERDICT_ALLOW && c.lock_until == 0);
	}

	if (pf_reply_failure_parse(line, &r) == PF_OK) {
		FZ_CHECK(r.outcome == PF_FAIL_COUNTED || r.outcome == PF_FAIL_LOCKED_NOW ||
			 r.outcome == PF_FAIL_WHILE_LOCKED || r.outcome == PF_FAIL_EXEMPT);
		FZ_CHECK(r.lock_until >= 0 && r.recent_failures <= PF_FAIL_RING);
		FZ_CHECK(!r.push_queued);
		n = pf_reply_failure_format(&r, buf, sizeof(buf));
		FZ_CHECK(n > 0 && buf[n - 1] == '\n');
		FZ_CHECK(pf_reply_failure_parse(buf, &r2) == PF_OK);
		FZ_CHECK(r2.outcome == r.outcome && r2.lock_until == r.lock_until &&
			 r2.recent_failures == r.recent_failures);
	}
}

static void check_field(const char *f, size_t size)
{
	size_t n = strnlen(f, size);

	FZ_CHECK(n >= 1 && n < size && fz_token(f));
}

static void check_event(const uint8_t *data, size_t size)
{
	struct pf_failure f, f2;
	struct pf_auth_event ev;
	char buf[PF_EVENT_MAX];
	enum pf_rc rc = pf_event_parse((const char *)data, size, &f);
	size_t n;

	FZ_CHECK(rc == PF_OK || rc == PF_ERR_CORRUPT || rc == PF_ERR_TOOBIG);
	if (rc != PF_OK)
		return;
	FZ_CHECK(size <= PF_EVENT_MAX);
	check_field(f.service, sizeof(f.service));
	check_field(f.rhost, sizeof(f.rhost));
	check_field(f.tty, sizeof(f.tty));
	FZ_CHECK(f.when == 0);

	ev.service = f.service;
	ev.rhost = f.rhost;
	ev.tty = f.tty;
	ev.now = 0;
	n = pf_event_format(&ev, buf, sizeof(buf));
	FZ_CHECK(n > 0);
	FZ_CHECK(pf_event_parse(buf, n, &f2) == PF_OK);
	FZ_CHECK(strcmp(f.service, f2.service) == 0 && strcmp(f.rhost, f2.rhost) == 0 &&
		 strcmp(f.tty, f2.tty) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fz_cstr(data, size);

	check_reply(line);
	free(line);
	check_event(data, size);
	return 0;
}
