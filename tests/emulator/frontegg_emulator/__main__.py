"""Command line: python3 tests/emulator/frontegg_emulator --dir DIR [options]."""

import argparse
import os
import signal
import ssl
import sys

sys.dont_write_bytecode = True  # keep the source tree clean (distcheck: read-only)
if __package__ in (None, ""):
    # Run as a directory (python3 .../frontegg_emulator): import the package by name.
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from frontegg_emulator.certs import ensure_certificates, make_server_context  # noqa: E402
from frontegg_emulator.common import (DEFAULT_CLIENT_ID, DEFAULT_SECRET,  # noqa: E402
                                      DEFAULT_TOKEN_TTL)
from frontegg_emulator.control import EmulatorApp  # noqa: E402
from frontegg_emulator.state import State  # noqa: E402


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
