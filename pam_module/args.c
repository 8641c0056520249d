/*
 * The module's arguments: the mode word of auth, the settings passed to the
 * configuration parser after the file, and the parsed configuration kept in
 * the PAM handle so auth and account of one login parse it once.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "module.h"

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

int pf_args_load_config(struct pf_module *m, bool auth, int flags, int argc, const char **argv)
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
