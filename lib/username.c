/* User-name validation: the only names allowed as file names in the state directory. */
#include "autoconfig.h"

#include <string.h>

#include "pam_frontegg/username.h"

static bool name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

bool pf_username_valid(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strnlen(name, PF_USER_MAX + 1);
	if (len == 0 || len > PF_USER_MAX)
		return false;
	if (name[0] == '.' || name[0] == '-' || name[0] == '@')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		/* user@domain: how SSSD names accounts with fully qualified names. */
		if (name_char_ok(c) || c == '@')
			continue;
		if (c == '$' && i == len - 1 && i > 0)
			continue;
		return false;
	}
	return true;
}
