/* The outbox: durable intents, coalescing, acknowledgement by serial. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pam_frontegg/outbox.h"
#include "testutil.h"

static char *dir;
static struct pf_test_log tl;
static struct pf_store st;

static void setup(void)
{
	dir = pf_test_store_open(&st, &tl);
}

static void teardown(void)
{
	pf_test_store_close(&st, dir);
}

static void put(const char *user, enum pf_action a, bool *queued)
{
	struct pf_txn txn;

	ck_assert_int_eq(pf_store_begin(&st, user, (uid_t)-1, &txn), PF_OK);
	ck_assert_int_eq(pf_outbox_put(&txn, a, 1700000000, queued), PF_OK);
	pf_store_end(&txn);
}

static enum pf_rc ack(const char *user, uint64_t serial)
{
	struct pf_txn txn;
	enum pf_rc rc;

	ck_assert_int_eq(pf_store_begin(&st, user, (uid_t)-1, &txn), PF_OK);
	rc = pf_outbox_ack(&txn, serial);
	pf_store_end(&txn);
	return rc;
}

START_TEST(put_then_get)
{
	struct pf_outbox_entry e;
	bool queued;

	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &e), PF_ERR_NOENT);
	put("alice", PF_ACTION_LOCK, &queued);
	ck_assert(queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &e), PF_OK);
	ck_assert_int_eq(e.action, PF_ACTION_LOCK);
	ck_assert_str_eq(e.user, "alice");
	ck_assert_int_eq(e.queued_at, 1700000000);
	ck_assert_uint_ne(e.serial, 0);
}
END_TEST

START_TEST(same_intent_coalesces)
{
	struct pf_outbox_entry a, b;
	bool queued;

	put("alice", PF_ACTION_LOCK, &queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &a), PF_OK);
	put("alice", PF_ACTION_LOCK, &queued);
	ck_assert(!queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &b), PF_OK);
	ck_assert_uint_eq(a.serial, b.serial);
}
END_TEST

START_TEST(newer_intent_replaces_and_old_ack_keeps_it)
{
	struct pf_outbox_entry lock, unlock;
	bool queued;

	put("alice", PF_ACTION_LOCK, &queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &lock), PF_OK);
	put("alice", PF_ACTION_UNLOCK, &queued);
	ck_assert(queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &unlock), PF_OK);
	ck_assert_int_eq(unlock.action, PF_ACTION_UNLOCK);
	ck_assert_uint_ne(unlock.serial, lock.serial);
	/* The push of the old lock finishing late must not drop the unlock. */
	ck_assert_int_eq(ack("alice", lock.serial), PF_ERR_BUSY);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &unlock), PF_OK);
	ck_assert_int_eq(ack("alice", unlock.serial), PF_OK);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &unlock), PF_ERR_NOENT);
	ck_assert_int_eq(ack("alice", unlock.serial), PF_ERR_NOENT); /* replay is harmless */
}
END_TEST

static int count(const struct pf_outbox_entry *e, void *arg)
{
	(void)e;
	++*(int *)arg;
	return 0;
}

START_TEST(list_skips_corrupt_entries)
{
	char sub[512];
	char *p;
	bool queued;
	int n = 0;

	put("alice", PF_ACTION_LOCK, &queued);
	put("bob", PF_ACTION_UNLOCK, &queued);
	snprintf(sub, sizeof(sub), "%s/outbox", dir);
	p = pf_test_write(sub, "carol", "pam_frontegg-outbox 1\naction lock\n", 0600);
	ck_assert_int_eq(pf_outbox_list(&st, count, &n), PF_OK);
	ck_assert_int_eq(n, 2);
	ck_assert(pf_test_log_has(&tl, "outbox/carol"));
	free(p);
}
END_TEST

START_TEST(entry_for_another_user_is_corrupt)
{
	struct pf_outbox_entry e = { .action = PF_ACTION_LOCK, .queued_at = 1, .serial = 42 };
	char buf[PF_OUTBOX_MAX_SIZE], sub[512];
	char *p;

	strcpy(e.user, "root");
	pf_outbox_format(&e, buf, sizeof(buf));
	snprintf(sub, sizeof(sub), "%s/outbox", dir);
	p = pf_test_write(sub, "alice", buf, 0600);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &e), PF_ERR_CORRUPT);
	free(p);
}
END_TEST

START_TEST(parse_rejects_hostile_entries)
{
	static const char *const bad[] = {
		"pam_frontegg-outbox 1\naction drop-tables\nuser a\nqueued 1\nserial 0000000000000001\nend\n",
		"pam_frontegg-outbox 1\naction lock\nuser ../x\nqueued 1\nserial 0000000000000001\nend\n",
		"pam_frontegg-outbox 1\naction lock\nuser a\nqueued 1\nserial 1\nend\n",
		"pam_frontegg-outbox 1\naction lock\nuser a\nqueued 1\nend\n",
		"pam_frontegg-outbox 1\naction lock\naction lock\nuser a\nqueued 1\nserial 0000000000000001\nend\n",
		/* Only state records have a journal. */
		"pam_frontegg-outbox 1\naction lock\nuser a\nqueued 1\nserial 0000000000000001\nend\nfail 1 sshd - -\n",
	};
	struct pf_outbox_entry e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(pf_outbox_parse(bad[i], strlen(bad[i]), &e) == PF_ERR_CORRUPT,
			      "accepted #%zu", i);
}
END_TEST

/* An ambiguous answer parks the entry: kept, with why, when and for which identity. */
START_TEST(inv12_park_keeps_the_entry_and_retries_on_a_new_identity)
{
	struct pf_outbox_entry e, again;
	struct pf_txn txn;
	char buf[PF_OUTBOX_MAX_SIZE];
	bool queued;

	put("alice", PF_ACTION_LOCK, &queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &e), PF_OK);
	ck_assert(pf_outbox_retry_due(&e, "alice@example.com", 1700000100));
	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	ck_assert_int_eq(pf_outbox_park(&txn, e.serial + 1, PF_PARK_NOT_FOUND, "x@y", 1),
			 PF_ERR_BUSY);
	ck_assert_int_eq(
	    pf_outbox_park(&txn, e.serial, PF_PARK_NOT_FOUND, "alice@example.com", 1700000100),
	    PF_OK);
	pf_store_end(&txn);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &again), PF_OK);
	ck_assert_uint_eq(again.serial, e.serial);
	ck_assert_int_eq(again.parked, PF_PARK_NOT_FOUND);
	ck_assert_str_eq(pf_park_str(again.parked), "not found in Frontegg");
	ck_assert_str_eq(again.parked_for, "alice@example.com");
	/* Same identity: not before the back-off; another identity, or a clock gone back: now. */
	ck_assert(!pf_outbox_retry_due(&again, "alice@example.com", 1700000100 + 60));
	ck_assert(
	    pf_outbox_retry_due(&again, "alice@example.com", 1700000100 + PF_OUTBOX_PARK_RETRY));
	ck_assert(pf_outbox_retry_due(&again, "alice@corp.example", 1700000100 + 60));
	ck_assert(pf_outbox_retry_due(&again, "", 1700000100 + 60));
	ck_assert(pf_outbox_retry_due(&again, "alice@example.com", 1700000000));
	/* The record round-trips; a new intent replaces the parked one afresh. */
	ck_assert_uint_gt(pf_outbox_format(&again, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "parked not-found 1700000100 alice@example.com\n"));
	put("alice", PF_ACTION_UNLOCK, &queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &again), PF_OK);
	ck_assert_int_eq(again.parked, PF_PARK_NONE);
}
END_TEST

/* A delivered action whose audit entry waits is no pending intent: a new one replaces it. */
START_TEST(delivered_entry_waits_only_for_its_audit)
{
	struct pf_outbox_entry e, again;
	struct pf_txn txn;
	bool queued;

	put("alice", PF_ACTION_LOCK, &queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &e), PF_OK);
	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	ck_assert_int_eq(pf_outbox_mark_delivered(&txn, e.serial + 1, "t-1", 5), PF_ERR_BUSY);
	ck_assert_int_eq(pf_outbox_mark_delivered(&txn, e.serial, "t-1", 1700000200), PF_OK);
	pf_store_end(&txn);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &again), PF_OK);
	ck_assert_int_eq(again.delivered_at, 1700000200);
	ck_assert_str_eq(again.audit_tenant, "t-1");
	ck_assert_uint_eq(again.serial, e.serial);
	/* The user fails again after an unlock in Frontegg: the new lock is queued. */
	put("alice", PF_ACTION_LOCK, &queued);
	ck_assert(queued);
	ck_assert_int_eq(pf_outbox_get(&st, "alice", (uid_t)-1, &again), PF_OK);
	ck_assert_int_eq(again.delivered_at, 0);
	ck_assert_uint_ne(again.serial, e.serial);
}
END_TEST

START_TEST(parked_line_is_strict)
{
	static const char *const bad[] = {
		"pam_frontegg-outbox 1\naction lock\nuser a\nqueued 1\nserial 0000000000000001\n"
		"parked maybe 1 -\nend\n",
		"pam_frontegg-outbox 1\naction lock\nuser a\nqueued 1\nserial 0000000000000001\n"
		"parked unmapped 1\nend\n",
		"pam_frontegg-outbox 1\naction lock\nuser a\nqueued 1\nserial 0000000000000001\n"
		"parked unmapped 1 -\nparked unmapped 1 -\nend\n",
		"pam_frontegg-outbox 1\naction lock\nuser a\nqueued 1\nserial 0000000000000001\n"
		"delivered 0 -\nend\n",
		"pam_frontegg-outbox 1\naction lock\nuser a\nqueued 1\nserial 0000000000000001\n"
		"delivered 5\nend\n",
	};
	static const char good[] = "pam_frontegg-outbox 1\naction lock\nuser a\nqueued 1\n"
				   "serial 0000000000000001\nparked unmapped 7 -\nend\n";
	struct pf_outbox_entry e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(pf_outbox_parse(bad[i], strlen(bad[i]), &e) == PF_ERR_CORRUPT,
			      "accepted #%zu", i);
	ck_assert_int_eq(pf_outbox_parse(good, strlen(good), &e), PF_OK);
	ck_assert_int_eq(e.parked, PF_PARK_UNMAPPED);
	ck_assert_int_eq(e.parked_at, 7);
	ck_assert_str_eq(e.parked_for, "-");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("outbox");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, put_then_get);
	tcase_add_test(tc, same_intent_coalesces);
	tcase_add_test(tc, newer_intent_replaces_and_old_ack_keeps_it);
	tcase_add_test(tc, list_skips_corrupt_entries);
	tcase_add_test(tc, entry_for_another_user_is_corrupt);
	tcase_add_test(tc, parse_rejects_hostile_entries);
	tcase_add_test(tc, inv12_park_keeps_the_entry_and_retries_on_a_new_identity);
	tcase_add_test(tc, parked_line_is_strict);
	tcase_add_test(tc, delivered_entry_waits_only_for_its_audit);
	suite_add_tcase(s, tc);
	return pf_test_run(s);
}
