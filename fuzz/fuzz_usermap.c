/*
 * User mapping: pf_map_lookup_text (the user_map_file parser),
 * pf_ident_classify and pf_map_expand_template (the user_email template).
 *
 * Input: line 1 is the host user name, line 2 the user_email template, and
 * everything after line 1 the map file text.
 *
 * Invariants:
 *  - lookup agrees with a plain reference reading of the format (first
 *    "user value" line for the user wins; blank and '#' lines skipped; a
 *    line that is not two fields is ignored); a found value is classified
 *    as it is returned, fits PF_IDENT_MAX and carries no blank or control;
 *  - classify: an e-mail has one '@' with text on both sides and a '.'
 *    after it; an id is 1..PF_ID_MAX of [A-Za-z0-9-]; neither has blanks,
 *    controls or quoting characters;
 *  - expand: the result is the template with its first "%u" replaced by the
 *    user, and an e-mail; pf_map_user with only user_email set agrees.
 */
#include "autoconfig.h"

#include <string.h>

#include "fuzz_util.h"
#include "pam_frontegg/usermap.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

static void check_classify(const char *v)
{
	enum pf_ident_kind k = pf_ident_classify(v);
	size_t len = strlen(v);

	if (k == PF_IDENT_NONE)
		return;
	FZ_CHECK(len >= 1 && len <= PF_IDENT_MAX);
	FZ_CHECK(fz_token(v));
	FZ_CHECK(strpbrk(v, "\"\\<>(),;:[]") == NULL);
	if (k == PF_IDENT_ID) {
		FZ_CHECK(len <= PF_ID_MAX);
		for (size_t i = 0; i < len; i++)
			FZ_CHECK(id_char(v[i]));
	} else {
		const char *at = strchr(v, '@');
		FZ_CHECK(k == PF_IDENT_EMAIL);
		FZ_CHECK(at != NULL && at != v && at[1] != '\0' && strchr(at + 1, '@') == NULL);
		FZ_CHECK(strchr(at, '.') != NULL);
	}
}

/*
 * The reference reading: returns 1 and the value's span when user has a
 * well-formed line, 0 when not.
 */
static int reference_lookup(const char *text, size_t len, const char *user, const char **val,
			    size_t *vlen)
{
	size_t ulen = strlen(user), pos = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos, i = 0, f1, l1, f2, l2;

		pos += n + 1;
		while (i < n && blank(line[i]))
			i++;
		if (i == n || line[i] == '#' || memchr(line, '\0', n) != NULL)
			continue;
		for (f1 = i; i < n && !blank(line[i]); i++)
			;
		l1 = i - f1;
		while (i < n && blank(line[i]))
			i++;
		for (f2 = i; i < n && !blank(line[i]); i++)
			;
		l2 = i - f2;
		while (i < n && blank(line[i]))
			i++;
		if (l2 == 0 || i != n)
			continue; /* not two fields */
		if (l1 == ulen && memcmp(line + f1, user, ulen) == 0) {
			*val = line + f2;
			*vlen = l2;
			return 1;
		}
	}
	return 0;
}

static void check_lookup(const char *text, size_t len, const char *user)
{
	struct pf_identity id;
	const char *val = NULL;
	size_t vlen = 0;
	enum pf_rc rc;
	int found;

	memset(&id, 0, sizeof(id));
	rc = pf_map_lookup_text(text, len, "fuzz.map", user, &id, &fz_logger);
	found = reference_lookup(text, len, user, &val, &vlen);
	if (!found) {
		FZ_CHECK(rc == PF_ERR_NOENT);
		return;
	}
	if (rc == PF_OK) {
		FZ_CHECK(vlen <= PF_IDENT_MAX && strlen(id.value) == vlen);
		FZ_CHECK(memcmp(id.value, val, vlen) == 0);
		FZ_CHECK(id.kind == PF_IDENT_EMAIL || id.kind == PF_IDENT_ID);
		FZ_CHECK(pf_ident_classify(id.value) == id.kind);
		check_classify(id.value);
	} else {
		FZ_CHECK(rc == PF_ERR_INVAL);
		if (vlen <= PF_IDENT_MAX) {
			char v[PF_IDENT_MAX + 1];
			memcpy(v, val, vlen);
			v[vlen] = '\0';
			FZ_CHECK(pf_ident_classify(v) == PF_IDENT_NONE);
		}
	}
}

static void check_expand(const char *tmpl, const char *user)
{
	struct pf_identity out, via_map;
	struct pf_config cfg;
	enum pf_rc rc = pf_map_expand_template(tmpl, user, &out);
	const char *u = strstr(tmpl, "%u");

	memset(&cfg, 0, sizeof(cfg));
	cfg.user_email = (char *)(uintptr_t)tmpl;
	FZ_CHECK(pf_map_user(&cfg, user, &via_map, &fz_logger) == rc);
	if (rc != PF_OK) {
		FZ_CHECK(rc == PF_ERR_INVAL);
		return;
	}
	FZ_CHECK(u != NULL);
	FZ_CHECK(out.kind == PF_IDENT_EMAIL && pf_ident_classify(out.value) == PF_IDENT_EMAIL);
	check_classify(out.value);
	{
		size_t pre = (size_t)(u - tmpl), ulen = strlen(user), post = strlen(u + 2);
		FZ_CHECK(strlen(out.value) == pre + ulen + post);
		FZ_CHECK(memcmp(out.value, tmpl, pre) == 0);
		FZ_CHECK(memcmp(out.value + pre, user, ulen) == 0);
		FZ_CHECK(strcmp(out.value + pre + ulen, u + 2) == 0);
	}
	FZ_CHECK(via_map.kind == out.kind && strcmp(via_map.value, out.value) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl1 = memchr(data, '\n', size);
	size_t ulen = nl1 ? (size_t)(nl1 - data) : size;
	const uint8_t *rest = nl1 ? nl1 + 1 : data + size;
	size_t rlen = size - (size_t)(rest - data);
	const uint8_t *nl2 = memchr(rest, '\n', rlen);
	char *user = fz_cstr(data, ulen);
	char *tmpl = fz_cstr(rest, nl2 ? (size_t)(nl2 - rest) : rlen);
	/* The map text in its own allocation, so ASan sees any read past its end. */
	char *text = rlen ? malloc(rlen) : NULL;

	if (rlen) {
		if (text == NULL)
			abort();
		memcpy(text, rest, rlen);
	}
	check_classify(user);
	check_classify(tmpl);
	check_lookup(text, rlen, user);
	check_expand(tmpl, user);
	free(text);
	free(tmpl);
	free(user);
	return 0;
}
