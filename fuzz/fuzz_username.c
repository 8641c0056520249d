/*
 * The gates text passes before it reaches a path, URL, JSON or log line:
 * pf_username_valid, pf_field_copy and pf_sanitize.
 *
 * pf_username_valid is checked against the rule as documented (a reference
 * written from the header, not the code) and against what matters: a valid
 * name is 1..PF_USER_MAX bytes, has no '/', does not start with '.', '-' or '@',
 * is not "." or "..", and holds nothing that quotes, escapes or separates in
 * a path, URL, JSON string or log line.
 */
#include "autoconfig.h"

#include <string.h>

#include "fuzz_util.h"
#include "pam_frontegg/state.h"
#include "pam_frontegg/username.h"

static int reference_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > PF_USER_MAX || s[0] == '.' || s[0] == '-' || s[0] == '@')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-' || c == '@')
			continue;
		if (c == '$' && i == len - 1 && i > 0) /* "$" alone is no name */
			continue;
		return 0;
	}
	return 1;
}

static void check_username(const char *name)
{
	bool ok = pf_username_valid(name);
	size_t len = strlen(name);

	FZ_CHECK(ok == (reference_valid(name) != 0));
	if (!ok)
		return;
	FZ_CHECK(len >= 1 && len <= PF_USER_MAX);
	FZ_CHECK(strchr(name, '/') == NULL);
	FZ_CHECK(name[0] != '.' && name[0] != '-' && name[0] != '@');
	FZ_CHECK(strcmp(name, ".") != 0 && strcmp(name, "..") != 0);
	FZ_CHECK(fz_token(name));
	FZ_CHECK(strpbrk(name, "\"\\%?#&=+: ") == NULL);
}

static void check_field_copy(const char *src)
{
	char small[8], f[PF_RHOST_MAX + 1];
	size_t n;

	pf_field_copy(f, sizeof(f), src);
	n = strlen(f);
	FZ_CHECK(n >= 1 && n < sizeof(f) && fz_token(f));
	FZ_CHECK(src[0] != '\0' || strcmp(f, "-") == 0);
	FZ_CHECK(src[0] == '\0' || n == (strlen(src) < sizeof(f) ? strlen(src) : sizeof(f) - 1));
	pf_field_copy(small, sizeof(small), src);
	FZ_CHECK(strlen(small) < sizeof(small) && strncmp(small, f, strlen(small)) == 0);
}

static void check_sanitize(const char *src)
{
	char out[64];
	size_t n;

	FZ_CHECK(pf_sanitize(out, sizeof(out), src) == out);
	n = strlen(out);
	FZ_CHECK(n == (strlen(src) < sizeof(out) ? strlen(src) : sizeof(out) - 1));
	FZ_CHECK(fz_printable(out));
	for (size_t i = 0; i < n; i++)
		FZ_CHECK(out[i] == src[i] || out[i] == '?');
	/* In place, as pf_log's callers sometimes do. */
	memcpy(out, src, n);
	out[n] = '\0';
	pf_sanitize(out, sizeof(out), out);
	FZ_CHECK(strlen(out) == n && fz_printable(out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly the bytes given: no slack for a read past the name's end. */
	char *name = fz_cstr(data, size);

	check_username(name);
	check_field_copy(name);
	check_sanitize(name);
	free(name);
	return 0;
}
