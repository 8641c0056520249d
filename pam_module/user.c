/*
 * Who the PAM user is: PAM_USER resolved through NSS once per handle to the
 * account's canonical name, which keys every record (doc/invariants.md,
 * invariant 8), whether the account is root-like or exempt, and whether the
 * cloud state counts for it.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "module.h"
#include "pam_frontegg/account.h"
#include "pam_frontegg/usermap.h"

/*
 * Decides whether the cloud state counts for this user. A user who maps to
 * no Frontegg identity is a plain local faillock user (lib/ then queues no
 * cloud lock for them either); a map that cannot be read leaves the cloud
 * state unknowable, which failmode decides at account.
 */
static void resolve_cloud(struct pf_module *m)
{
	struct pf_identity id;
	enum pf_rc rc;

	if (!m->cfg.cloud_check || !pf_config_cloud_configured(&m->cfg))
		return;
	rc = pf_map_account(&m->cfg, m->user, m->uid, m->root_like, &id, &m->log);
	if (rc == PF_OK) {
		m->cloud = true;
		return;
	}
	if (rc == PF_ERR_NOENT)
		return;
	m->cloud_error = true;
	snprintf(m->why, sizeof(m->why), "user mapping failed: %s", pf_rc_str(rc));
}

static int get_user(struct pf_module *m, const char **typed)
{
	const char *user = NULL;
	int rv = pam_get_user(m->pamh, &user, NULL);

	if (rv != PAM_SUCCESS)
		return rv == PAM_CONV_AGAIN ? PAM_INCOMPLETE : rv;
	if (user == NULL || user[0] == '\0')
		return PAM_IGNORE;
	*typed = user;
	return PAM_SUCCESS;
}

/*
 * The account NSS resolved for the typed name, kept in the PAM handle: auth
 * and account of one login ask NSS once. Reusing it is safe because it is
 * keyed by the typed name and the admin_group it was judged with; a module
 * that changes PAM_USER in between gets a fresh lookup.
 */
#define ACCOUNT_DATA "pam_frontegg.account"

struct cached_account {
	char typed[PF_ASK_MAX + 1];
	char admin_group[PF_USER_MAX + 1];
	enum pf_rc rc;
	struct pf_account account;
};

static void free_cached_account(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	free(data);
}

static const char *group_key(const struct pf_module *m)
{
	return m->cfg.admin_group ? m->cfg.admin_group : "";
}

static enum pf_rc lookup_account(struct pf_module *m, const char *typed)
{
	const void *data = NULL;
	const struct cached_account *c;
	struct cached_account *fresh;
	enum pf_rc rc;

	if (pam_get_data(m->pamh, ACCOUNT_DATA, &data) == PAM_SUCCESS && data != NULL) {
		c = data;
		if (strcmp(c->typed, typed) == 0 && strcmp(c->admin_group, group_key(m)) == 0) {
			m->account = c->account;
			return c->rc;
		}
	}
	/* The same lookup as the helper's, so both agree on the key and on who is root-like. */
	rc = pf_account_lookup(&m->cfg, typed, &m->account);
	if (rc == PF_ERR_IO || rc == PF_ERR_NOMEM || strlen(typed) > PF_ASK_MAX ||
	    (fresh = calloc(1, sizeof(*fresh))) == NULL)
		return rc;
	snprintf(fresh->typed, sizeof(fresh->typed), "%s", typed);
	snprintf(fresh->admin_group, sizeof(fresh->admin_group), "%s", group_key(m));
	fresh->rc = rc;
	fresh->account = m->account;
	if (pam_set_data(m->pamh, ACCOUNT_DATA, fresh, free_cached_account) != PAM_SUCCESS)
		free(fresh);
	return rc;
}

/*
 * NSS knows the account but its canonical name cannot key a record: it is
 * refused, never ignored, or an alias would escape the lock; root-like
 * accounts stay the break-glass (doc/invariants.md, invariants 7 and 8).
 */
static int unkeyable(struct pf_module *m)
{
	if (m->account.root_like) {
		pf_log(&m->log, LOG_WARNING,
		       "break-glass (root-like, not refused): uid %lu has a name pam_frontegg "
		       "cannot key",
		       (unsigned long)m->account.uid);
		return PAM_IGNORE;
	}
	pf_log(&m->log, LOG_ERR, "refused: uid %lu has a name pam_frontegg cannot key",
	       (unsigned long)m->account.uid);
	return m->mode == PF_MODE_AUTHFAIL ? PAM_AUTH_ERR : PAM_AUTHINFO_UNAVAIL;
}

/*
 * NSS itself failed (a directory service down): whether the user exists or
 * is locked cannot be learned, and the host side never fails open
 * (doc/invariants.md, invariant 11). Only "root", which every system keeps
 * in its local files, is let through: the break-glass of invariant 7.
 */
static int nss_failed(struct pf_module *m, const char *typed)
{
	if (strcmp(typed, "root") == 0) {
		pf_log(&m->log, LOG_WARNING,
		       "break-glass (root, not refused): user lookup failed "
		       "(NSS error)");
		return PAM_IGNORE;
	}
	pf_log(&m->log, LOG_ERR, "refused: user lookup failed (NSS error)");
	return m->mode == PF_MODE_AUTHFAIL ? PAM_AUTH_ERR : PAM_AUTHINFO_UNAVAIL;
}

int pf_user_resolve(struct pf_module *m)
{
	const char *typed = NULL;
	enum pf_rc rc;
	int rv = get_user(m, &typed);

	if (rv != PAM_SUCCESS)
		return rv;
	rc = lookup_account(m, typed);
	if (rc == PF_ERR_INVAL && m->account.resolved)
		return unkeyable(m);
	if (rc == PF_ERR_IO)
		return nss_failed(m, typed);
	if (rc == PF_ERR_NOMEM) {
		/* Not "unknown": a caller's tiny memory limit must not buy an uncounted try. */
		pf_log(&m->log, LOG_ERR, "refused: out of memory looking the user up");
		return PAM_BUF_ERR;
	}
	if (rc != PF_OK) {
		/* No name: users type passwords into the login prompt by mistake. */
		pf_log(&m->log, LOG_NOTICE, "user unknown");
		return PAM_IGNORE;
	}
	/* From here on the user is the canonical name: one account, one record. */
	m->user = m->account.name;
	if (pf_config_ignores_user(&m->cfg, m->user)) {
		pf_log(&m->log, LOG_DEBUG, "%s is in ignore_users", m->user);
		return PAM_IGNORE;
	}
	m->uid = m->account.uid;
	m->root_like = m->account.root_like;
	m->exempt = m->account.root_like && !m->cfg.even_deny_root;
	resolve_cloud(m);
	return PAM_SUCCESS;
}
