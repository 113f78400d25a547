#!/usr/bin/env python3
"""bm25_ref.py — an independent BM25 reference for `sagasu search`.

It shares nothing with the engine but the analyzer: each document's title and
body are tokenized by `$SAGASU tokenize --lines` (each line of a field on its own, as the
analyzer cuts its input at line ends), and from those term lists alone it
computes N, df, avgdl and the BM25 top k (docs/RANKING.md):

    score(d) = sum over distinct query terms t in d of
               idf(t) * tf*(k1+1) / (tf + k1*(1 - b + b*dl/avgdl))
    idf(t)   = ln(1 + (N - df + 0.5)/(df + 0.5)),  k1 = 1.2, b = 0.75
    dl       = indexed tokens of d (title + body); ties: input order first

Only single-term keyword queries, --or queries and (--prefix, on an index
built with --no-substring) prefixes P* are generated, so term counts suffice
(no positions). A prefix is one blended unit (docs/RANKING.md): tf is the
sum over the terms starting with P, idf the smallest of their idfs. Queries draw terms from the corpus vocabulary
with a fixed seed; a term is used only if the analyzer turns it back into
exactly itself. The engine's answers (`search --format json --queries`, full
precision scores) must give the same ids in the same order, scores equal
within 1e-6 relative, and the same total (or, flagged as a lower bound, one
not above it); ids may differ only where scores
tie.

usage: bm25_ref.py [--index DIR] [--limit N] [--queries N] [--or | --prefix]
                   [--weights title=W,body=W] [--field title|body]
                   [--seed S] [-k K] [--show N] CORPUS.jsonl

--weights scores BM25F (docs/RANKING.md, Field weights) from each field's
own terms: tf_w = sum w_f tf_f, dl_w = sum w_f dl_f, avgdl_w = sum w_f
total_f / N. --field writes every query term FIELD:term, which counts only
its occurrences in that field (dl stays the document's).
Exit status 0 when every query agrees, 1 otherwise (mismatches printed).
"""
import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

K1, B = 1.2, 0.75
RTOL = 1e-6
SYNTAX = set('"“”()（）*＊-\\ \t\u3000')


def sagasu():
    s = os.environ.get("SAGASU")
    if not s:
        sys.exit("bm25_ref.py: SAGASU must point at the sagasu binary")
    return s


def tokenize_lines(lines):
    """Indexed terms of each line, via `sagasu tokenize --lines`."""
    inp = "".join(l + "\n" for l in lines)
    p = subprocess.run([sagasu(), "tokenize", "--lines"], input=inp.encode(),
                       capture_output=True, check=True)
    out = p.stdout.decode().split("\n")
    if len(out) < len(lines):
        sys.exit("bm25_ref.py: tokenize --lines printed %d lines for %d"
                 % (len(out), len(lines)))
    return [o.split() for o in out[:len(lines)]]


def flat(text):
    for c in "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029":
        text = text.replace(c, " ")
    return text


class Corpus:
    def __init__(self, docs):
        self.ids = [d["id"] for d in docs]
        # The analyzer gives MeCab each line of a field as a piece of its
        # own (docs/ANALYZER.md), so the reference tokenizes line by line.
        lines, spans = [], []
        for d in docs:
            fs = []
            for field in (d.get("title") or "", d.get("body") or ""):
                start = len(lines)
                lines.extend(flat(part) for part in field.split("\n"))
                fs.append((start, len(lines)))
            spans.append(fs)
        toks = tokenize_lines(lines)
        self.tf = []      # per doc: Counter term -> tf
        self.dl = []
        self.ftf = []     # per doc: per field (title, body) Counter
        self.fdl = []     # per doc: per field length
        for fs in spans:
            per = [[t for line in toks[a:b] for t in line] for a, b in fs]
            self.ftf.append([Counter(x) for x in per])
            self.fdl.append([len(x) for x in per])
            self.tf.append(Counter(t for x in per for t in x))
            self.dl.append(sum(len(x) for x in per))
        self.n = len(docs)
        self.total = sum(self.dl)
        self.avgdl = self.total / self.n if self.n else 1.0
        self.ftotal = [sum(x[f] for x in self.fdl) for f in range(2)]
        self.w = [1.0, 1.0]   # BM25F weights of title, body (set_weights)
        self.only = None      # a field the query terms are restricted to
        self.df = Counter()
        self.postings = {}
        for i, c in enumerate(self.tf):
            for t in c:
                self.df[t] += 1
                self.postings.setdefault(t, []).append(i)

    def set_weights(self, w, only):
        """BM25F (docs/RANKING.md, Field weights): tf_w = sum w_f tf_f,
        dl_w = sum w_f dl_f, avgdl_w = sum w_f total_f / N; with `only`
        (0 title, 1 body) a term counts its occurrences in that field."""
        self.w = w
        self.only = only
        if w != [1.0, 1.0]:
            tot = sum(wf * t for wf, t in zip(w, self.ftotal))
            self.avgdl = tot / self.n if self.n else 1.0
        if only is not None:
            self.postings = {}
            for i, c in enumerate(self.ftf):
                for t in c[only]:
                    self.postings.setdefault(t, []).append(i)

    def wtf(self, i, t):
        """The (weighted, restricted) tf of term t in doc i."""
        if self.w == [1.0, 1.0] and self.only is None:
            return self.tf[i].get(t, 0)
        return sum(self.w[f] * self.ftf[i][f].get(t, 0) for f in range(2)
                   if self.only is None or f == self.only)

    def wdl(self, i):
        if self.w == [1.0, 1.0]:
            return self.dl[i]
        return sum(wf * d for wf, d in zip(self.w, self.fdl[i]))

    def idf(self, t):
        df = self.df[t]
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def score(self, terms, i):
        s = 0.0
        norm = K1 * (1.0 - B + B * self.wdl(i) / self.avgdl)
        for t in dict.fromkeys(terms):   # distinct, query order
            tf = self.wtf(i, t)
            if tf:
                s += self.idf(t) * tf * (K1 + 1.0) / (tf + norm)
        return s

    def blend_score(self, terms, i):
        tf = sum(self.wtf(i, t) for t in terms)
        if not tf:
            return 0.0
        idf = min(self.idf(t) for t in terms)
        norm = K1 * (1.0 - B + B * self.wdl(i) / self.avgdl)
        return idf * tf * (K1 + 1.0) / (tf + norm)

    def search(self, terms, k, blend=False):
        """(total, [(docidx, score)...] best k): any term may match."""
        cand = set()
        for t in terms:
            cand.update(self.postings.get(t, ()))
        f = self.blend_score if blend else self.score
        scored = sorted(((f(terms, i), i) for i in cand),
                        key=lambda x: (-x[0], x[1]))
        return len(cand), [(i, s) for s, i in scored[:k]]


def close(a, b):
    return abs(a - b) <= RTOL * max(abs(a), abs(b), 1e-300)


def compare(cor, terms, total, lower, got, k, blend=False):
    """Problems of one query's answer, [] when it agrees. A total flagged
    as a lower bound (pruned --or) must lie between the hits and the truth."""
    rtotal, ref = cor.search(terms, k, blend)
    score = cor.blend_score if blend else cor.score
    probs = []
    if lower and not len(got) <= total <= rtotal:
        probs.append("total at least %d, reference %d" % (total, rtotal))
    elif not lower and total != rtotal:
        probs.append("total %d, reference %d" % (total, rtotal))
    if len(got) != len(ref):
        probs.append("%d hits, reference %d" % (len(got), len(ref)))
    index = {d: i for i, d in enumerate(cor.ids)}
    seen = set()
    for r, ((gid, gs), (ri, rs)) in enumerate(zip(got, ref)):
        if gid in seen:
            probs.append("rank %d: %s returned twice" % (r + 1, gid))
        seen.add(gid)
        if not close(gs, rs):
            probs.append("rank %d: score %.17g, reference %.17g (%s)"
                         % (r + 1, gs, rs, cor.ids[ri]))
            continue
        if gid != cor.ids[ri]:
            gi = index.get(gid)
            own = score(terms, gi) if gi is not None else float("nan")
            if gi is None or not close(own, rs):
                probs.append("rank %d: id %s (reference score %.17g), "
                             "reference %s (%.17g)"
                             % (r + 1, gid, own, cor.ids[ri], rs))
    # tie order: equal scores must come in input order
    for r in range(1, len(got)):
        a, b = got[r - 1], got[r]
        if a[1] == b[1] and index.get(a[0], -1) > index.get(b[0], -1):
            probs.append("ranks %d,%d: equal scores not in input order (%s, %s)"
                         % (r, r + 1, a[0], b[0]))
    return probs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--index", help="an index of exactly these documents "
                    "(default: build one in a temporary directory)")
    ap.add_argument("--limit", type=int, default=0, help="first N documents")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--or", dest="or_mode", action="store_true",
                    help="2-4 term --or queries (default: 1-term keyword)")
    ap.add_argument("--prefix", action="store_true",
                    help="P* prefix queries (blended); the index must be "
                    "built with --no-substring")
    ap.add_argument("--weights", default="",
                    help="title=W,body=W: BM25F, passed to search --weights")
    ap.add_argument("--field", choices=("title", "body"),
                    help="every query term written FIELD:term")
    ap.add_argument("--seed", type=int, default=20240521)
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--show", type=int, default=10,
                    help="mismatching queries printed in full")
    a = ap.parse_args()

    docs = []
    with open(a.corpus, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                docs.append(json.loads(line))
            if a.limit and len(docs) >= a.limit:
                break
    if len({d["id"] for d in docs}) != len(docs):
        sys.exit("bm25_ref.py: duplicate ids in the corpus: docids would "
                 "not follow input order")
    cor = Corpus(docs)
    w = [1.0, 1.0]
    for part in filter(None, a.weights.split(",")):
        name, val = part.split("=")
        w[("title", "body").index(name)] = float(val)
    cor.set_weights(w, None if a.field is None else
                    ("title", "body").index(a.field))
    tmp = tempfile.mkdtemp(prefix="bm25ref.")
    try:
        idx = a.index
        if not idx:
            src = os.path.join(tmp, "docs.jsonl")
            with open(src, "w", encoding="utf-8") as f:
                for d in docs:
                    f.write(json.dumps(d, ensure_ascii=False) + "\n")
            idx = os.path.join(tmp, "idx")
            subprocess.run([sagasu(), "index", "-d", idx] +
                           (["--no-substring"] if a.prefix else []) + [src], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return run(a, cor, idx, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(a, cor, idx, tmp):
    bad = 0
    st = json.loads(subprocess.run([sagasu(), "stats", "-d", idx, "--json"],
                                   capture_output=True, check=True).stdout)
    if st["documents"] != cor.n or st["total_length"] != cor.total:
        print("MISMATCH stats: documents %s total_length %s, reference %d %d"
              % (st["documents"], st["total_length"], cor.n, cor.total))
        bad += 1

    # Vocabulary: terms the analyzer maps back onto themselves.
    vocab = sorted(t for t in cor.df if not (set(t) & SYNTAX) and t != "OR")
    back = tokenize_lines(vocab)
    vocab = [t for t, b in zip(vocab, back) if b == [t]]
    rng = random.Random(a.seed)
    freq = [t for t in vocab for _ in range(min(cor.df[t], 50))]
    queries = []
    if a.prefix:
        # P*: P a leading part of a term, itself analyzed as exactly P (so
        # the prefix is one term's: no phrase expansion), expanding to at
        # most 128 terms (the default cap); the expected expansions are
        # the corpus's terms that start with P.
        allterms = sorted(cor.df)
        cands = sorted({t[:n] for t in vocab for n in range(1, len(t) + 1)})
        cands = [p for p in cands if not (set(p) & SYNTAX) and p != "OR"]
        back = tokenize_lines(cands)
        cands = [p for p, b in zip(cands, back) if b == [p]]
        rng.shuffle(cands)
        for p in cands:
            exp = [t for t in allterms if t.startswith(p)]
            if 2 <= len(exp) <= 128 or (len(exp) == 1 and len(queries) % 4 == 0):
                queries.append((p, exp))
            if len(queries) == a.queries:
                break
    else:
        for q in range(a.queries):
            # half uniform over the vocabulary (mostly rare terms), half by df
            pick = (lambda: rng.choice(vocab)) if q % 2 else (lambda: rng.choice(freq))
            n = rng.randint(2, 4) if a.or_mode else 1
            queries.append([pick() for _ in range(n)])
    qfile = os.path.join(tmp, "queries.tsv")
    with open(qfile, "w", encoding="utf-8") as f:
        for i, q in enumerate(queries):
            fq = (a.field + ":") if a.field else ""
            f.write("q%d\t%s\n" % (i, fq + q[0] + "*" if a.prefix else
                                   " ".join(fq + t for t in q)))
    cmd = [sagasu(), "search", "-d", idx, "-k", str(a.k), "--format", "json",
           "--snippet", "0", "--queries", qfile] + (["--or"] if a.or_mode else []) + \
          (["--weights", a.weights] if a.weights else [])
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode != 0:
        print("MISMATCH search exited %d: %s" % (p.returncode,
                                                 p.stderr.decode()[:500]))
        return 1
    answers = {}
    for line in p.stdout.decode().splitlines():
        o = json.loads(line)
        answers[o["qid"]] = (o["total"], o.get("total_is_lower_bound"),
                             [(h["id"], h["score"]) for h in o["hits"]])
    shown = 0
    for i, q in enumerate(queries):
        qid = "q%d" % i
        if qid not in answers:
            probs = ["no answer"]
        else:
            probs = compare(cor, q[1] if a.prefix else q, *answers[qid], k=a.k,
                            blend=a.prefix)
        if probs:
            bad += 1
            if shown < a.show:
                shown += 1
                print("MISMATCH %s %s'%s': %s" % (qid, "--or " if a.or_mode
                      else "", q[0] + "*" if a.prefix else " ".join(q),
                      "; ".join(probs[:4])))
    print("bm25_ref: %d documents, avgdl %.3f, %d queries (%s), %d mismatching"
          % (cor.n, cor.avgdl, len(queries),
             "prefix" if a.prefix else "or" if a.or_mode else "and", bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
