/* The audit-trail entry of a lock or unlock (audit.h). */
#include "autoconfig.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"

/* Who made the change, as far as the host knows. */
static void actor_of(char *buf, size_t size, enum pf_action action, const struct pf_user_state *s,
		     const char *admin)
{
	if (action == PF_ACTION_LOCK && s->n_fail > 0)
		snprintf(buf, size, "pam_frontegg (failed logins)");
	else
		snprintf(buf, size, "%s (frontegg-lockout %s)", admin && admin[0] ? admin : "root",
			 action == PF_ACTION_LOCK ? "lock" : "unlock or end of the host lock");
}

static void add_last_failure(cJSON *o, const struct pf_user_state *s)
{
	const struct pf_failure *f = s->n_fail > 0 ? &s->fail[s->n_fail - 1] : NULL;

	cJSON_AddStringToObject(o, "service", f ? f->service : "-");
	cJSON_AddStringToObject(o, "rhost", f ? f->rhost : "-");
	cJSON_AddNumberToObject(o, "failures", (double)s->failures_total);
}

char *audit_entry(const struct pf_lockout *lo, enum pf_action action, const struct pf_user_state *s,
		  const char *frontegg_id, const char *admin)
{
	bool lock = action == PF_ACTION_LOCK;
	char host[256] = "", what[400], actor[128];
	cJSON *o = cJSON_CreateObject();
	char *text;

	if (o == NULL)
		return NULL;
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "unknown");
	snprintf(what, sizeof(what), "%s %s on host %s", lock ? "Locked" : "Unlocked", lo->user,
		 host);
	cJSON_AddStringToObject(o, "severity", lock ? "High" : "Info");
	cJSON_AddStringToObject(o, "action", lock ? "pam_frontegg.lock" : "pam_frontegg.unlock");
	cJSON_AddStringToObject(o, "description", what);
	cJSON_AddStringToObject(o, "host", host);
	cJSON_AddStringToObject(o, "user", lo->user);
	add_last_failure(o, s);
	actor_of(actor, sizeof(actor), action, s, admin);
	cJSON_AddStringToObject(o, "actor", actor);
	cJSON_AddStringToObject(o, "userId", frontegg_id);
	if (s->identity[0] != '\0')
		cJSON_AddStringToObject(o, "email", s->identity);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}
