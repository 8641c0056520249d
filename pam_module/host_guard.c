/* Limits and signals of the host process, set aside and restored (host_guard.h). */
#include "autoconfig.h"

#include <time.h>

#include "host_guard.h"

static void guarded_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGXFSZ);
	sigaddset(set, SIGPIPE);
}

static bool at_least(rlim_t have, rlim_t want)
{
	return have == RLIM_INFINITY || (want != RLIM_INFINITY && have >= want);
}

/*
 * Raises the soft limit of resource to its hard limit and, when privileged,
 * both to at least floor; returns whether *saved holds what to restore.
 */
static bool raise_limit(int resource, rlim_t floor, bool privileged, struct rlimit *saved)
{
	struct rlimit rl;

	if (getrlimit(resource, saved) != 0)
		return false;
	rl.rlim_max = saved->rlim_max;
	if (privileged && !at_least(rl.rlim_max, floor))
		rl.rlim_max = floor; /* root (CAP_SYS_RESOURCE) may */
	rl.rlim_cur = rl.rlim_max;
	if (at_least(saved->rlim_cur, rl.rlim_cur))
		return false; /* already enough: nothing to restore */
	if (setrlimit(resource, &rl) == 0)
		return true;
	/* Refused (no CAP_SYS_RESOURCE): as far as the hard limit allows. */
	rl.rlim_max = rl.rlim_cur = saved->rlim_max;
	return !at_least(saved->rlim_cur, rl.rlim_cur) && setrlimit(resource, &rl) == 0;
}

void pf_host_guard_enter(struct pf_host_guard *g, bool privileged)
{
	sigset_t set;

	guarded_signals(&set);
	sigemptyset(&g->pending_before);
	sigpending(&g->pending_before);
	sigprocmask(SIG_BLOCK, &set, &g->old_mask);
	g->fsize_saved = raise_limit(RLIMIT_FSIZE, RLIM_INFINITY, privileged, &g->fsize);
	g->nofile_saved = raise_limit(RLIMIT_NOFILE, PF_GUARD_NOFILE, privileged, &g->nofile);
}

/* A SIGXFSZ or SIGPIPE our own I/O raised while blocked must not reach the host. */
static void discard_ours(const sigset_t *before)
{
	static const struct timespec now = { 0, 0 };
	sigset_t pending, one;
	static const int sigs[] = { SIGXFSZ, SIGPIPE };

	if (sigpending(&pending) != 0)
		return;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (!sigismember(&pending, sigs[i]) || sigismember(before, sigs[i]))
			continue;
		sigemptyset(&one);
		sigaddset(&one, sigs[i]);
		(void)sigtimedwait(&one, NULL, &now);
	}
}

void pf_host_guard_leave(struct pf_host_guard *g)
{
	if (g->fsize_saved)
		(void)setrlimit(RLIMIT_FSIZE, &g->fsize);
	if (g->nofile_saved)
		(void)setrlimit(RLIMIT_NOFILE, &g->nofile);
	discard_ours(&g->pending_before);
	sigprocmask(SIG_SETMASK, &g->old_mask, NULL);
}
