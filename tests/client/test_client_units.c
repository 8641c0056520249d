/*
 * Pure units of the Frontegg client: URL building, JSON parsing, RFC 3339,
 * the retry policy and the token cache file. No network, no emulator.
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "frontegg/frontegg.h"
#include "frontegg/json.h"
#include "frontegg/rate_memory.h"
#include "frontegg/retry.h"
#include "frontegg/rfc3339.h"
#include "frontegg/token_cache.h"
#include "frontegg/url.h"
#include "pam_frontegg/safe_file.h"
#include "testutil.h"

#define BASE "https://api.frontegg.com"
#define ID   "4f0b9d52-7a8e-4c1b-9d2a-0123456789ab"

/* ---- URL building ------------------------------------------------------- */

START_TEST(url_base_check)
{
	char big[700];

	ck_assert_int_eq(fg_url_base_check(BASE), FG_OK);
	ck_assert_int_eq(fg_url_base_check("HTTPS://api.us.frontegg.com/"), FG_OK);
	ck_assert_int_eq(fg_url_base_check("https://proxy.corp/frontegg/"), FG_OK);
	ck_assert_int_eq(fg_url_base_check("http://api.frontegg.com"), FG_INVALID);
	ck_assert_int_eq(fg_url_base_check("ftp://api.frontegg.com"), FG_INVALID);
	ck_assert_int_eq(fg_url_base_check("https://"), FG_INVALID);
	ck_assert_int_eq(fg_url_base_check("https:///"), FG_INVALID);
	ck_assert_int_eq(fg_url_base_check("https://h?x=1"), FG_INVALID);
	ck_assert_int_eq(fg_url_base_check("https://h#frag"), FG_INVALID);
	ck_assert_int_eq(fg_url_base_check("https://user:pw@h"), FG_INVALID);
	ck_assert_int_eq(fg_url_base_check("https://h /x"), FG_INVALID);
	ck_assert_int_eq(fg_url_base_check("https://h\r\nX: y"), FG_INVALID);
	ck_assert_int_eq(fg_url_base_check("https://h\xc3\xa9"), FG_INVALID);
	ck_assert_int_eq(fg_url_base_check(NULL), FG_INVALID);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "https://", 8);
	ck_assert_int_eq(fg_url_base_check(big), FG_INVALID);
}
END_TEST

START_TEST(url_trailing_slash)
{
	char buf[FG_URL_MAX];

	ck_assert_int_eq(fg_url_token(buf, sizeof(buf), BASE), FG_OK);
	ck_assert_str_eq(buf, BASE "/auth/vendor");
	ck_assert_int_eq(fg_url_token(buf, sizeof(buf), BASE "/"), FG_OK);
	ck_assert_str_eq(buf, BASE "/auth/vendor");
	ck_assert_int_eq(fg_url_token(buf, sizeof(buf), BASE "///"), FG_OK);
	ck_assert_str_eq(buf, BASE "/auth/vendor");
	ck_assert_int_eq(fg_url_token(buf, sizeof(buf), "https://proxy.corp/fe/"), FG_OK);
	ck_assert_str_eq(buf, "https://proxy.corp/fe/auth/vendor");
	ck_assert_uint_eq(fg_url_base_len("https://h//"), strlen("https://h"));
}
END_TEST

START_TEST(url_email_escaping)
{
	char buf[FG_URL_MAX];
	char long_email[PF_IDENT_MAX + 2];

	ck_assert_int_eq(fg_url_user_by_email(buf, sizeof(buf), BASE, "alice@example.com"), FG_OK);
	ck_assert_str_eq(buf, BASE "/identity/resources/users/v1/email?email=alice%40example.com");
	ck_assert_int_eq(
	    fg_url_user_by_email(buf, sizeof(buf), BASE "/", "a&b#c%d e+f@example.com"), FG_OK);
	ck_assert_str_eq(buf, BASE "/identity/resources/users/v1/email?email="
				   "a%26b%23c%25d%20e%2Bf%40example.com");
	/* UTF-8 is encoded byte by byte. */
	ck_assert_int_eq(fg_url_user_by_email(buf, sizeof(buf), BASE, "j\xc3\xbcrgen@example.com"),
			 FG_OK);
	ck_assert_str_eq(buf,
			 BASE "/identity/resources/users/v1/email?email=j%C3%BCrgen%40example.com");
	/* Query injection and path tricks stay inside the value. */
	ck_assert_int_eq(fg_url_user_by_email(buf, sizeof(buf), BASE, "x@y&email=evil@z/../?#"),
			 FG_OK);
	ck_assert_str_eq(buf, BASE "/identity/resources/users/v1/email?email="
				   "x%40y%26email%3Devil%40z%2F..%2F%3F%23");
	ck_assert_int_eq(fg_url_user_by_email(buf, sizeof(buf), BASE, "a\r\nb@c"), FG_OK);
	ck_assert_ptr_nonnull(strstr(buf, "a%0D%0Ab%40c"));
	ck_assert_int_eq(fg_url_user_by_email(buf, sizeof(buf), BASE, "unreserved-._~@x"), FG_OK);
	ck_assert_ptr_nonnull(strstr(buf, "=unreserved-._~%40x"));
	/* Refused: empty, NULL, too long, bad base. */
	ck_assert_int_eq(fg_url_user_by_email(buf, sizeof(buf), BASE, ""), FG_INVALID);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(fg_url_user_by_email(buf, sizeof(buf), BASE, NULL), FG_INVALID);
	memset(long_email, 'a', sizeof(long_email) - 1);
	long_email[sizeof(long_email) - 1] = '\0';
	ck_assert_int_eq(fg_url_user_by_email(buf, sizeof(buf), BASE, long_email), FG_INVALID);
	ck_assert_int_eq(fg_url_user_by_email(buf, sizeof(buf), "http://x", "a@b"), FG_INVALID);
}
END_TEST

START_TEST(url_escape_bounds)
{
	char small[8];

	ck_assert_uint_eq(fg_url_escape(small, sizeof(small), "abcdefg"), 7);
	ck_assert_str_eq(small, "abcdefg");
	ck_assert_uint_eq(fg_url_escape(small, sizeof(small), "abcdefgh"), (size_t)-1);
	ck_assert_str_eq(small, "");
	ck_assert_uint_eq(fg_url_escape(small, sizeof(small), "abcde@"), (size_t)-1);
	ck_assert_uint_eq(fg_url_escape(small, sizeof(small), "abcd@"), 7);
	ck_assert_str_eq(small, "abcd%40");
	ck_assert_uint_eq(fg_url_escape(small, 0, "a"), (size_t)-1);
}
END_TEST

START_TEST(url_ids)
{
	char buf[FG_URL_MAX], id64[PF_ID_MAX + 2];

	ck_assert(fg_id_valid(ID));
	ck_assert(fg_id_valid("ABC-123"));
	ck_assert(!fg_id_valid(""));
	ck_assert(!fg_id_valid(NULL));
	ck_assert(!fg_id_valid("a/b"));
	ck_assert(!fg_id_valid(".."));
	ck_assert(!fg_id_valid("."));
	ck_assert(!fg_id_valid("a.b"));
	ck_assert(!fg_id_valid("a%2Fb"));
	ck_assert(!fg_id_valid("a b"));
	ck_assert(!fg_id_valid("a?b"));
	ck_assert(!fg_id_valid("a\nb"));
	ck_assert(!fg_id_valid("\xc3\xa9"));
	memset(id64, 'a', PF_ID_MAX);
	id64[PF_ID_MAX] = '\0';
	ck_assert(fg_id_valid(id64));
	id64[PF_ID_MAX] = 'a';
	id64[PF_ID_MAX + 1] = '\0';
	ck_assert(!fg_id_valid(id64));

	ck_assert_int_eq(fg_url_user_by_id(buf, sizeof(buf), BASE, ID), FG_OK);
	ck_assert_str_eq(buf, BASE "/identity/resources/vendor-only/users/v1/" ID);
	ck_assert_int_eq(fg_url_user_action(buf, sizeof(buf), BASE, ID, FG_ACTION_LOCK), FG_OK);
	ck_assert_str_eq(buf, BASE "/identity/resources/users/v1/" ID "/lock");
	ck_assert_int_eq(fg_url_user_action(buf, sizeof(buf), BASE "/", ID, FG_ACTION_UNLOCK),
			 FG_OK);
	ck_assert_str_eq(buf, BASE "/identity/resources/users/v1/" ID "/unlock");
	ck_assert_int_eq(fg_url_user_action(buf, sizeof(buf), BASE, ID, FG_ACTION_RESET_LINK),
			 FG_OK);
	ck_assert_str_eq(buf, BASE "/identity/resources/users/v1/" ID
				   "/links/generate-password-reset-token");
	ck_assert_int_eq(fg_url_user_by_id(buf, sizeof(buf), BASE, "../../auth/vendor"),
			 FG_INVALID);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(fg_url_user_action(buf, sizeof(buf), BASE, "a/b", FG_ACTION_LOCK),
			 FG_INVALID);
	ck_assert_int_eq(fg_url_user_action(buf, sizeof(buf), BASE, "..", FG_ACTION_UNLOCK),
			 FG_INVALID);
	/* A buffer too small is a refusal, never a cut URL. */
	ck_assert_int_eq(fg_url_user_by_id(buf, 40, BASE, ID), FG_INVALID);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* ---- JSON parsers -------------------------------------------------------- */

static enum fg_result user_of(const char *json, struct fg_user *u)
{
	return fg_json_user(json, strlen(json), u);
}

START_TEST(json_user_good)
{
	struct fg_user u;
	const char *full =
	    "{\"id\":\"" ID "\",\"email\":\"alice@example.com\",\"name\":\"Alice\","
	    "\"tenantId\":\"t1\",\"tenantIds\":[\"t1\",\"t2\"],\"metadata\":\"{\\\"a\\\":1}\","
	    "\"roles\":[{\"x\":[1,2,{\"y\":null}]}],\"verified\":true,\"isLocked\":true}";

	ck_assert_int_eq(user_of(full, &u), FG_OK);
	ck_assert_str_eq(u.id, ID);
	ck_assert_str_eq(u.email, "alice@example.com");
	ck_assert(u.locked);
	ck_assert_int_eq(user_of("{\"id\":\"abc\",\"email\":\"a@b\",\"isLocked\":false}", &u),
			 FG_OK);
	ck_assert(!u.locked);
	/* Missing isLocked means unlocked; keys are case-sensitive. */
	ck_assert_int_eq(user_of("{\"id\":\"abc\",\"email\":\"a@b\"}", &u), FG_OK);
	ck_assert(!u.locked);
	ck_assert_int_eq(user_of("{\"id\":\"abc\",\"email\":\"a@b\",\"IsLocked\":true}", &u),
			 FG_OK);
	ck_assert(!u.locked);
	/* Whitespace around the value; UTF-8 e-mail; metadata holding "\\u0000" as text. */
	ck_assert_int_eq(user_of(" \n{\"id\":\"abc\",\"email\":\"j\xc3\xbcrgen@x\"}\r\n ", &u),
			 FG_OK);
	ck_assert_str_eq(u.email, "j\xc3\xbcrgen@x");
	ck_assert_int_eq(
	    user_of("{\"id\":\"abc\",\"email\":\"a@b\",\"metadata\":\"\\\\u0000\"}", &u), FG_OK);
}
END_TEST

START_TEST(json_user_bad)
{
	static const char *const bad[] = {
		"",
		"null",
		"[]",
		"\"id\"",
		"{",
		"{\"id\":\"abc\",\"email\":\"a@b\"",
		"{\"id\":\"abc\",\"email\":\"a@b\"} trailing",
		"{\"id\":\"abc\",\"email\":\"a@b\"}{}",
		"[{\"id\":\"abc\",\"email\":\"a@b\",\"isLocked\":true}]",
		"{\"email\":\"a@b\"}",
		"{\"id\":42,\"email\":\"a@b\"}",
		"{\"id\":null,\"email\":\"a@b\"}",
		"{\"id\":\"../x\",\"email\":\"a@b\"}",
		"{\"id\":\"a/b\",\"email\":\"a@b\"}",
		"{\"id\":\"\",\"email\":\"a@b\"}",
		"{\"id\":\"abc\",\"email\":\"\"}",
		"{\"id\":\"abc\",\"email\":[\"a@b\"]}",
		"{\"id\":\"abc\",\"email\":\"a\\nb@c\"}",
		"{\"id\":\"abc\",\"email\":\"a@b\",\"isLocked\":\"true\"}",
		"{\"id\":\"abc\",\"email\":\"a@b\",\"isLocked\":1}",
		"{\"id\":\"abc\",\"email\":\"a@b\",\"isLocked\":{}}",
		"{\"id\":\"abc\\u0000/../x\",\"email\":\"a@b\"}",
		"{\"id\":42,\"email\":null,\"isLocked\":\"true\",\"tenantIds\":\"none\"}",
	};
	struct fg_user u;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(user_of(bad[i], &u) == FG_BAD_RESPONSE, "accepted: %s", bad[i]);
	ck_assert_int_eq(fg_json_user(NULL, 0, &u), FG_BAD_RESPONSE);
	/* Spec-shaped users: no e-mail, and an unlocked isLocked written as null. */
	ck_assert_int_eq(user_of("{\"id\":\"abc\"}", &u), FG_OK);
	ck_assert_str_eq(u.email, "");
	ck_assert_int_eq(user_of("{\"id\":\"abc\",\"email\":null,\"isLocked\":null}", &u), FG_OK);
	ck_assert(!u.locked);
	/* An embedded NUL is refused, not read as the end of the body. */
	ck_assert_int_eq(fg_json_user("{\"id\":\"a\",\"email\":\"a@b\"}\0x", 26, &u),
			 FG_BAD_RESPONSE);
}
END_TEST

START_TEST(json_user_hostile)
{
	struct fg_user u;
	size_t n = 4 << 20, depth = 5000;
	char *big = malloc(n + 64), *deep = malloc(2 * depth + 64);
	size_t o = 0;

	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(deep);
	/* A 4 MiB e-mail and a 4 MiB id. */
	o = (size_t)sprintf(big, "{\"id\":\"abc\",\"email\":\"");
	memset(big + o, 'a', n);
	strcpy(big + o + n, "@x\"}");
	ck_assert_int_eq(fg_json_user(big, strlen(big), &u), FG_BAD_RESPONSE);
	o = (size_t)sprintf(big, "{\"email\":\"a@b\",\"id\":\"");
	memset(big + o, 'a', n);
	strcpy(big + o + n, "\"}");
	ck_assert_int_eq(fg_json_user(big, strlen(big), &u), FG_BAD_RESPONSE);
	/* Nesting far beyond cJSON's limit fails cleanly (no stack overflow). */
	o = 0;
	o += (size_t)sprintf(deep, "{\"id\":\"abc\",\"email\":\"a@b\",\"x\":");
	for (size_t i = 0; i < depth; i++)
		deep[o++] = '[';
	for (size_t i = 0; i < depth; i++)
		deep[o++] = ']';
	deep[o++] = '}';
	deep[o] = '\0';
	ck_assert_int_eq(fg_json_user(deep, o, &u), FG_BAD_RESPONSE);
	/* The length bounds the parse: a valid prefix of a longer buffer. */
	strcpy(big, "{\"id\":\"abc\",\"email\":\"a@b\"}GARBAGE");
	ck_assert_int_eq(fg_json_user(big, strlen("{\"id\":\"abc\",\"email\":\"a@b\"}"), &u),
			 FG_OK);
	free(big);
	free(deep);
}
END_TEST

START_TEST(json_token)
{
	char *tok = NULL;
	int64_t exp = 0;
	char *huge = malloc(FG_TOKEN_MAX + 64);
	static const char *const bad[] = {
		"{}",
		"{\"token\":\"abc\"}",
		"{\"expiresIn\":60}",
		"{\"token\":12345,\"expiresIn\":\"soon\"}",
		"{\"token\":\"abc\",\"expiresIn\":\"60\"}",
		"{\"token\":\"abc\",\"expiresIn\":-1}",
		"{\"token\":\"abc\",\"expiresIn\":1.5}",
		"{\"token\":\"abc\",\"expiresIn\":1e300}",
		"{\"token\":\"\",\"expiresIn\":60}",
		"{\"token\":\"a b\",\"expiresIn\":60}",
		"{\"token\":\"a\\r\\nX-Evil: 1\",\"expiresIn\":60}",
		"[\"token\"]",
		"not json",
	};
	const char *good = "{\"token\":\"eyJhbGciOi.J9-_x.y~+/=\",\"expiresIn\":86400}";

	ck_assert_int_eq(fg_json_token(good, strlen(good), &tok, &exp), FG_OK);
	ck_assert_str_eq(tok, "eyJhbGciOi.J9-_x.y~+/=");
	ck_assert_int_eq(exp, 86400);
	free(tok);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(fg_json_token(bad[i], strlen(bad[i]), &tok, &exp) == FG_BAD_RESPONSE,
			      "accepted: %s", bad[i]);
		ck_assert_ptr_null(tok);
	}
	ck_assert_ptr_nonnull(huge);
	strcpy(huge, "{\"expiresIn\":1,\"token\":\"");
	{
		size_t at = strlen(huge);
		memset(huge + at, 'a', FG_TOKEN_MAX + 1);
		strcpy(huge + at + FG_TOKEN_MAX + 1, "\"}");
	}
	ck_assert_int_eq(fg_json_token(huge, strlen(huge), &tok, &exp), FG_BAD_RESPONSE);
	free(huge);
}
END_TEST

START_TEST(json_error_body)
{
	struct fg_error e;
	const char *two = "{\"errors\":[\"first\",7,\"second\"],\"errorCode\":\"ER-01017\"}";
	const char *msg = "{\"message\":\"Forbidden resource\",\"statusCode\":403}";
	const char *ctl = "{\"errors\":[\"bad\\n\\u001b[31mred\"],\"errorCode\":\"ER-\\r1\"}";
	char big[1200];

	memset(&e, 0, sizeof(e));
	fg_json_error(two, strlen(two), &e);
	ck_assert_str_eq(e.error_code, "ER-01017");
	ck_assert_str_eq(e.message, "first; second");
	fg_json_error(msg, strlen(msg), &e);
	ck_assert_str_eq(e.error_code, "");
	ck_assert_str_eq(e.message, "Forbidden resource");
	fg_json_error(ctl, strlen(ctl), &e);
	ck_assert_str_eq(e.error_code, "ER-?1");
	ck_assert_str_eq(e.message, "bad??[31mred");
	fg_json_error("<html>502 Bad Gateway</html>", 28, &e);
	ck_assert_str_eq(e.error_code, "");
	ck_assert_str_eq(e.message, "");
	fg_json_error("", 0, &e);
	ck_assert_str_eq(e.message, "");
	fg_json_error("{\"errors\":\"not a list\",\"errorCode\":5}",
		      strlen("{\"errors\":\"not a list\",\"errorCode\":5}"), &e);
	ck_assert_str_eq(e.message, "");
	ck_assert_str_eq(e.error_code, "");
	strcpy(big, "{\"errors\":[\"");
	memset(big + 12, 'm', 1000);
	strcpy(big + 1012, "\"]}");
	fg_json_error(big, strlen(big), &e);
	ck_assert_uint_eq(strlen(e.message), sizeof(e.message) - 1);
}
END_TEST

START_TEST(json_reset_link)
{
	char link[256], tiny[16];
	const char *good = "{\"link\":\"https://app.frontegg.com/reset?userId=a&token=b\","
			   "\"token\":\"b\",\"userId\":\"a\"}";
	static const char *const bad[] = {
		"{\"link\":42,\"token\":null,\"userId\":[]}",
		"{\"link\":\"javascript:alert(1)\"}",
		"{\"link\":\"http://plain.example/reset\"}",
		"{\"link\":\"https://x/\\n\"}",
		"{}",
		"",
	};

	ck_assert_int_eq(fg_json_reset_link(good, strlen(good), link, sizeof(link)), FG_OK);
	ck_assert_str_eq(link, "https://app.frontegg.com/reset?userId=a&token=b");
	ck_assert_int_eq(fg_json_reset_link(good, strlen(good), tiny, sizeof(tiny)), FG_TOO_BIG);
	ck_assert_str_eq(tiny, "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(fg_json_reset_link(bad[i], strlen(bad[i]), link, sizeof(link)) ==
				  FG_BAD_RESPONSE,
			      "accepted: %s", bad[i]);
}
END_TEST

START_TEST(json_token_request)
{
	const char *secret = "s\"e\\c\nr\xc3\xa9t";
	char *body = NULL, *toolong = malloc(5000);
	size_t len = 0;
	cJSON *root;

	ck_assert_int_eq(fg_json_token_request("id-1", secret, &body, &len), FG_OK);
	ck_assert_uint_eq(len, strlen(body));
	root = cJSON_Parse(body);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(root, "clientId")->valuestring, "id-1");
	ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(root, "secret")->valuestring, secret);
	cJSON_Delete(root);
	free(body);
	ck_assert_ptr_nonnull(toolong);
	memset(toolong, 'x', 4999);
	toolong[4999] = '\0';
	ck_assert_int_eq(fg_json_token_request("id", toolong, &body, &len), FG_INVALID);
	ck_assert_ptr_null(body);
	free(toolong);
}
END_TEST

/* ---- RFC 3339 ------------------------------------------------------------ */

static int64_t ms_of(const char *s)
{
	int64_t v = -1;

	ck_assert_msg(fg_rfc3339_parse(s, &v), "refused: %s", s);
	return v;
}

START_TEST(rfc3339_good)
{
	ck_assert_int_eq(ms_of("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(ms_of("2026-11-25T21:40:07Z"), 1795642807000LL);
	ck_assert_int_eq(ms_of("2026-11-25t21:40:07z"), 1795642807000LL);
	ck_assert_int_eq(ms_of("2026-11-25T23:40:07+02:00"), 1795642807000LL);
	ck_assert_int_eq(ms_of("2026-11-25T16:10:07-05:30"), 1795642807000LL);
	ck_assert_int_eq(ms_of("2026-11-25T21:40:07+00:00"), 1795642807000LL);
	ck_assert_int_eq(ms_of("2026-11-25T21:40:07-00:00"), 1795642807000LL);
	ck_assert_int_eq(ms_of("2026-11-25T21:40:07.25Z"), 1795642807250LL);
	ck_assert_int_eq(ms_of("2026-11-25T21:40:07.5+02:00"), 1795635607500LL);
	ck_assert_int_eq(ms_of("2026-11-25T21:40:07.123456789Z"), 1795642807123LL);
	ck_assert_int_eq(ms_of("2026-11-25T21:40:07.007Z"), 1795642807007LL);
	ck_assert_int_eq(ms_of("2024-02-29T12:00:00Z"), 1709208000000LL);
	ck_assert_int_eq(ms_of("2000-02-29T00:00:00Z"), 951782400000LL);
	/* A leap second reads as the first second of the next minute. */
	ck_assert_int_eq(ms_of("2016-12-31T23:59:60Z"), 1483228800000LL);
	ck_assert_int_eq(ms_of("1969-12-31T23:59:59Z"), -1000);
	ck_assert_int_eq(ms_of("0000-01-01T00:00:00Z"), -62167219200000LL);
	ck_assert_int_eq(fg_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(fg_days_from_civil(2000, 3, 1), 11017);
}
END_TEST

START_TEST(rfc3339_bad)
{
	static const char *const bad[] = {
		"",
		"2026-11-25",
		"2026-11-25T21:40:07",
		"2026-11-25 21:40:07Z",
		"2026-11-25T21:40Z",
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-11-00T00:00:00Z",
		"2026-11-31T00:00:00Z",
		"2023-02-29T00:00:00Z",
		"1900-02-29T00:00:00Z",
		"2026-11-25T24:00:00Z",
		"2026-11-25T21:60:00Z",
		"2026-11-25T21:40:61Z",
		"2026-11-25T21:40:07+2:00",
		"2026-11-25T21:40:07+0200",
		"2026-11-25T21:40:07+24:00",
		"2026-11-25T21:40:07+02:60",
		"2026-11-25T21:40:07Z ",
		" 2026-11-25T21:40:07Z",
		"2026-11-25T21:40:07.Z",
		"2026-11-25T21:40:07.1234567890Z",
		"2026-11-25T21:40:07,5Z",
		"+2026-11-25T21:40:07Z",
		"2026-1-25T21:40:07Z",
		"20261125T214007Z",
		"1764106807",
		"Tue, 25 Nov 2026 21:40:07 GMT",
		"2026-11-25T21:40:07ZZ",
		"2026-11-25T21:40:07\nZ",
	};
	int64_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!fg_rfc3339_parse(bad[i], &v), "accepted: %s", bad[i]);
	ck_assert(!fg_rfc3339_parse(NULL, &v));
}
END_TEST

START_TEST(rfc3339_ignores_tz)
{
	/* The process time zone must not move the result. */
	setenv("TZ", "America/St_Johns", 1);
	tzset();
	ck_assert_int_eq(ms_of("2026-11-25T21:40:07Z"), 1795642807000LL);
	ck_assert_int_eq(ms_of("2026-07-01T00:00:00+02:00"), 1782856800000LL);
	setenv("TZ", "Asia/Kathmandu", 1);
	tzset();
	ck_assert_int_eq(ms_of("2026-07-01T00:00:00+02:00"), 1782856800000LL);
	unsetenv("TZ");
	tzset();
}
END_TEST

/* ---- retry policy --------------------------------------------------------- */

static struct fg_retry_input retry_in(enum fg_result r, unsigned attempt)
{
	struct fg_retry_input in = {
		.result = r,
		.attempt = attempt,
		.now_ms = 1000,
		.deadline_ms = 1000 + 600000,
		.random = 0,
	};

	return in;
}

START_TEST(retry_which)
{
	static const enum fg_result never[] = { FG_OK,           FG_NOT_FOUND,    FG_UNAUTHORIZED,
						FG_FORBIDDEN,    FG_CLIENT_ERROR, FG_TLS,
						FG_BAD_RESPONSE, FG_TOO_BIG,      FG_CONFIG,
						FG_RATE_LIMITED, FG_NOMEM,        FG_INVALID };
	static const enum fg_result always[] = { FG_NETWORK, FG_TIMEOUT, FG_SERVER_ERROR };
	struct fg_retry_input in;

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		in = retry_in(never[i], 1);
		ck_assert(!fg_retry_retryable(never[i]));
		ck_assert_int_eq(fg_retry_delay(&in), -1);
	}
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		in = retry_in(always[i], 1);
		ck_assert(fg_retry_retryable(always[i]));
		ck_assert_int_ge(fg_retry_delay(&in), 0);
	}
}
END_TEST

START_TEST(retry_backoff_jitter)
{
	struct fg_retry_input in;
	int64_t lo[] = { 0, 100, 200, 400, 800, 1600, 2500, 2500 };
	int64_t hi[] = { 0, 200, 400, 800, 1600, 3200, 5000, 5000 };
	uint32_t seeds[] = { 0, 1, 7, 99, 12345, 0x7fffffffu, 0xfffffffeu, 0xffffffffu };

	for (unsigned attempt = 1; attempt < FG_RETRY_MAX_ATTEMPTS; attempt++) {
		for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
			int64_t d;

			in = retry_in(FG_SERVER_ERROR, attempt);
			in.random = seeds[s];
			d = fg_retry_delay(&in);
			ck_assert_int_ge(d, lo[attempt]);
			ck_assert_int_le(d, hi[attempt]);
		}
	}
	in = retry_in(FG_NETWORK, 1);
	in.random = 0;
	ck_assert_int_eq(fg_retry_delay(&in), 100);
	in.random = 100;
	ck_assert_int_eq(fg_retry_delay(&in), 200);
	/* Attempts are bounded even with time to spare. */
	in = retry_in(FG_SERVER_ERROR, FG_RETRY_MAX_ATTEMPTS);
	ck_assert_int_eq(fg_retry_delay(&in), -1);
	in = retry_in(FG_SERVER_ERROR, 0);
	ck_assert_int_eq(fg_retry_delay(&in), -1);
}
END_TEST

START_TEST(retry_deadline)
{
	struct fg_retry_input in = retry_in(FG_SERVER_ERROR, 1);

	in.random = 0; /* wait 100 ms */
	in.deadline_ms = in.now_ms + 100 + FG_RETRY_MIN_WINDOW_MS;
	ck_assert_int_eq(fg_retry_delay(&in), 100);
	in.deadline_ms -= 1;
	ck_assert_int_eq(fg_retry_delay(&in), -1);
	in.deadline_ms = in.now_ms; /* budget gone */
	ck_assert_int_eq(fg_retry_delay(&in), -1);
	in.deadline_ms = in.now_ms - 5000;
	ck_assert_int_eq(fg_retry_delay(&in), -1);
}
END_TEST

START_TEST(retry_rate_limit)
{
	const int64_t now = 1795642807000LL;
	struct fg_retry_input in = retry_in(FG_RATE_LIMITED, 1);
	int64_t until;

	/* Never retried: the reset is remembered for the host instead. */
	ck_assert_int_eq(fg_retry_delay(&in), -1);
	/* The reset time is honoured, plus a bounded jitter. */
	for (uint32_t r = 0; r < 2000; r += 97) {
		until = fg_rate_until("2026-11-25T21:40:08Z", now, r);
		ck_assert_int_ge(until, now + 1000);
		ck_assert_int_le(until, now + 1000 + FG_RETRY_RESET_JITTER_MS);
	}
	/* No header, or a reset already passed: 60 s plus up to 5 s. */
	until = fg_rate_until("", now, 0xffffffffu);
	ck_assert_int_ge(until, now + FG_RETRY_429_DEFAULT_MS);
	ck_assert_int_le(until, now + FG_RETRY_429_DEFAULT_MS + FG_RETRY_429_JITTER_MS);
	until = fg_rate_until("2026-11-25T21:40:00Z", now, 0);
	ck_assert_int_eq(until, now + FG_RETRY_429_DEFAULT_MS);
	/* A reset a day away is not believed. */
	ck_assert_int_eq(fg_rate_until("86400", now, 0), now + FG_RETRY_429_MAX_MS);
}
END_TEST

START_TEST(rate_memory_format)
{
	char buf[FG_RATE_FILE_MAX];
	int64_t v = 0;
	size_t len = fg_rate_format(1795642867000LL, buf, sizeof(buf));

	ck_assert_str_eq(buf, "pam_frontegg-ratelimit 1\nuntil 1795642867000\nend\n");
	ck_assert(fg_rate_parse(buf, len, &v));
	ck_assert_int_eq(v, 1795642867000LL);
	ck_assert(!fg_rate_parse(buf, len - 1, &v));
	static const char *const bad[] = { "pam_frontegg-ratelimit 1\nuntil 01\nend\n",
					   "pam_frontegg-ratelimit 1\nuntil -5\nend\n",
					   "pam_frontegg-ratelimit 1\nuntil 5\nend\nx" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!fg_rate_parse(bad[i], strlen(bad[i]), &v), "accepted #%zu", i);
	ck_assert(!fg_rate_parse("", 0, &v));
}
END_TEST

START_TEST(retry_reset_header)
{
	int64_t now = 1795642807000LL, v = 0;

	ck_assert(fg_rate_reset_parse("2026-11-25T21:40:08Z", now, &v));
	ck_assert_int_eq(v, now + 1000);
	ck_assert(fg_rate_reset_parse("2026-11-25T21:40:07.750Z", now, &v));
	ck_assert_int_eq(v, now + 750);
	/* Tolerated: seconds from now, or a Unix time. */
	ck_assert(fg_rate_reset_parse("5", now, &v));
	ck_assert_int_eq(v, now + 5000);
	ck_assert(fg_rate_reset_parse("1795642810", now, &v));
	ck_assert_int_eq(v, 1795642810000LL);
	ck_assert(!fg_rate_reset_parse("", now, &v));
	ck_assert(!fg_rate_reset_parse(NULL, now, &v));
	ck_assert(!fg_rate_reset_parse("soon", now, &v));
	ck_assert(!fg_rate_reset_parse("-5", now, &v));
	ck_assert(!fg_rate_reset_parse("12345678901234567890", now, &v));
}
END_TEST

/* ---- token cache file ----------------------------------------------------- */

START_TEST(token_cache_format)
{
	struct fg_token t = { .issued_ms = 1000, .expires_ms = 3601000, .renew_ms = 2881000 };
	struct fg_token back;
	uint64_t key = fg_token_key("client", "https://api.frontegg.com");
	size_t len = 0;
	char *text, *evil;

	t.value = strdup("eyJ.abc-_.sig");
	text = fg_token_cache_format(&t, key, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(fg_token_cache_parse(text, len, key, &back), FG_CACHE_PARSED);
	ck_assert_str_eq(back.value, "eyJ.abc-_.sig");
	ck_assert_int_eq(back.issued_ms, 1000);
	ck_assert_int_eq(back.expires_ms, 3601000);
	ck_assert_int_eq(back.renew_ms, 2881000);
	fg_token_clear(&back);
	ck_assert_ptr_null(back.value);
	/* Another configuration's token is not ours. */
	ck_assert_int_eq(fg_token_cache_parse(text, len, key + 1, &back), FG_CACHE_OTHER_KEY);
	/* Cut, extended or tampered files are garbage. */
	ck_assert_int_eq(fg_token_cache_parse(text, len - 1, key, &back), FG_CACHE_GARBAGE);
	ck_assert_int_eq(fg_token_cache_parse(text, 10, key, &back), FG_CACHE_GARBAGE);
	evil = malloc(len + 32);
	memcpy(evil, text, len);
	memcpy(evil + len, "extra 1\n", 9);
	ck_assert_int_eq(fg_token_cache_parse(evil, len + 8, key, &back), FG_CACHE_GARBAGE);
	memcpy(evil, text, len + 1);
	strstr(evil, "token ")[7] = ' ';
	ck_assert_int_eq(fg_token_cache_parse(evil, len, key, &back), FG_CACHE_GARBAGE);
	memcpy(evil, text, len + 1);
	strstr(evil, "renew ")[6] = '9'; /* renew after expiry */
	ck_assert_int_eq(fg_token_cache_parse(evil, len, key, &back), FG_CACHE_GARBAGE);
	free(evil);
	pf_wipe(text, len);
	free(text);
	fg_token_clear(&t);
}
END_TEST

START_TEST(token_cache_key)
{
	uint64_t k = fg_token_key("client", "https://api.frontegg.com");

	ck_assert_uint_eq(k, fg_token_key("client", "https://api.frontegg.com/"));
	ck_assert_uint_ne(k, fg_token_key("client", "https://api.us.frontegg.com"));
	ck_assert_uint_ne(k, fg_token_key("client2", "https://api.frontegg.com"));
	ck_assert_uint_ne(fg_token_key("ab", "https://c"), fg_token_key("a", "bhttps://c"));
	ck_assert(fg_token_file_name_ok("token"));
	ck_assert(fg_token_file_name_ok(".frontegg-token"));
	ck_assert(!fg_token_file_name_ok(""));
	ck_assert(!fg_token_file_name_ok(NULL));
	ck_assert(!fg_token_file_name_ok("a/b"));
	ck_assert(!fg_token_file_name_ok(".."));
	ck_assert(!fg_token_file_name_ok("."));
}
END_TEST

START_TEST(token_cache_file_rules)
{
	char *dir = pf_test_mkdtemp(), why[160];
	struct fg_token t = { .issued_ms = 1, .expires_ms = 3, .renew_ms = 2 }, back;
	uint64_t key = 42;
	struct stat sb;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY), lfd;

	ck_assert_int_ge(dfd, 0);
	t.value = strdup("tok");
	ck_assert_int_eq(fg_token_cache_load(dfd, "token", key, &back, why, sizeof(why)),
			 PF_ERR_NOENT);
	ck_assert_int_eq(fg_token_cache_store(dfd, "token", key, &t), PF_OK);
	ck_assert_int_eq(fstatat(dfd, "token", &sb, 0), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(fg_token_cache_load(dfd, "token", key, &back, why, sizeof(why)), PF_OK);
	ck_assert_str_eq(back.value, "tok");
	fg_token_clear(&back);
	ck_assert_int_eq(fg_token_cache_load(dfd, "token", key + 1, &back, why, sizeof(why)),
			 PF_ERR_NOENT);
	/* Readable by the group: refused. */
	ck_assert_int_eq(fchmodat(dfd, "token", 0640, 0), 0);
	ck_assert_int_eq(fg_token_cache_load(dfd, "token", key, &back, why, sizeof(why)),
			 PF_ERR_PERM);
	ck_assert_ptr_null(back.value);
	/* A symlink: refused. */
	ck_assert_int_eq(fchmodat(dfd, "token", 0600, 0), 0);
	ck_assert_int_eq(symlinkat("token", dfd, "link"), 0);
	ck_assert_int_eq(fg_token_cache_load(dfd, "link", key, &back, why, sizeof(why)),
			 PF_ERR_PERM);
	/* Garbage: corrupt. */
	ck_assert_int_eq(pf_write_atomic(dfd, "junk", "hello\n", 6, 0600), PF_OK);
	ck_assert_int_eq(fg_token_cache_load(dfd, "junk", key, &back, why, sizeof(why)),
			 PF_ERR_CORRUPT);
	/* The lock file is created 0600 and checked like the cache. */
	lfd = fg_token_lock_open(dfd, "token.lock", why, sizeof(why));
	ck_assert_int_ge(lfd, 0);
	close(lfd);
	ck_assert_int_eq(fstatat(dfd, "token.lock", &sb, 0), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(fchmodat(dfd, "token.lock", 0666, 0), 0);
	ck_assert_int_eq(fg_token_lock_open(dfd, "token.lock", why, sizeof(why)), -1);
	ck_assert_int_eq(fg_token_lock_open(dfd, "link", why, sizeof(why)), -1);
	fg_token_clear(&t);
	close(dfd);
	pf_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(result_strings)
{
	for (int r = FG_OK; r <= FG_INVALID; r++)
		ck_assert_str_ne(fg_result_str((enum fg_result)r), "unknown result");
	ck_assert_str_eq(fg_result_str((enum fg_result)999), "unknown result");
}
END_TEST

START_TEST(client_bad_options)
{
	struct pf_test_log tl;
	struct fg_options o = {
		.api_url = "https://h", .client_id = "c", .secret = "s", .token_dirfd = -1
	};
	struct fg_client *c = NULL;

	pf_test_log_init(&tl);
	o.log = &tl.logger;
	o.api_url = "http://insecure.example";
	ck_assert_int_eq(fg_client_new(&o, &c), -1);
	ck_assert_ptr_null(c);
	ck_assert(pf_test_log_has(&tl, "api_url"));
	o.api_url = "https://h";
	o.secret = "";
	ck_assert_int_eq(fg_client_new(&o, &c), -1);
	ck_assert(!pf_test_log_has(&tl, "\"s\""));
	o.secret = "s";
	o.token_dirfd = 0;
	o.token_file = "../escape";
	ck_assert_int_eq(fg_client_new(&o, &c), -1);
	o.token_dirfd = -1;
	o.token_file = "token";
	ck_assert_int_eq(fg_client_new(&o, &c), -1);
	/* Zeroed options: no token_file means a memory-only token, whatever the fd. */
	o.token_dirfd = 0;
	o.token_file = NULL;
	ck_assert_int_eq(fg_client_new(&o, &c), 0);
	fg_client_free(c);
	fg_client_free(NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("client_units");
	TCase *tc;

	tc = tcase_create("url");
	tcase_add_test(tc, url_base_check);
	tcase_add_test(tc, url_trailing_slash);
	tcase_add_test(tc, url_email_escaping);
	tcase_add_test(tc, url_escape_bounds);
	tcase_add_test(tc, url_ids);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_test(tc, json_user_good);
	tcase_add_test(tc, json_user_bad);
	tcase_add_test(tc, json_user_hostile);
	tcase_add_test(tc, json_token);
	tcase_add_test(tc, json_error_body);
	tcase_add_test(tc, json_reset_link);
	tcase_add_test(tc, json_token_request);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc3339");
	tcase_add_test(tc, rfc3339_good);
	tcase_add_test(tc, rfc3339_bad);
	tcase_add_test(tc, rfc3339_ignores_tz);
	suite_add_tcase(s, tc);

	tc = tcase_create("retry");
	tcase_add_test(tc, retry_which);
	tcase_add_test(tc, retry_backoff_jitter);
	tcase_add_test(tc, retry_deadline);
	tcase_add_test(tc, retry_rate_limit);
	tcase_add_test(tc, rate_memory_format);
	tcase_add_test(tc, retry_reset_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("token_cache");
	tcase_add_test(tc, token_cache_format);
	tcase_add_test(tc, token_cache_key);
	tcase_add_test(tc, token_cache_file_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("client");
	tcase_add_test(tc, result_strings);
	tcase_add_test(tc, client_bad_options);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pf_test_run(suite());
}
