/* Shared result codes and limits of the pam_frontegg lockout library. */
#ifndef PAM_FRONTEGG_COMMON_H
#define PAM_FRONTEGG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest accepted login name; useradd's own limit is 32. */
#define PF_USER_MAX 64
/* Longest Frontegg id or e-mail we keep for a user. */
#define PF_IDENT_MAX 254
/* Frontegg ids are uuids; leave room for other opaque forms. */
#define PF_ID_MAX 64

enum pf_rc {
	PF_OK = 0,
	PF_ERR_NOENT,   /* no such file / user / entry */
	PF_ERR_CORRUPT, /* a file exists but its content is not ours */
	PF_ERR_PERM,    /* unsafe owner, mode, type or path */
	PF_ERR_IO,      /* a system call failed */
	PF_ERR_INVAL,   /* bad argument or value */
	PF_ERR_NOMEM,
	PF_ERR_TOOBIG,  /* over a size bound */
	PF_ERR_BUSY,    /* someone else holds the lock (non-blocking attempts) */
	PF_ERR_TIMEOUT, /* a user's lock stayed held past the deadline */
};

const char *pf_rc_str(enum pf_rc rc);

#if defined(__GNUC__)
#define PF_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define PF_NODISCARD         __attribute__((warn_unused_result))
#else
#define PF_PRINTF(fmt, args)
#define PF_NODISCARD
#endif

#endif
