/* Who runs frontegg_chkstate, by real uid, and what they may ask. */
#include "autoconfig.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "chkstate.h"

int chk_identify(struct chk *c)
{
	uid_t ruid = getuid();
	struct passwd *pw;

	/* Run by a set-uid program we keep only the real uid: the group is all we lend. */
	if (geteuid() != ruid && syscall(SYS_setresuid, ruid, ruid, ruid) != 0)
		return PF_EXIT_DENIED;
	pw = getpwuid(ruid);
	if (pw == NULL || pw->pw_uid != ruid || strlen(pw->pw_name) > PF_USER_MAX)
		return PF_EXIT_DENIED;
	snprintf(c->caller, sizeof(c->caller), "%s", pw->pw_name);
	return PF_EXIT_OK;
}

int chk_own_account(const struct chk *c, const char *user)
{
	/*
	 * The exact name NSS gives the real uid: no alias, no other spelling,
	 * so the record touched is always the caller's own.
	 */
	if (user == NULL || strcmp(user, c->caller) != 0)
		return chk_fail(PF_EXIT_DENIED, "only for your own account");
	return PF_EXIT_OK;
}
