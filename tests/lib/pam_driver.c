/*
 * pam-driver: the one PAM driver of the tests and the benchmarks. It runs
 * real PAM transactions (pam_start, pam_authenticate, pam_acct_mgmt,
 * pam_end — what sshd does for a password login) for one or more stacks in
 * interleaved rounds, so that drift on a busy machine (other builds, CPU
 * frequency, page cache) hits every stack alike, and checks every
 * transaction ends as expected. The storm tests drive load with it (one
 * round), the leak test runs it under valgrind, `make bench` times it.
 *
 *   pam-driver [--rounds R] [--warmup W] [--count N] [--pin MODULE]...
 *              --case SPEC... [--ratio A/B]...
 *
 * Each round runs every case once, starting one case later than the round
 * before, so no case always runs first or after the same neighbour. A case
 * SPEC is a comma-separated list of settings:
 *
 *   name=NAME        label in the output (required)
 *   service=SVC      PAM service (required)
 *   users=PREFIX     user names are PREFIX<n> (this or user= required)
 *   user=NAME        every transaction for NAME itself
 *   nusers=K         round robin over K users (default 1)
 *   first=F          first n (default 0)
 *   count=N          transactions per round (default --count)
 *   expect=ok|fail|any  the outcome every transaction must have (default ok)
 *   acct             account phase only (a public-key login)
 *   auth             authentication only (no account phase)
 *   always-acct      the account phase even after a failed authentication
 *                    (as libpamtest runs them)
 *   notty            no PAM_TTY (a non-interactive login); else "ssh"
 *   each             time every transaction on its own, not the whole batch
 *   fresh            every transaction takes a user never used before
 *   prime=P          before each timed transaction, P untimed ones for its user
 *   reset=SVC        after each round, one untimed pam_authenticate of SVC per
 *                    user (clears the tally so failures never reach deny)
 *   drain=DIR        after each round, wait (untimed) until DIR is empty: the
 *                    detached pushes have delivered their outbox entries
 *
 * Figures are microseconds per transaction: per round the batch mean (or,
 * with `each`, the median of that round), then median and quartiles over
 * the rounds. --ratio A/B prints the median and quartiles of the per-round
 * ratio A/B: both were measured in the same round, so the ratio cancels
 * slow drift better than a ratio of medians. Every figure comes twice: wall
 * time (what a login waits) and this process's CPU time (user + system),
 * which other processes on a busy machine disturb much less; only wall time
 * includes waiting for the disk. --pin MODULE keeps a module loaded for the
 * whole run, so libpam's dlopen/dlclose per handle only counts references
 * (under valgrind, reloading a library a thousand times costs a minute and
 * tests nothing of ours). Exits 1 when a transaction did not end as
 * expected. Run it under pam_wrapper.
 */
#include "autoconfig.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_appl.h>

#include "silent_conv.h"

#define MAX_CASES  16
#define MAX_RATIOS 8
#define LABEL_MAX  32 /* longest case name or user prefix */
#define DRAIN_MS   60000

/* The two clocks every figure is taken on. */
enum clock_kind { WALL, CPU, N_CLOCKS };

enum expect { EXPECT_OK, EXPECT_FAIL, EXPECT_ANY };

struct bench_case {
	const char *name, *service, *prefix, *user, *reset, *drain;
	unsigned long nusers, first, count, prime, next_fresh;
	bool acct_only, auth_only, always_acct, notty, each, fresh;
	enum expect expect;
	double *per_round[N_CLOCKS]; /* µs per transaction, one per timed round */
	double *samples[N_CLOCKS];   /* with `each`: every timed transaction */
	unsigned long n_samples;     /* filled entries of samples */
	unsigned long unexpected;
};

struct ratio {
	int a, b;
};

struct options {
	unsigned long rounds, warmup, count;
	struct bench_case cases[MAX_CASES];
	int n_cases;
	struct ratio ratios[MAX_RATIOS];
	int n_ratios;
};

static _Noreturn void die(const char *what, const char *detail)
{
	fprintf(stderr, "pam-driver: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

/* ---- one PAM transaction ------------------------------------------------- */

/* What sshd does for one login of case c; true when the user was let in. */
static bool transaction(const struct bench_case *c, const char *service, const char *user)
{
	struct pam_conv conv = { pf_silent_conv, NULL };
	pam_handle_t *pamh = NULL;
	int rc = pam_start(service, user, &conv, &pamh);

	if (rc == PAM_SUCCESS)
		rc = pam_set_item(pamh, PAM_RHOST, "192.0.2.99");
	if (rc == PAM_SUCCESS && !c->notty)
		rc = pam_set_item(pamh, PAM_TTY, "ssh");
	if (rc == PAM_SUCCESS && !c->acct_only)
		rc = pam_authenticate(pamh, 0);
	if (pamh != NULL && !c->auth_only && (rc == PAM_SUCCESS || c->always_acct)) {
		int acct = pam_acct_mgmt(pamh, 0);
		rc = rc == PAM_SUCCESS ? acct : rc;
	}
	if (pamh != NULL)
		pam_end(pamh, rc);
	return rc == PAM_SUCCESS;
}

/* ---- time and statistics ------------------------------------------------- */

struct stamp {
	double us[N_CLOCKS];
};

static double clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static struct stamp stamp_now(void)
{
	return (struct stamp){ { clock_us(CLOCK_MONOTONIC), clock_us(CLOCK_PROCESS_CPUTIME_ID) } };
}

/* Microseconds since start on each clock, divided by n transactions. */
static struct stamp stamp_since(struct stamp start, unsigned long n)
{
	struct stamp now = stamp_now();

	for (int k = 0; k < N_CLOCKS; k++)
		now.us[k] = (now.us[k] - start.us[k]) / (double)n;
	return now;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* Quantile p (0..1) of n sorted values, interpolating between neighbours. */
static double quantile(const double *sorted, unsigned long n, double p)
{
	double pos = p * (double)(n - 1);
	unsigned long i = (unsigned long)pos;

	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (pos - (double)i) * (sorted[i + 1] - sorted[i]);
}

struct summary {
	double q1, median, q3, min, max;
};

static struct summary summarize(const double *values, unsigned long n)
{
	double *s = malloc(n * sizeof(*s));
	struct summary out;

	if (s == NULL)
		die("out of memory", NULL);
	memcpy(s, values, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	out = (struct summary){ quantile(s, n, 0.25), quantile(s, n, 0.5), quantile(s, n, 0.75),
				s[0], s[n - 1] };
	free(s);
	return out;
}

/* ---- running the cases --------------------------------------------------- */

static void user_name(char *buf, size_t size, const struct bench_case *c, unsigned long n)
{
	if (c->user != NULL)
		snprintf(buf, size, "%s", c->user);
	else
		snprintf(buf, size, "%s%lu", c->prefix, n);
}

static void expect_outcome(struct bench_case *c, bool ok)
{
	if (c->expect != EXPECT_ANY && ok != (c->expect == EXPECT_OK))
		c->unexpected++;
}

/* The user of the i-th transaction: round robin, or the next unused one. */
static unsigned long pick_user(struct bench_case *c, unsigned long i)
{
	if (c->fresh)
		return c->first + c->next_fresh++;
	return c->first + i % c->nusers;
}

/* One transaction, timed alone; the priming ones before it are not timed. */
static struct stamp timed_one(struct bench_case *c, unsigned long n)
{
	char user[LABEL_MAX + 24];
	struct stamp t0;
	bool ok;

	user_name(user, sizeof(user), c, n);
	for (unsigned long p = 0; p < c->prime; p++)
		transaction(c, c->service, user);
	t0 = stamp_now();
	ok = transaction(c, c->service, user);
	t0 = stamp_since(t0, 1);
	expect_outcome(c, ok);
	return t0;
}

/* The whole round's batch in one timed stretch (no priming: see parse_case). */
static struct stamp timed_batch(struct bench_case *c)
{
	char user[LABEL_MAX + 24];
	struct stamp t0 = stamp_now();

	for (unsigned long i = 0; i < c->count; i++) {
		user_name(user, sizeof(user), c, pick_user(c, i));
		expect_outcome(c, transaction(c, c->service, user));
	}
	return stamp_since(t0, c->count);
}

static void reset_users(const struct bench_case *c)
{
	struct bench_case auth = { .auth_only = true, .notty = c->notty };
	char user[LABEL_MAX + 24];

	for (unsigned long i = 0; i < c->nusers; i++) {
		user_name(user, sizeof(user), c, c->first + i);
		transaction(&auth, c->reset, user);
	}
}

static unsigned long dir_entries(const char *path)
{
	DIR *d = opendir(path);
	unsigned long n = 0;
	struct dirent *e;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Waits for the detached pushes, so their work never lands in a timed stretch. */
static void drain(const char *dir)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };

	for (int waited = 0; dir_entries(dir) > 0; waited += 5) {
		if (waited >= DRAIN_MS)
			die("the detached pushes did not drain", dir);
		nanosleep(&nap, NULL);
	}
	nap.tv_nsec = 20 * 1000 * 1000; /* the last helper closes its connection */
	nanosleep(&nap, NULL);
}

/* With `each`: every transaction of the round on its own; the round's figure is their median. */
static void run_each(struct bench_case *c, unsigned long round, bool timed)
{
	unsigned long first = c->n_samples;

	for (unsigned long i = 0; i < c->count; i++) {
		struct stamp t = timed_one(c, pick_user(c, i));
		for (int k = 0; k < N_CLOCKS && timed; k++)
			c->samples[k][first + i] = t.us[k];
	}
	if (!timed)
		return;
	for (int k = 0; k < N_CLOCKS; k++)
		c->per_round[k][round] = summarize(c->samples[k] + first, c->count).median;
	c->n_samples += c->count;
}

/* One round of one case; timed says whether its figures count. */
static void run_case(struct bench_case *c, unsigned long round, bool timed)
{
	if (c->each) {
		run_each(c, round, timed);
	} else {
		struct stamp t = timed_batch(c);
		for (int k = 0; k < N_CLOCKS && timed; k++)
			c->per_round[k][round] = t.us[k];
	}
	if (c->reset != NULL)
		reset_users(c);
	if (c->drain != NULL)
		drain(c->drain);
}

static void run_rounds(struct options *o)
{
	unsigned long total = o->warmup + o->rounds;

	for (unsigned long r = 0; r < total; r++) {
		bool timed = r >= o->warmup;
		for (int j = 0; j < o->n_cases; j++) {
			int k = (int)((r + (unsigned long)j) % (unsigned long)o->n_cases);
			run_case(&o->cases[k], timed ? r - o->warmup : 0, timed);
		}
	}
}

/* ---- output ---------------------------------------------------------------- */

/* With `each`, spread and extremes are of single transactions, else of rounds. */
static struct summary case_summary(const struct options *o, const struct bench_case *c, int k)
{
	return c->each ? summarize(c->samples[k], c->n_samples)
		       : summarize(c->per_round[k], o->rounds);
}

static void print_cases(const struct options *o)
{
	printf("%-18s %9s %10s %10s %10s %10s %10s %10s %6s\n", "case", "txn/round", "median_us",
	       "q1_us", "q3_us", "min_us", "max_us", "cpu_us", "unexp");
	for (int k = 0; k < o->n_cases; k++) {
		const struct bench_case *c = &o->cases[k];
		struct summary w = case_summary(o, c, WALL), cpu = case_summary(o, c, CPU);
		printf("%-18s %9lu %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f %6lu\n", c->name,
		       c->count, w.median, w.q1, w.q3, w.min, w.max, cpu.median, c->unexpected);
	}
}

/* Median and quartiles of the per-round ratios a/b on clock k. */
static struct summary ratio_summary(const struct options *o, const struct ratio *q, int k,
				    double *scratch)
{
	const struct bench_case *a = &o->cases[q->a], *b = &o->cases[q->b];

	for (unsigned long r = 0; r < o->rounds; r++)
		scratch[r] = a->per_round[k][r] / b->per_round[k][r];
	return summarize(scratch, o->rounds);
}

static void print_ratios(const struct options *o)
{
	double *scratch = malloc(o->rounds * sizeof(*scratch));

	if (scratch == NULL)
		die("out of memory", NULL);
	for (int i = 0; i < o->n_ratios; i++) {
		const struct ratio *q = &o->ratios[i];
		struct summary w = ratio_summary(o, q, WALL, scratch);
		struct summary cpu = ratio_summary(o, q, CPU, scratch);
		printf("ratio %s/%s median %.3f q1 %.3f q3 %.3f cpu %.3f\n", o->cases[q->a].name,
		       o->cases[q->b].name, w.median, w.q1, w.q3, cpu.median);
	}
	free(scratch);
}

/* ---- arguments -------------------------------------------------------------- */

static unsigned long number(const char *s, const char *what)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		die("not a number", what);
	return n;
}

static enum expect expectation(const char *v)
{
	if (strcmp(v, "ok") == 0)
		return EXPECT_OK;
	if (strcmp(v, "fail") == 0)
		return EXPECT_FAIL;
	if (strcmp(v, "any") == 0)
		return EXPECT_ANY;
	die("expect= takes ok, fail or any", v);
}

/* key=value or a bare flag; the spec string is ours (argv) to cut up. */
static void case_setting(struct bench_case *c, char *item)
{
	char *v = strchr(item, '=');

	if (v != NULL)
		*v++ = '\0';
	if (v == NULL && strcmp(item, "acct") == 0)
		c->acct_only = true;
	else if (v == NULL && strcmp(item, "auth") == 0)
		c->auth_only = true;
	else if (v == NULL && strcmp(item, "always-acct") == 0)
		c->always_acct = true;
	else if (v == NULL && strcmp(item, "notty") == 0)
		c->notty = true;
	else if (v == NULL && strcmp(item, "each") == 0)
		c->each = true;
	else if (v == NULL && strcmp(item, "fresh") == 0)
		c->fresh = true;
	else if (v == NULL)
		die("unknown case flag", item);
	else if (strcmp(item, "name") == 0)
		c->name = v;
	else if (strcmp(item, "service") == 0)
		c->service = v;
	else if (strcmp(item, "users") == 0)
		c->prefix = v;
	else if (strcmp(item, "user") == 0)
		c->user = v;
	else if (strcmp(item, "nusers") == 0)
		c->nusers = number(v, item);
	else if (strcmp(item, "first") == 0)
		c->first = number(v, item);
	else if (strcmp(item, "count") == 0)
		c->count = number(v, item);
	else if (strcmp(item, "prime") == 0)
		c->prime = number(v, item);
	else if (strcmp(item, "reset") == 0)
		c->reset = v;
	else if (strcmp(item, "drain") == 0)
		c->drain = v;
	else if (strcmp(item, "expect") == 0)
		c->expect = expectation(v);
	else
		die("bad case setting", item);
}

static void parse_case(struct options *o, char *spec)
{
	struct bench_case *c;

	if (o->n_cases == MAX_CASES)
		die("too many cases", NULL);
	c = &o->cases[o->n_cases++];
	*c = (struct bench_case){ .nusers = 1, .expect = EXPECT_OK };
	for (char *save = NULL, *item = strtok_r(spec, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save))
		case_setting(c, item);
	if (c->name == NULL || c->service == NULL || (c->prefix == NULL) == (c->user == NULL))
		die("a case needs name=, service= and one of users= and user=", NULL);
	if (strlen(c->name) > LABEL_MAX || c->nusers == 0 ||
	    strlen(c->prefix != NULL ? c->prefix : c->user) > LABEL_MAX)
		die("bad case", c->name);
	/* Priming inside a batch would be timed with it. */
	if (c->prime > 0 && !c->each)
		die("prime= needs each", c->name);
	if (c->acct_only && c->auth_only)
		die("acct and auth exclude each other", c->name);
}

static int find_case(const struct options *o, const char *name, size_t len)
{
	for (int k = 0; k < o->n_cases; k++)
		if (strlen(o->cases[k].name) == len && strncmp(o->cases[k].name, name, len) == 0)
			return k;
	die("--ratio names an unknown case", name);
}

static void parse_ratio(struct options *o, const char *spec)
{
	const char *slash = strchr(spec, '/');

	if (slash == NULL || o->n_ratios == MAX_RATIOS)
		die("bad --ratio (A/B)", spec);
	o->ratios[o->n_ratios++] = (struct ratio){ find_case(o, spec, (size_t)(slash - spec)),
						   find_case(o, slash + 1, strlen(slash + 1)) };
}

/* Keeps a module loaded for the whole run (see the top of this file). */
static void pin(const char *module)
{
	if (dlopen(module, RTLD_NOW | RTLD_NODELETE) == NULL)
		die("cannot pin", dlerror());
}

static void parse_args(struct options *o, int argc, char **argv)
{
	const char *ratios[MAX_RATIOS];
	int n_ratios = 0;

	*o = (struct options){ .rounds = 30, .warmup = 1, .count = 200 };
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (i + 1 >= argc)
			die("option without a value", arg);
		if (strcmp(arg, "--rounds") == 0)
			o->rounds = number(argv[++i], arg);
		else if (strcmp(arg, "--warmup") == 0)
			o->warmup = number(argv[++i], arg);
		else if (strcmp(arg, "--count") == 0)
			o->count = number(argv[++i], arg);
		else if (strcmp(arg, "--case") == 0)
			parse_case(o, argv[++i]);
		else if (strcmp(arg, "--pin") == 0)
			pin(argv[++i]);
		else if (strcmp(arg, "--ratio") == 0 && n_ratios == MAX_RATIOS)
			die("too many ratios", NULL);
		else if (strcmp(arg, "--ratio") == 0)
			ratios[n_ratios++] = argv[++i];
		else
			die("unknown option", arg);
	}
	if (o->n_cases == 0 || o->rounds == 0)
		die("usage: pam-driver [--rounds R] [--warmup W] [--count N] [--pin MODULE]... "
		    "--case SPEC... [--ratio A/B]...",
		    NULL);
	/* Ratios name cases, which may come after them on the command line. */
	for (int i = 0; i < n_ratios; i++)
		parse_ratio(o, ratios[i]);
}

static void allocate(struct options *o)
{
	for (int i = 0; i < o->n_cases; i++) {
		struct bench_case *c = &o->cases[i];
		if (c->count == 0)
			c->count = o->count;
		for (int k = 0; k < N_CLOCKS; k++) {
			c->per_round[k] = calloc(o->rounds, sizeof(double));
			c->samples[k] =
			    c->each ? calloc(o->rounds * c->count, sizeof(double)) : NULL;
			if (c->per_round[k] == NULL || (c->each && c->samples[k] == NULL))
				die("out of memory", NULL);
		}
	}
}

static void release(struct options *o)
{
	for (int k = 0; k < o->n_cases; k++) {
		for (int i = 0; i < N_CLOCKS; i++) {
			free(o->cases[k].per_round[i]);
			free(o->cases[k].samples[i]);
		}
	}
}

int main(int argc, char **argv)
{
	struct options o;
	unsigned long unexpected = 0;

	parse_args(&o, argc, argv);
	allocate(&o);
	run_rounds(&o);
	printf("pam-driver: %lu rounds (+%lu warm-up), cases interleaved round-robin\n", o.rounds,
	       o.warmup);
	print_cases(&o);
	print_ratios(&o);
	for (int k = 0; k < o.n_cases; k++)
		unexpected += o.cases[k].unexpected;
	release(&o);
	if (unexpected > 0) {
		fprintf(stderr, "pam-driver: %lu transactions did not end as expected\n",
			unexpected);
		return 1;
	}
	return 0;
}
