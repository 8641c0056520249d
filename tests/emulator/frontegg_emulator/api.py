"""The HTTPS side: request handler, TLS server and the listener that outages take down."""

import http.server
import secrets
import socket
import socketserver
import sys
import threading
import time
import traceback
from urllib.parse import parse_qs, urlsplit

from .common import HANDSHAKE_TIMEOUT, IDLE_TIMEOUT, MAX_API_BODY, error_code_for_status, json_bytes
from .endpoints import (CLOSE, ENDPOINTS, Call, Response, error_response, json_response,
                        match_route, rate_limit_response, unauthorized, wrong_shape_body)
from .state import _cut


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
        if reset_at is None:
            reset_at = state.minute_limited(self.client_address[0])
        if reset_at is not None:
            return rate_limit_response(reset_at)
        if kind == "other":
            if allowed:
                return json_response(405, {"message": "Method Not Allowed"},
                                     {"Allow": ", ".join(sorted(set(allowed)))})
            return error_response(404, "Route not found", "ER-00404")
        if not self._environment_ok(state.modes_view()["environment_id"]):
            return error_response(401, "frontegg-environment-id is missing or wrong", "ER-01002")
        if kind != "token" and not state.token_valid(self._bearer_token()):
            return unauthorized()
        headers = {k.lower(): v for k, v in self.headers.items()}
        return ENDPOINTS[kind](state, Call(user_id, query, body, headers))

    def _environment_ok(self, wanted):
        """The environment_id mode: account-level credentials must name the
        environment on every request."""
        return wanted is None or self.headers.get("frontegg-environment-id", "").strip() == wanted

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
            success = {"reset_link": 201, "audit": 202}.get(kind, 200)
            return Response(p["status"] or success, b"")
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


