/* The gate every user name passes before it reaches a path, URL or JSON. */
#ifndef PAM_FRONTEGG_USERNAME_H
#define PAM_FRONTEGG_USERNAME_H

#include "common.h"

/*
 * True when name is 1..PF_USER_MAX bytes of [A-Za-z0-9._-] plus a trailing
 * '$' (Samba machine accounts), does not start with '.' or '-', and is not
 * "." or "..". Anything else (slashes, spaces, control characters, UTF-8,
 * '@' or ':') is refused: such names are never sent to the cloud.
 */
bool pf_username_valid(const char *name);

#endif
