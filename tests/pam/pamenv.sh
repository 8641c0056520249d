# Common set-up of the PAM tests, sourced by tests/pam/*.sh: a work
# directory with the nss_wrapper passwd/group files, the pam_wrapper service
# files (pam_wrapper copies them when a process starts, so they are written
# here, before the test program runs) and the variables the programs read.
# Every test prints TAP; 77 means SKIP.
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"
. "$top_builddir/tests/pam/pamtest.env"

# The TAP driver reads a skip from the plan; its exit status must be 0.
skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

# nss_wrapper sits next to pam_wrapper (same multiarch directory) unless
# configure told us where it is.
find_nss_wrapper() {
	if [ -n "$NSS_WRAPPER_LIB" ] && [ -f "$NSS_WRAPPER_LIB" ]; then
		return 0
	fi
	NSS_WRAPPER_LIB=$(pkg-config --libs nss_wrapper 2>/dev/null | tr ' ' '\n' | grep 'libnss_wrapper\.so' | head -n1)
	[ -n "$NSS_WRAPPER_LIB" ] || NSS_WRAPPER_LIB="$(dirname "$PAM_WRAPPER_LIB")/libnss_wrapper.so"
	[ -f "$NSS_WRAPPER_LIB" ]
}

require_pam_wrappers() {
	[ "$HAVE_PAMTEST" = yes ] || skip "libpamtest or pam_wrapper not found by configure"
	[ -f "$PAM_WRAPPER_LIB" ] || skip "pam_wrapper library $PAM_WRAPPER_LIB missing"
	find_nss_wrapper || skip "nss_wrapper (libnss-wrapper) not installed"
	[ -f "$SYSTEM_PAM_MODULE_DIR/pam_permit.so" ] || skip "no pam_permit.so in '$SYSTEM_PAM_MODULE_DIR'"
	require_admin
}

# Root, or a normal user with uid_wrapper standing in for root: then the
# test build of the module (tests/lib/variants.mk) trusts that user's files.
require_admin() {
	REALLY_ROOT=no
	if [ "$(id -u)" -eq 0 ]; then
		REALLY_ROOT=yes
		MODULE_BUILD=$top_builddir/pam_module/.libs/pam_frontegg.so
		HELPER_BUILD=$top_builddir/helper/frontegg-lockout
		return 0
	fi
	[ -n "$UID_WRAPPER_LIB" ] && [ -f "$UID_WRAPPER_LIB" ] ||
		skip "needs root, or uid_wrapper (libuid-wrapper) to stand in for it"
	MODULE_BUILD=$top_builddir/tests/lib/.libs/pam_frontegg.so
	HELPER_BUILD=$top_builddir/tests/lib/frontegg-lockout
}

write_nss_files() {
	cat >"$WORK/passwd" <<-EOT
	root:x:0:0:root:/root:/bin/sh
	alice:x:1000:1000:mapped user:/home/alice:/bin/sh
	bob:x:1001:1001:unmapped user:/home/bob:/bin/sh
	carol:x:1002:1002:admin by supplementary group:/home/carol:/bin/sh
	dave:x:1003:1100:admin by primary group:/home/dave:/bin/sh
	erin:x:1004:1004:in ignore_users:/home/erin:/bin/sh
	x+corp:x:1005:1005:known to NSS, invalid for pam_frontegg:/home/x:/bin/sh
	frank@corp.test:x:1006:1006:fully qualified, as SSSD names them:/home/frank:/bin/sh
	nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
	EOT
	cat >"$WORK/group" <<-EOT
	root:x:0:
	alice:x:1000:
	bob:x:1001:
	carol:x:1002:
	erin:x:1004:
	wheel:x:1100:carol
	frontegg:x:1500:
	nogroup:x:65534:
	EOT
}

# service NAME PASSWORD-MODULE [alt]: the stack of the man page, with
# PASSWORD-MODULE (pam_permit or pam_deny) standing in for pam_unix.
service() {
	mod=$PF_MODULE
	args="conf=$WORK/pam_frontegg.conf"
	pw="$SYSTEM_PAM_MODULE_DIR/$2.so"
	if [ "${3:-}" = alt ]; then
		pwline="auth     [success=1 default=bad] $pw"
	else
		pwline="auth     sufficient    $pw"
	fi
	cat >"$WORK/services/$1" <<-EOT
	auth     required      $mod $args preauth
	$pwline
	auth     [default=die] $mod $args authfail
	auth     sufficient    $mod $args authsucc
	account  required      $mod $args
	account  required      $SYSTEM_PAM_MODULE_DIR/pam_permit.so
	EOT
}

write_services() {
	mkdir -p "$WORK/services"
	service ok pam_permit
	service fail pam_deny
	service alt-ok pam_permit alt
	service alt-fail pam_deny alt
	cat >"$WORK/services/acct" <<-EOT
	account  required      $PF_MODULE conf=$WORK/pam_frontegg.conf
	account  required      $SYSTEM_PAM_MODULE_DIR/pam_permit.so
	EOT
	entry e-preauth auth "preauth"
	entry e-authfail auth "authfail"
	entry e-authsucc auth "authsucc"
	entry e-account account ""
	entry e-preauth-badval auth "preauth deny=many"
	entry e-preauth-twomodes auth "preauth authfail"
	entry e-account-mode account "preauth"
	# An unusable file means host-only defaults; the arguments still apply.
	entry e-account-noconf account "conf=/nonexistent/pam_frontegg.conf state_dir=$WORK/state"
	entry e-authfail-relconf auth "authfail conf=relative.conf state_dir=$WORK/state"
	entry e-account-silent account "silent"
}

# entry NAME TYPE ARGS: a stack that returns exactly what pam_frontegg
# returned: success ends it, any error ends it with that code, and
# PAM_IGNORE falls through to pam_debug, whose PAM_MODULE_UNKNOWN (never
# returned by pam_frontegg) the tests read as PAM_IGNORE.
entry() {
	mod=$PF_MODULE
	cat >"$WORK/services/$1" <<-EOT
	$2 [success=done ignore=ignore default=die] $mod conf=$WORK/pam_frontegg.conf $3
	$2 required $SYSTEM_PAM_MODULE_DIR/pam_debug.so auth=module_unknown acct=module_unknown
	EOT
}

make_world() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/pf-pam.XXXXXX") || exit 99
	trap 'rm -rf "$WORK"' EXIT
	chmod 755 "$WORK"
	# The module is loaded from a copy the test owns: a test user switched
	# to by the test may not be able to enter the checkout (a 0700 clone).
	cp "$MODULE_BUILD" "$WORK/pam_frontegg.so" || exit 99
	export PF_MODULE="$WORK/pam_frontegg.so"
	write_nss_files
	write_services
	PRELOAD="$PAM_WRAPPER_LIB $NSS_WRAPPER_LIB $top_builddir/tests/pam/.libs/libpfclock.so"
	if [ "$REALLY_ROOT" = no ]; then
		PRELOAD="$PRELOAD $UID_WRAPPER_LIB"
		export UID_WRAPPER=1 UID_WRAPPER_ROOT=1 UID_WRAPPER_DISABLE_DEEPBIND=1
	fi
	if [ "$PF_SANITIZERS" = yes ] && [ -f "$ASAN_LIB" ]; then
		PRELOAD="$ASAN_LIB $PRELOAD"
	fi
	export PF_TEST_WORK="$WORK" PF_FAKE_CLOCK_FILE="$WORK/clock"
	export PF_FAKE_HELPER="$top_builddir/tests/pam/fake_helper"
	export PF_REAL_HELPER="$HELPER_BUILD"
	export PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$WORK/services"
	# Syslog through the test program's own vsyslog (it captures the audit lines).
	export PAM_WRAPPER_USE_SYSLOG=1 PAM_WRAPPER_DISABLE_DEEPBIND=1
	export NSS_WRAPPER_PASSWD="$WORK/passwd" NSS_WRAPPER_GROUP="$WORK/group"
	# The preloaded wrappers are not instrumented; ASan must not insist on coming first.
	export ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
	export LSAN_OPTIONS="suppressions=$top_srcdir/tests/pam/lsan.supp:${LSAN_OPTIONS:-}"
}

# run_wrapped PROGRAM ARGS...: PROGRAM under pam_wrapper, nss_wrapper and the clock shim.
# A hung test fails in 30 s, not 60.
export CK_DEFAULT_TIMEOUT=30

run_wrapped() {
	env LD_PRELOAD="$PRELOAD" "$@"
}
