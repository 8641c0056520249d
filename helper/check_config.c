/*
 * frontegg-lockout check-config [FILE]: the strict, offline gate an
 * administrator (or Ansible's `validate:`, or the package's postinst) puts
 * in front of a configuration file. The module forgives mistakes
 * (doc/invariants.md, invariant 13); this does not: every unknown key, bad
 * value, unsafe permission and unusable referenced file is one line
 * "FILE:LINE: message" (or "FILE: message"), and any of them is exit 4.
 * It reads files only: no network, no state directory, no secret content
 * (as root the secret file is opened to prove it readable, never printed).
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_config.h"
#include "pam_frontegg/safe_file.h"
#include "pam_frontegg/usermap.h"

struct checker {
	const char *path;
	char *text; /* the file, to find the line of a key */
	size_t len;
	check_problem_fn fn;
	void *ctx;
	unsigned problems;
};

/* Every warning or error of the parser is a problem, already "FILE:LINE: ...". */
static void collect(void *ctx, int priority, const char *line)
{
	struct checker *k = ctx;

	if (priority > LOG_WARNING)
		return;
	k->problems++;
	k->fn(k->ctx, line);
}

/* The last line that sets key (the one that wins); 0 when none does. */
static unsigned line_of(const struct checker *k, const char *key)
{
	size_t klen = strlen(key), pos = 0;
	unsigned line = 0, found = 0;

	while (k->text && pos < k->len) {
		const char *s = k->text + pos, *nl = memchr(s, '\n', k->len - pos);
		size_t n = nl ? (size_t)(nl - s) : k->len - pos;

		line++;
		pos += n + 1;
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		if (n > klen && strncmp(s, key, klen) == 0 && strchr(" \t=", s[klen]))
			found = line;
	}
	return found;
}

/* Reports msg at the line that set key ("FILE:LINE: msg"), or "FILE: msg". */
static void problem(struct checker *k, const char *key, const char *msg)
{
	char line[PF_LOG_LINE_MAX];
	unsigned at = key ? line_of(k, key) : 0;
	int n;

	if (at)
		n = snprintf(line, sizeof(line), "%s:%u: %s", k->path, at, msg);
	else
		n = snprintf(line, sizeof(line), "%s: %s", k->path, msg);
	if (n > 0)
		pf_sanitize(line, sizeof(line), line);
	k->problems++;
	k->fn(k->ctx, line);
}

/*
 * A referenced file as the helper will open it. Only root can open a 0600
 * root file; anyone else checks what stat shows (type, owner, mode).
 */
static bool file_usable(const char *path, mode_t forbidden, size_t max, char *why, size_t size)
{
	struct pf_file_rules rules = { forbidden, (uid_t)-1, max, NULL };
	struct stat sb;
	int fd;

	if (geteuid() == 0 || access(path, R_OK) == 0) {
		enum pf_rc rc = pf_open_checked(-1, path, &rules, &fd, why, size);

		if (rc == PF_ERR_NOENT)
			snprintf(why, size, "does not exist");
		if (rc != PF_OK)
			return false;
		close(fd);
		return true;
	}
	if (lstat(path, &sb) != 0) {
		snprintf(why, size, "does not exist or cannot be seen by this user");
		return false;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & forbidden)) {
		snprintf(why, size, "must be a regular file owned by root, mode %04o at most",
			 (unsigned)(07777 & ~forbidden & 0777));
		return false;
	}
	return true;
}

static void check_file(struct checker *k, const char *key, const char *path, mode_t forbidden,
		       size_t max)
{
	char why[256], msg[512];

	if (path == NULL || file_usable(path, forbidden, max, why, sizeof(why)))
		return;
	snprintf(msg, sizeof(msg), "%s %s: %s", key, path, why);
	problem(k, key, msg);
}

/* The map file's own lines, through the parser the module uses. */
static void check_map_lines(struct checker *k, const char *path)
{
	struct pf_file_rules rules = { 022, (uid_t)-1, PF_MAP_MAX_SIZE, NULL };
	struct pf_logger log = { collect, k, false };
	struct pf_identity id;
	char *text = NULL;
	size_t len = 0;

	if (pf_read_file_checked(-1, path, &rules, &text, &len, NULL, 0) != PF_OK)
		return;
	/* "/" is nobody's name: every line is read and every bad one reported. */
	if (pf_map_lookup_text(text, len, path, "/", &id, &log) == PF_OK)
		problem(k, "user_map_file", "user_map_file maps the impossible name \"/\"");
	free(text);
}

static void check_ca_content(struct checker *k, const char *path)
{
	struct pf_file_rules rules = { 022, (uid_t)-1, 4 * 1024 * 1024, NULL };
	char *text = NULL;
	size_t len = 0;

	if (pf_read_file_checked(-1, path, &rules, &text, &len, NULL, 0) != PF_OK)
		return;
	if (strstr(text, "-----BEGIN CERTIFICATE-----") == NULL)
		problem(k, "ca_file", "ca_file holds no PEM certificate");
	free(text);
}

/* What only makes sense with the rest: a client id needs a secret and a mapping. */
static void check_cloud_keys(struct checker *k, const struct pf_config *cfg)
{
	if (cfg->client_id == NULL)
		return;
	if (!cfg->has_inline_secret && cfg->client_secret_file == NULL)
		problem(k, "client_id",
			"client_id needs client_secret_file (or client_secret in a 0600 file)");
	if (cfg->user_email == NULL && cfg->user_map_file == NULL)
		problem(k, "client_id",
			"no user is mapped to Frontegg: set user_email or user_map_file");
}

static void check_references(struct checker *k, const struct pf_config *cfg)
{
	check_file(k, "client_secret_file", cfg->client_secret_file, 077, 4096);
	check_file(k, "user_map_file", cfg->user_map_file, 022, PF_MAP_MAX_SIZE);
	if (cfg->user_map_file)
		check_map_lines(k, cfg->user_map_file);
	check_file(k, "ca_file", cfg->ca_file, 022, 4 * 1024 * 1024);
	if (cfg->ca_file)
		check_ca_content(k, cfg->ca_file);
	check_cloud_keys(k, cfg);
}

unsigned check_config_run(const char *path, check_problem_fn fn, void *ctx)
{
	struct pf_file_rules rules = { 022, (uid_t)-1, PF_CONF_MAX_SIZE, NULL };
	struct checker k = { path, NULL, 0, fn, ctx, 0 };
	struct pf_logger log = { collect, &k, false };
	char arg[PF_CONF_LINE_MAX];
	const char *argv[] = { arg };
	struct pf_config cfg;
	enum pf_rc rc;

	snprintf(arg, sizeof(arg), "conf=%s", path);
	rc = pf_config_load(&cfg, 1, argv, PF_CONF_STRICT, &log);
	if (rc == PF_ERR_NOMEM) {
		problem(&k, NULL, "out of memory");
		return k.problems;
	}
	if (cfg.untrusted == NULL &&
	    pf_read_file_checked(-1, path, &rules, &k.text, &k.len, NULL, 0) == PF_OK)
		check_references(&k, &cfg);
	pf_wipe(k.text, k.len);
	free(k.text);
	pf_config_free(&cfg);
	return k.problems;
}

/* ---- a PAM service file: the arguments of its pam_frontegg.so lines ---- */

static bool mode_word(const char *w)
{
	return strcmp(w, "preauth") == 0 || strcmp(w, "authfail") == 0 ||
	       strcmp(w, "authsucc") == 0;
}

/*
 * One "TYPE CONTROL MODULE ARGS..." line naming pam_frontegg.so: its
 * arguments through the module's parser (strict), its mode words by the
 * module's rule. Returns the conf= it names (in line), or NULL.
 */
static const char *check_pam_line(struct checker *k, char *line, unsigned lineno)
{
	char *save = NULL, *type = strtok_r(line, " \t", &save), *w, *conf = NULL;
	struct pf_logger log = { collect, k, false };
	struct pf_config cfg;
	unsigned modes = 0;
	char msg[160];

	if (type == NULL || strtok_r(NULL, " \t", &save) == NULL ||
	    strtok_r(NULL, " \t", &save) == NULL || pf_config_defaults(&cfg) != PF_OK)
		return NULL;
	while ((w = strtok_r(NULL, " \t", &save)) != NULL) {
		if (mode_word(w))
			modes++;
		else if (strncmp(w, "conf=", 5) == 0)
			conf = w + 5;
		else if (pf_config_apply(&cfg, w, k->path, lineno, PF_CONF_STRICT, &log) ==
			 PF_ERR_NOMEM)
			break;
	}
	pf_config_free(&cfg);
	if (strcmp(type, "auth") == 0 && modes != 1) {
		snprintf(msg, sizeof(msg),
			 "%s:%u: an auth line of pam_frontegg.so needs exactly "
			 "one of preauth, authfail or authsucc",
			 k->path, lineno);
		k->problems++;
		k->fn(k->ctx, msg);
	}
	return conf;
}

static unsigned check_pam_file(const char *path, check_problem_fn fn, void *ctx)
{
	struct pf_file_rules rules = { 022, (uid_t)-1, 256 * 1024, NULL };
	struct checker k = { path, NULL, 0, fn, ctx, 0 };
	char why[256], msg[600], line[PF_CONF_LINE_MAX + 1];
	char *conf = NULL;
	size_t pos = 0;
	unsigned lineno = 0;

	if (pf_read_file_checked(-1, path, &rules, &k.text, &k.len, why, sizeof(why)) != PF_OK) {
		snprintf(msg, sizeof(msg), "%s: %s", path, why);
		fn(ctx, msg);
		return 1;
	}
	while (pos < k.len) {
		const char *s = k.text + pos, *nl = memchr(s, '\n', k.len - pos);
		size_t n = nl ? (size_t)(nl - s) : k.len - pos;
		const char *named;

		pos += n + 1;
		lineno++;
		if (n > PF_CONF_LINE_MAX || memmem(s, n, "pam_frontegg.so", 15) == NULL ||
		    s[strspn(s, " \t")] == '#')
			continue;
		memcpy(line, s, n);
		line[n] = '\0';
		named = check_pam_line(&k, line, lineno);
		if (named != NULL && conf == NULL)
			conf = strdup(named);
	}
	/* The configuration file the lines name (or the default) is checked too. */
	k.problems += check_config_run(conf ? conf : PF_DEFAULT_CONF, fn, ctx);
	free(conf);
	free(k.text);
	return k.problems;
}

static void print_problem(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

int verb_check_config(struct app *a, int argc, char **argv)
{
	const char *path = argc == 1 ? argv[0] : a->conf_path ? a->conf_path : PF_DEFAULT_CONF;
	unsigned n;

	if (path[0] != '/')
		return app_fail(a, PF_EXIT_USAGE, "check-config: FILE must be an absolute path");
	n = a->pam_file ? check_pam_file(path, print_problem, NULL)
			: check_config_run(path, print_problem, NULL);
	if (n == 0)
		printf("%s: OK\n", path);
	return n == 0 ? PF_EXIT_OK : PF_EXIT_CONFIG;
}
