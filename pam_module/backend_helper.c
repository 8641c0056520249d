/*
 * The lockout operations for an unprivileged caller (a screen locker):
 * frontegg_chkstate, setgid to the helper group, does them, one exec per
 * operation, and answers with one line of the protocol in protocol.h. It
 * acts only for the caller's own account and reads only its compiled-in
 * configuration; we pass the name and parse the answer.
 *
 * Which program runs is the `chkstate` setting (default
 * $(sbindir)/frontegg_chkstate), taken from the PAM service file or the
 * configuration file, both root's. A user who loads the module into a
 * process of their own (with a PAM service directory of their making) can
 * make it exec anything, but gains nothing by it: they could run that
 * program themselves. The elevated group comes only from frontegg_chkstate's
 * own setgid bit, and its own rules decide what it does for its caller
 * (doc/privileges.md).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "helper_exec.h"
#include "module.h"

static bool call(struct pf_module *m, const char *verb, const char *input,
		 struct pf_helper_reply *rep)
{
	struct pf_helper_req req = {
		m->cfg.chkstate, NULL, verb, m->user, input, m->cfg.timeout_ms
	};
	char why[PF_WHY_MAX - 32];

	if (pf_helper_conf(m) != NULL)
		pf_log(&m->log, LOG_DEBUG, "%s reads " PF_DEFAULT_CONF ", not conf=%s",
		       m->cfg.chkstate, m->cfg.conf_path);
	if (pf_helper_run(&req, rep, why, sizeof(why)))
		return true;
	snprintf(m->why, sizeof(m->why), "%s: %s", verb, why);
	return false;
}

static void malformed(struct pf_module *m, const char *verb)
{
	snprintf(m->why, sizeof(m->why), "%s: malformed reply from the helper", verb);
}

static void helper_check(struct pf_module *m, struct pf_check *out)
{
	struct pf_helper_reply rep;

	memset(out, 0, sizeof(*out));
	out->verdict = PF_VERDICT_ERROR;
	if (!call(m, PF_VERB_CHECK, NULL, &rep))
		return;
	if (pf_reply_check_parse(rep.line, out) != PF_OK) {
		out->verdict = PF_VERDICT_ERROR;
		malformed(m, PF_VERB_CHECK);
	} else if (out->verdict == PF_VERDICT_ERROR) {
		snprintf(m->why, sizeof(m->why), "check: the helper cannot read the state");
	} else if (out->verdict == PF_VERDICT_CLOUD_STALE && !m->cloud) {
		out->verdict = PF_VERDICT_ALLOW; /* we do not consult the cloud for this user */
	}
}

static bool helper_record_failure(struct pf_module *m, const struct pf_auth_event *ev,
				  struct pf_failure_result *out)
{
	struct pf_helper_reply rep;
	char event[PF_EVENT_MAX];

	memset(out, 0, sizeof(*out));
	if (pf_event_format(ev, event, sizeof(event)) == 0) {
		snprintf(m->why, sizeof(m->why), "record-failure: event does not fit");
		return false;
	}
	if (!call(m, PF_VERB_RECORD_FAILURE, event, &rep))
		return false;
	if (pf_reply_failure_parse(rep.line, out) != PF_OK) {
		malformed(m, PF_VERB_RECORD_FAILURE);
		return false;
	}
	/* The helper queued any cloud lock; an unprivileged caller never pushes. */
	out->push_queued = false;
	return true;
}

static enum pf_success helper_record_success(struct pf_module *m)
{
	struct pf_helper_reply rep;

	if (!call(m, PF_VERB_RECORD_SUCCESS, NULL, &rep))
		return PF_SUCCESS_FAILED;
	if (strcmp(rep.line, PF_REPLY_CLEARED) == 0)
		return PF_SUCCESS_CLEARED;
	if (strcmp(rep.line, PF_REPLY_LOCKED) == 0)
		return PF_SUCCESS_LOCKED;
	malformed(m, PF_VERB_RECORD_SUCCESS);
	return PF_SUCCESS_FAILED;
}

/* preauth through the helper: its check; attempts are counted only as root. */
static void helper_preauth(struct pf_module *m, const struct pf_auth_event *ev,
			   struct pf_check *check, struct pf_failure_result *out)
{
	(void)ev;
	helper_check(m, check);
	memset(out, 0, sizeof(*out));
	out->outcome = PF_FAIL_EXEMPT;
}

/* The account check through the helper; the success is recorded apart. */
static void helper_account(struct pf_module *m, struct pf_check *check, bool *settled)
{
	helper_check(m, check);
	*settled = false;
}

static bool helper_refresh(struct pf_module *m, struct pf_check *out)
{
	(void)out;
	snprintf(m->why, sizeof(m->why),
		 "the cached cloud state is stale and only root can refresh it");
	return false;
}

/* The helper queued any cloud lock; an unprivileged caller never pushes. */
static void helper_push(struct pf_module *m)
{
	(void)m;
}

static void helper_close(struct pf_module *m)
{
	(void)m;
}

const struct pf_ops pf_helper_ops = {
	.check = helper_check,
	.preauth = helper_preauth,
	.account = helper_account,
	.record_failure = helper_record_failure,
	.record_success = helper_record_success,
	.refresh = helper_refresh,
	.push = helper_push,
	.close = helper_close,
};
