/*
 * Host user -> Frontegg identity: an explicit line of user_map_file wins,
 * else the user_email template. GECOS is never used: users can chfn.
 */
#ifndef PAM_FRONTEGG_USERMAP_H
#define PAM_FRONTEGG_USERMAP_H

#include "common.h"
#include <sys/types.h>

#include "config.h"

enum pf_ident_kind { PF_IDENT_NONE, PF_IDENT_EMAIL, PF_IDENT_ID };

struct pf_identity {
	enum pf_ident_kind kind;
	char value[PF_IDENT_MAX + 1];
};

#define PF_MAP_MAX_SIZE (4 * 1024 * 1024)

/*
 * Maps user (already validated) to its Frontegg identity. PF_ERR_NOENT when
 * the user is unmapped (no template and no map line).
 */
PF_NODISCARD enum pf_rc pf_map_user(const struct pf_config *cfg, const char *user,
				    struct pf_identity *out, const struct pf_logger *log);

/*
 * The mapping of a host account, with the break-glass rules (doc/invariants.md,
 * invariant 7): a root-like account (uid 0, admin_group) is never mapped
 * unless even_deny_root; an account below uid_min (UID_MIN of login.defs)
 * only through a line of user_map_file. uid (uid_t)-1 is an account NSS no
 * longer knows. PF_ERR_NOENT when not mapped.
 */
PF_NODISCARD enum pf_rc pf_map_account(const struct pf_config *cfg, const char *user, uid_t uid,
				       bool root_like, struct pf_identity *out,
				       const struct pf_logger *log);

/* UID_MIN of the login.defs at path (root-owned, not writable by others), else 1000. */
unsigned pf_login_defs_uid_min(const char *path);

#ifndef PF_LOGIN_DEFS
#define PF_LOGIN_DEFS "/etc/login.defs"
#endif

/* The map-file parser on its own (fuzzable): finds user's line in text. */
PF_NODISCARD enum pf_rc pf_map_lookup_text(const char *text, size_t len, const char *origin,
					   const char *user, struct pf_identity *out,
					   const struct pf_logger *log);

/* Expands the %u template; PF_ERR_INVAL when the result is no plausible e-mail. */
PF_NODISCARD enum pf_rc pf_map_expand_template(const char *tmpl, const char *user,
					       struct pf_identity *out);

/*
 * Classifies a map value: an e-mail has one '@', an id is [A-Za-z0-9-].
 * "-" is neither: the state record writes it for "no id / no identity".
 */
enum pf_ident_kind pf_ident_classify(const char *value);

#endif
