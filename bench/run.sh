#!/usr/bin/env bash
# bench/run.sh — `make bench`: sagasu side by side with SQLite FTS5, Xapian and
# Groonga on two corpora of different shape, one after the other, each with its
# own query set: "docs", Debian's Japanese documentation (a few thousand long
# documents), and "jsquad", JSQuAD's Wikipedia paragraphs (short documents).
# Prints one Markdown section per corpus and writes them, with the machine's
# description once, to bench/results/latest.md and .json.
#
# Environment:
#   BUILD            build directory (build)
#   SAGASU           the sagasu binary ($BUILD/sagasu)
#   SAGASU_TOKENIZE  analyzer command for the pre-tokenized peers and the query
#                    set (default "$SAGASU tokenize --lines"); for development
#                    only: "python3 bench/peers/tokenize_emul.py"
#   BENCH_CORPORA    the corpora to run, by label, in this order ("docs jsquad"):
#                      docs    bench/work/corpus.jsonl, built by bench/corpus.sh
#                              when absent (where the other bench/ scripts look)
#                      jsquad  $SHARED/corpus/jsquad/docs.jsonl; when absent, a
#                              "SKIP jsquad" line and the docs table alone
#   SHARED           the shared corpora (default: ../shared beside the checkout)
#   BENCH_CORPUS     one corpus only, this JSONL file, labelled by its file name
#                    (BENCH_CORPORA is then not used)
#   BENCH_QUERIES    number of queries per corpus (300); BENCH_SEED (42); BENCH_REPEAT
#                    timed passes over the set per engine and mode (20: a pass of 300 queries takes only milliseconds at sagasu's and Xapian's speed, and a few passes were at the mercy of one scheduler hiccup), after one warm-up
#   BENCH_ROUNDS     rounds of every engine's timed queries (3); the table takes
#                    each engine and mode's median round by QPS
#   BENCH_THREADS    threads of the second `sagasu bench` run per mode (nproc)
#   BENCH_SKIP_SETUP=1  do not run scripts/setup.sh bench
#
# Files: each corpus works in its own bench/work/LABEL/ (its terms, query set,
# peer databases, sagasu indexes, top-10 runs, raw.jsonl, and its report.md and
# .json from bench/peers/report.py), so nothing of one corpus reaches the
# other's table; `report.py --combine` then joins the reports into bench/results/.
#
# What is timed: each peer times itself inside its process (see the header of
# each driver in bench/peers/); FTS5 and Xapian index sagasu's terms (tokenizing
# is not in their index time), Groonga analyzes the raw text itself (in its
# index time).  sagasu's index time is the wall time of `sagasu index`.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
SAGASU=${SAGASU:-$BUILD/sagasu}
SHARED=${SHARED:-$(dirname "$PWD")/shared}
N_QUERIES=${BENCH_QUERIES:-300}
SEED=${BENCH_SEED:-42}
REPEAT=${BENCH_REPEAT:-20}
ROUNDS=${BENCH_ROUNDS:-3}
K=10
WORK=bench/work
RES=bench/results
LABEL=                      # the corpus being run, for step's messages

die() { echo "bench/run.sh: $*" >&2; exit 1; }
step() { echo "== ${LABEL:+$LABEL: }$*" >&2; }

[ "${BENCH_SKIP_SETUP:-0}" = 1 ] || scripts/setup.sh bench || die "scripts/setup.sh bench failed"
make --no-print-directory -f bench/peers/Makefile BUILD="$BUILD" >&2 || die "building the peer drivers failed"
mkdir -p "$WORK" "$RES"

# --- the corpora -----------------------------------------------------------------
# Chosen (and the docs corpus built) before anything is timed, so that a missing
# corpus is said at once and not after the first corpus' half hour.
LABELS=() FILES=() ABOUTS=() SKIPPED=()
add_corpus() { # label file about
  local l
  for l in "${LABELS[@]}"; do [ "$l" != "$1" ] || die "corpus '$1' is listed twice"; done
  [ -s "$2" ] || die "corpus $2 ($1) is empty"
  LABELS+=("$1"); FILES+=("$2"); ABOUTS+=("$3")
}
skip_corpus() { # label, why
  echo "bench/run.sh: SKIP $1: $2" >&2
  SKIPPED+=("$1: $2")
}
builtin_corpus() { # label: the corpora `make bench` knows by name
  local f
  case $1 in
    docs)
      # Kept at bench/work/corpus.jsonl, not in bench/work/docs/: serve_bench.sh,
      # recall.sh, scale.sh and index_bench.sh read it there.  Built once (17 MB,
      # deterministic), reused while present.
      f=$WORK/corpus.jsonl
      if [ ! -s "$f" ]; then
        [ -x bench/corpus.sh ] || die "no $f and no bench/corpus.sh to build it (or set BENCH_CORPUS=FILE.jsonl)"
        step "building the corpus: bench/corpus.sh $f"
        bench/corpus.sh "$f" || die "bench/corpus.sh failed"
      fi
      add_corpus docs "$f" "Debian's Japanese documentation (bench/corpus.sh)" ;;
    jsquad)
      f=$SHARED/corpus/jsquad/docs.jsonl
      if [ -e "$f" ]; then
        add_corpus jsquad "$f" "JSQuAD's Wikipedia paragraphs"
      else
        skip_corpus jsquad "$f is absent (set SHARED=DIR)"
      fi ;;
    *) die "unknown corpus '$1' in BENCH_CORPORA (docs, jsquad; or BENCH_CORPUS=FILE.jsonl)" ;;
  esac
}
if [ -n "${BENCH_CORPUS:-}" ]; then
  [ -s "$BENCH_CORPUS" ] || die "corpus $BENCH_CORPUS is missing or empty"
  add_corpus "$(basename "$BENCH_CORPUS")" "$BENCH_CORPUS" ""
else
  read -r -a want <<< "${BENCH_CORPORA:-docs jsquad}"
  for l in "${want[@]}"; do builtin_corpus "$l"; done
fi
[ ${#LABELS[@]} -gt 0 ] || die "no corpus to run (BENCH_CORPORA='${BENCH_CORPORA:-docs jsquad}')"

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
THREADS=${BENCH_THREADS:-$(nproc)}

# --- one corpus: terms and query set ------------------------------------------------
# Sets the globals the steps below share: CORPUS, W (its work directory), RAW, TOK,
# Q, DOCS, TOK_S, SAGASU_NOTE.
prepare_corpus() { # label file
  LABEL=$1 CORPUS=$2
  W=$WORK/${LABEL//[^A-Za-z0-9._-]/_}
  RAW=$W/raw.jsonl          # one JSON object per engine step, gathered for the table
  TOK=$W/corpus.tok.jsonl
  Q=$W/queries.tsv
  SAGASU_NOTE=
  # Top-10 runs of an earlier run would count in the overlap of a row that failed now.
  rm -rf "$W/runs"
  mkdir -p "$W/runs"
  : > "$RAW"
  DOCS=$(grep -c . "$CORPUS")
  step "corpus $CORPUS: $DOCS documents, $(du -m "$CORPUS" | cut -f1) MB; files in $W/"
  step "tokenizing the corpus with '$TOKENIZER'"
  local t0
  t0=$(date +%s.%N)
  python3 bench/peers/tokenize_corpus.py "$CORPUS" "$TOK" || die "tokenizing failed"
  TOK_S=$(python3 -c 'import sys,time; print(round(time.time() - float(sys.argv[1]), 2))' "$t0")
  python3 bench/make_queries.py "$CORPUS" "$Q" --seed "$SEED" --n "$N_QUERIES" --tokenized "$TOK" \
    || die "make_queries.py failed"
}

record() { # label, then the JSON line on stdin; query steps carry the round
  python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
d["label"] = sys.argv[1]
if d.get("step") == "query":
    d["round"] = int(sys.argv[2])
print(json.dumps(d, ensure_ascii=False))' "$1" "${ROUND:-1}" >> "$RAW"
}
run_peer() { # label index-cmd... ; query via a function
  local label=$1; shift
  local out
  out=$("$@") || die "$label failed: $*"
  echo "$out" >&2
  printf '%s\n' "$out" | record "$label"
}

# --- peers ---------------------------------------------------------------------
GROONGA_LABELS=(groonga-mecab:TokenMecab groonga-bigram:TokenBigram)
index_peers() {
  local g
  step "FTS5 index"
  run_peer fts5 "$BUILD/bench/fts5_peer" index "$W/fts5.sqlite" "$TOK"
  step "Xapian index"
  run_peer xapian "$BUILD/bench/xapian_peer" index "$W/xapian.db" "$TOK"
  for g in "${GROONGA_LABELS[@]}"; do
    step "Groonga ${g#*:} index"
    run_peer "${g%%:*}" bench/peers/groonga.sh index "$W/${g%%:*}" "$CORPUS" --tokenizer "${g#*:}"
  done
}
query_peers() {
  local m g
  step "FTS5, Xapian, Groonga queries (round $ROUND)"
  for m in and or; do
    run_peer fts5 "$BUILD/bench/fts5_peer" query "$W/fts5.sqlite" "$Q" --mode $m -k $K \
      --repeat "$REPEAT" --run "$W/runs/fts5.$m.tsv"
    run_peer xapian "$BUILD/bench/xapian_peer" query "$W/xapian.db" "$Q" --mode $m -k $K \
      --repeat "$REPEAT" --run "$W/runs/xapian.$m.tsv"
    for g in "${GROONGA_LABELS[@]}"; do
      run_peer "${g%%:*}" bench/peers/groonga.sh query "$W/${g%%:*}" "$Q" --mode $m -k $K \
        --repeat "$REPEAT" --run "$W/runs/${g%%:*}.$m.tsv"
    done
  done
}

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
sagasu_row() { # label, then extra `sagasu index` options
  local label=$1; shift
  local idx=$W/$label.idx m flag
  step "$label (sagasu index $*)"
  rm -rf "$idx"
  if ! /usr/bin/time -o "$W/$label.time" -f '%e %M' \
       "$SAGASU" index -d "$idx" --format jsonl "$@" "$CORPUS" > "$W/$label.index.log" 2>&1; then
    SAGASU_NOTE="$label skipped: '$SAGASU index -d $idx --format jsonl $* $CORPUS' failed: $(tail -n 1 "$W/$label.index.log")"
    return 1
  fi
  cat "$W/$label.index.log" >&2
  local wall rss size docs_b
  read -r wall rss < "$W/$label.time"
  size=$(du -s --block-size=1 "$idx" | cut -f1)
  "$SAGASU" stats -d "$idx" --json > "$W/$label.stats.json" || die "sagasu stats failed"
  docs_b=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["databases"]["docs"]["bytes"])' "$W/$label.stats.json")
  printf '{"engine":"sagasu","step":"index","index_flags":"%s","docs":%s,"index_s":%s,"size_bytes":%s,"stored_text_bytes":%s,"size_without_text_bytes":%s,"peak_rss_kb":%s,"timing":"wall, incl. start-up"}\n' \
    "$*" "$DOCS" "$wall" "$size" "$docs_b" "$((size - docs_b))" "$rss" | record "$label"
  for m in and or; do
    flag=; [ $m = or ] && flag=--or
    "$SAGASU" search -d "$idx" --queries "$Q" -k $K $flag --format tsv > "$W/runs/$label.$m.tsv" \
      2> "$W/$label.search.log" || die "$label: sagasu search --queries failed: $(tail -n 1 "$W/$label.search.log")"
  done
  SAGASU_ROWS+=("$label")
}
query_sagasu() { # label
  local label=$1 idx=$W/$1.idx m flag out mt
  for m in and or; do
    flag=; [ $m = or ] && flag=--or
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
index_sagasu() {
  SAGASU_ROWS=()
  sagasu_row sagasu || true
  sagasu_row sagasu-nosub --no-substring || true
  [ -z "$SAGASU_NOTE" ] || echo "bench/run.sh: $SAGASU_NOTE" >&2
}

# --- the timed queries: in rounds ----------------------------------------------------
# Every engine's query steps run once a round, one engine after the other, and the
# table takes each engine and mode's median round (by QPS): a pass over 300
# queries lasts milliseconds at sagasu's and Xapian's speed, and this machine is
# shared, so one hiccup must not decide a ratio.
query_rounds() {
  local l
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    query_peers
    step "sagasu queries (round $ROUND)"
    for l in "${SAGASU_ROWS[@]}"; do query_sagasu "$l"; done
  done
  ROUND=
}

# --- one corpus' table -------------------------------------------------------------
# Into its work directory; its Markdown goes to stderr, as the progress does:
# stdout gets the combined report only.
report_corpus() { # about
  python3 bench/peers/report.py "$RAW" "$W/report.md" "$W/report.json" \
    --corpus "$CORPUS" --docs "$DOCS" --queries "$Q" --repeat "$REPEAT" \
    --tokenizer "$TOKENIZER" --runs "$W/runs" --note "$SAGASU_NOTE" --threads "$THREADS" \
    --tokenize-s "$TOK_S" --label "$LABEL" --about "$1" >&2 || die "report.py failed"
  REPORTS+=("$W/report.json")
}

REPORTS=()
for i in "${!LABELS[@]}"; do
  prepare_corpus "${LABELS[$i]}" "${FILES[$i]}"
  index_peers
  index_sagasu
  query_rounds
  report_corpus "${ABOUTS[$i]}"
done
LABEL=

# --- the tables: every corpus in one report --------------------------------------------
skipped=()
for s in "${SKIPPED[@]}"; do skipped+=(--skipped "$s"); done
python3 bench/peers/report.py --combine "$RES/latest.md" "$RES/latest.json" "${REPORTS[@]}" "${skipped[@]}" \
  || die "report.py --combine failed"
# Said again at the end, where it is seen after the long run.
for s in "${SKIPPED[@]}"; do echo "bench/run.sh: SKIP $s" >&2; done
