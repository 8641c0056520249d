"""Frontegg management-API emulator for the pam_frontegg test-suite.

Serves the part of Frontegg's REST API that pam_frontegg uses (doc/frontegg.md)
over HTTPS on 127.0.0.1 with a throw-away CA, and a separate plain-HTTP
*control* listener that tests use to seed users, switch modes, inject faults,
simulate outages and read request counters.

    python3 tests/emulator/frontegg_emulator --dir DIR [options]

Modules: common (constants, helpers), certs, users (user objects), faults,
modes (run-time switches), listing (users/v3 order and filters),
state (all mutable data), endpoints (the routes), api (HTTPS server),
control (control server), __main__ (command line).  Python 3.9+ standard
library only; ../README.md documents the command line and every control call.
"""
