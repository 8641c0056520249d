/* The host account behind a user name: NSS lookup and who counts as root. */
#ifndef PAM_FRONTEGG_ACCOUNT_H
#define PAM_FRONTEGG_ACCOUNT_H

#include <sys/types.h>

#include "config.h"

/* Longest typed name asked of NSS (a realm-qualified alias may be long). */
#define PF_ASK_MAX 256

struct pf_account {
	char name[PF_USER_MAX + 1]; /* the NSS canonical name (pw_name): every record's key */
	uid_t uid;
	gid_t gid;
	bool root_like; /* uid 0, or a member of admin_group */
	bool resolved;  /* NSS knows the account (even when its name cannot be a key) */
};

/*
 * Looks user, any alias NSS accepts (case, realm), up through NSS
 * (getpwnam_r) and names the account by its canonical pw_name, so every
 * alias shares one record (doc/invariants.md, invariant 8). PF_ERR_NOENT for
 * an unknown user, PF_ERR_IO when NSS itself failed, PF_ERR_INVAL for a name
 * not worth asking (control characters, spaces, over PF_ASK_MAX bytes) or,
 * with out->resolved, uid and root_like set, an account whose canonical name
 * fails pf_username_valid and so cannot be keyed.
 */
/* The gid of group through NSS (getgrnam_r); false when the group is unknown. */
bool pf_group_gid(const char *group, gid_t *gid);

enum pf_rc pf_account_lookup(const struct pf_config *cfg, const char *user, struct pf_account *out);

#endif
