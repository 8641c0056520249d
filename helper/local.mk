# helper/: frontegg-lockout, the privileged helper and admin CLI, and the
# Frontegg REST client (libcurl + cJSON live only here).
include helper/frontegg/client.mk

sbin_PROGRAMS = helper/frontegg-lockout
helper_frontegg_lockout_SOURCES = \
	helper/actor.c \
	helper/admin_verbs.c \
	helper/app.c \
	helper/app.h \
	helper/audit.c \
	helper/audit.h \
	helper/check_config.c \
	helper/check_config.h \
	helper/cloud.c \
	helper/cloud.h \
	helper/counters.c \
	helper/counters.h \
	helper/deliver.c \
	helper/doctor.c \
	helper/machine_verbs.c \
	helper/main.c \
	helper/metrics.c \
	helper/secret.c \
	helper/sync.c \
	helper/sync.h \
	helper/sync_status.c \
	helper/sync_status.h \
	helper/table.c \
	helper/table.h
helper_frontegg_lockout_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/helper $(CURL_CFLAGS) \
	$(CJSON_CFLAGS)
helper_frontegg_lockout_LDADD = helper/frontegg/libpffrontegg.la lib/libpflockout.la \
	$(CURL_LIBS) $(CJSON_LIBS)

# frontegg_chkstate: the setgid checker for unprivileged PAM callers
# (pam_unix -> unix_chkpwd). libc and lib/ only: no libcurl, cJSON or TLS.
sbin_PROGRAMS += helper/frontegg_chkstate
PF_CHKSTATE_SOURCES = \
	helper/chkstate/caller.c \
	helper/chkstate/chkstate.h \
	helper/chkstate/harden.c \
	helper/chkstate/main.c \
	helper/chkstate/setup.c \
	helper/chkstate/verbs.c
helper_frontegg_chkstate_SOURCES = $(PF_CHKSTATE_SOURCES) helper/chkstate/conf.c
helper_frontegg_chkstate_LDADD = lib/libpflockout.la

# frontegg_chkstate is setgid to the helper group when root installs it and
# the group exists (packages create the group and use dpkg-statoverride or
# %attr); frontegg-lockout is a plain root tool.
install-exec-hook: install-chkstate-setgid
install-chkstate-setgid:
	@f="$(DESTDIR)$(sbindir)/frontegg_chkstate"; \
	if [ "$$(id -u)" = 0 ] && getent group '$(HELPER_GROUP)' >/dev/null 2>&1; then \
	  chown 'root:$(HELPER_GROUP)' "$$f" && chmod 2755 "$$f" && \
	  echo "frontegg_chkstate: setgid $(HELPER_GROUP)"; \
	else \
	  echo "frontegg_chkstate: not made setgid (needs root and group $(HELPER_GROUP));" \
	       "screen lockers will fail per failmode until: chgrp $(HELPER_GROUP) $$f && chmod 2755 $$f"; \
	fi
.PHONY: install-chkstate-setgid
