/*
 * Running frontegg-lockout (root) or frontegg_chkstate (anyone else) from
 * inside the host application.
 *
 * The host (sshd, login, gdm, a screen locker) owns the process: its signal
 * handlers, its other children, its descriptors. We change SIGCHLD only for
 * the life of our own child and put everything back; we reap only our own
 * pid; the child gets the pipes and nothing else, an empty environment and a
 * fixed path; and a deadline bounds the whole exchange, so a hung helper
 * costs the login at most `timeout`.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper_exec.h"
#include "pam_frontegg/safe_file.h"

#define ARGV_MAX 6

/* ---- SIGCHLD while our child lives ------------------------------------- */

/*
 * SIGCHLD is blocked and set to SIG_DFL while our child lives: SIG_DFL so
 * that a host which ignores SIGCHLD (auto-reaping) cannot take our child's
 * exit status, blocked so that a host handler calling waitpid(-1) cannot run
 * and steal it either. Blocked signals stay pending even under SIG_DFL, so
 * a host child that exits meanwhile is not forgotten: see guard_leave.
 */
struct sigchld_guard {
	struct sigaction old_act;
	sigset_t old_mask;
	bool was_pending;
};

static void sigchld_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
}

static void guard_enter(struct sigchld_guard *g)
{
	struct sigaction dfl;
	sigset_t set, pending;

	sigchld_set(&set);
	sigprocmask(SIG_BLOCK, &set, &g->old_mask);
	/* Setting SIG_DFL discards a pending SIGCHLD; remember it to redeliver. */
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGCHLD) == 1;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &g->old_act);
}

static bool is_handler(const struct sigaction *a)
{
	return a->sa_handler != SIG_DFL && a->sa_handler != SIG_IGN;
}

/* True when the host has an exited child waiting (peeked, not reaped). */
static bool host_child_waiting(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0;
}

/* Consumes the SIGCHLD our own (already reaped) children left pending. */
static void drop_pending_sigchld(void)
{
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	sigset_t set;

	sigchld_set(&set);
	while (sigtimedwait(&set, &si, &zero) < 0 && errno == EINTR)
		;
}

/*
 * Restores the host's SIGCHLD. Our child's signal is dropped, because a
 * handler that calls a blocking wait() would hang on it; one is raised again
 * when the host had one pending or has an exited child of its own, so the
 * host's handler runs exactly when it has something to reap.
 */
static void guard_leave(struct sigchld_guard *g)
{
	bool redeliver;

	drop_pending_sigchld();
	redeliver = is_handler(&g->old_act) && (g->was_pending || host_child_waiting());
	sigaction(SIGCHLD, &g->old_act, NULL);
	if (redeliver)
		raise(SIGCHLD); /* still blocked: delivered when the old mask returns */
	sigprocmask(SIG_SETMASK, &g->old_mask, NULL);
}

/* ---- the child: async-signal-safe calls only -------------------------- */

/* The child's standard streams; -1 means /dev/null. */
struct child_fds {
	int in, out, err;
};

static int parse_fd(const char *s)
{
	int n = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > INT_MAX / 10 - 1)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

struct dirent64_rec {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Fallback for kernels without close_range: the open descriptors, not a loop to RLIMIT_NOFILE. */
static void close_listed(int first)
{
	char buf[1024] __attribute__((aligned(8)));
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (dir < 0)
		_exit(127); /* cannot prove nothing leaks: do not exec */
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			const struct dirent64_rec *d = (const void *)(buf + off);
			int fd = parse_fd(d->d_name);

			if (fd >= first && fd != dir)
				close(fd);
			off += d->d_reclen;
		}
	}
	close(dir);
}

static void close_from(int first)
{
#if defined(HAVE_CLOSE_RANGE)
	if (close_range((unsigned)first, ~0U, 0) == 0)
		return;
#elif defined(SYS_close_range)
	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0)
		return;
#endif
	close_listed(first);
}

/* Signal handlers die with exec, but ignored signals and the mask survive it. */
static void reset_signals(void)
{
	struct sigaction dfl;
	sigset_t none;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Moves fd out of 0..2, so that installing one stream cannot clobber another. */
static int above_stdio(int fd)
{
	return fd > 2 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

static void install_streams(struct child_fds fds)
{
	int want[3] = { fds.in, fds.out, fds.err };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int i = 0; i < 3; i++) {
		want[i] = above_stdio(want[i] < 0 ? null : want[i]);
		if (want[i] < 0)
			_exit(127);
	}
	for (int i = 0; i < 3; i++)
		if (dup2(want[i], i) != i) /* dup2 clears FD_CLOEXEC on the copy */
			_exit(127);
	close_from(3);
}

static _Noreturn void child_exec(const char *path, char *const argv[], struct child_fds fds)
{
	char *envp[] = { NULL };

	reset_signals();
	install_streams(fds);
	/*
	 * A setuid-root caller (su, sudo) has euid 0 but a user's real uid; the
	 * helper grants root's verbs by real uid, and we do hold root here.
	 */
	if (geteuid() == 0 && getuid() != 0 && syscall(SYS_setresuid, 0, 0, 0) != 0)
		_exit(127);
	execve(path, argv, envp);
	_exit(127);
}

/* The intermediate child of a detached start: new session, fork, leave. */
static _Noreturn void detach_and_exec(const char *path, char *const argv[])
{
	pid_t pid;

	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid == 0)
		child_exec(path, argv, (struct child_fds){ -1, -1, -1 });
	_exit(pid < 0 ? 1 : 0);
}

/* All signals blocked across fork, so no host handler ever runs in the child. */
static pid_t spawn(const char *path, char *const argv[], struct child_fds fds, bool detach)
{
	sigset_t all, saved;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &saved);
	pid = fork();
	if (pid == 0) {
		if (detach)
			detach_and_exec(path, argv);
		child_exec(path, argv, fds);
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return pid;
}

/* ---- the parent ------------------------------------------------------- */

static void say(char *why, size_t whysize, const char *fmt, ...) PF_PRINTF(3, 4);

static void say(char *why, size_t whysize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whysize, fmt, ap);
	va_end(ap);
}

bool pf_helper_path_ok(const char *path, char *why, size_t whysize)
{
	struct stat sb;

	if (path == NULL || path[0] != '/') {
		say(why, whysize, "helper path is not absolute");
		return false;
	}
	if (stat(path, &sb) != 0) {
		say(why, whysize, "helper %s: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 0111) == 0)
		say(why, whysize, "helper %s is not an executable file", path);
	else if (sb.st_uid != pf_trusted_owner && sb.st_uid != geteuid())
		say(why, whysize, "helper %s is owned by uid %lu", path, (unsigned long)sb.st_uid);
	else if (sb.st_mode & 022)
		say(why, whysize, "helper %s is writable by group or others", path);
	else
		return true;
	return false;
}

/* execve predates const; it does not write to its argument strings. */
static char *unconst(const char *s)
{
	return (char *)(uintptr_t)s;
}

static void build_argv(const struct pf_helper_req *req, char *argv[ARGV_MAX])
{
	const char *slash = strrchr(req->path, '/');
	size_t n = 0;

	argv[n++] = unconst(slash != NULL ? slash + 1 : req->path);
	if (req->conf != NULL) {
		argv[n++] = unconst("--conf");
		argv[n++] = unconst(req->conf);
	}
	argv[n++] = unconst(req->verb);
	argv[n++] = unconst(req->user);
	argv[n] = NULL;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Our ends and the child's ends of stdin (a socket: no SIGPIPE), stdout, stderr. */
struct channels {
	int in_w, out_r, err_r;
	struct child_fds child;
};

static void close_channels(struct channels *ch)
{
	close_fd(&ch->in_w);
	close_fd(&ch->out_r);
	close_fd(&ch->err_r);
	close_fd(&ch->child.in);
	close_fd(&ch->child.out);
	close_fd(&ch->child.err);
}

static bool open_channels(struct channels *ch)
{
	int sv[2], out[2], err[2];

	*ch = (struct channels){ -1, -1, -1, { -1, -1, -1 } };
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return false;
	ch->in_w = sv[0];
	ch->child.in = sv[1];
	if (pipe2(out, O_CLOEXEC) != 0)
		return close_channels(ch), false;
	ch->out_r = out[0];
	ch->child.out = out[1];
	if (pipe2(err, O_CLOEXEC) != 0)
		return close_channels(ch), false;
	ch->err_r = err[0];
	ch->child.err = err[1];
	/* Only our read ends: the helper's own writes stay blocking. */
	return fcntl(ch->out_r, F_SETFL, O_NONBLOCK) == 0 &&
	       fcntl(ch->err_r, F_SETFL, O_NONBLOCK) == 0;
}

/* What we learn about the running child. */
struct run_state {
	pid_t pid;
	int pidfd; /* -1 when the kernel has no pidfd_open */
	size_t out_len, err_len;
	bool overlong, exited, timed_out;
	int status;
};

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* Reads what is there; keeps at most cap bytes, flags more when asked to. */
static void drain(int *fd, char *buf, size_t cap, size_t *len, bool *overflow)
{
	char chunk[512];
	ssize_t n = read(*fd, chunk, sizeof(chunk));
	size_t take;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close_fd(fd);
		return;
	}
	take = (size_t)n < cap - *len ? (size_t)n : cap - *len;
	memcpy(buf + *len, chunk, take);
	*len += take;
	if (take < (size_t)n && overflow != NULL)
		*overflow = true;
}

/* Without a pidfd, notices the exit by a non-blocking wait. */
static void poll_exit(struct run_state *rs)
{
	pid_t r;

	if (rs->exited || rs->pidfd >= 0)
		return;
	do
		r = waitpid(rs->pid, &rs->status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == rs->pid)
		rs->exited = true;
}

static int poll_timeout(long long left, bool nap)
{
	if (nap && left > 10)
		return 10; /* no pidfd: look at the child again soon */
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* One round of poll over the open pipes and the pidfd. */
static void poll_once(struct channels *ch, struct run_state *rs, struct pf_helper_reply *rep,
		      long long left)
{
	struct pollfd p[3];
	nfds_t n = 0;

	if (ch->out_r >= 0)
		p[n++] = (struct pollfd){ ch->out_r, POLLIN, 0 };
	if (ch->err_r >= 0)
		p[n++] = (struct pollfd){ ch->err_r, POLLIN, 0 };
	if (rs->pidfd >= 0)
		p[n++] = (struct pollfd){ rs->pidfd, POLLIN, 0 };
	if (poll(p, n, poll_timeout(left, rs->pidfd < 0)) <= 0)
		return;
	for (nfds_t i = 0; i < n; i++) {
		if (p[i].revents == 0)
			continue;
		if (p[i].fd == ch->out_r)
			drain(&ch->out_r, rep->line, sizeof(rep->line) - 1, &rs->out_len,
			      &rs->overlong);
		else if (p[i].fd == ch->err_r)
			drain(&ch->err_r, rep->err, sizeof(rep->err) - 1, &rs->err_len, NULL);
		else
			rs->exited = true;
	}
}

/*
 * Collects stdout and stderr until the child has exited and closed them,
 * the reply overflows, or the deadline passes. A child that exited while a
 * descendant still holds its pipes is not waited for.
 */
static void exchange(struct channels *ch, struct run_state *rs, struct pf_helper_reply *rep,
		     long long deadline)
{
	for (;;) {
		long long left = deadline - mono_ms();
		bool was_exited;

		poll_exit(rs);
		was_exited = rs->exited;
		if (rs->overlong || (rs->exited && ch->out_r < 0 && ch->err_r < 0))
			return;
		if (left <= 0) {
			rs->timed_out = !rs->exited;
			return;
		}
		poll_once(ch, rs, rep, was_exited ? 0 : left);
		if (was_exited)
			return;
	}
}

static bool reap(struct run_state *rs)
{
	pid_t r;

	if (rs->exited && rs->pidfd < 0)
		return true; /* poll_exit reaped it already */
	if (!rs->exited)
		kill(rs->pid, SIGKILL);
	do
		r = waitpid(rs->pid, &rs->status, 0);
	while (r < 0 && errno == EINTR);
	return r == rs->pid;
}

static void send_input(struct channels *ch, const char *input)
{
	size_t len = input ? strlen(input) : 0;

	/* Small (PF_EVENT_MAX) so it fits the socket buffer; MSG_NOSIGNAL: no SIGPIPE. */
	if (len > 0 && send(ch->in_w, input, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		(void)0; /* a helper that died early is judged by its exit status */
	close_fd(&ch->in_w);
}

static const char *first_line(char *s)
{
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static bool judge(const struct run_state *rs, bool reaped, struct pf_helper_reply *rep,
		  unsigned timeout_ms, char *why, size_t whysize)
{
	const char *err = first_line(rep->err);

	if (rs->timed_out)
		say(why, whysize, "no answer within %u ms (killed)", timeout_ms);
	else if (rs->overlong)
		say(why, whysize, "reply longer than %d bytes (killed)", PF_REPLY_MAX);
	else if (!reaped)
		say(why, whysize, "exit status lost: %s", strerror(errno));
	else if (WIFSIGNALED(rs->status))
		say(why, whysize, "killed by signal %d", WTERMSIG(rs->status));
	else if (WEXITSTATUS(rs->status) != 0)
		say(why, whysize, "exited with status %d%s%s", WEXITSTATUS(rs->status),
		    err[0] ? ": " : "", err);
	else
		return true;
	return false;
}

bool pf_helper_run(const struct pf_helper_req *req, struct pf_helper_reply *rep, char *why,
		   size_t whysize)
{
	long long deadline = mono_ms() + req->timeout_ms;
	struct run_state rs = { .pidfd = -1 };
	struct sigchld_guard guard;
	struct channels ch;
	char *argv[ARGV_MAX];
	bool reaped;

	memset(rep, 0, sizeof(*rep));
	if (!pf_helper_path_ok(req->path, why, whysize))
		return false;
	if (!open_channels(&ch)) {
		say(why, whysize, "cannot create pipes: %s", strerror(errno));
		close_channels(&ch);
		return false;
	}
	build_argv(req, argv);
	guard_enter(&guard);
	rs.pid = spawn(req->path, argv, ch.child, false);
	if (rs.pid < 0) {
		say(why, whysize, "cannot fork: %s", strerror(errno));
		close_channels(&ch);
		guard_leave(&guard);
		return false;
	}
	close_fd(&ch.child.in);
	close_fd(&ch.child.out);
	close_fd(&ch.child.err);
	rs.pidfd = open_pidfd(rs.pid);
	send_input(&ch, req->input);
	exchange(&ch, &rs, rep, deadline);
	reaped = reap(&rs);
	close_fd(&rs.pidfd);
	close_channels(&ch);
	guard_leave(&guard);
	return judge(&rs, reaped, rep, req->timeout_ms, why, whysize);
}

bool pf_helper_spawn_detached(const struct pf_helper_req *req, char *why, size_t whysize)
{
	struct sigchld_guard guard;
	char *argv[ARGV_MAX];
	int status = 0;
	pid_t pid, r;

	if (!pf_helper_path_ok(req->path, why, whysize))
		return false;
	build_argv(req, argv);
	guard_enter(&guard);
	pid = spawn(req->path, argv, (struct child_fds){ -1, -1, -1 }, true);
	/* The intermediate child only forks and exits: this wait is short. */
	do
		r = pid < 0 ? -1 : waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	guard_leave(&guard);
	if (pid < 0 || r != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		say(why, whysize, "cannot start a detached helper");
		return false;
	}
	return true;
}
