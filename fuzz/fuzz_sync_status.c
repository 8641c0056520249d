/*
 * The sync status file (state_dir/sync-status): pf_sync_status_parse.
 *
 * When the input parses, the times are not negative and the record written
 * back in pf_sync_status_write's format (repeated here: the writer goes
 * straight to a file) parses to the same values.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "fuzz_util.h"
#include "sync_status.h"

/* pf_sync_status_write's record, byte for byte. */
#define SYNC_FORMAT "pam_frontegg-sync 1\nattempt %lld\nsuccess %lld\ncounts %u %u %u\nend\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_sync_status s, again;
	char buf[1024];
	enum pf_rc rc = pf_sync_status_parse((const char *)data, size, &s);
	int n;

	FZ_CHECK(rc == PF_OK || rc == PF_ERR_CORRUPT || rc == PF_ERR_TOOBIG);
	if (rc != PF_OK) {
		FZ_CHECK(s.last_attempt == 0 && s.last_success == 0 && s.users == 0);
		return 0;
	}
	FZ_CHECK(s.last_attempt >= 0 && s.last_success >= 0);
	n = snprintf(buf, sizeof(buf), SYNC_FORMAT, (long long)s.last_attempt,
		     (long long)s.last_success, s.users, s.delivered, s.errors);
	FZ_CHECK(n > 0 && (size_t)n < sizeof(buf));
	FZ_CHECK(pf_sync_status_parse(buf, (size_t)n, &again) == PF_OK);
	FZ_CHECK(again.last_attempt == s.last_attempt && again.last_success == s.last_success &&
		 again.users == s.users && again.delivered == s.delivered &&
		 again.errors == s.errors);
	return 0;
}
