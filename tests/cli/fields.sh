#!/usr/bin/env bash
# Fields (issue "Meaning", item 7; docs/QUERY.md Fields, docs/RANKING.md
# Field weights):
#   - FIELD:word, FIELD:"phrase", FIELD:prefix* and -FIELD:word restrict to
#     one indexed field, on both index kinds, pruned and exhaustive alike;
#     a one-character keyword and a substring-only keyword on a substring
#     index; unknown fields (12:30 is a word; a phrase's is an error);
#   - --weights: all 1 gives byte-identical results; weights move the
#     ranking as BM25F says (tests/bm25_ref.py --weights recomputes it
#     independently, with FIELD: restrictions too); pruned == exhaustive
#     (bench --verify); every bad spec is exit 2 before any query;
#   - on ../shared's diary page (when present): title:クラスター finds
#     exactly the entries whose title holds クラスター.
# Run by tests/run.sh (which sets SAGASU and SHARED); prints
# "fields: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
HERE=$(cd "$(dirname "$0")/.." && pwd)
FIX=$HERE/fixtures

ids() { cut -f3 | sort | tr '\n' ' ' | sed 's/ $//'; }
order() { cut -f3 | tr '\n' ' ' | sed 's/ $//'; }

# ---- an embedded corpus ------------------------------------------------------
cat >"$TMP/f.jsonl" <<'EOF'
{"id":"f1","title":"猫の写真","body":"今日は犬と散歩した。"}
{"id":"f2","title":"犬の散歩","body":"猫が窓辺で寝ている。猫が好き。"}
{"id":"f3","title":"東京タワー","body":"夜景がきれい。"}
{"id":"f4","title":"夜景","body":"東京タワーの夜景。"}
{"id":"f5","title":"集合","body":"12:30に集合。"}
{"id":"f6","title":"パーミッション変更","body":"ファイルの所有者。"}
{"id":"f7","title":"所有者","body":"パーミッションを確認する。"}
EOF
"$S" index -d "$TMP/f" "$TMP/f.jsonl" >/dev/null 2>&1 || fail "index the embedded corpus"
"$S" index -d "$TMP/ff" --no-substring "$TMP/f.jsonl" >/dev/null 2>&1 ||
	fail "index the embedded corpus --no-substring"
check_index "$TMP/f"
check_index "$TMP/ff"

q() { "$S" search -d "$TMP/$ix" $ex -k 100 --format tsv "$@" 2>/dev/null | ids; }
for ix in f ff; do
	L=$([ $ix = f ] && echo default || echo --no-substring)
	for ex in "" --exhaustive; do
		check "$L $ex title:猫 (one character): the title's only" "f1" "$(q title:猫)"
		check "$L $ex body:猫" "f2" "$(q body:猫)"
		check "$L $ex 猫: both fields" "f1 f2" "$(q 猫)"
		check "$L $ex title:\"東京 タワー\": a phrase in the title" "f3" "$(q 'title:"東京 タワー"')"
		check "$L $ex body:東京タワー: a compound in the body" "f4" "$(q body:東京タワー)"
		check "$L $ex title:パーミッション*: a prefix in the title" "f6" "$(q 'title:パーミッション*')"
		check "$L $ex body:パーミッション*" "f7" "$(q 'body:パーミッション*')"
		check "$L $ex '猫 -title:猫': excluded from the title only" "f2" "$(q 猫 -title:猫)"
		check "$L $ex '夜景 -title:夜景'" "f3" "$(q 夜景 -title:夜景)"
		check "$L $ex 'title:夜景 body:夜景': both" "f4" "$(q title:夜景 body:夜景)"
		check "$L $ex 'title:所有者 OR title:集合'" "f5 f7" "$(q title:所有者 OR title:集合)"
		check "$L $ex --or 'title:猫 title:犬'" "f1 f2" "$(q --or title:猫 title:犬)"
		check "$L $ex 12:30: no field named 12, the word as written" \
			"$(q '12\:30')" "$(q 12:30)"
		check "$L $ex 12:30 finds f5" "f5" "$(q 12:30)"
	done
done
# A substring-only keyword (タワ is no morpheme of 東京タワー): its string
# in the field.
ix=f ex=
check "default title:タワ: the string in the title" "f3" "$(q title:タワ)"
check "default body:タワ: the string in the body" "f4" "$(q body:タワ)"
check "default タワ: both" "f3 f4" "$(q タワ)"

out=$("$S" search -d "$TMP/f" 'foo:"猫"' 2>&1); rc=$?
if [ $rc -ne 0 ] && [ $rc -lt 128 ] && echo "$out" | grep -q "column 1: 'foo' is not an indexed field of this index (its fields: title, body)"; then
	ok "foo:\"猫\": an error naming the column and the index's fields"
else
	fail "foo:\"猫\": status $rc, $out"
fi
out=$("$S" search -d "$TMP/f" --format json --explain title:猫 2>&1)
check "--explain and json of title:猫: one hit, f1" "1 f1" \
	"$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], d["hits"][0]["id"])')"

# ---- weights -------------------------------------------------------------------
hits() { # the hits' ids and full-precision scores, in order
	"$S" search -d "$1" -k 100 --format json "${@:2}" 2>/dev/null |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], [(h["id"], h["score"]) for h in d["hits"]])'
}
for ix in f ff; do
	for qq in 猫 夜景 東京タワー "パーミッション*" "--or 猫 夜景 犬"; do
		# shellcheck disable=SC2086
		check "$ix --weights title=1,body=1 '$qq': the very same hits and scores" \
			"$(hits "$TMP/$ix" $qq)" "$(hits "$TMP/$ix" --weights title=1,body=1 $qq)"
	done
done
# 猫: f1 once in a title of 2 terms, f2 twice in a body. By default f2 leads;
# the title weighted 10 puts f1 first, the body weighted 10 keeps f2 first.
for ix in f ff; do
	check "$ix 猫, no weights: f2 then f1" "f2 f1" \
		"$("$S" search -d "$TMP/$ix" --format tsv 猫 2>/dev/null | order)"
	check "$ix 猫 --weights title=10: f1 then f2" "f1 f2" \
		"$("$S" search -d "$TMP/$ix" --format tsv --weights title=10 猫 2>/dev/null | order)"
	check "$ix 猫 --weights body=10,title=0.5: f2 then f1" "f2 f1" \
		"$("$S" search -d "$TMP/$ix" --format tsv --weights body=10,title=0.5 猫 2>/dev/null | order)"
done
# The weighted score by hand (docs/RANKING.md, Field weights): 猫, title=10.
# f1: tf_w = 10, dl_w = 10*dl_title + dl_body; N = 7, df = 2.
want=$(python3 - "$S" "$TMP/f.jsonl" <<'EOF'
import json, math, subprocess, sys
S, path = sys.argv[1:]
docs = [json.loads(l) for l in open(path, encoding="utf-8")]
def terms(t):
    out = subprocess.run([S, "tokenize", "--lines"], input=(t + "\n").encode(),
                         capture_output=True, check=True).stdout.decode()
    return out.split("\n")[0].split()
w = {"title": 10.0, "body": 1.0}
dl = {d["id"]: {f: len(terms(d[f])) for f in w} for d in docs}
avg = sum(w[f] * dl[i][f] for i in dl for f in w) / len(docs)
idf = math.log(1 + (len(docs) - 2 + 0.5) / (2 + 0.5))
tf_w = w["title"] * 1
dl_w = sum(w[f] * dl["f1"][f] for f in w)
k1, b = 1.2, 0.75
print("%.12g" % (idf * tf_w * (k1 + 1) / (tf_w + k1 * (1 - b + b * dl_w / avg))))
EOF
)
got=$("$S" search -d "$TMP/ff" --format json --weights title=10 猫 2>/dev/null |
	python3 -c 'import json,sys; print("%.12g" % json.load(sys.stdin)["hits"][0]["score"])')
check "--weights title=10 猫: f1's score is BM25F's, computed by hand" "$want" "$got"

# Bad specs: exit 2 before any query, with the fix.
for spec in title=0 foo=1 title=1,title=2 title title=abc title=1e9 =1 "title=1,"; do
	out=$("$S" search -d "$TMP/f" --weights "$spec" 猫 2>&1); rc=$?
	if [ $rc -eq 2 ] && echo "$out" | grep -q -- "--weights"; then
		ok "--weights '$spec': exit 2, $(echo "$out" | head -1)"
	else
		fail "--weights '$spec': status $rc, $out"
	fi
done
out=$("$S" bench -d "$TMP/f" --weights foo=2 --queries /dev/null 2>&1); rc=$?
check "bench --weights foo=2: exit 2" "2" "$rc"

# ---- pruned == exhaustive, and the independent reference -----------------------
for ix in f ff; do
	"$S" index -d "$TMP/enc-$ix" $([ $ix = ff ] && echo --no-substring) \
		"$FIX/encyclopedia.jsonl" >/dev/null 2>&1 || fail "index encyclopedia ($ix)"
done
# Queries over the corpus's own terms (as the analyzer cuts them), in every
# shape a field takes: FIELD:term, a conjunction, a prefix, an exclusion.
python3 - "$S" "$FIX/encyclopedia.jsonl" >"$TMP/v.tsv" <<'EOF'
import json, random, subprocess, sys
S, path = sys.argv[1:]
lines = []
for l in open(path, encoding="utf-8"):
    d = json.loads(l)
    lines += [(d.get(f) or "").replace("\n", " ") for f in ("title", "body")]
out = subprocess.run([S, "tokenize", "--lines"], input="\n".join(lines).encode(),
                     capture_output=True, check=True).stdout.decode()
words = sorted({t for line in out.split("\n") for t in line.split()
                if len(t) >= 2 and not set(t) & set('"()*-\\:')})
rng = random.Random(7)
for i in range(120):
    a, b = rng.choice(words), rng.choice(words)
    f = rng.choice(("title:", "body:", ""))
    print("q%d\t%s" % (i, [f + a, a + " " + f + b, "title:" + a[:2] + "*",
                           "-title:" + b + " " + a][i % 4]))
EOF
n_hit=$(cut -f2 "$TMP/v.tsv" | head -40 | while IFS= read -r qq; do
	"$S" search -d "$TMP/enc-f" --format tsv -k 1 -- "$qq" 2>/dev/null | head -1
done | grep -c .)
if [ "$n_hit" -ge 15 ]; then ok "the verify set finds documents: $n_hit of its first 40 queries"
else fail "the verify set finds documents for only $n_hit of its first 40 queries"; fi
for ix in f ff; do
	for mode in "" --or; do
		for k in 1 10 100; do
			out=$("$S" bench -d "$TMP/enc-$ix" --verify -k $k $mode --weights title=3,body=0.7 \
				--queries "$TMP/v.tsv" 2>&1)
			if echo "$out" | grep -qE "verify +0 mismatches"; then
				ok "bench --verify --weights $ix ${mode:-keyword} k=$k: 0 mismatches"
			else
				fail "bench --verify --weights $ix ${mode:-keyword} k=$k: $(echo "$out" | tail -3)"
			fi
		done
	done
done
for args in "--or --weights title=3,body=1" "--or --weights title=0.25,body=2" \
	"--or --field title" "--or --field body --weights title=2,body=1" \
	"--prefix --weights title=2.5,body=1"; do
	# shellcheck disable=SC2086
	out=$(python3 "$HERE/bm25_ref.py" --queries 120 $args "$FIX/encyclopedia.jsonl" 2>&1)
	if echo "$out" | tail -1 | grep -q " 0 mismatching"; then
		ok "bm25_ref.py $args: $(echo "$out" | tail -1)"
	else
		fail "bm25_ref.py $args: $(echo "$out" | tail -4)"
	fi
done

# ---- the diary page -------------------------------------------------------------
if have_shared corpus/hatena-cluster.jsonl; then
	H=$SHARED/corpus/hatena-cluster.jsonl
	"$S" index -d "$TMP/h" "$H" >/dev/null 2>&1 || fail "index the diary page"
	want=$(python3 -c '
import json, sys, unicodedata
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l)
    if "クラスター" in unicodedata.normalize("NFKC", d.get("title") or ""):
        print(d["id"])' "$H" | sort | tr '\n' ' ' | sed 's/ $//')
	check "diary title:クラスター: the entries whose title holds it" "$want" \
		"$("$S" search -d "$TMP/h" -k 100 --format tsv title:クラスター 2>/dev/null | ids)"
	n_all=$("$S" search -d "$TMP/h" --format json -k 1 クラスター 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
	n_t=$(echo "$want" | wc -w)
	if [ "$n_t" -gt 0 ] && [ "$n_t" -lt "$n_all" ]; then
		ok "diary: title:クラスター ($n_t) restricts クラスター ($n_all)"
	else
		fail "diary: title:クラスター $n_t of $n_all"
	fi
	a=$("$S" search -d "$TMP/h" --format tsv -k 5 コロナ 2>/dev/null | order)
	b=$("$S" search -d "$TMP/h" --format tsv -k 5 --weights title=5 コロナ 2>/dev/null | order)
	if [ -n "$a" ] && [ "$a" != "$b" ]; then
		ok "diary: --weights title=5 changes the ranking of コロナ ($a → $b)"
	else
		fail "diary: --weights title=5 コロナ: [$a] vs [$b]"
	fi
fi

finish fields
