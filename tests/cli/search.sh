#!/usr/bin/env bash
# End-to-end tests of `sagasu search` and `sagasu bench --verify`: matching
# (words split into phrases, NOT, phrases, prefixes), the output formats,
# --explain, errors and notices, BM25 against an independent reference
# (tests/bm25_ref.py) and pruned-vs-exhaustive agreement on ~1000 random
# queries with blocks of 8 postings.
#   - embedded fixtures (always, tests/fixtures/): the クラスター cases on
#     diary.jsonl, with what to expect counted by python from the text; BM25
#     and pruned == exhaustive on encyclopedia.jsonl + diary.jsonl
#   - ../shared: the same on hatena-cluster and jsquad
# Run by tests/run.sh (which sets SAGASU and SHARED); prints
# "search: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
HERE=$(cd "$(dirname "$0")/.." && pwd)
SEED=${SEED:-20240521}
CLUSTER=$SHARED/corpus/hatena-cluster.jsonl
JSQUAD=$SHARED/corpus/jsquad/docs.jsonl

# ids FILE.json: the hit ids of one JSON answer, one a line, sorted
ids() { python3 -c 'import json,sys; [print(h["id"]) for h in json.load(open(sys.argv[1]))["hits"]]' "$1" | sort; }
# search_json OUT QUERY...: all hits (-k 1000) as JSON, from the index $IX
search_json() { local out=$1; shift; "$S" search -d "$IX" -k 1000 --format json "$@" >"$out" 2>"$out.err"; }

# cluster_cases LABEL CORPUS N_MORPH N_INSIDE: the クラスター cases on a
# --no-substring index of CORPUS, where N_MORPH documents hold クラスター as its
# own word (クラ スター) and N_INSIDE others hold it only inside a longer token.
cluster_cases() {
	local L=$1 CORPUS=$2 NM=$3 NI=$4 IX=$TMP/hx-$1 q rc mode r
	# The morpheme engine of the query issue: a --no-substring index (the
	# substring recall on top of it has its own suite, recall.sh).
	"$S" index -d "$IX" --no-substring "$CORPUS" >/dev/null 2>&1 || fail "$L: index"
	# Per document (input order): id TAB its indexed terms (title then body).
	python3 - "$CORPUS" "$TMP/terms.tsv" <<'EOF'
import json, os, subprocess, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
flat = lambda s: (s or "").replace("\r", " ").replace("\n", " ")
inp = "".join(flat(d.get("title")) + "\n" + flat(d.get("body")) + "\n" for d in docs)
out = subprocess.run([os.environ["SAGASU"], "tokenize", "--lines"], input=inp,
                     capture_output=True, text=True, check=True).stdout.split("\n")
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for i, d in enumerate(docs):
        f.write(d["id"] + "\t" + out[2 * i] + " " + out[2 * i + 1] + "\n")
EOF
	# docs_with PYEXPR: ids of documents whose term list t satisfies PYEXPR
	docs_with() {
		python3 -c '
import sys
for line in open(sys.argv[1], encoding="utf-8"):
    i, _, rest = line.rstrip("\n").partition("\t")
    t = rest.split()
    seq = lambda *w: any(t[j:j + len(w)] == list(w) for j in range(len(t)))
    if eval(sys.argv[2]):
        print(i)' "$TMP/terms.tsv" "$1" | sort
	}

	python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l)
    if "クラスター" in (d.get("title") or "") + "\n" + (d.get("body") or ""):
        print(d["id"])' "$CORPUS" | sort >"$TMP/has.ids"

	# ---- a word of several terms is a phrase: クラスター = クラ スター
	search_json "$TMP/c.json" クラスター
	check "$L クラスター: total" "$NM" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$TMP/c.json")"
	ids "$TMP/c.json" >"$TMP/c.ids"
	docs_with 'seq("クラ", "スター")' >"$TMP/pair.ids"
	docs_with 'not seq("クラ", "スター")' | comm -12 - "$TMP/has.ids" >"$TMP/nopair.ids"
	check "$L クラスター: $NI documents hold it only inside longer tokens" "$NI" "$(wc -l <"$TMP/nopair.ids")"
	check "$L クラスター: exactly the documents with クラ スター adjacent" \
		"$(cat "$TMP/pair.ids")" "$(cat "$TMP/c.ids")"
	check "$L クラスター: none of the $NI longer-token documents" "" \
		"$(comm -12 "$TMP/c.ids" "$TMP/nopair.ids")"

	# ---- NOT
	search_json "$TMP/n.json" クラスター -コロナ
	docs_with '"コロナ" not in t' >"$TMP/nocorona.ids"
	check "$L クラスター -コロナ: those of the $NM without the term コロナ" \
		"$(comm -12 "$TMP/c.ids" "$TMP/nocorona.ids")" "$(ids "$TMP/n.json")"

	# ---- phrase
	search_json "$TMP/p.json" '"クラスター 発生"'
	ids "$TMP/p.json" >"$TMP/p.ids"
	docs_with 'seq("クラ", "スター", "発生")' >"$TMP/seq.ids"
	if [ -s "$TMP/p.ids" ] && [ -z "$(comm -23 "$TMP/p.ids" "$TMP/seq.ids")" ]; then
		ok "$L \"クラスター 発生\": $(wc -l <"$TMP/p.ids") hits, all with クラ スター 発生 in sequence"
	else
		fail "$L \"クラスター 発生\": hits [$(tr '\n' ' ' <"$TMP/p.ids")] not within [$(tr '\n' ' ' <"$TMP/seq.ids")]"
	fi

	# ---- prefix
	search_json "$TMP/x.json" 'クラ*'
	docs_with 'any(w.startswith("クラ") for w in t)' >"$TMP/pre.ids"
	check "$L クラ*: every document with a term starting with クラ" "" \
		"$(comm -23 "$TMP/pre.ids" <(ids "$TMP/x.json"))"

	# ---- JSON
	"$S" search -d "$IX" -k 5 --format json クラスター >"$TMP/j.json" 2>/dev/null
	r=$(python3 - "$TMP/j.json" "$NM" <<'EOF' 2>&1
import json, sys
o = json.load(open(sys.argv[1], encoding="utf-8"))
for key in ("query", "took_us", "total", "hits"):
    assert key in o, "no " + key
assert o["query"] == "クラスター", o["query"]
assert isinstance(o["took_us"], int) and o["total"] == int(sys.argv[2]), o["total"]
assert len(o["hits"]) == 5, len(o["hits"])
last = None
for h in o["hits"]:
    for key in ("id", "score", "title", "snippet", "highlights"):
        assert key in h, "hit without " + key
    if last is not None:
        assert h["score"] <= last, "scores not descending"
    last = h["score"]
    snip = h["snippet"].encode("utf-8")
    assert h["highlights"], "no highlight in " + h["id"]
    for s, e in h["highlights"]:
        assert 0 <= s < e <= len(snip), "highlight %d-%d outside %d bytes" % (s, e, len(snip))
        assert snip[s:e].decode("utf-8") == "クラスター", snip[s:e]
print("ok")
EOF
)
	check "$L JSON: query, took_us, total, hits[] with highlights on クラスター" ok "$r"

	# ---- TSV and TREC
	"$S" search -d "$IX" -k 20 --format tsv クラスター >"$TMP/t.tsv" 2>/dev/null
	check "$L TSV: qid 1, ranks 1..$NM, 4 fields" ok "$(awk -F'\t' -v n="$NM" 'NF != 4 || $1 != "1" || $2 != NR || $4 !~ /^[0-9.]+$/ { bad = 1 } END { print (bad || NR != n) ? "bad (" NR " lines)" : "ok" }' "$TMP/t.tsv")"
	check "$L TSV: ids as in JSON" "$(cat "$TMP/c.ids")" "$(cut -f3 "$TMP/t.tsv" | sort)"
	"$S" search -d "$IX" -k 20 --format trec クラスター >"$TMP/t.trec" 2>/dev/null
	check "$L TREC: qid Q0 id rank score sagasu" ok "$(awk -v n="$NM" 'NF != 6 || $1 != "1" || $2 != "Q0" || $4 != NR || $6 != "sagasu" { bad = 1 } END { print (bad || NR != n) ? "bad (" NR " lines)" : "ok" }' "$TMP/t.trec")"

	# ---- --explain
	"$S" search -d "$IX" -k 3 --explain クラスター >"$TMP/e.txt" 2>&1
	if grep -q "tf=[0-9]* df=$NM idf=[0-9.]* score=" "$TMP/e.txt"; then ok "$L --explain: tf, df=$NM, idf"; else fail "$L --explain: no tf/df/idf line: $(head -c 300 "$TMP/e.txt")"; fi
	"$S" search -d "$IX" -k 1 --explain --format json クラスター >"$TMP/e.json" 2>/dev/null
	check "$L --explain: names the leaf (JSON explain[].term: its terms)" "クラ スター" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hits"][0]["explain"][0]["term"])' "$TMP/e.json" 2>&1)"

	# ---- errors and notices
	"$S" search -d "$IX" '(a' >"$TMP/err.out" 2>&1; rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q column "$TMP/err.out"; then ok "$L '(a': error with a column"; else fail "$L '(a': status $rc, $(cat "$TMP/err.out")"; fi
	for q in '' 'の'; do
		"$S" search -d "$IX" "$q" >"$TMP/q.out" 2>"$TMP/q.err"; rc=$?
		if [ $rc -lt 128 ] && [ -s "$TMP/q.err" ] && ! grep -q '^ *1\.' "$TMP/q.out"; then
			ok "$L query '$q': notice, no hits, status $rc"
		else
			fail "$L query '$q': status $rc, stdout [$(head -c 200 "$TMP/q.out")] stderr [$(head -c 200 "$TMP/q.err")]"
		fi
	done

	# ---- BM25 against the reference
	for mode in "" --or; do
		if python3 "$HERE/bm25_ref.py" --index "$IX" --queries 200 --seed "$SEED" $mode "$CORPUS" >"$TMP/ref.out" 2>&1; then
			ok "bm25_ref $L ${mode:-and}: $(tail -1 "$TMP/ref.out")"
		else
			fail "bm25_ref $L ${mode:-and}: $(head -5 "$TMP/ref.out")"
		fi
	done
}

# ranking_cases LABEL CORPUS: BM25 against tests/bm25_ref.py on the first 500
# documents of CORPUS, and pruned == exhaustive (bench --verify) on all of it.
ranking_cases() {
	local L=$1 CORPUS=$2 mode ix k rc v
	head -500 "$CORPUS" >"$TMP/js500.jsonl"
	"$S" index -d "$TMP/j500-$L" --no-substring "$TMP/js500.jsonl" >/dev/null 2>&1 || fail "$L: index its first 500"
	for mode in "" --or; do
		if python3 "$HERE/bm25_ref.py" --index "$TMP/j500-$L" --queries 200 --seed "$SEED" $mode "$TMP/js500.jsonl" >"$TMP/ref.out" 2>&1; then
			ok "bm25_ref $L[:500] ${mode:-and}: $(tail -1 "$TMP/ref.out")"
		else
			fail "bm25_ref $L[:500] ${mode:-and}: $(head -5 "$TMP/ref.out")"
		fi
	done

	# ---- pruned == exhaustive, blocks of 8 postings so that blocks are crossed
	rm -rf "$TMP/jb" "$TMP/jbn"
	"$S" index -d "$TMP/jb" --block-size 8 "$CORPUS" >/dev/null 2>&1 || fail "$L: index --block-size 8"
	"$S" index -d "$TMP/jbn" --block-size 8 --no-substring "$CORPUS" >/dev/null 2>&1 || fail "$L: index --block-size 8 --no-substring"
	python3 - "$CORPUS" "$TMP/vq.tsv" "$SEED" <<'EOF'
import json, os, random, subprocess, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
flat = lambda s: (s or "").replace("\r", " ").replace("\n", " ")
inp = "".join(flat(d.get("title")) + " " + flat(d.get("body")) + "\n" for d in docs)
toks = subprocess.run([os.environ["SAGASU"], "tokenize", "--lines"], input=inp,
                      capture_output=True, text=True, check=True).stdout.split()
toks = [t for t in toks if not set(t) & set('"“”()（）*＊-\\') and t != "OR"]
vocab = sorted(set(toks))
rng = random.Random(int(sys.argv[3]))
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for i in range(1000):
        # terms drawn half by frequency (long lists), half uniformly (rare)
        pick = lambda: rng.choice(toks) if rng.random() < 0.5 else rng.choice(vocab)
        f.write("%d\t%s\n" % (i, " ".join(pick() for _ in range(rng.randint(1, 3)))))
EOF
	# both kinds of index: substring (tiers, two passes) and morpheme-only
	for ix in jb jbn; do
	for k in 1 10 100; do
		for mode in "" --or; do
			[ $ix = jbn ] && [ -n "$mode" ] && continue # --or ignores grams
			"$S" bench -d "$TMP/$ix" --queries "$TMP/vq.tsv" -k $k $mode --verify >"$TMP/b.out" 2>&1; rc=$?
			v=$(grep '^verify' "$TMP/b.out")
			case "$v" in
			"verify         0 mismatches"*) [ $rc -eq 0 ] && ok "$L bench --verify $ix k=$k ${mode:-and}: $v" || fail "$L bench --verify $ix k=$k ${mode:-and}: status $rc: $v" ;;
			*) fail "$L bench --verify $ix k=$k ${mode:-and}: status $rc: ${v:-$(head -5 "$TMP/b.out")}" ;;
			esac
		done
	done
	done
}

# ---- the embedded fixtures (always): tests/fixtures/README.md
# What the suite expects of them is counted here from the text itself, with
# python, not asked of sagasu: クラスター as a word of its own is クラスター
# with no katakana on either side; inside コロナクラスター it is not.
FIX=$HERE/fixtures
python3 - "$FIX/diary.jsonl" "$TMP/fix" <<'EOF'
import json, re, sys
alone = lambda w, t: re.search("(?<![ァ-ヶー])" + w + "(?![ァ-ヶー])", t)
morph, inside, nocorona = [], [], []
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l)
    t = d["title"] + "\n" + d["body"]
    if alone("クラスター", t):
        morph.append(d["id"])
        if not alone("コロナ", t):
            nocorona.append(d["id"])
    elif "クラスター" in t:
        inside.append(d["id"])
for name, ids in (("morph", morph), ("inside", inside), ("nocorona", nocorona)):
    open(sys.argv[2] + "." + name, "w").write("".join(i + "\n" for i in sorted(ids)))
EOF
NM=$(grep -c . "$TMP/fix.morph") NI=$(grep -c . "$TMP/fix.inside")
check "fixture: diary.jsonl has 14 documents with クラスター alone, 4 with it only in コロナクラスター" "14 4" "$NM $NI"
cluster_cases fixture "$FIX/diary.jsonl" "$NM" "$NI"
check "fixture クラスター: the documents where it stands alone (counted by python)" \
	"$(cat "$TMP/fix.morph")" "$(cat "$TMP/c.ids")"
IX=$TMP/hx-fixture search_json "$TMP/n.json" クラスター -コロナ
check "fixture クラスター -コロナ: those without コロナ alone (counted by python)" \
	"$(cat "$TMP/fix.nocorona")" "$(ids "$TMP/n.json")"
cat "$FIX/encyclopedia.jsonl" "$FIX/diary.jsonl" >"$TMP/fixtures.jsonl"
ranking_cases fixtures "$TMP/fixtures.jsonl"

# ---- the larger corpora of ../shared
if have_shared corpus/hatena-cluster.jsonl; then
	cluster_cases hatena "$CLUSTER" 15 3
fi
if have_shared corpus/jsquad/docs.jsonl; then
	ranking_cases jsquad "$JSQUAD"
fi

check_all_indexes
finish search
