/*
 * The store under real parallel processes: exact counting under contention
 * and a writer killed with SIGKILL mid-update.
 */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pam_frontegg/lockout.h"
#include "testutil.h"

#define WRITERS       16
#define FAILURES_EACH 200
#define KILLS         60

static char *dir;
static struct pf_test_log tl;
static struct pf_config cfg;

static void setup(void)
{
	dir = pf_test_mkdtemp();
	pf_test_log_init(&tl);
	ck_assert_int_eq(pf_config_defaults(&cfg), PF_OK);
}

static void teardown(void)
{
	pf_config_free(&cfg);
	pf_test_rmtree(dir);
	free(dir);
}

/* A child: record n failures for alice; write one byte to progress after each. */
static void writer(int n, int progress)
{
	struct pf_store st;
	struct pf_lockout lo = { &cfg, &st, "alice", (uid_t)-1, false, NULL };

	if (pf_store_open(&st, dir, 0, NULL) != PF_OK)
		_exit(2);
	lo.st = &st;
	for (int i = 0; i < n; i++) {
		struct pf_auth_event ev = { "sshd", "-", "-", pf_now() };
		struct pf_failure_result r;
		if (pf_lockout_record_failure(&lo, &ev, &r) != PF_OK)
			_exit(3);
		if (progress >= 0 && write(progress, "x", 1) != 1)
			_exit(4);
	}
	_exit(0);
}

static uint64_t failures_of_alice(void)
{
	struct pf_store st;
	struct pf_user_state s;

	ck_assert_int_eq(pf_store_open(&st, dir, 0, &tl.logger), PF_OK);
	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	pf_store_close(&st);
	return s.failures_total;
}

START_TEST(parallel_failures_count_exactly)
{
	struct pf_store st;
	pid_t pids[WRITERS];

	ck_assert_int_eq(pf_store_open(&st, dir, PF_STORE_SETUP, &tl.logger), PF_OK);
	pf_store_close(&st);
	for (int i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0)
			writer(FAILURES_EACH, -1);
	}
	for (int i = 0; i < WRITERS; i++) {
		int status;
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_uint_eq(failures_of_alice(), WRITERS * FAILURES_EACH);
}
END_TEST

/* Starts a writer, lets it finish `after` updates, kills it mid-stream. */
static void kill_writer_after(unsigned after)
{
	int fds[2];
	char buf[64];
	unsigned seen = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		writer(1000000, fds[1]);
	}
	close(fds[1]);
	while (seen < after) {
		ssize_t n =
		    read(fds[0], buf, sizeof(buf) < after - seen ? sizeof(buf) : after - seen);
		ck_assert_int_gt(n, 0);
		seen += (unsigned)n;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fds[0]);
}

START_TEST(sigkill_mid_update_leaves_a_readable_store)
{
	struct pf_store st;
	uint64_t before = 0;

	srand(12345);
	ck_assert_int_eq(pf_store_open(&st, dir, PF_STORE_SETUP, &tl.logger), PF_OK);
	pf_store_close(&st);
	for (int k = 0; k < KILLS; k++) {
		uint64_t now;
		kill_writer_after(1 + (unsigned)(rand() % 20));
		now = failures_of_alice(); /* asserts the record parses */
		ck_assert_uint_ge(now, before + 1);
		before = now;
	}
	ck_assert_uint_eq(tl.n, 0); /* nothing was ever reported corrupt */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("concurrency");
	TCase *tc = tcase_create("concurrency");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, parallel_failures_count_exactly);
	tcase_add_test(tc, sigkill_mid_update_leaves_a_readable_store);
	suite_add_tcase(s, tc);
	return pf_test_run(s);
}
