/* The configuration, the state store and the caller's lockout handle. */
#include "autoconfig.h"

#include <string.h>
#include <unistd.h>

#include "chkstate.h"

static int load_config(struct chk *c)
{
	char arg[PF_CONF_LINE_MAX];
	const char *argv[1] = { arg };
	const char *path = chk_conf_path();
	/* The default file may be absent (defaults apply); another one must exist. */
	int argc = strcmp(path, PF_DEFAULT_CONF) == 0 ? 0 : 1;

	if (strlen(path) + sizeof("conf=") > sizeof(arg))
		return chk_fail(PF_EXIT_CONFIG, "the configuration path is too long");
	memcpy(arg, "conf=", 5);
	memcpy(arg + 5, path, strlen(path) + 1);
	/* Never the client secret: this program talks to nobody. */
	if (pf_config_load(&c->cfg, argc, argv, 0, &c->log) != PF_OK)
		return chk_fail(PF_EXIT_CONFIG,
				"cannot load the configuration (see the system log)");
	c->cfg_loaded = true;
	c->log.debug = c->cfg.debug;
	return PF_EXIT_OK;
}

/* The caller's account as the module keys it; it must still be the real uid's. */
static int caller_account(struct chk *c)
{
	if (pf_account_lookup(&c->cfg, c->caller, &c->acct) != PF_OK || c->acct.uid != getuid())
		return chk_fail(PF_EXIT_DENIED, "your account is not known to this host's NSS");
	c->lo = (struct pf_lockout){ &c->cfg,           &c->st, c->acct.name, c->acct.uid,
				     c->acct.root_like, &c->log };
	return PF_EXIT_OK;
}

int chk_open(struct chk *c)
{
	int rc = load_config(c);

	if (rc != PF_EXIT_OK)
		return rc;
	/* No PF_STORE_CREATE: the directories are root's (tmpfiles.d) to make. */
	if (pf_store_open(&c->st, c->cfg.state_dir, 0, &c->log) != PF_OK)
		return chk_fail(PF_EXIT_STATE,
				"cannot open the state directory (see the system log)");
	c->st_open = true;
	/* A busy lock is answered (exit 5) before the module's deadline kills us. */
	c->st.lock_wait_ms = c->cfg.timeout_ms / 4 * 3;
	return caller_account(c);
}

void chk_close(struct chk *c)
{
	if (c->st_open)
		pf_store_close(&c->st);
	if (c->cfg_loaded)
		pf_config_free(&c->cfg);
	c->st_open = c->cfg_loaded = false;
}
