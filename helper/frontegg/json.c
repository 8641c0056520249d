/* Parsing Frontegg's JSON answers with cJSON, strictly; building the token request. */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "json.h"
#include "pam_frontegg/safe_file.h"

#define CRED_MAX 4096 /* longest client id or secret we send */

#define CJSON_AT_LEAST(a, b, c)                                                                    \
	(CJSON_VERSION_MAJOR * 10000 + CJSON_VERSION_MINOR * 100 + CJSON_VERSION_PATCH >=          \
	 (a)*10000 + (b)*100 + (c))

static bool json_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/*
 * cJSON turns "\u0000" into a NUL that silently cuts the string ("abc\u0000x"
 * would read as id "abc"); refuse such bodies instead of guessing.
 */
static bool has_escaped_nul(const char *body, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (body[i] != '\\')
			continue;
		if (body[i + 1] == 'u' && i + 5 < len && strncmp(body + i + 2, "0000", 4) == 0)
			return true;
		i++; /* skip the escaped character, so "\\u0000" (text) is fine */
	}
	return false;
}

/* One JSON value spanning the whole body (whitespace around it allowed). */
static cJSON *parse(const char *body, size_t len)
{
	const char *end = NULL;
	cJSON *root;

	if (body == NULL || len == 0 || memchr(body, '\0', len) != NULL ||
	    has_escaped_nul(body, len))
		return NULL;
#if CJSON_AT_LEAST(1, 7, 13)
	root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
#else
	{
		char *copy = malloc(len + 1);
		if (copy == NULL)
			return NULL;
		memcpy(copy, body, len);
		copy[len] = '\0';
		root = cJSON_ParseWithOpts(copy, &end, 0);
		end = root ? body + (end - copy) : NULL;
		free(copy);
	}
#endif
	if (root == NULL)
		return NULL;
	for (size_t off = (size_t)(end - body); off < len; off++) {
		if (!json_space(body[off])) {
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}

static const cJSON *field(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* An integral JSON number in 0..max. */
static bool get_uint(const cJSON *obj, const char *key, uint64_t max, uint64_t *out)
{
	const cJSON *v = field(obj, key);
	double d;

	if (!cJSON_IsNumber(v))
		return false;
	d = v->valuedouble;
	/* In range first, so the cast below is defined; then integral. */
	if (!isfinite(d) || d < 0 || d > (double)max || (double)(uint64_t)d != d)
		return false;
	*out = (uint64_t)d;
	return true;
}

static bool has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Copies a string of at most max bytes without control characters. */
static bool copy_text(char *dst, size_t size, const char *src, size_t max)
{
	size_t n = strnlen(src, max + 1);

	if (n == 0 || n > max || n >= size || has_control(src))
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

bool fg_token_chars_ok(const char *tok)
{
	size_t n = strnlen(tok, FG_TOKEN_MAX + 1);

	return n > 0 && n <= FG_TOKEN_MAX &&
	       strspn(tok,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-") == n;
}

enum fg_result fg_json_token(const char *body, size_t len, char **token, int64_t *expires_in_s)
{
	cJSON *root = parse(body, len);
	const cJSON *tok;
	enum fg_result r = FG_BAD_RESPONSE;
	uint64_t exp;

	*token = NULL;
	if (root == NULL)
		return FG_BAD_RESPONSE;
	tok = field(root, "token");
	if (cJSON_IsObject(root) && cJSON_IsString(tok) && fg_token_chars_ok(tok->valuestring) &&
	    get_uint(root, "expiresIn", FG_EXPIRES_MAX, &exp)) {
		*token = strdup(tok->valuestring);
		*expires_in_s = (int64_t)exp;
		r = *token != NULL ? FG_OK : FG_NOMEM;
	}
	/* cJSON_Delete does not wipe; the tree's copy of the token must not linger. */
	if (cJSON_IsString(tok))
		pf_wipe(tok->valuestring, strlen(tok->valuestring));
	cJSON_Delete(root);
	return r;
}

/* The tenant for audit entries: only an id-shaped one ever reaches a header. */
static void tenant_of(const cJSON *o, struct fg_user *u)
{
	const cJSON *t = field(o, "tenantId");

	if (cJSON_IsString(t) && fg_id_valid(t->valuestring))
		snprintf(u->tenant_id, sizeof(u->tenant_id), "%s", t->valuestring);
}

static enum fg_result user_from(const cJSON *o, struct fg_user *user)
{
	const cJSON *id = field(o, "id"), *email = field(o, "email"), *locked;
	struct fg_user u;

	if (!cJSON_IsObject(o))
		return FG_BAD_RESPONSE;
	locked = field(o, "isLocked");
	memset(&u, 0, sizeof(u));
	if (!cJSON_IsString(id) || !fg_id_valid(id->valuestring))
		return FG_BAD_RESPONSE;
	/* A user may have no e-mail (null or absent): a lookup by e-mail then never matches. */
	if (email != NULL && !cJSON_IsNull(email) &&
	    (!cJSON_IsString(email) ||
	     !copy_text(u.email, sizeof(u.email), email->valuestring, PF_IDENT_MAX)))
		return FG_BAD_RESPONSE;
	/* Frontegg writes an unlocked user's isLocked as false, null or not at all. */
	if (locked != NULL && !cJSON_IsBool(locked) && !cJSON_IsNull(locked))
		return FG_BAD_RESPONSE;
	memcpy(u.id, id->valuestring, strlen(id->valuestring) + 1);
	u.locked = cJSON_IsTrue(locked);
	tenant_of(o, &u);
	*user = u;
	return FG_OK;
}

enum fg_result fg_json_user(const char *body, size_t len, struct fg_user *user)
{
	cJSON *root = parse(body, len);
	enum fg_result r;

	if (root == NULL)
		return FG_BAD_RESPONSE;
	r = user_from(root, user);
	cJSON_Delete(root);
	return r;
}

/* Appends src (sanitised) to the message, "; "-separated. */
static void add_message(struct fg_error *err, const char *src)
{
	size_t used = strlen(err->message);

	if (used > 0 && used + 2 < sizeof(err->message)) {
		memcpy(err->message + used, "; ", 3);
		used += 2;
	}
	if (used + 1 < sizeof(err->message))
		pf_sanitize(err->message + used, sizeof(err->message) - used, src);
}

void fg_json_error(const char *body, size_t len, struct fg_error *err)
{
	cJSON *root = parse(body, len);
	const cJSON *code, *errors, *msg, *e;

	err->error_code[0] = '\0';
	err->message[0] = '\0';
	if (root == NULL)
		return;
	code = field(root, "errorCode");
	if (cJSON_IsString(code))
		pf_sanitize(err->error_code, sizeof(err->error_code), code->valuestring);
	errors = field(root, "errors");
	if (!cJSON_IsArray(errors))
		errors = NULL;
	cJSON_ArrayForEach(e, errors)
	{
		if (cJSON_IsString(e))
			add_message(err, e->valuestring);
	}
	msg = field(root, "message");
	if (err->message[0] == '\0' && cJSON_IsString(msg))
		add_message(err, msg->valuestring);
	cJSON_Delete(root);
}

enum fg_result fg_json_reset_link(const char *body, size_t len, char *link, size_t size)
{
	cJSON *root = parse(body, len);
	const cJSON *l;
	enum fg_result r = FG_BAD_RESPONSE;

	if (size > 0)
		link[0] = '\0';
	if (root == NULL)
		return FG_BAD_RESPONSE;
	l = field(root, "link");
	if (cJSON_IsObject(root) && cJSON_IsString(l) &&
	    strncasecmp(l->valuestring, "https://", 8) == 0 && !has_control(l->valuestring)) {
		size_t n = strlen(l->valuestring);

		r = n < size ? FG_OK : FG_TOO_BIG;
		if (r == FG_OK)
			memcpy(link, l->valuestring, n + 1);
	}
	/* The link embeds a one-time token: do not leave it in freed memory. */
	if (cJSON_IsString(l))
		pf_wipe(l->valuestring, strlen(l->valuestring));
	cJSON_Delete(root);
	return r;
}

enum fg_result fg_json_token_request(const char *client_id, const char *secret, char **body,
				     size_t *len)
{
	cJSON *obj;
	cJSON *s = NULL;
	size_t cap;
	char *buf = NULL;
	bool ok;

	*body = NULL;
	if (client_id == NULL || secret == NULL || strnlen(client_id, CRED_MAX + 1) > CRED_MAX ||
	    strnlen(secret, CRED_MAX + 1) > CRED_MAX)
		return FG_INVALID;
	/* Worst case every byte becomes "\u00XX"; cJSON wants 5 spare bytes. */
	cap = 6 * (strlen(client_id) + strlen(secret)) + 64;
	obj = cJSON_CreateObject();
	ok = obj != NULL && cJSON_AddStringToObject(obj, "clientId", client_id) != NULL &&
	     (s = cJSON_AddStringToObject(obj, "secret", secret)) != NULL &&
	     (buf = malloc(cap)) != NULL && cJSON_PrintPreallocated(obj, buf, (int)cap, 0);
	if (s != NULL)
		pf_wipe(s->valuestring, strlen(s->valuestring));
	cJSON_Delete(obj);
	if (!ok) {
		if (buf != NULL) {
			pf_wipe(buf, cap);
			free(buf);
		}
		return FG_NOMEM;
	}
	*body = buf;
	*len = strlen(buf);
	return FG_OK;
}
