/* Setting up and tearing down what every verb needs. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

int app_fail(struct app *a, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pf_vlog(&a->log, LOG_ERR, fmt, ap);
	va_end(ap);
	return code;
}

int app_load(struct app *a, bool want_secret, bool host_only_ok)
{
	const char *argv[1];
	char conf_arg[PF_CONF_LINE_MAX];
	int argc = 0;
	unsigned flags = want_secret ? PF_CONF_WANT_SECRET : 0;

	if (a->conf_path != NULL) {
		snprintf(conf_arg, sizeof(conf_arg), "conf=%s", a->conf_path);
		argv[argc++] = conf_arg;
	}
	if (pf_config_load(&a->cfg, argc, argv, flags, &a->log) != PF_OK)
		return app_fail(a, PF_EXIT_CONFIG, "cannot load the configuration");
	a->cfg_loaded = true;
	/*
	 * The module's verbs go on host-only, as the module does; an
	 * administrator's verb stops here, so its exit status tells.
	 */
	if (a->cfg.untrusted && !host_only_ok)
		return app_fail(a, PF_EXIT_CONFIG, "configuration not used (%s)", a->cfg.untrusted);
	if (a->cfg.untrusted)
		pf_log(&a->log, LOG_WARNING,
		       "configuration not used (%s): host-only lockout with the defaults",
		       a->cfg.untrusted);
	a->log.debug = a->cfg.debug;
	if (pf_store_open(&a->st, a->cfg.state_dir, a->caller_root ? PF_STORE_SETUP : 0, &a->log) !=
	    PF_OK)
		return app_fail(a, PF_EXIT_STATE, "cannot open the state directory %s",
				a->cfg.state_dir);
	a->st_open = true;
	a->st.lock_wait_ms = a->cfg.timeout_ms; /* a stopped lock holder delays us this long */
	return PF_EXIT_OK;
}

int app_user(struct app *a, const char *name, struct app_user *u)
{
	enum pf_rc rc = pf_account_lookup(&a->cfg, name, &u->acct);

	if (rc == PF_ERR_INVAL)
		return app_fail(a, PF_EXIT_USAGE, "invalid user name");
	if (rc == PF_ERR_NOENT && a->caller_root) {
		snprintf(u->acct.name, sizeof(u->acct.name), "%s", name);
		u->acct.uid = (uid_t)-1;
		u->acct.root_like = false;
	} else if (rc != PF_OK) {
		return app_fail(a, PF_EXIT_FAILURE, "unknown user %s", name);
	}
	u->lo = (struct pf_lockout){ &a->cfg,           &a->st, u->acct.name, u->acct.uid,
				     u->acct.root_like, &a->log };
	return PF_EXIT_OK;
}

void app_close(struct app *a)
{
	if (a->st_open)
		pf_store_close(&a->st);
	if (a->cfg_loaded)
		pf_config_free(&a->cfg);
	a->st_open = a->cfg_loaded = false;
}
