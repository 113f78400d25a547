#!/usr/bin/env bash
# Fault injection: SIGKILL at random moments, readers racing a writer, a full
# disk and a full LMDB map, read-only, missing, truncated, corrupted and
# foreign indexes. docs/RELIABILITY.md names the promise each check proves.
# Run by tests/run.sh (which sets SAGASU); prints "faults: N passed, N failed".
#   SEED=N          the random seed (kill moments, corrupt offsets)
#   KILL_TRIALS=N   SIGKILL trials (default 24)
. "$(dirname "$0")/lib.sh"
S=$SAGASU
SEED=${SEED:-20240607}
RANDOM=$SEED
KILL_TRIALS=${KILL_TRIALS:-24}

md5() { if [ -e "$1" ]; then md5sum <"$1" | cut -c1-32; else echo absent; fi; }
# not_signal NAME RC: a refusal is an exit status, never a death by signal
not_signal() { [ "$2" -lt 128 ] && ok "$1: exit $2, no crash" || fail "$1: killed by signal $(($2 - 128))"; }

# consistent NAME DIR: stats' documents and total_length agree with the dump
consistent() {
	local docs tl dlines dlsum
	if ! "$S" stats -d "$2" --json >"$TMP/st.json" 2>"$TMP/st.err"; then
		fail "$1: stats failed: $(cat "$TMP/st.err")"
		return
	fi
	docs=$(json_field "$TMP/st.json" documents)
	tl=$(json_field "$TMP/st.json" total_length)
	"$S" dump -d "$2" >"$TMP/c.dump"
	dlines=$(grep -c '^D ' "$TMP/c.dump")
	dlsum=$(sed -n 's/^D [^ ]* dl=\([0-9]*\) .*/\1/p' "$TMP/c.dump" | awk '{s+=$1} END {print s+0}')
	if [ "$docs" = "$dlines" ] && [ "$tl" = "$dlsum" ]; then
		ok "$1: $docs documents, total_length $tl, consistent with the dump"
	else
		fail "$1: stats say $docs docs / $tl, the dump $dlines docs / $dlsum"
	fi
}


# ============================================================ a. SIGKILL
K_IN=$TMP/k.jsonl
K_N=12000
gen_docs "$K_IN" "$K_N"
KOPTS=(--mem 64k --block-size 4 --threads 2)
"$S" index -d "$TMP/kref" "${KOPTS[@]}" "$K_IN" 2>"$TMP/kref.err"
check "sigkill: reference index exit" 0 $?
"$S" dump -d "$TMP/kref" >"$TMP/kref.dump"
batches=$(grep -oE '[0-9]+ batch(es)?' "$TMP/kref.err" | grep -oE '[0-9]+')
[ "${batches:-0}" -ge 10 ] && ok "sigkill: the reference run committed $batches batches" ||
	fail "sigkill: too few batches: $(cat "$TMP/kref.err")"
t0=$(ms_now)
"$S" index -d "$TMP/ktime" "${KOPTS[@]}" "$K_IN" 2>/dev/null
full_ms=$(($(ms_now) - t0))
[ "$full_ms" -ge 20 ] || full_ms=20
echo "     sigkill: an uninterrupted run takes $full_ms ms"

# kill_at DIR MS: starts an indexing run, SIGKILLs it after MS ms; prints
# "killed" when it was still running, "finished" otherwise.
kill_at() {
	local pid
	"$S" index -d "$1" "${KOPTS[@]}" "$K_IN" 2>/dev/null &
	pid=$!
	sleep "$(printf '%d.%03d' $(($2 / 1000)) $(($2 % 1000)))"
	if kill -9 "$pid" 2>/dev/null; then echo killed; else echo finished; fi
	wait "$pid" 2>/dev/null
}
killed=0 midway=0
for trial in $(seq 1 "$KILL_TRIALS"); do
	k=$TMP/kill$trial
	# within the first 80% of an uninterrupted run, so that most trials
	# kill a live process even when the machine is busy
	ms=$((RANDOM % (full_ms * 4 / 5) + 1))
	[ "$(kill_at "$k" "$ms")" = killed ] && killed=$((killed + 1))
	# every third trial is killed twice: once more while resuming
	if [ $((trial % 3)) -eq 0 ] && [ -f "$k/data.mdb" ]; then
		ms2=$((RANDOM % full_ms + 1))
		kill_at "$k" "$ms2" >/dev/null
		ms="$ms+$ms2"
	fi
	if [ ! -f "$k/data.mdb" ]; then
		ok "sigkill $trial: killed at $ms ms, before the index existed"
	else
		n=$("$S" stats -d "$k" --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])' 2>/dev/null)
		[ "${n:-0}" -gt 0 ] && [ "${n:-0}" -lt "$K_N" ] && midway=$((midway + 1))
		consistent "sigkill $trial (at $ms ms)" "$k"
		check_index "$k"
		"$S" search -d "$k" -k 3 東京 >/dev/null 2>"$TMP/ks.err"
		check "sigkill $trial: a search works after the kill" "0 " "$? $(cat "$TMP/ks.err")"
	fi
	"$S" index -d "$k" "${KOPTS[@]}" "$K_IN" 2>"$TMP/k.err"
	rc=$?
	if [ $rc -eq 0 ] && "$S" dump -d "$k" | cmp -s - "$TMP/kref.dump"; then
		ok "sigkill $trial: the re-run completes, dump = uninterrupted dump"
	else
		fail "sigkill $trial: re-run exit $rc or dump differs: $(tail -1 "$TMP/k.err")"
	fi
	check_index "$k"
	rm -rf "$k"
done
[ "$killed" -ge $((KILL_TRIALS / 2)) ] && ok "sigkill: $killed of $KILL_TRIALS runs were killed before finishing" ||
	fail "sigkill: only $killed of $KILL_TRIALS runs were killed before finishing"
[ "$midway" -ge 3 ] && ok "sigkill: $midway trials left a partly built index (0 < N < $K_N)" ||
	fail "sigkill: only $midway trials left a partly built index"

# Ctrl-C (SIGINT): the run stops after committing what it holds, exit 130.
"$S" index -d "$TMP/int" "${KOPTS[@]}" "$K_IN" 2>"$TMP/int.err" &
pid=$!
sleep "$(printf '0.%03d' $((full_ms / 2 % 1000)))"
kill -INT "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [ $rc -eq 130 ]; then
	grep -q "INTERRUPTED, committed so far" "$TMP/int.err" && ok "sigint: exit 130, summary says INTERRUPTED" ||
		fail "sigint: summary: $(tail -1 "$TMP/int.err")"
else
	check "sigint: exit 130 (or 0 if it finished first)" 0 "$rc"
fi
consistent "sigint: after Ctrl-C" "$TMP/int"
check_index "$TMP/int"
"$S" index -d "$TMP/int" "${KOPTS[@]}" "$K_IN" 2>/dev/null && "$S" dump -d "$TMP/int" | cmp -s - "$TMP/kref.dump"
check "sigint: the re-run completes, dump = uninterrupted dump" 0 $?
check_index "$TMP/int"

# ============================================================ b. readers vs writer
# One writer run commits many small batches (--mem 16k) of documents that
# hold wwall and one of zqa, zqb, zqc (by i % 3). Docids follow the input
# order, so every committed state is a prefix d0..d(n-1) of the input, and a
# snapshot that answers wwall=n must answer zqa=ceil(n/3), zqb=ceil((n-1)/3),
# zqc=ceil((n-2)/3). Each reader runs the four queries in one process (one
# snapshot), again and again, and its n never decreases.
W_IN=$TMP/w.jsonl
W_N=${W_N:-60000}
gen_docs "$W_IN" "$W_N" mark
WOPTS=(--mem 16k --threads 1)
printf 'all\twwall\na\tzqa\nb\tzqb\nc\tzqc\n' >"$TMP/w.q"
t0=$(ms_now)
"$S" index -d "$TMP/walone" "${WOPTS[@]}" "$W_IN" 2>"$TMP/walone.err"
rc=$?
alone_ms=$(($(ms_now) - t0))
check "readers: the writer alone: exit" 0 $rc
wbatches=$(grep -oE '[0-9]+ batch(es)?' "$TMP/walone.err" | grep -oE '[0-9]+')
rm -rf "$TMP/walone"

W=$TMP/widx
# Give the readers an index to open: an empty one (its header committed).
: >"$TMP/empty.jsonl"
"$S" index -d "$W" "$TMP/empty.jsonl" 2>/dev/null
check "readers: an empty index to start from" 0 "$(stats_docs "$W")"
rm -f "$TMP/w.stop"
reader_search() { # $1: log
	local i=0
	while [ ! -e "$TMP/w.stop" ]; do
		# --exhaustive: exact totals (a pruned total may be a lower
		# bound). The markers are no substrings of each other: a
		# keyword matches every document holding it as a string.
		"$S" search -d "$W" -k 1 --exhaustive --format json --queries "$TMP/w.q" >"$TMP/r.out.$1" 2>"$TMP/r.err.$1"
		echo "rc=$? $(tr '\n' ' ' <"$TMP/r.out.$1") $(tr '\n' ' ' <"$TMP/r.err.$1")" >>"$TMP/r.log.$1"
		i=$((i + 1))
	done
}
reader_bench() {
	while [ ! -e "$TMP/w.stop" ]; do
		"$S" bench -d "$W" --queries "$TMP/w.q" --json >"$TMP/b.out" 2>"$TMP/b.err"
		echo "rc=$? $(tr '\n' ' ' <"$TMP/b.out") $(tr '\n' ' ' <"$TMP/b.err")" >>"$TMP/r.log.bench"
	done
}
reader_search 1 & r1=$!
reader_search 2 & r2=$!
reader_bench & r3=$!
sleep 0.3
t0=$(ms_now)
"$S" index -d "$W" "${WOPTS[@]}" "$W_IN" 2>"$TMP/wrace.err"
wrc=$?
race_ms=$(($(ms_now) - t0))
sleep 0.3
touch "$TMP/w.stop"
wait "$r1" "$r2" "$r3"
check "readers: the writer with 3 reader loops: exit" 0 "$wrc"
echo "     readers: the writer ($W_N docs, ${wbatches:-?} batches) took $alone_ms ms alone, $race_ms ms with 3 reader loops"
[ "$race_ms" -le $((alone_ms * 10 + 2000)) ] &&
	ok "readers: the writer was not blocked ($race_ms ms vs $alone_ms ms alone)" ||
	fail "readers: the writer took $race_ms ms with readers vs $alone_ms ms alone"
python3 - "$TMP/r.log.1" "$TMP/r.log.2" "$W_N" >"$TMP/r.verdict" <<'EOF'
import json, re, sys
bad, answers, distinct = [], 0, set()
N = int(sys.argv[3])
for path in sys.argv[1:3]:
    last = -1
    for line in open(path, encoding="utf-8"):
        if not line.startswith("rc=0 "):
            bad.append("%s: %s" % (path, line.strip()[:300])); continue
        t = {}
        for m in re.finditer(r'\{"qid":"(\w+)".*?"total":(\d+)', line):
            t[m.group(1)] = int(m.group(2))
        if set(t) != {"all", "a", "b", "c"}:
            bad.append("%s: not four answers: %s" % (path, line[:300])); continue
        n = t["all"]
        want = {"a": (n + 2) // 3, "b": (n + 1) // 3, "c": n // 3}
        if any(t[k] != want[k] for k in want) or n > N:
            bad.append("%s: totals %s are no committed prefix" % (path, t))
        if n < last:
            bad.append("%s: went back from %d to %d documents" % (path, last, n))
        last = n; answers += 1; distinct.add(n)
print("answers=%d distinct=%d bad=%d" % (answers, len(distinct), len(bad)))
for b in bad[:5]: print(b)
EOF
v=$(head -1 "$TMP/r.verdict")
echo "     readers: $v"
case "$v" in
*" bad=0") ok "readers: every search answered a committed prefix, never went back ($v)" ;;
*) fail "readers: $(cat "$TMP/r.verdict")" ;;
esac
distinct=$(echo "$v" | sed 's/.*distinct=\([0-9]*\).*/\1/')
[ "${distinct:-0}" -ge 3 ] && ok "readers: the readers saw $distinct different committed states" ||
	fail "readers: the readers saw only ${distinct:-0} states (the race did not happen)"
nb=$(grep -c . "$TMP/r.log.bench" 2>/dev/null || echo 0)
nbad=$(grep -vc '^rc=0 .*"errors":0' "$TMP/r.log.bench")
[ "$nbad" -eq 0 ] && [ "$nb" -ge 1 ] && ok "readers: $nb bench runs, no error" ||
	fail "readers: $nbad of $nb bench runs failed: $(grep -v '^rc=0 .*"errors":0' "$TMP/r.log.bench" | head -2)"
"$S" dump -d "$W" | grep -c '^D ' | { read -r n; check "readers: the final index holds every document" "$W_N" "$n"; }
check_index "$W"

# ============================================================ c. full disk, full map
# full_check NAME DIR BASE_DUMP RC ERRFILE PATTERN IN: the failing run exits
# non-zero with a message naming the cause and the fix, and the index holds
# the state before it or a committed prefix of its input (rebuilt to compare).
full_check() {
	local name=$1 d=$2 base=$3 rc=$4 errf=$5 pat=$6 in=$7 n nbase
	[ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && ok "$name: the run fails, exit $rc" ||
		fail "$name: exit $rc"
	grep -qE "$pat" "$errf" && ok "$name: message: $(grep -E "$pat" "$errf" | head -1)" ||
		fail "$name: message: $(cat "$errf")"
	consistent "$name: after the failure" "$d"
	check_index "$d"
	n=$(grep -c '^D ' <("$S" dump -d "$d"))
	nbase=$(grep -c '^D ' "$base")
	if [ "$n" -eq "$nbase" ]; then
		"$S" dump -d "$d" | cmp -s - "$base"
		check "$name: the index is the state before the run ($n docs)" 0 $?
	else
		# A committed prefix: the base input plus the first n-nbase docs.
		rm -rf "$TMP/prefix"
		{ cat "$TMP/full.base"; head -n $((n - nbase)) "$in"; } >"$TMP/prefix.in"
		"$S" index -d "$TMP/prefix" --block-size 4 "$TMP/prefix.in" 2>/dev/null
		"$S" dump -d "$d" | cmp -s - <("$S" dump -d "$TMP/prefix")
		check "$name: the index is a committed prefix ($nbase + $((n - nbase)) docs)" 0 $?
	fi
	"$S" search -d "$d" -k 1 東京 >/dev/null 2>&1
	check "$name: a search works after it" 0 $?
}
gen_docs "$TMP/full.base" 50
gen_docs "$TMP/full.big" 40000
sed -i 's/"d\([0-9]*\)"/"f\1"/' "$TMP/full.big"

MNT=$TMP/mnt
mkdir -p "$MNT"
if mount -t tmpfs -o size=2m tmpfs "$MNT" 2>/dev/null; then
	D=$MNT/idx
	"$S" index -d "$D" --block-size 4 "$TMP/full.base" 2>/dev/null
	check "full disk: the base index on a 2 MiB tmpfs" 0 $?
	"$S" dump -d "$D" >"$TMP/full.dump0"
	"$S" index -d "$D" --mem 64k "$TMP/full.big" 2>"$TMP/full.err"
	full_check "full disk" "$D" "$TMP/full.dump0" $? "$TMP/full.err" \
		"no space left on the device holding .*free some space" "$TMP/full.big"
	# After freeing space (a bigger file system: remount), the run resumes.
	mount -o remount,size=256m "$MNT"
	"$S" index -d "$D" --mem 64k "$TMP/full.big" 2>/dev/null
	check "full disk: after freeing space the re-run completes" 0 $?
	rm -rf "$TMP/full.ref"
	cat "$TMP/full.base" "$TMP/full.big" >"$TMP/full.all"
	"$S" index -d "$TMP/full.ref" --block-size 4 "$TMP/full.all" 2>/dev/null
	"$S" dump -d "$D" | cmp -s - <("$S" dump -d "$TMP/full.ref")
	check "full disk: then the dump = an uninterrupted run's" 0 $?
	check_index "$D"
	umount "$MNT"
else
	echo "SKIP full disk: cannot mount a 2 MiB tmpfs here (not root, or refused); the map-full hook below still runs"
fi

# The LMDB map: SAGASU_TEST_MAX_MAPSIZE (a test hook in common/store.c) caps it.
D=$TMP/mapfull
"$S" index -d "$D" --block-size 4 "$TMP/full.base" 2>/dev/null
"$S" dump -d "$D" >"$TMP/map.dump0"
SAGASU_TEST_MAX_MAPSIZE=$((1 << 20)) "$S" index -d "$D" --mem 64k "$TMP/full.big" 2>"$TMP/map.err"
full_check "full map" "$D" "$TMP/map.dump0" $? "$TMP/map.err" \
	"map of .* is full at 1 MiB .*SAGASU_TEST_MAX_MAPSIZE.*raise it" "$TMP/full.big"
# One batch larger than the map (default --mem): nothing of it is committed.
D=$TMP/mapfull1
"$S" index -d "$D" --block-size 4 "$TMP/full.base" 2>/dev/null
SAGASU_TEST_MAX_MAPSIZE=$((1 << 20)) "$S" index -d "$D" "$TMP/full.big" 2>"$TMP/map1.err"
full_check "full map, one batch" "$D" "$TMP/map.dump0" $? "$TMP/map1.err" \
	"map of .* is full" "$TMP/full.big"
"$S" index -d "$D" "$TMP/full.big" 2>/dev/null
check "full map: without the cap the re-run completes" 0 $?
check_index "$D"

# ============================================================ d. damaged and foreign indexes
BASE=$TMP/base
"$S" index -d "$BASE" --block-size 4 "$K_IN" 2>/dev/null
"$S" dump -d "$BASE" >"$TMP/base.dump"

# refuse NAME DIR PATTERN [--keep-all]: every command refuses DIR with exit 1
# and a message matching PATTERN, and data.mdb is unchanged.
refuse() {
	local name=$1 d=$2 pat=$3 before rc cmd
	shift 3
	before=$(md5 "$d/data.mdb")
	for cmd in search stats dump index; do
		case $cmd in
		search) "$S" search -d "$d" "$@" 東京 >/dev/null 2>"$TMP/ref.err" ;;
		stats) "$S" stats -d "$d" "$@" >/dev/null 2>"$TMP/ref.err" ;;
		dump) "$S" dump -d "$d" "$@" >/dev/null 2>"$TMP/ref.err" ;;
		index) "$S" index -d "$d" "$@" "$TMP/full.base" >/dev/null 2>"$TMP/ref.err" ;;
		esac
		rc=$?
		if [ $rc -eq 1 ] && grep -qE "$pat" "$TMP/ref.err"; then
			ok "$name: $cmd refuses: $(head -c 200 "$TMP/ref.err" | head -1)"
		else
			fail "$name: $cmd: exit $rc (want 1 and /$pat/): $(head -c 300 "$TMP/ref.err")"
		fi
	done
	check "$name: data.mdb unchanged" "$before" "$(md5 "$d/data.mdb")"
}

# A read-only directory, as an unprivileged user (root ignores permissions).
RO=$TMP/ro
cp -a "$BASE" "$RO"
chmod -R a-w "$RO"
chmod a+rx "$TMP"
RUN_AS=""
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	RUN_AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ "$(id -u)" != 0 ]; then
	RUN_AS="env" # already unprivileged
fi
if [ -n "$RUN_AS" ] && $RUN_AS test -r "$RO/data.mdb" && $RUN_AS test -x "$S"; then
	before=$(md5 "$RO/data.mdb")
	# -A: not "..", whose time changes as the suite writes into $TMP
	lsb=$(ls -lA "$RO" | md5sum)
	$RUN_AS "$S" search -d "$RO" -k 3 東京 >"$TMP/ro.out" 2>"$TMP/ro.err"
	check "read-only dir: search works (exit, stderr)" "0 " "$? $(cat "$TMP/ro.err")"
	grep -q "hits for '東京'" "$TMP/ro.out" && ok "read-only dir: search found hits" ||
		fail "read-only dir: search output: $(head -2 "$TMP/ro.out")"
	$RUN_AS "$S" dump -d "$RO" | cmp -s - "$TMP/base.dump"
	check "read-only dir: dump = the dump before chmod" 0 $?
	$RUN_AS "$S" index -d "$RO" "$TMP/full.base" 2>"$TMP/ro.err"
	rc=$?
	check "read-only dir: index fails with exit 1" 1 "$rc"
	grep -q "permission denied.*can be searched but not written" "$TMP/ro.err" &&
		ok "read-only dir: index says $(cat "$TMP/ro.err")" || fail "read-only dir: message: $(cat "$TMP/ro.err")"
	check "read-only dir: data.mdb unchanged" "$before" "$(md5 "$RO/data.mdb")"
	check "read-only dir: directory listing unchanged" "$lsb" "$(ls -lA "$RO" | md5sum)"
else
	echo "SKIP read-only dir: cannot run as an unprivileged user here"
fi
chmod -R u+w "$RO"

# A missing directory.
refuse "missing dir" "$TMP/no/such/dir" "no such index directory|cannot create: No such file"
check "missing dir: nothing created" absent "$([ -e "$TMP/no" ] && echo present || echo absent)"

# Truncated data.mdb: to half, and to 0 bytes.
for cut in half zero; do
	d=$TMP/trunc-$cut
	cp -a "$BASE" "$d"
	size=$(stat -c %s "$d/data.mdb")
	[ $cut = half ] && truncate -s $((size / 2)) "$d/data.mdb" || truncate -s 0 "$d/data.mdb"
	refuse "truncated data.mdb ($cut)" "$d" "damaged|not a readable sagasu index|not a sagasu index|truncated|corrupt"
done

# Random bytes in the middle of data.mdb, several seeds. An undetectable
# change (inside stored text, or in free pages) may leave the index working;
# what is required: no crash, a clear message when it fails, and no command
# but index writes.
for seed in 1 2 3 4 5 6 7 8; do
	d=$TMP/corrupt-$seed
	cp -a "$BASE" "$d"
	python3 - "$d/data.mdb" "$seed" <<'EOF'
import random, sys
path, seed = sys.argv[1], int(sys.argv[2])
r = random.Random(seed)
data = bytearray(open(path, "rb").read())
n = len(data)
for _ in range(4):  # four runs of 64 random bytes in the middle half
    off = r.randrange(n // 4, 3 * n // 4 - 64)
    data[off:off + 64] = bytes(r.randrange(256) for _ in range(64))
open(path, "wb").write(data)
EOF
	before=$(md5 "$d/data.mdb")
	res=""
	for cmd in search stats dump; do
		case $cmd in
		search) "$S" search -d "$d" 東京 >/dev/null 2>"$TMP/cor.err" ;;
		stats) "$S" stats -d "$d" >/dev/null 2>"$TMP/cor.err" ;;
		dump) "$S" dump -d "$d" >/dev/null 2>"$TMP/cor.err" ;;
		esac
		rc=$?
		res="$res $cmd=$rc"
		if [ $rc -ge 128 ] || { grep -q "AddressSanitizer:DEADLYSIGNAL" "$TMP/cor.err" &&
			grep -m1 "^ *#0 " "$TMP/cor.err" | grep -q liblmdb; }; then
			# LMDB trusts the pages it maps: a damaged branch or leaf
			# page can crash mdb_cursor_get itself (docs/RELIABILITY.md).
			# Under ASan that crash is reported, not signalled: it
			# counts as the same known case when LMDB's frame is #0.
			echo "SKIP corrupt seed $seed: $cmd crashed inside LMDB (rc $rc; known: LMDB does not verify page contents)"
		elif [ $rc -ne 0 ] && ! grep -qE "damaged|corrupt|rebuild" "$TMP/cor.err"; then
			fail "corrupt seed $seed: $cmd exit $rc without naming the damage: $(head -c 300 "$TMP/cor.err")"
		else
			ok "corrupt seed $seed: $cmd exit $rc$( [ $rc -ne 0 ] && echo ": $(head -1 "$TMP/cor.err" | cut -c1-160)")"
		fi
	done
	check "corrupt seed $seed: readers wrote nothing" "$before" "$(md5 "$d/data.mdb")"
	"$S" index -d "$d" "$TMP/full.base" >/dev/null 2>"$TMP/cor.err"
	not_signal "corrupt seed $seed: index on it ($res)" $?
done

# Another format version: the 4-byte "format" value of meta set to 99.
d=$TMP/version
cp -a "$BASE" "$d"
mdb_dump -s meta "$d" >"$TMP/meta.dump"
python3 - "$TMP/meta.dump" <<'EOF'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
for i, l in enumerate(lines):
    if l.strip() == "666f726d6174":          # "format"
        lines[i + 1] = " 00000063"           # 99, big-endian
        break
else:
    sys.exit("no format key in meta")
open(p, "w").write("\n".join(lines))
EOF
mdb_load -s meta -f "$TMP/meta.dump" "$d" 2>"$TMP/load.err"
check "other version: mdb_load rewrote meta" 0 $?
refuse "other format version" "$d" "format (version )?99|version"

# Another analyzer configuration: an index built with --keep-all is opened
# with its own analyzer (no flag needed); a flag that contradicts an index is
# refused; a stored config this sagasu cannot reproduce (another dictionary
# size, written into meta) is refused, naming both strings.
d=$TMP/keepall
"$S" index -d "$d" --keep-all "$TMP/full.base" 2>/dev/null
"$S" search -d "$d" 東京 >/dev/null 2>&1
check "keep-all index: searching it without --keep-all works" 0 $?
"$S" search -d "$d" --keep-all 東京 >/dev/null 2>&1
check "keep-all index: searching it with --keep-all works" 0 $?
d=$TMP/contra
cp -a "$BASE" "$d"
refuse "contradicting analyzer flag" "$d" "keep-all contradicts the index" --keep-all
d=$TMP/otherdic
cp -a "$BASE" "$d"
mdb_dump -s meta "$d" >"$TMP/meta.dump"
python3 - "$TMP/meta.dump" <<'EOF'
import re, sys
p = sys.argv[1]
lines = open(p).read().split("\n")
key = "analyzer".encode().hex()
for i, l in enumerate(lines):
    if l.strip() == key:
        v = bytes.fromhex(lines[i + 1].strip()).decode()
        v = re.sub(r"(dic=[^ ]*:)[0-9]+ ", r"\g<1>7 ", v)
        lines[i + 1] = " " + v.encode().hex()
        break
else:
    sys.exit("no analyzer key in meta")
open(p, "w").write("\n".join(lines))
EOF
mdb_load -s meta -f "$TMP/meta.dump" "$d" 2>"$TMP/load.err"
check "other analyzer: mdb_load rewrote meta" 0 $?
refuse "other analyzer" "$d" "built with analyzer .*:7 .* but this sagasu analyzes with"

# An LMDB environment that is not a sagasu index.
d=$TMP/foreign
mkdir -p "$d"
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nmapsize=1048576\nmaxreaders=126\ndb_pagesize=4096\nHEADER=END\n 6b6579\n 76616c7565\nDATA=END\n' >"$TMP/foreign.dump"
mdb_load -s other -f "$TMP/foreign.dump" "$d" 2>"$TMP/load.err"
check "foreign LMDB env: made with mdb_load" 0 $?
refuse "foreign LMDB env" "$d" "not a sagasu index"

finish faults
