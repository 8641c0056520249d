/* The host account behind a user name: NSS lookup and who counts as root. */
#ifndef PAM_FRONTEGG_ACCOUNT_H
#define PAM_FRONTEGG_ACCOUNT_H

#include <sys/types.h>

#include "config.h"

struct pf_account {
	char name[PF_USER_MAX + 1];
	uid_t uid;
	gid_t gid;
	bool root_like; /* uid 0, or a member of admin_group */
};

/*
 * Looks user up through NSS (getpwnam_r). PF_ERR_INVAL for a name that fails
 * pf_username_valid, PF_ERR_NOENT for an unknown user, PF_ERR_IO when NSS
 * itself failed.
 */
/* The gid of group through NSS (getgrnam_r); false when the group is unknown. */
bool pf_group_gid(const char *group, gid_t *gid);

enum pf_rc pf_account_lookup(const struct pf_config *cfg, const char *user, struct pf_account *out);

#endif
