#!/usr/bin/env python3
"""make demo: the main job on the embedded default.

Starts the bundled Frontegg emulator and two simulated hosts, A and B, each
with its own configuration and state directory and a real PAM stack
(pam_frontegg.so under pam_wrapper), then tells the story step by step:
wrong passwords on A lock the user on A and in Frontegg, B refuses the same
user at the account phase, an administrator's unlock in Frontegg lets the
user in everywhere after sync, and during a cloud outage failures wait in the
outbox and reach Frontegg when it returns.

Nothing outside a temporary directory is touched. Exits non-zero as soon as
a step does not behave as narrated.
"""
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

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

    step("host B refuses alice at the account phase (SSH key, no password asked)")
    b.run("sync", check=0)  # B's timer: its cached cloud state becomes fresh
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


def main():
    in_user_namespace_if_needed()
    import pftest

    pftest.require_pam()
    print("%spam_frontegg demo%s: the Frontegg emulator and two hosts with real PAM stacks"
          % (BOLD, RESET))
    emu = pftest.start_emulator()
    a = pftest.PamHost(emu, ["alice", "bob"], name="A")
    b = pftest.PamHost(emu, ["alice", "bob"], name="B")
    print("   emulator %s, host A in %s, host B in %s" % (emu.api_url, a.dir, b.dir))
    try:
        story(emu, a, b)
    except StepFailed:
        print("\n%sdemo failed at step %d%s" % (RED, step_no, RESET))
        return 1
    finally:
        a.cleanup()
        b.cleanup()
        emu.stop()
        shutil.rmtree(emu.dir, ignore_errors=True)
    print("\n%sdemo complete: host and cloud stayed in step.%s" % (GREEN, RESET))
    return 0


if __name__ == "__main__":
    sys.exit(main())
