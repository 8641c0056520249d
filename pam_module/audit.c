/*
 * The audit trail: every line goes to pam_syslog (LOG_AUTHPRIV) through
 * lib/'s logger, which strips control characters once for all callers.
 * Fields that come from the network or the user (rhost, tty, service) are
 * also made space-free, so they cannot forge "key=value" pairs in a line.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <security/pam_ext.h>

#include "module.h"

static void emit(void *ctx, int priority, const char *line)
{
	pam_syslog((pam_handle_t *)ctx, priority, "%s", line);
}

void pf_audit_logger_init(struct pf_module *m)
{
	m->log.emit = emit;
	m->log.ctx = m->pamh;
	m->log.debug = false; /* until the configuration says otherwise */
}

static const char *service_of(const struct pf_module *m, char *buf, size_t size)
{
	const void *item = NULL;

	if (pam_get_item(m->pamh, PAM_SERVICE, &item) != PAM_SUCCESS)
		item = NULL;
	pf_field_copy(buf, size, item);
	return buf;
}

/* What a lock is called in the log: audit-only mode records would-be locks. */
static const char *lock_word(const struct pf_module *m)
{
	return m->cfg.enforce ? "host lock" : "would lock (audit only, enforce=no)";
}

void pf_audit_failure(const struct pf_module *m, const struct pf_auth_event *ev,
		      const struct pf_failure_result *r)
{
	char service[PF_SERVICE_MAX + 1], rhost[PF_RHOST_MAX + 1], tty[PF_TTY_MAX + 1];

	pf_field_copy(service, sizeof(service), ev->service);
	pf_field_copy(rhost, sizeof(rhost), ev->rhost);
	pf_field_copy(tty, sizeof(tty), ev->tty);
	pf_log(&m->log, LOG_NOTICE,
	       "authentication failure recorded: user=%s service=%s rhost=%s tty=%s failures=%u",
	       m->user, service, rhost, tty, r->recent_failures);
	pf_audit_host_lock(m, r);
}

void pf_audit_host_lock(const struct pf_module *m, const struct pf_failure_result *r)
{
	char until[32];

	if (r->outcome == PF_FAIL_LOCKED_NOW)
		pf_log(&m->log, LOG_WARNING, "%s: user=%s until=%s", lock_word(m), m->user,
		       r->lock_until ? pf_iso8601(r->lock_until, until, sizeof(until))
				     : "unlocked-by-administrator");
	if (r->push_queued)
		pf_log(&m->log, LOG_NOTICE, "cloud lock queued: user=%s", m->user);
}

/*
 * Counts the event for the metrics where the store is open here (root);
 * an unprivileged application's refusals are only logged.
 */
static void count(const struct pf_module *m, const char *event)
{
	if (m->store_open)
		pf_store_count(&m->store, event);
}

void pf_audit_refused(const struct pf_module *m, const char *reason)
{
	char service[PF_SERVICE_MAX + 1];

	pf_log(&m->log, LOG_NOTICE, "refused: user=%s service=%s reason=%s", m->user,
	       service_of(m, service, sizeof(service)), reason);
	count(m,
	      strcmp(reason, "cloud-locked") == 0 ? "refused cloud-locked" : "refused host-locked");
}

/* One line for a state that could not be learned: how it was handled, then why. */
static void audit_unknown(const struct pf_module *m, int priority, const char *how,
			  const char *what)
{
	char service[PF_SERVICE_MAX + 1];

	pf_log(&m->log, priority, "%s: user=%s service=%s: %s: %s", how, m->user,
	       service_of(m, service, sizeof(service)), what, m->why);
}

void pf_audit_would_refuse(const struct pf_module *m, const char *reason)
{
	char service[PF_SERVICE_MAX + 1];

	pf_log(&m->log, LOG_NOTICE,
	       "audit only (enforce=no): would refuse: user=%s service=%s reason=%s", m->user,
	       service_of(m, service, sizeof(service)), reason);
}

void pf_audit_would_refuse_unknown(const struct pf_module *m, const char *why, const char *what)
{
	char how[64];

	snprintf(how, sizeof(how), "audit only (enforce=no): would refuse (%s)", why);
	audit_unknown(m, LOG_NOTICE, how, what);
}

void pf_audit_fail_open(const struct pf_module *m, const char *what)
{
	audit_unknown(m, LOG_WARNING, "fail-open (failmode=open)", what);
	count(m, "fail-open");
}

void pf_audit_fail_closed(const struct pf_module *m, const char *what)
{
	audit_unknown(m, LOG_ERR, "refused (failmode=closed)", what);
	count(m, "refused unavailable");
}

void pf_audit_host_unknown(const struct pf_module *m, const char *what)
{
	audit_unknown(m, LOG_ERR, "refused (host state unknown)", what);
	count(m, "refused unavailable");
}

void pf_audit_break_glass(const struct pf_module *m, const char *what)
{
	audit_unknown(m, LOG_WARNING, "break-glass (root-like, not refused)", what);
}
