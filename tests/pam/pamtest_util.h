/*
 * The PAM-test world: a work directory prepared by tests/pam/pamenv.sh
 * (nss_wrapper users, pam_wrapper service files), the fake helper installed
 * in it, the configuration, the injected clock, the captured audit lines and
 * conversation messages, and ways to run PAM stacks or call the module's
 * entry points directly, as root or as a test user.
 */
#ifndef PF_PAMTEST_UTIL_H
#define PF_PAMTEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <security/pam_appl.h>

#include "pam_frontegg/state.h"

/* Test users (see pamenv.sh). */
#define UID_ALICE  1000 /* mapped to alice@example.com */
#define UID_BOB    1001 /* not mapped */
#define GID_HELPER 1500 /* the group the fake helper is setgid to */

enum pt_entry { PT_PREAUTH, PT_AUTHFAIL, PT_AUTHSUCC, PT_ACCOUNT };

/* Exits 77 unless pam_wrapper is really active (never read /etc/pam.d). */
void pt_require_wrapper(void);

/* Resets the world: fresh state dir, helper, cloud answers, clock; writes the config. */
void pt_reset(const char *extra_conf);
/* Rewrites the configuration (the base settings plus extra lines). */
void pt_conf(const char *extra_conf);
const char *pt_work(void);
const char *pt_path(const char *rel); /* static buffer: WORK/rel */

void pt_clock_set(int64_t now);
void pt_helper_mode(const char *mode);
void pt_cloud_says(const char *user, const char *said);
/* Installs the helper with another owner/mode (for the path checks). */
void pt_helper_perms(uid_t owner, gid_t group, mode_t mode);

/* Calls recorded by the fake helper: all of them, or those of one verb. */
unsigned pt_calls(const char *verb);
/* The last recorded call of verb: its caller's ruid, environment size, open fds. */
bool pt_last_call(const char *verb, unsigned long *ruid, int *envc, int *nfds, long *pid);
/* The name the last call of verb was run by, and whether it was given --conf. */
bool pt_last_call_prog(const char *verb, char *prog, size_t size, int *conf);
/* Waits (bounded) until the helper recorded n calls of verb. */
bool pt_wait_calls(const char *verb, unsigned n, int timeout_ms);
/* Waits (bounded) until process pid has exited; false on timeout. */
bool pt_wait_exit(long pid, int timeout_ms);

/* Reads USER's record; false when there is none. */
bool pt_state(const char *user, struct pf_user_state *out);
bool pt_exists(const char *rel);
/* Number of entries in WORK/rel (a directory), -1 when it does not exist. */
int pt_dir_entries(const char *rel);

/* Captured pam_syslog lines and conversation messages. */
void pt_log_clear(void);
bool pt_log_has(const char *needle);
void pt_msgs_clear(void);
bool pt_msgs_has(const char *needle);
unsigned pt_msgs_count(void);

/* Runs pam_authenticate and/or pam_acct_mgmt in one handle of service. */
struct pt_stack {
	int auth; /* -1 when not run */
	int acct;
};
/* How long the last pt_run spent in pam_authenticate + pam_acct_mgmt (CLOCK_MONOTONIC). */
extern int64_t pt_last_ms;
struct pt_stack pt_run(const char *service, const char *user, bool auth, bool acct, int flags);

/*
 * Runs one entry point (its own handle) and returns the module's own return
 * value. variant picks a service with other arguments (see pamenv.sh).
 */
int pt_call1(const char *user, enum pt_entry e, const char *variant);
int pt_call_flags(const char *user, enum pt_entry e, const char *variant, int flags);

/*
 * Runs fn in a child switched to uid/gid (a non-root caller); fn stores up
 * to 16 results in out[]. Returns false when the child failed.
 */
bool pt_as_user(uid_t uid, gid_t gid, void (*fn)(int *out, void *arg), void *arg, int out[16]);

int64_t pt_mono_ms(void);

#endif
