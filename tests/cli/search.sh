#!/usr/bin/env bash
# End-to-end tests of `sagasu search` and `sagasu bench --verify`: matching
# (words split into phrases, NOT, phrases, prefixes), the output formats,
# --explain, errors and notices, BM25 against an independent reference
# (tests/bm25_ref.py) and pruned-vs-exhaustive agreement on ~1000 random
# queries with blocks of 8 postings. Run by tests/run.sh (which sets SAGASU and
# SHARED); prints "search: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
HERE=$(cd "$(dirname "$0")/.." && pwd)
SEED=${SEED:-20240521}
CLUSTER=$SHARED/corpus/hatena-cluster.jsonl
JSQUAD=$SHARED/corpus/jsquad/docs.jsonl

# ids FILE.json: the hit ids of one JSON answer, one a line, sorted
ids() { python3 -c 'import json,sys; [print(h["id"]) for h in json.load(open(sys.argv[1]))["hits"]]' "$1" | sort; }
# search_json OUT QUERY...: all hits (-k 1000) as JSON
search_json() { local out=$1; shift; "$S" search -d "$TMP/hx" -k 1000 --format json "$@" >"$out" 2>"$out.err"; }

if have_shared corpus/hatena-cluster.jsonl; then
	# The morpheme engine of the query issue: a --no-substring index (the
	# substring recall on top of it has its own suite, recall.sh).
	"$S" index -d "$TMP/hx" --no-substring "$CLUSTER" >/dev/null 2>&1 || fail "index hatena-cluster"
	# Per document (input order): id TAB its indexed terms (title then body).
	python3 - "$CLUSTER" "$TMP/terms.tsv" <<'EOF'
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

	# ---- a word of several terms is a phrase: クラスター = クラ スター
	search_json "$TMP/c.json" クラスター
	check "クラスター: total" 15 "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$TMP/c.json")"
	ids "$TMP/c.json" >"$TMP/c.ids"
	docs_with 'seq("クラ", "スター")' >"$TMP/pair.ids"
	docs_with 'not seq("クラ", "スター")' >"$TMP/nopair.ids"
	check "クラスター: 3 documents hold it only inside longer tokens" 3 "$(wc -l <"$TMP/nopair.ids")"
	check "クラスター: exactly the documents with クラ スター adjacent" \
		"$(cat "$TMP/pair.ids")" "$(cat "$TMP/c.ids")"
	check "クラスター: none of the 3 longer-token documents" "" \
		"$(comm -12 "$TMP/c.ids" "$TMP/nopair.ids")"

	# ---- NOT
	search_json "$TMP/n.json" クラスター -コロナ
	docs_with '"コロナ" not in t' >"$TMP/nocorona.ids"
	check "クラスター -コロナ: the 15 without コロナ" \
		"$(comm -12 "$TMP/c.ids" "$TMP/nocorona.ids")" "$(ids "$TMP/n.json")"

	# ---- phrase
	search_json "$TMP/p.json" '"クラスター 発生"'
	ids "$TMP/p.json" >"$TMP/p.ids"
	docs_with 'seq("クラ", "スター", "発生")' >"$TMP/seq.ids"
	if [ -s "$TMP/p.ids" ] && [ -z "$(comm -23 "$TMP/p.ids" "$TMP/seq.ids")" ]; then
		ok "\"クラスター 発生\": $(wc -l <"$TMP/p.ids") hits, all with クラ スター 発生 in sequence"
	else
		fail "\"クラスター 発生\": hits [$(tr '\n' ' ' <"$TMP/p.ids")] not within [$(tr '\n' ' ' <"$TMP/seq.ids")]"
	fi

	# ---- prefix
	search_json "$TMP/x.json" 'クラ*'
	docs_with 'any(w.startswith("クラ") for w in t)' >"$TMP/pre.ids"
	check "クラ*: every document with a term starting with クラ" "" \
		"$(comm -23 "$TMP/pre.ids" <(ids "$TMP/x.json"))"

	# ---- JSON
	"$S" search -d "$TMP/hx" -k 5 --format json クラスター >"$TMP/j.json" 2>/dev/null
	r=$(python3 - "$TMP/j.json" <<'EOF' 2>&1
import json, sys
o = json.load(open(sys.argv[1], encoding="utf-8"))
for key in ("query", "took_us", "total", "hits"):
    assert key in o, "no " + key
assert o["query"] == "クラスター", o["query"]
assert isinstance(o["took_us"], int) and o["total"] == 15
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
	check "JSON: query, took_us, total, hits[] with highlights on クラスター" ok "$r"

	# ---- TSV and TREC
	"$S" search -d "$TMP/hx" -k 20 --format tsv クラスター >"$TMP/t.tsv" 2>/dev/null
	check "TSV: qid 1, ranks 1..15, 4 fields" ok "$(awk -F'\t' 'NF != 4 || $1 != "1" || $2 != NR || $4 !~ /^[0-9.]+$/ { bad = 1 } END { print (bad || NR != 15) ? "bad (" NR " lines)" : "ok" }' "$TMP/t.tsv")"
	check "TSV: ids as in JSON" "$(cat "$TMP/c.ids")" "$(cut -f3 "$TMP/t.tsv" | sort)"
	"$S" search -d "$TMP/hx" -k 20 --format trec クラスター >"$TMP/t.trec" 2>/dev/null
	check "TREC: qid Q0 id rank score sagasu" ok "$(awk 'NF != 6 || $1 != "1" || $2 != "Q0" || $4 != NR || $6 != "sagasu" { bad = 1 } END { print (bad || NR != 15) ? "bad (" NR " lines)" : "ok" }' "$TMP/t.trec")"

	# ---- --explain
	"$S" search -d "$TMP/hx" -k 3 --explain クラスター >"$TMP/e.txt" 2>&1
	if grep -q 'tf=[0-9]* df=15 idf=[0-9.]* score=' "$TMP/e.txt"; then ok "--explain: tf, df, idf"; else fail "--explain: no tf/df/idf line: $(head -c 300 "$TMP/e.txt")"; fi
	"$S" search -d "$TMP/hx" -k 1 --explain --format json クラスター >"$TMP/e.json" 2>/dev/null
	check "--explain: names the leaf (JSON explain[].term: its terms)" "クラ スター" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hits"][0]["explain"][0]["term"])' "$TMP/e.json" 2>&1)"

	# ---- errors and notices
	"$S" search -d "$TMP/hx" '(a' >"$TMP/err.out" 2>&1; rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q column "$TMP/err.out"; then ok "'(a': error with a column"; else fail "'(a': status $rc, $(cat "$TMP/err.out")"; fi
	for q in '' 'の'; do
		"$S" search -d "$TMP/hx" "$q" >"$TMP/q.out" 2>"$TMP/q.err"; rc=$?
		if [ $rc -lt 128 ] && [ -s "$TMP/q.err" ] && ! grep -q '^ *1\.' "$TMP/q.out"; then
			ok "query '$q': notice, no hits, status $rc"
		else
			fail "query '$q': status $rc, stdout [$(head -c 200 "$TMP/q.out")] stderr [$(head -c 200 "$TMP/q.err")]"
		fi
	done

	# ---- BM25 against the reference
	for mode in "" --or; do
		if python3 "$HERE/bm25_ref.py" --index "$TMP/hx" --queries 200 --seed "$SEED" $mode "$CLUSTER" >"$TMP/ref.out" 2>&1; then
			ok "bm25_ref hatena ${mode:-and}: $(tail -1 "$TMP/ref.out")"
		else
			fail "bm25_ref hatena ${mode:-and}: $(head -5 "$TMP/ref.out")"
		fi
	done
fi

if have_shared corpus/jsquad/docs.jsonl; then
	head -500 "$JSQUAD" >"$TMP/js500.jsonl"
	"$S" index -d "$TMP/j500" --no-substring "$TMP/js500.jsonl" >/dev/null 2>&1 || fail "index jsquad 500"
	for mode in "" --or; do
		if python3 "$HERE/bm25_ref.py" --index "$TMP/j500" --queries 200 --seed "$SEED" $mode "$TMP/js500.jsonl" >"$TMP/ref.out" 2>&1; then
			ok "bm25_ref jsquad[500] ${mode:-and}: $(tail -1 "$TMP/ref.out")"
		else
			fail "bm25_ref jsquad[500] ${mode:-and}: $(head -5 "$TMP/ref.out")"
		fi
	done

	# ---- pruned == exhaustive, blocks of 8 postings so that blocks are crossed
	"$S" index -d "$TMP/jb" --block-size 8 "$JSQUAD" >/dev/null 2>&1 || fail "index jsquad --block-size 8"
	"$S" index -d "$TMP/jbn" --block-size 8 --no-substring "$JSQUAD" >/dev/null 2>&1 || fail "index jsquad --block-size 8 --no-substring"
	python3 - "$JSQUAD" "$TMP/vq.tsv" "$SEED" <<'EOF'
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
			"verify         0 mismatches"*) [ $rc -eq 0 ] && ok "bench --verify $ix k=$k ${mode:-and}: $v" || fail "bench --verify $ix k=$k ${mode:-and}: status $rc: $v" ;;
			*) fail "bench --verify $ix k=$k ${mode:-and}: status $rc: ${v:-$(head -5 "$TMP/b.out")}" ;;
			esac
		done
	done
	done
fi

finish search
