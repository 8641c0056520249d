/* Fixture helpers of the client tests. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#include "fixture.h"

struct pf_emu ct_emu;

static int64_t clock_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ct_now_ms(void)
{
	return clock_of(CLOCK_MONOTONIC);
}

static bool under_valgrind(void)
{
#ifdef RUNNING_ON_VALGRIND
	return RUNNING_ON_VALGRIND != 0;
#else
	const char *pre = getenv("LD_PRELOAD");
	return pre != NULL && strstr(pre, "vgpreload") != NULL;
#endif
}

unsigned ct_slow(void)
{
	static unsigned factor;
	const char *env;

	if (factor == 0) {
		env = getenv("PF_TEST_SLOW");
		factor = env != NULL ? (unsigned)strtoul(env, NULL, 10) : 0;
		if (factor == 0)
			factor = under_valgrind() ? 10 : 1;
	}
	return factor;
}

static int64_t fake_mono(void *ctx)
{
	return clock_of(CLOCK_MONOTONIC) + ((struct ct_clock *)ctx)->offset_ms;
}

static int64_t fake_wall(void *ctx)
{
	return clock_of(CLOCK_REALTIME) + ((struct ct_clock *)ctx)->offset_ms;
}

static void fake_sleep(void *ctx, unsigned ms)
{
	struct ct_clock *fc = ctx;

	fc->offset_ms += ms;
	fc->sleeps++;
	fc->slept_ms += ms;
	fc->last_sleep_ms = ms;
}

void ct_clock_forget_sleeps(const struct fg_clock *clock)
{
	struct ct_clock *fc;

	if (clock == NULL || clock->sleep_ms != fake_sleep)
		return;
	fc = clock->ctx;
	fc->sleeps = 0;
	fc->slept_ms = 0;
	fc->last_sleep_ms = 0;
}

void ct_clock_init(struct ct_clock *fc)
{
	memset(fc, 0, sizeof(*fc));
	fc->clock.mono_ms = fake_mono;
	fc->clock.wall_ms = fake_wall;
	fc->clock.sleep_ms = fake_sleep;
	fc->clock.ctx = fc;
}

void ct_options(struct fg_options *o, struct pf_test_log *tl)
{
	memset(o, 0, sizeof(*o));
	o->api_url = ct_emu.api_url;
	o->client_id = CT_CLIENT_ID;
	o->secret = CT_SECRET;
	o->ca_file = ct_emu.ca_file;
	o->timeout_ms = CT_MS(5000);
	o->token_dirfd = -1;
	if (tl != NULL) {
		pf_test_log_init(tl);
		o->log = &tl->logger;
	}
}

struct fg_client *ct_client(const struct fg_options *o)
{
	struct fg_client *c = NULL;

	ck_assert_int_eq(fg_client_new(o, &c), 0);
	ck_assert_ptr_nonnull(c);
	return c;
}

void ct_put_user(const char *id, const char *email, bool locked)
{
	ck_assert(pf_emu_ok(&ct_emu, "PUT", "/users",
			    "{\"users\":[{\"id\":\"%s\",\"email\":\"%s\",\"isLocked\":%s}]}", id,
			    email, locked ? "true" : "false"));
}

void ct_setup(void)
{
	ck_assert(pf_emu_reset(&ct_emu));
}

void ct_teardown(void)
{
	/* Release anything a failed test left hanging in the emulator. */
	pf_emu_call(&ct_emu, "DELETE", "/faults", NULL, NULL);
}

bool ct_log_lacks(const struct pf_test_log *tl, const char *needle)
{
	return !pf_test_log_has(tl, needle);
}

int ct_main(Suite *s)
{
	int rc = pf_emu_start(&ct_emu, NULL);
	int status;

	if (rc == PF_EMU_SKIP) {
		/* The TAP driver reads a skip from the plan, not from exit status 77. */
		printf("1..0 # SKIP python3 or openssl missing: no Frontegg emulator\n");
		srunner_free(srunner_create(s)); /* frees the suite */
		return 0;
	}
	if (rc != 0) {
		printf("Bail out! the Frontegg emulator did not start\n");
		srunner_free(srunner_create(s)); /* frees the suite */
		return 99;
	}
	status = pf_test_run(s);
	pf_emu_stop(&ct_emu);
	return status;
}
