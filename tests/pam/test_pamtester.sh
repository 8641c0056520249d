#!/bin/sh
# pamtester, a real PAM application, runs the example stack of the man page
# under pam_wrapper:
#   auth     required      pam_frontegg.so preauth
#   auth     sufficient    pam_permit.so | pam_deny.so   (for pam_unix.so)
#   auth     [default=die] pam_frontegg.so authfail
#   auth     sufficient    pam_frontegg.so authsucc
#   account  required      pam_frontegg.so
. "$top_srcdir/tests/pam/pamenv.sh"
require_pam_wrappers
PAMTESTER=$(command -v pamtester) || skip "pamtester not installed"
make_world
mkdir -p "$WORK/state"
cat >"$WORK/pam_frontegg.conf" <<EOT
state_dir = $WORK/state
helper = $WORK/no-helper
deny = 3
unlock_time = 600
EOT

n=0
failed=0
check() { # check DESCRIPTION EXPECTED-EXIT COMMAND...
	desc=$1 want=$2
	shift 2
	n=$((n + 1))
	out=$(run_wrapped "$@" </dev/null 2>&1)
	got=$?
	if [ "$got" -eq "$want" ]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc (exit $got, wanted $want)"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=1
	fi
}

echo "1..7"
check "right password, account ok" 0 "$PAMTESTER" ok bob authenticate acct_mgmt
for i in 1 2 3; do
	check "wrong password $i fails" 1 "$PAMTESTER" fail bob authenticate
done
check "locked: the right password fails" 1 "$PAMTESTER" ok bob authenticate
check "locked: account (ssh key) refused" 1 "$PAMTESTER" acct bob acct_mgmt
check "an unlocked user still logs in" 0 "$PAMTESTER" ok alice authenticate acct_mgmt
exit $failed
