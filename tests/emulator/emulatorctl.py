#!/usr/bin/env python3
"""Command-line control of the Frontegg emulator, for shell tests and the demo.

    emulatorctl.py --dir DIR start            # prints https://127.0.0.1:PORT
    emulatorctl.py --dir DIR add-user alice@example.com
    emulatorctl.py --dir DIR fault status --route lock --param status=503
    emulatorctl.py --dir DIR counters lock
    emulatorctl.py --dir DIR stop

--dir may also come from $FRONTEGG_EMULATOR_DIR.  Results go to stdout;
errors are one line on stderr and exit status 1.  See README.md.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True     # keep the source tree clean (distcheck: read-only)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulator_client import Emulator, EmulatorError  # noqa: E402


def _attach(args):
    return Emulator.attach(args.dir)


def _user_id(emu, ref):
    """ID|EMAIL -> id (anything with '@' is an email)."""
    if "@" not in ref:
        return ref
    user = emu.user_by_email(ref)
    if user is None:
        raise EmulatorError("no user with email %s" % ref)
    return user["id"]


def _user(emu, ref):
    user = emu.user_by_email(ref) if "@" in ref else emu.user(ref)
    if user is None:
        raise EmulatorError("no such user: %s" % ref)
    return user


def _print_json(obj):
    print(json.dumps(obj, indent=2, sort_keys=True))


def _param(text):
    """k=v; v is parsed as JSON when it is valid JSON (numbers, booleans),
    else kept as a string."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("expected k=v, got %r" % text)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


# ---- commands ----------------------------------------------------------------

def cmd_start(args):
    try:
        running = Emulator.attach(args.dir)
    except EmulatorError:
        running = None
    if running is not None:
        raise EmulatorError("an emulator is already running in %s (%s)"
                            % (running.dir, running.api_url))
    emu = Emulator.start(args.dir, port=args.port, control_port=args.control_port,
                         client_id=args.client_id, secret_file=args.secret_file,
                         token_ttl=args.token_ttl, rate_limit=args.rate_limit,
                         verbose=args.verbose, timeout=args.timeout, detach=True)
    print(emu.api_url)


def cmd_stop(args):
    try:
        emu = Emulator.attach(args.dir)
    except EmulatorError:
        return      # nothing running: stopping is idempotent (cleanup traps)
    emu.stop()


def cmd_wait_ready(args):
    print(Emulator.attach(args.dir, timeout=args.timeout).api_url)


def cmd_url(args):
    print(_attach(args).api_url)


def cmd_info(args):
    emu = _attach(args)
    _print_json(dict(emu.health(), api_url=emu.api_url, control_url=emu.control_url,
                     ca_file=emu.ca_file, other_ca_file=emu.other_ca_file))


def cmd_add_user(args):
    fields = {}
    if args.tenant:
        fields["tenantId"] = args.tenant
    if args.metadata is not None:
        fields["metadata"] = args.metadata
    print(_attach(args).add_user(args.email, id=args.id, locked=args.locked, **fields)["id"])


def cmd_generate_users(args):
    _print_json(_attach(args).generate_users(args.count, args.format, args.locked_every,
                                             args.start))


def cmd_delete_users(args):
    _attach(args).delete_users()


def cmd_user(args):
    _print_json(_user(_attach(args), args.ref))


def cmd_is_locked(args):
    print("locked" if _user(_attach(args), args.ref)["isLocked"] else "unlocked")


def cmd_lock(args):
    emu = _attach(args)
    emu.admin_lock(_user_id(emu, args.ref))


def cmd_unlock(args):
    emu = _attach(args)
    emu.admin_unlock(_user_id(emu, args.ref))


def cmd_counters(args):
    """Whole JSON, or one number: a request kind (lock), a top-level counter
    (total), or a dotted path (responses.429, by_user.ID.lock).  Counters
    never incremented read as 0."""
    counters = _attach(args).counters()
    if not args.kind:
        _print_json(counters)
        return
    if args.kind in counters["requests"]:
        print(counters["requests"][args.kind])
        return
    head, _, rest = args.kind.partition(".")
    if head not in counters:
        raise EmulatorError("unknown counter %r" % args.kind)
    node = counters[head]
    if rest and head in ("by_user", "by_email"):
        # Keys may contain dots (emails): try the whole rest as the key,
        # else split off the last component as the counter name.
        if rest in node:
            node = node[rest]
        else:
            key, _, leaf = rest.rpartition(".")
            node = node.get(key, {}).get(leaf, 0)
    elif rest:
        node = node.get(rest, 0)
    print(json.dumps(node, sort_keys=True) if isinstance(node, dict) else node)


def cmd_reset_counters(args):
    _attach(args).reset_counters()


def cmd_requests(args):
    log = _attach(args).requests()
    _print_json(log[-args.last:] if args.last else log)


def cmd_fault(args):
    params = dict(args.param or [])
    _print_json(_attach(args).add_fault(args.kind, route=args.route, count=args.count, **params))


def cmd_faults(args):
    _print_json(_attach(args).faults())


def cmd_clear_faults(args):
    _attach(args).clear_faults()


def cmd_outage(args):
    _attach(args).outage(args.state == "on")


def cmd_expire_tokens(args):
    _attach(args).expire_tokens()


def cmd_config(args):
    emu = _attach(args)
    changes = {}
    if args.token_ttl is not None:
        changes["token_ttl"] = args.token_ttl
    if args.client_id is not None:
        changes["client_id"] = args.client_id
    if args.rate_limit is not None:
        changes["rate_limit"] = args.rate_limit
    if args.secret_file is not None:
        with open(args.secret_file, encoding="utf-8") as f:
            changes["secret"] = f.read().rstrip("\r\n")
    _print_json(emu.configure(**changes) if changes else emu.config())


def cmd_reset(args):
    _attach(args).reset()


# ---- argument parsing -----------------------------------------------------------

def build_parser():
    p = argparse.ArgumentParser(prog="emulatorctl.py", description="Control a Frontegg emulator.")
    p.add_argument("--dir", default=os.environ.get("FRONTEGG_EMULATOR_DIR"),
                   help="emulator directory (default $FRONTEGG_EMULATOR_DIR)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def cmd(name, func, help_text):
        sp = sub.add_parser(name, help=help_text)
        sp.set_defaults(func=func)
        return sp

    sp = cmd("start", cmd_start, "start in the background, print the API URL")
    sp.add_argument("--port", type=int, default=0)
    sp.add_argument("--control-port", type=int, default=0)
    sp.add_argument("--client-id")
    sp.add_argument("--secret-file")
    sp.add_argument("--token-ttl", type=int)
    sp.add_argument("--rate-limit", type=int)
    sp.add_argument("--verbose", action="store_true", help="log requests to DIR/emulator.log")
    sp.add_argument("--timeout", type=float, default=10.0)
    cmd("stop", cmd_stop, "stop it (no-op if not running)")
    sp = cmd("wait-ready", cmd_wait_ready, "wait until it answers, print the API URL")
    sp.add_argument("--timeout", type=float, default=10.0)
    cmd("url", cmd_url, "print the API URL")
    cmd("info", cmd_info, "print URLs, ports, pid, CA paths as JSON")

    sp = cmd("add-user", cmd_add_user, "add a user, print its id")
    sp.add_argument("email")
    sp.add_argument("--id")
    sp.add_argument("--locked", action="store_true")
    sp.add_argument("--tenant")
    sp.add_argument("--metadata", help="JSON text stored as the metadata string")
    sp = cmd("generate-users", cmd_generate_users, "bulk-create users")
    sp.add_argument("count", type=int)
    sp.add_argument("--format", default="user{n}@example.com")
    sp.add_argument("--locked-every", type=int, default=0)
    sp.add_argument("--start", type=int, default=1)
    cmd("delete-users", cmd_delete_users, "remove all users")
    for name, func, text in (("user", cmd_user, "print a user as JSON"),
                             ("is-locked", cmd_is_locked, "print locked/unlocked"),
                             ("lock", cmd_lock, "lock as a portal admin (not an API call)"),
                             ("unlock", cmd_unlock, "unlock as a portal admin")):
        cmd(name, func, text).add_argument("ref", metavar="ID|EMAIL")

    sp = cmd("counters", cmd_counters, "print counters (JSON), or one number")
    sp.add_argument("kind", nargs="?", help="lock, total, responses.429, by_user.ID.lock ...")
    cmd("reset-counters", cmd_reset_counters, "zero the counters")
    sp = cmd("requests", cmd_requests, "print the request log")
    sp.add_argument("--last", type=int, default=0)

    sp = cmd("fault", cmd_fault, "queue a fault")
    sp.add_argument("kind")
    sp.add_argument("--route", default="*")
    sp.add_argument("--count", type=int, default=1)
    sp.add_argument("--param", type=_param, action="append", metavar="K=V")
    cmd("faults", cmd_faults, "list queued faults")
    cmd("clear-faults", cmd_clear_faults, "clear faults, release hung requests")
    sp = cmd("outage", cmd_outage, "refuse (on) or accept (off) HTTPS connections")
    sp.add_argument("state", choices=("on", "off"))
    cmd("expire-tokens", cmd_expire_tokens, "expire every issued token now")
    sp = cmd("config", cmd_config, "change (or print) token TTL, credentials, rate limit")
    sp.add_argument("--token-ttl", type=int)
    sp.add_argument("--client-id")
    sp.add_argument("--secret-file")
    sp.add_argument("--rate-limit", type=int)
    cmd("reset", cmd_reset, "clear faults, counters, request log, tokens (keep users)")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    if not args.dir:
        print("emulatorctl: --dir (or $FRONTEGG_EMULATOR_DIR) is required", file=sys.stderr)
        return 1
    try:
        args.func(args)
    except (EmulatorError, OSError) as e:
        first_line = (str(e).splitlines() or [type(e).__name__])[0]
        print("emulatorctl: %s" % first_line, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
