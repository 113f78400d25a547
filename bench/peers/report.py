#!/usr/bin/env python3
"""Turns bench/run.sh's raw records (one JSON object per engine step) into the
Markdown table it prints and writes to bench/results/latest.md and latest.json.

usage: report.py RAW.jsonl OUT.md OUT.json --corpus C --docs N --queries Q
                 --repeat R --tokenizer CMD --runs DIR [--note TEXT]

Rows: engine x mode (AND, OR).  Index columns come from the engine's index
step, query columns from its query step.  "sagasu ×" is sagasu's QPS divided
by the row's QPS for the same mode (> 1: sagasu is faster).  "top-10 ∩ FTS5"
is the mean share of FTS5's top 10 (the BM25 reference on the same terms) that
the engine also returns, over queries FTS5 answers."""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys


def machine() -> dict:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gib": round(mem_kb / 2**20, 1),
            "kernel": platform.release(),
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds")}


def read_run(path: str) -> dict:
    run = {}
    if not os.path.exists(path):
        return run
    for line in open(path, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 3:
            run.setdefault(f[0], []).append(f[2])
    return run


def overlap(run: dict, ref: dict):
    if not run and not ref:
        return None
    shares = [len(set(run.get(q, [])) & set(ids)) / len(ids) for q, ids in ref.items() if ids]
    return sum(shares) / len(shares) if shares else None


def fmt(v, nd=1):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return f"{v:,}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("out_md")
    ap.add_argument("out_json")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--docs", type=int, required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--repeat", type=int, required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--runs", required=True)
    ap.add_argument("--note", default="")
    a = ap.parse_args()

    recs = [json.loads(l) for l in open(a.raw, encoding="utf-8") if l.strip()]
    order, index, query = [], {}, {}
    for r in recs:
        lab = r["label"]
        if lab not in order:
            order.append(lab)
        if r["step"] == "index":
            index[lab] = r
        else:
            query[(lab, r["mode"])] = r
    nq = sum(1 for l in open(a.queries, encoding="utf-8") if "\t" in l)

    rows = []
    for lab in order:
        ix = index.get(lab, {})
        for mode in ("and", "or"):
            q = query.get((lab, mode))
            if q is None and not ix:
                continue
            sq = query.get(("sagasu", mode))
            ratio = (sq["qps"] / q["qps"]) if (sq and q and q.get("qps")) else None
            ref = read_run(os.path.join(a.runs, f"fts5.{mode}.tsv"))
            ov = None if lab == "fts5" else overlap(read_run(os.path.join(a.runs, f"{lab}.{mode}.tsv")), ref)
            rows.append({
                "engine": lab, "mode": mode.upper(),
                "index_s": ix.get("index_s"),
                "index_mb": ix["size_bytes"] / 2**20 if "size_bytes" in ix else None,
                "peak_rss_mb": ix["peak_rss_kb"] / 1024 if "peak_rss_kb" in ix else None,
                "qps": q.get("qps") if q else None,
                "p50_us": q.get("p50_us") if q else None,
                "p99_us": q.get("p99_us") if q else None,
                "sagasu_ratio": ratio,
                "zero_hit": q.get("zero_hit_queries") if q else None,
                "top10_vs_fts5": ov,
            })

    m = machine()
    head = ("| engine | mode | index s | index MB | peak RSS MB | QPS | p50 µs | p99 µs "
            "| sagasu × | top-10 ∩ FTS5 | 0-hit q |")
    lines = [head, "|" + "|".join(["---"] * 11) + "|"]
    for r in rows:
        lines.append("| " + " | ".join([
            r["engine"], r["mode"], fmt(r["index_s"], 2), fmt(r["index_mb"]), fmt(r["peak_rss_mb"]),
            fmt(r["qps"], 0), fmt(r["p50_us"]), fmt(r["p99_us"]),
            fmt(r["sagasu_ratio"], 2), "–" if r["top10_vs_fts5"] is None else f"{r['top10_vs_fts5']:.0%}",
            fmt(r["zero_hit"])]) + " |")
    table = "\n".join(lines)
    sizes = {lab: index[lab].get("size_bytes") for lab in index}
    md = [
        "# sagasu vs peers — latest run", "",
        f"Machine: {m['nproc']} CPUs, {m['cpu']}, {m['mem_gib']} GiB RAM, Linux {m['kernel']}, {m['date']}",
        f"Corpus: `{a.corpus}` ({a.docs:,} documents); {nq} queries (`{a.queries}`, 1/3 each 1, 2, 3 words), "
        f"k = 10, one warm-up pass then {a.repeat} timed passes; terms for FTS5, Xapian and the queries from `{a.tokenizer}`.",
        "", table, "",
        "- index s: FTS5 and Xapian, in-process time to load sagasu's pre-computed terms (analysis not included); "
        "Groonga, sum of its in-process command times, its own MeCab/bigram analysis included; sagasu, wall time of `sagasu index` (analysis included).",
        "- FTS5: detail=full, `ascii` tokenizer with all ASCII punctuation as token characters (only spaces separate terms), "
        "one transaction + 'optimize'; ORDER BY bm25(t) (k1 1.2, b 0.75). Xapian: BM25Weight(1.2, 0, 1, 0.75, 0.5), glass backend.",
        "- Groonga 13: NormalizerAuto + TokenMecab or TokenBigram on the raw title + body; default scoring (TF; no BM25 in Groonga 13), "
        "match escalation off; its terms are not sagasu's (surface vs base forms), hence different hits and 0-hit counts.",
        "- sagasu ×: sagasu's QPS / the row's QPS, same mode. Latencies are per query, inside each process; the machine is shared and noisy.",
    ]
    if a.note:
        md.append(f"- **{a.note}**")
    md_text = "\n".join(md) + "\n"
    with open(a.out_md, "w", encoding="utf-8") as f:
        f.write(md_text)
    with open(a.out_json, "w", encoding="utf-8") as f:
        json.dump({"machine": m, "corpus": a.corpus, "docs": a.docs, "queries": a.queries,
                   "n_queries": nq, "repeat": a.repeat, "tokenizer": a.tokenizer,
                   "note": a.note, "rows": rows, "raw": recs}, f, ensure_ascii=False, indent=1)
    print(md_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
