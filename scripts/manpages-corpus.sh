#!/usr/bin/env bash
# Renders the Japanese man pages of Debian's manpages-ja to a JSONL corpus:
# one line per page, {"id": "ls.1", "title": "ls - ディレクトリの内容をリスト表示する",
# "section": "1", "body": "<the rendered text>"}.
#
#   usage: scripts/manpages-corpus.sh OUT.jsonl      (MAN_JA=dir to use another tree)
#
# How: each page is rendered by groff (tbl + man macros, UTF-8 output, no
# overstrikes or SGR escapes, no hyphenation, left-adjusted, and a very long
# line length so that a paragraph stays on one line instead of being cut in
# the middle of a sentence), two pages at a time (xargs -P2). Then one python3
# pass, in path order, strips the running header and footer, removes the
# spaces groff puts between two Japanese characters where it joined input
# lines, takes the title from the NAME (名前) section and writes the JSON.
# Symbolic links and `.so` pages are aliases of another page: skipped. Pages
# groff cannot render are reported on stderr and skipped. The output is
# deterministic: pages sorted by path (LC_ALL=C), and no timestamps.
set -euo pipefail
export LC_ALL=C.UTF-8

out=${1:?usage: scripts/manpages-corpus.sh OUT.jsonl}
man_ja=${MAN_JA:-/usr/share/man/ja}
jobs=${JOBS:-2}

if [ ! -d "$man_ja" ] || ! compgen -G "$man_ja/man*/*.gz" >/dev/null; then
	echo "manpages-corpus: no Japanese man pages in $man_ja." >&2
	echo "  fix (Debian, as root): apt-get update && apt-get install -y --no-install-recommends manpages-ja groff-base" >&2
	echo "  or: scripts/setup.sh demo" >&2
	exit 1
fi
for tool in groff preconv python3 zcat xargs; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		case $tool in
		groff|preconv) pkg=groff-base ;;
		python3) pkg=python3 ;;
		zcat) pkg=gzip ;;
		*) pkg=findutils ;;
		esac
		echo "manpages-corpus: '$tool' is missing." >&2
		echo "  fix (Debian, as root): apt-get install -y --no-install-recommends $pkg" >&2
		exit 1
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s%N)

# The pages, sorted: regular files only (symlinks are aliases).
find "$man_ja" -path "$man_ja/man*/*.gz" -type f -print0 | sort -z >"$tmp/list"

# Renders each page given as argument to $tmp/r/<n>.txt where <n> is the
# path with '/' replaced; an empty or failed render leaves a .fail file.
mkdir "$tmp/r"
# shellcheck disable=SC2016 # expanded by the sh that xargs runs
render='
out=$1; shift
for f; do
	name=$(printf "%s" "$f" | tr / _)
	if zcat -- "$f" | head -c 4096 | grep -q "^\.so "; then
		: >"$out/$name.alias"
		continue
	fi
	if zcat -- "$f" | preconv -e utf-8 2>/dev/null |
	   groff -t -man -Tutf8 -P-c -P-b -P-u -rLL=5000n -rHY=0 -dAD=l -rIN=0n \
	     >"$out/$name.txt" 2>/dev/null && [ -s "$out/$name.txt" ]; then
		:
	else
		rm -f "$out/$name.txt"
		: >"$out/$name.fail"
	fi
done
'
xargs -0 -P"$jobs" -n 16 sh -c "$render" sh "$tmp/r" <"$tmp/list"

python3 - "$tmp/list" "$tmp/r" "$out" <<'PY'
import json, os, re, sys

list_path, rdir, out_path = sys.argv[1:4]
paths = [p for p in open(list_path, "rb").read().decode().split("\0") if p]

ansi = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
overstrike = re.compile(r".\x08")
# Japanese scripts and full-width forms: groff joins two input lines with a
# space, which Japanese text does not have.
cjk = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60"
cjk_space = re.compile("(?<=[%s]) +(?=[%s])" % (cjk, cjk))
header = re.compile(r"^\S+\([0-9A-Za-z]+\)\s")   # LS(1)   ユーザーコマンド  LS(1)
footer = re.compile(r"\S+\([0-9A-Za-z]+\)$")     # GNU coreutils  2017年2月  LS(1)
headings = {"名前", "名称", "NAME", "名前 (NAME)"}

n_pages = n_bytes = 0
failed, aliases = [], 0
with open(out_path, "w", encoding="utf-8") as out:
    for path in paths:
        name = path.replace("/", "_")
        base = os.path.join(rdir, name)
        if os.path.exists(base + ".alias"):
            aliases += 1
            continue
        try:
            raw = open(base + ".txt", "rb").read().decode("utf-8", "replace")
        except OSError:
            failed.append(path)
            continue
        text = overstrike.sub("", ansi.sub("", raw))
        lines = [l.rstrip() for l in text.split("\n")]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        if lines and header.match(lines[0]):
            lines.pop(0)
        if lines and footer.search(lines[-1]):
            lines.pop()
        lines = [cjk_space.sub("", re.sub(" {2,}", " ", l.strip())) for l in lines]
        body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
        if not body:
            failed.append(path)
            continue
        page_id = os.path.basename(path)[:-3]          # ls.1.gz -> ls.1
        section = page_id.rsplit(".", 1)[-1]
        title = page_id
        for i, l in enumerate(lines):
            if l in headings:
                name_lines = []
                for m in lines[i + 1:]:
                    if not m:
                        if name_lines:
                            break
                        continue
                    name_lines.append(m)
                if name_lines:
                    title = re.sub(r"\s+", " ", " ".join(name_lines))
                break
        else:
            # No NAME heading (a few pages lack it): a first line that
            # reads "name - what it does" is the NAME line.
            first = next(l for l in lines if l)
            if " - " in first or " \u2014 " in first:
                title = first
        line = json.dumps({"id": page_id, "title": title, "section": section,
                           "body": body}, ensure_ascii=False)
        out.write(line + "\n")
        n_pages += 1
        n_bytes += len(line.encode()) + 1
for p in failed:
    print("manpages-corpus: skipped (groff could not render it): %s" % p,
          file=sys.stderr)
print("manpages-corpus: %d pages, %.1f MB -> %s (%d aliases, %d failed)"
      % (n_pages, n_bytes / 1e6, out_path, aliases, len(failed)))
PY
ms=$((($(date +%s%N) - start) / 1000000))
printf 'manpages-corpus: done in %d.%03d s\n' $((ms / 1000)) $((ms % 1000))
