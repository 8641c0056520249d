#!/usr/bin/env python3
"""Host and cloud in step (doc/invariants.md): two simulated hosts — two state
directories and configs, real PAM stacks under pam_wrapper — and one
Frontegg emulator prove the invariants, each as its own test."""
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pftest  # noqa: E402
from pftest import PamHost, eq, test, wait_for  # noqa: E402

USERS = ["u%02d" % i for i in range(60)]
_next = iter(USERS)


def fresh_user(ctx):
    """A user nobody has touched yet, known to both hosts and to Frontegg."""
    name = next(_next)
    u = ctx["emu"].add_user("%s@example.com" % name)
    return name, u["id"]


def cloud_locked(ctx, uid):
    return ctx["emu"].user(uid)["isLocked"]


def lock_calls(ctx, uid):
    return ctx["emu"].counters()["by_user"].get(uid, {}).get("lock", 0)


def lock_on(ctx, host, name, uid):
    """deny wrong passwords on host, then the detached push reaches Frontegg."""
    for _ in range(3):
        assert not host.login(name, password_ok=False)
    wait_for(lambda: cloud_locked(ctx, uid), what="the detached push of %s" % name)
    wait_for(lambda: host.user_status(name)["outbox"] is None, what="the outbox to empty")


def lock_on_a(ctx, name, uid):
    lock_on(ctx, ctx["a"], name, uid)


@test
def inv1_host_lock_locks_frontegg_once_and_every_host_refuses(ctx):
    a, b = ctx["a"], ctx["b"]
    name, uid = fresh_user(ctx)
    assert a.login(name)
    lock_on_a(ctx, name, uid)
    eq(lock_calls(ctx, uid), 1, "cloud lock calls")
    assert not a.login(name), "A lets a locked user in"
    # B never saw a failure; its cached cloud state is stale: it refreshes.
    assert not b.key_login(name), "B lets the user in by SSH key"
    assert not b.login(name), "B lets the user in by password"
    for _ in range(5):
        a.login(name, password_ok=False)
    a.run("sync", check=0)
    eq(lock_calls(ctx, uid), 1, "cloud lock calls after more failures and a sync")


@test
def inv1_user_who_never_failed_on_b_is_refused_at_account(ctx):
    b = ctx["b"]
    name, uid = fresh_user(ctx)
    lock_on_a(ctx, name, uid)
    eq(b.status()["users"], [u for u in b.status()["users"] if u["user"] != name])
    assert not b.key_login(name)
    eq(b.user_status(name)["cloud"], "locked")


@test
def inv2_frontegg_own_lock_is_refused_everywhere_and_never_undone(ctx):
    a, b, emu = ctx["a"], ctx["b"], ctx["emu"]
    name, uid = fresh_user(ctx)
    emu.admin_lock(uid)  # e.g. Frontegg's own lockout policy
    assert not a.key_login(name) and not b.login(name)
    a.run("sync", check=0)
    b.run("sync", check=0)
    assert cloud_locked(ctx, uid), "a host undid a lock it did not make"
    eq(emu.counters()["by_user"].get(uid, {}).get("unlock", 0), 0)
    emu.admin_unlock(uid)
    a.run("sync", check=0)
    b.run("sync", check=0)
    assert a.login(name) and b.key_login(name), "not let in after the refresh"


@test
def inv3_unlock_in_frontegg_clears_the_host_that_pushed(ctx):
    a, b, emu = ctx["a"], ctx["b"], ctx["emu"]
    name, uid = fresh_user(ctx)
    lock_on_a(ctx, name, uid)
    assert a.user_status(name)["host_locked"]
    emu.admin_unlock(uid)  # the administrator, in the Frontegg portal
    a.run("sync", check=0)
    eq(a.user_status(name)["host_locked"], False)
    eq(a.user_status(name)["failures"], 0)
    b.run("sync", check=0)
    assert a.login(name) and b.login(name)


@test
def inv4_unlock_on_a_host_unlocks_frontegg(ctx):
    a, b = ctx["a"], ctx["b"]
    name, uid = fresh_user(ctx)
    lock_on_a(ctx, name, uid)
    a.run("unlock", name, check=0)
    assert not cloud_locked(ctx, uid)
    b.run("sync", check=0)
    assert a.login(name) and b.login(name)


def lock_and_expire(ctx, host, name, uid):
    """Locks name on host (pushed to Frontegg); returns a clock file 61 s later."""
    for _ in range(3):
        host.login(name, password_ok=False)
    wait_for(lambda: cloud_locked(ctx, uid), what="the push")
    wait_for(lambda: host.user_status(name)["outbox"] is None, what="the outbox to empty")
    clock = os.path.join(host.dir, "clock")
    pftest.write(clock, "%d\n" % (int(time.time()) + 61))
    return clock


@test
def inv5_expiry_lifts_the_pushed_cloud_lock_within_one_timeout(ctx):
    a, b = ctx["a"], ctx["b"]
    h = PamHost(ctx["emu"], USERS, name="expiry-default", unlock_time=60, timeout=3)
    try:
        name, uid = fresh_user(ctx)
        clock = lock_and_expire(ctx, h, name, uid)
        assert not b.key_login(name), "B lets in a user locked in Frontegg"
        # The host notices the expiry at the next login (an SSH key: account only).
        assert h.key_login(name, fake_clock=clock), "the expired lock still refuses"
        noticed = time.monotonic()
        wait_for(lambda: not cloud_locked(ctx, uid), timeout=3.0,
                 what="the cloud unlock within one timeout (3 s)")
        print("# cloud unlocked %.2f s after the login that noticed the expiry"
              % (time.monotonic() - noticed))
        eq(ctx["emu"].counters()["by_user"].get(uid, {}).get("unlock", 0), 1)
        wait_for(lambda: h.user_status(name)["outbox"] is None, what="the outbox to empty")
        b.run("sync", check=0)
        assert b.login(name) and a.login(name), "still refused after the expiry"
    finally:
        h.cleanup()


@test
def inv5_cloud_unlock_on_expiry_no_keeps_the_cloud_lock(ctx):
    h = PamHost(ctx["emu"], USERS, name="expiry-off", unlock_time=60,
                cloud_unlock_on_expiry="no")
    try:
        name, uid = fresh_user(ctx)
        clock = lock_and_expire(ctx, h, name, uid)
        env = {"LD_PRELOAD": pftest.CLOCK_SHIM, "PF_FAKE_CLOCK_FILE": clock,
               "ASAN_OPTIONS": "verify_asan_link_order=0"}
        h.key_login(name, fake_clock=clock)
        h.run("sync", env=env, check=0)
        eq(h.user_status(name)["host_locked"], False)
        eq(h.user_status(name)["outbox"], None)
        assert cloud_locked(ctx, uid), "cloud unlocked although cloud_unlock_on_expiry = no"
        eq(ctx["emu"].counters()["by_user"].get(uid, {}).get("unlock", 0), 0)
    finally:
        h.cleanup()


def metric(path, name):
    for line in open(path).read().splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    raise AssertionError("%s not in %s" % (name, path))


@test
def forensics_metrics_count_failures_locks_pushes_and_refusals(ctx):
    h = PamHost(ctx["emu"], USERS, name="counters")
    try:
        name, uid = fresh_user(ctx)
        for _ in range(3):
            assert not h.login(name, password_ok=False)
        wait_for(lambda: cloud_locked(ctx, uid), what="the push")
        assert not h.login(name) and not h.key_login(name)
        metrics = os.path.join(h.dir, "metrics.prom")
        h.run("sync", "--metrics-file", metrics, check=0)
        # An attempt made while locked may be settled as a failure too (invariant 15).
        assert metric(metrics, "pam_frontegg_failures_recorded_total") in (3, 4, 5)
        eq(metric(metrics, "pam_frontegg_host_locks_total"), 1)
        eq(metric(metrics, "pam_frontegg_cloud_locks_pushed_total"), 1)
        eq(metric(metrics, 'pam_frontegg_refusals_total{reason="host-locked"}'), 2)
        assert not h.login(name)
        h.run("sync", "--metrics-file", metrics, check=0)  # totals keep adding up
        eq(metric(metrics, 'pam_frontegg_refusals_total{reason="host-locked"}'), 3)
        eq(metric(metrics, "pam_frontegg_host_locks_total"), 1)
    finally:
        h.cleanup()


@test
def audit_only_mode_refuses_nobody_and_calls_no_lock_endpoint(ctx):
    h = PamHost(ctx["emu"], USERS, name="audit", enforce="no")
    try:
        name, uid = fresh_user(ctx)
        other, other_uid = fresh_user(ctx)
        ctx["emu"].admin_lock(other_uid)  # locked in the portal: would be refused
        for _ in range(5):
            assert not h.login(name, password_ok=False)
        assert h.login(name), "audit-only mode refused a would-be-locked user"
        assert h.key_login(name) and h.key_login(other) and h.login(other)
        h.run("sync", check=0)
        eq(lock_calls(ctx, uid), 0, "lock calls in audit-only mode")
        assert not cloud_locked(ctx, uid)
        st = h.user_status(name)
        eq((st["host_locked"], st["would_lock"], st["outbox"]), (False, True, None))
        assert "would lock: " in h.run("status", name, check=0).stdout
        metrics = os.path.join(h.dir, "metrics.prom")
        h.run("sync", "--metrics-file", metrics, check=0)
        assert "pam_frontegg_users_would_lock 1\n" in open(metrics).read()
    finally:
        h.cleanup()


@test
def inv6_offline_locks_locally_queues_and_converges_once(ctx):
    a, b, emu = ctx["a"], ctx["b"], ctx["emu"]
    name, uid = fresh_user(ctx)
    other, _ = fresh_user(ctx)
    emu.reset_counters()
    emu.outage(True)
    try:
        for _ in range(3):
            assert not a.login(name, password_ok=False)
        assert not a.login(name), "the host lock must work without the cloud"
        eq(a.user_status(name)["outbox"], "lock")
        # failmode=open: a stale cloud check that cannot be made lets in, within timeout
        started = time.monotonic()
        assert b.key_login(other)
        waited = time.monotonic() - started
        assert waited < float(b.settings["timeout"]) + 1.0, "login waited %.2fs" % waited
        # the detached push gives up within its budget while the cloud is down
        wait_for(lambda: pftest.pushes_running(name) == 0, what="the push to give up")
    finally:
        emu.outage(False)
    eq(emu.counters()["requests"]["lock"], 0)
    a.run("sync", check=0)
    assert cloud_locked(ctx, uid), "the queued lock was lost"
    eq(a.user_status(name)["outbox"], None)
    a.run("sync", check=0)
    eq(emu.counters()["requests"]["lock"], 1, "lock calls")


@test
def inv6_failmode_closed_refuses_when_the_cloud_cannot_answer(ctx):
    h = PamHost(ctx["emu"], USERS, name="closed", failmode="closed", timeout="0.5")
    try:
        name, _ = fresh_user(ctx)
        ctx["emu"].outage(True)
        try:
            assert not h.key_login(name)
        finally:
            ctx["emu"].outage(False)
        assert h.key_login(name)
    finally:
        h.cleanup()


@test
def inv6_hung_cloud_costs_at_most_timeout(ctx):
    h = PamHost(ctx["emu"], USERS, name="hung", timeout="1")
    try:
        name, _ = fresh_user(ctx)
        ctx["emu"].add_fault("hang", count=-1)
        try:
            started = time.monotonic()
            assert h.key_login(name)  # failmode=open
            waited = time.monotonic() - started
        finally:
            ctx["emu"].clear_faults()
        assert waited < 1.0 + 1.0, "account check took %.2fs with timeout=1" % waited
    finally:
        h.cleanup()


@test
def screen_locker_queues_through_the_real_setgid_checker(ctx):
    """A non-root application: the module runs the setgid frontegg_chkstate
    for everything; its lock waits in the outbox for the root sync."""
    emu = ctx["emu"]
    gid = pftest.helper_group_gid()
    h = PamHost(emu, ["nobody"], name="locker", uids={"nobody": 65534})
    try:
        h.set(chkstate=pftest.setgid_chkstate_beside(h, gid))
        pftest.share_state_dir(h, gid)
        u = emu.add_user("nobody@example.com")
        emu.reset_counters()
        for _ in range(3):
            p = h.pamtester("bad", "nobody", "authenticate", as_uid=65534)
            assert p.returncode != 0, p.stdout
        st = h.user_status("nobody")
        assert st["host_locked"], st
        eq(st["outbox"], "lock", "the non-root caller only queues")
        eq(emu.counters()["total"], 0, "requests to Frontegg from the non-root caller")
        p = h.pamtester("good", "nobody", "authenticate", as_uid=65534)
        assert p.returncode != 0, "a locked user got through the screen locker"
        h.run("sync", check=0)
        assert cloud_locked(ctx, u["id"])
    finally:
        h.cleanup()


@test
def screen_locker_abstains_when_the_config_is_private(ctx):
    """A 0600 configuration cannot be read by a user's application: the module
    abstains (PAM_IGNORE) instead of locking the user out of their screen."""
    h = PamHost(ctx["emu"], ["nobody"], name="private", uids={"nobody": 65534})
    try:
        h.write_conf(mode=0o600)
        assert h.pamtester("good", "nobody", "authenticate", as_uid=65534).returncode == 0
        assert h.pamtester("bad", "nobody", "authenticate", as_uid=65534).returncode != 0
        eq(h.status()["users"], [], "records written for an application that cannot read the config")
    finally:
        h.cleanup()


@test
def inv9_sync_of_300_users_asks_only_those_whose_state_could_change(ctx):
    """300 users with a record each: a sync asks Frontegg about nobody until a
    user's host state could change, then reads exactly those users, by id, and
    each answer lands on its own user. Nothing is listed."""
    emu = ctx["emu"]
    names = ["w%d" % i for i in range(300)]  # pam-driver names them so
    h = PamHost(emu, names, name="many")
    try:
        emu.put_users([{"email": "%s@example.com" % n, "isLocked": i % 7 == 0}
                       for i, n in enumerate(names)])
        ids = {n: emu.user_by_email("%s@example.com" % n)["id"] for n in names}
        d = pftest.drive(h, "bad", "w", 300, 300, expect="fail")  # a record each
        out, err = d.communicate(timeout=600)
        eq(d.returncode, 0, err)
        emu.reset_counters()
        h.run("sync", check=0)
        eq(emu.counters()["total"], 0, "requests of a steady-state sync")
        asked = [n for i, n in enumerate(names) if i % 7 == 0][:5]
        for n in asked:
            h.run("refresh", n, check=0)  # a login's account check: cached LOCKED
        emu.reset_counters()
        h.run("sync", check=0)
        c = emu.counters()["requests"]
        eq(c.get("get_user", 0), len(asked), "direct reads")
        eq(c.get("list", 0) + c.get("email_lookup", 0), 0, "listings and lookups")
        users = {u["user"]: u for u in h.status()["users"]}
        eq(len(users), 300)
        for n in asked:
            eq(users[n]["frontegg_id"], ids[n], "%s's Frontegg id" % n)
            eq(users[n]["cloud"], "locked", n)
    finally:
        h.cleanup()


@test
def inv9_quiet_host_sync_sends_zero_requests(ctx):
    """No host lock, no outbox entry, no cached LOCKED: not even a token."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="quiet")
    try:
        name, _ = fresh_user(ctx)
        assert not h.login(name, password_ok=False)
        assert h.key_login(name)  # the account check caches "unlocked"
        emu.reset_counters()
        for _ in range(3):
            h.run("sync", check=0)
        eq(emu.counters()["total"], 0, "requests of three quiet syncs")
    finally:
        h.cleanup()


@test
def inv3_user_missing_from_frontegg_never_clears_a_host_lock(ctx):
    """A 404 for a user this host locked is ambiguous: the host lock stays."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="gone")
    try:
        name, uid = fresh_user(ctx)
        lock_on(ctx, h, name, uid)
        emu.delete_user(uid)  # or left out of a listing page, or renamed
        emu.reset_counters()
        h.run("sync")
        eq(emu.counters()["requests"].get("list", 0), 0, "listing requests")
        eq(h.user_status(name)["host_locked"], True, "host lock after a 404")
        assert not h.login(name), "a locked user got in after a 404"
    finally:
        h.cleanup()


@test
def inv9_a_429_is_honoured_by_every_process_of_the_host(ctx):
    """One 429 costs one request: later refreshes (logins) take the failmode
    path at once and sync skips, until the reset time."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="ratelimited")
    try:
        name, uid = fresh_user(ctx)
        other, _ = fresh_user(ctx)
        third, _ = fresh_user(ctx)
        emu.admin_lock(uid)
        eq(h.run("refresh", name, check=0).stdout, "cloud-locked\n")
        emu.reset_counters()
        emu.add_fault("rate_limit", route="*", count=1, reset_in_s=30)
        eq(h.run("refresh", other).returncode, 6, "refresh answered 429")
        started = time.monotonic()
        eq(h.run("refresh", third).returncode, 6, "refresh of another user")
        assert time.monotonic() - started < 1.0, "a login waited for a known rate limit"
        eq(h.run("sync").returncode, 6, "sync during the rate limit")
        eq(emu.counters()["total"], 1, "requests after one 429")
        assert os.path.exists(os.path.join(h.state_dir, "ratelimit"))
        until = h.status()["rate_limited_until"]
        assert until is not None and time.time() + 20 < until < time.time() + 40, until
        assert not h.key_login(name), "a stale cached lock let the user in"
    finally:
        h.cleanup()


@test
def inv9_concurrent_refreshes_of_one_user_make_one_request(ctx):
    """Eight logins of one user at once, stale cache: one of them asks
    Frontegg, the others wait for its answer (single flight)."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="burst")
    try:
        name, uid = fresh_user(ctx)
        emu.admin_lock(uid)
        h.run("refresh", USERS[0], check=0)  # the token is cached: count only the reads
        emu.reset_counters()
        emu.add_fault("latency", route="*", delay_ms=300, count=-1)
        try:
            procs = [subprocess.Popen([pftest.HELPER, "--conf", h.conf, "refresh", name],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env={}) for _ in range(8)]
            outs = [p.communicate(timeout=60) for p in procs]
        finally:
            emu.clear_faults()
        for p, (out, err) in zip(procs, outs):
            eq((p.returncode, out), (0, "cloud-locked\n"), err)
        eq(emu.counters()["total"], 1, "requests for eight concurrent refreshes")
    finally:
        h.cleanup()


@test
def environment_id_is_sent_on_every_request(ctx):
    """Account-level credentials: environment_id reaches the token request
    and every call; without it the environment refuses them."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="env", environment_id="0f1e2d3c-env")
    try:
        name, _ = fresh_user(ctx)
        emu.set_modes(environment_id="0f1e2d3c-env")
        eq(h.run("refresh", name).returncode, 0, "refresh with environment_id")
        h.set(environment_id=None)
        for f in os.listdir(h.state_dir):
            if f.startswith("token"):
                os.unlink(os.path.join(h.state_dir, f))
        other, _ = fresh_user(ctx)
        eq(h.run("refresh", other).returncode, 6, "refresh without environment_id")
    finally:
        emu.reset_modes()
        h.cleanup()


def audits_for(emu, name):
    return [a for a in emu.audits() if a["body"].get("user") == name]


@test
def audit_trail_gets_every_lock_and_unlock_that_reaches_frontegg(ctx):
    """Each lock or unlock that reaches Frontegg adds one entry to the user's
    tenant audit trail; an audit outage never holds back the lock."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="audit")
    try:
        name, uid = fresh_user(ctx)
        tenant = emu.user(uid)["tenantId"]
        emu.add_fault("status", route="audit", status=503, count=-1)
        try:
            for _ in range(3):
                assert not h.login(name, password_ok=False, rhost="198.51.100.7")
            wait_for(lambda: cloud_locked(ctx, uid), what="the lock, despite the audit outage")
            wait_for(lambda: pftest.pushes_running(name) == 0, what="the push")
        finally:
            emu.clear_faults()
        eq(h.user_status(name)["outbox"], None, "the lock is no longer pending")
        eq(audits_for(emu, name), [], "audit entries during the outage")
        h.run("sync", check=0)  # the audit entry waited; now it goes out
        got = audits_for(emu, name)
        eq(len(got), 1, "audit entries after the sync")
        entry = got[0]
        eq(entry["tenant_id"], tenant, "frontegg-tenant-id")
        body = entry["body"]
        eq((body["severity"], body["action"], body["userId"]), ("High", "pam_frontegg.lock", uid))
        eq((body["service"], body["rhost"], body["failures"]), ("bad", "198.51.100.7", 3))
        assert body["host"] and body["actor"], body
        h.run("unlock", name, check=0)
        got = audits_for(emu, name)
        eq([a["body"]["severity"] for a in got], ["High", "Info"], "lock, then unlock")
        eq(got[0]["body"]["actor"], "pam_frontegg (failed logins)")
        assert "frontegg-lockout unlock" in got[1]["body"]["actor"], got[1]["body"]
        h.run("sync", check=0)
        eq(len(audits_for(emu, name)), 2, "audit entries sent twice")
    finally:
        emu.clear_faults()
        h.cleanup()


@test
def audit_trail_off_with_cloud_audit_no(ctx):
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="noaudit", cloud_audit="no")
    try:
        name, uid = fresh_user(ctx)
        lock_on(ctx, h, name, uid)
        eq(audits_for(emu, name), [], "audit entries with cloud_audit = no")
        eq(emu.counters()["by_user"].get(uid, {}).get("lock", 0), 1)
    finally:
        h.cleanup()


@test
def inv12_refused_repeat_lock_is_resolved_by_a_read_and_never_resent(ctx):
    """Frontegg took a lock but its answer was lost, and a repeat lock answers
    400 (strict mode): one read settles it. After an administrator's unlock,
    no sync locks the user again."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="strict")
    try:
        emu.set_modes(strict_repeat=True)
        name, uid = fresh_user(ctx)
        emu.add_fault("close", route="lock", apply=True, count=1)
        lock_on(ctx, h, name, uid)
        eq(lock_calls(ctx, uid), 2, "lock calls: the lost answer and the refused repeat")
        emu.admin_unlock(uid)
        for _ in range(2):
            h.run("sync", check=0)
        assert not cloud_locked(ctx, uid), "a sync locked the user again after the unlock"
        eq(lock_calls(ctx, uid), 2, "lock calls after the administrator's unlock")
        eq(h.user_status(name)["host_locked"], False, "the host follows the administrator")
    finally:
        emu.clear_faults()
        emu.reset_modes()
        h.cleanup()


@test
def inv2_a_404_never_lifts_a_cached_frontegg_lock(ctx):
    """Cached as locked in Frontegg, then a read answers 404 (user deleted,
    renamed, a proxy): ambiguous, so the user stays refused."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="lock404")
    try:
        name, uid = fresh_user(ctx)
        emu.admin_lock(uid)
        eq(h.run("refresh", name, check=0).stdout, "cloud-locked\n")
        emu.delete_user(uid)
        emu.reset_counters()
        h.run("sync")  # asks about the cached lock: 404
        eq(emu.counters()["requests"].get("get_user", 0), 1, "the sync's read")
        eq(h.run("check", name, check=0).stdout, "cloud-locked\n", "verdict after a 404")
        assert not h.key_login(name), "a 404 lifted a Frontegg lock"
        eq(h.user_status(name)["cloud"], "locked")
    finally:
        h.cleanup()


# A budget any answer of the emulator fits in, however loaded the machine.
ANSWER_BUDGET_S = 30


def queue_lock_while_down(ctx, h, name):
    """Three failures while Frontegg is down: the lock waits in the outbox.
    The host then waits for Frontegg as long as an answer may take: the
    short budget only makes the detached push give up soon."""
    emu = ctx["emu"]
    emu.outage(True)
    try:
        for _ in range(3):
            assert not h.login(name, password_ok=False)
        # The detached push may not have started yet: wait for its failure.
        wait_for(lambda: h.user_status(name)["push_failures"] >= 1
                 and pftest.pushes_running(name) == 0, what="the push to give up")
    finally:
        emu.outage(False)
    eq(h.user_status(name)["outbox"], "lock")
    h.set(timeout=ANSWER_BUDGET_S)


@test
def inv12_token_404_keeps_the_lock_queued(ctx):
    """An api_url whose /auth/vendor answers 404 (a proxy prefix) is a
    configuration error: push says so and keeps the lock; doctor fails."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="tok404")
    try:
        name, uid = fresh_user(ctx)
        queue_lock_while_down(ctx, h, name)
        emu.add_fault("status", route="token", count=-1, status=404)
        try:
            p = h.run("push", name)
            eq((p.returncode, p.stdout), (6, "pending\n"), "push's exit status and reply")
            st = h.user_status(name)
            eq(st["outbox"], "lock", "the queued lock")
            assert st["cloud"] != "absent", st
            eq(h.run("sync").returncode, 6, "sync's exit status")
            eq(h.user_status(name)["outbox"], "lock", "the queued lock after sync")
            doc = h.run("doctor").stdout
            assert "configuration error" in doc and "OK    token" not in doc, doc
        finally:
            emu.clear_faults()
        h.run("sync", check=0)
        assert cloud_locked(ctx, uid), "the lock never reached Frontegg"
        eq(emu.counters()["by_user"].get(uid, {}).get("lock", 0), 1, "lock calls")
    finally:
        h.cleanup()


@test
def inv12_unsafe_map_file_parks_the_lock_until_it_is_fixed(ctx):
    """A user map that turns unsafe (mode 0666) is no "no such user": the
    lock is parked, shown by push, status, sync and the metrics, and goes out
    once the mapping is readable again."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="map")
    try:
        name, uid = fresh_user(ctx)
        mapfile = os.path.join(h.dir, "users.map")
        pftest.write(mapfile, "%s %s@example.com\n" % (name, name), 0o644)
        h.set(user_map_file=mapfile)
        queue_lock_while_down(ctx, h, name)
        os.chmod(mapfile, 0o666)
        emu.reset_counters()
        p = h.run("push", name)
        eq((p.returncode, p.stdout), (6, "parked\n"), "push's exit status and reply")
        st = h.user_status(name)
        eq((st["outbox"], st["outbox_parked"]), ("lock", "mapping unavailable"))
        doc = h.status()
        eq((doc["outbox_depth"], doc["outbox_parked"]), (1, 1))
        metrics = os.path.join(h.dir, "metrics.prom")
        eq(h.run("sync", "--metrics-file", metrics).returncode, 6, "sync's exit status")
        assert "pam_frontegg_outbox_parked 1" in open(metrics).read()
        eq(emu.counters()["total"], 0, "requests for a parked entry")
        eq(h.user_status(name)["outbox"], "lock", "the parked lock")
        os.chmod(mapfile, 0o644)  # fixed: the mapped identity differs from "none"
        p = h.run("push", name)
        eq((p.returncode, p.stdout), (0, "pushed\n"), "push after the fix")
        assert cloud_locked(ctx, uid)
        eq(h.status()["outbox_depth"], 0)
    finally:
        h.cleanup()


@test
def inv12_lock_for_a_user_frontegg_does_not_know_is_parked(ctx):
    """A 404 on the e-mail lookup parks the lock (never drops it); a map
    line naming the right user sends it at once."""
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="unknown")
    try:
        name, _ = fresh_user(ctx)
        h.set(user_email="%u@elsewhere.example")
        queue_lock_while_down(ctx, h, name)
        p = h.run("push", name)
        eq((p.returncode, p.stdout), (6, "parked\n"), p.stderr)
        eq(h.user_status(name)["outbox_parked"], "not found in Frontegg")
        emu.reset_counters()
        eq(h.run("sync").returncode, 6)
        eq(emu.counters()["total"], 0, "requests for an entry parked for the same identity")
        u = emu.add_user("%s@elsewhere.example" % name)
        mapfile = os.path.join(h.dir, "users.map")
        pftest.write(mapfile, "%s %s\n" % (name, u["id"]), 0o644)
        h.set(user_map_file=mapfile)
        h.run("sync", check=0)
        assert cloud_locked(ctx, u["id"]), "the parked lock was not retried"
    finally:
        h.cleanup()


def hosts_match_frontegg(ctx, host, names):
    for name in names:
        st = host.user_status(name)
        uid = ctx["ids"][name]
        want = st["host_locked"]
        eq(cloud_locked(ctx, uid), want, "%s in Frontegg" % name)


@test
def crash_sigkill_during_sync_and_push_loses_nothing(ctx):
    emu = ctx["emu"]
    h = PamHost(emu, USERS, name="crash")
    names = []
    try:
        for _ in range(6):
            name, uid = fresh_user(ctx)
            ctx["ids"][name] = uid
            names.append(name)
        emu.add_fault("latency", delay_ms=15, count=-1)
        rnd = random.Random(4242)
        for i in range(200):
            name = rnd.choice(names)
            verb = rnd.choice(["lock", "unlock", "sync", "push"])
            args = [verb] if verb == "sync" else [verb, name]
            p = subprocess.Popen([pftest.HELPER, "--conf", h.conf] + args, env={},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                p.wait(timeout=rnd.uniform(0.0, 0.08))
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
        emu.clear_faults()
        doc = h.status()  # every record and entry is readable
        assert all(u["state"] == "ok" for u in doc["users"]), doc
        h.run("sync", check=0)
        eq(h.status()["outbox_depth"], 0)
        hosts_match_frontegg(ctx, h, names)
    finally:
        emu.clear_faults()
        h.cleanup()


@test
def storm_one_lock_per_user_one_lookup_one_token(ctx):
    emu = ctx["emu"]
    storm_users = ["s%d" % i for i in range(50)]  # pam-driver names them so
    h = PamHost(emu, storm_users, name="storm")
    try:
        emu.put_users([{"email": "%s@example.com" % u} for u in storm_users])
        ids = {u: emu.user_by_email("%s@example.com" % u)["id"] for u in storm_users}
        emu.reset_counters()
        clients = [pftest.drive(h, "bad", "s", 50, 250, expect="fail") for _ in range(8)]
        for c in clients:
            out, err = c.communicate(timeout=600)
            eq(c.returncode, 0, "every transaction failed: %s%s" % (out, err))
        wait_for(lambda: all(emu.user(i)["isLocked"] for i in ids.values()), timeout=60,
                 what="every storm user locked in Frontegg")
        wait_for(lambda: h.status()["outbox_depth"] == 0, timeout=60, what="the outbox")
        c = emu.counters()
        for u, i in ids.items():
            eq(c["by_user"].get(i, {}).get("lock", 0), 1, "lock calls for %s" % u)
            assert c["by_email"].get("%s@example.com" % u, {}).get("email_lookup", 0) <= 1, u
        eq(c["requests"]["lock"], 50)
        eq(c["requests"]["token"], 1, "token requests")
        # Besides: one audit entry per lock, counted apart (a lookup gave each tenant).
        eq(c["requests"].get("audit", 0), 50, "audit entries")
        eq(c["requests"].get("get_user", 0), 0, "reads")
    finally:
        h.cleanup()


def setup():
    pftest.require_pam()
    emu = pftest.start_emulator()
    return {"emu": emu, "ids": {},
            "a": PamHost(emu, USERS, name="a"), "b": PamHost(emu, USERS, name="b")}


def teardown(ctx):
    ctx["a"].cleanup()
    ctx["b"].cleanup()
    ctx["emu"].stop()


if __name__ == "__main__":
    pftest.run(setup, teardown)
