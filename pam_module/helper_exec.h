/*
 * Running frontegg-lockout or frontegg_chkstate from inside a host application (sshd, login,
 * a screen locker) without disturbing it: SIGCHLD guarded, our own child
 * reaped by pid, every descriptor but the pipes closed, empty environment,
 * a hard deadline (poll, then SIGKILL, then reap).
 */
#ifndef PAM_FRONTEGG_HELPER_EXEC_H
#define PAM_FRONTEGG_HELPER_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "pam_frontegg/protocol.h"

struct pf_helper_req {
	const char *path; /* absolute, checked by pf_helper_path_ok */
	const char *conf; /* passed as "--conf PATH" before the verb when non-NULL */
	const char *verb;
	const char *user;
	const char *input; /* written to the helper's stdin; NULL: none */
	unsigned timeout_ms;
};

struct pf_helper_reply {
	char line[PF_REPLY_MAX + 1]; /* the helper's stdout, NUL-terminated */
	char err[160];               /* the start of its stderr, for the log */
};

/*
 * Checks that path is absolute, a regular executable file owned by root or
 * by the effective uid, and writable by nobody else.
 */
bool pf_helper_path_ok(const char *path, char *why, size_t whysize);

/*
 * Runs the helper and waits at most req->timeout_ms for it. True when it
 * exited 0 having printed at most PF_REPLY_MAX bytes; otherwise why says
 * what went wrong (timeout, signal, exit status, overlong output).
 */
bool pf_helper_run(const struct pf_helper_req *req, struct pf_helper_reply *rep, char *why,
		   size_t whysize);

/*
 * Starts the helper detached (double fork, setsid) with /dev/null as its
 * standard streams, and returns as soon as the intermediate child is reaped.
 */
bool pf_helper_spawn_detached(const struct pf_helper_req *req, char *why, size_t whysize);

#endif
