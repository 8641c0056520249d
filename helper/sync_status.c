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
#include "sync_status.h"
#include "pam_frontegg/record.h"

#define SYNC_MAGIC "pam_frontegg-sync 1"
#define SYNC_FILE  "sync-status"
#define SYNC_MAX   1024

static bool parse_sync_line(char **t, size_t n, void *out, unsigned *seen)
{
	struct pf_sync_status *s = out;

	if (strcmp(t[0], "attempt") == 0)
		return pf_rec_once(seen, 1) && n == 2 && pf_rec_time(t[1], &s->last_attempt);
	if (strcmp(t[0], "success") == 0)
		return pf_rec_once(seen, 2) && n == 2 && pf_rec_time(t[1], &s->last_success);
	if (strcmp(t[0], "counts") == 0)
		return pf_rec_once(seen, 4) && n == 4 && pf_rec_uint(t[1], &s->users) &&
		       pf_rec_uint(t[2], &s->delivered) && pf_rec_uint(t[3], &s->errors);
	return false;
}

static const struct pf_rec_kind pf_sync_kind = {
	.magic = SYNC_MAGIC,
	.max = SYNC_MAX,
	.all_keys = 7u,
	.out_size = sizeof(struct pf_sync_status),
	.zero_size = sizeof(struct pf_sync_status),
	.line = parse_sync_line,
};

enum pf_rc pf_sync_status_parse(const char *text, size_t len, struct pf_sync_status *out)
{
	return pf_rec_decode(&pf_sync_kind, text, len, out);
}

enum pf_rc pf_sync_status_read(struct pf_store *st, struct pf_sync_status *out)
{
	return pf_rec_load(&pf_sync_kind, st->dirfd, SYNC_FILE, (uid_t)-1, out, NULL, 0);
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
