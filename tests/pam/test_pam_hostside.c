/*
 * The host side cannot be turned against its host: a stopped lock holder,
 * the caller's rlimits and signals, a store error under failmode=open and a
 * stale cached cloud lock, each through a real PAM stack under pam_wrapper
 * with real processes, signals and rlimits (doc/invariants.md).
 */
#include "autoconfig.h"

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pam_frontegg/lockout.h"
#include "pamtest_util.h"
#include "testutil.h"

#define T0 1700000000LL
/* `timeout` in the test configuration (pamtest_util.c), in ms. */
#define TIMEOUT_MS 2000

/*
 * A name service with aliases, as SSSD with AD is by default (case
 * insensitive, realm-qualified): this program's getpwnam_r wins the symbol
 * lookup (it is linked -export-dynamic), maps an alias to its account's
 * canonical name and asks nss_wrapper for that.
 */
int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t size, struct passwd **res);

static const char *const aliases[][2] = {
	{ "ALICE", "alice" },
	{ "alice@example.test", "alice" },
	{ "Alice@EXAMPLE.TEST", "alice" },
	{ "ROOT", "root" },
};

/*
 * Memory that runs out while the account is looked up, for one name: its
 * lookup answers "buffer too small", and the next realloc, the one that
 * grows that buffer, fails. Like getpwnam_r, realloc is this program's.
 */
static bool fail_next_realloc;

void *realloc(void *p, size_t size);

void *realloc(void *p, size_t size)
{
	static void *(*next)(void *, size_t);

	if (fail_next_realloc) {
		fail_next_realloc = false;
		errno = ENOMEM;
		return NULL;
	}
	if (next == NULL)
		*(void **)&next = dlsym(RTLD_NEXT, "realloc");
	return next(p, size);
}

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t size, struct passwd **res)
{
	static int (*next)(const char *, struct passwd *, char *, size_t, struct passwd **);

	/* A directory service that is down, for one name. */
	if (strcmp(name, "nss-down") == 0) {
		*res = NULL;
		return EIO;
	}
	if (strcmp(name, "nss-nomem") == 0) {
		fail_next_realloc = true;
		*res = NULL;
		return ERANGE;
	}
	if (next == NULL)
		*(void **)&next = dlsym(RTLD_NEXT, "getpwnam_r");
	for (size_t i = 0; name != NULL && i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(name, aliases[i][0]) == 0)
			name = aliases[i][1];
	return next(name, pw, buf, size, res);
}

static void setup(void)
{
	pt_reset(NULL);
	pt_clock_set(T0);
}

static void quiet(void *ctx, int prio, const char *line)
{
	(void)ctx;
	(void)prio;
	(void)line;
}

/*
 * A real process that takes USER's lock the way every writer does
 * (pf_store_begin), then stops itself with SIGSTOP while holding it.
 */
static pid_t hold_lock_stopped(const char *user)
{
	int st;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct pf_logger log = { quiet, NULL, false };
		struct pf_store store;
		struct pf_txn txn;

		if (pf_store_open(&store, pt_path("state"), 0, &log) != PF_OK ||
		    pf_store_begin(&store, user, (uid_t)-1, &txn) != PF_OK)
			_exit(90);
		raise(SIGSTOP);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
	ck_assert_msg(WIFSTOPPED(st), "the lock holder did not stop (status %d)", st);
	return pid;
}

static void kill_holder(pid_t pid)
{
	int st;

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
}

/* The real frontegg-lockout, as root, on the test state directory, without the cloud. */
static int run_admin(const char *verb, const char *user, int64_t *ms, char *err, size_t errsize)
{
	const char *helper = getenv("PF_REAL_HELPER");
	char conf[4096], errpath[4096];
	int64_t t0 = pt_mono_ms();
	FILE *f;
	pid_t pid;
	int st;

	ck_assert_ptr_nonnull(helper);
	snprintf(conf, sizeof(conf), "%s", pt_path("admin.conf"));
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "state_dir = %s\ntimeout = 2\n", pt_path("state"));
	fclose(f);
	snprintf(errpath, sizeof(errpath), "%s", pt_path("admin.err"));
	pid = fork();
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || dup2(fd, 2) < 0 || dup2(fd, 1) < 0)
			_exit(97);
		/* An administrator's shell: no PAM or NSS wrapper, no sanitizer runtime. */
		unsetenv("LD_PRELOAD");
		execl(helper, helper, "--conf", conf, verb, user, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	*ms = pt_mono_ms() - t0;
	f = fopen(errpath, "r");
	err[0] = '\0';
	if (f != NULL) {
		size_t n = fread(err, 1, errsize - 1, f);
		err[n] = '\0';
		fclose(f);
	}
	ck_assert_msg(WIFEXITED(st), "%s was killed by signal %d", verb, WTERMSIG(st));
	return WEXITSTATUS(st);
}

/* A temporary file a writer killed long ago (on the test clock) left behind. */
static void stale_temp_file(const char *rel)
{
	struct timespec t[2] = { { T0 - 2 * PF_TMP_MAX_AGE, 0 }, { T0 - 2 * PF_TMP_MAX_AGE, 0 } };
	int fd = open(pt_path(rel), O_WRONLY | O_CREAT | O_EXCL, 0600);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(utimensat(AT_FDCWD, pt_path(rel), t, 0), 0);
}

static int64_t timed_call(const char *user, enum pt_entry e, int *rv)
{
	int64_t t0 = pt_mono_ms();

	*rv = pt_call1(user, e, NULL);
	return pt_mono_ms() - t0;
}

/* ---- invariant 10: every wait is bounded ------------------------------------- */

START_TEST(inv10_stopped_lock_holder_delays_only_its_user)
{
	pid_t alice_holder, root_holder;
	int64_t ms;
	int rv;

	alice_holder = hold_lock_stopped("alice");
	root_holder = hold_lock_stopped("root");
	/* alice waits at most `timeout`, then is refused, never let in. */
	ms = timed_call("alice", PT_AUTHFAIL, &rv);
	ck_assert_int_eq(rv, PAM_AUTH_ERR);
	ck_assert_msg(ms >= TIMEOUT_MS - 100 && ms <= TIMEOUT_MS + 50,
		      "alice's failure took %lld ms (timeout %d ms)", (long long)ms, TIMEOUT_MS);
	ck_assert(pt_log_has("another process holds the user's lock"));
	/* Nobody else waits at all: bob has his own lock, root (exempt) takes none. */
	ms = timed_call("bob", PT_AUTHFAIL, &rv);
	ck_assert_int_eq(rv, PAM_AUTH_ERR);
	ck_assert_msg(ms < 500, "bob's failure took %lld ms", (long long)ms);
	for (int i = 0; i < 3; i++) {
		ms = timed_call("root", PT_AUTHFAIL, &rv);
		ck_assert_int_eq(rv, PAM_AUTH_ERR);
		ck_assert_msg(ms < 500, "root's failure took %lld ms", (long long)ms);
	}
	ck_assert_int_eq(pt_run("ok", "root", true, true, 0).acct, PAM_SUCCESS);
	ck_assert_msg(pt_last_ms < 500, "root's login took %lld ms", (long long)pt_last_ms);
	kill_holder(root_holder);
	kill_holder(alice_holder);
}
END_TEST

START_TEST(inv10_admin_verbs_and_sync_name_the_busy_user)
{
	pid_t holder;
	char err[2048];
	int64_t ms;
	int rc;

	ck_assert_int_eq(pt_call1("alice", PT_AUTHFAIL, NULL), PAM_AUTH_ERR); /* a record to sync */
	holder = hold_lock_stopped("alice");
	rc = run_admin("unlock", "alice", &ms, err, sizeof(err));
	ck_assert_int_ne(rc, 0);
	ck_assert_msg(strstr(err, "alice") && strstr(err, "lock"), "unlock said: %s", err);
	ck_assert_msg(ms <= TIMEOUT_MS + 500, "unlock took %lld ms", (long long)ms);
	rc = run_admin("sync", "--progress", &ms, err, sizeof(err));
	ck_assert_int_ne(rc, 0);
	ck_assert_msg(strstr(err, "alice is busy"), "sync said: %s", err);
	ck_assert_msg(ms <= TIMEOUT_MS + 500, "sync took %lld ms", (long long)ms);
	kill_holder(holder);
	/* The holder gone, both finish normally; sync sweeps a killed writer's leftover. */
	stale_temp_file("state/users/.tmp.00000000000000aa");
	ck_assert_int_eq(run_admin("unlock", "alice", &ms, err, sizeof(err)), 0);
	ck_assert_int_eq(run_admin("sync", "--progress", &ms, err, sizeof(err)), 0);
	ck_assert(!pt_exists("state/users/.tmp.00000000000000aa"));
}
END_TEST

/* ---- invariant 2: a stale LOCKED stays locked -------------------------------- */

START_TEST(inv2_stale_cloud_lock_with_failing_refresh_is_refused)
{
	pt_cloud_says("alice", "locked");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_PERM_DENIED);
	/* Frontegg stops answering; the cached LOCKED goes stale. */
	ck_assert_int_eq(unlink(pt_path("cloud/alice")), 0);
	pt_clock_set(T0 + 61);
	ck_assert_int_eq(pt_call1("alice", PT_PREAUTH, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_PERM_DENIED);
	ck_assert_int_ne(pt_run("ok", "alice", true, true, 0).acct, PAM_SUCCESS);
	/* A fresh answer that says unlocked lets alice in. */
	pt_cloud_says("alice", "unlocked");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_SUCCESS);
}
END_TEST

/* ---- invariant 11: the host side never fails open ------------------------------ */

/* Fills every free descriptor below the highest open one; returns the highest. */
static int fill_fd_holes(void)
{
	int hi = 2, fd;

	for (fd = 3; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			hi = fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0 && fd < hi)
		;
	if (fd > hi)
		hi = fd; /* keep it: the next one is the only free descriptor left */
	return hi;
}

static int refuse_conv(int n, const struct pam_message **msg, struct pam_response **resp,
		       void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

/*
 * One login of user through service in a child whose RLIMIT_NOFILE leaves
 * one descriptor free once the handle is started: enough for the
 * configuration file, not for the store (its directory, users/ and the
 * record at once), unless the module raises the limit itself.
 */
static struct pt_stack login_without_fds(const char *service, const char *user)
{
	struct pt_stack r = { -1, -1 };
	int pipefd[2], st;
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		struct pam_conv c = { refuse_conv, NULL };
		pam_handle_t *ph = NULL;
		struct rlimit rl;

		close(pipefd[0]);
		if (pam_start(service, user, &c, &ph) != PAM_SUCCESS)
			_exit(90);
		rl.rlim_cur = rl.rlim_max = (rlim_t)fill_fd_holes() + 2;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			_exit(91);
		r.auth = pam_authenticate(ph, 0);
		r.acct = pam_acct_mgmt(ph, 0);
		if (write(pipefd[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(92);
		pam_end(ph, r.acct);
		_exit(0);
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], &r, sizeof(r)), (ssize_t)sizeof(r));
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return r;
}

START_TEST(inv11_admin_lock_holds_without_free_descriptors)
{
	struct pt_stack r;
	char err[2048];
	int64_t ms;

	ck_assert_int_eq(run_admin("lock", "alice", &ms, err, sizeof(err)), 0);
	pt_cloud_says("alice", "unlocked");
	r = login_without_fds("ok", "alice");
	ck_assert_msg(r.auth != PAM_SUCCESS && r.acct != PAM_SUCCESS,
		      "alice got in: auth %d acct %d", r.auth, r.acct);
	/* root is the break-glass: an unreadable store never refuses it. */
	r = login_without_fds("ok", "root");
	ck_assert_int_eq(r.auth, PAM_SUCCESS);
	ck_assert_int_eq(r.acct, PAM_SUCCESS);
}
END_TEST

/* ---- invariant 15: counted before the password, settled after ------------------ */

enum limit { KILL_AFTER_PREAUTH, FSIZE_ZERO, FSIZE_ZERO_IGNORED, NOFILE_FULL };

/*
 * The limit an attacker sets: soft and hard (`ulimit -f 0`) where root may
 * raise a hard limit again (CAP_SYS_RESOURCE), else the soft limit only
 * (`ulimit -S -f 0`): without that capability a hard limit is beyond the
 * module too, and then it refuses (invariant 11) rather than count.
 */
/* Whether this process has CAP_SYS_RESOURCE (bit 24 of CapEff). */
static bool may_raise_hard_limits(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long long caps = 0;
	char line[256];

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return (caps >> 24) & 1;
}

static void limit_to(int resource, rlim_t value)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) != 0)
		_exit(93);
	rl.rlim_cur = value;
	if (may_raise_hard_limits())
		rl.rlim_max = value;
	if (setrlimit(resource, &rl) != 0)
		_exit(91);
}

/*
 * One wrong password of bob in a child process the attacker controls: killed
 * between preauth and authfail, or running under `ulimit -f 0` (SIGXFSZ kills
 * or, ignored, makes writes fail), or with no descriptor to spare.
 */
static void hostile_attempt(enum limit how)
{
	struct pam_conv c = { refuse_conv, NULL };
	pam_handle_t *ph = NULL;
	int st;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* The limits come after pam_start: pam_wrapper copies the service files there. */
		if (pam_start(how == KILL_AFTER_PREAUTH ? "e-preauth" : "fail", "bob", &c, &ph) !=
		    PAM_SUCCESS)
			_exit(90);
		if (how == FSIZE_ZERO_IGNORED)
			signal(SIGXFSZ, SIG_IGN);
		if (how == FSIZE_ZERO || how == FSIZE_ZERO_IGNORED)
			limit_to(RLIMIT_FSIZE, 0);
		if (how == NOFILE_FULL)
			limit_to(RLIMIT_NOFILE, (rlim_t)fill_fd_holes() + 2);
		(void)pam_authenticate(ph, 0);
		if (how == KILL_AFTER_PREAUTH)
			raise(SIGKILL); /* the password was "checked": the outcome never recorded */
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
}

static void twenty_then_the_right_password(enum limit how)
{
	struct pf_user_state s;

	for (int i = 0; i < 20; i++)
		hostile_attempt(how);
	ck_assert_int_eq(pt_run("ok", "bob", true, true, 0).auth, PAM_AUTH_ERR);
	ck_assert(pt_state("bob", &s));
	ck_assert_msg(s.lock_since != 0, "bob is not locked");
}

START_TEST(inv15_killed_between_preauth_and_authfail)
{
	twenty_then_the_right_password(KILL_AFTER_PREAUTH);
}
END_TEST

START_TEST(inv15_file_size_limit_zero)
{
	twenty_then_the_right_password(FSIZE_ZERO);
}
END_TEST

START_TEST(inv15_file_size_limit_zero_sigxfsz_ignored)
{
	twenty_then_the_right_password(FSIZE_ZERO_IGNORED);
}
END_TEST

START_TEST(inv15_no_free_descriptor)
{
	twenty_then_the_right_password(NOFILE_FULL);
}
END_TEST

START_TEST(inv15_right_password_on_the_deny_th_try_succeeds)
{
	struct pf_user_state s;
	struct pt_stack r;

	ck_assert_int_ne(pt_run("fail", "bob", true, false, 0).auth, PAM_SUCCESS);
	ck_assert_int_ne(pt_run("fail", "bob", true, false, 0).auth, PAM_SUCCESS);
	r = pt_run("ok", "bob", true, true, 0); /* the third try of deny = 3 */
	ck_assert_int_eq(r.auth, PAM_SUCCESS);
	ck_assert_int_eq(r.acct, PAM_SUCCESS);
	/* A successful login leaves no trace: no failure, no attempt. */
	ck_assert(pt_state("bob", &s));
	ck_assert_uint_eq(s.n_fail, 0);
	ck_assert_uint_eq(s.n_attempt, 0);
	/* A wrong password settles its attempt into one failure, never two. */
	ck_assert_int_ne(pt_run("fail", "bob", true, false, 0).auth, PAM_SUCCESS);
	ck_assert(pt_state("bob", &s));
	ck_assert_uint_eq(s.n_fail, 1);
	ck_assert_uint_eq(s.n_attempt, 0);
}
END_TEST

START_TEST(inv14_host_limits_and_signals_restored)
{
	struct rlimit fsize = { 1 << 20, 1 << 20 }, nofile, after;
	sigset_t mask, now;

	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &fsize), 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &nofile), 0);
	sigemptyset(&mask);
	ck_assert_int_eq(sigprocmask(SIG_SETMASK, &mask, NULL), 0);
	ck_assert_int_ne(pt_run("fail", "bob", true, true, 0).auth, PAM_SUCCESS);
	ck_assert_int_eq(pt_run("ok", "alice", true, true, 0).auth, PAM_SUCCESS);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &after), 0);
	ck_assert(after.rlim_cur == fsize.rlim_cur && after.rlim_max == fsize.rlim_max);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &after), 0);
	ck_assert(after.rlim_cur == nofile.rlim_cur && after.rlim_max == nofile.rlim_max);
	ck_assert_int_eq(sigprocmask(SIG_SETMASK, NULL, &now), 0);
	ck_assert(!sigismember(&now, SIGXFSZ) && !sigismember(&now, SIGPIPE));
}
END_TEST

/* ---- invariant 9: a refresh for interactive logins only ------------------------- */

/* The account phase alone, as cron runs it: PAM_TTY "cron", no remote host. */
static int cron_account(const char *user)
{
	struct pam_conv c = { refuse_conv, NULL };
	pam_handle_t *ph = NULL;
	int rv;

	ck_assert_int_eq(pam_start("e-account", user, &c, &ph), PAM_SUCCESS);
	ck_assert_int_eq(pam_set_item(ph, PAM_TTY, "cron"), PAM_SUCCESS);
	rv = pam_acct_mgmt(ph, PAM_SILENT);
	pam_end(ph, rv);
	return rv == PAM_MODULE_UNKNOWN ? PAM_IGNORE : rv;
}

START_TEST(inv9_non_interactive_account_uses_the_cache)
{
	/* Never asked, stale: cron passes on the cache and asks nobody. */
	ck_assert_int_eq(cron_account("alice"), PAM_SUCCESS);
	ck_assert_uint_eq(pt_calls(NULL), 0);
	/* An interactive login refreshes and learns that alice is locked. */
	pt_cloud_says("alice", "locked");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_PERM_DENIED);
	ck_assert_uint_eq(pt_calls("refresh"), 1);
	/* Stale again: cron keeps the LOCKED without a request. */
	pt_clock_set(T0 + 600);
	ck_assert_int_eq(cron_account("alice"), PAM_PERM_DENIED);
	ck_assert_uint_eq(pt_calls("refresh"), 1);
	/* The next interactive login asks again, and an unlock is seen. */
	pt_cloud_says("alice", "unlocked");
	ck_assert_int_eq(pt_call1("alice", PT_ACCOUNT, NULL), PAM_SUCCESS);
	ck_assert_uint_eq(pt_calls("refresh"), 2);
}
END_TEST

/* ---- invariant 11: a name service that fails refuses ------------------------------ */

/* A user the module cannot track: refused in every phase, and by a whole login. */
static void refused_in_every_phase(const char *user)
{
	ck_assert_int_eq(pt_call1(user, PT_PREAUTH, NULL), PAM_AUTHINFO_UNAVAIL);
	ck_assert_int_eq(pt_call1(user, PT_AUTHFAIL, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_call1(user, PT_ACCOUNT, NULL), PAM_AUTHINFO_UNAVAIL);
	ck_assert_int_ne(pt_run("ok", user, true, true, 0).auth, PAM_SUCCESS);
}

START_TEST(inv11_nss_error_refuses)
{
	refused_in_every_phase("nss-down");
	ck_assert(pt_log_has("refused: user lookup failed (NSS error)"));
	ck_assert(!pt_log_has("nss-down"));
}
END_TEST

/* A caller's memory limit must not buy an uncounted try: out of memory is no "user unknown". */
START_TEST(inv11_out_of_memory_in_the_lookup_refuses)
{
	ck_assert_int_eq(pt_call1("nss-nomem", PT_PREAUTH, NULL), PAM_BUF_ERR);
	ck_assert_int_eq(pt_call1("nss-nomem", PT_AUTHFAIL, NULL), PAM_BUF_ERR);
	ck_assert_int_eq(pt_call1("nss-nomem", PT_ACCOUNT, NULL), PAM_BUF_ERR);
	ck_assert_int_ne(pt_run("ok", "nss-nomem", true, true, 0).auth, PAM_SUCCESS);
	ck_assert(pt_log_has("refused: out of memory looking the user up"));
	ck_assert(!pt_log_has("user unknown"));
}
END_TEST

/* ---- invariant 8: one account, one record ------------------------------------ */

START_TEST(inv8_aliases_share_one_tally_and_one_lock)
{
	ck_assert_int_eq(pt_call1("ALICE", PT_AUTHFAIL, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_call1("alice@example.test", PT_AUTHFAIL, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_run("fail", "Alice@EXAMPLE.TEST", true, false, 0).auth, PAM_AUTH_ERR);
	/* Three failures of one account: locked under every name, one record. */
	ck_assert_int_eq(pt_dir_entries("state/users"), 1);
	ck_assert(pt_exists("state/users/alice"));
	ck_assert(pt_log_has("host lock: user=alice until="));
	ck_assert_int_eq(pt_call1("alice", PT_PREAUTH, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_call1("ALICE", PT_PREAUTH, NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(pt_call1("alice@example.test", PT_ACCOUNT, NULL), PAM_PERM_DENIED);
	ck_assert_int_eq(pt_run("ok", "ALICE", true, true, 0).auth, PAM_AUTH_ERR);
	/* root's aliases are root: exempt, and never recorded. */
	ck_assert_int_eq(pt_run("ok", "ROOT", true, true, 0).acct, PAM_SUCCESS);
	ck_assert_int_eq(pt_dir_entries("state/users"), 1);
}
END_TEST

/*
 * A name service that calls its accounts user@domain (SSSD with fully
 * qualified names) keys records by that name: its users are counted and
 * locked like any other, not refused.
 */
START_TEST(inv8_fully_qualified_names_are_keyed)
{
	ck_assert_int_eq(pt_run("ok", "frank@corp.test", true, true, 0).acct, PAM_SUCCESS);
	ck_assert_int_eq(pt_run("fail", "frank@corp.test", true, false, 0).auth, PAM_AUTH_ERR);
	ck_assert_int_eq(pt_run("fail", "frank@corp.test", true, false, 0).auth, PAM_AUTH_ERR);
	ck_assert_int_eq(pt_run("fail", "frank@corp.test", true, false, 0).auth, PAM_AUTH_ERR);
	ck_assert(pt_exists("state/users/frank@corp.test"));
	ck_assert(pt_log_has("host lock: user=frank@corp.test until="));
	ck_assert_int_eq(pt_run("ok", "frank@corp.test", true, true, 0).auth, PAM_AUTH_ERR);
	ck_assert(!pt_log_has("cannot key"));
}
END_TEST

START_TEST(inv8_resolved_name_that_cannot_be_keyed_is_refused)
{
	/* x+corp: known to NSS (pamenv.sh), not a name the store can key. */
	refused_in_every_phase("x+corp");
	ck_assert(pt_log_has("refused: uid 1005 has a name pam_frontegg cannot key"));
	ck_assert_int_eq(pt_dir_entries("state/users"), 0);
	/* Unknown names stay ignored, and are not logged. */
	ck_assert_int_eq(pt_call1("zed@example.test", PT_PREAUTH, NULL), PAM_IGNORE);
	ck_assert(!pt_log_has("zed"));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pam_hostside");
	TCase *tc = tcase_create("root");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, inv10_stopped_lock_holder_delays_only_its_user);
	tcase_add_test(tc, inv10_admin_verbs_and_sync_name_the_busy_user);
	tcase_add_test(tc, inv2_stale_cloud_lock_with_failing_refresh_is_refused);
	tcase_add_test(tc, inv11_admin_lock_holds_without_free_descriptors);
	tcase_add_test(tc, inv15_killed_between_preauth_and_authfail);
	tcase_add_test(tc, inv15_file_size_limit_zero);
	tcase_add_test(tc, inv15_file_size_limit_zero_sigxfsz_ignored);
	tcase_add_test(tc, inv15_no_free_descriptor);
	tcase_add_test(tc, inv15_right_password_on_the_deny_th_try_succeeds);
	tcase_add_test(tc, inv14_host_limits_and_signals_restored);
	tcase_add_test(tc, inv9_non_interactive_account_uses_the_cache);
	tcase_add_test(tc, inv11_nss_error_refuses);
	tcase_add_test(tc, inv11_out_of_memory_in_the_lookup_refuses);
	tcase_add_test(tc, inv8_aliases_share_one_tally_and_one_lock);
	tcase_add_test(tc, inv8_resolved_name_that_cannot_be_keyed_is_refused);
	tcase_add_test(tc, inv8_fully_qualified_names_are_keyed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	pt_require_wrapper();
	return pf_test_run(suite());
}
