#!/usr/bin/env bash
# A/B query latency: several sagasu builds (or indexes) on one query set, in
# alternating rounds, so that the shared machine's drift falls on all of them
# alike. Each round runs, for every configuration in turn (the order rotated
# from round to round),
#   BIN bench -q -d IDX --queries QUERIES --warmup 1 --repeat REPEAT --format json OPTS
# and keeps its queries/s, p50 and p99; the table gives the medians over the
# rounds and each configuration's ratio to the first.
#
#   usage: bench/ab.sh [-r ROUNDS] [-n REPEAT] QUERIES LABEL=BIN:IDX... [-- OPTS...]
#     e.g. bench/ab.sh bench/work/queries.tsv old=/tmp/old/sagasu:/tmp/idx-old \
#              new=build/sagasu:/tmp/idx-new -- --or
# ROUNDS defaults to 5, REPEAT to 3. Prints a Markdown table on stdout.
set -euo pipefail

rounds=5 repeat=3
while getopts r:n: o; do
  case $o in
    r) rounds=$OPTARG ;;
    n) repeat=$OPTARG ;;
    *) echo "usage: bench/ab.sh [-r ROUNDS] [-n REPEAT] QUERIES LABEL=BIN:IDX... [-- OPTS...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { echo "ab.sh: need a query file and at least one LABEL=BIN:IDX" >&2; exit 2; }
queries=$1; shift
[ -r "$queries" ] || { echo "ab.sh: cannot read the query file $queries" >&2; exit 2; }

labels=() bins=() idxs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    *=*:*) ;;
    *) echo "ab.sh: '$1' is not LABEL=BIN:IDX" >&2; exit 2 ;;
  esac
  labels+=("${1%%=*}"); rest=${1#*=}
  bins+=("${rest%%:*}"); idxs+=("${rest#*:}")
  [ -x "${bins[-1]}" ] || { echo "ab.sh: ${bins[-1]} is not an executable" >&2; exit 2; }
  [ -d "${idxs[-1]}" ] || { echo "ab.sh: ${idxs[-1]} is not an index directory" >&2; exit 2; }
  shift
done
[ "${1:-}" = -- ] && shift
opts=("$@")

out=$(mktemp)
trap 'rm -f "$out"' EXIT
n=${#labels[@]}
for ((r = 0; r < rounds; r++)); do
  for ((j = 0; j < n; j++)); do
    i=$(((j + r) % n))
    json=$("${bins[i]}" bench -q -d "${idxs[i]}" --queries "$queries" --warmup 1 \
      --repeat "$repeat" --format json "${opts[@]}") \
      || { echo "ab.sh: ${labels[i]}: ${bins[i]} bench failed" >&2; exit 1; }
    printf '%s\t%s\n' "${labels[i]}" "$json" >>"$out"
  done
  echo "ab.sh: round $((r + 1)) of $rounds done" >&2
done

python3 - "$out" "${labels[@]}" <<'EOF'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1], encoding="utf-8"):
    label, js = line.rstrip("\n").split("\t", 1)
    rows.setdefault(label, []).append(json.loads(js))
labels = sys.argv[2:]
med = {l: {f: statistics.median(r[f] for r in rows[l]) for f in ("qps", "p50_us", "p99_us")}
       for l in labels}
base = med[labels[0]]
print(f"rounds: {len(rows[labels[0]])} (medians)")
print("| build | q/s | p50 µs | p99 µs | q/s vs first | p50 vs first | p99 vs first |")
print("|---|---:|---:|---:|---:|---:|---:|")
for l in labels:
    m = med[l]
    print(f"| {l} | {m['qps']:,.0f} | {m['p50_us']:.1f} | {m['p99_us']:.1f} | "
          f"{m['qps'] / base['qps']:.2f}× | {m['p50_us'] / base['p50_us']:.2f}× | "
          f"{m['p99_us'] / base['p99_us']:.2f}× |")
EOF
