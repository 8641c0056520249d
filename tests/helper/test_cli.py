#!/usr/bin/env python3
"""frontegg-lockout as administrators and the module use it: every verb's
output and exit code against the Frontegg emulator over real TLS, doctor's
diagnoses. What an unprivileged caller may do is tests/helper/test_privsplit.py."""
import json
import os
import shutil
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import pftest  # noqa: E402
from pftest import Host, eq, test  # noqa: E402

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_DENIED, EXIT_CONFIG, EXIT_STATE, EXIT_CLOUD = range(7)


def user_in_cloud(ctx, email):
    return ctx["emu"].user_by_email(email)


@test
def help_documents_every_verb(ctx):
    p = subprocess.run([pftest.HELPER, "--help"], capture_output=True, text=True)
    eq(p.returncode, 0)
    for verb in ("status", "lock", "unlock", "reset-link", "sync", "doctor", "check",
                 "refresh", "record-failure", "record-success", "push"):
        assert "\n  %s " % verb in p.stdout, verb
    p = subprocess.run([pftest.HELPER, "--version"], capture_output=True, text=True)
    eq(p.returncode, 0)
    assert p.stdout.startswith("frontegg-lockout "), p.stdout


@test
def unknown_verb_and_bad_arity_are_usage_errors(ctx):
    h = ctx["host"]
    p = h.run("frobnicate")
    eq(p.returncode, EXIT_USAGE)
    eq(len(p.stderr.strip().splitlines()), 1, "one line on stderr")
    eq(h.run("lock").returncode, EXIT_USAGE)
    eq(h.run("lock", "a", "b").returncode, EXIT_USAGE)
    eq(h.run("status", "../etc/passwd").returncode, EXIT_USAGE)


@test
def lock_and_unlock_reach_frontegg(ctx):
    h, emu = ctx["host"], ctx["emu"]
    emu.add_user("daemon@example.com")
    p = h.run("lock", "daemon", check=EXIT_OK)
    assert "locked on this host and in Frontegg" in p.stdout, p.stdout
    assert user_in_cloud(ctx, "daemon@example.com")["isLocked"] is True
    st = h.user_status("daemon")
    eq(st["host_locked"], True)
    eq(st["locked_until"], None)
    eq(st["cloud"], "locked")
    eq(st["cloud_lock_pushed"], True)
    p = h.run("unlock", "daemon", check=EXIT_OK)
    assert "unlocked on this host and in Frontegg" in p.stdout, p.stdout
    assert user_in_cloud(ctx, "daemon@example.com")["isLocked"] is False
    eq(h.user_status("daemon")["host_locked"], False)


@test
def status_json_is_stable(ctx):
    h = ctx["host"]
    h.fail("bin", 2)
    doc = h.status()
    assert set(doc) == {"users", "outbox_depth", "outbox_parked", "rate_limited_until",
                        "last_sync"}, doc.keys()
    eq(doc["rate_limited_until"], None)
    users = {u["user"]: u for u in doc["users"]}
    bin_ = users["bin"]
    eq(set(bin_), {"user", "state", "failures", "failures_total", "host_locked", "would_lock", "lock_since", "failure_records",
                   "locked_until", "cloud", "cloud_checked_at", "frontegg_id",
                   "cloud_lock_pushed", "outbox", "outbox_parked", "push_failures",
                   "push_failed_at"})
    eq(bin_["failures"], 2)
    eq(bin_["state"], "ok")
    p = h.run("status", check=EXIT_OK)
    header = p.stdout.splitlines()[0].split()
    eq(header[:2], ["USER", "FAILURES"])
    assert "outbox:" in p.stdout and "last sync:" in p.stdout


@test
def status_table_columns_line_up(ctx):
    h = ctx["host"]
    h.fail("irc")
    h.run("lock", "list")  # "until unlocked", an outbox entry: cells with spaces
    lines = h.run("status", check=EXIT_OK).stdout.split("\n\n")[0].splitlines()
    header = lines[0]
    starts = [i for i in range(1, len(header)) if header[i - 2:i] == "  " and header[i] != " "]
    eq(len(starts), 6, header)
    assert len(lines) >= 3, lines
    for line in lines[1:]:
        for i in starts:
            assert line[i - 2:i] == "  " and line[i] != " ", "misaligned:\n%s\n%s" % (header, line)


@test
def record_verbs_follow_the_protocol(ctx):
    h = ctx["host"]
    eq(h.fail("sys", 2), ["counted 1", "counted 2"])
    out = h.fail("sys")[0]
    assert out.startswith("locked "), out
    eq(h.fail("sys")[0], "while-locked 4")
    p = h.run("check", "sys", check=EXIT_OK)
    assert p.stdout.startswith("host-locked "), p.stdout
    eq(h.run("record-success", "sys", check=EXIT_OK).stdout, "locked\n")
    h.run("unlock", "sys")
    eq(h.run("record-success", "sys", check=EXIT_OK).stdout, "cleared\n")
    eq(h.run("record-failure", "sys", stdin="x" * 5000).returncode, EXIT_USAGE)


@test
def lock_transition_queues_and_push_delivers(ctx):
    h, emu = ctx["host"], ctx["emu"]
    emu.add_user("games@example.com")
    emu.reset_counters()
    h.fail("games", 3)
    eq(h.user_status("games")["outbox"], "lock")
    eq(h.run("push", "games", check=EXIT_OK).stdout, "pushed\n")
    eq(h.user_status("games")["outbox"], None)
    eq(emu.counters()["requests"]["lock"], 1)
    assert user_in_cloud(ctx, "games@example.com")["isLocked"] is True


@test
def reset_link_prints_the_link(ctx):
    h, emu = ctx["host"], ctx["emu"]
    emu.add_user("man@example.com")
    p = h.run("reset-link", "man", check=EXIT_OK)
    assert p.stdout.startswith("https://") and "token=" in p.stdout, p.stdout
    eq(h.run("reset-link", "lp").returncode, EXIT_FAILURE)  # no Frontegg user


@test
def refresh_sees_a_portal_lock(ctx):
    h, emu = ctx["host"], ctx["emu"]
    u = emu.add_user("mail@example.com")
    eq(h.run("refresh", "mail", check=EXIT_OK).stdout, "allow\n")
    emu.admin_lock(u["id"])
    # An answer younger than cloud_cache_ttl is used as it is: one request per ttl.
    eq(h.run("refresh", "mail", check=EXIT_OK).stdout, "allow\n")
    h.set(cloud_cache_ttl=0)
    try:
        eq(h.run("refresh", "mail", check=EXIT_OK).stdout, "cloud-locked\n")
    finally:
        h.set(cloud_cache_ttl=None)
    eq(h.run("check", "mail", check=EXIT_OK).stdout, "cloud-locked\n")


@test
def sync_runs_and_is_recorded(ctx):
    h = ctx["host"]
    metrics = os.path.join(h.dir, "metrics.prom")
    # "list" and "sys" have no Frontegg user: their actions are parked, not
    # dropped, and sync says so with its exit status.
    p = h.run("sync", "--metrics-file", metrics, check=EXIT_CLOUD)
    assert "2 outbox entries parked" in p.stderr, p.stderr
    doc = h.status()
    assert doc["last_sync"]["success"] is not None
    eq((doc["outbox_depth"], doc["outbox_parked"]), (2, 2))
    text = open(metrics).read()
    assert "pam_frontegg_outbox_depth 2" in text, text
    assert "pam_frontegg_outbox_parked 2" in text, text
    assert 'pam_frontegg_sync_api_errors{kind="network"} 0' in text


@test
def doctor_all_ok(ctx):
    h, emu = ctx["host"], ctx["emu"]
    emu.add_user("news@example.com")
    p = h.run("doctor", "news", check=EXIT_OK)
    lines = p.stdout.splitlines()
    # WARN: the build tree's frontegg_chkstate is not installed setgid (screen lockers only)
    assert all(line.split()[0] in ("OK", "WARN") for line in lines), p.stdout
    for check in ("config", "secret", "ca", "connectivity", "token", "mapping"):
        assert any(line.split()[1] == check for line in lines), check


def failing_checks(p):
    return [line.split()[1] for line in p.stdout.splitlines() if line.startswith("FAIL")]


@test
def doctor_names_a_bad_secret_mode(ctx):
    h = Host(ctx["emu"], name="badsecret")
    try:
        os.chmod(h.secret_file, 0o644)
        p = h.run("doctor")
        eq(p.returncode, EXIT_FAILURE)
        eq(failing_checks(p), ["config", "secret"])  # check-config's line, then the read
        assert "0644" in p.stdout, p.stdout
    finally:
        h.cleanup()


@test
def doctor_tests_the_credentials_with_a_fresh_token(ctx):
    h = Host(ctx["emu"], name="fresh")
    try:
        ctx["emu"].add_user("gnats@example.com")
        h.run("refresh", "gnats", check=EXIT_OK)  # caches a vendor token
        assert os.path.exists(os.path.join(h.state_dir, "token"))
        pftest.write(h.secret_file, "not-the-secret\n", 0o600)
        p = h.run("doctor")
        eq(p.returncode, EXIT_FAILURE)
        eq(failing_checks(p), ["token"])
        assert "unauthorized" in p.stdout, p.stdout
    finally:
        h.cleanup()


@test
def doctor_labels_a_state_dir_problem_state(ctx):
    h = Host(ctx["emu"], name="badstate")
    try:
        os.chmod(h.state_dir, 0o777)
        p = h.run("doctor")
        eq(p.returncode, EXIT_FAILURE)
        eq(failing_checks(p), ["state"])
        assert h.state_dir in p.stdout, p.stdout
    finally:
        h.cleanup()


@test
def doctor_names_a_wrong_ca(ctx):
    h = Host(ctx["emu"], name="wrongca", ca_file=ctx["emu"].other_ca_file)
    try:
        p = h.run("doctor")
        eq(p.returncode, EXIT_FAILURE)
        eq(failing_checks(p), ["ca"])
    finally:
        h.cleanup()


@test
def doctor_names_an_unreachable_host(ctx):
    h = Host(ctx["emu"], name="unreachable", api_url="https://127.0.0.1:9", timeout="0.5")
    try:
        started = time.monotonic()
        p = h.run("doctor")
        eq(p.returncode, EXIT_FAILURE)
        eq(failing_checks(p), ["connectivity"])
        assert time.monotonic() - started < 10
    finally:
        h.cleanup()


@test
def doctor_names_an_unmapped_user(ctx):
    h = Host(ctx["emu"], name="unmapped", user_email=None)
    try:
        p = h.run("doctor", "daemon")
        eq(p.returncode, EXIT_FAILURE)
        eq(failing_checks(p), ["config", "mapping"])
        assert "no user is mapped to Frontegg" in p.stdout, p.stdout
    finally:
        h.cleanup()


@test
def inv13_bad_value_is_one_clear_line_and_keeps_its_default(ctx):
    h = Host(ctx["emu"], name="badconf", deny="0")
    try:
        p = h.run("status")
        eq(p.returncode, EXIT_OK)
        eq([line for line in p.stderr.splitlines() if "deny" in line],
           ["frontegg-lockout: %s:9: deny: must be a whole number between 1 and 64" % h.conf])
        eq(h.fail("bin", 3)[-1].split()[0], "locked", "deny kept its default of 3")
        os.chmod(h.conf, 0o666)
        p = h.run("status")
        eq(p.returncode, EXIT_CONFIG)
        assert "configuration not used (%s: " % h.conf in p.stderr, p.stderr
    finally:
        h.cleanup()


# --- libcurl is loaded only by the verbs that talk to Frontegg


@test
def environment_is_ignored(ctx):
    h, emu = ctx["host"], ctx["emu"]
    emu.add_user("proxy@example.com")
    hostile = {
        "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
        "ALL_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
        "CURL_CA_BUNDLE": ctx["emu"].other_ca_file, "SSL_CERT_FILE": ctx["emu"].other_ca_file,
        "CURL_HOME": "/nonexistent", "LD_LIBRARY_PATH": "/nonexistent",
    }
    p = h.run("lock", "proxy", env=hostile)
    eq(p.returncode, EXIT_OK, p.stderr)
    assert emu.user_by_email("proxy@example.com")["isLocked"] is True


@test
def secret_never_in_logs_argv_or_environment(ctx):
    h, emu = ctx["host"], ctx["emu"]
    emu.add_user("secret@example.com")
    emu.add_fault("hang", route="lock")
    proc = subprocess.Popen([pftest.HELPER, "--conf", h.conf, "lock", "secret"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={})
    try:
        seen = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and emu.counters()["requests"]["lock"] == 0:
            time.sleep(0.05)  # polling the emulator, not waiting for a race
        for name in ("cmdline", "environ"):
            with open("/proc/%d/%s" % (proc.pid, name), "rb") as f:
                seen += f.read()
        assert pftest.SECRET.encode() not in seen
    finally:
        emu.clear_faults()
        out, err = proc.communicate(timeout=30)
    assert pftest.SECRET.encode() not in out + err
    token = os.path.join(h.state_dir, "token")
    eq(stat.S_IMODE(os.stat(token).st_mode), 0o600)
    eq(os.stat(token).st_uid, pftest.OWNER)


@test
def shipped_helper_trusts_only_root(ctx):
    """The test builds trust the owner of the build tree (tests/lib/variants.mk);
    what ships trusts root alone, whoever runs it: a configuration owned by
    anyone else is refused."""
    shipped = os.path.join(pftest.BUILDDIR, "helper", "frontegg-lockout")
    h = Host(ctx["emu"], name="owner")
    try:
        env = {}
        if pftest.REALLY_ROOT:
            os.chown(h.conf, 65534, 65534)
        else:  # root by uid_wrapper; the file stays ours
            env = {"LD_PRELOAD": pftest.uid_wrapper_lib(), "UID_WRAPPER": "1",
                   "UID_WRAPPER_ROOT": "1"}
        p = h.run("status", env=env, helper=shipped)
        eq(p.returncode, EXIT_CONFIG, p.stderr)
        owner = 65534 if pftest.REALLY_ROOT else pftest.OWNER
        assert "owned by uid %d, expected uid 0" % owner in p.stderr, p.stderr
    finally:
        h.cleanup()


@test
def check_config_is_a_gate_anyone_can_run(ctx):
    h = ctx["host"]
    p = h.run("check-config", h.conf, check=EXIT_OK)
    eq(p.stdout, "%s: OK\n" % h.conf)
    bad = Host(ctx["emu"], name="gate", deny="many", dney="3")
    try:
        p = bad.run("check-config", bad.conf)
        eq(p.returncode, EXIT_CONFIG)
        eq(p.stdout.splitlines(), [
            "%s:9: deny: must be a whole number between 1 and 64" % bad.conf,
            "%s:10: dney: unknown option, ignored" % bad.conf])
        if pftest.REALLY_ROOT:  # Ansible's validate may run it unprivileged
            for conf, want in ((bad.conf, EXIT_CONFIG), (h.conf, EXIT_OK)):
                p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                                    "--clear-groups", pftest.HELPER, "check-config", conf],
                                   capture_output=True, text=True)
                eq(p.returncode, want, p.stdout + p.stderr)
    finally:
        bad.cleanup()


# --- forensics


def login_user():
    """The name behind this process's login uid, or None when it is unset."""
    import pwd
    try:
        uid = int(open("/proc/self/loginuid").read())
        return None if uid == 4294967295 else pwd.getpwuid(uid).pw_name
    except (OSError, ValueError, KeyError):
        return None


@test
def forensics_admin_action_names_the_actor_and_the_reason(ctx):
    h = ctx["host"]
    log = os.path.join(h.dir, "syslog")
    env = {"LD_PRELOAD": pftest.SYSLOG_SHIM, "PF_FAKE_SYSLOG_FILE": log,
           "ASAN_OPTIONS": "verify_asan_link_order=0", "SUDO_USER": "alice"}
    h.run("lock", "uucp", "--reason", 'ticket "42": brute force', env=env)
    h.run("unlock", "uucp", env=dict(env, SUDO_USER="../x"))  # not a name: ignored
    lines = [line for line in open(log).read().splitlines() if "admin action:" in line]
    eq(len(lines), 2, lines)
    actor = login_user() or "alice"
    assert ("admin action: action=lock user=uucp actor=%s caller=root time=" % actor) \
        in lines[0], lines[0]
    assert lines[0].endswith("Z reason=\"ticket '42': brute force\""), lines[0]
    assert "actor=%s " % (login_user() or "root") in lines[1], lines[1]
    assert " reason=\"\"" in lines[1], lines[1]


@test
def forensics_status_lists_the_failures_on_record(ctx):
    h = ctx["host"]
    h.fail("proxy", 2, service="sshd", rhost="198.51.100.7")
    p = h.run("status", "proxy", check=EXIT_OK)
    table = p.stdout.split("failures on record: 2\n")[1].splitlines()
    eq(table[0].split(), ["WHEN", "SERVICE", "SOURCE", "TTY", "COUNTS"])
    for row in table[1:3]:
        when, service, source, tty, counts = row.split()
        assert when.endswith("Z") and "T" in when, when
        eq((service, source, tty, counts), ("sshd", "198.51.100.7", "ssh", "yes"))
    records = h.user_status("proxy")["failure_records"]
    eq([(r["service"], r["rhost"], r["tty"], r["counts"]) for r in records],
       [("sshd", "198.51.100.7", "ssh", True)] * 2)


# --- a verb's exit status says what it printed


@test
def truthful_unlock_root_and_lock_unmapped_queue_nothing(ctx):
    h = ctx["host"]
    p = h.run("unlock", "root", check=EXIT_OK)
    eq(p.stdout, "root: unlocked on this host (Frontegg not in use for this user)\n")
    eq(h.user_status("root")["outbox"], None)
    assert "queued" not in p.stdout + p.stderr and "dropped" not in p.stderr, p.stderr
    bare = Host(ctx["emu"], name="unmapped", user_email=None)
    try:
        p = bare.run("lock", "daemon", check=EXIT_OK)
        eq(p.stdout, "daemon: locked on this host (Frontegg not in use for this user)\n")
        eq(bare.user_status("daemon")["outbox"], None)
        eq(bare.user_status("daemon")["host_locked"], True)
    finally:
        bare.cleanup()


@test
def truthful_status_of_an_unknown_user_fails(ctx):
    p = ctx["host"].run("status", "nosuchuser")
    eq(p.returncode, EXIT_FAILURE)
    eq(p.stdout, "")
    assert "unknown user nosuchuser" in p.stderr, p.stderr


def run_on_read_only_state(h, *args, env=None):
    """frontegg-lockout ARGS with h's state directory mounted read-only."""
    script = ('mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && '
              'shift && exec "$@"')
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", h.state_dir,
                           pftest.HELPER, "--conf", h.conf] + list(args),
                          capture_output=True, text=True, timeout=60, env=env)


@test
def truthful_sync_fails_on_a_read_only_state_dir(ctx):
    pftest.require_really_root("a read-only bind mount in a mount namespace")
    h = Host(ctx["emu"], name="rostate", unlock_time=60, user_email=None)
    try:
        h.fail("bin", 3)
        h.run("sync", check=EXIT_OK)
        clock = os.path.join(h.dir, "clock")  # the lock is over: sync must write that
        pftest.write(clock, "%d\n" % (int(time.time()) + 61))
        p = run_on_read_only_state(h, "sync", env={
            "LD_PRELOAD": pftest.CLOCK_SHIM, "PF_FAKE_CLOCK_FILE": clock,
            "ASAN_OPTIONS": "verify_asan_link_order=0", "PATH": "/usr/bin:/bin"})
        eq(p.returncode, EXIT_STATE, p.stderr)
        assert "sync: cannot update the record of bin" in p.stderr, p.stderr
    finally:
        h.cleanup()


@test
def truthful_metrics_file_must_be_absolute_and_written(ctx):
    h = ctx["host"]
    p = h.run("sync", "--metrics-file", "relative.prom")
    eq(p.returncode, EXIT_USAGE)
    assert "--metrics-file must be an absolute path" in p.stderr, p.stderr
    p = h.run("sync", "--metrics-file", "/nonexistent/dir/metrics.prom")
    eq(p.returncode, EXIT_FAILURE)
    assert "cannot write the metrics file" in p.stderr, p.stderr


@test
def truthful_missing_state_dir_is_created_and_reported(ctx):
    pftest.require_really_root("the directory's owner must be root")
    h = Host(ctx["emu"], name="nostate")
    try:
        shutil.rmtree(h.state_dir)
        p = h.run("status", check=EXIT_OK)
        st = os.stat(h.state_dir)
        try:
            import grp
            gid = grp.getgrnam("frontegg").gr_gid
            eq((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid), (0o2750, pftest.OWNER, gid))
        except KeyError:
            eq((stat.S_IMODE(st.st_mode), st.st_uid), (0o700, pftest.OWNER))
            assert "created 0700 root:root: group frontegg does not exist" in p.stderr, p.stderr
    finally:
        h.cleanup()


def setup():
    pftest.require_root()
    emu = pftest.start_emulator()
    return {"emu": emu, "host": Host(emu)}


def teardown(ctx):
    ctx["host"].cleanup()
    ctx["emu"].stop()
    shutil.rmtree(ctx["emu"].dir, ignore_errors=True)


if __name__ == "__main__":
    pftest.run(setup, teardown)
