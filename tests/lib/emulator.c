/* The Frontegg emulator as a test fixture. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cJSON.h>
#include <curl/curl.h>

#include "emulator.h"
#include "testutil.h"

#define START_TIMEOUT_MS 60000 /* certificate generation can be slow on a busy CI box */
#define STOP_TIMEOUT_MS  5000
#define POLL_MS          20
#define CTL_TIMEOUT_MS   30000
#define CTL_BODY_MAX     (64u << 20)

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, full[PATH_MAX];
	bool found = false;

	if (path == NULL || (copy = strdup(path)) == NULL)
		return false;
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		snprintf(full, sizeof(full), "%s/%s", dir[0] ? dir : ".", prog);
		found = access(full, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* Reads a small file holding one decimal number; 0 when absent or not yet complete. */
static unsigned read_number(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return (unsigned)strtoul(buf, NULL, 10);
}

static void dump_log(const struct pf_emu *e)
{
	char path[PATH_MAX], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/emulator.log", e->dir);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		fprintf(stderr, "# emulator: %s", line);
	fclose(f);
}

static void child(const struct pf_emu *e, const char *const *extra)
{
	const char *argv[32];
	char script[PATH_MAX], log[PATH_MAX];
	const char *top = getenv("top_srcdir");
	size_t n = 0;
	int fd;

#ifdef __linux__
	/* If the test program dies, so does its emulator. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	snprintf(script, sizeof(script), "%s/tests/emulator/frontegg_emulator", top ? top : ".");
	snprintf(log, sizeof(log), "%s/emulator.log", e->dir);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = "--dir";
	argv[n++] = e->dir;
	for (size_t i = 0;
	     extra != NULL && extra[i] != NULL && n + 1 < sizeof(argv) / sizeof(argv[0]); i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	execvp("python3", (char *const *)(void *)argv);
	_exit(127);
}

/* Polls for the pid file (written last); -1 when the emulator died or took too long. */
static int wait_ready(struct pf_emu *e)
{
	long long give_up = mono_ms() + START_TIMEOUT_MS;
	int status;

	while (read_number(e->dir, "pid") == 0) {
		if (waitpid(e->pid, &status, WNOHANG) == e->pid) {
			e->pid = 0;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
				return PF_EMU_SKIP;
			fprintf(stderr, "# the emulator exited before it was ready\n");
			dump_log(e);
			return -1;
		}
		if (mono_ms() > give_up) {
			fprintf(stderr, "# the emulator did not start within %d ms\n",
				START_TIMEOUT_MS);
			dump_log(e);
			return -1;
		}
		sleep_ms(POLL_MS);
	}
	e->port = read_number(e->dir, "port");
	e->control_port = read_number(e->dir, "control_port");
	return e->port && e->control_port ? 0 : -1;
}

int pf_emu_start(struct pf_emu *e, const char *const *extra_args)
{
	int rc;

	memset(e, 0, sizeof(*e));
	if (!in_path("python3") || !in_path("openssl")) {
		fprintf(stderr, "# python3 or openssl not found: skipping the emulator tests\n");
		return PF_EMU_SKIP;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	e->dir = pf_test_mkdtemp();
	fflush(NULL);
	e->pid = fork();
	if (e->pid < 0) {
		perror("fork");
		e->pid = 0;
		pf_emu_stop(e);
		return -1;
	}
	if (e->pid == 0)
		child(e, extra_args);
	rc = wait_ready(e);
	if (rc != 0) {
		pf_emu_stop(e);
		return rc;
	}
	snprintf(e->api_url, sizeof(e->api_url), "https://127.0.0.1:%u", e->port);
	snprintf(e->ca_file, sizeof(e->ca_file), "%s/ca.pem", e->dir);
	snprintf(e->other_ca_file, sizeof(e->other_ca_file), "%s/other-ca.pem", e->dir);
	return 0;
}

void pf_emu_stop(struct pf_emu *e)
{
	long long give_up = mono_ms() + STOP_TIMEOUT_MS;

	if (e->pid > 0) {
		kill(e->pid, SIGTERM);
		while (waitpid(e->pid, NULL, WNOHANG) == 0) {
			if (mono_ms() > give_up) {
				kill(e->pid, SIGKILL);
				waitpid(e->pid, NULL, 0);
				break;
			}
			sleep_ms(POLL_MS);
		}
		e->pid = 0;
	}
	if (e->dir != NULL) {
		pf_test_rmtree(e->dir);
		free(e->dir);
		e->dir = NULL;
	}
	curl_global_cleanup();
}

struct body {
	char *buf;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = size * nmemb;
	char *bigger;

	if (b->len + n > CTL_BODY_MAX || (bigger = realloc(b->buf, b->len + n + 1)) == NULL)
		return 0;
	b->buf = bigger;
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

long pf_emu_call(struct pf_emu *e, const char *method, const char *path, const char *json,
		 char **out)
{
	/* A fresh handle per call: safe in the forked children Check runs tests in. */
	CURL *curl = curl_easy_init();
	struct curl_slist *hdrs = NULL;
	struct body b = { NULL, 0 };
	char url[256];
	long status = 0;

	if (out != NULL)
		*out = NULL;
	if (curl == NULL)
		return 0;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", e->control_port, path);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROXY, ""); /* tests set *_proxy on purpose */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)CTL_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	if (json != NULL)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	if (status != 200 && b.buf != NULL)
		fprintf(stderr, "# emulator %s %s -> %ld: %s\n", method, path, status, b.buf);
	if (out != NULL)
		*out = b.buf;
	else
		free(b.buf);
	return status;
}

bool pf_emu_ok(struct pf_emu *e, const char *method, const char *path, const char *fmt, ...)
{
	char *json = NULL;
	long status;

	if (fmt != NULL) {
		va_list ap;

		va_start(ap, fmt);
		if (vasprintf(&json, fmt, ap) < 0)
			json = NULL;
		va_end(ap);
		if (json == NULL)
			return false;
	}
	status = pf_emu_call(e, method, path, json, NULL);
	free(json);
	return status == 200;
}

static cJSON *get_json(struct pf_emu *e, const char *path)
{
	char *body = NULL;
	cJSON *root = NULL;

	if (pf_emu_call(e, "GET", path, NULL, &body) == 200 && body != NULL)
		root = cJSON_Parse(body);
	free(body);
	return root;
}

static long number_at(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

long pf_emu_counter(struct pf_emu *e, const char *name)
{
	cJSON *root = get_json(e, "/counters");
	long v = -1;

	if (root == NULL)
		return -1;
	v = number_at(root, name);
	if (v < 0)
		v = number_at(cJSON_GetObjectItemCaseSensitive(root, "requests"), name);
	cJSON_Delete(root);
	return v;
}

long pf_emu_user_counter(struct pf_emu *e, const char *id, const char *kind)
{
	cJSON *root = get_json(e, "/counters");
	const cJSON *user;
	long v;

	if (root == NULL)
		return -1;
	user =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "by_user"), id);
	v = user == NULL ? 0 : number_at(user, kind);
	cJSON_Delete(root);
	return v < 0 ? 0 : v;
}

bool pf_emu_user_locked(struct pf_emu *e, const char *id, bool *locked)
{
	char path[256];
	cJSON *root;
	const cJSON *v;
	bool ok;

	snprintf(path, sizeof(path), "/users/%s", id);
	root = get_json(e, path);
	v = cJSON_GetObjectItemCaseSensitive(root, "isLocked");
	ok = cJSON_IsBool(v);
	if (ok)
		*locked = cJSON_IsTrue(v);
	cJSON_Delete(root);
	return ok;
}

bool pf_emu_reset(struct pf_emu *e)
{
	return pf_emu_ok(e, "POST", "/outage", "{\"down\":false}") &&
	       pf_emu_ok(e, "DELETE", "/faults", NULL) && pf_emu_ok(e, "POST", "/reset", NULL) &&
	       pf_emu_ok(e, "DELETE", "/users", NULL) &&
	       pf_emu_ok(e, "POST", "/config",
			 "{\"client_id\":\"test-client-id\",\"secret\":\"test-secret\","
			 "\"token_ttl\":3600,\"rate_limit\":null}");
}
