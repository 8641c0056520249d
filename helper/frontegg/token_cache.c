/* The token cache file: format, parse, load, store, lock file. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam_frontegg/safe_file.h"
#include "token_cache.h"

#define MAGIC "pam_frontegg-token 1"

void fg_token_clear(struct fg_token *t)
{
	if (t->value != NULL) {
		pf_wipe(t->value, strlen(t->value));
		free(t->value);
	}
	memset(t, 0, sizeof(*t));
}

uint64_t fg_fnv1a(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t fg_token_key(const char *client_id, const char *api_url)
{
	size_t n = strlen(api_url);
	uint64_t h;

	while (n > 0 && api_url[n - 1] == '/')
		n--;
	/* The NUL separates the two, so ("ab", "c") and ("a", "bc") differ. */
	h = fg_fnv1a(client_id, strlen(client_id) + 1, FG_FNV_OFFSET);
	return fg_fnv1a(api_url, n, h);
}

bool fg_token_file_name_ok(const char *name)
{
	size_t n;

	if (name == NULL)
		return false;
	n = strnlen(name, FG_TOKEN_FILE_MAX + 1);
	return n > 0 && n <= FG_TOKEN_FILE_MAX && strchr(name, '/') == NULL &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

char *fg_token_cache_format(const struct fg_token *t, uint64_t key, size_t *len)
{
	size_t cap = strlen(t->value) + 256;
	char *buf = malloc(cap);
	int n;

	if (buf == NULL)
		return NULL;
	n = snprintf(buf, cap,
		     MAGIC "\nkey %016" PRIx64 "\nissued %" PRId64 "\nexpires %" PRId64
			   "\nrenew %" PRId64 "\ntoken %s\n",
		     key, t->issued_ms, t->expires_ms, t->renew_ms, t->value);
	if (n < 0 || (size_t)n >= cap) {
		pf_wipe(buf, cap);
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

/* Takes the line "<label> <value>\n" at *p; the value is copied into out. */
static bool take(const char **p, const char *end, const char *label, char *out, size_t size)
{
	size_t ll = strlen(label);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t vl;

	if (nl == NULL || (size_t)(nl - *p) <= ll || memcmp(*p, label, ll) != 0 || (*p)[ll] != ' ')
		return false;
	vl = (size_t)(nl - (*p + ll + 1));
	if (vl == 0 || vl >= size)
		return false;
	memcpy(out, *p + ll + 1, vl);
	out[vl] = '\0';
	*p = nl + 1;
	return true;
}

static bool to_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*v = (int64_t)x;
	return true;
}

static bool to_u64_hex(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (strlen(s) != 16 || strspn(s, "0123456789abcdef") != 16)
		return false;
	errno = 0;
	x = strtoull(s, &end, 16);
	if (errno != 0 || *end != '\0')
		return false;
	*v = (uint64_t)x;
	return true;
}

enum fg_cache_parse fg_token_cache_parse(const char *text, size_t len, uint64_t key,
					 struct fg_token *t)
{
	const char *p = text, *end = text + len;
	char num[32], tok[FG_TOKEN_MAX + 1];
	struct fg_token got = { 0 };
	uint64_t file_key = 0;
	enum fg_cache_parse r = FG_CACHE_GARBAGE;

	memset(t, 0, sizeof(*t));
	if (len < sizeof(MAGIC) || memcmp(text, MAGIC "\n", sizeof(MAGIC)) != 0)
		return FG_CACHE_GARBAGE;
	p += sizeof(MAGIC);
	if (!take(&p, end, "key", num, sizeof(num)) || !to_u64_hex(num, &file_key))
		return FG_CACHE_GARBAGE;
	if (file_key != key)
		return FG_CACHE_OTHER_KEY;
	if (take(&p, end, "issued", num, sizeof(num)) && to_i64(num, &got.issued_ms) &&
	    take(&p, end, "expires", num, sizeof(num)) && to_i64(num, &got.expires_ms) &&
	    take(&p, end, "renew", num, sizeof(num)) && to_i64(num, &got.renew_ms) &&
	    take(&p, end, "token", tok, sizeof(tok)) && p == end && fg_token_chars_ok(tok) &&
	    got.issued_ms <= got.renew_ms && got.renew_ms <= got.expires_ms) {
		got.value = strdup(tok);
		if (got.value != NULL) {
			*t = got;
			r = FG_CACHE_PARSED;
		}
	}
	pf_wipe(tok, sizeof(tok));
	return r;
}

/* Reads the whole (small) file into one buffer, so no partial copy escapes the wipe. */
static enum pf_rc read_all(int fd, char *buf, size_t size, size_t *len)
{
	size_t used = 0;

	for (;;) {
		ssize_t n = read(fd, buf + used, size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return PF_ERR_IO;
		if (n == 0)
			break;
		used += (size_t)n;
		if (used == size)
			return PF_ERR_TOOBIG;
	}
	*len = used;
	return PF_OK;
}

enum pf_rc fg_token_cache_load(int dirfd, const char *name, uint64_t key, struct fg_token *t,
			       char *why, size_t whysize)
{
	const struct pf_file_rules rules = { .forbidden_mode = 077,
					     .extra_owner = (uid_t)-1,
					     .max_size = FG_TOKEN_CACHE_MAX };
	enum fg_cache_parse parsed = FG_CACHE_GARBAGE;
	char *text;
	size_t len = 0;
	enum pf_rc rc;
	int fd;

	memset(t, 0, sizeof(*t));
	rc = pf_open_checked(dirfd, name, &rules, &fd, why, whysize);
	if (rc != PF_OK)
		return rc;
	text = malloc(FG_TOKEN_CACHE_MAX + 1);
	rc = text == NULL ? PF_ERR_NOMEM : read_all(fd, text, FG_TOKEN_CACHE_MAX + 1, &len);
	close(fd);
	if (rc == PF_OK)
		parsed = fg_token_cache_parse(text, len, key, t);
	if (text != NULL) {
		pf_wipe(text, FG_TOKEN_CACHE_MAX + 1);
		free(text);
	}
	if (rc != PF_OK) {
		snprintf(why, whysize, "cannot be read: %s", pf_rc_str(rc));
		return rc;
	}
	if (parsed == FG_CACHE_GARBAGE) {
		snprintf(why, whysize, "is not a token cache file");
		return PF_ERR_CORRUPT;
	}
	return parsed == FG_CACHE_PARSED ? PF_OK : PF_ERR_NOENT;
}

enum pf_rc fg_token_cache_store(int dirfd, const char *name, uint64_t key, const struct fg_token *t)
{
	size_t len = 0;
	char *text = fg_token_cache_format(t, key, &len);
	enum pf_rc rc;

	if (text == NULL)
		return PF_ERR_NOMEM;
	rc = pf_write_atomic(dirfd, name, text, len, 0600);
	pf_wipe(text, len);
	free(text);
	return rc;
}

int fg_token_lock_open(int dirfd, const char *name, char *why, size_t whysize)
{
	const struct pf_file_rules rules = { .forbidden_mode = 077, .extra_owner = (uid_t)-1 };
	int fd = openat(dirfd, name,
			O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600);

	if (fd < 0) {
		snprintf(why, whysize, "%s",
			 errno == ELOOP ? "is a symbolic link" : strerror(errno));
		return -1;
	}
	/* Whoever can open the lock file can hold it: same rules as the cache. */
	if (pf_check_fd(fd, &rules, NULL, why, whysize) != PF_OK) {
		close(fd);
		return -1;
	}
	return fd;
}
