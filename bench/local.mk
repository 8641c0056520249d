# bench/: `make bench`, the performance figures of doc/performance.md on the embedded
# default (the Frontegg emulator, temporary directories). Never part of
# `make check`: timings are figures to read, not pass/fail tests. The
# programs are EXTRA_PROGRAMS, built only when `make bench` asks for them.
# PAM transactions are timed by the tests' driver, tests/lib/pam-driver.
EXTRA_PROGRAMS += bench/peak_rss
CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += bench/bench.py bench/RESULTS.md

bench_peak_rss_SOURCES = bench/peak_rss.c

# The figures describe this build: bench.py prints the compiler and flags.
# BENCH_ARGS passes options on, e.g. make bench BENCH_ARGS='--rounds 10 --no-callgrind'
# (bench/bench.py --help lists them).
bench: all-am tests/lib/pam-driver$(EXEEXT) bench/peak_rss$(EXEEXT) tests/pam/pamtest.env
	@test '$(PYTHON)' != : || { echo 'make bench: needs Python 3.9 or later' >&2; exit 1; }
	@top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  BENCH_CC='$(CC)' BENCH_CFLAGS='$(CPPFLAGS) $(HARDEN_CPPFLAGS) $(CFLAGS) $(AM_CFLAGS)' \
	  BENCH_LDFLAGS='$(LDFLAGS) $(AM_LDFLAGS)' \
	  $(PYTHON) $(abs_top_srcdir)/bench/bench.py $(BENCH_ARGS)
.PHONY: bench

# make bench-fleet: Frontegg requests per second for a fleet, each event's
# cost measured on sample hosts (real module and helper, the emulator) and
# scaled by the model it prints. FLEET_ARGS passes options on, e.g.
# make bench-fleet FLEET_ARGS='--hosts 2000 --sample-hosts 3' (bench/fleet.py --help).
EXTRA_DIST += bench/fleet.py
bench-fleet: all-am tests/lib/pam-driver$(EXEEXT) tests/pam/libpfclock.la tests/pam/pamtest.env
	@test '$(PYTHON)' != : || { echo 'make bench-fleet: needs Python 3.9 or later' >&2; exit 1; }
	@top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  $(PYTHON) $(abs_top_srcdir)/bench/fleet.py $(FLEET_ARGS)
.PHONY: bench-fleet
