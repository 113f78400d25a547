#!/usr/bin/env bash
# `sagasu check`, the integrity check, and the crash handler that runs it.
#  - it passes on every index a run of writes leaves: tiny blocks, several
#    incremental runs (chains), replacements, deletions (dead postings),
#    explicit and automatic compaction, on both index kinds;
#  - it fails, exit 1, naming the database, on an index whose records were
#    altered with mdb_dump/mdb_load: a postings block, a positions value, a
#    term record's df, a removed ids entry, a lengths chunk, a document
#    record, the stats, a stray postings block;
#  - a crash (the test hook SAGASU_TEST_CRASH=1 raises SIGSEGV once the
#    index is open, or a kill -SEGV to a writer) runs the check: "sound ...
#    bug" and exit 70 on a sound index, the damage and exit 1 on a damaged
#    one.
# Its corpus is embedded; hatena-cluster.jsonl from ../shared is used too
# when present. Prints "check: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU

# ------------------------------------------------------------ corpus
python3 - "$TMP/all.jsonl" <<'EOF'
import json, sys
base = ["東京都の天気は晴れ", "大阪で会議がありました", "京都の寺を訪ねる",
        "猫が窓辺で眠っている", "新しい検索エンジンを作る", "日本語の形態素解析",
        "花粉症で鼻水が止まらない", "コロナのクラスターが発生した", "電車が遅れて困った",
        "今日は寿司を食べた", "クラスター分析とデータベース", "検索の速度を測る"]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(72):
        b = "。".join(base[(i * k + 1) % len(base)] for k in range(1, 2 + i % 4))
        if i % 9 == 0:  # a long one, compressed in its record
            b = (b + "。") * 12
        f.write(json.dumps({"id": "c%03d" % i, "title": base[i % len(base)][:5],
                            "body": b + " 番号%d" % i}, ensure_ascii=False) + "\n")
EOF
sed -n 1,24p "$TMP/all.jsonl" >"$TMP/p1"
{ sed -n 25,48p "$TMP/all.jsonl"; sed -n 3,7p "$TMP/all.jsonl"; } >"$TMP/p2"
sed -n 10,15p "$TMP/all.jsonl" | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l); o["body"] += "。書き換えた文章です"
    print(json.dumps(o, ensure_ascii=False))' >"$TMP/p3"
sed -n 49,72p "$TMP/all.jsonl" >"$TMP/p4"

# expect_whole NAME DIR: check exits 0 with its summary
expect_whole() {
	local out
	out=$("$S" check -d "$2" 2>"$TMP/check.err")
	local rc=$?
	if [ $rc -eq 0 ] && [[ $out == "index is whole: "*" documents, "*" terms, "*" postings checked" ]]; then
		ok "$1: check passes ($out)"
	else
		fail "$1: check exit $rc: $out $(head -3 "$TMP/check.err")"
	fi
}

# ------------------------------------------------------------ sound indexes
# scenario KIND OPTS...: several runs of writes, check after each
scenario() {
	local k=$1 d=$TMP/idx-$1
	shift
	"$S" index -d "$d" --block-size 2 --mem 4k --threads 2 "$@" "$TMP/p1" 2>/dev/null
	check "$k: run 1 exit" 0 $?
	expect_whole "$k: run 1" "$d"
	"$S" index -d "$d" --mem 4k "$TMP/p2" 2>/dev/null
	check "$k: run 2 (new and unchanged) exit" 0 $?
	expect_whole "$k: run 2" "$d"
	"$S" index -d "$d" --mem 4k "$TMP/p3" 2>/dev/null
	check "$k: run 3 (replacements) exit" 0 $?
	expect_whole "$k: run 3, replaced documents' postings pending" "$d"
	"$S" delete -d "$d" c001 c020 c030 c031 c047 2>/dev/null
	check "$k: delete exit" 0 $?
	expect_whole "$k: after deletions" "$d"
	"$S" compact -d "$d" 2>/dev/null
	check "$k: compact exit" 0 $?
	expect_whole "$k: after compact" "$d"
	"$S" index -d "$d" --mem 4k "$TMP/p4" 2>/dev/null
	check "$k: run 4 after compact exit" 0 $?
	expect_whole "$k: run 4" "$d"
	# a quarter deleted: the commit compacts by itself
	"$S" delete -d "$d" $(seq -f 'c%03.0f' 0 2 40) 2>/dev/null
	check "$k: mass delete exit" 0 $?
	"$S" stats -d "$d" | grep -q '^deleted  *0 pending' &&
		ok "$k: the mass delete compacted by itself" ||
		fail "$k: the mass delete left: $("$S" stats -d "$d" | grep deleted)"
	expect_whole "$k: after automatic compaction" "$d"
}
scenario default
scenario nosub --no-substring

if have_shared corpus/hatena-cluster.jsonl; then
	"$S" index -d "$TMP/hc" --block-size 2 "$SHARED/corpus/hatena-cluster.jsonl" 2>/dev/null
	expect_whole "hatena-cluster, block size 2" "$TMP/hc"
fi

"$S" check -d "$TMP/nonexistent" >/dev/null 2>"$TMP/ne.err"
check "missing dir: exit 1" 1 $?
"$S" check >/dev/null 2>&1
check "no -d: usage, exit 2" 2 $?

# ------------------------------------------------------------ the crash handler
d=$TMP/idx-default
SAGASU_TEST_CRASH=1 "$S" stats -d "$d" >/dev/null 2>"$TMP/crash.err"
check "crash on a sound index: exit 70" 70 $?
grep -q '^sagasu crashed (a bug in sagasu unless the check below finds damage); checking the index:$' "$TMP/crash.err" &&
	grep -q 'index is whole' "$TMP/crash.err" &&
	grep -q 'the index is sound, so the crash is a bug in sagasu' "$TMP/crash.err" &&
	! grep -q 'damaged' "$TMP/crash.err" &&
	ok "crash on a sound index: says sound, a bug" ||
	fail "crash on a sound index: $(cat "$TMP/crash.err")"
SAGASU_TEST_CRASH=1 "$S" search -d "$TMP/idx-nosub" 東京 >/dev/null 2>"$TMP/crash.err"
check "crash in search: exit 70" 70 $?
grep -q 'is a bug in sagasu' "$TMP/crash.err" &&
	ok "crash in search: says a bug" || fail "crash in search: $(cat "$TMP/crash.err")"

# A SIGSEGV sent to a writer in the middle of its run (a write transaction
# open): the check finds the last committed state whole.
python3 - "$TMP/many.jsonl" <<'EOF'
import json, sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(40000):
        f.write(json.dumps({"id": "m%05d" % i, "body": "文書%dは東京と大阪の話題" % i},
                           ensure_ascii=False) + "\n")
EOF
"$S" index -d "$TMP/segv" --mem 64k --block-size 4 "$TMP/many.jsonl" 2>"$TMP/segv.err" &
pid=$!
for _ in $(seq 1 200); do
	n=$("$S" stats -d "$TMP/segv" 2>/dev/null | sed -n 's/^documents *//p')
	[ "${n:-0}" -gt 0 ] && break
	sleep 0.05
done
kill -SEGV "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [ $rc -eq 0 ]; then
	ok "SIGSEGV to a writer: it finished first (nothing to check)"
else
	check "SIGSEGV to a writer: exit 70" 70 $rc
	grep -q 'index is whole' "$TMP/segv.err" && grep -q 'the index is sound' "$TMP/segv.err" &&
		ok "SIGSEGV to a writer: its last committed state is whole" ||
		fail "SIGSEGV to a writer: $(cat "$TMP/segv.err")"
fi
check_index "$TMP/segv"

# ------------------------------------------------------------ damaged indexes
if ! command -v mdb_dump >/dev/null || ! command -v mdb_load >/dev/null; then
	fail "mdb_dump and mdb_load are missing (Debian's lmdb-utils; scripts/setup.sh installs it)"
	finish check
	exit
fi
# The dump format of mdb_dump: a header up to HEADER=END, then a key line and
# a value line per record (" " + hex), then DATA=END.
cat >"$TMP/mutate.py" <<'EOF'
import sys
path, db, op = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(path).read().split("\n")
start = lines.index("HEADER=END") + 1
recs = []  # (index of the key line, key bytes, value bytes)
i = start
while lines[i] != "DATA=END":
    recs.append((i, bytes.fromhex(lines[i][1:]), bytes.fromhex(lines[i + 1][1:])))
    i += 2
def put(i, v):
    lines[i + 1] = " " + v.hex()
done = False
for i, k, v in recs:
    if op == "postings-n":       # a block's posting count, off by one
        put(i, bytes([v[0] ^ 1]) + v[1:]); done = True
    elif op == "positions-cut":  # a positions value ending inside a varint
        put(i, v[:-1] + b"\x80"); done = True
    elif op == "terms-df":       # a term's df (after the termid) one higher
        t = 0
        while v[t] & 0x80:
            t += 1
        if v[t + 1] < 0x7f and not k.startswith(b"\0"):
            put(i, v[:t + 1] + bytes([v[t + 1] + 1]) + v[t + 2:]); done = True
    elif op == "lengths-slot":   # the first live length, one higher
        for s in range(0, len(v), 4):
            if v[s:s + 4] != b"\xff\xff\xff\xff" and v[s] < 0xfe:
                put(i, v[:s] + bytes([v[s] + 1]) + v[s + 1:]); done = True
                break
    elif op == "docs-last":      # the last byte of a document record
        put(i, v[:-1] + bytes([v[-1] ^ 0x20])); done = True
    elif op == "meta-stats":     # N one higher
        if k == b"stats" and v[0] < 0x7f:
            put(i, bytes([v[0] + 1]) + v[1:]); done = True
    elif op == "column-last":    # the last byte of a column value
        put(i, v[:-1] + bytes([v[-1] ^ 0x01])); done = True
    elif op == "drop-first":     # the first record removed
        del lines[i:i + 2]; done = True
    elif op == "postings-stray": # one block more, under an unused termid
        lines.insert(i, " " + (b"\x7f\xff\xff\xf0" + k[4:]).hex())
        lines.insert(i + 1, " " + v.hex()); done = True
    if done:
        break
if not done:
    sys.exit("mutate: no record of %s fits %s" % (db, op))
open(path, "w").write("\n".join(lines))
EOF

# corrupt NAME DB OP: a copy of the compacted default index, with one record
# of DB altered by OP (mutate.py) through mdb_dump/mdb_load, in $TMP/bad-NAME
corrupt() {
	local b=$TMP/bad-$1
	rm -rf "$b"
	cp -r "$TMP/idx-default" "$b"
	rm -f "$b/writer.lock"
	mdb_dump -s "$2" "$b" >"$TMP/$1.dump" &&
		python3 "$TMP/mutate.py" "$TMP/$1.dump" "$2" "$3" &&
		mdb_load -s "$2" -f "$TMP/$1.dump" "$b" 2>"$TMP/$1.load"
}

# rebuilt_without NAME DB: the index rebuilt by mdb_load from a dump of all
# its databases, without DB's first record (mdb_load cannot delete)
rebuilt_without() {
	local b=$TMP/bad-$1
	rm -rf "$b"
	mkdir "$b"
	mdb_dump -a "$TMP/idx-default" | python3 -c '
import sys
db, out, cur, skip = sys.argv[1], [], None, False
lines = sys.stdin.read().split("\n")
for i, l in enumerate(lines):
    if l.startswith("database="): cur = l[9:]
    if skip: skip = False; continue
    if cur == db and l.startswith(" ") and lines[i - 1] == "HEADER=END":
        skip = True; continue
    out.append(l)
print("\n".join(out), end="")' "$2" >"$TMP/$1.dump" &&
		mdb_load -f "$TMP/$1.dump" "$b" 2>"$TMP/$1.load"
}

# expect_damage NAME DB: check exits 1, its first line names DB
expect_damage() {
	local b=$TMP/bad-$1 first
	"$S" check -d "$b" >"$TMP/$1.out" 2>"$TMP/$1.err"
	check "$1: check exit 1" 1 $?
	first=$(head -1 "$TMP/$1.err")
	if [[ $first == "sagasu: check: $2: "* ]] && grep -q "is damaged: rebuild it" "$TMP/$1.err"; then
		ok "$1: names $2 ($first)"
	else
		fail "$1: expected a message naming $2: $(cat "$TMP/$1.err")"
	fi
}

for c in "postings-block postings postings-n" \
	 "positions-value positions positions-cut" \
	 "term-df terms terms-df" \
	 "lengths-chunk lengths lengths-slot" \
	 "doc-record docs docs-last" \
	 "stats meta meta-stats" \
	 "stray-block postings postings-stray"; do
	set -- $c
	if corrupt "$1" "$2" "$3"; then
		ok "$1: altered with mdb_dump/mdb_load"
		expect_damage "$1" "$2"
	else
		fail "$1: could not alter the index: $(cat "$TMP/$1.load" 2>/dev/null)"
	fi
done
if rebuilt_without ids-entry ids; then
	ok "ids-entry: one removed, rebuilt with mdb_load"
	expect_damage ids-entry ids
else
	fail "ids-entry: could not rebuild: $(cat "$TMP/ids-entry.load")"
fi

# Columns (sagasu index --columns): each live document's values equal its
# stored fields'; a changed value, and a value no document gives, are named.
cat >"$TMP/cols.jsonl" <<'EOF'
{"id":"c1","title":"東京","body":"東京の天気","date":"2022-03-01","price":120}
{"id":"c2","title":"京都","body":"京都の寺","date":"2021-12-24"}
{"id":"c3","title":"大阪","body":"大阪の城","price":80.5}
EOF
"$S" index -q -d "$TMP/idx-cols" --columns date,price "$TMP/cols.jsonl"
check "columns: index with --columns date,price" 0 $?
"$S" check -d "$TMP/idx-cols" >/dev/null 2>"$TMP/cols.err"
check "columns: check passes" "0 " "$? $(cat "$TMP/cols.err")"
check "columns: 4 values for 3 documents (stats)" "4" \
	"$("$S" stats -d "$TMP/idx-cols" | awk '$1 == "columns" && $3 == "entries" {print $2}')"
for c in "column-value column-last" "column-stray restore"; do
	set -- $c
	b=$TMP/bad-$1
	rm -rf "$b"; cp -r "$TMP/idx-cols" "$b"; rm -f "$b/writer.lock"
	mdb_dump -s columns "$b" >"$TMP/$1.dump"
	if [ "$2" = restore ]; then
		# a value of a deleted document: delete c1, then load its
		# column records back from the dump taken before
		"$S" delete -q -d "$b" c1 && rm -f "$b/writer.lock" &&
			mdb_load -s columns -f "$TMP/$1.dump" "$b" 2>"$TMP/$1.load"
	else
		python3 "$TMP/mutate.py" "$TMP/$1.dump" columns "$2" &&
			mdb_load -s columns -f "$TMP/$1.dump" "$b" 2>"$TMP/$1.load"
	fi
	check "$1: altered with mdb_dump/mdb_load" 0 $?
	expect_damage "$1" columns
done

# The crash handler on a damaged index names the damage.
SAGASU_TEST_CRASH=1 "$S" stats -d "$TMP/bad-term-df" >/dev/null 2>"$TMP/crash.err"
check "crash on a damaged index: exit 1" 1 $?
grep -q '^sagasu crashed (a bug in sagasu unless the check below finds damage); checking the index:$' "$TMP/crash.err" &&
	grep -q '^sagasu: check: terms: term ' "$TMP/crash.err" &&
	grep -q 'is damaged, which can explain the crash' "$TMP/crash.err" &&
	! grep -q 'sound' "$TMP/crash.err" &&
	ok "crash on a damaged index: names the damage" ||
	fail "crash on a damaged index: $(cat "$TMP/crash.err")"

finish check
