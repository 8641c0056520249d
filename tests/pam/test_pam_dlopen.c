/*
 * dlopen(RTLD_NOW) smoke test of pam_frontegg.so: it loads with every
 * symbol resolved, offers the three PAM entry points, and keeps lib/ to
 * itself. Prints TAP.
 */
#include "autoconfig.h"

#include <dlfcn.h>
#include <stdio.h>

static int n;
static int failed;

static void ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed |= !cond;
}

int main(int argc, char **argv)
{
	static const char *const entries[] = { "pam_sm_authenticate", "pam_sm_setcred",
					       "pam_sm_acct_mgmt" };
	static const char *const hidden[] = { "pf_config_load", "pf_lockout_check", "pf_helper_run",
					      "pf_flow_account" };
	void *dl;

	if (argc != 2) {
		fprintf(stderr, "usage: %s MODULE\n", argv[0]);
		return 99;
	}
	printf("1..%zu\n",
	       1 + sizeof(entries) / sizeof(entries[0]) + sizeof(hidden) / sizeof(hidden[0]));
	dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	ok(dl != NULL, "dlopen(RTLD_NOW) resolves every symbol");
	if (dl == NULL) {
		printf("# %s\n", dlerror());
		return 1;
	}
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		ok(dlsym(dl, entries[i]) != NULL, entries[i]);
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		ok(dlsym(dl, hidden[i]) == NULL, hidden[i]);
	dlclose(dl);
	return failed;
}
