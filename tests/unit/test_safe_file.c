/* Safe file opening: symlinks, owners, modes, sizes, atomic writes. */
#include "autoconfig.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pam_frontegg/safe_file.h"
#include "testutil.h"
#include "trusted_owner.h"

static char *dir;

static void setup(void)
{
	dir = pf_test_mkdtemp();
}

static void teardown(void)
{
	pf_test_rmtree(dir);
	free(dir);
}

static const struct pf_file_rules private_rules = { 077, (uid_t)-1, 1024, NULL };

START_TEST(regular_private_file_opens)
{
	char *p = pf_test_write(dir, "f", "hello\n", 0600);
	char why[256] = "";
	char *data = NULL;
	size_t len = 0;

	ck_assert_int_eq(pf_read_file_checked(-1, p, &private_rules, &data, &len, why, sizeof(why)),
			 PF_OK);
	ck_assert_str_eq(data, "hello\n");
	ck_assert_uint_eq(len, 6);
	free(data);
	free(p);
}
END_TEST

START_TEST(symlink_refused)
{
	char *p = pf_test_write(dir, "target", "x", 0600);
	char link[512], why[256] = "";
	int fd = -1;

	snprintf(link, sizeof(link), "%s/link", dir);
	ck_assert_int_eq(symlink(p, link), 0);
	ck_assert_int_eq(pf_open_checked(-1, link, &private_rules, &fd, why, sizeof(why)),
			 PF_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(why, "symbolic link"));
	ck_assert_int_eq(fd, -1);
	free(p);
}
END_TEST

START_TEST(mode_refused)
{
	char *p = pf_test_write(dir, "f", "x", 0644);
	char why[256] = "";
	int fd = -1;

	ck_assert_int_eq(pf_open_checked(-1, p, &private_rules, &fd, why, sizeof(why)),
			 PF_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(why, "mode 0644"));
	free(p);
}
END_TEST

START_TEST(relative_path_refused)
{
	char why[256] = "";
	int fd = -1;

	ck_assert_int_eq(pf_open_checked(-1, "etc/passwd", &private_rules, &fd, why, sizeof(why)),
			 PF_ERR_PERM);
}
END_TEST

START_TEST(directory_and_fifo_refused)
{
	char fifo[512], why[256] = "";
	int fd = -1;

	ck_assert_int_eq(pf_open_checked(-1, dir, &private_rules, &fd, why, sizeof(why)),
			 PF_ERR_PERM);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* O_RDONLY on a fifo would block without a writer: open must not be tried blocking */
	ck_assert_int_eq(pf_open_checked(-1, fifo, &private_rules, &fd, why, sizeof(why)),
			 PF_ERR_PERM);
}
END_TEST

START_TEST(hard_link_refused)
{
	char *p = pf_test_write(dir, "f", "x", 0600);
	char hl[512], why[256] = "";
	int fd = -1;

	snprintf(hl, sizeof(hl), "%s/hl", dir);
	ck_assert_int_eq(link(p, hl), 0);
	ck_assert_int_eq(pf_open_checked(-1, hl, &private_rules, &fd, why, sizeof(why)),
			 PF_ERR_PERM);
	free(p);
}
END_TEST

START_TEST(wrong_owner_refused)
{
	char *p = pf_test_write(dir, "f", "x", 0600);
	uid_t me = pf_trusted_owner, other = me == 65534 ? 65533 : 65534;
	char why[256] = "", want[64];
	int fd = -1;

	/* Trusting another owner turns our own file into a stranger's (no chown needed). */
	pf_test_trust_owner(other);
	ck_assert_int_eq(pf_open_checked(-1, p, &private_rules, &fd, why, sizeof(why)),
			 PF_ERR_PERM);
	snprintf(want, sizeof(want), "owned by uid %lu, expected uid %lu", (unsigned long)me,
		 (unsigned long)other);
	ck_assert_msg(strstr(why, want) != NULL, "%s", why);
	struct pf_file_rules extra = private_rules;
	extra.extra_owner = me;
	ck_assert_int_eq(pf_open_checked(-1, p, &extra, &fd, why, sizeof(why)), PF_OK);
	close(fd);
	pf_test_trust_owner(me);
	free(p);
}
END_TEST

START_TEST(oversized_refused)
{
	char big[2048];
	char *p, *data = NULL, why[256] = "";
	size_t len;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p = pf_test_write(dir, "big", big, 0600);
	ck_assert_int_eq(pf_read_file_checked(-1, p, &private_rules, &data, &len, why, sizeof(why)),
			 PF_ERR_TOOBIG);
	ck_assert_ptr_null(data);
	free(p);
}
END_TEST

static int count_temp_files(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".tmp", 4) == 0;
	closedir(d);
	return n;
}

START_TEST(atomic_write_replaces_and_leaves_no_temp)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct stat sb;
	char path[512];
	char buf[32] = "";

	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(pf_write_atomic(dfd, "rec", "one\n", 4, 0600), PF_OK);
	ck_assert_int_eq(pf_write_atomic(dfd, "rec", "two\n", 4, 0640), PF_OK);
	snprintf(path, sizeof(path), "%s/rec", dir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0640);
	pf_test_read(dir, "rec", buf, sizeof(buf));
	ck_assert_str_eq(buf, "two\n");
	ck_assert_int_eq(count_temp_files(dir), 0);
	close(dfd);
}
END_TEST

/*
 * Root-owned, 0444, one link, regular: every other rule passes /proc/version
 * (and /proc/PID/cmdline of a user's own non-dumpable process, whose content
 * that user chose). procfs, sysfs and FUSE hold no file of ours.
 */
START_TEST(inv14_pseudo_file_systems_refused)
{
	const struct pf_file_rules any = { 022, (uid_t)-1, 0, NULL };
	char why[256] = "";
	char *data = NULL;
	size_t len = 0;
	int fd = -1;

	ck_assert_int_eq(
	    pf_read_file_checked(-1, "/proc/version", &any, &data, &len, why, sizeof(why)),
	    PF_ERR_PERM);
	ck_assert_msg(strstr(why, "procfs") != NULL, "why: %s", why);
	ck_assert_ptr_null(data);
	ck_assert_int_eq(pf_open_dir_checked("/proc", 022, &fd, NULL, why, sizeof(why)),
			 PF_ERR_PERM);
	ck_assert_msg(strstr(why, "procfs") != NULL, "why: %s", why);
	ck_assert_int_eq(fd, -1);
	if (access("/sys/kernel", F_OK) == 0) {
		ck_assert_int_eq(
		    pf_open_dir_checked("/sys/kernel", 022, &fd, NULL, why, sizeof(why)),
		    PF_ERR_PERM);
		ck_assert_msg(strstr(why, "sysfs") != NULL, "why: %s", why);
	}
}
END_TEST

START_TEST(wipe_clears)
{
	char secret[] = "top-secret";

	pf_wipe(secret, sizeof(secret));
	for (size_t i = 0; i < sizeof(secret); i++)
		ck_assert_int_eq(secret[i], 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("safe_file");
	TCase *tc = tcase_create("safe_file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, regular_private_file_opens);
	tcase_add_test(tc, symlink_refused);
	tcase_add_test(tc, mode_refused);
	tcase_add_test(tc, relative_path_refused);
	tcase_add_test(tc, directory_and_fifo_refused);
	tcase_add_test(tc, hard_link_refused);
	tcase_add_test(tc, wrong_owner_refused);
	tcase_add_test(tc, oversized_refused);
	tcase_add_test(tc, atomic_write_replaces_and_leaves_no_temp);
	tcase_add_test(tc, inv14_pseudo_file_systems_refused);
	tcase_add_test(tc, wipe_clears);
	suite_add_tcase(s, tc);
	return pf_test_run(s);
}
