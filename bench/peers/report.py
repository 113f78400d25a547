#!/usr/bin/env python3
"""Turns bench/run.sh's raw records (one JSON object per engine step) into the
Markdown table it prints and writes to bench/results/latest.md and latest.json.

usage: report.py RAW.jsonl OUT.md OUT.json --corpus C --docs N --queries Q
                 --repeat R --tokenizer CMD --runs DIR [--note TEXT]
                 [--label L] [--about TEXT]
       report.py --combine OUT.md OUT.json CORPUS.json... [--skipped TEXT]...

The first form reports one corpus (OUT.md as it always did).  The second joins
the OUT.json of several such runs, one per corpus, into one report: the
machine once, then a section `## LABEL: ABOUT` per corpus with its tables,
then the notes common to all; OUT.json is {LABEL: that corpus' OUT.json}.
--skipped names a corpus that was not run, and why.

Rows: engine x mode (AND, OR).  Index columns come from the engine's index
step, query columns from its query step.  "sagasu ×" is the QPS of the sagasu row
with the same matching promise (sagasu for groonga-bigram, sagasu-nosub for the
others) divided by the row's QPS for the same mode (> 1: sagasu is faster).
Below the table: the issue's targets (met or not) and sagasu's thread scaling.  "top-10 ∩ FTS5"
is the mean share of FTS5's top 10 (the BM25 reference on the same terms) that
the engine also returns, over queries FTS5 answers."""
import argparse
import datetime
import json
import math
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


def mean_doc_chars(corpus: str):
    """Characters of text (every string field but the id) per document: the
    corpus' shape, for the section heading.  None if the file cannot be read."""
    n = chars = 0
    try:
        for line in open(corpus, encoding="utf-8"):
            if line.strip():
                d = json.loads(line)
                chars += sum(len(v) for k, v in d.items() if k != "id" and isinstance(v, str))
                n += 1
    except (OSError, ValueError, AttributeError):
        return None
    return chars / n if n else None


def evaluate(a) -> dict:
    """One corpus: the raw records and top-10 runs into rows and targets (what
    OUT.json holds)."""
    recs = [json.loads(l) for l in open(a.raw, encoding="utf-8") if l.strip()]
    order, index, rounds = [], {}, {}
    for r in recs:
        lab = r["label"]
        if lab not in order:
            order.append(lab)
        if r["step"] == "index":
            index[lab] = r
        else:
            rounds.setdefault((lab, r["mode"]), []).append(r)
    # Each engine and mode: its median round by QPS (the lower middle one of
    # an even count), so that one disturbed round decides nothing.
    query = {}
    for key, rs in rounds.items():
        rs = sorted(rs, key=lambda r: r.get("qps") or 0)
        query[key] = dict(rs[(len(rs) - 1) // 2], rounds=len(rs),
                          qps_rounds=[r.get("qps") for r in rs])
    nq = sum(1 for l in open(a.queries, encoding="utf-8") if "\t" in l)

    def sagasu_for(lab):
        """The sagasu row a peer is compared with: same promise of matching."""
        want = "sagasu" if lab == "groonga-bigram" else "sagasu-nosub"
        return want if want in index or any(k[0] == want for k in query) else "sagasu"

    rows = []
    for lab in order:
        ix = index.get(lab, {})
        for mode in ("and", "or"):
            q = query.get((lab, mode))
            if q is None and not ix:
                continue
            peer = not lab.startswith("sagasu")
            sq = query.get((sagasu_for(lab), mode)) if peer else None
            ratio = (sq["qps"] / q["qps"]) if (sq and q and q.get("qps")) else None
            ref = read_run(os.path.join(a.runs, f"fts5.{mode}.tsv"))
            mine = read_run(os.path.join(a.runs, f"{lab}.{mode}.tsv"))
            ov = None if lab == "fts5" else overlap(mine, ref)
            zero = q.get("zero_hit_queries") if q else None
            if zero is None and q and os.path.exists(os.path.join(a.runs, f"{lab}.{mode}.tsv")):
                zero = nq - len(mine)
            wo = ix.get("size_without_text_bytes")
            rows.append({
                "engine": lab, "mode": mode.upper(),
                "vs": sagasu_for(lab) if peer else None,
                "index_s": ix.get("index_s"),
                "index_mb": ix["size_bytes"] / 2**20 if "size_bytes" in ix else None,
                "index_mb_without_text": wo / 2**20 if wo is not None and wo >= 0 else None,
                "peak_rss_mb": ix["peak_rss_kb"] / 1024 if "peak_rss_kb" in ix else None,
                "qps": q.get("qps") if q else None,
                "p50_us": q.get("p50_us") if q else None,
                "p99_us": q.get("p99_us") if q else None,
                "sagasu_ratio": ratio,
                "zero_hit": zero,
                "top10_vs_fts5": ov,
                "scaling": q.get("scaling") if q else None,
                "rounds": q.get("rounds") if q else None,
                "qps_rounds": q.get("qps_rounds") if q else None,
            })

    # The targets of issue 13 (Speed), on every corpus.
    def row(lab, mode):
        return next((r for r in rows if r["engine"] == lab and r["mode"] == mode), None)
    targets = []
    for mode in ("AND", "OR"):
        for peer, want in (("xapian", 2), ("fts5", 10), ("groonga-mecab", 10)):
            r = row(peer, mode)
            if r and r["sagasu_ratio"] is not None:
                targets.append({"target": f"{mode} top-10 QPS ≥ {want}× {peer}",
                                "value": f"{math.floor(r['sagasu_ratio'] * 100) / 100:.2f}× ({r['vs']} {fmt(row(r['vs'], mode)['qps'], 0)} "
                                         f"vs {fmt(r['qps'], 0)} q/s)",
                                "met": r["sagasu_ratio"] >= want})
    r = row("groonga-bigram", "AND")
    if r and r["sagasu_ratio"] is not None:
        targets.append({"target": "keyword mode (sagasu AND) QPS ≥ 5× groonga-bigram AND",
                        "value": f"{math.floor(r['sagasu_ratio'] * 100) / 100:.2f}× (sagasu {fmt(row('sagasu', 'AND')['qps'], 0)} "
                                 f"vs {fmt(r['qps'], 0)} q/s)",
                        "met": r["sagasu_ratio"] >= 5})
    for lab, mode in (("sagasu-nosub", "AND"), ("sagasu-nosub", "OR"), ("sagasu", "OR")):
        r = row(lab, mode)
        if r and r["p50_us"] is not None:
            targets.append({"target": f"{mode} p50 ≤ 15 µs ({lab})", "value": f"{r['p50_us']:.1f} µs",
                            "met": r["p50_us"] <= 15})
    r = row("sagasu", "AND")
    if r and r["p99_us"] is not None:
        targets.append({"target": "keyword p99 ≤ 150 µs (sagasu AND)", "value": f"{r['p99_us']:.1f} µs",
                        "met": r["p99_us"] <= 150})
    for lab in ("sagasu", "sagasu-nosub"):
        si, gi = index.get(lab, {}).get("index_s"), index.get("groonga-mecab", {}).get("index_s")
        if si and gi:
            targets.append({"target": f"index build ≤ 1/3 of groonga-mecab ({lab})",
                            "value": f"{si / gi:.2f} of it ({si:.2f} s vs {gi:.2f} s)",
                            "met": si <= gi / 3})
    fw = index.get("fts5", {}).get("size_without_text_bytes")
    sw = index.get("sagasu-nosub", {}).get("size_without_text_bytes")
    if sw is not None and fw:
        targets.append({"target": "size w/o stored text ≤ FTS5's (sagasu-nosub)",
                        "value": f"{sw / 2**20:.1f} MB vs {fw / 2**20:.1f} MB ({sw / fw:.2f}×)",
                        "met": sw <= fw})
    sz, gz = index.get("sagasu", {}).get("size_bytes"), index.get("groonga-bigram", {}).get("size_bytes")
    if sz and gz:
        targets.append({"target": "default index, stored text included ≤ groonga-bigram's database",
                        "value": f"{sz / 2**20:.1f} MB vs {gz / 2**20:.1f} MB ({sz / gz:.2f}×)",
                        "met": sz <= gz})

    return {"machine": machine(), "corpus": a.corpus, "docs": a.docs, "queries": a.queries,
            "n_queries": nq, "repeat": a.repeat, "tokenizer": a.tokenizer,
            "note": a.note, "threads": a.threads, "tokenize_s": a.tokenize_s,
            "label": a.label, "about": a.about, "mean_doc_chars": mean_doc_chars(a.corpus),
            "targets": targets, "rows": rows, "raw": recs}


def machine_line(m: dict) -> str:
    return f"Machine: {m['nproc']} CPUs, {m['cpu']}, {m['mem_gib']} GiB RAM, Linux {m['kernel']}, {m['date']}"


def corpus_tables(d: dict) -> list:
    """The lines a corpus gets: its description, the engine table, the targets
    and the thread scaling."""
    rows = d["rows"]
    head = ("| engine | mode | index s | index MB | w/o text MB | peak RSS MB | QPS | p50 µs | p99 µs "
            "| sagasu × | top-10 ∩ FTS5 | 0-hit q |")
    lines = [head, "|" + "|".join(["---"] * 12) + "|"]
    for r in rows:
        ratio = "–" if r["sagasu_ratio"] is None else \
            f"{r['sagasu_ratio']:.2f} ({'kw' if r['vs'] == 'sagasu' else 'nosub'})"
        lines.append("| " + " | ".join([
            r["engine"], r["mode"], fmt(r["index_s"], 2), fmt(r["index_mb"]),
            fmt(r["index_mb_without_text"]), fmt(r["peak_rss_mb"]),
            fmt(r["qps"], 0), fmt(r["p50_us"]), fmt(r["p99_us"]),
            ratio, "–" if r["top10_vs_fts5"] is None else f"{r['top10_vs_fts5']:.0%}",
            fmt(r["zero_hit"])]) + " |")
    table = "\n".join(lines)

    # Threads: sagasu's QPS on 1 and on N threads.
    sc = ["| sagasu index | mode | " + " | ".join(
        f"QPS {t} thr" for t in sorted({s_["threads"] for r in rows if r["scaling"] for s_ in r["scaling"]}))
        + " | speed-up |"]
    scal_rows = [r for r in rows if r["scaling"]]
    if scal_rows:
        ths = sorted({s_["threads"] for r in scal_rows for s_ in r["scaling"]})
        sc.append("|" + "|".join(["---"] * (3 + len(ths))) + "|")
        for r in scal_rows:
            by = {s_["threads"]: s_["qps"] for s_ in r["scaling"]}
            sp = by[ths[-1]] / by[ths[0]] if by.get(ths[0]) else None
            sc.append(f"| {r['engine']} | {r['mode']} | " + " | ".join(fmt(by.get(t), 0) for t in ths)
                      + f" | {fmt(sp, 2)} |")
    scaling_table = "\n".join(sc) if scal_rows else ""

    tg = ["| target | sagasu | met |", "|---|---|---|"] + [
        f"| {t['target']} | {t['value']} | {'yes' if t['met'] else '**no**'} |" for t in d["targets"]]
    target_table = "\n".join(tg)

    return [
        f"Corpus: `{d['corpus']}` ({d['docs']:,} documents); {d['n_queries']} queries (`{d['queries']}`, 1/3 each 1, 2, 3 words), "
        f"k = 10, one warm-up pass then {d['repeat']} timed passes, in {max((r.get('rounds') or 1) for r in d['rows']) if d['rows'] else 1} rounds (the median round by QPS is shown); terms for FTS5, Xapian and the queries from `{d['tokenizer']}`.",
        "", table, "",
        "Targets of issue 13 (Speed; indexing against MeCab alone is bench/index_bench.sh's):", "", target_table, "",
        f"sagasu on 1 and {d['threads']} threads (`sagasu bench --threads N`, one searcher per thread on one "
        "read-only LMDB environment; QPS of all threads together):", "", scaling_table, "",
    ]


def notes(tokenize_s) -> list:
    """The notes under the tables.  tokenize_s: the time `sagasu tokenize` took
    over the one corpus, or None when each corpus' section gives its own."""
    return [
        "- Rows: `sagasu` is the default index (morphemes + substring grams): its AND is keyword mode (a word matches "
        "every document containing it as a string, ranked in tiers; docs/RECALL.md), the promise of Groonga TokenBigram. "
        "`sagasu-nosub` is `sagasu index --no-substring`: its AND matches whole morphemes like FTS5, Xapian and Groonga "
        "TokenMecab. OR is a bag of morphemes on either index.",
        "- sagasu ×: the QPS of the sagasu row with the same promise (kw = `sagasu` for groonga-bigram, nosub = "
        "`sagasu-nosub` for the others) / the row's QPS, same mode; > 1: sagasu is faster. Single-threaded.",
        "- w/o text MB: sagasu, index size minus its `docs` database (the zstd-compressed stored text; `sagasu stats --json`); "
        "FTS5, pages in use by everything but the content table `t_content` (dbstat; free pages not counted); "
        "Xapian stores no text (only the id as document data). Groonga: not measured.",
        "- index s: FTS5 and Xapian, in-process time to load sagasu's pre-computed terms (analysis not included"
        + (f"; running `sagasu tokenize --lines` over the corpus took {tokenize_s:.2f} s" if tokenize_s else "") + "); "
        "Groonga, sum of its in-process command times, its own MeCab/bigram analysis included; sagasu, wall time of `sagasu index` (analysis included).",
        "- FTS5: detail=full, `ascii` tokenizer with all ASCII punctuation as token characters (only spaces separate terms), "
        "one transaction + 'optimize'; ORDER BY bm25(t) (k1 1.2, b 0.75). Xapian: BM25Weight(1.2, 0, 1, 0.75, 0.5), glass backend.",
        "- Groonga 13: NormalizerAuto + TokenMecab or TokenBigram on the raw title + body; default scoring (TF; no BM25 in Groonga 13), "
        "match escalation off; its terms are not sagasu's (surface vs base forms), hence different hits and 0-hit counts.",
        "- top-10 ∩ FTS5: mean share of FTS5's top 10 that the row also returns (queries FTS5 answers). "
        "Latencies are per query, inside each process; the machine is shared and noisy (2 vCPUs).",
    ]


def write(out_md: str, out_json: str, md: list, data) -> str:
    md_text = "\n".join(md) + "\n"
    with open(out_md, "w", encoding="utf-8") as f:
        f.write(md_text)
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
    return md_text


def single(argv) -> int:
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
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--tokenize-s", type=float, default=None)
    ap.add_argument("--label", default=None, help="the corpus' name, for --combine")
    ap.add_argument("--about", default="", help="what the corpus is, for --combine's heading")
    a = ap.parse_args(argv)

    d = evaluate(a)
    md = ["# sagasu vs peers — latest run", "", machine_line(d["machine"])] \
        + corpus_tables(d) + notes(a.tokenize_s)
    if a.note:
        md.append(f"- **{a.note}**")
    print(write(a.out_md, a.out_json, md, d))
    return 0


def combine(argv) -> int:
    """Several corpora, each reported by single() into its own JSON, in one report."""
    ap = argparse.ArgumentParser(prog="report.py --combine")
    ap.add_argument("out_md")
    ap.add_argument("out_json")
    ap.add_argument("corpus_json", nargs="+")
    ap.add_argument("--skipped", action="append", default=[], help="LABEL: why (repeatable)")
    a = ap.parse_args(argv)

    each = {}
    for path in a.corpus_json:
        d = json.load(open(path, encoding="utf-8"))
        label = d.get("label") or os.path.basename(d["corpus"])
        if label in each:
            sys.exit(f"report.py --combine: corpus label {label!r} twice ({path})")
        each[label] = d
    first = next(iter(each.values()))

    def shape(d):
        s = f"{d['docs']:,} documents"
        if d.get("mean_doc_chars"):
            s += f" of {d['mean_doc_chars']:,.0f} characters on average"
        return s

    md = ["# sagasu vs peers — latest run", "", machine_line(first["machine"]),
          "Corpora, one after the other, each with its own query set, indexes and table: "
          + ", ".join(each) + "."]
    md += [f"Skipped: {s}." for s in a.skipped]
    md.append("")
    for lab, d in each.items():
        md += [f"## {lab}: {d.get('about') or d['corpus']}, {shape(d)}", ""] + corpus_tables(d)
        if d.get("tokenize_s"):
            md.append(f"- Running `sagasu tokenize --lines` over this corpus took {d['tokenize_s']:.2f} s "
                      "(not in FTS5's and Xapian's index s).")
        if d.get("note"):
            md.append(f"- **{d['note']}**")
        if d.get("tokenize_s") or d.get("note"):
            md.append("")
    md += ["## Notes (every corpus)", ""] + notes(None)
    print(write(a.out_md, a.out_json, md, each))
    return 0


def main() -> int:
    if sys.argv[1:2] == ["--combine"]:
        return combine(sys.argv[2:])
    return single(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
