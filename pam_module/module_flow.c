/*
 * What each entry point does, in terms of the lockout operations and the
 * return-value table at the top of pam_frontegg.c. The operations run in
 * this process as root and through the helper otherwise; nothing here knows
 * which.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_ext.h>

#include "module.h"

/* The PAM data item naming the user that auth ran for in this handle. */
#define AUTH_RAN_KEY "pam_frontegg.auth_ran_for"

/* ---- the operations, direct or delegated ------------------------------- */

static void op_check(struct pf_module *m, struct pf_check *out)
{
	m->ops->check(m, out);
}

static bool op_record_failure(struct pf_module *m, const struct pf_auth_event *ev,
			      struct pf_failure_result *out)
{
	return m->ops->record_failure(m, ev, out);
}

/*
 * preauth's check and the attempt it counts. Exempt users are never
 * counted: the plain lock-free check, so a stopped su never holds their lock.
 */
static void op_preauth(struct pf_module *m, const struct pf_auth_event *ev, struct pf_check *c,
		       struct pf_failure_result *out)
{
	if (!m->exempt) {
		m->ops->preauth(m, ev, c, out);
		return;
	}
	op_check(m, c);
	memset(out, 0, sizeof(*out));
	out->outcome = PF_FAIL_EXEMPT;
}

static enum pf_success op_record_success(struct pf_module *m)
{
	return m->ops->record_success(m);
}

/* ---- faillock PR #921: clear only after auth in the same handle ---------- */

static void free_data(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

void pf_flow_mark_auth(struct pf_module *m)
{
	char *user = strdup(m->user);

	/* Without the mark account merely does not clear the tally: the safe side. */
	if (user != NULL && pam_set_data(m->pamh, AUTH_RAN_KEY, user, free_data) != PAM_SUCCESS)
		free(user);
}

static bool auth_ran(const struct pf_module *m)
{
	const void *data = NULL;

	/* The user is compared too: a module may have changed PAM_USER since. */
	return pam_get_data(m->pamh, AUTH_RAN_KEY, &data) == PAM_SUCCESS && data != NULL &&
	       strcmp(data, m->user) == 0;
}

/* ---- the attempt preauth counted, settled by authfail or a success ------- */

#define ATTEMPT_KEY "pam_frontegg.attempt"

struct attempt_mark {
	int64_t when; /* 0 once settled */
	char user[PF_USER_MAX + 1];
};

static void remember_attempt(struct pf_module *m, int64_t when)
{
	struct attempt_mark *a = calloc(1, sizeof(*a));

	/* Without the mark the attempt is never settled: it counts, the safe side. */
	if (a == NULL)
		return;
	a->when = when;
	snprintf(a->user, sizeof(a->user), "%s", m->user);
	if (pam_set_data(m->pamh, ATTEMPT_KEY, a, free_data) != PAM_SUCCESS)
		free(a);
}

/* The attempt of this handle still to settle, for this user (0: none). */
void pf_flow_load_attempt(struct pf_module *m)
{
	const void *data = NULL;
	const struct attempt_mark *a;

	m->attempt = 0;
	if (pam_get_data(m->pamh, ATTEMPT_KEY, &data) != PAM_SUCCESS || data == NULL)
		return;
	a = data;
	if (strcmp(a->user, m->user) == 0)
		m->attempt = a->when;
}

static void attempt_settled(struct pf_module *m)
{
	const void *data = NULL;

	if (m->attempt != 0 && pam_get_data(m->pamh, ATTEMPT_KEY, &data) == PAM_SUCCESS &&
	    data != NULL)
		((struct attempt_mark *)(uintptr_t)data)->when = 0;
	m->attempt = 0;
}

/* ---- outcomes ------------------------------------------------------------ */

/*
 * The state could not be learned (m->why says why): failmode=open abstains
 * (PAM_IGNORE, never PAM_SUCCESS) and logs it every time; closed refuses.
 */
static int unknown_state(struct pf_module *m, const char *what, bool tell)
{
	if (m->cfg.failmode == PF_FAILMODE_OPEN) {
		pf_audit_fail_open(m, what);
		return PAM_IGNORE;
	}
	/* The break-glass (invariant 7): root-like users are never refused for it. */
	if (m->root_like && !m->cfg.even_deny_root) {
		pf_audit_break_glass(m, what);
		return PAM_IGNORE;
	}
	if (!m->cfg.enforce) {
		pf_audit_would_refuse_unknown(m, "failmode=closed", what);
		return PAM_IGNORE;
	}
	pf_audit_fail_closed(m, what);
	if (tell)
		pf_conv_error(m, PF_MSG_UNAVAILABLE);
	return PAM_AUTHINFO_UNAVAIL;
}

/*
 * The host state could not be learned or written (m->why says why). The
 * host side never fails open, whatever failmode says (failmode covers only
 * the cloud): refuse with PAM_AUTHINFO_UNAVAIL in every phase, as
 * pam_faillock refuses when it cannot read a tally (doc/invariants.md,
 * invariant 11). Root-like users are the break-glass exception: the module
 * abstains (PAM_IGNORE, never PAM_SUCCESS) and says so in the log
 * (invariant 7).
 */
static int host_unknown(struct pf_module *m, const char *what, bool tell)
{
	if (m->root_like) {
		pf_audit_break_glass(m, what);
		return PAM_IGNORE;
	}
	if (!m->cfg.enforce) {
		pf_audit_would_refuse_unknown(m, "host state unknown", what);
		return PAM_IGNORE;
	}
	pf_audit_host_unknown(m, what);
	if (tell)
		pf_conv_error(m, PF_MSG_UNAVAILABLE);
	return PAM_AUTHINFO_UNAVAIL;
}

/*
 * enforce = no (audit only): a refusal is logged as one that would have
 * happened, and nobody is refused. Returns true when that is the case.
 */
static bool audit_only(const struct pf_module *m, const char *reason)
{
	if (m->cfg.enforce)
		return false;
	pf_audit_would_refuse(m, reason);
	return true;
}

static const char *lock_reason(enum pf_verdict v)
{
	return v == PF_VERDICT_CLOUD_LOCKED ? "cloud-locked" : "host-locked";
}

static bool is_locked(enum pf_verdict v)
{
	return v == PF_VERDICT_HOST_LOCKED || v == PF_VERDICT_CLOUD_LOCKED;
}

/* ---- auth ------------------------------------------------------------------ */

/*
 * The check preauth and authsucc start with: the PAM code to return at once,
 * or -1 to go on. No message: before the password, a word would confirm
 * that the account exists.
 */
static int refuse_on(struct pf_module *m, const struct pf_check *c)
{
	if (is_locked(c->verdict) && !audit_only(m, lock_reason(c->verdict))) {
		pf_audit_refused(m, lock_reason(c->verdict));
		return PAM_AUTH_ERR;
	}
	if (c->verdict == PF_VERDICT_ERROR)
		return host_unknown(m, "lockout state unknown", false);
	return -1;
}

static int refuse_if_locked(struct pf_module *m, struct pf_check *out)
{
	op_check(m, out);
	return refuse_on(m, out);
}

static const char *item_string(const struct pf_module *m, int item)
{
	const void *v = NULL;

	return pam_get_item(m->pamh, item, &v) == PAM_SUCCESS ? v : NULL;
}

static struct pf_auth_event event_of(const struct pf_module *m)
{
	return (struct pf_auth_event){ item_string(m, PAM_SERVICE), item_string(m, PAM_RHOST),
				       item_string(m, PAM_TTY), pf_now() };
}

/*
 * What counting the attempt before the password (doc/invariants.md,
 * invariant 15) decided. Attempts earlier processes left unsettled are
 * failures: when they reach deny the lock starts now and this one is refused.
 */
static int counted(struct pf_module *m, const struct pf_auth_event *ev,
		   const struct pf_failure_result *rr)
{
	struct pf_failure_result r = *rr;

	if (r.outcome == PF_FAIL_LOCKED_NOW)
		pf_audit_host_lock(m, &r);
	if (r.push_queued)
		m->ops->push(m); /* the lock just started, or the unlock of an expired one */
	if (r.outcome == PF_FAIL_COUNTED)
		remember_attempt(m, ev->now);
	if (r.outcome == PF_FAIL_COUNTED || r.outcome == PF_FAIL_EXEMPT ||
	    audit_only(m, "host-locked"))
		return -1;
	pf_audit_refused(m, "host-locked");
	return PAM_AUTH_ERR;
}

int pf_flow_preauth(struct pf_module *m)
{
	struct pf_auth_event ev = event_of(m);
	struct pf_failure_result r;
	struct pf_check c;
	int rc;

	pf_flow_mark_auth(m);
	op_preauth(m, &ev, &c, &r);
	rc = refuse_on(m, &c);
	if (rc < 0)
		rc = counted(m, &ev, &r);
	/* A stale cloud state is not refreshed before the password; account does that. */
	return rc >= 0 ? rc : PAM_SUCCESS;
}

int pf_flow_authfail(struct pf_module *m)
{
	struct pf_auth_event ev = event_of(m);
	struct pf_failure_result r;

	pf_flow_mark_auth(m);
	/* Nothing to count for a user never locked: and no lock a stopped su could hold. */
	if (m->exempt)
		return PAM_AUTH_ERR;
	if (!op_record_failure(m, &ev, &r)) {
		pf_log(&m->log, LOG_ERR, "failure of %s not recorded: %s", m->user, m->why);
		return PAM_AUTH_ERR;
	}
	attempt_settled(m);
	pf_audit_failure(m, &ev, &r);
	if (r.push_queued)
		m->ops->push(m); /* a lock, or the unlock of an expired lock */
	/* Reached only after a failed password: never anything that reads as success. */
	return PAM_AUTH_ERR;
}

/*
 * The success that wrote down an expired lock queued the cloud unlock
 * (invariant 5): deliver it now, as a lock is delivered, not at the next sync.
 */
static void push_expiry(struct pf_module *m, const struct pf_check *c)
{
	if (c->lock_expired && m->cfg.cloud_unlock_on_expiry && m->cloud)
		m->ops->push(m);
}

int pf_flow_authsucc(struct pf_module *m)
{
	struct pf_check c;
	int rc;

	pf_flow_mark_auth(m);
	rc = refuse_if_locked(m, &c);
	if (rc >= 0)
		return rc;
	if (m->exempt)
		return PAM_SUCCESS; /* never counted: nothing to clear */
	switch (op_record_success(m)) {
	case PF_SUCCESS_CLEARED:
		attempt_settled(m);
		push_expiry(m, &c);
		return PAM_SUCCESS;
	case PF_SUCCESS_LOCKED:
		if (audit_only(m, "host-locked"))
			return PAM_SUCCESS;
		pf_audit_refused(m, "host-locked");
		return PAM_AUTH_ERR;
	case PF_SUCCESS_FAILED:
		break;
	}
	return host_unknown(m, "cannot clear the failure count", false);
}

/* ---- account ---------------------------------------------------------------- */

static bool needs_cloud_answer(const struct pf_module *m, const struct pf_check *c)
{
	return c->verdict == PF_VERDICT_CLOUD_STALE ||
	       (c->verdict == PF_VERDICT_CLOUD_LOCKED && c->cloud_stale) ||
	       (c->verdict == PF_VERDICT_ALLOW && m->cloud_error);
}

/* A name of a terminal or an X display, as login, su, sudo and display managers set PAM_TTY. */
static bool terminal_name(const char *tty)
{
	return tty != NULL && (strncmp(tty, "/dev/", 5) == 0 || strncmp(tty, "tty", 3) == 0 ||
			       strncmp(tty, "pts/", 4) == 0 || tty[0] == ':');
}

/*
 * Whether this account check is an interactive login, worth a synchronous
 * refresh of a stale cloud state (doc/invariants.md, invariant 9): auth ran
 * in this handle, or the application named a remote host (sshd, key logins
 * too) or a terminal. cron (PAM_TTY "cron"), systemd --user and other
 * services name neither: they use the cache, where a stale LOCKED stays
 * locked and anything else passes, and cost Frontegg nothing.
 */
static bool interactive(const struct pf_module *m)
{
	const char *rhost = item_string(m, PAM_RHOST);

	return auth_ran(m) || (rhost != NULL && rhost[0] != '\0') ||
	       terminal_name(item_string(m, PAM_TTY));
}

/* One synchronous refresh, bounded by `timeout`; false (m->why set) when none came. */
static bool refresh_cloud(struct pf_module *m, struct pf_check *c)
{
	if (m->cloud_error)
		return false; /* m->why holds the mapping error */
	if (!m->ops->refresh(m, c))
		return false;
	if (c->verdict != PF_VERDICT_CLOUD_STALE)
		return true;
	snprintf(m->why, sizeof(m->why),
		 "the refresh left the cloud state stale (does the helper use this state_dir?)");
	return false;
}

static int refuse_account(struct pf_module *m, const char *reason)
{
	if (audit_only(m, reason))
		return PAM_SUCCESS;
	pf_audit_refused(m, reason);
	pf_conv_error(m, PF_MSG_LOCKED);
	return PAM_PERM_DENIED;
}

/*
 * The user may log in: clear the tally if auth ran in this handle. A lock
 * that expired is written down even without auth (an SSH key login): the
 * expiry clears the tally by itself and queues the cloud unlock.
 */
static int admit(struct pf_module *m, const struct pf_check *c, int rv, bool settled)
{
	if (settled) {
		attempt_settled(m);
		push_expiry(m, c);
		return rv;
	}
	/* The check just read the record: nothing to clear costs no second read. */
	if ((c->tally_clean && m->attempt == 0) || m->exempt || (!auth_ran(m) && !c->lock_expired))
		return rv;
	switch (op_record_success(m)) {
	case PF_SUCCESS_CLEARED:
		attempt_settled(m);
		push_expiry(m, c);
		return rv;
	case PF_SUCCESS_LOCKED:
		return refuse_account(m, "host-locked");
	case PF_SUCCESS_FAILED:
		break;
	}
	return host_unknown(m, "cannot clear the failure count", true);
}

int pf_flow_account(struct pf_module *m)
{
	struct pf_check c;
	bool settled = false;
	int rv = PAM_SUCCESS;

	/*
	 * After a password in this handle the check and the success can share
	 * one transaction: safe because the record is judged under the user's
	 * lock, and settled only when that judgement already admits (a fresh
	 * cloud state, no lock); anything else goes the long way below.
	 */
	if (m->attempt != 0 && !m->cloud_error && !m->exempt && auth_ran(m))
		m->ops->account(m, &c, &settled);
	else
		op_check(m, &c);
	if (needs_cloud_answer(m, &c) && !m->cloud_error && !interactive(m)) {
		/* The cache decides: a stale LOCKED stays locked, anything else passes. */
		if (c.verdict == PF_VERDICT_CLOUD_STALE)
			c.verdict = PF_VERDICT_ALLOW;
		pf_log(&m->log, LOG_DEBUG, "%s: not interactive, the cached cloud state decides",
		       m->user);
	} else if (needs_cloud_answer(m, &c) && !refresh_cloud(m, &c)) {
		/* A stale LOCKED stays locked until a fresh answer says otherwise. */
		if (c.verdict == PF_VERDICT_CLOUD_LOCKED)
			return refuse_account(m, "cloud-locked");
		/* The host allows; only the cloud is unknown. */
		rv = unknown_state(m, "cloud state unknown", true);
		if (rv != PAM_IGNORE)
			return rv;
		c.verdict = PF_VERDICT_ALLOW;
	}
	if (is_locked(c.verdict))
		return refuse_account(m, lock_reason(c.verdict));
	if (c.verdict == PF_VERDICT_ERROR)
		return host_unknown(m, "lockout state unknown", true);
	return admit(m, &c, rv, settled);
}
