/*
 * pam_frontegg.so as root (the direct path: sshd, login, su), through
 * pam_wrapper: the return value of every entry point per situation, the
 * stacks of the man page, the clock, root/admin rules, the PR #921 rule,
 * hostile names, the cloud cache and the audit trail.
 */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libpamtest.h>

#include "pamtest_util.h"
#include "testutil.h"

#define T0 1700000000LL

static void setup(void)
{
	pt_reset(NULL);
	pt_clock_set(T0);
}

static void fail_times(const char *user, int n)
{
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pt_call1(user, PT_AUTHFAIL, NULL), PAM_AUTH_ERR);
}

static unsigned failures(const char *user)
{
	struct pf_user_state s;

	return pt_state(user, &s) ? s.n_fail : 0;
}

/* ---- the return-value table, entry by entry ------------------------------------ */

static void check_unlocked_then_locked(const char *user)
{
	ck_assert_int_eq(pt_call1(user, PT_PREAUTH, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1(user, PT_ACCOUNT, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1(user, PT_AUTHSUCC, NULL), PAM_SUCCESS);
	fail_times(user, 3);
	ck_assert_int_eq(pt_call1(user, PT_PREAUTH, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_call1(user, PT_AUTHSUCC, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_call1(user, PT_ACCOUNT, NULL), PAM_PERM_DENIED);
	ck_assert_int_eq(pt_call1(user, PT_AUTHFAIL, NULL), PAM_AUTH_ERR);
}

START_TEST(table_mapped_user)
{
	pt_cloud_says("alice", "unlocked");
	check_unlocked_then_locked("alice");
	ck_assert_uint_eq(pt_calls("refresh"), 1); /* the first account; then fresh */
}
END_TEST

START_TEST(table_unmapped_user)
{
	check_unlocked_then_locked("bob");
	ck_assert_uint_eq(pt_calls(NULL), 0); /* no cloud for bob: no exec at all */
	ck_assert_int_eq(pt_dir_entries("state/outbox"), 0);
}
END_TEST

START_TEST(table_cloud_locked)
{
	pt_cloud_says("alice", "locked");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_PERM_DENIED);
	ck_assert_int_eq(pt_call1("alice", PT_PREAUTH, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_call1("alice", PT_AUTHSUCC, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_call1("alice", PT_AUTHFAIL, NULL), PAM_AUTH_ERR);
	ck_assert_uint_eq(pt_calls("refresh"), 1);
	ck_assert(pt_log_has("refused: user=alice service=e-preauth reason=cloud-locked"));
	/* The admin unlocks in Frontegg: the next refresh lets alice in. */
	pt_cloud_says("alice", "unlocked");
	pt_clock_set(T0 + 61);
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_SUCCESS);
}
END_TEST

START_TEST(table_unknown_user)
{
	static const enum pt_entry all[] = { PT_PREAUTH, PT_AUTHFAIL, PT_AUTHSUCC, PT_ACCOUNT };

	pt_conf("state_dir = /nonexistent-pf-state");
	for (unsigned i = 0; i < 4; i++)
		ck_assert_int_eq(pt_call1("zed", all[i], NULL), PAM_IGNORE);
	ck_assert_uint_eq(pt_calls(NULL), 0);
	ck_assert(pt_log_has("user unknown"));
	ck_assert(!pt_log_has("zed"));
	ck_assert_int_eq(access("/nonexistent-pf-state", F_OK), -1);
}
END_TEST

/*
 * inv13: a configuration mistake refuses nobody, root included: a bad value
 * keeps its default, a misplaced mode word is ignored or makes the line
 * abstain, a missing or relative conf= file means host-only defaults.
 */
START_TEST(inv13_config_mistakes_refuse_nobody)
{
	static const char *const users[] = { "bob", "root" };

	pt_conf("unlock_time = 10m\nregion = EU\napi_url = http://fg.example\nadmin_grp = x\n"
		"environment_id = env/42");
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(pt_call1(users[i], PT_PREAUTH, NULL), PAM_SUCCESS);
		ck_assert_int_eq(pt_call1(users[i], PT_PREAUTH, "badval"), PAM_SUCCESS);
		ck_assert_int_eq(pt_call1(users[i], PT_PREAUTH, "twomodes"), PAM_IGNORE);
		ck_assert_int_eq(pt_call1(users[i], PT_ACCOUNT, "mode"), PAM_SUCCESS);
		ck_assert_int_eq(pt_call1(users[i], PT_ACCOUNT, "noconf"), PAM_SUCCESS);
		ck_assert_int_eq(pt_call1(users[i], PT_AUTHFAIL, "relconf"), PAM_AUTH_ERR);
	}
	ck_assert(pt_log_has("pam_frontegg.conf:14: unlock_time: must be a whole number"));
	ck_assert(pt_log_has("pam_frontegg.conf:18: environment_id: must be 1 to 64 letters"));
	ck_assert(pt_log_has("module argument: deny: must be a whole number"));
	ck_assert(pt_log_has("'authfail' after another mode word"));
	ck_assert(pt_log_has("'preauth' is out of place in account, ignored"));
	ck_assert(pt_log_has("configuration not used (/nonexistent/pam_frontegg.conf: does not "
			     "exist): host-only lockout with the defaults"));
}
END_TEST

/*
 * inv7: an admin_group member (carol, named in the map file) locked in the
 * portal keeps her way in: never mapped, never asked, unless even_deny_root.
 */
START_TEST(inv7_admin_group_member_locked_in_frontegg_is_let_in)
{
	pt_cloud_says("carol", "locked");
	ck_assert_int_eq(pt_call1("carol", PT_ACCOUNT, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1("carol", PT_PREAUTH, NULL), PAM_SUCCESS);
	ck_assert_uint_eq(pt_calls(NULL), 0); /* no refresh: never cloud-checked */
	pt_conf("even_deny_root");
	ck_assert_int_eq(pt_call1("carol", PT_ACCOUNT, NULL), PAM_PERM_DENIED);
}
END_TEST

/* inv7: failmode=closed never refuses root-like users over an unknown state. */
START_TEST(inv7_failmode_closed_spares_root_like_users)
{
	FILE *f;

	pt_conf("failmode = closed");
	f = fopen(pt_path("state/users/root"), "w");
	fputs("not a state record\n", f);
	fclose(f);
	ck_assert_int_eq(pt_call1("root", PT_PREAUTH, NULL), PAM_IGNORE);
	ck_assert_int_eq(pt_call1("root", PT_ACCOUNT, NULL), PAM_IGNORE);
}
END_TEST

START_TEST(inv11_table_corrupt_state_refuses_in_both_failmodes)
{
	FILE *f = fopen(pt_path("state/users/bob"), "w");

	fputs("not a state record\n", f);
	fclose(f);
	/* failmode covers only the cloud: the host side refuses under both. */
	ck_assert_int_eq(pt_call1("bob", PT_PREAUTH, NULL), PAM_AUTHINFO_UNAVAIL);
	ck_assert_int_eq(pt_call1("bob", PT_ACCOUNT, NULL), PAM_AUTHINFO_UNAVAIL);
	ck_assert(!pt_log_has("fail-open"));
	ck_assert(pt_log_has("refused (host state unknown): user=bob service=e-account"));
	ck_assert_int_ne(pt_run("ok", "bob", true, true, 0).auth, PAM_SUCCESS);
	pt_conf("failmode = closed");
	ck_assert_int_eq(pt_call1("bob", PT_PREAUTH, NULL), PAM_AUTHINFO_UNAVAIL);
	ck_assert_int_eq(pt_call1("bob", PT_ACCOUNT, NULL), PAM_AUTHINFO_UNAVAIL);
	ck_assert(pt_msgs_has("cannot be checked"));
}
END_TEST

/*
 * enforce = no, row by row: a lock and an unknown state refuse nobody, in
 * any failmode; authfail still answers a failed password with a failure.
 * What happens before any state is read (a name NSS cannot give or the
 * store cannot key) does not depend on enforce.
 */
START_TEST(table_audit_only)
{
	FILE *f;

	pt_conf("enforce = no\nfailmode = closed");
	/* The cloud cannot answer (no answer file): unknown. */
	ck_assert_int_eq(pt_call1("alice", PT_PREAUTH, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1("alice", PT_AUTHSUCC, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_IGNORE);
	ck_assert(!pt_msgs_has("cannot be checked"));
	/* The log says why nobody was refused: audit mode, not a failmode this host lacks. */
	ck_assert(pt_log_has("audit only (enforce=no): would refuse (failmode=closed): user=alice"));
	ck_assert(!pt_log_has("fail-open"));

	pt_cloud_says("alice", "locked");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1("alice", PT_PREAUTH, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1("alice", PT_AUTHSUCC, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1("alice", PT_AUTHFAIL, NULL), PAM_AUTH_ERR);
	ck_assert(pt_log_has("audit only (enforce=no): would refuse: user=alice service=e-account "
			     "reason=cloud-locked"));

	fail_times("bob", 3);
	ck_assert(pt_log_has("would lock (audit only, enforce=no): user=bob"));
	ck_assert_int_eq(pt_call1("bob", PT_PREAUTH, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1("bob", PT_AUTHSUCC, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1("bob", PT_ACCOUNT, NULL), PAM_SUCCESS);
	ck_assert(pt_log_has("audit only (enforce=no): would refuse: user=bob service=e-account "
			     "reason=host-locked"));
	ck_assert_uint_ge(failures("bob"), 3); /* the would-be lock stays on record */
	ck_assert_int_eq(pt_dir_entries("state/outbox"), 0);
	ck_assert(!pt_log_has("refused: user="));
	ck_assert(!pt_msgs_has("locked"));
	ck_assert(!pt_msgs_has("cannot be checked"));

	f = fopen(pt_path("state/users/bob"), "w");
	fputs("not a state record\n", f);
	fclose(f);
	ck_assert_int_eq(pt_call1("bob", PT_PREAUTH, NULL), PAM_IGNORE);
	ck_assert_int_eq(pt_call1("bob", PT_AUTHSUCC, NULL), PAM_IGNORE);
	ck_assert_int_eq(pt_call1("bob", PT_ACCOUNT, NULL), PAM_IGNORE);
	ck_assert_int_eq(pt_call1("bob", PT_AUTHFAIL, NULL), PAM_AUTH_ERR);
	/* bob is no administrator: not a break-glass, an audit-mode abstention. */
	ck_assert(pt_log_has("audit only (enforce=no): would refuse (host state unknown): user=bob"));
	ck_assert(!pt_log_has("break-glass"));

	ck_assert_int_eq(pt_call1("x+corp", PT_PREAUTH, NULL), PAM_AUTHINFO_UNAVAIL);
	ck_assert_int_eq(pt_call1("x+corp", PT_ACCOUNT, NULL), PAM_AUTHINFO_UNAVAIL);
}
END_TEST

/* ---- the stacks of the man page ------------------------------------------------- */

START_TEST(stack_lock_after_deny_failures)
{
	struct pt_stack r;

	for (int i = 0; i < 3; i++) {
		r = pt_run("fail", "bob", true, false, 0);
		ck_assert_int_ne(r.auth, PAM_SUCCESS);
	}
	ck_assert_uint_eq(failures("bob"), 3);
	r = pt_run("ok", "bob", true, true, 0);
	ck_assert_int_eq(r.auth, PAM_AUTH_ERR); /* the right password no longer helps */
	ck_assert(pt_log_has("host lock: user=bob until="));
	r = pt_run("acct", "bob", false, true, 0); /* an ssh key login */
	ck_assert_int_eq(r.acct, PAM_PERM_DENIED);
	ck_assert(pt_msgs_has("this account is locked"));
}
END_TEST

START_TEST(stack_success_resets_and_no_exec_when_fresh)
{
	struct pt_stack r;

	pt_cloud_says("alice", "unlocked");
	pt_run("fail", "alice", true, false, 0);
	pt_run("fail", "alice", true, false, 0);
	r = pt_run("ok", "alice", true, true, 0);
	ck_assert_int_eq(r.auth, PAM_SUCCESS);
	ck_assert_int_eq(r.acct, PAM_SUCCESS);
	ck_assert_uint_eq(failures("alice"), 0);
	ck_assert_uint_eq(pt_calls("refresh"), 1);
	/* Cache fresh: the whole success path runs without a single exec. */
	ck_assert_uint_eq(pt_calls(NULL), 1);
	r = pt_run("ok", "alice", true, true, 0);
	ck_assert_int_eq(r.acct, PAM_SUCCESS);
	ck_assert_uint_eq(pt_calls(NULL), 1);
	/* Stale again after cloud_cache_ttl: exactly one refresh. */
	pt_clock_set(T0 + 60);
	r = pt_run("ok", "alice", true, true, 0);
	ck_assert_int_eq(r.acct, PAM_SUCCESS);
	ck_assert_uint_eq(pt_calls("refresh"), 2);
}
END_TEST

START_TEST(stack_pr921_account_alone_keeps_tally)
{
	struct pt_stack r;

	pt_run("fail", "bob", true, false, 0);
	pt_run("fail", "bob", true, false, 0);
	r = pt_run("acct", "bob", false, true, 0); /* another handle: no auth ran */
	ck_assert_int_eq(r.acct, PAM_SUCCESS);
	ck_assert_uint_eq(failures("bob"), 2);
	pt_run("fail", "bob", true, false, 0);
	ck_assert_int_eq(pt_call1("bob", PT_PREAUTH, NULL), PAM_AUTH_ERR);
}
END_TEST

START_TEST(stack_pr921_same_handle_clears)
{
	struct pt_stack r;

	fail_times("bob", 2);
	r = pt_run("ok", "bob", true, true, 0);
	ck_assert_int_eq(r.auth, PAM_SUCCESS);
	ck_assert_int_eq(r.acct, PAM_SUCCESS);
	ck_assert_uint_eq(failures("bob"), 0);
}
END_TEST

START_TEST(stack_authsucc_clears)
{
	struct pt_stack r;

	pt_run("alt-fail", "bob", true, false, 0);
	pt_run("alt-fail", "bob", true, false, 0);
	ck_assert_uint_eq(failures("bob"), 2);
	r = pt_run("alt-ok", "bob", true, false, 0);
	ck_assert_int_eq(r.auth, PAM_SUCCESS);
	ck_assert_uint_eq(failures("bob"), 0);
}
END_TEST

/* ---- time --------------------------------------------------------------------- */

START_TEST(clock_unlock_time_expires)
{
	fail_times("bob", 3);
	pt_clock_set(T0 + 599);
	ck_assert_int_eq(pt_call1("bob", PT_PREAUTH, NULL), PAM_AUTH_ERR);
	pt_clock_set(T0 + 600);
	ck_assert_int_eq(pt_run("ok", "bob", true, true, 0).acct, PAM_SUCCESS);
	ck_assert_uint_eq(failures("bob"), 0);
}
END_TEST

START_TEST(clock_unlock_time_zero_is_admin_only)
{
	pt_conf("unlock_time = 0");
	fail_times("bob", 3);
	pt_clock_set(T0 + 30 * 86400);
	ck_assert_int_eq(pt_call1("bob", PT_PREAUTH, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_call1("bob", PT_ACCOUNT, NULL), PAM_PERM_DENIED);
}
END_TEST

START_TEST(clock_fail_interval)
{
	fail_times("bob", 2);
	pt_clock_set(T0 + 901); /* the first two no longer count */
	fail_times("bob", 2);
	ck_assert_int_eq(pt_call1("bob", PT_PREAUTH, NULL), PAM_SUCCESS);
}
END_TEST

/* ---- who is exempt --------------------------------------------------------------- */

START_TEST(root_exempt_unless_even_deny_root)
{
	fail_times("root", 5);
	ck_assert_int_eq(pt_call1("root", PT_PREAUTH, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1("root", PT_ACCOUNT, NULL), PAM_SUCCESS);
	pt_reset("even_deny_root\nroot_unlock_time = 60");
	pt_clock_set(T0);
	fail_times("root", 3);
	ck_assert_int_eq(pt_call1("root", PT_PREAUTH, NULL), PAM_AUTH_ERR);
	pt_clock_set(T0 + 61);
	ck_assert_int_eq(pt_call1("root", PT_PREAUTH, NULL), PAM_SUCCESS);
}
END_TEST

START_TEST(admin_group_like_root)
{
	/* carol: supplementary member of wheel; dave: wheel is his primary group. */
	fail_times("carol", 4);
	fail_times("dave", 4);
	ck_assert_int_eq(pt_call1("carol", PT_PREAUTH, NULL), PAM_SUCCESS);
	ck_assert_int_eq(pt_call1("dave", PT_PREAUTH, NULL), PAM_SUCCESS);
	pt_conf("even_deny_root\nroot_unlock_time = 60");
	fail_times("dave", 3);
	ck_assert_int_eq(pt_call1("dave", PT_PREAUTH, NULL), PAM_AUTH_ERR);
	pt_clock_set(T0 + 61); /* root_unlock_time, not unlock_time */
	ck_assert_int_eq(pt_call1("dave", PT_PREAUTH, NULL), PAM_SUCCESS);
}
END_TEST

START_TEST(ignore_users_untouched)
{
	static const enum pt_entry all[] = { PT_PREAUTH, PT_AUTHFAIL, PT_AUTHSUCC, PT_ACCOUNT };

	for (unsigned i = 0; i < 4; i++)
		ck_assert_int_eq(pt_call1("erin", all[i], NULL), PAM_IGNORE);
	ck_assert_int_eq(pt_dir_entries("state/users"), 0);
	ck_assert_int_eq(pt_dir_entries("state/locks"), 0);
}
END_TEST

/* ---- hostile names ------------------------------------------------------------------ */

START_TEST(hostile_names)
{
	static const enum pt_entry all[] = { PT_PREAUTH, PT_AUTHFAIL, PT_AUTHSUCC, PT_ACCOUNT };
	char longname[301];
	const char *names[] = { "../etc/passwd", "alice\nroot", longname, "", "..", "-rf", "a/b" };

	memset(longname, 'a', 300);
	longname[300] = '\0';
	for (unsigned n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		for (unsigned i = 0; i < 4; i++)
			ck_assert_int_eq(pt_call1(names[n], all[i], NULL), PAM_IGNORE);
		ck_assert_int_ne(pt_run("fail", names[n], true, false, 0).auth, PAM_SUCCESS);
	}
	ck_assert_int_eq(pt_dir_entries("state/users"), 0);
	ck_assert_int_eq(pt_dir_entries("state/locks"), 0);
	ck_assert_int_eq(pt_dir_entries("state/outbox"), 0);
	ck_assert(!pt_exists("etc"));
	ck_assert_uint_eq(pt_calls(NULL), 0);
}
END_TEST

/* ---- the cloud ------------------------------------------------------------------------ */

START_TEST(cloud_lock_queued_and_pushed_detached)
{
	unsigned long ruid;
	int envc, nfds;
	long pid;
	int64_t t;

	pt_helper_mode("slow-push"); /* the push takes 2 s */
	fail_times("alice", 2);
	t = pt_mono_ms();
	ck_assert_int_eq(pt_call1("alice", PT_AUTHFAIL, NULL), PAM_AUTH_ERR);
	t = pt_mono_ms() - t;
	ck_assert_msg(t < 1000, "the failure waited %lld ms for the push", (long long)t);
	ck_assert(pt_exists("state/outbox/alice"));
	ck_assert(pt_log_has("cloud lock queued: user=alice"));
	ck_assert(pt_wait_calls("push", 1, 5000));
	fail_times("alice", 2); /* while locked: no second push */
	ck_assert_uint_eq(pt_calls("push"), 1);
	/* The push outlives the test otherwise, and races the next one's clean-up. */
	ck_assert(pt_last_call("push", &ruid, &envc, &nfds, &pid));
	ck_assert(pt_wait_exit(pid, 5000));
}
END_TEST

START_TEST(cloud_refresh_fails_open)
{
	struct pt_stack r;

	/* No answer file: the helper exits 6, "Frontegg unreachable". */
	r = pt_run("ok", "alice", true, true, 0);
	ck_assert_int_eq(r.auth, PAM_SUCCESS);
	ck_assert_int_eq(r.acct, PAM_SUCCESS); /* pam_permit decides; we abstained */
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_IGNORE);
	ck_assert(pt_log_has("fail-open (failmode=open): user=alice service=e-account: cloud state "
			     "unknown: refresh: exited with status 6: frontegg-lockout: Frontegg "
			     "unreachable"));
	ck_assert_uint_eq(pt_calls("refresh"), 2); /* one per account: the cache stays stale */
}
END_TEST

START_TEST(cloud_refresh_fails_closed)
{
	pt_conf("failmode = closed");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_AUTHINFO_UNAVAIL);
	ck_assert(pt_log_has("refused (failmode=closed): user=alice"));
	ck_assert(pt_msgs_has("cannot be checked"));
	ck_assert_int_eq(pt_run("ok", "alice", true, true, 0).acct, PAM_AUTHINFO_UNAVAIL);
	/* The host side still works without the cloud. */
	ck_assert_int_eq(pt_call1("bob", PT_ACCOUNT, NULL), PAM_SUCCESS);
}
END_TEST

START_TEST(cloud_stale_at_preauth_is_not_refreshed)
{
	ck_assert_int_eq(pt_call1("alice", PT_PREAUTH, NULL), PAM_SUCCESS);
	ck_assert_uint_eq(pt_calls(NULL), 0);
}
END_TEST

START_TEST(cloud_check_off)
{
	pt_conf("cloud_check = no");
	pt_cloud_says("alice", "locked");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_SUCCESS);
	ck_assert_uint_eq(pt_calls(NULL), 0);
}
END_TEST

/* ---- what the user sees and what the log says ---------------------------------------- */

START_TEST(messages_do_not_enumerate)
{
	fail_times("bob", 3);
	pt_msgs_clear();
	pt_run("ok", "bob", true, false, 0);   /* locked, right password */
	pt_run("fail", "bob", true, false, 0); /* locked, wrong password */
	ck_assert_uint_eq(pt_msgs_count(), 0);
	pt_run("ok", "zed", true, false, 0); /* unknown */
	pt_run("fail", "zed", true, false, 0);
	ck_assert_uint_eq(pt_msgs_count(), 0);
	/* After authentication (an ssh key), the refusal is explained. */
	pt_run("acct", "bob", false, true, 0);
	ck_assert(
	    pt_msgs_has("Access denied: this account is locked. Contact your administrator."));
}
END_TEST

START_TEST(messages_silenced)
{
	fail_times("bob", 3);
	pt_msgs_clear();
	ck_assert_int_eq(pt_call1("bob", PT_ACCOUNT, "silent"), PAM_PERM_DENIED);
	ck_assert_int_eq(pt_call_flags("bob", PT_ACCOUNT, NULL, PAM_SILENT), PAM_PERM_DENIED);
	pt_conf("silent");
	ck_assert_int_eq(pt_call1("bob", PT_ACCOUNT, NULL), PAM_PERM_DENIED);
	ck_assert_uint_eq(pt_msgs_count(), 0);
}
END_TEST

START_TEST(audit_trail)
{
	pt_run("fail", "bob", true, false, 0);
	ck_assert(pt_log_has("authentication failure recorded: user=bob service=fail "
			     "rhost=203.0.113.7 tty=pts/3 failures=1"));
	pt_run("fail", "bob", true, false, 0);
	pt_run("fail", "bob", true, false, 0);
	ck_assert(pt_log_has("host lock: user=bob until=2023-11-14T22:23:20Z"));
	pt_run("ok", "bob", true, false, 0);
	ck_assert(pt_log_has("refused: user=bob service=ok reason=host-locked"));
}
END_TEST

START_TEST(libpamtest_driver)
{
	struct pam_testcase tests[] = {
		pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
		pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
	};
	struct pamtest_conv_data conv = { .in_echo_off = NULL };

	ck_assert_int_eq(run_pamtest("ok", "bob", &conv, tests, NULL), PAMTEST_ERR_OK);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pam_stack");
	TCase *tc = tcase_create("root");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, table_mapped_user);
	tcase_add_test(tc, table_unmapped_user);
	tcase_add_test(tc, table_cloud_locked);
	tcase_add_test(tc, table_unknown_user);
	tcase_add_test(tc, inv13_config_mistakes_refuse_nobody);
	tcase_add_test(tc, inv7_failmode_closed_spares_root_like_users);
	tcase_add_test(tc, inv7_admin_group_member_locked_in_frontegg_is_let_in);
	tcase_add_test(tc, inv11_table_corrupt_state_refuses_in_both_failmodes);
	tcase_add_test(tc, table_audit_only);
	tcase_add_test(tc, stack_lock_after_deny_failures);
	tcase_add_test(tc, stack_success_resets_and_no_exec_when_fresh);
	tcase_add_test(tc, stack_pr921_account_alone_keeps_tally);
	tcase_add_test(tc, stack_pr921_same_handle_clears);
	tcase_add_test(tc, stack_authsucc_clears);
	tcase_add_test(tc, clock_unlock_time_expires);
	tcase_add_test(tc, clock_unlock_time_zero_is_admin_only);
	tcase_add_test(tc, clock_fail_interval);
	tcase_add_test(tc, root_exempt_unless_even_deny_root);
	tcase_add_test(tc, admin_group_like_root);
	tcase_add_test(tc, ignore_users_untouched);
	tcase_add_test(tc, hostile_names);
	tcase_add_test(tc, cloud_lock_queued_and_pushed_detached);
	tcase_add_test(tc, cloud_refresh_fails_open);
	tcase_add_test(tc, cloud_refresh_fails_closed);
	tcase_add_test(tc, cloud_stale_at_preauth_is_not_refreshed);
	tcase_add_test(tc, cloud_check_off);
	tcase_add_test(tc, messages_do_not_enumerate);
	tcase_add_test(tc, messages_silenced);
	tcase_add_test(tc, audit_trail);
	tcase_add_test(tc, libpamtest_driver);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	pt_require_wrapper();
	return pf_test_run(suite());
}
