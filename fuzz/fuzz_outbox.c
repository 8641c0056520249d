/*
 * The outbox entry (outbox/NAME): pf_outbox_parse and pf_outbox_format.
 *
 * When the input parses: the action is lock or unlock, the user passes
 * pf_username_valid (it becomes a path and a URL), queued_at is not
 * negative; format succeeds, parses back to the same entry, and the
 * formatted form is canonical (formatting again gives the same bytes).
 */
#include "autoconfig.h"

#include <string.h>

#include "fuzz_util.h"
#include "pam_frontegg/outbox.h"
#include "pam_frontegg/username.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[PF_OUTBOX_MAX_SIZE], buf2[PF_OUTBOX_MAX_SIZE];
	struct pf_outbox_entry e, again;
	enum pf_rc rc = pf_outbox_parse((const char *)data, size, &e);
	size_t len;

	FZ_CHECK(rc == PF_OK || rc == PF_ERR_CORRUPT || rc == PF_ERR_TOOBIG);
	if (rc != PF_OK) {
		FZ_CHECK(e.action == PF_ACTION_NONE && e.user[0] == '\0' && e.serial == 0);
		return 0;
	}
	FZ_CHECK(size <= PF_OUTBOX_MAX_SIZE);
	FZ_CHECK(e.action == PF_ACTION_LOCK || e.action == PF_ACTION_UNLOCK);
	FZ_CHECK(strcmp(pf_action_str(e.action), "invalid") != 0);
	FZ_CHECK(strnlen(e.user, sizeof(e.user)) < sizeof(e.user));
	FZ_CHECK(pf_username_valid(e.user));
	FZ_CHECK(strchr(e.user, '/') == NULL && e.user[0] != '.');
	FZ_CHECK(e.queued_at >= 0);

	len = pf_outbox_format(&e, buf, sizeof(buf));
	FZ_CHECK(len > 0 && len == strlen(buf));
	FZ_CHECK(pf_outbox_parse(buf, len, &again) == PF_OK);
	FZ_CHECK(again.action == e.action && strcmp(again.user, e.user) == 0 &&
		 again.queued_at == e.queued_at && again.serial == e.serial);
	FZ_CHECK(again.parked == e.parked && again.parked_at == e.parked_at &&
		 strcmp(again.parked_for, e.parked_for) == 0);
	FZ_CHECK(again.delivered_at == e.delivered_at &&
		 strcmp(again.audit_tenant, e.audit_tenant) == 0);
	FZ_CHECK(e.parked == PF_PARK_NONE || pf_park_str(e.parked)[0] != '\0');
	FZ_CHECK(pf_outbox_format(&again, buf2, sizeof(buf2)) == len);
	FZ_CHECK(memcmp(buf, buf2, len) == 0);
	return 0;
}
