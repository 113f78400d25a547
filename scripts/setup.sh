#!/usr/bin/env bash
# Installs what sagasu needs to build and test, from Debian's packages, and
# says what it installs. As root it runs apt-get; otherwise it prints the
# exact command and exits 1.
# Usage: scripts/setup.sh [build|ci|demo|bench]   install a set
#        scripts/setup.sh --list [SET]            print a set, one package a line
# Each set includes build. build is what `make test` needs: the compiler and
# libraries, and every program the test suites call (tests/cli/setup.sh
# checks that no suite calls a program that none of these packages provides):
#   mecab          the mecab command (tokenize.sh compares against it)
#   mecab-utils    mecab-dict-index, which `index --user-dict` runs (variants.sh)
#   manpages-ja groff-base   variants.sh renders the demo corpus (every ー word
#                  spelt both ways finds the same pages)
#   python3        the suites' checkers and tests/bm25_ref.py
#   lmdb-utils     mdb_dump, mdb_load, mdb_stat (faults.sh edits an index with them)
#   valgrind       `make check-valgrind` (tests/run.sh with VALGRIND=1)
#   mandoc man-db bsdextrautils zsh   man.sh: mandoc -Tlint, man -l and col
#                  render the page, zsh -n parses the zsh completion
#   bsdutils       script (conventions.sh drives search on a terminal); Essential
#                  in Debian, named so that the dependency is written down
#   libmicrohttpd-dev  the HTTP library of `sagasu serve`
#   curl chromium  serve.sh: the API over HTTP, the page in a headless browser
#                  (the browser case is skipped, with a notice, without it)
# ci adds what .ci/run and tests/fuzz/run.sh call: clang with its sanitizer
# and libFuzzer runtimes, cppcheck.
set -euo pipefail

build=(build-essential pkg-config libmecab-dev mecab mecab-utils mecab-ipadic-utf8 liblmdb-dev
       libxxhash-dev libutf8proc-dev libjansson-dev libcmocka-dev libzstd-dev
       python3 lmdb-utils valgrind mandoc man-db bsdextrautils zsh
       manpages-ja groff-base   # variants.sh: the demo corpus
       python3-jsonschema   # tests/cli/output.sh validates docs/search.schema.json
       bsdutils
       libmicrohttpd-dev    # sagasu serve's HTTP server (the CLI links it)
       curl                 # tests/cli/serve.sh talks to the server
       chromium)            # tests/cli/serve.sh renders the search page headless
ci=(clang libclang-rt-14-dev cppcheck)
demo=(manpages-ja groff-base man-db python3)
bench=("${demo[@]}" libreoffice-help-ja debian-reference-ja gimp-help-ja
       groonga-bin groonga-tokenizer-mecab libxapian-dev libsqlite3-dev g++
       gnuplot-nox procps
       wrk)                 # bench/serve_bench.sh: HTTP load over loopback

list=0
if [ "${1:-}" = --list ]; then list=1; shift; fi
set_name=${1:-build}
want=("${build[@]}")
case "$set_name" in
  build) ;;
  ci)    want+=("${ci[@]}") ;;
  demo)  want+=("${demo[@]}") ;;
  bench) want+=("${bench[@]}") ;;
  *) echo "setup.sh: unknown set '$set_name' (build, ci, demo or bench)" >&2; exit 2 ;;
esac
mapfile -t want < <(printf '%s\n' "${want[@]}" | awk '!seen[$0]++')
if [ $list = 1 ]; then printf '%s\n' "${want[@]}"; exit 0; fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: the ${#want[@]} packages of set '$set_name' are installed" >&2
  exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "sagasu needs these Debian packages: ${missing[*]}" >&2
  echo "run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: installed ${missing[*]}" >&2
