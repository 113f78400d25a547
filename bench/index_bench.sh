#!/usr/bin/env bash
# Indexing speed side by side with MeCab alone, in one run, alternating so
# that a noisy machine hurts both alike (the indexer issue's yardstick:
# indexing with T threads <= 1.3x MeCab alone segmenting the same text with
# T threads). Prints the median of each and the ratios.
#   bench/index_bench.sh [CORPUS.jsonl] [RUNS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
S=$BUILD/sagasu
CORPUS=${1:-bench/work/corpus.jsonl}
RUNS=${2:-5}
T=${3:-2}
[ -f "$CORPUS" ] || bench/corpus.sh "$CORPUS"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The text MeCab alone gets: every document's title and body, a line each.
python3 - "$CORPUS" "$WORK/text.txt" <<'PY'
import json, sys
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in open(sys.argv[1], encoding="utf-8"):
        d = json.loads(line)
        out.write((d.get("title") or "") + "\n" + (d.get("body") or "") + "\n")
PY
ms() { date +%s%3N; }
mecab=() nosub=() sub=()
for i in $(seq "$RUNS"); do
	t=$("$BUILD/bench/mecab_bench" -t "$T" -r 1 "$WORK/text.txt" | awk '/^seconds/ {print $2}')
	mecab+=("$t")
	rm -rf "$WORK/i0" "$WORK/i1"
	a=$(ms); "$S" index -d "$WORK/i0" --threads "$T" --no-substring "$CORPUS" 2>/dev/null; b=$(ms)
	nosub+=("$(awk -v x=$((b - a)) 'BEGIN {printf "%.3f", x / 1000}')")
	a=$(ms); "$S" index -d "$WORK/i1" --threads "$T" "$CORPUS" 2>/dev/null; b=$(ms)
	sub+=("$(awk -v x=$((b - a)) 'BEGIN {printf "%.3f", x / 1000}')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
m=$(median "${mecab[@]}") n=$(median "${nosub[@]}") s=$(median "${sub[@]}")
mb=$(du -b "$WORK/text.txt" | cut -f1)
peak=$( { /usr/bin/time -f '%M' "$S" index -d "$WORK/i2" --threads "$T" "$CORPUS" 2>&1 >/dev/null; } | tail -1)
echo "corpus       $CORPUS ($(awk -v b="$mb" 'BEGIN {printf "%.1f", b / 1e6}') MB of text), $T threads, median of $RUNS runs"
printf 'MeCab alone  %6.2f s  %5.1f MB/s\n' "$m" "$(awk -v b="$mb" -v t="$m" 'BEGIN {print b / 1e6 / t}')"
printf 'sagasu index --no-substring  %6.2f s  %5.1f MB/s  %.2fx MeCab\n' "$n" "$(awk -v b="$mb" -v t="$n" 'BEGIN {print b / 1e6 / t}')" "$(awk -v a="$n" -v b="$m" 'BEGIN {print a / b}')"
printf 'sagasu index (substring)     %6.2f s  %5.1f MB/s  %.2fx MeCab\n' "$s" "$(awk -v b="$mb" -v t="$s" 'BEGIN {print b / 1e6 / t}')" "$(awk -v a="$s" -v b="$m" 'BEGIN {print a / b}')"
echo "peak RSS of the substring index run: $((peak / 1024)) MB; index sizes: $(du -b "$WORK/i0/data.mdb" | cut -f1) (--no-substring), $(du -b "$WORK/i1/data.mdb" | cut -f1) bytes"
