# bash completion for sagasu(1): the subcommands, each one's options, the
# values of --format, directories for -d/--dir/--dicdir and files for the
# inputs of `index` and --queries. Installed by `make install` as
# $(BASHCOMPDIR)/sagasu; to try it from the tree: source completions/sagasu.bash
#
# Keep the option lists in step with cli/*.c and man/sagasu.1
# (tests/cli/install.sh checks that every subcommand is offered).

# _sagasu_paths -d|-f WORD: directories or files, names with spaces kept whole
_sagasu_paths()
{
	local IFS=$'\n'

	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen "$1" -- "$2"))
}

_sagasu()
{
	local cur prev sub opts

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	if [ "$COMP_CWORD" -le 1 ]; then
		COMPREPLY=($(compgen -W "tokenize index delete compact stats dump
			search bench check serve help --help --version" -- "$cur"))
		return 0
	fi
	sub=${COMP_WORDS[1]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The value of an option.
	case $prev in
	-d|--dir|--dicdir)
		_sagasu_paths -d "$cur"
		return 0 ;;
	--queries|--user-dict|--synonyms)
		_sagasu_paths -f "$cur"
		return 0 ;;
	--format)
		case $sub in
		index)  COMPREPLY=($(compgen -W "jsonl files lines" -- "$cur")) ;;
		search) COMPREPLY=($(compgen -W "text json tsv trec" -- "$cur")) ;;
		stats|tokenize|bench)
			COMPREPLY=($(compgen -W "text json" -- "$cur")) ;;
		esac
		return 0 ;;
	--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return 0 ;;
	--count)
		COMPREPLY=($(compgen -W "exact 10000" -- "$cur"))
		return 0 ;;
	--highlight)
		COMPREPLY=($(compgen -W "html" -- "$cur"))
		return 0 ;;
	--variants)
		COMPREPLY=($(compgen -W "choon kana v hyphen none" -- "$cur"))
		return 0 ;;
	--fields|--threads|--mem|--block-size|-k|--k1|--b|--snippet|\
	--prefix-cap|--repeat|--warmup|--offset|--listen|--max-connections|\
	--timeout|--max-query|--max-k|--field)
		return 0 ;;
	esac

	local index="-d --dir --keep-all --dicdir --variants -h --help --version"
	case $sub in
	tokenize) opts="--format --json --lines -d --dir --keep-all --dicdir --variants -h --help
		  --version" ;;
	index)    opts="$index --format --fields --columns --threads --mem --block-size
		  --no-substring --user-dict -q --quiet" ;;
	delete|compact) opts="$index -q --quiet" ;;
	check)    opts=$index ;;
	dump)     opts="$index --blocks" ;;
	stats)    opts="$index --format --json" ;;
	search)   opts="$index -k --or --format --json --explain --exhaustive
		  --k1 --b --snippet --prefix-cap --count --highlight --queries --color
		  --offset --sort --filter --synonyms --weights -q --quiet" ;;
	serve)    opts="$index --listen --threads --max-connections --timeout
		  --max-query --max-k --field --synonyms -q --quiet" ;;
	bench)    opts="$index --queries -k --or --exhaustive --explain --k1 --b
		  --snippet --prefix-cap --count --repeat --warmup --threads --verify --profile
		  --sort --filter --synonyms --weights --format --json -q --quiet" ;;
	*)        return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [ "$sub" = index ]; then
		_sagasu_paths -f "$cur"
	fi
	return 0
}
complete -F _sagasu sagasu
