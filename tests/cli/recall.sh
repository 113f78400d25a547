#!/usr/bin/env bash
# Recall of keyword mode with substring grams (issue "recall", docs/RECALL.md):
# a one-word query returns exactly the documents whose normalized title or
# body (NFKC + case folding, `sagasu tokenize --normalize`) contains the word
# as a string, and those where its morphemes stand as a phrase of terms (base
# forms: 残る finds 残った; computed from `sagasu tokenize`); documents where
# the word stands as whole morphemes rank first (tiers); several words are
# ANDed, -WORD excludes the same way; an index built
# with --no-substring matches morphemes only and says so on stderr.
#   - embedded corpus (always): 京都 vs 東京都, full-width / half-width text,
#     random words, --no-substring
#   - embedded fixtures (always, tests/fixtures/): diary.jsonl クラスター (18
#     hits, the 14 where it stands alone first, counted by python), random
#     words drawn from encyclopedia.jsonl + diary.jsonl
#   - ../shared: hatena-cluster クラスター (18 hits, 15 morpheme hits first),
#     random words drawn from the first 600 jsquad documents + hatena-cluster
# Run by tests/run.sh (which sets SAGASU and SHARED); prints
# "recall: N passed, N failed".  SEED fixes the random words.
. "$(dirname "$0")/lib.sh"
S=$SAGASU
SEED=${SEED:-20240607}
CLUSTER=$SHARED/corpus/hatena-cluster.jsonl
JSQUAD=$SHARED/corpus/jsquad/docs.jsonl

# The checker: python writes "PASS<TAB>msg" / "FAIL<TAB>msg" / other lines (info).
report() {
	local st msg
	while IFS=$'\t' read -r st msg; do
		case "$st" in
		PASS) ok "$msg" ;;
		FAIL) fail "$msg" ;;
		*) echo "     $st${msg:+ $msg}" ;;
		esac
	done
}

# run_recall ARGS...: recall.py ARGS, its verdicts counted here (not in a
# pipeline's subshell, where they were lost), its crash a failure
run_recall() {
	local rc
	python3 "$TMP/recall.py" "$@" >"$TMP/recall.out" 2>&1
	rc=$?
	report <"$TMP/recall.out"
	[ $rc -eq 0 ] || fail "$3: recall.py exited $rc: $(tail -3 "$TMP/recall.out")"
}

cat >"$TMP/recall.py" <<'EOF'
"""recall.py CORPUS.jsonl INDEX LABEL N_PER_CLASS N_AND N_NOT N_TIER SEED

Draws random words (substrings of the normalized fields), computes the
expected hit sets with python `in`, runs them all through one
`sagasu search --queries` call and compares; then checks the ranking tiers."""
import json, os, random, re, subprocess, sys, unicodedata
from collections import defaultdict

S = os.environ["SAGASU"]
corpus, index, label = sys.argv[1], sys.argv[2], sys.argv[3]
n_per_class, n_and, n_not, n_tier, seed = (int(a) for a in sys.argv[4:9])
rng = random.Random(seed)
FIELDS = ("title", "body")

def out(status, msg=""):
    print(status + "\t" + msg, flush=True)

def run(args, text):
    return subprocess.run([S] + args, input=text.encode("utf-8"), capture_output=True,
                          check=True).stdout.decode("utf-8")

docs = [json.loads(l) for l in open(corpus, encoding="utf-8") if l.strip()]

# ---- normalized text of every field, one tokenize --normalize call, line-safe
lines, where = [], []          # where[i] = (doc index, field) of input line i
for i, d in enumerate(docs):
    for f in FIELDS:
        for ln in (d.get(f) or "").split("\n"):
            lines.append(ln)
            where.append((i, f))
# (documents' grams keep every ー: no variant applies to this text)
norm_out = run(["tokenize", "--normalize"],
               "".join(l + "\n" for l in lines)).split("\n")
if norm_out and norm_out[-1] == "":
    norm_out.pop()
if len(norm_out) != len(lines):
    out("FAIL", f"{label}: tokenize --normalize printed {len(norm_out)} lines for {len(lines)}")
    sys.exit(0)
norm = [{f: [] for f in FIELDS} for _ in docs]
for (i, f), t in zip(where, norm_out):
    norm[i][f].append(t)
norm = [{f: "\n".join(v[f]) for f in FIELDS} for v in norm]

# ---- drawing words
def cclass(c):
    o = ord(c)
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or c == "々":
        return "kanji"
    if 0x3041 <= o <= 0x309F:
        return "hiragana"
    if 0x30A0 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF:
        return "katakana"
    if "0" <= c <= "9":
        return "digit"
    if c.isalpha() and o < 0x250:
        return "latin"
    return "other"

SYNTAX = set(' "“”()（）*＊\\')
def usable(w):
    if not w or w.startswith("-") or w == "OR":
        return False
    if any(c in SYNTAX or c.isspace() or unicodedata.category(c)[0] in "CZ" for c in w):
        return False
    # a substring of normalized text need not be normalized itself (combining marks)
    return unicodedata.normalize("NFKC", w) == w

def wclass(w):
    cs = {cclass(c) for c in w}
    return cs.pop() if len(cs) == 1 and "other" not in cs else ("mixed" if len(cs) > 1 else "other")

texts = [(i, f) for i, d in enumerate(norm) for f in FIELDS if d[f]]
CLASSES = ("kanji", "hiragana", "katakana", "latin", "digit", "mixed")
words = {c: [] for c in CLASSES}
seen = set()
for cls in CLASSES:
    tries = 0
    while len(words[cls]) < n_per_class and tries < 200000:
        tries += 1
        i, f = rng.choice(texts)
        t = norm[i][f]
        p = rng.randrange(len(t))
        if cls == "mixed":
            w = t[p:p + rng.randint(2, 6)]
        else:
            if cclass(t[p]) != cls:
                continue
            a = b = p                              # the run of this class around p
            while a > 0 and cclass(t[a - 1]) == cls:
                a -= 1
            while b < len(t) and cclass(t[b]) == cls:
                b += 1
            L = rng.randint(1, min(6, b - a))
            s = rng.randint(a, b - L)
            w = t[s:s + L]
        if w in seen or not usable(w) or wclass(w) != cls:
            continue
        seen.add(w)
        words[cls].append(w)

# A query word's substring is its normalized text after the default ー rule
# (docs/ANALYZER.md): ユーザー is looked up as ユーザ, which every document
# with either spelling holds. sagasu tokenize --query --normalize prints it (one word
# a line: MeCab sees each line alone, as it sees a query word).
qnorm = {}
def query_norms(ws):
    ws = [w for w in ws if w not in qnorm]
    if not ws:
        return
    got = run(["tokenize", "--query", "--normalize"], "".join(w + "\n" for w in ws)).split("\n")
    for w, g in zip(ws, got):
        qnorm[w] = g
query_norms([w for cls in CLASSES for w in words[cls]])

def contains(i, w):
    query_norms([w])
    w = qnorm[w]
    return any(w in norm[i][f] for f in FIELDS)

# A keyword also matches where its morphemes stand as a phrase of terms
# (base forms for verbs and adjectives: 残る finds 残った; docs/RECALL.md).
# Per field, the analyzed tokens with their positions, from sagasu tokenize
# (byte offsets map a token back to its line).
def analyze(texts, extra=()):
    buf, spans, off = [], [], 0
    for t in texts:
        b = (t + "\n").encode("utf-8")
        spans.append((off, off + len(b)))
        buf.append(b)
        off += len(b)
    data = b"".join(buf)
    o = subprocess.run([S, "tokenize", *extra], input=data, capture_output=True,
                       check=True).stdout.decode("utf-8")
    toks = [[] for _ in texts]
    k = 0
    for line in o.splitlines():
        term, p, a, b, tag = line.split("\t")
        a, b = int(a), int(b)
        while not (spans[k][0] <= a < spans[k][1]):
            k += 1
        toks[k].append((term, int(p), tag, data[a:b].decode("utf-8")))
    return toks

ftexts = [docs[i].get(f) or "" for i in range(len(docs)) for f in FIELDS]
ft = analyze(ftexts)
fields_of = [(ft[2 * i], ft[2 * i + 1]) for i in range(len(docs))]
# per document and field: the (position, term) pairs, and each term's positions
field_at = [[({(p, term) for term, p, *_ in toks}, defaultdict(list)) for toks in f]
            for f in fields_of]
for f, fa in zip(fields_of, field_at):
    for toks, (_, first) in zip(f, fa):
        for term, p, *_ in toks:
            first[term].append(p)
def morpheme_match(i, terms, offs=None):
    offs = offs or list(range(len(terms)))
    for at, first in field_at[i]:
        for p in first.get(terms[0], ()):
            if all((p + offs[j], terms[j]) in at for j in range(1, len(terms))):
                return True
    return False

qterms = {}                       # word -> (terms, relative positions) as a query
KATAKANA = re.compile("[\u30a1-\u30fa\uff66-\uff9d]")
def query_terms(ws):
    ws = [w for w in ws if w not in qterms]
    if not ws:
        return
    # A token the filter drops that is written in katakana means MeCab cut
    # a loanword (パートナ = パート + ナ): the word then matches as a
    # string only (docs/RECALL.md). The dropped ones are those --keep-all
    # adds; positions are the same in both runs.
    kept = analyze(ws, ["--query"])
    every = analyze(ws, ["--query", "--keep-all"])
    for w, t, a in zip(ws, kept, every):
        ps = {x[1] for x in t}
        cut = any(x[1] not in ps and KATAKANA.search(x[3]) for x in a)
        qterms[w] = ([x[0] for x in t], [x[1] - t[0][1] for x in t]) if t and not cut else None

def matches(i, w):
    if contains(i, w):
        return True
    query_terms([w])
    return qterms[w] is not None and morpheme_match(i, *qterms[w])

def expected(pos, neg=()):
    return {docs[i]["id"] for i in range(len(docs))
            if all(matches(i, w) for w in pos) and not any(matches(i, w) for w in neg)}

# ---- queries: one-word, two-word AND, WORD -WORD2
queries = []                                     # (qid, kind, text, pos, neg)
for cls in CLASSES:
    for w in words[cls]:
        queries.append((f"w{len(queries)}", cls, w, (w,), ()))
allw = [w for cls in CLASSES for w in words[cls]]
def second_word(w):
    """a usable word drawn from a document that contains w (so AND/NOT bite)"""
    cands = [i for i in range(len(docs)) if contains(i, w)]
    for _ in range(50):
        i = rng.choice(cands)
        t = norm[i][rng.choice([f for f in FIELDS if norm[i][f]])]
        p = rng.randrange(len(t))
        w2 = t[p:p + rng.randint(1, 4)]
        if usable(w2) and w2 != w and w not in w2 and w2 not in w:
            return w2
    return None
for kind, n in (("and", n_and), ("not", n_not)):
    pool = [w for w in allw if len(w) >= 2 or cclass(w) == "kanji"]
    rng.shuffle(pool)
    for w in pool[:n]:
        w2 = second_word(w)
        if w2 is None:
            continue
        if kind == "and":
            queries.append((f"a{len(queries)}", "and", f"{w} {w2}", (w, w2), ()))
        else:
            queries.append((f"n{len(queries)}", "not", f"{w} -{w2}", (w,), (w2,)))

every = sorted({w for q in queries for w in q[3] + q[4]})
query_norms(every)               # one tokenize call each, not one a word
query_terms(every)
qfile = index + ".queries.tsv"
with open(qfile, "w", encoding="utf-8") as fq:
    for qid, _, text, _, _ in queries:
        fq.write(f"{qid}\t{text}\n")
res = subprocess.run([S, "search", "-d", index, "-k", "100000", "--format", "tsv",
                      "--queries", qfile], capture_output=True)
if res.returncode != 0:
    err = res.stderr.decode("utf-8", "replace").strip().splitlines()
    out("FAIL", f"{label}: search --queries exited {res.returncode}: {err[-1] if err else ''}")
    sys.exit(0)
ranked = defaultdict(list)
for line in res.stdout.decode("utf-8").splitlines():
    qid, rank, did, score = line.split("\t")
    ranked[qid].append(did)

bad = defaultdict(list)
count = defaultdict(int)
for qid, kind, text, pos, neg in queries:
    count[kind] += 1
    exp, got = expected(pos, neg), set(ranked[qid])
    if len(ranked[qid]) != len(got):
        bad[kind].append(f"{text!r}: a document listed twice")
    elif exp != got:
        miss, extra = sorted(exp - got), sorted(got - exp)
        bad[kind].append(f"{text!r}: expected {len(exp)}, got {len(got)}; missing {miss[:3]}"
                         f"{'…' if len(miss) > 3 else ''} extra {extra[:3]}{'…' if len(extra) > 3 else ''}")
for kind in CLASSES + ("and", "not"):
    if not count[kind]:
        continue
    what = {"and": "two-word AND queries", "not": "WORD -WORD2 queries"}.get(kind, f"{kind} words")
    if bad[kind]:
        out("FAIL", f"{label}: {len(bad[kind])} of {count[kind]} {what} not exact, e.g. {bad[kind][0]}")
        for b in bad[kind][1:6]:
            out("  e.g.", b)
    else:
        out("PASS", f"{label}: {count[kind]} {what}: hits = documents containing them "
            "as strings or as morphemes")
out("checked", f"{label}: " + ", ".join(f"{k} {count[k]}" for k in CLASSES + ("and", "not")))
for cls in CLASSES:
    out("  sample", f"{cls}: " + " ".join(words[cls][:8]))

# ---- ranking tiers ---------------------------------------------------------
cands = [w for w in allw if "\n" not in w]
wt = analyze(cands)
wk = analyze(cands, ["--keep-all"])
tierw = []
for w, t, k in zip(cands, wt, wk):
    terms = [x[0] for x in t]
    if not t or terms != [x[0] for x in k] or "".join(terms) != w:
        continue                           # dropped tokens, or terms that are not the text
    if len(t) > 1 and not all(x[2].startswith("名詞") for x in t):
        continue
    if [x[1] - t[0][1] for x in t] != list(range(len(t))):
        continue
    tierw.append((w, terms))
rng.shuffle(tierw)
tierw = tierw[:n_tier]
idx = {d["id"]: i for i, d in enumerate(docs)}
qid_of = {q[2]: q[0] for q in queries if q[1] in CLASSES}
tbad, both = [], 0
for w, terms in tierw:
    hits = ranked[qid_of[w]]
    flags = [morpheme_match(idx[h], terms) for h in hits]
    if any(flags) and not all(flags):
        both += 1
    # every morpheme document before every other one: flags is True* False*
    first_false = flags.index(False) if False in flags else len(flags)
    if any(flags[first_false:]):
        late = [h for h, f in zip(hits[first_false:], flags[first_false:]) if f]
        tbad.append(f"{w!r} (terms {' '.join(terms)}): {sum(flags)} morpheme hits of {len(hits)}, "
                    f"but {late[0]} ranks {hits.index(late[0]) + 1}, below "
                    f"{hits[first_false]} at {first_false + 1}")
if not tierw:
    out("note", f"{label}: no word qualified for the ranking-tier check")
elif tbad:
    out("FAIL", f"{label}: tiers wrong for {len(tbad)} of {len(tierw)} words, e.g. {tbad[0]}")
    for b in tbad[1:6]:
        out("  e.g.", b)
else:
    out("PASS", f"{label}: tiers: morpheme hits rank above substring-only hits for "
        f"{len(tierw)} words ({both} with both kinds)")
EOF

# ---- embedded corpus (always) ------------------------------------------------------
python3 - "$TMP/mini.jsonl" <<'EOF'
import json, sys
docs = [
    ("k1", "", "京都府の寺を見た"),
    ("k2", "", "東京都の天気"),
    ("k3", "", "京都に行く"),
    ("k4", "", "京都大学"),
    ("m1", "ＡＢＣ News", "ｶﾀｶﾅで書いたﾃｷｽﾄとＴＯＫＹＯ２０２４の記録①"),
    ("m2", "データベース", "全文検索エンジンは転置インデックスを使う。\nSQLite FTS5 と Groonga と Xapian を比べた。"),
    ("m3", "形態素解析", "MeCabは形態素解析器で、IPA辞書を使う。東京タワーは333mある。"),
    ("m4", "クラスター", "クラスターが発生した。ロードバランサーのクラスタ構成、スタークラスター。"),
    ("m5", "日本語の検索", "検索語が単語の途中にあっても見つかるべきだ。例えば「都」や「京」。"),
    ("m6", "Version 3.14", "release-2024-06-07: 検索速度が1.5倍になった (v3.14)。"),
]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i, t, b in docs:
        f.write(json.dumps({"id": i, "title": t, "body": b}, ensure_ascii=False) + "\n")
EOF
"$S" index -d "$TMP/mini" "$TMP/mini.jsonl" >/dev/null 2>&1 || fail "index the embedded corpus"
"$S" index -d "$TMP/mini-m" --no-substring "$TMP/mini.jsonl" >/dev/null 2>&1 \
	|| fail "index the embedded corpus --no-substring"

# ---- 京都: whole morpheme in 京都府 / 京都に / (京都大学?), inside 東京都
# (k1..k4 are the only documents with 京都)
kyoto_morph=$(printf '京都府の寺を見た\n東京都の天気\n京都に行く\n京都大学\n' | "$S" tokenize --lines |
	awk '{ for (i = 1; i <= NF; i++) if ($i == "京都") { print "k" NR; next } }' | sort)
"$S" search -d "$TMP/mini" -k 100 --format tsv 京都 >"$TMP/kyoto.tsv" 2>"$TMP/kyoto.err"
check "京都: the four documents that contain it" "k1 k2 k3 k4" \
	"$(cut -f3 "$TMP/kyoto.tsv" | sort | tr '\n' ' ' | sed 's/ $//')"
kyoto_sub=$(comm -23 <(printf 'k1\nk2\nk3\nk4\n') <(echo "$kyoto_morph") | tr '\n' ' ' | sed 's/ $//')
case " $kyoto_sub " in *" k2 "*) ok "京都: 東京都 (k2) is not a morpheme hit ($kyoto_sub are not)" ;;
	*) fail "京都: tokenize says k2 (東京都) holds 京都 as a morpheme" ;; esac
n_morph=$(echo "$kyoto_morph" | grep -c .)
check "京都: the $n_morph morpheme hits ($(echo $kyoto_morph)) rank 1..$n_morph, then $kyoto_sub" \
	"$(echo $kyoto_morph) | $kyoto_sub" \
	"$(echo $(head -n "$n_morph" "$TMP/kyoto.tsv" | cut -f3 | sort)) | $(echo $(tail -n +$((n_morph + 1)) "$TMP/kyoto.tsv" | cut -f3 | sort))"
check "京都: no notice on stderr with the substring index" "" "$(cat "$TMP/kyoto.err")"
"$S" search -d "$TMP/mini" -k 100 --format tsv 京都 -東京 >"$TMP/k2.tsv" 2>&1
check "京都 -東京: the three without 東京" "k1 k3 k4" "$(cut -f3 "$TMP/k2.tsv" | sort | tr '\n' ' ' | sed 's/ $//')"
"$S" search -d "$TMP/mini" -k 100 --format tsv 京 都 >"$TMP/k3.tsv" 2>&1
check "京 都 (two words, AND of substrings)" "k1 k2 k3 k4 m5" "$(cut -f3 "$TMP/k3.tsv" | sort | tr '\n' ' ' | sed 's/ $//')"
# A prefix matches its expansions as morphemes and, on a substring index,
# its string too (docs/QUERY.md, Prefixes): the morpheme hits score alike on
# both kinds (they once scored 0 on a substring index: only keywords' units
# were summed), and 東京都 (k2) is found by its string only there.
"$S" search -d "$TMP/mini" -k 100 --format tsv '京都*' >"$TMP/k4.tsv" 2>&1
"$S" search -d "$TMP/mini-m" -k 100 --format tsv '京都*' >"$TMP/k5.tsv" 2>/dev/null
check "京都*: the morpheme hits alike on both index kinds, k2 by its string" \
	"$(cut -f3,4 "$TMP/k5.tsv") k2" "$(grep -v '^.*	k2	' "$TMP/k4.tsv" | cut -f3,4) $(cut -f3 "$TMP/k4.tsv" | grep -x k2)"
check "京都*: every score above 0" "" "$(awk -F'\t' '$4 <= 0' "$TMP/k4.tsv")"

# ---- normalization: full-width / half-width / case
for q in abc ＡＢＣ カタカナ ｶﾀｶﾅ tokyo2024 ２０２ テキ 1 sqlite ite 3.14; do
	exp=$(python3 - "$TMP/mini.jsonl" "$q" <<'EOF'
import json, sys, unicodedata
q = unicodedata.normalize("NFKC", sys.argv[2]).casefold()
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l)
    if any(q in unicodedata.normalize("NFKC", d[f]).casefold() for f in ("title", "body")):
        print(d["id"])
EOF
)
	check "normalized substring $q" "$(echo $exp)" \
		"$(echo $("$S" search -d "$TMP/mini" -k 100 --format tsv "$q" 2>&1 | cut -f3 | sort))"
done

# ---- --no-substring: morphemes only, with a notice
"$S" search -d "$TMP/mini-m" -k 100 --format tsv 京都 >"$TMP/km.tsv" 2>"$TMP/km.err"
check "--no-substring 京都: the morpheme hits only" "$(echo $kyoto_morph)" \
	"$(echo $(cut -f3 "$TMP/km.tsv" | sort))"
if grep -qi morpheme "$TMP/km.err"; then
	ok "--no-substring: keyword query prints a notice about morphemes ($(head -c 120 "$TMP/km.err" | head -1))"
else
	fail "--no-substring: no notice mentioning morphemes on stderr, got [$(cat "$TMP/km.err")]"
fi
"$S" search -d "$TMP/mini-m" -k 100 --format tsv クラスタ >"$TMP/km2.tsv" 2>/dev/null
check "--no-substring クラスタ: not inside クラスター" "m4" "$(echo $(cut -f3 "$TMP/km2.tsv" | sort))"
"$S" index -d "$TMP/mini-m" --no-substring "$TMP/mini.jsonl" >/dev/null 2>&1
"$S" search -d "$TMP/mini-m" -k 100 --or --format tsv 京都 >/dev/null 2>"$TMP/km3.err"
check "--no-substring --or: no morpheme notice" "" "$(grep -i morpheme "$TMP/km3.err")"

run_recall "$TMP/mini.jsonl" "$TMP/mini" embedded 10 8 8 40 "$SEED"

# cluster_recall LABEL CORPUS N_ALL N_MORPH: クラスター is in N_ALL documents of
# CORPUS, as a word of its own (クラ スター) in N_MORPH of them: a substring
# index finds all, those N_MORPH first; a --no-substring index only those.
cluster_recall() {
	local L=$1 CORPUS=$2 NA=$3 NM=$4
	"$S" index -d "$TMP/hx-$L" "$CORPUS" >/dev/null 2>&1 || fail "$L: index"
	"$S" search -d "$TMP/hx-$L" -k 100 --format json クラスター >"$TMP/c.json" 2>/dev/null
	check "$L クラスター: total $NA, not a lower bound" "$NA False" \
		"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["total"], d["total_is_lower_bound"])' "$TMP/c.json")"
	"$S" search -d "$TMP/hx-$L" -k 100 --format tsv クラスター >"$TMP/c.tsv" 2>/dev/null
	check "$L クラスター: all $NA documents" "$NA" "$(cut -f3 "$TMP/c.tsv" | sort -u | grep -c .)"
	# documents whose token stream (per line, title and body) has クラ スター adjacent
	python3 - "$CORPUS" >"$TMP/pair.ids" <<'EOF'
import json, os, subprocess, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
lines, owner = [], []
for i, d in enumerate(docs):
    for f in ("title", "body"):
        for ln in (d.get(f) or "").split("\n"):
            lines.append(ln.replace("\r", " "))
            owner.append(i)
out = subprocess.run([os.environ["SAGASU"], "tokenize", "--lines"], input="".join(l + "\n" for l in lines),
                     capture_output=True, text=True, check=True).stdout.split("\n")
hit = set()
for i, t in zip(owner, out):
    t = t.split()
    if any(t[j:j + 2] == ["クラ", "スター"] for j in range(len(t))):
        hit.add(docs[i]["id"])
print("\n".join(sorted(hit)))
EOF
	check "$L クラスター: $NM documents with クラ スター adjacent" "$NM" "$(grep -c . "$TMP/pair.ids")"
	check "$L クラスター: ranks 1-$NM are exactly those $NM" "$(cat "$TMP/pair.ids")" \
		"$(head -n "$NM" "$TMP/c.tsv" | cut -f3 | sort)"
	check "$L クラスター: ranks $((NM + 1))-$NA are the other $((NA - NM))" "" \
		"$(tail -n +$((NM + 1)) "$TMP/c.tsv" | cut -f3 | sort | comm -12 - "$TMP/pair.ids")"
	"$S" index -d "$TMP/hxm-$L" --no-substring "$CORPUS" >/dev/null 2>&1
	"$S" search -d "$TMP/hxm-$L" -k 100 --format tsv クラスター >"$TMP/cm.tsv" 2>"$TMP/cm.err"
	check "$L --no-substring クラスター: the $NM morpheme documents" "$(cat "$TMP/pair.ids")" \
		"$(cut -f3 "$TMP/cm.tsv" | sort)"
	check "$L --no-substring クラスター: a notice about morphemes" 1 "$(grep -ci morpheme "$TMP/cm.err")"
}

# ---- the embedded fixtures (always): tests/fixtures/README.md --------------------
# N_ALL and N_MORPH counted by python from the text: documents that contain
# クラスター, and those where it has no katakana on either side (not inside
# コロナクラスター); the pair.ids the function computes must be those.
FIX=$(cd "$(dirname "$0")/.." && pwd)/fixtures
python3 - "$FIX/diary.jsonl" "$TMP/fix" <<'EOF'
import json, re, sys
all_, morph = [], []
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l)
    t = d["title"] + "\n" + d["body"]
    if "クラスター" in t:
        all_.append(d["id"])
    if re.search("(?<![ァ-ヶー])クラスター(?![ァ-ヶー])", t):
        morph.append(d["id"])
open(sys.argv[2] + ".all", "w").write("".join(i + "\n" for i in sorted(all_)))
open(sys.argv[2] + ".morph", "w").write("".join(i + "\n" for i in sorted(morph)))
EOF
check "fixture: diary.jsonl has 18 documents with クラスター, 14 with it alone" "18 14" \
	"$(grep -c . "$TMP/fix.all") $(grep -c . "$TMP/fix.morph")"
cluster_recall fixture "$FIX/diary.jsonl" 18 14
check "fixture クラスター: the 18 hits are the documents that contain it (python)" \
	"$(cat "$TMP/fix.all")" "$(cut -f3 "$TMP/c.tsv" | sort)"
check "fixture クラスター: ranks 1-14 are those where it stands alone (python)" \
	"$(cat "$TMP/fix.morph")" "$(head -n 14 "$TMP/c.tsv" | cut -f3 | sort)"
cat "$FIX/encyclopedia.jsonl" "$FIX/diary.jsonl" >"$TMP/fixtures.jsonl"
"$S" index -d "$TMP/fixtures" "$TMP/fixtures.jsonl" >/dev/null 2>&1 || fail "index encyclopedia + diary"
run_recall "$TMP/fixtures.jsonl" "$TMP/fixtures" "fixtures" 40 30 20 60 "$SEED"

# ---- ../shared corpora -----------------------------------------------------------
if have_shared corpus/hatena-cluster.jsonl; then
	cluster_recall hatena "$CLUSTER" 18 15
fi

if have_shared corpus/jsquad/docs.jsonl && have_shared corpus/hatena-cluster.jsonl; then
	{ head -n 600 "$JSQUAD"; cat "$CLUSTER"; } >"$TMP/real.jsonl"
	"$S" index -d "$TMP/real" "$TMP/real.jsonl" >/dev/null 2>&1 || fail "index jsquad[:600] + hatena-cluster"
	run_recall "$TMP/real.jsonl" "$TMP/real" "jsquad600+cluster" 80 50 30 100 "$SEED"
fi

check_all_indexes
finish recall
