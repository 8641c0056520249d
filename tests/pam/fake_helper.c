/*
 * A stand-in for frontegg-lockout and frontegg_chkstate in the PAM tests.
 * Installed by the tests as DIR/helper/frontegg-lockout and named by both
 * the `helper` and the `chkstate` settings, it finds its world beside itself:
 *
 *   DIR/helper/mode       how to behave: good (default), hang, hang-quiet,
 *                         segv, garbage, long, exit1, stderr-flood, slow-push
 *   DIR/helper/calls.log  one line per call: verb user ruid euid envc nfds pid
 *                         prog conf (the name run by, 1 when given --conf)
 *   DIR/pam_frontegg.conf the configuration (unless --conf is given)
 *   DIR/passwd            the nss_wrapper passwd file, for uids
 *   DIR/cloud/USER        what "Frontegg" says on refresh: locked|unlocked|absent
 *   DIR/clock             the injected time (seconds), when present
 *
 * "good" implements the machine verbs of protocol.h on the real state store
 * through lib/, with the privilege rules of frontegg_chkstate
 * (doc/privileges.md): an unprivileged caller may act only for its own
 * account and may not refresh or push.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pam_frontegg/config.h"
#include "pam_frontegg/lockout.h"
#include "pam_frontegg/protocol.h"
#include "pam_frontegg/usermap.h"
#include "pam_frontegg/username.h"

extern char **environ;

/*
 * In the sanitizer build: LeakSanitizer cannot work in a setgid process
 * (it may not ptrace itself), and the module gives us no environment to
 * say so. ASan reads this hook instead; other builds ignore it.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

struct world {
	char dir[PATH_MAX];    /* DIR */
	char helper[PATH_MAX]; /* DIR/helper */
	const char *conf;
	const char *verb;
	const char *user;
	const char *prog; /* argv[0]'s last component */
};

static void to_stderr(void *ctx, int prio, const char *line)
{
	(void)ctx;
	(void)prio;
	fprintf(stderr, "%s\n", line);
}

static const struct pf_logger logger = { to_stderr, NULL, false };

static void find_world(struct world *w)
{
	ssize_t n = readlink("/proc/self/exe", w->helper, sizeof(w->helper) - 1);
	char *slash;

	if (n <= 0)
		exit(PF_EXIT_FAILURE);
	w->helper[n] = '\0';
	*strrchr(w->helper, '/') = '\0';
	snprintf(w->dir, sizeof(w->dir), "%s", w->helper);
	slash = strrchr(w->dir, '/');
	*slash = '\0';
}

static bool read_small(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX + 64];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	ok = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

static void log_call(const struct world *w)
{
	char path[PATH_MAX + 16];
	int envc = 0, nfds = count_fds();
	FILE *f;

	while (environ && environ[envc])
		envc++;
	/* Started again under uid_wrapper (tests/lib/as_admin.c): what the module gave. */
	if (getenv("PF_TEST_GIVEN_ENVC") != NULL)
		envc = atoi(getenv("PF_TEST_GIVEN_ENVC"));
	snprintf(path, sizeof(path), "%s/calls.log", w->helper);
	f = fopen(path, "a");
	if (f == NULL)
		return;
	fprintf(f, "%s %s %lu %lu %d %d %ld %s %d\n", w->verb, w->user, (unsigned long)getuid(),
		(unsigned long)geteuid(), envc, nfds, (long)getpid(), w->prog, w->conf != NULL);
	fclose(f);
}

static void parse_args(struct world *w, int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	int i = 1;

	w->prog = slash != NULL ? slash + 1 : argv[0];
	if (argc > 2 && strcmp(argv[1], "--conf") == 0) {
		w->conf = argv[2];
		i = 3;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: frontegg-lockout [--conf PATH] VERB USER\n");
		exit(PF_EXIT_USAGE);
	}
	w->verb = argv[i];
	w->user = argv[i + 1];
}

/* ---- the misbehaviours ---------------------------------------------------- */

static void hang(void)
{
	for (;;)
		pause();
}

static void misbehave(const char *mode, const char *verb)
{
	static char big[64 * 1024];

	if (strcmp(mode, "hang") == 0)
		hang();
	if (strcmp(mode, "hang-quiet") == 0) {
		/* EOF on both pipes at once, then no exit. */
		close(1);
		close(2);
		hang();
	}
	if (strcmp(mode, "segv") == 0) {
		signal(SIGSEGV, SIG_DFL); /* a sanitizer's handler would turn it into exit 1 */
		raise(SIGSEGV);
	}
	if (strcmp(mode, "garbage") == 0) {
		fputs("\x1b[31mhello\x01 there\n", stdout);
		exit(0);
	}
	if (strcmp(mode, "long") == 0) {
		memset(big, 'a', sizeof(big) - 1);
		fputs(big, stdout);
		exit(0);
	}
	if (strcmp(mode, "exit1") == 0) {
		fprintf(stderr, "frontegg-lockout: state directory is unsafe\n");
		exit(PF_EXIT_STATE);
	}
	if (strcmp(mode, "stderr-flood") == 0) {
		/* More than a pipe holds: the caller must drain stderr. */
		memset(big, 'e', sizeof(big) - 1);
		for (int i = 0; i < 4; i++)
			fputs(big, stderr);
	}
	if (strcmp(mode, "slow-push") == 0 && strcmp(verb, PF_VERB_PUSH) == 0)
		sleep(2);
}

/* ---- the good behaviour ------------------------------------------------------ */

static int64_t now_of(const struct world *w)
{
	char buf[32];

	if (read_small(w->dir, "clock", buf, sizeof(buf)))
		return strtoll(buf, NULL, 10);
	return pf_now();
}

/* The user's uid from DIR/passwd (this process runs with no nss_wrapper). */
static bool uid_of(const struct world *w, const char *user, uid_t *uid)
{
	char path[PATH_MAX + 16], line[512];
	size_t len = strlen(user);
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/passwd", w->dir);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, user, len) == 0 && line[len] == ':') {
			char *p = strchr(line + len + 1, ':');
			*uid = (uid_t)strtoul(p + 1, NULL, 10);
			found = true;
		}
	fclose(f);
	return found;
}

static bool allowed(const struct world *w, uid_t target)
{
	if (getuid() == 0)
		return true;
	if (strcmp(w->verb, PF_VERB_REFRESH) == 0 || strcmp(w->verb, PF_VERB_PUSH) == 0)
		return false;
	return target == getuid();
}

static int do_check(const struct pf_lockout *lo, bool cloud, int64_t now)
{
	struct pf_check c;
	char buf[PF_REPLY_MAX];

	if (pf_lockout_check(lo, now, cloud, &c) != PF_OK)
		c.verdict = PF_VERDICT_ERROR;
	pf_reply_check_format(&c, buf, sizeof(buf));
	fputs(buf, stdout);
	return PF_EXIT_OK;
}

static int do_refresh(const struct world *w, const struct pf_lockout *lo, int64_t now)
{
	char said[32], name[PF_USER_MAX + 8];
	struct pf_cloud_answer ans = { PF_CLOUD_UNKNOWN, NULL, NULL };
	bool cleared;

	snprintf(name, sizeof(name), "cloud/%s", lo->user);
	if (!read_small(w->dir, name, said, sizeof(said))) {
		fprintf(stderr, "frontegg-lockout: Frontegg unreachable\n");
		return PF_EXIT_CLOUD;
	}
	ans.seen = strcmp(said, "locked") == 0     ? PF_CLOUD_LOCKED
		   : strcmp(said, "unlocked") == 0 ? PF_CLOUD_UNLOCKED
						   : PF_CLOUD_ABSENT;
	if (pf_lockout_apply_cloud(lo, &ans, now, &cleared) != PF_OK)
		return PF_EXIT_STATE;
	return do_check(lo, true, now);
}

static int do_failure(const struct pf_lockout *lo, int64_t now)
{
	char in[PF_EVENT_MAX + 1], buf[PF_REPLY_MAX];
	size_t len = fread(in, 1, sizeof(in), stdin);
	struct pf_failure_result r;
	struct pf_failure f;
	struct pf_auth_event ev;

	if (pf_event_parse(in, len, &f) != PF_OK)
		return PF_EXIT_USAGE;
	ev = (struct pf_auth_event){ f.service, f.rhost, f.tty, now };
	if (pf_lockout_record_failure(lo, &ev, &r) != PF_OK)
		return PF_EXIT_STATE;
	pf_reply_failure_format(&r, buf, sizeof(buf));
	fputs(buf, stdout);
	return PF_EXIT_OK;
}

static int do_success(const struct pf_lockout *lo, int64_t now)
{
	enum pf_rc rc = pf_lockout_record_success(lo, now);

	if (rc != PF_OK && rc != PF_ERR_BUSY)
		return PF_EXIT_STATE;
	fputs(rc == PF_OK ? PF_REPLY_CLEARED : PF_REPLY_LOCKED, stdout);
	return PF_EXIT_OK;
}

static int serve(const struct world *w, const struct pf_config *cfg, struct pf_store *st)
{
	struct pf_lockout lo = { cfg, st, w->user, (uid_t)-1, false, &logger };
	struct pf_identity id;
	int64_t now = now_of(w);
	bool cloud;

	if (!pf_username_valid(w->user) || !uid_of(w, w->user, &lo.uid))
		return PF_EXIT_USAGE;
	if (!allowed(w, lo.uid)) {
		fprintf(stderr, "frontegg-lockout: not allowed for this caller\n");
		return PF_EXIT_DENIED;
	}
	lo.root_like = lo.uid == 0;
	cloud = pf_config_cloud_configured(cfg) && cfg->cloud_check &&
		pf_map_user(cfg, w->user, &id, &logger) == PF_OK;
	if (strcmp(w->verb, PF_VERB_CHECK) == 0)
		return do_check(&lo, cloud, now);
	if (strcmp(w->verb, PF_VERB_REFRESH) == 0)
		return do_refresh(w, &lo, now);
	if (strcmp(w->verb, PF_VERB_RECORD_FAILURE) == 0)
		return do_failure(&lo, now);
	if (strcmp(w->verb, PF_VERB_RECORD_SUCCESS) == 0)
		return do_success(&lo, now);
	if (strcmp(w->verb, PF_VERB_PUSH) == 0)
		return fputs("pushed\n", stdout), PF_EXIT_OK;
	return PF_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct world w = { .conf = NULL };
	char mode[64] = "good", confarg[2 * PATH_MAX];
	const char *args[1];
	struct pf_config cfg;
	struct pf_store st;
	int rc;

	find_world(&w);
	parse_args(&w, argc, argv);
	log_call(&w);
	read_small(w.helper, "mode", mode, sizeof(mode));
	misbehave(mode, w.verb);
	snprintf(confarg, sizeof(confarg), "conf=%s%s", w.conf ? "" : w.dir,
		 w.conf ? w.conf : "/pam_frontegg.conf");
	args[0] = confarg;
	if (pf_config_load(&cfg, 1, args, 0, &logger) != PF_OK)
		return PF_EXIT_CONFIG;
	if (pf_store_open(&st, cfg.state_dir, getuid() == 0 ? PF_STORE_CREATE : 0, &logger) !=
	    PF_OK) {
		pf_config_free(&cfg);
		return PF_EXIT_STATE;
	}
	rc = serve(&w, &cfg, &st);
	pf_store_close(&st);
	pf_config_free(&cfg);
	return rc;
}
