/*
 * The libpamtest driver for the leak test: N transactions (pam_start,
 * pam_authenticate, pam_acct_mgmt, pam_end) on the root path, alternating
 * the "ok" stack (a login) and the "fail" stack (a recorded failure), under
 * valgrind. Prints TAP.
 */
#include "autoconfig.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <libpamtest.h>

/*
 * Holds the stack's modules loaded, so libpam's dlopen/dlclose per handle
 * only counts references: under valgrind, reloading a library 1000 times
 * costs a minute and tests nothing of ours.
 */
static void pin_modules(int argc, char **argv)
{
	for (int i = 3; i < argc; i++)
		if (dlopen(argv[i], RTLD_NOW | RTLD_NODELETE) == NULL)
			fprintf(stderr, "# cannot pin %s: %s\n", argv[i], dlerror());
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	const char *user = argc > 2 ? argv[2] : "bob";

	printf("1..1\n");
	pin_modules(argc, argv);
	for (long i = 0; i < n; i++) {
		/* Every other one fails for carol (admin_group: recorded, never locked). */
		bool fail = i % 2 == 1;
		struct pam_testcase tests[] = {
			pam_test(PAMTEST_AUTHENTICATE, fail ? PAM_AUTH_ERR : PAM_SUCCESS),
			pam_test(PAMTEST_ACCOUNT, PAM_SUCCESS),
		};
		struct pamtest_conv_data conv = { .in_echo_off = NULL };
		enum pamtest_err e = fail ? run_pamtest("fail", "carol", &conv, tests, NULL)
					  : run_pamtest("ok", user, &conv, tests, NULL);

		if (e != PAMTEST_ERR_OK) {
			printf("not ok 1 - transaction %ld: %s\n", i, pamtest_strerror(e));
			return 1;
		}
	}
	printf("ok 1 - %ld PAM transactions for %s\n", n, user);
	return 0;
}
