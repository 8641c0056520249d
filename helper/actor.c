/*
 * The administrator behind a verb, for the audit trail: the login uid the
 * kernel keeps across su and sudo, else the SUDO_USER the caller's
 * environment named (read before it was cleared), else the real caller.
 * Nothing here decides anything: it only names who to ask.
 */
#include "autoconfig.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "pam_frontegg/safe_file.h"

/* The name behind /proc/self/loginuid; false when unset (4294967295) or unknown. */
static bool login_user(char *out, size_t size)
{
	struct pf_file_rules rules = { 022, (uid_t)-1, 32, NULL };
	unsigned long uid;
	struct passwd *pw;
	char *text = NULL, *end;
	size_t len = 0;
	bool ok = false;

	if (pf_read_file_checked(-1, "/proc/self/loginuid", &rules, &text, &len, NULL, 0) != PF_OK)
		return false;
	uid = strtoul(text, &end, 10);
	if (end != text && uid < 4294967295UL && (pw = getpwuid((uid_t)uid)) != NULL &&
	    strlen(pw->pw_name) <= PF_USER_MAX) {
		snprintf(out, size, "%s", pw->pw_name);
		ok = true;
	}
	free(text);
	return ok;
}

void app_actor_init(struct app *a, const char *sudo_user)
{
	if (login_user(a->actor, sizeof(a->actor)))
		return;
	if (sudo_user != NULL && sudo_user[0] != '\0')
		snprintf(a->actor, sizeof(a->actor), "%s", sudo_user);
	else if (a->caller[0] != '\0')
		snprintf(a->actor, sizeof(a->actor), "%s", a->caller);
	else
		snprintf(a->actor, sizeof(a->actor), "uid-%lu", (unsigned long)getuid());
}
