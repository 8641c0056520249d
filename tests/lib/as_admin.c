/*
 * Test builds of the helper and the fake helper only: the module runs its helper with an empty
 * environment, where uid_wrapper (which lives in LD_PRELOAD and the
 * environment) cannot follow. When the account that owns the build tree
 * runs this build without uid_wrapper, the program starts again under it
 * as (fake) root: that account is the test run's administrator, as root is
 * a real host's. A root run, or another account, goes on unchanged.
 */
#include "autoconfig.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *preload(const char *lib)
{
	static char both[4096];
	const char *before = getenv("LD_PRELOAD");

	if (before == NULL || before[0] == '\0' ||
	    (size_t)snprintf(both, sizeof(both), "%s %s", before, lib) >= sizeof(both))
		return lib;
	return both;
}

extern char **environ;

/* How many variables the program was given, before ours (the fake helper reports it). */
static int given_envc(void)
{
	int n = 0;

	while (environ != NULL && environ[n] != NULL)
		n++;
	return n;
}

static __attribute__((constructor)) void start_as_admin(int argc, char **argv)
{
	static const char lib[] = PF_UID_WRAPPER_LIB;
	char envc[16];
	struct stat sb;

	(void)argc;
	/* uid_wrapper loaded already (not merely named in the environment), or
	 * this very restart: nothing to do. */
	if (lib[0] != '/' || getuid() == 0 || dlsym(RTLD_DEFAULT, "uid_wrapper_enabled") != NULL ||
	    getenv("PF_TEST_AS_ADMIN") != NULL)
		return;
	if (stat("/proc/self/exe", &sb) != 0 || sb.st_uid != getuid() || access(lib, R_OK) != 0)
		return;
	/* Keeps what the test preloads (the clock shim); a sanitizer build must
	 * accept preloaded libraries ahead of its runtime. */
	snprintf(envc, sizeof(envc), "%d", given_envc());
	if (setenv("PF_TEST_GIVEN_ENVC", envc, 1) == 0 && setenv("PF_TEST_AS_ADMIN", "1", 1) == 0 &&
	    setenv("LD_PRELOAD", preload(lib), 1) == 0 && setenv("UID_WRAPPER", "1", 1) == 0 &&
	    setenv("UID_WRAPPER_ROOT", "1", 1) == 0 &&
	    setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1) == 0 &&
	    setenv("ASAN_OPTIONS", "verify_asan_link_order=0", 0) == 0)
		execv("/proc/self/exe", argv);
}
