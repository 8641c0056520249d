# Test builds of the module and the helper: the same sources and flags as
# what ships, plus tests/lib/trusted_owner.c, which makes them trust the
# account that owns the build tree instead of root. The PAM-stack, CLI and
# fleet suites use them when they run as a normal user (under uid_wrapper);
# as root they run the shipped binaries.
check_LTLIBRARIES += tests/lib/pam_frontegg.la
tests_lib_pam_frontegg_la_SOURCES = $(pam_module_pam_frontegg_la_SOURCES) \
	tests/lib/trusted_owner.c tests/lib/trusted_owner.h
tests_lib_pam_frontegg_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/lib
tests_lib_pam_frontegg_la_CFLAGS = $(pam_module_pam_frontegg_la_CFLAGS)
tests_lib_pam_frontegg_la_LDFLAGS = $(pam_module_pam_frontegg_la_LDFLAGS) -rpath /nowhere
tests_lib_pam_frontegg_la_LIBADD = $(pam_module_pam_frontegg_la_LIBADD) $(DL_LIBS)
EXTRA_tests_lib_pam_frontegg_la_DEPENDENCIES = $(srcdir)/pam_module/pam_frontegg.map

check_PROGRAMS += tests/lib/frontegg-lockout
tests_lib_frontegg_lockout_SOURCES = $(helper_frontegg_lockout_SOURCES) \
	tests/lib/trusted_owner.c tests/lib/trusted_owner.h tests/lib/as_admin.c
tests_lib_frontegg_lockout_CPPFLAGS = $(helper_frontegg_lockout_CPPFLAGS) -I$(top_srcdir)/tests/lib \
	-DPF_UID_WRAPPER_LIB='"$(UID_WRAPPER_LIB)"'
tests_lib_frontegg_lockout_LDADD = $(helper_frontegg_lockout_LDADD)
