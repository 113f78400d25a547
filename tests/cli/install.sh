#!/usr/bin/env bash
# `make install` into a temporary prefix: every file where it belongs; a C
# program built with `pkg-config --cflags --libs sagasu` runs against the
# installed libsagasu.so (and, with `pkg-config --static`, against
# libsagasu.a) on a fresh index; the shared library exports exactly the
# functions of sagasu.h; DESTDIR and LIBDIR are honoured and kept out of
# sagasu.pc; `make uninstall` leaves no file behind and only removes its own.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
VERSION=$(sed -n 's/^#define SAGASU_VERSION "\(.*\)"/\1/p' "$ROOT/include/sagasu.h")
MAJOR=${VERSION%%.*}
P=$TMP/prefix

# make in the source tree, with the build directory tests/run.sh uses (the
# objects are already built: nothing is compiled again).
mk() { make -C "$ROOT" --no-print-directory BUILD="$BUILD" "$@" >>"$TMP/make.log" 2>&1; }

if mk install DESTDIR= PREFIX="$P"; then
	ok "make install PREFIX=\$TMP/prefix"
else
	fail "make install: $(tail -5 "$TMP/make.log")"
fi

# --- the files
for f in bin/sagasu include/sagasu.h lib/libsagasu.a "lib/libsagasu.so.$VERSION" \
	 lib/pkgconfig/sagasu.pc share/man/man1/sagasu.1 \
	 share/bash-completion/completions/sagasu share/zsh/site-functions/_sagasu; do
	if [ -f "$P/$f" ] && [ ! -L "$P/$f" ]; then ok "installed $f"; else fail "missing $f"; fi
done
check "bin/sagasu is executable" "yes" "$([ -x "$P/bin/sagasu" ] && echo yes)"
check "soname link" "libsagasu.so.$VERSION" "$(readlink "$P/lib/libsagasu.so.$MAJOR")"
check "dev link" "libsagasu.so.$MAJOR" "$(readlink "$P/lib/libsagasu.so")"
check "installed sagasu --version" "sagasu $VERSION" "$("$P/bin/sagasu" --version 2>&1)"
check "SONAME" "libsagasu.so.$MAJOR" \
	"$(readelf -d "$P/lib/libsagasu.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"

# --- the shared library exports sagasu.h's functions, and nothing else
declared=$(cc -E -P "$ROOT/include/sagasu.h" |
	   grep -oE '\bsg_[a-z0-9_]+ *\(' | tr -d ' (' | sort -u)
exported=$(nm -D --defined-only "$P/lib/libsagasu.so.$VERSION" | awk '{ print $NF }' | sort -u)
# A sanitizer build adds its own instrumentation symbols (__asan_*, ...).
exported=$(echo "$exported" | grep -vE '^_{2,}(asan|ubsan|sanitizer|odr_asan)' )
check "nm -D: only sg_* exported" "" "$(echo "$exported" | grep -v '^sg_')"
check "nm -D: exactly the functions of sagasu.h" "$declared" "$exported"
check "sagasu.h declares the alloc test hooks" "sg_test_alloc_failures sg_test_fail_alloc" \
	"$(echo "$declared" | grep '^sg_test_' | tr '\n' ' ' | sed 's/ $//')"
check "nm -D: an internal function is hidden" "" \
	"$(nm -D --defined-only "$P/lib/libsagasu.so.$VERSION" | grep -w sg_malloc)"

# --- a program against the installed library
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
check "pkg-config --modversion" "$VERSION" "$(pkg-config --modversion sagasu 2>&1)"
check "pkg-config --cflags names the include dir" "-I$P/include" \
	"$(pkg-config --cflags sagasu 2>&1 | tr ' ' '\n' | grep -- "^-I$P/")"
check "pkg-config --libs" "-L$P/lib -lsagasu" "$(pkg-config --libs sagasu 2>&1 | sed 's/ *$//')"

cat >"$TMP/prog.c" <<'PROG'
/* Opens a fresh index, adds two documents, commits, and prints the ids of
 * the hits of each query given after the index directory. */
#include <stdio.h>
#include <string.h>

#include <sagasu.h>

static int fail(const char *what, const sg_error *err)
{
	fprintf(stderr, "prog: %s: %s\n", what, err->msg);
	return 1;
}

static int add(sg_writer *w, const char *id, const char *title,
	       const char *body, sg_error *err)
{
	sg_slice texts[2];
	sg_doc doc;

	memset(&doc, 0, sizeof(doc));
	doc.id.ptr = id;
	doc.id.len = strlen(id);
	doc.title.ptr = title;
	doc.title.len = strlen(title);
	texts[0] = doc.title;
	texts[1].ptr = body;
	texts[1].len = strlen(body);
	doc.texts = texts;
	doc.n_texts = 2;
	return sg_writer_add(w, &doc, err);
}

int main(int argc, char **argv)
{
	sg_index_options io = SG_INDEX_OPTIONS_INIT;
	sg_search_options so = SG_SEARCH_OPTIONS_INIT;
	sg_error err = SG_ERROR_INIT;
	sg_index *idx;
	sg_writer *w;
	sg_searcher *s;
	int i, status = 0;

	if (argc < 3)
		return 2;
	io.create = 1;
	if (sg_index_open(argv[1], &io, &idx, &err) != SG_OK)
		return fail("open", &err);
	if (sg_writer_open(idx, NULL, &w, &err) != SG_OK ||
	    add(w, "tokyo", "東京の旅", "東京タワーに登って東京湾を見た", &err) ||
	    add(w, "osaka", "大阪の旅", "大阪城の近くで東京の友達に会った", &err) ||
	    sg_writer_commit(w, &err) != SG_OK)
		return fail("index", &err);
	sg_writer_free(w);
	if (sg_searcher_open(idx, &s, &err) != SG_OK)
		return fail("searcher", &err);
	for (i = 2; i < argc; i++) {
		sg_results *r;
		size_t j;

		if (sg_search(s, argv[i], strlen(argv[i]), &so, &r, &err)) {
			status = fail(argv[i], &err);
			continue;
		}
		printf("%s:", argv[i]);
		for (j = 0; j < r->n_hits; j++)
			printf(" %.*s", (int)r->hits[j].id.len, r->hits[j].id.ptr);
		printf("\n");
		sg_results_free(r);
	}
	sg_searcher_free(s);
	sg_index_close(idx);
	return status;
}
PROG

# The library of a sanitizer build needs the program built the same way.
TCC=cc SAN=
if nm -u "$P/lib/libsagasu.a" 2>/dev/null | grep -q '__asan_'; then
	TCC=clang SAN="-fsanitize=address,undefined"
fi
want=$(printf '%s\n' "東京: tokyo osaka" "大阪城: osaka" "タワー -大阪: tokyo" "京都:")

# shellcheck disable=SC2046  # pkg-config's words are meant to split
if $TCC -std=c11 -Wall -Wextra -Werror $SAN -o "$TMP/prog" "$TMP/prog.c" \
	$(pkg-config --cflags --libs sagasu) 2>"$TMP/cc.err"; then
	ok "cc prog.c \$(pkg-config --cflags --libs sagasu)"
else
	fail "cc with pkg-config: $(head -5 "$TMP/cc.err")"
fi
out=$(LD_LIBRARY_PATH="$P/lib" "$TMP/prog" "$TMP/idx1" 東京 大阪城 'タワー -大阪' 京都 2>&1)
check "prog against libsagasu.so: hits" "$want" "$out"
check "prog is linked against the installed libsagasu.so.$MAJOR" \
	"libsagasu.so.$MAJOR => $P/lib/libsagasu.so.$MAJOR" \
	"$(LD_LIBRARY_PATH="$P/lib" ldd "$TMP/prog" | grep -o "libsagasu[^ ]* => [^ ]*")"
check "prog has no copy of the library" "" "$(nm "$TMP/prog" | grep ' T sg_search$')"
check "the index prog made is one sagasu reads" "東京の旅" \
	"$("$P/bin/sagasu" search -d "$TMP/idx1" --format json タワー |
	   python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"][0]["title"])' 2>&1)"

# Static: pkg-config --static names what libsagasu.a needs; -l: picks the .a.
# shellcheck disable=SC2046
if $TCC -std=c11 -Wall -Wextra -Werror $SAN -o "$TMP/prog-static" "$TMP/prog.c" \
	$(pkg-config --static --cflags --libs sagasu | sed 's/-lsagasu\b/-l:libsagasu.a/') \
	2>"$TMP/cc.err"; then
	ok "cc prog.c \$(pkg-config --static --cflags --libs sagasu)"
else
	fail "cc with pkg-config --static: $(head -5 "$TMP/cc.err")"
fi
check "static prog: hits" "$want" \
	"$("$TMP/prog-static" "$TMP/idx2" 東京 大阪城 'タワー -大阪' 京都 2>&1)"
check "static prog does not load libsagasu.so" "" "$(ldd "$TMP/prog-static" | grep libsagasu)"

# --- uninstall: every file gone, and only ours
: >"$P/lib/not-ours.so"
if mk uninstall DESTDIR= PREFIX="$P"; then ok "make uninstall"; else fail "make uninstall: $(tail -5 "$TMP/make.log")"; fi
check "uninstall keeps others' files" "$P/lib/not-ours.so" "$(find "$P" ! -type d)"
rm -f "$P/lib/not-ours.so"
check "nothing left under the prefix" "" "$(find "$P" ! -type d)"

# --- DESTDIR (a package's staging root) and LIBDIR: the files land below
# DESTDIR, sagasu.pc names the final paths.
S=$TMP/stage
if mk install DESTDIR="$S" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu; then
	ok "make install DESTDIR=... PREFIX=/usr LIBDIR=..."
else
	fail "make install DESTDIR: $(tail -5 "$TMP/make.log")"
fi
check "DESTDIR: library in LIBDIR" "yes" \
	"$([ -f "$S/usr/lib/x86_64-linux-gnu/libsagasu.so.$VERSION" ] && echo yes)"
check "DESTDIR: sagasu.pc in LIBDIR/pkgconfig" "yes" \
	"$([ -f "$S/usr/lib/x86_64-linux-gnu/pkgconfig/sagasu.pc" ] && echo yes)"
check "DESTDIR: man page" "yes" "$([ -f "$S/usr/share/man/man1/sagasu.1" ] && echo yes)"
check "DESTDIR: sagasu.pc names the final paths" \
	"prefix=/usr libdir=/usr/lib/x86_64-linux-gnu includedir=/usr/include" \
	"$(grep -E '^(prefix|libdir|includedir)=' "$S/usr/lib/x86_64-linux-gnu/pkgconfig/sagasu.pc" | tr '\n' ' ' | sed 's/ $//')"
check "sagasu.pc: private dependencies for --static" \
	"Requires.private: lmdb libxxhash libutf8proc jansson libzstd" \
	"$(grep '^Requires.private:' "$S/usr/lib/x86_64-linux-gnu/pkgconfig/sagasu.pc")"
check "sagasu.pc: MeCab, pthread and libm in Libs.private" "-lmecab -lpthread -lm" \
	"$(grep '^Libs.private:' "$S/usr/lib/x86_64-linux-gnu/pkgconfig/sagasu.pc" | grep -oE -- '-l(mecab|pthread|m)\b' | tr '\n' ' ' | sed 's/ $//')"
mk uninstall DESTDIR="$S" PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu
check "DESTDIR: nothing left after uninstall" "" "$(find "$S" ! -type d)"

finish install
