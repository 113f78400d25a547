#!/usr/bin/env bash
# Hostile and odd input: invalid UTF-8, NUL bytes, BOM, CRLF, a 100 MB
# document, a million one-word documents, wrong JSON types, deep nesting,
# duplicate and over-long ids, over-long terms, odd queries. Every case has
# a concrete expectation; none may end in a signal.
# Run by tests/run.sh (which sets SAGASU); prints "badinput: N passed, N failed".
#   BIG_MB=N       size of the single big document (default 100)
#   MANY_DOCS=N    number of one-word documents (default 1000000)
. "$(dirname "$0")/lib.sh"
S=$SAGASU
BIG_MB=${BIG_MB:-100}
MANY_DOCS=${MANY_DOCS:-1000000}

# hits DIR QUERY...: the ids of the hits, space-separated, in rank order
hits() { local d=$1; shift; "$S" search -d "$d" -k 100 --format tsv "$@" 2>/dev/null | cut -f3 | tr '\n' ' ' | sed 's/ $//'; }
# total DIR QUERY: the number of matching documents
total() { "$S" search -d "$1" -k 1 --format json "$2" 2>/dev/null | sed -n 's/.*"total":\([0-9]*\).*/\1/p'; }
ids() { "$S" dump -d "$1" | sed -n 's/^D \([^ ]*\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//'; }

# ------------------------------------------------------------ invalid UTF-8
printf '{"id":"u1","body":"壊れた\xff\xfe文字と東京"}\n{"id":"u2","body":"正しい文書"}\n' >"$TMP/u.jsonl"
"$S" index -d "$TMP/u" "$TMP/u.jsonl" 2>"$TMP/u.err"
check "invalid UTF-8: exit 0 (indexed, not rejected)" 0 $?
grep -q "document 'u1': 2 invalid UTF-8 sequences replaced by U+FFFD" "$TMP/u.err" &&
	ok "invalid UTF-8: the warning names u1" || fail "invalid UTF-8: warning: $(cat "$TMP/u.err")"
check "invalid UTF-8: 2 documents" 2 "$(stats_docs "$TMP/u")"
check "invalid UTF-8: a word after the bad bytes is found" u1 "$(hits "$TMP/u" 東京)"
printf '一行目\xc3\n東京の二行目\n' >"$TMP/u.txt"
"$S" index -d "$TMP/ul" --format lines "$TMP/u.txt" 2>"$TMP/ul.err"
check "invalid UTF-8 (lines): exit 0" 0 $?
grep -q "document '$TMP/u.txt:1': 1 invalid UTF-8 sequence" "$TMP/ul.err" &&
	ok "invalid UTF-8 (lines): the warning names FILE:1" || fail "invalid UTF-8 (lines): $(cat "$TMP/ul.err")"

# ------------------------------------------------------------ NUL bytes
printf '{"id":"n1","body":"前半の京都\\u0000後半の大阪"}\n' >"$TMP/n.jsonl"
"$S" index -d "$TMP/n" "$TMP/n.jsonl" 2>"$TMP/n.err"
check "JSON \\u0000: exit 0" 0 $?
check "JSON \\u0000: a word before the NUL is found" n1 "$(hits "$TMP/n" 京都)"
check "JSON \\u0000: a word after the NUL is found" n1 "$(hits "$TMP/n" 大阪)"
printf '{"id":"n2","body":"生の\0バイト"}\n{"id":"n3","body":"次の行"}\n' >"$TMP/n2.jsonl"
"$S" index -d "$TMP/n2" "$TMP/n2.jsonl" 2>"$TMP/n2.err"
check "raw NUL in JSONL: exit 3 (the line rejected)" 3 $?
grep -q "^$TMP/n2.jsonl:1: " "$TMP/n2.err" && ok "raw NUL in JSONL: line 1 named: $(head -1 "$TMP/n2.err")" ||
	fail "raw NUL in JSONL: $(cat "$TMP/n2.err")"
check "raw NUL in JSONL: the next line is indexed" n3 "$(ids "$TMP/n2")"
mkdir -p "$TMP/nf"
printf 'ヌルの題名\n前半の京都\0後半の大阪\n' >"$TMP/nf/a.txt"
"$S" index -d "$TMP/nfi" --format files "$TMP/nf" 2>"$TMP/nf.err"
check "raw NUL in a file: exit 0" 0 $?
check "raw NUL in a file: a word before it is found" a.txt "$(hits "$TMP/nfi" 京都)"
check "raw NUL in a file: a word after it is found" a.txt "$(hits "$TMP/nfi" 大阪)"
printf '前半の京都\0後半の大阪\n二行目\n' >"$TMP/nl.txt"
"$S" index -d "$TMP/nli" --format lines "$TMP/nl.txt" 2>"$TMP/nl.err"
check "raw NUL in a line: exit 0" 0 $?
check "raw NUL in a line: a word after it is found" "$TMP/nl.txt:1" "$(hits "$TMP/nli" 大阪)"
check "raw NUL in a line: 2 documents" 2 "$(stats_docs "$TMP/nli")"

# ------------------------------------------------------------ BOM, CRLF
printf '\xef\xbb\xbf{"id":"b1","title":"題","body":"東京"}\r\n{"id":"b2","body":"大阪"}\r\n' >"$TMP/b.jsonl"
"$S" index -d "$TMP/b" "$TMP/b.jsonl" 2>"$TMP/b.err"
check "BOM + CRLF (JSONL): exit 0" 0 $?
check "BOM + CRLF (JSONL): ids" "b1 b2" "$(ids "$TMP/b")"
mkdir -p "$TMP/bf"
printf '\xef\xbb\xbf題名の行\r\n本文の京都\r\n' >"$TMP/bf/x.txt"
"$S" index -d "$TMP/bfi" --format files "$TMP/bf" 2>/dev/null
check "BOM + CRLF (files): exit 0" 0 $?
check "BOM + CRLF (files): the title has no BOM and no CR" "D x.txt title=題名の行" \
	"$("$S" dump -d "$TMP/bfi" | grep '^D ' | sed 's/ dl=[0-9]*//')"
printf '\xef\xbb\xbf東京の一行目\r\n\r\n大阪の三行目\r\n' >"$TMP/bl.txt"
"$S" index -d "$TMP/bli" --format lines "$TMP/bl.txt" 2>/dev/null
check "BOM + CRLF (lines): exit 0" 0 $?
check "BOM + CRLF (lines): ids skip the blank CRLF line" "$TMP/bl.txt:1 $TMP/bl.txt:3" "$(ids "$TMP/bli")"
check "BOM + CRLF (lines): the first line's word is found" "$TMP/bl.txt:1" "$(hits "$TMP/bli" 東京)"

# ------------------------------------------------------------ empty lines
printf '\n{"id":"e1","body":"東京"}\n\n   \n\t\n{"id":"e2","body":"大阪"}\n\n' >"$TMP/e.jsonl"
"$S" index -d "$TMP/e" "$TMP/e.jsonl" 2>"$TMP/e.err"
check "empty lines: exit 0" 0 $?
check "empty lines: no message but the summary" 1 "$(grep -c . "$TMP/e.err")"
check "empty lines: 2 documents" 2 "$(stats_docs "$TMP/e")"

# ------------------------------------------------------------ wrong JSON types
W=$TMP/w.jsonl
{
	echo '{"id":{"a":1},"body":"x"}'
	echo '{"id":[1,2],"body":"x"}'
	echo '{"id":true,"body":"x"}'
	echo '{"id":1.5,"body":"x"}'
	echo '{"id":"t5","title":42,"body":"x"}'
	echo '{"id":"t6","body":["a","b"]}'
	echo '{"id":"t7","body":{"k":"v"}}'
	echo '{"id":null,"body":"x"}'
	echo '["not","an","object"]'
	echo '{"id":"good","body":"正しい","extra":[1,{"x":2}]}'
	echo '{"id":12345,"body":"整数のid"}'
} >"$W"
"$S" index -d "$TMP/w" "$W" 2>"$TMP/w.err"
check "wrong types: exit 3" 3 $?
want=(x "\"id\" must be a string or an integer, not an object"
	"\"id\" must be a string or an integer, not an array"
	"\"id\" must be a string or an integer, not a boolean"
	"\"id\" must be a string or an integer, not a number"
	"\"title\" must be a string, not an integer"
	"\"body\" must be a string, not an array"
	"\"body\" must be a string, not an object"
	"\"id\" must be a string or an integer, not null"
	"a line must be a JSON object, not an array")
for l in 1 2 3 4 5 6 7 8 9; do
	grep -qF "$W:$l: ${want[$l]}" "$TMP/w.err" && ok "wrong types: line $l: ${want[$l]}" ||
		fail "wrong types: line $l: want '${want[$l]}' in: $(grep "$W:$l:" "$TMP/w.err")"
done
check "wrong types: the good lines are indexed (stored extra kept)" "12345 good" "$(ids "$TMP/w")"

# ------------------------------------------------------------ deep nesting
python3 -c '
n = 100000
print("{\"id\":\"deep\",\"body\":\"x\",\"extra\":" + "[" * n + "]" * n + "}")
print("{\"id\":\"after\",\"body\":\"深い行の次\"}")' >"$TMP/deep.jsonl"
"$S" index -d "$TMP/deep" "$TMP/deep.jsonl" 2>"$TMP/deep.err"
rc=$?
check "deep nesting: exit 3 (rejected, no crash)" 3 $rc
grep -q "^$TMP/deep.jsonl:1: broken JSON.*depth" "$TMP/deep.err" && ok "deep nesting: $(head -1 "$TMP/deep.err" | sed "s|$TMP/||")" ||
	fail "deep nesting: message: $(head -c 300 "$TMP/deep.err")"
check "deep nesting: the next line is indexed" after "$(ids "$TMP/deep")"

# ------------------------------------------------------------ duplicate ids
printf '{"id":"dup","title":"first","body":"最初の京都"}\n{"id":"x","body":"別"}\n{"id":"dup","title":"second","body":"後の大阪"}\n' >"$TMP/dup.jsonl"
"$S" index -d "$TMP/dup" "$TMP/dup.jsonl" 2>"$TMP/dup.err"
check "duplicate ids: exit 0" 0 $?
check "duplicate ids: N counts one" 2 "$(stats_docs "$TMP/dup")"
check "duplicate ids: the later one wins (title)" "D dup title=second" "$("$S" dump -d "$TMP/dup" | grep '^D dup' | sed 's/ dl=[0-9]*//')"
check "duplicate ids: the earlier text is gone" "" "$(hits "$TMP/dup" 京都)"
check "duplicate ids: the later text is found" dup "$(hits "$TMP/dup" 大阪)"

# ------------------------------------------------------------ long ids
python3 -c '
import json
for n in (480, 481, 600):
    print(json.dumps({"id": "i" * n, "body": "長いid %d" % n}))' >"$TMP/id.jsonl"
"$S" index -d "$TMP/id" "$TMP/id.jsonl" 2>"$TMP/id.err"
check "long ids: exit 3" 3 $?
grep -q "^$TMP/id.jsonl:2: .*480" "$TMP/id.err" && ok "long ids: 481 bytes rejected, line 2 named: $(grep ':2: ' "$TMP/id.err" | sed "s|$TMP/||" | cut -c1-150)" ||
	fail "long ids: line 2: $(cat "$TMP/id.err")"
grep -q "^$TMP/id.jsonl:3: .*480" "$TMP/id.err" && ok "long ids: 600 bytes rejected, line 3 named" ||
	fail "long ids: line 3: $(cat "$TMP/id.err")"
check "long ids: the 480-byte id is indexed" 1 "$(stats_docs "$TMP/id")"

# ------------------------------------------------------------ long terms
python3 -c '
import json
print(json.dumps({"id": "long", "body": "始め " + "a" * 10000 + " 終わりの東京"}))
print(json.dumps({"id": "short", "body": "aaaa 普通"}))' >"$TMP/lt.jsonl"
"$S" index -d "$TMP/lt" "$TMP/lt.jsonl" 2>"$TMP/lt.err"
check "long term: exit 0" 0 $?
check "long term: both indexed" 2 "$(stats_docs "$TMP/lt")"
check "long term: a word after it is found" long "$(hits "$TMP/lt" 東京)"
maxlen=$("$S" dump -d "$TMP/lt" | sed -n 's/^T \([^ ]*\) .*/\1/p' | awk '{ if (length($0) > m) m = length($0) } END { print m }')
[ "$maxlen" -le 255 ] && ok "long term: stored terms are cut to at most 255 bytes (longest $maxlen)" ||
	fail "long term: a stored term of $maxlen bytes"
check "long term: the prefix aaaa* finds both" "long short" "$(hits "$TMP/lt" 'aaaa*' | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
"$S" search -d "$TMP/lt" "$(python3 -c 'print("a" * 10000)')" >/dev/null 2>"$TMP/lt.qerr"
rc=$?
[ $rc -lt 128 ] && ok "long term: searching the 10,000-char word: exit $rc, no crash" ||
	fail "long term: searching it: signal $((rc - 128))"
check "long term: the 10,000-char query finds the long doc" long "$(hits "$TMP/lt" "$(python3 -c 'print("a" * 10000)')")"

# ------------------------------------------------------------ odd queries
Q=$TMP/u
query_case() { # NAME QUERY...: no signal; exit 0, or exit 1/2 with a message
	local name=$1 rc
	shift
	"$S" search -d "$Q" "$@" >"$TMP/q.out" 2>"$TMP/q.err"
	rc=$?
	if [ $rc -ge 128 ]; then
		fail "query $name: killed by signal $((rc - 128))"
	elif [ $rc -ne 0 ] && [ ! -s "$TMP/q.err" ]; then
		fail "query $name: exit $rc without a message"
	else
		ok "query $name: exit $rc: $( (head -1 "$TMP/q.err"; head -1 "$TMP/q.out") | head -1 | cut -c1-120)"
	fi
}
query_case "empty" ''
query_case "a particle" 'の'
query_case "a symbol" '、'
query_case "particles and symbols" 'の、は。'
query_case "10,000 words" "$(python3 -c 'print(" ".join("語%d" % i for i in range(10000)))')"
query_case "10,000 words --or" --or "$(python3 -c 'print(" ".join("東京%d" % i for i in range(10000)))')"
query_case "unbalanced quote" '"東京 文書'
query_case "unbalanced paren" '(東京 OR 大阪'
query_case "closing paren" '東京)'
query_case "lone -" '-'
query_case "lone *" '*'
query_case "only a negation" '-東京'
query_case "OR alone" 'OR'
query_case "nested parens x1000" "$(python3 -c 'print("(" * 1000 + "東京" + ")" * 1000)')"
"$S" search -d "$Q" 'の' 2>/dev/null | grep -q "^0 hits" && ok "query a particle: 0 hits, not an error" ||
	fail "query a particle: $("$S" search -d "$Q" 'の' 2>&1 | head -2)"
"$S" search -d "$Q" '"東京 文書' >/dev/null 2>"$TMP/q.err"
rc=$?
{ [ $rc -eq 0 ] || grep -q "column" "$TMP/q.err"; } && ok "query unbalanced quote: a result or an error naming the column" ||
	fail "query unbalanced quote: exit $rc: $(cat "$TMP/q.err")"

# ------------------------------------------------------------ a 100 MB document
BIGD=$TMP/bigdoc
mkdir -p "$BIGD"
python3 - "$BIGD/big.txt" "$BIG_MB" <<'EOF'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
para = ("東京都の天気は晴れのち曇り。大阪で会議がありました。京都の寺を訪ねる。"
        "猫が窓辺で眠っている。新しい検索エンジンを作る。日本語の形態素解析。\n")
chunk = (para * 200).encode()
with open(path, "wb") as f:
    f.write("大きな文書\n".encode())
    n = 0
    while n < mb * 1000000:
        f.write(chunk); n += len(chunk)
    f.write("最後の合言葉はズィーキューエンドです。\n".encode())
EOF
echo "     big document: $(stat -c %s "$BIGD/big.txt") bytes"
t0=$(ms_now)
"$S" index -d "$TMP/bigidx" --format files "$BIGD" 2>"$TMP/big.err"
rc=$?
big_ms=$(($(ms_now) - t0))
echo "     big document: indexed in $big_ms ms: $(tail -1 "$TMP/big.err")"
check "100 MB document: exit 0" 0 $rc
check "100 MB document: N = 1" 1 "$(stats_docs "$TMP/bigidx")"
check "100 MB document: a word from its end is found" big.txt "$(hits "$TMP/bigidx" ズィーキューエンド)"
check "100 MB document: a common word is found" big.txt "$(hits "$TMP/bigidx" 形態素)"
rm -rf "$BIGD" "$TMP/bigidx"

# ------------------------------------------------------------ a million documents
python3 - "$TMP/many.txt" "$MANY_DOCS" <<'EOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
words = ["東京", "大阪", "京都", "猫", "検索", "天気", "会議", "寿司"]
rare = {17, n // 2, n - 1}
with open(path, "w", encoding="utf-8") as f:
    for i in range(n):
        f.write(("珍品" if i in rare else words[i % len(words)]) + "\n")
EOF
t0=$(ms_now)
(cd "$TMP" && "$S" index -d many --format lines many.txt 2>"$TMP/many.err")
rc=$?
many_ms=$(($(ms_now) - t0))
echo "     $MANY_DOCS documents: indexed in $many_ms ms: $(tail -1 "$TMP/many.err")"
check "$MANY_DOCS one-word documents: exit 0" 0 $rc
check "$MANY_DOCS one-word documents: N" "$MANY_DOCS" "$(stats_docs "$TMP/many")"
check "$MANY_DOCS one-word documents: the rare word finds exactly its 3" \
	"$(printf 'many.txt:%s\n' $((MANY_DOCS / 2 + 1)) "$MANY_DOCS" 18 | sort | tr '\n' ' ' | sed 's/ $//')" \
	"$(hits "$TMP/many" 珍品 | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
# 大阪 is word i % 8 == 1; the rare word took document 17's place.
check "$MANY_DOCS one-word documents: a common word's total" $(((MANY_DOCS + 6) / 8 - 1)) "$(total "$TMP/many" 大阪)"

check_all_indexes
finish badinput
