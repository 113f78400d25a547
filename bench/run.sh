#!/usr/bin/env bash
# bench/run.sh — `make bench`: sagasu side by side with SQLite FTS5, Xapian and
# Groonga on one corpus and one query set.  Prints one Markdown table and writes
# it, with the machine's description, to bench/results/latest.md and .json.
#
# Environment:
#   BUILD            build directory (build)
#   SAGASU           the sagasu binary ($BUILD/sagasu)
#   SAGASU_TOKENIZE  analyzer command for the pre-tokenized peers and the query
#                    set (default "$SAGASU tokenize --lines"); for development
#                    only: "python3 bench/peers/tokenize_emul.py"
#   BENCH_CORPUS     use this JSONL corpus instead of building bench/work/corpus.jsonl
#   BENCH_QUERIES    number of queries (300); BENCH_SEED (42); BENCH_REPEAT timed
#                    passes over the set per engine and mode (3), after one warm-up
#   BENCH_THREADS    threads of the second `sagasu bench` run per mode (nproc)
#   BENCH_SKIP_SETUP=1  do not run scripts/setup.sh bench
#
# What is timed: each peer times itself inside its process (see the header of
# each driver in bench/peers/); FTS5 and Xapian index sagasu's terms (tokenizing
# is not in their index time), Groonga analyzes the raw text itself (in its
# index time).  sagasu's index time is the wall time of `sagasu index`.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
SAGASU=${SAGASU:-$BUILD/sagasu}
N_QUERIES=${BENCH_QUERIES:-300}
SEED=${BENCH_SEED:-42}
REPEAT=${BENCH_REPEAT:-3}
K=10
WORK=bench/work
RES=bench/results
RAW=$WORK/raw.jsonl         # one JSON object per engine step, gathered for the table

die() { echo "bench/run.sh: $*" >&2; exit 1; }
step() { echo "== $*" >&2; }

[ "${BENCH_SKIP_SETUP:-0}" = 1 ] || scripts/setup.sh bench || die "scripts/setup.sh bench failed"
make --no-print-directory -f bench/peers/Makefile BUILD="$BUILD" >&2 || die "building the peer drivers failed"
mkdir -p "$WORK" "$WORK/runs" "$RES"
: > "$RAW"

# --- corpus ------------------------------------------------------------------
if [ -n "${BENCH_CORPUS:-}" ]; then
  CORPUS=$BENCH_CORPUS
else
  CORPUS=$WORK/corpus.jsonl
  if [ ! -s "$CORPUS" ]; then
    [ -x bench/corpus.sh ] || die "no $CORPUS and no bench/corpus.sh to build it (or set BENCH_CORPUS=FILE.jsonl)"
    step "building the corpus: bench/corpus.sh $CORPUS"
    bench/corpus.sh "$CORPUS" || die "bench/corpus.sh failed"
  fi
fi
[ -s "$CORPUS" ] || die "corpus $CORPUS is missing or empty"
DOCS=$(grep -c . "$CORPUS")
MB=$(du -m "$CORPUS" | cut -f1)
step "corpus $CORPUS: $DOCS documents, ${MB} MB"

# --- the analyzer: all engines fed pre-analyzed text see sagasu's terms --------
if [ -n "${SAGASU_TOKENIZE:-}" ]; then
  echo "bench/run.sh: WARNING: terms come from SAGASU_TOKENIZE='$SAGASU_TOKENIZE', not from sagasu" >&2
  TOKENIZER=$SAGASU_TOKENIZE
else
  TOKENIZER="$SAGASU tokenize --lines"
  echo 'ディレクトリを作成する' | $TOKENIZER > /dev/null 2>&1 \
    || die "'$TOKENIZER' does not work yet; build sagasu, or for development only set
  SAGASU_TOKENIZE='python3 bench/peers/tokenize_emul.py'"
fi
export SAGASU SAGASU_TOKENIZE=${SAGASU_TOKENIZE:-}
TOK=$WORK/corpus.tok.jsonl
Q=$WORK/queries.tsv
step "tokenizing the corpus with '$TOKENIZER'"
t0=$(date +%s.%N)
python3 bench/peers/tokenize_corpus.py "$CORPUS" "$TOK" || die "tokenizing failed"
TOK_S=$(python3 -c 'import sys,time; print(round(time.time() - float(sys.argv[1]), 2))' "$t0")
python3 bench/make_queries.py "$CORPUS" "$Q" --seed "$SEED" --n "$N_QUERIES" --tokenized "$TOK" \
  || die "make_queries.py failed"

record() { # label, then the JSON line on stdin
  python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d["label"]=sys.argv[1]; print(json.dumps(d, ensure_ascii=False))' "$1" >> "$RAW"
}
run_peer() { # label index-cmd... ; query via a function
  local label=$1; shift
  local out
  out=$("$@") || die "$label failed: $*"
  echo "$out" >&2
  printf '%s\n' "$out" | record "$label"
}

# --- peers ---------------------------------------------------------------------
step "FTS5"
run_peer fts5 "$BUILD/bench/fts5_peer" index "$WORK/fts5.sqlite" "$TOK"
for m in and or; do
  run_peer fts5 "$BUILD/bench/fts5_peer" query "$WORK/fts5.sqlite" "$Q" --mode $m -k $K \
    --repeat "$REPEAT" --run "$WORK/runs/fts5.$m.tsv"
done
step "Xapian"
run_peer xapian "$BUILD/bench/xapian_peer" index "$WORK/xapian.db" "$TOK"
for m in and or; do
  run_peer xapian "$BUILD/bench/xapian_peer" query "$WORK/xapian.db" "$Q" --mode $m -k $K \
    --repeat "$REPEAT" --run "$WORK/runs/xapian.$m.tsv"
done
for tk in TokenMecab TokenBigram; do
  label=groonga-${tk#Token}; label=${label,,}
  step "Groonga $tk"
  run_peer "$label" bench/peers/groonga.sh index "$WORK/$label" "$CORPUS" --tokenizer $tk
  for m in and or; do
    run_peer "$label" bench/peers/groonga.sh query "$WORK/$label" "$Q" --mode $m -k $K \
      --repeat "$REPEAT" --run "$WORK/runs/$label.$m.tsv"
  done
done

# --- sagasu: two indexes ----------------------------------------------------------
#   sagasu        the default index (morphemes + substring grams): AND is keyword
#                 mode (a word matches every document containing it as a string,
#                 ranked in tiers, docs/RECALL.md) -- the promise of Groonga
#                 TokenBigram; OR is a bag of morphemes.
#   sagasu-nosub  `sagasu index --no-substring`: AND matches whole morphemes, like
#                 FTS5, Xapian and Groonga TokenMecab; OR as above.
# Each: wall time and peak RSS of `sagasu index`; size = du of the index directory,
# size without stored text = size - databases.docs.bytes (`sagasu stats --json`);
# `sagasu bench --warmup 1 --repeat $REPEAT` per mode, once on 1 thread and once
# on $THREADS threads (the scaling); the top 10 of each query from `sagasu search
# --format tsv` for the overlap with FTS5.
THREADS=${BENCH_THREADS:-$(nproc)}
SAGASU_NOTE=
sagasu_row() { # label, then extra `sagasu index` options
  local label=$1; shift
  local idx=$WORK/$label.idx m flag out mt
  step "$label (sagasu index $*)"
  rm -rf "$idx"
  if ! /usr/bin/time -o "$WORK/$label.time" -f '%e %M' \
       "$SAGASU" index -d "$idx" --format jsonl "$@" "$CORPUS" > "$WORK/$label.index.log" 2>&1; then
    SAGASU_NOTE="$label skipped: '$SAGASU index -d $idx --format jsonl $* $CORPUS' failed: $(tail -n 1 "$WORK/$label.index.log")"
    return 1
  fi
  cat "$WORK/$label.index.log" >&2
  local wall rss size docs_b
  read -r wall rss < "$WORK/$label.time"
  size=$(du -s --block-size=1 "$idx" | cut -f1)
  "$SAGASU" stats -d "$idx" --json > "$WORK/$label.stats.json" || die "sagasu stats failed"
  docs_b=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["databases"]["docs"]["bytes"])' "$WORK/$label.stats.json")
  printf '{"engine":"sagasu","step":"index","index_flags":"%s","docs":%s,"index_s":%s,"size_bytes":%s,"stored_text_bytes":%s,"size_without_text_bytes":%s,"peak_rss_kb":%s,"timing":"wall, incl. start-up"}\n' \
    "$*" "$DOCS" "$wall" "$size" "$docs_b" "$((size - docs_b))" "$rss" | record "$label"
  for m in and or; do
    flag=; [ $m = or ] && flag=--or
    "$SAGASU" search -d "$idx" --queries "$Q" -k $K $flag --format tsv > "$WORK/runs/$label.$m.tsv" \
      2> "$WORK/$label.search.log" || die "$label: sagasu search --queries failed: $(tail -n 1 "$WORK/$label.search.log")"
    out=$("$SAGASU" bench -d "$idx" --queries "$Q" -k $K $flag --warmup 1 --repeat "$REPEAT" \
          --threads 1 --json) || die "$label: sagasu bench failed"
    mt=$("$SAGASU" bench -d "$idx" --queries "$Q" -k $K $flag --warmup 1 --repeat "$REPEAT" \
         --threads "$THREADS" --json) || die "$label: sagasu bench --threads $THREADS failed"
    echo "$out" >&2; echo "$mt" >&2
    python3 -c '
import json, sys
d = json.loads(sys.argv[2]); mt = json.loads(sys.argv[3])
d.update(engine="sagasu", step="query", mode=sys.argv[1],
         scaling=[{"threads": d.get("threads", 1), "qps": d["qps"]},
                  {"threads": mt["threads"], "qps": mt["qps"], "p50_us": mt["p50_us"], "p99_us": mt["p99_us"]}])
print(json.dumps(d))' "$m" "$out" "$mt" | record "$label"
  done
}
sagasu_row sagasu || true
sagasu_row sagasu-nosub --no-substring || true
[ -z "$SAGASU_NOTE" ] || echo "bench/run.sh: $SAGASU_NOTE" >&2

# --- the table -------------------------------------------------------------------
python3 bench/peers/report.py "$RAW" "$RES/latest.md" "$RES/latest.json" \
  --corpus "$CORPUS" --docs "$DOCS" --queries "$Q" --repeat "$REPEAT" \
  --tokenizer "$TOKENIZER" --runs "$WORK/runs" --note "$SAGASU_NOTE" --threads "$THREADS" --tokenize-s "$TOK_S"
