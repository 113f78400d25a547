#!/usr/bin/env bash
# `sagasu tokenize`: exact output, --json, --lines, invalid UTF-8 warnings, and
# the acceptance check against the mecab command on the normalized text of the
# embedded fixtures (tests/fixtures/, always) and of ../shared's hatena-cluster.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")/../.." && pwd)

DICDIR=/var/lib/mecab/dic/ipadic-utf8

# --- the example of docs/ANALYZER.md: offsets are in the ORIGINAL bytes
out=$(printf 'ＡＢＣのｶﾀｶﾅを使った\n' | "$SAGASU" tokenize)
want=$(printf 'abc\t0\t0\t9\t名詞,固有名詞,組織\nカタカナ\t2\t12\t24\t名詞,一般\n使う\t4\t27\t33\t動詞,自立')
check "ABC example" "$want" "$out"

out=$(printf 'ＡＢＣのｶﾀｶﾅを使った' | "$SAGASU" tokenize --keep-all | cut -f1,2 | tr '\t\n' ': ')
check "--keep-all" "abc:0 の:1 カタカナ:2 を:3 使う:4 た:5 " "$out"

# --- --json: every line parses, fields and values as in the text output
printf 'ＡＢＣのｶﾀｶﾅを使った "quoted" \\ back\n' | "$SAGASU" tokenize --json >"$TMP/json"
if python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert [r["term"] for r in rows] == ["abc", "カタカナ", "使う", "quoted", "back"], rows
assert set(rows[0]) == {"term", "pos", "start", "end", "tag"}
assert (rows[0]["pos"], rows[0]["start"], rows[0]["end"], rows[0]["tag"]) == (0, 0, 9, "名詞,固有名詞,組織")
' "$TMP/json"; then ok "--json parses"; else fail "--json: $(cat "$TMP/json")"; fi

# --- --lines: one output line per input line, empty lines kept
printf '東京に行った\n\nは。\n大阪' | "$SAGASU" tokenize --lines >"$TMP/lines"
check "--lines count" "4" "$(wc -l <"$TMP/lines" | tr -d ' ')"
check "--lines content" "東京 行く|||大阪|" "$(tr '\n' '|' <"$TMP/lines")"

# --- invalid UTF-8: replaced, warned on stderr with a count (and the line)
out=$(printf '東京\xff\xfe大阪' | "$SAGASU" tokenize 2>"$TMP/err" | cut -f1 | tr '\n' ' ')
check "invalid UTF-8 kept text" "東京 大阪 " "$out"
check "invalid UTF-8 warning" \
	"sagasu: tokenize: stdin: 2 invalid UTF-8 sequences replaced by U+FFFD" "$(cat "$TMP/err")"
printf 'ok\nbad\xc0\x80\n' | "$SAGASU" tokenize --lines >/dev/null 2>"$TMP/err"
check "invalid UTF-8 warning names the line" \
	"sagasu: tokenize: stdin: line 2: 2 invalid UTF-8 sequences replaced by U+FFFD" "$(cat "$TMP/err")"

# --- usage errors
"$SAGASU" tokenize --bogus </dev/null >/dev/null 2>&1
check "unknown option exits 2" "2" "$?"
"$SAGASU" tokenize --help | grep -q -- '--lines' && ok "--help" || fail "--help"
"$SAGASU" tokenize --dicdir /nonexistent </dev/null 2>"$TMP/err"
check "missing dictionary exits 1" "1" "$?"
grep -q 'apt-get install mecab-ipadic-utf8' "$TMP/err" && ok "missing dictionary names the fix" ||
	fail "missing dictionary message: $(cat "$TMP/err")"

# --- acceptance: line by line, the same terms as the mecab command run on the
# normalized text with the documented filter and base-form rules applied
# accept LABEL FILE: that comparison on FILE, and クラスター / コロナクラスター
accept() {
	local L=$1 corpus=$2
	"$SAGASU" tokenize --lines <"$corpus" >"$TMP/ours"
	# (awk counts a last line without a newline too)
	check "$L: one output line per input line" \
		"$(awk 'END { print NR }' "$corpus")" "$(awk 'END { print NR }' "$TMP/ours")"
	# (the default ー rule changes terms only, applied below; the text is
	# the one MeCab sees)
	"$SAGASU" tokenize --normalize <"$corpus" | mecab -d "$DICDIR" >"$TMP/mecab"
	python3 - "$TMP/mecab" >"$TMP/theirs" <<'EOF'
import sys, unicodedata
def punct_only(s):
    return all(unicodedata.category(c)[0] in "ZPS" or unicodedata.category(c) == "Cc" for c in s)
def cut(t):  # at most 255 bytes, at a character boundary
    return t.encode()[:255].decode("utf-8", "ignore")
terms = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line == "EOS":
        print(" ".join(terms)); terms = []; continue
    surface, _, feat = line.partition("\t")
    col = feat.split(",")
    term = col[6] if col[0] in ("動詞", "形容詞") and len(col) > 6 and col[6] != "*" else surface
    term = cut(term)
    # the default ー rule: a katakana-only surface of 4+ characters ending in ー
    if term == surface and len(term) >= 4 and term.endswith("ー") and \
            all("\u30a1" <= c <= "\u30fa" or c == "ー" for c in term):
        term = term[:-1]
    if col[0] in ("助詞", "助動詞", "記号") or punct_only(term): continue
    terms.append(term)
EOF
	if diff "$TMP/theirs" "$TMP/ours" >"$TMP/diff"; then
		ok "$L: every line agrees with mecab ($(awk 'END { print NR }' "$corpus") lines)"
	else
		fail "$L: lines differ from mecab: $(head -8 "$TMP/diff")"
	fi
	# (スター has 3 characters: it keeps its ー; コロナクラスター loses it)
	grep -q 'クラ スター' "$TMP/ours" && ok "$L: クラスター → クラ スター" || fail "$L: no 'クラ スター'"
	grep -qw 'コロナクラスタ' "$TMP/ours" && ok "$L: コロナクラスター stays whole (コロナクラスタ)" ||
		fail "$L: コロナクラスター was split"
	grep -q 'コロナ クラ スター' "$TMP/ours" && fail "$L: コロナクラスター split somewhere" ||
		ok "$L: コロナクラスター never split"
}

if ! command -v mecab >/dev/null; then
	fail "no mecab command: scripts/setup.sh installs it (package mecab)"
else
	# the embedded fixtures (always): every title and body line of them
	python3 - "$HERE/tests/fixtures/diary.jsonl" "$HERE/tests/fixtures/encyclopedia.jsonl" \
		>"$TMP/fixtures.txt" <<'EOF'
import json, sys
for path in sys.argv[1:]:
    for l in open(path, encoding="utf-8"):
        d = json.loads(l)
        print(d["title"])
        print(d["body"])
EOF
	accept fixtures "$TMP/fixtures.txt"
	if have_shared corpus/hatena-cluster.txt; then
		accept hatena "$SHARED/corpus/hatena-cluster.txt"
	fi
fi

finish tokenize
