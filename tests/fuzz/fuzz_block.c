/*
 * fuzz_block.c — libFuzzer target for the postings block format
 * (common/block.c, drawn in common/block.h).
 *
 *   tests/fuzz/run.sh builds it; by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Icommon \
 *     tests/fuzz/fuzz_block.c common/block.c common/buf.c common/varint.c \
 *     -o /tmp/fuzz_block
 *   /tmp/fuzz_block -max_total_time=60 tests/fuzz/seeds/block
 *
 * Input layout:
 *   bytes 0..3  the block's first docid (the key's), little-endian
 *   bytes 4..5  L, the length of the postings value (taken modulo what is left)
 *   then        L bytes of postings value, the rest the positions value
 * Both values are copied into heap blocks of exactly their size, so a read
 * past either end is an ASan report (LMDB values have no slack either).
 *
 * Checks, besides memory errors:
 *  - sg_block_open: 1 <= n <= SG_BLOCK_MAX, first as given, last - first >=
 *    n - 1 without overflow, body inside the value.
 *  - sg_block_decode: docids strictly ascending from first to last, tfs >= 1.
 *  - re-encoding the decoded block with sg_block_encode gives a prefix of the
 *    input (every varint is canonical) that opens and decodes to the same
 *    header and postings.
 *  - sg_positions_decode for each posting: positions strictly ascending, and
 *    re-encoded with sg_positions_encode they are the bytes they came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "buf.h"
#include "sagasu.h"
#include "varint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Larger tfs are not decoded: out must hold tf values. */
#define TF_CAP 4096

static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	if (!c)
		abort();
	memcpy(c, p, n);
	return c;
}

static void check_positions(const uint8_t *val, size_t len,
			    const uint32_t *tfs, uint32_t n)
{
	const uint8_t *p = val, *end = val + len;
	uint64_t skip = 0;
	uint32_t i, j;
	sg_buf enc = SG_BUF_INIT;

	for (i = 0; i < n; i++) {
		uint32_t *out;
		const uint8_t *start;
		int rc, ref_ok;

		/* Where posting i's positions start: skip the values of the
		 * postings before it (64-bit sum: no wrap-around). */
		p = val;
		ref_ok = skip <= len &&
			 sg_varint_skip(&p, end, (size_t)skip) == SG_OK;
		start = p;
		skip += tfs[i];
		if (tfs[i] > TF_CAP)
			continue;
		out = malloc(tfs[i] * sizeof(*out));
		if (!out)
			abort();
		rc = sg_positions_decode(val, len, tfs, i, out);
		if (rc == SG_OK) {
			/* The sum of tfs may wrap in 32 bits inside the
			 * decoder; only compare bytes when it did not. */
			for (j = 1; j < tfs[i]; j++)
				if (out[j] <= out[j - 1])
					abort();
			if (ref_ok && skip - tfs[i] <= UINT32_MAX) {
				sg_buf_reset(&enc);
				if (sg_positions_encode(&enc, out, tfs[i]))
					abort();
				if (enc.len > (size_t)(end - start) ||
				    memcmp(enc.data, start, enc.len) != 0)
					abort();
			}
		} else if (rc != SG_ECORRUPT) {
			abort();
		}
		free(out);
	}
	sg_buf_release(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t docids[SG_BLOCK_MAX], tfs[SG_BLOCK_MAX];
	uint32_t docids2[SG_BLOCK_MAX], tfs2[SG_BLOCK_MAX];
	uint32_t first, i;
	size_t len, pos_len;
	uint8_t *val, *pos;
	sg_block b, b2;
	sg_buf enc = SG_BUF_INIT;
	int rc;

	if (size < 6)
		return 0;
	first = (uint32_t)data[0] | (uint32_t)data[1] << 8 |
		(uint32_t)data[2] << 16 | (uint32_t)data[3] << 24;
	len = ((size_t)data[4] | (size_t)data[5] << 8) % (size - 6 + 1);
	pos_len = size - 6 - len;
	val = copy(data + 6, len);
	pos = copy(data + 6 + len, pos_len);

	rc = sg_block_open(&b, first, val, len);
	if (rc != SG_OK) {
		if (rc != SG_ECORRUPT)
			abort();
		goto out;
	}
	if (b.n < 1 || b.n > SG_BLOCK_MAX || b.first != first ||
	    b.last < b.first || b.last - b.first < b.n - 1 ||
	    b.body < val || b.body > val + len || b.end != val + len)
		abort();

	rc = sg_block_decode(&b, docids, tfs);
	if (rc != SG_OK) {
		if (rc != SG_ECORRUPT)
			abort();
		goto out;
	}
	if (docids[0] != b.first || docids[b.n - 1] != b.last)
		abort();
	for (i = 1; i < b.n; i++)
		if (docids[i] <= docids[i - 1])
			abort();
	for (i = 0; i < b.n; i++)
		if (tfs[i] < 1)
			abort();

	/* Round trip: canonical bytes, same postings. */
	if (sg_block_encode(&enc, docids, tfs, b.n, b.max_tf, b.min_dl))
		abort();
	if (enc.len > len || memcmp(enc.data, val, enc.len) != 0)
		abort();
	if (sg_block_open(&b2, first, enc.data, enc.len) != SG_OK ||
	    b2.n != b.n || b2.last != b.last || b2.max_tf != b.max_tf ||
	    b2.min_dl != b.min_dl ||
	    sg_block_decode(&b2, docids2, tfs2) != SG_OK ||
	    memcmp(docids, docids2, b.n * sizeof(*docids)) != 0 ||
	    memcmp(tfs, tfs2, b.n * sizeof(*tfs)) != 0)
		abort();

	check_positions(pos, pos_len, tfs, b.n);
out:
	sg_buf_release(&enc);
	free(val);
	free(pos);
	return 0;
}
