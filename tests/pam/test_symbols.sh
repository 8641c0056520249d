#!/bin/sh
# The module exports the PAM entry points and nothing else: no lib/ symbol,
# no curl, no cJSON (not even as a dependency); and it stays loaded after
# pam_end (doc/performance.md, "Loading the module").
. "$top_srcdir/tests/pam/pamenv.sh"
so="$top_builddir/pam_module/.libs/pam_frontegg.so"
command -v nm >/dev/null 2>&1 || skip "nm not installed"
command -v readelf >/dev/null 2>&1 || skip "readelf not installed"
echo "1..5"
defined=$(nm -D --defined-only "$so" | awk '{print $3}' | sort)
expected=$(printf '%s\n' pam_sm_acct_mgmt pam_sm_authenticate pam_sm_setcred)
if [ "$defined" = "$expected" ]; then
	echo "ok 1 - exports exactly pam_sm_acct_mgmt, pam_sm_authenticate, pam_sm_setcred"
else
	echo "not ok 1 - exported symbols:"; echo "$defined" | sed 's/^/#   /'
fi
if nm -D "$so" | grep -Eqi 'curl|cjson'; then
	echo "not ok 2 - curl or cJSON symbols in the module"
else
	echo "ok 2 - no curl or cJSON symbol, defined or undefined"
fi
if readelf -d "$so" | grep NEEDED | grep -Eqi 'curl|cjson|ssl|crypto'; then
	echo "not ok 3 - the module links a network or TLS library"
else
	echo "ok 3 - no network or TLS library among the dependencies"
fi
if nm -D --defined-only "$so" | grep -q ' pf_'; then
	echo "not ok 4 - lib/ symbols leak out of the module"
else
	echo "ok 4 - no lib/ (pf_*) symbol exported"
fi
flags=$(readelf -d "$so" | grep -E '\(FLAGS_1\)')
case "$flags" in
*NODELETE*) echo "ok 5 - linked -z nodelete: pam_end does not unload it" ;;
*) echo "not ok 5 - not linked -z nodelete: every pam_start relocates it again (${flags:-no FLAGS_1})" ;;
esac
