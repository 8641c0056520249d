/* User-name validation: what may reach a path, URL or JSON. */
#include "autoconfig.h"

#include <string.h>

#include "pam_frontegg/username.h"
#include "testutil.h"

START_TEST(ordinary_names_pass)
{
	static const char *const good[] = { "alice",   "bob.smith", "svc_backup",         "a-b",
					    "x",       "user01",    "MACHINE$",           "A.B_C-9",
					    "a@b.com", "bob@CORP",  "svc@ad.corp.example" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(pf_username_valid(good[i]), "refused '%s'", good[i]);
}
END_TEST

START_TEST(hostile_names_refused)
{
	static const char *const bad[] = {
		"",     ".",         "..",     ".hidden", "-rf",  "a/b",   "../etc", "a b", "a\tb",
		"a\nb", "a\x1b[31m", "@b.com", "a:b",     "a%00", "héllo", "$",      "a$b", "a\"b",
		"a\\b", "a;b",       "a*",     "a?",      "a&b",  "a#b",   "a+b",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!pf_username_valid(bad[i]), "accepted hostile name #%zu", i);
	ck_assert(!pf_username_valid(NULL));
}
END_TEST

START_TEST(length_bound)
{
	char name[PF_USER_MAX + 2];

	memset(name, 'a', sizeof(name));
	name[PF_USER_MAX] = '\0';
	ck_assert(pf_username_valid(name));
	name[PF_USER_MAX] = 'a';
	name[PF_USER_MAX + 1] = '\0';
	ck_assert(!pf_username_valid(name));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("username");
	TCase *tc = tcase_create("username");

	tcase_add_test(tc, ordinary_names_pass);
	tcase_add_test(tc, hostile_names_refused);
	tcase_add_test(tc, length_bound);
	suite_add_tcase(s, tc);
	return pf_test_run(s);
}
