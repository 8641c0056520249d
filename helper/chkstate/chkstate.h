/*
 * frontegg_chkstate: the small setgid program that does for an unprivileged
 * caller (a screen locker) what pam_frontegg.so does in-process for root,
 * in the pam_unix -> unix_chkpwd model (doc/privileges.md). It acts only on
 * the caller's own account, reads only the compiled-in configuration, links
 * only libc and lib/, and answers with one line of protocol.h.
 */
#ifndef PF_CHKSTATE_H
#define PF_CHKSTATE_H

#include "pam_frontegg/account.h"
#include "pam_frontegg/config.h"
#include "pam_frontegg/lockout.h"
#include "pam_frontegg/protocol.h"
#include "pam_frontegg/state.h"

/* Everything one run needs; set up by main, torn down by chk_close. */
struct chk {
	char caller[PF_USER_MAX + 1]; /* the real uid's account name */
	struct pf_logger log;         /* syslog only: stderr may be a pipe nobody reads */
	struct pf_config cfg;
	bool cfg_loaded;
	struct pf_store st;
	bool st_open;
	struct pf_account acct;
	struct pf_lockout lo;
};

/* harden.c: the process state every run starts from. */
/* Descriptors 0-2 open (on /dev/null if the caller closed them), nothing above. */
bool chk_sane_fds(void);
/* Job-control stops, SIGXFSZ and SIGPIPE blocked; soft limits raised to the hard ones. */
void chk_shield(void);

/* caller.c: who runs us and whether they may ask for this. */
/* Fills c->caller from the real uid; drops any set-uid identity. */
int chk_identify(struct chk *c);
/* The USER argument must be the caller's own account name, spelt the same. */
int chk_own_account(const struct chk *c, const char *user);

/* conf.c: the one configuration file this program reads. */
const char *chk_conf_path(void);

/* setup.c: configuration, store and the caller's lockout handle. */
int chk_open(struct chk *c);
void chk_close(struct chk *c);

/* verbs.c: each returns an enum pf_exit value. */
int chk_check(struct chk *c);
int chk_record_failure(struct chk *c, const char *event, size_t len);
int chk_record_success(struct chk *c);
int chk_status(struct chk *c);

/* One line on stderr after the store is closed; returns code. */
int chk_fail(int code, const char *text);

#endif
