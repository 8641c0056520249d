/*
 * frontegg-lockout doctor [USER]: every check on its own line, OK, WARN or
 * FAIL with a label naming what was checked and the real cause, so an
 * administrator sees at once which link of the chain is broken: first
 * check-config's strict checks, then the state directory, the install, the
 * secret, the CA, connectivity, a fresh token (never the cached one) and
 * USER's mapping. The causes are those the client logs: DNS or connection
 * errors, TLS, HTTP status, Frontegg's errorCode and Frontegg-Trace-Id.
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "check_config.h"
#include "cloud.h"
#include "pam_frontegg/safe_file.h"
#include "pam_frontegg/username.h"
#include "pam_frontegg/usermap.h"

/* An id that cannot exist: a 404 for it proves connectivity, TLS and the token. */
#define PROBE_ID "00000000-0000-0000-0000-000000000000"

struct doctor {
	struct app *a;
	struct pf_logger saved;
	char last_error[PF_LOG_LINE_MAX];
	unsigned failed;
};

/* Keeps the last message so a FAIL line can say why. */
static void capture(void *ctx, int priority, const char *line)
{
	struct doctor *d = ctx;

	if (priority <= LOG_WARNING)
		snprintf(d->last_error, sizeof(d->last_error), "%s", line);
}

static void report(struct doctor *d, bool ok, const char *check, const char *detail)
{
	printf("%-4s  %-12s  %s\n", ok ? "OK" : "FAIL", check, detail);
	if (!ok)
		d->failed++;
}

/* Something that only matters for unprivileged applications (screen lockers). */
static void warn(const char *check, const char *detail)
{
	printf("%-4s  %-12s  %s\n", "WARN", check, detail);
}

/* The install steps that are easiest to miss: the setgid checker and its group. */
static void check_install(struct doctor *d)
{
	const struct group *gr = getgrnam(PF_HELPER_GROUP);
	char detail[700];
	struct stat sb;

	if (gr == NULL) {
		warn("chkstate", "group " PF_HELPER_GROUP " does not exist: screen lockers cannot "
				 "record failures (groupadd -r " PF_HELPER_GROUP ")");
		return;
	}
	if (stat(d->a->cfg.chkstate, &sb) != 0 || sb.st_uid != 0 || sb.st_gid != gr->gr_gid ||
	    !(sb.st_mode & S_ISGID)) {
		snprintf(detail, sizeof(detail),
			 "%s is not root:" PF_HELPER_GROUP " setgid: screen lockers cannot record "
			 "failures (chgrp " PF_HELPER_GROUP " %s && chmod 2755 %s)",
			 d->a->cfg.chkstate, d->a->cfg.chkstate, d->a->cfg.chkstate);
		warn("chkstate", detail);
	} else {
		report(d, true, "chkstate", d->a->cfg.chkstate);
	}
	if (fstat(d->a->st.dirfd, &sb) == 0 && sb.st_gid != gr->gr_gid)
		warn("state_dir", "not group " PF_HELPER_GROUP ": run systemd-tmpfiles --create "
				  "pam_frontegg.conf");
}

static const char *reason(struct doctor *d, const char *fallback)
{
	return d->last_error[0] ? d->last_error : fallback;
}

static void config_problem(void *ctx, const char *line)
{
	report(ctx, false, "config", line);
}

/*
 * check-config's strict checks, each problem a FAIL line; then the
 * configuration as the module uses it (a bad setting keeps its default).
 * False when there is nothing to go on: the file is not used at all.
 */
static bool check_config(struct doctor *d)
{
	const char *path = d->a->conf_path ? d->a->conf_path : PF_DEFAULT_CONF;
	int rc;

	if (check_config_run(path, config_problem, d) == 0)
		report(d, true, "config", path);
	d->last_error[0] = '\0';
	rc = app_load(d->a, true, false);
	if (rc == PF_EXIT_OK)
		return true;
	/* A configuration that loaded but a store that did not open: a state problem. */
	if (d->a->cfg_loaded && !d->a->cfg.untrusted)
		report(d, false, "state", reason(d, d->a->cfg.state_dir));
	return false;
}

static void check_state_dir(struct doctor *d)
{
	struct stat sb;
	char detail[600];

	if (fstat(d->a->st.dirfd, &sb) != 0) {
		report(d, false, "state", d->a->cfg.state_dir);
		return;
	}
	snprintf(detail, sizeof(detail), "%s (mode %04o, owner uid %lu)", d->a->cfg.state_dir,
		 (unsigned)(sb.st_mode & 07777), (unsigned long)sb.st_uid);
	report(d, true, "state", detail);
}

static bool check_secret(struct doctor *d)
{
	char *secret = NULL;
	bool ok;

	d->last_error[0] = '\0';
	ok = app_read_secret(&d->a->cfg, &secret, &d->a->log) == PF_OK;
	report(d, ok, "secret", ok ? "readable by root only" : reason(d, "unreadable"));
	if (secret) {
		memset(secret, 0, strlen(secret));
		free(secret);
	}
	return ok;
}

static void check_ca(struct doctor *d)
{
	struct pf_file_rules rules = { 022, (uid_t)-1, 4 * 1024 * 1024, NULL };
	const char *ca = d->a->cfg.ca_file;
	char why[256], detail[600];
	int fd;

	if (ca == NULL) {
		report(d, true, "ca", "system CA store");
		return;
	}
	if (pf_open_checked(-1, ca, &rules, &fd, why, sizeof(why)) != PF_OK) {
		snprintf(detail, sizeof(detail), "ca_file %s: %s", ca, why);
		report(d, false, "ca", detail);
		return;
	}
	close(fd);
	report(d, true, "ca", ca);
}

static bool check_client(struct doctor *d, struct cloud *c)
{
	bool ok;

	d->last_error[0] = '\0';
	ok = cloud_open_fresh(d->a, c) == PF_EXIT_OK;
	if (!ok)
		report(d, false, "client", reason(d, "cannot create the Frontegg client"));
	return ok;
}

/*
 * One harmless request, with a token fetched for it, tells connectivity,
 * TLS and credentials apart; a FAIL line carries the client's own account
 * of the failure (resolver or connection error, HTTP status, errorCode,
 * Frontegg-Trace-Id).
 */
static void check_cloud(struct doctor *d, struct cloud *c)
{
	struct fg_user u;
	enum fg_result r;
	bool reached;
	char detail[PF_LOG_LINE_MAX + 64];

	d->last_error[0] = '\0';
	r = fg_user_by_id(c->fg, PROBE_ID, &u);
	reached = r != FG_NETWORK && r != FG_TIMEOUT && r != FG_TLS;
	snprintf(detail, sizeof(detail), "%s: %s", d->a->cfg.api_url, reason(d, fg_result_str(r)));
	if (r == FG_TLS) {
		report(d, false, "ca", detail);
		return;
	}
	report(d, reached, "connectivity", reached ? d->a->cfg.api_url : detail);
	if (reached)
		report(d, r == FG_NOT_FOUND || r == FG_OK, "token",
		       r == FG_NOT_FOUND || r == FG_OK
			   ? "a fresh vendor token was issued and accepted"
			   : detail);
}

static int count_parked(const struct pf_outbox_entry *e, void *arg)
{
	unsigned *n = arg;

	*n += e->parked != PF_PARK_NONE;
	return 0;
}

/* Parked actions wait for a person: a mapping to fix or a user to create. */
static void check_outbox(struct doctor *d)
{
	char detail[160];
	unsigned parked = 0;

	if (pf_outbox_list(&d->a->st, count_parked, &parked) != PF_OK) {
		report(d, false, "outbox", "cannot read the outbox");
		return;
	}
	if (parked == 0) {
		report(d, true, "outbox", "no parked actions");
		return;
	}
	snprintf(detail, sizeof(detail),
		 "%u parked actions (no Frontegg user, or mapping unavailable): see status",
		 parked);
	warn("outbox", detail);
}

/* Why a user has no Frontegg identity: the break-glass, a system account, a map file. */
static void unmapped(struct doctor *d, const struct app_user *u, enum pf_rc rc)
{
	char detail[PF_LOG_LINE_MAX + 128];
	const char *name = u->acct.name;

	if (rc != PF_ERR_NOENT)
		snprintf(detail, sizeof(detail), "%s: the mapping failed: %s", name,
			 reason(d, pf_rc_str(rc)));
	else if (u->acct.root_like && !d->a->cfg.even_deny_root)
		snprintf(detail, sizeof(detail),
			 "%s is root or in admin_group: never mapped to Frontegg (break-glass)",
			 name);
	else
		snprintf(detail, sizeof(detail), "%s is not mapped (no user_map_file line%s)", name,
			 d->a->cfg.user_email ? "; user_email maps only uids from uid_min up"
					      : ", no user_email");
	/* Only the break-glass is meant to be unmapped. */
	report(d, rc == PF_ERR_NOENT && u->acct.root_like && !d->a->cfg.even_deny_root, "mapping",
	       detail);
}

static void check_user(struct doctor *d, struct cloud *c, const char *name)
{
	struct pf_identity ident;
	struct app_user u;
	char id[PF_ID_MAX + 1], detail[PF_LOG_LINE_MAX + 128];
	enum fg_result r;
	enum pf_rc rc;

	d->last_error[0] = '\0';
	if (app_user(d->a, name, &u) != PF_EXIT_OK) {
		report(d, false, "mapping", reason(d, "unknown user"));
		return;
	}
	rc = pf_map_account(&d->a->cfg, name, u.acct.uid, u.acct.root_like, &ident, &d->a->log);
	if (rc != PF_OK) {
		unmapped(d, &u, rc);
		return;
	}
	d->last_error[0] = '\0';
	r = c ? cloud_resolve_id(c, &u.lo, id, sizeof(id), NULL, 0) : FG_INVALID;
	if (r == FG_OK)
		snprintf(detail, sizeof(detail), "%s -> %s (Frontegg id %s)", name, ident.value,
			 id);
	else if (c == NULL)
		snprintf(detail, sizeof(detail), "%s -> %s: not looked up (see above)", name,
			 ident.value);
	else
		snprintf(detail, sizeof(detail), "%s -> %s: %s", name, ident.value,
			 r == FG_NOT_FOUND ? "no such Frontegg user" : reason(d, fg_result_str(r)));
	report(d, r == FG_OK, "mapping", detail);
}

int verb_doctor(struct app *a, int argc, char **argv)
{
	struct doctor d = { a, a->log, "", 0 };
	struct cloud c;
	bool have_cloud = false;

	if (argc == 1 && !pf_username_valid(argv[0]))
		return app_fail(a, PF_EXIT_USAGE, "invalid user name");
	a->log = (struct pf_logger){ capture, &d, false };
	if (check_config(&d)) {
		check_state_dir(&d);
		check_install(&d);
		check_outbox(&d);
		if (!pf_config_cloud_configured(&a->cfg)) {
			report(&d, true, "client_id",
			       "not set: host lockout only, Frontegg not in use");
		} else if (check_secret(&d)) {
			check_ca(&d);
			have_cloud = check_client(&d, &c);
			if (have_cloud)
				check_cloud(&d, &c);
		}
		if (argc == 1)
			check_user(&d, have_cloud ? &c : NULL, argv[0]);
	}
	if (have_cloud)
		cloud_close(&c);
	a->log = d.saved;
	return d.failed == 0 ? PF_EXIT_OK : PF_EXIT_FAILURE;
}
