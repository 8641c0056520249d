/* The gate every user name passes before it keys a record, a lock or an outbox entry. */
#ifndef PAM_FRONTEGG_USERNAME_H
#define PAM_FRONTEGG_USERNAME_H

#include "common.h"

/*
 * True when name is 1..PF_USER_MAX bytes of [A-Za-z0-9._@-] plus a trailing
 * '$' (Samba machine accounts), and does not start with '.', '-' or '@' (so
 * it is never ".", ".." or an option). '@' is in for user@domain, the names
 * SSSD gives with fully qualified names. Anything else (slashes, spaces,
 * control characters, UTF-8, ':', '+', quotes) is refused. User names are
 * never sent to the cloud: the identity they map to is.
 */
bool pf_username_valid(const char *name);

#endif
