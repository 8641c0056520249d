/*
 * The Frontegg client against the emulator over real TLS: every endpoint,
 * the token (cache, sharing, renewal), lock verification, paging, logging.
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "frontegg/token_cache.h"

#define ALICE    "0a1b2c3d-0000-4000-8000-00000000a11c"
#define ALICE_EM "alice@example.com"
#define BOB      "0a1b2c3d-0000-4000-8000-000000000b0b"

/* A private directory for a token cache, with its descriptor. */
struct cache_dir {
	char *path;
	int fd;
};

static void cache_open(struct cache_dir *cd)
{
	cd->path = pf_test_mkdtemp();
	cd->fd = open(cd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(cd->fd, 0);
}

static void cache_close(struct cache_dir *cd)
{
	close(cd->fd);
	pf_test_rmtree(cd->path);
	free(cd->path);
}

/* The token the cache file holds (heap), or NULL. */
static char *cached_token(const struct cache_dir *cd, const char *api_url)
{
	struct fg_token t;
	char why[160];
	char *v = NULL;

	if (fg_token_cache_load(cd->fd, "token", fg_token_key(CT_CLIENT_ID, api_url), &t, why,
				sizeof(why)) == PF_OK) {
		v = strdup(t.value);
		fg_token_clear(&t);
	}
	return v;
}

static long counter(const char *name)
{
	return pf_emu_counter(&ct_emu, name);
}

/* ---- every endpoint ------------------------------------------------------- */

START_TEST(endpoints_success)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	char link[512];
	bool locked = true;

	ct_put_user(ALICE, ALICE_EM, false);
	ct_options(&o, &tl);
	c = ct_client(&o);

	ck_assert_int_eq(fg_user_by_email(c, ALICE_EM, &u), FG_OK);
	ck_assert_str_eq(u.id, ALICE);
	ck_assert_str_eq(u.email, ALICE_EM);
	ck_assert(!u.locked);
	memset(&u, 0, sizeof(u));
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_str_eq(u.email, ALICE_EM);

	ck_assert_int_eq(fg_lock(c, ALICE), FG_OK);
	ck_assert(pf_emu_user_locked(&ct_emu, ALICE, &locked));
	ck_assert(locked);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert(u.locked);
	ck_assert_int_eq(fg_unlock(c, ALICE), FG_OK);
	ck_assert(pf_emu_user_locked(&ct_emu, ALICE, &locked));
	ck_assert(!locked);

	ck_assert_int_eq(fg_reset_link(c, ALICE, link, sizeof(link)), FG_OK);
	ck_assert_msg(strncmp(link, "https://", 8) == 0, "link %s", link);
	ck_assert_ptr_nonnull(strstr(link, ALICE));

	ck_assert_int_eq(counter("token"), 1);
	ck_assert_int_eq(counter("email_lookup"), 1);
	ck_assert_int_eq(counter("get_user"), 2); /* a 2xx lock or unlock needs no read */
	ck_assert_int_eq(counter("lock"), 1);
	ck_assert_int_eq(counter("unlock"), 1);
	ck_assert_int_eq(counter("reset_link"), 1);
	ck_assert_uint_eq(fg_client_stats(c)->requests, (unsigned)counter("total"));
	ck_assert_uint_eq(fg_client_stats(c)->token_requests, 1);
	ck_assert_uint_eq(fg_client_stats(c)->retries, 0);
	ck_assert_uint_eq(fg_client_stats(c)->renewals, 0);
	/* The reset link is a credential: it never reaches the log. */
	ck_assert(ct_log_lacks(&tl, link));
	fg_client_free(c);
}
END_TEST

START_TEST(email_escaping_end_to_end)
{
	static const char *const emails[] = {
		"a&b#c%d e+f@example.com",
		"j\\u00fcrgen@example.com", /* JSON escape: the emulator stores UTF-8 */
		"x+tag@example.com",
		"q?x=1@example.com",
	};
	static const char *const lookups[] = {
		"a&b#c%d e+f@example.com",
		"j\xc3\xbcrgen@example.com",
		"x+tag@example.com",
		"q?x=1@example.com",
	};
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	char id[64];

	for (size_t i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "00000000-0000-4000-8000-00000000000%zu", i);
		ct_put_user(id, emails[i], false);
	}
	ct_put_user(BOB, "bob@example.com", false);
	ct_options(&o, NULL);
	c = ct_client(&o);
	for (size_t i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "00000000-0000-4000-8000-00000000000%zu", i);
		ck_assert_msg(fg_user_by_email(c, lookups[i], &u) == FG_OK, "lookup %s",
			      lookups[i]);
		ck_assert_str_eq(u.id, id);
		ck_assert_str_eq(u.email, lookups[i]);
	}
	/* No parameter injection: this is one (unknown) address, not bob's. */
	ck_assert_int_eq(fg_user_by_email(c, "nobody@example.com&email=bob@example.com", &u),
			 FG_NOT_FOUND);
	fg_client_free(c);
}
END_TEST

START_TEST(not_found_and_invalid)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	char link[256];

	ct_options(&o, &tl);
	c = ct_client(&o);
	/* Refused before anything is sent, not even the token request. */
	ck_assert_int_eq(fg_user_by_id(c, "../../auth/vendor", &u), FG_INVALID);
	ck_assert_int_eq(fg_lock(c, "a/b"), FG_INVALID);
	ck_assert_int_eq(fg_unlock(c, ".."), FG_INVALID);
	ck_assert_int_eq(fg_reset_link(c, "x y", link, sizeof(link)), FG_INVALID);
	ck_assert_int_eq(fg_user_by_email(c, "", &u), FG_INVALID);
	ck_assert_int_eq(counter("total"), 0);

	ck_assert_int_eq(fg_user_by_id(c, BOB, &u), FG_NOT_FOUND);
	ck_assert_int_eq(fg_last_error(c)->http_status, 404);
	ck_assert_str_eq(fg_last_error(c)->error_code, "ER-01017");
	ck_assert_int_eq(fg_user_by_email(c, "nobody@example.com", &u), FG_NOT_FOUND);
	ck_assert_int_eq(fg_lock(c, BOB), FG_NOT_FOUND);
	ck_assert_int_eq(counter("get_user"), 1);
	ck_assert_int_eq(counter("email_lookup"), 1);
	ck_assert_int_eq(counter("lock"), 1);
	ck_assert(pf_test_log_has(&tl, "lock user " BOB " failed: not found (HTTP 404"));
	fg_client_free(c);
}
END_TEST

/* ---- the vendor token ----------------------------------------------------- */

START_TEST(token_one_for_many_calls)
{
	struct cache_dir cd;
	struct fg_options o;
	struct fg_client *a, *b;
	struct fg_user u;
	struct stat sb;

	ct_put_user(ALICE, ALICE_EM, false);
	cache_open(&cd);
	ct_options(&o, NULL);
	o.token_dirfd = cd.fd;
	o.token_file = "token";
	a = ct_client(&o);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(fg_user_by_id(a, ALICE, &u), FG_OK);
	ck_assert_int_eq(counter("token"), 1);
	ck_assert_int_eq(counter("get_user"), 20);
	ck_assert_int_eq(fstatat(cd.fd, "token", &sb, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert(S_ISREG(sb.st_mode));
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);

	/* A second client (another helper run) reuses the cached token. */
	b = ct_client(&o);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(fg_user_by_id(b, ALICE, &u), FG_OK);
	ck_assert_int_eq(counter("token"), 1);
	ck_assert_uint_eq(fg_client_stats(b)->token_requests, 0);
	fg_client_free(a);
	fg_client_free(b);
	cache_close(&cd);
}
END_TEST

/* N processes start at once with an empty cache: one token request. */
START_TEST(token_shared_by_parallel_processes)
{
	enum { N = 8 };
	struct cache_dir cd;
	int go[2];
	pid_t kids[N];
	int status;

	ct_put_user(ALICE, ALICE_EM, false);
	cache_open(&cd);
	ck_assert_int_eq(pipe(go), 0);
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		ck_assert_int_ge(kids[i], 0);
		if (kids[i] == 0) {
			struct fg_options o;
			struct fg_client *c = NULL;
			struct fg_user u;
			char b;
			int ok;

			close(go[1]);
			(void)!read(go[0], &b, 1); /* returns at EOF: everybody starts together */
			ct_options(&o, NULL);
			o.token_dirfd = cd.fd;
			o.token_file = "token";
			ok = fg_client_new(&o, &c) == 0 && fg_user_by_id(c, ALICE, &u) == FG_OK;
			fg_client_free(c);
			_exit(ok ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_int_eq(counter("get_user"), N);
	ck_assert_int_eq(counter("token"), 1);
	cache_close(&cd);
}
END_TEST

START_TEST(token_cache_follows_config)
{
	struct cache_dir cd;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	char other_url[sizeof(ct_emu.api_url) + 32];

	ct_put_user(ALICE, ALICE_EM, false);
	cache_open(&cd);
	ct_options(&o, NULL);
	o.token_dirfd = cd.fd;
	o.token_file = "token";
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	fg_client_free(c);
	ck_assert_int_eq(counter("token"), 1);
	/* A trailing slash is the same configuration... */
	snprintf(other_url, sizeof(other_url), "%s/", ct_emu.api_url);
	o.api_url = other_url;
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	fg_client_free(c);
	ck_assert_int_eq(counter("token"), 1);
	/* ...another api_url is not: its token is fetched anew. */
	snprintf(other_url, sizeof(other_url), "https://localhost:%u", ct_emu.port);
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	fg_client_free(c);
	ck_assert_int_eq(counter("token"), 2);
	cache_close(&cd);
}
END_TEST

/* Writes a cache file holding token value with the given mode. */
static void plant_token(const struct cache_dir *cd, const char *value, mode_t mode)
{
	struct fg_token t = { .value = (char *)(uintptr_t)value };
	int64_t now = (int64_t)time(NULL) * 1000;

	t.issued_ms = now;
	t.renew_ms = now + 3000000;
	t.expires_ms = now + 3600000;
	ck_assert_int_eq(
	    fg_token_cache_store(cd->fd, "token", fg_token_key(CT_CLIENT_ID, ct_emu.api_url), &t),
	    PF_OK);
	ck_assert_int_eq(fchmodat(cd->fd, "token", mode, 0), 0);
}

START_TEST(token_cache_untrusted_file)
{
	struct pf_test_log tl;
	struct cache_dir cd;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	struct stat sb;
	char *tok;

	ct_put_user(ALICE, ALICE_EM, false);
	cache_open(&cd);
	/* Group-readable: never trusted, replaced by a fresh 0600 file. */
	plant_token(&cd, "planted.by.someone", 0644);
	ct_options(&o, &tl);
	o.token_dirfd = cd.fd;
	o.token_file = "token";
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	fg_client_free(c);
	ck_assert_int_eq(counter("token"), 1);
	ck_assert(pf_test_log_has(&tl, "token cache token mode 0644"));
	ck_assert_int_eq(fstatat(cd.fd, "token", &sb, 0), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	tok = cached_token(&cd, ct_emu.api_url);
	ck_assert_ptr_nonnull(tok);
	ck_assert_str_ne(tok, "planted.by.someone");
	free(tok);

	/* A well-formed but revoked token: one 401, one renewal, success. */
	plant_token(&cd, "revoked.token.value", 0600);
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_uint_eq(fg_client_stats(c)->renewals, 1);
	fg_client_free(c);
	ck_assert_int_eq(counter("token"), 2);
	cache_close(&cd);
}
END_TEST

/* Another process holds the lock too long: fetch anyway after half the budget. */
START_TEST(token_lock_busy)
{
	struct pf_test_log tl;
	struct ct_clock fc;
	struct cache_dir cd;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	int lfd;

	ct_put_user(ALICE, ALICE_EM, false);
	cache_open(&cd);
	lfd = openat(cd.fd, "token.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(flock(lfd, LOCK_EX), 0);
	ct_clock_init(&fc);
	ct_options(&o, &tl);
	o.clock = &fc.clock;
	o.token_dirfd = cd.fd;
	o.token_file = "token";
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert(pf_test_log_has(&tl, "token lock token.lock busy; fetching without it"));
	/* Half the budget, in 10 ms polls (less the real time spent before). */
	ck_assert_int_ge(fc.slept_ms, o.timeout_ms / 2 - CT_MS(100));
	ck_assert_int_le(fc.slept_ms, o.timeout_ms / 2 + 100);
	ck_assert_int_eq(counter("token"), 1);
	fg_client_free(c);
	close(lfd);
	cache_close(&cd);
}
END_TEST

/* The cache cannot be written: warn, and work with the token in memory. */
START_TEST(token_cache_unwritable)
{
	struct pf_test_log tl;
	struct cache_dir cd;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_put_user(ALICE, ALICE_EM, false);
	cache_open(&cd);
	ck_assert_int_eq(mkdirat(cd.fd, "token", 0700), 0);
	ck_assert_int_eq(mkdirat(cd.fd, "token/x", 0700), 0); /* a non-empty directory */
	ct_options(&o, &tl);
	o.token_dirfd = cd.fd;
	o.token_file = "token";
	c = ct_client(&o);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_int_eq(counter("token"), 1);
	ck_assert(pf_test_log_has(&tl, "token cache token not a regular file"));
	ck_assert(pf_test_log_has(&tl, "cannot write token cache token"));
	fg_client_free(c);
	cache_close(&cd);
}
END_TEST

/* A client that has read ALICE once (its token in hand); *u holds her. */
static struct fg_client *alice_client(struct fg_options *o, struct fg_user *u)
{
	struct fg_client *c;

	ct_put_user(ALICE, ALICE_EM, false);
	ct_options(o, NULL);
	c = ct_client(o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, u), FG_OK);
	return c;
}

START_TEST(renewal_after_401_fault)
{
	struct fg_options o;
	struct fg_user u;
	struct fg_client *c = alice_client(&o, &u);

	ck_assert(pf_emu_ok(&ct_emu, "POST", "/faults",
			    "{\"kind\":\"unauthorized\",\"route\":\"get_user\",\"count\":1}"));
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_int_eq(counter("token"), 2);
	ck_assert_int_eq(counter("get_user"), 3);
	ck_assert_uint_eq(fg_client_stats(c)->renewals, 1);
	ck_assert_uint_eq(fg_client_stats(c)->retries, 0);
	fg_client_free(c);
}
END_TEST

START_TEST(renewal_after_expiry)
{
	struct cache_dir cd;
	struct fg_options o;
	struct fg_client *c;

	ct_put_user(ALICE, ALICE_EM, false);
	cache_open(&cd);
	ct_options(&o, NULL);
	o.token_dirfd = cd.fd;
	o.token_file = "token";
	c = ct_client(&o);
	ck_assert_int_eq(fg_lock(c, ALICE), FG_OK);
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/tokens/expire", NULL));
	ck_assert_int_eq(fg_unlock(c, ALICE), FG_OK);
	ck_assert_int_eq(counter("token"), 2);
	ck_assert_int_eq(counter("unlock"), 2);
	ck_assert_uint_eq(fg_client_stats(c)->renewals, 1);
	fg_client_free(c);
	/* The renewed token went to the cache: the next run needs none. */
	c = ct_client(&o);
	ck_assert_int_eq(fg_lock(c, ALICE), FG_OK);
	ck_assert_int_eq(counter("token"), 2);
	fg_client_free(c);
	cache_close(&cd);
}
END_TEST

START_TEST(renewal_only_once)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_put_user(ALICE, ALICE_EM, false);
	ct_options(&o, &tl);
	c = ct_client(&o);
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/faults",
			    "{\"kind\":\"unauthorized\",\"route\":\"get_user\",\"count\":-1}"));
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_UNAUTHORIZED);
	ck_assert_int_eq(counter("token"), 2);
	ck_assert_int_eq(counter("get_user"), 2);
	ck_assert_uint_eq(fg_client_stats(c)->renewals, 1);
	ck_assert(pf_test_log_has(&tl, "ER-01002"));
	fg_client_free(c);
}
END_TEST

START_TEST(renewal_at_80_percent)
{
	struct ct_clock fc;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_put_user(ALICE, ALICE_EM, false);
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/config", "{\"token_ttl\":1000}"));
	ct_clock_init(&fc);
	ct_options(&o, NULL);
	o.clock = &fc.clock;
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	fc.offset_ms += 700000; /* 70 % of its life: keep it */
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_int_eq(counter("token"), 1);
	fc.offset_ms += 150000; /* 85 %: renew before Frontegg refuses it */
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_int_eq(counter("token"), 2);
	ck_assert_uint_eq(fg_client_stats(c)->renewals, 0);
	fg_client_free(c);
}
END_TEST

START_TEST(bad_credentials)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_put_user(ALICE, ALICE_EM, false);
	ct_options(&o, &tl);
	o.secret = "wrong-secret-XYZ";
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_UNAUTHORIZED);
	ck_assert_int_eq(counter("token"), 1);
	ck_assert_int_eq(counter("get_user"), 0);
	ck_assert(pf_test_log_has(&tl, "get vendor token failed: unauthorized (HTTP 401"));
	ck_assert(pf_test_log_has(&tl, "ER-01001"));
	ck_assert(ct_log_lacks(&tl, "wrong-secret-XYZ"));
	fg_client_free(c);
}
END_TEST

/* ---- lock and unlock: a 2xx is the confirmation --------------------------- */

static void fault(const char *json)
{
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/faults", "%s", json));
}

START_TEST(lock_2xx_is_the_confirmation)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	bool locked = false;

	ct_put_user(ALICE, ALICE_EM, false);
	ct_options(&o, &tl);
	c = ct_client(&o);
	ck_assert_int_eq(fg_lock(c, ALICE), FG_OK);
	ck_assert(pf_emu_user_locked(&ct_emu, ALICE, &locked));
	ck_assert(locked);
	ck_assert_int_eq(fg_unlock(c, ALICE), FG_OK);
	/* A storm of N locks costs N lock requests: no read after a 2xx. */
	ck_assert_int_eq(pf_emu_user_counter(&ct_emu, ALICE, "lock"), 1);
	ck_assert_int_eq(pf_emu_user_counter(&ct_emu, ALICE, "unlock"), 1);
	ck_assert_int_eq(counter("get_user"), 0);
	ck_assert_int_eq(counter("total"), 3); /* token, lock, unlock */
	fg_client_free(c);
}
END_TEST

/* A repeat lock answered 4xx: one read resolves it, the lock is not sent again. */
START_TEST(inv12_repeat_lock_refused_is_resolved_by_reading)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	bool locked = false;

	ct_put_user(ALICE, ALICE_EM, true); /* already locked (by us, before a crash) */
	ct_options(&o, &tl);
	c = ct_client(&o);
	fault("{\"kind\":\"status\",\"route\":\"lock\",\"status\":409,\"count\":1}");
	ck_assert_int_eq(fg_lock(c, ALICE), FG_OK);
	ck_assert_int_eq(pf_emu_user_counter(&ct_emu, ALICE, "lock"), 1);
	ck_assert_int_eq(pf_emu_user_counter(&ct_emu, ALICE, "get_user"), 1);

	/* Unlocked by an administrator, and the lock is refused: not confirmed, not resent. */
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/users/" ALICE "/unlock", NULL));
	fault("{\"kind\":\"status\",\"route\":\"lock\",\"status\":400,\"count\":1}");
	ck_assert_int_eq(fg_lock(c, ALICE), FG_CLIENT_ERROR);
	ck_assert_int_eq(pf_emu_user_counter(&ct_emu, ALICE, "lock"), 2);
	ck_assert(pf_emu_user_locked(&ct_emu, ALICE, &locked));
	ck_assert(!locked);
	ck_assert(pf_test_log_has(&tl, "refused the lock and the user reads as unlocked"));

	/* The same for an unlock that finds the user already unlocked. */
	fault("{\"kind\":\"status\",\"route\":\"unlock\",\"status\":400,\"count\":1}");
	ck_assert_int_eq(fg_unlock(c, ALICE), FG_OK);
	fg_client_free(c);
}
END_TEST

/* ---- the token endpoint: ambiguity is a configuration error -------------- */

START_TEST(inv12_token_404_is_a_config_error)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_put_user(ALICE, ALICE_EM, false);
	ct_options(&o, &tl);
	c = ct_client(&o);
	/* An api_url behind a proxy prefix: /auth/vendor answers 404. */
	fault("{\"kind\":\"status\",\"route\":\"token\",\"status\":404,\"count\":-1}");
	ck_assert_int_eq(fg_user_by_email(c, ALICE_EM, &u), FG_CONFIG);
	ck_assert_int_eq(fg_lock(c, ALICE), FG_CONFIG);
	ck_assert_int_eq(counter("lock"), 0);
	ck_assert_int_eq(counter("email_lookup"), 0);
	ck_assert(pf_test_log_has(&tl, "get vendor token failed: configuration error (HTTP 404"));
	fg_client_free(c);
}
END_TEST

START_TEST(inv12_token_not_json_is_a_config_error)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_put_user(ALICE, ALICE_EM, false);
	ct_options(&o, &tl);
	c = ct_client(&o);
	fault("{\"kind\":\"malformed\",\"route\":\"token\",\"count\":-1}");
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_CONFIG);
	ck_assert_int_eq(counter("get_user"), 0);
	fg_client_free(c);
}
END_TEST

/* ---- the tenant audit trail ---------------------------------------------- */

START_TEST(audit_entry_reaches_the_tenant)
{
	struct fg_options o;
	struct fg_user u;
	struct fg_client *c = alice_client(&o, &u);

	ck_assert_str_ne(u.tenant_id, ""); /* the emulator gives every user a tenant */
	ck_assert_int_eq(fg_audit(c, u.tenant_id, "{\"severity\":\"High\",\"action\":\"t\"}"),
			 FG_OK);
	ck_assert_int_eq(counter("audit"), 1);
	/* Frontegg refuses a body without a known severity: an answer, not retried. */
	ck_assert_int_eq(fg_audit(c, u.tenant_id, "{\"severity\":\"Loud\"}"), FG_CLIENT_ERROR);
	ck_assert_int_eq(counter("audit"), 2);
	/* Nothing but an id-shaped tenant reaches a header. */
	ck_assert_int_eq(fg_audit(c, "t\r\nX: 1", "{\"severity\":\"Info\"}"), FG_INVALID);
	ck_assert_int_eq(fg_audit(c, u.tenant_id, NULL), FG_INVALID);
	ck_assert_int_eq(counter("audit"), 2);
	fg_client_free(c);
}
END_TEST

/* ---- the emulator's modes: a Frontegg that disagrees ---------------------- */

static void modes(const char *json)
{
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/modes", "%s", json));
}

/* Spec-shaped users: roles, nulls, no e-mail; an unlocked isLocked as null. */
START_TEST(mode_spec_users)
{
	static const char *const unlocked_is[] = { "absent", "null", "false" };
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_options(&o, NULL);
	c = ct_client(&o);
	for (size_t i = 0; i < sizeof(unlocked_is) / sizeof(unlocked_is[0]); i++) {
		char json[96];

		snprintf(json, sizeof(json), "{\"user_shape\":\"spec\",\"unlocked_is\":\"%s\"}",
			 unlocked_is[i]);
		modes(json);
		ct_put_user(ALICE, ALICE_EM, false);
		ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
		ck_assert_msg(!u.locked, "unlocked_is %s", unlocked_is[i]);
		ck_assert_int_eq(fg_user_by_email(c, ALICE_EM, &u), FG_OK);
		ck_assert_str_eq(u.id, ALICE);
		ck_assert_int_eq(fg_lock(c, ALICE), FG_OK);
		ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
		ck_assert(u.locked);
	}
	fg_client_free(c);
}
END_TEST

/* A repeat lock answers 400: resolved by one read, never sent again. */
START_TEST(mode_strict_repeat)
{
	struct fg_options o;
	struct fg_client *c;

	modes("{\"strict_repeat\":true}");
	ct_put_user(ALICE, ALICE_EM, false);
	ct_options(&o, NULL);
	c = ct_client(&o);
	ck_assert_int_eq(fg_lock(c, ALICE), FG_OK);
	ck_assert_int_eq(fg_lock(c, ALICE), FG_OK);
	ck_assert_int_eq(fg_unlock(c, ALICE), FG_OK);
	ck_assert_int_eq(fg_unlock(c, ALICE), FG_OK);
	ck_assert_int_eq(counter("lock"), 2);
	ck_assert_int_eq(counter("unlock"), 2);
	ck_assert_int_eq(counter("get_user"), 2); /* one read per refused repeat */
	fg_client_free(c);
}
END_TEST

/* Whatever a wrong api_url reaches instead of /auth/vendor: a configuration error. */
START_TEST(mode_token_answers)
{
	static const char *const answers[] = { "not_found", "not_found_json", "not_json" };
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	ct_put_user(ALICE, ALICE_EM, false);
	ct_options(&o, NULL);
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		char json[64];

		snprintf(json, sizeof(json), "{\"token_answer\":\"%s\"}", answers[i]);
		modes(json);
		c = ct_client(&o);
		ck_assert_msg(fg_user_by_email(c, ALICE_EM, &u) == FG_CONFIG, "token_answer %s",
			      answers[i]);
		fg_client_free(c);
	}
	ck_assert_int_eq(counter("email_lookup"), 0);
}
END_TEST

/* Account-level credentials: every request, the token's included, names the environment. */
START_TEST(mode_environment_id)
{
	struct pf_test_log tl;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;

	modes("{\"environment_id\":\"0f1e2d3c-env\"}");
	ct_put_user(ALICE, ALICE_EM, false);
	ct_options(&o, &tl);
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_UNAUTHORIZED);
	fg_client_free(c);
	o.environment_id = "0f1e2d3c-env";
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_OK);
	ck_assert_int_eq(fg_lock(c, ALICE), FG_OK);
	fg_client_free(c);
	/* Nothing but an id-shaped value ever reaches a header. */
	o.environment_id = "env\r\nX-Evil: 1";
	ck_assert_int_ne(fg_client_new(&o, &c), 0);
	ck_assert(pf_test_log_has(&tl, "environment_id must be"));
}
END_TEST

/* Per-minute limits: one 429, then no request until the minute (and penalty) ends. */
START_TEST(mode_rate_limit_per_minute)
{
	struct ct_clock fc;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	unsigned ok = 0;

	modes("{\"rate_limit_per_minute\":3}");
	ct_put_user(ALICE, ALICE_EM, false);
	ct_clock_init(&fc);
	ct_options(&o, NULL);
	o.clock = &fc.clock;
	c = ct_client(&o);
	for (int i = 0; i < 10; i++)
		ok += fg_user_by_id(c, ALICE, &u) == FG_OK;
	ck_assert_uint_le(ok, 2); /* the token is one of the three */
	ck_assert_int_le(counter("total"), 4);
	ck_assert_uint_eq(fc.sleeps, 0);
	fg_client_free(c);
}
END_TEST

/* ---- what the log says --------------------------------------------------- */

START_TEST(error_log_line)
{
	struct pf_test_log tl;
	struct cache_dir cd;
	struct fg_options o;
	struct fg_client *c;
	struct fg_user u;
	const struct fg_error *e;
	char *tok;
	char want[128];

	ct_put_user(ALICE, ALICE_EM, false);
	cache_open(&cd);
	ct_options(&o, &tl);
	o.token_dirfd = cd.fd;
	o.token_file = "token";
	c = ct_client(&o);
	ck_assert_int_eq(fg_user_by_id(c, BOB, &u), FG_NOT_FOUND);
	e = fg_last_error(c);
	ck_assert_int_eq(e->http_status, 404);
	ck_assert_str_eq(e->error_code, "ER-01017");
	ck_assert_uint_eq(strlen(e->trace_id), 32);
	ck_assert_str_eq(e->message, "User not found");
	snprintf(want, sizeof(want), "Frontegg-Trace-Id %s", e->trace_id);
	ck_assert_uint_eq(tl.n, 1);
	ck_assert_int_eq(tl.prio[0], LOG_WARNING);
	ck_assert(pf_test_log_has(&tl, "get user " BOB " failed: not found (HTTP 404"));
	ck_assert(pf_test_log_has(&tl, "errorCode ER-01017"));
	ck_assert(pf_test_log_has(&tl, want));
	ck_assert(pf_test_log_has(&tl, ": User not found"));

	/* A hostile server message cannot forge log lines. */
	ck_assert(pf_emu_ok(&ct_emu, "POST", "/faults",
			    "{\"kind\":\"status\",\"route\":\"get_user\",\"status\":400,"
			    "\"body\":\"{\\\"errors\\\":[\\\"bad %%s%%n\\\\nFAKE: line\\\"],"
			    "\\\"errorCode\\\":\\\"ER-00400\\\"}\"}"));
	ck_assert_int_eq(fg_user_by_id(c, ALICE, &u), FG_CLIENT_ERROR);
	ck_assert_int_eq(tl.prio[1], LOG_ERR);
	ck_assert(pf_test_log_has(&tl, "errorCode ER-00400"));
	ck_assert(pf_test_log_has(&tl, "bad %s%n?FAKE: line"));
	for (unsigned i = 0; i < tl.n; i++)
		ck_assert_ptr_null(strchr(tl.lines[i], '\n'));

	/* Neither the secret nor the token appears anywhere. */
	tok = cached_token(&cd, ct_emu.api_url);
	ck_assert_ptr_nonnull(tok);
	ck_assert(ct_log_lacks(&tl, tok));
	ck_assert(ct_log_lacks(&tl, CT_SECRET));
	free(tok);
	fg_client_free(c);
	cache_close(&cd);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("client_api");
	TCase *tc;

	tc = tcase_create("endpoints");
	tcase_add_checked_fixture(tc, ct_setup, ct_teardown);
	tcase_add_test(tc, endpoints_success);
	tcase_add_test(tc, email_escaping_end_to_end);
	tcase_add_test(tc, not_found_and_invalid);
	suite_add_tcase(s, tc);

	tc = tcase_create("token");
	tcase_add_checked_fixture(tc, ct_setup, ct_teardown);
	tcase_add_test(tc, token_one_for_many_calls);
	tcase_add_test(tc, token_shared_by_parallel_processes);
	tcase_add_test(tc, token_cache_follows_config);
	tcase_add_test(tc, token_cache_untrusted_file);
	tcase_add_test(tc, token_lock_busy);
	tcase_add_test(tc, token_cache_unwritable);
	tcase_add_test(tc, renewal_after_401_fault);
	tcase_add_test(tc, renewal_after_expiry);
	tcase_add_test(tc, renewal_only_once);
	tcase_add_test(tc, renewal_at_80_percent);
	tcase_add_test(tc, bad_credentials);
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_checked_fixture(tc, ct_setup, ct_teardown);
	tcase_add_test(tc, lock_2xx_is_the_confirmation);
	tcase_add_test(tc, inv12_repeat_lock_refused_is_resolved_by_reading);
	tcase_add_test(tc, inv12_token_404_is_a_config_error);
	tcase_add_test(tc, inv12_token_not_json_is_a_config_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("audit");
	tcase_add_checked_fixture(tc, ct_setup, ct_teardown);
	tcase_add_test(tc, audit_entry_reaches_the_tenant);
	suite_add_tcase(s, tc);

	tc = tcase_create("modes");
	tcase_add_checked_fixture(tc, ct_setup, ct_teardown);
	tcase_add_test(tc, mode_spec_users);
	tcase_add_test(tc, mode_strict_repeat);
	tcase_add_test(tc, mode_token_answers);
	tcase_add_test(tc, mode_environment_id);
	tcase_add_test(tc, mode_rate_limit_per_minute);
	suite_add_tcase(s, tc);

	tc = tcase_create("logging");
	tcase_add_checked_fixture(tc, ct_setup, ct_teardown);
	tcase_add_test(tc, error_log_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return ct_main(suite());
}
