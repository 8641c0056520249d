"""Python API for the Frontegg emulator (the frontegg_emulator package).

    from emulator_client import Emulator

    with Emulator.start() as emu:                # temp dir, free ports
        alice = emu.put_users([{"email": "alice@example.com"}])[0]
        emu.add_fault("status", route="lock", status=503)
        ...                                        # point the client at emu.api_url / emu.ca_file
        assert emu.counters()["requests"]["lock"] == 1

Standard library only (urllib for the control port, which bypasses any proxy
from the environment; http.client + ssl for the convenience API helpers).
"""

import http.client
import json
import os
import selectors
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_SCRIPT = os.path.join(HERE, "frontegg_emulator")  # the package, run as a directory
DEFAULT_CLIENT_ID = "test-client-id"
DEFAULT_SECRET = "test-secret"
START_TIMEOUT = 10.0

# The control port is loopback: never send it through an environment proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class EmulatorError(Exception):
    """A failed start, or a control call the emulator refused (status set)."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def _read_int(path):
    with open(path) as f:
        return int(f.read().strip())


def _wait_ready_line(proc, timeout):
    """Read the server's stdout until its READY line (or exit/timeout)."""
    deadline = time.monotonic() + timeout
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while b"\n" not in buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EmulatorError("emulator not ready after %.0f s" % timeout)
            if sel.select(remaining):
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    raise EmulatorError("emulator exited during start-up (status %s)"
                                        % proc.wait())
                buf += chunk
    line = buf.split(b"\n", 1)[0].decode("utf-8", "replace")
    if not line.startswith("READY "):
        raise EmulatorError("unexpected start-up line: %r" % line)
    return line


def _parse_ready(line):
    """'READY https://127.0.0.1:P control=http://127.0.0.1:C' -> (P, C)."""
    api, control = line.split()[1:3]
    return (urllib.parse.urlsplit(api).port,
            urllib.parse.urlsplit(control.split("=", 1)[1]).port)


class Emulator:
    """A running emulator: a child process of ours (start)."""

    def __init__(self, directory, control_port, port=None, proc=None, owns_dir=False):
        self._dir = os.path.abspath(directory)
        self._control_port = control_port
        self._port = port
        self._proc = proc
        self._owns_dir = owns_dir

    # ---- life cycle ------------------------------------------------------

    @classmethod
    def start(cls, dir=None, *, port=0, control_port=0, client_id=None, secret=None,
              secret_file=None, token_ttl=None, rate_limit=None, verbose=False,
              timeout=START_TIMEOUT, remove_dir=False):
        """Spawn the frontegg_emulator package with this interpreter; return once READY.

        dir=None uses a fresh temp dir that stop() removes; so does
        remove_dir=True for a DIR the caller made for it.  A `secret` is
        written to DIR/secret (0600) and passed as --secret-file, never on the
        command line.  Server stderr goes to
        DIR/emulator.log; a failed start raises EmulatorError quoting it."""
        owns_dir = dir is None or remove_dir
        directory = tempfile.mkdtemp(prefix="frontegg-emu-") if dir is None else os.path.abspath(dir)
        os.makedirs(directory, exist_ok=True)
        if secret is not None:
            secret_file = os.path.join(directory, "secret")
            fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secret + "\n")
        args = [sys.executable, SERVER_SCRIPT, "--dir", directory,
                "--port", str(port), "--control-port", str(control_port)]
        for flag, value in (("--client-id", client_id), ("--secret-file", secret_file),
                            ("--token-ttl", token_ttl), ("--rate-limit", rate_limit)):
            if value is not None:
                args += [flag, str(value)]
        if verbose:
            args.append("--verbose")

        log_path = os.path.join(directory, "emulator.log")
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=log)
        try:
            api_port, ctl_port = _parse_ready(_wait_ready_line(proc, timeout))
        except (EmulatorError, ValueError, IndexError) as e:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()
            raise EmulatorError("%s (log: %s)\n--- emulator stderr ---\n%s"
                                % (e, log_path, _tail(log_path))) from None
        return cls(directory, ctl_port, api_port, proc, owns_dir)

    def stop(self, timeout=10.0):
        """Stop the emulator: SIGTERM, SIGKILL if it does not exit within timeout."""
        if self._proc is not None:
            self._stop_child(timeout)
        if self._owns_dir:
            shutil.rmtree(self._dir, ignore_errors=True)

    def _stop_child(self, timeout):
        proc, self._proc = self._proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()

    @property
    def exit_status(self):
        """Return code of our child once it has exited, else None."""
        return self._proc.poll() if self._proc is not None else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- where it is -------------------------------------------------------

    @property
    def dir(self):
        return self._dir

    @property
    def port(self):
        return self._port

    @property
    def control_port(self):
        return self._control_port

    @property
    def api_url(self):
        return "https://127.0.0.1:%d" % self._port

    @property
    def control_url(self):
        return "http://127.0.0.1:%d" % self._control_port

    @property
    def ca_file(self):
        return os.path.join(self._dir, "ca.pem")

    @property
    def other_ca_file(self):
        return os.path.join(self._dir, "other-ca.pem")

    @property
    def log_file(self):
        return os.path.join(self._dir, "emulator.log")

    @property
    def pid(self):
        return self._proc.pid if self._proc is not None else self.health()["pid"]

    # ---- control calls -----------------------------------------------------

    def _call(self, method, path, body=None, query=None):
        url = self.control_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with _OPENER.open(req, timeout=30) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            try:
                message = json.loads(e.read()).get("error", e.reason)
            except (ValueError, AttributeError):
                message = e.reason
            raise EmulatorError("%s %s: %s" % (method, path, message), e.code) from None
        except (urllib.error.URLError, OSError) as e:
            raise EmulatorError("emulator control port %d unreachable: %s"
                                % (self._control_port, e)) from None

    def _user_or_none(self, path, query=None):
        try:
            return self._call("GET", path, query=query)
        except EmulatorError as e:
            if e.status == 404:
                return None
            raise

    def health(self):
        return self._call("GET", "/health")

    def put_users(self, users):
        """Add or replace users; each needs 'email', may give 'id', 'isLocked',
        'tenantId', 'tenantIds', 'metadata' (dict or JSON string), 'name', ...
        Returns the stored users (with generated ids)."""
        return self._call("PUT", "/users", {"users": list(users)})["users"]

    def add_user(self, email, id=None, locked=False, **fields):
        """Convenience: put one user, return it."""
        spec = dict(fields, email=email, isLocked=locked)
        if id is not None:
            spec["id"] = id
        return self.put_users([spec])[0]

    def generate_users(self, count, email_format="user{n}@example.com", locked_every=0, start=1):
        """Bulk-create users n = start .. start+count-1; every locked_every-th is locked."""
        return self._call("POST", "/users/generate", {"count": count, "email_format": email_format,
                                                      "locked_every": locked_every, "start": start})

    def delete_users(self):
        return self._call("DELETE", "/users")

    def delete_user(self, user_id):
        return self._call("DELETE", "/users/" + urllib.parse.quote(user_id, safe=""))

    def users(self):
        return self._call("GET", "/users")["users"]

    def user(self, user_id):
        """The user (isLocked as a plain bool), or None."""
        return self._user_or_none("/users/" + urllib.parse.quote(user_id, safe=""))

    def user_by_email(self, email):
        return self._user_or_none("/users", {"email": email})

    def admin_lock(self, user_id):
        """Lock as an admin in the Frontegg portal would (not an API request)."""
        return self._call("POST", "/users/%s/lock" % urllib.parse.quote(user_id, safe=""))

    def admin_unlock(self, user_id):
        return self._call("POST", "/users/%s/unlock" % urllib.parse.quote(user_id, safe=""))

    def counters(self, route=None):
        """All counters; with route (a request kind), that route's requests,
        answers by status and requests by cause."""
        return self._call("GET", "/counters", query={"route": route} if route else None)

    def set_cause(self, cause):
        """File the requests that follow under this cause (None: untagged)."""
        return self._call("POST", "/cause", {"cause": cause})

    def set_modes(self, **modes):
        """Switch modes (README.md, "Modes"); returns all modes."""
        return self._call("POST", "/modes", modes)

    def modes(self):
        return self._call("GET", "/modes")

    def reset_modes(self):
        return self._call("DELETE", "/modes")

    def audits(self):
        """Entries POSTed to /audits/: [{"t", "tenant_id", "body"}], oldest first."""
        return self._call("GET", "/audits")["audits"]

    def clear_audits(self):
        return self._call("DELETE", "/audits")

    def reset_counters(self):
        return self._call("POST", "/counters/reset")

    def requests(self):
        return self._call("GET", "/requests")

    def clear_requests(self):
        return self._call("DELETE", "/requests")

    def add_fault(self, kind, route="*", count=1, **params):
        """Queue a fault; see README.md for kinds and params."""
        return self._call("POST", "/faults", dict(params, kind=kind, route=route, count=count))

    def faults(self):
        return self._call("GET", "/faults")

    def clear_faults(self):
        return self._call("DELETE", "/faults")

    def expire_tokens(self):
        return self._call("POST", "/tokens/expire")

    def configure(self, **kw):
        """token_ttl, client_id, secret, rate_limit (0/None = off)."""
        return self._call("POST", "/config", kw)

    def config(self):
        return self._call("GET", "/config")

    def outage(self, down=True):
        result = self._call("POST", "/outage", {"down": bool(down)})
        self._port = result["port"]
        return result

    def reset(self):
        return self._call("POST", "/reset")


    # ---- HTTPS helpers for tests ---------------------------------------------

    def ssl_context(self, ca_file=None):
        return ssl.create_default_context(cafile=ca_file or self.ca_file)

    def connection(self, timeout=10.0, ca_file=None, host="127.0.0.1"):
        """A verifying http.client.HTTPSConnection to the API."""
        return http.client.HTTPSConnection(host, self._port, timeout=timeout,
                                           context=self.ssl_context(ca_file))

    def api(self, method, path, body=None, token=None, headers=None, conn=None):
        """One API request -> (status, headers (lower-case names), body bytes).
        Uses conn if given (keep-alive), else a fresh connection."""
        own = conn is None
        conn = conn or self.connection()
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if token:
            hdrs["Authorization"] = "Bearer " + token
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            if own:
                conn.close()

    def get_token(self, client_id=DEFAULT_CLIENT_ID, secret=DEFAULT_SECRET):
        status, _, body = self.api("POST", "/auth/vendor", {"clientId": client_id, "secret": secret})
        if status != 200:
            raise EmulatorError("token request failed: %d %s" % (status, body[:200]), status)
        return json.loads(body)["token"]


def _tail(path, limit=4000):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
