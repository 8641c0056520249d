/*
 * peak_rss: runs a command and reports its peak resident set size and wall
 * time, for the helper's memory figures in `make bench`.
 *
 *   peak_rss COMMAND [ARGS...]
 *
 * The command's own output passes through; the last line on stderr is
 * "peak_rss: maxrss_kib=N wall_s=S exit=N". The figure is ru_maxrss of
 * getrusage(RUSAGE_CHILDREN): this process waits for exactly one child, so
 * it is that child's peak (the helper verbs measured never fork).
 */
#include "autoconfig.h"

#include <stdio.h>
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

int main(int argc, char **argv)
{
	struct rusage ru;
	double started;
	int status = 0;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: peak_rss COMMAND [ARGS...]\n");
		return 2;
	}
	started = seconds();
	pid = fork();
	if (pid < 0) {
		perror("peak_rss: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror("peak_rss: exec");
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		;
	if (getrusage(RUSAGE_CHILDREN, &ru) != 0) {
		perror("peak_rss: getrusage");
		return 2;
	}
	fprintf(stderr, "peak_rss: maxrss_kib=%ld wall_s=%.3f exit=%d\n", ru.ru_maxrss,
		seconds() - started, exit_code(status));
	return exit_code(status);
}
