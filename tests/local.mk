# tests/: unit tests (Check, TAP), PAM-stack tests, the Frontegg emulator.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .py .sh
PY_LOG_DRIVER = $(LOG_DRIVER)
PY_LOG_COMPILER = $(PF_ONE_AT_A_TIME) $(PYTHON)
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(PF_ONE_AT_A_TIME) $(SHELL)
# The script tests run one at a time (the C unit suites still run beside
# them). They start programs under pam_wrapper, which picks its runtime
# directory /tmp/pam.X by probing and mkdir without a lock: two wrapped
# programs of two suites starting together can share one directory, and
# the first to exit removes it under the other. -o: the lock is held by
# flock itself, never by a daemon a test leaves behind.
PF_ONE_AT_A_TIME = $$(command -v flock >/dev/null 2>&1 && \
	echo flock -o '$(abs_top_builddir)/tests/one-at-a-time.lock')
CLEANFILES += tests/one-at-a-time.lock
TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	CK_TAP_LOG_FILE_NAME=-; export CK_TAP_LOG_FILE_NAME; \
	CK_FORK=yes; export CK_FORK; \
	CK_DEFAULT_TIMEOUT=60; export CK_DEFAULT_TIMEOUT;

UNIT_CPPFLAGS = $(AM_CPPFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests/lib
UNIT_LDADD = tests/lib/libpftest.la lib/libpflockout.la $(CHECK_LIBS)

check_LTLIBRARIES += tests/lib/libpftest.la
tests_lib_libpftest_la_SOURCES = tests/lib/testutil.c tests/lib/testutil.h \
	tests/lib/trusted_owner.c tests/lib/trusted_owner.h
tests_lib_libpftest_la_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_lib_libpftest_la_LIBADD = $(DL_LIBS)

include tests/lib/variants.mk

include tests/client/client.mk

UNIT_TESTS = \
	tests/unit/test_account \
	tests/unit/test_config \
	tests/unit/test_username \
	tests/unit/test_safe_file \
	tests/unit/test_usermap \
	tests/unit/test_state \
	tests/unit/test_outbox \
	tests/unit/test_policy \
	tests/unit/test_lockout \
	tests/unit/test_protocol \
	tests/unit/test_concurrency \
	tests/fuzz/test_fuzz_regressions
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_username_SOURCES = tests/unit/test_username.c
tests_unit_test_username_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_username_LDADD = $(UNIT_LDADD)
tests_unit_test_safe_file_SOURCES = tests/unit/test_safe_file.c
tests_unit_test_safe_file_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_safe_file_LDADD = $(UNIT_LDADD)
tests_unit_test_usermap_SOURCES = tests/unit/test_usermap.c
tests_unit_test_usermap_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_usermap_LDADD = $(UNIT_LDADD)
tests_unit_test_state_SOURCES = tests/unit/test_state.c
tests_unit_test_state_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_state_LDADD = $(UNIT_LDADD)
tests_unit_test_outbox_SOURCES = tests/unit/test_outbox.c
tests_unit_test_outbox_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_outbox_LDADD = $(UNIT_LDADD)
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_policy_LDADD = $(UNIT_LDADD)
tests_unit_test_concurrency_SOURCES = tests/unit/test_concurrency.c
tests_unit_test_concurrency_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_concurrency_LDADD = $(UNIT_LDADD)
tests_unit_test_lockout_SOURCES = tests/unit/test_lockout.c
tests_unit_test_lockout_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_lockout_LDADD = $(UNIT_LDADD)
tests_unit_test_protocol_SOURCES = tests/unit/test_protocol.c
tests_unit_test_protocol_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_protocol_LDADD = $(UNIT_LDADD)

tests_unit_test_account_SOURCES = tests/unit/test_account.c
tests_unit_test_account_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_account_LDADD = $(UNIT_LDADD)

# The Frontegg emulator: a Python package run as a directory.
EMULATOR_PACKAGE = \
	tests/emulator/frontegg_emulator/__init__.py \
	tests/emulator/frontegg_emulator/__main__.py \
	tests/emulator/frontegg_emulator/api.py \
	tests/emulator/frontegg_emulator/certs.py \
	tests/emulator/frontegg_emulator/common.py \
	tests/emulator/frontegg_emulator/control.py \
	tests/emulator/frontegg_emulator/endpoints.py \
	tests/emulator/frontegg_emulator/faults.py \
	tests/emulator/frontegg_emulator/listing.py \
	tests/emulator/frontegg_emulator/modes.py \
	tests/emulator/frontegg_emulator/state.py \
	tests/emulator/frontegg_emulator/users.py

# Python-driven tests: the real frontegg-lockout against the Frontegg emulator.
PY_TESTS = \
	tests/emulator/test_emulator.py \
	tests/fleet/test_fleet.py \
	tests/helper/test_cli.py \
	tests/helper/test_admin_mistakes.py
TESTS += $(PY_TESTS)
EXTRA_DIST += $(PY_TESTS) \
	tests/emulator/README.md \
	tests/emulator/emulator_client.py \
	$(EMULATOR_PACKAGE) \
	tests/lib/pftest.py

tests_fuzz_test_fuzz_regressions_SOURCES = tests/fuzz/test_fuzz_regressions.c
tests_fuzz_test_fuzz_regressions_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_fuzz_test_fuzz_regressions_LDADD = $(UNIT_LDADD)

include tests/pam/pam.mk
include tests/helper/chkstate.mk

TESTS += tests/data/test_units.sh tests/data/test_return_values.py tests/data/test_cleanfiles.sh
EXTRA_DIST += tests/data/test_units.sh tests/data/test_return_values.py tests/data/test_cleanfiles.sh

# pam-driver: the one PAM driver (storm and leak tests, make bench).
check_PROGRAMS += tests/lib/pam-driver
tests_lib_pam_driver_SOURCES = tests/lib/pam_driver.c tests/lib/silent_conv.c tests/lib/silent_conv.h
tests_lib_pam_driver_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/lib $(PAM_CFLAGS)
tests_lib_pam_driver_LDADD = $(PAM_LIBS) $(DL_LIBS)

# make demo: the story of the README on the embedded default (the emulator
# and two hosts with real PAM stacks under pam_wrapper).
EXTRA_DIST += tests/demo/demo.py
# all-am, not all: `all` runs a second make, which under -j would build the
# same objects as this one at the same time.
demo: all-am $(check_PROGRAMS) $(check_LTLIBRARIES) tests/pam/pamtest.env
	@top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  $(PYTHON) $(abs_top_srcdir)/tests/demo/demo.py
.PHONY: demo

TESTS += tests/unit/test_lib_symbols.sh
EXTRA_DIST += tests/unit/test_lib_symbols.sh
