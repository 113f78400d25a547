# Shared helpers for the CLI test suites (sourced, not run).
# Each suite calls ok/fail per check and `finish NAME` at the end, which prints
# "NAME: N passed, N failed" for tests/run.sh and sets the exit status.
set -u
: "${SAGASU:?SAGASU must point at the sagasu binary (tests/run.sh sets it)}"
T_PASS=0 T_FAIL=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok()   { T_PASS=$((T_PASS + 1)); echo "ok   $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $*"; }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected [$2], got [$3]"; fi; }
# have_shared FILE: is ../shared/FILE there? prints a SKIP line when not
have_shared() {
	if [ -f "$SHARED/$1" ]; then return 0; fi
	echo "SKIP $1 is absent (../shared/ is not beside this checkout): its cases are skipped"
	return 1
}
# check_index DIR [OPTIONS]: `sagasu check` finds DIR whole (OPTIONS: --keep-all ...)
check_index() {
	local d=$1 out
	shift
	if out=$("$SAGASU" check -d "$d" "$@" 2>&1); then
		ok "check ${d#"$TMP"/}: $out"
	else
		fail "check ${d#"$TMP"/}: $out"
	fi
}
finish() { echo "$1: $T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" -eq 0 ]; }
