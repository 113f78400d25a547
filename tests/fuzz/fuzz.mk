# fuzz.mk — libFuzzer targets and static analysis; included at the end of the
# Makefile (`-include tests/fuzz/fuzz.mk`), or used alone:
#   make -f tests/fuzz/fuzz.mk fuzz-build
#
#   make fuzz-build     build the fuzz targets into $(FUZZ_BUILD)/ (clang)
#   make fuzz           build them and run each for FUZZ_SECONDS (tests/fuzz/run.sh)
#   make check-static   cppcheck over the library and the CLI
#
# Each target is linked straight from the few sources it exercises, with
# -fsanitize=fuzzer,address,undefined, so it needs neither MeCab nor LMDB.

FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 15
FUZZ_PKGS    := jansson libutf8proc
FUZZ_WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
                -Wmissing-prototypes -Wpointer-arith -Wformat=2 \
                -Wno-format-nonliteral -Wvla -Wundef
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
                -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all $(FUZZ_WARN) -Iinclude -Icommon \
                $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_LDLIBS  := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null)

FUZZ_SRC_parse  := tests/fuzz/fuzz_parse.c query/parse.c common/buf.c \
                   common/error.c common/varint.c
FUZZ_SRC_varint := tests/fuzz/fuzz_varint.c common/varint.c
FUZZ_SRC_block  := tests/fuzz/fuzz_block.c common/block.c common/buf.c \
                   common/varint.c
FUZZ_SRC_jsonl  := tests/fuzz/fuzz_jsonl.c indexer/reader.c common/buf.c \
                   common/error.c common/varint.c

FUZZ_TARGETS := parse varint block jsonl
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

fuzz-build: $(FUZZ_BIN)

fuzz:
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run.sh $(FUZZ_SECONDS)

$(FUZZ_BUILD)/fuzz_parse: $(FUZZ_SRC_parse)
$(FUZZ_BUILD)/fuzz_varint: $(FUZZ_SRC_varint)
$(FUZZ_BUILD)/fuzz_block: $(FUZZ_SRC_block)
$(FUZZ_BUILD)/fuzz_jsonl: $(FUZZ_SRC_jsonl)
$(FUZZ_BIN): $(FUZZ_HDR)

$(FUZZ_BIN):
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(FUZZ_LDLIBS)

check-static:
	$(CPPCHECK) $(CPPCHECK_FLAGS) $(CPPCHECK_DIRS)
