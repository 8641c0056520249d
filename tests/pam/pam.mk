# tests/pam/: PAM-stack tests under pam_wrapper + libpamtest.
#
# Every test is a shell script (TAP, 77 = SKIP): pamenv.sh prepares the
# nss_wrapper users and the pam_wrapper service files, then runs a program
# with pam_wrapper, nss_wrapper and the clock shim preloaded. The scripts
# stay in TESTS when libpamtest is missing and SKIP themselves.
PF_PAM_TESTS = \
	tests/pam/test_stack.sh \
	tests/pam/test_helper.sh \
	tests/pam/test_hostside.sh \
	tests/pam/test_dlopen.sh \
	tests/pam/test_symbols.sh \
	tests/pam/test_pamtester.sh \
	tests/pam/test_valgrind.sh
TESTS += $(PF_PAM_TESTS)
dist_check_SCRIPTS += $(PF_PAM_TESTS)
EXTRA_DIST += tests/pam/pamenv.sh tests/pam/lsan.supp

# What the scripts need to know from configure.
check_DATA = tests/pam/pamtest.env
CLEANFILES += tests/pam/pamtest.env
tests/pam/pamtest.env: Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/pam && { \
	  echo "HAVE_PAMTEST='$(PF_HAVE_PAMTEST)'"; \
	  echo "PAM_WRAPPER_LIB='$(PAM_WRAPPER_LIB)'"; \
	  echo "NSS_WRAPPER_LIB='$(NSS_WRAPPER_LIB)'"; \
	  echo "UID_WRAPPER_LIB='$(UID_WRAPPER_LIB)'"; \
	  echo "SYSTEM_PAM_MODULE_DIR='$(SYSTEM_PAM_MODULE_DIR)'"; \
	  echo "PF_SANITIZERS='$(PF_SANITIZERS)'"; \
	  echo "ASAN_LIB='$(PF_ASAN_LIB)'"; \
	} >$@

if HAVE_PAMTEST
PF_HAVE_PAMTEST = yes
else
PF_HAVE_PAMTEST = no
endif
if SANITIZERS
PF_SANITIZERS = yes
# Preloaded first: pam_wrapper then leaves out RTLD_DEEPBIND, which ASan refuses,
# and uninstrumented programs (pamtester) can load the instrumented module.
PF_ASAN_LIB = `$(CC) -print-file-name=libasan.so`
else
PF_SANITIZERS = no
endif

# The clock shim: a real shared object (for LD_PRELOAD), never sanitized so
# it can be preloaded into any program.
check_LTLIBRARIES += tests/pam/libpfclock.la
tests_pam_libpfclock_la_SOURCES = tests/pam/clock_shim.c
tests_pam_libpfclock_la_CFLAGS = -std=c11 $(WARN_CFLAGS)
tests_pam_libpfclock_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

# The syslog shim: the CLI tests read an administrator's audit trail with it.
check_LTLIBRARIES += tests/pam/libpfsyslog.la
tests_pam_libpfsyslog_la_SOURCES = tests/pam/syslog_shim.c
tests_pam_libpfsyslog_la_CFLAGS = -std=c11 $(WARN_CFLAGS)
tests_pam_libpfsyslog_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_pam_libpfsyslog_la_LIBADD = $(DL_LIBS)

# A stand-in frontegg-lockout (good, hanging, crashing, ...).
check_PROGRAMS += tests/pam/fake_helper
tests_pam_fake_helper_SOURCES = tests/pam/fake_helper.c tests/lib/trusted_owner.c \
	tests/lib/as_admin.c
tests_pam_fake_helper_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/lib \
	-DPF_UID_WRAPPER_LIB='"$(UID_WRAPPER_LIB)"'
tests_pam_fake_helper_LDADD = lib/libpflockout.la $(DL_LIBS)

# dlopen(RTLD_NOW) smoke test: no wrapper needed.
check_PROGRAMS += tests/pam/test_pam_dlopen
tests_pam_test_pam_dlopen_SOURCES = tests/pam/test_pam_dlopen.c
tests_pam_test_pam_dlopen_LDADD = $(PAM_LIBS) -ldl

if HAVE_PAMTEST
PAM_TEST_CPPFLAGS = $(UNIT_CPPFLAGS) $(PAMTEST_CFLAGS) $(PAM_CFLAGS)
PAM_TEST_LDADD = tests/pam/libpamtestutil.la $(UNIT_LDADD) $(PAMTEST_LIBS) $(PAM_LIBS) -ldl
# The programs' own vsyslog must be visible to libpam: it captures pam_syslog.
PAM_TEST_EXPORT = -export-dynamic

check_LTLIBRARIES += tests/pam/libpamtestutil.la
tests_pam_libpamtestutil_la_SOURCES = tests/pam/pamtest_util.c tests/pam/pamtest_util.h
tests_pam_libpamtestutil_la_CPPFLAGS = $(PAM_TEST_CPPFLAGS)

check_PROGRAMS += tests/pam/test_pam_stack tests/pam/test_pam_helper
check_PROGRAMS += tests/pam/test_pam_hostside
tests_pam_test_pam_hostside_SOURCES = tests/pam/test_pam_hostside.c
tests_pam_test_pam_hostside_CPPFLAGS = $(PAM_TEST_CPPFLAGS)
tests_pam_test_pam_hostside_LDADD = $(PAM_TEST_LDADD)
tests_pam_test_pam_hostside_LDFLAGS = $(PAM_TEST_EXPORT)
tests_pam_test_pam_stack_SOURCES = tests/pam/test_pam_stack.c
tests_pam_test_pam_stack_CPPFLAGS = $(PAM_TEST_CPPFLAGS)
tests_pam_test_pam_stack_LDADD = $(PAM_TEST_LDADD)
tests_pam_test_pam_stack_LDFLAGS = $(PAM_TEST_EXPORT)
tests_pam_test_pam_helper_SOURCES = tests/pam/test_pam_helper.c
tests_pam_test_pam_helper_CPPFLAGS = $(PAM_TEST_CPPFLAGS)
tests_pam_test_pam_helper_LDADD = $(PAM_TEST_LDADD)
tests_pam_test_pam_helper_LDFLAGS = $(PAM_TEST_EXPORT)
endif
