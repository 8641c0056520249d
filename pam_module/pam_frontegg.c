/*
 * pam_frontegg.so: the PAM entry points (arguments: args.c, the user: user.c,
 * what each entry point does: module_flow.c, the state: backend_*.c).
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
 * RETURN VALUES: the table is pam_module/RETURN-VALUES.md, the one source;
 * the per-entry-point lists of pam_frontegg(8) are generated from it
 * (man/return-values.py, `make man-update`; tests/data/test_return_values.py
 * fails when they are stale).
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

#include <string.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "host_guard.h"
#include "module.h"

#define PF_EXPORT __attribute__((visibility("default")))

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
	m.ops = m.privileged ? &pf_direct_ops : &pf_helper_ops;
	/* Everything the module does runs under the guard, restored before we return. */
	pf_host_guard_enter(&guard, m.privileged);
	pf_audit_logger_init(&m);
	rv = pf_args_load_config(&m, auth, flags, argc, argv);
	if (rv == PAM_SUCCESS)
		rv = pf_user_resolve(&m);
	if (rv == PAM_SUCCESS) {
		pf_flow_load_attempt(&m);
		rv = dispatch(&m);
	}
	m.ops->close(&m);
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
