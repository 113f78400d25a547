/*
 * block.c — encoder and decoders of the block format drawn in block.h.
 * Every decoder checks its input against the value's end and returns
 * SG_ECORRUPT instead of reading past it.
 */
#include "block.h"

#include "sagasu.h"
#include "varint.h"

int sg_block_encode(sg_buf *out, const uint32_t *docids, const uint32_t *tfs,
		    uint32_t n, uint32_t max_tf, uint32_t min_dl)
{
	uint32_t i;
	int rc;

	if (n == 0 || n > SG_BLOCK_MAX)
		return SG_EINVAL;
	rc = sg_buf_put_varint(out, n);
	if (rc == SG_OK)
		rc = sg_buf_put_varint(out, docids[n - 1] - docids[0]);
	if (rc == SG_OK)
		rc = sg_buf_put_varint(out, max_tf);
	if (rc == SG_OK)
		rc = sg_buf_put_varint(out, min_dl);
	for (i = 1; i < n && rc == SG_OK; i++)
		rc = sg_buf_put_varint(out, docids[i] - docids[i - 1]);
	for (i = 0; i < n && rc == SG_OK; i++)
		rc = sg_buf_put_varint(out, tfs[i]);
	return rc;
}

int sg_block_open(sg_block *b, uint32_t first, const void *val, size_t len)
{
	const uint8_t *p = val, *end = p + len;
	uint32_t last_gap;

	if (sg_varint_get32(&p, end, &b->n) || b->n == 0 ||
	    b->n > SG_BLOCK_MAX ||
	    sg_varint_get32(&p, end, &last_gap) ||
	    sg_varint_get32(&p, end, &b->max_tf) ||
	    sg_varint_get32(&p, end, &b->min_dl) ||
	    last_gap > UINT32_MAX - first || last_gap < b->n - 1)
		return SG_ECORRUPT;
	b->first = first;
	b->last = first + last_gap;
	b->body = p;
	b->end = end;
	return SG_OK;
}

int sg_block_decode(const sg_block *b, uint32_t *docids, uint32_t *tfs)
{
	const uint8_t *p = b->body;
	uint32_t i;

	docids[0] = b->first;
	if (sg_varint_decode_gaps32(&p, b->end, b->first, docids + 1,
				    b->n - 1) != SG_OK ||
	    sg_varint_decode32(&p, b->end, tfs, b->n) != SG_OK ||
	    docids[b->n - 1] != b->last)
		return SG_ECORRUPT;
	for (i = 1; i < b->n; i++)
		if (docids[i] <= docids[i - 1])
			return SG_ECORRUPT;
	/* max_tf bounds every tf: pruning relies on it. */
	for (i = 0; i < b->n; i++)
		if (tfs[i] == 0 || tfs[i] > b->max_tf)
			return SG_ECORRUPT;
	return SG_OK;
}

int sg_positions_encode(sg_buf *out, const uint32_t *pos, uint32_t tf)
{
	uint32_t i;
	int rc = 0;

	for (i = 0; i < tf && rc == SG_OK; i++)
		rc = sg_buf_put_varint(out, i ? pos[i] - pos[i - 1] : pos[0]);
	return rc;
}

int sg_positions_decode(const void *val, size_t len, const uint32_t *tfs,
			uint32_t i, uint32_t *out)
{
	const uint8_t *p = val, *end = p + len;
	uint64_t skip = 0;
	uint32_t j;

	/* In 64 bits: corrupt tfs must not wrap around to a small skip. */
	for (j = 0; j < i; j++)
		skip += tfs[j];
	if (skip > len)
		return SG_ECORRUPT; /* each position takes at least a byte */
	if (sg_varint_skip(&p, end, (size_t)skip) != SG_OK ||
	    sg_varint_decode_gaps32(&p, end, 0, out, tfs[i]) != SG_OK)
		return SG_ECORRUPT;
	for (j = 1; j < tfs[i]; j++)
		if (out[j] <= out[j - 1])
			return SG_ECORRUPT;
	return SG_OK;
}

int sg_positions_verify(const void *val, size_t len, const uint32_t *tfs,
			uint32_t n, uint64_t *n_positions)
{
	const uint8_t *p = val, *end = p + len;
	uint64_t count = 0;
	uint32_t i, j, gap, pos;

	for (i = 0; i < n; i++) {
		pos = 0;
		for (j = 0; j < tfs[i]; j++) {
			/* p0 is absolute; every later gap is >= 1 and the sum
			 * stays within 32 bits. */
			if (sg_varint_get32(&p, end, &gap) ||
			    (j > 0 && gap == 0) || gap > UINT32_MAX - pos)
				return SG_ECORRUPT;
			pos += gap;
		}
		count += tfs[i];
	}
	if (p != end)
		return SG_ECORRUPT;
	*n_positions = count;
	return SG_OK;
}
