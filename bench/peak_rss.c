/*
 * peak_rss: runs a command and reports its peak resident set size, its peak
 * private memory and its wall time, for the helper's memory figures in
 * `make bench`.
 *
 *   peak_rss COMMAND [ARGS...]
 *
 * The command's own output passes through; the last line on stderr is
 * "peak_rss: maxrss_kib=N private_kib=N private_how=HOW wall_s=S exit=N".
 *
 * maxrss_kib is the child's ru_maxrss (the helper verbs measured never
 * fork). It counts every page of the shared libraries the child touched,
 * pages every other process using them shares: it is not what the child
 * costs the host.
 *
 * private_kib is the largest Private_Clean + Private_Dirty (+ Private_Hugetlb,
 * + SwapPss, or Swap where the kernel has no SwapPss) of the child's
 * /proc/PID/smaps_rollup: the pages no other process maps, what the child
 * adds to the host's memory (a shared library's pages among them while no
 * other process maps that library, so it is an upper bound). It is read
 * every millisecond while the child runs and, when the child may be traced,
 * once more when it exits, before the kernel tears its address space down
 * (PTRACE_EVENT_EXIT): otherwise a run shorter than a millisecond would go
 * unseen, and a longer one's growth after its last sample. HOW is
 * "sampled+exit" when that last reading was made, "sampled" when it was not
 * (the reason is printed on a line before), "none" when smaps_rollup could
 * never be read (private_kib is then -1).
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The child's exit status as a shell would print it. */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
}

/* The value in kB of field NAME ("Private_Dirty:") in TEXT, -1 if absent. */
static long field_kib(const char *text, const char *name)
{
	size_t len = strlen(name);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0)
			return strtol(p + len, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/*
 * The child's private memory in KiB now, -1 when it cannot be read (the
 * child gone, or between two address spaces in execve). The file is opened
 * anew each time: an open one would keep describing the address space it
 * was opened on, the one execve replaced.
 */
static long private_kib(const char *path)
{
	char buf[4096];
	size_t have = 0;
	long clean, dirty, huge, swap;
	int fd;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	while (have < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	clean = field_kib(buf, "Private_Clean:");
	dirty = field_kib(buf, "Private_Dirty:");
	if (clean < 0 || dirty < 0)
		return -1;
	huge = field_kib(buf, "Private_Hugetlb:");
	swap = field_kib(buf, "SwapPss:");
	if (swap < 0)
		swap = field_kib(buf, "Swap:");
	return clean + dirty + (huge > 0 ? huge : 0) + (swap > 0 ? swap : 0);
}

static void sleep_ms(void)
{
	struct timespec ts = { 0, 1000000 };

	/* An interrupted sleep only makes this sample early. */
	nanosleep(&ts, NULL);
}

/*
 * Forks the child, stopped on a pipe until this process has tried to trace
 * it, so that the trace covers the whole run. Sets *traced.
 */
static pid_t start(char **argv, int *traced)
{
	int gate[2];
	char byte;
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC) != 0) {
		perror("peak_rss: pipe2");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("peak_rss: fork");
		close(gate[0]);
		close(gate[1]);
		return -1;
	}
	if (pid == 0) {
		close(gate[1]);
		/* EOF opens the gate, whether the parent traces this process or not. */
		while (read(gate[0], &byte, 1) < 0 && errno == EINTR)
			;
		execvp(argv[0], argv);
		perror("peak_rss: exec");
		_exit(127);
	}
	close(gate[0]);
	*traced = ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)PTRACE_O_TRACEEXIT) == 0;
	if (!*traced)
		fprintf(stderr, "peak_rss: ptrace: %s; private memory sampled only\n",
			strerror(errno));
	close(gate[1]);
	return pid;
}

/* Whether SIG stops a process by default: the signals of a group stop. */
static int stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/*
 * Resumes the stopped tracee. At its exit, reads its memory a last time
 * first and lets it go: nothing is left to watch.
 */
static void resume(pid_t pid, int status, const char *path, long *peak, int *at_exit)
{
	int event = status >> 16, sig = WSTOPSIG(status);
	long kib;

	if (event == PTRACE_EVENT_EXIT) {
		kib = private_kib(path);
		if (kib >= 0) {
			*at_exit = 1;
			if (kib > *peak)
				*peak = kib;
		} else {
			fprintf(stderr, "peak_rss: %s unreadable at exit\n", path);
		}
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	} else if (event == PTRACE_EVENT_STOP && stop_signal(sig)) {
		/* A group stop: the tracee stays stopped, as it would untraced. */
		ptrace(PTRACE_LISTEN, pid, NULL, NULL);
	} else if (event != 0) {
		ptrace(PTRACE_CONT, pid, NULL, NULL);
	} else {
		/* A signal on its way to the tracee: deliver it. */
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
}

int main(int argc, char **argv)
{
	char path[64];
	struct rusage ru;
	double started;
	long peak = -1, kib;
	int status = 0, traced = 0, at_exit = 0;
	pid_t pid, got;

	if (argc < 2) {
		fprintf(stderr, "usage: peak_rss COMMAND [ARGS...]\n");
		return 2;
	}
	started = seconds();
	pid = start(argv + 1, &traced);
	if (pid < 0)
		return 2;
	snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", (long)pid);
	/*
	 * Samples taken before execve read this program's forked copy, its
	 * pages nearly all shared with this process: they stay far below the
	 * command's own.
	 */
	for (;;) {
		kib = private_kib(path);
		if (kib > peak)
			peak = kib;
		got = wait4(pid, &status, WNOHANG, &ru);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			perror("peak_rss: wait4");
			return 2;
		}
		if (got == 0) {
			sleep_ms();
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (WIFSTOPPED(status) && traced)
			resume(pid, status, path, &peak, &at_exit);
	}
	fprintf(stderr,
		"peak_rss: maxrss_kib=%ld private_kib=%ld private_how=%s wall_s=%.3f exit=%d\n",
		ru.ru_maxrss, peak,
		peak < 0  ? "none"
		: at_exit ? "sampled+exit"
			  : "sampled",
		seconds() - started, exit_code(status));
	return exit_code(status);
}
