# tests/client/: the Frontegg REST client (helper/frontegg/) on its own:
# pure units, and the real client against the Frontegg emulator over TLS.
# Included from tests/local.mk (after LOG_DRIVER, TESTS_ENVIRONMENT and
# tests/lib/libpftest.la are defined there).
CLIENT_TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CHECK_CFLAGS) $(CURL_CFLAGS) $(CJSON_CFLAGS) \
	-I$(top_srcdir)/tests/lib -I$(top_srcdir)/tests/client -I$(top_srcdir)/helper
CLIENT_TEST_LDADD = tests/client/libpfclienttest.la helper/frontegg/libpffrontegg.la \
	tests/lib/libpftest.la lib/libpflockout.la $(CURL_LIBS) $(CJSON_LIBS) $(CHECK_LIBS)

# The emulator fixture and the client-test helpers.
check_LTLIBRARIES += tests/client/libpfclienttest.la
tests_client_libpfclienttest_la_SOURCES = \
	tests/lib/emulator.c \
	tests/lib/emulator.h \
	tests/client/fixture.c \
	tests/client/fixture.h
tests_client_libpfclienttest_la_CPPFLAGS = $(CLIENT_TEST_CPPFLAGS)

CLIENT_TESTS = \
	tests/client/test_client_units \
	tests/client/test_client_api \
	tests/client/test_client_faults
check_PROGRAMS += $(CLIENT_TESTS)
TESTS += $(CLIENT_TESTS)

tests_client_test_client_units_SOURCES = tests/client/test_client_units.c
tests_client_test_client_units_CPPFLAGS = $(CLIENT_TEST_CPPFLAGS)
tests_client_test_client_units_LDADD = $(CLIENT_TEST_LDADD)
tests_client_test_client_api_SOURCES = tests/client/test_client_api.c
tests_client_test_client_api_CPPFLAGS = $(CLIENT_TEST_CPPFLAGS)
tests_client_test_client_api_LDADD = $(CLIENT_TEST_LDADD)
tests_client_test_client_faults_SOURCES = tests/client/test_client_faults.c
tests_client_test_client_faults_CPPFLAGS = $(CLIENT_TEST_CPPFLAGS)
tests_client_test_client_faults_LDADD = $(CLIENT_TEST_LDADD)
