/* NSS lookups and admin_group, against the accounts every system has. */
#include "autoconfig.h"

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "pam_frontegg/account.h"
#include "testutil.h"

static struct pf_config cfg;

static void setup(void)
{
	ck_assert_int_eq(pf_config_defaults(&cfg), PF_OK);
}

static void teardown(void)
{
	pf_config_free(&cfg);
}

START_TEST(root_is_root_like)
{
	struct pf_account a;

	ck_assert_int_eq(pf_account_lookup(&cfg, "root", &a), PF_OK);
	ck_assert_str_eq(a.name, "root"); /* the canonical name, the record's key */
	ck_assert_uint_eq(a.uid, 0);
	ck_assert(a.root_like);
}
END_TEST

START_TEST(admin_group_by_primary_group)
{
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = pw ? getgrgid(pw->pw_gid) : NULL;
	struct pf_account a;

	if (gr == NULL)
		return; /* no nobody account with a named group here */
	ck_assert_int_eq(pf_account_lookup(&cfg, "nobody", &a), PF_OK);
	ck_assert(!a.root_like);
	cfg.admin_group = strdup(gr->gr_name);
	ck_assert_int_eq(pf_account_lookup(&cfg, "nobody", &a), PF_OK);
	ck_assert(a.root_like);
}
END_TEST

START_TEST(unknown_and_hostile_names)
{
	struct pf_account a;

	char longname[PF_ASK_MAX + 2];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(pf_account_lookup(&cfg, "no-such-user-pf", &a), PF_ERR_NOENT);
	/* Asked of NSS, which knows no such account: nothing of it becomes a path. */
	ck_assert_int_eq(pf_account_lookup(&cfg, "../root", &a), PF_ERR_NOENT);
	ck_assert_str_eq(a.name, "");
	/* Not worth asking. */
	ck_assert_int_eq(pf_account_lookup(&cfg, "root\n", &a), PF_ERR_INVAL);
	ck_assert_int_eq(pf_account_lookup(&cfg, "ro ot", &a), PF_ERR_INVAL);
	ck_assert_int_eq(pf_account_lookup(&cfg, longname, &a), PF_ERR_INVAL);
	ck_assert(!a.resolved);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("account");
	TCase *tc = tcase_create("account");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, root_is_root_like);
	tcase_add_test(tc, admin_group_by_primary_group);
	tcase_add_test(tc, unknown_and_hostile_names);
	suite_add_tcase(s, tc);
	return pf_test_run(s);
}
