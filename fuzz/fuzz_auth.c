/*
 * fuzz_auth: pam_frontegg.so's entry points, pam_sm_authenticate (preauth,
 * authfail, authsucc) and pam_sm_acct_mgmt, called in process on a PAM
 * handle stand-in (pam_standin.c) with fuzzed module arguments, user name,
 * items, flags and conversation, up to four calls sharing one handle as a
 * login's phases do.
 *
 * The module reads a fixed configuration in a private directory made at
 * start-up (its state directory, emptied before every input so an input
 * replays alike, and a user map); the helper and checker paths name nothing,
 * so no program runs and nothing goes to the network. Arguments that name
 * a path are dropped: the module must never be pointed outside that
 * directory. Running as root takes the direct (state store) path, as
 * anyone else the unprivileged one.
 *
 * Input: byte 0 set-up bits, byte 1 the calls (2 bits each), byte 2 their
 * number and a known-user index, then lines: user, rhost, tty, ruser,
 * module arguments.
 *
 * Invariants: every return value is one of the table at the top of
 * pam_module/pam_frontegg.c, authfail never returns PAM_SUCCESS, a
 * PAM_CONV_AGAIN from pam_get_user comes back as PAM_INCOMPLETE, every
 * syslog line and conversation message is printable, and no descriptor or
 * allocation outlives pam_end (LeakSanitizer).
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <security/pam_modules.h>

#include "fuzz_util.h"
#include "pam_frontegg/safe_file.h"
#include "pam_standin.h"

#define MAX_ARGS  16
#define MAX_CALLS 4

enum call { CALL_PREAUTH, CALL_AUTHFAIL, CALL_AUTHSUCC, CALL_ACCOUNT };

static char dir[320], state[352], conf[352], conf_arg[384];

/* Real accounts on any Linux host: root-like, system, and the overflow id. */
static const char *const known_users[] = { "root", "daemon", "bin", "nobody" };

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
	chmod(path, 0644);
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_dir(void)
{
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char text[2048], map[352];

	(void)argc;
	(void)argv;
	/* Our own files are the trusted ones (root's when run as root). */
	pf_trusted_owner = geteuid();
	if (tmp == NULL || tmp[0] != '/' || strlen(tmp) > 256)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz_auth.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0)
		abort();
	atexit(remove_dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(conf, sizeof(conf), "%s/pam_frontegg.conf", dir);
	snprintf(conf_arg, sizeof(conf_arg), "conf=%s", conf);
	snprintf(map, sizeof(map), "%s/usermap", dir);
	write_file(map, "daemon daemon-owner@example.com\nnobody nobody@example.com\n");
	snprintf(text, sizeof(text),
		 "state_dir = %s\n"
		 "helper = /nonexistent/frontegg-lockout\n"
		 "chkstate = /nonexistent/frontegg_chkstate\n"
		 "client_id = fuzz-client\n"
		 "user_map_file = %s\n"
		 "user_email = %%u@example.com\n"
		 "deny = 2\n"
		 "unlock_time = 600\n"
		 "timeout = 0.1\n",
		 state, map);
	write_file(conf, text);
	return 0;
}

/* Every input starts from an empty state directory, as a fresh host. */
static void fresh_state(void)
{
	nftw(state, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	if (mkdir(state, 0700) != 0)
		abort();
}

/* The lowest free descriptor: equal before and after, or something leaked. */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		abort();
	close(fd);
	return fd;
}

/* The next line of the input (a NUL-terminated copy), or NULL at the end. */
static char *next_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl;
	char *line;

	if (*p >= end)
		return NULL;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (nl == NULL)
		nl = end;
	line = fz_cstr(*p, (size_t)(nl - *p));
	*p = nl < end ? nl + 1 : end;
	return line;
}

/* Splits the arguments line; a word naming a path (any '/') is dropped. */
static int split_args(char *line, const char **argv, int max)
{
	int n = 0;

	for (char *save = NULL, *w = line ? strtok_r(line, " \t", &save) : NULL;
	     w != NULL && n < max; w = strtok_r(NULL, " \t", &save))
		if (strchr(w, '/') == NULL)
			argv[n++] = w;
	return n;
}

static bool documented(int rv)
{
	switch (rv) {
	case PAM_SUCCESS:
	case PAM_IGNORE:
	case PAM_AUTH_ERR:
	case PAM_PERM_DENIED:
	case PAM_SERVICE_ERR:
	case PAM_AUTHINFO_UNAVAIL:
	case PAM_BUF_ERR:
	case PAM_INCOMPLETE: /* pam_get_user's PAM_CONV_AGAIN */
	case PAM_CONV_ERR:   /* pam_get_user's own codes */
	case PAM_SYSTEM_ERR:
		return true;
	default:
		return false;
	}
}

static int call(pam_handle_t *pamh, enum call c, int flags, int n, const char **extra)
{
	static const char *const mode[] = { "preauth", "authfail", "authsucc", NULL };
	const char *argv[MAX_ARGS + 2];
	int argc = 0;

	argv[argc++] = conf_arg;
	if (mode[c] != NULL)
		argv[argc++] = mode[c];
	for (int i = 0; i < n; i++)
		argv[argc++] = extra[i];
	return c == CALL_ACCOUNT ? pam_sm_acct_mgmt(pamh, flags, argc, argv)
				 : pam_sm_authenticate(pamh, flags, argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + 3, *end = data + size;
	char *user, *rhost, *tty, *ruser, *args;
	const char *extra[MAX_ARGS];
	uint8_t setup, calls, count;
	pam_handle_t *pamh;
	int fd0, n, rv = PAM_SUCCESS;

	if (size < 3)
		return 0;
	setup = data[0];
	calls = data[1];
	count = data[2];
	user = next_line(&p, end);
	rhost = next_line(&p, end);
	tty = next_line(&p, end);
	ruser = next_line(&p, end);
	args = next_line(&p, end);
	n = split_args(args, extra, MAX_ARGS);

	fresh_state();
	fd0 = lowest_free_fd();
	{
		const char *name = (setup & 0x80) ? known_users[(count >> 2) % 4] : user;
		enum fz_conv_mode conv = (enum fz_conv_mode)((setup >> 2) & 3);

		pamh = fz_pam_start("fuzz", (setup & 0x02) ? name : NULL);
		fz_pam_conv(pamh, conv, name);
		if (setup & 0x10)
			fz_pam_set_item(pamh, PAM_RHOST, rhost);
		if (setup & 0x20)
			fz_pam_set_item(pamh, PAM_TTY, tty);
		if (setup & 0x40)
			fz_pam_set_item(pamh, PAM_RUSER, ruser);
		for (int i = 0; i <= (count & 3); i++) {
			enum call c = (enum call)((calls >> (2 * i)) & 3);

			rv = call(pamh, c, (setup & 0x01) ? PAM_SILENT : 0, n, extra);
			FZ_CHECK(documented(rv));
			FZ_CHECK(c != CALL_AUTHFAIL || rv != PAM_SUCCESS);
			if (!(setup & 0x02) && conv == FZ_CONV_AGAIN && i == 0)
				FZ_CHECK(rv == PAM_INCOMPLETE || rv == PAM_SERVICE_ERR ||
					 rv == PAM_IGNORE);
		}
		fz_pam_end(pamh, rv);
	}
	FZ_CHECK(lowest_free_fd() == fd0);
	free(user);
	free(rhost);
	free(tty);
	free(ruser);
	free(args);
	return 0;
}
