#!/bin/sh
# The systemd units: systemd-analyze verify accepts them, and the service's
# exposure (systemd-analyze security) stays at or below 2.0. SKIP (TAP plan
# 1..0) without systemd-analyze.
set -u
builddir=${top_builddir:-.}
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not installed"
	exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
helper=$(cd "$builddir/helper" && pwd)/frontegg-lockout
for u in service timer path; do
	# Point ExecStart at the built helper: verify checks that it exists.
	sed "s|^ExecStart=[^ ]*|ExecStart=$helper|" \
		"$builddir/data/systemd/frontegg-lockout-sync.$u" > "$tmp/frontegg-lockout-sync.$u"
done
echo "1..5"
n=0
for u in service timer path; do
	n=$((n + 1))
	if out=$(cd "$tmp" && systemd-analyze verify --man=no "frontegg-lockout-sync.$u" 2>&1); then
		echo "ok $n - systemd-analyze verify frontegg-lockout-sync.$u"
	else
		echo "not ok $n - systemd-analyze verify frontegg-lockout-sync.$u"
		echo "$out" | sed 's/^/# /'
	fi
done
level=$(systemd-analyze security --offline=yes "$tmp/frontegg-lockout-sync.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
	echo "ok 4 - service exposure $level <= 2.0"
else
	echo "not ok 4 - service exposure '${level:-unknown}' above 2.0"
fi
# A run that hangs anyway must end before the next one is due (doc/invariants.md, 10).
if grep -q '^TimeoutStartSec=' "$tmp/frontegg-lockout-sync.service" &&
	grep -q '^RuntimeMaxSec=' "$tmp/frontegg-lockout-sync.service"; then
	echo "ok 5 - the sync service has TimeoutStartSec and RuntimeMaxSec"
else
	echo "not ok 5 - the sync service has no TimeoutStartSec/RuntimeMaxSec"
fi
