#!/usr/bin/env python3
"""Development stand-in for `sagasu tokenize --lines`, for use only while the
real command is not built: per input line, one output line of the indexed terms
separated by single spaces.  It follows sagasu's analyzer as specified: NFKC and
casefold, MeCab ipadic, particles (助詞), auxiliary verbs (助動詞) and symbols
(記号) dropped, verbs and adjectives replaced by their base form.

Select it with  SAGASU_TOKENIZE="python3 bench/peers/tokenize_emul.py".
The published figures must come from the real sagasu tokenizer."""
import subprocess
import sys
import unicodedata

DROP = {"助詞", "助動詞", "記号"}
BASE = {"動詞", "形容詞"}


def main() -> int:
    lines = [unicodedata.normalize("NFKC", l.rstrip("\n")).casefold().replace("\t", " ")
             for l in sys.stdin]
    # %m surface, %f[0] part of speech, %f[6] base form ('*' when unknown).
    # MeCab reads one sentence per line and prints EOS after each, even empty ones.
    p = subprocess.run(["mecab", "-F", "%m\t%f[0]\t%f[6]\n", "-E", "EOS\n",
                        "-U", "%m\t%f[0]\t*\n", "-b", str(1 << 22)],
                       input="".join(l + "\n" for l in lines),
                       capture_output=True, text=True, check=True)
    out, cur = [], []
    for row in p.stdout.split("\n"):
        if row == "EOS":
            out.append(" ".join(cur))
            cur = []
            continue
        if not row:
            continue
        parts = row.split("\t")
        if len(parts) < 3:
            continue
        surface, pos, base = parts[0], parts[1], parts[2]
        if pos in DROP or not surface.strip():
            continue
        term = base if (pos in BASE and base != "*") else surface
        cur.append(term)
    if len(out) != len(lines):
        sys.stderr.write(f"tokenize_emul: {len(lines)} lines in, {len(out)} out\n")
        return 1
    sys.stdout.write("".join(o + "\n" for o in out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
