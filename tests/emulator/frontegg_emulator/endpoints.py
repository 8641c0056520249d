"""The emulated Frontegg routes: one function per endpoint, each returning a Response."""

import json
import math
import re
import secrets
from urllib.parse import unquote

from .common import (LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, RESET_LINK_BASE, json_bytes, rfc3339)
from .listing import BadListing

AUDIT_SEVERITIES = ("Info", "Medium", "High", "Critical", "Error")


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
    ("POST", re.compile(r"^/audits/?$"), "audit"),
]



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

class Call:
    """What an endpoint gets of a request."""
    __slots__ = ("user_id", "query", "body", "headers")

    def __init__(self, user_id, query, body, headers):
        self.user_id, self.query, self.body, self.headers = user_id, query, body, headers


def _json_body(body):
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except ValueError:
        return None


def handle_token(state, call):
    answer = state.modes_view()["token_answer"]
    if answer != "ok":
        return wrong_api_url(answer)
    creds = _json_body(call.body)
    # Wrong credentials and malformed bodies both get 401 (documented).
    if not isinstance(creds, dict) or not isinstance(creds.get("clientId"), str) \
            or not isinstance(creds.get("secret"), str):
        return error_response(401, "Invalid authentication", "ER-01001")
    issued = state.issue_token(creds["clientId"], creds["secret"])
    if issued is None:
        return error_response(401, "Invalid authentication", "ER-01001")
    token, ttl = issued
    return json_response(200, {"token": token, "expiresIn": ttl})


PROXY_404 = b"<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n"
PROXY_PAGE = b"<!DOCTYPE html><html><body><form action=/login>Sign in</form></body></html>\n"


def wrong_api_url(answer):
    """What the token route gets through a wrong api_url: a proxy's 404
    page, a JSON 404, or a 200 that is not JSON (a login page)."""
    html = {"Content-Type": "text/html"}
    if answer == "not_found":
        return Response(404, PROXY_404, html)
    if answer == "not_found_json":
        return error_response(404, "Route not found", "ER-00404")
    return Response(200, PROXY_PAGE, html)


def handle_email_lookup(state, call):
    email = (call.query.get("email") or [""])[0]
    if not email:
        return error_response(400, "email must be an email", "ER-00400")
    user = state.user_by_email(email, state.modes_view()["email_case_sensitive"])
    return json_response(200, state.view(user)) if user else user_not_found()


def handle_get_user(state, call):
    user = state.user(call.user_id)
    return json_response(200, state.view(user)) if user else user_not_found()


def _lock_answer(state, call, locked):
    """200 without a body; in strict_repeat mode a repeat answers 400."""
    outcome = state.change_lock(call.user_id, locked)
    if outcome == "missing":
        return user_not_found()
    if outcome == "refused":
        if locked:
            return error_response(400, "User is already locked", "ER-01108")
        return error_response(400, "User is not locked", "ER-01109")
    return Response(200)


def handle_lock(state, call):
    return _lock_answer(state, call, True)


def handle_unlock(state, call):
    return _lock_answer(state, call, False)


def handle_reset_link(state, call):
    if state.user(call.user_id) is None:
        return user_not_found()
    token = secrets.token_hex(24)
    link = "%s?userId=%s&token=%s" % (RESET_LINK_BASE, call.user_id, token)
    return json_response(201, {"link": link, "token": token, "userId": call.user_id})


def handle_list(state, call):
    try:
        limit = int_param(call.query, "_limit", LIST_DEFAULT_LIMIT, 1, LIST_MAX_LIMIT)
        page = int_param(call.query, "_offset", 0, 0)    # a PAGE number, not an item offset
        items, total = state.page(limit, page, call.query)
    except (BadRequest, BadListing) as e:
        return error_response(400, str(e), "ER-00400")
    pages = (total + limit - 1) // limit
    link = lambda p: "?_limit=%d&_offset=%d" % (limit, p)   # noqa: E731
    links = {"first": link(0), "last": link(max(pages - 1, 0))}
    if page + 1 < pages:
        links["next"] = link(page + 1)
    if page > 0:
        links["prev"] = link(min(page - 1, max(pages - 1, 0)))
    return json_response(200, {"items": items, "_links": links,
                               "_metadata": {"totalItems": total, "totalPages": pages}})


def handle_audit(state, call):
    """POST /audits/: needs frontegg-tenant-id and a JSON object with a
    known severity; anything else in the body is free-form.  202, no body."""
    tenant = (call.headers.get("frontegg-tenant-id") or "").strip()
    if not tenant:
        return error_response(400, "frontegg-tenant-id header is required", "ER-00400")
    entry = _json_body(call.body)
    if not isinstance(entry, dict) or entry.get("severity") not in AUDIT_SEVERITIES:
        return error_response(400, "severity must be one of " + ",".join(AUDIT_SEVERITIES),
                              "ER-00400")
    state.add_audit(tenant, entry)
    return Response(202)


ENDPOINTS = {
    "token": handle_token,
    "email_lookup": handle_email_lookup,
    "get_user": handle_get_user,
    "lock": handle_lock,
    "unlock": handle_unlock,
    "reset_link": handle_reset_link,
    "list": handle_list,
    "audit": handle_audit,
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


