#!/usr/bin/env bash
# Hostile queries (issue 10, "Every query costs what it reads"; docs/QUERY.md,
# "Exclusions" and "Limits"): against an index of 3,000 documents generated
# here from a word list (no ../shared needed), of both kinds (--no-substring
# with blocks of 8 postings, and the default substring index), each of these
# must finish in a few seconds with a clear answer or a clear error:
#   - only exclusions: -各項 -工場, (-各項) (-工場), -各項 OR -工場 are refused
#     with the message of -工場; a OR -b is refused with its own message;
#   - 10,000 words (present, and absent), 10,001 words (SG_ETOOBIG);
#   - 300 one-character prefixes;
#   - 64 levels of nested groups (AND, OR, NOT), and 65 (SG_ETOOBIG);
#   - a 500-word phrase, and a phrase too long to read (SG_ETOOBIG);
#   - a corrupted postings block or term record: exit 1 with a message that
#     names the database, the key and the fault (mdb_dump/mdb_load);
#   - sagasu bench names the slowest query of a set.
# Expected totals are computed here from the generated text (every word of the
# list is one morpheme, so substring and morpheme matching agree on it).
# Run by tests/run.sh (which sets SAGASU); prints "hostile: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
LIMIT=5 # seconds a query may take here (the timeout below is 20)
POSITIVE="a query needs at least one word that is not excluded with '-'"

python3 - "$TMP" <<'EOF'
import json, sys
tmp = sys.argv[1]
WORDS = """東京 大阪 京都 工場 各項 会社 学校 電車 研究 開発 技術 情報 経済 政治
文化 歴史 地域 社会 環境 問題 市場 製品 品質 生産 機械 設備 作業 安全 管理 計画
予算 報告 調査 結果 方法 理由 目的 意見 説明 資料 会議 担当 部長 社員 顧客 商品
価格 販売 輸出 輸入 港 空港 駅 道路 橋 川 山 海 島 森 公園 図書館 病院 医者
さくら あさがお いちご うさぎ えんぴつ おにぎり かばん きつね くるま けいと こども
さかな しまうま すいか せんせい そら たまご ちず つくえ てがみ とけい なまえ
にんじん ぬいぐるみ ねこ のはら はさみ ひこうき ふね へや ほん まど みかん むし
めがね もり やま ゆき よる らっぱ りんご れんこん ろうそく わに""".split()
N = 3000
x = 20240611
def rnd(m):  # a fixed LCG: the corpus is the same on every machine
    global x
    x = (x * 1103515245 + 12345) % 2147483648
    return (x >> 8) % m
PHRASE = [WORDS[(i * 7) % len(WORDS)] for i in range(500)]
docs = []
for d in range(N):
    parts = []
    for i in range(8 + rnd(25)):
        parts.append(WORDS[rnd(len(WORDS))] + ("の" if rnd(3) == 0 else "と" if rnd(2) else "、"))
    body = "".join(parts) + "。"
    if d == N // 2:
        body = "".join(PHRASE) + "。"   # the one document holding the phrase
    docs.append({"id": "d%05d" % d, "title": WORDS[rnd(len(WORDS))] + "について", "body": body})
with open(tmp + "/docs.jsonl", "w", encoding="utf-8") as f:
    for d in docs:
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
text = [d["title"] + "\n" + d["body"] for d in docs]
has = lambda w: {i for i, t in enumerate(text) if w in t}
ALL = set(range(N))
def q(name, s):
    open(tmp + "/" + name + ".q", "w", encoding="utf-8").write(s + "\n")
def expect(name, ids):
    open(tmp + "/" + name + ".want", "w").write("%d\n" % len(ids))
q("words", " ".join(WORDS[(i * 13) % len(WORDS)] for i in range(10000)))
expect("words", set.intersection(*[has(w) for w in WORDS]))
q("words10001", " ".join(WORDS[(i * 13) % len(WORDS)] for i in range(10001)))
q("absent", " ".join("語%d" % i for i in range(10000)))
hira = [chr(c) for c in range(0x3042, 0x3094)]
kanji = sorted(set(w[0] for w in WORDS))
q("prefixes", " ".join(p + "*" for p in ((hira + kanji) * 3)[:300]))
# 64 levels: (w0 OR (w1 (w2 OR (w3 ... こども)))), OR at even levels
DEPTH = 64
q("deep", "".join(("(%s OR " if i % 2 == 0 else "(%s ") % WORDS[i % 40] for i in range(DEPTH))
  + "こども" + ")" * DEPTH)
s = has("こども")
for i in reversed(range(DEPTH)):
    s = has(WORDS[i % 40]) | s if i % 2 == 0 else has(WORDS[i % 40]) & s
expect("deep", s)
q("deep65", "(" * 65 + "東京" + ")" * 65)
# 63 levels of exclusion: (w0 -(w1 -(w2 ... -(こども))))
q("deepnot", "".join("(%s -" % WORDS[i % 40] for i in range(63)) + "(こども)" + ")" * 63)
s = has("こども")
for i in reversed(range(63)):
    s = has(WORDS[i % 40]) - s
expect("deepnot", s)
q("phrase", '"' + " ".join(PHRASE) + '"')
q("longphrase", '"' + " ".join(PHRASE * 70) + '"')
# shared leaves under groups (a word in two places): each place matches alone
q("shared1", "会社 OR (大阪 (京都 OR 会社))")
expect("shared1", has("会社") | (has("大阪") & (has("京都") | has("会社"))))
q("shared2", "大阪 (京都 OR (会社 (大阪 OR 東京)))")
expect("shared2", has("大阪") & (has("京都") | (has("会社") & (has("大阪") | has("東京")))))
q("shared3", "大阪 -(京都 -(会社 -大阪))")
expect("shared3", has("大阪") - (has("京都") - (has("会社") - has("大阪"))))
expect("notkoujou", has("東京") - has("工場"))
expect("koujou", has("工場"))
EOF

"$S" index -d "$TMP/ns" --no-substring --block-size 8 "$TMP/docs.jsonl" >/dev/null 2>&1
check "index --no-substring --block-size 8 (3000 documents)" 0 $?
"$S" index -d "$TMP/sub" "$TMP/docs.jsonl" >/dev/null 2>&1
check "index with substrings (3000 documents)" 0 $?

# q IX NAME ARGS...: one search with a timeout; leaves $TMP/out, $TMP/err,
# $RC and $MS (milliseconds), and fails the check when it took too long.
q() {
	local ix=$1 name=$2 t0 t1
	shift 2
	t0=$(date +%s%N)
	timeout 20 "$S" search -d "$TMP/$ix" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	t1=$(date +%s%N)
	MS=$(((t1 - t0) / 1000000))
	if [ "$MS" -gt $((LIMIT * 1000)) ]; then
		fail "$ix $name: took $MS ms (more than $LIMIT s; status $RC)"
	fi
}
# qq IX QUERY ARGS...: q with the query read from a file (--queries), so that
# a query starting with '-' is never taken for an option
qq() {
	local ix=$1 query=$2
	shift 2
	printf '%s\n' "$query" >"$TMP/one.q"
	q "$ix" "$query" "$@" --queries "$TMP/one.q"
}
# total: the "total" of the JSON answer in $TMP/out
total() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$TMP/out" 2>/dev/null; }
# err_is NAME EXPECTED: exit 1 and exactly that message for query 1
err_is() {
	if [ "$RC" -eq 1 ] && [ "$(cat "$TMP/err")" = "sagasu: search: query 1: $2" ]; then
		ok "$1: refused in $MS ms"
	else
		fail "$1: status $RC, expected 1 with [$2]; got [$(head -c 300 "$TMP/err")]"
	fi
}
# err_has NAME PATTERN: exit 1 and a message matching PATTERN (grep -E)
err_has() {
	if [ "$RC" -eq 1 ] && grep -Eq "$2" "$TMP/err"; then
		ok "$1: refused in $MS ms: $(head -c 160 "$TMP/err")"
	else
		fail "$1: status $RC, expected 1 with /$2/; got [$(head -c 300 "$TMP/err")]"
	fi
}
# total_is NAME EXPECTED: exit 0 and that total
total_is() {
	local t
	t=$(total)
	if [ "$RC" -eq 0 ] && [ "$t" = "$2" ]; then
		ok "$1: total $t in $MS ms"
	else
		fail "$1: status $RC, total [$t], expected 0 and $2; $(head -c 300 "$TMP/err")"
	fi
}
# hits_is NAME N: exit 0 and N hits in the TSV answer
hits_is() {
	local n
	n=$(wc -l <"$TMP/out")
	if [ "$RC" -eq 0 ] && [ "$n" -eq "$2" ]; then
		ok "$1: $n hits in $MS ms"
	else
		fail "$1: status $RC, $n hits, expected 0 and $2; $(head -c 300 "$TMP/err")"
	fi
}

for ix in ns sub; do
	# ---- the positivity rule: every shape of "only exclusions"
	for query in "-工場" "-各項 -工場" "(-各項) (-工場)" "-各項 OR -工場" \
		"((-各項) -工場)" "-(東京) -(大阪 京都)" "東京 -(-工場)"; do
		qq $ix "$query"
		err_is "$ix [$query]" "$POSITIVE"
	done
	qq $ix "-各項 -工場" --or
	err_is "$ix [-各項 -工場] --or" "$POSITIVE"
	# a OR -b: refused in keyword mode; in --or mode it is a -b
	qq $ix "東京 OR -工場"
	err_is "$ix [東京 OR -工場]" "column 7: an exclusion cannot be a side of OR ('a OR -b' would match nearly every document): to exclude b, write 'a -b'"
	qq $ix "東京 OR -工場" --or -k 5000 --format json
	total_is "$ix [東京 OR -工場] --or = 東京 -工場" "$(cat "$TMP/notkoujou.want")"
	# an exclusion that is legal walks its list forward once
	qq $ix "東京 -工場" -k 5000 --format json
	total_is "$ix [東京 -工場]" "$(cat "$TMP/notkoujou.want")"
	qq $ix "工*" -k 5000 --format json
	total_is "$ix [工*] (工場 is the only word of 工)" "$(cat "$TMP/koujou.want")"

	# ---- 10,000 words
	q $ix "10,000 words" -k 5000 --format json --queries "$TMP/words.q"
	if [ $ix = sub ]; then
		total_is "$ix 10,000 words (every word of the list: the phrase document)" "$(cat "$TMP/words.want")"
	else
		# the phrase document's run-together text need not split into
		# the list's words: a clear answer, whichever it is
		[ "$RC" -eq 0 ] && ok "$ix 10,000 words: total $(total) in $MS ms" ||
			fail "$ix 10,000 words: status $RC: $(head -c 300 "$TMP/err")"
	fi
	q $ix "10,000 words --or" --or -k 10 --format tsv --queries "$TMP/words.q"
	hits_is "$ix 10,000 words --or" 10
	q $ix "10,000 absent words" -k 10 --format tsv --queries "$TMP/absent.q"
	hits_is "$ix 10,000 absent words" 0
	q $ix "10,001 words" -k 10 --format tsv --queries "$TMP/words10001.q"
	err_has "$ix 10,001 words" "^sagasu: search: query 1: column [0-9]+: .*10000"

	# ---- 300 one-character prefixes
	q $ix "300 prefixes" -k 10 --format json --queries "$TMP/prefixes.q"
	total_is "$ix 300 one-character prefixes (some expand to nothing)" 0
	q $ix "300 prefixes --or" --or -k 10 --format tsv --queries "$TMP/prefixes.q"
	hits_is "$ix 300 one-character prefixes --or" 10

	# ---- deep groups
	q $ix "64 levels" -k 5000 --format json --queries "$TMP/deep.q"
	total_is "$ix 64 levels of groups, OR and AND alternating" "$(cat "$TMP/deep.want")"
	q $ix "63 levels of exclusion" -k 5000 --format json --queries "$TMP/deepnot.q"
	if [ $ix = sub ]; then
		total_is "$ix 63 nested exclusions" "$(cat "$TMP/deepnot.want")"
	else # a word of the list may stand inside a longer morpheme here
		[ "$RC" -eq 0 ] && ok "$ix 63 nested exclusions: total $(total) in $MS ms" ||
			fail "$ix 63 nested exclusions: status $RC: $(head -c 300 "$TMP/err")"
	fi
	# a document's score is every matching word's, wherever the word
	# stands: the same under "東京 OR (大阪 京都)" as under "東京 OR 大阪 OR
	# 京都" (the AND under the OR once moved 大阪 past documents it held)
	for pair in "東京 OR (大阪 京都)|東京 OR 大阪 OR 京都" \
		"会社 OR (大阪 (京都 OR 会社))|会社 OR 大阪 OR 京都"; do
		qq $ix "${pair%%|*}" -k 5000 --format json
		cp "$TMP/out" "$TMP/grouped.json"
		qq $ix "${pair#*|}" -k 5000 --format json
		check "$ix [${pair%%|*}]: every hit scores as under [${pair#*|}]" "0 differ" "$(python3 -c '
import json, sys
a = {h["id"]: h["score"] for h in json.load(open(sys.argv[1]))["hits"]}
b = {h["id"]: h["score"] for h in json.load(open(sys.argv[2]))["hits"]}
print(sum(1 for i in a if i not in b or abs(a[i] - b[i]) > 1e-9 * max(1.0, abs(b[i]))), "differ", end="")
' "$TMP/grouped.json" "$TMP/out" 2>&1)"
	done
	for name in shared1 shared2 shared3; do
		for ex in "" --exhaustive; do
			q $ix "$name" -k 5000 --format json $ex --queries "$TMP/$name.q"
			total_is "$ix [$(cat "$TMP/$name.q")] $ex" "$(cat "$TMP/$name.want")"
		done
	done
	q $ix "65 levels" -k 10 --queries "$TMP/deep65.q"
	err_has "$ix 65 levels" "^sagasu: search: query 1: column 65: "

	# ---- phrases
	q $ix "500-word phrase" -k 10 --format tsv --queries "$TMP/phrase.q"
	if [ $ix = sub ]; then
		# the substring leaf confirms the string: exactly its document
		check "sub 500-word phrase: the one document holding it ($MS ms)" \
			"0 d01500" "$RC $(cut -f3 "$TMP/out" | tr '\n' ' ' | sed 's/ $//')"
	else
		# morphemes of the words one by one need not be those of the
		# run-together text: a clear answer, whichever it is
		[ "$RC" -eq 0 ] && ok "ns 500-word phrase: answered in $MS ms ($(wc -l <"$TMP/out") hits)" ||
			fail "ns 500-word phrase: status $RC: $(head -c 300 "$TMP/err")"
	fi
	q $ix "35,000-word phrase" -k 10 --queries "$TMP/longphrase.q"
	err_has "$ix 35,000-word phrase" "^sagasu: search: query 1: the query reads more than 32768 posting lists"
done

# ---- damage found at search time
if ! command -v mdb_dump >/dev/null || ! command -v mdb_load >/dev/null; then
	fail "mdb_dump and mdb_load are missing (Debian's lmdb-utils; scripts/setup.sh installs it)"
else
	# corrupt DIR TERM MODE: rewrites the first postings block of TERM (MODE
	# n0, rise, past, trunc) or its term record (termrec); prints the termid
	# and the block's first docid
	cat >"$TMP/corrupt.py" <<'EOF'
import subprocess, sys
d, term, mode = sys.argv[1], sys.argv[2], sys.argv[3]
def dump(db):
    out = subprocess.run(["mdb_dump", "-s", db, d], capture_output=True, text=True, check=True).stdout.split("\n")
    h = out.index("HEADER=END")
    recs = [(out[i].strip(), out[i + 1].strip()) for i in range(h + 1, len(out) - 1, 2)
            if out[i].strip() != "DATA=END"]
    return out[:h + 1], recs
def load(db, header, recs):
    text = "\n".join(header + [" " + k + "\n " + v for k, v in recs] + ["DATA=END", ""])
    subprocess.run(["mdb_load", "-s", db, d], input=text, text=True, check=True,
                   stderr=subprocess.DEVNULL)
def varint(b, i):
    x = s = 0
    while True:
        c = b[i]; i += 1
        x |= (c & 0x7f) << s; s += 7
        if c < 0x80:
            return x, i
def enc(x):
    o = bytearray()
    while x >= 0x80:
        o.append(x & 0x7f | 0x80); x >>= 7
    o.append(x)
    return bytes(o)
th, trs = dump("terms")
key = term.encode().hex()
termid = varint(bytes.fromhex(dict(trs)[key]), 0)[0]
if mode == "termrec":
    load("terms", th, [(key, "ffffff")])
    print(termid)
    sys.exit(0)
ph, prs = dump("postings")
k, v = next((k, v) for k, v in prs if int(k[:8], 16) == termid)
first, b = int(k[8:16], 16), bytes.fromhex(v)
n, i = varint(b, 0); lg, j = varint(b, i); mt, i = varint(b, j); md, i = varint(b, i)
if mode == "n0":
    b = b"\x00" + b[1:]                      # a block of 0 postings
elif mode == "rise":
    b = b[:i] + b"\x00" + b[i + 1:]          # the first gap 0
elif mode == "past":
    b = enc(n) + enc(lg + 10**6) + b[j:]     # the last docid far away
elif mode == "trunc":
    b = b[:1]                                # the header cut short
load("postings", ph, [(k, b.hex())])
print(termid, first)
EOF
	for ix in ns sub; do
		for mode in n0 rise past trunc termrec; do
			rm -rf "$TMP/c"
			cp -a "$TMP/$ix" "$TMP/c"
			read -r tid first < <(python3 "$TMP/corrupt.py" "$TMP/c" 工場 $mode)
			case $mode in
			n0) want="postings: term $tid block at docid $first: it holds 0 postings \(1 to 128 expected\)" ;;
			rise) want="postings: term $tid block at docid $first: docids do not rise \(gap 1 is 0\)" ;;
			past) want="postings: term $tid block at docid $first: docid [0-9]+ is past the index's last docid \(next_docid 3001\)" ;;
			trunc) want="postings: term $tid block at docid $first: the header does not decode \(1 bytes\)" ;;
			termrec) want="terms: term '工場': the record \(3 bytes\) does not decode" ;;
			esac
			qq c "工場" -k 10
			err_has "$ix corrupted $mode: 工場" "^sagasu: search: .*/c: $want; rebuild the index\$"
			qq c "東京 -工場" -k 10
			err_has "$ix corrupted $mode: 東京 -工場 (the exclusion reads it)" "$want"
		done
	done
	# random bytes in the term's first blocks: an answer or SG_ECORRUPT
	for seed in 1 2 3 4 5 6 7 8; do
		rm -rf "$TMP/c"
		cp -a "$TMP/ns" "$TMP/c"
		python3 - "$TMP/c" "$seed" <<'EOF' || fail "random corruption $seed: could not rewrite"
import random, subprocess, sys
d, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
out = subprocess.run(["mdb_dump", "-s", "postings", d], capture_output=True, text=True, check=True).stdout.split("\n")
h = out.index("HEADER=END")
recs = [(out[i].strip(), out[i + 1].strip()) for i in range(h + 1, len(out) - 1, 2) if out[i].strip() != "DATA=END"]
bad = []
for k, v in rng.sample(recs, 40):
    b = bytearray.fromhex(v)
    for _ in range(1 + rng.randrange(3)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    bad.append((k, b.hex()))
text = "\n".join(out[:h + 1] + [" " + k + "\n " + v for k, v in bad] + ["DATA=END", ""])
subprocess.run(["mdb_load", "-s", "postings", d], input=text, text=True, check=True, stderr=subprocess.DEVNULL)
EOF
		n_bad=0
		for query in 東京 工場 "東京 -工場" "さ*" "東京 OR 大阪 OR 京都 OR 会社"; do
			for mode in "" --or; do
				qq c "$query" -k 20 $mode
				if [ "$RC" -eq 1 ] && grep -q "rebuild the index" "$TMP/err"; then
					n_bad=$((n_bad + 1))
				elif [ "$RC" -ne 0 ]; then
					fail "random corruption $seed [$query] $mode: status $RC: $(head -c 300 "$TMP/err")"
				fi
			done
		done
		ok "random corruption $seed: 10 searches, each an answer or SG_ECORRUPT ($n_bad refused)"
	done
fi

# ---- sagasu bench names the slowest query of a set
printf '1\t東京\n2\t東京 大阪\n3\t%s\n' "$(cat "$TMP/words.q")" >"$TMP/set.tsv"
timeout 60 "$S" bench -d "$TMP/sub" --queries "$TMP/set.tsv" >"$TMP/bench.out" 2>&1
check "bench: status" 0 $?
if grep -Eq "^slowest +[0-9.]+ us +query 3: 東京 政治 作業 " "$TMP/bench.out"; then
	ok "bench: the slowest query is the 10,000-word one: $(grep '^slowest' "$TMP/bench.out" | cut -c1-80)"
else
	fail "bench: no 'slowest ... query 3: ...' line: $(head -c 600 "$TMP/bench.out")"
fi
timeout 60 "$S" bench -d "$TMP/sub" --json --queries "$TMP/set.tsv" >"$TMP/bench.json" 2>&1
check "bench --json: the slowest query's id and text" "3 10000" "$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(j["slowest_query"]["id"], len(j["slowest_query"]["text"].split()), end="")
assert j["slowest_query"]["us"] == j["max_us"]' "$TMP/bench.json" 2>&1)"

finish hostile
