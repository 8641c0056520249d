/*
 * Between the state store and Frontegg: resolving a user's Frontegg id
 * (cached in the record, with a negative cache), refreshing the cached cloud
 * state, and delivering outbox entries (parking the ambiguous ones).
 */
#ifndef PF_HELPER_CLOUD_H
#define PF_HELPER_CLOUD_H

#include "app.h"
#include "frontegg/frontegg.h"

/* The shared 429 memory in the state directory (frontegg/rate_memory.h). */
#define CLOUD_RATE_FILE "ratelimit"

/* "Not in Frontegg" is remembered this long before asking again. */
#define CLOUD_NEGATIVE_TTL 3600

struct cloud {
	struct app *app;
	struct fg_client *fg;
	char *secret;
};

/* Reads the secret (root only) and creates the client; PF_EXIT_* on failure. */
int cloud_open(struct app *a, struct cloud *c);
/* The same with a token of its own, never the cached one (doctor tests the credentials). */
int cloud_open_fresh(struct app *a, struct cloud *c);
void cloud_close(struct cloud *c);
/* app_user then cloud_open: what every verb that talks about one user starts with. */
int cloud_open_for(struct app *a, const char *name, struct app_user *u, struct cloud *c);

/*
 * Reads USER from Frontegg and stores the answer (one request when the id is
 * cached). *cleared (may be NULL): the answer cleared the host lock
 * (doc/invariants.md, invariant 3).
 */
enum fg_result cloud_refresh(struct cloud *c, const struct pf_lockout *lo, bool *cleared);

/*
 * cloud_refresh for a login: single flight per user and host. Concurrent
 * callers wait (at most timeout) for the one that asks Frontegg and then use
 * its answer; an answer younger than cloud_cache_ttl is used as it is. So a
 * user costs at most one request per host per cloud_cache_ttl
 * (doc/invariants.md, invariant 9).
 */
enum fg_result cloud_refresh_shared(struct cloud *c, const struct pf_lockout *lo);

/*
 * The user's Frontegg id: cached, from an id mapping, or one e-mail lookup.
 * tenant (may be NULL) gets the user's tenantId when a lookup was made.
 */
enum fg_result cloud_resolve_id(struct cloud *c, const struct pf_lockout *lo, char *id, size_t size,
				char *tenant, size_t tenant_size);

enum cloud_push_outcome {
	CLOUD_PUSH_NOTHING,   /* no entry, or another process is delivering it right now */
	CLOUD_PUSH_DELIVERED, /* Frontegg confirmed it (2xx); the entry is gone */
	CLOUD_PUSH_AUDITED,   /* an action delivered earlier got its audit entry */
	CLOUD_PUSH_PARKED,    /* ambiguous answer or no mapping: kept, parked (outbox.h) */
	CLOUD_PUSH_FAILED,    /* not delivered; the result says why; kept for the next try */
};

/*
 * Delivers USER's outbox entry, if any: resolve the id, lock or unlock (a
 * 2xx is the confirmation), then record the result and acknowledge the
 * entry. A parked entry is sent again only when pf_outbox_retry_due says so.
 */
enum fg_result cloud_push(struct cloud *c, const struct pf_lockout *lo,
			  enum cloud_push_outcome *out);

#endif
