/*
 * The four things an unprivileged caller may do, on its own record only:
 * the three machine verbs of protocol.h (one line on stdout, so the
 * module's parser is the one frontegg-lockout's answers go through) and a
 * readable status. None of them touches the network; a lock reaching deny
 * is queued in the outbox by lib/ for the root sync to push.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "chkstate.h"

static int print_line(const char *line, size_t len, int code)
{
	/* SIGPIPE is blocked: a closed stdout is an error here, not a kill. */
	if (len == 0 || fwrite(line, 1, len, stdout) != len || fflush(stdout) != 0)
		return PF_EXIT_FAILURE;
	return code;
}

static void read_check(struct chk *c, struct pf_check *out)
{
	if (pf_lockout_check(&c->lo, pf_now(), pf_lockout_cloud_applies(&c->lo), out) != PF_OK)
		out->verdict = PF_VERDICT_ERROR;
}

int chk_check(struct chk *c)
{
	char line[PF_REPLY_MAX];
	struct pf_check chk;
	size_t len;

	read_check(c, &chk);
	len = pf_reply_check_format(&chk, line, sizeof(line));
	return print_line(line, len, chk.verdict == PF_VERDICT_ERROR ? PF_EXIT_STATE : PF_EXIT_OK);
}

int chk_record_failure(struct chk *c, const char *event, size_t len)
{
	char line[PF_REPLY_MAX];
	struct pf_failure_result res;
	struct pf_failure f;
	struct pf_auth_event ev;

	if (pf_event_parse(event, len, &f) != PF_OK)
		return chk_fail(PF_EXIT_USAGE, "record-failure: bad event on stdin");
	ev = (struct pf_auth_event){ f.service, f.rhost, f.tty, pf_now() };
	if (pf_lockout_record_failure(&c->lo, &ev, &res) != PF_OK)
		return chk_fail(PF_EXIT_STATE, "cannot record the failure (see the system log)");
	pf_log(&c->log, LOG_NOTICE, "failure recorded for %s (service %s, rhost %s, tty %s)",
	       c->acct.name, f.service, f.rhost, f.tty);
	if (res.outcome == PF_FAIL_LOCKED_NOW)
		pf_log(&c->log, LOG_WARNING, "%s locked on this host%s", c->acct.name,
		       res.push_queued ? "; cloud lock queued for the sync" : "");
	len = pf_reply_failure_format(&res, line, sizeof(line));
	return print_line(line, len, PF_EXIT_OK);
}

int chk_record_success(struct chk *c)
{
	enum pf_rc r = pf_lockout_record_success(&c->lo, pf_now());
	const char *reply = r == PF_ERR_BUSY ? PF_REPLY_LOCKED : PF_REPLY_CLEARED;

	if (r != PF_OK && r != PF_ERR_BUSY)
		return chk_fail(PF_EXIT_STATE, "cannot record the success (see the system log)");
	return print_line(reply, strlen(reply), PF_EXIT_OK);
}

static void format_until(int64_t until, char *buf, size_t size)
{
	time_t t = (time_t)until;
	struct tm tm;

	if (until == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "an administrator unlocks it");
}

int chk_status(struct chk *c)
{
	char until[40] = "";
	struct pf_check chk;
	int n;

	read_check(c, &chk);
	if (chk.verdict == PF_VERDICT_ERROR)
		return chk_fail(PF_EXIT_STATE,
				"cannot read your lockout state (see the system log)");
	if (chk.verdict == PF_VERDICT_HOST_LOCKED)
		format_until(chk.lock_until, until, sizeof(until));
	n = printf("user: %s\nstate: %s\nrecent failures: %u\n%s%s%s", c->acct.name,
		   pf_verdict_str(chk.verdict), chk.recent_failures,
		   until[0] ? "locked until: " : "", until, until[0] ? "\n" : "");
	return n < 0 || fflush(stdout) != 0 ? PF_EXIT_FAILURE : PF_EXIT_OK;
}
