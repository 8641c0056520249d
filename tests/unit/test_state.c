/* The state store: format, corruption, symlinks, permissions, listing. */
#include "autoconfig.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pam_frontegg/state.h"
#include "testutil.h"

static char *dir;
static struct pf_test_log tl;
static struct pf_store st;

/* Creates dir/rel, a file aged `age` seconds. */
static void aged_file(const char *rel, int64_t age)
{
	char path[512];
	struct timespec t[2];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= age;
	t[1] = t[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, path, t, 0), 0);
}

static bool exists(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

/* Number of ".tmp.*" entries in dir/sub. */
static unsigned temp_files(const char *sub)
{
	char path[512];
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".tmp.", 5) == 0;
	closedir(d);
	return n;
}

static void setup(void)
{
	dir = pf_test_store_open(&st, &tl);
}

static void teardown(void)
{
	pf_test_store_close(&st, dir);
}

static void sample(struct pf_user_state *s)
{
	memset(s, 0, sizeof(*s));
	s->failures_total = 4;
	s->lock_since = 1700000000;
	s->lock_until = 1700000600;
	s->cloud = PF_CLOUD_LOCKED;
	s->cloud_checked_at = 1700000050;
	s->cloud_lock_pushed = true;
	s->cloud_pushed_at = 1700000001;
	strcpy(s->frontegg_id, "3fa85f64-5717-4562-b3fc-2c963f66afa6");
	strcpy(s->identity, "alice@corp.example");
	s->push_attempts = 2;
	s->push_last_at = 1700000100;
	s->n_fail = 2;
	s->fail[0].when = 1699999990;
	strcpy(s->fail[0].service, "sshd");
	strcpy(s->fail[0].rhost, "192.0.2.7");
	strcpy(s->fail[0].tty, "ssh");
	s->fail[1].when = 1700000000;
	strcpy(s->fail[1].service, "login");
	strcpy(s->fail[1].rhost, "-");
	strcpy(s->fail[1].tty, "tty1");
}

START_TEST(format_parse_round_trip)
{
	struct pf_user_state a, b;
	char buf[PF_STATE_MAX_SIZE];
	size_t n;

	sample(&a);
	n = pf_state_format(&a, buf, sizeof(buf));
	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(pf_state_parse(buf, n, &b), PF_OK);
	/* Only fail[0..n_fail) is state: compare everything before the ring, then the records. */
	ck_assert_mem_eq(&a, &b, offsetof(struct pf_user_state, fail));
	ck_assert_mem_eq(a.fail, b.fail, a.n_fail * sizeof(a.fail[0]));
}
END_TEST

START_TEST(every_truncation_is_corrupt)
{
	struct pf_user_state a, b;
	char buf[PF_STATE_MAX_SIZE];
	size_t n;

	sample(&a);
	n = pf_state_format(&a, buf, sizeof(buf));
	for (size_t len = 0; len < n; len++)
		ck_assert_msg(pf_state_parse(buf, len, &b) == PF_ERR_CORRUPT, "accepted %zu/%zu",
			      len, n);
}
END_TEST

START_TEST(malformed_records_are_corrupt)
{
	static const char *const bad[] = {
		"garbage\nend\n",
		"pam_frontegg-state 2\nend\n",
		"pam_frontegg-state 1\nend\n", /* keys missing */
		"pam_frontegg-state 1\nfailures 1\nfailures 1\nend\n",
		"pam_frontegg-state 1\nfailures -1\nend\n",
		"pam_frontegg-state 1\nfailures 01\nend\n",
		"pam_frontegg-state 1\nfailures  1\nend\n",
		"pam_frontegg-state 1\nwhatever 1\nend\n",
		"pam_frontegg-state 1\nfailures 99999999999999999999999\nend\n",
	};
	struct pf_user_state s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(pf_state_parse(bad[i], strlen(bad[i]), &s) == PF_ERR_CORRUPT,
			      "accepted #%zu", i);
}
END_TEST

START_TEST(hostile_fields_are_refused_or_neutralised)
{
	struct pf_user_state a, b;
	char buf[PF_STATE_MAX_SIZE], *p;
	size_t n;

	sample(&a);
	pf_field_copy(a.fail[0].rhost, sizeof(a.fail[0].rhost), "evil host\nfail 1 x y z");
	ck_assert_ptr_null(strchr(a.fail[0].rhost, ' '));
	ck_assert_ptr_null(strchr(a.fail[0].rhost, '\n'));
	n = pf_state_format(&a, buf, sizeof(buf));
	ck_assert_int_eq(pf_state_parse(buf, n, &b), PF_OK);
	ck_assert_uint_eq(b.n_fail, 2);
	/* An id that could walk a URL path is corrupt, not trusted. */
	p = strstr(buf, "id 3fa8");
	memcpy(p + 3, "../", 3);
	ck_assert_int_eq(pf_state_parse(buf, n, &b), PF_ERR_CORRUPT);
}
END_TEST

START_TEST(too_many_failures_is_corrupt)
{
	struct pf_user_state a, b;
	char *buf = malloc(PF_STATE_MAX_SIZE * 2);
	size_t n;

	sample(&a);
	n = pf_state_format(&a, buf, PF_STATE_MAX_SIZE);
	n -= 4; /* drop "end\n", append one failure too many */
	for (int i = 0; i < PF_FAIL_RING; i++)
		n += (size_t)sprintf(buf + n, "fail 1700000001 sshd - -\n");
	n += (size_t)sprintf(buf + n, "end\n");
	ck_assert_int_eq(pf_state_parse(buf, n, &b), PF_ERR_CORRUPT);
	free(buf);
}
END_TEST

/* sample() as text, followed by len bytes of extra (the journal). */
static size_t sample_with_bytes(const char *extra, size_t len, char *buf, size_t size)
{
	struct pf_user_state a;
	size_t n;

	sample(&a);
	n = pf_state_format(&a, buf, size);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n + len, size);
	memcpy(buf + n, extra, len);
	return n + len;
}

static size_t sample_with(const char *extra, char *buf, size_t size)
{
	return sample_with_bytes(extra, strlen(extra), buf, size);
}

START_TEST(journal_lines_are_failures)
{
	struct pf_user_state s;
	char buf[PF_STATE_MAX_SIZE];
	size_t n = sample_with("fail 1700000030 sshd 192.0.2.9 ssh\nfail 1700000031 su - pts/1\n",
			       buf, sizeof(buf));

	ck_assert_int_eq(pf_state_parse(buf, n, &s), PF_OK);
	ck_assert_uint_eq(s.n_fail, 4);
	ck_assert_uint_eq(s.failures_total, 6);
	ck_assert_uint_eq(s.journal_lines, 2);
	ck_assert(!s.journal_torn);
	ck_assert_int_eq(s.fail[3].when, 1700000031);
	ck_assert_str_eq(s.fail[3].service, "su");
	ck_assert_str_eq(s.fail[2].rhost, "192.0.2.9");
}
END_TEST

START_TEST(journal_cloud_lines_refresh_the_cache)
{
	struct pf_user_state s;
	char buf[PF_STATE_MAX_SIZE];
	size_t n = sample_with("cloud unlocked 1700000300\nfail 1700000301 sshd - -\n"
			       "cloud absent 1700000400\n",
			       buf, sizeof(buf));

	ck_assert_int_eq(pf_state_parse(buf, n, &s), PF_OK);
	ck_assert_int_eq(s.cloud, PF_CLOUD_ABSENT);
	ck_assert_int_eq(s.cloud_checked_at, 1700000400);
	ck_assert_uint_eq(s.failures_total, 5);
	ck_assert_uint_eq(s.journal_lines, 3);
	ck_assert(s.cloud_lock_pushed); /* untouched by the cache */
	n = sample_with("cloud sorta 1700000300\n", buf, sizeof(buf));
	ck_assert_int_eq(pf_state_parse(buf, n, &s), PF_ERR_CORRUPT);
	n = sample_with("cloud locked\n", buf, sizeof(buf));
	ck_assert_int_eq(pf_state_parse(buf, n, &s), PF_ERR_CORRUPT);
}
END_TEST

START_TEST(torn_journal_line_is_left_out)
{
#define TORN(text)                                                                                 \
	{                                                                                          \
		"fail 1700000020 sshd - -\n" text, sizeof("fail 1700000020 sshd - -\n" text) - 1   \
	}
	static const struct {
		const char *text;
		size_t len;
	} torn[] = { TORN("fail 1700000030 ss"), TORN("f"), TORN("fail 1700000030 sshd - -"),
		     TORN("fa\0\0\0") };
	struct pf_user_state s;
	char buf[PF_STATE_MAX_SIZE];

	for (size_t i = 0; i < sizeof(torn) / sizeof(torn[0]); i++) {
		size_t n = sample_with_bytes(torn[i].text, torn[i].len, buf, sizeof(buf));

		ck_assert_int_eq(pf_state_parse(buf, n, &s), PF_OK);
		ck_assert_uint_eq(s.n_fail, 3);
		ck_assert_uint_eq(s.journal_lines, 1);
		ck_assert(s.journal_torn);
	}
}
END_TEST

START_TEST(journal_holds_only_ordered_failures)
{
#define BAD(text)                                                                                  \
	{                                                                                          \
		text, sizeof(text) - 1                                                             \
	}
	static const struct {
		const char *text;
		size_t len;
	} bad[] = {
		BAD("failures 9\n"),                   /* a record key */
		BAD("fail 1699999999 sshd - -\n"),     /* older than the record's last */
		BAD("fail 1700000030 sshd -\n"),       /* a field missing */
		BAD("end\n"),                          /* a second end */
		BAD("\n"),                             /* an empty line */
		BAD("fail 1700000030 sshd - -\n\0\n"), /* a NUL inside a whole line */
		BAD("fail 1700000030 sshd  - -\n"),    /* an empty token */
	};
	struct pf_user_state s;
	char buf[PF_STATE_MAX_SIZE];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = sample_with_bytes(bad[i].text, bad[i].len, buf, sizeof(buf));

		ck_assert_msg(pf_state_parse(buf, n, &s) == PF_ERR_CORRUPT, "journal %zu accepted",
			      i);
		ck_assert_uint_eq(s.failures_total, 0);
	}
}
END_TEST

START_TEST(journal_is_bounded_and_keeps_the_ring_bounded)
{
	struct pf_user_state a, b;
	char *buf = malloc(PF_STATE_MAX_SIZE);
	size_t n;

	sample(&a);
	a.n_fail = 0;
	for (unsigned i = 0; i < PF_FAIL_RING; i++)
		a.fail[a.n_fail++] = (struct pf_failure){ 1700000000 + i, "sshd", "-", "-" };
	n = pf_state_format(&a, buf, PF_STATE_MAX_SIZE);
	for (unsigned i = 0; i < PF_JOURNAL_MAX; i++)
		n += (size_t)sprintf(buf + n, "fail %u login - tty1\n", 1700001000 + i);
	ck_assert_int_eq(pf_state_parse(buf, n, &b), PF_OK);
	ck_assert_uint_eq(b.n_fail, PF_FAIL_RING);
	ck_assert_uint_eq(b.failures_total, a.failures_total + PF_JOURNAL_MAX);
	/* The oldest left: the ring keeps the last PF_FAIL_RING of record and journal. */
	ck_assert_int_eq(b.fail[0].when, PF_JOURNAL_MAX >= PF_FAIL_RING
					     ? 1700001000 + PF_JOURNAL_MAX - PF_FAIL_RING
					     : 1700000000 + PF_JOURNAL_MAX);
	ck_assert_int_eq(b.fail[PF_FAIL_RING - 1].when, 1700001000 + PF_JOURNAL_MAX - 1);
	n += (size_t)sprintf(buf + n, "fail 1700002000 login - tty1\n");
	ck_assert_int_eq(pf_state_parse(buf, n, &b), PF_ERR_CORRUPT);
	free(buf);
}
END_TEST

static void read_file(const char *name, char *buf, size_t size)
{
	char users[512];

	snprintf(users, sizeof(users), "%s/users", dir);
	pf_test_read(users, name, buf, size);
}

START_TEST(append_then_commit_folds_the_journal)
{
	struct pf_failure f = { 1700000040, "sshd", "198.51.100.1", "ssh" };
	char text[PF_STATE_MAX_SIZE];
	struct pf_user_state s;
	struct pf_txn txn;

	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	ck_assert(!pf_store_can_append(&txn)); /* no record yet */
	sample(&txn.state);
	ck_assert_int_eq(pf_store_commit(&txn), PF_OK);
	ck_assert(pf_store_can_append(&txn));
	ck_assert_int_eq(pf_store_append_failure(&txn, &f), PF_OK);
	pf_store_end(&txn);
	read_file("alice", text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "end\nfail 1700000040 sshd 198.51.100.1 ssh\n"));
	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	ck_assert_uint_eq(s.failures_total, 5);
	ck_assert_uint_eq(s.journal_lines, 1);

	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	ck_assert_uint_eq(txn.state.n_fail, 3);
	ck_assert_int_eq(pf_store_commit(&txn), PF_OK);
	pf_store_end(&txn);
	read_file("alice", text, sizeof(text));
	ck_assert_str_eq(text + strlen(text) - 4, "end\n");
	ck_assert_ptr_nonnull(strstr(text, "fail 1700000040 sshd 198.51.100.1 ssh\nend\n"));
	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	ck_assert_uint_eq(s.failures_total, 5);
	ck_assert_uint_eq(s.journal_lines, 0);
}
END_TEST

START_TEST(torn_or_full_journal_is_not_appended_to)
{
	struct pf_failure f = { 1700000040, "sshd", "-", "-" };
	char sub[512], text[PF_STATE_MAX_SIZE];
	struct pf_txn txn;
	size_t n = sample_with("fail 1700000030 ss", text, sizeof(text));
	char *p;

	text[n] = '\0';
	snprintf(sub, sizeof(sub), "%s/users", dir);
	p = pf_test_write(sub, "alice", text, 0600);
	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	ck_assert(txn.state.journal_torn);
	ck_assert(!pf_store_can_append(&txn));
	ck_assert_int_eq(pf_store_append_failure(&txn, &f), PF_ERR_INVAL);
	txn.state.journal_torn = false;
	txn.state.journal_lines = PF_JOURNAL_MAX;
	ck_assert(!pf_store_can_append(&txn));
	pf_store_end(&txn);
	free(p);
}
END_TEST

START_TEST(missing_record_is_noent)
{
	struct pf_user_state s;

	ck_assert_int_eq(pf_store_read(&st, "nobody-here", (uid_t)-1, &s), PF_ERR_NOENT);
	ck_assert_uint_eq(s.failures_total, 0);
}
END_TEST

START_TEST(commit_then_read)
{
	struct pf_user_state s;
	struct pf_txn txn;
	char path[512];
	struct stat sb;

	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	ck_assert(!txn.existed);
	sample(&txn.state);
	ck_assert_int_eq(pf_store_commit(&txn), PF_OK);
	pf_store_end(&txn);
	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	ck_assert_uint_eq(s.failures_total, 4);
	snprintf(path, sizeof(path), "%s/users/alice", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
}
END_TEST

START_TEST(corrupt_file_on_disk_is_reported)
{
	struct pf_user_state s;
	char sub[512];
	char *p;

	snprintf(sub, sizeof(sub), "%s/users", dir);
	p = pf_test_write(sub, "bob", "pam_frontegg-state 1\nfailures 3\n", 0600);
	ck_assert_int_eq(pf_store_read(&st, "bob", (uid_t)-1, &s), PF_ERR_CORRUPT);
	ck_assert(pf_test_log_has(&tl, "state of bob"));
	ck_assert(pf_test_log_has(&tl, "corrupt"));
	free(p);
}
END_TEST

START_TEST(oversized_file_is_reported)
{
	struct pf_user_state s;
	char sub[512];
	char *big = malloc(PF_STATE_MAX_SIZE + 100), *p;

	memset(big, 'x', PF_STATE_MAX_SIZE + 99);
	big[PF_STATE_MAX_SIZE + 99] = '\0';
	snprintf(sub, sizeof(sub), "%s/users", dir);
	p = pf_test_write(sub, "bob", big, 0600);
	ck_assert_int_eq(pf_store_read(&st, "bob", (uid_t)-1, &s), PF_ERR_CORRUPT);
	ck_assert(pf_test_log_has(&tl, "larger than"));
	free(p);
	free(big);
}
END_TEST

START_TEST(symlinked_state_file_refused)
{
	struct pf_user_state s;
	struct pf_txn txn;
	char link[512];

	snprintf(link, sizeof(link), "%s/users/mallory", dir);
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);
	ck_assert_int_eq(pf_store_read(&st, "mallory", (uid_t)-1, &s), PF_ERR_PERM);
	ck_assert(pf_test_log_has(&tl, "symbolic link"));
	/* An update never writes through it either: the link itself is replaced. */
	ck_assert_int_eq(pf_store_begin(&st, "mallory", (uid_t)-1, &txn), PF_ERR_PERM);
	snprintf(link, sizeof(link), "%s/locks/eve", dir);
	ck_assert_int_eq(symlink("/etc/shadow", link), 0);
	ck_assert_int_eq(pf_store_begin(&st, "eve", (uid_t)-1, &txn), PF_ERR_PERM);
}
END_TEST

START_TEST(unsafe_state_dir_refused)
{
	struct pf_store other;
	char link[512];

	chmod(dir, 0777);
	ck_assert_int_eq(pf_store_open(&other, dir, 0, &tl.logger), PF_ERR_PERM);
	chmod(dir, 0700);
	snprintf(link, sizeof(link), "%s.link", dir);
	ck_assert_int_eq(symlink(dir, link), 0);
	ck_assert_int_eq(pf_store_open(&other, link, 0, &tl.logger), PF_ERR_PERM);
	unlink(link);
	ck_assert_int_eq(pf_store_open(&other, "relative/dir", 0, &tl.logger), PF_ERR_PERM);
}
END_TEST

START_TEST(invalid_name_never_reaches_a_path)
{
	struct pf_user_state s;
	struct pf_txn txn;

	ck_assert_int_eq(pf_store_read(&st, "../../etc/passwd", (uid_t)-1, &s), PF_ERR_INVAL);
	ck_assert_int_eq(pf_store_begin(&st, ".hidden", (uid_t)-1, &txn), PF_ERR_INVAL);
}
END_TEST

static int collect(const char *user, void *arg)
{
	char *out = arg;

	strcat(out, user);
	strcat(out, ",");
	return 0;
}

START_TEST(list_skips_temp_files)
{
	struct pf_txn txn;
	char sub[512], names[256] = "";
	char *p;

	ck_assert_int_eq(pf_store_begin(&st, "alice", (uid_t)-1, &txn), PF_OK);
	ck_assert_int_eq(pf_store_commit(&txn), PF_OK);
	pf_store_end(&txn);
	snprintf(sub, sizeof(sub), "%s/users", dir);
	p = pf_test_write(sub, ".tmp.0123456789abcdef", "junk", 0600);
	ck_assert_int_eq(pf_store_list(&st, collect, names), PF_OK);
	ck_assert_str_eq(names, "alice,");
	free(p);
}
END_TEST

START_TEST(claim_is_exclusive)
{
	int a = -1, b = -1;

	ck_assert_int_eq(pf_store_claim(&st, "alice", &a), PF_OK);
	ck_assert_int_eq(pf_store_claim(&st, "alice", &b), PF_ERR_BUSY);
	pf_store_release_claim(a);
	ck_assert_int_eq(pf_store_claim(&st, "alice", &b), PF_OK);
	pf_store_release_claim(b);
}
END_TEST

START_TEST(sweep_removes_only_stale_temp_files)
{
	char path[512];
	unsigned removed;

	aged_file("users/.tmp.0000000000000001", 2 * PF_TMP_MAX_AGE);
	aged_file("outbox/.tmp.0000000000000002", 2 * PF_TMP_MAX_AGE);
	aged_file(".tmp.0000000000000003", 2 * PF_TMP_MAX_AGE);
	aged_file("users/.tmp.0000000000000004", 10); /* a writer may still be at it */
	aged_file("users/alice", 2 * PF_TMP_MAX_AGE);
	snprintf(path, sizeof(path), "%s/users/.tmp.dir", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(pf_store_sweep_tmp(&st, PF_TMP_MAX_AGE, &removed), PF_OK);
	ck_assert_uint_eq(removed, 3);
	ck_assert(!exists("users/.tmp.0000000000000001"));
	ck_assert(!exists("outbox/.tmp.0000000000000002"));
	ck_assert(!exists(".tmp.0000000000000003"));
	ck_assert(exists("users/.tmp.0000000000000004"));
	ck_assert(exists("users/alice"));
	ck_assert(exists("users/.tmp.dir"));
}
END_TEST

/* Commits alice's record: the sample with failures_total n. */
static enum pf_rc commit_alice(uint64_t n)
{
	struct pf_txn txn;
	enum pf_rc rc = pf_store_begin(&st, "alice", (uid_t)-1, &txn);

	if (rc == PF_OK) {
		sample(&txn.state);
		txn.state.failures_total = n;
		rc = pf_store_commit(&txn);
		pf_store_end(&txn);
	}
	return rc;
}

/* A writer that rewrites alice's record until it is killed. */
static _Noreturn void rewrite_forever(void)
{
	for (;;)
		if (commit_alice(5) != PF_OK)
			_exit(2);
}

/*
 * A writer the kernel kills inside its first write (no file may grow:
 * SIGXFSZ), so it dies between creating its temporary file and renaming it
 * however the scheduler treats it.
 */
static _Noreturn void die_mid_write(void)
{
	struct rlimit none = { 0, 0 };
	sigset_t xfsz;

	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	signal(SIGXFSZ, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &xfsz, NULL);
	/* SIGXFSZ dumps core by default: not for a death on purpose. */
	prctl(PR_SET_DUMPABLE, 0);
	if (setrlimit(RLIMIT_CORE, &none) != 0 || setrlimit(RLIMIT_FSIZE, &none) != 0)
		_exit(3);
	rewrite_forever();
}

/* Whether s is alice's record as commit_alice(n) wrote it. */
static bool alice_is(const struct pf_user_state *s, uint64_t n)
{
	struct pf_user_state want;

	sample(&want);
	want.failures_total = n;
	return memcmp(s, &want, offsetof(struct pf_user_state, fail)) == 0 &&
	       memcmp(s->fail, want.fail, want.n_fail * sizeof(want.fail[0])) == 0;
}

START_TEST(kill_loop_leftovers_are_swept)
{
	const unsigned certain = 3;
	struct pf_user_state s;
	unsigned removed, left;
	int status;

	ck_assert_int_eq(commit_alice(4), PF_OK);
	for (unsigned i = 0; i < certain; i++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			die_mid_write();
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ);
	}
	ck_assert_uint_eq(temp_files("users"), certain);
	for (int i = 0; i < 200; i++) {
		/* Spreads the kills over a writer's life; no assertion depends on where they land. */
		struct timespec nap = { 0, (i % 7) * 150 * 1000 };
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0)
			rewrite_forever();
		nanosleep(&nap, NULL);
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	}
	left = temp_files("users");
	ck_assert_uint_ge(left, certain);
	fprintf(stderr, "# %u killed writers left %u temporary files\n", certain + 200, left);
	/* Whatever the kills hit, the record is whole: the old one or the new one. */
	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	ck_assert(alice_is(&s, 4) || alice_is(&s, 5));
	/* Aged past the bound, every leftover goes, and nothing else. */
	ck_assert_int_eq(pf_store_sweep_tmp(&st, -2 * PF_TMP_MAX_AGE, &removed), PF_OK);
	ck_assert_uint_eq(removed, left);
	ck_assert_uint_eq(temp_files("users"), 0);
	ck_assert_int_eq(pf_store_read(&st, "alice", (uid_t)-1, &s), PF_OK);
	ck_assert(alice_is(&s, 4) || alice_is(&s, 5));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, format_parse_round_trip);
	tcase_add_test(tc, every_truncation_is_corrupt);
	tcase_add_test(tc, malformed_records_are_corrupt);
	tcase_add_test(tc, hostile_fields_are_refused_or_neutralised);
	tcase_add_test(tc, too_many_failures_is_corrupt);
	tcase_add_test(tc, journal_lines_are_failures);
	tcase_add_test(tc, journal_cloud_lines_refresh_the_cache);
	tcase_add_test(tc, torn_journal_line_is_left_out);
	tcase_add_test(tc, journal_holds_only_ordered_failures);
	tcase_add_test(tc, journal_is_bounded_and_keeps_the_ring_bounded);
	tcase_add_test(tc, append_then_commit_folds_the_journal);
	tcase_add_test(tc, torn_or_full_journal_is_not_appended_to);
	tcase_add_test(tc, missing_record_is_noent);
	tcase_add_test(tc, commit_then_read);
	tcase_add_test(tc, corrupt_file_on_disk_is_reported);
	tcase_add_test(tc, oversized_file_is_reported);
	tcase_add_test(tc, symlinked_state_file_refused);
	tcase_add_test(tc, unsafe_state_dir_refused);
	tcase_add_test(tc, invalid_name_never_reaches_a_path);
	tcase_add_test(tc, list_skips_temp_files);
	tcase_add_test(tc, claim_is_exclusive);
	tcase_add_test(tc, sweep_removes_only_stale_temp_files);
	tcase_add_test(tc, kill_loop_leftovers_are_swept);
	suite_add_tcase(s, tc);
	return pf_test_run(s);
}
