#!/bin/sh
# `make clean` and `make distclean` remove only what the build made: no file
# tracked in git is among the files they delete (the *CLEANFILES lists and
# the programs and libraries). SKIP (TAP plan 1..0) outside a git checkout,
# as in `make distcheck`, whose tree comes from the tarball.
set -u
srcdir=${top_srcdir:-.}
builddir=${top_builddir:-.}
if ! command -v git >/dev/null 2>&1; then
	echo "1..0 # SKIP git not installed"
	exit 0
fi
# A tree unpacked inside a checkout (distcheck) is not that checkout.
top=$(git -C "$srcdir" rev-parse --show-toplevel 2>/dev/null) || top=
if [ -z "$top" ] || [ "$(cd "$top" && pwd -P)" != "$(cd "$srcdir" && pwd -P)" ]; then
	echo "1..0 # SKIP $srcdir is not a git checkout"
	exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Ask the configured Makefile itself, so every `+=` from every fragment counts.
cat >"$tmp/print.mk" <<'EOT'
pf-print-cleaned:
	@for f in $(MOSTLYCLEANFILES) $(CLEANFILES) $(DISTCLEANFILES) \
	  $(foreach v,$(filter %_PROGRAMS %_LTLIBRARIES %_LIBRARIES,$(.VARIABLES)),$($(v))); do \
	  echo "$$f"; done
EOT
# The make running this test passes its jobserver and command-line variables
# down; the question is about the Makefile alone.
if ! (unset MAKEFLAGS MFLAGS MAKELEVEL
	cd "$builddir" && ${MAKE:-make} -s -f Makefile -f "$tmp/print.mk" pf-print-cleaned) \
	>"$tmp/cleaned" 2>"$tmp/err"; then
	echo "1..1"
	echo "not ok 1 - make lists the files make clean removes"
	sed 's/^/# /' "$tmp/err"
	exit 0
fi
git -C "$srcdir" ls-files >"$tmp/tracked"
echo "1..1"
sort -u "$tmp/cleaned" | sed 's|^\./||' >"$tmp/cleaned.sorted"
sort -u "$tmp/tracked" >"$tmp/tracked.sorted"
both=$(comm -12 "$tmp/cleaned.sorted" "$tmp/tracked.sorted")
if [ -z "$both" ]; then
	echo "ok 1 - make clean and distclean remove no tracked file ($(wc -l <"$tmp/cleaned.sorted") files checked)"
else
	echo "not ok 1 - make clean or distclean would remove tracked files"
	echo "$both" | sed 's/^/# /'
fi
