#!/usr/bin/env bash
# bench/recall.sh — what substring recall (issue "recall", docs/RECALL.md) costs:
# sagasu's default index (morphemes + substring grams) against one built with
# --no-substring, and sagasu keyword mode against Groonga's TokenBigram index
# (the usual way to get substring recall), on the corpus and query set of
# bench/run.sh.  Prints one small table.
#
#   sagasu index size     data.mdb of each index (the LMDB file), MB
#   Groonga index size    disk usage of its database directory (du), MB
#   latency / QPS         sagasu: `sagasu bench --repeat N -k 10 --json` (timed in
#                         process, after its warm-up); Groonga: groonga.sh query
#                         --mode and (timed from its response headers)
#
# Environment: BUILD (build), SAGASU ($BUILD/sagasu), BENCH_CORPUS (a JSONL corpus
# instead of bench/work/corpus.jsonl), BENCH_QUERIES (300), BENCH_SEED (42),
# BENCH_REPEAT (3).  Its own files go to bench/work/recall/.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
SAGASU=${SAGASU:-$BUILD/sagasu}
N_QUERIES=${BENCH_QUERIES:-300}
SEED=${BENCH_SEED:-42}
REPEAT=${BENCH_REPEAT:-3}
K=10
WORK=bench/work
OUT=$WORK/recall

die() { echo "bench/recall.sh: $*" >&2; exit 1; }
step() { echo "== $*" >&2; }
[ -x "$SAGASU" ] || die "no $SAGASU (run make)"
mkdir -p "$OUT"

# --- corpus and query set: those of bench/run.sh --------------------------------
if [ -n "${BENCH_CORPUS:-}" ]; then
  CORPUS=$BENCH_CORPUS
else
  CORPUS=$WORK/corpus.jsonl
  if [ ! -s "$CORPUS" ]; then
    step "building the corpus: bench/corpus.sh $CORPUS"
    bench/corpus.sh "$CORPUS" || die "bench/corpus.sh failed"
  fi
fi
[ -s "$CORPUS" ] || die "corpus $CORPUS is missing or empty"
DOCS=$(grep -c . "$CORPUS")
step "corpus $CORPUS: $DOCS documents, $(du -m "$CORPUS" | cut -f1) MB"
export SAGASU SAGASU_TOKENIZE=${SAGASU_TOKENIZE:-}
TOK=$OUT/corpus.tok.jsonl
Q=$OUT/queries.tsv
if [ ! -s "$TOK" ] || [ "$TOK" -ot "$CORPUS" ]; then
  step "tokenizing the corpus"
  python3 bench/peers/tokenize_corpus.py "$CORPUS" "$TOK" || die "tokenizing failed"
fi
python3 bench/make_queries.py "$CORPUS" "$Q" --seed "$SEED" --n "$N_QUERIES" --tokenized "$TOK" \
  || die "make_queries.py failed"

# --- sagasu: two indexes -----------------------------------------------------------
for kind in substring morpheme; do
  idx=$OUT/sagasu-$kind.idx
  flag=; [ $kind = morpheme ] && flag=--no-substring
  step "sagasu index ($kind${flag:+, $flag})"
  rm -rf "$idx"
  /usr/bin/time -o "$OUT/sagasu-$kind.time" -f '%e %M' \
    "$SAGASU" index -d "$idx" --format jsonl $flag "$CORPUS" >"$OUT/sagasu-$kind.index.log" 2>&1 \
    || die "sagasu index $flag failed: $(tail -n 1 "$OUT/sagasu-$kind.index.log")"
  [ -f "$idx/data.mdb" ] || die "no $idx/data.mdb"
done
step "sagasu bench (keyword mode, substring index)"
"$SAGASU" bench -d "$OUT/sagasu-substring.idx" --queries "$Q" -k $K --json --repeat "$REPEAT" \
  >"$OUT/sagasu.bench.json" 2>"$OUT/sagasu.bench.log" || die "sagasu bench failed: $(tail -n 1 "$OUT/sagasu.bench.log")"
"$SAGASU" bench -d "$OUT/sagasu-morpheme.idx" --queries "$Q" -k $K --json --repeat "$REPEAT" \
  >"$OUT/sagasu-morpheme.bench.json" 2>"$OUT/sagasu-morpheme.bench.log" \
  || die "sagasu bench (morpheme-only) failed: $(tail -n 1 "$OUT/sagasu-morpheme.bench.log")"
# hit counts per query (all hits), for the recall column
"$SAGASU" search -d "$OUT/sagasu-substring.idx" --queries "$Q" -k 1000000 --format tsv \
  >"$OUT/sagasu-substring.run.tsv" 2>/dev/null || die "sagasu search (substring) failed"
"$SAGASU" search -d "$OUT/sagasu-morpheme.idx" --queries "$Q" -k 1000000 --format tsv \
  >"$OUT/sagasu-morpheme.run.tsv" 2>/dev/null || die "sagasu search (morpheme-only) failed"

# --- Groonga TokenBigram -----------------------------------------------------------
step "Groonga TokenBigram"
bench/peers/groonga.sh index "$OUT/groonga-bigram" "$CORPUS" --tokenizer TokenBigram >"$OUT/groonga.index.json" \
  || die "groonga index failed"
bench/peers/groonga.sh query "$OUT/groonga-bigram" "$Q" --mode and -k $K --repeat "$REPEAT" \
  --run "$OUT/groonga.run.tsv" >"$OUT/groonga.query.json" || die "groonga query failed"

# --- the table -------------------------------------------------------------------------
python3 - "$OUT" "$Q" "$DOCS" "$REPEAT" <<'PY'
import json, os, sys
from collections import Counter
out, q, docs, repeat = sys.argv[1:]
mb = lambda b: b / 1e6
sub = os.path.getsize(f"{out}/sagasu-substring.idx/data.mdb")
mor = os.path.getsize(f"{out}/sagasu-morpheme.idx/data.mdb")
gi = json.load(open(f"{out}/groonga.index.json"))
sb = json.load(open(f"{out}/sagasu.bench.json"))
sm = json.load(open(f"{out}/sagasu-morpheme.bench.json"))
gq = json.load(open(f"{out}/groonga.query.json"))
def run(path):
    d = {}
    for l in open(path, encoding="utf-8"):
        if l.strip():
            qid, _, did, _ = l.rstrip("\n").split("\t")
            d.setdefault(qid, set()).add(did)
    return d
def hits(path):
    d = run(path)
    return sum(map(len, d.values())), len(d)
nq = sum(1 for l in open(q, encoding="utf-8") if "\t" in l)
hs, qs = hits(f"{out}/sagasu-substring.run.tsv")
hm, qm = hits(f"{out}/sagasu-morpheme.run.tsv")
t = lambda s: open(f"{out}/{s}.time").read().split()[0]
print(f"\ncorpus: {docs} documents; {nq} keyword queries (1-3 words, AND), k=10, "
      f"{repeat} timed passes\n")
print("| | index MB | index s | p50 µs | p99 µs | QPS |")
print("|---|---:|---:|---:|---:|---:|")
print(f"| sagasu (substring grams, default) | {mb(sub):.1f} | {t('sagasu-substring')} | "
      f"{sb['p50_us']:.1f} | {sb['p99_us']:.1f} | {sb['qps']:.0f} |")
print(f"| sagasu --no-substring | {mb(mor):.1f} | {t('sagasu-morpheme')} | "
      f"{sm['p50_us']:.1f} | {sm['p99_us']:.1f} | {sm['qps']:.0f} |")
print(f"| Groonga TokenBigram | {mb(gi['size_bytes']):.1f} | {gi['index_s']} | "
      f"{gq['p50_us']:.1f} | {gq['p99_us']:.1f} | {gq['qps']:.0f} |")
print(f"\nsubstring / morpheme-only index size: {sub / mor:.2f}x")
print(f"sagasu keyword / Groonga bigram QPS: {sb['qps'] / gq['qps']:.2f}x "
      f"(substring / morpheme-only sagasu QPS: {sb['qps'] / sm['qps']:.2f}x)")
print(f"all hits over the query set: sagasu substring {hs} ({nq - qs} queries with none), "
      f"sagasu --no-substring {hm} ({nq - qm} with none); "
      f"Groonga bigram zero-hit queries: {gq['zero_hit_queries']}")
rs, rm = run(f"{out}/sagasu-substring.run.tsv"), run(f"{out}/sagasu-morpheme.run.tsv")
lost = {qid: rm[qid] - rs.get(qid, set()) for qid in rm if rm[qid] - rs.get(qid, set())}
qtext = dict(l.rstrip("\n").split("\t", 1) for l in open(q, encoding="utf-8") if "\t" in l)
print(f"queries where --no-substring finds documents the substring index does not: {len(lost)} "
      f"({sum(map(len, lost.values()))} documents), e.g. "
      + ", ".join(f"{qtext[k]} ({len(rm[k])} vs {len(rs.get(k, ()))})" for k in list(lost)[:5]))
PY
