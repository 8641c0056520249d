/* Test builds only: the owner the safe-file rules trust (see trusted_owner.c). */
#ifndef PF_TRUSTED_OWNER_H
#define PF_TRUSTED_OWNER_H

#include <sys/types.h>

/* Makes uid the trusted owner in place of root (test programs only). */
void pf_test_trust_owner(uid_t uid);

/* Makes the owner of the files this process creates the trusted owner. */
void pf_test_trust_file_creator(void);

#endif
