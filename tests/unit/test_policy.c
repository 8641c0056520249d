/* The lock policy with an injected clock (times are plain parameters). */
#include "autoconfig.h"

#include <string.h>

#include "pam_frontegg/policy.h"
#include "testutil.h"

#define T0 1700000000

static struct pf_config cfg;
static struct pf_user_state s;

static void setup(void)
{
	ck_assert_int_eq(pf_config_defaults(&cfg), PF_OK);
	cfg.root_unlock_time = cfg.unlock_time;
	memset(&s, 0, sizeof(s));
}

static void teardown(void)
{
	pf_config_free(&cfg);
}

static enum pf_failure_outcome fail_at(const struct pf_policy *p, int64_t when)
{
	struct pf_failure f = { .when = when };

	strcpy(f.service, "sshd");
	strcpy(f.rhost, "-");
	strcpy(f.tty, "-");
	return pf_record_failure(&s, p, &f);
}

START_TEST(locks_at_deny_within_interval)
{
	struct pf_policy p;

	pf_policy_for(&cfg, false, &p);
	ck_assert_int_eq(fail_at(&p, T0), PF_FAIL_COUNTED);
	ck_assert_int_eq(fail_at(&p, T0 + 10), PF_FAIL_COUNTED);
	ck_assert(!pf_host_locked(&s, T0 + 10));
	ck_assert_int_eq(fail_at(&p, T0 + 20), PF_FAIL_LOCKED_NOW);
	ck_assert(pf_host_locked(&s, T0 + 20));
	ck_assert_int_eq(s.lock_until, T0 + 20 + 600);
	ck_assert_int_eq(fail_at(&p, T0 + 30), PF_FAIL_WHILE_LOCKED);
	ck_assert_uint_eq(s.failures_total, 4);
}
END_TEST

START_TEST(old_failures_do_not_count)
{
	struct pf_policy p;

	pf_policy_for(&cfg, false, &p);
	fail_at(&p, T0);
	fail_at(&p, T0 + 100);
	ck_assert_int_eq(fail_at(&p, T0 + 900), PF_FAIL_COUNTED); /* T0 left the window */
	ck_assert_uint_eq(pf_recent_failures(&s, &p, T0 + 900), 2);
	ck_assert_int_eq(fail_at(&p, T0 + 901), PF_FAIL_LOCKED_NOW);
}
END_TEST

START_TEST(unlock_time_expiry)
{
	struct pf_policy p;

	pf_policy_for(&cfg, false, &p);
	fail_at(&p, T0);
	fail_at(&p, T0);
	fail_at(&p, T0);
	ck_assert(pf_host_locked(&s, T0 + 599));
	ck_assert(!pf_host_locked(&s, T0 + 600));
	ck_assert(!pf_expire_lock(&s, T0 + 599));
	ck_assert(pf_expire_lock(&s, T0 + 600));
	ck_assert_uint_eq(s.n_fail, 0);
	/* After expiry the old failures no longer count. */
	ck_assert_int_eq(fail_at(&p, T0 + 601), PF_FAIL_COUNTED);
}
END_TEST

START_TEST(unlock_time_zero_means_admin_only)
{
	struct pf_policy p;

	cfg.unlock_time = 0;
	pf_policy_for(&cfg, false, &p);
	fail_at(&p, T0);
	fail_at(&p, T0);
	fail_at(&p, T0);
	ck_assert_int_eq(s.lock_until, 0);
	ck_assert(pf_host_locked(&s, T0 + 10 * 365 * 86400LL));
	ck_assert(!pf_expire_lock(&s, T0 + 10 * 365 * 86400LL));
	pf_clear_tally(&s);
	ck_assert(!pf_host_locked(&s, T0));
}
END_TEST

START_TEST(root_exempt_unless_even_deny_root)
{
	struct pf_policy p;

	pf_policy_for(&cfg, true, &p);
	ck_assert(p.exempt);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(fail_at(&p, T0 + i), PF_FAIL_EXEMPT);
	ck_assert_int_eq(s.lock_since, 0);

	memset(&s, 0, sizeof(s));
	cfg.even_deny_root = true;
	cfg.root_unlock_time = 60;
	pf_policy_for(&cfg, true, &p);
	ck_assert(!p.exempt);
	fail_at(&p, T0);
	fail_at(&p, T0);
	ck_assert_int_eq(fail_at(&p, T0), PF_FAIL_LOCKED_NOW);
	ck_assert_int_eq(s.lock_until, T0 + 60);
}
END_TEST

START_TEST(ring_is_bounded)
{
	struct pf_policy p;

	cfg.deny = PF_DENY_MAX;
	pf_policy_for(&cfg, false, &p);
	for (int i = 0; i < 200; i++)
		fail_at(&p, T0 + i);
	ck_assert_uint_eq(s.n_fail, PF_FAIL_RING);
	ck_assert_uint_eq(s.failures_total, 200);
	ck_assert_int_eq(s.fail[PF_FAIL_RING - 1].when, T0 + 199);
}
END_TEST

START_TEST(clock_step_back_keeps_order)
{
	struct pf_policy p;

	pf_policy_for(&cfg, false, &p);
	fail_at(&p, T0 + 100);
	fail_at(&p, T0);
	ck_assert_int_ge(s.fail[1].when, s.fail[0].when);
}
END_TEST

START_TEST(cloud_cache_freshness)
{
	s.cloud = PF_CLOUD_UNKNOWN;
	s.cloud_checked_at = T0;
	ck_assert(!pf_cloud_fresh(&s, 60, T0));
	s.cloud = PF_CLOUD_LOCKED;
	ck_assert(pf_cloud_fresh(&s, 60, T0 + 59));
	ck_assert(!pf_cloud_fresh(&s, 60, T0 + 60));
	ck_assert(!pf_cloud_fresh(&s, 60, T0 - 1)); /* from the future: distrust */
	ck_assert(!pf_cloud_fresh(&s, 0, T0));
}
END_TEST

int main(void)
{
	Suite *su = suite_create("policy");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, locks_at_deny_within_interval);
	tcase_add_test(tc, old_failures_do_not_count);
	tcase_add_test(tc, unlock_time_expiry);
	tcase_add_test(tc, unlock_time_zero_means_admin_only);
	tcase_add_test(tc, root_exempt_unless_even_deny_root);
	tcase_add_test(tc, ring_is_bounded);
	tcase_add_test(tc, clock_step_back_keeps_order);
	tcase_add_test(tc, cloud_cache_freshness);
	suite_add_tcase(su, tc);
	return pf_test_run(su);
}
