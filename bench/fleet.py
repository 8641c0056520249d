#!/usr/bin/env python3
"""make bench-fleet: Frontegg requests per second for a whole fleet.

Drives the real module (PAM stacks under pam_wrapper + nss_wrapper, the
hosts of tests/lib/pftest.py) and the real frontegg-lockout (sync, the
detached push, the login refresh) on a sample of simulated hosts, each with
its own configuration and state directory, against the Frontegg emulator.
The emulator files every request under the phase the bench is in (its
counters by cause), so each event's cost is measured, per Frontegg route, on
the binaries of this build. A model, printed in full, scales those costs to
N hosts x U users x a login rate and a lock-event rate.

Time is the clock shim's (tests/pam/clock_shim.c): each host's clock is
moved forward between events, so a cache goes stale or a host lock expires
without anyone waiting for it.

Exit status: 0 when every figure was measured (targets missed included),
1 when a measurement failed, 77 when the PAM test set-up is missing.
"""
import argparse
import math
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
import pftest  # noqa: E402
from pftest import PamHost  # noqa: E402

TIMER = os.path.join(pftest.SRCDIR, "data", "systemd", "frontegg-lockout-sync.timer.in")
CAUSES = ("sync", "login", "lock push", "audit", "token")


class BenchError(Exception):
    pass


def say(fmt, *args):
    print("   " + (fmt % args if args else fmt), flush=True)


def section(title):
    print("\n== %s" % title, flush=True)


# ---- parameters -----------------------------------------------------------------

def timer_seconds(value):
    """systemd time span: '5min', '2min 30s', '90', '1h'."""
    units = {"": 1, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hr": 3600}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value):
        if unit not in units:
            raise BenchError("cannot read the time span %r in %s" % (value, TIMER))
        total += float(number) * units[unit]
    return total


def shipped_sync_interval():
    """The mean interval of the shipped sync timer: OnUnitActiveSec plus half
    of RandomizedDelaySec (the delay is uniform in [0, RandomizedDelaySec])."""
    keys = {}
    with open(TIMER) as f:
        for line in f:
            key, sep, value = line.partition("=")
            if sep:
                keys[key.strip()] = value.strip()
    return timer_seconds(keys.get("OnUnitActiveSec", "0")) + \
        timer_seconds(keys.get("RandomizedDelaySec", "0")) / 2


def parse_args(argv):
    p = argparse.ArgumentParser(description="Fleet load on Frontegg, measured on sample hosts "
                                            "and extrapolated by a printed model.")
    p.add_argument("--hosts", type=int, default=10000, help="fleet size N (10000)")
    p.add_argument("--users", type=int, default=1000,
                   help="users per host U, each logged in once on every sample host (1000)")
    p.add_argument("--env-users", type=int, default=10000,
                   help="users in the Frontegg environment, the hosts' users last (10000)")
    p.add_argument("--logins", type=float, default=10.0,
                   help="interactive logins per host per hour (10)")
    p.add_argument("--account-checks", type=float, default=0.0,
                   help="non-interactive account checks (cron, sudo) per host per hour (0)")
    p.add_argument("--lock-events", type=float, default=1.0,
                   help="lock events per minute, fleet-wide (1)")
    p.add_argument("--sample-hosts", type=int, default=5, help="simulated hosts (5)")
    p.add_argument("--sample-logins", type=int, default=10,
                   help="measured stale-cache logins per sample host (10)")
    p.add_argument("--sync-interval", type=float, default=None,
                   help="mean seconds between syncs (default: the shipped timer's)")
    p.add_argument("--cache-ttl", type=int, default=60, help="cloud_cache_ttl of the fleet (60)")
    p.add_argument("--sample-cache-ttl", type=int, default=3,
                   help="cloud_cache_ttl of the sample hosts: caches go stale after a real "
                        "wait this long (3)")
    p.add_argument("--unlock-time", type=int, default=600, help="unlock_time of the hosts (600)")
    p.add_argument("--deny", type=int, default=3, help="deny of the hosts (3)")
    p.add_argument("--cloud-lock-kept", type=int, default=28800,
                   help="seconds a pushed cloud lock stays after the host lock expired, when "
                        "the build leaves it to an administrator (28800)")
    p.add_argument("--token-ttl", type=int, default=86400,
                   help="expiresIn of the emulator's tokens, seconds (86400)")
    p.add_argument("--max-total", type=float, default=30.0, help="target, requests/s (30)")
    p.add_argument("--max-sync", type=float, default=1.0, help="target for sync, requests/s (1)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a pam_frontegg.conf setting for the sample hosts (repeatable), "
                        "e.g. --set cloud_unlock_on_expiry=yes")
    p.add_argument("--seed", type=int, default=1, help="random seed for the login sample (1)")
    args = p.parse_args(argv)
    args.settings = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            p.error("--set wants KEY=VALUE, not %r" % item)
        args.settings[key.strip()] = value.strip()
    args.interval_source = "--sync-interval"
    if args.sync_interval is None:
        args.sync_interval = shipped_sync_interval()
        args.interval_source = "the shipped timer: OnUnitActiveSec + RandomizedDelaySec / 2"
    if min(args.hosts, args.sample_hosts, args.sample_logins) < 1 or args.users < 3 \
            or args.env_users < args.users or args.sync_interval <= 0:
        # three users at least: a stale login, a non-interactive check and
        # the lock event each need a user whose cache nothing else refreshed
        p.error("counts must be positive, --users >= 3, --env-users >= --users, "
                "--sync-interval > 0")
    return args


# ---- measuring ----------------------------------------------------------------------

def route_cause(phase_cause, route):
    """Which cause a request belongs to: the token and audit routes are their
    own causes; a lock or unlock is a push whoever sends it; anything else
    belongs to the phase it was sent in."""
    if route in ("token", "audit"):
        return route
    if route in ("lock", "unlock"):
        return "lock push"
    return phase_cause


class Meter:
    """Labels every phase with a unique cause in the emulator's counters and
    reads back what that phase cost, per route."""

    def __init__(self, emu):
        self.emu = emu
        self.serial = 0

    def measure(self, fn):
        self.serial += 1
        label = "phase-%d" % self.serial
        self.emu.set_cause(label)
        try:
            fn()
        finally:
            self.emu.set_cause(None)
        return dict(self.emu.counters()["by_cause"].get(label, {}))


def by_cause(routes, phase_cause):
    out = dict.fromkeys(CAUSES, 0)
    for route, n in routes.items():
        out[route_cause(phase_cause, route)] += n
    return out


def add(into, routes, scale=1.0):
    for route, n in routes.items():
        into[route] = into.get(route, 0) + n * scale


def minus(a, b):
    keys = set(a) | set(b)
    return {k: a.get(k, 0) - b.get(k, 0) for k in keys if a.get(k, 0) - b.get(k, 0)}


def fmt_routes(routes):
    return ", ".join("%s %g" % (k, round(v, 3)) for k, v in sorted(routes.items()) if v) or "none"


class SampleHost(PamHost):
    """A PamHost for the bench.  Its module runs on the real clock (the
    helper it starts gets an empty environment, so no clock shim); only the
    sync that expires a host lock runs on the shim's clock, last."""

    def __init__(self, emu, users, name, args):
        settings = dict(cloud_cache_ttl=args.sample_cache_ttl, unlock_time=args.unlock_time,
                        deny=args.deny)
        settings.update(args.settings)
        super().__init__(emu, users, name=name, **settings)
        self.clock_file = os.path.join(self.dir, "clock")

    def helper(self, *args, ahead=None):
        """frontegg-lockout ARGS; with ahead, on a clock that many seconds ahead."""
        env = None
        if ahead is not None:
            pftest.write(self.clock_file, "%d\n" % int(time.time() + ahead))
            env = {"LD_PRELOAD": pftest.CLOCK_SHIM, "PF_FAKE_CLOCK_FILE": self.clock_file}
        p = self.run(*args, env=env)
        if p.returncode != 0:
            raise BenchError("frontegg-lockout %s exited %d: %s"
                             % (" ".join(args), p.returncode, p.stderr.strip()))
        return p

    def prime(self, users):
        """Every user logs in once (pam-driver: one process, one transaction each)."""
        spec = "name=prime,service=good,users=u,nusers=%d,count=%d,expect=any,notty" % (
            users, users)
        p = subprocess.run([pftest.DRIVER, "--rounds", "1", "--warmup", "0", "--case", spec],
                           capture_output=True, text=True, env=self.pam_env(), timeout=3600)
        if p.returncode != 0:
            raise BenchError("pam-driver failed (%d): %s%s" % (p.returncode, p.stdout, p.stderr))

    def account_only(self, user):
        """A non-interactive account check (cron, sudo's common-account): no
        tty, no remote host."""
        cmd = ["pamtester", "good", user, "acct_mgmt"]
        return subprocess.run(cmd, input="", capture_output=True, text=True,
                              env=self.pam_env(), timeout=60).returncode == 0

    def wait_quiet(self, timeout=60.0):
        """Every detached push of this host finished and its outbox is empty."""
        outbox = os.path.join(self.state_dir, "outbox")

        def quiet():
            busy = any(self.conf.encode() in argv for argv in pftest.helper_processes())
            return not busy and (not os.path.isdir(outbox) or not os.listdir(outbox))
        pftest.wait_for(quiet, timeout=timeout, what="the detached pushes of %s" % self.dir)


def settle(meter, host, args, results):
    """Every user logs in once, then two syncs: the second is the steady state."""
    results["prime"].append(meter.measure(lambda: host.prime(args.users)))
    results["first sync"].append(meter.measure(lambda: host.helper("sync")))
    host.steady = meter.measure(lambda: host.helper("sync"))
    results["steady sync"].append(host.steady)


def logins(meter, host, args, rng, results):
    """Interactive logins of users whose cache went stale, one of them again
    at once (a fresh cache), and a non-interactive account check."""
    picked = rng.sample(range(args.users), min(args.sample_logins + 2, args.users))
    stale, spare = picked[:-2] or picked[:1], picked[-2:]
    for n in stale:
        results["stale login"].append(meter.measure(lambda: check_login(host, "u%d" % n)))
    results["fresh login"].append(meter.measure(lambda: check_login(host, "u%d" % stale[-1])))
    results["non-interactive"].append(meter.measure(lambda: host.account_only("u%d" % spare[0])))
    host.victim = "u%d" % spare[-1]


def lock_event(meter, host, args, results):
    """deny wrong passwords, the detached push; a sync during the lock; the
    sync (on a clock unlock_time ahead) that finds it expired; one after."""
    def fail():
        for _ in range(args.deny):
            host.login(host.victim, password_ok=False)
        host.wait_quiet()
    results["lock event"].append(meter.measure(fail))
    results["sync while locked +"].append(minus(meter.measure(lambda: host.helper("sync")), host.steady))
    ahead = args.unlock_time + 1

    def expire():
        host.helper("sync", ahead=ahead)
        host.wait_quiet()
    results["sync at expiry +"].append(minus(meter.measure(expire), host.steady))
    results["sync after expiry +"].append(
        minus(meter.measure(lambda: host.helper("sync", ahead=ahead + 1)), host.steady))


def check_login(host, user):
    if not host.login(user):
        raise BenchError("%s was refused on %s" % (user, host.dir))


def mean_routes(samples):
    out = {}
    for s in samples:
        add(out, s, 1.0 / len(samples))
    return out


# ---- the model -------------------------------------------------------------------------

def model(args, m):
    """Requests per second by cause, from the measured per-event routes m."""
    n, i = args.hosts, args.sync_interval
    logins_s = n * args.logins / 3600.0
    locks_s = args.lock_events / 60.0
    per_user_rate = args.logins / 3600.0 / args.users
    p_stale = math.exp(-per_user_rate * args.cache_ttl)   # no login of that user on that host within the TTL
    locked_syncs = math.ceil(args.unlock_time / i)
    rate = dict.fromkeys(CAUSES, 0.0)
    lines = []

    def term(label, routes, phase_cause, per_s, formula):
        split = by_cause(routes, phase_cause)
        for cause, k in split.items():
            rate[cause] += k * per_s
        lines.append((label, formula, per_s, split))

    term("steady sync", m["steady sync"], "sync", n / i, "N / interval = %d / %.0f s" % (n, i))
    term("stale interactive login", m["stale login"], "login", logins_s * p_stale,
         "N x logins/h / 3600 x P(stale) = %d x %g / 3600 x %.4f" % (n, args.logins, p_stale))
    term("non-interactive check", m["non-interactive"], "login", n * args.account_checks / 3600.0,
         "N x checks/h / 3600 = %d x %g / 3600 (all stale)" % (n, args.account_checks))
    term("lock event (failures + push)", m["lock event"], "lock push", locks_s,
         "lock events/min / 60 = %g / 60" % args.lock_events)
    term("sync while locked (extra)", m["sync while locked +"], "sync", locks_s * locked_syncs,
         "lock events/s x ceil(unlock_time / interval) = %.4f x %d" % (locks_s, locked_syncs))
    term("sync at expiry (extra)", m["sync at expiry +"], "sync", locks_s,
         "lock events/s = %.4f" % locks_s)
    kept_syncs = math.ceil(args.cloud_lock_kept / i)
    term("sync, cloud lock kept (extra)", m["sync after expiry +"], "sync", locks_s * kept_syncs,
         "lock events/s x ceil(cloud lock kept / interval) = %.4f x %d" % (locks_s, kept_syncs))
    renewals = n / (0.8 * args.token_ttl)
    rate["token"] += renewals
    lines.append(("token renewal", "N / (0.8 x token expiresIn) = %d / (0.8 x %d s)"
                  % (n, args.token_ttl), renewals, {"token": 1}))
    return rate, lines


def print_model(args, lines, extra_tokens):
    section("model: N = %d hosts x U = %d users, %g interactive logins per host per hour, "
            "%g lock event(s) per minute fleet-wide" % (args.hosts, args.users, args.logins,
                                                       args.lock_events))
    say("sync interval %.0f s (%s),", args.sync_interval, args.interval_source)
    say("cloud_cache_ttl %d s (sample hosts %d s: a stale login costs the same), unlock_time "
        "%d s, deny %d, token expiresIn %d s", args.cache_ttl, args.sample_cache_ttl,
        args.unlock_time, args.deny, args.token_ttl)
    say("Other settings: %s. A cloud lock the host pushed and did not lift",
        ", ".join("%s = %s" % kv for kv in sorted(args.settings.items()))
        or "this build's defaults")
    say("  at expiry is assumed lifted by an administrator %d s later (--cloud-lock-kept); only",
        args.cloud_lock_kept)
    say("  the locking host is assumed to read the locked user (no other host tried to log it in).")
    say("Every per-event cost below was measured in this run; requests are filed by route:")
    say("  token -> token, audit -> audit, lock/unlock -> lock push, any other -> the event's cause.")
    say("P(stale) = exp(-(logins/h / 3600 / U) x cloud_cache_ttl): the chance that the same user")
    say("  did not log in on the same host within the TTL (every stale login is an upper bound:")
    say("  a sync that refreshed the cache would make some logins cheaper).")
    say("Token renewal: each host keeps one token and renews it at 80 % of expiresIn; the events")
    say("  above fetched %s token(s) beyond the one each host fetched at its first request.",
        "%g" % extra_tokens)
    print()
    say("%-30s %-62s %10s  %s", "event", "events per second", "events/s", "requests per event")
    for label, formula, per_s, split in lines:
        say("%-30s %-62s %10.4f  %s", label, formula, per_s,
            ", ".join("%s %g" % (c, round(k, 3)) for c, k in split.items() if k) or "0")


def print_verdict(args, rate, steady_counts):
    section("Frontegg requests per second, fleet-wide")
    for cause in CAUSES:
        say("%-10s %10.3f", cause, rate[cause])
    total = sum(rate.values())
    say("%-10s %10.3f", "total", total)
    section("targets")
    worst = max(steady_counts)
    verdicts = [
        ("total <= %g requests/s" % args.max_total, total <= args.max_total, "%.3f" % total),
        ("sync <= %g request/s" % args.max_sync, rate["sync"] <= args.max_sync,
         "%.3f" % rate["sync"]),
        ("single-host steady-state sync sends 0 requests", worst == 0,
         "measured %s on %d hosts" % (", ".join(str(c) for c in steady_counts),
                                      len(steady_counts))),
    ]
    for label, ok, detail in verdicts:
        say("%-4s %s: %s", "PASS" if ok else "MISS", label, detail)


# ---- main ---------------------------------------------------------------------------

def require_setup():
    if os.geteuid() != 0:
        return "needs root (the state directories must be root-owned)"
    if pftest.PAMENV.get("HAVE_PAMTEST") != "yes" or not os.path.exists(pftest.nss_wrapper_lib()):
        return "needs pam_wrapper and nss_wrapper (configure found none)"
    for path in (pftest.HELPER, pftest.MODULE, pftest.DRIVER, pftest.CLOCK_SHIM):
        if not os.path.exists(path):
            return "%s is not built" % path
    return None


def seed_environment(emu, args):
    """The environment: env-users - U others first, then the hosts' users
    u0..u(U-1)@example.com (the same staff on every host)."""
    others = args.env_users - args.users
    if others:
        emu.generate_users(others, "other{n}@example.com")
    emu.generate_users(args.users, "u{n}@example.com", start=0)


def run(args):
    results = {k: [] for k in ("prime", "first sync", "steady sync", "stale login", "fresh login",
                               "non-interactive", "lock event", "sync while locked +", "sync at expiry +",
                               "sync after expiry +")}
    emu = pftest.Emulator.start(token_ttl=args.token_ttl)   # its own temporary directory
    hosts = []
    try:
        seed_environment(emu, args)
        meter = Meter(emu)
        rng = random.Random(args.seed)
        users = ["u%d" % n for n in range(args.users)]
        started = time.monotonic()
        for k in range(args.sample_hosts):
            hosts.append(SampleHost(emu, users, "fleet%d" % k, args))
            settle(meter, hosts[-1], args, results)
        say("%d hosts settled (%d logins each, two syncs) in %.1f s", len(hosts), args.users,
            time.monotonic() - started)
        # A real wait, so that every cache the syncs refreshed is stale.
        time.sleep(args.sample_cache_ttl + 1)
        for host in hosts:
            logins(meter, host, args, rng, results)
            lock_event(meter, host, args, results)
        say("logins and lock events measured in %.1f s", time.monotonic() - started)
        tokens = emu.counters()["requests"]["token"]
    finally:
        for host in hosts:
            host.cleanup()
        emu.stop()
    return results, tokens


def report_events(results):
    section("measured per event: mean requests by Frontegg route (+: beyond a steady sync)")
    for name, samples in results.items():
        say("%-22s %-5s %s", name, "x%d" % len(samples), fmt_routes(mean_routes(samples)))


def main(argv=None):
    args = parse_args(argv)
    missing = require_setup()
    if missing:
        print("make bench-fleet: %s" % missing, file=sys.stderr)
        return 77
    section("sample: %d hosts x %d users against the Frontegg emulator (%d environment users)"
            % (args.sample_hosts, args.users, args.env_users))
    try:
        results, tokens = run(args)
    except (BenchError, AssertionError, OSError, subprocess.SubprocessError) as e:
        print("make bench-fleet: measurement failed: %s" % e, file=sys.stderr)
        return 1
    report_events(results)
    measured = {k: mean_routes(v) for k, v in results.items()}
    rate, lines = model(args, measured)
    print_model(args, lines, tokens - args.sample_hosts)
    steady_counts = [sum(s.values()) for s in results["steady sync"]]
    print_verdict(args, rate, steady_counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
