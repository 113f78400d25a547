#!/usr/bin/env python3
"""Synthetic corpus for the scale curve (bench/scale.sh): N documents drawn from
the term and length distributions of a real corpus (unigram model).

usage: scale_gen.py --tok TOK.txt --n N --out OUT.jsonl [--queries Q.tsv]
                    [--seed 42] [--len-div 10] [--min-len 5] [--nq 300]

TOK.txt is the real corpus tokenized once, one document a line, terms separated
by spaces (`sagasu tokenize --lines` over title + body, see bench/scale.sh).
From it: the empirical document lengths (in terms) and the corpus frequency of
every term.  Each synthetic document

  * draws a real length L uniformly from the empirical lengths and uses
    max(MIN_LEN, round(L / LEN_DIV)) terms (the length cap: the shape of the
    length distribution is kept, its scale divided by LEN_DIV, for every N);
  * draws that many terms independently, weighted by their corpus frequency
    (bisect over cumulative weights, stdlib random, fixed seed);
  * writes the first 3 terms as its title and the rest as its body, joined by
    a space EXCEPT between two Japanese characters (kana, kanji, 々, halfwidth
    kana): Japanese runs are concatenated without spaces so that MeCab
    re-segments them much as it does real text; Latin words and digits keep a
    space.

Output: JSONL {"id": "sNNNNNNN", "title": ..., "body": ...}, written in chunks.

--queries writes NQ queries (`qid<TAB>w1 w2 ...`, one third each of 1, 2, 3
words) drawn from the synthetic corpus the way bench/make_queries.py draws them
from a real one, without tokenizing the synthetic corpus again: vocabulary =
generated terms with df >= 2, eligible() of make_queries.py, the top 1% by df
dropped; the first word of a query is a uniformly chosen eligible term of a
uniformly chosen document (which weights terms by df), further words are drawn
weighted by df from the eligible terms of that same document (so AND queries
have a hit).  Documents are drawn from the first --sample documents, which are
a uniform sample since documents are i.i.d.  df is the df of the drawn terms
(before MeCab re-segments the concatenated text)."""
import argparse
import bisect
import itertools
import json
import os
import random
import re
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_queries import eligible  # noqa: E402

JA = "\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
JA_GAP = re.compile(f"(?<=[{JA}]) (?=[{JA}])")


def load_model(tok_path):
    lengths, tf = [], Counter()
    with open(tok_path, encoding="utf-8") as f:
        for line in f:
            terms = line.split()
            lengths.append(len(terms))
            tf.update(terms)
    if not lengths or not tf:
        raise SystemExit(f"scale_gen: no documents / terms in {tok_path}")
    vocab = sorted(tf, key=lambda t: (-tf[t], t))     # deterministic order
    cum = list(itertools.accumulate(tf[t] for t in vocab))
    return lengths, vocab, cum


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tok", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--queries")
    ap.add_argument("--nq", type=int, default=300)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--len-div", type=float, default=10.0)
    ap.add_argument("--min-len", type=int, default=5)
    ap.add_argument("--sample", type=int, default=20000)
    ap.add_argument("--top-drop", type=float, default=0.01)
    a = ap.parse_args()

    lengths, vocab, cum = load_model(a.tok)
    total = cum[-1]
    hi = len(cum) - 1
    rng = random.Random(a.seed)
    rnd = rng.random
    pick_len = [max(a.min_len, int(L / a.len_div + 0.5)) for L in lengths]
    nlen = len(pick_len)
    df = Counter()
    sample = []
    n_terms = 0
    out_bytes = 0
    chunk = []
    with open(a.out, "w", encoding="utf-8") as out:
        for i in range(a.n):
            L = pick_len[int(rnd() * nlen)]
            ids = [bisect.bisect(cum, rnd() * total, 0, hi) for _ in range(L)]
            n_terms += L
            u = set(ids)
            df.update(u)
            if i < a.sample:
                sample.append(sorted(u))
            words = [vocab[j] for j in ids]
            title = JA_GAP.sub("", " ".join(words[:3]))
            body = JA_GAP.sub("", " ".join(words[3:]))
            chunk.append(json.dumps({"id": f"s{i + 1:07d}", "title": title, "body": body},
                                    ensure_ascii=False))
            if len(chunk) >= 10000:
                s = "\n".join(chunk) + "\n"
                out_bytes += len(s.encode("utf-8"))
                out.write(s)
                chunk = []
        if chunk:
            s = "\n".join(chunk) + "\n"
            out_bytes += len(s.encode("utf-8"))
            out.write(s)
    sys.stderr.write(f"scale_gen: {a.n} documents, {n_terms} terms drawn "
                     f"({n_terms / max(1, a.n):.1f}/doc; real mean "
                     f"{sum(lengths) / nlen:.1f} / {a.len_div:g}), {len(df)} distinct, "
                     f"{out_bytes / 1e6:.1f} MB -> {a.out}\n")

    if a.queries:
        cand = [j for j, n in df.items() if n >= 2 and eligible(vocab[j])]
        cand.sort(key=lambda j: (-df[j], j))
        n_drop = int(len(cand) * a.top_drop)
        vset = set(cand[n_drop:])
        if len(vset) < 10:
            raise SystemExit(f"scale_gen: only {len(vset)} eligible query terms")
        docs = [[j for j in d if j in vset] for d in sample]
        docs = [d for d in docs if d]
        qrng = random.Random(a.seed + 1)
        queries = []
        for q in range(a.nq):
            want = 1 + (q * 3) // a.nq
            for _attempt in range(1000):
                d = qrng.choice(docs)
                if len(d) < want:
                    continue
                first = qrng.choice(d)
                words = [first]
                rest = [j for j in d if j != first]
                w = [df[j] for j in rest]
                while len(words) < want:
                    j = qrng.choices(rest, w)[0]
                    if j not in words:
                        words.append(j)
                break
            else:
                raise SystemExit(f"scale_gen: cannot draw a {want}-word query")
            queries.append(" ".join(vocab[j] for j in words))
        with open(a.queries, "w", encoding="utf-8") as f:
            for k, qs in enumerate(queries, 1):
                f.write(f"q{k:04d}\t{qs}\n")
        sys.stderr.write(f"scale_gen: {len(queries)} queries from {len(vset)} terms "
                         f"({n_drop} most frequent dropped) -> {a.queries}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
