#!/usr/bin/env python3
"""Administrator mistakes, one row each (doc/invariants.md, invariants 7 and
13): for every row root still logs in through a real PAM stack (password and
SSH key), `frontegg-lockout check-config` exits 4 naming the file and line
(rows that only the network can reveal have no offline line to name; a
module argument is named in the PAM service file, `check-config --pam`), and
`frontegg-lockout doctor` names the real cause under the right label."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pftest  # noqa: E402
from pftest import PamHost, eq, test, write  # noqa: E402

EXIT_OK, EXIT_CONFIG = 0, 4


class MistakeHost(PamHost):
    """A PamHost whose module lines may carry extra arguments. state_dir is
    always an argument too, so even host-only defaults stay in the test's
    directory."""

    def __init__(self, emu, args="", **settings):
        self.args = args
        super().__init__(emu, ["alice"], name="mistake", **settings)

    def write_services(self):
        mod = "%s conf=%s state_dir=%s %s" % (self.module, self.conf, self.state_dir, self.args)
        sysdir = pftest.PAMENV["SYSTEM_PAM_MODULE_DIR"]
        write(os.path.join(self.services, "good"),
              "auth     required      %s preauth\n"
              "auth     sufficient    %s/pam_permit.so\n"
              "auth     [default=die] %s authfail\n"
              "auth     sufficient    %s authsucc\n"
              "account  required      %s\n"
              "account  required      %s/pam_permit.so\n"
              % (mod, sysdir, mod, mod, mod, sysdir))
        write(os.path.join(self.services, "other"),
              "auth required %s/pam_deny.so\naccount required %s/pam_deny.so\n"
              % (sysdir, sysdir))

    def line_of(self, key):
        """The line of the configuration file that sets key."""
        with open(self.conf) as f:
            for n, line in enumerate(f, 1):
                if line.split("=")[0].strip() == key:
                    return n
        raise AssertionError("%s is not in %s" % (key, self.conf))


def not_pem(h):
    path = os.path.join(h.dir, "not-a-cert.pem")
    write(path, "this is not a certificate\n")
    h.set(ca_file=path)


def inline_secret_readable(h):
    h.set(client_secret_file=None)
    with open(h.conf, "a") as f:
        f.write("client_secret = %s\n" % pftest.SECRET)


def chown_conf(h):
    os.chown(h.conf, 65534, 65534)


def symlinked_conf(h):
    real = h.conf + ".real"
    os.rename(h.conf, real)
    os.symlink(real, h.conf)


def map_file(mode):
    def setup(h):
        path = os.path.join(h.dir, "users.map")
        write(path, "alice alice@example.com\n", mode)
        h.set(user_map_file=path)
    return setup


# name, settings, setup(h), module arguments,
# check-config's expected text ("{conf}", "{line:KEY}"; None: nothing offline),
# doctor's expected (label, text).
MISTAKES = [
    ("unlock_time_with_a_unit", {"unlock_time": "10m"}, None, "",
     "{conf}:{line:unlock_time}: unlock_time: must be a whole number",
     ("config", "unlock_time: must be a whole number")),
    ("deny_zero", {"deny": "0"}, None, "",
     "{conf}:{line:deny}: deny: must be a whole number between 1 and 64",
     ("config", "deny: must be")),
    ("region_in_capitals", {"region": "EU"}, None, "",
     "{conf}:{line:region}: region: must be eu, us, ca or au", ("config", "region: must be")),
    ("api_url_over_http", {"api_url": "http://api.frontegg.com"}, None, "",
     "{conf}:{line:api_url}: api_url: must be an https:// URL", ("config", "api_url")),
    ("typo_admin_grp", {"admin_grp": "wheel"}, None, "",
     "{conf}:{line:admin_grp}: admin_grp: unknown option", ("config", "admin_grp")),
    ("typo_dney", {"dney": "5"}, None, "",
     "{conf}:{line:dney}: dney: unknown option", ("config", "dney")),
    ("typo_user_emial", {"user_emial": "%u@example.com"}, None, "",
     "{conf}:{line:user_emial}: user_emial: unknown option", ("config", "user_emial")),
    ("even_deny_root_ture_in_file", {"even_deny_root": "ture"}, None, "",
     "{conf}:{line:even_deny_root}: even_deny_root: must be yes or no",
     ("config", "even_deny_root")),
    ("failmode_close", {"failmode": "close"}, None, "",
     "{conf}:{line:failmode}: failmode: must be open or closed", ("config", "failmode")),
    ("timeout_with_a_unit", {"timeout": "5s"}, None, "",
     "{conf}:{line:timeout}: timeout: must be seconds", ("config", "timeout")),
    ("template_without_a_domain", {"user_email": "%u@"}, None, "",
     "{conf}:{line:user_email}: user_email: must contain %u", ("config", "user_email")),
    ("environment_id_not_an_id", {"environment_id": "env/42"}, None, "",
     "{conf}:{line:environment_id}: environment_id: must be 1 to 64 letters, digits or dashes",
     ("config", "environment_id")),
    ("config_mode_0664", {}, lambda h: os.chmod(h.conf, 0o664), "",
     "{conf}: mode 0664 gives access to the group", ("config", "mode 0664")),
    ("config_mode_0666", {}, lambda h: os.chmod(h.conf, 0o666), "",
     "{conf}: mode 0666", ("config", "mode 0666")),
    ("config_owned_by_nobody", {}, chown_conf, "", "{conf}: owned by uid 65534", ("config", "owned by uid 65534")),
    ("config_is_a_symlink", {}, symlinked_conf, "", "{conf}: ", ("config", "symbolic link")),
    ("inline_secret_in_a_0644_file", {}, inline_secret_readable, "",
     "{conf}: holds client_secret but mode 0644", ("config", "holds client_secret")),
    ("secret_file_missing", {"client_secret_file": "/nonexistent/secret"}, None, "",
     "{conf}:{line:client_secret_file}: client_secret_file /nonexistent/secret: does not exist",
     ("secret", "does not exist")),
    ("secret_file_0644", {}, lambda h: os.chmod(h.secret_file, 0o644), "",
     "{conf}:{line:client_secret_file}: client_secret_file ", ("secret", "0644")),
    ("client_id_without_a_secret", {"client_secret_file": None}, None, "",
     "{conf}:{line:client_id}: client_id needs client_secret_file",
     ("secret", "no client_secret or client_secret_file")),
    ("map_file_0666", {}, map_file(0o666), "",
     "{conf}:{line:user_map_file}: user_map_file ", ("mapping", "mode 0666")),
    ("map_file_missing", {"user_map_file": "/nonexistent/users.map"}, None, "",
     "{conf}:{line:user_map_file}: user_map_file /nonexistent/users.map: does not exist",
     ("mapping", "No such file")),
    ("ca_file_missing", {"ca_file": "/nonexistent/ca.pem"}, None, "",
     "{conf}:{line:ca_file}: ca_file /nonexistent/ca.pem: does not exist",
     ("ca", "No such file")),
    ("ca_file_not_pem", {}, not_pem, "",
     "{conf}:{line:ca_file}: ca_file holds no PEM certificate", ("ca", "")),
    ("ca_of_another_server", {"ca_file": "{other_ca}"}, None, "", None, ("ca", "TLS")),
    ("unreachable_host", {"api_url": "https://127.0.0.1:9", "timeout": "0.5"}, None, "",
     None, ("connectivity", "network")),
    ("unresolvable_host", {"api_url": "https://no-such-host.invalid", "timeout": "0.5"}, None,
     "", None, ("connectivity", "resolve")),
    ("wrong_secret", {}, lambda h: write(h.secret_file, "wrong\n", 0o600), "", None,
     ("token", "unauthorized")),
    ("failmode_closed_and_frontegg_down",
     {"failmode": "closed", "api_url": "https://127.0.0.1:9", "timeout": "0.5"}, None, "",
     None, ("connectivity", "network")),
    ("module_argument_even_deny_root_ture", {}, None, "even_deny_root=ture",
     "{pam}:1: even_deny_root: must be yes or no", None),
    ("module_argument_mode_word_typo", {}, None, "prauth",
     "{pam}:1: prauth: unknown option", None),
    ("module_argument_deny_with_a_unit", {}, None, "deny=3x",
     "{pam}:5: deny: must be a whole number", None),
]

ROOT_ONLY = {"config_owned_by_nobody"}  # chown needs real root


def run_row(ctx, row):
    name, settings, setup, args, check, doctor = row
    if name in ROOT_ONLY:
        pftest.require_really_root("chown")
    emu = ctx["emu"]
    settings = {k: (v.replace("{other_ca}", emu.other_ca_file) if v else v)
                for k, v in settings.items()}
    h = MistakeHost(emu, args=args, **settings)
    try:
        if not emu.user_by_email("alice@example.com"):
            emu.add_user("alice@example.com")
        if setup:
            setup(h)
        lines = {k: h.line_of(k) for k, v in h.settings.items() if v is not None}
        assert h.login("root"), "%s: root's password login was refused" % name
        assert h.key_login("root"), "%s: root's key login was refused" % name
        pam = os.path.join(h.services, "good")
        p = h.run("check-config", *(["--pam", pam] if check and "{pam}" in check
                                    else [h.conf]))
        if check is None:
            eq(p.returncode, EXIT_OK, "%s: check-config\n%s" % (name, p.stdout))
        elif check:
            want = check.replace("{conf}", h.conf).replace("{pam}", pam)
            for key, n in lines.items():
                want = want.replace("{line:%s}" % key, str(n))
            eq(p.returncode, EXIT_CONFIG, "%s: check-config exit" % name)
            assert want in p.stdout, "%s: %r not in\n%s" % (name, want, p.stdout)
        if doctor:
            label, text = doctor
            p = h.run("doctor", "alice")
            assert p.returncode != 0, "%s: doctor passed\n%s" % (name, p.stdout)
            fails = [line for line in p.stdout.splitlines() if line.startswith("FAIL")]
            assert any(line.split()[1] == label and text in line for line in fails), \
                "%s: no FAIL %s naming %r in\n%s" % (name, label, text, p.stdout)
    finally:
        h.cleanup()


def make_test(row):
    def fn(ctx):
        run_row(ctx, row)
    fn.__name__ = "inv13_%s" % row[0]
    return fn


for _row in MISTAKES:
    test(make_test(_row))


def setup():
    pftest.require_pam()
    return {"emu": pftest.start_emulator()}


def teardown(ctx):
    ctx["emu"].stop()


if __name__ == "__main__":
    pftest.run(setup, teardown)
