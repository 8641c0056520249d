/*
 * Opening files the safe way: absolute path, no symlink at the last
 * component, then fstat on the open descriptor to check type, owner and mode.
 * Every file the project reads (config, secret, map, state) goes through here.
 * Trusted owner: root only, whoever runs us (extra_owner adds one uid for
 * the per-user records the setgid helper writes).
 */
#ifndef PAM_FRONTEGG_SAFE_FILE_H
#define PAM_FRONTEGG_SAFE_FILE_H

#include <sys/stat.h>
#include <sys/types.h>

#include "common.h"

/*
 * The owner the rules trust: root (0) in everything that ships, which
 * never assigns it. Only test programs and the test builds of the module
 * and helper change it (tests/lib/trusted_owner.c), to the account that
 * owns the build tree, so a checkout owned by a normal user can run every
 * suite. Nothing reads it from the environment.
 */
extern uid_t pf_trusted_owner;

struct pf_file_rules {
	mode_t forbidden_mode; /* permission bits that must be clear, e.g. 077 */
	uid_t extra_owner;     /* a second trusted owner besides root; (uid_t)-1 = none */
	size_t max_size;       /* 0 = no bound */
	/*
	 * The device of a directory already found to be on a real file system
	 * (the state directory), or NULL. A file on that same device is on the
	 * same file system, so the pseudo-file-system check (an fstatfs) is
	 * skipped; a file on any other device, a bind mount say, still gets it.
	 */
	const dev_t *real_dev;
};

/*
 * Opens path (absolute) read-only, or dirfd-relative name when dirfd >= 0.
 * On PF_ERR_PERM / PF_ERR_TOOBIG / PF_ERR_IO, why (if non-NULL, size >= 128)
 * receives one line naming the problem. *fd_out is set only on PF_OK.
 */
PF_NODISCARD enum pf_rc pf_open_checked(int dirfd, const char *path,
					const struct pf_file_rules *rules, int *fd_out, char *why,
					size_t whysize);

/* pf_open_checked, also handing back the fstat its check made (sb_out). */
PF_NODISCARD enum pf_rc pf_open_checked_stat(int dirfd, const char *path,
					     const struct pf_file_rules *rules, int *fd_out,
					     struct stat *sb_out, char *why, size_t whysize);

/*
 * Checks an open descriptor against rules (regular file, owner, mode, size).
 * sb_out (may be NULL) receives the fstat the check made, so a caller that
 * needs the size or mode does not ask the kernel a second time.
 */
PF_NODISCARD enum pf_rc pf_check_fd(int fd, const struct pf_file_rules *rules, struct stat *sb_out,
				    char *why, size_t whysize);

/* pf_check_fd for a caller that has just made the fstat of fd itself (sb). */
PF_NODISCARD enum pf_rc pf_check_stat(int fd, const struct pf_file_rules *rules,
				      const struct stat *sb, char *why, size_t whysize);

/* Opens a directory (absolute path, no symlink) with owner/mode checks; sb_out as above. */
PF_NODISCARD enum pf_rc pf_open_dir_checked(const char *path, mode_t forbidden_mode, int *fd_out,
					    struct stat *sb_out, char *why, size_t whysize);

/*
 * Reads a whole file through pf_open_checked into a NUL-terminated heap
 * buffer (*data, *len). A file over rules->max_size is PF_ERR_TOOBIG.
 */
PF_NODISCARD enum pf_rc pf_read_file_checked(int dirfd, const char *path,
					     const struct pf_file_rules *rules, char **data,
					     size_t *len, char *why, size_t whysize);

/* Reads everything from fd up to max bytes (NUL-terminated heap copy). */
PF_NODISCARD enum pf_rc pf_read_fd(int fd, size_t max, char **data, size_t *len);

/* Writes all of data, retrying after EINTR and short writes; false on error. */
bool pf_write_all(int fd, const void *data, size_t len);

/*
 * Writes data to dirfd/name atomically: temp file in the same directory,
 * fsync, rename over name, fsync the directory. mode applies to the new file.
 */
PF_NODISCARD enum pf_rc pf_write_atomic(int dirfd, const char *name, const void *data, size_t len,
					mode_t mode);

/* Overwrites len bytes at p in a way the compiler cannot elide. */
void pf_wipe(void *p, size_t len);

#endif
