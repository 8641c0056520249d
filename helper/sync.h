/* frontegg-lockout sync: the reconciliation run by the timer (doc/architecture.md). */
#ifndef PF_HELPER_SYNC_H
#define PF_HELPER_SYNC_H

#include "cloud.h"
#include "counters.h"

/* What one run did, for the status file, --progress and the metrics. */
struct sync_report {
	unsigned users;                  /* users with state */
	unsigned host_locked;            /* locked on this host after the run */
	unsigned would_lock;             /* enforce = no: would be locked on this host */
	unsigned cloud_locked;           /* known locked in Frontegg after the run */
	unsigned expired;                /* host locks that ended */
	unsigned requeued;               /* host locks found missing from the outbox */
	unsigned delivered;              /* outbox entries Frontegg confirmed */
	unsigned outbox_left;            /* entries still waiting */
	unsigned parked;                 /* of those, parked (outbox.h) */
	unsigned refreshed;              /* users whose cloud state was read */
	unsigned cleared;                /* host locks cleared by an unlock in Frontegg */
	unsigned errors[FG_INVALID + 1]; /* API errors by kind */
	bool cloud_ok;                   /* no API error */
	unsigned state_errors;           /* records or files this run could not read or write */
	bool metrics_failed;             /* --metrics-file could not be written */
	struct counters totals;          /* lifetime event counters (counters.h) */
};

int verb_sync(struct app *a, int argc, char **argv);

/* Writes the Prometheus textfile atomically (dir/.tmp.* then rename). */
int sync_write_metrics(const char *path, const struct sync_report *r, int64_t last_success);

#endif
