#!/usr/bin/env python3
"""make demo: the main job on the embedded default.

Starts the bundled Frontegg emulator and two simulated hosts, A and B, each
with its own configuration and state directory and a real PAM stack
(pam_frontegg.so under pam_wrapper), then tells the story step by step:
wrong passwords on A lock the user on A and in Frontegg, B refuses the same
user at the account phase, an administrator's unlock in Frontegg lets the
user in everywhere after sync, and during a cloud outage failures wait in the
outbox and reach Frontegg when it returns. Along the way: the lock's entry in
Frontegg's audit trail, a sync that asks Frontegg nothing it need not ask, a
lock for a user Frontegg does not know parked (never dropped) until the
mapping is fixed, and environment_id on every request. Then a host lock
expires and the login that notices it lifts the Frontegg lock too, and a
pilot host C in audit-only mode (enforce = no) refuses nobody while it logs
and shows the locks it would have made.

Nothing outside a temporary directory is touched. Exits non-zero as soon as
a step does not behave as narrated.
"""
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

ENVIRONMENT = "demo-environment-1"
B_CACHE_TTL = 2  # seconds; the default is 60

TTY = sys.stdout.isatty()
BOLD, GREEN, RED, DIM, RESET = (("\033[1m", "\033[32m", "\033[31m", "\033[2m", "\033[0m")
                                if TTY else ("", "", "", "", ""))


class StepFailed(Exception):
    pass


step_no = 0


def step(title):
    global step_no
    step_no += 1
    print("\n%s%d. %s%s" % (BOLD, step_no, title, RESET), flush=True)


def show(text):
    for line in text.rstrip("\n").splitlines():
        print("   %s%s%s" % (DIM, line, RESET))


def expect(ok, what):
    if not ok:
        print("   %s✗ %s%s" % (RED, what, RESET), flush=True)
        raise StepFailed(what)
    print("   %s✓%s %s" % (GREEN, RESET, what), flush=True)


def in_user_namespace_if_needed():
    """The state files must be root-owned: a non-root user runs the demo as
    root of a private user namespace (no real privilege, nothing shared)."""
    if os.geteuid() == 0:
        return
    if os.environ.get("PF_DEMO_IN_USERNS") or not shutil.which("unshare"):
        sys.exit("make demo: run it as root, or allow unprivileged user namespaces")
    os.environ["PF_DEMO_IN_USERNS"] = "1"
    os.execvp("unshare", ["unshare", "--map-root-user", "--", sys.executable] + sys.argv)


def story(emu, a, b):
    import pftest

    alice = emu.add_user("alice@example.com")
    bob = emu.add_user("bob@example.com")

    step("alice logs in to host A and host B with her password")
    expect(a.login("alice"), "host A lets alice in")
    expect(b.login("alice"), "host B lets alice in")

    step("someone tries three wrong passwords for alice on host A")
    for i in range(1, 4):
        expect(not a.login("alice", password_ok=False), "wrong password %d refused" % i)
    st = a.user_status("alice")
    expect(st["host_locked"], "host A locked alice after %d failures" % st["failures"])

    step("host A pushes the lock to Frontegg, in the background")
    pftest.wait_for(lambda: emu.user(alice["id"])["isLocked"], what="the cloud lock")
    expect(emu.user(alice["id"])["isLocked"], "alice is locked in Frontegg")
    calls = emu.counters()["by_user"][alice["id"]].get("lock", 0)
    expect(calls == 1, "exactly one lock call reached Frontegg (%d)" % calls)
    expect(not a.login("alice"), "host A refuses alice even with the right password")

    step("Frontegg's audit trail of alice's tenant records the lock")
    entries = [x["body"] for x in emu.audits() if x["body"].get("user") == "alice"]
    expect(len(entries) == 1 and entries[0]["severity"] == "High",
           "one audit entry, severity High")
    show(json.dumps(entries[0], indent=1))

    step("host B refuses alice at the account phase once its cached answer is stale")
    # B's sync asks Frontegg nothing: B has no lock, no queued action and no
    # cached Frontegg lock for alice. Its login cache lives cloud_cache_ttl.
    emu.reset_counters()
    b.run("sync", check=0)
    expect(emu.counters()["total"] == 0, "B's sync sent no request")
    time.sleep(B_CACHE_TTL + 0.2)
    expect(not b.key_login("alice"), "host B refuses alice's key login")
    show(b.run("status", "alice").stdout)

    step("an administrator unlocks alice in the Frontegg portal")
    emu.admin_unlock(alice["id"])
    expect(not emu.user(alice["id"])["isLocked"], "alice is unlocked in Frontegg")

    step("the next sync on each host follows the administrator")
    for host in (a, b):
        host.run("sync", check=0)
    expect(not a.user_status("alice")["host_locked"], "host A cleared its own lock of alice")
    expect(a.login("alice"), "host A lets alice in")
    expect(b.key_login("alice"), "host B lets alice in")

    step("Frontegg goes down")
    emu.outage(True)
    started = time.monotonic()
    for i in range(1, 4):
        expect(not a.login("bob", password_ok=False), "wrong password %d for bob refused" % i)
    waited = time.monotonic() - started
    expect(a.user_status("bob")["host_locked"], "host A locks bob without the cloud")
    expect(a.user_status("bob")["outbox"] == "lock", "the cloud lock waits in A's outbox")
    expect(waited < 3 * (float(a.settings["timeout"]) + 1), "no login hung (%.1fs for three)" % waited)
    pftest.wait_for(lambda: pftest.pushes_running("bob") == 0, what="the push to give up")
    show(a.run("status").stdout)

    step("Frontegg comes back; the next sync delivers what waited")
    emu.outage(False)
    a.run("sync", check=0)
    expect(emu.user(bob["id"])["isLocked"], "bob is locked in Frontegg")
    expect(a.status()["outbox_depth"] == 0, "A's outbox is empty")
    b.run("sync", check=0)
    expect(not b.key_login("bob"), "host B refuses bob too")
    calls = emu.counters()["by_user"][bob["id"]].get("lock", 0)
    expect(calls == 1, "bob's lock reached Frontegg exactly once (%d)" % calls)

    step("a lock for a user Frontegg does not know is parked, never dropped")
    for i in range(1, 4):
        expect(not a.login("carol", password_ok=False), "wrong password %d for carol refused" % i)
    pftest.wait_for(lambda: a.user_status("carol")["outbox_parked"] is not None,
                    what="the parked lock")
    expect(a.user_status("carol")["outbox_parked"] == "not found in Frontegg",
           "carol's lock is parked: not found in Frontegg")
    expect(a.run("sync").returncode == 6, "sync exits 6 while an action is parked")
    show(a.run("status", "carol").stdout)

    step("the mapping is fixed (a user_map_file line); the parked lock goes out")
    carol = emu.add_user("carol.smith@example.com")
    mapfile = os.path.join(a.dir, "users.map")
    pftest.write(mapfile, "carol carol.smith@example.com\n", 0o644)
    a.set(user_map_file=mapfile)
    a.run("sync", check=0)
    expect(emu.user(carol["id"])["isLocked"], "carol is locked in Frontegg")

    expiry(emu, a)


def expiry(emu, a):
    import pftest

    dave = emu.add_user("dave@example.com")
    step("dave is locked on host A and in Frontegg; %s s later the host lock ends"
         % a.settings.get("unlock_time", 600))
    for i in range(1, 4):
        expect(not a.login("dave", password_ok=False), "wrong password %d for dave refused" % i)
    pftest.wait_for(lambda: emu.user(dave["id"])["isLocked"], what="the cloud lock")
    expect(emu.user(dave["id"])["isLocked"], "dave is locked in Frontegg")
    clock = os.path.join(a.dir, "clock")
    pftest.write(clock, "%d\n" % (int(time.time()) + 601))  # the injected clock: +601 s
    expect(a.key_login("dave", fake_clock=clock), "host A lets dave in: the lock expired")
    pftest.wait_for(lambda: not emu.user(dave["id"])["isLocked"], timeout=3.0,
                    what="the cloud unlock")
    expect(not emu.user(dave["id"])["isLocked"],
           "the login that noticed the expiry lifted A's lock in Frontegg "
           "(cloud_unlock_on_expiry = yes, the default)")


def audit_only(emu, c):
    erin = emu.add_user("erin@example.com")
    step("pilot host C runs audit-only (enforce = no): five wrong passwords for erin")
    for i in range(1, 6):
        expect(not c.login("erin", password_ok=False), "wrong password %d for erin refused" % i)
    expect(c.login("erin"), "host C still lets erin in: nobody is refused")
    st = c.user_status("erin")
    expect(st["would_lock"] and not st["host_locked"], "status shows the lock it would make")
    calls = emu.counters()["by_user"].get(erin["id"], {}).get("lock", 0)
    expect(calls == 0 and not emu.user(erin["id"])["isLocked"],
           "no lock was sent to Frontegg (%d calls)" % calls)
    show(c.run("status", "erin").stdout)


def main():
    in_user_namespace_if_needed()
    import pftest

    pftest.require_pam()
    print("%spam_frontegg demo%s: the Frontegg emulator and two hosts with real PAM stacks"
          % (BOLD, RESET))
    emu = pftest.start_emulator()
    # Account-level credentials: every request must name the environment.
    emu.set_modes(environment_id=ENVIRONMENT)
    users = ["alice", "bob", "carol", "dave", "erin"]
    a = pftest.PamHost(emu, users, name="A", environment_id=ENVIRONMENT)
    b = pftest.PamHost(emu, users, name="B", environment_id=ENVIRONMENT,
                       cloud_cache_ttl=B_CACHE_TTL)
    print("   emulator %s, host A in %s, host B in %s" % (emu.api_url, a.dir, b.dir))
    print("   environment_id = %s on both hosts; host B: cloud_cache_ttl = %d s"
          % (ENVIRONMENT, B_CACHE_TTL))
    c = pftest.PamHost(emu, users, name="C", environment_id=ENVIRONMENT, enforce="no")
    try:
        story(emu, a, b)
        audit_only(emu, c)
    except StepFailed:
        print("\n%sdemo failed at step %d%s" % (RED, step_no, RESET))
        return 1
    finally:
        a.cleanup()
        b.cleanup()
        c.cleanup()
        emu.stop()
        shutil.rmtree(emu.dir, ignore_errors=True)
    print("\n%sdemo complete: host and cloud stayed in step.%s" % (GREEN, RESET))
    return 0


if __name__ == "__main__":
    sys.exit(main())
