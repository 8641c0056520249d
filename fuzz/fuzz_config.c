/*
 * The configuration parser: pf_config_parse_text (the file) and
 * pf_config_load with module arguments only (PF_CONF_NO_FILE).
 *
 * Input: the first byte picks the mode, the rest is the text.
 *   bit 0: PF_CONF_WANT_SECRET (the helper as root keeps client_secret)
 *   bit 1: the text is module arguments, one per line, for pf_config_load
 *
 * Invariants of a configuration that parsed (PF_OK):
 *   - every number within its documented bounds (deny in 1..PF_DENY_MAX...);
 *   - api_url https://, paths absolute, user_email holds "%u" once and an '@' (or is "%u"),
 *     admin_group and every ignore_users entry pass pf_username_valid;
 *   - no string carries a control character;
 *   - client_secret only with PF_CONF_WANT_SECRET, never from an argument.
 * And whatever the result, every log line is sanitised (fz_emit).
 */
#include "autoconfig.h"

#include <stdbool.h>
#include <string.h>

#include "fuzz_util.h"
#include "pam_frontegg/config.h"
#include "pam_frontegg/username.h"

#define MAX_ARGS 64

static void check_string(const char *s)
{
	/* Values are non-empty and hold no control character (tabs included). */
	if (s != NULL)
		FZ_CHECK(s[0] != '\0' && fz_no_control(s));
}

static void check_path(const char *s)
{
	check_string(s);
	FZ_CHECK(s == NULL || s[0] == '/');
}

static void check_config(const struct pf_config *cfg, unsigned flags, bool from_args)
{
	FZ_CHECK(cfg->deny >= 1 && cfg->deny <= PF_DENY_MAX);
	FZ_CHECK(cfg->fail_interval >= 1 && cfg->fail_interval <= PF_INTERVAL_MAX);
	FZ_CHECK(cfg->unlock_time <= PF_INTERVAL_MAX);
	FZ_CHECK(cfg->root_unlock_time <= PF_INTERVAL_MAX);
	FZ_CHECK(cfg->cloud_cache_ttl <= PF_TTL_MAX);
	FZ_CHECK(cfg->timeout_ms >= PF_TIMEOUT_MS_MIN && cfg->timeout_ms <= PF_TIMEOUT_MS_MAX);
	FZ_CHECK(cfg->failmode == PF_FAILMODE_OPEN || cfg->failmode == PF_FAILMODE_CLOSED);

	FZ_CHECK(cfg->api_url != NULL && strncmp(cfg->api_url, "https://", 8) == 0 &&
		 cfg->api_url[8] != '\0');
	FZ_CHECK(strpbrk(cfg->api_url, " \"<>\\^`{|}") == NULL);
	check_string(cfg->api_url);
	check_string(cfg->client_id);
	check_string(cfg->proxy);
	check_path(cfg->client_secret_file);
	check_path(cfg->ca_file);
	check_path(cfg->user_map_file);
	check_path(cfg->state_dir);
	check_path(cfg->helper);
	FZ_CHECK(cfg->state_dir != NULL && cfg->helper != NULL);
	FZ_CHECK(cfg->conf_path == NULL); /* no file was read */

	if (cfg->user_email != NULL) {
		const char *u = strstr(cfg->user_email, "%u");
		check_string(cfg->user_email);
		FZ_CHECK(u != NULL && strchr(cfg->user_email, '%') == u &&
			 strchr(u + 2, '%') == NULL);
		/* An e-mail around %u, or %u alone (names that are e-mails). */
		FZ_CHECK(strcmp(cfg->user_email, "%u") == 0 ||
			 strchr(cfg->user_email, '@') != NULL);
	}
	FZ_CHECK(cfg->admin_group == NULL || pf_username_valid(cfg->admin_group));
	if (cfg->ignore_users != NULL) {
		for (char **p = cfg->ignore_users; *p; p++) {
			FZ_CHECK(pf_username_valid(*p));
			FZ_CHECK(pf_config_ignores_user(cfg, *p));
		}
	}
	FZ_CHECK(!pf_config_ignores_user(cfg, "") && !pf_config_ignores_user(cfg, "a/b"));

	if (cfg->client_secret != NULL) {
		FZ_CHECK(flags & PF_CONF_WANT_SECRET);
		FZ_CHECK(!from_args);
		FZ_CHECK(cfg->has_inline_secret);
		check_string(cfg->client_secret);
	}
	if (from_args)
		FZ_CHECK(!cfg->has_inline_secret);
	if (pf_config_cloud_configured(cfg))
		FZ_CHECK(cfg->client_id != NULL);
}

static void parse_file_text(const uint8_t *data, size_t size, unsigned flags)
{
	struct pf_config cfg;
	enum pf_rc rc;

	FZ_CHECK(pf_config_defaults(&cfg) == PF_OK);
	check_config(&cfg, flags, false);
	rc = pf_config_parse_text(&cfg, (const char *)data, size, "fuzz.conf", flags, &fz_logger);
	FZ_CHECK(rc == PF_OK || rc == PF_ERR_INVAL);
	if (rc == PF_OK)
		check_config(&cfg, flags, false);
	pf_config_free(&cfg);
	/* pf_config_free leaves nothing behind and may be called twice. */
	FZ_CHECK(cfg.api_url == NULL && cfg.ignore_users == NULL && cfg.client_secret == NULL);
	pf_config_free(&cfg);
}

static void parse_arguments(const uint8_t *data, size_t size, unsigned flags)
{
	char *text = fz_cstr(data, size);
	const char *argv[MAX_ARGS];
	int argc = 0;
	struct pf_config cfg;
	enum pf_rc rc;

	for (char *p = text; argc < MAX_ARGS;) {
		char *nl = strchr(p, '\n');
		argv[argc++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	rc = pf_config_load(&cfg, argc, argv, flags | PF_CONF_NO_FILE, &fz_logger);
	FZ_CHECK(rc == PF_OK || rc == PF_ERR_INVAL);
	if (rc == PF_OK) {
		check_config(&cfg, flags, true);
		if (!cfg.root_unlock_time_set)
			FZ_CHECK(cfg.root_unlock_time == cfg.unlock_time);
		pf_config_free(&cfg);
	} else {
		/* On error cfg is left freed. */
		FZ_CHECK(cfg.api_url == NULL && cfg.state_dir == NULL);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mode, flags;

	if (size < 1)
		return 0;
	mode = data[0];
	flags = mode & 1u ? PF_CONF_WANT_SECRET : 0;
	if (mode & 2u)
		parse_arguments(data + 1, size - 1, flags);
	else
		parse_file_text(data + 1, size - 1, flags | PF_CONF_NO_FILE);
	return 0;
}
