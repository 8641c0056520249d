/*
 * frontegg-lockout: the administrator's command line and pam_frontegg.so's
 * network helper when the module runs as root. See frontegg-lockout(8).
 *
 * A plain root tool, not setgid: a caller whose real uid is not 0 gets one
 * line and exit 3 for every verb but the harmless ones, and may not name a
 * configuration file. Unprivileged PAM callers (screen lockers) run
 * frontegg_chkstate instead (doc/privileges.md).
 */
#include "autoconfig.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "app.h"
#include "check_config.h"
#include "pam_frontegg/username.h"
#include "sync.h"

enum verb_flags {
	V_USER = 1u << 0,     /* takes USER */
	V_OPT_USER = 1u << 1, /* USER optional */
	V_ANYONE = 1u << 2,   /* harmless: non-root callers may run it too */
	V_SECRET = 1u << 3,   /* talks to Frontegg: load the client secret */
	V_LOADS = 1u << 4,    /* loads the configuration itself (doctor reports failures) */
	V_MODULE = 1u << 5,   /* the module's verb: works host-only on an untrusted file */
};

struct verb {
	const char *name;
	int (*run)(struct app *a, int argc, char **argv);
	unsigned flags;
	const char *args;
	const char *help;
};

static const struct verb verbs[] = {
	{ "status", verb_status, V_OPT_USER, "[USER] [--json]",
	  "host failures and locks, cloud state, pending outbox entries, last sync" },
	{ "lock", verb_lock, V_USER | V_SECRET, "USER", "lock USER on this host and in Frontegg" },
	{ "unlock", verb_unlock, V_USER | V_SECRET, "USER",
	  "clear USER's host tally and unlock USER in Frontegg" },
	{ "reset-link", verb_reset_link, V_USER | V_SECRET, "USER",
	  "print a Frontegg password-reset link for USER (no e-mail is sent)" },
	{ "sync", verb_sync, V_SECRET, "[--progress] [--metrics-file PATH]",
	  "deliver the outbox, refresh cloud state, reconcile, expire host locks" },
	{ "check-config", verb_check_config, V_OPT_USER | V_LOADS | V_ANYONE, "[FILE]",
	  "strict offline check of a configuration file (exit 4 on any problem)" },
	{ "doctor", verb_doctor, V_OPT_USER | V_LOADS, "[USER]",
	  "check configuration, permissions, CA, connectivity, token (and USER's mapping)" },
	{ PF_VERB_CHECK, verb_check, V_USER | V_MODULE, "USER",
	  "module: print USER's verdict from host state and the cloud cache" },
	{ PF_VERB_REFRESH, verb_refresh, V_USER | V_SECRET, "USER",
	  "module: read USER's state from Frontegg, then print the verdict" },
	{ PF_VERB_RECORD_FAILURE, verb_record_failure, V_USER | V_MODULE, "USER",
	  "module: record a failed login (service=, rhost=, tty= lines on stdin)" },
	{ PF_VERB_RECORD_SUCCESS, verb_record_success, V_USER | V_MODULE, "USER",
	  "module: record a successful login (clears the tally unless locked)" },
	{ PF_VERB_PUSH, verb_push, V_USER | V_SECRET, "USER",
	  "module: deliver USER's queued cloud action to Frontegg" },
};

#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static void usage(FILE *out)
{
	fprintf(out, "Usage: frontegg-lockout [--conf PATH] VERB [ARGS]\n\n"
		     "Keeps host lockout (pam_frontegg.so) and Frontegg in step.\n\nVerbs:\n");
	for (size_t i = 0; i < N_VERBS; i++)
		fprintf(out, "  %-15s %-36s %s\n", verbs[i].name, verbs[i].args, verbs[i].help);
	fprintf(out, "\nOptions:\n"
		     "  --conf PATH     configuration file (default " PF_DEFAULT_CONF ")\n"
		     "  --json          status: machine-readable output\n"
		     "  --progress      sync: show progress on a terminal\n"
		     "  --reason TEXT   lock, unlock: why, for the audit trail\n"
		     "  --pam           check-config: FILE is a PAM service file; check its\n"
		     "                  pam_frontegg.so lines and the files they name\n"
		     "  --metrics-file PATH  sync: write Prometheus textfile metrics\n"
		     "  --help          this text\n"
		     "  --version       the version\n\n"
		     "Exit status: 0 ok, 1 failed, 2 usage, 3 not allowed for this caller,\n"
		     "4 configuration error, 5 state error, 6 Frontegg unreachable or refused.\n");
}

static void emit(void *ctx, int priority, const char *line)
{
	const struct app *a = ctx;

	syslog(priority, "%s", line);
	if (a->stderr_log && priority <= LOG_WARNING)
		fprintf(stderr, "frontegg-lockout: %s\n", line);
}

/* The real caller, by real uid: never trust LOGNAME/USER or the environment. */
static int identify_caller(struct app *a)
{
	struct passwd *pw;

	a->caller_root = getuid() == 0;
	/* Run by a set-uid program, act as the real uid: root's verbs need a real root. */
	if (geteuid() != getuid() && setuid(getuid()) != 0)
		return PF_EXIT_DENIED;
	pw = getpwuid(getuid());
	if (pw == NULL || strlen(pw->pw_name) > PF_USER_MAX)
		return a->caller_root ? PF_EXIT_OK : PF_EXIT_DENIED;
	snprintf(a->caller, sizeof(a->caller), "%s", pw->pw_name);
	return PF_EXIT_OK;
}

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < N_VERBS; i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

/* Takes the global options out of argv, leaving the verb and its arguments. */
static int parse_options(struct app *a, int *argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--conf") == 0 || strcmp(arg, "--metrics-file") == 0) {
			if (!a->caller_root)
				return app_fail(a, PF_EXIT_DENIED, "%s: only root may name a file",
						arg);
			if (i + 1 >= *argc)
				return app_fail(a, PF_EXIT_USAGE, "%s needs a path", arg);
			*(arg[2] == 'c' ? &a->conf_path : &a->metrics_file) = argv[++i];
		} else if (strcmp(arg, "--reason") == 0) {
			if (i + 1 >= *argc)
				return app_fail(a, PF_EXIT_USAGE, "--reason needs a text");
			a->reason = argv[++i];
		} else if (strcmp(arg, "--pam") == 0) {
			a->pam_file = true;
		} else if (strcmp(arg, "--json") == 0) {
			a->json = true;
		} else if (strcmp(arg, "--progress") == 0) {
			a->progress = true;
		} else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			exit(PF_EXIT_OK);
		} else if (strcmp(arg, "--version") == 0) {
			printf("frontegg-lockout %s\n", PACKAGE_VERSION);
			exit(PF_EXIT_OK);
		} else if (arg[0] == '-' && arg[1] != '\0') {
			return app_fail(a, PF_EXIT_USAGE, "unknown option %.40s (see --help)", arg);
		} else {
			argv[out++] = argv[i];
		}
	}
	*argc = out;
	argv[out] = NULL;
	return PF_EXIT_OK;
}

/* A caller that is not root runs only the harmless verbs (doc/privileges.md). */
static int check_caller(struct app *a, const struct verb *v)
{
	if (a->caller_root || (v->flags & V_ANYONE))
		return PF_EXIT_OK;
	return app_fail(
	    a, PF_EXIT_DENIED,
	    "%s: only root may run this (unprivileged PAM callers use frontegg_chkstate)", v->name);
}

static int check_arity(struct app *a, const struct verb *v, int argc)
{
	int args = argc - 2;
	bool ok = (v->flags & V_USER) ? args == 1 : (v->flags & V_OPT_USER) ? args <= 1 : args == 0;

	if (!ok)
		return app_fail(a, PF_EXIT_USAGE, "usage: frontegg-lockout %s %s", v->name,
				v->args);
	return PF_EXIT_OK;
}

static int run(struct app *a, int argc, char **argv)
{
	const struct verb *v;
	int rc = parse_options(a, &argc, argv);

	if (rc != PF_EXIT_OK)
		return rc;
	if (argc < 2) {
		usage(stderr);
		return PF_EXIT_USAGE;
	}
	v = find_verb(argv[1]);
	if (v == NULL)
		return app_fail(a, PF_EXIT_USAGE, "unknown verb %.40s (see --help)", argv[1]);
	rc = check_caller(a, v);
	if (rc == PF_EXIT_OK)
		rc = check_arity(a, v, argc);
	if (rc == PF_EXIT_OK && !(v->flags & V_LOADS))
		rc = app_load(a, (v->flags & V_SECRET) != 0, (v->flags & V_MODULE) != 0);
	if (rc == PF_EXIT_OK)
		rc = v->run(a, argc - 2, argv + 2);
	return rc;
}

int main(int argc, char **argv)
{
	struct app a;
	int rc;

	/* Only the name of the administrator behind sudo, for the log; then nothing. */
	const char *sudo_env = getenv("SUDO_USER");
	char sudo_user[PF_USER_MAX + 1] = "";

	if (sudo_env != NULL && pf_username_valid(sudo_env))
		snprintf(sudo_user, sizeof(sudo_user), "%s", sudo_env);
	/* First of all: nothing from the caller's environment reaches us. */
	clearenv();
	umask(077);
	memset(&a, 0, sizeof(a));
	a.log = (struct pf_logger){ emit, &a, false };
	a.stderr_log = true;
	openlog("frontegg-lockout", LOG_PID, LOG_AUTHPRIV);
	rc = identify_caller(&a);
	if (rc != PF_EXIT_OK) {
		fprintf(stderr, "frontegg-lockout: cannot identify the caller\n");
		return rc;
	}
	app_actor_init(&a, sudo_user);
	rc = run(&a, argc, argv);
	app_close(&a);
	closelog();
	return rc;
}
