/*
 * The durable outbox: outbox/NAME holds the latest cloud intent for NAME.
 *
 *   pam_frontegg-outbox 1
 *   action lock
 *   user alice
 *   queued 1700000000
 *   serial 0f1e2d3c4b5a6978
 *   parked not-found 1700000100 alice@example.com     (optional)
 *   delivered 1700000200 7f2c5e1a-...                 (optional: the audit entry waits)
 *   end
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam_frontegg/outbox.h"
#include "pam_frontegg/safe_file.h"
#include "pam_frontegg/username.h"
#include "internal.h"
#include "pam_frontegg/record.h"

#define OUTBOX_MAGIC "pam_frontegg-outbox 1"

static const char *const action_names[] = { "none", "lock", "unlock" };

static const char *const park_tokens[] = { "-", "not-found", "unmapped", "refused" };
static const char *const park_texts[] = { "", "not found in Frontegg", "mapping unavailable",
					  "refused by Frontegg" };

const char *pf_action_str(enum pf_action a)
{
	return (unsigned)a < 3 ? action_names[a] : "invalid";
}

const char *pf_park_token(enum pf_park p)
{
	return (unsigned)p < 4 ? park_tokens[p] : "-";
}

const char *pf_park_str(enum pf_park p)
{
	return (unsigned)p < 4 ? park_texts[p] : "";
}

bool pf_outbox_retry_due(const struct pf_outbox_entry *e, const char *identity, int64_t now)
{
	char field[PF_IDENT_MAX + 1];

	if (e->parked == PF_PARK_NONE)
		return true;
	pf_field_copy(field, sizeof(field), identity);
	/* A clock that went back must not park an entry for ever. */
	return strcmp(field, e->parked_for) != 0 || now < e->parked_at ||
	       now - e->parked_at >= PF_OUTBOX_PARK_RETRY;
}

size_t pf_outbox_format(const struct pf_outbox_entry *e, char *buf, size_t size)
{
	struct pf_record_writer w = { buf, size, 0, true };

	pf_rec_printf(&w, "%s\naction %s\nuser %s\nqueued %lld\nserial %016llx\n", OUTBOX_MAGIC,
		      pf_action_str(e->action), e->user, (long long)e->queued_at,
		      (unsigned long long)e->serial);
	if (e->parked != PF_PARK_NONE)
		pf_rec_printf(&w, "parked %s %lld %s\n", pf_park_token(e->parked),
			      (long long)e->parked_at, e->parked_for[0] ? e->parked_for : "-");
	if (e->delivered_at != 0)
		pf_rec_printf(&w, "delivered %lld %s\n", (long long)e->delivered_at,
			      e->audit_tenant[0] ? e->audit_tenant : "-");
	pf_rec_printf(&w, "end\n");
	return w.ok ? w.used : 0;
}

/* The optional line: no bit in seen (all_keys lists the required ones). */
static bool parse_parked(char **t, size_t n, struct pf_outbox_entry *e)
{
	enum pf_park p;

	if (n != 4 || e->parked != PF_PARK_NONE)
		return false;
	for (p = PF_PARK_NOT_FOUND; p <= PF_PARK_REFUSED; p++)
		if (strcmp(t[1], park_tokens[p]) == 0)
			break;
	if (p > PF_PARK_REFUSED || !pf_rec_time(t[2], &e->parked_at) || strlen(t[3]) > PF_IDENT_MAX)
		return false;
	e->parked = p;
	snprintf(e->parked_for, sizeof(e->parked_for), "%s", t[3]);
	return true;
}

static bool parse_delivered(char **t, size_t n, struct pf_outbox_entry *e)
{
	if (n != 3 || e->delivered_at != 0 || !pf_rec_time(t[1], &e->delivered_at) ||
	    e->delivered_at == 0 || strlen(t[2]) > PF_ID_MAX)
		return false;
	snprintf(e->audit_tenant, sizeof(e->audit_tenant), "%s", t[2]);
	return true;
}

static bool parse_entry_line(char **t, size_t n, void *out, unsigned *seen)
{
	static const char *const keys[] = { "action", "user", "queued", "serial" };
	struct pf_outbox_entry *e = out;
	size_t k;

	if (strcmp(t[0], "parked") == 0)
		return parse_parked(t, n, e);
	if (strcmp(t[0], "delivered") == 0)
		return parse_delivered(t, n, e);
	for (k = 0; k < 4 && strcmp(t[0], keys[k]) != 0; k++)
		;
	if (k == 4 || n != 2 || !pf_rec_once(seen, 1u << k))
		return false;
	switch (k) {
	case 0:
		if (strcmp(t[1], "lock") == 0)
			e->action = PF_ACTION_LOCK;
		else if (strcmp(t[1], "unlock") == 0)
			e->action = PF_ACTION_UNLOCK;
		return e->action != PF_ACTION_NONE;
	case 1:
		if (!pf_username_valid(t[1]))
			return false;
		snprintf(e->user, sizeof(e->user), "%s", t[1]);
		return true;
	case 2:
		return pf_rec_time(t[1], &e->queued_at);
	default:
		return pf_rec_hex64(t[1], &e->serial);
	}
}

const struct pf_rec_kind pf_outbox_kind = {
	.magic = OUTBOX_MAGIC,
	.max = PF_OUTBOX_MAX_SIZE,
	.all_keys = 0xfu,
	.out_size = sizeof(struct pf_outbox_entry),
	.zero_size = sizeof(struct pf_outbox_entry),
	.line = parse_entry_line,
};

enum pf_rc pf_outbox_parse(const char *text, size_t len, struct pf_outbox_entry *out)
{
	return pf_rec_decode(&pf_outbox_kind, text, len, out);
}

static enum pf_rc read_entry(struct pf_store *st, const char *user, uid_t owner,
			     struct pf_outbox_entry *out)
{
	char why[256] = "";
	enum pf_rc rc;

	memset(out, 0, sizeof(*out));
	if (!pf_username_valid(user))
		return PF_ERR_INVAL;
	rc = pf_rec_load(&pf_outbox_kind, pf_store_dir(st, PF_DIR_OUTBOX), user, owner, out, why,
			 sizeof(why));
	if (rc == PF_OK && strcmp(out->user, user) != 0) {
		memset(out, 0, sizeof(*out));
		snprintf(why, sizeof(why), "names another user");
		rc = PF_ERR_CORRUPT;
	}
	if (rc != PF_OK && rc != PF_ERR_NOENT)
		pf_log(st->log, LOG_ERR, "outbox entry %s/outbox/%s: %s", st->path, user, why);
	return rc;
}

enum pf_rc pf_outbox_get(struct pf_store *st, const char *user, uid_t owner,
			 struct pf_outbox_entry *out)
{
	return read_entry(st, user, owner, out);
}

/* Replaces txn's user's entry with e, atomically. */
static enum pf_rc write_entry(struct pf_txn *txn, const struct pf_outbox_entry *e)
{
	char buf[PF_OUTBOX_MAX_SIZE];
	size_t len = pf_outbox_format(e, buf, sizeof(buf));

	return len ? pf_write_atomic(pf_store_dir(txn->st, PF_DIR_OUTBOX), txn->user, buf, len,
				     txn->st->file_mode)
		   : PF_ERR_TOOBIG;
}

enum pf_rc pf_outbox_put(struct pf_txn *txn, enum pf_action action, int64_t now, bool *queued)
{
	struct pf_outbox_entry e;
	enum pf_rc rc;

	if (queued)
		*queued = false;
	if (action != PF_ACTION_LOCK && action != PF_ACTION_UNLOCK)
		return PF_ERR_INVAL;
	rc = read_entry(txn->st, txn->user, txn->owner, &e);
	if (rc == PF_OK && e.action == action && e.delivered_at == 0)
		return PF_OK; /* already queued: coalesce */
	if (rc != PF_OK && rc != PF_ERR_NOENT && rc != PF_ERR_CORRUPT)
		return rc;
	memset(&e, 0, sizeof(e));
	snprintf(e.user, sizeof(e.user), "%s", txn->user);
	e.action = action;
	e.queued_at = now;
	e.serial = pf_random_u64();
	rc = write_entry(txn, &e);
	if (rc == PF_OK && queued)
		*queued = true;
	return rc;
}

enum pf_rc pf_outbox_park(struct pf_txn *txn, uint64_t serial, enum pf_park why,
			  const char *identity, int64_t now)
{
	struct pf_outbox_entry e;
	enum pf_rc rc = read_entry(txn->st, txn->user, txn->owner, &e);

	if (rc != PF_OK)
		return rc;
	if (e.serial != serial)
		return PF_ERR_BUSY; /* replaced by a newer intent: that one is tried afresh */
	e.parked = why;
	e.parked_at = now;
	pf_field_copy(e.parked_for, sizeof(e.parked_for), identity);
	return write_entry(txn, &e);
}

enum pf_rc pf_outbox_mark_delivered(struct pf_txn *txn, uint64_t serial, const char *tenant,
				    int64_t now)
{
	struct pf_outbox_entry e;
	enum pf_rc rc = read_entry(txn->st, txn->user, txn->owner, &e);

	if (rc != PF_OK)
		return rc;
	if (e.serial != serial)
		return PF_ERR_BUSY;
	e.parked = PF_PARK_NONE;
	e.delivered_at = now > 0 ? now : 1;
	pf_field_copy(e.audit_tenant, sizeof(e.audit_tenant), tenant);
	return write_entry(txn, &e);
}

enum pf_rc pf_outbox_ack(struct pf_txn *txn, uint64_t serial)
{
	struct pf_outbox_entry e;
	enum pf_rc rc = read_entry(txn->st, txn->user, txn->owner, &e);

	if (rc != PF_OK)
		return rc;
	if (e.serial != serial)
		return PF_ERR_BUSY; /* replaced by a newer intent: keep it */
	if (unlinkat(pf_store_dir(txn->st, PF_DIR_OUTBOX), txn->user, 0) != 0 && errno != ENOENT)
		return PF_ERR_IO;
	return fsync(pf_store_dir(txn->st, PF_DIR_OUTBOX)) == 0 ? PF_OK : PF_ERR_IO;
}

struct list_ctx {
	struct pf_store *st;
	pf_outbox_fn fn;
	void *arg;
};

static int list_one(const char *user, void *arg)
{
	struct list_ctx *c = arg;
	struct pf_outbox_entry e;

	return read_entry(c->st, user, pf_nss_uid(user), &e) == PF_OK ? c->fn(&e, c->arg) : 0;
}

enum pf_rc pf_outbox_list(struct pf_store *st, pf_outbox_fn fn, void *arg)
{
	struct list_ctx c = { st, fn, arg };

	return pf_dir_each_user(pf_store_dir(st, PF_DIR_OUTBOX), list_one, &c);
}
