/* The administrator's verbs: status, lock, unlock, reset-link. */
#include "autoconfig.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cloud.h"
#include "frontegg/rate_memory.h"
#include "sync_status.h"
#include "pam_frontegg/username.h"
#include "table.h"

static const char *const cloud_words[] = { "unknown", "unlocked", "locked", "absent" };

/* Everything status shows about one user. */
struct user_view {
	char user[PF_USER_MAX + 1];
	bool readable;
	struct pf_user_state s;
	unsigned recent;
	bool host_locked;
	bool would_lock;      /* enforce = no: the lock recorded, not enforced */
	int64_t counts_after; /* failures after this time count (fail_interval) */
	enum pf_action outbox;
	enum pf_park parked;
	bool audit_pending; /* the action went out; its audit-trail entry waits */
};

static void view_user(struct app *a, const char *name, struct user_view *v)
{
	struct pf_account acct;
	struct pf_outbox_entry e;
	struct pf_policy p;
	uid_t owner = (uid_t)-1;
	enum pf_rc rc;
	int64_t now = pf_now();

	memset(v, 0, sizeof(*v));
	snprintf(v->user, sizeof(v->user), "%s", name);
	if (pf_account_lookup(&a->cfg, name, &acct) == PF_OK)
		owner = acct.uid;
	rc = pf_store_read(&a->st, name, owner, &v->s);
	v->readable = rc == PF_OK || rc == PF_ERR_NOENT;
	pf_policy_for(&a->cfg, owner == 0 || acct.root_like, &p);
	v->recent = pf_recent_failures(&v->s, &p, now);
	v->counts_after = now - (int64_t)p.fail_interval;
	v->host_locked = !p.exempt && pf_host_locked(&v->s, now);
	v->would_lock = v->host_locked && !a->cfg.enforce;
	v->host_locked = v->host_locked && a->cfg.enforce;
	if (pf_outbox_get(&a->st, name, owner, &e) == PF_OK) {
		v->audit_pending = e.delivered_at != 0;
		v->outbox = v->audit_pending ? PF_ACTION_NONE : e.action;
		v->parked = e.parked;
	}
}

static void add_json_time(cJSON *o, const char *key, int64_t t)
{
	if (t != 0)
		cJSON_AddNumberToObject(o, key, (double)t);
	else
		cJSON_AddNullToObject(o, key);
}

/* The failures the record holds, oldest first, as faillock --user lists them. */
static void add_failure_records(cJSON *o, const struct user_view *v)
{
	cJSON *list = cJSON_AddArrayToObject(o, "failure_records");

	for (unsigned i = 0; list != NULL && i < v->s.n_fail && i < PF_FAIL_RING; i++) {
		const struct pf_failure *f = &v->s.fail[i];
		cJSON *item = cJSON_CreateObject();

		cJSON_AddNumberToObject(item, "time", (double)f->when);
		cJSON_AddStringToObject(item, "service", f->service);
		cJSON_AddStringToObject(item, "rhost", f->rhost);
		cJSON_AddStringToObject(item, "tty", f->tty);
		cJSON_AddBoolToObject(item, "counts", f->when > v->counts_after);
		cJSON_AddItemToArray(list, item);
	}
}

static cJSON *user_json(const struct user_view *v)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "user", v->user);
	cJSON_AddStringToObject(o, "state", v->readable ? "ok" : "unreadable");
	cJSON_AddNumberToObject(o, "failures", v->recent);
	cJSON_AddNumberToObject(o, "failures_total", (double)v->s.failures_total);
	cJSON_AddBoolToObject(o, "host_locked", v->host_locked);
	cJSON_AddBoolToObject(o, "would_lock", v->would_lock);
	add_json_time(o, "lock_since", v->host_locked || v->would_lock ? v->s.lock_since : 0);
	add_json_time(o, "locked_until", v->host_locked || v->would_lock ? v->s.lock_until : 0);
	cJSON_AddStringToObject(o, "cloud", cloud_words[v->s.cloud]);
	add_json_time(o, "cloud_checked_at", v->s.cloud_checked_at);
	if (v->s.frontegg_id[0])
		cJSON_AddStringToObject(o, "frontegg_id", v->s.frontegg_id);
	else
		cJSON_AddNullToObject(o, "frontegg_id");
	cJSON_AddBoolToObject(o, "cloud_lock_pushed", v->s.cloud_lock_pushed);
	if (v->outbox != PF_ACTION_NONE)
		cJSON_AddStringToObject(o, "outbox", pf_action_str(v->outbox));
	else
		cJSON_AddNullToObject(o, "outbox");
	if (v->parked != PF_PARK_NONE)
		cJSON_AddStringToObject(o, "outbox_parked", pf_park_str(v->parked));
	else
		cJSON_AddNullToObject(o, "outbox_parked");
	add_failure_records(o, v);
	cJSON_AddNumberToObject(o, "push_failures", v->s.push_attempts);
	add_json_time(o, "push_failed_at", v->s.push_last_at);
	return o;
}

/* A user's row of the status table; the cells point into the buffers. */
struct user_row {
	char failures[32], lock[64], checked[32], outbox[96];
	const char *cells[7];
};

static void lock_cell(const struct user_view *v, char *buf, size_t size)
{
	char until[32];
	const char *would = v->would_lock ? "would lock: " : "";

	if (!v->readable)
		snprintf(buf, size, "state unreadable");
	else if (!v->host_locked && !v->would_lock)
		snprintf(buf, size, "no");
	else if (v->s.lock_until == 0)
		snprintf(buf, size, "%suntil unlocked", would);
	else
		snprintf(buf, size, "%s%s", would,
			 table_time(until, sizeof(until), v->s.lock_until));
}

static void outbox_cell(const struct user_view *v, char *buf, size_t size)
{
	if (v->outbox == PF_ACTION_NONE)
		snprintf(buf, size, "%s", v->audit_pending ? "- (audit entry waits)" : "-");
	else if (v->parked != PF_PARK_NONE)
		snprintf(buf, size, "%s (parked: %s)", pf_action_str(v->outbox),
			 pf_park_str(v->parked));
	else if (v->s.push_attempts == 0)
		snprintf(buf, size, "%s", pf_action_str(v->outbox));
	else
		snprintf(buf, size, "%s (%u failed)", pf_action_str(v->outbox), v->s.push_attempts);
}

static void user_row(const struct user_view *v, struct user_row *r)
{
	snprintf(r->failures, sizeof(r->failures), "%u", v->recent);
	lock_cell(v, r->lock, sizeof(r->lock));
	outbox_cell(v, r->outbox, sizeof(r->outbox));
	r->cells[0] = v->user;
	r->cells[1] = r->failures;
	r->cells[2] = r->lock;
	r->cells[3] = cloud_words[v->s.cloud];
	r->cells[4] = table_time(r->checked, sizeof(r->checked), v->s.cloud_checked_at);
	r->cells[5] = v->s.frontegg_id[0] ? v->s.frontegg_id : "-";
	r->cells[6] = r->outbox;
}

/*
 * status prints as it reads the store, so its memory does not grow with the
 * number of users: the table in two passes (column widths, then the rows),
 * the JSON document one user object at a time.
 */
enum status_pass { MEASURE, PRINT_ROWS, PRINT_JSON };

struct status_ctx {
	struct app *a;
	enum status_pass pass;
	struct table table;
	unsigned printed; /* JSON objects so far, for the commas */
};

static void print_json_user(const struct user_view *v, bool first)
{
	cJSON *o = user_json(v);
	char *text = cJSON_PrintUnformatted(o);

	printf("%s%s", first ? "" : ",", text ? text : "{}");
	free(text);
	cJSON_Delete(o);
}

static int status_one(const char *name, void *arg)
{
	struct status_ctx *c = arg;
	struct user_view v;
	struct user_row row = { 0 };

	view_user(c->a, name, &v);
	if (c->pass == PRINT_JSON) {
		print_json_user(&v, c->printed++ == 0);
		return 0;
	}
	user_row(&v, &row);
	if (c->pass == MEASURE)
		table_measure(&c->table, row.cells);
	else
		table_print_row(&c->table, stdout, row.cells);
	return 0;
}

/* One pass over USER, or over every user with state. */
static bool each_user(struct status_ctx *c, enum status_pass pass, int argc, char **argv)
{
	c->pass = pass;
	if (argc == 1)
		return status_one(argv[0], c) == 0;
	return pf_store_list(&c->a->st, status_one, c) == PF_OK;
}

struct depth {
	unsigned entries, parked;
	int64_t rate_until; /* epoch s: Frontegg asked the host to wait until then; 0 = no */
};

static int count_entry(const struct pf_outbox_entry *e, void *arg)
{
	struct depth *d = arg;

	if (e->delivered_at != 0)
		return 0; /* the action went out: only its audit entry waits */
	d->entries++;
	d->parked += e->parked != PF_PARK_NONE;
	return 0;
}

/* A 429's reset time still ahead (epoch s), or 0. */
static int64_t rate_limited_until(struct app *a)
{
	int64_t until_ms = fg_rate_recall(a->st.dirfd, CLOUD_RATE_FILE);

	return until_ms / 1000 > pf_now() ? until_ms / 1000 : 0;
}

static void print_summary(const struct depth *depth, const struct pf_sync_status *sync,
			  bool have_sync)
{
	char t1[32], t2[32];

	printf("\noutbox: %u pending, %u parked\n", depth->entries, depth->parked);
	if (depth->rate_until != 0)
		printf("Frontegg rate limit: no request before %s\n",
		       table_time(t1, sizeof(t1), depth->rate_until));
	if (!have_sync)
		printf("last sync: never\n");
	else
		printf("last sync: attempted %s, last success %s, %u API errors\n",
		       table_time(t1, sizeof(t1), sync->last_attempt),
		       table_time(t2, sizeof(t2), sync->last_success), sync->errors);
}

/* The members after "users": {"outbox_depth":N,...,"last_sync":...} without its "{". */
static void print_json_summary(const struct depth *depth, const struct pf_sync_status *sync,
			       bool have_sync)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *s;
	char *text;

	cJSON_AddNumberToObject(root, "outbox_depth", depth->entries);
	cJSON_AddNumberToObject(root, "outbox_parked", depth->parked);
	add_json_time(root, "rate_limited_until", depth->rate_until);
	if (!have_sync) {
		cJSON_AddNullToObject(root, "last_sync");
	} else {
		s = cJSON_AddObjectToObject(root, "last_sync");
		add_json_time(s, "attempt", sync->last_attempt);
		add_json_time(s, "success", sync->last_success);
		cJSON_AddNumberToObject(s, "errors", sync->errors);
	}
	text = cJSON_PrintUnformatted(root);
	printf("%s\n", text && text[0] == '{' ? text + 1 : "}");
	free(text);
	cJSON_Delete(root);
}

static bool status_json(struct status_ctx *c, int argc, char **argv)
{
	bool listed;

	printf("{\"users\":[");
	listed = each_user(c, PRINT_JSON, argc, argv);
	printf("],");
	return listed;
}

/* status USER: the failures on record, as faillock --user lists them. */
static void print_failures(struct app *a, const char *name)
{
	static const char *const header[] = { "WHEN", "SERVICE", "SOURCE", "TTY", "COUNTS", NULL };
	struct user_view v;
	struct table t;
	char when[PF_FAIL_RING][32];
	const char *rows[PF_FAIL_RING][6];

	view_user(a, name, &v);
	printf("\nfailures on record: %u\n", v.s.n_fail);
	if (v.s.n_fail == 0)
		return;
	table_init(&t, header);
	for (unsigned i = 0; i < v.s.n_fail && i < PF_FAIL_RING; i++) {
		const struct pf_failure *f = &v.s.fail[i];
		const char *row[] = {
			table_time(when[i], sizeof(when[i]), f->when), f->service, f->rhost, f->tty,
			f->when > v.counts_after ? "yes" : "no",       NULL
		};

		memcpy(rows[i], row, sizeof(row));
		table_measure(&t, rows[i]);
	}
	table_print_row(&t, stdout, header);
	for (unsigned i = 0; i < v.s.n_fail && i < PF_FAIL_RING; i++)
		table_print_row(&t, stdout, rows[i]);
}

static bool status_table(struct status_ctx *c, int argc, char **argv)
{
	static const char *const header[] = { "USER",       "FAILURES",    "HOST LOCK", "CLOUD",
					      "CLOUD SEEN", "FRONTEGG ID", "OUTBOX",    NULL };
	bool listed;

	table_init(&c->table, header);
	listed = each_user(c, MEASURE, argc, argv);
	table_print_row(&c->table, stdout, header);
	listed = listed && each_user(c, PRINT_ROWS, argc, argv);
	if (listed && argc == 1)
		print_failures(c->a, argv[0]);
	return listed;
}

/* An account NSS knows, or a record of one it no longer knows. */
static bool known_user(struct app *a, const char *name)
{
	struct pf_account acct;
	struct pf_user_state s;

	if (pf_account_lookup(&a->cfg, name, &acct) == PF_OK)
		return true;
	return pf_store_read(&a->st, name, (uid_t)-1, &s) != PF_ERR_NOENT;
}

int verb_status(struct app *a, int argc, char **argv)
{
	struct status_ctx c = { .a = a };
	struct pf_sync_status sync;
	bool have_sync = pf_sync_status_read(&a->st, &sync) == PF_OK;
	struct depth depth = { 0, 0, rate_limited_until(a) };
	bool listed;

	if (argc == 1 && !pf_username_valid(argv[0]))
		return app_fail(a, PF_EXIT_USAGE, "invalid user name");
	if (argc == 1 && !known_user(a, argv[0]))
		return app_fail(a, PF_EXIT_FAILURE,
				"unknown user %s: no such account and no record", argv[0]);
	if (pf_outbox_list(&a->st, count_entry, &depth) != PF_OK)
		return app_fail(a, PF_EXIT_STATE, "cannot read the outbox");
	listed = a->json ? status_json(&c, argc, argv) : status_table(&c, argc, argv);
	if (a->json)
		print_json_summary(&depth, &sync, have_sync);
	else
		print_summary(&depth, &sync, have_sync);
	if (!listed)
		return app_fail(a, PF_EXIT_STATE, "cannot list %s/users", a->cfg.state_dir);
	return PF_EXIT_OK;
}

/*
 * Changes the host record of u and queues action for Frontegg, in one
 * transaction. A lock is recorded before it is queued (sync re-queues a host
 * lock missing from the outbox); an unlock is queued before it is recorded (a
 * delivered unlock clears the host), so a crash in between loses neither.
 */
/*
 * The audit line of an administrator's lock or unlock: stable key=value
 * fields, the actor behind sudo, the --reason (quoted, its own quotes made
 * single), the time in ISO 8601 UTC.
 */
static void audit_admin(struct app *a, const char *user, enum pf_action action, int64_t now)
{
	char reason[256] = "", when[32];

	if (a->reason != NULL) {
		pf_sanitize(reason, sizeof(reason), a->reason);
		for (char *p = reason; *p; p++)
			if (*p == '"')
				*p = '\'';
	}
	pf_log(&a->log, LOG_NOTICE,
	       "admin action: action=%s user=%s actor=%s caller=%s time=%s reason=\"%s\"",
	       pf_action_str(action), user, a->actor, a->caller[0] ? a->caller : "-",
	       pf_iso8601(now, when, sizeof(when)), reason);
}

static int change_host(struct app *a, const struct app_user *u, enum pf_action action, bool *queued)
{
	bool to_cloud = pf_lockout_pushes(&u->lo);
	int64_t now = pf_now();
	struct pf_txn txn;
	enum pf_rc rc = pf_store_begin(&a->st, u->acct.name, u->acct.uid, &txn);

	*queued = false;
	if (rc != PF_OK && rc != PF_ERR_CORRUPT)
		return app_fail(a, PF_EXIT_STATE, "cannot update the state of %s: %s", u->acct.name,
				pf_rc_str(rc));
	rc = PF_OK;
	if (action == PF_ACTION_UNLOCK && to_cloud)
		rc = pf_outbox_put(&txn, action, now, queued);
	if (action == PF_ACTION_LOCK)
		pf_lock_by_admin(&txn.state, now);
	else
		pf_clear_tally(&txn.state);
	if (rc == PF_OK)
		rc = pf_store_commit(&txn);
	if (rc == PF_OK && action == PF_ACTION_LOCK && to_cloud)
		rc = pf_outbox_put(&txn, action, now, queued);
	pf_store_end(&txn);
	if (rc != PF_OK)
		return app_fail(a, PF_EXIT_STATE, "cannot update the state of %s", u->acct.name);
	audit_admin(a, u->acct.name, action, now);
	return PF_EXIT_OK;
}

/* Delivers the queued action now; the outbox keeps it if Frontegg cannot be reached. */
static int push_now(struct app *a, const struct app_user *u, enum pf_action action)
{
	const char *verb = pf_action_str(action);
	enum cloud_push_outcome out = CLOUD_PUSH_FAILED;
	struct pf_outbox_entry e;
	struct cloud c;
	int rc;

	if (pf_outbox_get(&a->st, u->acct.name, u->acct.uid, &e) != PF_OK) {
		printf("%s: %sed on this host (Frontegg not in use for this user)\n", u->acct.name,
		       verb);
		return PF_EXIT_OK;
	}
	rc = cloud_open(a, &c);
	if (rc == PF_EXIT_OK) {
		cloud_push(&c, &u->lo, &out);
		cloud_close(&c);
	}
	if (out == CLOUD_PUSH_DELIVERED) {
		printf("%s: %sed on this host and in Frontegg\n", u->acct.name, verb);
		return PF_EXIT_OK;
	}
	/* "Queued" only while an outbox entry says so. */
	if (pf_outbox_get(&a->st, u->acct.name, u->acct.uid, &e) != PF_OK) {
		printf("%s: %sed on this host; the Frontegg %s was not sent (see the log)\n",
		       u->acct.name, verb, verb);
		return rc != PF_EXIT_OK ? rc : PF_EXIT_FAILURE;
	}
	if (e.parked != PF_PARK_NONE)
		printf("%s: %sed on this host; the Frontegg %s is parked (%s)\n", u->acct.name,
		       verb, verb, pf_park_str(e.parked));
	else
		printf("%s: %sed on this host; the Frontegg %s is queued for the next sync\n",
		       u->acct.name, verb, verb);
	return rc != PF_EXIT_OK ? rc : PF_EXIT_CLOUD;
}

static int admin_change(struct app *a, const char *name, enum pf_action action)
{
	struct app_user u;
	bool queued;
	int rc = app_user(a, name, &u);

	if (rc == PF_EXIT_OK)
		rc = change_host(a, &u, action, &queued);
	return rc == PF_EXIT_OK ? push_now(a, &u, action) : rc;
}

int verb_lock(struct app *a, int argc, char **argv)
{
	(void)argc;
	return admin_change(a, argv[0], PF_ACTION_LOCK);
}

int verb_unlock(struct app *a, int argc, char **argv)
{
	(void)argc;
	return admin_change(a, argv[0], PF_ACTION_UNLOCK);
}

int verb_reset_link(struct app *a, int argc, char **argv)
{
	char id[PF_ID_MAX + 1], link[2048];
	struct app_user u;
	struct cloud c;
	enum fg_result r;
	int rc = cloud_open_for(a, argv[0], &u, &c);

	(void)argc;
	if (rc != PF_EXIT_OK)
		return rc;
	r = cloud_resolve_id(&c, &u.lo, id, sizeof(id), NULL, 0);
	if (r == FG_OK)
		r = fg_reset_link(c.fg, id, link, sizeof(link));
	cloud_close(&c);
	if (r == FG_NOT_FOUND || r == FG_INVALID)
		return app_fail(a, PF_EXIT_FAILURE, "%s has no Frontegg user", u.acct.name);
	if (r != FG_OK)
		return app_fail(a, PF_EXIT_CLOUD, "Frontegg did not create a link: %s",
				fg_result_str(r));
	/* The link is a credential: stdout only, never the log. */
	printf("%s\n", link);
	return PF_EXIT_OK;
}
