/*
 * test_regress.c — regression cases for bugs the fuzzers found
 * (tests/fuzz/). Each test names the target and the seed file that holds the
 * original crashing input, and rebuilds a small input with the same shape so
 * that `make asan` and `make check-valgrind` catch a relapse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sagasu.h"

/* Writes `len` bytes to a new temporary file; its path goes to `path`. */
static void write_temp(char *path, size_t cap, const char *data, size_t len)
{
	int fd;

	snprintf(path, cap, "%s", "/tmp/sagasu_regress_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/*
 * fuzz_jsonl, seeds/jsonl/regress_sanitize_overflow: indexer/reader.c
 * sanitize() reserved room for the input's length once, then replaced each
 * invalid byte (1 byte) by U+FFFD (3 bytes) and copied ASCII bytes without a
 * bound check: a line with invalid bytes followed by enough ASCII wrote past
 * the buffer. Here a 255-byte line (the buffer gets exactly 256 bytes) starts
 * its body with 10 invalid bytes, so the text grows by 20 bytes.
 */
static void test_jsonl_invalid_utf8_then_ascii(void **state)
{
	static const char *const fields[] = { "title", "body" };
	char line[512], path[64];
	sg_reader *r = NULL;
	sg_error err = SG_ERROR_INIT;
	sg_doc doc;
	size_t n_fixed, len, i;
	const char *body;

	(void)state;
	len = (size_t)snprintf(line, sizeof(line), "%s",
			       "{\"id\":\"x\",\"body\":\"");
	for (i = 0; i < 10; i++)
		line[len++] = '\xff';
	while (len < 255 - 3)
		line[len++] = 'a';
	memcpy(line + len, "\"}\n", 3);
	len += 3;
	assert_int_equal(len, 255);
	write_temp(path, sizeof(path), line, len);

	assert_int_equal(sg_reader_open(path, SG_FORMAT_JSONL, fields, 2, &r,
					&err), SG_OK);
	assert_int_equal(sg_reader_next(r, &doc, &n_fixed, &err), 1);
	assert_int_equal(n_fixed, 10);
	assert_int_equal(doc.id.len, 1);
	assert_int_equal(doc.n_texts, 2);
	body = doc.texts[1].ptr;
	assert_int_equal(doc.texts[1].len, 10 * 3 + (255 - 3 - 28));
	for (i = 0; i < 10; i++)
		assert_memory_equal(body + 3 * i, "\xEF\xBF\xBD", 3);
	for (i = 30; i < doc.texts[1].len; i++)
		assert_int_equal(body[i], 'a');
	assert_int_equal(sg_reader_next(r, &doc, &n_fixed, &err), 0);
	sg_reader_close(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonl_invalid_utf8_then_ascii),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
