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

/* Loads conf text (written 0644) plus extra args with flags; returns the result code. */
static enum pf_rc load_flags(const char *text, const char *arg1, const char *arg2, unsigned flags)
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
	rc = pf_config_load(&cfg, argc, argv, flags, &tl.logger);
	free(conf);
	free(path);
	return rc;
}

static enum pf_rc load(const char *text, const char *arg1, const char *arg2)
{
	return load_flags(text, arg1, arg2, 0);
}

/* check-config's reading: every ignored setting is an error. */
static enum pf_rc load_strict(const char *text)
{
	pf_config_free(&cfg);
	return load_flags(text, NULL, NULL, PF_CONF_STRICT);
}

/* Loads conf=path (no other argument) with flags. */
static enum pf_rc load_path(const char *path, unsigned flags)
{
	char *arg;
	enum pf_rc rc;

	if (asprintf(&arg, "conf=%s", path) < 0)
		abort();
	const char *argv[] = { arg };
	pf_config_free(&cfg);
	rc = pf_config_load(&cfg, 1, argv, flags, &tl.logger);
	free(arg);
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
	ck_assert(cfg.cloud_lock && cfg.cloud_check && cfg.cloud_unlock_on_expiry && cfg.enforce);
	ck_assert_uint_eq(cfg.uid_min, PF_UID_MIN_UNSET);
	ck_assert_ptr_null(cfg.untrusted);
	ck_assert_uint_eq(cfg.problems, 0);
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

/* inv13: a bad value keeps that key's default, the rest of the file applies. */
START_TEST(inv13_bad_value_keeps_default_and_names_file_and_line)
{
	ck_assert_int_eq(load("deny = 5\n\ndeny = 0\nunlock_time = 10m\nregion = EU\n"
			      "api_url = http://fg.example\nfail_interval = 60\n",
			      "even_deny_root=ture", NULL),
			 PF_OK);
	ck_assert(pf_test_log_has(&tl, "pf.conf:3: deny: must be a whole number between 1 and 64"));
	ck_assert(pf_test_log_has(&tl, "pf.conf:4: unlock_time:"));
	ck_assert(pf_test_log_has(&tl, "pf.conf:5: region:"));
	ck_assert(pf_test_log_has(&tl, "pf.conf:6: api_url:"));
	ck_assert(pf_test_log_has(&tl, "module argument: even_deny_root: must be yes or no"));
	ck_assert_uint_eq(cfg.deny, 5);
	ck_assert_uint_eq(cfg.unlock_time, 600);
	ck_assert_uint_eq(cfg.fail_interval, 60);
	ck_assert_str_eq(cfg.api_url, "https://api.frontegg.com");
	ck_assert(!cfg.even_deny_root);
	ck_assert_uint_eq(cfg.problems, 5);
	ck_assert_ptr_null(cfg.untrusted);
	ck_assert_int_eq(load_strict("deny = 5\nunlock_time = 10m\n"), PF_ERR_INVAL);
	ck_assert_uint_eq(cfg.deny, 5); /* strict still loads what it can */
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
		ck_assert_msg(load_strict(text) == PF_ERR_INVAL, "accepted '%s'", bad[i]);
		pf_config_free(&cfg);
		ck_assert_msg(load(text, NULL, NULL) == PF_OK, "refused '%s'", bad[i]);
		ck_assert_uint_eq(cfg.problems, 1);
		pf_config_free(&cfg);
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
		"user_email = %u@",
		"user_email = x%u",
		"ignore_users = alice, ../etc",
		"admin_group = wheel/x",
		"deny = 3 4",
		"environment_id = env/42",
		"environment_id = env 42",
		"environment_id = env?x=1",
		"environment_id = env%2F42",
		"environment_id = env.42",
		"environment_id = env:42",
		"environment_id = ops@example.com",
		"environment_id = -",
		"environment_id = env\xc3\xa9",
		"environment_id = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "%s\n", bad[i]);
		ck_assert_msg(load_strict(text) == PF_ERR_INVAL, "accepted '%s'", bad[i]);
		pf_config_free(&cfg);
	}
}
END_TEST

/* Login names that are e-mail addresses (user@domain) map as they are. */
START_TEST(user_email_may_be_the_name_itself)
{
	ck_assert_int_eq(load_strict("user_email = %u\n"), PF_OK);
	ck_assert_str_eq(cfg.user_email, "%u");
	pf_config_free(&cfg);
}
END_TEST

/*
 * environment_id is sent as an HTTP header: only the helper's form of an id
 * (1 to 64 letters, digits or dashes) is taken; another value is logged
 * with file and line and leaves the header out, as if it were not set.
 */
START_TEST(environment_id_is_an_id)
{
	ck_assert_int_eq(
	    load("environment_id = 3f2a9c1e-7b4d-4e8a-9f00-1a2b3c4d5e6f\n", NULL, NULL), PF_OK);
	ck_assert_str_eq(cfg.environment_id, "3f2a9c1e-7b4d-4e8a-9f00-1a2b3c4d5e6f");
	ck_assert_uint_eq(cfg.problems, 0);
	pf_config_free(&cfg);
	ck_assert_int_eq(load("deny = 4\nenvironment_id = env/42\n", "environment_id=x?y", NULL),
			 PF_OK);
	ck_assert(pf_test_log_has(
	    &tl, "pf.conf:2: environment_id: must be 1 to 64 letters, digits or dashes"));
	ck_assert(pf_test_log_has(&tl, "module argument: environment_id: must be 1 to 64"));
	ck_assert_ptr_null(cfg.environment_id);
	ck_assert_uint_eq(cfg.deny, 4);
	ck_assert_uint_eq(cfg.problems, 2);
	ck_assert_int_eq(load_strict("environment_id = env/42\n"), PF_ERR_INVAL);
}
END_TEST

START_TEST(unknown_key_is_a_warning)
{
	ck_assert_int_eq(load("frobnicate = 1\ndeny = 4\n", NULL, NULL), PF_OK);
	ck_assert_uint_eq(cfg.deny, 4);
	ck_assert(pf_test_log_has(&tl, "pf.conf:1: frobnicate: unknown option"));
	ck_assert_int_eq(tl.prio[0], LOG_WARNING);
	ck_assert_int_eq(load_strict("admin_grp = wheel\ndeny = 4\n"), PF_ERR_INVAL);
	ck_assert(pf_test_log_has(&tl, "pf.conf:1: admin_grp: unknown option"));
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

/* An untrusted file gives host-only defaults and says why (inv13). */
static void assert_host_only(const char *why)
{
	ck_assert_ptr_nonnull(cfg.untrusted);
	ck_assert_msg(strstr(cfg.untrusted, why) != NULL, "%s", cfg.untrusted);
	ck_assert_ptr_null(cfg.client_id);
	ck_assert(!pf_config_cloud_configured(&cfg));
	ck_assert_uint_eq(cfg.deny, 3);
}

START_TEST(inv13_missing_explicit_conf_is_host_only)
{
	ck_assert_int_eq(load_path("/nonexistent/pam_frontegg.conf", 0), PF_OK);
	assert_host_only("/nonexistent/pam_frontegg.conf: does not exist");
	ck_assert_int_eq(load_path("/nonexistent/pam_frontegg.conf", PF_CONF_STRICT), PF_ERR_NOENT);
}
END_TEST

START_TEST(inv13_relative_conf_is_host_only)
{
	ck_assert_int_eq(load_path("pam_frontegg.conf", 0), PF_OK);
	assert_host_only("must be an absolute path");
	ck_assert_int_eq(load_path("pam_frontegg.conf", PF_CONF_STRICT), PF_ERR_PERM);
}
END_TEST

START_TEST(inv13_group_writable_conf_is_host_only)
{
	char *path = pf_test_write(dir, "gw.conf", "deny = 4\nclient_id = abc\n", 0664);
	char *arg;

	ck_assert_int_eq(load_path(path, 0), PF_OK);
	assert_host_only("gives access to the group");
	ck_assert_int_eq(load_path(path, PF_CONF_STRICT), PF_ERR_PERM);
	/* The module's own arguments still apply: root's PAM configuration. */
	if (asprintf(&arg, "conf=%s", path) < 0)
		abort();
	const char *argv[] = { arg, "deny=6", "client_id=x" };
	pf_config_free(&cfg);
	ck_assert_int_eq(pf_config_load(&cfg, 3, argv, 0, &tl.logger), PF_OK);
	ck_assert_uint_eq(cfg.deny, 6);
	ck_assert(!pf_config_cloud_configured(&cfg));
	free(arg);
	free(path);
}
END_TEST

START_TEST(inv13_symlinked_conf_is_host_only)
{
	char *real = pf_test_write(dir, "real.conf", "deny = 4\n", 0644);
	char *link;

	if (asprintf(&link, "%s/link.conf", dir) < 0)
		abort();
	ck_assert_int_eq(symlink(real, link), 0);
	ck_assert_int_eq(load_path(link, 0), PF_OK);
	assert_host_only("symbolic link");
	ck_assert_int_eq(load_path(link, PF_CONF_STRICT), PF_ERR_PERM);
	free(link);
	free(real);
}
END_TEST

START_TEST(inline_secret_needs_private_file)
{
	ck_assert_int_eq(load("client_secret = s3cr3t\nclient_id = abc\n", NULL, NULL), PF_OK);
	assert_host_only("holds client_secret");
	ck_assert(!pf_test_log_has(&tl, "s3cr3t"));
	ck_assert_int_eq(load_strict("client_secret = s3cr3t\n"), PF_ERR_PERM);
}
END_TEST

START_TEST(inline_secret_kept_only_when_wanted)
{
	char *path = pf_test_write(dir, "s.conf", "client_secret = s3cr3t\n", 0600);
	char *arg;

	if (asprintf(&arg, "conf=%s", path) < 0)
		abort();
	const char *argv[] = { arg };
	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, 0, &tl.logger), PF_OK);
	ck_assert(cfg.has_inline_secret);
	ck_assert_ptr_null(cfg.client_secret);
	pf_config_free(&cfg);
	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, PF_CONF_WANT_SECRET, &tl.logger), PF_OK);
	ck_assert_str_eq(cfg.client_secret, "s3cr3t");
	free(arg);
	free(path);
}
END_TEST

START_TEST(secret_as_argument_refused)
{
	const char *argv[] = { "client_secret=abc" };

	ck_assert_int_eq(pf_config_load(&cfg, 1, argv, PF_CONF_NO_FILE, &tl.logger), PF_OK);
	ck_assert(pf_test_log_has(&tl, "refused as a module argument"));
	ck_assert(!cfg.has_inline_secret);
}
END_TEST

START_TEST(long_line_and_nul_rejected)
{
	char text[PF_CONF_LINE_MAX + 16];

	memset(text, 'a', sizeof(text) - 12);
	memcpy(text + sizeof(text) - 12, "\ndeny = 5\n", 11);
	text[sizeof(text) - 1] = '\0';
	ck_assert_int_eq(pf_config_defaults(&cfg), PF_OK);
	ck_assert_int_eq(pf_config_parse_text(&cfg, text, strlen(text), "x.conf", 0, &tl.logger),
			 PF_ERR_INVAL);
	ck_assert_uint_eq(cfg.deny, 5); /* the next line still applies */
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
	tcase_add_test(tc, inv13_bad_value_keeps_default_and_names_file_and_line);
	tcase_add_test(tc, bounds_are_enforced);
	tcase_add_test(tc, strings_are_validated);
	tcase_add_test(tc, environment_id_is_an_id);
	tcase_add_test(tc, user_email_may_be_the_name_itself);
	tcase_add_test(tc, unknown_key_is_a_warning);
	tcase_add_test(tc, ignore_users_list);
	tcase_add_test(tc, inv13_missing_explicit_conf_is_host_only);
	tcase_add_test(tc, inv13_relative_conf_is_host_only);
	tcase_add_test(tc, inv13_group_writable_conf_is_host_only);
	tcase_add_test(tc, inv13_symlinked_conf_is_host_only);
	tcase_add_test(tc, inline_secret_needs_private_file);
	tcase_add_test(tc, inline_secret_kept_only_when_wanted);
	tcase_add_test(tc, secret_as_argument_refused);
	tcase_add_test(tc, long_line_and_nul_rejected);
	tcase_add_test(tc, control_characters_rejected);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return pf_test_run(suite());
}
