/* Small helpers private to lib/. */
#ifndef PAM_FRONTEGG_CORE_INTERNAL_H
#define PAM_FRONTEGG_CORE_INTERNAL_H

#include <dirent.h>
#include <sys/types.h>

#include "pam_frontegg/common.h"
#include "pam_frontegg/record.h"

/* The record kinds lib/ reads and writes (record.h). */
extern const struct pf_rec_kind pf_state_kind;
extern const struct pf_rec_kind pf_outbox_kind;

/* A random, non-zero 64-bit value (getrandom, else clock and pid). */
uint64_t pf_random_u64(void);

/* The uid NSS gives for name, or (uid_t)-1. */
uid_t pf_nss_uid(const char *name);

/* Opens a directory stream on dirfd (its own descriptor); NULL on error. */
DIR *pf_dir_open(int dirfd);

/* Calls fn(name, arg) for each entry of dirfd whose name is a valid user name. */
enum pf_rc pf_dir_each_user(int dirfd, int (*fn)(const char *name, void *arg), void *arg);

#endif
