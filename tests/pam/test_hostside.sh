#!/bin/sh
# The host side under attack: stopped lock holders, hostile rlimits and
# signals, store errors under failmode=open, stale cloud locks, aliases.
. "$top_srcdir/tests/pam/pamenv.sh"
require_pam_wrappers
make_world
run_wrapped "$top_builddir/tests/pam/test_pam_hostside"
