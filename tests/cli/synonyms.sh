#!/usr/bin/env bash
# --synonyms FILE on search, bench and serve (issue 12 item 6; docs/QUERY.md,
# Synonyms), on documents made here (nothing from ../shared):
#   - the error paths: a missing file, a directory, a file over 64 MiB, bad
#     lines (empty member, group of one, members one after normalization,
#     invalid UTF-8), a missing value: exit 2, the library's message naming
#     FILE:LINE, nothing on stdout; the same for bench and serve (serve
#     before it listens); out of memory during the load is exit 1
#   - groups that do not touch the query change nothing (search, --queries,
#     bench --verify, serve's /search = search --format json)
#   - the expansion, once the engine plans it (query/*; until then these
#     cases print "SKIP: engine not merged"): 解凍 with '解凍,伸長' finds the
#     documents that hold only 伸長; its total is the union of the members'
#     own totals (separate searches) and the total of '解凍 OR 伸長'; the
#     other way round too; a full-width query and a full-width file are
#     normalized; --explain names the members; the JSON has the shape it has
#     without synonyms (and validates against docs/search.schema.json); the
#     server's page and /search expand alike
# Every server is started on 127.0.0.1:0 and killed by the EXIT trap; every
# wait is bounded.
# Run by tests/run.sh (which sets SAGASU); prints "synonyms: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
HERE=$(cd "$(dirname "$0")/../.." && pwd)
IDX=$TMP/idx
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# s1 holds 解凍 only, s2 and s6 伸長 only, s3 both, s4 展開, s5 none of
# them, s7 カーネル (not linux).
cat >"$TMP/docs.jsonl" <<'EOF'
{"id":"s1","title":"解凍の手順","body":"アーカイブを解凍してから読む。"}
{"id":"s2","title":"圧縮","body":"圧縮したファイルを伸長する。"}
{"id":"s3","title":"用語","body":"解凍と伸長は同じ意味で使われる。"}
{"id":"s4","title":"tar","body":"tar で展開する方法。"}
{"id":"s5","title":"天気","body":"今日は晴れ。"}
{"id":"s6","title":"保存","body":"データを伸長してから保存した。"}
{"id":"s7","title":"OS","body":"カーネルの話。"}
EOF
"$S" index -d "$IDX" "$TMP/docs.jsonl" >/dev/null 2>"$TMP/index.err"
check "index the embedded documents" 0 $?

SYN=$TMP/syn.txt
printf '# archives\n\n解凍, 伸長\nlinux,カーネル\n' >"$SYN"

# --------------------------------------------------------------- errors
# bad NAME WANT_STDERR ARGS...: exit 2, exactly that stderr, stdout empty
bad() {
	local name=$1 want=$2
	shift 2
	"$S" "$@" >"$TMP/out" 2>"$TMP/err"
	check "$name: exit 2, the message, nothing on stdout" "2|$want|0" \
		"$?|$(cat "$TMP/err")|$(wc -c <"$TMP/out")"
}
bad "search, a missing file" \
	"sagasu: search: --synonyms: $TMP/none.txt: cannot open: No such file or directory" \
	search -d "$IDX" --synonyms "$TMP/none.txt" 解凍
bad "search, a directory" \
	"sagasu: search: --synonyms: $TMP: is a directory, not a synonym file" \
	search -d "$IDX" --synonyms "$TMP" 解凍
printf '# c\n解凍,伸長\n解凍,,展開\n' >"$TMP/bad.txt"
bad "search, an empty member on line 3" \
	"sagasu: search: --synonyms: $TMP/bad.txt:3: an empty member between commas: remove the extra comma" \
	search -d "$IDX" --synonyms "$TMP/bad.txt" 解凍
printf '解凍,伸長\n解凍,\n' >"$TMP/trail.txt"
bad "search, a trailing comma on line 2" \
	"sagasu: search: --synonyms: $TMP/trail.txt:2: an empty member after the last comma: remove the extra comma" \
	search -d "$IDX" --synonyms "$TMP/trail.txt" 解凍
printf '解凍,伸長\r\n  展開  \r\n' >"$TMP/one.txt"
bad "search, a group of one on line 2 (CRLF)" \
	"sagasu: search: --synonyms: $TMP/one.txt:2: a group of one member ('展開'): add its synonyms after commas, or remove the line" \
	search -d "$IDX" --synonyms "$TMP/one.txt" 解凍
printf 'linux,ＬＩＮＵＸ\n' >"$TMP/same.txt"
bad "search, members that are one word after normalization" \
	"sagasu: search: --synonyms: $TMP/same.txt:1: a group of one member: 'linux,ＬＩＮＵＸ' is one word after normalization (NFKC, case folding): add a synonym, or remove the line" \
	search -d "$IDX" --synonyms "$TMP/same.txt" 解凍
printf '解凍,伸長\n# ok\n\xe8\xa7\xa3,\xff\n' >"$TMP/utf8.txt"
bad "search, invalid UTF-8 on line 3" \
	"sagasu: search: --synonyms: $TMP/utf8.txt:3: invalid UTF-8 (byte 5 of the line): save the file as UTF-8" \
	search -d "$IDX" --synonyms "$TMP/utf8.txt" 解凍
truncate -s $((64 * 1024 * 1024 + 1)) "$TMP/big.txt"
bad "search, a file over 64 MiB" \
	"sagasu: search: --synonyms: $TMP/big.txt: 67108865 bytes, more than the 67108864 (64 MiB) a synonym file may hold: keep only the groups searches need" \
	search -d "$IDX" --synonyms "$TMP/big.txt" 解凍
rm -f "$TMP/big.txt"
bad "search --format json, a bad file: still only stderr" \
	"sagasu: search: --synonyms: $TMP/bad.txt:3: an empty member between commas: remove the extra comma" \
	search -d "$IDX" --format json --synonyms "$TMP/bad.txt" 解凍
bad "search --synonyms without a value" "sagasu: search: --synonyms needs a value" \
	search -d "$IDX" --synonyms
bad "search: a bad file is refused before the index is opened" \
	"sagasu: search: --synonyms: $TMP/bad.txt:3: an empty member between commas: remove the extra comma" \
	search -d "$TMP/no-index" --synonyms "$TMP/bad.txt" 解凍
printf '1\t解凍\n2\t伸長\n3\t晴れ\n' >"$TMP/q.tsv"
bad "bench, a missing file" \
	"sagasu: bench: --synonyms: $TMP/none.txt: cannot open: No such file or directory" \
	bench -d "$IDX" --queries "$TMP/q.tsv" --synonyms "$TMP/none.txt"
bad "bench, a bad line" \
	"sagasu: bench: --synonyms: $TMP/bad.txt:3: an empty member between commas: remove the extra comma" \
	bench -d "$IDX" --queries "$TMP/q.tsv" --synonyms "$TMP/bad.txt"
timeout 20 "$S" serve -d "$IDX" --listen 127.0.0.1:0 --synonyms "$TMP/bad.txt" \
	>"$TMP/out" 2>"$TMP/err"
check "serve, a bad line: exit 2 before it listens, the message" \
	"2|sagasu: serve: --synonyms: $TMP/bad.txt:3: an empty member between commas: remove the extra comma" \
	"$?|$(cat "$TMP/err")"
timeout 20 "$S" serve -d "$IDX" --listen 127.0.0.1:0 --synonyms "$TMP/none.txt" \
	>"$TMP/out" 2>"$TMP/err"
check "serve, a missing file: exit 2" \
	"2|sagasu: serve: --synonyms: $TMP/none.txt: cannot open: No such file or directory" \
	"$?|$(cat "$TMP/err")"

# Out of memory while loading (SAGASU_TEST_FAIL_ALLOC=N, the library's Nth
# allocation fails; the file is loaded first): exit 1 and "out of memory",
# never a signal; past the load the search's own allocations fail alike.
bad_runs= in_load=0
for n in $(seq 60); do
	SAGASU_TEST_FAIL_ALLOC=$n "$S" search -d "$IDX" --synonyms "$SYN" 解凍 \
		>/dev/null 2>"$TMP/oom.err"
	rc=$?
	grep -q 'synonyms: out of memory' "$TMP/oom.err" && in_load=$((in_load + 1))
	if ! { [ $rc = 0 ] || { [ $rc = 1 ] && grep -q 'out of memory' "$TMP/oom.err"; }; }; then
		bad_runs="$bad_runs N=$n:rc=$rc"
	fi
done
check "an allocation failing at each of the first 60: exit 1 with 'out of memory' (or 0)" "" "$bad_runs"
check "... of which the load's own failures say '--synonyms: out of memory'" "yes" \
	"$([ $in_load -ge 5 ] && echo yes || echo "no ($in_load)")"

# ------------------------------------------- groups that do not touch the query
# json_of OUT ARGS...: search --format json into OUT without took_us
json_of() {
	local out=$1
	shift
	"$S" search -d "$IDX" --format json "$@" >"$out.raw" 2>"$out.err" || return 1
	python3 - "$out.raw" >"$out" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    o.pop("took_us", None)
    print(json.dumps(o, ensure_ascii=False, sort_keys=True))
PY
}
json_of "$TMP/plain" --explain 晴れ
json_of "$TMP/syn" --explain --synonyms "$SYN" 晴れ
check "a word in no group: the same JSON with and without --synonyms" "" \
	"$(cmp "$TMP/plain" "$TMP/syn" 2>&1)"
printf '# nothing but a comment\n\n' >"$TMP/empty.txt"
json_of "$TMP/plain" 解凍
json_of "$TMP/syn" --synonyms "$TMP/empty.txt" 解凍
check "a file of comments only: 解凍 as without --synonyms" "" \
	"$(cmp "$TMP/plain" "$TMP/syn" 2>&1)"
json_of "$TMP/plain" --queries "$TMP/q.tsv"
json_of "$TMP/syn" --synonyms "$SYN" --queries "$TMP/q.tsv"
check "--queries with --synonyms: a record a line" "3 3" \
	"$(wc -l <"$TMP/plain") $(wc -l <"$TMP/syn")"
check "--queries: 晴れ (in no group) unchanged" \
	"$(sed -n 3p "$TMP/plain")" "$(sed -n 3p "$TMP/syn")"
"$S" bench -d "$IDX" --queries "$TMP/q.tsv" --synonyms "$SYN" --verify \
	--format json -q >"$TMP/bench.json" 2>"$TMP/bench.err"
check "bench --synonyms --verify: exit 0, 0 mismatches, 0 errors" "0 0 0" \
	"$? $(python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["mismatches"], o["errors"])' "$TMP/bench.json" 2>&1)"
"$S" bench -d "$IDX" --queries "$TMP/q.tsv" --synonyms "$SYN" --threads 2 \
	--repeat 3 -q >/dev/null 2>"$TMP/bench.err"
check "bench --synonyms --threads 2: one set of groups shared, exit 0" "0" "$?"

# ------------------------------------------------------------ the expansion
# ids ARGS...: the ids of every hit of search ARGS, sorted, one a line
ids() { "$S" search -d "$IDX" --format tsv -k 100 --count exact "$@" 2>/dev/null | cut -f3 | sort; }
# total ARGS...: the exact total of search ARGS
total() {
	"$S" search -d "$IDX" --format json -k 1 --count exact "$@" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'
}
if ! ids --synonyms "$SYN" 解凍 | grep -qx s2; then
	echo "SKIP: engine not merged (search --synonyms F 解凍 finds no document holding only 伸長): the expansion's cases are skipped"
	ENGINE=0
else
	ENGINE=1
fi

if [ $ENGINE = 1 ]; then
	check "解凍 alone: s1 s3 (no expansion without --synonyms)" "s1 s3" \
		"$(ids 解凍 | tr '\n' ' ' | sed 's/ $//')"
	check "解凍 with '解凍,伸長': also s2 and s6, which hold only 伸長" \
		"s1 s2 s3 s6" "$(ids --synonyms "$SYN" 解凍 | tr '\n' ' ' | sed 's/ $//')"
	union=$(sort -u <(ids 解凍) <(ids 伸長) | wc -l)
	check "the total is the union of the members' totals (separate searches: $(total 解凍) + $(total 伸長), $union distinct)" \
		"$union" "$(total --synonyms "$SYN" 解凍)"
	check "the total is that of '解凍 OR 伸長'" "$(total '解凍 OR 伸長')" \
		"$(total --synonyms "$SYN" 解凍)"
	check "the hits are those of '解凍 OR 伸長'" "$(ids '解凍 OR 伸長')" \
		"$(ids --synonyms "$SYN" 解凍)"
	check "伸長 with the same file: s1 and s3 too" "s1 s2 s3 s6" \
		"$(ids --synonyms "$SYN" 伸長 | tr '\n' ' ' | sed 's/ $//')"
	check "展開 (in no group) is not expanded" "s4" \
		"$(ids --synonyms "$SYN" 展開 | tr '\n' ' ' | sed 's/ $//')"
	check "a full-width query ＬＩＮＵＸ is the member linux: finds カーネル" "s7" \
		"$(ids --synonyms "$SYN" ＬＩＮＵＸ | tr '\n' ' ' | sed 's/ $//')"
	printf '解凍　，　伸長\nＬＩＮＵＸ，カーネル\n' >"$TMP/wide.txt"
	check "a full-width file (，and U+3000) reads as the ASCII one" \
		"$(ids --synonyms "$SYN" 解凍)" "$(ids --synonyms "$TMP/wide.txt" 解凍)"
	check "an AND of an expanded word and a plain one: 解凍 保存 = s6 (伸長 保存)" "s6" \
		"$(ids --synonyms "$SYN" 解凍 保存 | tr '\n' ' ' | sed 's/ $//')"
	check "--or mode expands too: s2 found for 解凍" "yes" \
		"$(ids --or --synonyms "$SYN" 解凍 | grep -qx s2 && echo yes || echo no)"

	# --explain names the members: s2 (only 伸長) is explained by 伸長,
	# and both members appear in the explanations of the hits.
	"$S" search -d "$IDX" --format json --explain -k 100 --synonyms "$SYN" 解凍 \
		>"$TMP/ex.json" 2>/dev/null
	out=$(python3 - "$TMP/ex.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
text = lambda h: json.dumps(h.get("explain", []), ensure_ascii=False)
s2 = [h for h in o["hits"] if h["id"] == "s2"]
alltext = " ".join(text(h) for h in o["hits"])
print("s2:%s both:%s" % ("伸長" in text(s2[0]) if s2 else "missing",
                          "解凍" in alltext and "伸長" in alltext))
PY
)
	check "--explain names the members (json)" "s2:True both:True" "$out"
	"$S" search -d "$IDX" --explain --synonyms "$SYN" 解凍 >"$TMP/ex.txt" 2>/dev/null
	check "--explain names the members (text: 伸長 under the hits)" "yes" \
		"$(grep -E '^ {7}' "$TMP/ex.txt" | grep -q 伸長 && echo yes || echo no)"

	# The JSON keeps its shape: the same keys at every level as without.
	json_of "$TMP/shape0" --explain -k 100 解凍
	json_of "$TMP/shape1" --explain -k 100 --synonyms "$SYN" 解凍
	out=$(python3 - "$TMP/shape0" "$TMP/shape1" <<'PY'
import json, sys
def keys(o, path="", acc=None):
    acc = set() if acc is None else acc
    if isinstance(o, dict):
        for k, v in o.items():
            acc.add(path + "/" + k + ":" + type(v).__name__)
            keys(v, path + "/" + k, acc)
    elif isinstance(o, list):
        for v in o:
            keys(v, path + "[]", acc)
    return acc
a, b = (json.loads(open(p).readline()) for p in sys.argv[1:3])
ka, kb = keys(a), keys(b)
# a notice may come or go with the query; every other key is the same
ka = {k for k in ka if not k.startswith("/notices")}
kb = {k for k in kb if not k.startswith("/notices")}
print("same" if ka == kb else "differ: only without %s, only with %s" %
      (sorted(ka - kb), sorted(kb - ka)))
PY
)
	check "the JSON with synonyms has the keys (and types) it has without" "same" "$out"
	if python3 -c 'import jsonschema' 2>/dev/null; then
		out=$(python3 - "$HERE/docs/search.schema.json" "$TMP/ex.json" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
print("valid")
PY
)
		check "the JSON with synonyms validates against docs/search.schema.json" "valid" "$out"
	else
		echo "SKIP python3-jsonschema is not installed: the schema is not checked"
	fi
fi

# ------------------------------------------------------------------ serve
urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# same_api NAME QUERY PARAMS CLI-OPTIONS...: /search?q=QUERY&PARAMS is
# search --format json CLI-OPTIONS QUERY, but for took_us
same_api() {
	local name=$1 q=$2 par=$3
	shift 3
	"$S" search -d "$IDX" --format json --synonyms "$SYN" "$@" -- "$q" \
		>"$TMP/cli.json" 2>/dev/null
	timeout 20 curl -s "$ADDR/search?q=$(urlq "$q")$par" >"$TMP/api.json"
	out=$(python3 - "$TMP/cli.json" "$TMP/api.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for o in (a, b):
    o.pop("took_us", None)
print("same %d hits" % len(a["hits"]) if a == b else "differ")
PY
)
	case $out in
	same*) ok "serve --synonyms: /search = search --synonyms --format json: $name ($out)" ;;
	*) fail "serve --synonyms: /search != search --synonyms: $name" ;;
	esac
}
if command -v curl >/dev/null; then
	if serve_start syn -d "$IDX" --threads 2 --synonyms "$SYN"; then
		same_api "解凍" 解凍 ""
		same_api "解凍 explain=1" 解凍 "&explain=1" --explain
		same_api "晴れ (in no group)" 晴れ ""
		same_api "伸長 mode=or" 伸長 "&mode=or" --or
		if [ $ENGINE = 1 ]; then
			timeout 20 curl -s "$ADDR/?q=$(urlq 解凍)" >"$TMP/page.html"
			check "serve --synonyms: the page lists s2 (only 伸長) for 解凍" "yes" \
				"$(grep -q 'data-id="s2"' "$TMP/page.html" && echo yes || echo no)"
		fi
		serve_stop "$PID"
		check "serve --synonyms: SIGTERM, exit 0" 0 "$RC"
	fi
else
	echo "SKIP curl is not installed: serve --synonyms is not tried"
fi

finish synonyms
