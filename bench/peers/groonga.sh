#!/usr/bin/env bash
# groonga.sh — Groonga (groonga-bin) as a peer of sagasu in the side-by-side benchmark.
#
#   groonga.sh index DBDIR CORPUS.jsonl [--tokenizer TokenMecab|TokenBigram]
#   groonga.sh query DBDIR QUERIES.tsv [--mode and|or] [-k 10] [--repeat N] [--run OUT.tsv]
#
# Unlike the FTS5 and Xapian drivers, Groonga analyzes the RAW title and body
# itself (NormalizerAuto + the tokenizer): that analysis is part of its index
# time, and its terms are not sagasu's (e.g. sagasu indexes verbs by base form,
# Groonga's TokenMecab by surface form), so hit counts differ.
#
# Index: a Docs table (title, body: Text) is loaded from the JSONL, then the
# index column (WITH_POSITION|WITH_SECTION over title,body) is built in one go
# (static index construction).  index_s is the sum of the elapsed times Groonga
# reports in each response header ([[rc, start, elapsed], ...]), i.e. timed
# inside the process; wall_s is the whole `groonga` process; peak_rss_kb from
# /usr/bin/time.  size_bytes is the disk usage of DBDIR (du --block-size=1),
# size_apparent_bytes the sum of file sizes.
#
# Query: every `select` runs in ONE groonga process fed by stdin: one untimed
# warm-up pass over the set, then --repeat timed passes (default 1).  Each query is
#   --match_columns 'title || body' --query '"w1" "w2"'   (AND, Groonga's default)
#   --match_columns 'title || body' --query '"w1" OR "w2"' (OR)
# --sort_keys -_score --limit k --output_columns _key,_score, with match
# escalation disabled (--match_escalation_threshold -1) so that a query with no
# exact hit is not silently rerun as a looser one.  Scoring is Groonga's default:
# the number of matched terms (TF, no IDF, no length normalization) — Groonga
# 13 has no BM25 scorer.  Latency per query is the elapsed time in its response
# header.  Output: one JSON object on stdout, the same keys as the other peers.
set -euo pipefail

die() { echo "groonga.sh: $*" >&2; exit 1; }
command -v groonga >/dev/null || die "groonga not found (apt-get install groonga-bin groonga-tokenizer-mecab)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"

cmd=${1:-}; shift || true
case "$cmd" in
index)
  [ $# -ge 2 ] || die "usage: groonga.sh index DBDIR CORPUS.jsonl [--tokenizer TokenMecab|TokenBigram]"
  dbdir=$1 corpus=$2; shift 2
  tokenizer=TokenMecab
  while [ $# -gt 0 ]; do
    case "$1" in
      --tokenizer) tokenizer=$2; shift 2 ;;
      *) die "index: unknown option $1" ;;
    esac
  done
  rm -rf "$dbdir"; mkdir -p "$dbdir"
  cmds="$dbdir.cmds"
  # The command list: schema, load of the whole corpus as one JSON array, index.
  python3 - "$corpus" "$tokenizer" > "$cmds" <<'PY'
import json, sys
corpus, tokenizer = sys.argv[1], sys.argv[2]
w = sys.stdout.write
if tokenizer == "TokenMecab":
    w("plugin_register tokenizers/mecab\n")
w("table_create Docs TABLE_HASH_KEY ShortText\n")
w("column_create Docs title COLUMN_SCALAR Text\n")
w("column_create Docs body COLUMN_SCALAR Text\n")
w("load --table Docs\n[\n")
first = True
with open(corpus, encoding="utf-8") as f:
    for line in f:
        if not line.strip():
            continue
        d = json.loads(line)
        rec = {"_key": str(d["id"]), "title": d.get("title") or "", "body": d.get("body") or ""}
        w(("" if first else ",\n") + json.dumps(rec, ensure_ascii=False))
        first = False
w("\n]\n")
w("table_create Terms TABLE_PAT_KEY ShortText --default_tokenizer %s --normalizer NormalizerAuto\n" % tokenizer)
w("column_create Terms docs_index COLUMN_INDEX|WITH_POSITION|WITH_SECTION Docs title,body\n")
PY
  out="$dbdir.out" tf="$dbdir.time"
  /usr/bin/time -o "$tf" -f '%e %M' groonga -n "$dbdir/db" < "$cmds" > "$out" \
    || die "index: groonga failed (see $out)"
  read -r wall rss < "$tf"
  size=$(du -s --block-size=1 "$dbdir" | cut -f1)
  apparent=$(du -s -b "$dbdir" | cut -f1)
  python3 - "$out" "$tokenizer" "$wall" "$rss" "$size" "$apparent" <<'PY'
import json, sys
out, tokenizer, wall, rss, size, apparent = sys.argv[1:]
elapsed, docs = 0.0, None
with open(out, encoding="utf-8") as f:
    for line in f:
        if not line.strip():
            continue
        r = json.loads(line)
        head = r[0]
        if head[0] != 0:
            sys.exit(f"groonga.sh index: groonga error {head}")
        elapsed += head[2]
        if isinstance(r[1], int) and not isinstance(r[1], bool):
            docs = r[1]          # the load command answers the number of records
print(json.dumps({"engine": "groonga", "step": "index", "tokenizer": tokenizer, "docs": docs,
                  "index_s": round(elapsed, 3), "wall_s": float(wall), "size_bytes": int(size),
                  "size_apparent_bytes": int(apparent), "peak_rss_kb": int(rss)}))
PY
  rm -f "$cmds" "$out" "$tf"
  ;;
query)
  [ $# -ge 2 ] || die "usage: groonga.sh query DBDIR QUERIES.tsv [--mode and|or] [-k 10] [--run OUT.tsv]"
  dbdir=$1 queries=$2; shift 2
  mode=and k=10 run= repeat=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --mode) mode=$2; shift 2 ;;
      -k) k=$2; shift 2 ;;
      --repeat) repeat=$2; shift 2 ;;
      --run) run=$2; shift 2 ;;
      *) die "query: unknown option $1" ;;
    esac
  done
  case "$mode" in and|or) ;; *) die "query: --mode must be and or or" ;; esac
  [ -e "$dbdir/db" ] || die "query: no database in $dbdir (run index first)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  # Two passes of /d/select?... commands (URL form: no shell-style quoting to get wrong).
  python3 - "$queries" "$mode" "$k" "$repeat" > "$tmp/cmds" <<'PY'
import sys, urllib.parse
queries, mode, k, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cmds = []
with open(queries, encoding="utf-8") as f:
    for line in f:
        line = line.rstrip("\n")
        if "\t" not in line:
            continue
        qid, words = line.split("\t", 1)
        quoted = ['"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"' for w in words.split()]
        q = (" OR " if mode == "or" else " ").join(quoted)
        params = {"table": "Docs", "match_columns": "title || body", "query": q,
                  "sort_keys": "-_score", "limit": k, "output_columns": "_key,_score",
                  "match_escalation_threshold": "-1"}
        cmds.append("/d/select?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote))
for _ in range(1 + repeat):
    for c in cmds:
        print(c)
PY
  grep -q . "$tmp/cmds" || die "query: no queries in $queries"
  /usr/bin/time -o "$tmp/time" -f '%e %M' groonga "$dbdir/db" < "$tmp/cmds" > "$tmp/out" \
    || die "query: groonga failed"
  read -r wall rss < "$tmp/time"
  python3 - "$tmp/out" "$queries" "$mode" "$k" "$rss" "$repeat" "${run:-}" <<'PY'
import json, math, sys
out, queries, mode, k, rss, repeat, run = sys.argv[1:]
repeat = int(repeat)
qids = [l.split("\t", 1)[0] for l in open(queries, encoding="utf-8") if "\t" in l]
resp = [json.loads(l) for l in open(out, encoding="utf-8") if l.strip()]
nq = len(qids)
if len(resp) != (1 + repeat) * nq:
    sys.exit(f"groonga.sh query: {(1 + repeat) * nq} commands, {len(resp)} responses")
for r in resp:
    if r[0][0] != 0:
        sys.exit(f"groonga.sh query: groonga error {r[0]}")
timed = resp[nq:]
n = len(timed)
lat = sorted(r[0][2] * 1e6 for r in timed)
def pct(p):
    rank = max(1, min(n, math.ceil(p / 100 * n)))
    return lat[rank - 1]
hits = [r[1][0][2:] for r in timed]
if run:
    with open(run, "w", encoding="utf-8") as f:
        for qid, rows in zip(qids, (r[1][0][2:] for r in resp[:nq])):
            for i, (key, score) in enumerate(rows, 1):
                f.write(f"{qid}\t{i}\t{key}\t{score}\n")
total = sum(lat) / 1e6
print(json.dumps({"engine": "groonga", "step": "query", "mode": mode, "k": int(k), "n": n,
                  "total_s": round(total, 6), "qps": round(n / total, 1) if total else 0,
                  "p50_us": round(pct(50), 1), "p95_us": round(pct(95), 1),
                  "p99_us": round(pct(99), 1), "mean_us": round(sum(lat) / n, 1),
                  "hits_per_pass": sum(len(h) for h in hits) // repeat,
                  "zero_hit_queries": sum(1 for r in resp[:nq] if r[1][0][0][0] == 0),
                  "peak_rss_kb": int(rss), "scorer": "groonga default (TF)"}))
PY
  ;;
*)
  die "usage: groonga.sh index DBDIR CORPUS.jsonl [--tokenizer ...] | query DBDIR QUERIES.tsv [--mode and|or] [-k 10]"
  ;;
esac
