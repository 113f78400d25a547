#!/usr/bin/env bash
# The machine-readable contract of `sagasu search` (docs/OUTPUT.md): JSON
# error records, one record per --queries line in input order, highlights in
# bytes and in code points, --highlight with HTML escaping, exact totals up
# to --count, TSV escaping and the TREC refusal of ids it cannot carry, and
# every JSON line valid against docs/search.schema.json (python3-jsonschema).
# Its index is built from a small corpus embedded here (no ../shared).
# Run by tests/run.sh; prints "output: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
HERE=$(cd "$(dirname "$0")/../.." && pwd)
SCHEMA=$HERE/docs/search.schema.json
IX=$TMP/ix
JSONS=() # every JSON output, validated at the end

# The corpus: 60 documents, zebra in 40 of them with tf 1..4 (so that
# blocks of 8 postings have different bounds and pruning skips), 東京 in a
# few, one with HTML specials, one id with a tab and one with a space.
python3 - "$TMP/docs.jsonl" <<'PY'
import json, sys
docs = []
for i in range(60):
    body = "天気の話 番号%d" % i
    if i % 3 != 2:
        body += " zebra" * (1 + i % 4)
    docs.append({"id": "d%02d" % i, "title": "文書%d" % i, "body": body})
docs.append({"id": "h1", "title": "記号", "body": "a<b & c>d 東京の\"天気\" と 'x' 東京タワー"})
docs.append({"id": "t\tab", "title": "タブ", "body": "tabdoc の文書"})
docs.append({"id": "sp ace", "title": "空白", "body": "spacedoc の文書 東京"})
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for d in docs:
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
PY
"$S" index -d "$IX" --block-size 8 "$TMP/docs.jsonl" >/dev/null 2>"$TMP/index.err" ||
	fail "index: $(cat "$TMP/index.err")"

# --- 1. a syntax error in json: one error object on stdout, exit 1, stderr too
"$S" search -d "$IX" --format json '(東京' >"$TMP/e1.json" 2>"$TMP/e1.err"; rc=$?
check "json syntax error: exit 1" 1 "$rc"
check "json syntax error: one line" 1 "$(wc -l <"$TMP/e1.json")"
check "json syntax error: code SYNTAX" "SYNTAX True" "$(python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
print(o["error"]["code"], "column 1" in o["error"]["message"])' "$TMP/e1.json" 2>&1)"
grep -q "closing ')' expected" "$TMP/e1.err" && ok "json syntax error: message on stderr too" ||
	fail "json syntax error: stderr [$(cat "$TMP/e1.err")]"
JSONS+=("$TMP/e1.json")
"$S" search -d "$TMP/nothere" --format json 東京 >"$TMP/e2.json" 2>/dev/null; rc=$?
check "json: no index: exit 1, code NOTINDEX" "1 NOTINDEX" "$rc $(python3 -c '
import json, sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$TMP/e2.json" 2>&1)"
JSONS+=("$TMP/e2.json")
"$S" search -d "$IX" --format json --queries "$TMP/none.tsv" >"$TMP/e3.json" 2>/dev/null; rc=$?
check "json: no --queries file: exit 1, code IO" "1 IO" "$rc $(python3 -c '
import json, sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$TMP/e3.json" 2>&1)"
JSONS+=("$TMP/e3.json")

# --- 2. --queries: one record per line, in input order, the bad one an error
printf 'q1\t東京\nq2\t(東京\nq3\tzebra\n' >"$TMP/q.tsv"
"$S" search -d "$IX" --format json --queries "$TMP/q.tsv" >"$TMP/q.json" 2>"$TMP/q.err"; rc=$?
check "--queries json: exit 1 (a line failed)" 1 "$rc"
check "--queries json: 3 records in order, the middle an error" \
	"q1:hits q2:SYNTAX q3:hits" "$(python3 -c '
import json, sys
out = []
for l in open(sys.argv[1]):
    o = json.loads(l)
    out.append("%s:%s" % (o["qid"], o["error"]["code"] if "error" in o else "hits"))
print(" ".join(out))' "$TMP/q.json" 2>&1)"
JSONS+=("$TMP/q.json")
"$S" search -d "$IX" --format tsv --queries "$TMP/q.tsv" >"$TMP/q.out" 2>/dev/null
check "--queries tsv: the error row of q2" "q2	error	SYNTAX" \
	"$(grep -P '^q2\t' "$TMP/q.out" | cut -f1-3)"
check "--queries tsv: rows of q1, q2, q3 in order" "q1 q2 q3" \
	"$(cut -f1 "$TMP/q.out" | uniq | tr '\n' ' ' | sed 's/ $//')"
"$S" search -d "$IX" --format trec --queries "$TMP/q.tsv" >"$TMP/q.trec" 2>"$TMP/q.trec.err"; rc=$?
check "--queries trec: no q2 lines, exit 1" "0 1" "$(grep -c '^q2 ' "$TMP/q.trec") $rc"
grep -q "query q2:" "$TMP/q.trec.err" && ok "--queries trec: stderr names q2" ||
	fail "--queries trec: stderr [$(cat "$TMP/q.trec.err")]"

# --- 3. highlights (bytes) and highlights_chars (code points) slice the terms
"$S" search -d "$IX" -k 20 --format json 東京 >"$TMP/h.json" 2>/dev/null
check "highlights and highlights_chars slice 東京" "ok" "$(python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
n = 0
for h in o["hits"]:
    s = h["snippet"]
    if len(h["highlights"]) != len(h["highlights_chars"]) or not h["highlights"]:
        print("counts differ or none:", h["id"]); sys.exit()
    for (a, b), (c, d) in zip(h["highlights"], h["highlights_chars"]):
        if s[c:d] != "東京" or s.encode()[a:b].decode() != "東京":
            print("bad slice", h["id"], s[c:d], s.encode()[a:b]); sys.exit()
        n += 1
print("ok" if n >= 2 else "only %d" % n)' "$TMP/h.json" 2>&1)"
JSONS+=("$TMP/h.json")

# --- 4. --highlight: tags, and the text HTML-escaped
"$S" search -d "$IX" --format json --highlight html 東京 >"$TMP/x.json" 2>/dev/null
check "--highlight html: snippet_html escaped and tagged" "ok" "$(python3 -c '
import json, sys
h = [h for h in json.load(open(sys.argv[1]))["hits"] if h["id"] == "h1"][0]
s = h["snippet_html"]
want = ["a&lt;b &amp; c&gt;d", "&quot;天気&quot;", "&#39;x&#39;", "<mark>東京</mark>"]
bad = [w for w in want if w not in s]
print("ok" if not bad and "<b" not in s else "missing %s in %s" % (bad, s))' "$TMP/x.json" 2>&1)"
JSONS+=("$TMP/x.json")
"$S" search -d "$IX" --highlight '<b>,</b>' 東京 >"$TMP/x.txt" 2>/dev/null
grep -q 'a&lt;b &amp; c&gt;d <b>東京</b>' "$TMP/x.txt" && ok "--highlight '<b>,</b>' in text: escaped, tagged" ||
	fail "--highlight in text: [$(cat "$TMP/x.txt")]"
"$S" search -d "$IX" --highlight nocomma 東京 >/dev/null 2>&1; rc=$?
check "--highlight without a comma: usage error" 2 "$rc"

# --- 5. totals: exact up to --count, else N+ / gte
nz=$(python3 -c '
import json, sys, re
print(sum(1 for l in open(sys.argv[1]) if re.search(r"\bzebra\b", json.loads(l)["body"])))' "$TMP/docs.jsonl")
tot() { python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["total"], o["total_relation"])' "$1" 2>&1; }
"$S" search -d "$IX" -k 1 --format json zebra >"$TMP/t1.json" 2>/dev/null
"$S" search -d "$IX" -k 1 --format json --exhaustive zebra >"$TMP/t2.json" 2>/dev/null
"$S" search -d "$IX" -k 1 --or --format json zebra 天気 >"$TMP/t3.json" 2>/dev/null
"$S" search -d "$IX" -k 1 --or --format json --exhaustive zebra 天気 >"$TMP/t4.json" 2>/dev/null
"$S" search -d "$IX" -k 1 --format json --count 5 zebra >"$TMP/t5.json" 2>/dev/null
"$S" search -d "$IX" -k 1 --format json --count exact zebra >"$TMP/t6.json" 2>/dev/null
"$S" search -d "$IX" -k 1 --format json --count 0 zebra >"$TMP/t7.json" 2>/dev/null
check "total: exact below the threshold (python count $nz)" "$nz eq" "$(tot "$TMP/t1.json")"
check "total: the same as --exhaustive" "$(tot "$TMP/t2.json")" "$(tot "$TMP/t1.json")"
check "total --or: the same as --exhaustive" "$(tot "$TMP/t4.json")" "$(tot "$TMP/t3.json")"
check "total --count exact" "$nz eq" "$(tot "$TMP/t6.json")"
check "total --count 5: a lower bound of at least 5" "gte yes" "$(python3 -c '
import json, sys; o = json.load(open(sys.argv[1]))
print(o["total_relation"], "yes" if 5 <= o["total"] <= int(sys.argv[2]) and o["total_is_lower_bound"] else o["total"])' "$TMP/t5.json" "$nz" 2>&1)"
echo "     (--count 0, pruning alone: $(tot "$TMP/t7.json"))"
"$S" search -d "$IX" -k 1 --count 5 zebra >"$TMP/t5.txt" 2>/dev/null
grep -qE '^[0-9,]+\+ hits for' "$TMP/t5.txt" && ok "text --count 5: 'N+ hits'" ||
	fail "text --count 5: [$(head -1 "$TMP/t5.txt")]"
"$S" search -d "$IX" -k 1 zebra >"$TMP/t1.txt" 2>/dev/null
check "text: exact total" "$nz hits for 'zebra'" "$(head -1 "$TMP/t1.txt" | sed 's/ (.*//')"
"$S" search -d "$IX" --count many zebra >/dev/null 2>&1; rc=$?
check "--count many: usage error" 2 "$rc"
JSONS+=("$TMP/t1.json" "$TMP/t2.json" "$TMP/t3.json" "$TMP/t4.json" "$TMP/t5.json" "$TMP/t6.json" "$TMP/t7.json")
"$S" search -d "$IX" -k 5 --explain --snippet 0 --format json zebra >"$TMP/t8.json" 2>/dev/null
JSONS+=("$TMP/t8.json")

# --- 6. TSV escapes ids, TREC refuses them
"$S" search -d "$IX" --format tsv tabdoc >"$TMP/tab.tsv" 2>/dev/null
check "tsv: a tab in an id is \\t, 4 columns" 't\tab 4' \
	"$(cut -f3 "$TMP/tab.tsv") $(awk -F'\t' '{print NF}' "$TMP/tab.tsv")"
"$S" search -d "$IX" --format tsv spacedoc >"$TMP/sp.tsv" 2>/dev/null
check "tsv: a space in an id as it is" "sp ace" "$(cut -f3 "$TMP/sp.tsv")"
"$S" search -d "$IX" --format trec tabdoc >"$TMP/tab.trec" 2>"$TMP/tab.err"; rc=$?
check "trec: an id with a tab: exit 1, no lines" "1 0" "$rc $(wc -l <"$TMP/tab.trec")"
grep -q "document id 't\\\\tab' holds a tab" "$TMP/tab.err" && ok "trec: the message names the id" ||
	fail "trec tab: stderr [$(cat "$TMP/tab.err")]"
"$S" search -d "$IX" --format trec spacedoc >"$TMP/sp.trec" 2>"$TMP/sp.err"; rc=$?
check "trec: an id with a space: exit 1" 1 "$rc"
grep -q "document id 'sp ace' holds a space" "$TMP/sp.err" && ok "trec: the message names 'sp ace'" ||
	fail "trec space: stderr [$(cat "$TMP/sp.err")]"
"$S" search -d "$IX" --format trec zebra >"$TMP/ok.trec" 2>/dev/null; rc=$?
check "trec: plain ids still written" "0 10" "$rc $(wc -l <"$TMP/ok.trec")"
"$S" search -d "$IX" --format json tabdoc >"$TMP/tab.json" 2>/dev/null
check "json: the id with a tab as it is" 't	ab' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hits"][0]["id"])' "$TMP/tab.json" 2>&1)"
JSONS+=("$TMP/tab.json")

# --- 7. every JSON line above against the schema
r=$(python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.Draft202012Validator
cls.check_schema(schema)
v, n = cls(schema), 0
for f in sys.argv[2:]:
    for l in open(f, encoding="utf-8"):
        errs = list(v.iter_errors(json.loads(l)))
        if errs:
            print("%s: %s" % (f, errs[0].message)); sys.exit()
        n += 1
print("valid", "many" if n >= 15 else n)' "$SCHEMA" "${JSONS[@]}" 2>&1)
check "every JSON output validates against docs/search.schema.json" "valid many" "$r"
r=$(python3 -c '
import json, sys, jsonschema
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
bad = [{"qid": "1", "query": "x", "total": 1}, {"error": {"code": "NOPE", "message": ""}},
       {"qid": "1", "query": "x", "took_us": 1, "total": 1, "total_relation": "eq",
        "total_is_lower_bound": False, "hits": [{"rank": 1, "id": "a", "score": 1.0,
        "title": "", "snippet": "s"}]}]
print(sum(1 for b in bad if not v.is_valid(b)))' "$SCHEMA" 2>&1)
check "the schema refuses malformed records" 3 "$r"

check_all_indexes
finish output
