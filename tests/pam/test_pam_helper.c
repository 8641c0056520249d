/*
 * pam_frontegg.so and its helper: the unprivileged caller (a screen locker)
 * that delegates everything, and fake helpers that hang, crash, print
 * garbage or too much, or fail, against the discipline of doc/privileges.md ("The child discipline"): the
 * deadline, no zombie, no descriptor leaked either way, an empty
 * environment, and the host application's SIGCHLD handling untouched.
 */
#include "autoconfig.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pamtest_util.h"
#include "testutil.h"
#include "trusted_owner.h"
#include "pam_frontegg/safe_file.h"

#define T0 1700000000LL
/* The deadline tests run with timeout = 0.2 s and allow 50 ms on top. */
#define TIMEOUT_MS 200
#define SLACK_MS   50

static void setup(void)
{
	pt_reset(NULL);
	pt_clock_set(T0);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

/* No child of ours is left, exited or not (the detached push is init's). */
static bool no_children(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
}

/* Makes alice's cloud state fresh and unlocked (a root account call refreshes it). */
static void fresh_cloud(void)
{
	pt_cloud_says("alice", "unlocked");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_SUCCESS);
}

/* ---- the unprivileged caller ------------------------------------------------------- */

static void matrix(int *out, void *arg)
{
	const char *user = arg;
	int i = 0;

	out[i++] = pt_call1(user, PT_PREAUTH, NULL);
	out[i++] = pt_call1(user, PT_ACCOUNT, NULL);
	out[i++] = pt_call1(user, PT_AUTHSUCC, NULL);
	for (int n = 0; n < 3; n++)
		out[i++] = pt_call1(user, PT_AUTHFAIL, NULL);
	out[i++] = pt_call1(user, PT_PREAUTH, NULL);
	out[i++] = pt_call1(user, PT_AUTHSUCC, NULL);
	out[i++] = pt_call1(user, PT_ACCOUNT, NULL);
	out[i++] = pt_call1(user, PT_AUTHFAIL, NULL);
	out[i++] = pt_call1("zed", PT_PREAUTH, NULL); /* unknown: no exec */
	out[i++] = pt_call1("zed", PT_ACCOUNT, NULL);
}

static void check_matrix(const int *out)
{
	static const int want[] = { PAM_SUCCESS,     PAM_SUCCESS,  PAM_SUCCESS,  PAM_AUTH_ERR,
				    PAM_AUTH_ERR,    PAM_AUTH_ERR, PAM_AUTH_ERR, PAM_AUTH_ERR,
				    PAM_PERM_DENIED, PAM_AUTH_ERR, PAM_IGNORE,   PAM_IGNORE };

	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(out[i] == want[i], "step %u: got %d, want %d", i, out[i], want[i]);
}

static void check_last_call(const char *verb, unsigned long uid)
{
	unsigned long ruid;
	int envc, nfds, conf;
	long pid;
	char prog[64];

	ck_assert(pt_last_call(verb, &ruid, &envc, &nfds, &pid));
	ck_assert_uint_eq(ruid, uid);
	ck_assert_int_eq(envc, 0); /* empty environment */
	ck_assert_int_eq(nfds, 3); /* stdin, stdout, stderr: nothing else */
	/*
	 * Root's network work goes to frontegg-lockout with the administrator's
	 * conf=; anyone else gets frontegg_chkstate, which takes no path at all
	 * (doc/privileges.md).
	 */
	ck_assert(pt_last_call_prog(verb, prog, sizeof(prog), &conf));
	ck_assert_str_eq(prog, uid == 0 ? "frontegg-lockout" : "frontegg_chkstate");
	ck_assert_int_eq(conf, uid == 0);
}

START_TEST(nonroot_mapped_user)
{
	char alice[] = "alice";
	int out[16];

	fresh_cloud();
	ck_assert(pt_as_user(UID_ALICE, UID_ALICE, matrix, alice, out));
	check_matrix(out);
	check_last_call("check", UID_ALICE);
	check_last_call("record-failure", UID_ALICE);
	check_last_call("record-success", UID_ALICE);
	ck_assert_uint_eq(pt_calls("refresh"), 1); /* only root's, before */
	ck_assert_uint_eq(pt_calls("push"), 0);    /* the root sync pushes */
	/* The helper wrote the shared store: root sees the lock too. */
	ck_assert_int_eq(pt_call1("alice", PT_PREAUTH, NULL), PAM_AUTH_ERR);
	ck_assert(pt_exists("state/outbox/alice"));
}
END_TEST

START_TEST(nonroot_unmapped_user)
{
	char bob[] = "bob";
	int out[16];

	ck_assert(pt_as_user(UID_BOB, UID_BOB, matrix, bob, out));
	check_matrix(out);
	check_last_call("check", UID_BOB);
	ck_assert_uint_eq(pt_calls("refresh"), 0);
	ck_assert(!pt_exists("state/outbox/bob"));
}
END_TEST

static void stale_account(int *out, void *arg)
{
	(void)arg;
	out[0] = pt_call1("alice", PT_ACCOUNT, NULL);
	out[1] = pt_log_has("the cached cloud state is stale and only root can refresh it");
}

START_TEST(nonroot_stale_cloud_follows_failmode)
{
	int out[16];

	ck_assert(pt_as_user(UID_ALICE, UID_ALICE, stale_account, NULL, out));
	ck_assert_int_eq(out[0], PAM_IGNORE);
	ck_assert_int_eq(out[1], 1);
	pt_conf("failmode = closed");
	ck_assert(pt_as_user(UID_ALICE, UID_ALICE, stale_account, NULL, out));
	ck_assert_int_eq(out[0], PAM_AUTHINFO_UNAVAIL);
	ck_assert_uint_eq(pt_calls("refresh"), 0);
}
END_TEST

static void hung_preauth(int *out, void *arg)
{
	(void)arg;
	out[0] = pt_run("e-preauth", "alice", true, false, 0).auth;
	out[1] = (int)pt_last_ms;
	out[2] = no_children();
}

START_TEST(nonroot_hung_helper_bounded)
{
	int out[16];

	pt_conf("timeout = 0.2");
	pt_helper_mode("hang");
	ck_assert(pt_as_user(UID_ALICE, UID_ALICE, hung_preauth, NULL, out));
	/* The host state is unknown: refused whatever failmode says (doc/invariants.md, 11). */
	ck_assert_int_eq(out[0], PAM_AUTHINFO_UNAVAIL);
	ck_assert_msg(out[1] <= TIMEOUT_MS + SLACK_MS, "preauth took %d ms", out[1]);
	ck_assert_int_eq(out[2], 1);
	ck_assert_uint_eq(pt_calls("check"), 1);
	fprintf(stderr, "# unprivileged preauth with a hung helper: %d ms\n", out[1]);
}
END_TEST

/* ---- faults, as root (a stale cloud state makes account refresh) ---------------------- */

struct fault {
	const char *mode;
	const char *log; /* the reason logged with the fail-open */
};

static const struct fault faults[] = {
	{ "hang", "refresh: no answer within 200 ms (killed)" },
	{ "hang-quiet", "refresh: no answer within 200 ms (killed)" },
	{ "segv", "refresh: killed by signal 11" },
	{ "garbage", "refresh: malformed reply from the helper" },
	{ "long", "refresh: reply longer than 128 bytes (killed)" },
	{ "exit1", "refresh: exited with status 5: frontegg-lockout: state directory is unsafe" },
};

START_TEST(faulty_helper)
{
	const struct fault *f = &faults[_i];
	struct pt_stack r;
	int fds;

	/* The first transaction opens what libpam and nss_wrapper keep open. */
	ck_assert_int_eq(pt_call1("bob", PT_ACCOUNT, NULL), PAM_SUCCESS);
	fds = count_fds();
	pt_conf("timeout = 0.2");
	pt_helper_mode(f->mode);
	r = pt_run("e-account", "alice", false, true, 0);
	ck_assert_int_eq(r.acct, PAM_MODULE_UNKNOWN); /* PAM_IGNORE: failmode=open */
	ck_assert_msg(pt_last_ms <= TIMEOUT_MS + SLACK_MS, "%s: account took %lld ms", f->mode,
		      (long long)pt_last_ms);
	fprintf(stderr, "# helper '%s': account returned after %lld ms\n", f->mode,
		(long long)pt_last_ms);
	ck_assert_msg(pt_log_has(f->log), "no log line '%s'", f->log);
	ck_assert(pt_log_has("fail-open (failmode=open): user=alice"));
	ck_assert(no_children());
	ck_assert_int_eq(count_fds(), fds);
	/* failmode=closed refuses instead. */
	pt_conf("timeout = 0.2\nfailmode = closed");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_AUTHINFO_UNAVAIL);
	ck_assert(no_children());
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

START_TEST(stderr_flood_is_drained)
{
	pt_helper_mode("stderr-flood");
	pt_cloud_says("alice", "unlocked");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_SUCCESS);
	pt_cloud_says("alice", "locked");
	pt_clock_set(T0 + 60);
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_PERM_DENIED);
}
END_TEST

START_TEST(unsafe_helper_not_run)
{
	pt_helper_perms(0, 0, 0775);
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_IGNORE);
	ck_assert(pt_log_has("is writable by group or others"));
	if (pf_trusted_owner == 0) { /* only root can give the helper to alice */
		pt_helper_perms(UID_ALICE, 0, 0755);
		ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_IGNORE);
		ck_assert(pt_log_has("is owned by uid 1000"));
	}
	ck_assert_uint_eq(pt_calls(NULL), 0);
}
END_TEST

START_TEST(host_fds_and_environment_stay_home)
{
	int leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: the child must still not get it */
	int p[2];

	ck_assert_int_ge(leak, 0);
	ck_assert_int_eq(pipe(p), 0);
	setenv("PF_TEST_SECRET", "must-not-reach-the-helper", 1);
	fresh_cloud();
	check_last_call("refresh", 0);
	close(leak);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* ---- the host's SIGCHLD --------------------------------------------------------------- */

static volatile sig_atomic_t handler_calls;
static volatile pid_t reaped[8];
static volatile sig_atomic_t n_reaped;

static void on_sigchld(int sig, siginfo_t *si, void *ctx)
{
	pid_t pid;

	(void)sig;
	(void)si;
	(void)ctx;
	handler_calls++;
	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		if (n_reaped < 8)
			reaped[n_reaped++] = pid;
}

/* sigset_t has room for more signals than the kernel fills in: compare members. */
static bool same_mask(const sigset_t *a, const sigset_t *b)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(a, sig) != sigismember(b, sig))
			return false;
	return true;
}

static bool same_action(const struct sigaction *a, const struct sigaction *b)
{
	return a->sa_sigaction == b->sa_sigaction && a->sa_flags == b->sa_flags;
}

/* Forks a child of the host's own and waits (sigsuspend, no sleep) for the handler. */
static pid_t own_child_reaped_by_handler(void)
{
	sigset_t block, old;
	pid_t pid;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid == 0)
		_exit(0);
	while (n_reaped == 0)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

START_TEST(host_sigchld_handler_untouched)
{
	struct sigaction act, before, after;
	sigset_t mask_before, mask_after;
	unsigned long ruid;
	int envc, nfds;
	long helper_pid;

	memset(&act, 0, sizeof(act));
	act.sa_sigaction = on_sigchld;
	act.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&act.sa_mask);
	ck_assert_int_eq(sigaction(SIGCHLD, &act, NULL), 0);
	sigaction(SIGCHLD, NULL, &before);
	sigprocmask(SIG_SETMASK, NULL, &mask_before);

	fresh_cloud(); /* one helper run that answers */
	pt_conf("timeout = 0.2");
	pt_helper_mode("hang"); /* and one that is killed */
	pt_clock_set(T0 + 60);
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_IGNORE);
	ck_assert(pt_last_call("refresh", &ruid, &envc, &nfds, &helper_pid));

	sigaction(SIGCHLD, NULL, &after);
	sigprocmask(SIG_SETMASK, NULL, &mask_after);
	ck_assert(same_action(&before, &after));
	ck_assert(same_mask(&mask_before, &mask_after));
	/* Our helpers were reaped by us, and their SIGCHLD never reached the host. */
	ck_assert_int_eq(handler_calls, 0);
	ck_assert_int_eq(own_child_reaped_by_handler(), reaped[0]);
	ck_assert_int_ne(reaped[0], (pid_t)helper_pid);
}
END_TEST

START_TEST(host_ignoring_sigchld)
{
	struct sigaction ign, after;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	ck_assert_int_eq(sigaction(SIGCHLD, &ign, NULL), 0);
	pt_helper_mode("exit1");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_IGNORE);
	/* The exit status was ours to read, though the host auto-reaps. */
	ck_assert(pt_log_has("exited with status 5"));
	sigaction(SIGCHLD, NULL, &after);
	ck_assert(after.sa_handler == SIG_IGN);
	ck_assert(no_children());
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pam_helper");
	TCase *faults_tc = tcase_create("faults");
	TCase *host = tcase_create("host");

	/*
	 * The unprivileged caller needs a real uid switch: the module runs its
	 * helper with an empty environment, where uid_wrapper cannot follow.
	 */
	if (pf_trusted_owner == 0) {
		TCase *nonroot = tcase_create("nonroot");

		tcase_add_checked_fixture(nonroot, setup, NULL);
		tcase_add_test(nonroot, nonroot_mapped_user);
		tcase_add_test(nonroot, nonroot_unmapped_user);
		tcase_add_test(nonroot, nonroot_stale_cloud_follows_failmode);
		tcase_add_test(nonroot, nonroot_hung_helper_bounded);
		suite_add_tcase(s, nonroot);
	} else {
		printf(
		    "# the 4 unprivileged-caller cases need root (a real uid switch): not run\n");
		fflush(stdout);
	}

	tcase_add_checked_fixture(faults_tc, setup, NULL);
	tcase_add_loop_test(faults_tc, faulty_helper, 0, sizeof(faults) / sizeof(faults[0]));
	tcase_add_test(faults_tc, stderr_flood_is_drained);
	tcase_add_test(faults_tc, unsafe_helper_not_run);
	suite_add_tcase(s, faults_tc);

	tcase_add_checked_fixture(host, setup, NULL);
	tcase_add_test(host, host_fds_and_environment_stay_home);
	tcase_add_test(host, host_sigchld_handler_untouched);
	tcase_add_test(host, host_ignoring_sigchld);
	suite_add_tcase(s, host);
	return s;
}

int main(void)
{
	pt_require_wrapper();
	pf_test_trust_file_creator();
	return pf_test_run(suite());
}
