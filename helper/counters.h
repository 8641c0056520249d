/*
 * The lifetime counters of the metrics file: the module and the helpers
 * append one line per event to state_dir/events (pf_store_count); sync
 * folds those lines into state_dir/counters, so a login costs one append
 * at most and the totals survive reboots and rotations.
 */
#ifndef PF_HELPER_COUNTERS_H
#define PF_HELPER_COUNTERS_H

#include "pam_frontegg/state.h"

enum counter {
	CNT_FAILURES,           /* failures recorded */
	CNT_HOST_LOCKS,         /* host locks started */
	CNT_WOULD_LOCKS,        /* audit only: locks that would have started */
	CNT_CLOUD_LOCKS_PUSHED, /* locks Frontegg confirmed */
	CNT_FAIL_OPEN,          /* failmode=open let a login through an unknown cloud state */
	CNT_REFUSED_HOST,       /* refusals, by reason */
	CNT_REFUSED_CLOUD,
	CNT_REFUSED_UNAVAILABLE,
	CNT_COUNT
};

struct counters {
	uint64_t n[CNT_COUNT];
};

/* The event name of a counter, as pf_store_count writes it. */
const char *counter_event(enum counter c);

/*
 * Adds the waiting events to state_dir/counters and returns the totals.
 * PF_OK with zeros when there was nothing yet; an error leaves the events
 * for the next run.
 */
enum pf_rc counters_fold(struct pf_store *st, struct counters *out);

#endif
