# frontegg_chkstate's tests: what it links, and what an unprivileged caller
# can and cannot make it (or frontegg-lockout) do.
#
# chkstate-beside is frontegg_chkstate reading the configuration beside its
# own binary (tests/helper/chkstate_beside.c), so a test can install a setgid
# copy next to a configuration of its own.
check_PROGRAMS += tests/helper/chkstate-beside
tests_helper_chkstate_beside_SOURCES = $(PF_CHKSTATE_SOURCES) tests/helper/chkstate_beside.c
tests_helper_chkstate_beside_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/helper/chkstate
tests_helper_chkstate_beside_LDADD = lib/libpflockout.la

PF_CHKSTATE_TESTS = tests/helper/test_chkstate_links.sh tests/helper/test_privsplit.py
TESTS += $(PF_CHKSTATE_TESTS)
EXTRA_DIST += $(PF_CHKSTATE_TESTS)
