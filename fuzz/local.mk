# fuzz/: libFuzzer targets, built only with --enable-fuzzing (CC=clang).
# See fuzz/README.md for how to build, run and extend them.
#
# libFuzzer steers by the coverage of the code under test, so the targets do
# not link lib/libpflockout.la and helper/frontegg/libpffrontegg.la as built
# for the module and helper (no coverage instrumentation there): they link
# copies built from the very same source lists with -fsanitize=fuzzer-no-link.
# Add a file to lib/local.mk or client.mk and the fuzz copies follow.

FUZZ_TARGETS = \
	fuzz/fuzz_auth \
	fuzz/fuzz_config \
	fuzz/fuzz_frontegg_json \
	fuzz/fuzz_outbox \
	fuzz/fuzz_protocol \
	fuzz/fuzz_state \
	fuzz/fuzz_sync_status \
	fuzz/fuzz_username \
	fuzz/fuzz_usermap

# ASan + UBSan always (with or without --enable-sanitizers); any UB aborts.
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# FORTIFY and ASan intercept the same functions: keep the fuzz build plain.
FUZZ_PP = $(AM_CPPFLAGS) -U_FORTIFY_SOURCE -DPF_FUZZING
FUZZ_CC = $(AM_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_LINK = $(AM_LDFLAGS) -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_LIB = fuzz/libpflockout_fuzz.la

if FUZZING
noinst_LTLIBRARIES += fuzz/libpflockout_fuzz.la fuzz/libpffrontegg_fuzz.la
noinst_PROGRAMS += $(FUZZ_TARGETS)

# "make fuzz-targets" builds only the targets and what they need.
fuzz-targets: $(FUZZ_TARGETS)
else
fuzz-targets:
	@echo "fuzz-targets: configure with --enable-fuzzing CC=clang first" >&2; exit 1
endif
.PHONY: fuzz-targets

fuzz_libpflockout_fuzz_la_SOURCES = $(lib_libpflockout_la_SOURCES)
fuzz_libpflockout_fuzz_la_CPPFLAGS = $(FUZZ_PP)
fuzz_libpflockout_fuzz_la_CFLAGS = $(FUZZ_CC)

fuzz_libpffrontegg_fuzz_la_SOURCES = $(helper_frontegg_libpffrontegg_la_SOURCES)
fuzz_libpffrontegg_fuzz_la_CPPFLAGS = $(FUZZ_PP) $(CURL_CFLAGS) $(CJSON_CFLAGS)
fuzz_libpffrontegg_fuzz_la_CFLAGS = $(FUZZ_CC)

# The module's entry points on a PAM handle stand-in (no libpam, no stack):
# the module's own sources, instrumented like the library copies.
fuzz_fuzz_auth_SOURCES = fuzz/fuzz_auth.c fuzz/fuzz_util.h fuzz/pam_standin.c \
	fuzz/pam_standin.h $(pam_module_pam_frontegg_la_SOURCES)
fuzz_fuzz_auth_CPPFLAGS = $(FUZZ_PP) $(PAM_CFLAGS) -I$(top_srcdir)/pam_module
fuzz_fuzz_auth_CFLAGS = $(FUZZ_CC)
fuzz_fuzz_auth_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_auth_LDADD = $(FUZZ_LIB) $(DL_LIBS)

fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.c fuzz/fuzz_util.h
fuzz_fuzz_config_CPPFLAGS = $(FUZZ_PP)
fuzz_fuzz_config_CFLAGS = $(FUZZ_CC)
fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_config_LDADD = $(FUZZ_LIB)

fuzz_fuzz_outbox_SOURCES = fuzz/fuzz_outbox.c fuzz/fuzz_util.h
fuzz_fuzz_outbox_CPPFLAGS = $(FUZZ_PP)
fuzz_fuzz_outbox_CFLAGS = $(FUZZ_CC)
fuzz_fuzz_outbox_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_outbox_LDADD = $(FUZZ_LIB)

fuzz_fuzz_protocol_SOURCES = fuzz/fuzz_protocol.c fuzz/fuzz_util.h
fuzz_fuzz_protocol_CPPFLAGS = $(FUZZ_PP)
fuzz_fuzz_protocol_CFLAGS = $(FUZZ_CC)
fuzz_fuzz_protocol_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_protocol_LDADD = $(FUZZ_LIB)

fuzz_fuzz_state_SOURCES = fuzz/fuzz_state.c fuzz/fuzz_util.h
fuzz_fuzz_state_CPPFLAGS = $(FUZZ_PP)
fuzz_fuzz_state_CFLAGS = $(FUZZ_CC)
fuzz_fuzz_state_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_state_LDADD = $(FUZZ_LIB)

fuzz_fuzz_sync_status_SOURCES = fuzz/fuzz_sync_status.c fuzz/fuzz_util.h helper/sync_status.c
fuzz_fuzz_sync_status_CPPFLAGS = $(FUZZ_PP) -I$(top_srcdir)/helper
fuzz_fuzz_sync_status_CFLAGS = $(FUZZ_CC)
fuzz_fuzz_sync_status_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_sync_status_LDADD = $(FUZZ_LIB)

fuzz_fuzz_username_SOURCES = fuzz/fuzz_username.c fuzz/fuzz_util.h
fuzz_fuzz_username_CPPFLAGS = $(FUZZ_PP)
fuzz_fuzz_username_CFLAGS = $(FUZZ_CC)
fuzz_fuzz_username_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_username_LDADD = $(FUZZ_LIB)

fuzz_fuzz_usermap_SOURCES = fuzz/fuzz_usermap.c fuzz/fuzz_util.h
fuzz_fuzz_usermap_CPPFLAGS = $(FUZZ_PP)
fuzz_fuzz_usermap_CFLAGS = $(FUZZ_CC)
fuzz_fuzz_usermap_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_usermap_LDADD = $(FUZZ_LIB)

fuzz_fuzz_frontegg_json_SOURCES = fuzz/fuzz_frontegg_json.c fuzz/fuzz_util.h
fuzz_fuzz_frontegg_json_CPPFLAGS = $(FUZZ_PP) -I$(top_srcdir)/helper $(CURL_CFLAGS) \
	$(CJSON_CFLAGS)
fuzz_fuzz_frontegg_json_CFLAGS = $(FUZZ_CC)
fuzz_fuzz_frontegg_json_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_frontegg_json_LDADD = fuzz/libpffrontegg_fuzz.la $(FUZZ_LIB) $(CURL_LIBS) \
	$(CJSON_LIBS)

# Seeds, dictionaries and regression inputs travel in the tarball, so the
# smoke run works from a release too.
EXTRA_DIST += \
	.ci/fuzz-smoke \
	fuzz/README.md \
	fuzz/corpus \
	fuzz/regressions \
	fuzz/auth.dict \
	fuzz/config.dict \
	fuzz/frontegg_json.dict \
	fuzz/outbox.dict \
	fuzz/protocol.dict \
	fuzz/state.dict \
	fuzz/sync_status.dict \
	fuzz/usermap.dict
