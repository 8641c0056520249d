/*
 * The machine verbs: one line on stdout (protocol.h), exit status from enum
 * pf_exit. The module, as root, runs refresh and push; check and the record
 * verbs serve root's scripts and tests. Unprivileged callers get the same
 * answers from frontegg_chkstate, never from here.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "cloud.h"
#include "pam_frontegg/safe_file.h"

static int print_line(const char *line, size_t len, int code)
{
	if (len == 0 || fwrite(line, 1, len, stdout) != len || fflush(stdout) != 0)
		return PF_EXIT_FAILURE;
	return code;
}

static int print_text(const char *text, int code)
{
	return print_line(text, strlen(text), code);
}

static int print_check(const struct pf_lockout *lo, int code)
{
	char line[PF_REPLY_MAX];
	struct pf_check c;

	size_t len;

	pf_lockout_check(lo, pf_now(), pf_lockout_cloud_applies(lo), &c);
	len = pf_reply_check_format(&c, line, sizeof(line));
	return print_line(line, len, c.verdict == PF_VERDICT_ERROR ? PF_EXIT_STATE : code);
}

int verb_check(struct app *a, int argc, char **argv)
{
	struct app_user u;
	int rc = app_user(a, argv[0], &u);

	(void)argc;
	return rc != PF_EXIT_OK ? rc : print_check(&u.lo, PF_EXIT_OK);
}

int verb_refresh(struct app *a, int argc, char **argv)
{
	struct app_user u;
	struct cloud c;
	enum fg_result r;
	int rc = app_user(a, argv[0], &u);

	(void)argc;
	if (rc != PF_EXIT_OK)
		return rc;
	if (!pf_lockout_cloud_applies(&u.lo))
		return print_check(&u.lo, PF_EXIT_OK);
	rc = cloud_open(a, &c);
	if (rc != PF_EXIT_OK)
		return print_check(&u.lo, rc);
	r = cloud_refresh_shared(&c, &u.lo);
	cloud_close(&c);
	return print_check(&u.lo, r == FG_OK || r == FG_NOT_FOUND ? PF_EXIT_OK : PF_EXIT_CLOUD);
}

int verb_record_failure(struct app *a, int argc, char **argv)
{
	char line[PF_REPLY_MAX];
	struct pf_failure_result res;
	struct pf_failure f;
	struct app_user u;
	char *text = NULL;
	size_t len = 0;
	int rc = app_user(a, argv[0], &u);

	(void)argc;
	if (rc != PF_EXIT_OK)
		return rc;
	if (pf_read_fd(STDIN_FILENO, PF_EVENT_MAX, &text, &len) != PF_OK ||
	    pf_event_parse(text, len, &f) != PF_OK) {
		free(text);
		return app_fail(a, PF_EXIT_USAGE, "record-failure: bad event on stdin");
	}
	free(text);
	struct pf_auth_event ev = { f.service, f.rhost, f.tty, pf_now() };
	if (pf_lockout_record_failure(&u.lo, &ev, &res) != PF_OK)
		return app_fail(a, PF_EXIT_STATE, "cannot record the failure of %s", u.acct.name);
	pf_log(&a->log, LOG_NOTICE, "failure recorded for %s (service %s, rhost %s, tty %s)",
	       u.acct.name, f.service, f.rhost, f.tty);
	if (res.outcome == PF_FAIL_LOCKED_NOW)
		pf_log(&a->log, LOG_WARNING, "%s locked on this host%s", u.acct.name,
		       res.push_queued ? "; cloud lock queued" : "");
	len = pf_reply_failure_format(&res, line, sizeof(line));
	return print_line(line, len, PF_EXIT_OK);
}

int verb_record_success(struct app *a, int argc, char **argv)
{
	struct app_user u;
	enum pf_rc r;
	int rc = app_user(a, argv[0], &u);

	(void)argc;
	if (rc != PF_EXIT_OK)
		return rc;
	r = pf_lockout_record_success(&u.lo, pf_now());
	if (r == PF_ERR_BUSY)
		return print_text(PF_REPLY_LOCKED, PF_EXIT_OK);
	if (r != PF_OK)
		return app_fail(a, PF_EXIT_STATE, "cannot record the success of %s", u.acct.name);
	return print_text(PF_REPLY_CLEARED, PF_EXIT_OK);
}

/* The reply tells what happened: "pushed" only when Frontegg confirmed it. */
int verb_push(struct app *a, int argc, char **argv)
{
	enum cloud_push_outcome out;
	struct app_user u;
	struct cloud c;
	int rc = cloud_open_for(a, argv[0], &u, &c);

	(void)argc;
	if (rc != PF_EXIT_OK)
		return rc;
	cloud_push(&c, &u.lo, &out);
	cloud_close(&c);
	switch (out) {
	case CLOUD_PUSH_DELIVERED:
	case CLOUD_PUSH_AUDITED:
		return print_text(PF_REPLY_PUSHED, PF_EXIT_OK);
	case CLOUD_PUSH_NOTHING:
		return print_text(PF_REPLY_PENDING, PF_EXIT_OK);
	case CLOUD_PUSH_PARKED:
		return print_text(PF_REPLY_PARKED, PF_EXIT_CLOUD);
	default:
		return print_text(PF_REPLY_PENDING, PF_EXIT_CLOUD);
	}
}
