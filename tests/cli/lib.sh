# Shared helpers for the CLI test suites (sourced, not run).
# Each suite calls ok/fail per check and `finish NAME` at the end, which prints
# "NAME: N passed, N failed" for tests/run.sh and sets the exit status.
set -u
: "${SAGASU:?SAGASU must point at the sagasu binary (tests/run.sh sets it)}"
T_PASS=0 T_FAIL=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok()   { T_PASS=$((T_PASS + 1)); echo "ok   $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $*"; }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected [$2], got [$3]"; fi; }
# have_shared FILE: is ../shared/FILE there? prints a SKIP line when not
have_shared() {
	if [ -f "$SHARED/$1" ]; then return 0; fi
	echo "SKIP $1 is absent (../shared/ is not beside this checkout): its cases are skipped"
	return 1
}
# check_index DIR [OPTIONS]: `sagasu check` finds DIR whole (OPTIONS: --keep-all ...)
check_index() {
	local d=$1 out
	shift
	if out=$("$SAGASU" check -d "$d" "$@" 2>&1); then
		ok "check ${d#"$TMP"/}: $out"
	else
		fail "check ${d#"$TMP"/}: $out"
	fi
}
# gen_small300 FILE: 300 small documents g0000.. from ten sentences, the
# embedded corpus of index.sh's incremental scenario (and of compact.sh's
# reproduction of the short-file verdict it once met).
gen_small300() {
	python3 - "$1" <<'PY'
import json, sys
base = ["東京都の天気は晴れ", "大阪で会議がありました", "京都の寺を訪ねる",
        "猫が窓辺で眠っている", "新しい検索エンジンを作る", "日本語の形態素解析",
        "花粉症で鼻水が止まらない", "コロナの症状について", "電車が遅れて困った",
        "今日は寿司を食べた"]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(300):
        b = base[i % len(base)] + "。" + base[(i * 7 + 3) % len(base)] + "。" * (i % 3)
        f.write(json.dumps({"id": "g%04d" % i, "title": base[i % len(base)][:4],
                            "body": b + " 番号%d" % i}, ensure_ascii=False) + "\n")
PY
}

# gen_docs FILE N [MARK]: N small documents d00000.. in JSONL; with MARK, document
# i also holds the terms wwall and zq{a,b,c}[i % 3] (for prefix checks).
gen_docs() {
	python3 - "$@" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
mark = len(sys.argv) > 3
base = ["東京都の天気は晴れ", "大阪で会議がありました", "京都の寺を訪ねる",
        "猫が窓辺で眠っている", "新しい検索エンジンを作る", "日本語の形態素解析",
        "花粉症で鼻水が止まらない", "電車が遅れて困った", "今日は寿司を食べた",
        "図書館で本を借りる", "北海道には梅雨がない", "山に登って写真を撮った"]
with open(path, "w", encoding="utf-8") as f:
    for i in range(n):
        body = "。".join(base[(i * k + k) % len(base)] for k in (1, 5, 7))
        body += " 番号%d" % i
        if mark:
            body += " wwall zq" + "abc"[i % 3]
        f.write(json.dumps({"id": "d%05d" % i, "title": base[i % len(base)][:4],
                            "body": body}, ensure_ascii=False) + "\n")
PY
}

# check_all_indexes: `sagasu check` on every index still under $TMP (a suite
# that damages indexes on purpose does not call it); --keep-all when the
# index was built with it.
check_all_indexes() {
	local d out n=0 bad=0
	while IFS= read -r d; do
		d=${d%/data.mdb}
		n=$((n + 1))
		out=$("$SAGASU" check -d "$d" 2>&1) ||
			out=$("$SAGASU" check -d "$d" --keep-all 2>&1) ||
			{ bad=$((bad + 1)); fail "check ${d#"$TMP"/}: $out"; }
	done < <(find "$TMP" -name data.mdb -not -path '*/.sagasu-new/*' 2>/dev/null)
	[ $bad -eq 0 ] && ok "sagasu check: every index this suite built is whole ($n)"
}
# json_field FILE KEY: a top-level field of the JSON object in FILE
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
# stats_docs DIR: the index's live documents, from `sagasu stats --json`
stats_docs() { "$SAGASU" stats -d "$1" --json >"$TMP/st.json" 2>"$TMP/st.err" && json_field "$TMP/st.json" documents; }
# ms_now: milliseconds since the epoch
ms_now() { echo $(($(date +%s%N) / 1000000)); }
finish() { echo "$1: $T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" -eq 0 ]; }
# serve_start NAME ARGS...: `sagasu serve ARGS --listen 127.0.0.1:0` in the
# background, its stderr in $TMP/NAME.log; sets PID and ADDR (http://IP:PORT)
# and adds PID to the suite's PIDS (which its EXIT trap kills).
# Fails (returns 1) if it does not print its address within 10 s.
serve_start() {
	local name=$1 i
	shift
	"$SAGASU" serve "$@" --listen 127.0.0.1:0 2>"$TMP/$name.log" &
	PID=$!
	PIDS+=("$PID")
	ADDR=
	for i in $(seq 100); do
		ADDR=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$TMP/$name.log")
		[ -n "$ADDR" ] && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "$name: the server did not start: $(cat "$TMP/$name.log")"
	return 1
}
# serve_stop PID: SIGTERM, wait at most 10 s; sets RC to the exit status
serve_stop() {
	local i
	kill -TERM "$1" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -9 "$1"
		RC=killed
		return
	fi
	wait "$1"
	RC=$?
}
