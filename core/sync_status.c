/*
 * state_dir/sync-status:
 *
 *   pam_frontegg-sync 1
 *   attempt 1700000300
 *   success 1700000300
 *   counts 12 1 0
 *   end
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "pam_frontegg/safe_file.h"
#include "pam_frontegg/sync_status.h"
#include "record.h"

#define SYNC_MAGIC "pam_frontegg-sync 1"
#define SYNC_FILE  "sync-status"
#define SYNC_MAX   1024

struct sync_parse {
	struct pf_sync_status *s;
	unsigned seen;
};

static bool parse_sync_line(char **t, size_t n, void *arg)
{
	struct sync_parse *p = arg;
	unsigned bit;
	bool ok;

	if (strcmp(t[0], "attempt") == 0) {
		bit = 1;
		ok = n == 2 && pf_rec_time(t[1], &p->s->last_attempt);
	} else if (strcmp(t[0], "success") == 0) {
		bit = 2;
		ok = n == 2 && pf_rec_time(t[1], &p->s->last_success);
	} else if (strcmp(t[0], "counts") == 0) {
		bit = 4;
		ok = n == 4 && pf_rec_uint(t[1], &p->s->users) &&
		     pf_rec_uint(t[2], &p->s->delivered) && pf_rec_uint(t[3], &p->s->errors);
	} else {
		return false;
	}
	if (p->seen & bit)
		return false;
	p->seen |= bit;
	return ok;
}

enum pf_rc pf_sync_status_parse(const char *text, size_t len, struct pf_sync_status *out)
{
	struct sync_parse p = { out, 0 };
	enum pf_rc rc;

	memset(out, 0, sizeof(*out));
	rc = pf_rec_parse(text, len, SYNC_MAGIC, SYNC_MAX, parse_sync_line, &p);
	if (rc == PF_OK && p.seen != 7)
		rc = PF_ERR_CORRUPT;
	if (rc != PF_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

enum pf_rc pf_sync_status_read(struct pf_store *st, struct pf_sync_status *out)
{
	struct pf_file_rules rules = { 0002, (uid_t)-1, SYNC_MAX };
	char *text = NULL;
	size_t len = 0;
	enum pf_rc rc;

	memset(out, 0, sizeof(*out));
	rc = pf_read_file_checked(st->dirfd, SYNC_FILE, &rules, &text, &len, NULL, 0);
	if (rc != PF_OK)
		return rc;
	rc = pf_sync_status_parse(text, len, out);
	free(text);
	return rc;
}

enum pf_rc pf_sync_status_write(struct pf_store *st, const struct pf_sync_status *s)
{
	char buf[SYNC_MAX];
	struct pf_record_writer w = { buf, sizeof(buf), 0, true };

	pf_rec_printf(&w, "%s\nattempt %lld\nsuccess %lld\ncounts %u %u %u\nend\n", SYNC_MAGIC,
		      (long long)s->last_attempt, (long long)s->last_success, s->users,
		      s->delivered, s->errors);
	if (!w.ok)
		return PF_ERR_TOOBIG;
	/* Readable by the group: status needs no secret. */
	return pf_write_atomic(st->dirfd, SYNC_FILE, buf, w.used, 0640);
}
