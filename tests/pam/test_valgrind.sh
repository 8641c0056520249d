#!/bin/sh
# 1000 PAM transactions (root path) under valgrind: no definite or indirect leak,
# no memory error.
. "$top_srcdir/tests/pam/pamenv.sh"
require_pam_wrappers
[ "$PF_SANITIZERS" = yes ] && skip "valgrind and the sanitizers do not mix"
command -v valgrind >/dev/null 2>&1 || skip "valgrind not installed"
make_world
cat >"$WORK/pam_frontegg.conf" <<EOT
state_dir = $WORK/state
helper = $WORK/no-helper
deny = 3
admin_group = wheel
EOT
# driver [WRAPPER...]: $pairs pairs of transactions, a login of bob on the
# "ok" stack and a failure of carol (admin_group: recorded, never locked) on
# the "fail" one, its account phase too; the modules pinned in memory.
driver() {
	run_wrapped "$@" "$top_builddir/tests/lib/pam-driver" --rounds "$pairs" --warmup 0 \
		--count 1 --pin "$PF_MODULE" --pin "$SYSTEM_PAM_MODULE_DIR/pam_permit.so" \
		--case name=login,service=ok,user=bob \
		--case name=failure,service=fail,user=carol,expect=fail,always-acct
}
echo "1..2"
# Run once outside valgrind, so a failure of the stack is told apart from a leak.
pairs=2
if driver >"$WORK/plain.out" 2>&1; then
	echo "ok 1 - the driver passes without valgrind"
else
	echo "not ok 1 - the driver fails without valgrind"; sed 's/^/# /' "$WORK/plain.out"; exit 1
fi
start=$(date +%s)
pairs=$((${PF_VALGRIND_TRANSACTIONS:-1000} / 2))
if driver valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--error-exitcode=1 --trace-children=no --log-file="$WORK/valgrind.log" \
	>"$WORK/vg.out" 2>&1; then
	echo "ok 2 - ${PF_VALGRIND_TRANSACTIONS:-1000} transactions under valgrind, no leak ($(($(date +%s) - start)) s)"
else
	echo "not ok 2 - valgrind found errors or leaks"
	sed 's/^/# /' "$WORK/vg.out" "$WORK/valgrind.log" | head -80
fi
