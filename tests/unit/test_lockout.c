/* The shared lockout operations: check, failure, success, cloud answers. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_frontegg/lockout.h"
#include "testutil.h"

#define T0 1700000000

static char *dir;
static struct pf_test_log tl;
static struct pf_store st;
static struct pf_config cfg;
static struct pf_lockout lo;

static void setup(void)
{
	dir = pf_test_store_open(&st, &tl);
	ck_assert_int_eq(pf_config_defaults(&cfg), PF_OK);
	cfg.root_unlock_time = cfg.unlock_time;
	cfg.client_id = strdup("test-client-id");
	cfg.user_email = strdup("%u@corp.example");
	lo = (struct pf_lockout){ &cfg, &st, "alice", (uid_t)-1, false, &tl.logger };
}

static void teardown(void)
{
	pf_config_free(&cfg);
	pf_test_store_close(&st, dir);
}

static struct pf_failure_result fail_auth(int64_t now)
{
	struct pf_auth_event ev = { "sshd", "192.0.2.1", "ssh", now };
	struct pf_failure_result r;

	ck_assert_int_eq(pf_lockout_record_failure(&lo, &ev, &r), PF_OK);
	return r;
}

static enum pf_rc apply(enum pf_cloud_seen seen, const char *id, int64_t now, bool *cleared)
{
	struct pf_cloud_answer ans = { seen, id, NULL };

	return pf_lockout_apply_cloud(&lo, &ans, now, cleared);
}

static enum pf_verdict verdict(int64_t now, bool cloud)
{
	struct pf_check c;

	pf_lockout_check(&lo, now, cloud, &c);
	return c.verdict;
}

static bool user_file_exists(const char *sub)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/alice", dir, sub);
	return access(path, F_OK) == 0;
}

/* The lines of alice's record after "end": its journal. */
static unsigned journal_lines_on_disk(void)
{
	char text[PF_STATE_MAX_SIZE];
	const char *end;
	unsigned n = 0;

	pf_test_read(dir, "users/alice", text, sizeof(text));
	end = strstr(text, "\nend\n");
	ck_assert_ptr_nonnull(end);
	for (const char *p = end + 5; *p; p++)
		n += *p == '\n';
	return n;
}

START_TEST(unknown_user_is_allowed_and_nothing_written)
{
	ck_assert_int_eq(verdict(T0, false), PF_VERDICT_ALLOW);
	ck_assert_int_eq(pf_lockout_record_success(&lo, T0), PF_OK);
	ck_assert(!user_file_exists("users"));
}
END_TEST

START_TEST(lock_transition_queues_one_cloud_lock)
{
	struct pf_outbox_entry e;

	ck_assert(!fail_auth(T0).push_queued);
	ck_assert(!fail_auth(T0 + 1).push_queued);
	ck_assert(!user_file_exists("outbox"));
	struct pf_failure_result r = fail_auth(T0 + 2);
	ck_assert_int_eq(r.outcome, PF_FAIL_LOCKED_NOW);
	ck_assert(r.push_queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &e), PF_OK);
	ck_assert_int_eq(e.action, PF_ACTION_LOCK);
	for (int i = 3; i < 20; i++)
		ck_assert(!fail_auth(T0 + i).push_queued);
	ck_assert_int_eq(verdict(T0 + 20, false), PF_VERDICT_HOST_LOCKED);
}
END_TEST

START_TEST(cloud_lock_off_queues_nothing)
{
	cfg.cloud_lock = false;
	fail_auth(T0);
	fail_auth(T0);
	ck_assert(!fail_auth(T0).push_queued);
	ck_assert(!user_file_exists("outbox"));
}
END_TEST

START_TEST(success_clears_unless_locked)
{
	struct pf_check c;

	fail_auth(T0);
	fail_auth(T0);
	ck_assert_int_eq(pf_lockout_record_success(&lo, T0 + 1), PF_OK);
	pf_lockout_check(&lo, T0 + 1, false, &c);
	ck_assert_uint_eq(c.recent_failures, 0);
	fail_auth(T0 + 2);
	fail_auth(T0 + 2);
	fail_auth(T0 + 2);
	ck_assert_int_eq(pf_lockout_record_success(&lo, T0 + 3), PF_ERR_BUSY);
	ck_assert_int_eq(verdict(T0 + 3, false), PF_VERDICT_HOST_LOCKED);
}
END_TEST

static struct pf_failure_result attempt(int64_t now)
{
	struct pf_auth_event ev = { "sshd", "192.0.2.1", "ssh", now };
	struct pf_failure_result r;

	ck_assert_int_eq(pf_lockout_record_attempt(&lo, &ev, &r), PF_OK);
	return r;
}

static struct pf_user_state alice_state(void)
{
	struct pf_user_state s;

	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	return s;
}

START_TEST(inv15_unsettled_attempts_count_as_failures)
{
	struct pf_outbox_entry e;
	struct pf_failure_result r;

	/* Three attempts whose processes never came back: each one a journal line. */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(attempt(T0 + i).outcome, PF_FAIL_COUNTED);
	ck_assert_uint_eq(alice_state().n_attempt, 3);
	ck_assert_uint_eq(journal_lines_on_disk(), 2); /* the first one created the record */
	ck_assert_int_eq(verdict(T0 + 3, false), PF_VERDICT_ALLOW);
	/* The fourth finds deny reached: the lock starts, with its one cloud lock. */
	r = attempt(T0 + 3);
	ck_assert_int_eq(r.outcome, PF_FAIL_LOCKED_NOW);
	ck_assert(r.push_queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &e), PF_OK);
	ck_assert_int_eq(verdict(T0 + 3, false), PF_VERDICT_HOST_LOCKED);
	ck_assert_int_eq(attempt(T0 + 4).outcome, PF_FAIL_WHILE_LOCKED);
}
END_TEST

START_TEST(inv15_settled_attempts_do_not_count)
{
	struct pf_auth_event ev = { "sshd", "192.0.2.1", "ssh", T0 + 1 };
	struct pf_failure_result r;
	bool cleared;

	fail_auth(T0);
	attempt(T0 + 1);
	/* Its failure settles it: one failure, not two. */
	ck_assert_int_eq(pf_lockout_settle_failure(&lo, &ev, T0 + 1, &r), PF_OK);
	ck_assert_uint_eq(r.recent_failures, 2);
	ck_assert_uint_eq(alice_state().n_attempt, 0);
	/* The deny-th attempt with the right password: settled away by the success. */
	ck_assert_int_eq(attempt(T0 + 2).outcome, PF_FAIL_COUNTED);
	ck_assert_int_eq(pf_lockout_settle_success(&lo, T0 + 2, T0 + 2), PF_OK);
	ck_assert_uint_eq(alice_state().n_attempt, 0);
	ck_assert_uint_eq(alice_state().n_fail, 0);
	/* An attempt settled by a success while still the last line leaves no trace. */
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(attempt(T0 + 3).outcome, PF_FAIL_COUNTED);
		ck_assert_uint_eq(journal_lines_on_disk(), 1);
		ck_assert_int_eq(pf_lockout_settle_success(&lo, T0 + 3, T0 + 3), PF_OK);
		ck_assert_uint_eq(journal_lines_on_disk(), 0);
	}
	ck_assert_uint_eq(alice_state().n_attempt, 0);
	/* A line after it (a refresh meanwhile): the settlement is a line of its own. */
	ck_assert_int_eq(attempt(T0 + 4).outcome, PF_FAIL_COUNTED);
	ck_assert_int_eq(apply(PF_CLOUD_UNLOCKED, NULL, T0 + 4, &cleared), PF_OK);
	ck_assert_int_eq(pf_lockout_settle_success(&lo, T0 + 5, T0 + 4), PF_OK);
	ck_assert_uint_eq(journal_lines_on_disk(), 3);
	ck_assert_uint_eq(alice_state().n_attempt, 0);
}
END_TEST

START_TEST(cloud_verdicts_follow_the_cache)
{
	bool cleared;

	ck_assert_int_eq(verdict(T0, true), PF_VERDICT_CLOUD_STALE);
	ck_assert_int_eq(apply(PF_CLOUD_LOCKED, "abc-123", T0, &cleared), PF_OK);
	ck_assert_int_eq(verdict(T0 + 1, true), PF_VERDICT_CLOUD_LOCKED);
	ck_assert_int_eq(verdict(T0 + 1, false), PF_VERDICT_ALLOW);
	/* A stale LOCKED stays locked until a fresh answer (doc/invariants.md, invariant 2). */
	ck_assert_int_eq(verdict(T0 + 60, true), PF_VERDICT_CLOUD_LOCKED);
	ck_assert_int_eq(apply(PF_CLOUD_UNLOCKED, NULL, T0 + 61, &cleared), PF_OK);
	ck_assert_int_eq(verdict(T0 + 62, true), PF_VERDICT_ALLOW);
	ck_assert(!cleared);
}
END_TEST

static void mark_pushed(void)
{
	struct pf_txn txn;

	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	txn.state.cloud_lock_pushed = true;
	ck_assert_int_eq(pf_store_commit(&txn), PF_OK);
	pf_store_end(&txn);
}

START_TEST(cloud_unlock_of_our_lock_clears_host)
{
	bool cleared;

	fail_auth(T0);
	fail_auth(T0);
	fail_auth(T0);
	mark_pushed();
	ck_assert_int_eq(apply(PF_CLOUD_UNLOCKED, NULL, T0 + 5, &cleared), PF_OK);
	ck_assert(cleared);
	ck_assert_uint_eq(journal_lines_on_disk(), 0); /* the clear is durable, not appended */
	ck_assert_int_eq(verdict(T0 + 6, true), PF_VERDICT_ALLOW);
}
END_TEST

START_TEST(cloud_unlock_without_our_push_keeps_host_lock)
{
	bool cleared;

	fail_auth(T0);
	fail_auth(T0);
	fail_auth(T0);
	ck_assert_int_eq(apply(PF_CLOUD_UNLOCKED, NULL, T0 + 5, &cleared), PF_OK);
	ck_assert(!cleared);
	ck_assert_int_eq(verdict(T0 + 6, true), PF_VERDICT_HOST_LOCKED);
}
END_TEST

static enum pf_action outbox_action(void)
{
	struct pf_outbox_entry e;

	return pf_outbox_get(&st, "alice", (uid_t)-1, &e) == PF_OK ? e.action : PF_ACTION_NONE;
}

/* Ends alice's lock at now in one transaction; returns what the outbox holds then. */
static enum pf_action expire_and_outbox(int64_t now, bool *unlock_queued)
{
	struct pf_txn txn;

	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	ck_assert(pf_lockout_expire(&txn, &cfg, now, unlock_queued));
	ck_assert_int_eq(pf_store_commit(&txn), PF_OK);
	pf_store_end(&txn);
	return outbox_action();
}

/* Locks alice at t; Frontegg confirmed the lock this host pushed. */
static void lock_and_push(int64_t t)
{
	struct pf_outbox_entry e;
	struct pf_txn txn;

	fail_auth(t);
	fail_auth(t);
	fail_auth(t);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &e), PF_OK);
	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	ck_assert_int_eq(pf_outbox_ack(&txn, e.serial), PF_OK);
	pf_store_end(&txn);
	mark_pushed();
}

/* inv5: by default the expiry of a lock this host pushed queues the cloud unlock. */
START_TEST(inv5_expiry_unlocks_the_cloud_by_default)
{
	bool queued = false;

	ck_assert(cfg.cloud_unlock_on_expiry);
	lock_and_push(T0);
	ck_assert_int_eq(outbox_action(), PF_ACTION_NONE);
	ck_assert_int_eq(apply(PF_CLOUD_LOCKED, "abc-123", T0 + 1, &queued), PF_OK);
	ck_assert_int_eq(verdict(T0 + 2, true), PF_VERDICT_HOST_LOCKED);
	/* The cloud lock is this host's own, ending: it refuses nobody here. */
	ck_assert_int_eq(verdict(T0 + 600, true), PF_VERDICT_ALLOW);
	ck_assert_int_eq(expire_and_outbox(T0 + 600, &queued), PF_ACTION_UNLOCK);
	ck_assert(queued);
	ck_assert_int_eq(verdict(T0 + 601, true), PF_VERDICT_ALLOW);
	cfg.cloud_unlock_on_expiry = false;
	ck_assert_int_eq(verdict(T0 + 601, true), PF_VERDICT_CLOUD_LOCKED);
}
END_TEST

START_TEST(inv5_expiry_keeps_the_cloud_lock_when_configured)
{
	bool queued = true;

	cfg.cloud_unlock_on_expiry = false;
	lock_and_push(T0);
	ck_assert_int_eq(expire_and_outbox(T0 + 600, &queued), PF_ACTION_NONE);
	ck_assert(!queued);
}
END_TEST

/* A lock that never reached Frontegg is not sent after the host lock ended. */
START_TEST(inv5_expiry_drops_an_undelivered_lock)
{
	bool queued = true;

	fail_auth(T0);
	fail_auth(T0);
	fail_auth(T0);
	ck_assert_int_eq(outbox_action(), PF_ACTION_LOCK);
	ck_assert_int_eq(expire_and_outbox(T0 + 600, &queued), PF_ACTION_NONE);
	ck_assert(!queued);
}
END_TEST

/*
 * Someone unlocked in Frontegg (the host saw it) and then locked again: that
 * lock is not this host's, and its expiry leaves it alone.
 */
START_TEST(inv5_expiry_leaves_a_lock_someone_else_made)
{
	bool cleared, queued = true;

	lock_and_push(T0);
	ck_assert_int_eq(apply(PF_CLOUD_UNLOCKED, "abc-123", T0 + 5, &cleared), PF_OK);
	ck_assert(cleared);
	lock_and_push(T0 + 10); /* locked again here, pushed */
	ck_assert_int_eq(apply(PF_CLOUD_UNLOCKED, "abc-123", T0 + 20, &cleared), PF_OK);
	fail_auth(T0 + 30);
	fail_auth(T0 + 30);
	fail_auth(T0 + 30); /* a host lock never pushed: the cloud lock is the portal's */
	ck_assert_int_eq(apply(PF_CLOUD_LOCKED, "abc-123", T0 + 31, &cleared), PF_OK);
	ck_assert_int_eq(expire_and_outbox(T0 + 700, &queued), PF_ACTION_NONE);
	ck_assert(!queued);
}
END_TEST

/* A lost unlock (the record says pushed, no host lock, nothing queued) is queued again. */
START_TEST(inv5_sync_requeues_a_lost_unlock)
{
	struct pf_outbox_entry e;
	struct pf_txn txn;

	lock_and_push(T0);
	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	ck_assert(!pf_lockout_requeue_unlock(&txn, &cfg, T0 + 1)); /* still locked here */
	pf_clear_tally(&txn.state); /* the expiry was written, its unlock lost */
	ck_assert_int_eq(pf_store_commit(&txn), PF_OK);
	cfg.cloud_unlock_on_expiry = false;
	ck_assert(!pf_lockout_requeue_unlock(&txn, &cfg, T0 + 601));
	cfg.cloud_unlock_on_expiry = true;
	ck_assert(pf_lockout_requeue_unlock(&txn, &cfg, T0 + 601));
	ck_assert(!pf_lockout_requeue_unlock(&txn, &cfg, T0 + 602)); /* once */
	pf_store_end(&txn);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &e), PF_OK);
	ck_assert_int_eq(e.action, PF_ACTION_UNLOCK);
}
END_TEST

/* The login that notices the expiry learns that a push is due. */
START_TEST(inv5_failure_after_expiry_reports_the_queued_unlock)
{
	struct pf_check c;

	lock_and_push(T0);
	pf_lockout_check(&lo, T0 + 600, false, &c);
	ck_assert_int_eq(c.verdict, PF_VERDICT_ALLOW);
	ck_assert(c.lock_expired);
	ck_assert(fail_auth(T0 + 600).push_queued);
	ck_assert_int_eq(outbox_action(), PF_ACTION_UNLOCK);
	pf_lockout_check(&lo, T0 + 601, false, &c);
	ck_assert(!c.lock_expired);
}
END_TEST

START_TEST(corrupt_record_is_error_then_replaced)
{
	char sub[512];
	char *p;

	snprintf(sub, sizeof(sub), "%s/users", dir);
	p = pf_test_write(sub, "alice", "not a record\n", 0600);
	ck_assert_int_eq(verdict(T0, false), PF_VERDICT_ERROR);
	fail_auth(T0);
	ck_assert_int_eq(verdict(T0, false), PF_VERDICT_ALLOW);
	ck_assert(pf_test_log_has(&tl, "starting a fresh record for alice"));
	free(p);
}
END_TEST

START_TEST(failures_below_deny_are_appended_a_lock_is_rewritten)
{
	struct pf_check c;

	fail_auth(T0); /* creates the record: a rewrite */
	ck_assert_uint_eq(journal_lines_on_disk(), 0);
	fail_auth(T0 + 1);
	ck_assert_uint_eq(journal_lines_on_disk(), 1);
	pf_lockout_check(&lo, T0 + 1, false, &c);
	ck_assert_uint_eq(c.recent_failures, 2);
	ck_assert_int_eq(fail_auth(T0 + 2).outcome, PF_FAIL_LOCKED_NOW);
	ck_assert_uint_eq(journal_lines_on_disk(), 0); /* the lock is durable */
	ck_assert_int_eq(fail_auth(T0 + 3).outcome, PF_FAIL_WHILE_LOCKED);
	ck_assert_uint_eq(journal_lines_on_disk(), 1);
	ck_assert_int_eq(verdict(T0 + 4, false), PF_VERDICT_HOST_LOCKED);
}
END_TEST

START_TEST(a_full_journal_is_folded_and_counting_stays_exact)
{
	struct pf_user_state s;

	for (int i = 0; i < 3 * PF_JOURNAL_MAX; i++) /* too far apart to lock */
		ck_assert_int_eq(fail_auth(T0 + 1000 * i).outcome, PF_FAIL_COUNTED);
	ck_assert_uint_le(journal_lines_on_disk(), PF_JOURNAL_MAX);
	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	ck_assert_uint_eq(s.failures_total, 3 * PF_JOURNAL_MAX);
	ck_assert_uint_eq(s.n_fail,
			  3 * PF_JOURNAL_MAX < PF_FAIL_RING ? 3 * PF_JOURNAL_MAX : PF_FAIL_RING);
	ck_assert_int_eq(s.fail[s.n_fail - 1].when, T0 + 1000 * (3 * PF_JOURNAL_MAX - 1));
}
END_TEST

START_TEST(a_torn_append_is_repaired_by_the_next_failure)
{
	char path[512];
	struct pf_user_state s;
	FILE *f;

	cfg.deny = 10;
	fail_auth(T0);
	fail_auth(T0 + 1);
	ck_assert_uint_eq(journal_lines_on_disk(), 1);
	snprintf(path, sizeof(path), "%s/users/alice", dir);
	f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fputs("fail 17000", f); /* a crash in the middle of an append */
	fclose(f);
	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	ck_assert_uint_eq(s.failures_total, 2);
	ck_assert_int_eq(fail_auth(T0 + 2).outcome, PF_FAIL_COUNTED);
	ck_assert_uint_eq(journal_lines_on_disk(), 0); /* rewritten, the torn line gone */
	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	ck_assert_uint_eq(s.failures_total, 3);
	ck_assert(!s.journal_torn);
}
END_TEST

START_TEST(a_cache_refresh_is_appended_a_new_id_rewrites)
{
	struct pf_user_state s;
	bool cleared;

	fail_auth(T0);
	ck_assert_int_eq(apply(PF_CLOUD_UNLOCKED, "abc-123", T0 + 1, &cleared), PF_OK);
	ck_assert_uint_eq(journal_lines_on_disk(), 0); /* the id is new: a rewrite */
	ck_assert_int_eq(apply(PF_CLOUD_LOCKED, "abc-123", T0 + 2, &cleared), PF_OK);
	ck_assert_int_eq(apply(PF_CLOUD_LOCKED, NULL, T0 + 3, &cleared), PF_OK);
	ck_assert_uint_eq(journal_lines_on_disk(), 2);
	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	ck_assert_int_eq(s.cloud, PF_CLOUD_LOCKED);
	ck_assert_int_eq(s.cloud_checked_at, T0 + 3);
	ck_assert_str_eq(s.frontegg_id, "abc-123");
	ck_assert_uint_eq(s.failures_total, 1);
	ck_assert_int_eq(verdict(T0 + 4, true), PF_VERDICT_CLOUD_LOCKED);
	ck_assert_int_eq(apply(PF_CLOUD_UNLOCKED, "def-456", T0 + 5, &cleared), PF_OK);
	ck_assert_uint_eq(journal_lines_on_disk(), 0);
	ck_assert_int_eq(verdict(T0 + 6, true), PF_VERDICT_ALLOW);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lockout");
	TCase *tc = tcase_create("lockout");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unknown_user_is_allowed_and_nothing_written);
	tcase_add_test(tc, failures_below_deny_are_appended_a_lock_is_rewritten);
	tcase_add_test(tc, a_full_journal_is_folded_and_counting_stays_exact);
	tcase_add_test(tc, a_torn_append_is_repaired_by_the_next_failure);
	tcase_add_test(tc, a_cache_refresh_is_appended_a_new_id_rewrites);
	tcase_add_test(tc, lock_transition_queues_one_cloud_lock);
	tcase_add_test(tc, cloud_lock_off_queues_nothing);
	tcase_add_test(tc, success_clears_unless_locked);
	tcase_add_test(tc, cloud_verdicts_follow_the_cache);
	tcase_add_test(tc, cloud_unlock_of_our_lock_clears_host);
	tcase_add_test(tc, cloud_unlock_without_our_push_keeps_host_lock);
	tcase_add_test(tc, inv5_expiry_unlocks_the_cloud_by_default);
	tcase_add_test(tc, inv5_expiry_keeps_the_cloud_lock_when_configured);
	tcase_add_test(tc, inv5_expiry_drops_an_undelivered_lock);
	tcase_add_test(tc, inv5_expiry_leaves_a_lock_someone_else_made);
	tcase_add_test(tc, inv5_failure_after_expiry_reports_the_queued_unlock);
	tcase_add_test(tc, inv5_sync_requeues_a_lost_unlock);
	tcase_add_test(tc, corrupt_record_is_error_then_replaced);
	tcase_add_test(tc, inv15_unsettled_attempts_count_as_failures);
	tcase_add_test(tc, inv15_settled_attempts_do_not_count);
	suite_add_tcase(s, tc);
	return pf_test_run(s);
}
