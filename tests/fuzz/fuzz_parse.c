/*
 * fuzz_parse.c — libFuzzer target for the query parser.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Icommon \
 *     tests/fuzz/fuzz_parse.c query/parse.c common/buf.c common/error.c \
 *     common/varint.c -o /tmp/fuzz_parse
 *   /tmp/fuzz_parse -max_total_time=60 tests/fuzz/seeds/parse
 *
 * Besides memory errors it checks the promises of parse.h: a failure leaves
 * NULL outputs and a "column N: " message (or out of memory); a success gives
 * a normalized tree (AND/OR with >= 2 kids of another kind, NOT with one,
 * leaves NUL-terminated with a column inside the text).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../query/parse.h"
#include "buf.h"
#include "sagasu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const sg_qnode *n, size_t max_col)
{
	size_t k;

	if (n->column < 1 || n->column > max_col)
		abort();
	switch (n->kind) {
	case SG_Q_WORD:
	case SG_Q_PHRASE:
	case SG_Q_PREFIX:
		if (!n->text || n->text[n->len] != '\0' || n->n_kids)
			abort();
		if (n->len == 0)
			abort();
		return;
	case SG_Q_NOT:
		if (n->n_kids != 1)
			abort();
		break;
	case SG_Q_AND:
	case SG_Q_OR:
		if (n->n_kids < 2)
			abort();
		for (k = 0; k < n->n_kids; k++)
			if (n->kids[k]->kind == n->kind)
				abort();
		break;
	default:
		abort();
	}
	for (k = 0; k < n->n_kids; k++)
		check(n->kids[k], max_col);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sg_error err = SG_ERROR_INIT;
	sg_query *q = NULL;
	const sg_qnode *root = NULL;
	sg_buf out = SG_BUF_INIT;
	int rc;

	rc = sg_query_parse((const char *)data, size, &q, &root, &err);
	if (rc != SG_OK) {
		if (q || root || err.code != rc)
			abort();
		if ((rc == SG_ESYNTAX || rc == SG_ETOOBIG) &&
		    strncmp(err.msg, "column ", 7) != 0)
			abort();
		return 0;
	}
	if (!q)
		abort();
	if (root)
		check(root, size);
	if (sg_query_format(root, &out) != SG_OK)
		abort();
	sg_buf_release(&out);
	sg_query_free(q);
	return 0;
}
