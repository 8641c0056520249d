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

unsigned pf_recent_failures(const struct pf_user_state *s, const struct pf_policy *p, int64_t now)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_fail && i < PF_FAIL_RING; i++)
		if (s->fail[i].when > now - (int64_t)p->fail_interval)
			n++;
	return n;
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
	if (pf_recent_failures(s, p, now) < p->deny)
		return PF_FAIL_COUNTED;
	s->lock_since = now;
	s->lock_until = p->unlock_time ? now + (int64_t)p->unlock_time : 0;
	return PF_FAIL_LOCKED_NOW;
}

void pf_clear_tally(struct pf_user_state *s)
{
	s->n_fail = 0;
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
