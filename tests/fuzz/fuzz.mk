# fuzz.mk — libFuzzer targets and static analysis; included at the end of the
# Makefile (`-include tests/fuzz/fuzz.mk`), or used alone:
#   make -f tests/fuzz/fuzz.mk fuzz-build
#
#   make fuzz-build     build the fuzz targets into $(FUZZ_BUILD)/ (clang)
#   make fuzz           build them and run each for FUZZ_SECONDS (tests/fuzz/run.sh)
#   make check-static   cppcheck over the library and the CLI
#
# The four small targets are linked straight from the few sources they
# exercise, with -fsanitize=fuzzer,address,undefined, so they need neither
# MeCab nor LMDB. fuzz_query (the whole query path on a real index) and
# fuzz_records (the stored records' decoders) link the whole library,
# compiled once into $(FUZZ_BUILD)/obj/ with the same sanitizers (and
# -fsanitize=fuzzer-no-link for coverage), and its dependencies.

FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 15
FUZZ_PKGS    := jansson libutf8proc
FUZZ_WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
                -Wmissing-prototypes -Wpointer-arith -Wformat=2 \
                -Wno-format-nonliteral -Wvla -Wundef
FUZZ_BASE    := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
                -fno-omit-frame-pointer -fno-sanitize-recover=all \
                $(FUZZ_WARN) -Iinclude -Icommon
FUZZ_CFLAGS  := $(FUZZ_BASE) -fsanitize=fuzzer,address,undefined \
                $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_LDLIBS  := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null)

# The whole library, for fuzz_query and fuzz_records.
FUZZ_LIB_PKGS   := lmdb libxxhash libutf8proc jansson libzstd
FUZZ_LIB_INC    := $(shell pkg-config --cflags $(FUZZ_LIB_PKGS) 2>/dev/null) \
                   $(shell mecab-config --cflags 2>/dev/null)
FUZZ_LIB_LDLIBS := $(shell pkg-config --libs $(FUZZ_LIB_PKGS) 2>/dev/null) \
                   $(shell mecab-config --libs 2>/dev/null) -lpthread -lm
FUZZ_LIB_SRC    := $(wildcard common/*.c indexer/*.c query/*.c)
FUZZ_LIB_OBJ    := $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)

FUZZ_SRC_parse  := tests/fuzz/fuzz_parse.c query/parse.c common/alloc.c common/buf.c \
                   common/error.c common/varint.c
FUZZ_SRC_varint := tests/fuzz/fuzz_varint.c common/varint.c
FUZZ_SRC_block  := tests/fuzz/fuzz_block.c common/block.c common/alloc.c common/buf.c \
                   common/varint.c
FUZZ_SRC_jsonl  := tests/fuzz/fuzz_jsonl.c indexer/reader.c common/alloc.c common/buf.c \
                   common/error.c common/varint.c

FUZZ_SMALL   := parse varint block jsonl
FUZZ_LARGE   := query records
FUZZ_TARGETS := $(FUZZ_SMALL) $(FUZZ_LARGE)
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
# One clang call compiles and links several sources, so -MMD cannot name
# the headers of each: every target depends on all of them instead.
FUZZ_HDR     := $(wildcard include/*.h common/*.h query/*.h indexer/*.h)

# cppcheck: a finding fails the target. False positives go, one a line with
# a comment saying why, into .cppcheck-suppressions.
CPPCHECK       ?= cppcheck
CPPCHECK_FLAGS := --enable=warning,performance,portability --error-exitcode=1 \
                  --inline-suppr --suppress=missingIncludeSystem --quiet \
                  $(if $(wildcard .cppcheck-suppressions),--suppressions-list=.cppcheck-suppressions) \
                  -I include -I common
CPPCHECK_DIRS  := common indexer query cli

.PHONY: fuzz fuzz-build check-static

## build the libFuzzer targets (build-fuzz/)
fuzz-build: $(FUZZ_BIN)

## run each libFuzzer target FUZZ_SECONDS (tests/fuzz/)
fuzz:
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run.sh $(FUZZ_SECONDS)

$(FUZZ_BUILD)/fuzz_parse: $(FUZZ_SRC_parse)
$(FUZZ_BUILD)/fuzz_varint: $(FUZZ_SRC_varint)
$(FUZZ_BUILD)/fuzz_block: $(FUZZ_SRC_block)
$(FUZZ_BUILD)/fuzz_jsonl: $(FUZZ_SRC_jsonl)
$(FUZZ_BUILD)/fuzz_query: tests/fuzz/fuzz_query.c $(FUZZ_LIB_OBJ)
$(FUZZ_BUILD)/fuzz_records: tests/fuzz/fuzz_records.c $(FUZZ_LIB_OBJ)
$(FUZZ_BIN): $(FUZZ_HDR)

$(FUZZ_SMALL:%=$(FUZZ_BUILD)/fuzz_%):
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(FUZZ_LDLIBS)

$(FUZZ_LARGE:%=$(FUZZ_BUILD)/fuzz_%):
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_BASE) -fsanitize=fuzzer,address,undefined \
		$(FUZZ_LIB_INC) -o $@ $(filter %.c %.o,$^) $(FUZZ_LIB_LDLIBS)

$(FUZZ_BUILD)/obj/%.o: %.c $(FUZZ_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_BASE) -fsanitize=fuzzer-no-link,address,undefined \
		$(FUZZ_LIB_INC) -c -o $@ $<

## cppcheck over the sources
check-static:
	$(CPPCHECK) $(CPPCHECK_FLAGS) $(CPPCHECK_DIRS)
