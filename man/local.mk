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
EXTRA_DIST += $(MAN_SCD) man/return-values.py

# The date in the pages' footer: fixed, so regenerating an unchanged page
# gives the same bytes. Move it forward when the pages change for a release.
MAN_DATE_EPOCH = 1795564800

if HAVE_SCDOC
# A page's roff from its source: the .scd on stdin, the roff on stdout.
MAN_ROFF = sed -e 's|@VERSION[@]|$(PACKAGE_VERSION)|g' | SOURCE_DATE_EPOCH=$(MAN_DATE_EPOCH) $(SCDOC)
man_scdoc = $(MKDIR_P) $(@D) && { $(MAN_ROFF); } < $< > $@.tmp && mv $@.tmp $@

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

# The per-entry-point lists under RETURN VALUES in pam_frontegg(8) are made
# from the table in pam_module/RETURN-VALUES.md. `make man-update` rewrites
# them, and the roff, in the source tree: the committed files are the ones
# checked (tests/data/test_return_values.py), whatever the build directory.
man-update:
	$(AM_V_GEN)$(PYTHON) $(srcdir)/man/return-values.py --write
if HAVE_SCDOC
	$(AM_V_GEN){ $(MAN_ROFF); } < $(srcdir)/man/pam_frontegg.8.scd > $(srcdir)/man/pam_frontegg.8.tmp && \
	  mv $(srcdir)/man/pam_frontegg.8.tmp $(srcdir)/man/pam_frontegg.8
else
	@echo "man-update: scdoc not found, man/pam_frontegg.8 not regenerated" >&2
endif
.PHONY: man-update

# The test compares the committed roff with what MAN_ROFF makes; without
# scdoc it skips that comparison.
if HAVE_SCDOC
AM_TESTS_ENVIRONMENT = MAN_ROFF="$(MAN_ROFF)"; export MAN_ROFF;
endif
