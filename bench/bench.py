#!/usr/bin/env python3
"""make bench: the performance figures of doc/performance.md on the embedded default.

Everything runs against the bundled Frontegg emulator, with real PAM stacks
under pam_wrapper + nss_wrapper (the hosts of tests/lib/pftest.py) and the
real frontegg-lockout; nothing outside temporary directories is touched.

  1. PAM transactions (tests/lib/pam-driver, interleaved rounds): a bare
     pam_permit stack, the same stack shape with pam_faillock (success and a
     failure below deny), pam_frontegg's success path with a fresh cloud
     cache, a failure below deny, and a lock transition; execs and network
     calls on the success path; callgrind instruction counts.
  2. hung cloud: an account check with a stale cache while Frontegg hangs.
  3. storm: 8 parallel clients x 1000 failures over 100 users.
  4. sync of 10,000 users with state.
  5. private memory (and peak RSS) of frontegg-lockout status, lock and sync.

Every target is printed with PASS or MISS. Exit status 0 when every figure
was measured (misses included), 1 when a measurement itself failed.
"""
import argparse
import concurrent.futures
import contextlib
import glob
import os
import platform
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import pftest  # noqa: E402
from emulator_client import Emulator  # noqa: E402
from pftest import PamHost  # noqa: E402

PAM_BENCH = pftest.DRIVER  # tests/lib/pam-driver, the tests' PAM driver
PEAK_RSS = os.path.join(pftest.BUILDDIR, "bench", "peak_rss")
SYSDIR = pftest.PAMENV.get("SYSTEM_PAM_MODULE_DIR", "")

# The workload (doc/performance.md, "One host").
E_PER_ROUND = 5          # lock transitions per round: each costs a real push
D_USERS = 100            # 200 failures a round over 100 users: 2 each, below deny=3
HUNG_SAMPLES = 7
TIMEOUT_S = 1.0          # the hosts' `timeout` for the hung-cloud figure
STORM_CLIENTS, STORM_FAILURES, STORM_USERS = 8, 1000, 100
SYNC_USERS = 10000
SEED_CLIENTS = 4
CALLGRIND_N = 50         # transactions of the short callgrind run (the long one: 2x)

# Targets.
SUCCESS_MAX, FAIL_MAX = 1.0, 1.1
HUNG_SLACK_MS = 50
RSS_MAX_KIB = 8 * 1024
FLOOR = "--version (floor)"  # the binary and its shared libraries, doing nothing


class BenchError(Exception):
    pass


# ---- output -----------------------------------------------------------------

_targets = []


def section(title):
    print("\n== %s" % title, flush=True)


def say(fmt, *args):
    print("   " + (fmt % args if args else fmt), flush=True)


def target(label, ok, detail):
    _targets.append((label, ok, detail))
    say("target: %s: %s (%s)", label, "PASS" if ok else "MISS", detail)


def check(label, ok, detail):
    """Not a target but a premise of the figures: the code did the right thing."""
    _targets.append(("check: " + label, ok, detail))
    say("check: %s: %s (%s)", label, "ok" if ok else "FAILED", detail)


def print_targets():
    section("targets")
    for label, ok, detail in _targets:
        word = ("ok" if ok else "FAIL") if label.startswith("check: ") else \
            ("PASS" if ok else "MISS")
        say("%-4s %s: %s", word, label, detail)


def machine():
    section("machine")
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cc = os.environ.get("BENCH_CC", "cc")
    try:
        version = subprocess.run(cc.split() + ["--version"], capture_output=True,
                                 text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        version = "unknown"
    say("cpu:      %s", model)
    say("cores:    %d online, %d usable by us", os.cpu_count() or 0,
        len(os.sched_getaffinity(0)))
    say("kernel:   %s %s", platform.system(), platform.release())
    say("compiler: %s (%s)", cc, version)
    say("CFLAGS:   %s", " ".join(os.environ.get("BENCH_CFLAGS", "?").split()))
    say("LDFLAGS:  %s", " ".join(os.environ.get("BENCH_LDFLAGS", "?").split()))
    say("state fs: %s", filesystem_of(tempfile.gettempdir()))
    say("load:     %s (1, 5, 15 min) at start", " ".join("%.2f" % x for x in os.getloadavg()))


def tmpfs_dir():
    """/dev/shm when it is a tmpfs: the failure stacks there show the cost
    without the disk's flushes (for the analysis of a miss)."""
    return "/dev/shm" if filesystem_of("/dev/shm").startswith("tmpfs ") else None


def filesystem_of(path):
    p = subprocess.run(["df", "-PT", path], capture_output=True, text=True)
    lines = p.stdout.splitlines()
    return "%s (%s)" % (lines[1].split()[1], path) if len(lines) > 1 else "unknown"


# ---- hosts ------------------------------------------------------------------

def names(prefix, count, first=0):
    return ["%s%d" % (prefix, i) for i in range(first, first + count)]


def stack(*lines):
    return "".join("%-8s %-14s %s\n" % line for line in lines)


class BenchHost(PamHost):
    """A pftest host with the benchmark's stacks beside its good/bad ones.
    With a tmpfs, the failure stacks also come in a variant whose state
    (pam_frontegg's state_dir, pam_faillock's dir) lives there."""

    def __init__(self, emu, users, name, tmpfs=None, **settings):
        super().__init__(emu, users, name=name, **settings)
        self.faillock_dir = os.path.join(self.dir, "faillock")
        os.makedirs(self.faillock_dir, mode=0o700)
        self.faillock_conf = os.path.join(self.dir, "faillock.conf")
        pftest.write(self.faillock_conf, "# defaults: deny = 3\n")
        self.counter_log = os.path.join(self.dir, "helper-calls.log")
        self.counter = os.path.join(self.dir, "counting-helper")
        pftest.write(self.counter, "#!/bin/sh\necho \"$*\" >>%s\nexec %s \"$@\"\n"
                     % (self.counter_log, pftest.HELPER), 0o755)
        self.tmpfs_dir = tempfile.mkdtemp(prefix="pf-bench-", dir=tmpfs) if tmpfs else None
        self.write_bench_services()

    def cleanup(self):
        super().cleanup()
        if self.tmpfs_dir:
            shutil.rmtree(self.tmpfs_dir, ignore_errors=True)

    def service(self, name, text):
        pftest.write(os.path.join(self.services, name), text)

    def write_bench_services(self):
        permit = SYSDIR + "/pam_permit.so"
        # a: the shape of the stacks below, every module pam_permit.
        self.service("bench-permit", stack(
            ("auth", "required", permit), ("auth", "sufficient", permit),
            ("auth", "[default=die]", permit), ("auth", "sufficient", permit),
            ("account", "required", permit), ("account", "required", permit)))
        self.write_stacks("", self.faillock_dir, "")
        if self.tmpfs_dir:
            faillock = os.path.join(self.tmpfs_dir, "faillock")
            os.mkdir(faillock, 0o700)
            self.write_stacks("-tmpfs", faillock,
                              " state_dir=" + os.path.join(self.tmpfs_dir, "state"))
        self.service("bench-fe-acct", stack(("account", "required", self.module_args()),
                                            ("account", "required", permit)))

    def module_args(self, extra=""):
        return "%s conf=%s%s" % (pftest.MODULE, self.conf, extra)

    def write_stacks(self, suffix, faillock_dir, fe_extra):
        """bench-faillock-{ok,bad,reset} and bench-fe-{ok,bad,count,reset}, + suffix."""
        permit, deny = SYSDIR + "/pam_permit.so", SYSDIR + "/pam_deny.so"
        # nodelay: pam_faillock asks libpam for a 2 s delay after a failure
        # (pam_fail_delay), which would be timed as its cost; pam_frontegg asks none.
        fl = "%s/pam_faillock.so dir=%s conf=%s nodelay" % (SYSDIR, faillock_dir,
                                                            self.faillock_conf)
        for svc, pw in (("ok", permit), ("bad", deny)):
            self.service("bench-faillock-%s%s" % (svc, suffix), stack(
                ("auth", "required", fl + " preauth"), ("auth", "sufficient", pw),
                ("auth", "[default=die]", fl + " authfail"),
                ("auth", "sufficient", fl + " authsucc"),
                ("account", "required", fl), ("account", "required", permit)))
        self.service("bench-faillock-reset" + suffix,
                     stack(("auth", "required", fl + " authsucc")))
        mod = self.module_args(fe_extra)
        for svc, pw, m in (("ok", permit, mod), ("bad", deny, mod),
                           ("count", permit, mod + " helper=" + self.counter)):
            self.service("bench-fe-%s%s" % (svc, suffix), stack(
                ("auth", "required", m + " preauth"), ("auth", "sufficient", pw),
                ("auth", "[default=die]", m + " authfail"),
                ("auth", "sufficient", m + " authsucc"),
                ("account", "required", m), ("account", "required", permit)))
        self.service("bench-fe-reset" + suffix, stack(("auth", "required", mod + " authsucc")))

    def users_status(self):
        return {u["user"]: u for u in self.status()["users"]}


def put_emulator_users(emu, users):
    """The users' Frontegg identities (user_email = %u@example.com); name -> id."""
    stored = emu.put_users([{"email": "%s@example.com" % u} for u in users])
    return {s["email"].split("@")[0]: s["id"] for s in stored}


def refresh_all(host, users):
    """A fresh cloud cache for each user: `frontegg-lockout refresh USER`."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for p in pool.map(lambda u: host.run("refresh", u), users):
            if p.returncode != 0:
                raise BenchError("refresh failed: %s" % p.stderr.strip())


def helpers_running(conf):
    """frontegg-lockout processes (detached pushes) started with --conf conf."""
    return sum(1 for argv in pftest.helper_processes() if conf.encode() in argv)


def new_host(undo, emu, users, name, tmpfs=None, **settings):
    """A BenchHost removed (after its pushes finished) when undo closes."""
    host = BenchHost(emu, users, name, tmpfs=tmpfs, **settings)
    undo.callback(retire, host)
    return host


def retire(host):
    try:
        wait_quiet(host)
    except AssertionError as e:
        print("make bench: %s; removing %s anyway" % (e, host.dir), file=sys.stderr)
    host.cleanup()


def start_emulator(undo):
    """An emulator in its own temporary directory, stopped (and removed) when undo closes."""
    emu = Emulator.start()
    undo.callback(emu.stop)
    return emu


def wait_quiet(host, timeout=120.0):
    """Every detached push of host finished and its outbox empty."""
    outbox = os.path.join(host.state_dir, "outbox")
    pftest.wait_for(lambda: helpers_running(host.conf) == 0 and not os.listdir(outbox),
                    timeout=timeout, what="the detached pushes of %s" % host.dir)


# ---- pam_bench ----------------------------------------------------------------

def pam_bench(host, args, wrap=None, env=None):
    """Runs pam_bench ARGS (under the wrap command, e.g. valgrind) in env
    (the host's, by default); its output."""
    cmd = (wrap or []) + [PAM_BENCH] + args
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env or host.pam_env())
    try:
        out, err = p.communicate(timeout=3600)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        remove_wrapper_dirs(p.pid)
    if p.returncode != 0:
        raise BenchError("%s failed (%d):\n%s%s" % (" ".join(cmd[:3]), p.returncode, out, err))
    return out


def remove_wrapper_dirs(pid):
    """pam_wrapper makes /tmp/pam.X when a process loads it and removes it when
    that process exits; a process that execs instead (the valgrind launcher,
    which becomes the tool under the same pid) leaves it behind."""
    for d in glob.glob("/tmp/pam.?"):
        try:
            with open(os.path.join(d, "pid")) as f:
                owner = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if owner == pid:
            shutil.rmtree(d, ignore_errors=True)


CASE_RE = re.compile(r"^(\S+)\s+(\d+)" + r"\s+([\d.]+)" * 6 + r"\s+(\d+)$")
RATIO_RE = re.compile(r"^ratio (\S+)/(\S+) median ([\d.]+) q1 ([\d.]+) q3 ([\d.]+) "
                      r"cpu ([\d.]+)$")


def parse_bench(out):
    """pam_bench's table: {case: {median, q1, q3, min, max, cpu}} (us), and
    {"a/b": (median, q1, q3, cpu median)} of the per-round ratios."""
    cases, ratios = {}, {}
    for line in out.splitlines():
        m = CASE_RE.match(line)
        if m:
            cases[m.group(1)] = dict(zip(("median", "q1", "q3", "min", "max", "cpu"),
                                         map(float, m.groups()[2:8])))
        m = RATIO_RE.match(line)
        if m:
            ratios["%s/%s" % m.groups()[:2]] = tuple(map(float, m.groups()[2:]))
    return cases, ratios


def spec(**kw):
    """A pam_bench --case: settings, flags given as True."""
    return ",".join(k if v is True else "%s=%s" % (k, v) for k, v in kw.items())


def show(out):
    for line in out.rstrip().splitlines():
        say("  " + line)


def run_clients(commands, env, what):
    """Runs the commands in parallel; every one must succeed. None outlives us."""
    clients = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env) for cmd in commands]
    try:
        for c in clients:
            out, err = c.communicate(timeout=3600)
            if c.returncode != 0:
                raise BenchError("%s failed (%d): %s%s" % (what, c.returncode, out, err))
    finally:
        for c in clients:
            if c.poll() is None:
                c.kill()
                c.wait()


# ---- 1. PAM transactions --------------------------------------------------------

def main_cases(host):
    outbox = os.path.join(host.state_dir, "outbox")
    cases = [
        spec(name="a.permit", service="bench-permit", users="c", nusers=10),
        spec(name="b.faillock", service="bench-faillock-ok", users="c", nusers=10),
        spec(name="bf.faillock-fail", service="bench-faillock-bad", users="f",
             nusers=D_USERS, expect="fail", reset="bench-faillock-reset"),
        spec(name="c.success", service="bench-fe-ok", users="c", nusers=10),
        spec(name="d.fail<deny", service="bench-fe-bad", users="d", nusers=D_USERS,
             expect="fail", reset="bench-fe-reset"),
        spec(name="e.lock", service="bench-fe-bad", users="e", count=E_PER_ROUND, each=True,
             fresh=True, prime=2, expect="fail", drain=outbox),
    ]
    if host.tmpfs_dir:
        # The same failures with both modules' state on tmpfs: no flush costs.
        cases += [
            spec(name="bf.tmpfs", service="bench-faillock-bad-tmpfs", users="f",
                 nusers=D_USERS, expect="fail", reset="bench-faillock-reset-tmpfs"),
            spec(name="d.tmpfs", service="bench-fe-bad-tmpfs", users="d", nusers=D_USERS,
                 expect="fail", reset="bench-fe-reset-tmpfs"),
        ]
    return cases


RATIOS = ("c.success/b.faillock", "d.fail<deny/bf.faillock-fail", "d.fail<deny/b.faillock",
          "c.success/a.permit", "b.faillock/a.permit", "e.lock/d.fail<deny")


def transactions(undo, emu, opts):
    """The host every later phase shares; its timed runs when the pam phase is on."""
    rounds, count = opts.rounds, opts.count
    section("1. PAM transactions: %d rounds x %d per stack, interleaved" % (rounds, count))
    e_users = names("e", (rounds + 1) * E_PER_ROUND)
    users = (names("c", 10) + names("d", D_USERS) + names("f", D_USERS) + e_users +
             ["h0"] + names("r", HUNG_SAMPLES))
    real = real_nss_user()
    uids = {real: pwd.getpwnam(real).pw_uid} if real else {}
    host = new_host(undo, emu, users + list(uids), "bench", tmpfs=tmpfs_dir(),
                    cloud_cache_ttl=86400, timeout=TIMEOUT_S, uids=uids)
    ids = put_emulator_users(emu, names("c", 10) + names("d", D_USERS) + e_users +
                             names("r", HUNG_SAMPLES) + list(uids))
    refresh_all(host, names("c", 10) + names("d", D_USERS) + list(uids))
    say("set-up: %d users; c and d with a fresh cloud cache (refresh); deny = 3", len(users))
    if "pam" in opts.phases:
        timed_transactions(emu, host, ids, e_users, opts)
    return host


def timed_transactions(emu, host, ids, e_users, opts):
    rounds, count = opts.rounds, opts.count
    before = emu.counters()
    args = ["--rounds", str(rounds), "--count", str(count)]
    for c in main_cases(host):
        args += ["--case", c]
    for r in RATIOS + (("d.tmpfs/bf.tmpfs",) if host.tmpfs_dir else ()):
        args += ["--ratio", r]
    out = pam_bench(host, args)
    show(out)
    cases, ratios = parse_bench(out)
    wait_quiet(host)
    after = emu.counters()
    check_outcomes(host, ids, e_users, before, after)
    judge_transactions(cases, ratios)
    real_nss_transactions(host, rounds, count)
    first_transaction(host)
    count_execs(host, emu)
    if opts.callgrind:
        callgrind(host)


def check_outcomes(host, ids, e_users, before, after):
    """The stacks did what their names say: d never locked, e locked and pushed once."""
    st = host.users_status()
    d_locked = sum(st.get(u, {}).get("host_locked", False) for u in names("d", D_USERS))
    e_locked = sum(st.get(u, {}).get("host_locked", False) for u in e_users)
    e_pushes = sum(after["by_user"].get(ids[u], {}).get("lock", 0) -
                   before["by_user"].get(ids[u], {}).get("lock", 0) for u in e_users)
    f_left = sum(os.path.getsize(os.path.join(host.faillock_dir, u))
                 for u in names("f", D_USERS)
                 if os.path.exists(os.path.join(host.faillock_dir, u)))
    say("check: d users host-locked: %d of %d (0 expected)", d_locked, D_USERS)
    say("check: faillock tally bytes left after its resets: %d (0 expected)", f_left)
    say("check: e users host-locked: %d of %d; cloud lock calls for them: %d "
        "(one detached push per lock)", e_locked, len(e_users), e_pushes)
    if d_locked or f_left or e_locked != len(e_users) or e_pushes != len(e_users):
        raise BenchError("a stack did not behave as benchmarked")


def judge_ratio(label, ratios, key, limit):
    """PASS needs the wall-time and the CPU-time ratio within the limit: on a
    busy machine wall time alone can pass or miss by the neighbours' load."""
    wall, q1, q3, cpu = ratios[key]
    target(label, wall <= limit and cpu <= limit,
           "%s = %.3f wall (per-round IQR %.3f..%.3f), %.3f CPU" % (key, wall, q1, q3, cpu))


def judge_transactions(cases, ratios):
    for clock, what in (("median", "wall"), ("cpu", "CPU")):
        a, b, c = (cases[k][clock] for k in ("a.permit", "b.faillock", "c.success"))
        say("module cost above the bare stack (%s): pam_frontegg %.1f us, pam_faillock "
            "%.1f us (x%.2f)", what, c - a, b - a, (c - a) / (b - a) if b > a else float("nan"))
    judge_ratio("success path <= %.1fx pam_faillock" % SUCCESS_MAX, ratios,
                "c.success/b.faillock", SUCCESS_MAX)
    judge_ratio("failure below deny <= %.1fx pam_faillock's failure" % FAIL_MAX, ratios,
                "d.fail<deny/bf.faillock-fail", FAIL_MAX)
    judge_ratio("failure below deny <= %.1fx pam_faillock's success stack (d/b)"
                % FAIL_MAX, ratios, "d.fail<deny/b.faillock", FAIL_MAX)
    if "d.tmpfs/bf.tmpfs" in ratios:
        say("for the analysis: the same failures with both modules' state on tmpfs (no disk "
            "flushes): d/bf = %.3f wall, %.3f CPU", ratios["d.tmpfs/bf.tmpfs"][0],
            ratios["d.tmpfs/bf.tmpfs"][3])


REAL_NSS_USER = "nobody"  # an account every system's own passwd file has


def real_nss_user():
    """The account for the real-NSS figure, or None: the module, run by root,
    reads and writes its state in-process; any other runner would measure
    frontegg_chkstate's path or uid_wrapper's."""
    if not pftest.REALLY_ROOT:
        return None
    try:
        pwd.getpwnam(REAL_NSS_USER)
    except KeyError:
        return None
    return REAL_NSS_USER


def real_nss_transactions(host, rounds, count):
    """The success path of both stacks for an account of the system's own
    passwd file, through glibc's NSS instead of nss_wrapper. Judged like the
    loop above: the doc's bound holds with either."""
    user = real_nss_user()
    if user is None:
        say("real NSS: skipped (needs root and a '%s' account in the system's passwd)",
            REAL_NSS_USER)
        return
    env = host.pam_env()
    env["LD_PRELOAD"] = " ".join(lib for lib in env["LD_PRELOAD"].split()
                                 if lib != pftest.nss_wrapper_lib())
    for var in ("NSS_WRAPPER_PASSWD", "NSS_WRAPPER_GROUP"):
        env.pop(var, None)
    out = pam_bench(host, ["--rounds", str(rounds), "--count", str(count),
                           "--case", spec(name="b.faillock-nss", service="bench-faillock-ok",
                                          user=user),
                           "--case", spec(name="c.success-nss", service="bench-fe-ok",
                                          user=user),
                           "--ratio", "c.success-nss/b.faillock-nss"], env=env)
    say("real NSS (glibc, the system's passwd, user %s):", user)
    show(out)
    judge_ratio("success path <= %.1fx pam_faillock, real NSS" % SUCCESS_MAX,
                parse_bench(out)[1], "c.success-nss/b.faillock-nss", SUCCESS_MAX)


COLD_PROCESSES = 30
COLD_CASES = [("a.permit", "bench-permit"), ("b.faillock", "bench-faillock-ok"),
              ("c.success", "bench-fe-ok")]


def first_transaction(host):
    """The loop above runs many transactions in one process, where the module,
    linked -z nodelete, is mapped and relocated once while libpam reloads
    pam_faillock at every pam_start. su, sudo and an sshd session run one
    transaction per process and pay the load: this figure is that first
    transaction, in COLD_PROCESSES fresh processes per stack, interleaved.
    Not a target; printed so the loop's ratio is not read as more than it is."""
    times = {name: [] for name, _ in COLD_CASES}
    for i in range(COLD_PROCESSES):
        for name, service in COLD_CASES:
            case = spec(name=name, service=service, users="c", nusers=10, first=i % 10)
            out = pam_bench(host, ["--rounds", "1", "--warmup", "0", "--count", "1",
                                   "--case", case])
            times[name].append(parse_bench(out)[0][name]["median"])
    med = {name: sorted(t)[len(t) // 2] for name, t in times.items()}
    say("first transaction of a process (%d fresh processes per stack, median): "
        "pam_permit %.0f us, pam_faillock %.0f us, pam_frontegg %.0f us; "
        "pam_frontegg/pam_faillock %.3f", COLD_PROCESSES, med["a.permit"], med["b.faillock"],
        med["c.success"], med["c.success"] / med["b.faillock"])


def count_execs(host, emu):
    """Execs and network calls of 200 success-path transactions."""
    spec_c = spec(name="c.count", service="bench-fe-count", users="c", nusers=10)
    before = emu.counters()["total"]
    pam_bench(host, ["--rounds", "1", "--warmup", "0", "--count", "200", "--case", spec_c])
    helper_calls = 0
    if os.path.exists(host.counter_log):
        with open(host.counter_log) as f:
            helper_calls = len(f.readlines())
    execs, forks = strace_execs(host)
    network = emu.counters()["total"] - before
    say("success path: helper invocations %d in 200 transactions (logging helper path); "
        "execve %s and forks %s in 200 more (strace -f); Frontegg requests %d", helper_calls,
        "n/a" if execs is None else execs, "n/a" if forks is None else forks, network)
    zero = helper_calls == 0 and not execs and not forks and network == 0
    target("success path: zero execs, zero network calls", zero,
           "%d helper calls, %s execs, %s forks, %d requests"
           % (helper_calls, execs, forks, network))
    syscalls_per_login(host)


SYSCALL_CASES = [("a.permit", "bench-permit"), ("b.faillock", "bench-faillock-ok"),
                 ("c.success", "bench-fe-ok")]


def syscalls_per_login(host, n=100):
    """System calls per successful login of each stack (strace -f -c over n
    transactions, start-up included and divided out with the rest)."""
    if not shutil.which("strace"):
        say("syscalls per login: n/a (no strace)")
        return
    env = host.pam_env()
    preload = env.pop("LD_PRELOAD")
    counts = {}
    for name, service in SYSCALL_CASES:
        log = os.path.join(host.dir, "strace-c.log")
        wrap = ["strace", "-f", "-c", "-o", log, "-E", "LD_PRELOAD=" + preload]
        case = spec(name=name, service=service, users="c", nusers=10)
        p = subprocess.run(wrap + [PAM_BENCH, "--rounds", "1", "--warmup", "0", "--count",
                                   str(n), "--case", case], capture_output=True, text=True,
                           env=env)
        if p.returncode != 0:
            raise BenchError("strace -c run failed: %s" % p.stderr)
        with open(log) as f:
            total = [line.split() for line in f if line.rstrip().endswith("total")]
        counts[name] = int(total[-1][3]) / n if total else float("nan")
    say("syscalls per login (strace -f -c, %d transactions each): %s", n,
        ", ".join("%s %.1f" % (k, v) for k, v in counts.items()))
    a, b, c = (counts[k] for k, _ in SYSCALL_CASES)
    if b > a:
        say("  above the bare stack: pam_frontegg %.1f, pam_faillock %.1f", c - a, b - a)


def strace_execs(host):
    """(execve calls after our own, process creations) of 200 success-path
    transactions under strace -f, or (None, None) without strace."""
    if not shutil.which("strace"):
        return None, None
    log = os.path.join(host.dir, "strace.log")
    env = host.pam_env()
    preload = env.pop("LD_PRELOAD")
    # -E: only the traced program gets the wrappers preloaded, not strace.
    wrap = ["strace", "-f", "-qq", "-o", log, "-E", "LD_PRELOAD=" + preload,
            "-e", "trace=execve,execveat,fork,vfork,clone,clone3"]
    spec_c = spec(name="c.strace", service="bench-fe-ok", users="c", nusers=10)
    p = subprocess.run(wrap + [PAM_BENCH, "--rounds", "1", "--warmup", "0", "--count", "200",
                               "--case", spec_c], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise BenchError("strace run failed: %s" % p.stderr)
    with open(log) as f:
        calls = [line for line in f if "resumed>" not in line]
    execs = sum(1 for line in calls if re.search(r"\bexecve(at)?\(", line)) - 1
    forks = sum(1 for line in calls if re.search(r"\b(v?fork|clone3?)\(", line))
    return execs, forks


# ---- callgrind -------------------------------------------------------------------

CALLGRIND_CASES = [
    ("a.permit", dict(service="bench-permit", users="c", nusers=10), None),
    ("b.faillock", dict(service="bench-faillock-ok", users="c", nusers=10), None),
    ("bf.faillock-fail", dict(service="bench-faillock-bad", users="f", nusers=D_USERS,
                              expect="fail"), "bench-faillock-reset"),
    ("c.success", dict(service="bench-fe-ok", users="c", nusers=10), None),
    ("d.fail<deny", dict(service="bench-fe-bad", users="d", nusers=D_USERS, expect="fail"),
     "bench-fe-reset"),
]


def callgrind_ir(host, name, settings, n):
    out = os.path.join(host.dir, "callgrind.out")
    wrap = ["valgrind", "--tool=callgrind", "-q", "--callgrind-out-file=" + out]
    pam_bench(host, ["--rounds", "1", "--warmup", "0", "--count", str(n),
                     "--case", spec(name=name, **settings)], wrap=wrap)
    with open(out) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise BenchError("no totals in %s" % out)


def reset_tallies(host, service, prefix, nusers):
    """Untimed: one authsucc per user clears what the callgrind run recorded."""
    pam_bench(host, ["--rounds", "1", "--warmup", "0", "--count", str(nusers), "--case",
                     spec(name="reset", service=service, users=prefix, nusers=nusers,
                          auth=True)])


def callgrind(host):
    """Instructions per transaction: the difference of a 2N and an N run, so
    start-up (pam_wrapper, the first dlopen) cancels out. Deterministic, but
    user space only: fsync and other kernel work is not counted."""
    if not shutil.which("valgrind"):
        say("callgrind: valgrind not installed, skipped")
        return
    say("callgrind (user-space instructions per transaction, deterministic; "
        "(Ir(%d) - Ir(%d)) / %d):", 2 * CALLGRIND_N, CALLGRIND_N, CALLGRIND_N)
    ir = {}
    for name, settings, reset in CALLGRIND_CASES:
        runs = []
        for n in (CALLGRIND_N, 2 * CALLGRIND_N):
            runs.append(callgrind_ir(host, name, settings, n))
            if reset:
                reset_tallies(host, reset, settings["users"], settings["nusers"])
        ir[name] = (runs[1] - runs[0]) / CALLGRIND_N
        say("  %-18s %10.0f Ir/transaction", name, ir[name])
    say("  ratio c/b %.3f, d/bf %.3f, d/b %.3f (instructions)",
        ir["c.success"] / ir["b.faillock"], ir["d.fail<deny"] / ir["bf.faillock-fail"],
        ir["d.fail<deny"] / ir["b.faillock"])


# ---- 2. hung cloud -----------------------------------------------------------------

def hung_cloud(emu, host):
    section("2. hung cloud: account check with a stale cache, timeout = %.1f s" % TIMEOUT_S)
    fresh = spec(name="acct.fresh", service="bench-fe-acct", users="c", nusers=10, count=1,
                 each=True, acct=True)
    hung = spec(name="acct.hung", service="bench-fe-acct", users="h", count=1, each=True,
                acct=True)
    emu.add_fault("hang", count=-1)
    try:
        out = pam_bench(host, ["--rounds", str(HUNG_SAMPLES), "--warmup", "0",
                               "--case", fresh, "--case", hung])
    finally:
        emu.clear_faults()
    show(out)
    cases, _ = parse_bench(out)
    base, h = cases["acct.fresh"]["median"], cases["acct.hung"]
    added_med, added_max = (h["median"] - base) / 1e3, (h["max"] - base) / 1e3
    say("added latency: median %.1f ms, worst %.1f ms (timeout %.0f ms)", added_med,
        added_max, TIMEOUT_S * 1e3)
    refresh_healthy(emu, host)
    limit = TIMEOUT_S * 1e3 + HUNG_SLACK_MS
    target("hung cloud: added latency <= timeout + %d ms" % HUNG_SLACK_MS, added_max <= limit,
           "worst %.1f ms, median %.1f ms, limit %.0f ms" % (added_max, added_med, limit))


def refresh_healthy(emu, host):
    """For scale: the same stale check when Frontegg answers (a synchronous refresh)."""
    fresh = spec(name="acct.fresh", service="bench-fe-acct", users="c", nusers=10, count=1,
                 each=True, acct=True)
    stale = spec(name="acct.refresh", service="bench-fe-acct", users="r", count=1, each=True,
                 fresh=True, acct=True)
    out = pam_bench(host, ["--rounds", str(HUNG_SAMPLES), "--warmup", "0",
                           "--case", fresh, "--case", stale])
    cases, _ = parse_bench(out)
    r = cases["acct.refresh"]
    say("for scale, stale cache with Frontegg answering (helper + HTTPS refresh): "
        "median %.1f ms, IQR %.1f..%.1f ms", r["median"] / 1e3, r["q1"] / 1e3, r["q3"] / 1e3)


# ---- 3. storm ----------------------------------------------------------------------

def storm(emu):
    section("3. storm: %d clients x %d failures over %d users, deny = 3"
            % (STORM_CLIENTS, STORM_FAILURES, STORM_USERS))
    users = names("s", STORM_USERS)
    with contextlib.ExitStack() as undo:
        host = new_host(undo, emu, users, "storm")
        ids = put_emulator_users(emu, users)
        emu.reset_counters()
        case = spec(name="storm", service="bench-fe-bad", users="s", nusers=STORM_USERS,
                    expect="fail")
        args = [PAM_BENCH, "--rounds", "1", "--warmup", "0", "--count", str(STORM_FAILURES),
                "--case", case]
        started = time.monotonic()
        run_clients([args] * STORM_CLIENTS, host.pam_env(), "a storm client")
        wall = time.monotonic() - started
        say("%d transactions in %.2f s: %.0f transactions/s", STORM_CLIENTS * STORM_FAILURES,
            wall, STORM_CLIENTS * STORM_FAILURES / wall)
        wait_quiet(host)
        say("all pushes delivered %.2f s after the start", time.monotonic() - started)
        judge_storm(emu.counters(), host.users_status(), ids)


def judge_storm(counters, status, ids):
    """API calls = one lock per locked user + at most one lookup per user + one
    token (doc/invariants.md, invariants 1 and 9), audit-trail entries apart.
    Judged on every call the emulator counted; the per-kind facts behind it
    are a check of their own."""
    req = counters["requests"]
    say("Frontegg requests: %s; total %d", ", ".join("%s %d" % kv for kv in sorted(req.items())),
        counters["total"])
    locked = [u for u in ids if status.get(u, {}).get("host_locked")]
    per_user_locks = [counters["by_user"].get(ids[u], {}).get("lock", 0) for u in ids]
    per_user_lookups = [counters["by_email"].get("%s@example.com" % u, {}).get("email_lookup", 0)
                        for u in ids]
    say("host-locked users %d of %d; lock calls per user: min %d max %d; e-mail lookups per "
        "user: max %d; get_user reads %d (a 2xx lock needs none)",
        len(locked), len(ids), min(per_user_locks), max(per_user_locks),
        max(per_user_lookups), req.get("get_user", 0))
    check("storm: exactly one lock per locked user, <= one e-mail lookup per user, one token",
          req["lock"] == len(locked) and all(n == 1 for n in per_user_locks) and
          max(per_user_lookups) <= 1 and req["token"] == 1,
          "%d locks for %d locked users, max %d e-mail lookup(s) per user, %d token(s)"
          % (req["lock"], len(locked), max(per_user_lookups), req["token"]))
    bound = len(locked) + len(ids) + 1
    audits = req.get("audit", 0)
    target("storm: API calls = one lock per locked user + <= one lookup per user + one token",
           req["lock"] == len(locked) and counters["total"] - audits <= bound,
           "%d calls (%d of them get_user), bound %d = %d locks + %d users + 1 token"
           % (counters["total"] - audits, req.get("get_user", 0), bound, len(locked), len(ids)))
    check("storm: one audit-trail entry per lock (cloud_audit), counted apart",
          audits == len(locked), "%d audit entries for %d locks" % (audits, len(locked)))


# ---- 4. sync of 10,000 users, 5. memory -----------------------------------------------

def peak_rss(host, *args):
    """(memory, wall seconds, exit status, stdout) of frontegg-lockout ARGS, memory
    being (peak private KiB, how it was read, peak RSS KiB): bench/peak_rss.c."""
    p = subprocess.run([PEAK_RSS, pftest.HELPER, "--conf", host.conf] + list(args),
                       capture_output=True, text=True, env={}, timeout=3600)
    m = re.search(r"peak_rss: maxrss_kib=(\d+) private_kib=(\d+) private_how=(\S+) "
                  r"wall_s=([\d.]+) exit=(\d+)", p.stderr)
    if not m:
        raise BenchError("peak_rss: %s" % p.stderr)
    mem = (int(m.group(2)), m.group(3), int(m.group(1)))
    return mem, float(m.group(4)), int(m.group(5)), p.stdout


def seed_state(host, users):
    """One real failure per user, by the module itself: the state a busy host has.
    Parallel clients over disjoint users, as the disk's flushes dominate."""
    chunk = (len(users) + SEED_CLIENTS - 1) // SEED_CLIENTS
    commands = []
    for k in range(SEED_CLIENTS):
        n = min(chunk, len(users) - k * chunk)
        case = spec(name="seed", service="bench-fe-bad", users="user", first=1 + k * chunk,
                    nusers=n, expect="fail")
        commands.append([PAM_BENCH, "--rounds", "1", "--warmup", "0", "--count", str(n),
                         "--case", case])
    run_clients(commands, host.pam_env(), "seeding the state")


def sync_10k(rss):
    section("4. sync of %d users with state" % SYNC_USERS)
    users = names("user", SYNC_USERS, first=1)
    with contextlib.ExitStack() as undo:
        emu = start_emulator(undo)  # its own: exactly the 10,000 users, in order
        host = new_host(undo, emu, users, "sync")
        emu.generate_users(SYNC_USERS)
        started = time.monotonic()
        seed_state(host, users)
        say("host state: one failure each for %d users through the module (bad stack, "
            "%d parallel clients) in %.1f s", SYNC_USERS, SEED_CLIENTS,
            time.monotonic() - started)
        emu.reset_counters()
        mem, wall, code, _ = peak_rss(host, "sync")
        req = emu.counters()["requests"]
        say("sync: exit %d, wall %.2f s, private memory %d KiB, peak RSS %d KiB",
            code, wall, mem[0], mem[2])
        say("Frontegg requests: %s", ", ".join("%s %d" % kv for kv in sorted(req.items())))
        judge_sync(emu, host, code, req, wall)
        rss["sync (%d users)" % SYNC_USERS] = mem
        rss["status (all %d users)" % SYNC_USERS] = peak_rss(host, "status")[0]


def judge_sync(emu, host, code, req, wall):
    """Demand-driven sync (doc/invariants.md, invariant 9): users with a
    failure but no lock, no outbox entry and no cached Frontegg lock cost no
    request at all; nothing is listed."""
    total = sum(req.values())
    st = host.status()["users"]
    if len(st) != SYNC_USERS:
        say("users with state: %d", len(st))
    check("sync exits 0 and leaves every record readable",
          code == 0 and all(u["state"] == "ok" for u in st),
          "exit %d; %d records" % (code, len(st)))
    target("sync of %d quiet users: 0 requests" % SYNC_USERS, code == 0 and total == 0,
           "%d requests (%d list), %.2f s, exit %d" % (total, req.get("list", 0), wall, code))


def helper_rss(host, rss):
    """status and lock of one user, and sync, on the main host."""
    rss[FLOOR] = peak_rss(host, "--version")[0]
    rss["status USER"] = peak_rss(host, "status", "c0")[0]
    mem, _, code, _ = peak_rss(host, "lock", "c1")
    if code != 0:
        raise BenchError("frontegg-lockout lock c1 failed")
    rss["lock USER"] = mem
    users = len(os.listdir(os.path.join(host.state_dir, "users")))
    rss["sync (%d users)" % users] = peak_rss(host, "sync")[0]


def memory(rss):
    """The bound is on private memory; peak RSS also counts the shared libraries'
    pages every process using them shares, and is printed beside it."""
    section("5. memory of frontegg-lockout: private (smaps_rollup Private_Clean + "
            "Private_Dirty, every 1 ms and at exit), peak RSS (ru_maxrss)")
    for what, (private, how, peak) in rss.items():
        say("%-24s private %6d KiB (%4.1f MiB), peak RSS %6d KiB (%4.1f MiB)%s", what,
            private, private / 1024, peak, peak / 1024,
            "" if how == "sampled+exit" else "; %s only" % how)
    verbs = {k: v for k, v in rss.items() if k != FLOOR}
    worst = max(verbs, key=lambda k: verbs[k][0])
    private, _, peak = verbs[worst]
    target("helper private memory <= 8 MiB", private <= RSS_MAX_KIB,
           "largest: %s %.1f MiB (peak RSS %.1f MiB); %d of %d verbs within" % (
               worst, private / 1024, peak / 1024,
               sum(v[0] <= RSS_MAX_KIB for v in verbs.values()), len(verbs)))


# ---- main -----------------------------------------------------------------------------

def preflight():
    if os.geteuid() != 0:
        raise BenchError("make bench runs as root: the state files must be root-owned")
    for path in (PAM_BENCH, PEAK_RSS, pftest.HELPER, pftest.MODULE):
        if not os.access(path, os.X_OK if path != pftest.MODULE else os.R_OK):
            raise BenchError("%s is not built" % path)
    if pftest.PAMENV.get("PF_SANITIZERS") == "yes":
        raise BenchError("this is a sanitizer build: benchmark a plain build")
    if not os.path.exists(pftest.PAMENV.get("PAM_WRAPPER_LIB", "")):
        raise BenchError("pam_wrapper not found by configure")
    if not os.path.exists(pftest.nss_wrapper_lib()):
        raise BenchError("nss_wrapper not installed")
    if not os.path.exists(os.path.join(SYSDIR, "pam_faillock.so")):
        raise BenchError("no pam_faillock.so in '%s'" % SYSDIR)


PHASES = ("pam", "hung", "storm", "sync", "rss")


def run(opts):
    started = time.monotonic()
    machine()
    rss = {}
    with contextlib.ExitStack() as undo:
        emu = start_emulator(undo)
        host = transactions(undo, emu, opts)
        if "hung" in opts.phases:
            hung_cloud(emu, host)
        if "storm" in opts.phases:
            storm(emu)
        if "rss" in opts.phases:
            helper_rss(host, rss)
    if "sync" in opts.phases:
        sync_10k(rss)
    if rss:
        memory(rss)
    load = " ".join("%.2f" % x for x in os.getloadavg())
    say("load at the end: %s; make bench took %.0f s", load, time.monotonic() - started)
    print_targets()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--phases", default=",".join(PHASES),
                    help="comma-separated subset of %s (default: all)" % ",".join(PHASES))
    ap.add_argument("--no-callgrind", dest="callgrind", action="store_false")
    opts = ap.parse_args()
    opts.phases = set(opts.phases.split(","))
    if not opts.phases <= set(PHASES):
        ap.error("--phases: choose from %s" % ",".join(PHASES))
    if not 0 < opts.count <= 2 * D_USERS or opts.rounds < 1:
        # More would give a d user a third failure in a round: a lock, not case d.
        ap.error("--count: 1..%d, --rounds: 1 or more" % (2 * D_USERS))
    try:
        preflight()
        run(opts)
    except BenchError as e:
        print("make bench: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
