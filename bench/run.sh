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
python3 bench/peers/tokenize_corpus.py "$CORPUS" "$TOK" || die "tokenizing failed"
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

# --- sagasu (its commands may not exist yet: then its row is skipped) ----------
step "sagasu"
SAGASU_NOTE=
IDX=$WORK/sagasu.idx
rm -rf "$IDX"
if ! /usr/bin/time -o "$WORK/sagasu.time" -f '%e %M' \
     "$SAGASU" index -d "$IDX" --format jsonl "$CORPUS" > "$WORK/sagasu.index.log" 2>&1; then
  SAGASU_NOTE="sagasu skipped: '$SAGASU index -d $IDX --format jsonl $CORPUS' failed: $(tail -n 1 "$WORK/sagasu.index.log")"
else
  read -r wall rss < "$WORK/sagasu.time"
  size=$(du -s --block-size=1 "$IDX" | cut -f1)
  printf '{"engine":"sagasu","step":"index","docs":%s,"index_s":%s,"size_bytes":%s,"peak_rss_kb":%s,"timing":"wall, incl. start-up"}\n' \
    "$DOCS" "$wall" "$size" "$rss" | record sagasu
  for m in and or; do
    flag=; [ $m = or ] && flag=--or
    if out=$("$SAGASU" bench -d "$IDX" --queries "$Q" -k $K $flag --json 2> "$WORK/sagasu.bench.log") \
       && printf '%s' "$out" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); [d[k] for k in ("qps","p50_us","p95_us","p99_us")]' 2>/dev/null; then
      printf '%s' "$out" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d.update(engine="sagasu", step="query", mode=sys.argv[1]); print(json.dumps(d))' $m | record sagasu
    else
      SAGASU_NOTE="sagasu query rows skipped: '$SAGASU bench -d $IDX --queries $Q -k $K $flag --json' failed or printed no qps/p50_us/p95_us/p99_us: $(tail -n 1 "$WORK/sagasu.bench.log")"
      break
    fi
  done
fi
[ -z "$SAGASU_NOTE" ] || echo "bench/run.sh: $SAGASU_NOTE" >&2

# --- the table -------------------------------------------------------------------
python3 bench/peers/report.py "$RAW" "$RES/latest.md" "$RES/latest.json" \
  --corpus "$CORPUS" --docs "$DOCS" --queries "$Q" --repeat "$REPEAT" \
  --tokenizer "$TOKENIZER" --runs "$WORK/runs" --note "$SAGASU_NOTE"
