/*
 * Private interface of pam_frontegg.so: one struct pf_module per PAM call,
 * built by pam_frontegg.c, acted on by module_flow.c through the lockout
 * operations of backend_direct.c (root) or backend_helper.c (helper).
 */
#ifndef PAM_FRONTEGG_MODULE_H
#define PAM_FRONTEGG_MODULE_H

#include <stdbool.h>
#include <sys/types.h>

#include <security/pam_modules.h>

#include "pam_frontegg/account.h"
#include "pam_frontegg/config.h"
#include "pam_frontegg/lockout.h"
#include "pam_frontegg/state.h"

enum pf_mode { PF_MODE_NONE, PF_MODE_PREAUTH, PF_MODE_AUTHFAIL, PF_MODE_AUTHSUCC, PF_MODE_ACCOUNT };

/* Longest reason kept for a fail-open/fail-closed log line. */
#define PF_WHY_MAX 256

struct pf_module {
	pam_handle_t *pamh;
	enum pf_mode mode;
	struct pf_config cfg;
	bool cfg_loaded;
	struct pf_logger log;      /* every line goes to pam_syslog (authpriv) */
	bool silent;               /* "silent" or PAM_SILENT: no conversation messages */
	bool privileged;           /* euid 0: use the state store directly */
	const struct pf_ops *ops;  /* pf_direct_ops when privileged, else pf_helper_ops */
	struct pf_account account; /* PAM_USER as NSS resolved it */
	const char *user;          /* account.name: the canonical name, a valid key */
	uid_t uid;
	bool root_like; /* uid 0 or a member of admin_group */
	bool exempt;    /* root_like without even_deny_root: never counted, never locked */
	/*
	 * Cloud handling for this user: consult the cached cloud state (cloud),
	 * or the mapping failed so the cloud state is unknowable (cloud_error).
	 */
	bool cloud;
	bool cloud_error;
	int64_t attempt; /* when preauth counted this handle's attempt (0: none) */
	struct pf_store store;
	bool store_open;
	char why[PF_WHY_MAX]; /* why the last operation failed */
};

/* ---- args.c: the mode word, the settings and the configuration ---------- */
/* Loads m->cfg (and m->mode) from the module's arguments; a PAM code. */
int pf_args_load_config(struct pf_module *m, bool auth, int flags, int argc, const char **argv);

/* ---- user.c: who the PAM user is --------------------------------------- */
/* Resolves PAM_USER to m->account, m->user and the rest; PAM_SUCCESS to go on. */
int pf_user_resolve(struct pf_module *m);

/* ---- module_flow.c: what each entry point does ------------------------- */
int pf_flow_preauth(struct pf_module *m);
int pf_flow_authfail(struct pf_module *m);
int pf_flow_authsucc(struct pf_module *m);
int pf_flow_account(struct pf_module *m);
/* Remembers in the PAM handle that auth ran for m->user (faillock PR #921). */
void pf_flow_mark_auth(struct pf_module *m);
/* Loads into m->attempt the attempt preauth counted in this handle for m->user. */
void pf_flow_load_attempt(struct pf_module *m);

/* ---- the lockout operations, direct or through the helper --------------- */
enum pf_success { PF_SUCCESS_CLEARED, PF_SUCCESS_LOCKED, PF_SUCCESS_FAILED };

/*
 * What the flow asks of the state, done in this process as root
 * (backend_direct.c) or through frontegg_chkstate otherwise
 * (backend_helper.c): the flow never asks which.
 */
struct pf_ops {
	/* A failed check has verdict PF_VERDICT_ERROR and m->why set. */
	void (*check)(struct pf_module *m, struct pf_check *out);
	/*
	 * preauth's check and the attempt it counts, in one transaction where
	 * the backend can (outcome PF_FAIL_EXEMPT when none is counted).
	 */
	void (*preauth)(struct pf_module *m, const struct pf_auth_event *ev, struct pf_check *check,
			struct pf_failure_result *out);
	/*
	 * The account check after auth in this handle, settling m->attempt in
	 * the same transaction when it allows (*settled) where the backend can.
	 */
	void (*account)(struct pf_module *m, struct pf_check *check, bool *settled);
	bool (*record_failure)(struct pf_module *m, const struct pf_auth_event *ev,
			       struct pf_failure_result *out);
	enum pf_success (*record_success)(struct pf_module *m);
	/* One synchronous refresh and a re-read; false (m->why set) when none came. */
	bool (*refresh)(struct pf_module *m, struct pf_check *out);
	/* Starts the detached push of the user's outbox entry, if this backend may. */
	void (*push)(struct pf_module *m);
	void (*close)(struct pf_module *m);
};

extern const struct pf_ops pf_direct_ops;
extern const struct pf_ops pf_helper_ops;

/* The --conf the helper needs (NULL: its default). */
const char *pf_helper_conf(const struct pf_module *m);

/* ---- conversation.c ----------------------------------------------------- */
/* The one text shown when the account phase refuses a locked user. */
#define PF_MSG_LOCKED "Access denied: this account is locked. Contact your administrator."
/* The text shown when failmode=closed refuses because the state is unknown. */
#define PF_MSG_UNAVAILABLE                                                                         \
	"Access denied: the account status cannot be checked right now. Try again later."
void pf_conv_error(const struct pf_module *m, const char *text);

/* ---- audit.c ------------------------------------------------------------ */
void pf_audit_logger_init(struct pf_module *m);
void pf_audit_failure(const struct pf_module *m, const struct pf_auth_event *ev,
		      const struct pf_failure_result *r);
void pf_audit_host_lock(const struct pf_module *m, const struct pf_failure_result *r);
void pf_audit_refused(const struct pf_module *m, const char *reason);
/* enforce = no: the refusal that would have happened. */
void pf_audit_would_refuse(const struct pf_module *m, const char *reason);
void pf_audit_fail_open(const struct pf_module *m, const char *what);
/* enforce = no: an unknown state that would have refused (why: "failmode=closed", ...). */
void pf_audit_would_refuse_unknown(const struct pf_module *m, const char *why, const char *what);
void pf_audit_fail_closed(const struct pf_module *m, const char *what);
void pf_audit_host_unknown(const struct pf_module *m, const char *what);
void pf_audit_break_glass(const struct pf_module *m, const char *what);

#endif
