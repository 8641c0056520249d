/*
 * The caller's limits and signals, set aside while the module works
 * (doc/invariants.md, invariant 14): the process that loaded us may have
 * set RLIMIT_FSIZE to 0, left almost no descriptor free, or kept SIGXFSZ
 * and SIGPIPE at their default (kill). An attacker who chooses them must
 * not be able to make a state write fail, or kill the process between the
 * password check and the record of its outcome.
 */
#ifndef PAM_FRONTEGG_HOST_GUARD_H
#define PAM_FRONTEGG_HOST_GUARD_H

#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>

/* The least RLIMIT_NOFILE a privileged module raises the hard limit to. */
#define PF_GUARD_NOFILE 1024

struct pf_host_guard {
	sigset_t old_mask;
	sigset_t pending_before; /* SIGXFSZ/SIGPIPE already pending: not ours to discard */
	struct rlimit fsize, nofile;
	bool fsize_saved, nofile_saved;
};

/*
 * Blocks SIGXFSZ and SIGPIPE and raises the soft RLIMIT_FSIZE and
 * RLIMIT_NOFILE to their hard limits; when privileged, the hard limits too,
 * to unlimited and at least PF_GUARD_NOFILE.
 */
void pf_host_guard_enter(struct pf_host_guard *g, bool privileged);
/* Restores the limits and the signal mask, discarding the signals the module caused. */
void pf_host_guard_leave(struct pf_host_guard *g);

#endif
