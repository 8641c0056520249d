/*
 * frontegg-lockout's shared context: options, configuration, state store and
 * logging, set up once by main and handed to every verb.
 */
#ifndef PF_HELPER_APP_H
#define PF_HELPER_APP_H

#include "pam_frontegg/account.h"
#include "pam_frontegg/config.h"
#include "pam_frontegg/lockout.h"
#include "pam_frontegg/protocol.h"
#include "pam_frontegg/state.h"

struct app {
	const char *conf_path; /* --conf */
	bool json;             /* --json */
	bool progress;         /* --progress */
	bool pam_file;         /* --pam: check-config reads a PAM service file */
	const char *metrics_file;
	bool caller_root; /* real uid 0 */
	char caller[PF_USER_MAX + 1];
	char actor[PF_USER_MAX + 32]; /* who is behind it: login uid, SUDO_USER, caller */
	const char *reason;           /* --reason, sanitised, or NULL */
	bool stderr_log;              /* echo warnings and errors on stderr */
	struct pf_logger log;
	struct pf_config cfg;
	bool cfg_loaded;
	struct pf_store st;
	bool st_open;
};

/* One user of the host, ready for the lib/ lockout operations. */
struct app_user {
	struct pf_account acct;
	struct pf_lockout lo;
};

/*
 * Loads the configuration (with the secret when want_secret) and opens the
 * store. An untrusted configuration file is an error unless host_only_ok
 * (the module's verbs, which then work host-only like the module).
 */
int app_load(struct app *a, bool want_secret, bool host_only_ok);
/*
 * Resolves a user named on the command line: valid name, known to NSS. A
 * user NSS does not know is still usable by root (records of deleted
 * accounts), as uid -1 and not root-like.
 */
int app_user(struct app *a, const char *name, struct app_user *u);
void app_close(struct app *a);

/* Reads the client secret (inline or client_secret_file); root only, logged on failure. */
PF_NODISCARD enum pf_rc app_read_secret(const struct pf_config *cfg, char **secret,
					const struct pf_logger *log);

/*
 * Sets a->actor: the login uid's name (/proc/self/loginuid, kept across su
 * and sudo), else sudo_user (SUDO_USER, read before the environment was
 * cleared), else the caller. For the audit trail only: never for a decision.
 */
void app_actor_init(struct app *a, const char *sudo_user);

/* Prints one error line on stderr (and to syslog); returns code. */
int app_fail(struct app *a, int code, const char *fmt, ...) PF_PRINTF(3, 4);

/* The verbs; each returns an enum pf_exit value. */
int verb_check(struct app *a, int argc, char **argv);
int verb_refresh(struct app *a, int argc, char **argv);
int verb_record_failure(struct app *a, int argc, char **argv);
int verb_record_success(struct app *a, int argc, char **argv);
int verb_push(struct app *a, int argc, char **argv);
int verb_status(struct app *a, int argc, char **argv);
int verb_lock(struct app *a, int argc, char **argv);
int verb_unlock(struct app *a, int argc, char **argv);
int verb_reset_link(struct app *a, int argc, char **argv);
int verb_doctor(struct app *a, int argc, char **argv);

#endif
