#!/bin/sh
# lib/ has no network code: the convenience library neither defines nor
# needs any libcurl or cJSON symbol (doc/architecture.md, "The parts").
lib=${top_builddir:-.}/lib/.libs/libpflockout.a
echo "1..2"
if ! command -v nm >/dev/null 2>&1 || [ ! -f "$lib" ]; then
	echo "ok 1 # SKIP nm or $lib missing"
	echo "ok 2 # SKIP nm or $lib missing"
	exit 0
fi
syms=$(nm "$lib" 2>/dev/null)
if echo "$syms" | grep -Eqi ' (curl_|cjson_)'; then
	echo "not ok 1 - libpflockout references libcurl or cJSON"
	echo "$syms" | grep -Ei ' (curl_|cjson_)' | sed 's/^/# /'
else
	echo "ok 1 - no libcurl or cJSON symbol in libpflockout"
fi
if echo "$syms" | grep -Eq ' U (socket|connect|getaddrinfo|SSL_)'; then
	echo "not ok 2 - libpflockout calls network functions"
else
	echo "ok 2 - no socket, connect, getaddrinfo or TLS call in libpflockout"
fi
