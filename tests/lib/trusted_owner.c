/*
 * Test builds only: trust the account that owns the build tree instead of
 * root. The shipped binaries trust root, who installs them; a test build
 * trusts whoever built it, read from its own file, so a checkout owned by
 * a normal user runs every suite, and under uid_wrapper (which fakes the
 * ids a process sees, never a file's owner) the module and helper accept
 * the files that user wrote. Nothing here reads the environment: a copy of
 * a test binary made by root (tests that run as root) trusts root again.
 */
#include "autoconfig.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_frontegg/safe_file.h"
#include "trusted_owner.h"

void pf_test_trust_owner(uid_t uid)
{
	pf_trusted_owner = uid;
}

/* The file this code was loaded from: the program, or the module's .so. */
static __attribute__((constructor)) void trust_own_file(void)
{
	Dl_info info;
	struct stat sb;

	if (dladdr((void *)trust_own_file, &info) != 0 && info.dli_fname != NULL &&
	    info.dli_fname[0] == '/' && stat(info.dli_fname, &sb) == 0)
		pf_test_trust_owner(sb.st_uid);
	else if (stat("/proc/self/exe", &sb) == 0)
		pf_test_trust_owner(sb.st_uid);
}

/*
 * A test program trusts the owner of the files it creates (not getuid():
 * uid_wrapper may be faking that), so its own fixtures pass the rules.
 */
void pf_test_trust_file_creator(void)
{
	const char *base = getenv("TMPDIR");
	char path[4096];
	struct stat sb;
	int fd;

	snprintf(path, sizeof(path), "%s/pf-owner.XXXXXX", base && base[0] == '/' ? base : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	if (fstat(fd, &sb) != 0)
		abort();
	close(fd);
	unlink(path);
	pf_test_trust_owner(sb.st_uid);
}
