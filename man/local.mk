# man/: the man pages. The sources are scdoc (*.scd); the roff generated
# from them is committed next to them and shipped in the tarball, so a build
# never needs scdoc. When scdoc is found, a changed .scd regenerates its page.
MAN_SCD = \
	man/frontegg-lockout.8.scd \
	man/frontegg_chkstate.8.scd \
	man/pam_frontegg.8.scd \
	man/pam_frontegg.conf.5.scd
dist_man_MANS = \
	man/frontegg-lockout.8 \
	man/frontegg_chkstate.8 \
	man/pam_frontegg.8 \
	man/pam_frontegg.conf.5
EXTRA_DIST += $(MAN_SCD)

# The date in the pages' footer: fixed, so regenerating an unchanged page
# gives the same bytes. Move it forward when the pages change for a release.
MAN_DATE_EPOCH = 1795564800

if HAVE_SCDOC
man_scdoc = $(MKDIR_P) $(@D) && \
	sed -e 's|@VERSION[@]|$(PACKAGE_VERSION)|g' < $< | \
	SOURCE_DATE_EPOCH=$(MAN_DATE_EPOCH) $(SCDOC) > $@.tmp && mv $@.tmp $@

man/frontegg-lockout.8: man/frontegg-lockout.8.scd
	$(AM_V_GEN)$(man_scdoc)
man/frontegg_chkstate.8: man/frontegg_chkstate.8.scd
	$(AM_V_GEN)$(man_scdoc)
man/pam_frontegg.8: man/pam_frontegg.8.scd
	$(AM_V_GEN)$(man_scdoc)
man/pam_frontegg.conf.5: man/pam_frontegg.conf.5.scd
	$(AM_V_GEN)$(man_scdoc)
endif

# `make man-lint`: the pages render without a warning (needs man-db).
man-lint: $(dist_man_MANS)
	@rc=0; for p in $(dist_man_MANS); do \
	  test -f "$$p" || p="$(srcdir)/$$p"; \
	  out=`MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$$p" 2>&1 >/dev/null`; \
	  if test -n "$$out"; then echo "$$p:"; echo "$$out"; rc=1; fi; \
	done; exit $$rc
.PHONY: man-lint
