/* Helpers shared by the unit tests: temp dirs, files, a capturing logger. */
#ifndef PF_TESTUTIL_H
#define PF_TESTUTIL_H

#include <check.h>
#include <sys/types.h>

#include "pam_frontegg/log.h"
#include "pam_frontegg/state.h"

/* A logger that keeps every line, for asserting on messages. */
struct pf_test_log {
	struct pf_logger logger;
	char lines[64][PF_LOG_LINE_MAX];
	int prio[64];
	unsigned n;
};

void pf_test_log_init(struct pf_test_log *tl);
/* True when some captured line contains needle. */
bool pf_test_log_has(const struct pf_test_log *tl, const char *needle);

/* Creates a fresh 0700 directory under $TMPDIR (or /tmp); returns a static-lifetime copy. */
char *pf_test_mkdtemp(void);
/* Removes a tree made by the tests. */
void pf_test_rmtree(const char *path);
/* Writes content to dir/name with mode; returns the full path (heap). */
char *pf_test_write(const char *dir, const char *name, const char *content, mode_t mode);

/* Reads dir/name into buf (NUL-terminated, at most size - 1 bytes); aborts if absent. */
void pf_test_read(const char *dir, const char *name, char *buf, size_t size);

/* Opens a fresh store (every subdirectory made) in a new temp dir logging to tl; returns the dir. */
char *pf_test_store_open(struct pf_store *st, struct pf_test_log *tl);
/* Closes the store, removes its directory and frees dir. */
void pf_test_store_close(struct pf_store *st, char *dir);

/* Runs the suite printing TAP on stdout; returns the process exit status. */
int pf_test_run(Suite *s);

#endif
