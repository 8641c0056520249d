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

# As root the tests run what ships. A normal user runs the test builds
# (tests/lib/variants.mk): they trust that user's files instead of root's,
# and the helper starts itself under uid_wrapper as (fake) root.
REALLY_ROOT = os.geteuid() == 0
OWNER = os.geteuid()  # who owns what the tests and the helper write
if REALLY_ROOT:
    HELPER = os.path.join(BUILDDIR, "helper", "frontegg-lockout")
else:
    HELPER = os.path.join(BUILDDIR, "tests", "lib", "frontegg-lockout")
# frontegg_chkstate's test build: reads the pam_frontegg.conf beside itself.
CHKSTATE_BESIDE = os.path.join(BUILDDIR, "tests", "helper", "chkstate-beside")
SECRET = "test-secret"

_tests = []


def test(fn):
    _tests.append(fn)
    return fn


class Skip(Exception):
    """Raised by a test that cannot run here; reported as TAP's # SKIP."""


def skip_all(reason):
    # TAP's way to skip; automake's TAP driver does not treat exit 77 specially
    print("1..0 # SKIP %s" % reason)
    sys.exit(0)


def require_really_root(why):
    """Skips the calling test unless it runs as root (a real uid switch)."""
    if not REALLY_ROOT:
        raise Skip("needs root: %s" % why)


def require_root():
    """Root, or a normal user with uid_wrapper standing in for it."""
    if not REALLY_ROOT and not os.path.exists(uid_wrapper_lib()):
        skip_all("needs root, or uid_wrapper (libuid-wrapper) to stand in for it")
    if not os.access(HELPER, os.X_OK):
        skip_all("%s not built" % HELPER)


def run(setup=None, teardown=None):
    """Runs every registered test in order (PF_TESTS=a,b: only the tests whose
    names contain a or b); prints TAP."""
    only = [w for w in os.environ.get("PF_TESTS", "").split(",") if w]
    tests = [fn for fn in _tests if not only or any(w in fn.__name__ for w in only)]
    # setup may still skip the whole file (one plan: "1..0 # SKIP"), so the
    # plan is printed only once it has run.
    ctx = setup() if setup else None
    print("1..%d" % len(tests), flush=True)
    failed = 0
    try:
        for i, fn in enumerate(tests, 1):
            started = time.monotonic()
            try:
                fn(ctx) if setup else fn()
                print("ok %d - %s (%.2fs)" % (i, fn.__name__, time.monotonic() - started),
                      flush=True)
            except Skip as why:
                print("ok %d - %s # SKIP %s" % (i, fn.__name__, why), flush=True)
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
            # The tests use the system's accounts (daemon, bin, ...) as users.
            "uid_min": "1",
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
            require_really_root("the helper runs as another real user")
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
    """An emulator in a directory every test user can read (its CA), removed by stop()."""
    return Emulator.start(tmpdir("pf-emu-"), remove_dir=True)


# --- real PAM stacks under pam_wrapper + nss_wrapper, driven by pamtester

def _pamtest_env():
    """configure's findings, written by tests/pam/pam.mk for the shell tests."""
    env = {}
    path = os.path.join(BUILDDIR, "tests", "pam", "pamtest.env")
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                k, v = line.strip().split("=", 1)
                env[k] = v.strip("'")
    return env


PAMENV = _pamtest_env()
if REALLY_ROOT:
    MODULE = os.path.join(BUILDDIR, "pam_module", ".libs", "pam_frontegg.so")
else:
    MODULE = os.path.join(BUILDDIR, "tests", "lib", ".libs", "pam_frontegg.so")
CLOCK_SHIM = os.path.join(BUILDDIR, "tests", "pam", ".libs", "libpfclock.so")
SYSLOG_SHIM = os.path.join(BUILDDIR, "tests", "pam", ".libs", "libpfsyslog.so")


def uid_wrapper_lib():
    return PAMENV.get("UID_WRAPPER_LIB") or "/nonexistent/libuid_wrapper.so"


def nss_wrapper_lib():
    lib = PAMENV.get("NSS_WRAPPER_LIB") or ""
    if not os.path.exists(lib):
        lib = os.path.join(os.path.dirname(PAMENV.get("PAM_WRAPPER_LIB", "")), "libnss_wrapper.so")
    return lib


def asan_runtime():
    """The sanitizer build's module needs libasan first in a non-ASan pamtester."""
    if PAMENV.get("PF_SANITIZERS") != "yes":
        return None
    out = subprocess.run(["ldd", MODULE], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "libasan" in line and "=>" in line:
            return line.split("=>")[1].split()[0]
    return None


def require_pam():
    require_root()
    if PAMENV.get("HAVE_PAMTEST") != "yes" or not os.path.exists(PAMENV.get("PAM_WRAPPER_LIB", "")):
        skip_all("pam_wrapper not found by configure")
    if not os.path.exists(nss_wrapper_lib()):
        skip_all("nss_wrapper (libnss-wrapper) not installed")
    if not shutil.which("pamtester"):
        skip_all("pamtester not installed")
    if not os.path.exists(MODULE):
        skip_all("pam_frontegg.so not built")


FIRST_UID = 2000


class PamHost(Host):
    """A host with real PAM stacks: 'good' (password right) and 'bad' (wrong),
    both the man page's stack with pam_permit / pam_deny in pam_unix's place."""

    def __init__(self, emu, users, name="host", uids=None, **settings):
        settings.setdefault("helper", HELPER)
        super().__init__(emu, name=name, **settings)
        self.users = list(users)
        self.uids = dict(uids or {})  # users that must keep their real uid
        self.services = os.path.join(self.dir, "services")
        os.makedirs(self.services, exist_ok=True)
        # A copy the test owns: an application running as another user may
        # not be able to enter the checkout (a 0700 clone).
        self.module = os.path.join(self.dir, "pam_frontegg.so")
        shutil.copy(MODULE, self.module)
        self.write_nss()
        self.write_services()

    def write_nss(self):
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n")
            for i, u in enumerate(self.users):
                uid = self.uids.get(u, FIRST_UID + i)
                f.write("%s:x:%d:%d::/home/%s:/bin/sh\n" % (u, uid, uid, u))
        with open(os.path.join(self.dir, "group"), "w") as f:
            f.write("root:x:0:\n")
            for i, u in enumerate(self.users):
                f.write("%s:x:%d:\n" % (u, self.uids.get(u, FIRST_UID + i)))

    def write_services(self):
        mod = "%s conf=%s" % (self.module, self.conf)
        sysdir = PAMENV["SYSTEM_PAM_MODULE_DIR"]
        for service, pw in (("good", "pam_permit"), ("bad", "pam_deny")):
            write(os.path.join(self.services, service),
                  "auth     required      %s preauth\n"
                  "auth     sufficient    %s/%s.so\n"
                  "auth     [default=die] %s authfail\n"
                  "auth     sufficient    %s authsucc\n"
                  "account  required      %s\n"
                  "account  required      %s/pam_permit.so\n"
                  % (mod, sysdir, pw, mod, mod, mod, sysdir))
        # libpam falls back to "other" for unknown services: make it refuse.
        write(os.path.join(self.services, "other"),
              "auth required %s/pam_deny.so\naccount required %s/pam_deny.so\n"
              % (sysdir, sysdir))

    def pam_env(self, fake_clock=None):
        preload = [PAMENV["PAM_WRAPPER_LIB"], nss_wrapper_lib()]
        asan = asan_runtime()
        env = {
            "PAM_WRAPPER": "1",
            "PAM_WRAPPER_SERVICE_DIR": self.services,
            "NSS_WRAPPER_PASSWD": os.path.join(self.dir, "passwd"),
            "NSS_WRAPPER_GROUP": os.path.join(self.dir, "group"),
            "PATH": "/usr/bin:/bin",
        }
        if asan:
            preload.insert(0, asan)
            env["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=0"
        if fake_clock:
            preload.append(CLOCK_SHIM)
            env["PF_FAKE_CLOCK_FILE"] = fake_clock
        if not REALLY_ROOT:  # the application runs as (fake) root
            preload.append(uid_wrapper_lib())
            env.update(UID_WRAPPER="1", UID_WRAPPER_ROOT="1", UID_WRAPPER_DISABLE_DEEPBIND="1")
        env["LD_PRELOAD"] = " ".join(preload)
        return env

    def pamtester(self, service, user, *ops, rhost="192.0.2.10", fake_clock=None, as_uid=None):
        cmd = ["pamtester", "-I", "rhost=%s" % rhost, "-I", "tty=ssh", service, user] + list(ops)
        if as_uid is not None:  # an unprivileged application, e.g. a screen locker
            require_really_root("the application runs as another real user")
            cmd = ["setpriv", "--reuid=%d" % as_uid, "--regid=%d" % as_uid, "--clear-groups",
                   "--"] + cmd
        return subprocess.run(cmd, input="", capture_output=True, text=True,
                              env=self.pam_env(fake_clock), timeout=60)

    def login(self, user, password_ok=True, **kw):
        """sshd with a password: auth, then account. Returns True when let in."""
        p = self.pamtester("good" if password_ok else "bad", user, "authenticate",
                           "acct_mgmt", **kw)
        return p.returncode == 0

    def key_login(self, user, **kw):
        """sshd with a public key: no auth phase, only account."""
        return self.pamtester("good", user, "acct_mgmt", **kw).returncode == 0


def wait_for(predicate, timeout=15.0, what="condition"):
    """Polls an asynchronous outcome (a detached push) up to a deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)


DRIVER = os.path.join(BUILDDIR, "tests", "lib", "pam-driver")


def drive(host, service, prefix, users, count, first=0, expect="any"):
    """Starts pam-driver on host (returns the Popen): count transactions of
    service for users prefix<first>.. round robin, without a tty; it exits
    1 when one did not end as expected (ok, fail or any)."""
    env = host.pam_env()
    if PAMENV.get("PF_SANITIZERS") == "yes":
        env["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=0"
    spec = "name=drive,service=%s,users=%s,nusers=%d,count=%d,first=%d,expect=%s,notty" % (
        service, prefix, users, count, first, expect)
    return subprocess.Popen([DRIVER, "--rounds", "1", "--warmup", "0", "--case", spec],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def helper_processes():
    """The argv (bytes) of every running frontegg-lockout."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        while argv and argv[-1] == b"":
            argv.pop()
        if argv and argv[0].endswith(b"frontegg-lockout"):
            yield argv


def pushes_running(user):
    """Detached `frontegg-lockout push USER` processes still alive."""
    return sum(1 for argv in helper_processes()
               if len(argv) >= 3 and argv[-2] == b"push" and argv[-1] == user.encode())


# --- frontegg_chkstate installed setgid, as the packages do


def helper_group_gid():
    """A system group 'nobody' is not in, standing in for the frontegg group."""
    import grp
    for name in ("daemon", "adm", "sys"):
        try:
            return grp.getgrnam(name).gr_gid
        except KeyError:
            continue
    raise RuntimeError("no group for the setgid checker")


def setgid_chkstate_beside(host, gid):
    """frontegg_chkstate (its test build) as host's checker: root:GID mode
    2755 in host's directory, beside the configuration it reads."""
    require_really_root("the checker is made setgid to another group")
    path = os.path.join(host.dir, "frontegg_chkstate")
    shutil.copy(CHKSTATE_BESIDE, path)
    os.chown(path, 0, gid)
    os.chmod(path, 0o2755)
    return path


def share_state_dir(host, gid):
    """The tmpfiles.d layout: state dir 2750 root:GID, subdirectories 2770."""
    require_really_root("the state directory is given to another group")
    os.chown(host.state_dir, 0, gid)
    os.chmod(host.state_dir, 0o2750)
    host.run("status", check=0)  # root creates the group-shared subdirectories
