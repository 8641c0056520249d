/* The PAM-test world (see pamtest_util.h). */
#include "autoconfig.h"

#include <dirent.h>

#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pam_frontegg/safe_file.h"
#include "pamtest_util.h"
#include "testutil.h"

/* ---- captured syslog: the test program's own vsyslog wins the lookup ----- */

#define LOG_LINES 256
static char log_lines[LOG_LINES][1100];
static unsigned log_n;

void vsyslog(int pri, const char *fmt, va_list ap);
void syslog(int pri, const char *fmt, ...);
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap);
void __syslog_chk(int pri, int flag, const char *fmt, ...);

void vsyslog(int pri, const char *fmt, va_list ap)
{
	(void)pri;
	if (log_n < LOG_LINES)
		vsnprintf(log_lines[log_n++], sizeof(log_lines[0]), fmt, ap);
	if (getenv("PF_TEST_VERBOSE")) {
		fprintf(stderr, "# syslog: %s\n", log_lines[log_n - 1]);
	}
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	vsyslog(pri, fmt, ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

void pt_log_clear(void)
{
	log_n = 0;
}

bool pt_log_has(const char *needle)
{
	for (unsigned i = 0; i < log_n; i++)
		if (strstr(log_lines[i], needle))
			return true;
	return false;
}

/* ---- the world ---------------------------------------------------------------- */

static const char *env_or_die(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] != '/') {
		fprintf(stderr, "# %s is not set: run through make check\n", name);
		exit(99);
	}
	return v;
}

const char *pt_work(void)
{
	return env_or_die("PF_TEST_WORK");
}

const char *pt_path(const char *rel)
{
	static char buf[4][PATH_MAX];
	static unsigned next;
	char *p = buf[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", pt_work(), rel);
	return p;
}

void pt_require_wrapper(void)
{
	void *sym = dlsym(RTLD_DEFAULT, "pam_start");
	Dl_info info;

	/* pam_start must come from pam_wrapper, or we would read /etc/pam.d. */
	if (getenv("PAM_WRAPPER") == NULL || strcmp(getenv("PAM_WRAPPER"), "1") != 0 ||
	    sym == NULL || dladdr(sym, &info) == 0 || info.dli_fname == NULL ||
	    strstr(info.dli_fname, "pam_wrapper") == NULL) {
		printf("1..0 # SKIP pam_wrapper is not active\n");
		exit(77);
	}
	env_or_die("PF_TEST_WORK");
}

static void run_cmd(const char *fmt, ...) PF_PRINTF(1, 2);

static void run_cmd(const char *fmt, ...)
{
	char cmd[3 * PATH_MAX];
	va_list ap;
	pid_t pid;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	/* Not system(): it would change SIGCHLD, which some tests watch. */
	pid = fork();
	if (pid == 0) {
		/*
		 * Without the wrappers: pam_wrapper would set itself up in every
		 * sh, rm and cp (a /tmp/pam.X directory each, few to go round),
		 * and a failed set-up exits 1 before the command runs.
		 */
		unsetenv("LD_PRELOAD");
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "command failed (%s %d): %s",
		      WIFEXITED(st) ? "exit" : "signal",
		      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), cmd);
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
	const char *path = pt_path(rel);
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

void pt_conf(const char *extra)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "# written by the PAM tests\n"
		 "state_dir = %s/state\n"
		 "helper = %s/helper/frontegg-lockout\n"
		 "chkstate = %s/helper/frontegg_chkstate\n"
		 "client_id = test-client\n"
		 "user_map_file = %s/usermap\n"
		 "deny = 3\n"
		 "fail_interval = 900\n"
		 "unlock_time = 600\n"
		 "admin_group = wheel\n"
		 "ignore_users = erin\n"
		 "cloud_cache_ttl = 60\n"
		 "timeout = 2\n"
		 "%s\n",
		 pt_work(), pt_work(), pt_work(), pt_work(), extra ? extra : "");
	write_file("pam_frontegg.conf", text, 0644);
}

/*
 * Only root can give a file away. A normal user's run (uid_wrapper standing
 * in for root) keeps its own files, which its test builds trust instead.
 */
static void give(const char *path, uid_t owner, gid_t group)
{
	if (pf_trusted_owner == 0)
		ck_assert_int_eq(chown(path, owner, group), 0);
}

void pt_helper_perms(uid_t owner, gid_t group, mode_t mode)
{
	const char *helper = pt_path("helper/frontegg-lockout");

	give(helper, owner, group);
	ck_assert_int_eq(chmod(helper, mode), 0);
}

/*
 * The state directory as packaging makes it: root-owned, group "frontegg"
 * (here gid 1500) with setgid subdirectories, so the setgid helper can write
 * for an unprivileged caller.
 */
static void make_state_dir(void)
{
	const char *state = pt_path("state");

	ck_assert_int_eq(mkdir(state, 0750), 0);
	give(state, 0, GID_HELPER);
	ck_assert_int_eq(chmod(state, 0750), 0);
	for (int i = 0; i < 4; i++) {
		static const char *const sub[] = { "users", "locks", "claims", "outbox" };
		char rel[64];

		snprintf(rel, sizeof(rel), "state/%s", sub[i]);
		ck_assert_int_eq(mkdir(pt_path(rel), 02770), 0);
		give(pt_path(rel), 0, GID_HELPER);
		ck_assert_int_eq(chmod(pt_path(rel), 02770), 0);
	}
}

static bool running(long pid);

/* Whether a process still runs a program from dir (a detached push of the last test). */
static bool runs_from(const char *dir)
{
	char link[300], exe[PATH_MAX];
	size_t len = strlen(dir);
	struct dirent *e;
	bool found = false;
	DIR *d = opendir("/proc");

	while (d != NULL && !found && (e = readdir(d)) != NULL) {
		ssize_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(link, sizeof(link), "/proc/%s/exe", e->d_name);
		n = readlink(link, exe, sizeof(exe) - 1);
		if (n > 0 && (size_t)n > len && strncmp(exe, dir, len) == 0 && exe[len] == '/')
			found = true;
	}
	if (d != NULL)
		closedir(d);
	return found;
}

/*
 * Whether a copy of this program other than us and our parent (the test
 * runner) runs: the module's child before it execs a detached push, which
 * runs_from() cannot see yet.
 */
static bool forked_copy_runs(void)
{
	char self[PATH_MAX], link[64], exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct dirent *e;
	bool found = false;
	DIR *d = opendir("/proc");

	if (len <= 0) {
		if (d != NULL)
			closedir(d);
		return false;
	}
	self[len] = '\0';
	while (d != NULL && !found && (e = readdir(d)) != NULL) {
		long pid = strtol(e->d_name, NULL, 10);
		ssize_t n;

		if (pid <= 0 || pid == (long)getpid() || pid == (long)getppid())
			continue;
		snprintf(link, sizeof(link), "/proc/%ld/exe", pid);
		n = readlink(link, exe, sizeof(exe) - 1);
		found = n == len && memcmp(exe, self, (size_t)len) == 0 && running(pid);
	}
	if (d != NULL)
		closedir(d);
	return found;
}

/* Waits, at most 10 s, until no program of the previous test runs any more. */
static void wait_for_helpers(void)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 1000 && (runs_from(pt_path("helper")) || forked_copy_runs()); i++)
		nanosleep(&pause, NULL);
}

void pt_reset(const char *extra_conf)
{
	const char *w = pt_work();

	wait_for_helpers();
	/*
	 * A detached push of the previous test may still write into state/:
	 * move the old directories aside (rename is atomic) before removing
	 * them, so that it can never make this test's removal fail.
	 */
	run_cmd("cd '%s' && mkdir .old.$$ && "
		"for d in state helper cloud clock usermap; do "
		"if [ -e $d ]; then mv $d .old.$$/; fi; done && "
		"{ rm -rf .old.* 2>/dev/null || :; } && mkdir -m 755 helper cloud",
		w);
	/* One stand-in for both programs: it logs the name it was run by. */
	run_cmd("cp '%s' '%s/helper/frontegg-lockout'", env_or_die("PF_FAKE_HELPER"), w);
	pt_helper_perms(0, GID_HELPER, 02755);
	run_cmd("cd '%s/helper' && cp -p frontegg-lockout frontegg_chkstate", w);
	write_file("helper/calls.log", "", 0666);
	write_file("usermap", "alice alice@example.com\ncarol carol@example.com\n", 0644);
	make_state_dir();
	pt_conf(extra_conf);
	pt_log_clear();
	pt_msgs_clear();
}

void pt_clock_set(int64_t now)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld\n", (long long)now);
	write_file("clock", text, 0644);
}

void pt_helper_mode(const char *mode)
{
	write_file("helper/mode", mode, 0644);
}

void pt_cloud_says(const char *user, const char *said)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "cloud/%s", user);
	write_file(rel, said, 0644);
}

/* ---- what the helper saw ---------------------------------------------------- */

struct call {
	char verb[32], user[80];
	unsigned long ruid, euid;
	int envc, nfds;
	long pid;
	char prog[64]; /* the program's name: frontegg-lockout or frontegg_chkstate */
	int conf;      /* 1 when it was given --conf */
};

static unsigned scan_calls(const char *verb, struct call *last)
{
	FILE *f = fopen(pt_path("helper/calls.log"), "r");
	char line[512];
	unsigned n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct call c;

		if (sscanf(line, "%31s %79s %lu %lu %d %d %ld %63s %d", c.verb, c.user, &c.ruid,
			   &c.euid, &c.envc, &c.nfds, &c.pid, c.prog, &c.conf) != 9)
			continue;
		if (verb && strcmp(verb, c.verb) != 0)
			continue;
		n++;
		if (last)
			*last = c;
	}
	fclose(f);
	return n;
}

unsigned pt_calls(const char *verb)
{
	return scan_calls(verb, NULL);
}

bool pt_last_call(const char *verb, unsigned long *ruid, int *envc, int *nfds, long *pid)
{
	struct call c;

	if (scan_calls(verb, &c) == 0)
		return false;
	*ruid = c.ruid;
	*envc = c.envc;
	*nfds = c.nfds;
	*pid = c.pid;
	return true;
}

bool pt_last_call_prog(const char *verb, char *prog, size_t size, int *conf)
{
	struct call c;

	if (scan_calls(verb, &c) == 0)
		return false;
	snprintf(prog, size, "%s", c.prog);
	*conf = c.conf;
	return true;
}

int64_t pt_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool pt_wait_calls(const char *verb, unsigned n, int timeout_ms)
{
	int64_t end = pt_mono_ms() + timeout_ms;

	/* The detached push reports through the log: wait for that event, bounded. */
	while (pt_calls(verb) < n) {
		struct timespec nap = { 0, 5 * 1000 * 1000 };

		if (pt_mono_ms() > end)
			return false;
		nanosleep(&nap, NULL);
	}
	return true;
}

/* True while pid runs (a zombie has finished: its parent may be slow to reap). */
static bool running(long pid)
{
	char path[64], state = 'Z';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 'Z';
	fclose(f);
	return state != 'Z' && state != 'X';
}

bool pt_wait_exit(long pid, int timeout_ms)
{
	int64_t end = pt_mono_ms() + timeout_ms;

	/* A detached helper finishes on its own time: wait for it, bounded. */
	while (running(pid)) {
		struct timespec nap = { 0, 5 * 1000 * 1000 };

		if (pt_mono_ms() > end)
			return false;
		nanosleep(&nap, NULL);
	}
	return true;
}

static void quiet(void *ctx, int prio, const char *line)
{
	(void)ctx;
	(void)prio;
	(void)line;
}

bool pt_state(const char *user, struct pf_user_state *out)
{
	struct pf_logger log = { quiet, NULL, false };
	struct pf_store st;
	bool ok;

	if (pf_store_open(&st, pt_path("state"), 0, &log) != PF_OK)
		return false;
	/* Records written by the helper for a user are owned by that user. */
	ok = pf_store_read(&st, user, (uid_t)UID_ALICE, out) == PF_OK ||
	     pf_store_read(&st, user, (uid_t)UID_BOB, out) == PF_OK;
	pf_store_close(&st);
	return ok;
}

bool pt_exists(const char *rel)
{
	struct stat sb;

	return lstat(pt_path(rel), &sb) == 0;
}

int pt_dir_entries(const char *rel)
{
	DIR *d = opendir(pt_path(rel));
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* ---- conversation ------------------------------------------------------------ */

static char msgs[2048];
static unsigned msgs_n;

void pt_msgs_clear(void)
{
	msgs[0] = '\0';
	msgs_n = 0;
}

bool pt_msgs_has(const char *needle)
{
	return strstr(msgs, needle) != NULL;
}

unsigned pt_msgs_count(void)
{
	return msgs_n;
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_ERROR_MSG || msg[i]->msg_style == PAM_TEXT_INFO) {
			size_t used = strlen(msgs);
			snprintf(msgs + used, sizeof(msgs) - used, "%s\n", msg[i]->msg);
			msgs_n++;
		} else {
			r[i].resp = strdup("secret"); /* a password prompt */
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* ---- running PAM ---------------------------------------------------------------- */

static pam_handle_t *start(const char *service, const char *user)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *ph = NULL;

	ck_assert_int_eq(pam_start(service, user, &c, &ph), PAM_SUCCESS);
	ck_assert_int_eq(pam_set_item(ph, PAM_RHOST, "203.0.113.7"), PAM_SUCCESS);
	ck_assert_int_eq(pam_set_item(ph, PAM_TTY, "pts/3"), PAM_SUCCESS);
	return ph;
}

int64_t pt_last_ms;

struct pt_stack pt_run(const char *service, const char *user, bool auth, bool acct, int flags)
{
	struct pt_stack r = { -1, -1 };
	pam_handle_t *ph = start(service, user);
	int64_t t0 = pt_mono_ms();

	if (auth)
		r.auth = pam_authenticate(ph, flags);
	if (acct)
		r.acct = pam_acct_mgmt(ph, flags);
	pt_last_ms = pt_mono_ms() - t0;
	pam_end(ph, acct ? r.acct : r.auth);
	return r;
}

int pt_call_flags(const char *user, enum pt_entry e, const char *variant, int flags)
{
	static const char *const names[] = { "preauth", "authfail", "authsucc", "account" };
	char service[64];
	struct pt_stack r;

	snprintf(service, sizeof(service), "e-%s%s%s", names[e], variant ? "-" : "",
		 variant ? variant : "");
	r = pt_run(service, user, e != PT_ACCOUNT, e == PT_ACCOUNT, flags);
	r.auth = e == PT_ACCOUNT ? r.acct : r.auth;
	/* pam_debug's answer after an ignored line (see entry() in pamenv.sh). */
	return r.auth == PAM_MODULE_UNKNOWN ? PAM_IGNORE : r.auth;
}

int pt_call1(const char *user, enum pt_entry e, const char *variant)
{
	return pt_call_flags(user, e, variant, 0);
}

bool pt_as_user(uid_t uid, gid_t gid, void (*fn)(int *out, void *arg), void *arg, int out[16])
{
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int st;

	ck_assert_ptr_ne(shared, MAP_FAILED);
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
			_exit(98);
		fn(shared, arg);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	memcpy(out, shared, 16 * sizeof(int));
	munmap(shared, 4096);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
