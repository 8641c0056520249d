# lib/: the lockout core shared by module and helper. No network, no JSON.
noinst_LTLIBRARIES += lib/libpflockout.la
lib_libpflockout_la_SOURCES = \
	lib/account.c \
	lib/config.c \
	lib/internal.h \
	lib/lockout.c \
	lib/log.c \
	lib/outbox.c \
	lib/policy.c \
	lib/protocol.c \
	lib/record.c \
	lib/safe_file.c \
	lib/state.c \
	lib/state_format.c \
	lib/usermap.c \
	lib/username.c \
	lib/util.c \
	include/pam_frontegg/account.h \
	include/pam_frontegg/common.h \
	include/pam_frontegg/config.h \
	include/pam_frontegg/lockout.h \
	include/pam_frontegg/log.h \
	include/pam_frontegg/outbox.h \
	include/pam_frontegg/policy.h \
	include/pam_frontegg/protocol.h \
	include/pam_frontegg/safe_file.h \
	include/pam_frontegg/state.h \
	include/pam_frontegg/record.h \
	include/pam_frontegg/usermap.h \
	include/pam_frontegg/username.h
# One section per function: the PAM module links only the parts it calls
# (fewer imports for the dynamic loader to bind at every pam_start).
lib_libpflockout_la_CFLAGS = $(AM_CFLAGS) -ffunction-sections -fdata-sections
