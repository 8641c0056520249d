"""The emulated Frontegg routes: one function per endpoint, each returning a Response."""

import json
import math
import re
import secrets
from urllib.parse import unquote

from .common import (LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, RESET_LINK_BASE, json_bytes, rfc3339)
from .users import api_view


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


