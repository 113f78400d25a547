#!/usr/bin/env bash
# bench/scale.sh [N...] — the scale curve: index time, index size, peak RSS and
# query latency of sagasu against the number of documents N (default
# 10000 100000 1000000), on synthetic corpora drawn from the real corpus'
# term and length distributions (bench/scale_gen.py; see bench/SCALE.md).
#
# For each N: generate N documents and 300 queries (fixed seed), index them
# (`sagasu index --threads 2 --mem 256M`, default substring index, then again
# with --no-substring unless SCALE_NOSUB=0), time each index run with
# /usr/bin/time (wall, peak RSS), and run `sagasu bench -k 10 --repeat 3
# --warmup 1` in AND and OR mode over each index.
#
# Peak RSS is /usr/bin/time's (it counts the pages of data.mdb mapped by LMDB);
# peak anon RSS (RssAnon of the indexer, sampled every 0.05 s: heap, batch,
# LMDB's dirty pages) is the memory the process really holds; too short a run
# (N = 1000) is sampled badly.  `sagasu stats` of each index goes to the log.
#
# Writes bench/results/scale.tsv (one row per N; rows of other N already there
# are kept, so N can be run one at a time), bench/results/scale.jsonl (the raw
# figures), bench/results/scale.log (stage times) and bench/results/scale.png
# (bench/scale.gnuplot).
#
# Environment:
#   BUILD, SAGASU        build directory (build), binary ($BUILD/sagasu)
#   SCALE_CORPUS         real corpus (bench/work/corpus.jsonl; built with
#                        bench/corpus.sh when missing)
#   SCALE_WORK           scratch: tokenized corpus, synthetic corpora, indexes
#                        (bench/work/scale)
#   SCALE_SEED (42), SCALE_LEN_DIV (10), SCALE_MIN_LEN (5), SCALE_QUERIES (300)
#   SCALE_THREADS (2), SCALE_MEM (256M), SCALE_REPEAT (3)
#   SCALE_NOSUB=0        skip the --no-substring index
#   SCALE_KEEP=1         keep each N's synthetic corpus and indexes (default:
#                        deleted once measured)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
SAGASU=${SAGASU:-$BUILD/sagasu}
CORPUS=${SCALE_CORPUS:-bench/work/corpus.jsonl}
W=${SCALE_WORK:-bench/work/scale}
SEED=${SCALE_SEED:-42}
LEN_DIV=${SCALE_LEN_DIV:-10}
MIN_LEN=${SCALE_MIN_LEN:-5}
NQ=${SCALE_QUERIES:-300}
THREADS=${SCALE_THREADS:-2}
MEM=${SCALE_MEM:-256M}
REPEAT=${SCALE_REPEAT:-3}
NOSUB=${SCALE_NOSUB:-1}
KEEP=${SCALE_KEEP:-0}
RES=bench/results
TSV=$RES/scale.tsv
RAW=$RES/scale.jsonl
LOG=$RES/scale.log
[ $# -gt 0 ] || set -- 10000 100000 1000000

die() { echo "bench/scale.sh: $*" >&2; exit 1; }
log() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$LOG" >&2; }
[ -x "$SAGASU" ] || die "no $SAGASU: run make"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
for n in "$@"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "bad N '$n'"; done
mkdir -p "$W" "$RES"

# --- the real corpus, tokenized once (one document a line: title + body) ------
if [ ! -s "$CORPUS" ]; then
  log "building the corpus: bench/corpus.sh $CORPUS"
  bench/corpus.sh "$CORPUS" || die "bench/corpus.sh failed"
fi
TOK=$W/real.tok
if [ ! -s "$TOK" ] || [ "$CORPUS" -nt "$TOK" ] || [ "$SAGASU" -nt "$TOK" ]; then
  log "tokenizing $CORPUS -> $TOK"
  python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    d = json.loads(line)
    t = (d.get("title") or "") + " " + (d.get("body") or "")
    print(" ".join(t.splitlines()).replace("\t", " "))
' "$CORPUS" | "$SAGASU" tokenize --lines > "$TOK.tmp" || die "tokenizing failed"
  [ "$(wc -l < "$TOK.tmp")" = "$(grep -c . "$CORPUS")" ] || die "tokenizer printed a line count unlike the corpus'"
  mv "$TOK.tmp" "$TOK"
fi

secs() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f}")' "$1" "$(date +%s.%N)"; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d[sys.argv[2]])' "$1" "$2"; }

index_run() { # dir corpus label [flags...] -> prints "wall rss_kb size_bytes anon_kb batches"
  local dir=$1 g=$2 label=$3; shift 3
  rm -rf "$dir"
  /usr/bin/time -o "$dir.time" -f '%e %M' \
    "$SAGASU" index -d "$dir" --threads "$THREADS" --mem "$MEM" --format jsonl "$@" "$g" \
    > "$dir.log" 2>&1 &
  # peak anonymous RSS (heap: batch, analysis, LMDB's dirty pages), sampled
  # every 0.05 s; /usr/bin/time's peak RSS also counts the mapped data.mdb pages
  local tp=$! cp= anon=0 k v _
  while kill -0 "$tp" 2> /dev/null; do
    [ -n "$cp" ] || cp=$(pgrep -P "$tp" | head -n 1 || true)
    if [ -n "$cp" ] && [ -r "/proc/$cp/status" ]; then
      while read -r k v _; do
        [ "$k" = RssAnon: ] && [ "$v" -gt "$anon" ] && anon=$v
      done 2> /dev/null < "/proc/$cp/status" || true
    fi
    sleep 0.05
  done
  wait "$tp" || die "$label: sagasu index failed: $(tail -n 2 "$dir.log")"
  local wall rss batches
  read -r wall rss < <(tail -n 1 "$dir.time")
  batches=$(tail -n 1 "$dir.log" | sed -n 's/.*, \([0-9]*\) batch.*/\1/p')
  "$SAGASU" stats -d "$dir" > "$dir.stats" 2>&1 || true
  echo "$wall $rss $(stat -c %s "$dir/data.mdb") $anon ${batches:--}"
}

bench_run() { # dir queries mode -> JSON line
  local flag=; [ "$3" = or ] && flag=--or
  "$SAGASU" bench -d "$1" --queries "$2" -k 10 $flag --json --repeat "$REPEAT" --warmup 1 \
    2> "$1.bench.log" || die "sagasu bench -d $1 $flag failed: $(tail -n 1 "$1.bench.log")"
}

record() { # N variant step json
  python3 -c 'import json,sys; d=json.loads(sys.argv[4]); d.update(N=int(sys.argv[1]), variant=sys.argv[2], step=sys.argv[3]); print(json.dumps(d, ensure_ascii=False))' \
    "$@" >> "$RAW"
}

mb() { python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.1f}")' "$1" "$2"; }

HEADER="#N	corpus_mb	gen_s	index_s	index_mb	peak_rss_mb	and_qps	and_p50_us	and_p99_us	and_postings	or_qps	or_p50_us	or_p99_us	or_postings	nosub_index_s	nosub_index_mb	nosub_rss_mb	nosub_and_p50_us	nosub_and_p99_us	nosub_and_postings	nosub_or_p50_us	nosub_or_p99_us	nosub_or_postings	peak_anon_mb	batches	nosub_peak_anon_mb	nosub_batches"

log "scale.sh: N = $* ($SAGASU, threads $THREADS, mem $MEM, len ÷$LEN_DIV min $MIN_LEN, seed $SEED, $(nproc) cores)"
for N in "$@"; do
  G=$W/g$N.jsonl Q=$W/q$N.tsv
  t0=$(date +%s.%N)
  python3 bench/scale_gen.py --tok "$TOK" --n "$N" --out "$G" --queries "$Q" --nq "$NQ" \
    --seed "$SEED" --len-div "$LEN_DIV" --min-len "$MIN_LEN" 2>> "$LOG" || die "scale_gen.py failed"
  gen_s=$(secs "$t0")
  corpus_mb=$(mb "$(stat -c %s "$G")" 1e6)
  log "N=$N: generated $corpus_mb MB in ${gen_s}s"

  row="$N	$corpus_mb	$gen_s" extra=
  for variant in sub nosub; do
    flags=()
    if [ $variant = nosub ]; then
      if [ "$NOSUB" = 0 ]; then row+="$(printf '\t-%.0s' {1..9})"; extra+="	-	-"; continue; fi
      flags=(--no-substring)
    fi
    D=$W/idx$N.$variant
    read -r wall rss size anon batches < <(index_run "$D" "$G" "N=$N $variant" "${flags[@]}")
    size_mb=$(mb "$size" 1048576); rss_mb=$(mb "$rss" 1024); anon_mb=$(mb "$anon" 1024)
    [ $variant = sub ] && extra="	$anon_mb	$batches" || extra+="	$anon_mb	$batches"
    { echo "--- N=$N $variant: sagasu stats"; cat "$D.stats"; } >> "$LOG"
    record "$N" $variant index "{\"index_s\":$wall,\"peak_rss_kb\":$rss,\"peak_anon_kb\":$anon,\"batches\":\"$batches\",\"size_bytes\":$size,\"corpus_mb\":$corpus_mb,\"log\":$(tail -n 1 "$D.log" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read().strip()))')}"
    log "N=$N $variant: indexed in ${wall}s, data.mdb ${size_mb} MiB, peak RSS ${rss_mb} MiB, peak anon RSS ${anon_mb} MiB ($(tail -n 1 "$D.log"))"
    if [ $variant = sub ]; then row+="	$wall	$size_mb	$rss_mb"; else row+="	$wall	$size_mb	$rss_mb"; fi
    for m in and or; do
      t0=$(date +%s.%N)
      j=$(bench_run "$D" "$Q" $m)
      record "$N" $variant query "$j"
      p50=$(jget "$j" p50_us) p99=$(jget "$j" p99_us) qps=$(jget "$j" qps) post=$(jget "$j" postings_decoded_per_query)
      log "N=$N $variant $m: p50 ${p50}us p99 ${p99}us ${qps} q/s, ${post} postings/query ($(secs "$t0")s)"
      if [ $variant = sub ]; then row+="	$qps	$p50	$p99	$post"; else row+="	$p50	$p99	$post"; fi
    done
    [ "$KEEP" = 1 ] || rm -rf "$D"
  done
  [ "$KEEP" = 1 ] || rm -f "$G"
  row+="$extra"

  # replace this N's row, keep the others, sorted by N
  { echo "$HEADER"
    { [ -s "$TSV" ] && grep -v '^#' "$TSV" | awk -F'\t' -v n="$N" '$1 != n' || true; echo "$row"; } | sort -n
  } > "$TSV.tmp" && mv "$TSV.tmp" "$TSV"
  if command -v gnuplot > /dev/null; then
    gnuplot -e "tsv='$TSV'; png='$RES/scale.png'" bench/scale.gnuplot 2>> "$LOG" || log "gnuplot failed (see $LOG)"
  else
    log "no gnuplot: $RES/scale.png not drawn (apt-get install gnuplot-nox)"
  fi
done
column -t -s $'\t' "$TSV" >&2
