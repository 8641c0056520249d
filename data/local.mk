# data/: systemd units, tmpfiles.d entry, sample config, PAM profiles.
# Paths are filled in at build time, so they follow ./configure's options.
data_subst = $(MKDIR_P) $(@D) && sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' -e 's|@STATE_DIR[@]|$(STATE_DIR)|g' \
	-e 's|@HELPER_GROUP[@]|$(HELPER_GROUP)|g' < $< > $@.tmp && mv $@.tmp $@

systemdsystemunit_DATA = \
	data/systemd/frontegg-lockout-sync.service \
	data/systemd/frontegg-lockout-sync.timer \
	data/systemd/frontegg-lockout-sync.path
tmpfiles_DATA = data/tmpfiles.d/pam_frontegg.conf
DATA_GENERATED = $(systemdsystemunit_DATA) $(tmpfiles_DATA)
CLEANFILES += $(DATA_GENERATED)
EXTRA_DIST += $(DATA_GENERATED:=.in)

data/systemd/frontegg-lockout-sync.service: data/systemd/frontegg-lockout-sync.service.in Makefile
	$(AM_V_GEN)$(data_subst)
data/systemd/frontegg-lockout-sync.timer: data/systemd/frontegg-lockout-sync.timer.in Makefile
	$(AM_V_GEN)$(data_subst)
data/systemd/frontegg-lockout-sync.path: data/systemd/frontegg-lockout-sync.path.in Makefile
	$(AM_V_GEN)$(data_subst)
data/tmpfiles.d/pam_frontegg.conf: data/tmpfiles.d/pam_frontegg.conf.in Makefile
	$(AM_V_GEN)$(data_subst)
