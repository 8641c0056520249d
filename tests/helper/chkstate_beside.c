/*
 * The test build of frontegg_chkstate: identical but for the one file it
 * reads, which is the pam_frontegg.conf in the directory of its own binary
 * instead of the compiled-in path, so each test can give a setgid copy a
 * world of its own. Never installed; the installed program links
 * helper/chkstate/conf.c.
 */
#include "autoconfig.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "chkstate.h"

#define CONF_NAME "/pam_frontegg.conf"

const char *chk_conf_path(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - sizeof(CONF_NAME));
	char *slash;

	if (n <= 0)
		return "/nonexistent" CONF_NAME;
	path[n] = '\0';
	slash = strrchr(path, '/');
	memcpy(slash != NULL ? slash : path, CONF_NAME, sizeof(CONF_NAME));
	return path;
}
