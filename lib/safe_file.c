/*
 * Safe file access, pam-u2f style: open with O_NOFOLLOW|O_CLOEXEC|O_NOCTTY,
 * then judge the descriptor (not the path) with fstatfs and fstat, so
 * nothing can be swapped between the check and the use.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "internal.h"
#include "pam_frontegg/safe_file.h"

/* O_NONBLOCK: opening a planted fifo must not hang the login. */
#define OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

static void say(char *why, size_t whysize, const char *fmt, ...) PF_PRINTF(3, 4);

static void say(char *why, size_t whysize, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whysize == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whysize, fmt, ap);
	va_end(ap);
}

uid_t pf_trusted_owner = 0;

static bool owner_trusted(uid_t owner, uid_t extra)
{
	return owner == pf_trusted_owner || (extra != (uid_t)-1 && owner == extra);
}

/*
 * File systems whose root-owned files carry content someone else chose:
 * /proc/PID/cmdline of a user's own non-dumpable process is root's, 0444,
 * and says what that user wants; FUSE is whatever its mounter serves. None
 * of them ever holds a configuration, a map or a state record.
 */
static const struct {
	unsigned long magic;
	const char *name;
} pseudo_fs[] = {
	{ 0x9fa0, "procfs" },       { 0x62656572, "sysfs" },     { 0x65735546, "FUSE" },
	{ 0x64626720, "debugfs" },  { 0x74726163, "tracefs" },   { 0x73636673, "securityfs" },
	{ 0x27e0eb, "cgroupfs" },   { 0x63677270, "cgroup2fs" }, { 0x62656570, "configfs" },
	{ 0xde5e81e4, "efivarfs" },
};

/* PF_ERR_PERM when fd lives on one of pseudo_fs (PF_ERR_IO when fstatfs fails). */
static enum pf_rc check_fs(int fd, char *why, size_t whysize)
{
	struct statfs fs;

	if (fstatfs(fd, &fs) != 0) {
		say(why, whysize, "fstatfs failed: %s", strerror(errno));
		return PF_ERR_IO;
	}
	for (size_t i = 0; i < sizeof(pseudo_fs) / sizeof(pseudo_fs[0]); i++)
		if ((unsigned long)fs.f_type == pseudo_fs[i].magic) {
			say(why, whysize, "is on %s, not a real file system", pseudo_fs[i].name);
			return PF_ERR_PERM;
		}
	return PF_OK;
}

enum pf_rc pf_check_stat(int fd, const struct pf_file_rules *rules, const struct stat *sb,
			 char *why, size_t whysize)
{
	if (rules->real_dev == NULL || sb->st_dev != *rules->real_dev) {
		enum pf_rc rc = check_fs(fd, why, whysize);
		if (rc != PF_OK)
			return rc;
	}
	if (!S_ISREG(sb->st_mode)) {
		say(why, whysize, "not a regular file");
		return PF_ERR_PERM;
	}
	if (sb->st_nlink > 1) {
		say(why, whysize, "has %lu hard links", (unsigned long)sb->st_nlink);
		return PF_ERR_PERM;
	}
	if (!owner_trusted(sb->st_uid, rules->extra_owner)) {
		say(why, whysize, "owned by uid %lu, expected uid %lu", (unsigned long)sb->st_uid,
		    (unsigned long)pf_trusted_owner);
		return PF_ERR_PERM;
	}
	if ((sb->st_mode & rules->forbidden_mode) != 0) {
		say(why, whysize, "mode %04o gives access to %s", (unsigned)(sb->st_mode & 07777),
		    (sb->st_mode & rules->forbidden_mode & 07) ? "others" : "the group");
		return PF_ERR_PERM;
	}
	if (rules->max_size != 0 && (uintmax_t)sb->st_size > rules->max_size) {
		say(why, whysize, "larger than %zu bytes", rules->max_size);
		return PF_ERR_TOOBIG;
	}
	return PF_OK;
}

enum pf_rc pf_check_fd(int fd, const struct pf_file_rules *rules, struct stat *sb_out, char *why,
		       size_t whysize)
{
	struct stat local = { 0 };
	struct stat *sbp = sb_out != NULL ? sb_out : &local;

	if (fstat(fd, sbp) != 0) {
		say(why, whysize, "fstat failed: %s", strerror(errno));
		return PF_ERR_IO;
	}
	return pf_check_stat(fd, rules, sbp, why, whysize);
}

static enum pf_rc open_errno(int err, char *why, size_t whysize)
{
	/* O_NOFOLLOW gives ELOOP for a file, ENOTDIR with O_DIRECTORY. */
	if (err == ELOOP || err == ENOTDIR)
		say(why, whysize, "is a symbolic link or not a directory");
	else
		say(why, whysize, "%s", strerror(err));
	if (err == ENOENT)
		return PF_ERR_NOENT;
	if (err == ELOOP || err == ENOTDIR || err == EACCES || err == EPERM)
		return PF_ERR_PERM;
	return PF_ERR_IO;
}

enum pf_rc pf_open_checked_stat(int dirfd, const char *path, const struct pf_file_rules *rules,
				int *fd_out, struct stat *sb_out, char *why, size_t whysize)
{
	enum pf_rc rc;
	int fd;

	if (dirfd < 0 && (path == NULL || path[0] != '/')) {
		say(why, whysize, "not an absolute path");
		return PF_ERR_PERM;
	}
	fd = dirfd < 0 ? open(path, OPEN_FLAGS) : openat(dirfd, path, OPEN_FLAGS);
	if (fd < 0)
		return open_errno(errno, why, whysize);
	rc = pf_check_fd(fd, rules, sb_out, why, whysize);
	if (rc != PF_OK) {
		close(fd);
		return rc;
	}
	*fd_out = fd;
	return PF_OK;
}

enum pf_rc pf_open_checked(int dirfd, const char *path, const struct pf_file_rules *rules,
			   int *fd_out, char *why, size_t whysize)
{
	return pf_open_checked_stat(dirfd, path, rules, fd_out, NULL, why, whysize);
}

enum pf_rc pf_open_dir_checked(const char *path, mode_t forbidden_mode, int *fd_out,
			       struct stat *sb_out, char *why, size_t whysize)
{
	struct stat local = { 0 };
	struct stat *sbp = sb_out != NULL ? sb_out : &local;
	int fd;

	if (path == NULL || path[0] != '/') {
		say(why, whysize, "not an absolute path");
		return PF_ERR_PERM;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return open_errno(errno, why, whysize);
	if (check_fs(fd, why, whysize) != PF_OK) {
		close(fd);
		return PF_ERR_PERM;
	}
	if (fstat(fd, sbp) != 0 || !owner_trusted(sbp->st_uid, (uid_t)-1) ||
	    (sbp->st_mode & forbidden_mode) != 0) {
		say(why, whysize, "directory owner uid %lu or mode %04o is unsafe",
		    (unsigned long)sbp->st_uid, (unsigned)(sbp->st_mode & 07777));
		close(fd);
		return PF_ERR_PERM;
	}
	*fd_out = fd;
	return PF_OK;
}

enum pf_rc pf_read_fd(int fd, size_t max, char **data, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		return PF_ERR_NOMEM;
	for (;;) {
		ssize_t n;
		if (used + 1 >= cap) {
			char *bigger;
			if (cap > max + 1) {
				free(buf);
				return PF_ERR_TOOBIG;
			}
			bigger = realloc(buf, cap * 2);
			if (bigger == NULL) {
				free(buf);
				return PF_ERR_NOMEM;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return PF_ERR_IO;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			free(buf);
			return PF_ERR_TOOBIG;
		}
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return PF_OK;
}

enum pf_rc pf_read_file_checked(int dirfd, const char *path, const struct pf_file_rules *rules,
				char **data, size_t *len, char *why, size_t whysize)
{
	size_t max = rules->max_size ? rules->max_size : (size_t)16 * 1024 * 1024;
	enum pf_rc rc;
	int fd;

	rc = pf_open_checked(dirfd, path, rules, &fd, why, whysize);
	if (rc != PF_OK)
		return rc;
	rc = pf_read_fd(fd, max, data, len);
	close(fd);
	if (rc == PF_ERR_TOOBIG)
		say(why, whysize, "larger than %zu bytes", max);
	else if (rc != PF_OK)
		say(why, whysize, "read failed: %s", pf_rc_str(rc));
	return rc;
}

bool pf_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

enum pf_rc pf_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	char tmp[PF_USER_MAX + 64];
	int fd;
	bool ok;

	/* A leading dot cannot clash with a user name: those never start with one. */
	snprintf(tmp, sizeof(tmp), ".tmp.%016llx", (unsigned long long)pf_random_u64());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		    mode);
	if (fd < 0)
		return errno == EACCES || errno == EPERM ? PF_ERR_PERM : PF_ERR_IO;
	ok = fchmod(fd, mode) == 0 && pf_write_all(fd, data, len) && fsync(fd) == 0;
	ok = (close(fd) == 0) && ok;
	if (!ok || renameat(dirfd, tmp, dirfd, name) != 0) {
		unlinkat(dirfd, tmp, 0);
		return PF_ERR_IO;
	}
	return fsync(dirfd) == 0 ? PF_OK : PF_ERR_IO;
}

void pf_wipe(void *p, size_t len)
{
	if (p == NULL)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, len);
#else
	volatile unsigned char *v = p;
	while (len--)
		*v++ = 0;
#endif
}
