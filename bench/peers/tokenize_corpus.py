#!/usr/bin/env python3
"""Tokenize a JSONL corpus ({"id","title","body"}) with sagasu's analyzer so that
every engine fed pre-analyzed text (FTS5, Xapian) sees exactly sagasu's terms.

usage: tokenize_corpus.py CORPUS.jsonl OUT.tok.jsonl
  writes one {"id": ID, "tokens": "t1 t2 ..."} per document (title then body).

The analyzer command is $SAGASU_TOKENIZE if set, else "$SAGASU tokenize --lines"
(SAGASU defaults to build/sagasu).  It must print one line per input line."""
import json
import os
import shlex
import subprocess
import sys
import tempfile


def tokenizer_cmd() -> list:
    cmd = os.environ.get("SAGASU_TOKENIZE")
    if cmd:
        return shlex.split(cmd)
    return [os.environ.get("SAGASU", "build/sagasu"), "tokenize", "--lines"]


def doc_line(doc: dict) -> str:
    """Title and body as one line: the analyzer reads one document a line."""
    text = (doc.get("title") or "") + " " + (doc.get("body") or "")
    return " ".join(text.splitlines()).replace("\t", " ")


def tokenize_corpus(corpus_path: str):
    """Returns [(id, [terms...]), ...] in corpus order; raises on any mismatch."""
    ids, n = [], 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as src, \
         tempfile.TemporaryFile("w+", encoding="utf-8") as dst:
        with open(corpus_path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                doc = json.loads(line)
                ids.append(str(doc["id"]))
                src.write(doc_line(doc) + "\n")
                n += 1
        src.seek(0)
        cmd = tokenizer_cmd()
        r = subprocess.run(cmd, stdin=src, stdout=dst)
        if r.returncode != 0:
            raise SystemExit(f"tokenize_corpus: {' '.join(cmd)} exited {r.returncode}")
        dst.seek(0)
        out = dst.read().split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != n:
        raise SystemExit(f"tokenize_corpus: {n} documents in, {len(out)} token lines out "
                         f"from {' '.join(cmd)} (it must print one line per input line)")
    return [(i, l.split()) for i, l in zip(ids, out)]


def main() -> int:
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    docs = tokenize_corpus(sys.argv[1])
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        for i, terms in docs:
            f.write(json.dumps({"id": i, "tokens": " ".join(terms)}, ensure_ascii=False) + "\n")
    ntok = sum(len(t) for _, t in docs)
    sys.stderr.write(f"tokenize_corpus: {len(docs)} docs, {ntok} terms\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
