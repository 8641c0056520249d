/*
 * LD_PRELOAD clock for the PAM tests. The module reads the time only
 * through lib/'s pf_now() (clock_gettime(CLOCK_REALTIME)); this shim answers
 * CLOCK_REALTIME, time() and gettimeofday() from the file named by
 * $PF_FAKE_CLOCK_FILE (decimal seconds) while that file exists, and the real
 * clock otherwise. Monotonic clocks are never faked: the helper deadline
 * must stay real. Production code has no hook at all: an environment
 * variable that moved a login module's clock would be an unlock button.
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int clock_gettime(clockid_t clk, struct timespec *ts);
time_t time(time_t *t);
int gettimeofday(struct timeval *restrict tv, void *restrict tz);

/*
 * The file name is taken when the shim loads: frontegg-lockout clears its
 * environment first thing, and its clock must stay faked after that.
 */
static char clock_file[4096];

__attribute__((constructor)) static void remember_clock_file(void)
{
	const char *path = getenv("PF_FAKE_CLOCK_FILE");
	size_t n = path ? strlen(path) : 0;

	if (n > 0 && n < sizeof(clock_file))
		memcpy(clock_file, path, n + 1);
}

/* Reads the faked seconds; false when no fake clock is set. */
static int fake_now(long long *out)
{
	const char *path = clock_file[0] ? clock_file : NULL;
	char buf[32];
	long long v = 0;
	ssize_t n;
	int fd;

	if (path == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (buf[i] - '0');
	*out = v;
	return 1;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	long long now;

	if ((clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE) && fake_now(&now)) {
		ts->tv_sec = (time_t)now;
		ts->tv_nsec = 0;
		return 0;
	}
	return (int)syscall(SYS_clock_gettime, clk, ts);
}

time_t time(time_t *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = 0;
	return 0;
}
