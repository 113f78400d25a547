#!/usr/bin/env bash
# End-to-end tests of the indexer: counts, incremental equivalence with
# `sagasu dump`, compaction, malformed input, SIGKILL, refusals, formats.
# Counts and the incremental scenario run on the embedded fixture
# (tests/fixtures/diary.jsonl) always, and on ../shared's hatena-cluster too.
# Run by tests/run.sh (which sets SAGASU and SHARED); prints
# "index: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
SEED=${SEED:-20240521}
RANDOM=$SEED
KILL_TRIALS=${KILL_TRIALS:-10}

# json_field FILE KEY: an integer field of `sagasu stats --json` output

# ------------------------------------------------------------ corpora
CLUSTER=$SHARED/corpus/hatena-cluster.jsonl
LINES_SRC=$SHARED/corpus/hatena-cluster.txt
GEN=$TMP/gen.jsonl
if [ -f "$LINES_SRC" ]; then
	# 300 small documents from the non-empty lines of hatena-cluster.txt.
	python3 - "$LINES_SRC" "$GEN" <<'EOF'
import json, sys
lines = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for i, l in enumerate(lines[:300]):
        f.write(json.dumps({"id": "g%04d" % i, "title": l[:12], "body": l},
                           ensure_ascii=False) + "\n")
EOF
else
	echo "SKIP hatena-cluster.txt is absent: using the embedded corpus"
	gen_small300 "$GEN"
fi

# ------------------------------------------------------------ count
# The embedded fixture (always, tests/fixtures/): its documents counted from
# the file, one JSON object a line.
FIX=$(cd "$(dirname "$0")/.." && pwd)/fixtures/diary.jsonl
FIX_N=$(grep -c . "$FIX")
check "fixture: diary.jsonl holds 20 documents" 20 "$FIX_N"
"$S" index -d "$TMP/fix" "$FIX" 2>"$TMP/fix.err"
check "fixture: exit status" 0 $?
check "fixture: $FIX_N documents" "$FIX_N" "$(stats_docs "$TMP/fix")"
check "fixture: dump N line" "N $FIX_N" "$("$S" dump -d "$TMP/fix" | head -1)"
check "fixture: the dump's ids are the file's" \
	"$(python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in open(sys.argv[1])]' "$FIX" | sort)" \
	"$("$S" dump -d "$TMP/fix" | sed -n 's/^D \([^ ]*\) .*/\1/p' | sort)"
if have_shared corpus/hatena-cluster.jsonl; then
	"$S" index -d "$TMP/c18" "$CLUSTER" 2>"$TMP/c18.err"
	check "hatena-cluster: exit status" 0 $?
	check "hatena-cluster: 18 documents" 18 "$(stats_docs "$TMP/c18")"
	check "hatena-cluster: dump N line" "N 18" "$("$S" dump -d "$TMP/c18" | head -1)"
	check "hatena-cluster: 18 D lines" 18 "$("$S" dump -d "$TMP/c18" | grep -c '^D ')"
	check_index "$TMP/c18"
fi

# ------------------------------------------------------------ incremental
# incremental NAME CORPUS BLOCK_SIZE: builds the final set in five runs
# (add, add + re-add unchanged, replace, delete) and compares its dump with
# a fresh index of the final set, before and after `sagasu compact`.
incremental() {
	local name=$1 corpus=$2 bs=$3 d=$TMP/inc-$1 f=$TMP/fresh-$1 n
	n=$(wc -l <"$corpus")
	local a=$((n * 2 / 5)) rep=$((n / 10)) del=$((n / 20)) again=$((n / 10))
	[ "$rep" -ge 1 ] || rep=1
	[ "$del" -ge 1 ] || del=1
	head -n "$a" "$corpus" >"$TMP/$name.1"
	{ tail -n +$((a + 1)) "$corpus"; head -n "$again" "$corpus"; } >"$TMP/$name.2"
	# replacements: the first $rep documents of the second half, new body
	tail -n +$((a + 1)) "$corpus" | head -n "$rep" | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l); o["body"] = o.get("body", "") + "。追記された文章です"
    print(json.dumps(o, ensure_ascii=False))' >"$TMP/$name.3"
	# deletions: the last $del documents
	tail -n "$del" "$corpus" | python3 -c '
import json, sys
for l in sys.stdin: print(json.loads(l)["id"])' >"$TMP/$name.del"
	# the final set, for the fresh index
	python3 - "$corpus" "$TMP/$name.3" "$TMP/$name.del" >"$TMP/$name.final" <<'EOF'
import json, sys
docs = {}
for path in sys.argv[1:3]:
    for l in open(path, encoding="utf-8"):
        o = json.loads(l); docs[o["id"]] = l.rstrip("\n")
for i in open(sys.argv[3], encoding="utf-8"):
    docs.pop(i.strip(), None)
for k in sorted(docs): print(docs[k])
EOF
	local opts=(--block-size "$bs" --mem 4k --threads 2)
	"$S" index -d "$d" "${opts[@]}" "$TMP/$name.1" 2>"$TMP/$name.e1"
	check "$name: run 1 exit" 0 $?
	"$S" index -d "$d" --mem 4k "$TMP/$name.2" 2>"$TMP/$name.e2"
	check "$name: run 2 exit" 0 $?
	grep -q " $((n - a)) indexed, 0 replaced, $again unchanged," "$TMP/$name.e2" &&
		ok "$name: run 2 says $again unchanged" ||
		fail "$name: run 2 summary: $(cat "$TMP/$name.e2")"
	"$S" index -d "$d" --mem 4k "$TMP/$name.3" 2>"$TMP/$name.e3"
	check "$name: run 3 exit" 0 $?
	grep -q " 0 indexed, $rep replaced, 0 unchanged," "$TMP/$name.e3" &&
		ok "$name: run 3 says $rep replaced" ||
		fail "$name: run 3 summary: $(cat "$TMP/$name.e3")"
	# run 4: the same replacements again: all unchanged
	"$S" index -d "$d" --mem 4k "$TMP/$name.3" 2>"$TMP/$name.e4"
	grep -q " 0 indexed, 0 replaced, $rep unchanged," "$TMP/$name.e4" &&
		ok "$name: run 4 says $rep unchanged" ||
		fail "$name: run 4 summary: $(cat "$TMP/$name.e4")"
	xargs "$S" delete -d "$d" <"$TMP/$name.del" 2>"$TMP/$name.e5"
	check "$name: delete exit" 0 $?
	check "$name: delete summary" "sagasu: delete: $del deleted, 0 not found" "$(cat "$TMP/$name.e5")"
	check "$name: documents after the runs" $((n - del)) "$(stats_docs "$d")"
	check_index "$d"
	"$S" index -d "$f" "$TMP/$name.final" 2>/dev/null
	check "$name: fresh index exit" 0 $?
	"$S" dump -d "$d" >"$TMP/$name.dump-inc"
	"$S" dump -d "$f" >"$TMP/$name.dump-fresh"
	if cmp -s "$TMP/$name.dump-inc" "$TMP/$name.dump-fresh"; then
		ok "$name: incremental dump = fresh dump ($(wc -l <"$TMP/$name.dump-fresh") lines)"
	else
		fail "$name: incremental dump differs: $(diff "$TMP/$name.dump-inc" "$TMP/$name.dump-fresh" | head -5)"
	fi
	"$S" compact -d "$d" 2>"$TMP/$name.ec"
	check "$name: compact exit" 0 $?
	"$S" stats -d "$d" --json >"$TMP/st.json" 2>/dev/null
	check "$name: no deleted postings pending after compact" 0 "$(json_field "$TMP/st.json" deleted_pending)"
	"$S" dump -d "$d" >"$TMP/$name.dump-comp"
	if cmp -s "$TMP/$name.dump-comp" "$TMP/$name.dump-fresh"; then
		ok "$name: compacted dump = fresh dump"
	else
		fail "$name: compacted dump differs: $(diff "$TMP/$name.dump-comp" "$TMP/$name.dump-fresh" | head -5)"
	fi
	# A second compaction has nothing to do and changes nothing.
	"$S" compact -d "$d" 2>/dev/null && "$S" dump -d "$d" | cmp -s - "$TMP/$name.dump-fresh"
	check "$name: second compact is a no-op" 0 $?
	check_index "$d"
}

incremental fixture "$FIX" 2
[ -f "$CLUSTER" ] && incremental cluster "$CLUSTER" 2
incremental gen "$GEN" 3

# Deleting most documents starts a compaction by itself (a quarter dead).
d=$TMP/auto
head -n 100 "$GEN" >"$TMP/auto.in"
"$S" index -d "$d" --block-size 2 "$TMP/auto.in" 2>/dev/null
python3 -c '
import json, sys
for l in list(open(sys.argv[1]))[:40]: print(json.loads(l)["id"])' "$TMP/auto.in" |
	xargs "$S" delete -d "$d" 2>/dev/null
"$S" stats -d "$d" --json >"$TMP/st.json" 2>/dev/null
check "auto-compaction: 60 documents left" 60 "$(json_field "$TMP/st.json" documents)"
check "auto-compaction: nothing pending" 0 "$(json_field "$TMP/st.json" deleted_pending)"
tail -n 60 "$TMP/auto.in" >"$TMP/auto.final"
"$S" index -d "$TMP/auto-fresh" "$TMP/auto.final" 2>/dev/null
"$S" dump -d "$d" | cmp -s - <("$S" dump -d "$TMP/auto-fresh")
check "auto-compaction: dump = fresh dump" 0 $?
check_index "$d"

# ------------------------------------------------------------ malformed input
B=$TMP/bad.jsonl
{
	printf '\xef\xbb\xbf{"id":"m1","title":"東京","body":"東京都の天気"}\r\n'
	printf '{"id": "m2", "body": \r\n'
	printf '{"id": [1], "body": "x"}\n'
	printf '{"body": "no id"}\n'
	printf '{"id": "m5", "body": 5}\n'
	printf '\n'
	printf '{"id":"m7","body":"壊れた\xff文字"}\n'
	printf '{"id":"m8","body":"最後の文書"}\r\n'
} >"$B"
"$S" index -d "$TMP/bad" "$B" 2>"$TMP/bad.err"
check "malformed: exit status 3" 3 $?
for l in 2 3 4 5; do
	grep -q "^$B:$l: " "$TMP/bad.err" && ok "malformed: line $l named" ||
		fail "malformed: line $l not named in: $(cat "$TMP/bad.err")"
done
grep -qE ":(1|6|7|8): " "$TMP/bad.err" && fail "malformed: a good or empty line was reported" ||
	ok "malformed: good and empty lines not reported"
grep -q "document 'm7': 1 invalid UTF-8 sequence" "$TMP/bad.err" &&
	ok "malformed: invalid UTF-8 warning names m7" ||
	fail "malformed: no UTF-8 warning for m7 in: $(cat "$TMP/bad.err")"
grep -q "3 indexed, 0 replaced, 0 unchanged, 4 rejected" "$TMP/bad.err" &&
	ok "malformed: summary 3 indexed, 4 rejected" || fail "malformed: summary: $(tail -1 "$TMP/bad.err")"
check "malformed: 3 documents" 3 "$(stats_docs "$TMP/bad")"
check "malformed: the good ids (BOM and CR stripped)" "m1 m7 m8" \
	"$("$S" dump -d "$TMP/bad" | sed -n 's/^D \([^ ]*\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//')"
check "malformed: title of m1" "D m1 dl=4 title=東京" "$("$S" dump -d "$TMP/bad" | grep '^D m1 ')"
check_index "$TMP/bad"

# ------------------------------------------------------------ SIGKILL
# A few thousand documents: the hatena lines three times over, distinct ids.
BIG=$TMP/big.jsonl
python3 - "$GEN" "$BIG" <<'EOF'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for r in range(12):
        for o in docs:
            f.write(json.dumps({"id": "%s-%d" % (o["id"], r), "title": o["title"],
                                "body": o["body"] + " 第%d版" % r},
                               ensure_ascii=False) + "\n")
EOF
check "sigkill: corpus of 3600 documents" 3600 "$(wc -l <"$BIG")"
KOPTS=(--mem 64k --block-size 4 --threads 2)
"$S" index -d "$TMP/kref" "${KOPTS[@]}" "$BIG" 2>"$TMP/kref.err"
check "sigkill: reference index exit" 0 $?
"$S" dump -d "$TMP/kref" >"$TMP/kref.dump"
t0=$(date +%s%N)
"$S" index -d "$TMP/ktime" "${KOPTS[@]}" "$BIG" 2>/dev/null
full_ms=$((($(date +%s%N) - t0) / 1000000))
[ "$full_ms" -ge 20 ] || full_ms=20
batches=$(grep -oE '[0-9]+ batches' "$TMP/kref.err" | grep -oE '[0-9]+')
[ "${batches:-0}" -ge 5 ] && ok "sigkill: the reference run committed $batches batches" ||
	fail "sigkill: too few batches: $(cat "$TMP/kref.err")"
killed=0
for trial in $(seq 1 "$KILL_TRIALS"); do
	k=$TMP/kill$trial
	ms=$((RANDOM % full_ms + 1))
	"$S" index -d "$k" "${KOPTS[@]}" "$BIG" 2>/dev/null &
	pid=$!
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null
	if [ ! -f "$k/data.mdb" ]; then
		ok "sigkill $trial: killed at ${ms} ms before the index existed"
	else
		if "$S" stats -d "$k" --json >"$TMP/st.json" 2>"$TMP/st.err"; then
			docs=$(json_field "$TMP/st.json" documents)
			tl=$(json_field "$TMP/st.json" total_length)
			"$S" dump -d "$k" >"$TMP/k.dump"
			dlines=$(grep -c '^D ' "$TMP/k.dump")
			dlsum=$(sed -n 's/^D [^ ]* dl=\([0-9]*\) .*/\1/p' "$TMP/k.dump" | awk '{s+=$1} END {print s+0}')
			if [ "$docs" = "$dlines" ] && [ "$tl" = "$dlsum" ]; then
				ok "sigkill $trial: killed at ${ms} ms: $docs documents, total_len $tl consistent"
			else
				fail "sigkill $trial: stats say $docs docs / $tl, dump $dlines docs / $dlsum"
			fi
			check_index "$k"
		else
			fail "sigkill $trial: stats failed after the kill: $(cat "$TMP/st.err")"
		fi
	fi
	"$S" index -d "$k" "${KOPTS[@]}" "$BIG" 2>"$TMP/k.err"
	rc=$?
	if [ $rc -eq 0 ] && "$S" dump -d "$k" | cmp -s - "$TMP/kref.dump"; then
		ok "sigkill $trial: re-run completes, dump = uninterrupted dump"
	else
		fail "sigkill $trial: re-run exit $rc or dump differs: $(tail -1 "$TMP/k.err")"
	fi
	check_index "$k"
	rm -rf "$k"
done
[ "$killed" -ge 1 ] && ok "sigkill: $killed of $KILL_TRIALS runs were killed mid-way" ||
	fail "sigkill: no run was killed mid-way (all finished first)"

# ------------------------------------------------------------ refusals
R=$TMP/notidx
mkdir -p "$R" && echo "precious" >"$R/notes.txt"
before=$(ls -la "$R" | md5sum)
"$S" index -d "$R" "$GEN" 2>"$TMP/r1.err"
check "refuse foreign dir: exit 1" 1 $?
grep -q "not a sagasu index" "$TMP/r1.err" && ok "refuse foreign dir: message" ||
	fail "refuse foreign dir: message: $(cat "$TMP/r1.err")"
check "refuse foreign dir: no data.mdb" no "$([ -e "$R/data.mdb" ] && echo yes || echo no)"
check "refuse foreign dir: directory unchanged" "$before" "$(ls -la "$R" | md5sum)"

"$S" stats -d /nonexistent/sagasu-idx 2>"$TMP/r2.err"
check "stats of a missing dir: exit 1" 1 $?
grep -q "/nonexistent/sagasu-idx: no such index directory" "$TMP/r2.err" &&
	ok "stats of a missing dir: message" || fail "stats of a missing dir: $(cat "$TMP/r2.err")"

# A second writer while the first holds the lock (it waits on a fifo).
L=$TMP/locked
mkfifo "$TMP/fifo"
"$S" index -d "$L" - <"$TMP/fifo" 2>"$TMP/r3a.err" &
wpid=$!
exec 3>"$TMP/fifo"
# Wait until the writer holds its lock (never create writer.lock ourselves:
# the index would then find a non-empty directory).
for _ in $(seq 1 200); do
	[ -e "$L/writer.lock" ] && ! flock -n "$L/writer.lock" true 2>/dev/null && break
	sleep 0.05
done
"$S" index -d "$L" "$GEN" 2>"$TMP/r3.err"
check "second writer: exit 1" 1 $?
grep -q "another sagasu process is writing" "$TMP/r3.err" && ok "second writer: message" ||
	fail "second writer: message: $(cat "$TMP/r3.err")"
printf '{"id":"x1","body":"ロックの試験"}\n' >&3
exec 3>&-
wait "$wpid"
check "first writer: exit 0" 0 $?
check "first writer: its document is there" 1 "$(stats_docs "$L")"
check_index "$L"

# Killed after creating the index but before its first batch committed: the
# directory must still open as an (empty) index.
E=$TMP/killed-early
"$S" index -d "$E" - <"$TMP/fifo" 2>/dev/null &
wpid=$!
exec 3>"$TMP/fifo"
for _ in $(seq 1 200); do
	[ -e "$E/writer.lock" ] && ! flock -n "$E/writer.lock" true 2>/dev/null && break
	sleep 0.05
done
kill -9 "$wpid"
wait "$wpid" 2>/dev/null
exec 3>&-
"$S" stats -d "$E" --json >"$TMP/st.json" 2>"$TMP/st.err" &&
	check "killed before the first batch: stats shows 0 documents" 0 "$(json_field "$TMP/st.json" documents)" ||
	fail "killed before the first batch: stats failed: $(cat "$TMP/st.err")"
check_index "$E"

K=$TMP/keepall
"$S" index -d "$K" --keep-all "$TMP/auto.final" 2>/dev/null
check "keep-all index: exit 0" 0 $?
# an existing index analyzes with its own analyzer: no --keep-all needed
"$S" index -d "$K" "$TMP/auto.final" 2>"$TMP/r4.err"
check "keep-all index reopened without --keep-all: exit 0" 0 $?
grep -q "0 indexed, 0 replaced, .* unchanged" "$TMP/r4.err" && ok "keep-all index reopened: all unchanged" ||
	fail "keep-all index reopened: $(cat "$TMP/r4.err")"
# a flag that contradicts the index is an error naming both values
"$S" index -d "$K" --variants kana "$TMP/auto.final" 2>"$TMP/r4.err"
check "analyzer contradiction: exit 1" 1 $?
grep -q -- "--variants kana contradicts the index, built with variants choon" "$TMP/r4.err" &&
	ok "analyzer contradiction: message" ||
	fail "analyzer contradiction: message: $(cat "$TMP/r4.err")"
check_index "$K" --keep-all
check "keep-all index: readable with --keep-all" 60 "$("$S" stats -d "$K" --keep-all --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')"

# ------------------------------------------------------------ formats
F=$TMP/files
mkdir -p "$F/a/b" "$F/c"
printf '\n\n  タイトル行\n本文です\n' >"$F/a/b/one.txt"
printf '二番目の文書\n本文\n' >"$F/c/two.txt"
"$S" index -d "$TMP/fidx" --format files "$F" 2>/dev/null
check "files: exit 0" 0 $?
check "files: ids and titles" "D a/b/one.txt title=タイトル行|D c/two.txt title=二番目の文書|" \
	"$("$S" dump -d "$TMP/fidx" | sed -n 's/^\(D [^ ]*\) dl=[0-9]* \(title=.*\)/\1 \2/p' | tr '\n' '|')"
check_index "$TMP/fidx"
printf '一行目の文書\n\n三行目の文書\n' >"$TMP/L.txt"
(cd "$TMP" && "$S" index -d lidx --format lines L.txt 2>/dev/null)
check "lines: exit 0" 0 $?
check "lines: ids FILE:LINENO" "L.txt:1 L.txt:3 " \
	"$("$S" dump -d "$TMP/lidx" | sed -n 's/^D \([^ ]*\) .*/\1/p' | tr '\n' ' ')"
check_index "$TMP/lidx"

finish index
