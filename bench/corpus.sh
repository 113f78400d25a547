#!/usr/bin/env bash
# Builds the benchmark corpus from Debian's Japanese documentation, as JSONL:
# one document per line, {"id", "title", "body", "source"} (man pages also
# keep their "section").
#
#   usage: bench/corpus.sh OUT.jsonl
#
# Sources, in this order (each sorted by path, so the output is
# deterministic):
#   manpages-ja           /usr/share/man/ja         scripts/manpages-corpus.sh
#   libreoffice-help-ja   /usr/share/libreoffice/help/ja   one doc per page
#   debian-reference-ja   /usr/share/debian-reference      one doc per section
#   gimp-help-ja          /usr/share/gimp/2.0/help/ja      one doc per page
#                                                          (optional)
# The HTML is extracted by bench/extract_docs.py (python3, stdlib only).
# Install the packages with: scripts/setup.sh bench (as root).
set -euo pipefail
export LC_ALL=C.UTF-8
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: bench/corpus.sh OUT.jsonl}

lo=/usr/share/libreoffice/help/ja
dr=/usr/share/debian-reference
gimp=/usr/share/gimp/2.0/help/ja
missing=()
[ -d "$lo/text" ] || missing+=(libreoffice-help-ja)
compgen -G "$dr/*.ja.html" >/dev/null || missing+=(debian-reference-ja)
if [ ${#missing[@]} -gt 0 ]; then
	echo "corpus: missing Debian packages: ${missing[*]}" >&2
	echo "  fix (as root): apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
	echo "  or: scripts/setup.sh bench" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s%N)

"$here/../scripts/manpages-corpus.sh" "$tmp/man.jsonl"
# Mark the man pages' source and prefix their ids like the others'.
python3 - "$tmp/man.jsonl" >"$tmp/0-man.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    d["id"] = "manpages-ja/" + d["id"]
    d["source"] = "manpages-ja"
    print(json.dumps(d, ensure_ascii=False))
PY

# The HTML sources are independent: two at a time.
python3 "$here/extract_docs.py" libreoffice "$lo" >"$tmp/1-lo.jsonl" &
lo_pid=$!
python3 "$here/extract_docs.py" debian-reference "$dr" >"$tmp/2-dr.jsonl"
if [ -d "$gimp" ]; then
	python3 "$here/extract_docs.py" gimp "$gimp" >"$tmp/3-gimp.jsonl"
else
	echo "corpus: gimp-help-ja is not installed: its pages are left out" \
	     "(apt-get install gimp-help-ja to add ~700 pages)" >&2
fi
wait "$lo_pid"

cat "$tmp"/[0-9]-*.jsonl >"$out"
ms=$((($(date +%s%N) - start) / 1000000))
python3 - "$out" "$ms" <<'PY'
import collections, json, os, sys
path, ms = sys.argv[1], int(sys.argv[2])
n, size, by = 0, 0, collections.Counter()
for line in open(path, encoding="utf-8"):
    d = json.loads(line)
    n += 1
    by[d["source"]] += 1
    size += len(d["body"].encode())
print("corpus: %d documents (%s), %.1f MB of body text, %.1f MB file -> %s, %d.%03d s"
      % (n, ", ".join("%s %d" % kv for kv in by.items()), size / 1e6,
         os.path.getsize(path) / 1e6, path, ms // 1000, ms % 1000))
PY
