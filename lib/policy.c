/* The lock policy: pure functions of state, configuration and time. */
#include "autoconfig.h"

#include <string.h>
#include <time.h>

#include "pam_frontegg/policy.h"

void pf_policy_for(const struct pf_config *cfg, bool root_like, struct pf_policy *out)
{
	out->exempt = root_like && !cfg->even_deny_root;
	out->deny = cfg->deny;
	out->fail_interval = cfg->fail_interval;
	out->unlock_time = root_like ? cfg->root_unlock_time : cfg->unlock_time;
}

bool pf_host_locked(const struct pf_user_state *s, int64_t now)
{
	return s->lock_since != 0 && (s->lock_until == 0 || now < s->lock_until);
}

/* Events of ev[0..n) (at most max) inside fail_interval at now. */
static unsigned within(const struct pf_failure *ev, unsigned n, unsigned max,
		       const struct pf_policy *p, int64_t now)
{
	unsigned count = 0;

	for (unsigned i = 0; i < n && i < max; i++)
		count += ev[i].when > now - (int64_t)p->fail_interval;
	return count;
}

unsigned pf_recent_failures(const struct pf_user_state *s, const struct pf_policy *p, int64_t now)
{
	return within(s->fail, s->n_fail, PF_FAIL_RING, p, now);
}

unsigned pf_pending_attempts(const struct pf_user_state *s, const struct pf_policy *p, int64_t now)
{
	return within(s->attempt, s->n_attempt, PF_ATTEMPT_MAX, p, now);
}

void pf_push_attempt(struct pf_user_state *s, const struct pf_failure *f)
{
	if (s->n_attempt > PF_ATTEMPT_MAX)
		s->n_attempt = PF_ATTEMPT_MAX;
	if (s->n_attempt == PF_ATTEMPT_MAX) {
		/* So many unsettled attempts: the oldest one's process is long gone. */
		pf_push_failure(s, &s->attempt[0]);
		memmove(&s->attempt[0], &s->attempt[1],
			sizeof(s->attempt[0]) * (PF_ATTEMPT_MAX - 1));
		s->n_attempt--;
	}
	s->attempt[s->n_attempt++] = *f;
}

bool pf_settle_attempt(struct pf_user_state *s, int64_t when)
{
	return pf_take_attempt(s, when, NULL);
}

bool pf_take_attempt(struct pf_user_state *s, int64_t when, struct pf_failure *out)
{
	for (unsigned i = 0; i < s->n_attempt && i < PF_ATTEMPT_MAX; i++) {
		if (s->attempt[i].when != when)
			continue;
		if (out != NULL)
			*out = s->attempt[i];
		memmove(&s->attempt[i], &s->attempt[i + 1],
			sizeof(s->attempt[0]) * (s->n_attempt - i - 1));
		s->n_attempt--;
		return true;
	}
	return false;
}

static void start_lock(struct pf_user_state *s, const struct pf_policy *p, int64_t now)
{
	s->lock_since = now;
	s->lock_until = p->unlock_time ? now + (int64_t)p->unlock_time : 0;
}

static bool reaches_deny(const struct pf_user_state *s, const struct pf_policy *p, int64_t now)
{
	return pf_recent_failures(s, p, now) + pf_pending_attempts(s, p, now) >= p->deny;
}

enum pf_failure_outcome pf_attempt_outcome(struct pf_user_state *s, const struct pf_policy *p,
					   int64_t now)
{
	pf_expire_lock(s, now);
	if (p->exempt)
		return PF_FAIL_EXEMPT;
	if (pf_host_locked(s, now))
		return PF_FAIL_WHILE_LOCKED;
	if (!reaches_deny(s, p, now))
		return PF_FAIL_COUNTED;
	start_lock(s, p, now);
	return PF_FAIL_LOCKED_NOW;
}

void pf_push_failure(struct pf_user_state *s, const struct pf_failure *f)
{
	if (s->n_fail > PF_FAIL_RING)
		s->n_fail = PF_FAIL_RING;
	if (s->n_fail == PF_FAIL_RING) {
		memmove(&s->fail[0], &s->fail[1], sizeof(s->fail[0]) * (PF_FAIL_RING - 1));
		s->n_fail--;
	}
	s->fail[s->n_fail++] = *f;
	/* Records stay ordered even if the clock stepped back. */
	if (s->n_fail > 1 && s->fail[s->n_fail - 1].when < s->fail[s->n_fail - 2].when)
		s->fail[s->n_fail - 1].when = s->fail[s->n_fail - 2].when;
	s->failures_total++;
}

enum pf_failure_outcome pf_record_failure(struct pf_user_state *s, const struct pf_policy *p,
					  const struct pf_failure *f)
{
	int64_t now = f->when;
	bool was_locked;

	pf_expire_lock(s, now);
	was_locked = pf_host_locked(s, now);
	pf_push_failure(s, f);
	if (p->exempt)
		return PF_FAIL_EXEMPT;
	if (was_locked)
		return PF_FAIL_WHILE_LOCKED;
	if (!reaches_deny(s, p, now))
		return PF_FAIL_COUNTED;
	start_lock(s, p, now);
	return PF_FAIL_LOCKED_NOW;
}

void pf_clear_tally(struct pf_user_state *s)
{
	s->n_fail = 0;
	s->n_attempt = 0;
	s->failures_total = 0;
	s->lock_since = 0;
	s->lock_until = 0;
}

void pf_lock_by_admin(struct pf_user_state *s, int64_t now)
{
	s->lock_since = now;
	s->lock_until = 0;
}

bool pf_expire_lock(struct pf_user_state *s, int64_t now)
{
	if (s->lock_since == 0 || pf_host_locked(s, now))
		return false;
	pf_clear_tally(s);
	return true;
}

bool pf_cloud_fresh(const struct pf_user_state *s, unsigned ttl, int64_t now)
{
	return s->cloud != PF_CLOUD_UNKNOWN && s->cloud_checked_at <= now &&
	       now - s->cloud_checked_at < (int64_t)ttl;
}

int64_t pf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int64_t pf_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
