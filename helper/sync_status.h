/* What the last `frontegg-lockout sync` did, kept in state_dir/sync-status (helper only). */
#ifndef PF_HELPER_SYNC_STATUS_H
#define PF_HELPER_SYNC_STATUS_H

#include "pam_frontegg/state.h"

struct pf_sync_status {
	int64_t last_attempt;
	int64_t last_success; /* 0 = never */
	unsigned users;       /* users with state at the last run */
	unsigned delivered;   /* outbox entries Frontegg confirmed at the last run */
	unsigned errors;      /* API errors at the last run */
};

/* PF_ERR_NOENT (status zeroed) when no sync has run yet. */
enum pf_rc pf_sync_status_read(struct pf_store *st, struct pf_sync_status *out);
enum pf_rc pf_sync_status_write(struct pf_store *st, const struct pf_sync_status *s);

enum pf_rc pf_sync_status_parse(const char *text, size_t len, struct pf_sync_status *out);

#endif
