#!/usr/bin/env bash
# The conventions every subcommand follows (issue 14, item 3; man page
# "Conventions"): -h/--help and --version on stdout with exit 0, before the
# operands only; --format json, with --json the same; search --color and
# NO_COLOR; -q/--quiet; and two small defects of item 5: the title of a
# --format files document is indexed once, and stats says the same
# bytes-per-posting figure in text and JSON. The index is built from the
# documents below, so the suite needs nothing from ../shared.
# Run by tests/run.sh (which sets SAGASU); prints "conventions: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
IDX=$TMP/idx
VERSION="sagasu 0.1.0"

cat >"$TMP/docs.jsonl" <<'EOF'
{"id":"d01","title":"東京の天気","body":"東京は朝から晴れて、夕方に雨が降った。"}
{"id":"d02","title":"京都の寺","body":"京都の古い寺を訪ねて庭を眺めた。"}
{"id":"d03","title":"大阪の会議","body":"大阪で会議があり、天気の話から始めた。"}
{"id":"d04","title":"ファイルの圧縮","body":"tar で複数のファイルを一つにまとめて圧縮する。"}
EOF
printf '天気\n1\t会議\n東京 天気\n' >"$TMP/queries.txt"

"$S" index -d "$IDX" "$TMP/docs.jsonl" >/dev/null 2>"$TMP/index.err"
check "index the embedded documents" 0 $?

SUBS="tokenize index delete compact stats dump check search bench"

# --- -h/--help: stdout, nothing on stderr, exit 0
for sub in "" $SUBS; do
	for h in -h --help; do
		# shellcheck disable=SC2086 # $sub is empty for the top level
		"$S" $sub $h >"$TMP/out" 2>"$TMP/err"
		rc=$?
		check "sagasu${sub:+ $sub} $h: exit, stdout non-empty, stderr empty" \
			"0 yes 0" "$rc $([ -s "$TMP/out" ] && echo yes || echo no) $(wc -c <"$TMP/err")"
	done
done
"$S" --help >"$TMP/top"
check "sagasu --help lists dump under 'debugging:'" "debugging: dump" \
	"$(sed -n '/^debugging:/,$p' "$TMP/top" | awk 'NR == 1 { printf "%s", $0 } NR == 2 { printf " %s", $1 }')"
check "sagasu --help: dump is not among the other commands" "" \
	"$(sed -n '/^commands:/,/^$/p' "$TMP/top" | grep -w dump)"

# --- --version: stdout, exit 0, also among a subcommand's options
for sub in "" $SUBS; do
	# shellcheck disable=SC2086
	out=$("$S" $sub --version 2>"$TMP/err")
	check "sagasu${sub:+ $sub} --version" "0 $VERSION 0" "$? $out $(wc -c <"$TMP/err")"
done
out=$("$S" search -d "$IDX" -k 3 --version 2>&1)
check "search -d IDX -k 3 --version: the version" "0 $VERSION" "$? $out"
out=$("$S" index -d "$TMP/never" --format files --version 2>&1)
check "index ... --version: the version, no index made" "0 $VERSION no" \
	"$? $out $([ -e "$TMP/never" ] && echo yes || echo no)"
# After '--' or the first query word, --version is part of the query.
out=$("$S" search -d "$IDX" -- --version 2>/dev/null)
check "search -d IDX -- --version searches (no version printed)" "" \
	"$(printf '%s\n' "$out" | grep -xF "$VERSION")"
out=$("$S" search -d "$IDX" 天気 --version 2>/dev/null)
check "search -d IDX 天気 --version: the query is '天気 --version'" "yes" \
	"$(printf '%s\n' "$out" | grep -qF "天気 --version" && echo yes || echo no)"
out=$("$S" delete -d "$IDX" -- --version 2>&1)
check "delete -d IDX -- --version deletes the id '--version'" \
	"0 sagasu: delete: 0 deleted, 1 not found" "$? $out"

# --- usage errors exit 2
"$S" stats -d "$IDX" --format xml >/dev/null 2>"$TMP/err"
check "stats --format xml: exit 2" "2" "$?"
check "stats --format xml: message" "sagasu: stats: --format: 'xml' is not text or json" "$(cat "$TMP/err")"
"$S" tokenize --format tsv </dev/null >/dev/null 2>&1
check "tokenize --format tsv: exit 2" "2" "$?"
"$S" bench -d "$IDX" --queries "$TMP/queries.txt" --format trec >/dev/null 2>&1
check "bench --format trec: exit 2" "2" "$?"
"$S" search -d "$IDX" --color=sometimes 天気 >/dev/null 2>"$TMP/err"
check "search --color=sometimes: exit 2" "2" "$?"
check "search --color=sometimes: message" \
	"sagasu: search: --color: 'sometimes' is not auto, always or never" "$(cat "$TMP/err")"
"$S" search -d "$IDX" --color >/dev/null 2>&1
check "search --color without a value: exit 2" "2" "$?"
"$S" bench -d "$IDX" --queries "$TMP/queries.txt" --color=always >/dev/null 2>&1
check "bench has no --color: exit 2" "2" "$?"

# --- --format json is --json
is_json() { python3 -c 'import json, sys
for line in sys.stdin.read().splitlines():
    if line.strip(): json.loads(line)' 2>/dev/null; }
"$S" stats -d "$IDX" --format json >"$TMP/s1"
check "stats --format json: exit 0" 0 $?
is_json <"$TMP/s1" || python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/s1"
check "stats --format json parses" 0 $?
"$S" stats -d "$IDX" --json >"$TMP/s2"
check "stats --format json = --json" "" "$(cmp "$TMP/s1" "$TMP/s2" 2>&1)"
"$S" stats -d "$IDX" --json --format text >"$TMP/s3"
"$S" stats -d "$IDX" >"$TMP/s4"
check "stats --json --format text: the last one wins (text)" "" "$(cmp "$TMP/s3" "$TMP/s4" 2>&1)"

printf '東京の天気は晴れ\n' | "$S" tokenize --format json >"$TMP/t1"
check "tokenize --format json: exit 0" 0 $?
is_json <"$TMP/t1"
check "tokenize --format json parses ($(wc -l <"$TMP/t1") tokens)" 0 $?
printf '東京の天気は晴れ\n' | "$S" tokenize --json >"$TMP/t2"
check "tokenize --format json = --json" "" "$(cmp "$TMP/t1" "$TMP/t2" 2>&1)"
printf '東京\n' | "$S" tokenize --format json --lines >/dev/null 2>&1
check "tokenize --format json --lines: exit 2" 2 $?

"$S" bench -d "$IDX" --queries "$TMP/queries.txt" --format json >"$TMP/b1" 2>/dev/null
check "bench --format json: exit 0" 0 $?
"$S" bench -d "$IDX" --queries "$TMP/queries.txt" --json >"$TMP/b2" 2>/dev/null
# Timings differ from run to run: the keys, and the figures that are not
# times, must be the same.
out=$(python3 - "$TMP/b1" "$TMP/b2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
fixed = ["queries", "repeat", "k", "mode", "postings_decoded_per_query",
         "blocks_skipped_per_query", "docs_scored_per_query", "errors", "threads"]
print("same" if sorted(a) == sorted(b) and all(a.get(k) == b.get(k) for k in fixed)
      and a["queries"] == 3 else "differ: %r %r" % (a, b))
PY
)
check "bench --format json parses and matches --json" "same" "$out"

# --- --color
"$S" search -d "$IDX" --color=always 天気 >"$TMP/c1"
check "search --color=always into a pipe: ANSI escapes" "yes" \
	"$(grep -q $'\033\\[' "$TMP/c1" && echo yes || echo no)"
"$S" search -d "$IDX" --color always 天気 >"$TMP/c2"
# (the first line holds the time the query took)
check "search --color always (two words) = --color=always" "" \
	"$(cmp <(tail -n +2 "$TMP/c1") <(tail -n +2 "$TMP/c2") 2>&1)"
NO_COLOR=1 "$S" search -d "$IDX" --color=always 天気 >"$TMP/c3"
check "search --color=always beats NO_COLOR" "yes" \
	"$(grep -q $'\033\\[' "$TMP/c3" && echo yes || echo no)"
"$S" search -d "$IDX" --color=never 天気 >"$TMP/c4"
check "search --color=never: no escapes, matches in [ ]" "no yes" \
	"$(grep -q $'\033' "$TMP/c4" && echo yes || echo no) $(grep -qF '[天気]' "$TMP/c4" && echo yes || echo no)"
"$S" search -d "$IDX" 天気 >"$TMP/c5"
check "search (auto) into a pipe: no escapes" "no" "$(grep -q $'\033' "$TMP/c5" && echo yes || echo no)"
if command -v script >/dev/null; then
	script -qfec "NO_COLOR=1 '$S' search -d '$IDX' 天気" /dev/null >"$TMP/c6" 2>&1
	check "search (auto) on a terminal with NO_COLOR: no escapes" "no" \
		"$(grep -q $'\033\\[1;31m' "$TMP/c6" && echo yes || echo no)"
	script -qfec "'$S' search -d '$IDX' 天気" /dev/null >"$TMP/c7" 2>&1
	check "search (auto) on a terminal: escapes" "yes" \
		"$(grep -q $'\033\\[1;31m' "$TMP/c7" && echo yes || echo no)"
	script -qfec "'$S' search -d '$IDX' --color=never 天気" /dev/null >"$TMP/c8" 2>&1
	check "search --color=never on a terminal: no escapes" "no" \
		"$(grep -q $'\033\\[1;31m' "$TMP/c8" && echo yes || echo no)"
else
	echo "SKIP script(1) is not installed: --color auto on a terminal is not tried"
fi
"$S" search -d "$IDX" --color=always --format json 天気 >"$TMP/c9"
check "search --color=always --format json: no escapes in JSON" "no" \
	"$(grep -q $'\033' "$TMP/c9" && echo yes || echo no)"

# --- -q/--quiet
"$S" index -d "$TMP/q1" "$TMP/docs.jsonl" >/dev/null 2>"$TMP/err"
check "index without -q: a summary on stderr" "yes" \
	"$(grep -q 'indexed' "$TMP/err" && echo yes || echo no)"
"$S" index -q -d "$TMP/q2" "$TMP/docs.jsonl" >"$TMP/out" 2>"$TMP/err"
check "index -q: exit 0, stdout and stderr empty" "0 0 0" "$? $(wc -c <"$TMP/out") $(wc -c <"$TMP/err")"
check "index -q: the documents are there" "4" \
	"$("$S" stats -d "$TMP/q2" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])')"
printf '{"id":"x1","body":"雨"}\nbroken\n' >"$TMP/bad.jsonl"
"$S" index --quiet -d "$TMP/q3" "$TMP/bad.jsonl" >/dev/null 2>"$TMP/err"
check "index --quiet: a rejection is still reported, exit 3" "3 1 $TMP/bad.jsonl:2:" \
	"$? $(wc -l <"$TMP/err") $(cut -d' ' -f1 "$TMP/err")"
"$S" delete -q -d "$TMP/q2" d01 >"$TMP/out" 2>"$TMP/err"
check "delete -q: exit 0, nothing printed" "0 0 0" "$? $(wc -c <"$TMP/out") $(wc -c <"$TMP/err")"
"$S" delete -d "$TMP/q2" d02 2>"$TMP/err"
check "delete without -q: the summary" "sagasu: delete: 1 deleted, 0 not found" "$(cat "$TMP/err")"
"$S" compact --quiet -d "$TMP/q2" >"$TMP/out" 2>"$TMP/err"
check "compact --quiet: exit 0, nothing printed" "0 0 0" "$? $(wc -c <"$TMP/out") $(wc -c <"$TMP/err")"
# In --or mode an unclosed quote is searched as plain text, with a notice.
"$S" search --or -d "$IDX" '天気 "晴れ' >/dev/null 2>"$TMP/err"
check "search: a query searched as plain text gives a notice" "0 yes" \
	"$? $(grep -q "searched as plain text" "$TMP/err" && echo yes || echo no)"
"$S" search -q --or -d "$IDX" '天気 "晴れ' >"$TMP/out" 2>"$TMP/err"
check "search -q: no notice, the hits still printed" "0 0 yes" \
	"$? $(wc -c <"$TMP/err") $(grep -q d01 "$TMP/out" && echo yes || echo no)"
"$S" bench -q -d "$IDX" --queries "$TMP/queries.txt" >/dev/null 2>"$TMP/err"
check "bench -q: exit 0, stderr empty" "0 0" "$? $(wc -c <"$TMP/err")"

# --- --format files: the title line is the title, not also the body
mkdir -p "$TMP/files/sub"
printf '東京の天気\n晴れのち雨\n' >"$TMP/files/a.txt"
printf '\n  大阪の会議  \n\n予定は未定\n' >"$TMP/files/sub/b.txt"
"$S" index -q --format files -d "$TMP/fidx" "$TMP/files" 2>"$TMP/err"
check "index --format files" "0 0" "$? $(wc -c <"$TMP/err")"
"$S" dump -d "$TMP/fidx" >"$TMP/fdump"
check "files: a word of the title line only has tf 1 (天気)" "  a.txt tf=1 pos=2" \
	"$(sed -n '/^T 天気 /{n;p;}' "$TMP/fdump")"
check "files: the title after blank lines, trimmed, tf 1 (会議)" "  sub/b.txt tf=1 pos=2" \
	"$(sed -n '/^T 会議 /{n;p;}' "$TMP/fdump")"
check "files: a body word after the title (雨)" "  a.txt tf=1" \
	"$(sed -n '/^T 雨 /{n;p;}' "$TMP/fdump" | cut -d' ' -f1-4)"
out=$("$S" search -d "$TMP/fidx" --format json 天気 | python3 -c '
import json, sys
h = json.load(sys.stdin)["hits"][0]
print(h["title"], h.get("snippet", "").count("東京の天気"), "晴れのち雨" in h.get("snippet", ""))')
check "files: the snippet holds the title once, then the body" "東京の天気 1 True" "$out"

# --- stats: the same bytes-per-posting figure in text and JSON
for d in "$IDX" "$TMP/fidx"; do
	"$S" stats -d "$d" --format json >"$TMP/sj"
	"$S" stats -d "$d" >"$TMP/st"
	# Expected: the postings database's bytes over all the postings it
	# holds (terms and substring grams), from the JSON's own fields.
	want=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
n = s["postings"] + s["gram_postings"]
v = s["databases"]["postings"]["bytes"] / n if n else 0.0
print("%.2f %.2f" % (v, s["bytes_per_posting"]))' "$TMP/sj")
	text=$(awk '$1 == "bytes/posting" { print $2 }' "$TMP/st")
	check "stats ${d#"$TMP"/}: text bytes/posting = JSON bytes_per_posting = bytes/(postings+grams)" \
		"${want%% *} ${want%% *} ${want%% *}" "$text ${want#* } ${want%% *}"
	check "stats ${d#"$TMP"/}: the text says what it counts" "yes" \
		"$(grep -A1 '^bytes/posting' "$TMP/st" | grep -q 'term and gram postings' && echo yes || echo no)"
done

# --- --snippet 0 means none (fixed elsewhere; checked here as a convention of the help)
out=$("$S" search -d "$IDX" --snippet 0 --format json 天気 | python3 -c '
import json, sys
print(sum("snippet" in h for h in json.load(sys.stdin)["hits"]))')
check "search --snippet 0 --format json: no snippet" "0" "$out"

# --- make help is generated from the `## ` comments: every phony target but
# FORCE is listed, and every target listed exists (make -n knows it).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$ROOT" help >"$TMP/help" 2>&1
check "make help: exit 0" 0 $?
phony=$(make -C "$ROOT" -pn help 2>/dev/null | sed -n 's/^\.PHONY: //p' | tr ' ' '\n' | grep -v '^FORCE$' | sort -u)
listed=$(sed -n 's/^make \([a-z-]*\) .*/\1/p' "$TMP/help" | sort -u)
check "make help lists every phony target" "" "$(comm -23 <(echo "$phony") <(echo "$listed") | tr '\n' ' ')"
unknown=""
for t in $listed; do
	make -C "$ROOT" -n -q "$t" >/dev/null 2>&1; [ $? -eq 2 ] && unknown="$unknown $t"
done
check "every target make help lists exists" "" "$unknown"

check_all_indexes
finish conventions
