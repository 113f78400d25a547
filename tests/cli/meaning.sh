#!/usr/bin/env bash
# What a user types finds what they mean (issue "Meaning", items 1 and 2;
# docs/RECALL.md, docs/QUERY.md Prefixes, docs/RANKING.md Blended units):
#   - inflections: 残る finds 残った and 残って in keyword mode, on both index
#     kinds, pruned and exhaustive alike; a katakana stem the ー rule cut
#     (サーバー設定) finds the ー spelling in context;
#   - word* ⊇ word for hundreds of random compound words (runs of 2-3 nouns
#     drawn from the fixtures, and from ../shared's JSQuAD when present), on
#     both index kinds; the issue's examples (パーミッション*, 環境変数*);
#   - a prefix scores as one unit: tests/bm25_ref.py --prefix recomputes the
#     blended BM25 independently; a rare expansion does not outrank the word;
#   - a loanword MeCab cuts (パートナ = パート + ナ) matches as a string only;
#   - a substring leaf of common bigrams reads a rare odd one too, matching
#     the same documents;
#   - sagasu bench --verify: pruned == exhaustive for inflected words and
#     prefixes, AND and --or, both kinds.
# Run by tests/run.sh (which sets SAGASU and SHARED); prints
# "meaning: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
HERE=$(cd "$(dirname "$0")/.." && pwd)
FIX=$HERE/fixtures
SEED=${SEED:-20261202}

ids() { cut -f3 | sort | tr '\n' ' ' | sed 's/ $//'; }
# found DIR [OPTION...] QUERY: the ids of every hit, sorted
found() { local d=$1; shift; "$S" search -d "$d" -k 1000 --format tsv "$@" 2>/dev/null | ids; }

# ---- an embedded corpus ------------------------------------------------------
cat >"$TMP/m.jsonl" <<'EOF'
{"id":"p1","title":"","body":"彼は東京に残った。"}
{"id":"p2","title":"","body":"雪がまだ残っている。"}
{"id":"p3","title":"","body":"最後まで残る。"}
{"id":"p4","title":"","body":"残高を確認する。"}
{"id":"s1","title":"設定ファイル","body":"設定ファイルの書き方。サーバー設定の例。"}
{"id":"s2","title":"","body":"サーバ設定の例。"}
{"id":"q1","title":"","body":"ファイルのパーミッションを変更する。パーミッション。"}
{"id":"q2","title":"","body":"パーミッションズという語。"}
{"id":"q3","title":"","body":"環境変数を設定する。環境変数PATH。"}
{"id":"q4","title":"","body":"環境変数群と環境。"}
{"id":"y1","title":"","body":"シンボリックリンクを作る。"}
{"id":"y2","title":"","body":"シンボリックリンクを消す。"}
{"id":"y3","title":"","body":"シンボリックリンクを辿る。"}
{"id":"y4","title":"","body":"シンボリックリンク・ファイル・ディレクトリ。"}
EOF
"$S" index -d "$TMP/m" "$TMP/m.jsonl" >/dev/null 2>&1 || fail "index the embedded corpus"
"$S" index -d "$TMP/mm" --no-substring "$TMP/m.jsonl" >/dev/null 2>&1 ||
	fail "index the embedded corpus --no-substring"

for ix in m mm; do
	L=$([ $ix = m ] && echo default || echo --no-substring)
	for ex in "" --exhaustive; do
		check "$L $ex 残る: the documents of 残った, 残って, 残る (not 残高)" "p1 p2 p3" \
			"$(found "$TMP/$ix" $ex 残る)"
		check "$L $ex '残る -東京': 残った in p1 excluded with it" "p2 p3" \
			"$(found "$TMP/$ix" $ex '残る -東京')"
		check "$L $ex サーバー設定: both spellings" "s1 s2" \
			"$(found "$TMP/$ix" $ex サーバー設定)"
	done
	t=$("$S" search -d "$TMP/$ix" --format json 残る 2>/dev/null |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], len(d["hits"]))')
	check "$L 残る: total 3 = its hits" "3 3" "$t"
	for w in パーミッション 環境変数 シンボリックリンク; do
		a=$(found "$TMP/$ix" "$w")
		b=$(found "$TMP/$ix" "$w*")
		if [ -n "$a" ] && python3 -c 'import sys; a=set(sys.argv[1].split()); b=set(sys.argv[2].split()); sys.exit(0 if a <= b else 1)' "$a" "$b"; then
			ok "$L $w* ⊇ $w ([$b] ⊇ [$a])"
		else
			fail "$L $w* ⊇ $w: [$b] vs [$a]"
		fi
	done
	check "$L パーミッション*: パー + ミッション… and パーミッションズ" "q1 q2" \
		"$(found "$TMP/$ix" 'パーミッション*')"
	# y4 holds only the rare expansion シンボリックリンク・ファイル・ディレクトリ
	# (df 1, against 3 for シンボリックリンク): blended, it scores with the
	# common expansion's idf, as every member does.
	top=$("$S" search -d "$TMP/$ix" --format json --explain 'シンボリック*' 2>/dev/null |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
idfs = {round(e["idf"], 12) for h in d["hits"] for e in h["explain"] if "(in " in e["term"]}
units = [e for h in d["hits"] for e in h["explain"] if e["term"].endswith("(one unit)")]
print(len(d["hits"]), len(idfs), len(units))')
	# one idf for the expansions (and, on a substring index, one for its string)
	check "$L シンボリック*: 4 hits, every expansion at one idf, one unit line each" \
		"$([ $ix = m ] && echo "4 2 4" || echo "4 1 4")" "$top"
done
check_index "$TMP/m"
check_index "$TMP/mm"

# ---- a loanword MeCab cuts: パートナ is パート + ナ (ナ read as the copula and
# dropped), so its terms (パート) do not stand for it; it matches as a string
# only, and finds what パートナー finds (the ー rule) but not パート alone.
cat >"$TMP/cut.jsonl" <<'EOF'
{"id":"t1","title":"","body":"リンクパートナの双方が対応する。"}
{"id":"t2","title":"","body":"私のパートナーである。"}
{"id":"t3","title":"","body":"各パートのファイルを並べる。"}
EOF
"$S" index -q -d "$TMP/cut" "$TMP/cut.jsonl" || fail "index the パートナ corpus"
for ex in "" --exhaustive; do
	check "パートナ $ex: the string, not パート alone" "t1 t2" \
		"$(found "$TMP/cut" $ex パートナ)"
	check "パートナー $ex: the same documents" "t1 t2" \
		"$(found "$TMP/cut" $ex パートナー)"
done

# ---- a substring leaf whose cover is common: abcd = ab + cd (offsets 0, 2),
# both in all 305 documents; the odd bigram bc (in 5) joins the leaf and
# drives it (docs/RECALL.md). It changes no match: abcd finds y0-y2, not
# the documents holding ab, cd or bc apart.
python3 -c '
import json
for i in range(300): print(json.dumps({"id": f"n{i}", "title": "", "body": f"ab and cd number {i}"}))
for i in range(3): print(json.dumps({"id": f"y{i}", "title": "", "body": f"the abcd word {i} ab cd"}))
for i in range(2): print(json.dumps({"id": f"z{i}", "title": "", "body": f"xbcx only {i} ab cd"}))
' >"$TMP/odd.jsonl"
"$S" index -q -d "$TMP/odd" "$TMP/odd.jsonl" || fail "index the abcd corpus"
for ex in "" --exhaustive; do
	check "abcd $ex: the three documents holding it" "y0 y1 y2" \
		"$(found "$TMP/odd" $ex abcd)"
	check "'abcd -xyz' $ex: the same" "y0 y1 y2" \
		"$(found "$TMP/odd" $ex 'abcd -xyz')"
done
check "abcd: its substring leaf reads ab, cd and the rare bc (df 5)" "ab cd bc 5" \
	"$("$S" search -d "$TMP/odd" --format json --explain -k 1 abcd 2>/dev/null |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(*[e["term"] + " " + str(e["df"]) for e in d["hits"][0]["explain"] if e["term"].startswith("ab ")])')"

# ---- blended prefix scores against an independent reference ------------------
for c in encyclopedia diary; do
	if out=$(python3 "$HERE/bm25_ref.py" --prefix --queries 150 --seed "$SEED" "$FIX/$c.jsonl" 2>&1); then
		ok "bm25_ref --prefix $c: $(echo "$out" | tail -1)"
	else
		fail "bm25_ref --prefix $c: $(echo "$out" | head -5)"
	fi
done

# ---- word* ⊇ word for random compound words ----------------------------------
cat >"$TMP/superset.py" <<'EOF'
"""superset.py CORPUS INDEX LABEL N SEED: draws N compound words (2-3
adjacent nouns of one line of the corpus, as `sagasu tokenize` cuts them),
runs `word` and `word*` through one `sagasu search --queries` call each and
checks hits(word*) ⊇ hits(word). Prints PASS/FAIL lines and the growth."""
import json, os, random, subprocess, sys
S = os.environ["SAGASU"]
corpus, index, label, n, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rng = random.Random(seed)
lines = []
for l in open(corpus, encoding="utf-8"):
    if l.strip():
        d = json.loads(l)
        lines += [x for f in ("title", "body") for x in (d.get(f) or "").split("\n") if x.strip()]
rng.shuffle(lines)
lines = lines[:3000]
o = subprocess.run([S, "tokenize"], input="".join(x + "\n" for x in lines).encode(),
                   capture_output=True, check=True).stdout.decode()
toks = [l.split("\t") for l in o.splitlines()]
words, seen = [], set()
SYNTAX = set(' "“”()（）*＊\\-')
raw = "".join(x + "\n" for x in lines).encode()
for i in range(len(toks) - 3):
    k = rng.choice((2, 3))
    run = toks[i:i + k]
    if len(run) < k or any(len(t) < 5 or not t[4].startswith("名詞") for t in run):
        continue
    if any(int(run[j + 1][1]) != int(run[j][1]) + 1 for j in range(k - 1)):
        continue
    w = raw[int(run[0][2]):int(run[-1][3])].decode("utf-8", "replace")
    if not w or w in seen or set(w) & SYNTAX or w.upper() == "OR" or w[0] == "-":
        continue
    seen.add(w)
    words.append(w)
rng.shuffle(words)
words = words[:n]
def run_queries(qs):
    qf = index + ".q.tsv"
    with open(qf, "w", encoding="utf-8") as f:
        for i, q in enumerate(qs):
            f.write(f"q{i}\t{q}\n")
    r = subprocess.run([S, "search", "-d", index, "-k", "100000", "--format", "tsv",
                        "--snippet", "0", "--queries", qf], capture_output=True)
    if r.returncode != 0:
        print("FAIL\t%s: search --queries exited %d: %s" % (label, r.returncode, r.stderr.decode()[-300:]))
        sys.exit(0)
    hits = {}
    for line in r.stdout.decode().splitlines():
        qid, _, did, _ = line.split("\t")
        hits.setdefault(qid, set()).add(did)
    return [hits.get(f"q{i}", set()) for i in range(len(qs))]
a = run_queries(words)
b = run_queries([w + "*" for w in words])
bad = [(w, len(x), len(y), sorted(x - y)[:3]) for w, x, y in zip(words, a, b) if not x <= y]
grew = sum(1 for x, y in zip(a, b) if len(y) > len(x))
nonempty = sum(1 for x in a if x)
if len(words) < n // 2:
    print("FAIL\t%s: only %d compound words drawn" % (label, len(words)))
elif bad:
    print("FAIL\t%s: word* misses documents of word for %d of %d words, e.g. %r" % (label, len(bad), len(words), bad[:3]))
else:
    print("PASS\t%s: word* ⊇ word for %d compound words (%d with hits; word* finds more for %d)"
          % (label, len(words), nonempty, grew))
EOF
superset() { # CORPUS LABEL N
	local c=$1 L=$2 n=$3 kind
	for kind in default no-substring; do
		rm -rf "$TMP/sup"
		if [ $kind = default ]; then
			"$S" index -d "$TMP/sup" "$c" >/dev/null 2>&1 || fail "$L: index"
		else
			"$S" index -d "$TMP/sup" --no-substring "$c" >/dev/null 2>&1 || fail "$L: index"
		fi
		python3 "$TMP/superset.py" "$c" "$TMP/sup" "$L $kind" "$n" "$SEED" >"$TMP/sup.out" 2>&1 ||
			fail "$L $kind: superset.py crashed: $(tail -3 "$TMP/sup.out")"
		while IFS=$'\t' read -r st msg; do
			case "$st" in PASS) ok "$msg" ;; FAIL) fail "$msg" ;; *) echo "     $st $msg" ;; esac
		done <"$TMP/sup.out"
	done
}
cat "$FIX/encyclopedia.jsonl" "$FIX/diary.jsonl" >"$TMP/fix.jsonl"
superset "$TMP/fix.jsonl" fixtures 200
if have_shared corpus/jsquad/docs.jsonl; then
	head -1500 "$SHARED/corpus/jsquad/docs.jsonl" >"$TMP/js.jsonl"
	superset "$TMP/js.jsonl" jsquad1500 300
fi

# ---- pruned == exhaustive -----------------------------------------------------
printf 'v1\t残る\nv2\t設定ファイル*\nv3\t残る 東京\nv4\tパーミッション* 変更\nv5\t環境*\nv6\tサーバー設定\nv7\t使う\nv8\t書く -設定\n' >"$TMP/v.tsv"
for ix in m mm; do
	for mode in "" --or; do
		for k in 1 3 10; do
			out=$("$S" bench -d "$TMP/$ix" --verify -k $k $mode --queries "$TMP/v.tsv" 2>&1)
			if echo "$out" | grep -qE "verify +0 mismatches"; then
				ok "bench --verify $ix ${mode:-and} k=$k: 0 mismatches"
			else
				fail "bench --verify $ix ${mode:-and} k=$k: $(echo "$out" | tail -3)"
			fi
		done
	done
done
finish meaning
