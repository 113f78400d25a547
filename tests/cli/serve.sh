#!/usr/bin/env bash
# End-to-end tests of `sagasu serve` (issue 15) over loopback, on the embedded
# fixtures (tests/fixtures/diary.jsonl + encyclopedia.jsonl, and one document
# whose title holds <&>" for the escaping checks):
#   - the API against the CLI on the same index: /search gives the hits,
#     scores, snippets and total of `sagasu search --format json` (both modes,
#     k and offset); /doc/ID the stored text; /stats `sagasu stats --format
#     json`; /health 200
#   - every error path: 400 with the JSON error object (missing q, bad k, k
#     over --max-k, q over --max-query, syntax error, unknown parameter), 404,
#     405, 503 over --max-connections, 500 (an allocation made to fail)
#   - the page: paging (offset) against the CLI's --offset, a notice, a syntax
#     error; in headless Chromium (with and without JavaScript): li.hit
#     data-id in rank order, the title HTML-escaped; SKIP when chromium is
#     missing
#   - load: 8 clients x 300 requests, 0 errors, while a separate `sagasu index`
#     adds documents; afterwards the new ones are found via /search
#   - slow clients (connections that send nothing or half a request) do not
#     stall the others with --threads 2
#   - SIGTERM and SIGINT with a request in flight: it completes, exit 0
# Every server is started on 127.0.0.1:0 (a free port, read back from the
# "listening on" line) and killed by the EXIT trap; every wait is bounded.
# Run by tests/run.sh (which sets SAGASU); prints "serve: N passed, N failed".
. "$(dirname "$0")/lib.sh"
S=$SAGASU
HERE=$(cd "$(dirname "$0")/../.." && pwd)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# get URL [CURL-OPTIONS]: the body on stdout; "STATUS" in $TMP/code
get() {
	local u=$1
	shift
	timeout 20 curl -s -o "$TMP/body" -w '%{http_code}' "$@" "$u" >"$TMP/code"
	cat "$TMP/body"
}
# urlq STRING: STRING percent-encoded for a query parameter
urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# expect_error NAME STATUS URL [CURL-OPTIONS]: the status, and a JSON error
# object {"error":{"code":..., "message":...}} whose message holds no NUL
expect_error() {
	local name=$1 st=$2 u=$3 msg
	shift 3
	get "$u" "$@" >"$TMP/err.json"
	check "$name: status" "$st" "$(cat "$TMP/code")"
	if msg=$(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert isinstance(e["code"], str) and e["code"]
assert isinstance(e["message"], str) and e["message"]
print(e["message"])' "$TMP/err.json" 2>&1); then
		ok "$name: JSON error object: $msg"
	else
		fail "$name: not a JSON error object: $(head -c 300 "$TMP/err.json")"
	fi
}

# ---------------------------------------------------------------- the index
IX=$TMP/ix
cat "$HERE/tests/fixtures/diary.jsonl" "$HERE/tests/fixtures/encyclopedia.jsonl" >"$TMP/c.jsonl"
python3 - "$TMP/c.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "a", encoding="utf-8") as f:
    f.write(json.dumps({"id": "esc-1", "date": "2024-02-02",
                        "title": "<b>記号</b> & \"引用\" の試験",
                        "body": "エスケープの試験です。<script>alert(1)</script> 蛸壺"},
                       ensure_ascii=False) + "\n")
PY
"$S" index -d "$IX" "$TMP/c.jsonl" >/dev/null 2>&1 || fail "index the fixtures"

serve_start main -d "$IX" --threads 2 --max-k 50 --max-query 40 || { finish serve; exit; }
MAIN=$PID A=$ADDR
ok "serve started: $A"

# ------------------------------------------------------- the API vs the CLI
# same_search NAME CLI-OPTIONS -- PARAMS -- QUERY: /search?q=QUERY&PARAMS
# against `sagasu search --format json CLI-OPTIONS QUERY`: every field but
# took_us (and qid, the CLI numbers its queries) is the same.
same_search() {
	local name=$1 cli=() par= q
	shift
	while [ "$1" != -- ]; do cli+=("$1"); shift; done
	shift
	while [ "$1" != -- ]; do par+="&$1"; shift; done
	q=$2
	"$S" search -d "$IX" --format json "${cli[@]}" -- "$q" >"$TMP/cli.json" 2>"$TMP/cli.err"
	get "$A/search?q=$(urlq "$q")$par" >"$TMP/api.json"
	if python3 - "$TMP/cli.json" "$TMP/api.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for o in (a, b):
    o.pop("took_us", None); o.pop("qid", None)
if a != b or not a["hits"]:
    print(json.dumps(a, ensure_ascii=False)[:300]); print(json.dumps(b, ensure_ascii=False)[:300])
    sys.exit(1)
print(len(a["hits"]), "hits, total", a["total"], "ids", " ".join(h["id"] for h in a["hits"][:4]))
PY
	then ok "/search = search --format json: $name"
	else fail "/search != search --format json: $name ($(cat "$TMP/code"))"; fi
}
same_search "クラスター" -- -- クラスター
same_search "クラスター k=3" -k 3 -- k=3 -- クラスター
same_search "クラスター k=3 offset=2" -k 3 --offset 2 -- k=3 offset=2 -- クラスター
same_search "会議 OR 天気" -- -- "会議 OR 天気"
same_search "日本 -東京" -k 20 -- k=20 -- "日本 -東京"
same_search "or mode: 日本の歴史と文化" --or -k 8 -- mode=or k=8 -- 日本の歴史と文化
same_search "or mode offset=5" --or -k 5 --offset 5 -- mode=or k=5 offset=5 -- 日本の歴史と文化
same_search "phrase" -- -- '"形態素解析"'
same_search "prefix cap" --prefix-cap 2 -- prefix_cap=2 -- 'ク*'
same_search "highlight html, snippet 30" --highlight html --snippet 30 -- highlight=html snippet=30 -- クラスター
same_search "explain, exhaustive, k1 b" --explain --exhaustive --k1 2 --b 0.5 -- explain=1 exhaustive=1 k1=2 b=0.5 -- 会議
same_search "sort=-date" -k 5 --sort -date -- k=5 sort=-date -- クラスター
same_search "sort=date,_score, a filter" -k 5 --sort date --sort _score --filter 'date>=2023-02-01' -- \
	k=5 "sort=date,_score" "filter=$(urlq 'date>=2023-02-01')" -- クラスター
same_search "two filters (;)" --filter 'date>=2023-01-10' --filter 'date<2023-02-10' -- \
	"filter=$(urlq 'date>=2023-01-10;date<2023-02-10')" -- クラスター

# /doc/ID: the stored document, its texts as indexed
get "$A/doc/esc-1" >"$TMP/doc.json"
check "/doc/esc-1 status" 200 "$(cat "$TMP/code")"
check "/doc/esc-1 JSON: id, title, body" 'esc-1|<b>記号</b> & "引用" の試験|エスケープの試験です。<script>alert(1)</script> 蛸壺' \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["id"], d["texts"]["title"], d["texts"]["body"], sep="|")' "$TMP/doc.json")"
get "$A/doc/2023-01-05-00" >"$TMP/doc.json"
check "/doc/2023-01-05-00: the body of the fixture" ok "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
src = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if "2023-01-05-00" in l][0]
print("ok" if d["id"] == src["id"] and d["texts"]["body"] == src["body"] else d)' "$TMP/doc.json" "$HERE/tests/fixtures/diary.jsonl")"
get "$A/doc/esc-1" -H 'Accept: text/html' >"$TMP/doc.html"
check "/doc/esc-1 as HTML: the title and body escaped" "yes 0" \
	"$(grep -q '&lt;b&gt;記号&lt;/b&gt; &amp; ' "$TMP/doc.html" && grep -q '&lt;script&gt;alert' "$TMP/doc.html" && echo yes) $(grep -c '<script>alert' "$TMP/doc.html")"
expect_error "/doc/ unknown id" 404 "$A/doc/no-such-id"

# /stats, /health
"$S" stats -d "$IX" --format json >"$TMP/stats-cli.json" 2>/dev/null
get "$A/stats" >"$TMP/stats-api.json"
check "/stats = stats --format json" same "$(python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print("same" if a == b else "differ")' "$TMP/stats-cli.json" "$TMP/stats-api.json")"
check "/health" '{"status":"ok"}' "$(get "$A/health")"
check "/health status" 200 "$(cat "$TMP/code")"

# ---------------------------------------------------------------- errors
expect_error "missing q" 400 "$A/search"
get "$A/search?q=" >"$TMP/empty.json"
check "empty q: 200, no hits, a notice (as the CLI)" "200 0 empty query: nothing to search" \
	"$(cat "$TMP/code") $(json_field "$TMP/empty.json" total) $(json_field "$TMP/empty.json" notices)"
expect_error "bad k" 400 "$A/search?q=x&k=abc"
expect_error "a filter without an operator" 400 "$A/search?q=x&filter=date"
expect_error "k=0" 400 "$A/search?q=x&k=0"
expect_error "k over --max-k 50" 400 "$A/search?q=x&k=51"
expect_error "k + offset over --max-k 50" 400 "$A/search?q=x&k=30&offset=30"
expect_error "bad mode" 400 "$A/search?q=x&mode=xor"
expect_error "q over --max-query 40" 400 "$A/search?q=$(printf 'a%.0s' $(seq 41))"
expect_error "syntax error: unclosed quote" 400 "$A/search?q=$(urlq '"abc')"
expect_error "syntax error: unbalanced (" 400 "$A/search?q=$(urlq '(会議 OR')"
expect_error "unknown parameter" 400 "$A/search?q=x&kk=3"
expect_error "repeated parameter" 400 "$A/search?q=x&k=1&k=2"
expect_error "invalid UTF-8 in q" 400 "$A/search?q=%FF%FE"
expect_error "/stats takes no parameter" 400 "$A/stats?x=1"
expect_error "unknown path" 404 "$A/nope"
expect_error "POST" 405 "$A/search?q=x" -X POST -d a=b
expect_error "DELETE" 405 "$A/health" -X DELETE
get "$A/search?q=$(urlq 'zzqqxx')" >"$TMP/none.json"
check "no match: 200, 0 hits" "200 0" "$(cat "$TMP/code") $(json_field "$TMP/none.json" total)"
check "the server is still up after the errors" 200 "$(get "$A/health" >/dev/null; cat "$TMP/code")"
check "access log: one line a request, METHOD PATH STATUS µs" 1 \
	"$(grep -cE '^POST /search 405 [0-9]+us$' "$TMP/main.log")"

# 503: with --max-connections 1, a second connection open is answered BUSY
serve_start busy -d "$IX" --max-connections 1 --threads 2 && {
	python3 - "${ADDR#http://}" "$TMP/busy.out" <<'PY' &
import socket, sys, time
h, p = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((h, int(p)))   # holds one connection, silent
time.sleep(3)
s.close()
PY
	HOLD=$!
	sleep 0.5
	expect_error "over --max-connections 1" 503 "$ADDR/health"
	grep -q 'max-connections' "$TMP/err.json" && ok "503 names --max-connections" ||
		fail "503 message: $(cat "$TMP/err.json")"
	wait $HOLD
	get "$ADDR/health" >/dev/null
	check "after the connection closed: 200 again" 200 "$(cat "$TMP/code")"
	serve_stop "$PID"
	check "busy server: SIGTERM exit 0" 0 "$RC"
}

# 500: an internal failure. SAGASU_TEST_FAIL_ALLOC=N+ (cli/main.c) fails the
# library's Nth allocation and every later one; the server opens its
# searchers at the first request, so with a small N it starts and then
# every search runs out of memory. The answer is 500 with the JSON error
# (code NOMEM), and the server stays up.
for n in 20 50 100 200 400 800; do
	SAGASU_TEST_FAIL_ALLOC=$n+ serve_start "oom$n" -d "$IX" --threads 1 2>/dev/null && break
	T_FAIL=$((T_FAIL - 1)) # a serve_start that fails here is the scan, not a failure
done
if [ -n "$ADDR" ]; then
	expect_error "internal failure (out of memory, SAGASU_TEST_FAIL_ALLOC=$n+)" 500 "$ADDR/search?q=$(urlq 会議)"
	check "500: the code is NOMEM" NOMEM "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$TMP/err.json")"
	expect_error "internal failure in /doc (out of memory)" 500 "$ADDR/doc/2023-01-05-00"
	check "500 of /doc: NOMEM, not reported as a damaged index" NOMEM \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$TMP/err.json")"
	check "after the 500: /health still 200" 200 "$(get "$ADDR/health" >/dev/null; cat "$TMP/code")"
	serve_stop "$PID"
	check "out-of-memory server: SIGTERM exit 0" 0 "$RC"
else
	fail "500: no SAGASU_TEST_FAIL_ALLOC value let the server start"
fi

# ------------------------------------------------------- the page (Chromium)
# The ids of the hits, in page order, from HTML (li elements of class hit).
page_ids() {
	python3 - "$1" <<'PY'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    ids = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "li" and "hit" in (a.get("class") or "").split():
            self.ids.append(a.get("data-id"))
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); print(" ".join(p.ids))
PY
}
"$S" search -d "$IX" --format json -k 10 クラスター >"$TMP/page-cli.json" 2>/dev/null
want_ids=$(python3 -c 'import json,sys; print(" ".join(h["id"] for h in json.load(open(sys.argv[1]))["hits"]))' "$TMP/page-cli.json")
get "$A/?q=$(urlq クラスター)" >"$TMP/page.html"
check "page (curl): li.hit data-id in rank order" "$want_ids" "$(page_ids "$TMP/page.html")"
get "$A/?q=$(urlq 蛸壺)" >"$TMP/page-esc.html"
check "page (curl): the title HTML-escaped, no <script> from the text" "1 1 0" \
	"$(page_ids "$TMP/page-esc.html" | grep -c '^esc-1$') $(grep -c '&lt;b&gt;記号&lt;/b&gt; &amp; ' "$TMP/page-esc.html") $(grep -c '<script>alert' "$TMP/page-esc.html")"
# Paging: the second page of 3 is the CLI's --offset 3 -k 3, ranks from 4,
# with links to offset 0 and 6; a notice and a syntax error are shown.
"$S" search -d "$IX" --format json -k 3 --offset 3 クラスター >"$TMP/p2.json" 2>/dev/null
get "$A/?q=$(urlq クラスター)&k=3&offset=3" >"$TMP/p2.html"
check "page offset=3 k=3: the CLI's --offset 3 ids, rank 4 first, prev/next links" \
	"$(python3 -c 'import json,sys; print(" ".join(h["id"] for h in json.load(open(sys.argv[1]))["hits"]))' "$TMP/p2.json")|4.|offset=0 offset=6" \
	"$(page_ids "$TMP/p2.html")|$(grep -o '<span class="rank">[0-9]*\.' "$TMP/p2.html" | head -1 | sed 's/.*>//')|$(grep -oE 'rel="(prev|next)" href="[^"]*' "$TMP/p2.html" | grep -oE 'offset=[0-9]+' | tr '\n' ' ' | sed 's/ $//')"
get "$A/?q=$(urlq 'の 会議')&mode=or" >"$TMP/pn.html"
check "page (natural-language mode): the notice of a dropped word is shown, escaped" 1 \
	"$(grep -c "<p class=\"notice\">&#39;の&#39; has no indexed term (only particles or symbols): dropped" "$TMP/pn.html")"
get "$A/?q=$(urlq '"abc')" >"$TMP/pe.html"
check "page: a syntax error is 400 and shown, escaped" "400 1" \
	"$(cat "$TMP/code") $(grep -c '<p class="error">column 1: closing &#39;&quot;&#39; expected' "$TMP/pe.html")"
CHROME=$(command -v chromium || true)
if [ -z "$CHROME" ]; then
	echo "SKIP chromium is not installed (scripts/setup.sh installs it): the browser checks are skipped"
else
	# JavaScript on: `chromium --headless --dump-dom`. Off: --dump-dom reads
	# the DOM by running script, so it prints nothing then; chrome_dom.py
	# reads it over the DevTools pipe instead, and proves scripting is off.
	dump() {
		if [ "$3" = on ]; then
			timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
				--user-data-dir="$TMP/chrome" --dump-dom "$1" >"$2" 2>"$TMP/chrome.err"
		else
			timeout 90 python3 "$HERE/tests/cli/chrome_dom.py" "$CHROME" "$1" \
				"$TMP/chrome-off" >"$2" 2>"$TMP/chrome.err" &&
				grep -qx 'js: off' "$TMP/chrome.err"
		fi
	}
	for js in on off; do
		if dump "$A/?q=$(urlq クラスター)" "$TMP/dom-$js.html" $js; then
			check "chromium (JavaScript $js): li.hit data-id in rank order" "$want_ids" "$(page_ids "$TMP/dom-$js.html")"
		else
			fail "chromium (JavaScript $js) failed: $(tail -3 "$TMP/chrome.err")"
		fi
	done
	for js in on off; do
		if dump "$A/?q=$(urlq 蛸壺)" "$TMP/dom-esc.html" $js; then
			check "chromium (JavaScript $js): the title <&>\" is text, not markup" "esc-1|<b>記号</b> & \"引用\" の試験|0" \
				"$(python3 - "$TMP/dom-esc.html" <<'PY2'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    id = None; intitle = False; title = ""; tags = 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "li" and "hit" in (a.get("class") or "").split(): self.id = a.get("data-id")
        if tag == "a" and "title" in (a.get("class") or "").split(): self.intitle = True
        if tag in ("b", "script"): self.tags += 1
    def handle_endtag(self, tag):
        if tag == "a": self.intitle = False
    def handle_data(self, d):
        if self.intitle: self.title += d
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
print(p.id, p.title, p.tags, sep="|")
PY2
)"
		else
			fail "chromium (escaping, JavaScript $js) failed: $(tail -3 "$TMP/chrome.err")"
		fi
	done
fi

# ------------------------------------------- load while `sagasu index` writes
# 8 clients x 300 requests (a mix of /search in both modes, /doc, /stats and
# the page); meanwhile a separate `sagasu index` adds 200 documents holding
# the word 鰻重 in 4 batches. Every answer must be 200 with a parsable body.
python3 - "$TMP/new.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(200):
        f.write(json.dumps({"id": "new-%03d" % i, "title": "鰻重の日 %d" % i,
                            "body": "今日は鰻重を食べた。番号%d の記録。" % i},
                           ensure_ascii=False) + "\n")
PY
cat >"$TMP/load.py" <<'PY'
import http.client, json, sys, threading, urllib.parse
host, port = sys.argv[1].rsplit(":", 1)
clients, per = int(sys.argv[2]), int(sys.argv[3])
qs = ["クラスター", "会議 OR 天気", "日本", "東京", '"形態素解析"', "鰻重", "ク*"]
errors, done = [], [0]
lock = threading.Lock()
def client(n):
    c = http.client.HTTPConnection(host, int(port), timeout=20)
    for i in range(per):
        j = n * per + i
        q = urllib.parse.quote(qs[j % len(qs)])
        path = ["/search?q=%s&k=5" % q, "/search?q=%s&mode=or" % q,
                "/doc/2023-01-05-00", "/stats", "/?q=%s" % q][j % 5]
        try:
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            if r.status != 200:
                raise Exception("%d %s" % (r.status, body[:200]))
            if not path.startswith("/?"):
                json.loads(body)
            with lock: done[0] += 1
        except Exception as e:
            with lock: errors.append("%s: %s" % (path, e))
            c.close()
            c = http.client.HTTPConnection(host, int(port), timeout=20)
ts = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
for t in ts: t.start()
for t in ts: t.join()
print(done[0], len(errors))
for e in errors[:5]: print(e, file=sys.stderr)
PY
(
	for b in 0 1 2 3; do
		sed -n "$((b * 50 + 1)),$((b * 50 + 50))p" "$TMP/new.jsonl" >"$TMP/new-$b.jsonl"
		"$S" index -d "$IX" "$TMP/new-$b.jsonl" >>"$TMP/writer.log" 2>&1 || echo "batch $b failed" >>"$TMP/writer.log"
		sleep 0.3
	done
) &
WRITER=$!
load=$(timeout 120 python3 "$TMP/load.py" "${A#http://}" 8 300 2>"$TMP/load.err")
check "load: 8 clients x 300 requests, 2400 answered 200, 0 errors" "2400 0" "$load"
[ -s "$TMP/load.err" ] && echo "  load errors: $(head -5 "$TMP/load.err")"
timeout 60 tail --pid=$WRITER -f /dev/null
check "the writer added 200 documents meanwhile" "" "$(grep failed "$TMP/writer.log")"
get "$A/search?q=$(urlq 鰻重)&k=50&count=exact" >"$TMP/new.json"
check "after the writes: /search finds the 200 new documents (no restart)" "200 200 50" \
	"$(cat "$TMP/code") $(json_field "$TMP/new.json" total) $(python3 -c 'import json,sys; print(sum(h["id"].startswith("new-") for h in json.load(open(sys.argv[1]))["hits"]))' "$TMP/new.json")"
get "$A/doc/new-123" >"$TMP/doc.json"
check "after the writes: /doc/new-123" "200 鰻重の日 123" "$(cat "$TMP/code") $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["texts"]["title"])' "$TMP/doc.json" 2>/dev/null)"
check "after the writes: /stats counts them (276 + 200)" 476 "$(get "$A/stats" >"$TMP/st2.json"; json_field "$TMP/st2.json" documents)"

# -------------------------------------------------------------- slow clients
# With --threads 2, ten connections that send nothing and ten that send half
# a request line do not stall the others: 40 requests from a fresh client
# are all answered while they hang (bounded: 20 s).
serve_start slow -d "$IX" --threads 2 --timeout 30 && {
	python3 - "${ADDR#http://}" <<'PY' &
import socket, sys, time
h, p = sys.argv[1].rsplit(":", 1)
socks = []
for i in range(20):
    s = socket.create_connection((h, int(p)))
    if i % 2:
        s.sendall(b"GET /search?q=%E4%BC%9A HTTP/1.1\r\nHost: x\r\n")  # no end of headers
    socks.append(s)
time.sleep(8)
PY
	SLOW=$!
	sleep 0.5
	check "slow clients: 40 requests from another client answered while 20 hang" "40 0" \
		"$(timeout 20 python3 "$TMP/load.py" "${ADDR#http://}" 1 40 2>"$TMP/slow.err")"
	kill $SLOW 2>/dev/null
	wait $SLOW 2>/dev/null
	serve_stop "$PID"
	check "slow server: SIGTERM exit 0" 0 "$RC"
}

# ------------------------------------------------------------ clean shutdown
# A request held 1.5 s by the test hook SAGASU_TEST_SERVE_DELAY_MS is in
# flight when the signal comes: it completes (200, full JSON), the exit is 0.
for sig in TERM INT; do
	SAGASU_TEST_SERVE_DELAY_MS=1500 serve_start "sig$sig" -d "$IX" --threads 2 || continue
	timeout 20 curl -s -o "$TMP/flight.json" -w '%{http_code}' "$ADDR/search?q=$(urlq クラスター)" >"$TMP/flight.code" &
	CURL=$!
	sleep 0.5
	kill -"$sig" "$PID"
	wait $CURL
	for i in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$PID" 2>/dev/null; then
		fail "SIG$sig: still running after 10 s"
		kill -9 "$PID"
	else
		wait "$PID"
		check "SIG$sig: exit status 0" 0 $?
	fi
	check "SIG$sig: the request in flight completed (200, 18 hits)" "200 18" \
		"$(cat "$TMP/flight.code") $(json_field "$TMP/flight.json" total 2>/dev/null)"
done
serve_stop "$MAIN"
	check "main server: SIGTERM exit 0" 0 "$RC"

# Under the sanitizer build (make asan) a report would be in a server's log.
check "no sanitizer report in any server's log" "" \
	"$(grep -lE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$TMP"/*.log 2>/dev/null)"
check_all_indexes
finish serve
