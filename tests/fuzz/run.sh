#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz.mk) into build-fuzz/ and runs
# each for SECONDS_EACH seconds (default 15) on a scratch copy of its seeds
# (tests/fuzz/seeds/NAME: the repository's seeds are never written to).
# Prints the executions of each target; exits non-zero on any crash, leak,
# sanitizer report or broken invariant, after printing the report and where
# the crashing input was saved (build-fuzz/artifacts/).
#   usage: tests/fuzz/run.sh [SECONDS_EACH] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-15}
shift || true
targets=${*:-parse varint block jsonl query records}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
export FUZZ_BUILD

if ! command -v clang >/dev/null; then
	echo "fuzz: needs clang with libFuzzer (apt-get install clang)" >&2
	exit 1
fi
make --no-print-directory -f tests/fuzz/fuzz.mk FUZZ_BUILD="$FUZZ_BUILD" \
	$(for t in $targets; do echo "$FUZZ_BUILD/fuzz_$t"; done)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$FUZZ_BUILD/artifacts"
failed=0
for t in $targets; do
	corpus="$work/$t"
	mkdir -p "$corpus"
	cp tests/fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null || true
	dict=()
	[ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
	log="$FUZZ_BUILD/fuzz_$t.log"
	rc=0
	"$FUZZ_BUILD/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
		-timeout=10 -artifact_prefix="$FUZZ_BUILD/artifacts/$t-" \
		"${dict[@]}" "$corpus" >"$log" 2>&1 || rc=$?
	execs=$(grep -aoE 'stat::number_of_executed_units: [0-9]+' "$log" |
		grep -oE '[0-9]+$' || true)
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz_%-7s %12s executions in %ss, corpus %s files: ok\n' \
			"$t" "${execs:-?}" "$secs" "$(ls "$corpus" | wc -l)"
	else
		failed=$((failed + 1))
		printf 'fuzz_%-7s %12s executions: FAILED (exit %s), log %s\n' \
			"$t" "${execs:-?}" "$rc" "$log"
		grep -aE 'ERROR|SUMMARY|==[0-9]+==|#[0-9]+ 0x|Test unit written|deadly|abort' \
			"$log" | head -40 || true
	fi
done
[ "$failed" -eq 0 ]
