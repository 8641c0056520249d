/* URL building and percent-encoding for the Frontegg routes. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pam_frontegg/usermap.h"
#include "url.h"

#define IDENTITY "/identity/resources"

bool fg_id_valid(const char *id)
{
	/*
	 * Core's rule for ids: only what a path segment carries literally (no
	 * '/', '.', '%' or '?') and never "-", which the state record reads as
	 * "no id". One rule, so an id the client accepts is one lib/ keeps.
	 */
	return id != NULL && pf_ident_classify(id) == PF_IDENT_ID;
}

enum fg_result fg_url_base_check(const char *api_url)
{
	size_t n;

	if (api_url == NULL || strncasecmp(api_url, "https://", 8) != 0)
		return FG_INVALID;
	n = strlen(api_url);
	if (n > FG_API_URL_MAX || fg_url_base_len(api_url) <= 8)
		return FG_INVALID;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)api_url[i];
		/* Credentials, queries and fragments have no business in a base URL. */
		if (ch <= 0x20 || ch >= 0x7f || ch == '?' || ch == '#' || ch == '@' || ch == '\\')
			return FG_INVALID;
	}
	return FG_OK;
}

size_t fg_url_base_len(const char *api_url)
{
	size_t n = strlen(api_url);

	while (n > 0 && api_url[n - 1] == '/')
		n--;
	return n;
}

static bool unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

size_t fg_url_escape(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (size == 0)
		return (size_t)-1;
	for (const unsigned char *p = (const unsigned char *)src; *p != '\0'; p++) {
		size_t need = unreserved(*p) ? 1 : 3;
		if (o + need >= size) {
			dst[0] = '\0';
			return (size_t)-1;
		}
		if (need == 1) {
			dst[o++] = (char)*p;
			continue;
		}
		dst[o++] = '%';
		dst[o++] = hex[*p >> 4];
		dst[o++] = hex[*p & 0x0f];
	}
	dst[o] = '\0';
	return o;
}

/* base (without trailing slashes) followed by the formatted rest; "" on overflow. */
static enum fg_result compose(char *buf, size_t size, const char *base, const char *fmt, ...)
    PF_PRINTF(4, 5);

static enum fg_result compose(char *buf, size_t size, const char *base, const char *fmt, ...)
{
	size_t blen;
	va_list ap;
	int n;

	if (size == 0)
		return FG_INVALID;
	buf[0] = '\0';
	if (fg_url_base_check(base) != FG_OK)
		return FG_INVALID;
	blen = fg_url_base_len(base);
	if (blen >= size)
		return FG_INVALID;
	memcpy(buf, base, blen);
	va_start(ap, fmt);
	n = vsnprintf(buf + blen, size - blen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - blen) {
		buf[0] = '\0';
		return FG_INVALID;
	}
	return FG_OK;
}

enum fg_result fg_url_token(char *buf, size_t size, const char *base)
{
	return compose(buf, size, base, "%s", "/auth/vendor");
}

enum fg_result fg_url_audits(char *buf, size_t size, const char *base)
{
	return compose(buf, size, base, "%s", "/audits/");
}

enum fg_result fg_url_user_by_email(char *buf, size_t size, const char *base, const char *email)
{
	char escaped[3 * PF_IDENT_MAX + 1];

	if (size > 0)
		buf[0] = '\0';
	if (email == NULL || email[0] == '\0' || strlen(email) > PF_IDENT_MAX)
		return FG_INVALID;
	if (fg_url_escape(escaped, sizeof(escaped), email) == (size_t)-1)
		return FG_INVALID;
	return compose(buf, size, base, IDENTITY "/users/v1/email?email=%s", escaped);
}

enum fg_result fg_url_user_by_id(char *buf, size_t size, const char *base, const char *id)
{
	if (size > 0)
		buf[0] = '\0';
	if (!fg_id_valid(id))
		return FG_INVALID;
	return compose(buf, size, base, IDENTITY "/vendor-only/users/v1/%s", id);
}

enum fg_result fg_url_user_action(char *buf, size_t size, const char *base, const char *id,
				  enum fg_user_action action)
{
	const char *tail;

	if (size > 0)
		buf[0] = '\0';
	switch (action) {
	case FG_ACTION_LOCK:
		tail = "lock";
		break;
	case FG_ACTION_UNLOCK:
		tail = "unlock";
		break;
	case FG_ACTION_RESET_LINK:
		tail = "links/generate-password-reset-token";
		break;
	default:
		return FG_INVALID;
	}
	if (!fg_id_valid(id))
		return FG_INVALID;
	return compose(buf, size, base, IDENTITY "/users/v1/%s/%s", id, tail);
}
