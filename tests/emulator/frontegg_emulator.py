#!/usr/bin/env python3
"""Frontegg management-API emulator for the pam_frontegg test-suite.

Serves the part of Frontegg's REST API that pam_frontegg uses (see
FRONTEGG-API.md) over HTTPS on 127.0.0.1 with a throw-away CA, and a separate
plain-HTTP *control* listener that tests use to seed users, inject faults,
simulate outages and read request counters.

Python 3.9+ standard library only.  README.md beside this file documents the
command line, every control call and every fault kind.
"""

import argparse
import base64
import collections
import hmac
import http.server
import json
import math
import os
import re
import secrets
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qs, unquote, urlsplit

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

DEFAULT_CLIENT_ID = "test-client-id"
DEFAULT_SECRET = "test-secret"
DEFAULT_TOKEN_TTL = 3600
DEFAULT_TENANT_ID = "7f2c5e1a-8d3b-4c6e-9a01-00000000e001"

# Request kinds: what counters, faults and the request log are keyed by.
KINDS = ("token", "email_lookup", "get_user", "lock", "unlock", "reset_link", "list", "other")
FAULT_ROUTES = KINDS + ("*",)
FAULT_KINDS = ("latency", "hang", "status", "rate_limit", "malformed", "wrong_shape",
               "oversized", "unauthorized", "empty", "close")

LIST_DEFAULT_LIMIT = 50
LIST_MAX_LIMIT = 200
REQUEST_LOG_SIZE = 1000
MAX_API_BODY = 1 << 20          # larger request bodies get 413
MAX_CONTROL_BODY = 256 << 20    # put_users of many users is legitimately large
HANDSHAKE_TIMEOUT = 10.0        # a client stalling mid-handshake is dropped
IDLE_TIMEOUT = 60.0             # idle keep-alive connections are closed
HANG_CAP_SECONDS = 3600.0
CERT_DAYS = 7
CERT_MIN_REMAINING = 86400      # regenerate certificates with < 1 day left
RESET_LINK_BASE = "https://app-emulator.frontegg.com/oauth/account/reset-password"
PROFILE_PICTURE = "https://www.gravatar.com/avatar/00000000000000000000000000000000?d=mp"

# Path segments we accept as user ids (anything else cannot be routed anyway).
USER_ID_RE = re.compile(r"[A-Za-z0-9._~@+-]{1,128}")

_SEG = r"(?P<user_id>[^/]+)"
API_ROUTES = [
    ("POST", re.compile(r"^/auth/vendor/?$"), "token"),
    ("GET", re.compile(r"^/identity/resources/users/v1/email/?$"), "email_lookup"),
    ("GET", re.compile(r"^/identity/resources/vendor-only/users/v1/" + _SEG + r"/?$"), "get_user"),
    ("POST", re.compile(r"^/identity/resources/users/v1/" + _SEG + r"/lock/?$"), "lock"),
    ("POST", re.compile(r"^/identity/resources/users/v1/" + _SEG + r"/unlock/?$"), "unlock"),
    ("POST", re.compile(r"^/identity/resources/users/v1/" + _SEG
                        + r"/links/generate-password-reset-token/?$"), "reset_link"),
    ("GET", re.compile(r"^/identity/resources/users/v3/?$"), "list"),
]


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def rfc3339(ts, fractional=False):
    """UTC RFC 3339 time, '2026-11-25T21:40:07Z' (or with milliseconds)."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    if fractional:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def json_bytes(obj):
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def atomic_write(path, text, mode=0o644):
    """Write via temp file + rename so readers never see a partial file."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def error_code_for_status(status):
    """Frontegg-style code for an injected status: 503 -> ER-05003."""
    return "ER-%02d%03d" % (status // 100, status % 100)


# --------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------

OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""
# Our own config (instead of the system openssl.cnf) keeps the extensions
# identical everywhere; SKI/AKI and key usages satisfy strict verifiers
# (e.g. Python 3.13's VERIFY_X509_STRICT).

CERT_FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "other-ca.pem", "other-ca.key")


def _openssl(*args):
    proc = subprocess.run(("openssl",) + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], proc.stderr.decode(errors="replace")))


def _cert_still_valid(path):
    proc = subprocess.run(["openssl", "x509", "-checkend", str(CERT_MIN_REMAINING),
                           "-noout", "-in", path],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc.returncode == 0


def _new_ca(cnf, key, cert, name):
    _openssl("req", "-x509", "-new", "-config", cnf, "-extensions", "v3_ca",
             "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", cert, "-days", str(CERT_DAYS), "-sha256",
             "-subj", "/CN=%s %s" % (name, secrets.token_hex(4)))


def ensure_certificates(directory):
    """Create (or reuse) DIR/ca.pem, DIR/server.{pem,key} and DIR/other-ca.pem.

    Reuse keeps the CA stable across restarts, so configs pointing at ca.pem
    stay valid.  Everything is generated in a scratch directory and renamed
    into place, so an interrupted run never leaves a mismatched set.
    """
    paths = {name: os.path.join(directory, name) for name in CERT_FILES}
    if all(os.path.exists(p) for p in paths.values()) and \
            _cert_still_valid(paths["server.pem"]) and _cert_still_valid(paths["ca.pem"]):
        return paths
    work = tempfile.mkdtemp(dir=directory, prefix=".certs-")
    old_umask = os.umask(0o077)      # private keys are born 0600
    try:
        w = lambda name: os.path.join(work, name)   # noqa: E731
        cnf = w("openssl.cnf")
        with open(cnf, "w") as f:
            f.write(OPENSSL_CONFIG)
        _new_ca(cnf, w("ca.key"), w("ca.pem"), "pam_frontegg emulator CA")
        _new_ca(cnf, w("other-ca.key"), w("other-ca.pem"), "unrelated emulator CA")
        _openssl("req", "-new", "-config", cnf, "-newkey", "ec",
                 "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", w("server.key"), "-out", w("server.csr"), "-subj", "/CN=localhost")
        _openssl("x509", "-req", "-in", w("server.csr"), "-CA", w("ca.pem"), "-CAkey", w("ca.key"),
                 "-set_serial", "0x" + secrets.token_hex(8), "-days", str(CERT_DAYS),
                 "-sha256", "-extfile", cnf, "-extensions", "v3_server", "-out", w("server.pem"))
        for name in CERT_FILES:
            if name.endswith(".pem"):
                os.chmod(w(name), 0o644)
            os.replace(w(name), paths[name])
    finally:
        os.umask(old_umask)
        for leftover in os.listdir(work):
            _unlink_quietly(os.path.join(work, leftover))
        os.rmdir(work)
    return paths


def make_server_context(paths):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(paths["server.pem"], paths["server.key"])
    return ctx


# --------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------

# Keys of a control-API user spec that build_user() interprets; any other key
# is copied into the user object verbatim (lets tests add odd extra fields).
_SPEC_KEYS = {"id", "email", "name", "isLocked", "tenantId", "tenantIds", "metadata",
              "verified", "createdAt"}


def build_user(spec, created_at):
    """Validate a control-API user spec and return the stored record.

    The record uses Frontegg's field names; isLocked is always a bool here and
    is dropped from API responses when false (api_view)."""
    if not isinstance(spec, dict):
        raise ValueError("each user must be a JSON object")
    email = spec.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise ValueError("each user needs an 'email' containing '@'")
    uid = spec.get("id") or str(uuid.uuid4())
    if not isinstance(uid, str) or not USER_ID_RE.fullmatch(uid):
        raise ValueError("bad user id %r (allowed: %s)" % (uid, USER_ID_RE.pattern))
    locked = spec.get("isLocked", False)
    if not isinstance(locked, bool):
        raise ValueError("'isLocked' must be true or false")
    tenant = spec.get("tenantId", DEFAULT_TENANT_ID)
    tenant_ids = spec.get("tenantIds", [tenant])
    if not isinstance(tenant, str) or not isinstance(tenant_ids, list):
        raise ValueError("'tenantId' must be a string and 'tenantIds' a list")
    metadata = spec.get("metadata", "{}")
    if not isinstance(metadata, str):
        metadata = json.dumps(metadata)   # Frontegg sends metadata as a JSON string
    user = {
        "id": uid,
        "email": email,
        "name": spec.get("name", email.split("@", 1)[0]),
        "sub": uid,
        "tenantId": tenant,
        "tenantIds": list(tenant_ids),
        "tenants": [{"tenantId": t, "roles": []} for t in tenant_ids],
        "profilePictureUrl": PROFILE_PICTURE,
        "verified": spec.get("verified", True),
        "metadata": metadata,
        "provider": "local",
        "mfaEnrolled": False,
        "roles": [],
        "permissions": [],
        "createdAt": spec.get("createdAt", created_at),
        "isLocked": locked,
    }
    for key, value in spec.items():
        if key not in _SPEC_KEYS:
            user[key] = value
    return user


def api_view(user):
    """The user as Frontegg returns it: isLocked only present when true."""
    view = dict(user)
    if not view.get("isLocked"):
        view.pop("isLocked", None)
    return view


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------

# Allowed parameters per fault kind, with defaults.  'apply' (perform the real
# action, e.g. the lock, then answer with the fault) is valid wherever the
# fault replaces the answer.
_FAULT_PARAMS = {
    "latency": {"delay_ms": 1000},
    "hang": {},
    "status": {"status": 503, "body": None, "apply": False},
    "rate_limit": {"reset_in_s": 2, "no_reset_header": False, "fractional": False, "apply": False},
    "malformed": {"apply": False},
    "wrong_shape": {"shape": "types", "apply": False},
    "oversized": {"size_bytes": 64 << 20, "apply": False},
    "unauthorized": {"apply": False},
    "empty": {"status": None, "apply": False},
    "close": {"apply": False},
}


def _check_number(name, value, low, high=None, integer=True):
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or value < low or (high is not None and value > high):
        raise ValueError("fault parameter %r must be a number in [%s, %s]" % (name, low, high or "inf"))


def build_fault(spec):
    """Validate a POST /faults body into a fault record."""
    if not isinstance(spec, dict):
        raise ValueError("fault must be a JSON object")
    kind = spec.get("kind")
    if kind not in _FAULT_PARAMS:
        raise ValueError("unknown fault kind %r (one of %s)" % (kind, ", ".join(FAULT_KINDS)))
    route = spec.get("route", "*")
    if route not in FAULT_ROUTES:
        raise ValueError("unknown route %r (one of %s)" % (route, "|".join(FAULT_ROUTES)))
    count = spec.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or (count < 1 and count != -1):
        raise ValueError("'count' must be >= 1, or -1 for 'until cleared'")
    params = dict(_FAULT_PARAMS[kind])
    for key, value in spec.items():
        if key in ("kind", "route", "count"):
            continue
        if key not in params:
            raise ValueError("fault %r takes no parameter %r (allowed: %s)"
                             % (kind, key, ", ".join(sorted(params)) or "none"))
        params[key] = value
    _check_fault_params(kind, params)
    return {"id": secrets.token_hex(4), "kind": kind, "route": route, "count": count,
            "params": params}


def _check_fault_params(kind, p):
    if "apply" in p and not isinstance(p["apply"], bool):
        raise ValueError("'apply' must be true or false")
    if kind == "latency":
        _check_number("delay_ms", p["delay_ms"], 0, 3600 * 1000)
    elif kind == "status":
        _check_number("status", p["status"], 100, 599)
        if p["body"] is not None and not isinstance(p["body"], str):
            raise ValueError("'body' must be a string (sent verbatim)")
    elif kind == "rate_limit":
        _check_number("reset_in_s", p["reset_in_s"], 0, 86400, integer=False)
    elif kind == "wrong_shape" and p["shape"] not in ("types", "array"):
        raise ValueError("'shape' must be 'types' or 'array'")
    elif kind == "oversized":
        _check_number("size_bytes", p["size_bytes"], 16, 1 << 40)
    elif kind == "empty" and p["status"] is not None:
        _check_number("status", p["status"], 100, 599)


# --------------------------------------------------------------------------
# State: every piece of mutable data, behind one lock
# --------------------------------------------------------------------------

def _zero_counters():
    return {
        "requests": {k: 0 for k in KINDS},
        "total": 0,
        "connections": 0,
        "tls_handshakes": 0,
        "responses": collections.Counter(),
        "by_user": collections.defaultdict(collections.Counter),
        "by_email": collections.defaultdict(collections.Counter),
    }


class State:
    """All mutable emulator data.  self.cond's lock is the one lock; waiting
    on self.cond is how hung requests learn that faults were cleared."""

    def __init__(self, client_id, secret, token_ttl, rate_limit):
        self.cond = threading.Condition()
        self.config = {"client_id": client_id, "secret": secret,
                       "token_ttl": token_ttl, "rate_limit": rate_limit}
        self.users = {}             # id -> record (insertion order = list order)
        self.id_by_email = {}       # lower-cased email -> id
        self._ordered = None        # cached list(self.users.values()) for paging
        self.tokens = {}            # token -> monotonic expiry
        self.faults = collections.deque()
        self.fault_epoch = 0        # bumped when faults are cleared: releases hangs
        self.drop_epoch = 0         # bumped on outage/stop: hung requests are dropped
        self.stopping = False
        self.connections = set()    # live TLS sockets, cut on outage
        self.request_log = collections.deque(maxlen=REQUEST_LOG_SIZE)
        self.rate_window = (0, collections.Counter())
        self.counters = _zero_counters()

    # ---- configuration ---------------------------------------------------

    def configure(self, changes):
        validators = {
            "client_id": lambda v: isinstance(v, str) and v != "",
            "secret": lambda v: isinstance(v, str) and v != "",
            "token_ttl": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
            "rate_limit": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)
                                                  and v >= 0),
        }
        for key, value in changes.items():
            if key not in validators:
                raise ValueError("unknown config key %r (allowed: %s)" % (key, ", ".join(validators)))
            if not validators[key](value):
                raise ValueError("bad value for %r" % key)
        with self.cond:
            self.config.update(changes)

    def config_view(self):
        with self.cond:
            view = dict(self.config)
        view["secret"] = "<redacted>"
        return view

    # ---- tokens ----------------------------------------------------------

    def issue_token(self, client_id, secret):
        """Return (token, ttl) for good credentials, else None."""
        with self.cond:
            cfg = dict(self.config)
        good = hmac.compare_digest(client_id.encode(), cfg["client_id"].encode()) and \
            hmac.compare_digest(secret.encode(), cfg["secret"].encode())
        if not good:
            return None
        ttl = cfg["token_ttl"]
        now = time.time()
        header = b64url(json_bytes({"alg": "HS256", "typ": "JWT"}))
        payload = b64url(json_bytes({"sub": cfg["client_id"], "type": "vendor", "iat": int(now),
                                     "exp": int(now + ttl), "jti": secrets.token_hex(8)}))
        token = "%s.%s.%s" % (header, payload, b64url(secrets.token_bytes(32)))
        with self.cond:
            mono = time.monotonic()
            self.tokens = {t: exp for t, exp in self.tokens.items() if exp > mono}
            self.tokens[token] = mono + ttl
        return token, ttl

    def token_valid(self, token):
        with self.cond:
            expiry = self.tokens.get(token)
        return expiry is not None and expiry > time.monotonic()

    def expire_tokens(self):
        with self.cond:
            now = time.monotonic()
            for token in self.tokens:
                self.tokens[token] = now

    # ---- users -----------------------------------------------------------

    def _insert(self, user):
        """Add or replace (caller holds the lock).  Replacing keeps the list
        position; an email taken by another id evicts that user (emails are
        unique in Frontegg)."""
        key = user["email"].lower()
        other = self.id_by_email.get(key)
        if other is not None and other != user["id"]:
            del self.users[other]
        old = self.users.get(user["id"])
        if old is not None:
            self.id_by_email.pop(old["email"].lower(), None)
        self.users[user["id"]] = user
        self.id_by_email[key] = user["id"]
        self._ordered = None

    def put_users(self, specs):
        if not isinstance(specs, list):
            raise ValueError("'users' must be a list")
        now = rfc3339(time.time(), fractional=True)
        users = [build_user(spec, now) for spec in specs]   # validate all first
        with self.cond:
            for user in users:
                self._insert(user)
        return [dict(u) for u in users]

    def generate_users(self, count, email_format, locked_every, start):
        if "{n}" not in email_format or "@" not in email_format:
            raise ValueError("email_format must contain '{n}' and '@'")
        now = rfc3339(time.time(), fractional=True)
        users = []
        for n in range(start, start + count):
            locked = bool(locked_every) and n % locked_every == 0
            users.append(build_user({"email": email_format.replace("{n}", str(n)),
                                     "isLocked": locked}, now))
        with self.cond:
            for user in users:
                self._insert(user)
            total = len(self.users)
        return {"created": count, "locked": sum(u["isLocked"] for u in users), "total": total,
                "first_id": users[0]["id"] if users else None,
                "last_id": users[-1]["id"] if users else None}

    def delete_users(self, uid=None):
        with self.cond:
            if uid is None:
                self.users.clear()
                self.id_by_email.clear()
            else:
                user = self.users.pop(uid, None)
                if user is None:
                    return False
                self.id_by_email.pop(user["email"].lower(), None)
            self._ordered = None
        return True

    def user(self, uid):
        with self.cond:
            user = self.users.get(uid)
            return dict(user) if user else None

    def user_by_email(self, email):
        """Case-insensitive, like the emulated email lookup."""
        with self.cond:
            uid = self.id_by_email.get(email.lower())
            return dict(self.users[uid]) if uid else None

    def all_users(self):
        with self.cond:
            return [dict(u) for u in self.users.values()]

    def set_locked(self, uid, locked):
        with self.cond:
            user = self.users.get(uid)
            if user is None:
                return None
            user["isLocked"] = locked
            return dict(user)

    def page(self, limit, page):
        """(items as API views, total) of one page in stable order."""
        with self.cond:
            if self._ordered is None:
                self._ordered = list(self.users.values())
            start = page * limit
            items = [api_view(u) for u in self._ordered[start:start + limit]]
            return items, len(self._ordered)

    # ---- counters and request log -----------------------------------------

    def record_arrival(self, entry, user_id, email):
        """Count an API request at arrival and append it to the request log."""
        kind = entry["kind"]
        with self.cond:
            c = self.counters
            c["requests"][kind] += 1
            c["total"] += 1
            if user_id is not None:
                c["by_user"][user_id][kind] += 1
            if email is not None:
                c["by_email"][email.lower()][kind] += 1
            self.request_log.append(entry)

    def record_status(self, entry, status):
        with self.cond:
            entry["status"] = status
            self.counters["responses"][str(status)] += 1

    def count_connection(self):
        with self.cond:
            self.counters["connections"] += 1

    def count_handshake(self):
        with self.cond:
            self.counters["tls_handshakes"] += 1

    def counters_view(self):
        with self.cond:
            c = self.counters
            return {
                "requests": dict(c["requests"]),
                "total": c["total"],
                "connections": c["connections"],
                "tls_handshakes": c["tls_handshakes"],
                "responses": dict(c["responses"]),
                "by_user": {k: dict(v) for k, v in c["by_user"].items()},
                "by_email": {k: dict(v) for k, v in c["by_email"].items()},
            }

    def reset_counters(self):
        with self.cond:
            self.counters = _zero_counters()

    def requests_view(self):
        with self.cond:
            return [dict(e, headers=dict(e["headers"])) for e in self.request_log]

    def clear_requests(self):
        with self.cond:
            self.request_log.clear()

    # ---- rate limiting -----------------------------------------------------

    def rate_limited(self, client_ip):
        """None if allowed, else the epoch time the current window resets."""
        now = time.time()
        second = int(now)
        with self.cond:
            limit = self.config["rate_limit"]
            if not limit:
                return None
            window, seen = self.rate_window
            if window != second:
                seen = collections.Counter()
                self.rate_window = (second, seen)
            seen[client_ip] += 1
            return None if seen[client_ip] <= limit else second + 1

    # ---- faults ------------------------------------------------------------

    def add_fault(self, fault):
        with self.cond:
            self.faults.append(fault)
        return dict(fault)

    def take_fault(self, kind):
        """Consume one use of the oldest fault matching this request kind."""
        with self.cond:
            for fault in self.faults:
                if fault["route"] in (kind, "*"):
                    if fault["count"] > 0:
                        fault["count"] -= 1
                        if fault["count"] == 0:
                            self.faults.remove(fault)
                    return {"kind": fault["kind"], "params": dict(fault["params"])}
        return None

    def faults_view(self):
        with self.cond:
            return [dict(f, params=dict(f["params"])) for f in self.faults]

    def clear_faults(self):
        with self.cond:
            self.faults.clear()
            self.fault_epoch += 1
            self.cond.notify_all()

    def hang(self, max_seconds=HANG_CAP_SECONDS):
        """Block a request.  True once faults are cleared (answer it normally),
        False on outage/stop/cap (drop the connection)."""
        deadline = time.monotonic() + max_seconds
        with self.cond:
            fault_epoch, drop_epoch = self.fault_epoch, self.drop_epoch
            while True:
                if self.stopping or self.drop_epoch != drop_epoch:
                    return False
                if self.fault_epoch != fault_epoch:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.cond.wait(remaining)

    # ---- connections -------------------------------------------------------

    def track(self, conn):
        with self.cond:
            self.connections.add(conn)

    def untrack(self, conn):
        with self.cond:
            self.connections.discard(conn)

    def drop_connections(self, stopping=False):
        """Cut every live API connection and wake hung requests (outage/stop)."""
        with self.cond:
            self.stopping = self.stopping or stopping
            self.drop_epoch += 1
            self.cond.notify_all()
            conns = list(self.connections)
        for conn in conns:
            _cut(conn)

    # ---- whole-state reset -------------------------------------------------

    def reset(self):
        """Clear faults (releasing hangs), counters, request log and tokens;
        users and configuration are kept."""
        self.clear_faults()
        with self.cond:
            self.counters = _zero_counters()
            self.request_log.clear()
            self.tokens.clear()
            self.rate_window = (0, collections.Counter())


def _cut(conn):
    """Abort a connection at the TCP level.  socket.socket.shutdown bypasses
    SSLSocket.shutdown, which would also tear down the SSL object under a
    thread that may be reading from it."""
    try:
        socket.socket.shutdown(conn, socket.SHUT_RDWR)
    except OSError:
        pass


# --------------------------------------------------------------------------
# API responses
# --------------------------------------------------------------------------

class Response:
    """One answer: status, body bytes (None = no body), extra headers.
    stream_size set = stream that many bytes of filler instead of body."""
    __slots__ = ("status", "body", "headers", "stream_size")

    def __init__(self, status, body=None, headers=None, stream_size=None):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.stream_size = stream_size


CLOSE = object()    # sentinel: drop the connection without answering


def json_response(status, obj, headers=None):
    return Response(status, json_bytes(obj), headers)


def error_response(status, message, code, headers=None):
    return json_response(status, {"errors": [message], "errorCode": code}, headers)


def user_not_found():
    return error_response(404, "User not found", "ER-01017")


def unauthorized():
    return error_response(401, "Unauthorized", "ER-01002")


def rate_limit_response(reset_at, fractional=False, with_header=True):
    headers = {}
    if with_header:
        stamp = reset_at if fractional else math.ceil(reset_at)
        headers["X-Rate-Limit-Reset"] = rfc3339(stamp, fractional)
    return error_response(429, "Too many requests", "ER-00429", headers)


class BadRequest(Exception):
    pass


def int_param(query, name, default, low, high=None):
    values = query.get(name)
    if not values:
        return default
    raw = values[0].strip()
    if not raw.isdigit():
        raise BadRequest("%s must be an integer" % name)
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise BadRequest("%s must be between %d and %s" % (name, low, high if high else "inf"))
    return value


def match_route(method, path):
    """-> (kind, user_id, allowed_methods).  Requests with the wrong method
    for a known path are kind 'other' with allowed_methods set."""
    allowed = []
    for route_method, regex, kind in API_ROUTES:
        m = regex.match(path)
        if not m:
            continue
        if route_method == method:
            user_id = unquote(m.group("user_id")) if "user_id" in regex.groupindex else None
            return kind, user_id, None
        allowed.append(route_method)
    return "other", None, allowed or None


# ---- one function per endpoint (each returns a Response) ------------------

def handle_token(state, body):
    try:
        creds = json.loads(body.decode("utf-8")) if body else None
    except ValueError:
        creds = None
    # Wrong credentials and malformed bodies both get 401 (documented).
    if not isinstance(creds, dict) or not isinstance(creds.get("clientId"), str) \
            or not isinstance(creds.get("secret"), str):
        return error_response(401, "Invalid authentication", "ER-01001")
    issued = state.issue_token(creds["clientId"], creds["secret"])
    if issued is None:
        return error_response(401, "Invalid authentication", "ER-01001")
    token, ttl = issued
    return json_response(200, {"token": token, "expiresIn": ttl})


def handle_email_lookup(state, user_id, query):
    email = (query.get("email") or [""])[0]
    if not email:
        return error_response(400, "email must be an email", "ER-00400")
    user = state.user_by_email(email)
    return json_response(200, api_view(user)) if user else user_not_found()


def handle_get_user(state, user_id, query):
    user = state.user(user_id)
    return json_response(200, api_view(user)) if user else user_not_found()


def handle_lock(state, user_id, query):
    return Response(200) if state.set_locked(user_id, True) else user_not_found()


def handle_unlock(state, user_id, query):
    return Response(200) if state.set_locked(user_id, False) else user_not_found()


def handle_reset_link(state, user_id, query):
    if state.user(user_id) is None:
        return user_not_found()
    token = secrets.token_hex(24)
    link = "%s?userId=%s&token=%s" % (RESET_LINK_BASE, user_id, token)
    return json_response(201, {"link": link, "token": token, "userId": user_id})


def handle_list(state, user_id, query):
    try:
        limit = int_param(query, "_limit", LIST_DEFAULT_LIMIT, 1, LIST_MAX_LIMIT)
        page = int_param(query, "_offset", 0, 0)    # a PAGE number, not an item offset
    except BadRequest as e:
        return error_response(400, str(e), "ER-00400")
    items, total = state.page(limit, page)
    pages = (total + limit - 1) // limit
    link = lambda p: "?_limit=%d&_offset=%d" % (limit, p)   # noqa: E731
    links = {"first": link(0), "last": link(max(pages - 1, 0))}
    if page + 1 < pages:
        links["next"] = link(page + 1)
    if page > 0:
        links["prev"] = link(min(page - 1, max(pages - 1, 0)))
    return json_response(200, {"items": items, "_links": links,
                               "_metadata": {"totalItems": total, "totalPages": pages}})


ENDPOINTS = {
    "email_lookup": handle_email_lookup,
    "get_user": handle_get_user,
    "lock": handle_lock,
    "unlock": handle_unlock,
    "reset_link": handle_reset_link,
    "list": handle_list,
}


def wrong_shape_body(kind, shape):
    """Valid JSON that a careful client must reject for this route."""
    if shape == "array":
        return [{"id": "00000000-0000-4000-8000-000000000000", "isLocked": True}]
    return {
        "token": {"token": 12345, "expiresIn": "soon"},
        "list": {"items": {"id": "x"}, "_links": [], "_metadata": {"totalItems": "many",
                                                                  "totalPages": -1}},
        "reset_link": {"link": 42, "token": None, "userId": []},
    }.get(kind, {"id": 42, "email": None, "isLocked": "true", "tenantIds": "none",
                 "metadata": {"not": "a string"}})


# --------------------------------------------------------------------------
# HTTPS API server
# --------------------------------------------------------------------------

class ApiHandler(http.server.BaseHTTPRequestHandler):
    """One instance per connection; handles keep-alive requests in a loop."""
    protocol_version = "HTTP/1.1"
    server_version = "FronteggEmulator/1.0"
    timeout = IDLE_TIMEOUT

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # ---- request flow -----------------------------------------------------

    def _dispatch(self):
        state = self.server.state
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        kind, user_id, allowed = match_route(self.command, split.path)
        email = (query.get("email") or [None])[0] if kind == "email_lookup" else None
        self._entry = {"t": time.time(), "method": self.command, "path": split.path,
                       "query": split.query, "kind": kind, "status": None,
                       "client": self.client_address[0], "headers": self._redacted_headers()}
        state.record_arrival(self._entry, user_id, email)

        body = self._read_body()
        if body is None:
            return
        answer = lambda: self._answer(kind, user_id, allowed, query, body)   # noqa: E731
        try:
            fault = state.take_fault(kind)
            response = self._apply_fault(fault, kind, answer) if fault else answer()
        except Exception:   # an emulator bug: say so loudly, keep serving
            traceback.print_exc()
            response = error_response(500, "Internal emulator error", "ER-05000")
        self._send(response)

    def _answer(self, kind, user_id, allowed, query, body):
        """The normal (fault-free) answer, gateway checks first."""
        state = self.server.state
        reset_at = state.rate_limited(self.client_address[0])
        if reset_at is not None:
            return rate_limit_response(reset_at)
        if kind == "other":
            if allowed:
                return json_response(405, {"message": "Method Not Allowed"},
                                     {"Allow": ", ".join(sorted(set(allowed)))})
            return error_response(404, "Route not found", "ER-00404")
        if kind == "token":
            return handle_token(state, body)
        if not state.token_valid(self._bearer_token()):
            return unauthorized()
        return ENDPOINTS[kind](state, user_id, query)

    def _apply_fault(self, fault, kind, answer):
        name, p = fault["kind"], fault["params"]
        if name == "latency":
            time.sleep(p["delay_ms"] / 1000.0)
            return answer()
        if name == "hang":
            return answer() if self.server.state.hang() else CLOSE
        if p.get("apply"):
            answer()        # perform the real action; its answer is "lost"
        if name == "status":
            if p["body"] is not None:
                return Response(p["status"], p["body"].encode("utf-8"))
            reason = self.responses.get(p["status"], ("Error",))[0]
            return error_response(p["status"], reason, error_code_for_status(p["status"]))
        if name == "rate_limit":
            return rate_limit_response(time.time() + p["reset_in_s"], p["fractional"],
                                       not p["no_reset_header"])
        if name == "malformed":
            return Response(200, b'{"id": "abc", "email": ')
        if name == "wrong_shape":
            return json_response(200, wrong_shape_body(kind, p["shape"]))
        if name == "oversized":
            return Response(200, stream_size=p["size_bytes"])
        if name == "unauthorized":
            return unauthorized()
        if name == "empty":
            return Response(p["status"] or (201 if kind == "reset_link" else 200), b"")
        return CLOSE        # "close"

    # ---- I/O helpers ------------------------------------------------------

    def _bearer_token(self):
        value = self.headers.get("Authorization", "")
        scheme, _, token = value.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""

    def _redacted_headers(self):
        """All request headers; never the Authorization credential."""
        headers = {}
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                value = "Bearer <redacted>" if value.lower().startswith("bearer") else "<redacted>"
            headers[name] = headers[name] + ", " + value if name in headers else value
        return headers

    def _read_body(self):
        """Always consume the body so the connection stays usable.
        Returns None after answering an unreadable request itself."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            self._send(error_response(411, "Length required", "ER-00411"))
            return None
        raw_length = (self.headers.get("Content-Length") or "0").strip()
        if not raw_length.isdigit():
            self.close_connection = True
            self._send(error_response(400, "Bad Content-Length", "ER-00400"))
            return None
        length = int(raw_length)
        if length > MAX_API_BODY:
            self.close_connection = True
            self._send(error_response(413, "Payload too large", "ER-00413"))
            return None
        return self.rfile.read(length) if length else b""

    def _send(self, response):
        if response is CLOSE:
            self.close_connection = True
            _cut(self.connection)
            return
        self.server.state.record_status(self._entry, response.status)
        has_body = bool(response.body) or bool(response.stream_size)
        length = response.stream_size if response.stream_size else len(response.body or b"")
        self.send_response(response.status)
        self.send_header("Frontegg-Trace-Id", secrets.token_hex(16))
        if has_body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            if response.stream_size:
                self._stream_filler(response.stream_size)
            elif response.body:
                self.wfile.write(response.body)
        except OSError:     # client gave up (BrokenPipe, reset, TLS error)
            self.close_connection = True

    def _stream_filler(self, size):
        """Send a JSON-looking body of exactly `size` bytes without building it."""
        head, tail = b'{"pad":"', b'"}'
        self.wfile.write(head)
        remaining = size - len(head) - len(tail)
        chunk = b"x" * 65536
        while remaining > 0:
            n = min(remaining, len(chunk))
            self.wfile.write(chunk[:n] if n < len(chunk) else chunk)
            remaining -= n
        self.wfile.write(tail)

    def send_error(self, code, message=None, explain=None):
        """Protocol-level errors (bad request line, ...) in Frontegg's shape."""
        self.close_connection = True
        body = json_bytes({"errors": [message or self.responses.get(code, ("Error",))[0]],
                           "errorCode": "ER-%05d" % code})
        try:
            self.send_response(code, message)
            self.send_header("Frontegg-Trace-Id", secrets.token_hex(16))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("frontegg-emulator: %s %s\n" % (self.client_address[0], fmt % args))


class QuietServerMixin:
    """Skip the reverse-DNS lookup in HTTPServer.server_bind and keep
    tracebacks of clients that vanish mid-request off stderr."""

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError) and not self.verbose:
            return
        traceback.print_exc()


class TlsHttpServer(QuietServerMixin, http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, state, ssl_context, verbose):
        self.state = state
        self.ssl_context = ssl_context
        self.verbose = verbose
        super().__init__(address, ApiHandler)

    def finish_request(self, raw, client_address):
        """Runs in the per-connection thread.  The TLS handshake happens here,
        not in accept(), so a client stalling mid-handshake blocks nobody."""
        self.state.count_connection()
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.settimeout(HANDSHAKE_TIMEOUT)
        try:
            conn = self.ssl_context.wrap_socket(raw, server_side=True)
        except OSError:         # includes ssl.SSLError: e.g. client rejected our CA
            return
        self.state.count_handshake()
        self.state.track(conn)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        except OSError:
            pass                # peer vanished, outage cut, idle timeout
        finally:
            self.state.untrack(conn)
            try:
                conn.close()
            except OSError:
                pass


class ApiListener:
    """The HTTPS listening socket, which can go down (outage) and come back
    on the same port.  _lifecycle serialises up/down transitions only."""

    def __init__(self, state, ssl_context, port, verbose):
        self.state = state
        self.ssl_context = ssl_context
        self.port = port
        self.verbose = verbose
        self._lifecycle = threading.Lock()
        self._server = None
        self._thread = None

    @property
    def down(self):
        return self._server is None

    def start(self):
        with self._lifecycle:
            if self._server is None:
                self._open(retry=False)

    def set_down(self, down):
        with self._lifecycle:
            if down and self._server is not None:
                self._close()
                self.state.drop_connections()
            elif not down and self._server is None:
                self._open(retry=True)

    def stop(self):
        with self._lifecycle:
            self.state.drop_connections(stopping=True)
            if self._server is not None:
                self._close()

    def _open(self, retry):
        # Coming back from an outage the port may briefly be busy; SO_REUSEADDR
        # covers TIME_WAIT, the retry anything slower.  At start-up a busy
        # port is a plain error.
        deadline = time.monotonic() + (5.0 if retry else 0.0)
        while True:
            try:
                server = TlsHttpServer(("127.0.0.1", self.port), self.state,
                                       self.ssl_context, self.verbose)
                break
            except OSError:
                if self.port == 0 or time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="api-listener", daemon=True)
        self._thread.start()

    def _close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None


# --------------------------------------------------------------------------
# Control server
# --------------------------------------------------------------------------

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
        return 200, self.state.counters_view()

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

    def ctl_shutdown(self, payload, query):
        return 200, {"ok": True}    # the handler sets stop_requested after replying


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
    ("POST", r"^/shutdown$", "shutdown"),
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
        status, result, name = self._route(split.path, query)
        body = json_bytes(result)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if name == "shutdown":
            self.close_connection = True
            self.server.app.stop_requested.set()

    def _route(self, path, query):
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0 or length > MAX_CONTROL_BODY:
                return 413, {"error": "body too large"}, None
            raw = self.rfile.read(length) if length else b""
            payload = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except ValueError as e:
            self.close_connection = True
            return 400, {"error": "bad JSON body: %s" % e}, None
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
                return e.status, {"error": str(e)}, name
            except ValueError as e:
                return 400, {"error": str(e)}, name
            return status, result, name
        if methods:
            return 405, {"error": "method not allowed; use %s" % "/".join(methods)}, None
        return 404, {"error": "no such control call: %s %s" % (self.command, path)}, None

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


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description="Frontegg management-API emulator (HTTPS) "
                                            "with a plain-HTTP control interface.")
    p.add_argument("--dir", required=True, help="state directory (certificates, port files)")
    p.add_argument("--port", type=int, default=0, help="HTTPS port (0 = any free port)")
    p.add_argument("--control-port", type=int, default=0, help="control port (0 = any free port)")
    p.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    p.add_argument("--secret-file", help="file holding the client secret (default: %s)"
                   % DEFAULT_SECRET)
    p.add_argument("--token-ttl", type=int, default=DEFAULT_TOKEN_TTL, help="token lifetime, s")
    p.add_argument("--rate-limit", type=int, default=0,
                   help="max API requests per second per client IP (0 = unlimited)")
    p.add_argument("--verbose", action="store_true", help="log requests to stderr")
    return p.parse_args(argv)


def read_secret(path):
    if path is None:
        return DEFAULT_SECRET
    with open(path, "r", encoding="utf-8") as f:
        secret = f.read().rstrip("\r\n")
    if not secret:
        raise SystemExit("frontegg-emulator: secret file %s is empty" % path)
    return secret


def main(argv=None):
    args = parse_args(argv)
    directory = os.path.abspath(args.dir)
    os.makedirs(directory, exist_ok=True)
    try:
        state = State(args.client_id, read_secret(args.secret_file), args.token_ttl,
                      args.rate_limit or None)
        ssl_context = make_server_context(ensure_certificates(directory))
        app = EmulatorApp(directory, state, ssl_context, args.port, args.control_port,
                          args.verbose)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: app.stop_requested.set())
        app.start()
    except (OSError, RuntimeError, ssl.SSLError) as e:
        # Start-up problems (busy port, openssl missing, unreadable secret
        # file) are one clear line, not a traceback.
        sys.stderr.write("frontegg-emulator: cannot start: %s\n" % e)
        return 1
    print("READY https://127.0.0.1:%d control=http://127.0.0.1:%d"
          % (app.api.port, app.control_port), flush=True)
    # A timed wait keeps the main thread responsive to signals on every Python.
    while not app.stop_requested.wait(0.2):
        pass
    app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
