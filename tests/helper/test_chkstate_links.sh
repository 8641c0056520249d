#!/bin/sh
# frontegg_chkstate, the setgid program, links libc and lib/ only: no
# libcurl, cJSON or TLS library is mapped into it; frontegg-lockout, the
# root tool, links libcurl like any program (doc/privileges.md). TAP.
: "${top_builddir:?run through make check}"
bin="$top_builddir/helper/frontegg_chkstate"
[ -x "$bin" ] || { echo "1..0 # SKIP $bin not built"; exit 0; }
command -v nm >/dev/null 2>&1 && command -v ldd >/dev/null 2>&1 ||
	{ echo "1..0 # SKIP nm or ldd missing"; exit 0; }

FORBIDDEN_LIBS='libcurl|libcjson|libssl|libcrypto|libgnutls|libnss3|libmbedtls|libwolfssl|libgssapi|libldap'
FORBIDDEN_SYMS='^(curl_|cJSON_|SSL_|EVP_|gnutls_|dlopen)'
echo 1..3
fail=0

libs=$(ldd "$bin" 2>&1 | grep -E "$FORBIDDEN_LIBS")
if [ -z "$libs" ]; then
	echo "ok 1 - ldd: no network, JSON or TLS library"
else
	echo "not ok 1 - ldd: no network, JSON or TLS library"
	echo "$libs" | sed 's/^/# /'
	fail=1
fi

syms=$(nm -D --undefined-only "$bin" | awk '{ print $NF }' | grep -E "$FORBIDDEN_SYMS")
if [ -z "$syms" ]; then
	echo "ok 2 - nm -D: no libcurl, cJSON, TLS or dlopen symbol"
else
	echo "not ok 2 - nm -D: no libcurl, cJSON, TLS or dlopen symbol"
	echo "$syms" | sed 's/^/# /'
	fail=1
fi
# Linked, not dlopen()ed: the packages' dependency comes from shlibdeps/rpm.
lockout="$top_builddir/helper/frontegg-lockout"
if objdump -p "$lockout" 2>/dev/null | grep -Eq 'NEEDED +libcurl'; then
	echo "ok 3 - frontegg-lockout links libcurl"
else
	echo "not ok 3 - frontegg-lockout links libcurl"
	fail=1
fi
exit $fail
