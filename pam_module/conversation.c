/*
 * Messages to the user. There are deliberately few: before the user has
 * proven who they are (preauth, authfail, authsucc) the module says nothing,
 * so a locked account looks exactly like an unknown one and a wrong password
 * (see RETURN-VALUES.md, "What the user sees"). Only the account phase, which
 * runs for an authenticated user, explains a refusal.
 */
#include "autoconfig.h"

#include <security/pam_ext.h>

#include "module.h"

void pf_conv_error(const struct pf_module *m, const char *text)
{
	if (m->silent)
		return;
	/* The text is ours and constant; still never a format string. */
	pam_error(m->pamh, "%s", text);
}
