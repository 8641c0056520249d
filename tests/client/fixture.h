/* Shared by the client tests: one emulator per program, options, a fake clock. */
#ifndef PF_TEST_CLIENT_FIXTURE_H
#define PF_TEST_CLIENT_FIXTURE_H

#include <check.h>
#include <stdint.h>

#include "emulator.h"
#include "frontegg/frontegg.h"
#include "testutil.h"

#define CT_CLIENT_ID "test-client-id"
#define CT_SECRET    "test-secret"

/* The emulator of this test program (started by ct_main). */
extern struct pf_emu ct_emu;

/*
 * Real time plus an offset; sleeping only moves the offset, so backoff and
 * rate-limit waits cost nothing and can be inspected.
 */
struct ct_clock {
	struct fg_clock clock;
	int64_t offset_ms;
	unsigned sleeps;
	int64_t slept_ms;
	int64_t last_sleep_ms;
};

void ct_clock_init(struct ct_clock *fc);
/* Zeroes the sleeps a ct_clock counted (the time they moved stays); other clocks are left alone. */
void ct_clock_forget_sleeps(const struct fg_clock *clock);

/* Options for the emulator: its CA, memory-only token, 5 s budget, log into tl. */
void ct_options(struct fg_options *o, struct pf_test_log *tl);
/* fg_client_new or fail the test. */
struct fg_client *ct_client(const struct fg_options *o);

/* Seeds one emulator user (ck_assert on failure). */
void ct_put_user(const char *id, const char *email, bool locked);

/* Checked fixture for emulator tests: reset the emulator. */
void ct_setup(void);
void ct_teardown(void);

/* Milliseconds of the monotonic clock. */
int64_t ct_now_ms(void);

/*
 * How much slower than normal this run is: PF_TEST_SLOW=N, else 10 under
 * valgrind, else 1. Budgets and timing bounds are scaled with CT_MS so the
 * same assertions hold under valgrind on a loaded machine.
 */
unsigned ct_slow(void);
#define CT_MS(ms) ((unsigned)(ms)*ct_slow())

/* True when no captured log line contains needle. */
bool ct_log_lacks(const struct pf_test_log *tl, const char *needle);

/*
 * Starts the emulator, runs the suite (TAP), stops the emulator. Without
 * python3/openssl prints a TAP "skip all" plan and exits 0.
 */
int ct_main(Suite *s);

#endif
