/* The config parser: file and arguments, defaults, bounds, errors. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "pam_frontegg/config.h"
#include "testutil.h"

static char *dir;
static struct pf_test_log tl;
static struct pf_config cfg;

static void setup(void)
{
	dir = pf_test_mkdtemp();
	pf_test_log_init(&tl);
	memset(&cfg, 0, sizeof(cfg));
}

static void teardown(void)
{
	pf_config_free(&cfg);
	pf_test_rmtree(dir);
	free(dir);
}

/* Loads conf text (written 0644) plus extra args; returns the result code. */
static enum pf_rc load(const char *text, const char *arg1, const char *arg2)
{
	char *path = pf_test_write(dir, "pf.conf", text, 0644);
	char *conf;
	const char *argv[3];
	int argc = 0;
	enum pf_rc rc;

	if (asprintf(&conf, "conf=%s", path) < 0)
		abort();
	argv[argc++] = conf;
	if (arg1)
		argv[argc++] = arg1;
	if (arg2)
		argv[argc++] = arg2;
	rc = pf_config_load(&cfg, argc, argv, 0, &tl.logger);
	free(conf);
	free(path);
	return rc;
}

START_TEST(defaults_match_design)
{
	ck_assert_int_eq(load("", NULL, NULL), PF_OK);
	ck_assert_uint_eq(cfg.deny, 3);
	ck_assert_uint_eq(cfg.fail_interval, 900);
	ck_assert_uint_eq(cfg.unlock_time, 600);
	ck_assert_uint_eq(cfg.root_unlock_time, 600);
	ck_assert_uint_eq(cfg.cloud_cache_ttl, 60);
	ck_assert_uint_eq(cfg.timeout_ms, 3000);
	ck_assert(cfg.cloud_lock && cfg.cloud_check && !cfg.cloud_unlock_on_expiry);
	ck_assert(!cfg.even_deny_root && !cfg.silent && !cfg.debug);
	ck_assert_int_eq(cfg.failmode, PF_FAILMODE_OPEN);
	ck_assert_str_eq(cfg.api_url, "https://api.frontegg.com");
	ck_assert_ptr_nonnull(cfg.state_dir);
}
END_TEST

START_TEST(file_values_and_comments)
{
	ck_assert_int_eq(load("# comment\n\n  deny = 5\nfail_interval=60\r\n"
			      "even_deny_root\nfailmode = closed\ntimeout = 0.5\n"
			      "user_email = %u@corp.example\nregion = us\nsilent = no\n",
			      NULL, NULL),
			 PF_OK);
	ck_assert_uint_eq(cfg.deny, 5);
	ck_assert_uint_eq(cfg.fail_interval, 60);
	ck_assert(cfg.even_deny_root);
	ck_assert_int_eq(cfg.failmode, PF_FAILMODE_CLOSED);
	ck_assert_uint_eq(cfg.timeout_ms, 500);
	ck_assert_str_eq(cfg.user_email, "%u@corp.example");
	ck_assert_str_eq(cfg.api_url, "https://api.us.frontegg.com");
	ck_assert(!cfg.silent);
}
END_TEST

START_TEST(arguments_win_over_file)
{
	ck_assert_int_eq(load("deny = 5\nunlock_time = 100\n", "deny=7", "silent"), PF_OK);
	ck_assert_uint_eq(cfg.deny, 7);
	ck_assert_uint_eq(cfg.unlock_time, 100);
	ck_assert(cfg.silent);
}
END_TEST

START_TEST(root_unlock_time_follows_unlock_time)
{
	ck_assert_int_eq(load("unlock_time = 120\n", NULL, NULL), PF_OK);
	ck_assert_uint_eq(cfg.root_unlock_time, 120);
	pf_config_free(&cfg);
	ck_assert_int_eq(load("unlock_time = 120\nroot_unlock_time = 5\n", NULL, NULL), PF_OK);
	ck_assert_uint_eq(cfg.root_unlock_time, 5);
}
END_TEST

START_TEST(bad_value_names_file_and_line)
{
	ck_assert_int_eq(load("deny = 3\n\ndeny = 0\n", NULL, NULL), PF_ERR_INVAL);
	ck_assert(pf_test_log_has(&tl, "pf.conf:3: deny: must be a whole number between 1 and 64"));
	ck_assert_ptr_null(cfg.api_url); /* freed on error */
}
END_TEST

START_TEST(bounds_are_enforced)
{
	static const char *const bad[] = {
		"deny = 65",
		"deny = -1",
		"deny = 3x",
		"deny = 99999999999999999999",
		"fail_interval = 604801",
		"unlock_time = abc",
		"timeout = 0.05",
		"timeout = 61",
		"timeout = 1.",
		"timeout = .5",
		"cloud_cache_ttl = 86401",
		"failmode = maybe",
		"region = mars",
		"silent = perhaps",
		"deny",
		"deny =",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "%s\n", bad[i]);
		ck_assert_msg(load(text, NULL, NULL) == PF_ERR_INVAL, "accepted '%s'", bad[i]);
	}
}
END_TEST

START_TEST(strings_are_validated)
{
	static const char *const bad[] = {
		"api_url = http://api.frontegg.com",
		"api_url = https://",
		"ca_file = relative/ca.pem",
		"state_dir = var/lib",
		"helper = frontegg-lockout",
		"user_email = nobody@example.com",
		"user_email = %u%u@example.com",
		"user_email = %u",
		"ignore_users = alice, ../etc",
		"admin_group = wheel/x",
		"deny = 3 4",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "%s\n", bad[i]);
		ck_assert_msg(load(text, NULL, NULL) == PF_ERR_INVAL, "accepted '%s'", bad[i]);
	}
}
END_TEST

START_TEST(unknown_key_is_a_warning)
{
	ck_assert_int_eq(load("frobnicate = 1\ndeny = 4\n", NULL, NULL), PF_OK);
	ck_assert_uint_eq(cfg.deny, 4);
	ck_assert(pf_test_log_has(&tl, "pf.conf:1: frobnicate: unknown option"));
	ck_assert_int_eq(tl.prio[0], LOG_WARNING);
}
END_TEST

START_TEST(ignore_users_list)
{
	ck_assert_int_eq(load("ignore_users = alice, bob  carol\n", NULL, NULL), PF_OK);
	ck_assert(pf_config_ignores_user(&cfg, "alice"));
	ck_assert(pf_config_ignores_user(&cfg, "carol"));
	ck_assert(!pf_config_ignores_user(&cfg, "dave"));
}
END_TEST

START_TEST(missing_explicit_conf_is_error)
{
	const char *argv[] = { "conf=/nonexistent/pam_frontegg.conf" };

	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, 0, &tl.logger), PF_ERR_NOENT);
	ck_assert(pf_test_log_has(&tl, "/nonexistent/pam_frontegg.conf"));
}
END_TEST

START_TEST(relative_conf_is_error)
{
	const char *argv[] = { "conf=pam_frontegg.conf" };

	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, 0, &tl.logger), PF_ERR_INVAL);
}
END_TEST

START_TEST(group_writable_conf_refused)
{
	char *path = pf_test_write(dir, "gw.conf", "deny = 4\n", 0664);
	char *arg;

	if (asprintf(&arg, "conf=%s", path) < 0)
		abort();
	const char *argv[] = { arg };
	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, 0, &tl.logger), PF_ERR_PERM);
	ck_assert(pf_test_log_has(&tl, "gives access to the group"));
	free(arg);
	free(path);
}
END_TEST

START_TEST(symlinked_conf_refused)
{
	char *real = pf_test_write(dir, "real.conf", "deny = 4\n", 0644);
	char *link, *arg;

	if (asprintf(&link, "%s/link.conf", dir) < 0 || asprintf(&arg, "conf=%s", link) < 0)
		abort();
	ck_assert_int_eq(symlink(real, link), 0);
	const char *argv[] = { arg };
	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, 0, &tl.logger), PF_ERR_PERM);
	ck_assert(pf_test_log_has(&tl, "symbolic link"));
	free(arg);
	free(link);
	free(real);
}
END_TEST

START_TEST(inline_secret_needs_private_file)
{
	ck_assert_int_eq(load("client_secret = s3cr3t\n", NULL, NULL), PF_ERR_PERM);
	ck_assert(pf_test_log_has(&tl, "holds client_secret"));
	ck_assert(!pf_test_log_has(&tl, "s3cr3t"));
}
END_TEST

START_TEST(inline_secret_kept_only_when_wanted)
{
	char *path = pf_test_write(dir, "s.conf", "client_secret = s3cr3t\n", 0600);
	char *arg, *secret = NULL;

	if (asprintf(&arg, "conf=%s", path) < 0)
		abort();
	const char *argv[] = { arg };
	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, 0, &tl.logger), PF_OK);
	ck_assert(cfg.has_inline_secret);
	ck_assert_ptr_null(cfg.client_secret);
	pf_config_free(&cfg);
	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, PF_CONF_WANT_SECRET, &tl.logger), PF_OK);
	ck_assert_str_eq(cfg.client_secret, "s3cr3t");
	if (geteuid() == 0) {
		ck_assert_int_eq(pf_config_read_secret(&cfg, &secret, &tl.logger), PF_OK);
		ck_assert_str_eq(secret, "s3cr3t");
		free(secret);
	}
	free(arg);
	free(path);
}
END_TEST

START_TEST(secret_as_argument_refused)
{
	const char *argv[] = { "client_secret=abc" };

	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, PF_CONF_NO_FILE, &tl.logger), PF_ERR_INVAL);
	ck_assert(pf_test_log_has(&tl, "refused as a module argument"));
}
END_TEST

START_TEST(secret_file_modes)
{
	char *sec = pf_test_write(dir, "secret", "  hunter2-token\n", 0640);
	char *arg, *secret = NULL;

	if (geteuid() != 0)
		return; /* the secret is only ever read as root */
	if (asprintf(&arg, "client_secret_file=%s", sec) < 0)
		abort();
	const char *argv[] = { arg };
	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, PF_CONF_NO_FILE, &tl.logger), PF_OK);
	ck_assert_int_eq(pf_config_read_secret(&cfg, &secret, &tl.logger), PF_ERR_PERM);
	ck_assert(pf_test_log_has(&tl, "mode 0640"));
	chmod(sec, 0600);
	ck_assert_int_eq(pf_config_read_secret(&cfg, &secret, &tl.logger), PF_OK);
	ck_assert_str_eq(secret, "  hunter2-token");
	free(secret);
	free(arg);
	free(sec);
}
END_TEST

START_TEST(long_line_and_nul_rejected)
{
	char text[PF_CONF_LINE_MAX + 16];

	memset(text, 'a', sizeof(text) - 2);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	ck_assert_int_eq(pf_config_defaults(&cfg), PF_OK);
	ck_assert_int_eq(pf_config_parse_text(&cfg, text, strlen(text), "x.conf", 0, &tl.logger),
			 PF_ERR_INVAL);
	ck_assert_int_eq(pf_config_parse_text(&cfg, "deny = 3\0\n", 10, "x.conf", 0, &tl.logger),
			 PF_ERR_INVAL);
	ck_assert(pf_test_log_has(&tl, "x.conf:1"));
}
END_TEST

START_TEST(control_characters_rejected)
{
	ck_assert_int_eq(pf_config_defaults(&cfg), PF_OK);
	ck_assert_int_eq(pf_config_apply(&cfg, "proxy=http://a\x1b[2J", "arg", 0, 0, &tl.logger),
			 PF_ERR_INVAL);
	ck_assert(!pf_test_log_has(&tl, "\x1b"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults_match_design);
	tcase_add_test(tc, file_values_and_comments);
	tcase_add_test(tc, arguments_win_over_file);
	tcase_add_test(tc, root_unlock_time_follows_unlock_time);
	tcase_add_test(tc, bad_value_names_file_and_line);
	tcase_add_test(tc, bounds_are_enforced);
	tcase_add_test(tc, strings_are_validated);
	tcase_add_test(tc, unknown_key_is_a_warning);
	tcase_add_test(tc, ignore_users_list);
	tcase_add_test(tc, missing_explicit_conf_is_error);
	tcase_add_test(tc, relative_conf_is_error);
	tcase_add_test(tc, group_writable_conf_refused);
	tcase_add_test(tc, symlinked_conf_refused);
	tcase_add_test(tc, inline_secret_needs_private_file);
	tcase_add_test(tc, inline_secret_kept_only_when_wanted);
	tcase_add_test(tc, secret_as_argument_refused);
	tcase_add_test(tc, secret_file_modes);
	tcase_add_test(tc, long_line_and_nul_rejected);
	tcase_add_test(tc, control_characters_rejected);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pf_test_run(suite());
}
