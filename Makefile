# sagasu — a plain GNU Makefile. `make help` lists the targets.
#
# Objects go out of tree, into $(BUILD) (build/ by default; build-asan/ for the
# sanitizer build). Dependencies come from pkg-config, MeCab from mecab-config.

CC      ?= cc
BUILD   ?= build
PKGS    := lmdb libxxhash libutf8proc jansson libzstd
OPT     ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wno-format-nonliteral -Wvla -Wundef
CFLAGS  ?=
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) \
           -Iinclude -Icommon -MMD -MP \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(shell mecab-config --cflags 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
           $(shell mecab-config --libs 2>/dev/null) -lpthread -lm
TEST_LDLIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

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

.PHONY: all setup test unit-tests asan valgrind check-valgrind demo bench \
        bench-varint clean help tsan
.DEFAULT_GOAL := all

all: $(BIN) $(LIB) $(TEST_BIN) $(BENCH_BIN)

help:
	@echo "make            build sagasu ($(BIN)), libsagasu.a, tests and benchmarks"
	@echo "make setup      install missing Debian packages (or print the command)"
	@echo "make test       set up, build and run every test; ends with 'N passed, N failed'"
	@echo "make asan       the tests under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make tsan       the threaded paths under ThreadSanitizer (build-tsan/)"
	@echo "make check-valgrind  the unit tests under valgrind memcheck"
	@echo "make demo       index the Japanese man pages (manpages-ja) and run sample queries"
	@echo "make bench      benchmarks (varint decoding, indexing; see bench/README.md)"
	@echo "make fuzz       libFuzzer targets, FUZZ_SECONDS each (tests/fuzz/)"
	@echo "make check-static  cppcheck over the sources"
	@echo "make clean      remove the build directories"

setup:
	@scripts/setup.sh build

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS) $(TEST_LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

# `make test` is what a new user and CI run: set up, build, run everything.
test: setup
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) OOM_STEP=$(OOM_STEP) tests/run.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" OOM_STEP=5 test

# ThreadSanitizer: the CLI at build-tsan/sagasu; tests/tsan/run.sh runs the
# threaded paths under it and fails on any report.
tsan: setup
	@$(MAKE) --no-print-directory BUILD=build-tsan CC=clang \
	  OPT="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=thread" build-tsan/sagasu
	@BUILD=build-tsan tests/tsan/run.sh

check-valgrind: setup
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) VALGRIND=1 tests/run.sh

valgrind: check-valgrind

demo:
	@scripts/setup.sh demo
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo.sh

bench-varint: all
	$(BUILD)/bench/varint_bench

bench: all
	@BUILD=$(BUILD) bench/run.sh

clean:
	rm -rf build build-asan build-clang build-fuzz build-tsan

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(BENCH_BIN:=.d)
-include tests/fuzz/fuzz.mk
