/* Folding state_dir/events into state_dir/counters (see counters.h). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "pam_frontegg/safe_file.h"

#define FOLDING_FILE "events.folding"

static const char *const events[CNT_COUNT] = {
	[CNT_FAILURES] = "failure",
	[CNT_HOST_LOCKS] = "host-lock",
	[CNT_WOULD_LOCKS] = "would-lock",
	[CNT_CLOUD_LOCKS_PUSHED] = "cloud-lock-pushed",
	[CNT_FAIL_OPEN] = "fail-open",
	[CNT_REFUSED_HOST] = "refused host-locked",
	[CNT_REFUSED_CLOUD] = "refused cloud-locked",
	[CNT_REFUSED_UNAVAILABLE] = "refused unavailable",
};

const char *counter_event(enum counter c)
{
	return events[c];
}

static int find_event(const char *s, size_t len)
{
	for (int c = 0; c < CNT_COUNT; c++)
		if (strlen(events[c]) == len && memcmp(events[c], s, len) == 0)
			return c;
	return -1;
}

/* Reads a file of lines into *out: "NAME\n" adds one, "NAME=N\n" adds N. */
static enum pf_rc add_lines(struct pf_store *st, const char *name, size_t max, struct counters *out)
{
	struct pf_file_rules rules = { 002, (uid_t)-1, max, NULL };
	size_t len = 0, pos = 0;
	char *text = NULL;
	enum pf_rc rc = pf_read_file_checked(st->dirfd, name, &rules, &text, &len, NULL, 0);

	if (rc != PF_OK)
		return rc;
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos), *eq;
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		int c;

		pos += n + 1;
		if (nl == NULL)
			break; /* a line cut short by a crash counts nothing */
		eq = memchr(line, '=', n);
		c = find_event(line, eq ? (size_t)(eq - line) : n);
		if (c >= 0)
			out->n[c] += eq ? strtoull(eq + 1, NULL, 10) : 1;
	}
	free(text);
	return PF_OK;
}

static enum pf_rc write_totals(struct pf_store *st, const struct counters *t)
{
	char buf[1024];
	size_t used = 0;

	for (int c = 0; c < CNT_COUNT; c++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s=%" PRIu64 "\n",
					 events[c], t->n[c]);
	return pf_write_atomic(st->dirfd, PF_COUNTERS_FILE, buf, used, 0644);
}

/*
 * The events are renamed away first, so lines appended meanwhile go to a
 * new file and are folded next time; a crash after the totals were written
 * and before the folded file is removed counts those lines twice (the
 * metrics are counters: rare overcounting is the lesser evil).
 */
enum pf_rc counters_fold(struct pf_store *st, struct counters *out)
{
	enum pf_rc rc;

	memset(out, 0, sizeof(*out));
	rc = add_lines(st, PF_COUNTERS_FILE, 4096, out);
	if (rc != PF_OK && rc != PF_ERR_NOENT)
		return rc;
	if (renameat(st->dirfd, PF_EVENTS_FILE, st->dirfd, FOLDING_FILE) != 0 && errno != ENOENT)
		return PF_ERR_IO;
	rc = add_lines(st, FOLDING_FILE, 2 * PF_EVENTS_MAX, out);
	if (rc == PF_ERR_NOENT)
		return PF_OK;
	if (rc == PF_OK)
		rc = write_totals(st, out);
	if (rc == PF_OK && unlinkat(st->dirfd, FOLDING_FILE, 0) != 0)
		rc = PF_ERR_IO;
	return rc;
}
