/*
 * Pure parsers for Frontegg's JSON answers and the one request body we build.
 * No I/O; each takes (body, len) and can be fuzzed on its own. body need not
 * be NUL-terminated; embedded NULs and trailing garbage are refused.
 * Anything that does not match the documented shape is FG_BAD_RESPONSE:
 * wrong types are never coerced ("true" is not true).
 */
#ifndef PF_FG_JSON_H
#define PF_FG_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "frontegg.h"

/* Longest vendor token accepted (JWTs are a few hundred bytes to a few KiB). */
#define FG_TOKEN_MAX 8192
/* Longest expiresIn accepted: a year. */
#define FG_EXPIRES_MAX (366LL * 86400)

/*
 * {"token": "<JWT>", "expiresIn": <seconds>}: *token is a heap copy (the
 * caller wipes and frees it), checked by fg_token_chars_ok; expiresIn an
 * integer 0..FG_EXPIRES_MAX.
 */
enum fg_result fg_json_token(const char *body, size_t len, char **token, int64_t *expires_in_s);

/* True when tok is 1..FG_TOKEN_MAX bytes safe in an HTTP header ([A-Za-z0-9._~+/=-]). */
bool fg_token_chars_ok(const char *tok);

/*
 * A user object: "id" (fg_id_valid), "email" (string, <= PF_IDENT_MAX bytes,
 * no control characters; null or absent gives "") and "isLocked" (true, or
 * false / null / absent for unlocked). Other fields, "metadata" included,
 * are ignored.
 */
enum fg_result fg_json_user(const char *body, size_t len, struct fg_user *user);

/*
 * An error body, best effort: errorCode and the first of errors[] (or
 * "message"), sanitised into err. Empty or non-JSON bodies leave them "".
 */
void fg_json_error(const char *body, size_t len, struct fg_error *err);

/* {"link": "https://..."} -> link; FG_TOO_BIG when it does not fit in size. */
enum fg_result fg_json_reset_link(const char *body, size_t len, char *link, size_t size);

/*
 * Builds {"clientId": ..., "secret": ...} into a heap buffer (*len bytes plus
 * a NUL). The caller wipes and frees it; no other copy of the secret is left.
 */
enum fg_result fg_json_token_request(const char *client_id, const char *secret, char **body,
				     size_t *len);

#endif
