#!/usr/bin/env python3
"""Self-test of the Frontegg emulator.  Prints TAP; exit 0 only if all pass.

    python3 tests/emulator/test_emulator.py        (from any directory)

Most tests share one emulator, reset (faults, counters, tokens, users,
config) before each test; a few start their own (restart).
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback
from datetime import datetime, timezone
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True     # keep the source tree clean (distcheck: read-only)
sys.path.insert(0, HERE)
from emulator_client import Emulator, EmulatorError  # noqa: E402

ID = "/identity/resources"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
TRACE_ID = re.compile(r"^[0-9a-f]{32}$")

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Failure(Exception):
    pass


def ok(cond, what):
    if not cond:
        raise Failure(what)


def eq(got, want, what):
    if got != want:
        raise Failure("%s: got %r, want %r" % (what, got, want))


def jbody(body):
    return json.loads(body.decode("utf-8"))


def error_code(body):
    return jbody(body).get("errorCode")


def fresh(emu):
    """Bring the shared emulator back to a known state."""
    emu.clear_faults()
    if emu.health()["down"]:
        emu.outage(False)
    emu.configure(token_ttl=3600, client_id="test-client-id", secret="test-secret", rate_limit=0)
    emu.reset()
    emu.delete_users()


def seed(emu):
    """alice (unlocked, metadata), bob (locked); returns (token, alice, bob)."""
    alice, bob = emu.put_users([
        {"id": "u-alice", "email": "Alice@Example.com", "metadata": {"dept": "ops"}},
        {"id": "u-bob", "email": "bob@example.com", "isLocked": True},
    ])
    return emu.get_token(), alice, bob


# --------------------------------------------------------------------------
# Start-up, TLS, certificates
# --------------------------------------------------------------------------

@test
def startup_files(emu):
    """start-up writes port, control_port, pid and the certificates"""
    def read(name):
        with open(os.path.join(emu.dir, name)) as f:
            return f.read().strip()
    eq(int(read("port")), emu.port, "DIR/port")
    eq(int(read("control_port")), emu.control_port, "DIR/control_port")
    eq(int(read("pid")), emu.pid, "DIR/pid")
    for name in ("ca.pem", "server.pem", "server.key", "other-ca.pem"):
        ok(os.path.getsize(os.path.join(emu.dir, name)) > 0, name + " exists")
    eq(os.stat(os.path.join(emu.dir, "server.key")).st_mode & 0o077, 0, "server.key not group/other")
    eq(emu.health()["port"], emu.port, "health port")


@test
def ca_verifies(emu):
    """a client trusting ca.pem verifies the server as 127.0.0.1 and localhost, TLS >= 1.2"""
    for host in ("127.0.0.1", "localhost"):
        ctx = ssl.create_default_context(cafile=emu.ca_file)
        conn = http.client.HTTPSConnection(host, emu.port, context=ctx, timeout=5)
        conn.request("GET", "/nowhere")
        resp = conn.getresponse()
        resp.read()
        eq(resp.status, 404, "status via " + host)
        ok(conn.sock.version() in ("TLSv1.2", "TLSv1.3"), "TLS version %s" % conn.sock.version())
        conn.close()


@test
def other_ca_refused(emu):
    """a client trusting only other-ca.pem refuses the server"""
    ctx = ssl.create_default_context(cafile=emu.other_ca_file)
    conn = http.client.HTTPSConnection("127.0.0.1", emu.port, context=ctx, timeout=5)
    try:
        conn.request("GET", "/")
        conn.getresponse()
    except ssl.SSLCertVerificationError:
        return
    finally:
        conn.close()
    raise Failure("connection with the wrong CA succeeded")


# --------------------------------------------------------------------------
# Token
# --------------------------------------------------------------------------

@test
def token_issue(emu):
    """POST /auth/vendor issues a JWT-looking token with expiresIn"""
    status, hdrs, body = emu.api("POST", "/auth/vendor",
                                 {"clientId": "test-client-id", "secret": "test-secret"})
    eq(status, 200, "status")
    eq(hdrs.get("content-type"), "application/json", "content type")
    ok(TRACE_ID.match(hdrs.get("frontegg-trace-id", "")), "trace id")
    doc = jbody(body)
    eq(doc["token"].count("."), 2, "JWT-looking token")
    eq(doc["expiresIn"], 3600, "expiresIn")
    eq(emu.counters()["requests"]["token"], 1, "token counter")


@test
def token_bad_credentials(emu):
    """wrong secret, wrong client id, malformed body -> 401 ER-01001"""
    for body in ({"clientId": "test-client-id", "secret": "nope"},
                 {"clientId": "other", "secret": "test-secret"},
                 {"clientId": "test-client-id"},
                 b"not json", b""):
        status, _, resp = emu.api("POST", "/auth/vendor", body)
        eq(status, 401, "status for %r" % (body,))
        eq(jbody(resp), {"errors": ["Invalid authentication"], "errorCode": "ER-01001"}, "body")


@test
def identity_requires_token(emu):
    """identity routes without / with a bogus token -> 401 ER-01002"""
    emu.put_users([{"id": "u1", "email": "u1@example.com"}])
    routes = [("GET", ID + "/users/v1/email?email=u1%40example.com"),
              ("GET", ID + "/vendor-only/users/v1/u1"),
              ("POST", ID + "/users/v1/u1/lock"),
              ("POST", ID + "/users/v1/u1/unlock"),
              ("POST", ID + "/users/v1/u1/links/generate-password-reset-token"),
              ("GET", ID + "/users/v3")]
    for method, path in routes:
        for token in (None, "bogus.token.value"):
            status, hdrs, body = emu.api(method, path, token=token)
            eq(status, 401, "%s %s" % (method, path))
            eq(jbody(body), {"errors": ["Unauthorized"], "errorCode": "ER-01002"}, "body")
            ok(TRACE_ID.match(hdrs.get("frontegg-trace-id", "")), "trace id on 401")
    eq(emu.user("u1")["isLocked"], False, "unauthorised lock changed nothing")


@test
def expire_tokens_call(emu):
    """POST /tokens/expire invalidates issued tokens; new ones work"""
    token = emu.get_token()
    emu.expire_tokens()
    eq(emu.api("GET", ID + "/users/v3", token=token)[0], 401, "old token")
    eq(emu.api("GET", ID + "/users/v3", token=emu.get_token())[0], 200, "new token")


@test
def config_credentials(emu):
    """POST /config changes client id, secret and token_ttl"""
    emu.configure(client_id="cid-2", secret="s3cret-2")
    try:
        emu.get_token()
        raise Failure("old credentials still accepted")
    except EmulatorError as e:
        eq(e.status, 401, "old credentials")
    ok(emu.get_token("cid-2", "s3cret-2"), "new credentials")
    emu.configure(token_ttl=7)
    status, _, body = emu.api("POST", "/auth/vendor", {"clientId": "cid-2", "secret": "s3cret-2"})
    eq(jbody(body)["expiresIn"], 7, "expiresIn follows token_ttl")
    eq(emu.config()["secret"], "<redacted>", "config view hides the secret")


# --------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------

@test
def email_lookup(emu):
    """email lookup: 200, case-insensitive, url-encoded '+'"""
    token, alice, _ = seed(emu)
    plus = emu.add_user("a+b@example.com")
    for email in ("Alice@Example.com", "alice@example.com", "ALICE@EXAMPLE.COM"):
        status, hdrs, body = emu.api("GET", ID + "/users/v1/email?email=" + quote(email, safe=""),
                                     token=token)
        eq(status, 200, "status for " + email)
        eq(jbody(body)["id"], "u-alice", "id")
        eq(hdrs.get("content-type"), "application/json", "content type")
    status, _, body = emu.api("GET", ID + "/users/v1/email?email=a%2Bb%40example.com", token=token)
    eq((status, jbody(body)["id"]), (200, plus["id"]), "plus address")


@test
def email_lookup_errors(emu):
    """email lookup: unknown -> 404 ER-01017, missing parameter -> 400"""
    token, _, _ = seed(emu)
    status, _, body = emu.api("GET", ID + "/users/v1/email?email=nobody%40example.com", token=token)
    eq(status, 404, "unknown email")
    eq(jbody(body), {"errors": ["User not found"], "errorCode": "ER-01017"}, "404 body")
    for q in ("", "?email=", "?other=1"):
        status, _, body = emu.api("GET", ID + "/users/v1/email" + q, token=token)
        eq(status, 400, "missing email %r" % q)
        ok(jbody(body)["errorCode"].startswith("ER-"), "error body")


@test
def get_user_by_id(emu):
    """vendor-only get user: 200 / 404"""
    token, _, _ = seed(emu)
    status, _, body = emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)
    eq((status, jbody(body)["email"]), (200, "bob@example.com"), "get bob")
    status, _, body = emu.api("GET", ID + "/vendor-only/users/v1/u-nobody", token=token)
    eq((status, error_code(body)), (404, "ER-01017"), "unknown id")


@test
def user_object_shape(emu):
    """user object: isLocked omitted when false, metadata is a JSON string, Frontegg fields"""
    token, _, _ = seed(emu)
    alice = jbody(emu.api("GET", ID + "/vendor-only/users/v1/u-alice", token=token)[2])
    bob = jbody(emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)[2])
    ok("isLocked" not in alice, "isLocked omitted for unlocked user")
    eq(bob.get("isLocked"), True, "isLocked true for locked user")
    ok(isinstance(alice["metadata"], str), "metadata is a string")
    eq(json.loads(alice["metadata"]), {"dept": "ops"}, "metadata content")
    eq(bob["metadata"], "{}", "default metadata")
    ok(isinstance(alice["tenantIds"], list) and alice["tenantId"] in alice["tenantIds"], "tenants")
    ok(RFC3339.match(alice["createdAt"]), "createdAt RFC 3339")
    for key in ("name", "verified", "profilePictureUrl", "roles", "sub"):
        ok(key in alice, "field " + key)
    eq(emu.user("u-alice")["isLocked"], False, "control view has a plain boolean")


@test
def lock_unlock(emu):
    """lock/unlock: 200 empty body, state changes, repeat lock 200, unknown 404"""
    token, _, _ = seed(emu)
    for action, want in (("lock", True), ("lock", True), ("unlock", False), ("unlock", False)):
        status, hdrs, body = emu.api("POST", ID + "/users/v1/u-alice/" + action, token=token)
        eq(status, 200, action + " status")
        eq((body, hdrs.get("content-length")), (b"", "0"), action + " empty body")
        ok("content-type" not in hdrs, action + " has no content type")
        ok(TRACE_ID.match(hdrs.get("frontegg-trace-id", "")), action + " trace id")
        eq(emu.user("u-alice")["isLocked"], want, "state after " + action)
    for action in ("lock", "unlock"):
        status, _, body = emu.api("POST", ID + "/users/v1/u-nobody/" + action, token=token)
        eq((status, error_code(body)), (404, "ER-01017"), action + " unknown user")


@test
def reset_link(emu):
    """password reset link: 201 {link, token, userId}; unknown 404"""
    token, _, _ = seed(emu)
    path = ID + "/users/v1/u-alice/links/generate-password-reset-token"
    status, _, body = emu.api("POST", path, token=token)
    eq(status, 201, "status")
    doc = jbody(body)
    eq(doc["userId"], "u-alice", "userId")
    ok(doc["token"] and doc["link"].startswith("https://") and doc["token"] in doc["link"]
       and "userId=u-alice" in doc["link"], "link carries user id and token")
    status, _, body = emu.api("POST", path.replace("u-alice", "u-nobody"), token=token)
    eq((status, error_code(body)), (404, "ER-01017"), "unknown user")


@test
def list_paging_10k(emu):
    """list: 10,050 users paged by page number, totals, links, stable order, fast"""
    emu.generate_users(10050, "user{n}@example.com", locked_every=7)
    token = emu.get_token()
    conn = emu.connection()
    started = time.monotonic()
    seen, locked, page, pages = [], 0, 0, None
    while pages is None or page < pages:
        status, _, body = emu.api("GET", ID + "/users/v3?_limit=200&_offset=%d" % page,
                                  token=token, conn=conn)
        eq(status, 200, "page %d" % page)
        doc = jbody(body)
        eq(doc["_metadata"]["totalItems"], 10050, "totalItems")
        pages = doc["_metadata"]["totalPages"]
        links = doc["_links"]
        eq("prev" in links, page > 0, "prev link on page %d" % page)
        eq("next" in links, page < pages - 1, "next link on page %d" % page)
        seen += [u["id"] for u in doc["items"]]
        locked += sum(1 for u in doc["items"] if u.get("isLocked") is True)
        page += 1
    elapsed = time.monotonic() - started
    conn.close()
    eq(pages, 51, "totalPages")
    eq((len(seen), len(set(seen))), (10050, 10050), "every user exactly once")
    eq(locked, 10050 // 7, "locked users")
    eq(emu.counters()["requests"]["list"], 51, "one request per page")
    ok(elapsed < 10, "paged listing took %.2f s" % elapsed)
    # _offset is a page number: page 1 of size 200 starts at the 201st user.
    doc = jbody(emu.api("GET", ID + "/users/v3?_limit=200&_offset=1", token=token)[2])
    eq(doc["items"][0]["id"], seen[200], "page 1 starts at item 200")
    eq(doc["items"][0]["email"], "user201@example.com", "stable order")


@test
def list_parameters(emu):
    """list: default limit 50, _limit 1..200 else 400, page past the end empty"""
    emu.generate_users(120)
    token = emu.get_token()
    doc = jbody(emu.api("GET", ID + "/users/v3", token=token)[2])
    eq((len(doc["items"]), doc["_metadata"]["totalPages"]), (50, 3), "default limit")
    for bad in ("_limit=201", "_limit=0", "_limit=abc", "_offset=-1", "_offset=x"):
        status, _, body = emu.api("GET", ID + "/users/v3?" + bad, token=token)
        eq(status, 400, bad)
        ok(error_code(body).startswith("ER-"), bad + " error body")
    doc = jbody(emu.api("GET", ID + "/users/v3?_limit=200&_offset=0", token=token)[2])
    eq(len(doc["items"]), 120, "_limit=200 accepted")
    doc = jbody(emu.api("GET", ID + "/users/v3?_limit=50&_offset=9", token=token)[2])
    eq(doc["items"], [], "page past the end")


@test
def unknown_route_and_method(emu):
    """unknown path -> 404 error body, wrong method -> 405"""
    token = emu.get_token()
    status, hdrs, body = emu.api("GET", "/identity/resources/nothing", token=token)
    eq(status, 404, "unknown path")
    ok(error_code(body).startswith("ER-"), "404 body")
    ok(TRACE_ID.match(hdrs["frontegg-trace-id"]), "trace id on 404")
    status, hdrs, body = emu.api("GET", ID + "/users/v1/u1/lock", token=token)
    eq(status, 405, "GET on lock")
    ok("message" in jbody(body) or "errors" in jbody(body), "405 body")
    eq(emu.api("GET", "/auth/vendor")[0], 405, "GET on token")
    eq(emu.counters()["requests"]["other"], 3, "counted as other")


# --------------------------------------------------------------------------
# Counters, request log, keep-alive
# --------------------------------------------------------------------------

@test
def counters(emu):
    """counters by kind, by user, by email, responses; portal actions not counted"""
    token, _, _ = seed(emu)
    emu.api("GET", ID + "/users/v1/email?email=alice%40example.com", token=token)
    emu.api("GET", ID + "/users/v1/email?email=nobody%40example.com", token=token)
    emu.api("POST", ID + "/users/v1/u-alice/lock", token=token)
    emu.api("POST", ID + "/users/v1/u-alice/lock", token=token)
    emu.api("POST", ID + "/users/v1/u-bob/unlock", token=token)
    emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)
    emu.api("GET", ID + "/users/v3", token=None)
    emu.admin_lock("u-bob")
    emu.admin_unlock("u-alice")
    c = emu.counters()
    eq(c["requests"], {"token": 1, "email_lookup": 2, "get_user": 1, "lock": 2, "unlock": 1,
                       "reset_link": 0, "list": 1, "audit": 0, "other": 0}, "by kind")
    eq(c["total"], 8, "total")
    eq(c["by_user"], {"u-alice": {"lock": 2}, "u-bob": {"unlock": 1, "get_user": 1}}, "by user")
    eq(c["by_email"], {"alice@example.com": {"email_lookup": 1},
                       "nobody@example.com": {"email_lookup": 1}}, "by email")
    eq(c["responses"], {"200": 6, "404": 1, "401": 1}, "responses")
    eq((emu.user("u-alice")["isLocked"], emu.user("u-bob")["isLocked"]), (False, True),
       "portal actions applied")
    emu.reset_counters()
    c = emu.counters()
    eq((c["total"], c["connections"], c["by_user"], sum(c["requests"].values())), (0, 0, {}, 0),
       "reset")


@test
def keep_alive(emu):
    """three requests over one HTTPS connection count one connection and one handshake"""
    emu.put_users([{"id": "u1", "email": "u1@example.com"}])
    emu.reset_counters()
    conn = emu.connection()
    status, _, body = emu.api("POST", "/auth/vendor",
                              {"clientId": "test-client-id", "secret": "test-secret"}, conn=conn)
    token = jbody(body)["token"]
    eq(emu.api("GET", ID + "/vendor-only/users/v1/u1", token=token, conn=conn)[0], 200, "first")
    eq(emu.api("POST", ID + "/users/v1/u1/lock", token=token, conn=conn)[0], 200, "second")
    conn.close()
    c = emu.counters()
    eq((c["connections"], c["tls_handshakes"], c["total"]), (1, 1, 3), "connections/handshakes")


@test
def request_log(emu):
    """request log: method, path, query, kind, status, headers with Authorization redacted"""
    token, _, _ = seed(emu)
    emu.api("GET", ID + "/users/v1/email?email=bob%40example.com", token=token,
            headers={"User-Agent": "pam_frontegg/0.1 test", "X-Probe": "yes"})
    log = emu.requests()
    eq([e["kind"] for e in log], ["token", "email_lookup"], "kinds")
    entry = log[-1]
    eq((entry["method"], entry["path"], entry["query"], entry["status"]),
       ("GET", ID + "/users/v1/email", "email=bob%40example.com", 200), "entry")
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    eq(headers["user-agent"], "pam_frontegg/0.1 test", "user agent")
    eq(headers["x-probe"], "yes", "custom header")
    eq(headers["authorization"], "Bearer <redacted>", "redacted")
    ok(isinstance(entry["t"], float), "timestamp")
    text = json.dumps(log)
    ok(token not in text and "test-secret" not in text, "no token or secret in the log")


@test
def rate_limit_option(emu):
    """rate limit: over N requests in a second -> 429 with RFC 3339 X-Rate-Limit-Reset, no Retry-After"""
    emu.configure(rate_limit=5)
    conn = emu.connection()
    results = [emu.api("GET", "/nowhere", conn=conn) for _ in range(20)]
    conn.close()
    limited = [r for r in results if r[0] == 429]
    ok(limited, "some requests were limited")
    ok(len(results) - len(limited) <= 15, "at most 5 per second passed")
    status, hdrs, body = limited[0]
    ok(RFC3339.match(hdrs.get("x-rate-limit-reset", "")), "reset header %r"
       % hdrs.get("x-rate-limit-reset"))
    ok("retry-after" not in hdrs, "no Retry-After")
    eq(jbody(body)["errorCode"], "ER-00429", "error code")
    eq(emu.counters()["requests"]["other"], 20, "limited requests are counted")


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------

@test
def fault_latency(emu):
    """fault latency: answer delayed by delay_ms"""
    token, _, _ = seed(emu)
    emu.add_fault("latency", route="get_user", delay_ms=300)
    started = time.monotonic()
    status, _, _ = emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)
    took = time.monotonic() - started
    eq(status, 200, "status")
    ok(took >= 0.3, "delayed %.3f s" % took)


@test
def fault_hang(emu):
    """fault hang: request never answered, others unaffected, released by clearing faults"""
    token, _, _ = seed(emu)
    emu.add_fault("hang", route="lock")
    # A client with a short timeout gives up.
    conn = emu.connection(timeout=0.4)
    try:
        emu.api("POST", ID + "/users/v1/u-alice/lock", token=token, conn=conn)
        raise Failure("hung request was answered")
    except socket.timeout:
        pass
    finally:
        conn.close()
    # A second hang: others are served meanwhile, then clear_faults releases it.
    emu.add_fault("hang", route="lock")
    result = {}
    hung = threading.Thread(target=lambda: result.update(
        r=emu.api("POST", ID + "/users/v1/u-alice/lock", token=token)))
    hung.start()
    deadline = time.monotonic() + 5
    while emu.counters()["requests"]["lock"] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    eq(emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)[0], 200, "other request")
    ok(time.monotonic() - started < 1, "other request not blocked")
    ok(hung.is_alive(), "still hanging")
    emu.clear_faults()
    hung.join(5)
    eq(result.get("r", (None,))[0], 200, "released request answered normally")


@test
def fault_status(emu):
    """fault status: 503 with a Frontegg error body, or a raw body"""
    token, _, _ = seed(emu)
    emu.add_fault("status", route="lock", status=503)
    status, hdrs, body = emu.api("POST", ID + "/users/v1/u-alice/lock", token=token)
    eq(status, 503, "status")
    eq(jbody(body), {"errors": ["Service Unavailable"], "errorCode": "ER-05003"}, "body")
    ok(TRACE_ID.match(hdrs["frontegg-trace-id"]), "trace id")
    eq(emu.user("u-alice")["isLocked"], False, "lock not applied")
    emu.add_fault("status", route="*", status=500, body='{"message":"boom"}')
    status, _, body = emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)
    eq((status, body), (500, b'{"message":"boom"}'), "raw body")


@test
def fault_rate_limit(emu):
    """fault rate_limit: 429, X-Rate-Limit-Reset = now + reset_in_s (RFC 3339), no Retry-After"""
    token, _, _ = seed(emu)
    emu.add_fault("rate_limit", route="email_lookup", reset_in_s=2)
    status, hdrs, body = emu.api("GET", ID + "/users/v1/email?email=bob%40example.com", token=token)
    eq(status, 429, "status")
    eq(jbody(body), {"errors": ["Too many requests"], "errorCode": "ER-00429"}, "body")
    reset = hdrs.get("x-rate-limit-reset", "")
    ok(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", reset), "whole-second RFC 3339: %r" % reset)
    at = datetime.strptime(reset, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    ok(1.0 <= at - time.time() <= 3.0, "reset %.2f s ahead" % (at - time.time()))
    ok("retry-after" not in hdrs, "no Retry-After")
    emu.add_fault("rate_limit", fractional=True)
    hdrs = emu.api("GET", ID + "/users/v3", token=token)[1]
    ok(re.match(r"^.*T\d\d:\d\d:\d\d\.\d{3}Z$", hdrs.get("x-rate-limit-reset", "")), "fractional")
    emu.add_fault("rate_limit", no_reset_header=True)
    status, hdrs, _ = emu.api("GET", ID + "/users/v3", token=token)
    eq(status, 429, "status without header")
    ok("x-rate-limit-reset" not in hdrs and "retry-after" not in hdrs, "no reset header")


@test
def fault_malformed(emu):
    """fault malformed: 200 with truncated JSON"""
    token, _, _ = seed(emu)
    emu.add_fault("malformed", route="get_user")
    status, hdrs, body = emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)
    eq(status, 200, "status")
    eq(hdrs.get("content-type"), "application/json", "claims JSON")
    try:
        json.loads(body)
        raise Failure("body parsed")
    except ValueError:
        pass


@test
def fault_wrong_shape(emu):
    """fault wrong_shape: valid JSON, wrong types (isLocked as a string) or an array"""
    token, _, _ = seed(emu)
    emu.add_fault("wrong_shape", route="get_user")
    doc = jbody(emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)[2])
    ok(isinstance(doc, dict) and isinstance(doc.get("isLocked"), str), "isLocked is a string")
    emu.add_fault("wrong_shape", route="email_lookup", shape="array")
    status, _, body = emu.api("GET", ID + "/users/v1/email?email=bob%40example.com", token=token)
    ok(status == 200 and isinstance(jbody(body), list), "array")
    emu.add_fault("wrong_shape", route="token")
    status, _, body = emu.api("POST", "/auth/vendor",
                              {"clientId": "test-client-id", "secret": "test-secret"})
    ok(status == 200 and not isinstance(jbody(body).get("token"), str), "token not a string")


@test
def fault_oversized(emu):
    """fault oversized: 64 MiB body with a correct Content-Length; client may abort early"""
    token, _, _ = seed(emu)
    emu.add_fault("oversized", route="get_user")
    conn = emu.connection()
    conn.request("GET", ID + "/vendor-only/users/v1/u-bob", headers={"Authorization": "Bearer " + token})
    resp = conn.getresponse()
    eq(resp.status, 200, "status")
    eq(resp.getheader("Content-Length"), str(64 << 20), "Content-Length")
    head = resp.read(1 << 20)
    ok(head.startswith(b'{"pad":"') and len(head) == 1 << 20, "JSON-looking prefix")
    conn.close()        # abort mid-body
    emu.add_fault("oversized", route="get_user", size_bytes=100000)
    status, _, body = emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)
    eq(len(body), 100000, "small oversized body read completely")
    ok(isinstance(json.loads(body), dict), "valid JSON")
    eq(emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)[0], 200, "server fine after")


@test
def fault_unauthorized(emu):
    """fault unauthorized: 401 even with a good token"""
    token, _, _ = seed(emu)
    emu.add_fault("unauthorized", route="lock")
    status, _, body = emu.api("POST", ID + "/users/v1/u-alice/lock", token=token)
    eq((status, error_code(body)), (401, "ER-01002"), "401")
    eq(emu.api("POST", ID + "/users/v1/u-alice/lock", token=token)[0], 200, "next one fine")


@test
def fault_empty(emu):
    """fault empty: the route's success status with an empty body"""
    token, _, _ = seed(emu)
    emu.add_fault("empty", route="get_user")
    emu.add_fault("empty", route="reset_link")
    status, hdrs, body = emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)
    eq((status, body, hdrs.get("content-length")), (200, b"", "0"), "get_user")
    status, _, body = emu.api("POST", ID + "/users/v1/u-bob/links/generate-password-reset-token",
                              token=token)
    eq((status, body), (201, b""), "reset_link")


@test
def fault_close(emu):
    """fault close: connection closed without a response"""
    token, _, _ = seed(emu)
    emu.add_fault("close", route="unlock")
    try:
        emu.api("POST", ID + "/users/v1/u-bob/unlock", token=token)
        raise Failure("got a response")
    except (http.client.RemoteDisconnected, ConnectionError, ssl.SSLError):
        pass
    eq(emu.user("u-bob")["isLocked"], True, "unlock not applied")
    eq(emu.counters()["requests"]["unlock"], 1, "closed request counted")
    eq(emu.requests()[-1]["status"], None, "no status logged")


@test
def fault_routing_order_count(emu):
    """faults: route matching, FIFO order, count, count -1 until cleared, 'apply'"""
    token, _, _ = seed(emu)
    lookup = ID + "/users/v1/email?email=bob%40example.com"
    emu.add_fault("status", route="lock", status=502)
    eq(emu.api("GET", lookup, token=token)[0], 200, "other route unaffected")
    eq(emu.api("POST", ID + "/users/v1/u-alice/lock", token=token)[0], 502, "lock route hit")
    emu.add_fault("status", status=503, count=2)
    emu.add_fault("rate_limit")
    got = [emu.api("GET", lookup, token=token)[0] for _ in range(4)]
    eq(got, [503, 503, 429, 200], "FIFO and counts")
    emu.add_fault("status", route="get_user", status=500, count=-1)
    got = [emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)[0] for _ in range(5)]
    eq(got, [500] * 5, "count -1 persists")
    eq(len(emu.faults()), 1, "still queued")
    emu.clear_faults()
    eq(emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)[0], 200, "cleared")
    emu.add_fault("status", route="lock", status=503, apply=True)
    eq(emu.api("POST", ID + "/users/v1/u-alice/lock", token=token)[0], 503, "apply: 503 answer")
    eq(emu.user("u-alice")["isLocked"], True, "apply: lock happened anyway")
    for bad in ({"kind": "nope"}, {"kind": "status", "route": "nowhere"},
                {"kind": "status", "stauts": 500}, {"kind": "latency", "count": 0}):
        try:
            emu._call("POST", "/faults", bad)
            raise Failure("accepted %r" % bad)
        except EmulatorError as e:
            eq(e.status, 400, "rejects %r" % bad)


# --------------------------------------------------------------------------
# Modes: how the real Frontegg might disagree
# --------------------------------------------------------------------------

def user_path(uid, action=""):
    return ID + ("/vendor-only/users/v1/%s" % uid if not action else "/users/v1/%s/%s" % (uid, action))


@test
def mode_user_shape_spec(emu):
    """modes user_shape=spec, unlocked_is: roles with permissions, null fields, no e-mail"""
    token, _, _ = seed(emu)
    emu.put_users([{"id": "u-phone", "email": None}])
    emu.set_modes(user_shape="spec", unlocked_is="null")
    alice = jbody(emu.api("GET", user_path("u-alice"), token=token)[2])
    ok("isLocked" in alice and alice["isLocked"] is None, "isLocked: null")
    ok(alice["roles"] and alice["roles"][0]["permissions"][0]["key"], "roles with permissions")
    ok(alice["phoneNumber"] is None and alice["lastLogin"] is None, "null fields")
    ok(isinstance(alice["metadata"], str) and json.loads(alice["metadata"]) == {"dept": "ops"},
       "metadata a JSON string")
    eq(alice["tenantIds"], [alice["tenantId"]], "tenantIds")
    bob = jbody(emu.api("GET", user_path("u-bob"), token=token)[2])
    eq(bob["isLocked"], True, "locked stays true")
    items = jbody(emu.api("GET", ID + "/users/v3", token=token)[2])["items"]
    phone = [u for u in items if u["id"] == "u-phone"]
    ok(phone and "email" not in phone[0], "a user without e-mail is listed without one")
    emu.set_modes(unlocked_is="false")
    eq(jbody(emu.api("GET", user_path("u-alice"), token=token)[2])["isLocked"], False, "false")
    emu.reset_modes()
    ok("isLocked" not in jbody(emu.api("GET", user_path("u-alice"), token=token)[2]), "absent")


@test
def mode_rate_limit_per_minute(emu):
    """mode rate_limit_per_minute: 429 + RFC 3339 reset at the minute's end (+ penalty)"""
    token, _, _ = seed(emu)
    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60)   # stay inside one wall-clock minute
    emu.set_modes(rate_limit_per_minute=3, rate_limit_penalty_s=600)
    got = [emu.api("GET", user_path("u-bob"), token=token) for _ in range(5)]
    eq([g[0] for g in got], [200, 200, 200, 429, 429], "statuses")
    reset = got[3][1].get("x-rate-limit-reset", "")
    ok(RFC3339.match(reset), "RFC 3339 reset %r" % reset)
    at = datetime.strptime(reset, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    ok(600 < at - time.time() <= 660, "reset beyond any budget: %.0f s ahead" % (at - time.time()))
    eq(error_code(got[3][2]), "ER-00429", "error body")
    eq(emu.counters("get_user")["responses"], {"200": 3, "429": 2}, "answers by route")


@test
def mode_list_churn_and_hide(emu):
    """modes list_churn_*, list_hide: users shift between pages; hidden ids unlisted"""
    token, _, _ = seed(emu)
    emu.generate_users(10, "f{n}@example.com")
    emu.set_modes(list_hide=["u-bob"])
    listed = [u["id"] for u in jbody(emu.api("GET", ID + "/users/v3", token=token)[2])["items"]]
    ok("u-bob" not in listed and "u-alice" in listed, "hidden from the listing")
    eq(emu.api("GET", user_path("u-bob"), token=token)[0], 200, "still readable by id")
    emu.set_modes(list_hide=[], list_churn_remove=2)
    seen = []
    for page in range(3):
        seen += [u["id"] for u in jbody(emu.api(
            "GET", ID + "/users/v3?_limit=4&_offset=%d" % page, token=token)[2])["items"]]
    missed = {u["id"] for u in emu.users()} - set(seen)
    ok(missed, "users that exist throughout were never listed")
    for uid in missed:
        eq(emu.api("GET", user_path(uid), token=token)[0], 200, "%s exists" % uid)
    emu.set_modes(list_churn_remove=0, list_churn_insert=3)
    first = [u["id"] for u in jbody(emu.api("GET", ID + "/users/v3?_limit=3", token=token)[2])["items"]]
    second = [u["id"] for u in jbody(emu.api("GET", ID + "/users/v3?_limit=3&_offset=1",
                                             token=token)[2])["items"]]
    eq(second, first, "insertion in front repeats the previous page")


@test
def list_sort_and_ids(emu):
    """users/v3: _sortBy=isLocked&_order=DESC puts locked first; ids= (comma or repeated)"""
    token, _, _ = seed(emu)
    emu.generate_users(20, "s{n}@example.com", locked_every=7)
    doc = jbody(emu.api("GET", ID + "/users/v3?_sortBy=isLocked&_order=DESC&_limit=5",
                        token=token)[2])
    eq([u.get("isLocked", False) for u in doc["items"]], [True, True, True, False, False],
       "locked first")
    eq(doc["_metadata"]["totalItems"], 22, "total unchanged")
    for q in ("ids=u-alice,u-bob", "ids=u-bob&ids=u-alice"):
        got = sorted(u["id"] for u in jbody(emu.api("GET", ID + "/users/v3?" + q, token=token)[2])["items"])
        eq(got, ["u-alice", "u-bob"], q)
    for bad in ("_sortBy=password", "_order=UP"):
        eq(emu.api("GET", ID + "/users/v3?" + bad, token=token)[0], 400, bad)


@test
def mode_email_case_sensitive(emu):
    """mode email_case_sensitive: only the stored spelling finds the user"""
    token, _, _ = seed(emu)
    lookup = ID + "/users/v1/email?email=%s"
    eq(emu.api("GET", lookup % "alice%40example.com", token=token)[0], 200, "insensitive")
    emu.set_modes(email_case_sensitive=True)
    eq(emu.api("GET", lookup % "alice%40example.com", token=token)[0], 404, "sensitive: 404")
    eq(emu.api("GET", lookup % "Alice%40Example.com", token=token)[0], 200, "stored spelling")


@test
def mode_strict_repeat(emu):
    """mode strict_repeat: a repeat lock or unlock answers 400 with an errorCode, changes nothing"""
    token, _, _ = seed(emu)
    emu.set_modes(strict_repeat=True)
    status, _, body = emu.api("POST", user_path("u-bob", "lock"), token=token)
    eq((status, error_code(body)), (400, "ER-01108"), "repeat lock")
    status, _, body = emu.api("POST", user_path("u-alice", "unlock"), token=token)
    eq((status, error_code(body)), (400, "ER-01109"), "repeat unlock")
    eq(emu.api("POST", user_path("u-alice", "lock"), token=token)[0], 200, "a real lock")
    eq(emu.user("u-alice")["isLocked"], True, "locked")
    eq(emu.counters("lock")["responses"], {"400": 1, "200": 1}, "answers by route")


@test
def mode_token_answer(emu):
    """mode token_answer: a proxy's 404 page, a JSON 404, a 200 that is not JSON"""
    creds = {"clientId": "test-client-id", "secret": "test-secret"}
    for answer, status, ctype in (("not_found", 404, "text/html"),
                                  ("not_found_json", 404, "application/json"),
                                  ("not_json", 200, "text/html")):
        emu.set_modes(token_answer=answer)
        got, hdrs, body = emu.api("POST", "/auth/vendor", creds)
        eq((got, hdrs.get("content-type")), (status, ctype), answer)
        if ctype == "text/html":
            ok(body.startswith(b"<"), answer + " body is not JSON")
    emu.set_modes(token_answer="ok")
    ok(emu.get_token(), "ok again")


@test
def audits_route(emu):
    """POST /audits/: frontegg-tenant-id and severity required, 202, recorded"""
    token, alice, _ = seed(emu)
    entry = {"severity": "High", "action": "lock", "host": "web1", "failures": 5}
    eq(emu.api("POST", "/audits/", entry, token=token)[0], 400, "no tenant header")
    eq(emu.api("POST", "/audits/", {"action": "lock"}, token=token,
               headers={"frontegg-tenant-id": "t1"})[0], 400, "no severity")
    eq(emu.api("POST", "/audits/", entry)[0], 401, "token needed")
    status, _, body = emu.api("POST", "/audits/", entry, token=token,
                              headers={"frontegg-tenant-id": alice["tenantId"]})
    eq((status, body), (202, b""), "accepted")
    got = emu.audits()
    eq([(a["tenant_id"], a["body"]) for a in got], [(alice["tenantId"], entry)], "recorded")
    eq(emu.counters()["requests"]["audit"], 4, "counted")
    emu.reset()
    eq(emu.audits(), [], "reset clears audits")


@test
def mode_environment_id(emu):
    """mode environment_id: every request must carry frontegg-environment-id"""
    emu.set_modes(environment_id="env-42")
    creds = {"clientId": "test-client-id", "secret": "test-secret"}
    eq(emu.api("POST", "/auth/vendor", creds)[0], 401, "token without the header")
    eq(emu.api("POST", "/auth/vendor", creds, headers={"frontegg-environment-id": "env-1"})[0],
       401, "wrong environment")
    status, _, body = emu.api("POST", "/auth/vendor", creds,
                              headers={"frontegg-environment-id": "env-42"})
    eq(status, 200, "right environment")
    token = jbody(body)["token"]
    eq(emu.api("GET", ID + "/users/v3", token=token)[0], 401, "identity route without it")
    eq(emu.api("GET", ID + "/users/v3", token=token,
               headers={"frontegg-environment-id": "env-42"})[0], 200, "identity route with it")


@test
def counters_by_cause(emu):
    """counters: a cause label files requests; ?route= reads one route; reset zeroes"""
    token, _, _ = seed(emu)
    emu.set_cause("sync")
    emu.api("GET", user_path("u-bob"), token=token)
    emu.set_cause("push")
    emu.api("POST", user_path("u-alice", "lock"), token=token)
    emu.api("GET", user_path("u-alice"), token=token)
    c = emu.counters()
    eq(c["by_cause"]["sync"], {"get_user": 1}, "sync")
    eq(c["by_cause"]["push"], {"lock": 1, "get_user": 1}, "push")
    eq(c["by_cause"]["untagged"], {"token": 1}, "before any label")
    eq(emu.counters("get_user")["by_cause"], {"sync": 1, "push": 1}, "one route by cause")
    for bad in ({"user_shape": "odd"}, {"nope": 1}, {"strict_repeat": "yes"}):
        try:
            emu._call("POST", "/modes", bad)
            raise Failure("accepted %r" % bad)
        except EmulatorError as e:
            eq(e.status, 400, "rejects %r" % bad)
    emu.reset_counters()
    eq(emu.counters()["by_cause"], {}, "reset")


# --------------------------------------------------------------------------
# Outage, reset
# --------------------------------------------------------------------------

@test
def outage(emu):
    """outage: connections refused, then back on the same port with users, tokens, counters"""
    token, _, _ = seed(emu)
    port = emu.port
    live = emu.connection()
    eq(emu.api("GET", ID + "/users/v3", token=token, conn=live)[0], 200, "before")
    emu.outage(True)
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        raise Failure("connection accepted during outage")
    except ConnectionRefusedError:
        pass
    try:
        emu.api("GET", ID + "/users/v3", token=token, conn=live)
        raise Failure("kept-alive connection survived the outage")
    except (OSError, http.client.HTTPException):
        pass
    live.close()
    eq(emu.health()["down"], True, "health says down")
    emu.outage(False)
    eq(emu.port, port, "same port")
    eq(emu.api("GET", ID + "/vendor-only/users/v1/u-bob", token=token)[0], 200, "token kept")
    eq(emu.counters()["requests"]["token"], 1, "counters kept")


@test
def reset_call(emu):
    """reset: clears faults, counters, request log, tokens; keeps users"""
    token, _, _ = seed(emu)
    emu.add_fault("status", status=500, count=-1)
    emu.reset()
    eq((emu.faults(), emu.requests(), emu.counters()["total"]), ([], [], 0), "cleared")
    eq(emu.api("GET", ID + "/users/v3", token=token)[0], 401, "tokens cleared")
    ok(emu.user("u-alice") is not None, "users kept")


# --------------------------------------------------------------------------
# Separate emulators: restart, secrets
# --------------------------------------------------------------------------

@test
def stop_removes_a_directory_it_was_given_to_remove(emu):
    """remove_dir=True: stop() removes the caller's DIR, which it used as given"""
    d = os.path.join(emu.dir, "given")
    os.mkdir(d)
    other = Emulator.start(d, remove_dir=True)
    eq(other.dir, d, "the emulator runs in the given DIR")
    other.stop()
    ok(not os.path.exists(d), "DIR removed by stop()")


@test
def restart_keeps_ca_and_secret_file(emu):
    """restart reuses the CA; --secret-file; verbose log never shows secret or token; SIGTERM exits 0"""
    d = os.path.join(emu.dir, "second")
    first = Emulator.start(d, secret="file-secret-xyz", verbose=True)
    with open(first.ca_file, "rb") as f:
        ca = f.read()
    token = first.get_token(secret="file-secret-xyz")
    first.api("GET", ID + "/users/v3", token=token)
    first.stop()
    eq(first.exit_status, None, "stopped child forgotten")
    second = Emulator.start(d, secret_file=os.path.join(d, "secret"))
    try:
        with open(second.ca_file, "rb") as f:
            eq(f.read(), ca, "same CA after restart")
        ok(second.get_token(secret="file-secret-xyz"), "old CA verifies the restarted server")
        proc = second._proc
        proc.send_signal(signal.SIGTERM)
        eq(proc.wait(10), 0, "exit status after SIGTERM")
    finally:
        second.stop()
    with open(os.path.join(d, "emulator.log")) as f:
        log = f.read()
    ok("/identity/resources/users/v3" in log, "verbose log has requests")
    ok("file-secret-xyz" not in log and token not in log, "no secret or token in the log")
    ok(not os.path.exists(os.path.join(d, "port")), "port file removed on exit")


@test
def start_failure_reports_stderr(emu):
    """start() raises with the emulator's stderr when it cannot start"""
    try:
        Emulator.start(os.path.join(emu.dir, "bad"), port=emu.port, timeout=5)
        raise Failure("second emulator on a busy port started")
    except EmulatorError as e:
        ok("Address already in use" in str(e) or "Errno" in str(e), "stderr quoted: %s" % e)


# --------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------

def main():
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="emulator-selftest-")
    print("1..%d" % len(TESTS), flush=True)
    failed = 0
    emu = None
    try:
        try:
            emu = Emulator.start(os.path.join(tmp, "emu"))
        except EmulatorError as e:
            print("Bail out! emulator did not start: %s" % str(e).replace("\n", " | "))
            return 1
        for number, fn in enumerate(TESTS, 1):
            name = (fn.__doc__ or fn.__name__).strip()
            try:
                fresh(emu)
                fn(emu)
                print("ok %d - %s" % (number, name), flush=True)
            except Exception as e:      # any failure, including unexpected errors
                failed += 1
                print("not ok %d - %s" % (number, name))
                detail = str(e) if isinstance(e, Failure) else traceback.format_exc()
                for line in detail.splitlines():
                    print("#   " + line)
                sys.stdout.flush()
    finally:
        if emu is not None:
            emu.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("# %d/%d passed in %.1f s" % (len(TESTS) - failed, len(TESTS),
                                        time.monotonic() - started))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
