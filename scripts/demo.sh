#!/usr/bin/env bash
# make demo: index the Japanese man pages of Debian's manpages-ja with sagasu
# and run a few real queries. Everything lands in build/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SAGASU="$PWD/$BUILD/sagasu"
out="$BUILD/demo"
mkdir -p "$out"

if [ ! -s "$out/manpages-ja.jsonl" ]; then
	echo "== rendering the Japanese man pages (manpages-ja) to $out/manpages-ja.jsonl"
	scripts/manpages-corpus.sh "$out/manpages-ja.jsonl.tmp"
	mv "$out/manpages-ja.jsonl.tmp" "$out/manpages-ja.jsonl"
fi

echo
echo "== the analyzer on a sample: printf 'ＡＢＣのｶﾀｶﾅを使った' | sagasu tokenize"
printf 'ＡＢＣのｶﾀｶﾅを使った\n' | "$SAGASU" tokenize

echo
echo "== sagasu index -d $out/index $out/manpages-ja.jsonl"
rm -rf "$out/index"
"$SAGASU" index -d "$out/index" "$out/manpages-ja.jsonl"

echo
echo "== sagasu stats -d $out/index"
"$SAGASU" stats -d "$out/index"

run() {
	echo
	echo "== sagasu search -d $out/index $*"
	"$SAGASU" search -d "$out/index" -k 5 "$@"
}
run ディレクトリ 削除
run 'ファイル -ディレクトリ' 圧縮
run '"シンボリックリンク"'
run --or ファイルの所有者を変更するには
run --format tsv 'パーミッション*'
run ユーザー 追加          # the ー rule: ユーザ's documents too
# Fields: a word in the page's title (its NAME line) only, and the title
# weighted three times the body (BM25F).
run --format tsv title:パスワード
run --format tsv --weights title=3 パスワード 変更

# The seed's own page: the diary entries holding クラスター, newest first,
# then one month of them. The diary fixture has dates (id, date, title,
# body); --columns date keeps them by document for sorting and filtering.
diary=tests/fixtures/diary.jsonl
echo
echo "== sagasu index -d $out/diary --columns date $diary"
rm -rf "$out/diary"
"$SAGASU" index -q -d "$out/diary" --columns date "$diary"
drun() {
	echo
	echo "== sagasu search -d $out/diary $*"
	"$SAGASU" search -d "$out/diary" -k 5 --snippet 60 "$@"
}
drun --sort -date クラスター
drun --sort -date title:クラスター    # the entries with it in their title
drun --filter 'date>=2023-02-01' --filter 'date<2023-03-01' --sort date クラスター
