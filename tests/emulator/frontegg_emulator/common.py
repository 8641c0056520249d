"""Constants and small helpers shared by every part of the emulator."""

import base64
import json
import os
import re
import tempfile
from datetime import datetime, timezone


DEFAULT_CLIENT_ID = "test-client-id"
DEFAULT_SECRET = "test-secret"
DEFAULT_TOKEN_TTL = 3600
DEFAULT_TENANT_ID = "7f2c5e1a-8d3b-4c6e-9a01-00000000e001"

# Request kinds: what counters, faults and the request log are keyed by.
KINDS = ("token", "email_lookup", "get_user", "lock", "unlock", "reset_link", "list", "audit",
         "other")
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

