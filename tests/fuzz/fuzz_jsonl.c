/*
 * fuzz_jsonl.c — libFuzzer target for the JSONL document reader
 * (indexer/reader.c, SG_FORMAT_JSONL).
 *
 *   tests/fuzz/run.sh builds it; by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Icommon \
 *     $(pkg-config --cflags jansson libutf8proc) tests/fuzz/fuzz_jsonl.c \
 *     indexer/reader.c common/buf.c common/error.c \
 *     $(pkg-config --libs jansson libutf8proc) -o /tmp/fuzz_jsonl
 *   /tmp/fuzz_jsonl -max_total_time=60 tests/fuzz/seeds/jsonl
 *
 * The reader takes a path, so the input goes into one memfd per process
 * (rewritten for every input) opened as /proc/self/fd/N: no file on disk, no
 * change to the reader.
 *
 * Checks, besides memory errors, the promises of sagasu.h and reader.c:
 *  - every non-blank line (after the BOM of line 1 and a CR before the LF
 *    are dropped) yields either a document (1) or SG_EINVAL with a message
 *    "FILE:LINE: ..." naming that line; then 0 at the end, once all bytes
 *    were consumed;
 *  - a document has a non-empty id, n_fields texts, and every slice (id,
 *    title, texts, stored) is readable to its length and valid UTF-8 (the
 *    reader replaces invalid bytes with U+FFFD; a \u0000 escape stays).
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <utf8proc.h>

#include "sagasu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

static const char *const fields[] = { "title", "body", "tags" };
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static void check_utf8(sg_slice s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s.ptr;
	size_t i = 0;

	if (s.len && !s.ptr)
		abort();
	while (i < s.len) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(
			p + i, (utf8proc_ssize_t)(s.len - i), &cp);

		if (n <= 0)
			abort();
		i += (size_t)n;
	}
}

/* The records the reader must report: non-blank lines as read_line sees
 * them (BOM of line 1 dropped, then the LF, then one CR). */
static size_t count_records(const uint8_t *data, size_t size)
{
	size_t records = 0, start = 0, line = 0;

	while (start < size) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);
		size_t stop = nl ? (size_t)(nl - data) + 1 : size;
		size_t a = start, b = stop, i;
		int blank = 1;

		line++;
		if (line == 1 && b - a >= 3 && !memcmp(data + a, "\xEF\xBB\xBF", 3))
			a += 3;
		if (b > a && data[b - 1] == '\n')
			b--;
		if (b > a && data[b - 1] == '\r')
			b--;
		for (i = a; i < b; i++)
			if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r')
				blank = 0;
		records += !blank;
		start = stop;
	}
	return records;
}

/* err->msg starts with "PATH:LINE: " for the reader's current line. */
static void check_msg(const sg_error *err, uint64_t line)
{
	char want[96];
	int n = snprintf(want, sizeof(want), "%s:%llu: ", path,
			 (unsigned long long)line);

	if (n <= 0 || strncmp(err->msg, want, (size_t)n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_reader *r = NULL;
	sg_error err = SG_ERROR_INIT;
	size_t want = count_records(data, size), seen = 0, n_fixed, i;
	uint64_t line, done, total;
	int rc;

	if (memfd < 0) {
		memfd = memfd_create("fuzz_jsonl", 0);
		if (memfd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) != 0 ||
	    (size && pwrite(memfd, data, size, 0) != (ssize_t)size))
		abort();

	if (sg_reader_open(path, SG_FORMAT_JSONL, fields, N_FIELDS, &r, &err)
	    != SG_OK)
		abort();
	for (;;) {
		sg_doc doc;

		memset(&doc, 0, sizeof(doc));
		err.code = SG_OK;
		err.msg[0] = '\0';
		rc = sg_reader_next(r, &doc, &n_fixed, &err);
		if (rc == 0)
			break;
		if (++seen > want)
			abort(); /* more records than lines */
		sg_reader_where(r, &line);
		if (rc == 1) {
			if (doc.id.len == 0 || !doc.id.ptr ||
			    doc.n_texts != N_FIELDS || !doc.texts ||
			    n_fixed > size)
				abort();
			check_utf8(doc.id);
			check_utf8(doc.title);
			check_utf8(doc.stored);
			for (i = 0; i < doc.n_texts; i++)
				check_utf8(doc.texts[i]);
		} else if (rc == SG_EINVAL) {
			if (err.code != rc)
				abort();
			check_msg(&err, line);
		} else if (rc == SG_ENOMEM) {
			sg_reader_close(r); /* fatal, and no finding */
			return 0;
		} else {
			abort();
		}
	}
	if (seen != want)
		abort();
	sg_reader_progress(r, &done, &total);
	if (done != size || total != size)
		abort();
	sg_reader_close(r);
	return 0;
}
