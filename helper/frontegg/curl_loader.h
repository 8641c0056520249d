/*
 * libcurl, loaded when the first client is created. frontegg-lockout does
 * not link libcurl: with its ~30 libraries (TLS, Kerberos, LDAP, ...) mapped
 * and relocated at every exec, the verbs the module runs most (check,
 * record-failure, record-success) and status took ten times as long as the
 * work itself. Only the verbs that talk to Frontegg pay for it now.
 *
 * Every libcurl call of the client goes through this module. <curl/curl.h>
 * still gives the types and constants; curl's own type checks only work on
 * a direct call, so the setopt/getinfo macros below check the option's type
 * class at compile time and the value's type through a typed function.
 */
#ifndef PF_FG_CURL_LOADER_H
#define PF_FG_CURL_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

/*
 * The oldest libcurl the client can run with. Built against headers that
 * offer CURLOPT_PROTOCOLS_STR (7.85), the client sets it, and an older
 * library loaded at run time would refuse it on every request; otherwise
 * what configure asks for (7.61).
 */
#if LIBCURL_VERSION_NUM >= 0x075500
#define FG_CURL_PROTOCOLS_STR 1
#define FG_CURL_MIN_VERSION   0x075500
#else
#define FG_CURL_PROTOCOLS_STR 0
#define FG_CURL_MIN_VERSION   0x073d00
#endif

/* The libcurl functions the client uses, resolved from the loaded library. */
struct fg_curl {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
	curl_version_info_data *(*version_info)(CURLversion stamp);
};

/*
 * Loads libcurl once per process (later calls return the same table). NULL
 * on failure, with one line saying why in err.
 */
const struct fg_curl *fg_curl_load(char *err, size_t err_size);

/* The loaded table; only valid after fg_curl_load succeeded. */
const struct fg_curl *fg_curl(void);

CURLcode fg_curl_setopt_long(CURL *curl, CURLoption option, long value);
CURLcode fg_curl_setopt_off(CURL *curl, CURLoption option, curl_off_t value);
CURLcode fg_curl_setopt_str(CURL *curl, CURLoption option, const char *value);
CURLcode fg_curl_setopt_ptr(CURL *curl, CURLoption option, void *value);
CURLcode fg_curl_setopt_slist(CURL *curl, CURLoption option, struct curl_slist *value);
CURLcode fg_curl_setopt_write_cb(CURL *curl, CURLoption option, curl_write_callback value);
CURLcode fg_curl_getinfo_long(CURL *curl, CURLINFO info, long *value);

/* A compile error unless cond (an integer constant expression) holds. */
#define FG_CURL_REQUIRE(cond) ((void)sizeof(char[(cond) ? 1 : -1]))
/* Options are numbered in blocks of 10000 by the type of their value. */
#define FG_CURL_SETOPT(type, setter, curl, option, value)                                          \
	(FG_CURL_REQUIRE((option) >= (type) && (option) < (type) + 10000),                         \
	 setter(curl, option, value))

#define FG_SETOPT_LONG(c, o, v) FG_CURL_SETOPT(CURLOPTTYPE_LONG, fg_curl_setopt_long, c, o, v)
#define FG_SETOPT_OFF(c, o, v)  FG_CURL_SETOPT(CURLOPTTYPE_OFF_T, fg_curl_setopt_off, c, o, v)
#define FG_SETOPT_STR(c, o, v)  FG_CURL_SETOPT(CURLOPTTYPE_STRINGPOINT, fg_curl_setopt_str, c, o, v)
#define FG_SETOPT_PTR(c, o, v)  FG_CURL_SETOPT(CURLOPTTYPE_OBJECTPOINT, fg_curl_setopt_ptr, c, o, v)
#define FG_SETOPT_SLIST(c, o, v)                                                                   \
	FG_CURL_SETOPT(CURLOPTTYPE_SLISTPOINT, fg_curl_setopt_slist, c, o, v)
#define FG_SETOPT_WRITE_CB(c, o, v)                                                                \
	FG_CURL_SETOPT(CURLOPTTYPE_FUNCTIONPOINT, fg_curl_setopt_write_cb, c, o, v)
#define FG_GETINFO_LONG(curl, info, value)                                                         \
	(FG_CURL_REQUIRE(((info)&CURLINFO_TYPEMASK) == CURLINFO_LONG),                             \
	 fg_curl_getinfo_long(curl, info, value))

#endif
