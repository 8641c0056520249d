/* User mapping: map file first, then the user_email template. */
#include "autoconfig.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

#include "pam_frontegg/usermap.h"
#include "testutil.h"

static struct pf_test_log tl;

static void setup(void)
{
	pf_test_log_init(&tl);
}

START_TEST(template_expands)
{
	struct pf_identity id;

	ck_assert_int_eq(pf_map_expand_template("%u@corp.example", "alice", &id), PF_OK);
	ck_assert_str_eq(id.value, "alice@corp.example");
	ck_assert_int_eq(id.kind, PF_IDENT_EMAIL);
	ck_assert_int_eq(pf_map_expand_template("it.%u@corp.example", "bob", &id), PF_OK);
	ck_assert_str_eq(id.value, "it.bob@corp.example");
	/* %u alone: the name is the e-mail (SSSD's user@domain), or there is none. */
	ck_assert_int_eq(pf_map_expand_template("%u", "frank@corp.example", &id), PF_OK);
	ck_assert_str_eq(id.value, "frank@corp.example");
	ck_assert_int_eq(id.kind, PF_IDENT_EMAIL);
	ck_assert_int_eq(pf_map_expand_template("%u", "frank", &id), PF_ERR_INVAL);
}
END_TEST

START_TEST(classify_values)
{
	ck_assert_int_eq(pf_ident_classify("a@b.io"), PF_IDENT_EMAIL);
	ck_assert_int_eq(pf_ident_classify("3fa85f64-5717-4562-b3fc-2c963f66afa6"), PF_IDENT_ID);
	ck_assert_int_eq(pf_ident_classify("a@b@c.io"), PF_IDENT_NONE);
	ck_assert_int_eq(pf_ident_classify("@b.io"), PF_IDENT_NONE);
	ck_assert_int_eq(pf_ident_classify("a@b"), PF_IDENT_NONE);
	ck_assert_int_eq(pf_ident_classify("../../etc"), PF_IDENT_NONE);
	ck_assert_int_eq(pf_ident_classify("a b@c.io"), PF_IDENT_NONE);
	ck_assert_int_eq(pf_ident_classify("x\"@c.io"), PF_IDENT_NONE);
	ck_assert_int_eq(pf_ident_classify(""), PF_IDENT_NONE);
}
END_TEST

static const char map[] = "# host user -> Frontegg\n"
			  "alice  alice.smith@corp.example\n"
			  "\tbob 3fa85f64-5717-4562-b3fc-2c963f66afa6   \n"
			  "broken\n"
			  "carol not/an/id\n";

START_TEST(map_file_lines)
{
	struct pf_identity id;

	ck_assert_int_eq(pf_map_lookup_text(map, strlen(map), "map", "alice", &id, &tl.logger),
			 PF_OK);
	ck_assert_str_eq(id.value, "alice.smith@corp.example");
	ck_assert_int_eq(pf_map_lookup_text(map, strlen(map), "map", "bob", &id, &tl.logger),
			 PF_OK);
	ck_assert_int_eq(id.kind, PF_IDENT_ID);
	ck_assert_int_eq(pf_map_lookup_text(map, strlen(map), "map", "dave", &id, &tl.logger),
			 PF_ERR_NOENT);
	ck_assert(pf_test_log_has(&tl, "map:4: expected 'user email-or-id'"));
	ck_assert_int_eq(pf_map_lookup_text(map, strlen(map), "map", "carol", &id, &tl.logger),
			 PF_ERR_INVAL);
	ck_assert(pf_test_log_has(&tl, "map:5:"));
}
END_TEST

START_TEST(prefix_of_name_does_not_match)
{
	struct pf_identity id;

	ck_assert_int_eq(pf_map_lookup_text(map, strlen(map), "map", "ali", &id, &tl.logger),
			 PF_ERR_NOENT);
	ck_assert_int_eq(pf_map_lookup_text(map, strlen(map), "map", "alicex", &id, &tl.logger),
			 PF_ERR_NOENT);
}
END_TEST

START_TEST(map_file_wins_then_template)
{
	char *dir = pf_test_mkdtemp();
	char *path = pf_test_write(dir, "map", map, 0644);
	struct pf_config cfg;
	struct pf_identity id;

	ck_assert_int_eq(pf_config_defaults(&cfg), PF_OK);
	cfg.user_map_file = strdup(path);
	cfg.user_email = strdup("%u@fallback.example");
	ck_assert_int_eq(pf_map_user(&cfg, "alice", &id, &tl.logger), PF_OK);
	ck_assert_str_eq(id.value, "alice.smith@corp.example");
	ck_assert_int_eq(pf_map_user(&cfg, "dave", &id, &tl.logger), PF_OK);
	ck_assert_str_eq(id.value, "dave@fallback.example");
	free(cfg.user_email);
	cfg.user_email = NULL;
	ck_assert_int_eq(pf_map_user(&cfg, "dave", &id, &tl.logger), PF_ERR_NOENT);
	chmod(path, 0666);
	ck_assert_int_eq(pf_map_user(&cfg, "alice", &id, &tl.logger), PF_ERR_PERM);
	pf_config_free(&cfg);
	free(path);
	pf_test_rmtree(dir);
	free(dir);
}
END_TEST

/*
 * inv7: root-like users are never mapped (unless even_deny_root); accounts
 * below UID_MIN only through a line of the map file.
 */
START_TEST(inv7_break_glass_and_system_accounts_are_not_mapped)
{
	char *dir = pf_test_mkdtemp();
	char *path = pf_test_write(dir, "map", "daemon ops@corp.example\n", 0644);
	char *defs = pf_test_write(dir, "login.defs", "# x\nUID_MIN\t 500\nUID_MAX 60000\n", 0644);
	struct pf_config cfg;
	struct pf_identity id;

	ck_assert_int_eq(pf_config_defaults(&cfg), PF_OK);
	cfg.user_email = strdup("%u@corp.example");
	ck_assert_int_eq(pf_map_account(&cfg, "root", 0, true, &id, &tl.logger), PF_ERR_NOENT);
	ck_assert_int_eq(pf_map_account(&cfg, "alice", 1500, true, &id, &tl.logger),
			 PF_ERR_NOENT); /* admin_group */
	ck_assert_int_eq(pf_map_account(&cfg, "daemon", 1, false, &id, &tl.logger), PF_ERR_NOENT);
	ck_assert_int_eq(pf_map_account(&cfg, "alice", 1500, false, &id, &tl.logger), PF_OK);
	ck_assert_str_eq(id.value, "alice@corp.example");
	/* uid -1: a record of an account NSS no longer knows keeps its mapping. */
	ck_assert_int_eq(pf_map_account(&cfg, "gone", (uid_t)-1, false, &id, &tl.logger), PF_OK);
	cfg.user_map_file = strdup(path);
	ck_assert_int_eq(pf_map_account(&cfg, "daemon", 1, false, &id, &tl.logger), PF_OK);
	ck_assert_str_eq(id.value, "ops@corp.example");
	cfg.even_deny_root = true;
	ck_assert_int_eq(pf_map_account(&cfg, "alice", 1500, true, &id, &tl.logger), PF_OK);
	cfg.uid_min = 1;
	ck_assert_int_eq(pf_map_account(&cfg, "bin", 2, false, &id, &tl.logger), PF_OK);
	ck_assert_uint_eq(pf_login_defs_uid_min(defs), 500);
	ck_assert_uint_eq(pf_login_defs_uid_min("/nonexistent/login.defs"), 1000);
	chmod(defs, 0666); /* anyone could lower it: not trusted */
	ck_assert_uint_eq(pf_login_defs_uid_min(defs), 1000);
	pf_config_free(&cfg);
	free(path);
	free(defs);
	pf_test_rmtree(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("usermap");
	TCase *tc = tcase_create("usermap");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, template_expands);
	tcase_add_test(tc, classify_values);
	tcase_add_test(tc, map_file_lines);
	tcase_add_test(tc, prefix_of_name_does_not_match);
	tcase_add_test(tc, map_file_wins_then_template);
	tcase_add_test(tc, inv7_break_glass_and_system_accounts_are_not_mapped);
	suite_add_tcase(s, tc);
	return pf_test_run(s);
}
