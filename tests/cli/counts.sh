#!/usr/bin/env bash
# The summary says what happened: its indexed, replaced and deleted figures
# count committed work only, and a failed run says how much it committed
# and that a re-run resumes from there. Failures come from the test hooks
# SAGASU_TEST_FAIL_ALLOC (cli/main.c: the library's Nth allocation fails)
# and SAGASU_TEST_MAX_MAPSIZE (common/store.c: the LMDB map's cap). Run by
# tests/run.sh (which sets SAGASU); prints "counts: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU


# gen FILE N PREFIX [SUFFIX]: N small documents PREFIX0000.. in JSONL
gen() {
	python3 - "$@" <<'EOF'
import json, sys
path, n, pre = sys.argv[1], int(sys.argv[2]), sys.argv[3]
suf = sys.argv[4] if len(sys.argv) > 4 else ""
base = ["東京都の天気は晴れ", "大阪で会議がありました", "京都の寺を訪ねる",
        "猫が窓辺で眠っている", "新しい検索エンジンを作る", "日本語の形態素解析"]
with open(path, "w", encoding="utf-8") as f:
    for i in range(n):
        f.write(json.dumps({"id": "%s%04d" % (pre, i), "title": base[i % 6][:3],
                            "body": base[i % 6] + "。" + base[(i * 5 + 1) % 6] +
                            " 番号%d" % i + suf}, ensure_ascii=False) + "\n")
EOF
}
N=300
gen "$TMP/a.jsonl" $N a
summary_num() { sed -n "s/.*committed before the failure: \([0-9]*\) indexed, \([0-9]*\) replaced.*/\1 \2/p" "$1"; }
pending_num() { sed -n 's/.* \([0-9]*\) documents\{0,1\} read before the failure w[a-z]* not committed.*/\1/p' "$1"; }

# The old bug: a run that committed nothing said "300 indexed ... 0 batches".
rm -rf "$TMP/i0"
SAGASU_TEST_FAIL_ALLOC=50 "$S" index -d "$TMP/i0" --threads 1 --mem 16k "$TMP/a.jsonl" 2>"$TMP/e0"
check "nothing committed: exit 1" 1 $?
grep -q "FAILED; committed before the failure: 0 indexed, 0 replaced, .* 0 batches" "$TMP/e0" &&
	ok "nothing committed: the summary says 0 indexed, 0 batches" ||
	fail "nothing committed: summary: $(cat "$TMP/e0")"
grep -q "$N documents read before the failure were not committed.*run the same command again to resume" "$TMP/e0" &&
	ok "nothing committed: it says $N were not committed and a re-run resumes" ||
	fail "nothing committed: no resume line: $(cat "$TMP/e0")"

# A missing second input: the run stops while the worker threads still
# analyze the last chunk of the first (sg_writer_free must join them before
# freeing their state: the race ThreadSanitizer found), and nothing of the
# first input is committed, which the summary must say.
gen "$TMP/c.jsonl" 512 c
rm -rf "$TMP/i1"
"$S" index -d "$TMP/i1" --threads 2 "$TMP/c.jsonl" "$TMP/no-such.jsonl" 2>"$TMP/e1"
rc=$?
check "missing second input: exit 1 (no crash)" 1 $rc
grep -q "FAILED; committed before the failure: 0 indexed, .* 0 batches" "$TMP/e1" &&
	grep -q "512 documents read before the failure were not committed" "$TMP/e1" &&
	ok "missing second input: 0 committed, 512 read and not committed" ||
	fail "missing second input: summary: $(cat "$TMP/e1")"

# Allocation failures all through a run: whatever the point, the summary's
# indexed = the documents the index holds, pending = the rest, and the re-run
# indexes exactly the rest (the committed ones are unchanged).
partial=0 points=0 bad=0
for n in 100 400 800 1200 1600 2000 2200 2400 2600 2800 3000 3400 4000 5000; do
	d=$TMP/f$n
	SAGASU_TEST_FAIL_ALLOC=$n "$S" index -d "$d" --threads 1 --mem 16k "$TMP/a.jsonl" 2>"$TMP/e"
	rc=$?
	[ $rc -eq 0 ] && continue # past the run's last allocation
	points=$((points + 1))
	read -r ind rep <<<"$(summary_num "$TMP/e")"
	pend=$(pending_num "$TMP/e")
	[ -n "$pend" ] || pend=0
	docs=$(stats_docs "$d")
	[ -n "$docs" ] || docs=0 # no index at all: nothing committed
	if [ $rc -ne 1 ] || [ "${ind:-x}" != "$docs" ] || [ "$rep" != 0 ] ||
		[ $((ind + pend)) -ne $N ]; then
		fail "alloc failure $n: exit $rc, summary says ${ind:-?} indexed + $pend pending, index holds $docs: $(cat "$TMP/e")"
		bad=$((bad + 1))
		continue
	fi
	[ "$ind" -gt 0 ] && [ "$ind" -lt $N ] && partial=$((partial + 1))
	"$S" index -d "$d" --threads 1 --mem 16k "$TMP/a.jsonl" 2>"$TMP/e2"
	if ! grep -q " $pend indexed, 0 replaced, $ind unchanged," "$TMP/e2"; then
		fail "alloc failure $n: the re-run after $ind committed: $(cat "$TMP/e2")"
		bad=$((bad + 1))
	fi
done
[ $bad -eq 0 ] && [ $points -ge 5 ] && ok "alloc failures: at $points points the summary matched the index and the re-run resumed" ||
	fail "alloc failures: $bad bad of $points points"
[ $partial -ge 1 ] && ok "alloc failures: $partial of them failed after some batches had committed" ||
	fail "alloc failures: no point failed between two batches"

# Replacements count the same way.
gen "$TMP/b.jsonl" $N a " 改訂"
d=$TMP/rep
"$S" index -d "$d" --threads 1 --mem 16k "$TMP/a.jsonl" 2>/dev/null
found=0
for n in 1500 2000 2500 3000 3500 4000 5000 6000; do
	rm -rf "$d.c" && cp -a "$d" "$d.c"
	SAGASU_TEST_FAIL_ALLOC=$n "$S" index -d "$d.c" --threads 1 --mem 16k "$TMP/b.jsonl" 2>"$TMP/e"
	[ $? -eq 1 ] || continue
	read -r ind rep <<<"$(summary_num "$TMP/e")"
	[ "${rep:-0}" -gt 0 ] || continue
	found=1
	# the replaced documents hold the new body: the term 改訂 has df = rep
	df=$("$S" dump -d "$d.c" | sed -n 's/^T 改訂 df=\([0-9]*\) .*/\1/p')
	check "replacements: the summary's $rep replaced = the documents replaced in the index" "$rep" "${df:-0}"
	"$S" index -d "$d.c" --threads 1 --mem 16k "$TMP/b.jsonl" 2>"$TMP/e2"
	grep -q " 0 indexed, $((N - rep)) replaced, $rep unchanged," "$TMP/e2" &&
		ok "replacements: the re-run replaces the other $((N - rep))" ||
		fail "replacements: re-run: $(cat "$TMP/e2")"
	break
done
[ $found -eq 1 ] || fail "replacements: no failure point after a committed batch of replacements"

# A full map (SAGASU_TEST_MAX_MAPSIZE): the same promise.
gen "$TMP/big.jsonl" 20000 m
d=$TMP/map
SAGASU_TEST_MAX_MAPSIZE=$((1 << 20)) "$S" index -d "$d" --mem 64k "$TMP/big.jsonl" 2>"$TMP/e"
check "full map: exit 1" 1 $?
read -r ind rep <<<"$(summary_num "$TMP/e")"
pend=$(pending_num "$TMP/e")
check "full map: the summary's indexed = the documents in the index" "$(stats_docs "$d")" "${ind:-?}"
[ "${pend:-0}" -ge 1 ] && [ $((${ind:-0} + ${pend:-0})) -le 20000 ] &&
	ok "full map: ${pend:-?} documents read were not committed, and it says so" ||
	fail "full map: pending: $(cat "$TMP/e")"
grep -q "map of .* is full" "$TMP/e" && ok "full map: the cause is named" || fail "full map: $(cat "$TMP/e")"
"$S" index -d "$d" --mem 64k "$TMP/big.jsonl" 2>"$TMP/e2"
grep -q " $((20000 - ${ind:-0})) indexed, 0 replaced, ${ind:-x} unchanged," "$TMP/e2" &&
	ok "full map: the re-run without the cap resumes ($((20000 - ${ind:-0})) indexed, ${ind:-?} unchanged)" ||
	fail "full map: re-run: $(cat "$TMP/e2")"

# Deletions: counted once committed.
d=$TMP/del
"$S" index -d "$d" "$TMP/a.jsonl" 2>/dev/null
# The first allocation failure that reaches the writer (earlier ones fail
# in opening the index, before anything could be deleted).
found=0
for n in $(seq 1 400); do
	SAGASU_TEST_FAIL_ALLOC=$n "$S" delete -d "$d" a0001 a0002 2>"$TMP/e"
	rc=$?
	[ $rc -eq 0 ] && break
	grep -q "delete: FAILED" "$TMP/e" || continue
	found=1
	check "delete failing (allocation $n): exit 1" 1 $rc
	grep -q "delete: FAILED; committed before the failure: 0 deleted, 0 not found; run the same command again" "$TMP/e" &&
		ok "delete failing (allocation $n): 0 deleted, run again" || fail "delete failing: $(cat "$TMP/e")"
	check "delete failing (allocation $n): nothing deleted" $N "$(stats_docs "$d")"
	break
done
[ $found -eq 1 ] || fail "delete: no allocation failure reached the writer"
"$S" delete -d "$d" a0001 a0002 nosuch 2>"$TMP/e"
check "delete: summary" "sagasu: delete: 2 deleted, 1 not found" "$(cat "$TMP/e")"

check_all_indexes
finish counts
