#!/usr/bin/env bash
# --sort, --filter and --offset on stored fields (issue 12 item 8;
# docs/QUERY.md "Sort, filter, paging"): the diary fixture (fields id, date,
# title, body) and, when ../shared is there, the hatena diary page, each
# indexed with --columns date and without. The expected ids are computed
# by python from the JSONL itself: the documents holding the word as a
# string (keyword mode's grep recall), filtered and sorted by date.
# Run by tests/run.sh (which sets SAGASU); prints "sortfilter: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
FIX=$(dirname "$0")/../fixtures/diary.jsonl

# expect CORPUS WORD FILTER|- ORDER(date|-date) K OFFSET: the ids, one a line
expect() {
	python3 - "$@" <<'EOF'
import json, sys
corpus, word, filt, order, k, off = sys.argv[1:7]
docs = [json.loads(l) for l in open(corpus, encoding="utf-8")]
hits = [d for d in docs if word in d.get("title", "") + "\n" + d.get("body", "")]
if filt != "-":
    field, op, value = filt.split(" ")
    ops = {">=": lambda a: a >= value, "<": lambda a: a < value, "=": lambda a: a == value}
    hits = [d for d in hits if field in d and ops[op](d[field])]
hits.sort(key=lambda d: d["date"], reverse=order.startswith("-"))
for d in hits[int(off):int(off) + int(k)]:
    print(d["id"])
EOF
}

# got IDX ARGS...: the ids sagasu returns, one a line
got() {
	local idx=$1
	shift
	"$S" search -q -d "$idx" --format tsv "$@" | cut -f3
}

run_corpus() {
	local name=$1 corpus=$2 word=$3 mid=$4 idx
	"$S" index -q -d "$TMP/$name-col" --columns date "$corpus"
	check "$name: index --columns date" 0 $?
	"$S" index -q -d "$TMP/$name-plain" "$corpus"
	check "$name: index without columns" 0 $?
	for idx in "$TMP/$name-col" "$TMP/$name-plain"; do
		kind=${idx##*-}
		check "$name ($kind): --sort -date, newest first" \
			"$(expect "$corpus" "$word" - -date 100 0)" \
			"$(got "$idx" -k 100 --sort -date "$word")"
		check "$name ($kind): --sort date, oldest first" \
			"$(expect "$corpus" "$word" - date 100 0)" \
			"$(got "$idx" -k 100 --sort date "$word")"
		check "$name ($kind): --filter 'date>=$mid' --sort -date" \
			"$(expect "$corpus" "$word" "date >= $mid" -date 100 0)" \
			"$(got "$idx" -k 100 --filter "date>=$mid" --sort -date "$word")"
		check "$name ($kind): --filter 'date<$mid', ranked: the same set" \
			"$(expect "$corpus" "$word" "date < $mid" date 100 0 | sort)" \
			"$(got "$idx" -k 100 --filter "date<$mid" "$word" | sort)"
		check "$name ($kind): --sort -date -k 3 --offset 2 (page 2)" \
			"$(expect "$corpus" "$word" - -date 3 2)" \
			"$(got "$idx" -k 3 --offset 2 --sort -date "$word")"
		n=$(expect "$corpus" "$word" "date >= $mid" date 1000 0 | wc -l)
		check "$name ($kind): the total counts only what passes ($n)" "$n" \
			"$("$S" search -q -d "$idx" --format json -k 1 --filter "date>=$mid" "$word" |
				python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
	done
	check "$name: columns and stored JSON agree on a sort by -date" \
		"$(got "$TMP/$name-col" -k 100 --sort -date --sort _score "$word")" \
		"$(got "$TMP/$name-plain" -k 100 --sort -date --sort _score "$word")"
}

run_corpus diary "$FIX" クラスター 2023-02-01
if [ -f "$SHARED/corpus/hatena-cluster.jsonl" ]; then
	run_corpus hatena "$SHARED/corpus/hatena-cluster.jsonl" クラスター 2022-03-01
else
	echo "SKIP corpus/hatena-cluster.jsonl is absent (../shared/ is not beside this checkout): its cases are skipped"
fi

# Bad specs: usage errors (exit 2) that name the spec and the fix.
"$S" search -d "$TMP/diary-col" --filter date クラスター >/dev/null 2>"$TMP/err"
check "--filter without an operator: exit 2" 2 $?
grep -q "filter 'date': no operator" "$TMP/err" && ok "--filter: the message names the spec" ||
	fail "--filter message: $(cat "$TMP/err")"
"$S" search -d "$TMP/diary-col" --sort - クラスター >/dev/null 2>"$TMP/err"
check "--sort '-': exit 2" 2 $?
"$S" bench -q -d "$TMP/diary-col" --queries <(echo クラスター) --sort -date --filter 'date>=2023-02-01' >/dev/null 2>"$TMP/err"
check "bench takes --sort and --filter" "0 " "$? $(cat "$TMP/err")"
"$S" index -q -d "$TMP/bad-col" --columns title "$FIX" 2>"$TMP/err"
check "--columns naming an indexed field: exit 1" 1 $?
check "--columns naming an indexed field: no directory made" "no" \
	"$([ -e "$TMP/bad-col" ] && echo yes || echo no)"
# bench --profile: the five phases, each a number, their sum no more than
# the time the queries took (the phases are measured inside sg_search).
"$S" bench -q -d "$TMP/diary-col" --queries <(printf 'クラスター\n会議 天気\n') --repeat 5 \
	--profile --format json >"$TMP/prof.json" 2>"$TMP/err"
check "bench --profile: exit" "0 " "$? $(cat "$TMP/err")"
check "bench --profile: the phases, within the latency" "parse analyze plan eval build ok" \
	"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); p = d["profile_us_per_query"]
names = list(p)
ok = all(isinstance(v, float) and v >= 0 for v in p.values()) and p["analyze"] > 0 and sum(p.values()) <= d["max_us"] * 1.01
print(" ".join(names), "ok" if ok else "bad %r" % p)' "$TMP/prof.json")"
check_all_indexes
finish sortfilter
