#!/usr/bin/env bash
# What a change of matching rules does to keyword-mode result sets: every
# query of a file is searched (keyword mode, every hit: -k 1000000) with two
# sagasu builds, each on its own index of the same corpus, and the sets of ids
# are compared. Prints how many queries' sets grew, shrank or stayed, the
# growth (median and mean of new/old sizes over the queries that grew, and the
# hits added in all), and the queries that lost hits, if any.
#
#   usage: bench/growth.sh QUERIES OLD_BIN OLD_IDX NEW_BIN NEW_IDX [-- OPTS...]
# QUERIES is 'QID<TAB>QUERY' a line (bench/make_queries.py writes one).
set -euo pipefail
[ $# -ge 5 ] || { echo "usage: bench/growth.sh QUERIES OLD_BIN OLD_IDX NEW_BIN NEW_IDX [-- OPTS...]" >&2; exit 2; }
q=$1 ob=$2 oi=$3 nb=$4 ni=$5; shift 5
[ "${1:-}" = -- ] && shift
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
"$ob" search -d "$oi" -k 1000000 --snippet 0 --format tsv "$@" --queries "$q" >"$w/old.tsv"
"$nb" search -d "$ni" -k 1000000 --snippet 0 --format tsv "$@" --queries "$q" >"$w/new.tsv"
python3 - "$q" "$w/old.tsv" "$w/new.tsv" <<'EOF'
import statistics, sys
qtext = {}
for line in open(sys.argv[1], encoding="utf-8"):
    if "\t" in line:
        qid, text = line.rstrip("\n").split("\t", 1)
        qtext[qid] = text
def sets(path):
    s = {q: set() for q in qtext}
    for line in open(path, encoding="utf-8"):
        qid, _rank, doc, _score = line.rstrip("\n").split("\t")
        s[qid].add(doc)
    return s
old, new = sets(sys.argv[2]), sets(sys.argv[3])
grew = [q for q in qtext if new[q] - old[q]]
shrank = [q for q in qtext if old[q] - new[q]]
n = len(qtext)
print(f"queries: {n}; grew: {len(grew)} ({100 * len(grew) / n:.1f}%); "
      f"lost hits: {len(shrank)}; unchanged: {n - len(set(grew) | set(shrank))}")
if grew:
    ratios = [len(new[q]) / len(old[q]) for q in grew if old[q]]
    from_zero = sum(1 for q in grew if not old[q])
    added = sum(len(new[q] - old[q]) for q in grew)
    print(f"of those that grew: {from_zero} from 0 hits; new/old size median "
          f"{statistics.median(ratios) if ratios else float('nan'):.2f}, mean "
          f"{statistics.mean(ratios) if ratios else float('nan'):.2f}; hits added "
          f"{added} (old total {sum(len(old[q]) for q in qtext)}, new total "
          f"{sum(len(new[q]) for q in qtext)})")
    top = sorted(grew, key=lambda q: -len(new[q] - old[q]))[:8]
    print("largest growth: " + ", ".join(f"{qtext[q]} {len(old[q])}→{len(new[q])}" for q in top))
for q in shrank[:20]:
    print(f"lost: {q} {qtext[q]}: {len(old[q])}→{len(new[q])}, e.g. {sorted(old[q] - new[q])[:3]}")
EOF
