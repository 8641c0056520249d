/*
 * frontegg_chkstate: the lockout operations an unprivileged PAM caller
 * needs, done for that caller's own account. See frontegg_chkstate(8).
 *
 * Installed setgid to the helper group, like unix_chkpwd: it takes no
 * option and no path, reads only the compiled-in configuration, and accepts
 * a user name only to check that it is the caller's own.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "chkstate.h"
#include "pam_frontegg/safe_file.h"

#define PROG "frontegg_chkstate"

enum verb_kind { V_CHECK, V_FAILURE, V_SUCCESS, V_STATUS };

static const struct {
	const char *name;
	enum verb_kind kind;
} verbs[] = {
	{ PF_VERB_CHECK, V_CHECK },
	{ PF_VERB_RECORD_FAILURE, V_FAILURE },
	{ PF_VERB_RECORD_SUCCESS, V_SUCCESS },
	{ "status", V_STATUS },
};

int chk_fail(int code, const char *text)
{
	/* Fixed texts only: nothing about files or other users reaches the caller. */
	fprintf(stderr, PROG ": %s\n", text);
	return code;
}

static void to_syslog(void *ctx, int priority, const char *line)
{
	(void)ctx;
	syslog(priority, "%s", line);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " VERB [USER]\n\n"
		"The lockout state of your own account, for pam_frontegg.so run by a\n"
		"program that is not root. USER must be your own login name.\n\n"
		"  check USER           allow | host-locked UNTIL | cloud-locked | cloud-stale\n"
		"  record-failure USER  stdin: service=, rhost=, tty= lines\n"
		"  record-success USER  cleared | locked\n"
		"  status [USER]        your failures and locks, readable\n\n"
		"Configuration: " PF_DEFAULT_CONF " (fixed). Administrators use\n"
		"frontegg-lockout(8).\n\n"
		"Exit status: 0 ok, 1 failed, 2 usage, 3 not allowed for this caller,\n"
		"4 configuration error, 5 state error.\n");
}

static int find_verb(const char *name, enum verb_kind *kind)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, name) == 0) {
			*kind = verbs[i].kind;
			return PF_EXIT_OK;
		}
	return chk_fail(PF_EXIT_DENIED,
			"not something " PROG " does (administrators use frontegg-lockout)");
}

/* Options are refused outright: the caller chooses no file and no mode. */
static int parse(int argc, char **argv, enum verb_kind *kind, const char **user)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(PF_EXIT_OK);
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf(PROG " %s\n", PACKAGE_VERSION);
			exit(PF_EXIT_OK);
		}
		if (argv[i][0] == '-')
			return chk_fail(PF_EXIT_DENIED,
					"takes no options: the configuration is " PF_DEFAULT_CONF);
	}
	if (argc < 2 || argc > 3) {
		usage(stderr);
		return PF_EXIT_USAGE;
	}
	if (find_verb(argv[1], kind) != PF_EXIT_OK)
		return PF_EXIT_DENIED;
	*user = argc == 3 ? argv[2] : NULL;
	if (*user == NULL && *kind != V_STATUS)
		return chk_fail(PF_EXIT_USAGE, "usage: " PROG " VERB USER (see --help)");
	return PF_EXIT_OK;
}

/* The failure event, read before any lock is taken: a slow writer delays only itself. */
static int read_event(char **text, size_t *len)
{
	if (pf_read_fd(STDIN_FILENO, PF_EVENT_MAX, text, len) != PF_OK)
		return chk_fail(PF_EXIT_USAGE, "record-failure: bad event on stdin");
	return PF_EXIT_OK;
}

static int dispatch(struct chk *c, enum verb_kind kind, const char *event, size_t len)
{
	switch (kind) {
	case V_CHECK:
		return chk_check(c);
	case V_FAILURE:
		return chk_record_failure(c, event, len);
	case V_SUCCESS:
		return chk_record_success(c);
	case V_STATUS:
		return chk_status(c);
	}
	return PF_EXIT_USAGE;
}

static int run(struct chk *c, int argc, char **argv)
{
	enum verb_kind kind = V_STATUS;
	const char *user = NULL;
	char *event = NULL;
	size_t len = 0;
	int rc = parse(argc, argv, &kind, &user);

	if (rc == PF_EXIT_OK)
		rc = chk_identify(c) == PF_EXIT_OK
			 ? PF_EXIT_OK
			 : chk_fail(PF_EXIT_DENIED, "cannot identify you");
	if (rc == PF_EXIT_OK && user != NULL)
		rc = chk_own_account(c, user);
	if (rc == PF_EXIT_OK && kind == V_FAILURE)
		rc = read_event(&event, &len);
	if (rc == PF_EXIT_OK)
		rc = chk_open(c);
	if (rc == PF_EXIT_OK)
		rc = dispatch(c, kind, event, len);
	free(event);
	return rc;
}

#ifdef PF_SANITIZERS
/*
 * LeakSanitizer cannot inspect a setgid (non-dumpable) process and aborts
 * the run; leaks are checked in the runs without the setgid bit.
 */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
	return getegid() != getgid();
}
#endif

int main(int argc, char **argv)
{
	struct chk c;
	int rc;

	/* Nothing from the caller's environment, descriptors, mask or limits steers us. */
	clearenv();
	umask(077);
	if (!chk_sane_fds())
		return PF_EXIT_FAILURE;
	chk_shield();
	memset(&c, 0, sizeof(c));
	c.log = (struct pf_logger){ to_syslog, NULL, false };
	openlog(PROG, LOG_PID, LOG_AUTHPRIV);
	rc = run(&c, argc, argv);
	chk_close(&c);
	closelog();
	return rc;
}
