/*
 * The per-user state store (doc/state-format.md). Layout under state_dir:
 *
 *   users/NAME    the user's state record (text, versioned, ends with "end")
 *   locks/NAME    empty file; flock(LOCK_EX) serialises every update of NAME
 *   claims/NAME   empty file; a non-blocking flock marks "a push is running"
 *   outbox/NAME   the cloud action waiting for NAME (see outbox.h)
 *
 * Readers need no lock: records are replaced by rename, so a reader sees the
 * old or the new record, never half of one. A failure that changes nothing
 * else (below deny, or while locked), and a Frontegg answer that only
 * refreshes the cache, is instead appended to the record as one journal
 * line after "end", in one write() and without a flush, as pam_faillock
 * writes its tally: a power cut may forget such lines, never a lock, which
 * is always written by rename after fsync. A reader takes a journal line
 * only once its newline is there, so it never sees half of one; the next
 * rewrite folds the journal into the record. Files are opened relative to the
 * directory descriptors with O_NOFOLLOW, so no symlink is ever followed.
 */
#ifndef PAM_FRONTEGG_STATE_H
#define PAM_FRONTEGG_STATE_H

#include <sys/types.h>

#include "common.h"
#include "config.h"
#include "log.h"

#define PF_FAIL_RING      PF_DENY_MAX
#define PF_ATTEMPT_MAX    16 /* unsettled attempts kept; an older one becomes a failure */
#define PF_SERVICE_MAX    32
#define PF_RHOST_MAX      64
#define PF_TTY_MAX        32
#define PF_STATE_MAX_SIZE (64 * 1024)
/*
 * Lines appended before the record is rewritten (with two fsyncs): every
 * login appends its attempt and its settlement, so this sets how often a
 * login pays for a durable rewrite.
 */
#define PF_JOURNAL_MAX      128
#define PF_JOURNAL_LINE_MAX (PF_SERVICE_MAX + PF_RHOST_MAX + PF_TTY_MAX + 48)

struct pf_failure {
	int64_t when;
	char service[PF_SERVICE_MAX + 1];
	char rhost[PF_RHOST_MAX + 1];
	char tty[PF_TTY_MAX + 1];
};

/* What Frontegg said about the user when last asked. */
enum pf_cloud_seen {
	PF_CLOUD_UNKNOWN = 0, /* never asked, or the answer was lost */
	PF_CLOUD_UNLOCKED,
	PF_CLOUD_LOCKED,
	PF_CLOUD_ABSENT, /* no such Frontegg user */
};

struct pf_user_state {
	uint64_t failures_total; /* failures since the tally was last cleared */
	unsigned n_fail;         /* records in fail[], oldest first */
	int64_t lock_since;      /* 0 = no host lock */
	int64_t lock_until;      /* with lock_since: 0 = until an admin unlocks */
	bool cloud_lock_pushed;  /* Frontegg confirmed a lock this host pushed */
	int64_t cloud_pushed_at;
	enum pf_cloud_seen cloud;
	int64_t cloud_checked_at;        /* when cloud was read (0 = never) */
	char frontegg_id[PF_ID_MAX + 1]; /* "" = not resolved yet */
	char identity[PF_IDENT_MAX + 1]; /* the e-mail or id frontegg_id came from */
	unsigned push_attempts;          /* failed deliveries of the outbox entry (for status) */
	int64_t push_last_at;            /* when the last failed delivery was tried */
	/*
	 * Attempts counted before the password was checked and not settled yet
	 * (doc/invariants.md, invariant 15), oldest first: an attempt whose
	 * process never came back counts as a failure.
	 */
	unsigned n_attempt;
	struct pf_failure attempt[PF_ATTEMPT_MAX];
	/* How the record was read, never written: its journal after "end". */
	unsigned journal_lines;
	bool journal_torn; /* its last append was cut short */
	/* Last, and only fail[0..n_fail) is meaningful: a read zeroes just the rest. */
	struct pf_failure fail[PF_FAIL_RING];
};

/* The subdirectories, opened on first use: a login's read needs only users/. */
enum pf_store_dir { PF_DIR_USERS, PF_DIR_LOCKS, PF_DIR_CLAIMS, PF_DIR_OUTBOX, PF_DIR_COUNT };

struct pf_store {
	int dirfd;
	int subfd[PF_DIR_COUNT]; /* -1 until opened */
	bool create;             /* create missing subdirectories */
	mode_t dir_mode;         /* for the subdirectories it creates */
	mode_t file_mode;        /* 0660 when the directory is group-shared (setgid), else 0600 */
	const struct pf_logger *log;
	unsigned lock_wait_ms; /* how long pf_store_begin waits for a user's lock */
	dev_t dev;             /* the state directory's: a real file system (see pf_file_rules) */
	char path[512];
};

/* The lock wait of a store nobody set one for: the default `timeout`. */
#define PF_LOCK_WAIT_DEFAULT_MS 3000

enum pf_store_flags {
	PF_STORE_CREATE = 1u << 0, /* create missing directories when first used (root) */
	PF_STORE_SETUP = 1u << 1,  /* create and check every subdirectory now (the helper) */
};

PF_NODISCARD enum pf_rc pf_store_open(struct pf_store *st, const char *state_dir, unsigned flags,
				      const struct pf_logger *log);
void pf_store_close(struct pf_store *st);

/* The descriptor of a subdirectory, opened (and checked) on first use; -1 on error, logged. */
int pf_store_dir(struct pf_store *st, enum pf_store_dir d);

/*
 * Reads NAME's record without locking. owner is the uid besides root that
 * may own the record (the user's own uid, for records the setgid helper
 * wrote), or (uid_t)-1. A missing record is PF_ERR_NOENT with *out zeroed.
 */
PF_NODISCARD enum pf_rc pf_store_read(struct pf_store *st, const char *user, uid_t owner,
				      struct pf_user_state *out);

/* An update of one user's record, under that user's lock. */
struct pf_txn {
	struct pf_store *st;
	char user[PF_USER_MAX + 1];
	uid_t owner; /* besides root, who may own the user's files */
	int lockfd;
	/*
	 * The record, opened once by pf_store_begin for reading, appending and
	 * truncating; -1 when it was missing or could only be read. It stays
	 * the record's while the lock is held: every replacement of a record
	 * happens under its user's lock, and pf_store_commit closes it.
	 */
	int recfd;
	bool existed;
	bool intact; /* the record existed and was read whole */
	struct pf_user_state state;
};

/*
 * Locks NAME and reads its record into txn->state. The lock is waited for
 * at most st->lock_wait_ms (0: not at all): a holder that is stopped or
 * stuck makes it PF_ERR_TIMEOUT, never a hang (doc/invariants.md,
 * invariant 10). A corrupt record is reported (PF_ERR_CORRUPT, logged) with
 * txn->state zeroed and the lock held, so the caller may decide to
 * overwrite it; any other error releases it.
 */
PF_NODISCARD enum pf_rc pf_store_begin(struct pf_store *st, const char *user, uid_t owner,
				       struct pf_txn *txn);
/* Writes txn->state atomically (temp, fsync, rename, fsync dir). */
PF_NODISCARD enum pf_rc pf_store_commit(struct pf_txn *txn);
/*
 * Whether f may be appended to the record as it was read instead of a
 * rewrite: the record is intact, its journal not full and not torn.
 */
bool pf_store_can_append(const struct pf_txn *txn);
/* Appends f to NAME's record as a journal line (one write, no flush). */
PF_NODISCARD enum pf_rc pf_store_append_failure(struct pf_txn *txn, const struct pf_failure *f);
/* Appends f as an attempt line (counted before the password is checked). */
PF_NODISCARD enum pf_rc pf_store_append_attempt(struct pf_txn *txn, const struct pf_failure *f);
/* Appends "settle WHEN", then f as a failure line when f is not NULL, in one write. */
PF_NODISCARD enum pf_rc pf_store_append_settle(struct pf_txn *txn, int64_t when,
					       const struct pf_failure *f);
/*
 * Takes a's attempt line back when it is the record's last line (nobody
 * appended since, which the user's lock held by txn guarantees to stay so),
 * by truncating it away: a success then leaves no trace and the journal does
 * not grow. PF_ERR_INVAL when it is not the last line.
 */
PF_NODISCARD enum pf_rc pf_store_retract_attempt(struct pf_txn *txn, const struct pf_failure *a);
/* Appends txn->state's cloud answer and its time the same way. */
PF_NODISCARD enum pf_rc pf_store_append_cloud(struct pf_txn *txn);
/* Releases the lock. Safe to call twice. */
void pf_store_end(struct pf_txn *txn);

/*
 * Tries to claim the right to push NAME's outbox entry: PF_ERR_BUSY when
 * another process holds it. *fd is released with pf_store_release_claim.
 */
PF_NODISCARD enum pf_rc pf_store_claim(struct pf_store *st, const char *user, int *fd);
void pf_store_release_claim(int fd);

/*
 * Counts an event for the metrics ("failure", "host-lock", "refused
 * host-locked", ...): one line appended to state_dir/events in one write,
 * without a flush, as cheap as a journal line; sync folds the lines into
 * state_dir/counters. Best effort: a count may be lost, nothing else.
 */
#define PF_EVENTS_FILE   "events"
#define PF_EVENTS_MAX    (1024 * 1024) /* past this, events wait for a sync */
#define PF_COUNTERS_FILE "counters"
void pf_store_count(const struct pf_store *st, const char *event);

/*
 * Removes the temporary files (".tmp.*") writers killed between create and
 * rename left in the state directory and its users/ and outbox/, when they
 * are older than max_age seconds (a live writer needs milliseconds).
 * *removed counts them. Only regular files and links are removed.
 */
#define PF_TMP_MAX_AGE 900
PF_NODISCARD enum pf_rc pf_store_sweep_tmp(struct pf_store *st, int64_t max_age, unsigned *removed);

/* Calls fn for every user with a record, in directory order. */
typedef int (*pf_user_fn)(const char *user, void *arg);
PF_NODISCARD enum pf_rc pf_store_list(struct pf_store *st, pf_user_fn fn, void *arg);

/* Serialisation (fuzzable without files). */
PF_NODISCARD enum pf_rc pf_state_parse(const char *text, size_t len, struct pf_user_state *out);
/* Returns bytes written (< size) or 0 when buf is too small. */
size_t pf_state_format(const struct pf_user_state *s, char *buf, size_t size);
/* One "fail ..." or "cloud ..." line, as in the record and its journal; same return. */
size_t pf_failure_format(const struct pf_failure *f, char *buf, size_t size);
size_t pf_attempt_format(const struct pf_failure *f, char *buf, size_t size);
size_t pf_settle_format(int64_t when, char *buf, size_t size);
size_t pf_cloud_format(const struct pf_user_state *s, char *buf, size_t size);

/* Copies a field for a failure record: printable, no spaces, "-" when empty. */
void pf_field_copy(char *dst, size_t size, const char *src);

#endif
