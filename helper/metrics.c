/* The Prometheus textfile of `sync --metrics-file`, replaced atomically. */
#include "autoconfig.h"

#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pam_frontegg/safe_file.h"
#include "sync.h"

#define METRICS_MAX 8192

static const char *const kinds[] = {
	[FG_UNAUTHORIZED] = "unauthorized",
	[FG_FORBIDDEN] = "forbidden",
	[FG_RATE_LIMITED] = "rate_limited",
	[FG_CLIENT_ERROR] = "client_error",
	[FG_SERVER_ERROR] = "server_error",
	[FG_NETWORK] = "network",
	[FG_TIMEOUT] = "timeout",
	[FG_TLS] = "tls",
	[FG_BAD_RESPONSE] = "bad_response",
	[FG_TOO_BIG] = "too_big",
	[FG_CONFIG] = "config",
	[FG_NOMEM] = "nomem",
	[FG_INVALID] = "invalid",
};

static size_t gauge(char *buf, size_t size, const char *name, const char *help, double v)
{
	int n = snprintf(buf, size, "# HELP %s %s\n# TYPE %s gauge\n%s %.0f\n", name, help, name,
			 name, v);
	return n > 0 && (size_t)n < size ? (size_t)n : size;
}

static size_t counter(char *buf, size_t size, const char *name, const char *help,
		      const char *labels, uint64_t v, bool head)
{
	int n = head ? snprintf(buf, size, "# HELP %s %s\n# TYPE %s counter\n%s%s %" PRIu64 "\n",
				name, help, name, name, labels, v)
		     : snprintf(buf, size, "%s%s %" PRIu64 "\n", name, labels, v);

	return n > 0 && (size_t)n < size ? (size_t)n : size;
}

/*
 * The lifetime counters, folded from the events by this sync (counters.h).
 * A line without help continues the metric of the line before (another label).
 */
static const struct {
	const char *name, *help, *labels;
	enum counter c;
} counter_lines[] = {
	{ "pam_frontegg_failures_recorded_total", "Failed logins recorded on this host.", "",
	  CNT_FAILURES },
	{ "pam_frontegg_host_locks_total", "Host locks started on this host.", "", CNT_HOST_LOCKS },
	{ "pam_frontegg_would_locks_total",
	  "Locks audit-only mode (enforce = no) would have started.", "", CNT_WOULD_LOCKS },
	{ "pam_frontegg_cloud_locks_pushed_total", "Locks of this host that Frontegg confirmed.",
	  "", CNT_CLOUD_LOCKS_PUSHED },
	{ "pam_frontegg_fail_open_total",
	  "Logins let through an unknown cloud state (failmode = open).", "", CNT_FAIL_OPEN },
	{ "pam_frontegg_refusals_total", "Logins refused by the module as root, by reason.",
	  "{reason=\"host-locked\"}", CNT_REFUSED_HOST },
	{ "pam_frontegg_refusals_total", NULL, "{reason=\"cloud-locked\"}", CNT_REFUSED_CLOUD },
	{ "pam_frontegg_refusals_total", NULL, "{reason=\"unavailable\"}",
	  CNT_REFUSED_UNAVAILABLE },
};

static size_t render_counters(char *buf, size_t size, const struct counters *t)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(counter_lines) / sizeof(counter_lines[0]); i++)
		n += counter(buf + n, size - n, counter_lines[i].name,
			     counter_lines[i].help ? counter_lines[i].help : "",
			     counter_lines[i].labels, t->n[counter_lines[i].c],
			     counter_lines[i].help != NULL);
	return n;
}

static size_t render(char *buf, size_t size, const struct sync_report *r, int64_t last_success)
{
	size_t n = 0;

	n += gauge(buf + n, size - n, "pam_frontegg_users_locked_host",
		   "Users locked on this host.", r->host_locked);
	n += gauge(buf + n, size - n, "pam_frontegg_users_would_lock",
		   "Users audit-only mode (enforce = no) would have locked on this host.",
		   r->would_lock);
	n += gauge(buf + n, size - n, "pam_frontegg_users_locked_cloud",
		   "Users of this host known to be locked in Frontegg.", r->cloud_locked);
	n += gauge(buf + n, size - n, "pam_frontegg_outbox_depth",
		   "Cloud actions waiting in the outbox.", r->outbox_left);
	n += gauge(buf + n, size - n, "pam_frontegg_outbox_parked",
		   "Outbox actions parked: Frontegg did not know the user, or no mapping.",
		   r->parked);
	n += gauge(buf + n, size - n, "pam_frontegg_last_sync_success_timestamp_seconds",
		   "When a sync last completed without API errors.", (double)last_success);
	n += (size_t)snprintf(buf + n, size - n,
			      "# HELP pam_frontegg_sync_api_errors API errors of the last sync, "
			      "by kind.\n# TYPE pam_frontegg_sync_api_errors gauge\n");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && n < size; k++)
		if (kinds[k] != NULL)
			n += (size_t)snprintf(buf + n, size - n,
					      "pam_frontegg_sync_api_errors{kind=\"%s\"} %u\n",
					      kinds[k], r->errors[k]);
	if (n < size)
		n += render_counters(buf + n, size - n, &r->totals);
	return n < size ? n : 0;
}

int sync_write_metrics(const char *path, const struct sync_report *r, int64_t last_success)
{
	char dir[4096], base[4096], buf[METRICS_MAX];
	size_t len = render(buf, sizeof(buf), r, last_success);
	int dfd, rc;

	if (len == 0 || path[0] != '/' || strlen(path) >= sizeof(dir))
		return -1;
	strcpy(dir, path);
	strcpy(base, path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	/* node_exporter runs unprivileged: the textfile is world-readable. */
	rc = pf_write_atomic(dfd, basename(base), buf, len, 0644) == PF_OK ? 0 : -1;
	close(dfd);
	return rc;
}
