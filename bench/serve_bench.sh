#!/usr/bin/env bash
# bench/serve_bench.sh — `make bench-serve`: `sagasu serve` over loopback with
# 1, 2 and 8 concurrent clients on the `make bench` corpus and query set,
# next to `sagasu bench` in-process on the same index and queries (the
# difference is the HTTP overhead per query), and Groonga's own HTTP server
# (`groonga --protocol http`) on the same queries when groonga is installed.
# Prints one Markdown table and writes it to bench/results/serve.md.
#
# Load: wrk (scripts/setup.sh bench), one connection per client (keep-alive),
# a Lua script that cycles through the 300 queries as /search?q=...&k=10
# (mode=and, then mode=or), BENCH_SECONDS per run (default 10); wrk counts
# non-2xx answers and socket errors, both must be 0. Latencies are wrk's
# (per request, client side); sagasu bench's are per query inside the process.
# sagasu serve runs twice: snippet=0 (the search alone, what sagasu bench and
# Groonga's select of _key,_score do) and snippet=100 (the API's default).
#
# Environment:
#   BUILD, SAGASU      as bench/run.sh
#   BENCH_CORPUS       the corpus (default bench/work/corpus.jsonl, built by
#                      bench/corpus.sh when missing)
#   BENCH_QUERIES (300), BENCH_SEED (42): the query set, as bench/run.sh
#   BENCH_SECONDS      seconds of load per client count and mode (10)
#   BENCH_THREADS      `sagasu serve --threads` (nproc)
#   BENCH_GROONGA=0    skip Groonga
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SAGASU=${SAGASU:-$BUILD/sagasu}
N_QUERIES=${BENCH_QUERIES:-300}
SEED=${BENCH_SEED:-42}
SECS=${BENCH_SECONDS:-10}
THREADS=${BENCH_THREADS:-$(nproc)}
CLIENTS="1 2 8"
K=10
WORK=bench/work
RES=bench/results
mkdir -p "$WORK" "$RES"
die() { echo "bench/serve_bench.sh: $*" >&2; exit 1; }
step() { echo "== $*" >&2; }
command -v wrk >/dev/null || die "wrk is not installed (scripts/setup.sh bench)"

CORPUS=${BENCH_CORPUS:-$WORK/corpus.jsonl}
if [ ! -s "$CORPUS" ]; then
	step "building the corpus: bench/corpus.sh $CORPUS"
	bench/corpus.sh "$CORPUS" || die "bench/corpus.sh failed"
fi
Q=$WORK/serve-queries.tsv
python3 bench/make_queries.py "$CORPUS" "$Q" --seed "$SEED" --n "$N_QUERIES" >&2 ||
	die "make_queries.py failed"
IDX=$WORK/serve.idx
if [ ! -e "$IDX/data.mdb" ] || [ "$CORPUS" -nt "$IDX/data.mdb" ]; then
	step "indexing $CORPUS"
	rm -rf "$IDX"
	"$SAGASU" index -d "$IDX" --format jsonl "$CORPUS" >&2 || die "sagasu index failed"
fi

PIDS=()
TMPD=$(mktemp -d)
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMPD"' EXIT

# paths MODE PREFIX FILE: one request path per query
paths() {
	python3 - "$Q" "$1" "$2" "$3" "$K" "${4:-}" <<'PY'
import sys, urllib.parse
q, mode, kind, out, k, extra = sys.argv[1:7]
with open(q, encoding="utf-8") as f, open(out, "w") as o:
    for line in f:
        qid, _, words = line.rstrip("\n").partition("\t")
        if not words:
            continue
        if kind == "sagasu":
            o.write("/search?q=%s&k=%s&mode=%s%s\n" % (urllib.parse.quote(words), k, mode, extra))
        else:  # the select of bench/peers/groonga.sh
            quoted = ['"' + w.replace("\\", "\\\\").replace('"', '\\"') + '"' for w in words.split()]
            p = {"table": "Docs", "match_columns": "title || body",
                 "query": (" OR " if mode == "or" else " ").join(quoted),
                 "sort_keys": "-_score", "limit": k, "output_columns": "_key,_score",
                 "match_escalation_threshold": "-1"}
            o.write("/d/select?" + urllib.parse.urlencode(p, quote_via=urllib.parse.quote) + "\n")
PY
}
cat >"$TMPD/cycle.lua" <<'LUA'
-- Cycles through the request paths of PATHS (one a line), one after another;
-- done() prints requests/s, p50/p99 (µs) and errors as one JSON line.
local paths, i = {}, 0
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
function init(args) i = math.random(#paths) - 1 end
function request()
	i = i % #paths + 1
	return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format('{"requests":%d,"rps":%.1f,"p50_us":%d,"p99_us":%d,' ..
		'"errors":%d}\n', summary.requests, summary.requests / (summary.duration / 1e6),
		latency:percentile(50), latency:percentile(99),
		e.connect + e.read + e.write + e.timeout + e.status))
end
LUA
# load URL PATHS CLIENTS: one JSON line
load() {
	PATHS=$2 wrk -t "$(($3 < THREADS ? $3 : THREADS))" -c "$3" -d "${SECS}s" --timeout 10s \
		-s "$TMPD/cycle.lua" "$1" | grep '^{"requests"'
}
# wait_http URL: up to 30 s for a 200
wait_http() {
	local i
	for i in $(seq 300); do
		curl -sf -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}

RAW=$TMPD/raw.jsonl
: >"$RAW"
rec() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); d.update(engine=sys.argv[1], mode=sys.argv[2], clients=sys.argv[3]); print(json.dumps(d))' "$@" >>"$RAW"; }

# --- sagasu bench, in process -------------------------------------------------
for m in and or; do
	flag=; [ $m = or ] && flag=--or
	for t in 1 "$THREADS"; do
		step "sagasu bench --threads $t ($m)"
		"$SAGASU" bench -d "$IDX" --queries "$Q" -k $K $flag --warmup 1 --repeat 3 \
			--threads "$t" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(json.dumps({"rps": d["qps"], "p50_us": d["p50_us"], "p99_us": d["p99_us"], "errors": 0}))' |
			rec "sagasu bench (in process)" $m "$t threads"
	done
done

# --- sagasu serve ---------------------------------------------------------------
step "sagasu serve --threads $THREADS"
"$SAGASU" serve -d "$IDX" --listen 127.0.0.1:0 --threads "$THREADS" -q 2>"$TMPD/serve.log" &
PIDS+=($!)
for i in $(seq 100); do
	A=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$TMPD/serve.log")
	[ -n "$A" ] && break
	sleep 0.1
done
[ -n "$A" ] || die "sagasu serve did not start: $(cat "$TMPD/serve.log")"
# snippet=0: the search alone, as sagasu bench (and Groonga's select of
# _key,_score) measure it; then the default answer of the API (and of
# `sagasu search --format json`), with a 100-character snippet per hit.
for sn in 0 100; do
	for m in and or; do
		paths $m sagasu "$TMPD/s-$m.paths" "&snippet=$sn"
		PATHS=$TMPD/s-$m.paths wrk -t 1 -c 1 -d 2s -s "$TMPD/cycle.lua" "$A" >/dev/null # warm-up
		for c in $CLIENTS; do
			step "sagasu serve: $c clients ($m, snippet=$sn)"
			load "$A" "$TMPD/s-$m.paths" "$c" | rec "sagasu serve (HTTP, snippet=$sn)" $m "$c"
		done
	done
done

# --- groonga --protocol http ------------------------------------------------------
if [ "${BENCH_GROONGA:-1}" != 0 ] && command -v groonga >/dev/null; then
	G=$WORK/groonga-mecab
	if [ ! -e "$G/db" ]; then
		step "Groonga TokenMecab index (bench/peers/groonga.sh)"
		bench/peers/groonga.sh index "$G" "$CORPUS" --tokenizer TokenMecab >&2 ||
			die "groonga.sh index failed"
	fi
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	step "groonga --protocol http on port $port"
	groonga --protocol http -s --bind-address 127.0.0.1 --port "$port" \
		-t "$THREADS" "$G/db" >"$TMPD/groonga.log" 2>&1 &
	PIDS+=($!)
	wait_http "http://127.0.0.1:$port/d/status" || die "groonga http did not start"
	for m in and or; do
		paths $m groonga "$TMPD/g-$m.paths"
		PATHS=$TMPD/g-$m.paths wrk -t 1 -c 1 -d 2s -s "$TMPD/cycle.lua" "http://127.0.0.1:$port" >/dev/null
		for c in $CLIENTS; do
			step "groonga http: $c clients ($m)"
			load "http://127.0.0.1:$port" "$TMPD/g-$m.paths" "$c" | rec "groonga --protocol http (TokenMecab)" $m "$c"
		done
	done
else
	echo "bench/serve_bench.sh: groonga skipped" >&2
fi

# --- the table ---------------------------------------------------------------------
python3 - "$RAW" "$RES/serve.md" "$CORPUS" "$N_QUERIES" "$SECS" "$THREADS" <<'PY'
import json, platform, os, sys
raw, out, corpus, nq, secs, threads = sys.argv[1:7]
rows = [json.loads(l) for l in open(raw)]
docs = sum(1 for l in open(corpus, encoding="utf-8") if l.strip())
lines = ["# sagasu serve over loopback", "",
         "Corpus %s (%d documents), %s queries (bench/make_queries.py), k=10; "
         "HTTP: wrk, %s s per row, one keep-alive connection per client; server "
         "threads %s. Machine: %s, %d CPUs." % (corpus, docs, nq, secs, threads,
                                            platform.platform(), os.cpu_count()), "",
         "| engine | mode | clients | req/s (q/s) | p50 µs | p99 µs | errors |",
         "|---|---|---|---:|---:|---:|---:|"]
for r in rows:
    lines.append("| %s | %s | %s | %.0f | %d | %d | %d |" % (
        r["engine"], r["mode"], r["clients"], r["rps"], r["p50_us"], r["p99_us"], r["errors"]))
ib = {(r["mode"]): r for r in rows if r["engine"].startswith("sagasu bench") and r["clients"] == "1 threads"}
sv = {(r["mode"]): r for r in rows if r["engine"] == "sagasu serve (HTTP, snippet=0)" and r["clients"] == "1"}
lines.append("")
for m in sorted(sv):
    if m in ib:
        lines.append("HTTP overhead per query, %s, 1 client (snippet=0) vs in process on 1 thread: "
                     "%.0f µs (1/rps: %.0f vs %.0f µs; p50 %d vs %d µs)." % (
            m, 1e6 / sv[m]["rps"] - 1e6 / ib[m]["rps"], 1e6 / sv[m]["rps"],
            1e6 / ib[m]["rps"], sv[m]["p50_us"], ib[m]["p50_us"]))
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
PY
