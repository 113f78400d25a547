#!/usr/bin/env bash
# Every program a test calls is installed by scripts/setup.sh: the suites
# (tests/cli/*.sh, tests/run.sh, tests/*.py) against its build set, which
# `make test` installs; .ci/run and tests/fuzz/run.sh against its ci set.
# tests/commands.py finds the command words and asks dpkg which package owns
# each; a package counts when setup.sh lists it, a listed package depends on
# it, or Debian makes it Essential / priority required. Self-checks first show
# that the checker can fail. Last, tests/run.sh must count a suite that ran no
# check as a failure. Run by tests/run.sh; prints "setup: N passed, N failed".
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")/../.." && pwd)
C="$HERE/tests/commands.py"

# report LABEL: ok/fail per line of commands.py output
report() {
	local st prog where why
	while IFS=$'\t' read -r st prog where why; do
		case "$st" in
		ok) ok "$1: $prog: $where, $why" ;;
		MISSING) fail "$1: $prog (called at $where): $why: add its package to scripts/setup.sh" ;;
		*) fail "$1: unexpected line from commands.py: $st $prog $where $why" ;;
		esac
	done
}

# ---- self-checks: the parser finds command words, and only those
cat >"$TMP/fake.sh" <<'EOF'
#!/usr/bin/env bash
x=$(fake_a arg) arr=(fake_not_1 "fake_not_2")
if fake_b -q; then :; fi
echo fake_not_3 | fake_c >/dev/null 2>&1 && fake_d || ! fake_e
xargs fake_f <list; command -v fake_g >/dev/null; timeout 5 fake_h x
python3 - <<'PY'
fake_not_4
PY
fake_fn() { fake_i "$@"; }
fake_fn
case "$x" in fake_not_5) fake_j ;; *) "$VAR" fake_not_6 ;; esac
for w in fake_not_7 fake_not_8; do fake_k "$(fake_l <(fake_m))"; done
trap 'fake_n "$TMP"' EXIT
timeout -s KILL 5 fake_o; xargs -n 1 fake_p </dev/null; flock -w 3 "$f" fake_q
[[ $x =~ ^(fake_not_9|fake_not_10)$ ]] && fake_r
function fake_fn2 { fake_s; }
fake_fn2
EOF
got=$(python3 "$C" --list --packages "" "$TMP/fake.sh" | cut -f1 | tr '\n' ' ')
check "self-check: the command words of a tricky script" \
	"fake_a fake_b fake_c fake_d fake_e fake_f fake_g fake_h fake_i fake_j fake_k fake_l fake_m fake_n fake_o fake_p fake_q fake_r fake_s flock python3 timeout xargs " \
	"$got"

# ---- self-check: a program that does not exist is reported, and fails
cat >"$TMP/fake2.sh" <<'EOF'
sagasu-no-such-program-7f3a --version
grep -q x /dev/null
EOF
python3 "$C" --packages "$("$HERE/scripts/setup.sh" --list build)" "$TMP/fake2.sh" >"$TMP/fake2.out" 2>&1
check "self-check: an unknown program makes the check fail" 1 $?
check "self-check: it names the program" "MISSING sagasu-no-such-program-7f3a" \
	"$(awk -F'\t' '$1 == "MISSING" { print $1, $2 }' "$TMP/fake2.out")"
check "self-check: grep counts as Essential" "ok grep" "$(awk -F'\t' '$1 == "ok" { print $1, $2 }' "$TMP/fake2.out")"

# ---- self-check: an installed program whose package the set lacks is reported
python3 "$C" --packages "$("$HERE/scripts/setup.sh" --list build | grep -vx lmdb-utils)" \
	"$HERE/tests/cli/lib.sh" "$HERE/tests/cli/faults.sh" >"$TMP/nolmdb.out" 2>&1
check "self-check: without lmdb-utils in the set, faults.sh's mdb_dump and mdb_load are missing" \
	"mdb_dump mdb_load" "$(awk -F'\t' '$1 == "MISSING" { print $2 }' "$TMP/nolmdb.out" | tr '\n' ' ' | sed 's/ $//')"

# ---- the real scripts
python3 "$C" --packages "$("$HERE/scripts/setup.sh" --list build)" \
	"$HERE"/tests/cli/*.sh "$HERE/tests/run.sh" "$HERE"/tests/*.py >"$TMP/build.out" 2>&1
rc=$?
report "build set" <"$TMP/build.out"
check "build set: commands.py exit status" 0 $rc
python3 "$C" --packages "$("$HERE/scripts/setup.sh" --list ci)" \
	"$HERE/.ci/run" "$HERE/tests/fuzz/run.sh" >"$TMP/ci.out" 2>&1
rc=$?
report "ci set" <"$TMP/ci.out"
check "ci set: commands.py exit status" 0 $rc

# ---- tests/run.sh counts a suite that checked nothing as a failure
R=$TMP/runsh
mkdir -p "$R/tests/cli" "$R/build/tests"
cp "$HERE/tests/run.sh" "$R/tests/" && cp "$HERE/tests/cli/lib.sh" "$R/tests/cli/"
printf '. "$(dirname "$0")/lib.sh"\nok one\nfinish one\n' >"$R/tests/cli/one.sh"
printf '. "$(dirname "$0")/lib.sh"\nfinish zero\n' >"$R/tests/cli/zero.sh"
printf 'echo no summary\n' >"$R/tests/cli/silent.sh"
(unset SHARED; BUILD=build bash "$R/tests/run.sh") >"$TMP/runsh.out" 2>&1
check "run.sh: a suite with no check, and one with no count, make it fail" 1 $?
check "run.sh: the totals count both as failures" "1 passed, 2 failed" "$(tail -1 "$TMP/runsh.out")"
grep -q "zero.sh reported 0 passed: a suite must run checks" "$TMP/runsh.out" &&
	ok "run.sh: the message names the suite that ran 0 checks" ||
	fail "run.sh: no message for zero.sh: $(cat "$TMP/runsh.out")"

finish setup
