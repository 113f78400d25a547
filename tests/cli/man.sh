#!/usr/bin/env bash
# man/sagasu.1 and the shell completions against the CLI itself: the page
# lints clean with mandoc -Tlint and renders; every subcommand `sagasu --help`
# lists has its section in the page; every long option that a subcommand's
# --help shows appears in the page, in the bash completion (offered after
# `sagasu SUB --`) and in the zsh completion.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PAGE=$ROOT/man/sagasu.1
BASHCOMP=$ROOT/completions/sagasu.bash
ZSHCOMP=$ROOT/completions/_sagasu

# --- the page itself
if command -v mandoc >/dev/null; then
	out=$(mandoc -Tlint "$PAGE" 2>&1)
	check "mandoc -Tlint is clean" "0:" "$?:$out"
	mandoc -Tascii "$PAGE" 2>/dev/null | col -bx >"$TMP/page.txt"
else
	fail "mandoc is not installed (scripts/setup.sh build installs it)"
	: >"$TMP/page.txt"
fi
if command -v man >/dev/null; then
	if man -l "$PAGE" 2>/dev/null | grep -q 'sagasu'; then
		ok "man -l renders the page"
	else
		fail "man -l does not render the page"
	fi
else
	echo "SKIP man is not installed: man -l is not tried"
fi
check "the page lists the exit statuses" "0 1 2 3 130 70" \
	"$(sed -n '/^EXIT STATUS/,/^EXAMPLES/p' "$TMP/page.txt" |
	   grep -oE '^ +[0-9]+ ' | tr -d ' ' | tr '\n' ' ' | sed 's/ $//')"

# --- the subcommands: from the top-level help, "  NAME  summary" lines
"$SAGASU" --help >"$TMP/help" 2>&1
subs=$(sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' "$TMP/help")
check "sagasu --help lists subcommands" "yes" "$([ -n "$subs" ] && echo yes)"

# bash: the words offered for `sagasu WORD...` at position CWORD
complete_bash() {
	bash -c 'source "$1"; shift; COMP_CWORD=$1; shift; COMP_WORDS=("$@");
		 _sagasu; echo "${COMPREPLY[*]}"' _ "$BASHCOMP" "$@"
}
top=$(complete_bash 1 sagasu "")

for sub in $subs; do
	if grep -q "^\.Ss $sub\$" "$PAGE"; then
		ok "man: section for $sub"
	else
		fail "man: no '.Ss $sub' section"
	fi
	case " $top " in
	*" $sub "*) ok "bash: offers $sub" ;;
	*) fail "bash: does not offer $sub (offers: $top)" ;;
	esac
	if grep -q "'$sub:" "$ZSHCOMP"; then ok "zsh: offers $sub"; else fail "zsh: does not offer $sub"; fi

	# Every long option the subcommand's --help shows.
	"$SAGASU" "$sub" --help >"$TMP/sub" 2>&1
	opts=$(grep -oE -- '--[a-z][a-z0-9-]*' "$TMP/sub" | sort -u)
	[ -n "$opts" ] || opts=--help
	offered=$(complete_bash 2 sagasu "$sub" --)
	miss_man= miss_bash= miss_zsh=
	for o in $opts; do
		grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|\$)" "$TMP/page.txt" ||
			miss_man="$miss_man $o"
		case " $offered " in *" $o "*) ;; *) miss_bash="$miss_bash $o" ;; esac
		grep -qE -- "[{,')*]$o[],}[]" "$ZSHCOMP" || miss_zsh="$miss_zsh $o"
	done
	check "man: every option of '$sub --help'" "" "$miss_man"
	check "bash: every option of '$sub --help'" "" "$miss_bash"
	check "zsh: every option of '$sub --help'" "" "$miss_zsh"
done

# --- bash completion, by hand
check "bash: 'se' completes to search serve" "search serve" "$(complete_bash 1 sagasu se)"
check "bash: search --ex" "--explain --exhaustive" "$(complete_bash 2 sagasu search --ex)"
check "bash: index --format" "jsonl files lines" "$(complete_bash 3 sagasu index --format "")"
check "bash: search --format" "text json tsv trec" "$(complete_bash 3 sagasu search --format "")"
mkdir -p "$TMP/cwd/idx-a" "$TMP/cwd/idx-b"
: >"$TMP/cwd/idx-file"
check "bash: -d completes directories only" "idx-a idx-b" \
	"$(cd "$TMP/cwd" && complete_bash 3 sagasu search -d idx | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
check "bash: no completion of query words" "" "$(complete_bash 4 sagasu search -d x 東)"

# --- zsh completion: at least it parses
if command -v zsh >/dev/null; then
	if zsh -n "$ZSHCOMP" 2>"$TMP/zerr"; then ok "zsh -n _sagasu"; else fail "zsh -n: $(cat "$TMP/zerr")"; fi
else
	echo "SKIP zsh is not installed: _sagasu is not parsed"
fi

finish man
