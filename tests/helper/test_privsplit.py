#!/usr/bin/env python3
"""The privilege split (doc/privileges.md): frontegg_chkstate, setgid to the
helper group, acts for its caller's own account only and reads only its
compiled-in configuration; frontegg-lockout is a root tool that refuses an
unprivileged caller. Each program runs for real, as root installs it, with
the unprivileged steps run through setpriv."""
import fcntl
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pftest  # noqa: E402
from pftest import Host, eq, test  # noqa: E402

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_DENIED, EXIT_CONFIG, EXIT_STATE, EXIT_CLOUD = range(7)
EVENT = "service=xlock\nrhost=\ntty=:0\n"
NETWORK_AND_ADMIN = (("lock", "nobody"), ("unlock", "nobody"), ("reset-link", "nobody"),
                     ("refresh", "nobody"), ("push", "nobody"), ("sync",), ("doctor",))


def as_nobody(cmd, stdin=None, preexec_fn=None, stdout=subprocess.PIPE):
    """cmd run by uid nobody with an empty environment, as a screen locker would."""
    import pwd
    nobody = pwd.getpwnam("nobody")
    # Numbers, not names: setpriv looks nothing up under a caller's tiny limits.
    full = ["setpriv", "--reuid=%d" % nobody.pw_uid, "--regid=%d" % nobody.pw_gid,
            "--clear-groups", "--"] + cmd
    return subprocess.run(full, input=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True,
                          env={}, preexec_fn=preexec_fn, timeout=60)


class World:
    """A host whose state directory is shared with the helper group, and
    frontegg_chkstate (its test build, which reads the configuration beside
    itself) installed root:GROUP 2755 next to that host's configuration."""

    def __init__(self, ctx, name="split"):
        self.host = Host(ctx["emu"], name=name)
        pftest.share_state_dir(self.host, ctx["group_gid"])
        self.chkstate = pftest.setgid_chkstate_beside(self.host, ctx["group_gid"])

    def chk(self, *args, **kw):
        return as_nobody([self.chkstate] + list(args), **kw)

    def cleanup(self):
        self.host.cleanup()


def one_line(p):
    lines = p.stderr.strip().splitlines()
    eq(len(lines), 1, "one line on stderr: %r" % p.stderr)
    return lines[0]


@test
def chkstate_records_own_failures_and_only_queues_the_lock(ctx):
    w, emu = World(ctx), ctx["emu"]
    try:
        emu.add_user("nobody@example.com")
        emu.reset_counters()
        out = [w.chk("record-failure", "nobody", stdin=EVENT) for _ in range(3)]
        eq([p.returncode for p in out], [EXIT_OK] * 3, [p.stderr for p in out])
        eq([p.stdout.split()[0] for p in out], ["counted", "counted", "locked"])
        eq(w.chk("check", "nobody").stdout.split()[0], "host-locked")
        eq(w.chk("record-success", "nobody").stdout, "locked\n")
        eq(emu.counters()["total"], 0, "requests to Frontegg from the unprivileged caller")
        st = w.host.user_status("nobody")  # root reads what the checker wrote
        eq((st["host_locked"], st["outbox"]), (True, "lock"))
        p = w.chk("status")
        eq(p.returncode, EXIT_OK, p.stderr)
        assert "user: nobody\nstate: host-locked\n" in p.stdout, p.stdout
        w.host.run("sync", check=EXIT_OK)
        assert emu.user_by_email("nobody@example.com")["isLocked"] is True
    finally:
        w.cleanup()


@test
def chkstate_acts_only_for_its_caller(ctx):
    w = World(ctx)
    try:
        w.host.fail("root")
        for verb in ("check", "record-success", "record-failure", "status"):
            p = w.chk(verb, "root", stdin=EVENT)
            eq(p.returncode, EXIT_DENIED, verb)
            eq(one_line(p), "frontegg_chkstate: only for your own account")
        eq(w.host.user_status("root")["failures"], 1, "root's record untouched")
        for args in NETWORK_AND_ADMIN:
            p = w.chk(*args)
            eq(p.returncode, EXIT_DENIED, args)
            assert "not something frontegg_chkstate does" in one_line(p), p.stderr
    finally:
        w.cleanup()


@test
def chkstate_takes_no_configuration_from_its_caller(ctx):
    """The caller's own configuration (here: admin_group = the caller's group,
    which would make success clear a lock an administrator set) is never read."""
    w = World(ctx)
    d = pftest.tmpdir("pf-mine-")
    try:
        mine = os.path.join(d, "mine.conf")
        pftest.write(mine, "state_dir = %s\nadmin_group = %s\n"
                     % (w.host.state_dir, pftest.user_group("nobody")))
        w.host.run("lock", "nobody")  # by the administrator; Frontegg does not know nobody
        for args in (("--conf", mine, "record-success", "nobody"),
                     ("record-success", "nobody", "--conf", mine),
                     ("--conf=" + mine, "record-success", "nobody")):
            p = w.chk(*args)
            eq(p.returncode, EXIT_DENIED, args)
            assert mine not in p.stderr, p.stderr
        eq(w.chk("record-success", "nobody").stdout, "locked\n")
        eq(w.host.user_status("nobody")["host_locked"], True)
    finally:
        w.cleanup()
        shutil.rmtree(d, ignore_errors=True)


@test
def frontegg_lockout_refuses_an_unprivileged_caller(ctx):
    w = World(ctx)
    try:
        for args in NETWORK_AND_ADMIN + (("status",), ("check", "nobody"),
                                         ("record-failure", "nobody"),
                                         ("record-success", "nobody")):
            p = as_nobody([pftest.HELPER] + list(args), stdin=EVENT)
            eq(p.returncode, EXIT_DENIED, args)
            assert "only root may run this" in one_line(p), p.stderr
        eq(w.host.status()["users"], [], "records written for an unprivileged caller")
        for args in (("--help",), ("--version",)):
            eq(as_nobody([pftest.HELPER] + list(args)).returncode, EXIT_OK, args)
    finally:
        w.cleanup()


@test
def a_path_error_says_nothing_about_other_users(ctx):
    """Naming another user's record as a configuration gets the same answer
    whether that record exists or not, through either program. (check-config
    FILE is open to anyone, for validation hooks; frontegg-lockout has no
    privilege, so it sees only what the caller could open anyway.)"""
    w = World(ctx)
    try:
        record = os.path.join(w.host.state_dir, "users", "daemon")
        answers = []
        for exists in (False, True):
            if exists:
                w.host.fail("daemon")
                assert os.path.exists(record)
            answers.append([(p.returncode, p.stderr) for p in (
                as_nobody([pftest.HELPER, "--conf", record, "status"]),
                as_nobody([pftest.HELPER, "--conf", record, "check-config"]),
                w.chk("--conf", record, "check", "nobody"),
                w.chk("check", "daemon"),
                as_nobody([pftest.HELPER, "check-config", record]))])
        eq(answers[0], answers[1])
        assert all(code == EXIT_DENIED for code, _ in answers[0][:-1]), answers[0]
    finally:
        w.cleanup()


@test
def chkstate_ignores_the_callers_environment(ctx):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return  # nothing to build the probe with
    w = World(ctx)
    d = pftest.tmpdir("pf-preload-")
    marker = os.path.join(d, "loaded")
    src, lib = os.path.join(d, "evil.c"), os.path.join(d, "evil.so")
    pftest.write(src, '#include <fcntl.h>\n__attribute__((constructor)) static void pwn(void)'
                 '{ open("%s", O_CREAT | O_WRONLY, 0666); }\n' % marker)
    subprocess.run([cc, "-shared", "-fPIC", "-o", lib, src], check=True)
    os.chmod(d, 0o777)
    try:
        as_nobody(["/usr/bin/env", "LD_PRELOAD=" + lib, "LD_LIBRARY_PATH=" + d,
                   w.chkstate, "check", "nobody"])
        assert not os.path.exists(marker), "LD_PRELOAD was honoured by the setgid checker"
    finally:
        w.cleanup()
        shutil.rmtree(d, ignore_errors=True)


def soft_limit(resource_id, soft):
    def apply():
        hard = resource.getrlimit(resource_id)[1]
        resource.setrlimit(resource_id, (soft, hard))
    return apply


def hard_limit(resource_id, value):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource_id, (value, value))
    return apply


@test
def chkstate_raises_the_callers_soft_limits(ctx):
    """ulimit -S -f 0 or a tiny descriptor limit does not stop the failure
    being counted: the checker raises its soft limits to the hard ones."""
    w = World(ctx)
    try:
        p = w.chk("record-failure", "nobody", stdin=EVENT,
                  preexec_fn=soft_limit(resource.RLIMIT_FSIZE, 0))
        eq((p.returncode, p.stdout), (EXIT_OK, "counted 1\n"), p.stderr)
        p = w.chk("record-failure", "nobody", stdin=EVENT,
                  preexec_fn=soft_limit(resource.RLIMIT_NOFILE, 4))
        eq((p.returncode, p.stdout), (EXIT_OK, "counted 2\n"), p.stderr)
        eq(w.host.user_status("nobody")["failures"], 2)
    finally:
        w.cleanup()


@test
def chkstate_fails_cleanly_under_a_hard_file_size_limit(ctx):
    """A hard RLIMIT_FSIZE of 0 it cannot raise makes the write fail: one line
    and exit 5 (never a SIGXFSZ death half-way), the record left as it was."""
    w = World(ctx)
    try:
        w.chk("record-failure", "nobody", stdin=EVENT)
        p = w.chk("record-failure", "nobody", stdin=EVENT,
                  preexec_fn=hard_limit(resource.RLIMIT_FSIZE, 0))
        eq(p.returncode, EXIT_STATE, p.stderr)
        eq(one_line(p), "frontegg_chkstate: cannot record the failure (see the system log)")
        eq(w.host.user_status("nobody")["failures"], 1)
    finally:
        w.cleanup()


@test
def chkstate_with_closed_stdout_writes_its_reply_nowhere_else(ctx):
    """A caller that closes stdout must not get the reply written into the
    first file the checker opens (a state file). The reply is lost (exit 1 or
    0, depending on what fills descriptor 1), the failure is not."""
    w = World(ctx)
    try:
        p = w.chk("record-failure", "nobody", stdin=EVENT,
                  preexec_fn=lambda: os.close(1), stdout=None)
        assert p.returncode in (EXIT_OK, EXIT_FAILURE), (p.returncode, p.stderr)
        eq(w.host.user_status("nobody")["failures"], 1)  # the record still parses
        eq(w.chk("check", "nobody").stdout, "cloud-stale\n")
    finally:
        w.cleanup()


@test
def inv10_chkstate_answers_before_the_deadline_when_the_lock_is_held(ctx):
    """Another process holding the caller's lock (here root, as a stopped
    holder would) costs the checker at most its share of timeout: it answers
    exit 5 before the module's deadline instead of being killed at it."""
    w = World(ctx)
    try:
        w.host.set(timeout="0.2")
        w.chk("record-failure", "nobody", stdin=EVENT)  # the lock file now exists
        with open(os.path.join(w.host.state_dir, "locks", "nobody")) as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            started = time.monotonic()
            p = w.chk("record-failure", "nobody", stdin=EVENT)
            took = time.monotonic() - started
        eq(p.returncode, EXIT_STATE, p.stderr)
        assert took < 0.2 + 0.05, "record-failure took %.3f s with timeout = 0.2" % took
        print("# chkstate with its lock held: answered after %.0f ms" % (took * 1000))
        eq(w.host.user_status("nobody")["failures"], 1)
    finally:
        w.cleanup()


def setup():
    if not pftest.REALLY_ROOT:
        pftest.skip_all("needs root: every unprivileged step runs as another real user")
    pftest.require_root()
    if not os.path.exists(pftest.CHKSTATE_BESIDE):
        pftest.skip_all("%s not built" % pftest.CHKSTATE_BESIDE)
    emu = pftest.start_emulator()
    return {"emu": emu, "group_gid": pftest.helper_group_gid()}


def teardown(ctx):
    ctx["emu"].stop()
    shutil.rmtree(ctx["emu"].dir, ignore_errors=True)


if __name__ == "__main__":
    pftest.run(setup, teardown)
