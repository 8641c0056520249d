/* NSS lookups: the account of a name, and whether admin_group covers it. */
#include "autoconfig.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam_frontegg/account.h"
#include "pam_frontegg/username.h"

#define NSS_BUF_MAX (1024 * 1024)

/* Runs getgrnam_r with a growing buffer; false when the group is unknown. */
bool pf_group_gid(const char *group, gid_t *gid)
{
	size_t size = 4096;
	struct group gr, *res = NULL;
	char *buf = NULL;
	int err;

	do {
		char *bigger = realloc(buf, size);
		if (bigger == NULL)
			break;
		buf = bigger;
		err = getgrnam_r(group, &gr, buf, size, &res);
		size *= 2;
	} while (err == ERANGE && size <= NSS_BUF_MAX);
	if (res != NULL)
		*gid = gr.gr_gid;
	free(buf);
	return res != NULL;
}

/* Primary group or any supplementary group of the account. */
static bool in_group(const struct pf_account *a, gid_t want)
{
	int n = 64;
	gid_t *groups = NULL;
	bool found = a->gid == want;

	while (!found) {
		int got = n;
		gid_t *bigger = realloc(groups, (size_t)n * sizeof(*groups));
		if (bigger == NULL)
			break;
		groups = bigger;
		if (getgrouplist(a->name, a->gid, groups, &got) >= 0) {
			for (int i = 0; i < got && !found; i++)
				found = groups[i] == want;
			break;
		}
		if (got <= n || got > 65536)
			break;
		n = got;
	}
	free(groups);
	return found;
}

/*
 * Whether a typed name may be asked of NSS at all: it will never become a
 * path or a URL (only the canonical name does), but no name service needs
 * control characters, spaces or a kilobyte to name an account.
 */
static bool askable(const char *name)
{
	size_t len = strnlen(name, PF_ASK_MAX + 1);

	if (len == 0 || len > PF_ASK_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

enum pf_rc pf_account_lookup(const struct pf_config *cfg, const char *user, struct pf_account *out)
{
	size_t size = 4096;
	struct passwd pw, *res = NULL;
	char *buf = NULL;
	bool keyable = false;
	int err = 0;
	gid_t admin;

	memset(out, 0, sizeof(*out));
	if (user == NULL || !askable(user))
		return PF_ERR_INVAL;
	do {
		char *bigger = realloc(buf, size);
		if (bigger == NULL) {
			free(buf);
			return PF_ERR_NOMEM;
		}
		buf = bigger;
		err = getpwnam_r(user, &pw, buf, size, &res);
		size *= 2;
	} while (err == ERANGE && size <= NSS_BUF_MAX);
	if (res != NULL) {
		/* The name NSS calls the account, whatever alias was typed (invariant 8). */
		keyable = pf_username_valid(pw.pw_name);
		if (keyable)
			snprintf(out->name, sizeof(out->name), "%s", pw.pw_name);
		out->uid = pw.pw_uid;
		out->gid = pw.pw_gid;
		out->resolved = true;
	}
	free(buf);
	if (res == NULL)
		return err == 0 || err == ENOENT || err == ESRCH ? PF_ERR_NOENT : PF_ERR_IO;
	out->root_like =
	    out->uid == 0 || (keyable && cfg->admin_group != NULL &&
			      pf_group_gid(cfg->admin_group, &admin) && in_group(out, admin));
	return keyable ? PF_OK : PF_ERR_INVAL;
}
