/*
 * pam-driver: runs PAM transactions in a loop, for the storm tests and the
 * benchmarks. Each transaction is pam_start, pam_authenticate, (on success)
 * pam_acct_mgmt, pam_end — what sshd does for a password login.
 *
 *   pam-driver SERVICE PREFIX USERS COUNT [FIRST]
 *
 * drives COUNT transactions for the users PREFIX<FIRST>..PREFIX<FIRST+USERS-1>
 * round robin and prints "transactions N ok N failed N seconds S".
 * Run it under pam_wrapper (and nss_wrapper) like the other PAM tests.
 */
#include "autoconfig.h"

#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "silent_conv.h"

static int transaction(const char *service, const char *user)
{
	struct pam_conv conv = { pf_silent_conv, NULL };
	pam_handle_t *pamh = NULL;
	int rc = pam_start(service, user, &conv, &pamh);

	if (rc == PAM_SUCCESS)
		rc = pam_set_item(pamh, PAM_RHOST, "192.0.2.99");
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long users, count, first = 0, ok = 0;
	double started;

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: pam-driver SERVICE PREFIX USERS COUNT [FIRST]\n");
		return 2;
	}
	users = strtoul(argv[3], NULL, 10);
	count = strtoul(argv[4], NULL, 10);
	if (argc == 6)
		first = strtoul(argv[5], NULL, 10);
	if (users == 0 || strlen(argv[2]) > 40)
		return 2;
	started = seconds();
	for (unsigned long i = 0; i < count; i++) {
		char user[64];
		snprintf(user, sizeof(user), "%s%lu", argv[2], first + i % users);
		ok += transaction(argv[1], user) == PAM_SUCCESS;
	}
	printf("transactions %lu ok %lu failed %lu seconds %.3f\n", count, ok, count - ok,
	       seconds() - started);
	return 0;
}
