#!/usr/bin/env bash
# Option values of every subcommand (cli/opts.c): a bad value is a usage
# error (exit 2) whose message names the option, the value and the accepted
# range; the edges of each range work; in `search` every argument after the
# first query word is the query's (`ファイル -dpkg` excludes dpkg), and `--`
# ends the options. The index is built from the documents below, so the
# suite needs nothing from ../shared.
# Run by tests/run.sh (which sets SAGASU); prints "options: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
IDX=$TMP/idx

cat >"$TMP/docs.jsonl" <<'EOF'
{"id":"d01","title":"ファイルの圧縮","body":"tar で複数のファイルを一つにまとめて圧縮する。"}
{"id":"d02","title":"パッケージの中身","body":"dpkg でパッケージが入れたファイルの一覧を表示する。"}
{"id":"d03","title":"ファイルシステムの検査","body":"fsck でファイルシステムの整合性を確かめる。"}
{"id":"d04","title":"パッケージ管理","body":"dpkg と apt の違いを説明する。"}
{"id":"d05","title":"カーネルの構築","body":"linux の kernel を設定ファイルから構築する。"}
{"id":"d06","title":"起動の流れ","body":"linux は起動すると最初に init を実行する。"}
{"id":"d07","title":"クラスターの構築","body":"複数のサーバーでクラスターを組み、負荷を分散する。"}
{"id":"d08","title":"ファイルの権限","body":"chmod でファイルの読み書きの権限を変える。"}
{"id":"d09","title":"東京の天気","body":"東京は朝から晴れて、夕方に雨が降った。"}
{"id":"d10","title":"京都の寺","body":"京都の古い寺を訪ねて庭を眺めた。"}
{"id":"d11","title":"ログの整理","body":"logrotate でログファイルを回転させる。dpkg のログも対象にする。"}
{"id":"d12","title":"検索の件数","body":"検索結果の件数を指定して上位だけを表示する。"}
EOF

"$S" index -d "$IDX" --block-size 2 "$TMP/docs.jsonl" >/dev/null 2>"$TMP/index.err"
check "index the embedded documents" 0 $?

# hits QUERY-ARGS...: the sorted ids of `search -d IDX -k 100 --format tsv ARGS`
hits() { "$S" search -d "$IDX" -k 100 --format tsv "$@" 2>/dev/null | cut -f3 | sort | tr '\n' ' ' | sed 's/ $//'; }

# bad NAME PATTERN CMD ARGS...: exit 2 (not a signal, not 1) and PATTERN
# (a fixed string) in stderr
bad() {
	local name=$1 pat=$2 rc
	shift 2
	"$S" "$@" >"$TMP/bad.out" 2>"$TMP/bad.err"
	rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$pat" "$TMP/bad.err"; then
		ok "$name: exit 2: $(head -1 "$TMP/bad.err")"
	else
		fail "$name: expected exit 2 and [$pat], got exit $rc: $(head -3 "$TMP/bad.err")"
	fi
}
# good NAME CMD ARGS...: exit 0
good() {
	local name=$1 rc
	shift
	"$S" "$@" >"$TMP/good.out" 2>"$TMP/good.err"
	rc=$?
	if [ $rc -eq 0 ]; then ok "$name: exit 0"; else fail "$name: exit $rc: $(head -3 "$TMP/good.err")"; fi
}

# ------------------------------------------------------------ search -k
bad "-k 5x: trailing garbage" "search: -k: '5x' is not an integer from 1 to 1000000" search -d "$IDX" -k 5x 東京
bad "-k 1e3: not an integer" "-k: '1e3' is not an integer from 1 to 1000000" search -d "$IDX" -k 1e3 東京
bad "-k -5: no sign" "-k: '-5' is not an integer" search -d "$IDX" -k -5 東京
bad "-k +5: no sign" "-k: '+5' is not an integer" search -d "$IDX" -k +5 東京
bad "-k ' 5': no white space" "-k: ' 5' is not an integer" search -d "$IDX" -k ' 5' 東京
bad "-k '': empty" "-k: '' is not an integer" search -d "$IDX" -k '' 東京
bad "-k 0x10: decimal only" "-k: '0x10' is not an integer" search -d "$IDX" -k 0x10 東京
bad "-k 0: below the range" "-k: '0' is not an integer from 1 to 1000000" search -d "$IDX" -k 0 東京
bad "-k 1000001: above the cap" "-k: '1000001' is not an integer from 1 to 1000000" search -d "$IDX" -k 1000001 東京
bad "-k 99999999999" "-k: '99999999999' is not an integer" search -d "$IDX" -k 99999999999 東京
bad "-k 2^61 (was a heap overflow)" "-k: '2305843009213693952' is not an integer" search -d "$IDX" -k 2305843009213693952 東京
bad "-k 2^64 (does not fit 64 bits)" "-k: '18446744073709551616' is not an integer" search -d "$IDX" -k 18446744073709551616 東京
bad "-k with no value" "search: -k needs a value" search -d "$IDX" -k
n=$("$S" search -d "$IDX" -k 1 --format tsv linux 2>/dev/null | wc -l)
check "-k 1: one hit of two" 1 "$n"
n=$("$S" search -d "$IDX" -k 1000000 --format tsv linux 2>/dev/null | wc -l)
check "-k 1000000 (the cap): both hits" 2 "$n"

# ------------------------------------------------------------ --k1, --b
bad "--k1 abc" "search: --k1: 'abc' is not a number from 0 to 100" search -d "$IDX" --k1 abc 東京
bad "--k1 -1" "--k1: '-1' is not a number from 0 to 100" search -d "$IDX" --k1 -1 東京
bad "--k1 1.2x" "--k1: '1.2x' is not a number" search -d "$IDX" --k1 1.2x 東京
bad "--k1 inf" "--k1: 'inf' is not a number" search -d "$IDX" --k1 inf 東京
bad "--k1 nan" "--k1: 'nan' is not a number" search -d "$IDX" --k1 nan 東京
bad "--k1 1e999 (overflows)" "--k1: '1e999' is not a number" search -d "$IDX" --k1 1e999 東京
bad "--k1 0x1p1 (hex)" "--k1: '0x1p1' is not a number" search -d "$IDX" --k1 0x1p1 東京
bad "--k1 101" "--k1: '101' is not a number from 0 to 100" search -d "$IDX" --k1 101 東京
bad "--k1 ''" "--k1: '' is not a number" search -d "$IDX" --k1 '' 東京
bad "--b 2" "search: --b: '2' is not a number from 0 to 1" search -d "$IDX" --b 2 東京
bad "--b 1.0001" "--b: '1.0001' is not a number from 0 to 1" search -d "$IDX" --b 1.0001 東京
bad "--b -0.1" "--b: '-0.1' is not a number from 0 to 1" search -d "$IDX" --b -0.1 東京
bad "--b abc" "--b: 'abc' is not a number" search -d "$IDX" --b abc 東京
bad "--b with no value" "search: --b needs a value" search -d "$IDX" --b
for v in 0 1 0.75 .5 5e-1; do
	good "--b $v" search -d "$IDX" --b "$v" 東京
done
for v in 0 100 1.2 12e-1; do
	good "--k1 $v" search -d "$IDX" --k1 "$v" 東京
done
# b = 0: no length normalization, so d09's score is idf * tf * (k1+1) / (tf+k1)
s0=$("$S" search -d "$IDX" --b 0 --format tsv 東京 2>/dev/null | cut -f4)
s1=$("$S" search -d "$IDX" --b 1 --format tsv 東京 2>/dev/null | cut -f4)
[ -n "$s0" ] && [ -n "$s1" ] && [ "$s0" != "$s1" ] && ok "--b 0 and --b 1 score differently ($s0, $s1)" ||
	fail "--b 0 and --b 1: [$s0] [$s1]"

# ------------------------------------------------------------ --snippet, --prefix-cap, --format
bad "--snippet -1" "--snippet: '-1' is not an integer from 0 to 100000" search -d "$IDX" --snippet -1 東京
bad "--snippet 10x" "--snippet: '10x' is not an integer" search -d "$IDX" --snippet 10x 東京
bad "--snippet 100001" "--snippet: '100001' is not an integer from 0 to 100000" search -d "$IDX" --snippet 100001 東京
"$S" search -d "$IDX" --snippet 0 東京 >"$TMP/sn0.out" 2>/dev/null
check "--snippet 0: no snippet line in text (a header and one hit)" 2 "$(wc -l <"$TMP/sn0.out")"
"$S" search -d "$IDX" 東京 >"$TMP/sn.out" 2>/dev/null
check "no --snippet: text has a snippet line under the hit" 3 "$(wc -l <"$TMP/sn.out")"
good "--snippet 100000" search -d "$IDX" --snippet 100000 東京
bad "--prefix-cap 0" "--prefix-cap: '0' is not an integer from 1 to 10000" search -d "$IDX" --prefix-cap 0 '東*'
bad "--prefix-cap 10001" "--prefix-cap: '10001' is not an integer from 1 to 10000" search -d "$IDX" --prefix-cap 10001 '東*'
good "--prefix-cap 1" search -d "$IDX" --prefix-cap 1 '東*'
good "--prefix-cap 10000" search -d "$IDX" --prefix-cap 10000 '東*'
bad "--format xml" "search: --format: 'xml' is not text, json, tsv or trec" search -d "$IDX" --format xml 東京
bad "unknown option" "search: unknown option '--bogus'" search -d "$IDX" --bogus 東京
bad "a bench option in search" "search: unknown option '--threads'" search -d "$IDX" --threads 2 東京
bad "-d with no value" "search: -d needs a value" search -d
bad "-d ''" "search: -d: the directory name is empty" search -d '' 東京
bad "no -d" "search: -d DIR is required" search 東京

# ------------------------------------------------------------ the query and --
all_file=$(hits ファイル)
all_dpkg=$(hits dpkg)
expect=$(comm -23 <(tr ' ' '\n' <<<"$all_file") <(tr ' ' '\n' <<<"$all_dpkg") | tr '\n' ' ' | sed 's/ $//')
# From the text itself: documents holding ファイル and not dpkg.
from_text=$(python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l); t = d["title"] + d["body"]
    if "ファイル" in t and "dpkg" not in t: print(d["id"])' "$TMP/docs.jsonl" | sort | tr '\n' ' ' | sed 's/ $//')
check "ファイル: the documents holding it" "d01 d02 d03 d05 d08 d11" "$all_file"
check "ファイル -dpkg: the hits of ファイル minus those of dpkg" "$expect" "$(hits ファイル -dpkg)"
check "ファイル -dpkg: the documents whose text has ファイル, not dpkg" "$from_text" "$(hits ファイル -dpkg)"
[ "$expect" != "$all_file" ] && ok "ファイル -dpkg: the exclusion removed something" || fail "ファイル -dpkg: nothing excluded"
check "linux -kernel: the exclusion starts with -k" d06 "$(hits linux -kernel)"
check "ファイル -k 1: '-k' and '1' after a word are the query's" "$(hits ファイル -k 1)" "$(hits ファイル -k '(1)')"
"$S" search -d "$IDX" ファイル -dpkg -k 1 >/dev/null 2>"$TMP/q.err"
rc=$?
[ $rc -lt 2 ] && ok "ファイル -dpkg -k 1: read as a query (exit $rc)" || fail "ファイル -dpkg -k 1: exit $rc: $(cat "$TMP/q.err")"
check "-- クラスター" d07 "$(hits -- クラスター)"
good "search -d IDX -- クラスター" search -d "$IDX" -- クラスター
check "-- -dpkg ファイル: a query that starts with an exclusion" "$expect" "$(hits -- -dpkg ファイル)"
check "-- -kernel linux" d06 "$(hits -- -kernel linux)"
check "-- --or ファイル: --or after -- is the query's (it excludes '-or')" "$all_file" "$(hits -- --or ファイル)"
"$S" search -d "$IDX" -- --or ファイル >/dev/null 2>"$TMP/q.err"
check "-- --or ファイル: exit 0 (searched, not an option)" 0 $?
check "-工場 first: an exclusion with a non-Latin letter is a query word" 1 \
	"$("$S" search -d "$IDX" -東京 >/dev/null 2>"$TMP/q.err"; echo $?)"
grep -q "at least one word that is not excluded" "$TMP/q.err" && ok "-東京 alone: the positivity message" ||
	fail "-東京 alone: $(cat "$TMP/q.err")"
bad "-kernel before the query: an unknown option, with the hint" "unknown option '-kernel'" search -d "$IDX" -kernel linux
bad "search -d IDX -- (no query)" "usage: sagasu search" search -d "$IDX" --
"$S" search --help >"$TMP/help.out" 2>&1
grep -qF -- "ファイル -dpkg" "$TMP/help.out" && grep -qF -- "'--' ends the options" "$TMP/help.out" &&
	grep -qF "1 to 1000000" "$TMP/help.out" && grep -qF "from 0 to 1 " "$TMP/help.out" &&
	ok "search --help states the query rules and the ranges" || fail "search --help: $(cat "$TMP/help.out")"

# ------------------------------------------------------------ bench
printf '1\t東京\n2\tlinux -kernel\n3\tファイル\n' >"$TMP/q.tsv"
bad "bench --repeat 0" "bench: --repeat: '0' is not an integer from 1 to 10000" bench -d "$IDX" --queries "$TMP/q.tsv" --repeat 0
bad "bench --repeat 10001" "--repeat: '10001' is not an integer from 1 to 10000" bench -d "$IDX" --queries "$TMP/q.tsv" --repeat 10001
bad "bench --repeat 3x" "--repeat: '3x' is not an integer" bench -d "$IDX" --queries "$TMP/q.tsv" --repeat 3x
bad "bench --warmup -1" "--warmup: '-1' is not an integer from 0 to 10000" bench -d "$IDX" --queries "$TMP/q.tsv" --warmup -1
bad "bench --threads 0" "bench: --threads: '0' is not an integer from 1 to 64" bench -d "$IDX" --queries "$TMP/q.tsv" --threads 0
bad "bench --threads 65" "--threads: '65' is not an integer from 1 to 64" bench -d "$IDX" --queries "$TMP/q.tsv" --threads 65
bad "bench --threads 2x" "--threads: '2x' is not an integer" bench -d "$IDX" --queries "$TMP/q.tsv" --threads 2x
bad "bench -k 5x" "bench: -k: '5x' is not an integer from 1 to 1000000" bench -d "$IDX" --queries "$TMP/q.tsv" -k 5x
bad "bench -k 2^61" "bench: -k: '2305843009213693952' is not an integer" bench -d "$IDX" --queries "$TMP/q.tsv" -k 2305843009213693952
bad "bench --b 2" "bench: --b: '2' is not a number from 0 to 1" bench -d "$IDX" --queries "$TMP/q.tsv" --b 2
bad "bench --format tsv (text or json only)" "bench: --format: 'tsv' is not text or json" bench -d "$IDX" --queries "$TMP/q.tsv" --format tsv
bad "bench --color (a search option)" "bench: unknown option '--color'" bench -d "$IDX" --queries "$TMP/q.tsv" --color always
bad "bench with query words" "bench: takes its queries from --queries FILE" bench -d "$IDX" 東京
bad "bench with no --queries" "bench: --queries FILE is required" bench -d "$IDX"
bad "bench --repeat with no value" "bench: --repeat needs a value" bench -d "$IDX" --queries "$TMP/q.tsv" --repeat
good "bench at the edges: -k 1 --repeat 1 --warmup 0 --threads 1" bench -d "$IDX" --queries "$TMP/q.tsv" -k 1 --repeat 1 --warmup 0 --threads 1 --verify
good "bench -k 1000000 --threads 2 --verify" bench -d "$IDX" --queries "$TMP/q.tsv" -k 1000000 --threads 2 --verify --or
"$S" bench --help >"$TMP/help.out" 2>&1
grep -qF "1 to 64" "$TMP/help.out" && grep -qF "1 to 10000" "$TMP/help.out" &&
	ok "bench --help states the ranges" || fail "bench --help: $(cat "$TMP/help.out")"

# ------------------------------------------------------------ index
bad "index --threads 0" "index: --threads: '0' is not an integer from 1 to 64" index -d "$TMP/i1" --threads 0 "$TMP/docs.jsonl"
bad "index --threads 65" "--threads: '65' is not an integer from 1 to 64" index -d "$TMP/i1" --threads 65 "$TMP/docs.jsonl"
bad "index --threads 2x" "--threads: '2x' is not an integer" index -d "$TMP/i1" --threads 2x "$TMP/docs.jsonl"
bad "index --block-size 0" "index: --block-size: '0' is not an integer from 1 to 128" index -d "$TMP/i1" --block-size 0 "$TMP/docs.jsonl"
bad "index --block-size 129" "--block-size: '129' is not an integer from 1 to 128" index -d "$TMP/i1" --block-size 129 "$TMP/docs.jsonl"
bad "index --block-size 4x" "--block-size: '4x' is not an integer" index -d "$TMP/i1" --block-size 4x "$TMP/docs.jsonl"
bad "index --mem 5q" "index: --mem: '5q' is not a size from 4k to 1T" index -d "$TMP/i1" --mem 5q "$TMP/docs.jsonl"
bad "index --mem 1k (below 4k)" "--mem: '1k' is not a size from 4k to 1T" index -d "$TMP/i1" --mem 1k "$TMP/docs.jsonl"
bad "index --mem 2T" "--mem: '2T' is not a size from 4k to 1T" index -d "$TMP/i1" --mem 2T "$TMP/docs.jsonl"
bad "index --mem -1" "--mem: '-1' is not a size" index -d "$TMP/i1" --mem -1 "$TMP/docs.jsonl"
bad "index --mem 20000000000G (overflows)" "--mem: '20000000000G' is not a size" index -d "$TMP/i1" --mem 20000000000G "$TMP/docs.jsonl"
bad "index --mem 64kx" "--mem: '64kx' is not a size" index -d "$TMP/i1" --mem 64kx "$TMP/docs.jsonl"
bad "index --format csv" "index: --format: 'csv' is not jsonl, files or lines" index -d "$TMP/i1" --format csv "$TMP/docs.jsonl"
bad "index --mem with no value" "index: --mem needs a value" index -d "$TMP/i1" --mem
bad "index unknown option" "index: unknown option '--bogus'" index -d "$TMP/i1" --bogus "$TMP/docs.jsonl"
bad "index no input" "index: no INPUT given" index -d "$TMP/i1"
[ ! -e "$TMP/i1" ] && ok "index: no bad usage created the index" || fail "index: $TMP/i1 exists after bad usage only"
good "index at the edges: --block-size 1 --mem 4k --threads 1" index -d "$TMP/i2" --block-size 1 --mem 4k --threads 1 "$TMP/docs.jsonl"
good "index at the edges: --block-size 128 --mem 1T --threads 64" index -d "$TMP/i3" --block-size 128 --mem 1T --threads 64 "$TMP/docs.jsonl"
good "index --mem 256MB" index -d "$TMP/i4" --mem 256MB -- "$TMP/docs.jsonl"
check "index --block-size 1: the block size stored" 1 \
	"$("$S" stats -d "$TMP/i2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["block_size"])')"

# ------------------------------------------------------------ delete, compact, stats, dump, tokenize
bad "delete -d with no value" "delete: -d needs a value" delete -d
bad "delete unknown option" "delete: unknown option '--bogus'" delete -d "$TMP/i4" --bogus d01
bad "delete no id" "delete: no ID given" delete -d "$TMP/i4"
"$S" delete -d "$TMP/i4" -- -x d01 >/dev/null 2>"$TMP/del.err"
check "delete -- -x d01: exit 0" 0 $?
grep -q "1 deleted, 1 not found" "$TMP/del.err" && ok "delete -- -x d01: -x is an id" || fail "delete -- -x d01: $(cat "$TMP/del.err")"
bad "compact -d with no value" "compact: -d needs a value" compact -d
bad "compact unknown option" "compact: unknown option '--bogus'" compact -d "$TMP/i4" --bogus
bad "compact an extra argument" "compact: takes no argument 'x'" compact -d "$TMP/i4" x
bad "stats -d with no value" "stats: -d needs a value" stats -d
bad "stats unknown option" "stats: unknown option '--bogus'" stats -d "$IDX" --bogus
bad "stats --dicdir with no value" "stats: --dicdir needs a value" stats -d "$IDX" --dicdir
bad "dump -d with no value" "dump: -d needs a value" dump -d
bad "dump unknown option" "dump: unknown option '-x'" dump -d "$IDX" -x
bad "tokenize --dicdir with no value" "tokenize: --dicdir needs a value" tokenize --dicdir
bad "tokenize unknown option" "tokenize: unknown option '--bogus'" tokenize --bogus
for c in search bench index delete compact stats dump tokenize; do
	"$S" $c --help >/dev/null 2>&1
	check "$c --help: exit 0" 0 $?
done

check_all_indexes
finish options
