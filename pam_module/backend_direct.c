/*
 * The lockout operations as root: the state store is read and written
 * through lib/ in this process, so a login's success path costs a file read
 * and no exec. The helper is run only for network work: a synchronous
 * refresh of a stale cloud state, and the detached push of a lock.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "helper_exec.h"
#include "module.h"

static bool store_ready(struct pf_module *m)
{
	enum pf_rc rc;

	if (m->store_open)
		return true;
	rc = pf_store_open(&m->store, m->cfg.state_dir, PF_STORE_CREATE, &m->log);
	if (rc != PF_OK) {
		snprintf(m->why, sizeof(m->why), "state_dir %s: %s", m->cfg.state_dir,
			 pf_rc_str(rc));
		return false;
	}
	m->store_open = true;
	/* A stopped or stuck lock holder delays this login by at most `timeout`. */
	m->store.lock_wait_ms = m->cfg.timeout_ms;
	return true;
}

static void lockout_of(struct pf_module *m, struct pf_lockout *lo)
{
	*lo = (struct pf_lockout){ &m->cfg, &m->store, m->user, m->uid, m->root_like, &m->log };
}

static void store_failed(struct pf_module *m, const char *what, enum pf_rc rc)
{
	snprintf(m->why, sizeof(m->why), "%s the state of %s: %s", what, m->user, pf_rc_str(rc));
}

static void direct_check(struct pf_module *m, struct pf_check *out)
{
	struct pf_lockout lo;
	enum pf_rc rc;

	memset(out, 0, sizeof(*out));
	out->verdict = PF_VERDICT_ERROR;
	if (!store_ready(m))
		return;
	lockout_of(m, &lo);
	rc = pf_lockout_check(&lo, pf_now(), m->cloud, out);
	if (rc != PF_OK) {
		out->verdict = PF_VERDICT_ERROR;
		store_failed(m, "cannot read", rc);
	}
}

static void direct_preauth(struct pf_module *m, const struct pf_auth_event *ev,
			   struct pf_check *check, struct pf_failure_result *out)
{
	struct pf_lockout lo;
	enum pf_rc rc;

	memset(check, 0, sizeof(*check));
	memset(out, 0, sizeof(*out));
	check->verdict = PF_VERDICT_ERROR;
	if (!store_ready(m))
		return;
	lockout_of(m, &lo);
	rc = pf_lockout_preauth(&lo, ev, m->cloud, check, out);
	if (rc != PF_OK) {
		check->verdict = PF_VERDICT_ERROR;
		store_failed(m, "cannot read or count an attempt in", rc);
	}
}

static void direct_account(struct pf_module *m, struct pf_check *check, bool *settled)
{
	struct pf_lockout lo;
	enum pf_rc rc;

	memset(check, 0, sizeof(*check));
	check->verdict = PF_VERDICT_ERROR;
	*settled = false;
	if (!store_ready(m))
		return;
	lockout_of(m, &lo);
	rc = pf_lockout_account(&lo, pf_now(), m->cloud, m->attempt, check, settled);
	if (rc != PF_OK) {
		check->verdict = PF_VERDICT_ERROR;
		store_failed(m, "cannot read or clear", rc);
	}
}

static bool direct_record_failure(struct pf_module *m, const struct pf_auth_event *ev,
				  struct pf_failure_result *out)
{
	struct pf_lockout lo;
	enum pf_rc rc;

	memset(out, 0, sizeof(*out));
	if (!store_ready(m))
		return false;
	lockout_of(m, &lo);
	rc = pf_lockout_settle_failure(&lo, ev, m->attempt, out);
	if (rc != PF_OK)
		store_failed(m, "cannot update", rc);
	return rc == PF_OK;
}

static enum pf_success direct_record_success(struct pf_module *m)
{
	struct pf_lockout lo;
	enum pf_rc rc;

	if (!store_ready(m))
		return PF_SUCCESS_FAILED;
	lockout_of(m, &lo);
	rc = pf_lockout_settle_success(&lo, pf_now(), m->attempt);
	if (rc == PF_ERR_BUSY)
		return PF_SUCCESS_LOCKED; /* a lock started since the check */
	if (rc != PF_OK) {
		store_failed(m, "cannot clear", rc);
		return PF_SUCCESS_FAILED;
	}
	return PF_SUCCESS_CLEARED;
}

const char *pf_helper_conf(const struct pf_module *m)
{
	/* frontegg-lockout, run as root, reads the file the administrator named with conf=. */
	if (m->cfg.conf_path == NULL || strcmp(m->cfg.conf_path, PF_DEFAULT_CONF) == 0)
		return NULL;
	return m->cfg.conf_path;
}

static void helper_req(const struct pf_module *m, const char *verb, struct pf_helper_req *req)
{
	*req = (struct pf_helper_req){ m->cfg.helper, pf_helper_conf(m), verb, m->user,
				       NULL,          m->cfg.timeout_ms };
}

static bool direct_refresh(struct pf_module *m, struct pf_check *out)
{
	struct pf_helper_req req;
	struct pf_helper_reply rep;
	struct pf_check answer;
	char why[PF_WHY_MAX - 32];

	helper_req(m, PF_VERB_REFRESH, &req);
	if (!pf_helper_run(&req, &rep, why, sizeof(why))) {
		snprintf(m->why, sizeof(m->why), "refresh: %s", why);
		return false;
	}
	if (pf_reply_check_parse(rep.line, &answer) != PF_OK) {
		snprintf(m->why, sizeof(m->why), "refresh: malformed reply from the helper");
		return false;
	}
	if (answer.verdict == PF_VERDICT_ERROR || answer.verdict == PF_VERDICT_CLOUD_STALE) {
		snprintf(m->why, sizeof(m->why), "refresh: Frontegg did not answer");
		return false;
	}
	/* The store is the truth: read what the helper wrote. */
	direct_check(m, out);
	return out->verdict != PF_VERDICT_ERROR;
}

static void direct_push(struct pf_module *m)
{
	struct pf_helper_req req;
	char why[PF_WHY_MAX];

	helper_req(m, PF_VERB_PUSH, &req);
	if (!pf_helper_spawn_detached(&req, why, sizeof(why)))
		pf_log(&m->log, LOG_WARNING, "cloud action for %s stays queued for sync: %s",
		       m->user, why);
}

static void direct_close(struct pf_module *m)
{
	if (m->store_open)
		pf_store_close(&m->store);
	m->store_open = false;
}

const struct pf_ops pf_direct_ops = {
	.check = direct_check,
	.preauth = direct_preauth,
	.account = direct_account,
	.record_failure = direct_record_failure,
	.record_success = direct_record_success,
	.refresh = direct_refresh,
	.push = direct_push,
	.close = direct_close,
};
