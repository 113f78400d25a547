#!/usr/bin/env bash
# Out of memory is survivable: SAGASU_TEST_FAIL_ALLOC=N (cli/main.c, a test
# hook over common/alloc.c) makes the library's Nth allocation fail. For
# N = 1, 2, ... through an index run, an incremental run (replacements and
# deletions), a search and a compaction, each run must end with exit 1 and
# "out of memory" (or succeed, once N is past its last allocation), never
# die by a signal, report no leak under ASan or valgrind, and leave an index
# that opens, passes `sagasu check`, and that a plain re-run completes to
# the same dump as an uninterrupted build.
#   OOM_STEP=K   walk every Kth N only (default 1: every one)
. "$(dirname "$0")/lib.sh"
S=$SAGASU
STEP=${OOM_STEP:-1}
MAX_N=${OOM_MAX_N:-5000}

# Ten documents (text made here), block size 2 and a 4k budget, so that a
# tiny run still crosses blocks, term chains and several batches.
python3 - "$TMP/a.jsonl" "$TMP/b.jsonl" <<'PY'
import json, sys
base = ["東京都の天気は晴れ", "大阪で会議がありました", "京都の寺を訪ねる",
        "猫が窓辺で眠っている", "新しい検索エンジンを作る", "日本語の形態素解析"]
def doc(i, salt):
    return {"id": "d%02d" % i, "title": base[i % 6][:3],
            "body": "。".join(base[(i * k + salt) % 6] for k in (1, 2, 5)) + " 番号%d" % i}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(10):
        f.write(json.dumps(doc(i, 0), ensure_ascii=False) + "\n")
with open(sys.argv[2], "w", encoding="utf-8") as f:   # 4 replaced, 3 new
    for i in list(range(0, 8, 2)) + [10, 11, 12]:
        f.write(json.dumps(doc(i, 3), ensure_ascii=False) + "\n")
PY
IOPTS=(--block-size 2 --mem 4k)


# expected dumps: a.jsonl alone; a then b then delete d01 d03 and compact
"$S" index -d "$TMP/ref_a" "${IOPTS[@]}" "$TMP/a.jsonl" 2>/dev/null
"$S" dump -d "$TMP/ref_a" >"$TMP/ref_a.dump"
cp -r "$TMP/ref_a" "$TMP/ref_b"
"$S" index -d "$TMP/ref_b" "${IOPTS[@]}" "$TMP/b.jsonl" 2>/dev/null
"$S" delete -d "$TMP/ref_b" d01 d03 >/dev/null 2>&1
"$S" dump -d "$TMP/ref_b" >"$TMP/ref_b.dump"
cp -r "$TMP/ref_b" "$TMP/ref_c"
"$S" compact -d "$TMP/ref_c" >/dev/null 2>&1
"$S" dump -d "$TMP/ref_c" >"$TMP/ref_c.dump"

# sane NAME N RC ERRFILE: the run failed cleanly (or succeeded)
bad=0
sane() {
	if [ "$3" -ge 128 ]; then
		fail "$1: allocation $2 fails: killed by signal $(($3 - 128))"; bad=$((bad + 1))
	elif grep -qE 'Sanitizer|==[0-9]+==' "$4"; then
		fail "$1: allocation $2 fails: $(grep -m1 -E 'Sanitizer|==[0-9]+==' "$4")"; bad=$((bad + 1))
	elif [ "$3" -eq 0 ] && ! grep -q 'test: 0 allocation' "$4"; then
		fail "$1: allocation $2 fails, yet the run succeeded: the failure was ignored"
		bad=$((bad + 1))
	elif [ "$3" -ne 0 ] && ! grep -q 'out of memory' "$4"; then
		fail "$1: allocation $2 fails: exit $3 without 'out of memory': $(tail -1 "$4")"
		bad=$((bad + 1))
	else
		return 0
	fi
	return 1
}
# whole NAME N DIR: the index opens and passes the integrity check
whole() {
	[ -e "$3/data.mdb" ] || return 0 # a new index not created at all
	if ! "$S" stats -d "$3" >/dev/null 2>"$TMP/st.err"; then
		fail "$1: allocation $2 fails: the index no longer opens: $(tail -1 "$TMP/st.err")"
		bad=$((bad + 1)); return 1
	fi
	if ! "$S" check -d "$3" >"$TMP/ck.out" 2>&1; then
		fail "$1: allocation $2 fails: sagasu check: $(tail -1 "$TMP/ck.out")"
		bad=$((bad + 1)); return 1
	fi
	return 0
}
# resumes NAME N DIR EXPECTED_DUMP CMD...: a plain re-run reaches EXPECTED
resumes() {
	local name=$1 n=$2 dir=$3 want=$4
	shift 4
	"$@" >/dev/null 2>&1
	"$S" dump -d "$dir" >"$TMP/got.dump" 2>&1
	if ! cmp -s "$want" "$TMP/got.dump"; then
		fail "$name: allocation $n fails: the re-run's dump differs from an uninterrupted build"
		bad=$((bad + 1))
	fi
}

# walk NAME SETUP_FN RUN_FN CHECK_FN: N = 1, 1+STEP, ... until a run succeeds
walk() {
	local name=$1 setup=$2 run=$3 after=$4 n=1 rc failed_runs=0
	bad=0
	while [ $n -le "$MAX_N" ]; do
		$setup
		SAGASU_TEST_FAIL_ALLOC=$n $run >"$TMP/run.out" 2>"$TMP/run.err"
		rc=$?
		sane "$name" $n $rc "$TMP/run.err" && $after $n
		[ $rc -eq 0 ] && break
		failed_runs=$((failed_runs + 1))
		[ $bad -ge 3 ] && break
		n=$((n + STEP))
	done
	if [ $bad -eq 0 ] && [ $rc -eq 0 ]; then
		ok "$name: $failed_runs allocation failure points (1..$n step $STEP), each a clean error"
	elif [ $bad -eq 0 ]; then
		fail "$name: still failing at allocation $n (OOM_MAX_N=$MAX_N)"
	fi
	echo "     $name: $failed_runs failure points" >&2
}

# 1. a new index
setup_new() { rm -rf "$TMP/x"; }
run_new() { "$S" index -d "$TMP/x" "${IOPTS[@]}" "$TMP/a.jsonl"; }
after_new() { whole "index (new)" "$1" "$TMP/x" &&
	resumes "index (new)" "$1" "$TMP/x" "$TMP/ref_a.dump" "$S" index -d "$TMP/x" "${IOPTS[@]}" "$TMP/a.jsonl"; }
walk "index (new)" setup_new run_new after_new

# 2. an incremental run: replacements and new documents
setup_inc() { rm -rf "$TMP/x"; cp -r "$TMP/ref_a" "$TMP/x"; }
run_inc() { "$S" index -d "$TMP/x" "${IOPTS[@]}" "$TMP/b.jsonl"; }
after_inc() { whole "index (incremental)" "$1" "$TMP/x" &&
	resumes "index (incremental)" "$1" "$TMP/x" "$TMP/ref_b.dump" \
		bash -c "'$S' index -d '$TMP/x' --block-size 2 --mem 4k '$TMP/b.jsonl' && '$S' delete -d '$TMP/x' d01 d03"; }
walk "index (incremental)" setup_inc run_inc after_inc

# 3. deletion
setup_del() { rm -rf "$TMP/x"; cp -r "$TMP/ref_a" "$TMP/x"; "$S" index -d "$TMP/x" "${IOPTS[@]}" "$TMP/b.jsonl" 2>/dev/null; }
run_del() { "$S" delete -d "$TMP/x" d01 d03; }
after_del() { whole "delete" "$1" "$TMP/x" &&
	resumes "delete" "$1" "$TMP/x" "$TMP/ref_b.dump" "$S" delete -d "$TMP/x" d01 d03; }
walk "delete" setup_del run_del after_del

# 4. a search in each mode (read-only: the index is untouched)
setup_none() { :; }
after_search() { cmp -s "$TMP/ref_b.dump" <("$S" dump -d "$TMP/ref_b") ||
	{ fail "search: allocation $1 fails: the index changed"; bad=$((bad + 1)); }; }
run_and() { "$S" search -d "$TMP/ref_b" --format json '東京 天気' '"形態素 解析"' '京*' -猫; }
walk "search (keyword)" setup_none run_and after_search
run_or() { "$S" search -d "$TMP/ref_b" --or --format json --explain '東京の天気と会議'; }
walk "search (--or)" setup_none run_or after_search
# the counting walk after pruning (k 1: 京都 counts 2+ pruned, 5 exact; the
# --or query 3+ and 3): its cursor copies and rewinds fail cleanly too
run_count() { "$S" search -d "$TMP/ref_b" -k 1 --format json 京都; }
walk "search (count walk)" setup_none run_count after_search
run_count_or() { "$S" search -d "$TMP/ref_b" -k 1 --or --format tsv '東京 天気'; }
walk "search (count walk, --or)" setup_none run_count_or after_search

# 5. compaction
setup_cmp() { rm -rf "$TMP/x"; cp -r "$TMP/ref_b" "$TMP/x"; }
run_cmp() { "$S" compact -d "$TMP/x"; }
after_cmp() {
	whole "compact" "$1" "$TMP/x" || return
	"$S" dump -d "$TMP/x" >"$TMP/got.dump" 2>&1
	if cmp -s "$TMP/got.dump" "$TMP/ref_b.dump" || cmp -s "$TMP/got.dump" "$TMP/ref_c.dump"; then
		resumes "compact" "$1" "$TMP/x" "$TMP/ref_c.dump" "$S" compact -d "$TMP/x"
	else
		fail "compact: allocation $1 fails: the index is neither the state before nor after"
		bad=$((bad + 1))
	fi
}
walk "compact" setup_cmp run_cmp after_cmp

finish oom
