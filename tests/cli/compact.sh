#!/usr/bin/env bash
# Compaction: random incremental scenarios whose compacted dump must equal a
# fresh build's, the truncation check on the short data.mdb a compaction
# leaves, SIGKILL during `sagasu compact`, and compactions that fail. Only text held in this script is
# indexed (no ../shared). Run by tests/run.sh (which sets SAGASU); prints
# "compact: N passed, N failed". docs/RELIABILITY.md names the promises.
#   SEED=N         the random seed (scenarios, kill moments)
#   KEEP=1         keep the scratch directory (a failing scenario's files)
#   SCENARIOS=N    random scenarios (default 100)
#   KILL_TRIALS=N  SIGKILL trials during a compaction (default 30)
. "$(dirname "$0")/lib.sh"
S=$SAGASU
SEED=${SEED:-20261202}
RANDOM=$SEED
SCENARIOS=${SCENARIOS:-100}
KILL_TRIALS=${KILL_TRIALS:-30}

# The scenarios commit thousands of small batches: on a tmpfs their fsyncs
# cost nothing (a SIGKILL, the only crash tested here, does not need them).
FAST=$TMP
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	FAST=$(mktemp -d -p /dev/shm sagasu-compact.XXXXXX) || FAST=$TMP
	trap 'rm -rf "$TMP" "$FAST"' EXIT
fi
if [ "${KEEP:-0}" = 1 ]; then
	trap - EXIT
	echo "     scratch: $TMP $FAST"
fi

# jfield FILE KEY: an integer field of `sagasu stats --json` (no Python:
# the scenarios call it hundreds of times)
jfield() { sed -n "s/^  \"$2\": \([0-9]*\),*\$/\1/p" "$1"; }

# ------------------------------------------------------------ scenarios
# gen.py writes, for scenario i, $FAST/s$i/: plan (one step a line: "index
# FILE MEM BS THREADS [--no-substring]", "delete FILE" or "compact", a tab,
# then what the step's summary must say), the run files, final.jsonl (the
# documents a fresh build gets) and info (the parameters, and n_dead and the
# automatic compactions the simulation expects). The state is simulated in
# Python with sagasu's rules: a new id is indexed, a known id with other
# content replaced, with the same content unchanged; a deletion of an absent
# id is "not found"; a commit compacts when n_dead * 4 >= n_docs + n_dead.
cat >"$TMP/gen.py" <<'EOF'
import json, os, random, sys
root, seed, n_scen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
SENT = ["東京都の天気は晴れ", "大阪で会議がありました", "京都の寺を訪ねる",
        "猫が窓辺で眠っている", "新しい検索エンジンを作る", "日本語の形態素解析",
        "花粉症で鼻水が止まらない", "電車が遅れて困った", "今日は寿司を食べた",
        "図書館で本を借りる", "北海道には梅雨がない", "山に登って写真を撮った",
        "全文検索の索引を圧縮する", "削除された文書を取り除く", "雨の日は家で読書",
        "駅前の喫茶店でコーヒー", "明日は早起きして走る", "古い写真を整理した"]
WORDS = ["索引", "検索", "文書", "東京", "猫", "寿司", "電車", "写真", "会議",
         "天気", "本", "山", "川", "海", "空", "花", "鳥", "風", "月", "星"]
def body(r):
    parts = [r.choice(SENT) for _ in range(r.randint(1, 4))]
    parts += [r.choice(WORDS) * r.randint(1, 3) for _ in range(r.randint(0, 4))]
    r.shuffle(parts)
    return "。".join(parts) + (" 番号%d" % r.randint(0, 50) if r.random() < .5 else "")
for s in range(n_scen):
    r = random.Random(seed * 1000 + s)
    d = os.path.join(root, "s%d" % s)
    os.makedirs(d)
    bs = r.choice([2, 2, 3, 4, 5, 7, 8, 16, 31, 64, 128, r.randint(2, 128)])
    n_ids = r.randint(4, 40)
    ids = ["doc%03d" % i for i in range(n_ids)]
    state, plan, expect = {}, [], []
    dead, autos = 0, 0      # n_dead of meta "stats", automatic compactions
    def committed():        # writer.c's compact_if_due after each commit
        global dead, autos
        if dead and dead * 4 >= len(state) + dead:
            dead, autos = 0, autos + 1
    mode = r.choice(["explicit", "auto"])
    nosub = r.random() < .25     # an index without substring grams
    n_runs = r.randint(2, 5)
    for run in range(n_runs):
        mem = r.choice(["4k", "4k", "6k", "8k", "16k", "64k", "1M"])
        docs, ind, rep, unch = [], 0, 0, 0
        sim = dict(state)
        for _ in range(r.randint(1, 2 * n_ids)):
            i = r.choice(ids)
            if i in sim and r.random() < .25:
                o = dict(sim[i])                    # the same again
            else:
                b = body(r)
                o = {"id": i, "title": b[:r.randint(0, 6)], "body": b}
            if i not in sim: ind += 1
            elif sim[i] == o: unch += 1
            else: rep += 1
            sim[i] = o
            docs.append(o)
        f = "run%d.jsonl" % run
        with open(os.path.join(d, f), "w", encoding="utf-8") as fh:
            for o in docs: fh.write(json.dumps(o, ensure_ascii=False) + "\n")
        state = sim
        dead += rep
        committed()
        plan.append("index %s %s %d %d %s" % (f, mem, bs, r.choice([1, 2]),
                                             "--no-substring" if nosub else ""))
        expect.append("%d indexed, %d replaced, %d unchanged," % (ind, rep, unch))
        # deletions after some runs: known ids, sometimes an unknown one
        if r.random() < .6 or run == n_runs - 1:
            known = sorted(state)
            # explicit: few, so that `compact` rather than the 25% rule
            # drops most of them
            k = r.randint(0, max(1, len(known) * (1 if mode == "explicit" and r.random() < .7 else 4) // 6))
            dels = r.sample(known, min(k, len(known)))
            nf = 1 if r.random() < .3 else 0
            for x in dels: del state[x]
            dead += len(dels)
            if dels or nf: committed()
            f = "del%d.txt" % run
            with open(os.path.join(d, f), "w") as fh:
                for x in dels + ["nosuch%d" % run] * nf: fh.write(x + "\n")
            if dels or nf:
                plan.append("delete %s" % f)
                expect.append("%d deleted, %d not found" % (len(dels), nf))
    explicit_dead = dead if mode == "explicit" else 0
    if mode == "explicit":
        plan.append("compact")
        expect.append("-")
        dead = 0
    with open(os.path.join(d, "final.jsonl"), "w", encoding="utf-8") as fh:
        for i in sorted(state):
            fh.write(json.dumps(state[i], ensure_ascii=False) + "\n")
    with open(os.path.join(d, "plan"), "w") as fh:
        for p, e in zip(plan, expect): fh.write("%s\t%s\n" % (p, e))
    with open(os.path.join(d, "info"), "w") as fh:
        fh.write("bs=%d ids=%d runs=%d mode=%s pending=%d autos=%d compacted=%d%s\n" %
                 (bs, n_ids, n_runs, mode, dead, autos, explicit_dead,
                  " nosub" if nosub else ""))
EOF
# verify.py BS DUMP...: the physical layout (`sagasu dump --blocks`) of a
# compacted index: no deleted posting and no df = 0 term is left, every
# chain is folded, every block but a term's last holds BS postings, and
# every bound (a block's and the term's max_tf and min_dl) and count (df,
# cf) is exact. Prints each DUMP's first violation, or nothing.
cat >"$TMP/verify.py" <<'EOF'
import sys
bs = int(sys.argv[1])
def check(rec, blocks):
    f = dict(x.split("=") for x in rec)
    if f["chain"] != "1": return "chain of %s elements" % f["chain"]
    if not blocks: return "no block (df=%s)" % f["df"]
    posts = []
    for i, (hdr, ps) in enumerate(blocks):
        h = dict(x.split("=") for x in hdr)
        n = int(h["n"])
        if n != len(ps) or n < 1 or n > bs or (i < len(blocks) - 1 and n != bs):
            return "block %d holds %d postings (block size %d)" % (i, n, bs)
        if any(p.startswith("-:") for p in ps):
            return "a deleted posting in block %d" % i
        tfs = [int(p.rsplit(":", 2)[1]) for p in ps]
        dls = [int(p.rsplit(":", 2)[2]) for p in ps]
        if int(h["max_tf"]) != max(tfs) or int(h["min_dl"]) != min(dls):
            return "block %d: %s, postings %s" % (i, " ".join(hdr), " ".join(ps))
        posts += list(zip(tfs, dls))
    if int(f["df"]) != len(posts) or int(f["cf"]) != sum(t for t, _ in posts):
        return "df=%s cf=%s for %d postings" % (f["df"], f["cf"], len(posts))
    if int(f["max_tf"]) != max(t for t, _ in posts) or \
       int(f["min_dl"]) != min(d for _, d in posts):
        return "bounds max_tf=%s min_dl=%s are not exact" % (f["max_tf"], f["min_dl"])
    return None
def verify(path):
    term, rec, blocks = None, None, []
    for line in list(open(path, encoding="utf-8", errors="replace")) + ["END\n"]:
        w = line.split()
        if line.startswith("n_dead ") and w[1] != "0":
            return "n_dead is %s" % w[1]
        if line.startswith("  B "):
            blocks.append((w[1:4], w[4:])); continue
        if term is not None:
            why = check(rec, blocks)
            if why:
                return "term %s: %s" % (term, why)
            term = None
        if line.startswith("T "):
            term, rec, blocks = w[1], w[2:], []
for path in sys.argv[2:]:
    why = verify(path)
    if why:
        print("%s: %s" % (path.rsplit("/", 1)[-1], why)); break
EOF
python3 "$TMP/gen.py" "$FAST" "$SEED" "$SCENARIOS"
check "scenarios: $SCENARIOS generated" "$SCENARIOS" "$(ls -d "$FAST"/s* | wc -l)"

# scenario I: runs the plan of $TMP/sI; prints nothing when all is well,
# otherwise the first thing that went wrong.
scenario() {
	local d=$FAST/s$1 idx=$FAST/s$1/idx step file mem bs want out rc
	while IFS=$'\t' read -r step want; do
		set -- $step
		case $1 in
		index)
			"$S" index -d "$idx" --mem "$3" --block-size "$4" --threads "$5" \
				${6:-} "$d/$2" 2>"$d/err"
			rc=$?
			[ $rc -eq 0 ] || { echo "index $2 exit $rc: $(cat "$d/err")"; return; }
			grep -q " $want" "$d/err" ||
				{ echo "index $2: want [$want], got: $(cat "$d/err")"; return; } ;;
		delete)
			if [ -s "$d/$2" ]; then
				xargs "$S" delete -d "$idx" <"$d/$2" 2>"$d/err"
			else
				echo "empty delete list"; return
			fi
			rc=$?
			[ $rc -eq 0 ] || { echo "delete $2 exit $rc: $(cat "$d/err")"; return; }
			grep -q "delete: $want" "$d/err" ||
				{ echo "delete $2: want [$want], got: $(cat "$d/err")"; return; } ;;
		compact)
			"$S" compact -d "$idx" 2>"$d/err" ||
				{ echo "compact exit $?: $(cat "$d/err")"; return; } ;;
		esac
	done <"$d/plan"
	"$S" stats -d "$idx" --json >"$d/st.json" 2>"$d/err" ||
		{ echo "stats: $(cat "$d/err")"; return; }
	out=$(jfield "$d/st.json" deleted_pending)
	# explicit: nothing pending after `compact`; auto: what the 25% rule
	# leaves (simulated by gen.py)
	want=$(sed -n 's/.*pending=\([0-9]*\).*/\1/p' "$d/info")
	[ "$out" = "$want" ] || { echo "deleted_pending $out, want $want"; return; }
	bs=$(sed -n 's/^bs=\([0-9]*\).*/\1/p' "$d/info")
	local nosub=
	grep -q nosub "$d/info" && nosub=--no-substring
	if [ -s "$d/final.jsonl" ]; then
		"$S" index -d "$d/fresh" --block-size "$bs" $nosub "$d/final.jsonl" 2>"$d/err" ||
			{ echo "fresh build: $(cat "$d/err")"; return; }
	else
		# no document left: an empty fresh index (one added and deleted)
		echo '{"id":"x","body":"空"}' >"$d/x.jsonl"
		"$S" index -d "$d/fresh" $nosub "$d/x.jsonl" 2>/dev/null &&
			"$S" delete -d "$d/fresh" x 2>/dev/null ||
			{ echo "empty fresh build failed"; return; }
	fi
	"$S" dump -d "$idx" >"$d/dump" 2>"$d/err" || { echo "dump: $(cat "$d/err")"; return; }
	"$S" dump -d "$d/fresh" >"$d/dump-fresh"
	cmp -s "$d/dump" "$d/dump-fresh" ||
		{ echo "dump differs from a fresh build's: $(diff "$d/dump" "$d/dump-fresh" | head -4 | tr '\n' ' ')"; return; }
	"$S" check -d "$idx" >"$d/err" 2>&1 || { echo "sagasu check: $(tail -2 "$d/err" | tr '\n' ' ')"; return; }
	# Compacting again changes nothing.
	"$S" compact -d "$idx" 2>"$d/err" || { echo "second compact: $(cat "$d/err")"; return; }
	"$S" dump -d "$idx" | cmp -s - "$d/dump-fresh" ||
		{ echo "the second compact changed the dump"; return; }
	# The physical layout, of the compacted index and (to prove the
	# verifier) of the fresh one.
	"$S" dump --blocks -d "$idx" >"$d/blocks" || { echo "dump --blocks failed"; return; }
	"$S" dump --blocks -d "$d/fresh" >"$d/blocks-fresh"
	out=$(python3 "$TMP/verify.py" "$bs" "$d/blocks" "$d/blocks-fresh")
	[ -z "$out" ] || { echo "layout (blocks: compacted, blocks-fresh: the verifier?): $out"; return; }
	# Is data.mdb shorter than LMDB's last page says (and opened anyway)?
	if command -v mdb_stat >/dev/null; then
		local used
		used=$(mdb_stat -e "$idx" | sed -n 's/^ *Number of pages used: //p')
		[ -n "$used" ] && [ $((used * 4096)) -gt "$(stat -c %s "$idx/data.mdb")" ] &&
			touch "$d/short"
	fi
}

t0=$(ms_now)
n_ok=0 n_auto=0 n_autos=0 n_expl=0 n_short=0 short_dir=
for i in $(seq 0 $((SCENARIOS - 1))); do
	res=$(scenario "$i")
	info=$(cat "$FAST/s$i/info")
	a=$(echo "$info" | sed -n 's/.*autos=\([0-9]*\).*/\1/p')
	[ "$a" -gt 0 ] && n_auto=$((n_auto + 1))
	n_autos=$((n_autos + a))
	a=$(echo "$info" | sed -n 's/.*compacted=\([0-9]*\).*/\1/p')
	[ "$a" -gt 0 ] && n_expl=$((n_expl + 1))
	if [ -z "$res" ]; then
		n_ok=$((n_ok + 1))
	else
		fail "scenario $i ($info): $res"
	fi
	if [ -f "$FAST/s$i/short" ]; then
		n_short=$((n_short + 1))
		[ -n "$short_dir" ] || { short_dir=$FAST/short; cp -a "$FAST/s$i/idx" "$short_dir"; }
	fi
	[ -z "$res" ] && rm -rf "$FAST/s$i"
done
check "scenarios: all $SCENARIOS compacted dumps = fresh dumps" "$SCENARIOS" "$n_ok"
[ "$n_auto" -ge $((SCENARIOS / 4)) ] && ok "scenarios: $n_auto of them compacted automatically ($n_autos automatic compactions)" ||
	fail "scenarios: only $n_auto of $SCENARIOS compacted automatically"
[ "$n_expl" -ge $((SCENARIOS / 5)) ] && ok "scenarios: in $n_expl of them \`sagasu compact\` dropped deleted postings" ||
	fail "scenarios: only $n_expl explicit compactions had deleted postings to drop"
echo "     scenarios: $(( $(ms_now) - t0 )) ms"

# ------------------------------------------------------------ short files
# The embedded corpus of tests/cli/index.sh, then compact: the reproduction
# of issue 10 (the index it left was refused as truncated).
R=$FAST/repro
gen_small300 "$R.jsonl"
head -n 120 "$R.jsonl" >"$R.1"
{ tail -n +121 "$R.jsonl"; head -n 30 "$R.jsonl"; } >"$R.2"
tail -n +121 "$R.jsonl" | head -n 30 | sed 's/"body": "/"body": "追記された文章です。/' >"$R.3"
"$S" index -d "$R" --block-size 3 --mem 4k --threads 2 "$R.1" 2>/dev/null &&
	"$S" index -d "$R" --mem 4k "$R.2" 2>/dev/null &&
	"$S" index -d "$R" --mem 4k "$R.3" 2>/dev/null &&
	tail -n 15 "$R.jsonl" | sed 's/.*"id": "\([^"]*\)".*/\1/' | xargs "$S" delete -d "$R" 2>/dev/null
check "issue 10 reproduction: the runs" 0 $?
"$S" compact -d "$R" 2>"$R.err"
check "issue 10 reproduction: compact exit" 0 $?
"$S" dump -d "$R" >"$R.dump" 2>"$R.err"
check "issue 10 reproduction: the compacted index opens [$(head -c 200 "$R.err")]" 0 $?

# LMDB's last page can lie past the end of data.mdb when the newest pages
# were freed before ever being written (a compaction frees many): such an
# index must open. Count the compacted indexes (the scenarios', the one
# above) whose file is that short: the case the old check refused.
if command -v mdb_stat >/dev/null; then
	used=$(mdb_stat -e "$R" | sed -n 's/^ *Number of pages used: //p')
	if [ -n "$used" ] && [ $((used * 4096)) -gt "$(stat -c %s "$R/data.mdb")" ]; then
		n_short=$((n_short + 1))
		[ -n "$short_dir" ] || short_dir=$R
		echo "     issue 10 reproduction: data.mdb has $(($(stat -c %s "$R/data.mdb") / 4096)) pages, LMDB's last page is $((used - 1))"
	fi
	[ "$n_short" -ge 1 ] && ok "short data.mdb: $n_short compacted indexes open though LMDB's last page lies past the file's end" ||
		fail "short data.mdb: no compacted index was short (the case is not reached)"
else
	echo "SKIP short data.mdb: mdb_stat (lmdb-utils) is not installed"
fi

# Cutting such a file at page boundaries: each cut is either refused as
# truncated (exit 1, a message, no signal) or, when only free pages went,
# opens and dumps as before. Never SIGBUS.
if command -v mdb_stat >/dev/null && [ -n "$short_dir" ]; then
	size=$(stat -c %s "$short_dir/data.mdb")
	"$S" dump --blocks -d "$short_dir" >"$FAST/short.blocks"
	n_ref=0 n_open=0 bad=0
	for cut in 1 2 3 4 5 6 8 10 12 16 24 32 48 64 96 128; do
		c=$FAST/cut
		rm -rf "$c" && cp -a "$short_dir" "$c"
		[ $((cut * 4096)) -lt "$size" ] || break
		truncate -s $((size - cut * 4096)) "$c/data.mdb"
		"$S" dump --blocks -d "$c" >"$FAST/cut.blocks" 2>"$FAST/cut.err"
		rc=$?
		if [ $rc -eq 1 ] && grep -q "is truncated" "$FAST/cut.err"; then
			n_ref=$((n_ref + 1))
		elif [ $rc -eq 0 ] && cmp -s "$FAST/cut.blocks" "$FAST/short.blocks"; then
			n_open=$((n_open + 1))
		else
			bad=$((bad + 1))
			fail "cut by $cut pages: exit $rc: $(head -c 300 "$FAST/cut.err")"
		fi
	done
	[ $bad -eq 0 ] && [ $n_ref -ge 1 ] &&
		ok "cuts of a short data.mdb: $n_ref refused as truncated, $n_open (free pages only) open whole, no crash" ||
		fail "cuts of a short data.mdb: $bad bad, $n_ref refused"
fi

# ------------------------------------------------------------ SIGKILL
# A compaction is one LMDB write transaction: killed at any moment, the
# index is the one before it or the one after it, byte for byte in its
# physical layout (`dump --blocks`; the plain dump hides deleted postings,
# so it is the same before and after).
K=$FAST/kill
python3 - "$K.jsonl" "$K.del" <<'EOF'
import json, random, sys
r = random.Random(5)
SENT = ["東京都の天気は晴れ", "大阪で会議がありました", "京都の寺を訪ねる",
        "猫が窓辺で眠っている", "新しい検索エンジンを作る", "日本語の形態素解析",
        "花粉症で鼻水が止まらない", "電車が遅れて困った", "今日は寿司を食べた"]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(12000):
        b = "。".join(r.choice(SENT) for _ in range(3)) + " 番号%d" % i
        f.write(json.dumps({"id": "k%05d" % i, "body": b}, ensure_ascii=False) + "\n")
with open(sys.argv[2], "w") as f:      # a fifth: under the 25% of auto-compaction
    for i in range(0, 12000, 5): f.write("k%05d\n" % i)
EOF
"$S" index -d "$K.base" --block-size 2 "$K.jsonl" 2>/dev/null &&
	xargs "$S" delete -d "$K.base" <"$K.del" 2>/dev/null
check "sigkill: the base index, a fifth deleted" 0 $?
"$S" dump --blocks -d "$K.base" >"$K.before"
rm -rf "$K.after" && cp -a "$K.base" "$K.after"
t0=$(ms_now)
"$S" compact -d "$K.after" 2>/dev/null
check "sigkill: an uninterrupted compaction" 0 $?
full_ms=$(($(ms_now) - t0))
[ "$full_ms" -ge 20 ] || full_ms=20
"$S" dump --blocks -d "$K.after" >"$K.after.blocks"
cmp -s "$K.before" "$K.after.blocks" && fail "sigkill: the compaction changed nothing" ||
	ok "sigkill: a compaction takes $full_ms ms and changes the layout"
n_before=0 n_after=0 killed=0
for trial in $(seq 1 "$KILL_TRIALS"); do
	k=$FAST/kt
	rm -rf "$k" && cp -a "$K.base" "$k"
	ms=$((RANDOM % (full_ms + full_ms / 4) + 1))
	"$S" compact -d "$k" 2>/dev/null &
	pid=$!
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null
	if ! "$S" dump --blocks -d "$k" >"$k.blocks" 2>"$k.err"; then
		fail "sigkill $trial (at $ms ms): the index does not open: $(cat "$k.err")"
	elif cmp -s "$k.blocks" "$K.before"; then
		n_before=$((n_before + 1))
		# the next compaction finishes the job
		"$S" compact -d "$k" 2>/dev/null && "$S" dump --blocks -d "$k" | cmp -s - "$K.after.blocks" ||
			fail "sigkill $trial (at $ms ms): compacting again does not reach the after state"
	elif cmp -s "$k.blocks" "$K.after.blocks"; then
		n_after=$((n_after + 1))
	else
		fail "sigkill $trial (at $ms ms): neither the state before nor after: $(diff "$k.blocks" "$K.before" | head -3 | tr '\n' ' ')"
	fi
done
check "sigkill: $KILL_TRIALS trials, each the state before ($n_before) or after ($n_after)" "$KILL_TRIALS" $((n_before + n_after))
if [ "$KILL_TRIALS" -gt 0 ]; then
	[ "$killed" -ge 1 ] && [ "$n_before" -ge 1 ] && ok "sigkill: $killed runs were killed before finishing" ||
		fail "sigkill: no run was killed mid-way ($killed killed, $n_before before)"
fi

# A compaction that fails (a full map that may not grow, an allocation
# that fails at any point) leaves the state before it, and says why.
F=$FAST/fail
"$S" index -d "$F.base" --block-size 2 "$R.jsonl" 2>/dev/null &&
	sed -n 's/.*"id": "\(g[0-9]*[05]\)".*/\1/p' "$R.jsonl" | xargs "$S" delete -d "$F.base" 2>/dev/null
check "failing compaction: the base index, a fifth deleted" 0 $?
"$S" dump --blocks -d "$F.base" >"$F.before"
rm -rf "$F.ok" && cp -a "$F.base" "$F.ok" && "$S" compact -d "$F.ok" 2>/dev/null
"$S" dump --blocks -d "$F.ok" >"$F.after"
rm -rf "$F.m" && cp -a "$F.base" "$F.m"
SAGASU_TEST_MAX_MAPSIZE=$(stat -c %s "$F.m/data.mdb") "$S" compact -d "$F.m" 2>"$F.err"
check "full map during compact: exit 1" 1 $?
grep -q "map of .* is full" "$F.err" && ok "full map during compact: the cause is named" ||
	fail "full map during compact: $(cat "$F.err")"
"$S" dump --blocks -d "$F.m" | cmp -s - "$F.before"
check "full map during compact: the index is the state before" 0 $?
n_fail=0 n_done=0 bad=0
for n in 1 2 5 10 20 50 100 200 300 500 800 1200 2000 3000 5000; do
	rm -rf "$F.a" && cp -a "$F.base" "$F.a"
	SAGASU_TEST_FAIL_ALLOC=$n "$S" compact -d "$F.a" 2>"$F.err"
	rc=$?
	"$S" dump --blocks -d "$F.a" >"$F.now" 2>/dev/null
	if [ $rc -eq 1 ] && grep -q "out of memory" "$F.err" && cmp -s "$F.now" "$F.before"; then
		n_fail=$((n_fail + 1))
	elif [ $rc -eq 0 ] && cmp -s "$F.now" "$F.after"; then
		n_done=$((n_done + 1))
	else
		bad=$((bad + 1))
		fail "allocation $n fails during compact: exit $rc, $(head -c 200 "$F.err")"
	fi
done
[ $bad -eq 0 ] && [ $n_fail -ge 3 ] &&
	ok "allocation failures during compact: $n_fail failed leaving the state before, $n_done finished" ||
	fail "allocation failures during compact: $bad bad, $n_fail failed"

finish compact
