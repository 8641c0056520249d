/*
 * frontegg-lockout doctor: every check on its own line, OK or FAIL with the
 * reason, so an administrator sees at once which link of the chain is broken.
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
#include "cloud.h"
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

static bool check_config(struct doctor *d)
{
	const char *path = d->a->conf_path ? d->a->conf_path : PF_DEFAULT_CONF;
	int rc;

	d->last_error[0] = '\0';
	rc = app_load(d->a, true, false);
	report(d, rc == PF_EXIT_OK, "config", rc == PF_EXIT_OK ? path : reason(d, path));
	return rc == PF_EXIT_OK;
}

static void check_state_dir(struct doctor *d)
{
	struct stat sb;
	char detail[600];

	if (fstat(d->a->st.dirfd, &sb) != 0) {
		report(d, false, "state_dir", d->a->cfg.state_dir);
		return;
	}
	snprintf(detail, sizeof(detail), "%s (mode %04o, owner uid %lu)", d->a->cfg.state_dir,
		 (unsigned)(sb.st_mode & 07777), (unsigned long)sb.st_uid);
	report(d, true, "state_dir", detail);
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
	const char *ca = d->a->cfg.ca_file;
	int fd;

	if (ca == NULL) {
		report(d, true, "ca", "system CA store");
		return;
	}
	fd = open(ca, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	report(d, fd >= 0, "ca", fd >= 0 ? ca : "ca_file cannot be opened");
	if (fd >= 0)
		close(fd);
}

static bool check_client(struct doctor *d, struct cloud *c)
{
	bool ok;

	d->last_error[0] = '\0';
	ok = cloud_open(d->a, c) == PF_EXIT_OK;
	if (!ok)
		report(d, false, "client", reason(d, "cannot create the Frontegg client"));
	return ok;
}

/* One harmless request tells connectivity, TLS and credentials apart. */
static void check_cloud(struct doctor *d, struct cloud *c)
{
	struct fg_user u;
	enum fg_result r = fg_user_by_id(c->fg, PROBE_ID, &u);
	bool reached = r != FG_NETWORK && r != FG_TIMEOUT && r != FG_TLS;
	char detail[512];

	snprintf(detail, sizeof(detail), "%s: %s", d->a->cfg.api_url, fg_result_str(r));
	if (r == FG_TLS) {
		report(d, false, "ca", "the server certificate does not verify against ca_file");
		return;
	}
	report(d, reached, "connectivity", reached ? d->a->cfg.api_url : detail);
	if (reached)
		report(d, r == FG_NOT_FOUND || r == FG_OK, "token",
		       r == FG_NOT_FOUND || r == FG_OK ? "vendor token accepted" : detail);
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

static void check_user(struct doctor *d, struct cloud *c, const char *name)
{
	struct pf_identity ident;
	struct app_user u;
	char id[PF_ID_MAX + 1], detail[600];
	enum fg_result r;

	if (app_user(d->a, name, &u) != PF_EXIT_OK ||
	    pf_map_account(&d->a->cfg, name, u.acct.uid, u.acct.root_like, &ident, &d->a->log) !=
		PF_OK) {
		snprintf(detail, sizeof(detail), "%s is not mapped (user_email or user_map_file)",
			 name);
		report(d, false, "mapping", detail);
		return;
	}
	r = c ? cloud_resolve_id(c, &u.lo, id, sizeof(id), NULL, 0) : FG_NETWORK;
	if (r == FG_OK)
		snprintf(detail, sizeof(detail), "%s -> %s (Frontegg id %s)", name, ident.value,
			 id);
	else
		snprintf(detail, sizeof(detail), "%s -> %s: %s", name, ident.value,
			 r == FG_NOT_FOUND ? "no such Frontegg user" : fg_result_str(r));
	report(d, r == FG_OK, "mapping", detail);
}

int verb_doctor(struct app *a, int argc, char **argv)
{
	struct doctor d = { a, a->log, "", 0 };
	struct cloud c;
	bool have_cloud = false;

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
