"""Fault specs (POST /faults on the control port), validated."""

import secrets

from .common import FAULT_KINDS, FAULT_ROUTES


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


