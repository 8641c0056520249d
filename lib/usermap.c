/* Host user -> Frontegg identity (user_map_file first, then user_email). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_frontegg/safe_file.h"
#include "pam_frontegg/usermap.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Printable ASCII but RFC 5322's specials, which never belong in a plain address. */
static bool email_char_ok(unsigned char c)
{
	switch (c) {
	case '"':
	case '\\':
	case '<':
	case '>':
	case '(':
	case ')':
	case ',':
	case ';':
	case ':':
	case '[':
	case ']':
		return false;
	default:
		return c > 0x20 && c < 0x7f;
	}
}

enum pf_ident_kind pf_ident_classify(const char *value)
{
	size_t len = strlen(value), at = 0, ats = 0;
	bool id_chars = len > 0 && len <= PF_ID_MAX;

	/* "-" stands for "none" in the state record: as a value it would not read back. */
	if (len == 0 || len > PF_IDENT_MAX || strcmp(value, "-") == 0)
		return PF_IDENT_NONE;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c == '@') {
			ats++;
			at = i;
		} else if (!email_char_ok(c)) {
			return PF_IDENT_NONE;
		}
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '-'))
			id_chars = false;
	}
	if (ats == 1 && at > 0 && at + 1 < len && strchr(value + at, '.') != NULL)
		return PF_IDENT_EMAIL;
	return ats == 0 && id_chars ? PF_IDENT_ID : PF_IDENT_NONE;
}

static enum pf_rc set_identity(struct pf_identity *out, const char *value, size_t len)
{
	if (len > PF_IDENT_MAX)
		return PF_ERR_INVAL;
	memcpy(out->value, value, len);
	out->value[len] = '\0';
	out->kind = pf_ident_classify(out->value);
	return out->kind == PF_IDENT_NONE ? PF_ERR_INVAL : PF_OK;
}

enum pf_rc pf_map_expand_template(const char *tmpl, const char *user, struct pf_identity *out)
{
	const char *u = strstr(tmpl, "%u");
	char buf[PF_IDENT_MAX + 2];
	int n;

	if (u == NULL)
		return PF_ERR_INVAL;
	n = snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(u - tmpl), tmpl, user, u + 2);
	if (n < 0 || (size_t)n > PF_IDENT_MAX)
		return PF_ERR_INVAL;
	if (set_identity(out, buf, (size_t)n) != PF_OK || out->kind != PF_IDENT_EMAIL)
		return PF_ERR_INVAL;
	return PF_OK;
}

/* Splits one map line into its two fields; false when it is not "user value". */
static bool split_line(const char *line, size_t len, const char **f1, size_t *l1, const char **f2,
		       size_t *l2)
{
	size_t p = 0;

	while (p < len && is_blank(line[p]))
		p++;
	*f1 = line + p;
	while (p < len && !is_blank(line[p]))
		p++;
	*l1 = (size_t)(line + p - *f1);
	while (p < len && is_blank(line[p]))
		p++;
	*f2 = line + p;
	while (p < len && !is_blank(line[p]))
		p++;
	*l2 = (size_t)(line + p - *f2);
	while (p < len && is_blank(line[p]))
		p++;
	return *l1 > 0 && *l2 > 0 && p == len;
}

enum pf_rc pf_map_lookup_text(const char *text, size_t len, const char *origin, const char *user,
			      struct pf_identity *out, const struct pf_logger *log)
{
	size_t ulen = strlen(user), pos = 0;
	unsigned lineno = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		const char *f1, *f2;
		size_t l1, l2;

		pos += n + 1;
		lineno++;
		while (n > 0 && is_blank(line[0])) {
			line++;
			n--;
		}
		if (n == 0 || line[0] == '#')
			continue;
		if (memchr(line, '\0', n) || !split_line(line, n, &f1, &l1, &f2, &l2)) {
			pf_log(log, LOG_WARNING, "%s:%u: expected 'user email-or-id', line ignored",
			       origin, lineno);
			continue;
		}
		if (l1 != ulen || memcmp(f1, user, ulen) != 0)
			continue;
		if (set_identity(out, f2, l2) != PF_OK) {
			pf_log(log, LOG_ERR, "%s:%u: '%.*s' is neither an e-mail nor a Frontegg id",
			       origin, lineno, (int)(l2 > 80 ? 80 : l2), f2);
			return PF_ERR_INVAL;
		}
		return PF_OK;
	}
	return PF_ERR_NOENT;
}

static enum pf_rc map_from_file(const char *path, const char *user, struct pf_identity *out,
				const struct pf_logger *log)
{
	struct pf_file_rules rules = { 022, (uid_t)-1, PF_MAP_MAX_SIZE, NULL };
	char why[256];
	char *text = NULL;
	size_t len = 0;
	enum pf_rc rc;

	rc = pf_read_file_checked(-1, path, &rules, &text, &len, why, sizeof(why));
	if (rc != PF_OK) {
		pf_log(log, LOG_ERR, "user_map_file %s: %s", path, why);
		return rc == PF_ERR_NOENT ? PF_ERR_IO : rc;
	}
	rc = pf_map_lookup_text(text, len, path, user, out, log);
	free(text);
	return rc;
}

static enum pf_rc map_by_file(const struct pf_config *cfg, const char *user,
			      struct pf_identity *out, const struct pf_logger *log)
{
	memset(out, 0, sizeof(*out));
	if (cfg->user_map_file == NULL)
		return PF_ERR_NOENT;
	return map_from_file(cfg->user_map_file, user, out, log);
}

static enum pf_rc map_by_template(const struct pf_config *cfg, const char *user,
				  struct pf_identity *out, const struct pf_logger *log)
{
	enum pf_rc rc;

	if (cfg->user_email == NULL)
		return PF_ERR_NOENT;
	rc = pf_map_expand_template(cfg->user_email, user, out);
	if (rc != PF_OK)
		pf_log(log, LOG_ERR, "user_email template gives no valid e-mail for %s", user);
	return rc;
}

enum pf_rc pf_map_user(const struct pf_config *cfg, const char *user, struct pf_identity *out,
		       const struct pf_logger *log)
{
	enum pf_rc rc = map_by_file(cfg, user, out, log);

	return rc == PF_ERR_NOENT ? map_by_template(cfg, user, out, log) : rc;
}

/* "UID_MIN  500" on a line of its own; false for any other line. */
static bool uid_min_line(const char *line, size_t n, unsigned long *out)
{
	char buf[64];
	char *end;

	if (n >= sizeof(buf) || n < 8 || strncmp(line, "UID_MIN", 7) != 0 || !is_blank(line[7]))
		return false;
	memcpy(buf, line, n);
	buf[n] = '\0';
	*out = strtoul(buf + 8 + strspn(buf + 8, " \t"), &end, 10);
	return end != buf + 8 && (*end == '\0' || is_blank(*end)) && *out < PF_UID_MIN_UNSET;
}

unsigned pf_login_defs_uid_min(const char *path)
{
	struct pf_file_rules rules = { 022, (uid_t)-1, 256 * 1024, NULL };
	unsigned long v = 1000;
	char *text = NULL;
	size_t len = 0, pos = 0;

	if (pf_read_file_checked(-1, path, &rules, &text, &len, NULL, 0) != PF_OK)
		return 1000;
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		unsigned long found;

		if (uid_min_line(line, n, &found))
			v = found;
		pos += n + 1;
	}
	free(text);
	return (unsigned)v;
}

/* System accounts (below UID_MIN) are mapped only by name, never by the template. */
static bool template_may_map(const struct pf_config *cfg, uid_t uid)
{
	unsigned min = cfg->uid_min;

	if (uid == (uid_t)-1)
		return true;
	if (min == PF_UID_MIN_UNSET)
		min = pf_login_defs_uid_min(PF_LOGIN_DEFS);
	return uid >= min;
}

enum pf_rc pf_map_account(const struct pf_config *cfg, const char *user, uid_t uid, bool root_like,
			  struct pf_identity *out, const struct pf_logger *log)
{
	enum pf_rc rc;

	memset(out, 0, sizeof(*out));
	if (root_like && !cfg->even_deny_root)
		return PF_ERR_NOENT; /* the break-glass never depends on Frontegg */
	rc = map_by_file(cfg, user, out, log);
	if (rc != PF_ERR_NOENT || !template_may_map(cfg, uid))
		return rc;
	return map_by_template(cfg, user, out, log);
}
