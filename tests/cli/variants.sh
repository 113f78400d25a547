#!/usr/bin/env bash
# Spelling variants, the index's own analyzer, user dictionaries (issue 12
# items 3-5; docs/ANALYZER.md):
#   - the default ー rule both ways (ユーザー = ユーザ), keyword and --or
#     (morpheme) mode, on both index kinds, on an embedded fixture;
#   - every katakana word ending in ー that occurs with and without its ー in
#     the embedded fixtures and the demo corpus (build/demo/manpages-ja.jsonl,
#     else rendered here from manpages-ja; ../shared's hatena-cluster where
#     neither is there): both spellings find the same
#     documents (the word list is computed by python from the text);
#   - each option (kana, v, hyphen) with expected hit sets;
#   - an index analyzed as before variants ("sagasu-analyzer/1", built with
#     --variants none) still opens and searches as /1 did;
#   - search, stats, check, tokenize -d need no analyzer flag; a contradicting
#     flag is an error naming both values;
#   - --user-dict: 形態素解析器 one morpheme (tokenize -d, search), user.dic
#     restored when missing, bad CSV lines reported as FILE:LINE.
. "$(dirname "$0")/lib.sh"
S=$SAGASU
FIX=$(dirname "$0")/../fixtures

# hits DIR [OPTIONS] QUERY: the ids of every hit, sorted, on one line
hits() {
	local d=$1
	shift
	"$S" search -d "$d" -q -k 1000000 --count exact --format tsv "$@" 2>/dev/null |
		cut -f3 | sort | tr '\n' ' ' | sed 's/ $//'
}

cat >"$TMP/v.jsonl" <<'EOF'
{"id":"u1","title":"","body":"新しいユーザーを追加する"}
{"id":"u2","title":"","body":"古いユーザを削除する"}
{"id":"d1","title":"","body":"ディレクトリーを作成した"}
{"id":"d2","title":"","body":"ディレクトリの作成"}
{"id":"p1","title":"","body":"パースエラーが出た"}
{"id":"k1","title":"","body":"りんごを食べた"}
{"id":"k2","title":"","body":"リンゴを食べた"}
{"id":"v1","title":"","body":"ヴァイオリンを弾く"}
{"id":"v2","title":"","body":"バイオリンを弾く"}
{"id":"h1","title":"","body":"セーフティ−ネットの話"}
{"id":"h2","title":"","body":"セーフティーネットの話"}
EOF

# --- the default ー rule, both directions, both modes, both index kinds
"$S" index -q -d "$TMP/sub" "$TMP/v.jsonl" && "$S" index -q --no-substring -d "$TMP/nosub" "$TMP/v.jsonl"
check "fixture indexes built" 0 $?
for kind in sub nosub; do
	for mode in "" "--or"; do
		L="$kind${mode:+ $mode}"
		# shellcheck disable=SC2086
		{
		check "$L: ユーザー finds ユーザ too" "u1 u2" "$(hits "$TMP/$kind" $mode ユーザー)"
		check "$L: ユーザ finds ユーザー too" "u1 u2" "$(hits "$TMP/$kind" $mode ユーザ)"
		check "$L: ディレクトリー finds both" "d1 d2" "$(hits "$TMP/$kind" $mode ディレクトリー)"
		check "$L: ディレクトリ finds both" "d1 d2" "$(hits "$TMP/$kind" $mode ディレクトリ)"
		check "$L: エラー (3 characters) keeps its ー" "p1" "$(hits "$TMP/$kind" $mode エラー)"
		check "$L: りんご is not リンゴ by default" "k1" "$(hits "$TMP/$kind" $mode りんご)"
		check "$L: ヴァイオリン is not バイオリン by default" "v1" "$(hits "$TMP/$kind" $mode ヴァイオリン)"
		}
	done
done
# segmentation is MeCab's on the full text: パースエラー is パース + エラー
check "tokenize: パースエラー is パース + エラー" "パース エラー 出る" "$(echo パースエラーが出た | "$S" tokenize --lines)"
check "tokenize: ユーザー → ユーザ, offsets of the original" "ユーザ	0	0	12" \
	"$(echo ユーザーの | "$S" tokenize | cut -f1-4)"
grep -q "variants=choon$" <("$S" stats -d "$TMP/sub" | grep analyzer) && ok "default index: variants=choon in its config" ||
	fail "default index config: $("$S" stats -d "$TMP/sub" | grep analyzer)"
check_index "$TMP/sub"
check_index "$TMP/nosub"
# the highlight points at the original text, ー included
"$S" search -d "$TMP/sub" --snippet 40 --highlight '[,]' ユーザ 2>/dev/null | grep -q '\[ユーザー\]を追加' &&
	ok "highlight covers ユーザー in the original" || fail "highlight: $("$S" search -d "$TMP/sub" --highlight '[,]' ユーザ)"

# --- each option
"$S" index -q -d "$TMP/kana" --variants choon,kana "$TMP/v.jsonl"
for mode in "" "--or"; do
	# shellcheck disable=SC2086
	{
	check "kana${mode:+ $mode}: りんご finds リンゴ" "k1 k2" "$(hits "$TMP/kana" $mode りんご)"
	check "kana${mode:+ $mode}: リンゴ finds りんご" "k1 k2" "$(hits "$TMP/kana" $mode リンゴ)"
	check "kana${mode:+ $mode}: ー rule still on" "u1 u2" "$(hits "$TMP/kana" $mode ユーザ)"
	}
done
"$S" index -q -d "$TMP/v" --variants v "$TMP/v.jsonl"
for mode in "" "--or"; do
	# shellcheck disable=SC2086
	{
	check "v${mode:+ $mode}: ヴァイオリン finds バイオリン" "v1 v2" "$(hits "$TMP/v" $mode ヴァイオリン)"
	check "v${mode:+ $mode}: バイオリン finds ヴァイオリン" "v1 v2" "$(hits "$TMP/v" $mode バイオリン)"
	check "v${mode:+ $mode}: without choon, ユーザー is not ユーザ" "u1" "$(hits "$TMP/v" $mode ユーザー)"
	}
done
check "v: ヴ alone → ブ, ヴェ → ベ" "ブ ベ" "$(printf 'ヴ ヴェ\n' | "$S" tokenize --variants v --lines)"
"$S" index -q -d "$TMP/hy" --variants choon,hyphen "$TMP/v.jsonl"
for mode in "" "--or"; do
	# shellcheck disable=SC2086
	{
	check "hyphen${mode:+ $mode}: セーフティーネット finds セーフティ−ネット" "h1 h2" "$(hits "$TMP/hy" $mode セーフティーネット)"
	}
done
check "without hyphen: セーフティーネット is one document" "h2" "$(hits "$TMP/sub" セーフティーネット)"
check "hyphen: - ‐ − after katakana are ー; before a digit or after kanji not" \
	"データー 1 データ - 1 漢字 - メモー メモー" \
	"$(printf 'データ- 1 データ-1 漢字- メモ‐ メモ−\n' | "$S" tokenize --variants hyphen --keep-all --lines)"
check_index "$TMP/hy"
"$S" index -q -d "$TMP/bad" --variants choon,bogus "$TMP/v.jsonl" 2>"$TMP/err"
check "--variants bogus: exit 2" 2 $?
grep -q "'bogus' is not a variant" "$TMP/err" && ok "--variants bogus: message" || fail "--variants bogus: $(cat "$TMP/err")"

# --- an index analyzed as before variants (config /1) opens and searches as before
"$S" index -q -d "$TMP/v1" --variants none "$TMP/v.jsonl"
an=$("$S" stats -d "$TMP/v1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["analyzer"])')
case $an in
"sagasu-analyzer/1 "*filter=default) ok "variants none: the /1 config of older indexes ($an)" ;;
*) fail "variants none: config $an" ;;
esac
check "/1 index: ユーザー finds only ユーザー" "u1" "$(hits "$TMP/v1" ユーザー)"
check "/1 index: ユーザ finds both by substring" "u1 u2" "$(hits "$TMP/v1" ユーザ)"
check "/1 index: --or ユーザ finds the morpheme only" "u2" "$(hits "$TMP/v1" --or ユーザ)"
check "/1 index: tokenize -d keeps ー" "ユーザー 追加" "$(echo ユーザーの追加 | "$S" tokenize -d "$TMP/v1" --lines)"
check_index "$TMP/v1"

# --- the index's own analyzer: no flags needed; contradicting flags are errors
"$S" index -q -d "$TMP/ka" --keep-all "$TMP/v.jsonl"
check "keep-all index: search without --keep-all" "u1" "$(hits "$TMP/ka" 新しい)"
check "keep-all index: tokenize -d keeps particles" "ユーザ を" "$(echo ユーザーを | "$S" tokenize -d "$TMP/ka" --lines)"
"$S" stats -d "$TMP/ka" >/dev/null 2>&1 && ok "keep-all index: stats without --keep-all" || fail "keep-all index: stats"
"$S" dump -d "$TMP/ka" >/dev/null 2>&1 && ok "keep-all index: dump without --keep-all" || fail "keep-all index: dump"
check_index "$TMP/ka"
"$S" search -d "$TMP/sub" --keep-all ユーザ >/dev/null 2>"$TMP/err"
check "search --keep-all on a default index: exit 1" 1 $?
grep -q -- "--keep-all contradicts the index, built without it" "$TMP/err" && ok "--keep-all contradiction: message" ||
	fail "--keep-all contradiction: $(cat "$TMP/err")"
"$S" search -d "$TMP/sub" --variants none ユーザ >/dev/null 2>"$TMP/err"
check "search --variants none on a choon index: exit 1" 1 $?
grep -q -- "--variants none contradicts the index, built with variants choon" "$TMP/err" &&
	ok "--variants contradiction names both values" || fail "--variants contradiction: $(cat "$TMP/err")"
"$S" search -d "$TMP/sub" --variants choon ユーザ >/dev/null 2>&1
check "search --variants choon (agrees): exit 0" 0 $?
"$S" bench -d "$TMP/ka" --queries <(echo ユーザ) -q >/dev/null 2>&1
check "bench on a keep-all index without --keep-all: exit 0" 0 $?

# --- every katakana word ending in ー that occurs with and without it finds
# the same documents with either spelling
same_docs() {
	local L=$1 corpus=$2 idx=$3
	python3 - "$corpus" >"$TMP/pairs" <<'EOF'
import json, re, sys
runs = set()
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    d = json.loads(line)
    for f in ("title", "body"):
        runs.update(re.findall("[\u30a1-\u30fa\u30fc]+", d.get(f) or ""))
for w in sorted(runs):
    if len(w) >= 4 and w.endswith("ー") and w[:-1] in runs:
        print(w)
EOF
	local n=0 bad=0 w a b
	while IFS= read -r w; do
		n=$((n + 1))
		a=$(hits "$idx" "$w")
		b=$(hits "$idx" "${w%ー}")
		[ "$a" = "$b" ] || { bad=$((bad + 1)); echo "     $w: [$a] vs ${w%ー}: [$b]"; }
	done <"$TMP/pairs"
	if [ "$n" -eq 0 ]; then
		fail "$L: no katakana word occurs with and without its ー"
	else
		check "$L: $n katakana words with and without ー ($(head -3 "$TMP/pairs" | tr '\n' ' ')...) find the same documents" 0 "$bad"
	fi
}
cat "$FIX/diary.jsonl" "$FIX/encyclopedia.jsonl" "$TMP/v.jsonl" >"$TMP/fix.jsonl"
"$S" index -q -d "$TMP/fix" "$TMP/fix.jsonl"
same_docs "fixtures" "$TMP/fix.jsonl" "$TMP/fix"
DEMO=${DEMO_CORPUS:-$(dirname "$0")/../../${BUILD:-build}/demo/manpages-ja.jsonl}
if [ ! -s "$DEMO" ] && [ -d /usr/share/man/ja ]; then
	# manpages-ja is in setup.sh's build set: render the demo corpus here
	"$(dirname "$0")/../../scripts/manpages-corpus.sh" "$TMP/manpages-ja.jsonl" 2>"$TMP/render.err" &&
		DEMO=$TMP/manpages-ja.jsonl || echo "NOTE rendering the man pages failed: $(tail -1 "$TMP/render.err")"
fi
if [ -s "$DEMO" ]; then
	"$S" index -q -d "$TMP/demo" "$DEMO"
	same_docs "demo corpus (manpages-ja)" "$DEMO" "$TMP/demo"
elif have_shared corpus/hatena-cluster.jsonl; then
	echo "SKIP the demo corpus $DEMO is absent (make demo renders it): hatena-cluster instead"
	"$S" index -q -d "$TMP/hat" "$SHARED/corpus/hatena-cluster.jsonl"
	same_docs "hatena-cluster" "$SHARED/corpus/hatena-cluster.jsonl" "$TMP/hat"
fi

# --- user dictionary
printf '形態素解析器,1285,1285,100,名詞,一般,*,*,*,*,形態素解析器,ケイタイソカイセキキ,ケイタイソカイセキキ\n' >"$TMP/user.csv"
cat >"$TMP/m.jsonl" <<'EOF'
{"id":"m1","title":"","body":"形態素解析器を使う"}
{"id":"m2","title":"","body":"形態素の解析をする器"}
EOF
check "without the user dictionary: 形態素 解析 器" "形態素 解析 器 使う" "$(echo 形態素解析器を使う | "$S" tokenize --lines)"
"$S" index -q -d "$TMP/ud" --user-dict "$TMP/user.csv" "$TMP/m.jsonl"
check "--user-dict: index built" 0 $?
check "--user-dict: tokenize -d: 形態素解析器 is one morpheme" "形態素解析器 使う" \
	"$(echo 形態素解析器を使う | "$S" tokenize -d "$TMP/ud" --lines)"
check "--user-dict: tokenize -d: its tag" "形態素解析器	名詞,一般" \
	"$(echo 形態素解析器 | "$S" tokenize -d "$TMP/ud" | cut -f1,5)"
check "--user-dict: --or 形態素解析器 finds the morpheme only" "m1" "$(hits "$TMP/ud" --or 形態素解析器)"
check "--user-dict: --or 解析 no longer in m1" "m2" "$(hits "$TMP/ud" --or 解析)"
grep -q "userdic=xxh3:[0-9a-f]\{16\}" <("$S" stats -d "$TMP/ud" | grep analyzer) &&
	ok "--user-dict: its checksum is in the analyzer config" || fail "--user-dict config: $("$S" stats -d "$TMP/ud" | grep analyzer)"
[ -s "$TMP/ud/user.dic" ] && ok "--user-dict: DIR/user.dic" || fail "--user-dict: no DIR/user.dic"
cp "$TMP/ud/user.dic" "$TMP/user.dic.saved"
rm -f "$TMP/ud/user.dic"
check "--user-dict: user.dic removed, search still uses it" "m1" "$(hits "$TMP/ud" --or 形態素解析器)"
cmp -s "$TMP/ud/user.dic" "$TMP/user.dic.saved" && ok "--user-dict: user.dic restored from the index, same bytes" ||
	fail "--user-dict: user.dic not restored"
check_index "$TMP/ud"
"$S" index -q -d "$TMP/ud2" --user-dict "$TMP/user.csv" "$TMP/m.jsonl"
cmp -s "$TMP/ud/user.dic" "$TMP/ud2/user.dic" && ok "--user-dict: the compiled dictionary is deterministic" ||
	fail "--user-dict: two compilations differ"
"$S" index -q -d "$TMP/sub" --user-dict "$TMP/user.csv" "$TMP/v.jsonl" 2>"$TMP/err"
check "--user-dict on an existing index: exit 1" 1 $?
grep -q "user dictionary is given to a new index only" "$TMP/err" && ok "--user-dict on an existing index: message" ||
	fail "--user-dict on an existing index: $(cat "$TMP/err")"
# bad lines: FILE:LINE: reason, and no index is made
bad_csv() {
	local L=$1 want=$2
	"$S" index -q -d "$TMP/badud" --user-dict "$TMP/bad.csv" "$TMP/m.jsonl" 2>"$TMP/err"
	check "bad CSV ($L): exit 1" 1 $?
	grep -qF -- "$TMP/bad.csv:$want" "$TMP/err" && ok "bad CSV ($L): $(cat "$TMP/err")" ||
		fail "bad CSV ($L): expected '$TMP/bad.csv:$want', got: $(cat "$TMP/err")"
	[ -e "$TMP/badud/data.mdb" ] && fail "bad CSV ($L): an index was made" || ok "bad CSV ($L): no index made"
}
{ cat "$TMP/user.csv"; echo '短い,1285,1285,100,名詞'; } >"$TMP/bad.csv"
bad_csv "field count" "2: 5 fields; an entry has 13"
{ cat "$TMP/user.csv"; cat "$TMP/user.csv"; sed 's/,1285,1285,/,abc,1285,/' "$TMP/user.csv"; } >"$TMP/bad.csv"
bad_csv "non-numeric id" "3: left id 'abc' is not an integer from 0 to 1315"
sed 's/,1285,1285,/,1285,5000,/' "$TMP/user.csv" >"$TMP/bad.csv"
bad_csv "id out of range" "1: right id '5000' is not an integer from 0 to 1315"
sed 's/,100,/,1e3,/' "$TMP/user.csv" >"$TMP/bad.csv"
bad_csv "cost" "1: cost '1e3' is not an integer"
{ cat "$TMP/user.csv"; echo; cat "$TMP/user.csv"; } >"$TMP/bad.csv"
bad_csv "empty line" "2: empty line"
printf '\xff\xfe,1285,1285,100,名詞,一般,*,*,*,*,x,x,x\n' >"$TMP/bad.csv"
bad_csv "invalid UTF-8" "1: not valid UTF-8"
"$S" index -q -d "$TMP/badud" --user-dict "$TMP/nonexistent.csv" "$TMP/m.jsonl" 2>"$TMP/err"
check "missing CSV: exit 1" 1 $?
grep -q "nonexistent.csv: No such file" "$TMP/err" && ok "missing CSV: message" || fail "missing CSV: $(cat "$TMP/err")"

finish variants
