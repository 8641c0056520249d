/*
 * The configuration parser: one code path for the file and for module
 * arguments. Every key has a type, a default and bounds in the table below.
 */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_frontegg/config.h"
#include "pam_frontegg/safe_file.h"
#include "pam_frontegg/username.h"
#include "pam_frontegg/usermap.h"

enum key_type {
	K_STRING,
	K_URL,
	K_PATH,
	K_BOOL,
	K_UINT,
	K_TIMEOUT,
	K_FAILMODE,
	K_REGION,
	K_USERS,
	K_TEMPLATE,
	K_GROUP,
	K_SECRET,
	K_ID
};

struct key {
	const char *name;
	enum key_type type;
	size_t offset;
	unsigned min, max;
};

#define F(field) offsetof(struct pf_config, field)

static const struct key keys[] = {
	{ "api_url", K_URL, F(api_url), 0, 0 },
	{ "region", K_REGION, F(api_url), 0, 0 },
	{ "client_id", K_STRING, F(client_id), 0, 0 },
	{ "environment_id", K_ID, F(environment_id), 0, 0 },
	{ "client_secret", K_SECRET, F(client_secret), 0, 0 },
	{ "client_secret_file", K_PATH, F(client_secret_file), 0, 0 },
	{ "ca_file", K_PATH, F(ca_file), 0, 0 },
	{ "proxy", K_STRING, F(proxy), 0, 0 },
	{ "user_email", K_TEMPLATE, F(user_email), 0, 0 },
	{ "user_map_file", K_PATH, F(user_map_file), 0, 0 },
	{ "deny", K_UINT, F(deny), 1, PF_DENY_MAX },
	{ "fail_interval", K_UINT, F(fail_interval), 1, PF_INTERVAL_MAX },
	{ "unlock_time", K_UINT, F(unlock_time), 0, PF_INTERVAL_MAX },
	{ "even_deny_root", K_BOOL, F(even_deny_root), 0, 0 },
	{ "root_unlock_time", K_UINT, F(root_unlock_time), 0, PF_INTERVAL_MAX },
	{ "admin_group", K_GROUP, F(admin_group), 0, 0 },
	{ "ignore_users", K_USERS, F(ignore_users), 0, 0 },
	{ "cloud_lock", K_BOOL, F(cloud_lock), 0, 0 },
	{ "cloud_check", K_BOOL, F(cloud_check), 0, 0 },
	{ "cloud_cache_ttl", K_UINT, F(cloud_cache_ttl), 0, PF_TTL_MAX },
	{ "cloud_unlock_on_expiry", K_BOOL, F(cloud_unlock_on_expiry), 0, 0 },
	{ "cloud_audit", K_BOOL, F(cloud_audit), 0, 0 },
	{ "failmode", K_FAILMODE, F(failmode), 0, 0 },
	{ "timeout", K_TIMEOUT, F(timeout_ms), PF_TIMEOUT_MS_MIN, PF_TIMEOUT_MS_MAX },
	{ "state_dir", K_PATH, F(state_dir), 0, 0 },
	{ "helper", K_PATH, F(helper), 0, 0 },
	{ "chkstate", K_PATH, F(chkstate), 0, 0 },
	{ "silent", K_BOOL, F(silent), 0, 0 },
	{ "debug", K_BOOL, F(debug), 0, 0 },
	{ "enforce", K_BOOL, F(enforce), 0, 0 },
	{ "uid_min", K_UINT, F(uid_min), 0, PF_UID_MIN_UNSET - 1 },
};

static const struct {
	const char *name, *url;
} regions[] = {
	{ "eu", "https://api.frontegg.com" },
	{ "us", "https://api.us.frontegg.com" },
	{ "ca", "https://api.ca.frontegg.com" },
	{ "au", "https://api.au.frontegg.com" },
};

/* Where a setting came from, for messages; problems counts what was ignored. */
struct origin {
	const char *name;
	unsigned line;
	unsigned flags;
	const struct pf_logger *log;
	unsigned *problems;
};

static void complain(const struct origin *o, int prio, const char *fmt, const char *a,
		     const char *b)
{
	char where[300];

	if (o->line)
		snprintf(where, sizeof(where), "%s:%u", o->name, o->line);
	else
		snprintf(where, sizeof(where), "%s", o->name);
	pf_log(o->log, prio, "%s: %s: %s%s", where, a, fmt, b ? b : "");
}

static bool set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return false;
	free(*slot);
	*slot = copy;
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return (*out = true), true;
		if (strcasecmp(v, no[i]) == 0)
			return (*out = false), true;
	}
	return false;
}

static bool parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return false;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return false;
	*out = (unsigned)n;
	return true;
}

/* "3", "0.5", "2.25": seconds with up to three decimals, stored in ms. */
static bool parse_timeout(const char *v, unsigned min_ms, unsigned max_ms, unsigned *out)
{
	unsigned long whole = 0, frac = 0, scale = 1000;
	const char *p = v;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (unsigned long)(*p - '0');
		if (whole > max_ms / 1000)
			return false;
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p) && scale > 1; p++) {
			scale /= 10;
			frac += (unsigned long)(*p - '0') * scale;
		}
		if (p[-1] == '.')
			return false;
	}
	if (*p != '\0')
		return false;
	whole = whole * 1000 + frac;
	if (whole < min_ms || whole > max_ms)
		return false;
	*out = (unsigned)whole;
	return true;
}

/*
 * %u once, no other %, and an e-mail for an ordinary name; or %u alone, for
 * a name service whose names are e-mail addresses (SSSD's user@domain).
 */
static bool template_ok(const char *v)
{
	const char *u = strstr(v, "%u");
	struct pf_identity sample;

	if (u == NULL || strchr(u + 2, '%') != NULL || strchr(v, '%') != u)
		return false;
	return strcmp(v, "%u") == 0 || pf_map_expand_template(v, "user", &sample) == PF_OK;
}

static void free_list(char **list)
{
	if (list == NULL)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

static bool list_push(char ***list, size_t *n, size_t *cap, char *item)
{
	if (*n == *cap) {
		char **bigger = realloc(*list, (*cap * 2 + 1) * sizeof(**list));
		if (bigger == NULL)
			return false;
		*list = bigger;
		*cap *= 2;
	}
	(*list)[(*n)++] = item;
	(*list)[*n] = NULL;
	return true;
}

#define LIST_SEP ", \t"

/* "alice, bob carol" -> {"alice", "bob", "carol", NULL}; NULL on failure. */
static char **parse_users(const char *v, bool *invalid)
{
	size_t n = 0, cap = 4;
	char **list = calloc(cap + 1, sizeof(*list));
	const char *p = v + strspn(v, LIST_SEP);

	while (list != NULL && *p) {
		size_t len = strcspn(p, LIST_SEP);
		char *name = strndup(p, len);

		p += len;
		p += strspn(p, LIST_SEP);
		*invalid = name != NULL && !pf_username_valid(name);
		if (name == NULL || *invalid || !list_push(&list, &n, &cap, name)) {
			free(name);
			free_list(list);
			return NULL;
		}
	}
	return list;
}

/* A setting that is ignored: its key keeps the value it had (its default). */
static enum pf_rc bad_value(const struct origin *o, const struct key *k, const char *why)
{
	complain(o, LOG_ERR, why, k->name, NULL);
	if (o->problems)
		++*o->problems;
	return PF_ERR_INVAL;
}

static enum pf_rc apply_uint(struct pf_config *cfg, const struct key *k, const char *v,
			     const struct origin *o)
{
	unsigned *slot = (unsigned *)(void *)((char *)cfg + k->offset);
	bool ok = k->type == K_TIMEOUT ? parse_timeout(v, k->min, k->max, slot)
				       : parse_uint(v, k->min, k->max, slot);
	char msg[128];

	if (ok) {
		if (slot == &cfg->root_unlock_time)
			cfg->root_unlock_time_set = true;
		return PF_OK;
	}
	if (k->type == K_TIMEOUT)
		snprintf(msg, sizeof(msg), "must be seconds between %u.%u and %u", k->min / 1000,
			 k->min % 1000 / 100, k->max / 1000);
	else
		snprintf(msg, sizeof(msg), "must be a whole number between %u and %u", k->min,
			 k->max);
	return bad_value(o, k, msg);
}

static enum pf_rc apply_text(struct pf_config *cfg, const struct key *k, const char *v,
			     const struct origin *o)
{
	char **slot = (char **)(void *)((char *)cfg + k->offset);

	switch (k->type) {
	case K_URL:
		if (strncmp(v, "https://", 8) != 0 || v[8] == '\0' || strpbrk(v, " \"<>\\^`{|}"))
			return bad_value(o, k, "must be an https:// URL");
		break;
	case K_PATH:
		if (v[0] != '/')
			return bad_value(o, k, "must be an absolute path");
		break;
	case K_TEMPLATE:
		if (!template_ok(v))
			return bad_value(
			    o, k,
			    "must contain %u once and make an e-mail (e.g. %u@example.com), "
			    "or be %u alone when login names are e-mail addresses");
		break;
	case K_GROUP:
		if (!pf_username_valid(v))
			return bad_value(o, k, "is not a valid group name");
		break;
	case K_ID:
		/* It goes into an HTTP header: the helper's rule for ids, or no header at all. */
		if (pf_ident_classify(v) != PF_IDENT_ID)
			return bad_value(o, k, "must be 1 to 64 letters, digits or dashes");
		break;
	case K_SECRET:
		if (o->line == 0)
			return bad_value(
			    o, k, "is refused as a module argument (use client_secret_file)");
		cfg->has_inline_secret = true;
		if (!(o->flags & PF_CONF_WANT_SECRET))
			return PF_OK;
		if (*slot)
			pf_wipe(*slot, strlen(*slot));
		break;
	default:
		break;
	}
	return set_string(slot, v) ? PF_OK : PF_ERR_NOMEM;
}

static enum pf_rc apply_key(struct pf_config *cfg, const struct key *k, const char *v,
			    const struct origin *o)
{
	if (v == NULL && k->type != K_BOOL)
		return bad_value(o, k, "needs a value");
	if (v != NULL && (v[0] == '\0' || has_control(v)))
		return bad_value(o, k, "has an empty value or control characters");

	switch (k->type) {
	case K_BOOL:
		if (v == NULL)
			return (*(bool *)(void *)((char *)cfg + k->offset) = true), PF_OK;
		if (!parse_bool(v, (bool *)(void *)((char *)cfg + k->offset)))
			return bad_value(o, k, "must be yes or no");
		return PF_OK;
	case K_UINT:
	case K_TIMEOUT:
		return apply_uint(cfg, k, v, o);
	case K_FAILMODE:
		if (strcmp(v, "open") == 0)
			cfg->failmode = PF_FAILMODE_OPEN;
		else if (strcmp(v, "closed") == 0)
			cfg->failmode = PF_FAILMODE_CLOSED;
		else
			return bad_value(o, k, "must be open or closed");
		return PF_OK;
	case K_REGION:
		for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
			if (strcmp(v, regions[i].name) == 0)
				return set_string(&cfg->api_url, regions[i].url) ? PF_OK
										 : PF_ERR_NOMEM;
		return bad_value(o, k, "must be eu, us, ca or au");
	case K_USERS: {
		bool invalid = false;
		char **list = parse_users(v, &invalid);
		if (list == NULL)
			return invalid ? bad_value(o, k, "holds an invalid user name")
				       : PF_ERR_NOMEM;
		free_list(cfg->ignore_users);
		cfg->ignore_users = list;
		return PF_OK;
	}
	default:
		return apply_text(cfg, k, v, o);
	}
}

static const struct key *find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == len && strncmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

/* A complaint about the key of a setting, named safely (the name may be hostile). */
static void complain_key(const struct origin *o, int prio, const char *msg, const char *setting,
			 size_t klen)
{
	char name[64];

	snprintf(name, sizeof(name), "%.*s", (int)(klen < 60 ? klen : 60), setting);
	pf_sanitize(name, sizeof(name), name);
	complain(o, prio, msg, name, NULL);
}

static enum pf_rc apply_setting(struct pf_config *cfg, const char *setting, const struct origin *o)
{
	size_t klen = strcspn(setting, "= \t");
	const char *rest = setting + klen + strspn(setting + klen, " \t");
	const char *value = NULL;
	const struct key *k;

	if (*rest == '=') {
		value = rest + 1 + strspn(rest + 1, " \t");
	} else if (*rest != '\0') {
		complain_key(o, LOG_ERR, "expected 'key = value', line ignored", setting, klen);
		if (o->problems)
			++*o->problems;
		return PF_ERR_INVAL;
	}
	k = find_key(setting, klen);
	if (k == NULL) {
		if (klen == 4 && strncmp(setting, "conf", 4) == 0)
			return PF_OK;
		complain_key(o, LOG_WARNING, "unknown option, ignored", setting, klen);
		if (o->problems)
			++*o->problems;
		return (o->flags & PF_CONF_STRICT) ? PF_ERR_INVAL : PF_OK;
	}
	return apply_key(cfg, k, value, o);
}

enum pf_rc pf_config_apply(struct pf_config *cfg, const char *setting, const char *origin,
			   unsigned line, unsigned flags, const struct pf_logger *log)
{
	struct origin o = { origin, line, flags, log, &cfg->problems };

	return apply_setting(cfg, setting, &o);
}

/* Strips trailing blanks in place; returns the first non-blank character. */
static char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

enum pf_rc pf_config_parse_text(struct pf_config *cfg, const char *text, size_t len,
				const char *origin, unsigned flags, const struct pf_logger *log)
{
	char line[PF_CONF_LINE_MAX + 1];
	struct origin o = { origin, 0, flags, log, &cfg->problems };
	unsigned before = cfg->problems;
	enum pf_rc rc = PF_OK;
	size_t pos = 0;

	/* A bad line is skipped, never the rest of the file. */
	while (pos < len && rc != PF_ERR_NOMEM) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;
		char *s;

		o.line++;
		if (n > PF_CONF_LINE_MAX || memchr(text + pos, '\0', n)) {
			complain(&o, LOG_ERR, "line too long or holds a NUL byte, ignored",
				 "syntax", NULL);
			cfg->problems++;
			pos += n + 1;
			continue;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		s = trim(line);
		if (*s != '\0' && *s != '#')
			rc = apply_setting(cfg, s, &o);
	}
	pf_wipe(line, sizeof(line));
	if (rc == PF_ERR_NOMEM)
		return rc;
	return cfg->problems == before ? PF_OK : PF_ERR_INVAL;
}

static enum pf_rc dup_default(char **slot, const char *value)
{
	return set_string(slot, value) ? PF_OK : PF_ERR_NOMEM;
}

enum pf_rc pf_config_defaults(struct pf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->deny = 3;
	cfg->fail_interval = 900;
	cfg->unlock_time = 600;
	cfg->root_unlock_time = 600;
	cfg->cloud_lock = true;
	cfg->cloud_check = true;
	cfg->cloud_cache_ttl = 60;
	cfg->failmode = PF_FAILMODE_OPEN;
	cfg->timeout_ms = 3000;
	cfg->cloud_unlock_on_expiry = true;
	cfg->cloud_audit = true;
	cfg->enforce = true;
	cfg->uid_min = PF_UID_MIN_UNSET;
	if (dup_default(&cfg->api_url, PF_DEFAULT_API_URL) != PF_OK ||
	    dup_default(&cfg->state_dir, PF_DEFAULT_STATE_DIR) != PF_OK ||
	    dup_default(&cfg->helper, PF_DEFAULT_HELPER) != PF_OK ||
	    dup_default(&cfg->chkstate, PF_DEFAULT_CHKSTATE) != PF_OK) {
		pf_config_free(cfg);
		return PF_ERR_NOMEM;
	}
	return PF_OK;
}

static const char *find_conf_arg(int argc, const char *const *argv)
{
	const char *path = NULL;

	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "conf=", 5) == 0)
			path = argv[i] + 5;
	return path;
}

/* Records why the file is not used; the caller falls back to host-only defaults. */
static enum pf_rc distrust(struct pf_config *cfg, const char *path, const char *why, enum pf_rc rc,
			   const struct pf_logger *log)
{
	char line[PF_LOG_LINE_MAX];

	snprintf(line, sizeof(line), "%s: %s", path, why);
	pf_log(log, LOG_ERR, "%s", line);
	free(cfg->untrusted);
	cfg->untrusted = strdup(line);
	return cfg->untrusted ? rc : PF_ERR_NOMEM;
}

static enum pf_rc open_conf(struct pf_config *cfg, const char *path, int *fd, struct stat *sb,
			    const struct pf_logger *log)
{
	struct pf_file_rules rules = { 022, (uid_t)-1, PF_CONF_MAX_SIZE, NULL };
	char why[256];
	enum pf_rc rc;

	if (path[0] != '/')
		return distrust(cfg, path, "conf= must be an absolute path", PF_ERR_PERM, log);
	rc = pf_open_checked_stat(-1, path, &rules, fd, sb, why, sizeof(why));
	if (rc == PF_ERR_NOENT)
		snprintf(why, sizeof(why), "does not exist");
	return rc == PF_OK ? PF_OK : distrust(cfg, path, why, rc, log);
}

/* Parses the file; PF_ERR_NOENT for a missing default file (nothing to do). */
static enum pf_rc load_file(struct pf_config *cfg, const char *path, bool explicit_path,
			    unsigned flags, const struct pf_logger *log)
{
	char why[256];
	struct stat sb;
	char *text = NULL;
	size_t len = 0;
	enum pf_rc rc;
	int fd;

	if (!explicit_path && access(path, F_OK) != 0 && errno == ENOENT)
		return PF_ERR_NOENT;
	rc = open_conf(cfg, path, &fd, &sb, log);
	if (rc != PF_OK)
		return rc;
	if (pf_read_fd(fd, PF_CONF_MAX_SIZE, &text, &len) != PF_OK) {
		close(fd);
		return distrust(cfg, path, "cannot be read", PF_ERR_IO, log);
	}
	close(fd);
	if (!set_string(&cfg->conf_path, path))
		rc = PF_ERR_NOMEM;
	else
		rc = pf_config_parse_text(cfg, text, len, path, flags, log);
	pf_wipe(text, len);
	free(text);
	if (rc != PF_ERR_NOMEM && cfg->has_inline_secret && (sb.st_mode & 077) != 0) {
		snprintf(why, sizeof(why),
			 "holds client_secret but mode %04o lets others read it "
			 "(chmod 600, or use client_secret_file)",
			 (unsigned)(sb.st_mode & 07777));
		return distrust(cfg, path, why, PF_ERR_PERM, log);
	}
	return rc == PF_ERR_NOMEM ? rc : PF_OK;
}

/*
 * An untrusted file gives nothing: the defaults and the module arguments
 * (root's PAM configuration), without Frontegg, which needs the file.
 */
static enum pf_rc host_only(struct pf_config *cfg)
{
	char *why = cfg->untrusted, *path = cfg->conf_path;
	enum pf_rc rc;

	cfg->untrusted = cfg->conf_path = NULL;
	pf_config_free(cfg);
	rc = pf_config_defaults(cfg);
	cfg->untrusted = why;
	cfg->conf_path = path;
	if (rc != PF_OK) {
		pf_config_free(cfg);
		return rc;
	}
	return PF_OK;
}

static void drop_cloud(struct pf_config *cfg)
{
	free(cfg->client_id);
	cfg->client_id = NULL;
	cfg->cloud_lock = cfg->cloud_check = false;
}

enum pf_rc pf_config_load(struct pf_config *cfg, int argc, const char *const *argv, unsigned flags,
			  const struct pf_logger *log)
{
	const char *conf = find_conf_arg(argc, argv);
	enum pf_rc rc = pf_config_defaults(cfg), file_rc = PF_OK;

	if (rc != PF_OK)
		return rc;
	if (!(flags & PF_CONF_NO_FILE))
		file_rc = load_file(cfg, conf ? conf : PF_DEFAULT_CONF, conf != NULL, flags, log);
	if (file_rc == PF_ERR_NOMEM || (cfg->untrusted && host_only(cfg) != PF_OK)) {
		pf_config_free(cfg);
		return PF_ERR_NOMEM;
	}
	for (int i = 0; i < argc; i++)
		if (pf_config_apply(cfg, argv[i], "module argument", 0, flags, log) ==
		    PF_ERR_NOMEM) {
			pf_config_free(cfg);
			return PF_ERR_NOMEM;
		}
	if (cfg->untrusted)
		drop_cloud(cfg);
	if (!cfg->root_unlock_time_set)
		cfg->root_unlock_time = cfg->unlock_time;
	if (!(flags & PF_CONF_STRICT))
		return PF_OK;
	if (cfg->untrusted)
		return file_rc == PF_ERR_NOENT ? PF_ERR_NOENT : PF_ERR_PERM;
	return cfg->problems ? PF_ERR_INVAL : PF_OK;
}

bool pf_config_cloud_configured(const struct pf_config *cfg)
{
	return cfg->client_id != NULL && (cfg->cloud_lock || cfg->cloud_check);
}

bool pf_config_ignores_user(const struct pf_config *cfg, const char *user)
{
	if (cfg->ignore_users == NULL)
		return false;
	for (char **p = cfg->ignore_users; *p; p++)
		if (strcmp(*p, user) == 0)
			return true;
	return false;
}

void pf_config_free(struct pf_config *cfg)
{
	char **strings[] = { &cfg->conf_path,          &cfg->api_url,       &cfg->client_id,
			     &cfg->client_secret_file, &cfg->ca_file,       &cfg->proxy,
			     &cfg->user_email,         &cfg->user_map_file, &cfg->admin_group,
			     &cfg->state_dir,          &cfg->helper,        &cfg->chkstate,
			     &cfg->untrusted,          &cfg->environment_id };

	if (cfg->client_secret) {
		pf_wipe(cfg->client_secret, strlen(cfg->client_secret));
		free(cfg->client_secret);
		cfg->client_secret = NULL;
	}
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
	free_list(cfg->ignore_users);
	cfg->ignore_users = NULL;
}
