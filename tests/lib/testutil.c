/* Helpers shared by the unit tests. */
#include "autoconfig.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "trusted_owner.h"

static void capture(void *ctx, int priority, const char *line)
{
	struct pf_test_log *tl = ctx;

	if (tl->n >= sizeof(tl->lines) / sizeof(tl->lines[0]))
		return;
	snprintf(tl->lines[tl->n], sizeof(tl->lines[0]), "%s", line);
	tl->prio[tl->n++] = priority;
}

void pf_test_log_init(struct pf_test_log *tl)
{
	memset(tl, 0, sizeof(*tl));
	tl->logger.emit = capture;
	tl->logger.ctx = tl;
	tl->logger.debug = true;
}

bool pf_test_log_has(const struct pf_test_log *tl, const char *needle)
{
	for (unsigned i = 0; i < tl->n; i++)
		if (strstr(tl->lines[i], needle) != NULL)
			return true;
	return false;
}

char *pf_test_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (base == NULL || base[0] != '/')
		base = "/tmp";
	if (asprintf(&path, "%s/pf-test.XXXXXX", base) < 0)
		abort();
	if (mkdtemp(path) == NULL)
		abort();
	return path;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void pf_test_rmtree(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *pf_test_write(const char *dir, const char *name, const char *content, mode_t mode)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	unlink(path);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

void pf_test_read(const char *dir, const char *name, char *buf, size_t size)
{
	char path[1024];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		abort();
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

char *pf_test_store_open(struct pf_store *st, struct pf_test_log *tl)
{
	char *dir = pf_test_mkdtemp();

	pf_test_log_init(tl);
	ck_assert_int_eq(pf_store_open(st, dir, PF_STORE_SETUP, &tl->logger), PF_OK);
	return dir;
}

void pf_test_store_close(struct pf_store *st, char *dir)
{
	pf_store_close(st);
	pf_test_rmtree(dir);
	free(dir);
}

int pf_test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	pf_test_trust_file_creator();
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
