# sagasu — a plain GNU Makefile. `make help` lists the targets.
#
# Objects go out of tree, into $(BUILD) (build/ by default; build-asan/ for the
# sanitizer build). Dependencies come from pkg-config, MeCab from mecab-config.

CC      ?= cc
BUILD   ?= build
PKGS    := lmdb libxxhash libutf8proc jansson libzstd
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wno-format-nonliteral -Wvla -Wundef \
           -Wwrite-strings -fno-common -Wconversion
CFLAGS  ?=
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) \
           -Iinclude -Icommon -MMD -MP \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(shell mecab-config --cflags 2>/dev/null)
# where MeCab's dictionary compiler lives (common/userdic.c runs it)
CFLAGS  += -DSG_MECAB_LIBEXECDIR='"$(shell mecab-config --libexecdir 2>/dev/null)"'
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
           $(shell mecab-config --libs 2>/dev/null) -lpthread -lm
TEST_LDLIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
# The CLI alone links the HTTP server library (`sagasu serve`, cli/serve.c);
# libsagasu does not depend on it.
CLI_PKGS := libmicrohttpd
CLI_LDLIBS := $(shell pkg-config --libs $(CLI_PKGS) 2>/dev/null)

LIB_SRC := $(wildcard common/*.c indexer/*.c query/*.c)
CLI_SRC := $(wildcard cli/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
BENCH_SRC := $(wildcard bench/*_bench.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

# tests/cli/oom.sh fails every OOM_STEP-th allocation (every one by default;
# the slower sanitizer build walks every 5th).
OOM_STEP ?= 1

LIB := $(BUILD)/libsagasu.a
BIN := $(BUILD)/sagasu

# The shared library: the same sources compiled again as position-independent
# code into $(BUILD)/pic/, so that libsagasu.a and the CLI stay non-PIC. Only
# the functions include/sagasu.h marks SG_API are exported
# (-fvisibility=hidden). Its version is SAGASU_VERSION; its soname carries
# the major number: libsagasu.so.0 for 0.1.0.
VERSION := $(shell sed -n 's/^\#define SAGASU_VERSION "\(.*\)"/\1/p' include/sagasu.h)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))
SONAME  := libsagasu.so.$(MAJOR)
SO      := $(BUILD)/libsagasu.so.$(VERSION)
PIC_OBJ := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)

# Where `make install` puts things; DESTDIR is prepended to every path (for
# packaging: the files are installed there but refer to PREFIX).
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR   ?= $(PREFIX)/share/zsh/site-functions
INSTALL      ?= install

.PHONY: all setup test asan valgrind check-valgrind demo bench \
        bench-varint bench-serve clean help tsan install uninstall FORCE
.DEFAULT_GOAL := all

## build sagasu, libsagasu.a and .so, the tests and benchmarks (the default)
all: $(BIN) $(LIB) $(SO) $(TEST_BIN) $(BENCH_BIN)

# `make help` prints the targets that carry a `## ` comment just above them,
# read from this Makefile and the files it includes: the list cannot drift.
## this list
help:
	@awk '/^## / { d = d (d ? "\n                     " : "") substr($$0, 4); next } \
	      /^[a-z][a-z-]*:/ && d { t = $$0; sub(/:.*/, "", t); \
	        printf "make %-15s %s\n", t, d } { d = "" }' $(MAKEFILE_LIST)

## install missing Debian packages (or print the apt-get command)
setup:
	@scripts/setup.sh build

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# A more specific pattern than the one above: make takes the shortest stem.
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(SO): $(PIC_OBJ)
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $(PIC_OBJ) \
	  $(LDFLAGS) $(LDLIBS)

$(BUILD)/cli/serve.o: CFLAGS += $(shell pkg-config --cflags $(CLI_PKGS) 2>/dev/null)

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDFLAGS) $(CLI_LDLIBS) $(LDLIBS)

# Every unit suite links the shared index fixture (tests/fixture.h); naming
# the object here keeps make from deleting it as an intermediate.
$(TEST_BIN): $(BUILD)/tests/fixture.o
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/tests/fixture.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/tests/fixture.o $(LIB) $(LDFLAGS) \
	  $(LDLIBS) $(TEST_LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

# `make test` is what a new user and CI run: set up, build, run everything.
## set up, build and run every test; ends with "N passed, N failed"
## (SUITES="search test_parse" runs only those suites)
test: setup
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) OOM_STEP=$(OOM_STEP) tests/run.sh

## the tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" OOM_STEP=5 test

# ThreadSanitizer: the CLI at build-tsan/sagasu; tests/tsan/run.sh runs the
# threaded paths under it and fails on any report.
## the threaded paths under ThreadSanitizer (build-tsan/)
tsan: setup
	@$(MAKE) --no-print-directory BUILD=build-tsan CC=clang \
	  OPT="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=thread" build-tsan/sagasu
	@BUILD=build-tsan tests/tsan/run.sh

## the unit tests under valgrind memcheck
check-valgrind: setup
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) VALGRIND=1 tests/run.sh

## the same as check-valgrind
valgrind: check-valgrind

## index a real Japanese corpus (the man pages) and run sample queries
demo:
	@scripts/setup.sh demo
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo.sh

## sagasu serve over loopback, 1/2/8 clients, next to sagasu bench and groonga http (bench/serve_bench.sh)
bench-serve: all
	@BUILD=$(BUILD) bench/serve_bench.sh

## the varint decoding benchmark
bench-varint: all
	$(BUILD)/bench/varint_bench

## the benchmarks: sagasu against its peers on two corpora, docs and jsquad
## (one table each; BENCH_CORPORA, BENCH_CORPUS, SHARED: bench/README.md)
bench: all
	@BUILD=$(BUILD) bench/run.sh

# sagasu.pc names the install directories, so it is written at install time.
$(BUILD)/sagasu.pc: sagasu.pc.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@REQUIRES_PRIVATE@|$(PKGS)|g' \
	    -e 's|@LIBS_PRIVATE@|$(strip $(shell mecab-config --libs 2>/dev/null) -lpthread -lm)|g' \
	    sagasu.pc.in >$@

## install the CLI, the libraries, sagasu.h, sagasu.pc, the man page and
## the completions under PREFIX (/usr/local; also DESTDIR, BINDIR, LIBDIR,
## INCLUDEDIR, MANDIR, PKGCONFIGDIR, BASHCOMPDIR, ZSHCOMPDIR)
install: $(BIN) $(LIB) $(SO) $(BUILD)/sagasu.pc
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
	  $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 755 $(BIN) $(DESTDIR)$(BINDIR)/sagasu
	$(INSTALL) -m 644 include/sagasu.h $(DESTDIR)$(INCLUDEDIR)/sagasu.h
	$(INSTALL) -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libsagasu.a
	$(INSTALL) -m 755 $(SO) $(DESTDIR)$(LIBDIR)/libsagasu.so.$(VERSION)
	ln -sf libsagasu.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsagasu.so
	$(INSTALL) -m 644 $(BUILD)/sagasu.pc $(DESTDIR)$(PKGCONFIGDIR)/sagasu.pc
	$(INSTALL) -m 644 man/sagasu.1 $(DESTDIR)$(MANDIR)/man1/sagasu.1
	$(INSTALL) -m 644 completions/sagasu.bash $(DESTDIR)$(BASHCOMPDIR)/sagasu
	$(INSTALL) -m 644 completions/_sagasu $(DESTDIR)$(ZSHCOMPDIR)/_sagasu

# Removes the files only: the directories may hold other packages' files.
## remove what 'make install' put there (same variables)
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sagasu $(DESTDIR)$(INCLUDEDIR)/sagasu.h \
	  $(DESTDIR)$(LIBDIR)/libsagasu.a $(DESTDIR)$(LIBDIR)/libsagasu.so.$(VERSION) \
	  $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libsagasu.so \
	  $(DESTDIR)$(PKGCONFIGDIR)/sagasu.pc $(DESTDIR)$(MANDIR)/man1/sagasu.1 \
	  $(DESTDIR)$(BASHCOMPDIR)/sagasu $(DESTDIR)$(ZSHCOMPDIR)/_sagasu

## remove the build directories
clean:
	rm -rf build build-asan build-clang build-fuzz build-tsan

-include $(LIB_OBJ:.o=.d) $(PIC_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(BUILD)/tests/fixture.d $(BENCH_BIN:=.d)
-include tests/fuzz/fuzz.mk
