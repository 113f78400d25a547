#!/usr/bin/env bash
# ThreadSanitizer run (make tsan): the threaded paths of sagasu under a
# -fsanitize=thread build (build-tsan/sagasu), failing on any report.
#   - threaded indexing (--threads 2, many small batches), and runs that
#     fail in the middle of it (full LMDB map, a failed allocation);
#   - sagasu bench --threads 2, AND and OR, on both index kinds;
#   - the reader/writer section of the fault suite (and the rest of it).
# TSan writes each report to $REPORTS/report.PID (log_path), so a report from
# a process whose stderr a suite captured is not lost. Prints
# "tsan: N passed, N failed" like the other suites.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build-tsan}
export SAGASU="$PWD/$BUILD/sagasu" SHARED="${SHARED:-$PWD/../shared}"
S=$SAGASU
. tests/cli/lib.sh
REPORTS=$TMP/reports
mkdir -p "$REPORTS"
export TSAN_OPTIONS="log_path=$REPORTS/report halt_on_error=0 second_deadlock_stack=1 history_size=4"

# reports NAME: no TSan report was written since the last call
seen=0
reports() {
	local n
	n=$(find "$REPORTS" -name 'report.*' | wc -l)
	if [ "$n" -eq "$seen" ]; then
		ok "$1: no ThreadSanitizer report"
	else
		fail "$1: $((n - seen)) ThreadSanitizer report(s):"
		find "$REPORTS" -name 'report.*' -newer "$REPORTS/.mark" -exec head -40 {} \;
	fi
	seen=$n
	touch "$REPORTS/.mark"
}
touch "$REPORTS/.mark"

# A corpus of 3,000 short documents, made here (no ../shared needed).
gen_docs "$TMP/c.jsonl" 3000
printf '1\t東京 天気\n2\t寿司 食べる\n3\t会議\n4\t写真 山 登る\n5\t形態素 解析\n6\t猫 眠る\n7\t電車\n8\t北海道 梅雨\n' >"$TMP/q.tsv"

"$S" index -d "$TMP/sub" --threads 2 --mem 64k "$TMP/c.jsonl" 2>"$TMP/i1.err"
check "threaded indexing (substring index, --mem 64k): exit" 0 $?
"$S" index -d "$TMP/nosub" --no-substring --threads 2 --mem 64k "$TMP/c.jsonl" 2>"$TMP/i2.err"
check "threaded indexing (--no-substring): exit" 0 $?
reports "threaded indexing"

for kind in sub nosub; do
	for mode in "" --or; do
		"$S" bench -d "$TMP/$kind" --queries "$TMP/q.tsv" --threads 2 --repeat 20 $mode \
			>"$TMP/b.out" 2>"$TMP/b.err"
		check "bench --threads 2 ${mode:-(AND)} on $kind: exit" 0 $?
		reports "bench --threads 2 ${mode:-(AND)} on $kind"
	done
done

# Runs that fail while the analysis threads are busy: the teardown joins
# them before it frees what they use. A missing second input fails the run
# while the workers analyze the last chunk of the first.
"$S" index -d "$TMP/missing" --threads 2 --mem 64k "$TMP/c.jsonl" "$TMP/no-such.jsonl" \
	2>"$TMP/missing.err"
check "a missing second input under threads: exit" 1 $?
reports "a failing threaded run (missing input)"
SAGASU_TEST_MAX_MAPSIZE=1048576 "$S" index -d "$TMP/full" --threads 2 --mem 4M "$TMP/c.jsonl" \
	2>"$TMP/full.err"
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && ok "a full map under threads: exit $rc" ||
	fail "a full map under threads: exit $rc: $(tail -1 "$TMP/full.err")"
reports "a failing threaded run (full map)"
for n in 200 2000 20000; do
	rm -rf "$TMP/oom"
	SAGASU_TEST_FAIL_ALLOC=$n "$S" index -d "$TMP/oom" --threads 2 --mem 64k "$TMP/c.jsonl" \
		2>"$TMP/oom.err"
	rc=$?
	[ "$rc" -lt 128 ] && ok "allocation $n fails under threads: exit $rc, no crash" ||
		fail "allocation $n fails under threads: killed by signal $((rc - 128))"
done
reports "failing threaded runs (allocation failures)"

# The fault suite, readers racing a writer included, on the TSan binary.
KILL_TRIALS=${KILL_TRIALS:-4} W_N=${W_N:-20000} bash tests/cli/faults.sh >"$TMP/faults.log" 2>&1
frc=$?
grep -E '^(FAIL|faults:)' "$TMP/faults.log"
check "the fault suite under TSan: exit" 0 $frc
reports "the fault suite (readers vs writer)"

finish tsan
