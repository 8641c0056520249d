/*
 * The Frontegg client when things go wrong: 5xx and 429 with retries inside
 * the budget, 4xx never retried, oversized and malformed bodies, the wrong
 * CA, a hung server, an outage, and proxies in the environment.
 */
#include "autoconfig.h"

#include <fcntl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fixture.h"

#define ALICE    "0a1b2c3d-0000-4000-8000-00000000a11c"
#define ALICE_EM "alice@example.com"

static long counter(const char *name)
{
	return pf_emu_counter(&ct_emu, name);
}

static void fault(const char *json)
{
	ck_assert_msg(pf_emu_call(&ct_emu, "POST", "/faults", json, NULL) == 200, "fault %s", json);
}

/*
 * A client with a token already in hand, so counters see only the call under
 * test; so does a fake clock's count of sleeps, which a warm-up that had to
 * retry (a TLS handshake slower than the connect timeout on a loaded
 * machine) would otherwise leave behind.
 */
static struct fg_client *warm_client(struct fg_options *o)
{
	struct fg_client *c = ct_client(o);
	struct fg_user u;

	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/counters/reset", NULL));
	ct_clock_forget_sleeps(o->clock);
	return c;
}

static void setup(void)
{
	ct_setup();
	ct_put_user(ALICE, ALICE_EM, false);
}

/* ---- retries --------------------------------------------------------------- */

START_TEST(server_errors_retried)
{
	struct ct_clock fc;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_clock_init(&fc);
	ct_options(&o, NULL);
	o.clock = &fc.clock;
	c = warm_client(&o);
	fault("{\"kind\":\"status\",\"route\":\"get_user\",\"status\":503,\"count\":2}");
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_int_eq(counter("get_user"), 3);
	ck_assert_uint_eq(fg_client_stats(c)->retries, 2);
	/* Backoff with jitter: 100..200 ms, then 200..400 ms. */
	ck_assert_uint_eq(fc.sleeps, 2);
	ck_assert_int_ge(fc.slept_ms, 300);
	ck_assert_int_le(fc.slept_ms, 600);

	/* The token request is retried the same way. */
	fg_client_free(c);
	c = ct_client(&o);
	fault("{\"kind\":\"status\",\"route\":\"token\",\"status\":502,\"count\":1}");
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_int_eq(counter("token"), 2);
	fg_client_free(c);
}
END_TEST

START_TEST(server_errors_until_budget)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	int64_t t0;

	ct_options(&o, &tl);
	o.timeout_ms = CT_MS(1500);
	c = warm_client(&o);
	fault("{\"kind\":\"status\",\"route\":\"get_user\",\"status\":500,\"count\":-1}");
	t0 = ct_now_ms();
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_SERVER_ERROR);
	ck_assert_int_le(ct_now_ms() - t0, o.timeout_ms + CT_MS(500));
	ck_assert_int_ge(counter("get_user"), 3);
	ck_assert(pf_test_log_has(&tl, "errorCode ER-05000"));
	ck_assert(pf_test_log_has(&tl, "attempts"));
	fg_client_free(c);
}
END_TEST

/* 4xx other than 401/429 is an answer, not a glitch: exactly one request each. */
START_TEST(client_errors_not_retried)
{
	static const struct {
		const char *fault;
		enum fg_result want;
	} cases[] = {
		{ "{\"kind\":\"status\",\"route\":\"get_user\",\"status\":400}", FG_CLIENT_ERROR },
		{ "{\"kind\":\"status\",\"route\":\"get_user\",\"status\":403}", FG_FORBIDDEN },
		{ "{\"kind\":\"status\",\"route\":\"get_user\",\"status\":404}", FG_NOT_FOUND },
		{ "{\"kind\":\"status\",\"route\":\"get_user\",\"status\":409}", FG_CLIENT_ERROR },
		{ "{\"kind\":\"status\",\"route\":\"get_user\",\"status\":302}", FG_BAD_RESPONSE },
	};
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_options(&o, NULL);
	c = warm_client(&o);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert(pf_emu_ok(&ct_emu, "POST", "/counters/reset", NULL));
		fault(cases[i].fault);
		ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), cases[i].want);
		ck_assert_int_eq(counter("get_user"), 1);
		ck_assert_int_eq(counter("total"), 1);
	}
	/* A real 404 from the emulator (unknown user). */
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/counters/reset", NULL));
	ck_assert_int_eq(fg_lock(c, "0a1b2c3d-0000-4000-8000-0000000000ff"), FG_NOT_FOUND);
	ck_assert_int_eq(counter("total"), 1);
	ck_assert_uint_eq(fg_client_stats(c)->retries, 0);
	fg_client_free(c);
}
END_TEST

/* ---- 429 ------------------------------------------------------------------- */

/* A client whose rate-limit memory lives in dir (a fresh one each time it is opened). */
static struct fg_client *shared_client(struct fg_options *o, int dirfd)
{
	o->token_dirfd = dirfd;
	o->rate_file = "ratelimit";
	return warm_client(o);
}

/*
 * A 429 costs one request: no retry, no wait, and no process of the host
 * asks again before the reset time (doc/invariants.md, invariant 9).
 */
START_TEST(inv9_rate_limit_is_remembered_by_every_client)
{
	struct ct_clock fc;
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *a, *b;
	struct fg_user u;
	char *dir = pf_test_mkdtemp();
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(dirfd, 0);
	ct_clock_init(&fc);
	ct_options(&o, &tl);
	o.clock = &fc.clock;
	a = shared_client(&o, dirfd);
	b = shared_client(&o, dirfd); /* another process on the same state directory */
	fault("{\"kind\":\"rate_limit\",\"route\":\"get_user\",\"reset_in_s\":30}");
	ck_assert_int_eq(fg_user_by_id(a, ALICE, &u), FG_RATE_LIMITED);
	ck_assert_uint_eq(fc.sleeps, 0);
	ck_assert_int_eq(counter("get_user"), 1);
	ck_assert(pf_test_log_has(&tl, "rate limited (HTTP 429, errorCode ER-00429"));
	/* Neither this process nor another one asks before the reset. */
	ck_assert_int_eq(fg_user_by_id(b, ALICE, &u), FG_RATE_LIMITED);
	ck_assert_int_eq(fg_lock(a, ALICE), FG_RATE_LIMITED);
	ck_assert_int_eq(counter("total"), 1);
	ck_assert(pf_test_log_has(&tl, "not asking before then"));
	/* After the reset (plus its jitter) everyone asks again. */
	fc.offset_ms += 32000; /* 30 s, the header rounded up, the jitter */
	ck_assert_int_eq(fg_user_by_id(b, ALICE, &u), FG_OK);
	fg_client_free(a);
	fg_client_free(b);
	close(dirfd);
	pf_test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(rate_limit_without_reset_waits_a_minute)
{
	struct ct_clock fc;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_clock_init(&fc);
	ct_options(&o, NULL);
	o.clock = &fc.clock;
	c = warm_client(&o); /* memory only: the client itself still remembers */
	fault("{\"kind\":\"rate_limit\",\"route\":\"get_user\",\"no_reset_header\":true}");
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_RATE_LIMITED);
	fc.offset_ms += 59000;
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_RATE_LIMITED);
	ck_assert_int_eq(counter("get_user"), 1);
	fc.offset_ms += 7000;
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_uint_eq(fc.sleeps, 0);
	fg_client_free(c);
}
END_TEST

/* ---- bodies ---------------------------------------------------------------- */

static long maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

START_TEST(oversized_body_refused)
{
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	int64_t t0;
	long rss0;

	ct_options(&o, NULL);
	c = warm_client(&o);
	fault("{\"kind\":\"oversized\",\"route\":\"get_user\",\"size_bytes\":67108864}");
	rss0 = maxrss_kib();
	t0 = ct_now_ms();
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_TOO_BIG);
	ck_assert_int_lt(ct_now_ms() - t0, CT_MS(2000));
	ck_assert_int_lt(maxrss_kib() - rss0, 16 * 1024);
	ck_assert_int_eq(counter("get_user"), 1);
	/* The connection is dropped and the next call is fine. */
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);

	/* A smaller cap refuses a body just over it. */
	fg_client_free(c);
	o.max_body = 64;
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_TOO_BIG);
	fg_client_free(c);
}
END_TEST

START_TEST(malformed_bodies)
{
	static const struct {
		const char *fault;
		enum fg_result want;
	} cases[] = {
		{ "{\"kind\":\"malformed\",\"route\":\"get_user\"}", FG_BAD_RESPONSE },
		{ "{\"kind\":\"wrong_shape\",\"route\":\"get_user\"}", FG_BAD_RESPONSE },
		{ "{\"kind\":\"wrong_shape\",\"route\":\"get_user\",\"shape\":\"array\"}",
		  FG_BAD_RESPONSE },
		{ "{\"kind\":\"empty\",\"route\":\"get_user\"}", FG_BAD_RESPONSE },
		{ "{\"kind\":\"status\",\"route\":\"get_user\",\"status\":200,\"body\":\"<html>\"}",
		  FG_BAD_RESPONSE },
	};
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	char link[256];

	ct_options(&o, &tl);
	c = warm_client(&o);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fault(cases[i].fault);
		ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), cases[i].want);
	}
	ck_assert_int_eq(counter("get_user"), 5); /* never retried */
	ck_assert(pf_test_log_has(&tl, "the answer is not a user object"));
	fault("{\"kind\":\"wrong_shape\",\"route\":\"reset_link\"}");
	ck_assert_int_eq(fg_reset_link(c, ALICE, link, sizeof(link)), FG_BAD_RESPONSE);
	fault("{\"kind\":\"malformed\",\"route\":\"email_lookup\"}");
	ck_assert_int_eq(fg_user_by_email(c, ALICE_EM, &u), FG_BAD_RESPONSE);
	fg_client_free(c);

	/* A broken token answer: whatever answered is not the token endpoint. */
	c = ct_client(&o);
	fault("{\"kind\":\"wrong_shape\",\"route\":\"token\"}");
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_CONFIG);
	ck_assert(pf_test_log_has(&tl, "get vendor token failed: configuration error"));
	fg_client_free(c);
}
END_TEST

/* ---- transport ---------------------------------------------------------------- */

START_TEST(wrong_ca_refused)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_options(&o, &tl);
	o.ca_file = ct_emu.other_ca_file;
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_TLS);
	ck_assert_int_eq(counter("total"), 0);
	ck_assert_int_eq(counter("tls_handshakes"), 0);
	ck_assert_int_eq(counter("connections"), 1); /* never retried */
	ck_assert(pf_test_log_has(&tl, "TLS error"));
	fg_client_free(c);

	/* The system store does not know the emulator's CA either. */
	o.ca_file = NULL;
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_TLS);
	fg_client_free(c);
}
END_TEST

START_TEST(hang_times_out)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	int64_t t0, took;

	ct_options(&o, &tl);
	o.timeout_ms = CT_MS(1000);
	c = warm_client(&o);
	fault("{\"kind\":\"hang\",\"route\":\"get_user\",\"count\":-1}");
	t0 = ct_now_ms();
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_TIMEOUT);
	took = ct_now_ms() - t0;
	ck_assert_int_ge(took, o.timeout_ms - 100);
	ck_assert_int_le(took, o.timeout_ms + CT_MS(500));
	ck_assert(pf_test_log_has(&tl, "timed out"));
	fg_client_free(c);
}
END_TEST

START_TEST(outage_is_network_error)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	int64_t t0;

	ct_options(&o, &tl);
	o.timeout_ms = CT_MS(1500);
	c = warm_client(&o); /* holds a kept-alive connection the outage cuts */
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/outage", "{\"down\":true}"));
	t0 = ct_now_ms();
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_NETWORK);
	ck_assert_int_le(ct_now_ms() - t0, o.timeout_ms + CT_MS(500));
	ck_assert_uint_ge(fg_client_stats(c)->retries, 1);
	ck_assert(pf_test_log_has(&tl, "network error"));
	/* Back up: the same client recovers. */
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/outage", "{\"down\":false}"));
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	fg_client_free(c);

	/* A cold client (token fetch) fails the same way. */
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/outage", "{\"down\":true}"));
	c = ct_client(&o);
	t0 = ct_now_ms();
	ck_assert_int_eq(fg_lock(c, ALICE), FG_NETWORK);
	ck_assert_int_le(ct_now_ms() - t0, o.timeout_ms + CT_MS(500));
	fg_client_free(c);
}
END_TEST

static const char *const proxy_vars[] = { "https_proxy", "HTTPS_PROXY", "http_proxy",
					  "HTTP_PROXY",  "ALL_PROXY",   "all_proxy" };

START_TEST(env_proxies_ignored)
{
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	/* Port 1 on loopback: nothing listens, a proxy there refuses at once. */
	for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
		setenv(proxy_vars[i], "http://127.0.0.1:1", 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	ct_options(&o, NULL);
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_int_eq(fg_lock(c, ALICE), FG_OK);
	fg_client_free(c);

	/* The configured proxy is honoured (and that dead one fails)... */
	o.proxy = "http://127.0.0.1:1";
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_NETWORK);
	fg_client_free(c);
	/* ...even when no_proxy in the environment would exempt the host. */
	setenv("no_proxy", "*", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_NETWORK);
	fg_client_free(c);

	for (size_t i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
		unsetenv(proxy_vars[i]);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("client_faults");
	TCase *tc;

	tc = tcase_create("retry");
	tcase_add_checked_fixture(tc, setup, ct_teardown);
	tcase_add_test(tc, server_errors_retried);
	tcase_add_test(tc, server_errors_until_budget);
	tcase_add_test(tc, client_errors_not_retried);
	suite_add_tcase(s, tc);

	tc = tcase_create("rate_limit");
	tcase_add_checked_fixture(tc, setup, ct_teardown);
	tcase_add_test(tc, inv9_rate_limit_is_remembered_by_every_client);
	tcase_add_test(tc, rate_limit_without_reset_waits_a_minute);
	suite_add_tcase(s, tc);

	tc = tcase_create("bodies");
	tcase_add_checked_fixture(tc, setup, ct_teardown);
	tcase_add_test(tc, oversized_body_refused);
	tcase_add_test(tc, malformed_bodies);
	suite_add_tcase(s, tc);

	tc = tcase_create("transport");
	tcase_add_checked_fixture(tc, setup, ct_teardown);
	tcase_add_test(tc, wrong_ca_refused);
	tcase_add_test(tc, hang_times_out);
	tcase_add_test(tc, outage_is_network_error);
	tcase_add_test(tc, env_proxies_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ct_main(suite());
}
