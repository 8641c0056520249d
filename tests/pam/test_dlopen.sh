#!/bin/sh
# dlopen(RTLD_NOW) of the built module: every symbol resolves, only pam_sm_* visible.
. "$top_srcdir/tests/pam/pamenv.sh"
[ "$PF_SANITIZERS" = yes ] && export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
exec "$top_builddir/tests/pam/test_pam_dlopen" "$top_builddir/pam_module/.libs/pam_frontegg.so"
