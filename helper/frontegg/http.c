/* HTTPS exchanges through one reused libcurl easy handle. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"
#include "pam_frontegg/safe_file.h"

#define USER_AGENT "pam_frontegg/" PACKAGE_VERSION
#define BODY_START 4096
#define ENV_HEADER "frontegg-environment-id: "

/* The response body as it arrives, refused beyond max. */
struct sink {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;
	bool too_big;
};

struct fg_http {
	CURL *curl;
	struct sink sink;
	struct fg_http_response *resp; /* the response being filled by the callbacks */
	char errbuf[CURL_ERROR_SIZE];
	char env_header[sizeof(ENV_HEADER) + PF_ID_MAX]; /* "" = none */
};

/* Grows without realloc, so an old copy of a token-bearing body is wiped, not leaked. */
static bool sink_grow(struct sink *s, size_t need)
{
	size_t cap = s->cap ? s->cap : BODY_START;
	char *bigger;

	while (cap < need)
		cap *= 2;
	if (cap > s->max + 1)
		cap = s->max + 1;
	bigger = malloc(cap);
	if (bigger == NULL)
		return false;
	if (s->buf != NULL) {
		memcpy(bigger, s->buf, s->len);
		pf_wipe(s->buf, s->cap);
		free(s->buf);
	}
	s->buf = bigger;
	s->cap = cap;
	return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	/* Refuse at once: returning short makes libcurl abort the transfer. */
	if (n > s->max - s->len) {
		s->too_big = true;
		return 0;
	}
	if (s->len + n + 1 > s->cap && !sink_grow(s, s->len + n + 1))
		return 0;
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* Copies the value of "Name: value" into dst when the line is that header. */
static void header_value(const char *line, size_t len, const char *name, char *dst, size_t size)
{
	size_t nl = strlen(name), vl;
	const char *v, *end = line + len;
	char raw[128];

	if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
		return;
	v = line + nl + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	vl = (size_t)(end - v);
	if (vl >= sizeof(raw))
		vl = sizeof(raw) - 1;
	memcpy(raw, v, vl);
	raw[vl] = '\0';
	pf_sanitize(dst, size, raw);
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud)
{
	struct fg_http *h = ud;
	size_t len = size * nmemb;

	/* A new status line (after "100 Continue", say) starts a new set of headers. */
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		h->resp->trace_id[0] = '\0';
		h->resp->rate_reset[0] = '\0';
		return len;
	}
	header_value(line, len, "Frontegg-Trace-Id", h->resp->trace_id, sizeof(h->resp->trace_id));
	header_value(line, len, "X-Rate-Limit-Reset", h->resp->rate_reset,
		     sizeof(h->resp->rate_reset));
	return len;
}

/* Proxy strictly from the configuration: "" makes libcurl skip the environment. */
static bool set_proxy(CURL *curl, const char *proxy)
{
	if (proxy == NULL || proxy[0] == '\0')
		return curl_easy_setopt(curl, CURLOPT_PROXY, "") == CURLE_OK;
	/* NOPROXY "" overrides no_proxy/NO_PROXY: the configured proxy is used for all hosts. */
	return curl_easy_setopt(curl, CURLOPT_PROXY, proxy) == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_NOPROXY, "") == CURLE_OK;
}

static bool set_https_only(CURL *curl)
{
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85.0 */
	return curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https") == CURLE_OK;
#else
	return curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS) == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS) == CURLE_OK;
#endif
}

static bool set_tls(CURL *curl, const char *ca_file)
{
	bool ok =
	    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
	    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
	    curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK;

	if (ok && ca_file != NULL && ca_file[0] != '\0')
		/* A configured CA is the only trust anchor: drop the default directory too. */
		ok = curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file) == CURLE_OK &&
		     curl_easy_setopt(curl, CURLOPT_CAPATH, NULL) == CURLE_OK;
	return ok;
}

static bool set_fixed(struct fg_http *h, const struct fg_http_config *cfg)
{
	CURL *curl = h->curl;

	return curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED) == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_USERAGENT, USER_AGENT) == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, h->errbuf) == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_WRITEDATA, &h->sink) == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
	       curl_easy_setopt(curl, CURLOPT_HEADERDATA, h) == CURLE_OK && set_https_only(curl) &&
	       set_tls(curl, cfg->ca_file) && set_proxy(curl, cfg->proxy);
}

int fg_http_new(const struct fg_http_config *cfg, struct fg_http **out, char *detail,
		size_t detail_size)
{
	struct fg_http *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (h != NULL && cfg->environment_id != NULL)
		snprintf(h->env_header, sizeof(h->env_header), ENV_HEADER "%s",
			 cfg->environment_id);
	if (h == NULL || (h->curl = curl_easy_init()) == NULL || !set_fixed(h, cfg)) {
		if (detail != NULL && detail_size > 0)
			snprintf(detail, detail_size, "%s",
				 h == NULL
				     ? "out of memory"
				     : "libcurl lacks a required option (HTTPS, TLS 1.2, proxy)");
		fg_http_free(h);
		return -1;
	}
	*out = h;
	return 0;
}

void fg_http_free(struct fg_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h);
}

static enum fg_result classify(CURLcode rc, bool too_big)
{
	switch (rc) {
	case CURLE_OK:
		return FG_OK;
	case CURLE_WRITE_ERROR:
		return too_big ? FG_TOO_BIG : FG_NOMEM;
	case CURLE_FILESIZE_EXCEEDED:
		return FG_TOO_BIG;
	case CURLE_OPERATION_TIMEDOUT:
		return FG_TIMEOUT;
	case CURLE_OUT_OF_MEMORY:
		return FG_NOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return FG_INVALID;
	case CURLE_WEIRD_SERVER_REPLY:
		return FG_BAD_RESPONSE;
	case CURLE_PEER_FAILED_VERIFICATION:
#if LIBCURL_VERSION_NUM < 0x073e00 /* before 7.62 this was a separate code */
	case CURLE_SSL_CACERT:
#endif
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return FG_TLS;
	default:
		/* Resolve, connect, send/receive, empty reply, proxy: the network. */
		return FG_NETWORK;
	}
}

enum fg_result fg_http_status_result(long status)
{
	if (status >= 200 && status <= 299)
		return FG_OK;
	switch (status) {
	case 401:
		return FG_UNAUTHORIZED;
	case 403:
		return FG_FORBIDDEN;
	case 404:
		return FG_NOT_FOUND;
	case 429:
		return FG_RATE_LIMITED;
	default:
		break;
	}
	if (status >= 400 && status <= 499)
		return FG_CLIENT_ERROR;
	if (status >= 500 && status <= 599)
		return FG_SERVER_ERROR;
	return FG_BAD_RESPONSE;
}

/* Headers live on our stack (curl only reads the list); the fixed ones are static. */
static char hdr_accept[] = "Accept: application/json";
static char hdr_json[] = "Content-Type: application/json";
static char hdr_no_type[] = "Content-Type:";
static char hdr_no_expect[] = "Expect:";

static bool set_request(struct fg_http *h, const struct fg_http_request *req,
			struct curl_slist *hdrs)
{
	CURL *curl = h->curl;
	bool post = strcmp(req->method, "POST") == 0;
	size_t n = 0;
	bool ok;

	hdrs[n++].data = hdr_accept;
	hdrs[n++].data = hdr_no_expect;
	if (post)
		hdrs[n++].data = req->body_len > 0 ? hdr_json : hdr_no_type;
	if (req->auth_header != NULL)
		hdrs[n++].data = req->auth_header;
	if (h->env_header[0] != '\0') /* account-level credentials name the environment */
		hdrs[n++].data = h->env_header;
	if (req->tenant_header != NULL)
		hdrs[n++].data = req->tenant_header;
	for (size_t i = 0; i < n; i++)
		hdrs[i].next = i + 1 < n ? &hdrs[i + 1] : NULL;

	ok = curl_easy_setopt(curl, CURLOPT_URL, req->url) == CURLE_OK &&
	     curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK &&
	     curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms) == CURLE_OK &&
	     curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_timeout_ms) ==
		 CURLE_OK &&
	     curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body) ==
		 CURLE_OK;
	if (ok && post)
		ok = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				      (curl_off_t)req->body_len) == CURLE_OK &&
		     curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body ? req->body : "") ==
			 CURLE_OK;
	else if (ok)
		ok = curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L) == CURLE_OK;
	return ok;
}

/* Leaves no pointer to the caller's memory (headers, body) inside the handle. */
static void unset_request(struct fg_http *h)
{
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
}

static void set_detail(struct fg_http_response *resp, const char *errbuf, CURLcode rc)
{
	pf_sanitize(resp->detail, sizeof(resp->detail),
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
}

void fg_http_perform(struct fg_http *h, const struct fg_http_request *req,
		     struct fg_http_response *resp)
{
	struct curl_slist hdrs[6]; /* accept, expect, type, auth, environment, tenant */
	CURLcode rc;
	long status = 0;

	memset(resp, 0, sizeof(*resp));
	memset(hdrs, 0, sizeof(hdrs));
	memset(&h->sink, 0, sizeof(h->sink));
	h->sink.max = req->max_body;
	h->errbuf[0] = '\0';
	h->resp = resp;
	if (!set_request(h, req, hdrs)) {
		resp->transport = FG_INVALID;
		snprintf(resp->detail, sizeof(resp->detail), "libcurl refused the request options");
		unset_request(h);
		return;
	}
	rc = curl_easy_perform(h->curl);
	unset_request(h);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	resp->status = status;
	resp->transport = classify(rc, h->sink.too_big);
	if (rc != CURLE_OK)
		set_detail(resp, h->errbuf, rc);
	if (rc == CURLE_OK) {
		resp->body = h->sink.buf;
		resp->len = h->sink.len;
	} else if (h->sink.buf != NULL) {
		pf_wipe(h->sink.buf, h->sink.cap);
		free(h->sink.buf);
	}
	memset(&h->sink, 0, sizeof(h->sink));
	h->resp = NULL;
}

void fg_http_response_clear(struct fg_http_response *resp)
{
	if (resp->body != NULL) {
		pf_wipe(resp->body, resp->len);
		free(resp->body);
	}
	resp->body = NULL;
	resp->len = 0;
}
