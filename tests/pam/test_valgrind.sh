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
echo "1..2"
# Run once outside valgrind, so a failure of the stack is told apart from a leak.
if run_wrapped "$top_builddir/tests/pam/pam_loop" 3 >"$WORK/plain.out" 2>&1; then
	echo "ok 1 - the driver passes without valgrind"
else
	echo "not ok 1 - the driver fails without valgrind"; sed 's/^/# /' "$WORK/plain.out"; exit 1
fi
start=$(date +%s)
if run_wrapped valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--error-exitcode=1 --trace-children=no --log-file="$WORK/valgrind.log" \
	"$top_builddir/tests/pam/pam_loop" "${PF_VALGRIND_TRANSACTIONS:-1000}" bob \
	"$PF_MODULE" "$SYSTEM_PAM_MODULE_DIR/pam_permit.so" >"$WORK/vg.out" 2>&1; then
	echo "ok 2 - ${PF_VALGRIND_TRANSACTIONS:-1000} transactions under valgrind, no leak ($(($(date +%s) - start)) s)"
else
	echo "not ok 2 - valgrind found errors or leaks"
	sed 's/^/# /' "$WORK/vg.out" "$WORK/valgrind.log" | head -80
fi
