#!/bin/sh
# The helper path: unprivileged callers, and helpers that hang, crash or lie.
. "$top_srcdir/tests/pam/pamenv.sh"
require_pam_wrappers
make_world
run_wrapped "$top_builddir/tests/pam/test_pam_helper"
