"""The plain-HTTP control listener: seed users, inject faults, read counters."""

import http.server
import json
import os
import re
import sys
import threading
from urllib.parse import parse_qs, unquote, urlsplit

from .api import ApiListener, QuietServerMixin
from .common import IDLE_TIMEOUT, MAX_CONTROL_BODY, _unlink_quietly, atomic_write, json_bytes
from .faults import build_fault


class ControlError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _user_or_404(user):
    if user is None:
        raise ControlError(404, "no such user")
    return user


class EmulatorApp:
    """Wires State, the HTTPS listener and the control listener together and
    implements the control calls (ctl_* methods)."""

    def __init__(self, directory, state, ssl_context, port, control_port, verbose):
        self.dir = directory
        self.state = state
        self.verbose = verbose
        self.stop_requested = threading.Event()
        self.api = ApiListener(state, ssl_context, port, verbose)
        self.control = ControlServer(("127.0.0.1", control_port), self)
        self._control_thread = None

    # ---- life cycle ------------------------------------------------------

    def start(self):
        self.api.start()
        self._control_thread = threading.Thread(
            target=self.control.serve_forever, kwargs={"poll_interval": 0.1},
            name="control-listener", daemon=True)
        self._control_thread.start()
        atomic_write(os.path.join(self.dir, "port"), "%d\n" % self.api.port)
        atomic_write(os.path.join(self.dir, "control_port"), "%d\n" % self.control_port)
        atomic_write(os.path.join(self.dir, "pid"), "%d\n" % os.getpid())

    @property
    def control_port(self):
        return self.control.server_address[1]

    def stop(self):
        self.api.stop()
        self.control.shutdown()
        self.control.server_close()
        self._remove_run_files()

    def _remove_run_files(self):
        """Remove port files only if they are still ours (a newer instance
        may already have taken over DIR)."""
        pid_file = os.path.join(self.dir, "pid")
        try:
            with open(pid_file) as f:
                if f.read().strip() != str(os.getpid()):
                    return
        except OSError:
            return
        for name in ("port", "control_port", "pid"):
            _unlink_quietly(os.path.join(self.dir, name))

    # ---- control calls: (payload, query, **path groups) -> (status, obj) ----

    def ctl_health(self, payload, query):
        return 200, {"ok": True, "port": self.api.port, "control_port": self.control_port,
                     "down": self.api.down, "pid": os.getpid()}

    def ctl_put_users(self, payload, query):
        users = payload.get("users") if isinstance(payload, dict) else payload
        return 200, {"users": self.state.put_users(users)}

    def ctl_get_users(self, payload, query):
        email = (query.get("email") or [None])[0]
        if email is None:
            return 200, {"users": self.state.all_users()}
        return 200, _user_or_404(self.state.user_by_email(email))

    def ctl_delete_users(self, payload, query):
        self.state.delete_users()
        return 200, {"ok": True}

    def ctl_generate_users(self, payload, query):
        count = payload.get("count", 0)
        fmt = payload.get("email_format", "user{n}@example.com")
        every = payload.get("locked_every", 0)
        start = payload.get("start", 1)
        for name, value in (("count", count), ("locked_every", every), ("start", start)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError("%r must be a non-negative integer" % name)
        if not isinstance(fmt, str):
            raise ValueError("'email_format' must be a string")
        return 200, self.state.generate_users(count, fmt, every, start)

    def ctl_get_user(self, payload, query, user_id):
        return 200, _user_or_404(self.state.user(user_id))

    def ctl_delete_user(self, payload, query, user_id):
        if not self.state.delete_users(user_id):
            raise ControlError(404, "no such user")
        return 200, {"ok": True}

    def ctl_lock_user(self, payload, query, user_id):
        return 200, _user_or_404(self.state.set_locked(user_id, True))

    def ctl_unlock_user(self, payload, query, user_id):
        return 200, _user_or_404(self.state.set_locked(user_id, False))

    def ctl_counters(self, payload, query):
        return 200, self.state.counters_view((query.get("route") or [None])[0])

    def ctl_set_cause(self, payload, query):
        cause = payload.get("cause") if isinstance(payload, dict) else None
        if cause is not None and not isinstance(cause, str):
            raise ValueError("body must be {\"cause\": \"label\"} (null: untagged)")
        self.state.set_cause(cause)
        return 200, {"cause": self.state.counters_view()["cause"]}

    def ctl_modes(self, payload, query):
        return 200, self.state.modes_view()

    def ctl_set_modes(self, payload, query):
        return 200, self.state.set_modes(payload)

    def ctl_reset_modes(self, payload, query):
        return 200, self.state.reset_modes()

    def ctl_audits(self, payload, query):
        return 200, {"audits": self.state.audits_view()}

    def ctl_clear_audits(self, payload, query):
        self.state.clear_audits()
        return 200, {"ok": True}

    def ctl_reset_counters(self, payload, query):
        self.state.reset_counters()
        return 200, {"ok": True}

    def ctl_requests(self, payload, query):
        return 200, self.state.requests_view()

    def ctl_clear_requests(self, payload, query):
        self.state.clear_requests()
        return 200, {"ok": True}

    def ctl_faults(self, payload, query):
        return 200, self.state.faults_view()

    def ctl_add_fault(self, payload, query):
        return 200, self.state.add_fault(build_fault(payload))

    def ctl_clear_faults(self, payload, query):
        self.state.clear_faults()
        return 200, {"ok": True}

    def ctl_expire_tokens(self, payload, query):
        self.state.expire_tokens()
        return 200, {"ok": True}

    def ctl_get_config(self, payload, query):
        return 200, self.state.config_view()

    def ctl_config(self, payload, query):
        if not isinstance(payload, dict):
            raise ValueError("config must be a JSON object")
        self.state.configure(payload)
        return 200, self.state.config_view()

    def ctl_outage(self, payload, query):
        down = payload.get("down") if isinstance(payload, dict) else None
        if not isinstance(down, bool):
            raise ValueError("body must be {\"down\": true|false}")
        self.api.set_down(down)
        return 200, {"down": self.api.down, "port": self.api.port}

    def ctl_reset(self, payload, query):
        self.state.reset()
        return 200, {"ok": True}



CONTROL_ROUTES = [(m, re.compile(p), name) for m, p, name in [
    ("GET", r"^/health$", "health"),
    ("GET", r"^/users$", "get_users"),
    ("PUT", r"^/users$", "put_users"),
    ("DELETE", r"^/users$", "delete_users"),
    ("POST", r"^/users/generate$", "generate_users"),
    ("GET", r"^/users/(?P<user_id>[^/]+)$", "get_user"),
    ("DELETE", r"^/users/(?P<user_id>[^/]+)$", "delete_user"),
    ("POST", r"^/users/(?P<user_id>[^/]+)/lock$", "lock_user"),
    ("POST", r"^/users/(?P<user_id>[^/]+)/unlock$", "unlock_user"),
    ("GET", r"^/counters$", "counters"),
    ("POST", r"^/counters/reset$", "reset_counters"),
    ("POST", r"^/cause$", "set_cause"),
    ("GET", r"^/modes$", "modes"),
    ("POST", r"^/modes$", "set_modes"),
    ("DELETE", r"^/modes$", "reset_modes"),
    ("GET", r"^/audits$", "audits"),
    ("DELETE", r"^/audits$", "clear_audits"),
    ("GET", r"^/requests$", "requests"),
    ("DELETE", r"^/requests$", "clear_requests"),
    ("GET", r"^/faults$", "faults"),
    ("POST", r"^/faults$", "add_fault"),
    ("DELETE", r"^/faults$", "clear_faults"),
    ("POST", r"^/tokens/expire$", "expire_tokens"),
    ("GET", r"^/config$", "get_config"),
    ("POST", r"^/config$", "config"),
    ("POST", r"^/outage$", "outage"),
    ("POST", r"^/reset$", "reset"),
]]


class ControlHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FronteggEmulatorControl/1.0"
    timeout = IDLE_TIMEOUT

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_GET

    def _dispatch(self):
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        status, result = self._route(split.path, query)
        body = json_bytes(result)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _route(self, path, query):
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0 or length > MAX_CONTROL_BODY:
                return 413, {"error": "body too large"}
            raw = self.rfile.read(length) if length else b""
            payload = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except ValueError as e:
            self.close_connection = True
            return 400, {"error": "bad JSON body: %s" % e}
        methods = []
        for method, regex, name in CONTROL_ROUTES:
            m = regex.match(path)
            if not m:
                continue
            if method != self.command:
                methods.append(method)
                continue
            groups = {k: unquote(v) for k, v in m.groupdict().items()}
            try:
                status, result = getattr(self.server.app, "ctl_" + name)(payload, query, **groups)
            except ControlError as e:
                return e.status, {"error": str(e)}
            except ValueError as e:
                return 400, {"error": str(e)}
            return status, result
        if methods:
            return 405, {"error": "method not allowed; use %s" % "/".join(methods)}
        return 404, {"error": "no such control call: %s %s" % (self.command, path)}

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("frontegg-emulator control: %s\n" % (fmt % args))


class ControlServer(QuietServerMixin, http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, app):
        self.app = app
        self.verbose = app.verbose
        super().__init__(address, ControlHandler)


