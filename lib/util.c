/* Small helpers private to lib/. */
#include "autoconfig.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "internal.h"
#include "pam_frontegg/username.h"

uint64_t pf_random_u64(void)
{
	uint64_t v = 0;
	struct timespec ts;

#ifdef HAVE_GETRANDOM
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v) && v != 0)
		return v;
#endif
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 48) ^ 1u;
}

uid_t pf_nss_uid(const char *name)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return (uid_t)-1;
	return pw.pw_uid;
}

DIR *pf_dir_open(int dirfd)
{
	int fd = dirfd < 0 ? -1 : openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;

	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (dir == NULL)
		close(fd);
	return dir;
}

enum pf_rc pf_dir_each_user(int dirfd, int (*fn)(const char *name, void *arg), void *arg)
{
	DIR *dir = pf_dir_open(dirfd);
	struct dirent *de;

	if (dir == NULL)
		return PF_ERR_IO;
	/* Skips ".", ".." and ".tmp.*" files a killed writer left behind. */
	while ((de = readdir(dir)) != NULL)
		if (pf_username_valid(de->d_name) && fn(de->d_name, arg) != 0)
			break;
	closedir(dir);
	return PF_OK;
}
