/*
 * One parser for /etc/security/pam_frontegg.conf and for module arguments,
 * in pam_faillock's style: "key = value" lines, '#' comments, bare keys for
 * booleans. Arguments are applied after the file, so they win.
 *
 * A configuration mistake hurts nobody (doc/invariants.md, invariant 13): a
 * bad value or an unknown key is logged with file:line and that key keeps
 * its default; a file that cannot be trusted (owner, mode, symlink, missing
 * conf=) is not used at all: host-only lockout with the defaults. The strict
 * mode (check-config) fails on every one of those.
 */
#ifndef PAM_FRONTEGG_CONFIG_H
#define PAM_FRONTEGG_CONFIG_H

#include "common.h"
#include "log.h"

#ifndef PF_DEFAULT_CONF
#define PF_DEFAULT_CONF "/etc/security/pam_frontegg.conf"
#endif
#ifndef PF_DEFAULT_STATE_DIR
#define PF_DEFAULT_STATE_DIR "/var/lib/pam_frontegg"
#endif
#ifndef PF_DEFAULT_HELPER
#define PF_DEFAULT_HELPER "/usr/sbin/frontegg-lockout"
#endif
#ifndef PF_DEFAULT_CHKSTATE
#define PF_DEFAULT_CHKSTATE "/usr/sbin/frontegg_chkstate"
#endif
#define PF_DEFAULT_API_URL "https://api.frontegg.com"

/* Bounds of the numeric keys (seconds unless said otherwise). */
#define PF_DENY_MAX       64     /* the failure ring keeps this many records */
#define PF_INTERVAL_MAX   604800 /* one week, pam_faillock's bound */
#define PF_TTL_MAX        86400
#define PF_TIMEOUT_MS_MIN 100
#define PF_TIMEOUT_MS_MAX 60000
#define PF_CONF_MAX_SIZE  (64 * 1024)
#define PF_CONF_LINE_MAX  1024
/* uid_min not configured: UID_MIN of /etc/login.defs, else 1000. */
#define PF_UID_MIN_UNSET 0xffffffffu

enum pf_failmode { PF_FAILMODE_OPEN, PF_FAILMODE_CLOSED };

struct pf_config {
	char *conf_path; /* the file read (NULL when none) */
	char *api_url;   /* "https://..." */
	char *client_id;
	char *environment_id; /* sent as frontegg-environment-id; NULL = none */
	char *client_secret;  /* only with PF_CONF_WANT_SECRET; wiped by pf_config_free */
	char *client_secret_file;
	bool has_inline_secret; /* client_secret appeared in the file */
	char *ca_file;
	char *proxy;
	char *user_email; /* template, "%u" is the login name */
	char *user_map_file;
	unsigned deny;
	unsigned fail_interval;
	unsigned unlock_time; /* 0 = only an administrator unlocks */
	bool even_deny_root;
	unsigned root_unlock_time;
	char *admin_group;
	char **ignore_users; /* NULL-terminated */
	bool cloud_lock;
	bool cloud_check;
	unsigned cloud_cache_ttl;
	bool cloud_unlock_on_expiry;
	bool cloud_audit; /* add each lock/unlock to the user's tenant audit trail */
	enum pf_failmode failmode;
	unsigned timeout_ms;
	char *state_dir;
	char *helper;   /* frontegg-lockout: root's network work */
	char *chkstate; /* frontegg_chkstate: what a non-root caller runs */
	bool silent;
	bool debug;
	bool enforce;     /* no: audit only, count and log "would lock", refuse nobody */
	unsigned uid_min; /* below it only a map-file line maps a user (PF_UID_MIN_UNSET) */
	/*
	 * Why the file was not used (heap, NULL when it was): the module runs
	 * host-only with the defaults and says so on every call.
	 */
	char *untrusted;
	unsigned problems; /* settings ignored: bad values, unknown keys, bad lines */
	/* private: root_unlock_time given explicitly (else it follows unlock_time) */
	bool root_unlock_time_set;
};

enum pf_config_flags {
	PF_CONF_WANT_SECRET = 1u << 0, /* keep client_secret (helper as root only) */
	PF_CONF_NO_FILE = 1u << 1,     /* arguments only (tests, fuzzing) */
	PF_CONF_STRICT = 1u << 2,      /* check-config: every problem is an error */
};

/* Fills cfg with the built-in defaults. */
PF_NODISCARD enum pf_rc pf_config_defaults(struct pf_config *cfg);

/*
 * Loads defaults, then the config file (conf= among argv, else
 * PF_DEFAULT_CONF), then argv. Every problem is logged as one line naming
 * file and line ("module argument" for argv). A missing default file is
 * fine. Without PF_CONF_STRICT only PF_ERR_NOMEM fails: a bad setting keeps
 * its default (cfg->problems counts them) and an untrusted file sets
 * cfg->untrusted and leaves a host-only configuration. With PF_CONF_STRICT
 * the same run returns PF_ERR_PERM (untrusted file), PF_ERR_NOENT (missing
 * conf= file) or PF_ERR_INVAL (any ignored setting), cfg still loaded.
 * Except after PF_ERR_NOMEM (cfg freed), free cfg with pf_config_free.
 */
PF_NODISCARD enum pf_rc pf_config_load(struct pf_config *cfg, int argc, const char *const *argv,
				       unsigned flags, const struct pf_logger *log);

/*
 * Applies one "key=value" or bare "key" setting. origin and line are for
 * messages ("pam_frontegg.conf", 12, or "module argument", 0).
 */
PF_NODISCARD enum pf_rc pf_config_apply(struct pf_config *cfg, const char *setting,
					const char *origin, unsigned line, unsigned flags,
					const struct pf_logger *log);

/* Parses a whole config text (the file parser, fuzzable without a file). */
PF_NODISCARD enum pf_rc pf_config_parse_text(struct pf_config *cfg, const char *text, size_t len,
					     const char *origin, unsigned flags,
					     const struct pf_logger *log);

/* Cloud features need a client id; without one the module is a local faillock. */
bool pf_config_cloud_configured(const struct pf_config *cfg);

bool pf_config_ignores_user(const struct pf_config *cfg, const char *user);

void pf_config_free(struct pf_config *cfg);

#endif
