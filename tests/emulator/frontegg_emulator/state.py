"""State: every piece of mutable emulator data, behind one lock."""

import collections
import hmac
import secrets
import socket
import threading
import time

from .common import HANG_CAP_SECONDS, KINDS, REQUEST_LOG_SIZE, b64url, json_bytes, rfc3339
from .listing import select
from .modes import check_modes, default_modes
from .users import api_view, build_user

NO_CAUSE = "untagged"


def _zero_counters():
    return {
        "requests": {k: 0 for k in KINDS},
        "total": 0,
        "connections": 0,
        "tls_handshakes": 0,
        "responses": collections.Counter(),
        "by_user": collections.defaultdict(collections.Counter),
        "by_email": collections.defaultdict(collections.Counter),
        # route -> status -> n, and cause label -> route -> n (set_cause)
        "by_route": collections.defaultdict(collections.Counter),
        "by_cause": collections.defaultdict(collections.Counter),
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
        self.minute_window = (0, collections.Counter())
        self.blocked_until = {}     # client IP -> epoch time its 429s end
        self.counters = _zero_counters()
        self.cause = NO_CAUSE       # label counted requests are filed under
        self.modes = default_modes()
        self.audits = []            # POST /audits/ entries, oldest first
        self.churn_serial = 0

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

    def set_modes(self, changes):
        changes = check_modes(changes)
        with self.cond:
            self.modes.update(changes)
            return dict(self.modes)

    def reset_modes(self):
        with self.cond:
            self.modes = default_modes()
            return dict(self.modes)

    def modes_view(self):
        with self.cond:
            return dict(self.modes)

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
        key = _email_key(user)
        other = self.id_by_email.get(key) if key else None
        if other is not None and other != user["id"]:
            del self.users[other]
        old = self.users.get(user["id"])
        if old is not None:
            self.id_by_email.pop(_email_key(old), None)
        self.users[user["id"]] = user
        if key:
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
                self.id_by_email.pop(_email_key(user), None)
            self._ordered = None
        return True

    def user(self, uid):
        with self.cond:
            user = self.users.get(uid)
            return dict(user) if user else None

    def user_by_email(self, email, case_sensitive=False):
        """Case-insensitive unless asked (the email_case_sensitive mode)."""
        with self.cond:
            uid = self.id_by_email.get(email.lower())
            user = self.users[uid] if uid else None
            if user is None or (case_sensitive and user["email"] != email):
                return None
            return dict(user)

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

    def change_lock(self, uid, locked):
        """An API lock or unlock: "missing", "refused" (a repeat in the
        strict_repeat mode, which changes nothing) or "done"."""
        with self.cond:
            user = self.users.get(uid)
            if user is None:
                return "missing"
            if user["isLocked"] == locked and self.modes["strict_repeat"]:
                return "refused"
            user["isLocked"] = locked
            return "done"

    def page(self, limit, page, query):
        """(items as API views, total) of one listing page, then the churn."""
        with self.cond:
            if self._ordered is None:
                self._ordered = list(self.users.values())
            chosen = select(self._ordered, query, self.modes["list_hide"])
            start = page * limit
            items = [api_view(u, self.modes) for u in chosen[start:start + limit]]
            self._churn()
            return items, len(chosen)

    def _churn(self):
        """Users created and deleted by someone else between two page
        requests (list_churn_* modes; caller holds the lock)."""
        for user in list(self.users.values())[:self.modes["list_churn_remove"]]:
            del self.users[user["id"]]
            self.id_by_email.pop(_email_key(user), None)
        inserted = self.modes["list_churn_insert"]
        if inserted:
            now = rfc3339(time.time(), fractional=True)
            fresh = {}
            for _ in range(inserted):
                self.churn_serial += 1
                user = build_user({"email": "churn%d@example.com" % self.churn_serial}, now)
                fresh[user["id"]] = user
                self.id_by_email[_email_key(user)] = user["id"]
            fresh.update(self.users)
            self.users = fresh
        if inserted or self.modes["list_churn_remove"]:
            self._ordered = None

    def view(self, user):
        """A stored user as the API shows it under the current modes."""
        with self.cond:
            return api_view(user, self.modes)

    # ---- audits ------------------------------------------------------------

    def add_audit(self, tenant_id, body):
        with self.cond:
            self.audits.append({"t": time.time(), "tenant_id": tenant_id, "body": body})

    def audits_view(self):
        with self.cond:
            return [dict(a) for a in self.audits]

    def clear_audits(self):
        with self.cond:
            self.audits.clear()

    # ---- counters and request log -----------------------------------------

    def record_arrival(self, entry, user_id, email):
        """Count an API request at arrival and append it to the request log."""
        kind = entry["kind"]
        with self.cond:
            c = self.counters
            c["requests"][kind] += 1
            c["total"] += 1
            c["by_cause"][self.cause][kind] += 1
            if user_id is not None:
                c["by_user"][user_id][kind] += 1
            if email is not None:
                c["by_email"][email.lower()][kind] += 1
            self.request_log.append(entry)

    def record_status(self, entry, status):
        with self.cond:
            entry["status"] = status
            self.counters["responses"][str(status)] += 1
            self.counters["by_route"][entry["kind"]][str(status)] += 1

    def count_connection(self):
        with self.cond:
            self.counters["connections"] += 1

    def count_handshake(self):
        with self.cond:
            self.counters["tls_handshakes"] += 1

    def counters_view(self, route=None):
        """All counters; with a route, that route's count, answers and causes."""
        with self.cond:
            c = self.counters
            if route is not None:
                return {"route": route, "requests": c["requests"].get(route, 0),
                        "responses": dict(c["by_route"].get(route, {})),
                        "by_cause": {k: v[route] for k, v in c["by_cause"].items() if v[route]}}
            return {
                "requests": dict(c["requests"]),
                "total": c["total"],
                "connections": c["connections"],
                "tls_handshakes": c["tls_handshakes"],
                "responses": dict(c["responses"]),
                "by_user": {k: dict(v) for k, v in c["by_user"].items()},
                "by_email": {k: dict(v) for k, v in c["by_email"].items()},
                "by_route": {k: dict(v) for k, v in c["by_route"].items()},
                "by_cause": {k: dict(v) for k, v in c["by_cause"].items()},
                "cause": self.cause,
            }

    def set_cause(self, cause):
        with self.cond:
            self.cause = cause or NO_CAUSE

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

    def minute_limited(self, client_ip):
        """The rate_limit_per_minute mode: None if allowed, else the epoch time
        the client's 429s end (the minute's end plus rate_limit_penalty_s)."""
        now = time.time()
        minute = int(now // 60)
        with self.cond:
            limit = self.modes["rate_limit_per_minute"]
            if not limit:
                return None
            until = self.blocked_until.get(client_ip, 0)
            if now < until:
                return until
            window, seen = self.minute_window
            if window != minute:
                seen = collections.Counter()
                self.minute_window = (minute, seen)
            seen[client_ip] += 1
            if seen[client_ip] <= limit:
                return None
            until = (minute + 1) * 60 + self.modes["rate_limit_penalty_s"]
            self.blocked_until[client_ip] = until
            return until

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
        """Clear faults (releasing hangs), counters, the cause label, request
        log, audits, tokens and rate-limit windows; modes go back to their
        defaults; users and configuration are kept."""
        self.clear_faults()
        with self.cond:
            self.counters = _zero_counters()
            self.cause = NO_CAUSE
            self.request_log.clear()
            self.audits.clear()
            self.tokens.clear()
            self.rate_window = (0, collections.Counter())
            self.minute_window = (0, collections.Counter())
            self.blocked_until.clear()
            self.modes = default_modes()


def _email_key(user):
    """The lookup key of a user's e-mail, None for a user without one."""
    return user["email"].lower() if user.get("email") else None


def _cut(conn):
    """Abort a connection at the TCP level.  socket.socket.shutdown bypasses
    SSLSocket.shutdown, which would also tear down the SSL object under a
    thread that may be reading from it."""
    try:
        socket.socket.shutdown(conn, socket.SHUT_RDWR)
    except OSError:
        pass

