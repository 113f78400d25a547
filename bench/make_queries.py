#!/usr/bin/env python3
"""Builds the fixed query set that sagasu and its peers all run.

usage: make_queries.py CORPUS.jsonl OUT.tsv [--seed 42] [--n 300] [--tokenized TOK.jsonl]

Writes `qid<TAB>term term ...` (qid q0001, q0002, ...): one third 1-word, one third
2-word, one third 3-word queries.  A word is one indexed term as printed by
`$SAGASU tokenize --lines` over title + body, so the query words are the terms
every engine indexed (pass --tokenized to reuse bench/peers/tokenize_corpus.py's
output instead of running the analyzer again).

Vocabulary: terms with document frequency (df) >= 2, at least 2 characters long
or containing a kanji, not made only of digits / ASCII punctuation, and not among
the top 1% by df (stop-word-like terms that every engine answers slowly).
The first word of a query is drawn weighted by df; the further words are drawn,
also weighted by df, from the eligible terms of one document that contains the
first word (chosen at random), so multi-word AND queries have at least one hit
instead of mostly matching nothing.  Deterministic for a seed (stdlib random)."""
import argparse
import json
import os
import random
import string
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from tokenize_corpus import tokenize_corpus  # noqa: E402

ASCII_NOISE = set(string.digits + string.punctuation)


def has_kanji(term: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in term)


def eligible(term: str) -> bool:
    if all(c in ASCII_NOISE for c in term):
        return False
    return len(term) >= 2 or has_kanji(term)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--tokenized", help="OUT of tokenize_corpus.py for this corpus")
    ap.add_argument("--top-drop", type=float, default=0.01,
                    help="fraction of the vocabulary dropped from the top by df")
    a = ap.parse_args()

    if a.tokenized:
        docs = []
        with open(a.tokenized, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                docs.append((d["id"], d["tokens"].split()))
    else:
        docs = tokenize_corpus(a.corpus)

    df = {}
    doc_terms = []
    for _, terms in docs:
        uniq = sorted(set(terms))
        doc_terms.append(uniq)
        for t in uniq:
            df[t] = df.get(t, 0) + 1

    cand = [t for t, n in df.items() if n >= 2 and eligible(t)]
    cand.sort(key=lambda t: (-df[t], t))          # deterministic order
    n_drop = int(len(cand) * a.top_drop)
    vocab = cand[n_drop:]
    if len(vocab) < 10:
        raise SystemExit(f"make_queries: only {len(vocab)} eligible terms in {a.corpus}")
    vset = set(vocab)
    postings = {t: [] for t in vocab}
    for i, terms in enumerate(doc_terms):
        for t in terms:
            if t in vset:
                postings[t].append(i)

    rng = random.Random(a.seed)
    weights = [df[t] for t in vocab]
    queries = []
    for q in range(a.n):
        want = 1 + (q * 3) // a.n                 # first third 1, then 2, then 3 words
        for _attempt in range(100):
            first = rng.choices(vocab, weights)[0]
            words = [first]
            if want > 1:
                doc = doc_terms[rng.choice(postings[first])]
                rest = [t for t in doc if t in vset and t != first]
                if len(rest) < want - 1:
                    continue
                w = [df[t] for t in rest]
                while len(words) < want:
                    t = rng.choices(rest, w)[0]
                    if t not in words:
                        words.append(t)
            break
        else:
            raise SystemExit("make_queries: cannot draw a %d-word query" % want)
        queries.append(words)

    with open(a.out, "w", encoding="utf-8") as f:
        for i, words in enumerate(queries, 1):
            f.write(f"q{i:04d}\t{' '.join(words)}\n")
    sys.stderr.write(f"make_queries: {len(queries)} queries from {len(vocab)} terms "
                     f"({n_drop} most frequent dropped, df range "
                     f"{df[vocab[-1]]}..{df[vocab[0]]}) -> {a.out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
