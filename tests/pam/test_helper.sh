#!/bin/sh
# The helper path: unprivileged callers, and helpers that hang, crash or lie.
. "$top_srcdir/tests/pam/pamenv.sh"
require_pam_wrappers
# The module runs its helper with an empty environment, where uid_wrapper
# cannot follow, and these tests watch which real uid the helper runs as.
[ "$REALLY_ROOT" = yes ] || skip "needs root: the helper's real uid is under test (uid_wrapper cannot reach a helper run with an empty environment)"
make_world
run_wrapped "$top_builddir/tests/pam/test_pam_helper"
