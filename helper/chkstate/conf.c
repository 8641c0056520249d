/*
 * The configuration frontegg_chkstate reads: compiled in, never chosen by
 * the caller (no --conf, no environment), so an unprivileged user cannot
 * hand the setgid program a file of their making (doc/privileges.md).
 */
#include "autoconfig.h"

#include "chkstate.h"

const char *chk_conf_path(void)
{
	return PF_DEFAULT_CONF;
}
