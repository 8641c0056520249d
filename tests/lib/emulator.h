/*
 * Test fixture: the Frontegg emulator (tests/emulator/frontegg_emulator/)
 * as a child process in a fresh temporary directory, plus its control API
 * (plain HTTP on 127.0.0.1, driven through libcurl with proxies disabled).
 *
 * Start once per test program; reset between tests with pf_emu_reset().
 */
#ifndef PF_TEST_EMULATOR_H
#define PF_TEST_EMULATOR_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

/* Exit status that makes the TAP driver report the program as skipped. */
#define PF_EMU_SKIP 77

struct pf_emu {
	pid_t pid;
	char *dir; /* the emulator's directory (certificates, port files, log) */
	unsigned port;
	unsigned control_port;
	char api_url[64];       /* https://127.0.0.1:PORT */
	char ca_file[PATH_MAX]; /* the CA that signed the server certificate */
	char other_ca_file[PATH_MAX];
};

/*
 * Starts the emulator (extra_args: more command-line arguments, NULL-terminated,
 * may be NULL) and waits until it has written its port files. Returns 0,
 * PF_EMU_SKIP when python3 or openssl is missing, or -1 (reason on stderr).
 */
int pf_emu_start(struct pf_emu *e, const char *const *extra_args);
/* SIGTERM, a bounded wait, SIGKILL; removes the directory. */
void pf_emu_stop(struct pf_emu *e);

/*
 * One control call: method, path ("/counters"), optional JSON body. Returns
 * the HTTP status (0 when the control port did not answer); *out, when
 * non-NULL, receives the body (heap, free it).
 */
long pf_emu_call(struct pf_emu *e, const char *method, const char *path, const char *json,
		 char **out);
/* Same with a printf-style body; true when the answer is 200. */
bool pf_emu_ok(struct pf_emu *e, const char *method, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * From GET /counters: "total", "connections", "tls_handshakes", or a request
 * kind ("token", "get_user", "lock", ...) under "requests". -1 on failure.
 */
long pf_emu_counter(struct pf_emu *e, const char *name);
/* by_user[id][kind] from GET /counters (0 when absent, -1 on failure). */
long pf_emu_user_counter(struct pf_emu *e, const char *id, const char *kind);
/* isLocked of user id as the emulator stores it; false when it cannot tell. */
bool pf_emu_user_locked(struct pf_emu *e, const char *id, bool *locked);

/*
 * Back to a clean emulator: faults cleared (hangs released), outage over,
 * counters, request log and tokens dropped, no users, default config.
 */
bool pf_emu_reset(struct pf_emu *e);

#endif
