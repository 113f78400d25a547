#!/usr/bin/env bash
# Installs what sagasu needs to build and test, from Debian's packages.
# As root it runs apt-get; otherwise it prints the exact command and exits 1.
# Usage: scripts/setup.sh [build|demo|bench]   (each set includes the previous)
set -euo pipefail

want=(build-essential pkg-config libmecab-dev mecab mecab-ipadic-utf8 liblmdb-dev
      libxxhash-dev libutf8proc-dev libjansson-dev libcmocka-dev libzstd-dev)
want+=(mandoc)  # tests/cli/man.sh lints man/sagasu.1 with mandoc -Tlint
case "${1:-build}" in
  build) ;;
  demo)  want+=(manpages-ja groff-base man-db python3) ;;
  bench) want+=(manpages-ja groff-base man-db python3 libreoffice-help-ja debian-reference-ja gimp-help-ja
                groonga-bin groonga-tokenizer-mecab libxapian-dev libsqlite3-dev g++
                gnuplot-nox) ;;
  *) echo "setup.sh: unknown set '$1' (build, demo or bench)" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

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
