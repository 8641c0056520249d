"""Shared fixtures for the Python-driven tests: a TAP runner, simulated hosts
(config + secret + state directory) running the real frontegg-lockout, and
the Frontegg emulator.

Tests are plain functions registered with @test; run() prints TAP and exits
0 only when every test passed (77 = skipped, as automake expects).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("top_srcdir", os.path.normpath(os.path.join(HERE, "..", "..")))
BUILDDIR = os.environ.get("top_builddir", SRCDIR)
sys.path.insert(0, os.path.join(SRCDIR, "tests", "emulator"))

from emulator_client import Emulator  # noqa: E402

HELPER = os.path.join(BUILDDIR, "helper", "frontegg-lockout")
SECRET = "test-secret"

_tests = []


def test(fn):
    _tests.append(fn)
    return fn


def skip_all(reason):
    print("1..0 # SKIP %s" % reason)
    sys.exit(77)


def require_root():
    if os.geteuid() != 0:
        skip_all("needs root (files must be root-owned)")
    if not os.access(HELPER, os.X_OK):
        skip_all("%s not built" % HELPER)


def run(setup=None, teardown=None):
    """Runs every registered test in order; prints TAP."""
    print("1..%d" % len(_tests), flush=True)
    failed = 0
    ctx = setup() if setup else None
    try:
        for i, fn in enumerate(_tests, 1):
            started = time.monotonic()
            try:
                fn(ctx) if setup else fn()
                print("ok %d - %s (%.2fs)" % (i, fn.__name__, time.monotonic() - started),
                      flush=True)
            except Exception:  # noqa: BLE001 - report every failure as TAP
                failed += 1
                print("not ok %d - %s" % (i, fn.__name__))
                for line in traceback.format_exc().splitlines():
                    print("# " + line)
                sys.stdout.flush()
    finally:
        if teardown:
            teardown(ctx)
    sys.exit(1 if failed else 0)


def tmpdir(prefix="pf-"):
    d = tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("TMPDIR", "/tmp"))
    os.chmod(d, 0o755)
    return d


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class Host:
    """One simulated host: its own config, secret and state directory."""

    def __init__(self, emu, root=None, name="host", **settings):
        self.emu = emu
        self.dir = root or tmpdir("pf-%s-" % name)
        self.state_dir = os.path.join(self.dir, "state")
        self.conf = os.path.join(self.dir, "pam_frontegg.conf")
        self.secret_file = os.path.join(self.dir, "secret")
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        write(self.secret_file, SECRET + "\n", 0o600)
        self.settings = {
            "api_url": emu.api_url if emu else "https://127.0.0.1:9",
            "ca_file": emu.ca_file if emu else "/nonexistent",
            "client_id": "test-client-id",
            "client_secret_file": self.secret_file,
            "user_email": "%u@example.com",
            "state_dir": self.state_dir,
            "timeout": "2",
        }
        self.settings.update({k: (None if v is None else str(v)) for k, v in settings.items()})
        self.write_conf()

    def write_conf(self, mode=0o644):
        lines = ["%s = %s" % (k, v) for k, v in self.settings.items() if v is not None]
        write(self.conf, "\n".join(lines) + "\n", mode)

    def set(self, **settings):
        self.settings.update({k: (None if v is None else str(v)) for k, v in settings.items()})
        self.write_conf()

    def run(self, *args, stdin=None, env=None, user=None, helper=None, check=None, timeout=60):
        """Runs frontegg-lockout --conf CONF ARGS...; returns CompletedProcess."""
        cmd = [helper or HELPER, "--conf", self.conf] + list(args)
        env = dict(env or {})
        if user is not None:
            # env(1) sets the caller's environment for the helper alone, so
            # setpriv itself never sees e.g. LD_PRELOAD.
            cmd = ["setpriv", "--reuid=%s" % user, "--regid=%s" % user_group(user),
                   "--clear-groups", "--", "/usr/bin/env", "-i"] + \
                ["%s=%s" % kv for kv in sorted(env.items())] + cmd
            env = {}
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env,
                           timeout=timeout)
        if check is not None and p.returncode != check:
            raise AssertionError("%s exited %d, expected %d\nstdout: %s\nstderr: %s"
                                 % (" ".join(args), p.returncode, check, p.stdout, p.stderr))
        return p

    def status(self, user=None):
        args = ["status", "--json"] + ([user] if user else [])
        p = self.run(*args, check=0)
        return json.loads(p.stdout)

    def user_status(self, user):
        users = self.status(user)["users"]
        assert len(users) == 1, users
        return users[0]

    def fail(self, user, n=1, service="sshd", rhost="192.0.2.10"):
        """Records n failed logins the way the module's helper path does."""
        out = []
        for _ in range(n):
            p = self.run("record-failure", user, stdin="service=%s\nrhost=%s\ntty=ssh\n"
                         % (service, rhost), check=0)
            out.append(p.stdout.strip())
        return out

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def user_group(user):
    import grp
    import pwd
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


def eq(a, b, what=""):
    if a != b:
        raise AssertionError("%s: %r != %r" % (what, a, b) if what else "%r != %r" % (a, b))


def start_emulator():
    return Emulator.start(tmpdir("pf-emu-"))
