/*
 * Building the Frontegg URLs. User data (e-mails, ids) never reaches a URL by
 * string pasting: e-mails are percent-encoded (RFC 3986, everything outside
 * the unreserved set), ids must pass fg_id_valid() and are refused otherwise.
 * Pure functions, no I/O.
 */
#ifndef PF_FG_URL_H
#define PF_FG_URL_H

#include <stddef.h>

#include "frontegg.h"

/* Longest URL we ever build: base (512) + path + an escaped e-mail (3 * 254). */
#define FG_URL_MAX     2048
#define FG_API_URL_MAX 512

enum fg_user_action {
	FG_ACTION_LOCK,
	FG_ACTION_UNLOCK,
	FG_ACTION_RESET_LINK,
};

/*
 * FG_OK when api_url is an absolute https:// URL of printable ASCII without
 * spaces, query or fragment and at most FG_API_URL_MAX bytes; FG_INVALID else.
 */
enum fg_result fg_url_base_check(const char *api_url);

/* Length of api_url without its trailing slashes ("https://h/" -> "https://h"). */
size_t fg_url_base_len(const char *api_url);

/*
 * Percent-encodes src into dst (NUL-terminated). Returns the encoded length,
 * or (size_t)-1 when it does not fit in size - 1 bytes (dst is then "").
 */
size_t fg_url_escape(char *dst, size_t size, const char *src);

/*
 * Each builder writes one complete URL into buf (size bytes) and returns
 * FG_OK, or FG_INVALID for a refused id/e-mail/base or when it does not fit
 * (buf is then ""). base is the configured api_url; trailing slashes are
 * tolerated.
 */
enum fg_result fg_url_token(char *buf, size_t size, const char *base);
enum fg_result fg_url_audits(char *buf, size_t size, const char *base);
enum fg_result fg_url_user_by_email(char *buf, size_t size, const char *base, const char *email);
enum fg_result fg_url_user_by_id(char *buf, size_t size, const char *base, const char *id);
enum fg_result fg_url_user_action(char *buf, size_t size, const char *base, const char *id,
				  enum fg_user_action action);

#endif
