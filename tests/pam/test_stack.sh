#!/bin/sh
# The root (direct) path of pam_frontegg.so through pam_wrapper.
. "$top_srcdir/tests/pam/pamenv.sh"
require_pam_wrappers
make_world
run_wrapped "$top_builddir/tests/pam/test_pam_stack"
