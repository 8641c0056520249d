/*
 * What the caller controls before we start: open descriptors, signal mask
 * and dispositions, resource limits. A setgid program must not let any of
 * them steer its writes (doc/invariants.md, invariant 14).
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "chkstate.h"

/*
 * A caller that closed stdout would have our first open() land on fd 1 and
 * the reply written into a state file: fill 0-2 with /dev/null first.
 */
bool chk_sane_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int null = open("/dev/null", O_RDWR);
		if (null != fd) {
			if (null >= 0)
				close(null);
			return false;
		}
	}
	/* Inherited descriptors would count against RLIMIT_NOFILE and leak into nothing. */
#if defined(HAVE_CLOSE_RANGE)
	if (close_range(3, ~0U, 0) != 0)
		return false;
#elif defined(SYS_close_range)
	if (syscall(SYS_close_range, 3U, ~0U, 0) != 0)
		return false;
#else
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
#endif
	return true;
}

static void raise_soft_limit(int resource)
{
	struct rlimit rl;

	/* Only the soft limit: a setgid program has no right to the hard one. */
	if (getrlimit(resource, &rl) == 0 && rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(resource, &rl);
	}
}

void chk_shield(void)
{
	static const int blocked[] = { SIGXFSZ, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU };
	sigset_t set;

	/*
	 * Blocked, so a write past RLIMIT_FSIZE or into a closed pipe fails with
	 * an error we handle instead of killing us half-way, and the terminal's
	 * job control cannot stop us while we hold a user's lock.
	 */
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++)
		sigaddset(&set, blocked[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise_soft_limit(RLIMIT_FSIZE);
	raise_soft_limit(RLIMIT_NOFILE);
}
