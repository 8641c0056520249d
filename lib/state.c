/*
 * The per-user state store: directories opened once, every file reached
 * with *at() and O_NOFOLLOW below them, updates under a per-user flock and
 * written by rename.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "pam_frontegg/account.h"
#include "pam_frontegg/record.h"
#include "pam_frontegg/policy.h"
#include "pam_frontegg/safe_file.h"
#include "pam_frontegg/state.h"
#include "pam_frontegg/username.h"

static const char *const subdirs[] = { "users", "locks", "claims", "outbox" };

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void pf_store_close(struct pf_store *st)
{
	close_fd(&st->dirfd);
	for (size_t i = 0; i < PF_DIR_COUNT; i++)
		close_fd(&st->subfd[i]);
}

/* Only root (the trusted owner) may own the store's directories, whoever runs us. */
static bool owner_ok(uid_t uid)
{
	return uid == pf_trusted_owner;
}

/* Opens (creating if asked) one subdirectory; others may never write it. */
static enum pf_rc open_subdir(struct pf_store *st, const char *name, mode_t mode, bool create,
			      int *fd)
{
	struct stat sb;

	*fd = openat(st->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0 && errno == ENOENT && create) {
		if (mkdirat(st->dirfd, name, mode) != 0 && errno != EEXIST)
			return PF_ERR_IO;
		*fd = openat(st->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (*fd >= 0 && fchmod(*fd, mode) != 0)
			close_fd(fd);
	}
	if (*fd < 0)
		return errno == ENOENT                      ? PF_ERR_NOENT
		       : errno == ELOOP || errno == ENOTDIR ? PF_ERR_PERM
							    : PF_ERR_IO;
	if (fstat(*fd, &sb) != 0 || !owner_ok(sb.st_uid) || (sb.st_mode & 0002)) {
		pf_log(st->log, LOG_ERR, "%s/%s: unsafe owner or mode", st->path, name);
		close_fd(fd);
		return PF_ERR_PERM;
	}
	return PF_OK;
}

/*
 * A missing state_dir is made as tmpfiles.d makes it: root:PF_HELPER_GROUP
 * 2750, so frontegg_chkstate can record for unprivileged callers. Without
 * that group it stays 0700 root:root, and the log says what that costs.
 * It is private until the group and mode are set, so there is no window.
 */
static void share_new_top(struct pf_store *st, const char *state_dir, struct stat *sb)
{
	gid_t gid;

	if (!pf_group_gid(PF_HELPER_GROUP, &gid)) {
		pf_log(st->log, LOG_WARNING,
		       "state_dir %s created 0700 root:root: group " PF_HELPER_GROUP
		       " does not exist, so applications that do not run as root cannot record "
		       "failures (groupadd -r " PF_HELPER_GROUP
		       ", then systemd-tmpfiles --create pam_frontegg.conf)",
		       state_dir);
		return;
	}
	if (fchown(st->dirfd, 0, gid) != 0 || fchmod(st->dirfd, 02750) != 0)
		pf_log(st->log, LOG_ERR,
		       "state_dir %s: cannot give it to group " PF_HELPER_GROUP ": %s", state_dir,
		       strerror(errno));
	else
		pf_log(st->log, LOG_NOTICE, "state_dir %s created (root:" PF_HELPER_GROUP " 2750)",
		       state_dir);
	/* What pf_store_open reads the subdirectories' sharing from. */
	if (fstat(st->dirfd, sb) != 0)
		sb->st_mode = 0;
}

static enum pf_rc open_top(struct pf_store *st, const char *state_dir, bool create, struct stat *sb)
{
	char why[256];
	enum pf_rc rc;

	rc = pf_open_dir_checked(state_dir, 0022, &st->dirfd, sb, why, sizeof(why));
	if (rc == PF_ERR_NOENT && create && state_dir[0] == '/') {
		bool made = mkdir(state_dir, 0700) == 0;

		if (!made && errno != EEXIST) {
			pf_log(st->log, LOG_ERR, "state_dir %s: cannot create: %s", state_dir,
			       strerror(errno));
			return PF_ERR_IO;
		}
		rc = pf_open_dir_checked(state_dir, 0022, &st->dirfd, sb, why, sizeof(why));
		if (rc == PF_OK && made)
			share_new_top(st, state_dir, sb);
	}
	if (rc != PF_OK)
		pf_log(st->log, rc == PF_ERR_NOENT ? LOG_WARNING : LOG_ERR, "state_dir %s: %s",
		       state_dir, why);
	return rc;
}

enum pf_rc pf_store_open(struct pf_store *st, const char *state_dir, unsigned flags,
			 const struct pf_logger *log)
{
	struct stat sb;
	enum pf_rc rc;

	memset(st, 0, sizeof(*st));
	st->dirfd = -1;
	for (size_t i = 0; i < PF_DIR_COUNT; i++)
		st->subfd[i] = -1;
	st->log = log;
	st->lock_wait_ms = PF_LOCK_WAIT_DEFAULT_MS;
	st->create = (flags & (PF_STORE_CREATE | PF_STORE_SETUP)) != 0;
	snprintf(st->path, sizeof(st->path), "%s", state_dir);
	rc = open_top(st, state_dir, st->create, &sb);
	if (rc != PF_OK)
		return rc;
	st->dev = sb.st_dev;
	/* A group-shared top directory (root:frontegg) makes shared subdirectories. */
	st->dir_mode = (sb.st_mode & 0070) ? 02770 : 0700;
	st->file_mode = (sb.st_mode & 0070) ? 0660 : 0600;
	for (size_t i = 0; (flags & PF_STORE_SETUP) && i < PF_DIR_COUNT; i++) {
		if (pf_store_dir(st, (enum pf_store_dir)i) < 0) {
			pf_store_close(st);
			return PF_ERR_IO;
		}
	}
	return PF_OK;
}

int pf_store_dir(struct pf_store *st, enum pf_store_dir d)
{
	enum pf_rc rc;

	if (st->subfd[d] >= 0 || st->dirfd < 0)
		return st->subfd[d];
	rc = open_subdir(st, subdirs[d], st->dir_mode, st->create, &st->subfd[d]);
	if (rc != PF_OK && rc != PF_ERR_PERM)
		pf_log(st->log, rc == PF_ERR_NOENT ? LOG_WARNING : LOG_ERR,
		       "%s/%s: cannot open: %s", st->path, subdirs[d], pf_rc_str(rc));
	return st->subfd[d];
}

static enum pf_rc check_name(struct pf_store *st, const char *user)
{
	if (pf_username_valid(user))
		return PF_OK;
	pf_log(st->log, LOG_ERR, "refusing invalid user name");
	return PF_ERR_INVAL;
}

static void log_unreadable(const struct pf_store *st, const char *user, const char *why)
{
	pf_log(st->log, LOG_ERR, "state of %s (%s/users/%s): %s", user, st->path, user, why);
}

enum pf_rc pf_store_read(struct pf_store *st, const char *user, uid_t owner,
			 struct pf_user_state *out)
{
	char why[256] = "";
	enum pf_rc rc = check_name(st, user);

	if (rc != PF_OK) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	rc = pf_rec_load(&pf_state_kind, pf_store_dir(st, PF_DIR_USERS), user, owner, out, why,
			 sizeof(why));
	if (rc != PF_OK && rc != PF_ERR_NOENT)
		log_unreadable(st, user, why);
	return rc;
}

/* Opens (creating) a per-user lock or claim file and checks it is ours. */
static enum pf_rc open_lockfile(struct pf_store *st, int dirfd, const char *user, uid_t owner,
				int *fd)
{
	struct pf_file_rules rules = { 0007, owner, 0, &st->dev };
	struct stat sb;
	enum pf_rc rc = PF_ERR_IO;

	*fd = openat(dirfd, user, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		     st->file_mode);
	if (*fd < 0) {
		pf_log(st->log, LOG_ERR, "lock file for %s: %s", user, strerror(errno));
		return errno == ELOOP ? PF_ERR_PERM : PF_ERR_IO;
	}
	if (fstat(*fd, &sb) == 0) {
		/* The creator's umask must not take the group's access away from the setgid helper. */
		if (sb.st_uid == geteuid() && (sb.st_mode & 0777) != st->file_mode &&
		    fchmod(*fd, st->file_mode) == 0)
			sb.st_mode = (sb.st_mode & ~(mode_t)07777) | st->file_mode;
		rc = pf_check_stat(*fd, &rules, &sb, NULL, 0);
	}
	if (rc != PF_OK) {
		pf_log(st->log, LOG_ERR, "lock file for %s is unsafe", user);
		close_fd(fd);
	}
	return rc;
}

static int flock_retry(int fd, int op)
{
	int r;

	do
		r = flock(fd, op);
	while (r != 0 && errno == EINTR);
	return r;
}

/* Largest pause between two tries: the deadline is overshot by at most this. */
#define LOCK_POLL_MAX_MS 16

/*
 * Takes the exclusive lock within wait_ms. A blocking flock() cannot be
 * bounded without a signal handler in the host process, so the lock is
 * polled with LOCK_NB and a pause that doubles up to LOCK_POLL_MAX_MS.
 */
static enum pf_rc lock_within(int fd, unsigned wait_ms)
{
	int64_t deadline = pf_mono_ms() + wait_ms;
	long pause_ms = 1;

	for (;;) {
		int64_t left;

		if (flock_retry(fd, LOCK_EX | LOCK_NB) == 0)
			return PF_OK;
		if (errno != EWOULDBLOCK)
			return PF_ERR_IO;
		left = deadline - pf_mono_ms();
		if (left <= 0)
			return PF_ERR_TIMEOUT;
		if (pause_ms > left)
			pause_ms = (long)left;
		nanosleep(&(struct timespec){ pause_ms / 1000, (pause_ms % 1000) * 1000000 }, NULL);
		if (pause_ms < LOCK_POLL_MAX_MS)
			pause_ms *= 2;
	}
}

/*
 * Reads the record of txn's user into txn->state through a descriptor
 * kept for the rest of the transaction (txn->recfd), so the appends and
 * the truncation of the same transaction need no second open and check.
 * A record this process may only read (a read-only file system, say) is
 * read the plain way, and a later append reports the error as before.
 */
static enum pf_rc load_record(struct pf_txn *txn)
{
	struct pf_store *st = txn->st;
	struct pf_file_rules rules = { 0007, txn->owner, PF_STATE_MAX_SIZE, &st->dev };
	int dirfd = pf_store_dir(st, PF_DIR_USERS);
	char why[256] = "";
	enum pf_rc rc;

	if (dirfd >= 0)
		txn->recfd =
		    openat(dirfd, txn->user,
			   O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (txn->recfd < 0 && dirfd >= 0 && errno == ENOENT) {
		memset(&txn->state, 0, offsetof(struct pf_user_state, fail));
		return PF_ERR_NOENT;
	}
	if (txn->recfd < 0)
		return pf_store_read(st, txn->user, txn->owner, &txn->state);
	rc = pf_check_fd(txn->recfd, &rules, NULL, why, sizeof(why));
	if (rc == PF_OK)
		rc = pf_rec_read_fd(&pf_state_kind, txn->recfd, &txn->state, why, sizeof(why));
	else
		memset(&txn->state, 0, offsetof(struct pf_user_state, fail));
	if (rc != PF_OK) {
		log_unreadable(st, txn->user, why);
		close_fd(&txn->recfd);
	}
	return rc == PF_ERR_TOOBIG ? PF_ERR_CORRUPT : rc;
}

_Static_assert(offsetof(struct pf_txn, state) + sizeof(struct pf_user_state) ==
		   sizeof(struct pf_txn),
	       "pf_store_begin leaves the tail of pf_txn, the failure ring, as it is");
_Static_assert(offsetof(struct pf_user_state, fail) + sizeof(((struct pf_user_state *)0)->fail) ==
		   sizeof(struct pf_user_state),
	       "the failure ring ends struct pf_user_state");

enum pf_rc pf_store_begin(struct pf_store *st, const char *user, uid_t owner, struct pf_txn *txn)
{
	enum pf_rc rc;

	/* The failure ring is most of the record and only fail[0..n_fail) is
	 * ever read, so it is left as it is (pf_store_read zeroes the rest). */
	memset(txn, 0, offsetof(struct pf_txn, state) + offsetof(struct pf_user_state, fail));
	txn->st = st;
	txn->lockfd = txn->recfd = -1;
	rc = check_name(st, user);
	if (rc != PF_OK)
		return rc;
	snprintf(txn->user, sizeof(txn->user), "%s", user);
	txn->owner = owner;
	rc = open_lockfile(st, pf_store_dir(st, PF_DIR_LOCKS), user, owner, &txn->lockfd);
	if (rc != PF_OK)
		return rc;
	rc = lock_within(txn->lockfd, st->lock_wait_ms);
	if (rc != PF_OK) {
		pf_log(st->log, LOG_ERR, "state of %s: %s", user, pf_rc_str(rc));
		pf_store_end(txn);
		return rc;
	}
	rc = load_record(txn);
	txn->existed = rc != PF_ERR_NOENT;
	txn->intact = rc == PF_OK;
	if (rc == PF_ERR_NOENT)
		rc = PF_OK;
	if (rc != PF_OK && rc != PF_ERR_CORRUPT)
		pf_store_end(txn);
	return rc;
}

enum pf_rc pf_store_commit(struct pf_txn *txn)
{
	char *buf = malloc(PF_STATE_MAX_SIZE);
	size_t len;
	enum pf_rc rc = PF_ERR_NOMEM;

	if (buf == NULL)
		return rc;
	len = pf_state_format(&txn->state, buf, PF_STATE_MAX_SIZE);
	rc = len ? pf_write_atomic(pf_store_dir(txn->st, PF_DIR_USERS), txn->user, buf, len,
				   txn->st->file_mode)
		 : PF_ERR_TOOBIG;
	free(buf);
	if (rc == PF_OK) {
		close_fd(&txn->recfd); /* it names the record just replaced */
		txn->existed = txn->intact = true;
		txn->state.journal_lines = 0; /* folded into the record */
		txn->state.journal_torn = false;
	} else
		pf_log(txn->st->log, LOG_ERR, "cannot write state of %s: %s", txn->user,
		       pf_rc_str(rc));
	return rc;
}

bool pf_store_can_append(const struct pf_txn *txn)
{
	return txn->intact && !txn->state.journal_torn && txn->state.journal_lines < PF_JOURNAL_MAX;
}

/* Appends one journal line of len bytes (0: it did not fit) to NAME's record. */
/*
 * The record of txn's user, to write to: the transaction's descriptor (checked
 * when load_record opened it), or one opened with flags and checked now.
 * sb (may be NULL) receives its fstat. Give it back with put_record.
 */
static enum pf_rc get_record(struct pf_txn *txn, int flags, struct stat *sb, int *fd)
{
	struct pf_file_rules rules = { 0007, txn->owner, PF_STATE_MAX_SIZE, &txn->st->dev };
	enum pf_rc rc;

	if (txn->recfd >= 0) {
		*fd = txn->recfd;
		return sb == NULL || fstat(*fd, sb) == 0 ? PF_OK : PF_ERR_IO;
	}
	*fd = openat(pf_store_dir(txn->st, PF_DIR_USERS), txn->user,
		     flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (*fd < 0)
		return errno == ELOOP ? PF_ERR_PERM : PF_ERR_IO;
	rc = pf_check_fd(*fd, &rules, sb, NULL, 0);
	if (rc != PF_OK)
		close_fd(fd);
	return rc;
}

static void put_record(const struct pf_txn *txn, int fd)
{
	if (fd >= 0 && fd != txn->recfd)
		close(fd);
}

static enum pf_rc append_line(struct pf_txn *txn, const char *line, size_t len)
{
	enum pf_rc rc;
	int fd;

	if (len == 0 || !pf_store_can_append(txn))
		return PF_ERR_INVAL;
	rc = get_record(txn, O_WRONLY | O_APPEND, NULL, &fd);
	/* A failed append may leave a torn line: readers skip it, the next update rewrites. */
	if (rc == PF_OK && !pf_write_all(fd, line, len))
		rc = PF_ERR_IO;
	put_record(txn, fd);
	if (rc == PF_OK)
		txn->state.journal_lines++;
	return rc;
}

enum pf_rc pf_store_append_failure(struct pf_txn *txn, const struct pf_failure *f)
{
	char line[PF_JOURNAL_LINE_MAX];

	return append_line(txn, line, pf_failure_format(f, line, sizeof(line)));
}

enum pf_rc pf_store_append_attempt(struct pf_txn *txn, const struct pf_failure *f)
{
	char line[PF_JOURNAL_LINE_MAX];

	return append_line(txn, line, pf_attempt_format(f, line, sizeof(line)));
}

enum pf_rc pf_store_append_settle(struct pf_txn *txn, int64_t when, const struct pf_failure *f)
{
	char lines[2 * PF_JOURNAL_LINE_MAX];
	size_t len = pf_settle_format(when, lines, sizeof(lines)), more;
	enum pf_rc rc;

	if (len == 0 || f == NULL || txn->state.journal_lines + 2 > PF_JOURNAL_MAX)
		return f == NULL ? append_line(txn, lines, len) : PF_ERR_INVAL;
	more = pf_failure_format(f, lines + len, sizeof(lines) - len);
	/* One write for both: a reader never sees the failure without its settlement. */
	rc = append_line(txn, lines, more ? len + more : 0);
	if (rc == PF_OK)
		txn->state.journal_lines++;
	return rc;
}

/* Whether the last len bytes of fd (size bytes) are line, after a newline. */
static bool ends_with_line(int fd, off_t size, const char *line, size_t len)
{
	char tail[PF_JOURNAL_LINE_MAX + 1];

	if (len + 1 > sizeof(tail) || size < (off_t)len + 1)
		return false;
	if (pread(fd, tail, len + 1, size - (off_t)len - 1) != (ssize_t)len + 1)
		return false;
	return tail[0] == '\n' && memcmp(tail + 1, line, len) == 0;
}

enum pf_rc pf_store_retract_attempt(struct pf_txn *txn, const struct pf_failure *a)
{
	char line[PF_JOURNAL_LINE_MAX];
	size_t len = pf_attempt_format(a, line, sizeof(line));
	enum pf_rc rc = PF_ERR_INVAL;
	struct stat sb;
	int fd;

	if (len == 0 || !txn->intact || txn->state.journal_lines == 0 || txn->state.journal_torn)
		return PF_ERR_INVAL;
	rc = get_record(txn, O_RDWR, &sb, &fd);
	if (rc != PF_OK)
		return rc;
	rc = PF_ERR_INVAL; /* unless the attempt is still the last line */
	if (ends_with_line(fd, sb.st_size, line, len))
		rc = ftruncate(fd, sb.st_size - (off_t)len) == 0 ? PF_OK : PF_ERR_IO;
	put_record(txn, fd);
	if (rc == PF_OK)
		txn->state.journal_lines--;
	return rc;
}

enum pf_rc pf_store_append_cloud(struct pf_txn *txn)
{
	char line[PF_JOURNAL_LINE_MAX];

	return append_line(txn, line, pf_cloud_format(&txn->state, line, sizeof(line)));
}

void pf_store_end(struct pf_txn *txn)
{
	close_fd(&txn->recfd);
	close_fd(&txn->lockfd); /* closing the descriptor drops the flock */
}

enum pf_rc pf_store_claim(struct pf_store *st, const char *user, int *fd)
{
	enum pf_rc rc = check_name(st, user);

	if (rc == PF_OK)
		rc = open_lockfile(st, pf_store_dir(st, PF_DIR_CLAIMS), user, (uid_t)-1, fd);
	if (rc != PF_OK)
		return rc;
	if (flock_retry(*fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? PF_ERR_BUSY : PF_ERR_IO;
		close_fd(fd);
	}
	return rc;
}

void pf_store_release_claim(int fd)
{
	close_fd(&fd);
}

/* Whether dirfd/name is a leftover temporary file older than cutoff. */
static bool stale_tmp(int dirfd, const char *name, int64_t cutoff)
{
	struct stat sb;

	if (strncmp(name, ".tmp.", 5) != 0 || fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return false;
	return (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode)) && (int64_t)sb.st_mtime < cutoff;
}

static enum pf_rc sweep_dir(int dirfd, int64_t cutoff, unsigned *removed)
{
	DIR *dir = pf_dir_open(dirfd);
	struct dirent *de;
	enum pf_rc rc = PF_OK;

	if (dir == NULL)
		return PF_ERR_IO;
	while ((de = readdir(dir)) != NULL) {
		if (!stale_tmp(dirfd, de->d_name, cutoff))
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			++*removed;
		else if (errno != ENOENT)
			rc = PF_ERR_IO;
	}
	closedir(dir);
	return rc;
}

enum pf_rc pf_store_sweep_tmp(struct pf_store *st, int64_t max_age, unsigned *removed)
{
	int64_t cutoff = pf_now() - max_age;
	int dirs[] = { st->dirfd, pf_store_dir(st, PF_DIR_USERS), pf_store_dir(st, PF_DIR_OUTBOX) };
	enum pf_rc rc = PF_OK;

	*removed = 0;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (sweep_dir(dirs[i], cutoff, removed) != PF_OK)
			rc = PF_ERR_IO;
	return rc;
}

enum pf_rc pf_store_list(struct pf_store *st, pf_user_fn fn, void *arg)
{
	return pf_dir_each_user(pf_store_dir(st, PF_DIR_USERS), fn, arg);
}

void pf_store_count(const struct pf_store *st, const char *event)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "%s\n", event), fd;
	struct stat sb;

	if (st->dirfd < 0 || n <= 0 || (size_t)n >= sizeof(line))
		return;
	fd = openat(st->dirfd, PF_EVENTS_FILE,
		    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		    st->file_mode);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size < PF_EVENTS_MAX &&
	    write(fd, line, (size_t)n) != n)
		pf_log(st->log, LOG_DEBUG, "%s/%s: event not counted", st->path, PF_EVENTS_FILE);
	close(fd);
}
