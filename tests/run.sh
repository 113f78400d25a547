#!/usr/bin/env bash
# Runs every test suite and ends with one line: "N passed, N failed".
#   unit suites:  $BUILD/tests/test_*  (cmocka; each prints its own summary)
#   CLI suites:   tests/cli/*.sh       (each prints "suite: N passed, N failed")
# A suite that reports 0 passed (or no count at all) counts as a failure.
# SHARED (default ../shared) holds the larger corpora; the suites also run,
# on their embedded fixtures (tests/fixtures/), when it is absent or empty.
# VALGRIND=1 runs the unit suites under valgrind memcheck.
# SUITES="search test_parse" runs only the suites so named (a quick loop while
# working; `make test` runs them all).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export SAGASU="$PWD/$BUILD/sagasu" BUILD SHARED="${SHARED:-$PWD/../shared}"
passed=0 failed=0 log=$(mktemp)
wanted() { [ -z "${SUITES:-}" ] || [[ " $SUITES " == *" $1 "* ]]; }
trap 'rm -f "$log"' EXIT

count() { # adds the counts a suite printed to the totals; a crash counts as a failure
	local p f
	p=$(grep -aoE '\[  PASSED  \] [0-9]+|^[a-z_-]+: [0-9]+ passed' "$log" | grep -oE '[0-9]+' | tail -1)
	f=$(grep -aoE '\[  FAILED  \] [0-9]+|[0-9]+ failed' "$log" | grep -oE '[0-9]+' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$1" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "  !! $2 exited with status $1 without reporting a failure: counted as one" >&2
		failed=$((failed + 1))
	elif [ "${p:-0}" -eq 0 ]; then
		# a suite that checked nothing proves nothing (it once ran 0 checks
		# without ../shared and still looked green)
		echo "  !! $2 reported $([ -n "$p" ] && echo "0 passed" || echo "no count"): a suite must run checks: counted as a failure" >&2
		failed=$((failed + 1))
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.d|*.o) continue ;; esac
	wanted "$(basename "$t")" || continue
	echo "== $(basename "$t")"
	if [ "${VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			"$t" >"$log" 2>&1
	else
		"$t" >"$log" 2>&1
	fi
	rc=$?
	grep -aE 'PASSED|FAILED|ERROR|Assert|error|==[0-9]+==' "$log" | head -40
	count $rc "$(basename "$t")"
done

if [ "${VALGRIND:-0}" != 1 ]; then
	for s in tests/cli/*.sh; do
		[ "$(basename "$s")" = lib.sh ] && continue
		[ -f "$s" ] || continue
		wanted "$(basename "$s" .sh)" || continue
		echo "== $(basename "$s")"
		bash "$s" >"$log" 2>&1
		rc=$?
		grep -aE 'FAIL|SKIP|passed' "$log" | head -40
		count $rc "$(basename "$s")"
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
