/*
 * The vendor token as kept in memory and in the cache file shared by every
 * frontegg-lockout process of the host:
 *
 *   pam_frontegg-token 1
 *   key 0123456789abcdef      FNV-1a of client_id and api_url: a config change misses
 *   issued 1764106807000      epoch ms, wall clock
 *   expires 1764110407000     issued + expiresIn
 *   renew 1764109687000       issued + 80 % of expiresIn
 *   token eyJhbGciOi...
 *
 * The file is written with pf_write_atomic (temp + fsync + rename, mode
 * 0600) and read through pf_open_checked: regular, not a symlink, one link,
 * owned by root or the euid, no group/other access, bounded size. The
 * fetch is serialised by flock on "<file>.lock" (see token.h).
 */
#ifndef PF_FG_TOKEN_CACHE_H
#define PF_FG_TOKEN_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "pam_frontegg/common.h"

#define FG_TOKEN_CACHE_MAX (FG_TOKEN_MAX + 512)
#define FG_TOKEN_FILE_MAX  200 /* longest cache file name */

struct fg_token {
	char *value; /* heap, wiped by fg_token_clear; NULL = none */
	int64_t issued_ms;
	int64_t expires_ms;
	int64_t renew_ms;
};

void fg_token_clear(struct fg_token *t);

/* 64-bit FNV-1a over len bytes, continuing from h (start with FG_FNV_OFFSET). */
#define FG_FNV_OFFSET 0xcbf29ce484222325ULL
uint64_t fg_fnv1a(const void *data, size_t len, uint64_t h);

/* The cache key of a configuration (api_url without trailing slashes). */
uint64_t fg_token_key(const char *client_id, const char *api_url);

/* A plain file name: 1..FG_TOKEN_FILE_MAX bytes, no '/', not "." or "..". */
bool fg_token_file_name_ok(const char *name);

/* The file's text (heap, *len bytes plus NUL); the caller wipes and frees it. */
char *fg_token_cache_format(const struct fg_token *t, uint64_t key, size_t *len);

enum fg_cache_parse {
	FG_CACHE_PARSED,
	FG_CACHE_OTHER_KEY, /* a valid file for another client_id / api_url */
	FG_CACHE_GARBAGE,
};

/* Strict parser of the text above; on FG_CACHE_PARSED *t owns a copy. */
enum fg_cache_parse fg_token_cache_parse(const char *text, size_t len, uint64_t key,
					 struct fg_token *t);

/*
 * Reads dirfd/name. PF_OK: *t filled. PF_ERR_NOENT: no (usable) file yet,
 * including another key. PF_ERR_PERM / PF_ERR_CORRUPT / ...: why says what
 * is wrong with the file (the caller warns and replaces it).
 */
enum pf_rc fg_token_cache_load(int dirfd, const char *name, uint64_t key, struct fg_token *t,
			       char *why, size_t whysize);

/* Writes dirfd/name atomically with mode 0600. */
enum pf_rc fg_token_cache_store(int dirfd, const char *name, uint64_t key,
				const struct fg_token *t);

/*
 * Opens (creating 0600) the lock file dirfd/name, checked like the cache.
 * Returns the descriptor, or -1 with why filled.
 */
int fg_token_lock_open(int dirfd, const char *name, char *why, size_t whysize);

#endif
