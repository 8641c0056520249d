# core/: the lockout core shared by module and helper. No network, no JSON.
noinst_LTLIBRARIES += core/libpfcore.la
core_libpfcore_la_SOURCES = \
	core/account.c \
	core/config.c \
	core/internal.h \
	core/lockout.c \
	core/log.c \
	core/outbox.c \
	core/policy.c \
	core/protocol.c \
	core/record.c \
	core/record.h \
	core/safe_file.c \
	core/state.c \
	core/state_format.c \
	core/sync_status.c \
	core/usermap.c \
	core/username.c \
	core/util.c \
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
	include/pam_frontegg/sync_status.h \
	include/pam_frontegg/usermap.h \
	include/pam_frontegg/username.h
# One section per function: the PAM module links only the parts it calls
# (fewer imports for the dynamic loader to bind at every pam_start).
core_libpfcore_la_CFLAGS = $(AM_CFLAGS) -ffunction-sections -fdata-sections
