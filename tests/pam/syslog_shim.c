/*
 * LD_PRELOAD syslog for the CLI tests: while $PF_FAKE_SYSLOG_FILE names a
 * file (taken when the shim loads: frontegg-lockout clears its environment
 * first thing), every syslog line is appended to it, one per line, so a
 * test can read the audit trail of an administrator's verb. Without the
 * variable it forwards to the C library.
 */
#define _GNU_SOURCE
#include "autoconfig.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

void syslog(int priority, const char *fmt, ...);
void vsyslog(int priority, const char *fmt, va_list ap);
void __syslog_chk(int priority, int flag, const char *fmt, ...);
void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap);

static char log_file[4096];

__attribute__((constructor)) static void remember_log_file(void)
{
	const char *path = getenv("PF_FAKE_SYSLOG_FILE");
	size_t n = path ? strlen(path) : 0;

	if (n > 0 && n < sizeof(log_file))
		memcpy(log_file, path, n + 1);
}

static void append(const char *fmt, va_list ap)
{
	char line[2048];
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap), fd;

	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	fd = open(log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) != n)
			n = 0;
		close(fd);
	}
}

void vsyslog(int priority, const char *fmt, va_list ap)
{
	void (*real)(int, const char *, va_list);

	if (log_file[0]) {
		append(fmt, ap);
		return;
	}
	real = (void (*)(int, const char *, va_list))dlsym(RTLD_NEXT, "vsyslog");
	if (real)
		real(priority, fmt, ap);
}

void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	vsyslog(priority, fmt, ap);
}

void syslog(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(priority, fmt, ap);
	va_end(ap);
}

void __syslog_chk(int priority, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	vsyslog(priority, fmt, ap);
	va_end(ap);
}
