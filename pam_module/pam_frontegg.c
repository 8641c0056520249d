/*
 * pam_frontegg.so: the PAM entry points and their arguments.
 *
 * Stack model (pam_faillock's):
 *
 *   auth     required      pam_frontegg.so preauth
 *   auth     sufficient    pam_unix.so
 *   auth     [default=die] pam_frontegg.so authfail
 *   auth     sufficient    pam_frontegg.so authsucc     # optional
 *   account  required      pam_frontegg.so
 *
 * Arguments are configuration settings (conf=PATH and every key of
 * pam_frontegg.conf), applied after the file, plus one mode word in auth.
 * The configuration is read once per PAM handle (auth and account of one
 * login share it through pam_set_data); besides it, only the "auth ran" mark
 * lives in the handle, and nothing outlives the handle.
 *
 * RETURN VALUES (also pam_module/RETURN-VALUES.md, for the man page)
 *
 * situation                                   preauth   authfail  authsucc  account
 * ------------------------------------------  --------  --------  --------  ------------
 * bad argument or setting, unsafe file       as if right: logged, default kept / host-only
 * auth line without exactly one mode word     IGNORE    IGNORE    IGNORE    -
 * configuration unreadable by a non-root app  IGNORE    IGNORE    IGNORE    IGNORE
 * pam_get_user failed                         its code (PAM_CONV_AGAIN -> PAM_INCOMPLETE)
 * empty name, user unknown to NSS,            IGNORE    IGNORE    IGNORE    IGNORE
 *   ignore_users (canonical name)
 * NSS resolves it, canonical name unkeyable   AUTHINFO_ AUTH_ERR  AUTHINFO_ AUTHINFO_UNAVAIL
 * not locked                                  SUCCESS   AUTH_ERR  SUCCESS   SUCCESS
 * locked on the host                          AUTH_ERR  AUTH_ERR  AUTH_ERR  PERM_DENIED
 * locked in Frontegg (cached, even stale)     AUTH_ERR  AUTH_ERR  AUTH_ERR  PERM_DENIED
 * cloud state stale, not locked               SUCCESS   AUTH_ERR  SUCCESS   refresh, then
 *                                                                           as above
 * host state unknown (any failmode)           AUTHINFO_ AUTH_ERR  AUTHINFO_ AUTHINFO_UNAVAIL
 * host state unknown, root-like               IGNORE    AUTH_ERR  IGNORE    IGNORE
 * cloud state unknown, failmode=open          SUCCESS   AUTH_ERR  SUCCESS   IGNORE
 * cloud state unknown, failmode=closed        SUCCESS   AUTH_ERR  SUCCESS   AUTHINFO_UNAVAIL
 * failure could not be recorded               -         AUTH_ERR  -         -
 *
 * "host state unknown" covers an unreadable or unsafe state store, a user's
 * lock held past `timeout`, and (for unprivileged callers) a helper that
 * fails, hangs past `timeout`, crashes or answers garbage: the host side
 * never fails open. "cloud state unknown" covers a user map that cannot be
 * read and a stale cloud state no refresh could renew. authfail is only
 * reached after a failed password, so it answers PAM_AUTH_ERR for every user
 * it tracks: even a `required` line by mistake cannot turn the failure into
 * success. No error path returns PAM_SUCCESS; failmode=open abstains with
 * PAM_IGNORE and logs a warning each time. pam_sm_setcred returns PAM_SUCCESS.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "host_guard.h"
#include "module.h"
#include "pam_frontegg/account.h"
#include "pam_frontegg/username.h"
#include "pam_frontegg/usermap.h"

#define PF_EXPORT __attribute__((visibility("default")))

/* ---- arguments -------------------------------------------------------------- */

static enum pf_mode mode_word(const char *arg)
{
	if (strcmp(arg, "preauth") == 0)
		return PF_MODE_PREAUTH;
	if (strcmp(arg, "authfail") == 0)
		return PF_MODE_AUTHFAIL;
	if (strcmp(arg, "authsucc") == 0)
		return PF_MODE_AUTHSUCC;
	return PF_MODE_NONE;
}

/*
 * Takes the mode words out of argv into m->mode; the rest, settings for the
 * config parser, go into *settings (heap, caller frees). auth needs exactly
 * one mode word; account takes none. A stack line that breaks that rule is
 * a configuration mistake: logged, and the line abstains (PAM_IGNORE) rather
 * than refusing anyone, root and console logins included (invariant 13).
 */
static int split_args(struct pf_module *m, bool auth, int argc, const char **argv,
		      const char ***settings, int *n)
{
	enum pf_mode mode = PF_MODE_NONE;

	*n = 0;
	*settings = calloc((size_t)argc + 1, sizeof(**settings));
	if (*settings == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < argc; i++) {
		enum pf_mode w = mode_word(argv[i]);

		if (w == PF_MODE_NONE) {
			(*settings)[(*n)++] = argv[i];
		} else if (!auth) {
			pf_log(&m->log, LOG_ERR,
			       "module argument: '%s' is out of place in account, ignored",
			       argv[i]);
		} else if (mode != PF_MODE_NONE && mode != w) {
			pf_log(
			    &m->log, LOG_ERR,
			    "module argument: '%s' after another mode word: this line does nothing",
			    argv[i]);
			return PAM_IGNORE;
		} else {
			mode = w;
		}
	}
	if (auth && mode == PF_MODE_NONE) {
		pf_log(&m->log, LOG_ERR,
		       "module argument: auth needs one of preauth, authfail or "
		       "authsucc: this line does nothing");
		return PAM_IGNORE;
	}
	m->mode = auth ? mode : PF_MODE_ACCOUNT;
	return PAM_SUCCESS;
}

/*
 * A non-root application (a screen locker) that may not read a 0600
 * configuration has nothing to enforce with: abstain instead of breaking it.
 * The administrator makes the file 0644 (secret in client_secret_file).
 */
static bool config_unreadable(const struct pf_module *m, int n, const char **settings)
{
	const char *path = PF_DEFAULT_CONF;

	for (int i = 0; i < n; i++)
		if (strncmp(settings[i], "conf=", 5) == 0)
			path = settings[i] + 5;
	if (m->privileged || access(path, R_OK) == 0 || errno != EACCES)
		return false;
	pf_log(&m->log, LOG_WARNING,
	       "%s is not readable by uid %lu: pam_frontegg does nothing for this application",
	       path, (unsigned long)getuid());
	return true;
}

/*
 * The parsed configuration is kept in the PAM handle, keyed by the settings
 * it was parsed from: auth and account of one login parse the file once.
 */
#define CONFIG_DATA "pam_frontegg.config"

struct cached_config {
	char *key;
	struct pf_config cfg;
};

static void free_cached_config(pam_handle_t *pamh, void *data, int error_status)
{
	struct cached_config *c = data;

	(void)pamh;
	(void)error_status;
	pf_config_free(&c->cfg);
	free(c->key);
	free(c);
}

/* The settings one per line: equal keys mean an equal configuration. */
static char *settings_key(int n, const char **settings)
{
	size_t len = 1;
	char *key;

	for (int i = 0; i < n; i++)
		len += strlen(settings[i]) + 1;
	key = malloc(len);
	if (key == NULL)
		return NULL;
	key[0] = '\0';
	for (int i = 0; i < n; i++) {
		strcat(key, settings[i]);
		strcat(key, "\n");
	}
	return key;
}

/* Borrows the handle's configuration when it was parsed from the same settings. */
static bool borrow_cached(struct pf_module *m, const char *key)
{
	const void *data = NULL;
	const struct cached_config *c;

	if (pam_get_data(m->pamh, CONFIG_DATA, &data) != PAM_SUCCESS || data == NULL)
		return false;
	c = data;
	if (strcmp(c->key, key) != 0)
		return false;
	m->cfg = c->cfg; /* the handle owns the strings */
	return true;
}

/* Parses the settings; keeps the result in the handle when it can. */
static enum pf_rc parse_and_cache(struct pf_module *m, char *key, int n, const char **settings)
{
	struct cached_config *c = calloc(1, sizeof(*c));
	enum pf_rc rc;

	if (c == NULL) {
		free(key);
		return PF_ERR_NOMEM;
	}
	rc = pf_config_load(&c->cfg, n, settings, 0, &m->log);
	c->key = key;
	if (rc != PF_OK || key == NULL ||
	    pam_set_data(m->pamh, CONFIG_DATA, c, free_cached_config) != PAM_SUCCESS) {
		/* Not cached: this call owns what it parsed. */
		m->cfg = c->cfg;
		m->cfg_loaded = rc == PF_OK;
		free(key);
		free(c);
		return rc;
	}
	m->cfg = c->cfg;
	return rc;
}

static int load_config(struct pf_module *m, bool auth, int flags, int argc, const char **argv)
{
	const char **settings = NULL;
	int n = 0, rv = split_args(m, auth, argc, argv, &settings, &n);
	enum pf_rc rc;

	if (rv == PAM_SUCCESS && config_unreadable(m, n, settings)) {
		rv = PAM_IGNORE;
	} else if (rv == PAM_SUCCESS) {
		char *key = settings_key(n, settings);

		if (key != NULL && borrow_cached(m, key)) {
			free(key);
			rc = PF_OK;
		} else {
			rc = parse_and_cache(m, key, n, settings); /* takes key */
		}
		rv = rc == PF_OK ? PAM_SUCCESS : rc == PF_ERR_NOMEM ? PAM_BUF_ERR : PAM_SERVICE_ERR;
	}
	free(settings);
	if (rv != PAM_SUCCESS)
		return rv;
	m->log.debug = m->cfg.debug;
	m->silent = m->cfg.silent || (flags & (int)PAM_SILENT) != 0;
	/* Said on every call, not once per handle: the administrator must notice. */
	if (m->cfg.untrusted)
		pf_log(&m->log, LOG_ERR,
		       "configuration not used (%s): host-only lockout with the defaults",
		       m->cfg.untrusted);
	return PAM_SUCCESS;
}

/* ---- the user ------------------------------------------------------------------ */

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
	if (rc == PF_ERR_IO || strlen(typed) > PF_ASK_MAX ||
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

static int resolve_user(struct pf_module *m)
{
	const char *typed = NULL;
	enum pf_rc rc;
	int rv = get_user(m, &typed);

	if (rv != PAM_SUCCESS)
		return rv;
	rc = lookup_account(m, typed);
	if (rc == PF_ERR_INVAL && m->account.resolved)
		return unkeyable(m);
	if (rc != PF_OK) {
		/* No name: users type passwords into the login prompt by mistake. */
		if (rc == PF_ERR_IO)
			pf_log(&m->log, LOG_ERR, "user lookup failed (NSS error), ignored");
		else
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

/* ---- one call ---------------------------------------------------------------------- */

static int dispatch(struct pf_module *m)
{
	switch (m->mode) {
	case PF_MODE_PREAUTH:
		return pf_flow_preauth(m);
	case PF_MODE_AUTHFAIL:
		return pf_flow_authfail(m);
	case PF_MODE_AUTHSUCC:
		return pf_flow_authsucc(m);
	case PF_MODE_ACCOUNT:
		return pf_flow_account(m);
	case PF_MODE_NONE:
		break;
	}
	return PAM_SERVICE_ERR;
}

static int run(pam_handle_t *pamh, bool auth, int flags, int argc, const char **argv)
{
	struct pf_host_guard guard;
	struct pf_module m;
	int rv;

	memset(&m, 0, sizeof(m));
	m.pamh = pamh;
	m.privileged = geteuid() == 0;
	/* Everything the module does runs under the guard, restored before we return. */
	pf_host_guard_enter(&guard, m.privileged);
	pf_audit_logger_init(&m);
	rv = load_config(&m, auth, flags, argc, argv);
	if (rv == PAM_SUCCESS)
		rv = resolve_user(&m);
	if (rv == PAM_SUCCESS) {
		pf_flow_load_attempt(&m);
		rv = dispatch(&m);
	}
	pf_direct_close(&m);
	if (m.cfg_loaded)
		pf_config_free(&m.cfg);
	pf_host_guard_leave(&guard);
	return rv;
}

PF_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, true, flags, argc, argv);
}

PF_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

PF_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return run(pamh, false, flags, argc, argv);
}
