# data/: the sample configuration, the Debian pam-auth-update profiles, and
# the files only the tarball carries (authselect snippet, RPM spec, Debian
# packaging). Included from Makefile.am after data/local.mk, whose
# $(data_subst) it uses.

# ---- sample /etc/security/pam_frontegg.conf ----------------------------------
# Installed only when absent (an administrator's file is never replaced),
# mode 0600 because it may hold client_secret. Uninstalled only while it is
# still the unmodified sample.
sampleconfdir = $(sysconfdir)/security
SAMPLE_CONF = data/pam_frontegg.conf
noinst_DATA = $(SAMPLE_CONF)
CLEANFILES += $(SAMPLE_CONF)
EXTRA_DIST += $(SAMPLE_CONF).in

data/pam_frontegg.conf: data/pam_frontegg.conf.in Makefile
	$(AM_V_GEN)$(data_subst)

install-data-local: install-sample-conf
install-sample-conf: $(SAMPLE_CONF)
	@$(NORMAL_INSTALL)
	$(MKDIR_P) '$(DESTDIR)$(sampleconfdir)'
	@dst='$(DESTDIR)$(sampleconfdir)/pam_frontegg.conf'; \
	if test -e "$$dst" || test -h "$$dst"; then \
	  echo "keeping $$dst (already there; the new sample is $(SAMPLE_CONF))"; \
	else \
	  echo " $(INSTALL) -m 600 $(SAMPLE_CONF) '$$dst'"; \
	  $(INSTALL) -m 600 $(SAMPLE_CONF) "$$dst"; \
	fi

uninstall-local: uninstall-sample-conf
uninstall-sample-conf: $(SAMPLE_CONF)
	@$(NORMAL_UNINSTALL)
	@dst='$(DESTDIR)$(sampleconfdir)/pam_frontegg.conf'; \
	if test -f "$$dst" && cmp -s $(SAMPLE_CONF) "$$dst"; then \
	  echo " rm -f '$$dst'"; rm -f "$$dst"; \
	elif test -e "$$dst"; then \
	  echo "keeping $$dst (changed by the administrator)"; \
	fi
.PHONY: install-sample-conf uninstall-sample-conf

# ---- pam-auth-update profiles (Debian, Ubuntu) --------------------------------
pamconfigsdir = $(datadir)/pam-configs
dist_pamconfigs_DATA = \
	data/pam-configs/frontegg \
	data/pam-configs/frontegg-preauth

# ---- carried by the tarball only --------------------------------------------
EXTRA_DIST += \
	data/authselect/README.md \
	data/authselect/frontegg.lines \
	pam_frontegg.spec \
	debian/README.lintian \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/libpam-frontegg.install \
	debian/libpam-frontegg.lintian-overrides \
	debian/libpam-frontegg.postinst \
	debian/libpam-frontegg.postrm \
	debian/libpam-frontegg.prerm \
	debian/rules \
	debian/source/format
