# pam_module/: pam_frontegg.so, the PAM glue (no network code).
pammoddir = $(PAM_MODULE_DIR)
pammod_LTLIBRARIES = pam_module/pam_frontegg.la
pam_module_pam_frontegg_la_SOURCES = \
	pam_module/args.c \
	pam_module/audit.c \
	pam_module/backend_direct.c \
	pam_module/backend_helper.c \
	pam_module/conversation.c \
	pam_module/helper_exec.c \
	pam_module/helper_exec.h \
	pam_module/host_guard.c \
	pam_module/host_guard.h \
	pam_module/module.h \
	pam_module/module_flow.c \
	pam_module/pam_frontegg.c \
	pam_module/user.c
pam_module_pam_frontegg_la_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS) -fvisibility=hidden
# -z nodelete: a process that runs many PAM transactions keeps the module mapped
# instead of mapping and relocating it again at every pam_start (the module has
# no mutable global state to carry over; doc/performance.md, "Loading the module").
pam_module_pam_frontegg_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared \
	-no-undefined -Wl,--version-script=$(srcdir)/pam_module/pam_frontegg.map \
	-Wl,--gc-sections -Wl,-z,nodelete
pam_module_pam_frontegg_la_LIBADD = lib/libpflockout.la $(PAM_LIBS)
EXTRA_pam_module_pam_frontegg_la_DEPENDENCIES = $(srcdir)/pam_module/pam_frontegg.map
EXTRA_DIST += pam_module/pam_frontegg.map pam_module/RETURN-VALUES.md

# A PAM module is loaded by path: no .la beside it, and not executable.
install-data-hook: install-pam-module-hook
install-pam-module-hook:
	rm -f "$(DESTDIR)$(pammoddir)/pam_frontegg.la"
	chmod 0644 "$(DESTDIR)$(pammoddir)/pam_frontegg.so"
uninstall-local: uninstall-pam-module-local
uninstall-pam-module-local:
	rm -f "$(DESTDIR)$(pammoddir)/pam_frontegg.so"
.PHONY: install-pam-module-hook uninstall-pam-module-local
